/* ringside-sensor's parts: the command line, the datagram sender and the
 * CSV reader, and the clocks they share. */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ringside.pb-c.h"

#define PROG "ringside-sensor"
/* Largest datagram sent: stays under a 1500-byte Ethernet MTU with room for
 * IP/UDP headers and tunnels, so a batch is never fragmented. */
#define DGRAM_MAX 1400
#define DEVICE_MAX 64
#define NS_PER_S 1000000000LL

enum test_signal { SIGNAL_SINE, SIGNAL_SPIKES };

/* What the command line asked for. */
struct sensor_conf {
	const char *to; /* HOST:PORT as given */
	char host[256]; /* parts of it */
	const char *port;
	char **channels;
	size_t n_channels;
	const char *device;
	bool csv;
	double rate; /* Hz, generator only */
	int64_t batch;
	double duration_s; /* 0 = until stopped */
	enum test_signal signal;
	double offset_ms; /* simulated device clock: offset ... */
	double drift_ppm; /* ... and rate error, on stamps this tool makes */
};

/* The datagram being filled and the socket it goes out on. One per run. */
struct sender {
	const struct sensor_conf *conf;
	int fd;
	size_t per_dgram; /* readings per datagram, at most */
	Ringside__V1__SensorBatch batch;
	Ringside__V1__SensorSample *samples; /* per_dgram slots */
	Ringside__V1__SensorSample **ptrs;
	float *values; /* per_dgram x n_channels */
	uint8_t buf[DGRAM_MAX];
	uint64_t n_dgrams, n_readings, n_send_errors, n_skipped_lines;
	int last_errno; /* last send error said on stderr */
};

/* Set by SIGINT/SIGTERM: every loop checks it and stops. */
extern volatile sig_atomic_t stop_requested;

/* CLOCK_REALTIME or CLOCK_MONOTONIC now, in ns. */
int64_t clock_ns(clockid_t id);
/* The stamp a device with CONF's clock error would put on TRUE_NS, drift
 * counted from START_NS. */
int64_t device_time(const struct sensor_conf *conf, int64_t true_ns, int64_t start_ns);
/* Splits the comma-separated LIST into a new NULL-terminated vector of
 * trimmed fields (caller frees with free_strv); *N gets the count. Returns
 * NULL when out of memory. */
char **split_commas(const char *list, size_t *n);
void free_strv(char **v);

/* Readings that always fit one datagram with CONF's device and channels,
 * from the worst case (10-byte seq and times). 0 when not even one fits. */
size_t readings_per_dgram(const struct sensor_conf *conf);
/* Sets up S to send to CONF's host and port. Returns 0, or -1 after saying
 * why on stderr. sender_free is needed either way. */
int sender_init(struct sender *s, const struct sensor_conf *conf);
void sender_free(struct sender *s);
/* Adds one reading (T_NS, one value per channel); sends the datagram when
 * it is full. */
void sender_add(struct sender *s, int64_t t_ns, const float *values);
/* Sends the readings collected so far, if any, as one datagram. */
void sender_flush(struct sender *s);

/* Sends the CSV readings on stdin until EOF, a stop signal or --duration.
 * Returns 0, or -1 after saying why (no header, a channel missing from it,
 * a read error). Malformed lines are said and skipped, not fatal. */
int run_csv(struct sender *s);
