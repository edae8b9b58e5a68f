-- 016_rollup_endpoint_index.sql: analytics filtered to one webhook read
-- its rollup rows only. The primary key leads with (account, hour), so
-- such a view scanned every endpoint's rows of the range: with 500
-- endpoints, 30 days took 108 ms instead of 4 ms. The attempts have the
-- same index (attempts_endpoint_time); rollups are written once an hour
-- by the retention pass, so the index costs nothing that matters.
-- Re-runnable (ADD INDEX IF NOT EXISTS).
ALTER TABLE attempt_rollups
	ADD INDEX IF NOT EXISTS rollups_endpoint_hour (account_id, endpoint_id, hour);
