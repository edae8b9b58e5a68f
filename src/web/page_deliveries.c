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


static const char *const statuses[] = { "pending", "sending", "succeeded", "dead", "paused",
	NULL };

/* The list's filters (hl_page_filters), in this order. */
enum filter { F_STATUS, F_WEBHOOK, F_TYPE, F_SINCE, F_UNTIL, F_ITERATOR, F__MAX };

static const struct hl_page_filter filters[F__MAX + 1] = {
	[F_STATUS] = { "status", HL_PF_CHOICE, statuses, 1, NULL, NULL },
	[F_WEBHOOK] = { "webhook_id", HL_PF_ID, NULL, 0, "wh", "a webhook" },
	/* The list (and a bulk retry of it) takes one exact type. */
	[F_TYPE] = { "type", HL_PF_TYPE, NULL, 0, NULL, NULL },
	[F_SINCE] = { "since", HL_PF_SINCE, NULL, 0, NULL, NULL },
	[F_UNTIL] = { "until", HL_PF_UNTIL, NULL, 0, NULL, NULL },
	[F_ITERATOR] = { "iterator", HL_PF_ITERATOR, NULL, 0, "dlv", NULL },
	[F__MAX] = { NULL, 0, NULL, 0, NULL, NULL },
};

/* Read the filter from the query (GET) or the form (bulk retry POST),
 * echoed into Page.Filter; -1 when a value is invalid (a filter read as
 * none would retry more than was asked for). */
static int
read_filter(struct hl_req *r, int from_form, struct hl_page_filter_value v[F__MAX],
	struct hl_delivery_filter *f)
{
	memset(f, 0, sizeof(*f));
	if (hl_page_filters(r, from_form, filters, v))
		return -1;
	f->status = v[F_STATUS].choice >= 0 ? statuses[v[F_STATUS].choice] : NULL;
	f->endpoint_id = *v[F_WEBHOOK].text ? v[F_WEBHOOK].text : NULL;
	f->event_type = *v[F_TYPE].text ? v[F_TYPE].text : NULL;
	f->since = *v[F_SINCE].sql ? v[F_SINCE].sql : NULL;
	f->until = *v[F_UNTIL].sql ? v[F_UNTIL].sql : NULL;
	return 0;
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
		if (hl_endpoint_get(r->db, r->cfg, r->who.account_id, wh, &ep))
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
	struct hl_page_filter_value v[F__MAX];
	struct hl_delivery_filter f;
	HDF *hdf = hl_page_hdf(r);
	json_object *list = NULL;
	int status = 200;
	hl_err rc;

	if (read_filter(r, 0, v, &f)) {
		status = 400;
	} else {
		rc = hl_delivery_list(r->db, r->who.account_id, &f, HL_LIST_DEFAULT,
			*v[F_ITERATOR].text ? v[F_ITERATOR].text : NULL, &list);
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
	struct hl_page_filter_value v[F__MAX];
	struct hl_delivery_filter f;
	HDF *hdf = hl_page_hdf(r);
	char confirm[8], loc[160];
	int n = 0, more;
	hl_err rc;

	if (read_filter(r, 1, v, &f)) {
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
