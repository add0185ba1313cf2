/* Reload (SIGHUP): re-reads the config file and restarts, one by one, the
 * sources whose settings changed; everything else keeps running. Changes
 * that reload cannot apply are logged as needing a restart. */
#pragma once

#include <glib.h>

#include "daemon/config.h"
#include "streams/ring.h"
#include "streams/source.h"

typedef struct reloader reloader;

/* CFG is the config the daemon runs on; RINGS[i] and SOURCES[i] belong to
 * CFG->sources[i]. All are borrowed and must outlive the reloader;
 * reload_apply replaces entries of SOURCES in place (freeing the old
 * source) and points CFG's groups at the new settings. */
reloader *reloader_new(struct rs_config *cfg, ring **rings, source **sources);

/* Frees the configs loaded by reloads. Call it after every window and
 * source that may point into them is gone. */
void reloader_free(reloader *r);

/* Reads the config file again (CFG->path). When it does not load, logs
 * the error (file, group, key, reason) and changes nothing. Otherwise:
 * each source whose name and kind are unchanged but any other setting
 * differs is stopped, freed and rebuilt with the new settings on the same
 * ring (its ring is kept even when ring_seconds or ring_bytes changed);
 * every other difference is logged as needing a restart. A source whose
 * new settings are refused (a pipeline that does not parse, a port in use)
 * is rebuilt with the settings it ran with. Logs one summary line.
 * Returns the number of sources restarted with new settings, or -1 when
 * the file was refused. Runs on the main loop; costs one config parse and
 * O(sources x groups) comparisons, plus the restarts. */
int reload_apply(reloader *r);
