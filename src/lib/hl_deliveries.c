/* hl_deliveries.c: the SQL of the delivery queue. Claims run inside one
 * transaction with SELECT ... FOR UPDATE SKIP LOCKED on the claim index;
 * every completion is a compare-and-set on the lease (owner + status) so
 * a runner whose lease expired cannot overwrite another's result. */
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "hl_deliveries.h"
#include "hl_endpoint_opts.h"
#include "hl_filter.h"
#include "hl_log.h"
#include "hl_oauth.h"
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

/* The endpoint's enabled flag is read with the insert, under a shared
 * lock, not taken from the caller's earlier (unlocked) read: an enable
 * that committed between the two moved the paused deliveries it could
 * see to pending, but not this one, which would then have stayed paused
 * for good with its endpoint enabled. */
hl_err
hl_delivery_insert(struct hl_db *db, const char *account_id, const char *endpoint_id,
	const char *event_id, const char *event_type, int priority, int *made)
{
	unsigned long long n = 0;
	char id[HL_ID_MAX];
	hl_err rc;

	*made = 0;
	rc = hl_id_new("dlv", id);
	if (rc)
		return rc;
	rc = hl_db_exec(db, &n, "INSERT INTO deliveries (id, account_id, endpoint_id, event_id, "
		"event_type, status, priority) SELECT ?, e.account_id, e.id, ?, ?, "
		"IF(e.enabled, 'pending', 'paused'), ? FROM endpoints e "
		"WHERE e.id = ? AND e.account_id = ? LOCK IN SHARE MODE", "sssiss",
		id, event_id, event_type, (long long)priority, endpoint_id, account_id);
	*made = !rc && n == 1;
	return rc;
}

/* At most this many leases are taken back per call (the next call, 5 s
 * later, goes on): a claim batch per runner that died. */
#define RECLAIM_MAX 1000
#define RECLAIM_WHERE "status = 'sending' AND lease_expires_at < NOW(3) " \
	"AND NOT (lease_owner <=> ?)"

hl_err
hl_delivery_reclaim_expired(struct hl_db *db, const char *owner, int *n)
{
	char (*ids)[HL_ID_MAX];
	struct hl_stmt *st = NULL;
	int nids = 0, i, r, taken = 0;
	hl_err rc;

	/* Same delivery id, same event id: the receiver sees the same
	 * webhook-id again and can deduplicate. Not the caller's own leases:
	 * the runner still holds those jobs (its lease ran out while MariaDB
	 * was away) and will record them; claimed again under the same
	 * owner, the first attempt's record would pass the compare-and-set
	 * of the second claim and settle the delivery while it is sent
	 * again. Other runners take them back once this one has gone.
	 *
	 * The claim index finds the deliveries in flight by its first column
	 * (few: a claim batch per runner); the lease's expiry is checked on
	 * each, with no index of its own to move at every claim (017). So
	 * the candidates are read without locks: an UPDATE over that range
	 * waited for every delivery in flight that a live runner's
	 * transaction held, and gave up on all of them at a lock wait
	 * timeout. Each is then taken back by its key, the condition checked
	 * again under its lock. */
	if (n)
		*n = 0;
	ids = calloc(RECLAIM_MAX, sizeof(*ids));
	if (!ids)
		return hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
	rc = hl_stmt_new(db, "SELECT id FROM deliveries WHERE " RECLAIM_WHERE " LIMIT ?", &st);
	if (!rc) {
		hl_stmt_str(st, 0, owner);
		hl_stmt_int(st, 1, RECLAIM_MAX);
		rc = hl_stmt_exec(st);
	}
	while (!rc && (r = hl_stmt_fetch(st)) != 0) {
		if (r < 0)
			rc = HL_ERR_DB;
		else if (nids < RECLAIM_MAX)
			hl_strlcpy(ids[nids++], hl_stmt_col(st, 0), HL_ID_MAX);
	}
	hl_stmt_free(st);
	st = NULL;
	if (!rc && nids)
		rc = hl_stmt_new(db, "UPDATE deliveries SET status = 'pending', lease_owner = NULL, "
			"lease_expires_at = NULL, next_attempt_at = NOW(3) WHERE id = ? AND "
			RECLAIM_WHERE, &st);
	if (!rc && nids)
		rc = hl_db_begin(db);
	for (i = 0; !rc && st && i < nids; i++) {
		hl_stmt_str(st, 0, ids[i]);
		hl_stmt_str(st, 1, owner);
		rc = hl_stmt_exec(st);
		if (!rc)
			taken += (int)hl_stmt_affected(st);
	}
	if (st) {
		if (!rc)
			rc = hl_db_commit(db);
		else
			hl_db_rollback(db);
		hl_stmt_free(st);
	}
	free(ids);
	if (n && !rc)
		*n = taken;
	return rc;
}

void
hl_job_clear(struct hl_job *job)
{
	free(job->url);
	free(job->body);
	hl_secret_free(job->secret);
	hl_secret_free(job->prev_secret);
	hl_secret_free(job->headers_json);
	free(job->retry_schedule);
	hl_secret_free(job->auth_json);
	hl_secret_free(job->ed25519_pem);
	hl_secret_free(job->oauth_token);
	free(job->oauth_sealed);
	hl_secret_free(job->encryption_key);
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

/* The body is built from the stored event the same way every time, so a
 * retry sends (and signs) exactly the same bytes. data is consumed. */
static hl_err
build_body(struct hl_job *job, const char *type, const char *created, json_object *data)
{
	json_object *o;
	const char *text;
	size_t len;

	if (!data)
		return hl_fail(HL_ERR_INTERNAL, NULL, "stored payload of %s is not JSON", job->event_id);
	o = json_object_new_object();
	hl_json_add_str(o, "type", type);
	hl_json_add_str(o, "timestamp", created);
	json_object_object_add(o, "data", data);   /* o owns data */
	text = json_object_to_json_string_length(o, HL_JSON_COMPACT, &len);
	job->body = malloc(len + 1);
	if (job->body) {
		memcpy(job->body, text, len + 1);
		job->bodylen = len;
	}
	json_object_put(o);
	return job->body ? HL_OK : hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
}

/* One job row: the endpoint's columns first (the same for a queued
 * delivery and for a test send, so both send exactly the same request),
 * then the delivery and event columns. */
#define JOB_COLUMNS "e.id, e.account_id, e.url, e.method, e.secret_sealed, " \
	"IF(e.prev_secret_expires_at > NOW(3), e.prev_secret_sealed, NULL), " \
	"IFNULL(e.timeout_ms, 0), e.headers_json, e.headers_sealed, e.retry_schedule, e.retry_base_s, " \
	"e.retry_cap_s, e.retry_max_attempts, e.auth_type, e.auth_sealed, e.ed25519_sealed, " \
	"e.batch_max, e.rate_limit, e.encryption_key_sealed, e.fifo"
enum job_col {
	JC_EP_ID, JC_ACCOUNT, JC_URL, JC_METHOD, JC_SECRET, JC_PREV_SECRET, JC_TIMEOUT,
	JC_HEADERS, JC_HEADERS_SEALED, JC_RETRY_SCHEDULE, JC_RETRY_BASE, JC_RETRY_CAP, JC_RETRY_MAX, JC_AUTH_TYPE,
	JC_AUTH, JC_ED25519, JC_BATCH_MAX, JC_RATE_LIMIT, JC_ENCRYPTION, JC_FIFO,
	/* ", d.id, d.event_id, d.attempts, ev.event_type, created, ev.payload" */
	JC_DELIVERY, JC_EVENT, JC_ATTEMPTS, JC_TYPE, JC_CREATED, JC_PAYLOAD,
	JC_ENABLED,                  /* claims only (load_sql) */
	JC__MAX
};

/* Fill job from a JOB_COLUMNS row. A test send passes its own event
 * type and payload (data, consumed); a delivery takes them from the row. */
static hl_err
job_from_row(struct hl_stmt *st, const struct hl_config *cfg, struct hl_job *job,
	const char *type, json_object *data)
{
	hl_err rc;

	hl_strlcpy(job->endpoint_id, hl_stmt_col(st, JC_EP_ID), sizeof(job->endpoint_id));
	hl_strlcpy(job->account_id, hl_stmt_col(st, JC_ACCOUNT), sizeof(job->account_id));
	if (!type) {
		hl_strlcpy(job->delivery_id, hl_stmt_col(st, JC_DELIVERY), sizeof(job->delivery_id));
		hl_strlcpy(job->event_id, hl_stmt_col(st, JC_EVENT), sizeof(job->event_id));
		job->attempt_no = (int)hl_stmt_colint(st, JC_ATTEMPTS) + 1;
		type = hl_stmt_col(st, JC_TYPE);
		data = json_tokener_parse(hl_stmt_col(st, JC_PAYLOAD));
	} else {
		job->attempt_no = 1;
	}
	hl_strlcpy(job->event_type, type, sizeof(job->event_type));
	job->url = hl_strdup_or_null(hl_stmt_col(st, JC_URL));
	hl_strlcpy(job->method, hl_stmt_col(st, JC_METHOD), sizeof(job->method));
	job->timeout_ms = hl_stmt_colint(st, JC_TIMEOUT);
	job->retry_schedule = hl_strdup_or_null(hl_stmt_col(st, JC_RETRY_SCHEDULE));
	job->retry_base_s = (long)hl_stmt_colint(st, JC_RETRY_BASE);
	job->retry_cap_s = (long)hl_stmt_colint(st, JC_RETRY_CAP);
	job->retry_max_attempts = (int)hl_stmt_colint(st, JC_RETRY_MAX);
	job->batch_max = (int)hl_stmt_colint(st, JC_BATCH_MAX);
	job->fifo = (int)hl_stmt_colint(st, JC_FIFO);
	job->rate_limit = (int)hl_stmt_colint(st, JC_RATE_LIMIT);
	hl_strlcpy(job->auth_type, hl_stmt_col(st, JC_AUTH_TYPE) ? hl_stmt_col(st, JC_AUTH_TYPE) :
		"none", sizeof(job->auth_type));
	if (!job->url) {
		json_object_put(data);
		return hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
	}
	rc = hl_config_unseal(cfg, hl_stmt_col(st, JC_SECRET), &job->secret);
	if (!rc && hl_stmt_col(st, JC_PREV_SECRET))
		rc = hl_config_unseal(cfg, hl_stmt_col(st, JC_PREV_SECRET), &job->prev_secret);
	if (!rc && hl_stmt_col(st, JC_AUTH))
		rc = hl_config_unseal(cfg, hl_stmt_col(st, JC_AUTH), &job->auth_json);
	if (!rc && hl_stmt_col(st, JC_ED25519))
		rc = hl_config_unseal(cfg, hl_stmt_col(st, JC_ED25519), &job->ed25519_pem);
	if (!rc && hl_stmt_col(st, JC_ENCRYPTION))
		rc = hl_config_unseal(cfg, hl_stmt_col(st, JC_ENCRYPTION), &job->encryption_key);
	/* Once per job, as the credentials: the sender reads the text. */
	if (!rc)
		rc = hl_endpoint_headers_open(cfg, hl_stmt_col(st, JC_HEADERS),
			hl_stmt_col(st, JC_HEADERS_SEALED), &job->headers_json);
	if (rc) {
		json_object_put(data);
		if (cfg->has_prev_master_key)
			return hl_fail(rc, NULL, "cannot unseal the secret of %s with "
				"Security.MasterKey or Security.PreviousMasterKey", job->endpoint_id);
		return hl_fail(rc, NULL, "cannot unseal the secret of %s: wrong Security.MasterKey? "
			"(if it was changed, Security.PreviousMasterKey must hold the one before)",
			job->endpoint_id);
	}
	hl_strlcpy(job->msg_id, job->event_id, sizeof(job->msg_id));
	return build_body(job, type, hl_stmt_col(st, JC_CREATED), data);
}

hl_err
hl_job_batch(struct hl_job **v, int n)
{
	json_object *arr, *one, *item;
	const char *text;
	char *body;
	size_t len;
	int i;
	hl_err rc = HL_OK;

	arr = json_object_new_array();
	for (i = 0; i < n && !rc; i++) {
		/* Each item is the delivery's own envelope with its event id first:
		 * receivers deduplicate per item, whatever batch it came in. */
		one = json_tokener_parse(v[i]->body);
		if (!one) {
			rc = hl_fail(HL_ERR_INTERNAL, NULL, "body of %s is not JSON", v[i]->event_id);
			break;
		}
		item = json_object_new_object();
		hl_json_add_str(item, "id", v[i]->event_id);
		json_object_object_foreach(one, k, val)
			json_object_object_add(item, k, json_object_get(val)); /* item holds a ref */
		json_object_put(one);
		json_object_array_add(arr, item);   /* arr owns item */
		v[i]->batch_next = i + 1 < n ? v[i + 1] : NULL;
	}
	if (!rc)
		rc = hl_id_new("msg", v[0]->msg_id);
	if (!rc) {
		text = json_object_to_json_string_length(arr, HL_JSON_COMPACT, &len);
		body = malloc(len + 1);
		if (!body) {
			rc = hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
		} else {
			memcpy(body, text, len + 1);
			free(v[0]->body);
			v[0]->body = body;
			v[0]->bodylen = len;
		}
	}
	json_object_put(arr);
	return rc;
}

hl_err
hl_job_load_test(struct hl_db *db, const struct hl_config *cfg, const char *account_id,
	const char *endpoint_id, const char *event_type, json_object *payload, struct hl_job *job)
{
	struct hl_stmt *st;
	hl_err rc;

	memset(job, 0, sizeof(*job));
	rc = hl_stmt_new(db, "SELECT " JOB_COLUMNS ", NULL, NULL, 0, NULL, "
		HL_SQL_TIME("NOW(3)") ", NULL FROM endpoints e WHERE e.id = ? AND e.account_id = ?", &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, endpoint_id);
	hl_stmt_str(st, 1, account_id);
	rc = hl_stmt_row(st, "webhook", endpoint_id);
	if (rc)
		goto out;
	rc = hl_id_new("evt", job->event_id);
	if (!rc)
		rc = job_from_row(st, cfg, job, event_type, json_object_get(payload));
	/* A batch endpoint always receives arrays: a test send is a batch of one. */
	if (!rc && job->batch_max > 1)
		rc = hl_job_batch(&job, 1);
	/* OAuth: the token the runner would use (or why there is none). */
	if (!rc)
		rc = hl_oauth_prepare(db, cfg, job);
out:
	hl_stmt_free(st);
	if (rc)
		hl_job_clear(job);
	return rc;
}

/* Fixed sizes of IN lists and multi-row statements: four constant texts
 * per statement, prepared once per runner, cover any batch; unused
 * places are padded (NULL in IN lists and joins, a repeat of the last row
 * in inserts). */
enum group { G_1, G_8, G_32, G_128, G__MAX };
static const int group_size[G__MAX] = { 1, 8, 32, 128 };
#define GROUP_MAX 128
#define P8 "?,?,?,?,?,?,?,?"
#define P32 P8 "," P8 "," P8 "," P8
#define P128 P32 "," P32 "," P32 "," P32
#define IN_LISTS(pre, post) { pre "?" post, pre P8 post, pre P32 post, pre P128 post }

static enum group
group_for(int n)
{
	enum group g;

	for (g = G_1; g < G_128; g++)
		if (group_size[g] >= n)
			break;
	return g;
}

/* The group for the next chunk of a batch with left items; returns how
 * many items that chunk takes. */
static int
group_chunk(int left, enum group *g)
{
	*g = group_for(left);
	return left < group_size[*g] ? left : group_size[*g];
}

static const char *const lease_sql[G__MAX] = IN_LISTS("UPDATE deliveries SET status = 'sending', "
	"lease_owner = ?, lease_expires_at = NOW(3) + INTERVAL ? SECOND WHERE id IN (", ")");
/* The claimed deliveries by their primary key, each event and endpoint
 * looked up by its own: the rows then come in the key's order and the
 * ORDER BY costs nothing. Left to itself, with few endpoints or events
 * (or statistics of a young table) MariaDB scanned one of them into a
 * join buffer first, and sorted every batch in a temporary table, on
 * disk since the payload is TEXT (test_runner_claim_plan.py reads the
 * plan). */
static const char *const load_sql[G__MAX] = IN_LISTS("SELECT " JOB_COLUMNS ", d.id, d.event_id, "
	"d.attempts, ev.event_type, " HL_SQL_TIME("ev.created_at") ", ev.payload, e.enabled "
	"FROM deliveries d FORCE INDEX (PRIMARY) "
	"STRAIGHT_JOIN events ev FORCE INDEX (PRIMARY) ON ev.id = d.event_id "
	"STRAIGHT_JOIN endpoints e FORCE INDEX (PRIMARY) ON e.id = d.endpoint_id "
	"WHERE d.id IN (", ") ORDER BY d.id");
/* Which of the finished deliveries still exist, and which does this
 * runner still hold? Locked until the commit, so the compare-and-set
 * below cannot race and none is deleted before its attempt is stored. */
static const char *const held_sql[G__MAX] = IN_LISTS("SELECT id, "
	"lease_owner <=> ? AND status = 'sending' FROM deliveries WHERE id IN (", ") FOR UPDATE");
static const char *const health_sql[G__MAX] = IN_LISTS("SELECT id, consecutive_failures, "
	"IFNULL(first_failure_at <= NOW(3) - INTERVAL ? SECOND, 0) FROM endpoints WHERE id IN (",
	") FOR UPDATE");

#define ATT_ROW "(?, ?, ?, ?, ?, FROM_UNIXTIME(? / 1000), ?, ?, ?, ?, ?, ?, ?, ?)"
#define ATT_PARAMS 14
#define ATT_R4 ATT_ROW "," ATT_ROW "," ATT_ROW "," ATT_ROW
#define ATT_R8 ATT_R4 "," ATT_R4
#define ATT_R32 ATT_R8 "," ATT_R8 "," ATT_R8 "," ATT_R8
#define ATT_R128 ATT_R32 "," ATT_R32 "," ATT_R32 "," ATT_R32
#define ATT_HEAD "INSERT INTO delivery_attempts (id, delivery_id, account_id, endpoint_id, " \
	"attempt_no, started_at, duration_ms, request_url, request_headers, response_status, " \
	"response_headers, response_body, error_class, error_message) VALUES "
/* Padding rows repeat the last row: its key makes them no-ops. */
#define ATT_TAIL " ON DUPLICATE KEY UPDATE id = id"
static const char *const attempts_sql[G__MAX] = {
	ATT_HEAD ATT_ROW ATT_TAIL, ATT_HEAD ATT_R8 ATT_TAIL,
	ATT_HEAD ATT_R32 ATT_TAIL, ATT_HEAD ATT_R128 ATT_TAIL,
};

/* Delivery compare-and-set for a whole group: a derived table of
 * (id, status, delay, code, class, started ms) joined on the id; padding
 * rows have a NULL id and match nothing. */
#define DONE_FIRST "SELECT ? AS id, ? AS st, ? AS delay, ? AS code, ? AS cls, ? AS ms"
#define DONE_NEXT " UNION ALL SELECT ?, ?, ?, ?, ?, ?"
#define DONE_PARAMS 6
#define DONE_N4 DONE_NEXT DONE_NEXT DONE_NEXT DONE_NEXT
#define DONE_N8 DONE_N4 DONE_N4
#define DONE_N32 DONE_N8 DONE_N8 DONE_N8 DONE_N8
#define DONE_HEAD "UPDATE deliveries d JOIN ("
#define DONE_TAIL ") v ON d.id = v.id SET d.status = v.st, d.attempts = d.attempts + 1, " \
	"d.next_attempt_at = IF(v.st = 'pending', NOW(3) + INTERVAL v.delay SECOND, " \
	"d.next_attempt_at), d.completed_at = IF(v.st IN ('succeeded', 'dead'), NOW(3), NULL), " \
	"d.lease_owner = NULL, d.lease_expires_at = NULL, d.last_status_code = v.code, " \
	"d.last_error_class = v.cls, d.last_attempt_at = FROM_UNIXTIME(v.ms / 1000) " \
	"WHERE d.lease_owner = ? AND d.status = 'sending'"
static const char *const done_sql[G__MAX] = {
	DONE_HEAD DONE_FIRST DONE_TAIL,
	DONE_HEAD DONE_FIRST DONE_N4 DONE_NEXT DONE_NEXT DONE_NEXT DONE_TAIL,
	DONE_HEAD DONE_FIRST DONE_N8 DONE_N8 DONE_N8 DONE_N4 DONE_NEXT DONE_NEXT DONE_NEXT DONE_TAIL,
	DONE_HEAD DONE_FIRST DONE_N32 DONE_N32 DONE_N32 DONE_N8 DONE_N8 DONE_N8 DONE_N4
		DONE_NEXT DONE_NEXT DONE_NEXT DONE_TAIL,
};

/* Rate limits: a claim may send the endpoint's deliveries only while the
 * slots taken in the last RATE_WINDOW_MS stay within rate_limit. The
 * window is a little longer than a second so that the jitter between
 * claiming and the request reaching the receiver cannot put two windows'
 * worth into one second as the receiver sees it. */
#define RATE_WINDOW_MS 1100
/* Deliveries that got no slot go back to the queue, unsent and uncounted. */
static const char *const defer_sql[G__MAX] = IN_LISTS("UPDATE deliveries SET status = 'pending', "
	"lease_owner = NULL, lease_expires_at = NULL, next_attempt_at = FROM_UNIXTIME(? / 1000) "
	"WHERE lease_owner = ? AND status = 'sending' AND id IN (", ")");

struct hl_dq {
	struct hl_db *db;
	const struct hl_config *cfg;
	char owner[64];
	unsigned generation;
	struct hl_stmt *pick, *pick_after, *pick_higher, *extend, *health_update;
	struct hl_stmt *lease[G__MAX], *load[G__MAX], *held[G__MAX], *health[G__MAX];
	/* Claimed, not loaded, and not yet given back (hl_dq_claim). */
	char (*orphans)[HL_ID_MAX];
	int norphans, orphans_cap;
	struct hl_stmt *attempts[G__MAX], *done[G__MAX];
	struct hl_stmt *rate_lock, *rate_sum, *rate_take, *rate_trim, *defer[G__MAX];
	/* Where the last claim stopped in the claim index (see hl_dq_claim). */
	struct {
		int valid;
		long long priority;
		char next_at[32];
		char id[HL_ID_MAX];
		long long since_ms;       /* when the scan last started at the top */
		unsigned fifo_seen;       /* fifo_finished when the cursor was set */
	} cursor;
};

static void
dq_drop(struct hl_dq *q)
{
	int g;

	hl_stmt_free(q->pick);
	hl_stmt_free(q->pick_after);
	hl_stmt_free(q->pick_higher);
	hl_stmt_free(q->extend);
	hl_stmt_free(q->health_update);
	q->pick = q->pick_after = q->pick_higher = q->extend = q->health_update = NULL;
	hl_stmt_free(q->rate_lock);
	hl_stmt_free(q->rate_sum);
	hl_stmt_free(q->rate_take);
	hl_stmt_free(q->rate_trim);
	q->rate_lock = q->rate_sum = q->rate_take = q->rate_trim = NULL;
	for (g = 0; g < G__MAX; g++) {
		hl_stmt_free(q->defer[g]);
		q->defer[g] = NULL;
		hl_stmt_free(q->lease[g]);
		hl_stmt_free(q->load[g]);
		hl_stmt_free(q->held[g]);
		hl_stmt_free(q->health[g]);
		hl_stmt_free(q->attempts[g]);
		hl_stmt_free(q->done[g]);
		q->lease[g] = q->load[g] = q->held[g] = q->health[g] = NULL;
		q->attempts[g] = q->done[g] = NULL;
	}
}

/* Statements die with their connection: prepare again after a reconnect. */
static void
dq_check(struct hl_dq *q)
{
	if (q->generation != hl_db_generation(q->db)) {
		dq_drop(q);
		q->generation = hl_db_generation(q->db);
	}
}

static hl_err
dq_stmt(struct hl_dq *q, struct hl_stmt **slot, const char *sql)
{
	if (*slot)
		return HL_OK;
	return hl_stmt_new(q->db, sql, slot);
}

hl_err
hl_dq_new(struct hl_db *db, const struct hl_config *cfg, const char *owner, struct hl_dq **out)
{
	struct hl_dq *q = calloc(1, sizeof(*q));

	*out = NULL;
	if (!q)
		return hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
	q->db = db;
	q->cfg = cfg;
	hl_strlcpy(q->owner, owner, sizeof(q->owner));
	q->generation = hl_db_generation(db);
	*out = q;
	return HL_OK;
}

void
hl_dq_free(struct hl_dq *q)
{
	if (!q)
		return;
	dq_drop(q);
	free(q->orphans);
	free(q);
}

/* Bind ids[0..n) at first.. and NULL in the rest of a group of size. */
static void
bind_ids(struct hl_stmt *st, unsigned first, int size, const char (*ids)[HL_ID_MAX], int n)
{
	int i;

	for (i = 0; i < size; i++)
		hl_stmt_str(st, first + (unsigned)i, i < n ? ids[i] : NULL);
}

/* Take leases on ids (inside the claim transaction). */
static hl_err
dq_lease(struct hl_dq *q, const char (*ids)[HL_ID_MAX], int n)
{
	enum group g;
	int done, k;
	hl_err rc = HL_OK;

	for (done = 0; !rc && done < n; done += k) {
		k = group_chunk(n - done, &g);
		rc = dq_stmt(q, &q->lease[g], lease_sql[g]);
		if (rc)
			break;
		hl_stmt_str(q->lease[g], 0, q->owner);
		hl_stmt_int(q->lease[g], 1, q->cfg->lease_seconds);
		bind_ids(q->lease[g], 2, group_size[g], ids + done, k);
		rc = hl_stmt_exec(q->lease[g]);
	}
	return rc;
}

/* Load the jobs of ids into jobs[*njobs..]; a job that cannot be loaded
 * is logged and left to its lease (never sent unsigned). */
static void pause_claimed(struct hl_dq *q, const char *delivery_id);
static void release_ids(struct hl_dq *q, const char (*ids)[HL_ID_MAX], int n);

static hl_err
dq_load(struct hl_dq *q, const char (*ids)[HL_ID_MAX], int n, struct hl_job *jobs, int *njobs)
{
	struct hl_stmt *st;
	enum group g;
	int done, k, r;
	hl_err rc = HL_OK;

	for (done = 0; !rc && done < n; done += k) {
		k = group_chunk(n - done, &g);
		rc = dq_stmt(q, &q->load[g], load_sql[g]);
		if (rc)
			break;
		st = q->load[g];
		bind_ids(st, 0, group_size[g], ids + done, k);
		rc = hl_stmt_exec(st);
		while (!rc && *njobs < n && (r = hl_stmt_fetch(st)) != 0) {
			struct hl_job *job = &jobs[*njobs];

			if (r < 0) {
				rc = HL_ERR_DB;
				break;
			}
			/* Disabled since it was queued (a failure or a lease taken
			 * back made it pending again): paused, not sent. */
			if (!hl_stmt_colint(st, JC_ENABLED)) {
				pause_claimed(q, hl_stmt_col(st, JC_DELIVERY));
				continue;
			}
			/* A job that cannot be built (a secret that does not
			 * unseal, a payload that is not JSON) is an attempt that
			 * failed: recorded, retried and dead in the end, not
			 * claimed again and again unseen. */
			if (job_from_row(st, q->cfg, job, NULL, NULL)) {
				hl_log(HL_LOG_ERROR, "delivery %s: %s", hl_stmt_col(st, JC_DELIVERY),
					hl_errmsg());
				hl_strlcpy(job->setup_error, hl_errmsg(), sizeof(job->setup_error));
				hl_strlcpy(job->delivery_id, hl_stmt_col(st, JC_DELIVERY),
					sizeof(job->delivery_id));
				if (!job->url)
					job->url = hl_strdup_or_null(hl_stmt_col(st, JC_URL));
			}
			(*njobs)++;
		}
	}
	return rc;
}

/* A claimed delivery whose endpoint is disabled: paused, if the endpoint
 * still is disabled (re-enabling moves paused deliveries back to
 * pending; the join makes the two exclude each other), else given back. */
static void
pause_claimed(struct hl_dq *q, const char *delivery_id)
{
	unsigned long long n = 0;

	char id[1][HL_ID_MAX];

	if (hl_db_exec(q->db, &n, "UPDATE deliveries d JOIN endpoints e ON e.id = d.endpoint_id "
	    "SET d.status = 'paused', d.lease_owner = NULL, d.lease_expires_at = NULL "
	    "WHERE d.id = ? AND d.lease_owner = ? AND d.status = 'sending' AND e.enabled = 0",
	    "ss", delivery_id, q->owner) || n == 0) {
		hl_strlcpy(id[0], delivery_id, HL_ID_MAX);
		release_ids(q, (const char (*)[HL_ID_MAX])id, 1);
	}
}

/* Take up to want slots of endpoint_id (inside the caller's transaction):
 * *got slots now, and *next_ms (database clock, unix ms) is when the
 * window next has room. The slot-0 row of the endpoint is its lock: every
 * runner takes it first, so reading the window and adding to it cannot
 * interleave, and only this code locks these rows (no deadlocks with the
 * queue's own locks). */
static hl_err
rate_take(struct hl_dq *q, const char *endpoint_id, int limit, int want, int *got,
	long long *next_ms)
{
	long long now_ms, used, oldest;
	hl_err rc;

	*got = 0;
	*next_ms = 0;
	rc = dq_stmt(q, &q->rate_lock, "INSERT INTO endpoint_rate_slots (endpoint_id, slot, used) "
		"VALUES (?, 0, 0) ON DUPLICATE KEY UPDATE used = used");
	if (!rc)
		rc = dq_stmt(q, &q->rate_sum, "SELECT CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED), "
			"IFNULL(SUM(used), 0), MIN(slot) FROM endpoint_rate_slots WHERE endpoint_id = ? "
			"AND slot > CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED) - ?");
	if (!rc)
		rc = dq_stmt(q, &q->rate_take, "INSERT INTO endpoint_rate_slots (endpoint_id, slot, "
			"used) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE used = used + VALUES(used)");
	if (!rc)
		rc = dq_stmt(q, &q->rate_trim, "DELETE FROM endpoint_rate_slots "
			"WHERE endpoint_id = ? AND slot > 0 AND slot <= ?");
	if (rc)
		return rc;
	hl_stmt_str(q->rate_lock, 0, endpoint_id);
	rc = hl_stmt_exec(q->rate_lock);
	if (rc)
		return rc;
	hl_stmt_str(q->rate_sum, 0, endpoint_id);
	hl_stmt_int(q->rate_sum, 1, RATE_WINDOW_MS);
	rc = hl_stmt_exec(q->rate_sum);
	if (rc)
		return rc;
	if (hl_stmt_fetch(q->rate_sum) <= 0)
		return hl_fail(HL_ERR_DB, NULL, "rate limit window of %s not readable", endpoint_id);
	now_ms = hl_stmt_colint(q->rate_sum, 0);
	used = hl_stmt_colint(q->rate_sum, 1);
	oldest = hl_stmt_colnull(q->rate_sum, 2) ? now_ms : hl_stmt_colint(q->rate_sum, 2);
	while (hl_stmt_fetch(q->rate_sum) > 0)
		;
	if (used < limit)
		*got = want < limit - used ? want : (int)(limit - used);
	if (*got > 0) {
		hl_stmt_str(q->rate_take, 0, endpoint_id);
		hl_stmt_int(q->rate_take, 1, now_ms);
		hl_stmt_int(q->rate_take, 2, *got);
		rc = hl_stmt_exec(q->rate_take);
	}
	/* The oldest slot leaving the window makes room. */
	*next_ms = oldest + RATE_WINDOW_MS + 1;
	if (!rc) {
		hl_stmt_str(q->rate_trim, 0, endpoint_id);
		hl_stmt_int(q->rate_trim, 1, now_ms - RATE_WINDOW_MS);
		rc = hl_stmt_exec(q->rate_trim);
	}
	return rc;
}

/* Give the deliveries ids back to the queue, due at next_ms. */
static hl_err
dq_defer(struct hl_dq *q, const char (*ids)[HL_ID_MAX], int n, long long next_ms)
{
	enum group g;
	int done, k;
	hl_err rc = HL_OK;

	for (done = 0; !rc && done < n; done += k) {
		k = group_chunk(n - done, &g);
		rc = dq_stmt(q, &q->defer[g], defer_sql[g]);
		if (rc)
			break;
		hl_stmt_int(q->defer[g], 0, next_ms);
		hl_stmt_str(q->defer[g], 1, q->owner);
		bind_ids(q->defer[g], 2, group_size[g], ids + done, k);
		rc = hl_stmt_exec(q->defer[g]);
	}
	return rc;
}

/* Keep of the claimed jobs only those whose endpoint has room under its
 * rate limit; the others go back to the queue (same delivery, no attempt
 * counted) due when their endpoint's window has room again. Endpoints
 * without a limit cost nothing here. Endpoints are taken in id order so
 * two runners never wait on each other's slot locks in a cycle. */
static void
dq_rate_limit(struct hl_dq *q, struct hl_job *jobs, int *njobs)
{
	char (*eps)[HL_ID_MAX] = NULL, (*ids)[HL_ID_MAX] = NULL;
	int *keep = NULL, n = *njobs, neps = 0, nids, i, j, e, w, want, got, limit;
	long long next_ms;
	hl_err rc = HL_OK;

	for (i = 0; i < n && jobs[i].rate_limit <= 0; i++)
		;
	if (n <= 0 || i == n)
		return;
	eps = calloc((size_t)n, sizeof(*eps));
	ids = calloc((size_t)n, sizeof(*ids));
	keep = calloc((size_t)n, sizeof(*keep));
	if (!eps || !ids || !keep) {
		rc = hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (jobs[i].rate_limit <= 0) {
			keep[i] = 1;
			continue;
		}
		for (e = 0; e < neps && strcmp(eps[e], jobs[i].endpoint_id) < 0; e++)
			;
		if (e < neps && !strcmp(eps[e], jobs[i].endpoint_id))
			continue;
		memmove(eps + e + 1, eps + e, (size_t)(neps - e) * sizeof(*eps));
		hl_strlcpy(eps[e], jobs[i].endpoint_id, HL_ID_MAX);
		neps++;
	}
	rc = hl_db_begin(q->db);
	for (e = 0; !rc && e < neps; e++) {
		want = 0;
		limit = 0;
		for (i = 0; i < n; i++)
			if (!strcmp(jobs[i].endpoint_id, eps[e])) {
				want++;
				limit = jobs[i].rate_limit;
			}
		rc = rate_take(q, eps[e], limit, want, &got, &next_ms);
		nids = 0;
		/* Jobs are in delivery id order: the oldest go first. */
		for (i = 0; !rc && i < n; i++) {
			if (strcmp(jobs[i].endpoint_id, eps[e]))
				continue;
			if (got > 0) {
				keep[i] = 1;
				got--;
			} else {
				hl_strlcpy(ids[nids++], jobs[i].delivery_id, HL_ID_MAX);
			}
		}
		if (!rc && nids)
			rc = dq_defer(q, (const char (*)[HL_ID_MAX])ids, nids, next_ms);
	}
	if (!rc)
		rc = hl_db_commit(q->db);
	else
		hl_db_rollback(q->db);
out:
	if (rc) {
		/* No slot was taken: nothing limited may go out; its leases are
		 * given back for a later claim. */
		hl_log(HL_LOG_ERROR, "rate limit: %s", hl_errmsg());
		for (i = 0; i < n; i++)
			if (jobs[i].rate_limit > 0) {
				if (keep)
					keep[i] = 0;
				hl_delivery_release(q->db, q->owner, jobs[i].delivery_id);
			}
	}
	for (i = 0, w = 0; i < n; i++) {
		if (keep ? keep[i] : jobs[i].rate_limit <= 0) {
			if (w != i)
				jobs[w] = jobs[i];
			w++;
		} else {
			hl_job_clear(&jobs[i]);
		}
	}
	for (j = w; j < n; j++)
		memset(&jobs[j], 0, sizeof(jobs[j]));
	*njobs = w;
	free(eps);
	free(ids);
	free(keep);
}

/* The claim's locking read. FIFO endpoints: a delivery waits while an
 * earlier one of the same endpoint is unfinished (any state but succeeded
 * or dead), and while any other one is being sent (a dead one retried by
 * hand is earlier than the one in flight, and would go out beside it:
 * FIFO is one request at a time). The subqueries are plain reads: only the claimed rows are
 * locked. The ORDER BY leaves out the index's first column (status, fixed
 * by the WHERE): naming it made MariaDB sort every due row (filesort)
 * under the connection's collation, 10-20 ms per claim with thousands due
 * (tests/system/test_runner_claim_plan.py reads the plan). */
#define PICK_HEAD "SELECT d.id, d.priority, CAST(d.next_attempt_at AS CHAR) " \
	"FROM deliveries d FORCE INDEX (deliveries_claim) " \
	"WHERE d.status = 'pending' AND d.next_attempt_at <= NOW(3) " \
	"AND (? IS NULL OR d.account_id = ?) "
#define PICK_FIFO "AND NOT EXISTS (SELECT 1 FROM endpoints e WHERE e.id = d.endpoint_id " \
	"AND e.fifo = 1 AND EXISTS (SELECT 1 FROM deliveries p WHERE p.endpoint_id = d.endpoint_id " \
	"AND (p.status = 'sending' OR (p.status IN ('pending', 'paused') AND p.id < d.id)))) "
#define PICK_TAIL PICK_FIFO \
	"ORDER BY d.priority DESC, d.next_attempt_at, d.id LIMIT ? FOR UPDATE SKIP LOCKED"
/* Is anything of a higher priority than the cursor's due? A plain read of
 * the start of the pending range, which holds nothing (or what was claimed
 * of higher priorities: few) while the cursor is in the lowest priority. */
#define PICK_HIGHER "SELECT 1 FROM deliveries d FORCE INDEX (deliveries_claim) " \
	"WHERE d.status = 'pending' AND d.priority > ? AND d.next_attempt_at <= NOW(3) " \
	"AND (? IS NULL OR d.account_id = ?) " PICK_FIFO "LIMIT 1"
/* The same read starting after the cursor (a seek in the claim index). */
#define PICK_AFTER "AND (d.priority < ? OR (d.priority = ? AND (d.next_attempt_at > ? " \
	"OR (d.next_attempt_at = ? AND d.id > ?)))) "

/* How long claims may continue from the cursor before one starts at the
 * top of the claim index again. */
#define CURSOR_MS 1000

/* Counts FIFO deliveries this process finished (succeeded or dead): the
 * next one of that endpoint becomes claimable, and it sorts before any
 * cursor (it was published earlier), so the next claim starts at the top.
 * Shared by the runner's claiming and recording threads. */
static atomic_uint fifo_finished;

/* Every claim moves its rows out of the 'pending' part of the claim index,
 * leaving delete-marked entries there until InnoDB's purge removes them,
 * which lags behind a busy queue: a read from the top of the index steps
 * over all of them, and with a backlog each claim got slower than the last
 * (0.6 ms -> 5 ms per batch over 8,000 deliveries). So a claim continues
 * where the previous one stopped (new work sorts after it: a publish, a
 * retry and a reclaimed lease are due at a later time than anything
 * claimed before) and starts at the top again when the continuation comes
 * back short or after CURSOR_MS, for what sorts before the cursor
 * (released and resumed deliveries); at once when a higher priority than
 * the cursor's is due (checked before each continuation); and at once
 * after a FIFO delivery finished, since its successor was passed over. */
static int
higher_priority_due(struct hl_dq *q, const char *account_id)
{
	int r;

	if (dq_stmt(q, &q->pick_higher, PICK_HIGHER))
		return 1;
	hl_stmt_int(q->pick_higher, 0, q->cursor.priority);
	hl_stmt_str(q->pick_higher, 1, account_id);
	hl_stmt_str(q->pick_higher, 2, account_id);
	if (hl_stmt_exec(q->pick_higher))
		return 1;
	r = hl_stmt_fetch(q->pick_higher);
	/* Read to the end: the statement is reused. */
	while (r > 0 && hl_stmt_fetch(q->pick_higher) > 0)
		;
	return r != 0;
}

static hl_err
dq_pick(struct hl_dq *q, const char *account_id, int max, char (*ids)[HL_ID_MAX], int *nout)
{
	struct hl_stmt *st;
	long long now = hl_now_ms();
	unsigned fifo = atomic_load(&fifo_finished);
	int after = q->cursor.valid && now - q->cursor.since_ms < CURSOR_MS &&
		fifo == q->cursor.fifo_seen, n = 0, r;
	hl_err rc;

	q->cursor.fifo_seen = fifo;
	if (after && higher_priority_due(q, account_id))
		after = 0;
	rc = after ? dq_stmt(q, &q->pick_after, PICK_HEAD PICK_AFTER PICK_TAIL)
		: dq_stmt(q, &q->pick, PICK_HEAD PICK_TAIL);
	if (rc)
		return rc;
	st = after ? q->pick_after : q->pick;
	hl_stmt_str(st, 0, account_id);
	hl_stmt_str(st, 1, account_id);
	if (after) {
		hl_stmt_int(st, 2, q->cursor.priority);
		hl_stmt_int(st, 3, q->cursor.priority);
		hl_stmt_str(st, 4, q->cursor.next_at);
		hl_stmt_str(st, 5, q->cursor.next_at);
		hl_stmt_str(st, 6, q->cursor.id);
	}
	hl_stmt_int(st, after ? 7 : 2, max);
	rc = hl_stmt_exec(st);
	while (!rc && n < max && (r = hl_stmt_fetch(st)) != 0) {
		if (r < 0) {
			rc = HL_ERR_DB;
			break;
		}
		hl_strlcpy(ids[n++], hl_stmt_col(st, 0), HL_ID_MAX);
		q->cursor.priority = hl_stmt_colint(st, 1);
		hl_strlcpy(q->cursor.next_at, hl_stmt_col(st, 2), sizeof(q->cursor.next_at));
	}
	if (rc)
		return rc;
	if (n < max) {
		q->cursor.valid = 0;
	} else {
		hl_strlcpy(q->cursor.id, ids[n - 1], HL_ID_MAX);
		if (!after)
			q->cursor.since_ms = now;
		q->cursor.valid = 1;
	}
	*nout = n;
	return HL_OK;
}

/* Give claimed deliveries back; those that cannot be given back now
 * (MariaDB away) are kept and tried again before the next claim. */
static void
release_ids(struct hl_dq *q, const char (*ids)[HL_ID_MAX], int n)
{
	char (*grown)[HL_ID_MAX];
	int i;

	for (i = 0; i < n; i++) {
		if (!hl_delivery_release(q->db, q->owner, ids[i]))
			continue;
		if (q->norphans == q->orphans_cap) {
			int cap = q->orphans_cap ? 2 * q->orphans_cap : 64;

			grown = realloc(q->orphans, (size_t)cap * sizeof(*grown));
			if (!grown) {
				hl_log(HL_LOG_ERROR, "delivery %s stays leased until the runner exits",
					ids[i]);
				continue;
			}
			q->orphans = grown;
			q->orphans_cap = cap;
		}
		hl_strlcpy(q->orphans[q->norphans++], ids[i], HL_ID_MAX);
	}
}

static void
retry_orphans(struct hl_dq *q)
{
	int i, kept = 0;

	for (i = 0; i < q->norphans; i++)
		if (hl_delivery_release(q->db, q->owner, q->orphans[i]))
			memmove(q->orphans[kept++], q->orphans[i], HL_ID_MAX);
	q->norphans = kept;
}

hl_err
hl_dq_claim(struct hl_dq *q, const char *account_id, int max, struct hl_job **jobs_out,
	int *njobs, int *picked)
{
	struct hl_job *jobs;
	char (*ids)[HL_ID_MAX] = NULL;
	char msg[300];
	int n = 0;
	hl_err rc;

	*jobs_out = NULL;
	*njobs = 0;
	*picked = 0;
	dq_check(q);
	retry_orphans(q);
	jobs = calloc((size_t)max, sizeof(*jobs));
	ids = calloc((size_t)max, sizeof(*ids));
	if (!jobs || !ids) {
		free(jobs);
		free(ids);
		return hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
	}
	rc = hl_db_begin(q->db);
	if (rc)
		goto out;
	rc = dq_pick(q, account_id, max, ids, &n);
	if (!rc && n)
		rc = dq_lease(q, (const char (*)[HL_ID_MAX])ids, n);
	if (rc || n == 0) {
		/* Nothing claimed: the next claim must not skip these rows. */
		if (rc)
			q->cursor.valid = 0;
		hl_db_rollback(q->db);
		goto out;
	}
	rc = hl_db_commit(q->db);
	if (rc) {
		/* Undone, or its outcome unknown: these rows were not claimed,
		 * and the next claim must not step past them. */
		q->cursor.valid = 0;
		goto out;
	}
	*picked = n;
	rc = dq_load(q, (const char (*)[HL_ID_MAX])ids, n, jobs, njobs);
	if (rc) {
		/* Leased and not loaded (MariaDB went away): given back, or
		 * the lease renewal would keep them for the whole window. */
		hl_strlcpy(msg, hl_errmsg(), sizeof(msg));
		release_ids(q, (const char (*)[HL_ID_MAX])ids, n);
		hl_fail(rc, NULL, "%s", msg);
		goto out;
	}
	dq_rate_limit(q, jobs, njobs);
out:
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
	rc = hl_delivery_set_paused(db, job->endpoint_id, 1, NULL);
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
	if (hl_publish(db, note->job->account_id, note_types[note->kind], payload, NULL, 0, &out))
		hl_log(HL_LOG_WARN, "could not publish %s for %s: %s", note_types[note->kind],
			note->job->endpoint_id, hl_errmsg());
	json_object_put(out);
	json_object_put(payload);
}

/* What a batch did to one endpoint, applied in one UPDATE per endpoint. */
struct ep_health {
	const struct hl_job *job;     /* its last attempt in the batch */
	int failures;                 /* consecutive failures (from the row, then replayed) */
	int overdue;                  /* failing since longer than DisableAfterSeconds */
	int any_success, recovered, gone;
};

static struct ep_health *
ep_find(struct ep_health *eps, int n, const char *endpoint_id)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(eps[i].job->endpoint_id, endpoint_id))
			return &eps[i];
	return NULL;
}

/* Step 1: lock the deliveries that still exist (exists[i]) and see which
 * this runner still holds (held[i]). */
static hl_err
rec_held(struct hl_dq *q, struct hl_attempt *a, int n, const char (*ids)[HL_ID_MAX],
	int *exists, int *held)
{
	struct hl_stmt *st;
	enum group g;
	int done, k, r, i;
	hl_err rc = HL_OK;

	for (done = 0; !rc && done < n; done += k) {
		k = group_chunk(n - done, &g);
		rc = dq_stmt(q, &q->held[g], held_sql[g]);
		if (rc)
			break;
		st = q->held[g];
		hl_stmt_str(st, 0, q->owner);
		bind_ids(st, 1, group_size[g], ids + done, k);
		rc = hl_stmt_exec(st);
		while (!rc && (r = hl_stmt_fetch(st)) != 0) {
			if (r < 0) {
				rc = HL_ERR_DB;
				break;
			}
			for (i = done; i < done + k; i++)
				if (!strcmp(a[i].job->delivery_id, hl_stmt_col(st, 0))) {
					exists[i] = 1;
					held[i] = hl_stmt_colint(st, 1) != 0;
				}
		}
	}
	return rc;
}

static void
bind_attempt(struct hl_stmt *st, unsigned p, const struct hl_attempt *a, const char *id)
{
	const struct hl_job *job = a->job;

	hl_stmt_str(st, p + 0, id);
	hl_stmt_str(st, p + 1, job->delivery_id);
	hl_stmt_str(st, p + 2, job->account_id);
	hl_stmt_str(st, p + 3, job->endpoint_id);
	hl_stmt_int(st, p + 4, job->attempt_no);
	hl_stmt_int(st, p + 5, a->started_ms);
	hl_stmt_int(st, p + 6, a->duration_ms);
	hl_stmt_str(st, p + 7, job->url ? job->url : "");
	hl_stmt_str(st, p + 8, a->request_headers ? a->request_headers : "{}");
	if (a->status)
		hl_stmt_int(st, p + 9, a->status);
	else
		hl_stmt_null(st, p + 9);
	hl_stmt_str(st, p + 10, a->response_headers);
	hl_stmt_str(st, p + 11, a->response_body);
	hl_stmt_str(st, p + 12, a->error_class);
	hl_stmt_str(st, p + 13, a->error_class ? a->error_message : NULL);
}

/* Step 2: the attempt of every delivery that exists is stored, held or
 * not (multi-row inserts). A delivery deleted meanwhile (its endpoint or
 * account was) has nothing to record against. */
static hl_err
rec_attempts(struct hl_dq *q, struct hl_attempt *a, int n, const int *exists)
{
	int idx[GROUP_MAX], k = 0, i, j;
	enum group g;
	hl_err rc = HL_OK;

	for (i = 0; !rc && i <= n; i++) {
		if (i < n && exists[i])
			idx[k++] = i;
		if (k == 0 || (k < GROUP_MAX && i < n))
			continue;
		g = group_for(k);
		rc = dq_stmt(q, &q->attempts[g], attempts_sql[g]);
		if (rc)
			break;
		for (j = 0; j < group_size[g]; j++) {
			int x = idx[j < k ? j : k - 1];

			bind_attempt(q->attempts[g], (unsigned)(j * ATT_PARAMS), &a[x], a[x].id);
		}
		rc = hl_stmt_exec(q->attempts[g]);
		k = 0;
	}
	return rc;
}

/* A try again (the attempts have their ids from an earlier try): did
 * that try's commit go through, its answer lost with the connection? A
 * transaction commits whole, so one row of it tells. */
static hl_err
rec_done_before(struct hl_dq *q, const struct hl_attempt *a, int n, const int *exists,
	int *done)
{
	struct hl_stmt *st;
	int i;
	hl_err rc;

	*done = 0;
	for (i = 0; i < n && !exists[i]; i++)
		;
	if (i == n)
		return HL_OK;
	rc = hl_stmt_new(q->db, "SELECT 1 FROM delivery_attempts WHERE id = ?", &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, a[i].id);
	rc = hl_stmt_first(st, done);
	hl_stmt_free(st);
	return rc;
}

/* Step 3: compare-and-set the held deliveries to their next state. */
static hl_err
rec_deliveries(struct hl_dq *q, struct hl_attempt *a, const int *held, const char **status,
	const long *delay, int n)
{
	int idx[GROUP_MAX], k = 0, i, j;
	struct hl_stmt *st;
	enum group g;
	hl_err rc = HL_OK;

	for (i = 0; !rc && i <= n; i++) {
		if (i < n && held[i])
			idx[k++] = i;
		if (k == 0 || (k < GROUP_MAX && i < n))
			continue;
		g = group_for(k);
		rc = dq_stmt(q, &q->done[g], done_sql[g]);
		if (rc)
			break;
		st = q->done[g];
		for (j = 0; j < group_size[g]; j++) {
			unsigned p = (unsigned)(j * DONE_PARAMS);
			const struct hl_attempt *x = j < k ? &a[idx[j]] : NULL;

			hl_stmt_str(st, p, x ? x->job->delivery_id : NULL);
			hl_stmt_str(st, p + 1, x ? status[idx[j]] : NULL);
			hl_stmt_int(st, p + 2, x ? delay[idx[j]] : 0);
			hl_stmt_int(st, p + 3, x ? x->status : 0);
			hl_stmt_str(st, p + 4, x ? x->error_class : NULL);
			hl_stmt_int(st, p + 5, x ? x->started_ms : 0);
		}
		hl_stmt_str(st, (unsigned)(group_size[g] * DONE_PARAMS), q->owner);
		rc = hl_stmt_exec(st);
		/* The rows are locked since step 1: anything else is a bug. */
		if (!rc && hl_stmt_affected(st) != (unsigned long long)k)
			rc = hl_fail(HL_ERR_CONFLICT, NULL, "delivery update changed %llu of %d rows",
				hl_stmt_affected(st), k);
		k = 0;
	}
	return rc;
}

/* Step 4: endpoint health, one locking read for the batch and one UPDATE
 * per endpoint, replaying the batch's outcomes in order. */
static hl_err
rec_health(struct hl_dq *q, struct hl_attempt *a, int n, const int *exists, struct notes *ns)
{
	struct ep_health *eps;
	char (*ids)[HL_ID_MAX] = NULL;
	struct ep_health *e;
	struct hl_stmt *st;
	enum group g;
	int neps = 0, done, k, r, i;
	hl_err rc = HL_OK;

	eps = calloc((size_t)n, sizeof(*eps));
	ids = calloc((size_t)n, sizeof(*ids));
	if (!eps || !ids) {
		rc = hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
		goto out;
	}
	/* Endpoints of deliveries locked in step 1: they exist until the commit. */
	for (i = 0; i < n; i++) {
		if (!exists[i])
			continue;
		e = ep_find(eps, neps, a[i].job->endpoint_id);
		if (!e) {
			e = &eps[neps];
			hl_strlcpy(ids[neps++], a[i].job->endpoint_id, HL_ID_MAX);
		}
		e->job = a[i].job;
	}
	for (done = 0; !rc && done < neps; done += k) {
		k = group_chunk(neps - done, &g);
		rc = dq_stmt(q, &q->health[g], health_sql[g]);
		if (rc)
			break;
		st = q->health[g];
		hl_stmt_int(st, 0, q->cfg->disable_after_s);
		bind_ids(st, 1, group_size[g], (const char (*)[HL_ID_MAX])ids + done, k);
		rc = hl_stmt_exec(st);
		while (!rc && (r = hl_stmt_fetch(st)) != 0) {
			if (r < 0) {
				rc = HL_ERR_DB;
				break;
			}
			e = ep_find(eps, neps, hl_stmt_col(st, 0));
			if (e) {
				e->failures = (int)hl_stmt_colint(st, 1);
				e->overdue = (int)hl_stmt_colint(st, 2);
			}
		}
	}
	if (rc)
		goto out;
	for (i = 0; i < n; i++) {
		if (!exists[i])
			continue;
		e = ep_find(eps, neps, a[i].job->endpoint_id);
		if (a[i].outcome == HL_OUT_SUCCESS) {
			if (e->failures >= RECOVERED_AFTER_FAILURES)
				e->recovered = 1;
			e->failures = 0;
			e->any_success = 1;
			e->overdue = 0;
		} else {
			e->failures++;
			if (a[i].outcome == HL_OUT_GONE)
				e->gone = 1;
		}
	}
	rc = dq_stmt(q, &q->health_update, "UPDATE endpoints SET consecutive_failures = ?, "
		"first_failure_at = CASE WHEN ? = 0 THEN NULL WHEN ? THEN NOW(3) "
		"ELSE COALESCE(first_failure_at, NOW(3)) END, "
		"last_success_at = IF(?, NOW(3), last_success_at), last_attempt_at = NOW(3) "
		"WHERE id = ?");
	for (i = 0; !rc && i < neps; i++) {
		e = &eps[i];
		st = q->health_update;
		hl_stmt_int(st, 0, e->failures);
		hl_stmt_int(st, 1, e->failures);
		/* Failing again after a success in this batch: a new first failure. */
		hl_stmt_int(st, 2, e->any_success);
		hl_stmt_int(st, 3, e->any_success);
		hl_stmt_str(st, 4, e->job->endpoint_id);
		rc = hl_stmt_exec(st);
		if (!rc && e->recovered) {
			char nid[HL_ID_MAX];

			note_add(ns, NOTE_RECOVERED, e->job, NULL);
			rc = hl_id_new("ntf", nid);
			if (!rc)
				rc = hl_db_exec(q->db, NULL, "INSERT INTO notifications (id, account_id, "
					"endpoint_id, kind, message) VALUES (?, ?, ?, 'endpoint.recovered', "
					"'the endpoint succeeded again after failing')", "sss", nid,
					e->job->account_id, e->job->endpoint_id);
		}
		if (!rc && e->gone)
			rc = disable_endpoint(q->db, e->job, "the endpoint answered 410 Gone", 0, 0, ns);
		else if (!rc && e->failures > 0 && e->overdue)
			rc = disable_endpoint(q->db, e->job, "the endpoint failed continuously for longer "
				"than Delivery.DisableAfterSeconds", 1, q->cfg->disable_after_s, ns);
	}
out:
	free(eps);
	free(ids);
	return rc;
}

/* Two attempts of one delivery in one batch happen when its lease expired
 * while the first waited to be recorded and this runner claimed it again.
 * One multi-row update cannot apply both, and its row count refused the
 * whole batch, every time it was retried. */
int
hl_dq_record_span(const struct hl_attempt *a, int n)
{
	int i, j;

	for (i = 1; i < n; i++)
		for (j = 0; j < i; j++)
			if (!strcmp(a[i].job->delivery_id, a[j].job->delivery_id))
				return i;
	return n;
}

hl_err
hl_dq_record(struct hl_dq *q, struct hl_attempt *a, int n)
{
	struct notes ns = { NULL, 0, 0 };
	char (*ids)[HL_ID_MAX] = NULL;
	int again = n > 0 && a[0].id[0], done_before = 0;
	const char **status = NULL;
	long *delay = NULL;
	int *held = NULL, *exists = NULL, fifo_done = 0, i;
	hl_err rc = HL_OK;

	if (n == 0)
		return HL_OK;
	dq_check(q);
	/* At most one note per attempt (exhausted) and two per endpoint. */
	ns.cap = n * 3;
	ns.v = calloc((size_t)ns.cap, sizeof(*ns.v));
	ids = calloc((size_t)n, sizeof(*ids));
	status = calloc((size_t)n, sizeof(*status));
	delay = calloc((size_t)n, sizeof(*delay));
	held = calloc((size_t)n, sizeof(*held));
	exists = calloc((size_t)n, sizeof(*exists));
	if (!ns.v || !ids || !status || !delay || !held || !exists) {
		rc = hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
		goto out;
	}
	for (i = 0; !rc && i < n; i++) {
		hl_strlcpy(ids[i], a[i].job->delivery_id, HL_ID_MAX);
		if (!a[i].id[0])
			rc = hl_id_new("att", a[i].id);
		if (a[i].outcome == HL_OUT_SUCCESS) {
			status[i] = "succeeded";
		} else if (a[i].outcome == HL_OUT_GONE) {
			status[i] = "dead";
		} else {
			delay[i] = next_delay(q->cfg, &a[i]);
			status[i] = delay[i] < 0 ? "dead" : "pending";
			if (delay[i] < 0)
				delay[i] = 0;
		}
	}
	if (rc)
		goto out;
	rc = hl_db_begin(q->db);
	if (rc)
		goto out;
	rc = rec_held(q, a, n, (const char (*)[HL_ID_MAX])ids, exists, held);
	/* A try again after a commit whose answer was lost, and that commit
	 * went through: the attempts, the deliveries' states, the health
	 * counts are there; doing them again would store every attempt
	 * twice and count each failure twice. */
	if (!rc && again)
		rc = rec_done_before(q, a, n, exists, &done_before);
	if (!rc && done_before) {
		hl_log(HL_LOG_INFO, "%d attempts were recorded already (a commit whose answer "
			"was lost)", n);
		hl_db_rollback(q->db);
		goto out;
	}
	if (!rc)
		rc = rec_attempts(q, a, n, exists);
	if (!rc)
		rc = rec_deliveries(q, a, held, status, delay, n);
	for (i = 0; !rc && i < n; i++) {
		if (held[i] && a[i].job->fifo && strcmp(status[i], "pending"))
			fifo_done = 1;
		if (!exists[i])
			hl_log(HL_LOG_INFO, "delivery %s was deleted while in flight (with its "
				"endpoint or account): its attempt is not recorded", a[i].job->delivery_id);
		else if (!held[i])
			hl_log(HL_LOG_WARN, "delivery %s: lease lost before completion; its attempt "
				"is recorded, the new owner decides its state", a[i].job->delivery_id);
		else if (!strcmp(status[i], "dead") && a[i].outcome != HL_OUT_GONE &&
		    !is_operational(a[i].job->event_type))
			note_add(&ns, NOTE_EXHAUSTED, a[i].job, NULL);
	}
	if (!rc)
		rc = rec_health(q, a, n, exists, &ns);
	if (rc) {
		hl_db_rollback(q->db);
		goto out;
	}
	rc = hl_db_commit(q->db);
	if (rc)
		goto out;
	if (fifo_done)
		atomic_fetch_add(&fifo_finished, 1);
	/* After the commit: a failure here loses an operational event, never
	 * an attempt record. */
	for (i = 0; i < ns.n; i++)
		publish_note(q->db, &ns.v[i]);
out:
	free(ns.v);
	free(ids);
	free(status);
	free(delay);
	free(held);
	free(exists);
	return rc;
}

hl_err
hl_dq_extend_leases(struct hl_dq *q)
{
	hl_err rc;

	dq_check(q);
	/* One statement renews every lease of this runner, whatever the count. */
	rc = dq_stmt(q, &q->extend, "UPDATE deliveries SET lease_expires_at = NOW(3) + "
		"INTERVAL ? SECOND WHERE status = 'sending' AND lease_owner = ?");
	if (rc)
		return rc;
	hl_stmt_int(q->extend, 0, q->cfg->lease_seconds);
	hl_stmt_str(q->extend, 1, q->owner);
	return hl_stmt_exec(q->extend);
}

hl_err
hl_delivery_release(struct hl_db *db, const char *owner, const char *delivery_id)
{
	return hl_db_exec(db, NULL, "UPDATE deliveries SET status = 'pending', lease_owner = NULL, "
		"lease_expires_at = NULL WHERE id = ? AND lease_owner = ? AND status = 'sending'",
		"ss", delivery_id, owner);
}

void
hl_request_release(struct hl_db *db, const char *owner, struct hl_job *job)
{
	struct hl_job *next;

	for (; job; job = next) {
		next = job->batch_next;
		hl_delivery_release(db, owner, job->delivery_id);
		hl_job_clear(job);
		free(job);
	}
}

hl_err
hl_delivery_set_paused(struct hl_db *db, const char *endpoint_id, int paused,
	unsigned long long *moved)
{
	if (paused)
		return hl_db_exec(db, moved, "UPDATE deliveries SET status = 'paused' "
			"WHERE endpoint_id = ? AND status = 'pending'", "s", endpoint_id);
	return hl_db_exec(db, moved, "UPDATE deliveries SET status = 'pending', "
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
	hl_stmt_json_int(o, "last_status_code", st, 7);
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
	struct hl_stmt *st;
	hl_err rc;

	*out = NULL;
	/* Newest first; "? IS NULL OR" keeps one constant statement for every
	 * combination of filters. The type compares as bytes too: the column's
	 * collation alone would take SMS.DELIVERED or "sms.delivered " for
	 * sms.delivered, a type that is not the one asked for. */
	rc = hl_stmt_new(db, "SELECT " DELIVERY_COLUMNS " FROM deliveries d "
		"WHERE d.account_id = ? AND (? IS NULL OR d.endpoint_id = ?) "
		"AND (? IS NULL OR d.status = ?) "
		"AND (? IS NULL OR (d.event_type = ? AND d.event_type = BINARY ?)) "
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
	hl_stmt_str(st, 7, f->event_type);
	hl_stmt_str(st, 8, f->since);
	hl_stmt_str(st, 9, f->since);
	hl_stmt_str(st, 10, f->until);
	hl_stmt_str(st, 11, f->until);
	hl_stmt_str(st, 12, iterator);
	hl_stmt_str(st, 13, iterator);
	hl_stmt_int(st, 14, limit + 1);
	rc = hl_stmt_page(st, limit, 0, delivery_json, out);
	hl_stmt_free(st);
	return rc;
}

static json_object *
parse_or_null(const char *text)
{
	return text ? json_tokener_parse(text) : NULL;
}

static json_object *
attempt_json(struct hl_stmt *st)
{
	json_object *a = json_object_new_object();

	hl_json_add_str(a, "id", hl_stmt_col(st, 0));
	hl_json_add_int(a, "attempt", hl_stmt_colint(st, 1));
	hl_json_add_str(a, "started_at", hl_stmt_col(st, 2));
	hl_json_add_int(a, "duration_ms", hl_stmt_colint(st, 3));
	hl_json_add_str(a, "request_url", hl_stmt_col(st, 4));
	json_object_object_add(a, "request_headers", parse_or_null(hl_stmt_col(st, 5)));
	hl_stmt_json_int(a, "response_status", st, 6);
	json_object_object_add(a, "response_headers", parse_or_null(hl_stmt_col(st, 7)));
	hl_json_add_str(a, "response_body", hl_stmt_col(st, 8));
	hl_json_add_str(a, "error_class", hl_stmt_col(st, 9));
	hl_json_add_str(a, "error_message", hl_stmt_col(st, 10));
	return a;
}

hl_err
hl_delivery_get(struct hl_db *db, const char *account_id, const char *id, json_object **out)
{
	json_object *o = NULL, *list;
	struct hl_stmt *st;
	hl_err rc;

	*out = NULL;
	rc = hl_stmt_new(db, "SELECT " DELIVERY_COLUMNS " FROM deliveries d "
		"WHERE d.id = ? AND d.account_id = ?", &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, id);
	hl_stmt_str(st, 1, account_id);
	rc = hl_stmt_row(st, "delivery", id);
	if (!rc)
		o = delivery_json(st);
	hl_stmt_free(st);
	if (rc)
		return rc;
	rc = hl_stmt_new(db, "SELECT id, attempt_no, " HL_SQL_TIME("started_at") ", duration_ms, "
		"request_url, request_headers, response_status, response_headers, response_body, "
		"error_class, error_message FROM delivery_attempts WHERE delivery_id = ? "
		"ORDER BY attempt_no, id", &st);
	if (!rc) {
		hl_stmt_str(st, 0, id);
		rc = hl_stmt_array(st, attempt_json, &list);
		hl_stmt_free(st);
	}
	if (rc) {
		json_object_put(o);
		return rc;
	}
	json_object_object_add(o, "attempt_log", list);
	*out = o;
	return HL_OK;
}

hl_err
hl_delivery_retry(struct hl_db *db, const char *account_id, const char *id)
{
	unsigned long long n = 0;
	struct hl_stmt *st;
	hl_err rc;

	/* A paused delivery (endpoint disabled) stays paused until enabled;
	 * one retried while its endpoint is disabled is paused with it. */
	rc = hl_db_exec(db, &n, "UPDATE deliveries d JOIN endpoints e ON e.id = d.endpoint_id "
		"SET d.status = IF(e.enabled, 'pending', 'paused'), d.next_attempt_at = NOW(3), "
		"d.completed_at = NULL WHERE d.id = ? AND d.account_id = ? "
		"AND d.status IN ('succeeded', 'dead', 'pending')", "ss", id, account_id);
	if (rc || n)
		return rc;
	rc = hl_stmt_new(db, "SELECT status FROM deliveries WHERE id = ? AND account_id = ?", &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, id);
	hl_stmt_str(st, 1, account_id);
	rc = hl_stmt_row(st, "delivery", id);
	if (!rc)
		rc = hl_fail(HL_ERR_CONFLICT, "id", "delivery %s is %s and cannot be retried now",
			id, hl_stmt_col(st, 0));
	hl_stmt_free(st);
	return rc;
}

/* pending: send now the ones waiting for their next attempt. */
static hl_err
retry_status_check(const char *status)
{
	if (strcmp(status, "dead") && strcmp(status, "succeeded") && strcmp(status, "pending"))
		return hl_fail(HL_ERR_INVALID, "status", "only dead, succeeded or pending "
			"deliveries can be retried");
	return HL_OK;
}

hl_err
hl_delivery_retry_bulk(struct hl_db *db, const char *account_id,
	const struct hl_delivery_filter *f, int *n)
{
	unsigned long long affected = 0;
	const char *status = f->status ? f->status : "dead";
	struct hl_stmt *st;
	int found = 0;
	hl_err rc;

	*n = 0;
	rc = retry_status_check(status);
	if (rc)
		return rc;
	/* Another account's webhook is as unknown as a missing one: "retried
	 * 0" would say that it has nothing dead. */
	if (f->endpoint_id) {
		rc = hl_stmt_new(db, "SELECT 1 FROM endpoints WHERE id = ? AND account_id = ?", &st);
		if (rc)
			return rc;
		hl_stmt_str(st, 0, f->endpoint_id);
		hl_stmt_str(st, 1, account_id);
		rc = hl_stmt_first(st, &found);
		hl_stmt_free(st);
		if (rc)
			return rc;
		if (!found)
			return hl_fail(HL_ERR_NOTFOUND, "webhook_id", "no webhook %s", f->endpoint_id);
	}
	rc = hl_db_exec(db, &affected, "UPDATE deliveries d JOIN endpoints e ON e.id = d.endpoint_id "
		"SET d.status = IF(e.enabled, 'pending', 'paused'), d.next_attempt_at = NOW(3), "
		"d.completed_at = NULL WHERE d.account_id = ? AND d.status = ? "
		"AND (? IS NULL OR d.endpoint_id = ?) "
		"AND (? IS NULL OR (d.event_type = ? AND d.event_type = BINARY ?)) "
		"AND (? IS NULL OR d.created_at >= ?) AND (? IS NULL OR d.created_at < ?)",
		"sssssssssss", account_id, status, f->endpoint_id, f->endpoint_id, f->event_type,
		f->event_type, f->event_type, f->since, f->since, f->until, f->until);
	*n = (int)affected;
	return rc;
}

hl_err
hl_delivery_retry_filter(const char *status, const char *webhook_id, const char *event_type,
	const char *since, const char *until, struct hl_delivery_filter *f,
	struct hl_retry_times *times)
{
	hl_err rc;

	memset(f, 0, sizeof(*f));
	f->status = status;
	f->event_type = event_type;
	f->endpoint_id = webhook_id;
	if (status && (rc = retry_status_check(status)))
		return rc;
	if (webhook_id && !hl_id_valid("wh", webhook_id))
		return hl_fail(HL_ERR_INVALID, "webhook_id", "webhook_id must be a webhook id (wh_...)");
	if (since) {
		rc = hl_time_to_sql(since, "since", HL_TIME_OFFSET_REQUIRED, times->since);
		if (rc)
			return rc;
		f->since = times->since;
	}
	if (until) {
		rc = hl_time_to_sql(until, "until", HL_TIME_OFFSET_REQUIRED, times->until);
		if (rc)
			return rc;
		f->until = times->until;
	}
	/* An empty range would answer "retried": 0 as if nothing were dead
	 * (the same SQL text format on both sides: it compares as times). */
	if (f->since && f->until && strcmp(f->until, f->since) <= 0)
		return hl_fail(HL_ERR_INVALID, "until", "until must be later than since");
	return HL_OK;
}

static hl_err
replay(struct hl_db *db, const char *account_id, const char *endpoint_id,
	const char *since, int only_failed, int *requeued, int *created)
{
	struct hl_delivery_filter f;
	struct hl_stmt *st = NULL;
	char done[HL_ID_MAX] = "";
	int n = 0, r, made;
	hl_err rc;

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
	/* Events that match a subscription (exact, "family.*" or "*"; the
	 * family ends at the first dot, as in publish) and never produced a
	 * delivery to this endpoint. */
	rc = hl_stmt_new(db, "SELECT ev.id, ev.event_type, ev.payload, s.filter_json, "
		"e.priority FROM events ev JOIN subscriptions s ON s.endpoint_id = ? "
		"JOIN endpoints e ON e.id = s.endpoint_id AND e.account_id = ev.account_id "
		"WHERE ev.account_id = ? AND ev.created_at >= ? "
		"AND (s.event_type = '*' OR s.event_type = ev.event_type OR "
		"CONCAT(SUBSTRING_INDEX(ev.event_type, '.', 1), '.*') = s.event_type) "
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
		rc = hl_delivery_insert(db, account_id, endpoint_id, hl_stmt_col(st, 0),
			hl_stmt_col(st, 1), (int)hl_stmt_colint(st, 4), &made);
		if (!rc && made) {
			(*created)++;
			hl_strlcpy(done, hl_stmt_col(st, 0), sizeof(done));
		}
	}
	hl_stmt_free(st);
	return rc;
}

/* How long a replay waits for another one of the same endpoint. */
#define REPLAY_WAIT_S 30

hl_err
hl_delivery_replay(struct hl_db *db, const char *account_id, const char *endpoint_id,
	const char *since, int only_failed, int *requeued, int *created)
{
	char lock[80];
	int taken = 0;
	hl_err rc, unlock;

	*requeued = *created = 0;
	/* Replays of one endpoint take turns: two at once (a repeated request,
	 * a double click) each found the events without a delivery and each
	 * created one, so receivers got those events twice. A named lock, not
	 * a row lock on the endpoint: publishes insert deliveries under a
	 * foreign key to that row and must not wait for a replay. */
	snprintf(lock, sizeof(lock), "hookline.replay.%s", endpoint_id);
	rc = hl_db_lock(db, lock, REPLAY_WAIT_S, &taken);
	if (rc)
		return rc;
	if (!taken)
		return hl_fail(HL_ERR_CONFLICT, NULL, "another replay of webhook %s is still "
			"running; try again when it is done", endpoint_id);
	rc = replay(db, account_id, endpoint_id, since, only_failed, requeued, created);
	unlock = hl_db_unlock(db, lock);
	if (!rc && unlock)
		rc = unlock;
	return rc;
}

/* The queue status's statements: of every account, and of one (its id
 * the last parameter). */
enum status_query { SQ_BY_STATUS, SQ_DUE, SQ_EXPIRED, SQ_ATTEMPTS, SQ_LAST, SQ_DISABLED, SQ__MAX };
static const char *const status_sql[SQ__MAX][2] = {
	/* The account's by its endpoints: (endpoint_id, status) is an index. */
	[SQ_BY_STATUS] = { "SELECT status, COUNT(*) FROM deliveries GROUP BY status",
		"SELECT d.status, COUNT(*) FROM endpoints e JOIN deliveries d "
		"ON d.endpoint_id = e.id WHERE e.account_id = ? GROUP BY d.status" },
	/* What waits for a runner now, and since when: the first sign that
	 * cron stopped starting runners, or that they cannot keep up. */
#define DUE_SQL "SELECT COUNT(*), TIMESTAMPDIFF(MICROSECOND, MIN(next_attempt_at), NOW(3)) " \
	"/ 1e6 FROM deliveries WHERE status = 'pending' AND next_attempt_at <= NOW(3)"
	[SQ_DUE] = { DUE_SQL, DUE_SQL " AND account_id = ?" },
#define EXPIRED_SQL "SELECT COUNT(*) FROM deliveries WHERE status = 'sending' " \
	"AND lease_expires_at < NOW(3)"
	[SQ_EXPIRED] = { EXPIRED_SQL, EXPIRED_SQL " AND account_id = ?" },
	/* Ids sort by time: the last minute is a primary key range. */
#define ATTEMPTS_SQL "SELECT COUNT(*) FROM delivery_attempts WHERE id >= ?"
	[SQ_ATTEMPTS] = { ATTEMPTS_SQL, ATTEMPTS_SQL " AND account_id = ?" },
	[SQ_LAST] = { "SELECT MAX(" HL_SQL_TIME("started_at") ") FROM (SELECT started_at "
		"FROM delivery_attempts ORDER BY id DESC LIMIT 1) a",
		"SELECT MAX(" HL_SQL_TIME("started_at") ") FROM (SELECT started_at "
		"FROM delivery_attempts WHERE account_id = ? ORDER BY started_at DESC LIMIT 1) a" },
#define DISABLED_SQL "SELECT COUNT(*) FROM endpoints WHERE enabled = 0"
	[SQ_DISABLED] = { DISABLED_SQL, DISABLED_SQL " AND account_id = ?" },
};

/* Seconds as MariaDB printed them ("75.058"), not as the double's
 * seventeen digits ("75.058000000000007"). */
static json_object *
status_seconds(struct hl_stmt *st, unsigned col)
{
	return json_object_new_double_s(strtod(hl_stmt_col(st, col), NULL), hl_stmt_col(st, col));
}

/* Prepare status query q with param, when not NULL, as its first
 * parameter, of account_id or (NULL) of every account (free it). */
static hl_err
status_stmt(struct hl_db *db, enum status_query q, const char *account_id, const char *param,
	struct hl_stmt **st)
{
	unsigned p = 0;
	hl_err rc;

	rc = hl_stmt_new(db, status_sql[q][account_id != NULL], st);
	if (rc)
		return rc;
	if (param)
		hl_stmt_str(*st, p++, param);
	if (account_id)
		hl_stmt_str(*st, p, account_id);
	return HL_OK;
}

/* Run it and read its one row (an aggregate: there always is one); the
 * statement stays open for reading the row (free it). */
static hl_err
status_row(struct hl_db *db, enum status_query q, const char *account_id, const char *param,
	struct hl_stmt **st)
{
	int found;
	hl_err rc;

	rc = status_stmt(db, q, account_id, param, st);
	if (!rc)
		rc = hl_stmt_first(*st, &found);
	if (!rc && !found)
		rc = hl_fail(HL_ERR_DB, NULL, "no row from a status query");
	if (rc) {
		hl_stmt_free(*st);
		*st = NULL;
	}
	return rc;
}

hl_err
hl_queue_status(struct hl_db *db, const char *account_id, long long now_ms, json_object **out)
{
	static const char *const statuses[] = { "pending", "sending", "paused", "succeeded", "dead" };
	json_object *o = json_object_new_object(), *by = json_object_new_object();
	struct hl_stmt *st = NULL;
	char since[HL_ID_MAX];
	unsigned i;
	int r;
	hl_err rc;

	*out = NULL;
	json_object_object_add(o, "deliveries", by);
	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		hl_json_add_int(by, statuses[i], 0);
	rc = status_stmt(db, SQ_BY_STATUS, account_id, NULL, &st);
	if (!rc)
		rc = hl_stmt_exec(st);
	while (!rc && (r = hl_stmt_fetch(st)) != 0) {
		if (r < 0)
			rc = HL_ERR_DB;
		else
			hl_json_add_int(by, hl_stmt_col(st, 0), hl_stmt_colint(st, 1));
	}
	hl_stmt_free(st);
	if (!rc)
		rc = status_row(db, SQ_DUE, account_id, NULL, &st);
	if (!rc) {
		hl_json_add_int(o, "due", hl_stmt_colint(st, 0));
		json_object_object_add(o, "oldest_due_seconds", hl_stmt_colnull(st, 1) ? NULL :
			status_seconds(st, 1));
		hl_stmt_free(st);
		rc = status_row(db, SQ_EXPIRED, account_id, NULL, &st);
	}
	if (!rc) {
		hl_json_add_int(o, "expired_leases", hl_stmt_colint(st, 0));
		hl_stmt_free(st);
		rc = hl_id_at("att", now_ms - 60000, since);
	}
	if (!rc)
		rc = status_row(db, SQ_ATTEMPTS, account_id, since, &st);
	if (!rc) {
		hl_json_add_int(o, "attempts_last_minute", hl_stmt_colint(st, 0));
		hl_stmt_free(st);
		rc = status_row(db, SQ_LAST, account_id, NULL, &st);
	}
	if (!rc) {
		hl_json_add_str(o, "last_attempt_at", hl_stmt_col(st, 0));
		hl_stmt_free(st);
		rc = status_row(db, SQ_DISABLED, account_id, NULL, &st);
	}
	if (!rc) {
		hl_json_add_int(o, "endpoints_disabled", hl_stmt_colint(st, 0));
		hl_stmt_free(st);
		*out = o;
		return HL_OK;
	}
	json_object_put(o);
	return rc;
}

/* The columns of hl_queue_by_account, in the order of its first query. */
static const char *const by_account_counts[] = { "pending", "due", "sending", "expired_leases",
	"paused", "dead" };

/* Most urgent first: the longest wait for a runner, then the most dead
 * letters, then the slug. */
static int
by_account_order(const void *a, const void *b)
{
	json_object *x = *(json_object *const *)a, *y = *(json_object *const *)b;
	json_object *wx = json_object_object_get(x, "oldest_due_seconds");
	json_object *wy = json_object_object_get(y, "oldest_due_seconds");
	long long dx, dy;

	if (!wx != !wy)
		return wx ? -1 : 1;
	if (wx && json_object_get_double(wx) != json_object_get_double(wy))
		return json_object_get_double(wx) > json_object_get_double(wy) ? -1 : 1;
	dx = json_object_get_int64(json_object_object_get(x, "dead"));
	dy = json_object_get_int64(json_object_object_get(y, "dead"));
	if (dx != dy)
		return dx > dy ? -1 : 1;
	return strcmp(json_object_get_string(json_object_object_get(x, "account")),
		json_object_get_string(json_object_object_get(y, "account")));
}

/* The account of slug in rows (slug -> object), added with all zeros. */
static json_object *
by_account_row(json_object *rows, const char *slug)
{
	json_object *row;
	unsigned i;

	if (json_object_object_get_ex(rows, slug, &row))
		return row;
	row = json_object_new_object();
	hl_json_add_str(row, "account", slug);
	for (i = 0; i < sizeof(by_account_counts) / sizeof(by_account_counts[0]); i++) {
		hl_json_add_int(row, by_account_counts[i], 0);
		if (!strcmp(by_account_counts[i], "due"))
			json_object_object_add(row, "oldest_due_seconds", NULL);
	}
	hl_json_add_int(row, "endpoints_disabled", 0);
	json_object_object_add(rows, slug, row);
	return row;
}

hl_err
hl_queue_by_account(struct hl_db *db, json_object **out)
{
	json_object *rows = json_object_new_object(), *arr, *row;
	struct hl_stmt *st = NULL;
	unsigned i;
	int r;
	hl_err rc;

	*out = NULL;
	/* Only what is not done: the claim index's ranges of these statuses,
	 * not the succeeded deliveries that make up most of the table. */
	rc = hl_stmt_new(db, "SELECT a.slug, SUM(d.status = 'pending'), "
		"SUM(d.status = 'pending' AND d.next_attempt_at <= NOW(3)), "
		"SUM(d.status = 'sending'), SUM(d.status = 'sending' AND d.lease_expires_at < NOW(3)), "
		"SUM(d.status = 'paused'), SUM(d.status = 'dead'), "
		"TIMESTAMPDIFF(MICROSECOND, MIN(IF(d.status = 'pending' AND d.next_attempt_at <= NOW(3), "
		"d.next_attempt_at, NULL)), NOW(3)) / 1e6 "
		"FROM deliveries d JOIN accounts a ON a.id = d.account_id "
		"WHERE d.status IN ('pending', 'sending', 'paused', 'dead') GROUP BY a.slug", &st);
	if (!rc)
		rc = hl_stmt_exec(st);
	while (!rc && (r = hl_stmt_fetch(st)) != 0) {
		if (r < 0) {
			rc = HL_ERR_DB;
			break;
		}
		row = by_account_row(rows, hl_stmt_col(st, 0));
		for (i = 0; i < sizeof(by_account_counts) / sizeof(by_account_counts[0]); i++)
			hl_json_add_int(row, by_account_counts[i], hl_stmt_colint(st, i + 1));
		if (!hl_stmt_colnull(st, 7))
			json_object_object_add(row, "oldest_due_seconds", status_seconds(st, 7));
	}
	hl_stmt_free(st);
	st = NULL;
	if (!rc)
		rc = hl_stmt_new(db, "SELECT a.slug, COUNT(*) FROM endpoints e "
			"JOIN accounts a ON a.id = e.account_id WHERE e.enabled = 0 GROUP BY a.slug", &st);
	if (!rc)
		rc = hl_stmt_exec(st);
	while (!rc && (r = hl_stmt_fetch(st)) != 0) {
		if (r < 0)
			rc = HL_ERR_DB;
		else
			hl_json_add_int(by_account_row(rows, hl_stmt_col(st, 0)), "endpoints_disabled",
				hl_stmt_colint(st, 1));
	}
	hl_stmt_free(st);
	if (rc) {
		json_object_put(rows);
		return rc;
	}
	arr = json_object_new_array();
	json_object_object_foreach(rows, slug, one) {
		(void)slug;
		json_object_array_add(arr, json_object_get(one));
	}
	json_object_put(rows);
	json_object_array_sort(arr, by_account_order);
	*out = arr;
	return HL_OK;
}
