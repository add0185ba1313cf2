/* hiredis's GLib adapter, changed in two ways for a busy connection:
 *
 * - no wake-ups: the adapter calls g_main_context_wakeup on every change
 *   of interest, a write to GLib's eventfd for each command queued and a
 *   read of it on the next turn. Every hiredis call here is made on the
 *   thread that runs the context, which reads the poll events afresh
 *   before each poll, so setting them is enough;
 * - the output buffer is kept: hiredis frees it each time it has written
 *   all of it and grows a new one command by command, reallocation after
 *   reallocation. Here the queued commands are written first and the
 *   buffer emptied in place (up to KEEP_OBUF bytes of it), then hiredis
 *   does the rest of its write step with nothing left to write; an error
 *   is left for hiredis to meet on its own write and report. */
#pragma once

#include <unistd.h>

/* Its own dispatch and event hooks are replaced below, unused. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include <hiredis/adapters/glib.h>
#pragma GCC diagnostic pop
#include <hiredis/sds.h>

#define KEEP_OBUF (256 * 1024) /* a larger buffer (after a backlog) goes */

static void redis_quiet_add_read(gpointer data)
{
	((RedisSource *)data)->poll_fd.events |= G_IO_IN;
}

static void redis_quiet_del_read(gpointer data)
{
	((RedisSource *)data)->poll_fd.events &= ~G_IO_IN;
}

static void redis_quiet_add_write(gpointer data)
{
	((RedisSource *)data)->poll_fd.events |= G_IO_OUT;
}

static void redis_quiet_del_write(gpointer data)
{
	((RedisSource *)data)->poll_fd.events &= ~G_IO_OUT;
}

static void redis_quiet_write(redisAsyncContext *ac)
{
	redisContext *c = &ac->c;
	size_t len = sdslen(c->obuf);

	if ((c->flags & REDIS_CONNECTED) && !c->err && len > 0 && sdsalloc(c->obuf) <= KEEP_OBUF) {
		ssize_t n = write(c->fd, c->obuf, len);

		if (n == (ssize_t)len)
			sdsclear(c->obuf);
		else if (n > 0)
			sdsrange(c->obuf, n, -1);
	}
	redisAsyncHandleWrite(ac);
}

/* redis_source_dispatch with the write above. */
static gboolean redis_quiet_dispatch(GSource *source, GSourceFunc callback, gpointer user_data)
{
	RedisSource *redis = (RedisSource *)source;

	if (redis->poll_fd.revents & G_IO_OUT) {
		redis_quiet_write(redis->ac);
		redis->poll_fd.revents &= ~G_IO_OUT;
	}
	if (redis->poll_fd.revents & G_IO_IN) {
		redisAsyncHandleRead(redis->ac);
		redis->poll_fd.revents &= ~G_IO_IN;
	}
	if (callback)
		return callback(user_data);
	return G_SOURCE_CONTINUE;
}

/* The adapter's source for AC (redis_source_new, changed as above),
 * whose calls are all made on the thread that runs the context the source
 * is attached to. */
static inline GSource *redis_source_new_quiet(redisAsyncContext *ac)
{
	static GSourceFuncs funcs = {
	        .prepare = redis_source_prepare,
	        .check = redis_source_check,
	        .dispatch = redis_quiet_dispatch,
	        .finalize = redis_source_finalize,
	};
	RedisSource *src = (RedisSource *)g_source_new(&funcs, sizeof(*src));

	src->ac = ac;
	src->poll_fd.fd = ac->c.fd;
	src->poll_fd.events = 0;
	src->poll_fd.revents = 0;
	g_source_add_poll(&src->source, &src->poll_fd);
	ac->ev.addRead = redis_quiet_add_read;
	ac->ev.delRead = redis_quiet_del_read;
	ac->ev.addWrite = redis_quiet_add_write;
	ac->ev.delWrite = redis_quiet_del_write;
	ac->ev.cleanup = redis_source_cleanup;
	ac->ev.data = src;
	return &src->source;
}
