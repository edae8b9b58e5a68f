/* hl_sender.h: the one sender. The runner (many at once, curl multi),
 * test sends and replays all build their request here, so a test send
 * shows exactly what the runner would send. */
#ifndef HL_SENDER_H
#define HL_SENDER_H
#include <curl/curl.h>
#include "hl_config.h"
#include "hl_deliveries.h"

struct hl_send;

/* Build a ready curl easy handle for job (signed headers, SSRF guard,
 * limits). The handle's private pointer is the returned context. */
hl_err hl_send_setup(const struct hl_config *cfg, struct hl_job *job, struct hl_send **out);
CURL *hl_send_easy(struct hl_send *s);
struct hl_job *hl_send_job(struct hl_send *s);
/* Classify the finished transfer into *a and free the context (and easy
 * handle). a->job points at the job. The caller frees a with
 * hl_attempt_clear. */
void hl_send_finish(struct hl_send *s, CURLcode res, struct hl_attempt *a);
/* Blocking single send (test sends). */
hl_err hl_send_now(const struct hl_config *cfg, struct hl_job *job, struct hl_attempt *a);
void hl_attempt_clear(struct hl_attempt *a);
/* OAuth 2.0 client credentials for an oauth2 job (its auth_json): POST
 * grant_type=client_credentials to token_url, the client in HTTP Basic,
 * under the same guard, protocols and timeouts as a delivery. HL_OK with
 * *token (caller frees) and *expires_in (-1 when not given); otherwise
 * HL_ERR_AUTH and err says why, without secrets. */
#define HL_OAUTH_TOKEN_MAX 2048
hl_err hl_send_token(const struct hl_config *cfg, const struct hl_job *job, char **token,
	long *expires_in, char *err, size_t errcap);
/* The same in two steps, for a caller driving its own curl multi handle:
 * the ready easy handle (hl_send_easy; its private pointer is *out), and
 * the answer once its transfer is done (res), which frees s. */
hl_err hl_send_token_setup(const struct hl_config *cfg, const struct hl_job *job,
	struct hl_send **out, char *err, size_t errcap);
hl_err hl_send_token_finish(struct hl_send *s, CURLcode res, char **token, long *expires_in,
	char *err, size_t errcap);
/* The failed attempt of a job that was never sent: no OAuth token to be
 * had (class auth), or a request that could not be built (class other).
 * message: why, without secrets. */
void hl_send_unsent(struct hl_job *job, const char *error_class, const char *message,
	struct hl_attempt *a);
/* The exact signed request body text for a request preview. */
const char *hl_send_body(struct hl_send *s);

#endif
