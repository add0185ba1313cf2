/* Label validation: a submitted label, or a model's pre-annotation, is
 * checked against the window it answers and its group's template; nothing
 * partial is ever published. This file holds the entry points, the rules
 * shared by every kind (text, ids, spans, sources) and the label-wide ones
 * (kinds, flag, classes, pre-annotation use); the kinds themselves are in
 * label_media.c and label_text.c, completion in label_complete.c. */
#include "feedback/label_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

gboolean lv_refuse(struct lv *v, const char *fmt, ...)
{
	const char *end;
	va_list ap;
	gsize n;

	if (!v->reason_len)
		return FALSE;
	n = g_strlcpy(v->reason, v->prefix, v->reason_len);
	if (n < v->reason_len) {
		va_start(ap, fmt);
		g_vsnprintf(v->reason + n, v->reason_len - n, fmt, ap);
		va_end(ap);
	}
	/* Every piece is valid UTF-8; only the cut can split a character. */
	g_utf8_validate(v->reason, -1, &end);
	v->reason[end - v->reason] = '\0';
	return FALSE;
}

static gboolean is_control(gunichar c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f);
}

const char *lv_echo(struct lv *v, const char *s)
{
	char *out = v->echo[v->n_echo++ % LV_ECHO_SLOTS];
	gsize used = 0, o = 0;

	while (s[used]) {
		gunichar c = g_utf8_get_char_validated(s + used, -1);
		gboolean bad = c == (gunichar)-1 || c == (gunichar)-2;
		gsize len = bad ? 1 : (gsize)g_unichar_to_utf8(c, NULL);

		if (used + len > LV_ECHO_MAX)
			break;
		if (bad || is_control(c)) {
			out[o++] = '?';
		} else {
			memcpy(out + o, s + used, len);
			o += len;
		}
		used += len;
	}
	out[o] = '\0';
	return out;
}

/* Ids are what other parts of a label refer to: printable ASCII without
 * spaces, so they survive logs, JSON and redis-cli unharmed. */
gboolean lv_valid_id(const char *id)
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

gboolean lv_text(struct lv *v, const char *path, const char *s, enum lv_text kind, guint max,
                 gboolean nonempty, guint *chars, guint *trimmed)
{
	guint n = 0, lead = 0, tail = 0;
	gboolean seen = FALSE;
	const char *end;

	/* Proto3 consumers (Python, Java, Go) refuse a record whose strings
	 * are not UTF-8: one bad byte would poison the stream for them. */
	if (!g_utf8_validate(s, -1, &end))
		return lv_refuse(v, "%s: not valid UTF-8 (byte %td)", path, end - s);
	for (const char *p = s; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (is_control(c) && !(kind == LV_TEXT_FREE && (c == '\n' || c == '\t')))
			return lv_refuse(
			        v, "%s: control character U+%04X at character %u%s", path, c, n,
			        kind == LV_TEXT_FREE ? " (only newline and tab are allowed)" : "");
		n++;
		if (g_unichar_isspace(c)) {
			lead += !seen;
			tail++;
		} else {
			seen = TRUE;
			tail = 0;
		}
	}
	if (nonempty && !seen)
		return lv_refuse(v, "%s: must not be empty", path);
	if (n > max)
		return lv_refuse(v, "%s: %u characters, at most %u", path, n, max);
	if (chars)
		*chars = n;
	if (trimmed)
		*trimmed = seen ? n - lead - tail : 0;
	return TRUE;
}

gboolean lv_span(struct lv *v, const char *path, gint64 start, gint64 end, gboolean whole_ok)
{
	const rs_window *w = v->w;
	const char *dot = path[0] ? "." : "";

	if (whole_ok && start == 0 && end == 0)
		return TRUE;
	if (start < w->start_ns || start >= w->end_ns)
		return lv_refuse(v,
		                 "%s%sstart_ns: %" G_GINT64_FORMAT
		                 " is outside the window [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
		                 ")",
		                 path, dot, start, w->start_ns, w->end_ns);
	if (end <= start || end > w->end_ns)
		return lv_refuse(
		        v,
		        "%s%send_ns: %" G_GINT64_FORMAT
		        " must be after start_ns and at most the window's end %" G_GINT64_FORMAT,
		        path, dot, end, w->end_ns);
	return TRUE;
}

gboolean lv_confidence(struct lv *v, const char *path, float c)
{
	if (!v->pre || (isfinite(c) && c >= 0.0f && c <= 1.0f))
		return TRUE;
	return lv_refuse(v, "%s: %g must be a finite number in [0, 1]", path, (double)c);
}

gboolean lv_in_list(char *const *list, guint n, const char *name)
{
	for (guint i = 0; i < n; i++) {
		if (!strcmp(list[i], name))
			return TRUE;
	}
	return FALSE;
}

const struct rs_window_source *lv_source(const rs_window *w, const char *name)
{
	for (guint i = 0; i < w->n_sources; i++) {
		if (!strcmp(w->sources[i].conf->name, name))
			return &w->sources[i];
	}
	return NULL;
}

gboolean lv_seen_before(char *const *names, gsize i)
{
	for (gsize j = 0; j < i; j++) {
		if (!strcmp(names[i], names[j]))
			return TRUE;
	}
	return FALSE;
}

gboolean lv_sources(struct lv *v, const char *path, char *const *sources, gsize n,
                    gboolean nonempty)
{
	if (nonempty && n == 0)
		return lv_refuse(v, "%s.sources: name at least one source", path);
	if (n > LABEL_SOURCES_MAX)
		return lv_refuse(v, "%s.sources: at most %d", path, LABEL_SOURCES_MAX);
	for (gsize k = 0; k < n; k++) {
		if (!lv_source(v->w, sources[k]))
			return lv_refuse(v, "%s.sources[%zu]: \"%s\" is not a source of group %s",
			                 path, k, lv_echo(v, sources[k]), v->g->name);
		if (lv_seen_before(sources, k))
			return lv_refuse(v, "%s.sources[%zu]: \"%s\" is given twice", path, k,
			                 lv_echo(v, sources[k]));
	}
	return TRUE;
}

/* Every part of the label is of a kind the group's template names. */
static gboolean check_kinds(struct lv *v)
{
	const Ringside__V1__Label *l = v->l;
	const struct {
		const char *field;
		gsize n;
		guint kind;
	} parts[] = {
	        {"classes", l->n_classes, RINGSIDE__V1__LABEL_KIND__LABEL_KIND_CLASSES},
	        {"events", l->n_events, RINGSIDE__V1__LABEL_KIND__LABEL_KIND_EVENTS},
	        {"captions", l->n_captions, RINGSIDE__V1__LABEL_KIND__LABEL_KIND_CAPTIONS},
	        {"speakers", l->n_speakers, RINGSIDE__V1__LABEL_KIND__LABEL_KIND_TRANSCRIPT},
	        {"transcript", l->n_transcript, RINGSIDE__V1__LABEL_KIND__LABEL_KIND_TRANSCRIPT},
	        {"tracks", l->n_tracks, RINGSIDE__V1__LABEL_KIND__LABEL_KIND_TRACKS},
	        {"sensor_segments", l->n_sensor_segments,
	         RINGSIDE__V1__LABEL_KIND__LABEL_KIND_SENSOR_SEGMENTS},
	        {"entities", l->n_entities, RINGSIDE__V1__LABEL_KIND__LABEL_KIND_ENTITIES},
	        {"instructions", l->n_instructions,
	         RINGSIDE__V1__LABEL_KIND__LABEL_KIND_INSTRUCTIONS},
	};

	for (guint i = 0; i < G_N_ELEMENTS(parts); i++) {
		if (parts[i].n && !(v->g->kinds & RS_KIND_BIT(parts[i].kind)))
			return lv_refuse(v, "%s: group %s does not take %s", parts[i].field,
			                 v->g->name, config_kind_name(parts[i].kind));
	}
	return TRUE;
}

/* A reviewer's flag: a known kind and, unless FLAG_NONE, a reason. A
 * pre-annotation has none. Sets *FLAGGED. */
static gboolean check_flag(struct lv *v, gboolean *flagged)
{
	const Ringside__V1__Flag *f = v->l->flag;
	int kind = f ? (int)f->kind : RINGSIDE__V1__FLAG_KIND__FLAG_NONE;

	*flagged = FALSE;
	if (!f)
		return TRUE;
	if (v->pre) {
		if (kind != RINGSIDE__V1__FLAG_KIND__FLAG_NONE || f->reason[0])
			return lv_refuse(v, "flag: a pre-annotation has no flag");
		return TRUE;
	}
	if (kind < RINGSIDE__V1__FLAG_KIND__FLAG_NONE || kind > RINGSIDE__V1__FLAG_KIND__FLAG_SKIP)
		return lv_refuse(v,
		                 "flag.kind: %d is not a flag kind (1 ambiguous, 2 bad_quality, "
		                 "3 skip)",
		                 kind);
	if (!lv_text(v, "flag.reason", f->reason, LV_TEXT_FREE, v->g->text_max_chars,
	             kind != RINGSIDE__V1__FLAG_KIND__FLAG_NONE, NULL, NULL))
		return FALSE;
	*flagged = kind != RINGSIDE__V1__FLAG_KIND__FLAG_NONE;
	return TRUE;
}

/* An unflagged reviewer's label answers something: a class when the
 * template has classes, else at least one item. */
static gboolean check_enough(struct lv *v, gboolean flagged)
{
	const struct rs_group_conf *g = v->g;
	char kinds[160] = "";

	if (flagged || v->pre)
		return TRUE;
	if (g->kinds & RS_KIND_BIT(RINGSIDE__V1__LABEL_KIND__LABEL_KIND_CLASSES))
		return v->l->n_classes ? TRUE : lv_refuse(v, "classes: choose at least one class");
	if (label_count_items(v->l))
		return TRUE;
	for (guint i = 0; i < g->n_kinds; i++) {
		if (i)
			g_strlcat(kinds, ", ", sizeof(kinds));
		g_strlcat(kinds, config_kind_name(g->kind_order[i]), sizeof(kinds));
	}
	return lv_refuse(v, "label: give at least one item (%s) or a flag", kinds);
}

static gboolean check_classes(struct lv *v)
{
	const Ringside__V1__Label *l = v->l;
	const struct rs_group_conf *g = v->g;

	if (l->n_classes > 1 && !g->multi_label)
		return lv_refuse(v, "classes: group %s takes one class per label (got %zu)",
		                 g->name, l->n_classes);
	if (l->n_classes > LABEL_CLASSES_MAX)
		return lv_refuse(v, "classes: at most %d", LABEL_CLASSES_MAX);
	for (gsize i = 0; i < l->n_classes; i++) {
		if (!lv_in_list(g->classes, g->n_classes, l->classes[i]))
			return lv_refuse(v, "classes[%zu]: \"%s\" is not a class of group %s", i,
			                 lv_echo(v, l->classes[i]), g->name);
		if (lv_seen_before(l->classes, i))
			return lv_refuse(v, "classes[%zu]: \"%s\" is given twice", i,
			                 lv_echo(v, l->classes[i]));
	}
	if (!v->pre || !l->n_class_confidences)
		return TRUE;
	if (l->n_class_confidences != l->n_classes)
		return lv_refuse(
		        v, "class_confidences: %zu for %zu classes; give one per class or none",
		        l->n_class_confidences, l->n_classes);
	for (gsize i = 0; i < l->n_class_confidences; i++) {
		char path[LV_PATH_MAX];

		g_snprintf(path, sizeof(path), "class_confidences[%zu]", i);
		if (!lv_confidence(v, path, l->class_confidences[i]))
			return FALSE;
	}
	return TRUE;
}

/* How the reviewer treated the window's pre-annotations: counts that add
 * up. Absent is accepted (nothing was said). */
static gboolean check_use(struct lv *v)
{
	const Ringside__V1__PreAnnotationUse *u = v->l->preannotations;
	guint items = v->w->preannotation_items;
	guint64 used;

	if (!u)
		return TRUE;
	if (v->pre)
		return lv_refuse(v, "preannotations: only a reviewer's label says how "
		                    "pre-annotations were used");
	if (u->offered != items)
		return lv_refuse(v,
		                 "preannotations.offered: %u, but this window's pre-annotations "
		                 "hold %u items",
		                 u->offered, items);
	if (!items && u->shown)
		return lv_refuse(v, "preannotations.shown: this window has no pre-annotations");
	used = (guint64)u->accepted + u->changed + u->deleted;
	if (used > u->offered)
		return lv_refuse(v,
		                 "preannotations: accepted %u + changed %u + deleted %u is more "
		                 "than the %u offered",
		                 u->accepted, u->changed, u->deleted, u->offered);
	return TRUE;
}

/* The rules shared by a reviewer's label and a pre-annotation's, in the
 * order their reasons are reported. */
static gboolean check_label(struct lv *v)
{
	gboolean flagged;

	if (!check_kinds(v) || !check_flag(v, &flagged) || !check_enough(v, flagged))
		return FALSE;
	return check_classes(v) && lv_events(v) && lv_captions(v) && lv_transcript(v) &&
	       lv_tracks(v) && lv_sensor_segments(v) && lv_entities(v) && lv_instructions(v) &&
	       check_use(v);
}

static void lv_init(struct lv *v, const Ringside__V1__Label *l, const rs_window *w, gboolean pre,
                    char *reason, gsize reason_len)
{
	memset(v, 0, sizeof(*v));
	v->l = l;
	v->w = w;
	v->g = w->group;
	v->pre = pre;
	v->prefix = "";
	v->reason = reason;
	v->reason_len = reason_len;
	if (reason_len)
		reason[0] = '\0';
}

gboolean label_validate(const Ringside__V1__Label *label, const rs_window *w, char *reason,
                        gsize reason_len)
{
	struct lv v;

	lv_init(&v, label, w, FALSE, reason, reason_len);
	if (!lv_valid_id(label->label_id))
		return lv_refuse(&v, "label_id: must be 1-%d printable characters without spaces",
		                 LABEL_ID_MAX);
	if (strcmp(label->window_id, w->id))
		return lv_refuse(&v, "window_id: \"%s\" is not this task's window %s",
		                 lv_echo(&v, label->window_id), w->id);
	return check_label(&v);
}

gboolean label_validate_pre(const Ringside__V1__PreAnnotation *pre, const rs_window *w,
                            char *reason, gsize reason_len)
{
	struct lv v;

	lv_init(&v, pre->label, w, TRUE, reason, reason_len);
	if (strcmp(pre->group, w->group->name))
		return lv_refuse(&v, "group: \"%s\" is not this window's group %s",
		                 lv_echo(&v, pre->group), w->group->name);
	if (!lv_span(&v, "", pre->start_ns, pre->end_ns, FALSE))
		return FALSE;
	if (!lv_text(&v, "model", pre->model, LV_TEXT_LINE, LABEL_NAME_MAX, TRUE, NULL, NULL) ||
	    !lv_text(&v, "model_version", pre->model_version, LV_TEXT_LINE, LABEL_NAME_MAX, FALSE,
	             NULL, NULL))
		return FALSE;
	if (!pre->label)
		return lv_refuse(&v, "label: missing");
	if (!label_count_items(pre->label))
		return lv_refuse(&v, "label: holds no item (classes, events, captions, transcript, "
		                     "tracks, sensor_segments, entities or instructions)");
	v.prefix = "label.";
	return check_label(&v);
}

guint label_count_items(const Ringside__V1__Label *l)
{
	const gsize n[] = {l->n_classes, l->n_events,          l->n_captions, l->n_transcript,
	                   l->n_tracks,  l->n_sensor_segments, l->n_entities, l->n_instructions};
	guint64 sum = 0;

	for (guint i = 0; i < G_N_ELEMENTS(n); i++)
		sum += MIN(n[i], (gsize)G_MAXUINT);
	return (guint)MIN(sum, (guint64)G_MAXUINT);
}

/* Drops the fields of M, and of every message inside it, that the schema
 * does not know (protobuf-c keeps them and would pack them again): only
 * what ringside.proto defines reaches Redis. M was unpacked with the
 * default allocator (malloc). O(size of M). */
void label_strip_unknown(ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;

	for (unsigned i = 0; i < m->n_unknown_fields; i++)
		free(m->unknown_fields[i].data);
	free(m->unknown_fields);
	m->unknown_fields = NULL;
	m->n_unknown_fields = 0;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		char *base = (char *)m;

		if (f->type != PROTOBUF_C_TYPE_MESSAGE)
			continue;
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = *(size_t *)(base + f->quantifier_offset);
			ProtobufCMessage **v = *(ProtobufCMessage ***)(base + f->offset);

			for (size_t k = 0; k < n; k++)
				label_strip_unknown(v[k]);
		} else {
			ProtobufCMessage *sub = *(ProtobufCMessage **)(base + f->offset);

			if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
			    *(uint32_t *)(base + f->quantifier_offset) != f->id)
				continue;
			if (sub)
				label_strip_unknown(sub);
		}
	}
}
