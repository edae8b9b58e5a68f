/* hl_rollups.h: hourly rollups of delivery attempts (attempt_rollups,
 * migration 011): for each account, hour, endpoint, event type, error
 * class and latency bucket, how many attempts. Analytics read them for
 * the whole hours they hold, so long ranges cost hours rather than
 * attempts, and they outlive the attempts: Retention.RollupDays instead
 * of Retention.Days. The retention pass fills and expires them. */
#ifndef HL_ROLLUPS_H
#define HL_ROLLUPS_H
#include "hl_config.h"
#include "hl_db.h"

/* The first hour (unix seconds, a multiple of 3600) not rolled up yet:
 * every attempt that started before it is in attempt_rollups. -1 when
 * nothing was ever rolled up. */
hl_err hl_rollup_next_hour(struct hl_db *db, long long *hour);

/* The end of the hours that can get no more attempts at now_ms: an
 * attempt is stored within a lease of its start, or sent again with a
 * new start. Unix seconds, a multiple of 3600. */
long long hl_rollup_settled(const struct hl_config *cfg, long long now_ms);

/* Roll up the settled hours not rolled up yet, oldest first, one
 * transaction per hour (stretches without attempts are stepped over at
 * once), until deadline_ms (0: none). *hours: hours rolled up. Callers
 * hold the retention lock: one pass at a time. */
hl_err hl_rollup_due(struct hl_db *db, const struct hl_config *cfg, long long now_ms,
	long long deadline_ms, int *hours);

/* Delete (dry_run: count) the rollups of hours before cutoff_s, in
 * chunks of 1000 rows, at most max_chunks of them (0: all). */
hl_err hl_rollup_expire(struct hl_db *db, long long cutoff_s, int max_chunks, int dry_run,
	long long *n);

#endif
