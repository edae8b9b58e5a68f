/* hl_rollups.c: the SQL of attempt_rollups and rollup_cursor (see
 * hl_rollups.h). An hour is rolled up by one INSERT ... SELECT over the
 * attempts' primary key range of that hour (attempt ids are made when the
 * attempt is stored, at most a lease after it started), grouped as the
 * analytics group, in the same transaction as the compare-and-set that
 * moves the cursor past it: each hour is counted once. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "hl_analytics.h"
#include "hl_crypto.h"
#include "hl_rollups.h"
#include "hl_util.h"

#define HOUR 3600LL
/* Clocks of runner hosts and the one rolling up may disagree this much. */
#define SLACK_S 60
#define EXPIRE_CHUNK 1000

static long long
floor_hour(long long s)
{
	return s - ((s % HOUR) + HOUR) % HOUR;
}

long long
hl_rollup_settled(const struct hl_config *cfg, long long now_ms)
{
	return floor_hour(now_ms / 1000 - cfg->lease_seconds - SLACK_S);
}

/* The integer sql (with one string bind arg, or none) answers; -1 for
 * no row or NULL. */
static hl_err
scalar(struct hl_db *db, const char *sql, const char *arg, long long *v)
{
	struct hl_stmt *st;
	int found;
	hl_err rc;

	*v = -1;
	rc = hl_stmt_new(db, sql, &st);
	if (rc)
		return rc;
	if (arg)
		hl_stmt_str(st, 0, arg);
	rc = hl_stmt_first(st, &found);
	if (!rc && found && hl_stmt_col(st, 0))
		*v = hl_stmt_colint(st, 0);
	hl_stmt_free(st);
	return rc;
}

hl_err
hl_rollup_next_hour(struct hl_db *db, long long *hour)
{
	return scalar(db, "SELECT UNIX_TIMESTAMP(next_hour) FROM rollup_cursor WHERE id = 1", NULL,
		hour);
}

/* The hour from which attempts with ids from lo on may have started: that
 * of the first such attempt, less a lease (one with a later id may have
 * started up to a lease earlier). -1 when there is none. */
static hl_err
first_hour_from(struct hl_db *db, const struct hl_config *cfg, const char *lo, long long *hour)
{
	hl_err rc = scalar(db, "SELECT UNIX_TIMESTAMP(started_at) FROM delivery_attempts "
		"WHERE id >= ? ORDER BY id LIMIT 1", lo, hour);

	if (!rc && *hour >= 0)
		*hour = floor_hour(*hour - cfg->lease_seconds - SLACK_S);
	return rc;
}

/* Move the cursor from one hour (-1: unset) to another; *moved is 0 when
 * someone else moved it first. */
static hl_err
cursor_move(struct hl_db *db, long long from, long long to, int *moved)
{
	unsigned long long n = 0;
	char f[32], t[32];
	hl_err rc;

	hl_sql_time((time_t)to, t);
	if (from < 0) {
		rc = hl_db_exec(db, &n, "UPDATE rollup_cursor SET next_hour = ?, updated_at = NOW(3) "
			"WHERE id = 1 AND next_hour IS NULL", "s", t);
	} else {
		hl_sql_time((time_t)from, f);
		rc = hl_db_exec(db, &n, "UPDATE rollup_cursor SET next_hour = ?, updated_at = NOW(3) "
			"WHERE id = 1 AND next_hour = ?", "ss", t, f);
	}
	*moved = n == 1;
	return rc;
}

/* Roll up the hour starting at h and move the cursor past it, in one
 * transaction. *rows: rollup rows written (0: the hour had no attempts). */
static hl_err
roll_hour(struct hl_db *db, const struct hl_config *cfg, long long h, unsigned long long *rows)
{
	char lo[HL_ID_MAX], hi[HL_ID_MAX], start[32], end[32];
	int moved = 0;
	hl_err rc;

	*rows = 0;
	rc = hl_id_at("att", h * 1000, lo);
	if (!rc)
		rc = hl_id_at("att", (h + HOUR + cfg->lease_seconds + SLACK_S) * 1000, hi);
	if (rc)
		return rc;
	hl_sql_time((time_t)h, start);
	hl_sql_time((time_t)(h + HOUR), end);
	/* A consistent read: the rollup locks no attempt or delivery rows.
	 * The plan is fixed to the hour's id range (see ATTEMPTS_SQL). */
	rc = hl_db_exec(db, NULL, "SET TRANSACTION ISOLATION LEVEL READ COMMITTED", "");
	if (!rc)
		rc = hl_db_begin(db);
	if (rc)
		return rc;
	rc = hl_db_exec(db, rows, "INSERT INTO attempt_rollups (account_id, hour, endpoint_id, "
		"event_type, error_class, latency_bucket, attempts) "
		"SELECT a.account_id, ?, a.endpoint_id, d.event_type, IFNULL(a.error_class, '') AS cls, "
		HL_LATENCY_BUCKET_SQL("a.duration_ms") " AS lb, COUNT(*) "
		"FROM delivery_attempts a FORCE INDEX (PRIMARY) STRAIGHT_JOIN deliveries d "
		"ON d.id = a.delivery_id "
		"WHERE a.id >= ? AND a.id < ? AND a.started_at >= ? AND a.started_at < ? "
		"GROUP BY a.account_id, a.endpoint_id, d.event_type, cls, lb "
		"ON DUPLICATE KEY UPDATE attempts = VALUES(attempts)", "sssss", start, lo, hi, start, end);
	if (!rc)
		rc = cursor_move(db, h, h + HOUR, &moved);
	if (!rc && !moved)
		rc = hl_fail(HL_ERR_CONFLICT, NULL, "another pass rolled up the hour from %s", start);
	if (!rc)
		rc = hl_db_commit(db);
	if (rc)
		hl_db_rollback(db);
	return rc;
}

hl_err
hl_rollup_due(struct hl_db *db, const struct hl_config *cfg, long long now_ms,
	long long deadline_ms, int *hours)
{
	long long settled = hl_rollup_settled(cfg, now_ms), h, next;
	unsigned long long rows;
	char lo[HL_ID_MAX];
	int moved;
	hl_err rc;

	*hours = 0;
	rc = hl_rollup_next_hour(db, &h);
	if (!rc && h < 0) {
		/* The first pass starts at the oldest attempt (or, with none
		 * yet, at the settled end: nothing before it can come). */
		rc = first_hour_from(db, cfg, "", &next);
		if (!rc)
			rc = cursor_move(db, -1, next < 0 || next > settled ? settled : next, &moved);
		if (!rc)
			rc = hl_rollup_next_hour(db, &h);
	}
	while (!rc && h >= 0 && h + HOUR <= settled) {
		if (deadline_ms > 0 && hl_now_ms() >= deadline_ms)
			break;
		rc = roll_hour(db, cfg, h, &rows);
		if (rc)
			break;
		h += HOUR;
		(*hours)++;
		if (rows)
			continue;
		/* An empty hour: step over the stretch without attempts. */
		rc = hl_id_at("att", h * 1000, lo);
		if (!rc)
			rc = first_hour_from(db, cfg, lo, &next);
		if (rc)
			break;
		if (next < 0 || next > settled)
			next = settled;
		if (next > h) {
			rc = cursor_move(db, h, next, &moved);
			if (!rc && !moved)
				break;
			h = next;
		}
	}
	return rc;
}

hl_err
hl_rollup_expire(struct hl_db *db, long long cutoff_s, int max_chunks, int dry_run,
	long long *n)
{
	unsigned long long affected;
	char cutoff[32];
	int chunks = 0;
	hl_err rc;

	*n = 0;
	hl_sql_time((time_t)floor_hour(cutoff_s), cutoff);
	if (dry_run)
		return scalar(db, "SELECT COUNT(*) FROM attempt_rollups WHERE hour < ?", cutoff, n);
	do {
		rc = hl_db_exec(db, &affected, "DELETE FROM attempt_rollups WHERE hour < ? LIMIT ?",
			"si", cutoff, (long long)EXPIRE_CHUNK);
		if (rc)
			return rc;
		*n += (long long)affected;
		chunks++;
	} while (affected == EXPIRE_CHUNK && (max_chunks <= 0 || chunks < max_chunks));
	return HL_OK;
}
