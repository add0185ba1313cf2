/* What source_gst.c shares with source_gst_clock.c (where capture times come
 * from): the state of a video or audio source. Not for other modules. */
#pragma once

#include <gst/app/gstappsink.h>
#include <gst/gst.h>

#include "streams/source_internal.h"

#define CONVERT_NAME "ringside_convert"

/* The clock capture times come from. */
enum src_clock {
	SRC_CLOCK_NONE = 0, /* no sample yet */
	SRC_CLOCK_RTCP,     /* the sender's reference timestamps */
	SRC_CLOCK_PIPELINE, /* base time + running time */
};

/* Why the pipeline clock is in use (for the log line). */
enum ref_state {
	REF_NONE = 0, /* no sender reports seen in this run */
	REF_OK,       /* ref_offset_ns is current */
	REF_STALE,    /* none for REF_TIMEOUT_NS */
	REF_BAD,      /* the last one was beyond REF_MAX_OFFSET_NS */
};

/* One of these per video or audio source. Fields without a note are used
 * on the main loop only. */
struct gst_src {
	source *src;
	char *description; /* the full gst-launch description */
	GstClock *clock;   /* REALTIME system clock, shared by every run */
	GMainContext *ctx; /* where the bus watch and timers run */

	GstElement *pipeline; /* the current run; NULL while waiting to restart */
	GstAppSink *sink;     /* ref held */
	GSource *bus_watch;
	GSource *restart_timer;
	GSource *tick_timer;
	gboolean running;      /* between start and stop */
	gint64 run_started_us; /* monotonic */
	gint64 backoff_us;     /* delay before the next restart */
	gint64 pending_us;     /* delay of the restart pending, if any */

	/* streaming-thread state, under lock */
	GMutex lock;
	gboolean accept; /* pushes allowed; cleared before a pipeline stops */
	gboolean have_prev;
	gint64 prev_t_ns;          /* video: previous frame's capture time */
	gboolean thin_have;        /* video, encoder's streaming thread only: */
	gint64 thin_next;          /* PTS the next kept frame is due at */
	GByteArray *chunk;         /* audio: the chunk being filled */
	guint chunk_samples;       /* audio: samples per chunk */
	gboolean have_anchor;      /* audio: anchor_ns is set */
	gint64 anchor_ns;          /* audio: capture time of the anchor's first sample */
	guint64 anchor_n;          /* audio: samples pushed since the anchor */
	enum ref_state ref;        /* sender reference, from the convert probe: */
	gint64 ref_offset_ns;      /* reference - pipeline time of the last one */
	gint64 ref_pt_ns;          /* pipeline time of the buffer it came with */
	enum src_clock clock_used; /* this run's, from the last sample */
	int logged;        /* what was last logged (gst_src_clock_pick's key), across runs */
	GstCaps *ntp_caps; /* timestamp/x-ntp; immutable */

	/* atomic: written by streaming threads */
	atomic_int_least64_t last_sample_us; /* monotonic arrival of the last sample */
	atomic_int_least64_t delay_ns;       /* arrival - capture of the last sample */
	atomic_uint_least64_t dropped;
	atomic_uint_least64_t discont;
	atomic_uint_least64_t eos;
	atomic_uint_least64_t restarts;
	atomic_int clock_active;        /* enum src_clock, for the metrics */
	atomic_int offset_known;        /* ref_offset_ns was set in this run */
	atomic_int_least64_t offset_ns; /* copy of ref_offset_ns */
	atomic_int rtp_seen;            /* an RTP receiver is in the pipeline */
};

/* Under g->lock: the capture time of a sample at pipeline time PT, from the
 * clock in use; *CHANGED when that is news for the log. */
gint64 gst_src_clock_pick(struct gst_src *g, gint64 pt, gboolean *changed);
/* Logs the clock now in use (after gst_src_clock_pick set *CHANGED). */
void gst_src_clock_log(struct gst_src *g, enum src_clock c, enum ref_state ref, gint64 offset_ns);
/* Turns on reference timestamps on ELEMENT when it can make them. */
void gst_src_enable_reference_meta(struct gst_src *g, GstElement *element);
/* clock = auto: reference timestamps on every element of P that can make
 * them, now and as they are added, and the reference probe. */
void gst_src_clock_watch(struct gst_src *g, GstElement *p);
