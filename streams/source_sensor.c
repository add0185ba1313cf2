/* Sensor sources: ringside.v1.SensorBatch messages (decoded and checked by
 * sensor.c) over UDP, one per datagram, or over TCP, a stream of them, on
 * the main loop. With clock = estimate each device's own times are mapped
 * onto the timeline by sensor_clock.c. A bad batch is counted and logged,
 * rate-limited; the socket keeps serving.
 *
 * TCP: each message is preceded by its length as a protobuf varint (the
 * "delimited" format of protobuf's writeDelimitedTo / encodeDelimited):
 *
 *   +---------+----------------------+---------+----------------------+--
 *   | varint  | SensorBatch          | varint  | SensorBatch          | ...
 *   | n1      | n1 bytes             | n2      | n2 bytes             |
 *   +---------+----------------------+---------+----------------------+--
 *    1-3 bytes (n <= SENSOR_MAX_DATAGRAM)
 *
 * A batch refused for its content (channels, values, times) is counted and
 * the stream goes on, as over UDP. A frame that breaks the framing (a
 * length prefix longer than 10 bytes, a length over SENSOR_MAX_DATAGRAM, a
 * frame that is not a SensorBatch) closes that connection only. */
#include <errno.h>
#include <gio/gio.h>
#include <math.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "streams/sensor.h"
#include "streams/sensor_clock.h"
#include "streams/source_internal.h"

/* Datagrams read per wakeup at most, so one busy sensor cannot starve the
 * loop. */
#define RECV_BURST 64
/* Bad datagrams and receive errors are logged at most this often (the
 * first one at once). */
#define LOG_EVERY_US (10 * G_TIME_SPAN_SECOND)
/* Receive buffer asked of the kernel (it may grant less). */
#define RCVBUF_BYTES (1024 * 1024)
/* TCP: connections open at once per source, at most; past it a new one
 * closes the one idle longest if that was idle CONN_IDLE_US, else it is
 * refused. */
#define MAX_CONNS 64
#define CONN_IDLE_US (30 * G_TIME_SPAN_SECOND)
/* TCP: a connection's buffer: one whole frame of the largest size plus a
 * read's worth. Never grows. */
#define VARINT_MAX 10
#define CONN_BUF_BYTES (64 * 1024 + SENSOR_MAX_DATAGRAM + VARINT_MAX)
/* TCP: connections accepted per wakeup at most. */
#define ACCEPT_BURST 16
#define LISTEN_BACKLOG 16

/* A rate limit for a kind of log line. */
struct log_limit {
	const char *what; /* the kind, plural: "problems" */
	gint64 last_us;   /* monotonic; 0: nothing logged yet */
	guint64 unlogged; /* lines since the last one logged, this one included */
};

/* One of these per sensor source. Used on the main loop, except the seq
 * and clock tables, which the metrics may read from elsewhere (under
 * lock), and the counters. */
struct sensor_src {
	source *src;
	GSocket *sock; /* UDP: the socket; TCP: the listening socket */
	guint16 port;  /* bound */
	GSource *watch;
	guint8 *buf; /* UDP: SENSOR_MAX_DATAGRAM + 1: a fuller read was truncated */
	const char *const *channels;
	GList *conns; /* TCP: struct sensor_conn * */

	GMutex lock;
	sensor_seq *seq;
	sensor_clock_table *clocks; /* clock = estimate */

	atomic_uint_least64_t datagrams;
	atomic_uint_least64_t bad;
	atomic_uint_least64_t lost;
	atomic_uint_least64_t clock_dropped;
	atomic_uint_least64_t n_conns;
	atomic_uint_least64_t accepted;
	atomic_uint_least64_t refused;
	atomic_uint_least64_t framing;

	struct log_limit problems; /* bad batches, errors */
	struct log_limit notices;  /* TCP connections coming and going */
};

/* One of these per TCP connection. Owned by its watch: freed (conn_free)
 * when the watch is destroyed, i.e. after its callback returned
 * G_SOURCE_REMOVE, or by sensor_src_stop. */
struct sensor_conn {
	struct sensor_src *s;
	GSocket *sock;
	GSource *watch; /* borrowed: the main context holds it while attached */
	char peer[80];  /* HOST:PORT */
	guint8 *buf;    /* CONN_BUF_BYTES */
	gsize len;
	gint64 last_us; /* monotonic: last byte received */
};

/* What became of one batch. */
enum batch_result {
	BATCH_OK,
	BATCH_REFUSED,   /* counted and logged; a stream can go on */
	BATCH_MALFORMED, /* not a SensorBatch: a TCP stream has lost its framing */
};

static gint64 now_real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (gint64)ts.tv_sec * G_GINT64_CONSTANT(1000000000) + ts.tv_nsec;
}

/* Logs MSG at LEVEL now if L let nothing through for LOG_EVERY_US (with
 * how many lines of its kind came since), else only counts it. */
static void log_limited(struct log_limit *l, GLogLevelFlags level, const char *msg)
{
	gint64 now = g_get_monotonic_time();

	l->unlogged++;
	if (l->last_us && now - l->last_us < LOG_EVERY_US)
		return;
	if (l->unlogged > 1)
		g_log(G_LOG_DOMAIN, level, "%s (%" G_GUINT64_FORMAT " %s since the last report)",
		      msg, l->unlogged, l->what);
	else
		g_log(G_LOG_DOMAIN, level, "%s", msg);
	l->last_us = now;
	l->unlogged = 0;
}

/* clock = estimate: feeds the batch's newest device time and its arrival
 * to the device's estimator, then replaces *SAMPLES (device times) by
 * samples at the mapped times plus offset_ns, sharing the readings. Returns
 * FALSE with ERR when the batch must be dropped (too many devices, a
 * clock jump ahead not yet confirmed, a time out of range). Call under
 * S->lock. O(samples). */
static gboolean retime(struct sensor_src *s, const struct sensor_batch_meta *meta,
                       gint64 arrival_ns, GPtrArray **samples, GError **err)
{
	const struct rs_source_conf *c = &s->src->conf;
	enum sensor_clock_result res;
	g_autoptr(GPtrArray) out = NULL;
	sensor_clock *clk;
	gboolean ok = FALSE;

	clk = sensor_clock_table_update(s->clocks, meta->device, meta->newest_ns, arrival_ns, &res,
	                                err);
	if (!clk)
		goto out;
	if (res == SENSOR_CLOCK_EARLY) {
		struct sensor_clock_state st;

		sensor_clock_get_state(clk, &st);
		g_set_error(err, SENSOR_ERROR, SENSOR_ERROR_TIME,
		            "source %s: batch from \"%s\" seq %" G_GUINT64_FORMAT
		            " dropped: it arrived %.3f s earlier than the device's clock estimate "
		            "allows (if its clock jumped, the estimate restarts after %d such "
		            "batches)",
		            c->name, meta->device, meta->seq, fabs((double)st.off_ns / 1e9),
		            SENSOR_CLOCK_JUMP_COUNT);
		goto out;
	}
	out = g_ptr_array_new_full((*samples)->len, (GDestroyNotify)rs_sample_unref);
	for (guint i = 0; i < (*samples)->len; i++) {
		const rs_sample *smp = (*samples)->pdata[i];
		gint64 t, u;

		if (!sensor_clock_map(clk, smp->t_ns, &t) ||
		    __builtin_add_overflow(t, c->offset_ns, &u) || u <= 0) {
			g_set_error(
			        err, SENSOR_ERROR, SENSOR_ERROR_TIME,
			        "source %s: batch from \"%s\" seq %" G_GUINT64_FORMAT
			        " dropped: sample %u has t_ns %" G_GINT64_FORMAT
			        ", which the device's clock estimate cannot put on the timeline",
			        c->name, meta->device, meta->seq, i, smp->t_ns);
			goto out;
		}
		g_ptr_array_add(out, rs_sample_new(u, 0, g_bytes_ref(smp->data)));
	}
	g_ptr_array_unref(*samples);
	*samples = g_steal_pointer(&out);
	ok = TRUE;
out:
	return ok;
}

/* Decodes one batch (LEN bytes at DATA, arrived at ARRIVAL_NS) and pushes
 * its samples, or counts and logs why it was refused. */
static enum batch_result handle_batch(struct sensor_src *s, const guint8 *data, gsize len,
                                      gint64 arrival_ns)
{
	const struct rs_source_conf *c = &s->src->conf;
	gboolean estimate = c->clock == RS_CLOCK_ESTIMATE;
	g_autoptr(GError) err = NULL;
	g_autoptr(GPtrArray) samples = NULL;
	struct sensor_batch_meta meta;
	enum batch_result ret = BATCH_REFUSED;
	gboolean timed = TRUE;
	guint64 lost;

	atomic_fetch_add(&s->datagrams, 1);
	samples = sensor_batch_decode(c->name, data, len, s->channels, c->n_channels,
	                              estimate ? 0 : c->offset_ns, &meta, &err);
	if (!samples) {
		atomic_fetch_add(&s->bad, 1);
		log_limited(&s->problems, G_LOG_LEVEL_WARNING, err->message);
		if (g_error_matches(err, SENSOR_ERROR, SENSOR_ERROR_UNPACK))
			ret = BATCH_MALFORMED;
		goto out;
	}
	g_mutex_lock(&s->lock);
	lost = sensor_seq_update(s->seq, meta.device, meta.seq);
	if (estimate && samples->len)
		timed = retime(s, &meta, arrival_ns, &samples, &err);
	g_mutex_unlock(&s->lock);
	if (lost)
		atomic_fetch_add(&s->lost, lost);
	if (!timed) {
		atomic_fetch_add(&s->clock_dropped, 1);
		log_limited(&s->problems, G_LOG_LEVEL_WARNING, err->message);
		goto out;
	}
	for (guint i = 0; i < samples->len; i++)
		source_push(s->src, rs_sample_ref(samples->pdata[i]));
	ret = BATCH_OK;
out:
	return ret;
}

/* Reads one datagram into S->buf and when it arrived: the kernel's receive
 * timestamp (SO_TIMESTAMPNS) when it gave one, else now. Returns its
 * length, or -1 with errno (EAGAIN: none waiting). */
static gssize recv_datagram(struct sensor_src *s, gint64 *arrival_ns)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct timespec))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {s->buf, SENSOR_MAX_DATAGRAM + 1};
	struct msghdr mh = {.msg_iov = &iov,
	                    .msg_iovlen = 1,
	                    .msg_control = ctl.buf,
	                    .msg_controllen = sizeof(ctl.buf)};
	gssize n = recvmsg(g_socket_get_fd(s->sock), &mh, MSG_DONTWAIT);

	*arrival_ns = 0;
	if (n < 0)
		return n;
#ifdef SO_TIMESTAMPNS
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPNS) {
			struct timespec ts;

			memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
			*arrival_ns =
			        (gint64)ts.tv_sec * G_GINT64_CONSTANT(1000000000) + ts.tv_nsec;
		}
	}
#endif
	if (*arrival_ns <= 0)
		*arrival_ns = now_real_ns();
	return n;
}

/* UDP socket readable, on the main loop: reads up to RECV_BURST datagrams.
 * Never gives up on the socket: errors are counted and logged. */
static gboolean on_readable(GSocket *sock, GIOCondition cond, gpointer user)
{
	struct sensor_src *s = user;

	for (int i = 0; i < RECV_BURST; i++) {
		gint64 arrival;
		gssize n = recv_datagram(s, &arrival);

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			g_autofree char *msg =
			        g_strdup_printf("source %s: receive failed: %s", s->src->conf.name,
			                        g_strerror(errno));

			atomic_fetch_add(&s->src->errors, 1);
			log_limited(&s->problems, G_LOG_LEVEL_WARNING, msg);
			break;
		}
		handle_batch(s, s->buf, (gsize)n, arrival);
	}
	return G_SOURCE_CONTINUE;
}

/* ---------------------------------------------------------------- TCP */

/* Watch destroyed: unlinks and frees the connection. */
static void conn_free(gpointer p)
{
	struct sensor_conn *k = p;
	struct sensor_src *s = k->s;

	s->conns = g_list_remove(s->conns, k);
	atomic_fetch_sub(&s->n_conns, 1);
	g_socket_close(k->sock, NULL);
	g_object_unref(k->sock);
	g_free(k->buf);
	g_free(k);
}

static void conn_bad(struct sensor_conn *k, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* Counts and logs why K is closed for breaking the framing (printf-style
 * FMT). The caller then returns G_SOURCE_REMOVE. */
static void conn_bad(struct sensor_conn *k, const char *fmt, ...)
{
	g_autofree char *why = NULL;
	g_autofree char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	why = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	msg = g_strdup_printf("source %s: TCP connection from %s closed: %s", k->s->src->conf.name,
	                      k->peer, why);
	atomic_fetch_add(&k->s->framing, 1);
	log_limited(&k->s->problems, G_LOG_LEVEL_WARNING, msg);
}

/* Handles every complete frame in K's buffer (received at ARRIVAL_NS) and
 * keeps the partial one. Returns FALSE when the connection must close (it
 * said why). O(bytes). */
static gboolean conn_parse(struct sensor_conn *k, gint64 arrival_ns)
{
	gsize pos = 0;
	gboolean ok = FALSE;

	while (pos < k->len) {
		guint64 n = 0;
		gsize v = 0;
		gboolean whole = FALSE;

		while (pos + v < k->len && v < VARINT_MAX && !whole) {
			guint8 b = k->buf[pos + v];

			n |= (guint64)(b & 0x7f) << (7 * v);
			whole = !(b & 0x80);
			v++;
		}
		if (!whole && v == VARINT_MAX) {
			conn_bad(k, "a length prefix longer than %d bytes", VARINT_MAX);
			goto out;
		}
		if (!whole)
			break;
		if (n > SENSOR_MAX_DATAGRAM) {
			conn_bad(k, "frame length %" G_GUINT64_FORMAT " over the limit of %d bytes",
			         n, SENSOR_MAX_DATAGRAM);
			goto out;
		}
		if (k->len - pos - v < n)
			break;
		if (handle_batch(k->s, k->buf + pos + v, (gsize)n, arrival_ns) == BATCH_MALFORMED) {
			conn_bad(k,
			         "a frame of %" G_GUINT64_FORMAT
			         " bytes is not a ringside.v1.SensorBatch",
			         n);
			goto out;
		}
		pos += v + (gsize)n;
	}
	memmove(k->buf, k->buf + pos, k->len - pos);
	k->len -= pos;
	ok = TRUE;
out:
	return ok;
}

/* Connection readable (or closed), on the main loop: one read of what fits
 * the buffer, then the frames in it. Returns G_SOURCE_REMOVE to close. */
static gboolean on_conn_readable(GSocket *sock, GIOCondition cond, gpointer user)
{
	struct sensor_conn *k = user;
	struct sensor_src *s = k->s;
	g_autoptr(GError) err = NULL;
	gssize n = g_socket_receive(sock, (char *)k->buf + k->len, CONN_BUF_BYTES - k->len, NULL,
	                            &err);
	gint64 arrival = now_real_ns();

	if (n < 0 && g_error_matches(err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
		return G_SOURCE_CONTINUE;
	if (n < 0) {
		g_autofree char *msg = g_strdup_printf("source %s: TCP connection from %s closed: "
		                                       "receive failed: %s",
		                                       s->src->conf.name, k->peer, err->message);

		log_limited(&s->notices, G_LOG_LEVEL_MESSAGE, msg);
		return G_SOURCE_REMOVE;
	}
	if (n == 0) {
		g_autofree char *msg = g_strdup_printf(
		        "source %s: TCP connection from %s closed by the peer%s", s->src->conf.name,
		        k->peer, k->len ? " in the middle of a frame" : "");

		log_limited(&s->notices, G_LOG_LEVEL_MESSAGE, msg);
		return G_SOURCE_REMOVE;
	}
	k->len += (gsize)n;
	k->last_us = g_get_monotonic_time();
	return conn_parse(k, arrival) ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

/* Formats SOCK's peer as HOST:PORT ([HOST]:PORT for IPv6) into OUT. */
static void peer_name(GSocket *sock, char *out, gsize size)
{
	g_autoptr(GSocketAddress) sa = g_socket_get_remote_address(sock, NULL);
	g_autofree char *host = NULL;

	if (!sa || !G_IS_INET_SOCKET_ADDRESS(sa)) {
		g_strlcpy(out, "(unknown peer)", size);
		return;
	}
	host = g_inet_address_to_string(
	        g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(sa)));
	g_snprintf(out, size, strchr(host, ':') ? "[%s]:%u" : "%s:%u", host,
	           g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(sa)));
}

/* At MAX_CONNS: closes the connection idle longest if it was idle for
 * CONN_IDLE_US (a device that went away without closing). Returns whether
 * there is room now. O(connections). */
static gboolean conn_make_room(struct sensor_src *s)
{
	struct sensor_conn *idle = NULL;
	gint64 now = g_get_monotonic_time();

	if (atomic_load(&s->n_conns) < MAX_CONNS)
		return TRUE;
	for (GList *l = s->conns; l; l = l->next) {
		struct sensor_conn *k = l->data;

		if (!idle || k->last_us < idle->last_us)
			idle = k;
	}
	if (!idle || now - idle->last_us < CONN_IDLE_US)
		return FALSE;
	{
		g_autofree char *msg = g_strdup_printf(
		        "source %s: TCP connection from %s closed: idle for %" G_GINT64_FORMAT
		        " s and another device wants its place",
		        s->src->conf.name, idle->peer, (now - idle->last_us) / G_TIME_SPAN_SECOND);

		log_limited(&s->notices, G_LOG_LEVEL_MESSAGE, msg);
	}
	g_source_destroy(idle->watch);
	return TRUE;
}

/* Takes ownership of the accepted SOCK: a connection with its own watch,
 * or refused (closed) when MAX_CONNS are open and none is idle. */
static void conn_new(struct sensor_src *s, GSocket *sock)
{
	struct sensor_conn *k;
	char peer[sizeof(k->peer)];

	peer_name(sock, peer, sizeof(peer));
	if (!conn_make_room(s)) {
		g_autofree char *msg =
		        g_strdup_printf("source %s: TCP connection from %s refused: %d connections "
		                        "open already",
		                        s->src->conf.name, peer, MAX_CONNS);

		atomic_fetch_add(&s->refused, 1);
		log_limited(&s->problems, G_LOG_LEVEL_WARNING, msg);
		g_socket_close(sock, NULL);
		g_object_unref(sock);
		return;
	}
	k = g_new0(struct sensor_conn, 1);
	k->s = s;
	k->sock = sock;
	memcpy(k->peer, peer, sizeof(peer));
	k->buf = g_malloc(CONN_BUF_BYTES);
	k->last_us = g_get_monotonic_time();
	g_socket_set_blocking(sock, FALSE);
	g_socket_set_keepalive(sock, TRUE);
	k->watch = g_socket_create_source(sock, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
	g_source_set_callback(k->watch, G_SOURCE_FUNC(on_conn_readable), k, conn_free);
	s->conns = g_list_prepend(s->conns, k);
	atomic_fetch_add(&s->n_conns, 1);
	atomic_fetch_add(&s->accepted, 1);
	g_source_attach(k->watch, g_main_context_get_thread_default());
	g_source_unref(k->watch);
	{
		g_autofree char *msg = g_strdup_printf("source %s: TCP connection from %s",
		                                       s->src->conf.name, k->peer);

		log_limited(&s->notices, G_LOG_LEVEL_MESSAGE, msg);
	}
}

/* Listening socket readable, on the main loop: accepts up to ACCEPT_BURST
 * connections. */
static gboolean on_accept(GSocket *sock, GIOCondition cond, gpointer user)
{
	struct sensor_src *s = user;

	for (int i = 0; i < ACCEPT_BURST; i++) {
		g_autoptr(GError) err = NULL;
		GSocket *c = g_socket_accept(sock, NULL, &err);

		if (!c && g_error_matches(err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
			break;
		if (!c) {
			g_autofree char *msg = g_strdup_printf("source %s: accept failed: %s",
			                                       s->src->conf.name, err->message);

			atomic_fetch_add(&s->src->errors, 1);
			log_limited(&s->problems, G_LOG_LEVEL_WARNING, msg);
			break;
		}
		conn_new(s, c);
	}
	return G_SOURCE_CONTINUE;
}

/* ---------------------------------------------------------------- setup */

/* Resolves HOST (an address literal, or a name looked up once, blocking)
 * and binds a non-blocking socket of TYPE (datagram: UDP; stream: TCP,
 * listening) to HOST:PORT. Returns the socket or NULL with ERR. */
static GSocket *bind_socket(const char *host, guint16 port, GSocketType type, GError **err)
{
	g_autoptr(GInetAddress) addr = g_inet_address_new_from_string(host);
	g_autoptr(GSocketAddress) sa = NULL;
	gboolean udp = type == G_SOCKET_TYPE_DATAGRAM;
	GSocket *sock = NULL;
	GSocket *ret = NULL;

	if (!addr) {
		g_autoptr(GResolver) r = g_resolver_get_default();
		GList *list = g_resolver_lookup_by_name(r, host, NULL, err);

		if (!list)
			goto out;
		addr = g_object_ref(list->data);
		g_resolver_free_addresses(list);
	}
	sa = g_inet_socket_address_new(addr, port);
	sock = g_socket_new(g_inet_address_get_family(addr), type,
	                    udp ? G_SOCKET_PROTOCOL_UDP : G_SOCKET_PROTOCOL_TCP, err);
	if (!sock)
		goto out;
	g_socket_set_blocking(sock, FALSE);
	if (udp) {
		/* a larger kernel queue rides out bursts; losses show as seq gaps */
		g_socket_set_option(sock, SOL_SOCKET, SO_RCVBUF, RCVBUF_BYTES, NULL);
#ifdef SO_TIMESTAMPNS
		/* arrival times from the kernel, not from when the loop got to it */
		g_socket_set_option(sock, SOL_SOCKET, SO_TIMESTAMPNS, 1, NULL);
#endif
	}
	/* TCP: reuse lets a restart bind while old connections linger in
	 * TIME_WAIT; a port another socket listens on is still refused */
	if (!g_socket_bind(sock, sa, !udp, err))
		goto out;
	if (!udp) {
		g_socket_set_listen_backlog(sock, LISTEN_BACKLOG);
		if (!g_socket_listen(sock, err))
			goto out;
	}
	ret = g_steal_pointer(&sock);
out:
	g_clear_object(&sock);
	return ret;
}

static gboolean sensor_src_start(source *src, GError **err)
{
	struct sensor_src *s = src->priv;
	gboolean tcp = src->conf.transport == RS_TRANSPORT_TCP;

	s->watch = g_socket_create_source(s->sock, G_IO_IN, NULL);
	g_source_set_callback(s->watch, tcp ? G_SOURCE_FUNC(on_accept) : G_SOURCE_FUNC(on_readable),
	                      s, NULL);
	g_source_attach(s->watch, g_main_context_get_thread_default());
	return TRUE;
}

/* Call on the thread that started it: no batch is handled after it
 * returns. The socket stays bound (datagrams and new TCP connections queue
 * in the kernel); open TCP connections are closed (devices reconnect). */
static void sensor_src_stop(source *src)
{
	struct sensor_src *s = src->priv;

	if (s->watch) {
		g_source_destroy(s->watch);
		g_clear_pointer(&s->watch, g_source_unref);
	}
	while (s->conns) {
		struct sensor_conn *k = s->conns->data;

		g_source_destroy(k->watch); /* conn_free unlinks it */
	}
}

static void sensor_src_free(source *src)
{
	struct sensor_src *s = src->priv;

	sensor_src_stop(src);
	if (s->sock)
		g_socket_close(s->sock, NULL);
	g_clear_object(&s->sock);
	g_free(s->buf);
	sensor_seq_free(s->seq);
	sensor_clock_table_free(s->clocks);
	g_mutex_clear(&s->lock);
	g_free(s);
	src->priv = NULL;
}

static guint16 sensor_src_port(const source *src)
{
	const struct sensor_src *s = src->priv;

	return s->port;
}

/* ---------------------------------------------------------------- metrics */

struct device_ctx {
	GString *out;
	const source *src;
};

/* Appends `METRIC{source="S",device="D"} ` (the value follows). */
static void device_metric_start(struct device_ctx *l, const char *metric, const char *device)
{
	g_string_append(l->out, metric);
	g_string_append(l->out, "{source=\"");
	source_label_escape(l->out, source_name(l->src));
	g_string_append(l->out, "\",device=\"");
	source_label_escape(l->out, device);
	g_string_append(l->out, "\"} ");
}

static void append_lost(const char *device, guint64 lost, void *user)
{
	device_metric_start(user, "ringside_sensor_lost_datagrams_total", device);
	g_string_append_printf(((struct device_ctx *)user)->out, "%" G_GUINT64_FORMAT "\n", lost);
}

/* Fixed notation: whole ns of the offset, and no exponent. */
static void append_clock(const char *device, const struct sensor_clock_state *st, void *user)
{
	struct device_ctx *l = user;

	device_metric_start(l, "ringside_sensor_clock_offset_seconds", device);
	g_string_append_printf(l->out, "%.9f\n", (double)st->offset_ns / 1e9);
	device_metric_start(l, "ringside_sensor_clock_drift_ppm", device);
	g_string_append_printf(l->out, "%.3f\n", st->drift_ppm);
}

/* O(devices): at most 17 lines for the lost counts, 2 x 16 for clocks. */
static void sensor_src_metrics(source *src, GString *out)
{
	struct sensor_src *s = src->priv;
	struct device_ctx l = {out, src};

	source_metric_u64(out, src, "ringside_sensor_datagrams_total", atomic_load(&s->datagrams));
	source_metric_u64(out, src, "ringside_sensor_bad_datagrams_total", atomic_load(&s->bad));
	if (src->conf.transport == RS_TRANSPORT_TCP) {
		source_metric_u64(out, src, "ringside_sensor_connections",
		                  atomic_load(&s->n_conns));
		source_metric_u64(out, src, "ringside_sensor_connections_total",
		                  atomic_load(&s->accepted));
		source_metric_u64(out, src, "ringside_sensor_connections_refused_total",
		                  atomic_load(&s->refused));
		source_metric_u64(out, src, "ringside_sensor_framing_errors_total",
		                  atomic_load(&s->framing));
	}
	g_mutex_lock(&s->lock);
	sensor_seq_foreach(s->seq, append_lost, &l);
	if (s->clocks) {
		source_metric_u64(out, src, "ringside_sensor_clock_dropped_total",
		                  atomic_load(&s->clock_dropped));
		source_metric_u64(out, src, "ringside_sensor_clock_resets_total",
		                  sensor_clock_table_resets(s->clocks));
		sensor_clock_table_foreach(s->clocks, append_clock, &l);
	}
	g_mutex_unlock(&s->lock);
}

static const struct source_ops sensor_ops = {
        .start = sensor_src_start,
        .stop = sensor_src_stop,
        .free = sensor_src_free,
        .metrics = sensor_src_metrics,
        .bound_port = sensor_src_port,
};

/* Binds (and for TCP listens on) the socket now, so a port in use fails
 * source_new naming the source; batches are read once started. */
gboolean source_sensor_init(source *src, GError **err)
{
	const struct rs_source_conf *c = &src->conf;
	const char *host = c->listen_host ? c->listen_host : "0.0.0.0";
	gboolean tcp = c->transport == RS_TRANSPORT_TCP;
	struct sensor_src *s = g_new0(struct sensor_src, 1);
	g_autoptr(GSocketAddress) local = NULL;
	GError *berr = NULL;
	gboolean ok = FALSE;

	s->src = src;
	s->problems.what = "problems";
	s->notices.what = "connection notices";
	g_mutex_init(&s->lock);
	s->seq = sensor_seq_new();
	if (c->clock == RS_CLOCK_ESTIMATE)
		s->clocks = sensor_clock_table_new(c->name);
	if (!tcp)
		s->buf = g_malloc(SENSOR_MAX_DATAGRAM + 1);
	s->channels = (const char *const *)c->channels;
	src->priv = s;
	src->ops = &sensor_ops;

	s->sock = bind_socket(host, c->listen_port,
	                      tcp ? G_SOCKET_TYPE_STREAM : G_SOCKET_TYPE_DATAGRAM, &berr);
	if (s->sock)
		local = g_socket_get_local_address(s->sock, &berr);
	if (!local) {
		g_set_error(err, G_IO_ERROR, berr ? berr->code : G_IO_ERROR_FAILED,
		            "source %s: cannot listen on %s %s:%u: %s", c->name,
		            tcp ? "TCP" : "UDP", host, c->listen_port,
		            berr ? berr->message : "unknown error");
		g_clear_error(&berr);
		goto out;
	}
	s->port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(local));
	ok = TRUE;
out:
	if (!ok) {
		sensor_src_free(src);
		src->ops = NULL;
	}
	return ok;
}
