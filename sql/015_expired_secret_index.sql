-- 015_expired_secret_index.sql: the retention pass clears previous
-- secrets whose rotation grace has ended (endpoints and incoming
-- sources), so a replaced secret is not kept sealed in its row for good
-- when no request comes to clear it. These indexes keep that pass to the
-- few rows that hold one; they change only when a secret is rotated.
-- Re-runnable (ADD INDEX IF NOT EXISTS).
ALTER TABLE endpoints ADD INDEX IF NOT EXISTS endpoints_prev_secret_expiry (prev_secret_expires_at);
ALTER TABLE sources ADD INDEX IF NOT EXISTS sources_prev_secret_expiry (prev_secret_expires_at);
