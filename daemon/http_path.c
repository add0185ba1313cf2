/* HTTP request paths: the daemon's own check of every path before
 * libwebsockets maps it onto a mount, so that a path which could name
 * something outside the web root, or a hidden file inside it, is refused
 * even if the library's own clean-up were to miss it. */
#include "daemon/http_path.h"

#include <string.h>

/* TRUE when the byte may appear in a path segment. */
static gboolean path_byte_ok(guchar c)
{
	return c >= 0x20 && c != 0x7f && c != '\\' && c != '%';
}

enum http_path_kind http_path_classify(const char *path, gsize len)
{
	gsize seg;

	if (!path || len == 0 || len > HTTP_PATH_MAX || path[0] != '/')
		return HTTP_PATH_REFUSE;
	if (len == 8 && !memcmp(path, "/metrics", 8))
		return HTTP_PATH_METRICS;
	if (len == 8 && !memcmp(path, "/healthz", 8))
		return HTTP_PATH_HEALTHZ;

	/* Walk the segments after each '/': none may be empty (except the
	 * last, for a trailing '/') or start with '.'. */
	for (seg = 1; seg <= len; seg++) {
		gsize end = seg;

		while (end < len && path[end] != '/') {
			if (!path_byte_ok((guchar)path[end]))
				return HTTP_PATH_REFUSE;
			end++;
		}
		if (end == seg && end < len)
			return HTTP_PATH_REFUSE; /* "//" */
		if (end > seg && path[seg] == '.')
			return HTTP_PATH_REFUSE; /* ".", "..", ".hidden" */
		seg = end;
	}
	return HTTP_PATH_FILE;
}

const char *http_path_kind_name(enum http_path_kind kind)
{
	switch (kind) {
	case HTTP_PATH_REFUSE:
		return "refuse";
	case HTTP_PATH_FILE:
		return "file";
	case HTTP_PATH_METRICS:
		return "metrics";
	case HTTP_PATH_HEALTHZ:
		return "healthz";
	}
	return "unknown";
}
