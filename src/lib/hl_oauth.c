/* hl_oauth.c: the SQL of endpoint_tokens (the OAuth token cache, tokens
 * sealed like every credential) and the decision when to fetch one; the
 * request itself goes through the sender's guarded curl setup. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hl_crypto.h"
#include "hl_log.h"
#include "hl_oauth.h"
#include "hl_sender.h"

/* A token is used until this much before it expires: 10 % of its life,
 * at most 30 s, so a request in flight never carries an expired one. */
#define MARGIN_MAX_MS 30000
/* Lifetime assumed when the token endpoint does not say (expires_in). */
#define DEFAULT_LIFE_S 300
/* Longer lifetimes are taken as this: the arithmetic below (ms, then us
 * for MariaDB) stays far from overflow, and a DATETIME can hold it. */
#define LIFE_MAX_S (366L * 24 * 3600)
/* After a refusal nobody asks the token endpoint again for this long
 * (sql/008_oauth_refusals.sql). */
#define REFUSED_HOLD_S 30

static int
is_oauth(const struct hl_job *job)
{
	return !strcmp(job->auth_type, "oauth2");
}

/* A cached, unexpired token of the endpoint, or a recent refusal (which
 * sets job->auth_error): 1 found, 0 none, -1 error. A cache hit for a
 * token leaves job->oauth_token and job->oauth_sealed set. */
static int
cache_get(struct hl_db *db, const struct hl_config *cfg, struct hl_job *job)
{
	struct hl_stmt *st;
	int r = -1;

	if (hl_stmt_new(db, "SELECT token_sealed, refused FROM endpoint_tokens "
	    "WHERE endpoint_id = ? AND expires_at > NOW(3)", &st))
		return -1;
	hl_stmt_str(st, 0, job->endpoint_id);
	if (hl_stmt_exec(st))
		goto out;
	r = hl_stmt_fetch(st);
	if (r <= 0)
		goto out;
	if (hl_stmt_col(st, 1)) {
		snprintf(job->auth_error, sizeof(job->auth_error), "%s (a refusal is remembered for %d s)",
			hl_stmt_col(st, 1), REFUSED_HOLD_S);
		goto out;
	}
	/* A token sealed under another master key is as good as none. */
	if (hl_config_unseal(cfg, hl_stmt_col(st, 0), &job->oauth_token)) {
		r = 0;
		goto out;
	}
	job->oauth_sealed = strdup(hl_stmt_col(st, 0));
	r = job->oauth_sealed ? 1 : -1;
out:
	hl_stmt_free(st);
	return r;
}

/* The named lock of the endpoint's token fetch (released when the
 * connection goes, so a crashed runner holds nothing). */
int
hl_oauth_lock(struct hl_db *db, const char *endpoint_id, long wait_s)
{
	char name[HL_ID_MAX + 20];
	int taken = 0;

	snprintf(name, sizeof(name), "hookline.oauth.%s", endpoint_id);
	if (hl_db_lock(db, name, wait_s, &taken))
		return 0;
	return taken;
}

void
hl_oauth_unlock(struct hl_db *db, const char *endpoint_id)
{
	char name[HL_ID_MAX + 20];

	snprintf(name, sizeof(name), "hookline.oauth.%s", endpoint_id);
	if (hl_db_unlock(db, name))
		hl_log(HL_LOG_WARN, "endpoint %s: could not release the token lock: %s",
			endpoint_id, hl_errmsg());
}

void
hl_oauth_store(struct hl_db *db, const struct hl_config *cfg, struct hl_job *job, hl_err got,
	char *token, long expires_in)
{
	long long life_ms, margin;
	hl_err rc;

	if (got) {
		hl_log(HL_LOG_INFO, "endpoint %s: no OAuth token: %s", job->endpoint_id,
			job->auth_error);
		/* Remembered for every runner, unless one has just cached a
		 * good token; failing to remember only means asking again.
		 * (The assignments run left to right: the last one sees the
		 * new `refused`, which is NULL exactly when the row is kept.) */
		if (hl_db_exec(db, NULL, "INSERT INTO endpoint_tokens (endpoint_id, token_sealed, "
		    "expires_at, refused) VALUES (?, '', NOW(3) + INTERVAL ? SECOND, ?) "
		    "ON DUPLICATE KEY UPDATE "
		    "token_sealed = IF(expires_at > NOW(3) AND refused IS NULL, token_sealed, ''), "
		    "refused = IF(expires_at > NOW(3) AND refused IS NULL, NULL, VALUES(refused)), "
		    "expires_at = IF(expires_at > NOW(3) AND refused IS NULL, expires_at, "
		    "VALUES(expires_at))", "sis", job->endpoint_id, (long long)REFUSED_HOLD_S,
		    job->auth_error))
			hl_log(HL_LOG_WARN, "endpoint %s: could not remember the refusal: %s",
				job->endpoint_id, hl_errmsg());
		return;
	}
	job->auth_error[0] = '\0';
	job->oauth_token = token;
	if (expires_in > LIFE_MAX_S)
		expires_in = LIFE_MAX_S;
	life_ms = (expires_in >= 0 ? expires_in : DEFAULT_LIFE_S) * 1000LL;
	margin = life_ms / 10 < MARGIN_MAX_MS ? life_ms / 10 : MARGIN_MAX_MS;
	life_ms -= margin;
	if (life_ms <= 0)
		return;   /* good for this request only */
	rc = hl_seal(cfg->master_key, token, &job->oauth_sealed);
	if (!rc)
		rc = hl_db_exec(db, NULL, "INSERT INTO endpoint_tokens (endpoint_id, token_sealed, "
			"expires_at) VALUES (?, ?, NOW(3) + INTERVAL ? MICROSECOND) ON DUPLICATE KEY "
			"UPDATE token_sealed = VALUES(token_sealed), expires_at = VALUES(expires_at), "
			"refused = NULL",
			"ssi", job->endpoint_id, job->oauth_sealed, life_ms * 1000);
	/* Not cached: this request still has its token; the next fetches. */
	if (rc)
		hl_log(HL_LOG_WARN, "endpoint %s: could not cache the OAuth token: %s",
			job->endpoint_id, hl_errmsg());
}

/* Ask the token endpoint and cache the answer (a token, or the refusal)
 * for every runner. */
static void
fetch_token(struct hl_db *db, const struct hl_config *cfg, struct hl_job *job)
{
	char *token = NULL;
	long expires_in = -1;
	hl_err got;

	got = hl_send_token(cfg, job, &token, &expires_in, job->auth_error,
		sizeof(job->auth_error));
	hl_oauth_store(db, cfg, job, got, token, expires_in);
}

hl_err
hl_oauth_cached(struct hl_db *db, const struct hl_config *cfg, struct hl_job *job, int *done)
{
	int r;

	*done = 1;
	if (!is_oauth(job))
		return HL_OK;
	job->auth_error[0] = '\0';
	r = cache_get(db, cfg, job);
	if (r < 0)
		return hl_fail(HL_ERR_DB, NULL, "reading the token cache failed");
	*done = r > 0;
	return HL_OK;
}

hl_err
hl_oauth_prepare(struct hl_db *db, const struct hl_config *cfg, struct hl_job *job)
{
	int r, locked;

	if (!is_oauth(job))
		return HL_OK;
	job->auth_error[0] = '\0';
	r = cache_get(db, cfg, job);
	if (r == 0) {
		locked = hl_oauth_lock(db, job->endpoint_id, HL_OAUTH_FETCH_WAIT_S);
		if (locked)
			r = cache_get(db, cfg, job);   /* cached while we waited? */
		if (r == 0)
			fetch_token(db, cfg, job);
		if (locked)
			hl_oauth_unlock(db, job->endpoint_id);
	}
	return r < 0 ? hl_fail(HL_ERR_DB, NULL, "reading the token cache failed") : HL_OK;
}

void
hl_oauth_answered(struct hl_db *db, const struct hl_attempt *a)
{
	if (a->status != 401 || !is_oauth(a->job) || !a->job->oauth_sealed)
		return;
	/* Only the token this request carried: another runner may already
	 * have cached a newer one. */
	if (hl_db_exec(db, NULL, "DELETE FROM endpoint_tokens WHERE endpoint_id = ? "
	    "AND token_sealed = ?", "ss", a->job->endpoint_id, a->job->oauth_sealed))
		hl_log(HL_LOG_WARN, "endpoint %s: could not drop the refused OAuth token: %s",
			a->job->endpoint_id, hl_errmsg());
}

hl_err
hl_oauth_forget(struct hl_db *db, const char *endpoint_id)
{
	return hl_db_exec(db, NULL, "DELETE FROM endpoint_tokens WHERE endpoint_id = ?", "s",
		endpoint_id);
}
