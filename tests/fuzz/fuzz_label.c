/* Fuzz target: label_validate, label_validate_pre and label_complete
 * (feedback/label*.c). Input: a packed ringside.v1.Label, checked as a
 * reviewer's label and, wrapped in a PreAnnotation, as a model's, against
 * two windows: a single-label group taking every kind, and a multi-label
 * one taking classes and events. Both windows have a video source (frames
 * every 100 ms, 64x48), an audio and a sensor source (channels ax ay az).
 * Checks: a refusal says why in a NUL-terminated UTF-8 reason; an accepted
 * label has a good id, this window's id, only kinds of the template, known
 * classes, times inside the window, boxes inside the frame near frame times;
 * a completed label packs and unpacks, with one box per frame between
 * keyframes. */
#include <math.h>
#include <string.h>

#include "feedback/label.h"
#include "fuzz_common.h"

#define WIN_START 1000000000LL
#define WIN_END 2000000000LL
#define FRAME_NS 100000000LL
#define KIND(k) RS_KIND_BIT(RINGSIDE__V1__LABEL_KIND__LABEL_KIND_##k)

static struct rs_source_conf src[3];
static struct rs_source_conf *srcp[3];
static char *classes[] = {"none", "square", "circle", NULL};
static char *box_classes[] = {"square", "circle", NULL};
static char *segment_classes[] = {"bump", NULL};
static char *emotions[] = {"calm", NULL};
static char *sound_tags[] = {"music", NULL};
static char *channels[] = {"ax", "ay", "az", NULL};
static struct rs_group_conf group[2];
static rs_window *win[2];

static void add_samples(struct rs_window_source *ws, gint64 step, gint64 dur)
{
	for (gint64 t = WIN_START; t < WIN_END; t += step)
		g_ptr_array_add(ws->samples, rs_sample_new(t, dur, g_bytes_new_static("x", 1)));
}

static void init_group(struct rs_group_conf *g, guint n)
{
	g->name = "g";
	g->sources = srcp;
	g->n_sources = 3;
	g->classes = classes;
	g->n_classes = 3;
	g->multi_label = n == 1;
	g->kinds = n == 0 ? 0x1fe : KIND(CLASSES) | KIND(EVENTS);
	for (guint k = 1; k <= RS_LABEL_KINDS_MAX; k++) {
		if (g->kinds & RS_KIND_BIT(k))
			g->kind_order[g->n_kinds++] = (guint8)k;
	}
	g->event_classes = classes;
	g->n_event_classes = 3;
	g->box_classes = box_classes;
	g->n_box_classes = 2;
	g->segment_classes = segment_classes;
	g->n_segment_classes = 1;
	g->emotions = emotions;
	g->n_emotions = 1;
	g->sound_tags = sound_tags;
	g->n_sound_tags = 1;
	g->caption_min_chars = 3;
	g->text_max_chars = 64;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const names[3] = {"cam", "mic", "imu"};
	static const enum rs_kind kinds[3] = {RS_KIND_VIDEO, RS_KIND_AUDIO, RS_KIND_SENSOR};

	fuzz_quiet_logs();
	for (guint i = 0; i < 3; i++) {
		src[i].name = (char *)names[i];
		src[i].kind = kinds[i];
		srcp[i] = &src[i];
	}
	src[0].width = 64;
	src[0].height = 48;
	src[2].channels = channels;
	src[2].n_channels = 3;
	for (guint g = 0; g < 2; g++) {
		init_group(&group[g], g);
		win[g] = g_new0(rs_window, 1);
		win[g]->ref = 1;
		win[g]->id = g_strdup_printf("g:%lld", WIN_START);
		win[g]->group = &group[g];
		win[g]->start_ns = WIN_START;
		win[g]->end_ns = WIN_END;
		win[g]->reason = RS_REASON_PERIODIC;
		win[g]->n_sources = 3;
		win[g]->sources = g_new0(struct rs_window_source, 3);
		for (guint i = 0; i < 3; i++) {
			win[g]->sources[i].conf = &src[i];
			win[g]->sources[i].samples =
			        g_ptr_array_new_with_free_func((GDestroyNotify)rs_sample_unref);
			win[g]->sources[i].complete = TRUE;
		}
		add_samples(&win[g]->sources[0], FRAME_NS, FRAME_NS);
		add_samples(&win[g]->sources[1], 20000000LL, 20000000LL);
		add_samples(&win[g]->sources[2], 10000000LL, 0);
		win[g]->complete = TRUE;
		win[g]->preannotation_items = g;
	}
	return 0;
}

static gboolean known_class(const char *name)
{
	return g_strv_contains((const char *const *)classes, name);
}

static gboolean inside(const rs_window *w, gint64 start, gint64 end)
{
	return start >= w->start_ns && start < end && end <= w->end_ns;
}

static gboolean is_frame_time(gint64 t)
{
	return t >= WIN_START && t < WIN_END && (t - WIN_START) % FRAME_NS == 0;
}

/* A keyframe as accepted: within LABEL_FRAME_TOLERANCE_NS of a frame (a
 * page's double); label_complete moves it onto the frame. */
static gboolean near_frame_time(gint64 t)
{
	gint64 off, d;

	if (t < WIN_START - LABEL_FRAME_TOLERANCE_NS ||
	    t > WIN_END - FRAME_NS + LABEL_FRAME_TOLERANCE_NS)
		return FALSE;
	off = t - WIN_START + FRAME_NS / 2;
	d = off - off / FRAME_NS * FRAME_NS - FRAME_NS / 2;
	return d >= -LABEL_FRAME_TOLERANCE_NS && d <= LABEL_FRAME_TOLERANCE_NS;
}

/* What an accepted label (reviewer's or model's) must satisfy, whatever
 * label_validate looked at. */
static void check_parts(const Ringside__V1__Label *l, const rs_window *w)
{
	const struct rs_group_conf *g = w->group;

	FUZZ_CHECK(!l->n_captions || (g->kinds & KIND(CAPTIONS)));
	FUZZ_CHECK(!l->n_transcript || (g->kinds & KIND(TRANSCRIPT)));
	FUZZ_CHECK(!l->n_tracks || (g->kinds & KIND(TRACKS)));
	FUZZ_CHECK(!l->n_entities || (g->kinds & KIND(ENTITIES)));
	FUZZ_CHECK(l->n_classes <= 1 || g->multi_label);
	for (gsize i = 0; i < l->n_classes; i++)
		FUZZ_CHECK(known_class(l->classes[i]));
	for (gsize i = 0; i < l->n_events; i++) {
		const Ringside__V1__TimedEvent *e = l->events[i];

		FUZZ_CHECK(inside(w, e->start_ns, e->end_ns));
		FUZZ_CHECK(known_class(e->class_));
	}
	for (gsize i = 0; i < l->n_transcript; i++) {
		FUZZ_CHECK(!strcmp(l->transcript[i]->source, "mic"));
		FUZZ_CHECK(inside(w, l->transcript[i]->start_ns, l->transcript[i]->end_ns));
		FUZZ_CHECK(g_utf8_validate(l->transcript[i]->text, -1, NULL));
	}
	for (gsize i = 0; i < l->n_tracks; i++) {
		const Ringside__V1__Track *t = l->tracks[i];

		FUZZ_CHECK(t->n_keyframes >= 1 && t->n_boxes == 0);
		for (gsize k = 0; k < t->n_keyframes; k++) {
			const Ringside__V1__Box *b = t->keyframes[k];

			FUZZ_CHECK(near_frame_time(b->t_ns));
			FUZZ_CHECK(b->x >= 0 && b->y >= 0 && b->w > 0 && b->h > 0);
			FUZZ_CHECK(b->x + b->w <= 64 && b->y + b->h <= 48);
		}
	}
	for (gsize i = 0; i < l->n_captions; i++)
		FUZZ_CHECK(g_utf8_validate(l->captions[i]->text, -1, NULL));
}

static void check_accepted(const Ringside__V1__Label *l, const rs_window *w)
{
	gsize id_len = strlen(l->label_id);
	gboolean flagged = l->flag && l->flag->kind != RINGSIDE__V1__FLAG_KIND__FLAG_NONE;

	FUZZ_CHECK(id_len >= 1 && id_len <= LABEL_ID_MAX);
	for (gsize i = 0; i < id_len; i++)
		FUZZ_CHECK(l->label_id[i] > ' ' && l->label_id[i] <= '~');
	FUZZ_CHECK(!strcmp(l->window_id, w->id));
	FUZZ_CHECK(flagged || label_count_items(l) >= 1);
	FUZZ_CHECK(flagged || !(w->group->kinds & KIND(CLASSES)) || l->n_classes >= 1);
	FUZZ_CHECK(!l->preannotations || l->preannotations->offered == w->preannotation_items);
	check_parts(l, w);
}

/* Completes an accepted label the way the publisher does, packs it, reads
 * it back: one box per frame between a track's first and last keyframe,
 * no confidence left. GARBAGE is freed before the packed copy is read. */
static void check_complete(const Ringside__V1__Label *l, const rs_window *w)
{
	Ringside__V1__Label out = *l, *back;
	GPtrArray *garbage = g_ptr_array_new_with_free_func(g_free);
	guint8 *buf;
	gsize len;

	/* the publisher drops the client's unknown fields (protobuf-c keeps
	 * even a field number 0, which it then cannot read back) */
	out.base.n_unknown_fields = 0;
	out.base.unknown_fields = NULL;
	label_complete(&out, w, garbage);
	len = ringside__v1__label__get_packed_size(&out);
	buf = g_malloc(len ? len : 1);
	FUZZ_CHECK(ringside__v1__label__pack(&out, buf) == len);
	g_ptr_array_unref(garbage);
	back = ringside__v1__label__unpack(NULL, len, buf);
	FUZZ_CHECK(back != NULL);
	FUZZ_CHECK(back->n_class_confidences == 0);
	for (gsize i = 0; i < back->n_tracks; i++) {
		const Ringside__V1__Track *t = back->tracks[i];
		gint64 span = t->keyframes[t->n_keyframes - 1]->t_ns - t->keyframes[0]->t_ns;

		FUZZ_CHECK((gint64)t->n_boxes == span / FRAME_NS + 1);
		FUZZ_CHECK(t->confidence == 0);
		for (gsize k = 0; k < t->n_keyframes; k++)
			FUZZ_CHECK(is_frame_time(t->keyframes[k]->t_ns));
		for (gsize k = 0; k < t->n_boxes; k++)
			FUZZ_CHECK(t->boxes[k]->x + t->boxes[k]->w <= 64.001f);
	}
	for (gsize i = 0; i < back->n_events; i++)
		FUZZ_CHECK(back->events[i]->confidence == 0);
	ringside__v1__label__free_unpacked(back, NULL);
	g_free(buf);
}

static void check_refused(const char *reason, gsize size)
{
	FUZZ_CHECK(memchr(reason, '\0', size) != NULL && reason[0]);
	FUZZ_CHECK(g_utf8_validate(reason, -1, NULL));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Ringside__V1__Label *l = ringside__v1__label__unpack(NULL, size, data);
	Ringside__V1__PreAnnotation pre = RINGSIDE__V1__PRE_ANNOTATION__INIT;

	if (!l)
		return 0;
	pre.group = "g";
	pre.start_ns = WIN_START;
	pre.end_ns = WIN_END;
	pre.model = "m";
	pre.label = l;
	for (guint g = 0; g < 2; g++) {
		char reason[256];

		memset(reason, 'x', sizeof(reason));
		if (label_validate(l, win[g], reason, sizeof(reason))) {
			check_accepted(l, win[g]);
			check_complete(l, win[g]);
		} else {
			check_refused(reason, sizeof(reason));
		}
		memset(reason, 'x', sizeof(reason));
		if (label_validate_pre(&pre, win[g], reason, sizeof(reason))) {
			FUZZ_CHECK(label_count_items(l) >= 1 && !l->preannotations);
			check_parts(l, win[g]);
		} else {
			check_refused(reason, sizeof(reason));
		}
	}
	ringside__v1__label__free_unpacked(l, NULL);
	return 0;
}
