/* Unit tests for feedback/label_media.c: speakers and transcript segments,
 * tracks of boxes and sensor segments, each rule accepted at its edge and
 * refused with the exact reason a reviewer sees. */
#include "test_label_fixture.h"

#include <math.h>

static void test_speakers(void **state)
{
	struct fixture *fx = *state;
	Ringside__V1__Label *l = fx_label(fx);
	Ringside__V1__Speaker *a = fx_speaker(fx, l, "A", "operator");
	Ringside__V1__Speaker *b = fx_speaker(fx, l, "B", "");
	g_autofree char *id64 = g_strnfill(64, 's');
	g_autofree char *id65 = g_strnfill(65, 's');
	g_autofree char *name200 = g_strnfill(200, 'n');
	g_autofree char *name201 = g_strnfill(201, 'n');

	ACCEPT(fx, l);
	b->speaker_id = "";
	REFUSE(fx, l, "speakers[1].speaker_id: must be 1-64 printable characters without spaces");
	b->speaker_id = "B 2";
	REFUSE(fx, l, "speakers[1].speaker_id: must be 1-64 printable characters without spaces");
	b->speaker_id = id65;
	REFUSE(fx, l, "speakers[1].speaker_id: must be 1-64 printable characters without spaces");
	b->speaker_id = id64;
	ACCEPT(fx, l);
	b->speaker_id = "A";
	REFUSE(fx, l, "speakers[1].speaker_id: \"A\" is given twice");
	b->speaker_id = "B";
	a->name = name200;
	ACCEPT(fx, l);
	a->name = name201;
	REFUSE(fx, l, "speakers[0].name: 201 characters, at most 200");
	a->name = "two\nlines";
	REFUSE(fx, l, "speakers[0].name: control character U+000A at character 3");
	a->name = "op\xe9rateur";
	REFUSE(fx, l, "speakers[0].name: not valid UTF-8 (byte 2)");
	a->name = "op\xc3\xa9rateur";
	ACCEPT(fx, l);
	for (guint i = 2; i < LABEL_SPEAKERS_MAX; i++) {
		char *id = g_strdup_printf("S%u", i);

		g_ptr_array_add(fx->arena, id);
		fx_speaker(fx, l, id, "");
	}
	ACCEPT(fx, l);
	fx_speaker(fx, l, "extra", "");
	REFUSE(fx, l, "speakers: at most 32");
}

static void test_transcript_fields(void **state)
{
	struct fixture *fx = *state;
	Ringside__V1__Label *l = fx_label(fx);
	Ringside__V1__TranscriptSegment *s;
	g_autofree char *text200 = g_strnfill(200, 't');
	g_autofree char *text201 = g_strnfill(201, 't');

	fx_speaker(fx, l, "A", "");
	s = fx_segment(fx, l, 1000, 2000, "mic", "hello there", "A");
	ACCEPT(fx, l);

	/* source: an audio source of the window */
	s->source = "cam";
	REFUSE(fx, l, "transcript[0].source: \"cam\" is not an audio source of group robot1");
	s->source = "radio";
	REFUSE(fx, l, "transcript[0].source: \"radio\" is not an audio source of group robot1");
	s->source = "mic";

	/* span */
	s->start_ns = 999;
	REFUSE(fx, l, "transcript[0].start_ns: 999 is outside the window [1000, 5000)");
	s->start_ns = 2000;
	REFUSE(fx, l,
	       "transcript[0].end_ns: 2000 must be after start_ns and at most the "
	       "window's end 5000");
	s->start_ns = 1000;

	/* text */
	s->text = "";
	REFUSE(fx, l, "transcript[0].text: must not be empty");
	s->text = "  \n";
	REFUSE(fx, l, "transcript[0].text: must not be empty");
	s->text = text201;
	REFUSE(fx, l, "transcript[0].text: 201 characters, at most 200");
	s->text = text200;
	ACCEPT(fx, l);
	s->text = "line one\nline\ttwo";
	ACCEPT(fx, l);
	s->text = "carriage\rreturn";
	REFUSE(fx, l,
	       "transcript[0].text: control character U+000D at character 8 (only newline "
	       "and tab are allowed)");
	s->text = "c1 \xc2\x85 control";
	REFUSE(fx, l,
	       "transcript[0].text: control character U+0085 at character 3 (only newline "
	       "and tab are allowed)");
	s->text = "hello";

	/* speaker_id: "" or a speaker of the label */
	s->speaker_id = "";
	ACCEPT(fx, l);
	s->speaker_id = "B";
	REFUSE(fx, l, "transcript[0].speaker_id: \"B\" is not one of this label's speakers");
	s->speaker_id = "A";

	/* emotion: "" or one of the template's */
	s->emotion = "angry";
	ACCEPT(fx, l);
	s->emotion = "sad";
	REFUSE(fx, l, "transcript[0].emotion: \"sad\" is not an emotion of group robot1");
	s->emotion = "";

	/* sound tags: from the template, each once */
	FX_ADD_STR(fx, s->sound_tags, s->n_sound_tags, "rain");
	FX_ADD_STR(fx, s->sound_tags, s->n_sound_tags, "music");
	ACCEPT(fx, l);
	FX_ADD_STR(fx, s->sound_tags, s->n_sound_tags, "rain");
	REFUSE(fx, l, "transcript[0].sound_tags[2]: \"rain\" is given twice");
	s->sound_tags[2] = "birds";
	REFUSE(fx, l, "transcript[0].sound_tags[2]: \"birds\" is not a sound tag of group robot1");
	s->n_sound_tags = 2;

	/* speaker_change from a client is not looked at (the daemon sets it) */
	s->speaker_change = TRUE;
	ACCEPT(fx, l);
}

/* Segments of one source in time order, not overlapping; sources apart. */
static void test_transcript_order(void **state)
{
	struct fixture *fx = *state;
	Ringside__V1__Label *l = fx_label(fx);
	Ringside__V1__TranscriptSegment *a, *b, *c;

	a = fx_segment(fx, l, 1000, 2000, "mic", "one", "");
	b = fx_segment(fx, l, 2000, 3000, "mic", "two", "");
	ACCEPT(fx, l);
	b->start_ns = 1999;
	REFUSE(fx, l,
	       "transcript[1].start_ns: 1999 is before the end 2000 of transcript[0], "
	       "the segment before it from source mic");
	b->start_ns = 1500;
	b->end_ns = 1800;
	REFUSE(fx, l,
	       "transcript[1].start_ns: 1500 is before the end 2000 of transcript[0], "
	       "the segment before it from source mic");
	/* out of order: b before a */
	a->start_ns = 3000;
	a->end_ns = 4000;
	b->start_ns = 1000;
	b->end_ns = 2000;
	REFUSE(fx, l,
	       "transcript[1].start_ns: 1000 is before the end 4000 of transcript[0], "
	       "the segment before it from source mic");

	/* a second audio source keeps its own order */
	fx->src[2].kind = RS_KIND_AUDIO;
	a->start_ns = 1000;
	a->end_ns = 2000;
	b->start_ns = 2500;
	b->end_ns = 3000;
	c = fx_segment(fx, l, 1500, 2600, "imu", "overlaps mic, not imu", "");
	ACCEPT(fx, l);
	fx_segment(fx, l, 2600, 2700, "mic", "after imu, before mic's end", "");
	REFUSE(fx, l,
	       "transcript[3].start_ns: 2600 is before the end 3000 of transcript[1], "
	       "the segment before it from source mic");
	(void)c;
}

static void test_transcript_cap(void **state)
{
	struct fixture *fx = *state;
	Ringside__V1__Label *l = fx_label(fx);
	Ringside__V1__TranscriptSegment *s = NULL;

	for (guint i = 0; i < LABEL_TRANSCRIPT_MAX; i++)
		s = fx_segment(fx, l, 1000 + i * 7, 1000 + i * 7 + 7, "mic", "w", "");
	ACCEPT(fx, l);
	for (guint i = 0; i <= LABEL_SOUND_TAGS_MAX; i++)
		FX_ADD_STR(fx, s->sound_tags, s->n_sound_tags, "music");
	REFUSE(fx, l, "transcript[511].sound_tags: at most 64");
	s->n_sound_tags = 0;
	fx_segment(fx, l, 4990, 5000, "mic", "w", "");
	REFUSE(fx, l, "transcript: at most 512");
}

static void test_track_fields(void **state)
{
	struct fixture *fx = *state;
	Ringside__V1__Label *l = fx_label(fx);
	Ringside__V1__Track *t0 = fx_track(fx, l, "t0", "person", "cam");
	Ringside__V1__Track *t = fx_track(fx, l, "t1", "car", "cam");
	Ringside__V1__Box box = RINGSIDE__V1__BOX__INIT, *boxp = &box;
	g_autofree char *id64 = g_strnfill(64, 'i');
	g_autofree char *id65 = g_strnfill(65, 'i');

	fx_keyframe(fx, t0, 1000, 0, 0, 160, 120);
	fx_keyframe(fx, t, 1000, 10, 10, 20, 20);
	ACCEPT(fx, l);

	/* track_id: an id, unique */
	t->track_id = "";
	REFUSE(fx, l, "tracks[1].track_id: must be 1-64 printable characters without spaces");
	t->track_id = id65;
	REFUSE(fx, l, "tracks[1].track_id: must be 1-64 printable characters without spaces");
	t->track_id = id64;
	ACCEPT(fx, l);
	t->track_id = "t0";
	REFUSE(fx, l, "tracks[1].track_id: \"t0\" is given twice");
	t->track_id = "t1";

	/* class: a box class, not a window class */
	t->class_ = "cat";
	REFUSE(fx, l, "tracks[1].class: \"cat\" is not a box class of group robot1");
	t->class_ = "car";

	/* source: a video source of the window */
	t->source = "mic";
	REFUSE(fx, l, "tracks[1].source: \"mic\" is not a video source of group robot1");
	t->source = "cam2";
	REFUSE(fx, l, "tracks[1].source: \"cam2\" is not a video source of group robot1");
	t->source = "cam";

	/* boxes are the daemon's */
	t->n_boxes = 1;
	t->boxes = &boxp;
	REFUSE(fx, l, "tracks[1].boxes: set by the daemon; send keyframes only");
	t->n_boxes = 0;
	t->boxes = NULL;

	/* keyframe flag from a client is not looked at */
	t->keyframes[0]->keyframe = TRUE;
	ACCEPT(fx, l);
	t->n_keyframes = 0;
	REFUSE(fx, l, "tracks[1].keyframes: give at least one");
}

/* Keyframes: strictly increasing times, each within
 * LABEL_FRAME_TOLERANCE_NS of its own frame of the track's source. */
static void test_track_keyframe_times(void **state)
{
	struct fixture *fx = *state;
	Ringside__V1__Label *l = fx_label(fx);
	Ringside__V1__Track *t = fx_track(fx, l, "t1", "car", "cam");
	Ringside__V1__Box *k0 = fx_keyframe(fx, t, 1000, 10, 10, 20, 20);
	Ringside__V1__Box *k1 = fx_keyframe(fx, t, 1800, 10, 10, 20, 20);

	ACCEPT(fx, l);
	k1->t_ns = 4800; /* the last frame */
	ACCEPT(fx, l);
	k1->t_ns = 1900; /* a page's double: near enough, snapped later */
	ACCEPT(fx, l);
	k1->t_ns = 4800 + LABEL_FRAME_TOLERANCE_NS + 1;
	REFUSE(fx, l,
	       "tracks[0].keyframes[1].t_ns: 5801 is not within 1000 ns of a frame of source "
	       "cam in this window");
	k0->t_ns = 1000 - LABEL_FRAME_TOLERANCE_NS - 1;
	k1->t_ns = 1200;
	REFUSE(fx, l,
	       "tracks[0].keyframes[0].t_ns: -1 is not within 1000 ns of a frame of source "
	       "cam in this window");
	k0->t_ns = 1790;
	k1->t_ns = 1810;
	REFUSE(fx, l, "tracks[0].keyframes[1].t_ns: the same frame as the previous keyframe");
	k0->t_ns = 1200;
	k1->t_ns = 1200;
	REFUSE(fx, l,
	       "tracks[0].keyframes[1].t_ns: 1200 must be after the previous keyframe's "
	       "1200");
	k0->t_ns = 1400;
	REFUSE(fx, l,
	       "tracks[0].keyframes[1].t_ns: 1200 must be after the previous keyframe's "
	       "1400");
	k0->t_ns = 1000;
	ACCEPT(fx, l);
	/* extreme times are far from every frame, not wrapped near one */
	k0->t_ns = G_MININT64;
	REFUSE(fx, l,
	       "tracks[0].keyframes[0].t_ns: -9223372036854775808 is not within 1000 ns of a "
	       "frame of source cam in this window");
	k0->t_ns = 1000;
	k1->t_ns = G_MAXINT64;
	REFUSE(fx, l,
	       "tracks[0].keyframes[1].t_ns: 9223372036854775807 is not within 1000 ns of a "
	       "frame of source cam in this window");
	k1->t_ns = 1200;

	/* a source without frames in the window has no keyframe time */
	g_ptr_array_set_size(fx->w->sources[0].samples, 0);
	REFUSE(fx, l,
	       "tracks[0].keyframes[0].t_ns: 1000 is not within 1000 ns of a frame of source "
	       "cam in this window");
}

/* Boxes: finite, x, y >= 0, w, h > 0, inside the 160x120 frame. */
static void test_track_box_bounds(void **state)
{
	struct fixture *fx = *state;
	Ringside__V1__Label *l = fx_label(fx);
	Ringside__V1__Track *t = fx_track(fx, l, "t1", "car", "cam");
	Ringside__V1__Box *b;

	fx_keyframe(fx, t, 1000, 10, 10, 20, 20);
	b = fx_keyframe(fx, t, 1200, 0, 0, 160, 120);
	ACCEPT(fx, l);
	b->x = 140;
	b->w = 20;
	b->y = 100;
	b->h = 20;
	ACCEPT(fx, l);
	b->x = 170;
	REFUSE(fx, l,
	       "tracks[0].keyframes[1].x: 170.0 + w 20.0 is outside the frame width 160 of "
	       "source cam");
	b->x = 140.5f;
	REFUSE(fx, l,
	       "tracks[0].keyframes[1].x: 140.5 + w 20.0 is outside the frame width 160 of "
	       "source cam");
	b->x = 140;
	b->h = 20.25f;
	REFUSE(fx, l,
	       "tracks[0].keyframes[1].y: 100.0 + h 20.2 is outside the frame height 120 of "
	       "source cam");
	b->h = 20;
	b->x = -0.5f;
	REFUSE(fx, l, "tracks[0].keyframes[1].x: -0.5 must be at least 0");
	b->x = 0;
	b->y = -1;
	REFUSE(fx, l, "tracks[0].keyframes[1].y: -1.0 must be at least 0");
	b->y = 0;
	b->w = 0;
	REFUSE(fx, l, "tracks[0].keyframes[1].w: 0.0 must be more than 0");
	b->w = 1;
	b->h = -3;
	REFUSE(fx, l, "tracks[0].keyframes[1].h: -3.0 must be more than 0");
	b->h = 1;
	ACCEPT(fx, l);
	b->x = NAN;
	REFUSE(fx, l, "tracks[0].keyframes[1].x: not a finite number");
	b->x = 0;
	b->w = INFINITY;
	REFUSE(fx, l, "tracks[0].keyframes[1].w: not a finite number");
	b->w = 1;
	b->h = -INFINITY;
	REFUSE(fx, l, "tracks[0].keyframes[1].h: not a finite number");
	b->h = 1;
	b->y = 3e38f;
	b->h = 3e38f;
	assert_false(label_validate(l, fx->w, (char[8]){0}, 8));
}

static void test_track_caps(void **state)
{
	struct fixture *fx = *state;
	Ringside__V1__Label *l = fx_label(fx);
	Ringside__V1__Track *t = NULL;

	for (guint i = 0; i < LABEL_TRACKS_MAX; i++) {
		char *id = g_strdup_printf("t%u", i);

		g_ptr_array_add(fx->arena, id);
		t = fx_track(fx, l, id, "car", "cam");
		fx_keyframe(fx, t, 1000, 1, 1, 1, 1);
	}
	ACCEPT(fx, l);
	/* more keyframes than frames cannot all be frame times; the cap is
	 * checked first */
	t->n_keyframes = 0;
	for (guint k = 0; k <= LABEL_KEYFRAMES_MAX; k++)
		fx_keyframe(fx, t, 1000 + k, 1, 1, 1, 1);
	REFUSE(fx, l, "tracks[63].keyframes: at most 512");
	t->n_keyframes = 1;
	fx_track(fx, l, "t64", "car", "cam");
	REFUSE(fx, l, "tracks: at most 64");
}

static void test_sensor_segments(void **state)
{
	struct fixture *fx = *state;
	Ringside__V1__Label *l = fx_label(fx);
	Ringside__V1__SensorSegment *s = fx_sensor_segment(fx, l, 1000, 1500, "imu", "bump");

	ACCEPT(fx, l);

	/* source: a sensor source of the window */
	s->source = "mic";
	REFUSE(fx, l, "sensor_segments[0].source: \"mic\" is not a sensor source of group robot1");
	s->source = "imu";

	/* span */
	s->end_ns = 5001;
	REFUSE(fx, l,
	       "sensor_segments[0].end_ns: 5001 must be after start_ns and at most the "
	       "window's end 5000");
	s->end_ns = 5000;
	ACCEPT(fx, l);

	/* channels: of the source, each once; empty means all */
	FX_ADD_STR(fx, s->channels, s->n_channels, "az");
	FX_ADD_STR(fx, s->channels, s->n_channels, "ax");
	ACCEPT(fx, l);
	FX_ADD_STR(fx, s->channels, s->n_channels, "gx");
	REFUSE(fx, l, "sensor_segments[0].channels[2]: \"gx\" is not a channel of source imu");
	s->channels[2] = "az";
	REFUSE(fx, l, "sensor_segments[0].channels[2]: \"az\" is given twice");
	s->n_channels = 0;
	for (guint i = 0; i <= LABEL_CHANNELS_MAX; i++)
		FX_ADD_STR(fx, s->channels, s->n_channels, "ax");
	REFUSE(fx, l, "sensor_segments[0].channels: at most 64");
	s->n_channels = 0;

	/* class: a segment class */
	s->class_ = "cat";
	REFUSE(fx, l, "sensor_segments[0].class: \"cat\" is not a segment class of group robot1");
	s->class_ = "idle";
	ACCEPT(fx, l);

	for (guint i = 1; i < LABEL_SENSOR_SEGMENTS_MAX; i++)
		fx_sensor_segment(fx, l, 1000, 2000, "imu", "bump");
	ACCEPT(fx, l);
	fx_sensor_segment(fx, l, 1000, 2000, "imu", "bump");
	REFUSE(fx, l, "sensor_segments: at most 256");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_speakers, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_transcript_fields, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_transcript_order, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_transcript_cap, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_track_fields, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_track_keyframe_times, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_track_box_bounds, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_track_caps, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_sensor_segments, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests_name("label_media", tests, NULL, NULL);
}
