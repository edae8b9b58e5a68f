/* page_testing.c: /webhook/testing: a test send through the one sender
 * (showing the exact request and the response), a signature checker, and
 * the request inspector (temporary receive URLs; the public receiving side
 * is page_inspect_receive). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hl_buf.h"
#include "hl_crypto.h"
#include "hl_deliveries.h"
#include "hl_endpoints.h"
#include "hl_inspect.h"
#include "hl_log.h"
#include "hl_oauth.h"
#include "hl_sender.h"
#include "hl_util.h"
#include "api_guard.h"
#include "pages.h"
#include "render.h"

#define PAYLOAD_MAX 65536
#define CHECK_TOLERANCE_S 300

/* What a form shows again when it was too long (hl_page_keep). */
static const char *const payload_field[] = { "payload", NULL };
static const char *const body_field[] = { "body", NULL };

/* The page's selects (endpoints, event types) and live receive URLs. */
static void
page_data(struct hl_req *r)
{
	HDF *hdf = hl_page_hdf(r);
	json_object *list = NULL;

	hl_page_endpoint_options(r);
	if (!hl_inspect_bins(r->db, r->who.account_id, &list))
		hl_hdf_from_json(hdf, "Page.Bins", json_object_object_get(list, "data"));
	json_object_put(list);
	hl_page_catalog(r, "Page.Catalog", NULL);
}

void
page_testing(struct hl_req *r)
{
	static const struct hl_page_filter filters[] = {
		{ "webhook_id", HL_PF_ID, NULL, 0, "wh", "a webhook" },
		{ NULL, 0, NULL, 0, NULL, NULL },
	};
	struct hl_page_filter_value v[1];
	HDF *hdf = hl_page_hdf(r);
	json_object *ep = NULL;
	int status = 200;
	hl_err rc = HL_ERR_NOTFOUND;

	/* The endpoint to test, as a link from its page names it: one that
	 * is not the account's was dropped, and the form chose another. */
	if (!hl_page_filters(r, 0, filters, v) && *v[0].text)
		rc = hl_endpoint_get(r->db, r->cfg, r->who.account_id, v[0].text, &ep);
	json_object_put(ep);
	if (rc && rc != HL_ERR_NOTFOUND) {
		hl_page_core_error(r, rc, "Loading the endpoint");
		return;
	}
	if (rc && *hdf_get_value(hdf, "Page.Filter.webhook_id", "")) {
		hdf_set_value(hdf, "Page.FieldError.webhook_id", "not one of this account's webhooks: "
			"choose one from the list");
		status = 400;
	}
	hdf_set_value(hdf, "Page.Send.webhook_id", hdf_get_value(hdf, "Page.Filter.webhook_id", ""));
	hdf_set_value(hdf, "Page.Send.type", "system.alert");
	hdf_set_value(hdf, "Page.Send.payload", "{\n  \"message\": \"hello from hookline\"\n}");
	page_data(r);
	hl_page_show(r, status, "Testing", "testing", "testing.cs");
}

/* Headers stored as JSON text (attempt records). */
static void
headers_list(HDF *hdf, const char *prefix, const char *json_text)
{
	json_object *h = json_text ? json_tokener_parse(json_text) : NULL;

	hl_page_headers(hdf, prefix, h);
	json_object_put(h);
}

void
page_testing_send(struct hl_req *r)
{
	char wh[HL_ID_MAX], type[140], msg[200];
	char *payload = malloc(PAYLOAD_MAX + 1);
	const char *why;
	HDF *hdf = hl_page_hdf(r);
	json_object *parsed = NULL;
	struct hl_attempt a;
	struct hl_job job;
	int status = 200, have_job = 0, have_attempt = 0;
	hl_err rc;

	memset(&a, 0, sizeof(a));
	memset(&job, 0, sizeof(job));
	if (!payload) {
		hl_page_error(r, 500, "Out of memory.");
		return;
	}
	hl_page_form(r, "webhook_id", wh, sizeof(wh));
	hl_page_form(r, "type", type, sizeof(type));
	hl_page_form(r, "payload", payload, PAYLOAD_MAX + 1);
	hdf_set_value(hdf, "Page.Send.webhook_id", wh);
	hdf_set_value(hdf, "Page.Send.type", type);
	hdf_set_value(hdf, "Page.Send.payload", payload);
	hl_page_keep(r, "Page.Send", payload_field);
	if (hl_page_form_check(r)) {
		char key[96];

		snprintf(key, sizeof(key), "Page.FieldError.%s", hl_errfield());
		hdf_set_value(hdf, key, hl_errmsg());
		status = 422;
		goto out;
	}
	if (!hl_id_valid("wh", wh)) {
		hdf_set_value(hdf, "Page.FieldError.webhook_id", "choose an endpoint");
		status = 422;
		goto out;
	}
	rc = hl_event_pattern_validate(r->db, r->who.account_id, type);
	if (rc || strchr(type, '*')) {
		hdf_set_value(hdf, "Page.FieldError.type", rc ? hl_errmsg() :
			"choose one event type, not a wildcard");
		status = 422;
		goto out;
	}
	/* The parser the API uses: json_tokener_parse took '{} x', NaN and
	 * 1e999, and sent what no receiver would be sent by a publish. */
	parsed = hl_json_parse(payload, strlen(payload), 1, &why);
	if (!json_object_is_type(parsed, json_type_object)) {
		snprintf(msg, sizeof(msg), "the payload must be a JSON object%s%s",
			why ? ": " : "", why ? why : "");
		hdf_set_value(hdf, "Page.FieldError.payload", msg);
		status = 422;
		goto out;
	}
	if (hl_json_text_has_nul(payload, strlen(payload))) {
		hdf_set_value(hdf, "Page.FieldError.payload",
			"the payload must not contain a NUL character (\\u0000)");
		status = 422;
		goto out;
	}
	rc = hl_endpoint_test_job(r->db, r->cfg, r->who.account_id, wh, type, parsed, &job);
	if (rc == HL_ERR_NOTFOUND) {
		hdf_set_value(hdf, "Page.FieldError.webhook_id", "no such endpoint");
		status = 422;
		goto out;
	}
	if (rc) {
		hl_log(HL_LOG_ERROR, "test send: %s", hl_errmsg());
		hdf_set_value(hdf, "Page.Error", "The test could not be prepared; see the server log.");
		status = 500;
		goto out;
	}
	have_job = 1;
	rc = hl_send_now(r->cfg, &job, &a);
	hl_audit(r, "webhook.test", wh, NULL);
	if (rc) {
		hdf_set_value(hdf, "Page.Result.error_message", hl_errmsg());
		hdf_set_value(hdf, "Page.Result.error_class", "setup");
		hdf_set_int_value(hdf, "Page.Result.done", 1);
		goto out;
	}
	have_attempt = 1;
	/* As the runner does: a 401 drops the OAuth token this test was sent with. */
	hl_oauth_answered(r->db, &a);
	hdf_set_int_value(hdf, "Page.Result.done", 1);
	hdf_set_value(hdf, "Page.Result.method", job.method);
	hdf_set_value(hdf, "Page.Result.url", job.url);
	headers_list(hdf, "Page.Result.request_headers", a.request_headers);
	hdf_set_value(hdf, "Page.Result.request_body", job.body);
	hdf_set_int_value(hdf, "Page.Result.status", (int)a.status);
	hdf_set_int_value(hdf, "Page.Result.duration_ms", (int)a.duration_ms);
	hdf_set_int_value(hdf, "Page.Result.success", a.outcome == HL_OUT_SUCCESS);
	if (a.error_class)
		hdf_set_value(hdf, "Page.Result.error_class", a.error_class);
	if (a.error_message[0])
		hdf_set_value(hdf, "Page.Result.error_message", a.error_message);
	headers_list(hdf, "Page.Result.response_headers", a.response_headers);
	if (a.response_body)
		hdf_set_value(hdf, "Page.Result.response_body", a.response_body);
out:
	json_object_put(parsed);
	if (have_attempt)
		hl_attempt_clear(&a);
	if (have_job)
		hl_job_clear(&job);
	free(payload);
	page_data(r);
	hl_page_show(r, status, "Testing", "testing", "testing.cs");
}

void
page_testing_verify(struct hl_req *r)
{
	char secret[200], id[200], ts_text[32], header[2000];
	char *body = malloc(PAYLOAD_MAX + 1), *end;
	HDF *hdf = hl_page_hdf(r);
	long long ts;
	hl_err rc;

	if (!body) {
		hl_page_error(r, 500, "Out of memory.");
		return;
	}
	hl_page_form(r, "secret", secret, sizeof(secret));
	hl_page_form(r, "msg_id", id, sizeof(id));
	hl_page_form(r, "timestamp", ts_text, sizeof(ts_text));
	hl_page_form(r, "signature", header, sizeof(header));
	hl_page_form(r, "body", body, PAYLOAD_MAX + 1);
	/* The secret is never echoed back into the page. */
	hdf_set_value(hdf, "Page.Check.msg_id", id);
	hdf_set_value(hdf, "Page.Check.timestamp", ts_text);
	hdf_set_value(hdf, "Page.Check.signature", header);
	hdf_set_value(hdf, "Page.Check.body", body);
	hl_page_keep(r, "Page.Check", body_field);
	ts = strtoll(ts_text, &end, 10);
	if (hl_page_form_check(r)) {
		/* Checked as "", a body too long to read would never match. */
		hdf_set_value(hdf, "Page.Check.reason", hl_errmsg());
	} else if (!*ts_text || *end || ts <= 0) {
		hdf_set_value(hdf, "Page.Check.reason", "webhook-timestamp must be unix seconds");
	} else if (!*id) {
		hdf_set_value(hdf, "Page.Check.reason", "webhook-id is missing");
	} else if (!*header) {
		hdf_set_value(hdf, "Page.Check.reason", "webhook-signature is missing");
	} else {
		rc = hl_webhook_verify(secret, id, ts, body, strlen(body), header);
		if (rc == HL_ERR_INVALID)
			hdf_set_value(hdf, "Page.Check.reason",
				"the secret is malformed (expected whsec_ and base64)");
		else if (rc)
			hdf_set_value(hdf, "Page.Check.reason", "no v1 signature matches this secret, "
				"id, timestamp and body (check that the body is byte for byte what was sent)");
		else {
			long long skew = (long long)time(NULL) - ts;

			hdf_set_int_value(hdf, "Page.Check.valid", 1);
			if (skew > CHECK_TOLERANCE_S || skew < -CHECK_TOLERANCE_S)
				hdf_set_value(hdf, "Page.Check.warning", "the signature matches, but the "
					"timestamp is more than 5 minutes from now: receivers reject it as "
					"a possible replay");
		}
	}
	hdf_set_int_value(hdf, "Page.Check.done", 1);
	memset(secret, 0, sizeof(secret));
	free(body);
	page_data(r);
	hl_page_show(r, 200, "Testing", "testing", "testing.cs");
}

void
page_testing_inspect_new(struct hl_req *r)
{
	char id[HL_ID_MAX], loc[128];
	hl_err rc;

	rc = hl_inspect_create(r->db, r->who.account_id, r->who.actor, id);
	if (rc) {
		hl_page_core_error(r, rc, "Creating a receive URL");
		return;
	}
	snprintf(loc, sizeof(loc), "/webhook/testing/inspect/%s", id);
	hl_resp_redirect(r, loc);
}

/* A body that is not text (hl_inspect_requests gave it as base64) as a
 * hex dump in key: every byte kept, HL_INSPECT_BODY_MAX at most. */
static hl_err
body_hexdump(HDF *hdf, const char *key, const char *b64)
{
	unsigned char *bytes = malloc(HL_INSPECT_BODY_MAX);
	struct hl_buf dump;
	NEOERR *err;
	size_t n = 0;
	hl_err rc;

	hl_buf_init(&dump, (HL_INSPECT_BODY_MAX / 16 + 1) * HL_BUF_HEXDUMP_LINE);
	if (!bytes)
		return hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
	rc = hl_base64_decode(b64, strlen(b64), bytes, HL_INSPECT_BODY_MAX, &n);
	if (rc)
		goto out;
	rc = hl_buf_hexdump(&dump, bytes, n);
	if (rc)
		goto out;
	err = hdf_set_value(hdf, key, hl_buf_str(&dump));
	if (err)
		rc = hl_neoerr(err, HL_ERR_NOMEM, "dataset");
out:
	free(bytes);
	hl_buf_free(&dump);
	return rc;
}

void
page_testing_inspect(struct hl_req *r)
{
	HDF *hdf = hl_page_hdf(r);
	json_object *list = NULL, *data;
	const char *b64;
	char key[96];
	size_t i, n;
	hl_err rc;

	rc = hl_inspect_requests(r->db, r->who.account_id, r->params[0], &list);
	if (rc) {
		hl_page_core_error(r, rc, "Loading received requests");
		return;
	}
	data = json_object_object_get(list, "data");
	n = json_object_array_length(data);
	for (i = 0; i < n && !rc; i++) {
		json_object *q = json_object_array_get_idx(data, i);

		snprintf(key, sizeof(key), "Page.Requests.%zu.headers", i);
		hl_page_headers(hdf, key, json_object_object_get(q, "headers"));
		json_object_object_del(q, "headers");
		b64 = hl_json_get_str(q, "body_base64");
		if (b64) {
			snprintf(key, sizeof(key), "Page.Requests.%zu.hexdump", i);
			rc = body_hexdump(hdf, key, b64);
			json_object_object_del(q, "body_base64");
		}
		snprintf(key, sizeof(key), "Page.Requests.%zu", i);
		hl_hdf_from_json(hdf, key, q);
	}
	json_object_put(list);
	if (rc) {
		hl_page_core_error(r, rc, "Showing a received body");
		return;
	}
	hdf_set_value(hdf, "Page.BinId", r->params[0]);
	hdf_set_int_value(hdf, "Page.BodyMax", HL_INSPECT_BODY_MAX);
	hdf_set_int_value(hdf, "Page.RequestsMax", HL_INSPECT_REQUESTS_MAX);
	hl_page_show(r, 200, "Request inspector", "testing", "inspect.cs");
}
