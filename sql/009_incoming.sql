-- 009_incoming.sql: incoming webhooks. A source is a URL a third party
-- posts to (/webhooks/incoming/{slug}) with the way its requests are
-- verified; every request that reaches a known source is logged in
-- incoming_requests, and an accepted one is published as an event through
-- the one publish path (deduplicated by its idempotency key). Re-runnable.

CREATE TABLE IF NOT EXISTS sources (
	id VARCHAR(40) NOT NULL PRIMARY KEY,
	account_id VARCHAR(40) NOT NULL,
	slug VARCHAR(64) NOT NULL,                 -- the URL's last segment, unique
	name VARCHAR(200) NOT NULL DEFAULT '',
	verify ENUM('standard','github','stripe','shopify','none') NOT NULL,
	secret_sealed VARCHAR(1024) NULL,          -- AES-256-GCM under Security.MasterKey
	event_type VARCHAR(128) NOT NULL,          -- published unless type_map names another
	type_map TEXT NULL CHECK (type_map IS NULL OR JSON_VALID(type_map)),
	allowed_cidrs VARCHAR(1000) NULL,          -- NULL: any address
	tolerance_s INT NOT NULL DEFAULT 300,      -- signed timestamps this far off are refused
	rate_limit INT NOT NULL DEFAULT 0,         -- requests per minute, 0: no limit
	enabled TINYINT(1) NOT NULL DEFAULT 1,
	created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	UNIQUE KEY sources_slug (slug),
	KEY sources_account (account_id, id),
	CONSTRAINT sources_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- outcome: accepted (an event was published), duplicate (its dedupe key
-- was seen before: the earlier event stands), rejected (error_code says
-- why; nothing was published).
CREATE TABLE IF NOT EXISTS incoming_requests (
	id VARCHAR(40) NOT NULL PRIMARY KEY,
	source_id VARCHAR(40) NOT NULL,
	account_id VARCHAR(40) NOT NULL,
	received_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	client_addr VARCHAR(64) NOT NULL DEFAULT '',
	headers TEXT NOT NULL,                     -- JSON object, credentials redacted
	body MEDIUMTEXT NOT NULL,                  -- the first 64 KiB
	body_bytes INT NOT NULL DEFAULT 0,
	outcome ENUM('accepted','duplicate','rejected') NOT NULL,
	error_code VARCHAR(40) NULL,
	error_message VARCHAR(500) NULL,
	provider_event VARCHAR(128) NULL,          -- X-GitHub-Event, Stripe's "type", ...
	dedupe_key VARCHAR(255) NULL,              -- X-GitHub-Delivery, webhook-id, ...
	event_type VARCHAR(128) NULL,
	event_id VARCHAR(40) NULL,
	-- ids sort by time: the log pages newest first by id
	KEY incoming_source (source_id, id),
	KEY incoming_account (account_id, id),
	CONSTRAINT incoming_source_fk FOREIGN KEY (source_id) REFERENCES sources (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The platform type a source publishes unless it names its own.
INSERT IGNORE INTO event_types (id, account_id, name, family, description) VALUES
	('et_9b1c4e7a2d5f8a0c3e6b9d2f4a', '', 'integration.webhook_received', 'integration',
	 'A third-party service posted a verified webhook to an incoming source');
