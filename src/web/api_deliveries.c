/* api_deliveries.c: delivery history and retries. */
#include <string.h>
#include "hl_crypto.h"
#include "hl_deliveries.h"
#include "hl_endpoints.h"
#include "hl_util.h"
#include "api.h"
#include "api_guard.h"
#include "input.h"

static const struct hl_field bulk_retry_fields[] = {
	{ "status", HL_F_STRING, 0, 16 },
	{ "webhook_id", HL_F_STRING, 0, HL_ID_MAX - 1 },
	{ "event_type", HL_F_STRING, 0, 128 },
	{ "since", HL_F_STRING, 0, 40 },
	{ "until", HL_F_STRING, 0, 40 },
	{ NULL, 0, 0, 0 },
};

static const char *const statuses[] = { "pending", "sending", "succeeded", "dead", "paused", NULL };

void
api_deliveries_for_webhook(struct hl_req *r)
{
	struct hl_delivery_filter f;
	char status[16], type[130], since_in[40], until_in[40], since[32], until[32];
	char iterator[HL_ID_MAX];
	const char *it;
	json_object *out, *ep = NULL;
	int limit = hl_input_limit(r), i;
	hl_err rc;

	if (limit < 0 || hl_input_iterator(r, "dlv", iterator, sizeof(iterator), &it))
		return;
	memset(&f, 0, sizeof(f));
	f.endpoint_id = r->params[0];
	f.status = hl_req_query(r, "status", status, sizeof(status));
	if (f.status) {
		for (i = 0; statuses[i] && strcmp(statuses[i], f.status); i++)
			;
		if (!statuses[i]) {
			hl_resp_error(r, 400, "invalid_value", "status must be one of pending, sending, "
				"succeeded, dead, paused", "status");
			return;
		}
	}
	f.event_type = hl_req_query(r, "event_type", type, sizeof(type));
	if (hl_req_query(r, "since", since_in, sizeof(since_in))) {
		if (hl_time_to_sql(since_in, "since", HL_TIME_OFFSET_REQUIRED, since)) {
			hl_resp_core_error(r, HL_ERR_INVALID);
			return;
		}
		f.since = since;
	}
	if (hl_req_query(r, "until", until_in, sizeof(until_in))) {
		if (hl_time_to_sql(until_in, "until", HL_TIME_OFFSET_REQUIRED, until)) {
			hl_resp_core_error(r, HL_ERR_INVALID);
			return;
		}
		f.until = until;
	}
	/* As analytics and the bulk retry answer it: an empty range is a
	 * mistake (the two swapped), not a list with nothing in it. */
	if (f.since && f.until && strcmp(f.until, f.since) <= 0) {
		hl_resp_error(r, 422, "invalid_value", "until must be later than since", "until");
		return;
	}
	/* 404 for another account's (or no) webhook, not an empty list. */
	rc = hl_endpoint_get(r->db, r->cfg, r->who.account_id, r->params[0], &ep);
	json_object_put(ep);
	if (rc) {
		hl_resp_core_error(r, rc);
		return;
	}
	rc = hl_delivery_list(r->db, r->who.account_id, &f, limit, it, &out);
	hl_resp_result(r, rc, 200, out);
}

void
api_deliveries_get(struct hl_req *r)
{
	json_object *out;
	hl_err rc;

	rc = hl_delivery_get(r->db, r->who.account_id, r->params[0], &out);
	hl_resp_result(r, rc, 200, out);
}

void
api_deliveries_retry(struct hl_req *r)
{
	json_object *out;
	hl_err rc;

	if (hl_input_none(r))
		return;
	rc = hl_delivery_retry(r->db, r->who.account_id, r->params[0]);
	if (!rc)
		rc = hl_delivery_get(r->db, r->who.account_id, r->params[0], &out);
	if (rc) {
		hl_resp_core_error(r, rc);
		return;
	}
	hl_audit(r, "delivery.retry", r->params[0], NULL);
	hl_resp_json(r, 202, out);
}

/* POST /webhooks/deliveries/retry: every finished delivery matching the
 * filter (default: the dead ones) is queued again. */
void
api_deliveries_retry_bulk(struct hl_req *r)
{
	struct hl_delivery_filter f;
	struct hl_retry_times times;
	json_object *in, *out;
	const char *wh;
	int n = 0;
	hl_err rc;

	in = hl_input_json(r, bulk_retry_fields, 1);
	if (!in)
		return;
	wh = hl_json_get_str(in, "webhook_id");
	rc = hl_delivery_retry_filter(hl_json_get_str(in, "status"), wh,
		hl_json_get_str(in, "event_type"), hl_json_get_str(in, "since"),
		hl_json_get_str(in, "until"), &f, &times);
	if (!rc)
		rc = hl_delivery_retry_bulk(r->db, r->who.account_id, &f, &n);
	if (rc) {
		hl_resp_core_error(r, rc);
	} else {
		out = json_object_new_object();
		hl_json_add_int(out, "retried", n);
		hl_audit(r, "delivery.retry_bulk", wh, in);
		hl_resp_json(r, 202, out);
	}
	json_object_put(in);
}
