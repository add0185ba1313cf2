/* Reload: compares a freshly read config with the running one, restarts
 * the sources whose settings changed on their own rings, and names every
 * change that only a restart of the daemon can apply.
 *
 * Lifetimes: windows and groups point at source settings (struct
 * rs_source_conf) inside the config they were cut with, so no config is
 * freed before exit. A reload that restarts a source keeps its config in
 * r->configs; the source's entry there is what the groups point at from
 * then on, so new windows describe the new settings (width, fps, ...). */
#include "daemon/reload.h"

#include <stdarg.h>
#include <string.h>

/* One of these per daemon. */
struct reloader {
	struct rs_config *cfg; /* the config the daemon started with (borrowed) */
	ring **rings;          /* per cfg->sources[i], borrowed */
	source **sources;      /* per cfg->sources[i], borrowed; entries replaced */
	/* per cfg->sources[i]: the settings it runs with now (in cfg or in
	 * one of configs) */
	const struct rs_source_conf **cur;
	GPtrArray *configs; /* struct rs_config * loaded by reloads and in use */
};

/* A field added to struct rs_source_conf must be compared below
 * (source_changes); this stops the build until it is. */
#if GLIB_SIZEOF_VOID_P == 8
_Static_assert(sizeof(struct rs_source_conf) == 128,
               "struct rs_source_conf changed: compare the new field in source_changes()");
#endif

reloader *reloader_new(struct rs_config *cfg, ring **rings, source **sources)
{
	reloader *r = g_new0(reloader, 1);

	r->cfg = cfg;
	r->rings = rings;
	r->sources = sources;
	r->cur = g_new0(const struct rs_source_conf *, cfg->n_sources ? cfg->n_sources : 1);
	for (guint i = 0; i < cfg->n_sources; i++)
		r->cur[i] = &cfg->sources[i];
	r->configs = g_ptr_array_new_with_free_func((GDestroyNotify)config_free);
	return r;
}

void reloader_free(reloader *r)
{
	if (!r)
		return;
	g_ptr_array_unref(r->configs);
	g_free(r->cur);
	g_free(r);
}

static gboolean str_eq(const char *a, const char *b)
{
	return g_strcmp0(a, b) == 0;
}

static gboolean strv_eq(char **a, char **b)
{
	if (!a || !b)
		return a == b;
	return g_strv_equal((const char *const *)a, (const char *const *)b);
}

/* Appends ", WHAT" (or "WHAT" first) to LIST. */
static void list_add(GString *list, const char *what)
{
	if (list->len)
		g_string_append(list, ", ");
	g_string_append(list, what);
}

static void other_add(GPtrArray *other, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* Appends one change that needs a daemon restart, e.g. "[group g] classes". */
static void other_add(GPtrArray *other, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	g_ptr_array_add(other, g_strdup_vprintf(fmt, ap));
	va_end(ap);
}

/* Appends to CHANGED the config keys of source settings A and B (same name
 * and kind) that differ and that a restart of the source applies; and to
 * RING_KEYS the ring keys that differ (only a daemon restart applies those).
 * Every field of struct rs_source_conf is compared. O(channels). */
static void source_changes(const struct rs_source_conf *a, const struct rs_source_conf *b,
                           GString *changed, GString *ring_keys)
{
	if (!str_eq(a->uri, b->uri))
		list_add(changed, "uri");
	if (!str_eq(a->pipeline, b->pipeline))
		list_add(changed, "pipeline");
	if (a->width != b->width)
		list_add(changed, "width");
	if (a->height != b->height)
		list_add(changed, "height");
	if (a->fps != b->fps)
		list_add(changed, "fps");
	if (a->jpeg_quality != b->jpeg_quality)
		list_add(changed, "jpeg_quality");
	if (a->sample_rate != b->sample_rate)
		list_add(changed, "sample_rate");
	if (!str_eq(a->listen_host, b->listen_host) || a->listen_port != b->listen_port)
		list_add(changed, "listen");
	if (a->n_channels != b->n_channels || !strv_eq(a->channels, b->channels))
		list_add(changed, "channels");
	if (a->clock != b->clock)
		list_add(changed, "clock");
	if (a->transport != b->transport)
		list_add(changed, "transport");
	if (a->offset_ns != b->offset_ns)
		list_add(changed, "offset_ms");
	if (a->queue_buffers != b->queue_buffers)
		list_add(changed, "queue_buffers");
	if (a->ring_ns != b->ring_ns)
		list_add(ring_keys, "ring_seconds");
	if (a->ring_bytes != b->ring_bytes)
		list_add(ring_keys, "ring_bytes");
}

/* Appends to OTHER "[group NAME] KEY" for each setting of groups A and B
 * (same name) that differs. */
static void group_changes(const struct rs_group_conf *a, const struct rs_group_conf *b,
                          GPtrArray *other)
{
	static const char *const keys[] = {
	        "sources",   "window_seconds",        "every_seconds",    "lateness_ms",
	        "classes",   "multi_label",           "time_box_seconds", "max_attempts",
	        "queue_max", "queue_timeout_seconds",
	};
	gboolean diff[G_N_ELEMENTS(keys)] = {0};

	diff[0] = a->n_sources != b->n_sources;
	for (guint k = 0; !diff[0] && k < a->n_sources; k++)
		diff[0] = !str_eq(a->sources[k]->name, b->sources[k]->name);
	diff[1] = a->window_ns != b->window_ns;
	diff[2] = a->every_ns != b->every_ns;
	diff[3] = a->lateness_ns != b->lateness_ns;
	diff[4] = a->n_classes != b->n_classes || !strv_eq(a->classes, b->classes);
	diff[5] = a->multi_label != b->multi_label;
	diff[6] = a->time_box_ns != b->time_box_ns;
	diff[7] = a->max_attempts != b->max_attempts;
	diff[8] = a->queue_max != b->queue_max;
	diff[9] = a->queue_timeout_ns != b->queue_timeout_ns;
	for (guint k = 0; k < G_N_ELEMENTS(keys); k++) {
		if (diff[k])
			other_add(other, "[group %s] %s", a->name, keys[k]);
	}
}

/* Appends to OTHER what differs between A and B outside the sources:
 * [daemon], [redis], groups and reviewers added, removed or changed. */
static void config_changes(const struct rs_config *a, const struct rs_config *b, GPtrArray *other)
{
	if (!str_eq(a->listen_host, b->listen_host) || a->listen_port != b->listen_port)
		other_add(other, "[daemon] listen");
	if (!str_eq(a->web_root, b->web_root))
		other_add(other, "[daemon] web_root");
	if (!str_eq(a->proto_dir, b->proto_dir))
		other_add(other, "[daemon] proto_dir");
	if (a->max_message_bytes != b->max_message_bytes)
		other_add(other, "[daemon] max_message_bytes");
	if (a->send_queue_bytes != b->send_queue_bytes)
		other_add(other, "[daemon] send_queue_bytes");
	if (!str_eq(a->redis_host, b->redis_host))
		other_add(other, "[redis] host");
	if (a->redis_port != b->redis_port)
		other_add(other, "[redis] port");
	if (!str_eq(a->label_stream, b->label_stream))
		other_add(other, "[redis] label_stream");
	if (!str_eq(a->expired_stream, b->expired_stream))
		other_add(other, "[redis] expired_stream");
	if (a->stream_maxlen != b->stream_maxlen)
		other_add(other, "[redis] stream_maxlen");
	/* Security settings apply at start; the revocation list's contents
	 * are re-read by themselves whenever the file changes. */
	if (!str_eq(a->tls_cert, b->tls_cert) || !str_eq(a->tls_key, b->tls_key))
		other_add(other, "[daemon] tls_cert/tls_key");
	if (!str_eq(a->token_secret_file, b->token_secret_file) ||
	    a->token_secret_len != b->token_secret_len ||
	    (a->token_secret && memcmp(a->token_secret, b->token_secret, a->token_secret_len)))
		other_add(other, "[daemon] token_secret_file");
	if (!str_eq(a->revoked_tokens_file, b->revoked_tokens_file))
		other_add(other, "[daemon] revoked_tokens_file");
	if (!strv_eq(a->allowed_origins, b->allowed_origins))
		other_add(other, "[daemon] allowed_origins");
	if (a->max_messages_per_second != b->max_messages_per_second)
		other_add(other, "[daemon] max_messages_per_second");
	if (a->metrics_require_admin != b->metrics_require_admin)
		other_add(other, "[daemon] metrics_require_admin");
	if (!str_eq(a->redis_user, b->redis_user) || !str_eq(a->redis_password, b->redis_password))
		other_add(other, "[redis] user/password");
	if (!str_eq(a->spool_dir, b->spool_dir))
		other_add(other, "[spool] dir");
	if (a->spool_max_bytes != b->spool_max_bytes)
		other_add(other, "[spool] max_bytes");
	if (a->spool_segment_bytes != b->spool_segment_bytes)
		other_add(other, "[spool] segment_bytes");

	for (guint i = 0; i < a->n_groups; i++) {
		const struct rs_group_conf *ga = &a->groups[i], *gb = NULL;

		for (guint k = 0; k < b->n_groups && !gb; k++) {
			if (str_eq(ga->name, b->groups[k].name))
				gb = &b->groups[k];
		}
		if (gb)
			group_changes(ga, gb, other);
		else
			other_add(other, "[group %s] removed", ga->name);
	}
	for (guint k = 0; k < b->n_groups; k++) {
		gboolean known = FALSE;

		for (guint i = 0; i < a->n_groups && !known; i++)
			known = str_eq(a->groups[i].name, b->groups[k].name);
		if (!known)
			other_add(other, "[group %s] added", b->groups[k].name);
	}

	for (guint i = 0; i < a->n_reviewers; i++) {
		const struct rs_reviewer_conf *ra = &a->reviewers[i], *rb = NULL;

		for (guint k = 0; k < b->n_reviewers && !rb; k++) {
			if (str_eq(ra->id, b->reviewers[k].id))
				rb = &b->reviewers[k];
		}
		if (!rb || !str_eq(ra->token, rb->token))
			other_add(other, "[reviewer %s] %s", ra->id, rb ? "token" : "removed");
		else if (ra->role != rb->role)
			other_add(other, "[reviewer %s] role", ra->id);
	}
	for (guint k = 0; k < b->n_reviewers; k++) {
		gboolean known = FALSE;

		for (guint i = 0; i < a->n_reviewers && !known; i++)
			known = str_eq(a->reviewers[i].id, b->reviewers[k].id);
		if (!known)
			other_add(other, "[reviewer %s] added", b->reviewers[k].id);
	}
}

/* Builds and starts a source for CONF on RING. Returns it, or NULL with
 * ERR set. */
static source *source_up(const struct rs_source_conf *conf, ring *rg, GError **err)
{
	source *src = source_new(conf, rg, err);

	if (src && !source_start(src, err))
		g_clear_pointer(&src, source_free);
	return src;
}

/* Replaces source I with one built from NC on the same ring. A video or
 * audio source is built (its pipeline parsed) before the old one stops,
 * so a description that does not parse leaves the old one untouched; a
 * sensor's old source is freed first, as the new one may bind its port.
 * If the new source cannot be built or started, the old settings are
 * built again. Returns TRUE when the new settings run; FALSE with ERR
 * saying why they were refused. */
static gboolean restart_source(reloader *r, guint i, const struct rs_source_conf *nc, GError **err)
{
	ring *rg = r->rings[i];
	source *fresh = NULL;
	GError *again = NULL;
	gboolean ok = FALSE;

	if (nc->kind != RS_KIND_SENSOR) {
		fresh = source_new(nc, rg, err);
		if (!fresh)
			goto out; /* the old source never stopped */
	}
	g_clear_pointer(&r->sources[i], source_free);
	if (!fresh)
		fresh = source_new(nc, rg, err);
	if (fresh && source_start(fresh, err)) {
		r->sources[i] = g_steal_pointer(&fresh);
		ok = TRUE;
		goto out;
	}
	g_clear_pointer(&fresh, source_free);
	r->sources[i] = source_up(r->cur[i], rg, &again);
	if (!r->sources[i])
		g_warning("reload: source %s could not be started again with its old settings "
		          "either (%s); it stays down until the daemon restarts",
		          nc->name, again->message);
	g_clear_error(&again);
out:
	return ok;
}

/* Points every group of the running config that lists OLD at NC. */
static void groups_repoint(struct rs_config *cfg, const struct rs_source_conf *old,
                           struct rs_source_conf *nc)
{
	for (guint g = 0; g < cfg->n_groups; g++) {
		for (guint k = 0; k < cfg->groups[g].n_sources; k++) {
			if (cfg->groups[g].sources[k] == old)
				cfg->groups[g].sources[k] = nc;
		}
	}
}

int reload_apply(reloader *r)
{
	struct rs_config *fresh = NULL;
	g_autoptr(GPtrArray) other = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GString) restarted = g_string_new(NULL);
	GError *err = NULL;
	guint n_restarted = 0, n_other;
	int rc = -1;

	fresh = config_load(r->cfg->path, &err);
	if (!fresh) {
		g_warning("reload refused, nothing changed: %s", err->message);
		goto out;
	}

	for (guint i = 0; i < r->cfg->n_sources; i++) {
		const struct rs_source_conf *cur = r->cur[i];
		struct rs_source_conf *nc = NULL;
		g_autoptr(GString) changed = g_string_new(NULL);
		g_autoptr(GString) ring_keys = g_string_new(NULL);

		for (guint k = 0; k < fresh->n_sources && !nc; k++) {
			if (str_eq(fresh->sources[k].name, cur->name))
				nc = &fresh->sources[k];
		}
		if (!nc) {
			other_add(other, "[source %s] removed", cur->name);
			continue;
		}
		if (nc->kind != cur->kind) {
			other_add(other, "[source %s] kind", cur->name);
			continue;
		}
		source_changes(cur, nc, changed, ring_keys);
		if (ring_keys->len)
			other_add(other, "[source %s] %s (the ring is kept as it is)", cur->name,
			          ring_keys->str);
		if (!changed->len)
			continue;
		/* The ring stays as it is: say so in the settings the source
		 * runs with, so the next reload compares against the truth. */
		nc->ring_ns = cur->ring_ns;
		nc->ring_bytes = cur->ring_bytes;
		if (!restart_source(r, i, nc, &err)) {
			g_warning(
			        "reload: source %s: new settings (%s) refused, kept the old ones: "
			        "%s",
			        cur->name, changed->str, err->message);
			g_clear_error(&err);
			continue;
		}
		g_message("reload: source %s: %s changed; restarted on its ring", cur->name,
		          changed->str);
		groups_repoint(r->cfg, cur, nc);
		r->cur[i] = nc;
		list_add(restarted, cur->name);
		n_restarted++;
	}
	for (guint k = 0; k < fresh->n_sources; k++) {
		if (!config_find_source(r->cfg, fresh->sources[k].name))
			other_add(other, "[source %s] added", fresh->sources[k].name);
	}
	config_changes(r->cfg, fresh, other);

	n_other = other->len;
	if (n_other) {
		g_autofree char *all = NULL;

		g_ptr_array_add(other, NULL);
		all = g_strjoinv(", ", (char **)other->pdata);
		g_warning("reload: needs a restart to apply: %s", all);
	}
	if (n_restarted)
		g_message("reload: source%s %s restarted with new settings; %u other change%s",
		          n_restarted > 1 ? "s" : "", restarted->str, n_other,
		          n_other == 1 ? "" : "s");
	else
		g_message("reload: no source restarted; %u other change%s", n_other,
		          n_other == 1 ? "" : "s");
	rc = (int)n_restarted;
	if (n_restarted)
		g_ptr_array_add(r->configs, g_steal_pointer(&fresh));
out:
	g_clear_error(&err);
	config_free(fresh);
	return rc;
}
