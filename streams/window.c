/* The cutter: turns a group's rings into periodic, time-aligned windows,
 * waiting for every source or for the group's lateness bound. */
#include "streams/window.h"

/* Sensors: a stretch without readings is a gap when it is longer than
 * SENSOR_GAP_MEDIANS x the median interval, and never shorter than this. */
#define SENSOR_GAP_MEDIANS 3
#define SENSOR_GAP_MIN_NS (20 * 1000000LL)

/* One of these per group. Windows are [next_start, next_start + window_ns)
 * and advance by every_ns; next_start is always a multiple of every_ns. */
struct cutter {
	const struct rs_group_conf *group;
	ring **rings;   /* n_sources, borrowed */
	gint64 *hw_ns;  /* scratch: each ring's high water for the window at hand */
	gint64 keep_ns; /* smallest ring_ns of the sources: older data is gone */
	gint64 next_start_ns;
	cutter_window_fn fn;
	void *user;
	guint64 skipped;
};

rs_window *rs_window_ref(rs_window *w)
{
	g_atomic_int_inc(&w->ref);
	return w;
}

void rs_window_unref(rs_window *w)
{
	if (!w || !g_atomic_int_dec_and_test(&w->ref))
		return;
	for (guint i = 0; i < w->n_sources; i++) {
		g_clear_pointer(&w->sources[i].samples, g_ptr_array_unref);
		g_clear_pointer(&w->sources[i].gaps, g_array_unref);
	}
	g_clear_pointer(&w->preannotations, g_ptr_array_unref);
	g_free(w->sources);
	g_free(w->id);
	g_free(w);
}

/* Appends the gap [A, B) to GAPS and adds its length to *TOTAL; past
 * RS_WINDOW_MAX_GAPS it extends the last gap to B instead. O(1). */
static void gap_add(GArray *gaps, gint64 a, gint64 b, gint64 *total)
{
	struct rs_gap g = {a, b};

	if (b <= a)
		return;
	*total += b - a;
	if (gaps->len < RS_WINDOW_MAX_GAPS)
		g_array_append_val(gaps, g);
	else
		g_array_index(gaps, struct rs_gap, gaps->len - 1).end_ns = b;
}

/* Video and audio: walks the samples (time order) keeping how far the
 * window is covered; an uncovered stretch longer than half the duration of
 * the next sample is a gap. O(samples). */
static void media_gaps(const struct rs_window_source *ws, gint64 start, gint64 end, GArray *gaps,
                       gint64 *total)
{
	gint64 covered = start, tol = 0;

	for (guint k = 0; k < ws->samples->len; k++) {
		const rs_sample *s = ws->samples->pdata[k];

		tol = s->dur_ns / 2;
		if (s->t_ns - covered > tol)
			gap_add(gaps, covered, MIN(s->t_ns, end), total);
		covered = MAX(covered, s->t_ns + s->dur_ns);
	}
	if (covered < end && (end - covered > tol || !ws->complete))
		gap_add(gaps, covered, end, total);
}

/* The K-th smallest of A[0..N) (N > 0, K < N); reorders A. Quickselect
 * with random pivots: O(N) expected whatever the input. */
static gint64 select_kth(gint64 *a, gssize n, gssize k)
{
	gssize lo = 0, hi = n - 1;

	while (lo < hi) {
		gint64 pivot = a[lo + g_random_int_range(0, (gint32)(hi - lo + 1))];
		gssize i = lo, j = hi;

		while (i <= j) {
			while (a[i] < pivot)
				i++;
			while (a[j] > pivot)
				j--;
			if (i <= j) {
				gint64 t = a[i];
				a[i++] = a[j];
				a[j--] = t;
			}
		}
		/* a[lo..j] <= pivot, a[i..hi] >= pivot, between: == pivot */
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			return a[k];
	}
	return a[k];
}

/* Sensors: the stretches between the window's edges and the readings are
 * gaps when longer than max(SENSOR_GAP_MEDIANS x the median interval
 * between readings, SENSOR_GAP_MIN_NS). O(readings) expected. */
static void sensor_gaps(const struct rs_window_source *ws, gint64 start, gint64 end, GArray *gaps,
                        gint64 *total)
{
	guint n = ws->samples->len;
	gint64 thr = SENSOR_GAP_MIN_NS, prev = start;

	if (n >= 2) {
		g_autofree gint64 *iv = g_new(gint64, n - 1);

		for (guint k = 1; k < n; k++)
			iv[k - 1] = ((const rs_sample *)ws->samples->pdata[k])->t_ns -
			            ((const rs_sample *)ws->samples->pdata[k - 1])->t_ns;
		thr = MAX(thr, SENSOR_GAP_MEDIANS * select_kth(iv, n - 1, (n - 1) / 2));
	}
	for (guint k = 0; k < n; k++) {
		gint64 t = ((const rs_sample *)ws->samples->pdata[k])->t_ns;

		if (t - prev > thr)
			gap_add(gaps, prev, t, total);
		prev = MAX(prev, t);
	}
	if (end - prev > thr || !ws->complete)
		gap_add(gaps, prev, end, total);
}

void rs_window_source_gaps(struct rs_window_source *ws, gint64 start_ns, gint64 end_ns)
{
	gint64 total = 0, len = end_ns - start_ns;

	g_clear_pointer(&ws->gaps, g_array_unref);
	ws->gaps = g_array_new(FALSE, FALSE, sizeof(struct rs_gap));
	if (ws->conf->kind == RS_KIND_SENSOR)
		sensor_gaps(ws, start_ns, end_ns, ws->gaps, &total);
	else
		media_gaps(ws, start_ns, end_ns, ws->gaps, &total);
	ws->coverage = len > 0 ? CLAMP(1.0 - (double)total / (double)len, 0.0, 1.0) : 1.0;
}

/* The first multiple of EVERY strictly after T (floor division, so it
 * holds for negative T too). */
static gint64 next_multiple(gint64 t, gint64 every)
{
	gint64 q = t / every;

	if (t % every != 0 && t < 0)
		q--;
	return (q + 1) * every;
}

/* GROUP and RINGS are borrowed and must outlive the cutter (the array of
 * ring pointers is copied). Returns NULL when the group has no sources or
 * a non-positive window or period, which config_load never lets through. */
cutter *cutter_new(const struct rs_group_conf *group, ring **rings, gint64 start_ns,
                   cutter_window_fn fn, void *user)
{
	cutter *c;

	g_return_val_if_fail(group != NULL && fn != NULL, NULL);
	g_return_val_if_fail(group->n_sources > 0 && rings != NULL, NULL);
	g_return_val_if_fail(group->window_ns > 0 && group->every_ns > 0, NULL);

	c = g_new0(cutter, 1);
	c->group = group;
	c->rings = g_memdup2(rings, group->n_sources * sizeof(*rings));
	c->hw_ns = g_new0(gint64, group->n_sources);
	c->keep_ns = G_MAXINT64;
	for (guint i = 0; i < group->n_sources; i++)
		if (group->sources[i]->ring_ns > 0)
			c->keep_ns = MIN(c->keep_ns, group->sources[i]->ring_ns);
	c->next_start_ns = next_multiple(start_ns, group->every_ns);
	c->fn = fn;
	c->user = user;
	return c;
}

/* Must not be called from inside the cutter's own callback. */
void cutter_free(cutter *c)
{
	if (!c)
		return;
	g_free(c->hw_ns);
	g_free(c->rings);
	g_free(c);
}

/* Whether the window [start, end) may be cut at NOW: every source has
 * delivered up to END, or the lateness bound has passed. A window that has
 * not started on the wall clock is never cut early, so a source whose clock
 * runs far ahead cannot pull a burst of windows out of the future. Fills
 * c->hw_ns for the completeness flags. O(sources). */
static gboolean cutter_window_due(cutter *c, gint64 start, gint64 end, gint64 now)
{
	gboolean all_in = TRUE;

	/* models get this long after the end to send pre-annotations */
	if (c->group->preannotation_wait_ns && now - end < c->group->preannotation_wait_ns)
		return FALSE;
	for (guint i = 0; i < c->group->n_sources; i++) {
		c->hw_ns[i] = ring_high_water(c->rings[i]);
		if (c->hw_ns[i] < end)
			all_in = FALSE;
	}
	if (all_in && start <= now)
		return TRUE;
	return now - end >= c->group->lateness_ns;
}

/* Builds the window [start, end) from every ring, with the completeness
 * flags from c->hw_ns, and each source's gaps and coverage. Returns a new
 * window (one ref). O(sources * (log n + k)). */
static rs_window *cutter_build(cutter *c, gint64 start, gint64 end)
{
	const struct rs_group_conf *g = c->group;
	/* g_new and zeroing, not g_new0: glibc's calloc bypasses its
	 * per-thread cache, and this runs for every window cut. */
	rs_window *w = g_new(rs_window, 1);

	*w = (rs_window){0};
	w->ref = 1;
	w->id = g_strdup_printf("%s:%" G_GINT64_FORMAT, g->name, start);
	w->group = g;
	w->start_ns = start;
	w->end_ns = end;
	w->reason = RS_REASON_PERIODIC;
	w->n_sources = g->n_sources;
	w->sources = g_new(struct rs_window_source, g->n_sources);
	memset(w->sources, 0, sizeof(*w->sources) * g->n_sources);
	w->complete = TRUE;
	for (guint i = 0; i < g->n_sources; i++) {
		w->sources[i].conf = g->sources[i];
		w->sources[i].samples = ring_read_range(c->rings[i], start, end);
		w->sources[i].complete = c->hw_ns[i] >= end;
		if (!w->sources[i].complete)
			w->complete = FALSE;
		rs_window_source_gaps(&w->sources[i], start, end);
	}
	w->cut_ns = g_get_real_time() * 1000;
	return w;
}

/* Cuts due windows in start order, handing each to the callback. Due
 * windows whose start is more than keep_ns before NOW (the daemon stalled
 * or the host slept) are skipped in one step, counted, and logged once per
 * poll, instead of being cut empty in a burst. */
guint cutter_poll(cutter *c, gint64 now_ns)
{
	const struct rs_group_conf *g = c->group;
	guint64 skipped = 0, k;
	guint cut = 0;
	gint64 start, end;
	rs_window *w;

	for (;;) {
		start = c->next_start_ns;
		end = start + g->window_ns;
		if (!cutter_window_due(c, start, end, now_ns))
			break;
		if (now_ns - start > c->keep_ns) {
			/* k periods bring the start back within keep_ns of now */
			k = (guint64)(now_ns - c->keep_ns - start + g->every_ns - 1) / g->every_ns;
			c->next_start_ns += (gint64)k * g->every_ns;
			skipped += k;
			continue;
		}
		w = cutter_build(c, start, end);
		c->next_start_ns += g->every_ns;
		c->fn(w, c->user);
		rs_window_unref(w);
		cut++;
	}

	if (skipped > 0) {
		c->skipped += skipped;
		g_message("group %s: skipped %" G_GUINT64_FORMAT
		          " window(s) whose data had already left the rings",
		          g->name, skipped);
	}
	return cut;
}

guint64 cutter_skipped(const cutter *c)
{
	return c->skipped;
}
