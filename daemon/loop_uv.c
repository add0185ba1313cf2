/* A uv loop run from a GLib main context: GLib polls uv's backend
 * descriptor (its epoll set) and, when it is readable or a uv timer is
 * due, runs one non-blocking pass of the uv loop. */
#include "daemon/loop_uv.h"

#include <gio/gio.h>

#define CLOSE_BUDGET_US (2 * G_USEC_PER_SEC)

struct loop_uv {
	GSource src; /* first: the GSource this extends */
	uv_loop_t uv;
	gpointer tag; /* uv's backend descriptor in the source */
};

/* Whether uv holds interest changes (uv_poll_start/stop) not yet given
 * to its epoll set: uv applies them only inside its own poll step, so
 * a change made from another GSource (an ack after Redis answered)
 * would otherwise wait in GLib's poll for an unrelated wake-up. uv has
 * no call for this; the queue is a field of the public struct. O(1). */
static gboolean changes_pending(const uv_loop_t *uv)
{
#if UV_VERSION_HEX >= 0x012d00
	return uv->watcher_queue.next != &uv->watcher_queue;
#else
	return uv->watcher_queue[0] != (const void *)&uv->watcher_queue;
#endif
}

/* How long GLib may sleep for uv's sake: 0 when uv has work now (pending
 * changes, idle handles, a due timer), -1 when uv has nothing alive. */
static gint uv_wait_ms(loop_uv *l)
{
	if (!uv_loop_alive(&l->uv))
		return -1;
	if (changes_pending(&l->uv))
		return 0;
	uv_update_time(&l->uv);
	return uv_backend_timeout(&l->uv);
}

static gboolean src_prepare(GSource *s, gint *timeout)
{
	*timeout = uv_wait_ms((loop_uv *)s);
	return *timeout == 0;
}

static gboolean src_check(GSource *s)
{
	loop_uv *l = (loop_uv *)s;

	return (g_source_query_unix_fd(s, l->tag) & G_IO_IN) || uv_wait_ms(l) == 0;
}

static gboolean src_dispatch(GSource *s, GSourceFunc cb, gpointer user)
{
	(void)cb;
	(void)user;
	uv_run(&((loop_uv *)s)->uv, UV_RUN_NOWAIT);
	return G_SOURCE_CONTINUE;
}

static GSourceFuncs loop_uv_funcs = {
        .prepare = src_prepare,
        .check = src_check,
        .dispatch = src_dispatch,
};

loop_uv *loop_uv_new(GMainContext *ctx, GError **err)
{
	loop_uv *l = (loop_uv *)g_source_new(&loop_uv_funcs, sizeof(loop_uv));
	int rc = uv_loop_init(&l->uv);

	if (rc) {
		g_set_error(err, G_IO_ERROR, G_IO_ERROR_FAILED, "libuv: %s", uv_strerror(rc));
		g_source_unref(&l->src);
		return NULL;
	}
	g_source_set_name(&l->src, "libuv");
	l->tag = g_source_add_unix_fd(&l->src, uv_backend_fd(&l->uv), G_IO_IN);
	g_source_attach(&l->src, ctx);
	return l;
}

uv_loop_t *loop_uv_loop(loop_uv *l)
{
	return &l->uv;
}

void loop_uv_pass(loop_uv *l)
{
	uv_run(&l->uv, UV_RUN_NOWAIT);
}

static void close_handle(uv_handle_t *h, void *user)
{
	(void)user;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

/* Runs the loop without blocking until nothing is alive or UNTIL (a
 * monotonic time) passes. Returns whether it emptied. */
static gboolean run_until_empty(uv_loop_t *uv, gint64 until)
{
	while (uv_run(uv, UV_RUN_NOWAIT)) {
		if (g_get_monotonic_time() > until)
			return FALSE;
		g_usleep(1000);
	}
	return TRUE;
}

void loop_uv_free(loop_uv *l)
{
	gint64 until = g_get_monotonic_time() + CLOSE_BUDGET_US;

	if (!l)
		return;
	if (!run_until_empty(&l->uv, until)) {
		/* Something still open that its owner forgot: closed here so
		 * the loop can be. */
		g_warning("libuv: handles still open after %d s; closing them",
		          (int)(CLOSE_BUDGET_US / G_USEC_PER_SEC));
		uv_walk(&l->uv, close_handle, NULL);
		run_until_empty(&l->uv, g_get_monotonic_time() + CLOSE_BUDGET_US);
	}
	if (uv_loop_close(&l->uv))
		g_warning("libuv: loop still busy at exit");
	g_source_destroy(&l->src);
	g_source_unref(&l->src);
}
