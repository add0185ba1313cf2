/* Publishes entries to Redis Streams with XADD on hiredis's async API, driven
 * by a GLib main context, reconnecting with backoff whenever Redis goes away. */

/* Metrics, appended by publisher_metrics_append as bare sample lines:
 *   ringside_redis_connected                1 while the connection is up, else 0
 *   ringside_redis_publish_total            publisher_xadd calls (each ends in one done)
 *   ringside_redis_publish_errors_total     of those, the ones whose done got an error
 *   ringside_redis_inflight                 requests sent and awaiting their reply
 *   ringside_redis_inflight_overflow_total  requests refused because max_inflight were out
 *   ringside_redis_reconnects_total         connections re-established after a loss
 *   ringside_redis_reply_timeouts_total     connections dropped for a request unanswered 5 s
 *   ringside_redis_auth_failures_total      connections whose AUTH Redis refused
 */
#include "feedback/publisher.h"

#include <limits.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <hiredis/async.h>

#include "feedback/redis_glib.h"

/* Reconnect delays: the first retry after 100 ms, doubling up to 5 s. */
#define PUBLISHER_BACKOFF_MIN_MS 100
#define PUBLISHER_BACKOFF_MAX_MS 5000
/* hiredis 0.14 has no async connect timeout; a SYN into a black hole
 * would otherwise wait for the kernel's (minutes). */
#define PUBLISHER_CONNECT_TIMEOUT_MS 5000
/* A request Redis has not answered in this long means a server that
 * accepts but does not serve (paused, swapping, a dead peer behind a
 * proxy): the connection is dropped so every waiting request fails and
 * reviewers resend instead of waiting forever. */
#define PUBLISHER_REPLY_TIMEOUT_MS 5000
/* Used when the configuration leaves max_inflight at 0. */
#define PUBLISHER_DEFAULT_INFLIGHT 1024

/* One of these per XADD handed to hiredis; hiredis owns it from then on
 * (as the callback's privdata) and publisher_on_reply frees it. */
struct publisher_req {
	GList link;   /* in publisher.pending while done is still owed */
	gint64 sent_us; /* monotonic */
	publisher *p; /* NULL once publisher_free has answered it */
	publisher_done_fn done;
	void *user;
};

/* One of these per Redis server the daemon publishes to. Lives on one
 * GMainContext; nothing here is thread-safe. */
struct publisher {
	GMainContext *ctx;
	char *host;
	guint16 port;
	char *addr;          /* "host:port" for messages */
	char *not_connected; /* "redis not connected (host:port)" */
	guint64 maxlen;
	char maxlen_arg[24]; /* maxlen in decimal, for the command */
	guint max_inflight;
	GString *cmd;        /* the command being formatted, reused */

	/* The live or connecting context, NULL between attempts. hiredis
	 * frees it by itself after a failed connect or a lost connection. */
	redisAsyncContext *ac;
	gboolean connected;
	gboolean ever_connected;
	gboolean down_logged; /* this outage has had its one warning */
	guint backoff_ms;     /* delay before the next attempt */
	GSource *retry;       /* pending reconnect, holds a ref */
	GSource *connect_timeout;
	GSource *watchdog; /* checks the oldest request's age */

	GQueue pending; /* of publisher_req, in send order; length = inflight */

	guint64 publish_total, errors_total, overflow_total, reconnects_total, timeouts_total;

	/* AUTH after each connect, before the connection counts as up. */
	char *user;     /* NULL: AUTH with the password only */
	char *password; /* NULL: no AUTH */
	gboolean auth_logged; /* this run of refusals has had its warning */
	guint64 auth_failures_total;
};

static void publisher_connect(publisher *p);

/* ev.cleanup for the GLib adapter, called by hiredis as it frees the
 * context. Ends the GSource with it: the adapter leaves removing the source
 * to us, and its dispatch reads revents again after redisAsyncHandleWrite,
 * which may just have freed the context, so they are cleared here. Drops
 * the reference publisher_connect handed to the context. */
static void publisher_source_cleanup(void *data)
{
	RedisSource *src = data;

	redis_source_cleanup(src);
	src->poll_fd.revents = 0;
	g_source_destroy(&src->source);
	g_source_unref(&src->source);
}

static void publisher_clear_source(GSource **src)
{
	if (!*src)
		return;
	g_source_destroy(*src);
	g_source_unref(*src);
	*src = NULL;
}

static gboolean publisher_on_retry(gpointer data)
{
	publisher *p = data;

	g_clear_pointer(&p->retry, g_source_unref);
	publisher_connect(p);
	return G_SOURCE_REMOVE;
}

/* Records that the connection is down (WAS_UP: it had been established) or
 * never came up, and arms the next attempt. Warns once per outage, not
 * once per attempt. The caller has already let go of p->ac. */
static void publisher_lost(publisher *p, gboolean was_up, const char *why)
{
	p->connected = FALSE;
	if (!p->down_logged) {
		if (was_up)
			g_warning("redis %s: connection lost (%s); reconnecting in the background",
			          p->addr, why);
		else
			g_warning("redis %s unreachable (%s); retrying in the background", p->addr,
			          why);
		p->down_logged = TRUE;
	}
	if (p->retry)
		return;
	p->retry = g_timeout_source_new(p->backoff_ms);
	g_source_set_callback(p->retry, publisher_on_retry, p, NULL);
	g_source_attach(p->retry, p->ctx);
	p->backoff_ms = MIN(p->backoff_ms * 2, PUBLISHER_BACKOFF_MAX_MS);
}

/* The connect attempt took too long: abandon it. Runs from a GLib timer,
 * never inside a hiredis callback, so freeing the context here is safe. */
static gboolean publisher_on_connect_timeout(gpointer data)
{
	publisher *p = data;
	redisAsyncContext *ac = p->ac;

	g_clear_pointer(&p->connect_timeout, g_source_unref);
	p->ac = NULL;
	if (ac) {
		ac->data = NULL;
		redisAsyncFree(ac);
	}
	publisher_lost(p, FALSE, "connect timed out");
	return G_SOURCE_REMOVE;
}

/* The connection is up (and authenticated when a password is set):
 * publishes are accepted from now on. */
static void publisher_up(publisher *p)
{
	publisher_clear_source(&p->connect_timeout);
	p->connected = TRUE;
	p->backoff_ms = PUBLISHER_BACKOFF_MIN_MS;
	p->down_logged = FALSE;
	if (p->auth_logged)
		g_message("redis %s: AUTH accepted", p->addr);
	p->auth_logged = FALSE;
	if (p->ever_connected)
		p->reconnects_total++;
	p->ever_connected = TRUE;
	g_message("redis %s connected", p->addr);
}

/* hiredis: the reply to AUTH, or NULL when the context is being freed.
 * Refused: said once per run of refusals, and the connection is closed;
 * the disconnect callback arms the next attempt with the usual backoff. */
static void publisher_on_auth(redisAsyncContext *ac, void *r, void *privdata)
{
	publisher *p = ac->data;
	redisReply *reply = r;

	if (!p || !reply)
		return;
	if (reply->type == REDIS_REPLY_STATUS && !g_ascii_strcasecmp(reply->str, "OK")) {
		publisher_up(p);
		return;
	}
	p->auth_failures_total++;
	if (!p->auth_logged)
		g_warning("redis %s: AUTH refused: %s; retrying in the background", p->addr,
		          reply->type == REDIS_REPLY_ERROR ? reply->str : "unexpected reply");
	p->auth_logged = TRUE;
	p->down_logged = TRUE; /* the line above is this outage's warning */
	redisAsyncDisconnect(ac);
}

/* hiredis: the connect attempt finished. On failure hiredis frees AC as
 * soon as this returns. With a password, AUTH goes first and the
 * connection is up only once Redis accepts it; the connect timeout keeps
 * running until then. */
static void publisher_on_connect(const redisAsyncContext *ac, int status)
{
	publisher *p = ac->data;
	const char *argv[3] = {"AUTH"};
	size_t argvlen[3] = {4};
	int argc = 1;

	if (!p)
		return;
	if (status != REDIS_OK) {
		publisher_clear_source(&p->connect_timeout);
		p->ac = NULL;
		publisher_lost(p, FALSE, ac->c.errstr[0] ? ac->c.errstr : "connect failed");
		return;
	}
	if (!p->password) {
		publisher_up(p);
		return;
	}
	if (p->user) {
		argv[argc] = p->user;
		argvlen[argc++] = strlen(p->user);
	}
	argv[argc] = p->password;
	argvlen[argc++] = strlen(p->password);
	/* hiredis hands the callback a const context but owns a mutable one. */
	if (redisAsyncCommandArgv((redisAsyncContext *)ac, publisher_on_auth, NULL, argc, argv,
	                          argvlen) != REDIS_OK)
		g_warning("redis %s: AUTH could not be sent", p->addr);
}

/* hiredis: an established connection ended. Every pending reply callback
 * has already run with a NULL reply; hiredis frees AC when this returns. */
static void publisher_on_disconnect(const redisAsyncContext *ac, int status)
{
	publisher *p = ac->data;
	const char *why = "closed by the server";

	if (!p)
		return;
	if (status != REDIS_OK)
		why = ac->c.errstr[0] ? ac->c.errstr : "connection error";
	p->ac = NULL;
	/* still armed when the connection ended during AUTH */
	publisher_clear_source(&p->connect_timeout);
	publisher_lost(p, TRUE, why);
}

/* Starts one connect attempt in the background. The address is resolved
 * here, synchronously (getaddrinfo), which is instant for an IP literal.
 * On an immediate failure the next attempt is armed. */
static void publisher_connect(publisher *p)
{
	redisAsyncContext *ac = redisAsyncConnect(p->host, p->port);
	GSource *src = NULL;

	if (!ac) {
		publisher_lost(p, FALSE, "out of memory");
		goto out;
	}
	if (ac->err) {
		/* Not attached to any loop and no callback is running. */
		publisher_lost(p, FALSE, ac->c.errstr);
		redisAsyncFree(ac);
		goto out;
	}
	ac->data = p;
	src = redis_source_new_quiet(ac);
	ac->ev.cleanup = publisher_source_cleanup; /* takes over our ref on SRC */
	g_source_attach(src, p->ctx);
	/* After the adapter is in place: this arms the write event that
	 * reports the connect. */
	redisAsyncSetConnectCallback(ac, publisher_on_connect);
	redisAsyncSetDisconnectCallback(ac, publisher_on_disconnect);
	p->ac = ac;

	p->connect_timeout = g_timeout_source_new(PUBLISHER_CONNECT_TIMEOUT_MS);
	g_source_set_callback(p->connect_timeout, publisher_on_connect_timeout, p, NULL);
	g_source_attach(p->connect_timeout, p->ctx);
out:
	return;
}

/* Once a second: when the oldest request has waited past the reply
 * timeout, drop the connection (hiredis then fails every pending request
 * with a NULL reply and the usual reconnect follows). A GLib timer, never
 * inside a hiredis callback, so disconnecting here is safe. Replies come
 * in order, so the oldest request is the head. O(1). */
static gboolean publisher_on_watchdog(gpointer data)
{
	publisher *p = data;
	struct publisher_req *oldest = p->pending.head ? p->pending.head->data : NULL;

	if (oldest && p->ac &&
	    g_get_monotonic_time() - oldest->sent_us > PUBLISHER_REPLY_TIMEOUT_MS * 1000LL) {
		g_warning("redis %s: no reply for %d ms with %u request(s) waiting; reconnecting",
		          p->addr, PUBLISHER_REPLY_TIMEOUT_MS, p->pending.length);
		p->timeouts_total++;
		p->connected = FALSE;
		p->down_logged = TRUE; /* this line is the outage's warning */
		/* Not redisAsyncDisconnect: that waits for the replies. Freeing
		 * fails every pending request and runs the disconnect callback,
		 * which arms the reconnect. */
		redisAsyncFree(p->ac);
	}
	return G_SOURCE_CONTINUE;
}

/* Starts connecting at once and returns; conf is copied. A NULL CTX means
 * the global default context. Never NULL. */
publisher *publisher_new(const struct publisher_conf *conf, GMainContext *ctx)
{
	publisher *p = g_new0(publisher, 1);
	const char *host = conf->host && conf->host[0] ? conf->host : "127.0.0.1";

	p->ctx = g_main_context_ref(ctx ? ctx : g_main_context_default());
	p->host = g_strdup(host);
	p->port = conf->port;
	/* An IPv6 literal gets brackets so its port stays readable. */
	if (strchr(host, ':'))
		p->addr = g_strdup_printf("[%s]:%u", host, (unsigned)conf->port);
	else
		p->addr = g_strdup_printf("%s:%u", host, (unsigned)conf->port);
	p->not_connected = g_strdup_printf("redis not connected (%s)", p->addr);
	p->maxlen = conf->maxlen;
	g_snprintf(p->maxlen_arg, sizeof p->maxlen_arg, "%" G_GUINT64_FORMAT, p->maxlen);
	p->cmd = g_string_sized_new(1024);
	p->max_inflight = conf->max_inflight ? conf->max_inflight : PUBLISHER_DEFAULT_INFLIGHT;
	p->user = g_strdup(conf->user);
	p->password = g_strdup(conf->password);
	p->backoff_ms = PUBLISHER_BACKOFF_MIN_MS;
	g_queue_init(&p->pending);
	p->watchdog = g_timeout_source_new(1000);
	g_source_set_callback(p->watchdog, publisher_on_watchdog, p, NULL);
	g_source_attach(p->watchdog, p->ctx);
	publisher_connect(p);
	return p;
}

/* Answers every pending request with "shutdown", then closes the
 * connection. The requests' memory stays with hiredis, which hands each
 * back to publisher_on_reply (as orphans) when it frees the context; if
 * this runs inside a hiredis callback (from a done), hiredis defers that
 * free until the callback has returned (REDIS_IN_CALLBACK). */
void publisher_free(publisher *p)
{
	redisAsyncContext *ac;
	GList *link;

	if (!p)
		return;
	publisher_clear_source(&p->retry);
	publisher_clear_source(&p->connect_timeout);
	publisher_clear_source(&p->watchdog);
	ac = p->ac;
	p->ac = NULL;
	p->connected = FALSE;
	while ((link = g_queue_pop_head_link(&p->pending))) {
		struct publisher_req *req = link->data;

		req->p = NULL;
		p->errors_total++;
		req->done(NULL, "shutdown", req->user);
	}
	if (ac) {
		ac->data = NULL;
		redisAsyncFree(ac);
	}
	g_main_context_unref(p->ctx);
	g_free(p->host);
	g_free(p->addr);
	g_free(p->not_connected);
	g_string_free(p->cmd, TRUE);
	g_free(p->user);
	if (p->password)
		memset(p->password, 0, strlen(p->password));
	g_free(p->password);
	g_free(p);
}

/* hiredis: the reply to one XADD, or NULL when the context is being freed
 * (connection lost, or publisher_free). Calls done exactly once; the id
 * and error strings are valid only during that call. done is called
 * last, so it may publish again or even free the publisher. */
static void publisher_on_reply(redisAsyncContext *ac, void *r, void *privdata)
{
	struct publisher_req *req = privdata;
	redisReply *reply = r;
	publisher *p = req->p;
	publisher_done_fn done = req->done;
	void *user = req->user;

	if (!p) {
		/* publisher_free has already answered it. */
		g_free(req);
		return;
	}
	g_queue_unlink(&p->pending, &req->link);
	g_free(req);
	if (!reply) {
		/* Refuse new requests right away, before the disconnect
		 * callback runs. */
		p->connected = FALSE;
		p->errors_total++;
		done(NULL, "connection lost", user);
	} else if (reply->type == REDIS_REPLY_STRING || reply->type == REDIS_REPLY_STATUS) {
		done(reply->str, NULL, user);
	} else if (reply->type == REDIS_REPLY_ERROR) {
		p->errors_total++;
		done(NULL, reply->str, user);
	} else {
		p->errors_total++;
		done(NULL, "unexpected reply to XADD", user);
	}
}

#define CMD_KEEP_BYTES (64 * 1024) /* a larger command buffer is not reused */

/* Digits of N in decimal. */
static gsize dec_len(gsize n)
{
	gsize d = 1;

	while (n >= 10) {
		n /= 10;
		d++;
	}
	return d;
}

/* Bytes of one bulk string of LEN bytes in Redis's protocol. */
static gsize arg_size(gsize len)
{
	return 1 + dec_len(len) + 2 + len + 2;
}

/* Writes PREFIX, N in decimal and CRLF at P (a header of Redis's
 * protocol: "*3", "$4"); returns the end. */
static char *put_header(char *p, char prefix, gsize n)
{
	gsize d = dec_len(n);

	*p = prefix;
	for (gsize i = d; i > 0; i--, n /= 10)
		p[i] = (char)('0' + n % 10);
	p += d + 1;
	*p++ = '\r';
	*p++ = '\n';
	return p;
}

/* Writes one bulk string at P; returns the end. */
static char *put_arg(char *p, const char *s, gsize len)
{
	p = put_header(p, '$', len);
	memcpy(p, s, len);
	p += len;
	*p++ = '\r';
	*p++ = '\n';
	return p;
}

/* Queues XADD STREAM [MAXLEN ~ N] * f1 v1 ... on the connection; the
 * command is formatted (copied) before this returns. O(total bytes). When
 * the request cannot be sent, done gets the reason before this returns. */
void publisher_xadd(publisher *p, const char *stream, guint n_fields, const char *const *fields,
                    const char *const *values, const gsize *vlens, publisher_done_fn done,
                    void *user)
{
	struct publisher_req *req = NULL;
	g_autofree char *err = NULL; /* a copy: done may free P */
	GString *cmd = p->cmd;
	const char *head[6]; /* the arguments before the fields */
	gsize head_len[6], size;
	guint nh = 0;
	char *end;

	g_return_if_fail(p && stream && done);
	p->publish_total++;
	if (!p->connected || !p->ac) {
		err = g_strdup(p->not_connected);
		goto out;
	}
	if (p->pending.length >= p->max_inflight) {
		p->overflow_total++;
		err = g_strdup("too many publishes in flight");
		goto out;
	}
	if (n_fields > (INT_MAX - 8) / 2) {
		err = g_strdup("too many fields");
		goto out;
	}

	/* The command's size first, then the command, in one buffer. */
	head[nh] = "XADD";
	head_len[nh++] = 4;
	head[nh] = stream;
	head_len[nh++] = strlen(stream);
	if (p->maxlen > 0) {
		head[nh] = "MAXLEN";
		head_len[nh++] = 6;
		head[nh] = "~";
		head_len[nh++] = 1;
		head[nh] = p->maxlen_arg;
		head_len[nh++] = strlen(p->maxlen_arg);
	}
	head[nh] = "*";
	head_len[nh++] = 1;
	size = 1 + dec_len(nh + 2 * (gsize)n_fields) + 2;
	for (guint i = 0; i < nh; i++)
		size += arg_size(head_len[i]);
	for (guint i = 0; i < n_fields; i++)
		size += arg_size(strlen(fields[i])) + arg_size(vlens[i]);
	g_string_set_size(cmd, size);
	end = put_header(cmd->str, '*', nh + 2 * (gsize)n_fields);
	for (guint i = 0; i < nh; i++)
		end = put_arg(end, head[i], head_len[i]);
	for (guint i = 0; i < n_fields; i++) {
		end = put_arg(end, fields[i], strlen(fields[i]));
		end = put_arg(end, values[i], vlens[i]);
	}
	g_assert((gsize)(end - cmd->str) == size);

	req = g_new(struct publisher_req, 1);
	*req = (struct publisher_req){.p = p, .done = done, .user = user};
	req->link.data = req;
	req->sent_us = g_get_monotonic_time();
	if (redisAsyncFormattedCommand(p->ac, publisher_on_reply, req, cmd->str, cmd->len) !=
	    REDIS_OK) {
		/* The context is disconnecting or being freed. */
		g_free(req);
		err = g_strdup(p->not_connected);
		goto out;
	}
	g_queue_push_tail_link(&p->pending, &req->link);
out:
	/* A large label's command is not kept for the rest of the run. */
	if (cmd->allocated_len > CMD_KEEP_BYTES) {
		g_string_free(cmd, TRUE);
		p->cmd = g_string_sized_new(1024);
	}
	if (err) {
		p->errors_total++;
		done(NULL, err, user);
	}
}

gboolean publisher_connected(const publisher *p)
{
	return p->connected;
}

static gboolean publisher_on_drain_deadline(gpointer data)
{
	gboolean *expired = data;

	*expired = TRUE;
	return G_SOURCE_REMOVE;
}

/* Iterates p's context (dispatching everything on it, not only Redis)
 * until no request is in flight or TIMEOUT_MS has passed. A done called
 * meanwhile must not free the publisher. */
void publisher_drain(publisher *p, guint timeout_ms)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * G_TIME_SPAN_MILLISECOND;
	gboolean expired = FALSE;
	GSource *timer = g_timeout_source_new(timeout_ms);

	/* The timer wakes a blocking iteration when nothing else would. */
	g_source_set_callback(timer, publisher_on_drain_deadline, &expired, NULL);
	g_source_attach(timer, p->ctx);
	while (p->pending.length > 0 && !expired && g_get_monotonic_time() < deadline)
		g_main_context_iteration(p->ctx, TRUE);
	g_source_destroy(timer);
	g_source_unref(timer);
}

/* Appends the samples listed at the top of this file to OUT. */
void publisher_metrics_append(publisher *p, GString *out)
{
	g_string_append_printf(out, "ringside_redis_connected %d\n", p->connected ? 1 : 0);
	g_string_append_printf(out, "ringside_redis_publish_total %" G_GUINT64_FORMAT "\n",
	                       p->publish_total);
	g_string_append_printf(out, "ringside_redis_publish_errors_total %" G_GUINT64_FORMAT "\n",
	                       p->errors_total);
	g_string_append_printf(out, "ringside_redis_inflight %u\n", p->pending.length);
	g_string_append_printf(out,
	                       "ringside_redis_inflight_overflow_total %" G_GUINT64_FORMAT "\n",
	                       p->overflow_total);
	g_string_append_printf(out, "ringside_redis_reconnects_total %" G_GUINT64_FORMAT "\n",
	                       p->reconnects_total);
	g_string_append_printf(out, "ringside_redis_reply_timeouts_total %" G_GUINT64_FORMAT "\n",
	                       p->timeouts_total);
	g_string_append_printf(out, "ringside_redis_auth_failures_total %" G_GUINT64_FORMAT "\n",
	                       p->auth_failures_total);
}
