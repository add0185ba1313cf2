/* The relay: every entry bound for Redis passes here. With a spool, an
 * entry Redis cannot take right now (not connected, an error, too many in
 * flight) is appended to the spool instead and reported stored once it is
 * fsync'd; the spool is replayed in order whenever Redis is connected, and
 * while it holds records new entries queue behind them. Without a spool it
 * is the publisher alone. Rules: docs/spool.md. */
#pragma once

#include <glib.h>

#include "feedback/publisher.h"
#include "feedback/spool.h"
#include "feedback/spool_entry.h"

/* The STREAM_ID a done gets for an entry that went to the spool. */
#define RELAY_SPOOLED "spooled"

typedef struct relay relay;

/* PUB and SP (NULL: no spool) are borrowed. Free the publisher first (its
 * pending callbacks come here), then the relay, then the spool. */
relay *relay_new(publisher *pub, spool *sp);
void relay_free(relay *r);

/* XADD STREAM ... like publisher_xadd, with the entry's ID (a label_id, or
 * "expired:<window_id>") kept with it in the spool. DONE gets the Redis
 * entry id, RELAY_SPOOLED once the spool has it on disk, or NULL and the
 * reason when neither could take it. Copies what it needs. */
void relay_xadd(relay *r, const char *id, const char *stream, guint n_fields,
                const char *const *fields, const char *const *values, const gsize *vlens,
                publisher_done_fn done, void *user);

/* Drives the replay: when Redis is connected and the spool holds records,
 * keeps up to a window of the oldest in flight. Call from a timer; replies
 * top the window up by themselves. O(window). */
void relay_tick(relay *r);

/* The spool's sample lines, when there is a spool. */
void relay_metrics_append(relay *r, GString *out);
