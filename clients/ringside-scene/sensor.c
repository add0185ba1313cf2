/* The scene's IMU: accel_x, accel_y, accel_z at 200 Hz, sent as
 * ringside.v1.SensorBatch datagrams of 4 readings every 20 ms. */
#include "scene.h"

#include "ringside.pb-c.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/socket.h>

#define SENSOR_PERIOD_NS (5 * GST_MSECOND) /* 200 Hz */
#define SENSOR_PER_BATCH 4
#define SENSOR_CHANNELS 3
/* Resting reading (m/s^2), its noise, and the spike an event adds for its
 * first SENSOR_SPIKE_NS: on accel_z for a square, on accel_x for a circle. */
#define SENSOR_GRAVITY 9.81
#define SENSOR_NOISE_SIGMA 0.02
#define SENSOR_SPIKE 8.0
#define SENSOR_SPIKE_NS (50 * GST_MSECOND)

/* One reading of the three channels at T_NS. In marker mode the first
 * reading at or after a marker instant has SENSOR_SPIKE added on accel_x. */
static void sensor_read(const struct scene_run *run, GRand *noise, struct scene_events *events,
                        gint64 t_ns, float values[3])
{
	const struct scene_event *event = NULL;
	double v[SENSOR_CHANNELS] = {0.0, 0.0, SENSOR_GRAVITY};

	if (run->opts->marker_ns > 0) {
		if (scene_marker_before(run->opts, t_ns) > t_ns - (gint64)SENSOR_PERIOD_NS)
			v[0] += SENSOR_SPIKE;
	} else {
		event = scene_events_at(events, t_ns);
	}
	if (event && t_ns < event->start_ns + (gint64)SENSOR_SPIKE_NS)
		v[event->cls == SCENE_SQUARE ? 2 : 0] += SENSOR_SPIKE;
	for (int c = 0; c < SENSOR_CHANNELS; c++)
		values[c] = (float)(v[c] + SENSOR_NOISE_SIGMA * scene_gauss(noise));
}

/* The device's clock reading at true instant T_NS: offset by
 * --clock-offset-ms and running --drift-ppm fast (slow if negative) since
 * the scene began. */
static gint64 sensor_device_ns(const struct scene_run *run, gint64 t_ns)
{
	const struct scene_opts *opts = run->opts;
	double drift = (double)(t_ns - run->begin_ns) * opts->drift_ppm * 1e-6;

	return t_ns + opts->clock_offset_ns + (gint64)llround(drift);
}

/* Sends one packed batch to every destination. Send errors (nobody
 * listening yet) are reported once per kind and destination. */
static void sensor_send(struct scene_run *run, const guint8 *packet, size_t len,
                        int last_errno[SCENE_MAX_DESTS])
{
	const struct scene_output *out = &run->opts->sensor;

	for (guint d = 0; d < out->n; d++) {
		if (sendto(run->sensor_fd[d], packet, len, 0,
		           (struct sockaddr *)&run->sensor_addr[d], run->sensor_addrlen[d]) < 0) {
			if (errno != last_errno[d])
				g_printerr("ringside-scene: sensor: send to %s:%u: %s\n",
				           out->host[d], out->port[d], g_strerror(errno));
			last_errno[d] = errno;
		} else {
			last_errno[d] = 0;
		}
	}
}

/* Sensor thread: reading J is taken at begin + J * 5 ms and carries that
 * instant, read on the device's clock (sensor_device_ns), as t_ns; a batch
 * is sent --delay-ms after its last reading is taken, like a device that
 * sends what it has read over a slow path; a backlog past SCENE_SKIP_NS is
 * skipped (seq jumps, as for a loss). Returns when asked to stop. */
gpointer scene_sensor_run(gpointer data)
{
	static char device[] = "scene";
	static char *channels[SENSOR_CHANNELS] = {"accel_x", "accel_y", "accel_z"};
	struct scene_run *run = data;
	struct scene_events *events = scene_events_new(run->opts, run->begin_ns);
	GRand *noise = g_rand_new_with_seed((guint32)run->opts->seed ^ 0x696d7530u);
	Ringside__V1__SensorSample samples[SENSOR_PER_BATCH];
	Ringside__V1__SensorSample *sample_ptrs[SENSOR_PER_BATCH];
	float values[SENSOR_PER_BATCH][SENSOR_CHANNELS];
	Ringside__V1__SensorBatch batch = RINGSIDE__V1__SENSOR_BATCH__INIT;
	guint8 packet[512];
	int last_errno[SCENE_MAX_DESTS] = {0};

	batch.device = device;
	batch.n_channels = SENSOR_CHANNELS;
	batch.channels = channels;
	batch.n_samples = SENSOR_PER_BATCH;
	batch.samples = sample_ptrs;
	for (int i = 0; i < SENSOR_PER_BATCH; i++) {
		ringside__v1__sensor_sample__init(&samples[i]);
		samples[i].n_values = SENSOR_CHANNELS;
		samples[i].values = values[i];
		sample_ptrs[i] = &samples[i];
	}
	for (guint64 b = 0;; b++) {
		guint64 want = scene_grid_next(run->begin_ns, b,
		                               SENSOR_PER_BATCH * SENSOR_PERIOD_NS, GST_SECOND);
		guint64 j0 = want * SENSOR_PER_BATCH;
		gint64 last =
		        run->begin_ns + (gint64)(j0 + SENSOR_PER_BATCH - 1) * SENSOR_PERIOD_NS;
		size_t len;

		if (want != b)
			g_printerr("ringside-scene: sensor: %" G_GUINT64_FORMAT
			           " batches behind, skipped (seq jumps)\n",
			           want - b);
		b = want;
		if (!scene_sleep_until(last + run->opts->delay_ns, &run->stop))
			break;
		for (int i = 0; i < SENSOR_PER_BATCH; i++) {
			gint64 t = run->begin_ns + (gint64)(j0 + i) * SENSOR_PERIOD_NS;

			sensor_read(run, noise, events, t, values[i]);
			samples[i].t_ns = sensor_device_ns(run, t);
		}
		batch.seq = b;
		len = ringside__v1__sensor_batch__get_packed_size(&batch);
		if (len > sizeof(packet)) {
			g_printerr("ringside-scene: sensor: batch of %zu bytes does not fit\n",
			           len);
			break;
		}
		ringside__v1__sensor_batch__pack(&batch, packet);
		sensor_send(run, packet, len, last_errno);
	}
	g_rand_free(noise);
	scene_events_free(events);
	return NULL;
}
