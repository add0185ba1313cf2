/* What ringside-load reads of a Task, straight from a ServerMessage's
 * bytes. Unpacking the message whole decodes every sample of the window
 * into allocations, most of this tool's own work per label; the tool
 * needs five numbers and two strings. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct task_view {
	const char *window_id; /* not NUL-terminated: window_id_len bytes */
	size_t window_id_len;
	int64_t window_end_ns;
	bool has_window;
	const char *class0; /* the template's first class, or NULL */
	size_t class0_len;
	int64_t deadline_ns;
	uint32_t time_box_ms;
	uint32_t attempt;
};

/* Whether DATA (LEN bytes) is a ServerMessage holding a Task. */
bool task_view_is_task(const uint8_t *data, size_t len);

/* Fills V from the ServerMessage{task} in DATA; false when the bytes are
 * not well-formed protobuf (a truncated field, a bad wire type). Fields
 * the tool does not read are skipped unchecked. */
bool task_view_parse(const uint8_t *data, size_t len, struct task_view *v);
