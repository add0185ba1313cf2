/* Crash recovery of windows: a small file in the spool directory lists the
 * windows that are waiting or assigned, so that after a crash each of them
 * can be expired with reason "crashed" instead of silently vanishing.
 * Written atomically (temp file, fsync, rename), coalesced to at most five
 * writes a second. */
#pragma once

#include <glib.h>

typedef struct recovery recovery;

/* One open window as the list keeps it. */
struct recovery_window {
	char *id;
	char *group;
	gint64 start_ns, end_ns;
	guint attempts;       /* offers recorded */
	GPtrArray *reviewers; /* char *, who was offered it, in order */
};

/* Reads DIR/windows as the previous run left it: those windows are
 * returned by recovery_take_crashed and stay listed until closed. Writes
 * run as timers on CTX (NULL: the default context). Returns NULL with ERR
 * when DIR cannot be written. */
recovery *recovery_new(const char *dir, GMainContext *ctx, GError **err);
/* Writes the list now if it changed, and frees. NULL is fine. */
void recovery_free(recovery *r);

/* The windows the previous run left open, oldest first (copies; free the
 * array with g_ptr_array_unref). Empty after the first call. */
GPtrArray *recovery_take_crashed(recovery *r);

/* A window is waiting for a reviewer. O(1). */
void recovery_window_open(recovery *r, const char *id, const char *group, gint64 start_ns,
                          gint64 end_ns);
/* The window was offered to REVIEWER. O(1). */
void recovery_window_offered(recovery *r, const char *id, const char *reviewer);
/* The window's label or Expired record is stored: it leaves the list. O(1). */
void recovery_window_closed(recovery *r, const char *id);

/* Writes the list now if it changed (temp file, fsync, rename). */
void recovery_flush(recovery *r);
/* Windows listed now. */
guint recovery_count(const recovery *r);
