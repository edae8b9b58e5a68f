/* hl_idempotency.c: the SQL of idempotency_keys. Expired rows are
 * ignored on read and removed on the next write. */
#include <stdlib.h>
#include <string.h>
#include "hl_idempotency.h"

hl_err
hl_idempotency_get(struct hl_db *db, const char *account_id, const char *key,
	const char *request_hash, int *found, int *same_request, int *status, char **response)
{
	struct hl_stmt *st;
	hl_err rc;

	*found = 0;
	*response = NULL;
	rc = hl_stmt_new(db, "SELECT request_hash, status, response FROM idempotency_keys "
		"WHERE account_id = ? AND idem_key = ? AND expires_at > NOW(3)", &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, account_id);
	hl_stmt_str(st, 1, key);
	rc = hl_stmt_first(st, found);
	if (!rc && *found) {
		*same_request = !strcmp(hl_stmt_col(st, 0), request_hash);
		*status = (int)hl_stmt_colint(st, 1);
		*response = strdup(hl_stmt_col(st, 2) ? hl_stmt_col(st, 2) : "");
		if (!*response)
			rc = hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
	}
	hl_stmt_free(st);
	return rc;
}

hl_err
hl_idempotency_put(struct hl_db *db, const char *account_id, const char *key,
	const char *route, const char *request_hash, int status, const char *response, size_t len)
{
	hl_err rc;

	rc = hl_db_exec(db, NULL, "DELETE FROM idempotency_keys WHERE expires_at <= NOW(3) "
		"LIMIT 100", "");
	if (rc)
		return rc;
	/* An expired row with the same key is replaced; a live one is kept. */
	return hl_db_exec(db, NULL, "INSERT INTO idempotency_keys (account_id, idem_key, route, "
		"request_hash, status, response, expires_at) VALUES (?, ?, ?, ?, ?, ?, "
		"NOW(3) + INTERVAL ? SECOND) ON DUPLICATE KEY UPDATE "
		"route = IF(expires_at <= NOW(3), VALUES(route), route), "
		"request_hash = IF(expires_at <= NOW(3), VALUES(request_hash), request_hash), "
		"status = IF(expires_at <= NOW(3), VALUES(status), status), "
		"response = IF(expires_at <= NOW(3), VALUES(response), response), "
		"expires_at = IF(expires_at <= NOW(3), VALUES(expires_at), expires_at)",
		"ssssizi", account_id, key, route, request_hash, (long long)status, response, len,
		(long long)HL_IDEMPOTENCY_TTL_S);
}
