/* Label validation: a submitted label is checked against the window it
 * answers and its group's template; nothing partial is ever published. */
#include "feedback/label.h"

#include <string.h>

#define CLASSES_MAX 64
#define EVENTS_MAX 256
#define EVENT_SOURCES_MAX 64

static gboolean refuse(char *reason, gsize reason_len, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static gboolean refuse(char *reason, gsize reason_len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	g_vsnprintf(reason, reason_len, fmt, ap);
	va_end(ap);
	return FALSE;
}

static gboolean is_class(const struct rs_group_conf *g, const char *name)
{
	for (guint i = 0; i < g->n_classes; i++) {
		if (!strcmp(g->classes[i], name))
			return TRUE;
	}
	return FALSE;
}

static gboolean is_source(const rs_window *w, const char *name)
{
	for (guint i = 0; i < w->n_sources; i++) {
		if (!strcmp(w->sources[i].conf->name, name))
			return TRUE;
	}
	return FALSE;
}

/* Label ids are what consumers deduplicate on: printable ASCII without
 * spaces, so they survive logs, JSON and redis-cli unharmed. */
static gboolean valid_label_id(const char *id)
{
	gsize len = strlen(id);

	if (len == 0 || len > LABEL_ID_MAX)
		return FALSE;
	for (gsize i = 0; i < len; i++) {
		if (id[i] <= ' ' || id[i] > '~')
			return FALSE;
	}
	return TRUE;
}

gboolean label_validate(const Ringside__V1__Label *label, const rs_window *w, char *reason,
			gsize reason_len)
{
	const struct rs_group_conf *g = w->group;

	if (!valid_label_id(label->label_id))
		return refuse(reason, reason_len,
			      "label_id: must be 1-%d printable characters without spaces",
			      LABEL_ID_MAX);
	if (strcmp(label->window_id, w->id))
		return refuse(reason, reason_len, "window_id: \"%.80s\" is not this task's window %s",
			      label->window_id, w->id);
	if (label->n_classes == 0 && label->n_events == 0)
		return refuse(reason, reason_len, "classes: choose at least one class");
	if (label->n_classes > 1 && !g->multi_label)
		return refuse(reason, reason_len,
			      "classes: group %s takes one class per label (got %zu)", g->name,
			      label->n_classes);
	if (label->n_classes > CLASSES_MAX)
		return refuse(reason, reason_len, "classes: at most %d", CLASSES_MAX);
	for (gsize i = 0; i < label->n_classes; i++) {
		if (!is_class(g, label->classes[i]))
			return refuse(reason, reason_len,
				      "classes[%zu]: \"%.80s\" is not a class of group %s", i,
				      label->classes[i], g->name);
		for (gsize j = 0; j < i; j++) {
			if (!strcmp(label->classes[i], label->classes[j]))
				return refuse(reason, reason_len,
					      "classes[%zu]: \"%.80s\" is given twice", i,
					      label->classes[i]);
		}
	}
	if (label->n_events > EVENTS_MAX)
		return refuse(reason, reason_len, "events: at most %d", EVENTS_MAX);
	for (gsize i = 0; i < label->n_events; i++) {
		const Ringside__V1__TimedEvent *e = label->events[i];

		if (e->start_ns < w->start_ns || e->start_ns >= w->end_ns)
			return refuse(reason, reason_len,
				      "events[%zu].start_ns: %" G_GINT64_FORMAT
				      " is outside the window [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
				      ")",
				      i, (gint64)e->start_ns, w->start_ns, w->end_ns);
		if (e->end_ns <= e->start_ns || e->end_ns > w->end_ns)
			return refuse(reason, reason_len,
				      "events[%zu].end_ns: %" G_GINT64_FORMAT
				      " must be after start_ns and at most the window's end %" G_GINT64_FORMAT,
				      i, (gint64)e->end_ns, w->end_ns);
		if (!is_class(g, e->class_))
			return refuse(reason, reason_len,
				      "events[%zu].class: \"%.80s\" is not a class of group %s", i,
				      e->class_, g->name);
		if (e->n_sources > EVENT_SOURCES_MAX)
			return refuse(reason, reason_len, "events[%zu].sources: at most %d", i,
				      EVENT_SOURCES_MAX);
		for (gsize k = 0; k < e->n_sources; k++) {
			if (!is_source(w, e->sources[k]))
				return refuse(reason, reason_len,
					      "events[%zu].sources[%zu]: \"%.80s\" is not a source of "
					      "group %s",
					      i, k, e->sources[k], g->name);
		}
	}
	return TRUE;
}
