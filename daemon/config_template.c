/* The label template of a [group NAME]: which kinds of answer its
 * reviewers give and the rules each kind is checked by (docs/labels.md).
 * Every default is resolved here, so the Task's template and the
 * validation read the same values. */
#include "daemon/config_template.h"

#include <string.h>

#include "ringside.pb-c.h"

static const struct {
	const char *name;
	guint kind;
} kind_names[] = {
	{"classes", RINGSIDE__V1__LABEL_KIND__LABEL_KIND_CLASSES},
	{"events", RINGSIDE__V1__LABEL_KIND__LABEL_KIND_EVENTS},
	{"captions", RINGSIDE__V1__LABEL_KIND__LABEL_KIND_CAPTIONS},
	{"transcript", RINGSIDE__V1__LABEL_KIND__LABEL_KIND_TRANSCRIPT},
	{"tracks", RINGSIDE__V1__LABEL_KIND__LABEL_KIND_TRACKS},
	{"entities", RINGSIDE__V1__LABEL_KIND__LABEL_KIND_ENTITIES},
	{"sensor_segments", RINGSIDE__V1__LABEL_KIND__LABEL_KIND_SENSOR_SEGMENTS},
	{"instructions", RINGSIDE__V1__LABEL_KIND__LABEL_KIND_INSTRUCTIONS},
};

G_STATIC_ASSERT(G_N_ELEMENTS(kind_names) == RS_LABEL_KINDS_MAX);

const char *config_kind_name(guint kind)
{
	for (guint i = 0; i < G_N_ELEMENTS(kind_names); i++) {
		if (kind_names[i].kind == kind)
			return kind_names[i].name;
	}
	return "unknown";
}

/* An optional list: absent gives a copy of DEF (N_DEF items). */
static char **names_or(struct cfg_parse *p, const char *key, guint *n, guint max, char **def,
                       guint n_def)
{
	if (g_key_file_has_key(p->kf, p->group, key, NULL))
		return get_names(p, key, n, max);
	*n = n_def;
	return g_strdupv(def);
}

static char **names_opt(struct cfg_parse *p, const char *key, guint *n, guint max)
{
	char *none[] = {NULL};

	return names_or(p, key, n, max, none, 0);
}

static void parse_kinds(struct cfg_parse *p, struct rs_group_conf *g)
{
	g_auto(GStrv) names = NULL;
	guint n = 0;

	/* Without the key: window classes and timed events, what every
	 * group took before templates had kinds. */
	if (!g_key_file_has_key(p->kf, p->group, "kinds", NULL)) {
		g->kinds = RS_KIND_BIT(RINGSIDE__V1__LABEL_KIND__LABEL_KIND_CLASSES) |
		           RS_KIND_BIT(RINGSIDE__V1__LABEL_KIND__LABEL_KIND_EVENTS);
		g->kind_order[0] = RINGSIDE__V1__LABEL_KIND__LABEL_KIND_CLASSES;
		g->kind_order[1] = RINGSIDE__V1__LABEL_KIND__LABEL_KIND_EVENTS;
		g->n_kinds = 2;
		return;
	}
	names = get_names(p, "kinds", &n, RS_LABEL_KINDS_MAX);
	for (guint i = 0; names && i < n && !p->err; i++) {
		guint kind = 0;

		for (guint k = 0; k < G_N_ELEMENTS(kind_names); k++) {
			if (!strcmp(names[i], kind_names[k].name))
				kind = kind_names[k].kind;
		}
		if (!kind) {
			fail(p, "kinds",
			     "\"%s\" is not a label kind (classes, events, captions, transcript, "
			     "tracks, entities, sensor_segments, instructions)",
			     names[i]);
			return;
		}
		g->kinds |= RS_KIND_BIT(kind);
		g->kind_order[g->n_kinds++] = (guint8)kind;
	}
}

/* A kind that needs a kind of source: tracks need video, transcripts
 * audio, sensor segments a sensor. */
static void need_source(struct cfg_parse *p, struct rs_group_conf *g, guint kind,
                        enum rs_kind src_kind, const char *what)
{
	if (p->err || !(g->kinds & RS_KIND_BIT(kind)) || !g->sources)
		return;
	for (guint i = 0; i < g->n_sources; i++) {
		if (g->sources[i] && g->sources[i]->kind == src_kind)
			return;
	}
	fail(p, "kinds", "%s needs %s source in this group", config_kind_name(kind), what);
}

void config_parse_template(struct cfg_parse *p, struct rs_group_conf *g)
{
	g_autofree char *ambiguous_to = NULL;

	parse_kinds(p, g);
	g->event_classes =
		names_or(p, "event_classes", &g->n_event_classes, 64, g->classes, g->n_classes);
	g->box_classes = names_or(p, "box_classes", &g->n_box_classes, 64, g->classes, g->n_classes);
	g->segment_classes =
		names_or(p, "segment_classes", &g->n_segment_classes, 64, g->classes, g->n_classes);
	g->emotions = names_opt(p, "emotions", &g->n_emotions, 64);
	g->sound_tags = names_opt(p, "sound_tags", &g->n_sound_tags, 64);
	g->text_max_chars = (guint)get_uint(p, "text_max_chars", 2000, 1, 100000);
	g->caption_min_chars = (guint)get_uint(p, "caption_min_chars", 10, 0, 100000);
	if (!p->err && g->caption_min_chars > g->text_max_chars)
		fail(p, "caption_min_chars", "must be at most text_max_chars (%u)",
		     g->text_max_chars);
	g->extend_ns = get_duration(p, "extend_seconds", 0, 1e9, 0, 3600 * 1000000000LL);
	g->max_extensions = (guint)get_uint(p, "max_extensions", 1, 0, 100);
	g->max_ambiguous = (guint)get_uint(p, "max_ambiguous", 2, 1, 100);
	g->preannotations_max = (guint)get_uint(p, "preannotations_max", 64, 0, 100000);
	g->preannotation_wait_ns =
		get_duration(p, "preannotation_wait_ms", 0, 1e6, 0, 600 * 1000000000LL);
	if (!p->err && g->preannotation_wait_ns > g->lateness_ns)
		fail(p, "preannotation_wait_ms", "must be at most lateness_ms (%.0f)",
		     g->lateness_ns / 1e6);
	ambiguous_to = get_string(p, "ambiguous_to", "auto", FALSE);
	if (!p->err && !strcmp(ambiguous_to, "expert"))
		g->ambiguous_to = RS_AMBIGUOUS_TO_EXPERT;
	else if (!p->err && !strcmp(ambiguous_to, "anyone"))
		g->ambiguous_to = RS_AMBIGUOUS_TO_ANYONE;
	else if (!p->err && !strcmp(ambiguous_to, "auto"))
		g->ambiguous_to = RS_AMBIGUOUS_TO_AUTO;
	else if (!p->err)
		fail(p, "ambiguous_to", "must be expert, anyone or auto (got \"%s\")", ambiguous_to);
	need_source(p, g, RINGSIDE__V1__LABEL_KIND__LABEL_KIND_TRACKS, RS_KIND_VIDEO, "a video");
	need_source(p, g, RINGSIDE__V1__LABEL_KIND__LABEL_KIND_TRANSCRIPT, RS_KIND_AUDIO,
	            "an audio");
	need_source(p, g, RINGSIDE__V1__LABEL_KIND__LABEL_KIND_SENSOR_SEGMENTS, RS_KIND_SENSOR,
	            "a sensor");
}

void config_resolve_template(struct rs_config *cfg, struct rs_group_conf *g)
{
	gboolean experts = FALSE;

	for (guint i = 0; i < cfg->n_reviewers; i++)
		experts |= cfg->reviewers[i].role == RS_ROLE_EXPERT;
	if (g->ambiguous_to == RS_AMBIGUOUS_TO_AUTO)
		g->ambiguous_to = experts ? RS_AMBIGUOUS_TO_EXPERT : RS_AMBIGUOUS_TO_ANYONE;
}

void config_free_template(struct rs_group_conf *g)
{
	g_strfreev(g->event_classes);
	g_strfreev(g->box_classes);
	g_strfreev(g->segment_classes);
	g_strfreev(g->emotions);
	g_strfreev(g->sound_tags);
}
