/* Wire encoding: windows, tasks and other server messages as ringside.v1
 * protobuf, with headroom for lws_write in front. */
#include "feedback/wire.h"

#include <libwebsockets.h>
#include <string.h>

G_STATIC_ASSERT(WIRE_PRE >= LWS_PRE);

/* Field tags of the two messages the task path writes by hand:
 * ServerMessage.task = 2 and Task.window = 1, both length-delimited. */
#define TAG_SERVER_TASK ((2 << 3) | 2)
#define TAG_TASK_WINDOW ((1 << 3) | 2)
#define TAG_TASK_TEMPLATE ((2 << 3) | 2)
/* Window.preannotations = 8, length-delimited, appended already packed. */
#define TAG_WINDOW_PREANNOTATION ((8 << 3) | 2)

static gsize varint_put(guint8 *out, guint64 v)
{
	gsize n = 0;

	do {
		guint8 b = v & 0x7f;
		v >>= 7;
		out[n++] = b | (v ? 0x80 : 0);
	} while (v);
	return n;
}

static gsize varint_len(guint64 v)
{
	gsize n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

/* Points SD's gaps at new Span messages for WS's gaps (allocations go to
 * GARBAGE) and sets its coverage. O(gaps). */
static void pack_gaps(Ringside__V1__SourceData *sd, const struct rs_window_source *ws,
                      GPtrArray *garbage)
{
	guint n = ws->gaps ? ws->gaps->len : 0;
	Ringside__V1__Span *sp;
	Ringside__V1__Span **spp;

	sd->coverage = (float)ws->coverage;
	if (!n)
		return;
	sp = g_new(Ringside__V1__Span, n);
	spp = g_new(Ringside__V1__Span *, n);
	g_ptr_array_add(garbage, sp);
	g_ptr_array_add(garbage, spp);
	for (guint k = 0; k < n; k++) {
		const struct rs_gap *g = &g_array_index(ws->gaps, struct rs_gap, k);

		ringside__v1__span__init(&sp[k]);
		sp[k].start_ns = g->start_ns;
		sp[k].end_ns = g->end_ns;
		spp[k] = &sp[k];
	}
	sd->n_gaps = n;
	sd->gaps = spp;
}

/* Bytes a length-delimited field (a one-byte tag) holding BYTES takes. */
static gsize bytes_field_len(GBytes *bytes)
{
	gsize len = g_bytes_get_size(bytes);

	return 1 + varint_len(len) + len;
}

/* Writes field TAG (length-delimited) holding BYTES at P; returns the
 * end. */
static guint8 *put_bytes_field(guint8 *p, guint8 tag, GBytes *bytes)
{
	gsize len;
	const guint8 *data = g_bytes_get_data(bytes, &len);

	*p++ = tag;
	p += varint_put(p, len);
	if (len) /* an empty GBytes may have no data pointer */
		memcpy(p, data, len);
	return p + len;
}

/* Bytes the pre-annotations of W take as Window field 8. O(pre-annotations). */
static gsize preannotations_len(const rs_window *w)
{
	gsize len = 0;

	for (guint i = 0; w->preannotations && i < w->preannotations->len; i++)
		len += bytes_field_len(w->preannotations->pdata[i]);
	return len;
}

/* Writes W's pre-annotations, already packed, as repeated field 8 at OUT:
 * appending a repeated field's elements after the rest of the message is
 * the same message as packing them in place. Returns the bytes written. */
static gsize preannotations_put(const rs_window *w, guint8 *out)
{
	guint8 *p = out;

	for (guint i = 0; w->preannotations && i < w->preannotations->len; i++)
		p = put_bytes_field(p, TAG_WINDOW_PREANNOTATION, w->preannotations->pdata[i]);
	return p - out;
}

/* Packs W with its samples (borrowed, not copied), gaps, coverage and
 * pre-annotations (copied as they are). */
/* Every array below is filled whole (each message by its _init), so
 * g_new, not g_new0: glibc's calloc bypasses its per-thread cache, and a
 * window is packed for every one cut. */
GBytes *wire_pack_window(const rs_window *w)
{
	Ringside__V1__Window win = RINGSIDE__V1__WINDOW__INIT;
	Ringside__V1__SourceData *sd = g_new(Ringside__V1__SourceData, w->n_sources);
	Ringside__V1__SourceData **sdp = g_new(Ringside__V1__SourceData *, w->n_sources);
	GPtrArray *garbage = g_ptr_array_new_with_free_func(g_free);
	guint8 *buf;
	gsize len, pre_len;

	win.id = w->id;
	win.group = w->group->name;
	win.start_ns = w->start_ns;
	win.end_ns = w->end_ns;
	win.reason = (Ringside__V1__WindowReason)w->reason;
	win.complete = w->complete;
	win.n_sources = w->n_sources;
	win.sources = sdp;
	for (guint i = 0; i < w->n_sources; i++) {
		const struct rs_window_source *ws = &w->sources[i];
		const struct rs_source_conf *c = ws->conf;
		guint n = ws->samples->len;

		ringside__v1__source_data__init(&sd[i]);
		sdp[i] = &sd[i];
		sd[i].source = c->name;
		sd[i].kind = (Ringside__V1__Kind)c->kind;
		sd[i].complete = ws->complete;
		pack_gaps(&sd[i], ws, garbage);
		if (c->kind == RS_KIND_VIDEO) {
			Ringside__V1__VideoFrame *f = g_new(Ringside__V1__VideoFrame, n);
			Ringside__V1__VideoFrame **fp = g_new(Ringside__V1__VideoFrame *, n);

			g_ptr_array_add(garbage, f);
			g_ptr_array_add(garbage, fp);
			sd[i].width = c->width;
			sd[i].height = c->height;
			sd[i].fps = c->fps;
			for (guint k = 0; k < n; k++) {
				const rs_sample *s = ws->samples->pdata[k];
				ringside__v1__video_frame__init(&f[k]);
				f[k].t_ns = s->t_ns;
				f[k].jpeg.data =
				        (guint8 *)g_bytes_get_data(s->data, &f[k].jpeg.len);
				fp[k] = &f[k];
			}
			sd[i].n_frames = n;
			sd[i].frames = fp;
		} else if (c->kind == RS_KIND_AUDIO) {
			Ringside__V1__AudioChunk *a = g_new(Ringside__V1__AudioChunk, n);
			Ringside__V1__AudioChunk **ap = g_new(Ringside__V1__AudioChunk *, n);

			g_ptr_array_add(garbage, a);
			g_ptr_array_add(garbage, ap);
			sd[i].sample_rate = c->sample_rate;
			for (guint k = 0; k < n; k++) {
				const rs_sample *s = ws->samples->pdata[k];
				ringside__v1__audio_chunk__init(&a[k]);
				a[k].t_ns = s->t_ns;
				a[k].pcm.data = (guint8 *)g_bytes_get_data(s->data, &a[k].pcm.len);
				ap[k] = &a[k];
			}
			sd[i].n_chunks = n;
			sd[i].chunks = ap;
		} else {
			Ringside__V1__SensorSample *ss = g_new(Ringside__V1__SensorSample, n);
			Ringside__V1__SensorSample **ssp = g_new(Ringside__V1__SensorSample *, n);

			g_ptr_array_add(garbage, ss);
			g_ptr_array_add(garbage, ssp);
			sd[i].n_channels = c->n_channels;
			sd[i].channels = c->channels;
			for (guint k = 0; k < n; k++) {
				const rs_sample *s = ws->samples->pdata[k];
				gsize bytes;
				ringside__v1__sensor_sample__init(&ss[k]);
				ss[k].t_ns = s->t_ns;
				ss[k].values = (float *)g_bytes_get_data(s->data, &bytes);
				ss[k].n_values = bytes / sizeof(float);
				ssp[k] = &ss[k];
			}
			sd[i].n_samples = n;
			sd[i].samples = ssp;
		}
	}
	len = ringside__v1__window__get_packed_size(&win);
	pre_len = preannotations_len(w);
	buf = g_malloc(len + pre_len ? len + pre_len : 1);
	ringside__v1__window__pack(&win, buf);
	len += preannotations_put(w, buf + len);
	g_ptr_array_unref(garbage);
	g_free(sdp);
	g_free(sd);
	return g_bytes_new_take(buf, len);
}

GBytes *wire_pack_template(const struct rs_group_conf *g)
{
	Ringside__V1__LabelTemplate tmpl = RINGSIDE__V1__LABEL_TEMPLATE__INIT;
	Ringside__V1__LabelKind kinds[RS_LABEL_KINDS_MAX];
	gsize len;
	guint8 *buf;

	for (guint i = 0; i < g->n_kinds; i++)
		kinds[i] = (Ringside__V1__LabelKind)g->kind_order[i];
	tmpl.n_classes = g->n_classes;
	tmpl.classes = g->classes;
	tmpl.multi_label = g->multi_label;
	tmpl.n_kinds = g->n_kinds;
	tmpl.kinds = kinds;
	tmpl.n_event_classes = g->n_event_classes;
	tmpl.event_classes = g->event_classes;
	tmpl.n_box_classes = g->n_box_classes;
	tmpl.box_classes = g->box_classes;
	tmpl.n_segment_classes = g->n_segment_classes;
	tmpl.segment_classes = g->segment_classes;
	tmpl.caption_min_chars = g->caption_min_chars;
	tmpl.text_max_chars = g->text_max_chars;
	tmpl.n_emotions = g->n_emotions;
	tmpl.emotions = g->emotions;
	tmpl.n_sound_tags = g->n_sound_tags;
	tmpl.sound_tags = g->sound_tags;
	tmpl.extend_ms = (uint32_t)(g->extend_ns / 1000000);
	tmpl.max_extensions = g->extend_ns ? g->max_extensions : 0;
	len = ringside__v1__label_template__get_packed_size(&tmpl);
	buf = g_malloc(len ? len : 1);
	ringside__v1__label_template__pack(&tmpl, buf);
	return g_bytes_new_take(buf, len);
}

GBytes *wire_pack_task(GBytes *packed_window, GBytes *packed_template, gint64 deadline_ns,
                       guint time_box_ms, guint attempt, gboolean held)
{
	Ringside__V1__Task task = RINGSIDE__V1__TASK__INIT;
	gsize rest_len, task_len, total;
	guint8 *buf, *p;

	task.deadline_ns = deadline_ns;
	task.time_box_ms = time_box_ms;
	task.attempt = attempt;
	task.held = held;
	/* The Task's small fields, with its window and template spliced in
	 * front: protobuf allows fields in any order, so this is the same
	 * message as packing it whole, without re-encoding every frame or
	 * every class name. */
	rest_len = ringside__v1__task__get_packed_size(&task);
	task_len = bytes_field_len(packed_window) + bytes_field_len(packed_template) + rest_len;
	total = WIRE_PRE + 1 + varint_len(task_len) + task_len;
	buf = g_malloc(total);
	p = buf + WIRE_PRE;
	*p++ = TAG_SERVER_TASK;
	p += varint_put(p, task_len);
	p = put_bytes_field(p, TAG_TASK_WINDOW, packed_window);
	p = put_bytes_field(p, TAG_TASK_TEMPLATE, packed_template);
	p += ringside__v1__task__pack(&task, p);
	g_assert((gsize)(p - buf) == total);
	return g_bytes_new_take(buf, total);
}

GBytes *wire_pack_server(const Ringside__V1__ServerMessage *msg)
{
	gsize len = ringside__v1__server_message__get_packed_size(msg);
	guint8 *buf = g_malloc(WIRE_PRE + len);

	ringside__v1__server_message__pack(msg, buf + WIRE_PRE);
	return g_bytes_new_take(buf, WIRE_PRE + len);
}

GBytes *wire_pack_deadline(const char *window_id, gint64 deadline_ns, guint time_box_ms,
                           guint extensions_left)
{
	Ringside__V1__ServerMessage m = RINGSIDE__V1__SERVER_MESSAGE__INIT;
	Ringside__V1__Deadline d = RINGSIDE__V1__DEADLINE__INIT;

	d.window_id = (char *)window_id;
	d.deadline_ns = deadline_ns;
	d.time_box_ms = time_box_ms;
	d.extensions_left = extensions_left;
	m.msg_case = RINGSIDE__V1__SERVER_MESSAGE__MSG_DEADLINE;
	m.deadline = &d;
	return wire_pack_server(&m);
}

GBytes *wire_pack_error(const char *code, const char *message, const char *label_id,
                        const char *window_id)
{
	Ringside__V1__ServerMessage m = RINGSIDE__V1__SERVER_MESSAGE__INIT;
	Ringside__V1__Error e = RINGSIDE__V1__ERROR__INIT;

	e.code = (char *)code;
	e.message = (char *)message;
	e.label_id = (char *)(label_id ? label_id : "");
	e.window_id = (char *)(window_id ? window_id : "");
	m.msg_case = RINGSIDE__V1__SERVER_MESSAGE__MSG_ERROR;
	m.error = &e;
	return wire_pack_server(&m);
}
