/* ringside-load: scripted reviewers over real websockets. What the command
 * line (main.c) and the reviewer connections (reviewer.c) share: the run's
 * settings, its phase and its counters. Everything runs on one lws event
 * loop in one thread. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <libwebsockets.h>

#include "hist.h"

#define LOAD_PROG "ringside-load"
/* Distinct error codes counted by name; further ones count as "other". */
#define LOAD_ERROR_CODES 16

/* What the command line asked for. */
struct load_conf {
	const char *address; /* host of the URL */
	int port;
	char *path;      /* "/..." */
	bool tls;        /* wss:// */
	bool insecure;   /* accept any server certificate */
	char **tokens;   /* one per line of --tokens, or built from --token-prefix */
	size_t n_tokens; /* connection i uses tokens[i % n_tokens] */
	int64_t reviewers;
	bool idle;              /* hello, then never answer */
	int64_t think_ms;       /* from a task's arrival to its label */
	int64_t jitter_ms;      /* think_ms +- up to this, uniformly */
	double duration_s;      /* 0: until SIGINT/SIGTERM */
	double drain_s;         /* after the run, longest wait for unacked labels */
	double warmup_s;        /* figures start this long after every connection signed in */
	const char *class_name; /* NULL: the first class of each task's template */
	int64_t connect_rate;   /* new connections per second while ramping up */
	double progress_s;      /* a progress line on stderr this often; 0: none */
	bool report_json;
	const char *acked_log;
};

/* Where a run is. */
enum load_phase {
	LOAD_RUN,   /* connecting and answering */
	LOAD_DRAIN, /* no new labels; waiting for the unacked ones */
	LOAD_DONE,
};

/* Counters of one run. */
struct load_stats {
	uint64_t connects;         /* websocket handshakes completed */
	uint64_t reconnects;       /* of those, after a connection was lost */
	uint64_t connect_failures; /* attempts that never reached the handshake */
	uint64_t disconnects;      /* established connections that closed */
	uint64_t unauthorized;     /* connections refused for their token */
	uint64_t tasks;            /* tasks received */
	uint64_t tasks_while_busy; /* a task arrived while one was being answered */
	uint64_t revokes;
	uint64_t labels_sent;   /* first sends */
	uint64_t labels_resent; /* sends of a label already sent once */
	uint64_t labels_acked;
	uint64_t labels_dropped; /* refused for good (not_assigned, invalid_label) */
	uint64_t acks_unknown;   /* an ack for no label waiting for one */
	struct hist submit_ack;  /* write of a Submit -> its Ack */
	struct hist end_task;    /* window end_ns -> task on the socket, first offers */
	struct hist offer_task;  /* the daemon's offer -> task on the socket */
	uint64_t clock_behind;   /* arrival before end_ns or offer (clocks apart): counted as 0 */
	struct {
		char code[32];
		uint64_t n;
	} errors[LOAD_ERROR_CODES];
	size_t n_error_codes;
	uint64_t errors_other;
};

struct reviewer;

/* One of these per run. */
struct load {
	struct load_conf conf;
	struct lws_context *ctx;
	struct reviewer **rv; /* conf.reviewers of them */
	size_t n_started;     /* connections started so far (ramp) */
	enum load_phase phase;
	struct load_stats st;
	FILE *acked; /* --acked-log, or NULL */
	uint64_t run_id;
	size_t n_signed_in;                       /* connections signed in now */
	size_t n_ever_signed_in;                  /* connections signed in at least once */
	uint64_t n_pending;                       /* labels made and not yet acked or dropped */
	uint64_t start_us, all_up_us, run_end_us; /* monotonic; 0 = not yet */
	uint64_t acked_all_up, acked_run_end;     /* labels_acked at those times */
	bool measuring;                           /* latencies are recorded (after the warm-up) */
	uint64_t measure_from_us;                 /* when a warm-up ended; 0 without one */
	uint64_t acked_measure0;                  /* labels_acked then */
	lws_sorted_usec_list_t sul_tick;          /* the run's own 100 ms timer */
};

/* Monotonic and wall clocks in microseconds / nanoseconds. */
uint64_t load_now_us(void);
int64_t load_wall_ns(void);
/* Counts one Error message by its code. */
void load_count_error(struct load *ld, const char *code);

/* The websocket protocol the context is created with. */
extern const struct lws_protocols reviewer_protocols[];

/* A reviewer that will use TOKEN (borrowed) as connection number IDX.
 * Returns NULL when out of memory. */
struct reviewer *reviewer_new(struct load *ld, unsigned idx, const char *token);
/* After lws_context_destroy (see reviewer_stop). */
void reviewer_free(struct reviewer *r);
/* Opens the connection; from then on it reconnects by itself. */
void reviewer_start(struct reviewer *r);
/* The run is over: the task being thought about is dropped; labels already
 * made are still sent until acknowledged. */
void reviewer_drain(struct reviewer *r);
/* Cancels the reviewer's timers: call before the context is destroyed
 * (with the phase LOAD_DONE, so closing connects nothing again). */
void reviewer_stop(struct reviewer *r);
/* Says on F which labels of R are still unacknowledged, at most MAX.
 * Returns how many it said. */
size_t reviewer_print_unacked(const struct reviewer *r, FILE *f, size_t max);
/* True while the connection is open (for the final count). */
bool reviewer_signed_in(const struct reviewer *r);
