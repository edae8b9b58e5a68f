-- 008_oauth_refusals.sql: the OAuth token cache remembers refusals.
-- Re-runnable.
--
-- When the token endpoint refuses (or cannot be reached), the row holds no
-- token (token_sealed = '') and `refused` says why (no secrets); until
-- expires_at, about 30 s later, every runner records an attempt of class
-- auth with that reason instead of asking again. Without it each request
-- to the endpoint asked the token endpoint once more: a claim of 100
-- deliveries meant 100 token requests to a server that just said no.
-- Changing the endpoint's authentication deletes the row (hl_oauth_forget).
ALTER TABLE endpoint_tokens
	ADD COLUMN IF NOT EXISTS refused VARCHAR(200) NULL;
