/* The scene's microphone: S16 mono in 20 ms chunks on the wall-clock sample
 * grid, a faint noise floor and a tone for each event, sample-exact. */
#include "scene.h"

#include <math.h>

/* Tone of each class (Hz), its amplitude and the noise floor's standard
 * deviation, in sample units (full scale 32767): about -6 dBFS over -66 dBFS. */
#define AUDIO_SQUARE_HZ 440.0
#define AUDIO_CIRCLE_HZ 1000.0
#define AUDIO_TONE_AMPLITUDE 16000.0
#define AUDIO_NOISE_SIGMA 16.0
/* Marker mode: a click is a positive step of this many sample units held
 * for SCENE_CLICK_NS (a step survives resampling better than a tone). */
#define AUDIO_CLICK_AMPLITUDE 20000.0

/* Wall-clock instant of sample N. */
static gint64 audio_sample_ns(const struct scene_run *run, guint64 n)
{
	return run->begin_ns + gst_util_uint64_scale(n, GST_SECOND, run->opts->rate);
}

/* Audio thread: chunk C holds samples [C * rate / 50, (C + 1) * rate / 50);
 * sample N is the sound at begin + N / rate, and the chunk's PTS is its first
 * sample's instant. Chunks are pushed SCENE_AHEAD_NS early; the udpsink sends
 * each at its instant; a backlog past SCENE_SKIP_NS is skipped. A tone starts
 * at phase 0 on the first sample at or after an event's start and stops
 * before the first at or after its end. In marker mode there are no events:
 * a click starts on the first sample at or after each marker instant and
 * lasts SCENE_CLICK_NS. Returns when asked to stop or when the appsrc
 * refuses a buffer. */
gpointer scene_audio_run(gpointer data)
{
	struct scene_run *run = data;
	const struct scene_opts *opts = run->opts;
	struct scene_events *events = scene_events_new(opts, run->begin_ns);
	GRand *noise = g_rand_new_with_seed((guint32)opts->seed ^ 0x61756469u);
	guint64 chunk = opts->rate / 50;

	for (guint64 c = 0;; c++) {
		guint64 want = scene_grid_next(run->begin_ns, c, chunk, opts->rate);
		guint64 n0 = want * chunk;
		gint64 t = audio_sample_ns(run, n0);
		GstBuffer *buf;
		GstMapInfo map;
		gint16 *pcm;

		if (!scene_sleep_until(t - SCENE_AHEAD_NS, &run->stop))
			break;
		buf = gst_buffer_new_allocate(NULL, chunk * sizeof(gint16), NULL);
		if (!gst_buffer_map(buf, &map, GST_MAP_WRITE)) {
			gst_buffer_unref(buf);
			break;
		}
		pcm = (gint16 *)map.data;
		for (guint64 i = 0; i < chunk; i++) {
			gint64 ti = audio_sample_ns(run, n0 + i);
			const struct scene_event *event = NULL;
			double v = AUDIO_NOISE_SIGMA * scene_gauss(noise);

			if (opts->marker_ns > 0) {
				if (ti - scene_marker_before(opts, ti) < (gint64)SCENE_CLICK_NS)
					v += AUDIO_CLICK_AMPLITUDE;
			} else {
				event = scene_events_at(events, ti);
			}
			if (event) {
				double hz = event->cls == SCENE_SQUARE ? AUDIO_SQUARE_HZ
				                                       : AUDIO_CIRCLE_HZ;
				double s = (double)(ti - event->start_ns) / GST_SECOND;

				v += AUDIO_TONE_AMPLITUDE * sin(2.0 * G_PI * hz * s);
			}
			pcm[i] = (gint16)CLAMP(lrint(v), G_MININT16, G_MAXINT16);
		}
		gst_buffer_unmap(buf, &map);
		GST_BUFFER_PTS(buf) = t - run->base_ns;
		GST_BUFFER_DURATION(buf) = audio_sample_ns(run, n0 + chunk) - t;
		GST_BUFFER_OFFSET(buf) = n0;
		GST_BUFFER_OFFSET_END(buf) = n0 + chunk;
		if (want != c) {
			g_printerr("ringside-scene: audio: %" G_GUINT64_FORMAT
			           " chunks behind, skipped\n",
			           want - c);
			GST_BUFFER_FLAG_SET(buf, GST_BUFFER_FLAG_DISCONT);
		}
		c = want;
		if (gst_app_src_push_buffer(run->audio_src, buf) != GST_FLOW_OK)
			break;
	}
	g_rand_free(noise);
	scene_events_free(events);
	return NULL;
}
