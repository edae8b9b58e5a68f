/* api_webhook_ops.c: actions on one webhook beyond create/read/update/
 * delete: test send, enable/disable, secret rotation, subscriptions,
 * its events, and replay. */
#include <stdlib.h>
#include <string.h>
#include "hl_deliveries.h"
#include "hl_endpoints.h"
#include "hl_oauth.h"
#include "hl_events.h"
#include "hl_sender.h"
#include "hl_util.h"
#include "api.h"
#include "api_guard.h"
#include "input.h"

static const struct hl_field test_fields[] = {
	{ "event_type", HL_F_STRING, 0, 128 },
	{ "payload", HL_F_OBJECT, 0, 0 },
	{ NULL, 0, 0, 0 },
};

static const struct hl_field rotate_fields[] = {
	{ "grace_seconds", HL_F_INT, 0, 0 },
	{ NULL, 0, 0, 0 },
};

static const struct hl_field subscribe_fields[] = {
	{ "event_types", HL_F_STRINGS, 1, 100 },
	{ "filter", HL_F_OBJECT, 0, 0 },
	{ NULL, 0, 0, 0 },
};

static const struct hl_field unsubscribe_fields[] = {
	{ "event_types", HL_F_STRINGS, 1, 100 },
	{ NULL, 0, 0, 0 },
};

static const struct hl_field replay_fields[] = {
	{ "since", HL_F_STRING, 1, 40 },
	{ "only_failed", HL_F_BOOL, 0, 0 },
	{ NULL, 0, 0, 0 },
};

/* Headers as the JSON text the sender produced, parsed back for output. */
static json_object *
parsed_or_null(const char *text)
{
	return text ? json_tokener_parse(text) : NULL;
}

/* A test send is not stored anywhere (no event, no delivery, no attempt):
 * it only shows what the runner would send and what came back. It goes
 * through the one sender, so the request is exactly a real delivery's. */
void
api_webhooks_test(struct hl_req *r)
{
	json_object *in, *payload = NULL, *own = NULL, *out, *req, *resp;
	struct hl_attempt a;
	struct hl_job job;
	const char *type;
	hl_err rc;

	in = hl_input_json(r, test_fields, 1);
	if (!in)
		return;
	memset(&a, 0, sizeof(a));
	memset(&job, 0, sizeof(job));
	type = hl_json_get_str(in, "event_type");
	if (!type)
		type = "webhook.test";
	/* The dashboard's check: one type of the catalog (or the default
	 * webhook.test), never a wildcard or a made-up name. */
	if (strcmp(type, "webhook.test")) {
		rc = strchr(type, '*') ? hl_fail(HL_ERR_INVALID, "event_type", "event_type must be "
			"one event type, not a wildcard") : hl_event_pattern_validate(r->db,
			r->who.account_id, type);
		if (rc == HL_ERR_INVALID || rc == HL_ERR_UNPROCESSABLE) {
			hl_resp_error(r, 422, rc == HL_ERR_INVALID ? "invalid_value" : "unprocessable",
				hl_errmsg(), "event_type");
			json_object_put(in);
			return;
		}
		if (rc) {
			hl_resp_core_error(r, rc);
			json_object_put(in);
			return;
		}
	}
	if (!json_object_object_get_ex(in, "payload", &payload) ||
	    !json_object_is_type(payload, json_type_object)) {
		own = json_object_new_object();
		hl_json_add_str(own, "message", "This is a test event from hookline.");
		hl_json_add_str(own, "webhook_id", r->params[0]);
		payload = own;
	}
	rc = hl_endpoint_test_job(r->db, r->cfg, r->who.account_id, r->params[0], type, payload, &job);
	if (!rc)
		rc = hl_send_now(r->cfg, &job, &a);
	if (!rc)
		hl_oauth_answered(r->db, &a);
	if (rc) {
		hl_resp_core_error(r, rc);
		goto out;
	}
	out = json_object_new_object();
	req = json_object_new_object();
	hl_json_add_str(req, "url", job.url);
	hl_json_add_str(req, "method", job.method[0] ? job.method : "POST");
	json_object_object_add(req, "headers", parsed_or_null(a.request_headers));
	hl_json_add_str(req, "body", job.body);
	json_object_object_add(out, "request", req);
	resp = json_object_new_object();
	if (a.status)
		hl_json_add_int(resp, "status", a.status);
	else
		json_object_object_add(resp, "status", NULL);
	json_object_object_add(resp, "headers", parsed_or_null(a.response_headers));
	hl_json_add_str(resp, "body", a.response_body);
	json_object_object_add(out, "response", resp);
	hl_json_add_bool(out, "success", a.outcome == HL_OUT_SUCCESS);
	hl_json_add_int(out, "duration_ms", a.duration_ms);
	hl_json_add_str(out, "error_class", a.error_class);
	hl_json_add_str(out, "error_message", a.error_class ? a.error_message : NULL);
	hl_json_add_str(out, "event_id", job.event_id);
	hl_json_add_str(out, "event_type", type);
	hl_json_add_bool(out, "recorded", 0);
	hl_audit(r, "webhook.test", r->params[0], NULL);
	hl_resp_json(r, 200, out);
out:
	hl_attempt_clear(&a);
	hl_job_clear(&job);
	json_object_put(own);
	json_object_put(in);
}

static void
set_enabled(struct hl_req *r, int enabled)
{
	json_object *out;
	hl_err rc;

	if (hl_input_none(r))
		return;
	rc = hl_endpoint_set_enabled(r->db, r->who.account_id, r->params[0], enabled);
	if (!rc)
		rc = hl_endpoint_get(r->db, r->cfg, r->who.account_id, r->params[0], &out);
	if (rc) {
		hl_resp_core_error(r, rc);
		return;
	}
	hl_audit(r, enabled ? "webhook.enable" : "webhook.disable", r->params[0], NULL);
	hl_resp_json(r, 200, out);
}

void
api_webhooks_enable(struct hl_req *r)
{
	set_enabled(r, 1);
}

void
api_webhooks_disable(struct hl_req *r)
{
	set_enabled(r, 0);
}

void
api_webhooks_rotate_secret(struct hl_req *r)
{
	char secret[HL_SECRET_MAX];
	json_object *in, *out;
	long grace;
	hl_err rc;

	in = hl_input_json(r, rotate_fields, 1);
	if (!in)
		return;
	grace = hl_input_grace(in);
	json_object_put(in);
	rc = hl_endpoint_rotate_secret(r->db, r->cfg, r->who.account_id, r->params[0],
		grace, secret);
	if (rc) {
		hl_resp_core_error(r, rc);
		return;
	}
	out = json_object_new_object();
	hl_json_add_str(out, "id", r->params[0]);
	hl_json_add_str(out, "secret", secret);
	hl_json_add_int(out, "previous_secret_valid_seconds", grace);
	memset(secret, 0, sizeof(secret));
	hl_audit_rotation(r, "webhook.rotate_secret", grace, 1);
	hl_resp_json(r, 200, out);
}

static void
answer_subscriptions(struct hl_req *r, int status, int removed)
{
	json_object *subs, *out;
	hl_err rc;

	rc = hl_subscriptions_list(r->db, r->who.account_id, r->params[0], &subs);
	if (rc) {
		hl_resp_core_error(r, rc);
		return;
	}
	out = json_object_new_object();
	hl_json_add_str(out, "id", r->params[0]);
	json_object_object_add(out, "subscriptions", subs);
	if (removed >= 0)
		hl_json_add_int(out, "removed", removed);
	hl_resp_json(r, status, out);
}

void
api_webhooks_subscribe(struct hl_req *r)
{
	json_object *in, *types = NULL, *filter = NULL;
	hl_err rc;

	in = hl_input_json(r, subscribe_fields, 0);
	if (!in)
		return;
	json_object_object_get_ex(in, "event_types", &types);
	if (!json_object_object_get_ex(in, "filter", &filter) ||
	    json_object_is_type(filter, json_type_null))
		filter = NULL;
	rc = hl_subscriptions_add(r->db, r->who.account_id, r->params[0], types, filter);
	if (rc) {
		hl_resp_core_error(r, rc);
	} else {
		hl_audit(r, "webhook.subscribe", r->params[0], in);
		answer_subscriptions(r, 200, -1);
	}
	json_object_put(in);
}

void
api_webhooks_unsubscribe(struct hl_req *r)
{
	json_object *in, *types = NULL;
	int removed = 0;
	hl_err rc;

	in = hl_input_json(r, unsubscribe_fields, 0);
	if (!in)
		return;
	json_object_object_get_ex(in, "event_types", &types);
	rc = hl_subscriptions_remove(r->db, r->who.account_id, r->params[0], types, &removed);
	if (rc) {
		hl_resp_core_error(r, rc);
	} else {
		hl_audit(r, "webhook.unsubscribe", r->params[0], in);
		answer_subscriptions(r, 200, removed);
	}
	json_object_put(in);
}

/* The event types the webhook receives and its recent events (those that
 * produced a delivery to it), newest first, paged. */
void
api_webhooks_events(struct hl_req *r)
{
	struct hl_event_filter f;
	char iterator[HL_ID_MAX];
	const char *it;
	json_object *subs = NULL, *events = NULL, *ep = NULL;
	int limit = hl_input_limit(r);
	hl_err rc;

	if (limit < 0 || hl_input_iterator(r, "evt", iterator, sizeof(iterator), &it))
		return;
	rc = hl_endpoint_get(r->db, r->cfg, r->who.account_id, r->params[0], &ep);
	json_object_put(ep);
	if (!rc)
		rc = hl_subscriptions_list(r->db, r->who.account_id, r->params[0], &subs);
	if (!rc) {
		memset(&f, 0, sizeof(f));
		f.endpoint_id = r->params[0];
		rc = hl_event_list(r->db, r->who.account_id, &f, limit, it, &events);
	}
	if (rc) {
		json_object_put(subs);
		hl_resp_core_error(r, rc);
		return;
	}
	/* The event list's own {data, iterator, done} plus the subscriptions. */
	json_object_object_add(events, "subscriptions", subs);
	hl_resp_json(r, 200, events);
}

void
api_webhooks_replay(struct hl_req *r)
{
	char since[32];
	json_object *in, *out, *detail;
	int only_failed, requeued = 0, created = 0;
	hl_err rc;

	in = hl_input_json(r, replay_fields, 0);
	if (!in)
		return;
	only_failed = hl_input_bool(in, "only_failed", 0);
	rc = hl_time_to_sql(hl_json_get_str(in, "since"), "since", HL_TIME_OFFSET_REQUIRED,
		since);
	if (!rc) {
		json_object *ep = NULL;

		rc = hl_endpoint_get(r->db, r->cfg, r->who.account_id, r->params[0], &ep);
		json_object_put(ep);
	}
	if (!rc)
		rc = hl_delivery_replay(r->db, r->who.account_id, r->params[0], since, only_failed,
			&requeued, &created);
	if (rc) {
		hl_resp_core_error(r, rc);
		json_object_put(in);
		return;
	}
	out = json_object_new_object();
	hl_json_add_str(out, "id", r->params[0]);
	hl_json_add_int(out, "requeued", requeued);
	hl_json_add_int(out, "created", created);
	detail = json_object_new_object();
	hl_json_add_int(detail, "requeued", requeued);
	hl_json_add_int(detail, "created", created);
	hl_json_add_bool(detail, "only_failed", only_failed);
	hl_audit(r, "webhook.replay", r->params[0], detail);
	json_object_put(detail);
	json_object_put(in);
	hl_resp_json(r, 202, out);
}
