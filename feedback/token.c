/* Signed reviewer tokens and the revocation list: parsing, signing and
 * verification over memory, with OpenSSL's HMAC-SHA256. See token.h. */
#include "feedback/token.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#define TOKEN_FIELDS 6 /* v1, reviewer, role, issued, expiry, mac */
#define TOKEN_TIME_DIGITS 12
#define REVLIST_MAX_RULES 100000

static const char *const role_names[] = {"reviewer", "expert", "admin"};

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void say(char *err, size_t errlen, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void say(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

const char *token_role_name(enum token_role role)
{
	if ((unsigned)role < sizeof(role_names) / sizeof(role_names[0]))
		return role_names[role];
	return "unknown";
}

int token_role_parse(const char *name, enum token_role *out)
{
	for (size_t i = 0; i < sizeof(role_names) / sizeof(role_names[0]); i++) {
		if (!strcmp(name, role_names[i])) {
			*out = (enum token_role)i;
			return 0;
		}
	}
	return -1;
}

static bool reviewer_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

/* Same rule over N bytes of S (not NUL-terminated). */
static bool reviewer_valid_n(const char *s, size_t n)
{
	if (n < 1 || n > TOKEN_REVIEWER_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!reviewer_char(s[i]))
			return false;
	}
	return true;
}

bool token_reviewer_valid(const char *reviewer)
{
	return reviewer && reviewer_valid_n(reviewer, strnlen(reviewer, TOKEN_REVIEWER_MAX + 1));
}

bool token_is_signed(const char *text)
{
	return text && !strncmp(text, TOKEN_PREFIX, strlen(TOKEN_PREFIX));
}

/* A UNIX time in N bytes of S: 1-12 digits, no sign, no leading zero.
 * Returns 0 with *OUT, or -1. */
static int parse_time(const char *s, size_t n, int64_t *out)
{
	int64_t v = 0;

	if (n < 1 || n > TOKEN_TIME_DIGITS || (n > 1 && s[0] == '0'))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* base64url without padding of LEN bytes of IN into OUT (NUL-terminated;
 * OUT holds 4 * ceil(LEN / 3) + 1 at least). */
static void b64url_encode(const uint8_t *in, size_t len, char *out)
{
	size_t o = 0, i = 0;

	for (; i + 3 <= len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

		out[o++] = b64url[v >> 18 & 63];
		out[o++] = b64url[v >> 12 & 63];
		out[o++] = b64url[v >> 6 & 63];
		out[o++] = b64url[v & 63];
	}
	if (len - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;

		out[o++] = b64url[v >> 18 & 63];
		out[o++] = b64url[v >> 12 & 63];
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;

		out[o++] = b64url[v >> 18 & 63];
		out[o++] = b64url[v >> 12 & 63];
		out[o++] = b64url[v >> 6 & 63];
	}
	out[o] = '\0';
}

/* base64url of HMAC-SHA256(SECRET, the first LEN bytes of DATA) into
 * MAC_B64. Returns 0, or -1 when OpenSSL fails. */
static int mac_b64(const uint8_t *secret, size_t secret_len, const char *data, size_t len,
                   char mac_b64_out[TOKEN_MAC_B64_LEN + 1])
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;

	if (!HMAC(EVP_sha256(), secret, (int)secret_len, (const unsigned char *)data, len, md,
	          &md_len) ||
	    md_len != 32)
		return -1;
	b64url_encode(md, md_len, mac_b64_out);
	OPENSSL_cleanse(md, sizeof(md));
	return 0;
}

void token_id(const char *text, char id[TOKEN_ID_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t md[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)text, strnlen(text, TOKEN_MAX_LEN + 1), md);
	for (size_t i = 0; i < TOKEN_ID_LEN / 2; i++) {
		id[2 * i] = hex[md[i] >> 4];
		id[2 * i + 1] = hex[md[i] & 15];
	}
	id[TOKEN_ID_LEN] = '\0';
}

int token_sign(const uint8_t *secret, size_t secret_len, const char *reviewer, enum token_role role,
               int64_t issued, int64_t expiry, char *out, size_t outlen, char *err, size_t errlen)
{
	char body[TOKEN_MAX_LEN];
	char mac[TOKEN_MAC_B64_LEN + 1];
	int n, rc = -1;

	if (secret_len < TOKEN_SECRET_MIN) {
		say(err, errlen, "the secret must be at least %d bytes (got %zu)", TOKEN_SECRET_MIN,
		    secret_len);
		goto out;
	}
	if (!token_reviewer_valid(reviewer)) {
		say(err, errlen, "reviewer id must be 1-%d of A-Z a-z 0-9 _ -", TOKEN_REVIEWER_MAX);
		goto out;
	}
	if ((unsigned)role > TOKEN_ROLE_ADMIN) {
		say(err, errlen, "unknown role");
		goto out;
	}
	if (issued < 0 || expiry <= issued || expiry > 999999999999LL) {
		say(err, errlen, "expiry must be after the issue time");
		goto out;
	}
	n = snprintf(body, sizeof(body), TOKEN_PREFIX "%s.%s.%lld.%lld", reviewer,
	             token_role_name(role), (long long)issued, (long long)expiry);
	if (n < 0 || (size_t)n >= sizeof(body)) {
		say(err, errlen, "token too long");
		goto out;
	}
	if (mac_b64(secret, secret_len, body, (size_t)n, mac)) {
		say(err, errlen, "HMAC-SHA256 failed");
		goto out;
	}
	n = snprintf(out, outlen, "%s.%s", body, mac);
	if (n < 0 || (size_t)n >= outlen) {
		say(err, errlen, "output buffer too small");
		goto out;
	}
	rc = 0;
out:
	OPENSSL_cleanse(mac, sizeof(mac));
	return rc;
}

enum token_result token_verify(const uint8_t *secret, size_t secret_len, const char *text,
                               int64_t now, struct token_info *out, char *err, size_t errlen)
{
	const char *field[TOKEN_FIELDS];
	size_t flen[TOKEN_FIELDS];
	size_t len, nf = 0, start = 0;
	char want[TOKEN_MAC_B64_LEN + 1];
	struct token_info info;
	enum token_result rc = TOKEN_MALFORMED;

	memset(&info, 0, sizeof(info));
	memset(want, 0, sizeof(want));
	if (!text) {
		say(err, errlen, "no token");
		goto out;
	}
	len = strnlen(text, TOKEN_MAX_LEN + 1);
	if (len > TOKEN_MAX_LEN) {
		say(err, errlen, "longer than %d characters", TOKEN_MAX_LEN);
		goto out;
	}
	/* Split on '.': exactly six fields, none of them empty. */
	for (size_t i = 0; i <= len; i++) {
		if (i < len && text[i] != '.')
			continue;
		if (nf == TOKEN_FIELDS) {
			say(err, errlen, "more than %d dot-separated fields", TOKEN_FIELDS);
			goto out;
		}
		field[nf] = text + start;
		flen[nf] = i - start;
		nf++;
		start = i + 1;
	}
	if (nf != TOKEN_FIELDS) {
		say(err, errlen, "%zu dot-separated fields, not %d", nf, TOKEN_FIELDS);
		goto out;
	}
	if (flen[0] != 2 || memcmp(field[0], "v1", 2)) {
		say(err, errlen, "not a v1 token");
		goto out;
	}
	if (!reviewer_valid_n(field[1], flen[1])) {
		say(err, errlen, "reviewer id: must be 1-%d of A-Z a-z 0-9 _ -",
		    TOKEN_REVIEWER_MAX);
		goto out;
	}
	memcpy(info.reviewer, field[1], flen[1]);
	info.reviewer[flen[1]] = '\0';
	{
		char role[16];

		if (flen[2] >= sizeof(role)) {
			say(err, errlen, "role: not reviewer, expert or admin");
			goto out;
		}
		memcpy(role, field[2], flen[2]);
		role[flen[2]] = '\0';
		if (token_role_parse(role, &info.role)) {
			say(err, errlen, "role: not reviewer, expert or admin");
			goto out;
		}
	}
	if (parse_time(field[3], flen[3], &info.issued)) {
		say(err, errlen, "issued: not a UNIX time in seconds");
		goto out;
	}
	if (parse_time(field[4], flen[4], &info.expiry) || info.expiry <= info.issued) {
		say(err, errlen, "expiry: not a UNIX time in seconds after the issue time");
		goto out;
	}
	if (flen[5] != TOKEN_MAC_B64_LEN) {
		say(err, errlen, "signature: %zu characters, not %d", flen[5], TOKEN_MAC_B64_LEN);
		goto out;
	}
	for (size_t i = 0; i < flen[5]; i++) {
		if (!field[5][i] || !strchr(b64url, field[5][i])) {
			say(err, errlen, "signature: not base64url");
			goto out;
		}
	}

	/* The MAC covers everything before the last '.'. Only the canonical
	 * encoding matches, so one MAC has exactly one token text (and id). */
	rc = TOKEN_BAD_SIGNATURE;
	if (secret_len < TOKEN_SECRET_MIN ||
	    mac_b64(secret, secret_len, text, (size_t)(field[5] - 1 - text), want)) {
		say(err, errlen, "signature: cannot be checked (server secret unusable)");
		goto out;
	}
	if (CRYPTO_memcmp(want, field[5], TOKEN_MAC_B64_LEN)) {
		say(err, errlen, "signature does not match (forged, altered, or another secret)");
		goto out;
	}
	token_id(text, info.id);
	if (now >= info.expiry) {
		rc = TOKEN_EXPIRED;
		say(err, errlen, "expired %lld s ago", (long long)(now - info.expiry));
		goto out;
	}
	rc = TOKEN_OK;
out:
	OPENSSL_cleanse(want, sizeof(want));
	/* An expired token is genuine: who it was is worth logging. */
	if (out && (rc == TOKEN_OK || rc == TOKEN_EXPIRED))
		*out = info;
	return rc;
}

/* One rule of the revocation list. */
struct revrule {
	bool by_id;
	char id[TOKEN_ID_LEN + 1];
	char reviewer[TOKEN_REVIEWER_MAX + 1];
	int64_t before; /* tokens issued before this; INT64_MAX: all */
};

struct token_revlist {
	struct revrule *rules;
	size_t n, cap;
};

void token_revlist_free(token_revlist *rl)
{
	if (!rl)
		return;
	free(rl->rules);
	free(rl);
}

size_t token_revlist_count(const token_revlist *rl)
{
	return rl ? rl->n : 0;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Splits the N bytes of LINE into up to MAX words; returns the count, or
 * MAX + 1 when there are more. */
static size_t split_words(const char *line, size_t n, const char **w, size_t *wl, size_t max)
{
	size_t count = 0, i = 0;

	while (i < n) {
		size_t s;

		while (i < n && is_space(line[i]))
			i++;
		if (i == n)
			break;
		s = i;
		while (i < n && !is_space(line[i]))
			i++;
		if (count == max)
			return max + 1;
		w[count] = line + s;
		wl[count] = i - s;
		count++;
	}
	return count;
}

static bool is_hex_id(const char *s, size_t n)
{
	if (n != TOKEN_ID_LEN)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	}
	return true;
}

/* Parses one line (comment already cut) into *R. Returns 1 for a rule, 0
 * for a blank line, -1 with ERR. */
static int parse_rule(const char *line, size_t n, struct revrule *r, char *err, size_t errlen)
{
	const char *w[3];
	size_t wl[3];
	size_t nw = split_words(line, n, w, wl, 3);

	memset(r, 0, sizeof(*r));
	if (nw == 0)
		return 0;
	if (wl[0] == 5 && !memcmp(w[0], "token", 5)) {
		if (nw != 2 || !is_hex_id(w[1], wl[1])) {
			say(err, errlen,
			    "\"token\" takes one token id (%d lowercase hex characters)",
			    TOKEN_ID_LEN);
			return -1;
		}
		r->by_id = true;
		memcpy(r->id, w[1], TOKEN_ID_LEN);
		return 1;
	}
	if (wl[0] == 8 && !memcmp(w[0], "reviewer", 8)) {
		if (nw < 2 || nw > 3 || !reviewer_valid_n(w[1], wl[1])) {
			say(err, errlen,
			    "\"reviewer\" takes a reviewer id and optionally a UNIX time");
			return -1;
		}
		memcpy(r->reviewer, w[1], wl[1]);
		r->before = INT64_MAX;
		if (nw == 3 && parse_time(w[2], wl[2], &r->before)) {
			say(err, errlen, "\"reviewer %.*s\": the time must be UNIX seconds",
			    (int)wl[1], w[1]);
			return -1;
		}
		return 1;
	}
	say(err, errlen, "a rule starts with \"token\" or \"reviewer\"");
	return -1;
}

token_revlist *token_revlist_parse(const char *text, size_t len, char *err, size_t errlen)
{
	token_revlist *rl = calloc(1, sizeof(*rl));
	size_t pos = 0, lineno = 0;

	if (!rl) {
		say(err, errlen, "out of memory");
		return NULL;
	}
	while (pos < len) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;
		const char *hash = memchr(line, '#', n);
		char why[160];
		struct revrule r;
		int got;

		pos += n + (nl ? 1 : 0);
		lineno++;
		if (hash)
			n = (size_t)(hash - line);
		if (memchr(line, '\0', n)) {
			say(err, errlen, "line %zu: a NUL byte", lineno);
			goto bad;
		}
		got = parse_rule(line, n, &r, why, sizeof(why));
		if (got < 0) {
			say(err, errlen, "line %zu: %s", lineno, why);
			goto bad;
		}
		if (!got)
			continue;
		if (rl->n == REVLIST_MAX_RULES) {
			say(err, errlen, "more than %d rules", REVLIST_MAX_RULES);
			goto bad;
		}
		if (rl->n == rl->cap) {
			size_t cap = rl->cap ? rl->cap * 2 : 16;
			struct revrule *grown = realloc(rl->rules, cap * sizeof(*grown));

			if (!grown) {
				say(err, errlen, "out of memory");
				goto bad;
			}
			rl->rules = grown;
			rl->cap = cap;
		}
		rl->rules[rl->n++] = r;
	}
	return rl;
bad:
	token_revlist_free(rl);
	return NULL;
}

bool token_revlist_match(const token_revlist *rl, const struct token_info *info)
{
	for (size_t i = 0; rl && i < rl->n; i++) {
		const struct revrule *r = &rl->rules[i];

		if (r->by_id ? !strcmp(r->id, info->id)
		             : !strcmp(r->reviewer, info->reviewer) && info->issued < r->before)
			return true;
	}
	return false;
}
