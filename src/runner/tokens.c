/* tokens.c: the runner's token thread (see tokens.h). Every OAuth token
 * request is a transfer of its own curl multi handle, so a token endpoint
 * that never answers holds up only the requests waiting for its token:
 * each other endpoint's token, and every other delivery, goes on. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "hl_db.h"
#include "hl_log.h"
#include "hl_oauth.h"
#include "hl_sender.h"
#include "hl_util.h"
#include "tokens.h"

/* How often the cross-runner fetch lock is tried again while another
 * runner holds it (up to HL_OAUTH_FETCH_WAIT_S). */
#define LOCK_RETRY_MS 100

/* One endpoint's token fetch and the requests waiting for it; reqs[0]
 * is the one it is fetched for, the others get copies. */
struct fetch {
	struct hl_job **reqs;
	int n, cap;
	struct hl_send *s;            /* the token request in curl, or NULL */
	long long since_ms;           /* the first try of the lock */
	int locked;
};

struct tokens {
	const struct hl_config *cfg;
	struct recorder *rec;
	tokens_ready_fn *ready;
	void *arg;
	CURLM *wake;                  /* woken when the thread has left */
	struct hl_db *db;
	CURLM *multi;
	pthread_t thread;
	pthread_mutex_t mu;
	struct hl_job **in;           /* added, not yet seen by the thread */
	int nin, capin;
	int stopping, exited;
	struct fetch *f;              /* the thread's own */
	int nf, capf;
};

/* Append p to a growable array of job pointers; false when out of memory. */
static int
push(struct hl_job ***v, int *n, int *cap, struct hl_job *p)
{
	struct hl_job **grown;
	int c;

	if (*n == *cap) {
		c = *cap ? *cap * 2 : 8;
		grown = realloc(*v, (size_t)c * sizeof(*grown));
		if (!grown)
			return 0;
		*v = grown;
		*cap = c;
	}
	(*v)[(*n)++] = p;
	return 1;
}

/* Out of memory for req: it goes back to the queue unsent. */
static void
drop(struct tokens *t, struct hl_job *req)
{
	hl_log(HL_LOG_ERROR, "out of memory: releasing delivery %s", req->delivery_id);
	recorder_release(t->rec, req);
}

static int
same_fetch(const struct hl_job *a, const struct hl_job *b)
{
	return !strcmp(a->endpoint_id, b->endpoint_id) &&
		!strcmp(a->auth_json ? a->auth_json : "", b->auth_json ? b->auth_json : "");
}

/* A request joins the fetch of its endpoint, or starts one. */
static void
join(struct tokens *t, struct hl_job *req)
{
	struct fetch *f, *grown;
	int i, cap;

	for (i = 0; i < t->nf; i++)
		if (same_fetch(t->f[i].reqs[0], req)) {
			f = &t->f[i];
			if (!push(&f->reqs, &f->n, &f->cap, req))
				drop(t, req);
			return;
		}
	if (t->nf == t->capf) {
		cap = t->capf ? t->capf * 2 : 8;
		grown = realloc(t->f, (size_t)cap * sizeof(*grown));
		if (!grown) {
			drop(t, req);
			return;
		}
		t->f = grown;
		t->capf = cap;
	}
	f = &t->f[t->nf];
	memset(f, 0, sizeof(*f));
	f->since_ms = hl_now_ms();
	if (!push(&f->reqs, &f->n, &f->cap, req)) {
		drop(t, req);
		return;
	}
	t->nf++;
}

/* Fetch i is over: its outcome (in reqs[0]) goes to every request, and
 * they go to the claimer's queue. */
static void
finish(struct tokens *t, int i, int release)
{
	struct fetch *f = &t->f[i];
	struct hl_job *lead = f->reqs[0];
	int k, w = 0;

	if (f->locked)
		hl_oauth_unlock(t->db, lead->endpoint_id);
	for (k = 0; k < f->n; k++) {
		struct hl_job *r = f->reqs[k];

		if (!release && k > 0) {
			hl_strlcpy(r->auth_error, lead->auth_error, sizeof(r->auth_error));
			if (lead->oauth_token)
				r->oauth_token = strdup(lead->oauth_token);
			if (lead->oauth_sealed)
				r->oauth_sealed = strdup(lead->oauth_sealed);
			if ((lead->oauth_token && !r->oauth_token) ||
			    (lead->oauth_sealed && !r->oauth_sealed)) {
				drop(t, r);
				continue;
			}
		}
		if (release)
			recorder_release(t->rec, r);
		else
			f->reqs[w++] = r;
	}
	if (w)
		t->ready(t->arg, f->reqs, w);
	free(f->reqs);
	t->f[i] = t->f[--t->nf];
}

/* Start fetch i when it may: under the cross-runner lock (after reading
 * the cache again: another runner may just have fetched), or without it
 * once another runner kept it HL_OAUTH_FETCH_WAIT_S. Returns false when
 * the fetch is over (and removed). */
static int
start(struct tokens *t, int i)
{
	struct fetch *f = &t->f[i];
	struct hl_job *lead = f->reqs[0];
	int done;

	f->locked = hl_oauth_lock(t->db, lead->endpoint_id, 0);
	if (!f->locked && hl_now_ms() - f->since_ms < HL_OAUTH_FETCH_WAIT_S * 1000LL)
		return 1;
	if (f->locked) {
		/* The token cache could not be read (MariaDB went away): the
		 * requests go back unsent and unrecorded, as the failure is
		 * ours, not the endpoint's. */
		if (hl_oauth_cached(t->db, t->cfg, lead, &done)) {
			hl_log(HL_LOG_ERROR, "delivery %s: %s", lead->delivery_id, hl_errmsg());
			finish(t, i, 1);
			return 0;
		}
		if (done) {
			finish(t, i, 0);
			return 0;
		}
	}
	if (hl_send_token_setup(t->cfg, lead, &f->s, lead->auth_error, sizeof(lead->auth_error))) {
		hl_oauth_store(t->db, t->cfg, lead, HL_ERR_AUTH, NULL, -1);
		finish(t, i, 0);
		return 0;
	}
	curl_multi_add_handle(t->multi, hl_send_easy(f->s));
	return 1;
}

/* Token requests that finished: their outcome cached, and handed on. */
static void
collect(struct tokens *t)
{
	struct hl_send *s;
	struct hl_job *lead;
	CURLMsg *msg;
	CURLcode res;
	char *token;
	long expires_in;
	hl_err got;
	int left, i;

	while ((msg = curl_multi_info_read(t->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		res = msg->data.result;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
		curl_multi_remove_handle(t->multi, msg->easy_handle);
		for (i = 0; i < t->nf && t->f[i].s != s; i++)
			;
		if (i == t->nf) {
			hl_send_finish(s, res, NULL);   /* cannot be: every one is a fetch's */
			continue;
		}
		lead = t->f[i].reqs[0];
		t->f[i].s = NULL;
		got = hl_send_token_finish(s, res, &token, &expires_in, lead->auth_error,
			sizeof(lead->auth_error));
		hl_oauth_store(t->db, t->cfg, lead, got, token, expires_in);
		finish(t, i, 0);
	}
}

static void *
tokens_main(void *arg)
{
	struct tokens *t = arg;
	struct hl_job **in;
	int nin, stopping, running, i, retrying;

	for (;;) {
		pthread_mutex_lock(&t->mu);
		in = t->in;
		nin = t->nin;
		t->in = NULL;
		t->nin = t->capin = 0;
		stopping = t->stopping;
		pthread_mutex_unlock(&t->mu);
		for (i = 0; i < nin; i++) {
			if (stopping)
				recorder_release(t->rec, in[i]);
			else
				join(t, in[i]);
		}
		free(in);
		if (stopping)
			break;
		retrying = 0;
		for (i = 0; i < t->nf;) {
			if (t->f[i].s) {
				i++;
				continue;
			}
			if (!start(t, i))
				continue;   /* over: another took its place */
			if (!t->f[i].s)
				retrying = 1;
			i++;
		}
		curl_multi_perform(t->multi, &running);
		collect(t);
		curl_multi_poll(t->multi, NULL, 0, retrying ? LOCK_RETRY_MS : 1000, NULL);
		curl_multi_perform(t->multi, &running);
		collect(t);
	}
	/* Stopping: requests still waiting for a token were never sent and
	 * go back to the queue; their token requests are dropped. */
	for (i = 0, nin = 0; i < t->nf; i++)
		nin += t->f[i].n;
	if (nin)
		hl_log(HL_LOG_INFO, "stopping: released %d requests waiting for an OAuth token", nin);
	while (t->nf) {
		if (t->f[0].s) {
			curl_multi_remove_handle(t->multi, hl_send_easy(t->f[0].s));
			hl_send_finish(t->f[0].s, CURLE_ABORTED_BY_CALLBACK, NULL);
			t->f[0].s = NULL;
		}
		finish(t, 0, 1);
	}
	pthread_mutex_lock(&t->mu);
	t->exited = 1;
	pthread_mutex_unlock(&t->mu);
	if (t->wake)
		curl_multi_wakeup(t->wake);
	return NULL;
}

hl_err
tokens_start(const struct hl_config *cfg, struct recorder *rec, CURLM *wake,
	tokens_ready_fn *ready, void *arg, struct tokens **out)
{
	struct tokens *t;
	hl_err rc;

	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
	t->cfg = cfg;
	t->rec = rec;
	t->wake = wake;
	t->ready = ready;
	t->arg = arg;
	t->multi = curl_multi_init();
	if (!t->multi) {
		free(t);
		return hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
	}
	rc = hl_db_open(cfg, &t->db);
	if (rc) {
		curl_multi_cleanup(t->multi);
		free(t);
		return rc;
	}
	pthread_mutex_init(&t->mu, NULL);
	if (pthread_create(&t->thread, NULL, tokens_main, t)) {
		pthread_mutex_destroy(&t->mu);
		hl_db_close(t->db);
		curl_multi_cleanup(t->multi);
		free(t);
		return hl_fail(HL_ERR_NOMEM, NULL, "cannot start the token thread");
	}
	*out = t;
	return HL_OK;
}

int
tokens_add(struct tokens *t, struct hl_job *request)
{
	int ok;

	pthread_mutex_lock(&t->mu);
	ok = !t->stopping && push(&t->in, &t->nin, &t->capin, request);
	pthread_mutex_unlock(&t->mu);
	if (ok)
		curl_multi_wakeup(t->multi);
	return ok;
}

void
tokens_ask_stop(struct tokens *t)
{
	if (!t)
		return;
	pthread_mutex_lock(&t->mu);
	t->stopping = 1;
	pthread_mutex_unlock(&t->mu);
	curl_multi_wakeup(t->multi);
}

int
tokens_exited(struct tokens *t)
{
	int v;

	if (!t)
		return 1;
	pthread_mutex_lock(&t->mu);
	v = t->exited;
	pthread_mutex_unlock(&t->mu);
	return v;
}

void
tokens_stop(struct tokens *t)
{
	if (!t)
		return;
	tokens_ask_stop(t);
	pthread_join(t->thread, NULL);
	pthread_mutex_destroy(&t->mu);
	free(t->f);
	curl_multi_cleanup(t->multi);
	hl_db_close(t->db);
	free(t);
}
