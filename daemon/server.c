/* The HTTP side of the one port: static files through lws mounts, the
 * two dynamic endpoints through a callback protocol, and the lws context
 * itself on the GLib loop. */
#include "daemon/server.h"

#include <gio/gio.h>
#include <string.h>

#define HTTP_BODY_MAX (1 << 20)

struct server {
	struct lws_context *ctx;
	struct lws_vhost *vh;
	struct lws_protocols protocols[3];
	struct lws_http_mount mounts[6];
	struct lws_protocol_vhost_options mime[4];
	char *vendor_pb, *vendor_uplot;
	server_metrics_fn metrics;
	void *user;
	int port;
};

/* One of these per HTTP request to /metrics or /healthz. */
struct http_req {
	GString *body;
	gsize sent;
};

static int callback_http_api(struct lws *wsi, enum lws_callback_reasons reason, void *user,
			     void *in, size_t len)
{
	struct http_req *req = user;
	server *srv = (server *)lws_get_protocol(wsi)->user;
	guint8 buf[LWS_PRE + 2048], *start = &buf[LWS_PRE], *p = start, *end = &buf[sizeof(buf) - 1];

	switch (reason) {
	case LWS_CALLBACK_ESTABLISHED:
		/* A websocket without the ringside.v1 subprotocol lands on the
		 * first protocol, this one: refuse it. */
		return -1;
	case LWS_CALLBACK_HTTP: {
		const char *path = in ? in : "";
		const char *type = "text/plain; charset=utf-8";

		req->body = g_string_new(NULL);
		req->sent = 0;
		if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) <= 0) {
			lws_return_http_status(wsi, HTTP_STATUS_METHOD_NOT_ALLOWED, NULL);
			return -1;
		}
		if (!strcmp(path, "/metrics")) {
			type = "text/plain; version=0.0.4; charset=utf-8";
			srv->metrics(req->body, srv->user);
		} else if (!strcmp(path, "/healthz")) {
			g_string_append(req->body, "ok\n");
		} else {
			/* Mountpoints match as prefixes: "/metricsX" lands here. */
			if (lws_return_http_status(wsi, HTTP_STATUS_NOT_FOUND, NULL))
				return -1;
			return lws_http_transaction_completed(wsi) ? -1 : 0;
		}
		if (req->body->len > HTTP_BODY_MAX)
			g_string_truncate(req->body, HTTP_BODY_MAX);
		if (lws_add_http_common_headers(wsi, HTTP_STATUS_OK, type, req->body->len, &p, end) ||
		    lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CACHE_CONTROL,
						 (unsigned char *)"no-store", 8, &p, end) ||
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

server *server_new(const struct rs_config *cfg, GMainLoop *loop, const struct lws_protocols *ws,
		   server_metrics_fn metrics, void *user, GError **err)
{
	server *srv = g_new0(server, 1);
	struct lws_context_creation_info info;
	void *foreign[1] = {loop};

	srv->metrics = metrics;
	srv->user = user;
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

	lws_set_log_level(LLL_ERR | LLL_WARN, lws_log_to_glib);
	memset(&info, 0, sizeof(info));
	info.options = LWS_SERVER_OPTION_GLIB | LWS_SERVER_OPTION_VALIDATE_UTF8 |
		       LWS_SERVER_OPTION_DISABLE_IPV6;
	if (strchr(cfg->listen_host, ':'))
		info.options &= ~(uint64_t)LWS_SERVER_OPTION_DISABLE_IPV6;
	info.foreign_loops = foreign;
	info.port = cfg->listen_port;
	info.iface = cfg->listen_host;
	info.protocols = srv->protocols;
	info.mounts = srv->mounts;
	info.vhost_name = "ringside";
	info.server_string = "ringsided";
	info.timeout_secs = 30;
	srv->ctx = lws_create_context(&info);
	if (!srv->ctx) {
		g_set_error(err, G_IO_ERROR, G_IO_ERROR_FAILED,
			    "cannot listen on %s:%u (in use, or not an address of this machine)",
			    cfg->listen_host, cfg->listen_port);
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
	g_clear_pointer(&srv->ctx, lws_context_destroy);
	g_free(srv->vendor_pb);
	g_free(srv->vendor_uplot);
	g_free(srv);
}

int server_port(const server *srv)
{
	return srv->port;
}
