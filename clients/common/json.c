/* A small JSON writer for the command-line tools: a growable buffer with a
 * hard cap, strings escaped so any input bytes give valid JSON. */
#include "common/json.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void jbuf_init(struct jbuf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max ? max : JBUF_MAX_DEFAULT;
}

void jbuf_free(struct jbuf *b)
{
	free(b->buf);
	b->buf = NULL;
	b->len = 0;
	b->cap = 0;
	b->toobig = false;
}

void jbuf_reset(struct jbuf *b)
{
	b->len = 0;
	b->toobig = false;
	if (b->buf)
		b->buf[0] = '\0';
}

/* Makes room for N more bytes plus the NUL, doubling the allocation.
 * Returns 0, or -1 (toobig set) past the cap or out of memory. */
static int jbuf_grow(struct jbuf *b, size_t n)
{
	size_t need, cap;
	char *p;

	if (b->toobig)
		return -1;
	if (n > b->max - b->len) {
		b->toobig = true;
		return -1;
	}
	need = b->len + n + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	p = realloc(b->buf, cap);
	if (!p) {
		b->toobig = true;
		return -1;
	}
	b->buf = p;
	b->cap = cap;
	return 0;
}

int jbuf_raw(struct jbuf *b, const char *s, size_t n)
{
	if (jbuf_grow(b, n))
		return -1;
	memcpy(b->buf + b->len, s, n);
	b->len += n;
	b->buf[b->len] = '\0';
	return 0;
}

int jbuf_lit(struct jbuf *b, const char *s)
{
	return jbuf_raw(b, s, strlen(s));
}

/* Length of the well-formed UTF-8 sequence (RFC 3629, table 3-7 of the
 * Unicode standard) starting at S with N bytes left, or 0 when S[0] does
 * not start one. ASCII is handled by the caller. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0; /* overlong */
		else if (c == 0xed)
			hi = 0x9f; /* surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90; /* overlong */
		else if (c == 0xf4)
			hi = 0x8f; /* past U+10FFFF */
	} else {
		return 0;
	}
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

int jbuf_string(struct jbuf *b, const char *str, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run, ulen;
	char esc[8];
	int rc = -1;

	if (jbuf_raw(b, "\"", 1))
		goto out;
	while (i < n) {
		/* Copy the longest run of bytes that need no escaping at once. */
		run = i;
		while (run < n && s[run] >= 0x20 && s[run] < 0x80 && s[run] != '"' &&
		       s[run] != '\\')
			run++;
		if (run > i && jbuf_raw(b, str + i, run - i))
			goto out;
		i = run;
		if (i == n)
			break;
		if (s[i] >= 0x80) {
			ulen = utf8_len(s + i, n - i);
			if (ulen) {
				if (jbuf_raw(b, str + i, ulen))
					goto out;
				i += ulen;
			} else {
				if (jbuf_raw(b, "\\ufffd", 6))
					goto out;
				i++;
			}
			continue;
		}
		esc[0] = '\\';
		switch (s[i]) {
		case '"':
		case '\\':
			esc[1] = (char)s[i];
			break;
		case '\b':
			esc[1] = 'b';
			break;
		case '\f':
			esc[1] = 'f';
			break;
		case '\n':
			esc[1] = 'n';
			break;
		case '\r':
			esc[1] = 'r';
			break;
		case '\t':
			esc[1] = 't';
			break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[s[i] >> 4];
			esc[5] = hex[s[i] & 0xf];
			if (jbuf_raw(b, esc, 6))
				goto out;
			i++;
			continue;
		}
		if (jbuf_raw(b, esc, 2))
			goto out;
		i++;
	}
	rc = jbuf_raw(b, "\"", 1);
out:
	return rc;
}

int jbuf_cstring(struct jbuf *b, const char *s)
{
	return s ? jbuf_string(b, s, strlen(s)) : jbuf_raw(b, "\"\"", 2);
}

int jbuf_i64(struct jbuf *b, int64_t v)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%" PRId64, v);

	return jbuf_raw(b, num, (size_t)n);
}

int jbuf_u64(struct jbuf *b, uint64_t v)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%" PRIu64, v);

	return jbuf_raw(b, num, (size_t)n);
}

int jbuf_key(struct jbuf *b, const char *key, bool first)
{
	if (!first && jbuf_raw(b, ",", 1))
		return -1;
	if (jbuf_cstring(b, key))
		return -1;
	return jbuf_raw(b, ":", 1);
}

int jbuf_member_str(struct jbuf *b, const char *key, const char *value, bool first)
{
	if (jbuf_key(b, key, first))
		return -1;
	return jbuf_cstring(b, value);
}

int jbuf_member_i64(struct jbuf *b, const char *key, int64_t v, bool first)
{
	if (jbuf_key(b, key, first))
		return -1;
	return jbuf_i64(b, v);
}

int jbuf_member_u64(struct jbuf *b, const char *key, uint64_t v, bool first)
{
	if (jbuf_key(b, key, first))
		return -1;
	return jbuf_u64(b, v);
}

int jbuf_member_strv(struct jbuf *b, const char *key, char *const *v, size_t n, bool first)
{
	size_t i;

	if (jbuf_key(b, key, first) || jbuf_raw(b, "[", 1))
		return -1;
	for (i = 0; i < n; i++) {
		if (i && jbuf_raw(b, ",", 1))
			return -1;
		if (jbuf_cstring(b, v[i]))
			return -1;
	}
	return jbuf_raw(b, "]", 1);
}
