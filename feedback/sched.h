/* The scheduler: which reviewer labels which window, and by when. Windows
 * wait in a bounded queue per group; each is offered to one reviewer at a
 * time with a deadline; a missed deadline reoffers it to another reviewer
 * until max_attempts, then it expires with a record. A reviewer works on
 * one started task at a time; more offered windows are held (prefetched)
 * with their clock stopped until the current one ends. Nothing here
 * touches sockets or Redis: the owner does that through struct sched_ops. */
#pragma once

#include <glib.h>

#include "daemon/config.h"
#include "streams/window.h"

typedef struct sched sched;
typedef struct sched_reviewer sched_reviewer;

/* One window offered to one reviewer. Valid until sched_complete (or
 * sched_ambiguous, sched_skipped, sched_decline), the revoke callback, or
 * the reviewer leaving. */
struct sched_assignment {
	rs_window *window;
	GBytes *packed_window; /* wire_pack_window(window), shared */
	sched_reviewer *reviewer;
	guint attempt;       /* 1 for the first offer */
	gint64 assigned_ns;  /* wall clock: when its clock started (offered, or unheld) */
	gint64 deadline_ns;  /* wall clock; 0 while held */
	gboolean held;       /* prefetched: waits behind the reviewer's current task */
	guint extensions;    /* times sched_extend granted more time */
	gboolean publishing; /* a label is on its way to Redis: the deadline is paused */
	gint64 publish_started_ns;
};

/* Why a window left without a label. */
struct sched_expiry {
	const rs_window *window;
	guint attempts;
	const char *const *reviewers; /* NULL-terminated, in offer order */
	const char *reason; /* "deadline", "declined", "unassigned", "queue_full",
			     * "too_large", "shutdown", "ambiguous" */
};

struct sched_ops {
	/* Send the task to the reviewer's connection (a->held: without a
	 * deadline; its clock starts with the start callback). */
	void (*offer)(void *conn, const struct sched_assignment *a, void *user);
	/* Tell the reviewer the window is no longer theirs. */
	void (*revoke)(void *conn, const char *window_id, const char *reason, void *user);
	/* Publish an Expired record. */
	void (*expired)(const struct sched_expiry *e, void *user);
	/* A held task started: tell the reviewer its deadline. */
	void (*start)(void *conn, const struct sched_assignment *a, void *user);
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

/* A reviewer connection that can take CAPACITY windows at a time: one
 * started, the others held. CONN is handed back in the ops callbacks. */
sched_reviewer *sched_reviewer_join(sched *s, const char *reviewer_id, void *conn, guint capacity,
				    gint64 now_ns);
/* Same, for a reviewer signed in with ROLE. Only experts are offered a
 * window flagged ambiguous in a group with ambiguous_to = expert. */
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
/* A label flagged ambiguous was stored: the window is offered again to
 * someone who has not had it (only experts when the group's ambiguous_to
 * says so), without using an attempt; after the group's max_ambiguous
 * such flags it expires as "ambiguous". Frees A. */
void sched_ambiguous(sched *s, struct sched_assignment *a, gint64 now_ns);
/* A label flagged skip was stored: as sched_decline (an attempt is used;
 * the last one expires as "declined"). Frees A. */
void sched_skipped(sched *s, struct sched_assignment *a, gint64 now_ns);
/* More time for the started task A: its deadline moves by the group's
 * extend_ns. FALSE, with REASON (for the reviewer), when the group allows
 * none, none are left, A is held or its time is up. */
gboolean sched_extend(sched *s, struct sched_assignment *a, gint64 now_ns, char *reason,
		      gsize reason_len);
/* Extensions A may still ask for. */
guint sched_extensions_left(const struct sched_assignment *a);

/* Deadlines and queue timeouts. O(assigned), plus O(waiting) on the ticks
 * when a queue timeout may be due. */
void sched_tick(sched *s, gint64 now_ns);

struct sched_stats {
	guint waiting;
	guint assigned; /* held included */
	guint held;     /* O(assigned) to count */
	guint reviewers;
	guint64 offered, completed, reoffered, declined;
	guint64 ambiguous, skipped, extended; /* flags stored, extensions granted */
	guint64 expired_deadline, expired_declined, expired_unassigned, expired_queue_full;
	guint64 expired_too_large, expired_shutdown, expired_ambiguous;
};
void sched_get_stats(const sched *s, struct sched_stats *out);
