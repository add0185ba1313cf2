/* Config parsing: a complete file loads with the documented defaults, and
 * every kind of bad file is refused naming file, group, key and reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <glib/gstdio.h>

#include "daemon/config.h"

#define BASE_SOURCES                                                                               \
	"[source cam]\nkind=video\npipeline=videotestsrc is-live=true\n"                           \
	"[source mic]\nkind=audio\npipeline=audiotestsrc is-live=true\n"                           \
	"[source imu]\nkind=sensor\nlisten=127.0.0.1:0\nchannels=ax,ay,az\n"
#define BASE_GROUP "[group g]\nsources=cam,mic,imu\nclasses=none,square,circle\n"
#define BASE_REVIEWER "[reviewer alice]\ntoken=alice-0123456789abcdef\n"

static struct rs_config *load(const char *text, GError **err)
{
	return config_load_data("t.conf", text, strlen(text), err);
}

static void test_defaults(void **state)
{
	GError *err = NULL;
	struct rs_config *cfg = load(BASE_SOURCES BASE_GROUP BASE_REVIEWER, &err);

	assert_null(err);
	assert_non_null(cfg);
	assert_string_equal(cfg->listen_host, "127.0.0.1");
	assert_int_equal(cfg->listen_port, 8080);
	assert_string_equal(cfg->redis_host, "127.0.0.1");
	assert_int_equal(cfg->redis_port, 6379);
	assert_string_equal(cfg->label_stream, "ringside:labels");
	assert_string_equal(cfg->expired_stream, "ringside:expired");
	assert_int_equal(cfg->max_message_bytes, 256 * 1024);
	assert_int_equal(cfg->n_sources, 3);
	assert_int_equal(cfg->sources[0].kind, RS_KIND_VIDEO);
	assert_int_equal(cfg->sources[0].width, 640);
	assert_int_equal(cfg->sources[0].height, 360);
	assert_int_equal(cfg->sources[0].fps, 15);
	assert_int_equal(cfg->sources[0].queue_buffers, 8);
	assert_int_equal(cfg->sources[1].sample_rate, 16000);
	assert_int_equal(cfg->sources[2].n_channels, 3);
	assert_string_equal(cfg->sources[2].channels[2], "az");
	assert_int_equal(cfg->sources[2].listen_port, 0);
	assert_int_equal(cfg->sources[0].clock, RS_CLOCK_AUTO);
	assert_int_equal(cfg->sources[2].clock, RS_CLOCK_DEVICE);
	assert_int_equal(cfg->sources[2].transport, RS_TRANSPORT_UDP);
	assert_true(cfg->sources[0].ring_ns == 30 * 1000000000LL);
	assert_int_equal(cfg->sources[0].ring_bytes, 64 << 20);
	assert_int_equal(cfg->n_groups, 1);
	assert_int_equal(cfg->groups[0].n_sources, 3);
	assert_ptr_equal(cfg->groups[0].sources[1], &cfg->sources[1]);
	assert_true(cfg->groups[0].window_ns == 4000000000LL);
	assert_true(cfg->groups[0].every_ns == 10000000000LL);
	assert_true(cfg->groups[0].lateness_ns == 1000000000LL);
	assert_true(cfg->groups[0].time_box_ns == 30000000000LL);
	assert_int_equal(cfg->groups[0].max_attempts, 2);
	assert_int_equal(cfg->groups[0].n_classes, 3);
	assert_false(cfg->groups[0].multi_label);
	assert_ptr_equal(config_find_reviewer_by_token(cfg, "alice-0123456789abcdef"),
			 &cfg->reviewers[0]);
	assert_null(config_find_reviewer_by_token(cfg, "alice-0123456789abcdeX"));
	assert_null(config_find_reviewer_by_token(cfg, ""));
	assert_ptr_equal(config_find_source(cfg, "mic"), &cfg->sources[1]);
	config_free(cfg);
}

static void test_values(void **state)
{
	GError *err = NULL;
	struct rs_config *cfg = load("[daemon]\nlisten=[::1]:0\nmax_message_bytes=1M\n"
				     "[redis]\nport=7000\nstream_maxlen=0\n"
				     "[source cam]\nkind=video\nuri=file:///tmp/x.mp4\nwidth=320\n"
				     "offset_ms=-12.5\nring_seconds=2.5\nring_bytes=512K\n"
				     "clock=pipeline\n"
				     "[group g]\nsources=cam\nclasses=a\nwindow_seconds=0.5\n"
				     "every_seconds=0.25\nlateness_ms=250\nmulti_label=true\n"
				     "time_box_seconds=1.5\n" BASE_REVIEWER,
				     &err);

	assert_null(err);
	assert_string_equal(cfg->listen_host, "::1");
	assert_int_equal(cfg->listen_port, 0);
	assert_int_equal(cfg->max_message_bytes, 1 << 20);
	assert_int_equal(cfg->redis_port, 7000);
	assert_int_equal(cfg->stream_maxlen, 0);
	assert_string_equal(cfg->sources[0].uri, "file:///tmp/x.mp4");
	assert_int_equal(cfg->sources[0].width, 320);
	assert_true(cfg->sources[0].offset_ns == -12500000LL);
	assert_int_equal(cfg->sources[0].clock, RS_CLOCK_PIPELINE);
	assert_true(cfg->sources[0].ring_ns == 2500000000LL);
	assert_int_equal(cfg->sources[0].ring_bytes, 512 * 1024);
	assert_true(cfg->groups[0].window_ns == 500000000LL);
	assert_true(cfg->groups[0].every_ns == 250000000LL);
	assert_true(cfg->groups[0].lateness_ns == 250000000LL);
	assert_true(cfg->groups[0].multi_label);
	assert_true(cfg->groups[0].time_box_ns == 1500000000LL);
	config_free(cfg);
}

/* Each bad file and the message it must give. */
static const struct {
	const char *text;
	const char *message;
} bad[] = {
	{"[daemon\n", "t.conf: "},
	{"[daemon]\nlisten=8080\n" BASE_SOURCES BASE_GROUP,
	 "t.conf: [daemon] listen: must be HOST:PORT (got \"8080\")"},
	{"[daemon]\nlisten=x:99999\n" BASE_SOURCES BASE_GROUP,
	 "t.conf: [daemon] listen: port must be 0..65535 (got \"99999\")"},
	{"[daemon]\nlisten_port=1\n" BASE_SOURCES BASE_GROUP, "t.conf: [daemon] listen_port: unknown key"},
	{"[daemon]\nmax_message_bytes=12Q\n" BASE_SOURCES BASE_GROUP,
	 "t.conf: [daemon] max_message_bytes: not a size such as 65536, 512K or 64M (got \"12Q\")"},
	{"[redis]\nport=0\n" BASE_SOURCES BASE_GROUP,
	 "t.conf: [redis] port: must be between 1 and 65535 (got 0)"},
	{"[redis]\nport=abc\n" BASE_SOURCES BASE_GROUP,
	 "t.conf: [redis] port: not a whole number (got \"abc\")"},
	{"[cameras]\n" BASE_SOURCES BASE_GROUP, "t.conf: [cameras]: unknown group"},
	{"[source c/1]\nkind=video\n", "t.conf: [source c/1]: the name must be"},
	{"[source cam]\nkind=lidar\n" BASE_GROUP,
	 "t.conf: [source cam] kind: must be video, audio or sensor (got \"lidar\")"},
	{"[source cam]\npipeline=x\n", "t.conf: [source cam] kind: missing (required)"},
	{"[source cam]\nkind=video\n", "t.conf: [source cam]: give exactly one of uri or pipeline"},
	{"[source cam]\nkind=video\nuri=file:///a\npipeline=b\n",
	 "t.conf: [source cam]: give exactly one of uri or pipeline"},
	{"[source cam]\nkind=video\nuri=/tmp/a.mp4\n",
	 "t.conf: [source cam] uri: not a URI such as file:///path"},
	{"[source cam]\nkind=video\npipeline=x\nsample_rate=8000\n",
	 "t.conf: [source cam] sample_rate: not a key of a video source"},
	{"[source cam]\nkind=video\npipeline=x\nfps=0\n",
	 "t.conf: [source cam] fps: must be between 1 and 120 (got 0)"},
	{"[source mic]\nkind=audio\npipeline=x\nsample_rate=200000\n",
	 "t.conf: [source mic] sample_rate: must be between 8000 and 192000 (got 200000)"},
	{"[source mic]\nkind=audio\npipeline=x\nsample_rate=16010\n",
	 "t.conf: [source mic] sample_rate: must be a multiple of 50"},
	{"[source imu]\nkind=sensor\nchannels=a\n",
	 "t.conf: [source imu] listen: missing (required)"},
	{"[source imu]\nkind=sensor\nlisten=127.0.0.1:9\nchannels=a,,b\n",
	 "t.conf: [source imu] channels: item 2 is empty"},
	{"[source imu]\nkind=sensor\nlisten=127.0.0.1:9\nchannels=a,a\n",
	 "t.conf: [source imu] channels: \"a\" is listed twice"},
	{"[source imu]\nkind=sensor\nlisten=127.0.0.1:9\nchannels=a\npipeline=x\n",
	 "t.conf: [source imu] pipeline: not a key of a sensor source"},
	{"[source cam]\nkind=video\npipeline=x\nring_bytes=-5\n",
	 "t.conf: [source cam] ring_bytes: not a size"},
	{"[source cam]\nkind=video\npipeline=x\nclock=device\n",
	 "t.conf: [source cam] clock: must be auto or pipeline (got \"device\")"},
	{"[source imu]\nkind=sensor\nlisten=127.0.0.1:9\nchannels=a\nclock=auto\n",
	 "t.conf: [source imu] clock: must be device or estimate (got \"auto\")"},
	{"[source imu]\nkind=sensor\nlisten=127.0.0.1:9\nchannels=a\ntransport=sctp\n",
	 "t.conf: [source imu] transport: must be udp or tcp (got \"sctp\")"},
	{"[source cam]\nkind=video\npipeline=x\ntransport=tcp\n",
	 "t.conf: [source cam] transport: only sensor sources have a transport"},
	{BASE_SOURCES, "t.conf: [group]: no [group NAME]: nothing would be reviewed"},
	{BASE_SOURCES "[group g]\nsources=cam,mic,imu,lidar\nclasses=a\n",
	 "t.conf: [group g] sources: no [source lidar] in this file"},
	{BASE_SOURCES "[group g]\nsources=cam,mic,imu\n",
	 "t.conf: [group g] classes: missing (required)"},
	{BASE_SOURCES "[group g]\nsources=cam,mic,imu\nclasses=a\nwindow_seconds=-1\n",
	 "t.conf: [group g] window_seconds: must be between 0.1 and 3600 (got -1)"},
	{BASE_SOURCES "[group g]\nsources=cam,mic,imu\nclasses=a\nevery_seconds=soon\n",
	 "t.conf: [group g] every_seconds: not a number (got \"soon\")"},
	{BASE_SOURCES "[group g]\nsources=cam,mic,imu\nclasses=a\nkinds=classes,boxes\n",
	 "t.conf: [group g] kinds: \"boxes\" is not a label kind (classes, events, captions, "
	 "transcript, tracks, entities, sensor_segments, instructions)"},
	{BASE_SOURCES "[group g]\nsources=imu\nclasses=a\nkinds=tracks\n",
	 "t.conf: [group g] kinds: tracks needs a video source in this group"},
	{BASE_SOURCES "[group g]\nsources=cam,mic,imu\nclasses=a\nambiguous_to=boss\n",
	 "t.conf: [group g] ambiguous_to: must be expert, anyone or auto (got \"boss\")"},
	{BASE_SOURCES "[group g]\nsources=cam,mic,imu\nclasses=a\nlateness_ms=500\n"
	 "preannotation_wait_ms=800\n",
	 "t.conf: [group g] preannotation_wait_ms: must be at most lateness_ms (500)"},
	{BASE_SOURCES "[group g]\nsources=cam,mic,imu\nclasses=a\nmulti_label=maybe\n",
	 "t.conf: [group g] multi_label: must be true or false (got \"maybe\")"},
	{BASE_SOURCES "[group g]\nsources=cam,mic,imu\nclasses=a\nwindow_seconds=40\n",
	 "t.conf: [group g] window_seconds: source cam keeps only 30.0 s (ring_seconds)"},
	{BASE_SOURCES "[group g]\nsources=cam,mic\nclasses=a\n",
	 "t.conf: [source imu]: not in any group's sources"},
	{BASE_SOURCES BASE_GROUP "[reviewer bob]\ntoken=short\n",
	 "t.conf: [reviewer bob] token: at least 16 characters"},
	{BASE_SOURCES BASE_GROUP BASE_REVIEWER "[reviewer bob]\ntoken=alice-0123456789abcdef\n",
	 "t.conf: [reviewer bob] token: the same token as [reviewer alice]"},
	{BASE_SOURCES BASE_GROUP "[reviewer bob]\ntoken=bob-0123456789abcdef\nrole=root\n",
	 "t.conf: [reviewer bob] role: must be reviewer, expert or admin (got \"root\")"},
	{BASE_SOURCES BASE_GROUP "[reviewer bob]\ntoken=bob-0123456789abcdef\nroles=admin\n",
	 "t.conf: [reviewer bob] roles: unknown key"},
	{BASE_SOURCES BASE_GROUP "[reviewer bob]\ntoken=v1.bob-0123456789abcdef\n",
	 "t.conf: [reviewer bob] token: must not start with \"v1.\""},
	{"[daemon]\ntls_cert=/nonexistent/cert.pem\n" BASE_SOURCES BASE_GROUP,
	 "t.conf: [daemon] tls_key: missing: give both tls_cert and tls_key, or neither"},
	{"[daemon]\ntls_cert=/nonexistent/c.pem\ntls_key=/nonexistent/k.pem\n" BASE_SOURCES BASE_GROUP,
	 "t.conf: [daemon] tls_cert: /nonexistent/c.pem: No such file or directory"},
	{"[daemon]\ntoken_secret_file=/nonexistent/secret\n" BASE_SOURCES BASE_GROUP,
	 "t.conf: [daemon] token_secret_file: /nonexistent/secret: No such file or directory"},
	{"[daemon]\nrevoked_tokens_file=/etc/hostname\n" BASE_SOURCES BASE_GROUP,
	 "t.conf: [daemon] revoked_tokens_file: revokes signed tokens: set token_secret_file too"},
	{"[daemon]\nallowed_origins=review.example.com\n" BASE_SOURCES BASE_GROUP,
	 "t.conf: [daemon] allowed_origins: \"review.example.com\" is not an origin"},
	{"[daemon]\nallowed_origins=https://review.example.com/app\n" BASE_SOURCES BASE_GROUP,
	 "t.conf: [daemon] allowed_origins: \"https://review.example.com/app\" is not an origin"},
	{"[daemon]\nmax_messages_per_second=0\n" BASE_SOURCES BASE_GROUP,
	 "t.conf: [daemon] max_messages_per_second: must be between 1 and 1000000 (got 0)"},
	{"[daemon]\nmetrics_require_admin=true\n" BASE_SOURCES BASE_GROUP BASE_REVIEWER,
	 "t.conf: [daemon] metrics_require_admin: nobody could read /metrics"},
	{"[redis]\nuser=ringside\n" BASE_SOURCES BASE_GROUP,
	 "t.conf: [redis] user: an ACL user needs password or password_file"},
	{"[redis]\npassword=x\npassword_file=/etc/hostname\n" BASE_SOURCES BASE_GROUP,
	 "t.conf: [redis] password_file: give password or password_file, not both"},
	{"[redis]\npassword_file=/nonexistent/pw\n" BASE_SOURCES BASE_GROUP,
	 "t.conf: [redis] password_file: /nonexistent/pw: No such file or directory"},
	{"[spool]\ndir=var/spool\n" BASE_SOURCES BASE_GROUP,
	 "t.conf: [spool] dir: must be an absolute path (got \"var/spool\")"},
	{"[spool]\ndir=/var/spool/ringside\nmax_bytes=100K\n" BASE_SOURCES BASE_GROUP,
	 "t.conf: [spool] max_bytes: must be between 1048576 and"},
	{"[spool]\ndir=/x\nmax_bytes=16M\nsegment_bytes=32M\n" BASE_SOURCES BASE_GROUP,
	 "t.conf: [spool] segment_bytes: must not be more than max_bytes (16777216)"},
	{"[spool]\ndir=/x\nsegment_bytes=1K\n" BASE_SOURCES BASE_GROUP,
	 "t.conf: [spool] segment_bytes: must be between 65536 and"},
	{"[spool]\ndirectory=/x\n" BASE_SOURCES BASE_GROUP, "t.conf: [spool] directory: unknown key"},
	{"[spool x]\ndir=/x\n" BASE_SOURCES BASE_GROUP, "t.conf: [spool x]: [spool] takes no name"},
};

static void test_refusals(void **state)
{
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		GError *err = NULL;
		struct rs_config *cfg = load(bad[i].text, &err);

		if (cfg || !err || !g_str_has_prefix(err->message, bad[i].message))
			fail_msg("case %u: expected \"%s\", got \"%s\"", i, bad[i].message,
				 err ? err->message : "(accepted)");
		g_clear_error(&err);
	}
}

static void test_missing_file(void **state)
{
	GError *err = NULL;

	assert_null(config_load("/nonexistent/ringside.conf", &err));
	assert_non_null(err);
	assert_non_null(strstr(err->message, "/nonexistent/ringside.conf: "));
	g_clear_error(&err);
}

/* Writes TEXT to a new file NAME in DIR with MODE; returns its path. */
static char *write_file(const char *dir, const char *name, const char *text, int mode)
{
	char *path = g_build_filename(dir, name, NULL);

	assert_true(g_file_set_contents(path, text, -1, NULL));
	assert_int_equal(g_chmod(path, mode), 0);
	return path;
}

/* The security keys: files read and checked at load, defaults, roles. */
static void test_security(void **state)
{
	g_autofree char *dir = g_dir_make_tmp("ringside-conf-XXXXXX", NULL);
	g_autofree char *secret =
		write_file(dir, "secret", "0123456789abcdef0123456789abcdef\n", 0600);
	g_autofree char *shorts = write_file(dir, "short", "0123456789abcdef0123456789abcde\n", 0600);
	g_autofree char *open_secret =
		write_file(dir, "open", "0123456789abcdef0123456789abcdef\n", 0644);
	g_autofree char *pw = write_file(dir, "pw", "s3cret pass\r\n", 0640);
	g_autofree char *revoked = write_file(dir, "revoked", "", 0644);
	g_autofree char *text = NULL;
	GError *err = NULL;
	struct rs_config *cfg = load(BASE_SOURCES BASE_GROUP BASE_REVIEWER, &err);

	/* defaults: everything off but the rate limit */
	assert_non_null(cfg);
	assert_null(cfg->tls_cert);
	assert_null(cfg->token_secret);
	assert_null(cfg->allowed_origins);
	assert_int_equal(cfg->max_messages_per_second, 50);
	assert_false(cfg->metrics_require_admin);
	assert_null(cfg->redis_password);
	assert_int_equal(cfg->reviewers[0].role, RS_ROLE_REVIEWER);
	config_free(cfg);

	text = g_strdup_printf("[daemon]\ntoken_secret_file=%s\nrevoked_tokens_file=%s\n"
			       "allowed_origins=https://a.example, http://B.example:8080/\n"
			       "max_messages_per_second=5\nmetrics_require_admin=true\n"
			       "[redis]\nuser=ringside\npassword_file=%s\n" BASE_SOURCES BASE_GROUP
			       "[reviewer alice]\ntoken=alice-0123456789abcdef\nrole=expert\n",
			       secret, revoked, pw);
	cfg = load(text, &err);
	assert_null(err);
	assert_non_null(cfg);
	assert_int_equal(cfg->token_secret_len, 32);
	assert_memory_equal(cfg->token_secret, "0123456789abcdef0123456789abcdef", 32);
	assert_string_equal(cfg->revoked_tokens_file, revoked);
	assert_int_equal(cfg->n_allowed_origins, 2);
	assert_string_equal(cfg->allowed_origins[1], "http://b.example:8080");
	assert_int_equal(cfg->max_messages_per_second, 5);
	assert_true(cfg->metrics_require_admin);
	assert_string_equal(cfg->redis_user, "ringside");
	assert_string_equal(cfg->redis_password, "s3cret pass");
	assert_int_equal(cfg->reviewers[0].role, RS_ROLE_EXPERT);
	config_free(cfg);
	g_free(text);

	/* a secret too short, or readable by everyone, is refused */
	text = g_strdup_printf("[daemon]\ntoken_secret_file=%s\n" BASE_SOURCES BASE_GROUP, shorts);
	assert_null(load(text, &err));
	assert_non_null(strstr(err->message, "31 bytes; at least 32 are needed"));
	g_clear_error(&err);
	g_free(text);
	text = g_strdup_printf("[daemon]\ntoken_secret_file=%s\n" BASE_SOURCES BASE_GROUP,
			       open_secret);
	assert_null(load(text, &err));
	assert_non_null(strstr(err->message, "readable by every user (mode 0644)"));
	g_clear_error(&err);
	g_free(text);
	/* so is a TLS key, and a directory */
	text = g_strdup_printf("[daemon]\ntls_cert=%s\ntls_key=%s\n" BASE_SOURCES BASE_GROUP,
			       revoked, open_secret);
	assert_null(load(text, &err));
	assert_true(g_str_has_prefix(err->message, "t.conf: [daemon] tls_key: "));
	g_clear_error(&err);
	g_free(text);
	text = g_strdup_printf("[daemon]\ntls_cert=%s\ntls_key=%s\n" BASE_SOURCES BASE_GROUP, dir,
			       secret);
	assert_null(load(text, &err));
	assert_non_null(strstr(err->message, "not a regular file"));
	g_clear_error(&err);
	g_free(text);
	/* with an admin reviewer, /metrics can require one without a secret */
	text = g_strdup_printf("[daemon]\nmetrics_require_admin=true\n" BASE_SOURCES BASE_GROUP
			       "[reviewer root]\ntoken=root-0123456789abcdef\nrole=admin\n");
	cfg = load(text, &err);
	assert_non_null(cfg);
	assert_int_equal(cfg->reviewers[0].role, RS_ROLE_ADMIN);
	config_free(cfg);
	g_clear_pointer(&text, g_free);

	for (const char *const *f = (const char *const[]){secret, shorts, open_secret, pw, revoked,
							   NULL};
	     *f; f++)
		g_unlink(*f);
	g_rmdir(dir);
}

/* [spool]: off unless dir is set; sizes default to 1G and 64M, and an
 * unset segment_bytes shrinks to a smaller max_bytes. */
static void test_spool(void **state)
{
	GError *err = NULL;
	struct rs_config *cfg = load(BASE_SOURCES BASE_GROUP BASE_REVIEWER, &err);

	assert_null(err);
	assert_null(cfg->spool_dir);
	assert_true(cfg->spool_max_bytes == 1ULL << 30);
	assert_true(cfg->spool_segment_bytes == 64ULL << 20);
	config_free(cfg);

	cfg = load("[spool]\ndir=/var/lib/ringside/spool\nmax_bytes=2G\nsegment_bytes=8M\n"
		   BASE_SOURCES BASE_GROUP BASE_REVIEWER, &err);
	assert_null(err);
	assert_string_equal(cfg->spool_dir, "/var/lib/ringside/spool");
	assert_true(cfg->spool_max_bytes == 2ULL << 30);
	assert_true(cfg->spool_segment_bytes == 8ULL << 20);
	config_free(cfg);

	cfg = load("[spool]\ndir=/s\nmax_bytes=16M\n" BASE_SOURCES BASE_GROUP BASE_REVIEWER, &err);
	assert_null(err);
	assert_true(cfg->spool_segment_bytes == 16ULL << 20);
	config_free(cfg);

	/* An empty dir is the same as none. */
	cfg = load("[spool]\ndir=\n" BASE_SOURCES BASE_GROUP BASE_REVIEWER, &err);
	assert_null(err);
	assert_null(cfg->spool_dir);
	config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_security),
		cmocka_unit_test(test_spool),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
