/* hl_ratelimit.c: the SQL of rate_limits. One INSERT ... ON DUPLICATE
 * KEY UPDATE per request is atomic across processes; LAST_INSERT_ID(expr)
 * hands the new count back without a second, racy SELECT. */
#include <time.h>
#include "hl_ratelimit.h"

hl_err
hl_rate_hit(struct hl_db *db, const char *bucket, long limit, long window_s,
	struct hl_rate *out)
{
	long long now = (long long)time(NULL), start = now - now % window_s, hits = 0;
	struct hl_stmt *st;
	hl_err rc;
	int found;

	out->limit = limit;
	out->reset_s = (long)(start + window_s - now);
	out->remaining = limit;
	out->exceeded = 0;
	rc = hl_db_exec(db, NULL, "INSERT INTO rate_limits (bucket, window_start, hits) "
		"VALUES (?, ?, LAST_INSERT_ID(1)) ON DUPLICATE KEY UPDATE hits = LAST_INSERT_ID(hits + 1)",
		"si", bucket, start);
	if (rc)
		return rc;
	rc = hl_stmt_new(db, "SELECT LAST_INSERT_ID()", &st);
	if (rc)
		return rc;
	rc = hl_stmt_first(st, &found);
	if (!rc && found)
		hits = hl_stmt_colint(st, 0);
	hl_stmt_free(st);
	if (rc)
		return rc;
	/* Old windows: a cheap, bounded clean-up now and then. */
	if (hits == 1)
		hl_db_exec(db, NULL, "DELETE FROM rate_limits WHERE window_start < ? LIMIT 500",
			"i", start - window_s);
	out->exceeded = hits > limit;
	out->remaining = hits >= limit ? 0 : limit - (long)hits;
	return HL_OK;
}
