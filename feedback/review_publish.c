/* Publishing for reviewer connections: a submitted label goes to Redis and
 * is acked once stored (replays answered from memory); an expired window
 * gets its record. */
#include <string.h>

#include "feedback/label.h"
#include "feedback/recovery.h"
#include "feedback/relay.h"
#include "feedback/review_internal.h"
#include "feedback/sched.h"
#include "feedback/wire.h"

#define RECENT_LABELS 4096 /* label ids remembered for idempotent replays */

/* One of these per label on its way to Redis. */
struct pending {
	review *rv;
	guint64 serial; /* the connection that sent it */
	char *reviewer_id;
	char *label_id;
	char *window_id;
	struct sched_assignment *a;
};

/* What a stored label's id maps to, for replays after a lost ack. */
struct recent {
	char *window_id;
	char *stream_id;
};

/* The connection of REVIEWER_ID that should hear about a label: the one
 * that sent it, else (it reconnected) any of that reviewer's. */
static struct conn *find_conn(review *rv, guint64 serial, const char *reviewer_id)
{
	GHashTableIter it;
	gpointer v;
	struct conn *c = g_hash_table_lookup(rv->conns, &serial);

	if (c)
		return c;
	g_hash_table_iter_init(&it, rv->conns);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		c = v;
		if (c->reviewer_id && !strcmp(c->reviewer_id, reviewer_id))
			return c;
	}
	return NULL;
}

static void send_ack(struct conn *c, const char *label_id, const char *window_id,
                     const char *stream_id)
{
	Ringside__V1__ServerMessage m = RINGSIDE__V1__SERVER_MESSAGE__INIT;
	Ringside__V1__Ack ack = RINGSIDE__V1__ACK__INIT;

	ack.label_id = (char *)label_id;
	ack.window_id = (char *)window_id;
	ack.stream_id = (char *)stream_id;
	m.msg_case = RINGSIDE__V1__SERVER_MESSAGE__MSG_ACK;
	m.ack = &ack;
	conn_send(c, wire_pack_server(&m));
}

void recent_free(struct recent *r)
{
	g_free(r->window_id);
	g_free(r->stream_id);
	g_free(r);
}

static void remember(review *rv, const char *label_id, const char *window_id, const char *stream_id)
{
	struct recent *r = g_new0(struct recent, 1);
	char *key = g_strdup(label_id);

	r->window_id = g_strdup(window_id);
	r->stream_id = g_strdup(stream_id);
	if (g_hash_table_contains(rv->recent, key)) {
		recent_free(r);
		g_free(key);
		return;
	}
	g_hash_table_insert(rv->recent, key, r);
	g_queue_push_tail(&rv->recent_order, key);
	while (rv->recent_order.length > RECENT_LABELS)
		g_hash_table_remove(rv->recent, g_queue_pop_head(&rv->recent_order));
}

static void pending_free(struct pending *p)
{
	g_free(p->reviewer_id);
	g_free(p->label_id);
	g_free(p->window_id);
	g_free(p);
}

/* Redis answered for a label: acknowledge it, or tell the reviewer to
 * send it again. */
static void on_label_published(const char *stream_id, const char *errstr, void *user)
{
	struct pending *p = user;
	review *rv = p->rv;
	struct conn *c = find_conn(rv, p->serial, p->reviewer_id);

	g_hash_table_steal(rv->inflight, p->label_id);
	if (stream_id && rv->rec)
		recovery_window_closed(rv->rec, p->window_id);
	if (!rv->sched) {
		/* Shutting down: the scheduler is gone, nobody to tell. */
		g_message("label %s for %s by %s: %s after shutdown", p->label_id, p->window_id,
		          p->reviewer_id, stream_id ? "stored" : "not stored");
		pending_free(p);
		return;
	}
	if (stream_id) {
		rv->labels_ok++;
		remember(rv, p->label_id, p->window_id, stream_id);
		sched_complete(rv->sched, p->a, now_ns());
		if (c)
			send_ack(c, p->label_id, p->window_id, stream_id);
	} else {
		g_autofree char *msg = g_strdup_printf(
		        "the label could not be stored (%s); it is kept, send it again", errstr);
		rv->labels_failed++;
		g_warning("label %s for %s by %s not published: %s", p->label_id, p->window_id,
		          p->reviewer_id, errstr);
		sched_publish_failed(rv->sched, p->a, now_ns());
		if (c)
			conn_error(c, "publish_failed", msg, p->label_id, p->window_id);
	}
	pending_free(p);
}

/* Sends one entry to Redis: through the relay when there is one (it
 * spools what Redis cannot take now), else straight to the publisher. ID is
 * what consumers deduplicate on. DONE as for publisher_xadd. */
static void publish(review *rv, const char *id, const char *stream, guint n_fields,
                    const char *const *fields, const char *const *values, const gsize *vlens,
                    publisher_done_fn done, void *user)
{
	if (rv->relay)
		relay_xadd(rv->relay, id, stream, n_fields, fields, values, vlens, done, user);
	else
		publisher_xadd(rv->pub, stream, n_fields, fields, values, vlens, done, user);
}

static char *join_classes(const Ringside__V1__Label *l)
{
	GString *s = g_string_new(NULL);

	for (gsize i = 0; i < l->n_classes; i++) {
		if (i)
			g_string_append_c(s, ',');
		g_string_append(s, l->classes[i]);
	}
	return g_string_free(s, FALSE);
}

/* A Submit: find the assignment, validate, fill in what only the daemon
 * may say, publish. The ack waits for Redis. */
void handle_submit(struct conn *c, Ringside__V1__Label *l)
{
	review *rv = c->rv;
	struct sched_assignment *a;
	struct recent *done;
	struct pending *p;
	char reason[256];
	Ringside__V1__Label out = RINGSIDE__V1__LABEL__INIT;
	g_autofree Ringside__V1__TimedEvent *events = NULL;
	g_autofree Ringside__V1__TimedEvent **eventp = NULL;
	g_autofree char *classes = NULL;
	g_autofree guint8 *pb = NULL;
	gsize pb_len;

	if (!l) {
		conn_error(c, "invalid_label", "label: missing", NULL, NULL);
		return;
	}
	done = l->label_id[0] ? g_hash_table_lookup(rv->recent, l->label_id) : NULL;
	if (done) {
		/* A replay after a lost ack: same answer, nothing published. */
		if (!strcmp(done->window_id, l->window_id))
			send_ack(c, l->label_id, done->window_id, done->stream_id);
		else
			conn_error(c, "invalid_label", "label_id: already used for another window",
			           l->label_id, l->window_id);
		return;
	}
	if (l->label_id[0] && g_hash_table_contains(rv->inflight, l->label_id))
		return; /* being stored now; the ack will follow */
	a = sched_find(rv->sched, c->sr, l->window_id);
	if (!a) {
		g_autofree char *msg = g_strdup_printf(
		        "window %.80s is not assigned to you (its time ran out or it was never "
		        "offered)",
		        l->window_id);
		rv->labels_invalid++;
		conn_error(c, "not_assigned", msg, l->label_id, l->window_id);
		return;
	}
	if (a->publishing)
		return;
	if (!label_validate(l, a->window, reason, sizeof(reason))) {
		rv->labels_invalid++;
		conn_error(c, "invalid_label", reason, l->label_id, l->window_id);
		return;
	}
	/* What is published is built afresh from the validated fields: the
	 * daemon says who and when, and nothing else the client sent (unknown
	 * fields included) reaches Redis. */
	out.label_id = l->label_id;
	out.window_id = l->window_id;
	out.group = a->window->group->name;
	out.reviewer = c->reviewer_id;
	out.n_classes = l->n_classes;
	out.classes = l->classes;
	out.window_start_ns = a->window->start_ns;
	out.window_end_ns = a->window->end_ns;
	out.assigned_ns = a->assigned_ns;
	out.submitted_ns = now_ns();
	out.attempt = a->attempt;
	out.n_events = l->n_events;
	events = g_new0(Ringside__V1__TimedEvent, l->n_events ? l->n_events : 1);
	eventp = g_new0(Ringside__V1__TimedEvent *, l->n_events ? l->n_events : 1);
	for (gsize i = 0; i < l->n_events; i++) {
		ringside__v1__timed_event__init(&events[i]);
		events[i].start_ns = l->events[i]->start_ns;
		events[i].end_ns = l->events[i]->end_ns;
		events[i].class_ = l->events[i]->class_;
		events[i].n_sources = l->events[i]->n_sources;
		events[i].sources = l->events[i]->sources;
		eventp[i] = &events[i];
	}
	out.events = eventp;
	pb_len = ringside__v1__label__get_packed_size(&out);
	pb = g_malloc(pb_len ? pb_len : 1);
	ringside__v1__label__pack(&out, pb);
	classes = join_classes(l);

	p = g_new0(struct pending, 1);
	p->rv = rv;
	p->serial = c->serial;
	p->reviewer_id = g_strdup(c->reviewer_id);
	p->label_id = g_strdup(l->label_id);
	p->window_id = g_strdup(l->window_id);
	p->a = a;
	sched_publish_started(rv->sched, a, now_ns());
	g_hash_table_insert(rv->inflight, p->label_id, p);
	{
		const char *fields[] = {"type",     "label_id", "window", "group",
		                        "reviewer", "class",    "pb"};
		const char *values[] = {"label",      out.label_id, out.window_id,   out.group,
		                        out.reviewer, classes,      (const char *)pb};
		gsize lens[] = {5,
		                strlen(out.label_id),
		                strlen(out.window_id),
		                strlen(out.group),
		                strlen(out.reviewer),
		                strlen(classes),
		                pb_len};

		publish(rv, out.label_id, rv->cfg->label_stream, G_N_ELEMENTS(fields), fields,
		        values, lens, on_label_published, p);
	}
}
struct expired_pub {
	review *rv;
	char *window_id;
};

static void on_expired_published(const char *stream_id, const char *errstr, void *user)
{
	struct expired_pub *e = user;

	if (stream_id) {
		e->rv->expired_published++;
		if (e->rv->rec)
			recovery_window_closed(e->rv->rec, e->window_id);
	} else {
		e->rv->expired_lost++;
		g_warning("expired record for %s not published: %s", e->window_id, errstr);
	}
	g_free(e->window_id);
	g_free(e);
}

/* Publishes EX (filled in but for expired_ns) to the expired stream under
 * the id "expired:<window_id>"; once stored, the window leaves the list of
 * open windows. */
void publish_expired(review *rv, Ringside__V1__Expired *ex)
{
	struct expired_pub *e = g_new0(struct expired_pub, 1);
	g_autofree char *id = g_strdup_printf("expired:%s", ex->window_id);
	g_autofree guint8 *pb = NULL;
	gsize pb_len;

	ex->expired_ns = now_ns();
	pb_len = ringside__v1__expired__get_packed_size(ex);
	pb = g_malloc(pb_len ? pb_len : 1);
	ringside__v1__expired__pack(ex, pb);
	g_message("window %s expired (%s) after %u offer(s)", ex->window_id, ex->reason,
	          ex->attempts);
	e->rv = rv;
	e->window_id = g_strdup(ex->window_id);
	{
		const char *fields[] = {"type", "window", "group", "reason", "pb"};
		const char *values[] = {"expired", ex->window_id, ex->group, ex->reason,
		                        (const char *)pb};
		gsize lens[] = {7, strlen(ex->window_id), strlen(ex->group), strlen(ex->reason),
		                pb_len};

		publish(rv, id, rv->cfg->expired_stream, G_N_ELEMENTS(fields), fields, values, lens,
		        on_expired_published, e);
	}
}
