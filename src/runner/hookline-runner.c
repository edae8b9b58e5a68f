/* hookline-runner: the cron-invoked delivery runner. Within its time
 * window it keeps claiming due deliveries, sends them concurrently with
 * the curl multi interface through the core sender, and hands every
 * outcome to the recording thread (recorder.c), which records them in
 * batches on its own connection. See hookline-runner(8). */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <curl/curl.h>
#include "hl_accounts.h"
#include "hl_config.h"
#include "hl_crypto.h"
#include "hl_db.h"
#include "hl_deliveries.h"
#include "hl_log.h"
#include "hl_migrate.h"
#include "hl_retention.h"
#include "hl_sender.h"
#include "hl_util.h"
#include "claimer.h"
#include "recorder.h"

static volatile sig_atomic_t stopping;

#define HOST_KEY_MAX 300

/* A claimed request not yet in curl. It goes there only when it can start
 * at once (a connection to its host is free): curl counts the time a
 * transfer waits for a host connection against its timeout, and the
 * request is signed with the time it is set up. */
struct waiting {
	struct hl_job *job;
	char host[HOST_KEY_MAX];
};

/* A transfer in curl, and the host whose connection it holds. */
struct active {
	struct hl_send *s;
	char host[HOST_KEY_MAX];
};

/* Transfers in curl per host (at most Concurrency hosts at once). */
struct host_count {
	char host[HOST_KEY_MAX];
	int n;
};

struct runner {
	struct hl_config cfg;
	struct hl_db *db;
	struct recorder *rec;         /* records finished attempts on its own connection */
	struct claimer *claimer;      /* claims on its own connection; NULL once stopped */
	struct hl_job **take;         /* room for max_inflight requests taken at once */
	CURLM *multi;
	char owner[64];
	char account_id[HL_ID_MAX];   /* --account: claim only this tenant's work */
	int once;
	long max_seconds;
	struct waiting *waiting;      /* in claim order */
	int nwaiting;
	/* Every transfer in the multi handle (the runner owns them). */
	struct active *active;
	int nactive;
	struct host_count *hosts;     /* hosts of the active transfers */
	int nhosts;
	long long sent, succeeded, failed;
};

static void
on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: hookline-runner [--config FILE] [--once] [--max-seconds N] "
		"[--account SLUG] | --version | --help\n"
		"  --config FILE    the configuration (default $HOOKLINE_CONFIG, else the built-in path)\n"
		"  --once           send what is due now and exit\n"
		"  --max-seconds N  keep polling for new work for N seconds, 1..86400 (default 55, "
		"for cron)\n"
		"  --account SLUG   send only this account's deliveries (isolate a tenant)\n"
		"  --version        the release and the schema it needs\n"
		"  --help           this text\n");
}

/* Requests the runner holds: Concurrency running in curl plus up to a
 * claim batch waiting for a connection. */
static int
max_inflight(const struct runner *r)
{
	return (int)(r->cfg.concurrency + r->cfg.batch_size);
}

/* Requests the runner holds now. */
static int
held(const struct runner *r)
{
	return r->nwaiting + r->nactive;
}

static void hand_over(struct runner *r, struct hl_attempt *lead);

/* The host a request's connection is counted against, as curl counts
 * them: host name and port. */
static void
host_key(const char *url, char out[HOST_KEY_MAX])
{
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL, *p;

	out[0] = '\0';
	if (u && !curl_url_set(u, CURLUPART_URL, url, 0) &&
	    !curl_url_get(u, CURLUPART_HOST, &host, 0) &&
	    !curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT))
		snprintf(out, HOST_KEY_MAX, "%s:%s", host, port);
	for (p = out; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + 32);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
}

/* Take the requests the claimer has ready, as far as there is room.
 * Returns how many were taken. */
static int
take_ready(struct runner *r)
{
	struct hl_job **reqs = r->take;
	int room = max_inflight(r) - held(r), n, i;

	n = claimer_take(r->claimer, held(r), reqs, room);
	for (i = 0; i < n; i++) {
		/* No OAuth token to be had (class auth), or no request to be
		 * built (class other): a failed attempt, retried on the
		 * schedule like any failure. */
		if (reqs[i]->auth_error[0] || reqs[i]->setup_error[0]) {
			struct hl_attempt att;

			if (reqs[i]->setup_error[0])
				hl_send_unsent(reqs[i], "other", reqs[i]->setup_error, &att);
			else
				hl_send_unsent(reqs[i], "auth", reqs[i]->auth_error, &att);
			hand_over(r, &att);
			continue;
		}
		r->waiting[r->nwaiting].job = reqs[i];
		host_key(reqs[i]->url, r->waiting[r->nwaiting].host);
		r->nwaiting++;
	}
	return n;
}

static struct host_count *
host_find(struct runner *r, const char *host)
{
	int i;

	for (i = 0; i < r->nhosts; i++)
		if (!strcmp(r->hosts[i].host, host))
			return &r->hosts[i];
	return NULL;
}

static int
host_busy(struct runner *r, const char *host)
{
	struct host_count *h = host_find(r, host);

	return h ? h->n : 0;
}

/* One transfer more (+1) or less (-1) to host. */
static void
host_add(struct runner *r, const char *host, int delta)
{
	struct host_count *h = host_find(r, host);

	if (!h) {
		if (delta < 0)
			return;
		h = &r->hosts[r->nhosts++];   /* nhosts <= nactive <= Concurrency */
		memcpy(h->host, host, HOST_KEY_MAX);
		h->n = 0;
	}
	h->n += delta;
	if (h->n <= 0)
		*h = r->hosts[--r->nhosts];
}

/* Hand curl the waiting requests that can start now, in claim order:
 * within Concurrency, and within Delivery.PerHostConnections for their
 * host (a request for a busy host waits; the next one may go). A request
 * that cannot be built is a failed attempt (class other), retried on the
 * schedule and dead in the end, never claimed and given back forever.
 * Returns how many went to curl. */
static int
launch(struct runner *r)
{
	struct hl_attempt att;
	struct hl_send *s;
	struct hl_job *job;
	int i, kept = 0, started = 0;

	for (i = 0; i < r->nwaiting; i++) {
		job = r->waiting[i].job;
		if (r->nactive >= (int)r->cfg.concurrency) {
			memmove(r->waiting + kept, r->waiting + i,
				(size_t)(r->nwaiting - i) * sizeof(*r->waiting));
			kept += r->nwaiting - i;
			break;
		}
		if (host_busy(r, r->waiting[i].host) >= (int)r->cfg.per_host) {
			r->waiting[kept++] = r->waiting[i];
			continue;
		}
		if (hl_send_setup(&r->cfg, job, &s)) {
			hl_log(HL_LOG_ERROR, "delivery %s: %s", job->delivery_id, hl_errmsg());
			hl_send_unsent(job, "other", hl_errmsg(), &att);
			hand_over(r, &att);
			continue;
		}
		curl_multi_add_handle(r->multi, hl_send_easy(s));
		r->active[r->nactive].s = s;
		memcpy(r->active[r->nactive].host, r->waiting[i].host, HOST_KEY_MAX);
		host_add(r, r->waiting[i].host, 1);
		r->nactive++;
		started++;
	}
	r->nwaiting = kept;
	return started;
}

static void
forget(struct runner *r, struct hl_send *s)
{
	int i;

	for (i = 0; i < r->nactive; i++)
		if (r->active[i].s == s) {
			host_add(r, r->active[i].host, -1);
			r->active[i] = r->active[--r->nactive];
			return;
		}
}

/* SIGTERM: requests not yet sent go back to the queue at once for
 * another runner (those waiting for a connection, and transfers curl has
 * not begun); the rest finish. */
static void
release_unstarted(struct runner *r)
{
	curl_off_t pre;
	struct hl_send *s;
	struct hl_job *job;
	int i, n = 0;

	for (i = 0; i < r->nwaiting; i++) {
		recorder_release(r->rec, r->waiting[i].job);
		n++;
	}
	r->nwaiting = 0;
	for (i = 0; i < r->nactive;) {
		s = r->active[i].s;
		pre = 0;
		curl_easy_getinfo(hl_send_easy(s), CURLINFO_PRETRANSFER_TIME_T, &pre);
		if (pre > 0) {
			i++;
			continue;
		}
		job = hl_send_job(s);
		curl_multi_remove_handle(r->multi, hl_send_easy(s));
		host_add(r, r->active[i].host, -1);
		r->active[i] = r->active[--r->nactive];
		hl_send_finish(s, CURLE_ABORTED_BY_CALLBACK, NULL);
		recorder_release(r->rec, job);
		n++;
	}
	if (n)
		hl_log(HL_LOG_INFO, "stopping: released %d requests not yet sent", n);
}

static void
count(struct runner *r, const struct hl_attempt *a)
{
	r->sent++;
	if (a->outcome == HL_OUT_SUCCESS)
		r->succeeded++;
	else
		r->failed++;
}

/* Hand a finished request's attempt (moved in) to the recorder. A batch
 * request's outcome is every member's: each gets its own attempt record
 * (same status, headers and answer) for its own delivery. */
static void
hand_over(struct runner *r, struct hl_attempt *lead)
{
	struct hl_attempt *all;
	struct hl_job *m;
	int n = 1, i;

	for (m = lead->job->batch_next; m; m = m->batch_next)
		n++;
	all = calloc((size_t)n, sizeof(*all));
	if (!all) {
		struct hl_job *next;

		hl_log(HL_LOG_ERROR, "out of memory: %d deliveries of batch request %s not recorded; "
			"their leases will expire and they will be sent again", n - 1,
			lead->job->delivery_id);
		for (m = lead->job->batch_next; m; m = next) {
			next = m->batch_next;
			hl_job_clear(m);
			free(m);
		}
		lead->job->batch_next = NULL;
		count(r, lead);
		recorder_add(r->rec, lead, 1);
		return;
	}
	all[0] = *lead;
	count(r, &all[0]);
	for (i = 1, m = lead->job->batch_next; m; m = m->batch_next, i++) {
		all[i] = *lead;
		all[i].job = m;
		all[i].request_headers = hl_strdup_or_null(lead->request_headers);
		all[i].response_headers = hl_strdup_or_null(lead->response_headers);
		all[i].response_body = hl_strdup_or_null(lead->response_body);
		count(r, &all[i]);
	}
	recorder_add(r->rec, all, n);
	free(all);
}

/* Returns how many transfers finished. */
static int
collect_finished(struct runner *r)
{
	struct hl_attempt a;
	struct hl_send *s;
	CURLMsg *msg;
	CURLcode res;
	int left, n = 0;

	while ((msg = curl_multi_info_read(r->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		/* The message is not to be read once its handle is removed. */
		res = msg->data.result;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
		curl_multi_remove_handle(r->multi, msg->easy_handle);
		forget(r, s);
		hl_send_finish(s, res, &a);
		hl_log(HL_LOG_DEBUG, "delivery %s attempt %d%s: %s %ld %s", a.job->delivery_id,
			a.job->attempt_no, a.job->batch_next ? " (batch)" : "",
			a.outcome == HL_OUT_SUCCESS ? "ok" : "failed", a.status,
			a.error_class ? a.error_class : "");
		hand_over(r, &a);
		n++;
	}
	return n;
}

/* Retention, a bounded share per run: cron starts a runner every minute,
 * so a few chunks a run keep up with any realistic traffic, and the next
 * runner is never kept waiting. One runner at a time does it (the others
 * find the lock taken and skip). */
#define RETENTION_CHUNKS 20
#define RETENTION_MS 2000

static void
retention(struct runner *r)
{
	struct hl_retention_opts o = { 0 };
	long long deleted[HL_RET__MAX], total = 0;
	int busy, t, rolled;

	o.now_ms = hl_now_ms();
	o.max_chunks = RETENTION_CHUNKS;
	o.deadline_ms = o.now_ms + RETENTION_MS;
	if (hl_retention_run(r->db, &r->cfg, &o, deleted, &rolled, &busy)) {
		hl_log(HL_LOG_WARN, "retention: %s", hl_errmsg());
		return;
	}
	for (t = 0; t < HL_RET__MAX; t++)
		total += deleted[t];
	if (rolled)
		hl_log(HL_LOG_INFO, "analytics: rolled up %d hours of attempts", rolled);
	if (total)
		hl_log(HL_LOG_INFO, "retention: deleted %lld deliveries, %lld events, %lld incoming "
			"requests, %lld notifications, %lld audit records, %lld rollup rows; cleared "
			"%lld expired previous secrets",
			deleted[HL_RET_DELIVERIES], deleted[HL_RET_EVENTS], deleted[HL_RET_INCOMING],
			deleted[HL_RET_NOTIFICATIONS], deleted[HL_RET_AUDIT], deleted[HL_RET_ROLLUPS],
			deleted[HL_RET_SECRETS]);
}

static int
run(struct runner *r)
{
	long long start = hl_now_ms(), now;
	int idle, running = 0, started, released = 0, moved = 0, asked = 0, stop;

	for (;;) {
		now = hl_now_ms();
		/* Read once: a SIGTERM between two reads would release the
		 * unstarted requests and then take and start fresh ones. */
		stop = stopping;
		idle = !stop && (r->once || now - start < r->max_seconds * 1000);
		/* The window is over (or SIGTERM): claim nothing more. The
		 * claimer may be inside a claim or a token request: curl and
		 * the leases are kept going until it has left; then requests
		 * claimed and not yet taken go back to the queue. */
		if (!idle && r->claimer && !asked) {
			claimer_ask_stop(r->claimer);
			asked = 1;
		}
		if (asked && r->claimer && claimer_exited(r->claimer)) {
			claimer_stop(r->claimer);
			r->claimer = NULL;
		}
		if (stop && !released) {
			release_unstarted(r);
			released = 1;
		}
		started = r->claimer && !asked ? take_ready(r) : 0;
		started += launch(r);
		/* Leases are renewed by the recorder's thread (recorder.c). */
		if (held(r) == 0 && (!r->claimer || (r->once && !asked &&
		    claimer_drained(r->claimer))))
			break;
		/* Start what was just taken, then wait for network activity (or
		 * the claimer's wake-up) only when nothing moved: curl_multi_poll
		 * does not wake for freshly added handles. */
		if (started)
			curl_multi_perform(r->multi, &running);
		if (!started && !moved)
			curl_multi_poll(r->multi, NULL, 0, held(r) ? 50 : (int)r->cfg.poll_ms, NULL);
		curl_multi_perform(r->multi, &running);
		moved = collect_finished(r);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "once", no_argument, NULL, 'o' },
		{ "max-seconds", required_argument, NULL, 'm' },
		{ "account", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct runner r;
	struct claimer_opts copts;
	struct hl_migrate_status schema;
	struct sigaction sa;
	const char *config = NULL, *account = NULL;
	char host[40] = "host", rnd[HL_ID_MAX];
	char *end;
	long long lost;
	int c, status = 1;

	memset(&r, 0, sizeof(r));
	r.max_seconds = 55;
	while ((c = getopt_long(argc, argv, "c:om:a:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'o':
			r.once = 1;
			break;
		case 'm':
			errno = 0;
			/* Digits only: strtol took "" as 0, and 0 claimed work only to
			 * give it back at once (--once is the run that does not wait). */
			r.max_seconds = strtol(optarg, &end, 10);
			if (errno || *end || strspn(optarg, "0123456789") != strlen(optarg) ||
			    r.max_seconds < 1 || r.max_seconds > 86400) {
				fprintf(stderr, "hookline-runner: --max-seconds must be 1..86400\n");
				return 2;
			}
			break;
		case 'a':
			account = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			hl_print_version("hookline-runner");
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	config = hl_config_path(config);
	if (hl_config_load(config, &r.cfg)) {
		fprintf(stderr, "hookline-runner: %s\n", hl_errmsg());
		return 1;
	}
	hl_log_init("hookline-runner", r.cfg.log_level);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
		hl_log(HL_LOG_ERROR, "curl_global_init failed");
		goto out;
	}
	gethostname(host, sizeof(host) - 1);
	hl_id_new("run", rnd);
	snprintf(r.owner, sizeof(r.owner), "%.20s:%ld:%.8s", host, (long)getpid(), rnd + 14);
	if (hl_db_open(&r.cfg, &r.db)) {
		hl_log(HL_LOG_ERROR, "%s", hl_errmsg());
		goto out;
	}
	/* A schema this build was not written for fails later, in the middle
	 * of claims and records, with SQL errors: refuse it before any work. */
	if (hl_migrate_status(r.db, &schema)) {
		hl_log(HL_LOG_ERROR, "cannot read the database schema version: %s", hl_errmsg());
		goto out;
	}
	if (schema.state != HL_MIGRATE_CURRENT) {
		hl_log(HL_LOG_ERROR, "%s", schema.detail);
		goto out;
	}
	if (account && hl_account_by_slug(r.db, account, r.account_id)) {
		hl_log(HL_LOG_ERROR, "--account: %s", hl_errmsg());
		goto out;
	}
	r.active = calloc((size_t)r.cfg.concurrency, sizeof(*r.active));
	r.waiting = calloc((size_t)max_inflight(&r), sizeof(*r.waiting));
	r.hosts = calloc((size_t)r.cfg.concurrency, sizeof(*r.hosts));
	if (!r.active || !r.waiting || !r.hosts) {
		hl_log(HL_LOG_ERROR, "out of memory");
		goto out;
	}
	r.multi = curl_multi_init();
	r.take = calloc((size_t)max_inflight(&r), sizeof(*r.take));
	if (!r.multi || !r.take) {
		hl_log(HL_LOG_ERROR, "out of memory");
		goto out;
	}
	curl_multi_setopt(r.multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)r.cfg.concurrency);
	curl_multi_setopt(r.multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)r.cfg.per_host);
	if (recorder_start(&r.cfg, r.owner, &r.rec)) {
		hl_log(HL_LOG_ERROR, "%s", hl_errmsg());
		goto out;
	}
	copts.cfg = &r.cfg;
	copts.owner = r.owner;
	copts.account_id = r.account_id[0] ? r.account_id : NULL;
	copts.once = r.once;
	copts.limit = max_inflight(&r);
	copts.multi = r.multi;
	copts.rec = r.rec;
	if (claimer_start(&copts, &r.claimer)) {
		hl_log(HL_LOG_ERROR, "%s", hl_errmsg());
		goto out;
	}
	hl_log(HL_LOG_INFO, "runner %s started (%s)", r.owner, r.once ? "once" : "cron window");
	status = run(&r);
	if (r.claimer && claimer_gave_up(r.claimer))
		status = 1;
	/* Records what is still queued before the counts are final. */
	claimer_stop(r.claimer);
	r.claimer = NULL;
	lost = recorder_stop(r.rec);
	r.rec = NULL;
	/* The main thread's connection may have been lost in the window
	 * (MariaDB restarted) without a statement of its own noticing. */
	if (!stopping && hl_db_ping(r.db))
		hl_log(HL_LOG_WARN, "retention: %s", hl_errmsg());
	else if (!stopping)
		retention(&r);
	/* An attempt the recorder gave up on is counted as sent, and as what
	 * the receiver answered, but nothing of it is stored: said apart. */
	if (lost)
		hl_log(HL_LOG_WARN, "runner %s done: %lld sent (%lld succeeded, %lld failed), "
			"%lld of them not recorded: those deliveries will be sent again", r.owner,
			r.sent, r.succeeded, r.failed, lost);
	else
		hl_log(HL_LOG_INFO, "runner %s done: %lld sent, %lld succeeded, %lld failed",
			r.owner, r.sent, r.succeeded, r.failed);
out:
	claimer_stop(r.claimer);
	recorder_stop(r.rec);
	if (r.multi)
		curl_multi_cleanup(r.multi);
	free(r.active);
	free(r.waiting);
	free(r.hosts);
	free(r.take);
	hl_db_close(r.db);
	hl_config_free(&r.cfg);
	curl_global_cleanup();
	return status;
}
