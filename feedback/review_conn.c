/* A reviewer connection's way out: its bounded send queue, written in
 * fragments when lws says the socket is writable, and its close. */
#include <string.h>

#include "feedback/review_internal.h"
#include "feedback/wire.h"

#define CLOSE_ACK_S 5 /* how long a peer may take to answer our close */
/* lws writes a close frame for this write type (its LWS_WRITE_CLOSE,
 * which lws-write.h leaves out in favour of lws_close_reason) */
#define WRITE_CLOSE ((enum lws_write_protocol)4)

/* Idle callback: dropped connections (conn_drop) give their windows back
 * and are closed without waiting for the peer to read. */
static gboolean reap_dropped(gpointer user)
{
	review *rv = user;
	GHashTableIter it;
	gpointer v;

	rv->reap_id = 0;
	g_hash_table_iter_init(&it, rv->conns);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		struct conn *c = v;

		if (!c->dropped)
			continue;
		if (c->sr && rv->sched) {
			sched_reviewer_leave(rv->sched, c->sr, now_ns());
			c->sr = NULL;
		}
		if (c->wsi)
			lws_set_timeout(c->wsi, PENDING_TIMEOUT_KILLED_BY_PARENT,
			                LWS_TO_KILL_ASYNC);
	}
	return G_SOURCE_REMOVE;
}

/* Asks lws for a writable callback. A connection without a socket (made by
 * review_test.h) has nobody to ask. */
void conn_want_write(struct conn *c)
{
	if (c->wsi)
		lws_callback_on_writable(c->wsi);
}

/* Has C written at the end of this main-loop turn (review_flush), with
 * whatever else the turn queues for it: an ack and the next task go out
 * in one send, and a socket that takes them needs no writable callback,
 * whose interest changes cost libuv two epoll_ctl calls each. */
static void conn_flush_later(struct conn *c)
{
	if (!c->wsi || c->flush_queued)
		return;
	c->flush_queued = TRUE;
	g_array_append_val(c->rv->flushq, c->serial);
}

/* Forgets everything queued for C, sent in part or not at all. */
static void conn_drop_queue(struct conn *c)
{
	GBytes *b;

	while ((b = g_queue_pop_head(&c->outq)))
		g_bytes_unref(b);
	c->out_bytes = 0;
	c->out_off = 0;
}

/* Gives C's windows back and drops it on the event loop's next turn,
 * without waiting for the peer to read: a peer that does not read never
 * drains its queue, and a failed socket never will. Nothing more is
 * queued or read for it. */
static void conn_drop(struct conn *c, int code, const char *reason)
{
	conn_drop_queue(c);
	c->close_code = code;
	g_strlcpy(c->close_reason, reason, sizeof(c->close_reason));
	c->deaf = TRUE;
	c->dropped = TRUE;
	/* This may run inside a scheduler callback or review_flush: leave
	 * it later, but not for an idle loop, which a flooding peer keeps
	 * busy. */
	if (!c->rv->reap_id)
		c->rv->reap_id =
		        g_idle_add_full(G_PRIORITY_DEFAULT, reap_dropped, c->rv, NULL);
}

/* Queues MSG (taken) for C, to be written at the end of the turn
 * (review_flush). Over the connection's cap the connection is dropped
 * instead: a reviewer who cannot keep up must not hold the daemon's
 * memory. */
void conn_send(struct conn *c, GBytes *msg)
{
	gsize len = g_bytes_get_size(msg);

	if (c->close_code) {
		g_bytes_unref(msg);
		return;
	}
	if (c->out_bytes + len > c->rv->cfg->send_queue_bytes) {
		g_bytes_unref(msg);
		c->rv->send_overflow++;
		g_warning("reviewer %s: send queue over %zu bytes; closing the connection",
		          c->reviewer_id ? c->reviewer_id : "(no hello yet)",
		          c->rv->cfg->send_queue_bytes);
		conn_drop(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, "send queue full");
		return;
	}
	c->out_bytes += len;
	g_queue_push_tail(&c->outq, msg);
	conn_flush_later(c);
}

void conn_error(struct conn *c, const char *code, const char *message, const char *label_id,
                const char *window_id)
{
	conn_send(c, wire_pack_error(code, message, label_id, window_id));
}

/* Sends the queued messages that fit, then closes with CODE. */
void conn_close_after(struct conn *c, int code, const char *reason)
{
	if (c->close_code)
		return;
	conn_send(c, wire_pack_error(code == LWS_CLOSE_STATUS_GOINGAWAY ? "shutdown" : "closing",
	                             reason, NULL, NULL));
	c->close_code = code;
	g_strlcpy(c->close_reason, reason, sizeof(c->close_reason));
	conn_want_write(c);
}

/* Writes C's close frame (close_code, close_reason) and gives the peer
 * CLOSE_ACK_S to answer with its own, which ends the connection
 * (LWS_CALLBACK_WS_PEER_INITIATED_CLOSE). lws's own way, lws_close_reason
 * and -1 from the callback, closes the socket at once on its libuv event
 * library (a second close it makes there to test itself), the frame
 * unsent. Returns -1 when the frame cannot be written. */
static int conn_send_close(struct conn *c)
{
	guint8 *p = c->rv->out_buf + LWS_PRE;
	gsize n = strnlen(c->close_reason, sizeof(c->close_reason));

	p[0] = (guint8)(c->close_code >> 8);
	p[1] = (guint8)c->close_code;
	memcpy(p + 2, c->close_reason, n);
	c->close_sent = TRUE;
	if (lws_write(c->wsi, p, n + 2, WRITE_CLOSE) < (int)(n + 2))
		return -1;
	lws_set_timeout(c->wsi, PENDING_TIMEOUT_CLOSE_ACK, CLOSE_ACK_S);
	return 0;
}

/* Closes C with CODE and REASON as soon as it is writable, dropping what
 * was queued for it, and stops reading its messages. */
void conn_close_now(struct conn *c, int code, const char *reason)
{
	conn_drop_queue(c);
	c->deaf = TRUE;
	c->close_code = code;
	g_strlcpy(c->close_reason, reason, sizeof(c->close_reason));
	conn_want_write(c);
}

/* Frames as many whole messages from the head of C's queue as fit in
 * FLUSH_BYTES into rv->out_buf and writes them with one lws_write of
 * the raw bytes (a server's frames are unmasked: a header, the payload;
 * FLUSH_BYTES keeps every batched length under 65536, so the header is
 * 2 or 4 bytes). lws keeps whatever the socket did not take and sends it
 * before the next writable callback. Returns the number of messages
 * written (0: the head message is too large to batch, or nothing is
 * queued), -1 on a write error. Only between messages: never inside a
 * fragmented one. */
static int conn_write_batch(struct conn *c)
{
	guint8 *buf = c->rv->out_buf + LWS_PRE;
	gsize used = 0;
	int n = 0;

	G_STATIC_ASSERT(FLUSH_BYTES <= 65536);
	/* A websocket carried on an HTTP/2 stream (RFC 8441) has its frames
	 * wrapped by lws, which raw bytes would bypass. */
	if (lws_get_network_wsi(c->wsi) != c->wsi)
		return 0;
	for (GList *l = c->outq.head; l; l = l->next) {
		gsize len;
		const guint8 *payload = wire_payload(l->data, &len);
		gsize hdr = len < 126 ? 2 : 4;

		if (used + hdr + len > FLUSH_BYTES)
			break;
		buf[used] = 0x82; /* FIN, binary */
		if (hdr == 2) {
			buf[used + 1] = (guint8)len;
		} else {
			buf[used + 1] = 126; /* a 16-bit length follows */
			buf[used + 2] = (guint8)(len >> 8);
			buf[used + 3] = (guint8)len;
		}
		memcpy(buf + used + hdr, payload, len);
		used += hdr + len;
		n++;
	}
	if (!n)
		return 0;
	if (lws_write(c->wsi, buf, used, LWS_WRITE_RAW) < (int)used)
		return -1;
	for (int i = 0; i < n; i++) {
		GBytes *msg = g_queue_pop_head(&c->outq);

		c->out_bytes -= g_bytes_get_size(msg);
		g_bytes_unref(msg);
	}
	return n;
}

/* Writes the next fragment of the head message. Returns -1 on a write
 * error. */
static int conn_write_fragment(struct conn *c)
{
	GBytes *msg = g_queue_peek_head(&c->outq);
	const guint8 *payload;
	gsize len, chunk;
	gboolean first, last;

	payload = wire_payload(msg, &len);
	chunk = MIN(len - c->out_off, FRAGMENT_BYTES);
	first = c->out_off == 0;
	last = c->out_off + chunk == len;
	memcpy(c->rv->out_buf + LWS_PRE, payload + c->out_off, chunk);
	if (lws_write(c->wsi, c->rv->out_buf + LWS_PRE, chunk,
	              lws_write_ws_flags(LWS_WRITE_BINARY, first, last)) < (int)chunk)
		return -1;
	c->out_off += chunk;
	if (last) {
		g_queue_pop_head(&c->outq);
		c->out_bytes -= g_bytes_get_size(msg);
		c->out_off = 0;
		g_bytes_unref(msg);
	}
	return 0;
}

/* Writes what is queued for C: whole small messages in one batch, a large
 * one a fragment at a time. Returns -1 on a write error. */
static int conn_write_some(struct conn *c)
{
	int n = 0;

	if (c->out_off == 0)
		n = conn_write_batch(c);
	if (n == 0 && !g_queue_is_empty(&c->outq))
		n = conn_write_fragment(c);
	return n < 0 ? -1 : 0;
}

/* The writable callback: the next batch or fragment, or the close frame
 * when asked and drained. Returns -1 to have lws close the connection. */
int conn_writeable(struct conn *c)
{
	if (g_queue_is_empty(&c->outq)) {
		if (c->close_code && !c->close_sent)
			return conn_send_close(c);
		return 0;
	}
	if (conn_write_some(c) < 0)
		return -1;
	if (!g_queue_is_empty(&c->outq) || c->close_code)
		lws_callback_on_writable(c->wsi);
	return 0;
}

/* Writes C's queue now if its socket has room (lws holds nothing unsent
 * for it); otherwise, and for what does not fit, a writable callback. */
static void conn_flush(struct conn *c)
{
	c->flush_queued = FALSE;
	if (c->close_sent || g_queue_is_empty(&c->outq))
		return;
	if (c->out_off == 0 && !lws_partial_buffered(c->wsi) && conn_write_batch(c) < 0) {
		g_message("reviewer %s: writing to the socket failed; dropping the connection",
		          c->reviewer_id ? c->reviewer_id : "(no hello yet)");
		conn_drop(c, LWS_CLOSE_STATUS_ABNORMAL_CLOSE, "write failed");
		c->close_sent = TRUE; /* no close frame on a failed socket */
		return;
	}
	if (!g_queue_is_empty(&c->outq) || c->close_code)
		lws_callback_on_writable(c->wsi);
}

void review_flush(review *rv)
{
	GArray *q = rv->flushq;

	for (guint i = 0; i < q->len; i++) {
		struct conn *c = g_hash_table_lookup(rv->conns, &g_array_index(q, guint64, i));

		if (c && c->flush_queued)
			conn_flush(c);
	}
	g_array_set_size(q, 0);
}
