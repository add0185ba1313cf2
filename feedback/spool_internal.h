/* What spool.c shares with spool_segment.c: the spool's state, the record
 * framing and the segment files. Not for other modules. */
#pragma once

#include "feedback/spool.h"

/* A record in a segment file ("00000000000000000001.seg"):
 *
 *   0        4        8        12                     12 + len
 *   +--------+--------+--------+----------------------+
 *   | "RSP1" |  len   | crc32c |   payload (len)      |
 *   +--------+--------+--------+----------------------+
 *             u32 LE   u32 LE over the len field and the payload
 *
 * The payload is opaque here (spool_entry.h packs the Redis entries).
 */
#define SPOOL_MAGIC "RSP1"
#define SPOOL_HDR 12                  /* magic, len, crc */
#define SPOOL_RECORD_MAX (256u << 20) /* a longer len field is damage */

/* One of these per reader (the open scan, the replay). Caches only bytes
 * below the durable end it was asked for: those never change again. */
struct rbuf {
	int fd; /* -1: none open */
	guint64 seg;
	guint8 *buf;
	gsize cap;
	guint64 base; /* file offset of buf[0] */
	gsize len;    /* valid bytes in buf */
};

/* One of these per segment file, oldest first; the last one takes appends. */
struct seg {
	guint64 no;
	guint64 size; /* bytes written */
};

/* One of these per spool directory; lives on one GMainContext. */
struct spool {
	char *dir;
	guint64 max_bytes, segment_bytes;
	GMainContext *ctx;
	int dirfd;
	int lockfd;

	GQueue segs;     /* struct seg *, oldest first */
	guint64 next_no; /* number of the next segment to create */
	int wfd;         /* the last segment, open for writing; -1 none */
	guint64 synced;  /* bytes of the last segment known to be on disk */
	GArray *waiting; /* struct waiter, in append order */
	GSource *commit; /* idle: the group commit */
	char *broken;    /* non-NULL: appends are refused, this says why */

	struct spool_cursor head; /* oldest record not consumed */
	gboolean head_dirty;      /* head moved since it was saved */
	GSource *save;            /* timer: save the head */
	struct rbuf rd;           /* the replay's reader */

	guint64 records; /* appended and not consumed */
	guint64 bytes;   /* sum of segment sizes */
	guint64 appended_total, replayed_total, full_total, torn_total;
	double fsync_seconds; /* the last group commit's fsync */
};

static inline struct seg *seg_last(const spool *s)
{
	return s->segs.tail ? s->segs.tail->data : NULL;
}

/* CRC-32C: spool_crc_init once before the first spool_crc32c. */
void spool_crc_init(void);
guint32 spool_crc32c(guint32 crc, const guint8 *p, gsize n);

void spool_rbuf_close(struct rbuf *rb);
void spool_rbuf_free(struct rbuf *rb);
/* The record at OFF below END: 1 good (*PAYLOAD, *LEN), 0 damaged, -1 read
 * error (*ERRNUM). */
int spool_rec_check(struct rbuf *rb, guint64 off, guint64 end, const guint8 **payload, guint32 *len,
                    int *errnum);
/* The next good record after FROM, or END. */
guint64 spool_rec_resync(struct rbuf *rb, guint64 from, guint64 end, int *errnum);

/* Segment NO opened at s->dirfd with FLAGS (| O_CLOEXEC, mode 0600). */
int spool_seg_open(spool *s, guint64 no, int flags);
/* Fills s->segs from the directory, oldest first. */
gboolean spool_seg_list(spool *s, GError **err);
/* Scans one segment at open: counts records, fixes the head, truncates a
 * torn tail. */
gboolean spool_seg_scan(spool *s, struct seg *g, GError **err);
/* Deletes the oldest segment (the head is saved past it). */
void spool_seg_drop_first(spool *s);
