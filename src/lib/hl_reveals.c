/* hl_reveals.c: the SQL of page_reveals (hl_reveals.h). The secrets are
 * sealed with Security.MasterKey like every stored secret, and opened
 * with hl_config_unseal, so one sealed just before a key rotation still
 * opens while Security.PreviousMasterKey is set. */
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include "hl_crypto.h"
#include "hl_reveals.h"
#include "hl_util.h"

hl_err
hl_reveal_put(struct hl_db *db, const struct hl_config *cfg, const char *session_token,
	const char *account_id, const char *subject_id, const char *kind, json_object *secrets,
	char id_out[HL_TOKEN_MAX])
{
	char hash[65], *sealed = NULL;
	const char *text;
	hl_err rc;

	if (!session_token || !*session_token)
		return hl_fail(HL_ERR_INTERNAL, NULL, "a secret to show needs a browser session");
	rc = hl_token_new(id_out);
	if (rc)
		return rc;
	hl_sha256_hex(session_token, strlen(session_token), hash);
	text = json_object_to_json_string_ext(secrets, JSON_C_TO_STRING_PLAIN);
	rc = hl_seal(cfg->master_key, text, &sealed);
	if (rc)
		goto out;
	/* Expired ones (never looked at) go on the way, as sessions do. */
	hl_db_exec(db, NULL, "DELETE FROM page_reveals WHERE expires_at < NOW(3)", "");
	rc = hl_db_exec(db, NULL, "INSERT INTO page_reveals (id, session_hash, account_id, "
		"subject_id, kind, payload_sealed, expires_at) VALUES (?, ?, ?, ?, ?, ?, "
		"NOW(3) + INTERVAL ? SECOND)", "ssssssi", id_out, hash, account_id, subject_id, kind,
		sealed, (long long)HL_REVEAL_TTL_S);
out:
	free(sealed);
	return rc;
}

hl_err
hl_reveal_take(struct hl_db *db, const struct hl_config *cfg, const char *session_token,
	const char *account_id, const char *subject_id, const char *id,
	char kind[HL_REVEAL_KIND_MAX], json_object **secrets)
{
	struct hl_stmt *st = NULL;
	char hash[65], *sealed = NULL, *plain = NULL;
	const char *why;
	unsigned long long n = 0;
	hl_err rc;
	int found;

	*secrets = NULL;
	kind[0] = '\0';
	if (!session_token || !*session_token || !id || !*id || strlen(id) >= HL_TOKEN_MAX)
		return hl_fail(HL_ERR_NOTFOUND, "reveal", "nothing to show");
	hl_sha256_hex(session_token, strlen(session_token), hash);
	rc = hl_stmt_new(db, "SELECT kind, payload_sealed FROM page_reveals WHERE id = ? AND "
		"session_hash = ? AND account_id = ? AND subject_id = ? AND expires_at > NOW(3)", &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, id);
	hl_stmt_str(st, 1, hash);
	hl_stmt_str(st, 2, account_id);
	hl_stmt_str(st, 3, subject_id);
	rc = hl_stmt_first(st, &found);
	if (!rc && !found)
		rc = hl_fail(HL_ERR_NOTFOUND, "reveal", "nothing to show");
	if (!rc) {
		hl_strlcpy(kind, hl_stmt_col(st, 0), HL_REVEAL_KIND_MAX);
		sealed = strdup(hl_stmt_col(st, 1));
		if (!sealed)
			rc = hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
	}
	hl_stmt_free(st);
	if (rc)
		goto out;
	/* The delete decides: of two pages taking it at once, the one that
	 * deleted the row shows it. Once means once, even if this page then
	 * fails to reach the browser. */
	rc = hl_db_exec(db, &n, "DELETE FROM page_reveals WHERE id = ? AND session_hash = ?", "ss",
		id, hash);
	if (!rc && n == 0)
		rc = hl_fail(HL_ERR_NOTFOUND, "reveal", "nothing to show");
	if (!rc)
		rc = hl_config_unseal(cfg, sealed, &plain);
	if (!rc) {
		*secrets = hl_json_parse(plain, strlen(plain), 1, &why);
		if (!json_object_is_type(*secrets, json_type_object)) {
			json_object_put(*secrets);
			*secrets = NULL;
			rc = hl_fail(HL_ERR_INTERNAL, NULL, "a sealed page secret is not a JSON object");
		}
	}
out:
	free(sealed);
	hl_secret_free(plain);
	return rc;
}

void
hl_reveal_wipe(json_object *secrets)
{
	if (!secrets)
		return;
	json_object_object_foreach(secrets, k, v) {
		(void)k;
		if (json_object_is_type(v, json_type_string))
			OPENSSL_cleanse((void *)json_object_get_string(v),
				(size_t)json_object_get_string_len(v));
	}
	json_object_put(secrets);
}
