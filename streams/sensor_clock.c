/* Sensor clocks: the offset and drift between a device's clock and the
 * timeline, estimated from (device time, arrival time) pairs.
 *
 * A pair's delay x = arrival - device time is the clock offset plus the
 * transport delay; that delay never drops below some floor and is often far
 * above it (queues, retransmits, scheduling). The estimate follows the
 * floor:
 *
 *   x |    .          .    .        .          .  every pair
 *     |  .   . ..  .    .    ..  .     . .
 *     |  o     o     o    o     o    o     o   o  the smallest x of each bucket
 *     |-------------------------------------      the line under them
 *     +-------------------------------------- device time
 *        |<-1 s->|
 *
 * 1. Pairs are put in 1 s buckets by device time; a bucket keeps its pair
 *    with the smallest x, so jitter is gone unless every pair of a second
 *    was delayed.
 * 2. At each bucket's close the line x = c0 + c1 (d - dref) is fitted to
 *    the last SENSOR_CLOCK_BUCKETS minima: the line below every minimum that
 *    is highest at their mean device time, i.e. the edge of their lower
 *    convex hull over that mean (the linear-programming estimator of
 *    network clock skew). Least squares through the minima would sit at
 *    their average and keep what jitter they still hold: a tenth of the
 *    mean jitter at 20 batches/s, all of it at 1 batch/s; the hull keeps
 *    the floor (simulated, worst over 30 min at 20, 2 and 0.5 batches/s:
 *    0.01-0.1 ms instead of 0.14-4.7 ms).
 * 3. A device time maps to d + c0 + c1 (d - dref): capture time plus the
 *    floor of the transport delay. c1 = 1 / (1 + drift) - 1.
 *
 * Times are gint64 ns; the fit works in doubles relative to the newest
 * bucket (dref, xref), so ns since 1970 lose no precision.
 *
 * What the floor cannot absorb is handled apart: a pair more than
 * SENSOR_CLOCK_JUMP_NS off is not used, and a run of them that agree
 * restarts the estimate (a device clock that jumped); bucket minima off
 * the line by more than SENSOR_CLOCK_SHIFT_NS for some seconds refit it
 * from themselves (the daemon host's clock stepped, or the route changed).
 */
#include "streams/sensor_clock.h"

#include <math.h>

/* One (device time, delay) pair. */
struct sc_point {
	gint64 d; /* device time */
	gint64 x; /* arrival - device time */
};

/* x = xref + c0 + c1 (d - dref) */
struct sc_line {
	gint64 dref, xref;
	double c0, c1;
};

struct sensor_clock {
	struct sc_point bucket[SENSOR_CLOCK_BUCKETS]; /* closed minima, a ring */
	guint head, n;
	struct sc_point open; /* minimum of the newest bucket, still filling */
	gint64 open_idx;      /* its number: device time / bucket length */

	gboolean ready, fitted;
	struct sc_line line;
	double slope; /* last fitted c1; kept while too few buckets, and
	               * across restarts (the oscillator is the same) */
	gint64 newest_d;

	/* closed minima in a row off the line by SENSOR_CLOCK_SHIFT_NS, one
	 * way (shift_dir), kept out of the fit */
	struct sc_point shift[MAX(SENSOR_CLOCK_SHIFT_UP, SENSOR_CLOCK_SHIFT_DOWN)];
	guint n_shift;
	int shift_dir;
	gint64 shift_ns;
	guint64 shifts;

	/* off pairs in a row: the last SENSOR_CLOCK_JUMP_COUNT of them */
	struct sc_point off[SENSOR_CLOCK_JUMP_COUNT];
	guint n_off;
	gint64 off_first_a, off_first_x;
	gint64 off_ns;
	guint64 resets;
};

/* A - B as a double, without overflowing on wild inputs. */
static double rel(gint64 a, gint64 b)
{
	gint64 r;

	if (__builtin_sub_overflow(a, b, &r))
		return a > b ? 1e30 : -1e30;
	return (double)r;
}

/* The line's x at device time D, relative to its xref. */
static double line_at(const struct sc_line *l, gint64 d)
{
	return l->c0 + l->c1 * rel(d, l->dref);
}

static const struct sc_point *bucket_at(const sensor_clock *c, guint i)
{
	return &c->bucket[(c->head + i) % SENSOR_CLOCK_BUCKETS];
}

sensor_clock *sensor_clock_new(void)
{
	return g_new0(sensor_clock, 1);
}

void sensor_clock_free(sensor_clock *c)
{
	g_free(c);
}

/* Offset only, for too few buckets: the line of the last fitted slope (0
 * before any fit) through the lowest of the held minima and the open one.
 * O(buckets held), called with fewer than SENSOR_CLOCK_MIN_FIT. */
static void fit_offset(sensor_clock *c)
{
	struct sc_point best = c->open;
	double best_v = 0;

	for (guint i = 0; i < c->n; i++) {
		const struct sc_point *p = bucket_at(c, i);
		double v = rel(p->x, c->open.x) - c->slope * rel(p->d, c->open.d);

		if (v < best_v) {
			best_v = v;
			best = *p;
		}
	}
	c->line = (struct sc_line){best.d, best.x, 0, c->slope};
	c->fitted = FALSE;
}

/* Fits the line to the closed buckets (see the top of the file), after
 * dropping those older than SENSOR_CLOCK_BUCKETS seconds before the open
 * one. Falls back to fit_offset with too few, or for a slope past
 * SENSOR_CLOCK_MAX_SLOPE. O(N), N doubles and indices
 * on the stack. */
static void fit_line(sensor_clock *c)
{
	const gint64 window = SENSOR_CLOCK_BUCKETS * SENSOR_CLOCK_BUCKET_NS;
	double u[SENSOR_CLOCK_BUCKETS], v[SENSOR_CLOCK_BUCKETS];
	guint hull[SENSOR_CLOCK_BUCKETS];
	const struct sc_point *ref;
	guint nh = 0, e;
	double mean = 0, c1;

	while (c->n && rel(c->open.d, bucket_at(c, 0)->d) > (double)window) {
		c->head = (c->head + 1) % SENSOR_CLOCK_BUCKETS;
		c->n--;
	}
	if (c->n < SENSOR_CLOCK_MIN_FIT) {
		fit_offset(c);
		return;
	}
	ref = bucket_at(c, c->n - 1);
	for (guint i = 0; i < c->n; i++) {
		const struct sc_point *p = bucket_at(c, i);

		u[i] = rel(p->d, ref->d);
		v[i] = rel(p->x, ref->x);
		mean += u[i];
	}
	mean /= c->n;
	/* Lower hull, left to right (device times increase): drop the last
	 * vertex while it does not turn left. */
	for (guint i = 0; i < c->n; i++) {
		while (nh >= 2) {
			guint a = hull[nh - 2], b = hull[nh - 1];
			double cross =
			        (u[b] - u[a]) * (v[i] - v[a]) - (v[b] - v[a]) * (u[i] - u[a]);

			if (cross > 0)
				break;
			nh--;
		}
		hull[nh++] = i;
	}
	for (e = 0; e + 2 < nh && u[hull[e + 1]] <= mean; e++)
		;
	c1 = (v[hull[e + 1]] - v[hull[e]]) / (u[hull[e + 1]] - u[hull[e]]);
	if (!(fabs(c1) <= SENSOR_CLOCK_MAX_SLOPE)) {
		fit_offset(c);
		return;
	}
	c->line = (struct sc_line){ref->d, ref->x, v[hull[e]] - c1 * u[hull[e]], c1};
	c->slope = c1;
	c->fitted = TRUE;
}

/* Appends P to the closed buckets, dropping the oldest when full. */
static void push_bucket(sensor_clock *c, struct sc_point p)
{
	if (c->n == SENSOR_CLOCK_BUCKETS) {
		c->head = (c->head + 1) % SENSOR_CLOCK_BUCKETS;
		c->n--;
	}
	c->bucket[(c->head + c->n) % SENSOR_CLOCK_BUCKETS] = p;
	c->n++;
}

/* Closes the open bucket and refits. With a line, a minimum off it by
 * more than SENSOR_CLOCK_SHIFT_NS waits out of the fit until enough in a
 * row (one way) show the floor moved; then the line is refitted from them
 * alone. Returns SENSOR_CLOCK_REFIT, SENSOR_CLOCK_SHIFT, or
 * SENSOR_CLOCK_TAKEN while a minimum waits. O(N). */
static enum sensor_clock_result close_bucket(sensor_clock *c)
{
	struct sc_point p = c->open;
	double r;
	int dir;
	guint need;

	if (!c->fitted) {
		push_bucket(c, p);
		fit_line(c);
		return SENSOR_CLOCK_REFIT;
	}
	r = rel(p.x, c->line.xref) - line_at(&c->line, p.d);
	dir = r > (double)SENSOR_CLOCK_SHIFT_NS ? 1 : r < -(double)SENSOR_CLOCK_SHIFT_NS ? -1 : 0;
	if (!dir) {
		c->n_shift = 0; /* the floor is where it was: those were outliers */
		push_bucket(c, p);
		fit_line(c);
		return SENSOR_CLOCK_REFIT;
	}
	if (c->n_shift && dir != c->shift_dir)
		c->n_shift = 0;
	c->shift_dir = dir;
	c->shift[c->n_shift++] = p;
	need = dir > 0 ? SENSOR_CLOCK_SHIFT_UP : SENSOR_CLOCK_SHIFT_DOWN;
	if (c->n_shift < need)
		return SENSOR_CLOCK_TAKEN;
	c->head = c->n = 0;
	for (guint i = 0; i < c->n_shift; i++)
		push_bucket(c, c->shift[i]);
	c->n_shift = 0;
	c->shift_ns = (gint64)r;
	c->shifts++;
	fit_line(c);
	return SENSOR_CLOCK_SHIFT;
}

/* Forgets every pair: the next one starts a new estimate. */
static void start(sensor_clock *c, gint64 d, gint64 x)
{
	c->head = c->n = 0;
	c->n_shift = 0;
	c->open = (struct sc_point){d, x};
	c->open_idx = d / SENSOR_CLOCK_BUCKET_NS;
	c->ready = TRUE;
	c->newest_d = d;
	c->n_off = 0;
	fit_offset(c);
}

/* Puts a pair that agrees with the estimate into its bucket. */
static enum sensor_clock_result take(sensor_clock *c, gint64 d, gint64 x)
{
	gint64 idx = d / SENSOR_CLOCK_BUCKET_NS;
	enum sensor_clock_result res = SENSOR_CLOCK_TAKEN;

	if (idx == c->open_idx) {
		if (x < c->open.x) {
			c->open = (struct sc_point){d, x};
			if (!c->fitted)
				fit_offset(c);
		}
	} else if (idx > c->open_idx) {
		res = close_bucket(c);
		c->open = (struct sc_point){d, x};
		c->open_idx = idx;
	}
	/* else a reordered or retried batch of a closed bucket: it was late,
	 * so not a minimum worth a refit */
	if (d > c->newest_d)
		c->newest_d = d;
	return res;
}

/* A pair further than SENSOR_CLOCK_JUMP_NS from the estimate (R: its
 * delay minus the estimate's). Counts it into the run of off pairs that
 * agree with each other; restarts the estimate from the run's last pairs
 * once it is long enough to be a clock jump. */
static enum sensor_clock_result off_pair(sensor_clock *c, gint64 d, gint64 x, gint64 a, double r)
{
	gboolean confirmed;

	c->off_ns = (gint64)CLAMP(r, -4e18, 4e18);
	if (c->n_off && fabs(rel(x, c->off_first_x)) > (double)SENSOR_CLOCK_JUMP_NS)
		c->n_off = 0; /* off somewhere else: a new run */
	if (c->n_off == 0) {
		c->off_first_a = a;
		c->off_first_x = x;
	}
	c->off[c->n_off % SENSOR_CLOCK_JUMP_COUNT] = (struct sc_point){d, x};
	c->n_off++;
	confirmed = c->n_off >= SENSOR_CLOCK_JUMP_COUNT &&
	            (r < 0 || r > (double)SENSOR_CLOCK_STALL_NS ||
	             rel(a, c->off_first_a) >= (double)SENSOR_CLOCK_CONFIRM_NS);
	if (!confirmed)
		return r < 0 ? SENSOR_CLOCK_EARLY : SENSOR_CLOCK_LATE;
	{
		struct sc_point run[SENSOR_CLOCK_JUMP_COUNT];
		guint first = c->n_off - SENSOR_CLOCK_JUMP_COUNT;

		for (guint i = 0; i < SENSOR_CLOCK_JUMP_COUNT; i++)
			run[i] = c->off[(first + i) % SENSOR_CLOCK_JUMP_COUNT];
		start(c, run[0].d, run[0].x);
		for (guint i = 1; i < SENSOR_CLOCK_JUMP_COUNT; i++)
			take(c, run[i].d, run[i].x);
	}
	c->resets++;
	return SENSOR_CLOCK_RESET;
}

enum sensor_clock_result sensor_clock_update(sensor_clock *c, gint64 device_ns, gint64 arrival_ns)
{
	gint64 x;
	double r;

	if (__builtin_sub_overflow(arrival_ns, device_ns, &x))
		x = arrival_ns > device_ns ? G_MAXINT64 : G_MININT64;
	if (!c->ready) {
		start(c, device_ns, x);
		return SENSOR_CLOCK_TAKEN;
	}
	r = rel(x, c->line.xref) - line_at(&c->line, device_ns);
	if (fabs(r) > (double)SENSOR_CLOCK_JUMP_NS)
		return off_pair(c, device_ns, x, arrival_ns, r);
	c->n_off = 0;
	return take(c, device_ns, x);
}

gboolean sensor_clock_map(const sensor_clock *c, gint64 device_ns, gint64 *out_ns)
{
	double dx;
	gint64 x, t;

	if (!c->ready)
		return FALSE;
	dx = line_at(&c->line, device_ns);
	if (!isfinite(dx) || fabs(dx) > 4e18)
		return FALSE;
	if (__builtin_add_overflow(c->line.xref, (gint64)llround(dx), &x) ||
	    __builtin_add_overflow(device_ns, x, &t) || t <= 0)
		return FALSE;
	*out_ns = t;
	return TRUE;
}

void sensor_clock_get_state(const sensor_clock *c, struct sensor_clock_state *out)
{
	gint64 t = 0;

	*out = (struct sensor_clock_state){0};
	out->ready = c->ready;
	out->fitted = c->fitted;
	out->buckets = c->n;
	out->span_ns = c->n ? bucket_at(c, c->n - 1)->d - bucket_at(c, 0)->d : 0;
	out->off_ns = c->off_ns;
	out->resets = c->resets;
	out->shift_ns = c->shift_ns;
	out->shifts = c->shifts;
	out->newest_ns = c->newest_d;
	if (!c->ready)
		return;
	if (sensor_clock_map(c, c->newest_d, &t))
		out->offset_ns = t - c->newest_d;
	out->drift_ppm = c->line.c1 > -1 ? (1 / (1 + c->line.c1) - 1) * 1e6 : 0;
}

/* ---------------------------------------------------------------- table */

G_DEFINE_QUARK(ringside - sensor - clock - error - quark, sensor_clock_error)

/* A move of the estimate worth a log line (at most once a
 * SENSOR_CLOCK_LOG_EVERY_NS). */
#define NOTABLE_OFFSET_NS 1000000
#define NOTABLE_DRIFT_PPM 5.0

/* One of these per device with an estimate. */
struct clock_entry {
	char *device;
	sensor_clock *clock;
	gint64 last_arrival;

	gboolean announced;   /* the first fit since (re)start was logged */
	gint64 logged_at;     /* arrival time of the last line about it */
	gint64 logged_d;      /* the estimate that line gave: at device time */
	gint64 logged_offset; /* ... this offset */
	double logged_drift;  /* ... and drift */
	gint64 warned_at;     /* arrival time of the last restart warning */
	guint64 unwarned;     /* restarts since, not logged */
};

struct sensor_clock_table {
	char *source;
	GHashTable *devices; /* device name -> struct clock_entry * */
	guint64 resets;
};

static void entry_free(gpointer p)
{
	struct clock_entry *e = p;

	sensor_clock_free(e->clock);
	g_free(e->device);
	g_free(e);
}

sensor_clock_table *sensor_clock_table_new(const char *source)
{
	sensor_clock_table *t = g_new0(sensor_clock_table, 1);

	t->source = g_strdup(source);
	t->devices = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, entry_free);
	return t;
}

void sensor_clock_table_free(sensor_clock_table *t)
{
	if (!t)
		return;
	g_hash_table_unref(t->devices);
	g_free(t->source);
	g_free(t);
}

/* Makes room for one more device: forgets the one silent longest if it has
 * been silent SENSOR_CLOCK_IDLE_NS at NOW. Returns whether there is room.
 * O(devices). */
static gboolean make_room(sensor_clock_table *t, gint64 now)
{
	struct clock_entry *oldest = NULL;
	GHashTableIter it;
	gpointer v;

	if (g_hash_table_size(t->devices) < SENSOR_CLOCK_MAX_DEVICES)
		return TRUE;
	g_hash_table_iter_init(&it, t->devices);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		struct clock_entry *e = v;

		if (!oldest || e->last_arrival < oldest->last_arrival)
			oldest = e;
	}
	if (!oldest || rel(now, oldest->last_arrival) < (double)SENSOR_CLOCK_IDLE_NS)
		return FALSE;
	g_message("source %s device %s: clock estimate forgotten after %.0f s of silence",
	          t->source, oldest->device, rel(now, oldest->last_arrival) / 1e9);
	g_hash_table_remove(t->devices, oldest->device);
	return TRUE;
}

/* Remembers the estimate ST as the one last logged, at arrival time NOW. */
static void entry_logged(struct clock_entry *e, const struct sensor_clock_state *st, gint64 now)
{
	e->logged_at = now;
	e->logged_d = st->newest_ns;
	e->logged_offset = st->offset_ns;
	e->logged_drift = st->drift_ppm;
}

/* The log lines about E after a pair arriving at NOW gave RES. */
static void entry_log(sensor_clock_table *t, struct clock_entry *e, enum sensor_clock_result res,
                      gint64 now)
{
	struct sensor_clock_state st;

	sensor_clock_get_state(e->clock, &st);
	if (res == SENSOR_CLOCK_RESET)
		e->announced = FALSE; /* its first fit is a new estimate */
	if ((res == SENSOR_CLOCK_RESET || res == SENSOR_CLOCK_SHIFT) && e->warned_at &&
	    rel(now, e->warned_at) < (double)SENSOR_CLOCK_LOG_EVERY_NS) {
		e->unwarned++;
		return;
	}
	if (res == SENSOR_CLOCK_SHIFT) {
		g_warning("source %s device %s: its batches have arrived %.1f ms %s than the clock "
		          "estimate says for %d s (the daemon host's clock stepped, or the route "
		          "changed): estimate refitted to them (offset now %+.6f s)%s",
		          t->source, e->device, fabs(st.shift_ns / 1e6),
		          st.shift_ns < 0 ? "earlier" : "later",
		          st.shift_ns < 0 ? SENSOR_CLOCK_SHIFT_DOWN : SENSOR_CLOCK_SHIFT_UP,
		          st.offset_ns / 1e9, e->unwarned ? " (more since the last report)" : "");
		e->warned_at = now;
		e->unwarned = 0;
		entry_logged(e, &st, now);
		return;
	}
	if (res == SENSOR_CLOCK_RESET) {
		g_warning("source %s device %s: %u batches in a row arrived %.3f s %s than its "
		          "clock estimate %s; estimate restarted (offset now %+.6f s)%s",
		          t->source, e->device, SENSOR_CLOCK_JUMP_COUNT, fabs(st.off_ns / 1e9),
		          st.off_ns < 0 ? "earlier" : "later",
		          st.off_ns < 0 ? "allows: the device clock jumped ahead"
		                        : "says: the device clock jumped back or the link stalled",
		          st.offset_ns / 1e9,
		          e->unwarned ? " (more restarts since the last report)" : "");
		e->warned_at = now;
		e->unwarned = 0;
		return;
	}
	if (res != SENSOR_CLOCK_REFIT || !st.fitted)
		return;
	if (!e->announced) {
		g_message(
		        "source %s device %s: clock estimate established over %.0f s of arrivals: "
		        "offset %+.6f s (timeline minus device clock), drift %+.1f ppm",
		        t->source, e->device, st.span_ns / 1e9, st.offset_ns / 1e9, st.drift_ppm);
		e->announced = TRUE;
		entry_logged(e, &st, now);
		return;
	}
	if (rel(now, e->logged_at) < (double)SENSOR_CLOCK_LOG_EVERY_NS)
		return;
	{
		/* where the last logged estimate would put the newest point */
		double c1 = 1 / (1 + e->logged_drift * 1e-6) - 1;
		double was = e->logged_offset + c1 * rel(st.newest_ns, e->logged_d);
		double moved = st.offset_ns - was;

		if (fabs(moved) < NOTABLE_OFFSET_NS &&
		    fabs(st.drift_ppm - e->logged_drift) < NOTABLE_DRIFT_PPM)
			return;
		g_message("source %s device %s: clock estimate moved by %+.3f ms: offset %+.6f s, "
		          "drift %+.1f ppm (was %+.1f ppm)",
		          t->source, e->device, moved / 1e6, st.offset_ns / 1e9, st.drift_ppm,
		          e->logged_drift);
		entry_logged(e, &st, now);
	}
}

sensor_clock *sensor_clock_table_update(sensor_clock_table *t, const char *device, gint64 device_ns,
                                        gint64 arrival_ns, enum sensor_clock_result *result,
                                        GError **err)
{
	struct clock_entry *e = g_hash_table_lookup(t->devices, device);
	enum sensor_clock_result res;

	if (!e) {
		if (!make_room(t, arrival_ns)) {
			g_set_error(err, SENSOR_CLOCK_ERROR, 0,
			            "source %s: batch from \"%s\" refused: %d other devices have a "
			            "clock estimate and none has been silent for %.0f s",
			            t->source, device, SENSOR_CLOCK_MAX_DEVICES,
			            SENSOR_CLOCK_IDLE_NS / 1e9);
			return NULL;
		}
		e = g_new0(struct clock_entry, 1);
		e->device = g_strdup(device);
		e->clock = sensor_clock_new();
		g_hash_table_insert(t->devices, e->device, e);
	}
	e->last_arrival = arrival_ns;
	res = sensor_clock_update(e->clock, device_ns, arrival_ns);
	if (res == SENSOR_CLOCK_RESET || res == SENSOR_CLOCK_SHIFT)
		t->resets++;
	entry_log(t, e, res, arrival_ns);
	if (result)
		*result = res;
	return e->clock;
}

void sensor_clock_table_foreach(sensor_clock_table *t,
                                void (*fn)(const char *device, const struct sensor_clock_state *st,
                                           void *user),
                                void *user)
{
	GHashTableIter it;
	gpointer v;

	g_hash_table_iter_init(&it, t->devices);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		struct clock_entry *e = v;
		struct sensor_clock_state st;

		sensor_clock_get_state(e->clock, &st);
		fn(e->device, &st, user);
	}
}

guint64 sensor_clock_table_resets(const sensor_clock_table *t)
{
	return t->resets;
}
