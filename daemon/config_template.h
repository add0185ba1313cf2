/* Internal to daemon/config.c: the label-template keys of a [group NAME]
 * (daemon/config_template.c; docs/configuration.md). */
#pragma once

#include "daemon/config.h"
#include "daemon/config_values.h"

/* Reads the template keys of the current group into G; G->classes must be
 * read already (the other class lists default to it). */
void config_parse_template(struct cfg_parse *p, struct rs_group_conf *g);
/* After every group and reviewer is read: resolves ambiguous_to = auto
 * (expert when some [reviewer] has role expert). */
void config_resolve_template(struct rs_config *cfg, struct rs_group_conf *g);
void config_free_template(struct rs_group_conf *g);
