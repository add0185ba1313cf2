/* Shared by the libFuzzer harnesses: the daemon's log lines are dropped
 * (a fuzzer feeds millions of bad inputs, each logged), except GLib
 * criticals and errors, which mean a broken invariant and abort the run.
 * FUZZ_VERBOSE=1 in the environment shows every line (for a reproducer). */
#pragma once

#include <glib.h>
#include <stdint.h>
#include <stdlib.h>

/* Aborts: libFuzzer (and ASan) report the input and the stack. */
#define FUZZ_CHECK(cond)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			g_printerr("%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);        \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static GLogWriterOutput fuzz_log_writer(GLogLevelFlags level, const GLogField *fields,
                                        gsize n_fields, gpointer user)
{
	static int verbose = -1;

	if (verbose < 0)
		verbose = g_getenv("FUZZ_VERBOSE") != NULL;
	if (verbose || (level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR)))
		g_log_writer_standard_streams(level, fields, n_fields, user);
	if (level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR))
		abort();
	return G_LOG_WRITER_HANDLED;
}

/* Call once, from LLVMFuzzerInitialize. */
static inline void fuzz_quiet_logs(void)
{
	g_log_set_writer_func(fuzz_log_writer, NULL, NULL);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
