/* A small JSON writer for the command-line tools: a growable buffer with a
 * hard cap, strings escaped so any input bytes give valid JSON. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One of these per JSON text being built. Fields are read-only outside
 * json.c: buf holds len bytes plus a NUL once anything was appended. */
struct jbuf {
	char *buf;
	size_t len;
	size_t cap;
	size_t max;  /* hard cap on len */
	bool toobig; /* an append would have passed max; everything after it failed */
};

/* Default cap: a Redis entry is far smaller than this. */
#define JBUF_MAX_DEFAULT ((size_t)64 << 20)

/* Starts an empty buffer holding at most MAX bytes (0 = JBUF_MAX_DEFAULT). */
void jbuf_init(struct jbuf *b, size_t max);
/* Frees the bytes; the buffer may be reused after jbuf_init. */
void jbuf_free(struct jbuf *b);
/* Empties the buffer, keeping its memory and clearing toobig. */
void jbuf_reset(struct jbuf *b);

/* Each append returns 0, or -1 when out of memory or past the cap: then
 * toobig is set, every later append fails too and the contents are
 * incomplete (jbuf_reset starts over). */

/* Appends N raw bytes: the caller vouches that they are valid JSON. */
int jbuf_raw(struct jbuf *b, const char *s, size_t n);
/* Appends a NUL-terminated raw string (punctuation such as "{" or ","). */
int jbuf_lit(struct jbuf *b, const char *s);
/* Appends S (N bytes, may hold NULs) as a quoted JSON string: '"' and '\'
 * escaped, control characters as \b \f \n \r \t or \u00XX, each byte that
 * does not start a valid UTF-8 sequence (stray continuation, overlong form,
 * surrogate, past U+10FFFF, truncated) as \ufffd. O(N). */
int jbuf_string(struct jbuf *b, const char *s, size_t n);
/* jbuf_string on a NUL-terminated string; NULL gives "". */
int jbuf_cstring(struct jbuf *b, const char *s);
/* Appends a decimal number (exact for all 64-bit values). */
int jbuf_i64(struct jbuf *b, int64_t v);
int jbuf_u64(struct jbuf *b, uint64_t v);

/* Object members: appends ,"KEY": (the comma unless FIRST) then the value.
 * KEY is a NUL-terminated string escaped like any other. */
int jbuf_key(struct jbuf *b, const char *key, bool first);
int jbuf_member_str(struct jbuf *b, const char *key, const char *value, bool first);
int jbuf_member_i64(struct jbuf *b, const char *key, int64_t v, bool first);
int jbuf_member_u64(struct jbuf *b, const char *key, uint64_t v, bool first);
/* ,"KEY":["a","b"] from N NUL-terminated strings. */
int jbuf_member_strv(struct jbuf *b, const char *key, char *const *v, size_t n, bool first);
