/* ringside-sensor's parts: the command line, the batch sender (UDP or TCP)
 * and the CSV reader, and the clocks they share. */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ringside.pb-c.h"

struct addrinfo;

#define PROG "ringside-sensor"
/* Largest datagram sent: stays under a 1500-byte Ethernet MTU with room for
 * IP/UDP headers and tunnels, so a batch is never fragmented. */
#define DGRAM_MAX 1400
#define DEVICE_MAX 64
#define NS_PER_S 1000000000LL

/* Bytes of frames a TCP connection may hold unsent; past it batches are
 * dropped (and counted) rather than blocking the readings. */
#define TCP_QUEUE_MAX (64 * 1024)
/* TCP reconnect delays: doubling from the first to the last. */
#define TCP_BACKOFF_MIN_NS (100 * 1000000LL)
#define TCP_BACKOFF_MAX_NS (5 * NS_PER_S)

enum test_signal { SIGNAL_SINE, SIGNAL_SPIKES };
enum transport { TRANSPORT_UDP, TRANSPORT_TCP };

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
	enum transport transport;
};

/* The batch being filled and the socket it goes out on. One per run. */
struct sender {
	const struct sensor_conf *conf;
	int fd;           /* -1: TCP not connected */
	size_t per_dgram; /* readings per datagram, at most */
	Ringside__V1__SensorBatch batch;
	Ringside__V1__SensorSample *samples; /* per_dgram slots */
	Ringside__V1__SensorSample **ptrs;
	float *values; /* per_dgram x n_channels */
	uint8_t buf[DGRAM_MAX];
	uint64_t n_dgrams, n_readings, n_send_errors, n_skipped_lines;
	int last_errno; /* last send error said on stderr */

	/* TCP: the connection, the frames it has not taken yet, and when to
	 * try again after a failure */
	struct addrinfo *addrs; /* --to resolved once */
	struct addrinfo *next_addr;
	bool connecting; /* connect() in progress on fd */
	uint8_t *queue;  /* TCP_QUEUE_MAX */
	size_t queued;
	int64_t retry_at_ns; /* CLOCK_MONOTONIC */
	int64_t backoff_ns;
	uint64_t n_connects;
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
/* Sets up S to send to CONF's host and port: a connected UDP socket, or a
 * TCP connection being made (it is retried with backoff, never awaited).
 * Returns 0, or -1 after saying why on stderr (the host does not resolve,
 * no socket). sender_free is needed either way. */
int sender_init(struct sender *s, const struct sensor_conf *conf);
/* TCP: waits up to a second for the queued frames to leave, then closes. */
void sender_free(struct sender *s);
/* Adds one reading (T_NS, one value per channel); sends the datagram when
 * it is full. */
void sender_add(struct sender *s, int64_t t_ns, const float *values);
/* Sends the readings collected so far, if any, as one datagram (UDP) or
 * one length-delimited frame (TCP). Never blocks: over TCP a batch that
 * finds no connection, or a full queue, is dropped and counted as a send
 * error (its seq is skipped, so the daemon counts it lost). */
void sender_flush(struct sender *s);

/* Sends the CSV readings on stdin until EOF, a stop signal or --duration.
 * Returns 0, or -1 after saying why (no header, a channel missing from it,
 * a read error). Malformed lines are said and skipped, not fatal. */
int run_csv(struct sender *s);
