/* Unit tests for feedback/review.c's message handling, through the
 * socketless connection of review_test.h: what a reviewer is sent back for
 * a hello (with and without prefetch), a submit, a decline and an extend,
 * in order. Redis is not there (the
 * publisher never connects), so a good label is answered publish_failed. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "feedback/review.h"
#include "feedback/review_test.h"
#include "feedback/wire.h"

#define WIN_START 1000000000LL
#define WIN_ID "g:1000000000"
#define TOKEN "unit-alice-0123456789"

static const char config_text[] = "[redis]\n"
                                  "port = 1\n"
                                  "[source imu]\n"
                                  "kind = sensor\n"
                                  "listen = 127.0.0.1:0\n"
                                  "channels = ax\n"
                                  "[group g]\n"
                                  "sources = imu\n"
                                  "window_seconds = 1\n"
                                  "classes = none,square\n"
                                  "extend_seconds = 5\n"
                                  "max_extensions = 1\n"
                                  "[reviewer alice]\n"
                                  "token = " TOKEN "\n";

struct fixture {
	struct rs_config *cfg;
	GMainContext *ctx;
	publisher *pub;
	review *rv;
	struct conn *c;
};

/* Window "g:START" of group g (no samples), handed to the review. */
static void add_window(struct fixture *fx, gint64 start)
{
	rs_window *w = g_new0(rs_window, 1);

	w->ref = 1;
	w->id = g_strdup_printf("g:%" G_GINT64_FORMAT, start);
	w->group = &fx->cfg->groups[0];
	w->start_ns = start;
	w->end_ns = start + 1000000000LL;
	w->reason = RS_REASON_PERIODIC;
	w->n_sources = 1;
	w->sources = g_new0(struct rs_window_source, 1);
	w->sources[0].conf = w->group->sources[0];
	w->sources[0].samples = g_ptr_array_new_with_free_func((GDestroyNotify)rs_sample_unref);
	w->sources[0].complete = TRUE;
	w->complete = TRUE;
	review_add_window(w, fx->rv);
	rs_window_unref(w);
}

static int fx_setup(void **state)
{
	struct fixture *fx = g_new0(struct fixture, 1);
	struct publisher_conf pc = {.host = "127.0.0.1", .port = 1};
	GError *err = NULL;

	fx->cfg = config_load_data("t.conf", config_text, strlen(config_text), &err);
	assert_null(err);
	fx->ctx = g_main_context_new();
	fx->pub = publisher_new(&pc, fx->ctx);
	fx->rv = review_new(fx->cfg, fx->pub);
	/* one window of group g, waiting for a reviewer */
	add_window(fx, WIN_START);
	fx->c = review_test_conn_new(fx->rv);
	*state = fx;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fixture *fx = *state;

	review_test_conn_free(fx->c);
	review_expire_all(fx->rv); /* publishes through PUB: before it goes */
	publisher_free(fx->pub);
	review_free(fx->rv);
	g_main_context_unref(fx->ctx);
	config_free(fx->cfg);
	g_free(fx);
	return 0;
}

static void send_msg(struct fixture *fx, const Ringside__V1__ClientMessage *m)
{
	gsize len = ringside__v1__client_message__get_packed_size(m);
	g_autofree guint8 *buf = g_malloc(len ? len : 1);

	ringside__v1__client_message__pack(m, buf);
	review_test_conn_message(fx->c, buf, len);
}

static void send_hello_prefetch(struct fixture *fx, const char *token, guint prefetch)
{
	Ringside__V1__ClientMessage m = RINGSIDE__V1__CLIENT_MESSAGE__INIT;
	Ringside__V1__Hello h = RINGSIDE__V1__HELLO__INIT;

	h.token = (char *)token;
	h.client = "unit/1";
	h.prefetch = prefetch;
	m.msg_case = RINGSIDE__V1__CLIENT_MESSAGE__MSG_HELLO;
	m.hello = &h;
	send_msg(fx, &m);
}

static void send_hello(struct fixture *fx, const char *token)
{
	send_hello_prefetch(fx, token, 0);
}

static void send_extend(struct fixture *fx, const char *window_id)
{
	Ringside__V1__ClientMessage m = RINGSIDE__V1__CLIENT_MESSAGE__INIT;
	Ringside__V1__Extend x = RINGSIDE__V1__EXTEND__INIT;

	x.window_id = (char *)window_id;
	m.msg_case = RINGSIDE__V1__CLIENT_MESSAGE__MSG_EXTEND;
	m.extend = &x;
	send_msg(fx, &m);
}

static void send_decline(struct fixture *fx, const char *window_id)
{
	Ringside__V1__ClientMessage m = RINGSIDE__V1__CLIENT_MESSAGE__INIT;
	Ringside__V1__Decline d = RINGSIDE__V1__DECLINE__INIT;

	d.window_id = (char *)window_id;
	m.msg_case = RINGSIDE__V1__CLIENT_MESSAGE__MSG_DECLINE;
	m.decline = &d;
	send_msg(fx, &m);
}

static void send_submit_for(struct fixture *fx, const char *window_id, const char *label_id,
                            const char *cls)
{
	Ringside__V1__ClientMessage m = RINGSIDE__V1__CLIENT_MESSAGE__INIT;
	Ringside__V1__Submit s = RINGSIDE__V1__SUBMIT__INIT;
	Ringside__V1__Label l = RINGSIDE__V1__LABEL__INIT;
	char *classes[] = {(char *)cls};

	l.label_id = (char *)label_id;
	l.window_id = (char *)window_id;
	l.n_classes = 1;
	l.classes = classes;
	s.label = &l;
	m.msg_case = RINGSIDE__V1__CLIENT_MESSAGE__MSG_SUBMIT;
	m.submit = &s;
	send_msg(fx, &m);
}

static void send_submit(struct fixture *fx, const char *label_id, const char *cls)
{
	send_submit_for(fx, WIN_ID, label_id, cls);
}

/* The next message queued for the reviewer, as "welcome:ID",
 * "task:WINDOW" (":held" appended for a held one, which must have no
 * deadline), "deadline:WINDOW:EXTENSIONS_LEFT", "error:CODE", ...; ""
 * when nothing is queued. Deadlines are checked against the time box. */
static char *next_msg(struct fixture *fx)
{
	GBytes *b = review_test_conn_pop(fx->c);
	Ringside__V1__ServerMessage *m;
	const guint8 *p;
	gsize len;
	char *out;

	if (!b)
		return g_strdup("");
	p = wire_payload(b, &len);
	m = ringside__v1__server_message__unpack(NULL, len, p);
	assert_non_null(m);
	switch (m->msg_case) {
	case RINGSIDE__V1__SERVER_MESSAGE__MSG_WELCOME:
		out = g_strdup_printf("welcome:%s", m->welcome->reviewer);
		break;
	case RINGSIDE__V1__SERVER_MESSAGE__MSG_TASK:
		if (m->task->held) {
			assert_int_equal(m->task->deadline_ns, 0);
			assert_int_equal(m->task->time_box_ms, 30000);
		} else {
			assert_true(m->task->deadline_ns > 0);
		}
		out = g_strdup_printf("task:%s%s", m->task->window->id,
		                      m->task->held ? ":held" : "");
		break;
	case RINGSIDE__V1__SERVER_MESSAGE__MSG_DEADLINE:
		assert_true(m->deadline->deadline_ns > 0);
		assert_true(m->deadline->time_box_ms > 0);
		out = g_strdup_printf("deadline:%s:%u", m->deadline->window_id,
		                      m->deadline->extensions_left);
		break;
	case RINGSIDE__V1__SERVER_MESSAGE__MSG_ERROR:
		out = g_strdup_printf("error:%s", m->error->code);
		break;
	default:
		out = g_strdup_printf("case %d", m->msg_case);
		break;
	}
	ringside__v1__server_message__free_unpacked(m, NULL);
	g_bytes_unref(b);
	return out;
}

#define assert_next(fx, want)                                                                      \
	do {                                                                                       \
		g_autofree char *got_ = next_msg(fx);                                              \
		assert_string_equal(got_, want);                                                   \
	} while (0)

/* A good hello: welcome, then the waiting window is offered. */
static void test_hello(void **state)
{
	struct fixture *fx = *state;

	send_hello(fx, TOKEN);
	assert_next(fx, "welcome:alice");
	assert_next(fx, "task:" WIN_ID);
	assert_next(fx, "");
	assert_false(review_test_conn_closing(fx->c));
}

/* A refused token closes the connection; a good hello already on its way
 * after it signs nobody in. */
static void test_bad_token_then_good(void **state)
{
	struct fixture *fx = *state;

	send_hello(fx, "not-a-token-0123456789");
	assert_next(fx, "error:unauthorized");
	assert_true(review_test_conn_closing(fx->c));
	send_hello(fx, TOKEN);
	assert_next(fx, "");
}

/* Anything before hello is refused and closes the connection. */
static void test_submit_before_hello(void **state)
{
	struct fixture *fx = *state;

	send_submit(fx, "l-1", "square");
	assert_next(fx, "error:unauthorized");
	assert_true(review_test_conn_closing(fx->c));
}

/* Submits: a class outside the template is refused; a good label finds
 * Redis away and is kept for a resend. Not valid protobuf: bad_message. */
static void test_submit(void **state)
{
	struct fixture *fx = *state;

	send_hello(fx, TOKEN);
	assert_next(fx, "welcome:alice");
	assert_next(fx, "task:" WIN_ID);
	send_submit(fx, "l-1", "circle");
	assert_next(fx, "error:invalid_label");
	send_submit(fx, "l-2", "square");
	assert_next(fx, "error:publish_failed");
	review_test_conn_message(fx->c, (const guint8 *)"\xff\xff\xff", 3);
	assert_next(fx, "error:bad_message");
	assert_next(fx, "");
	assert_false(review_test_conn_closing(fx->c));
}

/* Prefetch 1: the second window is held; a label for it is refused
 * (not_started), and it starts, with a Deadline, when the first is given
 * back. Extend: granted once on the current task, then refused; refused
 * on a held task and on a window that is not the reviewer's. */
static void test_prefetch_and_extend(void **state)
{
	struct fixture *fx = *state;

	add_window(fx, 3 * WIN_START);
	add_window(fx, 5 * WIN_START);
	send_hello_prefetch(fx, TOKEN, 1);
	assert_next(fx, "welcome:alice");
	assert_next(fx, "task:" WIN_ID);
	assert_next(fx, "task:g:3000000000:held");
	assert_next(fx, "");

	send_submit_for(fx, "g:3000000000", "l-1", "square");
	assert_next(fx, "error:not_started");
	send_extend(fx, "g:3000000000");
	assert_next(fx, "error:extend_refused");
	send_extend(fx, "g:9");
	assert_next(fx, "error:extend_refused");

	send_extend(fx, WIN_ID);
	assert_next(fx, "deadline:" WIN_ID ":0");
	send_extend(fx, WIN_ID);
	assert_next(fx, "error:extend_refused");

	send_decline(fx, WIN_ID);
	assert_next(fx, "deadline:g:3000000000:1");
	assert_next(fx, "task:g:5000000000:held");
	assert_next(fx, "");
	assert_false(review_test_conn_closing(fx->c));
}

/* An old client (no prefetch) gets one task at a time, as it always did. */
static void test_no_prefetch(void **state)
{
	struct fixture *fx = *state;

	add_window(fx, 3 * WIN_START);
	send_hello(fx, TOKEN);
	assert_next(fx, "welcome:alice");
	assert_next(fx, "task:" WIN_ID);
	assert_next(fx, "");
	send_decline(fx, WIN_ID);
	assert_next(fx, "task:g:3000000000");
	assert_next(fx, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_hello, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_bad_token_then_good, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_submit_before_hello, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_submit, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_prefetch_and_extend, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_no_prefetch, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
