/* Signed tokens: a good token verifies; every kind of bad one (expired,
 * forged, tampered, other secret, malformed, revoked) is refused with the
 * right result. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>

#include "feedback/token.h"

static const uint8_t SECRET[] = "0123456789abcdef0123456789abcdef-test-secret";
static const uint8_t OTHER[] = "fedcba9876543210fedcba9876543210-other-secret";
#define SECRET_LEN (sizeof(SECRET) - 1)
#define OTHER_LEN (sizeof(OTHER) - 1)
#define T0 1767225600LL /* issued */
#define T1 1767254400LL /* expires, 8 h later */

static void mint(const char *reviewer, enum token_role role, int64_t issued, int64_t expiry,
                 char *out)
{
	char err[128];

	if (token_sign(SECRET, SECRET_LEN, reviewer, role, issued, expiry, out, TOKEN_MAX_LEN + 1,
	               err, sizeof(err)))
		fail_msg("token_sign: %s", err);
}

static enum token_result verify(const char *text, int64_t now, struct token_info *info)
{
	char err[160] = "";

	return token_verify(SECRET, SECRET_LEN, text, now, info, err, sizeof(err));
}

static void test_good(void **state)
{
	char tok[TOKEN_MAX_LEN + 1], id[TOKEN_ID_LEN + 1];
	struct token_info info;

	mint("alice", TOKEN_ROLE_EXPERT, T0, T1, tok);
	assert_true(g_str_has_prefix(tok, "v1.alice.expert.1767225600.1767254400."));
	assert_int_equal(strlen(tok), strlen("v1.alice.expert.1767225600.1767254400.") + 43);
	assert_true(token_is_signed(tok));
	assert_int_equal(verify(tok, T0 + 10, &info), TOKEN_OK);
	assert_string_equal(info.reviewer, "alice");
	assert_int_equal(info.role, TOKEN_ROLE_EXPERT);
	assert_true(info.issued == T0);
	assert_true(info.expiry == T1);
	token_id(tok, id);
	assert_string_equal(info.id, id);
	assert_int_equal(strlen(id), TOKEN_ID_LEN);
	/* valid up to the second before expiry, also before it was issued
	 * (a minting machine's clock may be ahead) */
	assert_int_equal(verify(tok, T1 - 1, NULL), TOKEN_OK);
	assert_int_equal(verify(tok, T0 - 60, NULL), TOKEN_OK);

	for (int r = TOKEN_ROLE_REVIEWER; r <= TOKEN_ROLE_ADMIN; r++) {
		mint("bob_2-x", r, T0, T1, tok);
		assert_int_equal(verify(tok, T0, &info), TOKEN_OK);
		assert_int_equal(info.role, r);
		assert_string_equal(info.reviewer, "bob_2-x");
	}
}

static void test_expired(void **state)
{
	char tok[TOKEN_MAX_LEN + 1];
	struct token_info info;

	mint("alice", TOKEN_ROLE_REVIEWER, T0, T1, tok);
	assert_int_equal(verify(tok, T1, &info), TOKEN_EXPIRED);
	assert_string_equal(info.reviewer, "alice");
	assert_int_equal(verify(tok, T1 + 86400, NULL), TOKEN_EXPIRED);
}

/* Replaces the first occurrence of FROM in TOK with TO. */
static void replace(char *tok, const char *from, const char *to)
{
	char *at = strstr(tok, from);
	char rest[TOKEN_MAX_LEN + 1];

	assert_non_null(at);
	g_strlcpy(rest, at + strlen(from), sizeof(rest));
	*at = '\0';
	g_strlcat(tok, to, TOKEN_MAX_LEN + 1);
	g_strlcat(tok, rest, TOKEN_MAX_LEN + 1);
}

static void test_tampered(void **state)
{
	static const struct {
		const char *from, *to;
	} edits[] = {
	        {"v1.alice.", "v1.alicf."},       /* someone else */
	        {".reviewer.", ".admin."},        /* a better role */
	        {".1767254400.", ".1799999999."}, /* a later expiry */
	        {".1767225600.", ".1767225601."}, /* another issue time */
	};
	char tok[TOKEN_MAX_LEN + 1];
	size_t n;

	for (size_t i = 0; i < G_N_ELEMENTS(edits); i++) {
		mint("alice", TOKEN_ROLE_REVIEWER, T0, T1, tok);
		replace(tok, edits[i].from, edits[i].to);
		assert_int_equal(verify(tok, T0, NULL), TOKEN_BAD_SIGNATURE);
	}

	/* A forged signature: each character of the MAC changed in turn. */
	mint("alice", TOKEN_ROLE_REVIEWER, T0, T1, tok);
	n = strlen(tok);
	for (size_t i = n - TOKEN_MAC_B64_LEN; i < n; i++) {
		char saved = tok[i];

		tok[i] = saved == 'A' ? 'B' : 'A';
		assert_int_equal(verify(tok, T0, NULL), TOKEN_BAD_SIGNATURE);
		tok[i] = saved;
	}
	/* A non-canonical last character (same bits, other unused bits)
	 * would give a second text, and a second id, for one MAC. */
	{
		char last = tok[n - 1];
		const char *alpha =
		        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
		size_t v = (size_t)(strchr(alpha, last) - alpha);

		tok[n - 1] = alpha[v ^ 1];
		assert_int_equal(verify(tok, T0, NULL), TOKEN_BAD_SIGNATURE);
		tok[n - 1] = last;
	}
	assert_int_equal(verify(tok, T0, NULL), TOKEN_OK);

	/* An expired token whose expiry was pushed forward is forged, not
	 * expired. */
	mint("alice", TOKEN_ROLE_REVIEWER, T0, T0 + 1, tok);
	replace(tok, ".1767225601.", ".1767254400.");
	assert_int_equal(verify(tok, T0 + 100, NULL), TOKEN_BAD_SIGNATURE);
}

static void test_wrong_secret(void **state)
{
	char tok[TOKEN_MAX_LEN + 1], err[128];

	mint("alice", TOKEN_ROLE_ADMIN, T0, T1, tok);
	assert_int_equal(token_verify(OTHER, OTHER_LEN, tok, T0, NULL, err, sizeof(err)),
	                 TOKEN_BAD_SIGNATURE);
	/* a secret too short to be safe verifies nothing */
	assert_int_equal(token_verify(SECRET, 16, tok, T0, NULL, err, sizeof(err)),
	                 TOKEN_BAD_SIGNATURE);
	/* and signs nothing */
	assert_int_equal(token_sign(SECRET, 31, "alice", TOKEN_ROLE_REVIEWER, T0, T1, tok,
	                            sizeof(tok), err, sizeof(err)),
	                 -1);
	assert_non_null(strstr(err, "at least 32 bytes"));
}

static void test_malformed(void **state)
{
	char good[TOKEN_MAX_LEN + 1], buf[1024];
	const char *mac;
	static const char *const fixed[] = {
	        "",
	        "v1",
	        "v1.",
	        "v1.alice",
	        "v1.alice.reviewer.1767225600.1767254400",
	        "v2.alice.reviewer.1767225600.1767254400."
	        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	        "v1..reviewer.1767225600.1767254400.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	        "v1.al "
	        "ice.reviewer.1767225600.1767254400.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	        "v1.alice.root.1767225600.1767254400.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	        "v1.alice.reviewerreviewer.1767225600.1767254400."
	        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	        "v1.alice.reviewer.-1.1767254400.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	        "v1.alice.reviewer.01767225600.1767254400."
	        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	        "v1.alice.reviewer.1767225600.1767225600."
	        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	        "v1.alice.reviewer.1767225600.9999999999999."
	        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	        "v1.alice.reviewer.1767225600.0x10.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	        "v1.alice.reviewer.1767225600.1767254400.AAAA",
	        "v1.alice.reviewer.1767225600.1767254400."
	        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	        "v1.alice.reviewer.1767225600.1767254400."
	        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
	        "v1.alice.reviewer.1767225600.1767254400."
	        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+",
	        "v1.alice.reviewer.1767225600.1767254400."
	        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/",
	        "v1.alice.reviewer.1767225600.1767254400."
	        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA!",
	        "v1.alice.reviewer.1767225600.1767254400."
	        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.x",
	};
	char err[160];

	for (size_t i = 0; i < G_N_ELEMENTS(fixed); i++) {
		err[0] = '\0';
		if (token_verify(SECRET, SECRET_LEN, fixed[i], T0, NULL, err, sizeof(err)) !=
		    TOKEN_MALFORMED)
			fail_msg("case %zu (%s) not refused as malformed", i, fixed[i]);
		assert_true(err[0] != '\0');
	}
	assert_int_equal(token_verify(SECRET, SECRET_LEN, NULL, T0, NULL, err, sizeof(err)),
	                 TOKEN_MALFORMED);

	/* A good token with a long reviewer id, or trailing bytes, or made
	 * longer than the cap, is refused before the MAC is computed. */
	mint("alice", TOKEN_ROLE_REVIEWER, T0, T1, good);
	mac = strrchr(good, '.') + 1;
	memset(buf, 'a', sizeof(buf));
	buf[sizeof(buf) - 1] = '\0';
	assert_int_equal(verify(buf, T0, NULL), TOKEN_MALFORMED);
	g_snprintf(buf, sizeof(buf), "v1.%065d.reviewer.1767225600.1767254400.%s", 7, mac);
	assert_int_equal(verify(buf, T0, NULL), TOKEN_MALFORMED);
	g_snprintf(buf, sizeof(buf), "%s%0250d", good, 0);
	assert_int_equal(verify(buf, T0, NULL), TOKEN_MALFORMED);
	g_snprintf(buf, sizeof(buf), "%s ", good);
	assert_int_equal(verify(buf, T0, NULL), TOKEN_MALFORMED);

	/* Minting refuses what verifying would refuse. */
	assert_int_equal(token_sign(SECRET, SECRET_LEN, "al.ice", TOKEN_ROLE_REVIEWER, T0, T1, buf,
	                            sizeof(buf), err, sizeof(err)),
	                 -1);
	assert_int_equal(token_sign(SECRET, SECRET_LEN, "alice", TOKEN_ROLE_REVIEWER, T1, T0, buf,
	                            sizeof(buf), err, sizeof(err)),
	                 -1);
	assert_int_equal(token_sign(SECRET, SECRET_LEN, "alice", TOKEN_ROLE_REVIEWER, T0, T1, buf,
	                            20, err, sizeof(err)),
	                 -1);
}

static token_revlist *revlist(const char *text)
{
	char err[160] = "";
	token_revlist *rl = token_revlist_parse(text, strlen(text), err, sizeof(err));

	if (!rl)
		fail_msg("revocation list refused: %s", err);
	return rl;
}

static void test_revoked(void **state)
{
	char a1[TOKEN_MAX_LEN + 1], a2[TOKEN_MAX_LEN + 1], b1[TOKEN_MAX_LEN + 1], text[256];
	struct token_info ia1, ia2, ib1;
	token_revlist *rl;

	mint("alice", TOKEN_ROLE_REVIEWER, T0, T1, a1);
	mint("alice", TOKEN_ROLE_REVIEWER, T0 + 3600, T1, a2);
	mint("bob", TOKEN_ROLE_ADMIN, T0, T1, b1);
	assert_int_equal(verify(a1, T0, &ia1), TOKEN_OK);
	assert_int_equal(verify(a2, T0, &ia2), TOKEN_OK);
	assert_int_equal(verify(b1, T0, &ib1), TOKEN_OK);

	/* by token id: that token only */
	g_snprintf(text, sizeof(text), "# lost laptop\ntoken %s\n\n", ia1.id);
	rl = revlist(text);
	assert_int_equal(token_revlist_count(rl), 1);
	assert_true(token_revlist_match(rl, &ia1));
	assert_false(token_revlist_match(rl, &ia2));
	assert_false(token_revlist_match(rl, &ib1));
	token_revlist_free(rl);

	/* by reviewer and issue time: older tokens only */
	g_snprintf(text, sizeof(text), "reviewer alice %lld   # re-issued\r\n", T0 + 1);
	rl = revlist(text);
	assert_true(token_revlist_match(rl, &ia1));
	assert_false(token_revlist_match(rl, &ia2));
	assert_false(token_revlist_match(rl, &ib1));
	token_revlist_free(rl);

	/* by reviewer: all of them */
	rl = revlist("  reviewer\talice");
	assert_true(token_revlist_match(rl, &ia1));
	assert_true(token_revlist_match(rl, &ia2));
	assert_false(token_revlist_match(rl, &ib1));
	token_revlist_free(rl);

	/* empty and comment-only lists revoke nothing */
	rl = revlist("");
	assert_int_equal(token_revlist_count(rl), 0);
	assert_false(token_revlist_match(rl, &ia1));
	token_revlist_free(rl);
	rl = revlist("# nothing\n\n   \n");
	assert_int_equal(token_revlist_count(rl), 0);
	token_revlist_free(rl);
}

static void test_revlist_refusals(void **state)
{
	static const struct {
		const char *text, *err;
	} bad[] = {
	        {"token\n", "line 1: \"token\" takes one token id"},
	        {"\ntoken ABCDEF0123456789\n", "line 2: \"token\" takes one token id"},
	        {"token 0123456789abcdef extra\n", "line 1: \"token\" takes one token id"},
	        {"reviewer\n", "line 1: \"reviewer\" takes a reviewer id"},
	        {"reviewer al.ice\n", "line 1: \"reviewer\" takes a reviewer id"},
	        {"reviewer alice yesterday\n", "line 1: \"reviewer alice\": the time must be UNIX"},
	        {"alice\n", "line 1: a rule starts with \"token\" or \"reviewer\""},
	};
	char err[160];

	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		token_revlist *rl =
		        token_revlist_parse(bad[i].text, strlen(bad[i].text), err, sizeof(err));

		if (rl || !g_str_has_prefix(err, bad[i].err))
			fail_msg("case %zu: expected \"%s\", got \"%s\"", i, bad[i].err,
			         rl ? "(accepted)" : err);
	}
	/* a NUL byte inside the file */
	assert_null(token_revlist_parse("token 0123456789abcdef\0\n", 24, err, sizeof(err)));
}

static void test_roles(void **state)
{
	enum token_role r;

	assert_int_equal(token_role_parse("expert", &r), 0);
	assert_int_equal(r, TOKEN_ROLE_EXPERT);
	assert_int_equal(token_role_parse("Admin", &r), -1);
	assert_string_equal(token_role_name(TOKEN_ROLE_ADMIN), "admin");
	assert_true(token_reviewer_valid("a"));
	assert_false(token_reviewer_valid(""));
	assert_false(token_reviewer_valid("a.b"));
	assert_false(token_is_signed("test-alice-0123456789abcdef"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_good),
	        cmocka_unit_test(test_expired),
	        cmocka_unit_test(test_tampered),
	        cmocka_unit_test(test_wrong_secret),
	        cmocka_unit_test(test_malformed),
	        cmocka_unit_test(test_revoked),
	        cmocka_unit_test(test_revlist_refusals),
	        cmocka_unit_test(test_roles),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
