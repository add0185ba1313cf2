/* publisher: XADD against a throwaway redis-server on a free loopback port,
 * including the server dying mid-flight and coming back. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <hiredis/hiredis.h>

#include "feedback/publisher.h"

/* Every wait in this file ends by these, well inside ctest's TIMEOUT. */
#define WAIT_SERVER_MS 5000
#define WAIT_REPLY_MS 5000
#define WAIT_RECONNECT_MS 15000

/* ---- a throwaway redis-server ------------------------------------------ */

/* One of these per redis-server the tests start: its directory, pid and
 * port, kept across a kill so it can be restarted on the same port. */
struct rs_redis {
	char *dir;
	GPid pid; /* 0 when not running */
	guint16 port;
};

/* A loopback port nobody listened on a moment ago: bind port 0, read it
 * back, close. Racy in theory, fine for tests. */
static guint16 rs_free_port(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	guint16 port = 0;

	assert_true(fd >= 0);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
		goto out;
	if (getsockname(fd, (struct sockaddr *)&sa, &len) != 0)
		goto out;
	port = ntohs(sa.sin_port);
out:
	close(fd);
	assert_int_not_equal(port, 0);
	return port;
}

/* A synchronous connection to R, or NULL when nothing answers. */
static redisContext *rs_redis_sync(const struct rs_redis *r)
{
	struct timeval tv = {.tv_sec = 0, .tv_usec = 200000};
	redisContext *c = redisConnectWithTimeout("127.0.0.1", r->port, tv);

	if (c && c->err) {
		redisFree(c);
		c = NULL;
	}
	return c;
}

static gboolean rs_redis_pings(const struct rs_redis *r)
{
	redisContext *c = rs_redis_sync(r);
	redisReply *reply = c ? redisCommand(c, "PING") : NULL;
	gboolean ok = reply && reply->type == REDIS_REPLY_STATUS && !strcmp(reply->str, "PONG");

	if (reply)
		freeReplyObject(reply);
	if (c)
		redisFree(c);
	return ok;
}

/* Starts redis-server on r->port (a free one when 0) in r->dir (a new
 * temporary directory when NULL) and waits until it answers PING. */
static void rs_redis_start(struct rs_redis *r)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *port = NULL;
	gint64 deadline = g_get_monotonic_time() + WAIT_SERVER_MS * G_TIME_SPAN_MILLISECOND;
	int status;

	if (!r->dir)
		r->dir = g_dir_make_tmp("ringside-redis-XXXXXX", &err);
	assert_non_null(r->dir);
	if (!r->port)
		r->port = rs_free_port();
	port = g_strdup_printf("%u", r->port);

	const char *argv[] = {"redis-server", "--port", port,   "--bind",
	                      "127.0.0.1",    "--save", "",     "--appendonly",
	                      "no",           "--dir",  r->dir, NULL};
	if (!g_spawn_async(NULL, (char **)argv, NULL,
	                   G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD |
	                           G_SPAWN_STDOUT_TO_DEV_NULL,
	                   NULL, NULL, &r->pid, &err))
		fail_msg("cannot start redis-server: %s", err->message);
	while (!rs_redis_pings(r)) {
		if (waitpid(r->pid, &status, WNOHANG) == r->pid) {
			r->pid = 0;
			fail_msg("redis-server on port %u exited at start", r->port);
		}
		if (g_get_monotonic_time() > deadline)
			fail_msg("redis-server on port %u does not answer PING", r->port);
		g_usleep(20000);
	}
}

/* Sends SIG to the server; SIGKILL also reaps it. */
static void rs_redis_signal(struct rs_redis *r, int sig)
{
	if (!r->pid)
		return;
	kill(r->pid, sig);
	if (sig == SIGKILL) {
		while (waitpid(r->pid, NULL, 0) < 0 && errno == EINTR)
			;
		r->pid = 0;
	}
}

/* Kills the server and removes its directory and whatever it left there. */
static void rs_redis_destroy(struct rs_redis *r)
{
	GDir *d;
	const char *name;

	rs_redis_signal(r, SIGKILL);
	if (!r->dir)
		return;
	d = g_dir_open(r->dir, 0, NULL);
	while (d && (name = g_dir_read_name(d))) {
		g_autofree char *path = g_build_filename(r->dir, name, NULL);

		g_unlink(path);
	}
	if (d)
		g_dir_close(d);
	g_rmdir(r->dir);
	g_clear_pointer(&r->dir, g_free);
}

/* ---- log capture --------------------------------------------------------- */

/* Warnings logged so far that name a redis address: the publisher should
 * say one per outage, not one per reconnect attempt. */
static guint n_redis_warnings;
static char last_redis_warning[256];

static GLogWriterOutput count_writer(GLogLevelFlags level, const GLogField *fields, gsize n,
                                     gpointer user)
{
	for (gsize i = 0; i < n && (level & G_LOG_LEVEL_WARNING); i++) {
		if (strcmp(fields[i].key, "MESSAGE") || fields[i].length >= 0 ||
		    !strstr(fields[i].value, "redis 127.0.0.1:"))
			continue;
		n_redis_warnings++;
		g_strlcpy(last_redis_warning, fields[i].value, sizeof last_redis_warning);
	}
	return g_log_writer_default(level, fields, n, user);
}

/* ---- waiting on the loop ---------------------------------------------------- */

/* What one done callback saw; CALLS must end at exactly 1. */
struct outcome {
	int calls;
	char *id;
	char *err;
};

static void on_done(const char *id, const char *err, void *user)
{
	struct outcome *o = user;

	o->calls++;
	g_free(o->id);
	g_free(o->err);
	o->id = g_strdup(id);
	o->err = g_strdup(err);
}

static void outcomes_clear(struct outcome *o, guint n)
{
	for (guint i = 0; i < n; i++) {
		g_free(o[i].id);
		g_free(o[i].err);
	}
	memset(o, 0, n * sizeof *o);
}

struct batch {
	struct outcome *o;
	guint n;
};

static gboolean batch_done(gpointer data)
{
	struct batch *b = data;

	for (guint i = 0; i < b->n; i++)
		if (b->o[i].calls == 0)
			return FALSE;
	return TRUE;
}

static gboolean is_connected(gpointer data)
{
	return publisher_connected(data);
}

static gboolean never(gpointer data)
{
	return FALSE;
}

/* Iterates CTX until COND(ARG) or TIMEOUT_MS; returns COND's last word. */
static gboolean wait_for(GMainContext *ctx, gboolean (*cond)(gpointer), gpointer arg,
                         guint timeout_ms)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * G_TIME_SPAN_MILLISECOND;

	while (!cond(arg)) {
		if (g_get_monotonic_time() >= deadline)
			return FALSE;
		if (!g_main_context_iteration(ctx, FALSE))
			g_usleep(1000);
	}
	return TRUE;
}

static void spin(GMainContext *ctx, guint ms)
{
	wait_for(ctx, never, NULL, ms);
}

/* ---- fixture ------------------------------------------------------------------ */

struct fixture {
	struct rs_redis redis;
	GMainContext *ctx;
	publisher *pub;
};

static int setup(void **state)
{
	struct fixture *f = g_new0(struct fixture, 1);

	f->ctx = g_main_context_new();
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	g_clear_pointer(&f->pub, publisher_free);
	rs_redis_destroy(&f->redis);
	/* Let the sources the publisher destroyed go. */
	while (g_main_context_iteration(f->ctx, FALSE))
		;
	g_main_context_unref(f->ctx);
	g_free(f);
	return 0;
}

/* Starts the server and a connected publisher with these limits. */
static void start_connected(struct fixture *f, guint64 maxlen, guint max_inflight)
{
	struct publisher_conf conf = {
	        .host = "127.0.0.1", .maxlen = maxlen, .max_inflight = max_inflight};

	rs_redis_start(&f->redis);
	conf.port = f->redis.port;
	f->pub = publisher_new(&conf, f->ctx);
	assert_true(wait_for(f->ctx, is_connected, f->pub, WAIT_SERVER_MS));
}

static void xadd1(publisher *pub, const char *stream, const char *value, struct outcome *o)
{
	const char *field = "v";
	gsize len = strlen(value);

	publisher_xadd(pub, stream, 1, &field, &value, &len, on_done, o);
}

/* The value of metric NAME in P's metrics; fails when it is missing. */
static guint64 metric(publisher *p, const char *name)
{
	g_autoptr(GString) out = g_string_new(NULL);
	g_autofree char *key = g_strdup_printf("\n%s ", name);
	const char *at;

	g_string_append_c(out, '\n');
	publisher_metrics_append(p, out);
	at = strstr(out->str, key);
	if (!at)
		fail_msg("metric %s missing from:%s", name, out->str);
	return g_ascii_strtoull(at + strlen(key), NULL, 10);
}

static long long xlen(const struct rs_redis *r, const char *stream)
{
	redisContext *c = rs_redis_sync(r);
	redisReply *reply;
	long long n;

	assert_non_null(c);
	reply = redisCommand(c, "XLEN %s", stream);
	assert_non_null(reply);
	assert_int_equal(reply->type, REDIS_REPLY_INTEGER);
	n = reply->integer;
	freeReplyObject(reply);
	redisFree(c);
	return n;
}

/* ---- tests ---------------------------------------------------------------------- */

/* Two fields, one of them binary with NULs and high bytes, come back from
 * XRANGE byte for byte under the id the done callback reported. */
static void test_binary_roundtrip(void **state)
{
	struct fixture *f = *state;
	static const char blob[] = {'a', 0, 'b', 0, 0, (char)0xff, (char)0x80, '\r', '\n', 0};
	const char *fields[] = {"label", "kind"};
	const char *values[] = {blob, "gold"};
	const gsize vlens[] = {sizeof blob, 4};
	struct outcome o = {0};
	struct batch b = {&o, 1};
	redisContext *c;
	redisReply *reply, *entry, *kv;

	start_connected(f, 0, 16);
	publisher_xadd(f->pub, "rs:bin", 2, fields, values, vlens, on_done, &o);
	assert_true(wait_for(f->ctx, batch_done, &b, WAIT_REPLY_MS));
	assert_int_equal(o.calls, 1);
	assert_null(o.err);
	assert_non_null(o.id);
	assert_non_null(strchr(o.id, '-'));

	c = rs_redis_sync(&f->redis);
	assert_non_null(c);
	reply = redisCommand(c, "XRANGE rs:bin - +");
	assert_non_null(reply);
	assert_int_equal(reply->type, REDIS_REPLY_ARRAY);
	assert_int_equal(reply->elements, 1);
	entry = reply->element[0];
	assert_int_equal(entry->elements, 2);
	assert_string_equal(entry->element[0]->str, o.id);
	kv = entry->element[1];
	assert_int_equal(kv->elements, 4);
	assert_string_equal(kv->element[0]->str, "label");
	assert_int_equal(kv->element[1]->len, sizeof blob);
	assert_memory_equal(kv->element[1]->str, blob, sizeof blob);
	assert_string_equal(kv->element[2]->str, "kind");
	assert_string_equal(kv->element[3]->str, "gold");
	freeReplyObject(reply);
	redisFree(c);

	assert_int_equal(metric(f->pub, "ringside_redis_publish_total"), 1);
	assert_int_equal(metric(f->pub, "ringside_redis_publish_errors_total"), 0);
	assert_int_equal(metric(f->pub, "ringside_redis_connected"), 1);
	outcomes_clear(&o, 1);
}

/* MAXLEN ~ N keeps the stream near N (whole nodes of 100 entries are
 * trimmed, so up to N + 100 may stay); 0 keeps everything. */
static void test_maxlen(void **state)
{
	static const struct {
		guint64 maxlen;
		long long min, max;
	} cases[] = {
	        {0, 500, 500},
	        {10, 10, 110},
	        {250, 250, 350},
	};
	struct fixture *f = *state;
	enum { N = 500 };
	struct outcome *o = g_new0(struct outcome, N);
	struct batch b = {o, N};

	rs_redis_start(&f->redis);
	for (gsize k = 0; k < G_N_ELEMENTS(cases); k++) {
		struct publisher_conf conf = {.host = "127.0.0.1",
		                              .port = f->redis.port,
		                              .maxlen = cases[k].maxlen,
		                              .max_inflight = N};
		g_autofree char *stream = g_strdup_printf("rs:trim:%zu", k);
		long long n;

		f->pub = publisher_new(&conf, f->ctx);
		assert_true(wait_for(f->ctx, is_connected, f->pub, WAIT_SERVER_MS));
		for (guint i = 0; i < N; i++)
			xadd1(f->pub, stream, "x", &o[i]);
		assert_true(wait_for(f->ctx, batch_done, &b, WAIT_REPLY_MS));
		for (guint i = 0; i < N; i++) {
			assert_int_equal(o[i].calls, 1);
			assert_null(o[i].err);
		}
		n = xlen(&f->redis, stream);
		if (n < cases[k].min || n > cases[k].max)
			fail_msg("maxlen %" G_GUINT64_FORMAT ": XLEN %lld not in [%lld, %lld]",
			         cases[k].maxlen, n, cases[k].min, cases[k].max);
		g_clear_pointer(&f->pub, publisher_free);
		outcomes_clear(o, N);
	}
	g_free(o);
}

/* The command on the wire, as MONITOR shows it: MAXLEN ~ N only when
 * maxlen is set, then the id "*", then the pairs. */
static void test_xadd_command(void **state)
{
	static const struct {
		guint64 maxlen;
		const char *want;
	} cases[] = {
	        {0, "\"XADD\" \"rs:mon\" \"*\" \"v\" \"x\""},
	        {7, "\"XADD\" \"rs:mon\" \"MAXLEN\" \"~\" \"7\" \"*\" \"v\" \"x\""},
	};
	struct fixture *f = *state;
	struct timeval tv = {.tv_sec = 2, .tv_usec = 0};

	rs_redis_start(&f->redis);
	for (gsize k = 0; k < G_N_ELEMENTS(cases); k++) {
		struct publisher_conf conf = {.host = "127.0.0.1",
		                              .port = f->redis.port,
		                              .maxlen = cases[k].maxlen,
		                              .max_inflight = 4};
		redisContext *mon = rs_redis_sync(&f->redis);
		redisReply *reply;
		struct outcome o = {0};
		struct batch b = {&o, 1};
		gboolean seen = FALSE;

		assert_non_null(mon);
		redisSetTimeout(mon, tv);
		reply = redisCommand(mon, "MONITOR");
		assert_non_null(reply);
		freeReplyObject(reply);

		f->pub = publisher_new(&conf, f->ctx);
		assert_true(wait_for(f->ctx, is_connected, f->pub, WAIT_SERVER_MS));
		xadd1(f->pub, "rs:mon", "x", &o);
		assert_true(wait_for(f->ctx, batch_done, &b, WAIT_REPLY_MS));
		assert_null(o.err);
		/* Bounded by the 2 s read timeout: an error ends the loop. */
		while (!seen && redisGetReply(mon, (void **)&reply) == REDIS_OK) {
			if (reply->type == REDIS_REPLY_STATUS && strstr(reply->str, "\"XADD\"")) {
				if (!strstr(reply->str, cases[k].want))
					fail_msg("monitor saw %s, want %s", reply->str,
					         cases[k].want);
				seen = TRUE;
			}
			freeReplyObject(reply);
		}
		assert_true(seen);
		redisFree(mon);
		g_clear_pointer(&f->pub, publisher_free);
		outcomes_clear(&o, 1);
	}
}

/* With no server, a publish fails before publisher_xadd returns, naming
 * the address; the retries behind it log one warning, not one each; and
 * once a server appears the publisher connects by itself. */
static void test_not_connected(void **state)
{
	struct fixture *f = *state;
	struct publisher_conf conf = {.host = "127.0.0.1", .max_inflight = 8};
	g_autofree char *want = NULL;
	struct outcome o = {0};
	struct batch b = {&o, 1};
	guint warnings = n_redis_warnings;

	f->redis.port = rs_free_port();
	conf.port = f->redis.port;
	want = g_strdup_printf("redis not connected (127.0.0.1:%u)", conf.port);
	f->pub = publisher_new(&conf, f->ctx);
	xadd1(f->pub, "rs:none", "x", &o);
	assert_int_equal(o.calls, 1);
	assert_null(o.id);
	assert_string_equal(o.err, want);

	/* 100 + 200 + 400 ms of backoff: at least three attempts. */
	spin(f->ctx, 1000);
	assert_false(publisher_connected(f->pub));
	assert_int_equal(n_redis_warnings - warnings, 1);
	assert_non_null(strstr(last_redis_warning, "unreachable"));
	assert_int_equal(o.calls, 1);
	assert_int_equal(metric(f->pub, "ringside_redis_connected"), 0);
	assert_int_equal(metric(f->pub, "ringside_redis_publish_errors_total"), 1);

	rs_redis_start(&f->redis);
	assert_true(wait_for(f->ctx, is_connected, f->pub, WAIT_RECONNECT_MS));
	assert_int_equal(metric(f->pub, "ringside_redis_reconnects_total"), 0);
	outcomes_clear(&o, 1);
	xadd1(f->pub, "rs:none", "x", &o);
	assert_true(wait_for(f->ctx, batch_done, &b, WAIT_REPLY_MS));
	assert_null(o.err);
	assert_non_null(o.id);
	outcomes_clear(&o, 1);
}

/* Publishes sent to a stopped server are in flight for sure; SIGKILL then
 * answers each exactly once with "connection lost". The publisher logs one
 * warning, refuses at once while down, and reconnects by itself when the
 * server is back on the same port. */
static void test_kill_in_flight(void **state)
{
	struct fixture *f = *state;
	enum { N = 20 };
	struct outcome o[N] = {{0}};
	struct batch b = {o, N};
	struct outcome late = {0};
	struct batch bl = {&late, 1};
	guint warnings;

	start_connected(f, 0, 64);
	rs_redis_signal(&f->redis, SIGSTOP);
	for (guint i = 0; i < N; i++)
		xadd1(f->pub, "rs:kill", "x", &o[i]);
	spin(f->ctx, 100); /* the commands leave our buffer */
	assert_int_equal(metric(f->pub, "ringside_redis_inflight"), N);
	for (guint i = 0; i < N; i++)
		assert_int_equal(o[i].calls, 0);

	warnings = n_redis_warnings;
	rs_redis_signal(&f->redis, SIGKILL);
	assert_true(wait_for(f->ctx, batch_done, &b, WAIT_REPLY_MS));
	spin(f->ctx, 300); /* nothing is answered twice, retries run */
	for (guint i = 0; i < N; i++) {
		assert_int_equal(o[i].calls, 1);
		assert_null(o[i].id);
		assert_string_equal(o[i].err, "connection lost");
	}
	assert_false(publisher_connected(f->pub));
	assert_int_equal(n_redis_warnings - warnings, 1);
	assert_non_null(strstr(last_redis_warning, "connection lost"));
	assert_int_equal(metric(f->pub, "ringside_redis_inflight"), 0);
	assert_int_equal(metric(f->pub, "ringside_redis_publish_errors_total"), N);

	xadd1(f->pub, "rs:kill", "x", &late);
	assert_int_equal(late.calls, 1);
	assert_non_null(strstr(late.err, "redis not connected"));
	outcomes_clear(&late, 1);

	rs_redis_start(&f->redis);
	assert_true(wait_for(f->ctx, is_connected, f->pub, WAIT_RECONNECT_MS));
	assert_int_equal(metric(f->pub, "ringside_redis_reconnects_total"), 1);
	xadd1(f->pub, "rs:kill", "after", &late);
	assert_true(wait_for(f->ctx, batch_done, &bl, WAIT_REPLY_MS));
	assert_int_equal(late.calls, 1);
	assert_null(late.err);
	assert_non_null(late.id);
	assert_int_equal(xlen(&f->redis, "rs:kill"), 1);
	outcomes_clear(&late, 1);
	outcomes_clear(o, N);
}

/* Past max_inflight a publish is refused before publisher_xadd returns and
 * counted; the ones admitted still succeed. */
static void test_overflow(void **state)
{
	struct fixture *f = *state;
	enum { MAX = 4, N = 10 };
	struct outcome o[N] = {{0}};
	struct batch b = {o, N};

	start_connected(f, 0, MAX);
	for (guint i = 0; i < N; i++)
		xadd1(f->pub, "rs:over", "x", &o[i]);
	for (guint i = 0; i < N; i++) {
		if (i < MAX) {
			assert_int_equal(o[i].calls, 0);
			continue;
		}
		assert_int_equal(o[i].calls, 1);
		assert_string_equal(o[i].err, "too many publishes in flight");
	}
	assert_int_equal(metric(f->pub, "ringside_redis_inflight"), MAX);
	assert_int_equal(metric(f->pub, "ringside_redis_inflight_overflow_total"), N - MAX);

	assert_true(wait_for(f->ctx, batch_done, &b, WAIT_REPLY_MS));
	for (guint i = 0; i < MAX; i++) {
		assert_int_equal(o[i].calls, 1);
		assert_null(o[i].err);
	}
	assert_int_equal(metric(f->pub, "ringside_redis_publish_total"), N);
	assert_int_equal(metric(f->pub, "ringside_redis_publish_errors_total"), N - MAX);
	assert_int_equal(metric(f->pub, "ringside_redis_inflight"), 0);
	assert_int_equal(xlen(&f->redis, "rs:over"), MAX);
	outcomes_clear(o, N);
}

/* publisher_free answers what is in flight with "shutdown" before it
 * returns. */
static void test_free_answers_pending(void **state)
{
	struct fixture *f = *state;
	enum { N = 5 };
	struct outcome o[N] = {{0}};

	start_connected(f, 0, 16);
	rs_redis_signal(&f->redis, SIGSTOP);
	for (guint i = 0; i < N; i++)
		xadd1(f->pub, "rs:free", "x", &o[i]);
	spin(f->ctx, 50);
	g_clear_pointer(&f->pub, publisher_free);
	for (guint i = 0; i < N; i++) {
		assert_int_equal(o[i].calls, 1);
		assert_string_equal(o[i].err, "shutdown");
	}
	spin(f->ctx, 50);
	for (guint i = 0; i < N; i++)
		assert_int_equal(o[i].calls, 1);
	outcomes_clear(o, N);
}

/* The publisher that on_first_done_free frees, and what each done saw. */
struct free_in_done {
	publisher *pub;
	struct outcome o[3];
};

static struct free_in_done *free_state;

static void on_first_done_free(const char *id, const char *err, void *user)
{
	on_done(id, err, user);
	g_clear_pointer(&free_state->pub, publisher_free);
}

/* A done callback may free the publisher (from inside hiredis's reply
 * callback); the rest are answered "shutdown" and nothing is touched
 * afterwards (run under valgrind to see the latter). */
static void test_free_inside_done(void **state)
{
	struct fixture *f = *state;
	struct free_in_done s = {0};
	struct batch b = {s.o, 3};
	const char *field = "v", *value = "x";
	gsize len = 1;

	start_connected(f, 0, 16);
	s.pub = f->pub;
	f->pub = NULL;
	free_state = &s;
	publisher_xadd(s.pub, "rs:fid", 1, &field, &value, &len, on_first_done_free, &s.o[0]);
	publisher_xadd(s.pub, "rs:fid", 1, &field, &value, &len, on_done, &s.o[1]);
	publisher_xadd(s.pub, "rs:fid", 1, &field, &value, &len, on_done, &s.o[2]);
	assert_true(wait_for(f->ctx, batch_done, &b, WAIT_REPLY_MS));
	spin(f->ctx, 100);
	assert_null(s.pub);
	assert_int_equal(s.o[0].calls, 1);
	assert_null(s.o[0].err);
	for (guint i = 1; i < 3; i++) {
		assert_int_equal(s.o[i].calls, 1);
		assert_string_equal(s.o[i].err, "shutdown");
	}
	free_state = NULL;
	outcomes_clear(s.o, 3);
}

/* publisher_drain returns once the replies are in, and gives up after its
 * timeout when the server does not answer. */
static void test_drain(void **state)
{
	struct fixture *f = *state;
	enum { N = 50 };
	struct outcome o[N] = {{0}};
	struct outcome stuck = {0};
	struct batch bs = {&stuck, 1};
	gint64 t0;

	start_connected(f, 0, N);
	for (guint i = 0; i < N; i++)
		xadd1(f->pub, "rs:drain", "x", &o[i]);
	publisher_drain(f->pub, WAIT_REPLY_MS);
	for (guint i = 0; i < N; i++) {
		assert_int_equal(o[i].calls, 1);
		assert_null(o[i].err);
	}
	assert_int_equal(metric(f->pub, "ringside_redis_inflight"), 0);

	rs_redis_signal(&f->redis, SIGSTOP);
	xadd1(f->pub, "rs:drain", "x", &stuck);
	t0 = g_get_monotonic_time();
	publisher_drain(f->pub, 200);
	assert_true(g_get_monotonic_time() - t0 >= 190 * G_TIME_SPAN_MILLISECOND);
	assert_true(g_get_monotonic_time() - t0 < 2 * G_TIME_SPAN_SECOND);
	assert_int_equal(stuck.calls, 0);
	assert_int_equal(metric(f->pub, "ringside_redis_inflight"), 1);

	rs_redis_signal(&f->redis, SIGCONT);
	assert_true(wait_for(f->ctx, batch_done, &bs, WAIT_REPLY_MS));
	assert_null(stuck.err);
	outcomes_clear(&stuck, 1);
	outcomes_clear(o, N);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_binary_roundtrip, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_maxlen, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_xadd_command, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_not_connected, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_kill_in_flight, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_overflow, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_free_answers_pending, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_free_inside_done, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_drain, setup, teardown),
	};

	/* A publish to a dead server must not kill the test with SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	g_log_set_writer_func(count_writer, NULL, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
