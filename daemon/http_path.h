/* HTTP request paths: what the one port does with a path, decided by a
 * pure function so it can be tested and fuzzed without a socket. */
#pragma once

#include <glib.h>

/* Longest path accepted, in bytes (query string not included). */
#define HTTP_PATH_MAX 1024

enum http_path_kind {
	HTTP_PATH_REFUSE = 0, /* never served, whatever a mount would make of it */
	HTTP_PATH_FILE,       /* a static file under one of the file mounts */
	HTTP_PATH_METRICS,    /* /metrics */
	HTTP_PATH_HEALTHZ,    /* /healthz */
};

/* Classifies PATH (LEN bytes, already URL-decoded, without the query
 * string). Refused: empty or relative paths, paths over HTTP_PATH_MAX,
 * NUL, control bytes, backslashes and '%' (left over from double
 * encoding), empty segments ("//"), and any segment starting with '.'
 * (".", "..", dotfiles). A trailing '/' is allowed. O(LEN). */
enum http_path_kind http_path_classify(const char *path, gsize len);

/* "refuse", "file", "metrics" or "healthz". */
const char *http_path_kind_name(enum http_path_kind kind);
