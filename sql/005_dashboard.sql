-- 005_dashboard.sql: what the dashboard itself stores: failed logins (for
-- throttling) and the request inspector's temporary receive URLs.

-- One row per failed login; rows older than the window are deleted on the way.
CREATE TABLE IF NOT EXISTS login_failures (
	id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	email_hash CHAR(64) NOT NULL,            -- SHA-256 hex of the lower-cased email
	client_addr VARCHAR(64) NOT NULL,
	created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	KEY login_failures_email (email_hash, created_at),
	KEY login_failures_addr (client_addr, created_at),
	KEY login_failures_time (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A temporary receive URL (/webhook/inspect/{id}); the id is the secret part.
CREATE TABLE IF NOT EXISTS inspect_bins (
	id VARCHAR(40) NOT NULL PRIMARY KEY,
	account_id VARCHAR(40) NOT NULL,
	created_by VARCHAR(300) NOT NULL DEFAULT '',
	created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	expires_at DATETIME(3) NOT NULL,
	KEY inspect_bins_account (account_id, created_at),
	CONSTRAINT inspect_bins_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS inspect_requests (
	id VARCHAR(40) NOT NULL PRIMARY KEY,
	bin_id VARCHAR(40) NOT NULL,
	received_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	method VARCHAR(10) NOT NULL,
	client_addr VARCHAR(64) NOT NULL DEFAULT '',
	headers_json TEXT NOT NULL CHECK (JSON_VALID(headers_json)),
	body MEDIUMTEXT NOT NULL,                 -- at most the inspector's size limit
	body_truncated TINYINT(1) NOT NULL DEFAULT 0,
	KEY inspect_requests_bin (bin_id, received_at),
	CONSTRAINT inspect_requests_bin_fk FOREIGN KEY (bin_id) REFERENCES inspect_bins (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
