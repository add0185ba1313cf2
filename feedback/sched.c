/* The scheduler: windows wait in one queue, are offered to free reviewers
 * with a deadline, and are reoffered or expired when it passes. A window
 * never silently disappears: it is labeled, or an expiry is reported. */
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
};

/* One of these per connected reviewer (one per connection). */
struct sched_reviewer {
	char *id;
	void *conn;
	guint capacity;
	GPtrArray *entries; /* struct entry *, assigned to this reviewer */
};

struct sched {
	const struct rs_config *cfg;
	const struct sched_ops *ops;
	void *user;
	gsize max_task_bytes;
	GQueue waiting;      /* struct entry *, head offered first */
	GPtrArray *assigned; /* struct entry * */
	GPtrArray *reviewers; /* sched_reviewer * */
	guint next_reviewer;  /* round-robin start among equally loaded */
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
	s->ops->expired(&x, s->user);
	entry_free(e);
}

static guint waiting_in_group(sched *s, const struct rs_group_conf *g, GList **oldest)
{
	guint n = 0;

	*oldest = NULL;
	for (GList *l = s->waiting.head; l; l = l->next) {
		struct entry *e = l->data;
		if (e->window->group != g)
			continue;
		if (!*oldest || e->waiting_since < ((struct entry *)(*oldest)->data)->waiting_since)
			*oldest = l;
		n++;
	}
	return n;
}

static gboolean has_tried(const struct entry *e, const char *id)
{
	for (guint i = 0; i < e->tried->len; i++) {
		if (!strcmp(e->tried->pdata[i], id))
			return TRUE;
	}
	return FALSE;
}

/* The least loaded reviewer with room who may take E (round-robin among
 * equals), or NULL. O(reviewers). */
static sched_reviewer *pick_reviewer(sched *s, const struct entry *e)
{
	sched_reviewer *best = NULL;
	guint n = s->reviewers->len;

	for (guint k = 0; k < n; k++) {
		sched_reviewer *r = s->reviewers->pdata[(s->next_reviewer + k) % n];

		if (r->entries->len >= r->capacity)
			continue;
		if (has_tried(e, r->id))
			continue;
		if (!best || r->entries->len < best->entries->len)
			best = r;
	}
	if (best)
		s->next_reviewer++;
	return best;
}

static void offer(sched *s, struct entry *e, sched_reviewer *r, gint64 now_ns)
{
	const struct rs_group_conf *g = e->window->group;
	struct sched_assignment *a = g_new0(struct sched_assignment, 1);

	e->attempts++;
	g_ptr_array_add(e->tried, g_strdup(r->id));
	a->window = e->window;
	a->packed_window = e->packed;
	a->reviewer = r;
	a->attempt = e->attempts;
	a->assigned_ns = now_ns;
	a->deadline_ns = now_ns + g->time_box_ns;
	e->a = a;
	g_ptr_array_add(r->entries, e);
	g_ptr_array_add(s->assigned, e);
	if (a->attempt > 1)
		s->st.reoffered++;
	s->st.offered++;
	s->ops->offer(r->conn, a, s->user);
}

/* Offers waiting windows, oldest first, to reviewers with room. A window
 * nobody may take stays and does not block those behind it.
 * O(waiting x reviewers). */
static void dispatch(sched *s, gint64 now_ns)
{
	GList *l = s->waiting.head;

	while (l && s->reviewers->len) {
		GList *next = l->next;
		struct entry *e = l->data;
		sched_reviewer *r = pick_reviewer(s, e);

		if (r) {
			g_queue_delete_link(&s->waiting, l);
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

/* Takes E out of the assigned set and its reviewer's list. */
static void unassign(sched *s, struct entry *e)
{
	if (e->a->reviewer)
		g_ptr_array_remove_fast(e->a->reviewer->entries, e);
	g_ptr_array_remove_fast(s->assigned, e);
	g_clear_pointer(&e->a, g_free);
}

/* E's offer ended without a label (deadline, decline): offer it again or,
 * after max_attempts, expire it. */
static void requeue_or_expire(sched *s, struct entry *e, const char *reason, gint64 now_ns)
{
	if (e->attempts >= e->window->group->max_attempts) {
		expire(s, e, reason);
		return;
	}
	e->waiting_since = now_ns;
	g_queue_push_head(&s->waiting, e);
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
	while ((e = g_queue_pop_head(&s->waiting)))
		expire(s, e, "shutdown");
	for (guint i = 0; i < s->reviewers->len; i++) {
		sched_reviewer *r = s->reviewers->pdata[i];
		g_ptr_array_unref(r->entries);
		g_free(r->id);
		g_free(r);
	}
	g_ptr_array_unref(s->reviewers);
	g_ptr_array_unref(s->assigned);
	g_free(s);
}

void sched_add_window(sched *s, rs_window *w, gint64 now_ns)
{
	struct entry *e = g_new0(struct entry, 1);
	GList *oldest = NULL;

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
	g_queue_push_tail(&s->waiting, e);
	dispatch(s, now_ns);
	/* Bounded: past queue_max the oldest waiting window of the group
	 * leaves with a record; fresh windows are worth more to a live model. */
	while (waiting_in_group(s, w->group, &oldest) > w->group->queue_max && oldest) {
		struct entry *old = oldest->data;
		g_queue_delete_link(&s->waiting, oldest);
		expire(s, old, "queue_full");
	}
}

sched_reviewer *sched_reviewer_join(sched *s, const char *reviewer_id, void *conn, guint capacity,
				    gint64 now_ns)
{
	sched_reviewer *r = g_new0(sched_reviewer, 1);

	r->id = g_strdup(reviewer_id);
	r->conn = conn;
	r->capacity = capacity ? capacity : 1;
	r->entries = g_ptr_array_new();
	g_ptr_array_add(s->reviewers, r);
	dispatch(s, now_ns);
	return r;
}

void sched_reviewer_leave(sched *s, sched_reviewer *r, gint64 now_ns)
{
	g_ptr_array_remove(s->reviewers, r);
	while (r->entries->len) {
		struct entry *e = g_ptr_array_steal_index_fast(r->entries, 0);

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
		g_queue_push_head(&s->waiting, e);
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

	unassign(s, e);
	entry_free(e);
	s->st.completed++;
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
		g_queue_push_head(&s->waiting, e);
		dispatch(s, now_ns);
		return;
	}
	sched_tick(s, now_ns);
}

void sched_decline(sched *s, struct sched_assignment *a, gint64 now_ns)
{
	struct entry *e = entry_of(s, a);

	unassign(s, e);
	s->st.declined++;
	requeue_or_expire(s, e, "declined", now_ns);
	dispatch(s, now_ns);
}

void sched_tick(sched *s, gint64 now_ns)
{
	/* Deadlines. Iterate backwards: entries leave the array. */
	for (guint i = s->assigned->len; i-- > 0;) {
		struct entry *e = s->assigned->pdata[i];
		sched_reviewer *r = e->a->reviewer;

		if (e->a->publishing || now_ns < e->a->deadline_ns)
			continue;
		if (r)
			s->ops->revoke(r->conn, e->window->id, "deadline", s->user);
		unassign(s, e);
		requeue_or_expire(s, e, "deadline", now_ns);
	}
	/* Windows nobody took in time. */
	for (GList *l = s->waiting.head; l;) {
		GList *next = l->next;
		struct entry *e = l->data;

		if (now_ns - e->waiting_since >= e->window->group->queue_timeout_ns) {
			g_queue_delete_link(&s->waiting, l);
			expire(s, e, e->attempts ? "deadline" : "unassigned");
		}
		l = next;
	}
	dispatch(s, now_ns);
}

void sched_get_stats(const sched *s, struct sched_stats *out)
{
	*out = s->st;
	out->waiting = s->waiting.length;
	out->assigned = s->assigned->len;
	out->reviewers = s->reviewers->len;
}
