/* The scene's camera: draws I420 frames on a fixed grid of wall-clock
 * instants and hands each to the video appsrc ahead of the instant it shows. */
#include "scene.h"

#include <gst/video/video.h>
#include <math.h>
#include <string.h>

/* BT.601 limited-range colours (Y, U, V). */
static const guint8 COLOUR_BACKGROUND[3] = {24, 128, 128};
static const guint8 COLOUR_MARKER[3] = {110, 128, 128};
static const guint8 COLOUR_WHITE[3] = {235, 128, 128};
static const guint8 COLOUR_YELLOW[3] = {210, 16, 146};
static const guint8 COLOUR_BLACK[3] = {16, 128, 128};

/* How long the small marker takes to cross the frame and come back. */
#define VIDEO_MARKER_PERIOD_NS (8 * GST_SECOND)

/* A shape to paint: a filled axis-aligned square or disc, in luma pixels. */
struct video_shape {
	gboolean disc;
	double cx;
	double cy;
	double r; /* half the side of a square, or the disc's radius */
};

/* Whether the point (X, Y), in luma pixel units, lies in SHAPE. */
static gboolean video_shape_has(const struct video_shape *shape, double x, double y)
{
	double dx = x - shape->cx;
	double dy = y - shape->cy;

	if (shape->disc)
		return dx * dx + dy * dy <= shape->r * shape->r;
	return fabs(dx) <= shape->r && fabs(dy) <= shape->r;
}

/* Paints SHAPE in COLOUR on an I420 frame: each luma and chroma sample whose
 * centre lies inside. O(width * height). */
static void video_paint(GstVideoFrame *frame, const struct video_shape *shape,
                        const guint8 colour[3])
{
	for (guint plane = 0; plane < 3; plane++) {
		guint8 *data = GST_VIDEO_FRAME_PLANE_DATA(frame, plane);
		int stride = GST_VIDEO_FRAME_PLANE_STRIDE(frame, plane);
		int w = GST_VIDEO_FRAME_COMP_WIDTH(frame, plane);
		int h = GST_VIDEO_FRAME_COMP_HEIGHT(frame, plane);
		double scale = plane == 0 ? 1.0 : 2.0; /* chroma is half size both ways */

		for (int y = 0; y < h; y++) {
			for (int x = 0; x < w; x++) {
				if (video_shape_has(shape, (x + 0.5) * scale, (y + 0.5) * scale))
					data[y * stride + x] = colour[plane];
			}
		}
	}
}

/* Fills every sample of an I420 frame with COLOUR. */
static void video_fill(GstVideoFrame *frame, const guint8 colour[3])
{
	for (guint plane = 0; plane < 3; plane++) {
		guint8 *data = GST_VIDEO_FRAME_PLANE_DATA(frame, plane);
		int stride = GST_VIDEO_FRAME_PLANE_STRIDE(frame, plane);
		int w = GST_VIDEO_FRAME_COMP_WIDTH(frame, plane);
		int h = GST_VIDEO_FRAME_COMP_HEIGHT(frame, plane);

		for (int y = 0; y < h; y++)
			memset(data + y * stride, colour[plane], w);
	}
}

/* Draws what the camera sees at T_NS: a dark frame with a small grey marker
 * sliding to and fro along the bottom (so a viewer sees the stream is live)
 * and, during an event, a large white square or yellow disc in the middle. */
static void video_draw(GstVideoFrame *frame, gint64 t_ns, const struct scene_event *event)
{
	int w = GST_VIDEO_FRAME_WIDTH(frame);
	int h = GST_VIDEO_FRAME_HEIGHT(frame);
	double side = MIN(w, h);
	double phase = (double)(t_ns % VIDEO_MARKER_PERIOD_NS) / VIDEO_MARKER_PERIOD_NS;
	double r = side / 24.0;
	struct video_shape marker = {
	        .disc = TRUE,
	        .cx = r + (w - 2 * r) * (phase < 0.5 ? 2 * phase : 2 - 2 * phase),
	        .cy = h - 2 * r,
	        .r = r,
	};

	video_fill(frame, COLOUR_BACKGROUND);
	video_paint(frame, &marker, COLOUR_MARKER);
	if (event) {
		struct video_shape big = {
		        .disc = event->cls == SCENE_CIRCLE,
		        .cx = w / 2.0,
		        .cy = h / 2.0 - r,
		        .r = side * 0.3,
		};

		video_paint(frame, &big, event->cls == SCENE_CIRCLE ? COLOUR_YELLOW : COLOUR_WHITE);
	}
}

/* Marker mode: whether the frame at T_NS, whose predecessor on the grid is
 * at PREV_NS, shows a marker: it is the first frame at or after one. */
static gboolean video_has_marker(const struct scene_run *run, gint64 prev_ns, gint64 t_ns)
{
	return scene_marker_before(run->opts, t_ns) > prev_ns;
}

/* Video thread: frame K shows the scene at begin + K / fps and carries that
 * instant as its PTS (minus the base time). In marker mode a frame is white
 * when it is the first at or after a marker instant, else black. Frames are pushed SCENE_AHEAD_NS
 * early; the udpsink sends each at its instant. A backlog past SCENE_SKIP_NS
 * is skipped, not sent. Returns when asked to stop or
 * when the appsrc refuses a buffer (the pipeline is shutting down). */
gpointer scene_video_run(gpointer data)
{
	struct scene_run *run = data;
	const struct scene_opts *opts = run->opts;
	struct scene_events *events = scene_events_new(opts, run->begin_ns);
	GstVideoInfo info;

	gst_video_info_set_format(&info, GST_VIDEO_FORMAT_I420, opts->width, opts->height);
	for (guint64 k = 0;; k++) {
		guint64 want = scene_grid_next(run->begin_ns, k, 1, opts->fps);
		gint64 prev, t, next;
		GstBuffer *buf;
		GstVideoFrame frame;

		if (want != k)
			g_printerr("ringside-scene: video: %" G_GUINT64_FORMAT
			           " frames behind, skipped\n",
			           want - k);
		k = want;
		/* the grid's previous instant (before frame 0: a period earlier) */
		prev = k > 0 ? run->begin_ns +
		                       (gint64)gst_util_uint64_scale(k - 1, GST_SECOND, opts->fps)
		             : run->begin_ns - (gint64)(GST_SECOND / opts->fps);
		t = run->begin_ns + gst_util_uint64_scale(k, GST_SECOND, opts->fps);
		next = run->begin_ns + gst_util_uint64_scale(k + 1, GST_SECOND, opts->fps);

		if (!scene_sleep_until(t - SCENE_AHEAD_NS, &run->stop))
			break;
		buf = gst_buffer_new_allocate(NULL, GST_VIDEO_INFO_SIZE(&info), NULL);
		if (!gst_video_frame_map(&frame, &info, buf, GST_MAP_WRITE)) {
			gst_buffer_unref(buf);
			break;
		}
		if (opts->marker_ns > 0)
			video_fill(&frame,
			           video_has_marker(run, prev, t) ? COLOUR_WHITE : COLOUR_BLACK);
		else
			video_draw(&frame, t, scene_events_at(events, t));
		gst_video_frame_unmap(&frame);
		GST_BUFFER_PTS(buf) = t - run->base_ns;
		GST_BUFFER_DURATION(buf) = next - t;
		if (gst_app_src_push_buffer(run->video_src, buf) != GST_FLOW_OK)
			break;
	}
	scene_events_free(events);
	return NULL;
}
