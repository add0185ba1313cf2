/* ringside-scene: a live synthetic scene whose events are seen, heard and felt
 * at the same wall-clock instant, with a truth file giving the right answer. */
#include "scene.h"

#include <errno.h>
#include <getopt.h>
#include <glib-unix.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PROG "ringside-scene"

/* Video: raw frames to JPEG over RTP (payload 26). Audio: S16 to RTP L16
 * (payload 96). Both sinks are synchronised to the pipeline's realtime clock,
 * so every buffer leaves at the wall-clock instant it depicts. */
static const char PIPELINE[] =
        "appsrc name=video is-live=true format=time do-timestamp=false ! videoconvert ! jpegenc "
        "! rtpjpegpay ! udpsink name=video_sink sync=true async=false processing-deadline=0 "
        "appsrc name=audio is-live=true format=time do-timestamp=false ! audioconvert "
        "! rtpL16pay ! udpsink name=audio_sink sync=true async=false processing-deadline=0";

/* The main loop's state: how it ended. */
struct scene_main {
	GMainLoop *loop;
	int rc;
};

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: " PROG " --video HOST:PORT --audio HOST:PORT --sensor HOST:PORT [options]\n"
	        "\n"
	        "Sends a live synthetic scene: RTP/JPEG video, RTP/L16 audio and\n"
	        "ringside.v1.SensorBatch UDP datagrams. Events (\"square\" or \"circle\", 600 ms)\n"
	        "show in all three at the same wall-clock instant; each is written as a\n"
	        "JSON line to the truth file when it starts.\n"
	        "\n"
	        "  --video HOST:PORT   where to send RTP/JPEG video (payload 26)\n"
	        "  --audio HOST:PORT   where to send RTP/L16 mono audio (payload 96)\n"
	        "  --sensor HOST:PORT  where to send SensorBatch datagrams "
	        "(accel_x,accel_y,accel_z)\n"
	        "  --truth FILE        event log, one JSON line per event (default: stdout)\n"
	        "  --seed N            event sequence seed (default: from the clock, logged)\n"
	        "  --mean-gap S        mean seconds between event starts, >= 1.5 (default 5)\n"
	        "  --duration S        exit after S seconds (default: run until SIGINT/SIGTERM)\n"
	        "  --width N --height N --fps N   video size and rate (default 320x240 at 15)\n"
	        "  --rate N            audio sample rate, a multiple of 50 (default 16000)\n"
	        "  --help              this text\n");
}

/* Splits "HOST:PORT" (or "[V6]:PORT") into a new string *HOST and *PORT.
 * Returns 0, or -1 with the reason in *WHY. */
static int parse_hostport(const char *arg, char **host, guint *port, const char **why)
{
	const char *colon = strrchr(arg, ':');
	const char *h = arg;
	size_t hlen;
	char *end;
	unsigned long p;

	if (!colon) {
		*why = "expected HOST:PORT";
		return -1;
	}
	hlen = colon - arg;
	if (hlen >= 2 && arg[0] == '[' && arg[hlen - 1] == ']') {
		h = arg + 1;
		hlen -= 2;
	}
	if (hlen == 0) {
		*why = "empty host";
		return -1;
	}
	errno = 0;
	p = strtoul(colon + 1, &end, 10);
	if (errno || end == colon + 1 || *end || p == 0 || p > 65535) {
		*why = "port must be 1-65535";
		return -1;
	}
	*host = g_strndup(h, hlen);
	*port = (guint)p;
	return 0;
}

/* Parses a whole decimal number in [MIN, MAX]. Returns 0 or -1. */
static int parse_double(const char *arg, double min, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !(v >= min && v <= max))
		return -1;
	*out = v;
	return 0;
}

/* Parses the command line into OPTS. Returns 0, 1 after --help, or -1 after
 * saying what is wrong. */
static int parse_args(int argc, char **argv, struct scene_opts *opts)
{
	enum {
		OPT_VIDEO = 256,
		OPT_AUDIO,
		OPT_SENSOR,
		OPT_TRUTH,
		OPT_SEED,
		OPT_MEAN_GAP,
		OPT_DURATION,
		OPT_WIDTH,
		OPT_HEIGHT,
		OPT_FPS,
		OPT_RATE
	};
	static const struct option longopts[] = {
	        {"video", required_argument, NULL, OPT_VIDEO},
	        {"audio", required_argument, NULL, OPT_AUDIO},
	        {"sensor", required_argument, NULL, OPT_SENSOR},
	        {"truth", required_argument, NULL, OPT_TRUTH},
	        {"seed", required_argument, NULL, OPT_SEED},
	        {"mean-gap", required_argument, NULL, OPT_MEAN_GAP},
	        {"duration", required_argument, NULL, OPT_DURATION},
	        {"width", required_argument, NULL, OPT_WIDTH},
	        {"height", required_argument, NULL, OPT_HEIGHT},
	        {"fps", required_argument, NULL, OPT_FPS},
	        {"rate", required_argument, NULL, OPT_RATE},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	gboolean seed_set = FALSE;
	const char *why = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		const char *name = c >= OPT_VIDEO ? longopts[c - OPT_VIDEO].name : "";
		double v = 0;
		char *end;

		switch (c) {
		case OPT_VIDEO:
			g_clear_pointer(&opts->video_host, g_free);
			if (parse_hostport(optarg, &opts->video_host, &opts->video_port, &why))
				goto bad;
			break;
		case OPT_AUDIO:
			g_clear_pointer(&opts->audio_host, g_free);
			if (parse_hostport(optarg, &opts->audio_host, &opts->audio_port, &why))
				goto bad;
			break;
		case OPT_SENSOR:
			g_clear_pointer(&opts->sensor_host, g_free);
			if (parse_hostport(optarg, &opts->sensor_host, &opts->sensor_port, &why))
				goto bad;
			break;
		case OPT_TRUTH:
			g_free(opts->truth_path);
			opts->truth_path = g_strdup(optarg);
			break;
		case OPT_SEED:
			errno = 0;
			opts->seed = g_ascii_strtoull(optarg, &end, 10);
			if (errno || end == optarg || *end || optarg[0] == '-') {
				why = "expected a number 0-18446744073709551615";
				goto bad;
			}
			seed_set = TRUE;
			break;
		case OPT_MEAN_GAP:
			why = "expected seconds, 1.5-3600";
			if (parse_double(optarg, 1.5, 3600, &opts->mean_gap_s))
				goto bad;
			break;
		case OPT_DURATION:
			why = "expected seconds, 0-1000000 (0: forever)";
			if (parse_double(optarg, 0, 1e6, &opts->duration_s))
				goto bad;
			break;
		case OPT_WIDTH:
		case OPT_HEIGHT:
			why = "expected 16-4096 pixels";
			if (parse_double(optarg, 16, 4096, &v) || v != (int)v)
				goto bad;
			*(c == OPT_WIDTH ? &opts->width : &opts->height) = (int)v;
			break;
		case OPT_FPS:
			why = "expected 1-120 frames per second";
			if (parse_double(optarg, 1, 120, &v) || v != (int)v)
				goto bad;
			opts->fps = (int)v;
			break;
		case OPT_RATE:
			why = "expected 8000-192000 Hz, a multiple of 50 (20 ms chunks)";
			if (parse_double(optarg, 8000, 192000, &v) || v != (int)v || (int)v % 50)
				goto bad;
			opts->rate = (int)v;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return -1;
		}
		continue;
	bad:
		fprintf(stderr, PROG ": --%s %s: %s\n", name, optarg, why);
		return -1;
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument \"%s\"\n", argv[optind]);
		return -1;
	}
	if (!opts->video_host || !opts->audio_host || !opts->sensor_host) {
		fprintf(stderr, PROG ": --video, --audio and --sensor are required (see --help)\n");
		return -1;
	}
	if (!seed_set)
		opts->seed = (guint64)g_get_real_time() ^ ((guint64)getpid() << 32);
	return 0;
}

/* Resolves the destination given to --OPT into ADDR (may be NULL: only
 * checks it). Returns 0, or -1 after saying why. */
static int resolve(const char *opt, const char *host, guint port, struct sockaddr_storage *addr,
                   socklen_t *addrlen)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM};
	struct addrinfo *ai = NULL;
	char service[8];
	int err;

	g_snprintf(service, sizeof(service), "%u", port);
	err = getaddrinfo(host, service, &hints, &ai);
	if (err) {
		fprintf(stderr, PROG ": --%s %s:%s: %s\n", opt, host, service, gai_strerror(err));
		return -1;
	}
	if (addr) {
		memcpy(addr, ai->ai_addr, ai->ai_addrlen);
		*addrlen = ai->ai_addrlen;
	}
	freeaddrinfo(ai);
	return 0;
}

/* Checks every destination and opens the sensor's UDP socket into RUN.
 * Returns 0, or -1 after saying why. */
static int destinations_open(struct scene_run *run)
{
	const struct scene_opts *opts = run->opts;

	if (resolve("video", opts->video_host, opts->video_port, NULL, NULL) ||
	    resolve("audio", opts->audio_host, opts->audio_port, NULL, NULL) ||
	    resolve("sensor", opts->sensor_host, opts->sensor_port, &run->sensor_addr,
	            &run->sensor_addrlen))
		return -1;
	run->sensor_fd = socket(run->sensor_addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (run->sensor_fd < 0) {
		fprintf(stderr, PROG ": sensor socket: %s\n", g_strerror(errno));
		return -1;
	}
	return 0;
}

/* Truth thread: writes each event as a JSON line and flushes it the moment
 * the event starts. A write error is reported once; the scene goes on. */
static gpointer truth_run(gpointer data)
{
	struct scene_run *run = data;
	struct scene_events *events = scene_events_new(run->opts, run->begin_ns);
	gboolean failed = FALSE;

	for (;;) {
		const struct scene_event *e = scene_events_peek(events);

		if (!scene_sleep_until(e->start_ns, &run->stop))
			break;
		/* Woken more than SCENE_SKIP_NS late (a stall or a clock step):
		 * the streams skipped past this event too, so it is not shown. */
		if (scene_now_ns() - e->start_ns > (gint64)SCENE_SKIP_NS) {
			scene_events_advance(events);
			continue;
		}
		if (!failed && (fprintf(run->truth,
		                        "{\"class\":\"%s\",\"start_ns\":%" G_GINT64_FORMAT
		                        ",\"end_ns\":%" G_GINT64_FORMAT "}\n",
		                        scene_class_name(e->cls), e->start_ns, e->end_ns) < 0 ||
		                fflush(run->truth) != 0)) {
			fprintf(stderr, PROG ": truth: %s\n", g_strerror(errno));
			failed = TRUE;
		}
		scene_events_advance(events);
	}
	scene_events_free(events);
	return NULL;
}

/* Bus watch: an error from any element ends the run with status 1. */
static gboolean on_bus(GstBus *bus, GstMessage *msg, gpointer data)
{
	struct scene_main *m = data;
	GError *err = NULL;
	gchar *debug = NULL;

	switch (GST_MESSAGE_TYPE(msg)) {
	case GST_MESSAGE_ERROR:
		gst_message_parse_error(msg, &err, &debug);
		fprintf(stderr, PROG ": %s: %s (%s)\n", GST_OBJECT_NAME(msg->src), err->message,
		        debug ? debug : "no details");
		m->rc = 1;
		g_main_loop_quit(m->loop);
		break;
	case GST_MESSAGE_WARNING:
		gst_message_parse_warning(msg, &err, &debug);
		fprintf(stderr, PROG ": %s: warning: %s (%s)\n", GST_OBJECT_NAME(msg->src),
		        err->message, debug ? debug : "no details");
		break;
	default:
		break;
	}
	g_clear_error(&err);
	g_free(debug);
	return G_SOURCE_CONTINUE;
}

/* SIGINT, SIGTERM and the end of --duration: a normal exit (status 0). */
static gboolean on_quit(gpointer data)
{
	struct scene_main *m = data;

	g_main_loop_quit(m->loop);
	return G_SOURCE_REMOVE;
}

/* Builds the media pipeline on a realtime clock and fills RUN's appsrcs.
 * Returns the pipeline (not yet playing), or NULL after saying why. */
static GstElement *pipeline_new(struct scene_run *run)
{
	const struct scene_opts *opts = run->opts;
	GError *err = NULL;
	GstElement *pipeline = gst_parse_launch(PIPELINE, &err);
	GstElement *el = NULL;
	GstCaps *caps = NULL;
	GstClock *clock = NULL;

	if (err) { /* a recoverable error still returns a pipeline */
		fprintf(stderr, PROG ": pipeline: %s\n", err->message);
		g_clear_pointer(&pipeline, gst_object_unref);
		goto out;
	}
	clock = g_object_new(GST_TYPE_SYSTEM_CLOCK, "clock-type", GST_CLOCK_TYPE_REALTIME, NULL);
	gst_pipeline_use_clock(GST_PIPELINE(pipeline), clock);

	caps = gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING, "I420", "width",
	                           G_TYPE_INT, opts->width, "height", G_TYPE_INT, opts->height,
	                           "framerate", GST_TYPE_FRACTION, opts->fps, 1, NULL);
	el = gst_bin_get_by_name(GST_BIN(pipeline), "video");
	/* a second of raw frames: far more than SCENE_AHEAD_NS keeps queued */
	g_object_set(el, "caps", caps, "max-bytes",
	             (guint64)opts->width * opts->height * 3 / 2 * (opts->fps + 4), NULL);
	run->video_src = GST_APP_SRC(el);
	gst_caps_unref(caps);

	caps = gst_caps_new_simple("audio/x-raw", "format", G_TYPE_STRING, "S16LE", "rate",
	                           G_TYPE_INT, opts->rate, "channels", G_TYPE_INT, 1, "layout",
	                           G_TYPE_STRING, "interleaved", NULL);
	el = gst_bin_get_by_name(GST_BIN(pipeline), "audio");
	g_object_set(el, "caps", caps, NULL);
	run->audio_src = GST_APP_SRC(el);
	gst_caps_unref(caps);
	caps = NULL;

	el = gst_bin_get_by_name(GST_BIN(pipeline), "video_sink");
	g_object_set(el, "host", opts->video_host, "port", (gint)opts->video_port, NULL);
	gst_object_unref(el);
	el = gst_bin_get_by_name(GST_BIN(pipeline), "audio_sink");
	g_object_set(el, "host", opts->audio_host, "port", (gint)opts->audio_port, NULL);
	gst_object_unref(el);
out:
	if (clock)
		gst_object_unref(clock);
	g_clear_error(&err);
	return pipeline;
}

int main(int argc, char **argv)
{
	struct scene_opts opts = {
	        .mean_gap_s = 5.0,
	        .width = 320,
	        .height = 240,
	        .fps = 15,
	        .rate = 16000,
	};
	struct scene_run run = {.opts = &opts, .sensor_fd = -1};
	struct scene_main m = {0};
	GstElement *pipeline = NULL;
	GstClock *clock = NULL;
	GstBus *bus = NULL;
	GThread *threads[4] = {NULL};
	guint watch = 0;
	int rc = 2;

	signal(SIGPIPE, SIG_IGN);
	gst_init(NULL, NULL);
	switch (parse_args(argc, argv, &opts)) {
	case 1:
		rc = 0;
		goto out;
	case 0:
		break;
	default:
		goto out;
	}
	rc = 1;
	run.truth = opts.truth_path ? fopen(opts.truth_path, "w") : stdout;
	if (!run.truth) {
		fprintf(stderr, PROG ": --truth %s: %s\n", opts.truth_path, g_strerror(errno));
		goto out;
	}
	if (destinations_open(&run))
		goto out;
	pipeline = pipeline_new(&run);
	if (!pipeline)
		goto out;

	/* Fix the base time ourselves so that base + PTS is the wall-clock
	 * instant of every buffer, and start the grids a little later so the
	 * first buffers are not already late. */
	clock = gst_pipeline_get_clock(GST_PIPELINE(pipeline));
	run.base_ns = gst_clock_get_time(clock);
	run.begin_ns = run.base_ns + 2 * SCENE_AHEAD_NS;
	gst_element_set_start_time(pipeline, GST_CLOCK_TIME_NONE);
	gst_element_set_base_time(pipeline, run.base_ns);

	m.loop = g_main_loop_new(NULL, FALSE);
	g_unix_signal_add(SIGINT, on_quit, &m);
	g_unix_signal_add(SIGTERM, on_quit, &m);
	bus = gst_pipeline_get_bus(GST_PIPELINE(pipeline));
	watch = gst_bus_add_watch(bus, on_bus, &m);
	if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
		fprintf(stderr, PROG ": pipeline: cannot start (see the messages above)\n");
		goto out;
	}
	fprintf(stderr,
	        PROG ": video %s:%u, audio %s:%u, sensor %s:%u, seed %" G_GUINT64_FORMAT
	             ", begin_ns %" G_GINT64_FORMAT "\n",
	        opts.video_host, opts.video_port, opts.audio_host, opts.audio_port,
	        opts.sensor_host, opts.sensor_port, opts.seed, run.begin_ns);

	threads[0] = g_thread_new("video", scene_video_run, &run);
	threads[1] = g_thread_new("audio", scene_audio_run, &run);
	threads[2] = g_thread_new("sensor", scene_sensor_run, &run);
	threads[3] = g_thread_new("truth", truth_run, &run);

	if (opts.duration_s > 0)
		g_timeout_add((guint)(opts.duration_s * 1000), on_quit, &m);
	m.rc = 0;
	g_main_loop_run(m.loop);
	rc = m.rc;
out:
	g_atomic_int_set(&run.stop, 1);
	for (size_t i = 0; i < G_N_ELEMENTS(threads); i++) {
		if (threads[i])
			g_thread_join(threads[i]);
	}
	if (pipeline)
		gst_element_set_state(pipeline, GST_STATE_NULL);
	if (watch)
		g_source_remove(watch);
	if (bus)
		gst_object_unref(bus);
	if (clock)
		gst_object_unref(clock);
	if (run.video_src)
		gst_object_unref(run.video_src);
	if (run.audio_src)
		gst_object_unref(run.audio_src);
	if (pipeline)
		gst_object_unref(pipeline);
	if (m.loop)
		g_main_loop_unref(m.loop);
	if (run.sensor_fd >= 0)
		close(run.sensor_fd);
	if (run.truth && run.truth != stdout)
		fclose(run.truth);
	g_free(opts.video_host);
	g_free(opts.audio_host);
	g_free(opts.sensor_host);
	g_free(opts.truth_path);
	return rc;
}
