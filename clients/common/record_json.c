/* Label stream entries as JSON lines: one ringside.v1.Label or
 * ringside.v1.Expired record from Redis, decoded and written as one object. */
#include "common/record_json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Appends V as a JSON number: the shortest text that reads back as the
 * same float (0.1, not 0.100000001), without an exponent when one is not
 * needed (30, not 3e+01); null for NaN and infinities, which JSON lacks.
 * At most 9 tries. */
static int jbuf_f32(struct jbuf *b, float v)
{
	char num[32], exp_form[32] = "";

	if (isnan(v) || isinf(v))
		return jbuf_lit(b, "null");
	for (int digits = 1; digits <= 9; digits++) {
		snprintf(num, sizeof(num), "%.*g", digits, (double)v);
		if (strtof(num, NULL) != v)
			continue;
		if (!strchr(num, 'e'))
			return jbuf_lit(b, num);
		if (!exp_form[0])
			memcpy(exp_form, num, sizeof(num));
	}
	/* %.9g always reads back, so exp_form is set by now */
	return jbuf_lit(b, exp_form);
}

/* ,"KEY":V for a float. */
static int member_f32(struct jbuf *b, const char *key, float v)
{
	return jbuf_key(b, key, false) || jbuf_f32(b, v);
}

static int member_bool(struct jbuf *b, const char *key, protobuf_c_boolean v)
{
	return jbuf_key(b, key, false) || jbuf_lit(b, v ? "true" : "false");
}

/* Appends ,"KEY":[...] with one object per element of V (N of them),
 * each written by ITEM between its braces. */
static int array_json(struct jbuf *b, const char *key, void *const *v, size_t n,
                      int (*item)(struct jbuf *, const void *))
{
	if (jbuf_key(b, key, false) || jbuf_lit(b, "["))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if ((i && jbuf_lit(b, ",")) || jbuf_lit(b, "{") || item(b, v[i]) ||
		    jbuf_lit(b, "}"))
			return -1;
	}
	return jbuf_lit(b, "]");
}

#define ARRAY(b, key, v, n, item) array_json(b, key, (void *const *)(v), n, item)

static int event_json(struct jbuf *b, const void *item)
{
	const Ringside__V1__TimedEvent *e = item;

	return jbuf_member_i64(b, "start_ns", e->start_ns, true) ||
	       jbuf_member_i64(b, "end_ns", e->end_ns, false) ||
	       jbuf_member_str(b, "class", e->class_, false) ||
	       jbuf_member_strv(b, "sources", e->sources, e->n_sources, false) ||
	       member_f32(b, "confidence", e->confidence);
}

static int caption_json(struct jbuf *b, const void *item)
{
	const Ringside__V1__Caption *c = item;

	return jbuf_member_str(b, "text", c->text, true) ||
	       jbuf_member_i64(b, "start_ns", c->start_ns, false) ||
	       jbuf_member_i64(b, "end_ns", c->end_ns, false) ||
	       jbuf_member_strv(b, "sources", c->sources, c->n_sources, false) ||
	       member_f32(b, "confidence", c->confidence);
}

static int speaker_json(struct jbuf *b, const void *item)
{
	const Ringside__V1__Speaker *s = item;

	return jbuf_member_str(b, "speaker_id", s->speaker_id, true) ||
	       jbuf_member_str(b, "name", s->name, false);
}

static int segment_json(struct jbuf *b, const void *item)
{
	const Ringside__V1__TranscriptSegment *t = item;

	return jbuf_member_i64(b, "start_ns", t->start_ns, true) ||
	       jbuf_member_i64(b, "end_ns", t->end_ns, false) ||
	       jbuf_member_str(b, "source", t->source, false) ||
	       jbuf_member_str(b, "text", t->text, false) ||
	       jbuf_member_str(b, "speaker_id", t->speaker_id, false) ||
	       jbuf_member_str(b, "emotion", t->emotion, false) ||
	       jbuf_member_strv(b, "sound_tags", t->sound_tags, t->n_sound_tags, false) ||
	       member_bool(b, "speaker_change", t->speaker_change) ||
	       member_f32(b, "confidence", t->confidence);
}

static int box_json(struct jbuf *b, const void *item)
{
	const Ringside__V1__Box *x = item;

	return jbuf_member_i64(b, "t_ns", x->t_ns, true) || member_f32(b, "x", x->x) ||
	       member_f32(b, "y", x->y) || member_f32(b, "w", x->w) || member_f32(b, "h", x->h) ||
	       member_bool(b, "keyframe", x->keyframe);
}

static int track_json(struct jbuf *b, const void *item)
{
	const Ringside__V1__Track *t = item;

	return jbuf_member_str(b, "track_id", t->track_id, true) ||
	       jbuf_member_str(b, "class", t->class_, false) ||
	       jbuf_member_str(b, "source", t->source, false) ||
	       ARRAY(b, "keyframes", t->keyframes, t->n_keyframes, box_json) ||
	       ARRAY(b, "boxes", t->boxes, t->n_boxes, box_json) ||
	       member_f32(b, "confidence", t->confidence);
}

static int sensor_segment_json(struct jbuf *b, const void *item)
{
	const Ringside__V1__SensorSegment *s = item;

	return jbuf_member_i64(b, "start_ns", s->start_ns, true) ||
	       jbuf_member_i64(b, "end_ns", s->end_ns, false) ||
	       jbuf_member_str(b, "source", s->source, false) ||
	       jbuf_member_strv(b, "channels", s->channels, s->n_channels, false) ||
	       jbuf_member_str(b, "class", s->class_, false) ||
	       member_f32(b, "confidence", s->confidence);
}

/* A mention names its target by the oneof's field ("event": 2,
 * "track_id": "t1"); a mention without one has no such key. */
static int mention_json(struct jbuf *b, const void *item)
{
	const Ringside__V1__Mention *m = item;

	int rc = 0;

	switch (m->target_case) {
	case RINGSIDE__V1__MENTION__TARGET_EVENT:
		rc = jbuf_member_u64(b, "event", m->event, true) || jbuf_lit(b, ",");
		break;
	case RINGSIDE__V1__MENTION__TARGET_TRANSCRIPT_SEGMENT:
		rc = jbuf_member_u64(b, "transcript_segment", m->transcript_segment, true) ||
		     jbuf_lit(b, ",");
		break;
	case RINGSIDE__V1__MENTION__TARGET_TRACK_ID:
		rc = jbuf_member_str(b, "track_id", m->track_id, true) || jbuf_lit(b, ",");
		break;
	case RINGSIDE__V1__MENTION__TARGET_SENSOR_SEGMENT:
		rc = jbuf_member_u64(b, "sensor_segment", m->sensor_segment, true) ||
		     jbuf_lit(b, ",");
		break;
	case RINGSIDE__V1__MENTION__TARGET_SPEAKER_ID:
		rc = jbuf_member_str(b, "speaker_id", m->speaker_id, true) || jbuf_lit(b, ",");
		break;
	case RINGSIDE__V1__MENTION__TARGET_CAPTION:
		rc = jbuf_member_u64(b, "caption", m->caption, true) || jbuf_lit(b, ",");
		break;
	default:
		break;
	}
	return rc || jbuf_member_u64(b, "text_start", m->text_start, true) ||
	       jbuf_member_u64(b, "text_end", m->text_end, false);
}

static int entity_json(struct jbuf *b, const void *item)
{
	const Ringside__V1__Entity *e = item;

	return jbuf_member_str(b, "entity_id", e->entity_id, true) ||
	       jbuf_member_str(b, "name", e->name, false) ||
	       ARRAY(b, "mentions", e->mentions, e->n_mentions, mention_json);
}

static int instruction_json(struct jbuf *b, const void *item)
{
	const Ringside__V1__Instruction *i = item;

	return jbuf_member_str(b, "instruction", i->instruction, true) ||
	       jbuf_member_str(b, "response", i->response, false) ||
	       jbuf_member_strv(b, "sources", i->sources, i->n_sources, false) ||
	       jbuf_member_i64(b, "start_ns", i->start_ns, false) ||
	       jbuf_member_i64(b, "end_ns", i->end_ns, false);
}

/* ,"flag":{"kind":"ambiguous","reason":...}; an absent flag is the
 * default one ("none", ""). An unknown kind is shown by its number. */
static int flag_json(struct jbuf *b, const Ringside__V1__Flag *f)
{
	static const char *const names[] = {"none", "ambiguous", "bad_quality", "skip"};
	int kind = f ? (int)f->kind : 0;
	char num[16];

	snprintf(num, sizeof(num), "%d", kind);
	return jbuf_key(b, "flag", false) || jbuf_lit(b, "{") ||
	       jbuf_member_str(b, "kind",
	                       kind >= 0 && kind < (int)(sizeof(names) / sizeof(names[0]))
	                               ? names[kind]
	                               : num,
	                       true) ||
	       jbuf_member_str(b, "reason", f ? f->reason : "", false) || jbuf_lit(b, "}");
}

static int preannotation_use_json(struct jbuf *b, const Ringside__V1__PreAnnotationUse *u)
{
	static const Ringside__V1__PreAnnotationUse none = RINGSIDE__V1__PRE_ANNOTATION_USE__INIT;

	if (!u)
		u = &none;
	return jbuf_key(b, "preannotations", false) || jbuf_lit(b, "{") ||
	       jbuf_key(b, "shown", true) || jbuf_lit(b, u->shown ? "true" : "false") ||
	       jbuf_member_u64(b, "offered", u->offered, false) ||
	       jbuf_member_u64(b, "accepted", u->accepted, false) ||
	       jbuf_member_u64(b, "changed", u->changed, false) ||
	       jbuf_member_u64(b, "deleted", u->deleted, false) || jbuf_lit(b, "}");
}

static int floats_json(struct jbuf *b, const char *key, const float *v, size_t n)
{
	if (jbuf_key(b, key, false) || jbuf_lit(b, "["))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if ((i && jbuf_lit(b, ",")) || jbuf_f32(b, v[i]))
			return -1;
	}
	return jbuf_lit(b, "]");
}

/* The kinds of answer beyond classes and events, the flag, and what the
 * daemon says about the assignment. */
static int label_more_json(struct jbuf *b, const Ringside__V1__Label *l)
{
	return ARRAY(b, "captions", l->captions, l->n_captions, caption_json) ||
	       ARRAY(b, "speakers", l->speakers, l->n_speakers, speaker_json) ||
	       ARRAY(b, "transcript", l->transcript, l->n_transcript, segment_json) ||
	       ARRAY(b, "tracks", l->tracks, l->n_tracks, track_json) ||
	       ARRAY(b, "sensor_segments", l->sensor_segments, l->n_sensor_segments,
	             sensor_segment_json) ||
	       ARRAY(b, "entities", l->entities, l->n_entities, entity_json) ||
	       ARRAY(b, "instructions", l->instructions, l->n_instructions, instruction_json) ||
	       flag_json(b, l->flag) || preannotation_use_json(b, l->preannotations) ||
	       jbuf_member_u64(b, "extensions", l->extensions, false) ||
	       member_bool(b, "expert", l->expert) ||
	       floats_json(b, "class_confidences", l->class_confidences, l->n_class_confidences);
}

int record_json_label(struct jbuf *b, const char *stream_id, const Ringside__V1__Label *l)
{
	jbuf_reset(b);
	if (jbuf_lit(b, "{") || jbuf_member_str(b, "stream_id", stream_id, true) ||
	    jbuf_member_str(b, "type", "label", false) ||
	    jbuf_member_str(b, "label_id", l->label_id, false) ||
	    jbuf_member_str(b, "window_id", l->window_id, false) ||
	    jbuf_member_str(b, "group", l->group, false) ||
	    jbuf_member_str(b, "reviewer", l->reviewer, false) ||
	    jbuf_member_strv(b, "classes", l->classes, l->n_classes, false) ||
	    ARRAY(b, "events", l->events, l->n_events, event_json) ||
	    jbuf_member_i64(b, "window_start_ns", l->window_start_ns, false) ||
	    jbuf_member_i64(b, "window_end_ns", l->window_end_ns, false) ||
	    jbuf_member_i64(b, "assigned_ns", l->assigned_ns, false) ||
	    jbuf_member_i64(b, "submitted_ns", l->submitted_ns, false) ||
	    jbuf_member_u64(b, "attempt", l->attempt, false) || label_more_json(b, l) ||
	    jbuf_lit(b, "}"))
		return -1;
	return 0;
}

int record_json_expired(struct jbuf *b, const char *stream_id, const Ringside__V1__Expired *e)
{
	jbuf_reset(b);
	if (jbuf_lit(b, "{") || jbuf_member_str(b, "stream_id", stream_id, true) ||
	    jbuf_member_str(b, "type", "expired", false) ||
	    jbuf_member_str(b, "window_id", e->window_id, false) ||
	    jbuf_member_str(b, "group", e->group, false) ||
	    jbuf_member_i64(b, "start_ns", e->start_ns, false) ||
	    jbuf_member_i64(b, "end_ns", e->end_ns, false) ||
	    jbuf_member_u64(b, "attempts", e->attempts, false) ||
	    jbuf_member_strv(b, "reviewers", e->reviewers, e->n_reviewers, false) ||
	    jbuf_member_str(b, "reason", e->reason, false) ||
	    jbuf_member_i64(b, "expired_ns", e->expired_ns, false) || jbuf_lit(b, "}"))
		return -1;
	return 0;
}

int record_json_error(struct jbuf *b, const char *stream_id, const char *message)
{
	jbuf_reset(b);
	if (jbuf_lit(b, "{") || jbuf_member_str(b, "stream_id", stream_id, true) ||
	    jbuf_member_str(b, "error", message, false) || jbuf_lit(b, "}"))
		return -1;
	return 0;
}

/* True when the LEN bytes at S are exactly the NUL-terminated WORD. */
static int field_is(const char *s, size_t len, const char *word)
{
	return len == strlen(word) && memcmp(s, word, len) == 0;
}

enum record_json_kind record_json_entry(struct jbuf *b, const char *stream_id, const char *type,
                                        size_t type_len, const void *pb, size_t pb_len)
{
	Ringside__V1__Label *label = NULL;
	Ringside__V1__Expired *expired = NULL;
	enum record_json_kind kind = RECORD_JSON_ERROR;
	char why[160];
	struct jbuf shown;
	int rc;

	if (!type) {
		rc = record_json_error(b, stream_id, "entry has no type field");
		goto out;
	}
	if (field_is(type, type_len, "label")) {
		if (!pb) {
			rc = record_json_error(b, stream_id, "entry has no pb field");
			goto out;
		}
		label = ringside__v1__label__unpack(NULL, pb_len, pb);
		if (!label) {
			rc = record_json_error(b, stream_id,
			                       "pb does not decode as ringside.v1.Label");
			goto out;
		}
		rc = record_json_label(b, stream_id, label);
		kind = RECORD_JSON_LABEL;
	} else if (field_is(type, type_len, "expired")) {
		if (!pb) {
			rc = record_json_error(b, stream_id, "entry has no pb field");
			goto out;
		}
		expired = ringside__v1__expired__unpack(NULL, pb_len, pb);
		if (!expired) {
			rc = record_json_error(b, stream_id,
			                       "pb does not decode as ringside.v1.Expired");
			goto out;
		}
		rc = record_json_expired(b, stream_id, expired);
		kind = RECORD_JSON_EXPIRED;
	} else {
		/* Quote the unknown type through the escaper: it may be anything. */
		jbuf_init(&shown, 64);
		if (jbuf_string(&shown, type, type_len))
			snprintf(why, sizeof(why), "type is neither label nor expired");
		else
			snprintf(why, sizeof(why), "type %s is neither label nor expired",
			         shown.buf);
		jbuf_free(&shown);
		rc = record_json_error(b, stream_id, why);
	}
out:
	if (rc) {
		kind = RECORD_JSON_ERROR;
		snprintf(why, sizeof(why), "record is larger than the %zu-byte output cap", b->max);
		record_json_error(b, stream_id, why);
	}
	if (label)
		ringside__v1__label__free_unpacked(label, NULL);
	if (expired)
		ringside__v1__expired__free_unpacked(expired, NULL);
	return kind;
}
