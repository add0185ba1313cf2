/* Sensor batches: decoding and checking one ringside.v1.SensorBatch (a UDP
 * datagram or a TCP frame), and counting lost batches from sequence gaps.
 * Pure: no sockets, no clocks. */
#pragma once

#include <glib.h>

#include "streams/ring.h"

/* Largest UDP payload over IPv4, and the largest TCP frame; anything
 * larger is refused unread. */
#define SENSOR_MAX_DATAGRAM 65507

#define SENSOR_ERROR (sensor_error_quark())
GQuark sensor_error_quark(void);

/* Why a datagram was refused. */
enum sensor_error {
	SENSOR_ERROR_SIZE,     /* empty or larger than SENSOR_MAX_DATAGRAM */
	SENSOR_ERROR_UNPACK,   /* not a SensorBatch */
	SENSOR_ERROR_CHANNELS, /* channel names or order differ from the config */
	SENSOR_ERROR_VALUES,   /* a sample's value count != channel count */
	SENSOR_ERROR_TIME,     /* t_ns <= 0, or out of range after the offset */
	SENSOR_ERROR_VALUE,    /* NaN or infinity */
};

/* What the datagram says about its sender; filled even when it is refused
 * after unpacking (seq is 0 and device "" when it did not unpack). */
struct sensor_batch_meta {
	char device[65]; /* printable, truncated */
	guint64 seq;
	guint n_samples;  /* samples in the batch */
	gint64 newest_ns; /* largest t_ns as sent (before the offset); 0 when
	                   * the batch is empty or was refused */
};

/* Decodes DATA (LEN bytes) from source NAME whose configured channels are
 * CHANNELS[0..N_CHANNELS). All or nothing: returns an array of rs_sample *
 * (t_ns + OFFSET_NS, dur 0, N_CHANNELS float32 in host order) owned by the
 * caller (g_ptr_array_unref frees it and the samples; it may be empty), or
 * NULL with ERR (SENSOR_ERROR) naming the source, the device and the
 * reason. META, when not NULL, is filled in both cases. O(LEN). */
GPtrArray *sensor_batch_decode(const char *name, const guint8 *data, gsize len,
                               const char *const *channels, guint n_channels, gint64 offset_ns,
                               struct sensor_batch_meta *meta, GError **err);

/* One of these per sensor source: the last sequence number of each device
 * (at most a fixed number of devices; the rest share one "(other)" entry so
 * a sender cannot grow it). Not thread-safe. */
typedef struct sensor_seq sensor_seq;

sensor_seq *sensor_seq_new(void);
void sensor_seq_free(sensor_seq *t);
/* Records datagram SEQ from DEVICE. Returns how many datagrams went missing
 * before it (0 for the first of a device, a repeat or a late arrival; a
 * jump back by more than SENSOR_SEQ_RESTART is taken as a restarted
 * sender). O(1). */
guint64 sensor_seq_update(sensor_seq *t, const char *device, guint64 seq);
#define SENSOR_SEQ_RESTART 1024
/* Calls FN for each device tracked, with its lost count so far. */
void sensor_seq_foreach(sensor_seq *t, void (*fn)(const char *device, guint64 lost, void *user),
                        void *user);
