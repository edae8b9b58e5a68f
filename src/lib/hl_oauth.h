/* hl_oauth.h: OAuth 2.0 client-credentials destination authentication:
 * the token cache all runners share (endpoint_tokens) and getting a token
 * for a job before it is sent. */
#ifndef HL_OAUTH_H
#define HL_OAUTH_H
#include "hl_config.h"
#include "hl_db.h"
#include "hl_deliveries.h"

/* For an oauth2 job: a valid cached token, or a new one from the token
 * endpoint (cached for all runners until shortly before it expires), in
 * job->oauth_token. When none can be had, job->auth_error says why (no
 * secrets) and the caller records an attempt of class "auth" instead of
 * sending. Errors only for the database or memory. Other jobs: no-op. */
hl_err hl_oauth_prepare(struct hl_db *db, const struct hl_config *cfg, struct hl_job *job);
/* The same in steps, for a caller that asks the token endpoint itself
 * without blocking (the runner's token thread):
 * hl_oauth_cached: *done when nothing is to be fetched (not oauth2, or a
 * cached token or refusal is now in job); errors only for the database.
 * hl_oauth_lock: the cross-runner lock of an endpoint's fetch, waiting
 * up to wait_s; 1 taken, 0 not (held elsewhere, or the database failed).
 * hl_oauth_store: the fetch's outcome (got, and hl_send_token_finish's
 * token, owned by job from then on, or job->auth_error) into job and the
 * cache. */
/* Runners that miss the cache at the same moment: one asks the token
 * endpoint while holding the lock, the others wait this long for it and
 * then read the cache. Past it they ask as well. */
#define HL_OAUTH_FETCH_WAIT_S 2
hl_err hl_oauth_cached(struct hl_db *db, const struct hl_config *cfg, struct hl_job *job,
	int *done);
int hl_oauth_lock(struct hl_db *db, const char *endpoint_id, long wait_s);
void hl_oauth_unlock(struct hl_db *db, const char *endpoint_id);
void hl_oauth_store(struct hl_db *db, const struct hl_config *cfg, struct hl_job *job,
	hl_err got, char *token, long expires_in);
/* After an attempt: a 401 from the endpoint drops the token it was sent
 * with, so the next attempt fetches a new one. */
void hl_oauth_answered(struct hl_db *db, const struct hl_attempt *a);
/* Drop the cached token of an endpoint (its credentials changed). */
hl_err hl_oauth_forget(struct hl_db *db, const char *endpoint_id);

#endif
