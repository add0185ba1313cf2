/* Label validation: what a reviewer submits is checked against the window
 * it was given and the group's template before anything is published. */
#pragma once

#include <glib.h>

#include "ringside.pb-c.h"
#include "streams/window.h"

/* Longest label id accepted (a UUID is 36). */
#define LABEL_ID_MAX 64

/* Checks LABEL against WINDOW (its group's template and span). Returns
 * TRUE, or FALSE with REASON (at most REASON_LEN bytes, NUL-terminated)
 * naming the field and why, e.g. "classes[1]: \"cat\" is not a class of
 * group robot1". O(classes x template). */
gboolean label_validate(const Ringside__V1__Label *label, const rs_window *window, char *reason,
			gsize reason_len);
