/* claimer.c: the runner's claiming thread (see claimer.h). It claims in
 * whole batches of Delivery.ClaimBatch once half a batch of room opened
 * up, turns the claimed jobs into requests (batch endpoints: one request
 * for up to batch_max of the claim's due deliveries; OAuth endpoints: a
 * token from the cache, or else from the token thread, tokens.c, so that
 * a slow token endpoint delays nobody else), and queues them for the main
 * thread. It also takes back expired leases of dead runners every
 * RECLAIM_EVERY_MS. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "claimer.h"
#include "hl_db.h"
#include "hl_log.h"
#include "hl_oauth.h"
#include "hl_util.h"
#include "tokens.h"

#define RECLAIM_EVERY_MS 5000
/* A batch request's body at most (about: each item is its envelope plus
 * its id; encryption adds a third): receivers' own limits start there
 * (nginx answers 413 above 1 MiB by default), and a batch that is always
 * too large would fail until all of its deliveries were dead. A single
 * larger delivery still goes, as a batch of one. */
#define BATCH_BODY_MAX (1024 * 1024)

/* What job adds to a batch request's body. */
static size_t
batch_cost(const struct hl_job *job)
{
	size_t n = job->bodylen + strlen(job->event_id) + 16;

	return job->encryption_key ? n / 3 * 4 + 4 : n;
}

struct claimer {
	struct claimer_opts o;
	char owner[64];
	char account_id[HL_ID_MAX];
	struct hl_db *db;
	struct hl_dq *dq;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t want;          /* the main thread's holdings changed, or stopping */
	pthread_cond_t stop;          /* stopping (the idle poll waits on this alone) */
	struct hl_job **ready;        /* requests claimed and not yet taken */
	int nready, cap;
	int inflight;                 /* as the main thread last reported */
	struct tokens *tokens;        /* started at the first token to fetch */
	int token_wait;               /* requests with the token thread */
	int stopping, drained, gave_up;
	int exited;                   /* the thread has left its loop */
};

/* Queue requests for the main thread, of which from_tokens came back
 * from the token thread; false when out of memory. */
static int
enqueue(struct claimer *c, struct hl_job **v, int n, int from_tokens)
{
	struct hl_job **grown;
	int cap;

	pthread_mutex_lock(&c->mu);
	if (c->nready + n > c->cap) {
		cap = c->cap ? c->cap : 64;
		while (cap < c->nready + n)
			cap *= 2;
		grown = realloc(c->ready, (size_t)cap * sizeof(*grown));
		if (!grown) {
			pthread_mutex_unlock(&c->mu);
			return 0;
		}
		c->ready = grown;
		c->cap = cap;
	}
	memcpy(c->ready + c->nready, v, (size_t)n * sizeof(*v));
	c->nready += n;
	c->token_wait -= from_tokens;
	pthread_mutex_unlock(&c->mu);
	curl_multi_wakeup(c->o.multi);
	return 1;
}

/* tokens_ready_fn, on the token thread: its requests join the queue
 * (those it cannot take go back unsent through the recorder, as this
 * thread runs no statement on the claimer's connection). */
static void
tokens_ready(void *arg, struct hl_job **v, int n)
{
	struct claimer *c = arg;
	int i;

	if (enqueue(c, v, n, n))
		return;
	hl_log(HL_LOG_ERROR, "out of memory: releasing %d claimed requests", n);
	for (i = 0; i < n; i++)
		recorder_release(c->o.rec, v[i]);
	pthread_mutex_lock(&c->mu);
	c->token_wait -= n;
	pthread_cond_signal(&c->want);
	pthread_mutex_unlock(&c->mu);
}

/* A request whose token is not cached goes to the token thread (started
 * the first time); false when it cannot, and the caller fetches it
 * itself. */
static int
to_tokens(struct claimer *c, struct hl_job *req)
{
	struct tokens *t;

	if (!c->tokens) {
		if (tokens_start(c->o.cfg, c->o.rec, c->o.multi, tokens_ready, c, &t)) {
			hl_log(HL_LOG_ERROR, "%s: fetching OAuth tokens on the claiming thread",
				hl_errmsg());
			return 0;
		}
		pthread_mutex_lock(&c->mu);
		c->tokens = t;   /* claimer_exited reads it */
		pthread_mutex_unlock(&c->mu);
	}
	pthread_mutex_lock(&c->mu);
	c->token_wait++;
	pthread_mutex_unlock(&c->mu);
	if (tokens_add(c->tokens, req))
		return 1;
	pthread_mutex_lock(&c->mu);
	c->token_wait--;
	pthread_mutex_unlock(&c->mu);
	return 0;
}

/* One claim transaction and its requests. Returns the deliveries the
 * claim took, or -1 when it failed. Those paused or deferred at load
 * count: they were due, so more may be (a claim of nothing but them is
 * not "nothing due", which would end a --once run early). */
static int
claim_round(struct claimer *c, int room)
{
	struct hl_job *jobs = NULL, **jp = NULL, **group = NULL, **out = NULL;
	int n = 0, nout = 0, i, picked = 0;

	if (hl_dq_claim(c->dq, c->account_id[0] ? c->account_id : NULL, room, &jobs, &n, &picked))
		return -1;
	if (n == 0)
		return picked;
	jp = calloc((size_t)n, sizeof(*jp));
	group = calloc((size_t)n, sizeof(*group));
	out = calloc((size_t)n, sizeof(*out));
	if (!jp || !group || !out) {
		hl_log(HL_LOG_ERROR, "out of memory: releasing %d claimed deliveries", n);
		for (i = 0; i < n; i++)
			hl_delivery_release(c->db, c->owner, jobs[i].delivery_id);
		goto done;
	}
	/* Move each job out of the claim array: each lives until recorded. */
	for (i = 0; i < n; i++) {
		jp[i] = malloc(sizeof(**jp));
		if (!jp[i]) {
			hl_log(HL_LOG_ERROR, "out of memory");
			hl_delivery_release(c->db, c->owner, jobs[i].delivery_id);
			continue;
		}
		*jp[i] = jobs[i];
		memset(&jobs[i], 0, sizeof(jobs[i]));
	}
	for (i = 0; i < n; i++) {
		size_t bytes;
		int k = 0, j, done, handed;
		hl_err rc;

		if (!jp[i])
			continue;
		group[k++] = jp[i];
		jp[i] = NULL;
		bytes = batch_cost(group[0]);
		/* Batch endpoints: its other due deliveries of this claim (in id
		 * order) share the request, up to batch_max and BATCH_BODY_MAX;
		 * those left over start the next requests. */
		for (j = i + 1; group[0]->batch_max > 1 && !group[0]->setup_error[0] && j < n &&
		    k < group[0]->batch_max; j++)
			if (jp[j] && !jp[j]->setup_error[0] &&
			    !strcmp(jp[j]->endpoint_id, group[0]->endpoint_id) &&
			    bytes + batch_cost(jp[j]) <= BATCH_BODY_MAX) {
				bytes += batch_cost(jp[j]);
				group[k++] = jp[j];
				jp[j] = NULL;
			}
		/* A token that cannot be had leaves job->auth_error set: the main
		 * thread records an attempt of class auth instead of sending. */
		/* A job that failed to load stays alone (no request of its own
		 * to share). A batch body that cannot be made is the request's
		 * failed attempt (class other), recorded for each member:
		 * released, it would only be claimed again. */
		if (!group[0]->setup_error[0] && group[0]->batch_max > 1 && hl_job_batch(group, k)) {
			hl_log(HL_LOG_ERROR, "delivery %s: %s", group[0]->delivery_id, hl_errmsg());
			hl_strlcpy(group[0]->setup_error, hl_errmsg(), sizeof(group[0]->setup_error));
			for (j = 0; j < k; j++)
				group[j]->batch_next = j + 1 < k ? group[j + 1] : NULL;
		}
		/* The token cache could not be read (MariaDB went away): the
		 * request goes back unsent and unrecorded, as the failure is
		 * ours, not the endpoint's. (A token that cannot be had sets
		 * auth_error instead: an attempt of class auth.) A token not
		 * cached is fetched by the token thread, which queues the
		 * request when it has it: a token endpoint that is slow to
		 * answer holds up neither this claim nor any other request. */
		rc = HL_OK;
		done = 1;
		handed = 0;
		if (!group[0]->setup_error[0])
			rc = hl_oauth_cached(c->db, c->o.cfg, group[0], &done);
		if (!rc && !done) {
			handed = to_tokens(c, group[0]);
			if (!handed)
				rc = hl_oauth_prepare(c->db, c->o.cfg, group[0]);
		}
		if (rc) {
			hl_log(HL_LOG_ERROR, "delivery %s: %s", group[0]->delivery_id, hl_errmsg());
			for (j = 0; j < k; j++)
				group[j]->batch_next = j + 1 < k ? group[j + 1] : NULL;
			hl_request_release(c->db, c->owner, group[0]);
			continue;
		}
		if (handed)
			continue;   /* the token thread's now */
		out[nout++] = group[0];
	}
	if (nout && !enqueue(c, out, nout, 0)) {
		hl_log(HL_LOG_ERROR, "out of memory: releasing %d claimed requests", nout);
		for (i = 0; i < nout; i++)
			hl_request_release(c->db, c->owner, out[i]);
	}
done:
	free(jp);
	free(group);
	free(out);
	hl_jobs_free(jobs, n);
	return picked;
}

/* Waits on cv for at most ms (or until stopping); the mutex is held. */
static void
timed_wait(struct claimer *c, pthread_cond_t *cv, long ms)
{
	struct timespec ts;

	hl_realtime_after_ms(&ts, ms);
	if (!c->stopping)
		pthread_cond_timedwait(cv, &c->mu, &ts);
}

/* --once, nothing due: done unless a transfer still in flight, or an
 * attempt recorded since the claim began, may make work due again. */
static int
once_done(struct claimer *c, unsigned long recorded_before)
{
	pthread_mutex_lock(&c->mu);
	while (!c->stopping && (c->inflight > 0 || c->nready > 0 || c->token_wait > 0))
		pthread_cond_wait(&c->want, &c->mu);
	pthread_mutex_unlock(&c->mu);
	/* Every attempt is with the recorder by now: wait until it is stored. */
	return recorder_wait_idle(c->o.rec) == recorded_before;
}

static void *
claimer_main(void *arg)
{
	struct claimer *c = arg;
	const int batch = (int)c->o.cfg->batch_size;
	long long last_reclaim = 0, now, failing_since = 0;
	unsigned long recorded_before = 0;
	int room, got, reclaimed, stopping, failures = 0;

	for (;;) {
		pthread_mutex_lock(&c->mu);
		for (;;) {
			/* Requests waiting for a token take no room up to a
			 * limit's worth (so a token endpoint that does not answer
			 * holds up nobody else), only past it (so its backlog is
			 * not claimed without end meanwhile). */
			room = c->o.limit - c->inflight - c->nready -
				(c->token_wait > c->o.limit ? c->token_wait - c->o.limit : 0);
			/* Whole batches while curl still has half a batch to do:
			 * one claim transaction per batch, not per finished transfer. */
			if (c->stopping || room >= (batch + 1) / 2 ||
			    (room > 0 && c->inflight + c->nready == 0))
				break;
			pthread_cond_wait(&c->want, &c->mu);
		}
		stopping = c->stopping;   /* read under the lock: claimer_stop writes it */
		pthread_mutex_unlock(&c->mu);
		if (stopping)
			break;
		now = hl_now_ms();
		if (now - last_reclaim >= RECLAIM_EVERY_MS) {
			if (hl_delivery_reclaim_expired(c->db, c->owner, &reclaimed) == HL_OK && reclaimed)
				hl_log(HL_LOG_INFO, "took back %d deliveries whose lease expired", reclaimed);
			last_reclaim = now;
		}
		if (c->o.once)
			recorded_before = recorder_finished(c->o.rec);
		got = claim_round(c, room < batch ? room : batch);
		/* A claim that keeps failing (MariaDB away) is logged when it
		 * starts and when it ends, not every second in between. */
		if (got >= 0 && failures) {
			hl_log(HL_LOG_INFO, "claiming again after %lld s (%d claims failed)",
				(hl_now_ms() - failing_since + 999) / 1000, failures);
			failures = 0;
		}
		if (got > 0)
			continue;
		if (got < 0) {
			if (failures == 0) {
				failing_since = now;
				hl_log(HL_LOG_ERROR, "claim failed: %s; trying again every second",
					hl_errmsg());
			}
			failures++;
			hl_db_ping(c->db);
			/* --once drains what is due; with the database away for
			 * as long as the recorder retries (half a lease) it stops
			 * rather than wait for it without end. */
			if (c->o.once && hl_now_ms() - failing_since >=
			    (long long)c->o.cfg->lease_seconds * 500) {
				hl_log(HL_LOG_ERROR, "--once: giving up, claims failed for %lld s",
					(hl_now_ms() - failing_since) / 1000);
				pthread_mutex_lock(&c->mu);
				c->drained = c->gave_up = 1;
				pthread_mutex_unlock(&c->mu);
				curl_multi_wakeup(c->o.multi);
				break;
			}
		} else if (c->o.once && once_done(c, recorded_before)) {
			pthread_mutex_lock(&c->mu);
			c->drained = 1;
			pthread_mutex_unlock(&c->mu);
			curl_multi_wakeup(c->o.multi);
			break;
		} else if (c->o.once) {
			continue;
		}
		/* Nothing due (or the database failed): poll again later. */
		pthread_mutex_lock(&c->mu);
		timed_wait(c, &c->stop, got < 0 ? 1000 : (long)c->o.cfg->poll_ms);
		pthread_mutex_unlock(&c->mu);
	}
	/* Requests waiting for a token go back unsent, like those queued. */
	tokens_ask_stop(c->tokens);
	pthread_mutex_lock(&c->mu);
	c->exited = 1;
	pthread_mutex_unlock(&c->mu);
	curl_multi_wakeup(c->o.multi);
	return NULL;
}

hl_err
claimer_start(const struct claimer_opts *o, struct claimer **out)
{
	struct claimer *c;
	hl_err rc;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
	c->o = *o;
	hl_strlcpy(c->owner, o->owner, sizeof(c->owner));
	if (o->account_id)
		hl_strlcpy(c->account_id, o->account_id, sizeof(c->account_id));
	rc = hl_db_open(o->cfg, &c->db);
	if (!rc)
		rc = hl_dq_new(c->db, o->cfg, c->owner, &c->dq);
	if (rc) {
		hl_db_close(c->db);
		free(c);
		return rc;
	}
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->want, NULL);
	pthread_cond_init(&c->stop, NULL);
	if (pthread_create(&c->thread, NULL, claimer_main, c)) {
		hl_dq_free(c->dq);
		hl_db_close(c->db);
		free(c);
		return hl_fail(HL_ERR_NOMEM, NULL, "cannot start the claiming thread");
	}
	*out = c;
	return HL_OK;
}

int
claimer_take(struct claimer *c, int inflight, struct hl_job **requests, int max)
{
	int n;

	pthread_mutex_lock(&c->mu);
	n = c->nready < max ? c->nready : max;
	if (n > 0) {
		memcpy(requests, c->ready, (size_t)n * sizeof(*requests));
		memmove(c->ready, c->ready + n, (size_t)(c->nready - n) * sizeof(*c->ready));
		c->nready -= n;
	}
	if (n > 0 || inflight != c->inflight) {
		c->inflight = inflight + n;
		pthread_cond_signal(&c->want);
	}
	pthread_mutex_unlock(&c->mu);
	return n;
}

/* A flag of c the thread sets, read under the lock. */
static int
flag(struct claimer *c, const int *f)
{
	int v;

	pthread_mutex_lock(&c->mu);
	v = *f;
	pthread_mutex_unlock(&c->mu);
	return v;
}

int
claimer_drained(struct claimer *c)
{
	return flag(c, &c->drained);
}

int
claimer_gave_up(struct claimer *c)
{
	return flag(c, &c->gave_up);
}

void
claimer_ask_stop(struct claimer *c)
{
	pthread_mutex_lock(&c->mu);
	c->stopping = 1;
	pthread_cond_broadcast(&c->want);
	pthread_cond_broadcast(&c->stop);
	pthread_mutex_unlock(&c->mu);
}

int
claimer_exited(struct claimer *c)
{
	struct tokens *t;
	int exited;

	pthread_mutex_lock(&c->mu);
	exited = c->exited;
	t = c->tokens;
	pthread_mutex_unlock(&c->mu);
	return exited && tokens_exited(t);
}

void
claimer_stop(struct claimer *c)
{
	int i;

	if (!c)
		return;
	claimer_ask_stop(c);
	pthread_join(c->thread, NULL);
	/* Its requests waiting for a token go back through the recorder;
	 * those it settled meanwhile are in the queue. */
	tokens_stop(c->tokens);
	/* Called on the sending thread, which runs no statement: the
	 * recorder gives them back. */
	for (i = 0; i < c->nready; i++)
		recorder_release(c->o.rec, c->ready[i]);
	if (c->nready)
		hl_log(HL_LOG_INFO, "stopping: released %d requests not yet sent", c->nready);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->want);
	pthread_cond_destroy(&c->stop);
	free(c->ready);
	hl_dq_free(c->dq);
	hl_db_close(c->db);
	free(c);
}
