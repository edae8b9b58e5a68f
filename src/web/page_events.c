/* page_events.c: /webhook/events: the catalog by family with schemas,
 * recent events with search by type and time, and one event's page with
 * its payload and every delivery it produced. */
#include <string.h>
#include "hl_events.h"
#include "hl_util.h"
#include "pages.h"
#include "render.h"

void
page_events(struct hl_req *r)
{
	char type[140], iterator[HL_ID_MAX], since_t[40], until_t[40], since[32], until[32];
	struct hl_event_filter f = { 0 };
	HDF *hdf = hl_page_hdf(r);
	json_object *list = NULL, *data;
	size_t i, n;
	char key[64];
	hl_err rc;

	rc = hl_page_catalog(r, "Page.Catalog", NULL);
	if (rc) {
		hl_page_core_error(r, rc, "Loading the event catalog");
		return;
	}
	hdf_set_value(hdf, "Page.Filter.type", hl_page_query(r, "type", type, sizeof(type)));
	hl_page_time_param(r, "since", since_t, sizeof(since_t), since);
	hl_page_time_param(r, "until", until_t, sizeof(until_t), until);
	hdf_set_value(hdf, "Page.Filter.since", since_t);
	hdf_set_value(hdf, "Page.Filter.until", until_t);
	f.event_type = *type ? type : NULL;
	f.since = *since ? since : NULL;
	f.until = *until ? until : NULL;
	rc = hl_event_list(r->db, r->who.account_id, &f, 25,
		*hl_page_query(r, "iterator", iterator, sizeof(iterator)) ? iterator : NULL, &list);
	if (rc == HL_ERR_INVALID) {
		hdf_set_value(hdf, "Page.FieldError.type", hl_errmsg());
		rc = HL_OK;
	} else if (rc) {
		hl_page_core_error(r, rc, "Loading events");
		return;
	} else {
		data = json_object_object_get(list, "data");
		n = json_object_array_length(data);
		for (i = 0; i < n; i++) {
			json_object *e = json_object_array_get_idx(data, i);

			snprintf(key, sizeof(key), "Page.Events.%zu.payload_text", i);
			hdf_set_value(hdf, key, json_object_to_json_string_ext(
				json_object_object_get(e, "payload"), JSON_C_TO_STRING_PLAIN |
				JSON_C_TO_STRING_NOSLASHESCAPE));
			/* Payload keys are data: never dataset names. */
			json_object_object_del(e, "payload");
			snprintf(key, sizeof(key), "Page.Events.%zu", i);
			hl_hdf_from_json(hdf, key, e);
		}
		if (!json_object_get_boolean(json_object_object_get(list, "done")))
			hl_hdf_from_json(hdf, "Page.Iterator", json_object_object_get(list, "iterator"));
		json_object_put(list);
	}
	hdf_set_value(hdf, "Page.Title", "Events");
	hdf_set_value(hdf, "Page.Nav", "events");
	hl_page_render(r, 200, "events.cs");
}

void
page_event(struct hl_req *r)
{
	HDF *hdf = hl_page_hdf(r);
	json_object *e = NULL;
	hl_err rc;

	rc = hl_event_get(r->db, r->who.account_id, r->params[0], &e);
	if (rc) {
		hl_page_core_error(r, rc, "Loading the event");
		return;
	}
	hl_page_json_text(hdf, "Page.PayloadText", json_object_object_get(e, "payload"));
	json_object_object_del(e, "payload");
	hl_hdf_from_json(hdf, "Page.Event", e);
	json_object_put(e);
	hdf_set_value(hdf, "Page.Title", "Event");
	hdf_set_value(hdf, "Page.Nav", "events");
	hl_page_render(r, 200, "event.cs");
}
