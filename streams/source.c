/* Sources: dispatch on the configured kind (source_gst.c for video and
 * audio, source_sensor.c for UDP and TCP sensors) and what every kind shares.
 *
 * Metrics (source_metrics_append; counters unless marked gauge), every line
 * labelled {source="NAME"}:
 *   ringside_source_samples_total        samples pushed into the ring
 *   ringside_source_bytes_total          payload bytes pushed into the ring
 *   ringside_source_errors_total         pipeline errors, stalls, failed starts;
 *                                        sensor: socket receive errors
 * video and audio:
 *   ringside_source_eos_total            end of stream (then restarted)
 *   ringside_source_restarts_total       pipeline restarts after an error or EOS
 *   ringside_source_dropped_total        frames (video) or 20 ms chunks (audio)
 *                                        missing from the stream, seen as gaps
 *                                        in capture times (appsink drops
 *                                        included)
 *   ringside_source_discontinuities_total  audio: times the chunking was
 *                                        re-anchored on a timestamp jump
 *   ringside_source_up                   gauge: 1 while the pipeline delivers
 *   ringside_source_capture_delay_seconds  gauge: arrival minus capture time of
 *                                        the last sample
 *   ringside_source_backoff_seconds      gauge: delay before the next restart
 *   ringside_source_clock                gauge: 1, labelled clock="rtcp" (the
 *                                        sender's RTCP reports) or "pipeline"
 *                                        (base + running time): the one in use
 *   ringside_source_clock_offset_seconds gauge: sender reference minus pipeline
 *                                        time of the last buffer carrying one
 *                                        (absent until one is seen in the run)
 * sensor (a "datagram" is also a TCP frame):
 *   ringside_sensor_datagrams_total      datagrams received
 *   ringside_sensor_bad_datagrams_total  datagrams refused (see sensor.h)
 *   ringside_sensor_lost_datagrams_total datagrams missing by seq; also
 *                                        labelled device="..." (16 devices
 *                                        at most, then device="(other)")
 * sensor, clock = estimate (see sensor_clock.h):
 *   ringside_sensor_clock_offset_seconds gauge, per device (16 at most):
 *                                        timeline minus device clock at its
 *                                        newest reading
 *   ringside_sensor_clock_drift_ppm      gauge, per device: > 0 runs fast
 *   ringside_sensor_clock_resets_total   estimates restarted (clock jumps) or
 *                                        refitted (the delays' floor stepped)
 *   ringside_sensor_clock_dropped_total  batches whose times could not be
 *                                        mapped (too many devices, a jump
 *                                        ahead not yet confirmed)
 * sensor, transport = tcp:
 *   ringside_sensor_connections          gauge: open connections (64 at most)
 *   ringside_sensor_connections_total    connections accepted
 *   ringside_sensor_connections_refused_total  refused: 64 open, none idle
 *   ringside_sensor_framing_errors_total connections closed for breaking the
 *                                        framing
 */
#include "streams/source_internal.h"

#include <gio/gio.h>

/* Copies the fields of a source's config that ingest reads; the copy is
 * freed with conf_clear. */
static void conf_copy(struct rs_source_conf *dst, const struct rs_source_conf *src)
{
	*dst = *src;
	dst->name = g_strdup(src->name);
	dst->uri = g_strdup(src->uri);
	dst->pipeline = g_strdup(src->pipeline);
	dst->listen_host = g_strdup(src->listen_host);
	dst->channels = g_strdupv(src->channels);
	dst->n_channels = dst->channels ? g_strv_length(dst->channels) : 0;
}

static void conf_clear(struct rs_source_conf *c)
{
	g_clear_pointer(&c->name, g_free);
	g_clear_pointer(&c->uri, g_free);
	g_clear_pointer(&c->pipeline, g_free);
	g_clear_pointer(&c->listen_host, g_free);
	g_clear_pointer(&c->channels, g_strfreev);
}

/* Builds the source: a copy of CONF, then the kind's half (parses the
 * pipeline, or binds the socket). Returns NULL with ERR naming the source. */
source *source_new(const struct rs_source_conf *conf, ring *r, GError **err)
{
	source *src = g_new0(source, 1);
	source *ret = NULL;
	gboolean ok = FALSE;

	conf_copy(&src->conf, conf);
	src->ring = r;
	atomic_init(&src->samples, 0);
	atomic_init(&src->bytes, 0);
	atomic_init(&src->errors, 0);

	switch (conf->kind) {
	case RS_KIND_VIDEO:
	case RS_KIND_AUDIO:
		ok = source_gst_init(src, err);
		break;
	case RS_KIND_SENSOR:
		ok = source_sensor_init(src, err);
		break;
	default:
		g_set_error(err, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
		            "source %s: unknown kind %d", conf->name, (int)conf->kind);
		break;
	}
	if (!ok)
		goto out;
	ret = g_steal_pointer(&src);
out:
	if (src) {
		conf_clear(&src->conf);
		g_free(src);
	}
	return ret;
}

gboolean source_start(source *src, GError **err)
{
	if (src->started)
		return TRUE;
	if (!src->ops->start(src, err))
		return FALSE;
	src->started = TRUE;
	return TRUE;
}

void source_stop(source *src)
{
	if (!src->started)
		return;
	src->ops->stop(src);
	src->started = FALSE;
}

void source_free(source *src)
{
	if (!src)
		return;
	source_stop(src);
	src->ops->free(src);
	conf_clear(&src->conf);
	g_free(src);
}

const char *source_name(const source *src)
{
	return src->conf.name;
}

guint16 source_bound_port(const source *src)
{
	return src->ops->bound_port ? src->ops->bound_port(src) : 0;
}

void source_push(source *src, rs_sample *s)
{
	atomic_fetch_add_explicit(&src->samples, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&src->bytes, s->data ? g_bytes_get_size(s->data) : 0,
	                          memory_order_relaxed);
	ring_push(src->ring, s);
}

void source_label_escape(GString *out, const char *v)
{
	for (; v && *v; v++) {
		if (*v == '\\')
			g_string_append(out, "\\\\");
		else if (*v == '"')
			g_string_append(out, "\\\"");
		else if (*v == '\n')
			g_string_append(out, "\\n");
		else
			g_string_append_c(out, *v);
	}
}

static void metric_start(GString *out, const source *src, const char *metric)
{
	g_string_append(out, metric);
	g_string_append(out, "{source=\"");
	source_label_escape(out, src->conf.name);
	g_string_append(out, "\"} ");
}

void source_metric_u64(GString *out, const source *src, const char *metric, guint64 value)
{
	metric_start(out, src, metric);
	g_string_append_printf(out, "%" G_GUINT64_FORMAT "\n", value);
}

void source_metric_double(GString *out, const source *src, const char *metric, double value)
{
	metric_start(out, src, metric);
	g_string_append_printf(out, "%.9g\n", value);
}

/* Appends the lines every kind has, then the kind's own. O(1) (sensor:
 * O(devices)). */
void source_metrics_append(source *src, GString *out)
{
	source_metric_u64(out, src, "ringside_source_samples_total",
	                  atomic_load_explicit(&src->samples, memory_order_relaxed));
	source_metric_u64(out, src, "ringside_source_bytes_total",
	                  atomic_load_explicit(&src->bytes, memory_order_relaxed));
	source_metric_u64(out, src, "ringside_source_errors_total",
	                  atomic_load_explicit(&src->errors, memory_order_relaxed));
	if (src->ops->metrics)
		src->ops->metrics(src, out);
}
