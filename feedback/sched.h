/* The scheduler: which reviewer labels which window, and by when. Windows
 * wait in a bounded queue per group; each is offered to one reviewer at a
 * time with a deadline; a missed deadline reoffers it to another reviewer
 * until max_attempts, then it expires with a record. Nothing here touches
 * sockets or Redis: the owner does that through struct sched_ops. */
#pragma once

#include <glib.h>

#include "daemon/config.h"
#include "streams/window.h"

typedef struct sched sched;
typedef struct sched_reviewer sched_reviewer;

/* One window offered to one reviewer. Valid until sched_complete, the
 * revoke callback, or the reviewer leaving. */
struct sched_assignment {
	rs_window *window;
	GBytes *packed_window; /* wire_pack_window(window), shared */
	sched_reviewer *reviewer;
	guint attempt;       /* 1 for the first offer */
	gint64 assigned_ns;  /* wall clock */
	gint64 deadline_ns;  /* wall clock */
	gboolean publishing; /* a label is on its way to Redis: the deadline is paused */
	gint64 publish_started_ns;
};

/* Why a window left without a label. */
struct sched_expiry {
	const rs_window *window;
	guint attempts;
	const char *const *reviewers; /* NULL-terminated, in offer order */
	const char *reason; /* "deadline", "declined", "unassigned", "queue_full",
			     * "too_large", "shutdown" */
};

struct sched_ops {
	/* Send the task to the reviewer's connection. */
	void (*offer)(void *conn, const struct sched_assignment *a, void *user);
	/* Tell the reviewer the window is no longer theirs. */
	void (*revoke)(void *conn, const char *window_id, const char *reason, void *user);
	/* Publish an Expired record. */
	void (*expired)(const struct sched_expiry *e, void *user);
};

/* MAX_TASK_BYTES: a window whose packed size exceeds it can never be sent
 * (the per-connection send cap) and is expired at once as "too_large". */
sched *sched_new(const struct rs_config *cfg, gsize max_task_bytes, const struct sched_ops *ops,
		 void *user);
/* Expires every waiting and assigned window with reason "shutdown", except
 * those whose label is being published (logged: their fate is Redis's). */
void sched_free(sched *s);

/* A new window from a group's cutter; takes a ref. Offered at once when a
 * reviewer is free. */
void sched_add_window(sched *s, rs_window *w, gint64 now_ns);

/* A reviewer connection that can take CAPACITY windows at a time. CONN is
 * handed back in the ops callbacks. */
sched_reviewer *sched_reviewer_join(sched *s, const char *reviewer_id, void *conn, guint capacity,
				    gint64 now_ns);
/* Same, for a reviewer signed in with ROLE. The role is kept with the
 * reviewer (sched_reviewer_role) and does not change scheduling. */
sched_reviewer *sched_reviewer_join_as(sched *s, const char *reviewer_id, enum rs_role role,
				       void *conn, guint capacity, gint64 now_ns);
enum rs_role sched_reviewer_role(const sched_reviewer *r);
/* The connection is gone: its windows are reoffered at once (a window
 * whose label is being published stays until sched_complete). Frees R. */
void sched_reviewer_leave(sched *s, sched_reviewer *r, gint64 now_ns);
const char *sched_reviewer_id(const sched_reviewer *r);

/* The reviewer's current assignment for WINDOW_ID, or NULL. */
struct sched_assignment *sched_find(sched *s, sched_reviewer *r, const char *window_id);
/* A label for A is on its way to Redis: its deadline is paused. */
void sched_publish_started(sched *s, struct sched_assignment *a, gint64 now_ns);
/* The label was stored: the window is done. Frees A. */
void sched_complete(sched *s, struct sched_assignment *a, gint64 now_ns);
/* The label could not be stored: the deadline applies again, moved by the
 * time the publish took (and, if it has passed, the window moves on now). */
void sched_publish_failed(sched *s, struct sched_assignment *a, gint64 now_ns);
/* The reviewer gave the window back: reoffered to someone else. */
void sched_decline(sched *s, struct sched_assignment *a, gint64 now_ns);

/* Deadlines and queue timeouts. O(assigned), plus O(waiting) on the ticks
 * when a queue timeout may be due. */
void sched_tick(sched *s, gint64 now_ns);

struct sched_stats {
	guint waiting;
	guint assigned;
	guint reviewers;
	guint64 offered, completed, reoffered, declined;
	guint64 expired_deadline, expired_declined, expired_unassigned, expired_queue_full;
	guint64 expired_too_large, expired_shutdown;
};
void sched_get_stats(const sched *s, struct sched_stats *out);
