-- 012_idempotency_sealed.sql: stored Idempotency-Key answers are sealed
-- with the master key from now on (they may hold a secret shown once).
-- Answers stored before were plain text: drop them rather than keep
-- secrets readable for up to 24 hours (a repeat of such a request runs
-- again). Re-runnable.
DELETE FROM idempotency_keys;
