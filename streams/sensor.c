/* Sensor batches: one ringside.v1.SensorBatch (a datagram or a TCP frame)
 * checked against the source's configured channels and turned into ring
 * samples. */
#include "streams/sensor.h"

#include <math.h>
#include <string.h>

#include "ringside.pb-c.h"

GQuark sensor_error_quark(void)
{
	return g_quark_from_static_string("ringside-sensor-error-quark");
}

/* Names shown in a message at most, and bytes of each. */
#define SHOW_NAMES 8
#define SHOW_NAME_BYTES 32
/* Devices tracked by name; later ones share one entry. */
#define SEQ_MAX_DEVICES 16
#define SEQ_OTHER "(other)"

/* Copies at most MAX bytes of S into OUT (MAX + 1 bytes), replacing bytes
 * that are not printable ASCII, quotes and backslashes by '?', so a
 * sender's text is safe in a log line and a Prometheus label. */
static void sanitize(char *out, gsize max, const char *s)
{
	gsize i = 0;

	for (; s && s[i] && i < max; i++) {
		guchar c = (guchar)s[i];
		out[i] = (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') ? '?' : (char)c;
	}
	out[i] = '\0';
}

/* Appends "a,b,c" (bounded: SHOW_NAMES names of SHOW_NAME_BYTES, then
 * ",..."). */
static void append_names(GString *out, const char *const *names, gsize n)
{
	char buf[SHOW_NAME_BYTES + 1];

	for (gsize i = 0; i < n && i < SHOW_NAMES; i++) {
		sanitize(buf, SHOW_NAME_BYTES, names[i]);
		g_string_append_printf(out, "%s%s", i ? "," : "", buf);
	}
	if (n > SHOW_NAMES)
		g_string_append(out, ",...");
}

/* TRUE when the batch's channels are exactly CHANNELS, in order. */
static gboolean channels_match(const Ringside__V1__SensorBatch *b, const char *const *channels,
                               guint n_channels)
{
	if (b->n_channels != n_channels)
		return FALSE;
	for (guint i = 0; i < n_channels; i++)
		if (g_strcmp0(b->channels[i], channels[i]) != 0)
			return FALSE;
	return TRUE;
}

GPtrArray *sensor_batch_decode(const char *name, const guint8 *data, gsize len,
                               const char *const *channels, guint n_channels, gint64 offset_ns,
                               struct sensor_batch_meta *meta, GError **err)
{
	Ringside__V1__SensorBatch *b = NULL;
	GPtrArray *out = NULL;
	GPtrArray *ret = NULL;
	struct sensor_batch_meta m = {0};

	if (len == 0 || len > SENSOR_MAX_DATAGRAM) {
		g_set_error(err, SENSOR_ERROR, SENSOR_ERROR_SIZE,
		            "source %s: datagram of %" G_GSIZE_FORMAT
		            " bytes refused: must be 1 to %d bytes",
		            name, len, SENSOR_MAX_DATAGRAM);
		goto out;
	}
	b = ringside__v1__sensor_batch__unpack(NULL, len, data);
	if (!b) {
		g_set_error(err, SENSOR_ERROR, SENSOR_ERROR_UNPACK,
		            "source %s: datagram of %" G_GSIZE_FORMAT
		            " bytes refused: not a ringside.v1.SensorBatch",
		            name, len);
		goto out;
	}
	sanitize(m.device, sizeof(m.device) - 1, b->device);
	m.seq = b->seq;
	m.n_samples = (guint)MIN(b->n_samples, G_MAXUINT);

	if (!channels_match(b, channels, n_channels)) {
		g_autoptr(GString) got = g_string_new(NULL);
		g_autoptr(GString) want = g_string_new(NULL);

		append_names(got, (const char *const *)b->channels, b->n_channels);
		append_names(want, channels, n_channels);
		g_set_error(err, SENSOR_ERROR, SENSOR_ERROR_CHANNELS,
		            "source %s: datagram from \"%s\" seq %" G_GUINT64_FORMAT
		            " refused: channels [%s] differ from the configured [%s]",
		            name, m.device, m.seq, got->str, want->str);
		goto out;
	}

	out = g_ptr_array_new_full((guint)b->n_samples, (GDestroyNotify)rs_sample_unref);
	for (gsize i = 0; i < b->n_samples; i++) {
		const Ringside__V1__SensorSample *s = b->samples[i];
		gint64 t = s->t_ns;

		if (s->n_values != n_channels) {
			g_set_error(err, SENSOR_ERROR, SENSOR_ERROR_VALUES,
			            "source %s: datagram from \"%s\" seq %" G_GUINT64_FORMAT
			            " refused: sample %" G_GSIZE_FORMAT " has %" G_GSIZE_FORMAT
			            " values, expected %u (one per channel)",
			            name, m.device, m.seq, i, s->n_values, n_channels);
			goto out;
		}
		if (t <= 0 || (offset_ns > 0 && t > G_MAXINT64 - offset_ns) || t + offset_ns <= 0) {
			g_set_error(err, SENSOR_ERROR, SENSOR_ERROR_TIME,
			            "source %s: datagram from \"%s\" seq %" G_GUINT64_FORMAT
			            " refused: sample %" G_GSIZE_FORMAT
			            " has t_ns %" G_GINT64_FORMAT
			            " (must be a capture time in UNIX ns, > 0)",
			            name, m.device, m.seq, i, t);
			goto out;
		}
		for (gsize v = 0; v < s->n_values; v++) {
			if (!isfinite(s->values[v])) {
				g_set_error(err, SENSOR_ERROR, SENSOR_ERROR_VALUE,
				            "source %s: datagram from \"%s\" seq %" G_GUINT64_FORMAT
				            " refused: sample %" G_GSIZE_FORMAT
				            " channel %s is not a finite number",
				            name, m.device, m.seq, i, channels[v]);
				goto out;
			}
		}
		if (t > m.newest_ns)
			m.newest_ns = t;
		g_ptr_array_add(out,
		                rs_sample_new(t + offset_ns, 0,
		                              g_bytes_new(s->values, s->n_values * sizeof(float))));
	}
	ret = g_steal_pointer(&out);
out:
	if (!ret)
		m.newest_ns = 0;
	if (meta)
		*meta = m;
	g_clear_pointer(&out, g_ptr_array_unref);
	if (b)
		ringside__v1__sensor_batch__free_unpacked(b, NULL);
	return ret;
}

/* ---------------------------------------------------------------- seq */

/* One per device seen. */
struct seq_entry {
	guint64 last;
	guint64 lost;
	gboolean seen;
	gboolean shared; /* the "(other)" entry of devices past the cap */
};

struct sensor_seq {
	GHashTable *devices; /* char * -> struct seq_entry * */
};

sensor_seq *sensor_seq_new(void)
{
	sensor_seq *t = g_new0(sensor_seq, 1);

	t->devices = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	return t;
}

void sensor_seq_free(sensor_seq *t)
{
	if (!t)
		return;
	g_hash_table_unref(t->devices);
	g_free(t);
}

guint64 sensor_seq_update(sensor_seq *t, const char *device, guint64 seq)
{
	struct seq_entry *e = g_hash_table_lookup(t->devices, device);
	guint64 lost = 0;

	if (!e && g_hash_table_size(t->devices) >= SEQ_MAX_DEVICES) {
		e = g_hash_table_lookup(t->devices, SEQ_OTHER);
		if (!e) {
			e = g_new0(struct seq_entry, 1);
			g_hash_table_insert(t->devices, g_strdup(SEQ_OTHER), e);
		}
		e->shared = TRUE;
	} else if (!e) {
		e = g_new0(struct seq_entry, 1);
		g_hash_table_insert(t->devices, g_strdup(device), e);
	}

	if (e->shared) {
		/* mixes senders: no gap can be told from it */
	} else if (!e->seen) {
		e->seen = TRUE;
	} else if (seq > e->last) {
		lost = seq - e->last - 1;
	} else if (e->last - seq < SENSOR_SEQ_RESTART) {
		return 0; /* a repeat or a late arrival: counted as lost already */
	}
	e->last = seq;
	e->lost += lost;
	return lost;
}

void sensor_seq_foreach(sensor_seq *t, void (*fn)(const char *device, guint64 lost, void *user),
                        void *user)
{
	GHashTableIter it;
	gpointer k, v;

	g_hash_table_iter_init(&it, t->devices);
	while (g_hash_table_iter_next(&it, &k, &v))
		fn(k, ((struct seq_entry *)v)->lost, user);
}
