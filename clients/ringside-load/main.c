/* ringside-load: N scripted reviewers over real websockets against a
 * running ringsided, and what they measured: labels acknowledged per
 * second, submit -> ack and task freshness percentiles, errors by code. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "common/cli.h"
#include "common/json.h"
#include "load.h"

/* How often the run's own timer looks at the clock: ramp, duration, drain,
 * progress, stop signals. */
#define TICK_MS 100
#define TOKEN_MAX 4096

static volatile sig_atomic_t stop_requested;

/* SIGINT/SIGTERM: the first ends the run (labels already made are still
 * waited for), the second ends the wait. */
static void on_stop(int sig)
{
	if (stop_requested < 2)
		stop_requested++;
}

uint64_t load_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int64_t load_wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void load_count_error(struct load *ld, const char *code)
{
	struct load_stats *st = &ld->st;

	for (size_t i = 0; i < st->n_error_codes; i++) {
		if (!strcmp(st->errors[i].code, code)) {
			st->errors[i].n++;
			return;
		}
	}
	if (st->n_error_codes == LOAD_ERROR_CODES) {
		st->errors_other++;
		return;
	}
	snprintf(st->errors[st->n_error_codes].code, sizeof(st->errors[0].code), "%s", code);
	st->errors[st->n_error_codes++].n = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: " LOAD_PROG " --url ws://HOST:PORT/ TOKENS [OPTION]...\n"
	        "Connect N scripted reviewers to ringsided over real websockets, answer every\n"
	        "task with a label and report labels/s, submit->ack and task latencies.\n"
	        "\n"
	        "Tokens (connection i uses token i mod the number of tokens):\n"
	        "  --token T          one token for every connection\n"
	        "  --tokens FILE      one token per line ('#' lines and blank lines skipped)\n"
	        "  --token-prefix P   tokens P0, P1, ... P(K-1)\n"
	        "  --token-count K    K for --token-prefix (default: --reviewers)\n"
	        "\n"
	        "  --url URL          ws:// or wss:// address of the daemon (required)\n"
	        "  --insecure         wss: accept any server certificate\n"
	        "  --reviewers N      connections (default 1)\n"
	        "  --idle             say hello, then never answer (memory per connection)\n"
	        "  --think-ms MS      from a task's arrival to its label (default 0)\n"
	        "  --think-jitter-ms J  each think time drawn from MS-J to MS+J (default 0)\n"
	        "  --class NAME       class of every label (default: the task's first class)\n"
	        "  --duration S       run this long, then stop (default: until SIGINT/SIGTERM)\n"
	        "  --drain S          then wait at most this long for unacked labels (default 10)\n"
	        "  --warmup S         record latencies and labels/s only from S seconds after\n"
	        "                     every connection signed in (default 0: from the start)\n"
	        "  --connect-rate N   new connections per second while ramping up (default 1000)\n"
	        "  --progress S       a progress line on stderr every S seconds, 0 for none\n"
	        "                     (default 5)\n"
	        "  --report-json      print the report as one JSON object\n"
	        "  --acked-log FILE   write the label_id of every acknowledged label, one a line\n"
	        "  --help             show this help\n"
	        "\n"
	        "Exit status: 0 when at least one connection signed in, 1 when none did or\n"
	        "on a setup error, 2 on usage.\n");
}

/* Reads one token per line of PATH into CONF. Returns 0, or -1 after
 * saying why on stderr. */
static int load_read_tokens(struct load_conf *conf, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[TOKEN_MAX], *s, *e, **v;
	size_t cap = 0;
	int rc = -1;

	if (!f) {
		fprintf(stderr, LOAD_PROG ": --tokens %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		for (s = line; *s == ' ' || *s == '\t'; s++)
			;
		e = s + strlen(s);
		while (e > s && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (!*s || *s == '#')
			continue;
		if (conf->n_tokens == cap) {
			cap = cap ? cap * 2 : 64;
			v = realloc(conf->tokens, cap * sizeof(*v));
			if (!v)
				goto nomem;
			conf->tokens = v;
		}
		conf->tokens[conf->n_tokens] = strdup(s);
		if (!conf->tokens[conf->n_tokens])
			goto nomem;
		conf->n_tokens++;
	}
	if (ferror(f)) {
		fprintf(stderr, LOAD_PROG ": --tokens %s: %s\n", path, strerror(errno));
		goto out;
	}
	if (!conf->n_tokens) {
		fprintf(stderr, LOAD_PROG ": --tokens %s: no tokens in the file\n", path);
		goto out;
	}
	rc = 0;
	goto out;
nomem:
	fprintf(stderr, LOAD_PROG ": --tokens %s: out of memory\n", path);
out:
	fclose(f);
	return rc;
}

/* Builds tokens PREFIX0 .. PREFIX(COUNT-1). Returns 0 or -1. */
static int load_prefix_tokens(struct load_conf *conf, const char *prefix, int64_t count)
{
	size_t n = strlen(prefix) + 24;

	conf->tokens = calloc((size_t)count, sizeof(*conf->tokens));
	if (!conf->tokens)
		goto nomem;
	for (int64_t i = 0; i < count; i++) {
		conf->tokens[i] = malloc(n);
		if (!conf->tokens[i])
			goto nomem;
		snprintf(conf->tokens[i], n, "%s%lld", prefix, (long long)i);
		conf->n_tokens++;
	}
	return 0;
nomem:
	fprintf(stderr, LOAD_PROG ": out of memory building tokens\n");
	return -1;
}

/* Splits URL (ws:// or wss://) into CONF's address, port and path. URL is
 * modified and must outlive CONF. Returns 0 or -1 (said on stderr). */
static int load_parse_url(struct load_conf *conf, char *url)
{
	const char *prot, *ads, *path;
	size_t n;

	if (lws_parse_uri(url, &prot, &ads, &conf->port, &path) || !ads[0])
		goto bad;
	if (!strcmp(prot, "wss"))
		conf->tls = true;
	else if (strcmp(prot, "ws"))
		goto bad;
	if (conf->port == 80 && conf->tls)
		conf->port = 443;
	conf->address = ads;
	n = strlen(path) + 2;
	conf->path = malloc(n);
	if (!conf->path)
		return -1;
	snprintf(conf->path, n, "/%s", path);
	return 0;
bad:
	fprintf(stderr, LOAD_PROG ": --url: expected ws://HOST:PORT/ or wss://HOST:PORT/\n");
	return -1;
}

/* The run is over at NOW_US: no new labels; the drain starts. */
static void load_enter_drain(struct load *ld, uint64_t now_us)
{
	ld->phase = LOAD_DRAIN;
	ld->run_end_us = now_us;
	ld->acked_run_end = ld->st.labels_acked;
	for (size_t i = 0; i < ld->n_started; i++)
		reviewer_drain(ld->rv[i]);
}

static double ms(uint64_t us)
{
	return (double)us / 1000.0;
}

/* Labels acknowledged per second over the steady part of the run: from
 * the moment every connection had signed in (or the start, if that never
 * happened), or the end of the warm-up after it, to the end of the run,
 * drain excluded. */
static double load_rate(const struct load *ld, double *seconds)
{
	uint64_t from = ld->all_up_us ? ld->all_up_us : ld->start_us;
	uint64_t acked0 = ld->all_up_us ? ld->acked_all_up : 0;
	uint64_t to = ld->run_end_us ? ld->run_end_us : load_now_us();
	uint64_t acked1 = ld->run_end_us ? ld->acked_run_end : ld->st.labels_acked;

	if (ld->measure_from_us) {
		from = ld->measure_from_us;
		acked0 = ld->acked_measure0;
	}
	if (to <= from || acked1 < acked0) {
		*seconds = 0;
		return 0;
	}
	*seconds = (double)(to - from) / 1e6;
	return (double)(acked1 - acked0) / *seconds;
}

static void load_progress(struct load *ld)
{
	double secs, rate = load_rate(ld, &secs);

	fprintf(stderr,
	        LOAD_PROG ": %.0f s: %zu/%lld signed in, labels acked %llu (%.1f/s), "
	                  "unacked %llu, reconnects %llu, submit->ack p99 %.3f ms\n",
	        (double)(load_now_us() - ld->start_us) / 1e6, ld->n_signed_in,
	        (long long)ld->conf.reviewers, (unsigned long long)ld->st.labels_acked, rate,
	        (unsigned long long)ld->n_pending, (unsigned long long)ld->st.reconnects,
	        ms(hist_percentile(&ld->st.submit_ack, 99)));
}

/* The run's timer: starts connections at the ramp rate, ends the run after
 * its duration or on a signal, ends the drain, prints progress. */
static void load_on_tick(lws_sorted_usec_list_t *sul)
{
	static double budget;
	static uint64_t last_progress, last_flush;
	struct load *ld = lws_container_of(sul, struct load, sul_tick);
	uint64_t now = load_now_us();
	double run_s = (double)(now - ld->start_us) / 1e6;

	if (ld->phase == LOAD_RUN && !ld->measuring && ld->all_up_us &&
	    now >= ld->all_up_us + (uint64_t)(ld->conf.warmup_s * 1e6)) {
		ld->measuring = true;
		ld->measure_from_us = now;
		ld->acked_measure0 = ld->st.labels_acked;
	}
	if (ld->phase == LOAD_RUN) {
		budget += (double)ld->conf.connect_rate * TICK_MS / 1000.0;
		while (budget >= 1 && ld->n_started < (size_t)ld->conf.reviewers) {
			reviewer_start(ld->rv[ld->n_started++]);
			budget -= 1;
		}
		if (ld->n_started == (size_t)ld->conf.reviewers)
			budget = 0;
		if (stop_requested || (ld->conf.duration_s > 0 && run_s >= ld->conf.duration_s))
			load_enter_drain(ld, now);
	}
	if (ld->phase == LOAD_DRAIN) {
		if (ld->n_pending == 0 || ld->conf.idle || stop_requested >= 2 ||
		    (double)(now - ld->run_end_us) / 1e6 >= ld->conf.drain_s)
			ld->phase = LOAD_DONE;
	}
	if (ld->conf.progress_s > 0 && now - last_progress >= ld->conf.progress_s * 1e6) {
		if (last_progress)
			load_progress(ld);
		last_progress = now;
	}
	if (ld->acked && now - last_flush >= 1000000) {
		fflush(ld->acked);
		last_flush = now;
	}
	if (ld->phase != LOAD_DONE)
		lws_sul_schedule(ld->ctx, 0, &ld->sul_tick, load_on_tick,
		                 (lws_usec_t)TICK_MS * LWS_US_PER_MS);
	else
		lws_cancel_service(ld->ctx);
}

/* Appends "KEY":{"p50":..,"p90":..,"p99":..,"max":..,"n":..} in ms. */
static void json_hist(struct jbuf *b, const char *key, const struct hist *h)
{
	char num[64];
	static const double ps[] = {50, 90, 99};
	static const char *const names[] = {"p50", "p90", "p99"};

	jbuf_key(b, key, false);
	jbuf_lit(b, "{");
	for (size_t i = 0; i < 3; i++) {
		jbuf_key(b, names[i], i == 0);
		snprintf(num, sizeof(num), "%.3f", ms(hist_percentile(h, ps[i])));
		jbuf_lit(b, num);
	}
	jbuf_key(b, "max", false);
	snprintf(num, sizeof(num), "%.3f", ms(h->max_us));
	jbuf_lit(b, num);
	jbuf_member_u64(b, "n", h->count, false);
	jbuf_lit(b, "}");
}

static void load_report_json(const struct load *ld, size_t signed_in)
{
	const struct load_stats *st = &ld->st;
	double secs, rate = load_rate(ld, &secs);
	struct jbuf b;
	char num[64];

	jbuf_init(&b, 0);
	jbuf_lit(&b, "{");
	jbuf_member_i64(&b, "connections", ld->conf.reviewers, true);
	jbuf_member_u64(&b, "signed_in", signed_in, false);
	jbuf_member_u64(&b, "ever_signed_in", ld->n_ever_signed_in, false);
	jbuf_member_u64(&b, "connects", st->connects, false);
	jbuf_member_u64(&b, "reconnects", st->reconnects, false);
	jbuf_member_u64(&b, "connect_failures", st->connect_failures, false);
	jbuf_member_u64(&b, "disconnects", st->disconnects, false);
	jbuf_member_u64(&b, "tasks", st->tasks, false);
	jbuf_member_u64(&b, "tasks_while_busy", st->tasks_while_busy, false);
	jbuf_member_u64(&b, "revokes", st->revokes, false);
	jbuf_member_u64(&b, "labels_sent", st->labels_sent, false);
	jbuf_member_u64(&b, "labels_resent", st->labels_resent, false);
	jbuf_member_u64(&b, "labels_acked", st->labels_acked, false);
	jbuf_member_u64(&b, "labels_dropped", st->labels_dropped, false);
	jbuf_member_u64(&b, "labels_unacked", ld->n_pending, false);
	jbuf_member_u64(&b, "acks_unknown", st->acks_unknown, false);
	jbuf_key(&b, "labels_per_s", false);
	snprintf(num, sizeof(num), "%.1f", rate);
	jbuf_lit(&b, num);
	jbuf_key(&b, "rate_seconds", false);
	snprintf(num, sizeof(num), "%.3f", secs);
	jbuf_lit(&b, num);
	json_hist(&b, "submit_ack_ms", &st->submit_ack);
	json_hist(&b, "end_task_ms", &st->end_task);
	json_hist(&b, "offer_task_ms", &st->offer_task);
	jbuf_member_u64(&b, "clock_behind", st->clock_behind, false);
	jbuf_key(&b, "errors", false);
	jbuf_lit(&b, "{");
	for (size_t i = 0; i < st->n_error_codes; i++)
		jbuf_member_u64(&b, st->errors[i].code, st->errors[i].n, i == 0);
	if (st->errors_other)
		jbuf_member_u64(&b, "(other)", st->errors_other, st->n_error_codes == 0);
	jbuf_lit(&b, "}}");
	if (!b.toobig)
		printf("%s\n", b.buf);
	jbuf_free(&b);
}

static void print_hist(const char *name, const struct hist *h, const char *what)
{
	printf("%-13s ms p50 %.3f  p90 %.3f  p99 %.3f  max %.3f  (n %llu; %s)\n", name,
	       ms(hist_percentile(h, 50)), ms(hist_percentile(h, 90)), ms(hist_percentile(h, 99)),
	       ms(h->max_us), (unsigned long long)h->count, what);
}

static void load_report_text(const struct load *ld, size_t signed_in, const char *url)
{
	const struct load_stats *st = &ld->st;
	double secs, rate = load_rate(ld, &secs);

	printf(LOAD_PROG ": %lld connections to %s, %.1f s, think %lld +- %lld ms%s\n",
	       (long long)ld->conf.reviewers, url,
	       (double)((ld->run_end_us ? ld->run_end_us : load_now_us()) - ld->start_us) / 1e6,
	       (long long)ld->conf.think_ms, (long long)ld->conf.jitter_ms,
	       ld->conf.idle ? ", idle" : "");
	printf("connections   %zu signed in at the end, %zu ever; %llu reconnects, "
	       "%llu failed attempts, %llu closed by the peer\n",
	       signed_in, ld->n_ever_signed_in, (unsigned long long)st->reconnects,
	       (unsigned long long)st->connect_failures, (unsigned long long)st->disconnects);
	printf("tasks         %llu (%llu while busy, %llu revoked)\n",
	       (unsigned long long)st->tasks, (unsigned long long)st->tasks_while_busy,
	       (unsigned long long)st->revokes);
	printf("labels        acked %llu, sent %llu, resent %llu, dropped %llu, unacked %llu\n",
	       (unsigned long long)st->labels_acked, (unsigned long long)st->labels_sent,
	       (unsigned long long)st->labels_resent, (unsigned long long)st->labels_dropped,
	       (unsigned long long)ld->n_pending);
	printf("labels/s      %.1f (over %.1f s%s%s)\n", rate, secs,
	       ld->all_up_us ? " with every connection signed in" : "",
	       ld->measure_from_us ? ", after the warm-up" : "");
	if (!ld->measuring)
		printf("note          the warm-up never ended (not every connection signed in, or "
		       "the run was shorter): no latencies recorded\n");
	print_hist("submit->ack", &st->submit_ack, "Submit written to its Ack read");
	print_hist("end->task", &st->end_task, "window end to task on the socket, first offers");
	print_hist("offer->task", &st->offer_task, "daemon's offer to task on the socket");
	printf("errors        ");
	if (!st->n_error_codes && !st->errors_other)
		printf("none");
	for (size_t i = 0; i < st->n_error_codes; i++)
		printf("%s%s %llu", i ? ", " : "", st->errors[i].code,
		       (unsigned long long)st->errors[i].n);
	if (st->errors_other)
		printf("%s(other) %llu", st->n_error_codes ? ", " : "",
		       (unsigned long long)st->errors_other);
	printf("\n");
	if (st->clock_behind)
		printf("note          %llu tasks arrived before their window end or offer time "
		       "(clocks of daemon and load apart); counted as 0\n",
		       (unsigned long long)st->clock_behind);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"url", required_argument, NULL, 'u'},
	        {"token", required_argument, NULL, 't'},
	        {"tokens", required_argument, NULL, 'T'},
	        {"token-prefix", required_argument, NULL, 'P'},
	        {"token-count", required_argument, NULL, 'K'},
	        {"insecure", no_argument, NULL, 'k'},
	        {"reviewers", required_argument, NULL, 'n'},
	        {"idle", no_argument, NULL, 'i'},
	        {"think-ms", required_argument, NULL, 'm'},
	        {"think-jitter-ms", required_argument, NULL, 'J'},
	        {"class", required_argument, NULL, 'c'},
	        {"duration", required_argument, NULL, 'd'},
	        {"drain", required_argument, NULL, 'D'},
	        {"warmup", required_argument, NULL, 'w'},
	        {"connect-rate", required_argument, NULL, 'r'},
	        {"progress", required_argument, NULL, 'p'},
	        {"report-json", no_argument, NULL, 'j'},
	        {"acked-log", required_argument, NULL, 'a'},
	        {"help", no_argument, NULL, 'H'},
	        {NULL, 0, NULL, 0},
	};
	static struct load ld; /* large (histograms): not on the stack */
	struct lws_context_creation_info info;
	const char *token = NULL, *tokens_file = NULL, *prefix = NULL;
	char *url = NULL, *url_copy = NULL;
	int64_t token_count = 0;
	size_t signed_in = 0;
	int opt, status = 2, ntok = 0;

	ld.conf.reviewers = 1;
	ld.conf.drain_s = 10;
	ld.conf.connect_rate = 1000;
	ld.conf.progress_s = 5;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'u':
			url = optarg;
			break;
		case 't':
			token = optarg;
			ntok++;
			break;
		case 'T':
			tokens_file = optarg;
			ntok++;
			break;
		case 'P':
			prefix = optarg;
			ntok++;
			break;
		case 'K':
			if (cli_parse_i64(LOAD_PROG, "--token-count", optarg, 1, 10000000,
			                  &token_count))
				goto out;
			break;
		case 'k':
			ld.conf.insecure = true;
			break;
		case 'n':
			if (cli_parse_i64(LOAD_PROG, "--reviewers", optarg, 1, 1000000,
			                  &ld.conf.reviewers))
				goto out;
			break;
		case 'i':
			ld.conf.idle = true;
			break;
		case 'm':
			if (cli_parse_i64(LOAD_PROG, "--think-ms", optarg, 0, 86400000,
			                  &ld.conf.think_ms))
				goto out;
			break;
		case 'J':
			if (cli_parse_i64(LOAD_PROG, "--think-jitter-ms", optarg, 0, 86400000,
			                  &ld.conf.jitter_ms))
				goto out;
			break;
		case 'c':
			ld.conf.class_name = optarg;
			break;
		case 'd':
			if (cli_parse_double(LOAD_PROG, "--duration", optarg, 0, 1e7,
			                     &ld.conf.duration_s))
				goto out;
			break;
		case 'D':
			if (cli_parse_double(LOAD_PROG, "--drain", optarg, 0, 1e6,
			                     &ld.conf.drain_s))
				goto out;
			break;
		case 'w':
			if (cli_parse_double(LOAD_PROG, "--warmup", optarg, 0, 1e6,
			                     &ld.conf.warmup_s))
				goto out;
			break;
		case 'r':
			if (cli_parse_i64(LOAD_PROG, "--connect-rate", optarg, 1, 1000000,
			                  &ld.conf.connect_rate))
				goto out;
			break;
		case 'p':
			if (cli_parse_double(LOAD_PROG, "--progress", optarg, 0, 1e6,
			                     &ld.conf.progress_s))
				goto out;
			break;
		case 'j':
			ld.conf.report_json = true;
			break;
		case 'a':
			ld.conf.acked_log = optarg;
			break;
		case 'H':
			usage(stdout);
			status = 0;
			goto out;
		default:
			fprintf(stderr, "Try '" LOAD_PROG " --help'.\n");
			goto out;
		}
	}
	if (cli_no_operands(LOAD_PROG, argc, argv, optind))
		goto out;
	if (!url || ntok != 1) {
		fprintf(stderr, LOAD_PROG ": --url and one of --token, --tokens, --token-prefix "
		                          "are required; try '" LOAD_PROG " --help'\n");
		goto out;
	}
	if (token_count && !prefix) {
		fprintf(stderr, LOAD_PROG ": --token-count goes with --token-prefix\n");
		goto out;
	}
	url_copy = strdup(url);
	if (!url_copy || load_parse_url(&ld.conf, url_copy))
		goto out;
	status = 1;
	if (token) {
		ld.conf.tokens = calloc(1, sizeof(*ld.conf.tokens));
		if (!ld.conf.tokens || !(ld.conf.tokens[0] = strdup(token)))
			goto out;
		ld.conf.n_tokens = 1;
	} else if (tokens_file) {
		if (load_read_tokens(&ld.conf, tokens_file))
			goto out;
	} else if (load_prefix_tokens(&ld.conf, prefix,
	                              token_count ? token_count : ld.conf.reviewers)) {
		goto out;
	}
	if (ld.conf.acked_log) {
		ld.acked = fopen(ld.conf.acked_log, "w");
		if (!ld.acked) {
			fprintf(stderr, LOAD_PROG ": --acked-log %s: %s\n", ld.conf.acked_log,
			        strerror(errno));
			goto out;
		}
	}
	if (getrandom(&ld.run_id, sizeof(ld.run_id), 0) != sizeof(ld.run_id))
		ld.run_id = (uint64_t)load_wall_ns() ^ ((uint64_t)getpid() << 32);
	srand((unsigned)ld.run_id);
	if (cli_on_stop_signals(on_stop)) {
		fprintf(stderr, LOAD_PROG ": signal handlers: %s\n", strerror(errno));
		goto out;
	}

	lws_set_log_level(LLL_ERR, NULL);
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = reviewer_protocols;
	info.gid = -1;
	info.uid = -1;
	if (ld.conf.tls)
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	ld.ctx = lws_create_context(&info);
	if (!ld.ctx) {
		fprintf(stderr, LOAD_PROG ": could not create the websocket context\n");
		goto out;
	}
	ld.rv = calloc((size_t)ld.conf.reviewers, sizeof(*ld.rv));
	if (!ld.rv)
		goto nomem;
	for (int64_t i = 0; i < ld.conf.reviewers; i++) {
		ld.rv[i] = reviewer_new(&ld, (unsigned)i,
		                        ld.conf.tokens[(size_t)i % ld.conf.n_tokens]);
		if (!ld.rv[i])
			goto nomem;
	}

	ld.start_us = load_now_us();
	ld.measuring = ld.conf.warmup_s <= 0;
	lws_sul_schedule(ld.ctx, 0, &ld.sul_tick, load_on_tick, 1);
	while (ld.phase != LOAD_DONE) {
		if (lws_service(ld.ctx, 0) < 0)
			break;
	}
	if (!ld.run_end_us) {
		ld.run_end_us = load_now_us();
		ld.acked_run_end = ld.st.labels_acked;
	}
	for (int64_t i = 0; i < ld.conf.reviewers; i++)
		signed_in += reviewer_signed_in(ld.rv[i]);
	/* The labels still waiting for an ack, a few by name. */
	for (int64_t i = 0, said = 0; i < ld.conf.reviewers && said < 10; i++)
		said += (int64_t)reviewer_print_unacked(ld.rv[i], stderr, (size_t)(10 - said));
	ld.phase = LOAD_DONE;
	for (int64_t i = 0; i < ld.conf.reviewers; i++)
		reviewer_stop(ld.rv[i]);
	lws_sul_cancel(&ld.sul_tick);
	lws_context_destroy(ld.ctx);
	ld.ctx = NULL;
	if (ld.conf.report_json)
		load_report_json(&ld, signed_in);
	else
		load_report_text(&ld, signed_in, url);
	fflush(stdout);
	status = ld.n_ever_signed_in ? 0 : 1;
	goto out;
nomem:
	fprintf(stderr, LOAD_PROG ": out of memory\n");
out:
	if (ld.ctx) {
		for (int64_t i = 0; ld.rv && i < ld.conf.reviewers; i++) {
			if (ld.rv[i])
				reviewer_stop(ld.rv[i]);
		}
		lws_context_destroy(ld.ctx);
	}
	for (int64_t i = 0; ld.rv && i < ld.conf.reviewers; i++)
		reviewer_free(ld.rv[i]);
	free(ld.rv);
	if (ld.acked && fclose(ld.acked)) {
		fprintf(stderr, LOAD_PROG ": --acked-log %s: %s\n", ld.conf.acked_log,
		        strerror(errno));
		status = 1;
	}
	for (size_t i = 0; i < ld.conf.n_tokens; i++)
		free(ld.conf.tokens[i]);
	free(ld.conf.tokens);
	free(ld.conf.path);
	free(url_copy);
	return status;
}
