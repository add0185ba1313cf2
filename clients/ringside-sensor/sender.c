/* ringside-sensor's datagrams: readings packed into SensorBatch messages
 * of at most DGRAM_MAX bytes and sent on a connected UDP socket. */
#include <errno.h>
#include <netdb.h>
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
	s->fd = udp_connect(conf->host, conf->port);
	return s->fd < 0 ? -1 : 0;
}

void sender_free(struct sender *s)
{
	if (s->fd >= 0)
		close(s->fd);
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
