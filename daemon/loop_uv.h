/* A libuv loop driven by a GLib main context as one GSource, so that
 * libwebsockets can run on libuv: GLib then watches one descriptor (uv's
 * epoll set) however many reviewer sockets there are, instead of one
 * GSource per connection walked on every turn. */
#pragma once

#include <glib.h>
#include <uv.h>

/* One of these per process: the uv loop and the GSource that runs it. */
typedef struct loop_uv loop_uv;

/* A new uv loop whose work runs in CTX (NULL: the default context), at
 * G_PRIORITY_DEFAULT. NULL with ERR when uv cannot make its epoll set. */
loop_uv *loop_uv_new(GMainContext *ctx, GError **err);
/* The uv loop, for lws_context_creation_info.foreign_loops. */
uv_loop_t *loop_uv_loop(loop_uv *l);
/* Runs one non-blocking pass of the uv loop: what was closed before it
 * finishes closing (its close callback runs). */
void loop_uv_pass(loop_uv *l);
/* Runs the uv loop until every handle on it has closed (their close
 * callbacks reach their owners, which must still be alive), for at most
 * two seconds; then closes the loop and detaches the source. */
void loop_uv_free(loop_uv *l);
