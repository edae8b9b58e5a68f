/* hl_idempotency.h: Idempotency-Key reservations and the first answers
 * of the requests that carried one (idempotency_keys), kept for 24 hours.
 * Answers are stored sealed with the master key (hl_seal): they may hold
 * secrets shown once; hooklinectl rekey seals them again after a rotation. */
#ifndef HL_IDEMPOTENCY_H
#define HL_IDEMPOTENCY_H
#include "hl_config.h"
#include "hl_db.h"

#define HL_IDEMPOTENCY_TTL_S (24 * 3600)
/* How long a reservation lives: longer than any handler runs (a test send
 * waits at most 300 s for the receiver). One whose process died is taken
 * over sooner, by the first repeat (its named lock is gone). */
#define HL_IDEMPOTENCY_PENDING_S (10 * 60)
#define HL_IDEM_TOKEN_MAX 33

enum hl_idem_state {
	HL_IDEM_RESERVED,     /* ours: run the request, then complete or release */
	HL_IDEM_IN_PROGRESS,  /* the same request is running elsewhere */
	HL_IDEM_MISMATCH,     /* the key was used with another request */
	HL_IDEM_DONE,         /* answered before: *answer holds it */
	HL_IDEM__MAX
};

/* A stored answer; the strings are malloc'd (hl_idem_answer_clear). */
struct hl_idem_answer {
	int status;
	char *location;       /* the Location header, NULL when none */
	char *body;
};

/* Reserve (account, key) for the request request_hash: the first caller
 * gets HL_IDEM_RESERVED and token, and holds the key's named lock on db's
 * session until it completes or releases it; a concurrent or later one
 * sees what is there. An expired answer, or a reservation of the same
 * request whose holder's session is gone, is taken over. */
hl_err hl_idempotency_reserve(struct hl_db *db, const struct hl_config *cfg,
	const char *account_id, const char *key, const char *route, const char *request_hash,
	char token[HL_IDEM_TOKEN_MAX], enum hl_idem_state *state, struct hl_idem_answer *answer);
/* Store the answer (sealed; location may be NULL) in our reservation; *kept is 0 when the
 * reservation was no longer ours (it went stale and was taken over). */
hl_err hl_idempotency_complete(struct hl_db *db, const struct hl_config *cfg,
	const char *account_id, const char *key, const char token[HL_IDEM_TOKEN_MAX],
	int status, const char *location, const char *body, int *kept);
/* Drop our reservation (the request failed: a repeat may run it again). */
hl_err hl_idempotency_release(struct hl_db *db, const char *account_id, const char *key,
	const char token[HL_IDEM_TOKEN_MAX]);
void hl_idem_answer_clear(struct hl_idem_answer *a);

#endif
