/* Unit tests for streams/sensor_clock.c: simulated devices whose clocks are
 * offset and drift, behind links with jitter, spikes, stalls and clock
 * jumps; the mapped times are checked against the true capture times. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <math.h>
#include <string.h>
#include <cmocka.h>

#include "streams/sensor_clock.h"

#define MS 1e6
#define SEC 1e9
/* true time of the first batch: 2023-11-14 */
#define T0 G_GINT64_CONSTANT(1700000000000000000)

/* One simulated device and link. Batch k is captured (true time) at
 * T0 + k / rate_hz and stamped by the device clock
 *   device = true + offset + drift (true - T0) [+ jump once past jump_at];
 * it arrives at true + min_delay + jitter (exponential) [+ a spike]
 * [or, sent during a stall, when the stall ends]. */
struct scenario {
	const char *name;
	double offset_s;
	double drift_ppm;
	double rate_hz;
	double jitter_ms; /* mean of the exponential delay over the floor */
	double spike_p;   /* chance of a 50 ms spike on top */
	double min_delay_ms;
	double seconds;   /* simulated */
	double jump_at_s; /* the device clock steps by jump_s here (0: never) */
	double jump_s;
	double stall_at_s; /* the link holds everything for stall_s here */
	double stall_s;
	double host_at_s; /* the timeline (host clock) steps by host_s here */
	double host_s;
	guint64 resets;    /* expected */
	guint64 shifts;    /* expected */
	double max_err_ms; /* mapped minus (capture + min_delay), after warm-up */
};

/* The link of most rows: 20 batches/s (200 Hz in batches of 10), delays
 * 50 us + exponential jitter of mean 2 ms, 2 % of them 50 ms more. */
#define LINK .rate_hz = 20, .jitter_ms = 2, .spike_p = 0.02, .min_delay_ms = 0.05
#define DEVICE .offset_s = 5, .drift_ppm = 100

/* clang-format off */
static const struct scenario scenarios[] = {
	{.name = "offset 5 s, +100 ppm, 3 h, jitter 2 ms and 50 ms spikes",
	 DEVICE, LINK, .seconds = 3 * 3600, .max_err_ms = 1},
	{.name = "no offset, no drift",
	 LINK, .seconds = 1800, .max_err_ms = 1},
	{.name = "offset -3 s, -250 ppm, 10 ms floor",
	 .offset_s = -3, .drift_ppm = -250, .rate_hz = 20, .jitter_ms = 2, .spike_p = 0.02,
	 .min_delay_ms = 10, .seconds = 1800, .max_err_ms = 1},
	{.name = "device epoch 0 (time since boot), +40 ppm",
	 .offset_s = -1700000000.0 + 3600, .drift_ppm = 40, LINK, .seconds = 1800,
	 .max_err_ms = 1},
	{.name = "sparse: 1 batch/s",
	 DEVICE, .rate_hz = 1, .jitter_ms = 2, .spike_p = 0.02, .min_delay_ms = 0.05,
	 .seconds = 3 * 3600, .max_err_ms = 1},
	{.name = "heavy jitter: mean 10 ms, 10 % spikes",
	 DEVICE, .rate_hz = 20, .jitter_ms = 10, .spike_p = 0.1, .min_delay_ms = 0.05,
	 .seconds = 1800, .max_err_ms = 1},
	/* one pair per bucket, rarely near the floor: mean error 0.09 ms, the
	 * worst of 3 h about 1 ms */
	{.name = "sparse and rough: 1 batch/s, jitter 10 ms, 10 % spikes, 3 h",
	 DEVICE, .rate_hz = 1, .jitter_ms = 10, .spike_p = 0.1, .min_delay_ms = 0.05,
	 .seconds = 3 * 3600, .max_err_ms = 2},
	{.name = "device restart: clock back by 1 h at 30 min",
	 DEVICE, LINK, .seconds = 3600, .jump_at_s = 1800, .jump_s = -3600, .resets = 1,
	 .max_err_ms = 1},
	{.name = "device clock 30 s ahead at 30 min",
	 DEVICE, LINK, .seconds = 3600, .jump_at_s = 1800, .jump_s = 30, .resets = 1,
	 .max_err_ms = 1},
	{.name = "link stalls 5 s, then delivers its backlog: no restart",
	 DEVICE, LINK, .seconds = 1800, .stall_at_s = 900, .stall_s = 5, .max_err_ms = 1},
	{.name = "host clock steps 200 ms ahead at 15 min",
	 DEVICE, LINK, .seconds = 1800, .host_at_s = 900, .host_s = 0.2, .shifts = 1,
	 .max_err_ms = 1},
	{.name = "host clock steps 200 ms back at 15 min",
	 DEVICE, LINK, .seconds = 1800, .host_at_s = 900, .host_s = -0.2, .shifts = 1,
	 .max_err_ms = 1},
};
/* clang-format on */

/* Not judged: the first WARMUP_S of a run, and after a jump or a step. */
#define WARMUP_S 60
/* Pairs waiting to arrive at most (a stall holds more than this? no:
 * 5 s x 20/s = 100). */
#define PENDING_MAX 256

/* xorshift64*: the same jitter every run. */
static double uniform(guint64 *s)
{
	guint64 x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return (double)((x * 0x2545F4914F6CDD1DULL) >> 11) / 9007199254740992.0;
}

struct pair {
	double s; /* true time since the start */
	gint64 t; /* capture time on the timeline (the host clock) */
	gint64 d; /* device stamp */
	gint64 a; /* arrival */
};

struct result {
	double max_err_ms, mean_err_ms;
	guint64 judged, off;
	struct sensor_clock_state st;
	gint64 last_t; /* true time of the last batch */
};

/* Feeds P, then checks the mapping of its device time. */
static void feed(sensor_clock *c, const struct scenario *sc, const struct pair *p, struct result *r)
{
	enum sensor_clock_result res = sensor_clock_update(c, p->d, p->a);
	double since_start = p->s;
	double since_jump = sc->jump_at_s ? since_start - sc->jump_at_s : 1e9;
	double since_step = sc->host_at_s ? since_start - sc->host_at_s : 1e9;
	gint64 mapped;
	double err;

	if (res == SENSOR_CLOCK_EARLY || res == SENSOR_CLOCK_LATE) {
		r->off++;
		return;
	}
	if (since_start < WARMUP_S || (since_jump >= 0 && since_jump < WARMUP_S) ||
	    (since_step >= 0 && since_step < WARMUP_S))
		return;
	if (sc->stall_s && since_start >= sc->stall_at_s &&
	    since_start < sc->stall_at_s + sc->stall_s + 1)
		return; /* the backlog: known late */
	assert_true(sensor_clock_map(c, p->d, &mapped));
	err = fabs((double)(mapped - (p->t + (gint64)(sc->min_delay_ms * MS)))) / MS;
	if (err > r->max_err_ms)
		r->max_err_ms = err;
	r->mean_err_ms += err;
	r->judged++;
}

/* Runs scenario SC through a new estimator. O(seconds x rate). */
static void run(const struct scenario *sc, struct result *r)
{
	sensor_clock *c = sensor_clock_new();
	struct pair pending[PENDING_MAX];
	guint n_pending = 0;
	guint64 rng = 0x9e3779b97f4a7c15ULL;
	gint64 n = (gint64)(sc->seconds * sc->rate_hz);

	memset(r, 0, sizeof(*r));
	for (gint64 k = 0; k < n; k++) {
		double s = (double)k / sc->rate_hz;
		struct pair p;
		double delay_ms = sc->min_delay_ms - sc->jitter_ms * log(1 - uniform(&rng));
		guint i;

		if (uniform(&rng) < sc->spike_p)
			delay_ms += 50;
		p.s = s;
		p.t = T0 + (gint64)llround(s * SEC);
		p.d = p.t + (gint64)llround(sc->offset_s * SEC + sc->drift_ppm * 1e-6 * s * SEC);
		if (sc->jump_at_s && s >= sc->jump_at_s)
			p.d += (gint64)llround(sc->jump_s * SEC);
		p.a = p.t + (gint64)llround(delay_ms * MS);
		if (sc->host_at_s && s >= sc->host_at_s) {
			/* the timeline itself moves: arrivals and capture times on it */
			p.t += (gint64)llround(sc->host_s * SEC);
			p.a += (gint64)llround(sc->host_s * SEC);
		}
		if (sc->stall_s && s >= sc->stall_at_s && s < sc->stall_at_s + sc->stall_s)
			p.a = MAX(p.a, T0 + (gint64)llround((sc->stall_at_s + sc->stall_s) * SEC) +
			                       (gint64)(k % 1000) * 1000);
		/* in arrival order: insert, then deliver whatever has arrived by
		 * the time this batch is captured */
		assert_true(n_pending < PENDING_MAX);
		for (i = n_pending; i > 0 && pending[i - 1].a > p.a; i--)
			pending[i] = pending[i - 1];
		pending[i] = p;
		n_pending++;
		for (i = 0; i < n_pending && pending[i].a <= p.t; i++)
			feed(c, sc, &pending[i], r);
		memmove(pending, pending + i, (n_pending - i) * sizeof(*pending));
		n_pending -= i;
		r->last_t = T0 + (gint64)llround(s * SEC);
	}
	for (guint i = 0; i < n_pending; i++)
		feed(c, sc, &pending[i], r);
	if (r->judged)
		r->mean_err_ms /= (double)r->judged;
	sensor_clock_get_state(c, &r->st);
	sensor_clock_free(c);
}

static void test_scenarios(void **state)
{
	for (gsize i = 0; i < G_N_ELEMENTS(scenarios); i++) {
		const struct scenario *sc = &scenarios[i];
		struct result r;
		double s_end, want_offset_ns;

		run(sc, &r);
		print_message("%-62s max %.4f ms, mean %.4f ms over %" G_GUINT64_FORMAT
		              " pairs; drift %+.2f ppm; resets %" G_GUINT64_FORMAT
		              "; shifts %" G_GUINT64_FORMAT "; off %" G_GUINT64_FORMAT "\n",
		              sc->name, r.max_err_ms, r.mean_err_ms, r.judged, r.st.drift_ppm,
		              r.st.resets, r.st.shifts, r.off);
		if (r.st.resets != sc->resets || r.st.shifts != sc->shifts)
			fail_msg("%s: %" G_GUINT64_FORMAT " resets and %" G_GUINT64_FORMAT
			         " shifts, expected %" G_GUINT64_FORMAT " and %" G_GUINT64_FORMAT,
			         sc->name, r.st.resets, r.st.shifts, sc->resets, sc->shifts);
		assert_true(r.judged > 0);
		if (r.max_err_ms >= sc->max_err_ms)
			fail_msg("%s: mapped %.3f ms off, must stay under %.3f ms", sc->name,
			         r.max_err_ms, sc->max_err_ms);
		/* drift and offset as the device has them at the end */
		assert_true(r.st.fitted);
		if (fabs(r.st.drift_ppm - sc->drift_ppm) > 2)
			fail_msg("%s: drift %+.2f ppm, expected %+.2f", sc->name, r.st.drift_ppm,
			         sc->drift_ppm);
		s_end = (double)(r.last_t - T0) / SEC;
		want_offset_ns = sc->min_delay_ms * MS - sc->offset_s * SEC -
		                 sc->drift_ppm * 1e-6 * s_end * SEC -
		                 (sc->jump_at_s ? sc->jump_s * SEC : 0) +
		                 (sc->host_at_s ? sc->host_s * SEC : 0);
		if (fabs((double)r.st.offset_ns - want_offset_ns) > 1 * MS)
			fail_msg("%s: offset %" G_GINT64_FORMAT " ns, expected %.0f", sc->name,
			         r.st.offset_ns, want_offset_ns);
		/* bounded memory: never more than the last 5 minutes */
		assert_true(r.st.buckets <= SENSOR_CLOCK_BUCKETS);
		assert_true(r.st.span_ns <= SENSOR_CLOCK_BUCKETS * SENSOR_CLOCK_BUCKET_NS);
	}
}

/* Before any fit: the smallest delay so far, then a line from 3 buckets. */
static void test_warmup(void **state)
{
	sensor_clock *c = sensor_clock_new();
	struct sensor_clock_state st;
	gint64 dev0 = 1000 * (gint64)SEC, t;

	assert_false(sensor_clock_map(c, dev0, &t));
	sensor_clock_get_state(c, &st);
	assert_false(st.ready);

	assert_int_equal(sensor_clock_update(c, dev0, T0 + 7 * (gint64)MS), SENSOR_CLOCK_TAKEN);
	assert_true(sensor_clock_map(c, dev0, &t));
	assert_true(t == T0 + 7 * (gint64)MS);
	/* a faster arrival lowers the offset at once */
	assert_int_equal(sensor_clock_update(c, dev0 + 100 * (gint64)MS, T0 + 102 * (gint64)MS),
	                 SENSOR_CLOCK_TAKEN);
	assert_true(sensor_clock_map(c, dev0, &t));
	assert_true(t == T0 + 2 * (gint64)MS);
	sensor_clock_get_state(c, &st);
	assert_true(st.ready && !st.fitted);
	assert_true(st.offset_ns == T0 + 2 * (gint64)MS - dev0);

	/* buckets 1000, 1001, 1002 close when 1003 starts: a line */
	for (int s = 1; s <= 3; s++) {
		enum sensor_clock_result res = sensor_clock_update(
		        c, dev0 + s * (gint64)SEC, T0 + s * (gint64)SEC + 2 * (gint64)MS);

		assert_int_equal(res, SENSOR_CLOCK_REFIT);
		sensor_clock_get_state(c, &st);
		assert_int_equal(st.fitted, s == 3);
	}
	assert_true(fabs(st.drift_ppm) < 1e-6);
	assert_true(sensor_clock_map(c, dev0 + 10 * (gint64)SEC, &t));
	assert_true(t == T0 + 10 * (gint64)SEC + 2 * (gint64)MS);
	sensor_clock_free(c);
}

/* Wild device times do not overflow; early batches are flagged. */
static void test_wild_times(void **state)
{
	sensor_clock *c = sensor_clock_new();
	gint64 t;

	sensor_clock_update(c, 5, T0);
	assert_true(sensor_clock_map(c, 5, &t) && t == T0);
	assert_false(sensor_clock_map(c, G_MAXINT64, &t));
	assert_int_equal(sensor_clock_update(c, G_MAXINT64, T0), SENSOR_CLOCK_EARLY);
	assert_int_equal(sensor_clock_update(c, 1, T0 + 10 * (gint64)SEC), SENSOR_CLOCK_LATE);
	/* still the first estimate */
	assert_true(sensor_clock_map(c, 5, &t) && t == T0);
	sensor_clock_free(c);
}

struct count {
	guint n;
	gboolean has_first;
};

static void count_device(const char *device, const struct sensor_clock_state *st, void *user)
{
	struct count *k = user;

	k->n++;
	if (!strcmp(device, "dev-0"))
		k->has_first = TRUE;
	assert_true(st->ready);
}

/* At most SENSOR_CLOCK_MAX_DEVICES; a silent one makes room after a
 * minute; devices are separate. */
static void test_table(void **state)
{
	sensor_clock_table *t = sensor_clock_table_new("imu");
	g_autoptr(GError) err = NULL;
	enum sensor_clock_result res;
	struct count k = {0};
	sensor_clock *c;
	gint64 m;

	for (int i = 0; i < SENSOR_CLOCK_MAX_DEVICES; i++) {
		g_autofree char *d = g_strdup_printf("dev-%d", i);

		c = sensor_clock_table_update(t, d, (i + 1) * (gint64)SEC, T0, &res, &err);
		assert_non_null(c);
		assert_int_equal(res, SENSOR_CLOCK_TAKEN);
		assert_true(sensor_clock_map(c, (i + 1) * (gint64)SEC, &m) && m == T0);
	}
	/* dev-0 keeps its own estimate */
	c = sensor_clock_table_update(t, "dev-0", 2 * (gint64)SEC, T0 + (gint64)SEC, &res, &err);
	assert_true(sensor_clock_map(c, 2 * (gint64)SEC, &m) && m == T0 + (gint64)SEC);

	/* full: refused, naming source and device */
	assert_null(sensor_clock_table_update(t, "late", 1, T0 + 10 * (gint64)SEC, &res, &err));
	assert_true(g_error_matches(err, SENSOR_CLOCK_ERROR, 0));
	assert_non_null(strstr(err->message, "source imu: batch from \"late\" refused"));
	g_clear_error(&err);

	/* all but dev-0 silent for a minute: the longest silent one goes */
	c = sensor_clock_table_update(t, "dev-0", 62 * (gint64)SEC, T0 + 61 * (gint64)SEC, &res,
	                              &err);
	assert_non_null(c);
	c = sensor_clock_table_update(t, "late", 1, T0 + 61 * (gint64)SEC, &res, &err);
	assert_non_null(c);
	sensor_clock_table_foreach(t, count_device, &k);
	assert_int_equal(k.n, SENSOR_CLOCK_MAX_DEVICES);
	assert_true(k.has_first);
	assert_int_equal(sensor_clock_table_resets(t), 0);
	sensor_clock_table_free(t);
}

/* A restart is counted per table, and the estimate comes back. */
static void test_table_reset(void **state)
{
	sensor_clock_table *t = sensor_clock_table_new("imu");
	enum sensor_clock_result res = SENSOR_CLOCK_TAKEN;
	gint64 m;
	sensor_clock *c = NULL;

	for (int i = 0; i < 100; i++) {
		gint64 tt = T0 + i * 100 * (gint64)MS;

		c = sensor_clock_table_update(t, "d", tt - 5 * (gint64)SEC, tt + (gint64)MS, &res,
		                              NULL);
	}
	assert_int_equal(res, SENSOR_CLOCK_TAKEN);
	for (int i = 100; i < 103; i++) {
		gint64 tt = T0 + i * 100 * (gint64)MS;

		c = sensor_clock_table_update(t, "d", tt + 20 * (gint64)SEC, tt + (gint64)MS, &res,
		                              NULL);
		assert_int_equal(res, i < 102 ? SENSOR_CLOCK_EARLY : SENSOR_CLOCK_RESET);
	}
	assert_int_equal(sensor_clock_table_resets(t), 1);
	assert_true(sensor_clock_map(c, T0 + 10200 * (gint64)MS + 20 * (gint64)SEC, &m));
	assert_true(m == T0 + 10200 * (gint64)MS + (gint64)MS);
	sensor_clock_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_scenarios),   cmocka_unit_test(test_warmup),
	        cmocka_unit_test(test_wild_times),  cmocka_unit_test(test_table),
	        cmocka_unit_test(test_table_reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
