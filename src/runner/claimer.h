/* claimer.h: the runner's claiming thread. It keeps a queue of claimed,
 * ready-to-send requests topped up on a connection of its own, so the
 * main thread never stops driving curl for a claim transaction; OAuth
 * tokens not cached are fetched by its token thread (tokens.h). A request is one job, or for batch endpoints a chain
 * of jobs (job->batch_next) sent as one JSON array. */
#ifndef HL_CLAIMER_H
#define HL_CLAIMER_H

#include <curl/curl.h>
#include "hl_config.h"
#include "hl_deliveries.h"
#include "hl_error.h"
#include "recorder.h"

struct claimer;

struct claimer_opts {
	const struct hl_config *cfg;
	const char *owner;            /* the runner's lease owner */
	const char *account_id;       /* claim only this account's work, or NULL */
	int once;                     /* --once: stop when nothing is due */
	int limit;                    /* transfers the runner may hold, queued or in curl */
	CURLM *multi;                 /* woken (curl_multi_wakeup) when work is ready */
	struct recorder *rec;         /* --once asks it whether failures are due again; it
	                               * gives back what is left unsent (required) */
};

hl_err claimer_start(const struct claimer_opts *o, struct claimer **out);
/* The main thread, every round: reports how many transfers it holds and
 * takes up to max ready requests (each owned by the caller from then on).
 * Returns how many. */
int claimer_take(struct claimer *c, int inflight, struct hl_job **requests, int max);
/* --once: true when nothing was due at the last claim, and nothing is
 * queued, in flight or being recorded that could make work due. */
int claimer_drained(struct claimer *c);
/* --once: true when it stopped because claims kept failing (MariaDB away
 * for half a lease): drained, but not of what is due. */
int claimer_gave_up(struct claimer *c);
/* Tells the thread to stop claiming, without waiting: it may be inside a
 * claim (its token thread inside a statement of the token cache), and the
 * main thread must go on driving curl meanwhile (the recorder renews the
 * leases). claimer_exited is true once both have left (each wakes the
 * multi handle then); requests still waiting for a token go back unsent. */
void claimer_ask_stop(struct claimer *c);
int claimer_exited(struct claimer *c);
/* Stops claiming, waits for the thread, gives the queued requests back to
 * the queue unsent and closes its connection. */
void claimer_stop(struct claimer *c);

#endif
