/* The scene's event sequence (random classes at exponentially spaced start
 * times, reproducible from a seed) and the wall-clock helpers its parts use. */
#include "scene.h"

#include <errno.h>
#include <math.h>
#include <time.h>

/* One cursor per thread: its own generator, and the first event that has not
 * ended yet at the time last asked about. */
struct scene_events {
	GRand *rand;
	double mean_gap_s;
	struct scene_event cur;
};

/* Draws the random part of a gap: exponential with mean (mean gap - minimum
 * gap), so whole gaps average the requested mean and never fall below the
 * minimum. */
static gint64 events_extra_ns(struct scene_events *ev)
{
	double mean = ev->mean_gap_s - (double)SCENE_MIN_GAP_NS / GST_SECOND;
	double u = g_rand_double(ev->rand); /* [0, 1) */

	if (mean <= 0)
		return 0;
	return (gint64)(-log1p(-u) * mean * GST_SECOND);
}

/* Fills cur with the event starting at START_NS and draws its class. */
static void events_draw(struct scene_events *ev, gint64 start_ns)
{
	ev->cur.cls = g_rand_boolean(ev->rand) ? SCENE_SQUARE : SCENE_CIRCLE;
	ev->cur.start_ns = start_ns;
	ev->cur.end_ns = start_ns + SCENE_EVENT_NS;
}

/* Starts a cursor at the first event of the scene that begins at BEGIN_NS.
 * Free with scene_events_free. */
struct scene_events *scene_events_new(const struct scene_opts *opts, gint64 begin_ns)
{
	struct scene_events *ev = g_new0(struct scene_events, 1);
	guint32 seed[2] = {(guint32)opts->seed, (guint32)(opts->seed >> 32)};

	ev->rand = g_rand_new_with_seed_array(seed, G_N_ELEMENTS(seed));
	ev->mean_gap_s = opts->mean_gap_s;
	events_draw(ev, begin_ns + SCENE_LEAD_IN_NS + events_extra_ns(ev));
	return ev;
}

void scene_events_free(struct scene_events *ev)
{
	if (!ev)
		return;
	g_rand_free(ev->rand);
	g_free(ev);
}

/* Moves the cursor to the event after the current one. */
void scene_events_advance(struct scene_events *ev)
{
	gint64 start = ev->cur.start_ns + SCENE_MIN_GAP_NS + events_extra_ns(ev);

	events_draw(ev, start);
}

/* The first event that has not ended at the time last asked about (it may
 * not have started yet). Valid until the cursor moves. */
const struct scene_event *scene_events_peek(struct scene_events *ev)
{
	return &ev->cur;
}

/* The event going on at T_NS, or NULL. T_NS must not go backwards between
 * calls on one cursor: events that ended before it are dropped. O(1)
 * amortised. */
const struct scene_event *scene_events_at(struct scene_events *ev, gint64 t_ns)
{
	while (t_ns >= ev->cur.end_ns)
		scene_events_advance(ev);
	return t_ns >= ev->cur.start_ns ? &ev->cur : NULL;
}

const char *scene_class_name(enum scene_class cls)
{
	return cls == SCENE_SQUARE ? "square" : "circle";
}

/* Wall-clock time in UNIX ns: the clock the pipeline runs on. */
gint64 scene_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (gint64)ts.tv_sec * GST_SECOND + ts.tv_nsec;
}

/* Sleeps until the wall clock reaches T_NS, waking at least every 100 ms to
 * look at *STOP. Returns TRUE at T_NS, FALSE when asked to stop first. */
gboolean scene_sleep_until(gint64 t_ns, gint *stop)
{
	for (;;) {
		gint64 now = scene_now_ns();
		gint64 wake;
		struct timespec ts;

		if (g_atomic_int_get(stop))
			return FALSE;
		if (now >= t_ns)
			return TRUE;
		wake = MIN(t_ns, now + 100 * GST_MSECOND);
		ts.tv_sec = wake / GST_SECOND;
		ts.tv_nsec = wake % GST_SECOND;
		while (clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
	}
}

/* The grid index a stream should produce next: K itself, or, when the wall
 * clock is more than SCENE_SKIP_NS past K's instant, the first index whose
 * instant is now or later. The grid's instants are begin + k * NUM / DEN s. */
guint64 scene_grid_next(gint64 begin_ns, guint64 k, guint64 num, guint64 den)
{
	gint64 now = scene_now_ns();
	gint64 t = begin_ns + gst_util_uint64_scale(k, GST_SECOND * num, den);

	if (now - t <= (gint64)SCENE_SKIP_NS)
		return k;
	return gst_util_uint64_scale_ceil(now - begin_ns, den, GST_SECOND * num);
}

/* A standard normal deviate (Box-Muller; one of the pair is thrown away). */
double scene_gauss(GRand *rand)
{
	double u1 = 1.0 - g_rand_double(rand); /* (0, 1] */
	double u2 = g_rand_double(rand);

	return sqrt(-2.0 * log(u1)) * cos(2.0 * G_PI * u2);
}

/* Marker mode: the latest marker instant at or before T_NS. Markers sit on
 * every multiple of opts->marker_ns on the UNIX timeline, so processes that
 * never talk to each other agree on them. */
gint64 scene_marker_before(const struct scene_opts *opts, gint64 t_ns)
{
	gint64 p = opts->marker_ns;
	gint64 q = t_ns / p;

	if (t_ns % p < 0)
		q--;
	return q * p;
}
