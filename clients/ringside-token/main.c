/* ringside-token: mints a signed reviewer token with the daemon's secret
 * (token_secret_file), or prints the id of a token for revocation. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/crypto.h>

#include "common/cli.h"
#include "feedback/token.h"

#define PROG "ringside-token"
#define SECRET_MAX 4096
#define TTL_MAX_S (366LL * 86400) /* a token lives a year and a day at most */

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: " PROG " --secret-file FILE --reviewer ID [--role ROLE] [--ttl DURATION]\n"
	        "       " PROG " --id-of TOKEN\n"
	        "\n"
	        "Mints a signed token for ringsided's reviewer websocket (and, for an admin,\n"
	        "/metrics), valid from now for DURATION, and prints it on stdout; its id\n"
	        "(for revoked_tokens_file) and expiry go to stderr.\n"
	        "\n"
	        "  -s, --secret-file FILE  the daemon's token_secret_file (>= 32 bytes, not\n"
	        "                          readable by every user)\n"
	        "  -r, --reviewer ID       reviewer id: 1-64 of A-Z a-z 0-9 _ -\n"
	        "  -R, --role ROLE         reviewer (default), expert or admin\n"
	        "  -t, --ttl DURATION      lifetime: a number with s, m, h or d (default 8h,\n"
	        "                          at most 366d)\n"
	        "      --id-of TOKEN       print the id of TOKEN and exit\n"
	        "  -h, --help              this help\n"
	        "\n"
	        "Exit status: 0 printed; 1 the secret file could not be used; 2 usage.\n");
}

/* "90", "30s", "15m", "8h", "7d" to seconds in [1, TTL_MAX_S]. Returns 0
 * or -1. */
static int parse_ttl(const char *s, int64_t *out)
{
	char *end = NULL;
	long long n;
	int64_t mul = 1;

	errno = 0;
	n = strtoll(s, &end, 10);
	if (end == s || errno || n <= 0 || s[0] == '-' || s[0] == '+')
		return -1;
	switch (*end) {
	case '\0':
	case 's':
		break;
	case 'm':
		mul = 60;
		break;
	case 'h':
		mul = 3600;
		break;
	case 'd':
		mul = 86400;
		break;
	default:
		return -1;
	}
	if (*end && end[1])
		return -1;
	if (n > TTL_MAX_S / mul)
		return -1;
	*out = (int64_t)n * mul;
	return 0;
}

/* Reads the secret as the daemon does: a regular file, not readable by
 * every user, one trailing newline dropped, at least TOKEN_SECRET_MIN
 * bytes. Returns its length, or -1 after saying why on stderr. */
static long read_secret(const char *path, uint8_t *buf, size_t cap)
{
	struct stat st;
	FILE *f = NULL;
	size_t n = 0;
	long rc = -1;

	if (stat(path, &st) < 0) {
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		fprintf(stderr, PROG ": %s: not a regular file\n", path);
		goto out;
	}
	if (st.st_mode & S_IROTH) {
		fprintf(stderr, PROG ": %s: readable by every user (mode %04o); chmod o-rwx it\n",
		        path, (unsigned)(st.st_mode & 07777));
		goto out;
	}
	f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
		goto out;
	}
	n = fread(buf, 1, cap, f);
	if (ferror(f) || !feof(f)) {
		fprintf(stderr, PROG ": %s: %s\n", path,
		        ferror(f) ? "read error" : "longer than 4096 bytes");
		goto out;
	}
	if (n && buf[n - 1] == '\n')
		n--;
	if (n && buf[n - 1] == '\r')
		n--;
	if (memchr(buf, '\0', n)) {
		fprintf(stderr, PROG ": %s: holds a NUL byte\n", path);
		goto out;
	}
	if (n < TOKEN_SECRET_MIN) {
		fprintf(stderr,
		        PROG ": %s: %zu bytes; at least %d are needed (openssl rand -base64 48)\n",
		        path, n, TOKEN_SECRET_MIN);
		goto out;
	}
	rc = (long)n;
out:
	if (f)
		fclose(f);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"secret-file", required_argument, NULL, 's'},
	        {"reviewer", required_argument, NULL, 'r'},
	        {"role", required_argument, NULL, 'R'},
	        {"ttl", required_argument, NULL, 't'},
	        {"id-of", required_argument, NULL, 'i'},
	        {"help", no_argument, NULL, 'h'},
	        {0},
	};
	const char *secret_file = NULL, *reviewer = NULL, *id_of = NULL;
	enum token_role role = TOKEN_ROLE_REVIEWER;
	int64_t ttl = 8 * 3600, now;
	uint8_t secret[SECRET_MAX];
	char tok[TOKEN_MAX_LEN + 1], id[TOKEN_ID_LEN + 1], err[160], when[32];
	long secret_len = -1;
	struct tm tm;
	time_t exp;
	int opt, rc = 2;

	while ((opt = getopt_long(argc, argv, "s:r:R:t:h", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			secret_file = optarg;
			break;
		case 'r':
			reviewer = optarg;
			break;
		case 'R':
			if (token_role_parse(optarg, &role)) {
				fprintf(stderr,
				        PROG ": --role: \"%s\" is not reviewer, expert or admin\n",
				        optarg);
				goto out;
			}
			break;
		case 't':
			if (parse_ttl(optarg, &ttl)) {
				fprintf(stderr,
				        PROG
				        ": --ttl: \"%s\" is not a duration such as 90s, 15m, 8h "
				        "or 7d (at most 366d)\n",
				        optarg);
				goto out;
			}
			break;
		case 'i':
			id_of = optarg;
			break;
		case 'h':
			usage(stdout);
			rc = 0;
			goto out;
		default:
			fprintf(stderr, "Try '" PROG " --help'.\n");
			goto out;
		}
	}
	if (cli_no_operands(PROG, argc, argv, optind))
		goto out;
	if (id_of) {
		token_id(id_of, id);
		printf("%s\n", id);
		rc = 0;
		goto out;
	}
	if (!secret_file || !reviewer) {
		fprintf(stderr, PROG ": --secret-file and --reviewer are required; try '" PROG
		                     " --help'\n");
		goto out;
	}
	if (!token_reviewer_valid(reviewer)) {
		fprintf(stderr, PROG ": --reviewer: \"%s\" is not 1-64 of A-Z a-z 0-9 _ -\n",
		        reviewer);
		goto out;
	}
	secret_len = read_secret(secret_file, secret, sizeof(secret));
	if (secret_len < 0) {
		rc = 1;
		goto out;
	}
	now = (int64_t)time(NULL);
	if (token_sign(secret, (size_t)secret_len, reviewer, role, now, now + ttl, tok, sizeof(tok),
	               err, sizeof(err))) {
		fprintf(stderr, PROG ": %s\n", err);
		rc = 1;
		goto out;
	}
	token_id(tok, id);
	exp = (time_t)(now + ttl);
	gmtime_r(&exp, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	printf("%s\n", tok);
	fprintf(stderr, PROG ": token id %s, reviewer %s, role %s, expires %s\n", id, reviewer,
	        token_role_name(role), when);
	rc = 0;
out:
	OPENSSL_cleanse(secret, sizeof(secret));
	return rc;
}
