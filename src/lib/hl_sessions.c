/* hl_sessions.c: the SQL of sessions. */
#include <string.h>
#include "hl_sessions.h"
#include "hl_util.h"

hl_err
hl_token_new(char out[HL_TOKEN_MAX])
{
	unsigned char raw[32];
	char b64[48];
	size_t i, n;
	hl_err rc;

	rc = hl_random_bytes(raw, sizeof(raw));
	if (rc)
		return rc;
	n = hl_base64_encode(raw, sizeof(raw), b64);
	/* base64url without padding: safe in cookies, forms and URLs. */
	for (i = 0; i < n && b64[i] != '='; i++)
		out[i] = b64[i] == '+' ? '-' : b64[i] == '/' ? '_' : b64[i];
	out[i] = '\0';
	return HL_OK;
}

hl_err
hl_session_create(struct hl_db *db, const char *user_id, const char *pwhash,
	long ttl_s, const char *client_addr, char token_out[HL_TOKEN_MAX],
	char csrf_out[HL_TOKEN_MAX])
{
	unsigned long long n = 0;
	char hash[65];
	hl_err rc;

	rc = hl_token_new(token_out);
	if (!rc)
		rc = hl_token_new(csrf_out);
	if (rc)
		return rc;
	hl_sha256_hex(token_out, strlen(token_out), hash);
	/* Expired sessions of anyone are cleaned up on the way. */
	hl_db_exec(db, NULL, "DELETE FROM sessions WHERE expires_at < NOW(3)", "");
	/* The user's row is read with a lock, so the latest committed one: a
	 * disable or new password under way is waited for and then seen, and
	 * one begun after this commits finds the session and ends it. (Read
	 * Committed reads it without a lock otherwise, the version from before
	 * the change.) */
	rc = hl_db_exec(db, &n, "INSERT INTO sessions (token_hash, user_id, csrf_token, "
		"expires_at, client_addr) SELECT ?, id, ?, NOW(3) + INTERVAL ? SECOND, ? FROM users "
		"WHERE id = ? AND disabled_at IS NULL AND BINARY password_hash = ? "
		"LOCK IN SHARE MODE", "ssisss",
		hash, csrf_out, (long long)ttl_s, client_addr ? client_addr : "", user_id, pwhash);
	if (!rc && n == 0)
		rc = hl_fail(HL_ERR_AUTH, NULL, "the password changed or the user was disabled "
			"while logging in");
	return rc;
}

hl_err
hl_session_lookup(struct hl_db *db, const char *token, struct hl_principal *p,
	char csrf_out[HL_TOKEN_MAX])
{
	struct hl_stmt *st;
	char hash[65], user[HL_ID_MAX];
	hl_err rc;
	int found;

	if (!token || strlen(token) >= HL_TOKEN_MAX)
		return hl_fail(HL_ERR_AUTH, NULL, "not logged in");
	hl_sha256_hex(token, strlen(token), hash);
	rc = hl_stmt_new(db, "SELECT user_id, csrf_token FROM sessions "
		"WHERE token_hash = ? AND expires_at > NOW(3)", &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, hash);
	rc = hl_stmt_first(st, &found);
	if (!rc && !found) {
		rc = hl_fail(HL_ERR_AUTH, NULL, "session expired, please log in again");
	} else if (!rc) {
		hl_strlcpy(user, hl_stmt_col(st, 0), sizeof(user));
		hl_strlcpy(csrf_out, hl_stmt_col(st, 1), HL_TOKEN_MAX);
	}
	hl_stmt_free(st);
	if (rc)
		return rc;
	return hl_user_principal(db, user, p);
}

hl_err
hl_session_delete(struct hl_db *db, const char *token)
{
	char hash[65];

	if (!token)
		return HL_OK;
	hl_sha256_hex(token, strlen(token), hash);
	return hl_db_exec(db, NULL, "DELETE FROM sessions WHERE token_hash = ?", "s", hash);
}

hl_err
hl_session_end_user(struct hl_db *db, const char *user_id, unsigned long long *ended)
{
	unsigned long long n = 0;
	hl_err rc;

	rc = hl_db_exec(db, &n, "DELETE FROM sessions WHERE user_id = ?", "s", user_id);
	if (ended)
		*ended = rc ? 0 : n;
	return rc;
}

/* Failed logins are keyed by a hash of the lower-cased email, so the
 * table never holds addresses typed by mistake (or passwords typed into
 * the email field). The email of the user the typed one names, when it
 * names one: the database compares emails without case, accents or
 * trailing spaces ("Ann@x.test " logs in as ann@x.test), and every
 * spelling that opens an account must count against that account's one
 * allowance, not get five guesses of its own. */
static hl_err
email_key(struct hl_db *db, const char *email, char out[65])
{
	struct hl_stmt *st;
	const char *e = email;
	char low[300];
	size_t i;
	hl_err rc;
	int found;

	rc = hl_stmt_new(db, "SELECT email FROM users WHERE email = ?", &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, email);
	rc = hl_stmt_first(st, &found);
	if (!rc && found && hl_stmt_col(st, 0))
		e = hl_stmt_col(st, 0);
	for (i = 0; !rc && i < sizeof(low) - 1 && e[i]; i++)
		low[i] = (e[i] >= 'A' && e[i] <= 'Z') ? (char)(e[i] + 32) : e[i];
	low[i] = '\0';
	hl_stmt_free(st);
	if (!rc)
		hl_sha256_hex(low, i, out);
	return rc;
}

/* One lock for every login's check-and-count: both are a few
 * milliseconds, so serialising them costs nothing, and it makes the count
 * exact (parallel guesses cannot all pass the check before any is
 * counted). */
#define LOGIN_LOCK "hookline.login_throttle"
#define LOGIN_LOCK_WAIT_S 10

hl_err
hl_login_attempt(struct hl_db *db, const char *email, const char *client_addr, int count,
	int *blocked)
{
	struct hl_stmt *st;
	char key[65];
	hl_err rc, unlock = HL_OK;
	int found, taken = 0;

	*blocked = 1;
	rc = email_key(db, email, key);
	if (rc)
		return rc;
	if (count) {
		rc = hl_db_lock(db, LOGIN_LOCK, LOGIN_LOCK_WAIT_S, &taken);
		if (rc)
			return rc;
		/* Fail closed: a lock we cannot get in 10 s means a flood. */
		if (!taken)
			return HL_OK;
		hl_db_exec(db, NULL, "DELETE FROM login_failures WHERE created_at < NOW(3) - "
			"INTERVAL ? SECOND", "i", (long long)HL_LOGIN_WINDOW_S);
	}
	rc = hl_stmt_new(db, "SELECT (SELECT COUNT(*) FROM login_failures WHERE email_hash = ? "
		"AND created_at >= NOW(3) - INTERVAL ? SECOND), (SELECT COUNT(*) FROM login_failures "
		"WHERE client_addr = ? AND created_at >= NOW(3) - INTERVAL ? SECOND)", &st);
	if (rc)
		goto out;
	hl_stmt_str(st, 0, key);
	hl_stmt_int(st, 1, HL_LOGIN_WINDOW_S);
	hl_stmt_str(st, 2, client_addr);
	hl_stmt_int(st, 3, HL_LOGIN_WINDOW_S);
	rc = hl_stmt_first(st, &found);
	if (!rc && found)
		*blocked = hl_stmt_colint(st, 0) >= HL_LOGIN_MAX_PER_EMAIL ||
			hl_stmt_colint(st, 1) >= HL_LOGIN_MAX_PER_ADDR;
	hl_stmt_free(st);
	/* Counted as a failure now, before the password is checked; a
	 * success removes it again (hl_login_succeeded). A refused attempt
	 * is not counted: it cost no password check. */
	if (!rc && !*blocked && count)
		rc = hl_login_failed(db, email, client_addr);
out:
	if (taken)
		unlock = hl_db_unlock(db, LOGIN_LOCK);
	return rc ? rc : unlock;
}

hl_err
hl_login_failed(struct hl_db *db, const char *email, const char *client_addr)
{
	char key[65];
	hl_err rc;

	rc = email_key(db, email, key);
	if (rc)
		return rc;
	return hl_db_exec(db, NULL, "INSERT INTO login_failures (email_hash, client_addr) "
		"VALUES (?, ?)", "ss", key, client_addr);
}

hl_err
hl_login_succeeded(struct hl_db *db, const char *email)
{
	char key[65];
	hl_err rc;

	rc = email_key(db, email, key);
	if (rc)
		return rc;
	return hl_db_exec(db, NULL, "DELETE FROM login_failures WHERE email_hash = ?", "s", key);
}
