/* Unit tests for streams/source*.c with real GStreamer pipelines and real
 * UDP sockets on a GMainLoop: capture times, JPEG frames, 20 ms audio
 * chunks, sensor datagrams, refused pipelines and restarts. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <math.h>
#include <string.h>
#include <cmocka.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gst/gst.h>

#include "ringside.pb-c.h"
#include "streams/source.h"

#define MS (G_GINT64_CONSTANT(1000000))
#define SEC (1000 * MS)

static gint64 now_ns(void)
{
	return g_get_real_time() * 1000;
}

static ring *mk_ring(void)
{
	struct ring_limits lim = {60 * SEC, 64 << 20, 100000, RS_SAMPLE_OVERHEAD};

	return ring_new("test", &lim);
}

static guint ring_count(ring *r)
{
	struct ring_stats st;

	ring_get_stats(r, &st);
	return st.samples;
}

static struct rs_source_conf base_conf(const char *name, enum rs_kind kind)
{
	struct rs_source_conf c = {0};

	c.name = (char *)name;
	c.kind = kind;
	c.width = 160;
	c.height = 120;
	c.fps = 10;
	c.jpeg_quality = 75;
	c.sample_rate = 16000;
	c.queue_buffers = 8;
	c.ring_ns = 60 * SEC;
	c.ring_bytes = 64 << 20;
	return c;
}

/* The value of METRIC{source="..."...} in SRC's metrics text, or -1. */
static double metric(source *src, const char *name)
{
	g_autoptr(GString) out = g_string_new(NULL);
	g_autofree char *prefix = g_strdup_printf("%s{", name);
	g_auto(GStrv) lines = NULL;

	source_metrics_append(src, out);
	lines = g_strsplit(out->str, "\n", -1);
	for (char **l = lines; *l; l++) {
		if (g_str_has_prefix(*l, prefix)) {
			const char *sp = strrchr(*l, ' ');

			return sp ? g_ascii_strtod(sp + 1, NULL) : -1;
		}
	}
	return -1;
}

/* Runs a GMainLoop until DONE(USER) holds (checked every 10 ms) or
 * TIMEOUT_MS passes. Returns whether DONE held. */
struct wait {
	gboolean (*done)(void *user);
	void *user;
	GMainLoop *loop;
	gboolean ok;
	guint stop_id;
};

static gboolean wait_check(gpointer p)
{
	struct wait *w = p;

	if (w->done && w->done(w->user)) {
		w->ok = TRUE;
		g_main_loop_quit(w->loop);
	}
	return G_SOURCE_CONTINUE;
}

static gboolean wait_timeout(gpointer p)
{
	struct wait *w = p;

	w->stop_id = 0;
	g_main_loop_quit(w->loop);
	return G_SOURCE_REMOVE;
}

static gboolean run_until(gboolean (*done)(void *), void *user, guint timeout_ms)
{
	struct wait w = {done, user, g_main_loop_new(NULL, FALSE), FALSE, 0};
	guint check = g_timeout_add(10, wait_check, &w);

	w.stop_id = g_timeout_add(timeout_ms, wait_timeout, &w);
	g_main_loop_run(w.loop);
	g_source_remove(check);
	if (w.stop_id)
		g_source_remove(w.stop_id);
	g_main_loop_unref(w.loop);
	return w.ok;
}

struct count_wait {
	ring *r;
	guint n;
};

static gboolean ring_has(void *p)
{
	struct count_wait *c = p;

	return ring_count(c->r) >= c->n;
}

/* After stop, nothing more reaches the ring. */
static void assert_quiet_after_stop(source *src, ring *r)
{
	struct ring_stats a, b;

	source_stop(src);
	ring_get_stats(r, &a);
	run_until(NULL, NULL, 300);
	ring_get_stats(r, &b);
	assert_int_equal(a.pushed, b.pushed);
}

/* Checks JPEG frames in R: SOI/EOI markers, 100 ms spans, increasing
 * capture times within 1 s of now. Returns the count. */
static guint check_frames(ring *r, gint64 dur)
{
	g_autoptr(GPtrArray) a = ring_read_range(r, 0, G_MAXINT64);
	gint64 now = now_ns();

	for (guint i = 0; i < a->len; i++) {
		const rs_sample *s = a->pdata[i];
		gsize n;
		const guint8 *p = g_bytes_get_data(s->data, &n);

		assert_true(n > 4);
		assert_true(p[0] == 0xff && p[1] == 0xd8);
		assert_true(p[n - 2] == 0xff && p[n - 1] == 0xd9);
		assert_int_equal(s->dur_ns, dur);
		if (s->t_ns > now || now - s->t_ns > 2 * SEC)
			fail_msg("frame %u captured %.3f s before now", i,
			         (double)(now - s->t_ns) / SEC);
		if (i > 0)
			assert_true(s->t_ns > ((const rs_sample *)a->pdata[i - 1])->t_ns);
	}
	return a->len;
}

static void test_video_live(void **state)
{
	struct rs_source_conf c = base_conf("cam", RS_KIND_VIDEO);
	ring *r = mk_ring();
	g_autoptr(GError) err = NULL;
	struct count_wait w = {r, 10};
	gint64 start = now_ns();
	source *src;

	c.pipeline = "videotestsrc is-live=true";
	src = source_new(&c, r, &err);
	assert_null(err);
	assert_non_null(src);
	assert_string_equal(source_name(src), "cam");
	assert_int_equal(source_bound_port(src), 0);
	assert_true(source_start(src, &err));
	assert_true(run_until(ring_has, &w, 5000));

	{
		g_autoptr(GPtrArray) a = ring_read_range(r, 0, G_MAXINT64);
		const rs_sample *first = a->pdata[0];

		/* the first frame was captured after the source started */
		assert_true(first->t_ns >= start - 50 * MS);
	}
	assert_true(check_frames(r, 100 * MS) >= 10);
	/* capture-to-arrival delay is measured, small and positive */
	{
		double d = metric(src, "ringside_source_capture_delay_seconds");

		print_message("video capture->arrival delay: %.1f ms\n", d * 1000);
		assert_true(d > 0 && d < 1.0);
	}
	assert_true(metric(src, "ringside_source_samples_total") >= 10);
	assert_true(metric(src, "ringside_source_up") == 1);
	assert_true(metric(src, "ringside_source_errors_total") == 0);
	assert_true(metric(src, "ringside_source_dropped_total") == 0);
	assert_quiet_after_stop(src, r);
	source_free(src);
	ring_free(r);
}

static void test_audio_live(void **state)
{
	struct rs_source_conf c = base_conf("mic", RS_KIND_AUDIO);
	ring *r = mk_ring();
	g_autoptr(GError) err = NULL;
	struct count_wait w = {r, 25};
	source *src;

	c.pipeline = "audiotestsrc is-live=true wave=sine";
	src = source_new(&c, r, &err);
	assert_null(err);
	assert_true(source_start(src, &err));
	assert_true(run_until(ring_has, &w, 5000));
	{
		g_autoptr(GPtrArray) a = ring_read_range(r, 0, G_MAXINT64);
		gint64 now = now_ns();

		for (guint i = 0; i < a->len; i++) {
			const rs_sample *s = a->pdata[i];

			assert_int_equal(g_bytes_get_size(s->data), 640);
			assert_int_equal(s->dur_ns, 20 * MS);
			/* audiotestsrc pushes a buffer at its first sample's
			 * time: chunks may start up to one buffer (64 ms)
			 * ahead of now */
			assert_true(s->t_ns <= now + 100 * MS && now - s->t_ns < SEC);
			if (i > 0)
				assert_int_equal(s->t_ns,
				                 ((const rs_sample *)a->pdata[i - 1])->t_ns +
				                         20 * MS);
		}
		print_message(
		        "audio: last chunk ends %.1f ms before now\n",
		        (double)(now - ((const rs_sample *)a->pdata[a->len - 1])->t_ns - 20 * MS) /
		                MS);
	}
	assert_true(metric(src, "ringside_source_discontinuities_total") == 0);
	assert_quiet_after_stop(src, r);
	source_free(src);
	ring_free(r);
}

/* The configured offset moves every capture time. */
static void test_offset(void **state)
{
	struct rs_source_conf c = base_conf("late", RS_KIND_AUDIO);
	ring *r = mk_ring();
	g_autoptr(GError) err = NULL;
	struct count_wait w = {r, 3};
	source *src;

	c.pipeline = "audiotestsrc is-live=true";
	c.offset_ns = -3600 * SEC;
	src = source_new(&c, r, &err);
	assert_true(source_start(src, &err));
	assert_true(run_until(ring_has, &w, 5000));
	{
		g_autoptr(GPtrArray) a = ring_read_range(r, 0, G_MAXINT64);
		gint64 age = now_ns() - ((const rs_sample *)a->pdata[0])->t_ns;

		assert_true(age > 3600 * SEC && age < 3601 * SEC);
	}
	source_free(src);
	ring_free(r);
}

static GBytes *pack_batch(const char *device, guint64 seq, const char *const *channels,
                          guint n_channels, gint64 t0, guint n_samples)
{
	Ringside__V1__SensorBatch b = RINGSIDE__V1__SENSOR_BATCH__INIT;
	Ringside__V1__SensorSample ss[8];
	Ringside__V1__SensorSample *sp[8];
	float v[8][4];
	guint8 *buf;
	gsize len;

	b.device = (char *)device;
	b.seq = seq;
	b.channels = (char **)channels;
	b.n_channels = n_channels;
	for (guint i = 0; i < n_samples; i++) {
		ringside__v1__sensor_sample__init(&ss[i]);
		for (guint k = 0; k < n_channels; k++)
			v[i][k] = (float)(i * 10 + k) + 0.5f;
		ss[i].t_ns = t0 + i * 10 * MS;
		ss[i].n_values = n_channels;
		ss[i].values = v[i];
		sp[i] = &ss[i];
	}
	b.samples = sp;
	b.n_samples = n_samples;
	len = ringside__v1__sensor_batch__get_packed_size(&b);
	buf = g_malloc(len);
	ringside__v1__sensor_batch__pack(&b, buf);
	return g_bytes_new_take(buf, len);
}

static void send_to(GSocket *s, guint16 port, GBytes *b)
{
	g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) to = g_inet_socket_address_new(lo, port);
	g_autoptr(GError) err = NULL;
	gsize n;
	const char *p = g_bytes_get_data(b, &n);

	assert_int_equal(g_socket_send_to(s, to, p, n, NULL, &err), (gssize)n);
}

struct metric_wait {
	source *src;
	const char *name;
	double min;
};

static gboolean metric_at_least(void *p)
{
	struct metric_wait *m = p;

	return metric(m->src, m->name) >= m->min;
}

static gboolean metric_at_most(void *p)
{
	struct metric_wait *m = p;

	return metric(m->src, m->name) <= m->min;
}

static void test_sensor_udp(void **state)
{
	static const char *const ch[] = {"ax", "ay", "az", NULL};
	static const char *const wrong[] = {"ax", "ay", "bz", NULL};
	struct rs_source_conf c = base_conf("imu", RS_KIND_SENSOR);
	ring *r = mk_ring();
	g_autoptr(GError) err = NULL;
	g_autoptr(GSocket) tx = NULL;
	struct count_wait w = {r, 3};
	struct metric_wait mw;
	gint64 t0 = now_ns();
	guint16 port;
	source *src, *dup;

	c.listen_host = "127.0.0.1";
	c.listen_port = 0;
	c.channels = (char **)ch;
	c.n_channels = 3;
	c.offset_ns = 1000;
	src = source_new(&c, r, &err);
	assert_null(err);
	port = source_bound_port(src);
	assert_true(port > 0);
	assert_true(source_start(src, &err));

	/* the same port again is refused, naming the source */
	c.name = "imu2";
	c.listen_port = port;
	dup = source_new(&c, r, &err);
	assert_null(dup);
	assert_non_null(strstr(err->message, "source imu2: cannot listen on UDP 127.0.0.1:"));
	g_clear_error(&err);

	tx = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP,
	                  &err);
	assert_non_null(tx);
	{
		g_autoptr(GBytes) b = pack_batch("dev", 1, ch, 3, t0, 3);

		send_to(tx, port, b);
	}
	assert_true(run_until(ring_has, &w, 3000));
	{
		g_autoptr(GPtrArray) a = ring_read_range(r, 0, G_MAXINT64);

		assert_int_equal(a->len, 3);
		for (guint i = 0; i < 3; i++) {
			const rs_sample *s = a->pdata[i];
			gsize n;
			const float *v = g_bytes_get_data(s->data, &n);

			assert_int_equal(s->t_ns, t0 + i * 10 * MS + 1000);
			assert_int_equal(s->dur_ns, 0);
			assert_int_equal(n, 12);
			assert_true(v[0] == (float)(i * 10) + 0.5f &&
			            v[2] == (float)(i * 10 + 2) + 0.5f);
		}
	}

	/* a bad datagram is counted; the socket keeps serving */
	{
		g_autoptr(GBytes) bad = pack_batch("dev", 2, wrong, 3, t0, 1);
		g_autoptr(GBytes) junk = g_bytes_new_static("\x0f\xff", 2);
		g_autoptr(GBytes) good = pack_batch("dev", 6, ch, 3, t0 + SEC, 2);

		send_to(tx, port, bad);
		send_to(tx, port, junk);
		send_to(tx, port, good);
	}
	w.n = 5;
	assert_true(run_until(ring_has, &w, 3000));
	mw = (struct metric_wait){src, "ringside_sensor_bad_datagrams_total", 2};
	assert_true(run_until(metric_at_least, &mw, 3000));
	assert_true(metric(src, "ringside_sensor_datagrams_total") == 4);
	/* seq 1 then 6: 2 refused, 3, 4, 5 never came */
	assert_true(metric(src, "ringside_sensor_lost_datagrams_total") == 4);
	assert_true(metric(src, "ringside_source_samples_total") == 5);
	{
		g_autoptr(GString) out = g_string_new(NULL);

		source_metrics_append(src, out);
		assert_non_null(strstr(out->str,
		                       "ringside_sensor_lost_datagrams_total{source=\"imu\","
		                       "device=\"dev\"} 4\n"));
	}
	assert_quiet_after_stop(src, r);
	source_free(src);
	ring_free(r);
}

/* PAYLOAD (taken) preceded by its length as a varint: one TCP frame. */
static GBytes *delimited(GBytes *payload)
{
	gsize n;
	const guint8 *p = g_bytes_get_data(payload, &n);
	GByteArray *a = g_byte_array_new();
	gsize v = n;

	do {
		guint8 b = (guint8)(v & 0x7f);

		v >>= 7;
		if (v)
			b |= 0x80;
		g_byte_array_append(a, &b, 1);
	} while (v);
	g_byte_array_append(a, p, (guint)n);
	g_bytes_unref(payload);
	return g_byte_array_free_to_bytes(a);
}

static GSocket *tcp_connect(guint16 port)
{
	g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) to = g_inet_socket_address_new(lo, port);
	g_autoptr(GError) err = NULL;
	GSocket *s = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
	                          &err);

	assert_non_null(s);
	assert_true(g_socket_connect(s, to, NULL, &err));
	return s;
}

static void tcp_send(GSocket *s, const void *p, gsize n)
{
	g_autoptr(GError) err = NULL;

	assert_int_equal(g_socket_send(s, p, n, NULL, &err), (gssize)n);
}

static void tcp_send_bytes(GSocket *s, GBytes *b)
{
	gsize n;
	const void *p = g_bytes_get_data(b, &n);

	tcp_send(s, p, n);
}

/* TRUE once the peer closed the client socket P (EOF or reset). */
static gboolean peer_closed(void *p)
{
	g_autoptr(GError) err = NULL;
	char c;
	gssize n = g_socket_receive_with_blocking(p, &c, 1, FALSE, NULL, &err);

	return n == 0 || (n < 0 && !g_error_matches(err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK));
}

/* Frames split anywhere, several per read; a frame that breaks the framing
 * closes that connection only; a batch refused for its content does not. */
static void test_sensor_tcp(void **state)
{
	static const char *const ch[] = {"ax", "ay", "az", NULL};
	static const char *const wrong[] = {"ax", "ay", "bz", NULL};
	struct rs_source_conf c = base_conf("imu", RS_KIND_SENSOR);
	ring *r = mk_ring();
	g_autoptr(GError) err = NULL;
	struct count_wait w = {r, 6};
	struct metric_wait mw;
	gint64 t0 = now_ns();
	guint16 port;
	source *src, *dup;
	GSocket *a, *b, *d;

	c.listen_host = "127.0.0.1";
	c.channels = (char **)ch;
	c.n_channels = 3;
	c.transport = RS_TRANSPORT_TCP;
	src = source_new(&c, r, &err);
	assert_null(err);
	port = source_bound_port(src);
	assert_true(port > 0);
	assert_true(source_start(src, &err));

	c.name = "imu2";
	c.listen_port = port;
	dup = source_new(&c, r, &err);
	assert_null(dup);
	assert_non_null(strstr(err->message, "source imu2: cannot listen on TCP 127.0.0.1:"));
	g_clear_error(&err);

	/* two frames in one write, then one cut in two writes */
	a = tcp_connect(port);
	{
		g_autoptr(GBytes) f1 = delimited(pack_batch("dev", 1, ch, 3, t0, 3));
		g_autoptr(GBytes) f2 = delimited(pack_batch("dev", 2, ch, 3, t0 + SEC, 3));
		g_autoptr(GBytes) f3 = delimited(pack_batch("dev", 3, ch, 3, t0 + 2 * SEC, 2));
		g_autoptr(GByteArray) both = g_byte_array_new();
		gsize n1, n2, n3;
		const guint8 *p1 = g_bytes_get_data(f1, &n1), *p2 = g_bytes_get_data(f2, &n2);
		const guint8 *p3 = g_bytes_get_data(f3, &n3);

		g_byte_array_append(both, p1, (guint)n1);
		g_byte_array_append(both, p2, (guint)n2);
		tcp_send(a, both->data, both->len);
		assert_true(run_until(ring_has, &w, 3000));
		tcp_send(a, p3, 1); /* the length prefix alone, then half, then the rest */
		run_until(NULL, NULL, 50);
		tcp_send(a, p3 + 1, n3 / 2);
		run_until(NULL, NULL, 50);
		assert_int_equal(ring_count(r), 6);
		tcp_send(a, p3 + 1 + n3 / 2, n3 - 1 - n3 / 2);
		w.n = 8;
		assert_true(run_until(ring_has, &w, 3000));
	}
	{
		g_autoptr(GPtrArray) all = ring_read_range(r, 0, G_MAXINT64);

		assert_true(((const rs_sample *)all->pdata[7])->t_ns == t0 + 2 * SEC + 10 * MS);
	}

	/* an over-long length: that connection is closed */
	b = tcp_connect(port);
	tcp_send(b, "\xff\xff\xff\x0f", 4);
	assert_true(run_until(peer_closed, b, 3000));
	assert_true(metric(src, "ringside_sensor_framing_errors_total") == 1);
	g_object_unref(b);

	/* bytes that are not a SensorBatch: closed too */
	b = tcp_connect(port);
	tcp_send(b, "\x04\x0f\xff\xff\xff", 5);
	assert_true(run_until(peer_closed, b, 3000));
	assert_true(metric(src, "ringside_sensor_framing_errors_total") == 2);
	g_object_unref(b);

	/* wrong channels: refused and counted, the connection stays */
	d = tcp_connect(port);
	{
		g_autoptr(GBytes) bad = delimited(pack_batch("dev2", 1, wrong, 3, t0, 1));
		g_autoptr(GBytes) good = delimited(pack_batch("dev2", 2, ch, 3, t0 + 3 * SEC, 1));

		tcp_send_bytes(d, bad);
		tcp_send_bytes(d, good);
	}
	w.n = 9;
	assert_true(run_until(ring_has, &w, 3000));
	assert_false(peer_closed(d));

	/* the first connection carried on all along */
	{
		g_autoptr(GBytes) f = delimited(pack_batch("dev", 4, ch, 3, t0 + 4 * SEC, 1));

		tcp_send_bytes(a, f);
	}
	w.n = 10;
	assert_true(run_until(ring_has, &w, 3000));
	assert_true(metric(src, "ringside_sensor_bad_datagrams_total") == 2);
	assert_true(metric(src, "ringside_sensor_datagrams_total") == 7);
	assert_true(metric(src, "ringside_sensor_connections_total") == 4);
	assert_true(metric(src, "ringside_sensor_connections") == 2);
	assert_true(metric(src, "ringside_sensor_framing_errors_total") == 2);

	/* a closed peer leaves the count */
	g_socket_close(d, NULL);
	mw = (struct metric_wait){src, "ringside_sensor_connections", 1};
	assert_true(run_until(metric_at_most, &mw, 3000));

	assert_quiet_after_stop(src, r);
	assert_true(metric(src, "ringside_sensor_connections") == 0);
	g_object_unref(a);
	g_object_unref(d);
	source_free(src);
	ring_free(r);
}

/* clock = estimate: a device clock 1000 s behind is mapped onto the
 * timeline from arrival times; a batch far ahead of the estimate is
 * dropped, not put into the future. */
static void test_sensor_estimate(void **state)
{
	static const char *const ch[] = {"ax", NULL};
	struct rs_source_conf c = base_conf("imu", RS_KIND_SENSOR);
	ring *r = mk_ring();
	g_autoptr(GError) err = NULL;
	g_autoptr(GSocket) tx = NULL;
	struct count_wait w = {r, 0};
	struct metric_wait mw;
	const gint64 behind = 1000 * SEC;
	guint16 port;
	source *src;

	c.listen_host = "127.0.0.1";
	c.channels = (char **)ch;
	c.n_channels = 1;
	c.clock = RS_CLOCK_ESTIMATE;
	c.offset_ns = 2 * MS;
	src = source_new(&c, r, &err);
	assert_non_null(src);
	port = source_bound_port(src);
	assert_true(source_start(src, &err));
	tx = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP,
	                  &err);

	for (guint i = 0; i < 5; i++) {
		/* three readings, the newest captured now */
		gint64 sent = now_ns();
		g_autoptr(GBytes) b = pack_batch("dev", i + 1, ch, 1, sent - behind - 20 * MS, 3);

		send_to(tx, port, b);
		w.n += 3;
		assert_true(run_until(ring_has, &w, 3000));
		{
			g_autoptr(GPtrArray) a = ring_read_range(r, 0, G_MAXINT64);
			const rs_sample *newest = a->pdata[a->len - 1];
			const rs_sample *first = a->pdata[a->len - 3];
			gint64 late = newest->t_ns - sent;

			/* arrival (a loaded machine may take its time) + offset_ms */
			if (late < 2 * MS || late > 100 * MS)
				fail_msg("batch %u mapped %.3f ms after it was sent", i,
				         (double)late / MS);
			assert_true(newest->t_ns - first->t_ns == 20 * MS);
		}
		run_until(NULL, NULL, 20);
	}
	assert_true(fabs(metric(src, "ringside_sensor_clock_offset_seconds") - 1000) < 0.1);
	{
		g_autoptr(GString) out = g_string_new(NULL);

		source_metrics_append(src, out);
		assert_non_null(strstr(out->str,
		                       "ringside_sensor_clock_offset_seconds{source=\"imu\","
		                       "device=\"dev\"} 1000.0"));
		assert_non_null(strstr(out->str, "ringside_sensor_clock_drift_ppm{source=\"imu\","
		                                 "device=\"dev\"} "));
	}

	/* 100 s ahead of the estimate: dropped and counted */
	{
		g_autoptr(GBytes) b = pack_batch("dev", 6, ch, 1, now_ns() - behind + 100 * SEC, 1);

		send_to(tx, port, b);
	}
	mw = (struct metric_wait){src, "ringside_sensor_clock_dropped_total", 1};
	assert_true(run_until(metric_at_least, &mw, 3000));
	assert_int_equal(ring_count(r), 15);
	assert_true(metric(src, "ringside_sensor_bad_datagrams_total") == 0);
	assert_true(metric(src, "ringside_sensor_clock_resets_total") == 0);

	assert_quiet_after_stop(src, r);
	source_free(src);
	ring_free(r);
}

static void test_pipeline_refused(void **state)
{
	struct rs_source_conf c = base_conf("broken", RS_KIND_VIDEO);
	ring *r = mk_ring();
	g_autoptr(GError) err = NULL;

	c.pipeline = "this-element-does-not-exist";
	assert_null(source_new(&c, r, &err));
	assert_non_null(err);
	print_message("%s\n", err->message);
	assert_true(g_str_has_prefix(err->message, "source broken:"));
	assert_non_null(strstr(err->message, "this-element-does-not-exist"));
	ring_free(r);
}

/* A pipeline that fails when it starts is restarted with backoff
 * (0.5 s, 1 s, ...) and the rest carries on. */
static void test_runtime_error_restarts(void **state)
{
	struct rs_source_conf c = base_conf("gone", RS_KIND_VIDEO);
	ring *r = mk_ring();
	g_autoptr(GError) err = NULL;
	struct metric_wait mw;
	source *src;

	c.pipeline = "filesrc location=/nonexistent ! decodebin";
	src = source_new(&c, r, &err);
	assert_null(err);
	assert_true(source_start(src, &err));
	mw = (struct metric_wait){src, "ringside_source_restarts_total", 2};
	assert_true(run_until(metric_at_least, &mw, 5000));
	assert_true(metric(src, "ringside_source_errors_total") >= 2);
	assert_true(metric(src, "ringside_source_up") == 0);
	assert_true(metric(src, "ringside_source_backoff_seconds") >= 1.0);
	source_stop(src);
	assert_true(metric(src, "ringside_source_backoff_seconds") == 0);
	source_free(src);
	ring_free(r);
}

/* Writes a 1 s Matroska file with a video and an audio track. */
static void write_av_file(const char *path)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *desc = g_strdup(
	        "videotestsrc num-buffers=25 ! video/x-raw,framerate=25/1,width=320,height=240"
	        " ! jpegenc ! queue ! matroskamux name=m ! filesink name=f"
	        " audiotestsrc num-buffers=44 samplesperbuffer=1000 ! audio/x-raw,rate=44000"
	        " ! audioconvert ! flacenc ! queue ! m.");
	GstElement *p = gst_parse_launch(desc, &err);
	GstElement *f;
	GstBus *bus;
	GstMessage *msg;

	assert_non_null(p);
	f = gst_bin_get_by_name(GST_BIN(p), "f");
	g_object_set(f, "location", path, NULL);
	gst_object_unref(f);
	gst_element_set_state(p, GST_STATE_PLAYING);
	bus = gst_element_get_bus(p);
	msg = gst_bus_timed_pop_filtered(bus, 10 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
	assert_non_null(msg);
	assert_int_equal(GST_MESSAGE_TYPE(msg), GST_MESSAGE_EOS);
	gst_message_unref(msg);
	gst_object_unref(bus);
	gst_element_set_state(p, GST_STATE_NULL);
	gst_object_unref(p);
}

/* A file with both tracks through uri=: each source takes its own kind,
 * plays in real time (non-live: stamped as presented) and restarts at the
 * end. The path has a space and a quote to exercise the quoting. */
static void test_uri_file(void **state)
{
	g_autofree char *dir = g_dir_make_tmp("ringside-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "a \"b\".mkv", NULL);
	g_autofree char *uri = NULL;
	struct rs_source_conf vc = base_conf("filecam", RS_KIND_VIDEO);
	struct rs_source_conf ac = base_conf("filemic", RS_KIND_AUDIO);
	ring *vr = mk_ring(), *ar = mk_ring();
	g_autoptr(GError) err = NULL;
	struct metric_wait mw;
	source *v, *a;
	gint64 start = now_ns();

	write_av_file(path);
	uri = g_filename_to_uri(path, NULL, NULL);
	vc.uri = ac.uri = uri;
	v = source_new(&vc, vr, &err);
	assert_null(err);
	a = source_new(&ac, ar, &err);
	assert_null(err);
	assert_true(source_start(v, &err));
	assert_true(source_start(a, &err));
	mw = (struct metric_wait){v, "ringside_source_eos_total", 1};
	assert_true(run_until(metric_at_least, &mw, 5000));
	mw = (struct metric_wait){a, "ringside_source_eos_total", 1};
	assert_true(run_until(metric_at_least, &mw, 5000));
	{
		/* 1 s at 10 fps, spread over about 1 s of wall time */
		g_autoptr(GPtrArray) f = ring_read_range(vr, 0, G_MAXINT64);
		gint64 span;

		assert_true(check_frames(vr, 100 * MS) >= 9);
		span = ((const rs_sample *)f->pdata[f->len - 1])->t_ns -
		       ((const rs_sample *)f->pdata[0])->t_ns;
		assert_true(((const rs_sample *)f->pdata[0])->t_ns >= start);
		assert_true(span >= 800 * MS && span <= 1100 * MS);
	}
	{
		g_autoptr(GPtrArray) ch = ring_read_range(ar, 0, G_MAXINT64);

		assert_true(ch->len >= 45);
		for (guint i = 0; i < ch->len; i++)
			assert_int_equal(g_bytes_get_size(((const rs_sample *)ch->pdata[i])->data),
			                 640);
	}
	assert_true(metric(v, "ringside_source_errors_total") == 0);
	source_free(v);
	source_free(a);
	ring_free(vr);
	ring_free(ar);
	g_unlink(path);
	g_rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_video_live),
	        cmocka_unit_test(test_audio_live),
	        cmocka_unit_test(test_offset),
	        cmocka_unit_test(test_sensor_udp),
	        cmocka_unit_test(test_sensor_tcp),
	        cmocka_unit_test(test_sensor_estimate),
	        cmocka_unit_test(test_pipeline_refused),
	        cmocka_unit_test(test_runtime_error_restarts),
	        cmocka_unit_test(test_uri_file),
	};

	gst_init(NULL, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
