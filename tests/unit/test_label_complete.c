/* Unit tests for feedback/label_complete.c (what the daemon adds to a
 * validated label: interpolated boxes, speaker changes, cleared
 * confidences, all without touching the received message) and for
 * label_validate_pre (a model's pre-annotation). */
#include "test_label_fixture.h"

#include <math.h>

/* A shallow copy of L completed against the fixture's window; GARBAGE
 * holds what label_complete allocated. */
static Ringside__V1__Label complete(struct fixture *fx, const Ringside__V1__Label *l,
                                    GPtrArray **garbage)
{
	Ringside__V1__Label out = *l;

	*garbage = g_ptr_array_new_with_free_func(g_free);
	label_complete(&out, fx->w, *garbage);
	return out;
}

static void assert_box(const Ringside__V1__Box *b, gint64 t_ns, float x, float y, float w, float h,
                       gboolean keyframe)
{
	assert_int_equal(b->t_ns, t_ns);
	/* exact: these values are representable and the arithmetic is exact */
	assert_true(b->x == x && b->y == y && b->w == w && b->h == h);
	assert_int_equal(b->keyframe, keyframe);
}

/* Keyframes at frame 0 (t 1000) and frame 4 (t 1800): three boxes
 * between them, each a quarter further along. */
static void test_interpolation(void **state)
{
	struct fixture *fx = *state;
	Ringside__V1__Label *l = fx_label(fx);
	Ringside__V1__Track *t = fx_track(fx, l, "t1", "car", "cam");
	Ringside__V1__Track **orig_tracks;
	Ringside__V1__Label out;
	GPtrArray *garbage;
	const Ringside__V1__Track *o;

	fx_keyframe(fx, t, 1000, 10, 20, 30, 40);
	fx_keyframe(fx, t, 1800, 50, 40, 70, 60);
	t->confidence = 0.5f;
	ACCEPT(fx, l);
	orig_tracks = l->tracks;

	out = complete(fx, l, &garbage);
	o = out.tracks[0];
	assert_int_equal(o->n_keyframes, 2);
	assert_true(o->keyframes[0]->keyframe && o->keyframes[1]->keyframe);
	assert_int_equal(o->n_boxes, 5);
	assert_box(o->boxes[0], 1000, 10, 20, 30, 40, TRUE);
	assert_box(o->boxes[1], 1200, 20, 25, 40, 45, FALSE);
	assert_box(o->boxes[2], 1400, 30, 30, 50, 50, FALSE);
	assert_box(o->boxes[3], 1600, 40, 35, 60, 55, FALSE);
	assert_box(o->boxes[4], 1800, 50, 40, 70, 60, TRUE);
	assert_true(o->confidence == 0.0f);

	/* the received message is as it was */
	assert_ptr_equal(l->tracks, orig_tracks);
	assert_ptr_not_equal(out.tracks, orig_tracks);
	assert_int_equal(t->n_boxes, 0);
	assert_null(t->boxes);
	assert_false(t->keyframes[0]->keyframe);
	assert_true(t->confidence == 0.5f);
	g_ptr_array_unref(garbage);
}

/* Keyframes a little off their frames (a page's doubles) are published on
 * the exact frame times; a model's, up to half a frame period off, are
 * moved by label_snap_keyframes. */
static void test_snap(void **state)
{
	struct fixture *fx = *state;
	Ringside__V1__Label *l = fx_label(fx);
	Ringside__V1__Track *t = fx_track(fx, l, "t1", "car", "cam");
	Ringside__V1__Label out;
	GPtrArray *garbage;
	const Ringside__V1__Track *o;

	fx_keyframe(fx, t, 1000 + 90, 10, 20, 30, 40);
	fx_keyframe(fx, t, 1800 - 90, 50, 40, 70, 60);
	ACCEPT(fx, l);
	out = complete(fx, l, &garbage);
	o = out.tracks[0];
	assert_int_equal(o->keyframes[0]->t_ns, 1000);
	assert_int_equal(o->keyframes[1]->t_ns, 1800);
	assert_int_equal(o->n_boxes, 5);
	assert_box(o->boxes[2], 1400, 30, 30, 50, 50, FALSE);
	assert_int_equal(t->keyframes[0]->t_ns, 1090); /* the received one untouched */
	g_ptr_array_unref(garbage);

	assert_int_equal(label_frame_tolerance(&fx->src[0], TRUE), 100000000);
	assert_int_equal(label_frame_tolerance(&fx->src[0], FALSE), LABEL_FRAME_TOLERANCE_NS);
	t->keyframes[1]->t_ns = 1800 + 60;
	label_snap_keyframes(l, fx->w, TRUE);
	assert_int_equal(t->keyframes[0]->t_ns, 1000);
	assert_int_equal(t->keyframes[1]->t_ns, 1800);
	assert_int_equal(label_frame_near(&fx->w->sources[0], 900, 50), -1);
	assert_int_equal(label_frame_near(&fx->w->sources[0], 960, 50), 0);
	assert_int_equal(label_frame_near(&fx->w->sources[0], 4810, 50), N_FRAMES - 1);
}

/* Three keyframes at uneven distances; one keyframe; a keyframe on the
 * last frame of the window. */
static void test_interpolation_shapes(void **state)
{
	struct fixture *fx = *state;
	Ringside__V1__Label *l = fx_label(fx);
	Ringside__V1__Track *a = fx_track(fx, l, "a", "car", "cam");
	Ringside__V1__Track *b = fx_track(fx, l, "b", "person", "cam");
	Ringside__V1__Label out;
	GPtrArray *garbage;
	const Ringside__V1__Track *o;

	fx_keyframe(fx, a, 4000, 0, 0, 8, 8);
	fx_keyframe(fx, a, 4400, 8, 0, 8, 8);
	fx_keyframe(fx, a, 4800, 8, 16, 8, 16);
	fx_keyframe(fx, b, 2600, 1, 2, 3, 4);
	ACCEPT(fx, l);
	out = complete(fx, l, &garbage);

	o = out.tracks[0];
	assert_int_equal(o->n_boxes, 5);
	assert_box(o->boxes[0], 4000, 0, 0, 8, 8, TRUE);
	assert_box(o->boxes[1], 4200, 4, 0, 8, 8, FALSE);
	assert_box(o->boxes[2], 4400, 8, 0, 8, 8, TRUE);
	assert_box(o->boxes[3], 4600, 8, 8, 8, 12, FALSE);
	assert_box(o->boxes[4], 4800, 8, 16, 8, 16, TRUE);

	o = out.tracks[1];
	assert_int_equal(o->n_boxes, 1);
	assert_box(o->boxes[0], 2600, 1, 2, 3, 4, TRUE);
	g_ptr_array_unref(garbage);
}

/* Confidences are a model's: cleared in a reviewer's label, in the copy. */
static void test_confidences_cleared(void **state)
{
	struct fixture *fx = *state;
	Ringside__V1__Label *l = fx_label(fx);
	float cc[1] = {0.7f};
	Ringside__V1__Label out;
	GPtrArray *garbage;

	l->n_class_confidences = 1;
	l->class_confidences = cc;
	fx_event(fx, l, 1000, 2000, "cat")->confidence = 0.1f;
	fx_caption(fx, l, "a cat on the mat")->confidence = 0.2f;
	fx_segment(fx, l, 1000, 2000, "mic", "meow", "")->confidence = 0.3f;
	fx_sensor_segment(fx, l, 1000, 2000, "imu", "bump")->confidence = 0.4f;
	ACCEPT(fx, l);
	out = complete(fx, l, &garbage);
	assert_int_equal(out.n_class_confidences, 0);
	assert_true(out.events[0]->confidence == 0.0f);
	assert_true(out.captions[0]->confidence == 0.0f);
	assert_true(out.transcript[0]->confidence == 0.0f);
	assert_true(out.sensor_segments[0]->confidence == 0.0f);
	assert_string_equal(out.events[0]->class_, "cat");
	assert_string_equal(out.captions[0]->text, "a cat on the mat");
	assert_int_equal(l->n_class_confidences, 1);
	assert_true(l->events[0]->confidence == 0.1f);
	assert_true(l->captions[0]->confidence == 0.2f);
	assert_true(l->transcript[0]->confidence == 0.3f);
	assert_true(l->sensor_segments[0]->confidence == 0.4f);
	g_ptr_array_unref(garbage);
}

/* speaker_change: the speaker differs from the previous segment of the
 * same source; never the first of a source, never next to "". */
static void test_speaker_change(void **state)
{
	static const struct {
		const char *source, *speaker;
		gboolean change;
	} segs[] = {
	        {"mic", "A", FALSE}, {"mic", "A", FALSE}, {"mic", "B", TRUE},
	        {"imu", "A", FALSE}, /* another audio source: its first segment */
	        {"mic", "", FALSE},  {"mic", "B", FALSE}, {"mic", "A", TRUE},
	        {"imu", "B", TRUE},
	};
	struct fixture *fx = *state;
	Ringside__V1__Label *l = fx_label(fx);
	Ringside__V1__Label out;
	GPtrArray *garbage;

	fx->src[2].kind = RS_KIND_AUDIO;
	fx_speaker(fx, l, "A", "");
	fx_speaker(fx, l, "B", "");
	for (guint i = 0; i < G_N_ELEMENTS(segs); i++)
		fx_segment(fx, l, 1000 + i * 100, 1100 + i * 100, segs[i].source, "words",
		           segs[i].speaker)
		        ->speaker_change = TRUE; /* what a client says is not kept */
	ACCEPT(fx, l);
	out = complete(fx, l, &garbage);
	for (guint i = 0; i < G_N_ELEMENTS(segs); i++) {
		if (out.transcript[i]->speaker_change != segs[i].change)
			fail_msg("segment %u: speaker_change %d, expected %d", i,
			         out.transcript[i]->speaker_change, segs[i].change);
		assert_true(l->transcript[i]->speaker_change);
	}
	g_ptr_array_unref(garbage);
}

/* A completed label packs, unpacks to the same content, and GARBAGE
 * frees everything (ASan: no leak, no use after free). */
static void test_complete_packs(void **state)
{
	struct fixture *fx = *state;
	Ringside__V1__Label *l = fx_label(fx);
	Ringside__V1__Track *t = fx_track(fx, l, "t1", "car", "cam");
	Ringside__V1__Entity *e = fx_entity(fx, l, "e1", "the car");
	Ringside__V1__Flag flag = RINGSIDE__V1__FLAG__INIT;
	Ringside__V1__PreAnnotationUse use = RINGSIDE__V1__PRE_ANNOTATION_USE__INIT;
	Ringside__V1__Label out, *back;
	GPtrArray *garbage;
	guint8 *buf;
	gsize len;

	fx_keyframe(fx, t, 1000, 0, 0, 10, 10);
	fx_keyframe(fx, t, 4800, 150, 110, 10, 10);
	fx_mention(fx, e)->target_case = RINGSIDE__V1__MENTION__TARGET_TRACK_ID;
	e->mentions[0]->track_id = "t1";
	fx_instruction(fx, l, "Where does the car go?", "Right.", "cam");
	fx_speaker(fx, l, "A", "driver");
	fx_segment(fx, l, 1000, 2000, "mic", "going right", "A");
	flag.kind = RINGSIDE__V1__FLAG_KIND__FLAG_AMBIGUOUS;
	flag.reason = "car or van";
	l->flag = &flag;
	l->preannotations = &use;
	ACCEPT(fx, l);

	out = complete(fx, l, &garbage);
	len = ringside__v1__label__get_packed_size(&out);
	buf = g_malloc(len);
	ringside__v1__label__pack(&out, buf);
	g_ptr_array_unref(garbage);

	back = ringside__v1__label__unpack(NULL, len, buf);
	assert_non_null(back);
	assert_int_equal(back->n_tracks, 1);
	assert_int_equal(back->tracks[0]->n_boxes, N_FRAMES);
	assert_true(back->tracks[0]->boxes[N_FRAMES - 1]->keyframe);
	assert_true(back->tracks[0]->boxes[N_FRAMES - 1]->x == 150.0f);
	assert_false(back->tracks[0]->boxes[1]->keyframe);
	assert_int_equal(back->entities[0]->mentions[0]->target_case,
	                 RINGSIDE__V1__MENTION__TARGET_TRACK_ID);
	assert_string_equal(back->entities[0]->mentions[0]->track_id, "t1");
	assert_string_equal(back->instructions[0]->response, "Right.");
	assert_string_equal(back->speakers[0]->name, "driver");
	assert_int_equal(back->flag->kind, RINGSIDE__V1__FLAG_KIND__FLAG_AMBIGUOUS);
	assert_non_null(back->preannotations);
	ringside__v1__label__free_unpacked(back, NULL);
	g_free(buf);
}

/* A model's pre-annotation for the fixture's window: one event. */
struct pre {
	Ringside__V1__PreAnnotation pre;
	Ringside__V1__Label *l;
};

static void pre_init(struct fixture *fx, struct pre *p)
{
	ringside__v1__pre_annotation__init(&p->pre);
	p->pre.group = "robot1";
	p->pre.start_ns = WIN_START;
	p->pre.end_ns = WIN_END;
	p->pre.model = "detector";
	p->pre.model_version = "2.1";
	p->l = fx_alloc(fx, sizeof(*p->l));
	ringside__v1__label__init(p->l);
	fx_event(fx, p->l, 1000, 2000, "cat")->confidence = 0.9f;
	p->pre.label = p->l;
}

static void pre_expect(struct fixture *fx, const struct pre *p, const char *expect, int line)
{
	char reason[256];
	gboolean ok = label_validate_pre(&p->pre, fx->w, reason, sizeof(reason));

	if (!expect && !ok)
		fail_msg("line %d: refused (%s)", line, reason);
	if (expect && ok)
		fail_msg("line %d: accepted, expected \"%s\"", line, expect);
	if (expect && strcmp(reason, expect))
		fail_msg("line %d:\n  got      \"%s\"\n  expected \"%s\"", line, reason, expect);
}

#define PRE_OK(fx, p) pre_expect((fx), (p), NULL, __LINE__)
#define PRE_REFUSED(fx, p, reason) pre_expect((fx), (p), (reason), __LINE__)

static void test_pre_envelope(void **state)
{
	struct fixture *fx = *state;
	struct pre p;

	pre_init(fx, &p);
	PRE_OK(fx, &p);
	p.pre.group = "robot2";
	PRE_REFUSED(fx, &p, "group: \"robot2\" is not this window's group robot1");
	p.pre.group = "robot1";
	p.pre.start_ns = 999;
	PRE_REFUSED(fx, &p, "start_ns: 999 is outside the window [1000, 5000)");
	p.pre.start_ns = 2000;
	p.pre.end_ns = 2000;
	PRE_REFUSED(fx, &p,
	            "end_ns: 2000 must be after start_ns and at most the window's end 5000");
	p.pre.end_ns = 2001;
	PRE_OK(fx, &p);
	p.pre.model = "";
	PRE_REFUSED(fx, &p, "model: must not be empty");
	p.pre.model = "det\nector";
	PRE_REFUSED(fx, &p, "model: control character U+000A at character 3");
	p.pre.model = "detector";
	p.pre.model_version = "";
	PRE_OK(fx, &p);
	p.pre.model_version = "\xff";
	PRE_REFUSED(fx, &p, "model_version: not valid UTF-8 (byte 0)");
	p.pre.model_version = "";
	p.pre.label = NULL;
	PRE_REFUSED(fx, &p, "label: missing");
	p.pre.label = p.l;
	p.l->n_events = 0;
	PRE_REFUSED(fx, &p,
	            "label: holds no item (classes, events, captions, transcript, tracks, "
	            "sensor_segments, entities or instructions)");
}

/* The label inside: the per-kind rules, no "at least one class", no flag,
 * no PreAnnotationUse, ids and daemon fields ignored. */
static void test_pre_label(void **state)
{
	struct fixture *fx = *state;
	Ringside__V1__Flag flag = RINGSIDE__V1__FLAG__INIT;
	Ringside__V1__PreAnnotationUse use = RINGSIDE__V1__PRE_ANNOTATION_USE__INIT;
	Ringside__V1__Track *t;
	struct pre p;

	pre_init(fx, &p);
	p.l->label_id = "not an id";
	p.l->window_id = "elsewhere:1";
	p.l->reviewer = "someone";
	p.l->attempt = 3;
	PRE_OK(fx, &p); /* and no class although the template has classes */

	p.l->events[0]->class_ = "cow";
	PRE_REFUSED(fx, &p, "label.events[0].class: \"cow\" is not an event class of group robot1");
	p.l->events[0]->class_ = "cat";
	fx->group.kinds = KIND(CLASSES);
	PRE_REFUSED(fx, &p, "label.events: group robot1 does not take events");
	fx->group.kinds = ALL_KINDS;

	t = fx_track(fx, p.l, "t1", "car", "cam");
	fx_keyframe(fx, t, 1000, 170, 0, 20, 20);
	PRE_REFUSED(fx, &p,
	            "label.tracks[0].keyframes[0].x: 170.0 + w 20.0 is outside the frame "
	            "width 160 of source cam");
	t->keyframes[0]->x = 0;
	PRE_OK(fx, &p);

	p.l->flag = &flag;
	PRE_OK(fx, &p); /* an empty flag says nothing */
	flag.kind = RINGSIDE__V1__FLAG_KIND__FLAG_SKIP;
	PRE_REFUSED(fx, &p, "label.flag: a pre-annotation has no flag");
	flag.kind = RINGSIDE__V1__FLAG_KIND__FLAG_NONE;
	flag.reason = "x";
	PRE_REFUSED(fx, &p, "label.flag: a pre-annotation has no flag");
	p.l->flag = NULL;
	p.l->preannotations = &use;
	PRE_REFUSED(fx, &p,
	            "label.preannotations: only a reviewer's label says how "
	            "pre-annotations were used");
	p.l->preannotations = NULL;
	PRE_OK(fx, &p);
}

/* Confidences: finite, in [0, 1]; class_confidences none or one per class. */
static void test_pre_confidences(void **state)
{
	struct fixture *fx = *state;
	float cc[2] = {0.25f, 1.0f};
	struct pre p;

	pre_init(fx, &p);
	p.l->events[0]->confidence = 1.0f;
	PRE_OK(fx, &p);
	p.l->events[0]->confidence = 0.0f;
	PRE_OK(fx, &p);
	p.l->events[0]->confidence = 1.5f;
	PRE_REFUSED(fx, &p, "label.events[0].confidence: 1.5 must be a finite number in [0, 1]");
	p.l->events[0]->confidence = -0.25f;
	PRE_REFUSED(fx, &p, "label.events[0].confidence: -0.25 must be a finite number in [0, 1]");
	p.l->events[0]->confidence = NAN;
	PRE_REFUSED(fx, &p, "label.events[0].confidence: nan must be a finite number in [0, 1]");
	p.l->events[0]->confidence = 0.5f;

	fx_caption(fx, p.l, "a cat on the mat")->confidence = INFINITY;
	PRE_REFUSED(fx, &p, "label.captions[0].confidence: inf must be a finite number in [0, 1]");
	p.l->captions[0]->confidence = 0.5f;
	fx_segment(fx, p.l, 1000, 2000, "mic", "meow", "")->confidence = 2;
	PRE_REFUSED(fx, &p, "label.transcript[0].confidence: 2 must be a finite number in [0, 1]");
	p.l->transcript[0]->confidence = 0.5f;
	fx_sensor_segment(fx, p.l, 1000, 2000, "imu", "bump")->confidence = -1;
	PRE_REFUSED(fx, &p,
	            "label.sensor_segments[0].confidence: -1 must be a finite number in [0, 1]");
	p.l->sensor_segments[0]->confidence = 0.5f;
	fx_keyframe(fx, fx_track(fx, p.l, "t1", "car", "cam"), 1000, 1, 1, 1, 1);
	p.l->tracks[0]->confidence = 3;
	PRE_REFUSED(fx, &p, "label.tracks[0].confidence: 3 must be a finite number in [0, 1]");
	p.l->tracks[0]->confidence = 0.5f;
	PRE_OK(fx, &p);

	/* classes: single unless multi_label, as for reviewers */
	FX_ADD_STR(fx, p.l->classes, p.l->n_classes, "cat");
	p.l->n_class_confidences = 2;
	p.l->class_confidences = cc;
	PRE_REFUSED(fx, &p, "label.class_confidences: 2 for 1 classes; give one per class or none");
	FX_ADD_STR(fx, p.l->classes, p.l->n_classes, "dog");
	PRE_REFUSED(fx, &p, "label.classes: group robot1 takes one class per label (got 2)");
	fx->group.multi_label = TRUE;
	PRE_OK(fx, &p);
	cc[1] = 1.01f;
	PRE_REFUSED(fx, &p, "label.class_confidences[1]: 1.01 must be a finite number in [0, 1]");
	p.l->n_class_confidences = 0;
	PRE_OK(fx, &p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_interpolation, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_interpolation_shapes, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_snap, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_confidences_cleared, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_speaker_change, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_complete_packs, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_pre_envelope, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_pre_label, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_pre_confidences, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests_name("label_complete", tests, NULL, NULL);
}
