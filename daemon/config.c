/* Configuration: reads ringsided's key file into struct rs_config and
 * checks all of it, so that nothing starts on a half-valid file. */
#include "daemon/config.h"

#include <string.h>

#include "daemon/config_template.h"
#include "daemon/config_values.h"

G_DEFINE_QUARK(rs - config - error - quark, rs_config_error)

const char *rs_kind_name(enum rs_kind kind)
{
	switch (kind) {
	case RS_KIND_VIDEO:
		return "video";
	case RS_KIND_AUDIO:
		return "audio";
	case RS_KIND_SENSOR:
		return "sensor";
	}
	return "unknown";
}

const char *rs_role_name(enum rs_role role)
{
	switch (role) {
	case RS_ROLE_REVIEWER:
		return "reviewer";
	case RS_ROLE_EXPERT:
		return "expert";
	case RS_ROLE_ADMIN:
		return "admin";
	}
	return "unknown";
}

static void parse_daemon(struct cfg_parse *p, struct rs_config *cfg)
{
	static const char *const known[] = {"listen",
	                                    "web_root",
	                                    "proto_dir",
	                                    "max_message_bytes",
	                                    "send_queue_bytes",
	                                    "tls_cert",
	                                    "tls_key",
	                                    "token_secret_file",
	                                    "revoked_tokens_file",
	                                    "allowed_origins",
	                                    "max_messages_per_second",
	                                    "metrics_require_admin",
	                                    "max_prefetch",
	                                    NULL};

	p->group = "daemon";
	if (g_key_file_has_group(p->kf, "daemon"))
		check_known_keys(p, known);
	get_hostport(p, "listen", "127.0.0.1:8080", &cfg->listen_host, &cfg->listen_port, FALSE);
	cfg->web_root = get_string(p, "web_root", RINGSIDE_WEB_DIR, FALSE);
	cfg->proto_dir = get_string(p, "proto_dir", RINGSIDE_PROTO_DIR, FALSE);
	cfg->max_message_bytes = get_size(p, "max_message_bytes", 256 * 1024, 1024, 64 << 20);
	cfg->send_queue_bytes = get_size(p, "send_queue_bytes", 64 << 20, 64 * 1024, 1ULL << 32);
	cfg->max_prefetch = (guint)get_uint(p, "max_prefetch", 1, 0, 4);

	cfg->tls_cert = get_string(p, "tls_cert", NULL, FALSE);
	cfg->tls_key = get_string(p, "tls_key", NULL, FALSE);
	if (!p->err && !!cfg->tls_cert != !!cfg->tls_key)
		fail(p, cfg->tls_cert ? "tls_key" : "tls_cert",
		     "missing: give both tls_cert and tls_key, or neither");
	check_file(p, "tls_cert", cfg->tls_cert, FALSE);
	check_file(p, "tls_key", cfg->tls_key, TRUE);
	cfg->token_secret_file = get_string(p, "token_secret_file", NULL, FALSE);
	if (cfg->token_secret_file)
		read_secret(p, "token_secret_file", cfg->token_secret_file, 32, &cfg->token_secret,
		            &cfg->token_secret_len);
	cfg->revoked_tokens_file = get_string(p, "revoked_tokens_file", NULL, FALSE);
	if (!p->err && cfg->revoked_tokens_file && !cfg->token_secret_file)
		fail(p, "revoked_tokens_file", "revokes signed tokens: set token_secret_file too");
	check_file(p, "revoked_tokens_file", cfg->revoked_tokens_file, FALSE);
	if (!p->err && g_key_file_has_key(p->kf, p->group, "allowed_origins", NULL)) {
		cfg->allowed_origins = get_names(p, "allowed_origins", &cfg->n_allowed_origins, 64);
		for (guint i = 0; cfg->allowed_origins && cfg->allowed_origins[i] && !p->err; i++) {
			g_autofree char *given = g_strdup(cfg->allowed_origins[i]);

			if (!origin_normalize(cfg->allowed_origins[i]))
				fail(p, "allowed_origins",
				     "\"%s\" is not an origin such as https://review.example.com "
				     "or "
				     "http://10.0.0.5:8080 (scheme, host, optional port; no path)",
				     given);
		}
	}
	cfg->max_messages_per_second =
	        (guint)get_uint(p, "max_messages_per_second", 50, 1, 1000000);
	cfg->metrics_require_admin = get_bool(p, "metrics_require_admin", FALSE);
}

static void parse_redis(struct cfg_parse *p, struct rs_config *cfg)
{
	static const char *const known[] = {"host",           "port",          "label_stream",
	                                    "expired_stream", "stream_maxlen", "user",
	                                    "password",       "password_file", "preannotation_stream",
	                                    NULL};

	p->group = "redis";
	if (g_key_file_has_group(p->kf, "redis"))
		check_known_keys(p, known);
	cfg->redis_host = get_string(p, "host", "127.0.0.1", FALSE);
	cfg->redis_port = (guint16)get_uint(p, "port", 6379, 1, 65535);
	cfg->label_stream = get_string(p, "label_stream", "ringside:labels", FALSE);
	cfg->expired_stream = get_string(p, "expired_stream", "ringside:expired", FALSE);
	cfg->stream_maxlen = get_uint(p, "stream_maxlen", 1000000, 0, G_MAXINT64);
	/* "" turns pre-annotations off */
	cfg->preannotation_stream =
		get_string(p, "preannotation_stream", "ringside:preannotations", FALSE);
	if (!p->err && !*cfg->preannotation_stream)
		g_clear_pointer(&cfg->preannotation_stream, g_free);
	if (!p->err && !*cfg->label_stream)
		fail(p, "label_stream", "must not be empty");
	if (!p->err && !*cfg->expired_stream)
		fail(p, "expired_stream", "must not be empty");

	cfg->redis_user = get_string(p, "user", NULL, FALSE);
	cfg->redis_password = get_string(p, "password", NULL, FALSE);
	cfg->redis_password_file = get_string(p, "password_file", NULL, FALSE);
	if (!p->err && cfg->redis_user && !*cfg->redis_user)
		fail(p, "user", "must not be empty");
	if (!p->err && cfg->redis_password && !*cfg->redis_password)
		fail(p, "password", "must not be empty");
	if (!p->err && cfg->redis_password && cfg->redis_password_file)
		fail(p, "password_file", "give password or password_file, not both");
	if (!p->err && cfg->redis_password_file) {
		gsize len;

		read_secret(p, "password_file", cfg->redis_password_file, 1, &cfg->redis_password,
		            &len);
	}
	if (!p->err && cfg->redis_user && !cfg->redis_password)
		fail(p, "user", "an ACL user needs password or password_file");
}

/* [spool]: the directory and bounds of the on-disk spool that takes what
 * Redis cannot (docs/spool.md). No dir: no spool. */
static void parse_spool(struct cfg_parse *p, struct rs_config *cfg)
{
	static const char *const known[] = {"dir", "max_bytes", "segment_bytes", NULL};
	g_autofree char *dir = NULL;

	p->group = "spool";
	if (g_key_file_has_group(p->kf, "spool"))
		check_known_keys(p, known);
	dir = get_string(p, "dir", NULL, FALSE);
	cfg->spool_max_bytes = get_size(p, "max_bytes", 1ULL << 30, 1 << 20, 1ULL << 44);
	cfg->spool_segment_bytes = get_size(p, "segment_bytes", 64 << 20, 64 * 1024, 1ULL << 32);
	if (p->err)
		return;
	if (dir && *dir && !g_path_is_absolute(dir)) {
		fail(p, "dir", "must be an absolute path (got \"%s\")", dir);
		return;
	}
	if (!g_key_file_has_key(p->kf, "spool", "segment_bytes", NULL))
		cfg->spool_segment_bytes = MIN(cfg->spool_segment_bytes, cfg->spool_max_bytes);
	else if (cfg->spool_segment_bytes > cfg->spool_max_bytes)
		fail(p, "segment_bytes", "must not be more than max_bytes (%" G_GUINT64_FORMAT ")",
		     cfg->spool_max_bytes);
	if (dir && *dir)
		cfg->spool_dir = g_steal_pointer(&dir);
}

static void parse_source(struct cfg_parse *p, struct rs_source_conf *s, const char *name)
{
	static const char *const known[] = {
	        "kind",       "uri",           "pipeline",     "width",
	        "height",     "fps",           "jpeg_quality", "sample_rate",
	        "listen",     "channels",      "offset_ms",    "ring_seconds",
	        "ring_bytes", "queue_buffers", "clock",        "transport",
	        NULL};
	g_autofree char *kind = NULL;

	s->name = g_strdup(name);
	check_known_keys(p, known);
	kind = get_string(p, "kind", NULL, TRUE);
	if (p->err)
		return;
	if (!strcmp(kind, "video"))
		s->kind = RS_KIND_VIDEO;
	else if (!strcmp(kind, "audio"))
		s->kind = RS_KIND_AUDIO;
	else if (!strcmp(kind, "sensor"))
		s->kind = RS_KIND_SENSOR;
	else {
		fail(p, "kind", "must be video, audio or sensor (got \"%s\")", kind);
		return;
	}

	s->offset_ns = get_duration(p, "offset_ms", 0, 1e6, -60 * G_TIME_SPAN_SECOND * 1000LL,
	                            60 * G_TIME_SPAN_SECOND * 1000LL);
	s->ring_ns = get_duration(p, "ring_seconds", 30, 1e9, 1000000000LL, 3600 * 1000000000LL);
	s->ring_bytes = get_size(p, "ring_bytes", 64 << 20, 64 * 1024, 1ULL << 36);

	{
		g_autofree char *clock = get_string(p, "clock", NULL, FALSE);
		gboolean sensor = s->kind == RS_KIND_SENSOR;

		s->clock = sensor ? RS_CLOCK_DEVICE : RS_CLOCK_AUTO;
		if (!clock)
			;
		else if (!sensor && !strcmp(clock, "auto"))
			s->clock = RS_CLOCK_AUTO;
		else if (!sensor && !strcmp(clock, "pipeline"))
			s->clock = RS_CLOCK_PIPELINE;
		else if (sensor && !strcmp(clock, "device"))
			s->clock = RS_CLOCK_DEVICE;
		else if (sensor && !strcmp(clock, "estimate"))
			s->clock = RS_CLOCK_ESTIMATE;
		else
			fail(p, "clock", "must be %s (got \"%s\")",
			     sensor ? "device or estimate" : "auto or pipeline", clock);
	}

	if (s->kind == RS_KIND_SENSOR) {
		g_autofree char *transport = get_string(p, "transport", "udp", FALSE);

		if (transport && !strcmp(transport, "tcp"))
			s->transport = RS_TRANSPORT_TCP;
		else if (transport && strcmp(transport, "udp"))
			fail(p, "transport", "must be udp or tcp (got \"%s\")", transport);
	}
	if (s->kind == RS_KIND_SENSOR) {
		const char *media_keys[] = {"uri", "pipeline",     "width",       "height",
		                            "fps", "jpeg_quality", "sample_rate", "queue_buffers"};
		for (guint i = 0; i < G_N_ELEMENTS(media_keys); i++) {
			if (g_key_file_has_key(p->kf, p->group, media_keys[i], NULL))
				fail(p, media_keys[i], "not a key of a sensor source");
		}
		get_hostport(p, "listen", NULL, &s->listen_host, &s->listen_port, TRUE);
		s->channels = get_names(p, "channels", &s->n_channels, 64);
		return;
	}

	if (g_key_file_has_key(p->kf, p->group, "listen", NULL))
		fail(p, "listen", "only sensor sources listen; use uri or pipeline");
	if (g_key_file_has_key(p->kf, p->group, "transport", NULL))
		fail(p, "transport", "only sensor sources have a transport");
	if (g_key_file_has_key(p->kf, p->group, "channels", NULL))
		fail(p, "channels", "only sensor sources have channels");
	s->uri = get_string(p, "uri", NULL, FALSE);
	s->pipeline = get_string(p, "pipeline", NULL, FALSE);
	if (!p->err && !!s->uri == !!s->pipeline)
		fail(p, NULL, "give exactly one of uri or pipeline");
	if (!p->err && s->uri && !looks_like_uri(s->uri))
		fail(p, "uri", "not a URI such as file:///path or rtsp://host/path (got \"%s\")",
		     s->uri);
	if (!p->err && ((s->uri && !*s->uri) || (s->pipeline && !*s->pipeline)))
		fail(p, s->uri ? "uri" : "pipeline", "must not be empty");
	s->queue_buffers = (guint)get_uint(p, "queue_buffers", 8, 1, 1024);
	if (s->kind == RS_KIND_VIDEO) {
		s->width = (guint)get_uint(p, "width", 640, 16, 7680);
		s->height = (guint)get_uint(p, "height", 360, 16, 4320);
		s->fps = (guint)get_uint(p, "fps", 15, 1, 120);
		s->jpeg_quality = (guint)get_uint(p, "jpeg_quality", 75, 1, 100);
		if (g_key_file_has_key(p->kf, p->group, "sample_rate", NULL))
			fail(p, "sample_rate", "not a key of a video source");
	} else {
		s->sample_rate = (guint)get_uint(p, "sample_rate", 16000, 8000, 192000);
		if (!p->err && s->sample_rate % 50)
			fail(p, "sample_rate", "must be a multiple of 50 (20 ms chunks)");
		const char *video_keys[] = {"width", "height", "fps", "jpeg_quality"};
		for (guint i = 0; i < G_N_ELEMENTS(video_keys); i++) {
			if (g_key_file_has_key(p->kf, p->group, video_keys[i], NULL))
				fail(p, video_keys[i], "not a key of an audio source");
		}
	}
}

static void parse_group(struct cfg_parse *p, struct rs_config *cfg, struct rs_group_conf *g,
                        const char *name)
{
	static const char *const known[] = {"sources",
	                                    "window_seconds",
	                                    "every_seconds",
	                                    "lateness_ms",
	                                    "classes",
	                                    "multi_label",
	                                    "time_box_seconds",
	                                    "max_attempts",
	                                    "queue_max",
	                                    "queue_timeout_seconds",
	                                    "kinds",
	                                    "event_classes",
	                                    "box_classes",
	                                    "segment_classes",
	                                    "emotions",
	                                    "sound_tags",
	                                    "caption_min_chars",
	                                    "text_max_chars",
	                                    "extend_seconds",
	                                    "max_extensions",
	                                    "ambiguous_to",
	                                    "max_ambiguous",
	                                    "preannotations_max",
	                                    "preannotation_wait_ms",
	                                    NULL};
	g_auto(GStrv) names = NULL;
	const gint64 day = 86400 * 1000000000LL;

	g->name = g_strdup(name);
	check_known_keys(p, known);
	names = get_names(p, "sources", &g->n_sources, 64);
	if (names) {
		g->sources = g_new0(struct rs_source_conf *, g->n_sources);
		for (guint i = 0; i < g->n_sources && !p->err; i++) {
			for (guint j = 0; j < cfg->n_sources; j++) {
				if (!strcmp(cfg->sources[j].name, names[i]))
					g->sources[i] = &cfg->sources[j];
			}
			if (!g->sources[i])
				fail(p, "sources", "no [source %s] in this file", names[i]);
		}
	}
	g->window_ns = get_duration(p, "window_seconds", 4, 1e9, 100000000LL, 3600 * 1000000000LL);
	g->every_ns = get_duration(p, "every_seconds", 10, 1e9, 100000000LL, day);
	g->lateness_ns = get_duration(p, "lateness_ms", 1000, 1e6, 0, 600 * 1000000000LL);
	g->classes = get_names(p, "classes", &g->n_classes, 64);
	g->multi_label = get_bool(p, "multi_label", FALSE);
	g->time_box_ns = get_duration(p, "time_box_seconds", 30, 1e9, 1000000000LL, day);
	g->max_attempts = (guint)get_uint(p, "max_attempts", 2, 1, 100);
	g->queue_max = (guint)get_uint(p, "queue_max", 32, 1, 100000);
	g->queue_timeout_ns = get_duration(p, "queue_timeout_seconds", 120, 1e9, 1000000000LL, day);
	config_parse_template(p, g);
	for (guint i = 0; g->sources && i < g->n_sources && !p->err; i++) {
		if (g->sources[i]->ring_ns < g->window_ns + g->lateness_ns)
			fail(p, "window_seconds",
			     "source %s keeps only %.1f s (ring_seconds) but a window needs "
			     "window_seconds + lateness_ms = %.1f s",
			     g->sources[i]->name, g->sources[i]->ring_ns / 1e9,
			     (g->window_ns + g->lateness_ns) / 1e9);
	}
}

static void parse_reviewer(struct cfg_parse *p, struct rs_config *cfg, struct rs_reviewer_conf *r,
                           const char *name)
{
	static const char *const known[] = {"token", "role", NULL};
	g_autofree char *role = NULL;

	r->id = g_strdup(name);
	check_known_keys(p, known);
	r->token = get_string(p, "token", NULL, TRUE);
	role = get_string(p, "role", "reviewer", FALSE);
	if (!p->err && !strcmp(role, "expert"))
		r->role = RS_ROLE_EXPERT;
	else if (!p->err && !strcmp(role, "admin"))
		r->role = RS_ROLE_ADMIN;
	else if (!p->err && strcmp(role, "reviewer"))
		fail(p, "role", "must be reviewer, expert or admin (got \"%s\")", role);
	if (!p->err && g_str_has_prefix(r->token, "v1."))
		fail(p, "token", "must not start with \"v1.\" (that is how signed tokens start)");
	if (!p->err && strlen(r->token) < 16)
		fail(p, "token", "at least 16 characters");
	for (guint i = 0; !p->err && i < cfg->n_reviewers; i++) {
		if (&cfg->reviewers[i] != r && cfg->reviewers[i].token &&
		    !strcmp(cfg->reviewers[i].token, r->token))
			fail(p, "token", "the same token as [reviewer %s]", cfg->reviewers[i].id);
	}
}

/* Splits "source cam" into kind "source" and name "cam"; NULL name for a
 * group without one. */
static gboolean split_group(const char *group, char **kind, char **name)
{
	const char *sp = strchr(group, ' ');

	if (!sp) {
		*kind = g_strdup(group);
		*name = NULL;
		return TRUE;
	}
	*kind = g_strndup(group, sp - group);
	*name = g_strdup(sp + 1);
	g_strstrip(*name);
	return TRUE;
}

static struct rs_config *parse(struct cfg_parse *p)
{
	struct rs_config *cfg = g_new0(struct rs_config, 1);
	g_auto(GStrv) groups = g_key_file_get_groups(p->kf, NULL);
	guint n_src = 0, n_grp = 0, n_rev = 0;

	cfg->path = g_strdup(p->path);
	/* First pass: every group is one we know, and count them. */
	for (guint i = 0; groups[i] && !p->err; i++) {
		g_autofree char *kind = NULL, *name = NULL;

		p->group = groups[i];
		split_group(groups[i], &kind, &name);
		if (!strcmp(kind, "daemon") || !strcmp(kind, "redis") || !strcmp(kind, "spool")) {
			if (name)
				fail(p, NULL, "[%s] takes no name", kind);
			continue;
		}
		if (strcmp(kind, "source") && strcmp(kind, "group") && strcmp(kind, "reviewer")) {
			fail(p, NULL,
			     "unknown group (known: daemon, redis, spool, source NAME, "
			     "group NAME, reviewer NAME)");
			break;
		}
		if (!name || !valid_name(name)) {
			fail(p, NULL, "the name must be 1-64 letters, digits, '_' or '-'");
			break;
		}
		if (!strcmp(kind, "source"))
			n_src++;
		else if (!strcmp(kind, "group"))
			n_grp++;
		else
			n_rev++;
	}
	if (p->err)
		return cfg;

	parse_daemon(p, cfg);
	parse_redis(p, cfg);
	parse_spool(p, cfg);
	cfg->sources = g_new0(struct rs_source_conf, n_src ? n_src : 1);
	cfg->groups = g_new0(struct rs_group_conf, n_grp ? n_grp : 1);
	cfg->reviewers = g_new0(struct rs_reviewer_conf, n_rev ? n_rev : 1);
	for (guint i = 0; groups[i] && !p->err; i++) {
		g_autofree char *kind = NULL, *name = NULL;

		split_group(groups[i], &kind, &name);
		p->group = groups[i];
		if (!strcmp(kind, "source"))
			parse_source(p, &cfg->sources[cfg->n_sources++], name);
	}
	for (guint i = 0; groups[i] && !p->err; i++) {
		g_autofree char *kind = NULL, *name = NULL;

		split_group(groups[i], &kind, &name);
		p->group = groups[i];
		if (!strcmp(kind, "group"))
			parse_group(p, cfg, &cfg->groups[cfg->n_groups++], name);
		else if (!strcmp(kind, "reviewer"))
			parse_reviewer(p, cfg, &cfg->reviewers[cfg->n_reviewers++], name);
	}
	if (p->err)
		return cfg;

	p->group = "daemon";
	if (cfg->metrics_require_admin && !cfg->token_secret) {
		gboolean admin = FALSE;

		for (guint i = 0; i < cfg->n_reviewers; i++)
			admin |= cfg->reviewers[i].role == RS_ROLE_ADMIN;
		if (!admin)
			fail(p, "metrics_require_admin",
			     "nobody could read /metrics: set token_secret_file (for admin tokens) "
			     "or give a [reviewer] role = admin");
	}

	for (guint i = 0; i < cfg->n_groups; i++)
		config_resolve_template(cfg, &cfg->groups[i]);
	p->group = "group";
	if (!cfg->n_groups)
		fail(p, NULL, "no [group NAME]: nothing would be reviewed");
	for (guint i = 0; i < cfg->n_sources && !p->err; i++) {
		gboolean used = FALSE;
		for (guint g = 0; g < cfg->n_groups; g++)
			for (guint j = 0; j < cfg->groups[g].n_sources; j++)
				used |= cfg->groups[g].sources[j] == &cfg->sources[i];
		if (!used) {
			g_autofree char *grp = g_strdup_printf("source %s", cfg->sources[i].name);
			p->group = grp;
			fail(p, NULL, "not in any group's sources");
		}
	}
	return cfg;
}

struct rs_config *config_load_data(const char *path, const char *data, gsize len, GError **err)
{
	struct cfg_parse p = {.path = path, .group = ""};
	struct rs_config *cfg = NULL;
	GError *kerr = NULL;

	p.kf = g_key_file_new();
	if (!g_key_file_load_from_data(p.kf, data, len, G_KEY_FILE_NONE, &kerr)) {
		g_set_error(err, RS_CONFIG_ERROR, 0, "%s: %s", path, kerr->message);
		g_error_free(kerr);
		goto out;
	}
	cfg = parse(&p);
	if (p.err) {
		g_propagate_error(err, p.err);
		p.err = NULL;
		g_clear_pointer(&cfg, config_free);
	}
out:
	g_key_file_free(p.kf);
	return cfg;
}

struct rs_config *config_load(const char *path, GError **err)
{
	g_autofree char *data = NULL;
	gsize len = 0;
	GError *ferr = NULL;

	if (!g_file_get_contents(path, &data, &len, &ferr)) {
		g_set_error(err, RS_CONFIG_ERROR, 0, "%s: %s", path, ferr->message);
		g_error_free(ferr);
		return NULL;
	}
	return config_load_data(path, data, len, err);
}

void config_free(struct rs_config *cfg)
{
	if (!cfg)
		return;
	for (guint i = 0; i < cfg->n_sources; i++) {
		struct rs_source_conf *s = &cfg->sources[i];
		g_free(s->name);
		g_free(s->uri);
		g_free(s->pipeline);
		g_free(s->listen_host);
		g_strfreev(s->channels);
	}
	for (guint i = 0; i < cfg->n_groups; i++) {
		g_free(cfg->groups[i].name);
		g_free(cfg->groups[i].sources);
		g_strfreev(cfg->groups[i].classes);
		config_free_template(&cfg->groups[i]);
	}
	for (guint i = 0; i < cfg->n_reviewers; i++) {
		g_free(cfg->reviewers[i].id);
		g_free(cfg->reviewers[i].token);
	}
	g_free(cfg->sources);
	g_free(cfg->groups);
	g_free(cfg->reviewers);
	g_free(cfg->path);
	g_free(cfg->listen_host);
	g_free(cfg->web_root);
	g_free(cfg->proto_dir);
	g_free(cfg->redis_host);
	g_free(cfg->label_stream);
	g_free(cfg->expired_stream);
	g_free(cfg->preannotation_stream);
	g_free(cfg->tls_cert);
	g_free(cfg->tls_key);
	g_free(cfg->token_secret_file);
	if (cfg->token_secret)
		memset(cfg->token_secret, 0, cfg->token_secret_len);
	g_free(cfg->token_secret);
	g_free(cfg->revoked_tokens_file);
	g_strfreev(cfg->allowed_origins);
	g_free(cfg->redis_user);
	if (cfg->redis_password)
		memset(cfg->redis_password, 0, strlen(cfg->redis_password));
	g_free(cfg->redis_password);
	g_free(cfg->redis_password_file);
	g_free(cfg->spool_dir);
	g_free(cfg);
}

const struct rs_source_conf *config_find_source(const struct rs_config *cfg, const char *name)
{
	for (guint i = 0; i < cfg->n_sources; i++) {
		if (!strcmp(cfg->sources[i].name, name))
			return &cfg->sources[i];
	}
	return NULL;
}

const struct rs_reviewer_conf *config_find_reviewer_by_token(const struct rs_config *cfg,
                                                             const char *token)
{
	const struct rs_reviewer_conf *found = NULL;
	gsize len = strlen(token);

	/* Compare every token in full, in constant time for equal lengths,
	 * so response time does not reveal how much of a guess matched. */
	for (guint i = 0; i < cfg->n_reviewers; i++) {
		const char *t = cfg->reviewers[i].token;
		guchar diff = 0;

		if (strlen(t) != len)
			continue;
		for (gsize k = 0; k < len; k++)
			diff |= (guchar)(t[k] ^ token[k]);
		if (!diff)
			found = &cfg->reviewers[i];
	}
	return found;
}
