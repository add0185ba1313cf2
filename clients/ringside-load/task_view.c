/* A protobuf wire walk over ServerMessage.task (see task_view.h): field
 * numbers from proto/ringside.proto. */
#include "task_view.h"

#include <string.h>

enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2, WT_I32 = 5 };

/* One field: its number, wire type and value (a varint, or a span). */
struct field {
	uint32_t num;
	unsigned type;
	uint64_t value;
	const uint8_t *data;
	size_t len;
};

static bool get_varint(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
	uint64_t v = 0;

	for (unsigned shift = 0; shift < 64 && *p < end; shift += 7) {
		uint8_t b = *(*p)++;

		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*out = v;
			return true;
		}
	}
	return false;
}

/* Reads the next field at *P (before END); false at a malformed one. */
static bool next_field(const uint8_t **p, const uint8_t *end, struct field *f)
{
	uint64_t key, n;

	if (!get_varint(p, end, &key) || key >> 3 == 0 || key >> 3 > UINT32_MAX)
		return false;
	f->num = (uint32_t)(key >> 3);
	f->type = (unsigned)(key & 7);
	f->data = NULL;
	f->len = 0;
	switch (f->type) {
	case WT_VARINT:
		return get_varint(p, end, &f->value);
	case WT_I64:
		n = 8;
		break;
	case WT_I32:
		n = 4;
		break;
	case WT_LEN:
		if (!get_varint(p, end, &n))
			return false;
		break;
	default:
		return false;
	}
	if (n > (uint64_t)(end - *p))
		return false;
	f->data = *p;
	f->len = (size_t)n;
	*p += n;
	return true;
}

static bool parse_window(const uint8_t *p, const uint8_t *end, struct task_view *v)
{
	struct field f;

	while (p < end) {
		if (!next_field(&p, end, &f))
			return false;
		if (f.num == 1 && f.type == WT_LEN) { /* id */
			v->window_id = (const char *)f.data;
			v->window_id_len = f.len;
		} else if (f.num == 4 && f.type == WT_VARINT) { /* end_ns */
			v->window_end_ns = (int64_t)f.value;
		}
	}
	v->has_window = true;
	return true;
}

static bool parse_template(const uint8_t *p, const uint8_t *end, struct task_view *v)
{
	struct field f;

	while (p < end) {
		if (!next_field(&p, end, &f))
			return false;
		if (f.num == 1 && f.type == WT_LEN && !v->class0) { /* classes */
			v->class0 = (const char *)f.data;
			v->class0_len = f.len;
		}
	}
	return true;
}

static bool parse_task(const uint8_t *p, const uint8_t *end, struct task_view *v)
{
	struct field f;

	while (p < end) {
		if (!next_field(&p, end, &f))
			return false;
		switch (f.num) {
		case 1: /* window */
			if (f.type == WT_LEN && !parse_window(f.data, f.data + f.len, v))
				return false;
			break;
		case 2: /* template */
			if (f.type == WT_LEN && !parse_template(f.data, f.data + f.len, v))
				return false;
			break;
		case 3: /* deadline_ns */
			if (f.type == WT_VARINT)
				v->deadline_ns = (int64_t)f.value;
			break;
		case 4: /* time_box_ms */
			if (f.type == WT_VARINT)
				v->time_box_ms = (uint32_t)f.value;
			break;
		case 5: /* attempt */
			if (f.type == WT_VARINT)
				v->attempt = (uint32_t)f.value;
			break;
		default:
			break;
		}
	}
	return true;
}

bool task_view_is_task(const uint8_t *data, size_t len)
{
	return len > 0 && data[0] == ((2 << 3) | WT_LEN); /* ServerMessage.task */
}

bool task_view_parse(const uint8_t *data, size_t len, struct task_view *v)
{
	const uint8_t *p = data, *end = data + len;
	struct field f;
	bool seen = false;

	memset(v, 0, sizeof(*v));
	while (p < end) {
		if (!next_field(&p, end, &f))
			return false;
		if (f.num == 2 && f.type == WT_LEN) {
			/* a oneof: the last one wins, as when unpacking */
			memset(v, 0, sizeof(*v));
			if (!parse_task(f.data, f.data + f.len, v))
				return false;
			seen = true;
		}
	}
	return seen;
}
