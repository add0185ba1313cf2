/* The spool's segment files: CRC-32C framing, reading and checking records,
 * listing and scanning the segments at open (torn tails), deleting them. */
#include "feedback/spool_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SPOOL_CHUNK (1u << 20) /* read-ahead of the reader */

/* ---- CRC-32C (Castagnoli), table-driven, one byte per step ------------ */

static guint32 crc_table[256];

void spool_crc_init(void)
{
	static gsize once;

	if (!g_once_init_enter(&once))
		return;
	for (guint32 i = 0; i < 256; i++) {
		guint32 c = i;

		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
		crc_table[i] = c;
	}
	g_once_init_leave(&once, 1);
}

guint32 spool_crc32c(guint32 crc, const guint8 *p, gsize n)
{
	crc = ~crc;
	while (n--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static guint32 get_u32(const guint8 *p)
{
	return (guint32)p[0] | (guint32)p[1] << 8 | (guint32)p[2] << 16 | (guint32)p[3] << 24;
}

/* ---- a read-ahead window over one segment file ------------------------ */

void spool_rbuf_close(struct rbuf *rb)
{
	if (rb->fd >= 0)
		close(rb->fd);
	rb->fd = -1;
	rb->len = 0;
}

void spool_rbuf_free(struct rbuf *rb)
{
	spool_rbuf_close(rb);
	g_clear_pointer(&rb->buf, g_free);
	rb->cap = 0;
}

/* N bytes at OFF of the file, never reading past END. NULL when they are
 * not all below END (*ERRNUM 0) or on a read error (*ERRNUM set). The
 * pointer is valid until the next call. One pread of up to SPOOL_CHUNK
 * (more for a longer record) on a miss. */
static const guint8 *rbuf_at(struct rbuf *rb, guint64 off, gsize n, guint64 end, int *errnum)
{
	gsize want, got = 0;

	*errnum = 0;
	if (off >= rb->base && off + n <= rb->base + rb->len)
		return rb->buf + (off - rb->base);
	if (off + n > end)
		return NULL;
	want = MAX(n, (gsize)MIN((guint64)SPOOL_CHUNK, end - off));
	if (want > rb->cap || (rb->cap > 4 * SPOOL_CHUNK && want <= SPOOL_CHUNK)) {
		g_free(rb->buf);
		rb->buf = g_malloc(want);
		rb->cap = want;
	}
	rb->len = 0;
	while (got < want) {
		ssize_t r = pread(rb->fd, rb->buf + got, want - got, (off_t)(off + got));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			*errnum = errno;
			return NULL;
		}
		if (r == 0)
			break;
		got += (gsize)r;
	}
	rb->base = off;
	rb->len = got;
	return got >= n ? rb->buf : NULL;
}

/* Checks the record at OFF (ending by END). Returns 1 with *LEN its payload
 * length and *PAYLOAD pointing at it (valid until the next rbuf call), 0
 * when there is no good record there (cut short, bad magic, length or
 * CRC), -1 on a read error (*ERRNUM). O(record). */
int spool_rec_check(struct rbuf *rb, guint64 off, guint64 end, const guint8 **payload, guint32 *len,
                    int *errnum)
{
	const guint8 *p = rbuf_at(rb, off, SPOOL_HDR, end, errnum);
	guint32 n, crc;

	if (!p)
		return *errnum ? -1 : 0;
	if (memcmp(p, SPOOL_MAGIC, 4))
		return 0;
	n = get_u32(p + 4);
	crc = get_u32(p + 8);
	if (n > SPOOL_RECORD_MAX || off + SPOOL_HDR + n > end)
		return 0;
	p = rbuf_at(rb, off, SPOOL_HDR + (gsize)n, end, errnum);
	if (!p)
		return *errnum ? -1 : 0;
	if (spool_crc32c(spool_crc32c(0, p + 4, 4), p + SPOOL_HDR, n) != crc)
		return 0;
	*payload = p + SPOOL_HDR;
	*len = n;
	return 1;
}

/* The offset of the next good record after damage at FROM, or END when
 * none follows. Byte by byte: only ever run over damaged data. */
guint64 spool_rec_resync(struct rbuf *rb, guint64 from, guint64 end, int *errnum)
{
	for (guint64 off = from; off + SPOOL_HDR <= end; off++) {
		const guint8 *payload;
		guint32 len;
		const guint8 *p = rbuf_at(rb, off, 4, end, errnum);

		if (!p)
			break;
		if (memcmp(p, SPOOL_MAGIC, 4))
			continue;
		if (spool_rec_check(rb, off, end, &payload, &len, errnum) == 1)
			return off;
		if (*errnum)
			break;
	}
	return end;
}

/* ---- segment files ------------------------------------------------------ */

static char *seg_name(guint64 no)
{
	return g_strdup_printf("%020" G_GUINT64_FORMAT ".seg", no);
}

int spool_seg_open(spool *s, guint64 no, int flags)
{
	g_autofree char *name = seg_name(no);

	return openat(s->dirfd, name, flags | O_CLOEXEC, 0600);
}

static gint cmp_u64(gconstpointer a, gconstpointer b)
{
	guint64 x = *(const guint64 *)a, y = *(const guint64 *)b;

	return x < y ? -1 : x > y;
}

/* Lists the segment files, oldest first, and removes temp files. */
gboolean spool_seg_list(spool *s, GError **err)
{
	GDir *d = g_dir_open(s->dir, 0, err);
	const char *name;
	GArray *nos = g_array_new(FALSE, FALSE, sizeof(guint64));

	if (!d) {
		g_array_unref(nos);
		return FALSE;
	}
	while ((name = g_dir_read_name(d))) {
		char *end = NULL;
		guint64 no;

		if (g_str_has_suffix(name, ".tmp")) {
			unlinkat(s->dirfd, name, 0);
			continue;
		}
		if (strlen(name) != 24 || !g_str_has_suffix(name, ".seg") ||
		    !g_ascii_isdigit(name[0]))
			continue;
		no = g_ascii_strtoull(name, &end, 10);
		if (end != name + 20 || no == 0)
			continue;
		g_array_append_val(nos, no);
	}
	g_dir_close(d);
	g_array_sort(nos, cmp_u64);
	for (guint i = 0; i < nos->len; i++) {
		struct seg *g = g_new0(struct seg, 1);

		g->no = g_array_index(nos, guint64, i);
		g_queue_push_tail(&s->segs, g);
		s->next_no = g->no + 1;
	}
	g_array_unref(nos);
	return TRUE;
}

/* Scans segment G whole: counts the records at or after the head, moves a
 * head that is not at a record boundary back to one, and truncates a torn
 * tail when G is the last segment. Damage in an earlier segment is logged
 * here and skipped by the reader. O(G's size). */
gboolean spool_seg_scan(spool *s, struct seg *g, GError **err)
{
	struct rbuf rb = {.fd = -1};
	gboolean last = g == seg_last(s), ok = FALSE, at_head = g->no == s->head.seg;
	g_autofree char *name = seg_name(g->no);
	guint64 off = 0;
	struct stat st;
	int errnum = 0;

	rb.fd = spool_seg_open(s, g->no, O_RDWR);
	if (rb.fd < 0 || fstat(rb.fd, &st) != 0) {
		g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(errno), "spool %s: %s: %s",
		            s->dir, name, g_strerror(errno));
		goto out;
	}
	g->size = (guint64)st.st_size;
	while (off < g->size) {
		const guint8 *payload;
		guint32 len;
		int rc = spool_rec_check(&rb, off, g->size, &payload, &len, &errnum);

		if (rc < 0)
			break;
		if (rc == 0 && last) {
			/* What a crash leaves: a record cut short, or garbage
			 * past the last fsync. Nothing acknowledged is there. */
			g_warning("spool %s: %s: torn tail at byte %" G_GUINT64_FORMAT
			          " (%" G_GUINT64_FORMAT " bytes) truncated",
			          s->dir, name, off, g->size - off);
			if (ftruncate(rb.fd, (off_t)off) != 0 || fsync(rb.fd) != 0) {
				errnum = errno;
				break;
			}
			s->torn_total++;
			g->size = off;
			break;
		}
		if (rc == 0) {
			guint64 next = spool_rec_resync(&rb, off + 1, g->size, &errnum);

			if (errnum)
				break;
			g_warning("spool %s: %s: bytes %" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT
			          " are damaged (bad CRC); they will be skipped",
			          s->dir, name, off, next);
			off = next;
			continue;
		}
		if (at_head && off < s->head.off && off + SPOOL_HDR + len > s->head.off) {
			g_warning("spool %s: read position %" G_GUINT64_FORMAT
			          " is inside a record; replaying from %" G_GUINT64_FORMAT,
			          s->dir, s->head.off, off);
			s->head.off = off;
		}
		if (!at_head || off >= s->head.off)
			s->records++;
		off += SPOOL_HDR + len;
	}
	if (errnum) {
		g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(errnum), "spool %s: %s: %s",
		            s->dir, name, g_strerror(errnum));
		goto out;
	}
	if (at_head && s->head.off > g->size)
		s->head.off = g->size;
	s->bytes += g->size;
	ok = TRUE;
out:
	spool_rbuf_free(&rb);
	return ok;
}

/* Deletes the segment at the front of the list. The head must already be
 * saved past it. */
void spool_seg_drop_first(spool *s)
{
	struct seg *g = g_queue_pop_head(&s->segs);
	g_autofree char *name = seg_name(g->no);

	if (s->rd.fd >= 0 && s->rd.seg == g->no)
		spool_rbuf_close(&s->rd);
	if (!s->segs.length && s->wfd >= 0) {
		close(s->wfd);
		s->wfd = -1;
		s->synced = 0;
	}
	if (unlinkat(s->dirfd, name, 0) != 0 && errno != ENOENT)
		g_warning("spool %s: removing %s: %s", s->dir, name, g_strerror(errno));
	s->bytes -= g->size;
	g_free(g);
}
