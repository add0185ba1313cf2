/* The main loop's poll step on epoll: GLib hands its whole GPollFD array
 * to poll(2) on every turn, which costs the kernel one visit per socket
 * (every reviewer connection is a GSource of its own). This keeps an
 * epoll set in step with that array instead, so a turn costs the kernel
 * O(ready) and one epoll_ctl per descriptor whose interest changed. */
#pragma once

#include <glib.h>

/* Makes CTX (NULL: the default context) poll through epoll. One context
 * per process; call from the thread that iterates it. Returns FALSE with
 * ERR when epoll is not available (the context keeps g_poll). */
gboolean loop_epoll_install(GMainContext *ctx, GError **err);
/* Gives CTX its g_poll back and closes the epoll set. */
void loop_epoll_uninstall(GMainContext *ctx);
/* Says FD is a new descriptor (just accepted or connected): a number the
 * set may still remember from a socket closed in the same turn. O(1). */
void loop_epoll_fd_new(int fd);
