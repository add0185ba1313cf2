/* The cutter: turns a group's rings into periodic, time-aligned windows,
 * waiting for every source or for the group's lateness bound. */
#include "streams/window.h"

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
	for (guint i = 0; i < w->n_sources; i++)
		g_clear_pointer(&w->sources[i].samples, g_ptr_array_unref);
	g_free(w->sources);
	g_free(w->id);
	g_free(w);
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
 * flags from c->hw_ns. Returns a new window (one ref). O(sources * (log n + k)). */
static rs_window *cutter_build(cutter *c, gint64 start, gint64 end)
{
	const struct rs_group_conf *g = c->group;
	rs_window *w = g_new0(rs_window, 1);

	w->ref = 1;
	w->id = g_strdup_printf("%s:%" G_GINT64_FORMAT, g->name, start);
	w->group = g;
	w->start_ns = start;
	w->end_ns = end;
	w->reason = RS_REASON_PERIODIC;
	w->n_sources = g->n_sources;
	w->sources = g_new0(struct rs_window_source, g->n_sources);
	w->complete = TRUE;
	for (guint i = 0; i < g->n_sources; i++) {
		w->sources[i].conf = g->sources[i];
		w->sources[i].samples = ring_read_range(c->rings[i], start, end);
		w->sources[i].complete = c->hw_ns[i] >= end;
		if (!w->sources[i].complete)
			w->complete = FALSE;
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
