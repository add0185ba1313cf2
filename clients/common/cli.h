/* Small helpers shared by the command-line tools: option values checked
 * with a message naming the option, and stop-signal handling. */
#pragma once

#include <stdint.h>

/* Parses S, the value of option OPT (e.g. "--rate"), as a whole decimal
 * number in [MIN, MAX]. Returns 0 with *OUT set, or -1 after printing
 * "PROG: OPT: "S" is not a whole number from MIN to MAX" on stderr. */
int cli_parse_i64(const char *prog, const char *opt, const char *s, int64_t min, int64_t max,
                  int64_t *out);
/* Same for a finite decimal number in [MIN, MAX]. */
int cli_parse_double(const char *prog, const char *opt, const char *s, double min, double max,
                     double *out);

/* After getopt: the tool takes no operands. Returns 0 when ARGV has
 * nothing from OPTIND on, else -1 after printing "PROG: unexpected
 * argument "X"; try 'PROG --help'" on stderr. */
int cli_no_operands(const char *prog, int argc, char **argv, int optind);

/* Calls HANDLER on SIGINT and SIGTERM, installed without SA_RESTART so
 * blocking calls return EINTR and the tool can stop; ignores SIGPIPE so a
 * closed socket or pipe is an error return, not a death. Returns 0 or -1
 * (errno set). */
int cli_on_stop_signals(void (*handler)(int));
