-- 019_inspect_exact.sql: the request inspector keeps what it was sent.
-- body was utf8mb4 text: a body that is not UTF-8 (a binary upload,
-- another charset) was stored with '?' for its bytes and read back cut
-- at its first NUL. As a BLOB it holds the exact bytes; the old rows'
-- text becomes their UTF-8 bytes, so they read as before. body_bytes is
-- how many bytes were received (the first 64 KiB are kept; NULL for rows
-- from before). path and query are the request's target as sent (NULL
-- for rows from before; target_truncated: either was longer than kept):
-- a sender's ?token=... used to be lost.
-- Re-runnable (MODIFY to the same definition, ADD COLUMN IF NOT EXISTS).
ALTER TABLE inspect_requests
	MODIFY body MEDIUMBLOB NOT NULL,
	ADD COLUMN IF NOT EXISTS body_bytes INT NULL AFTER body,
	ADD COLUMN IF NOT EXISTS path VARCHAR(2048) NULL AFTER client_addr,
	ADD COLUMN IF NOT EXISTS query TEXT NULL AFTER path,
	ADD COLUMN IF NOT EXISTS target_truncated TINYINT(1) NOT NULL DEFAULT 0 AFTER query;
