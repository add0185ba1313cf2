/* Fuzz target: sensor_batch_decode (streams/sensor.c), what every sensor
 * datagram and TCP frame goes through, then the per-device sequence
 * tracker. Input: one datagram. Checks: all or nothing (a refusal has an
 * error and no samples); every sample accepted has a time > 0 on the
 * timeline and one finite float per channel; the device name reported is
 * printable. Decoded with offsets 0 and the configured extremes, +-60 s. */
#include <math.h>
#include <string.h>

#include "streams/sensor.h"
#include "fuzz_common.h"

static const char *const channels[] = {"ax", "ay", "az"};
#define N_CHANNELS 3

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet_logs();
	return 0;
}

static void check_meta(const struct sensor_batch_meta *m)
{
	FUZZ_CHECK(memchr(m->device, '\0', sizeof(m->device)) != NULL);
	for (const char *c = m->device; *c; c++)
		FUZZ_CHECK(*c >= 0x20 && *c < 0x7f && *c != '"' && *c != '\\');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const gint64 offsets[] = {0, 60 * G_GINT64_CONSTANT(1000000000),
	                                 -60 * G_GINT64_CONSTANT(1000000000)};
	sensor_seq *seq = sensor_seq_new();

	for (guint o = 0; o < G_N_ELEMENTS(offsets); o++) {
		struct sensor_batch_meta meta;
		GError *err = NULL;
		GPtrArray *out = sensor_batch_decode("imu", data, size, channels, N_CHANNELS,
		                                     offsets[o], &meta, &err);

		check_meta(&meta);
		FUZZ_CHECK(!out != !err);
		if (!out) {
			FUZZ_CHECK(meta.newest_ns == 0);
			FUZZ_CHECK(g_str_has_prefix(err->message, "source imu: "));
			g_error_free(err);
			continue;
		}
		FUZZ_CHECK(out->len == meta.n_samples);
		for (guint i = 0; i < out->len; i++) {
			const rs_sample *s = g_ptr_array_index(out, i);
			gsize n;
			const float *v = g_bytes_get_data(s->data, &n);

			FUZZ_CHECK(s->t_ns > 0 && s->dur_ns == 0);
			FUZZ_CHECK(s->t_ns - offsets[o] <= meta.newest_ns);
			FUZZ_CHECK(n == N_CHANNELS * sizeof(float));
			for (guint k = 0; k < N_CHANNELS; k++)
				FUZZ_CHECK(isfinite(v[k]));
		}
		sensor_seq_update(seq, meta.device, meta.seq);
		g_ptr_array_unref(out);
	}
	sensor_seq_free(seq);
	return 0;
}
