/* Where the capture times of a video or audio source come from: the
 * pipeline clock, or the sender's clock from RTCP sender reports.
 *
 * Sender clocks (clock = auto): network inputs are stamped by the pipeline
 * when they arrive, which is late by the sender's encoding and the path.
 * When buffers carry a GstReferenceTimestampMeta of `timestamp/x-ntp`
 * (rtpbin/rtspsrc with add-reference-timestamp-meta, from RTCP sender
 * reports), that reference is the capture time. Decoders and converters
 * often drop the meta, so it is read at the sink pad of the first element
 * appended here (CONVERT_NAME): the offset reference - pipeline time of
 * that buffer is kept, and at appsink capture time = pipeline time +
 * offset (PTS survives conversion; frames are thinned, never re-timed).
 * Offsets beyond REF_MAX_OFFSET_NS are refused (a sender clock that is not
 * synchronized, or one reporting UNIX time as NTP); after REF_TIMEOUT_NS
 * without a meta the pipeline clock takes over again. Each change of the
 * clock in use is logged once. Whether a sender's reports carry capture or
 * send time is the sender's choice (GStreamer's rtpbin sends send time
 * unless rtcp-sync-send-time=false; cameras normally send capture time);
 * offset_ms covers what is left.
 */
#include "streams/source_gst_internal.h"

/* NTP counts from 1900, UNIX from 1970. */
#define NTP_UNIX_OFFSET_NS (G_GINT64_CONSTANT(2208988800) * GST_SECOND)
/* Sender references older than this (in pipeline time) are not used. */
#define REF_TIMEOUT_NS (5 * GST_SECOND)
/* A reference this far from the pipeline clock is not believed. */
#define REF_MAX_OFFSET_NS (10 * GST_SECOND)

/* Pipeline time (base time + running time) of BUF's PTS on PAD's segment,
 * or -1. Cost: one sticky event lookup. */
static gint64 pad_pipeline_time(GstPad *pad, GstBuffer *buf)
{
	g_autoptr(GstEvent) ev = gst_pad_get_sticky_event(pad, GST_EVENT_SEGMENT, 0);
	g_autoptr(GstElement) parent = gst_pad_get_parent_element(pad);
	const GstSegment *seg = NULL;
	guint64 rt;

	if (!ev || !parent || !GST_BUFFER_PTS_IS_VALID(buf))
		return -1;
	gst_event_parse_segment(ev, &seg);
	if (seg->format != GST_FORMAT_TIME)
		return -1;
	rt = gst_segment_to_running_time(seg, GST_FORMAT_TIME, GST_BUFFER_PTS(buf));
	if (!GST_CLOCK_TIME_IS_VALID(rt))
		return -1;
	return (gint64)(gst_element_get_base_time(parent) + rt);
}

/* Buffer probe on the sink pad of CONVERT_NAME (clock = auto), on the
 * streaming thread: a buffer carrying a timestamp/x-ntp reference updates
 * the offset reference - pipeline time, or marks the reference as bad
 * when it is further than REF_MAX_OFFSET_NS from the pipeline clock.
 * Cost: a meta lookup per buffer, a lock when one is found. */
static GstPadProbeReturn ref_probe(GstPad *pad, GstPadProbeInfo *info, gpointer user)
{
	struct gst_src *g = user;
	GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER(info);
	GstReferenceTimestampMeta *meta;
	gint64 pt, offset;

	if (!buf)
		return GST_PAD_PROBE_OK;
	meta = gst_buffer_get_reference_timestamp_meta(buf, g->ntp_caps);
	if (!meta || !GST_CLOCK_TIME_IS_VALID(meta->timestamp))
		return GST_PAD_PROBE_OK;
	pt = pad_pipeline_time(pad, buf);
	if (pt < 0)
		return GST_PAD_PROBE_OK;
	offset = (gint64)meta->timestamp - NTP_UNIX_OFFSET_NS - pt;

	g_mutex_lock(&g->lock);
	g->ref_offset_ns = offset;
	g->ref_pt_ns = pt;
	g->ref = offset > REF_MAX_OFFSET_NS || offset < -REF_MAX_OFFSET_NS ? REF_BAD : REF_OK;
	atomic_store(&g->offset_ns, offset);
	atomic_store(&g->offset_known, 1);
	g_mutex_unlock(&g->lock);
	return GST_PAD_PROBE_OK;
}

/* Under g->lock: the capture time of a sample at pipeline time PT (without
 * offset_ms), choosing the clock: the sender's reference when a fresh one
 * is known, else PT. A change of clock drops the audio anchor and the
 * previous frame time. Sets
 * *CHANGED when the clock, or why the pipeline clock is used, differs
 * from what was last logged (the caller logs it after unlocking, with
 * gst_src_clock_log). */
gint64 gst_src_clock_pick(struct gst_src *g, gint64 pt, gboolean *changed)
{
	enum src_clock c = SRC_CLOCK_PIPELINE;
	int key;

	if (g->ref == REF_OK && pt - g->ref_pt_ns > REF_TIMEOUT_NS)
		g->ref = REF_STALE;
	if (g->src->conf.clock == RS_CLOCK_AUTO && g->ref == REF_OK)
		c = SRC_CLOCK_RTCP;
	/* Audio chunks are timed from their anchor: a new clock needs a new
	 * anchor even when the step is smaller than AUDIO_RESYNC_NS. The step
	 * is no gap in the video either. */
	if (c != g->clock_used) {
		g->have_anchor = FALSE;
		g->have_prev = FALSE;
	}
	g->clock_used = c;
	atomic_store(&g->clock_active, c);
	key = c == SRC_CLOCK_RTCP ? -1 : 1 + (int)g->ref;
	*changed = key != g->logged;
	g->logged = key;
	return c == SRC_CLOCK_RTCP ? pt + g->ref_offset_ns : pt;
}

/* Logs the clock now in use, once per change (see gst_src_clock_pick). REF and
 * OFFSET_NS are the reference state and offset when it changed. */
void gst_src_clock_log(struct gst_src *g, enum src_clock c, enum ref_state ref, gint64 offset_ns)
{
	const char *name = g->src->conf.name;

	if (c == SRC_CLOCK_RTCP)
		g_message("source %s: capture times from RTCP sender reports "
		          "(offset to arrival %.1f ms)",
		          name, (double)offset_ns / GST_MSECOND);
	else if (g->src->conf.clock == RS_CLOCK_PIPELINE)
		g_message("source %s: capture times from the pipeline clock (clock = pipeline)",
		          name);
	else if (ref == REF_STALE)
		g_message("source %s: capture times from the pipeline clock "
		          "(arrival time; no sender reports for %.0f s)",
		          name, (double)REF_TIMEOUT_NS / GST_SECOND);
	else if (ref == REF_BAD)
		g_message("source %s: capture times from the pipeline clock "
		          "(arrival time; sender reports %.1f s away, not believed)",
		          name, (double)offset_ns / GST_SECOND);
	else if (atomic_load(&g->rtp_seen))
		g_message("source %s: capture times from the pipeline clock "
		          "(arrival time; no sender reports)",
		          name);
	else
		g_message("source %s: capture times from the pipeline clock (no sender reports)",
		          name);
}

/* Turns on reference timestamps from RTCP sender reports on ELEMENT when
 * it can make them (rtspsrc, rtpbin, rtpjitterbuffer), and notes that the
 * pipeline receives RTP (so its pipeline clock is arrival time). */
void gst_src_enable_reference_meta(struct gst_src *g, GstElement *element)
{
	if (!g_object_class_find_property(G_OBJECT_GET_CLASS(element),
	                                  "add-reference-timestamp-meta"))
		return;
	g_object_set(element, "add-reference-timestamp-meta", TRUE, NULL);
	atomic_store(&g->rtp_seen, 1);
}

static void enable_reference_meta_item(const GValue *item, gpointer user)
{
	gst_src_enable_reference_meta(user, g_value_get_object(item));
}

/* deep-element-added on the pipeline (clock = auto), on whichever thread
 * adds the element: rtspsrc, rtpbin and rtpjitterbuffer made at run time
 * (by uridecodebin, rtspsrc, sdpdemux) get reference timestamps. */
static void on_deep_element_added(GstBin *bin, GstBin *sub, GstElement *element, gpointer user)
{
	gst_src_enable_reference_meta(user, element);
}

/* Sets up the sender clock on P (clock = auto): reference timestamps on
 * every element that can make them, now and as they are added, and the
 * reference probe on the sink pad of CONVERT_NAME. */
void gst_src_clock_watch(struct gst_src *g, GstElement *p)
{
	g_autoptr(GstElement) convert = gst_bin_get_by_name(GST_BIN(p), CONVERT_NAME);
	g_autoptr(GstPad) pad = convert ? gst_element_get_static_pad(convert, "sink") : NULL;
	GstIterator *it = gst_bin_iterate_recurse(GST_BIN(p));

	while (gst_iterator_foreach(it, enable_reference_meta_item, g) == GST_ITERATOR_RESYNC)
		gst_iterator_resync(it);
	gst_iterator_free(it);
	g_signal_connect(p, "deep-element-added", G_CALLBACK(on_deep_element_added), g);
	if (pad)
		gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, ref_probe, g, NULL);
}
