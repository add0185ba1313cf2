/* Publishing for reviewer connections: a submitted label goes to Redis and
 * is acked once stored (replays answered from memory); an expired window
 * gets its record. A flagged label is stored like any other, then the
 * window moves on as its flag says (sched_ambiguous, sched_skipped). */
#include <stdlib.h>
#include <string.h>

#include "feedback/label.h"
#include "feedback/recovery.h"
#include "feedback/relay.h"
#include "feedback/review_internal.h"
#include "feedback/sched.h"
#include "feedback/wire.h"

/* One of these per label id the daemon knows: on its way to Redis (the
 * publish's user data, stream_id still empty), then stored (stream_id
 * set, in review.recent_ring) until RECENT_LABELS newer ones push it out;
 * a replay after a lost ack is answered from it. One allocation holding
 * the strings; the id is its key in review.recent, which owns it. */
struct recent {
	review *rv;
	guint64 serial; /* the connection that sent it */
	struct sched_assignment *a; /* while on its way */
	Ringside__V1__FlagKind flag; /* FLAG_NONE unless the label was flagged */
	const char *window_id;
	const char *reviewer_id;
	char stream_id[48]; /* "<ms>-<seq>" (at most 41 characters); "": not stored yet */
	char label_id[];
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

/* A record for a label of C's about to be published: known from now on
 * (a resend meanwhile is "being stored now"). */
static struct recent *recent_add(struct conn *c, const Ringside__V1__Label *l,
                                 struct sched_assignment *a)
{
	gsize nl = strlen(l->label_id) + 1, nw = strlen(l->window_id) + 1;
	gsize nr = strlen(c->reviewer_id) + 1;
	/* Rounded up so that records of ids of different lengths share
	 * glibc's per-thread cache bins: the one evicted is the next one
	 * made. */
	struct recent *r = g_malloc((sizeof(*r) + nl + nw + nr + 63) & ~(gsize)63);

	r->rv = c->rv;
	r->serial = c->serial;
	r->a = a;
	r->flag = RINGSIDE__V1__FLAG_KIND__FLAG_NONE;
	r->stream_id[0] = '\0';
	memcpy(r->label_id, l->label_id, nl);
	r->window_id = memcpy(r->label_id + nl, l->window_id, nw);
	r->reviewer_id = memcpy(r->label_id + nl + nw, c->reviewer_id, nr);
	g_hash_table_insert(c->rv->recent, r->label_id, r);
	return r;
}

/* R is stored as STREAM_ID: kept among the RECENT_LABELS newest for
 * replays; the oldest makes room. */
static void remember(struct recent *r, const char *stream_id)
{
	review *rv = r->rv;
	struct recent **slot = &rv->recent_ring[rv->recent_next];

	g_strlcpy(r->stream_id, stream_id, sizeof(r->stream_id));
	r->a = NULL;
	rv->recent_next = (rv->recent_next + 1) % RECENT_LABELS;
	if (*slot)
		g_hash_table_remove(rv->recent, (*slot)->label_id);
	*slot = r;
}

/* Redis answered for a label: acknowledge it, or tell the reviewer to
 * send it again. */
static void on_label_published(const char *stream_id, const char *errstr, void *user)
{
	struct recent *p = user;
	review *rv = p->rv;
	struct conn *c = find_conn(rv, p->serial, p->reviewer_id);
	struct sched_assignment *a = p->a;

	/* Ambiguous and skipped windows are offered again: still open,
	 * unless the daemon is stopping and nobody will offer them. */
	if (stream_id && rv->rec &&
	    (!rv->sched || (p->flag != RINGSIDE__V1__FLAG_KIND__FLAG_AMBIGUOUS &&
	                    p->flag != RINGSIDE__V1__FLAG_KIND__FLAG_SKIP)))
		recovery_window_closed(rv->rec, p->window_id);
	if (!rv->sched) {
		/* Shutting down: the scheduler is gone, nobody to tell. */
		g_message("label %s for %s by %s: %s after shutdown", p->label_id, p->window_id,
		          p->reviewer_id, stream_id ? "stored" : "not stored");
		if (stream_id)
			remember(p, stream_id);
		else
			g_hash_table_remove(rv->recent, p->label_id);
		return;
	}
	if (stream_id) {
		rv->labels_ok++;
		if ((guint)p->flag < RS_FLAG_KINDS) /* label_validate refuses others */
			rv->flags_stored[p->flag]++;
		remember(p, stream_id);
		/* The ack goes first: the reviewer hears the label is safe
		 * before its next task starts or arrives. */
		if (c)
			send_ack(c, p->label_id, p->window_id, p->stream_id);
		if (p->flag == RINGSIDE__V1__FLAG_KIND__FLAG_AMBIGUOUS)
			sched_ambiguous(rv->sched, a, now_ns());
		else if (p->flag == RINGSIDE__V1__FLAG_KIND__FLAG_SKIP)
			sched_skipped(rv->sched, a, now_ns());
		else
			sched_complete(rv->sched, a, now_ns());
	} else {
		g_autofree char *msg = g_strdup_printf(
		        "the label could not be stored (%s); it is kept, send it again", errstr);
		rv->labels_failed++;
		g_warning("label %s for %s by %s not published: %s", p->label_id, p->window_id,
		          p->reviewer_id, errstr);
		sched_publish_failed(rv->sched, a, now_ns());
		if (c)
			conn_error(c, "publish_failed", msg, p->label_id, p->window_id);
		g_hash_table_remove(rv->recent, p->label_id); /* frees P */
	}
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

/* NAMES (N of them) joined by commas. */
static char *join(char *const *names, gsize n)
{
	GString *s = g_string_new(NULL);

	for (gsize i = 0; i < n; i++) {
		if (i)
			g_string_append_c(s, ',');
		g_string_append(s, names[i]);
	}
	return g_string_free(s, FALSE);
}

/* The kinds of answer L holds, in LabelKind order, comma-separated
 * ("classes,transcript"); "" for a flag alone. */
static char *join_kinds(const Ringside__V1__Label *l)
{
	const gsize n[RS_LABEL_KINDS_MAX + 1] = {
	        [RINGSIDE__V1__LABEL_KIND__LABEL_KIND_CLASSES] = l->n_classes,
	        [RINGSIDE__V1__LABEL_KIND__LABEL_KIND_EVENTS] = l->n_events,
	        [RINGSIDE__V1__LABEL_KIND__LABEL_KIND_CAPTIONS] = l->n_captions,
	        [RINGSIDE__V1__LABEL_KIND__LABEL_KIND_TRANSCRIPT] = l->n_transcript + l->n_speakers,
	        [RINGSIDE__V1__LABEL_KIND__LABEL_KIND_TRACKS] = l->n_tracks,
	        [RINGSIDE__V1__LABEL_KIND__LABEL_KIND_ENTITIES] = l->n_entities,
	        [RINGSIDE__V1__LABEL_KIND__LABEL_KIND_SENSOR_SEGMENTS] = l->n_sensor_segments,
	        [RINGSIDE__V1__LABEL_KIND__LABEL_KIND_INSTRUCTIONS] = l->n_instructions,
	};
	char *names[RS_LABEL_KINDS_MAX];
	gsize k = 0;

	for (guint kind = 1; kind <= RS_LABEL_KINDS_MAX; kind++) {
		if (n[kind])
			names[k++] = (char *)config_kind_name(kind);
	}
	return join(names, k);
}

static const char *flag_name(Ringside__V1__FlagKind kind)
{
	switch (kind) {
	case RINGSIDE__V1__FLAG_KIND__FLAG_AMBIGUOUS:
		return "ambiguous";
	case RINGSIDE__V1__FLAG_KIND__FLAG_BAD_QUALITY:
		return "bad_quality";
	case RINGSIDE__V1__FLAG_KIND__FLAG_SKIP:
		return "skip";
	default:
		return "none";
	}
}

/* Fills OUT, what is published for L (validated, for A, from C): every
 * answer field of L shallow-copied (L must outlive OUT), the daemon's own
 * fields set from the session and the assignment, then completed by
 * label_complete (copies go to GARBAGE). Whatever the client put in the
 * daemon's fields is never read. */
static void build_label(Ringside__V1__Label *out, Ringside__V1__Label *l, struct conn *c,
                        const struct sched_assignment *a, GPtrArray *garbage)
{
	label_strip_unknown(&l->base);
	out->label_id = l->label_id;
	out->window_id = l->window_id;
	out->n_classes = l->n_classes;
	out->classes = l->classes;
	out->n_events = l->n_events;
	out->events = l->events;
	out->n_captions = l->n_captions;
	out->captions = l->captions;
	out->n_speakers = l->n_speakers;
	out->speakers = l->speakers;
	out->n_transcript = l->n_transcript;
	out->transcript = l->transcript;
	out->n_tracks = l->n_tracks;
	out->tracks = l->tracks;
	out->n_sensor_segments = l->n_sensor_segments;
	out->sensor_segments = l->sensor_segments;
	out->n_entities = l->n_entities;
	out->entities = l->entities;
	out->n_instructions = l->n_instructions;
	out->instructions = l->instructions;
	if (l->flag && l->flag->kind != RINGSIDE__V1__FLAG_KIND__FLAG_NONE)
		out->flag = l->flag;
	out->preannotations = l->preannotations;

	out->group = a->window->group->name;
	out->reviewer = c->reviewer_id;
	out->window_start_ns = a->window->start_ns;
	out->window_end_ns = a->window->end_ns;
	out->assigned_ns = a->assigned_ns;
	out->submitted_ns = now_ns();
	out->attempt = a->attempt;
	out->extensions = a->extensions;
	out->expert = c->id.role == RS_ROLE_EXPERT;
	label_complete(out, a->window, garbage);
}

/* The assignment a Submit of L from C answers, or NULL after telling the
 * reviewer why not (or when it is being stored already: the ack follows). */
static struct sched_assignment *submit_target(struct conn *c, const Ringside__V1__Label *l)
{
	review *rv = c->rv;
	struct sched_assignment *a = sched_find(rv->sched, c->sr, l->window_id);

	if (!a) {
		g_autofree char *msg = g_strdup_printf(
		        "window %.80s is not assigned to you (its time ran out or it was never "
		        "offered)",
		        l->window_id);
		rv->labels_invalid++;
		conn_error(c, "not_assigned", msg, l->label_id, l->window_id);
		return NULL;
	}
	if (a->held) {
		g_autofree char *msg = g_strdup_printf(
		        "window %.80s has not started: answer your current task first; a "
		        "Deadline message starts this one",
		        l->window_id);
		rv->labels_invalid++;
		conn_error(c, "not_started", msg, l->label_id, l->window_id);
		return NULL;
	}
	return a->publishing ? NULL : a;
}

/* XADDs the packed label PB of OUT with its readable fields; P is told
 * the outcome. */
static void publish_label(review *rv, const Ringside__V1__Label *out, const guint8 *pb,
                          gsize pb_len, struct recent *p)
{
	g_autofree char *classes = join(out->classes, out->n_classes);
	g_autofree char *kinds = join_kinds(out);
	const char *fields[10] = {"type", "label_id", "window", "group", "reviewer", "class", "kinds"};
	const char *values[10] = {"label",       out->label_id, out->window_id, out->group,
	                          out->reviewer, classes,       kinds};
	gsize lens[10];
	guint n = 7;

	if (out->flag) {
		fields[n] = "flag";
		values[n++] = flag_name(out->flag->kind);
		fields[n] = "flag_reason";
		values[n++] = out->flag->reason;
	}
	fields[n] = "pb";
	values[n++] = (const char *)pb;
	for (guint i = 0; i + 1 < n; i++)
		lens[i] = strlen(values[i]);
	lens[n - 1] = pb_len; /* binary: no strlen */
	publish(rv, out->label_id, rv->cfg->label_stream, n, fields, values, lens,
	        on_label_published, p);
}

/* A Submit: find the assignment, validate, fill in what only the daemon
 * may say, publish. The ack waits for Redis. */
void handle_submit(struct conn *c, Ringside__V1__Label *l)
{
	review *rv = c->rv;
	struct sched_assignment *a;
	struct recent *done, *p;
	char reason[256];
	Ringside__V1__Label out = RINGSIDE__V1__LABEL__INIT;
	g_autoptr(GPtrArray) garbage = NULL;
	g_autofree guint8 *pb = NULL;
	gsize pb_len;

	if (!l) {
		conn_error(c, "invalid_label", "label: missing", NULL, NULL);
		return;
	}
	done = l->label_id[0] ? g_hash_table_lookup(rv->recent, l->label_id) : NULL;
	if (done && !done->stream_id[0])
		return; /* being stored now; the ack will follow */
	if (done) {
		/* A replay after a lost ack: same answer, nothing published. */
		if (!strcmp(done->window_id, l->window_id))
			send_ack(c, l->label_id, done->window_id, done->stream_id);
		else
			conn_error(c, "invalid_label", "label_id: already used for another window",
			           l->label_id, l->window_id);
		return;
	}
	if (!(a = submit_target(c, l)))
		return;
	if (!label_validate(l, a->window, reason, sizeof(reason))) {
		rv->labels_invalid++;
		conn_error(c, "invalid_label", reason, l->label_id, l->window_id);
		return;
	}
	/* What is published is built afresh from the validated fields: the
	 * daemon says who and when, and nothing else the client sent (unknown
	 * fields included) reaches Redis. */
	garbage = g_ptr_array_new_with_free_func(g_free);
	build_label(&out, l, c, a, garbage);
	pb_len = ringside__v1__label__get_packed_size(&out);
	pb = g_malloc(pb_len ? pb_len : 1);
	ringside__v1__label__pack(&out, pb);

	p = recent_add(c, l, a);
	p->flag = out.flag ? out.flag->kind : RINGSIDE__V1__FLAG_KIND__FLAG_NONE;
	sched_publish_started(rv->sched, a, now_ns());
	publish_label(rv, &out, pb, pb_len, p); /* P may be gone when this returns */
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
