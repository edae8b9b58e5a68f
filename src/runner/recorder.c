/* recorder.c: the runner's recording thread (see recorder.h). The main
 * thread only appends to the queue; this thread takes up to RECORD_MAX
 * attempts at a time and records them in one transaction on its own
 * connection with the same lease owner, so the compare-and-set in
 * hl_dq_record works as if the main thread did it. It also renews the
 * runner's leases, so the sending thread never runs a statement: one
 * that waited for a frozen MariaDB would leave curl undriven, and
 * answers the receivers gave meanwhile would time out unread. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "hl_db.h"
#include "hl_log.h"
#include "hl_oauth.h"
#include "hl_sender.h"
#include "hl_util.h"
#include "recorder.h"

/* Attempts per transaction at most, and queued at most before the main
 * thread waits (the database is then the bottleneck, and waiting is the
 * only honest answer: the leases keep the work safe meanwhile). */
#define RECORD_MAX 256
#define QUEUED_MAX 4096
/* Under light load a transaction waits up to RECORD_LINGER_MS for
 * RECORD_MIN attempts: a transaction per attempt costs MariaDB several
 * times the CPU per attempt of a shared one (at 200 deliveries/s, 50 ms
 * instead of 10 ms took MariaDB's CPU per delivery from ~550 to ~350 us).
 * Nobody waits for it: the requests went out already; only the recorded
 * state shows up later. Except on FIFO endpoints, whose next delivery
 * waits for this one's record: their attempts are recorded at once. */
#define RECORD_MIN 64
#define RECORD_LINGER_MS 50

struct recorder {
	const struct hl_config *cfg;
	struct hl_db *db;
	struct hl_dq *dq;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t work;          /* queue not empty, or closing */
	pthread_cond_t space;         /* queue below QUEUED_MAX */
	pthread_cond_t idle;          /* queue empty and nothing being recorded */
	struct hl_attempt *queue;
	int n, cap;
	int busy, closing;
	int hurry;                    /* someone waits for idle: no lingering */
	int urgent;                   /* a queued attempt is a FIFO endpoint's: no lingering */
	long long first_ms;           /* when the oldest queued attempt came */
	long long retry_until;        /* the current outage's retries end (0: none; this thread's) */
	long long leases_renewed_ms;  /* this thread's */
	struct hl_job **released;     /* requests to give back unsent (SIGTERM, window's end) */
	int nreleased, capreleased;
	char owner[64];
	unsigned long finished;       /* transactions done */
	long long lost;               /* attempts given up on (not recorded) */
};

static void
free_attempts(struct hl_attempt *a, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		hl_job_clear(a[i].job);
		free(a[i].job);
		hl_attempt_clear(&a[i]);
	}
}

/* Whether any of the attempts is for a FIFO endpoint. */
static int
any_fifo(const struct hl_attempt *a, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (a[i].job && a[i].job->fifo)
			return 1;
	return 0;
}

/* A deadlock with another runner, or MariaDB going away (a restart, a
 * failover), is retried with backoff for up to half a lease: the requests
 * went out already, and while the lease holds nobody sends them again, so
 * each attempt recorded late is a duplicate the receiver never sees. Half
 * a lease from the first failure of an outage, for every batch queued
 * during it (each then has one try, until one is recorded): with a
 * deadline of their own, sixteen queued batches would keep a runner
 * retrying for eight minutes after its window, a frozen database's
 * timeouts on top. */
static void
record(struct recorder *rec, struct hl_attempt *a, int n)
{
	useconds_t pause = 100000;
	int span = hl_dq_record_span(a, n);
	hl_err rc;

	/* A delivery twice: its attempts in order, in transactions of their
	 * own, each retried by itself. */
	if (span < n) {
		record(rec, a, span);
		record(rec, a + span, n - span);
		return;
	}
	for (;;) {
		rc = hl_dq_record(rec->dq, a, n);
		if (rc != HL_ERR_UNAVAILABLE && rc != HL_ERR_CONFLICT && rc != HL_ERR_DB)
			break;
		if (!rec->retry_until)
			rec->retry_until = hl_now_ms() + (long long)rec->cfg->lease_seconds * 500;
		if (hl_now_ms() + (long long)pause / 1000 >= rec->retry_until)
			break;
		hl_log(HL_LOG_WARN, "recording %d attempts failed (%s), retrying", n, hl_errmsg());
		usleep(pause);
		hl_db_ping(rec->db);
		if (pause < 2000000)
			pause *= 2;
	}
	if (rc) {
		hl_log(HL_LOG_ERROR, "could not record %d attempts: %s; their leases will expire "
			"and they will be sent again", n, hl_errmsg());
		pthread_mutex_lock(&rec->mu);
		rec->lost += n;
		pthread_mutex_unlock(&rec->mu);
	} else
		rec->retry_until = 0;
	free_attempts(a, n);
}

/* Leases are renewed at a third of a lease, so a transfer waiting in
 * curl's per-host queue cannot lose its own. */
static long long
renew_every_ms(const struct recorder *rec)
{
	return (long long)rec->cfg->lease_seconds * 1000 / 3;
}

/* Milliseconds until the leases are renewed next. */
static long long
leases_due_in(const struct recorder *rec)
{
	return rec->leases_renewed_ms + renew_every_ms(rec) - hl_now_ms();
}

/* Renew them when due (the mutex not held). Failed (MariaDB went away):
 * reconnect, and try again in a second rather than a third of a lease. */
static void
keep_leases(struct recorder *rec)
{
	if (leases_due_in(rec) > 0)
		return;
	if (hl_dq_extend_leases(rec->dq)) {
		hl_log(HL_LOG_WARN, "extending leases failed: %s", hl_errmsg());
		hl_db_ping(rec->db);
		rec->leases_renewed_ms = hl_now_ms() - renew_every_ms(rec) + 1000;
	} else {
		rec->leases_renewed_ms = hl_now_ms();
	}
}

/* Wait (the mutex held) until RECORD_MIN attempts are queued, the oldest
 * has waited RECORD_LINGER_MS, or somebody is in a hurry. */
static void
linger(struct recorder *rec)
{
	struct timespec ts;
	long long left;

	while (rec->n < RECORD_MIN && !rec->closing && !rec->hurry && !rec->urgent) {
		left = rec->first_ms + RECORD_LINGER_MS - hl_now_ms();
		if (left <= 0)
			break;
		hl_realtime_after_ms(&ts, left);
		pthread_cond_timedwait(&rec->work, &rec->mu, &ts);
	}
}

static void *
recorder_main(void *arg)
{
	struct recorder *rec = arg;
	struct hl_attempt batch[RECORD_MAX];
	int n, i;

	pthread_mutex_lock(&rec->mu);
	for (;;) {
		while (rec->n == 0 && rec->nreleased == 0 && !rec->closing) {
			struct timespec ts;
			long long due = leases_due_in(rec);

			if (due <= 0) {
				pthread_mutex_unlock(&rec->mu);
				keep_leases(rec);
				pthread_mutex_lock(&rec->mu);
				continue;
			}
			hl_realtime_after_ms(&ts, due);
			pthread_cond_timedwait(&rec->work, &rec->mu, &ts);
		}
		if (rec->nreleased) {
			struct hl_job **jobs = rec->released;
			int nj = rec->nreleased;

			rec->released = NULL;
			rec->nreleased = rec->capreleased = 0;
			pthread_mutex_unlock(&rec->mu);
			for (i = 0; i < nj; i++)
				hl_request_release(rec->db, rec->owner, jobs[i]);
			free(jobs);
			pthread_mutex_lock(&rec->mu);
			continue;
		}
		if (rec->n == 0)
			break;
		linger(rec);
		/* Everything that queued up while the last transaction ran. */
		n = rec->n < RECORD_MAX ? rec->n : RECORD_MAX;
		memcpy(batch, rec->queue, (size_t)n * sizeof(*batch));
		memmove(rec->queue, rec->queue + n, (size_t)(rec->n - n) * sizeof(*rec->queue));
		rec->n -= n;
		rec->urgent = rec->urgent && any_fifo(rec->queue, rec->n);
		rec->first_ms = hl_now_ms();
		rec->busy = 1;
		pthread_cond_broadcast(&rec->space);
		pthread_mutex_unlock(&rec->mu);
		keep_leases(rec);
		/* A 401 drops the OAuth token the request carried (here, off
		 * the sending thread), so the next attempt fetches a new one. */
		for (i = 0; i < n; i++)
			hl_oauth_answered(rec->db, &batch[i]);
		record(rec, batch, n);
		pthread_mutex_lock(&rec->mu);
		rec->busy = 0;
		rec->finished++;
		if (rec->n == 0) {
			rec->hurry = 0;
			pthread_cond_broadcast(&rec->idle);
		}
	}
	pthread_cond_broadcast(&rec->idle);
	pthread_mutex_unlock(&rec->mu);
	return NULL;
}

hl_err
recorder_start(const struct hl_config *cfg, const char *owner, struct recorder **out)
{
	struct recorder *rec;
	hl_err rc;

	*out = NULL;
	rec = calloc(1, sizeof(*rec));
	if (!rec)
		return hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
	rec->cfg = cfg;
	rec->leases_renewed_ms = hl_now_ms();
	hl_strlcpy(rec->owner, owner, sizeof(rec->owner));
	rc = hl_db_open(cfg, &rec->db);
	if (!rc)
		rc = hl_dq_new(rec->db, cfg, owner, &rec->dq);
	if (rc) {
		hl_db_close(rec->db);
		free(rec);
		return rc;
	}
	pthread_mutex_init(&rec->mu, NULL);
	pthread_cond_init(&rec->work, NULL);
	pthread_cond_init(&rec->space, NULL);
	pthread_cond_init(&rec->idle, NULL);
	if (pthread_create(&rec->thread, NULL, recorder_main, rec)) {
		hl_dq_free(rec->dq);
		hl_db_close(rec->db);
		free(rec);
		return hl_fail(HL_ERR_NOMEM, NULL, "cannot start the recording thread");
	}
	*out = rec;
	return HL_OK;
}

void
recorder_add(struct recorder *rec, struct hl_attempt *a, int n)
{
	struct hl_attempt *grown;
	int cap;

	pthread_mutex_lock(&rec->mu);
	while (rec->n >= QUEUED_MAX)
		pthread_cond_wait(&rec->space, &rec->mu);
	if (rec->n + n > rec->cap) {
		cap = rec->cap ? rec->cap : 64;
		while (cap < rec->n + n)
			cap *= 2;
		grown = realloc(rec->queue, (size_t)cap * sizeof(*grown));
		if (!grown) {
			pthread_mutex_unlock(&rec->mu);
			hl_log(HL_LOG_ERROR, "out of memory: %d attempts not recorded; their leases "
				"will expire and they will be sent again", n);
			free_attempts(a, n);
			return;
		}
		rec->queue = grown;
		rec->cap = cap;
	}
	if (rec->n == 0)
		rec->first_ms = hl_now_ms();
	memcpy(rec->queue + rec->n, a, (size_t)n * sizeof(*a));
	rec->n += n;
	if (!rec->urgent && any_fifo(a, n)) {
		rec->urgent = 1;
		pthread_cond_signal(&rec->work);
	}
	/* Wake it for the first attempt (it starts lingering) and when a
	 * transaction's worth is there. */
	if (rec->n == n || rec->n >= RECORD_MIN)
		pthread_cond_signal(&rec->work);
	pthread_mutex_unlock(&rec->mu);
}

void
recorder_release(struct recorder *rec, struct hl_job *request)
{
	struct hl_job **grown, *next;
	int cap;

	pthread_mutex_lock(&rec->mu);
	if (rec->nreleased == rec->capreleased) {
		cap = rec->capreleased ? rec->capreleased * 2 : 16;
		grown = realloc(rec->released, (size_t)cap * sizeof(*grown));
		if (!grown) {
			pthread_mutex_unlock(&rec->mu);
			hl_log(HL_LOG_ERROR, "out of memory: delivery %s not given back; its lease "
				"will expire and it will be sent then", request->delivery_id);
			for (; request; request = next) {
				next = request->batch_next;
				hl_job_clear(request);
				free(request);
			}
			return;
		}
		rec->released = grown;
		rec->capreleased = cap;
	}
	rec->released[rec->nreleased++] = request;
	pthread_cond_signal(&rec->work);
	pthread_mutex_unlock(&rec->mu);
}

unsigned long
recorder_finished(struct recorder *rec)
{
	unsigned long n;

	pthread_mutex_lock(&rec->mu);
	n = rec->finished;
	pthread_mutex_unlock(&rec->mu);
	return n;
}

unsigned long
recorder_wait_idle(struct recorder *rec)
{
	unsigned long n;

	pthread_mutex_lock(&rec->mu);
	if (rec->n > 0 || rec->busy) {
		rec->hurry = 1;
		pthread_cond_signal(&rec->work);
	}
	while (rec->n > 0 || rec->busy)
		pthread_cond_wait(&rec->idle, &rec->mu);
	n = rec->finished;
	pthread_mutex_unlock(&rec->mu);
	return n;
}

long long
recorder_stop(struct recorder *rec)
{
	long long lost;

	if (!rec)
		return 0;
	pthread_mutex_lock(&rec->mu);
	rec->closing = 1;
	pthread_cond_signal(&rec->work);
	pthread_mutex_unlock(&rec->mu);
	pthread_join(rec->thread, NULL);
	lost = rec->lost;
	pthread_mutex_destroy(&rec->mu);
	pthread_cond_destroy(&rec->work);
	pthread_cond_destroy(&rec->space);
	pthread_cond_destroy(&rec->idle);
	free(rec->queue);
	free(rec->released);
	hl_dq_free(rec->dq);
	hl_db_close(rec->db);
	free(rec);
	return lost;
}
