/* recorder.h: the runner's recording thread. Finished attempts are handed
 * over and recorded on a second MariaDB connection while the main thread
 * keeps sending: the network never waits for the database. Whatever
 * piles up while a transaction runs goes into the next one (group
 * commit), so batches grow with the load; under light load a transaction
 * waits a few milliseconds for company. The same thread renews the
 * runner's leases until it is stopped. */
#ifndef HL_RECORDER_H
#define HL_RECORDER_H

#include "hl_config.h"
#include "hl_deliveries.h"
#include "hl_error.h"

struct recorder;

/* Opens the recorder's own connection and starts its thread; owner is the
 * runner's lease owner (the compare-and-set checks it). */
hl_err recorder_start(const struct hl_config *cfg, const char *owner, struct recorder **out);
/* Moves n attempts in (each owns its job, which the recorder frees); waits
 * while too many are queued. */
void recorder_add(struct recorder *rec, struct hl_attempt *a, int n);
/* Hands a request over to be given back to the queue unsent (SIGTERM,
 * the window's end) on the recorder's thread, so the sending thread
 * runs no statement. */
void recorder_release(struct recorder *rec, struct hl_job *request);
/* How many transactions the recorder has finished (committed or given up). */
unsigned long recorder_finished(struct recorder *rec);
/* Waits until everything handed over is recorded; returns
 * recorder_finished() then. */
unsigned long recorder_wait_idle(struct recorder *rec);
/* Records what is queued, stops the thread and closes its connection;
 * returns how many attempts it gave up recording (their deliveries are
 * sent again when their leases expire). */
long long recorder_stop(struct recorder *rec);

#endif
