/* The scheduler: windows wait in one queue, are offered to free reviewers
 * with a deadline, and are reoffered or expired when it passes. A window
 * never silently disappears: it is labeled, or an expiry is reported.
 *
 * Per reviewer, in offer order:
 *
 *   entries: [ current (clock running) | held | held ... ]  <= capacity
 *                  │ ends (label stored, decline, skip, deadline)
 *                  └──► the oldest held one starts: deadline = now + time box
 */
#include "feedback/sched.h"

#include <string.h>

#include "feedback/wire.h"

/* One of these per window the scheduler holds, waiting or assigned. */
struct entry {
	rs_window *window;
	GBytes *packed;
	guint attempts;    /* offers made */
	GPtrArray *tried;  /* reviewer ids, in offer order (char *) */
	gint64 waiting_since;
	struct sched_assignment *a; /* non-NULL while assigned */
	GList *link; /* its node in sched.waiting while waiting, else NULL */
	guint gidx;  /* its index in its group's list while waiting */
	guint ambiguous;          /* labels flagged ambiguous so far (offers that
				   * do not count against max_attempts) */
	gboolean experts_only;    /* flagged ambiguous in an ambiguous_to = expert group */
	gboolean last_ambiguous;  /* its last offer ended with an ambiguous flag */
};

/* One of these per connected reviewer (one per connection). */
struct sched_reviewer {
	char *id;
	void *conn;
	guint capacity;
	GPtrArray *entries; /* struct entry *, assigned to this reviewer, in offer order */
	struct entry *current; /* the one entry whose clock runs, or NULL */
	enum rs_role role;  /* as signed in */
};

struct sched {
	const struct rs_config *cfg;
	const struct sched_ops *ops;
	void *user;
	gsize max_task_bytes;
	GQueue waiting;      /* struct entry *, head offered first */
	GHashTable *by_group; /* rs_group_conf * -> GPtrArray of its waiting entries */
	gint64 next_timeout_ns; /* no waiting window times out before this */
	GPtrArray *assigned; /* struct entry * */
	GPtrArray *reviewers; /* sched_reviewer * */
	guint next_reviewer;  /* round-robin start among equally loaded */
	guint free_slots;     /* sum of capacity - entries over reviewers */
	struct sched_stats st;
};

static void entry_free(struct entry *e)
{
	g_free(e->a);
	g_ptr_array_unref(e->tried);
	g_bytes_unref(e->packed);
	rs_window_unref(e->window);
	g_free(e);
}

/* Reports E as expired for REASON and frees it. E must be in no list. */
static void expire(sched *s, struct entry *e, const char *reason)
{
	struct sched_expiry x = {0};

	g_ptr_array_add(e->tried, NULL);
	x.window = e->window;
	x.attempts = e->attempts;
	x.reviewers = (const char *const *)e->tried->pdata;
	x.reason = reason;
	if (!strcmp(reason, "deadline"))
		s->st.expired_deadline++;
	else if (!strcmp(reason, "declined"))
		s->st.expired_declined++;
	else if (!strcmp(reason, "unassigned"))
		s->st.expired_unassigned++;
	else if (!strcmp(reason, "queue_full"))
		s->st.expired_queue_full++;
	else if (!strcmp(reason, "too_large"))
		s->st.expired_too_large++;
	else if (!strcmp(reason, "shutdown"))
		s->st.expired_shutdown++;
	else if (!strcmp(reason, "ambiguous"))
		s->st.expired_ambiguous++;
	s->ops->expired(&x, s->user);
	entry_free(e);
}

/* Puts E in the waiting queue, at the head (offered first) or the tail,
 * and in its group's list. */
static void waiting_push(sched *s, struct entry *e, gboolean at_head)
{
	const struct rs_group_conf *g = e->window->group;
	GPtrArray *a = g_hash_table_lookup(s->by_group, g);

	if (at_head) {
		g_queue_push_head(&s->waiting, e);
		e->link = s->waiting.head;
	} else {
		g_queue_push_tail(&s->waiting, e);
		e->link = s->waiting.tail;
	}
	if (!a) {
		a = g_ptr_array_new();
		g_hash_table_insert(s->by_group, (gpointer)g, a);
	}
	e->gidx = a->len;
	g_ptr_array_add(a, e);
	s->next_timeout_ns = MIN(s->next_timeout_ns, e->waiting_since + g->queue_timeout_ns);
}

/* Takes the waiting entry E out of the queue and its group's list. O(1). */
static void waiting_remove(sched *s, struct entry *e)
{
	const struct rs_group_conf *g = e->window->group;
	GPtrArray *a = g_hash_table_lookup(s->by_group, g);

	g_queue_delete_link(&s->waiting, e->link);
	e->link = NULL;
	g_ptr_array_remove_index_fast(a, e->gidx);
	if (e->gidx < a->len)
		((struct entry *)a->pdata[e->gidx])->gidx = e->gidx;
	if (!a->len)
		g_hash_table_remove(s->by_group, g);
}

/* The window of the list A (one group's) waiting longest; of those, the
 * earliest window. O(waiting windows of the group), only paid when the
 * group is over its queue_max. */
static struct entry *group_oldest(const GPtrArray *a)
{
	struct entry *oldest = NULL;

	for (guint i = 0; i < a->len; i++) {
		struct entry *e = a->pdata[i];

		if (!oldest || e->waiting_since < oldest->waiting_since ||
		    (e->waiting_since == oldest->waiting_since &&
		     e->window->start_ns < oldest->window->start_ns))
			oldest = e;
	}
	return oldest;
}

static gboolean has_tried(const struct entry *e, const char *id)
{
	for (guint i = 0; i < e->tried->len; i++) {
		if (!strcmp(e->tried->pdata[i], id))
			return TRUE;
	}
	return FALSE;
}

/* R has room for E and may have it: not offered it before (whoever let its
 * deadline pass, declined, skipped or flagged it ambiguous), and an expert
 * when only experts may. */
static gboolean may_take(const sched_reviewer *r, const struct entry *e)
{
	if (r->entries->len >= r->capacity)
		return FALSE;
	if (e->experts_only && r->role != RS_ROLE_EXPERT)
		return FALSE;
	return !has_tried(e, r->id);
}

/* The least loaded reviewer with room who may take E (round-robin among
 * equals), or NULL. An idle reviewer comes before one who would hold it.
 * O(reviewers). */
static sched_reviewer *pick_reviewer(sched *s, const struct entry *e)
{
	sched_reviewer *best = NULL;
	guint n = s->reviewers->len;

	for (guint k = 0; k < n; k++) {
		sched_reviewer *r = s->reviewers->pdata[(s->next_reviewer + k) % n];

		if (!may_take(r, e))
			continue;
		if (!best || r->entries->len < best->entries->len)
			best = r;
		if (best->entries->len == 0)
			break; /* nobody is less loaded */
	}
	if (best)
		s->next_reviewer++;
	return best;
}

static void offer(sched *s, struct entry *e, sched_reviewer *r, gint64 now_ns)
{
	const struct rs_group_conf *g = e->window->group;
	/* g_new and a zeroed copy, not g_new0: glibc's calloc bypasses its
	 * per-thread cache, and this runs for every offer. */
	struct sched_assignment *a = g_new(struct sched_assignment, 1);

	*a = (struct sched_assignment){0};
	e->attempts++;
	g_ptr_array_add(e->tried, g_strdup(r->id));
	a->window = e->window;
	a->packed_window = e->packed;
	a->reviewer = r;
	a->attempt = e->attempts;
	a->assigned_ns = now_ns;
	if (r->current) {
		/* The reviewer is busy: held, its clock stopped until then. */
		a->held = TRUE;
	} else {
		a->deadline_ns = now_ns + g->time_box_ns;
		r->current = e;
	}
	e->a = a;
	g_ptr_array_add(r->entries, e);
	s->free_slots--;
	g_ptr_array_add(s->assigned, e);
	if (a->attempt > 1)
		s->st.reoffered++;
	s->st.offered++;
	s->ops->offer(r->conn, a, s->user);
}

/* Offers waiting windows, oldest first, to reviewers with room. A window
 * nobody may take stays and does not block those behind it. Stops as soon
 * as no reviewer has room, so with everyone busy it costs nothing; else
 * O(waiting x reviewers) at worst. */
static void dispatch(sched *s, gint64 now_ns)
{
	GList *l = s->waiting.head;

	while (l && s->free_slots) {
		GList *next = l->next;
		struct entry *e = l->data;
		sched_reviewer *r = pick_reviewer(s, e);

		if (r) {
			waiting_remove(s, e);
			offer(s, e, r, now_ns);
		}
		l = next;
	}
}

/* E's last offer does not count: its reviewer dropped the connection,
 * which is no refusal. They may get it again; the attempt is not used. */
static void forget_offer(struct entry *e)
{
	e->attempts--;
	g_ptr_array_remove_index(e->tried, e->tried->len - 1);
}

/* Takes E out of the assigned set and its reviewer's list (keeping the
 * list's order: the oldest held entry stays first). O(capacity). */
static void unassign(sched *s, struct entry *e)
{
	sched_reviewer *r = e->a->reviewer;

	if (r) {
		g_ptr_array_remove(r->entries, e);
		if (r->current == e)
			r->current = NULL;
		s->free_slots++;
	}
	g_ptr_array_remove_fast(s->assigned, e);
	g_clear_pointer(&e->a, g_free);
}

/* R's current task ended (R may be NULL: it left): its oldest held task
 * starts now, with a full time box. O(capacity). */
static void reviewer_resume(sched *s, sched_reviewer *r, gint64 now_ns)
{
	if (!r || r->current)
		return;
	for (guint i = 0; i < r->entries->len; i++) {
		struct entry *e = r->entries->pdata[i];

		if (!e->a->held)
			continue;
		e->a->held = FALSE;
		e->a->assigned_ns = now_ns;
		e->a->deadline_ns = now_ns + e->window->group->time_box_ns;
		r->current = e;
		if (s->ops->start)
			s->ops->start(r->conn, e->a, s->user);
		return;
	}
}

/* E's offer ended without a label to keep (deadline, decline, skip):
 * offer it again or, after max_attempts, expire it. Offers that ended
 * with an ambiguous flag do not count. */
static void requeue_or_expire(sched *s, struct entry *e, const char *reason, gint64 now_ns)
{
	e->last_ambiguous = FALSE;
	if (e->attempts - e->ambiguous >= e->window->group->max_attempts) {
		expire(s, e, reason);
		return;
	}
	e->waiting_since = now_ns;
	waiting_push(s, e, TRUE);
}

sched *sched_new(const struct rs_config *cfg, gsize max_task_bytes, const struct sched_ops *ops,
		 void *user)
{
	sched *s = g_new0(sched, 1);

	s->cfg = cfg;
	s->max_task_bytes = max_task_bytes;
	s->ops = ops;
	s->user = user;
	g_queue_init(&s->waiting);
	s->by_group = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
					    (GDestroyNotify)g_ptr_array_unref);
	s->next_timeout_ns = G_MAXINT64;
	s->assigned = g_ptr_array_new();
	s->reviewers = g_ptr_array_new();
	return s;
}

void sched_free(sched *s)
{
	struct entry *e;

	if (!s)
		return;
	while (s->assigned->len) {
		e = s->assigned->pdata[0];
		if (e->a->publishing) {
			/* No expired record: the label may yet be stored, and
			 * one window must not end up both labeled and expired. */
			g_warning("window %s: its label was still on its way to Redis at shutdown",
				  e->window->id);
			unassign(s, e);
			entry_free(e);
			continue;
		}
		unassign(s, e);
		expire(s, e, "shutdown");
	}
	while ((e = g_queue_peek_head(&s->waiting))) {
		waiting_remove(s, e);
		expire(s, e, "shutdown");
	}
	for (guint i = 0; i < s->reviewers->len; i++) {
		sched_reviewer *r = s->reviewers->pdata[i];
		g_ptr_array_unref(r->entries);
		g_free(r->id);
		g_free(r);
	}
	g_ptr_array_unref(s->reviewers);
	g_ptr_array_unref(s->assigned);
	g_hash_table_unref(s->by_group);
	g_free(s);
}

void sched_add_window(sched *s, rs_window *w, gint64 now_ns)
{
	struct entry *e = g_new(struct entry, 1); /* not g_new0: see offer() */
	GPtrArray *a;

	*e = (struct entry){0};
	e->window = rs_window_ref(w);
	e->packed = wire_pack_window(w);
	e->tried = g_ptr_array_new_with_free_func(g_free);
	e->waiting_since = now_ns;
	if (g_bytes_get_size(e->packed) + 1024 > s->max_task_bytes) {
		g_warning("window %s is %zu bytes packed, more than a reviewer's send queue "
			  "holds (send_queue_bytes %zu); expired",
			  w->id, g_bytes_get_size(e->packed), s->max_task_bytes);
		expire(s, e, "too_large");
		return;
	}
	waiting_push(s, e, FALSE);
	dispatch(s, now_ns);
	/* Bounded: past queue_max the oldest waiting window of the group
	 * leaves with a record; fresh windows are worth more to a live model. */
	while ((a = g_hash_table_lookup(s->by_group, w->group)) && a->len > w->group->queue_max) {
		struct entry *old = group_oldest(a);

		waiting_remove(s, old);
		expire(s, old, "queue_full");
	}
}

sched_reviewer *sched_reviewer_join(sched *s, const char *reviewer_id, void *conn, guint capacity,
				    gint64 now_ns)
{
	return sched_reviewer_join_as(s, reviewer_id, RS_ROLE_REVIEWER, conn, capacity, now_ns);
}

sched_reviewer *sched_reviewer_join_as(sched *s, const char *reviewer_id, enum rs_role role,
				       void *conn, guint capacity, gint64 now_ns)
{
	sched_reviewer *r = g_new0(sched_reviewer, 1);

	r->id = g_strdup(reviewer_id);
	r->role = role;
	r->conn = conn;
	r->capacity = capacity ? capacity : 1;
	r->entries = g_ptr_array_new();
	g_ptr_array_add(s->reviewers, r);
	s->free_slots += r->capacity;
	dispatch(s, now_ns);
	return r;
}

void sched_reviewer_leave(sched *s, sched_reviewer *r, gint64 now_ns)
{
	g_ptr_array_remove(s->reviewers, r);
	s->free_slots -= r->capacity - r->entries->len;
	/* Newest first, each to the queue's head: they keep their order
	 * there, the current one ahead of those held behind it. */
	while (r->entries->len) {
		struct entry *e = g_ptr_array_steal_index(r->entries, r->entries->len - 1);

		if (e->a->publishing) {
			/* The label is on its way: sched_complete or
			 * sched_publish_failed decides. */
			e->a->reviewer = NULL;
			continue;
		}
		g_ptr_array_remove_fast(s->assigned, e);
		g_clear_pointer(&e->a, g_free);
		/* waiting_since stays: a window must not circulate forever
		 * between reviewers who keep dropping. */
		forget_offer(e);
		waiting_push(s, e, TRUE);
	}
	g_ptr_array_unref(r->entries);
	g_free(r->id);
	g_free(r);
	dispatch(s, now_ns);
}

const char *sched_reviewer_id(const sched_reviewer *r)
{
	return r->id;
}

enum rs_role sched_reviewer_role(const sched_reviewer *r)
{
	return r->role;
}

struct sched_assignment *sched_find(sched *s, sched_reviewer *r, const char *window_id)
{
	for (guint i = 0; i < r->entries->len; i++) {
		struct entry *e = r->entries->pdata[i];
		if (!strcmp(e->window->id, window_id))
			return e->a;
	}
	return NULL;
}

/* The entry holding A. O(assigned). */
static struct entry *entry_of(sched *s, const struct sched_assignment *a)
{
	for (guint i = 0; i < s->assigned->len; i++) {
		struct entry *e = s->assigned->pdata[i];
		if (e->a == a)
			return e;
	}
	g_assert_not_reached();
	return NULL;
}

void sched_complete(sched *s, struct sched_assignment *a, gint64 now_ns)
{
	struct entry *e = entry_of(s, a);
	sched_reviewer *r = a->reviewer;

	unassign(s, e);
	entry_free(e);
	s->st.completed++;
	reviewer_resume(s, r, now_ns);
	dispatch(s, now_ns);
}

void sched_publish_started(sched *s, struct sched_assignment *a, gint64 now_ns)
{
	a->publishing = TRUE;
	a->publish_started_ns = now_ns;
}

void sched_publish_failed(sched *s, struct sched_assignment *a, gint64 now_ns)
{
	struct entry *e = entry_of(s, a);

	a->publishing = FALSE;
	/* The reviewer answered in time; the time Redis took is not theirs. */
	a->deadline_ns += now_ns - a->publish_started_ns;
	if (!a->reviewer) {
		/* Its reviewer left while the label was in flight. */
		unassign(s, e);
		forget_offer(e);
		waiting_push(s, e, TRUE);
		dispatch(s, now_ns);
		return;
	}
	sched_tick(s, now_ns);
}

/* The reviewer gave A back (a decline, or a stored skip): offered to
 * someone else, or expired as declined after the last attempt. */
static void give_back(sched *s, struct sched_assignment *a, gint64 now_ns)
{
	struct entry *e = entry_of(s, a);
	sched_reviewer *r = a->reviewer;

	unassign(s, e);
	requeue_or_expire(s, e, "declined", now_ns);
	reviewer_resume(s, r, now_ns);
	dispatch(s, now_ns);
}

void sched_decline(sched *s, struct sched_assignment *a, gint64 now_ns)
{
	s->st.declined++;
	give_back(s, a, now_ns);
}

void sched_skipped(sched *s, struct sched_assignment *a, gint64 now_ns)
{
	s->st.skipped++;
	give_back(s, a, now_ns);
}

void sched_ambiguous(sched *s, struct sched_assignment *a, gint64 now_ns)
{
	struct entry *e = entry_of(s, a);
	sched_reviewer *r = a->reviewer;
	const struct rs_group_conf *g = e->window->group;

	unassign(s, e);
	s->st.ambiguous++;
	e->ambiguous++;
	if (e->ambiguous >= MAX(g->max_ambiguous, 1)) {
		expire(s, e, "ambiguous");
	} else {
		/* Whoever had it is in e->tried, so the flagger never gets
		 * it back; a fresh wait, as for any reoffer. */
		e->experts_only = g->ambiguous_to == RS_AMBIGUOUS_TO_EXPERT;
		e->last_ambiguous = TRUE;
		e->waiting_since = now_ns;
		waiting_push(s, e, TRUE);
	}
	reviewer_resume(s, r, now_ns);
	dispatch(s, now_ns);
}

gboolean sched_extend(sched *s, struct sched_assignment *a, gint64 now_ns, char *reason,
		      gsize reason_len)
{
	const struct rs_group_conf *g = a->window->group;

	if (a->held) {
		g_snprintf(reason, reason_len,
			   "window %s has not started: more time is for the current task",
			   a->window->id);
		return FALSE;
	}
	if (g->extend_ns <= 0) {
		g_snprintf(reason, reason_len, "group %s does not allow more time (extend_seconds)",
			   g->name);
		return FALSE;
	}
	if (a->extensions >= g->max_extensions) {
		g_snprintf(reason, reason_len, "no extensions left (%u of %u used)", a->extensions,
			   g->max_extensions);
		return FALSE;
	}
	if (!a->publishing && now_ns >= a->deadline_ns) {
		g_snprintf(reason, reason_len, "window %s: its time is already up", a->window->id);
		return FALSE;
	}
	a->deadline_ns += g->extend_ns;
	a->extensions++;
	s->st.extended++;
	return TRUE;
}

guint sched_extensions_left(const struct sched_assignment *a)
{
	const struct rs_group_conf *g = a->window->group;

	if (g->extend_ns <= 0 || a->extensions >= g->max_extensions)
		return 0;
	return g->max_extensions - a->extensions;
}

void sched_tick(sched *s, gint64 now_ns)
{
	/* Deadlines. Iterate backwards: entries leave the array. */
	for (guint i = s->assigned->len; i-- > 0;) {
		struct entry *e = s->assigned->pdata[i];
		sched_reviewer *r = e->a->reviewer;

		/* held: no clock yet. Starting one below only touches entries
		 * of R, whose deadlines are then in the future. */
		if (e->a->held || e->a->publishing || now_ns < e->a->deadline_ns)
			continue;
		if (r)
			s->ops->revoke(r->conn, e->window->id, "deadline", s->user);
		unassign(s, e);
		requeue_or_expire(s, e, "deadline", now_ns);
		reviewer_resume(s, r, now_ns);
	}
	/* Windows nobody took in time: the queue is walked only when one may
	 * be due, not on every tick (it can hold thousands). */
	if (now_ns >= s->next_timeout_ns) {
		s->next_timeout_ns = G_MAXINT64;
		for (GList *l = s->waiting.head; l;) {
			GList *next = l->next;
			struct entry *e = l->data;
			gint64 due = e->waiting_since + e->window->group->queue_timeout_ns;

			if (now_ns >= due) {
				waiting_remove(s, e);
				expire(s, e,
				       !e->attempts        ? "unassigned"
				       : e->last_ambiguous ? "ambiguous"
							   : "deadline");
			} else {
				s->next_timeout_ns = MIN(s->next_timeout_ns, due);
			}
			l = next;
		}
	}
	dispatch(s, now_ns);
}

void sched_get_stats(const sched *s, struct sched_stats *out)
{
	*out = s->st;
	out->waiting = s->waiting.length;
	out->assigned = s->assigned->len;
	out->held = 0;
	for (guint i = 0; i < s->assigned->len; i++)
		out->held += ((const struct entry *)s->assigned->pdata[i])->a->held;
	out->reviewers = s->reviewers->len;
}
