/* Label stream entries as JSON lines: one ringside.v1.Label or
 * ringside.v1.Expired record from Redis, decoded and written as one object. */
#include "common/record_json.h"

#include <stdio.h>
#include <string.h>

/* Appends ,"events":[...] for a label's timed events. */
static int events_json(struct jbuf *b, Ringside__V1__TimedEvent *const *ev, size_t n)
{
	size_t i;

	if (jbuf_key(b, "events", false) || jbuf_lit(b, "["))
		return -1;
	for (i = 0; i < n; i++) {
		if (i && jbuf_lit(b, ","))
			return -1;
		if (jbuf_lit(b, "{") || jbuf_member_i64(b, "start_ns", ev[i]->start_ns, true) ||
		    jbuf_member_i64(b, "end_ns", ev[i]->end_ns, false) ||
		    jbuf_member_str(b, "class", ev[i]->class_, false) ||
		    jbuf_member_strv(b, "sources", ev[i]->sources, ev[i]->n_sources, false) ||
		    jbuf_lit(b, "}"))
			return -1;
	}
	return jbuf_lit(b, "]");
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
	    events_json(b, l->events, l->n_events) ||
	    jbuf_member_i64(b, "window_start_ns", l->window_start_ns, false) ||
	    jbuf_member_i64(b, "window_end_ns", l->window_end_ns, false) ||
	    jbuf_member_i64(b, "assigned_ns", l->assigned_ns, false) ||
	    jbuf_member_i64(b, "submitted_ns", l->submitted_ns, false) ||
	    jbuf_member_u64(b, "attempt", l->attempt, false) || jbuf_lit(b, "}"))
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
