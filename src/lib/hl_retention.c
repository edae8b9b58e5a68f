/* hl_retention.c: retention over the tables that grow with traffic.
 * Every table here has time-sortable ids, so a pass walks the primary
 * key from the oldest row up to the id of the cutoff time, one chunk of
 * HL_RETENTION_CHUNK ids at a time, and deletes what the chunk holds that
 * is old enough (the time columns decide; the ids only give the order).
 * Each DELETE is its own short transaction over a key range, so claims,
 * recording and the API never wait long on it, and nothing needs an index
 * that every completion would have to maintain. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "hl_crypto.h"
#include "hl_retention.h"
#include "hl_rollups.h"
#include "hl_util.h"

#define LOCK_NAME "hookline.retention"

/* The statements of one table. The chunk bound: the id HL_RETENTION_CHUNK
 * rows above the cursor. Delete and count take (cursor, upper, floor,
 * cutoff): rows in (cursor, upper] below floor, old enough to go. */
struct retained {
	const char *name;
	const char *prefix;
	int audit;                  /* Retention.AuditDays instead of Retention.Days */
	int count_cutoff_twice;     /* the count binds the cutoff once more */
	const char *bound_sql;
	const char *delete_sql;
	const char *count_sql;
};

#define RANGE "id > ? AND id <= ? AND id < ? "
#define BOUND(t) "SELECT id FROM " t " WHERE id > ? AND id < ? ORDER BY id LIMIT 1 OFFSET ?"

static const struct retained tables[HL_RET_ROLLUPS] = {
	/* Attempts go with their delivery (ON DELETE CASCADE). Pending,
	 * sending and paused deliveries stay whatever their age. */
	[HL_RET_DELIVERIES] = { "deliveries", "dlv", 0, 0, BOUND("deliveries"),
		"DELETE FROM deliveries WHERE " RANGE
		"AND status IN ('succeeded', 'dead') AND completed_at < ?",
		"SELECT COUNT(*) FROM deliveries WHERE " RANGE
		"AND status IN ('succeeded', 'dead') AND completed_at < ?" },
	/* After the deliveries, in the same pass: an event goes once none is
	 * left of it (deleting it would take its deliveries along). A dry run
	 * deletes no deliveries, so it counts the events none would be left
	 * of (a delivery completed before the cutoff was made before it too,
	 * so its id is below the floor and it would have gone). */
	[HL_RET_EVENTS] = { "events", "evt", 0, 1, BOUND("events"),
		"DELETE FROM events WHERE " RANGE "AND created_at < ? "
		"AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = events.id)",
		"SELECT COUNT(*) FROM events WHERE " RANGE "AND created_at < ? "
		"AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = events.id "
		"AND (d.status NOT IN ('succeeded', 'dead') OR d.completed_at >= ?))" },
	[HL_RET_INCOMING] = { "incoming_requests", "inc", 0, 0, BOUND("incoming_requests"),
		"DELETE FROM incoming_requests WHERE " RANGE "AND received_at < ?",
		"SELECT COUNT(*) FROM incoming_requests WHERE " RANGE "AND received_at < ?" },
	[HL_RET_NOTIFICATIONS] = { "notifications", "ntf", 0, 0, BOUND("notifications"),
		"DELETE FROM notifications WHERE " RANGE "AND created_at < ?",
		"SELECT COUNT(*) FROM notifications WHERE " RANGE "AND created_at < ?" },
	[HL_RET_AUDIT] = { "audit_log", "aud", 1, 0, BOUND("audit_log"),
		"DELETE FROM audit_log WHERE " RANGE "AND created_at < ?",
		"SELECT COUNT(*) FROM audit_log WHERE " RANGE "AND created_at < ?" },
};

/* A secret replaced by a rotation verifies (sources) or signs
 * (endpoints) only until its grace ends; after that it is cleared, not
 * kept sealed in the row for good. The condition is the one every
 * reader applies, so a rotation made meanwhile keeps its secret; under
 * READ COMMITTED the scan locks only the rows it changes, and the index
 * keeps the scan to them. */
static const char *const clear_secret_sql[2][2] = {
	{ "UPDATE endpoints SET prev_secret_sealed = NULL, prev_secret_expires_at = NULL "
	  "WHERE prev_secret_expires_at <= NOW(3)",
	  "SELECT COUNT(*) FROM endpoints WHERE prev_secret_expires_at <= NOW(3)" },
	{ "UPDATE sources SET prev_secret_sealed = NULL, prev_secret_expires_at = NULL "
	  "WHERE prev_secret_expires_at <= NOW(3)",
	  "SELECT COUNT(*) FROM sources WHERE prev_secret_expires_at <= NOW(3)" },
};

const char *
hl_retained_name(enum hl_retained t)
{
	if (t == HL_RET_ROLLUPS)
		return "attempt_rollups";
	if (t == HL_RET_SECRETS)
		return "expired_secrets";
	return t < HL_RET_ROLLUPS ? tables[t].name : "";
}

/* The id HL_RETENTION_CHUNK rows above cursor (below floor) into upper;
 * *last when fewer rows are left (upper is then floor). */
static hl_err
chunk_bound(struct hl_db *db, const struct retained *t, const char *cursor, const char *floor,
	char upper[HL_ID_MAX], int *last)
{
	struct hl_stmt *st;
	int found;
	hl_err rc;

	rc = hl_stmt_new(db, t->bound_sql, &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, cursor);
	hl_stmt_str(st, 1, floor);
	hl_stmt_int(st, 2, HL_RETENTION_CHUNK - 1);
	rc = hl_stmt_first(st, &found);
	*last = !found;
	hl_strlcpy(upper, found ? hl_stmt_col(st, 0) : floor, HL_ID_MAX);
	hl_stmt_free(st);
	return rc;
}

static hl_err
chunk_purge(struct hl_db *db, const struct retained *t, const char *cursor, const char *upper,
	const char *floor, const char *cutoff, int dry_run, long long *n)
{
	struct hl_stmt *st;
	int found;
	hl_err rc;

	rc = hl_stmt_new(db, dry_run ? t->count_sql : t->delete_sql, &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, cursor);
	hl_stmt_str(st, 1, upper);
	hl_stmt_str(st, 2, floor);
	hl_stmt_str(st, 3, cutoff);
	if (dry_run && t->count_cutoff_twice)
		hl_stmt_str(st, 4, cutoff);
	if (dry_run) {
		rc = hl_stmt_first(st, &found);
		*n = !rc && found ? hl_stmt_colint(st, 0) : 0;
	} else {
		rc = hl_stmt_exec(st);
		*n = rc ? 0 : (long long)hl_stmt_affected(st);
	}
	hl_stmt_free(st);
	return rc;
}

/* Where the previous bounded pass stopped in this table ("" when it
 * reached the cutoff, or none ran yet). */
static hl_err
cursor_load(struct hl_db *db, const struct retained *t, char cursor[HL_ID_MAX])
{
	struct hl_stmt *st;
	int found;
	hl_err rc;

	cursor[0] = '\0';
	rc = hl_stmt_new(db, "SELECT last_id FROM retention_cursors WHERE table_name = ?", &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, t->name);
	rc = hl_stmt_first(st, &found);
	if (!rc && found)
		hl_strlcpy(cursor, hl_stmt_col(st, 0), HL_ID_MAX);
	hl_stmt_free(st);
	return rc;
}

static hl_err
cursor_save(struct hl_db *db, const struct retained *t, const char *cursor)
{
	return hl_db_exec(db, NULL, "INSERT INTO retention_cursors (table_name, last_id) "
		"VALUES (?, ?) ON DUPLICATE KEY UPDATE last_id = VALUES(last_id), "
		"updated_at = NOW(3)", "ss", t->name, cursor);
}

/* cap_ms: the cutoff at most this (0: none). */
static hl_err
purge_table(struct hl_db *db, const struct retained *t, long days, long long cap_ms,
	const struct hl_retention_opts *o, long long *deleted)
{
	long long cutoff_ms = o->now_ms - (long long)days * 86400000LL, n;
	char floor[HL_ID_MAX], cursor[HL_ID_MAX] = "", upper[HL_ID_MAX], cutoff[32];
	int chunks = 0, last = 0;
	hl_err rc;

	if (days <= 0 || cutoff_ms <= 0)
		return HL_OK;
	if (cap_ms > 0 && cutoff_ms > cap_ms)
		cutoff_ms = cap_ms;
	rc = hl_id_at(t->prefix, cutoff_ms, floor);
	/* A bounded pass goes on where the last one stopped; a whole pass
	 * starts at the oldest row, and a dry run counts the whole range and
	 * moves nothing. */
	if (!rc && !o->dry_run && (o->max_chunks > 0 || o->deadline_ms > 0))
		rc = cursor_load(db, t, cursor);
	if (rc)
		return rc;
	hl_sql_time((time_t)(cutoff_ms / 1000), cutoff);
	while (!last) {
		if ((o->max_chunks > 0 && chunks >= o->max_chunks) ||
		    (o->deadline_ms > 0 && hl_now_ms() >= o->deadline_ms))
			break;
		rc = chunk_bound(db, t, cursor, floor, upper, &last);
		if (!rc)
			rc = chunk_purge(db, t, cursor, upper, floor, cutoff, o->dry_run, &n);
		if (rc)
			break;
		*deleted += n;
		hl_strlcpy(cursor, upper, sizeof(cursor));
		chunks++;
	}
	/* Reaching the cutoff starts the next pass at the oldest row again:
	 * rows it stepped over (unfinished then) may have finished since. */
	if (!o->dry_run && (!rc || chunks > 0))
		cursor_save(db, t, last ? "" : cursor);
	return rc;
}

static hl_err
clear_expired_secrets(struct hl_db *db, int dry_run, long long *cleared)
{
	unsigned long long n;
	struct hl_stmt *st;
	size_t i;
	int found;
	hl_err rc = HL_OK;

	for (i = 0; i < sizeof(clear_secret_sql) / sizeof(clear_secret_sql[0]) && !rc; i++) {
		if (!dry_run) {
			rc = hl_db_exec(db, &n, clear_secret_sql[i][0], "");
			*cleared += rc ? 0 : (long long)n;
			continue;
		}
		rc = hl_stmt_new(db, clear_secret_sql[i][1], &st);
		if (rc)
			break;
		rc = hl_stmt_first(st, &found);
		*cleared += !rc && found ? hl_stmt_colint(st, 0) : 0;
		hl_stmt_free(st);
	}
	return rc;
}

/* How far deliveries may go: not past attempts that are not rolled up
 * (a dry run assumes the whole pass would roll up every settled hour). */
static hl_err
deliveries_cap(struct hl_db *db, const struct hl_config *cfg, const struct hl_retention_opts *o,
	long long *cap_ms)
{
	long long hour;
	hl_err rc;

	if (o->dry_run) {
		*cap_ms = hl_rollup_settled(cfg, o->now_ms) * 1000;
		return HL_OK;
	}
	rc = hl_rollup_next_hour(db, &hour);
	/* Nothing rolled up yet: nothing may go. */
	*cap_ms = hour < 0 ? 1 : hour * 1000;
	return rc;
}

hl_err
hl_retention_run(struct hl_db *db, const struct hl_config *cfg,
	const struct hl_retention_opts *o, long long deleted[HL_RET__MAX], int *rolled_hours,
	int *busy)
{
	long long cap_ms = 0;
	hl_err rc, unlock;
	int got = 0, t;

	memset(deleted, 0, sizeof(long long) * HL_RET__MAX);
	*rolled_hours = 0;
	*busy = 0;
	rc = hl_db_lock(db, LOCK_NAME, 0, &got);
	if (rc)
		return rc;
	if (!got) {
		*busy = 1;
		return HL_OK;
	}
	if (!o->dry_run)
		rc = hl_rollup_due(db, cfg, o->now_ms, o->deadline_ms, rolled_hours);
	if (!rc)
		rc = deliveries_cap(db, cfg, o, &cap_ms);
	for (t = 0; t < HL_RET_ROLLUPS && !rc; t++)
		rc = purge_table(db, &tables[t], tables[t].audit ? cfg->retention_audit_days :
			cfg->retention_days, t == HL_RET_DELIVERIES ? cap_ms : 0, o, &deleted[t]);
	if (!rc && cfg->retention_rollup_days > 0)
		rc = hl_rollup_expire(db, o->now_ms / 1000 - cfg->retention_rollup_days * 86400LL,
			o->max_chunks, o->dry_run, &deleted[HL_RET_ROLLUPS]);
	if (!rc)
		rc = clear_expired_secrets(db, o->dry_run, &deleted[HL_RET_SECRETS]);
	/* GET_LOCK is the session's: give it back even after a failure. */
	unlock = hl_db_unlock(db, LOCK_NAME);
	return rc ? rc : unlock;
}
