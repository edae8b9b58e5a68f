/* hl_retention.h: deleting what is older than the configured retention
 * (Retention.Days, Retention.AuditDays): finished deliveries with their
 * attempts, events nothing waits for any more, incoming requests,
 * notifications and audit records. Work that is not finished is never
 * deleted, however old. The same pass clears previous signing secrets
 * once their rotation grace has ended (whatever the retention days). */
#ifndef HL_RETENTION_H
#define HL_RETENTION_H
#include "hl_config.h"
#include "hl_db.h"

enum hl_retained {
	HL_RET_DELIVERIES,     /* succeeded or dead, completed before the cutoff */
	HL_RET_EVENTS,         /* older than the cutoff, with no delivery left */
	HL_RET_INCOMING,       /* incoming_requests */
	HL_RET_NOTIFICATIONS,
	HL_RET_AUDIT,          /* by Retention.AuditDays */
	HL_RET_ROLLUPS,        /* attempt_rollups rows, by Retention.RollupDays */
	HL_RET_SECRETS,        /* previous secrets of endpoints and sources whose
	                        * rotation grace has ended: cleared from their rows */
	HL_RET__MAX
};

const char *hl_retained_name(enum hl_retained t);

struct hl_retention_opts {
	long long now_ms;      /* unix ms the cutoffs count back from */
	int max_chunks;        /* per table, of HL_RETENTION_CHUNK rows scanned; 0: all */
	long long deadline_ms; /* stop starting chunks after this (0: none) */
	int dry_run;           /* count what would go, delete nothing */
};

#define HL_RETENTION_CHUNK 500

/* One pass over every table, oldest rows first, in short transactions of
 * at most HL_RETENTION_CHUNK rows each. A pass bounded by max_chunks or
 * the deadline goes on where the previous one stopped (retention_cursors),
 * so old unfinished rows cannot hold the passes up; one that reaches the
 * cutoff has the next start from the oldest row again. Only one pass runs at a time across
 * every host (a MariaDB lock): *busy is set and nothing done when another
 * holds it. deleted[t] counts rows removed (or, dry_run, that would be);
 * attempts go with their deliveries and are not counted separately.
 * First (not in a dry run) the settled hours of attempts are rolled up
 * (hl_rollups.h; *rolled_hours of them), and no delivery goes before its
 * attempts are: the deliveries' cutoff is at most the first hour not
 * rolled up. */
hl_err hl_retention_run(struct hl_db *db, const struct hl_config *cfg,
	const struct hl_retention_opts *o, long long deleted[HL_RET__MAX], int *rolled_hours,
	int *busy);

#endif
