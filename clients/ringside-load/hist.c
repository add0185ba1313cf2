/* Log-linear latency histograms; see hist.h. */
#include "hist.h"

#include <math.h>

/* The bucket of US. */
static unsigned hist_index(uint64_t us)
{
	unsigned e;

	if (us < HIST_EXACT)
		return (unsigned)us;
	e = 63 - (unsigned)__builtin_clzll(us); /* >= 8 */
	if (e > HIST_MAX_EXP)
		return HIST_BUCKETS - 1;
	return HIST_EXACT + (e - 8) * (1u << HIST_SUB_BITS) +
	       (unsigned)((us >> (e - HIST_SUB_BITS)) - (1u << HIST_SUB_BITS));
}

/* The middle of bucket I, in microseconds. */
static uint64_t hist_value(unsigned i)
{
	unsigned e, m;
	uint64_t lo, width;

	if (i < HIST_EXACT)
		return i;
	e = (i - HIST_EXACT) / (1u << HIST_SUB_BITS) + 8;
	m = (i - HIST_EXACT) % (1u << HIST_SUB_BITS) + (1u << HIST_SUB_BITS);
	lo = (uint64_t)m << (e - HIST_SUB_BITS);
	width = 1ull << (e - HIST_SUB_BITS);
	return lo + width / 2;
}

void hist_add(struct hist *h, uint64_t us)
{
	h->bucket[hist_index(us)]++;
	h->count++;
	if (us > h->max_us)
		h->max_us = us;
}

uint64_t hist_percentile(const struct hist *h, double p)
{
	uint64_t rank, seen = 0;
	uint64_t v;

	if (!h->count)
		return 0;
	rank = (uint64_t)ceil(p / 100.0 * (double)h->count);
	if (rank < 1)
		rank = 1;
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		seen += h->bucket[i];
		if (seen >= rank) {
			v = hist_value(i);
			return v > h->max_us ? h->max_us : v;
		}
	}
	return h->max_us;
}
