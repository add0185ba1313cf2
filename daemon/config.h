/* ringsided's configuration: a GLib key file read once at start (and on
 * reload), checked completely before anything starts. */
#pragma once

#include <glib.h>

enum rs_kind {
	RS_KIND_VIDEO = 1, /* values match ringside.v1.Kind */
	RS_KIND_AUDIO = 2,
	RS_KIND_SENSOR = 3,
};

const char *rs_kind_name(enum rs_kind kind);

/* How a source's samples get their time on the one timeline. */
enum rs_clock {
	RS_CLOCK_AUTO = 0,  /* video/audio: the sender's reference timestamps
			     * (RTCP sender reports) when buffers carry them,
			     * else the pipeline clock */
	RS_CLOCK_PIPELINE,  /* video/audio: always base time + running time */
	RS_CLOCK_DEVICE,    /* sensor: t_ns is UNIX ns from a synchronized clock */
	RS_CLOCK_ESTIMATE,  /* sensor: t_ns is on the device's own clock; map it
			     * by an offset and drift estimated from arrivals */
};

enum rs_transport {
	RS_TRANSPORT_UDP = 0, /* one SensorBatch per datagram */
	RS_TRANSPORT_TCP,     /* a stream of varint-length-delimited SensorBatch */
};

/* One of these per [source NAME] group. */
struct rs_source_conf {
	char *name;
	enum rs_kind kind;

	/* video and audio: exactly one of uri (uridecodebin) or pipeline
	 * (a gst-launch description that produces raw or decodable media) */
	char *uri;
	char *pipeline;

	/* video */
	guint width, height, fps, jpeg_quality;
	/* audio */
	guint sample_rate;
	/* sensor: UDP datagrams carrying ringside.v1.SensorBatch */
	char *listen_host;
	guint16 listen_port;
	char **channels; /* NULL-terminated */
	guint n_channels;

	enum rs_clock clock;
	enum rs_transport transport; /* sensor */

	gint64 offset_ns;   /* calibration added to every capture time */
	gint64 ring_ns;     /* ring: how much past to keep */
	gsize ring_bytes;   /* ring: hard byte cap */
	guint queue_buffers; /* appsink queue cap (buffers); oldest dropped */
};

/* One of these per [group NAME]: sources reviewed together. */
/* Label kinds are ringside.v1.LabelKind values 1..RS_LABEL_KINDS_MAX. */
#define RS_LABEL_KINDS_MAX 8
#define RS_KIND_BIT(k) (1u << (k))

/* Who gets a window again after a reviewer flagged it ambiguous. */
enum rs_ambiguous_to {
	RS_AMBIGUOUS_TO_AUTO = 0, /* config only: EXPERT if any [reviewer] is an expert */
	RS_AMBIGUOUS_TO_ANYONE,   /* any reviewer but those who flagged it */
	RS_AMBIGUOUS_TO_EXPERT,   /* reviewers with role expert only */
};

/* "classes", "events", ... for a ringside.v1.LabelKind value. */
const char *config_kind_name(guint kind);

struct rs_group_conf {
	char *name;
	struct rs_source_conf **sources; /* borrowed from rs_config.sources */
	guint n_sources;

	gint64 window_ns;   /* length of a window */
	gint64 every_ns;    /* a periodic window starts this often */
	gint64 lateness_ns; /* how long to wait for a late source */

	char **classes; /* NULL-terminated */
	guint n_classes;
	gboolean multi_label;

	gint64 time_box_ns;   /* deadline = assignment + time box */
	guint max_attempts;   /* offers before an expired record */
	guint queue_max;      /* windows waiting for a reviewer, at most */
	gint64 queue_timeout_ns; /* a window waits this long for a reviewer */

	/* The label template (docs/labels.md). Lists default to classes. */
	guint kinds;             /* bit (1 << RINGSIDE__V1__LABEL_KIND__...) per kind */
	guint8 kind_order[RS_LABEL_KINDS_MAX]; /* the kinds in config order */
	guint n_kinds;
	char **event_classes;    /* NULL-terminated; never NULL */
	guint n_event_classes;
	char **box_classes;
	guint n_box_classes;
	char **segment_classes;
	guint n_segment_classes;
	char **emotions;         /* NULL-terminated, may be empty */
	guint n_emotions;
	char **sound_tags;
	guint n_sound_tags;
	guint caption_min_chars;
	guint text_max_chars;
	gint64 extend_ns;        /* more time per Extend; 0: not allowed */
	guint max_extensions;
	enum rs_ambiguous_to ambiguous_to; /* never AUTO after config_load */
	guint max_ambiguous;     /* ambiguous flags before the window is expired */
	guint preannotations_max; /* pre-annotations waiting for a window, at most */
	gint64 preannotation_wait_ns; /* a window is cut no sooner than this after its end */
};

/* What a reviewer may do (docs/security.md); values match token.h's roles. */
enum rs_role {
	RS_ROLE_REVIEWER = 0, /* may review */
	RS_ROLE_EXPERT,       /* may review; flagged as an expert */
	RS_ROLE_ADMIN,        /* may review, and read /metrics when that needs an admin */
};

const char *rs_role_name(enum rs_role role);

/* One of these per [reviewer NAME]. */
struct rs_reviewer_conf {
	char *id;
	char *token;
	enum rs_role role;
};

struct rs_config {
	char *path;

	/* [daemon] */
	char *listen_host;
	guint16 listen_port;
	char *web_root;
	char *proto_dir;
	gsize max_message_bytes; /* largest websocket message accepted */
	gsize send_queue_bytes;  /* per-connection outbound cap */
	guint max_prefetch;      /* held tasks per reviewer besides the current one */
	char *preannotation_stream; /* [redis] stream models XADD PreAnnotations to; NULL: none */

	/* [redis] */
	char *redis_host;
	guint16 redis_port;
	char *label_stream;
	char *expired_stream;
	guint64 stream_maxlen; /* XADD MAXLEN ~ */

	struct rs_source_conf *sources;
	guint n_sources;
	struct rs_group_conf *groups;
	guint n_groups;
	struct rs_reviewer_conf *reviewers;
	guint n_reviewers;

	/* [daemon] security (docs/security.md) */
	char *tls_cert;            /* PEM certificate chain; NULL: plain http and ws */
	char *tls_key;             /* its private key; set exactly when tls_cert is */
	char *token_secret_file;   /* NULL: no signed tokens */
	char *token_secret;        /* its bytes, trailing newline dropped; >= 32 bytes */
	gsize token_secret_len;
	char *revoked_tokens_file; /* NULL: nothing revoked */
	char **allowed_origins;    /* NULL-terminated, lower case; NULL: the Host only */
	guint n_allowed_origins;
	guint max_messages_per_second; /* per connection; bursts of twice that */
	gboolean metrics_require_admin; /* /metrics needs an admin's bearer token */

	/* [redis] AUTH */
	char *redis_user;          /* ACL user; NULL: AUTH with the password only */
	char *redis_password;      /* from password or password_file; NULL: no AUTH */
	char *redis_password_file;

	/* [spool] (docs/spool.md) */
	char *spool_dir;             /* NULL: no spool, a failed publish is refused */
	guint64 spool_max_bytes;     /* segment files on disk, at most */
	guint64 spool_segment_bytes; /* a new segment file past this */
};

#define RS_CONFIG_ERROR (rs_config_error_quark())
GQuark rs_config_error_quark(void);

/* Reads and checks PATH. Returns NULL and sets ERR with a message naming
 * the file, group, key and reason when anything is wrong. */
struct rs_config *config_load(const char *path, GError **err);
/* Same, from text in memory; PATH is only used in messages. */
struct rs_config *config_load_data(const char *path, const char *data, gsize len, GError **err);
void config_free(struct rs_config *cfg);

const struct rs_source_conf *config_find_source(const struct rs_config *cfg, const char *name);
const struct rs_reviewer_conf *config_find_reviewer_by_token(const struct rs_config *cfg, const char *token);
