/* Fuzz target: http_path_classify (daemon/http_path.c), the check every
 * HTTP request path passes before libwebsockets maps it onto a mount.
 * Input: the raw path bytes. Checks: a path that is not refused starts
 * with '/', has no NUL, backslash or dot segment, and, joined to a web
 * root, stays inside it. */
#include <string.h>

#include "daemon/http_path.h"
#include "fuzz_common.h"

#define ROOT "/srv/ringside/web"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet_logs();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = (const char *)data;
	enum http_path_kind kind = http_path_classify(path, size);
	g_autofree char *copy = NULL;
	g_autofree char *joined = NULL;

	FUZZ_CHECK(strcmp(http_path_kind_name(kind), "unknown") != 0);
	if (kind == HTTP_PATH_REFUSE)
		return 0;
	FUZZ_CHECK(size >= 1 && size <= HTTP_PATH_MAX && path[0] == '/');
	FUZZ_CHECK(memchr(path, '\0', size) == NULL);
	FUZZ_CHECK(memchr(path, '\\', size) == NULL);
	copy = g_strndup(path, size);
	FUZZ_CHECK(strstr(copy, "/.") == NULL);
	FUZZ_CHECK(strstr(copy, "//") == NULL);
	if (kind == HTTP_PATH_METRICS)
		FUZZ_CHECK(!strcmp(copy, "/metrics"));
	if (kind == HTTP_PATH_HEALTHZ)
		FUZZ_CHECK(!strcmp(copy, "/healthz"));

	/* What a file mount would open stays under the root. */
	joined = g_canonicalize_filename(copy + 1, ROOT);
	FUZZ_CHECK(g_str_has_prefix(joined, ROOT) &&
	           (joined[strlen(ROOT)] == '\0' || joined[strlen(ROOT)] == '/'));
	return 0;
}
