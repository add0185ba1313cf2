/* Unit tests for feedback/wire.c: windows and tasks round-trip through
 * ringside.v1 byte for byte, server messages carry WIRE_PRE of headroom,
 * and a Label survives pack/unpack as consumers will read it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "feedback/wire.h"

/* Sources cam (video), mic (audio) and imu (sensor, 3 channels) in group
 * robot1, the way config_load would leave them. */
struct fixture {
	struct rs_source_conf src[3];
	struct rs_source_conf *srcp[3];
	char *channels[4];
	char *classes[4];
	struct rs_group_conf group;
};

static int fx_setup(void **state)
{
	struct fixture *fx = g_new0(struct fixture, 1);

	fx->src[0].name = "cam";
	fx->src[0].kind = RS_KIND_VIDEO;
	fx->src[0].width = 640;
	fx->src[0].height = 480;
	fx->src[0].fps = 25;
	fx->src[1].name = "mic";
	fx->src[1].kind = RS_KIND_AUDIO;
	fx->src[1].sample_rate = 16000;
	fx->channels[0] = "ax";
	fx->channels[1] = "ay";
	fx->channels[2] = "az";
	fx->src[2].name = "imu";
	fx->src[2].kind = RS_KIND_SENSOR;
	fx->src[2].channels = fx->channels;
	fx->src[2].n_channels = 3;
	for (guint i = 0; i < 3; i++)
		fx->srcp[i] = &fx->src[i];
	fx->classes[0] = "person";
	fx->classes[1] = "cat";
	fx->classes[2] = "dog";
	fx->group.name = "robot1";
	fx->group.sources = fx->srcp;
	fx->group.n_sources = 3;
	fx->group.classes = fx->classes;
	fx->group.n_classes = 3;
	fx->group.multi_label = TRUE;
	*state = fx;
	return 0;
}

static int fx_teardown(void **state)
{
	g_free(*state);
	return 0;
}

/* Bytes that look like a JPEG (SOI ... EOI) and take every byte value,
 * NUL included, so nothing treats them as a string. */
static GBytes *jpeg_bytes(gsize n, guint seed)
{
	guint8 *b = g_malloc(n);

	for (gsize i = 0; i < n; i++)
		b[i] = (guint8)(i * 31 + seed);
	if (n >= 4) {
		b[0] = 0xff;
		b[1] = 0xd8;
		b[n - 2] = 0xff;
		b[n - 1] = 0xd9;
	}
	return g_bytes_new_take(b, n);
}

/* S16LE mono PCM. */
static GBytes *pcm_bytes(guint n_samples, guint seed)
{
	guint8 *b = g_malloc(n_samples * 2);

	for (guint i = 0; i < n_samples; i++) {
		guint16 v = (guint16)(i * 1237 + seed * 7919);

		b[2 * i] = v & 0xff;
		b[2 * i + 1] = v >> 8;
	}
	return g_bytes_new_take(b, n_samples * 2);
}

/* One float32 per channel, host order. */
static GBytes *reading_bytes(guint k)
{
	float v[3] = {0.5f * k, -9.81f, 1e-3f * k + 0.25f};

	return g_bytes_new(v, sizeof v);
}

/* What a test window holds. */
struct shape {
	const char *name;
	guint n_sources; /* 0: none, 3: cam, mic, imu */
	guint frames, frame_bytes, chunks, readings;
	guint len_bytes; /* varint bytes of the packed window's length */
};

static rs_window *new_window(struct fixture *fx, const struct shape *sh)
{
	rs_window *w = g_new0(rs_window, 1);

	w->ref = 1;
	w->id = g_strdup("robot1:1700000000000000000");
	w->group = &fx->group;
	w->start_ns = G_GINT64_CONSTANT(1700000000000000000);
	w->end_ns = w->start_ns + 2000000000;
	w->reason = RS_REASON_TRIGGERED;
	w->n_sources = sh->n_sources;
	w->sources = g_new0(struct rs_window_source, 3);
	for (guint i = 0; i < sh->n_sources; i++) {
		struct rs_window_source *ws = &w->sources[i];
		guint n = i == 0 ? sh->frames : i == 1 ? sh->chunks : sh->readings;

		ws->conf = &fx->src[i];
		ws->samples = g_ptr_array_new_with_free_func((GDestroyNotify)rs_sample_unref);
		ws->complete = i != 1; /* the microphone was late */
		for (guint k = 0; k < n; k++) {
			gint64 t = w->start_ns + (gint64)k * 40000000 + i;
			GBytes *data = i == 0   ? jpeg_bytes(sh->frame_bytes, k)
			               : i == 1 ? pcm_bytes(320, k)
			                        : reading_bytes(k);

			g_ptr_array_add(ws->samples, rs_sample_new(t, 0, data));
		}
	}
	w->complete = FALSE;
	return w;
}

static void assert_bytes(ProtobufCBinaryData got, GBytes *want)
{
	gsize n;
	const void *p = g_bytes_get_data(want, &n);

	assert_int_equal(got.len, n);
	if (n)
		assert_memory_equal(got.data, p, n);
}

/* Every field of M against W, every byte of every sample. */
static void check_window(const Ringside__V1__Window *m, const rs_window *w)
{
	assert_non_null(m);
	assert_string_equal(m->id, w->id);
	assert_string_equal(m->group, w->group->name);
	assert_int_equal(m->start_ns, w->start_ns);
	assert_int_equal(m->end_ns, w->end_ns);
	assert_int_equal(m->reason, RINGSIDE__V1__WINDOW_REASON__REASON_TRIGGERED);
	assert_int_equal(m->complete, w->complete);
	assert_int_equal(m->n_sources, w->n_sources);
	for (guint i = 0; i < w->n_sources; i++) {
		const Ringside__V1__SourceData *sd = m->sources[i];
		const struct rs_window_source *ws = &w->sources[i];
		const struct rs_source_conf *c = ws->conf;
		guint n = ws->samples->len;

		assert_string_equal(sd->source, c->name);
		assert_int_equal(sd->kind, (int)c->kind);
		assert_int_equal(sd->complete, ws->complete);
		/* only the kind's own fields are set */
		assert_int_equal(sd->n_frames, c->kind == RS_KIND_VIDEO ? n : 0);
		assert_int_equal(sd->n_chunks, c->kind == RS_KIND_AUDIO ? n : 0);
		assert_int_equal(sd->n_samples, c->kind == RS_KIND_SENSOR ? n : 0);
		assert_int_equal(sd->width, c->width);
		assert_int_equal(sd->height, c->height);
		assert_int_equal(sd->fps, c->fps);
		assert_int_equal(sd->sample_rate, c->sample_rate);
		assert_int_equal(sd->n_channels, c->kind == RS_KIND_SENSOR ? c->n_channels : 0);
		for (guint k = 0; k < sd->n_channels; k++)
			assert_string_equal(sd->channels[k], c->channels[k]);
		for (guint k = 0; k < n; k++) {
			const rs_sample *s = ws->samples->pdata[k];

			if (c->kind == RS_KIND_VIDEO) {
				assert_int_equal(sd->frames[k]->t_ns, s->t_ns);
				assert_bytes(sd->frames[k]->jpeg, s->data);
			} else if (c->kind == RS_KIND_AUDIO) {
				assert_int_equal(sd->chunks[k]->t_ns, s->t_ns);
				assert_bytes(sd->chunks[k]->pcm, s->data);
			} else {
				gsize bytes;
				const float *v = g_bytes_get_data(s->data, &bytes);

				assert_int_equal(sd->samples[k]->t_ns, s->t_ns);
				assert_int_equal(sd->samples[k]->n_values, 3);
				assert_int_equal(bytes, 3 * sizeof(float));
				assert_memory_equal(sd->samples[k]->values, v, bytes);
			}
		}
	}
}

static GBytes *pack_window_msg(const Ringside__V1__Window *m)
{
	gsize len = ringside__v1__window__get_packed_size(m);
	guint8 *buf = g_malloc(len ? len : 1);

	ringside__v1__window__pack(m, buf);
	return g_bytes_new_take(buf, len);
}

/* Reads a varint at P (at most END), returning its value and length. */
static guint64 varint_get(const guint8 *p, const guint8 *end, guint *len)
{
	guint64 v = 0;
	guint n = 0;

	do {
		assert_true(p + n < end && n < 10);
		v |= (guint64)(p[n] & 0x7f) << (7 * n);
	} while (p[n++] & 0x80);
	*len = n;
	return v;
}

/* Asserts MSG is a server message with WIRE_PRE bytes of headroom and
 * returns it unpacked (free with server_message__free_unpacked). The
 * payload is also the canonical encoding: repacking gives every byte. */
static Ringside__V1__ServerMessage *unpack_server(GBytes *msg)
{
	gsize total, len;
	const guint8 *data = g_bytes_get_data(msg, &total);
	const guint8 *payload = wire_payload(msg, &len);
	Ringside__V1__ServerMessage *m;
	guint8 *again;

	assert_true(total >= WIRE_PRE);
	assert_ptr_equal(payload, data + WIRE_PRE);
	assert_int_equal(len, total - WIRE_PRE);
	m = ringside__v1__server_message__unpack(NULL, len, payload);
	assert_non_null(m);
	assert_int_equal(ringside__v1__server_message__get_packed_size(m), len);
	again = g_malloc(len ? len : 1);
	ringside__v1__server_message__pack(m, again);
	assert_memory_equal(again, payload, len);
	g_free(again);
	return m;
}

struct task_args {
	gint64 deadline_ns;
	guint time_box_ms, attempt;
	gboolean held;
};

/* Packs a task around PACKED for G, checks the hand-written framing and
 * every Task field, and returns the unpacked message. LEN_BYTES, when not
 * 0, is how many bytes the window's length varint must take. */
static Ringside__V1__ServerMessage *check_task(GBytes *packed, const struct rs_group_conf *g,
                                               const struct task_args *t, guint len_bytes)
{
	GBytes *tmpl = wire_pack_template(g);
	GBytes *msg =
	        wire_pack_task(packed, tmpl, t->deadline_ns, t->time_box_ms, t->attempt, t->held);
	gsize len, wlen;
	const guint8 *p = wire_payload(msg, &len), *end = p + len;
	const guint8 *wdata = g_bytes_get_data(packed, &wlen);
	Ringside__V1__ServerMessage *m;
	Ringside__V1__Task *task;
	GBytes *again;
	guint64 task_len;
	guint n;

	/* ServerMessage.task (2, length-delimited) spanning the rest */
	assert_int_equal(p[0], (2 << 3) | 2);
	p++;
	task_len = varint_get(p, end, &n);
	p += n;
	assert_int_equal(task_len, end - p);
	/* Task.window (1, length-delimited) first: the cached bytes as-is */
	assert_int_equal(p[0], (1 << 3) | 2);
	p++;
	assert_int_equal(varint_get(p, end, &n), wlen);
	if (len_bytes)
		assert_int_equal(n, len_bytes);
	p += n;
	assert_true(p + wlen <= end);
	if (wlen)
		assert_memory_equal(p, wdata, wlen);

	m = unpack_server(msg);
	assert_int_equal(m->msg_case, RINGSIDE__V1__SERVER_MESSAGE__MSG_TASK);
	task = m->task;
	assert_non_null(task->window);
	again = pack_window_msg(task->window);
	assert_true(g_bytes_equal(again, packed));
	g_bytes_unref(again);
	assert_non_null(task->template_);
	assert_int_equal(task->template_->n_classes, g->n_classes);
	for (guint i = 0; i < g->n_classes; i++)
		assert_string_equal(task->template_->classes[i], g->classes[i]);
	assert_int_equal(task->template_->multi_label, g->multi_label);
	assert_int_equal(task->deadline_ns, t->deadline_ns);
	assert_int_equal(task->time_box_ms, t->time_box_ms);
	assert_int_equal(task->attempt, t->attempt);
	assert_int_equal(task->held, t->held);
	g_bytes_unref(msg);
	g_bytes_unref(tmpl);
	return m;
}

static const struct task_args task_cases[] = {
        {G_GINT64_CONSTANT(1700000002500000000), 30000, 1, FALSE},
        {G_GINT64_CONSTANT(1700000009000000000), 1, 2, FALSE},
        {0, 0, 0, FALSE}, /* every scalar at its default: left out of the encoding */
        {-1, G_MAXUINT32, G_MAXUINT32, FALSE},
        {G_MAXINT64, 120000, 7, FALSE},
        {0, 30000, 1, TRUE}, /* held: no deadline, the full box */
};

static const struct shape shapes[] = {
        {"video, audio and sensor", 3, 2, 1024, 2, 3, 2},
        {"sources without samples", 3, 0, 0, 0, 0, 1},
        {"no sources", 0, 0, 0, 0, 0, 1},
        {"one empty frame", 3, 1, 0, 0, 0, 1},
        {"300 KB frame", 3, 1, 300 * 1024, 1, 1, 3},
        {"2.1 MB frame", 3, 1, 2100 * 1024, 0, 0, 4},
};

static void test_window_round_trip(void **state)
{
	struct fixture *fx = *state;

	for (gsize i = 0; i < G_N_ELEMENTS(shapes); i++) {
		rs_window *w = new_window(fx, &shapes[i]);
		GBytes *packed = wire_pack_window(w);
		gsize len;
		const guint8 *data = g_bytes_get_data(packed, &len);
		Ringside__V1__Window *m = ringside__v1__window__unpack(NULL, len, data);
		GBytes *again;

		print_message("  %s: window %zu bytes\n", shapes[i].name, len);
		check_window(m, w);
		/* canonical: protobuf-c packs the unpacked window to the same bytes */
		again = pack_window_msg(m);
		assert_true(g_bytes_equal(again, packed));
		g_bytes_unref(again);
		ringside__v1__window__free_unpacked(m, NULL);
		g_bytes_unref(packed);
		rs_window_unref(w);
	}
}

static void test_task_round_trip(void **state)
{
	struct fixture *fx = *state;

	for (gsize i = 0; i < G_N_ELEMENTS(shapes); i++) {
		rs_window *w = new_window(fx, &shapes[i]);
		GBytes *packed = wire_pack_window(w);

		for (gsize k = 0; k < G_N_ELEMENTS(task_cases); k++) {
			Ringside__V1__ServerMessage *m =
			        check_task(packed, &fx->group, &task_cases[k], shapes[i].len_bytes);

			check_window(m->task->window, w);
			ringside__v1__server_message__free_unpacked(m, NULL);
		}
		g_bytes_unref(packed);
		rs_window_unref(w);
	}
}

/* A single-label group with no classes still sends a template. */
static void test_task_template(void **state)
{
	struct fixture *fx = *state;
	static const struct shape sh = {"plain", 3, 1, 16, 1, 1, 0};
	rs_window *w = new_window(fx, &sh);
	GBytes *packed = wire_pack_window(w);
	struct rs_group_conf bare = fx->group;
	Ringside__V1__ServerMessage *m;

	bare.multi_label = FALSE;
	m = check_task(packed, &bare, &task_cases[0], 0);
	assert_false(m->task->template_->multi_label);
	ringside__v1__server_message__free_unpacked(m, NULL);

	bare.n_classes = 0;
	bare.classes = NULL;
	m = check_task(packed, &bare, &task_cases[0], 0);
	assert_int_equal(m->task->template_->n_classes, 0);
	ringside__v1__server_message__free_unpacked(m, NULL);
	g_bytes_unref(packed);
	rs_window_unref(w);
}

/* The spliced lengths across every varint size boundary of the window's
 * length and the task's: packed windows of exact sizes made with an id of
 * the right length. */
static void test_task_length_boundaries(void **state)
{
	static const gsize edges[] = {128, 16384, 2097152};
	struct fixture *fx = *state;
	struct task_args t = {G_GINT64_CONSTANT(1700000002500000000), 30000, 1, FALSE};
	GBytes *none = g_bytes_new(NULL, 0);
	Ringside__V1__ServerMessage *m;

	/* an empty window message: zero bytes, still a window */
	m = check_task(none, &fx->group, &t, 1);
	assert_string_equal(m->task->window->id, "");
	ringside__v1__server_message__free_unpacked(m, NULL);
	g_bytes_unref(none);

	for (gsize e = 0; e < G_N_ELEMENTS(edges); e++) {
		gsize from = edges[e] - 80, to = edges[e] + 8;
		char *id = g_malloc(to + 1);
		guint hit = 0; /* both sides of the edge itself were packed */

		memset(id, 'i', to);
		for (gsize target = from; target <= to; target++) {
			Ringside__V1__Window win = RINGSIDE__V1__WINDOW__INIT;
			gsize idlen = target - 2;
			GBytes *packed;

			/* tag + varint(idlen) + idlen == target */
			while (1 +
			               (idlen < 128       ? 1
			                : idlen < 16384   ? 2
			                : idlen < 2097152 ? 3
			                                  : 4) +
			               idlen >
			       target)
				idlen--;
			id[idlen] = '\0';
			win.id = id;
			packed = pack_window_msg(&win);
			id[idlen] = 'i';
			if (g_bytes_get_size(packed) != target) {
				g_bytes_unref(packed);
				continue; /* no id length packs to exactly this size */
			}
			hit += target == edges[e] - 1 || target == edges[e];
			m = check_task(packed, &fx->group, &t, 0);
			assert_int_equal(strlen(m->task->window->id), idlen);
			ringside__v1__server_message__free_unpacked(m, NULL);
			g_bytes_unref(packed);
		}
		g_free(id);
		assert_int_equal(hit, 2);
	}
}

static void test_error_round_trip(void **state)
{
	static const struct {
		const char *code, *message, *label_id, *window_id;
	} cases[] = {
	        {"invalid_label", "classes[0]: \"cow\" is not a class of group robot1", "l-1",
	         "robot1:1000"},
	        {"publish_failed", "redis: connection refused", "l-2", NULL},
	        {"bad_message", "expected Hello first", NULL, NULL},
	        {"x", "", NULL, "robot1:1000"},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		GBytes *b = wire_pack_error(cases[i].code, cases[i].message, cases[i].label_id,
		                            cases[i].window_id);
		Ringside__V1__ServerMessage *m = unpack_server(b);

		assert_int_equal(m->msg_case, RINGSIDE__V1__SERVER_MESSAGE__MSG_ERROR);
		assert_string_equal(m->error->code, cases[i].code);
		assert_string_equal(m->error->message, cases[i].message);
		assert_string_equal(m->error->label_id, cases[i].label_id ? cases[i].label_id : "");
		assert_string_equal(m->error->window_id,
		                    cases[i].window_id ? cases[i].window_id : "");
		ringside__v1__server_message__free_unpacked(m, NULL);
		g_bytes_unref(b);
	}
}

/* Every other oneof case through wire_pack_server. */
static void test_server_round_trip(void **state)
{
	Ringside__V1__Welcome welcome = RINGSIDE__V1__WELCOME__INIT;
	Ringside__V1__Ack ack = RINGSIDE__V1__ACK__INIT;
	Ringside__V1__Revoke revoke = RINGSIDE__V1__REVOKE__INIT;
	Ringside__V1__ServerMessage in[3] = {RINGSIDE__V1__SERVER_MESSAGE__INIT,
	                                     RINGSIDE__V1__SERVER_MESSAGE__INIT,
	                                     RINGSIDE__V1__SERVER_MESSAGE__INIT};

	welcome.reviewer = "alice";
	welcome.server = "ringsided/0.1.0";
	welcome.server_time_ns = G_GINT64_CONSTANT(1700000000123456789);
	in[0].msg_case = RINGSIDE__V1__SERVER_MESSAGE__MSG_WELCOME;
	in[0].welcome = &welcome;
	ack.label_id = "l-1";
	ack.window_id = "robot1:1000";
	ack.stream_id = "1700000000123-0";
	in[1].msg_case = RINGSIDE__V1__SERVER_MESSAGE__MSG_ACK;
	in[1].ack = &ack;
	revoke.window_id = "robot1:1000";
	revoke.reason = "deadline";
	in[2].msg_case = RINGSIDE__V1__SERVER_MESSAGE__MSG_REVOKE;
	in[2].revoke = &revoke;

	for (guint i = 0; i < 3; i++) {
		GBytes *b = wire_pack_server(&in[i]);
		Ringside__V1__ServerMessage *m = unpack_server(b);

		assert_int_equal(m->msg_case, in[i].msg_case);
		switch (m->msg_case) {
		case RINGSIDE__V1__SERVER_MESSAGE__MSG_WELCOME:
			assert_string_equal(m->welcome->reviewer, "alice");
			assert_string_equal(m->welcome->server, "ringsided/0.1.0");
			assert_int_equal(m->welcome->server_time_ns, welcome.server_time_ns);
			break;
		case RINGSIDE__V1__SERVER_MESSAGE__MSG_ACK:
			assert_string_equal(m->ack->label_id, "l-1");
			assert_string_equal(m->ack->window_id, "robot1:1000");
			assert_string_equal(m->ack->stream_id, "1700000000123-0");
			break;
		default:
			assert_int_equal(m->msg_case, RINGSIDE__V1__SERVER_MESSAGE__MSG_REVOKE);
			assert_string_equal(m->revoke->window_id, "robot1:1000");
			assert_string_equal(m->revoke->reason, "deadline");
			break;
		}
		ringside__v1__server_message__free_unpacked(m, NULL);
		g_bytes_unref(b);
	}
}

/* Deadline: a held task started, or Extend was granted. */
static void test_deadline_round_trip(void **state)
{
	static const struct {
		const char *window_id;
		gint64 deadline_ns;
		guint time_box_ms, extensions_left;
	} cases[] = {
	        {"robot1:1000", G_GINT64_CONSTANT(1700000002500000000), 30000, 1},
	        {"g:0", 0, 0, 0},
	        {"", G_MAXINT64, G_MAXUINT32, G_MAXUINT32},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		GBytes *b = wire_pack_deadline(cases[i].window_id, cases[i].deadline_ns,
		                               cases[i].time_box_ms, cases[i].extensions_left);
		Ringside__V1__ServerMessage *m = unpack_server(b);

		assert_int_equal(m->msg_case, RINGSIDE__V1__SERVER_MESSAGE__MSG_DEADLINE);
		assert_string_equal(m->deadline->window_id, cases[i].window_id);
		assert_int_equal(m->deadline->deadline_ns, cases[i].deadline_ns);
		assert_int_equal(m->deadline->time_box_ms, cases[i].time_box_ms);
		assert_int_equal(m->deadline->extensions_left, cases[i].extensions_left);
		ringside__v1__server_message__free_unpacked(m, NULL);
		g_bytes_unref(b);
	}
}

/* The Label record as published to Redis: what consumers decode. */
static void test_label_round_trip(void **state)
{
	static char *classes[] = {"person", "dog"};
	static char *src0[] = {"cam"};
	static char *src1[] = {"mic", "imu"};
	Ringside__V1__TimedEvent ev[3] = {RINGSIDE__V1__TIMED_EVENT__INIT,
	                                  RINGSIDE__V1__TIMED_EVENT__INIT,
	                                  RINGSIDE__V1__TIMED_EVENT__INIT};
	Ringside__V1__TimedEvent *evp[3] = {&ev[0], &ev[1], &ev[2]};
	Ringside__V1__Label in = RINGSIDE__V1__LABEL__INIT, *out;
	guint8 *buf, *again;
	gsize len;

	ev[0].start_ns = G_GINT64_CONSTANT(1700000000000000000);
	ev[0].end_ns = G_GINT64_CONSTANT(1700000000500000000);
	ev[0].class_ = "person";
	ev[0].n_sources = 1;
	ev[0].sources = src0;
	ev[1].start_ns = G_GINT64_CONSTANT(1700000000250000000);
	ev[1].end_ns = G_GINT64_CONSTANT(1700000002000000000);
	ev[1].class_ = "dog";
	ev[1].n_sources = 2;
	ev[1].sources = src1;
	ev[2].start_ns = G_GINT64_CONSTANT(1700000001000000000);
	ev[2].end_ns = G_GINT64_CONSTANT(1700000001000000001);
	ev[2].class_ = "cat"; /* no sources */
	in.label_id = "3f2b8c1e-9a4d-4e7b-8c2a-1d5e6f7a8b9c";
	in.window_id = "robot1:1700000000000000000";
	in.group = "robot1";
	in.reviewer = "alice";
	in.n_classes = 2;
	in.classes = classes;
	in.n_events = 3;
	in.events = evp;
	in.window_start_ns = G_GINT64_CONSTANT(1700000000000000000);
	in.window_end_ns = G_GINT64_CONSTANT(1700000002000000000);
	in.assigned_ns = G_GINT64_CONSTANT(1700000002100000000);
	in.submitted_ns = G_GINT64_CONSTANT(1700000009900000000);
	in.attempt = 2;

	len = ringside__v1__label__get_packed_size(&in);
	buf = g_malloc(len);
	assert_int_equal(ringside__v1__label__pack(&in, buf), len);
	out = ringside__v1__label__unpack(NULL, len, buf);
	assert_non_null(out);
	assert_string_equal(out->label_id, in.label_id);
	assert_string_equal(out->window_id, in.window_id);
	assert_string_equal(out->group, "robot1");
	assert_string_equal(out->reviewer, "alice");
	assert_int_equal(out->n_classes, 2);
	assert_string_equal(out->classes[0], "person");
	assert_string_equal(out->classes[1], "dog");
	assert_int_equal(out->window_start_ns, in.window_start_ns);
	assert_int_equal(out->window_end_ns, in.window_end_ns);
	assert_int_equal(out->assigned_ns, in.assigned_ns);
	assert_int_equal(out->submitted_ns, in.submitted_ns);
	assert_int_equal(out->attempt, 2);
	assert_int_equal(out->n_events, 3);
	for (guint i = 0; i < 3; i++) {
		assert_int_equal(out->events[i]->start_ns, ev[i].start_ns);
		assert_int_equal(out->events[i]->end_ns, ev[i].end_ns);
		assert_string_equal(out->events[i]->class_, ev[i].class_);
		assert_int_equal(out->events[i]->n_sources, ev[i].n_sources);
		for (guint k = 0; k < ev[i].n_sources; k++)
			assert_string_equal(out->events[i]->sources[k], ev[i].sources[k]);
	}
	again = g_malloc(len);
	assert_int_equal(ringside__v1__label__pack(out, again), len);
	assert_memory_equal(again, buf, len);
	g_free(again);
	ringside__v1__label__free_unpacked(out, NULL);
	g_free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_window_round_trip, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_task_round_trip, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_task_template, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_task_length_boundaries, fx_setup, fx_teardown),
	        cmocka_unit_test(test_error_round_trip),
	        cmocka_unit_test(test_server_round_trip),
	        cmocka_unit_test(test_deadline_round_trip),
	        cmocka_unit_test(test_label_round_trip),
	};

	return cmocka_run_group_tests_name("wire", tests, NULL, NULL);
}
