/* rtsp-serve: a small RTSP server for tests and experiments. Serves each
 * gst-launch description given on the command line at its own path, the
 * way a network camera would: a realtime pipeline clock and RTCP sender
 * reports that carry the capture time of the media (rtpbin
 * rtcp-sync-send-time=false), so a receiver can recover capture times.
 *
 *   rtsp-serve [--send-time] PORT PATH LAUNCH [PATH LAUNCH]...
 *
 * PORT 0 picks a free port. Each LAUNCH names its payloaders pay0, pay1, ...
 * (gst-rtsp-server's convention). Once listening it prints one line per
 * path, "rtsp-serve: rtsp://127.0.0.1:PORT/PATH", and runs until SIGINT or
 * SIGTERM.
 *
 * An element named "stamp" in a description (e.g. the live test source)
 * gets a probe on its src pad that prints, for the first buffer of the
 * media, its capture time on the wall clock and its offset (for audio: the
 * sample number), so a test can compute when any later sample was captured
 * (media are shared: every client gets the same stream):
 *   rtsp-serve: PATH stamp capture_ns=... offset=... rate=...
 * --send-time keeps GStreamer's default sender reports (send time, not
 * capture time), for comparison.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib-unix.h>
#include <gst/gst.h>
#include <gst/rtsp-server/rtsp-server.h>

/* One of these per served path. */
struct mount {
	char *path;
	gboolean send_time; /* FALSE: SRs carry capture time */
	GstClock *clock;    /* REALTIME, shared by every media of the path */
};

/* A bin got a child: an rtpbin made by the media gets sender reports with
 * capture time (or keeps the defaults with --send-time). */
static void on_element_added(GstBin *bin, GstElement *element, gpointer user)
{
	struct mount *m = user;
	GstElementFactory *f = gst_element_get_factory(element);

	if (!f || strcmp(GST_OBJECT_NAME(f), "rtpbin") != 0 || m->send_time)
		return;
	/* ntp-time-source=ntp (wall clock, 1900 epoch) maps to the RTP time of
	 * the running time now; rtcp-sync-send-time=false makes that the
	 * media's capture time rather than when it leaves the sender. */
	gst_util_set_object_arg(G_OBJECT(element), "ntp-time-source", "ntp");
	g_object_set(element, "rtcp-sync-send-time", FALSE, NULL);
}

/* One of these per "stamp" element of a media. */
struct stamp {
	struct mount *m;
	gboolean done; /* the first buffer was printed */
};

/* Probe on the src pad of the element named "stamp", on its streaming
 * thread: prints the capture time (base time + running time on the
 * realtime clock) and offset of the first buffer. Cost after that: one
 * flag test per buffer. */
static GstPadProbeReturn on_stamp_buffer(GstPad *pad, GstPadProbeInfo *info, gpointer user)
{
	struct stamp *s = user;
	GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER(info);
	g_autoptr(GstEvent) ev = NULL;
	g_autoptr(GstElement) parent = NULL;
	g_autoptr(GstCaps) caps = NULL;
	const GstSegment *seg = NULL;
	guint64 rt;
	gint rate = 0;

	if (s->done || !buf || !GST_BUFFER_PTS_IS_VALID(buf))
		return GST_PAD_PROBE_OK;
	ev = gst_pad_get_sticky_event(pad, GST_EVENT_SEGMENT, 0);
	parent = gst_pad_get_parent_element(pad);
	if (!ev || !parent)
		return GST_PAD_PROBE_OK;
	gst_event_parse_segment(ev, &seg);
	rt = gst_segment_to_running_time(seg, GST_FORMAT_TIME, GST_BUFFER_PTS(buf));
	if (!GST_CLOCK_TIME_IS_VALID(rt))
		return GST_PAD_PROBE_OK;
	caps = gst_pad_get_current_caps(pad);
	if (caps)
		gst_structure_get_int(gst_caps_get_structure(caps, 0), "rate", &rate);
	s->done = TRUE;
	printf("rtsp-serve: %s stamp capture_ns=%" G_GUINT64_FORMAT " offset=%" G_GUINT64_FORMAT
	       " rate=%d\n",
	       s->m->path, gst_element_get_base_time(parent) + rt, GST_BUFFER_OFFSET(buf), rate);
	fflush(stdout);
	return GST_PAD_PROBE_OK;
}

/* A media was made for a client: realtime clock, capture-time sender
 * reports, and the stamp probe. */
static void on_media_configure(GstRTSPMediaFactory *factory, GstRTSPMedia *media, gpointer user)
{
	struct mount *m = user;
	GstElement *element = gst_rtsp_media_get_element(media);
	GstObject *pipeline = gst_object_get_parent(GST_OBJECT(element));
	GstElement *stamp = gst_bin_get_by_name(GST_BIN(element), "stamp");

	gst_rtsp_media_set_clock(media, m->clock);
	if (pipeline && GST_IS_BIN(pipeline))
		g_signal_connect(pipeline, "element-added", G_CALLBACK(on_element_added), m);
	if (stamp) {
		GstPad *pad = gst_element_get_static_pad(stamp, "src");
		struct stamp *s = g_new0(struct stamp, 1);

		s->m = m;
		if (pad) {
			gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, on_stamp_buffer, s,
			                  g_free);
			gst_object_unref(pad);
		} else {
			g_free(s);
		}
		gst_object_unref(stamp);
	}
	g_clear_pointer(&pipeline, gst_object_unref);
	gst_object_unref(element);
}

static gboolean on_signal(gpointer user)
{
	g_main_loop_quit(user);
	return G_SOURCE_REMOVE;
}

int main(int argc, char **argv)
{
	GstRTSPServer *server = NULL;
	GstRTSPMountPoints *mounts = NULL;
	GMainLoop *loop = NULL;
	GstClock *clock = NULL;
	struct mount *m = NULL;
	gboolean send_time = FALSE;
	int first = 1, n = 0, rc = 2;

	gst_init(&argc, &argv);
	if (argc > 1 && !strcmp(argv[1], "--send-time")) {
		send_time = TRUE;
		first = 2;
	}
	if (argc - first < 3 || (argc - first - 1) % 2) {
		fprintf(stderr,
		        "usage: rtsp-serve [--send-time] PORT PATH LAUNCH [PATH LAUNCH]...\n");
		goto out;
	}
	n = (argc - first - 1) / 2;
	clock = g_object_new(GST_TYPE_SYSTEM_CLOCK, "clock-type", GST_CLOCK_TYPE_REALTIME, NULL);
	gst_object_ref_sink(clock);
	server = gst_rtsp_server_new();
	gst_rtsp_server_set_address(server, "127.0.0.1");
	gst_rtsp_server_set_service(server, argv[first]);
	mounts = gst_rtsp_server_get_mount_points(server);
	m = g_new0(struct mount, n);
	for (int i = 0; i < n; i++) {
		const char *path = argv[first + 1 + 2 * i];
		GstRTSPMediaFactory *f = gst_rtsp_media_factory_new();

		m[i].path = g_strdup_printf("%s%s", path[0] == '/' ? "" : "/", path);
		m[i].send_time = send_time;
		m[i].clock = clock;
		gst_rtsp_media_factory_set_launch(f, argv[first + 2 + 2 * i]);
		gst_rtsp_media_factory_set_shared(f, TRUE);
		g_signal_connect(f, "media-configure", G_CALLBACK(on_media_configure), &m[i]);
		gst_rtsp_mount_points_add_factory(mounts, m[i].path, f);
	}
	if (!gst_rtsp_server_attach(server, NULL)) {
		fprintf(stderr, "rtsp-serve: cannot listen on port %s\n", argv[first]);
		rc = 1;
		goto out;
	}
	for (int i = 0; i < n; i++)
		printf("rtsp-serve: rtsp://127.0.0.1:%d%s\n",
		       gst_rtsp_server_get_bound_port(server), m[i].path);
	fflush(stdout);

	loop = g_main_loop_new(NULL, FALSE);
	g_unix_signal_add(SIGINT, on_signal, loop);
	g_unix_signal_add(SIGTERM, on_signal, loop);
	g_main_loop_run(loop);
	rc = 0;
out:
	for (int i = 0; m && i < n; i++)
		g_free(m[i].path);
	g_free(m);
	g_clear_pointer(&loop, g_main_loop_unref);
	g_clear_pointer(&mounts, g_object_unref);
	g_clear_pointer(&server, g_object_unref);
	g_clear_pointer(&clock, gst_object_unref);
	return rc;
}
