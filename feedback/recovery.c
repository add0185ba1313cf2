/* The list of open windows in DIR/windows, kept so that a restart after a
 * crash can expire what the crashed run held. The file, one window a line:
 *
 *   ringside-open-windows 1
 *   <window id> TAB <group> TAB <start_ns> TAB <end_ns> TAB <attempts> TAB <reviewer>,...
 */
#include "feedback/recovery.h"

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>

#define RECOVERY_FILE "windows"
#define RECOVERY_TAG "ringside-open-windows 1"
#define RECOVERY_WRITE_MS 200 /* changes are written this long after the first */
#define RECOVERY_MAX 65536    /* windows listed, at most */

/* One of these per spool directory. */
struct recovery {
	char *path;
	GMainContext *ctx;
	GHashTable *by_id;  /* window id (borrowed from the window) -> GList * in order */
	GQueue order;       /* struct recovery_window *, oldest first */
	GPtrArray *crashed; /* what the previous run left, until taken */
	gboolean dirty;
	GSource *timer;
	guint64 dropped; /* windows pushed out by RECOVERY_MAX */
};

static void window_free(struct recovery_window *w)
{
	g_free(w->id);
	g_free(w->group);
	g_ptr_array_unref(w->reviewers);
	g_free(w);
}

static struct recovery_window *window_new(const char *id, const char *group, gint64 start_ns,
                                          gint64 end_ns)
{
	struct recovery_window *w = g_new0(struct recovery_window, 1);

	w->id = g_strdup(id);
	w->group = g_strdup(group);
	w->start_ns = start_ns;
	w->end_ns = end_ns;
	w->reviewers = g_ptr_array_new_with_free_func(g_free);
	return w;
}

static struct recovery_window *window_copy(const struct recovery_window *w)
{
	struct recovery_window *c = window_new(w->id, w->group, w->start_ns, w->end_ns);

	c->attempts = w->attempts;
	for (guint i = 0; i < w->reviewers->len; i++)
		g_ptr_array_add(c->reviewers, g_strdup(w->reviewers->pdata[i]));
	return c;
}

static gboolean on_timer(gpointer data)
{
	recovery *r = data;

	g_clear_pointer(&r->timer, g_source_unref);
	recovery_flush(r);
	return G_SOURCE_REMOVE;
}

static void changed(recovery *r)
{
	r->dirty = TRUE;
	if (r->timer)
		return;
	r->timer = g_timeout_source_new(RECOVERY_WRITE_MS);
	g_source_set_callback(r->timer, on_timer, r, NULL);
	g_source_attach(r->timer, r->ctx);
}

/* Adds W (taken) at the end of the list; past RECOVERY_MAX the oldest
 * entry is dropped with a warning. */
static void list_add(recovery *r, struct recovery_window *w)
{
	GList *old = g_hash_table_lookup(r->by_id, w->id);

	if (old) {
		g_hash_table_remove(r->by_id, w->id);
		window_free(old->data);
		g_queue_delete_link(&r->order, old);
	}
	if (r->order.length >= RECOVERY_MAX) {
		struct recovery_window *first = g_queue_pop_head(&r->order);

		g_hash_table_remove(r->by_id, first->id);
		if (!r->dropped++)
			g_warning("recovery: more than %d open windows; the oldest are no longer "
			          "listed (%s)",
			          RECOVERY_MAX, first->id);
		window_free(first);
	}
	g_queue_push_tail(&r->order, w);
	g_hash_table_insert(r->by_id, w->id, r->order.tail);
}

/* One line of the file into a window, or NULL. */
static struct recovery_window *parse_line(const char *line)
{
	g_auto(GStrv) f = g_strsplit(line, "\t", -1);
	struct recovery_window *w;
	char *end = NULL;
	gint64 start, stop;
	guint64 attempts;

	if (g_strv_length(f) != 6 || !f[0][0] || !f[1][0])
		return NULL;
	start = g_ascii_strtoll(f[2], &end, 10);
	if (!f[2][0] || *end)
		return NULL;
	stop = g_ascii_strtoll(f[3], &end, 10);
	if (!f[3][0] || *end)
		return NULL;
	attempts = g_ascii_strtoull(f[4], &end, 10);
	if (!f[4][0] || *end || attempts > G_MAXUINT)
		return NULL;
	w = window_new(f[0], f[1], start, stop);
	w->attempts = (guint)attempts;
	if (f[5][0]) {
		g_auto(GStrv) who = g_strsplit(f[5], ",", -1);

		for (guint i = 0; who[i]; i++)
			g_ptr_array_add(w->reviewers, g_strdup(who[i]));
	}
	return w;
}

/* Reads what the previous run left into the list and r->crashed. */
static void load(recovery *r)
{
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;
	GError *err = NULL;

	if (!g_file_get_contents(r->path, &text, NULL, &err)) {
		if (!g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			g_warning("recovery: %s", err->message);
		g_error_free(err);
		return;
	}
	lines = g_strsplit(text, "\n", -1);
	if (!lines[0] || strcmp(lines[0], RECOVERY_TAG)) {
		g_warning("recovery: %s is not a list of windows; ignored", r->path);
		return;
	}
	for (guint i = 1; lines[i]; i++) {
		struct recovery_window *w;

		if (!lines[i][0])
			continue;
		w = parse_line(lines[i]);
		if (!w) {
			g_warning("recovery: %s line %u is damaged; ignored", r->path, i + 1);
			continue;
		}
		g_ptr_array_add(r->crashed, window_copy(w));
		list_add(r, w);
	}
}

recovery *recovery_new(const char *dir, GMainContext *ctx, GError **err)
{
	recovery *r = g_new0(recovery, 1);

	if (g_mkdir_with_parents(dir, 0700) != 0) {
		g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(errno), "%s: %s", dir,
		            g_strerror(errno));
		g_free(r);
		return NULL;
	}
	r->path = g_build_filename(dir, RECOVERY_FILE, NULL);
	r->ctx = g_main_context_ref(ctx ? ctx : g_main_context_default());
	r->by_id = g_hash_table_new(g_str_hash, g_str_equal);
	g_queue_init(&r->order);
	r->crashed = g_ptr_array_new_with_free_func((GDestroyNotify)window_free);
	load(r);
	return r;
}

void recovery_free(recovery *r)
{
	struct recovery_window *w;

	if (!r)
		return;
	if (r->timer) {
		g_source_destroy(r->timer);
		g_clear_pointer(&r->timer, g_source_unref);
	}
	recovery_flush(r);
	while ((w = g_queue_pop_head(&r->order)))
		window_free(w);
	g_hash_table_unref(r->by_id);
	g_ptr_array_unref(r->crashed);
	g_main_context_unref(r->ctx);
	g_free(r->path);
	g_free(r);
}

GPtrArray *recovery_take_crashed(recovery *r)
{
	GPtrArray *out = r->crashed;

	r->crashed = g_ptr_array_new_with_free_func((GDestroyNotify)window_free);
	return out;
}

void recovery_window_open(recovery *r, const char *id, const char *group, gint64 start_ns,
                          gint64 end_ns)
{
	list_add(r, window_new(id, group, start_ns, end_ns));
	changed(r);
}

void recovery_window_offered(recovery *r, const char *id, const char *reviewer)
{
	GList *l = g_hash_table_lookup(r->by_id, id);
	struct recovery_window *w;

	if (!l)
		return;
	w = l->data;
	w->attempts++;
	g_ptr_array_add(w->reviewers, g_strdup(reviewer));
	changed(r);
}

void recovery_window_closed(recovery *r, const char *id)
{
	GList *l = g_hash_table_lookup(r->by_id, id);

	if (!l)
		return;
	g_hash_table_remove(r->by_id, id);
	window_free(l->data);
	g_queue_delete_link(&r->order, l);
	changed(r);
}

/* O(windows listed): the whole file is rewritten. */
void recovery_flush(recovery *r)
{
	g_autoptr(GString) text = NULL;
	GError *err = NULL;

	if (!r->dirty)
		return;
	text = g_string_new(RECOVERY_TAG "\n");
	for (GList *l = r->order.head; l; l = l->next) {
		const struct recovery_window *w = l->data;

		g_string_append_printf(text,
		                       "%s\t%s\t%" G_GINT64_FORMAT "\t%" G_GINT64_FORMAT "\t%u\t",
		                       w->id, w->group, w->start_ns, w->end_ns, w->attempts);
		for (guint i = 0; i < w->reviewers->len; i++)
			g_string_append_printf(text, "%s%s", i ? "," : "",
			                       (const char *)w->reviewers->pdata[i]);
		g_string_append_c(text, '\n');
	}
	if (!g_file_set_contents_full(r->path, text->str, (gssize)text->len,
	                              G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
	                              0600, &err)) {
		g_warning("recovery: writing %s: %s", r->path, err->message);
		g_error_free(err);
		return;
	}
	r->dirty = FALSE;
}

guint recovery_count(const recovery *r)
{
	return r->order.length;
}
