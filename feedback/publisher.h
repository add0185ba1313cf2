/* Publishing to Redis Streams: XADD on hiredis's async API, driven by the
 * GLib main loop. Reconnects by itself; a request made while Redis is
 * unreachable fails at once (the caller tells the reviewer to retry). */
#pragma once

#include <glib.h>

typedef struct publisher publisher;

struct publisher_conf {
	const char *host;
	guint16 port;
	guint64 maxlen;        /* XADD MAXLEN ~ maxlen; 0 = no trimming */
	guint max_inflight;    /* requests awaiting a reply, at most */
	const char *user;      /* AUTH user password (Redis 6 ACL); NULL: AUTH password */
	const char *password;  /* NULL: no AUTH */
};

/* Called on the main loop once per publisher_xadd. STREAM_ID is the entry
 * id Redis gave ("1700000000000-0") or NULL with ERRSTR saying why
 * (not connected, Redis error text, too many in flight, shutdown). */
typedef void (*publisher_done_fn)(const char *stream_id, const char *errstr, void *user);

/* Connects in the background; never fails for an absent server. */
publisher *publisher_new(const struct publisher_conf *conf, GMainContext *ctx);
/* Every pending callback is called with an error before it returns. */
void publisher_free(publisher *p);

/* XADD STREAM MAXLEN ~ N * f1 v1 f2 v2 ... ; N_FIELDS pairs, values are
 * binary-safe with lengths in VLENS. Copies what it needs before it
 * returns. DONE is always called exactly once, possibly before this
 * returns when the request cannot be sent. */
void publisher_xadd(publisher *p, const char *stream, guint n_fields, const char *const *fields,
		    const char *const *values, const gsize *vlens, publisher_done_fn done, void *user);

gboolean publisher_connected(const publisher *p);
/* Waits (iterating CTX) until no request is in flight or TIMEOUT_MS has
 * passed. For shutdown: finish in-flight publishes. */
void publisher_drain(publisher *p, guint timeout_ms);
void publisher_metrics_append(publisher *p, GString *out);
