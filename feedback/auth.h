/* Who may connect and sign in: the websocket Origin policy, static
 * [reviewer] tokens, and signed tokens checked against the server secret
 * and the revocation list (re-read whenever its file changes). Used by the
 * reviewer hello and by /metrics. docs/security.md says why. */
#pragma once

#include <glib.h>

#include "daemon/config.h"
#include "feedback/token.h"

typedef struct auth auth;

enum auth_result {
	AUTH_OK = 0,
	AUTH_UNKNOWN,       /* not a configured token, and not a signed one we can check */
	AUTH_MALFORMED,     /* claims to be signed ("v1.") but is not well-formed */
	AUTH_BAD_SIGNATURE, /* signed, but not with our secret, or altered */
	AUTH_EXPIRED,
	AUTH_REVOKED, /* in the revocation list, or the list is unusable */
	AUTH_N_RESULTS,
};

/* Who a good token says the holder is. */
struct auth_identity {
	char reviewer[TOKEN_REVIEWER_MAX + 1];
	enum rs_role role;
	gboolean signed_token;
	char token_id[TOKEN_ID_LEN + 1]; /* signed tokens only, else "" */
	gint64 issued, expiry;           /* UNIX s; signed tokens only, else 0 */
};

/* CFG is borrowed and must outlive it. Reads nothing yet: the revocation
 * list is read at the first signed token. */
auth *auth_new(const struct rs_config *cfg);
void auth_free(auth *a);

/* Checks TOKEN at NOW_S (UNIX seconds). On AUTH_OK fills *OUT. DETAIL
 * says why not, for the log only (it may name the token's reviewer; it
 * never holds a secret or a MAC). A signed token costs one stat() of the
 * revocation file (and a read when it changed) and one HMAC. */
enum auth_result auth_check(auth *a, const char *token, gint64 now_s, struct auth_identity *out,
                            char *detail, gsize detail_len);
/* Whether ID (from an earlier AUTH_OK) is no longer good at NOW_S: its
 * signed token expired or was revoked since. Returns AUTH_OK,
 * AUTH_EXPIRED or AUTH_REVOKED. Static tokens stay good. */
enum auth_result auth_recheck(auth *a, const struct auth_identity *id, gint64 now_s);

/* The websocket close reason: "unknown token", "token expired", ... */
const char *auth_result_reason(enum auth_result r);
/* The metric label: "unknown", "expired", ... */
const char *auth_result_label(enum auth_result r);

/* The Origin policy of a websocket handshake. ORIGIN and HOST are the
 * request's headers (NULL when absent). No Origin (not a browser):
 * allowed. With [daemon] allowed_origins: the origin must be one of them
 * (compared without case, a trailing '/' ignored). Without: the origin's
 * host and port must be the Host the request came to. Anything else,
 * "null" included, is refused. Pure; O(origins). */
gboolean auth_origin_allowed(const struct rs_config *cfg, const char *origin, const char *host);
