-- 001_core.sql: hookline's core tables. InnoDB, utf8mb4, times in UTC
-- (every connection sets time_zone='+00:00'). Ids are prefixed opaque
-- strings made by the application (time-sortable, see hl_id_new).

CREATE TABLE IF NOT EXISTS accounts (
	id VARCHAR(40) NOT NULL PRIMARY KEY,
	slug VARCHAR(64) NOT NULL,
	name VARCHAR(200) NOT NULL,
	created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	UNIQUE KEY accounts_slug (slug)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS api_keys (
	id VARCHAR(40) NOT NULL PRIMARY KEY,
	account_id VARCHAR(40) NOT NULL,
	name VARCHAR(200) NOT NULL DEFAULT '',
	prefix VARCHAR(16) NOT NULL,            -- "hl_xxxxxxxx": lookup, shown in lists
	key_hash CHAR(64) NOT NULL,             -- SHA-256 hex of the whole key
	scopes SET('read','write','admin') NOT NULL DEFAULT 'read',
	allowed_cidrs VARCHAR(1000) NULL,
	created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	last_used_at DATETIME(3) NULL,
	revoked_at DATETIME(3) NULL,
	UNIQUE KEY api_keys_prefix (prefix),
	KEY api_keys_account (account_id),
	CONSTRAINT api_keys_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS users (
	id VARCHAR(40) NOT NULL PRIMARY KEY,
	account_id VARCHAR(40) NOT NULL,
	email VARCHAR(254) NOT NULL,
	role ENUM('admin','developer','viewer') NOT NULL DEFAULT 'viewer',
	password_hash VARCHAR(160) NOT NULL,
	created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	disabled_at DATETIME(3) NULL,
	UNIQUE KEY users_email (email),
	KEY users_account (account_id),
	CONSTRAINT users_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS sessions (
	token_hash CHAR(64) NOT NULL PRIMARY KEY,  -- SHA-256 hex of the cookie value
	user_id VARCHAR(40) NOT NULL,
	csrf_token CHAR(43) NOT NULL,
	created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	expires_at DATETIME(3) NOT NULL,
	client_addr VARCHAR(64) NOT NULL DEFAULT '',
	KEY sessions_user (user_id),
	KEY sessions_expiry (expires_at),
	CONSTRAINT sessions_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The catalog: account_id '' holds the platform's types, visible to all.
CREATE TABLE IF NOT EXISTS event_types (
	id VARCHAR(40) NOT NULL PRIMARY KEY,
	account_id VARCHAR(40) NOT NULL DEFAULT '',
	name VARCHAR(128) NOT NULL,
	family VARCHAR(64) NOT NULL,
	description VARCHAR(1000) NOT NULL DEFAULT '',
	schema_json LONGTEXT NULL CHECK (schema_json IS NULL OR JSON_VALID(schema_json)),
	created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	UNIQUE KEY event_types_name (account_id, name),
	KEY event_types_family (family, name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS endpoints (
	id VARCHAR(40) NOT NULL PRIMARY KEY,
	account_id VARCHAR(40) NOT NULL,
	url VARCHAR(2048) NOT NULL,
	description VARCHAR(500) NOT NULL DEFAULT '',
	enabled TINYINT(1) NOT NULL DEFAULT 1,
	disabled_reason VARCHAR(200) NULL,
	method ENUM('POST','PUT') NOT NULL DEFAULT 'POST',
	secret_sealed VARCHAR(512) NOT NULL,       -- AES-256-GCM under Security.MasterKey
	prev_secret_sealed VARCHAR(512) NULL,      -- still signs until prev_secret_expires_at
	prev_secret_expires_at DATETIME(3) NULL,
	headers_json TEXT NULL CHECK (headers_json IS NULL OR JSON_VALID(headers_json)),
	timeout_ms INT NULL,
	retry_schedule VARCHAR(400) NULL,
	priority TINYINT NOT NULL DEFAULT 0,
	consecutive_failures INT NOT NULL DEFAULT 0,
	first_failure_at DATETIME(3) NULL,
	last_success_at DATETIME(3) NULL,
	last_attempt_at DATETIME(3) NULL,
	created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	KEY endpoints_account (account_id, id),
	CONSTRAINT endpoints_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- event_type is an exact name, a family wildcard ("sms.*") or "*".
CREATE TABLE IF NOT EXISTS subscriptions (
	id VARCHAR(40) NOT NULL PRIMARY KEY,
	account_id VARCHAR(40) NOT NULL,
	endpoint_id VARCHAR(40) NOT NULL,
	event_type VARCHAR(128) NOT NULL,
	filter_json TEXT NULL CHECK (filter_json IS NULL OR JSON_VALID(filter_json)),
	created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	UNIQUE KEY subscriptions_endpoint_type (endpoint_id, event_type),
	KEY subscriptions_account_type (account_id, event_type),
	CONSTRAINT subscriptions_endpoint_fk FOREIGN KEY (endpoint_id) REFERENCES endpoints (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS events (
	id VARCHAR(40) NOT NULL PRIMARY KEY,
	account_id VARCHAR(40) NOT NULL,
	event_type VARCHAR(128) NOT NULL,
	payload LONGTEXT NOT NULL CHECK (JSON_VALID(payload)),
	idempotency_key VARCHAR(255) NULL,
	created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	UNIQUE KEY events_idempotency (account_id, idempotency_key),
	KEY events_account_time (account_id, created_at),
	KEY events_account_type (account_id, event_type, created_at),
	CONSTRAINT events_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The queue. status: pending -> sending -> succeeded | pending (retry) | dead;
-- paused while the endpoint is disabled. The claim index serves both the
-- WHERE and the ORDER BY of the claim query (see hl_deliveries.c).
CREATE TABLE IF NOT EXISTS deliveries (
	id VARCHAR(40) NOT NULL PRIMARY KEY,
	account_id VARCHAR(40) NOT NULL,
	endpoint_id VARCHAR(40) NOT NULL,
	event_id VARCHAR(40) NOT NULL,
	event_type VARCHAR(128) NOT NULL,
	status ENUM('pending','sending','succeeded','dead','paused') NOT NULL DEFAULT 'pending',
	priority TINYINT NOT NULL DEFAULT 0,
	attempts INT NOT NULL DEFAULT 0,
	next_attempt_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	lease_owner VARCHAR(64) NULL,
	lease_expires_at DATETIME(3) NULL,
	last_status_code INT NULL,
	last_error_class VARCHAR(32) NULL,
	last_attempt_at DATETIME(3) NULL,
	completed_at DATETIME(3) NULL,
	created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	KEY deliveries_claim (status, priority DESC, next_attempt_at, id),
	KEY deliveries_lease (status, lease_expires_at),
	KEY deliveries_endpoint (endpoint_id, created_at),
	KEY deliveries_account_time (account_id, created_at),
	KEY deliveries_event (event_id),
	CONSTRAINT deliveries_endpoint_fk FOREIGN KEY (endpoint_id) REFERENCES endpoints (id) ON DELETE CASCADE,
	CONSTRAINT deliveries_event_fk FOREIGN KEY (event_id) REFERENCES events (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS delivery_attempts (
	id VARCHAR(40) NOT NULL PRIMARY KEY,
	delivery_id VARCHAR(40) NOT NULL,
	account_id VARCHAR(40) NOT NULL,
	endpoint_id VARCHAR(40) NOT NULL,
	attempt_no INT NOT NULL,
	started_at DATETIME(3) NOT NULL,
	duration_ms INT NOT NULL DEFAULT 0,
	request_url VARCHAR(2048) NOT NULL,
	request_headers TEXT NOT NULL,           -- JSON object, secrets redacted
	response_status INT NULL,
	response_headers TEXT NULL,              -- JSON object
	response_body MEDIUMTEXT NULL,           -- excerpt up to Delivery.MaxResponseBytes
	error_class VARCHAR(32) NULL,            -- NULL on success
	error_message VARCHAR(500) NULL,
	KEY attempts_delivery (delivery_id, attempt_no),
	KEY attempts_endpoint_time (endpoint_id, started_at),
	KEY attempts_account_time (account_id, started_at),
	CONSTRAINT attempts_delivery_fk FOREIGN KEY (delivery_id) REFERENCES deliveries (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
