/* Unit tests for daemon/http_path.c: the table of paths the one HTTP port
 * serves, refuses or answers itself. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "daemon/http_path.h"

struct path_case {
	const char *path;
	gsize len; /* 0: strlen(path) */
	enum http_path_kind want;
};

static const struct path_case cases[] = {
        /* what the reviewer client and operators ask for */
        {"/", 0, HTTP_PATH_FILE},
        {"/index.html", 0, HTTP_PATH_FILE},
        {"/app.js", 0, HTTP_PATH_FILE},
        {"/vendor/uplot/uPlot.min.css", 0, HTTP_PATH_FILE},
        {"/vendor/uplot/uPlot.iife.min.js", 0, HTTP_PATH_FILE},
        {"/vendor/protobufjs/protobuf.min.js", 0, HTTP_PATH_FILE},
        {"/proto/ringside.proto", 0, HTTP_PATH_FILE},
        {"/vendor/uplot/", 0, HTTP_PATH_FILE},
        {"/a-b_c~1/x.y.z", 0, HTTP_PATH_FILE},
        {"/metrics", 0, HTTP_PATH_METRICS},
        {"/healthz", 0, HTTP_PATH_HEALTHZ},
        /* near the dynamic endpoints: files (the mount answers 404) */
        {"/metricsX", 0, HTTP_PATH_FILE},
        {"/metrics/", 0, HTTP_PATH_FILE},
        {"/healthz/x", 0, HTTP_PATH_FILE},
        {"/Metrics", 0, HTTP_PATH_FILE},
        /* traversal and hidden files */
        {"/..", 0, HTTP_PATH_REFUSE},
        {"/../etc/passwd", 0, HTTP_PATH_REFUSE},
        {"/vendor/uplot/../../../../etc/passwd", 0, HTTP_PATH_REFUSE},
        {"/vendor/..", 0, HTTP_PATH_REFUSE},
        {"/.", 0, HTTP_PATH_REFUSE},
        {"/./index.html", 0, HTTP_PATH_REFUSE},
        {"/.git/config", 0, HTTP_PATH_REFUSE},
        {"/node_modules/.package-lock.json", 0, HTTP_PATH_REFUSE},
        {"/.env", 0, HTTP_PATH_REFUSE},
        {"//etc/passwd", 0, HTTP_PATH_REFUSE},
        {"/vendor//uplot", 0, HTTP_PATH_REFUSE},
        {"/..\\..\\etc\\passwd", 0, HTTP_PATH_REFUSE},
        {"/a\\b", 0, HTTP_PATH_REFUSE},
        {"/%2e%2e/etc/passwd", 0, HTTP_PATH_REFUSE},
        {"/index.html%00", 0, HTTP_PATH_REFUSE},
        {"/index.html\0.png", 16, HTTP_PATH_REFUSE},
        {"/a\nb", 0, HTTP_PATH_REFUSE},
        {"/a\x7f", 0, HTTP_PATH_REFUSE},
        /* not a path at all */
        {"", 0, HTTP_PATH_REFUSE},
        {"index.html", 0, HTTP_PATH_REFUSE},
        {"http://x/", 0, HTTP_PATH_REFUSE},
        /* a dot inside a name is fine */
        {"/a./b..c", 0, HTTP_PATH_FILE},
};

static void test_table(void **state)
{
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		const struct path_case *c = &cases[i];
		gsize len = c->len ? c->len : strlen(c->path);
		enum http_path_kind got = http_path_classify(c->path, len);

		if (got != c->want)
			fail_msg("\"%s\": %s, expected %s", g_strescape(c->path, NULL),
			         http_path_kind_name(got), http_path_kind_name(c->want));
	}
}

/* The length bound: HTTP_PATH_MAX bytes pass, one more is refused. */
static void test_length(void **state)
{
	char buf[HTTP_PATH_MAX + 2];

	memset(buf, 'a', sizeof(buf));
	buf[0] = '/';
	assert_int_equal(http_path_classify(buf, HTTP_PATH_MAX), HTTP_PATH_FILE);
	assert_int_equal(http_path_classify(buf, HTTP_PATH_MAX + 1), HTTP_PATH_REFUSE);
	assert_int_equal(http_path_classify(NULL, 0), HTTP_PATH_REFUSE);
}

/* Only the bytes within LEN count: a longer buffer is not read past it. */
static void test_len_bounds(void **state)
{
	assert_int_equal(http_path_classify("/metrics.txt", 8), HTTP_PATH_METRICS);
	assert_int_equal(http_path_classify("/ok/../x", 3), HTTP_PATH_FILE);
	assert_int_equal(http_path_classify("/ok/../x", 7), HTTP_PATH_REFUSE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_table),
	        cmocka_unit_test(test_length),
	        cmocka_unit_test(test_len_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
