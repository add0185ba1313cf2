/* Sign-in checks: static and signed tokens with their roles, the
 * revocation file re-read when it changes (and failing closed when it is
 * unusable), and the websocket Origin policy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "daemon/config.h"
#include "feedback/auth.h"

#define NOW 1767225600LL
#define SECRET "0123456789abcdef0123456789abcdef-auth-test"

/* One of these per test: a temp dir with the secret, the revocation
 * file and a config using both. */
struct fx {
	char *dir, *secret_path, *revoked_path;
	struct rs_config *cfg;
	auth *a;
};

static struct rs_config *load(const char *text)
{
	GError *err = NULL;
	struct rs_config *cfg = config_load_data("t.conf", text, strlen(text), &err);

	if (!cfg)
		fail_msg("config refused: %s", err->message);
	return cfg;
}

static int setup(void **state)
{
	struct fx *fx = g_new0(struct fx, 1);
	g_autofree char *conf = NULL;

	fx->dir = g_dir_make_tmp("ringside-auth-XXXXXX", NULL);
	fx->secret_path = g_build_filename(fx->dir, "secret", NULL);
	fx->revoked_path = g_build_filename(fx->dir, "revoked", NULL);
	g_file_set_contents(fx->secret_path, SECRET "\n", -1, NULL);
	g_chmod(fx->secret_path, 0600);
	g_file_set_contents(fx->revoked_path, "# nothing yet\n", -1, NULL);
	conf = g_strdup_printf("[daemon]\ntoken_secret_file=%s\nrevoked_tokens_file=%s\n"
	                       "[source imu]\nkind=sensor\nlisten=127.0.0.1:0\nchannels=a\n"
	                       "[group g]\nsources=imu\nclasses=x\n"
	                       "[reviewer alice]\ntoken=alice-0123456789abcdef\n"
	                       "[reviewer root]\ntoken=root-0123456789abcdef\nrole=admin\n",
	                       fx->secret_path, fx->revoked_path);
	fx->cfg = load(conf);
	fx->a = auth_new(fx->cfg);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	auth_free(fx->a);
	config_free(fx->cfg);
	g_unlink(fx->secret_path);
	g_unlink(fx->revoked_path);
	g_rmdir(fx->dir);
	g_free(fx->secret_path);
	g_free(fx->revoked_path);
	g_free(fx->dir);
	g_free(fx);
	return 0;
}

static void mint(const char *reviewer, enum token_role role, gint64 issued, gint64 expiry,
                 char *out)
{
	char err[128];

	if (token_sign((const guint8 *)SECRET, strlen(SECRET), reviewer, role, issued, expiry, out,
	               TOKEN_MAX_LEN + 1, err, sizeof(err)))
		fail_msg("token_sign: %s", err);
}

static enum auth_result check(struct fx *fx, const char *token, struct auth_identity *id)
{
	char detail[256];
	struct auth_identity scratch;

	return auth_check(fx->a, token, NOW, id ? id : &scratch, detail, sizeof(detail));
}

/* Rewrites the revocation file; the size changes with each text here, so
 * the change is seen even within one mtime tick. */
static void revoke(struct fx *fx, const char *text)
{
	g_file_set_contents(fx->revoked_path, text, -1, NULL);
}

static void test_static(void **state)
{
	struct fx *fx = *state;
	struct auth_identity id;

	assert_int_equal(check(fx, "alice-0123456789abcdef", &id), AUTH_OK);
	assert_string_equal(id.reviewer, "alice");
	assert_int_equal(id.role, RS_ROLE_REVIEWER);
	assert_false(id.signed_token);
	assert_int_equal(check(fx, "root-0123456789abcdef", &id), AUTH_OK);
	assert_int_equal(id.role, RS_ROLE_ADMIN);
	assert_int_equal(check(fx, "alice-0123456789abcdeX", NULL), AUTH_UNKNOWN);
	assert_int_equal(check(fx, "", NULL), AUTH_UNKNOWN);
	assert_int_equal(check(fx, NULL, NULL), AUTH_UNKNOWN);
	/* static tokens stay good: the revocation file is for signed ones */
	revoke(fx, "reviewer alice\n");
	assert_int_equal(check(fx, "alice-0123456789abcdef", NULL), AUTH_OK);
	assert_int_equal(auth_recheck(fx->a, &id, NOW + 1000000), AUTH_OK);
}

static void test_signed(void **state)
{
	struct fx *fx = *state;
	struct auth_identity id;
	char tok[TOKEN_MAX_LEN + 1];

	mint("dave", TOKEN_ROLE_EXPERT, NOW - 10, NOW + 3600, tok);
	assert_int_equal(check(fx, tok, &id), AUTH_OK);
	assert_string_equal(id.reviewer, "dave");
	assert_int_equal(id.role, RS_ROLE_EXPERT);
	assert_true(id.signed_token);
	assert_int_equal(strlen(id.token_id), TOKEN_ID_LEN);
	assert_int_equal(auth_recheck(fx->a, &id, NOW), AUTH_OK);
	assert_int_equal(auth_recheck(fx->a, &id, NOW + 3600), AUTH_EXPIRED);

	mint("dave", TOKEN_ROLE_REVIEWER, NOW - 7200, NOW - 1, tok);
	assert_int_equal(check(fx, tok, NULL), AUTH_EXPIRED);
	tok[strlen(tok) - 2] = tok[strlen(tok) - 2] == 'A' ? 'B' : 'A';
	assert_int_equal(check(fx, tok, NULL), AUTH_BAD_SIGNATURE);
	assert_int_equal(check(fx, "v1.dave.reviewer", NULL), AUTH_MALFORMED);
	assert_int_equal(auth_result_reason(AUTH_EXPIRED)[0], 't');
	assert_string_equal(auth_result_reason(AUTH_BAD_SIGNATURE), "token signature invalid");
	assert_string_equal(auth_result_label(AUTH_REVOKED), "revoked");
}

static void test_revocation_file(void **state)
{
	struct fx *fx = *state;
	struct auth_identity id;
	char tok[TOKEN_MAX_LEN + 1], line[64];

	mint("erin", TOKEN_ROLE_REVIEWER, NOW - 10, NOW + 3600, tok);
	assert_int_equal(check(fx, tok, &id), AUTH_OK);

	/* revoked by id: refused at once, and a live session is told */
	g_snprintf(line, sizeof(line), "token %s\n", id.token_id);
	revoke(fx, line);
	assert_int_equal(check(fx, tok, NULL), AUTH_REVOKED);
	assert_int_equal(auth_recheck(fx->a, &id, NOW), AUTH_REVOKED);

	/* lifted again */
	revoke(fx, "\n");
	assert_int_equal(check(fx, tok, NULL), AUTH_OK);

	/* by reviewer, issued before a time */
	revoke(fx, "reviewer erin 1767225000\n");
	assert_int_equal(check(fx, tok, NULL), AUTH_OK);
	revoke(fx, "reviewer erin 1767225600 # now\n");
	assert_int_equal(check(fx, tok, NULL), AUTH_REVOKED);

	/* unusable (a bad line, or gone): every signed token is refused */
	revoke(fx, "erin\n");
	assert_int_equal(check(fx, tok, NULL), AUTH_REVOKED);
	mint("frank", TOKEN_ROLE_ADMIN, NOW - 10, NOW + 3600, tok);
	assert_int_equal(check(fx, tok, NULL), AUTH_REVOKED);
	g_unlink(fx->revoked_path);
	assert_int_equal(check(fx, tok, NULL), AUTH_REVOKED);
	revoke(fx, "# fixed\n");
	assert_int_equal(check(fx, tok, NULL), AUTH_OK);
}

static void test_no_secret(void **state)
{
	struct rs_config *cfg = load("[source imu]\nkind=sensor\nlisten=127.0.0.1:0\nchannels=a\n"
	                             "[group g]\nsources=imu\nclasses=x\n"
	                             "[reviewer alice]\ntoken=alice-0123456789abcdef\n");
	auth *a = auth_new(cfg);
	struct auth_identity id;
	char tok[TOKEN_MAX_LEN + 1], detail[256];

	mint("dave", TOKEN_ROLE_ADMIN, NOW - 10, NOW + 3600, tok);
	assert_int_equal(auth_check(a, tok, NOW, &id, detail, sizeof(detail)), AUTH_UNKNOWN);
	assert_non_null(strstr(detail, "token_secret_file"));
	auth_free(a);
	config_free(cfg);
}

static void test_origin(void **state)
{
	struct rs_config *cfg = load("[source imu]\nkind=sensor\nlisten=127.0.0.1:0\nchannels=a\n"
	                             "[group g]\nsources=imu\nclasses=x\n"
	                             "[reviewer alice]\ntoken=alice-0123456789abcdef\n");
	struct rs_config *listed =
	        load("[daemon]\nallowed_origins=https://Review.example.com/, http://10.0.0.5:8080\n"
	             "[source imu]\nkind=sensor\nlisten=127.0.0.1:0\nchannels=a\n"
	             "[group g]\nsources=imu\nclasses=x\n"
	             "[reviewer alice]\ntoken=alice-0123456789abcdef\n");
	static const struct {
		const char *origin, *host;
		gboolean ok, ok_listed;
	} cases[] = {
	        {NULL, "127.0.0.1:8080", TRUE, TRUE}, /* not a browser */
	        {"http://127.0.0.1:8080", "127.0.0.1:8080", TRUE, FALSE},
	        {"https://127.0.0.1:8080/", "127.0.0.1:8080", TRUE, FALSE},
	        {"HTTP://LOCALHOST:8080", "localhost:8080", TRUE, FALSE},
	        {"http://evil.example", "127.0.0.1:8080", FALSE, FALSE},
	        {"http://127.0.0.1:8081", "127.0.0.1:8080", FALSE, FALSE},
	        {"http://127.0.0.1:8080.evil.example", "127.0.0.1:8080", FALSE, FALSE},
	        {"http://user@127.0.0.1:8080", "127.0.0.1:8080", FALSE, FALSE},
	        {"http://127.0.0.1:8080/x", "127.0.0.1:8080", FALSE, FALSE},
	        {"null", "127.0.0.1:8080", FALSE, FALSE},
	        {"file://", "127.0.0.1:8080", FALSE, FALSE},
	        {"", "127.0.0.1:8080", FALSE, FALSE},
	        {"http://127.0.0.1:8080", NULL, FALSE, FALSE},
	        {"https://review.example.com", "review.example.com", TRUE, TRUE},
	        {"https://review.example.com", "127.0.0.1:8080", FALSE, TRUE},
	        {"https://REVIEW.example.com/", "127.0.0.1:8080", FALSE, TRUE},
	        {"http://review.example.com", "127.0.0.1:8080", FALSE, FALSE},
	        {"http://10.0.0.5:8080", "10.0.0.5:8080", TRUE, TRUE},
	        {"http://10.0.0.5", "10.0.0.5:8080", FALSE, FALSE},
	};

	assert_int_equal(listed->n_allowed_origins, 2);
	assert_string_equal(listed->allowed_origins[0], "https://review.example.com");
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		if (auth_origin_allowed(cfg, cases[i].origin, cases[i].host) != cases[i].ok ||
		    auth_origin_allowed(listed, cases[i].origin, cases[i].host) !=
		            cases[i].ok_listed)
			fail_msg("case %u: origin %s host %s", i, cases[i].origin, cases[i].host);
	}
	config_free(cfg);
	config_free(listed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_static, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_signed, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_revocation_file, setup, teardown),
	        cmocka_unit_test(test_no_secret),
	        cmocka_unit_test(test_origin),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
