/* A source's recent past: a circular array of refcounted samples kept in
 * capture-time order and bounded by age, bytes and count (see docs/ring.md). */
#include "streams/ring.h"

/* Evicted samples are unreferenced after the lock is released (freeing a
 * JPEG is not free); past this many in one push the rest go under the lock. */
#define RING_DEFER_MAX 16

/* A sample more than this behind the newest is refused as late: sources
 * deliver in order give or take network reordering, and the bound keeps an
 * insertion's shifting to what a second of data holds. */
#define RING_REORDER_NS (1000LL * 1000 * 1000)

/* A sample more than this ahead of the wall clock is refused: one bad
 * timestamp from the future would otherwise age out everything held and
 * make every later (correct) sample look late. */
#define RING_FUTURE_NS (10LL * 1000 * 1000 * 1000)

/* One of these per source. slots[(head + i) % cap] is the i-th oldest of
 * the n samples held; all fields are guarded by lock except name and lim. */
struct ring {
	char *name;
	struct ring_limits lim;
	GMutex lock;

	rs_sample **slots;
	guint cap; /* == lim.max_samples */
	guint head;
	guint n;
	gsize bytes;

	gint64 high_water_ns;
	/* Longest dur_ns ever pushed: bounds how far before START a sample
	 * may begin and still overlap it, so range reads can binary search on
	 * t_ns alone. Never decreases; a stale larger value only costs a few
	 * extra comparisons. */
	gint64 max_dur_ns;

	guint64 pushed, aged_out, overflow, late_dropped, future_dropped;
};

/* Evicted samples waiting to be unreferenced outside the lock. */
struct ring_graveyard {
	rs_sample *dead[RING_DEFER_MAX];
	guint n;
};

rs_sample *rs_sample_new(gint64 t_ns, gint64 dur_ns, GBytes *data)
{
	rs_sample *s = g_new(rs_sample, 1);

	s->t_ns = t_ns;
	s->dur_ns = MAX(dur_ns, 0);
	s->data = data;
	s->ref = 1;
	return s;
}

rs_sample *rs_sample_ref(rs_sample *s)
{
	g_atomic_int_inc(&s->ref);
	return s;
}

void rs_sample_unref(rs_sample *s)
{
	if (!s || !g_atomic_int_dec_and_test(&s->ref))
		return;
	g_clear_pointer(&s->data, g_bytes_unref);
	g_free(s);
}

/* What S counts against R's byte cap. */
static gsize sample_size(const ring *r, const rs_sample *s)
{
	return (s->data ? g_bytes_get_size(s->data) : 0) + r->lim.sample_overhead;
}

/* A - B, clamped to the gint64 range (limits may be G_MAXINT64). */
static gint64 sat_sub(gint64 a, gint64 b)
{
	gint64 r;

	if (__builtin_sub_overflow(a, b, &r))
		return b > 0 ? G_MININT64 : G_MAXINT64;
	return r;
}

static rs_sample **ring_at(ring *r, guint i)
{
	return &r->slots[(r->head + i) % r->cap];
}

/* Creates an empty ring. LIMITS is copied; max_samples sizes the array
 * once (8 bytes a slot), so it must be > 0, as must max_bytes. */
ring *ring_new(const char *name, const struct ring_limits *limits)
{
	ring *r;

	g_return_val_if_fail(name != NULL && limits != NULL, NULL);
	g_return_val_if_fail(limits->max_samples > 0 && limits->max_bytes > 0, NULL);
	g_return_val_if_fail(limits->max_ns >= 0, NULL);

	r = g_new0(ring, 1);
	r->name = g_strdup(name);
	r->lim = *limits;
	r->cap = limits->max_samples;
	r->slots = g_new0(rs_sample *, r->cap);
	g_mutex_init(&r->lock);
	return r;
}

/* Drops every sample still held (windows holding refs keep theirs). */
void ring_free(ring *r)
{
	if (!r)
		return;
	for (guint i = 0; i < r->n; i++)
		rs_sample_unref(*ring_at(r, i));
	g_mutex_clear(&r->lock);
	g_free(r->slots);
	g_free(r->name);
	g_free(r);
}

/* Removes the oldest sample into G (or unrefs it now when G is full).
 * Caller holds the lock and ensures n > 0. */
static void ring_evict_oldest(ring *r, struct ring_graveyard *g)
{
	rs_sample **slot = ring_at(r, 0);
	rs_sample *s = *slot;

	*slot = NULL;
	r->head = (r->head + 1) % r->cap;
	r->n--;
	r->bytes -= sample_size(r, s);
	if (g->n < RING_DEFER_MAX)
		g->dead[g->n++] = s;
	else
		rs_sample_unref(s);
}

/* Whether S must be refused: older than the age limit allows, or older
 * than everything held while the ring is full (it would be the very next
 * sample evicted). Caller holds the lock. */
static gboolean ring_is_late(ring *r, const rs_sample *s)
{
	gint64 oldest, newest;
	gboolean full;

	if (r->n == 0)
		return FALSE;
	oldest = (*ring_at(r, 0))->t_ns;
	newest = (*ring_at(r, r->n - 1))->t_ns;
	if (s->t_ns < sat_sub(newest, MIN(r->lim.max_ns, RING_REORDER_NS)))
		return TRUE;
	full = r->n == r->cap || r->bytes + sample_size(r, s) > r->lim.max_bytes;
	return full && s->t_ns < oldest;
}

/* Takes ownership of S and inserts it after every sample with t_ns <= its
 * own, shifting the newer ones up by one: O(1) for in-order pushes, O(k)
 * for a sample k places from the tail. Evicts the oldest while the held
 * span would exceed max_ns (aged_out), then to make room in a full array
 * and while bytes exceed max_bytes (overflow). Refused samples are counted
 * in late_dropped and unreferenced. Thread-safe. */
void ring_push(ring *r, rs_sample *s)
{
	struct ring_graveyard g = {0};
	gint64 newest;
	guint i;

	g_mutex_lock(&r->lock);
	if (s->t_ns > g_get_real_time() * 1000 + RING_FUTURE_NS) {
		r->future_dropped++;
		g.dead[g.n++] = s;
		goto out;
	}
	if (ring_is_late(r, s)) {
		r->late_dropped++;
		g.dead[g.n++] = s;
		goto out;
	}

	/* Age first, against the newest time including S: a sample that ages
	 * out anyway is not an overflow, even when the array is also full.
	 * S itself survives this (it passed the age check above). */
	newest = r->n ? MAX((*ring_at(r, r->n - 1))->t_ns, s->t_ns) : s->t_ns;
	while (r->n > 0 && sat_sub(newest, (*ring_at(r, 0))->t_ns) > r->lim.max_ns) {
		ring_evict_oldest(r, &g);
		r->aged_out++;
	}
	if (r->n == r->cap) {
		ring_evict_oldest(r, &g);
		r->overflow++;
	}

	for (i = r->n; i > 0 && (*ring_at(r, i - 1))->t_ns > s->t_ns; i--)
		*ring_at(r, i) = *ring_at(r, i - 1);
	*ring_at(r, i) = s;
	r->n++;
	r->bytes += sample_size(r, s);
	r->pushed++;
	r->high_water_ns = MAX(r->high_water_ns, s->t_ns + s->dur_ns);
	r->max_dur_ns = MAX(r->max_dur_ns, s->dur_ns);

	while (r->n > 0 && r->bytes > r->lim.max_bytes) {
		ring_evict_oldest(r, &g);
		r->overflow++;
	}
out:
	g_mutex_unlock(&r->lock);
	for (i = 0; i < g.n; i++)
		rs_sample_unref(g.dead[i]);
}

/* Whether S's span overlaps [start, end); a zero-length sample overlaps
 * when start <= t < end. Assumes start < end. */
static gboolean sample_overlaps(const rs_sample *s, gint64 start, gint64 end)
{
	if (s->t_ns >= end)
		return FALSE;
	if (s->t_ns >= start)
		return TRUE;
	return s->t_ns + s->dur_ns > start;
}

/* Logical index of the first held sample with t_ns >= T (n if none).
 * Caller holds the lock. O(log n). */
static guint ring_lower_bound(ring *r, gint64 t)
{
	guint lo = 0, hi = r->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((*ring_at(r, mid))->t_ns < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Every overlapping sample starts at or after start - max_dur_ns, so the
 * scan begins at the binary-searched lower bound of that and stops at the
 * first sample starting at or after END. O(log n + k), plus the samples
 * within max_dur_ns before START that do not reach it. */
GPtrArray *ring_read_range(ring *r, gint64 start_ns, gint64 end_ns)
{
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)rs_sample_unref);
	rs_sample *s;

	if (start_ns >= end_ns)
		return out;

	g_mutex_lock(&r->lock);
	for (guint i = ring_lower_bound(r, sat_sub(start_ns, r->max_dur_ns)); i < r->n; i++) {
		s = *ring_at(r, i);
		if (s->t_ns >= end_ns)
			break;
		if (sample_overlaps(s, start_ns, end_ns))
			g_ptr_array_add(out, rs_sample_ref(s));
	}
	g_mutex_unlock(&r->lock);
	return out;
}

gint64 ring_high_water(ring *r)
{
	gint64 hw;

	g_mutex_lock(&r->lock);
	hw = r->high_water_ns;
	g_mutex_unlock(&r->lock);
	return hw;
}

void ring_get_stats(ring *r, struct ring_stats *out)
{
	g_mutex_lock(&r->lock);
	out->pushed = r->pushed;
	out->aged_out = r->aged_out;
	out->overflow = r->overflow;
	out->late_dropped = r->late_dropped;
	out->future_dropped = r->future_dropped;
	out->bytes = r->bytes;
	out->samples = r->n;
	out->oldest_ns = r->n ? (*ring_at(r, 0))->t_ns : 0;
	out->newest_ns = r->n ? (*ring_at(r, r->n - 1))->t_ns : 0;
	out->high_water_ns = r->high_water_ns;
	g_mutex_unlock(&r->lock);
}

const char *ring_name(const ring *r)
{
	return r->name;
}
