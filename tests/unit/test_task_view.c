/* Unit tests for clients/ringside-load/task_view.c: what the load tool
 * reads of a Task from its bytes is what protobuf-c reads, and bad bytes
 * are refused without a read past their end. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ringside.pb-c.h"
#include "task_view.h"

/* A ServerMessage{task} with a window of one sensor source (samples and
 * all), a pre-annotation and a template; CLASSES may be 0. */
static uint8_t *pack_task(size_t n_classes, size_t *len)
{
	Ringside__V1__ServerMessage m = RINGSIDE__V1__SERVER_MESSAGE__INIT;
	Ringside__V1__Task t = RINGSIDE__V1__TASK__INIT;
	Ringside__V1__Window w = RINGSIDE__V1__WINDOW__INIT;
	Ringside__V1__SourceData sd = RINGSIDE__V1__SOURCE_DATA__INIT;
	Ringside__V1__SourceData *sdp = &sd;
	Ringside__V1__PreAnnotation pa = RINGSIDE__V1__PRE_ANNOTATION__INIT;
	Ringside__V1__PreAnnotation *pap = &pa;
	Ringside__V1__LabelTemplate tmpl = RINGSIDE__V1__LABEL_TEMPLATE__INIT;
	char *classes[] = {"walk", "run"};
	char *channels[] = {"ax", "ay", "az"};
	uint8_t *buf;

	sd.source = "imu";
	sd.kind = RINGSIDE__V1__KIND__KIND_SENSOR;
	sd.n_channels = 3;
	sd.channels = channels;
	pa.model = "m1";
	pa.group = "g";
	pa.end_ns = 2000;
	w.id = "g:1000";
	w.group = "g";
	w.start_ns = 1000;
	w.end_ns = INT64_C(1795686930300000000);
	w.n_sources = 1;
	w.sources = &sdp;
	w.n_preannotations = 1;
	w.preannotations = &pap;
	tmpl.n_classes = n_classes;
	tmpl.classes = classes;
	tmpl.multi_label = 1;
	t.window = &w;
	t.template_ = &tmpl;
	t.deadline_ns = INT64_C(1795686931000000000);
	t.time_box_ms = 30000;
	t.attempt = 2;
	t.held = 1;
	m.msg_case = RINGSIDE__V1__SERVER_MESSAGE__MSG_TASK;
	m.task = &t;
	*len = ringside__v1__server_message__get_packed_size(&m);
	buf = malloc(*len);
	ringside__v1__server_message__pack(&m, buf);
	return buf;
}

static void test_task_read_as_protobuf_c_reads_it(void **state)
{
	size_t len;
	uint8_t *buf = pack_task(2, &len);
	Ringside__V1__ServerMessage *m = ringside__v1__server_message__unpack(NULL, len, buf);
	struct task_view v;

	(void)state;
	assert_non_null(m);
	assert_true(task_view_is_task(buf, len));
	assert_true(task_view_parse(buf, len, &v));
	assert_true(v.has_window);
	assert_int_equal(v.window_id_len, strlen(m->task->window->id));
	assert_memory_equal(v.window_id, m->task->window->id, v.window_id_len);
	assert_int_equal(v.window_end_ns, m->task->window->end_ns);
	assert_non_null(v.class0);
	assert_int_equal(v.class0_len, 4);
	assert_memory_equal(v.class0, "walk", 4);
	assert_int_equal(v.deadline_ns, m->task->deadline_ns);
	assert_int_equal(v.time_box_ms, 30000);
	assert_int_equal(v.attempt, 2);
	ringside__v1__server_message__free_unpacked(m, NULL);
	free(buf);
}

static void test_template_without_classes(void **state)
{
	size_t len;
	uint8_t *buf = pack_task(0, &len);
	struct task_view v;

	(void)state;
	assert_true(task_view_parse(buf, len, &v));
	assert_null(v.class0);
	assert_int_equal(v.attempt, 2);
	free(buf);
}

static void test_other_messages_are_not_tasks(void **state)
{
	Ringside__V1__ServerMessage m = RINGSIDE__V1__SERVER_MESSAGE__INIT;
	Ringside__V1__Ack a = RINGSIDE__V1__ACK__INIT;
	uint8_t buf[64];
	size_t len;
	struct task_view v;

	(void)state;
	a.label_id = "l1";
	a.window_id = "g:1";
	m.msg_case = RINGSIDE__V1__SERVER_MESSAGE__MSG_ACK;
	m.ack = &a;
	len = ringside__v1__server_message__pack(&m, buf);
	assert_false(task_view_is_task(buf, len));
	assert_false(task_view_parse(buf, len, &v)); /* well-formed, but no task */
	assert_false(task_view_is_task(buf, 0));
}

/* Every prefix of a task, each in a buffer of exactly its size (a read
 * past it is a sanitizer report): refused, or read without the window id
 * or class running past the end. */
static void test_every_truncation(void **state)
{
	size_t len;
	uint8_t *buf = pack_task(2, &len);

	(void)state;
	for (size_t n = 0; n < len; n++) {
		uint8_t *cut = malloc(n ? n : 1);
		struct task_view v;

		memcpy(cut, buf, n);
		if (task_view_parse(cut, n, &v)) {
			if (v.window_id)
				assert_true((const uint8_t *)v.window_id + v.window_id_len <= cut + n);
			if (v.class0)
				assert_true((const uint8_t *)v.class0 + v.class0_len <= cut + n);
		}
		free(cut);
	}
	free(buf);
}

static void test_malformed_bytes_refused(void **state)
{
	static const struct {
		const char *what;
		uint8_t bytes[12];
		size_t len;
	} bad[] = {
	        {"field number 0", {0x02, 0x00}, 2},
	        {"wire type 3 (start group)", {0x13}, 1},
	        {"wire type 7", {0x17, 0x00}, 2},
	        {"task longer than the message", {0x12, 0x05, 0x08}, 3},
	        {"varint never ending", {0x12, 0x02, 0x18, 0xff}, 4},
	        {"window longer than the task", {0x12, 0x02, 0x0a, 0x09}, 4},
	        {"fixed64 cut short", {0x12, 0x03, 0x31, 0x01, 0x02}, 5},
	};
	struct task_view v;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (task_view_parse(bad[i].bytes, bad[i].len, &v))
			fail_msg("accepted: %s", bad[i].what);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_task_read_as_protobuf_c_reads_it),
	        cmocka_unit_test(test_template_without_classes),
	        cmocka_unit_test(test_other_messages_are_not_tasks),
	        cmocka_unit_test(test_every_truncation),
	        cmocka_unit_test(test_malformed_bytes_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
