/* Unit tests for clients/common/json.c and record_json.c: string escaping,
 * numbers, the cap, and label stream entries as ringside-tail prints them. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "common/json.h"
#include "common/record_json.h"

/* One escaping case: IN (LEN bytes) must give exactly OUT. */
struct escape_case {
	const char *name;
	const char *in;
	size_t len;
	const char *out;
};

#define CASE(name, in, out)                                                                        \
	{                                                                                          \
		name, in, sizeof(in) - 1, out                                                      \
	}

static const struct escape_case escape_cases[] = {
        CASE("empty", "", "\"\""),
        CASE("plain", "robot1:1700000000000000000", "\"robot1:1700000000000000000\""),
        CASE("quote and backslash", "a\"b\\c", "\"a\\\"b\\\\c\""),
        CASE("short escapes", "\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\""),
        CASE("other controls", "\x01\x1f", "\"\\u0001\\u001f\""),
        CASE("NUL inside", "a\0b", "\"a\\u0000b\""),
        CASE("DEL stays", "\x7f", "\"\x7f\""),
        CASE("slash stays", "a/b", "\"a/b\""),
        CASE("2-byte UTF-8", "\xc3\xa9", "\"\xc3\xa9\""),
        CASE("3-byte UTF-8", "\xe2\x82\xac", "\"\xe2\x82\xac\""),
        CASE("4-byte UTF-8", "\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\""),
        CASE("U+10FFFF", "\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\""),
        CASE("stray continuation", "a\x80z", "\"a\\ufffdz\""),
        CASE("invalid lead 0xff", "\xff", "\"\\ufffd\""),
        CASE("overlong 2-byte", "\xc0\xaf", "\"\\ufffd\\ufffd\""),
        CASE("overlong 3-byte", "\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\""),
        CASE("surrogate", "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\""),
        CASE("past U+10FFFF", "\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""),
        CASE("truncated at end", "ok\xe2\x82", "\"ok\\ufffd\\ufffd\""),
        CASE("lead then ASCII", "\xc3(", "\"\\ufffd(\""),
};

static void test_escape_table(void **state)
{
	struct jbuf b;
	size_t i;

	jbuf_init(&b, 0);
	for (i = 0; i < sizeof(escape_cases) / sizeof(escape_cases[0]); i++) {
		const struct escape_case *c = &escape_cases[i];

		jbuf_reset(&b);
		assert_int_equal(jbuf_string(&b, c->in, c->len), 0);
		if (strcmp(b.buf, c->out) != 0)
			fail_msg("%s: got %s, want %s", c->name, b.buf, c->out);
		assert_int_equal(b.len, strlen(c->out));
	}
	jbuf_free(&b);
}

static void test_numbers(void **state)
{
	struct jbuf b;

	jbuf_init(&b, 0);
	assert_int_equal(jbuf_i64(&b, INT64_MIN), 0);
	assert_int_equal(jbuf_lit(&b, " "), 0);
	assert_int_equal(jbuf_i64(&b, INT64_MAX), 0);
	assert_int_equal(jbuf_lit(&b, " "), 0);
	assert_int_equal(jbuf_u64(&b, UINT64_MAX), 0);
	assert_int_equal(jbuf_lit(&b, " "), 0);
	assert_int_equal(jbuf_i64(&b, 0), 0);
	assert_string_equal(b.buf, "-9223372036854775808 9223372036854775807 "
	                           "18446744073709551615 0");
	jbuf_free(&b);
}

/* Past the cap an append fails, toobig sticks, and reset clears it. */
static void test_cap(void **state)
{
	struct jbuf b;

	jbuf_init(&b, 8);
	assert_int_equal(jbuf_lit(&b, "12345678"), 0);
	assert_int_equal(jbuf_lit(&b, "9"), -1);
	assert_true(b.toobig);
	assert_int_equal(jbuf_lit(&b, ""), -1);
	jbuf_reset(&b);
	assert_false(b.toobig);
	assert_int_equal(jbuf_string(&b, "\x01", 1), 0); /* "\u0001" is 8 */
	assert_string_equal(b.buf, "\"\\u0001\"");
	jbuf_reset(&b);
	assert_int_equal(jbuf_string(&b, "\x01\x01", 2), -1);
	jbuf_free(&b);
}

/* What test_label_every_field must print. */
#define EVERY_FIELD_JSON \
	"{\"stream_id\":\"5-0\",\"type\":\"label\",\"label_id\":\"l-9\"," \
	"\"window_id\":\"g:1\",\"group\":\"\",\"reviewer\":\"\",\"classes\":[]," \
	"\"events\":[],\"window_start_ns\":0,\"window_end_ns\":0,\"assigned_ns\":0," \
	"\"submitted_ns\":0,\"attempt\":0,\"captions\":[{\"text\":\"a ball rolls\"," \
	"\"start_ns\":0,\"end_ns\":0,\"sources\":[\"cam\"],\"confidence\":0.5}]," \
	"\"speakers\":[{\"speaker_id\":\"A\",\"name\":\"operator\"}],\"transcript\":[{\"start_ns\":10," \
	"\"end_ns\":20,\"source\":\"mic\",\"text\":\"stop\",\"speaker_id\":\"A\"," \
	"\"emotion\":\"calm\",\"sound_tags\":[\"music\"],\"speaker_change\":true," \
	"\"confidence\":0}],\"tracks\":[{\"track_id\":\"t1\",\"class\":\"ball\"," \
	"\"source\":\"cam\",\"keyframes\":[{\"t_ns\":5,\"x\":1.5,\"y\":2," \
	"\"w\":30,\"h\":40.25,\"keyframe\":true}],\"boxes\":[{\"t_ns\":5," \
	"\"x\":1.5,\"y\":2,\"w\":30,\"h\":40.25,\"keyframe\":true},{\"t_ns\":6," \
	"\"x\":0.1,\"y\":0,\"w\":0,\"h\":0,\"keyframe\":false}],\"confidence\":0}]," \
	"\"sensor_segments\":[{\"start_ns\":1,\"end_ns\":2,\"source\":\"imu\"," \
	"\"channels\":[\"ax\",\"az\"],\"class\":\"bump\",\"confidence\":0}]," \
	"\"entities\":[{\"entity_id\":\"e1\",\"name\":\"the ball\",\"mentions\":[{\"track_id\":\"t1\"," \
	"\"text_start\":0,\"text_end\":0},{\"transcript_segment\":0,\"text_start\":0," \
	"\"text_end\":4},{\"text_start\":0,\"text_end\":0}]}]," \
	"\"instructions\":[{\"instruction\":\"what stops?\"," \
	"\"response\":\"the ball\",\"sources\":[\"mic\"],\"start_ns\":0," \
	"\"end_ns\":0}],\"flag\":{\"kind\":\"ambiguous\",\"reason\":\"two balls?\"}," \
	"\"preannotations\":{\"shown\":true,\"offered\":3,\"accepted\":1," \
	"\"changed\":1,\"deleted\":1},\"extensions\":2,\"expert\":true,\"class_confidences\":[0.1," \
	"0.75]}"

/* Packs MSG into BUF (at least 1024 bytes); returns the length. */
static size_t pack(const ProtobufCMessage *msg, uint8_t *buf)
{
	size_t n = protobuf_c_message_get_packed_size(msg);

	assert_true(n <= 1024);
	return protobuf_c_message_pack(msg, buf);
}

static void test_label_entry(void **state)
{
	Ringside__V1__Label l = RINGSIDE__V1__LABEL__INIT;
	Ringside__V1__TimedEvent ev = RINGSIDE__V1__TIMED_EVENT__INIT, *evp = &ev;
	char *classes[] = {"square", "say \"hi\"\n"};
	char *sources[] = {"cam", "imu"};
	uint8_t pb[1024];
	size_t n;
	struct jbuf b;

	l.label_id = "6f1c2e7a";
	l.window_id = "robot1:1700000000000000000";
	l.group = "robot1";
	l.reviewer = "al\xffice";
	l.n_classes = 2;
	l.classes = classes;
	ev.start_ns = 1700000000500000000;
	ev.end_ns = 1700000001000000000;
	ev.class_ = "square";
	ev.n_sources = 2;
	ev.sources = sources;
	l.n_events = 1;
	l.events = &evp;
	l.window_start_ns = 1700000000000000000;
	l.window_end_ns = 1700000004000000000;
	l.assigned_ns = 1700000005000000000;
	l.submitted_ns = 1700000007500000000;
	l.attempt = 1;
	n = pack(&l.base, pb);

	jbuf_init(&b, 0);
	assert_int_equal(record_json_entry(&b, "1700000007600-0", "label", 5, pb, n),
	                 RECORD_JSON_LABEL);
	assert_string_equal(
	        b.buf, "{\"stream_id\":\"1700000007600-0\",\"type\":\"label\",\"label_id\":"
	               "\"6f1c2e7a\",\"window_id\":\"robot1:1700000000000000000\",\"group\":"
	               "\"robot1\",\"reviewer\":\"al\\ufffdice\",\"classes\":[\"square\","
	               "\"say \\\"hi\\\"\\n\"],\"events\":[{\"start_ns\":1700000000500000000,"
	               "\"end_ns\":1700000001000000000,\"class\":\"square\",\"sources\":[\"cam\","
	               "\"imu\"],\"confidence\":0}],\"window_start_ns\":1700000000000000000,"
	               "\"window_end_ns\":1700000004000000000,\"assigned_ns\":"
	               "1700000005000000000,\"submitted_ns\":1700000007500000000,"
	               "\"attempt\":1,\"captions\":[],"
	               "\"speakers\":[],\"transcript\":[],\"tracks\":[],"
	               "\"sensor_segments\":[],\"entities\":[],\"instructions\":[],\"flag\":"
	               "{\"kind\":\"none\",\"reason\":\"\"},\"preannotations\":{\"shown\":false,"
	               "\"offered\":0,\"accepted\":0,\"changed\":0,\"deleted\":0},\"extensions\":0,"
	               "\"expert\":false,\"class_confidences\":[]}");
	jbuf_free(&b);
}

/* Every kind of answer, the flag, pre-annotation use and the daemon's
 * fields: each shown under its proto name, floats as short numbers,
 * a mention by the name of its target. */
static void test_label_every_field(void **state)
{
	Ringside__V1__Label l = RINGSIDE__V1__LABEL__INIT;
	Ringside__V1__Caption cap = RINGSIDE__V1__CAPTION__INIT, *capp = &cap;
	Ringside__V1__Speaker spk = RINGSIDE__V1__SPEAKER__INIT, *spkp = &spk;
	Ringside__V1__TranscriptSegment seg = RINGSIDE__V1__TRANSCRIPT_SEGMENT__INIT, *segp = &seg;
	Ringside__V1__Box kf = RINGSIDE__V1__BOX__INIT, *kfp = &kf;
	Ringside__V1__Box bx[2] = {RINGSIDE__V1__BOX__INIT, RINGSIDE__V1__BOX__INIT};
	Ringside__V1__Box *bxp[2] = {&bx[0], &bx[1]};
	Ringside__V1__Track trk = RINGSIDE__V1__TRACK__INIT, *trkp = &trk;
	Ringside__V1__SensorSegment ss = RINGSIDE__V1__SENSOR_SEGMENT__INIT, *ssp = &ss;
	Ringside__V1__Mention mn[3] = {RINGSIDE__V1__MENTION__INIT, RINGSIDE__V1__MENTION__INIT,
	                               RINGSIDE__V1__MENTION__INIT};
	Ringside__V1__Mention *mnp[3] = {&mn[0], &mn[1], &mn[2]};
	Ringside__V1__Entity ent = RINGSIDE__V1__ENTITY__INIT, *entp = &ent;
	Ringside__V1__Instruction ins = RINGSIDE__V1__INSTRUCTION__INIT, *insp = &ins;
	Ringside__V1__Flag flag = RINGSIDE__V1__FLAG__INIT;
	Ringside__V1__PreAnnotationUse use = RINGSIDE__V1__PRE_ANNOTATION_USE__INIT;
	char *cam[] = {"cam"}, *mic[] = {"mic"}, *tags[] = {"music"}, *chans[] = {"ax", "az"};
	float conf[] = {0.1f, 0.75f};
	uint8_t pb[2048];
	size_t n = 0;
	struct jbuf b;

	l.label_id = "l-9";
	l.window_id = "g:1";
	cap.text = "a ball rolls";
	cap.n_sources = 1;
	cap.sources = cam;
	cap.confidence = 0.5f;
	l.n_captions = 1;
	l.captions = &capp;
	spk.speaker_id = "A";
	spk.name = "operator";
	l.n_speakers = 1;
	l.speakers = &spkp;
	seg.start_ns = 10;
	seg.end_ns = 20;
	seg.source = "mic";
	seg.text = "stop";
	seg.speaker_id = "A";
	seg.emotion = "calm";
	seg.n_sound_tags = 1;
	seg.sound_tags = tags;
	seg.speaker_change = 1;
	l.n_transcript = 1;
	l.transcript = &segp;
	kf.t_ns = 5;
	kf.x = 1.5f;
	kf.y = 2;
	kf.w = 30;
	kf.h = 40.25f;
	kf.keyframe = 1;
	bx[0] = kf;
	bx[1].t_ns = 6;
	bx[1].x = 0.1f;
	trk.track_id = "t1";
	trk.class_ = "ball";
	trk.source = "cam";
	trk.n_keyframes = 1;
	trk.keyframes = &kfp;
	trk.n_boxes = 2;
	trk.boxes = bxp;
	l.n_tracks = 1;
	l.tracks = &trkp;
	ss.start_ns = 1;
	ss.end_ns = 2;
	ss.source = "imu";
	ss.n_channels = 2;
	ss.channels = chans;
	ss.class_ = "bump";
	l.n_sensor_segments = 1;
	l.sensor_segments = &ssp;
	mn[0].target_case = RINGSIDE__V1__MENTION__TARGET_TRACK_ID;
	mn[0].track_id = "t1";
	mn[1].target_case = RINGSIDE__V1__MENTION__TARGET_TRANSCRIPT_SEGMENT;
	mn[1].transcript_segment = 0;
	mn[1].text_start = 0;
	mn[1].text_end = 4;
	/* mn[2]: no target */
	ent.entity_id = "e1";
	ent.name = "the ball";
	ent.n_mentions = 3;
	ent.mentions = mnp;
	l.n_entities = 1;
	l.entities = &entp;
	ins.instruction = "what stops?";
	ins.response = "the ball";
	ins.n_sources = 1;
	ins.sources = mic;
	l.n_instructions = 1;
	l.instructions = &insp;
	flag.kind = RINGSIDE__V1__FLAG_KIND__FLAG_AMBIGUOUS;
	flag.reason = "two balls?";
	l.flag = &flag;
	use.shown = 1;
	use.offered = 3;
	use.accepted = 1;
	use.changed = 1;
	use.deleted = 1;
	l.preannotations = &use;
	l.extensions = 2;
	l.expert = 1;
	l.n_class_confidences = 2;
	l.class_confidences = conf;
	n = protobuf_c_message_get_packed_size(&l.base);
	assert_true(n <= sizeof(pb));
	n = protobuf_c_message_pack(&l.base, pb);

	jbuf_init(&b, 0);
	assert_int_equal(record_json_entry(&b, "5-0", "label", 5, pb, n), RECORD_JSON_LABEL);
	assert_string_equal(b.buf, EVERY_FIELD_JSON);
	jbuf_free(&b);
}

/* An empty label (all defaults) still gives every key, arrays empty. */
static void test_label_defaults(void **state)
{
	struct jbuf b;

	jbuf_init(&b, 0);
	assert_int_equal(record_json_entry(&b, "1-0", "label", 5, "", 0), RECORD_JSON_LABEL);
	assert_string_equal(b.buf,
	                    "{\"stream_id\":\"1-0\",\"type\":\"label\",\"label_id\":\"\","
	                    "\"window_id\":\"\",\"group\":\"\",\"reviewer\":\"\",\"classes\":"
	                    "[],\"events\":[],\"window_start_ns\":0,\"window_end_ns\":0,"
	                    "\"assigned_ns\":0,\"submitted_ns\":0,\"attempt\":0,\"captions\":[],"
	                    "\"speakers\":[],\"transcript\":[],\"tracks\":[],"
	                    "\"sensor_segments\":[],\"entities\":[],\"instructions\":[],\"flag\":"
	                    "{\"kind\":\"none\",\"reason\":\"\"},\"preannotations\":{\"shown\":false,"
	                    "\"offered\":0,\"accepted\":0,\"changed\":0,\"deleted\":0},\"extensions\":0,"
	                    "\"expert\":false,\"class_confidences\":[]}");
	jbuf_free(&b);
}

static void test_expired_entry(void **state)
{
	Ringside__V1__Expired e = RINGSIDE__V1__EXPIRED__INIT;
	char *reviewers[] = {"alice", "bob"};
	uint8_t pb[1024];
	size_t n;
	struct jbuf b;

	e.window_id = "robot1:1700000010000000000";
	e.group = "robot1";
	e.start_ns = 1700000010000000000;
	e.end_ns = 1700000014000000000;
	e.attempts = 2;
	e.n_reviewers = 2;
	e.reviewers = reviewers;
	e.reason = "deadline";
	e.expired_ns = -1; /* negative numbers survive too */
	n = pack(&e.base, pb);

	jbuf_init(&b, 0);
	assert_int_equal(record_json_entry(&b, "2-0", "expired", 7, pb, n), RECORD_JSON_EXPIRED);
	assert_string_equal(b.buf,
	                    "{\"stream_id\":\"2-0\",\"type\":\"expired\",\"window_id\":"
	                    "\"robot1:1700000010000000000\",\"group\":\"robot1\",\"start_ns\":"
	                    "1700000010000000000,\"end_ns\":1700000014000000000,\"attempts\":2,"
	                    "\"reviewers\":[\"alice\",\"bob\"],\"reason\":\"deadline\","
	                    "\"expired_ns\":-1}");
	jbuf_free(&b);
}

/* One unusable entry: what it carries and the error line it must give. */
struct bad_case {
	const char *type;
	size_t type_len;
	const char *pb;
	size_t pb_len;
	const char *out;
};

static void test_bad_entries(void **state)
{
	static const struct bad_case cases[] = {
	        {"label", 5, "\xff\xff\xff", 3,
	         "{\"stream_id\":\"3-0\",\"error\":\"pb does not decode as ringside.v1.Label\"}"},
	        {"expired", 7,
	         "\x0a\x05"
	         "ab",
	         4,
	         "{\"stream_id\":\"3-0\",\"error\":\"pb does not decode as ringside.v1.Expired\"}"},
	        {NULL, 0, "", 0, "{\"stream_id\":\"3-0\",\"error\":\"entry has no type field\"}"},
	        {"label", 5, NULL, 0,
	         "{\"stream_id\":\"3-0\",\"error\":\"entry has no pb field\"}"},
	        {"expired", 7, NULL, 0,
	         "{\"stream_id\":\"3-0\",\"error\":\"entry has no pb field\"}"},
	        {"labels", 6, "", 0,
	         "{\"stream_id\":\"3-0\",\"error\":\"type \\\"labels\\\" is neither label nor "
	         "expired\"}"},
	        {"lab", 3, "", 0,
	         "{\"stream_id\":\"3-0\",\"error\":\"type \\\"lab\\\" is neither label nor "
	         "expired\"}"},
	        {"x\n\xff", 3, "", 0,
	         "{\"stream_id\":\"3-0\",\"error\":\"type \\\"x\\\\n\\\\ufffd\\\" is neither label "
	         "nor expired\"}"},
	};
	struct jbuf b;
	size_t i;

	jbuf_init(&b, 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(record_json_entry(&b, "3-0", cases[i].type, cases[i].type_len,
		                                   cases[i].pb, cases[i].pb_len),
		                 RECORD_JSON_ERROR);
		if (strcmp(b.buf, cases[i].out) != 0)
			fail_msg("case %zu: got %s, want %s", i, b.buf, cases[i].out);
	}
	jbuf_free(&b);
}

/* A record past the buffer's cap becomes an error line, not a cut one. */
static void test_entry_too_big(void **state)
{
	Ringside__V1__Label l = RINGSIDE__V1__LABEL__INIT;
	char big[300];
	uint8_t pb[1024];
	size_t n;
	struct jbuf b;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	l.label_id = big;
	n = pack(&l.base, pb);
	jbuf_init(&b, 200);
	assert_int_equal(record_json_entry(&b, "4-0", "label", 5, pb, n), RECORD_JSON_ERROR);
	assert_string_equal(b.buf, "{\"stream_id\":\"4-0\",\"error\":\"record is larger than the "
	                           "200-byte output cap\"}");
	jbuf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_escape_table),
	        cmocka_unit_test(test_numbers),
	        cmocka_unit_test(test_cap),
	        cmocka_unit_test(test_label_entry),
	        cmocka_unit_test(test_label_defaults),
	        cmocka_unit_test(test_label_every_field),
	        cmocka_unit_test(test_expired_entry),
	        cmocka_unit_test(test_bad_entries),
	        cmocka_unit_test(test_entry_too_big),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
