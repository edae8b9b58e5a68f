/* hl_idempotency.c: the SQL of idempotency_keys. A row is a reservation
 * (status 0, response "pending:<token>") until its request completes it
 * with its answer, sealed. Expired rows are taken over on reserve and removed
 * on the way.
 *
 * The reserving request also holds a MariaDB named lock for the key
 * until it completes or releases it. The lock is its session's: a
 * process that dies mid-request (killed, crashed) gives it up at once,
 * so a repeat that gets the lock and finds a reservation that is not its
 * own knows that nobody runs it and takes it over, instead of answering
 * 409 until the reservation expires. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "hl_crypto.h"
#include "hl_idempotency.h"
#include "hl_log.h"
#include "hl_util.h"

#define PENDING_PREFIX "pending:"

void
hl_idem_answer_clear(struct hl_idem_answer *a)
{
	hl_secret_free(a->location);
	hl_secret_free(a->body);
	memset(a, 0, sizeof(*a));
}

/* The sealed text is {"location": ..., "body": "..."} (the body exactly as
 * it was sent). */
static hl_err
open_answer(const struct hl_config *cfg, const char *sealed, struct hl_idem_answer *a)
{
	json_object *env, *body, *loc;
	char *plain = NULL;
	hl_err rc;

	rc = hl_config_unseal(cfg, sealed, &plain);
	if (rc)
		return rc;
	env = json_tokener_parse(plain);
	hl_secret_free(plain);
	if (!json_object_is_type(env, json_type_object) ||
	    !json_object_object_get_ex(env, "body", &body) ||
	    !json_object_is_type(body, json_type_string)) {
		rc = hl_fail(HL_ERR_INTERNAL, NULL, "a stored idempotent answer is malformed");
		goto out;
	}
	a->body = strdup(json_object_get_string(body));
	if (!a->body)
		rc = hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
	if (!rc && json_object_object_get_ex(env, "location", &loc) &&
	    json_object_is_type(loc, json_type_string)) {
		a->location = strdup(json_object_get_string(loc));
		if (!a->location)
			rc = hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
	}
out:
	json_object_put(env);
	return rc;
}

/* "hl_idem_" and 48 hex digits of SHA-256(account, key): named locks
 * are at most 64 characters. */
#define LOCK_NAME_MAX (8 + 48 + 1)

static void
lock_name(const char *account_id, const char *key, char name[LOCK_NAME_MAX])
{
	char in[64 + 1 + 256], hex[65];
	int n = snprintf(in, sizeof(in), "%s%c%s", account_id, '\n', key);

	hl_sha256_hex(in, n < 0 ? 0 : (size_t)n >= sizeof(in) ? sizeof(in) - 1 : (size_t)n, hex);
	snprintf(name, LOCK_NAME_MAX, "hl_idem_%.48s", hex);
}

static void
unlock_key(struct hl_db *db, const char *account_id, const char *key)
{
	char name[LOCK_NAME_MAX];

	lock_name(account_id, key, name);
	if (hl_db_unlock(db, name))
		hl_log(HL_LOG_WARN, "cannot release an idempotency lock: %s", hl_errmsg());
}

static hl_err reserve_locked(struct hl_db *db, const struct hl_config *cfg,
	const char *account_id, const char *key, const char *route, const char *request_hash,
	char token[HL_IDEM_TOKEN_MAX], enum hl_idem_state *state, struct hl_idem_answer *answer);

hl_err
hl_idempotency_reserve(struct hl_db *db, const struct hl_config *cfg,
	const char *account_id, const char *key, const char *route, const char *request_hash,
	char token[HL_IDEM_TOKEN_MAX], enum hl_idem_state *state, struct hl_idem_answer *answer)
{
	char name[LOCK_NAME_MAX];
	int taken;
	hl_err rc;

	memset(answer, 0, sizeof(*answer));
	*state = HL_IDEM_IN_PROGRESS;
	lock_name(account_id, key, name);
	rc = hl_db_lock(db, name, 0, &taken);
	if (rc || !taken)
		return rc;      /* a live request holds the key */
	rc = reserve_locked(db, cfg, account_id, key, route, request_hash, token, state,
		answer);
	if (rc || *state != HL_IDEM_RESERVED)
		unlock_key(db, account_id, key);
	return rc;
}

static hl_err
reserve_locked(struct hl_db *db, const struct hl_config *cfg,
	const char *account_id, const char *key, const char *route, const char *request_hash,
	char token[HL_IDEM_TOKEN_MAX], enum hl_idem_state *state, struct hl_idem_answer *answer)
{
	char pending[sizeof(PENDING_PREFIX) + HL_IDEM_TOKEN_MAX];
	unsigned char raw[16];
	struct hl_stmt *st;
	const char *stored;
	int found;
	hl_err rc;

	memset(answer, 0, sizeof(*answer));
	*state = HL_IDEM_IN_PROGRESS;
	rc = hl_random_bytes(raw, sizeof(raw));
	if (rc)
		return rc;
	hl_hex_encode(raw, sizeof(raw), token);
	memcpy(pending, PENDING_PREFIX, sizeof(PENDING_PREFIX) - 1);
	memcpy(pending + sizeof(PENDING_PREFIX) - 1, token, HL_IDEM_TOKEN_MAX);
	rc = hl_db_exec(db, NULL, "DELETE FROM idempotency_keys WHERE expires_at <= NOW(3) "
		"LIMIT 100", "");
	if (rc)
		return rc;
	/* Insert our reservation, or take over a row that expired (an old
	 * answer, or a reservation whose process died). The row lock makes
	 * concurrent repeats wait here and then see the winner's row.
	 * expires_at is assigned last: the IFs before it read the old one. */
	rc = hl_db_exec(db, NULL, "INSERT INTO idempotency_keys (account_id, idem_key, route, "
		"request_hash, status, response, expires_at) VALUES (?, ?, ?, ?, 0, ?, "
		"NOW(3) + INTERVAL ? SECOND) ON DUPLICATE KEY UPDATE "
		"route = IF(expires_at <= NOW(3), VALUES(route), route), "
		"request_hash = IF(expires_at <= NOW(3), VALUES(request_hash), request_hash), "
		"status = IF(expires_at <= NOW(3), 0, status), "
		"response = IF(expires_at <= NOW(3), VALUES(response), response), "
		"created_at = IF(expires_at <= NOW(3), NOW(3), created_at), "
		"expires_at = IF(expires_at <= NOW(3), VALUES(expires_at), expires_at)",
		"sssssi", account_id, key, route, request_hash, pending,
		(long long)HL_IDEMPOTENCY_PENDING_S);
	if (rc)
		return rc;
	rc = hl_stmt_new(db, "SELECT request_hash, status, response FROM idempotency_keys "
		"WHERE account_id = ? AND idem_key = ?", &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, account_id);
	hl_stmt_str(st, 1, key);
	rc = hl_stmt_first(st, &found);
	if (!rc && !found)
		rc = hl_fail(HL_ERR_INTERNAL, NULL, "an idempotency reservation vanished");
	if (rc)
		goto out;
	stored = hl_stmt_col(st, 2) ? hl_stmt_col(st, 2) : "";
	if (!strcmp(stored, pending)) {
		*state = HL_IDEM_RESERVED;
	} else if (strcmp(hl_stmt_col(st, 0), request_hash)) {
		*state = HL_IDEM_MISMATCH;
	} else if (hl_stmt_colint(st, 1) == 0) {
		/* Someone else's reservation, and we hold the key's lock: its
		 * request is no longer running (see the top). Take it over,
		 * compare-and-set on its token. */
		unsigned long long affected = 0;

		rc = hl_db_exec(db, &affected, "UPDATE idempotency_keys SET response = ?, "
			"created_at = NOW(3), expires_at = NOW(3) + INTERVAL ? SECOND "
			"WHERE account_id = ? AND idem_key = ? AND status = 0 AND response = ?",
			"sisss", pending, (long long)HL_IDEMPOTENCY_PENDING_S, account_id, key, stored);
		if (!rc && affected > 0) {
			hl_log(HL_LOG_INFO, "took over an idempotency reservation whose request "
				"is no longer running");
			*state = HL_IDEM_RESERVED;
		}
	} else {
		rc = open_answer(cfg, stored, answer);
		if (!rc) {
			answer->status = (int)hl_stmt_colint(st, 1);
			*state = HL_IDEM_DONE;
		} else {
			hl_idem_answer_clear(answer);
		}
	}
out:
	hl_stmt_free(st);
	return rc;
}

hl_err
hl_idempotency_complete(struct hl_db *db, const struct hl_config *cfg,
	const char *account_id, const char *key, const char token[HL_IDEM_TOKEN_MAX],
	int status, const char *location, const char *body, int *kept)
{
	char pending[sizeof(PENDING_PREFIX) + HL_IDEM_TOKEN_MAX];
	unsigned long long affected = 0;
	json_object *env = json_object_new_object();
	char *sealed = NULL;
	hl_err rc;

	*kept = 0;
	snprintf(pending, sizeof(pending), PENDING_PREFIX "%s", token);
	/* Sealed whole, like the endpoint secrets: the body may be the only
	 * copy of a secret outside its table (a new webhook's signing secret,
	 * an encryption key, a generated source secret). */
	if (location)
		hl_json_add_str(env, "location", location);
	json_object_object_add(env, "body", json_object_new_string(body));
	rc = hl_seal(cfg->master_key, json_object_to_json_string_ext(env, JSON_C_TO_STRING_PLAIN |
		JSON_C_TO_STRING_NOSLASHESCAPE), &sealed);
	json_object_put(env);
	if (rc)
		return rc;
	rc = hl_db_exec(db, &affected, "UPDATE idempotency_keys SET status = ?, response = ?, "
		"expires_at = NOW(3) + INTERVAL ? SECOND WHERE account_id = ? AND idem_key = ? "
		"AND status = 0 AND response = ?", "isisss", (long long)status, sealed,
		(long long)HL_IDEMPOTENCY_TTL_S, account_id, key, pending);
	free(sealed);
	*kept = !rc && affected > 0;
	unlock_key(db, account_id, key);
	return rc;
}

hl_err
hl_idempotency_release(struct hl_db *db, const char *account_id, const char *key,
	const char token[HL_IDEM_TOKEN_MAX])
{
	char pending[sizeof(PENDING_PREFIX) + HL_IDEM_TOKEN_MAX];

	hl_err rc;

	snprintf(pending, sizeof(pending), PENDING_PREFIX "%s", token);
	rc = hl_db_exec(db, NULL, "DELETE FROM idempotency_keys WHERE account_id = ? "
		"AND idem_key = ? AND status = 0 AND response = ?", "sss", account_id, key, pending);
	unlock_key(db, account_id, key);
	return rc;
}
