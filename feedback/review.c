/* Reviewer connections: the ringside.v1 websocket protocol. Everything
 * runs on the main loop; what a turn queues for a connection is written
 * before the next poll, in one send when the socket has room, else from
 * lws's writable callback (feedback/review_conn.c). */
#include "feedback/review.h"

#include <string.h>

#include "feedback/auth.h"
#include "feedback/recovery.h"
#include "feedback/review_internal.h"
#include "feedback/review_test.h"
#include "feedback/sched.h"
#include "feedback/wire.h"

#define HELLO_TIMEOUT_S 10        /* a connection must say hello within this */
#define RECHECK_US G_USEC_PER_SEC /* signed-in tokens re-checked this often */

static void handle_hello(struct conn *c, const Ringside__V1__Hello *h)
{
	review *rv = c->rv;
	enum auth_result res;
	char detail[256];
	Ringside__V1__ServerMessage m = RINGSIDE__V1__SERVER_MESSAGE__INIT;
	Ringside__V1__Welcome w = RINGSIDE__V1__WELCOME__INIT;

	if (c->reviewer_id) {
		conn_error(c, "bad_message", "hello: already signed in", NULL, NULL);
		return;
	}
	/* Being closed (a refused token, no hello first, shutdown): a hello
	 * that was already on its way signs nobody in. */
	if (c->close_code)
		return;
	res = auth_check(rv->auth, h->token, g_get_real_time() / G_USEC_PER_SEC, &c->id, detail,
	                 sizeof(detail));
	if (res != AUTH_OK) {
		rv->auth_failures++;
		rv->auth_refused[res]++;
		g_message("refused a hello from %s: %s (%s)",
		          c->wsi ? lws_get_peer_simple(c->wsi, (char[64]){0}, 64) : "(no socket)",
		          auth_result_reason(res), detail);
		conn_error(c, "unauthorized", auth_result_reason(res), NULL, NULL);
		c->close_code = LWS_CLOSE_STATUS_POLICY_VIOLATION;
		g_strlcpy(c->close_reason, auth_result_reason(res), sizeof(c->close_reason));
		conn_want_write(c);
		return;
	}
	c->reviewer_id = g_strdup(c->id.reviewer);
	if (c->wsi)
		lws_set_timeout(c->wsi, NO_PENDING_TIMEOUT, 0);
	{
		/* The client's name is theirs to choose: printable and short
		 * before it goes into a log line. */
		char client[49];
		gsize n = 0;

		for (const char *k = h->client; *k && n < sizeof(client) - 1; k++)
			client[n++] = (*k >= ' ' && *k <= '~') ? *k : '?';
		client[n] = '\0';
		if (c->id.signed_token)
			g_message("reviewer %s connected (%s) as %s, token %s expiring at "
			          "%" G_GINT64_FORMAT,
			          c->reviewer_id, n ? client : "no client name",
			          rs_role_name(c->id.role), c->id.token_id, c->id.expiry);
		else
			g_message("reviewer %s connected (%s) as %s", c->reviewer_id,
			          n ? client : "no client name", rs_role_name(c->id.role));
	}
	w.reviewer = c->reviewer_id;
	w.server = "ringsided/" RINGSIDE_VERSION;
	w.server_time_ns = now_ns();
	m.msg_case = RINGSIDE__V1__SERVER_MESSAGE__MSG_WELCOME;
	m.welcome = &w;
	conn_send(c, wire_pack_server(&m));
	/* One task to work on, plus the held ones the client asked for (old
	 * clients ask for none and get exactly one at a time). */
	c->sr = sched_reviewer_join_as(rv->sched, c->reviewer_id, c->id.role, c,
	                               1 + MIN(h->prefetch, rv->cfg->max_prefetch), now_ns());
}

/* Extend{window_id}: more time on the current task, answered with a
 * Deadline or Error "extend_refused" saying why. */
static void handle_extend(struct conn *c, const Ringside__V1__Extend *x)
{
	review *rv = c->rv;
	struct sched_assignment *a = NULL;
	char why[200];
	gint64 now = now_ns();

	if (rv->sched && c->sr)
		a = sched_find(rv->sched, c->sr, x->window_id);
	if (!a) {
		g_snprintf(why, sizeof(why),
		           "window %.80s is not your task (its time ran out or it was never "
		           "offered)",
		           x->window_id);
	} else if (sched_extend(rv->sched, a, now, why, sizeof(why))) {
		rv->extends_granted++;
		conn_send(c, wire_pack_deadline(a->window->id, a->deadline_ns,
		                                (guint)(MAX(a->deadline_ns - now, 0) / 1000000),
		                                sched_extensions_left(a)));
		return;
	}
	rv->extends_refused++;
	conn_error(c, "extend_refused", why, NULL, x->window_id);
}

/* One whole client message. Bad input is answered with an error and the
 * connection keeps serving. */
static void handle_message(struct conn *c, const guint8 *data, gsize len)
{
	review *rv = c->rv;
	Ringside__V1__ClientMessage *m;

	rv->messages_in++;
	m = ringside__v1__client_message__unpack(NULL, len, data);
	if (!m) {
		g_autofree char *msg =
		        g_strdup_printf("not a ringside.v1.ClientMessage (%zu bytes)", len);
		rv->bad_messages++;
		conn_error(c, "bad_message", msg, NULL, NULL);
		return;
	}
	if (!c->reviewer_id && m->msg_case != RINGSIDE__V1__CLIENT_MESSAGE__MSG_HELLO) {
		rv->bad_messages++;
		conn_error(c, "unauthorized", "say hello with a token first", NULL, NULL);
		c->close_code = LWS_CLOSE_STATUS_POLICY_VIOLATION;
		g_strlcpy(c->close_reason, "hello first", sizeof(c->close_reason));
		conn_want_write(c);
		goto out;
	}
	switch (m->msg_case) {
	case RINGSIDE__V1__CLIENT_MESSAGE__MSG_HELLO:
		handle_hello(c, m->hello);
		break;
	case RINGSIDE__V1__CLIENT_MESSAGE__MSG_SUBMIT:
		handle_submit(c, m->submit->label);
		break;
	case RINGSIDE__V1__CLIENT_MESSAGE__MSG_DECLINE: {
		struct sched_assignment *a = sched_find(rv->sched, c->sr, m->decline->window_id);
		if (a && !a->publishing)
			sched_decline(rv->sched, a, now_ns());
		else if (!a)
			conn_error(c, "not_assigned", "decline: that window is not assigned to you",
			           NULL, m->decline->window_id);
		break;
	}
	case RINGSIDE__V1__CLIENT_MESSAGE__MSG_EXTEND:
		handle_extend(c, m->extend);
		break;
	default:
		rv->bad_messages++;
		conn_error(c, "bad_message", "ClientMessage: no known message set", NULL, NULL);
		break;
	}
out:
	ringside__v1__client_message__free_unpacked(m, NULL);
}

static void conn_closed(struct conn *c)
{
	review *rv = c->rv;
	GBytes *b;

	if (!rv)
		return;
	if (c->sr) {
		g_message("reviewer %s disconnected", c->reviewer_id);
		if (rv->sched)
			sched_reviewer_leave(rv->sched, c->sr, now_ns());
		c->sr = NULL;
	}
	g_hash_table_remove(rv->conns, &c->serial);
	while ((b = g_queue_pop_head(&c->outq)))
		g_bytes_unref(b);
	g_clear_pointer(&c->rx, g_byte_array_unref);
	g_clear_pointer(&c->reviewer_id, g_free);
	c->rv = NULL;
}

/* The websocket handshake, before it is accepted: a browser page from an
 * origin the policy does not allow (auth_origin_allowed) is refused, so
 * another site cannot use a reviewer's browser to talk to the daemon.
 * Returns TRUE to let it through. */
static gboolean handshake_allowed(review *rv, struct lws *wsi)
{
	char origin[256], host[256];
	int olen = lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN);
	int hlen = lws_hdr_total_length(wsi, WSI_TOKEN_HOST);

	if (olen <= 0)
		return TRUE;
	origin[0] = '\0';
	if (olen >= (int)sizeof(origin) ||
	    lws_hdr_copy(wsi, origin, sizeof(origin), WSI_TOKEN_ORIGIN) < 0)
		goto refuse;
	host[0] = '\0';
	if (hlen >= (int)sizeof(host) ||
	    (hlen > 0 && lws_hdr_copy(wsi, host, sizeof(host), WSI_TOKEN_HOST) < 0))
		goto refuse;
	if (auth_origin_allowed(rv->cfg, origin, host[0] ? host : NULL))
		return TRUE;
refuse:
	rv->origin_refused++;
	{
		/* The header is the peer's to choose: printable and short. */
		char shown[81] = "(too long)";
		gsize n = 0;

		if (olen < (int)sizeof(origin)) {
			for (const char *k = origin; *k && n < sizeof(shown) - 1; k++)
				shown[n++] = (*k >= ' ' && *k <= '~') ? *k : '?';
			shown[n] = '\0';
		}
		g_message("refused a websocket from %s: origin \"%s\" is not allowed",
		          lws_get_peer_simple(wsi, (char[64]){0}, 64), shown);
	}
	return FALSE;
}

/* Takes one message from C's token bucket (max_messages_per_second,
 * bursts of twice that). FALSE when the bucket is empty. O(1). */
static gboolean conn_rate_take(struct conn *c, gint64 now_us)
{
	double rate = c->rv->cfg->max_messages_per_second;
	double burst = 2 * rate;

	c->rate_tokens = MIN(burst, c->rate_tokens + (double)(now_us - c->rate_us) * rate / 1e6);
	c->rate_us = now_us;
	if (c->rate_tokens < 1)
		return FALSE;
	c->rate_tokens -= 1;
	return TRUE;
}

static int callback_review(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                           size_t len)
{
	struct conn *c = user;
	const struct lws_protocols *proto = lws_get_protocol(wsi);
	review *rv = proto ? proto->user : NULL;

	switch (reason) {
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		return rv && handshake_allowed(rv, wsi) ? 0 : -1;
	case LWS_CALLBACK_ESTABLISHED:
		if (rv->stopping)
			return -1;
		memset(c, 0, sizeof(*c));
		c->wsi = wsi;
		c->rv = rv;
		c->serial = ++rv->next_serial;
		g_queue_init(&c->outq);
		g_hash_table_insert(rv->conns, &c->serial, c);
		lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, HELLO_TIMEOUT_S);
		c->rate_us = g_get_monotonic_time();
		c->rate_tokens = 2.0 * rv->cfg->max_messages_per_second;
		break;
	case LWS_CALLBACK_RECEIVE:
		if (!c->rv)
			return -1;
		if (c->deaf)
			break;
		if (lws_frame_is_binary(wsi) == 0 && lws_is_first_fragment(wsi)) {
			rv->bad_messages++;
			conn_error(c, "bad_message", "binary protobuf messages only", NULL, NULL);
		}
		if (!c->rx)
			c->rx = g_byte_array_new();
		if (c->rx->len + len > rv->cfg->max_message_bytes) {
			g_byte_array_set_size(c->rx, 0);
			c->rx_overflow = TRUE;
		} else if (!c->rx_overflow) {
			g_byte_array_append(c->rx, in, len);
		}
		if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
			break;
		if (c->rx_overflow) {
			rv->bad_messages++;
			conn_close_now(c, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, "message too large");
			break;
		}
		if (!conn_rate_take(c, g_get_monotonic_time())) {
			rv->rate_limited++;
			g_message("reviewer %s from %s: over %u messages/s; closing the connection",
			          c->reviewer_id ? c->reviewer_id : "(no hello yet)",
			          lws_get_peer_simple(wsi, (char[64]){0}, 64),
			          rv->cfg->max_messages_per_second);
			conn_close_now(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, "rate limit");
			break;
		}
		if (lws_frame_is_binary(wsi))
			handle_message(c, c->rx->data, c->rx->len);
		g_byte_array_set_size(c->rx, 0);
		break;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		if (!c->rv)
			return -1;
		return conn_writeable(c);
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		/* The answer to our close: nothing more to say. */
		return c->close_sent ? -1 : 0;
	case LWS_CALLBACK_CLOSED:
		conn_closed(c);
		break;
	default:
		break;
	}
	return 0;
}

/* The scheduler's callbacks. */

static void ops_offer(void *conn, const struct sched_assignment *a, void *user)
{
	struct conn *c = conn;
	review *rv = user;
	const struct rs_group_conf *g = a->window->group;
	GBytes *tmpl = g_hash_table_lookup(rv->templates, g);
	/* A held task's box is counted from when it starts: the whole of it. */
	gint64 left = a->held ? g->time_box_ns : a->deadline_ns - a->assigned_ns;

	/* A group's template is fixed for the daemon's life (a reload
	 * that changes it asks for a restart): packed once. */
	if (!tmpl) {
		tmpl = wire_pack_template(g);
		g_hash_table_insert(rv->templates, (gpointer)g, tmpl);
	}
	conn_send(c, wire_pack_task(a->packed_window, tmpl, a->deadline_ns, (guint)(left / 1000000),
	                            a->attempt, a->held));
	if (rv->rec)
		recovery_window_offered(rv->rec, a->window->id, sched_reviewer_id(a->reviewer));
}

static void ops_start(void *conn, const struct sched_assignment *a, void *user)
{
	struct conn *c = conn;

	conn_send(c, wire_pack_deadline(a->window->id, a->deadline_ns,
	                                (guint)((a->deadline_ns - a->assigned_ns) / 1000000),
	                                sched_extensions_left(a)));
}

static void ops_revoke(void *conn, const char *window_id, const char *reason, void *user)
{
	struct conn *c = conn;
	Ringside__V1__ServerMessage m = RINGSIDE__V1__SERVER_MESSAGE__INIT;
	Ringside__V1__Revoke r = RINGSIDE__V1__REVOKE__INIT;

	r.window_id = (char *)window_id;
	r.reason = (char *)reason;
	m.msg_case = RINGSIDE__V1__SERVER_MESSAGE__MSG_REVOKE;
	m.revoke = &r;
	conn_send(c, wire_pack_server(&m));
}

static void ops_expired(const struct sched_expiry *x, void *user)
{
	review *rv = user;
	Ringside__V1__Expired ex = RINGSIDE__V1__EXPIRED__INIT;
	gsize n = 0;

	while (x->reviewers[n])
		n++;
	ex.window_id = x->window->id;
	ex.group = x->window->group->name;
	ex.start_ns = x->window->start_ns;
	ex.end_ns = x->window->end_ns;
	ex.attempts = x->attempts;
	ex.n_reviewers = n;
	ex.reviewers = (char **)x->reviewers;
	ex.reason = (char *)x->reason;
	publish_expired(rv, &ex);
}

static const struct sched_ops review_sched_ops = {
        .offer = ops_offer,
        .revoke = ops_revoke,
        .expired = ops_expired,
        .start = ops_start,
};

/* A source that is never ready: its prepare step, which GLib runs before
 * every poll and, at this priority, before every other source's, writes
 * what the turn queued (review_flush). The uv source prepared after it
 * then sees any writable interest the writes left. */
struct flush_source {
	GSource src;
	review *rv;
};

static gboolean flush_prepare(GSource *s, gint *timeout)
{
	review_flush(((struct flush_source *)s)->rv);
	*timeout = -1;
	return FALSE;
}

static gboolean flush_check(GSource *s)
{
	(void)s;
	return FALSE;
}

static gboolean flush_dispatch(GSource *s, GSourceFunc cb, gpointer user)
{
	(void)s;
	(void)cb;
	(void)user;
	return G_SOURCE_CONTINUE;
}

static GSourceFuncs flush_funcs = {
        .prepare = flush_prepare,
        .check = flush_check,
        .dispatch = flush_dispatch,
};

review *review_new(const struct rs_config *cfg, publisher *pub)
{
	review *rv = g_new0(review, 1);

	rv->cfg = cfg;
	rv->pub = pub;
	rv->sched = sched_new(cfg, cfg->send_queue_bytes, &review_sched_ops, rv);
	rv->conns = g_hash_table_new(g_int64_hash, g_int64_equal);
	rv->recent = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
	rv->auth = auth_new(cfg);
	rv->templates = g_hash_table_new_full(NULL, NULL, NULL, (GDestroyNotify)g_bytes_unref);
	rv->flushq = g_array_new(FALSE, FALSE, sizeof(guint64));
	rv->out_buf = g_malloc(LWS_PRE + OUT_BUF_BYTES);
	rv->flush_src = g_source_new(&flush_funcs, sizeof(struct flush_source));
	((struct flush_source *)rv->flush_src)->rv = rv;
	g_source_set_priority(rv->flush_src, G_PRIORITY_HIGH);
	g_source_set_name(rv->flush_src, "review flush");
	g_source_attach(rv->flush_src, g_main_context_get_thread_default());
	return rv;
}

void review_set_durable(review *rv, relay *rl, recovery *rec)
{
	g_autoptr(GPtrArray) crashed = NULL;

	rv->relay = rl;
	rv->rec = rec;
	if (!rec)
		return;
	crashed = recovery_take_crashed(rec);
	if (crashed->len)
		g_warning("%u window(s) were still open when the previous run stopped without "
		          "a shutdown; expiring them (crashed)",
		          crashed->len);
	for (guint i = 0; i < crashed->len; i++) {
		const struct recovery_window *w = crashed->pdata[i];
		Ringside__V1__Expired ex = RINGSIDE__V1__EXPIRED__INIT;

		ex.window_id = w->id;
		ex.group = w->group;
		ex.start_ns = w->start_ns;
		ex.end_ns = w->end_ns;
		ex.attempts = w->attempts;
		ex.n_reviewers = w->reviewers->len;
		ex.reviewers = (char **)w->reviewers->pdata;
		ex.reason = "crashed";
		publish_expired(rv, &ex);
	}
}

void review_expire_all(review *rv)
{
	g_clear_pointer(&rv->sched, sched_free);
}

void review_free(review *rv)
{
	if (!rv)
		return;
	g_clear_pointer(&rv->sched, sched_free);
	g_clear_handle_id(&rv->reap_id, g_source_remove);
	g_source_destroy(rv->flush_src);
	g_source_unref(rv->flush_src);
	g_array_unref(rv->flushq);
	g_hash_table_unref(rv->templates);
	g_free(rv->out_buf);
	g_hash_table_unref(rv->conns);
	g_hash_table_unref(rv->recent);
	auth_free(rv->auth);
	g_free(rv);
}

struct lws_protocols review_protocol(review *rv)
{
	struct lws_protocols p = {
	        .name = "ringside.v1",
	        .callback = callback_review,
	        .per_session_data_size = sizeof(struct conn),
	        .rx_buffer_size = 65536,
	        .user = rv,
	};
	return p;
}

void review_add_window(rs_window *w, void *user)
{
	review *rv = user;

	if (!rv->sched)
		return;
	/* Listed before the scheduler sees it: it may expire it at once. */
	if (rv->rec)
		recovery_window_open(rv->rec, w->id, w->group->name, w->start_ns, w->end_ns);
	sched_add_window(rv->sched, w, now_ns());
}

/* Once a second: a connection signed in with a token that has since
 * expired or been revoked is closed (1008 with the reason). O(connections). */
static void recheck_tokens(review *rv)
{
	gint64 mono = g_get_monotonic_time();
	gint64 now_s = g_get_real_time() / G_USEC_PER_SEC;
	GHashTableIter it;
	gpointer v;

	if (mono - rv->recheck_us < RECHECK_US)
		return;
	rv->recheck_us = mono;
	g_hash_table_iter_init(&it, rv->conns);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		struct conn *c = v;
		enum auth_result res;

		if (!c->reviewer_id || !c->id.signed_token || c->close_code)
			continue;
		res = auth_recheck(rv->auth, &c->id, now_s);
		if (res == AUTH_OK)
			continue;
		g_message("reviewer %s: %s (token %s); closing the connection", c->reviewer_id,
		          auth_result_reason(res), c->id.token_id);
		conn_error(c, "unauthorized", auth_result_reason(res), NULL, NULL);
		c->close_code = LWS_CLOSE_STATUS_POLICY_VIOLATION;
		g_strlcpy(c->close_reason, auth_result_reason(res), sizeof(c->close_reason));
		conn_want_write(c);
	}
}

void review_tick(review *rv)
{
	if (rv->sched)
		sched_tick(rv->sched, now_ns());
	recheck_tokens(rv);
}

guint review_close_all(review *rv)
{
	GHashTableIter it;
	gpointer v;

	rv->stopping = TRUE;
	g_hash_table_iter_init(&it, rv->conns);
	while (g_hash_table_iter_next(&it, NULL, &v))
		conn_close_after(v, LWS_CLOSE_STATUS_GOINGAWAY, "shutdown");
	return g_hash_table_size(rv->conns);
}

guint review_connections(const review *rv)
{
	return g_hash_table_size(rv->conns);
}

/* The review flow's own series: held tasks, Extend, flags. */
static void review_metrics_append_flow(review *rv, const struct sched_stats *st, GString *out)
{
	g_string_append_printf(
	        out,
	        "ringside_tasks_held %u\n"
	        "ringside_extends_total{result=\"granted\"} %" G_GUINT64_FORMAT "\n"
	        "ringside_extends_total{result=\"refused\"} %" G_GUINT64_FORMAT "\n"
	        "ringside_flags_total{kind=\"ambiguous\"} %" G_GUINT64_FORMAT "\n"
	        "ringside_flags_total{kind=\"bad_quality\"} %" G_GUINT64_FORMAT "\n"
	        "ringside_flags_total{kind=\"skip\"} %" G_GUINT64_FORMAT "\n"
	        "ringside_windows_expired_total{reason=\"ambiguous\"} %" G_GUINT64_FORMAT "\n",
	        st->held, rv->extends_granted, rv->extends_refused,
	        rv->flags_stored[RINGSIDE__V1__FLAG_KIND__FLAG_AMBIGUOUS],
	        rv->flags_stored[RINGSIDE__V1__FLAG_KIND__FLAG_BAD_QUALITY],
	        rv->flags_stored[RINGSIDE__V1__FLAG_KIND__FLAG_SKIP], st->expired_ambiguous);
}

void review_metrics_append(review *rv, GString *out)
{
	struct sched_stats st;
	guint signed_in = 0;
	gsize queued = 0;
	GHashTableIter it;
	gpointer v;

	g_hash_table_iter_init(&it, rv->conns);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		struct conn *c = v;
		signed_in += c->reviewer_id != NULL;
		queued += c->out_bytes;
	}
	if (rv->sched)
		sched_get_stats(rv->sched, &st);
	else
		memset(&st, 0, sizeof(st));
	g_string_append_printf(
	        out,
	        "ringside_connections %u\n"
	        "ringside_reviewers_signed_in %u\n"
	        "ringside_send_queued_bytes %zu\n"
	        "ringside_send_overflow_total %" G_GUINT64_FORMAT "\n"
	        "ringside_messages_in_total %" G_GUINT64_FORMAT "\n"
	        "ringside_bad_messages_total %" G_GUINT64_FORMAT "\n"
	        "ringside_auth_failures_total %" G_GUINT64_FORMAT "\n"
	        "ringside_labels_total{result=\"published\"} %" G_GUINT64_FORMAT "\n"
	        "ringside_labels_total{result=\"invalid\"} %" G_GUINT64_FORMAT "\n"
	        "ringside_labels_total{result=\"publish_failed\"} %" G_GUINT64_FORMAT "\n"
	        "ringside_expired_records_total{result=\"published\"} %" G_GUINT64_FORMAT "\n"
	        "ringside_expired_records_total{result=\"lost\"} %" G_GUINT64_FORMAT "\n"
	        "ringside_windows_waiting %u\n"
	        "ringside_windows_assigned %u\n"
	        "ringside_offers_total %" G_GUINT64_FORMAT "\n"
	        "ringside_reoffers_total %" G_GUINT64_FORMAT "\n"
	        "ringside_declines_total %" G_GUINT64_FORMAT "\n"
	        "ringside_windows_labeled_total %" G_GUINT64_FORMAT "\n"
	        "ringside_windows_expired_total{reason=\"deadline\"} %" G_GUINT64_FORMAT "\n"
	        "ringside_windows_expired_total{reason=\"unassigned\"} %" G_GUINT64_FORMAT "\n"
	        "ringside_windows_expired_total{reason=\"queue_full\"} %" G_GUINT64_FORMAT "\n"
	        "ringside_windows_expired_total{reason=\"declined\"} %" G_GUINT64_FORMAT "\n"
	        "ringside_windows_expired_total{reason=\"too_large\"} %" G_GUINT64_FORMAT "\n",
	        g_hash_table_size(rv->conns), signed_in, queued, rv->send_overflow, rv->messages_in,
	        rv->bad_messages, rv->auth_failures, rv->labels_ok, rv->labels_invalid,
	        rv->labels_failed, rv->expired_published, rv->expired_lost, st.waiting, st.assigned,
	        st.offered, st.reoffered, st.declined, st.completed, st.expired_deadline,
	        st.expired_unassigned, st.expired_queue_full, st.expired_declined,
	        st.expired_too_large);
	for (guint r = AUTH_OK + 1; r < AUTH_N_RESULTS; r++)
		g_string_append_printf(
		        out, "ringside_auth_refused_total{reason=\"%s\"} %" G_GUINT64_FORMAT "\n",
		        auth_result_label(r), rv->auth_refused[r]);
	g_string_append_printf(out,
	                       "ringside_origin_refused_total %" G_GUINT64_FORMAT "\n"
	                       "ringside_rate_limited_total %" G_GUINT64_FORMAT "\n",
	                       rv->origin_refused, rv->rate_limited);
	review_metrics_append_flow(rv, &st, out);
}

/* ---------------------------------------------------------------- tests */

/* review_test.h: a connection with no socket, as LWS_CALLBACK_ESTABLISHED
 * makes one, but owned by the caller. */
struct conn *review_test_conn_new(review *rv)
{
	struct conn *c = g_new0(struct conn, 1);

	c->rv = rv;
	c->serial = ++rv->next_serial;
	g_queue_init(&c->outq);
	g_hash_table_insert(rv->conns, &c->serial, c);
	return c;
}

void review_test_conn_message(struct conn *c, const guint8 *data, gsize len)
{
	if (c->rv)
		handle_message(c, data, len);
}

GBytes *review_test_conn_pop(struct conn *c)
{
	GBytes *msg = g_queue_pop_head(&c->outq);

	if (msg)
		c->out_bytes -= g_bytes_get_size(msg);
	return msg;
}

gboolean review_test_conn_closing(const struct conn *c)
{
	return c->close_code != 0;
}

void review_test_conn_free(struct conn *c)
{
	if (!c)
		return;
	conn_closed(c);
	g_free(c);
}
