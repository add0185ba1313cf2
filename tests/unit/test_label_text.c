/* Unit tests for feedback/label_text.c: captions, entities and their
 * mentions, instructions, each rule accepted at its edge and refused with
 * the exact reason a reviewer sees. */
#include "test_label_fixture.h"

#define CAPTION "a cat walks past the door" /* 25 characters */

static void test_caption_text(void **state)
{
	struct fixture *fx = *state;
	Ringside__V1__Label *l = fx_label(fx);
	Ringside__V1__Caption *c = fx_caption(fx, l, CAPTION);
	g_autofree char *text200 = g_strnfill(200, 'c');
	g_autofree char *text201 = g_strnfill(201, 'c');

	ACCEPT(fx, l);
	/* caption_min_chars (10), surrounding whitespace not counted */
	c->text = "0123456789";
	ACCEPT(fx, l);
	c->text = "012345678";
	REFUSE(fx, l,
	       "captions[0].text: 9 characters, at least 10 (surrounding whitespace not "
	       "counted)");
	c->text = "   012345678\n\t ";
	REFUSE(fx, l,
	       "captions[0].text: 9 characters, at least 10 (surrounding whitespace not "
	       "counted)");
	c->text = " 01234 5678 ";
	ACCEPT(fx, l);
	/* counted in code points: ten 2-byte characters */
	c->text =
	        "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9";
	ACCEPT(fx, l);
	c->text = "";
	REFUSE(fx, l, "captions[0].text: must not be empty");
	fx->group.caption_min_chars = 0;
	REFUSE(fx, l, "captions[0].text: must not be empty");
	fx->group.caption_min_chars = 10;
	/* text_max_chars (200) */
	c->text = text200;
	ACCEPT(fx, l);
	c->text = text201;
	REFUSE(fx, l, "captions[0].text: 201 characters, at most 200");
	c->text = "bad \xed\xa0\x80 surrogate";
	REFUSE(fx, l, "captions[0].text: not valid UTF-8 (byte 4)");
	c->text = "a cat\x1b[31m in red";
	REFUSE(fx, l,
	       "captions[0].text: control character U+001B at character 5 (only newline "
	       "and tab are allowed)");
	c->text = "a cat\nin two lines";
	ACCEPT(fx, l);
}

static void test_caption_span_sources(void **state)
{
	struct fixture *fx = *state;
	Ringside__V1__Label *l = fx_label(fx);
	Ringside__V1__Caption *c = fx_caption(fx, l, CAPTION);

	/* both 0: the whole window; else a span inside it */
	c->start_ns = 2000;
	c->end_ns = 3000;
	ACCEPT(fx, l);
	c->start_ns = 0;
	REFUSE(fx, l, "captions[0].start_ns: 0 is outside the window [1000, 5000)");
	c->start_ns = 2000;
	c->end_ns = 0;
	REFUSE(fx, l,
	       "captions[0].end_ns: 0 must be after start_ns and at most the window's end "
	       "5000");
	c->end_ns = 5001;
	REFUSE(fx, l,
	       "captions[0].end_ns: 5001 must be after start_ns and at most the window's "
	       "end 5000");
	c->start_ns = 0;
	c->end_ns = 0;
	ACCEPT(fx, l);

	FX_ADD_STR(fx, c->sources, c->n_sources, "cam");
	FX_ADD_STR(fx, c->sources, c->n_sources, "mic");
	ACCEPT(fx, l);
	FX_ADD_STR(fx, c->sources, c->n_sources, "lidar");
	REFUSE(fx, l, "captions[0].sources[2]: \"lidar\" is not a source of group robot1");
	c->sources[2] = "cam";
	REFUSE(fx, l, "captions[0].sources[2]: \"cam\" is given twice");
	c->n_sources = 2;

	for (guint i = 1; i < LABEL_CAPTIONS_MAX; i++)
		fx_caption(fx, l, CAPTION);
	ACCEPT(fx, l);
	fx_caption(fx, l, CAPTION);
	REFUSE(fx, l, "captions: at most 32");
}

static void test_instructions(void **state)
{
	struct fixture *fx = *state;
	Ringside__V1__Label *l = fx_label(fx);
	Ringside__V1__Instruction *in =
	        fx_instruction(fx, l, "What does the robot hear?", "A door closing.", "mic");
	g_autofree char *text201 = g_strnfill(201, 'i');

	ACCEPT(fx, l);
	in->instruction = " ";
	REFUSE(fx, l, "instructions[0].instruction: must not be empty");
	in->instruction = text201;
	REFUSE(fx, l, "instructions[0].instruction: 201 characters, at most 200");
	in->instruction = "Where?";
	in->response = "";
	REFUSE(fx, l, "instructions[0].response: must not be empty");
	in->response = text201;
	REFUSE(fx, l, "instructions[0].response: 201 characters, at most 200");
	in->response = "Left\tof the cam.\nNear the door.";
	ACCEPT(fx, l);

	/* sources: at least one, of the window, each once */
	in->n_sources = 0;
	REFUSE(fx, l, "instructions[0].sources: name at least one source");
	FX_ADD_STR(fx, in->sources, in->n_sources, "imu");
	FX_ADD_STR(fx, in->sources, in->n_sources, "cam");
	ACCEPT(fx, l);
	FX_ADD_STR(fx, in->sources, in->n_sources, "imu");
	REFUSE(fx, l, "instructions[0].sources[2]: \"imu\" is given twice");
	in->sources[2] = "gps";
	REFUSE(fx, l, "instructions[0].sources[2]: \"gps\" is not a source of group robot1");
	in->n_sources = 2;

	/* an optional span, as captions */
	in->start_ns = 4000;
	in->end_ns = 5000;
	ACCEPT(fx, l);
	in->end_ns = 4000;
	REFUSE(fx, l,
	       "instructions[0].end_ns: 4000 must be after start_ns and at most the "
	       "window's end 5000");
	in->start_ns = 0;
	in->end_ns = 0;

	for (guint i = 1; i < LABEL_INSTRUCTIONS_MAX; i++)
		fx_instruction(fx, l, "q", "a", "cam");
	ACCEPT(fx, l);
	fx_instruction(fx, l, "q", "a", "cam");
	REFUSE(fx, l, "instructions: at most 16");
}

static void test_entity_fields(void **state)
{
	struct fixture *fx = *state;
	Ringside__V1__Label *l = fx_label(fx);
	Ringside__V1__Entity *e0, *e;
	Ringside__V1__Mention *m;
	g_autofree char *name200 = g_strnfill(200, 'n');
	g_autofree char *name201 = g_strnfill(201, 'n');

	fx_event(fx, l, 1000, 2000, "cat");
	e0 = fx_entity(fx, l, "e0", "the door");
	fx_mention(fx, e0)->target_case = RINGSIDE__V1__MENTION__TARGET_EVENT;
	e = fx_entity(fx, l, "e1", "the cat");
	m = fx_mention(fx, e);
	m->target_case = RINGSIDE__V1__MENTION__TARGET_EVENT;
	ACCEPT(fx, l);

	e->entity_id = "has space";
	REFUSE(fx, l, "entities[1].entity_id: must be 1-64 printable characters without spaces");
	e->entity_id = "e0";
	REFUSE(fx, l, "entities[1].entity_id: \"e0\" is given twice");
	e->entity_id = "e1";
	e->name = "";
	REFUSE(fx, l, "entities[1].name: must not be empty");
	e->name = name201;
	REFUSE(fx, l, "entities[1].name: 201 characters, at most 200");
	e->name = name200;
	ACCEPT(fx, l);
	e->name = "the\tcat";
	REFUSE(fx, l, "entities[1].name: control character U+0009 at character 3");
	e->name = "the cat";

	e->n_mentions = 0;
	REFUSE(fx, l, "entities[1].mentions: give at least one");
	for (guint i = 0; i <= LABEL_MENTIONS_MAX; i++)
		fx_mention(fx, e)->target_case = RINGSIDE__V1__MENTION__TARGET_EVENT;
	REFUSE(fx, l, "entities[1].mentions: at most 64");
	e->n_mentions = LABEL_MENTIONS_MAX;
	ACCEPT(fx, l);
	e->n_mentions = 1;

	for (guint i = 2; i < LABEL_ENTITIES_MAX; i++) {
		char *id = g_strdup_printf("e%u", i);

		g_ptr_array_add(fx->arena, id);
		fx_mention(fx, fx_entity(fx, l, id, "x"))->target_case =
		        RINGSIDE__V1__MENTION__TARGET_EVENT;
	}
	ACCEPT(fx, l);
	fx_entity(fx, l, "e64", "x");
	REFUSE(fx, l, "entities: at most 64");
}

/* Each target resolves to a part of this label. */
static void test_mention_targets(void **state)
{
	struct fixture *fx = *state;
	Ringside__V1__Label *l = fx_label(fx);
	Ringside__V1__Mention *m = fx_mention(fx, fx_entity(fx, l, "e1", "the cat"));
	Ringside__V1__Track *t;

	fx_event(fx, l, 1000, 2000, "cat");
	fx_caption(fx, l, CAPTION);
	fx_speaker(fx, l, "A", "");
	fx_segment(fx, l, 1000, 2000, "mic", "the cat meows", "A");
	t = fx_track(fx, l, "t1", "car", "cam");
	fx_keyframe(fx, t, 1000, 1, 1, 1, 1);
	fx_sensor_segment(fx, l, 1000, 2000, "imu", "bump");

	REFUSE(fx, l,
	       "entities[0].mentions[0]: names no target (event, transcript_segment, "
	       "track_id, sensor_segment, speaker_id or caption)");
	m->target_case = RINGSIDE__V1__MENTION__TARGET_EVENT;
	m->event = 0;
	ACCEPT(fx, l);
	m->event = 1;
	REFUSE(fx, l,
	       "entities[0].mentions[0].event: 1 is not one of this label's events (it "
	       "has 1)");
	m->target_case = RINGSIDE__V1__MENTION__TARGET_TRANSCRIPT_SEGMENT;
	m->transcript_segment = 0;
	ACCEPT(fx, l);
	m->transcript_segment = 7;
	REFUSE(fx, l,
	       "entities[0].mentions[0].transcript_segment: 7 is not one of this label's "
	       "transcript segments (it has 1)");
	m->target_case = RINGSIDE__V1__MENTION__TARGET_SENSOR_SEGMENT;
	m->sensor_segment = 0;
	ACCEPT(fx, l);
	m->sensor_segment = 1;
	REFUSE(fx, l,
	       "entities[0].mentions[0].sensor_segment: 1 is not one of this label's "
	       "sensor segments (it has 1)");
	m->target_case = RINGSIDE__V1__MENTION__TARGET_CAPTION;
	m->caption = 0;
	ACCEPT(fx, l);
	m->caption = G_MAXUINT32;
	REFUSE(fx, l,
	       "entities[0].mentions[0].caption: 4294967295 is not one of this label's "
	       "captions (it has 1)");
	m->target_case = RINGSIDE__V1__MENTION__TARGET_TRACK_ID;
	m->track_id = "t1";
	ACCEPT(fx, l);
	m->track_id = "t2";
	REFUSE(fx, l, "entities[0].mentions[0].track_id: \"t2\" is not a track of this label");
	m->target_case = RINGSIDE__V1__MENTION__TARGET_SPEAKER_ID;
	m->speaker_id = "A";
	ACCEPT(fx, l);
	m->speaker_id = "B";
	REFUSE(fx, l, "entities[0].mentions[0].speaker_id: \"B\" is not a speaker of this label");
	m->target_case = (Ringside__V1__Mention__TargetCase)9;
	REFUSE(fx, l,
	       "entities[0].mentions[0]: names no target (event, transcript_segment, "
	       "track_id, sensor_segment, speaker_id or caption)");
}

/* [text_start, text_end): transcript segments and captions only, inside
 * the text, counted in code points; both 0 is the whole text. */
static void test_mention_text_span(void **state)
{
	struct fixture *fx = *state;
	Ringside__V1__Label *l = fx_label(fx);
	Ringside__V1__Mention *m = fx_mention(fx, fx_entity(fx, l, "e1", "the cat"));

	fx_event(fx, l, 1000, 2000, "cat");
	fx_caption(fx, l, CAPTION);
	/* 11 characters, 13 bytes */
	fx_segment(fx, l, 1000, 2000, "mic", "le ch\xc3\xa2t f\xc3\xa9l", "");

	m->target_case = RINGSIDE__V1__MENTION__TARGET_CAPTION;
	m->text_start = 2;
	m->text_end = 5;
	ACCEPT(fx, l);
	m->text_end = 25;
	ACCEPT(fx, l);
	m->text_end = 26;
	REFUSE(fx, l,
	       "entities[0].mentions[0].text_end: 26 is past the end of the text (25 "
	       "characters)");
	m->text_end = 2;
	REFUSE(fx, l, "entities[0].mentions[0].text_start: 2 must be before text_end 2");
	m->text_start = 0;
	m->text_end = 0;
	ACCEPT(fx, l);

	m->target_case = RINGSIDE__V1__MENTION__TARGET_TRANSCRIPT_SEGMENT;
	m->text_start = 3;
	m->text_end = 11;
	ACCEPT(fx, l);
	m->text_end = 12;
	REFUSE(fx, l,
	       "entities[0].mentions[0].text_end: 12 is past the end of the text (11 "
	       "characters)");

	m->target_case = RINGSIDE__V1__MENTION__TARGET_EVENT;
	m->text_start = 0;
	m->text_end = 1;
	REFUSE(fx, l,
	       "entities[0].mentions[0].text_start: only transcript_segment and caption "
	       "mentions have a character span");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_caption_text, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_caption_span_sources, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_instructions, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_entity_fields, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_mention_targets, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_mention_text_span, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests_name("label_text", tests, NULL, NULL);
}
