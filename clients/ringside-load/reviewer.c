/* One scripted reviewer per websocket: says hello, answers each task with
 * a label after the think time, keeps every label until its ack (resending
 * it after publish_failed and after a reconnect) and reconnects with
 * backoff when the connection goes away. */
#include <stdlib.h>
#include <string.h>

#include "load.h"
#include "ringside.pb-c.h"
#include "task_view.h"

/* Reconnect delays: 100 ms doubling to 5 s, each drawn from 50-150 %. */
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
/* A label refused with publish_failed is sent again after this. */
#define RETRY_MS 250
/* Largest server message reassembled (the daemon's default send cap). */
#define RX_MAX_BYTES ((size_t)64 << 20)

/* One of these per label made and not yet acknowledged or refused. */
struct label {
	struct label *next;
	char id[64];
	char *window_id;  /* "WINDOW\0CLASS\0": the class follows the id */
	uint64_t sent_us; /* last write of its Submit, monotonic; 0: never */
	unsigned sends;
	bool queued; /* a Submit for it waits in the out queue */
	bool retry;  /* refused with publish_failed: send again shortly */
};

/* One packed ClientMessage waiting for the socket to be writable. */
struct outmsg {
	struct outmsg *next;
	struct label *label; /* a Submit's label, stamped when written; or NULL */
	size_t len;
	unsigned char buf[]; /* LWS_PRE bytes of headroom, then len bytes */
};

enum rv_state {
	RV_IDLE,       /* not started, or done */
	RV_CONNECTING, /* TCP and the websocket handshake */
	RV_OPEN,       /* hello sent, no welcome yet */
	RV_SIGNED_IN,
	RV_WAITING, /* backoff before the next attempt */
	RV_REFUSED, /* the token was refused: never again */
};

/* One of these per connection the run keeps open. */
struct reviewer {
	struct load *ld;
	unsigned idx;
	const char *token;
	struct lws *wsi;
	enum rv_state state;
	bool ever_connected;
	bool ever_signed_in;
	bool refused; /* an unauthorized error came on this connection */
	unsigned backoff_ms;
	struct outmsg *out_head, *out_tail;
	unsigned char *rx; /* a message being reassembled */
	size_t rx_len, rx_cap;
	bool rx_overflow;
	char *task_window; /* the task being thought about, or NULL */
	char *task_class;
	struct label *pending; /* newest first */
	uint32_t seq;
	lws_sorted_usec_list_t sul_think;   /* think time over: label the task */
	lws_sorted_usec_list_t sul_retry;   /* resend labels refused with publish_failed */
	lws_sorted_usec_list_t sul_connect; /* backoff over: connect again */
};

static void rv_connect(struct reviewer *r);

/* Queues a packed message of LEN bytes (copied from DATA) for LABEL (may
 * be NULL) and asks for a writable callback. Returns 0 or -1 (no memory). */
static int rv_queue(struct reviewer *r, const unsigned char *data, size_t len, struct label *label)
{
	struct outmsg *m = malloc(sizeof(*m) + LWS_PRE + len);

	if (!m)
		return -1;
	m->next = NULL;
	m->label = label;
	m->len = len;
	memcpy(m->buf + LWS_PRE, data, len);
	if (r->out_tail)
		r->out_tail->next = m;
	else
		r->out_head = m;
	r->out_tail = m;
	if (label)
		label->queued = true;
	if (r->wsi)
		lws_callback_on_writable(r->wsi);
	return 0;
}

/* Packs MSG and queues it (see rv_queue). */
static int rv_send(struct reviewer *r, const Ringside__V1__ClientMessage *msg, struct label *label)
{
	unsigned char small[512], *buf = small;
	size_t len = ringside__v1__client_message__get_packed_size(msg);
	int rc = -1;

	if (len > sizeof(small)) {
		buf = malloc(len);
		if (!buf)
			goto out;
	}
	ringside__v1__client_message__pack(msg, buf);
	rc = rv_queue(r, buf, len, label);
out:
	if (buf != small)
		free(buf);
	return rc;
}

static void rv_flush_out(struct reviewer *r)
{
	struct outmsg *m;

	while ((m = r->out_head)) {
		r->out_head = m->next;
		if (m->label)
			m->label->queued = false;
		free(m);
	}
	r->out_tail = NULL;
}

/* Queues a Submit of L. */
static void rv_submit(struct reviewer *r, struct label *l)
{
	Ringside__V1__ClientMessage m = RINGSIDE__V1__CLIENT_MESSAGE__INIT;
	Ringside__V1__Submit s = RINGSIDE__V1__SUBMIT__INIT;
	Ringside__V1__Label lab = RINGSIDE__V1__LABEL__INIT;
	char *classes[1];

	if (l->queued)
		return;
	lab.label_id = l->id;
	lab.window_id = l->window_id;
	/* The class follows the window id in the same allocation. */
	classes[0] = l->window_id + strlen(l->window_id) + 1;
	if (classes[0][0]) {
		lab.n_classes = 1;
		lab.classes = classes;
	}
	s.label = &lab;
	m.msg_case = RINGSIDE__V1__CLIENT_MESSAGE__MSG_SUBMIT;
	m.submit = &s;
	if (rv_send(r, &m, l))
		fprintf(stderr, LOAD_PROG ": out of memory queueing a label\n");
}

static void rv_label_free(struct label *l)
{
	free(l->window_id);
	free(l);
}

/* Takes L out of the pending list (and the out queue) and frees it. */
static void rv_label_remove(struct reviewer *r, struct label *l)
{
	struct label **pl;
	struct outmsg **pm, *m;

	for (pl = &r->pending; *pl; pl = &(*pl)->next) {
		if (*pl == l) {
			*pl = l->next;
			break;
		}
	}
	for (pm = &r->out_head; *pm;) {
		m = *pm;
		if (m->label != l) {
			pm = &m->next;
			continue;
		}
		*pm = m->next;
		free(m);
	}
	r->out_tail = NULL;
	for (m = r->out_head; m; m = m->next)
		r->out_tail = m;
	r->ld->n_pending--;
	rv_label_free(l);
}

static struct label *rv_label_find(struct reviewer *r, const char *id)
{
	for (struct label *l = r->pending; l; l = l->next) {
		if (!strcmp(l->id, id))
			return l;
	}
	return NULL;
}

static void rv_task_drop(struct reviewer *r)
{
	lws_sul_cancel(&r->sul_think);
	free(r->task_window);
	free(r->task_class);
	r->task_window = NULL;
	r->task_class = NULL;
}

/* Answers the task being thought about: a label with a fresh id and the
 * class, kept until acknowledged. The window id and the class are stored
 * back to back in one allocation ("window\0class\0"). */
static void rv_answer(struct reviewer *r)
{
	struct load *ld = r->ld;
	const char *cls =
	        ld->conf.class_name ? ld->conf.class_name : (r->task_class ? r->task_class : "");
	size_t wlen, clen;
	struct label *l;

	if (!r->task_window)
		return;
	l = calloc(1, sizeof(*l));
	wlen = strlen(r->task_window);
	clen = strlen(cls);
	if (l)
		l->window_id = malloc(wlen + clen + 2);
	if (!l || !l->window_id) {
		free(l);
		fprintf(stderr, LOAD_PROG ": out of memory making a label\n");
		rv_task_drop(r);
		return;
	}
	memcpy(l->window_id, r->task_window, wlen + 1);
	memcpy(l->window_id + wlen + 1, cls, clen + 1);
	snprintf(l->id, sizeof(l->id), "load-%016llx-%u-%u", (unsigned long long)ld->run_id, r->idx,
	         ++r->seq);
	l->next = r->pending;
	r->pending = l;
	ld->n_pending++;
	rv_task_drop(r);
	rv_submit(r, l);
}

static void rv_on_think(lws_sorted_usec_list_t *sul)
{
	struct reviewer *r = lws_container_of(sul, struct reviewer, sul_think);

	if (r->state == RV_SIGNED_IN && r->ld->phase == LOAD_RUN)
		rv_answer(r);
	else
		rv_task_drop(r);
}

static void rv_on_retry(lws_sorted_usec_list_t *sul)
{
	struct reviewer *r = lws_container_of(sul, struct reviewer, sul_retry);

	if (r->state != RV_SIGNED_IN)
		return; /* the welcome of the next connection resends everything */
	for (struct label *l = r->pending; l; l = l->next) {
		if (l->retry) {
			l->retry = false;
			rv_submit(r, l);
		}
	}
}

static void rv_on_connect(lws_sorted_usec_list_t *sul)
{
	struct reviewer *r = lws_container_of(sul, struct reviewer, sul_connect);

	rv_connect(r);
}

/* The connection is gone (or never came up): drop what belonged to it and
 * try again after the backoff, unless the token was refused or the run
 * has nothing left to send. */
static void rv_lost(struct reviewer *r)
{
	struct load *ld = r->ld;
	unsigned delay;

	if (r->state == RV_SIGNED_IN)
		ld->n_signed_in--;
	r->wsi = NULL;
	rv_flush_out(r);
	rv_task_drop(r);
	lws_sul_cancel(&r->sul_retry);
	r->rx_len = 0;
	r->rx_overflow = false;
	if (r->refused) {
		r->state = RV_REFUSED;
		return;
	}
	if (ld->phase == LOAD_DONE || (ld->phase == LOAD_DRAIN && !r->pending)) {
		r->state = RV_IDLE;
		return;
	}
	r->state = RV_WAITING;
	delay = r->backoff_ms / 2 + (unsigned)(rand() % (int)(r->backoff_ms + 1));
	r->backoff_ms = r->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : r->backoff_ms * 2;
	lws_sul_schedule(ld->ctx, 0, &r->sul_connect, rv_on_connect,
	                 (lws_usec_t)delay * LWS_US_PER_MS);
}

static void rv_connect(struct reviewer *r)
{
	struct load *ld = r->ld;
	struct lws_client_connect_info i;
	struct lws *wsi;

	memset(&i, 0, sizeof(i));
	i.context = ld->ctx;
	i.address = ld->conf.address;
	i.port = ld->conf.port;
	i.path = ld->conf.path;
	i.host = ld->conf.address;
	i.protocol = "ringside.v1";
	i.local_protocol_name = "ringside.v1";
	i.userdata = r;
	i.opaque_user_data = r;
	i.pwsi = &r->wsi;
	if (ld->conf.tls) {
		i.ssl_connection = LCCSCF_USE_SSL;
		if (ld->conf.insecure)
			i.ssl_connection |= LCCSCF_ALLOW_SELFSIGNED |
			                    LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK |
			                    LCCSCF_ALLOW_EXPIRED | LCCSCF_ALLOW_INSECURE;
	}
	r->state = RV_CONNECTING;
	wsi = lws_client_connect_via_info(&i);
	/* A failure may or may not have gone through CONNECTION_ERROR. */
	if (!wsi && r->state == RV_CONNECTING) {
		ld->st.connect_failures++;
		rv_lost(r);
	}
}

static void rv_on_welcome(struct reviewer *r)
{
	struct load *ld = r->ld;

	if (r->state != RV_OPEN)
		return;
	r->state = RV_SIGNED_IN;
	r->backoff_ms = BACKOFF_MIN_MS;
	ld->n_signed_in++;
	if (!r->ever_signed_in) {
		r->ever_signed_in = true;
		if (++ld->n_ever_signed_in == (size_t)ld->conf.reviewers) {
			ld->all_up_us = load_now_us();
			ld->acked_all_up = ld->st.labels_acked;
		}
	}
	/* Whatever was not acknowledged on the last connection goes again;
	 * the daemon answers a stored one with the same ack. */
	for (struct label *l = r->pending; l; l = l->next) {
		l->retry = false;
		rv_submit(r, l);
	}
}

/* Latency of a task: arrival on the wall clock after the window's end and
 * after the daemon's offer (deadline_ns - time_box_ms: the offer instant,
 * as the daemon sets the deadline from it). */
static void rv_on_task(struct reviewer *r, const struct task_view *t)
{
	struct load *ld = r->ld;
	int64_t now = load_wall_ns(), d, think_us;

	ld->st.tasks++;
	if (t->has_window && ld->measuring) {
		if (t->attempt <= 1) {
			d = now - t->window_end_ns;
			if (d < 0)
				ld->st.clock_behind++;
			hist_add(&ld->st.end_task, d > 0 ? (uint64_t)d / 1000 : 0);
		}
		d = now - (t->deadline_ns - (int64_t)t->time_box_ms * 1000000);
		if (d < 0)
			ld->st.clock_behind++;
		hist_add(&ld->st.offer_task, d > 0 ? (uint64_t)d / 1000 : 0);
	}
	if (ld->conf.idle || ld->phase != LOAD_RUN || !t->has_window || !t->window_id)
		return;
	if (r->task_window) {
		ld->st.tasks_while_busy++;
		rv_task_drop(r);
	}
	r->task_window = strndup(t->window_id, t->window_id_len);
	if (t->class0)
		r->task_class = strndup(t->class0, t->class0_len);
	if (!r->task_window) {
		rv_task_drop(r);
		return;
	}
	think_us = ld->conf.think_ms * 1000;
	if (ld->conf.jitter_ms > 0)
		think_us +=
		        (int64_t)((double)rand() / RAND_MAX * 2000.0 * (double)ld->conf.jitter_ms) -
		        ld->conf.jitter_ms * 1000;
	if (think_us <= 0)
		rv_answer(r);
	else
		lws_sul_schedule(ld->ctx, 0, &r->sul_think, rv_on_think, (lws_usec_t)think_us);
}

static void rv_on_ack(struct reviewer *r, const Ringside__V1__Ack *a)
{
	struct load *ld = r->ld;
	struct label *l = a->label_id ? rv_label_find(r, a->label_id) : NULL;

	if (!l) {
		ld->st.acks_unknown++;
		return;
	}
	if (l->sent_us && ld->measuring)
		hist_add(&ld->st.submit_ack, load_now_us() - l->sent_us);
	ld->st.labels_acked++;
	if (ld->acked)
		fprintf(ld->acked, "%s\n", l->id);
	rv_label_remove(r, l);
}

static void rv_on_error(struct reviewer *r, const Ringside__V1__Error *e)
{
	struct load *ld = r->ld;
	const char *code = e->code ? e->code : "";
	struct label *l = e->label_id && e->label_id[0] ? rv_label_find(r, e->label_id) : NULL;

	load_count_error(ld, code);
	if (!strcmp(code, "unauthorized")) {
		if (!r->refused) {
			r->refused = true;
			ld->st.unauthorized++;
			fprintf(stderr, LOAD_PROG ": connection %u: token refused (%s)\n", r->idx,
			        e->message ? e->message : "");
		}
		return;
	}
	if (!l)
		return;
	if (!strcmp(code, "publish_failed")) {
		/* Kept; the same label goes again shortly. */
		l->retry = true;
		lws_sul_schedule(ld->ctx, 0, &r->sul_retry, rv_on_retry,
		                 (lws_usec_t)RETRY_MS * LWS_US_PER_MS);
		return;
	}
	/* not_assigned (the window went elsewhere, e.g. the daemon restarted)
	 * or invalid_label: this label will never be stored. */
	ld->st.labels_dropped++;
	rv_label_remove(r, l);
}

static void rv_on_revoke(struct reviewer *r, const Ringside__V1__Revoke *v)
{
	r->ld->st.revokes++;
	if (r->task_window && v->window_id && !strcmp(r->task_window, v->window_id))
		rv_task_drop(r);
}

/* One whole server message. */
static void rv_handle(struct reviewer *r, const unsigned char *data, size_t len)
{
	Ringside__V1__ServerMessage *m;
	struct task_view t;

	if (task_view_is_task(data, len)) {
		if (task_view_parse(data, len, &t))
			rv_on_task(r, &t);
		else
			load_count_error(r->ld, "(undecodable server message)");
		return;
	}
	m = ringside__v1__server_message__unpack(NULL, len, data);

	if (!m) {
		load_count_error(r->ld, "(undecodable server message)");
		return;
	}
	switch (m->msg_case) {
	case RINGSIDE__V1__SERVER_MESSAGE__MSG_WELCOME:
		rv_on_welcome(r);
		break;
	case RINGSIDE__V1__SERVER_MESSAGE__MSG_TASK: /* not led by its own tag */
		if (task_view_parse(data, len, &t))
			rv_on_task(r, &t);
		break;
	case RINGSIDE__V1__SERVER_MESSAGE__MSG_ACK:
		rv_on_ack(r, m->ack);
		break;
	case RINGSIDE__V1__SERVER_MESSAGE__MSG_REVOKE:
		rv_on_revoke(r, m->revoke);
		break;
	case RINGSIDE__V1__SERVER_MESSAGE__MSG_ERROR:
		rv_on_error(r, m->error);
		break;
	default:
		load_count_error(r->ld, "(unknown server message)");
		break;
	}
	ringside__v1__server_message__free_unpacked(m, NULL);
}

/* Appends a fragment; a message past RX_MAX_BYTES is dropped whole. */
static void rv_rx_append(struct reviewer *r, const void *in, size_t len)
{
	size_t cap;
	unsigned char *p;

	if (r->rx_overflow)
		return;
	if (r->rx_len + len > RX_MAX_BYTES) {
		r->rx_overflow = true;
		return;
	}
	if (r->rx_len + len > r->rx_cap) {
		cap = r->rx_cap ? r->rx_cap : 4096;
		while (cap < r->rx_len + len)
			cap *= 2;
		p = realloc(r->rx, cap);
		if (!p) {
			r->rx_overflow = true;
			return;
		}
		r->rx = p;
		r->rx_cap = cap;
	}
	memcpy(r->rx + r->rx_len, in, len);
	r->rx_len += len;
}

/* Writes the head of the out queue: one lws_write per callback. Returns -1
 * to have lws close the connection. */
static int rv_writeable(struct reviewer *r)
{
	struct outmsg *m = r->out_head;
	struct load *ld = r->ld;

	if (!m)
		return 0;
	if (lws_write(r->wsi, m->buf + LWS_PRE, m->len, LWS_WRITE_BINARY) < (int)m->len)
		return -1;
	r->out_head = m->next;
	if (!r->out_head)
		r->out_tail = NULL;
	if (m->label) {
		struct label *l = m->label;

		l->queued = false;
		l->sent_us = load_now_us();
		if (l->sends++)
			ld->st.labels_resent++;
		else
			ld->st.labels_sent++;
	}
	free(m);
	if (r->out_head)
		lws_callback_on_writable(r->wsi);
	return 0;
}

static int rv_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                       size_t len)
{
	struct reviewer *r = user ? user : lws_get_opaque_user_data(wsi);
	Ringside__V1__ClientMessage m = RINGSIDE__V1__CLIENT_MESSAGE__INIT;
	Ringside__V1__Hello h = RINGSIDE__V1__HELLO__INIT;

	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		if (!r)
			break;
		r->ld->st.connect_failures++;
		rv_lost(r);
		break;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		r->wsi = wsi;
		r->state = RV_OPEN;
		r->ld->st.connects++;
		if (r->ever_connected)
			r->ld->st.reconnects++;
		r->ever_connected = true;
		h.token = (char *)r->token;
		h.client = LOAD_PROG "/1";
		m.msg_case = RINGSIDE__V1__CLIENT_MESSAGE__MSG_HELLO;
		m.hello = &h;
		if (rv_send(r, &m, NULL))
			return -1;
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		rv_rx_append(r, in, len);
		if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
			break;
		if (r->rx_overflow)
			load_count_error(r->ld, "(server message too large)");
		else if (lws_frame_is_binary(wsi))
			rv_handle(r, r->rx, r->rx_len);
		else
			load_count_error(r->ld, "(text frame)");
		r->rx_len = 0;
		r->rx_overflow = false;
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		return rv_writeable(r);
	case LWS_CALLBACK_CLIENT_CLOSED:
		if (!r || r->wsi != wsi)
			break;
		if (r->ld->phase != LOAD_DONE)
			r->ld->st.disconnects++;
		rv_lost(r);
		break;
	default:
		break;
	}
	return 0;
}

const struct lws_protocols reviewer_protocols[] = {
        {
                .name = "ringside.v1",
                .callback = rv_callback,
                .per_session_data_size = 0, /* each connection's userdata is its reviewer */
                .rx_buffer_size = 0,
        },
        {NULL, NULL, 0, 0, 0, NULL, 0},
};

struct reviewer *reviewer_new(struct load *ld, unsigned idx, const char *token)
{
	struct reviewer *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->ld = ld;
	r->idx = idx;
	r->token = token;
	r->backoff_ms = BACKOFF_MIN_MS;
	return r;
}

void reviewer_free(struct reviewer *r)
{
	struct label *l;

	if (!r)
		return;
	lws_sul_cancel(&r->sul_think);
	lws_sul_cancel(&r->sul_retry);
	lws_sul_cancel(&r->sul_connect);
	rv_flush_out(r);
	rv_task_drop(r);
	while ((l = r->pending)) {
		r->pending = l->next;
		rv_label_free(l);
	}
	free(r->rx);
	free(r);
}

void reviewer_start(struct reviewer *r)
{
	rv_connect(r);
}

void reviewer_drain(struct reviewer *r)
{
	rv_task_drop(r);
}

void reviewer_stop(struct reviewer *r)
{
	lws_sul_cancel(&r->sul_think);
	lws_sul_cancel(&r->sul_retry);
	lws_sul_cancel(&r->sul_connect);
}

bool reviewer_signed_in(const struct reviewer *r)
{
	return r->state == RV_SIGNED_IN;
}

size_t reviewer_print_unacked(const struct reviewer *r, FILE *f, size_t max)
{
	static const char *const states[] = {"idle",      "connecting", "open",
	                                     "signed in", "waiting",    "refused"};
	uint64_t now = load_now_us();
	size_t n = 0;

	for (const struct label *l = r->pending; l && n < max; l = l->next, n++)
		fprintf(f,
		        LOAD_PROG ": unacked %s for %s: sent %u times, last %.1f s ago; "
		                  "connection %u %s\n",
		        l->id, l->window_id, l->sends,
		        l->sent_us ? (double)(now - l->sent_us) / 1e6 : -1.0, r->idx,
		        states[r->state]);
	return n;
}
