/* Latency histograms of bounded size: exact below 256 µs, then 128 steps
 * per power of two (under 0.8 % error), so a run of any length costs the
 * same memory and a percentile is one pass over the buckets. */
#pragma once

#include <stdint.h>

#define HIST_EXACT 256  /* values below this have a bucket each */
#define HIST_SUB_BITS 7 /* 2^7 buckets per power of two above it */
#define HIST_MAX_EXP 40 /* values up to 2^41 µs (25 days) */
#define HIST_BUCKETS (HIST_EXACT + (HIST_MAX_EXP - 8 + 1) * (1 << HIST_SUB_BITS))

/* One distribution of durations in microseconds. Zero-initialised is
 * empty. */
struct hist {
	uint64_t count;
	uint64_t max_us;
	uint64_t bucket[HIST_BUCKETS];
};

/* Counts one value; values past the range land in the last bucket (max_us
 * stays exact). O(1). */
void hist_add(struct hist *h, uint64_t us);
/* The value below which P percent (0..100) of the values lie, as the
 * middle of its bucket, in microseconds; 0 when empty. O(buckets). */
uint64_t hist_percentile(const struct hist *h, double p);
