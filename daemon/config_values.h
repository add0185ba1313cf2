/* Internal to daemon/config.c: the parse state and the getters that read
 * one value of the current group each (daemon/config_values.c). */
#pragma once

#include <glib.h>

#include "daemon/config.h"

/* The parse state: the key file, where we are in it (for messages) and
 * the first error. Every getter is a no-op once an error is set, so the
 * parsers read straight through and the first problem is reported. */
struct cfg_parse {
	GKeyFile *kf;
	const char *path;
	const char *group;
	GError *err;
};

/* Sets the first error, "PATH: [GROUP] KEY: why" (KEY may be NULL). */
void fail(struct cfg_parse *p, const char *key, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
/* The getters: absent keys give DEF; a bad value fails and gives DEF (or
 * NULL, 0). Strings and lists are the caller's to free. */
char *get_raw(struct cfg_parse *p, const char *key);
char *get_string(struct cfg_parse *p, const char *key, const char *def, gboolean required);
guint64 get_uint(struct cfg_parse *p, const char *key, guint64 def, guint64 lo, guint64 hi);
guint64 get_size(struct cfg_parse *p, const char *key, guint64 def, guint64 lo, guint64 hi);
gint64 get_duration(struct cfg_parse *p, const char *key, double def, double unit_ns, gint64 lo_ns,
                    gint64 hi_ns);
gboolean get_bool(struct cfg_parse *p, const char *key, gboolean def);
char **get_names(struct cfg_parse *p, const char *key, guint *n, guint max);
void get_hostport(struct cfg_parse *p, const char *key, const char *def, char **host, guint16 *port,
                  gboolean required);
/* Letters, digits, '_' and '-'; 1 to 64 of them. */
gboolean valid_name(const char *name);
gboolean looks_like_uri(const char *uri);
void check_known_keys(struct cfg_parse *p, const char *const *known);
void check_file(struct cfg_parse *p, const char *key, const char *path, gboolean secret);
void read_secret(struct cfg_parse *p, const char *key, const char *path, gsize min_len, char **out,
                 gsize *len);
gboolean origin_normalize(char *origin);
