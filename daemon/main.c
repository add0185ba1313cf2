/* ringsided: reads the config, wires sources → rings → cutters → reviewers
 * → Redis on one GLib main loop, and shuts down without losing what was
 * acknowledged. */
#include <getopt.h>
#include <glib-unix.h>
#include <gst/gst.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "daemon/config.h"
#include "daemon/log.h"
#include "daemon/metrics.h"
#include "daemon/reload.h"
#include "daemon/server.h"
#include "feedback/preannot.h"
#include "feedback/preannot_reader.h"
#include "feedback/publisher.h"
#include "feedback/recovery.h"
#include "feedback/relay.h"
#include "feedback/review.h"
#include "feedback/spool.h"
#include "streams/ring.h"
#include "streams/source.h"
#include "streams/window.h"

#define TICK_MS 20            /* how often windows and deadlines are checked */
#define DRAIN_MS 3000         /* how long shutdown waits for Redis and sockets */
#define SENSOR_MAX_HZ 5000    /* ring sample cap for sensors: rate x seconds */
#define PUBLISH_INFLIGHT 4096 /* XADDs awaiting Redis, at most */

/* The running daemon: one of these per process. */
struct daemon {
	struct rs_config *cfg;
	GMainLoop *loop;
	ring **rings;     /* one per cfg->sources[i] */
	source **sources; /* one per cfg->sources[i] */
	cutter **cutters; /* one per cfg->groups[i] */
	reloader *reload; /* SIGHUP: restarts changed sources in place */
	publisher *pub;
	preannot *pa;           /* pre-annotations waiting for their window, or NULL */
	preannot_reader *pa_rd; /* reads them from Redis into pa, or NULL */
	spool *spool;   /* NULL without [spool] dir */
	recovery *rec;  /* open windows listed in the spool dir, or NULL */
	relay *relay;   /* Redis, else the spool; replays it */
	review *rv;
	server *srv;
	guint tick_id;
	gboolean stopping;
};

static void usage(FILE *out)
{
	fprintf(out, "usage: ringsided -c FILE [--check]\n"
		     "\n"
		     "Live multimodal labeling daemon: ingests the sources in FILE, cuts\n"
		     "time-aligned windows, serves them to reviewers and publishes their\n"
		     "labels to Redis Streams.\n"
		     "\n"
		     "  -c, --config FILE  configuration (GLib key file; see docs/configuration.md)\n"
		     "      --check        check the configuration and exit (0 good, 2 bad)\n"
		     "  -h, --help         this help\n"
		     "  -V, --version      print the version\n");
}

static guint ring_max_samples(const struct rs_source_conf *s)
{
	double secs = s->ring_ns / 1e9 + 1;

	switch (s->kind) {
	case RS_KIND_VIDEO:
		return (guint)(secs * s->fps * 2 + 16);
	case RS_KIND_AUDIO:
		return (guint)(secs * 50 * 2 + 16);
	case RS_KIND_SENSOR:
		break;
	}
	return (guint)(secs * SENSOR_MAX_HZ);
}

static void on_window(rs_window *w, void *user)
{
	struct daemon *d = user;
	if (!w->complete) {
		GString *late = g_string_new(NULL);
		for (guint i = 0; i < w->n_sources; i++) {
			if (!w->sources[i].complete)
				g_string_append_printf(late, "%s%s", late->len ? ", " : "",
						       w->sources[i].conf->name);
		}
		g_message("window %s cut incomplete: no data past its end from %s", w->id,
			  late->str);
		g_string_free(late, TRUE);
	}
	/* Before anything packs the window: it is immutable once handed on. */
	if (d->pa)
		preannot_attach(d->pa, w);
	review_add_window(w, d->rv);
}

static gboolean on_tick(gpointer user)
{
	struct daemon *d = user;
	gint64 now = g_get_real_time() * 1000;

	for (guint i = 0; i < d->cfg->n_groups; i++)
		cutter_poll(d->cutters[i], now);
	if (d->pa)
		preannot_tick(d->pa, now);
	review_tick(d->rv);
	relay_tick(d->relay);
	return G_SOURCE_CONTINUE;
}

static gboolean on_stop_signal(gpointer user)
{
	struct daemon *d = user;

	if (!d->stopping) {
		g_message("stopping (signal)");
		d->stopping = TRUE;
		g_main_loop_quit(d->loop);
	}
	return G_SOURCE_CONTINUE;
}

/* SIGHUP: re-reads the config file; sources whose settings changed are
 * restarted, everything else is logged if it needs a restart (reload.h). */
static gboolean on_hup(gpointer user)
{
	struct daemon *d = user;

	if (d->stopping) {
		g_message("SIGHUP ignored: stopping");
		return G_SOURCE_CONTINUE;
	}
	g_message("SIGHUP: reloading %s", d->cfg->path);
	reload_apply(d->reload);
	return G_SOURCE_CONTINUE;
}

static void metrics(GString *exposition, void *user)
{
	struct daemon *d = user;
	g_autoptr(GString) out = g_string_new(NULL);

	g_string_append_printf(out, "ringside_build_info{version=\"%s\"} 1\n", RINGSIDE_VERSION);
	for (guint i = 0; i < d->cfg->n_sources; i++) {
		struct ring_stats st;
		const char *name = d->cfg->sources[i].name;

		ring_get_stats(d->rings[i], &st);
		g_string_append_printf(
			out,
			"ringside_ring_samples{source=\"%s\"} %u\n"
			"ringside_ring_bytes{source=\"%s\"} %zu\n"
			"ringside_ring_bytes_limit{source=\"%s\"} %zu\n"
			"ringside_ring_pushed_total{source=\"%s\"} %" G_GUINT64_FORMAT "\n"
			"ringside_ring_aged_out_total{source=\"%s\"} %" G_GUINT64_FORMAT "\n"
			"ringside_ring_overflow_total{source=\"%s\"} %" G_GUINT64_FORMAT "\n"
			"ringside_ring_late_dropped_total{source=\"%s\"} %" G_GUINT64_FORMAT "\n"
			"ringside_ring_future_dropped_total{source=\"%s\"} %" G_GUINT64_FORMAT "\n",
			name, st.samples, name, st.bytes, name, d->cfg->sources[i].ring_bytes, name,
			st.pushed, name, st.aged_out, name, st.overflow, name, st.late_dropped, name,
			st.future_dropped);
		/* NULL only after a reload that could start it with neither
		 * its new nor its old settings */
		if (d->sources[i])
			source_metrics_append(d->sources[i], out);
	}
	for (guint i = 0; i < d->cfg->n_groups; i++)
		g_string_append_printf(out,
				       "ringside_windows_skipped_total{group=\"%s\"} %" G_GUINT64_FORMAT
				       "\n",
				       d->cfg->groups[i].name, cutter_skipped(d->cutters[i]));
	review_metrics_append(d->rv, out);
	publisher_metrics_append(d->pub, out);
	if (d->pa)
		preannot_metrics_append(d->pa, out);
	if (d->pa_rd)
		preannot_reader_metrics_append(d->pa_rd, out);
	relay_metrics_append(d->relay, out);
	metrics_format(out, exposition);
}

/* Runs the main context until DONE(user) or MS have passed. */
static void iterate_until(gboolean (*done)(void *), void *user, guint ms)
{
	gint64 until = g_get_monotonic_time() + (gint64)ms * 1000;

	while (!done(user) && g_get_monotonic_time() < until) {
		if (!g_main_context_iteration(NULL, FALSE))
			g_usleep(2000);
	}
}

static gboolean no_connections(void *user)
{
	return review_connections(user) == 0;
}

/* Builds everything from D->cfg. Returns FALSE with ERR naming the part. */
static gboolean daemon_start(struct daemon *d, GError **err)
{
	const struct rs_config *cfg = d->cfg;
	struct publisher_conf pc = {
		.host = cfg->redis_host,
		.port = cfg->redis_port,
		.maxlen = cfg->stream_maxlen,
		.max_inflight = PUBLISH_INFLIGHT,
		.user = cfg->redis_user,
		.password = cfg->redis_password,
	};
	struct lws_protocols ws;
	gint64 now = g_get_real_time() * 1000;

	d->pub = publisher_new(&pc, NULL);
	if (cfg->spool_dir) {
		struct spool_conf sc = {
			.dir = cfg->spool_dir,
			.max_bytes = cfg->spool_max_bytes,
			.segment_bytes = cfg->spool_segment_bytes,
		};

		d->spool = spool_new(&sc, NULL, err);
		if (!d->spool)
			return FALSE;
		d->rec = recovery_new(cfg->spool_dir, NULL, err);
		if (!d->rec)
			return FALSE;
	}
	d->relay = relay_new(d->pub, d->spool);
	d->rv = review_new(cfg, d->pub);
	/* Before any window: Expired records for what a crash left open
	 * queue behind the spooled records. */
	review_set_durable(d->rv, d->relay, d->rec);
	ws = review_protocol(d->rv);
	d->srv = server_new(cfg, d->loop, &ws, metrics, d, err);
	if (!d->srv)
		return FALSE;

	d->rings = g_new0(ring *, cfg->n_sources);
	d->sources = g_new0(source *, cfg->n_sources);
	for (guint i = 0; i < cfg->n_sources; i++) {
		const struct rs_source_conf *s = &cfg->sources[i];
		struct ring_limits lim = {
			.max_ns = s->ring_ns,
			.max_bytes = s->ring_bytes,
			.max_samples = ring_max_samples(s),
			.sample_overhead = RS_SAMPLE_OVERHEAD,
		};

		d->rings[i] = ring_new(s->name, &lim);
		d->sources[i] = source_new(s, d->rings[i], err);
		if (!d->sources[i])
			return FALSE;
	}
	if (cfg->preannotation_stream) {
		struct preannot_reader_conf prc = {
			.host = cfg->redis_host,
			.port = cfg->redis_port,
			.stream = cfg->preannotation_stream,
			.user = cfg->redis_user,
			.password = cfg->redis_password,
		};

		/* The same start as the cutters below: earlier windows are never cut. */
		d->pa = preannot_new(cfg->groups, cfg->n_groups, cfg->max_message_bytes, now);
		d->pa_rd = preannot_reader_new(&prc, d->pa, NULL);
	}
	d->cutters = g_new0(cutter *, cfg->n_groups);
	for (guint i = 0; i < cfg->n_groups; i++) {
		const struct rs_group_conf *g = &cfg->groups[i];
		g_autofree ring **rings = g_new0(ring *, g->n_sources);

		for (guint k = 0; k < g->n_sources; k++)
			rings[k] = d->rings[g->sources[k] - cfg->sources];
		d->cutters[i] = cutter_new(g, rings, now, on_window, d);
	}
	for (guint i = 0; i < cfg->n_sources; i++) {
		if (!source_start(d->sources[i], err))
			return FALSE;
	}
	d->reload = reloader_new(d->cfg, d->rings, d->sources);
	d->tick_id = g_timeout_add(TICK_MS, on_tick, d);
	return TRUE;
}

/* Stops ingest, lets in-flight publishes finish and their acks go out,
 * closes every socket with 1001, expires what was waiting, and frees. */
static void daemon_stop(struct daemon *d)
{
	const struct rs_config *cfg = d->cfg;

	sd_notify(0, "STOPPING=1");
	g_clear_handle_id(&d->tick_id, g_source_remove);
	for (guint i = 0; d->sources && i < cfg->n_sources; i++) {
		if (d->sources[i])
			source_stop(d->sources[i]);
	}
	/* No window is cut from here on: pre-annotations are of no more use. */
	g_clear_pointer(&d->pa_rd, preannot_reader_free);
	/* Labels on their way to Redis are stored and acknowledged first. */
	if (d->pub)
		publisher_drain(d->pub, DRAIN_MS);
	if (d->rv && d->srv) {
		review_close_all(d->rv);
		iterate_until(no_connections, d->rv, DRAIN_MS);
	}
	/* No socket callback after this: connections still open (peers that
	 * do not read) are closed here, while the review state is alive. */
	g_clear_pointer(&d->srv, server_free);
	/* Windows still waiting or assigned leave with "shutdown" records. */
	if (d->rv)
		review_expire_all(d->rv);
	if (d->pub)
		publisher_drain(d->pub, DRAIN_MS);
	/* Answers every publish still pending (with an error) while the review
	 * state its callbacks point to is alive. */
	g_clear_pointer(&d->pub, publisher_free);
	/* What Redis gave back went to the spool: its fsync runs here and its
	 * callbacks reach the review state, still alive. */
	if (d->spool)
		spool_flush(d->spool);
	g_clear_pointer(&d->relay, relay_free);
	g_clear_pointer(&d->spool, spool_free);
	g_clear_pointer(&d->rv, review_free);
	g_clear_pointer(&d->rec, recovery_free);
	g_clear_pointer(&d->pa, preannot_free);
	for (guint i = 0; d->cutters && i < cfg->n_groups; i++)
		g_clear_pointer(&d->cutters[i], cutter_free);
	for (guint i = 0; d->sources && i < cfg->n_sources; i++)
		g_clear_pointer(&d->sources[i], source_free);
	for (guint i = 0; d->rings && i < cfg->n_sources; i++)
		g_clear_pointer(&d->rings[i], ring_free);
	/* after every window and source: they may point into reloaded configs */
	g_clear_pointer(&d->reload, reloader_free);
	g_free(d->cutters);
	g_free(d->sources);
	g_free(d->rings);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"check", no_argument, NULL, 'k'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{0},
	};
	struct daemon d = {0};
	const char *path = NULL;
	gboolean check_only = FALSE;
	GError *err = NULL;
	int opt, rc = 0;

	while ((opt = getopt_long(argc, argv, "c:hV", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			path = optarg;
			break;
		case 'k':
			check_only = TRUE;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("ringsided %s\n", RINGSIDE_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!path || optind != argc) {
		usage(stderr);
		return 2;
	}
	log_init();
	d.cfg = config_load(path, &err);
	if (!d.cfg) {
		fprintf(stderr, "ringsided: %s\n", err->message);
		g_error_free(err);
		return 2;
	}
	if (check_only) {
		printf("%s: ok (%u sources, %u groups, %u reviewers)\n", path, d.cfg->n_sources,
		       d.cfg->n_groups, d.cfg->n_reviewers);
		config_free(d.cfg);
		return 0;
	}
	gst_init(NULL, NULL);
	signal(SIGPIPE, SIG_IGN);
	d.loop = g_main_loop_new(NULL, FALSE);
	if (!daemon_start(&d, &err)) {
		fprintf(stderr, "ringsided: %s: %s\n", path, err->message);
		g_clear_error(&err);
		rc = 2;
		goto out;
	}
	g_unix_signal_add(SIGINT, on_stop_signal, &d);
	g_unix_signal_add(SIGTERM, on_stop_signal, &d);
	g_unix_signal_add(SIGHUP, on_hup, &d);
	g_message("ringsided %s listening on %s://%s:%d/ (%u sources, %u groups, %u reviewers)",
		  RINGSIDE_VERSION, d.cfg->tls_cert ? "https" : "http", d.cfg->listen_host,
		  server_port(d.srv), d.cfg->n_sources,
		  d.cfg->n_groups, d.cfg->n_reviewers);
	sd_notifyf(0, "READY=1\nSTATUS=listening on %s:%d", d.cfg->listen_host,
		   server_port(d.srv));
	g_main_loop_run(d.loop);
out:
	daemon_stop(&d);
	g_main_loop_unref(d.loop);
	config_free(d.cfg);
	if (!rc)
		g_message("stopped");
	return rc;
}
