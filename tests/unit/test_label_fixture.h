/* Shared by the test_label*.c unit tests: the window every label answers
 * and small builders for labels, so that each test states one rule by
 * changing one field of a good label.
 *
 * Group robot1 takes every kind; classes person/cat/dog (also the event
 * classes), box classes person/car, segment classes bump/idle, emotions
 * calm/angry, sound tags music/rain, captions of 10-200 characters (text
 * at most 200). Window [1000, 5000) with sources
 *   cam  video 160x120, frames at 1000, 1200, ..., 4800 (FRAME_NS apart)
 *   mic  audio, chunks of 500 ns
 *   imu  sensor, channels ax ay az, a reading every 100 ns. */
#pragma once

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "feedback/label.h"

#define WIN_START 1000
#define WIN_END 5000
#define WIN_ID "robot1:1000"
#define FRAME_NS 200
#define N_FRAMES 20
#define ALL_KINDS 0x1fe /* bits 1..8 */
#define KIND(k) RS_KIND_BIT(RINGSIDE__V1__LABEL_KIND__LABEL_KIND_##k)

struct fixture {
	struct rs_source_conf src[3];
	struct rs_source_conf *srcp[3];
	struct rs_group_conf group;
	rs_window *w;
	GPtrArray *arena; /* every block the builders allocate */
};

static char *fx_classes[] = {"person", "cat", "dog", NULL};
static char *fx_box_classes[] = {"person", "car", NULL};
static char *fx_segment_classes[] = {"bump", "idle", NULL};
static char *fx_emotions[] = {"calm", "angry", NULL};
static char *fx_sound_tags[] = {"music", "rain", NULL};
static char *fx_channels[] = {"ax", "ay", "az", NULL};

static void fx_samples(struct rs_window_source *ws, gint64 step, gint64 dur)
{
	for (gint64 t = WIN_START; t < WIN_END; t += step)
		g_ptr_array_add(ws->samples, rs_sample_new(t, dur, g_bytes_new_static("x", 1)));
}

static int fx_setup(void **state)
{
	static const struct {
		const char *name;
		enum rs_kind kind;
	} shape[3] = {{"cam", RS_KIND_VIDEO}, {"mic", RS_KIND_AUDIO}, {"imu", RS_KIND_SENSOR}};
	struct fixture *fx = g_new0(struct fixture, 1);
	struct rs_group_conf *g = &fx->group;

	for (guint i = 0; i < 3; i++) {
		fx->src[i].name = (char *)shape[i].name;
		fx->src[i].kind = shape[i].kind;
		fx->srcp[i] = &fx->src[i];
	}
	fx->src[0].width = 160;
	fx->src[0].height = 120;
	fx->src[0].fps = 5;
	fx->src[1].sample_rate = 16000;
	fx->src[2].channels = fx_channels;
	fx->src[2].n_channels = 3;

	g->name = "robot1";
	g->sources = fx->srcp;
	g->n_sources = 3;
	g->classes = fx_classes;
	g->n_classes = 3;
	g->kinds = ALL_KINDS;
	for (guint k = 1; k <= RS_LABEL_KINDS_MAX; k++)
		g->kind_order[g->n_kinds++] = (guint8)k;
	g->event_classes = fx_classes;
	g->n_event_classes = 3;
	g->box_classes = fx_box_classes;
	g->n_box_classes = 2;
	g->segment_classes = fx_segment_classes;
	g->n_segment_classes = 2;
	g->emotions = fx_emotions;
	g->n_emotions = 2;
	g->sound_tags = fx_sound_tags;
	g->n_sound_tags = 2;
	g->caption_min_chars = 10;
	g->text_max_chars = 200;

	fx->w = g_new0(rs_window, 1);
	fx->w->ref = 1;
	fx->w->id = g_strdup(WIN_ID);
	fx->w->group = g;
	fx->w->start_ns = WIN_START;
	fx->w->end_ns = WIN_END;
	fx->w->reason = RS_REASON_PERIODIC;
	fx->w->n_sources = 3;
	fx->w->sources = g_new0(struct rs_window_source, 3);
	for (guint i = 0; i < 3; i++) {
		fx->w->sources[i].conf = &fx->src[i];
		fx->w->sources[i].samples =
		        g_ptr_array_new_with_free_func((GDestroyNotify)rs_sample_unref);
		fx->w->sources[i].complete = TRUE;
	}
	fx_samples(&fx->w->sources[0], FRAME_NS, FRAME_NS);
	fx_samples(&fx->w->sources[1], 500, 500);
	fx_samples(&fx->w->sources[2], 100, 0);
	fx->w->complete = TRUE;
	fx->arena = g_ptr_array_new_with_free_func(g_free);
	*state = fx;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fixture *fx = *state;

	rs_window_unref(fx->w);
	g_ptr_array_unref(fx->arena);
	g_free(fx);
	return 0;
}

static G_GNUC_UNUSED void *fx_alloc(struct fixture *fx, gsize size)
{
	void *p = g_malloc0(size);

	g_ptr_array_add(fx->arena, p);
	return p;
}

/* A copy of ARR (N pointers) with room for one more. */
static G_GNUC_UNUSED void *fx_grow(struct fixture *fx, void *arr, gsize n)
{
	void **p = fx_alloc(fx, (n + 2) * sizeof(void *));

	if (n)
		memcpy(p, arr, n * sizeof(void *));
	return p;
}

#define FX_APPEND(fx, arr, n, item)                                                                \
	do {                                                                                       \
		(arr) = fx_grow((fx), (arr), (n));                                                 \
		(arr)[(n)++] = (item);                                                             \
	} while (0)

/* A good label: id l-1, this window, class cat. */
static G_GNUC_UNUSED Ringside__V1__Label *fx_label(struct fixture *fx)
{
	Ringside__V1__Label *l = fx_alloc(fx, sizeof(*l));

	ringside__v1__label__init(l);
	l->label_id = "l-1";
	l->window_id = WIN_ID;
	FX_APPEND(fx, l->classes, l->n_classes, "cat");
	return l;
}

static G_GNUC_UNUSED Ringside__V1__TimedEvent *
fx_event(struct fixture *fx, Ringside__V1__Label *l, gint64 start, gint64 end, const char *class_)
{
	Ringside__V1__TimedEvent *e = fx_alloc(fx, sizeof(*e));

	ringside__v1__timed_event__init(e);
	e->start_ns = start;
	e->end_ns = end;
	e->class_ = (char *)class_;
	FX_APPEND(fx, l->events, l->n_events, e);
	return e;
}

static G_GNUC_UNUSED Ringside__V1__Caption *fx_caption(struct fixture *fx, Ringside__V1__Label *l,
                                                       const char *text)
{
	Ringside__V1__Caption *c = fx_alloc(fx, sizeof(*c));

	ringside__v1__caption__init(c);
	c->text = (char *)text;
	FX_APPEND(fx, l->captions, l->n_captions, c);
	return c;
}

static G_GNUC_UNUSED Ringside__V1__Speaker *fx_speaker(struct fixture *fx, Ringside__V1__Label *l,
                                                       const char *id, const char *name)
{
	Ringside__V1__Speaker *s = fx_alloc(fx, sizeof(*s));

	ringside__v1__speaker__init(s);
	s->speaker_id = (char *)id;
	s->name = (char *)name;
	FX_APPEND(fx, l->speakers, l->n_speakers, s);
	return s;
}

static G_GNUC_UNUSED Ringside__V1__TranscriptSegment *
fx_segment(struct fixture *fx, Ringside__V1__Label *l, gint64 start, gint64 end, const char *source,
           const char *text, const char *speaker)
{
	Ringside__V1__TranscriptSegment *s = fx_alloc(fx, sizeof(*s));

	ringside__v1__transcript_segment__init(s);
	s->start_ns = start;
	s->end_ns = end;
	s->source = (char *)source;
	s->text = (char *)text;
	s->speaker_id = (char *)speaker;
	FX_APPEND(fx, l->transcript, l->n_transcript, s);
	return s;
}

static G_GNUC_UNUSED Ringside__V1__Track *fx_track(struct fixture *fx, Ringside__V1__Label *l,
                                                   const char *id, const char *class_,
                                                   const char *source)
{
	Ringside__V1__Track *t = fx_alloc(fx, sizeof(*t));

	ringside__v1__track__init(t);
	t->track_id = (char *)id;
	t->class_ = (char *)class_;
	t->source = (char *)source;
	FX_APPEND(fx, l->tracks, l->n_tracks, t);
	return t;
}

static G_GNUC_UNUSED Ringside__V1__Box *fx_keyframe(struct fixture *fx, Ringside__V1__Track *t,
                                                    gint64 t_ns, float x, float y, float w, float h)
{
	Ringside__V1__Box *b = fx_alloc(fx, sizeof(*b));

	ringside__v1__box__init(b);
	b->t_ns = t_ns;
	b->x = x;
	b->y = y;
	b->w = w;
	b->h = h;
	FX_APPEND(fx, t->keyframes, t->n_keyframes, b);
	return b;
}

static G_GNUC_UNUSED Ringside__V1__SensorSegment *
fx_sensor_segment(struct fixture *fx, Ringside__V1__Label *l, gint64 start, gint64 end,
                  const char *source, const char *class_)
{
	Ringside__V1__SensorSegment *s = fx_alloc(fx, sizeof(*s));

	ringside__v1__sensor_segment__init(s);
	s->start_ns = start;
	s->end_ns = end;
	s->source = (char *)source;
	s->class_ = (char *)class_;
	FX_APPEND(fx, l->sensor_segments, l->n_sensor_segments, s);
	return s;
}

static G_GNUC_UNUSED Ringside__V1__Entity *fx_entity(struct fixture *fx, Ringside__V1__Label *l,
                                                     const char *id, const char *name)
{
	Ringside__V1__Entity *e = fx_alloc(fx, sizeof(*e));

	ringside__v1__entity__init(e);
	e->entity_id = (char *)id;
	e->name = (char *)name;
	FX_APPEND(fx, l->entities, l->n_entities, e);
	return e;
}

static G_GNUC_UNUSED Ringside__V1__Mention *fx_mention(struct fixture *fx, Ringside__V1__Entity *e)
{
	Ringside__V1__Mention *m = fx_alloc(fx, sizeof(*m));

	ringside__v1__mention__init(m);
	FX_APPEND(fx, e->mentions, e->n_mentions, m);
	return m;
}

static G_GNUC_UNUSED Ringside__V1__Instruction *
fx_instruction(struct fixture *fx, Ringside__V1__Label *l, const char *instruction,
               const char *response, const char *source)
{
	Ringside__V1__Instruction *in = fx_alloc(fx, sizeof(*in));

	ringside__v1__instruction__init(in);
	in->instruction = (char *)instruction;
	in->response = (char *)response;
	FX_APPEND(fx, in->sources, in->n_sources, (char *)source);
	FX_APPEND(fx, l->instructions, l->n_instructions, in);
	return in;
}

/* Appends S to a repeated string field (sources, channels, sound tags). */
#define FX_ADD_STR(fx, arr, n, s) FX_APPEND(fx, arr, n, (char *)(s))

/* label_validate(L) accepts, or refuses with exactly REASON. */
static G_GNUC_UNUSED void fx_expect(struct fixture *fx, const Ringside__V1__Label *l,
                                    const char *expect, int line)
{
	char reason[256];
	gboolean ok;

	memset(reason, '#', sizeof(reason));
	reason[sizeof(reason) - 1] = '\0';
	ok = label_validate(l, fx->w, reason, sizeof(reason));
	if (!expect && !ok)
		fail_msg("line %d: refused (%s)", line, reason);
	if (expect && ok)
		fail_msg("line %d: accepted, expected \"%s\"", line, expect);
	if (expect && strcmp(reason, expect))
		fail_msg("line %d:\n  got      \"%s\"\n  expected \"%s\"", line, reason, expect);
}

#define ACCEPT(fx, l) fx_expect((fx), (l), NULL, __LINE__)
#define REFUSE(fx, l, reason) fx_expect((fx), (l), (reason), __LINE__)
