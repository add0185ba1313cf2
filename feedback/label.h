/* Label validation and completion: what a reviewer submits, and what a
 * model offers as a pre-annotation, is checked against the window it
 * answers and its group's template before anything is published or shown
 * (docs/labels.md); a validated label is completed by the daemon (boxes
 * interpolated, speaker changes marked, confidences cleared). */
#pragma once

#include <glib.h>

#include "ringside.pb-c.h"
#include "streams/window.h"

/* Longest label id accepted (a UUID is 36); also track, speaker and
 * entity ids. */
#define LABEL_ID_MAX 64
/* Longest speaker or entity name, in characters. */
#define LABEL_NAME_MAX 200

/* Caps on repeated fields, so that a hostile label cannot make validation
 * slow: one past a cap is refused ("events: at most 256"). */
#define LABEL_CLASSES_MAX 64
#define LABEL_EVENTS_MAX 256
#define LABEL_CAPTIONS_MAX 32
#define LABEL_SPEAKERS_MAX 32
#define LABEL_TRANSCRIPT_MAX 512
#define LABEL_TRACKS_MAX 64
#define LABEL_KEYFRAMES_MAX 512 /* per track */
#define LABEL_SENSOR_SEGMENTS_MAX 256
#define LABEL_ENTITIES_MAX 64
#define LABEL_MENTIONS_MAX 64 /* per entity */
#define LABEL_INSTRUCTIONS_MAX 16
#define LABEL_SOURCES_MAX 64    /* sources of one item */
#define LABEL_CHANNELS_MAX 64   /* channels of one sensor segment */
#define LABEL_SOUND_TAGS_MAX 64 /* sound tags of one transcript segment */

/* Checks a reviewer's LABEL against WINDOW (its id, span, sources and
 * frames, and its group's template). Returns TRUE, or FALSE with REASON
 * (at most REASON_LEN bytes, NUL-terminated, valid UTF-8) naming the field
 * path and why, e.g. "classes[1]: \"cow\" is not a class of group robot1".
 * Fields the daemon sets (reviewer, times, attempt, extensions, expert)
 * and confidences are not looked at: label_complete overwrites or clears
 * them. Linear in the label's size, at most quadratic in one capped
 * repeated field (uniqueness); a keyframe costs O(log frames). */
gboolean label_validate(const Ringside__V1__Label *label, const rs_window *window, char *reason,
                        gsize reason_len);

/* Checks a model's PRE-annotation for WINDOW: its group and span, a model
 * name, and its label by the same rules as label_validate, except that ids
 * and daemon-set fields are ignored, it needs at least one item of any
 * kind, has no flag and no PreAnnotationUse, and its confidences (and
 * class_confidences: none, or one per class) are finite and in [0, 1].
 * Returns TRUE, or FALSE with REASON as label_validate (paths inside the
 * label start with "label."). Same cost. */
gboolean label_validate_pre(const Ringside__V1__PreAnnotation *pre, const rs_window *window,
                            char *reason, gsize reason_len);

/* The items of LABEL a reviewer can accept, change or delete: classes +
 * events + captions + transcript segments + tracks + sensor segments +
 * entities + instructions (speakers are not items). Saturates at
 * G_MAXUINT. O(1). */
guint label_count_items(const Ringside__V1__Label *label);

/* Completes a reviewer's LABEL, validated against WINDOW, right before it
 * is packed: clears every confidence and class_confidences; marks
 * keyframes keyframe=true; fills each Track.boxes with one box per frame
 * of its video source from its first keyframe to its last (keyframes as
 * given, frames between them interpolated linearly in x, y, w, h by time,
 * keyframe=false); sets TranscriptSegment.speaker_change.
 *
 * OUT is a shallow copy of the label: no message reachable through its
 * original pointers is modified. Changed messages and pointer arrays are
 * copied into blocks from g_malloc, each appended to GARBAGE (created by
 * the caller with g_free as its free function), and OUT points at the
 * copies; the caller frees GARBAGE after packing OUT. O(items + frames of
 * the tracks' sources). */
void label_complete(Ringside__V1__Label *out, const rs_window *window, GPtrArray *garbage);

/* How far a keyframe's t_ns may be from its frame's capture time. A
 * reviewer's page holds times as doubles (exact to ~256 ns at today's UNIX
 * ns), so its keyframes are within LABEL_FRAME_TOLERANCE_NS; a model does
 * not know the daemon's frame times, so its keyframes may be up to half a
 * frame period off. Either is moved to the exact frame time: by
 * label_complete for a reviewer, by label_snap_keyframes for a model. */
#define LABEL_FRAME_TOLERANCE_NS 1000
/* Index of the first frame (sample) of WS at or after T_NS; the number of
 * frames when there is none. O(log frames). */
guint label_frame_first_at(const struct rs_window_source *ws, gint64 t_ns);
/* Index of the frame of WS nearest T_NS when within TOL_NS of it, or -1.
 * O(log frames). */
gint label_frame_near(const struct rs_window_source *ws, gint64 t_ns, gint64 tol_ns);
/* The tolerance for SRC's keyframes: a model's (PRE) or a reviewer's. */
gint64 label_frame_tolerance(const struct rs_source_conf *src, gboolean pre);
/* Moves every keyframe of LABEL's tracks (validated against WINDOW) to the
 * exact time of its frame, in place. */
void label_snap_keyframes(Ringside__V1__Label *label, const rs_window *window, gboolean pre);
/* Drops unknown fields from M and every message inside it, in place (M
 * from protobuf-c's unpack): what is published or forwarded is only what
 * the schema says. */
void label_strip_unknown(ProtobufCMessage *m);
