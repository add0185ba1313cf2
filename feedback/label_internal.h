/* Shared by the label checkers (label.c, label_media.c, label_text.c):
 * one validation context and the rules every kind uses (text, ids, spans,
 * sources). Not for use outside feedback/label*.c. */
#pragma once

#include "feedback/label.h"

/* Values echoed into a reason are cut to this many bytes. */
#define LV_ECHO_MAX 80
#define LV_ECHO_SLOTS 4
/* Longest field path in a reason ("entities[63].mentions[63].text_end"). */
#define LV_PATH_MAX 64

/* One of these per validation call. */
struct lv {
	const Ringside__V1__Label *l;
	const rs_window *w;
	const struct rs_group_conf *g;
	gboolean pre;       /* a model's pre-annotation: confidences are checked */
	const char *prefix; /* "" for a reviewer's label, "label." for a pre-annotation */
	char *reason;
	gsize reason_len;
	/* echoed values, quoted safely; reused round-robin */
	char echo[LV_ECHO_SLOTS][LV_ECHO_MAX + 1];
	guint n_echo;
	/* code-point lengths of texts, for entity mentions' character spans */
	guint caption_chars[LABEL_CAPTIONS_MAX];
	guint segment_chars[LABEL_TRANSCRIPT_MAX];
};

/* Writes the reason: PREFIX, then the formatted text, cut at a character
 * boundary to fit. Always returns FALSE. */
gboolean lv_refuse(struct lv *v, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* S made safe to quote in a reason: at most LV_ECHO_MAX bytes, control
 * characters and invalid UTF-8 replaced by '?'. Valid until LV_ECHO_SLOTS
 * further calls. */
const char *lv_echo(struct lv *v, const char *s);

/* An id (track, speaker, entity): 1-LABEL_ID_MAX printable ASCII
 * characters without spaces. */
gboolean lv_valid_id(const char *id);

enum lv_text {
	LV_TEXT_FREE, /* captions, transcript, instructions, flag reasons: \n and \t allowed */
	LV_TEXT_LINE, /* names: no control character at all */
};
/* Checks S at PATH: valid UTF-8, no control characters but those KIND
 * allows, at most MAX code points; with NONEMPTY, something besides
 * whitespace. Stores its length in code points in *CHARS (may be NULL)
 * and its length without surrounding whitespace in *TRIMMED (may be NULL).
 * O(length). */
gboolean lv_text(struct lv *v, const char *path, const char *s, enum lv_text kind, guint max,
                 gboolean nonempty, guint *chars, guint *trimmed);

/* [START, END) at PATH is inside the window with END > START. With
 * WHOLE_OK, both 0 stands for the whole window. */
gboolean lv_span(struct lv *v, const char *path, gint64 start, gint64 end, gboolean whole_ok);
/* A pre-annotation's confidence at PATH is finite and in [0, 1]; a
 * reviewer's is not looked at. */
gboolean lv_confidence(struct lv *v, const char *path, float c);

/* NAME in the NULL-terminated-or-counted list LIST of N names. */
gboolean lv_in_list(char *const *list, guint n, const char *name);
/* The window's source called NAME, or NULL. */
const struct rs_window_source *lv_source(const rs_window *w, const char *name);
/* SOURCES (N of them) at PATH: at most LABEL_SOURCES_MAX, each a source of
 * the window, none twice; with NONEMPTY at least one. */
gboolean lv_sources(struct lv *v, const char *path, char *const *sources, gsize n,
                    gboolean nonempty);
/* ID is the speaker_id of one of L's speakers. O(speakers). */
gboolean lv_is_speaker(const Ringside__V1__Label *l, const char *id);
/* NAMES[I] appears among NAMES[0..I). O(I). */
gboolean lv_seen_before(char *const *names, gsize i);

/* The kinds, each TRUE or FALSE with the reason. Called in this order:
 * events, captions and transcript before entities (mentions refer to
 * them). */
gboolean lv_events(struct lv *v);
gboolean lv_captions(struct lv *v);
gboolean lv_transcript(struct lv *v);
gboolean lv_tracks(struct lv *v);
gboolean lv_sensor_segments(struct lv *v);
gboolean lv_entities(struct lv *v);
gboolean lv_instructions(struct lv *v);
