/* Small helpers shared by the command-line tools: option values checked
 * with a message naming the option, and stop-signal handling. */
#include "common/cli.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_parse_i64(const char *prog, const char *opt, const char *s, int64_t min, int64_t max,
                  int64_t *out)
{
	char *end = NULL;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end != '\0' || v < min || v > max) {
		fprintf(stderr,
		        "%s: %s: \"%s\" is not a whole number from %" PRId64 " to %" PRId64 "\n",
		        prog, opt, s, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

int cli_parse_double(const char *prog, const char *opt, const char *s, double min, double max,
                     double *out)
{
	char *end = NULL;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end != '\0' || !isfinite(v) || v < min || v > max) {
		fprintf(stderr, "%s: %s: \"%s\" is not a number from %g to %g\n", prog, opt, s, min,
		        max);
		return -1;
	}
	*out = v;
	return 0;
}

int cli_on_stop_signals(void (*handler)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = handler;
	if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL))
		return -1;
	sa.sa_handler = SIG_IGN;
	return sigaction(SIGPIPE, &sa, NULL);
}

int cli_no_operands(const char *prog, int argc, char **argv, int optind)
{
	if (optind >= argc)
		return 0;
	fprintf(stderr, "%s: unexpected argument \"%s\"; try '%s --help'\n", prog, argv[optind],
	        prog);
	return -1;
}
