/* ringside-sensor: sends ringside.v1.SensorBatch messages over UDP (one per
 * datagram) or TCP (length-delimited), from a generated test signal or
 * from CSV readings on stdin. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/cli.h"
#include "sensor_tool.h"

volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	stop_requested = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: " PROG " --to HOST:PORT --channels A,B,... [OPTION]...\n"
	        "Send sensor readings to a ringsided sensor source as ringside.v1.SensorBatch\n"
	        "messages (at most %d bytes each): UDP datagrams, or frames on a TCP stream.\n"
	        "\n"
	        "  --to HOST:PORT        where to send ([::1]:9000 for IPv6)\n"
	        "  --channels A,B,...    channel names, in the order of each reading's values\n"
	        "                        (must match the source's channels in the config)\n"
	        "  --device NAME         sender name in every datagram (default: host name)\n"
	        "  --csv                 read readings from stdin: a header line naming the\n"
	        "                        columns (t_ns first for given capture times, else\n"
	        "                        each reading is stamped with the wall clock when\n"
	        "                        read), then one reading per line\n"
	        "  --rate HZ             test signal readings per second (default 200)\n"
	        "  --test-signal KIND    sine (default): one sine per channel, 0.5 Hz apart;\n"
	        "                        spikes: noise, and 10.0 on the first channel at each\n"
	        "                        whole second of the timeline\n"
	        "  --batch N             readings per datagram, at most (default 10)\n"
	        "  --duration S          stop after S seconds (default: run until stopped)\n"
	        "  --clock-offset-ms X   add X ms to the stamps this tool makes, to simulate\n"
	        "                        a device clock (default 0)\n"
	        "  --drift-ppm Y         and let that clock run Y ppm fast (default 0)\n"
	        "  --transport udp|tcp   udp (default): one batch per datagram; tcp: one\n"
	        "                        connection, each batch preceded by its length as a\n"
	        "                        protobuf varint; remade with backoff when it drops\n"
	        "  --help                show this help\n"
	        "\n"
	        "Exit status: 0 when done or on SIGINT/SIGTERM; 1 on an error; 2 on usage.\n",
	        DGRAM_MAX);
}

int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

int64_t device_time(const struct sensor_conf *conf, int64_t true_ns, int64_t start_ns)
{
	return true_ns + llround(conf->offset_ms * 1e6 +
	                         conf->drift_ppm * 1e-6 * (double)(true_ns - start_ns));
}

char **split_commas(const char *list, size_t *n)
{
	char **v = NULL, **nv;
	const char *p = list, *comma, *b, *e;
	size_t count = 0;

	for (;;) {
		comma = strchr(p, ',');
		e = comma ? comma : p + strlen(p);
		b = p;
		while (b < e && (*b == ' ' || *b == '\t'))
			b++;
		while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			e--;
		nv = realloc(v, (count + 2) * sizeof(*v));
		if (!nv)
			goto fail;
		v = nv;
		v[count] = strndup(b, (size_t)(e - b));
		if (!v[count])
			goto fail;
		v[++count] = NULL;
		if (!comma)
			break;
		p = comma + 1;
	}
	*n = count;
	return v;
fail:
	while (v && count)
		free(v[--count]);
	free(v);
	return NULL;
}

void free_strv(char **v)
{
	size_t i;

	for (i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* Splits conf->to ("HOST:PORT", HOST may be "[v6]") into conf->host and
 * conf->port. Returns 0, or -1 after saying why on stderr. */
static int parse_to(struct sensor_conf *conf)
{
	const char *to = conf->to, *colon = strrchr(to, ':');
	size_t hlen;

	if (!colon || colon == to || !colon[1]) {
		fprintf(stderr, PROG ": --to: \"%s\" is not HOST:PORT\n", conf->to);
		return -1;
	}
	hlen = (size_t)(colon - to);
	if (to[0] == '[' && hlen >= 2 && to[hlen - 1] == ']') {
		to++;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= sizeof(conf->host)) {
		fprintf(stderr, PROG ": --to: \"%s\" has no host or a too long one\n", conf->to);
		return -1;
	}
	memcpy(conf->host, to, hlen);
	conf->host[hlen] = '\0';
	conf->port = colon + 1;
	return 0;
}

/* xorshift64: the noise of the spikes signal; fixed seed so runs repeat. */
static float noise(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return (float)((double)(x >> 11) / 9007199254740992.0 * 0.2 - 0.1);
}

/* Generates the test signal at conf->rate until stopped or --duration.
 * Reading k is due at t0 + k/rate on the wall clock, t0 the whole second
 * before the start, so whole seconds are on the grid for whole-number
 * rates; the wall clock is mapped to CLOCK_MONOTONIC once at the start and
 * each reading waits with an absolute sleep there, so the rate does not
 * drift (a wall clock step during the run is not followed). */
static int run_generator(struct sender *s)
{
	const struct sensor_conf *conf = s->conf;
	int64_t mono0 = clock_ns(CLOCK_MONOTONIC), real0 = clock_ns(CLOCK_REALTIME);
	int64_t t0 = real0 - real0 % NS_PER_S, end_ns = INT64_MAX;
	int64_t k, t, prev, mono;
	uint64_t rng = 0x9e3779b97f4a7c15ULL;
	float *v = calloc(conf->n_channels, sizeof(float));
	struct timespec ts;
	double secs;
	size_t c;
	int rc = -1;

	if (!v) {
		fprintf(stderr, PROG ": out of memory\n");
		goto out;
	}
	if (conf->duration_s > 0)
		end_ns = real0 + llround(conf->duration_s * 1e9);
	k = (int64_t)ceill((long double)(real0 - t0) * conf->rate / 1e9L);
	while (!stop_requested) {
		t = t0 + llroundl((long double)k * 1e9L / conf->rate);
		if (t >= end_ns)
			break;
		mono = t - real0 + mono0;
		ts.tv_sec = mono / NS_PER_S;
		ts.tv_nsec = mono % NS_PER_S;
		if (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			continue; /* a stop signal, or retry the same reading */
		secs = (double)(t - t0) / 1e9;
		if (conf->signal == SIGNAL_SINE) {
			for (c = 0; c < conf->n_channels; c++)
				v[c] = (float)sin(2 * M_PI * 0.5 * (double)(c + 1) * secs);
		} else {
			for (c = 0; c < conf->n_channels; c++)
				v[c] = noise(&rng);
			/* The first reading at or after each whole second. */
			prev = t0 + llroundl((long double)(k - 1) * 1e9L / conf->rate);
			if (t / NS_PER_S != prev / NS_PER_S)
				v[0] = 10.0f;
		}
		sender_add(s, device_time(conf, t, real0), v);
		k++;
	}
	rc = 0;
out:
	sender_flush(s);
	free(v);
	return rc;
}

/* Checks the channel list: names not empty and not repeated. */
static int check_channels(const struct sensor_conf *conf)
{
	size_t i, j;

	for (i = 0; i < conf->n_channels; i++) {
		if (!conf->channels[i][0]) {
			fprintf(stderr, PROG ": --channels: channel %zu has no name\n", i + 1);
			return -1;
		}
		for (j = 0; j < i; j++) {
			if (strcmp(conf->channels[i], conf->channels[j]) == 0) {
				fprintf(stderr, PROG ": --channels: \"%s\" is named twice\n",
				        conf->channels[i]);
				return -1;
			}
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"to", required_argument, NULL, 't'},
	        {"channels", required_argument, NULL, 'c'},
	        {"device", required_argument, NULL, 'd'},
	        {"csv", no_argument, NULL, 'C'},
	        {"rate", required_argument, NULL, 'r'},
	        {"batch", required_argument, NULL, 'b'},
	        {"duration", required_argument, NULL, 'D'},
	        {"test-signal", required_argument, NULL, 's'},
	        {"clock-offset-ms", required_argument, NULL, 'o'},
	        {"drift-ppm", required_argument, NULL, 'p'},
	        {"transport", required_argument, NULL, 'T'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	struct sensor_conf conf = {
	        .rate = 200,
	        .batch = 10,
	        .signal = SIGNAL_SINE,
	};
	struct sender s = {.fd = -1};
	const char *channels = NULL;
	bool rate_given = false, signal_given = false, tcp;
	char hostname[256];
	int opt, status = 2;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 't':
			conf.to = optarg;
			break;
		case 'c':
			channels = optarg;
			break;
		case 'd':
			conf.device = optarg;
			break;
		case 'C':
			conf.csv = true;
			break;
		case 'r':
			if (cli_parse_double(PROG, "--rate", optarg, 0.001, 100000, &conf.rate))
				goto out;
			rate_given = true;
			break;
		case 'b':
			if (cli_parse_i64(PROG, "--batch", optarg, 1, 1000, &conf.batch))
				goto out;
			break;
		case 'D':
			if (cli_parse_double(PROG, "--duration", optarg, 0.001, 1e9,
			                     &conf.duration_s))
				goto out;
			break;
		case 's':
			if (strcmp(optarg, "sine") == 0) {
				conf.signal = SIGNAL_SINE;
			} else if (strcmp(optarg, "spikes") == 0) {
				conf.signal = SIGNAL_SPIKES;
			} else {
				fprintf(stderr,
				        PROG ": --test-signal: \"%s\" is neither sine nor spikes\n",
				        optarg);
				goto out;
			}
			signal_given = true;
			break;
		case 'o':
			if (cli_parse_double(PROG, "--clock-offset-ms", optarg, -1e9, 1e9,
			                     &conf.offset_ms))
				goto out;
			break;
		case 'p':
			if (cli_parse_double(PROG, "--drift-ppm", optarg, -1e6, 1e6,
			                     &conf.drift_ppm))
				goto out;
			break;
		case 'T':
			if (strcmp(optarg, "udp") == 0) {
				conf.transport = TRANSPORT_UDP;
			} else if (strcmp(optarg, "tcp") == 0) {
				conf.transport = TRANSPORT_TCP;
			} else {
				fprintf(stderr,
				        PROG ": --transport: \"%s\" is neither udp nor tcp\n",
				        optarg);
				goto out;
			}
			break;
		case 'h':
			usage(stdout);
			status = 0;
			goto out;
		default:
			fprintf(stderr, "Try '" PROG " --help'.\n");
			goto out;
		}
	}
	if (cli_no_operands(PROG, argc, argv, optind))
		goto out;
	if (!conf.to || !channels) {
		fprintf(stderr, PROG ": --to and --channels are required; try '" PROG " --help'\n");
		goto out;
	}
	if (parse_to(&conf))
		goto out;
	if (conf.csv && (rate_given || signal_given)) {
		fprintf(stderr,
		        PROG ": --rate and --test-signal are for the test signal, not --csv\n");
		goto out;
	}
	conf.channels = split_commas(channels, &conf.n_channels);
	if (!conf.channels) {
		fprintf(stderr, PROG ": out of memory\n");
		status = 1;
		goto out;
	}
	if (check_channels(&conf))
		goto out;
	if (!conf.device) {
		if (gethostname(hostname, sizeof(hostname)) || !hostname[0])
			snprintf(hostname, sizeof(hostname), "%s", PROG);
		hostname[DEVICE_MAX] = '\0';
		conf.device = hostname;
	}
	if (strlen(conf.device) > DEVICE_MAX) {
		fprintf(stderr, PROG ": --device: longer than %d bytes\n", DEVICE_MAX);
		goto out;
	}
	if (readings_per_dgram(&conf) == 0) {
		fprintf(stderr,
		        PROG
		        ": --channels: %zu channels do not fit one %d-byte datagram; use fewer "
		        "or shorter names\n",
		        conf.n_channels, DGRAM_MAX);
		goto out;
	}
	status = 1;
	if (cli_on_stop_signals(on_stop)) {
		fprintf(stderr, PROG ": signal handlers: %s\n", strerror(errno));
		goto out;
	}
	if (sender_init(&s, &conf))
		goto out;
	tcp = conf.transport == TRANSPORT_TCP;
	if (conf.csv)
		fprintf(stderr,
		        PROG ": sending %zu channel%s from stdin to %s%s, up to %zu per %s\n",
		        conf.n_channels, conf.n_channels == 1 ? "" : "s", conf.to,
		        tcp ? " over TCP" : "", s.per_dgram, tcp ? "frame" : "datagram");
	else
		fprintf(stderr, PROG ": sending %zu channel%s of %s at %g Hz to %s%s, %zu per %s\n",
		        conf.n_channels, conf.n_channels == 1 ? "" : "s",
		        conf.signal == SIGNAL_SINE ? "sine" : "spikes", conf.rate, conf.to,
		        tcp ? " over TCP" : "", s.per_dgram, tcp ? "frame" : "datagram");
	status = (conf.csv ? run_csv(&s) : run_generator(&s)) ? 1 : 0;
	if (tcp)
		fprintf(stderr,
		        PROG
		        ": to %s over TCP: frames %llu, readings %llu, send errors %llu, lines "
		        "skipped %llu, connections %llu\n",
		        conf.to, (unsigned long long)s.n_dgrams, (unsigned long long)s.n_readings,
		        (unsigned long long)s.n_send_errors, (unsigned long long)s.n_skipped_lines,
		        (unsigned long long)s.n_connects);
	else
		fprintf(stderr,
		        PROG ": to %s: datagrams %llu, readings %llu, send errors %llu, lines "
		             "skipped %llu\n",
		        conf.to, (unsigned long long)s.n_dgrams, (unsigned long long)s.n_readings,
		        (unsigned long long)s.n_send_errors, (unsigned long long)s.n_skipped_lines);
out:
	sender_free(&s);
	free_strv(conf.channels);
	return status;
}
