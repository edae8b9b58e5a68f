-- 014_source_secret_rotation.sql: an incoming source's secret can be
-- rotated with a grace period, as an endpoint's can: the secret it
-- replaced is kept (sealed like the current one) and still verifies
-- until prev_secret_expires_at, so requests the provider signs with the
-- old secret while its side is being updated are not refused. The log
-- records which of the two verified a request (NULL: none did, or the
-- source is unsigned), so an operator sees when the provider switched.
-- Re-runnable (ADD COLUMN IF NOT EXISTS).
ALTER TABLE sources
	ADD COLUMN IF NOT EXISTS prev_secret_sealed VARCHAR(1024) NULL AFTER secret_sealed,
	ADD COLUMN IF NOT EXISTS prev_secret_expires_at DATETIME(3) NULL AFTER prev_secret_sealed;
ALTER TABLE incoming_requests
	ADD COLUMN IF NOT EXISTS verified_with ENUM('current','previous') NULL AFTER error_message;
