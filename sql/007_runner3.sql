-- 007_runner3.sql: OAuth 2.0 destination authentication shows its
-- non-secret settings. Re-runnable. (endpoint_tokens, endpoint_rate_slots
-- and encryption_key_sealed came with 004; endpoint_rate_slots.slot holds
-- unix milliseconds, and slot 0 is the endpoint's lock row.)

-- The members of auth an API answer may show (oauth2: token_url,
-- client_id, scope) as a JSON object, kept next to the sealed credentials
-- so reading an endpoint never needs the master key.
ALTER TABLE endpoints
	ADD COLUMN IF NOT EXISTS auth_public TEXT NULL;
