/* ringside-sensor's CSV input: a header naming the columns, then one
 * reading per line; channels are picked from the columns by name. */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sensor_tool.h"

/* Longest CSV line accepted; a longer one is reported and skipped. */
#define LINE_MAX_BYTES 65536

/* One of these for the CSV input: which column holds what, and scratch
 * space for one line. */
struct csv_map {
	bool has_t;       /* column 0 is t_ns */
	size_t n_cols;    /* columns in the header */
	size_t *col;      /* column of each channel */
	char **fields;    /* n_cols: one line's fields */
	float *values;    /* one per channel */
	int64_t start_ns; /* wall clock at start, for --drift-ppm */
};

static void csv_map_free(struct csv_map *m)
{
	free(m->col);
	free(m->fields);
	free(m->values);
}

/* Splits LINE in place at its commas, trimming blanks around each field.
 * Stores at most MAX field pointers in FIELDS; returns how many fields the
 * line has (more than MAX when it has too many). O(length). */
static size_t csv_split(char *line, char **fields, size_t max)
{
	size_t n = 0;
	char *p = line, *comma, *e;
	bool last;

	do {
		while (*p == ' ' || *p == '\t')
			p++;
		comma = p + strcspn(p, ",");
		last = *comma == '\0';
		e = comma;
		while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			e--;
		*e = '\0';
		if (n < max)
			fields[n] = p;
		n++;
		p = comma + 1;
	} while (!last);
	return n;
}

/* Reads the header LINE (modified): finds each channel's column by name.
 * Returns 0, or -1 after saying which channel is missing. */
static int csv_header(struct csv_map *m, const struct sensor_conf *conf, char *line)
{
	size_t n = 1, i, c;
	const char *p;
	int rc = -1;

	for (p = line; (p = strchr(p, ',')); p++)
		n++;
	m->fields = calloc(n, sizeof(*m->fields));
	m->col = calloc(conf->n_channels, sizeof(*m->col));
	m->values = calloc(conf->n_channels, sizeof(*m->values));
	if (!m->fields || !m->col || !m->values) {
		fprintf(stderr, PROG ": out of memory\n");
		goto out;
	}
	m->n_cols = csv_split(line, m->fields, n);
	m->has_t = strcmp(m->fields[0], "t_ns") == 0;
	for (c = 0; c < conf->n_channels; c++) {
		for (i = m->has_t ? 1 : 0; i < n; i++)
			if (strcmp(m->fields[i], conf->channels[c]) == 0)
				break;
		if (i == n) {
			fprintf(stderr, PROG ": stdin line 1: the header has no column \"%s\"\n",
			        conf->channels[c]);
			goto out;
		}
		m->col[c] = i;
	}
	rc = 0;
out:
	return rc;
}

/* Parses one CSV reading LINE (line number LINENO; modified) and adds it
 * to S. A malformed line is said on stderr with the reason and skipped. */
static void csv_reading(struct sender *s, struct csv_map *m, char *line, uint64_t lineno)
{
	const struct sensor_conf *conf = s->conf;
	const char *field;
	char *end;
	size_t n, c;
	long long t = 0;

	if (line[0] == '\0' || strcmp(line, "\r") == 0)
		return; /* blank lines carry nothing */
	n = csv_split(line, m->fields, m->n_cols);
	if (n != m->n_cols) {
		fprintf(stderr,
		        PROG ": stdin line %llu: %zu fields, the header has %zu; line skipped\n",
		        (unsigned long long)lineno, n, m->n_cols);
		goto bad;
	}
	if (m->has_t) {
		errno = 0;
		t = strtoll(m->fields[0], &end, 10);
		if (errno || end == m->fields[0] || *end || t <= 0) {
			fprintf(stderr,
			        PROG
			        ": stdin line %llu: t_ns \"%s\" is not a positive whole number "
			        "of ns; line skipped\n",
			        (unsigned long long)lineno, m->fields[0]);
			goto bad;
		}
	}
	for (c = 0; c < conf->n_channels; c++) {
		field = m->fields[m->col[c]];
		m->values[c] = strtof(field, &end);
		if (end == field || *end || !isfinite(m->values[c])) {
			fprintf(stderr,
			        PROG ": stdin line %llu: %s \"%s\" is not a finite number; line "
			             "skipped\n",
			        (unsigned long long)lineno, conf->channels[c], field);
			goto bad;
		}
	}
	if (!m->has_t)
		t = device_time(conf, clock_ns(CLOCK_REALTIME), m->start_ns);
	sender_add(s, t, m->values);
	return;
bad:
	s->n_skipped_lines++;
}

/* Lines are cut from a LINE_MAX_BYTES buffer filled by read(2), not stdio,
 * so it is known when no more input is waiting: then a partial datagram is
 * sent at once instead of holding slow input back for a full batch. */
int run_csv(struct sender *s)
{
	const struct sensor_conf *conf = s->conf;
	struct csv_map m = {.start_ns = clock_ns(CLOCK_REALTIME)};
	int64_t end_mono = INT64_MAX, left;
	char *buf = malloc(LINE_MAX_BYTES + 1), *nl, *line;
	size_t len = 0, used;
	uint64_t lineno = 0;
	bool skipping = false, header = false, eof = false;
	struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
	ssize_t got;
	int rc = -1, timeout, pr;

	if (!buf) {
		fprintf(stderr, PROG ": out of memory\n");
		goto out;
	}
	if (conf->duration_s > 0)
		end_mono = clock_ns(CLOCK_MONOTONIC) + llround(conf->duration_s * 1e9);
	while (!stop_requested) {
		/* Every complete line in the buffer. */
		used = 0;
		while ((nl = memchr(buf + used, '\n', len - used)) || (eof && used < len)) {
			line = buf + used;
			if (nl)
				*nl = '\0';
			else
				buf[len] = '\0'; /* last line without a newline */
			used = nl ? (size_t)(nl - buf) + 1 : len;
			if (skipping) {
				skipping = false; /* the end of an overlong line */
				continue;
			}
			lineno++;
			if (!header) {
				if (csv_header(&m, conf, line))
					goto out;
				header = true;
			} else {
				csv_reading(s, &m, line, lineno);
			}
		}
		memmove(buf, buf + used, len - used);
		len -= used;
		if (eof)
			break;
		if (len == LINE_MAX_BYTES) {
			/* No newline in a full buffer: skip to the next one. */
			if (!skipping) {
				lineno++;
				if (!header) {
					fprintf(stderr,
					        PROG
					        ": stdin line 1: header longer than %d bytes\n",
					        LINE_MAX_BYTES);
					goto out;
				}
				fprintf(stderr,
				        PROG ": stdin line %llu: longer than %d bytes; line "
				             "skipped\n",
				        (unsigned long long)lineno, LINE_MAX_BYTES);
				s->n_skipped_lines++;
				skipping = true;
			}
			len = 0;
		}
		/* Wait for input; send what we have if none is there now. */
		pr = s->batch.n_samples ? poll(&pfd, 1, 0) : 1;
		if (pr == 0)
			sender_flush(s);
		timeout = -1;
		if (end_mono != INT64_MAX) {
			left = end_mono - clock_ns(CLOCK_MONOTONIC);
			if (left <= 0)
				break;
			timeout = (int)((left + 999999) / 1000000);
		}
		pr = poll(&pfd, 1, timeout);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0) {
			fprintf(stderr, PROG ": stdin: %s\n", strerror(errno));
			goto out;
		}
		if (pr == 0)
			continue; /* --duration reached; checked above */
		got = read(STDIN_FILENO, buf + len, LINE_MAX_BYTES - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			fprintf(stderr, PROG ": stdin: %s\n", strerror(errno));
			goto out;
		}
		if (got == 0)
			eof = true;
		len += (size_t)got;
	}
	if (!header && eof) {
		fprintf(stderr, PROG ": stdin: no header line\n");
		goto out;
	}
	rc = 0;
out:
	sender_flush(s);
	csv_map_free(&m);
	free(buf);
	return rc;
}
