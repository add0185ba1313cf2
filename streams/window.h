/* Window cutting: per group, [start, end) on the one timeline with every
 * sample of every source inside it. A window is cut once every source has
 * delivered data past its end, or the lateness bound has passed (then the
 * late sources are marked incomplete). */
#pragma once

#include <glib.h>

#include "daemon/config.h"
#include "streams/ring.h"

enum rs_window_reason {
	RS_REASON_PERIODIC = 1, /* values match ringside.v1.WindowReason */
	RS_REASON_SAMPLED = 2,
	RS_REASON_REQUESTED = 3,
	RS_REASON_TRIGGERED = 4,
};

/* Gaps recorded per source and window, at most; further gaps are merged
 * into the last one recorded (its end moves to theirs). */
#define RS_WINDOW_MAX_GAPS 256

/* A stretch [start_ns, end_ns) of a window with no data from a source. */
struct rs_gap {
	gint64 start_ns, end_ns;
};

/* One source's part of a window.
 *
 * Gaps, worked out when the window is cut (O(samples)):
 * - video and audio: each sample covers [t, t + dur). Any stretch of
 *   [start, end) covered by no sample is a gap when it is longer than half
 *   the duration of the sample after it (a frame period for video, 10 ms
 *   for 20 ms audio chunks), or of the last sample for the stretch up to
 *   the window's end.
 * - sensors (readings of no duration): the stretches between the window's
 *   start, each reading and the window's end; one is a gap when it is
 *   longer than max(3 x the median interval between readings in the
 *   window, 20 ms). A gap runs from the reading before to the one after.
 * - a source with no sample in the window has one gap: the whole window.
 * - an incomplete source always has a trailing gap from the end of its
 *   data to the window's end, whatever its length.
 * coverage = 1 - (sum of all gaps, merged ones included) / window length. */
struct rs_window_source {
	const struct rs_source_conf *conf;
	GPtrArray *samples; /* rs_sample *, oldest first, refs held */
	gboolean complete;
	GArray *gaps;    /* struct rs_gap in time order, <= RS_WINDOW_MAX_GAPS; may be NULL */
	double coverage; /* 0..1 */
};

/* One cut window. Refcounted: the scheduler, the encoder and the label
 * path may all hold it. Immutable once the cutter's callback has handed it
 * on; only that callback, before handing it on, attaches pre-annotations
 * (feedback/preannot.h). */
typedef struct rs_window {
	gint ref;
	char *id; /* "<group>:<start_ns>" */
	const struct rs_group_conf *group;
	gint64 start_ns, end_ns;
	enum rs_window_reason reason;
	struct rs_window_source *sources;
	guint n_sources;
	gboolean complete;
	gint64 cut_ns; /* wall time it was cut */

	/* A model's pre-annotations (ringside.v1.PreAnnotation, packed, each a
	 * GBytes), attached by preannot_attach in the cutter's callback, before
	 * the window is first packed for the wire; NULL when there are none.
	 * Freed with the window. */
	GPtrArray *preannotations;
	guint preannotation_items; /* items in all of them (label_count_items) */
} rs_window;

rs_window *rs_window_ref(rs_window *w);
void rs_window_unref(rs_window *w);

typedef struct cutter cutter;
/* Called on the main loop for each new window; the callee takes a ref if
 * it keeps it. */
typedef void (*cutter_window_fn)(rs_window *w, void *user);

/* RINGS[i] belongs to GROUP->sources[i] (borrowed). Windows start at the
 * first multiple of every_ns after START_NS. */
cutter *cutter_new(const struct rs_group_conf *group, ring **rings, gint64 start_ns,
                   cutter_window_fn fn, void *user);
void cutter_free(cutter *c);
/* Cuts every window that is ready at NOW_NS (wall clock). Returns how
 * many were cut. Cheap when nothing is ready: one high-water read per
 * source. The daemon calls it from a timer. */
guint cutter_poll(cutter *c, gint64 now_ns);
/* Windows whose data had already left the rings when they became due. */
guint64 cutter_skipped(const cutter *c);

/* Fills WS->gaps (a new array) and WS->coverage from WS->samples for the
 * window [START_NS, END_NS), by the rules above WS's struct. WS->conf gives
 * the kind and WS->complete whether a trailing gap is forced. Replaces
 * gaps already there. O(samples) (expected, for the sensor median). */
void rs_window_source_gaps(struct rs_window_source *ws, gint64 start_ns, gint64 end_ns);
