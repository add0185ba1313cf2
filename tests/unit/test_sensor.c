/* Unit tests for streams/sensor.c: decoding good and bad SensorBatch
 * datagrams (one case per refusal reason) and counting lost datagrams. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <math.h>
#include <string.h>
#include <cmocka.h>

#include "ringside.pb-c.h"
#include "streams/sensor.h"

#define NAME "imu"
static const char *const conf_channels[] = {"ax", "ay", "az", NULL};
#define N_CONF 3
#define T0 1700000000000000000LL

struct sample_spec {
	gint64 t;
	guint n;
	float v[4];
};

/* One decode case: a batch built from CHANNELS and SAMPLES, or RAW bytes
 * when RAW_LEN is not 0. */
struct decode_case {
	const char *name;
	const char *channels; /* comma-separated, as sent */
	struct sample_spec samples[3];
	guint n_samples;
	const char *raw;
	gsize raw_len;
	gint64 offset_ns;
	gboolean ok;     /* accepted */
	gint code;       /* else refused with this */
	const char *msg; /* whose message contains this */
};

/* Accepted batches, then one entry per refusal reason. */
static const struct decode_case cases[] = {
        {.name = "good",
         .channels = "ax,ay,az",
         .samples = {{T0, 3, {1, 2, 3}}, {T0 + 10, 3, {4, 5, 6}}},
         .n_samples = 2,
         .ok = TRUE},
        {.name = "good with offset",
         .channels = "ax,ay,az",
         .samples = {{T0, 3, {1, 2, 3}}},
         .n_samples = 1,
         .offset_ns = -5000,
         .ok = TRUE},
        {.name = "good, newest not last",
         .channels = "ax,ay,az",
         .samples = {{T0 + 20, 3, {1, 2, 3}}, {T0 + 30, 3, {4, 5, 6}}, {T0, 3, {7, 8, 9}}},
         .n_samples = 3,
         .offset_ns = 1000,
         .ok = TRUE},
        {.name = "good empty batch", .channels = "ax,ay,az", .ok = TRUE},
        {.name = "empty datagram", .raw = "", .code = SENSOR_ERROR_SIZE, .msg = "0 bytes refused"},
        {.name = "garbage",
         .raw = "\x0f\xff\xff\xff",
         .raw_len = 4,
         .code = SENSOR_ERROR_UNPACK,
         .msg = "not a ringside.v1.SensorBatch"},
        {.name = "truncated",
         .raw = "\x1a\x10" /* channels: 16 bytes follow */ "ax",
         .raw_len = 4,
         .code = SENSOR_ERROR_UNPACK,
         .msg = "not a ringside.v1.SensorBatch"},
        {.name = "wrong channel name",
         .channels = "ax,ay,bz",
         .samples = {{T0, 3, {1, 2, 3}}},
         .n_samples = 1,
         .code = SENSOR_ERROR_CHANNELS,
         .msg = "channels [ax,ay,bz] differ from the configured [ax,ay,az]"},
        {.name = "wrong channel order",
         .channels = "ay,ax,az",
         .samples = {{T0, 3, {1, 2, 3}}},
         .n_samples = 1,
         .code = SENSOR_ERROR_CHANNELS,
         .msg = "channels [ay,ax,az] differ"},
        {.name = "missing channel",
         .channels = "ax,ay",
         .samples = {{T0, 2, {1, 2}}},
         .n_samples = 1,
         .code = SENSOR_ERROR_CHANNELS,
         .msg = "channels [ax,ay] differ"},
        {.name = "no channels",
         .channels = "",
         .samples = {{T0, 0, {0}}},
         .n_samples = 1,
         .code = SENSOR_ERROR_CHANNELS,
         .msg = "channels [] differ"},
        {.name = "too few values",
         .channels = "ax,ay,az",
         .samples = {{T0, 3, {1, 2, 3}}, {T0 + 1, 2, {1, 2}}},
         .n_samples = 2,
         .code = SENSOR_ERROR_VALUES,
         .msg = "sample 1 has 2 values, expected 3"},
        {.name = "too many values",
         .channels = "ax,ay,az",
         .samples = {{T0, 4, {1, 2, 3, 4}}},
         .n_samples = 1,
         .code = SENSOR_ERROR_VALUES,
         .msg = "sample 0 has 4 values, expected 3"},
        {.name = "zero time",
         .channels = "ax,ay,az",
         .samples = {{0, 3, {1, 2, 3}}},
         .n_samples = 1,
         .code = SENSOR_ERROR_TIME,
         .msg = "has t_ns 0"},
        {.name = "negative time",
         .channels = "ax,ay,az",
         .samples = {{-5, 3, {1, 2, 3}}},
         .n_samples = 1,
         .code = SENSOR_ERROR_TIME,
         .msg = "has t_ns -5"},
        {.name = "negative after offset",
         .channels = "ax,ay,az",
         .samples = {{100, 3, {1, 2, 3}}},
         .n_samples = 1,
         .offset_ns = -100,
         .code = SENSOR_ERROR_TIME,
         .msg = "has t_ns 100"},
        {.name = "overflow after offset",
         .channels = "ax,ay,az",
         .samples = {{G_MAXINT64 - 1, 3, {1, 2, 3}}},
         .n_samples = 1,
         .offset_ns = 10,
         .code = SENSOR_ERROR_TIME,
         .msg = "must be a capture time"},
        {.name = "NaN",
         .channels = "ax,ay,az",
         .samples = {{T0, 3, {1, NAN, 3}}},
         .n_samples = 1,
         .code = SENSOR_ERROR_VALUE,
         .msg = "channel ay is not a finite number"},
        {.name = "infinity",
         .channels = "ax,ay,az",
         .samples = {{T0, 3, {1, 2, -INFINITY}}},
         .n_samples = 1,
         .code = SENSOR_ERROR_VALUE,
         .msg = "channel az is not a finite number"},
};

/* Packs a SensorBatch from C (device "dev-1", seq 42). Caller frees. */
static guint8 *pack_case(const struct decode_case *c, gsize *len)
{
	Ringside__V1__SensorBatch b = RINGSIDE__V1__SENSOR_BATCH__INIT;
	Ringside__V1__SensorSample ss[3];
	Ringside__V1__SensorSample *sp[3];
	g_auto(GStrv) ch = c->channels && c->channels[0] ? g_strsplit(c->channels, ",", -1)
	                                                 : g_new0(char *, 1);
	guint8 *buf;

	b.device = "dev-1";
	b.seq = 42;
	b.n_channels = g_strv_length(ch);
	b.channels = ch;
	for (guint i = 0; i < c->n_samples; i++) {
		ringside__v1__sensor_sample__init(&ss[i]);
		ss[i].t_ns = c->samples[i].t;
		ss[i].n_values = c->samples[i].n;
		ss[i].values = (float *)c->samples[i].v;
		sp[i] = &ss[i];
	}
	b.n_samples = c->n_samples;
	b.samples = sp;
	*len = ringside__v1__sensor_batch__get_packed_size(&b);
	buf = g_malloc(MAX(*len, 1));
	ringside__v1__sensor_batch__pack(&b, buf);
	return buf;
}

static void test_decode_table(void **state)
{
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		const struct decode_case *c = &cases[i];
		g_autofree guint8 *buf = NULL;
		g_autoptr(GError) err = NULL;
		struct sensor_batch_meta meta;
		GPtrArray *out;
		gsize len = c->raw_len;

		print_message("case: %s\n", c->name);
		if (c->raw)
			buf = g_memdup2(c->raw, MAX(len, 1));
		else
			buf = pack_case(c, &len);
		out = sensor_batch_decode(NAME, buf, len, conf_channels, N_CONF, c->offset_ns,
		                          &meta, &err);
		if (!c->ok) {
			assert_null(out);
			assert_non_null(err);
			assert_true(g_error_matches(err, SENSOR_ERROR, c->code));
			assert_non_null(strstr(err->message, "source " NAME ":"));
			if (!strstr(err->message, c->msg))
				fail_msg("%s: \"%s\" lacks \"%s\"", c->name, err->message, c->msg);
			assert_true(meta.newest_ns == 0);
			continue;
		}
		assert_null(err);
		assert_non_null(out);
		assert_string_equal(meta.device, "dev-1");
		assert_int_equal(meta.seq, 42);
		assert_int_equal(out->len, c->n_samples);
		{
			gint64 newest = 0;

			for (guint s = 0; s < c->n_samples; s++)
				newest = MAX(newest, c->samples[s].t);
			/* as sent: the clock estimate wants the device's own time */
			assert_true(meta.newest_ns == newest);
		}
		for (guint s = 0; s < out->len; s++) {
			const rs_sample *smp = out->pdata[s];
			gsize n;
			const float *v = g_bytes_get_data(smp->data, &n);

			assert_int_equal(smp->t_ns, c->samples[s].t + c->offset_ns);
			assert_int_equal(smp->dur_ns, 0);
			assert_int_equal(n, N_CONF * sizeof(float));
			assert_memory_equal(v, c->samples[s].v, n);
		}
		g_ptr_array_unref(out);
	}
}

static void test_decode_too_large(void **state)
{
	g_autofree guint8 *buf = g_malloc0(SENSOR_MAX_DATAGRAM + 1);
	g_autoptr(GError) err = NULL;

	assert_null(sensor_batch_decode(NAME, buf, SENSOR_MAX_DATAGRAM + 1, conf_channels, N_CONF,
	                                0, NULL, &err));
	assert_true(g_error_matches(err, SENSOR_ERROR, SENSOR_ERROR_SIZE));
	assert_non_null(strstr(err->message, "source imu: datagram of 65508 bytes refused"));
}

/* A sender's device name reaches logs and metric labels: it is cut and
 * cleaned. */
static void test_decode_device_sanitized(void **state)
{
	Ringside__V1__SensorBatch b = RINGSIDE__V1__SENSOR_BATCH__INIT;
	char *ch[] = {"ax", "ay", "az"};
	g_autofree char *dev = g_strnfill(200, 'x');
	struct sensor_batch_meta meta;
	guint8 buf[512];
	gsize len;
	GPtrArray *out;

	memcpy(dev, "a\"b\\c\nd", 7);
	b.device = dev;
	b.channels = ch;
	b.n_channels = 3;
	len = ringside__v1__sensor_batch__pack(&b, buf);
	out = sensor_batch_decode(NAME, buf, len, conf_channels, N_CONF, 0, &meta, NULL);
	assert_non_null(out);
	assert_int_equal(strlen(meta.device), 64);
	assert_memory_equal(meta.device, "a?b?c?dxx", 9);
	g_ptr_array_unref(out);
}

struct seq_step {
	const char *device;
	guint64 seq;
	guint64 lost;
};

static void test_seq_table(void **state)
{
	static const struct seq_step steps[] = {
	        {"a", 10, 0}, /* first of a device */
	        {"a", 11, 0}, /* next */
	        {"a", 15, 3}, /* 12, 13, 14 lost */
	        {"b", 1, 0},  /* devices are separate */
	        {"a", 14, 0}, /* late arrival */
	        {"a", 15, 0}, /* repeat */
	        {"a", 16, 0},      {"b", 3, 1},
	        {"a", 5000, 4983}, {"a", 3, 0}, /* far back: the sender restarted */
	        {"a", 5, 1},
	};
	sensor_seq *t = sensor_seq_new();

	for (gsize i = 0; i < G_N_ELEMENTS(steps); i++) {
		guint64 lost = sensor_seq_update(t, steps[i].device, steps[i].seq);

		if (lost != steps[i].lost)
			fail_msg("step %zu (%s %" G_GUINT64_FORMAT "): lost %" G_GUINT64_FORMAT
			         ", expected %" G_GUINT64_FORMAT,
			         i, steps[i].device, steps[i].seq, lost, steps[i].lost);
	}
	sensor_seq_free(t);
}

static void count_device(const char *device, guint64 lost, void *user)
{
	GHashTable *h = user;

	g_hash_table_insert(h, g_strdup(device), GUINT_TO_POINTER((guint)lost + 1));
}

/* Past 16 devices the rest share "(other)", where gaps cannot be told. */
static void test_seq_device_cap(void **state)
{
	sensor_seq *t = sensor_seq_new();
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

	for (int i = 0; i < 100; i++) {
		g_autofree char *d = g_strdup_printf("dev-%d", i);

		sensor_seq_update(t, d, 1);
		assert_int_equal(sensor_seq_update(t, d, 3), i < 16 ? 1 : 0);
	}
	sensor_seq_foreach(t, count_device, seen);
	assert_int_equal(g_hash_table_size(seen), 17);
	assert_int_equal(GPOINTER_TO_UINT(g_hash_table_lookup(seen, "dev-0")), 2);
	assert_int_equal(GPOINTER_TO_UINT(g_hash_table_lookup(seen, "(other)")), 1);
	sensor_seq_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_decode_table),
	        cmocka_unit_test(test_decode_too_large),
	        cmocka_unit_test(test_decode_device_sanitized),
	        cmocka_unit_test(test_seq_table),
	        cmocka_unit_test(test_seq_device_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
