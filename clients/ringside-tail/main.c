/* ringside-tail: reads the label stream through a Redis consumer group and
 * prints each record as one JSON line, acknowledging it once printed. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "common/cli.h"
#include "common/json.h"
#include "common/record_json.h"

#define PROG "ringside-tail"
/* Entries asked for per XREADGROUP. */
#define READ_COUNT 100
/* Longest wait for a reply beyond the BLOCK time before the connection is
 * taken for dead. */
#define REPLY_GRACE_MS 5000
#define CONNECT_TIMEOUT_MS 5000
#define RETRY_MAX_S 5

/* What the command line asked for. */
struct tail_conf {
	const char *host;
	int port;
	const char *stream;
	const char *group;
	const char *consumer;
	bool from_start;  /* create the group at the start of the stream */
	int64_t count;    /* stop after this many entries; 0 = never */
	int64_t block_ms; /* BLOCK of each XREADGROUP */
};

/* The one consumer this process is. */
struct tail {
	struct tail_conf conf;
	redisContext *c;
	struct jbuf out;
	uint64_t n_entries; /* printed and acknowledged (or about to be) */
	uint64_t n_errors;  /* of which unusable: printed as {"error":..} */
	char last_err[128]; /* last connection error said on stderr */
};

/* How one step against Redis went. */
enum step {
	STEP_OK,
	STEP_DONE,    /* --count reached: exit 0 */
	STEP_LOST,    /* connection gone or server not ready: reconnect */
	STEP_REGROUP, /* the group vanished: create it and read pending again */
	STEP_FATAL,   /* said on stderr: exit 1 */
};

static volatile sig_atomic_t stop_requested;
/* The socket while the main thread waits in a blocking XREADGROUP, else -1:
 * only then may the signal handler cut it. */
static volatile sig_atomic_t redis_fd = -1;

/* SIGINT/SIGTERM: asks the loop to stop and wakes a blocked read by shutting
 * the socket down (async-signal-safe). Entries being printed finish and are
 * acknowledged first; one delivered but not yet printed stays pending in
 * the group and is read again at the next start. */
static void on_stop(int sig)
{
	stop_requested = 1;
	if (redis_fd >= 0)
		shutdown(redis_fd, SHUT_RDWR);
}

/* Publishes FD to the signal handler with the stop signals blocked, so the
 * handler never shuts down a descriptor number that was already reused. */
static void set_redis_fd(int fd)
{
	sigset_t set, old;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, &old);
	redis_fd = fd;
	sigprocmask(SIG_SETMASK, &old, NULL);
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: " PROG " [OPTION]...\n"
	           "Print ringside label stream entries as JSON lines, one per entry, and\n"
	           "acknowledge each once printed (at-least-once, via a consumer group).\n"
	           "\n"
	           "  --host H          Redis host (default 127.0.0.1)\n"
	           "  --port P          Redis port (default 6379)\n"
	           "  --stream KEY      stream to read (default ringside:labels)\n"
	           "  --group G         consumer group, created if missing (default tail)\n"
	           "  --consumer NAME   consumer name; keep it stable across restarts so\n"
	           "                    entries delivered before a crash are read again\n"
	           "                    (default: the host name)\n"
	           "  --from-start      when creating the group, start at the stream's first\n"
	           "                    entry instead of new entries only\n"
	           "  --count N         exit after N entries\n"
	           "  --block-ms MS     longest wait of one read (default 5000)\n"
	           "  --help            show this help\n"
	           "\n"
	           "Entries whose pb field does not decode are printed as\n"
	           "{\"stream_id\":..,\"error\":..} and acknowledged too. Exit status: 0 on\n"
	           "--count, SIGINT or SIGTERM; 1 on a Redis or output error; 2 on usage.\n");
}

/* Says on stderr that the connection failed with WHY, unless it already
 * said so for the last attempt (a long outage gives one line, not one per
 * retry). */
static void tail_say_lost(struct tail *t, const char *why, int retry_s)
{
	if (stop_requested || strcmp(t->last_err, why) == 0)
		return;
	snprintf(t->last_err, sizeof(t->last_err), "%s", why);
	fprintf(stderr, PROG ": redis %s:%d: %s; retrying every %d s at most\n", t->conf.host,
	        t->conf.port, why, retry_s);
}

static void tail_disconnect(struct tail *t)
{
	if (!t->c)
		return;
	redisFree(t->c);
	t->c = NULL;
}

/* Connects to Redis. Returns 0, or -1 after saying why on stderr. */
static int tail_connect(struct tail *t)
{
	struct timeval ctv = {CONNECT_TIMEOUT_MS / 1000, 0};
	int64_t reply_ms = t->conf.block_ms + REPLY_GRACE_MS;
	struct timeval rtv = {(time_t)(reply_ms / 1000), (suseconds_t)(reply_ms % 1000) * 1000};
	redisContext *c;
	int rc = -1;

	c = redisConnectWithTimeout(t->conf.host, t->conf.port, ctv);
	if (!c) {
		tail_say_lost(t, "out of memory", RETRY_MAX_S);
		goto out;
	}
	if (c->err) {
		tail_say_lost(t, c->errstr, RETRY_MAX_S);
		goto out;
	}
	if (redisSetTimeout(c, rtv) != REDIS_OK || redisEnableKeepAlive(c) != REDIS_OK) {
		tail_say_lost(t, c->errstr, RETRY_MAX_S);
		goto out;
	}
	if (t->last_err[0]) {
		fprintf(stderr, PROG ": redis %s:%d: connected\n", t->conf.host, t->conf.port);
		t->last_err[0] = '\0';
	}
	t->c = c;
	c = NULL;
	rc = 0;
out:
	if (c)
		redisFree(c);
	return rc;
}

/* True when the Redis error reply R starts with the error code CODE. */
static bool reply_code_is(const redisReply *r, const char *code)
{
	size_t n = strlen(code);

	return r->type == REDIS_REPLY_ERROR && r->len >= n && memcmp(r->str, code, n) == 0 &&
	       (r->len == n || r->str[n] == ' ');
}

/* Classifies the error reply R to COMMAND: codes that pass by themselves
 * (loading, busy script, failover) mean reconnect and retry, NOGROUP means
 * set up again, anything else is fatal. Says so on stderr. */
static enum step tail_reply_error(struct tail *t, const char *command, const redisReply *r)
{
	if (reply_code_is(r, "NOGROUP")) {
		fprintf(stderr, PROG ": group %s of %s is gone; creating it again\n", t->conf.group,
		        t->conf.stream);
		return STEP_REGROUP;
	}
	if (reply_code_is(r, "LOADING") || reply_code_is(r, "BUSY") ||
	    reply_code_is(r, "TRYAGAIN") || reply_code_is(r, "MASTERDOWN")) {
		tail_say_lost(t, r->str, RETRY_MAX_S);
		return STEP_LOST;
	}
	fprintf(stderr, PROG ": %s %s: %s\n", command, t->conf.stream, r->str);
	return STEP_FATAL;
}

/* Runs one command (ARGC NUL-terminated words). Returns the reply, owned by
 * the caller, or NULL when the connection failed (said on stderr unless a
 * stop was requested). */
static redisReply *tail_command(struct tail *t, int argc, const char **argv)
{
	redisReply *r = redisCommandArgv(t->c, argc, argv, NULL);

	if (!r && !stop_requested)
		tail_say_lost(t, t->c->errstr[0] ? t->c->errstr : "connection lost", RETRY_MAX_S);
	return r;
}

/* Finds the string values of fields `type` and `pb` in the flat field/value
 * array FIELDS of one entry. Absent fields stay NULL. */
static void entry_fields(const redisReply *fields, const redisReply **type, const redisReply **pb)
{
	size_t i;
	const redisReply *k, *v;

	*type = NULL;
	*pb = NULL;
	for (i = 0; i + 1 < fields->elements; i += 2) {
		k = fields->element[i];
		v = fields->element[i + 1];
		if (k->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING)
			continue;
		if (k->len == 4 && memcmp(k->str, "type", 4) == 0)
			*type = v;
		else if (k->len == 2 && memcmp(k->str, "pb", 2) == 0)
			*pb = v;
	}
}

/* Prints the entry ENTRY ([id, fields]) as one JSON line and flushes it.
 * Returns 0, or -1 when stdout failed (said on stderr). */
static int tail_print_entry(struct tail *t, const redisReply *entry)
{
	const char *id = entry->element[0]->str;
	const redisReply *fields = entry->element[1], *type = NULL, *pb = NULL;
	enum record_json_kind kind;

	if (fields->type == REDIS_REPLY_ARRAY) {
		entry_fields(fields, &type, &pb);
		kind = record_json_entry(&t->out, id, type ? type->str : NULL, type ? type->len : 0,
		                         pb ? pb->str : NULL, pb ? pb->len : 0);
	} else {
		/* A pending entry trimmed or deleted since it was delivered. */
		record_json_error(&t->out, id, "entry is no longer in the stream");
		kind = RECORD_JSON_ERROR;
	}
	if (kind == RECORD_JSON_ERROR)
		t->n_errors++;
	if (fwrite(t->out.buf, 1, t->out.len, stdout) != t->out.len || putchar('\n') == EOF ||
	    fflush(stdout) == EOF) {
		fprintf(stderr, PROG ": stdout: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/* True when R is an entry as XREADGROUP gives it: [id, [f, v, ...] or nil]. */
static bool entry_shape_ok(const redisReply *r)
{
	return r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
	       r->element[0]->type == REDIS_REPLY_STRING &&
	       (r->element[1]->type == REDIS_REPLY_ARRAY || r->element[1]->type == REDIS_REPLY_NIL);
}

/* Prints and acknowledges the entries of XREADGROUP reply R. LAST (LAST_LEN
 * bytes) receives the id of the last entry, N_READ the number of entries.
 * Acknowledgements are pipelined: each XACK is queued right after its line
 * is flushed and all replies are collected before returning. O(entries). */
static enum step tail_handle_reply(struct tail *t, const redisReply *r, char *last, size_t last_len,
                                   size_t *n_read)
{
	const redisReply *entries, *e;
	redisReply *ack;
	size_t i, n_acks = 0;
	enum step st = STEP_OK;

	*n_read = 0;
	if (r->type == REDIS_REPLY_NIL)
		return STEP_OK; /* BLOCK timed out */
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 1 ||
	    r->element[0]->type != REDIS_REPLY_ARRAY || r->element[0]->elements != 2 ||
	    r->element[0]->element[1]->type != REDIS_REPLY_ARRAY) {
		fprintf(stderr, PROG ": XREADGROUP %s: reply of unexpected shape\n",
		        t->conf.stream);
		return STEP_FATAL;
	}
	entries = r->element[0]->element[1];
	for (i = 0; i < entries->elements; i++) {
		e = entries->element[i];
		if (!entry_shape_ok(e)) {
			fprintf(stderr, PROG ": XREADGROUP %s: entry of unexpected shape\n",
			        t->conf.stream);
			st = STEP_FATAL;
			break;
		}
		if (tail_print_entry(t, e)) {
			st = STEP_FATAL;
			break;
		}
		snprintf(last, last_len, "%s", e->element[0]->str);
		(*n_read)++;
		t->n_entries++;
		if (redisAppendCommand(t->c, "XACK %s %s %s", t->conf.stream, t->conf.group,
		                       e->element[0]->str) != REDIS_OK) {
			tail_say_lost(t, t->c->errstr, RETRY_MAX_S);
			st = STEP_LOST;
			break;
		}
		n_acks++;
		if (t->conf.count && t->n_entries >= (uint64_t)t->conf.count) {
			st = STEP_DONE;
			break;
		}
	}
	/* Collect every queued XACK reply, whatever happened above: an entry
	 * not acknowledged is read again from the pending list later. */
	for (i = 0; i < n_acks; i++) {
		ack = NULL;
		if (redisGetReply(t->c, (void **)&ack) != REDIS_OK) {
			if (!stop_requested)
				tail_say_lost(t, t->c->errstr, RETRY_MAX_S);
			if (st == STEP_OK)
				st = STEP_LOST;
			break;
		}
		if (ack->type == REDIS_REPLY_ERROR)
			fprintf(stderr, PROG ": XACK %s: %s\n", t->conf.stream, ack->str);
		freeReplyObject(ack);
	}
	return st;
}

/* COUNT for the next read: READ_COUNT, or fewer when --count is near. */
static void tail_read_count(const struct tail *t, char *buf, size_t len)
{
	int64_t n = READ_COUNT;

	if (t->conf.count && t->conf.count - (int64_t)t->n_entries < n)
		n = t->conf.count - (int64_t)t->n_entries;
	snprintf(buf, len, "%lld", (long long)n);
}

/* Creates the group (BUSYGROUP: it exists, fine), then prints this
 * consumer's pending entries: delivered before but never acknowledged,
 * e.g. when the previous run died between reading and XACK. */
static enum step tail_setup(struct tail *t)
{
	const char *create[] = {
	        "XGROUP",  "CREATE", t->conf.stream, t->conf.group, t->conf.from_start ? "0" : "$",
	        "MKSTREAM"};
	char last[64] = "0", count[24];
	const char *read[] = {"XREADGROUP",     "GROUP",        t->conf.group,
	                      t->conf.consumer, "COUNT",        count,
	                      "STREAMS",        t->conf.stream, last};
	redisReply *r;
	enum step st = STEP_OK;
	size_t n_read;

	r = tail_command(t, 6, create);
	if (!r)
		return STEP_LOST;
	if (r->type == REDIS_REPLY_ERROR && !reply_code_is(r, "BUSYGROUP"))
		st = tail_reply_error(t, "XGROUP CREATE", r);
	freeReplyObject(r);
	while (st == STEP_OK && !stop_requested) {
		tail_read_count(t, count, sizeof(count));
		r = tail_command(t, 9, read);
		if (!r)
			return STEP_LOST;
		if (r->type == REDIS_REPLY_ERROR)
			st = tail_reply_error(t, "XREADGROUP", r);
		else
			st = tail_handle_reply(t, r, last, sizeof(last), &n_read);
		freeReplyObject(r);
		if (st == STEP_OK && n_read == 0)
			break; /* no more pending entries */
	}
	return st;
}

/* One blocking read of new entries, printed and acknowledged. */
static enum step tail_read_new(struct tail *t)
{
	char last[64], count[24], block[24];
	const char *read[] = {
	        "XREADGROUP", "GROUP", t->conf.group, t->conf.consumer, "COUNT", count,
	        "BLOCK",      block,   "STREAMS",     t->conf.stream,   ">"};
	redisReply *r;
	enum step st;
	size_t n_read;

	tail_read_count(t, count, sizeof(count));
	snprintf(block, sizeof(block), "%lld", (long long)t->conf.block_ms);
	set_redis_fd(t->c->fd);
	if (stop_requested) {
		/* The signal came before the handler could see the socket. */
		set_redis_fd(-1);
		return STEP_OK;
	}
	r = tail_command(t, 11, read);
	set_redis_fd(-1);
	if (!r)
		return STEP_LOST;
	if (r->type == REDIS_REPLY_ERROR)
		st = tail_reply_error(t, "XREADGROUP", r);
	else
		st = tail_handle_reply(t, r, last, sizeof(last), &n_read);
	freeReplyObject(r);
	return st;
}

/* True when nobody reads stdout any more (the far end of a pipe or socket
 * closed): noticed between reads, not only at the next line printed. */
static bool stdout_gone(void)
{
	struct pollfd p = {.fd = STDOUT_FILENO, .events = POLLOUT};

	return poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP));
}

/* Sleeps S seconds unless a stop signal comes first. */
static void sleep_interruptible(int s)
{
	struct timespec ts = {s, 0};

	while (!stop_requested && nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* The consumer loop: connect, set up, read until stopped. Reconnects with
 * backoff (1 s doubling to RETRY_MAX_S) when Redis goes away. Returns the
 * exit status. */
static int tail_run(struct tail *t)
{
	enum step st = STEP_REGROUP;
	int backoff = 1;
	int status = 0;

	while (!stop_requested) {
		if (!t->c) {
			if (tail_connect(t)) {
				sleep_interruptible(backoff);
				backoff = backoff * 2 > RETRY_MAX_S ? RETRY_MAX_S : backoff * 2;
				continue;
			}
			st = STEP_REGROUP;
		}
		if (st == STEP_REGROUP)
			st = tail_setup(t);
		else
			st = tail_read_new(t);
		if (st == STEP_OK && stdout_gone()) {
			fprintf(stderr, PROG ": stdout: %s\n", strerror(EPIPE));
			st = STEP_FATAL;
		}
		if (st == STEP_OK)
			backoff = 1;
		else if (st == STEP_DONE)
			break;
		else if (st == STEP_FATAL) {
			status = 1;
			break;
		} else if (st == STEP_LOST) {
			tail_disconnect(t);
			if (!stop_requested)
				sleep_interruptible(backoff);
			backoff = backoff * 2 > RETRY_MAX_S ? RETRY_MAX_S : backoff * 2;
		}
	}
	tail_disconnect(t);
	return status;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"host", required_argument, NULL, 'h'},
	        {"port", required_argument, NULL, 'p'},
	        {"stream", required_argument, NULL, 's'},
	        {"group", required_argument, NULL, 'g'},
	        {"consumer", required_argument, NULL, 'c'},
	        {"from-start", no_argument, NULL, 'f'},
	        {"count", required_argument, NULL, 'n'},
	        {"block-ms", required_argument, NULL, 'b'},
	        {"help", no_argument, NULL, 'H'},
	        {NULL, 0, NULL, 0},
	};
	struct tail t;
	char hostname[256];
	int64_t v;
	int opt, status = 2;

	memset(&t, 0, sizeof(t));
	jbuf_init(&t.out, 0);
	t.conf.host = "127.0.0.1";
	t.conf.port = 6379;
	t.conf.stream = "ringside:labels";
	t.conf.group = "tail";
	t.conf.block_ms = 5000;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			t.conf.host = optarg;
			break;
		case 'p':
			if (cli_parse_i64(PROG, "--port", optarg, 1, 65535, &v))
				goto out;
			t.conf.port = (int)v;
			break;
		case 's':
			t.conf.stream = optarg;
			break;
		case 'g':
			t.conf.group = optarg;
			break;
		case 'c':
			t.conf.consumer = optarg;
			break;
		case 'f':
			t.conf.from_start = true;
			break;
		case 'n':
			if (cli_parse_i64(PROG, "--count", optarg, 1, INT64_MAX, &t.conf.count))
				goto out;
			break;
		case 'b':
			if (cli_parse_i64(PROG, "--block-ms", optarg, 1, 3600000, &t.conf.block_ms))
				goto out;
			break;
		case 'H':
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
	if (!t.conf.consumer) {
		if (gethostname(hostname, sizeof(hostname)) || !hostname[0])
			snprintf(hostname, sizeof(hostname), "%s", PROG);
		hostname[sizeof(hostname) - 1] = '\0';
		t.conf.consumer = hostname;
	}
	if (!t.conf.host[0] || !t.conf.stream[0] || !t.conf.group[0] || !t.conf.consumer[0]) {
		fprintf(stderr,
		        PROG ": --host, --stream, --group and --consumer must not be empty\n");
		goto out;
	}
	if (cli_on_stop_signals(on_stop)) {
		fprintf(stderr, PROG ": signal handlers: %s\n", strerror(errno));
		status = 1;
		goto out;
	}
	status = tail_run(&t);
	fprintf(stderr, PROG ": entries %llu, unusable %llu\n", (unsigned long long)t.n_entries,
	        (unsigned long long)t.n_errors);
out:
	jbuf_free(&t.out);
	return status;
}
