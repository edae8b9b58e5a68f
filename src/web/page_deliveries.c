/* page_deliveries.c: the delivery log with filters and paging, one
 * delivery with every attempt's request and response, retry one, and
 * bulk retry (replay) by filter. */
#include <stdio.h>
#include <string.h>
#include "hl_deliveries.h"
#include "hl_endpoints.h"
#include "hl_util.h"
#include "api_guard.h"
#include "pages.h"
#include "render.h"


static const char *const statuses[] = { "pending", "sending", "succeeded", "dead", "paused" };

struct filter_text {
	char status[16], webhook[HL_ID_MAX], type[140];
	char since_t[40], until_t[40], since[32], until[32];
};

/* Read the filter from the query (GET) or the form (bulk retry POST) and
 * echo it into Page.Filter; -1 when a value is invalid. */
static int
read_filter(struct hl_req *r, int from_form, struct filter_text *t, struct hl_delivery_filter *f)
{
	const char *(*get)(struct hl_req *, const char *, char *, size_t) =
		from_form ? hl_page_form : hl_page_query;
	HDF *hdf = hl_page_hdf(r);
	int bad = 0;
	size_t i;

	memset(f, 0, sizeof(*f));
	get(r, "status", t->status, sizeof(t->status));
	get(r, "webhook_id", t->webhook, sizeof(t->webhook));
	get(r, "type", t->type, sizeof(t->type));
	get(r, "since", t->since_t, sizeof(t->since_t));
	get(r, "until", t->until_t, sizeof(t->until_t));
	hdf_set_value(hdf, "Page.Filter.status", t->status);
	hdf_set_value(hdf, "Page.Filter.webhook_id", t->webhook);
	hdf_set_value(hdf, "Page.Filter.type", t->type);
	hdf_set_value(hdf, "Page.Filter.since", t->since_t);
	hdf_set_value(hdf, "Page.Filter.until", t->until_t);
	/* A filter value too long to read would be no filter: a bulk retry
	 * of more than was asked for. */
	if (hl_page_form_check(r)) {
		char key[96];

		snprintf(key, sizeof(key), "Page.FieldError.%s", hl_errfield());
		hdf_set_value(hdf, key, hl_errmsg());
		bad = 1;
	}
	if (*t->status) {
		for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
			if (!strcmp(statuses[i], t->status))
				f->status = statuses[i];
		if (!f->status) {
			hdf_set_value(hdf, "Page.FieldError.status", "unknown status");
			bad = 1;
		}
	}
	if (*t->webhook) {
		if (hl_id_valid("wh", t->webhook))
			f->endpoint_id = t->webhook;
		else {
			hdf_set_value(hdf, "Page.FieldError.webhook_id", "not a webhook id (wh_...)");
			bad = 1;
		}
	}
	/* The list (and a bulk retry of it) takes one exact type. */
	if (hl_page_type_filter(r, t->type, 0))
		bad = 1;
	f->event_type = *t->type ? t->type : NULL;
	if (*t->since_t) {
		if (hl_time_to_sql(t->since_t, "since", HL_TIME_NAIVE_UTC, t->since)) {
			hdf_set_value(hdf, "Page.FieldError.since", hl_errmsg());
			bad = 1;
		} else
			f->since = t->since;
	}
	if (*t->until_t) {
		if (hl_time_to_sql(t->until_t, "until", HL_TIME_NAIVE_UTC, t->until)) {
			hdf_set_value(hdf, "Page.FieldError.until", hl_errmsg());
			bad = 1;
		} else
			f->until = t->until;
	}
	return bad ? -1 : 0;
}

/* The URL and description of each endpoint the deliveries in list go to,
 * as Page.EndpointInfo.{wh_...}.{url, description} (an id is a safe
 * dataset name: wh_ and base32). One lookup per endpoint, not per row. */
static void
endpoint_info(struct hl_req *r, json_object *list)
{
	HDF *hdf = hl_page_hdf(r);
	size_t i, n = json_object_array_length(list);
	char key[HL_ID_MAX + 32];

	for (i = 0; i < n; i++) {
		const char *wh = hl_json_get_str(json_object_array_get_idx(list, i), "webhook_id");
		json_object *ep = NULL;

		if (!wh || !hl_id_valid("wh", wh))
			continue;
		snprintf(key, sizeof(key), "Page.EndpointInfo.%s.url", wh);
		if (hdf_get_value(hdf, key, NULL))
			continue;
		if (hl_endpoint_get(r->db, r->who.account_id, wh, &ep))
			continue;
		hdf_set_value(hdf, key, hl_json_get_str(ep, "url"));
		snprintf(key, sizeof(key), "Page.EndpointInfo.%s.description", wh);
		hdf_set_value(hdf, key, hl_json_get_str(ep, "description"));
		json_object_put(ep);
	}
}

void
page_deliveries(struct hl_req *r)
{
	struct filter_text t;
	struct hl_delivery_filter f;
	char iterator[HL_ID_MAX];
	HDF *hdf = hl_page_hdf(r);
	json_object *list = NULL;
	int status = 200;
	hl_err rc;

	if (read_filter(r, 0, &t, &f)) {
		status = 400;
	} else {
		rc = hl_delivery_list(r->db, r->who.account_id, &f, HL_LIST_DEFAULT,
			*hl_page_query(r, "iterator", iterator, sizeof(iterator)) ? iterator : NULL, &list);
		if (rc) {
			hl_page_core_error(r, rc, "Loading deliveries");
			return;
		}
		hl_hdf_from_json(hdf, "Page.Deliveries", json_object_object_get(list, "data"));
		endpoint_info(r, json_object_object_get(list, "data"));
		if (!json_object_get_boolean(json_object_object_get(list, "done")))
			hl_hdf_from_json(hdf, "Page.Iterator", json_object_object_get(list, "iterator"));
		json_object_put(list);
	}
	hl_page_endpoint_options(r);
	hl_page_show(r, status, "Deliveries", "deliveries", "deliveries.cs");
}

void
page_delivery(struct hl_req *r)
{
	HDF *hdf = hl_page_hdf(r);
	json_object *d = NULL, *log;
	char key[128];
	size_t i, n;
	hl_err rc;

	rc = hl_delivery_get(r->db, r->who.account_id, r->params[0], &d);
	if (rc) {
		hl_page_core_error(r, rc, "Loading the delivery");
		return;
	}
	log = json_object_object_get(d, "attempt_log");
	n = json_object_array_length(log);
	for (i = 0; i < n; i++) {
		json_object *a = json_object_array_get_idx(log, i);

		snprintf(key, sizeof(key), "Page.Attempts.%zu.request_headers", i);
		hl_page_headers(hdf, key, json_object_object_get(a, "request_headers"));
		snprintf(key, sizeof(key), "Page.Attempts.%zu.response_headers", i);
		hl_page_headers(hdf, key, json_object_object_get(a, "response_headers"));
		json_object_object_del(a, "request_headers");
		json_object_object_del(a, "response_headers");
		snprintf(key, sizeof(key), "Page.Attempts.%zu", i);
		hl_hdf_from_json(hdf, key, a);
	}
	json_object_object_del(d, "attempt_log");
	hl_hdf_from_json(hdf, "Page.Delivery", d);
	log = json_object_new_array();
	json_object_array_add(log, json_object_get(d));
	endpoint_info(r, log);
	json_object_put(log);
	json_object_put(d);
	hl_page_show(r, 200, "Delivery", "deliveries", "delivery.cs");
}

void
page_delivery_retry(struct hl_req *r)
{
	char loc[128];
	hl_err rc;

	rc = hl_delivery_retry(r->db, r->who.account_id, r->params[0]);
	if (rc) {
		hl_page_core_error(r, rc, "Retrying the delivery");
		return;
	}
	hl_audit(r, "delivery.retry", r->params[0], NULL);
	snprintf(loc, sizeof(loc), "/webhook/deliveries/%s?done=retried", r->params[0]);
	hl_resp_redirect(r, loc);
}

/* How many deliveries f matches, counted up to about cap (*more when
 * there are more); -1 when the list cannot be read. */
static int
count_matching(struct hl_req *r, const struct hl_delivery_filter *f, int cap, int *more)
{
	char iterator[HL_ID_MAX] = "";
	json_object *list = NULL;
	int n = 0, done;

	*more = 0;
	for (;;) {
		if (hl_delivery_list(r->db, r->who.account_id, f, HL_LIST_MAX,
		    *iterator ? iterator : NULL, &list))
			return -1;
		n += (int)json_object_array_length(json_object_object_get(list, "data"));
		done = json_object_get_boolean(json_object_object_get(list, "done"));
		hl_strlcpy(iterator, hl_json_get_str(list, "iterator") ?
			hl_json_get_str(list, "iterator") : "", sizeof(iterator));
		json_object_put(list);
		if (done || !*iterator)
			return n;
		if (n >= cap) {
			*more = 1;
			return n;
		}
	}
}

#define CONFIRM_COUNT_MAX 1000

/* Bulk retry: first a page saying what is about to be queued again and
 * how many (replaying succeeded deliveries sends them to their receivers
 * again), then, with confirm=1, the core's bulk retry. No status is the
 * core's default: the dead ones. */
void
page_deliveries_retry(struct hl_req *r)
{
	struct filter_text t;
	struct hl_delivery_filter f;
	HDF *hdf = hl_page_hdf(r);
	char confirm[8], loc[160];
	int n = 0, more;
	hl_err rc;

	if (read_filter(r, 1, &t, &f)) {
		hl_page_error(r, 400, "The filter is not valid; nothing was retried.");
		return;
	}
	if (!*hl_page_form(r, "confirm", confirm, sizeof(confirm))) {
		struct hl_delivery_filter c = f;

		c.status = f.status ? f.status : "dead";
		hdf_set_value(hdf, "Page.Bulk", c.status);
		if (strcmp(c.status, "dead") && strcmp(c.status, "succeeded") &&
		    strcmp(c.status, "pending")) {
			hl_page_error(r, 400, "Only dead, succeeded or pending deliveries can be "
				"queued again; nothing was retried.");
			return;
		}
		n = count_matching(r, &c, CONFIRM_COUNT_MAX, &more);
		if (n < 0) {
			hl_page_core_error(r, hl_errcode(), "Counting the deliveries");
			return;
		}
		hdf_set_int_value(hdf, "Page.Count", n);
		hdf_set_int_value(hdf, "Page.CountMore", more);
		hl_page_endpoint_options(r);
		hl_page_show(r, 200, "Queue deliveries again?", "deliveries",
			"deliveries_retry_confirm.cs");
		return;
	}
	rc = hl_delivery_retry_bulk(r->db, r->who.account_id, &f, &n);
	if (rc) {
		hl_page_core_error(r, rc, "Retrying deliveries");
		return;
	}
	hl_audit(r, "delivery.retry_bulk", f.endpoint_id, NULL);
	/* Post/Redirect/Get: the pending list says how many were queued;
	 * reloading it queues nothing again. */
	snprintf(loc, sizeof(loc), "/webhook/deliveries?status=pending%s%s&done=requeued&count=%d",
		f.endpoint_id ? "&webhook_id=" : "", f.endpoint_id ? f.endpoint_id : "", n);
	hl_resp_redirect(r, loc);
}
