-- 004_runner.sql: what the delivery runner needs beyond the core queue:
-- per-endpoint delivery options, endpoint health notifications, OAuth
-- token cache and the cross-runner rate-limit slots. Re-runnable.

-- Retry policy: retry_schedule (001) is an explicit list; the exponential
-- policy is base * 2^(n-1) capped at cap, for max attempts. When
-- retry_max_attempts is set it wins over retry_schedule.
ALTER TABLE endpoints
	ADD COLUMN IF NOT EXISTS retry_base_s INT NULL,
	ADD COLUMN IF NOT EXISTS retry_cap_s INT NULL,
	ADD COLUMN IF NOT EXISTS retry_max_attempts INT NULL,
	-- 1: the next delivery waits until the previous one succeeded or is dead
	ADD COLUMN IF NOT EXISTS fifo TINYINT(1) NOT NULL DEFAULT 0,
	-- > 1: up to this many due events in one request (JSON array)
	ADD COLUMN IF NOT EXISTS batch_max INT NOT NULL DEFAULT 1,
	-- deliveries per second across all runners, 0 = unlimited
	ADD COLUMN IF NOT EXISTS rate_limit INT NOT NULL DEFAULT 0,
	-- destination authentication: none, basic, bearer, header, oauth2;
	-- the credentials (JSON) are sealed like the signing secret
	ADD COLUMN IF NOT EXISTS auth_type ENUM('none','basic','bearer','header','oauth2') NOT NULL DEFAULT 'none',
	ADD COLUMN IF NOT EXISTS auth_sealed TEXT NULL,
	-- optional AES-256-GCM payload encryption key (sealed base64 of 32 bytes)
	ADD COLUMN IF NOT EXISTS encryption_key_sealed VARCHAR(512) NULL,
	-- optional ed25519 signing key (sealed PEM) and its public key (PEM)
	ADD COLUMN IF NOT EXISTS ed25519_sealed TEXT NULL,
	ADD COLUMN IF NOT EXISTS ed25519_public VARCHAR(200) NULL;

-- FIFO claims look for an earlier unfinished delivery of the same endpoint.
ALTER TABLE deliveries
	ADD INDEX IF NOT EXISTS deliveries_endpoint_status (endpoint_id, status, id);

-- Notifications about endpoint health, queued for whoever sends mail or
-- pages (not the runner): one row per event worth telling a human about.
CREATE TABLE IF NOT EXISTS notifications (
	id VARCHAR(40) NOT NULL PRIMARY KEY,
	account_id VARCHAR(40) NOT NULL,
	endpoint_id VARCHAR(40) NULL,
	kind VARCHAR(64) NOT NULL,                 -- endpoint.disabled, endpoint.recovered, ...
	message VARCHAR(500) NOT NULL,
	created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	sent_at DATETIME(3) NULL,
	KEY notifications_unsent (sent_at, created_at),
	KEY notifications_account (account_id, created_at),
	CONSTRAINT notifications_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- OAuth 2.0 client-credentials tokens, cached until shortly before expiry.
CREATE TABLE IF NOT EXISTS endpoint_tokens (
	endpoint_id VARCHAR(40) NOT NULL PRIMARY KEY,
	token_sealed TEXT NOT NULL,
	expires_at DATETIME(3) NOT NULL,
	CONSTRAINT endpoint_tokens_endpoint_fk FOREIGN KEY (endpoint_id) REFERENCES endpoints (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Rate limit: one row per endpoint and second; a runner takes a slot by
-- incrementing used while used < the endpoint's rate_limit.
CREATE TABLE IF NOT EXISTS endpoint_rate_slots (
	endpoint_id VARCHAR(40) NOT NULL,
	slot BIGINT NOT NULL,                      -- unix second
	used INT NOT NULL DEFAULT 0,
	PRIMARY KEY (endpoint_id, slot)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
