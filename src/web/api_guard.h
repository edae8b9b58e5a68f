/* api_guard.h: what wraps every JSON API request besides authentication:
 * rate limits, Idempotency-Key replays, and the audit trail. */
#ifndef HL_API_GUARD_H
#define HL_API_GUARD_H
#include <json-c/json.h>
#include "hl_idempotency.h"
#include "request.h"

/* Count the request against the client address (before authentication,
 * so floods of bad credentials are limited too) or against the caller
 * (after). 0 to go on; -1 when the 429 (or a 503) has been written. */
int hl_guard_rate_addr(struct hl_req *r);
int hl_guard_rate_caller(struct hl_req *r);
/* The same for any bucket ("src:..."): limit requests a minute, 0 for
 * none; X-RateLimit-* headers on every answer when set_headers. A counter
 * that cannot be reached lets the request through (logged). */
int hl_guard_rate(struct hl_req *r, const char *bucket, long limit, int set_headers);

/* Idempotency-Key on a POST: 1 when the answer has been written (a
 * replay, 409 idempotency_in_progress while the same request runs, 422
 * idempotency_key_reused, 400 for a bad key); 0 to run the handler with
 * the key reserved, then call hl_guard_idem_end (whatever happened): it
 * keeps the answer, or drops the reservation after a 5xx, a 429 or no
 * answer. st holds the state. */
struct hl_idem { char key[256]; char hash[65]; char token[HL_IDEM_TOKEN_MAX]; int active; };
int hl_guard_idem_begin(struct hl_req *r, struct hl_idem *st);
void hl_guard_idem_end(struct hl_req *r, const struct hl_idem *st);

/* Append to the audit log as the authenticated caller. A failure is
 * logged, not answered: the action itself already happened. */
void hl_audit(struct hl_req *r, const char *action, const char *object_id, json_object *detail);
/* A secret rotation of the object named by the route's first parameter
 * (API and dashboard alike): what was done, never the secret. */
void hl_audit_rotation(struct hl_req *r, const char *action, long grace_s, int generated);

#endif
