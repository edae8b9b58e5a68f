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
/* After an attempt: a 401 from the endpoint drops the token it was sent
 * with, so the next attempt fetches a new one. */
void hl_oauth_answered(struct hl_db *db, const struct hl_attempt *a);
/* Drop the cached token of an endpoint (its credentials changed). */
hl_err hl_oauth_forget(struct hl_db *db, const char *endpoint_id);

#endif
