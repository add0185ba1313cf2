/* The spool: Redis entries kept on disk while Redis cannot take them,
 * appended with group commit and replayed in order. On-disk format and
 * rules: docs/spool.md. Segment files and their record framing:
 * spool_segment.c. */
#include "feedback/spool_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/uio.h>
#include <unistd.h>

#include <glib/gstdio.h>

#define SPOOL_SAVE_MS 100 /* the read position is saved this often */
#define SPOOL_POSITION "position"
#define SPOOL_POSITION_TAG "ringside-spool-position 1"

static void put_u32(guint8 *p, guint32 v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

/* ---- the spool --------------------------------------------------------- */

/* One of these per append waiting for the group commit. */
struct waiter {
	spool_done_fn done;
	void *user;
};

/* The segment numbered NO, or NULL. O(segments). */
static GList *seg_find(const spool *s, guint64 no)
{
	for (GList *l = s->segs.head; l; l = l->next) {
		if (((struct seg *)l->data)->no == no)
			return l;
	}
	return NULL;
}

/* Bytes of segment SEG that a reader may use: all of a sealed segment,
 * the fsync'd part of the last one. */
static guint64 seg_durable_end(const spool *s, const struct seg *g)
{
	return g == seg_last(s) ? s->synced : g->size;
}

/* Writes the head to DIR/position: a temp file, fsync, rename, fsync of
 * the directory. A failure is logged and leaves the old file: the spool
 * then replays a little more after a restart, which dedupe absorbs. */
static void save_head(spool *s)
{
	g_autofree char *text =
	        g_strdup_printf(SPOOL_POSITION_TAG " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT "\n",
	                        s->head.seg, s->head.off);
	gsize len = strlen(text), done = 0;
	int fd = openat(s->dirfd, SPOOL_POSITION ".tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	                0600);
	int errnum = 0;

	if (fd < 0) {
		errnum = errno;
		goto out;
	}
	while (done < len) {
		ssize_t w = write(fd, text + done, len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			errnum = errno;
			goto out;
		}
		done += (gsize)w;
	}
	if (fsync(fd) != 0 || renameat(s->dirfd, SPOOL_POSITION ".tmp", s->dirfd, SPOOL_POSITION)) {
		errnum = errno;
		goto out;
	}
	fsync(s->dirfd);
	s->head_dirty = FALSE;
out:
	if (fd >= 0)
		close(fd);
	if (errnum)
		g_warning("spool %s: saving the read position failed: %s", s->dir,
		          g_strerror(errnum));
}

static gboolean on_save(gpointer data)
{
	spool *s = data;

	g_clear_pointer(&s->save, g_source_unref);
	if (s->head_dirty)
		save_head(s);
	return G_SOURCE_REMOVE;
}

/* Reads DIR/position into s->head; a missing or unreadable file means
 * "from the oldest segment" (logged when unreadable). */
static void load_head(spool *s)
{
	g_autofree char *path = g_build_filename(s->dir, SPOOL_POSITION, NULL);
	g_autofree char *text = NULL;
	guint64 seg, off;
	char tail;

	s->head.seg = 0;
	s->head.off = 0;
	if (!g_file_get_contents(path, &text, NULL, NULL))
		return;
	if (sscanf(text, SPOOL_POSITION_TAG " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT "%c", &seg,
	           &off, &tail) != 3 ||
	    tail != '\n') {
		g_warning("spool %s: %s is not a read position; replaying from the oldest segment",
		          s->dir, path);
		return;
	}
	s->head.seg = seg;
	s->head.off = off;
}

static void drop_consumed(spool *s);

spool *spool_new(const struct spool_conf *conf, GMainContext *ctx, GError **err)
{
	spool *s = g_new0(spool, 1);
	struct seg *last;

	spool_crc_init();
	s->dir = g_strdup(conf->dir);
	s->max_bytes = conf->max_bytes;
	s->segment_bytes = conf->segment_bytes ? conf->segment_bytes : 64 << 20;
	s->ctx = g_main_context_ref(ctx ? ctx : g_main_context_default());
	s->dirfd = s->lockfd = s->wfd = -1;
	s->rd.fd = -1;
	s->next_no = 1;
	s->waiting = g_array_new(FALSE, FALSE, sizeof(struct waiter));
	g_queue_init(&s->segs);

	if (!conf->dir || !conf->dir[0]) {
		g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_INVAL, "spool: no directory");
		goto fail;
	}
	if (g_mkdir_with_parents(s->dir, 0700) != 0 ||
	    (s->dirfd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(errno), "spool %s: %s",
		            s->dir, g_strerror(errno));
		goto fail;
	}
	s->lockfd = openat(s->dirfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (s->lockfd < 0 || flock(s->lockfd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;

		g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(e), "spool %s: %s", s->dir,
		            e == EWOULDBLOCK ? "in use by another process (locked)"
		                             : g_strerror(e));
		goto fail;
	}
	load_head(s);
	if (!spool_seg_list(s, err))
		goto fail;
	/* The position names an existing segment or the one after the last
	 * (everything replayed); anything else is not trusted to delete by. */
	if (s->segs.length && s->head.seg > s->next_no) {
		g_warning("spool %s: read position names segment %" G_GUINT64_FORMAT
		          ", past the last one; replaying from the oldest segment",
		          s->dir, s->head.seg);
		s->head = (struct spool_cursor){0, 0};
	}
	/* Segments before the read position were replayed; a crash came
	 * between saving the position and deleting them. */
	while (s->segs.head && ((struct seg *)s->segs.head->data)->no < s->head.seg)
		spool_seg_drop_first(s);
	if (s->segs.head && ((struct seg *)s->segs.head->data)->no != s->head.seg) {
		s->head.seg = ((struct seg *)s->segs.head->data)->no;
		s->head.off = 0;
	}
	s->next_no = MAX(s->next_no, s->head.seg);
	if (!s->segs.head)
		s->head = (struct spool_cursor){s->next_no, 0};
	for (GList *l = s->segs.head; l; l = l->next) {
		if (!spool_seg_scan(s, l->data, err))
			goto fail;
	}
	last = seg_last(s);
	if (last) {
		s->wfd = spool_seg_open(s, last->no, O_WRONLY);
		if (s->wfd < 0) {
			g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(errno),
			            "spool %s: %s", s->dir, g_strerror(errno));
			goto fail;
		}
		s->synced = last->size;
	}
	/* A crash between consuming the last record and deleting the files
	 * leaves a replayed spool: drop it now. */
	drop_consumed(s);
	if (s->records)
		g_message("spool %s: %" G_GUINT64_FORMAT " record(s) (%" G_GUINT64_FORMAT
		          " bytes) to replay",
		          s->dir, s->records, s->bytes);
	return s;
fail:
	spool_free(s);
	return NULL;
}

/* The group commit: one fdatasync for everything appended since the last
 * one, then every waiting done in append order. A failed fsync breaks the
 * spool (the kernel may have dropped the pages: nothing after can be
 * trusted to be on disk) and fails the waiting records. */
static void commit(spool *s)
{
	GArray *w = s->waiting;
	struct seg *last = seg_last(s);
	g_autofree char *err = NULL;

	if (s->commit) {
		g_source_destroy(s->commit);
		g_clear_pointer(&s->commit, g_source_unref);
	}
	if (!w->len)
		return;
	if (s->broken) {
		err = g_strdup(s->broken);
	} else if (s->wfd >= 0 && last) {
		gint64 t0 = g_get_monotonic_time();

		if (fdatasync(s->wfd) != 0) {
			s->broken = g_strdup_printf("spool %s: fsync failed: %s", s->dir,
			                            g_strerror(errno));
			g_critical("%s; the spool refuses records until a restart", s->broken);
			err = g_strdup(s->broken);
		} else {
			s->synced = last->size;
		}
		s->fsync_seconds = (g_get_monotonic_time() - t0) / 1e6;
	}
	/* A done may append again: it then waits for the next commit. */
	s->waiting = g_array_new(FALSE, FALSE, sizeof(struct waiter));
	for (guint i = 0; i < w->len; i++) {
		struct waiter *x = &g_array_index(w, struct waiter, i);

		x->done(err == NULL, err, x->user);
	}
	g_array_unref(w);
}

static gboolean on_commit(gpointer data)
{
	commit(data);
	return G_SOURCE_REMOVE;
}

void spool_flush(spool *s)
{
	commit(s);
}

/* Saves the head and drops every segment before it (the head must be at a
 * later segment), then, when everything was consumed, the last segment
 * too, so a drained spool holds no bytes. */
static void drop_consumed(spool *s)
{
	struct seg *last = seg_last(s);
	gboolean drained = last && s->head.seg == last->no && s->head.off == last->size &&
	                   !s->waiting->len && s->synced == last->size;
	gboolean behind = s->segs.head && ((struct seg *)s->segs.head->data)->no < s->head.seg;

	if (drained && last->size > 0) {
		s->head = (struct spool_cursor){last->no + 1, 0};
		s->next_no = MAX(s->next_no, last->no + 1);
		behind = TRUE;
	}
	if (!behind)
		return;
	save_head(s);
	if (s->head_dirty)
		return; /* not saved: keep the files, a restart needs them */
	while (s->segs.head && ((struct seg *)s->segs.head->data)->no < s->head.seg)
		spool_seg_drop_first(s);
	if (drained)
		s->records = 0;
}

/* Starts segment number s->next_no as the last one. Seals the previous last
 * segment with an fsync first (a reader trusts a sealed segment whole). */
static gboolean seg_roll(spool *s, int *errnum)
{
	struct seg *g;
	int fd;

	if (s->wfd >= 0) {
		if (fdatasync(s->wfd) != 0) {
			*errnum = errno;
			s->broken = g_strdup_printf("spool %s: fsync failed: %s", s->dir,
			                            g_strerror(errno));
			g_critical("%s; the spool refuses records until a restart", s->broken);
			return FALSE;
		}
		s->synced = seg_last(s)->size;
	}
	fd = spool_seg_open(s, s->next_no, O_WRONLY | O_CREAT | O_EXCL);
	if (fd < 0) {
		*errnum = errno;
		return FALSE;
	}
	/* The new name must survive a power cut with the records in it. */
	fsync(s->dirfd);
	if (s->wfd >= 0)
		close(s->wfd);
	s->wfd = fd;
	g = g_new0(struct seg, 1);
	g->no = s->next_no++;
	g_queue_push_tail(&s->segs, g);
	s->synced = 0;
	if (!s->records && s->segs.length == 1)
		s->head = (struct spool_cursor){g->no, 0};
	return TRUE;
}

void spool_append(spool *s, GBytes *payload, spool_done_fn done, void *user)
{
	gsize len = g_bytes_get_size(payload);
	guint64 rec = SPOOL_HDR + (guint64)len;
	g_autofree char *err = NULL;
	struct seg *last = seg_last(s);
	struct waiter w = {done, user};
	guint8 hdr[SPOOL_HDR];
	struct iovec iov[2];
	gsize written = 0;
	int errnum = 0;

	if (s->broken) {
		err = g_strdup(s->broken);
		goto out;
	}
	if (len > SPOOL_RECORD_MAX) {
		err = g_strdup_printf("spool: a record of %zu bytes is too large", len);
		goto out;
	}
	if (s->bytes + rec > s->max_bytes) {
		s->full_total++;
		err = g_strdup_printf("spool full (%" G_GUINT64_FORMAT
		                      " of max_bytes %" G_GUINT64_FORMAT " bytes in use)",
		                      s->bytes, s->max_bytes);
		goto out;
	}
	if (!last || (last->size > 0 && last->size + rec > s->segment_bytes)) {
		if (!seg_roll(s, &errnum)) {
			err = g_strdup_printf("spool %s: starting a segment failed: %s", s->dir,
			                      g_strerror(errnum));
			goto out;
		}
		last = seg_last(s);
	}
	memcpy(hdr, SPOOL_MAGIC, 4);
	put_u32(hdr + 4, (guint32)len);
	put_u32(hdr + 8,
	        spool_crc32c(spool_crc32c(0, hdr + 4, 4), g_bytes_get_data(payload, NULL), len));
	while (written < rec) {
		int n = 0;
		ssize_t r;

		if (written < SPOOL_HDR) {
			iov[n].iov_base = hdr + written;
			iov[n++].iov_len = SPOOL_HDR - written;
		}
		iov[n].iov_base = (guint8 *)g_bytes_get_data(payload, NULL) +
		                  (written > SPOOL_HDR ? written - SPOOL_HDR : 0);
		iov[n++].iov_len = len - (written > SPOOL_HDR ? written - SPOOL_HDR : 0);
		r = pwritev(s->wfd, iov, n, (off_t)(last->size + written));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			errnum = r < 0 ? errno : EIO;
			break;
		}
		written += (gsize)r;
	}
	if (errnum) {
		/* Leave no partial record behind; if even that fails, the
		 * file's tail is unknown and the spool stops taking records. */
		if (ftruncate(s->wfd, (off_t)last->size) != 0)
			s->broken =
			        g_strdup_printf("spool %s: write failed and could not be undone: "
			                        "%s",
			                        s->dir, g_strerror(errno));
		err = g_strdup_printf("spool %s: write failed: %s", s->dir, g_strerror(errnum));
		goto out;
	}
	last->size += rec;
	s->bytes += rec;
	s->records++;
	s->appended_total++;
	g_array_append_val(s->waiting, w);
	if (!s->commit) {
		/* Default priority, not idle: under a steady load an idle
		 * source would never run. Every append dispatched before it
		 * shares its fsync. */
		s->commit = g_idle_source_new();
		g_source_set_priority(s->commit, G_PRIORITY_DEFAULT);
		g_source_set_callback(s->commit, on_commit, s, NULL);
		g_source_attach(s->commit, s->ctx);
	}
out:
	if (err)
		done(FALSE, err, user);
}

guint64 spool_records(const spool *s)
{
	return s->records;
}

gboolean spool_ok(const spool *s)
{
	return s->broken == NULL;
}

struct spool_cursor spool_head(const spool *s)
{
	return s->head;
}

static gboolean cursor_before(const struct spool_cursor *a, const struct spool_cursor *b)
{
	return a->seg < b->seg || (a->seg == b->seg && a->off < b->off);
}

int spool_read(spool *s, struct spool_cursor *cur, GBytes **payload)
{
	*payload = NULL;
	if (cursor_before(cur, &s->head))
		*cur = s->head;
	for (;;) {
		GList *l = seg_find(s, cur->seg);
		struct seg *g;
		guint64 end;
		const guint8 *p;
		guint32 len;
		int errnum = 0, rc;

		if (!l) {
			/* Past the last segment, or a segment not made yet. */
			if (s->segs.head && cur->seg < ((struct seg *)s->segs.head->data)->no) {
				*cur = (struct spool_cursor){((struct seg *)s->segs.head->data)->no,
				                             0};
				continue;
			}
			return 0;
		}
		g = l->data;
		end = seg_durable_end(s, g);
		if (cur->off >= end) {
			if (!l->next || g == seg_last(s) || cur->off < g->size)
				return 0;
			*cur = (struct spool_cursor){((struct seg *)l->next->data)->no, 0};
			continue;
		}
		if (s->rd.fd < 0 || s->rd.seg != g->no) {
			spool_rbuf_close(&s->rd);
			s->rd.fd = spool_seg_open(s, g->no, O_RDONLY);
			s->rd.seg = g->no;
			s->rd.len = 0;
			if (s->rd.fd < 0) {
				g_warning("spool %s: opening segment %" G_GUINT64_FORMAT ": %s",
				          s->dir, g->no, g_strerror(errno));
				return -1;
			}
		}
		rc = spool_rec_check(&s->rd, cur->off, end, &p, &len, &errnum);
		if (rc == 1) {
			*payload = g_bytes_new(p, len);
			cur->off += SPOOL_HDR + len;
			return 1;
		}
		if (rc == 0) {
			guint64 next = spool_rec_resync(&s->rd, cur->off + 1, end, &errnum);

			if (!errnum) {
				g_warning("spool %s: segment %" G_GUINT64_FORMAT
				          ": skipped %" G_GUINT64_FORMAT
				          " damaged bytes at %" G_GUINT64_FORMAT,
				          s->dir, g->no, next - cur->off, cur->off);
				s->torn_total++;
				cur->off = next;
				continue;
			}
		}
		g_warning("spool %s: reading segment %" G_GUINT64_FORMAT ": %s", s->dir, g->no,
		          g_strerror(errnum));
		spool_rbuf_close(&s->rd);
		return -1;
	}
}

void spool_consume(spool *s, const struct spool_cursor *upto, guint n)
{
	GList *l;

	if (cursor_before(upto, &s->head))
		return;
	s->head = *upto;
	s->records -= MIN((guint64)n, s->records);
	s->replayed_total += n;
	/* The end of a sealed segment is the start of the next one. */
	while ((l = seg_find(s, s->head.seg)) && l->next &&
	       s->head.off >= ((struct seg *)l->data)->size)
		s->head = (struct spool_cursor){((struct seg *)l->next->data)->no, 0};
	s->head_dirty = TRUE;
	drop_consumed(s);
	if (s->head_dirty && !s->save) {
		s->save = g_timeout_source_new(SPOOL_SAVE_MS);
		g_source_set_callback(s->save, on_save, s, NULL);
		g_source_attach(s->save, s->ctx);
	}
}

guint64 spool_bytes(const spool *s)
{
	return s->bytes;
}

void spool_free(spool *s)
{
	struct seg *g;

	if (!s)
		return;
	commit(s);
	if (s->save) {
		g_source_destroy(s->save);
		g_clear_pointer(&s->save, g_source_unref);
	}
	if (s->head_dirty && s->dirfd >= 0)
		save_head(s);
	spool_rbuf_free(&s->rd);
	if (s->wfd >= 0)
		close(s->wfd);
	if (s->lockfd >= 0)
		close(s->lockfd);
	if (s->dirfd >= 0)
		close(s->dirfd);
	while ((g = g_queue_pop_head(&s->segs)))
		g_free(g);
	g_array_unref(s->waiting);
	g_main_context_unref(s->ctx);
	g_free(s->broken);
	g_free(s->dir);
	g_free(s);
}

void spool_metrics_append(const spool *s, GString *out)
{
	g_string_append_printf(out,
	                       "ringside_spool_bytes %" G_GUINT64_FORMAT "\n"
	                       "ringside_spool_records %" G_GUINT64_FORMAT "\n"
	                       "ringside_spool_appended_total %" G_GUINT64_FORMAT "\n"
	                       "ringside_spool_replayed_total %" G_GUINT64_FORMAT "\n"
	                       "ringside_spool_full_total %" G_GUINT64_FORMAT "\n"
	                       "ringside_spool_fsync_seconds %.6f\n"
	                       "ringside_spool_torn_total %" G_GUINT64_FORMAT "\n",
	                       s->bytes, s->records, s->appended_total, s->replayed_total,
	                       s->full_total, s->fsync_seconds, s->torn_total);
}
