/* tokens.h: the runner's token thread. The claimer hands it the claimed
 * requests of OAuth endpoints whose token is not cached; it asks each
 * token endpoint once for all of that endpoint's waiting requests, all
 * endpoints at once on a curl multi handle of its own (and a connection
 * of its own for the token cache), and hands the requests back with
 * their token, or the reason there is none (job->auth_error). A request
 * waiting here keeps its lease: the recorder renews all of the runner's. */
#ifndef HL_TOKENS_H
#define HL_TOKENS_H

#include <curl/curl.h>
#include "hl_config.h"
#include "hl_deliveries.h"
#include "hl_error.h"
#include "recorder.h"

struct tokens;

/* Called on the token thread with requests whose token is settled, in
 * the order they came (ownership passes with them). */
typedef void tokens_ready_fn(void *arg, struct hl_job **requests, int n);

/* wake: a multi handle woken once the thread has left, or NULL. */
hl_err tokens_start(const struct hl_config *cfg, struct recorder *rec, CURLM *wake,
	tokens_ready_fn *ready, void *arg, struct tokens **out);
/* Hand over a request (a job, or the lead of a batch chain) whose token
 * is to be fetched. False when stopping (or out of memory): the caller
 * keeps it. */
int tokens_add(struct tokens *t, struct hl_job *request);
/* Stop without waiting: requests still waiting for a token go back to
 * the queue unsent (through the recorder). tokens_exited is true once the
 * thread has left. Both accept NULL. */
void tokens_ask_stop(struct tokens *t);
int tokens_exited(struct tokens *t);
/* Stop, wait for the thread and free it. */
void tokens_stop(struct tokens *t);

#endif
