/* Fuzz target: config_load_data (daemon/config.c), the whole key-file
 * parser and its checks. Input: the file's text. Checks: exactly one of a
 * config or an error naming the file; a config that loads holds what the
 * rest of the daemon relies on (every group has sources and classes,
 * every reviewer a token of 16 or more characters). */
#include <string.h>

#include "daemon/config.h"
#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet_logs();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	GError *err = NULL;
	struct rs_config *cfg = config_load_data("fuzz.conf", (const char *)data, size, &err);

	FUZZ_CHECK(!cfg != !err);
	if (err) {
		FUZZ_CHECK(g_str_has_prefix(err->message, "fuzz.conf: "));
		g_error_free(err);
		return 0;
	}
	FUZZ_CHECK(cfg->n_groups >= 1);
	FUZZ_CHECK(cfg->listen_host && cfg->web_root && cfg->label_stream && *cfg->label_stream);
	for (guint i = 0; i < cfg->n_groups; i++) {
		const struct rs_group_conf *g = &cfg->groups[i];

		FUZZ_CHECK(g->n_sources >= 1 && g->n_classes >= 1);
		FUZZ_CHECK(g->window_ns > 0 && g->time_box_ns > 0);
		for (guint j = 0; j < g->n_sources; j++)
			FUZZ_CHECK(config_find_source(cfg, g->sources[j]->name) == g->sources[j]);
	}
	for (guint i = 0; i < cfg->n_sources; i++) {
		const struct rs_source_conf *s = &cfg->sources[i];

		FUZZ_CHECK(s->kind == RS_KIND_SENSOR ? s->n_channels >= 1 && s->listen_host != NULL
		                                     : !s->uri != !s->pipeline);
	}
	for (guint i = 0; i < cfg->n_reviewers; i++) {
		FUZZ_CHECK(strlen(cfg->reviewers[i].token) >= 16);
		FUZZ_CHECK(config_find_reviewer_by_token(cfg, cfg->reviewers[i].token) ==
		           &cfg->reviewers[i]);
	}
	FUZZ_CHECK(config_find_reviewer_by_token(cfg, "") == NULL);
	config_free(cfg);
	return 0;
}
