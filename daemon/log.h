/* Logging: GLib's structured log to the journal under systemd, otherwise
 * one timestamped line per message on stderr. */
#pragma once

void log_init(void);
