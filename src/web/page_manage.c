/* page_manage.c: /webhook/manage: the endpoint list, the create and edit
 * forms (inline errors keep what was typed), enable, disable, delete and
 * secret rotation. New secrets are rendered once, never redirected with. */
#include <stdio.h>
#include <string.h>
#include "hl_analytics.h"
#include "hl_endpoints.h"
#include "hl_util.h"
#include "pages.h"
#include "render.h"

#define ROTATE_GRACE_S (24 * 3600)

/* Add each endpoint's 7-day success rate to the list. */
static void
add_rates(struct hl_req *r, json_object *endpoints)
{
	struct hl_analytics_filter f = { 0 };
	char since[32], until[32];
	time_t now = time(NULL), then = now - 7 * 86400;
	json_object *a = NULL, *by;
	size_t i, j, n, m;
	struct tm tm;

	gmtime_r(&then, &tm);
	strftime(since, sizeof(since), "%Y-%m-%d %H:%M:%S", &tm);
	now += 60;
	gmtime_r(&now, &tm);
	strftime(until, sizeof(until), "%Y-%m-%d %H:%M:%S", &tm);
	f.since = since;
	f.until = until;
	f.buckets = 1;
	if (hl_analytics_query(r->db, r->who.account_id, &f, &a))
		return;
	by = json_object_object_get(a, "by_endpoint");
	n = json_object_array_length(endpoints);
	m = json_object_array_length(by);
	for (i = 0; i < n; i++) {
		json_object *ep = json_object_array_get_idx(endpoints, i);
		const char *id = json_object_get_string(json_object_object_get(ep, "id"));

		for (j = 0; j < m; j++) {
			json_object *g = json_object_array_get_idx(by, j);

			if (strcmp(id, json_object_get_string(json_object_object_get(g, "webhook_id"))))
				continue;
			json_object_object_add(ep, "success_rate",
				json_object_get(json_object_object_get(g, "success_rate")));
			json_object_object_add(ep, "attempts_7d",
				json_object_get(json_object_object_get(g, "attempts")));
		}
	}
	json_object_put(a);
}

void
page_manage(struct hl_req *r)
{
	char iterator[HL_ID_MAX], done[32];
	json_object *list, *data;
	HDF *hdf = hl_page_hdf(r);
	hl_err rc;

	rc = hl_endpoint_list(r->db, r->who.account_id, HL_LIST_DEFAULT,
		hl_req_query(r, "iterator", iterator, sizeof(iterator)), &list);
	if (rc) {
		hl_page_error(r, 500, "The endpoint list could not be loaded.");
		return;
	}
	data = json_object_object_get(list, "data");
	add_rates(r, data);
	hl_hdf_from_json(hdf, "Page.Endpoints", data);
	if (!json_object_get_boolean(json_object_object_get(list, "done")))
		hl_hdf_from_json(hdf, "Page.Iterator", json_object_object_get(list, "iterator"));
	json_object_put(list);
	/* A closed set of notices after a redirect; the template words them. */
	hdf_set_value(hdf, "Page.Done", hl_page_query(r, "done", done, sizeof(done)));
	hdf_set_value(hdf, "Page.Title", "Manage webhooks");
	hdf_set_value(hdf, "Page.Nav", "manage");
	hl_page_render(r, 200, "manage.cs");
}

/* The form, filled from form (a JSON endpoint or what was typed). */
static void
show_form(struct hl_req *r, int status, const char *id, json_object *form)
{
	HDF *hdf = hl_page_hdf(r);
	char done[32];

	if (id)
		hdf_set_value(hdf, "Page.Id", id);
	hdf_set_value(hdf, "Page.Done", hl_page_query(r, "done", done, sizeof(done)));
	hl_hdf_from_json(hdf, "Page.Form", form);
	if (hl_page_catalog(r, "Page.Catalog", json_object_object_get(form, "event_types"))) {
		hl_page_core_error(r, hl_errcode(), "Loading the event catalog");
		return;
	}
	hdf_set_value(hdf, "Page.Title", id ? "Edit webhook" : "New webhook");
	hdf_set_value(hdf, "Page.Nav", "manage");
	hl_page_render(r, status, "manage_form.cs");
}

void
page_manage_new(struct hl_req *r)
{
	json_object *form = json_object_new_object();

	hl_json_add_str(form, "method", "POST");
	hl_json_add_bool(form, "enabled", 1);
	show_form(r, 200, NULL, form);
	json_object_put(form);
}

/* What the form posted, as JSON (also what is shown again on error). */
static json_object *
read_form(struct hl_req *r)
{
	char url[2100], description[600], method[8], enabled[4];
	json_object *form = json_object_new_object();

	hl_json_add_str(form, "url", hl_page_form(r, "url", url, sizeof(url)));
	hl_json_add_str(form, "description", hl_page_form(r, "description", description,
		sizeof(description)));
	hl_json_add_str(form, "method", hl_page_form(r, "method", method, sizeof(method)));
	hl_json_add_bool(form, "enabled", *hl_page_form(r, "enabled", enabled, sizeof(enabled)) != 0);
	json_object_object_add(form, "event_types", hl_page_catalog_selection(r));
	return form;
}

static void
spec_from_form(json_object *form, struct hl_endpoint_spec *spec)
{
	memset(spec, 0, sizeof(*spec));
	spec->url = json_object_get_string(json_object_object_get(form, "url"));
	spec->description = json_object_get_string(json_object_object_get(form, "description"));
	spec->method = json_object_get_string(json_object_object_get(form, "method"));
	spec->event_types = json_object_object_get(form, "event_types");
	spec->enabled = json_object_get_boolean(json_object_object_get(form, "enabled"));
}

/* A validation error goes back into the form next to its field. */
static int
form_error(struct hl_req *r, hl_err rc, const char *id, json_object *form)
{
	HDF *hdf = hl_page_hdf(r);
	char key[80];

	if (rc != HL_ERR_INVALID && rc != HL_ERR_UNPROCESSABLE && rc != HL_ERR_TOOLARGE)
		return 0;
	snprintf(key, sizeof(key), "Page.FieldError.%s", hl_errfield() ? hl_errfield() : "form");
	hdf_set_value(hdf, key, hl_errmsg());
	hdf_set_value(hdf, "Page.Error", "Please correct the highlighted field.");
	show_form(r, 422, id, form);
	return 1;
}

void
page_manage_create(struct hl_req *r)
{
	struct hl_endpoint_spec spec;
	json_object *form = read_form(r), *ep = NULL;
	HDF *hdf = hl_page_hdf(r);
	hl_err rc;

	spec_from_form(form, &spec);
	rc = hl_endpoint_create(r->db, r->cfg, r->who.account_id, &spec, &ep);
	if (rc) {
		if (!form_error(r, rc, NULL, form))
			hl_page_core_error(r, rc, "Creating the webhook");
		goto out;
	}
	hl_hdf_from_json(hdf, "Page.Endpoint", ep);
	hdf_set_value(hdf, "Page.Title", "Webhook created");
	hdf_set_value(hdf, "Page.Nav", "manage");
	hl_page_render(r, 201, "manage_secret.cs");
out:
	json_object_put(form);
	json_object_put(ep);
}

void
page_manage_edit(struct hl_req *r)
{
	json_object *ep = NULL;
	hl_err rc;

	rc = hl_endpoint_get(r->db, r->who.account_id, r->params[0], &ep);
	if (rc) {
		hl_page_core_error(r, rc, "Loading the webhook");
		return;
	}
	hl_hdf_from_json(hl_page_hdf(r), "Page.Endpoint", ep);
	show_form(r, 200, r->params[0], ep);
	json_object_put(ep);
}

void
page_manage_update(struct hl_req *r)
{
	struct hl_endpoint_spec spec;
	json_object *form = read_form(r), *ep = NULL;
	char loc[128];
	hl_err rc;

	spec_from_form(form, &spec);
	rc = hl_endpoint_update(r->db, r->cfg, r->who.account_id, r->params[0], &spec, &ep);
	if (rc) {
		if (!form_error(r, rc, r->params[0], form))
			hl_page_core_error(r, rc, "Saving the webhook");
		goto out;
	}
	snprintf(loc, sizeof(loc), "/webhook/manage/%s?done=saved", r->params[0]);
	hl_resp_redirect(r, loc);
out:
	json_object_put(form);
	json_object_put(ep);
}

static void
set_enabled(struct hl_req *r, int enabled)
{
	struct hl_endpoint_spec spec;
	json_object *ep = NULL;
	hl_err rc;

	memset(&spec, 0, sizeof(spec));
	spec.enabled = enabled;
	rc = hl_endpoint_update(r->db, r->cfg, r->who.account_id, r->params[0], &spec, &ep);
	json_object_put(ep);
	if (rc) {
		hl_page_core_error(r, rc, enabled ? "Enabling the webhook" : "Disabling the webhook");
		return;
	}
	hl_resp_redirect(r, enabled ? "/webhook/manage?done=enabled" : "/webhook/manage?done=disabled");
}

void
page_manage_enable(struct hl_req *r)
{
	set_enabled(r, 1);
}

void
page_manage_disable(struct hl_req *r)
{
	set_enabled(r, 0);
}

void
page_manage_delete(struct hl_req *r)
{
	hl_err rc;

	rc = hl_endpoint_delete(r->db, r->who.account_id, r->params[0]);
	if (rc) {
		hl_page_core_error(r, rc, "Deleting the webhook");
		return;
	}
	hl_resp_redirect(r, "/webhook/manage?done=deleted");
}

void
page_manage_rotate(struct hl_req *r)
{
	char secret[HL_SECRET_MAX];
	json_object *ep = NULL;
	HDF *hdf = hl_page_hdf(r);
	hl_err rc;

	rc = hl_endpoint_rotate_secret(r->db, r->cfg, r->who.account_id, r->params[0],
		ROTATE_GRACE_S, secret);
	if (!rc)
		rc = hl_endpoint_get(r->db, r->who.account_id, r->params[0], &ep);
	if (rc) {
		hl_page_core_error(r, rc, "Rotating the secret");
		goto out;
	}
	hl_json_add_str(ep, "secret", secret);
	hl_hdf_from_json(hdf, "Page.Endpoint", ep);
	hdf_set_int_value(hdf, "Page.Rotated", 1);
	hdf_set_int_value(hdf, "Page.GraceHours", ROTATE_GRACE_S / 3600);
	hdf_set_value(hdf, "Page.Title", "Secret rotated");
	hdf_set_value(hdf, "Page.Nav", "manage");
	hl_page_render(r, 200, "manage_secret.cs");
out:
	memset(secret, 0, sizeof(secret));
	json_object_put(ep);
}
