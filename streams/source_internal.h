/* What source.c shares with the kinds of source (source_gst.c for video and
 * audio, source_sensor.c for UDP and TCP sensors). Not for other modules. */
#pragma once

#include <stdatomic.h>

#include "streams/source.h"

/* A kind's half of the source; source.c calls these on the main loop. */
struct source_ops {
	gboolean (*start)(source *src, GError **err);
	void (*stop)(source *src);
	void (*free)(source *src); /* frees priv only; stop was called */
	void (*metrics)(source *src, GString *out);
	guint16 (*bound_port)(const source *src);
};

/* One of these per configured source. */
struct source {
	const struct source_ops *ops;
	struct rs_source_conf conf; /* deep copy: the config may be reloaded */
	ring *ring;                 /* borrowed */
	gboolean started;

	/* counted on streaming threads, read by the metrics */
	atomic_uint_least64_t samples;
	atomic_uint_least64_t bytes;
	atomic_uint_least64_t errors;

	void *priv; /* the kind's state */
};

/* Kind constructors: fill SRC->ops and SRC->priv, or set ERR (naming the
 * source) and return FALSE. SRC->conf is already copied. */
gboolean source_gst_init(source *src, GError **err);
gboolean source_sensor_init(source *src, GError **err);

/* Pushes S (ownership taken) into the ring and counts it. Thread-safe. */
void source_push(source *src, rs_sample *s);

/* Appends `METRIC{source="NAME"} VALUE\n`. */
void source_metric_u64(GString *out, const source *src, const char *metric, guint64 value);
void source_metric_double(GString *out, const source *src, const char *metric, double value);
/* Appends V as a Prometheus label value (backslash, quote, newline
 * escaped), without the quotes. */
void source_label_escape(GString *out, const char *v);
