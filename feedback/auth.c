/* Sign-in checks shared by the reviewer websocket and /metrics: static
 * tokens, signed tokens with revocation, and the Origin policy. */
#include "feedback/auth.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

/* One of these per daemon part that checks tokens (the websocket, /metrics). */
struct auth {
	const struct rs_config *cfg;
	/* The revocation list as last read, and what its file looked like
	 * then. BROKEN: the file could not be read or parsed; every signed
	 * token is refused until it is fixed (an edit must never un-revoke). */
	token_revlist *revoked;
	gboolean loaded;
	gboolean broken;
	char *broken_why;
	struct timespec mtime, ctime;
	off_t size;
	ino_t ino;
};

auth *auth_new(const struct rs_config *cfg)
{
	auth *a = g_new0(auth, 1);

	a->cfg = cfg;
	return a;
}

void auth_free(auth *a)
{
	if (!a)
		return;
	token_revlist_free(a->revoked);
	g_free(a->broken_why);
	g_free(a);
}

const char *auth_result_reason(enum auth_result r)
{
	switch (r) {
	case AUTH_OK:
		return "ok";
	case AUTH_UNKNOWN:
		return "unknown token";
	case AUTH_MALFORMED:
		return "token malformed";
	case AUTH_BAD_SIGNATURE:
		return "token signature invalid";
	case AUTH_EXPIRED:
		return "token expired";
	case AUTH_REVOKED:
		return "token revoked";
	case AUTH_N_RESULTS:
		break;
	}
	return "unauthorized";
}

const char *auth_result_label(enum auth_result r)
{
	static const char *const labels[] = {"ok",        "unknown", "malformed",
	                                     "signature", "expired", "revoked"};

	return (unsigned)r < G_N_ELEMENTS(labels) ? labels[r] : "unknown";
}

static gboolean same_time(const struct timespec *x, const struct timespec *y)
{
	return x->tv_sec == y->tv_sec && x->tv_nsec == y->tv_nsec;
}

/* Marks the list unusable for WHY, warning once per distinct reason. */
static void revoked_broken(auth *a, char *why)
{
	if (!a->broken || g_strcmp0(a->broken_why, why))
		g_warning("revoked_tokens_file %s: %s; every signed token is refused until it "
		          "is fixed",
		          a->cfg->revoked_tokens_file, why);
	a->broken = TRUE;
	g_free(a->broken_why);
	a->broken_why = why;
}

/* Re-reads the revocation file when it changed (inode, size, mtime or
 * ctime) since the last read. One stat() when it did not. */
static void revoked_refresh(auth *a)
{
	const char *path = a->cfg->revoked_tokens_file;
	struct stat st;
	g_autofree char *data = NULL;
	gsize len = 0;
	GError *ferr = NULL;
	char err[256];
	token_revlist *rl;

	if (!path)
		return;
	if (stat(path, &st) < 0) {
		a->loaded = FALSE; /* read again as soon as it is back */
		revoked_broken(a, g_strdup_printf("%s", g_strerror(errno)));
		return;
	}
	if (a->loaded && st.st_ino == a->ino && st.st_size == a->size &&
	    same_time(&st.st_mtim, &a->mtime) && same_time(&st.st_ctim, &a->ctime))
		return;
	a->loaded = TRUE;
	a->ino = st.st_ino;
	a->size = st.st_size;
	a->mtime = st.st_mtim;
	a->ctime = st.st_ctim;
	if (!g_file_get_contents(path, &data, &len, &ferr)) {
		revoked_broken(a, g_strdup(ferr->message));
		g_error_free(ferr);
		return;
	}
	rl = token_revlist_parse(data, len, err, sizeof(err));
	if (!rl) {
		revoked_broken(a, g_strdup(err));
		return;
	}
	token_revlist_free(a->revoked);
	a->revoked = rl;
	if (a->broken)
		g_message("revoked_tokens_file %s is usable again", path);
	a->broken = FALSE;
	g_clear_pointer(&a->broken_why, g_free);
	g_message("revoked_tokens_file %s: %zu rule%s", path, token_revlist_count(rl),
	          token_revlist_count(rl) == 1 ? "" : "s");
}

/* Whether the genuine token INFO is revoked (or cannot be known not to be). */
static gboolean is_revoked(auth *a, const struct token_info *info, char *detail, gsize detail_len)
{
	revoked_refresh(a);
	if (a->broken) {
		g_snprintf(detail, detail_len, "revocation list unusable (%s)", a->broken_why);
		return TRUE;
	}
	if (token_revlist_match(a->revoked, info)) {
		g_snprintf(detail, detail_len, "token %s of %s is revoked", info->id,
		           info->reviewer);
		return TRUE;
	}
	return FALSE;
}

enum auth_result auth_check(auth *a, const char *token, gint64 now_s, struct auth_identity *out,
                            char *detail, gsize detail_len)
{
	const struct rs_reviewer_conf *r;
	struct token_info info;
	char why[200] = "";
	enum auth_result rc = AUTH_UNKNOWN;

	memset(out, 0, sizeof(*out));
	if (detail_len)
		detail[0] = '\0';
	if (!token || !*token) {
		g_snprintf(detail, detail_len, "no token");
		goto out;
	}
	if (token_is_signed(token)) {
		if (!a->cfg->token_secret) {
			g_snprintf(
			        detail, detail_len,
			        "a signed token, but signed tokens are off (no token_secret_file)");
			goto out;
		}
		switch (token_verify((const guint8 *)a->cfg->token_secret, a->cfg->token_secret_len,
		                     token, now_s, &info, why, sizeof(why))) {
		case TOKEN_OK:
			break;
		case TOKEN_EXPIRED:
			rc = AUTH_EXPIRED;
			g_snprintf(detail, detail_len, "token %s of %s %s", info.id, info.reviewer,
			           why);
			goto out;
		case TOKEN_BAD_SIGNATURE:
			rc = AUTH_BAD_SIGNATURE;
			g_snprintf(detail, detail_len, "%s", why);
			goto out;
		case TOKEN_MALFORMED:
		case TOKEN_REVOKED:
		default:
			rc = AUTH_MALFORMED;
			g_snprintf(detail, detail_len, "%s", why);
			goto out;
		}
		if (is_revoked(a, &info, detail, detail_len)) {
			rc = AUTH_REVOKED;
			goto out;
		}
		g_strlcpy(out->reviewer, info.reviewer, sizeof(out->reviewer));
		out->role = (enum rs_role)info.role;
		out->signed_token = TRUE;
		g_strlcpy(out->token_id, info.id, sizeof(out->token_id));
		out->issued = info.issued;
		out->expiry = info.expiry;
		rc = AUTH_OK;
		goto out;
	}
	r = config_find_reviewer_by_token(a->cfg, token);
	if (!r) {
		g_snprintf(detail, detail_len, "not the token of any [reviewer]");
		goto out;
	}
	g_strlcpy(out->reviewer, r->id, sizeof(out->reviewer));
	out->role = r->role;
	rc = AUTH_OK;
out:
	return rc;
}

enum auth_result auth_recheck(auth *a, const struct auth_identity *id, gint64 now_s)
{
	struct token_info info;
	char detail[256];

	if (!id->signed_token)
		return AUTH_OK;
	if (now_s >= id->expiry)
		return AUTH_EXPIRED;
	memset(&info, 0, sizeof(info));
	g_strlcpy(info.reviewer, id->reviewer, sizeof(info.reviewer));
	info.role = (enum token_role)id->role;
	info.issued = id->issued;
	info.expiry = id->expiry;
	g_strlcpy(info.id, id->token_id, sizeof(info.id));
	return is_revoked(a, &info, detail, sizeof(detail)) ? AUTH_REVOKED : AUTH_OK;
}

/* The "host[:port]" of an origin such as "https://Host:8443/", lower-cased
 * into OUT. FALSE when ORIGIN is not http(s)://authority. */
static gboolean origin_authority(const char *origin, char *out, gsize outlen)
{
	const char *host;
	gsize n;

	if (!g_ascii_strncasecmp(origin, "https://", 8))
		host = origin + 8;
	else if (!g_ascii_strncasecmp(origin, "http://", 7))
		host = origin + 7;
	else
		return FALSE;
	n = strlen(host);
	if (n && host[n - 1] == '/')
		n--;
	if (!n || n >= outlen || memchr(host, '/', n) || memchr(host, '@', n))
		return FALSE;
	for (gsize i = 0; i < n; i++)
		out[i] = g_ascii_tolower(host[i]);
	out[n] = '\0';
	return TRUE;
}

gboolean auth_origin_allowed(const struct rs_config *cfg, const char *origin, const char *host)
{
	char have[256], want[256];
	gsize n;

	if (!origin)
		return TRUE;
	if (cfg->allowed_origins) {
		n = strlen(origin);
		if (n && origin[n - 1] == '/')
			n--;
		for (guint i = 0; cfg->allowed_origins[i]; i++) {
			if (strlen(cfg->allowed_origins[i]) == n &&
			    !g_ascii_strncasecmp(cfg->allowed_origins[i], origin, n))
				return TRUE;
		}
		return FALSE;
	}
	if (!host || !origin_authority(origin, have, sizeof(have)))
		return FALSE;
	n = strlen(host);
	if (!n || n >= sizeof(want))
		return FALSE;
	for (gsize i = 0; i < n; i++)
		want[i] = g_ascii_tolower(host[i]);
	want[n] = '\0';
	return !strcmp(have, want);
}
