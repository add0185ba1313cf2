/* The pre-annotation stream's reader: one hiredis async connection driven
 * by a GLib main context, looping on XREAD BLOCK, reconnecting with
 * backoff whenever Redis goes away. Never blocks the loop.
 *
 *   connect ─► AUTH (with a password) ─► XREVRANGE key + - COUNT 1 (first
 *   connection only: where "new" starts) ─► XREAD BLOCK 1000 COUNT 100
 *   STREAMS key <last id> ─► entries to preannot_offer ─► XREAD ... */
#include "feedback/preannot_reader.h"

#include <string.h>

#include <hiredis/hiredis.h>
#include <hiredis/async.h>

#include "feedback/redis_glib.h"

/* Reconnect delays: the first retry after 100 ms, doubling up to 5 s. */
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
/* hiredis 0.14 has no async connect timeout. */
#define CONNECT_TIMEOUT_MS 5000
/* XREAD blocks this long when nothing comes, then is sent again. */
#define BLOCK_MS "1000"
#define READ_COUNT "100"
/* A read unanswered this long after BLOCK_MS means a server that accepts
 * but does not serve: the connection is dropped and made again. */
#define REPLY_TIMEOUT_MS (1000 + 5000)
/* After an error reply (a key of the wrong type, a missing permission)
 * the read is tried again this much later, not in a tight loop. */
#define ERROR_PAUSE_MS 1000
/* Stream entry ids are "<ms>-<seq>": two 64-bit numbers. */
#define ENTRY_ID_MAX 48

/* One of these per daemon (when pre-annotations are on). Lives on one
 * GMainContext; nothing here is thread-safe. */
struct preannot_reader {
	GMainContext *ctx;
	preannot *pa;
	char *host;
	guint16 port;
	char *addr; /* "host:port" for messages */
	char *stream;
	char *user;     /* NULL: AUTH with the password only */
	char *password; /* NULL: no AUTH */

	redisAsyncContext *ac; /* live or connecting, NULL between attempts */
	gboolean connected;    /* up and authenticated */
	gboolean ever_connected;
	gboolean down_logged;  /* this outage has had its one warning */
	gboolean error_logged; /* this run of error replies has had its warning */
	guint backoff_ms;
	GSource *retry; /* pending reconnect */
	GSource *connect_timeout;
	GSource *pause;    /* read again after an error reply */
	GSource *watchdog; /* checks the read in flight */
	gint64 sent_us;    /* monotonic time the read in flight was sent; 0: none */

	char last_id[ENTRY_ID_MAX]; /* read after this entry; "": not known yet */
	guint64 entries_total, reconnects_total;
};

static void reader_connect(preannot_reader *r);
static void reader_start(preannot_reader *r);

static void clear_source(GSource **src)
{
	if (!*src)
		return;
	g_source_destroy(*src);
	g_source_unref(*src);
	*src = NULL;
}

/* ev.cleanup for the GLib adapter, as in publisher.c: ends the GSource
 * with the context hiredis is freeing. */
static void reader_source_cleanup(void *data)
{
	RedisSource *src = data;

	redis_source_cleanup(src);
	src->poll_fd.revents = 0;
	g_source_destroy(&src->source);
	g_source_unref(&src->source);
}

static gboolean on_retry(gpointer data)
{
	preannot_reader *r = data;

	g_clear_pointer(&r->retry, g_source_unref);
	reader_connect(r);
	return G_SOURCE_REMOVE;
}

/* The connection is down (WAS_UP: it had been established) or never came
 * up: warns once per outage and arms the next attempt. The caller has
 * already let go of r->ac. */
static void reader_lost(preannot_reader *r, gboolean was_up, const char *why)
{
	r->connected = FALSE;
	r->sent_us = 0;
	clear_source(&r->pause);
	if (!r->down_logged) {
		g_warning("pre-annotations: redis %s %s (%s); retrying in the background", r->addr,
		          was_up ? "connection lost" : "unreachable", why);
		r->down_logged = TRUE;
	}
	if (r->retry)
		return;
	r->retry = g_timeout_source_new(r->backoff_ms);
	g_source_set_callback(r->retry, on_retry, r, NULL);
	g_source_attach(r->retry, r->ctx);
	r->backoff_ms = MIN(r->backoff_ms * 2, BACKOFF_MAX_MS);
}

/* From a GLib timer, never inside a hiredis callback: freeing is safe. */
static gboolean on_connect_timeout(gpointer data)
{
	preannot_reader *r = data;
	redisAsyncContext *ac = r->ac;

	g_clear_pointer(&r->connect_timeout, g_source_unref);
	r->ac = NULL;
	if (ac) {
		ac->data = NULL;
		redisAsyncFree(ac);
	}
	reader_lost(r, FALSE, "connect timed out");
	return G_SOURCE_REMOVE;
}

static void reader_up(preannot_reader *r)
{
	clear_source(&r->connect_timeout);
	r->connected = TRUE;
	r->backoff_ms = BACKOFF_MIN_MS;
	r->down_logged = FALSE;
	if (r->ever_connected)
		r->reconnects_total++;
	r->ever_connected = TRUE;
	g_message("pre-annotations: reading stream %s on redis %s", r->stream, r->addr);
	reader_start(r);
}

/* An error reply to a read: said once per run of them, and the read is
 * tried again after ERROR_PAUSE_MS. */
static gboolean on_pause(gpointer data)
{
	preannot_reader *r = data;

	g_clear_pointer(&r->pause, g_source_unref);
	reader_start(r);
	return G_SOURCE_REMOVE;
}

static void reader_error(preannot_reader *r, const char *cmd, const char *err)
{
	if (!r->error_logged)
		g_warning("pre-annotations: redis %s: %s %s: %s; trying again every %d ms", r->addr,
		          cmd, r->stream, err, ERROR_PAUSE_MS);
	r->error_logged = TRUE;
	if (r->pause)
		return;
	r->pause = g_timeout_source_new(ERROR_PAUSE_MS);
	g_source_set_callback(r->pause, on_pause, r, NULL);
	g_source_attach(r->pause, r->ctx);
}

/* Hands every entry of one XREAD reply's stream to the store and moves
 * last_id past it. Malformed parts of the reply are skipped. O(entries). */
static void reader_take(preannot_reader *r, const redisReply *entries)
{
	gint64 now_ns = g_get_real_time() * 1000;

	for (size_t i = 0; i < entries->elements; i++) {
		const redisReply *e = entries->element[i];
		const redisReply *id, *fields, *pb = NULL;

		if (e->type != REDIS_REPLY_ARRAY || e->elements != 2)
			continue;
		id = e->element[0];
		fields = e->element[1];
		if (id->type != REDIS_REPLY_STRING || id->len >= ENTRY_ID_MAX)
			continue;
		memcpy(r->last_id, id->str, id->len);
		r->last_id[id->len] = '\0';
		r->entries_total++;
		for (size_t k = 0; fields->type == REDIS_REPLY_ARRAY && k + 1 < fields->elements;
		     k += 2) {
			const redisReply *f = fields->element[k];

			if (f->type == REDIS_REPLY_STRING && f->len == 2 &&
			    !memcmp(f->str, "pb", 2) &&
			    fields->element[k + 1]->type == REDIS_REPLY_STRING) {
				pb = fields->element[k + 1];
				break;
			}
		}
		preannot_offer(r->pa, r->last_id, pb ? (const guint8 *)pb->str : NULL,
		               pb ? pb->len : 0, now_ns);
	}
}

/* hiredis: the reply to XREAD, or NULL when the context is being freed. */
static void on_xread(redisAsyncContext *ac, void *data, void *privdata)
{
	preannot_reader *r = ac->data;
	redisReply *reply = data;

	if (!r || !reply)
		return;
	r->sent_us = 0;
	if (reply->type == REDIS_REPLY_ERROR) {
		reader_error(r, "XREAD", reply->str);
		return;
	}
	r->error_logged = FALSE;
	/* nil: nothing came within BLOCK_MS. Else [[key, [entry...]]]. */
	if (reply->type == REDIS_REPLY_ARRAY && reply->elements >= 1 &&
	    reply->element[0]->type == REDIS_REPLY_ARRAY && reply->element[0]->elements == 2 &&
	    reply->element[0]->element[1]->type == REDIS_REPLY_ARRAY)
		reader_take(r, reply->element[0]->element[1]);
	reader_start(r);
}

/* hiredis: the reply to XREVRANGE key + - COUNT 1: the stream's newest
 * entry, where reading starts on the first connection ("0-0" for a
 * stream that does not exist yet: everything added later is new). */
static void on_newest(redisAsyncContext *ac, void *data, void *privdata)
{
	preannot_reader *r = ac->data;
	redisReply *reply = data;
	const redisReply *id;

	if (!r || !reply)
		return;
	r->sent_us = 0;
	if (reply->type != REDIS_REPLY_ARRAY) {
		reader_error(r, "XREVRANGE",
		             reply->type == REDIS_REPLY_ERROR ? reply->str : "unexpected reply");
		return;
	}
	r->error_logged = FALSE;
	g_strlcpy(r->last_id, "0-0", sizeof r->last_id);
	if (reply->elements >= 1 && reply->element[0]->type == REDIS_REPLY_ARRAY &&
	    reply->element[0]->elements >= 1) {
		id = reply->element[0]->element[0];
		if (id->type == REDIS_REPLY_STRING && id->len < ENTRY_ID_MAX) {
			memcpy(r->last_id, id->str, id->len);
			r->last_id[id->len] = '\0';
		}
	}
	reader_start(r);
}

/* Sends the next request: where to start when that is not known yet,
 * else the next blocking read. */
static void reader_start(preannot_reader *r)
{
	const char *newest[] = {"XREVRANGE", r->stream, "+", "-", "COUNT", "1"};
	const char *read[] = {"XREAD",    "BLOCK",   BLOCK_MS,  "COUNT",
	                      READ_COUNT, "STREAMS", r->stream, r->last_id};
	const char **argv = r->last_id[0] ? read : newest;
	int argc = r->last_id[0] ? G_N_ELEMENTS(read) : G_N_ELEMENTS(newest);
	size_t argvlen[G_N_ELEMENTS(read)];

	if (!r->connected || !r->ac)
		return;
	for (int i = 0; i < argc; i++)
		argvlen[i] = strlen(argv[i]);
	/* REDIS_ERR: the context is disconnecting; its callback follows. */
	if (redisAsyncCommandArgv(r->ac, r->last_id[0] ? on_xread : on_newest, NULL, argc, argv,
	                          argvlen) == REDIS_OK)
		r->sent_us = g_get_monotonic_time();
}

/* hiredis: the reply to AUTH, or NULL when the context is being freed.
 * Refused: said once per outage and the connection is closed; the
 * disconnect callback arms the next attempt. */
static void on_auth(redisAsyncContext *ac, void *data, void *privdata)
{
	preannot_reader *r = ac->data;
	redisReply *reply = data;

	if (!r || !reply)
		return;
	if (reply->type == REDIS_REPLY_STATUS && !g_ascii_strcasecmp(reply->str, "OK")) {
		reader_up(r);
		return;
	}
	/* The publisher, with the same credentials, has warned about them
	 * already: one warning per cause, and a notice that reading waits. */
	if (!r->down_logged)
		g_message("pre-annotations: redis %s: not reading until the credentials are "
		          "accepted; retrying in the background",
		          r->addr);
	r->down_logged = TRUE;
	redisAsyncDisconnect(ac);
}

/* hiredis: the connect attempt finished; on failure hiredis frees AC as
 * soon as this returns. With a password AUTH goes first. */
static void on_connect(const redisAsyncContext *ac, int status)
{
	preannot_reader *r = ac->data;
	const char *argv[3] = {"AUTH"};
	size_t argvlen[3] = {4};
	int argc = 1;

	if (!r)
		return;
	if (status != REDIS_OK) {
		clear_source(&r->connect_timeout);
		r->ac = NULL;
		reader_lost(r, FALSE, ac->c.errstr[0] ? ac->c.errstr : "connect failed");
		return;
	}
	if (!r->password) {
		reader_up(r);
		return;
	}
	if (r->user) {
		argv[argc] = r->user;
		argvlen[argc++] = strlen(r->user);
	}
	argv[argc] = r->password;
	argvlen[argc++] = strlen(r->password);
	/* hiredis hands the callback a const context but owns a mutable one. */
	if (redisAsyncCommandArgv((redisAsyncContext *)ac, on_auth, NULL, argc, argv, argvlen) !=
	    REDIS_OK)
		g_warning("pre-annotations: redis %s: AUTH could not be sent", r->addr);
}

/* hiredis: an established connection ended; every pending reply callback
 * has run with a NULL reply and hiredis frees AC when this returns. */
static void on_disconnect(const redisAsyncContext *ac, int status)
{
	preannot_reader *r = ac->data;
	const char *why = "closed by the server";

	if (!r)
		return;
	if (status != REDIS_OK)
		why = ac->c.errstr[0] ? ac->c.errstr : "connection error";
	r->ac = NULL;
	clear_source(&r->connect_timeout);
	reader_lost(r, TRUE, why);
}

/* Starts one connect attempt in the background (the address is resolved
 * here, instant for an IP literal); an immediate failure arms the next. */
static void reader_connect(preannot_reader *r)
{
	redisAsyncContext *ac = redisAsyncConnect(r->host, r->port);
	GSource *src;

	if (!ac) {
		reader_lost(r, FALSE, "out of memory");
		return;
	}
	if (ac->err) {
		reader_lost(r, FALSE, ac->c.errstr);
		redisAsyncFree(ac);
		return;
	}
	ac->data = r;
	src = redis_source_new_quiet(ac);
	ac->ev.cleanup = reader_source_cleanup; /* takes over our ref on SRC */
	g_source_attach(src, r->ctx);
	redisAsyncSetConnectCallback(ac, on_connect);
	redisAsyncSetDisconnectCallback(ac, on_disconnect);
	r->ac = ac;
	r->connect_timeout = g_timeout_source_new(CONNECT_TIMEOUT_MS);
	g_source_set_callback(r->connect_timeout, on_connect_timeout, r, NULL);
	g_source_attach(r->connect_timeout, r->ctx);
}

/* Once a second: a read unanswered for REPLY_TIMEOUT_MS drops the
 * connection (a GLib timer, so freeing the context is safe; hiredis runs
 * the disconnect callback, which arms the reconnect). */
static gboolean on_watchdog(gpointer data)
{
	preannot_reader *r = data;
	redisAsyncContext *ac;

	if (r->sent_us && r->ac &&
	    g_get_monotonic_time() - r->sent_us > REPLY_TIMEOUT_MS * 1000LL) {
		if (!r->down_logged)
			g_warning("pre-annotations: redis %s: no reply for %d ms; reconnecting",
			          r->addr, REPLY_TIMEOUT_MS);
		r->down_logged = TRUE;
		r->connected = FALSE;
		ac = r->ac;
		redisAsyncFree(ac);
		/* the disconnect callback has run, unless hiredis had not
		 * counted the connection as up */
		if (r->ac == ac) {
			r->ac = NULL;
			reader_lost(r, TRUE, "no reply");
		}
	}
	return G_SOURCE_CONTINUE;
}

preannot_reader *preannot_reader_new(const struct preannot_reader_conf *conf, preannot *pa,
                                     GMainContext *ctx)
{
	preannot_reader *r = g_new0(preannot_reader, 1);
	const char *host = conf->host && conf->host[0] ? conf->host : "127.0.0.1";

	r->ctx = g_main_context_ref(ctx ? ctx : g_main_context_default());
	r->pa = pa;
	r->host = g_strdup(host);
	r->port = conf->port;
	if (strchr(host, ':'))
		r->addr = g_strdup_printf("[%s]:%u", host, (unsigned)conf->port);
	else
		r->addr = g_strdup_printf("%s:%u", host, (unsigned)conf->port);
	r->stream = g_strdup(conf->stream);
	r->user = g_strdup(conf->user);
	r->password = g_strdup(conf->password);
	r->backoff_ms = BACKOFF_MIN_MS;
	r->watchdog = g_timeout_source_new(1000);
	g_source_set_callback(r->watchdog, on_watchdog, r, NULL);
	g_source_attach(r->watchdog, r->ctx);
	reader_connect(r);
	return r;
}

/* Not from inside one of the reader's own hiredis callbacks. */
void preannot_reader_free(preannot_reader *r)
{
	redisAsyncContext *ac;

	if (!r)
		return;
	clear_source(&r->retry);
	clear_source(&r->connect_timeout);
	clear_source(&r->pause);
	clear_source(&r->watchdog);
	ac = r->ac;
	r->ac = NULL;
	if (ac) {
		ac->data = NULL; /* its callbacks, run as it is freed, see no reader */
		redisAsyncFree(ac);
	}
	g_main_context_unref(r->ctx);
	g_free(r->host);
	g_free(r->addr);
	g_free(r->stream);
	g_free(r->user);
	if (r->password)
		memset(r->password, 0, strlen(r->password));
	g_free(r->password);
	g_free(r);
}

gboolean preannot_reader_connected(const preannot_reader *r)
{
	return r->connected;
}

void preannot_reader_metrics_append(preannot_reader *r, GString *out)
{
	g_string_append_printf(out,
	                       "ringside_preannotations_connected %d\n"
	                       "ringside_preannotations_entries_total %" G_GUINT64_FORMAT "\n"
	                       "ringside_preannotations_reconnects_total %" G_GUINT64_FORMAT "\n",
	                       r->connected ? 1 : 0, r->entries_total, r->reconnects_total);
}
