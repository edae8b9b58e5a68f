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
hl_session_create(struct hl_db *db, const char *user_id, long ttl_s,
	const char *client_addr, char token_out[HL_TOKEN_MAX], char csrf_out[HL_TOKEN_MAX])
{
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
	return hl_db_exec(db, NULL, "INSERT INTO sessions (token_hash, user_id, csrf_token, "
		"expires_at, client_addr) VALUES (?, ?, ?, NOW(3) + INTERVAL ? SECOND, ?)", "sssis",
		hash, user_id, csrf_out, (long long)ttl_s, client_addr ? client_addr : "");
}

hl_err
hl_session_lookup(struct hl_db *db, const char *token, struct hl_principal *p,
	char csrf_out[HL_TOKEN_MAX])
{
	struct hl_stmt *st;
	char hash[65], user[HL_ID_MAX];
	hl_err rc;
	int r;

	if (!token || strlen(token) >= HL_TOKEN_MAX)
		return hl_fail(HL_ERR_AUTH, NULL, "not logged in");
	hl_sha256_hex(token, strlen(token), hash);
	rc = hl_stmt_new(db, "SELECT user_id, csrf_token FROM sessions "
		"WHERE token_hash = ? AND expires_at > NOW(3)", &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, hash);
	rc = hl_stmt_exec(st);
	if (!rc) {
		r = hl_stmt_fetch(st);
		if (r < 0) {
			rc = HL_ERR_DB;
		} else if (r == 0) {
			rc = hl_fail(HL_ERR_AUTH, NULL, "session expired, please log in again");
		} else {
			hl_strlcpy(user, hl_stmt_col(st, 0), sizeof(user));
			hl_strlcpy(csrf_out, hl_stmt_col(st, 1), HL_TOKEN_MAX);
		}
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
