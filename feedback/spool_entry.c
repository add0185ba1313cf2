/* Redis entries as the spool keeps them: the XADD field/value pairs, the
 * stream and the id consumers deduplicate on, in one flat buffer.
 *
 * A packed entry, integers little-endian:
 *
 *   u8 version (1) | u64 spooled_ns | u16 n + id + NUL | u16 n + stream + NUL |
 *   u16 n_fields | n_fields x ( u16 n + field + NUL | u32 n + value )
 */
#include "feedback/spool_entry.h"

#include <string.h>

#define SPOOL_ENTRY_VERSION 1

static void put_u32(guint8 *p, guint32 v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static guint32 get_u32(const guint8 *p)
{
	return (guint32)p[0] | (guint32)p[1] << 8 | (guint32)p[2] << 16 | (guint32)p[3] << 24;
}

static void put_str16(GByteArray *b, const char *str)
{
	gsize n = MIN(strlen(str), (gsize)G_MAXUINT16);
	guint8 len[2] = {n & 0xff, n >> 8};

	g_byte_array_append(b, len, 2);
	g_byte_array_append(b, (const guint8 *)str, n);
	g_byte_array_append(b, (const guint8 *)"", 1);
}

GBytes *spool_entry_pack(const char *id, const char *stream, guint n_fields,
                         const char *const *fields, const char *const *values, const gsize *vlens)
{
	GByteArray *b = g_byte_array_new();
	guint64 now = (guint64)g_get_real_time() * 1000;
	guint8 v[8];
	guint16 n = MIN(n_fields, (guint)G_MAXUINT16);

	v[0] = SPOOL_ENTRY_VERSION;
	g_byte_array_append(b, v, 1);
	for (int i = 0; i < 8; i++)
		v[i] = now >> (8 * i);
	g_byte_array_append(b, v, 8);
	put_str16(b, id);
	put_str16(b, stream);
	v[0] = n & 0xff;
	v[1] = n >> 8;
	g_byte_array_append(b, v, 2);
	for (guint i = 0; i < n; i++) {
		guint32 vl = (guint32)MIN(vlens[i], (gsize)G_MAXUINT32);

		put_str16(b, fields[i]);
		put_u32(v, vl);
		g_byte_array_append(b, v, 4);
		g_byte_array_append(b, (const guint8 *)values[i], vl);
	}
	return g_byte_array_free_to_bytes(b);
}

/* A u16-length string followed by its NUL at *P (advanced), or NULL. */
static const char *take_str16(const guint8 **p, const guint8 *end)
{
	const char *s;
	gsize n;

	if (end - *p < 2)
		return NULL;
	n = (gsize)(*p)[0] | (gsize)(*p)[1] << 8;
	if ((gsize)(end - *p) < 2 + n + 1 || (*p)[2 + n] != '\0')
		return NULL;
	s = (const char *)*p + 2;
	*p += 2 + n + 1;
	return s;
}

gboolean spool_entry_parse(GBytes *payload, struct spool_entry *out)
{
	gsize len;
	const guint8 *p = g_bytes_get_data(payload, &len);
	const guint8 *end = p + len;
	guint64 t = 0;
	guint n;

	memset(out, 0, sizeof(*out));
	if (len < 9 || p[0] != SPOOL_ENTRY_VERSION)
		return FALSE;
	for (int i = 0; i < 8; i++)
		t |= (guint64)p[1 + i] << (8 * i);
	out->spooled_ns = (gint64)t;
	p += 9;
	out->id = take_str16(&p, end);
	out->stream = out->id ? take_str16(&p, end) : NULL;
	if (!out->stream || end - p < 2)
		goto bad;
	n = (guint)p[0] | (guint)p[1] << 8;
	p += 2;
	out->fields = g_new0(const char *, n + 1);
	out->values = g_new0(const char *, n + 1);
	out->vlens = g_new0(gsize, n + 1);
	for (guint i = 0; i < n; i++) {
		guint32 vl;

		out->fields[i] = take_str16(&p, end);
		if (!out->fields[i] || end - p < 4)
			goto bad;
		vl = get_u32(p);
		p += 4;
		if ((gsize)(end - p) < vl)
			goto bad;
		out->values[i] = (const char *)p;
		out->vlens[i] = vl;
		p += vl;
	}
	out->n_fields = n;
	if (p != end)
		goto bad;
	return TRUE;
bad:
	spool_entry_clear(out);
	return FALSE;
}

void spool_entry_clear(struct spool_entry *e)
{
	g_free(e->fields);
	g_free(e->values);
	g_free(e->vlens);
	memset(e, 0, sizeof(*e));
}
