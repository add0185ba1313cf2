/* Signed reviewer tokens: HMAC-SHA256 over reviewer, role, issue and
 * expiry times with a server secret, and the revocation list. Pure
 * functions over memory (no I/O, no clock): the daemon verifies with
 * them, ringside-token mints with them, the unit tests and fuzzers call
 * them directly. Format and rules: docs/security.md. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*   v1.alice.expert.1767225600.1767254400.Jx3…(43 chars)
 *   │  │     │      │          │          └ base64url(HMAC-SHA256(secret,
 *   │  │     │      │          │            everything before the last '.'))
 *   │  │     │      │          └ expires at (UNIX seconds, refused from then on)
 *   │  │     │      └ issued at (UNIX seconds; for "revoke issued before")
 *   │  │     └ reviewer | expert | admin
 *   │  └ reviewer id: 1-64 of A-Z a-z 0-9 _ -
 *   └ format version
 */
#define TOKEN_PREFIX "v1."
#define TOKEN_MAX_LEN 256   /* longer text is refused before any parsing */
#define TOKEN_SECRET_MIN 32 /* bytes of server secret, at least */
#define TOKEN_REVIEWER_MAX 64
#define TOKEN_ID_LEN 16      /* hex characters of a token id */
#define TOKEN_MAC_B64_LEN 43 /* base64url of 32 bytes, no padding */

enum token_role {
	TOKEN_ROLE_REVIEWER = 0, /* may review */
	TOKEN_ROLE_EXPERT,       /* may review; flagged as an expert */
	TOKEN_ROLE_ADMIN,        /* may review and read /metrics when that needs an admin */
};

enum token_result {
	TOKEN_OK = 0,
	TOKEN_MALFORMED,     /* not a well-formed v1 token */
	TOKEN_BAD_SIGNATURE, /* well-formed, but the MAC does not match (forged, tampered, other
	                        secret) */
	TOKEN_EXPIRED,       /* genuine, but now >= expiry */
	TOKEN_REVOKED,       /* genuine, but listed in the revocation list */
};

/* What a genuine token says. */
struct token_info {
	char reviewer[TOKEN_REVIEWER_MAX + 1];
	enum token_role role;
	int64_t issued;            /* UNIX seconds */
	int64_t expiry;            /* UNIX seconds */
	char id[TOKEN_ID_LEN + 1]; /* hex of the first 8 bytes of SHA-256(token text) */
};

const char *token_role_name(enum token_role role);
/* "reviewer", "expert" or "admin" to *OUT. Returns 0, or -1 for anything else. */
int token_role_parse(const char *name, enum token_role *out);
/* A reviewer id a token may carry: 1-64 of A-Z a-z 0-9 _ - . */
bool token_reviewer_valid(const char *reviewer);
/* Whether TEXT claims to be a signed token (starts with "v1."). */
bool token_is_signed(const char *text);

/* Writes the token for the fields to OUT (OUTLEN >= TOKEN_MAX_LEN + 1 is
 * always enough). Returns 0, or -1 with ERR saying which field is wrong
 * (reviewer id, expiry not after issued, secret shorter than
 * TOKEN_SECRET_MIN). */
int token_sign(const uint8_t *secret, size_t secret_len, const char *reviewer, enum token_role role,
               int64_t issued, int64_t expiry, char *out, size_t outlen, char *err, size_t errlen);

/* Checks TEXT against SECRET at time NOW (UNIX seconds): shape, then the
 * MAC (compared in constant time), then expiry. On TOKEN_OK fills *OUT;
 * otherwise ERR says what was wrong, for the log (never the MAC). Reads
 * at most TOKEN_MAX_LEN + 1 bytes of TEXT. O(length). */
enum token_result token_verify(const uint8_t *secret, size_t secret_len, const char *text,
                               int64_t now, struct token_info *out, char *err, size_t errlen);

/* The token id of TEXT (hex of the first 8 bytes of its SHA-256) into ID. */
void token_id(const char *text, char id[TOKEN_ID_LEN + 1]);

/* The revocation list. One rule per line; '#' starts a comment:
 *
 *   token 3f2a9c0d1b2e4f56      one token, by its id
 *   reviewer alice 1767225600   alice's tokens issued before that time
 *   reviewer alice              every token of alice
 */
typedef struct token_revlist token_revlist;

/* Parses LEN bytes of TEXT (need not be NUL-terminated). Returns the list
 * (possibly empty), or NULL with ERR naming the line and the reason. */
token_revlist *token_revlist_parse(const char *text, size_t len, char *err, size_t errlen);
void token_revlist_free(token_revlist *rl);
/* Number of rules. */
size_t token_revlist_count(const token_revlist *rl);
/* Whether a rule of RL matches the genuine token INFO. O(rules). */
bool token_revlist_match(const token_revlist *rl, const struct token_info *info);
