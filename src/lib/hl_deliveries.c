/* hl_deliveries.c: the SQL of the delivery queue. Claims run inside one
 * transaction with SELECT ... FOR UPDATE SKIP LOCKED on the claim index;
 * every completion is a compare-and-set on the lease (owner + status) so
 * a runner whose lease expired cannot overwrite another's result. */
#include <stdlib.h>
#include <string.h>
#include "hl_deliveries.h"
#include "hl_filter.h"
#include "hl_log.h"
#include "hl_publish.h"
#include "hl_retry.h"
#include "hl_util.h"

/* Waits that protect a struggling receiver (429, timeouts). */
#define SLOW_DOWN_MIN_S 60
#define RETRY_AFTER_MAX_S (24 * 3600)
/* A success after this many consecutive failures is worth an event. */
#define RECOVERED_AFTER_FAILURES 3

/* Operational events found while recording, published after the commit
 * (hl_publish runs its own transaction). */
enum note_kind { NOTE_DISABLED, NOTE_EXHAUSTED, NOTE_RECOVERED, NOTE__MAX };
static const char *const note_types[NOTE__MAX] = {
	[NOTE_DISABLED] = "endpoint.disabled",
	[NOTE_EXHAUSTED] = "delivery.exhausted",
	[NOTE_RECOVERED] = "endpoint.recovered",
};
struct note {
	enum note_kind kind;
	const struct hl_job *job;
	const char *reason;
};
struct notes {
	struct note *v;
	int n, cap;
};

static void
note_add(struct notes *ns, enum note_kind kind, const struct hl_job *job, const char *reason)
{
	if (ns->n < ns->cap)
		ns->v[ns->n++] = (struct note){ kind, job, reason };
}

hl_err
hl_delivery_insert(struct hl_db *db, const char *account_id, const char *endpoint_id,
	const char *event_id, const char *event_type, int priority, int paused)
{
	char id[HL_ID_MAX];
	hl_err rc;

	rc = hl_id_new("dlv", id);
	if (rc)
		return rc;
	return hl_db_exec(db, NULL, "INSERT INTO deliveries (id, account_id, endpoint_id, event_id, "
		"event_type, status, priority) VALUES (?, ?, ?, ?, ?, ?, ?)", "ssssssi",
		id, account_id, endpoint_id, event_id, event_type, paused ? "paused" : "pending",
		(long long)priority);
}

hl_err
hl_delivery_reclaim_expired(struct hl_db *db, int *n)
{
	unsigned long long affected = 0;
	hl_err rc;

	/* Same delivery id, same event id: the receiver sees the same
	 * webhook-id again and can deduplicate. */
	rc = hl_db_exec(db, &affected, "UPDATE deliveries SET status = 'pending', "
		"lease_owner = NULL, lease_expires_at = NULL, next_attempt_at = NOW(3) "
		"WHERE status = 'sending' AND lease_expires_at < NOW(3)", "");
	if (n)
		*n = (int)affected;
	return rc;
}

void
hl_job_clear(struct hl_job *job)
{
	free(job->url);
	free(job->body);
	if (job->secret)
		memset(job->secret, 0, strlen(job->secret));
	free(job->secret);
	if (job->prev_secret)
		memset(job->prev_secret, 0, strlen(job->prev_secret));
	free(job->prev_secret);
	free(job->headers_json);
	free(job->retry_schedule);
	if (job->auth_json)
		memset(job->auth_json, 0, strlen(job->auth_json));
	free(job->auth_json);
	if (job->ed25519_pem)
		memset(job->ed25519_pem, 0, strlen(job->ed25519_pem));
	free(job->ed25519_pem);
	memset(job, 0, sizeof(*job));
}

void
hl_jobs_free(struct hl_job *jobs, int n)
{
	int i;

	for (i = 0; i < n; i++)
		hl_job_clear(&jobs[i]);
	free(jobs);
}

static char *
dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* The body is built from the stored event the same way every time, so a
 * retry sends (and signs) exactly the same bytes. */
static hl_err
build_body(struct hl_job *job, const char *type, const char *created, const char *payload)
{
	json_object *o, *data;
	const char *text;
	size_t len;

	data = json_tokener_parse(payload);
	if (!data)
		return hl_fail(HL_ERR_INTERNAL, NULL, "stored payload of %s is not JSON", job->event_id);
	o = json_object_new_object();
	hl_json_add_str(o, "type", type);
	hl_json_add_str(o, "timestamp", created);
	json_object_object_add(o, "data", data);   /* o owns data */
	text = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &len);
	job->body = malloc(len + 1);
	if (job->body) {
		memcpy(job->body, text, len + 1);
		job->bodylen = len;
	}
	json_object_put(o);
	return job->body ? HL_OK : hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
}

static hl_err
load_job(struct hl_stmt *st, const struct hl_config *cfg, struct hl_job *job)
{
	hl_err rc;

	hl_strlcpy(job->delivery_id, hl_stmt_col(st, 0), sizeof(job->delivery_id));
	hl_strlcpy(job->event_id, hl_stmt_col(st, 1), sizeof(job->event_id));
	hl_strlcpy(job->endpoint_id, hl_stmt_col(st, 2), sizeof(job->endpoint_id));
	hl_strlcpy(job->account_id, hl_stmt_col(st, 3), sizeof(job->account_id));
	job->attempt_no = (int)hl_stmt_colint(st, 4) + 1;
	hl_strlcpy(job->event_type, hl_stmt_col(st, 5), sizeof(job->event_type));
	job->url = dup_or_null(hl_stmt_col(st, 8));
	hl_strlcpy(job->method, hl_stmt_col(st, 9), sizeof(job->method));
	job->timeout_ms = hl_stmt_colint(st, 12);
	job->headers_json = dup_or_null(hl_stmt_col(st, 13));
	job->retry_schedule = dup_or_null(hl_stmt_col(st, 14));
	job->retry_base_s = (long)hl_stmt_colint(st, 15);
	job->retry_cap_s = (long)hl_stmt_colint(st, 16);
	job->retry_max_attempts = (int)hl_stmt_colint(st, 17);
	hl_strlcpy(job->auth_type, hl_stmt_col(st, 18) ? hl_stmt_col(st, 18) : "none",
		sizeof(job->auth_type));
	if (!job->url)
		return hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
	rc = hl_unseal(cfg->master_key, hl_stmt_col(st, 10), &job->secret);
	if (!rc && hl_stmt_col(st, 11))
		rc = hl_unseal(cfg->master_key, hl_stmt_col(st, 11), &job->prev_secret);
	if (!rc && hl_stmt_col(st, 19))
		rc = hl_unseal(cfg->master_key, hl_stmt_col(st, 19), &job->auth_json);
	if (!rc && hl_stmt_col(st, 20))
		rc = hl_unseal(cfg->master_key, hl_stmt_col(st, 20), &job->ed25519_pem);
	if (rc)
		return hl_fail(rc, NULL, "cannot unseal the secret of %s: wrong Security.MasterKey?",
			job->endpoint_id);
	return build_body(job, hl_stmt_col(st, 5), hl_stmt_col(st, 6), hl_stmt_col(st, 7));
}

hl_err
hl_delivery_claim(struct hl_db *db, const struct hl_config *cfg, const char *owner,
	const char *account_id, int max, struct hl_job **jobs_out, int *njobs)
{
	struct hl_stmt *pick = NULL, *lease = NULL, *load = NULL;
	struct hl_job *jobs;
	char (*ids)[HL_ID_MAX] = NULL;
	int n = 0, i, r;
	hl_err rc;

	*jobs_out = NULL;
	*njobs = 0;
	jobs = calloc((size_t)max, sizeof(*jobs));
	ids = calloc((size_t)max, sizeof(*ids));
	if (!jobs || !ids) {
		free(jobs);
		free(ids);
		return hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
	}
	rc = hl_db_begin(db);
	if (rc)
		goto out;
	/* FIFO endpoints: a delivery waits while an earlier one of the same
	 * endpoint is unfinished (any state but succeeded or dead). The
	 * subqueries are plain reads: only the claimed rows are locked. */
	rc = hl_stmt_new(db, "SELECT d.id FROM deliveries d FORCE INDEX (deliveries_claim) "
		"WHERE d.status = 'pending' AND d.next_attempt_at <= NOW(3) "
		"AND (? IS NULL OR d.account_id = ?) "
		"AND NOT EXISTS (SELECT 1 FROM endpoints e WHERE e.id = d.endpoint_id AND e.fifo = 1 "
		"AND EXISTS (SELECT 1 FROM deliveries p WHERE p.endpoint_id = d.endpoint_id "
		"AND p.status IN ('pending', 'sending', 'paused') AND p.id < d.id)) "
		"ORDER BY d.status, d.priority DESC, d.next_attempt_at, d.id LIMIT ? "
		"FOR UPDATE SKIP LOCKED", &pick);
	if (rc)
		goto fail;
	hl_stmt_str(pick, 0, account_id);
	hl_stmt_str(pick, 1, account_id);
	hl_stmt_int(pick, 2, max);
	rc = hl_stmt_exec(pick);
	while (!rc && n < max && (r = hl_stmt_fetch(pick)) != 0) {
		if (r < 0) {
			rc = HL_ERR_DB;
			break;
		}
		hl_strlcpy(ids[n++], hl_stmt_col(pick, 0), HL_ID_MAX);
	}
	if (rc)
		goto fail;
	if (n == 0) {
		hl_db_rollback(db);
		goto out;
	}
	rc = hl_stmt_new(db, "UPDATE deliveries SET status = 'sending', lease_owner = ?, "
		"lease_expires_at = NOW(3) + INTERVAL ? SECOND WHERE id = ?", &lease);
	for (i = 0; !rc && i < n; i++) {
		hl_stmt_str(lease, 0, owner);
		hl_stmt_int(lease, 1, cfg->lease_seconds);
		hl_stmt_str(lease, 2, ids[i]);
		rc = hl_stmt_exec(lease);
	}
	if (rc)
		goto fail;
	rc = hl_db_commit(db);
	if (rc)
		goto out;
	rc = hl_stmt_new(db, "SELECT d.id, d.event_id, d.endpoint_id, d.account_id, d.attempts, "
		"ev.event_type, " HL_SQL_TIME("ev.created_at") ", ev.payload, e.url, e.method, "
		"e.secret_sealed, IF(e.prev_secret_expires_at > NOW(3), e.prev_secret_sealed, NULL), "
		"IFNULL(e.timeout_ms, 0), e.headers_json, e.retry_schedule, "
		"e.retry_base_s, e.retry_cap_s, e.retry_max_attempts, e.auth_type, e.auth_sealed, "
		"e.ed25519_sealed "
		"FROM deliveries d JOIN events ev ON ev.id = d.event_id "
		"JOIN endpoints e ON e.id = d.endpoint_id WHERE d.id = ?", &load);
	for (i = 0; !rc && i < n; i++) {
		hl_stmt_str(load, 0, ids[i]);
		rc = hl_stmt_exec(load);
		if (rc)
			break;
		r = hl_stmt_fetch(load);
		if (r < 0) {
			rc = HL_ERR_DB;
			break;
		}
		if (r == 0)
			continue;     /* deleted meanwhile (endpoint removed) */
		rc = load_job(load, cfg, &jobs[*njobs]);
		if (rc) {
			/* Leave it to the lease: log and skip, never send unsigned. */
			hl_log(HL_LOG_ERROR, "delivery %s: %s", ids[i], hl_errmsg());
			hl_job_clear(&jobs[*njobs]);
			rc = HL_OK;
			continue;
		}
		(*njobs)++;
	}
	goto out;
fail:
	hl_db_rollback(db);
out:
	hl_stmt_free(pick);
	hl_stmt_free(lease);
	hl_stmt_free(load);
	free(ids);
	if (rc || *njobs == 0) {
		hl_jobs_free(jobs, *njobs);
		*njobs = 0;
	} else {
		*jobs_out = jobs;
	}
	return rc;
}

static long
next_delay(const struct hl_config *cfg, const struct hl_attempt *a)
{
	long schedule[HL_RETRY_MAX_STEPS];
	const long *steps = cfg->retry_schedule;
	int nsteps = cfg->retry_steps;
	unsigned rnd = 0;
	long delay;

	if (a->job->retry_max_attempts > 0) {
		/* Exponential: attempt 1 now, then base, 2 base, 4 base ... capped. */
		int i;

		nsteps = a->job->retry_max_attempts;
		schedule[0] = 0;
		for (i = 1; i < nsteps; i++) {
			long d = i == 1 ? a->job->retry_base_s : schedule[i - 1] * 2;

			schedule[i] = d > a->job->retry_cap_s ? a->job->retry_cap_s : d;
		}
		steps = schedule;
	} else if (a->job->retry_schedule &&
	    hl_retry_parse(a->job->retry_schedule, schedule, HL_RETRY_MAX_STEPS, &nsteps) == 0) {
		steps = schedule;
	} else {
		nsteps = cfg->retry_steps;
	}
	hl_random_bytes((unsigned char *)&rnd, sizeof(rnd));
	delay = hl_retry_delay(steps, nsteps, a->job->attempt_no + 1, cfg->jitter_pct, rnd);
	if (delay < 0)
		return -1;
	/* A receiver that asked us to slow down gets at least what it asked. */
	if (a->status == 429 || (a->error_class && !strcmp(a->error_class, "timeout")))
		if (delay < SLOW_DOWN_MIN_S)
			delay = SLOW_DOWN_MIN_S;
	if (a->retry_after_s > delay)
		delay = a->retry_after_s > RETRY_AFTER_MAX_S ? RETRY_AFTER_MAX_S : a->retry_after_s;
	return delay;
}

/* Disable an endpoint (once: only the transition counts), pause its
 * queue, and queue a notification for a human. */
static hl_err
disable_endpoint(struct hl_db *db, const struct hl_job *job, const char *reason,
	int health_rule, long disable_after_s, struct notes *ns)
{
	unsigned long long n = 0;
	char id[HL_ID_MAX];
	hl_err rc;

	if (health_rule)
		rc = hl_db_exec(db, &n, "UPDATE endpoints SET enabled = 0, disabled_reason = ?, "
			"updated_at = NOW(3) WHERE id = ? AND enabled = 1 AND first_failure_at IS NOT NULL "
			"AND first_failure_at <= NOW(3) - INTERVAL ? SECOND", "ssi", reason,
			job->endpoint_id, (long long)disable_after_s);
	else
		rc = hl_db_exec(db, &n, "UPDATE endpoints SET enabled = 0, disabled_reason = ?, "
			"updated_at = NOW(3) WHERE id = ? AND enabled = 1", "ss", reason, job->endpoint_id);
	if (rc || n == 0)
		return rc;
	hl_log(HL_LOG_INFO, "endpoint %s disabled: %s", job->endpoint_id, reason);
	rc = hl_delivery_set_paused(db, job->endpoint_id, 1);
	if (!rc)
		rc = hl_id_new("ntf", id);
	if (!rc)
		rc = hl_db_exec(db, NULL, "INSERT INTO notifications (id, account_id, endpoint_id, "
			"kind, message) VALUES (?, ?, ?, 'endpoint.disabled', ?)", "ssss", id,
			job->account_id, job->endpoint_id, reason);
	if (!rc)
		note_add(ns, NOTE_DISABLED, job, reason);
	return rc;
}

/* Operational events about operational events would feed on themselves. */
static int
is_operational(const char *type)
{
	return !strncmp(type, "endpoint.", 9) || !strncmp(type, "delivery.", 9);
}

static hl_err
record_one(struct hl_db *db, const struct hl_config *cfg, const char *owner,
	struct hl_attempt *a, struct hl_stmt *ins, struct notes *ns)
{
	struct hl_job *job = a->job;
	char id[HL_ID_MAX];
	unsigned long long n = 0;
	const char *status;
	long delay = 0;
	hl_err rc;

	rc = hl_id_new("att", id);
	if (rc)
		return rc;
	hl_stmt_str(ins, 0, id);
	hl_stmt_str(ins, 1, job->delivery_id);
	hl_stmt_str(ins, 2, job->account_id);
	hl_stmt_str(ins, 3, job->endpoint_id);
	hl_stmt_int(ins, 4, job->attempt_no);
	hl_stmt_int(ins, 5, a->started_ms);
	hl_stmt_int(ins, 6, a->duration_ms);
	hl_stmt_str(ins, 7, job->url);
	hl_stmt_str(ins, 8, a->request_headers ? a->request_headers : "{}");
	if (a->status)
		hl_stmt_int(ins, 9, a->status);
	else
		hl_stmt_null(ins, 9);
	hl_stmt_str(ins, 10, a->response_headers);
	hl_stmt_str(ins, 11, a->response_body);
	hl_stmt_str(ins, 12, a->error_class);
	hl_stmt_str(ins, 13, a->error_class ? a->error_message : NULL);
	rc = hl_stmt_exec(ins);
	if (rc)
		return rc;

	if (a->outcome == HL_OUT_SUCCESS) {
		status = "succeeded";
	} else if (a->outcome == HL_OUT_GONE) {
		status = "dead";
	} else {
		delay = next_delay(cfg, a);
		status = delay < 0 ? "dead" : "pending";
	}
	rc = hl_db_exec(db, &n, "UPDATE deliveries SET status = ?, attempts = attempts + 1, "
		"next_attempt_at = IF(? = 'pending', NOW(3) + INTERVAL ? SECOND, next_attempt_at), "
		"completed_at = IF(? IN ('succeeded', 'dead'), NOW(3), NULL), "
		"lease_owner = NULL, lease_expires_at = NULL, last_status_code = ?, "
		"last_error_class = ?, last_attempt_at = FROM_UNIXTIME(? / 1000) "
		"WHERE id = ? AND lease_owner = ? AND status = 'sending'", "ssisisiss",
		status, status, (long long)(delay < 0 ? 0 : delay), status,
		(long long)a->status, a->error_class, a->started_ms, job->delivery_id, owner);
	if (rc)
		return rc;
	if (n == 0)
		hl_log(HL_LOG_WARN, "delivery %s: lease lost before completion; "
			"its attempt is recorded, the new owner decides its state", job->delivery_id);

	if (n && !strcmp(status, "dead") && a->outcome != HL_OUT_GONE &&
	    !is_operational(job->event_type))
		note_add(ns, NOTE_EXHAUSTED, job, NULL);

	if (a->outcome == HL_OUT_SUCCESS) {
		rc = hl_db_exec(db, &n, "UPDATE endpoints SET consecutive_failures = 0, "
			"first_failure_at = NULL WHERE id = ? AND consecutive_failures >= ?", "si",
			job->endpoint_id, (long long)RECOVERED_AFTER_FAILURES);
		if (!rc && n) {
			char nid[HL_ID_MAX];

			note_add(ns, NOTE_RECOVERED, job, NULL);
			rc = hl_id_new("ntf", nid);
			if (!rc)
				rc = hl_db_exec(db, NULL, "INSERT INTO notifications (id, account_id, "
					"endpoint_id, kind, message) VALUES (?, ?, ?, 'endpoint.recovered', "
					"'the endpoint succeeded again after failing')", "sss", nid,
					job->account_id, job->endpoint_id);
		}
		if (!rc)
			rc = hl_db_exec(db, NULL, "UPDATE endpoints SET consecutive_failures = 0, "
				"first_failure_at = NULL, last_success_at = NOW(3), last_attempt_at = NOW(3) "
				"WHERE id = ?", "s", job->endpoint_id);
	} else {
		rc = hl_db_exec(db, NULL, "UPDATE endpoints SET consecutive_failures = "
			"consecutive_failures + 1, first_failure_at = COALESCE(first_failure_at, NOW(3)), "
			"last_attempt_at = NOW(3) WHERE id = ?", "s", job->endpoint_id);
	}
	if (!rc && a->outcome == HL_OUT_GONE)
		rc = disable_endpoint(db, job, "the endpoint answered 410 Gone", 0, 0, ns);
	else if (!rc && a->outcome != HL_OUT_SUCCESS)
		rc = disable_endpoint(db, job, "the endpoint failed continuously for longer than "
			"Delivery.DisableAfterSeconds", 1, cfg->disable_after_s, ns);
	return rc;
}

static void
publish_note(struct hl_db *db, const struct note *note)
{
	json_object *payload = json_object_new_object(), *out = NULL;

	hl_json_add_str(payload, "endpoint_id", note->job->endpoint_id);
	hl_json_add_str(payload, "url", note->job->url);
	if (note->kind == NOTE_EXHAUSTED) {
		hl_json_add_str(payload, "delivery_id", note->job->delivery_id);
		hl_json_add_str(payload, "event_id", note->job->event_id);
		hl_json_add_str(payload, "event_type", note->job->event_type);
		hl_json_add_int(payload, "attempts", note->job->attempt_no);
	}
	if (note->reason)
		hl_json_add_str(payload, "reason", note->reason);
	if (hl_publish(db, note->job->account_id, note_types[note->kind], payload, NULL, &out))
		hl_log(HL_LOG_WARN, "could not publish %s for %s: %s", note_types[note->kind],
			note->job->endpoint_id, hl_errmsg());
	json_object_put(out);
	json_object_put(payload);
}

hl_err
hl_delivery_record(struct hl_db *db, const struct hl_config *cfg, const char *owner,
	struct hl_attempt *attempts, int n)
{
	struct hl_stmt *ins = NULL;
	struct notes ns = { NULL, 0, 0 };
	int i;
	hl_err rc;

	if (n == 0)
		return HL_OK;
	/* At most two notes per attempt (exhausted + disabled, or recovered). */
	ns.v = calloc((size_t)n * 2, sizeof(*ns.v));
	if (!ns.v)
		return hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
	ns.cap = n * 2;
	rc = hl_db_begin(db);
	if (rc)
		goto out;
	rc = hl_stmt_new(db, "INSERT INTO delivery_attempts (id, delivery_id, account_id, "
		"endpoint_id, attempt_no, started_at, duration_ms, request_url, request_headers, "
		"response_status, response_headers, response_body, error_class, error_message) "
		"VALUES (?, ?, ?, ?, ?, FROM_UNIXTIME(? / 1000), ?, ?, ?, ?, ?, ?, ?, ?)", &ins);
	for (i = 0; !rc && i < n; i++)
		rc = record_one(db, cfg, owner, &attempts[i], ins, &ns);
	hl_stmt_free(ins);
	if (rc) {
		hl_db_rollback(db);
		goto out;
	}
	rc = hl_db_commit(db);
	if (rc)
		goto out;
	/* After the commit: a failure here loses an operational event, never
	 * an attempt record. */
	for (i = 0; i < ns.n; i++)
		publish_note(db, &ns.v[i]);
out:
	free(ns.v);
	return rc;
}

hl_err
hl_delivery_extend_leases(struct hl_db *db, const char *owner, long lease_seconds)
{
	return hl_db_exec(db, NULL, "UPDATE deliveries SET lease_expires_at = NOW(3) + INTERVAL ? "
		"SECOND WHERE status = 'sending' AND lease_owner = ?", "is",
		(long long)lease_seconds, owner);
}

hl_err
hl_delivery_release(struct hl_db *db, const char *owner, const char *delivery_id)
{
	return hl_db_exec(db, NULL, "UPDATE deliveries SET status = 'pending', lease_owner = NULL, "
		"lease_expires_at = NULL WHERE id = ? AND lease_owner = ? AND status = 'sending'",
		"ss", delivery_id, owner);
}

hl_err
hl_delivery_set_paused(struct hl_db *db, const char *endpoint_id, int paused)
{
	if (paused)
		return hl_db_exec(db, NULL, "UPDATE deliveries SET status = 'paused' "
			"WHERE endpoint_id = ? AND status = 'pending'", "s", endpoint_id);
	return hl_db_exec(db, NULL, "UPDATE deliveries SET status = 'pending', "
		"next_attempt_at = NOW(3) WHERE endpoint_id = ? AND status = 'paused'", "s", endpoint_id);
}

#define DELIVERY_COLUMNS "d.id, d.endpoint_id, d.event_id, d.event_type, d.status, d.attempts, " \
	HL_SQL_TIME("d.next_attempt_at") ", d.last_status_code, d.last_error_class, " \
	HL_SQL_TIME("d.last_attempt_at") ", " HL_SQL_TIME("d.completed_at") ", " \
	HL_SQL_TIME("d.created_at")

static json_object *
delivery_json(struct hl_stmt *st)
{
	json_object *o = json_object_new_object();
	const char *status = hl_stmt_col(st, 4);

	hl_json_add_str(o, "id", hl_stmt_col(st, 0));
	hl_json_add_str(o, "webhook_id", hl_stmt_col(st, 1));
	hl_json_add_str(o, "event_id", hl_stmt_col(st, 2));
	hl_json_add_str(o, "event_type", hl_stmt_col(st, 3));
	hl_json_add_str(o, "status", status);
	hl_json_add_int(o, "attempts", hl_stmt_colint(st, 5));
	hl_json_add_str(o, "next_attempt_at",
		status && (!strcmp(status, "pending") || !strcmp(status, "paused")) ?
		hl_stmt_col(st, 6) : NULL);
	if (hl_stmt_colnull(st, 7))
		json_object_object_add(o, "last_status_code", NULL);
	else
		hl_json_add_int(o, "last_status_code", hl_stmt_colint(st, 7));
	hl_json_add_str(o, "last_error_class", hl_stmt_col(st, 8));
	hl_json_add_str(o, "last_attempt_at", hl_stmt_col(st, 9));
	hl_json_add_str(o, "completed_at", hl_stmt_col(st, 10));
	hl_json_add_str(o, "created_at", hl_stmt_col(st, 11));
	return o;
}

hl_err
hl_delivery_list(struct hl_db *db, const char *account_id,
	const struct hl_delivery_filter *f, int limit, const char *iterator, json_object **out)
{
	json_object *data;
	struct hl_stmt *st;
	char last[HL_ID_MAX] = "";
	int r = 0, count = 0;
	hl_err rc;

	*out = NULL;
	/* Newest first; "? IS NULL OR" keeps one constant statement for every
	 * combination of filters. */
	rc = hl_stmt_new(db, "SELECT " DELIVERY_COLUMNS " FROM deliveries d "
		"WHERE d.account_id = ? AND (? IS NULL OR d.endpoint_id = ?) "
		"AND (? IS NULL OR d.status = ?) AND (? IS NULL OR d.event_type = ?) "
		"AND (? IS NULL OR d.created_at >= ?) AND (? IS NULL OR d.created_at < ?) "
		"AND (? IS NULL OR d.id < ?) ORDER BY d.id DESC LIMIT ?", &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, account_id);
	hl_stmt_str(st, 1, f->endpoint_id);
	hl_stmt_str(st, 2, f->endpoint_id);
	hl_stmt_str(st, 3, f->status);
	hl_stmt_str(st, 4, f->status);
	hl_stmt_str(st, 5, f->event_type);
	hl_stmt_str(st, 6, f->event_type);
	hl_stmt_str(st, 7, f->since);
	hl_stmt_str(st, 8, f->since);
	hl_stmt_str(st, 9, f->until);
	hl_stmt_str(st, 10, f->until);
	hl_stmt_str(st, 11, iterator);
	hl_stmt_str(st, 12, iterator);
	hl_stmt_int(st, 13, limit + 1);
	rc = hl_stmt_exec(st);
	data = json_object_new_array();
	while (!rc && (r = hl_stmt_fetch(st)) != 0) {
		if (r < 0) {
			rc = HL_ERR_DB;
			break;
		}
		if (count == limit)
			break;
		json_object_array_add(data, delivery_json(st));
		hl_strlcpy(last, hl_stmt_col(st, 0), sizeof(last));
		count++;
	}
	if (rc)
		json_object_put(data);
	else
		*out = hl_json_list(data, last, !(count == limit && r == 1));
	hl_stmt_free(st);
	return rc;
}

static json_object *
parse_or_null(const char *text)
{
	return text ? json_tokener_parse(text) : NULL;
}

hl_err
hl_delivery_get(struct hl_db *db, const char *account_id, const char *id, json_object **out)
{
	struct hl_stmt *st;
	json_object *o = NULL, *attempts;
	hl_err rc;
	int r;

	*out = NULL;
	rc = hl_stmt_new(db, "SELECT " DELIVERY_COLUMNS " FROM deliveries d "
		"WHERE d.id = ? AND d.account_id = ?", &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, id);
	hl_stmt_str(st, 1, account_id);
	rc = hl_stmt_exec(st);
	if (!rc) {
		r = hl_stmt_fetch(st);
		if (r < 0)
			rc = HL_ERR_DB;
		else if (r == 0)
			rc = hl_fail(HL_ERR_NOTFOUND, "id", "no delivery %s", id);
		else
			o = delivery_json(st);
	}
	hl_stmt_free(st);
	if (rc)
		return rc;
	rc = hl_stmt_new(db, "SELECT id, attempt_no, " HL_SQL_TIME("started_at") ", duration_ms, "
		"request_url, request_headers, response_status, response_headers, response_body, "
		"error_class, error_message FROM delivery_attempts WHERE delivery_id = ? "
		"ORDER BY attempt_no, id", &st);
	if (rc) {
		json_object_put(o);
		return rc;
	}
	hl_stmt_str(st, 0, id);
	rc = hl_stmt_exec(st);
	attempts = json_object_new_array();
	while (!rc && (r = hl_stmt_fetch(st)) != 0) {
		json_object *a;

		if (r < 0) {
			rc = HL_ERR_DB;
			break;
		}
		a = json_object_new_object();
		hl_json_add_str(a, "id", hl_stmt_col(st, 0));
		hl_json_add_int(a, "attempt", hl_stmt_colint(st, 1));
		hl_json_add_str(a, "started_at", hl_stmt_col(st, 2));
		hl_json_add_int(a, "duration_ms", hl_stmt_colint(st, 3));
		hl_json_add_str(a, "request_url", hl_stmt_col(st, 4));
		json_object_object_add(a, "request_headers", parse_or_null(hl_stmt_col(st, 5)));
		if (hl_stmt_colnull(st, 6))
			json_object_object_add(a, "response_status", NULL);
		else
			hl_json_add_int(a, "response_status", hl_stmt_colint(st, 6));
		json_object_object_add(a, "response_headers", parse_or_null(hl_stmt_col(st, 7)));
		hl_json_add_str(a, "response_body", hl_stmt_col(st, 8));
		hl_json_add_str(a, "error_class", hl_stmt_col(st, 9));
		hl_json_add_str(a, "error_message", hl_stmt_col(st, 10));
		json_object_array_add(attempts, a);
	}
	hl_stmt_free(st);
	json_object_object_add(o, "attempt_log", attempts);
	if (rc) {
		json_object_put(o);
		return rc;
	}
	*out = o;
	return HL_OK;
}

hl_err
hl_delivery_retry(struct hl_db *db, const char *account_id, const char *id)
{
	unsigned long long n = 0;
	struct hl_stmt *st;
	hl_err rc;
	int r;

	/* A paused delivery (endpoint disabled) stays paused until enabled. */
	rc = hl_db_exec(db, &n, "UPDATE deliveries SET status = 'pending', next_attempt_at = NOW(3), "
		"completed_at = NULL WHERE id = ? AND account_id = ? "
		"AND status IN ('succeeded', 'dead', 'pending')", "ss", id, account_id);
	if (rc || n)
		return rc;
	rc = hl_stmt_new(db, "SELECT status FROM deliveries WHERE id = ? AND account_id = ?", &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, id);
	hl_stmt_str(st, 1, account_id);
	rc = hl_stmt_exec(st);
	if (!rc) {
		r = hl_stmt_fetch(st);
		if (r < 0)
			rc = HL_ERR_DB;
		else if (r == 0)
			rc = hl_fail(HL_ERR_NOTFOUND, "id", "no delivery %s", id);
		else
			rc = hl_fail(HL_ERR_CONFLICT, "id", "delivery %s is %s and cannot be retried now",
				id, hl_stmt_col(st, 0));
	}
	hl_stmt_free(st);
	return rc;
}

hl_err
hl_delivery_retry_bulk(struct hl_db *db, const char *account_id,
	const struct hl_delivery_filter *f, int *n)
{
	unsigned long long affected = 0;
	const char *status = f->status ? f->status : "dead";
	hl_err rc;

	*n = 0;
	/* pending: send now the ones waiting for their next attempt. */
	if (strcmp(status, "dead") && strcmp(status, "succeeded") && strcmp(status, "pending"))
		return hl_fail(HL_ERR_INVALID, "status", "only dead, succeeded or pending "
			"deliveries can be retried");
	rc = hl_db_exec(db, &affected, "UPDATE deliveries d JOIN endpoints e ON e.id = d.endpoint_id "
		"SET d.status = IF(e.enabled, 'pending', 'paused'), d.next_attempt_at = NOW(3), "
		"d.completed_at = NULL WHERE d.account_id = ? AND d.status = ? "
		"AND (? IS NULL OR d.endpoint_id = ?) AND (? IS NULL OR d.event_type = ?) "
		"AND (? IS NULL OR d.created_at >= ?) AND (? IS NULL OR d.created_at < ?)",
		"ssssssssss", account_id, status, f->endpoint_id, f->endpoint_id, f->event_type,
		f->event_type, f->since, f->since, f->until, f->until);
	*n = (int)affected;
	return rc;
}

hl_err
hl_delivery_replay(struct hl_db *db, const char *account_id, const char *endpoint_id,
	const char *since, int only_failed, int *requeued, int *created)
{
	struct hl_delivery_filter f;
	struct hl_stmt *st = NULL;
	char done[HL_ID_MAX] = "";
	int n = 0, r, enabled = 1;
	hl_err rc;

	*requeued = *created = 0;
	memset(&f, 0, sizeof(f));
	f.endpoint_id = endpoint_id;
	f.since = since;
	rc = hl_delivery_retry_bulk(db, account_id, &f, &n);
	if (rc)
		return rc;
	*requeued = n;
	if (only_failed)
		return HL_OK;
	f.status = "succeeded";
	rc = hl_delivery_retry_bulk(db, account_id, &f, &n);
	if (rc)
		return rc;
	*requeued += n;
	/* Events that match a subscription (exact, "family.*" or "*") and
	 * never produced a delivery to this endpoint. */
	rc = hl_stmt_new(db, "SELECT ev.id, ev.event_type, ev.payload, s.filter_json, e.enabled, "
		"e.priority FROM events ev JOIN subscriptions s ON s.endpoint_id = ? "
		"JOIN endpoints e ON e.id = s.endpoint_id AND e.account_id = ev.account_id "
		"WHERE ev.account_id = ? AND ev.created_at >= ? "
		"AND (s.event_type = '*' OR s.event_type = ev.event_type OR "
		"(s.event_type LIKE '%.*' AND CONCAT(SUBSTRING(ev.event_type, 1, "
		"LENGTH(ev.event_type) - LENGTH(SUBSTRING_INDEX(ev.event_type, '.', -1))), '*') = s.event_type)) "
		"AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = ev.id AND d.endpoint_id = ?) "
		"ORDER BY ev.id LIMIT ?", &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, endpoint_id);
	hl_stmt_str(st, 1, account_id);
	hl_stmt_str(st, 2, since);
	hl_stmt_str(st, 3, endpoint_id);
	hl_stmt_int(st, 4, HL_REPLAY_MAX * 4);
	rc = hl_stmt_exec(st);
	while (!rc && *created < HL_REPLAY_MAX && (r = hl_stmt_fetch(st)) != 0) {
		const char *ftext;
		int pass = 1;

		if (r < 0) {
			rc = HL_ERR_DB;
			break;
		}
		if (!strcmp(done, hl_stmt_col(st, 0)))
			continue;
		ftext = hl_stmt_col(st, 3);
		if (ftext) {
			json_object *filter = json_tokener_parse(ftext);
			json_object *payload = json_tokener_parse(hl_stmt_col(st, 2));

			pass = filter && payload && hl_filter_match(filter, hl_stmt_col(st, 1), payload);
			json_object_put(filter);
			json_object_put(payload);
		}
		if (!pass)
			continue;
		enabled = (int)hl_stmt_colint(st, 4);
		rc = hl_delivery_insert(db, account_id, endpoint_id, hl_stmt_col(st, 0),
			hl_stmt_col(st, 1), (int)hl_stmt_colint(st, 5), !enabled);
		if (!rc) {
			(*created)++;
			hl_strlcpy(done, hl_stmt_col(st, 0), sizeof(done));
		}
	}
	hl_stmt_free(st);
	return rc;
}
