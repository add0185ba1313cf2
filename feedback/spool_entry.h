/* One Redis entry as the spool stores it (docs/spool.md): packed by the
 * relay before an XADD so that it can go to the spool if Redis fails, and
 * parsed again for the replay. */
#pragma once

#include <glib.h>

/* One Redis entry as the spool stores it: what XADD needs plus the id
 * consumers deduplicate on. Every pointer is a view into the packed
 * bytes it was parsed from and lives as long as they do. */
struct spool_entry {
	const char *id;     /* label_id, or "expired:<window_id>" */
	const char *stream; /* the stream it is for */
	gint64 spooled_ns;  /* wall clock when it was packed */
	guint n_fields;
	const char **fields; /* NUL-terminated names */
	const char **values; /* binary-safe, lengths in vlens */
	gsize *vlens;
};

/* Packs one entry: ID, STREAM and N_FIELDS field/value pairs (values
 * binary-safe with lengths in VLENS). Returns a new GBytes. O(bytes). */
GBytes *spool_entry_pack(const char *id, const char *stream, guint n_fields,
                         const char *const *fields, const char *const *values, const gsize *vlens);
/* Parses PAYLOAD into OUT (views into PAYLOAD, plus three arrays freed by
 * spool_entry_clear). Returns FALSE for bytes that are not a packed entry. */
gboolean spool_entry_parse(GBytes *payload, struct spool_entry *out);
void spool_entry_clear(struct spool_entry *e);
