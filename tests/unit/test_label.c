/* Unit tests for feedback/label.c: every rule label_validate applies, each
 * accepted at its edge and refused with the exact reason a reviewer sees. */
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

#define MAX_CLASSES 4
#define MAX_EVENTS 2
#define MAX_EVENT_SOURCES 3

/* The window every label in this file answers: group robot1, classes
 * person/cat/dog, sources cam/mic/imu, span [1000, 5000). */
struct fixture {
	struct rs_source_conf src[3];
	struct rs_source_conf *srcp[3];
	char *classes[4];
	struct rs_group_conf group;
	rs_window *w;
};

static int fx_setup(void **state)
{
	static const struct {
		const char *name;
		enum rs_kind kind;
	} shape[3] = {{"cam", RS_KIND_VIDEO}, {"mic", RS_KIND_AUDIO}, {"imu", RS_KIND_SENSOR}};
	struct fixture *fx = g_new0(struct fixture, 1);

	for (guint i = 0; i < 3; i++) {
		fx->src[i].name = (char *)shape[i].name;
		fx->src[i].kind = shape[i].kind;
		fx->srcp[i] = &fx->src[i];
	}
	fx->classes[0] = "person";
	fx->classes[1] = "cat";
	fx->classes[2] = "dog";
	fx->group.name = "robot1";
	fx->group.sources = fx->srcp;
	fx->group.n_sources = 3;
	fx->group.classes = fx->classes;
	fx->group.n_classes = 3;

	fx->w = g_new0(rs_window, 1);
	fx->w->ref = 1;
	fx->w->id = g_strdup(WIN_ID);
	fx->w->group = &fx->group;
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
	fx->w->complete = TRUE;
	*state = fx;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fixture *fx = *state;

	rs_window_unref(fx->w);
	g_free(fx);
	return 0;
}

struct event_case {
	gint64 start, end;
	const char *class_; /* NULL ends the list of events */
	const char *sources[MAX_EVENT_SOURCES + 1];
};

/* One label as a reviewer would submit it, and what must come back. */
struct label_case {
	const char *name;
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
        {"event only, no class", .label_id = "l", .events = {{2000, 3000, "cat", {"cam"}}}},
        {"event at window start", .label_id = "l", .events = {{WIN_START, 1001, "cat"}}},
        {"event ending at window end", .label_id = "l", .events = {{4000, WIN_END, "cat"}}},
        {"event over the whole window", .label_id = "l", .events = {{WIN_START, WIN_END, "dog"}}},
        {"event in the last ns", .label_id = "l", .events = {{WIN_END - 1, WIN_END, "dog"}}},
        {"event starts before window", .label_id = "l", .events = {{999, 2000, "cat"}},
         .reason = BAD_START(999)},
        {"event starts at window end", .label_id = "l", .events = {{WIN_END, 5001, "cat"}},
         .reason = BAD_START(5000)},
        {"event starts after window end", .label_id = "l", .events = {{6000, 7000, "cat"}},
         .reason = BAD_START(6000)},
        {"event starts at negative time", .label_id = "l", .events = {{-5, 2000, "cat"}},
         .reason = BAD_START(-5)},
        {"event of zero length", .label_id = "l", .events = {{2000, 2000, "cat"}},
         .reason = BAD_END(2000)},
        {"event ends before it starts", .label_id = "l", .events = {{2000, 1500, "cat"}},
         .reason = BAD_END(1500)},
        {"event ends after window end", .label_id = "l", .events = {{2000, 5001, "cat"}},
         .reason = BAD_END(5001)},
        {"second event is checked too", .label_id = "l",
         .events = {{1000, 2000, "cat"}, {3000, 9000, "dog"}},
         .reason = "events[1].end_ns: 9000 must be after start_ns and at most the window's end "
                   "5000"},

        /* events: class and sources */
        {"event class unknown", .label_id = "l", .events = {{2000, 3000, "cow"}},
         .reason = "events[0].class: \"cow\" is not a class of group robot1"},
        {"event class empty", .label_id = "l", .events = {{2000, 3000, ""}},
         .reason = "events[0].class: \"\" is not a class of group robot1"},
        {"event source unknown", .label_id = "l", .events = {{2000, 3000, "cat", {"cam", "lidar"}}},
         .reason = "events[0].sources[1]: \"lidar\" is not a source of group robot1"},
        {"event source is a class, not a source", .label_id = "l",
         .events = {{2000, 3000, "cat", {"cat"}}},
         .reason = "events[0].sources[0]: \"cat\" is not a source of group robot1"},
        {"event with every source", .label_id = "l",
         .events = {{2000, 3000, "cat", {"cam", "mic", "imu"}}}},
        {"event without sources", .label_id = "l", .events = {{2000, 3000, "cat"}}},
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
	        {"64 sources on an event", 0, 1, 64, NULL},
	        {"65 sources on an event", 0, 1, 65, "events[0].sources: at most 64"},
	};
	static const char *const cls[3] = {"person", "cat", "dog"};
	static const char *const srcs[3] = {"cam", "mic", "imu"};
	struct fixture *fx = *state;

	fx->group.multi_label = TRUE;
	for (gsize i = 0; i < G_N_ELEMENTS(caps); i++) {
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_cases, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_caps, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_reason_bounds, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests_name("label", tests, NULL, NULL);
}
