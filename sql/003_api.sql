-- 003_api.sql: what the JSON management API keeps for itself: the audit
-- log, Idempotency-Key results, and rate-limit counters shared by every
-- FastCGI process.

-- Who did what, when, from where. actor is a key prefix or a user email
-- (never a secret); object_id is the wh_/dlv_/evt_ id acted on.
CREATE TABLE IF NOT EXISTS audit_log (
	id VARCHAR(40) NOT NULL PRIMARY KEY,
	account_id VARCHAR(40) NOT NULL,
	actor_id VARCHAR(40) NOT NULL DEFAULT '',
	actor VARCHAR(300) NOT NULL DEFAULT '',
	action VARCHAR(64) NOT NULL,
	object_id VARCHAR(40) NOT NULL DEFAULT '',
	client_addr VARCHAR(64) NOT NULL DEFAULT '',
	detail TEXT NULL CHECK (detail IS NULL OR JSON_VALID(detail)),
	created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	KEY audit_account (account_id, id),
	CONSTRAINT audit_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The first answer to a POST carrying an Idempotency-Key, kept 24 h.
-- request_hash is SHA-256 hex of method, route and body: the same key
-- with another request is refused instead of answered wrongly.
CREATE TABLE IF NOT EXISTS idempotency_keys (
	account_id VARCHAR(40) NOT NULL,
	idem_key VARCHAR(255) NOT NULL,
	route VARCHAR(300) NOT NULL,
	request_hash CHAR(64) NOT NULL,
	status INT NOT NULL,
	response MEDIUMTEXT NOT NULL,
	created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	expires_at DATETIME(3) NOT NULL,
	PRIMARY KEY (account_id, idem_key),
	KEY idempotency_expiry (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Fixed-window request counters: bucket is "key:<id>" or "addr:<ip>",
-- window_start the unix minute. Old windows are deleted lazily.
CREATE TABLE IF NOT EXISTS rate_limits (
	bucket VARCHAR(120) NOT NULL,
	window_start BIGINT NOT NULL,
	hits INT NOT NULL DEFAULT 0,
	PRIMARY KEY (bucket, window_start),
	KEY rate_limits_window (window_start)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
