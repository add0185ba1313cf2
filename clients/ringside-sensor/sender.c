/* ringside-sensor's sending: readings packed into SensorBatch messages of
 * at most DGRAM_MAX bytes, sent as datagrams on a connected UDP socket, or
 * as frames on a TCP connection: each message preceded by its length as a
 * protobuf varint (protobuf's "delimited" format). The TCP socket is
 * non-blocking throughout, so a slow or absent daemon never holds the
 * readings back: frames queue up to TCP_QUEUE_MAX, then batches are
 * dropped; a lost connection is remade with doubling delays. */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sensor_tool.h"

/* Opens a UDP socket connected to HOST:PORT. Connected, so ICMP
 * port-unreachable comes back as a send error the user can see. Returns
 * the socket, or -1 after saying why on stderr. */
static int udp_connect(const char *host, const char *port)
{
	struct addrinfo hints, *res = NULL, *ai;
	int fd = -1, gai, err = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	gai = getaddrinfo(host, port, &hints, &res);
	if (gai) {
		fprintf(stderr, PROG ": --to %s:%s: %s\n", host, port, gai_strerror(gai));
		goto out;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		err = errno;
		close(fd);
		fd = -1;
	}
	if (fd < 0)
		fprintf(stderr, PROG ": --to %s:%s: %s\n", host, port, strerror(err));
out:
	if (res)
		freeaddrinfo(res);
	return fd;
}

/* ---------------------------------------------------------------- TCP */

/* Says "PROG: WHAT: strerror(ERR)" unless ERR was the last error said. */
static void say_error(struct sender *s, const char *what, int err)
{
	if (err != s->last_errno)
		fprintf(stderr, PROG ": %s %s: %s%s; counting further errors\n", what, s->conf->to,
		        strerror(err), err == ECONNREFUSED ? " (is ringsided listening?)" : "");
	s->last_errno = err;
}

/* Drops the connection (and any frame half sent: a new connection starts
 * on a frame boundary) and sets when to try again. */
static void tcp_drop(struct sender *s)
{
	int64_t now = clock_ns(CLOCK_MONOTONIC);

	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->connecting = false;
	s->queued = 0;
	s->retry_at_ns = now + s->backoff_ns;
	s->backoff_ns =
	        s->backoff_ns * 2 > TCP_BACKOFF_MAX_NS ? TCP_BACKOFF_MAX_NS : s->backoff_ns * 2;
}

/* Starts a non-blocking connect to the next resolved address when the
 * backoff allows. */
static void tcp_start(struct sender *s)
{
	struct addrinfo *ai;
	int one = 1;

	if (s->fd >= 0 || clock_ns(CLOCK_MONOTONIC) < s->retry_at_ns)
		return;
	ai = s->next_addr ? s->next_addr : s->addrs;
	s->next_addr = ai->ai_next;
	s->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		say_error(s, "socket for", errno);
		tcp_drop(s);
		return;
	}
	/* a batch is due now: no waiting for more to coalesce */
	setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/* done at once or in progress: tcp_ready finishes it either way */
	if (connect(s->fd, ai->ai_addr, ai->ai_addrlen) == 0 || errno == EINPROGRESS) {
		s->connecting = true;
		return;
	}
	say_error(s, "connect to", errno);
	tcp_drop(s);
}

/* Whether the connection can take a frame now: finishes a connect in
 * progress, notices a peer that closed (the daemon never sends, so any
 * readable byte or EOF means it went away). Never blocks. */
static bool tcp_ready(struct sender *s)
{
	struct pollfd pfd;
	int err = 0;
	socklen_t len = sizeof(err);
	char c;

	tcp_start(s);
	if (s->fd < 0)
		return false;
	pfd = (struct pollfd){.fd = s->fd, .events = POLLIN | (s->connecting ? POLLOUT : 0)};
	if (poll(&pfd, 1, 0) < 0)
		return false;
	if (s->connecting) {
		if (!(pfd.revents & (POLLOUT | POLLERR | POLLHUP)))
			return false;
		if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) || err) {
			say_error(s, "connect to", err ? err : errno);
			tcp_drop(s);
			return false;
		}
		s->connecting = false;
		s->n_connects++;
		s->backoff_ns = TCP_BACKOFF_MIN_NS;
		s->last_errno = 0;
		fprintf(stderr, PROG ": connected to %s over TCP\n", s->conf->to);
		return true;
	}
	if (pfd.revents & (POLLIN | POLLERR | POLLHUP)) {
		ssize_t n = recv(s->fd, &c, 1, MSG_DONTWAIT);

		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			say_error(s, "connection to", n == 0 ? ECONNRESET : errno);
			tcp_drop(s);
			return false;
		}
	}
	return true;
}

/* Writes what the queue holds and the socket takes now. */
static void tcp_pump(struct sender *s)
{
	while (s->fd >= 0 && s->queued) {
		ssize_t n = send(s->fd, s->queue, s->queued, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n < 0) {
			say_error(s, "send to", errno);
			tcp_drop(s);
			return;
		}
		memmove(s->queue, s->queue + n, s->queued - (size_t)n);
		s->queued -= (size_t)n;
	}
}

/* Queues LEN packed bytes in s->buf as one frame and writes what the
 * socket takes. Returns false when the batch was dropped (no connection,
 * or the queue is full). */
static bool tcp_send_frame(struct sender *s, size_t len)
{
	uint8_t *p;
	size_t v = len;

	if (!tcp_ready(s))
		return false;
	tcp_pump(s);
	if (s->fd < 0)
		return false;
	if (s->queued + 10 + len > TCP_QUEUE_MAX) {
		say_error(s, "daemon not reading from", ENOBUFS);
		return false;
	}
	p = s->queue + s->queued;
	do {
		*p = (uint8_t)(v & 0x7f);
		v >>= 7;
		if (v)
			*p |= 0x80;
		p++;
	} while (v);
	memcpy(p, s->buf, len);
	s->queued = (size_t)(p + len - s->queue);
	tcp_pump(s);
	return true;
}

/* Gives the queued frames up to a second to leave, then closes. */
static void tcp_close(struct sender *s)
{
	int64_t until = clock_ns(CLOCK_MONOTONIC) + NS_PER_S;
	struct pollfd pfd;

	while (s->fd >= 0 && !s->connecting && s->queued && clock_ns(CLOCK_MONOTONIC) < until) {
		pfd = (struct pollfd){.fd = s->fd, .events = POLLOUT};
		if (poll(&pfd, 1, 100) < 0 && errno != EINTR)
			break;
		tcp_pump(s);
	}
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

/* ---------------------------------------------------------------- batches */

static size_t varint_len(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

size_t readings_per_dgram(const struct sensor_conf *conf)
{
	Ringside__V1__SensorBatch b = RINGSIDE__V1__SENSOR_BATCH__INIT;
	Ringside__V1__SensorSample s = RINGSIDE__V1__SENSOR_SAMPLE__INIT;
	float *zeros = calloc(conf->n_channels, sizeof(float));
	size_t head, one, n = 0;

	if (!zeros)
		goto out;
	b.device = (char *)conf->device;
	b.seq = UINT64_MAX;
	b.n_channels = conf->n_channels;
	b.channels = conf->channels;
	s.t_ns = -1;
	s.n_values = conf->n_channels;
	s.values = zeros;
	head = ringside__v1__sensor_batch__get_packed_size(&b);
	one = ringside__v1__sensor_sample__get_packed_size(&s);
	one += 1 + varint_len(one); /* field tag and length */
	if (head < DGRAM_MAX)
		n = (DGRAM_MAX - head) / one;
out:
	free(zeros);
	return n;
}

/* Resolves --to once and starts the first connection attempt. Returns 0,
 * or -1 after saying why. */
static int tcp_init(struct sender *s)
{
	struct addrinfo hints;
	int gai;

	s->queue = malloc(TCP_QUEUE_MAX);
	if (!s->queue) {
		fprintf(stderr, PROG ": out of memory\n");
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	gai = getaddrinfo(s->conf->host, s->conf->port, &hints, &s->addrs);
	if (gai) {
		fprintf(stderr, PROG ": --to %s:%s: %s\n", s->conf->host, s->conf->port,
		        gai_strerror(gai));
		s->addrs = NULL;
		return -1;
	}
	s->backoff_ns = TCP_BACKOFF_MIN_NS;
	tcp_start(s);
	return 0;
}

int sender_init(struct sender *s, const struct sensor_conf *conf)
{
	Ringside__V1__SensorBatch init = RINGSIDE__V1__SENSOR_BATCH__INIT;
	size_t i;

	memset(s, 0, sizeof(*s));
	s->conf = conf;
	s->fd = -1;
	s->per_dgram = readings_per_dgram(conf);
	if (s->per_dgram == 0) {
		fprintf(stderr, PROG ": out of memory\n");
		return -1;
	}
	if ((size_t)conf->batch < s->per_dgram)
		s->per_dgram = (size_t)conf->batch;
	s->samples = calloc(s->per_dgram, sizeof(*s->samples));
	s->ptrs = calloc(s->per_dgram, sizeof(*s->ptrs));
	s->values = calloc(s->per_dgram * conf->n_channels, sizeof(float));
	if (!s->samples || !s->ptrs || !s->values) {
		fprintf(stderr, PROG ": out of memory\n");
		return -1;
	}
	for (i = 0; i < s->per_dgram; i++) {
		ringside__v1__sensor_sample__init(&s->samples[i]);
		s->samples[i].n_values = conf->n_channels;
		s->samples[i].values = s->values + i * conf->n_channels;
		s->ptrs[i] = &s->samples[i];
	}
	s->batch = init;
	s->batch.device = (char *)conf->device;
	s->batch.seq = 1;
	s->batch.n_channels = conf->n_channels;
	s->batch.channels = conf->channels;
	s->batch.samples = s->ptrs;
	if (conf->transport == TRANSPORT_UDP) {
		s->fd = udp_connect(conf->host, conf->port);
		return s->fd < 0 ? -1 : 0;
	}
	return tcp_init(s);
}

void sender_free(struct sender *s)
{
	if (s->conf && s->conf->transport == TRANSPORT_TCP)
		tcp_close(s);
	if (s->fd >= 0)
		close(s->fd);
	if (s->addrs)
		freeaddrinfo(s->addrs);
	free(s->queue);
	free(s->samples);
	free(s->ptrs);
	free(s->values);
}

/* A failed send is counted, not fatal (the daemon may not be up yet); each
 * new kind of failure is said once on stderr. seq advances either way, so
 * the receiver sees the loss. */
void sender_flush(struct sender *s)
{
	size_t len;
	ssize_t sent;

	if (s->batch.n_samples == 0)
		return;
	len = ringside__v1__sensor_batch__get_packed_size(&s->batch);
	if (len > sizeof(s->buf)) {
		/* readings_per_dgram took the worst case; this cannot happen. */
		fprintf(stderr, PROG ": datagram of %zu bytes over the limit; dropped\n", len);
		s->n_send_errors++;
		goto out;
	}
	ringside__v1__sensor_batch__pack(&s->batch, s->buf);
	if (s->conf->transport == TRANSPORT_TCP) {
		if (!tcp_send_frame(s, len)) {
			s->n_send_errors++;
			goto out;
		}
		s->n_dgrams++;
		s->n_readings += s->batch.n_samples;
		goto out;
	}
	sent = send(s->fd, s->buf, len, 0);
	if (sent < 0) {
		s->n_send_errors++;
		if (errno != s->last_errno)
			fprintf(stderr, PROG ": send to %s: %s%s; counting further errors\n",
			        s->conf->to, strerror(errno),
			        errno == ECONNREFUSED ? " (is ringsided listening?)" : "");
		s->last_errno = errno;
		goto out;
	}
	s->n_dgrams++;
	s->n_readings += s->batch.n_samples;
out:
	s->batch.seq++;
	s->batch.n_samples = 0;
}

void sender_add(struct sender *s, int64_t t_ns, const float *values)
{
	Ringside__V1__SensorSample *sample = &s->samples[s->batch.n_samples];

	sample->t_ns = t_ns;
	memcpy(sample->values, values, s->conf->n_channels * sizeof(float));
	s->batch.n_samples++;
	if (s->batch.n_samples == s->per_dgram)
		sender_flush(s);
}
