/* Internal to feedback/review*.c: the state of a review and of its
 * connections, and the helpers the files call. */
#pragma once

#include <glib.h>
#include <libwebsockets.h>

#include "feedback/auth.h"
#include "feedback/review.h"
#include "feedback/sched.h"
#include "ringside.pb-c.h"

#define CLOSE_REASON_MAX 100
#define FRAGMENT_BYTES (64 * 1024) /* largest websocket fragment written */
#define FLUSH_BYTES (64 * 1024)    /* most bytes of whole messages written at once */
#define OUT_BUF_BYTES MAX(FRAGMENT_BYTES, FLUSH_BYTES)
#define RECENT_LABELS 4096 /* label ids remembered for idempotent replays */
#define RS_FLAG_KINDS 4 /* ringside.v1.FlagKind values 0..3 */

/* One of these per websocket connection (lws per-session data). */
struct conn {
	struct lws *wsi;
	review *rv;
	guint64 serial;
	char *reviewer_id; /* set by a good hello */
	sched_reviewer *sr;
	GByteArray *rx; /* a message being reassembled from fragments */
	gboolean rx_overflow;
	GQueue outq;         /* GBytes *, packed server messages */
	gsize out_off;       /* bytes of the head message already sent */
	gsize out_bytes;     /* bytes queued, for the cap */
	int close_code;      /* non-zero: close once the queue is out */
	gboolean close_sent; /* our close frame is out: the peer's reply ends it */
	gboolean deaf;       /* closing for what it sent: its messages are dropped */
	gboolean dropped;    /* queue overflowed or socket failed: reaped next turn */
	gboolean flush_queued; /* in review.flushq: written at the end of the turn */
	char close_reason[CLOSE_REASON_MAX];
	struct auth_identity id; /* who the hello's token said; valid with reviewer_id */
	double rate_tokens;      /* message rate limit: a token bucket */
	gint64 rate_us;          /* monotonic time of the last refill */
};

struct review {
	const struct rs_config *cfg;
	publisher *pub;
	relay *relay;  /* NULL: straight to the publisher (review_set_durable) */
	recovery *rec; /* NULL: open windows are not listed on disk */
	sched *sched;
	GHashTable *conns; /* serial -> struct conn * */
	guint64 next_serial;
	GHashTable *recent;   /* label_id -> struct recent *, owning them: labels on
	                       * their way to Redis and the recently stored */
	struct recent *recent_ring[RECENT_LABELS]; /* the values of recent, a ring */
	guint recent_next;    /* the ring's oldest slot, next to be reused */

	gboolean stopping; /* no new connections; set by review_close_all */
	guint reap_id;     /* idle source reaping dropped connections */
	GHashTable *templates; /* struct rs_group_conf * -> its packed LabelTemplate */
	GArray *flushq;    /* serials of connections with messages to write */
	guint8 *out_buf;   /* LWS_PRE + OUT_BUF_BYTES: the bytes of one lws_write, for
	                    * every connection (lws copies what a socket leaves) */
	GSource *flush_src; /* runs review_flush before each main-loop poll */
	guint64 bad_messages, labels_ok, labels_invalid, labels_failed, auth_failures;
	guint64 send_overflow, expired_published, expired_lost, messages_in;
	auth *auth;
	gint64 recheck_us; /* monotonic time of the last token re-check */
	guint64 origin_refused, rate_limited;
	guint64 auth_refused[AUTH_N_RESULTS];
	guint64 extends_granted, extends_refused;
	guint64 flags_stored[RS_FLAG_KINDS]; /* stored labels by Flag.kind (NONE unused) */
};

static inline gint64 now_ns(void)
{
	return g_get_real_time() * 1000;
}

/* review_conn.c */

/* Queues MSG (taken) for C; over the send queue's cap C is closed. */
void conn_send(struct conn *c, GBytes *msg);
/* Queues an Error (CODE, MESSAGE; LABEL_ID and WINDOW_ID may be NULL). */
void conn_error(struct conn *c, const char *code, const char *message, const char *label_id,
                const char *window_id);
/* Asks lws for a writable callback (none for a connection without a socket). */
void conn_want_write(struct conn *c);
/* Sends what is queued, then closes with CODE and REASON. */
void conn_close_after(struct conn *c, int code, const char *reason);
/* Drops what is queued, closes with CODE and REASON, ignores C's messages. */
void conn_close_now(struct conn *c, int code, const char *reason);
/* The writable callback: the next batch or fragment, or the close frame
 * once the queue is out. Returns -1 to have lws close the connection. */
int conn_writeable(struct conn *c);
/* Writes what this turn queued for each connection (see conn_send). */
void review_flush(review *rv);

/* review_publish.c */

/* A Submit from C: validate, publish, ack once Redis has it. */
void handle_submit(struct conn *c, Ringside__V1__Label *l);
/* Publishes EX (filled in but for expired_ns) to the expired stream. */
void publish_expired(review *rv, Ringside__V1__Expired *ex);
