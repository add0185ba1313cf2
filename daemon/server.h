/* The one HTTP port: the reviewer client's static files, the websocket,
 * /metrics and /healthz, on libwebsockets (on libuv) driven by the GLib
 * main loop. */
#pragma once

#include <glib.h>
#include <libwebsockets.h>

#include "daemon/config.h"

typedef struct server server;

/* Appends the Prometheus text of everything to OUT. */
typedef void (*server_metrics_fn)(GString *out, void *user);

/* Listens on cfg->listen_host:listen_port. WS is the websocket protocol
 * (copied). Returns NULL with ERR when the port cannot be had. */
server *server_new(const struct rs_config *cfg, GMainLoop *loop, const struct lws_protocols *ws,
		   server_metrics_fn metrics, void *user, GError **err);
void server_free(server *srv);
/* The port actually bound (useful with listen port 0). */
int server_port(const server *srv);
