/* Unit tests for streams/ring.c: ordering, range reads, eviction, late
 * drops, high water, and concurrent pushes and reads. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "streams/ring.h"

/* Payloads alive anywhere (ring, read arrays, tests); 0 after each test
 * proves every sample was freed exactly once. */
static gint live_payloads;

static void payload_free(gpointer p)
{
	g_free(p);
	g_atomic_int_add(&live_payloads, -1);
}

/* A sample of SIZE bytes (at least 8) whose payload starts with T and
 * carries TAG in its last byte, so reads can check what they got. */
static rs_sample *mk(gint64 t, gint64 dur, gsize size, guint8 tag)
{
	guint8 *buf;

	size = MAX(size, sizeof(gint64) + 1);
	buf = g_malloc0(size);
	memcpy(buf, &t, sizeof(t));
	buf[size - 1] = tag;
	g_atomic_int_inc(&live_payloads);
	return rs_sample_new(t, dur, g_bytes_new_with_free_func(buf, size, payload_free, buf));
}

static gint64 payload_t(const rs_sample *s)
{
	gint64 t;

	memcpy(&t, g_bytes_get_data(s->data, NULL), sizeof(t));
	return t;
}

static guint8 payload_tag(const rs_sample *s)
{
	gsize n;
	const guint8 *p = g_bytes_get_data(s->data, &n);

	return p[n - 1];
}

static ring *mk_ring(gint64 max_ns, gsize max_bytes, guint max_samples)
{
	struct ring_limits lim = {max_ns, max_bytes, max_samples, 0};
	ring *r = ring_new("test", &lim);

	assert_non_null(r);
	return r;
}

static void assert_all_freed(void)
{
	assert_int_equal(g_atomic_int_get(&live_payloads), 0);
}

/* A failed test leaks what it held; start every test from zero. */
static int reset_live(void **state)
{
	g_atomic_int_set(&live_payloads, 0);
	return 0;
}

static void test_push_read_basic(void **state)
{
	ring *r = mk_ring(1000, 1 << 20, 16);
	struct ring_stats st;
	GPtrArray *a;

	assert_int_equal(ring_high_water(r), 0);
	ring_get_stats(r, &st);
	assert_int_equal(st.samples, 0);
	assert_int_equal(st.oldest_ns, 0);
	assert_int_equal(st.newest_ns, 0);

	ring_push(r, mk(100, 10, 16, 1));
	ring_push(r, mk(200, 10, 16, 2));
	ring_push(r, mk(300, 10, 16, 3));
	assert_string_equal(ring_name(r), "test");

	ring_get_stats(r, &st);
	assert_int_equal(st.pushed, 3);
	assert_int_equal(st.samples, 3);
	assert_int_equal(st.bytes, 48);
	assert_int_equal(st.oldest_ns, 100);
	assert_int_equal(st.newest_ns, 300);
	assert_int_equal(st.high_water_ns, 310);
	assert_int_equal(st.aged_out + st.overflow + st.late_dropped, 0);

	a = ring_read_range(r, 0, 1000);
	assert_int_equal(a->len, 3);
	for (guint i = 0; i < a->len; i++) {
		rs_sample *s = a->pdata[i];

		assert_int_equal(s->t_ns, 100 * (i + 1));
		assert_int_equal(payload_t(s), s->t_ns);
		assert_int_equal(payload_tag(s), i + 1);
		assert_int_equal(g_atomic_int_get(&s->ref), 2); /* ring + array */
	}

	/* A window's samples outlive the ring. */
	ring_free(r);
	for (guint i = 0; i < a->len; i++)
		assert_int_equal(g_atomic_int_get(&((rs_sample *)a->pdata[i])->ref), 1);
	assert_int_equal(g_atomic_int_get(&live_payloads), 3);
	g_ptr_array_unref(a);
	assert_all_freed();
}

/* Checks that R holds exactly N samples at FIRST, FIRST + STEP, ... */
static void assert_holds_run(ring *r, gint64 first, gint64 step, guint n)
{
	GPtrArray *a = ring_read_range(r, G_MININT64, G_MAXINT64);

	assert_int_equal(a->len, n);
	for (guint i = 0; i < a->len; i++)
		assert_int_equal(((rs_sample *)a->pdata[i])->t_ns, first + step * (gint64)i);
	g_ptr_array_unref(a);
}

static void test_wrap_around(void **state)
{
	ring *r = mk_ring(G_MAXINT64, 1 << 20, 8);
	struct ring_stats st;
	GPtrArray *a;

	for (gint64 i = 0; i < 1000; i++) {
		ring_push(r, mk(i * 10, 0, 8, 0));
		assert_holds_run(r, MAX(0, i - 7) * 10, 10, MIN(i + 1, 8));
	}
	ring_get_stats(r, &st);
	assert_int_equal(st.pushed, 1000);
	assert_int_equal(st.overflow, 992);
	assert_int_equal(st.aged_out, 0);
	assert_int_equal(st.samples, 8);
	assert_int_equal(st.bytes, 8 * 9);
	assert_int_equal(st.oldest_ns, 9920);
	assert_int_equal(st.newest_ns, 9990);

	/* In-place insert across the wrapped end of the array. */
	ring_push(r, mk(9985, 0, 8, 7));
	a = ring_read_range(r, G_MININT64, G_MAXINT64);
	assert_int_equal(a->len, 8);
	assert_int_equal(((rs_sample *)a->pdata[0])->t_ns, 9930);
	assert_int_equal(((rs_sample *)a->pdata[6])->t_ns, 9985);
	assert_int_equal(payload_tag(a->pdata[6]), 7);
	assert_int_equal(((rs_sample *)a->pdata[7])->t_ns, 9990);
	g_ptr_array_unref(a);

	ring_free(r);
	assert_all_freed();
}

/* Range reads against: ten contiguous 10 ns samples at 0..90, then three
 * zero-length samples at 100, 110, 120. */
static void test_range_edges(void **state)
{
	static const struct {
		gint64 start, end;
		guint n;
		gint64 t[13];
	} cases[] = {
	        {0, 100, 10, {0, 10, 20, 30, 40, 50, 60, 70, 80, 90}},
	        {10, 20, 1, {10}},     /* exact boundaries: 0 ends at 10, 20 starts at end */
	        {15, 25, 2, {10, 20}}, /* partial overlap of both */
	        {9, 10, 1, {0}},
	        {10, 11, 1, {10}},
	        {-100, 0, 0, {0}}, /* ends where the first sample starts */
	        {-100, 1, 1, {0}},
	        {20, 20, 0, {0}}, /* empty range */
	        {30, 20, 0, {0}}, /* reversed range */
	        {95, 100, 1, {90}},
	        {99, 100, 1, {90}},   /* zero-length sample at END is outside */
	        {100, 101, 1, {100}}, /* zero-length sample at START is inside */
	        {100, 110, 1, {100}},
	        {100, 120, 2, {100, 110}},
	        {110, 121, 2, {110, 120}},
	        {120, 121, 1, {120}},
	        {121, 1000, 0, {0}},
	        {G_MININT64,
	         G_MAXINT64,
	         13,
	         {0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120}},
	};
	ring *r = mk_ring(1000, 1 << 20, 32);

	for (gint64 t = 0; t < 100; t += 10)
		ring_push(r, mk(t, 10, 8, 0));
	for (gint64 t = 100; t <= 120; t += 10)
		ring_push(r, mk(t, 0, 8, 0));

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		GPtrArray *a = ring_read_range(r, cases[i].start, cases[i].end);

		if (a->len != cases[i].n)
			fail_msg("case %zu [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
			         "): %u samples, want %u",
			         i, cases[i].start, cases[i].end, a->len, cases[i].n);
		for (guint j = 0; j < a->len; j++)
			assert_int_equal(((rs_sample *)a->pdata[j])->t_ns, cases[i].t[j]);
		g_ptr_array_unref(a);
	}
	ring_free(r);
	assert_all_freed();
}

/* A long sample followed by short ones: the long one overlaps ranges far
 * past the start of its successors. */
static void test_range_long_sample(void **state)
{
	ring *r = mk_ring(10000, 1 << 20, 256);
	GPtrArray *a;

	ring_push(r, mk(0, 1000, 8, 0));
	for (gint64 t = 10; t < 2000; t += 10)
		ring_push(r, mk(t, 1, 8, 0));

	a = ring_read_range(r, 995, 1001); /* 0 ends at 1000: inside */
	assert_int_equal(a->len, 2);
	assert_int_equal(((rs_sample *)a->pdata[0])->t_ns, 0);
	assert_int_equal(((rs_sample *)a->pdata[1])->t_ns, 1000);
	g_ptr_array_unref(a);

	a = ring_read_range(r, 1000, 1001);
	assert_int_equal(a->len, 1);
	assert_int_equal(((rs_sample *)a->pdata[0])->t_ns, 1000);
	g_ptr_array_unref(a);

	a = ring_read_range(r, 505, 506);
	assert_int_equal(a->len, 1);
	assert_int_equal(((rs_sample *)a->pdata[0])->t_ns, 0);
	g_ptr_array_unref(a);

	a = ring_read_range(r, 500, 501);
	assert_int_equal(a->len, 2);
	assert_int_equal(((rs_sample *)a->pdata[0])->t_ns, 0);
	assert_int_equal(((rs_sample *)a->pdata[1])->t_ns, 500);
	g_ptr_array_unref(a);

	ring_free(r);
	assert_all_freed();
}

static void test_eviction(void **state)
{
	static const struct {
		const char *what;
		struct ring_limits lim;
		guint pushes;
		gint64 step;
		gsize size;
		guint samples;
		guint64 aged_out, overflow;
		gint64 oldest, newest;
		gsize bytes;
	} cases[] = {
	        /* span newest - oldest may equal max_ns, never exceed it */
	        {"age", {100, 1 << 20, 64, 0}, 31, 10, 16, 11, 20, 0, 200, 300, 176},
	        {"bytes", {G_MAXINT64, 100, 64, 0}, 10, 10, 30, 3, 0, 7, 70, 90, 90},
	        {"count", {G_MAXINT64, 1 << 20, 4, 0}, 10, 10, 16, 4, 0, 6, 60, 90, 64},
	        /* a full array whose oldest ages out anyway counts age */
	        {"age and count", {25, 1 << 20, 3, 0}, 10, 10, 16, 3, 7, 0, 70, 90, 48},
	        {"count before age", {35, 1 << 20, 3, 0}, 10, 10, 16, 3, 0, 7, 70, 90, 48},
	        {"exact bytes", {G_MAXINT64, 90, 64, 0}, 10, 10, 30, 3, 0, 7, 70, 90, 90},
	        /* each sample costs its 10 bytes plus 20 of overhead */
	        {"overhead", {G_MAXINT64, 100, 64, 20}, 10, 10, 10, 3, 0, 7, 70, 90, 90},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		ring *r = ring_new(cases[i].what, &cases[i].lim);
		struct ring_stats st;

		for (guint j = 0; j < cases[i].pushes; j++)
			ring_push(r, mk(cases[i].step * j, 0, cases[i].size, 0));
		ring_get_stats(r, &st);
		if (st.samples != cases[i].samples || st.aged_out != cases[i].aged_out ||
		    st.overflow != cases[i].overflow || st.oldest_ns != cases[i].oldest ||
		    st.newest_ns != cases[i].newest || st.bytes != cases[i].bytes)
			fail_msg("%s: samples %u aged_out %" G_GUINT64_FORMAT
			         " overflow %" G_GUINT64_FORMAT " oldest %" G_GINT64_FORMAT
			         " newest %" G_GINT64_FORMAT " bytes %zu",
			         cases[i].what, st.samples, st.aged_out, st.overflow, st.oldest_ns,
			         st.newest_ns, st.bytes);
		assert_int_equal(st.pushed, cases[i].pushes);
		assert_int_equal(st.late_dropped, 0);
		assert_int_equal(st.samples, st.pushed - st.aged_out - st.overflow);
		ring_free(r);
	}
	assert_all_freed();
}

/* A sample larger than the byte cap cannot be held: it and everything
 * older go, counted as overflow. */
static void test_evict_oversized(void **state)
{
	ring *r = mk_ring(G_MAXINT64, 100, 64);
	struct ring_stats st;

	for (gint64 t = 0; t < 3; t++)
		ring_push(r, mk(t, 0, 30, 0));
	ring_push(r, mk(10, 0, 150, 0));
	ring_get_stats(r, &st);
	assert_int_equal(st.samples, 0);
	assert_int_equal(st.bytes, 0);
	assert_int_equal(st.overflow, 4);
	assert_int_equal(st.high_water_ns, 10);

	ring_push(r, mk(20, 0, 30, 0));
	assert_holds_run(r, 20, 0, 1);
	ring_free(r);
	assert_all_freed();
}

static void test_out_of_order(void **state)
{
	static const gint64 pushed[] = {0, 20, 40, 30, 10, 40, 25, 0};
	/* equal times keep push order: tags are push index + 1 */
	static const gint64 want_t[] = {0, 0, 10, 20, 25, 30, 40, 40};
	static const guint8 want_tag[] = {1, 8, 5, 2, 7, 4, 3, 6};
	ring *r = mk_ring(1000, 1 << 20, 16);
	struct ring_stats st;
	GPtrArray *a;

	for (gsize i = 0; i < G_N_ELEMENTS(pushed); i++)
		ring_push(r, mk(pushed[i], 5, 8, (guint8)(i + 1)));
	a = ring_read_range(r, G_MININT64, G_MAXINT64);
	assert_int_equal(a->len, G_N_ELEMENTS(want_t));
	for (guint i = 0; i < a->len; i++) {
		assert_int_equal(((rs_sample *)a->pdata[i])->t_ns, want_t[i]);
		assert_int_equal(payload_tag(a->pdata[i]), want_tag[i]);
	}
	g_ptr_array_unref(a);

	/* binary search still finds the in-place inserts */
	a = ring_read_range(r, 24, 26);
	assert_int_equal(a->len, 2);
	assert_int_equal(((rs_sample *)a->pdata[0])->t_ns, 20);
	assert_int_equal(((rs_sample *)a->pdata[1])->t_ns, 25);
	g_ptr_array_unref(a);

	ring_get_stats(r, &st);
	assert_int_equal(st.pushed, 8);
	assert_int_equal(st.late_dropped, 0);
	assert_int_equal(st.oldest_ns, 0);
	assert_int_equal(st.newest_ns, 40);
	assert_int_equal(st.high_water_ns, 45);
	ring_free(r);
	assert_all_freed();
}

static void test_late_drop(void **state)
{
	struct ring_stats st;
	ring *r;

	/* full by count: older than the oldest is refused, newer goes in place */
	r = mk_ring(1000, 1 << 20, 4);
	for (gint64 t = 50; t <= 80; t += 10)
		ring_push(r, mk(t, 0, 8, 0));
	ring_push(r, mk(45, 100, 8, 0));
	ring_get_stats(r, &st);
	assert_int_equal(st.late_dropped, 1);
	assert_int_equal(st.pushed, 4);
	assert_int_equal(st.high_water_ns, 80); /* a refused sample does not count */
	assert_holds_run(r, 50, 10, 4);
	ring_push(r, mk(55, 0, 8, 0));
	ring_get_stats(r, &st);
	assert_int_equal(st.late_dropped, 1);
	assert_int_equal(st.overflow, 1);
	assert_int_equal(st.oldest_ns, 55);
	ring_free(r);

	/* not full: older than newest - max_ns is refused, the boundary is kept */
	r = mk_ring(100, 1 << 20, 16);
	ring_push(r, mk(200, 0, 8, 0));
	ring_push(r, mk(300, 0, 8, 0));
	ring_push(r, mk(199, 0, 8, 0));
	ring_push(r, mk(200, 0, 8, 0));
	ring_push(r, mk(250, 0, 8, 0));
	ring_get_stats(r, &st);
	assert_int_equal(st.late_dropped, 1);
	assert_int_equal(st.pushed, 4);
	assert_int_equal(st.samples, 4);
	assert_int_equal(st.oldest_ns, 200);
	assert_int_equal(st.aged_out, 0);
	ring_free(r);

	/* full by bytes */
	r = mk_ring(1000, 20, 16);
	ring_push(r, mk(10, 0, 10, 0));
	ring_push(r, mk(20, 0, 10, 0));
	ring_push(r, mk(5, 0, 10, 0));
	ring_push(r, mk(15, 0, 10, 0));
	ring_get_stats(r, &st);
	assert_int_equal(st.late_dropped, 1);
	assert_int_equal(st.overflow, 1);
	assert_int_equal(st.oldest_ns, 15);
	assert_int_equal(st.newest_ns, 20);
	ring_free(r);
	assert_all_freed();
}

/* Bounds against bad timestamps: more than 1 s behind the newest is late
 * however long the ring keeps; more than 10 s ahead of the wall clock is
 * refused without touching what is held. */
static void test_reorder_and_future(void **state)
{
	const gint64 s = 1000LL * 1000 * 1000;
	gint64 now = g_get_real_time() * 1000;
	struct ring_stats st;
	ring *r = mk_ring(30 * s, 1 << 20, 64);

	ring_push(r, mk(now - 5 * s, 0, 8, 0));
	ring_push(r, mk(now, 0, 8, 0));
	ring_push(r, mk(now - s + 1, 0, 8, 0)); /* within the reorder window */
	ring_push(r, mk(now - 2 * s, 0, 8, 0)); /* too far behind the newest */
	ring_get_stats(r, &st);
	assert_int_equal(st.pushed, 3);
	assert_int_equal(st.late_dropped, 1);

	ring_push(r, mk(now + 365 * 24 * 3600 * s, 0, 8, 0));
	ring_push(r, mk(now + 11 * s, 0, 8, 0));
	ring_push(r, mk(now + 5 * s, 0, 8, 0)); /* clocks a little ahead are fine */
	ring_get_stats(r, &st);
	assert_int_equal(st.future_dropped, 2);
	assert_int_equal(st.samples, 4);
	assert_int_equal(st.oldest_ns, now - 5 * s);
	assert_int_equal(st.aged_out, 0);
	ring_free(r);
	assert_all_freed();
}

static void test_high_water(void **state)
{
	static const struct {
		gint64 t, dur, hw;
	} steps[] = {
	        {100, 50, 150},  {120, 10, 150}, /* ends earlier: no change */
	        {200, 0, 200},   {190, 30, 220}, /* out of order but ends later */
	        {50, 1000, 220},                 /* refused as late (older than 220 - 100) */
	        {300, 0, 300},
	};
	ring *r = mk_ring(100, 1 << 20, 16);

	assert_int_equal(ring_high_water(r), 0);
	for (gsize i = 0; i < G_N_ELEMENTS(steps); i++) {
		ring_push(r, mk(steps[i].t, steps[i].dur, 8, 0));
		assert_int_equal(ring_high_water(r), steps[i].hw);
	}
	ring_free(r);
	assert_all_freed();
}

/* Threaded stress: producers push interleaved, per-thread monotonic
 * timestamps (so in-place inserts and late drops happen), in phases of
 * 5000 samples that make each limit bind in turn: dense small samples (the
 * count cap), dense large ones (the byte cap), sparse small ones (age). One
 * reader checks every read while they run. */
#define STRESS_PRODUCERS 4
#define STRESS_PER_THREAD 60000
#define STRESS_MAX_NS 8000
#define STRESS_MAX_BYTES 100000
#define STRESS_MAX_SAMPLES 2048

struct stress {
	ring *r;
	gint producers_left;
	guint reads, samples_seen;
};

struct producer {
	struct stress *st;
	gint64 id;
	gint64 last_t;
};

static gpointer stress_produce(gpointer data)
{
	struct producer *p = data;
	gint64 base = 1000000;

	for (gint64 i = 0; i < STRESS_PER_THREAD; i++) {
		int phase = (int)(i / 5000) % 3;
		gsize size = phase == 1 ? 100 : 9 + (gsize)(i % 8);

		base += phase == 2 ? 10 * STRESS_PRODUCERS : STRESS_PRODUCERS;
		p->last_t = base + p->id;
		ring_push(p->st->r, mk(p->last_t, STRESS_PRODUCERS, size, 0));
		if (i % 100 == 0)
			g_thread_yield();
	}
	g_atomic_int_add(&p->st->producers_left, -1);
	return NULL;
}

/* Returns a failure message (static) or NULL; cmocka asserts must run on
 * the test's own thread. */
static gpointer stress_read(gpointer data)
{
	struct stress *st = data;
	struct ring_stats rs;

	while (g_atomic_int_get(&st->producers_left) > 0) {
		gint64 hw = ring_high_water(st->r);
		gint64 start = hw - 3000 + (gint64)(st->reads % 1000), end = start + 1500;
		GPtrArray *a = ring_read_range(st->r, start, end);

		for (guint i = 0; i < a->len; i++) {
			rs_sample *s = a->pdata[i];

			if (g_atomic_int_get(&s->ref) < 1 || payload_t(s) != s->t_ns)
				return "sample freed while held";
			if (s->t_ns >= end || s->t_ns + s->dur_ns <= start)
				return "sample outside the range";
			if (i > 0 && ((rs_sample *)a->pdata[i - 1])->t_ns > s->t_ns)
				return "samples out of order";
		}
		st->samples_seen += a->len;
		st->reads++;
		g_ptr_array_unref(a);

		ring_get_stats(st->r, &rs);
		if (rs.samples != rs.pushed - rs.aged_out - rs.overflow)
			return "stats inconsistent";
		if (rs.samples > STRESS_MAX_SAMPLES || rs.bytes > STRESS_MAX_BYTES)
			return "cap exceeded";
	}
	return NULL;
}

static void test_threaded_stress(void **state)
{
	struct stress st = {.producers_left = STRESS_PRODUCERS};
	struct producer prod[STRESS_PRODUCERS];
	GThread *th[STRESS_PRODUCERS], *reader;
	struct ring_stats rs;
	const char *err;
	GPtrArray *a;

	st.r = mk_ring(STRESS_MAX_NS, STRESS_MAX_BYTES, STRESS_MAX_SAMPLES);
	reader = g_thread_new("reader", stress_read, &st);
	for (gint64 i = 0; i < STRESS_PRODUCERS; i++) {
		prod[i] = (struct producer){&st, i, 0};
		th[i] = g_thread_new("producer", stress_produce, &prod[i]);
	}
	for (int i = 0; i < STRESS_PRODUCERS; i++)
		g_thread_join(th[i]);
	err = g_thread_join(reader);
	if (err)
		fail_msg("reader: %s", err);
	assert_true(st.reads > 0);

	ring_get_stats(st.r, &rs);
	assert_int_equal(rs.pushed + rs.late_dropped, STRESS_PRODUCERS * STRESS_PER_THREAD);
	assert_int_equal(rs.samples, rs.pushed - rs.aged_out - rs.overflow);
	assert_true(rs.samples <= STRESS_MAX_SAMPLES && rs.bytes <= STRESS_MAX_BYTES);
	assert_true(rs.newest_ns - rs.oldest_ns <= STRESS_MAX_NS);
	assert_true(rs.aged_out > 0 && rs.overflow > 0);
	/* the newest sample of all is never refused */
	assert_int_equal(rs.high_water_ns, prod[STRESS_PRODUCERS - 1].last_t + STRESS_PRODUCERS);

	a = ring_read_range(st.r, G_MININT64, G_MAXINT64);
	assert_int_equal(a->len, rs.samples);
	for (guint i = 1; i < a->len; i++)
		assert_true(((rs_sample *)a->pdata[i - 1])->t_ns <=
		            ((rs_sample *)a->pdata[i])->t_ns);
	g_ptr_array_unref(a);

	ring_free(st.r);
	assert_all_freed();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup(test_push_read_basic, reset_live),
	        cmocka_unit_test_setup(test_wrap_around, reset_live),
	        cmocka_unit_test_setup(test_range_edges, reset_live),
	        cmocka_unit_test_setup(test_range_long_sample, reset_live),
	        cmocka_unit_test_setup(test_eviction, reset_live),
	        cmocka_unit_test_setup(test_evict_oversized, reset_live),
	        cmocka_unit_test_setup(test_out_of_order, reset_live),
	        cmocka_unit_test_setup(test_late_drop, reset_live),
	        cmocka_unit_test_setup(test_reorder_and_future, reset_live),
	        cmocka_unit_test_setup(test_high_water, reset_live),
	        cmocka_unit_test_setup(test_threaded_stress, reset_live),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
