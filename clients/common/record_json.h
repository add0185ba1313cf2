/* Label stream entries as JSON lines: one ringside.v1.Label or
 * ringside.v1.Expired record from Redis, decoded and written as one object. */
#pragma once

#include <stddef.h>

#include "common/json.h"
#include "ringside.pb-c.h"

/* What record_json_entry wrote. */
enum record_json_kind {
	RECORD_JSON_LABEL,
	RECORD_JSON_EXPIRED,
	RECORD_JSON_ERROR, /* {"stream_id":..,"error":..}: the entry is unusable */
};

/* Replaces B's contents with the JSON object (no newline) for the entry
 * STREAM_ID whose `type` field is TYPE (TYPE_LEN bytes; NULL when the entry
 * has none) and whose `pb` field is PB (PB_LEN bytes; NULL when absent).
 * A missing or unknown type, a missing pb, a pb that does not unpack as the
 * type's message, or an object past B's cap gives an error object instead.
 * Returns what was written. O(PB_LEN). */
enum record_json_kind record_json_entry(struct jbuf *b, const char *stream_id, const char *type,
                                        size_t type_len, const void *pb, size_t pb_len);

/* Replaces B's contents with the object for one record. Return 0, or -1
 * when B's cap was reached (B's contents are then incomplete). */
int record_json_label(struct jbuf *b, const char *stream_id, const Ringside__V1__Label *l);
int record_json_expired(struct jbuf *b, const char *stream_id, const Ringside__V1__Expired *e);
/* {"stream_id":STREAM_ID,"error":MESSAGE} */
int record_json_error(struct jbuf *b, const char *stream_id, const char *message);
