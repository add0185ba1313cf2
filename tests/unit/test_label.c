/* Unit tests for feedback/label.c: the label-wide rules of label_validate
 * (id, window, kinds, flag, classes, events, pre-annotation use), each
 * accepted at its edge and refused with the exact reason a reviewer sees.
 * The other kinds are in test_label_media.c and test_label_text.c. */
#include "test_label_fixture.h"

#include <math.h>

#define MAX_CLASSES 4
#define MAX_EVENTS 2
#define MAX_EVENT_SOURCES 3

struct event_case {
	gint64 start, end;
	const char *class_; /* NULL ends the list of events */
	const char *sources[MAX_EVENT_SOURCES + 1];
};

/* One label as a reviewer would submit it, and what must come back. */
struct label_case {
	const char *name;
	guint kinds; /* 0: every kind */
	gboolean multi_label;
	const char *label_id; /* NULL: ID_LEN times 'a' */
	guint id_len;
	const char *window_id; /* NULL: the window's own id */
	const char *classes[MAX_CLASSES + 1];
	struct event_case events[MAX_EVENTS + 1];
	const char *reason; /* NULL: accepted */
};

#define BAD_ID "label_id: must be 1-64 printable characters without spaces"
#define BAD_END(t)                                                                                 \
	"events[0].end_ns: " #t " must be after start_ns and at most the window's end 5000"
#define BAD_START(t) "events[0].start_ns: " #t " is outside the window [1000, 5000)"

static const struct label_case cases[] = {
        /* label_id */
        {"one class", .label_id = "l-1", .classes = {"cat"}},
        {"uuid id", .label_id = "3f2b8c1e-9a4d-4e7b-8c2a-1d5e6f7a8b9c", .classes = {"person"}},
        {"id of one char", .label_id = "x", .classes = {"cat"}},
        {"id exactly max", .id_len = LABEL_ID_MAX, .classes = {"cat"}},
        {"id one past max", .id_len = LABEL_ID_MAX + 1, .classes = {"cat"}, .reason = BAD_ID},
        {"id empty", .label_id = "", .classes = {"cat"}, .reason = BAD_ID},
        {"id with space", .label_id = "a b", .classes = {"cat"}, .reason = BAD_ID},
        {"id leading space", .label_id = " ab", .classes = {"cat"}, .reason = BAD_ID},
        {"id with tab", .label_id = "a\tb", .classes = {"cat"}, .reason = BAD_ID},
        {"id with newline", .label_id = "ab\n", .classes = {"cat"}, .reason = BAD_ID},
        {"id with control char", .label_id = "a\x01", .classes = {"cat"}, .reason = BAD_ID},
        {"id with DEL", .label_id = "a\x7f", .classes = {"cat"}, .reason = BAD_ID},
        {"id not ASCII", .label_id = "caf\xc3\xa9", .classes = {"cat"}, .reason = BAD_ID},
        {"id all printable", .label_id = "!~{}\"'\\", .classes = {"cat"}},

        /* window_id */
        {"other window", .label_id = "l", .window_id = "robot1:2000", .classes = {"cat"},
         .reason = "window_id: \"robot1:2000\" is not this task's window robot1:1000"},
        {"window id empty", .label_id = "l", .window_id = "", .classes = {"cat"},
         .reason = "window_id: \"\" is not this task's window robot1:1000"},
        {"window id prefix", .label_id = "l", .window_id = "robot1:100", .classes = {"cat"},
         .reason = "window_id: \"robot1:100\" is not this task's window robot1:1000"},

        /* classes */
        {"nothing chosen", .label_id = "l", .reason = "classes: choose at least one class"},
        {"two classes, single-label group", .label_id = "l", .classes = {"cat", "dog"},
         .reason = "classes: group robot1 takes one class per label (got 2)"},
        {"same class twice, single-label group", .label_id = "l", .classes = {"cat", "cat"},
         .reason = "classes: group robot1 takes one class per label (got 2)"},
        {"two classes, multi-label group", .multi_label = TRUE, .label_id = "l",
         .classes = {"cat", "dog"}},
        {"every class, multi-label group", .multi_label = TRUE, .label_id = "l",
         .classes = {"dog", "person", "cat"}},
        {"one class, multi-label group", .multi_label = TRUE, .label_id = "l", .classes = {"dog"}},
        {"unknown class", .label_id = "l", .classes = {"cow"},
         .reason = "classes[0]: \"cow\" is not a class of group robot1"},
        {"class names are case-sensitive", .label_id = "l", .classes = {"Cat"},
         .reason = "classes[0]: \"Cat\" is not a class of group robot1"},
        {"empty class", .label_id = "l", .classes = {""},
         .reason = "classes[0]: \"\" is not a class of group robot1"},
        {"unknown second class", .multi_label = TRUE, .label_id = "l", .classes = {"cat", "cow"},
         .reason = "classes[1]: \"cow\" is not a class of group robot1"},
        {"duplicate class", .multi_label = TRUE, .label_id = "l", .classes = {"cat", "dog", "cat"},
         .reason = "classes[2]: \"cat\" is given twice"},
        {"duplicate next to each other", .multi_label = TRUE, .label_id = "l",
         .classes = {"dog", "dog"}, .reason = "classes[1]: \"dog\" is given twice"},

        /* events: time */
        {"event only, no class", .kinds = KIND(EVENTS), .label_id = "l",
         .events = {{2000, 3000, "cat", {"cam"}}}},
        {"event only, classes in the template", .label_id = "l",
         .events = {{2000, 3000, "cat", {"cam"}}}, .reason = "classes: choose at least one class"},
        {"event at window start", .label_id = "l", .classes = {"cat"},
         .events = {{WIN_START, 1001, "cat"}}},
        {"event ending at window end", .label_id = "l", .classes = {"dog"},
         .events = {{4000, WIN_END, "cat"}}},
        {"event over the whole window", .label_id = "l", .classes = {"dog"},
         .events = {{WIN_START, WIN_END, "dog"}}},
        {"event in the last ns", .label_id = "l", .classes = {"dog"},
         .events = {{WIN_END - 1, WIN_END, "dog"}}},
        {"event starts before window", .label_id = "l", .classes = {"dog"},
         .events = {{999, 2000, "cat"}}, .reason = BAD_START(999)},
        {"event starts at window end", .label_id = "l", .classes = {"dog"},
         .events = {{WIN_END, 5001, "cat"}}, .reason = BAD_START(5000)},
        {"event starts after window end", .label_id = "l", .classes = {"dog"},
         .events = {{6000, 7000, "cat"}}, .reason = BAD_START(6000)},
        {"event starts at negative time", .label_id = "l", .classes = {"dog"},
         .events = {{-5, 2000, "cat"}}, .reason = BAD_START(-5)},
        {"event of zero length", .label_id = "l", .classes = {"dog"},
         .events = {{2000, 2000, "cat"}}, .reason = BAD_END(2000)},
        {"event ends before it starts", .label_id = "l", .classes = {"dog"},
         .events = {{2000, 1500, "cat"}}, .reason = BAD_END(1500)},
        {"event ends after window end", .label_id = "l", .classes = {"dog"},
         .events = {{2000, 5001, "cat"}}, .reason = BAD_END(5001)},
        {"second event is checked too", .label_id = "l", .classes = {"dog"},
         .events = {{1000, 2000, "cat"}, {3000, 9000, "dog"}},
         .reason = "events[1].end_ns: 9000 must be after start_ns and at most the window's end "
                   "5000"},

        /* events: class and sources */
        {"event class unknown", .label_id = "l", .classes = {"dog"},
         .events = {{2000, 3000, "cow"}},
         .reason = "events[0].class: \"cow\" is not an event class of group robot1"},
        {"event class empty", .label_id = "l", .classes = {"dog"}, .events = {{2000, 3000, ""}},
         .reason = "events[0].class: \"\" is not an event class of group robot1"},
        {"event source unknown", .label_id = "l", .classes = {"dog"},
         .events = {{2000, 3000, "cat", {"cam", "lidar"}}},
         .reason = "events[0].sources[1]: \"lidar\" is not a source of group robot1"},
        {"event source is a class, not a source", .label_id = "l", .classes = {"dog"},
         .events = {{2000, 3000, "cat", {"cat"}}},
         .reason = "events[0].sources[0]: \"cat\" is not a source of group robot1"},
        {"event source twice", .label_id = "l", .classes = {"dog"},
         .events = {{2000, 3000, "cat", {"cam", "mic", "cam"}}},
         .reason = "events[0].sources[2]: \"cam\" is given twice"},
        {"event with every source", .label_id = "l", .classes = {"dog"},
         .events = {{2000, 3000, "cat", {"cam", "mic", "imu"}}}},
        {"event without sources", .label_id = "l", .classes = {"dog"},
         .events = {{2000, 3000, "cat"}}},
        {"classes and events together", .multi_label = TRUE, .label_id = "l",
         .classes = {"person", "dog"},
         .events = {{1000, 1500, "person", {"cam"}}, {1200, 5000, "dog", {"mic", "imu"}}}},
};

/* A Label built from a case; pointers into the case and this struct. */
struct built {
	Ringside__V1__Label label;
	Ringside__V1__TimedEvent ev[MAX_EVENTS];
	Ringside__V1__TimedEvent *evp[MAX_EVENTS];
	char id[LABEL_ID_MAX + 2];
};

static void build(struct built *b, const struct label_case *c)
{
	ringside__v1__label__init(&b->label);
	if (c->label_id) {
		b->label.label_id = (char *)c->label_id;
	} else {
		g_assert(c->id_len < sizeof b->id);
		memset(b->id, 'a', c->id_len);
		b->id[c->id_len] = '\0';
		b->label.label_id = b->id;
	}
	b->label.window_id = (char *)(c->window_id ? c->window_id : WIN_ID);
	b->label.group = "robot1";
	b->label.classes = (char **)c->classes;
	while (c->classes[b->label.n_classes])
		b->label.n_classes++;
	for (guint i = 0; c->events[i].class_; i++) {
		Ringside__V1__TimedEvent *e = &b->ev[i];

		ringside__v1__timed_event__init(e);
		e->start_ns = c->events[i].start;
		e->end_ns = c->events[i].end;
		e->class_ = (char *)c->events[i].class_;
		e->sources = (char **)c->events[i].sources;
		while (c->events[i].sources[e->n_sources])
			e->n_sources++;
		b->evp[i] = e;
		b->label.n_events++;
	}
	b->label.events = b->evp;
}

static void test_cases(void **state)
{
	struct fixture *fx = *state;

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		const struct label_case *c = &cases[i];
		struct built b;
		char reason[256];
		gboolean ok;

		fx->group.multi_label = c->multi_label;
		fx->group.kinds = c->kinds ? c->kinds : ALL_KINDS;
		build(&b, c);
		memset(reason, '#', sizeof reason);
		reason[sizeof reason - 1] = '\0';
		ok = label_validate(&b.label, fx->w, reason, sizeof reason);
		if (!c->reason && !ok)
			fail_msg("%s: refused (%s)", c->name, reason);
		if (c->reason && ok)
			fail_msg("%s: accepted, expected \"%s\"", c->name, c->reason);
		if (c->reason && strcmp(reason, c->reason))
			fail_msg("%s:\n  got      \"%s\"\n  expected \"%s\"", c->name, reason,
			         c->reason);
	}
}

/* The caps on repeated fields: at the cap accepted, one past refused. */
static void test_caps(void **state)
{
	static const struct {
		const char *name;
		guint classes, events, sources;
		const char *reason;
	} caps[] = {
	        {"64 classes pass the cap", 64, 1, 0, "classes[3]: \"person\" is given twice"},
	        {"65 classes", 65, 1, 0, "classes: at most 64"},
	        {"256 events", 0, 256, 0, NULL},
	        {"257 events", 0, 257, 0, "events: at most 256"},
	        {"64 sources on an event pass the cap", 0, 1, 64,
	         "events[0].sources[3]: \"cam\" is given twice"},
	        {"65 sources on an event", 0, 1, 65, "events[0].sources: at most 64"},
	};
	static const char *const cls[3] = {"person", "cat", "dog"};
	static const char *const srcs[3] = {"cam", "mic", "imu"};
	struct fixture *fx = *state;

	fx->group.multi_label = TRUE;
	for (gsize i = 0; i < G_N_ELEMENTS(caps); i++) {
		/* a label of events only, from a group without classes */
		fx->group.kinds = caps[i].classes ? ALL_KINDS : ALL_KINDS & ~KIND(CLASSES);
		Ringside__V1__Label l = RINGSIDE__V1__LABEL__INIT;
		char **classes = g_new0(char *, caps[i].classes + 1);
		Ringside__V1__TimedEvent *ev = g_new0(Ringside__V1__TimedEvent, caps[i].events);
		Ringside__V1__TimedEvent **evp = g_new0(Ringside__V1__TimedEvent *, caps[i].events);
		char **sources = g_new0(char *, caps[i].sources + 1);
		char reason[128] = "";
		gboolean ok;

		for (guint k = 0; k < caps[i].classes; k++)
			classes[k] = (char *)cls[k % 3];
		for (guint k = 0; k < caps[i].sources; k++)
			sources[k] = (char *)srcs[k % 3];
		for (guint k = 0; k < caps[i].events; k++) {
			ringside__v1__timed_event__init(&ev[k]);
			ev[k].start_ns = WIN_START + k;
			ev[k].end_ns = WIN_END;
			ev[k].class_ = "cat";
			ev[k].n_sources = caps[i].sources;
			ev[k].sources = sources;
			evp[k] = &ev[k];
		}
		l.label_id = "caps";
		l.window_id = WIN_ID;
		l.n_classes = caps[i].classes;
		l.classes = classes;
		l.n_events = caps[i].events;
		l.events = evp;
		ok = label_validate(&l, fx->w, reason, sizeof reason);
		if (caps[i].reason == NULL && !ok)
			fail_msg("%s: refused (%s)", caps[i].name, reason);
		if (caps[i].reason && (ok || strcmp(reason, caps[i].reason)))
			fail_msg("%s: got \"%s\", expected \"%s\"", caps[i].name,
			         ok ? "(ok)" : reason, caps[i].reason);
		g_free(sources);
		g_free(evp);
		g_free(ev);
		g_free(classes);
	}
}

/* Values echoed into the reason are cut at 80 characters, and the reason
 * itself at the caller's buffer, always NUL-terminated. */
static void test_reason_bounds(void **state)
{
	struct fixture *fx = *state;
	Ringside__V1__Label l = RINGSIDE__V1__LABEL__INIT;
	char *long_id = g_strnfill(200, 'w');
	char *expect = g_strdup_printf("window_id: \"%.80s\" is not this task's window %s", long_id,
	                               WIN_ID);
	char *cls[] = {"cat"};
	char reason[256], tiny[8];

	fx->group.multi_label = FALSE;
	l.label_id = "bounds";
	l.window_id = long_id;
	l.n_classes = 1;
	l.classes = cls;
	assert_false(label_validate(&l, fx->w, reason, sizeof reason));
	assert_string_equal(reason, expect);
	assert_int_equal(strlen(reason), strlen("window_id: \"\" is not this task's window ") + 80 +
	                                         strlen(WIN_ID));

	memset(tiny, '#', sizeof tiny);
	assert_false(label_validate(&l, fx->w, tiny, sizeof tiny));
	assert_string_equal(tiny, "window_");
	g_free(expect);
	g_free(long_id);
}

/* Every part of a kind the template does not name is refused, whatever
 * else the label holds; speakers and transcript are one kind. */
static void test_kinds(void **state)
{
	struct fixture *fx = *state;
	Ringside__V1__Label *l = fx_label(fx);
	Ringside__V1__TimedEvent *e;
	Ringside__V1__Caption *c;
	Ringside__V1__Track *t;

	fx->group.kinds = KIND(CLASSES) | KIND(EVENTS);
	e = fx_event(fx, l, 1000, 2000, "cat");
	ACCEPT(fx, l);
	fx->group.kinds = KIND(CLASSES);
	REFUSE(fx, l, "events: group robot1 does not take events");
	l->n_events = 0;
	ACCEPT(fx, l);

	c = fx_caption(fx, l, "a cat walks by the door");
	REFUSE(fx, l, "captions: group robot1 does not take captions");
	fx->group.kinds |= KIND(CAPTIONS);
	ACCEPT(fx, l);
	(void)e;
	(void)c;

	fx_speaker(fx, l, "A", "");
	REFUSE(fx, l, "speakers: group robot1 does not take transcript");
	fx->group.kinds |= KIND(TRANSCRIPT);
	ACCEPT(fx, l);
	fx_segment(fx, l, 1000, 2000, "mic", "hello", "A");
	ACCEPT(fx, l);
	l->n_speakers = 0;
	l->transcript[0]->speaker_id = "";
	fx->group.kinds &= ~KIND(TRANSCRIPT);
	REFUSE(fx, l, "transcript: group robot1 does not take transcript");
	l->n_transcript = 0;

	t = fx_track(fx, l, "t1", "car", "cam");
	fx_keyframe(fx, t, 1000, 0, 0, 10, 10);
	REFUSE(fx, l, "tracks: group robot1 does not take tracks");
	l->n_tracks = 0;
	fx_sensor_segment(fx, l, 1000, 2000, "imu", "bump");
	REFUSE(fx, l, "sensor_segments: group robot1 does not take sensor_segments");
	l->n_sensor_segments = 0;
	fx_instruction(fx, l, "What moves?", "A cat.", "cam");
	REFUSE(fx, l, "instructions: group robot1 does not take instructions");
	l->n_instructions = 0;
	fx_mention(fx, fx_entity(fx, l, "e1", "the cat"))->target_case =
	        RINGSIDE__V1__MENTION__TARGET_CAPTION;
	REFUSE(fx, l, "entities: group robot1 does not take entities");
	l->n_entities = 0;

	fx->group.kinds = KIND(EVENTS);
	REFUSE(fx, l, "classes: group robot1 does not take classes");
}

/* Unless flagged, a label answers: a class when the template has classes,
 * else one item of any kind (speakers alone are not an item). */
static void test_at_least_one(void **state)
{
	struct fixture *fx = *state;
	Ringside__V1__Label *l = fx_label(fx);
	Ringside__V1__Flag flag = RINGSIDE__V1__FLAG__INIT;

	l->n_classes = 0;
	REFUSE(fx, l, "classes: choose at least one class");
	fx_event(fx, l, 1000, 2000, "cat");
	REFUSE(fx, l, "classes: choose at least one class");

	fx->group.kinds = KIND(EVENTS) | KIND(TRANSCRIPT);
	fx->group.kind_order[0] = RINGSIDE__V1__LABEL_KIND__LABEL_KIND_EVENTS;
	fx->group.kind_order[1] = RINGSIDE__V1__LABEL_KIND__LABEL_KIND_TRANSCRIPT;
	fx->group.n_kinds = 2;
	ACCEPT(fx, l);
	l->n_events = 0;
	REFUSE(fx, l, "label: give at least one item (events, transcript) or a flag");
	fx_speaker(fx, l, "A", "operator");
	REFUSE(fx, l, "label: give at least one item (events, transcript) or a flag");
	fx_segment(fx, l, 1000, 2000, "mic", "hello", "A");
	ACCEPT(fx, l);
	l->n_transcript = 0;

	/* a flag stands in for an answer; FLAG_NONE does not */
	l->flag = &flag;
	flag.reason = "nothing to see";
	REFUSE(fx, l, "label: give at least one item (events, transcript) or a flag");
	flag.kind = RINGSIDE__V1__FLAG_KIND__FLAG_BAD_QUALITY;
	ACCEPT(fx, l);
	fx->group.kinds = ALL_KINDS;
	ACCEPT(fx, l);
}

static void test_flag(void **state)
{
	struct fixture *fx = *state;
	Ringside__V1__Label *l = fx_label(fx);
	Ringside__V1__Flag flag = RINGSIDE__V1__FLAG__INIT;
	g_autofree char *longest = g_strnfill(200, 'r');
	g_autofree char *too_long = g_strnfill(201, 'r');

	l->flag = &flag;
	/* absent or FLAG_NONE: nothing flagged, the reason may be empty */
	ACCEPT(fx, l);
	flag.kind = RINGSIDE__V1__FLAG_KIND__FLAG_AMBIGUOUS;
	REFUSE(fx, l, "flag.reason: must not be empty");
	flag.reason = " \n\t ";
	REFUSE(fx, l, "flag.reason: must not be empty");
	flag.reason = "cat or dog?\nhard to tell";
	ACCEPT(fx, l);
	flag.kind = RINGSIDE__V1__FLAG_KIND__FLAG_SKIP;
	ACCEPT(fx, l);
	flag.kind = RINGSIDE__V1__FLAG_KIND__FLAG_BAD_QUALITY;
	ACCEPT(fx, l);
	flag.kind = (Ringside__V1__FlagKind)4;
	REFUSE(fx, l, "flag.kind: 4 is not a flag kind (1 ambiguous, 2 bad_quality, 3 skip)");
	flag.kind = (Ringside__V1__FlagKind)-1;
	REFUSE(fx, l, "flag.kind: -1 is not a flag kind (1 ambiguous, 2 bad_quality, 3 skip)");
	flag.kind = RINGSIDE__V1__FLAG_KIND__FLAG_AMBIGUOUS;
	flag.reason = longest;
	ACCEPT(fx, l);
	flag.reason = too_long;
	REFUSE(fx, l, "flag.reason: 201 characters, at most 200");
	flag.reason = "bell\a";
	REFUSE(fx, l,
	       "flag.reason: control character U+0007 at character 4 (only newline and "
	       "tab are allowed)");

	/* a flagged label's other parts are checked as usual */
	flag.reason = "unsure";
	l->classes[0] = "cow";
	REFUSE(fx, l, "classes[0]: \"cow\" is not a class of group robot1");
}

/* PreAnnotationUse: offered is what the window held; the rest adds up. */
static void test_preannotation_use(void **state)
{
	struct fixture *fx = *state;
	Ringside__V1__Label *l = fx_label(fx);
	Ringside__V1__PreAnnotationUse u = RINGSIDE__V1__PRE_ANNOTATION_USE__INIT;

	l->preannotations = &u;
	ACCEPT(fx, l);
	u.shown = TRUE;
	REFUSE(fx, l, "preannotations.shown: this window has no pre-annotations");
	u.shown = FALSE;
	u.offered = 1;
	REFUSE(fx, l, "preannotations.offered: 1, but this window's pre-annotations hold 0 items");

	fx->w->preannotation_items = 5;
	u.shown = TRUE;
	REFUSE(fx, l, "preannotations.offered: 1, but this window's pre-annotations hold 5 items");
	u.offered = 5;
	u.accepted = 2;
	u.changed = 2;
	u.deleted = 1;
	ACCEPT(fx, l);
	u.deleted = 2;
	REFUSE(fx, l,
	       "preannotations: accepted 2 + changed 2 + deleted 2 is more than the 5 "
	       "offered");
	u.accepted = G_MAXUINT32;
	REFUSE(fx, l,
	       "preannotations: accepted 4294967295 + changed 2 + deleted 2 is more than "
	       "the 5 offered");
	l->preannotations = NULL;
	ACCEPT(fx, l);
}

/* Fields the daemon sets, and confidences, are not a reviewer's to get
 * wrong: they are overwritten or cleared, never refused. */
static void test_daemon_fields_ignored(void **state)
{
	struct fixture *fx = *state;
	Ringside__V1__Label *l = fx_label(fx);
	float conf[1] = {7.0f};

	l->reviewer = "mallory";
	l->group = "other";
	l->window_start_ns = -1;
	l->assigned_ns = 42;
	l->submitted_ns = 43;
	l->attempt = 99;
	l->extensions = 1000;
	l->expert = TRUE;
	l->n_class_confidences = 1;
	l->class_confidences = conf;
	fx_event(fx, l, 1000, 2000, "cat")->confidence = NAN;
	ACCEPT(fx, l);
}

/* What is echoed back is safe to show: bad bytes and control characters
 * become '?', and the reason is never cut inside a character. */
static void test_reason_text(void **state)
{
	struct fixture *fx = *state;
	Ringside__V1__Label *l = fx_label(fx);
	char reason[32];

	l->classes[0] = "c\xff\x01t\xc3\xa9";
	REFUSE(fx, l, "classes[0]: \"c??t\xc3\xa9\" is not a class of group robot1");
	/* "classes[0]: \"caf" is 16 bytes; the 2-byte character does not fit */
	l->classes[0] = "caf\xc3\xa9";
	assert_false(label_validate(l, fx->w, reason, 18));
	assert_string_equal(reason, "classes[0]: \"caf");
	assert_true(g_utf8_validate(reason, -1, NULL));
	assert_false(label_validate(l, fx->w, reason, 0));
}

static void test_count_items(void **state)
{
	struct fixture *fx = *state;
	Ringside__V1__Label *l = fx_label(fx);
	Ringside__V1__Entity *e;

	assert_int_equal(label_count_items(l), 1);
	fx_event(fx, l, 1000, 2000, "cat");
	fx_caption(fx, l, "a cat on the mat");
	fx_speaker(fx, l, "A", "");
	fx_speaker(fx, l, "B", "");
	fx_segment(fx, l, 1000, 2000, "mic", "hi", "A");
	fx_segment(fx, l, 2000, 3000, "mic", "ho", "B");
	fx_track(fx, l, "t1", "car", "cam");
	fx_sensor_segment(fx, l, 1000, 2000, "imu", "bump");
	e = fx_entity(fx, l, "e1", "cat");
	fx_mention(fx, e);
	fx_mention(fx, e);
	fx_instruction(fx, l, "q", "a", "cam");
	/* 1 class + 1 event + 1 caption + 2 segments + 1 track + 1 sensor
	 * segment + 1 entity + 1 instruction; speakers and mentions are not */
	assert_int_equal(label_count_items(l), 9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_cases, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_caps, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_reason_bounds, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_kinds, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_at_least_one, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_flag, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_preannotation_use, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_daemon_fields_ignored, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_reason_text, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_count_items, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests_name("label", tests, NULL, NULL);
}
