/* Video and audio sources: a GStreamer pipeline ending in an appsink, each
 * sample stamped with its capture time, restarted with backoff on failure.
 *
 * Timeline: every pipeline runs on a GstSystemClock of type REALTIME, so
 * base_time + running_time(PTS) is the capture time in UNIX ns (for a live
 * source; a non-live one, e.g. a file, plays in real time with sync=TRUE
 * and is stamped when it is presented). Nothing is stamped on arrival.
 *
 * Clock steps: the pipeline clock is the wall clock, so a step (NTP, an
 * operator) moves the capture times of the following samples with it. A
 * forward step only shifts them; a backward step makes them older than
 * what the ring holds (inserted in place, or refused as late and counted
 * there), and can stall sources that wait on the clock (live test sources,
 * sinks with sync=TRUE) until the wall clock catches up: the stall watch
 * restarts such a pipeline after STALL_US, and the new run has a fresh
 * base time. Audio chunking re-anchors on any jump over AUDIO_RESYNC_NS.
 *
 * Sender clocks (clock = auto): see source_gst_clock.c.
 */
#include <string.h>

#include "streams/source_gst_internal.h"

#define BACKOFF_MIN_US (500 * G_TIME_SPAN_MILLISECOND)
#define BACKOFF_MAX_US (30 * G_TIME_SPAN_SECOND)
/* A run this long resets the backoff. */
#define HEALTHY_US (60 * G_TIME_SPAN_SECOND)
/* A running pipeline that delivers nothing this long is restarted. */
#define STALL_US (15 * G_TIME_SPAN_SECOND)
/* up = 1 when the last sample is at most this old. */
#define UP_US (5 * G_TIME_SPAN_SECOND)
#define TICK_MS 1000
/* Audio chunks: 1/AUDIO_CHUNKS_PER_S second each. */
#define AUDIO_CHUNKS_PER_S 50
/* An audio buffer this far from where the previous one ended re-anchors
 * the chunking (a gap or a clock jump); closer ones are taken as
 * contiguous (timestamp jitter). */
#define AUDIO_RESYNC_NS (10 * GST_MSECOND)
#define SINK_NAME "ringside_sink"
#define JPEG_NAME "ringside_jpeg"
#define URI_NAME "ringside_uri"
/* rtspsrc for uri=rtsp://: jitterbuffer latency (its default is 2000 ms). */
#define RTSP_LATENCY_MS 200

enum fail_kind {
	FAIL_ERROR,
	FAIL_EOS,
};

static void gst_src_fail(struct gst_src *g, enum fail_kind kind, const char *what);

/* Appends TEXT to OUT double-quoted for gst_parse_launch (backslash and
 * quote escaped). */
static void append_quoted(GString *out, const char *text)
{
	g_string_append_c(out, '"');
	for (; *text; text++) {
		if (*text == '"' || *text == '\\')
			g_string_append_c(out, '\\');
		g_string_append_c(out, *text);
	}
	g_string_append_c(out, '"');
}

/* The whole gst-launch description for CONF: its pipeline or a
 * uridecodebin for its uri, then conversion and the appsink. Caller frees. */
static char *describe(const struct rs_source_conf *conf)
{
	GString *d = g_string_new(NULL);

	if (conf->pipeline) {
		g_string_append(d, conf->pipeline);
	} else {
		g_string_append(d, "uridecodebin name=" URI_NAME " uri=");
		append_quoted(d, conf->uri ? conf->uri : "");
	}
	if (conf->kind == RS_KIND_VIDEO)
		g_string_append_printf(d,
		                       " ! videoconvert name=" CONVERT_NAME " ! videoscale"
		                       " ! video/x-raw,width=%u,height=%u"
		                       " ! jpegenc name=" JPEG_NAME
		                       " quality=%u ! appsink name=" SINK_NAME,
		                       conf->width, conf->height, conf->jpeg_quality);
	else
		g_string_append_printf(d,
		                       " ! audioconvert name=" CONVERT_NAME " ! audioresample"
		                       " ! audio/x-raw,format=S16LE,channels=1,rate=%u"
		                       " ! appsink name=" SINK_NAME,
		                       conf->sample_rate);
	return g_string_free(d, FALSE);
}

/* Video, under g->lock: one sample per JPEG frame (copied: the encoder's
 * buffers are larger than the frame), counting gaps as dropped frames. */
static void take_video(struct gst_src *g, GstBuffer *buf, gint64 t_ns)
{
	const struct rs_source_conf *c = &g->src->conf;
	gint64 period = (gint64)(GST_SECOND / MAX(c->fps, 1));
	gint64 dur = GST_BUFFER_DURATION_IS_VALID(buf)
	                     ? MAX((gint64)GST_BUFFER_DURATION(buf), period)
	                     : period;
	GstMapInfo map;

	if (g->have_prev && dur > 0) {
		gint64 gap = t_ns - g->prev_t_ns;

		if (gap > dur + dur / 2)
			atomic_fetch_add(&g->dropped, (guint64)((gap + dur / 2) / dur - 1));
	}
	g->have_prev = TRUE;
	g->prev_t_ns = t_ns;

	if (!gst_buffer_map(buf, &map, GST_MAP_READ))
		return;
	source_push(g->src, rs_sample_new(t_ns, dur, g_bytes_new(map.data, map.size)));
	gst_buffer_unmap(buf, &map);
}

/* Audio, under g->lock: appends DATA (S16LE mono, first sample captured at
 * T_NS) to the chunk being filled and pushes every full chunk, stamped
 * from the anchor and its sample count so chunks are exactly contiguous.
 * A jump over AUDIO_RESYNC_NS drops the partial chunk and re-anchors. */
static void take_audio(struct gst_src *g, const guint8 *data, gsize len, gint64 t_ns)
{
	guint rate = MAX(g->src->conf.sample_rate, 1);
	gsize chunk_bytes = (gsize)g->chunk_samples * 2;
	gint64 chunk_ns = (gint64)gst_util_uint64_scale(g->chunk_samples, GST_SECOND, rate);

	if (g->have_anchor) {
		guint64 n = g->anchor_n + g->chunk->len / 2;
		gint64 expect = g->anchor_ns + (gint64)gst_util_uint64_scale(n, GST_SECOND, rate);
		gint64 diff = t_ns - expect;

		if (diff > AUDIO_RESYNC_NS || diff < -AUDIO_RESYNC_NS) {
			atomic_fetch_add(&g->discont, 1);
			if (diff > 0)
				atomic_fetch_add(&g->dropped, (guint64)(diff / chunk_ns));
			g->have_anchor = FALSE;
		}
	}
	if (!g->have_anchor) {
		g_byte_array_set_size(g->chunk, 0);
		g->have_anchor = TRUE;
		g->anchor_ns = t_ns;
		g->anchor_n = 0;
	}

	len &= ~(gsize)1;
	while (len > 0) {
		gsize take = MIN(len, chunk_bytes - g->chunk->len);

		g_byte_array_append(g->chunk, data, (guint)take);
		data += take;
		len -= take;
		if (g->chunk->len == chunk_bytes) {
			gint64 t = g->anchor_ns +
			           (gint64)gst_util_uint64_scale(g->anchor_n, GST_SECOND, rate);
			GBytes *b = g_byte_array_free_to_bytes(g->chunk);

			g->chunk = g_byte_array_sized_new((guint)chunk_bytes);
			g->anchor_n += g->chunk_samples;
			source_push(g->src, rs_sample_new(t, chunk_ns, b));
		}
	}
}

/* uridecodebin source-setup: an rtspsrc gets RTSP_LATENCY_MS of
 * jitterbuffer latency (its default is 2 s) and, for clock = auto,
 * reference timestamps. */
static void on_source_setup(GstElement *uridecodebin, GstElement *element, gpointer user)
{
	struct gst_src *g = user;
	GstElementFactory *f = gst_element_get_factory(element);

	if (f && !strcmp(GST_OBJECT_NAME(f), "rtspsrc"))
		g_object_set(element, "latency", (guint)RTSP_LATENCY_MS, NULL);
	if (g->src->conf.clock == RS_CLOCK_AUTO)
		gst_src_enable_reference_meta(g, element);
}

/* appsink new-sample, on the streaming thread: computes the capture time
 * (the sender's reference or base_time + running_time(PTS), plus offset)
 * and hands the buffer to the video or audio path. Buffers without a time
 * are skipped. Cost: one copy of the payload. */
static GstFlowReturn on_new_sample(GstAppSink *sink, gpointer user)
{
	struct gst_src *g = user;
	GstSample *sample = gst_app_sink_pull_sample(sink);
	GstBuffer *buf;
	const GstSegment *seg;
	guint64 rt;
	gint64 pt, t_ns, now_ns;
	gboolean changed = FALSE;
	enum src_clock c = SRC_CLOCK_NONE;
	enum ref_state ref = REF_NONE;
	gint64 ref_offset = 0;

	if (!sample)
		return GST_FLOW_OK;
	buf = gst_sample_get_buffer(sample);
	seg = gst_sample_get_segment(sample);
	if (!buf || !seg || !GST_BUFFER_PTS_IS_VALID(buf))
		goto out;
	rt = gst_segment_to_running_time(seg, GST_FORMAT_TIME, GST_BUFFER_PTS(buf));
	if (!GST_CLOCK_TIME_IS_VALID(rt))
		goto out;
	pt = (gint64)(gst_element_get_base_time(GST_ELEMENT(sink)) + rt);
	now_ns = g_get_real_time() * 1000;

	g_mutex_lock(&g->lock);
	t_ns = gst_src_clock_pick(g, pt, &changed) + g->src->conf.offset_ns;
	c = g->clock_used;
	ref = g->ref;
	ref_offset = g->ref_offset_ns;
	atomic_store(&g->delay_ns, now_ns - t_ns);
	atomic_store(&g->last_sample_us, g_get_monotonic_time());
	if (g->accept) {
		if (g->src->conf.kind == RS_KIND_VIDEO) {
			take_video(g, buf, t_ns);
		} else {
			GstMapInfo map;

			if (gst_buffer_map(buf, &map, GST_MAP_READ)) {
				take_audio(g, map.data, map.size, t_ns);
				gst_buffer_unmap(buf, &map);
			}
		}
	}
	g_mutex_unlock(&g->lock);
	if (changed)
		gst_src_clock_log(g, c, ref, ref_offset);
out:
	gst_sample_unref(sample);
	return GST_FLOW_OK;
}

/* Buffer probe in front of the JPEG encoder, on the streaming thread:
 * thins the frames to at most fps per second, keeping each kept frame's
 * own timestamp. (videorate would put frames on its own time grid, moving
 * them by up to a frame period away from when they were captured.) Frames
 * are kept when due within half a period; after a gap the cadence
 * restarts from the frame that ends it. Dropped frames are never encoded. */
static GstPadProbeReturn thin_frames(GstPad *pad, GstPadProbeInfo *info, gpointer user)
{
	struct gst_src *g = user;
	GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER(info);
	gint64 period = (gint64)(GST_SECOND / MAX(g->src->conf.fps, 1));
	gint64 pts;

	if (!buf || !GST_BUFFER_PTS_IS_VALID(buf))
		return GST_PAD_PROBE_OK;
	pts = (gint64)GST_BUFFER_PTS(buf);
	if (g->thin_have && pts < g->thin_next - period / 2)
		return GST_PAD_PROBE_DROP;
	if (!g->thin_have || pts > g->thin_next + period)
		g->thin_next = pts;
	g->thin_next += period;
	g->thin_have = TRUE;
	return GST_PAD_PROBE_OK;
}

/* Parses the description into a pipeline on the realtime clock with the
 * appsink configured, the frame thinning probe (video) and, for clock =
 * auto, the reference probe with reference timestamps turned on for every
 * element that can make them, now and as they are added. A uridecodebin
 * gets its rtspsrc set up (on_source_setup). Returns a new pipeline (NULL
 * state) or NULL with ERR naming the source. Cost: creates every element. */
static GstElement *pipeline_build(struct gst_src *g, GError **err)
{
	static const GstAppSinkCallbacks callbacks = {.new_sample = on_new_sample};
	const struct rs_source_conf *c = &g->src->conf;
	GError *perr = NULL;
	GstElement *p = NULL;
	GstElement *sink = NULL;
	GstElement *uri = NULL;
	GstElement *ret = NULL;

	p = gst_parse_launch_full(g->description, NULL, GST_PARSE_FLAG_FATAL_ERRORS, &perr);
	if (perr) {
		g_propagate_prefixed_error(err, perr, "source %s: pipeline \"%s\": ", c->name,
		                           g->description);
		goto out;
	}
	if (!p || !GST_IS_PIPELINE(p)) {
		g_set_error(err, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
		            "source %s: pipeline \"%s\" is not a pipeline", c->name,
		            g->description);
		goto out;
	}
	sink = gst_bin_get_by_name(GST_BIN(p), SINK_NAME);
	if (!sink || !GST_IS_APP_SINK(sink)) {
		g_set_error(err, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
		            "source %s: pipeline \"%s\": no appsink named " SINK_NAME, c->name,
		            g->description);
		goto out;
	}
	gst_app_sink_set_max_buffers(GST_APP_SINK(sink), MAX(c->queue_buffers, 1));
	gst_app_sink_set_drop(GST_APP_SINK(sink), TRUE);
	gst_app_sink_set_emit_signals(GST_APP_SINK(sink), FALSE);
	gst_base_sink_set_last_sample_enabled(GST_BASE_SINK(sink), FALSE);
	gst_base_sink_set_sync(GST_BASE_SINK(sink), TRUE);
	gst_app_sink_set_callbacks(GST_APP_SINK(sink), (GstAppSinkCallbacks *)&callbacks, g, NULL);
	gst_pipeline_use_clock(GST_PIPELINE(p), g->clock);
	uri = gst_bin_get_by_name(GST_BIN(p), URI_NAME);
	if (uri)
		g_signal_connect(uri, "source-setup", G_CALLBACK(on_source_setup), g);
	if (c->clock == RS_CLOCK_AUTO)
		gst_src_clock_watch(g, p);
	if (c->kind == RS_KIND_VIDEO) {
		GstElement *jpeg = gst_bin_get_by_name(GST_BIN(p), JPEG_NAME);
		GstPad *pad = jpeg ? gst_element_get_static_pad(jpeg, "sink") : NULL;

		g->thin_have = FALSE;
		if (pad)
			gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, thin_frames, g, NULL);
		g_clear_pointer(&pad, gst_object_unref);
		g_clear_pointer(&jpeg, gst_object_unref);
	}

	g->sink = GST_APP_SINK(g_steal_pointer(&sink));
	ret = g_steal_pointer(&p);
out:
	g_clear_pointer(&uri, gst_object_unref);
	g_clear_pointer(&sink, gst_object_unref);
	g_clear_pointer(&p, gst_object_unref);
	return ret;
}

/* Stops and drops the current pipeline. After it returns no sample of
 * that run is pushed (accept is cleared before the state change, under
 * the lock the streaming thread pushes under). May block while streaming
 * threads wind down. */
static void pipeline_teardown(struct gst_src *g)
{
	g_mutex_lock(&g->lock);
	g->accept = FALSE;
	g_mutex_unlock(&g->lock);

	if (g->bus_watch) {
		g_source_destroy(g->bus_watch);
		g_clear_pointer(&g->bus_watch, g_source_unref);
	}
	if (g->pipeline) {
		gst_element_set_state(g->pipeline, GST_STATE_NULL);
		g_clear_pointer(&g->sink, gst_object_unref);
		g_clear_pointer(&g->pipeline, gst_object_unref);
	}
}

/* Bus watch, on the main loop: ERROR and EOS fail the run (one warning,
 * counted, restart after the backoff); LATENCY is recalculated. */
static gboolean on_bus_message(GstBus *bus, GstMessage *msg, gpointer user)
{
	struct gst_src *g = user;

	switch (GST_MESSAGE_TYPE(msg)) {
	case GST_MESSAGE_ERROR: {
		g_autoptr(GError) gerr = NULL;
		g_autofree char *dbg = NULL;
		g_autofree char *what = NULL;

		gst_message_parse_error(msg, &gerr, &dbg);
		if (dbg)
			g_strdelimit(dbg, "\n", ' '); /* one log line */
		what = g_strdup_printf("error from %s: %s (%s)", GST_MESSAGE_SRC_NAME(msg),
		                       gerr ? gerr->message : "?", dbg ? dbg : "no details");
		gst_src_fail(g, FAIL_ERROR, what);
		break;
	}
	case GST_MESSAGE_EOS:
		gst_src_fail(g, FAIL_EOS, "end of stream");
		break;
	case GST_MESSAGE_WARNING: {
		g_autoptr(GError) gerr = NULL;
		g_autofree char *dbg = NULL;

		gst_message_parse_warning(msg, &gerr, &dbg);
		g_debug("source %s: warning from %s: %s", g->src->conf.name,
		        GST_MESSAGE_SRC_NAME(msg), gerr ? gerr->message : "?");
		break;
	}
	case GST_MESSAGE_LATENCY:
		if (g->pipeline)
			gst_bin_recalculate_latency(GST_BIN(g->pipeline));
		break;
	default:
		break;
	}
	return G_SOURCE_CONTINUE;
}

/* A state change failed: reports the error the pipeline posted for it, if
 * any, else WHAT. */
static void fail_state_change(struct gst_src *g, const char *what)
{
	g_autoptr(GstBus) bus = gst_element_get_bus(g->pipeline);
	GstMessage *msg = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);

	if (msg) {
		on_bus_message(bus, msg, g);
		gst_message_unref(msg);
	} else {
		gst_src_fail(g, FAIL_ERROR, what);
	}
}

/* Starts one run: builds the pipeline if there is none, watches its bus,
 * resets the streaming state and goes to PLAYING. A live pipeline
 * (PAUSED answers NO_PREROLL) gets sync=FALSE, a non-live one keeps
 * sync=TRUE so it plays in real time. Failures go to gst_src_fail. */
static void run_start(struct gst_src *g)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(GstBus) bus = NULL;
	GstStateChangeReturn ret;

	if (!g->pipeline && !(g->pipeline = pipeline_build(g, &err))) {
		gst_src_fail(g, FAIL_ERROR, err->message);
		return;
	}
	bus = gst_element_get_bus(g->pipeline);
	g->bus_watch = gst_bus_create_watch(bus);
	g_source_set_callback(g->bus_watch, G_SOURCE_FUNC(on_bus_message), g, NULL);
	g_source_attach(g->bus_watch, g->ctx);

	g_mutex_lock(&g->lock);
	g->accept = TRUE;
	g->have_prev = FALSE;
	g->have_anchor = FALSE;
	g_byte_array_set_size(g->chunk, 0);
	g->ref = REF_NONE;
	g->clock_used = SRC_CLOCK_NONE;
	atomic_store(&g->offset_known, 0);
	g_mutex_unlock(&g->lock);
	g->run_started_us = g_get_monotonic_time();
	atomic_store(&g->last_sample_us, g->run_started_us);

	ret = gst_element_set_state(g->pipeline, GST_STATE_PAUSED);
	if (ret == GST_STATE_CHANGE_FAILURE) {
		fail_state_change(g, "could not pause the pipeline");
		return;
	}
	gst_base_sink_set_sync(GST_BASE_SINK(g->sink), ret != GST_STATE_CHANGE_NO_PREROLL);
	if (gst_element_set_state(g->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
		fail_state_change(g, "could not start the pipeline");
}

static gboolean on_restart(gpointer user)
{
	struct gst_src *g = user;

	g_clear_pointer(&g->restart_timer, g_source_unref);
	atomic_fetch_add(&g->restarts, 1);
	run_start(g);
	return G_SOURCE_REMOVE;
}

/* Ends the current run after an error, EOS or stall: logs one warning
 * naming the source and WHAT, counts it, tears the pipeline down and
 * schedules a restart after the backoff (doubling, capped at
 * BACKOFF_MAX_US; reset when the run lasted HEALTHY_US). Does nothing when
 * stopped or when a restart is already pending. */
static void gst_src_fail(struct gst_src *g, enum fail_kind kind, const char *what)
{
	gint64 now = g_get_monotonic_time();
	GSource *t;

	if (!g->running || g->restart_timer)
		return;
	if (now - g->run_started_us >= HEALTHY_US)
		g->backoff_us = BACKOFF_MIN_US;
	if (kind == FAIL_EOS)
		atomic_fetch_add(&g->eos, 1);
	else
		atomic_fetch_add(&g->src->errors, 1);
	g_warning("source %s: %s; restarting in %.1f s", g->src->conf.name, what,
	          (double)g->backoff_us / G_TIME_SPAN_SECOND);

	pipeline_teardown(g);
	t = g_timeout_source_new((guint)(g->backoff_us / G_TIME_SPAN_MILLISECOND));
	g_source_set_callback(t, on_restart, g, NULL);
	g_source_attach(t, g->ctx);
	g->restart_timer = t;
	g->pending_us = g->backoff_us;
	g->backoff_us = MIN(g->backoff_us * 2, BACKOFF_MAX_US);
}

/* Once a second: restarts a pipeline that has delivered nothing for
 * STALL_US. */
static gboolean on_tick(gpointer user)
{
	struct gst_src *g = user;
	gint64 idle = g_get_monotonic_time() - atomic_load(&g->last_sample_us);

	if (g->pipeline && !g->restart_timer && idle > STALL_US) {
		g_autofree char *what =
		        g_strdup_printf("no data for %.0f s", (double)idle / G_TIME_SPAN_SECOND);

		gst_src_fail(g, FAIL_ERROR, what);
	}
	return G_SOURCE_CONTINUE;
}

/* Starts the first run on the thread-default main context, which must
 * keep running: the bus watch, restarts and the stall watch live there. */
static gboolean gst_src_start(source *src, GError **err)
{
	struct gst_src *g = src->priv;

	g->ctx = g_main_context_ref_thread_default();
	g->running = TRUE;
	g->backoff_us = BACKOFF_MIN_US;
	g->tick_timer = g_timeout_source_new(TICK_MS);
	g_source_set_callback(g->tick_timer, on_tick, g, NULL);
	g_source_attach(g->tick_timer, g->ctx);
	run_start(g);
	return TRUE;
}

/* Call on the thread that started it. Sets the pipeline to NULL; no
 * sample is pushed after it returns. */
static void gst_src_stop(source *src)
{
	struct gst_src *g = src->priv;

	g->running = FALSE;
	if (g->restart_timer) {
		g_source_destroy(g->restart_timer);
		g_clear_pointer(&g->restart_timer, g_source_unref);
	}
	if (g->tick_timer) {
		g_source_destroy(g->tick_timer);
		g_clear_pointer(&g->tick_timer, g_source_unref);
	}
	pipeline_teardown(g);
	g_clear_pointer(&g->ctx, g_main_context_unref);
}

static void gst_src_free(source *src)
{
	struct gst_src *g = src->priv;

	pipeline_teardown(g);
	g_clear_pointer(&g->clock, gst_object_unref);
	g_clear_pointer(&g->description, g_free);
	g_byte_array_unref(g->chunk);
	g_clear_pointer(&g->ntp_caps, gst_caps_unref);
	g_mutex_clear(&g->lock);
	g_free(g);
	src->priv = NULL;
}

static void gst_src_metrics(source *src, GString *out)
{
	struct gst_src *g = src->priv;
	gint64 last = atomic_load(&g->last_sample_us);
	gboolean up =
	        g->pipeline && last > g->run_started_us && g_get_monotonic_time() - last <= UP_US;

	source_metric_u64(out, src, "ringside_source_eos_total", atomic_load(&g->eos));
	source_metric_u64(out, src, "ringside_source_restarts_total", atomic_load(&g->restarts));
	source_metric_u64(out, src, "ringside_source_dropped_total", atomic_load(&g->dropped));
	if (src->conf.kind == RS_KIND_AUDIO)
		source_metric_u64(out, src, "ringside_source_discontinuities_total",
		                  atomic_load(&g->discont));
	source_metric_u64(out, src, "ringside_source_up", up);
	source_metric_double(out, src, "ringside_source_capture_delay_seconds",
	                     (double)atomic_load(&g->delay_ns) / GST_SECOND);
	source_metric_double(out, src, "ringside_source_backoff_seconds",
	                     g->restart_timer ? (double)g->pending_us / G_TIME_SPAN_SECOND : 0);
	g_string_append(out, "ringside_source_clock{source=\"");
	source_label_escape(out, src->conf.name);
	g_string_append_printf(out, "\",clock=\"%s\"} 1\n",
	                       atomic_load(&g->clock_active) == SRC_CLOCK_RTCP ? "rtcp"
	                                                                       : "pipeline");
	if (atomic_load(&g->offset_known))
		source_metric_double(out, src, "ringside_source_clock_offset_seconds",
		                     (double)atomic_load(&g->offset_ns) / GST_SECOND);
}

static const struct source_ops gst_ops = {
        .start = gst_src_start,
        .stop = gst_src_stop,
        .free = gst_src_free,
        .metrics = gst_src_metrics,
};

/* Checks the source's media settings and parses its pipeline once (so a
 * bad description fails here, naming the source); that pipeline is the
 * first run's. */
gboolean source_gst_init(source *src, GError **err)
{
	const struct rs_source_conf *c = &src->conf;
	struct gst_src *g = NULL;
	GError *ierr = NULL;
	gboolean ok = FALSE;

	if (!gst_init_check(NULL, NULL, &ierr)) {
		g_propagate_prefixed_error(err, ierr, "source %s: ", c->name);
		goto out;
	}
	if (!c->pipeline == !c->uri) {
		g_set_error(err, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
		            "source %s: needs exactly one of uri and pipeline", c->name);
		goto out;
	}
	if (c->kind == RS_KIND_VIDEO && (!c->width || !c->height || !c->fps)) {
		g_set_error(err, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
		            "source %s: width, height and fps must be > 0", c->name);
		goto out;
	}
	if (c->kind == RS_KIND_AUDIO && c->sample_rate < AUDIO_CHUNKS_PER_S) {
		g_set_error(err, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
		            "source %s: sample_rate must be >= %d", c->name, AUDIO_CHUNKS_PER_S);
		goto out;
	}

	g = g_new0(struct gst_src, 1);
	g->src = src;
	g_mutex_init(&g->lock);
	g->chunk_samples = c->sample_rate / AUDIO_CHUNKS_PER_S;
	g->chunk = g_byte_array_sized_new(g->chunk_samples * 2);
	g->description = describe(c);
	g->ntp_caps = gst_caps_new_empty_simple("timestamp/x-ntp");
	g->clock = g_object_new(GST_TYPE_SYSTEM_CLOCK, "name", "ringside-realtime", "clock-type",
	                        GST_CLOCK_TYPE_REALTIME, NULL);
	gst_object_ref_sink(g->clock);
	src->priv = g;
	src->ops = &gst_ops;
	g->pipeline = pipeline_build(g, err);
	if (!g->pipeline)
		goto out;
	ok = TRUE;
out:
	if (!ok && g) {
		gst_src_free(src);
		src->ops = NULL;
	}
	return ok;
}
