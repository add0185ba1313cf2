/* spool: records come back in the order they went in, across segments and
 * reopens; a torn tail or a damaged record is detected, never replayed;
 * a full spool refuses instead of dropping. Plus the open-windows list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "feedback/recovery.h"
#include "feedback/spool.h"
#include "feedback/spool_entry.h"

/* ---- helpers ------------------------------------------------------------ */

static char *tmpdir(void)
{
	GError *err = NULL;
	char *dir = g_dir_make_tmp("ringside-spool-XXXXXX", &err);

	assert_non_null(dir);
	return dir;
}

static void rmtree(const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;

	while (d && (name = g_dir_read_name(d))) {
		g_autofree char *path = g_build_filename(dir, name, NULL);
		g_unlink(path);
	}
	if (d)
		g_dir_close(d);
	g_rmdir(dir);
}

static spool *open_spool(const char *dir, guint64 max_bytes, guint64 segment_bytes)
{
	struct spool_conf c = {.dir = dir, .max_bytes = max_bytes, .segment_bytes = segment_bytes};
	GError *err = NULL;
	spool *s = spool_new(&c, NULL, &err);

	if (!s)
		fail_msg("spool_new: %s", err->message);
	return s;
}

/* One of these per test's appends: how many dones came back, and how. */
struct dones {
	guint ok, failed;
	char *last_err;
};

static void on_done(gboolean ok, const char *errstr, void *user)
{
	struct dones *d = user;

	if (ok) {
		d->ok++;
	} else {
		d->failed++;
		g_free(d->last_err);
		d->last_err = g_strdup(errstr);
	}
}

/* Appends an entry with id ID (a label and its protobuf-ish payload). */
static void append_id(spool *s, const char *id, gsize pad, struct dones *d)
{
	g_autofree char *blob = g_malloc0(pad + 1);
	const char *fields[] = {"type", "label_id", "pb"};
	const char *values[] = {"label", id, blob};
	gsize lens[] = {5, strlen(id), pad};
	GBytes *b;

	memset(blob, 0xA5, pad);
	b = spool_entry_pack(id, "ringside:labels", 3, fields, values, lens);
	spool_append(s, b, on_done, d);
	g_bytes_unref(b);
}

/* Reads every durable record from the head; returns their ids joined by
 * spaces and sets *END to the cursor past the last one. */
static char *read_all(spool *s, struct spool_cursor *end, guint *n)
{
	struct spool_cursor cur = spool_head(s);
	GString *ids = g_string_new(NULL);
	GBytes *b;
	int rc;

	*n = 0;
	while ((rc = spool_read(s, &cur, &b)) == 1) {
		struct spool_entry e;

		assert_true(spool_entry_parse(b, &e));
		g_string_append_printf(ids, "%s%s", ids->len ? " " : "", e.id);
		spool_entry_clear(&e);
		g_bytes_unref(b);
		(*n)++;
	}
	assert_int_equal(rc, 0);
	if (end)
		*end = cur;
	return g_string_free(ids, FALSE);
}

static guint count_segments(const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;
	guint n = 0;

	while ((name = g_dir_read_name(d)))
		n += g_str_has_suffix(name, ".seg");
	g_dir_close(d);
	return n;
}

/* g_ptr_array_sort hands pointers to the elements. */
static gint cmp_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The path of the Nth segment file (0 = oldest). */
static char *segment_path(const char *dir, guint nth)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	const char *name;
	char *path = NULL;

	while ((name = g_dir_read_name(d))) {
		if (g_str_has_suffix(name, ".seg"))
			g_ptr_array_add(names, g_strdup(name));
	}
	g_dir_close(d);
	g_ptr_array_sort(names, cmp_names);
	if (nth < names->len)
		path = g_build_filename(dir, (char *)names->pdata[nth], NULL);
	g_ptr_array_unref(names);
	assert_non_null(path);
	return path;
}

static guint64 metric(spool *s, const char *name)
{
	g_autoptr(GString) out = g_string_new(NULL);
	g_autofree char *key = g_strdup_printf("\n%s ", name);
	const char *p;

	g_string_append_c(out, '\n');
	spool_metrics_append(s, out);
	p = strstr(out->str, key);
	assert_non_null(p);
	return g_ascii_strtoull(p + strlen(key), NULL, 10);
}

/* ---- tests ---------------------------------------------------------------- */

static void test_entry_roundtrip(void **state)
{
	const char *fields[] = {"type", "pb"};
	const char bin[] = {'a', 0, 'b', (char)0xff};
	const char *values[] = {"label", bin};
	gsize lens[] = {5, sizeof(bin)};
	GBytes *b = spool_entry_pack("L-1", "s", 2, fields, values, lens);
	struct spool_entry e;
	gsize len;
	const guint8 *data = g_bytes_get_data(b, &len);

	assert_true(spool_entry_parse(b, &e));
	assert_string_equal(e.id, "L-1");
	assert_string_equal(e.stream, "s");
	assert_int_equal(e.n_fields, 2);
	assert_string_equal(e.fields[1], "pb");
	assert_int_equal(e.vlens[1], sizeof(bin));
	assert_memory_equal(e.values[1], bin, sizeof(bin));
	assert_true(e.spooled_ns > 0);
	spool_entry_clear(&e);
	/* Every cut-short copy is refused. */
	for (gsize n = 0; n < len; n++) {
		GBytes *cut = g_bytes_new(data, n);

		assert_false(spool_entry_parse(cut, &e));
		g_bytes_unref(cut);
	}
	g_bytes_unref(b);
}

/* Appends share one fsync, run by the main loop; dones come after it, in
 * order; the records come back in the same order and are consumed. */
static void test_append_replay_order(void **state)
{
	g_autofree char *dir = tmpdir();
	spool *s = open_spool(dir, 1 << 20, 64 << 10);
	struct dones d = {0};
	struct spool_cursor end;
	g_autofree char *ids = NULL;
	guint n;

	append_id(s, "a", 10, &d);
	append_id(s, "b", 10, &d);
	append_id(s, "c", 10, &d);
	assert_int_equal(d.ok, 0); /* not before the fsync */
	assert_int_equal(spool_records(s), 3);
	/* Nothing is readable before it is durable. */
	ids = read_all(s, &end, &n);
	assert_int_equal(n, 0);
	g_clear_pointer(&ids, g_free);
	while (d.ok < 3)
		g_main_context_iteration(NULL, TRUE);
	assert_int_equal(d.failed, 0);
	ids = read_all(s, &end, &n);
	assert_string_equal(ids, "a b c");
	assert_int_equal(metric(s, "ringside_spool_appended_total"), 3);

	spool_consume(s, &end, n);
	assert_int_equal(spool_records(s), 0);
	assert_int_equal(metric(s, "ringside_spool_replayed_total"), 3);
	/* Drained: no bytes left on disk. */
	assert_int_equal(spool_bytes(s), 0);
	assert_int_equal(count_segments(dir), 0);

	/* And it takes records again afterwards. */
	append_id(s, "d", 10, &d);
	spool_flush(s);
	g_clear_pointer(&ids, g_free);
	ids = read_all(s, &end, &n);
	assert_string_equal(ids, "d");
	spool_free(s);
	g_free(d.last_err);
	rmtree(dir);
}

/* Past segment_bytes a new file is started; consumed segments are deleted
 * while the rest stays readable, in order. */
static void test_segment_rollover(void **state)
{
	g_autofree char *dir = tmpdir();
	spool *s = open_spool(dir, 1 << 20, 512);
	struct dones d = {0};
	struct spool_cursor cur;
	GString *want = g_string_new(NULL);
	g_autofree char *ids = NULL;
	guint n, segs;

	for (int i = 0; i < 20; i++) {
		g_autofree char *id = g_strdup_printf("r%02d", i);

		append_id(s, id, 100, &d);
		g_string_append_printf(want, "%s%s", i ? " " : "", id);
	}
	spool_flush(s);
	assert_int_equal(d.ok, 20);
	segs = count_segments(dir);
	assert_true(segs >= 5);
	ids = read_all(s, NULL, &n);
	assert_string_equal(ids, want->str);

	/* Consume the first 10, one at a time as the replay does. */
	cur = spool_head(s);
	for (int i = 0; i < 10; i++) {
		GBytes *b;

		assert_int_equal(spool_read(s, &cur, &b), 1);
		g_bytes_unref(b);
		spool_consume(s, &cur, 1);
	}
	assert_int_equal(spool_records(s), 10);
	assert_true(count_segments(dir) < segs);
	g_clear_pointer(&ids, g_free);
	ids = read_all(s, NULL, &n);
	assert_int_equal(n, 10);
	assert_true(g_str_has_prefix(ids, "r10 r11"));
	spool_free(s);
	g_string_free(want, TRUE);
	rmtree(dir);
}

/* A crash mid-append leaves half a record at the end: it is truncated at
 * the next open, counted, and never read. */
static void test_torn_tail(void **state)
{
	g_autofree char *dir = tmpdir();
	spool *s = open_spool(dir, 1 << 20, 64 << 10);
	struct dones d = {0};
	g_autofree char *seg = NULL, *ids = NULL, *data = NULL;
	gsize len, full;
	guint n;
	int fd;

	append_id(s, "a", 50, &d);
	append_id(s, "b", 50, &d);
	spool_flush(s);
	spool_free(s);
	seg = segment_path(dir, 0);
	assert_true(g_file_get_contents(seg, &data, &full, NULL));
	g_clear_pointer(&data, g_free);
	/* A third record, cut after 30 of its bytes. */
	s = open_spool(dir, 1 << 20, 64 << 10);
	append_id(s, "c", 50, &d);
	spool_flush(s);
	spool_free(s);
	fd = open(seg, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)(full + 30)), 0);
	close(fd);

	s = open_spool(dir, 1 << 20, 64 << 10);
	assert_int_equal(spool_records(s), 2);
	assert_int_equal(metric(s, "ringside_spool_torn_total"), 1);
	ids = read_all(s, NULL, &n);
	assert_string_equal(ids, "a b");
	/* The file ends where the good records end, and appends go on. */
	g_clear_pointer(&data, g_free);
	assert_true(g_file_get_contents(seg, &data, &len, NULL));
	assert_int_equal(len, full);
	append_id(s, "d", 50, &d);
	spool_flush(s);
	g_clear_pointer(&ids, g_free);
	ids = read_all(s, NULL, &n);
	assert_string_equal(ids, "a b d");
	spool_free(s);
	g_free(d.last_err);
	rmtree(dir);
}

/* Flips one byte of the file at OFF. */
static void flip_byte(const char *path, gsize off)
{
	int fd = open(path, O_RDWR);
	guint8 b;

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &b, 1, (off_t)off), 1);
	b ^= 0x40;
	assert_int_equal(pwrite(fd, &b, 1, (off_t)off), 1);
	close(fd);
}

/* A bad CRC is detected: in a sealed segment the damaged record is
 * skipped (and counted) and the ones after it still come back; in the last
 * segment it is a torn tail and cut off. Garbage is never returned. */
static void test_crc_corruption(void **state)
{
	g_autofree char *dir = tmpdir();
	spool *s = open_spool(dir, 1 << 20, 256);
	struct dones d = {0};
	g_autofree char *first = NULL, *last = NULL, *ids = NULL;
	guint n, segs;

	for (int i = 0; i < 8; i++) {
		g_autofree char *id = g_strdup_printf("r%d", i);

		append_id(s, id, 20, &d); /* 108 bytes: two per segment */
	}
	spool_flush(s);
	spool_free(s);
	segs = count_segments(dir);
	assert_int_equal(segs, 4);
	/* Inside the payload of the first record of the first segment. */
	first = segment_path(dir, 0);
	flip_byte(first, 60);
	/* Inside the payload of the second record of the last segment. */
	last = segment_path(dir, segs - 1);
	{
		g_autofree char *data = NULL;
		gsize len;

		assert_true(g_file_get_contents(last, &data, &len, NULL));
		flip_byte(last, len - 10);
	}

	s = open_spool(dir, 1 << 20, 256);
	assert_int_equal(metric(s, "ringside_spool_torn_total"), 1); /* the tail */
	ids = read_all(s, NULL, &n);
	assert_string_equal(ids, "r1 r2 r3 r4 r5 r6");
	assert_int_equal(metric(s, "ringside_spool_torn_total"), 2); /* + the skip */
	spool_free(s);
	rmtree(dir);
}

/* At max_bytes new records are refused, counted, and nothing held is
 * dropped; once replayed, records are taken again. */
static void test_full_policy(void **state)
{
	g_autofree char *dir = tmpdir();
	spool *s = open_spool(dir, 1000, 1000);
	struct dones d = {0};
	struct spool_cursor end;
	g_autofree char *ids = NULL;
	guint n, taken;

	for (int i = 0; i < 20; i++) {
		g_autofree char *id = g_strdup_printf("r%02d", i);

		append_id(s, id, 100, &d);
	}
	spool_flush(s);
	taken = d.ok;
	assert_true(taken >= 5 && taken < 20);
	assert_int_equal(d.failed, 20 - taken);
	assert_non_null(strstr(d.last_err, "spool full"));
	assert_int_equal(metric(s, "ringside_spool_full_total"), 20 - taken);
	assert_true(spool_bytes(s) <= 1000);
	ids = read_all(s, &end, &n);
	assert_int_equal(n, taken);
	assert_true(g_str_has_prefix(ids, "r00 r01 r02"));

	spool_consume(s, &end, n);
	append_id(s, "again", 100, &d);
	spool_flush(s);
	assert_int_equal(d.ok, taken + 1);
	spool_free(s);
	g_free(d.last_err);
	rmtree(dir);
}

/* The read position survives a close: a reopened spool goes on with the
 * first record not consumed, and a second process cannot open it. */
static void test_reopen_resumes(void **state)
{
	g_autofree char *dir = tmpdir();
	spool *s = open_spool(dir, 1 << 20, 300);
	struct spool_conf c = {.dir = dir, .max_bytes = 1 << 20, .segment_bytes = 300};
	struct dones d = {0};
	struct spool_cursor cur;
	g_autofree char *ids = NULL;
	GError *err = NULL;
	guint n;

	for (int i = 0; i < 6; i++) {
		g_autofree char *id = g_strdup_printf("r%d", i);

		append_id(s, id, 60, &d);
	}
	spool_flush(s);
	assert_null(spool_new(&c, NULL, &err));
	assert_non_null(strstr(err->message, "in use"));
	g_clear_error(&err);

	cur = spool_head(s);
	for (int i = 0; i < 4; i++) {
		GBytes *b;

		assert_int_equal(spool_read(s, &cur, &b), 1);
		g_bytes_unref(b);
	}
	spool_consume(s, &cur, 4);
	spool_free(s);

	s = open_spool(dir, 1 << 20, 300);
	assert_int_equal(spool_records(s), 2);
	ids = read_all(s, NULL, &n);
	assert_string_equal(ids, "r4 r5");
	spool_free(s);
	rmtree(dir);
}

/* The open-windows list: what a run leaves open is what the next run is
 * told about, with who was offered each window. */
static void test_recovery_list(void **state)
{
	g_autofree char *dir = tmpdir();
	GError *err = NULL;
	recovery *r = recovery_new(dir, NULL, &err);
	GPtrArray *crashed;
	const struct recovery_window *w;

	assert_non_null(r);
	crashed = recovery_take_crashed(r);
	assert_int_equal(crashed->len, 0);
	g_ptr_array_unref(crashed);
	recovery_window_open(r, "g:1", "g", 1, 2);
	recovery_window_open(r, "g:3", "g", 3, 4);
	recovery_window_open(r, "g:5", "g", 5, 6);
	recovery_window_offered(r, "g:3", "alice");
	recovery_window_offered(r, "g:3", "bob");
	recovery_window_closed(r, "g:1");
	recovery_flush(r);
	recovery_free(r);
	/* What a kill -9 leaves: the file as last written. */
	{
		recovery *again = recovery_new(dir, NULL, &err);

		crashed = recovery_take_crashed(again);
		assert_int_equal(crashed->len, 2);
		w = crashed->pdata[0];
		assert_string_equal(w->id, "g:3");
		assert_string_equal(w->group, "g");
		assert_true(w->start_ns == 3 && w->end_ns == 4);
		assert_int_equal(w->attempts, 2);
		assert_int_equal(w->reviewers->len, 2);
		assert_string_equal(w->reviewers->pdata[1], "bob");
		w = crashed->pdata[1];
		assert_string_equal(w->id, "g:5");
		/* Listed until closed. */
		assert_int_equal(recovery_count(again), 2);
		recovery_window_closed(again, "g:3");
		recovery_window_closed(again, "g:5");
		g_ptr_array_unref(crashed);
		recovery_free(again);
	}
	/* Closed windows are gone from the file. */
	r = recovery_new(dir, NULL, &err);
	crashed = recovery_take_crashed(r);
	assert_int_equal(crashed->len, 0);
	g_ptr_array_unref(crashed);
	recovery_free(r);
	rmtree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_entry_roundtrip),  cmocka_unit_test(test_append_replay_order),
	        cmocka_unit_test(test_segment_rollover), cmocka_unit_test(test_torn_tail),
	        cmocka_unit_test(test_crc_corruption),   cmocka_unit_test(test_full_policy),
	        cmocka_unit_test(test_reopen_resumes),   cmocka_unit_test(test_recovery_list),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
