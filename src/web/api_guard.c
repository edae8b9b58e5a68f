/* api_guard.c: rate limits (shared by all FastCGI processes through
 * MariaDB), Idempotency-Key replays and audit records for the API. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "hl_audit.h"
#include "hl_crypto.h"
#include "hl_idempotency.h"
#include "hl_log.h"
#include "hl_ratelimit.h"
#include "hl_util.h"
#include "api_guard.h"

#define WINDOW_S 60

int
hl_guard_rate(struct hl_req *r, const char *bucket, long limit, int set_headers)
{
	struct hl_rate rate;
	char v[32];

	if (limit <= 0)
		return 0;
	if (hl_rate_hit(r->db, bucket, limit, WINDOW_S, &rate)) {
		/* Fail open: a counter outage must not take the API down. */
		hl_log(HL_LOG_WARN, "rate limit counter unavailable: %s", hl_errmsg());
		return 0;
	}
	if (set_headers || rate.exceeded) {
		snprintf(v, sizeof(v), "%ld", rate.limit);
		hl_resp_header(r, "X-RateLimit-Limit", v);
		snprintf(v, sizeof(v), "%ld", rate.remaining);
		hl_resp_header(r, "X-RateLimit-Remaining", v);
		snprintf(v, sizeof(v), "%ld", rate.reset_s);
		hl_resp_header(r, "X-RateLimit-Reset", v);
	}
	if (!rate.exceeded)
		return 0;
	snprintf(v, sizeof(v), "%ld", rate.reset_s > 0 ? rate.reset_s : 1);
	hl_resp_header(r, "Retry-After", v);
	hl_resp_error(r, 429, "rate_limited", "too many requests; retry after the number of "
		"seconds in Retry-After", NULL);
	return -1;
}

int
hl_guard_rate_addr(struct hl_req *r)
{
	char bucket[120];

	snprintf(bucket, sizeof(bucket), "addr:%s", r->client_addr);
	return hl_guard_rate(r, bucket, r->cfg->rate_per_addr, r->cfg->rate_per_key <= 0);
}

int
hl_guard_rate_caller(struct hl_req *r)
{
	char bucket[120];

	snprintf(bucket, sizeof(bucket), "key:%s:%s", r->who.account_id, r->who.actor_id);
	return hl_guard_rate(r, bucket, r->cfg->rate_per_key, 1);
}

/* The value of a response header already set (first one), into buf. */
static const char *
resp_header(struct hl_req *r, const char *name, char *buf, size_t cap)
{
	const char *p = hl_buf_str(&r->headers), *end = p + r->headers.len, *eol;
	size_t n = strlen(name);

	for (; p < end; p = eol + 2) {
		eol = strstr(p, "\r\n");
		if (!eol)
			break;
		if ((size_t)(eol - p) > n + 2 && !strncasecmp(p, name, n) && p[n] == ':' &&
		    p[n + 1] == ' ' && (size_t)(eol - p - n - 2) < cap) {
			memcpy(buf, p + n + 2, (size_t)(eol - p - n - 2));
			buf[eol - p - n - 2] = '\0';
			return buf;
		}
	}
	return NULL;
}

int
hl_guard_idem_begin(struct hl_req *r, struct hl_idem *st)
{
	const char *key = hl_req_env(r, "HTTP_IDEMPOTENCY_KEY");
	struct hl_idem_answer answer;
	enum hl_idem_state state;
	struct hl_buf in;
	size_t i;
	hl_err rc;

	memset(st, 0, sizeof(*st));
	if (!key || r->method != HL_POST)
		return 0;
	if (!*key || strlen(key) > 255) {
		hl_resp_error(r, 400, "invalid_value", "Idempotency-Key must be 1 to 255 characters",
			"Idempotency-Key");
		return 1;
	}
	for (i = 0; key[i]; i++) {
		if ((unsigned char)key[i] < 0x21 || (unsigned char)key[i] > 0x7e) {
			hl_resp_error(r, 400, "invalid_value", "Idempotency-Key must be printable ASCII",
				"Idempotency-Key");
			return 1;
		}
	}
	if (hl_req_read_body(r))
		return 1;
	/* The key stands for one request: method, path and exact body, by
	 * one caller. Another key of the account repeating it gets 422, not
	 * the answer (which may hold a secret shown once). */
	hl_buf_init(&in, r->cfg->max_body + 1024);
	hl_buf_printf(&in, "%s %s\n%s %s\n", hl_method_name(r->method), r->path,
		r->who.actor_id, r->who.actor);
	hl_buf_add(&in, hl_buf_str(&r->body), r->body.len);
	hl_sha256_hex(hl_buf_str(&in), in.len, st->hash);
	hl_buf_free(&in);
	hl_strlcpy(st->key, key, sizeof(st->key));
	/* Reserve the key before running anything: of concurrent repeats
	 * exactly one does the work. */
	rc = hl_idempotency_reserve(r->db, r->cfg, r->who.account_id, key, r->path, st->hash, st->token,
		&state, &answer);
	if (rc) {
		hl_resp_core_error(r, rc);
		return 1;
	}
	switch (state) {
	case HL_IDEM_RESERVED:
		st->active = 1;
		return 0;
	case HL_IDEM_IN_PROGRESS:
		hl_resp_header(r, "Retry-After", "1");
		hl_resp_error(r, 409, "idempotency_in_progress", "a request with this "
			"Idempotency-Key is still running; retry after the number of seconds in "
			"Retry-After to get its answer", "Idempotency-Key");
		break;
	case HL_IDEM_MISMATCH:
		hl_resp_error(r, 422, "idempotency_key_reused", "this Idempotency-Key was used with "
			"a different request in the last 24 hours", "Idempotency-Key");
		break;
	case HL_IDEM_DONE:
		r->status = answer.status;
		hl_resp_header(r, "Content-Type", "application/json; charset=utf-8");
		hl_resp_header(r, "Cache-Control", "no-store");
		hl_resp_header(r, "Idempotent-Replayed", "true");
		if (answer.location)
			hl_resp_header(r, "Location", answer.location);
		hl_buf_reset(&r->out);
		hl_buf_addstr(&r->out, answer.body);
		r->responded = 1;
		break;
	case HL_IDEM__MAX:
		hl_resp_error(r, 500, "internal_error", "internal error; see the server log", NULL);
		break;
	}
	hl_idem_answer_clear(&answer);
	return 1;
}

void
hl_guard_idem_end(struct hl_req *r, const struct hl_idem *st)
{
	char location[1024];
	int kept = 0;
	hl_err rc;

	if (!st->active)
		return;
	/* Only an answer that did the work is kept. A refusal (4xx: bad
	 * input, a missing object, a conflict, a rate limit) changed nothing
	 * and may well pass once the client or the account's state is fixed;
	 * a server error is not final either: the reservation goes and the
	 * key can be sent again for real. */
	if (!r->responded || r->status >= 400) {
		if (hl_idempotency_release(r->db, r->who.account_id, st->key, st->token))
			hl_log(HL_LOG_WARN, "cannot release an idempotency reservation: %s", hl_errmsg());
		return;
	}
	rc = hl_idempotency_complete(r->db, r->cfg, r->who.account_id, st->key,
		st->token, r->status, resp_header(r, "Location", location, sizeof(location)),
		hl_buf_str(&r->out), &kept);
	if (rc || !kept) {
		hl_log(HL_LOG_WARN, "cannot store an idempotent response: %s",
			rc ? hl_errmsg() : "its reservation was taken over");
		if (rc)
			hl_idempotency_release(r->db, r->who.account_id, st->key, st->token);
	}
}

void
hl_audit(struct hl_req *r, const char *action, const char *object_id, json_object *detail)
{
	if (hl_audit_write(r->db, &r->who, r->client_addr, action, object_id, detail))
		hl_log(HL_LOG_ERROR, "audit record %s %s lost: %s", action,
			object_id ? object_id : "", hl_errmsg());
}

void
hl_audit_rotation(struct hl_req *r, const char *action, long grace_s, int generated)
{
	json_object *detail = json_object_new_object();

	hl_json_add_int(detail, "grace_seconds", grace_s);
	hl_json_add_bool(detail, "generated", generated);
	hl_audit(r, action, r->params[0], detail);
	json_object_put(detail);
}
