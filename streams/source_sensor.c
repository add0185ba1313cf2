/* Sensor sources: a UDP socket receiving ringside.v1.SensorBatch datagrams
 * (decoded and checked by sensor.c) on the main loop. A bad datagram is
 * counted and logged, rate-limited; the socket keeps serving. */
#include <gio/gio.h>
#include <sys/socket.h>

#include "streams/sensor.h"
#include "streams/source_internal.h"

/* Datagrams read per wakeup at most, so one busy sensor cannot starve the
 * loop. */
#define RECV_BURST 64
/* Bad datagrams and receive errors are logged at most this often (the
 * first one at once). */
#define LOG_EVERY_US (10 * G_TIME_SPAN_SECOND)
/* Receive buffer asked of the kernel (it may grant less). */
#define RCVBUF_BYTES (1024 * 1024)

/* One of these per sensor source. Used on the main loop, except the seq
 * table, which the metrics may read from elsewhere (under lock). */
struct sensor_src {
	source *src;
	GSocket *sock;
	guint16 port; /* bound */
	GSource *watch;
	guint8 *buf; /* SENSOR_MAX_DATAGRAM + 1: a fuller read was truncated */
	const char *const *channels;

	GMutex lock;
	sensor_seq *seq;

	atomic_uint_least64_t datagrams;
	atomic_uint_least64_t bad;
	atomic_uint_least64_t lost;

	gint64 last_log_us; /* monotonic; 0: nothing logged yet */
	guint64 unlogged;   /* problems since the last log line */
};

/* Logs MSG now if nothing was logged for LOG_EVERY_US (with how many
 * problems went unlogged since), else only counts it. */
static void log_limited(struct sensor_src *s, const char *msg)
{
	gint64 now = g_get_monotonic_time();

	s->unlogged++;
	if (s->last_log_us && now - s->last_log_us < LOG_EVERY_US)
		return;
	if (s->unlogged > 1)
		g_warning("%s (%" G_GUINT64_FORMAT " problems since the last report)", msg,
		          s->unlogged);
	else
		g_warning("%s", msg);
	s->last_log_us = now;
	s->unlogged = 0;
}

/* Decodes one datagram and pushes its samples, or counts and logs why it
 * was refused. */
static void handle_datagram(struct sensor_src *s, gsize len)
{
	const struct rs_source_conf *c = &s->src->conf;
	g_autoptr(GError) err = NULL;
	struct sensor_batch_meta meta;
	GPtrArray *samples;
	guint64 lost;

	atomic_fetch_add(&s->datagrams, 1);
	samples = sensor_batch_decode(c->name, s->buf, len, s->channels, c->n_channels,
	                              c->offset_ns, &meta, &err);
	if (!samples) {
		atomic_fetch_add(&s->bad, 1);
		log_limited(s, err->message);
		return;
	}
	g_mutex_lock(&s->lock);
	lost = sensor_seq_update(s->seq, meta.device, meta.seq);
	g_mutex_unlock(&s->lock);
	if (lost)
		atomic_fetch_add(&s->lost, lost);

	for (guint i = 0; i < samples->len; i++)
		source_push(s->src, rs_sample_ref(samples->pdata[i]));
	g_ptr_array_unref(samples);
}

/* Socket readable, on the main loop: reads up to RECV_BURST datagrams.
 * Never gives up on the socket: errors are counted and logged. */
static gboolean on_readable(GSocket *sock, GIOCondition cond, gpointer user)
{
	struct sensor_src *s = user;

	for (int i = 0; i < RECV_BURST; i++) {
		g_autoptr(GError) err = NULL;
		gssize n =
		        g_socket_receive(sock, (char *)s->buf, SENSOR_MAX_DATAGRAM + 1, NULL, &err);

		if (n < 0 && g_error_matches(err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
			break;
		if (n < 0) {
			g_autofree char *msg = g_strdup_printf("source %s: receive failed: %s",
			                                       s->src->conf.name, err->message);

			atomic_fetch_add(&s->src->errors, 1);
			log_limited(s, msg);
			break;
		}
		handle_datagram(s, (gsize)n);
	}
	return G_SOURCE_CONTINUE;
}

/* Resolves HOST (an address literal, or a name looked up once, blocking)
 * and binds a non-blocking UDP socket to HOST:PORT. Returns the socket or
 * NULL with ERR. */
static GSocket *bind_udp(const char *host, guint16 port, GError **err)
{
	g_autoptr(GInetAddress) addr = g_inet_address_new_from_string(host);
	g_autoptr(GSocketAddress) sa = NULL;
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
	sock = g_socket_new(g_inet_address_get_family(addr), G_SOCKET_TYPE_DATAGRAM,
	                    G_SOCKET_PROTOCOL_UDP, err);
	if (!sock)
		goto out;
	g_socket_set_blocking(sock, FALSE);
	/* a larger kernel queue rides out bursts; losses show as seq gaps */
	g_socket_set_option(sock, SOL_SOCKET, SO_RCVBUF, RCVBUF_BYTES, NULL);
	if (!g_socket_bind(sock, sa, FALSE, err))
		goto out;
	ret = g_steal_pointer(&sock);
out:
	g_clear_object(&sock);
	return ret;
}

static gboolean sensor_src_start(source *src, GError **err)
{
	struct sensor_src *s = src->priv;

	s->watch = g_socket_create_source(s->sock, G_IO_IN, NULL);
	g_source_set_callback(s->watch, G_SOURCE_FUNC(on_readable), s, NULL);
	g_source_attach(s->watch, g_main_context_get_thread_default());
	return TRUE;
}

/* Call on the thread that started it: no datagram is handled after it
 * returns. The socket stays bound (datagrams queue in the kernel). */
static void sensor_src_stop(source *src)
{
	struct sensor_src *s = src->priv;

	if (s->watch) {
		g_source_destroy(s->watch);
		g_clear_pointer(&s->watch, g_source_unref);
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
	g_mutex_clear(&s->lock);
	g_free(s);
	src->priv = NULL;
}

static guint16 sensor_src_port(const source *src)
{
	const struct sensor_src *s = src->priv;

	return s->port;
}

struct lost_ctx {
	GString *out;
	const source *src;
};

static void append_lost(const char *device, guint64 lost, void *user)
{
	struct lost_ctx *l = user;

	g_string_append(l->out, "ringside_sensor_lost_datagrams_total{source=\"");
	source_label_escape(l->out, source_name(l->src));
	g_string_append(l->out, "\",device=\"");
	source_label_escape(l->out, device);
	g_string_append_printf(l->out, "\"} %" G_GUINT64_FORMAT "\n", lost);
}

/* O(devices), at most 17 lines for the lost counts. */
static void sensor_src_metrics(source *src, GString *out)
{
	struct sensor_src *s = src->priv;
	struct lost_ctx l = {out, src};

	source_metric_u64(out, src, "ringside_sensor_datagrams_total", atomic_load(&s->datagrams));
	source_metric_u64(out, src, "ringside_sensor_bad_datagrams_total", atomic_load(&s->bad));
	g_mutex_lock(&s->lock);
	sensor_seq_foreach(s->seq, append_lost, &l);
	g_mutex_unlock(&s->lock);
}

static const struct source_ops sensor_ops = {
        .start = sensor_src_start,
        .stop = sensor_src_stop,
        .free = sensor_src_free,
        .metrics = sensor_src_metrics,
        .bound_port = sensor_src_port,
};

/* Binds the socket now, so a port in use fails source_new naming the
 * source; datagrams are read once started. */
gboolean source_sensor_init(source *src, GError **err)
{
	const struct rs_source_conf *c = &src->conf;
	const char *host = c->listen_host ? c->listen_host : "0.0.0.0";
	struct sensor_src *s = g_new0(struct sensor_src, 1);
	g_autoptr(GSocketAddress) local = NULL;
	GError *berr = NULL;
	gboolean ok = FALSE;

	s->src = src;
	g_mutex_init(&s->lock);
	s->seq = sensor_seq_new();
	s->buf = g_malloc(SENSOR_MAX_DATAGRAM + 1);
	s->channels = (const char *const *)c->channels;
	src->priv = s;
	src->ops = &sensor_ops;

	s->sock = bind_udp(host, c->listen_port, &berr);
	if (s->sock)
		local = g_socket_get_local_address(s->sock, &berr);
	if (!local) {
		g_set_error(err, G_IO_ERROR, berr ? berr->code : G_IO_ERROR_FAILED,
		            "source %s: cannot listen on UDP %s:%u: %s", c->name, host,
		            c->listen_port, berr ? berr->message : "unknown error");
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
