/* Configuration values: the getters that read and check one key each
 * (numbers, sizes, durations, names, addresses, files) for daemon/config.c. */
#include "daemon/config_values.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void fail(struct cfg_parse *p, const char *key, const char *fmt, ...)
{
	va_list ap;
	g_autofree char *why = NULL;

	if (p->err)
		return;
	va_start(ap, fmt);
	why = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (key)
		g_set_error(&p->err, RS_CONFIG_ERROR, 0, "%s: [%s] %s: %s", p->path, p->group, key,
		            why);
	else
		g_set_error(&p->err, RS_CONFIG_ERROR, 0, "%s: [%s]: %s", p->path, p->group, why);
}

/* Returns the raw value of KEY, or NULL when absent (or after an error). */
char *get_raw(struct cfg_parse *p, const char *key)
{
	if (p->err || !g_key_file_has_key(p->kf, p->group, key, NULL))
		return NULL;
	return g_strstrip(g_key_file_get_value(p->kf, p->group, key, NULL));
}

char *get_string(struct cfg_parse *p, const char *key, const char *def, gboolean required)
{
	char *v = NULL;

	if (p->err)
		return NULL;
	if (!g_key_file_has_key(p->kf, p->group, key, NULL)) {
		if (required)
			fail(p, key, "missing (required)");
		return def ? g_strdup(def) : NULL;
	}
	v = g_key_file_get_string(p->kf, p->group, key, NULL);
	if (!v) {
		fail(p, key, "not a valid string");
		return NULL;
	}
	g_strstrip(v);
	if (required && !*v) {
		g_free(v);
		fail(p, key, "must not be empty");
		return NULL;
	}
	return v;
}

/* An integer in [lo, hi]. */
guint64 get_uint(struct cfg_parse *p, const char *key, guint64 def, guint64 lo, guint64 hi)
{
	g_autofree char *v = get_raw(p, key);
	char *end = NULL;
	guint64 n;

	if (!v)
		return def;
	errno = 0;
	n = g_ascii_strtoull(v, &end, 10);
	if (!*v || *end || errno || v[0] == '-') {
		fail(p, key, "not a whole number (got \"%s\")", v);
		return def;
	}
	if (n < lo || n > hi) {
		fail(p, key,
		     "must be between %" G_GUINT64_FORMAT " and %" G_GUINT64_FORMAT " (got %s)", lo,
		     hi, v);
		return def;
	}
	return n;
}

/* A size in bytes with an optional K, M or G suffix (powers of 1024). */
guint64 get_size(struct cfg_parse *p, const char *key, guint64 def, guint64 lo, guint64 hi)
{
	g_autofree char *v = get_raw(p, key);
	char *end = NULL;
	guint64 n, mul = 1;

	if (!v)
		return def;
	errno = 0;
	n = g_ascii_strtoull(v, &end, 10);
	if (end == v || errno || v[0] == '-')
		goto bad;
	switch (*end) {
	case 'K':
	case 'k':
		mul = 1024;
		end++;
		break;
	case 'M':
		mul = 1024 * 1024;
		end++;
		break;
	case 'G':
		mul = 1024ULL * 1024 * 1024;
		end++;
		break;
	}
	if (*end == 'i')
		end++;
	if (*end == 'B')
		end++;
	if (*end)
		goto bad;
	if (n > hi / mul || n * mul < lo || n * mul > hi) {
		fail(p, key,
		     "must be between %" G_GUINT64_FORMAT " and %" G_GUINT64_FORMAT
		     " bytes (got %s)",
		     lo, hi, v);
		return def;
	}
	return n * mul;
bad:
	fail(p, key, "not a size such as 65536, 512K or 64M (got \"%s\")", v);
	return def;
}

/* A duration given in UNIT_NS units (1e9 for _seconds, 1e6 for _ms),
 * decimals allowed; returned in ns, checked against [lo_ns, hi_ns]. */
gint64 get_duration(struct cfg_parse *p, const char *key, double def, double unit_ns, gint64 lo_ns,
                    gint64 hi_ns)
{
	g_autofree char *v = get_raw(p, key);
	char *end = NULL;
	double d;
	gint64 ns;

	if (!v)
		return (gint64)llround(def * unit_ns);
	d = g_ascii_strtod(v, &end);
	if (!*v || *end || !isfinite(d)) {
		fail(p, key, "not a number (got \"%s\")", v);
		return 0;
	}
	if (d * unit_ns < (double)lo_ns || d * unit_ns > (double)hi_ns) {
		fail(p, key, "must be between %g and %g (got %s)", lo_ns / unit_ns, hi_ns / unit_ns,
		     v);
		return 0;
	}
	ns = (gint64)llround(d * unit_ns);
	return ns;
}

gboolean get_bool(struct cfg_parse *p, const char *key, gboolean def)
{
	g_autofree char *v = get_raw(p, key);

	if (!v)
		return def;
	if (!g_ascii_strcasecmp(v, "true") || !strcmp(v, "1") || !g_ascii_strcasecmp(v, "yes"))
		return TRUE;
	if (!g_ascii_strcasecmp(v, "false") || !strcmp(v, "0") || !g_ascii_strcasecmp(v, "no"))
		return FALSE;
	fail(p, key, "must be true or false (got \"%s\")", v);
	return def;
}

/* A comma-separated list of names; NULL-terminated, *N set. Empty items
 * and duplicates are refused. */
char **get_names(struct cfg_parse *p, const char *key, guint *n, guint max)
{
	g_autofree char *v = get_string(p, key, NULL, TRUE);
	char **items = NULL;
	guint count = 0;

	*n = 0;
	if (!v)
		return NULL;
	items = g_strsplit(v, ",", -1);
	for (guint i = 0; items[i]; i++) {
		g_strstrip(items[i]);
		if (!*items[i]) {
			fail(p, key, "item %u is empty", i + 1);
			goto bad;
		}
		for (guint j = 0; j < i; j++) {
			if (!strcmp(items[i], items[j])) {
				fail(p, key, "\"%s\" is listed twice", items[i]);
				goto bad;
			}
		}
		count++;
	}
	if (count > max) {
		fail(p, key, "at most %u items (got %u)", max, count);
		goto bad;
	}
	*n = count;
	return items;
bad:
	g_strfreev(items);
	return NULL;
}

/* "HOST:PORT" with PORT in 0..65535 (0 only when ALLOW_ZERO). */
void get_hostport(struct cfg_parse *p, const char *key, const char *def, char **host, guint16 *port,
                  gboolean required)
{
	g_autofree char *v = get_string(p, key, def, required);
	const char *colon;
	char *end = NULL;
	guint64 n;

	*host = NULL;
	*port = 0;
	if (!v)
		return;
	colon = strrchr(v, ':');
	if (!colon || colon == v) {
		fail(p, key, "must be HOST:PORT (got \"%s\")", v);
		return;
	}
	n = g_ascii_strtoull(colon + 1, &end, 10);
	if (!colon[1] || *end || n > 65535) {
		fail(p, key, "port must be 0..65535 (got \"%s\")", colon + 1);
		return;
	}
	*host = g_strndup(v, colon - v);
	if ((*host)[0] == '[' && (*host)[strlen(*host) - 1] == ']') {
		char *bare = g_strndup(*host + 1, strlen(*host) - 2);
		g_free(*host);
		*host = bare;
	}
	*port = (guint16)n;
}

gboolean valid_name(const char *name)
{
	if (!*name || strlen(name) > 64)
		return FALSE;
	for (const char *c = name; *c; c++) {
		if (!g_ascii_isalnum(*c) && *c != '_' && *c != '-')
			return FALSE;
	}
	return TRUE;
}

/* "scheme://..." with a scheme of letters, digits, '+', '-', '.'. */
gboolean looks_like_uri(const char *uri)
{
	const char *sep = strstr(uri, "://");

	if (!sep || sep == uri || !g_ascii_isalpha(uri[0]))
		return FALSE;
	for (const char *c = uri; c < sep; c++) {
		if (!g_ascii_isalnum(*c) && *c != '+' && *c != '-' && *c != '.')
			return FALSE;
	}
	return sep[3] != '\0';
}

/* Refuses keys that no parser knows: a typo must not fall back to a
 * default without a word. */
void check_known_keys(struct cfg_parse *p, const char *const *known)
{
	g_auto(GStrv) keys = g_key_file_get_keys(p->kf, p->group, NULL, NULL);

	for (guint i = 0; keys && keys[i] && !p->err; i++) {
		if (!g_strv_contains(known, keys[i]))
			fail(p, keys[i], "unknown key");
	}
}

/* Checks that PATH (the value of KEY) is a regular file this process can
 * read. A SECRET file must also not be readable by every user. */
void check_file(struct cfg_parse *p, const char *key, const char *path, gboolean secret)
{
	GStatBuf st;
	FILE *f;

	if (p->err || !path)
		return;
	if (g_stat(path, &st) < 0) {
		fail(p, key, "%s: %s", path, g_strerror(errno));
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		fail(p, key, "%s: not a regular file", path);
		return;
	}
	f = fopen(path, "r");
	if (!f) {
		fail(p, key, "%s: cannot be read (%s)", path, g_strerror(errno));
		return;
	}
	fclose(f);
	if (secret && (st.st_mode & S_IROTH))
		fail(p, key,
		     "%s: readable by every user (mode %04o); a secret must not be: "
		     "chmod o-rwx it",
		     path, (unsigned)(st.st_mode & 07777));
}

/* Reads the secret file PATH (the value of KEY), checked as above, into
 * *OUT (NUL-terminated; *LEN bytes without it). One trailing newline (and
 * a CR before it) is dropped, so `openssl rand -base64 48 > F` works.
 * Refused when shorter than MIN_LEN bytes or holding a NUL byte. */
void read_secret(struct cfg_parse *p, const char *key, const char *path, gsize min_len, char **out,
                 gsize *len)
{
	char *data = NULL;
	gsize n = 0;
	GError *ferr = NULL;

	*out = NULL;
	*len = 0;
	check_file(p, key, path, TRUE);
	if (p->err)
		return;
	if (!g_file_get_contents(path, &data, &n, &ferr)) {
		fail(p, key, "%s", ferr->message);
		g_error_free(ferr);
		return;
	}
	if (n && data[n - 1] == '\n')
		n--;
	if (n && data[n - 1] == '\r')
		n--;
	data[n] = '\0';
	if (memchr(data, '\0', n)) {
		fail(p, key, "%s: holds a NUL byte", path);
	} else if (n < min_len) {
		fail(p, key,
		     "%s: %zu bytes; at least %zu are needed (e.g. openssl rand -base64 48)", path,
		     n, min_len);
	} else {
		*out = g_steal_pointer(&data);
		*len = n;
	}
	if (data) {
		memset(data, 0, n);
		g_free(data);
	}
}

/* Lower-cases ORIGIN in place and drops one trailing '/'. Returns TRUE
 * when it is then "http://" or "https://" followed by a host and an
 * optional port, and nothing else (no path, query, user or space). */
gboolean origin_normalize(char *origin)
{
	gsize n;
	const char *host;

	for (char *c = origin; *c; c++)
		*c = g_ascii_tolower(*c);
	n = strlen(origin);
	if (n && origin[n - 1] == '/')
		origin[--n] = '\0';
	if (g_str_has_prefix(origin, "https://"))
		host = origin + 8;
	else if (g_str_has_prefix(origin, "http://"))
		host = origin + 7;
	else
		return FALSE;
	if (!*host)
		return FALSE;
	for (const char *c = host; *c; c++) {
		if (!g_ascii_isalnum(*c) && !strchr(".-:[]", *c))
			return FALSE;
	}
	return TRUE;
}
