/* Test entry points of feedback/review.c: a reviewer connection without a
 * socket, fed whole client messages, its replies read back. For unit tests
 * and fuzzing only; ringsided does not call these. */
#pragma once

#include <glib.h>

#include "feedback/review.h"

struct conn;

/* A new connection of RV, as if a websocket had just been accepted (no
 * hello yet). Free it with review_test_conn_free before RV. */
struct conn *review_test_conn_new(review *rv);
/* Handles DATA (LEN bytes) as one whole ClientMessage from C, exactly as a
 * websocket message is handled. */
void review_test_conn_message(struct conn *c, const guint8 *data, gsize len);
/* The oldest queued server message (a packed GBytes, see wire.h; caller
 * owns it), or NULL when nothing is queued. */
GBytes *review_test_conn_pop(struct conn *c);
/* TRUE once the daemon has decided to close C. */
gboolean review_test_conn_closing(const struct conn *c);
/* As if the socket closed: its windows are given back, C is freed. */
void review_test_conn_free(struct conn *c);
