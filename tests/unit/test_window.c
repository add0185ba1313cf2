/* Unit tests for streams/window.c: when windows are cut, what they hold,
 * lateness, skipping, periods shorter or longer than windows, and each
 * source's gaps and coverage. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <math.h>
#include <string.h>
#include <cmocka.h>

#include "streams/window.h"

#define N_SOURCES 3

/* Doubles within EPS (cmocka's assert_float_equal works in float). */
#define assert_near(a, b, eps) assert_true(fabs((double)(a) - (double)(b)) <= (eps))

/* How each test source produces samples: t = first + k * step, each
 * covering dur (video frames, audio chunks, zero-length sensor readings). */
static const struct {
	const char *name;
	enum rs_kind kind;
	gint64 first, step, dur;
} src_shape[N_SOURCES] = {
        {"cam", RS_KIND_VIDEO, 0, 100, 100},
        {"mic", RS_KIND_AUDIO, 20, 40, 40},
        {"imu", RS_KIND_SENSOR, 0, 50, 0},
};

struct fixture {
	struct rs_source_conf src[N_SOURCES];
	struct rs_source_conf *srcp[N_SOURCES];
	struct rs_group_conf group;
	ring *rings[N_SOURCES];
	guint fed[N_SOURCES]; /* samples pushed so far */
	GPtrArray *cut;       /* rs_window *, in callback order */
};

static void on_window(rs_window *w, void *user)
{
	struct fixture *fx = user;

	g_ptr_array_add(fx->cut, rs_window_ref(w));
}

static int fx_setup(void **state)
{
	struct fixture *fx = g_new0(struct fixture, 1);
	struct ring_limits lim = {1000000, 1 << 20, 4096, 0};

	for (int i = 0; i < N_SOURCES; i++) {
		fx->src[i].name = (char *)src_shape[i].name;
		fx->src[i].kind = src_shape[i].kind;
		fx->src[i].ring_ns = lim.max_ns;
		fx->src[i].ring_bytes = lim.max_bytes;
		fx->srcp[i] = &fx->src[i];
		fx->rings[i] = ring_new(src_shape[i].name, &lim);
	}
	fx->group.name = "g";
	fx->group.sources = fx->srcp;
	fx->group.n_sources = N_SOURCES;
	fx->group.window_ns = 400;
	fx->group.every_ns = 1000;
	fx->group.lateness_ns = 200;
	fx->cut = g_ptr_array_new_with_free_func((GDestroyNotify)rs_window_unref);
	*state = fx;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fixture *fx = *state;

	g_ptr_array_unref(fx->cut);
	for (int i = 0; i < N_SOURCES; i++)
		ring_free(fx->rings[i]);
	g_free(fx);
	return 0;
}

static gint64 sample_t(const struct fixture *fx, int i, guint k)
{
	return src_shape[i].first + (gint64)k * src_shape[i].step;
}

/* Pushes source I's samples until its high water reaches HW. */
static void feed(struct fixture *fx, int i, gint64 hw)
{
	while (ring_high_water(fx->rings[i]) < hw) {
		gint64 t = sample_t(fx, i, fx->fed[i]++);

		ring_push(fx->rings[i], rs_sample_new(t, src_shape[i].dur, g_bytes_new("x", 1)));
	}
}

static void feed_all(struct fixture *fx, gint64 hw)
{
	for (int i = 0; i < N_SOURCES; i++)
		feed(fx, i, hw);
}

/* Checks that source I of W holds exactly the pushed samples overlapping
 * the window, worked out from the source's shape, not from the ring. */
static void assert_contents(const struct fixture *fx, const rs_window *w, int i)
{
	GPtrArray *got = w->sources[i].samples;
	guint j = 0;

	for (guint k = 0; k < fx->fed[i]; k++) {
		gint64 t = sample_t(fx, i, k), dur = src_shape[i].dur;
		gboolean in = t < w->end_ns && (t >= w->start_ns || t + dur > w->start_ns);

		if (!in)
			continue;
		if (j >= got->len)
			fail_msg("%s %s: missing sample at %" G_GINT64_FORMAT, w->id,
			         src_shape[i].name, t);
		assert_int_equal(((rs_sample *)got->pdata[j])->t_ns, t);
		j++;
	}
	assert_int_equal(got->len, j);
}

static rs_window *cut_at(struct fixture *fx, guint i)
{
	return fx->cut->pdata[i];
}

static void test_cut_on_high_water(void **state)
{
	struct fixture *fx = *state;
	cutter *c = cutter_new(&fx->group, fx->rings, 0, on_window, fx);
	gint64 before = g_get_real_time() * 1000;
	rs_window *w;

	/* first window: [1000, 1400) */
	feed(fx, 0, 1400);
	feed(fx, 1, 1400);
	assert_int_equal(cutter_poll(c, 1400), 0);
	feed(fx, 2, 1400);
	/* never before it has started on the wall clock */
	assert_int_equal(cutter_poll(c, 999), 0);
	assert_int_equal(cutter_poll(c, 1000), 1);
	assert_int_equal(cutter_poll(c, 1000), 0);
	assert_int_equal(fx->cut->len, 1);

	w = cut_at(fx, 0);
	assert_string_equal(w->id, "g:1000");
	assert_ptr_equal(w->group, &fx->group);
	assert_int_equal(w->start_ns, 1000);
	assert_int_equal(w->end_ns, 1400);
	assert_int_equal(w->reason, RS_REASON_PERIODIC);
	assert_int_equal(w->n_sources, N_SOURCES);
	assert_true(w->complete);
	assert_true(w->cut_ns >= before && w->cut_ns <= g_get_real_time() * 1000);
	for (int i = 0; i < N_SOURCES; i++) {
		assert_ptr_equal(w->sources[i].conf, &fx->src[i]);
		assert_true(w->sources[i].complete);
		assert_contents(fx, w, i);
	}
	assert_int_equal(cutter_skipped(c), 0);
	cutter_free(c);
}

/* With preannotation_wait_ns a window whose data is all in still waits
 * that long after its end, and never past the lateness bound. */
static void test_preannotation_wait(void **state)
{
	struct fixture *fx = *state;
	cutter *c;

	fx->group.preannotation_wait_ns = 150;
	c = cutter_new(&fx->group, fx->rings, 0, on_window, fx);
	for (int i = 0; i < N_SOURCES; i++)
		feed(fx, i, 1400);
	assert_int_equal(cutter_poll(c, 1000), 0);
	assert_int_equal(cutter_poll(c, 1549), 0);
	assert_int_equal(cutter_poll(c, 1550), 1);
	assert_true(cut_at(fx, 0)->complete);
	cutter_free(c);
	fx->group.preannotation_wait_ns = 0;
}

static void test_not_cut_while_lagging(void **state)
{
	static const gint64 nows[] = {1000, 1399, 1400, 1500, 1599};
	struct fixture *fx = *state;
	cutter *c = cutter_new(&fx->group, fx->rings, 0, on_window, fx);

	feed(fx, 0, 5000);
	feed(fx, 1, 1380); /* chunks end at 1380, short of 1400 */
	feed(fx, 2, 5000);
	for (gsize i = 0; i < G_N_ELEMENTS(nows); i++)
		assert_int_equal(cutter_poll(c, nows[i]), 0);
	assert_int_equal(fx->cut->len, 0);

	/* the laggard catches up: cut at once, complete */
	feed(fx, 1, 1400);
	assert_int_equal(cutter_poll(c, 1599), 1);
	assert_true(cut_at(fx, 0)->complete);
	cutter_free(c);
}

static void test_cut_after_lateness(void **state)
{
	struct fixture *fx = *state;
	cutter *c = cutter_new(&fx->group, fx->rings, 0, on_window, fx);
	rs_window *w;

	feed(fx, 0, 5000);
	feed(fx, 1, 1300); /* stalled inside the window */
	feed(fx, 2, 5000);
	assert_int_equal(cutter_poll(c, 1599), 0);
	assert_int_equal(cutter_poll(c, 1600), 1);

	w = cut_at(fx, 0);
	assert_string_equal(w->id, "g:1000");
	assert_false(w->complete);
	assert_true(w->sources[0].complete);
	assert_false(w->sources[1].complete);
	assert_true(w->sources[2].complete);
	/* what the late source did deliver is there */
	assert_true(w->sources[1].samples->len > 0);
	for (int i = 0; i < N_SOURCES; i++)
		assert_contents(fx, w, i);
	/* its last chunk ends at 1300: a trailing gap up to the end */
	assert_int_equal(w->sources[1].gaps->len, 1);
	assert_int_equal(g_array_index(w->sources[1].gaps, struct rs_gap, 0).start_ns, 1300);
	assert_int_equal(g_array_index(w->sources[1].gaps, struct rs_gap, 0).end_ns, 1400);
	assert_near(w->sources[1].coverage, 0.75, 1e-9);
	assert_int_equal(w->sources[0].gaps->len, 0);
	assert_near(w->sources[0].coverage, 1.0, 1e-9);

	/* next window: nothing from mic at all */
	assert_int_equal(cutter_poll(c, 2600), 1);
	w = cut_at(fx, 1);
	assert_string_equal(w->id, "g:2000");
	assert_false(w->sources[1].complete);
	assert_int_equal(w->sources[1].samples->len, 0);
	/* the whole window is one gap */
	assert_int_equal(w->sources[1].gaps->len, 1);
	assert_int_equal(g_array_index(w->sources[1].gaps, struct rs_gap, 0).start_ns, 2000);
	assert_int_equal(g_array_index(w->sources[1].gaps, struct rs_gap, 0).end_ns, 2400);
	assert_near(w->sources[1].coverage, 0.0, 1e-9);
	cutter_free(c);
}

/* Several windows ready in one poll come out in order, whatever the
 * ratio of period to window length. */
static void test_periods(void **state)
{
	static const struct {
		gint64 every, window, start, hw, now;
		guint n;
		gint64 starts[8];
	} cases[] = {
	        /* gaps between windows */
	        {1000, 400, 0, 4400, 4400, 4, {1000, 2000, 3000, 4000}},
	        /* overlapping windows */
	        {200, 500, 0, 1200, 1200, 3, {200, 400, 600}},
	        /* back to back; the first multiple strictly after start */
	        {1000, 1000, 1000, 4000, 4000, 2, {2000, 3000}},
	        {1000, 1000, 999, 3000, 3000, 2, {1000, 2000}},
	        /* by lateness alone: 1300 + 200 <= 1500 */
	        {300, 400, 0, 0, 1500, 3, {300, 600, 900}},
	};

	for (gsize ci = 0; ci < G_N_ELEMENTS(cases); ci++) {
		struct fixture *fx;
		cutter *c;

		fx_setup((void **)&fx);
		fx->group.every_ns = cases[ci].every;
		fx->group.window_ns = cases[ci].window;
		c = cutter_new(&fx->group, fx->rings, cases[ci].start, on_window, fx);
		feed_all(fx, cases[ci].hw);

		assert_int_equal(cutter_poll(c, cases[ci].now), cases[ci].n);
		assert_int_equal(fx->cut->len, cases[ci].n);
		for (guint j = 0; j < fx->cut->len; j++) {
			rs_window *w = cut_at(fx, j);
			char *id = g_strdup_printf("g:%" G_GINT64_FORMAT, cases[ci].starts[j]);

			assert_string_equal(w->id, id);
			assert_int_equal(w->start_ns, cases[ci].starts[j]);
			assert_int_equal(w->end_ns, cases[ci].starts[j] + cases[ci].window);
			assert_int_equal(w->complete, cases[ci].hw >= w->end_ns);
			for (int i = 0; i < N_SOURCES; i++)
				assert_contents(fx, w, i);
			g_free(id);
		}
		assert_int_equal(cutter_poll(c, cases[ci].now), 0);
		cutter_free(c);
		fx_teardown((void **)&fx);
	}
}

/* Overlapping windows share samples rather than copying them. */
static void test_overlap_shares_samples(void **state)
{
	struct fixture *fx = *state;
	cutter *c;
	rs_sample *s;

	fx->group.every_ns = 200;
	fx->group.window_ns = 500;
	c = cutter_new(&fx->group, fx->rings, 0, on_window, fx);
	feed_all(fx, 1200);
	assert_int_equal(cutter_poll(c, 1200), 3); /* 200, 400, 600 */

	/* cam frame at 600 is in all three: ring + three windows */
	s = cut_at(fx, 2)->sources[0].samples->pdata[0];
	assert_int_equal(s->t_ns, 600);
	assert_ptr_equal(cut_at(fx, 0)->sources[0].samples->pdata[4], s);
	assert_ptr_equal(cut_at(fx, 1)->sources[0].samples->pdata[2], s);
	assert_int_equal(g_atomic_int_get(&s->ref), 4);

	g_ptr_array_set_size(fx->cut, 0);
	assert_int_equal(g_atomic_int_get(&s->ref), 1);
	cutter_free(c);
}

static void test_skipped(void **state)
{
	struct fixture *fx = *state;
	cutter *c;

	/* the cam ring keeps the least: 5000 ns */
	fx->src[0].ring_ns = 5000;
	c = cutter_new(&fx->group, fx->rings, 0, on_window, fx);

	/* Stalled until 20000: windows 1000..19000 are due; those starting
	 * more than 5000 before now (1000..14000) are gone. */
	assert_int_equal(cutter_poll(c, 20000), 5);
	assert_int_equal(cutter_skipped(c), 14);
	for (guint j = 0; j < fx->cut->len; j++) {
		rs_window *w = cut_at(fx, j);

		assert_int_equal(w->start_ns, 15000 + 1000 * (gint64)j);
		assert_false(w->complete);
	}

	assert_int_equal(cutter_poll(c, 20000), 0);
	assert_int_equal(cutter_skipped(c), 14);

	/* data flows again: the next window is cut normally */
	feed_all(fx, 20400);
	assert_int_equal(cutter_poll(c, 20400), 1);
	assert_string_equal(cut_at(fx, 5)->id, "g:20000");
	assert_true(cut_at(fx, 5)->complete);
	assert_int_equal(cutter_skipped(c), 14);

	/* a second, longer stall: skipped in one step, not one by one */
	assert_int_equal(cutter_poll(c, G_GINT64_CONSTANT(1000000000000)), 5);
	/* due: 21000 .. 999999999000 step 1000; the last five are cut */
	assert_int_equal(cutter_skipped(c), 14 + (1000000000 - 21) - 5);
	cutter_free(c);
}

/* Contiguous sources, as the cutter leaves them: no gap, full coverage. */
static void test_gaps_contiguous(void **state)
{
	struct fixture *fx = *state;
	cutter *c = cutter_new(&fx->group, fx->rings, 0, on_window, fx);

	feed_all(fx, 2400);
	assert_int_equal(cutter_poll(c, 2400), 2);
	for (guint j = 0; j < fx->cut->len; j++) {
		for (int i = 0; i < N_SOURCES; i++) {
			const struct rs_window_source *ws = &cut_at(fx, j)->sources[i];

			assert_non_null(ws->gaps);
			assert_int_equal(ws->gaps->len, 0);
			assert_near(ws->coverage, 1.0, 1e-12);
		}
	}
	cutter_free(c);
}

#define MS 1000000LL

/* Samples of a gap case: up to three runs of COUNT samples at
 * FIRST + k * STEP, each covering DUR. */
struct run {
	gint64 first, step;
	guint count;
	gint64 dur;
};

static const struct gap_case {
	const char *name;
	enum rs_kind kind;
	gboolean complete;
	gint64 start, end;
	struct run runs[3];
	guint n_gaps;
	struct rs_gap gaps[4];
	double coverage;
} gap_cases[] = {
        /* audio: 20 ms chunks */
        {"audio contiguous",
         RS_KIND_AUDIO,
         TRUE,
         0,
         400 * MS,
         {{0, 20 * MS, 20, 20 * MS}},
         0,
         {{0}},
         1.0},
        {"audio chunk before the start",
         RS_KIND_AUDIO,
         TRUE,
         10 * MS,
         400 * MS,
         {{0, 20 * MS, 20, 20 * MS}},
         0,
         {{0}},
         1.0},
        {"audio hole in the middle",
         RS_KIND_AUDIO,
         TRUE,
         0,
         400 * MS,
         {{0, 20 * MS, 8, 20 * MS}, {240 * MS, 20 * MS, 8, 20 * MS}},
         1,
         {{160 * MS, 240 * MS}},
         0.8},
        {"audio jitter within half a chunk",
         RS_KIND_AUDIO,
         TRUE,
         0,
         100 * MS,
         {{0, 20 * MS, 2, 20 * MS}, {49 * MS, 20 * MS, 3, 20 * MS}},
         0,
         {{0}},
         1.0},
        {"audio jitter over half a chunk",
         RS_KIND_AUDIO,
         TRUE,
         0,
         100 * MS,
         {{0, 20 * MS, 2, 20 * MS}, {51 * MS, 20 * MS, 3, 20 * MS}},
         1,
         {{40 * MS, 51 * MS}},
         0.89},
        {"audio starts late",
         RS_KIND_AUDIO,
         TRUE,
         0,
         400 * MS,
         {{100 * MS, 20 * MS, 15, 20 * MS}},
         1,
         {{0, 100 * MS}},
         0.75},
        {"audio stalled, incomplete",
         RS_KIND_AUDIO,
         FALSE,
         0,
         400 * MS,
         {{0, 20 * MS, 12, 20 * MS}},
         1,
         {{240 * MS, 400 * MS}},
         0.6},
        {"incomplete: trailing gap however short",
         RS_KIND_AUDIO,
         FALSE,
         0,
         400 * MS,
         {{0, 20 * MS, 19, 20 * MS}, {380 * MS, 15 * MS, 1, 15 * MS}},
         1,
         {{395 * MS, 400 * MS}},
         0.9875},
        {"audio nothing at all", RS_KIND_AUDIO, FALSE, 0, 400 * MS, {{0}}, 1, {{0, 400 * MS}}, 0.0},
        /* video: 10 fps, a frame shown from before the start */
        {"video contiguous",
         RS_KIND_VIDEO,
         TRUE,
         1000 * MS,
         2000 * MS,
         {{950 * MS, 100 * MS, 11, 100 * MS}},
         0,
         {{0}},
         1.0},
        {"video two frames lost",
         RS_KIND_VIDEO,
         TRUE,
         1000 * MS,
         2000 * MS,
         {{950 * MS, 100 * MS, 4, 100 * MS}, {1550 * MS, 100 * MS, 5, 100 * MS}},
         1,
         {{1350 * MS, 1550 * MS}},
         0.8},
        {"video one frame lost twice",
         RS_KIND_VIDEO,
         TRUE,
         0,
         1000 * MS,
         {{0, 100 * MS, 3, 100 * MS},
          {400 * MS, 100 * MS, 3, 100 * MS},
          {800 * MS, 100 * MS, 2, 100 * MS}},
         2,
         {{300 * MS, 400 * MS}, {700 * MS, 800 * MS}},
         0.8},
        /* sensors: 200 Hz, threshold max(15 ms, 20 ms) */
        {"sensor regular",
         RS_KIND_SENSOR,
         TRUE,
         0,
         1000 * MS,
         {{0, 5 * MS, 200, 0}},
         0,
         {{0}},
         1.0},
        {"sensor paused 0.5 s",
         RS_KIND_SENSOR,
         TRUE,
         0,
         1000 * MS,
         {{0, 5 * MS, 61, 0}, {800 * MS, 5 * MS, 40, 0}},
         1,
         {{300 * MS, 800 * MS}},
         0.5},
        {"sensor stretch of 20 ms is no gap",
         RS_KIND_SENSOR,
         TRUE,
         0,
         1000 * MS,
         {{0, 5 * MS, 61, 0}, {320 * MS, 5 * MS, 136, 0}},
         0,
         {{0}},
         1.0},
        {"sensor stretch of 21 ms is a gap",
         RS_KIND_SENSOR,
         TRUE,
         0,
         1000 * MS,
         {{0, 5 * MS, 61, 0}, {321 * MS, 5 * MS, 136, 0}},
         1,
         {{300 * MS, 321 * MS}},
         0.979},
        {"sensor starts late",
         RS_KIND_SENSOR,
         TRUE,
         0,
         1000 * MS,
         {{100 * MS, 5 * MS, 180, 0}},
         1,
         {{0, 100 * MS}},
         0.9},
        {"sensor stalled, incomplete",
         RS_KIND_SENSOR,
         FALSE,
         0,
         1000 * MS,
         {{0, 5 * MS, 121, 0}},
         1,
         {{600 * MS, 1000 * MS}},
         0.6},
        /* 10 Hz: threshold 3 x 100 ms = 300 ms */
        {"sensor 10 Hz, 250 ms is no gap",
         RS_KIND_SENSOR,
         TRUE,
         0,
         2000 * MS,
         {{0, 100 * MS, 6, 0}, {750 * MS, 100 * MS, 13, 0}},
         0,
         {{0}},
         1.0},
        {"sensor 10 Hz, 400 ms is a gap",
         RS_KIND_SENSOR,
         TRUE,
         0,
         2000 * MS,
         {{0, 100 * MS, 6, 0}, {900 * MS, 100 * MS, 11, 0}},
         1,
         {{500 * MS, 900 * MS}},
         0.8},
        {"sensor one reading",
         RS_KIND_SENSOR,
         TRUE,
         0,
         1000 * MS,
         {{500 * MS, 0, 1, 0}},
         2,
         {{0, 500 * MS}, {500 * MS, 1000 * MS}},
         0.0},
        {"sensor nothing at all",
         RS_KIND_SENSOR,
         FALSE,
         0,
         1000 * MS,
         {{0}},
         1,
         {{0, 1000 * MS}},
         0.0},
};

/* A window source for CASE: its samples, its conf's kind, its flag. */
static struct rs_window_source gap_case_source(const struct gap_case *gc,
                                               struct rs_source_conf *conf)
{
	struct rs_window_source ws = {.conf = conf, .complete = gc->complete};

	conf->name = (char *)"s";
	conf->kind = gc->kind;
	ws.samples = g_ptr_array_new_with_free_func((GDestroyNotify)rs_sample_unref);
	for (guint r = 0; r < G_N_ELEMENTS(gc->runs); r++) {
		for (guint k = 0; k < gc->runs[r].count; k++) {
			gint64 t = gc->runs[r].first + (gint64)k * gc->runs[r].step;

			g_ptr_array_add(ws.samples, rs_sample_new(t, gc->runs[r].dur, NULL));
		}
	}
	return ws;
}

static void test_gaps_table(void **state)
{
	for (gsize ci = 0; ci < G_N_ELEMENTS(gap_cases); ci++) {
		const struct gap_case *gc = &gap_cases[ci];
		struct rs_source_conf conf = {0};
		struct rs_window_source ws = gap_case_source(gc, &conf);

		print_message("  %s\n", gc->name);
		rs_window_source_gaps(&ws, gc->start, gc->end);
		assert_non_null(ws.gaps);
		assert_int_equal(ws.gaps->len, gc->n_gaps);
		for (guint k = 0; k < gc->n_gaps; k++) {
			const struct rs_gap *g = &g_array_index(ws.gaps, struct rs_gap, k);

			assert_int_equal(g->start_ns, gc->gaps[k].start_ns);
			assert_int_equal(g->end_ns, gc->gaps[k].end_ns);
		}
		assert_near(ws.coverage, gc->coverage, 1e-9);
		/* computing again replaces, not appends */
		rs_window_source_gaps(&ws, gc->start, gc->end);
		assert_int_equal(ws.gaps->len, gc->n_gaps);
		g_array_unref(ws.gaps);
		g_ptr_array_unref(ws.samples);
	}
}

/* More holes than RS_WINDOW_MAX_GAPS: the rest are merged into the last
 * gap recorded, and coverage still counts only what is missing. */
static void test_gaps_capped(void **state)
{
	const guint holes = RS_WINDOW_MAX_GAPS + 44;
	struct rs_source_conf conf = {.name = (char *)"mic", .kind = RS_KIND_AUDIO};
	struct rs_window_source ws = {.conf = &conf, .complete = TRUE};
	const struct rs_gap *last;

	/* chunk, hole, chunk, hole, ...: 40 ns chunks every 100 ns */
	ws.samples = g_ptr_array_new_with_free_func((GDestroyNotify)rs_sample_unref);
	for (guint k = 0; k <= holes; k++)
		g_ptr_array_add(ws.samples, rs_sample_new((gint64)k * 100, 40, NULL));
	rs_window_source_gaps(&ws, 0, (gint64)holes * 100 + 40);

	assert_int_equal(ws.gaps->len, RS_WINDOW_MAX_GAPS);
	assert_int_equal(g_array_index(ws.gaps, struct rs_gap, 0).start_ns, 40);
	assert_int_equal(g_array_index(ws.gaps, struct rs_gap, 0).end_ns, 100);
	last = &g_array_index(ws.gaps, struct rs_gap, RS_WINDOW_MAX_GAPS - 1);
	assert_int_equal(last->start_ns, (gint64)(RS_WINDOW_MAX_GAPS - 1) * 100 + 40);
	assert_int_equal(last->end_ns, (gint64)holes * 100);
	assert_near(ws.coverage, 1.0 - (holes * 60.0) / (holes * 100.0 + 40), 1e-9);
	g_array_unref(ws.gaps);
	g_ptr_array_unref(ws.samples);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_cut_on_high_water, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_preannotation_wait, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_not_cut_while_lagging, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_cut_after_lateness, fx_setup, fx_teardown),
	        cmocka_unit_test(test_periods),
	        cmocka_unit_test_setup_teardown(test_overlap_shares_samples, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_skipped, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_gaps_contiguous, fx_setup, fx_teardown),
	        cmocka_unit_test(test_gaps_table),
	        cmocka_unit_test(test_gaps_capped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
