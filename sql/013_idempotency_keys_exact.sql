-- 013_idempotency_keys_exact.sql: idempotency keys are compared as the
-- bytes they are. Under the tables' utf8mb4_unicode_ci, "Ord-1" and
-- "ord-1" (or "ord-1 " with a trailing blank, or "e" and an accented "e")
-- were the same key: the second publish was answered as a duplicate of the
-- first and its event was never stored. NO PAD: trailing blanks count too.
-- Re-runnable (MODIFY to the same definition changes nothing).
ALTER TABLE events
	MODIFY idempotency_key VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NULL;
ALTER TABLE idempotency_keys
	MODIFY idem_key VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL;
