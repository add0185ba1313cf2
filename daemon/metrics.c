/* Prometheus text exposition: groups sample lines by family, adds HELP
 * and TYPE lines, so scrapers and promtool accept the output. */
#include "daemon/metrics.h"

#include <string.h>

/* One sentence per family; families not listed get a generic HELP. */
static const struct {
	const char *name;
	const char *help;
} helps[] = {
	{"ringside_build_info", "Version of the running daemon."},
	{"ringside_ring_samples", "Samples held in the source's ring."},
	{"ringside_ring_bytes", "Bytes held in the source's ring: payload plus 128 a sample."},
	{"ringside_ring_bytes_limit", "Configured byte cap of the source's ring (ring_bytes)."},
	{"ringside_ring_pushed_total", "Samples accepted into the ring."},
	{"ringside_ring_aged_out_total", "Samples that left the ring by age (normal)."},
	{"ringside_ring_overflow_total", "Samples evicted early by the ring's byte or count cap."},
	{"ringside_ring_late_dropped_total", "Samples refused as too old (behind what is held, or over 1 s behind the newest)."},
	{"ringside_ring_future_dropped_total", "Samples refused as more than 10 s ahead of the wall clock."},
	{"ringside_windows_skipped_total", "Windows whose data had left the rings before they could be cut."},
	{"ringside_connections", "Open websocket connections."},
	{"ringside_reviewers_signed_in", "Connections that said hello with a good token."},
	{"ringside_send_queued_bytes", "Bytes queued to reviewers, all connections."},
	{"ringside_send_overflow_total", "Connections closed because their send queue passed send_queue_bytes."},
	{"ringside_messages_in_total", "Websocket messages received from reviewers."},
	{"ringside_bad_messages_total", "Messages refused as malformed."},
	{"ringside_auth_failures_total", "Hellos refused for a token that is not good (any reason)."},
	{"ringside_auth_refused_total", "Hellos refused, by reason (unknown, malformed, signature, expired, revoked)."},
	{"ringside_origin_refused_total", "Websocket handshakes refused for an Origin that is not allowed."},
	{"ringside_rate_limited_total", "Connections closed for sending over max_messages_per_second."},
	{"ringside_labels_total", "Submitted labels by result."},
	{"ringside_expired_records_total", "Expired records by publish result."},
	{"ringside_windows_waiting", "Windows waiting for a reviewer."},
	{"ringside_windows_assigned", "Windows offered to a reviewer and not yet answered (held ones included)."},
	{"ringside_tasks_held", "Prefetched tasks waiting behind their reviewer's current task, clock not started."},
	{"ringside_extends_total", "Extend requests by result (granted, refused)."},
	{"ringside_flags_total", "Stored labels flagged by the reviewer, by flag (ambiguous, bad_quality, skip)."},
	{"ringside_offers_total", "Window offers made (first offers and reoffers)."},
	{"ringside_reoffers_total", "Offers after a missed deadline, a decline or a flag (ambiguous, skip)."},
	{"ringside_declines_total", "Windows given back by reviewers."},
	{"ringside_windows_labeled_total", "Windows done with a stored label (a label flagged ambiguous or skip does not end its window)."},
	{"ringside_windows_expired_total", "Windows that left without a label, by reason."},
	{"ringside_source_samples_total", "Samples pushed into the ring by the source."},
	{"ringside_source_bytes_total", "Payload bytes pushed into the ring by the source."},
	{"ringside_source_errors_total", "Pipeline errors, stalls, failed starts, socket errors."},
	{"ringside_source_eos_total", "Ends of stream (the pipeline is then restarted)."},
	{"ringside_source_restarts_total", "Pipeline restarts after an error or end of stream."},
	{"ringside_source_dropped_total", "Frames or 20 ms chunks missing from the stream."},
	{"ringside_source_discontinuities_total", "Audio re-anchored on a timestamp jump."},
	{"ringside_source_up", "Whether the source is delivering (1) or not (0)."},
	{"ringside_source_capture_delay_seconds", "Arrival minus capture time of the last sample."},
	{"ringside_source_backoff_seconds", "Delay before the next restart."},
	{"ringside_source_clock", "Clock the source's capture times come from (rtcp: sender reports; pipeline: base + running time)."},
	{"ringside_source_clock_offset_seconds", "Sender reference time minus pipeline time: how far arrival stamping would be off."},
	{"ringside_sensor_datagrams_total", "Sensor datagrams received."},
	{"ringside_sensor_bad_datagrams_total", "Sensor datagrams refused as malformed."},
	{"ringside_sensor_lost_datagrams_total", "Sensor datagrams missing by sequence number."},
	{"ringside_sensor_clock_offset_seconds", "Timeline minus device clock at the device's newest reading (clock = estimate)."},
	{"ringside_sensor_clock_drift_ppm", "How fast the device clock runs against the timeline, in ppm (> 0: fast)."},
	{"ringside_sensor_clock_resets_total", "Device clock estimates restarted after a clock jump, or refitted after the delays' floor stepped."},
	{"ringside_sensor_clock_dropped_total", "Sensor batches dropped because their times could not be put on the timeline."},
	{"ringside_sensor_connections", "Open TCP connections of the sensor source."},
	{"ringside_sensor_connections_total", "TCP connections accepted by the sensor source."},
	{"ringside_sensor_connections_refused_total", "TCP connections refused because too many were open."},
	{"ringside_sensor_framing_errors_total", "TCP connections closed for a malformed length prefix, an over-long frame or a frame that is not a SensorBatch."},
	{"ringside_redis_connected", "Whether the daemon is connected to Redis (1) or not (0)."},
	{"ringside_redis_inflight", "XADDs awaiting Redis's answer."},
	{"ringside_redis_inflight_overflow_total", "XADDs refused because too many were in flight."},
	{"ringside_redis_publish_total", "XADDs requested."},
	{"ringside_redis_publish_errors_total", "XADDs that failed."},
	{"ringside_redis_reconnects_total", "Connections to Redis re-established after a loss."},
	{"ringside_redis_reply_timeouts_total", "Connections dropped because Redis did not answer within 5 s."},
	{"ringside_redis_auth_failures_total", "Connections whose AUTH Redis refused (wrong user or password)."},
	{"ringside_preannotations_received_total", "Pre-annotations read from the stream that name the group."},
	{"ringside_preannotations_attached_total", "Pre-annotations attached to a window of the group."},
	{"ringside_preannotations_dropped_total", "Pre-annotations of the group dropped, by reason (bad_span, no_window, late, stale, full, invalid)."},
	{"ringside_preannotations_waiting", "Pre-annotations of the group waiting for their window (bounded by preannotations_max)."},
	{"ringside_preannotations_refused_total", "Pre-annotation stream entries refused before any group was known (too_large, undecodable, unknown_group)."},
	{"ringside_preannotations_connected", "Whether the pre-annotation stream is being read (1) or not (0)."},
	{"ringside_preannotations_entries_total", "Entries read from the pre-annotation stream."},
	{"ringside_preannotations_reconnects_total", "Connections of the pre-annotation reader re-established after a loss."},
	{"ringside_spool_bytes", "Bytes of spool segment files on disk (bounded by [spool] max_bytes)."},
	{"ringside_spool_records", "Records in the spool not yet replayed to Redis."},
	{"ringside_spool_appended_total", "Records appended to the spool because Redis could not take them, or to keep their order."},
	{"ringside_spool_replayed_total", "Spooled records stored in Redis by the replay."},
	{"ringside_spool_full_total", "Records refused because the spool was at max_bytes (the reviewer resends)."},
	{"ringside_spool_fsync_seconds", "Duration of the last group commit's fsync."},
	{"ringside_spool_torn_total", "Damaged spool data dropped: torn tails truncated at start, corrupt stretches skipped."},
};

static const char *help_for(const char *family)
{
	for (guint i = 0; i < G_N_ELEMENTS(helps); i++) {
		if (!strcmp(helps[i].name, family))
			return helps[i].help;
	}
	return NULL;
}

/* One of these per metric family seen. */
struct family {
	char *name;
	GPtrArray *lines; /* borrowed line starts, each ending in '\n' or NUL */
};

void metrics_format(const GString *lines, GString *out)
{
	GHashTable *by_name = g_hash_table_new(g_str_hash, g_str_equal);
	GPtrArray *order = g_ptr_array_new();
	g_auto(GStrv) split = g_strsplit(lines->str, "\n", -1);

	for (guint i = 0; split[i]; i++) {
		const char *line = split[i];
		gsize n = strcspn(line, "{ ");
		g_autofree char *name = NULL;
		struct family *f;

		if (!*line || line[0] == '#')
			continue;
		name = g_strndup(line, n);
		f = g_hash_table_lookup(by_name, name);
		if (!f) {
			f = g_new0(struct family, 1);
			f->name = g_steal_pointer(&name);
			f->lines = g_ptr_array_new();
			g_hash_table_insert(by_name, f->name, f);
			g_ptr_array_add(order, f);
		}
		g_ptr_array_add(f->lines, (gpointer)line);
	}
	for (guint i = 0; i < order->len; i++) {
		struct family *f = order->pdata[i];
		const char *help = help_for(f->name);

		g_string_append_printf(out, "# HELP %s %s\n# TYPE %s %s\n", f->name,
				       help ? help : "See docs/operations.md.", f->name,
				       g_str_has_suffix(f->name, "_total") ? "counter" : "gauge");
		for (guint k = 0; k < f->lines->len; k++)
			g_string_append_printf(out, "%s\n", (const char *)f->lines->pdata[k]);
		g_ptr_array_unref(f->lines);
		g_free(f->name);
		g_free(f);
	}
	g_ptr_array_unref(order);
	g_hash_table_unref(by_name);
}
