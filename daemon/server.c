/* The HTTP side of the one port: static files through lws mounts, the
 * two dynamic endpoints through a callback protocol, and the lws context
 * itself on a libuv loop that the GLib loop runs (daemon/loop_uv.h). */
#include "daemon/server.h"

#include <gio/gio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <string.h>

#include "daemon/http_path.h"
#include "daemon/loop_uv.h"
#include "feedback/auth.h"

#define HTTP_BODY_MAX (1 << 20)
/* TLS 1.2 suites with forward secrecy and AEAD only (TLS 1.0 and 1.1 are
 * switched off as protocols); TLS 1.3's are all modern. */
#define TLS12_CIPHERS                                                                              \
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"                               \
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"                               \
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
#define TLS13_CIPHERS "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"
#define DESTROY_ROUNDS 4  /* lws_context_destroy calls at most, on a foreign loop */
#define DESTROY_PASSES 64 /* uv passes after each for the handles to close */
#define METRICS_REFUSAL_LOG_US (60 * G_USEC_PER_SEC) /* one log line a minute at most */

struct server {
	struct lws_context *ctx;
	loop_uv *uv; /* lws's event loop; outlives ctx */
	struct lws_vhost *vh;
	struct lws_protocols protocols[3];
	struct lws_http_mount mounts[6];
	struct lws_protocol_vhost_options mime[4];
	char *vendor_pb, *vendor_uplot;
	server_metrics_fn metrics;
	void *user;
	int port;
	const struct rs_config *cfg;
	auth *auth;                /* /metrics with metrics_require_admin */
	gint64 metrics_refused_us; /* monotonic time of the last refusal logged */
	struct lws_protocol_vhost_options headers[4];
};

/* One of these per HTTP request to /metrics or /healthz. */
struct http_req {
	GString *body;
	gsize sent;
};

/* Whether the LEN bytes of NAME ("/x.js") are one segment, not hidden,
 * with a non-empty name ending in EXT. */
static gboolean file_with_ext(const char *name, gsize len, const char *ext)
{
	gsize n = strlen(ext);

	return len > n + 1 && name[0] == '/' && name[1] != '.' && !memchr(name + 1, '/', len - 1) &&
	       !memcmp(name + len - n, ext, n);
}

/* Whether PATH (LEN bytes) is something this port serves: the endpoints,
 * the client's own files (top-level files of web_root with a web type,
 * and kinds/NAME.js and .css), the two vendored dist folders and the schema. Everything else in
 * web_root (node_modules/, package.json, README.md, subfolders) is not
 * the client and is not served. O(LEN). */
static gboolean web_path_allowed(const char *path, gsize len)
{
	static const char *const exts[] = {".html", ".js",  ".mjs",  ".css",  ".png",
					   ".svg",  ".ico", ".jpg", ".webp", ".woff2"};
	static const char *const dirs[] = {"/vendor/protobufjs", "/vendor/uplot"};

	if (len == 1 && path[0] == '/')
		return TRUE;
	if (len == 8 && (!memcmp(path, "/metrics", 8) || !memcmp(path, "/healthz", 8)))
		return TRUE;
	for (guint i = 0; i < G_N_ELEMENTS(dirs); i++) {
		gsize n = strlen(dirs[i]);

		if (len >= n && !memcmp(path, dirs[i], n) && (len == n || path[n] == '/'))
			return TRUE;
	}
	if (len > 7 && !memcmp(path, "/proto/", 7))
		return file_with_ext(path + 6, len - 6, ".proto");
	/* the label editors, one module (and stylesheet) per kind */
	if (len > 7 && !memcmp(path, "/kinds/", 7))
		return file_with_ext(path + 6, len - 6, ".js") ||
		       file_with_ext(path + 6, len - 6, ".css");
	for (guint i = 0; i < G_N_ELEMENTS(exts); i++) {
		if (file_with_ext(path, len, exts[i]))
			return TRUE;
	}
	return FALSE;
}

/* Whether the request may read /metrics: always, unless
 * metrics_require_admin, then only with "Authorization: Bearer TOKEN" of
 * an admin (a signed admin token or a [reviewer] with role = admin). */
static gboolean metrics_allowed(server *srv, struct lws *wsi)
{
	char hdr[TOKEN_MAX_LEN + 32], detail[256];
	const char *token = "";
	struct auth_identity id;
	enum auth_result res = AUTH_UNKNOWN;
	int n = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_AUTHORIZATION);
	gboolean ok = FALSE;

	if (!srv->cfg->metrics_require_admin)
		return TRUE;
	g_strlcpy(detail, "no Authorization: Bearer header", sizeof(detail));
	if (n > 0 && n < (int)sizeof(hdr) &&
	    lws_hdr_copy(wsi, hdr, sizeof(hdr), WSI_TOKEN_HTTP_AUTHORIZATION) > 0 &&
	    !g_ascii_strncasecmp(hdr, "Bearer ", 7)) {
		token = hdr + 7;
		while (*token == ' ')
			token++;
		res = auth_check(srv->auth, token, g_get_real_time() / G_USEC_PER_SEC, &id, detail,
				 sizeof(detail));
		ok = res == AUTH_OK && id.role == RS_ROLE_ADMIN;
		if (res == AUTH_OK && !ok)
			g_snprintf(detail, sizeof(detail), "%s is a %s, not an admin", id.reviewer,
				   rs_role_name(id.role));
	}
	if (n > 0)
		memset(hdr, 0, sizeof(hdr));
	if (!ok && g_get_monotonic_time() - srv->metrics_refused_us > METRICS_REFUSAL_LOG_US) {
		srv->metrics_refused_us = g_get_monotonic_time();
		g_message("refused /metrics to %s: %s (further refusals this minute not logged)",
			  lws_get_peer_simple(wsi, (char[64]){0}, 64), detail);
	}
	return ok;
}

static int callback_http_api(struct lws *wsi, enum lws_callback_reasons reason, void *user,
			     void *in, size_t len)
{
	struct http_req *req = user;
	/* NULL protocol for vhost-wide callbacks (TLS set-up) */
	const struct lws_protocols *proto = lws_get_protocol(wsi);
	server *srv = proto ? (server *)proto->user : NULL;
	guint8 buf[LWS_PRE + 2048], *start = &buf[LWS_PRE], *p = start, *end = &buf[sizeof(buf) - 1];

	switch (reason) {
	case LWS_CALLBACK_ESTABLISHED:
		/* A websocket without the ringside.v1 subprotocol lands on the
		 * first protocol, this one: refuse it. */
		return -1;
	case LWS_CALLBACK_FILTER_HTTP_CONNECTION:
		/* Every HTTP request passes here before lws maps its path onto
		 * a mount: a path that could leave the web root or name a
		 * hidden file is refused whatever lws would make of it. */
		if (http_path_classify(in, in ? strnlen(in, len) : 0) == HTTP_PATH_REFUSE) {
			lws_return_http_status(wsi, HTTP_STATUS_NOT_FOUND, NULL);
			return -1;
		}
		/* Only the client's files, not everything in web_root. */
		if (!web_path_allowed(in, strnlen(in, len))) {
			lws_return_http_status(wsi, HTTP_STATUS_NOT_FOUND, NULL);
			return -1;
		}
		return 0;
	case LWS_CALLBACK_HTTP: {
		const char *path = in ? in : "";
		const char *type = "text/plain; charset=utf-8";
		enum http_path_kind kind;
		int status = HTTP_STATUS_OK;

		req->body = g_string_new(NULL);
		req->sent = 0;
		if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) <= 0) {
			lws_return_http_status(wsi, HTTP_STATUS_METHOD_NOT_ALLOWED, NULL);
			return -1;
		}
		kind = http_path_classify(path, strlen(path));
		if (kind == HTTP_PATH_METRICS && !metrics_allowed(srv, wsi)) {
			status = HTTP_STATUS_UNAUTHORIZED;
			g_string_append(req->body, "an admin token is required: "
						   "Authorization: Bearer TOKEN\n");
		} else if (kind == HTTP_PATH_METRICS) {
			type = "text/plain; version=0.0.4; charset=utf-8";
			srv->metrics(req->body, srv->user);
		} else if (kind == HTTP_PATH_HEALTHZ) {
			g_string_append(req->body, "ok\n");
		} else {
			/* Mountpoints match as prefixes: "/metricsX" lands here. */
			if (lws_return_http_status(wsi, HTTP_STATUS_NOT_FOUND, NULL))
				return -1;
			return lws_http_transaction_completed(wsi) ? -1 : 0;
		}
		if (req->body->len > HTTP_BODY_MAX)
			g_string_truncate(req->body, HTTP_BODY_MAX);
		if (lws_add_http_common_headers(wsi, status, type, req->body->len, &p, end) ||
		    lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CACHE_CONTROL,
						 (unsigned char *)"no-store", 8, &p, end) ||
		    (status == HTTP_STATUS_UNAUTHORIZED &&
		     lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_WWW_AUTHENTICATE,
						  (unsigned char *)"Bearer realm=\"ringside\"", 23,
						  &p, end)) ||
		    lws_finalize_write_http_header(wsi, start, &p, end))
			return 1;
		lws_callback_on_writable(wsi);
		return 0;
	}
	case LWS_CALLBACK_HTTP_WRITEABLE: {
		gsize chunk;
		int final;

		if (!req->body)
			break;
		chunk = MIN(req->body->len - req->sent, sizeof(buf) - LWS_PRE - 1);
		final = req->sent + chunk == req->body->len;
		memcpy(start, req->body->str + req->sent, chunk);
		if (lws_write(wsi, start, chunk, final ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) !=
		    (int)chunk)
			return 1;
		req->sent += chunk;
		if (!final) {
			lws_callback_on_writable(wsi);
			return 0;
		}
		if (lws_http_transaction_completed(wsi))
			return -1;
		return 0;
	}
	case LWS_CALLBACK_CLOSED_HTTP:
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
		if (req && req->body) {
			g_string_free(req->body, TRUE);
			req->body = NULL;
		}
		break;
	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static void lws_log_to_glib(int level, const char *line)
{
	g_autofree char *copy = g_strchomp(g_strdup(line));

	if (level & LLL_ERR)
		g_warning("libwebsockets: %s", copy);
	else
		g_message("libwebsockets: %s", copy);
}

static void add_mount(server *srv, guint i, const char *mountpoint, const char *origin,
		      enum lws_mount_protocols proto, const char *def)
{
	struct lws_http_mount *m = &srv->mounts[i];

	memset(m, 0, sizeof(*m));
	m->mountpoint = mountpoint;
	m->mountpoint_len = strlen(mountpoint);
	m->origin = origin;
	m->origin_protocol = proto;
	m->def = def;
	m->extra_mimetypes = srv->mime;
	m->cache_max_age = 0;
	if (i > 0)
		srv->mounts[i - 1].mount_next = m;
}

/* The newest OpenSSL error as text, for a message. */
static const char *tls_error(char *buf, gsize len)
{
	unsigned long e = ERR_peek_last_error();

	if (!e)
		return "no detail";
	ERR_error_string_n(e, buf, len);
	ERR_clear_error();
	return buf;
}

/* Loads cfg->tls_cert and tls_key into a throwaway SSL_CTX, so that a bad
 * file is named in a clear error before lws tries (and only logs). */
static gboolean tls_check(const struct rs_config *cfg, GError **err)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	char why[256];
	gboolean ok = FALSE;

	if (!ctx) {
		g_set_error(err, G_IO_ERROR, G_IO_ERROR_FAILED, "TLS: %s",
			    tls_error(why, sizeof(why)));
		goto out;
	}
	if (SSL_CTX_use_certificate_chain_file(ctx, cfg->tls_cert) != 1) {
		g_set_error(err, G_IO_ERROR, G_IO_ERROR_FAILED,
			    "tls_cert %s: not a usable PEM certificate (%s)", cfg->tls_cert,
			    tls_error(why, sizeof(why)));
		goto out;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, cfg->tls_key, SSL_FILETYPE_PEM) != 1) {
		g_set_error(err, G_IO_ERROR, G_IO_ERROR_FAILED,
			    "tls_key %s: not a usable PEM private key (%s)", cfg->tls_key,
			    tls_error(why, sizeof(why)));
		goto out;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		g_set_error(err, G_IO_ERROR, G_IO_ERROR_FAILED,
			    "tls_key %s does not belong to tls_cert %s", cfg->tls_key,
			    cfg->tls_cert);
		goto out;
	}
	ok = TRUE;
out:
	if (ctx)
		SSL_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}

server *server_new(const struct rs_config *cfg, GMainLoop *loop, const struct lws_protocols *ws,
		   server_metrics_fn metrics, void *user, GError **err)
{
	server *srv = g_new0(server, 1);
	struct lws_context_creation_info info;
	void *foreign[1];

	srv->metrics = metrics;
	srv->user = user;
	srv->cfg = cfg;
	srv->auth = auth_new(cfg);
	/* lws on libuv, not on GLib: its GLib event library makes a GSource
	 * per connection, and GLib walks every source on every turn. */
	srv->uv = loop_uv_new(g_main_loop_get_context(loop), err);
	if (!srv->uv) {
		server_free(srv);
		return NULL;
	}
	foreign[0] = loop_uv_loop(srv->uv);
	srv->vendor_pb = g_build_filename(cfg->web_root, "node_modules/protobufjs/dist", NULL);
	srv->vendor_uplot = g_build_filename(cfg->web_root, "node_modules/uplot/dist", NULL);

	srv->protocols[0] = (struct lws_protocols){
		.name = "http-api",
		.callback = callback_http_api,
		.per_session_data_size = sizeof(struct http_req),
		.user = srv,
	};
	srv->protocols[1] = *ws;
	/* Types lws does not know by itself; without them it refuses the file. */
	srv->mime[0] = (struct lws_protocol_vhost_options){&srv->mime[1], NULL, ".proto",
							   "text/plain; charset=utf-8"};
	srv->mime[1] = (struct lws_protocol_vhost_options){&srv->mime[2], NULL, ".map",
							   "application/json"};
	srv->mime[2] = (struct lws_protocol_vhost_options){&srv->mime[3], NULL, ".mjs",
							   "text/javascript"};
	srv->mime[3] = (struct lws_protocol_vhost_options){NULL, NULL, ".md",
							   "text/plain; charset=utf-8"};

	add_mount(srv, 0, "/", cfg->web_root, LWSMPRO_FILE, "index.html");
	add_mount(srv, 1, "/vendor/protobufjs", srv->vendor_pb, LWSMPRO_FILE, NULL);
	add_mount(srv, 2, "/vendor/uplot", srv->vendor_uplot, LWSMPRO_FILE, NULL);
	add_mount(srv, 3, "/proto", cfg->proto_dir, LWSMPRO_FILE, NULL);
	add_mount(srv, 4, "/metrics", "http-api", LWSMPRO_CALLBACK, NULL);
	add_mount(srv, 5, "/healthz", "http-api", LWSMPRO_CALLBACK, NULL);
	/* On every response: no type sniffing, no Referer (a page URL may
	 * carry ?token=), no framing by another site. */
	srv->headers[0] = (struct lws_protocol_vhost_options){&srv->headers[1], NULL,
							      "x-content-type-options:", "nosniff"};
	srv->headers[1] = (struct lws_protocol_vhost_options){&srv->headers[2], NULL,
							      "referrer-policy:", "no-referrer"};
	srv->headers[2] = (struct lws_protocol_vhost_options){&srv->headers[3], NULL,
							      "x-frame-options:", "DENY"};
	srv->headers[3] = (struct lws_protocol_vhost_options){
		NULL, NULL, "content-security-policy:",
		"frame-ancestors 'none'; object-src 'none'; base-uri 'none'"};

	lws_set_log_level(LLL_ERR | LLL_WARN, lws_log_to_glib);
	memset(&info, 0, sizeof(info));
	info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_VALIDATE_UTF8 |
		       LWS_SERVER_OPTION_DISABLE_IPV6;
	if (strchr(cfg->listen_host, ':'))
		info.options &= ~(uint64_t)LWS_SERVER_OPTION_DISABLE_IPV6;
	info.foreign_loops = foreign;
	info.pcontext = &srv->ctx;
	info.port = cfg->listen_port;
	info.iface = cfg->listen_host;
	info.protocols = srv->protocols;
	info.mounts = srv->mounts;
	info.vhost_name = "ringside";
	info.server_string = "ringsided";
	info.timeout_secs = 30;
	info.headers = srv->headers;
	if (cfg->tls_cert) {
		if (!tls_check(cfg, err)) {
			server_free(srv);
			return NULL;
		}
		/* https and wss only: a plain request on this port fails the
		 * handshake (no ALLOW_NON_SSL_ON_SSL_PORT). TLS 1.2 and 1.3. */
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		info.ssl_cert_filepath = cfg->tls_cert;
		info.ssl_private_key_filepath = cfg->tls_key;
		info.ssl_options_set = SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1 |
				       SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
				       SSL_OP_CIPHER_SERVER_PREFERENCE;
		info.ssl_cipher_list = TLS12_CIPHERS;
		info.tls1_3_plus_cipher_list = TLS13_CIPHERS;
	}
	srv->ctx = lws_create_context(&info);
	if (!srv->ctx) {
		g_set_error(err, G_IO_ERROR, G_IO_ERROR_FAILED,
			    "cannot listen on %s:%u (in use, or not an address of this machine%s)",
			    cfg->listen_host, cfg->listen_port,
			    cfg->tls_cert ? ", or TLS could not be set up: see the log" : "");
		server_free(srv);
		return NULL;
	}
	srv->vh = lws_get_vhost_by_name(srv->ctx, "ringside");
	srv->port = srv->vh ? lws_get_vhost_listen_port(srv->vh) : cfg->listen_port;
	return srv;
}

void server_free(server *srv)
{
	if (!srv)
		return;
	/* On a foreign loop lws destroys its context in stages, each waiting
	 * for uv handles it closed to finish closing (their callbacks, and
	 * the last connections' CLOSED, run in these passes); it clears
	 * srv->ctx (info.pcontext) when the context is gone. */
	for (guint round = 0; srv->ctx && round < DESTROY_ROUNDS; round++) {
		lws_context_destroy(srv->ctx);
		for (guint i = 0; srv->ctx && i < DESTROY_PASSES; i++)
			loop_uv_pass(srv->uv);
	}
	g_clear_pointer(&srv->uv, loop_uv_free);
	auth_free(srv->auth);
	g_free(srv->vendor_pb);
	g_free(srv->vendor_uplot);
	g_free(srv);
}

int server_port(const server *srv)
{
	return srv->port;
}
