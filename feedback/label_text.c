/* Label kinds that are mostly text: captions, entities (links between
 * the other parts of a label) and instruction/response pairs. */
#include "feedback/label_internal.h"

#include <string.h>

gboolean lv_captions(struct lv *v)
{
	const Ringside__V1__Label *l = v->l;
	const struct rs_group_conf *g = v->g;

	if (l->n_captions > LABEL_CAPTIONS_MAX)
		return lv_refuse(v, "captions: at most %d", LABEL_CAPTIONS_MAX);
	for (gsize i = 0; i < l->n_captions; i++) {
		const Ringside__V1__Caption *c = l->captions[i];
		char path[LV_PATH_MAX], sub[LV_PATH_MAX];
		guint trimmed = 0;

		g_snprintf(path, sizeof(path), "captions[%zu]", i);
		g_snprintf(sub, sizeof(sub), "%s.text", path);
		if (!lv_text(v, sub, c->text, LV_TEXT_FREE, g->text_max_chars, TRUE,
		             &v->caption_chars[i], &trimmed))
			return FALSE;
		if (trimmed < g->caption_min_chars)
			return lv_refuse(v,
			                 "%s: %u characters, at least %u (surrounding whitespace "
			                 "not counted)",
			                 sub, trimmed, g->caption_min_chars);
		g_snprintf(sub, sizeof(sub), "%s.confidence", path);
		if (!lv_span(v, path, c->start_ns, c->end_ns, TRUE) ||
		    !lv_sources(v, path, c->sources, c->n_sources, FALSE) ||
		    !lv_confidence(v, sub, c->confidence))
			return FALSE;
	}
	return TRUE;
}

gboolean lv_instructions(struct lv *v)
{
	const Ringside__V1__Label *l = v->l;
	guint max = v->g->text_max_chars;

	if (l->n_instructions > LABEL_INSTRUCTIONS_MAX)
		return lv_refuse(v, "instructions: at most %d", LABEL_INSTRUCTIONS_MAX);
	for (gsize i = 0; i < l->n_instructions; i++) {
		const Ringside__V1__Instruction *in = l->instructions[i];
		char path[LV_PATH_MAX], sub[LV_PATH_MAX];

		g_snprintf(path, sizeof(path), "instructions[%zu]", i);
		g_snprintf(sub, sizeof(sub), "%s.instruction", path);
		if (!lv_text(v, sub, in->instruction, LV_TEXT_FREE, max, TRUE, NULL, NULL))
			return FALSE;
		g_snprintf(sub, sizeof(sub), "%s.response", path);
		if (!lv_text(v, sub, in->response, LV_TEXT_FREE, max, TRUE, NULL, NULL) ||
		    !lv_sources(v, path, in->sources, in->n_sources, TRUE) ||
		    !lv_span(v, path, in->start_ns, in->end_ns, TRUE))
			return FALSE;
	}
	return TRUE;
}

static gboolean is_track(const Ringside__V1__Label *l, const char *id)
{
	for (gsize i = 0; i < l->n_tracks; i++) {
		if (!strcmp(l->tracks[i]->track_id, id))
			return TRUE;
	}
	return FALSE;
}

/* An index target: INDEX < N, the count of WHAT in the label. */
static gboolean check_index(struct lv *v, const char *path, const char *field, guint index, gsize n,
                            const char *what)
{
	if (index < n)
		return TRUE;
	return lv_refuse(v, "%s.%s: %u is not one of this label's %s (it has %zu)", path, field,
	                 index, what, n);
}

/* The character span [text_start, text_end) of a mention. TEXT_CHARS is
 * the length of the text it names, or -1 when the target has no text. */
static gboolean check_text_span(struct lv *v, const char *path, const Ringside__V1__Mention *m,
                                gint64 text_chars)
{
	if (m->text_start == 0 && m->text_end == 0)
		return TRUE;
	if (text_chars < 0)
		return lv_refuse(v,
		                 "%s.text_start: only transcript_segment and caption mentions "
		                 "have a character span",
		                 path);
	if (m->text_start >= m->text_end)
		return lv_refuse(v, "%s.text_start: %u must be before text_end %u", path,
		                 m->text_start, m->text_end);
	if (m->text_end > text_chars)
		return lv_refuse(v,
		                 "%s.text_end: %u is past the end of the text (%" G_GINT64_FORMAT
		                 " characters)",
		                 path, m->text_end, text_chars);
	return TRUE;
}

/* A mention's target exists in this label. Captions and transcript are
 * checked before entities, so their lengths in characters are known. */
static gboolean check_mention(struct lv *v, const char *path, const Ringside__V1__Mention *m)
{
	const Ringside__V1__Label *l = v->l;
	gint64 chars = -1;

	switch (m->target_case) {
	case RINGSIDE__V1__MENTION__TARGET_EVENT:
		if (!check_index(v, path, "event", m->event, l->n_events, "events"))
			return FALSE;
		break;
	case RINGSIDE__V1__MENTION__TARGET_TRANSCRIPT_SEGMENT:
		if (!check_index(v, path, "transcript_segment", m->transcript_segment,
		                 l->n_transcript, "transcript segments"))
			return FALSE;
		chars = v->segment_chars[m->transcript_segment];
		break;
	case RINGSIDE__V1__MENTION__TARGET_TRACK_ID:
		if (!is_track(l, m->track_id))
			return lv_refuse(v, "%s.track_id: \"%s\" is not a track of this label",
			                 path, lv_echo(v, m->track_id));
		break;
	case RINGSIDE__V1__MENTION__TARGET_SENSOR_SEGMENT:
		if (!check_index(v, path, "sensor_segment", m->sensor_segment, l->n_sensor_segments,
		                 "sensor segments"))
			return FALSE;
		break;
	case RINGSIDE__V1__MENTION__TARGET_SPEAKER_ID:
		if (!lv_is_speaker(l, m->speaker_id))
			return lv_refuse(v, "%s.speaker_id: \"%s\" is not a speaker of this label",
			                 path, lv_echo(v, m->speaker_id));
		break;
	case RINGSIDE__V1__MENTION__TARGET_CAPTION:
		if (!check_index(v, path, "caption", m->caption, l->n_captions, "captions"))
			return FALSE;
		chars = v->caption_chars[m->caption];
		break;
	default:
		return lv_refuse(v,
		                 "%s: names no target (event, transcript_segment, track_id, "
		                 "sensor_segment, speaker_id or caption)",
		                 path);
	}
	return check_text_span(v, path, m, chars);
}

static gboolean check_entity(struct lv *v, gsize i, const Ringside__V1__Entity *e)
{
	const Ringside__V1__Label *l = v->l;
	char path[LV_PATH_MAX], sub[LV_PATH_MAX];

	g_snprintf(path, sizeof(path), "entities[%zu]", i);
	if (!lv_valid_id(e->entity_id))
		return lv_refuse(v,
		                 "%s.entity_id: must be 1-%d printable characters without spaces",
		                 path, LABEL_ID_MAX);
	for (gsize j = 0; j < i; j++) {
		if (!strcmp(l->entities[j]->entity_id, e->entity_id))
			return lv_refuse(v, "%s.entity_id: \"%s\" is given twice", path,
			                 e->entity_id);
	}
	g_snprintf(sub, sizeof(sub), "%s.name", path);
	if (!lv_text(v, sub, e->name, LV_TEXT_LINE, LABEL_NAME_MAX, TRUE, NULL, NULL))
		return FALSE;
	if (e->n_mentions == 0)
		return lv_refuse(v, "%s.mentions: give at least one", path);
	if (e->n_mentions > LABEL_MENTIONS_MAX)
		return lv_refuse(v, "%s.mentions: at most %d", path, LABEL_MENTIONS_MAX);
	for (gsize k = 0; k < e->n_mentions; k++) {
		g_snprintf(sub, sizeof(sub), "%s.mentions[%zu]", path, k);
		if (!check_mention(v, sub, e->mentions[k]))
			return FALSE;
	}
	return TRUE;
}

gboolean lv_entities(struct lv *v)
{
	const Ringside__V1__Label *l = v->l;

	if (l->n_entities > LABEL_ENTITIES_MAX)
		return lv_refuse(v, "entities: at most %d", LABEL_ENTITIES_MAX);
	for (gsize i = 0; i < l->n_entities; i++) {
		if (!check_entity(v, i, l->entities[i]))
			return FALSE;
	}
	return TRUE;
}
