/* hiredis's GLib adapter without its wake-ups. The adapter calls
 * g_main_context_wakeup on every change of interest, which is a write to
 * GLib's eventfd for each command queued and a read of it on the next
 * turn. Every hiredis call here is made on the thread that runs the
 * context, which reads the poll events afresh before each poll, so
 * setting them is enough. */
#pragma once

#include <hiredis/adapters/glib.h>

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

/* redis_source_new for AC, whose calls are all made on the thread that
 * runs the context the source is attached to. */
static inline GSource *redis_source_new_quiet(redisAsyncContext *ac)
{
	GSource *src = redis_source_new(ac);

	ac->ev.addRead = redis_quiet_add_read;
	ac->ev.delRead = redis_quiet_del_read;
	ac->ev.addWrite = redis_quiet_add_write;
	ac->ev.delWrite = redis_quiet_del_write;
	return src;
}
