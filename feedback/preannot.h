/* Pre-annotations: a model's answers for stretches of a group's timeline
 * (ringside.v1.PreAnnotation), held per group until the window that
 * contains them is cut, then checked against it and attached, so reviewers
 * see them as a starting point. No I/O here: preannot_reader.c feeds it
 * from Redis, the daemon's window path calls preannot_attach.
 *
 * Which window: windows are periodic, [k * every, k * every + window) on
 * the UNIX timeline, cut in start order. A pre-annotation [s, e) goes to
 * the first window cut that contains it whole. It can no longer match once
 * a window starting after the last one that could hold it (the largest
 * multiple of every <= s) has been cut: it is then dropped as late.
 *
 * Memory: a waiting pre-annotation is kept packed (at most max_bytes), so
 * a group holds at most preannotations_max x max_bytes. */
#pragma once

#include <glib.h>

#include "daemon/config.h"
#include "streams/window.h"

typedef struct preannot preannot;

/* What became of one offered entry. Past PREANNOT_BUFFERED it was dropped,
 * counted and (rate-limited) logged with its entry id. */
enum preannot_result {
	PREANNOT_BUFFERED = 0, /* waiting for its window */
	/* refused before a group is known */
	PREANNOT_TOO_LARGE,     /* packed, larger than max_bytes */
	PREANNOT_UNDECODABLE,   /* not a ringside.v1.PreAnnotation */
	PREANNOT_UNKNOWN_GROUP, /* names no group of this daemon */
	/* dropped, counted per group */
	PREANNOT_BAD_SPAN,  /* start_ns < 0 or end_ns <= start_ns */
	PREANNOT_NO_WINDOW, /* no window of the group can contain it whole */
	PREANNOT_LATE,      /* the windows that could hold it were already cut */
	PREANNOT_STALE,     /* its windows start before the group's rings: never cut */
	PREANNOT_FULL,      /* preannotations_max were waiting (0: the group takes none) */
	PREANNOT_INVALID,   /* label_validate_pre refused it for its window */
	PREANNOT_WINDOW_FULL, /* its window already carries max_bytes of pre-annotations */
	PREANNOT_N_RESULTS
};

/* GROUPS (N_GROUPS of them) are borrowed and must outlive the store.
 * MAX_BYTES caps one packed pre-annotation (the daemon passes
 * max_message_bytes: a pre-annotation is a label, and no reviewer may send
 * a larger one). START_NS is when the cutters start: their first windows
 * begin at the first multiple of every after it, so pre-annotations for
 * earlier windows are late. Never NULL. */
preannot *preannot_new(const struct rs_group_conf *groups, guint n_groups, gsize max_bytes,
                       gint64 start_ns);
void preannot_free(preannot *pa);

/* Offers one stream entry: DATA (LEN bytes, copied) should be a packed
 * PreAnnotation (NULL: the entry had no pb field); ENTRY_ID names it in
 * logs. NOW_NS is the wall clock.
 * When the group already holds preannotations_max, its oldest waiting one
 * is dropped (full) to make room. O(1), plus decoding. */
enum preannot_result preannot_offer(preannot *pa, const char *entry_id, const guint8 *data,
                                    gsize len, gint64 now_ns);

/* Call with every window of a group as it is cut, before the window is
 * handed on (packed, queued): takes every waiting pre-annotation of W's
 * group whose [start_ns, end_ns) lies inside W's, checks each with
 * label_validate_pre and appends the good ones to W->preannotations (and
 * their items to W->preannotation_items); bad ones are dropped (invalid).
 * Then drops those that can no longer match any later window (late).
 * Returns how many were attached. O(waiting in the group). */
guint preannot_attach(preannot *pa, rs_window *w);

/* Drops waiting pre-annotations whose only windows start more than the
 * group's shortest ring before NOW_NS (the cutter skips such windows: their
 * data is gone). Cheap to call often: works at most once a second. */
void preannot_tick(preannot *pa, gint64 now_ns);

/* Pre-annotations of GROUP waiting for their window (-1: no such group). */
gint preannot_waiting(const preannot *pa, const char *group);

/* Short name of a result, the reason label of the metrics ("late"). */
const char *preannot_result_name(enum preannot_result r);

/* Appends, as bare sample lines:
 *   ringside_preannotations_received_total{group}        decoded, naming the group
 *   ringside_preannotations_attached_total{group}        attached to a window
 *   ringside_preannotations_dropped_total{group,reason}  bad_span, no_window, late,
 *                                                        stale, full, invalid
 *   ringside_preannotations_waiting{group}               waiting for their window
 *   ringside_preannotations_refused_total{reason}        too_large, undecodable,
 *                                                        unknown_group */
void preannot_metrics_append(preannot *pa, GString *out);
