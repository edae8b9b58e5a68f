-- 018_page_reveals.sql: a secret the dashboard shows once (a new
-- endpoint's signing secret, a rotated one, a new encryption key, a
-- generated source secret) waits here, sealed with Security.MasterKey,
-- between the form's POST and the page it redirects to (Post/Redirect/
-- Get), so that reloading that page repeats nothing. It belongs to the
-- session that made it (gone at logout), is deleted when the page has
-- shown it, and lives a few minutes at most. Re-runnable.
CREATE TABLE IF NOT EXISTS page_reveals (
	id CHAR(43) NOT NULL PRIMARY KEY,          -- random, in the redirect's URL
	session_hash CHAR(64) NOT NULL,            -- sessions.token_hash of its owner
	account_id VARCHAR(40) NOT NULL,
	subject_id VARCHAR(40) NOT NULL,           -- wh_... or src_...
	kind VARCHAR(24) NOT NULL,                 -- created, rotated, saved
	payload_sealed TEXT NOT NULL,              -- sealed JSON object of the secrets
	created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	expires_at DATETIME(3) NOT NULL,
	KEY page_reveals_expiry (expires_at),
	KEY page_reveals_session (session_hash),
	CONSTRAINT page_reveals_session_fk FOREIGN KEY (session_hash) REFERENCES sessions (token_hash)
		ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
