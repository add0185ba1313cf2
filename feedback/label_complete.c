/* Label completion: what the daemon adds to a validated reviewer label
 * before it is published. Boxes between keyframes are interpolated,
 * speaker changes marked, and what only a model may say (confidences)
 * cleared. The label is a shallow copy whose nested messages belong to
 * the received message: they are copied, never changed in place. */
#include "feedback/label.h"

#include <string.h>

/* Copies the N messages of SIZE bytes that PTRS points at into one block,
 * with a new pointer array to them; both go to GARBAGE. The copies carry
 * no unknown fields, so nothing the daemon did not check reaches Redis.
 * Returns the new pointer array, or PTRS when N is 0. O(N). */
static void *copy_msgs(void *ptrs, gsize n, gsize size, GPtrArray *garbage)
{
	void **src = ptrs, **dst;
	char *block;

	if (n == 0)
		return ptrs;
	block = g_malloc(n * size);
	dst = g_new(void *, n);
	for (gsize i = 0; i < n; i++) {
		ProtobufCMessage *m = (ProtobufCMessage *)(block + i * size);

		memcpy(m, src[i], size);
		m->n_unknown_fields = 0;
		m->unknown_fields = NULL;
		dst[i] = m;
	}
	g_ptr_array_add(garbage, block);
	g_ptr_array_add(garbage, dst);
	return dst;
}

/* One optional message, copied as above; NULL stays NULL. */
static void *copy_msg(void *msg, gsize size, GPtrArray *garbage)
{
	void **p;

	if (!msg)
		return NULL;
	p = copy_msgs(&msg, 1, size, garbage);
	return p[0];
}

#define COPY_ALL(out, field, type, garbage)                                                        \
	((out)->field = copy_msgs((out)->field, (out)->n_##field, sizeof(type), (garbage)))

static const struct rs_window_source *find_source(const rs_window *w, const char *name)
{
	for (guint i = 0; i < w->n_sources; i++) {
		if (!strcmp(w->sources[i].conf->name, name))
			return &w->sources[i];
	}
	return NULL;
}

/* The box at T_NS between keyframes A and B (A->t_ns < T_NS < B->t_ns):
 * each of x, y, w, h moves linearly with time. */
static void interpolate(Ringside__V1__Box *out, const Ringside__V1__Box *a,
                        const Ringside__V1__Box *b, gint64 t_ns)
{
	double f = (double)(t_ns - a->t_ns) / (double)(b->t_ns - a->t_ns);

	ringside__v1__box__init(out);
	out->t_ns = t_ns;
	out->x = (float)(a->x + ((double)b->x - a->x) * f);
	out->y = (float)(a->y + ((double)b->y - a->y) * f);
	out->w = (float)(a->w + ((double)b->w - a->w) * f);
	out->h = (float)(a->h + ((double)b->h - a->h) * f);
	out->keyframe = FALSE;
}

/* T's boxes: one per frame of its source from its first keyframe to its
 * last, keyframes (already copied, keyframe=true) as they are, frames in
 * between interpolated. O(keyframes + frames in the span). */
static void fill_boxes(Ringside__V1__Track *t, const rs_window *w, GPtrArray *garbage)
{
	const struct rs_window_source *ws = find_source(w, t->source);
	Ringside__V1__Box **kf = t->keyframes, *block, **ptrs;
	gsize nk = t->n_keyframes, k = 0, n = 0;
	guint first, last;

	t->n_boxes = 0;
	t->boxes = NULL;
	if (!ws || !ws->samples || nk == 0)
		return;
	first = label_frame_first_at(ws, kf[0]->t_ns);
	last = label_frame_first_at(ws, kf[nk - 1]->t_ns + 1);
	if (last <= first)
		return;
	block = g_new(Ringside__V1__Box, last - first);
	ptrs = g_new(Ringside__V1__Box *, last - first);
	g_ptr_array_add(garbage, block);
	g_ptr_array_add(garbage, ptrs);
	for (guint i = first; i < last; i++) {
		const rs_sample *s = g_ptr_array_index(ws->samples, i);

		while (k + 1 < nk && kf[k + 1]->t_ns <= s->t_ns)
			k++;
		if (kf[k]->t_ns == s->t_ns)
			block[n] = *kf[k];
		else if (k + 1 < nk && kf[k]->t_ns < s->t_ns)
			interpolate(&block[n], kf[k], kf[k + 1], s->t_ns);
		else
			continue;
		ptrs[n] = &block[n];
		n++;
	}
	t->n_boxes = n;
	t->boxes = ptrs;
}

static void complete_tracks(Ringside__V1__Label *out, const rs_window *w, GPtrArray *garbage)
{
	COPY_ALL(out, tracks, Ringside__V1__Track, garbage);
	for (gsize i = 0; i < out->n_tracks; i++) {
		Ringside__V1__Track *t = out->tracks[i];

		t->confidence = 0;
		COPY_ALL(t, keyframes, Ringside__V1__Box, garbage);
		for (gsize k = 0; k < t->n_keyframes; k++)
			t->keyframes[k]->keyframe = TRUE;
	}
	/* the copies: onto the exact frame times, then interpolated between */
	label_snap_keyframes(out, w, FALSE);
	for (gsize i = 0; i < out->n_tracks; i++)
		fill_boxes(out->tracks[i], w, garbage);
}

/* speaker_change: the speaker differs from the one of the previous
 * segment of the same source; never for a source's first segment or when
 * either speaker is unknown (""). O(segments x sources). */
static void complete_transcript(Ringside__V1__Label *out, const rs_window *w, GPtrArray *garbage)
{
	g_autofree const char **last = NULL;

	COPY_ALL(out, transcript, Ringside__V1__TranscriptSegment, garbage);
	if (!out->n_transcript)
		return;
	last = g_new0(const char *, w->n_sources + 1);
	for (gsize i = 0; i < out->n_transcript; i++) {
		Ringside__V1__TranscriptSegment *s = out->transcript[i];
		const struct rs_window_source *ws = find_source(w, s->source);
		/* an unknown source (not validated) shares the extra slot */
		guint src = ws ? (guint)(ws - w->sources) : w->n_sources;

		s->confidence = 0;
		s->speaker_change = last[src] && last[src][0] && s->speaker_id[0] &&
		                    strcmp(last[src], s->speaker_id) != 0;
		last[src] = s->speaker_id;
	}
}

void label_complete(Ringside__V1__Label *out, const rs_window *w, GPtrArray *garbage)
{
	out->n_class_confidences = 0;
	out->class_confidences = NULL;

	COPY_ALL(out, events, Ringside__V1__TimedEvent, garbage);
	for (gsize i = 0; i < out->n_events; i++)
		out->events[i]->confidence = 0;
	COPY_ALL(out, captions, Ringside__V1__Caption, garbage);
	for (gsize i = 0; i < out->n_captions; i++)
		out->captions[i]->confidence = 0;
	COPY_ALL(out, sensor_segments, Ringside__V1__SensorSegment, garbage);
	for (gsize i = 0; i < out->n_sensor_segments; i++)
		out->sensor_segments[i]->confidence = 0;
	COPY_ALL(out, speakers, Ringside__V1__Speaker, garbage);
	complete_transcript(out, w, garbage);
	complete_tracks(out, w, garbage);
	COPY_ALL(out, entities, Ringside__V1__Entity, garbage);
	for (gsize i = 0; i < out->n_entities; i++)
		COPY_ALL(out->entities[i], mentions, Ringside__V1__Mention, garbage);
	COPY_ALL(out, instructions, Ringside__V1__Instruction, garbage);
	out->flag = copy_msg(out->flag, sizeof(Ringside__V1__Flag), garbage);
	out->preannotations =
	        copy_msg(out->preannotations, sizeof(Ringside__V1__PreAnnotationUse), garbage);
}
