/* The reviewer protocol (websocket subprotocol "ringside.v1"): hello with
 * a token, tasks pushed, labels submitted, validated, published to Redis
 * and acknowledged only once Redis (or the spool, review_set_durable) has
 * them. */
#pragma once

#include <glib.h>
#include <libwebsockets.h>

#include "daemon/config.h"
#include "feedback/publisher.h"
#include "feedback/recovery.h"
#include "feedback/relay.h"
#include "streams/window.h"

typedef struct review review;

/* CFG and PUB are borrowed and must outlive it. */
review *review_new(const struct rs_config *cfg, publisher *pub);
/* Durable publishing (docs/spool.md): labels and Expired records go
 * through RL, so an ack means Redis or the spool has the label (the Ack's
 * stream_id is then "spooled"), and open windows are listed in REC (NULL:
 * not listed). Publishes an Expired{reason:"crashed"} for each window REC
 * found left open by the previous run. Both borrowed; call once, right
 * after review_new. Free RV after the relay's pending callbacks ran. */
void review_set_durable(review *rv, relay *rl, recovery *rec);
/* Expires what is still waiting or assigned ("shutdown") and drops the
 * scheduler; labels answered by Redis afterwards are only logged. */
void review_expire_all(review *rv);
/* Frees. Call after the publisher is freed (its callbacks point here)
 * and after the lws context is destroyed. */
void review_free(review *rv);

/* The lws protocol entry for "ringside.v1" (its user pointer is RV). */
struct lws_protocols review_protocol(review *rv);

/* A newly cut window (callback of the cutter). Takes a ref. */
void review_add_window(rs_window *w, void *rv);
/* Deadlines and queue timeouts; the daemon calls it from its timer. */
void review_tick(review *rv);
/* Refuses new connections from now on and closes every connection with
 * 1001 "shutdown" once its queued messages are out. Returns how many
 * connections are still open. */
guint review_close_all(review *rv);
guint review_connections(const review *rv);
void review_metrics_append(review *rv, GString *out);
