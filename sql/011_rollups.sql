-- 011_rollups.sql: hourly rollups of delivery attempts, so analytics
-- outlive Retention.Days and long ranges read hours, not attempts. One
-- row per account, hour, endpoint, event type, error class ('' for a
-- success) and latency bucket (see hl_analytics.h) with its count. The
-- retention pass fills them one whole hour at a time, once the hour can
-- get no more attempts (rollup_cursor holds the first hour not rolled
-- up), and keeps them for Retention.RollupDays. No foreign keys: they
-- are history, and stay when an endpoint goes. Re-runnable.
CREATE TABLE IF NOT EXISTS attempt_rollups (
	account_id VARCHAR(40) NOT NULL,
	hour DATETIME NOT NULL,
	endpoint_id VARCHAR(40) NOT NULL,
	event_type VARCHAR(128) NOT NULL,
	error_class VARCHAR(32) NOT NULL DEFAULT '',
	latency_bucket SMALLINT NOT NULL,
	attempts INT NOT NULL,
	PRIMARY KEY (account_id, hour, endpoint_id, event_type, error_class, latency_bucket),
	KEY rollups_hour (hour)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS rollup_cursor (
	id TINYINT NOT NULL PRIMARY KEY,
	next_hour DATETIME NULL,
	updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT IGNORE INTO rollup_cursor (id, next_hour) VALUES (1, NULL);
