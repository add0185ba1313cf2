/* Fuzz target: the reviewer protocol's message handling (feedback/review.c)
 * as a websocket connection sees it: ClientMessage unpacking, hello with a
 * token, submit (assignment lookup, label validation, publishing) and
 * decline, with a real scheduler holding two windows and a publisher that
 * is not connected (every publish fails at once, as with Redis away).
 *
 * Input: one or more client messages, each a 2-byte little-endian length
 * and that many bytes (the last one may be short), sent in order on one
 * connection that has not said hello yet:
 *
 *   +------+------------------+------+------------------+--
 *   | len1 | ClientMessage 1  | len2 | ClientMessage 2  | ...
 *   +------+------------------+------+------------------+--
 *
 * Hello tokens are checked as in the daemon: the [reviewer] tokens below,
 * or signed "v1." tokens against a secret written for the run.
 *
 * Checks: every message the daemon queues for the reviewer is a
 * well-formed ringside.v1.ServerMessage; no leak, no sanitizer report. */
#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "feedback/publisher.h"
#include "feedback/review.h"
#include "feedback/review_test.h"
#include "feedback/wire.h"
#include "fuzz_common.h"

#define MAX_MESSAGES 16
#define WIN_START 1000000000LL

/* The tokens the seeds use; the windows are "g:1000000000" and
 * "h:1000000000". The [daemon] group's first line, the secret's path, is
 * added at run time. */
static const char config_text[] = "listen = 127.0.0.1:0\n"
                                  "max_message_bytes = 64K\n"
                                  "send_queue_bytes = 1M\n"
                                  "[redis]\n"
                                  "port = 1\n"
                                  "[source cam]\n"
                                  "kind = video\n"
                                  "pipeline = videotestsrc\n"
                                  "ring_seconds = 10\n"
                                  "[source imu]\n"
                                  "kind = sensor\n"
                                  "listen = 127.0.0.1:0\n"
                                  "channels = ax,ay,az\n"
                                  "ring_seconds = 10\n"
                                  "[group g]\n"
                                  "sources = cam,imu\n"
                                  "window_seconds = 1\n"
                                  "classes = none,square,circle\n"
                                  "multi_label = true\n"
                                  "[group h]\n"
                                  "sources = imu\n"
                                  "window_seconds = 1\n"
                                  "classes = a,b\n"
                                  "[reviewer alice]\n"
                                  "token = fuzz-alice-0123456789\n"
                                  "[reviewer bob]\n"
                                  "token = fuzz-bob-0123456789\n";

static struct rs_config *cfg;
static GMainContext *ctx;
static publisher *pub;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	GError *err = NULL;
	struct publisher_conf pc = {.host = "127.0.0.1", .port = 1, .max_inflight = 16};
	g_autofree char *secret_path = NULL;
	g_autofree char *text = NULL;
	int fd;

	fuzz_quiet_logs();
	/* g_file_open_tmp makes it 0600, as the daemon requires; it is read
	 * into the config at once and removed. */
	fd = g_file_open_tmp("ringside-fuzz-XXXXXX.secret", &secret_path, &err);
	if (fd < 0 || write(fd, "fuzz-secret-0123456789abcdef0123456789\n", 39) != 39) {
		g_printerr("secret file: %s\n", err ? err->message : g_strerror(errno));
		abort();
	}
	close(fd);
	text = g_strdup_printf("[daemon]\ntoken_secret_file = %s\n%s", secret_path, config_text);
	cfg = config_load_data("fuzz.conf", text, strlen(text), &err);
	g_unlink(secret_path);
	if (!cfg) {
		g_printerr("%s\n", err->message);
		abort();
	}
	/* Never iterated: it never connects, so every publish fails. */
	ctx = g_main_context_new();
	pub = publisher_new(&pc, ctx);
	return 0;
}

/* A window of GROUP at [WIN_START, +1 s) with one sample per source. */
static rs_window *make_window(const struct rs_group_conf *group)
{
	static const float reading[3] = {0.5f, -1.0f, 9.81f};
	rs_window *w = g_new0(rs_window, 1);

	w->ref = 1;
	w->id = g_strdup_printf("%s:%lld", group->name, WIN_START);
	w->group = group;
	w->start_ns = WIN_START;
	w->end_ns = WIN_START + group->window_ns;
	w->reason = RS_REASON_PERIODIC;
	w->n_sources = group->n_sources;
	w->sources = g_new0(struct rs_window_source, group->n_sources);
	for (guint i = 0; i < group->n_sources; i++) {
		struct rs_window_source *ws = &w->sources[i];
		GBytes *b;

		ws->conf = group->sources[i];
		if (ws->conf->kind == RS_KIND_SENSOR)
			b = g_bytes_new(reading, sizeof(reading));
		else
			b = g_bytes_new_static("\xff\xd8\xff\xd9", 4); /* an empty JPEG */
		ws->samples = g_ptr_array_new_with_free_func((GDestroyNotify)rs_sample_unref);
		g_ptr_array_add(ws->samples, rs_sample_new(WIN_START + 1000, 0, b));
		ws->complete = TRUE;
		ws->coverage = 1.0;
	}
	w->complete = TRUE;
	return w;
}

/* Reads back everything queued for C: each must unpack. */
static void drain(struct conn *c)
{
	GBytes *msg;

	while ((msg = review_test_conn_pop(c))) {
		gsize len;
		const guint8 *p = wire_payload(msg, &len);
		Ringside__V1__ServerMessage *m = ringside__v1__server_message__unpack(NULL, len, p);

		FUZZ_CHECK(m != NULL);
		FUZZ_CHECK(m->msg_case != RINGSIDE__V1__SERVER_MESSAGE__MSG__NOT_SET);
		ringside__v1__server_message__free_unpacked(m, NULL);
		g_bytes_unref(msg);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	review *rv = review_new(cfg, pub);
	struct conn *c;

	for (guint g = 0; g < cfg->n_groups; g++) {
		rs_window *w = make_window(&cfg->groups[g]);

		review_add_window(w, rv);
		rs_window_unref(w);
	}
	c = review_test_conn_new(rv);
	for (guint n = 0; size >= 2 && n < MAX_MESSAGES; n++) {
		gsize len = MIN((gsize)(data[0] | data[1] << 8), size - 2);

		review_test_conn_message(c, data + 2, len);
		drain(c);
		review_tick(rv);
		data += 2 + len;
		size -= 2 + len;
	}
	review_test_conn_free(c);
	review_free(rv);
	return 0;
}
