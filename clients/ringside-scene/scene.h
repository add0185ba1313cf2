/* ringside-scene: a live synthetic scene whose events show up in video, audio
 * and sensor data at the same wall-clock instant. Declarations shared by its parts. */
#pragma once

#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <netdb.h>
#include <stdio.h>

/* Every event lasts this long; start times are at least SCENE_MIN_GAP_NS apart. */
#define SCENE_EVENT_NS (600 * GST_MSECOND)
#define SCENE_MIN_GAP_NS (1500 * GST_MSECOND)
/* No event starts earlier than this after the scene begins. */
#define SCENE_LEAD_IN_NS (2 * GST_SECOND)
/* Media buffers are handed to GStreamer this long before the instant they
 * depict; the synchronised udpsinks hold them until that instant. */
#define SCENE_AHEAD_NS (100 * GST_MSECOND)
/* A stream that falls further behind than this (a stall, or the wall clock
 * stepped forward) skips to the present instead of sending the backlog. */
#define SCENE_SKIP_NS (1 * GST_SECOND)
/* Marker mode: each audio click lasts this long from its instant. */
#define SCENE_CLICK_NS (2 * GST_MSECOND)
/* Destinations one output may be sent to (the same packets to each). */
#define SCENE_MAX_DESTS 4

enum scene_class {
	SCENE_SQUARE,
	SCENE_CIRCLE,
};

/* One event of the scene: [start_ns, end_ns) in UNIX ns. */
struct scene_event {
	enum scene_class cls;
	gint64 start_ns;
	gint64 end_ns;
};

/* A cursor over the scene's event sequence. Every part of the scene owns one;
 * cursors made with the same seed, mean gap and begin time yield the same
 * events, so the parts agree without sharing state. */
struct scene_events;

/* Where one output goes: up to SCENE_MAX_DESTS HOST:PORT pairs (n = 0: the
 * output is off). RTP goes to each port, RTCP (with --rtcp) to port + 1. */
struct scene_output {
	char *host[SCENE_MAX_DESTS];
	guint port[SCENE_MAX_DESTS];
	guint n;
};

/* Command-line settings, filled once in main and read-only afterwards. */
struct scene_opts {
	struct scene_output video;
	struct scene_output audio;
	struct scene_output sensor;
	char *truth_path; /* NULL: stdout */
	guint64 seed;
	double mean_gap_s;
	double duration_s; /* 0: run until signalled */
	int width;
	int height;
	int fps;
	int rate;
	gint64 marker_ns;       /* > 0: marker mode, a marker at every multiple of it */
	gboolean rtcp;          /* send RTCP sender reports (capture times) */
	gint64 delay_ns;        /* hold every packet this long before sending */
	gint64 clock_offset_ns; /* sensor: device clock - true time at begin_ns */
	double drift_ppm;       /* sensor: device clock rate error */
};

/* What the feeding threads share. One per process. */
struct scene_run {
	const struct scene_opts *opts;
	gint64 base_ns;  /* the pipeline's base_time: wall time of PTS 0 */
	gint64 begin_ns; /* wall time of the first frame, sample and reading */
	gint stop;       /* set (atomically) to ask every thread to return */
	GstAppSrc *video_src;
	GstAppSrc *audio_src;
	int sensor_fd[SCENE_MAX_DESTS];
	struct sockaddr_storage sensor_addr[SCENE_MAX_DESTS];
	socklen_t sensor_addrlen[SCENE_MAX_DESTS];
	FILE *truth;
};

/* events.c */
struct scene_events *scene_events_new(const struct scene_opts *opts, gint64 begin_ns);
void scene_events_free(struct scene_events *ev);
const struct scene_event *scene_events_at(struct scene_events *ev, gint64 t_ns);
const struct scene_event *scene_events_peek(struct scene_events *ev);
void scene_events_advance(struct scene_events *ev);
const char *scene_class_name(enum scene_class cls);
gint64 scene_now_ns(void);
gboolean scene_sleep_until(gint64 t_ns, gint *stop);
guint64 scene_grid_next(gint64 begin_ns, guint64 k, guint64 num, guint64 den);
double scene_gauss(GRand *rand);
gint64 scene_marker_before(const struct scene_opts *opts, gint64 t_ns);

/* Thread bodies; each takes a struct scene_run * and returns NULL. */
gpointer scene_video_run(gpointer data);  /* video.c */
gpointer scene_audio_run(gpointer data);  /* audio.c */
gpointer scene_sensor_run(gpointer data); /* sensor.c */
