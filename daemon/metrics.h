/* Prometheus text exposition: modules append plain sample lines in any
 * order; this groups them by metric family and adds HELP and TYPE. */
#pragma once

#include <glib.h>

/* Turns LINES ("name{labels} value\n" ...) into exposition text appended
 * to OUT: each family's lines together, in first-seen order, preceded by
 * "# HELP" and "# TYPE" (counter for *_total, else gauge). O(n log n). */
void metrics_format(const GString *lines, GString *out);
