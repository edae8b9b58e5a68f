/* hl_analytics.h: delivery statistics for the dashboard and the analytics
 * API: the overview figures, and success rate, volume and latency
 * percentiles over time, per endpoint, per event type and per error class. */
#ifndef HL_ANALYTICS_H
#define HL_ANALYTICS_H
#include <json-c/json.h>
#include "hl_db.h"

#define HL_ANALYTICS_BUCKETS_MAX 120
/* Attempts read per query; beyond this the result says "truncated". */
#define HL_ANALYTICS_ROWS_MAX 200000

struct hl_analytics_filter {
	const char *since;          /* SQL time, required */
	const char *until;          /* SQL time, required */
	const char *endpoint_id;    /* NULL: all */
	const char *event_type;     /* NULL: all */
	int buckets;                /* time series points, 1..HL_ANALYTICS_BUCKETS_MAX */
};

/* {"endpoints", "enabled", "disabled", "failing", "deliveries_24h",
 *  "attempts_24h", "succeeded_24h", "success_rate_24h" (null without
 *  attempts), "dead", "pending", "attention": [{"id", "url", "enabled",
 *  "consecutive_failures", "disabled_reason"}]} */
hl_err hl_analytics_overview(struct hl_db *db, const char *account_id, json_object **out);

/* {"since", "until", "bucket_seconds", "truncated",
 *  "totals": STATS, "series": [STATS + "start"],
 *  "by_endpoint": [STATS + "webhook_id", "url"],
 *  "by_event_type": [STATS + "event_type"],
 *  "error_classes": [{"error_class", "count"}]}
 * STATS = {"attempts", "succeeded", "failed", "success_rate" (0..100 or
 * null), "p50_ms", "p95_ms", "p99_ms" (null without attempts)}.
 * Counts are delivery attempts started in [since, until). */
hl_err hl_analytics_query(struct hl_db *db, const char *account_id,
	const struct hl_analytics_filter *f, json_object **out);

/* Nearest-rank percentile (p in 0..100) of n sorted values; -1 when n = 0. */
long hl_percentile(const long *sorted, size_t n, double p);

#endif
