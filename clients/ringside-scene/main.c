/* ringside-scene: a live synthetic scene whose events are seen, heard and felt
 * at the same wall-clock instant, with a truth file giving the right answer. */
#include "scene.h"

#include <errno.h>
#include <getopt.h>
#include <glib-unix.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PROG "ringside-scene"

/* Video: raw frames to JPEG over RTP (payload 26). Audio: S16 to RTP L16
 * (payload 96). Both sinks are synchronised to the pipeline's realtime clock,
 * so every buffer leaves at the wall-clock instant it depicts (plus
 * --delay-ms, the sinks' ts-offset). With --rtcp each stream is an rtpbin
 * session whose sender reports map RTP time to the capture time. */
static const char VIDEO_BRANCH[] =
        "appsrc name=video is-live=true format=time do-timestamp=false ! videoconvert ! jpegenc "
        "! rtpjpegpay ";
static const char AUDIO_BRANCH[] =
        "appsrc name=audio is-live=true format=time do-timestamp=false ! audioconvert "
        "! rtpL16pay ";
static const char RTP_SINK[] = "multiudpsink sync=true async=false processing-deadline=0";
static const char RTCP_SINK[] = "multiudpsink sync=false async=false";

/* The main loop's state: how it ended. */
struct scene_main {
	GMainLoop *loop;
	int rc;
};

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: " PROG " [--video DEST] [--audio DEST] [--sensor DEST] [options]\n"
	        "\n"
	        "Sends a live synthetic scene: RTP/JPEG video, RTP/L16 audio and\n"
	        "ringside.v1.SensorBatch UDP datagrams. Events (\"square\" or \"circle\", 600 ms)\n"
	        "show in all three at the same wall-clock instant; each is written as a\n"
	        "JSON line to the truth file when it starts. Only the outputs given are\n"
	        "sent (at least one). DEST is HOST:PORT, or several separated by commas\n"
	        "(the same packets go to each, up to %d).\n"
	        "\n"
	        "  --video DEST        where to send RTP/JPEG video (payload 26)\n"
	        "  --audio DEST        where to send RTP/L16 mono audio (payload 96)\n"
	        "  --sensor DEST       where to send SensorBatch datagrams "
	        "(accel_x,accel_y,accel_z)\n"
	        "  --markers MS        sync probe: instead of events, a marker at every multiple\n"
	        "                      of MS on the UNIX timeline: a white frame (else black), a\n"
	        "                      2 ms click, a spike on accel_x\n"
	        "  --rtcp              also send RTCP sender reports (capture times) to PORT+1\n"
	        "  --delay-ms N        hold every RTP packet and sensor datagram N ms (0-500)\n"
	        "  --clock-offset-ms X sensor t_ns on a device clock X ms off the true time\n"
	        "  --drift-ppm Y       ... and running Y ppm fast from the start (negative: slow)\n"
	        "  --truth FILE        event log, one JSON line per event (default: stdout)\n"
	        "  --seed N            event sequence seed (default: from the clock, logged)\n"
	        "  --mean-gap S        mean seconds between event starts, >= 1.5 (default 5)\n"
	        "  --duration S        exit after S seconds (default: run until SIGINT/SIGTERM)\n"
	        "  --width N --height N --fps N   video size and rate (default 320x240 at 15)\n"
	        "  --rate N            audio sample rate, a multiple of 50 (default 16000)\n"
	        "  --help              this text\n",
	        SCENE_MAX_DESTS);
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

/* Fills OUT from "HOST:PORT[,HOST:PORT...]", replacing what it held.
 * Returns 0, or -1 with the reason in *WHY. */
static int parse_output(const char *arg, struct scene_output *out, const char **why)
{
	gchar **parts = g_strsplit(arg, ",", -1);
	int rc = -1;

	for (guint d = 0; d < out->n; d++)
		g_clear_pointer(&out->host[d], g_free);
	out->n = 0;
	for (guint i = 0; parts[i]; i++) {
		if (out->n == SCENE_MAX_DESTS) {
			*why = "too many destinations";
			goto out;
		}
		if (parse_hostport(parts[i], &out->host[out->n], &out->port[out->n], why))
			goto out;
		out->n++;
	}
	if (out->n == 0) {
		*why = "expected HOST:PORT";
		goto out;
	}
	rc = 0;
out:
	g_strfreev(parts);
	return rc;
}

/* Frees what parse_output put in OUT. */
static void output_clear(struct scene_output *out)
{
	for (guint d = 0; d < out->n; d++)
		g_clear_pointer(&out->host[d], g_free);
	out->n = 0;
}

/* Marker mode: says why MARKER_NS does not put a frame, an audio sample
 * and a sensor reading exactly on every marker, for the outputs in OPTS.
 * Returns 0 when it does. */
static int check_markers(const struct scene_opts *opts)
{
	gint64 ms = opts->marker_ns / GST_MSECOND;

	if (opts->video.n && (ms * opts->fps) % 1000) {
		fprintf(stderr,
		        PROG ": --markers %" G_GINT64_FORMAT
		             ": not a whole number of frames at --fps %d\n",
		        ms, opts->fps);
		return -1;
	}
	if (opts->audio.n && (ms * opts->rate) % 1000) {
		fprintf(stderr,
		        PROG ": --markers %" G_GINT64_FORMAT
		             ": not a whole number of samples at --rate %d\n",
		        ms, opts->rate);
		return -1;
	}
	if (opts->sensor.n && ms % 5) {
		fprintf(stderr,
		        PROG ": --markers %" G_GINT64_FORMAT
		             ": not a multiple of the sensor's 5 ms\n",
		        ms);
		return -1;
	}
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
		OPT_RATE,
		OPT_MARKERS,
		OPT_RTCP,
		OPT_DELAY_MS,
		OPT_CLOCK_OFFSET_MS,
		OPT_DRIFT_PPM
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
	        {"markers", required_argument, NULL, OPT_MARKERS},
	        {"rtcp", no_argument, NULL, OPT_RTCP},
	        {"delay-ms", required_argument, NULL, OPT_DELAY_MS},
	        {"clock-offset-ms", required_argument, NULL, OPT_CLOCK_OFFSET_MS},
	        {"drift-ppm", required_argument, NULL, OPT_DRIFT_PPM},
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
			if (parse_output(optarg, &opts->video, &why))
				goto bad;
			break;
		case OPT_AUDIO:
			if (parse_output(optarg, &opts->audio, &why))
				goto bad;
			break;
		case OPT_SENSOR:
			if (parse_output(optarg, &opts->sensor, &why))
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
		case OPT_MARKERS:
			why = "expected whole milliseconds, 100-60000";
			if (parse_double(optarg, 100, 60000, &v) || v != (int)v)
				goto bad;
			opts->marker_ns = (gint64)v * GST_MSECOND;
			break;
		case OPT_RTCP:
			opts->rtcp = TRUE;
			break;
		case OPT_DELAY_MS:
			why = "expected milliseconds, 0-500";
			if (parse_double(optarg, 0, 500, &v))
				goto bad;
			opts->delay_ns = (gint64)llround(v * GST_MSECOND);
			break;
		case OPT_CLOCK_OFFSET_MS:
			why = "expected milliseconds, -1e12 to 1e12";
			if (parse_double(optarg, -1e12, 1e12, &v))
				goto bad;
			opts->clock_offset_ns = (gint64)llround(v * GST_MSECOND);
			break;
		case OPT_DRIFT_PPM:
			why = "expected parts per million, -100000 to 100000";
			if (parse_double(optarg, -1e5, 1e5, &opts->drift_ppm))
				goto bad;
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
	if (!opts->video.n && !opts->audio.n && !opts->sensor.n) {
		fprintf(stderr,
		        PROG ": give at least one of --video, --audio, --sensor (see --help)\n");
		return -1;
	}
	if (opts->marker_ns > 0 && check_markers(opts))
		return -1;
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

/* Checks every destination and opens one sensor socket per sensor
 * destination into RUN. Returns 0, or -1 after saying why. */
static int destinations_open(struct scene_run *run)
{
	const struct scene_opts *opts = run->opts;

	for (guint d = 0; d < opts->video.n; d++) {
		if (resolve("video", opts->video.host[d], opts->video.port[d], NULL, NULL))
			return -1;
	}
	for (guint d = 0; d < opts->audio.n; d++) {
		if (resolve("audio", opts->audio.host[d], opts->audio.port[d], NULL, NULL))
			return -1;
	}
	for (guint d = 0; d < opts->sensor.n; d++) {
		if (resolve("sensor", opts->sensor.host[d], opts->sensor.port[d],
		            &run->sensor_addr[d], &run->sensor_addrlen[d]))
			return -1;
		run->sensor_fd[d] =
		        socket(run->sensor_addr[d].ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (run->sensor_fd[d] < 0) {
			fprintf(stderr, PROG ": sensor socket: %s\n", g_strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* Writes one truth line and flushes it; a write error is reported once
 * (*FAILED set) and later lines are skipped. */
static void truth_write(struct scene_run *run, gboolean *failed, const char *line)
{
	if (*failed)
		return;
	if (fputs(line, run->truth) < 0 || fflush(run->truth) != 0) {
		fprintf(stderr, PROG ": truth: %s\n", g_strerror(errno));
		*failed = TRUE;
	}
}

/* Truth thread: writes each event (in marker mode: each marker instant) as
 * a JSON line and flushes it the moment it starts. */
static gpointer truth_run(gpointer data)
{
	struct scene_run *run = data;
	struct scene_events *events = scene_events_new(run->opts, run->begin_ns);
	gboolean failed = FALSE;
	char line[160];

	for (;;) {
		const struct scene_event *e = scene_events_peek(events);
		gint64 start = e->start_ns;

		if (run->opts->marker_ns > 0)
			start = scene_marker_before(run->opts, MAX(scene_now_ns(), run->begin_ns) +
			                                               run->opts->marker_ns - 1);
		if (!scene_sleep_until(start, &run->stop))
			break;
		/* Woken more than SCENE_SKIP_NS late (a stall or a clock step):
		 * the streams skipped past this too, so it is not shown. */
		if (scene_now_ns() - start > (gint64)SCENE_SKIP_NS) {
			scene_events_advance(events);
			continue;
		}
		if (run->opts->marker_ns > 0) {
			g_snprintf(line, sizeof(line), "{\"marker_ns\":%" G_GINT64_FORMAT "}\n",
			           start);
			truth_write(run, &failed, line);
			/* the next marker is at least a millisecond away */
			if (!scene_sleep_until(start + GST_MSECOND, &run->stop))
				break;
			continue;
		}
		g_snprintf(line, sizeof(line),
		           "{\"class\":\"%s\",\"start_ns\":%" G_GINT64_FORMAT
		           ",\"end_ns\":%" G_GINT64_FORMAT "}\n",
		           scene_class_name(e->cls), e->start_ns, e->end_ns);
		truth_write(run, &failed, line);
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

/* Appends to D the branch of one RTP output: SOURCE_BRANCH, then either a
 * synchronised sink or, with --rtcp, rtpbin session ID with its RTP and
 * RTCP sinks (NAME_sink, NAME_rtcp). */
static void describe_output(GString *d, const struct scene_opts *opts, const char *branch,
                            const char *name, guint id)
{
	g_string_append(d, branch);
	if (!opts->rtcp) {
		g_string_append_printf(d, "! %s name=%s_sink ", RTP_SINK, name);
		return;
	}
	g_string_append_printf(d,
	                       "! rtpbin.send_rtp_sink_%u "
	                       "rtpbin.send_rtp_src_%u ! %s name=%s_sink "
	                       "rtpbin.send_rtcp_src_%u ! %s name=%s_rtcp ",
	                       id, id, RTP_SINK, name, id, RTCP_SINK, name);
}

/* Points the multiudpsink NAME of PIPELINE at OUT's destinations, their
 * ports plus PORT_ADD, and sets its ts-offset to TS_OFFSET. */
static void sink_setup(GstElement *pipeline, const char *name, const struct scene_output *out,
                       guint port_add, gint64 ts_offset)
{
	GstElement *el = gst_bin_get_by_name(GST_BIN(pipeline), name);

	for (guint d = 0; d < out->n; d++)
		g_signal_emit_by_name(el, "add", out->host[d], (gint)(out->port[d] + port_add));
	g_object_set(el, "ts-offset", ts_offset, NULL);
	gst_object_unref(el);
}

/* Sender reports come this often (RTP's default minimum is 5 s). */
#define RTCP_INTERVAL_NS (500 * GST_MSECOND)

/* With --rtcp: sender reports carry the capture time (rtcp-sync-send-time
 * false: the RTP time of a packet maps to base time + its running time,
 * not to when it left) as NTP (1900 epoch) read from the same realtime
 * clock, and come every RTCP_INTERVAL_NS so that a receiver can map RTP
 * time within a second of the start. */
static void rtcp_setup(GstElement *pipeline, const struct scene_opts *opts)
{
	GstElement *rtpbin = gst_bin_get_by_name(GST_BIN(pipeline), "rtpbin");
	guint ids = (opts->video.n ? 1 : 0) + (opts->audio.n ? 1 : 0);

	g_object_set(rtpbin, "rtcp-sync-send-time", FALSE, NULL);
	gst_util_set_object_arg(G_OBJECT(rtpbin), "ntp-time-source", "ntp");
	for (guint id = 0; id < ids; id++) {
		GObject *session = NULL;

		g_signal_emit_by_name(rtpbin, "get-internal-session", id, &session);
		if (!session)
			continue;
		g_object_set(session, "rtcp-min-interval", (guint64)RTCP_INTERVAL_NS, NULL);
		g_object_unref(session);
	}
	gst_object_unref(rtpbin);
}

/* Builds the media pipeline of the video and audio outputs given, on a
 * realtime clock, and fills RUN's appsrcs. Returns NULL when there is no
 * media output; sets *FAILED and returns NULL after saying why it could not
 * be built. */
static GstElement *pipeline_new(struct scene_run *run, gboolean *failed)
{
	const struct scene_opts *opts = run->opts;
	GString *d = g_string_new(NULL);
	GError *err = NULL;
	GstElement *pipeline = NULL;
	GstElement *el = NULL;
	GstCaps *caps = NULL;
	GstClock *clock = NULL;
	guint id = 0;

	if (!opts->video.n && !opts->audio.n)
		goto out;
	if (opts->video.n)
		describe_output(d, opts, VIDEO_BRANCH, "video", id++);
	if (opts->audio.n)
		describe_output(d, opts, AUDIO_BRANCH, "audio", id++);
	if (opts->rtcp)
		g_string_append(d, "rtpbin name=rtpbin");
	pipeline = gst_parse_launch(d->str, &err);
	if (err) { /* a recoverable error still returns a pipeline */
		fprintf(stderr, PROG ": pipeline: %s\n", err->message);
		g_clear_pointer(&pipeline, gst_object_unref);
		*failed = TRUE;
		goto out;
	}
	clock = g_object_new(GST_TYPE_SYSTEM_CLOCK, "clock-type", GST_CLOCK_TYPE_REALTIME, NULL);
	gst_pipeline_use_clock(GST_PIPELINE(pipeline), clock);
	if (opts->rtcp)
		rtcp_setup(pipeline, opts);

	if (opts->video.n) {
		caps = gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING, "I420", "width",
		                           G_TYPE_INT, opts->width, "height", G_TYPE_INT,
		                           opts->height, "framerate", GST_TYPE_FRACTION, opts->fps,
		                           1, NULL);
		el = gst_bin_get_by_name(GST_BIN(pipeline), "video");
		/* a second of raw frames: more than SCENE_AHEAD_NS plus the
		 * longest --delay-ms keep queued */
		g_object_set(el, "caps", caps, "max-bytes",
		             (guint64)opts->width * opts->height * 3 / 2 * (opts->fps + 4), NULL);
		run->video_src = GST_APP_SRC(el);
		gst_caps_unref(caps);
		sink_setup(pipeline, "video_sink", &opts->video, 0, opts->delay_ns);
		if (opts->rtcp)
			sink_setup(pipeline, "video_rtcp", &opts->video, 1, 0);
	}
	if (opts->audio.n) {
		caps = gst_caps_new_simple("audio/x-raw", "format", G_TYPE_STRING, "S16LE", "rate",
		                           G_TYPE_INT, opts->rate, "channels", G_TYPE_INT, 1,
		                           "layout", G_TYPE_STRING, "interleaved", NULL);
		el = gst_bin_get_by_name(GST_BIN(pipeline), "audio");
		g_object_set(el, "caps", caps, NULL);
		run->audio_src = GST_APP_SRC(el);
		gst_caps_unref(caps);
		sink_setup(pipeline, "audio_sink", &opts->audio, 0, opts->delay_ns);
		if (opts->rtcp)
			sink_setup(pipeline, "audio_rtcp", &opts->audio, 1, 0);
	}
out:
	if (clock)
		gst_object_unref(clock);
	g_clear_error(&err);
	g_string_free(d, TRUE);
	return pipeline;
}

/* Writes "NAME host:port[,host:port...]" for OUT into LINE, or nothing when
 * the output is off. */
static void describe_dests(GString *line, const char *name, const struct scene_output *out)
{
	if (!out->n)
		return;
	g_string_append_printf(line, "%s%s ", line->len ? ", " : "", name);
	for (guint d = 0; d < out->n; d++)
		g_string_append_printf(line, "%s%s:%u", d ? "," : "", out->host[d], out->port[d]);
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
	struct scene_run run = {.opts = &opts};
	struct scene_main m = {0};
	GstElement *pipeline = NULL;
	GstClock *clock = NULL;
	GstBus *bus = NULL;
	GThread *threads[4] = {NULL};
	GString *line = g_string_new(NULL);
	gboolean failed = FALSE;
	guint watch = 0;
	int rc = 2;

	for (guint d = 0; d < SCENE_MAX_DESTS; d++)
		run.sensor_fd[d] = -1;
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
	pipeline = pipeline_new(&run, &failed);
	if (failed)
		goto out;

	/* Fix the base time ourselves so that base + PTS is the wall-clock
	 * instant of every buffer, and start the grids a little later so the
	 * first buffers are not already late. In marker mode the grids start
	 * on a marker, so that a frame, a sample and a reading fall exactly on
	 * every marker (check_markers). */
	if (pipeline) {
		clock = gst_pipeline_get_clock(GST_PIPELINE(pipeline));
		run.base_ns = gst_clock_get_time(clock);
	} else {
		run.base_ns = scene_now_ns();
	}
	run.begin_ns = run.base_ns + 2 * SCENE_AHEAD_NS;
	if (opts.marker_ns > 0)
		run.begin_ns = scene_marker_before(&opts, run.begin_ns + opts.marker_ns - 1);

	m.loop = g_main_loop_new(NULL, FALSE);
	g_unix_signal_add(SIGINT, on_quit, &m);
	g_unix_signal_add(SIGTERM, on_quit, &m);
	if (pipeline) {
		gst_element_set_start_time(pipeline, GST_CLOCK_TIME_NONE);
		gst_element_set_base_time(pipeline, run.base_ns);
		bus = gst_pipeline_get_bus(GST_PIPELINE(pipeline));
		watch = gst_bus_add_watch(bus, on_bus, &m);
		if (gst_element_set_state(pipeline, GST_STATE_PLAYING) ==
		    GST_STATE_CHANGE_FAILURE) {
			fprintf(stderr, PROG ": pipeline: cannot start (see the messages above)\n");
			goto out;
		}
	}
	describe_dests(line, "video", &opts.video);
	describe_dests(line, "audio", &opts.audio);
	describe_dests(line, "sensor", &opts.sensor);
	if (opts.marker_ns > 0)
		g_string_append_printf(line, ", markers every %" G_GINT64_FORMAT " ms",
		                       opts.marker_ns / GST_MSECOND);
	else
		g_string_append_printf(line, ", seed %" G_GUINT64_FORMAT, opts.seed);
	fprintf(stderr, PROG ": %s, begin_ns %" G_GINT64_FORMAT "\n", line->str, run.begin_ns);

	if (opts.video.n)
		threads[0] = g_thread_new("video", scene_video_run, &run);
	if (opts.audio.n)
		threads[1] = g_thread_new("audio", scene_audio_run, &run);
	if (opts.sensor.n)
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
	for (guint d = 0; d < SCENE_MAX_DESTS; d++) {
		if (run.sensor_fd[d] >= 0)
			close(run.sensor_fd[d]);
	}
	if (run.truth && run.truth != stdout)
		fclose(run.truth);
	output_clear(&opts.video);
	output_clear(&opts.audio);
	output_clear(&opts.sensor);
	g_free(opts.truth_path);
	g_string_free(line, TRUE);
	return rc;
}
