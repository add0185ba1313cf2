/* Label kinds tied to the window's media and timeline: timed events,
 * speakers and transcript segments (audio), tracks of boxes (video
 * frames) and sensor segments (channels of a sensor). */
#include "feedback/label_internal.h"

#include <math.h>
#include <string.h>

gboolean lv_events(struct lv *v)
{
	const Ringside__V1__Label *l = v->l;
	const struct rs_group_conf *g = v->g;

	if (l->n_events > LABEL_EVENTS_MAX)
		return lv_refuse(v, "events: at most %d", LABEL_EVENTS_MAX);
	for (gsize i = 0; i < l->n_events; i++) {
		const Ringside__V1__TimedEvent *e = l->events[i];
		char path[LV_PATH_MAX], conf[LV_PATH_MAX];

		g_snprintf(path, sizeof(path), "events[%zu]", i);
		g_snprintf(conf, sizeof(conf), "%s.confidence", path);
		if (!lv_span(v, path, e->start_ns, e->end_ns, FALSE))
			return FALSE;
		if (!lv_in_list(g->event_classes, g->n_event_classes, e->class_))
			return lv_refuse(v, "%s.class: \"%s\" is not an event class of group %s",
			                 path, lv_echo(v, e->class_), g->name);
		if (!lv_sources(v, path, e->sources, e->n_sources, FALSE) ||
		    !lv_confidence(v, conf, e->confidence))
			return FALSE;
	}
	return TRUE;
}

/* The window's source NAME if it is of KIND, else NULL. */
static const struct rs_window_source *source_of_kind(struct lv *v, const char *name,
                                                     enum rs_kind kind)
{
	const struct rs_window_source *ws = lv_source(v->w, name);

	return ws && ws->conf->kind == kind ? ws : NULL;
}

gboolean lv_is_speaker(const Ringside__V1__Label *l, const char *id)
{
	for (gsize i = 0; i < l->n_speakers; i++) {
		if (!strcmp(l->speakers[i]->speaker_id, id))
			return TRUE;
	}
	return FALSE;
}

/* Speakers: unique ids, optional names. speaker_change is not looked at:
 * label_complete sets it. */
static gboolean check_speakers(struct lv *v)
{
	const Ringside__V1__Label *l = v->l;

	if (l->n_speakers > LABEL_SPEAKERS_MAX)
		return lv_refuse(v, "speakers: at most %d", LABEL_SPEAKERS_MAX);
	for (gsize i = 0; i < l->n_speakers; i++) {
		const Ringside__V1__Speaker *s = l->speakers[i];
		char path[LV_PATH_MAX];

		if (!lv_valid_id(s->speaker_id))
			return lv_refuse(
			        v,
			        "speakers[%zu].speaker_id: must be 1-%d printable characters "
			        "without spaces",
			        i, LABEL_ID_MAX);
		for (gsize j = 0; j < i; j++) {
			if (!strcmp(l->speakers[j]->speaker_id, s->speaker_id))
				return lv_refuse(v,
				                 "speakers[%zu].speaker_id: \"%s\" is given twice",
				                 i, s->speaker_id);
		}
		g_snprintf(path, sizeof(path), "speakers[%zu].name", i);
		if (!lv_text(v, path, s->name, LV_TEXT_LINE, LABEL_NAME_MAX, FALSE, NULL, NULL))
			return FALSE;
	}
	return TRUE;
}

static gboolean check_sound_tags(struct lv *v, const char *path,
                                 const Ringside__V1__TranscriptSegment *s)
{
	const struct rs_group_conf *g = v->g;

	if (s->n_sound_tags > LABEL_SOUND_TAGS_MAX)
		return lv_refuse(v, "%s.sound_tags: at most %d", path, LABEL_SOUND_TAGS_MAX);
	for (gsize k = 0; k < s->n_sound_tags; k++) {
		if (!lv_in_list(g->sound_tags, g->n_sound_tags, s->sound_tags[k]))
			return lv_refuse(
			        v, "%s.sound_tags[%zu]: \"%s\" is not a sound tag of group %s",
			        path, k, lv_echo(v, s->sound_tags[k]), g->name);
		if (lv_seen_before(s->sound_tags, k))
			return lv_refuse(v, "%s.sound_tags[%zu]: \"%s\" is given twice", path, k,
			                 lv_echo(v, s->sound_tags[k]));
	}
	return TRUE;
}

/* One segment, everything but its place in its source's order. */
static gboolean check_segment(struct lv *v, gsize i, const Ringside__V1__TranscriptSegment *s)
{
	const struct rs_group_conf *g = v->g;
	char path[LV_PATH_MAX], sub[LV_PATH_MAX];

	g_snprintf(path, sizeof(path), "transcript[%zu]", i);
	if (!source_of_kind(v, s->source, RS_KIND_AUDIO))
		return lv_refuse(v, "%s.source: \"%s\" is not an audio source of group %s", path,
		                 lv_echo(v, s->source), g->name);
	if (!lv_span(v, path, s->start_ns, s->end_ns, FALSE))
		return FALSE;
	g_snprintf(sub, sizeof(sub), "%s.text", path);
	if (!lv_text(v, sub, s->text, LV_TEXT_FREE, g->text_max_chars, TRUE, &v->segment_chars[i],
	             NULL))
		return FALSE;
	if (s->speaker_id[0] && !lv_is_speaker(v->l, s->speaker_id))
		return lv_refuse(v, "%s.speaker_id: \"%s\" is not one of this label's speakers",
		                 path, lv_echo(v, s->speaker_id));
	if (s->emotion[0] && !lv_in_list(g->emotions, g->n_emotions, s->emotion))
		return lv_refuse(v, "%s.emotion: \"%s\" is not an emotion of group %s", path,
		                 lv_echo(v, s->emotion), g->name);
	g_snprintf(sub, sizeof(sub), "%s.confidence", path);
	return check_sound_tags(v, path, s) && lv_confidence(v, sub, s->confidence);
}

/* Speakers, then segments: each valid, and the segments of one source in
 * time order without overlap (a segment starts at or after the end of the
 * one before it from the same source). O(segments). */
gboolean lv_transcript(struct lv *v)
{
	const Ringside__V1__Label *l = v->l;
	g_autofree gssize *prev = NULL;

	if (!check_speakers(v))
		return FALSE;
	if (l->n_transcript > LABEL_TRANSCRIPT_MAX)
		return lv_refuse(v, "transcript: at most %d", LABEL_TRANSCRIPT_MAX);
	if (!l->n_transcript)
		return TRUE;
	prev = g_new(gssize, v->w->n_sources);
	for (guint k = 0; k < v->w->n_sources; k++)
		prev[k] = -1;
	for (gsize i = 0; i < l->n_transcript; i++) {
		const Ringside__V1__TranscriptSegment *s = l->transcript[i];
		const Ringside__V1__TranscriptSegment *p;
		guint src;

		if (!check_segment(v, i, s))
			return FALSE;
		src = (guint)(lv_source(v->w, s->source) - v->w->sources);
		if (prev[src] >= 0) {
			p = l->transcript[prev[src]];
			if (s->start_ns < p->end_ns)
				return lv_refuse(v,
				                 "transcript[%zu].start_ns: %" G_GINT64_FORMAT
				                 " is before the end %" G_GINT64_FORMAT
				                 " of transcript[%zu], the segment before it from "
				                 "source %s",
				                 i, (gint64)s->start_ns, (gint64)p->end_ns,
				                 (gsize)prev[src], s->source);
		}
		prev[src] = (gssize)i;
	}
	return TRUE;
}

guint label_frame_first_at(const struct rs_window_source *ws, gint64 t_ns)
{
	guint lo = 0, hi = ws->samples ? ws->samples->len : 0;

	while (lo < hi) {
		guint mid = lo + (hi - lo) / 2;
		const rs_sample *s = g_ptr_array_index(ws->samples, mid);

		if (s->t_ns < t_ns)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

gint label_frame_near(const struct rs_window_source *ws, gint64 t_ns, gint64 tol_ns)
{
	guint n = ws->samples ? ws->samples->len : 0;
	guint lo = label_frame_first_at(ws, t_ns);
	gint best = -1;
	/* Distances in unsigned: a hostile t_ns (INT64_MIN) must not wrap
	 * into "near" a frame. */
	guint64 best_d = tol_ns > 0 ? (guint64)tol_ns : 0;

	/* lo is the first frame at or after t_ns: it or the one before */
	for (guint i = lo > 0 ? lo - 1 : 0; i < n && i <= lo; i++) {
		const rs_sample *s = g_ptr_array_index(ws->samples, i);
		guint64 d = s->t_ns > t_ns ? (guint64)s->t_ns - (guint64)t_ns
		                           : (guint64)t_ns - (guint64)s->t_ns;

		if (d <= best_d) {
			best = (gint)i;
			best_d = d;
		}
	}
	return best;
}

gint64 label_frame_tolerance(const struct rs_source_conf *src, gboolean pre)
{
	if (pre && src->fps)
		return 1000000000LL / (2 * (gint64)src->fps);
	return LABEL_FRAME_TOLERANCE_NS;
}

void label_snap_keyframes(Ringside__V1__Label *label, const rs_window *w, gboolean pre)
{
	for (gsize i = 0; i < label->n_tracks; i++) {
		Ringside__V1__Track *t = label->tracks[i];
		const struct rs_window_source *ws = lv_source(w, t->source);

		if (!ws || !ws->samples)
			continue;
		for (gsize k = 0; k < t->n_keyframes; k++) {
			gint f = label_frame_near(ws, t->keyframes[k]->t_ns,
			                          label_frame_tolerance(ws->conf, pre));

			if (f >= 0)
				t->keyframes[k]->t_ns =
					((const rs_sample *)g_ptr_array_index(ws->samples, f))->t_ns;
		}
	}
}

/* A box inside the source's frame: finite, x, y >= 0, w, h > 0. */
static gboolean check_box(struct lv *v, const char *path, const Ringside__V1__Box *b,
                          const struct rs_source_conf *src)
{
	const float vals[4] = {b->x, b->y, b->w, b->h};
	static const char *const names[4] = {"x", "y", "w", "h"};

	for (guint k = 0; k < 4; k++) {
		if (!isfinite(vals[k]))
			return lv_refuse(v, "%s.%s: not a finite number", path, names[k]);
		if (k < 2 && vals[k] < 0.0f)
			return lv_refuse(v, "%s.%s: %.1f must be at least 0", path, names[k],
			                 (double)vals[k]);
		if (k >= 2 && vals[k] <= 0.0f)
			return lv_refuse(v, "%s.%s: %.1f must be more than 0", path, names[k],
			                 (double)vals[k]);
	}
	if ((double)b->x + b->w > src->width)
		return lv_refuse(v,
		                 "%s.x: %.1f + w %.1f is outside the frame width %u of source %s",
		                 path, (double)b->x, (double)b->w, src->width, src->name);
	if ((double)b->y + b->h > src->height)
		return lv_refuse(v,
		                 "%s.y: %.1f + h %.1f is outside the frame height %u of source %s",
		                 path, (double)b->y, (double)b->h, src->height, src->name);
	return TRUE;
}

static gboolean check_keyframes(struct lv *v, const char *path, const Ringside__V1__Track *t,
                                const struct rs_window_source *ws)
{
	if (t->n_keyframes == 0)
		return lv_refuse(v, "%s.keyframes: give at least one", path);
	if (t->n_keyframes > LABEL_KEYFRAMES_MAX)
		return lv_refuse(v, "%s.keyframes: at most %d", path, LABEL_KEYFRAMES_MAX);
	gint64 tol = label_frame_tolerance(ws->conf, v->pre);
	gint prev = -1;

	for (gsize k = 0; k < t->n_keyframes; k++) {
		const Ringside__V1__Box *b = t->keyframes[k];
		char kpath[LV_PATH_MAX];
		gint f;

		g_snprintf(kpath, sizeof(kpath), "%s.keyframes[%zu]", path, k);
		if (k && b->t_ns <= t->keyframes[k - 1]->t_ns)
			return lv_refuse(v,
			                 "%s.t_ns: %" G_GINT64_FORMAT
			                 " must be after the previous keyframe's %" G_GINT64_FORMAT,
			                 kpath, (gint64)b->t_ns, (gint64)t->keyframes[k - 1]->t_ns);
		f = label_frame_near(ws, b->t_ns, tol);
		if (f < 0)
			return lv_refuse(v,
			                 "%s.t_ns: %" G_GINT64_FORMAT
			                 " is not within %" G_GINT64_FORMAT
			                 " ns of a frame of source %s in this window",
			                 kpath, (gint64)b->t_ns, tol, ws->conf->name);
		if (f == prev)
			return lv_refuse(v, "%s.t_ns: the same frame as the previous keyframe", kpath);
		prev = f;
		if (!check_box(v, kpath, b, ws->conf))
			return FALSE;
	}
	return TRUE;
}

gboolean lv_tracks(struct lv *v)
{
	const Ringside__V1__Label *l = v->l;
	const struct rs_group_conf *g = v->g;

	if (l->n_tracks > LABEL_TRACKS_MAX)
		return lv_refuse(v, "tracks: at most %d", LABEL_TRACKS_MAX);
	for (gsize i = 0; i < l->n_tracks; i++) {
		const Ringside__V1__Track *t = l->tracks[i];
		const struct rs_window_source *ws;
		char path[LV_PATH_MAX], conf[LV_PATH_MAX];

		g_snprintf(path, sizeof(path), "tracks[%zu]", i);
		g_snprintf(conf, sizeof(conf), "%s.confidence", path);
		if (!lv_valid_id(t->track_id))
			return lv_refuse(v,
			                 "%s.track_id: must be 1-%d printable characters without "
			                 "spaces",
			                 path, LABEL_ID_MAX);
		for (gsize j = 0; j < i; j++) {
			if (!strcmp(l->tracks[j]->track_id, t->track_id))
				return lv_refuse(v, "%s.track_id: \"%s\" is given twice", path,
				                 t->track_id);
		}
		if (!lv_in_list(g->box_classes, g->n_box_classes, t->class_))
			return lv_refuse(v, "%s.class: \"%s\" is not a box class of group %s", path,
			                 lv_echo(v, t->class_), g->name);
		ws = source_of_kind(v, t->source, RS_KIND_VIDEO);
		if (!ws)
			return lv_refuse(v, "%s.source: \"%s\" is not a video source of group %s",
			                 path, lv_echo(v, t->source), g->name);
		if (t->n_boxes)
			return lv_refuse(v, "%s.boxes: set by the daemon; send keyframes only",
			                 path);
		if (!check_keyframes(v, path, t, ws) || !lv_confidence(v, conf, t->confidence))
			return FALSE;
	}
	return TRUE;
}

static gboolean check_channels(struct lv *v, const char *path, const Ringside__V1__SensorSegment *s,
                               const struct rs_source_conf *src)
{
	if (s->n_channels > LABEL_CHANNELS_MAX)
		return lv_refuse(v, "%s.channels: at most %d", path, LABEL_CHANNELS_MAX);
	for (gsize k = 0; k < s->n_channels; k++) {
		if (!lv_in_list(src->channels, src->n_channels, s->channels[k]))
			return lv_refuse(v,
			                 "%s.channels[%zu]: \"%s\" is not a channel of source %s",
			                 path, k, lv_echo(v, s->channels[k]), src->name);
		if (lv_seen_before(s->channels, k))
			return lv_refuse(v, "%s.channels[%zu]: \"%s\" is given twice", path, k,
			                 lv_echo(v, s->channels[k]));
	}
	return TRUE;
}

gboolean lv_sensor_segments(struct lv *v)
{
	const Ringside__V1__Label *l = v->l;
	const struct rs_group_conf *g = v->g;

	if (l->n_sensor_segments > LABEL_SENSOR_SEGMENTS_MAX)
		return lv_refuse(v, "sensor_segments: at most %d", LABEL_SENSOR_SEGMENTS_MAX);
	for (gsize i = 0; i < l->n_sensor_segments; i++) {
		const Ringside__V1__SensorSegment *s = l->sensor_segments[i];
		const struct rs_window_source *ws;
		char path[LV_PATH_MAX], conf[LV_PATH_MAX];

		g_snprintf(path, sizeof(path), "sensor_segments[%zu]", i);
		g_snprintf(conf, sizeof(conf), "%s.confidence", path);
		ws = source_of_kind(v, s->source, RS_KIND_SENSOR);
		if (!ws)
			return lv_refuse(v, "%s.source: \"%s\" is not a sensor source of group %s",
			                 path, lv_echo(v, s->source), g->name);
		if (!lv_span(v, path, s->start_ns, s->end_ns, FALSE) ||
		    !check_channels(v, path, s, ws->conf))
			return FALSE;
		if (!lv_in_list(g->segment_classes, g->n_segment_classes, s->class_))
			return lv_refuse(v, "%s.class: \"%s\" is not a segment class of group %s",
			                 path, lv_echo(v, s->class_), g->name);
		if (!lv_confidence(v, conf, s->confidence))
			return FALSE;
	}
	return TRUE;
}
