/* Sensor clocks: maps the times a sensor device stamps on its readings, on
 * its own clock (any epoch, offset, drifting), onto the one timeline (UNIX
 * ns), from the times its batches arrive. One estimator per device; a table
 * of them per sensor source. Pure: the caller supplies every time. */
#pragma once

#include <glib.h>

/* Pairs are grouped by the device time they carry into buckets this long;
 * each bucket keeps its pair with the smallest delay. */
#define SENSOR_CLOCK_BUCKET_NS G_GINT64_CONSTANT(1000000000)
/* Buckets kept: the fit covers the last 5 minutes of device time. */
#define SENSOR_CLOCK_BUCKETS 300
/* Closed buckets needed for a line; fewer: offset only. */
#define SENSOR_CLOCK_MIN_FIT 3
/* A fitted slope steeper than this (5 %, far beyond any oscillator) is a
 * backlog draining, not a clock: the previous slope is kept. */
#define SENSOR_CLOCK_MAX_SLOPE 0.05
/* A pair further than this from the estimate is off: not used for it. */
#define SENSOR_CLOCK_JUMP_NS G_GINT64_CONSTANT(1000000000)
/* Off pairs in a row, agreeing with each other, that restart the estimate:
 * at once when they arrive earlier than the estimate allows (a clock that
 * jumped ahead) or later than SENSOR_CLOCK_STALL_NS (no link is that slow);
 * else once they have kept coming for SENSOR_CLOCK_CONFIRM_NS, so a link
 * that stalled and then delivers its backlog does not restart it. */
#define SENSOR_CLOCK_JUMP_COUNT 3
#define SENSOR_CLOCK_STALL_NS G_GINT64_CONSTANT(60000000000)
#define SENSOR_CLOCK_CONFIRM_NS G_GINT64_CONSTANT(2000000000)
/* Closed buckets in a row whose minima sit more than SENSOR_CLOCK_SHIFT_NS
 * above the line (SENSOR_CLOCK_SHIFT_UP of them) or below it
 * (SENSOR_CLOCK_SHIFT_DOWN: the floor of the delays cannot drop unless a
 * clock stepped) move the floor: the line is refitted from them alone.
 * That follows a step of the daemon host's clock (NTP steps from 128 ms)
 * or a new route in seconds rather than the 5 minutes the older buckets
 * would take to leave the window. Until then they are kept out of the
 * fit. */
#define SENSOR_CLOCK_SHIFT_NS G_GINT64_CONSTANT(20000000)
#define SENSOR_CLOCK_SHIFT_UP 10
#define SENSOR_CLOCK_SHIFT_DOWN 3

/* One of these per device: the buckets of the last SENSOR_CLOCK_BUCKETS
 * seconds and the line fitted to them. Fixed size (about 5 KiB), whatever
 * the device sends. Not thread-safe. */
typedef struct sensor_clock sensor_clock;

/* What one pair did to the estimate. */
enum sensor_clock_result {
	SENSOR_CLOCK_TAKEN, /* used; the estimate may have moved a little */
	SENSOR_CLOCK_REFIT, /* used; a bucket closed and the line was refitted */
	SENSOR_CLOCK_LATE,  /* arrived > SENSOR_CLOCK_JUMP_NS later than the
	                     * estimate says: not used (a stalled link, or a
	                     * clock that jumped back); mapping puts its
	                     * readings in the past */
	SENSOR_CLOCK_EARLY, /* arrived > SENSOR_CLOCK_JUMP_NS earlier than the
	                     * estimate allows: not used; mapping would put its
	                     * readings in the future, so drop them */
	SENSOR_CLOCK_RESET, /* the off pairs in a row (this one the last) were
	                     * taken as a clock jump: the estimate restarted
	                     * from them */
	SENSOR_CLOCK_SHIFT, /* used; a bucket closed and the floor had moved
	                     * (see SENSOR_CLOCK_SHIFT_NS): the line was
	                     * refitted from the buckets since */
};

/* The estimate as a user sees it. */
struct sensor_clock_state {
	gboolean ready;   /* at least one pair taken */
	gboolean fitted;  /* a line over >= SENSOR_CLOCK_MIN_FIT buckets; else
	                   * offset only (the smallest delay so far) */
	gint64 offset_ns; /* timeline minus device time, at the newest device
	                   * time taken */
	double drift_ppm; /* how fast the device clock runs: > 0 fast */
	guint buckets;    /* closed buckets held */
	gint64 span_ns;   /* device time they cover */
	gint64 off_ns;    /* the last off pair: arrival minus estimate */
	guint64 resets;   /* restarts after clock jumps */
	gint64 shift_ns;  /* the last move of the floor */
	guint64 shifts;   /* moves of the floor */
	gint64 newest_ns; /* newest device time taken */
};

sensor_clock *sensor_clock_new(void);
void sensor_clock_free(sensor_clock *c);

/* Feeds one pair: DEVICE_NS, a reading's time on the device clock (> 0;
 * the newest of a batch, closest to its sending), and ARRIVAL_NS, when the
 * batch arrived (UNIX ns, taken as early as possible). O(1), plus O(N) for
 * the refit when the pair closes a bucket (once per second of device
 * time); N = SENSOR_CLOCK_BUCKETS. */
enum sensor_clock_result sensor_clock_update(sensor_clock *c, gint64 device_ns, gint64 arrival_ns);

/* Maps DEVICE_NS onto the timeline: the capture time plus the smallest
 * transport delay (whatever delay no arrival was ever faster than; on
 * loopback some tens of µs; a source's offset_ms removes it when known).
 * Returns FALSE before the first pair, or when the result is not a time
 * > 0. O(1). */
gboolean sensor_clock_map(const sensor_clock *c, gint64 device_ns, gint64 *out_ns);

void sensor_clock_get_state(const sensor_clock *c, struct sensor_clock_state *out);

/* ---------------------------------------------------------------- table */

/* Devices with an estimate per source, at most; a new device takes the
 * place of one silent for SENSOR_CLOCK_IDLE_NS, else it is refused. */
#define SENSOR_CLOCK_MAX_DEVICES 16
#define SENSOR_CLOCK_IDLE_NS G_GINT64_CONSTANT(60000000000)
/* Lines about a device's estimate moving, at most this often. */
#define SENSOR_CLOCK_LOG_EVERY_NS G_GINT64_CONSTANT(60000000000)

/* One of these per sensor source with clock = estimate: an estimator per
 * device name. Logs (naming source and device) when an estimate is first
 * fitted, when it moves notably (rate-limited) and when it restarts. Not
 * thread-safe. */
typedef struct sensor_clock_table sensor_clock_table;

/* SOURCE (copied) names the source in log lines. */
sensor_clock_table *sensor_clock_table_new(const char *source);
void sensor_clock_table_free(sensor_clock_table *t);

/* The domain of sensor_clock_table_update's errors (one code: 0). */
#define SENSOR_CLOCK_ERROR (sensor_clock_error_quark())
GQuark sensor_clock_error_quark(void);

/* Feeds the pair to DEVICE's estimator (made on first sight). Returns the
 * estimator (owned by the table, valid until the next call) with *RESULT,
 * or NULL with ERR when SENSOR_CLOCK_MAX_DEVICES other devices have
 * estimates and none has been silent long enough to forget. Amortized as
 * sensor_clock_update, plus O(devices) when a new device comes. */
sensor_clock *sensor_clock_table_update(sensor_clock_table *t, const char *device, gint64 device_ns,
                                        gint64 arrival_ns, enum sensor_clock_result *result,
                                        GError **err);

/* Calls FN for each device with an estimate. */
void sensor_clock_table_foreach(sensor_clock_table *t,
                                void (*fn)(const char *device, const struct sensor_clock_state *st,
                                           void *user),
                                void *user);
/* Restarts after clock jumps and refits after moves of the floor, all
 * devices, forgotten ones included. */
guint64 sensor_clock_table_resets(const sensor_clock_table *t);
