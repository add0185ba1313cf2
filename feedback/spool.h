/* The spool: an append-only, crash-safe queue of records on disk, for
 * what Redis cannot take right now. Records are framed with a length and a
 * CRC-32C in segment files; appends made during one main-loop iteration
 * share one fsync; a bounded total size; replayed oldest first from a
 * persisted read position. Layout and rules: docs/spool.md. */
#pragma once

#include <glib.h>

typedef struct spool spool;

struct spool_conf {
	const char *dir;       /* created when missing; one daemon per directory */
	guint64 max_bytes;     /* segment files on disk, at most */
	guint64 segment_bytes; /* a new segment is started past this */
};

/* A place in the spool: a segment number and a byte offset in it, always
 * at a record boundary. Plain data, compared and copied freely. */
struct spool_cursor {
	guint64 seg;
	guint64 off;
};

/* Called once per spool_append on the main loop: OK once the record is on
 * disk and fsync'd, else ERRSTR says why (spool full, write or fsync
 * failed, shutting down). ERRSTR is valid only during the call. */
typedef void (*spool_done_fn)(gboolean ok, const char *errstr, void *user);

/* Opens (creating it if needed) the spool in CONF->dir and locks it: scans
 * every segment from the read position, truncates a torn tail (a partial or
 * damaged last record left by a crash, logged and counted) and counts what
 * is left to replay. Costs one read of the unreplayed bytes. Group commits
 * run as idle sources on CTX (NULL: the default context). Returns NULL with
 * ERR naming the directory and the reason. */
spool *spool_new(const struct spool_conf *conf, GMainContext *ctx, GError **err);
/* Flushes what is pending (calling every done), saves the read position and
 * closes. NULL is fine. */
void spool_free(spool *s);

/* Appends PAYLOAD (any bytes; the relay stores packed entries, see
 * spool_entry.h) after everything appended before. The bytes are written at
 * once; DONE is called after the group commit's fsync, or before this
 * returns when the record is refused: the spool is full (it never makes
 * room by dropping what it holds) or broken after a disk error.
 * O(payload); PAYLOAD is not kept. */
void spool_append(spool *s, GBytes *payload, spool_done_fn done, void *user);
/* Runs the pending group commit now (fsync, then every done in order). */
void spool_flush(spool *s);

/* Records appended and not yet consumed (including those still waiting for
 * their fsync). While it is non-zero new records must go to the spool too,
 * or the order of entries would change. O(1). */
guint64 spool_records(const spool *s);
/* FALSE once a failed fsync (or a write that could not be undone) has
 * broken the spool: it refuses appends until a restart. */
gboolean spool_ok(const spool *s);
/* The oldest record not consumed yet. */
struct spool_cursor spool_head(const spool *s);
/* Reads the durable (fsync'd) record at *CUR into *PAYLOAD (new ref) and
 * moves CUR past it. A cursor behind the head is moved to the head first.
 * Damaged bytes (a bad CRC) are skipped up to the next good record, logged
 * and counted. Returns 1 with a record, 0 at the durable end, -1 on a read
 * error (logged). O(record), one pread or two. */
int spool_read(spool *s, struct spool_cursor *cur, GBytes **payload);
/* Everything before UPTO (a cursor spool_read returned) has reached Redis:
 * moves the head there, counts N records replayed, deletes segments left
 * behind, and saves the position (coalesced, at most ten times a second;
 * at once before a segment file is deleted). */
void spool_consume(spool *s, const struct spool_cursor *upto, guint n);

/* Bytes of segment files on disk (what max_bytes bounds). O(1). */
guint64 spool_bytes(const spool *s);
/* Appends the ringside_spool_* sample lines (docs/operations.md). */
void spool_metrics_append(const spool *s, GString *out);
