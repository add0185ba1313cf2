/* A source's recent past: samples ordered by capture time, bounded by age,
 * bytes and count. Pushed from GStreamer streaming threads, read from the
 * main loop; one mutex per ring. */
#pragma once

#include <glib.h>

/* One video frame (JPEG), audio chunk (S16LE mono PCM) or sensor reading
 * (float32 per channel, host order). Immutable once made; refcounted so a
 * window can hold it after the ring has dropped it. */
typedef struct rs_sample {
	gint64 t_ns;   /* capture time, UNIX ns */
	gint64 dur_ns; /* span it covers: 1/fps, the chunk's length, 0 */
	GBytes *data;
	gint ref; /* atomic */
} rs_sample;

/* Takes ownership of DATA. */
rs_sample *rs_sample_new(gint64 t_ns, gint64 dur_ns, GBytes *data);
rs_sample *rs_sample_ref(rs_sample *s);
void rs_sample_unref(rs_sample *s);

typedef struct ring ring;

struct ring_limits {
	gint64 max_ns;      /* keep samples newer than newest - max_ns */
	gsize max_bytes;    /* hard cap on bytes held: payload + sample_overhead each */
	guint max_samples;  /* hard cap on samples held */
	gsize sample_overhead; /* counted per sample on top of its payload */
};

/* What one sample costs besides its payload: the rs_sample, its GBytes and
 * three allocations' headers, rounded up. A sensor reading's payload is a
 * few dozen bytes, so without this a sensor ring would hold several times
 * its byte cap. */
#define RS_SAMPLE_OVERHEAD 128

struct ring_stats {
	guint64 pushed;
	guint64 aged_out;      /* left by age: the normal case */
	guint64 overflow;      /* evicted early by the byte or count cap */
	guint64 late_dropped;  /* older than everything held, or more than 1 s
				* behind the newest: refused */
	guint64 future_dropped; /* more than 10 s ahead of the wall clock: refused */
	gsize bytes;   /* payload + sample_overhead per sample */
	guint samples;
	gint64 oldest_ns, newest_ns; /* 0 when empty */
	gint64 high_water_ns; /* largest t_ns + dur_ns ever pushed */
};

ring *ring_new(const char *name, const struct ring_limits *limits);
void ring_free(ring *r);

/* Takes ownership of S. Keeps time order (a sample older than the newest
 * is inserted in place, O(distance from the tail), at most 1 s behind);
 * refuses samples from more than 10 s in the future; evicts the oldest
 * while over a limit. Thread-safe. */
void ring_push(ring *r, rs_sample *s);

/* Samples whose span [t, t + dur) overlaps [start, end) (a zero-length
 * sample: start <= t < end), oldest first, each with a reference taken.
 * The caller owns the array (g_ptr_array_unref frees it and the refs).
 * O(log n + k). Thread-safe. */
GPtrArray *ring_read_range(ring *r, gint64 start_ns, gint64 end_ns);

/* Largest t_ns + dur_ns pushed so far: the source has delivered up to
 * here. 0 before the first sample. Thread-safe. */
gint64 ring_high_water(ring *r);

void ring_get_stats(ring *r, struct ring_stats *out);
const char *ring_name(const ring *r);
