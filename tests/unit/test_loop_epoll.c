/* loop_epoll: a GLib context polling through epoll dispatches what
 * g_poll would, follows interest changes and removed sources, and finds
 * a descriptor number reused within one turn. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <glib-unix.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/loop_epoll.h"

struct watch {
	GSource *src;
	int fd;
	guint fired;
	GIOCondition last;
};

static gboolean on_fd(gint fd, GIOCondition cond, gpointer data)
{
	struct watch *w = data;

	(void)fd;
	w->fired++;
	w->last = cond;
	return G_SOURCE_CONTINUE;
}

static void watch_add(GMainContext *ctx, struct watch *w, int fd, GIOCondition cond)
{
	w->fd = fd;
	w->fired = 0;
	w->src = g_unix_fd_source_new(fd, cond);
	g_source_set_callback(w->src, G_SOURCE_FUNC(on_fd), w, NULL);
	g_source_attach(w->src, ctx);
}

static void watch_drop(struct watch *w)
{
	g_source_destroy(w->src);
	g_source_unref(w->src);
	w->src = NULL;
}

/* A few non-blocking turns. */
static void spin(GMainContext *ctx)
{
	for (int i = 0; i < 4; i++)
		g_main_context_iteration(ctx, FALSE);
}

static int setup(void **state)
{
	GMainContext *ctx = g_main_context_new();

	g_main_context_push_thread_default(ctx);
	assert_true(loop_epoll_install(ctx, NULL));
	*state = ctx;
	return 0;
}

static int teardown(void **state)
{
	GMainContext *ctx = *state;

	loop_epoll_uninstall(ctx);
	g_main_context_pop_thread_default(ctx);
	g_main_context_unref(ctx);
	return 0;
}

/* Readable only when there is data; writable interest added later. */
static void test_ready_and_interest(void **state)
{
	GMainContext *ctx = *state;
	int sv[2];
	struct watch w;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	watch_add(ctx, &w, sv[0], G_IO_IN);
	spin(ctx);
	assert_int_equal(w.fired, 0);
	assert_int_equal(write(sv[1], "x", 1), 1);
	spin(ctx);
	assert_true(w.fired > 0);
	assert_true(w.last & G_IO_IN);
	assert_int_equal(read(sv[0], (char[4]){0}, 4), 1);
	w.fired = 0;
	spin(ctx);
	assert_int_equal(w.fired, 0);
	/* the descriptor now wanted writable too (a socket is): same
	 * number, changed interest */
	watch_drop(&w);
	watch_add(ctx, &w, sv[0], G_IO_IN | G_IO_OUT);
	spin(ctx);
	assert_true(w.fired > 0);
	assert_true(w.last & G_IO_OUT);
	assert_false(w.last & G_IO_IN);
	watch_drop(&w);
	close(sv[0]);
	close(sv[1]);
}

/* The peer going away shows as HUP (or IN with EOF), like poll(2). */
static void test_hangup(void **state)
{
	GMainContext *ctx = *state;
	int sv[2];
	struct watch w;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	watch_add(ctx, &w, sv[0], G_IO_IN);
	close(sv[1]);
	spin(ctx);
	assert_true(w.fired > 0);
	assert_true(w.last & (G_IO_HUP | G_IO_IN));
	watch_drop(&w);
	close(sv[0]);
}

/* A socket closed and its number given to a new one between two turns:
 * announced, the new one is watched at once; not announced, within the
 * once-a-second re-check. */
static void reuse_case(GMainContext *ctx, gboolean announce)
{
	int a[2], b[2];
	struct watch w;
	gint64 until;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, a), 0);
	watch_add(ctx, &w, a[0], G_IO_IN);
	spin(ctx);
	/* within one turn: the source goes, the number closes and comes back */
	watch_drop(&w);
	close(a[0]);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, b), 0);
	assert_int_equal(b[0], a[0]);
	if (announce)
		loop_epoll_fd_new(b[0]);
	watch_add(ctx, &w, b[0], G_IO_IN);
	assert_int_equal(write(b[1], "y", 1), 1);
	if (announce) {
		spin(ctx);
		assert_true(w.fired > 0);
	} else {
		until = g_get_monotonic_time() + 3 * G_USEC_PER_SEC;
		while (!w.fired && g_get_monotonic_time() < until) {
			g_main_context_iteration(ctx, FALSE);
			g_usleep(10000);
		}
		assert_true(w.fired > 0);
	}
	watch_drop(&w);
	close(a[1]);
	close(b[0]);
	close(b[1]);
}

static void test_reuse_announced(void **state)
{
	reuse_case(*state, TRUE);
}

static void test_reuse_unannounced(void **state)
{
	reuse_case(*state, FALSE);
}

/* Two sources on one descriptor (the fall-back to g_poll): both fire. */
static void test_same_fd_twice(void **state)
{
	GMainContext *ctx = *state;
	int sv[2];
	struct watch w1, w2;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	watch_add(ctx, &w1, sv[0], G_IO_IN);
	watch_add(ctx, &w2, sv[0], G_IO_OUT);
	spin(ctx);
	assert_int_equal(w1.fired, 0);
	assert_true(w2.fired > 0);
	assert_int_equal(write(sv[1], "z", 1), 1);
	spin(ctx);
	assert_true(w1.fired > 0);
	watch_drop(&w1);
	watch_drop(&w2);
	close(sv[0]);
	close(sv[1]);
}

/* Many sockets, one ready: only that one's callback runs. */
static void test_many_one_ready(void **state)
{
	GMainContext *ctx = *state;
	enum { N = 300 };
	int sv[N][2];
	struct watch *w = g_new0(struct watch, N);

	for (int i = 0; i < N; i++) {
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv[i]), 0);
		watch_add(ctx, &w[i], sv[i][0], G_IO_IN);
	}
	spin(ctx);
	assert_int_equal(write(sv[N / 2][1], "q", 1), 1);
	spin(ctx);
	for (int i = 0; i < N; i++)
		assert_int_equal(w[i].fired != 0, i == N / 2);
	for (int i = 0; i < N; i++) {
		watch_drop(&w[i]);
		close(sv[i][0]);
		close(sv[i][1]);
	}
	g_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_ready_and_interest, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_hangup, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_reuse_announced, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_reuse_unannounced, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_same_fd_twice, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_many_one_ready, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
