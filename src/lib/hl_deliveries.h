/* hl_deliveries.h: the delivery queue (deliveries + delivery_attempts):
 * fan-out rows, claim with leases, record outcomes, read history. */
#ifndef HL_DELIVERIES_H
#define HL_DELIVERIES_H
#include <json-c/json.h>
#include "hl_config.h"
#include "hl_crypto.h"
#include "hl_db.h"

/* Everything the sender needs for one delivery, loaded at claim time. */
struct hl_job {
	char delivery_id[HL_ID_MAX];
	char event_id[HL_ID_MAX];
	char endpoint_id[HL_ID_MAX];
	char account_id[HL_ID_MAX];
	char event_type[129];
	int attempt_no;              /* this attempt, 1-based */
	char *url;
	char method[8];
	char *body;                  /* exact bytes to send and sign */
	size_t bodylen;
	char *secret;                /* whsec_..., unsealed */
	char *prev_secret;           /* during a rotation grace period, else NULL */
	char *headers_json;          /* custom headers, JSON object or NULL (unsealed) */
	long timeout_ms;             /* 0 = config default */
	char *retry_schedule;        /* per-endpoint override or NULL */
	long retry_base_s, retry_cap_s; /* exponential policy when retry_max_attempts > 0 */
	int retry_max_attempts;
	char auth_type[8];           /* none, basic, bearer, header, oauth2 */
	char *auth_json;             /* unsealed credentials (JSON object) or NULL */
	char *oauth_token;           /* oauth2: the access token to send (hl_oauth_prepare) */
	char *oauth_sealed;          /* ... as cached, to drop exactly that one on a 401 */
	char auth_error[200];        /* oauth2: why no token could be had (no secrets) */
	char setup_error[200];       /* why the request could not be built: recorded
	                              * as a failed attempt (class other), not sent */
	char *encryption_key;        /* base64 AES-256 key: the body goes in an envelope */
	int body_encrypted;          /* body already is the envelope (never twice) */
	int rate_limit;              /* deliveries per second, 0 = unlimited */
	char *ed25519_pem;           /* unsealed private key: adds a v1a signature */
	long long msg_ts;            /* webhook-timestamp, seconds */
	char msg_id[HL_ID_MAX];      /* webhook-id: the event id, or msg_... for a batch */
	int batch_max;               /* > 1: the endpoint takes JSON arrays of up to this many */
	int fifo;                    /* the endpoint wants its deliveries in order */
	struct hl_job *batch_next;   /* the other deliveries sent in this job's request
	                              * (not owned: hl_job_clear leaves them) */
};

/* The outcome of one attempt, as the sender classifies it. */
enum hl_outcome { HL_OUT_SUCCESS, HL_OUT_RETRY, HL_OUT_GONE };

struct hl_attempt {
	struct hl_job *job;
	enum hl_outcome outcome;
	long status;                 /* HTTP status, 0 when none */
	const char *error_class;     /* NULL on success: dns, connect, tls, timeout, ... */
	char error_message[300];
	long long started_ms;
	long duration_ms;
	char *request_headers;       /* JSON object text, secrets redacted */
	char *response_headers;      /* JSON object text or NULL */
	char *response_body;         /* excerpt or NULL */
	long retry_after_s;          /* -1 when absent */
	/* The attempt row's id, made when it is first recorded and kept for
	 * a try again: one after a commit whose answer was lost writes no
	 * second row (hl_dq_record). "" until then. */
	char id[HL_ID_MAX];
};

/* Insert one delivery (publish fan-out, replay of missed events):
 * pending, or paused when the endpoint is disabled as it stands when the
 * row is written (its row is read locked, so an enable or a disable
 * committing meanwhile is seen, and one still running waits for us).
 * *made is 0 when the endpoint is gone. */
hl_err hl_delivery_insert(struct hl_db *db, const char *account_id, const char *endpoint_id,
	const char *event_id, const char *event_type, int priority, int *made);
/* Take back leases that expired (a runner died): sending -> pending. */
hl_err hl_delivery_reclaim_expired(struct hl_db *db, const char *owner, int *n);
/* The queue as one runner works it. Its statements have constant text
 * with fixed-size IN lists (1, 8, 32, 128), are prepared once and reused
 * every round, so a batch costs a few round trips, not a few per delivery. */
struct hl_dq;
hl_err hl_dq_new(struct hl_db *db, const struct hl_config *cfg, const char *owner,
	struct hl_dq **out);
void hl_dq_free(struct hl_dq *q);
/* Claim up to max due deliveries (of account_id only, unless NULL) with
 * SELECT ... FOR UPDATE SKIP LOCKED, lease them in one UPDATE and load
 * their jobs in one SELECT (unsealing secrets with the master key).
 * *jobs is an array the caller frees with hl_jobs_free. *picked counts
 * the rows the claim took, more than *njobs when some were paused at
 * load (endpoint disabled) or deferred by a rate limit: work was due. */
hl_err hl_dq_claim(struct hl_dq *q, const char *account_id, int max, struct hl_job **jobs,
	int *njobs, int *picked);
/* Record attempts and move each delivery on, in one transaction: success,
 * retry at the computed time, dead, or (410) disable the endpoint. Attempts
 * are multi-row inserts, deliveries one compare-and-set per group, endpoint
 * health one UPDATE per endpoint. */
hl_err hl_dq_record(struct hl_dq *q, struct hl_attempt *attempts, int n);
/* How many of attempts[0..n) hl_dq_record can take in one transaction:
 * up to the first attempt of a delivery already among them (n if none). */
int hl_dq_record_span(const struct hl_attempt *attempts, int n);
/* Push the lease of everything this runner is still sending forward, so
 * a transfer waiting in curl's per-host queue cannot lose its lease. */
hl_err hl_dq_extend_leases(struct hl_dq *q);
void hl_jobs_free(struct hl_job *jobs, int n);
/* Make v[0] the request for v[0..n) of one batch endpoint: its body the
 * JSON array of their envelopes (each with its own "id"), its webhook-id a
 * new msg_... id, and v[1..n) chained on batch_next. n may be 1. */
hl_err hl_job_batch(struct hl_job **v, int n);
void hl_job_clear(struct hl_job *job);
/* The job a test send sends: the same loading code as a claim, with a
 * new event id, the given type and payload (the caller keeps payload). */
hl_err hl_job_load_test(struct hl_db *db, const struct hl_config *cfg, const char *account_id,
	const char *endpoint_id, const char *event_type, json_object *payload, struct hl_job *job);
/* Give back claimed deliveries never sent (SIGTERM). */
hl_err hl_delivery_release(struct hl_db *db, const char *owner, const char *delivery_id);
/* Give a claimed request's deliveries (job and its batch_next chain) back
 * unsent, and free the jobs. */
void hl_request_release(struct hl_db *db, const char *owner, struct hl_job *job);
/* Pause (endpoint disabled) or resume (enabled) an endpoint's deliveries;
 * *moved (may be NULL) is how many changed status. */
hl_err hl_delivery_set_paused(struct hl_db *db, const char *endpoint_id, int paused,
	unsigned long long *moved);

/* Filters for listing. NULL members are not applied. */
struct hl_delivery_filter {
	const char *endpoint_id;
	const char *status;
	const char *event_type;
	const char *since;   /* SQL time */
	const char *until;
};
hl_err hl_delivery_list(struct hl_db *db, const char *account_id,
	const struct hl_delivery_filter *f, int limit, const char *iterator, json_object **out);
hl_err hl_delivery_get(struct hl_db *db, const char *account_id, const char *id,
	json_object **out);
/* Queue a delivery again now (retry / replay): any state but sending. */
hl_err hl_delivery_retry(struct hl_db *db, const char *account_id, const char *id);

/* Bulk retry (POST /webhooks/deliveries/retry, hooklinectl retry): queue
 * again every finished delivery of the account matching f (status NULL
 * means "dead"; "dead", "succeeded" or "pending" (sent now instead of at
 * their next attempt) may be asked for). Deliveries of a disabled
 * endpoint become paused. An f->endpoint_id of no webhook of the account
 * is HL_ERR_NOTFOUND, field "webhook_id". */
hl_err hl_delivery_retry_bulk(struct hl_db *db, const char *account_id,
	const struct hl_delivery_filter *f, int *n);
/* The bulk retry's filter from its text (the API's members, hooklinectl's
 * options; NULL: not given), checked without the database: status one
 * that can be retried, webhook_id a webhook id, since and until RFC 3339
 * times with an offset, until later than since. HL_ERR_INVALID naming the
 * member. f points into the arguments and into *times. */
struct hl_retry_times {
	char since[32], until[32];
};
hl_err hl_delivery_retry_filter(const char *status, const char *webhook_id,
	const char *event_type, const char *since, const char *until,
	struct hl_delivery_filter *f, struct hl_retry_times *times);
/* The queue, for hooklinectl status: of every account (account_id NULL)
 * or of one:
 * {"deliveries": {status: count} (all five), "due": n, "oldest_due_seconds":
 * how long the oldest due one has waited (null: none due),
 * "expired_leases": deliveries being sent whose lease ran out (a runner
 * died, or no runner takes them back), "attempts_last_minute": n,
 * "last_attempt_at": the newest attempt's start (null: none),
 * "endpoints_disabled": n}. */
hl_err hl_queue_status(struct hl_db *db, const char *account_id, long long now_ms,
	json_object **out);
/* hooklinectl status --by-account: an array of one object per account
 * with deliveries not done or endpoints disabled, {"account": slug,
 * "pending", "due", "sending", "expired_leases", "paused", "dead":
 * counts, "oldest_due_seconds": n (null: none due),
 * "endpoints_disabled": n}, the longest wait first, then the most dead. */
hl_err hl_queue_by_account(struct hl_db *db, json_object **out);
/* Replay for one endpoint since a SQL time: re-queue its failed (dead)
 * deliveries, and unless only_failed also its succeeded ones and new
 * deliveries for matching events that never had one (subscriptions and
 * filters as they are now). At most HL_REPLAY_MAX new deliveries. */
#define HL_REPLAY_MAX 10000
hl_err hl_delivery_replay(struct hl_db *db, const char *account_id, const char *endpoint_id,
	const char *since, int only_failed, int *requeued, int *created);

#endif
