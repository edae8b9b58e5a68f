/* hl_analytics.h: delivery statistics for the dashboard and the analytics
 * API: the overview figures, and success rate, volume and latency
 * percentiles over time, per endpoint, per event type and per error class. */
#ifndef HL_ANALYTICS_H
#define HL_ANALYTICS_H
#include <json-c/json.h>
#include "hl_db.h"

#define HL_ANALYTICS_BUCKETS_MAX 120
/* Latency histogram buckets: one per millisecond below 64 ms, then 16 per
 * power of two up to 2^31 ms. */
#define HL_LATENCY_BUCKETS (64 + 25 * 16)
/* hl_latency_bucket() of the SQL integer expression ms, in SQL (integers
 * only: LENGTH(BIN(ms)) - 1 is the position of the highest bit). */
#define HL_LATENCY_BUCKET_SQL(ms) "CASE WHEN " ms " < 64 THEN GREATEST(" ms ", 0) " \
	"ELSE 64 + (LENGTH(BIN(" ms ")) - 7) * 16 + ((" ms " >> (LENGTH(BIN(" ms ")) - 5)) & 15) END"

struct hl_analytics_filter {
	const char *since;          /* SQL time, required */
	const char *until;          /* SQL time, required */
	const char *endpoint_id;    /* NULL: all */
	const char *event_type;     /* NULL: all */
	int buckets;                /* time series points, 1..HL_ANALYTICS_BUCKETS_MAX
	                             * at most: only as many whole-second points
	                             * as cover the range) */
	long retention_days;        /* Retention.Days (0: attempts are kept) */
	long rollup_days;           /* Retention.RollupDays (0: rollups are kept) */
};

/* {"endpoints", "enabled", "disabled", "failing", "deliveries_24h",
 *  "deliveries_since" (UTC, YYYY-MM-DDTHH:MM:SS: deliveries_24h
 *  counts those created since; deliveries_since_ms the same in unix ms),
 *  "attempts_24h", "succeeded_24h", "success_rate_24h" (null without
 *  attempts; the analytics' "24h" range), "dead", "pending", "sending",
 *  "paused", "waiting" (the three), "attention": [{"id", "url",
 *  "enabled", "consecutive_failures", "disabled_reason"}]} */
hl_err hl_analytics_overview(struct hl_db *db, const char *account_id, json_object **out);

/* {"since", "until", "bucket_seconds",
 *  "truncated" (more than 200 endpoints or event types had attempts:
 *  by_endpoint and by_event_type hold 200 of them; everything else
 *  counts every attempt),
 *  "totals": STATS, "series": [STATS + "start"],
 *  "by_endpoint": [STATS + "webhook_id", "url"],
 *  "by_event_type": [STATS + "event_type"],
 *  "error_classes": [{"error_class", "count"}]}
 * Groups and classes come most attempts first, ties by id, type or name.
 * STATS = {"attempts", "succeeded", "failed", "success_rate" (0..100 or
 * null), "p50_ms", "p95_ms", "p99_ms" (null without attempts)}.
 * Counts are delivery attempts started in [since, until). Whole hours
 * that are rolled up come from attempt_rollups; when the series points
 * do not hold whole hours, only those of them whose attempts may be
 * deleted already (older than retention_days), each in the point its
 * start falls in. Where the attempts are kept longer than the rollups
 * (rollup_days shorter than retention_days, or retention_days 0), the
 * hours whose rollups may be expired come from the attempts. */
hl_err hl_analytics_query(struct hl_db *db, const char *account_id,
	const struct hl_analytics_filter *f, json_object **out);

/* The latency bucket of a duration in ms, and the longest duration in a
 * bucket: a bucket is at most 1/16 of its shortest duration wide. */
int hl_latency_bucket(long long ms);
long long hl_latency_bucket_max(int bucket);
/* Nearest-rank percentile (p in 0..100) of the n durations counted in
 * hist (HL_LATENCY_BUCKETS counts), as the longest duration of its
 * bucket: exact below 64 ms, otherwise at most 6.25 % above the true
 * value; -1 when n = 0. */
long long hl_latency_percentile(const long long *hist, long long n, int p);

#endif
