/* hl_idempotency.h: stored first answers of requests that carried an
 * Idempotency-Key (idempotency_keys), kept for 24 hours. */
#ifndef HL_IDEMPOTENCY_H
#define HL_IDEMPOTENCY_H
#include "hl_db.h"

#define HL_IDEMPOTENCY_TTL_S (24 * 3600)

/* Look up (account, key). *found 0 when unknown or expired; otherwise
 * *same_request says whether request_hash matches, and *status and
 * *response (malloc'd, caller frees) hold the first answer. */
hl_err hl_idempotency_get(struct hl_db *db, const char *account_id, const char *key,
	const char *request_hash, int *found, int *same_request, int *status, char **response);
/* Keep an answer. A concurrent first request with the same key wins. */
hl_err hl_idempotency_put(struct hl_db *db, const char *account_id, const char *key,
	const char *route, const char *request_hash, int status, const char *response, size_t len);

#endif
