/* Pre-annotations waiting for their window: per group, a bounded queue in
 * arrival order; matched, checked and attached as each window is cut. */
#include "feedback/preannot.h"

#include <string.h>

#include "feedback/label.h"
#include "ringside.pb-c.h"

/* Drops of one kind are logged at most this often (the first at once). */
#define LOG_EVERY_US (10 * G_TIME_SPAN_SECOND)
/* preannot_tick looks for stale pre-annotations at most this often. */
#define TICK_EVERY_NS (1000 * 1000000LL)
/* Group names taken from an entry are quoted in logs up to this length. */
#define NAME_LOG_MAX 64

/* A rate limit for one kind of log line. */
struct log_limit {
	gint64 last_us;   /* monotonic; 0: nothing logged yet */
	guint64 unlogged; /* lines since the last one logged, this one included */
};

/* One of these per pre-annotation waiting for its window. */
struct pending {
	char *entry_id;
	gint64 start_ns, end_ns;
	gint64 last_start_ns; /* the latest window start that can hold it */
	GBytes *packed;       /* as received; decoded again to be checked, so that a
	                       * waiting one costs its packed size, not its decoded one */
};

/* One of these per configured group. */
struct pa_group {
	const struct rs_group_conf *conf;
	GQueue waiting;    /* of struct pending, in arrival order */
	gint64 horizon_ns; /* start of the next window to be cut */
	gint64 keep_ns;    /* the shortest ring of the group's sources */
	guint64 received, attached;
	guint64 dropped[PREANNOT_N_RESULTS];
};

/* One of these per daemon. */
struct preannot {
	struct pa_group *groups;
	guint n_groups;
	GHashTable *by_name; /* group name (borrowed) -> struct pa_group */
	gsize max_bytes;
	gint64 tick_ns; /* last preannot_tick that looked */
	guint64 refused[PREANNOT_N_RESULTS];
	struct log_limit logs[PREANNOT_N_RESULTS];
};

static const char *const result_names[PREANNOT_N_RESULTS] = {
        [PREANNOT_BUFFERED] = "buffered",
        [PREANNOT_TOO_LARGE] = "too_large",
        [PREANNOT_UNDECODABLE] = "undecodable",
        [PREANNOT_UNKNOWN_GROUP] = "unknown_group",
        [PREANNOT_BAD_SPAN] = "bad_span",
        [PREANNOT_NO_WINDOW] = "no_window",
        [PREANNOT_LATE] = "late",
        [PREANNOT_STALE] = "stale",
        [PREANNOT_FULL] = "full",
        [PREANNOT_INVALID] = "invalid",
        [PREANNOT_WINDOW_FULL] = "window_full",
};

const char *preannot_result_name(enum preannot_result r)
{
	return r < PREANNOT_N_RESULTS ? result_names[r] : "unknown";
}

/* Floor of T / EVERY times EVERY, for T >= 0: the largest multiple of
 * EVERY at or before T. */
static gint64 floor_multiple(gint64 t, gint64 every)
{
	return t / every * every;
}

/* The first multiple of EVERY strictly after T, as the cutter starts. */
static gint64 next_multiple(gint64 t, gint64 every)
{
	gint64 q = t / every;

	if (t % every != 0 && t < 0)
		q--;
	return (q + 1) * every;
}

/* Logs "pre-annotation ID[ for group G] dropped (REASON): DETAIL" now if
 * this kind let nothing through for LOG_EVERY_US (with how many came
 * since), else only counts the line. GROUP may be NULL. */
static void G_GNUC_PRINTF(5, 6) log_drop(preannot *pa, enum preannot_result r, const char *entry_id,
                                         const char *group, const char *fmt, ...)
{
	struct log_limit *l = &pa->logs[r];
	gint64 now = g_get_monotonic_time();
	g_autofree char *detail = NULL;
	va_list ap;

	l->unlogged++;
	if (l->last_us && now - l->last_us < LOG_EVERY_US)
		return;
	va_start(ap, fmt);
	detail = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (l->unlogged > 1)
		g_warning("pre-annotation %s%s%s dropped (%s): %s (%" G_GUINT64_FORMAT
		          " dropped so since the last report)",
		          entry_id, group ? " for group " : "", group ? group : "", result_names[r],
		          detail, l->unlogged);
	else
		g_warning("pre-annotation %s%s%s dropped (%s): %s", entry_id,
		          group ? " for group " : "", group ? group : "", result_names[r], detail);
	l->last_us = now;
	l->unlogged = 0;
}

static void pending_free(struct pending *p)
{
	g_free(p->entry_id);
	g_bytes_unref(p->packed);
	g_free(p);
}

/* Counts P as dropped for R in G, logs why (DETAIL) and frees it. */
static void drop(preannot *pa, struct pa_group *g, struct pending *p, enum preannot_result r,
                 const char *detail)
{
	g->dropped[r]++;
	log_drop(pa, r, p->entry_id, g->conf->name, "%s", detail);
	pending_free(p);
}

preannot *preannot_new(const struct rs_group_conf *groups, guint n_groups, gsize max_bytes,
                       gint64 start_ns)
{
	preannot *pa = g_new0(preannot, 1);

	pa->groups = g_new0(struct pa_group, n_groups);
	pa->n_groups = n_groups;
	pa->by_name = g_hash_table_new(g_str_hash, g_str_equal);
	pa->max_bytes = max_bytes;
	for (guint i = 0; i < n_groups; i++) {
		struct pa_group *g = &pa->groups[i];
		const struct rs_group_conf *c = &groups[i];

		g->conf = c;
		g_queue_init(&g->waiting);
		g->horizon_ns = next_multiple(start_ns, c->every_ns);
		g->keep_ns = G_MAXINT64;
		for (guint k = 0; k < c->n_sources; k++)
			if (c->sources[k]->ring_ns > 0)
				g->keep_ns = MIN(g->keep_ns, c->sources[k]->ring_ns);
		g_hash_table_insert(pa->by_name, c->name, g);
	}
	return pa;
}

void preannot_free(preannot *pa)
{
	if (!pa)
		return;
	for (guint i = 0; i < pa->n_groups; i++)
		g_queue_clear_full(&pa->groups[i].waiting, (GDestroyNotify)pending_free);
	g_hash_table_unref(pa->by_name);
	g_free(pa->groups);
	g_free(pa);
}

/* Where P can go in G at NOW_NS: PREANNOT_BUFFERED, or why it cannot, with
 * the detail in WHY. Sets p->last_start_ns. O(1). */
static enum preannot_result place(const struct pa_group *g, struct pending *p, gint64 now_ns,
                                  char *why, gsize why_len)
{
	const struct rs_group_conf *c = g->conf;

	if (p->start_ns < 0 || p->end_ns <= p->start_ns) {
		g_snprintf(why, why_len,
		           "[%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
		           ") is not a span: start_ns must be >= 0 and before end_ns",
		           p->start_ns, p->end_ns);
		return PREANNOT_BAD_SPAN;
	}
	/* The window starting at the last multiple of every before start_ns
	 * ends latest of those that can hold it. No overflow: 0 <= last <=
	 * start < end. */
	p->last_start_ns = floor_multiple(p->start_ns, c->every_ns);
	if (p->end_ns - p->last_start_ns > c->window_ns) {
		g_snprintf(why, why_len,
		           "[%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
		           ") lies in no window (windows are %.3f s long, every %.3f s, "
		           "aligned on the UNIX timeline)",
		           p->start_ns, p->end_ns, c->window_ns / 1e9, c->every_ns / 1e9);
		return PREANNOT_NO_WINDOW;
	}
	if (p->last_start_ns < g->horizon_ns) {
		g_snprintf(why, why_len,
		           "[%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
		           ") arrived after its window %s:%" G_GINT64_FORMAT " was cut or skipped",
		           p->start_ns, p->end_ns, c->name, p->last_start_ns);
		return PREANNOT_LATE;
	}
	if (now_ns - p->last_start_ns > g->keep_ns) {
		g_snprintf(why, why_len,
		           "[%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
		           ") is older than the group's rings (%.1f s)",
		           p->start_ns, p->end_ns, g->keep_ns / 1e9);
		return PREANNOT_STALE;
	}
	return PREANNOT_BUFFERED;
}

/* Counts a refusal before any group is known and logs it. */
static enum preannot_result refuse(preannot *pa, enum preannot_result r, const char *entry_id,
                                   const char *detail)
{
	pa->refused[r]++;
	log_drop(pa, r, entry_id, NULL, "%s", detail);
	return r;
}

enum preannot_result preannot_offer(preannot *pa, const char *entry_id, const guint8 *data,
                                    gsize len, gint64 now_ns)
{
	Ringside__V1__PreAnnotation *msg;
	struct pa_group *g;
	struct pending *p;
	enum preannot_result r;
	char why[256];

	if (!data)
		return refuse(pa, PREANNOT_UNDECODABLE, entry_id, "the entry has no field pb");
	if (len > pa->max_bytes) {
		g_snprintf(why, sizeof why, "%zu bytes, more than %zu (max_message_bytes)", len,
		           pa->max_bytes);
		return refuse(pa, PREANNOT_TOO_LARGE, entry_id, why);
	}
	msg = ringside__v1__pre_annotation__unpack(NULL, len, data);
	if (!msg)
		return refuse(pa, PREANNOT_UNDECODABLE, entry_id,
		              "field pb is not a ringside.v1.PreAnnotation");
	g = g_hash_table_lookup(pa->by_name, msg->group);
	if (!g) {
		g_autofree char *name = g_strndup(msg->group, NAME_LOG_MAX);
		g_autofree char *quoted = g_strescape(name, NULL);

		g_snprintf(why, sizeof why, "group: \"%s\" is not a group of this daemon", quoted);
		ringside__v1__pre_annotation__free_unpacked(msg, NULL);
		return refuse(pa, PREANNOT_UNKNOWN_GROUP, entry_id, why);
	}
	g->received++;
	p = g_new0(struct pending, 1);
	p->entry_id = g_strdup(entry_id);
	p->start_ns = msg->start_ns;
	p->end_ns = msg->end_ns;
	ringside__v1__pre_annotation__free_unpacked(msg, NULL);
	p->packed = g_bytes_new(data, len);
	r = place(g, p, now_ns, why, sizeof why);
	if (r == PREANNOT_BUFFERED && !g->conf->preannotations_max) {
		g_strlcpy(why, "the group takes none (preannotations_max = 0)", sizeof why);
		r = PREANNOT_FULL;
	}
	if (r != PREANNOT_BUFFERED) {
		drop(pa, g, p, r, why);
		return r;
	}
	while (g->waiting.length >= g->conf->preannotations_max) {
		g_snprintf(why, sizeof why,
		           "%u waiting (preannotations_max); the oldest makes room for %s",
		           g->waiting.length, entry_id);
		drop(pa, g, g_queue_pop_head(&g->waiting), PREANNOT_FULL, why);
	}
	g_queue_push_tail(&g->waiting, p);
	return PREANNOT_BUFFERED;
}

/* Packed bytes of the pre-annotations W carries. O(them). */
static gsize attached_bytes(const rs_window *w)
{
	gsize n = 0;

	for (guint i = 0; w->preannotations && i < w->preannotations->len; i++)
		n += g_bytes_get_size(g_ptr_array_index(w->preannotations, i));
	return n;
}

/* Checks P against W and appends it when good; drops it when not. Takes
 * P. Returns whether it was attached. O(its size). */
static gboolean attach_one(preannot *pa, struct pa_group *g, struct pending *p, rs_window *w)
{
	char reason[256];
	g_autofree char *detail = NULL;
	Ringside__V1__PreAnnotation *msg;
	gsize len;
	const guint8 *data = g_bytes_get_data(p->packed, &len);
	guint items;

	/* It decoded when offered, so it decodes again (short of memory). */
	msg = ringside__v1__pre_annotation__unpack(NULL, len, data);
	if (!msg)
		g_strlcpy(reason, "could not be decoded again", sizeof reason);
	if (!msg || !label_validate_pre(msg, w, reason, sizeof reason)) {
		if (msg)
			ringside__v1__pre_annotation__free_unpacked(msg, NULL);
		detail = g_strdup_printf("not valid for window %s: %s", w->id, reason);
		drop(pa, g, p, PREANNOT_INVALID, detail);
		return FALSE;
	}
	items = msg->label ? label_count_items(msg->label) : 0;
	/* What reviewers get is what the schema says, with keyframes on the
	 * window's exact frame times: packed again. */
	label_strip_unknown(&msg->base);
	if (msg->label)
		label_snap_keyframes(msg->label, w, TRUE);
	len = ringside__v1__pre_annotation__get_packed_size(msg);
	/* A window carries at most max_bytes of them, so that a busy model
	 * cannot make windows too large to send. */
	if (attached_bytes(w) + len > pa->max_bytes) {
		ringside__v1__pre_annotation__free_unpacked(msg, NULL);
		detail = g_strdup_printf("window %s already carries %zu bytes of pre-annotations "
		                         "(at most %zu, max_message_bytes)",
		                         w->id, attached_bytes(w), pa->max_bytes);
		drop(pa, g, p, PREANNOT_WINDOW_FULL, detail);
		return FALSE;
	}
	{
		guint8 *buf = g_malloc(len ? len : 1);

		ringside__v1__pre_annotation__pack(msg, buf);
		if (!w->preannotations)
			w->preannotations =
				g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
		g_ptr_array_add(w->preannotations, g_bytes_new_take(buf, len));
	}
	ringside__v1__pre_annotation__free_unpacked(msg, NULL);
	w->preannotation_items = w->preannotation_items > G_MAXUINT - items
	                                 ? G_MAXUINT
	                                 : w->preannotation_items + items;
	g->attached++;
	pending_free(p);
	return TRUE;
}

guint preannot_attach(preannot *pa, rs_window *w)
{
	struct pa_group *g = g_hash_table_lookup(pa->by_name, w->group->name);
	guint attached = 0;
	GList *l, *next;
	char why[256];

	if (!g)
		return 0;
	for (l = g->waiting.head; l; l = next) {
		struct pending *p = l->data;

		next = l->next;
		if (p->start_ns < w->start_ns || p->end_ns > w->end_ns)
			continue;
		g_queue_delete_link(&g->waiting, l);
		attached += attach_one(pa, g, p, w);
	}
	/* Later windows start after this one: what only an earlier window
	 * could hold is too late now. */
	g->horizon_ns = MAX(g->horizon_ns, w->start_ns + g->conf->every_ns);
	for (l = g->waiting.head; l; l = next) {
		struct pending *p = l->data;

		next = l->next;
		if (p->last_start_ns >= g->horizon_ns)
			continue;
		g_queue_delete_link(&g->waiting, l);
		g_snprintf(why, sizeof why,
		           "[%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
		           ") matched no window cut (the last was %s)",
		           p->start_ns, p->end_ns, w->id);
		drop(pa, g, p, PREANNOT_LATE, why);
	}
	return attached;
}

void preannot_tick(preannot *pa, gint64 now_ns)
{
	char why[256];

	if (pa->tick_ns && now_ns - pa->tick_ns < TICK_EVERY_NS && now_ns >= pa->tick_ns)
		return;
	pa->tick_ns = now_ns;
	for (guint i = 0; i < pa->n_groups; i++) {
		struct pa_group *g = &pa->groups[i];
		GList *l, *next;

		for (l = g->waiting.head; l; l = next) {
			struct pending *p = l->data;

			next = l->next;
			if (now_ns - p->last_start_ns <= g->keep_ns)
				continue;
			g_queue_delete_link(&g->waiting, l);
			g_snprintf(why, sizeof why,
			           "[%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
			           ") is older than the group's rings (%.1f s) and no window "
			           "holding it was cut",
			           p->start_ns, p->end_ns, g->keep_ns / 1e9);
			drop(pa, g, p, PREANNOT_STALE, why);
		}
	}
}

gint preannot_waiting(const preannot *pa, const char *group)
{
	const struct pa_group *g = g_hash_table_lookup(pa->by_name, group);

	return g ? (gint)g->waiting.length : -1;
}

void preannot_metrics_append(preannot *pa, GString *out)
{
	for (guint i = 0; i < pa->n_groups; i++) {
		const struct pa_group *g = &pa->groups[i];
		const char *name = g->conf->name;

		g_string_append_printf(out,
		                       "ringside_preannotations_received_total{group=\"%s\"} "
		                       "%" G_GUINT64_FORMAT "\n"
		                       "ringside_preannotations_attached_total{group=\"%s\"} "
		                       "%" G_GUINT64_FORMAT "\n"
		                       "ringside_preannotations_waiting{group=\"%s\"} %u\n",
		                       name, g->received, name, g->attached, name,
		                       g->waiting.length);
		for (guint r = PREANNOT_BAD_SPAN; r < PREANNOT_N_RESULTS; r++)
			g_string_append_printf(out,
			                       "ringside_preannotations_dropped_total{group=\"%s\","
			                       "reason=\"%s\"} %" G_GUINT64_FORMAT "\n",
			                       name, result_names[r], g->dropped[r]);
	}
	for (guint r = PREANNOT_TOO_LARGE; r <= PREANNOT_UNKNOWN_GROUP; r++)
		g_string_append_printf(out,
		                       "ringside_preannotations_refused_total{reason=\"%s\"} "
		                       "%" G_GUINT64_FORMAT "\n",
		                       result_names[r], pa->refused[r]);
}
