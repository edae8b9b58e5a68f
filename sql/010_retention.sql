-- 010_retention.sql: where the last bounded retention pass stopped in
-- each table, so the next one (a runner's share after its window) goes on
-- from there instead of walking the same old unfinished rows again; a
-- pass that reaches the cutoff starts the next one from the beginning.
-- Re-runnable.
CREATE TABLE IF NOT EXISTS retention_cursors (
	table_name VARCHAR(64) NOT NULL PRIMARY KEY,
	last_id VARCHAR(40) NOT NULL DEFAULT '',
	updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
