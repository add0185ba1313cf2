/* Wire encoding of what the daemon sends: server messages to reviewers and
 * records for Redis, all ringside.v1 protobuf. Every packed message is a
 * GBytes with LWS_PRE bytes of headroom in front (for lws_write); the
 * payload is g_bytes_get_data() + WIRE_PRE. */
#pragma once

#include <glib.h>

#include "ringside.pb-c.h"
#include "streams/window.h"

#define WIRE_PRE 16 /* >= LWS_PRE, checked in wire.c */

/* Packs W as a ringside.v1.Window (no headroom). Costs one pass over the
 * window's samples; callers cache the result. */
GBytes *wire_pack_window(const rs_window *w);

/* Group G's LabelTemplate, packed once for all its tasks. */
GBytes *wire_pack_template(const struct rs_group_conf *g);

/* A ServerMessage{task} around an already packed window (see
 * wire_pack_window) and template (wire_pack_template): their bytes are
 * copied once, not re-encoded. HELD: a prefetched task (deadline_ns 0,
 * time_box_ms the full box). */
GBytes *wire_pack_task(GBytes *packed_window, GBytes *packed_template, gint64 deadline_ns,
		       guint time_box_ms, guint attempt, gboolean held);

/* A ServerMessage{deadline}: a task's clock started or was extended. */
GBytes *wire_pack_deadline(const char *window_id, gint64 deadline_ns, guint time_box_ms,
			   guint extensions_left);

/* A ServerMessage holding MSG (any oneof case). */
GBytes *wire_pack_server(const Ringside__V1__ServerMessage *msg);

GBytes *wire_pack_error(const char *code, const char *message, const char *label_id,
			const char *window_id);

/* Payload pointer and length of a packed server message. */
static inline const guint8 *wire_payload(GBytes *b, gsize *len)
{
	gsize n;
	const guint8 *p = g_bytes_get_data(b, &n);

	*len = n - WIRE_PRE;
	return p + WIRE_PRE;
}
