/* Log writer: the journal when stderr is connected to it (under systemd),
 * else "2026-01-01T12:00:00.123Z LEVEL message" lines on stderr. Debug and
 * info lines appear with G_MESSAGES_DEBUG=all, as everywhere in GLib. */
#include "daemon/log.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *level_name(GLogLevelFlags level)
{
	if (level & G_LOG_LEVEL_ERROR)
		return "ERROR";
	if (level & G_LOG_LEVEL_CRITICAL)
		return "CRITICAL";
	if (level & G_LOG_LEVEL_WARNING)
		return "WARNING";
	if (level & G_LOG_LEVEL_MESSAGE)
		return "NOTICE";
	if (level & G_LOG_LEVEL_INFO)
		return "INFO";
	return "DEBUG";
}

static GLogWriterOutput write_line(GLogLevelFlags level, const GLogField *fields, gsize n,
				   gpointer user)
{
	const char *msg = NULL;
	g_autoptr(GDateTime) now = NULL;
	g_autofree char *stamp = NULL;

	if (g_log_writer_is_journald(fileno(stderr)))
		return g_log_writer_journald(level, fields, n, user);
	if ((level & (G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG)) && !g_getenv("G_MESSAGES_DEBUG"))
		return G_LOG_WRITER_HANDLED;
	for (gsize i = 0; i < n; i++) {
		if (!strcmp(fields[i].key, "MESSAGE"))
			msg = fields[i].value;
	}
	now = g_date_time_new_now_utc();
	stamp = g_date_time_format(now, "%Y-%m-%dT%H:%M:%S.%fZ");
	/* %f is microseconds; keep milliseconds. */
	if (stamp && strlen(stamp) > 24)
		memmove(stamp + 23, stamp + 26, strlen(stamp + 26) + 1);
	fprintf(stderr, "%s %s %s\n", stamp ? stamp : "", level_name(level), msg ? msg : "");
	fflush(stderr);
	return G_LOG_WRITER_HANDLED;
}

void log_init(void)
{
	g_log_set_writer_func(write_line, NULL, NULL);
}
