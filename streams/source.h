/* Ingest: one live input feeding one ring. Video and audio come through a
 * GStreamer pipeline ending in appsink; sensors as UDP datagrams or a TCP
 * stream. Every sample is stamped with its capture time on the one
 * timeline. */
#pragma once

#include <glib.h>

#include "daemon/config.h"
#include "streams/ring.h"

typedef struct source source;

/* Builds the source for CONF, writing into RING (borrowed; must outlive
 * the source). Returns NULL and sets ERR (naming the source) when the
 * pipeline description does not parse or the port cannot be bound. */
source *source_new(const struct rs_source_conf *conf, ring *ring, GError **err);
/* Starts ingest; failures later are logged, counted and retried. */
gboolean source_start(source *src, GError **err);
/* Stops ingest; no sample is pushed after it returns. */
void source_stop(source *src);
void source_free(source *src);

const char *source_name(const source *src);
/* Sensor: the UDP or TCP port actually bound (the configured one, or the
 * one the kernel picked for port 0). 0 for video and audio. */
guint16 source_bound_port(const source *src);
/* Appends Prometheus text lines for this source (errors, restarts, ...). */
void source_metrics_append(source *src, GString *out);
