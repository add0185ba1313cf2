/* Reads the pre-annotation stream from Redis (XREAD BLOCK on hiredis's
 * async API, on the GLib main loop) and hands each entry's `pb` field to
 * a preannot store. Its own connection, apart from the publisher's, so a
 * blocked read never holds up a label. Reconnects by itself. */
#pragma once

#include <glib.h>

#include "feedback/preannot.h"

typedef struct preannot_reader preannot_reader;

struct preannot_reader_conf {
	const char *host;
	guint16 port;
	const char *stream;   /* the key models XADD to */
	const char *user;     /* AUTH user password (Redis 6 ACL); NULL: AUTH password */
	const char *password; /* NULL: no AUTH */
};

/* Connects in the background and reads until freed; conf is copied, PA is
 * borrowed and must outlive the reader. The first connection reads only
 * entries added after it (the stream's last id then); a reconnection goes
 * on from the last entry read. A NULL CTX means the default context.
 * Never NULL. */
preannot_reader *preannot_reader_new(const struct preannot_reader_conf *conf, preannot *pa,
                                     GMainContext *ctx);
/* Closes the connection; PA is not touched again. */
void preannot_reader_free(preannot_reader *r);

gboolean preannot_reader_connected(const preannot_reader *r);

/* Appends, as bare sample lines:
 *   ringside_preannotations_connected        1 while reading the stream, else 0
 *   ringside_preannotations_entries_total    stream entries read
 *   ringside_preannotations_reconnects_total connections re-established after a loss */
void preannot_reader_metrics_append(preannot_reader *r, GString *out);
