/* The relay between the reviewer side and Redis: straight to the publisher
 * while Redis takes entries, through the spool while it does not, and the
 * spool replayed oldest first once Redis is back. */
#include "feedback/relay.h"

#define RELAY_WINDOW 256    /* replayed XADDs in flight, at most */
#define RELAY_RETRY_MS 1000 /* pause after a failed replay */

/* One of these per entry sent straight to Redis, or on its way to the
 * spool. Owned by the publisher's or the spool's callback. */
struct direct_req {
	relay *r;
	GBytes *entry; /* packed (spool_entry_pack), for the spool */
	char *why;     /* why Redis did not take it, or NULL */
	publisher_done_fn done;
	void *user;
};

/* One of these per replayed record in flight, in send order. */
struct replay_req {
	relay *r;                  /* NULL once the relay is gone */
	struct spool_cursor after; /* the spool position past this record */
	int state;                 /* 0 waiting, 1 stored (or skipped), -1 failed */
};

/* One per daemon, next to its publisher. */
struct relay {
	publisher *pub;
	spool *sp;

	GQueue replay;              /* struct replay_req *, oldest first */
	struct spool_cursor cursor; /* the next record to send */
	gboolean filling;           /* in replay_fill: no re-entry */
	gboolean failed;            /* a replay failed: wait for every answer */
	gboolean fail_logged;       /* this failure streak has had its warning */
	gint64 retry_us;            /* monotonic: no replay before this */

	gboolean spooling;  /* entries go to the spool (logged once per episode) */
	gboolean replaying; /* a replay run is on (for its log lines) */
	gint64 run_start_us;
	guint64 run_count;
	guint direct_pending;
};

relay *relay_new(publisher *pub, spool *sp)
{
	relay *r = g_new0(relay, 1);

	r->pub = pub;
	r->sp = sp;
	g_queue_init(&r->replay);
	if (sp) {
		r->cursor = spool_head(sp);
		r->spooling = spool_records(sp) > 0;
	}
	return r;
}

void relay_free(relay *r)
{
	struct replay_req *q;

	if (!r)
		return;
	if (r->direct_pending)
		g_critical("relay freed with %u publish(es) still pending", r->direct_pending);
	while ((q = g_queue_pop_head(&r->replay))) {
		if (q->state == 0)
			q->r = NULL; /* its callback frees it */
		else
			g_free(q);
	}
	g_free(r);
}

static void direct_req_free(struct direct_req *q)
{
	g_bytes_unref(q->entry);
	g_free(q->why);
	g_free(q);
}

/* The spool answered for Q: stored on disk, or refused (full, broken).
 * Touches only Q, so it may run after the relay is freed. */
static void on_spooled(gboolean ok, const char *errstr, void *user)
{
	struct direct_req *q = user;

	if (ok) {
		q->done(RELAY_SPOOLED, NULL, q->user);
	} else {
		g_autofree char *msg =
		        q->why ? g_strdup_printf("%s; %s", q->why, errstr) : g_strdup(errstr);
		q->done(NULL, msg, q->user);
	}
	direct_req_free(q);
}

/* Hands Q to the spool. WHY is Redis's failure, or NULL when the entry
 * queues behind the spool's records (or Redis is not connected). */
static void to_spool(struct direct_req *q, const char *why)
{
	relay *r = q->r;

	if (why)
		q->why = g_strdup(why);
	if (!r->spooling) {
		g_message("redis cannot take entries now (%s): they go to the spool until it is "
		          "replayed",
		          why ? why : "not connected");
		r->spooling = TRUE;
	}
	spool_append(r->sp, q->entry, on_spooled, q);
}

static void on_direct(const char *stream_id, const char *errstr, void *user)
{
	struct direct_req *q = user;

	q->r->direct_pending--;
	if (stream_id) {
		q->done(stream_id, NULL, q->user);
		direct_req_free(q);
		return;
	}
	to_spool(q, errstr);
}

/* Straight to Redis when it is connected and nothing waits in the spool;
 * else (or when Redis then fails) into the spool, behind what it holds. */
void relay_xadd(relay *r, const char *id, const char *stream, guint n_fields,
                const char *const *fields, const char *const *values, const gsize *vlens,
                publisher_done_fn done, void *user)
{
	struct direct_req *q;

	if (!r->sp) {
		publisher_xadd(r->pub, stream, n_fields, fields, values, vlens, done, user);
		return;
	}
	q = g_new0(struct direct_req, 1);
	q->r = r;
	q->entry = spool_entry_pack(id, stream, n_fields, fields, values, vlens);
	q->done = done;
	q->user = user;
	/* A broken spool takes nothing: Redis is then the only way. */
	if (spool_ok(r->sp) && (spool_records(r->sp) > 0 || !publisher_connected(r->pub))) {
		to_spool(q, NULL);
		return;
	}
	r->direct_pending++;
	publisher_xadd(r->pub, stream, n_fields, fields, values, vlens, on_direct, q);
}

/* Consumes the answered records at the front, in order; after a failure,
 * once every request has answered, rewinds to the spool's head and waits
 * RELAY_RETRY_MS. Logs the end of a run. O(window). */
static void replay_advance(relay *r)
{
	struct replay_req *q;

	while ((q = g_queue_peek_head(&r->replay)) && q->state == 1) {
		g_queue_pop_head(&r->replay);
		spool_consume(r->sp, &q->after, 1);
		r->run_count++;
		g_free(q);
	}
	if (r->failed) {
		for (GList *l = r->replay.head; l; l = l->next) {
			if (((struct replay_req *)l->data)->state == 0)
				return;
		}
		/* Records stored after the failed one are sent again: the
		 * order is kept, consumers drop the copies by id. */
		while ((q = g_queue_pop_head(&r->replay)))
			g_free(q);
		r->failed = FALSE;
		r->cursor = spool_head(r->sp);
		r->retry_us = g_get_monotonic_time() + RELAY_RETRY_MS * 1000LL;
		return;
	}
	if (r->replaying && !r->replay.length && !spool_records(r->sp)) {
		double secs = (g_get_monotonic_time() - r->run_start_us) / 1e6;

		g_message("spool replayed: %" G_GUINT64_FORMAT " record(s) in %.2f s (%.0f/s)",
		          r->run_count, secs, secs > 0 ? r->run_count / secs : 0.0);
		r->replaying = FALSE;
		r->spooling = FALSE;
	}
}

static void on_replayed(const char *stream_id, const char *errstr, void *user)
{
	struct replay_req *q = user;
	relay *r = q->r;

	if (!r) {
		g_free(q);
		return;
	}
	if (stream_id) {
		q->state = 1;
		r->fail_logged = FALSE;
	} else {
		q->state = -1;
		if (!r->failed && !r->fail_logged)
			g_warning("spool replay paused: %s; retrying", errstr);
		r->fail_logged = TRUE;
		r->failed = TRUE;
	}
	replay_advance(r);
	if (!r->failed)
		relay_tick(r);
}

/* Sends the oldest unsent records while Redis is connected and the window
 * has room. A record that is not an entry this version reads is logged
 * and passed over. */
void relay_tick(relay *r)
{
	if (!r->sp || r->filling || r->failed || g_get_monotonic_time() < r->retry_us ||
	    !publisher_connected(r->pub))
		return;
	r->filling = TRUE;
	while (!r->failed && r->replay.length < RELAY_WINDOW && publisher_connected(r->pub) &&
	       g_get_monotonic_time() >= r->retry_us) {
		GBytes *payload = NULL;
		struct spool_entry e;
		struct replay_req *q;
		int rc = spool_read(r->sp, &r->cursor, &payload);

		if (rc < 0) {
			/* Logged by the spool; try again later. */
			r->retry_us = g_get_monotonic_time() + RELAY_RETRY_MS * 1000LL;
			r->cursor = spool_head(r->sp);
			break;
		}
		if (rc == 0)
			break;
		if (!r->replaying) {
			g_message("spool: replaying %" G_GUINT64_FORMAT " record(s) to redis",
			          spool_records(r->sp));
			r->replaying = TRUE;
			r->run_start_us = g_get_monotonic_time();
			r->run_count = 0;
		}
		q = g_new0(struct replay_req, 1);
		q->r = r;
		q->after = r->cursor;
		g_queue_push_tail(&r->replay, q);
		if (!spool_entry_parse(payload, &e)) {
			g_warning("spool: a record before segment %" G_GUINT64_FORMAT
			          " byte %" G_GUINT64_FORMAT " is not an entry; skipped",
			          q->after.seg, q->after.off);
			q->state = 1;
		} else {
			publisher_xadd(r->pub, e.stream, e.n_fields, (const char *const *)e.fields,
			               (const char *const *)e.values, e.vlens, on_replayed, q);
			spool_entry_clear(&e);
		}
		g_bytes_unref(payload);
	}
	r->filling = FALSE;
	replay_advance(r);
}

void relay_metrics_append(relay *r, GString *out)
{
	if (r->sp)
		spool_metrics_append(r->sp, out);
}
