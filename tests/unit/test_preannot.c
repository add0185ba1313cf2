/* Unit tests for feedback/preannot.c: where an offered pre-annotation goes
 * (buffered, or dropped and why), which window it is attached to, the
 * per-group bound, lateness and staleness; and that wire_pack_window
 * carries the attached ones as Window.preannotations. No Redis. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "feedback/preannot.h"
#include "feedback/wire.h"
#include "ringside.pb-c.h"

#define S G_GINT64_CONSTANT(1000000000)
#define MS G_GINT64_CONSTANT(1000000)
/* The daemon starts at T0: its first window starts at the next multiple
 * of every after it. */
#define T0 (1000 * S)
#define MAX_BYTES 1024

/* Group robot1: one sensor with a 30 s ring, classes person/cat, events. */
struct fixture {
	struct rs_source_conf src;
	struct rs_source_conf *srcp[1];
	char *classes[3];
	struct rs_group_conf group;
	preannot *pa;
	GPtrArray *windows; /* rs_window *, unref'd at teardown */
};

static struct fixture *fx_new(gint64 every_ns, gint64 window_ns, guint max)
{
	struct fixture *fx = g_new0(struct fixture, 1);

	fx->src.name = "imu";
	fx->src.kind = RS_KIND_SENSOR;
	fx->src.ring_ns = 30 * S;
	fx->srcp[0] = &fx->src;
	fx->classes[0] = "person";
	fx->classes[1] = "cat";
	fx->group.name = "robot1";
	fx->group.sources = fx->srcp;
	fx->group.n_sources = 1;
	fx->group.window_ns = window_ns;
	fx->group.every_ns = every_ns;
	fx->group.classes = fx->classes;
	fx->group.n_classes = 2;
	fx->group.event_classes = fx->classes;
	fx->group.n_event_classes = 2;
	fx->group.kinds = RS_KIND_BIT(RINGSIDE__V1__LABEL_KIND__LABEL_KIND_CLASSES) |
	                  RS_KIND_BIT(RINGSIDE__V1__LABEL_KIND__LABEL_KIND_EVENTS);
	fx->group.kind_order[0] = RINGSIDE__V1__LABEL_KIND__LABEL_KIND_CLASSES;
	fx->group.kind_order[1] = RINGSIDE__V1__LABEL_KIND__LABEL_KIND_EVENTS;
	fx->group.n_kinds = 2;
	fx->group.text_max_chars = 2000;
	fx->group.preannotations_max = max;
	fx->pa = preannot_new(&fx->group, 1, MAX_BYTES, T0);
	fx->windows = g_ptr_array_new_with_free_func((GDestroyNotify)rs_window_unref);
	return fx;
}

static void fx_free(struct fixture *fx)
{
	preannot_free(fx->pa);
	g_ptr_array_unref(fx->windows);
	g_free(fx);
}

/* The window of FX's group starting at START, as the cutter makes it. */
static rs_window *window_at(struct fixture *fx, gint64 start)
{
	rs_window *w = g_new0(rs_window, 1);

	w->ref = 1;
	w->id = g_strdup_printf("robot1:%" G_GINT64_FORMAT, start);
	w->group = &fx->group;
	w->start_ns = start;
	w->end_ns = start + fx->group.window_ns;
	w->reason = RS_REASON_PERIODIC;
	w->complete = TRUE;
	g_ptr_array_add(fx->windows, w);
	return w;
}

/* A packed PreAnnotation of GROUP for [START, END) by MODEL: class CLASS_
 * (confidence 0.8) and one event over the whole span. Free with g_free. */
static guint8 *pre_pack(const char *group, gint64 start, gint64 end, const char *model,
                        const char *class_, gsize *len)
{
	Ringside__V1__PreAnnotation pre = RINGSIDE__V1__PRE_ANNOTATION__INIT;
	Ringside__V1__Label label = RINGSIDE__V1__LABEL__INIT;
	Ringside__V1__TimedEvent ev = RINGSIDE__V1__TIMED_EVENT__INIT;
	Ringside__V1__TimedEvent *evp = &ev;
	char *classes[] = {(char *)class_};
	float conf[] = {0.8f};
	guint8 *buf;

	pre.group = (char *)group;
	pre.start_ns = start;
	pre.end_ns = end;
	pre.model = (char *)model;
	pre.model_version = "1";
	pre.label = &label;
	label.n_classes = 1;
	label.classes = classes;
	label.n_class_confidences = 1;
	label.class_confidences = conf;
	ev.start_ns = start;
	ev.end_ns = end;
	ev.class_ = "cat";
	ev.confidence = 0.5f;
	label.n_events = 1;
	label.events = &evp;
	*len = ringside__v1__pre_annotation__get_packed_size(&pre);
	buf = g_malloc(*len);
	ringside__v1__pre_annotation__pack(&pre, buf);
	return buf;
}

static enum preannot_result offer(struct fixture *fx, const char *id, const char *group,
                                  gint64 start, gint64 end, const char *model, gint64 now)
{
	gsize len;
	g_autofree guint8 *buf = pre_pack(group, start, end, model, "person", &len);

	return preannot_offer(fx->pa, id, buf, len, now);
}

/* The model names of W's pre-annotations, comma-separated. */
static char *models_of(const rs_window *w)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; w->preannotations && i < w->preannotations->len; i++) {
		gsize n;
		const guint8 *d = g_bytes_get_data(w->preannotations->pdata[i], &n);
		Ringside__V1__PreAnnotation *p = ringside__v1__pre_annotation__unpack(NULL, n, d);

		assert_non_null(p);
		g_string_append_printf(s, "%s%s", s->len ? "," : "", p->model);
		ringside__v1__pre_annotation__free_unpacked(p, NULL);
	}
	return g_string_free(s, FALSE);
}

/* The value of the sample line starting with PREFIX in the metrics. */
static guint64 metric(struct fixture *fx, const char *prefix)
{
	g_autoptr(GString) out = g_string_new(NULL);
	const char *line;

	preannot_metrics_append(fx->pa, out);
	line = strstr(out->str, prefix);
	if (!line)
		fail_msg("no metric %s in:\n%s", prefix, out->str);
	return g_ascii_strtoull(line + strlen(prefix), NULL, 10);
}

#define DROPPED(r) "ringside_preannotations_dropped_total{group=\"robot1\",reason=\"" r "\"} "

/* Windows every 10 s, 4 s long: [1010, 1014) s is the first after T0. */
struct offer_case {
	const char *name;
	const char *group;
	gint64 start, end;
	gint64 now; /* 0: T0 */
	enum preannot_result want;
};

static const struct offer_case offer_cases[] = {
        {"inside the first window", "robot1", 1010 * S + 500 * MS, 1011 * S, 0, PREANNOT_BUFFERED},
        {"the whole window", "robot1", 1010 * S, 1014 * S, 0, PREANNOT_BUFFERED},
        {"a later window", "robot1", 1030 * S, 1031 * S, 0, PREANNOT_BUFFERED},
        {"unknown group", "robot2", 1010 * S, 1011 * S, 0, PREANNOT_UNKNOWN_GROUP},
        {"empty group", "", 1010 * S, 1011 * S, 0, PREANNOT_UNKNOWN_GROUP},
        {"start == end", "robot1", 1011 * S, 1011 * S, 0, PREANNOT_BAD_SPAN},
        {"start > end", "robot1", 1012 * S, 1011 * S, 0, PREANNOT_BAD_SPAN},
        {"negative start", "robot1", -1 * S, 1 * S, 0, PREANNOT_BAD_SPAN},
        {"past the window's end", "robot1", 1013 * S, 1014 * S + 1, 0, PREANNOT_NO_WINDOW},
        {"between windows", "robot1", 1015 * S, 1016 * S, 0, PREANNOT_NO_WINDOW},
        {"longer than a window", "robot1", 1010 * S, 1015 * S, 0, PREANNOT_NO_WINDOW},
        {"before the first window", "robot1", 1000 * S, 1001 * S, 0, PREANNOT_LATE},
        {"older than the rings", "robot1", 1020 * S, 1021 * S, 1051 * S, PREANNOT_STALE},
        {"just inside the rings", "robot1", 1020 * S, 1021 * S, 1050 * S, PREANNOT_BUFFERED},
};

static void test_offer(void **state)
{
	for (guint i = 0; i < G_N_ELEMENTS(offer_cases); i++) {
		const struct offer_case *c = &offer_cases[i];
		struct fixture *fx = fx_new(10 * S, 4 * S, 8);
		enum preannot_result got =
		        offer(fx, "1-0", c->group, c->start, c->end, "m", c->now ? c->now : T0);

		if (got != c->want)
			fail_msg("%s: got %s, want %s", c->name, preannot_result_name(got),
			         preannot_result_name(c->want));
		assert_int_equal(preannot_waiting(fx->pa, "robot1"), got == PREANNOT_BUFFERED);
		fx_free(fx);
	}
}

static void test_refused(void **state)
{
	struct fixture *fx = fx_new(10 * S, 4 * S, 8);
	guint8 big[MAX_BYTES + 1] = {0};

	assert_int_equal(preannot_offer(fx->pa, "1-0", (const guint8 *)"garbage", 7, T0),
	                 PREANNOT_UNDECODABLE);
	assert_int_equal(preannot_offer(fx->pa, "2-0", NULL, 0, T0), PREANNOT_UNDECODABLE);
	assert_int_equal(preannot_offer(fx->pa, "3-0", big, sizeof big, T0), PREANNOT_TOO_LARGE);
	assert_int_equal(
	        metric(fx, "ringside_preannotations_refused_total{reason=\"undecodable\"} "), 2);
	assert_int_equal(metric(fx, "ringside_preannotations_refused_total{reason=\"too_large\"} "),
	                 1);
	assert_int_equal(metric(fx, "ringside_preannotations_received_total{group=\"robot1\"} "),
	                 0);
	fx_free(fx);
}

/* Good ones go to their window, bad ones are dropped as invalid, ones for
 * later windows keep waiting. */
static void test_attach(void **state)
{
	struct fixture *fx = fx_new(10 * S, 4 * S, 8);
	rs_window *w;
	g_autofree char *models = NULL;
	gsize len;
	g_autofree guint8 *bad = pre_pack("robot1", 1011 * S, 1012 * S, "bad", "dog", &len);

	assert_int_equal(offer(fx, "1-0", "robot1", 1010 * S, 1011 * S, "a", T0),
	                 PREANNOT_BUFFERED);
	assert_int_equal(preannot_offer(fx->pa, "2-0", bad, len, T0), PREANNOT_BUFFERED);
	assert_int_equal(offer(fx, "3-0", "robot1", 1020 * S, 1021 * S, "later", T0),
	                 PREANNOT_BUFFERED);
	assert_int_equal(offer(fx, "4-0", "robot1", 1013 * S, 1014 * S, "b", T0),
	                 PREANNOT_BUFFERED);

	w = window_at(fx, 1010 * S);
	assert_int_equal(preannot_attach(fx->pa, w), 2);
	models = models_of(w);
	assert_string_equal(models, "a,b");
	assert_int_equal(w->preannotation_items, 4); /* a class and an event each */
	assert_int_equal(preannot_waiting(fx->pa, "robot1"), 1);
	assert_int_equal(metric(fx, "ringside_preannotations_attached_total{group=\"robot1\"} "),
	                 2);
	assert_int_equal(metric(fx, DROPPED("invalid")), 1);
	assert_int_equal(metric(fx, "ringside_preannotations_received_total{group=\"robot1\"} "),
	                 4);

	/* A window with none stays without. */
	assert_int_equal(preannot_attach(fx->pa, window_at(fx, 1040 * S)), 0);
	assert_null(((rs_window *)fx->windows->pdata[1])->preannotations);
	fx_free(fx);
}

/* Once a window starting after a pre-annotation's last possible window
 * was cut, it is dropped as late; arriving after that, too. */
static void test_late(void **state)
{
	struct fixture *fx = fx_new(10 * S, 4 * S, 8);

	assert_int_equal(offer(fx, "1-0", "robot1", 1010 * S, 1011 * S, "a", T0),
	                 PREANNOT_BUFFERED);
	/* window 1010 skipped (its data had left the rings); 1020 is cut */
	assert_int_equal(preannot_attach(fx->pa, window_at(fx, 1020 * S)), 0);
	assert_int_equal(preannot_waiting(fx->pa, "robot1"), 0);
	assert_int_equal(metric(fx, DROPPED("late")), 1);
	assert_int_equal(offer(fx, "2-0", "robot1", 1020 * S, 1021 * S, "b", T0), PREANNOT_LATE);
	assert_int_equal(offer(fx, "3-0", "robot1", 1030 * S, 1031 * S, "c", T0),
	                 PREANNOT_BUFFERED);
	assert_int_equal(metric(fx, DROPPED("late")), 2);
	fx_free(fx);
}

/* Overlapping windows (every 2 s, 4 s long): a pre-annotation in two of
 * them goes to the first one cut, once. */
static void test_overlap(void **state)
{
	struct fixture *fx = fx_new(2 * S, 4 * S, 8);
	g_autofree char *first = NULL;

	/* first window after T0: [1002, 1006); this one is in [1002, 1006) and [1004, 1008) */
	assert_int_equal(offer(fx, "1-0", "robot1", 1004 * S, 1005 * S, "a", T0),
	                 PREANNOT_BUFFERED);
	/* only in [1004, 1008) */
	assert_int_equal(offer(fx, "2-0", "robot1", 1005 * S, 1007 * S, "b", T0),
	                 PREANNOT_BUFFERED);
	assert_int_equal(preannot_attach(fx->pa, window_at(fx, 1002 * S)), 1);
	first = models_of(fx->windows->pdata[0]);
	assert_string_equal(first, "a");
	assert_int_equal(preannot_attach(fx->pa, window_at(fx, 1004 * S)), 1);
	g_free(first);
	first = models_of(fx->windows->pdata[1]);
	assert_string_equal(first, "b");
	fx_free(fx);
}

/* Past preannotations_max the oldest waiting one goes; 0 takes none. */
static void test_full(void **state)
{
	struct fixture *fx = fx_new(10 * S, 4 * S, 2);
	g_autofree char *models = NULL;
	rs_window *w;

	for (guint i = 0; i < 3; i++) {
		char id[16], model[8];

		g_snprintf(id, sizeof id, "%u-0", i);
		g_snprintf(model, sizeof model, "m%u", i);
		assert_int_equal(offer(fx, id, "robot1", 1010 * S, 1011 * S, model, T0),
		                 PREANNOT_BUFFERED);
		assert_int_equal(preannot_waiting(fx->pa, "robot1"), MIN(i + 1, 2));
	}
	assert_int_equal(metric(fx, DROPPED("full")), 1);
	assert_int_equal(metric(fx, "ringside_preannotations_waiting{group=\"robot1\"} "), 2);
	w = window_at(fx, 1010 * S);
	assert_int_equal(preannot_attach(fx->pa, w), 2);
	models = models_of(w);
	assert_string_equal(models, "m1,m2");
	fx_free(fx);

	fx = fx_new(10 * S, 4 * S, 0);
	assert_int_equal(offer(fx, "1-0", "robot1", 1010 * S, 1011 * S, "a", T0), PREANNOT_FULL);
	assert_int_equal(preannot_waiting(fx->pa, "robot1"), 0);
	fx_free(fx);
}

/* A window carries at most max_bytes (MAX_BYTES) of pre-annotations; the
 * rest are dropped as window_full. */
static void test_window_full(void **state)
{
	struct fixture *fx = fx_new(10 * S, 4 * S, 64);
	gsize total = 0;
	guint attached;
	rs_window *w;

	for (guint i = 0; i < 40; i++) {
		char id[16];

		g_snprintf(id, sizeof id, "%u-0", i);
		assert_int_equal(offer(fx, id, "robot1", 1010 * S, 1011 * S, "a-model", T0),
		                 PREANNOT_BUFFERED);
	}
	w = window_at(fx, 1010 * S);
	attached = preannot_attach(fx->pa, w);
	for (guint i = 0; i < w->preannotations->len; i++)
		total += g_bytes_get_size(g_ptr_array_index(w->preannotations, i));
	assert_true(attached > 0 && attached < 40);
	assert_true(total <= MAX_BYTES);
	assert_int_equal(metric(fx, DROPPED("window_full")), 40 - attached);
	fx_free(fx);
}

/* A pre-annotation whose window start falls out of the rings (30 s) while
 * no window is cut is dropped by the tick as stale. */
static void test_stale(void **state)
{
	struct fixture *fx = fx_new(10 * S, 4 * S, 8);

	assert_int_equal(offer(fx, "1-0", "robot1", 1010 * S, 1011 * S, "a", T0),
	                 PREANNOT_BUFFERED);
	preannot_tick(fx->pa, 1040 * S);
	assert_int_equal(preannot_waiting(fx->pa, "robot1"), 1);
	preannot_tick(fx->pa, 1040 * S + 500 * MS); /* at most once a second: not looked at */
	assert_int_equal(preannot_waiting(fx->pa, "robot1"), 1);
	preannot_tick(fx->pa, 1041 * S);
	assert_int_equal(preannot_waiting(fx->pa, "robot1"), 0);
	assert_int_equal(metric(fx, DROPPED("stale")), 1);
	fx_free(fx);
}

/* The attached bytes travel as Window.preannotations, unchanged. */
static void test_wire(void **state)
{
	struct fixture *fx = fx_new(10 * S, 4 * S, 8);
	rs_window *w = window_at(fx, 1010 * S);
	Ringside__V1__Window *win;
	gsize len;
	g_autoptr(GBytes) packed = NULL;
	const guint8 *d;

	assert_int_equal(offer(fx, "1-0", "robot1", 1010 * S, 1011 * S, "a", T0),
	                 PREANNOT_BUFFERED);
	assert_int_equal(offer(fx, "2-0", "robot1", 1012 * S, 1013 * S, "b", T0),
	                 PREANNOT_BUFFERED);
	assert_int_equal(preannot_attach(fx->pa, w), 2);
	packed = wire_pack_window(w);
	d = g_bytes_get_data(packed, &len);
	win = ringside__v1__window__unpack(NULL, len, d);
	assert_non_null(win);
	assert_string_equal(win->id, "robot1:1010000000000");
	assert_int_equal(win->n_preannotations, 2);
	assert_string_equal(win->preannotations[0]->model, "a");
	assert_string_equal(win->preannotations[1]->model, "b");
	assert_int_equal(win->preannotations[1]->start_ns, 1012 * S);
	assert_non_null(win->preannotations[0]->label);
	assert_string_equal(win->preannotations[0]->label->classes[0], "person");
	assert_true(win->preannotations[0]->label->class_confidences[0] == 0.8f);
	ringside__v1__window__free_unpacked(win, NULL);
	fx_free(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_offer),   cmocka_unit_test(test_refused),
	        cmocka_unit_test(test_attach),  cmocka_unit_test(test_late),
	        cmocka_unit_test(test_overlap), cmocka_unit_test(test_full),
	        cmocka_unit_test(test_stale),   cmocka_unit_test(test_wire),
	        cmocka_unit_test(test_window_full),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
