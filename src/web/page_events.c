/* page_events.c: /webhook/events: the catalog by family with schemas and
 * the form defining a custom type, recent events with search by type and
 * time, and one event's page with its payload and every delivery it produced. */
#include <string.h>
#include "hl_event_types.h"
#include "hl_events.h"
#include "hl_util.h"
#include "api_guard.h"
#include "pages.h"
#include "render.h"

/* The search's filters (hl_page_filters), in this order. */
enum filter { F_TYPE, F_SINCE, F_UNTIL, F_ITERATOR, F__MAX };

static const struct hl_page_filter filters[F__MAX + 1] = {
	[F_TYPE] = { "type", HL_PF_TYPES, NULL, 0, NULL, NULL },
	[F_SINCE] = { "since", HL_PF_SINCE, NULL, 0, NULL, NULL },
	[F_UNTIL] = { "until", HL_PF_UNTIL, NULL, 0, NULL, NULL },
	[F_ITERATOR] = { "iterator", HL_PF_ITERATOR, NULL, 0, "evt", NULL },
	[F__MAX] = { NULL, 0, NULL, 0, NULL, NULL },
};

/* The events page; status is 422 when the type form comes back with an
 * error, 400 when the search filter is not valid. */
static void
show_events(struct hl_req *r, int status)
{
	struct hl_page_filter_value v[F__MAX];
	struct hl_event_filter f = { 0 };
	HDF *hdf = hl_page_hdf(r);
	json_object *list = NULL, *data;
	size_t i, n;
	char key[96];
	hl_err rc;

	rc = hl_page_catalog(r, "Page.Catalog", NULL);
	if (rc) {
		hl_page_core_error(r, rc, "Loading the event catalog");
		return;
	}
	/* As on the deliveries page: a bad filter lists nothing and answers
	 * 400 (a type form's 422 stays), the typed values kept in the form. */
	if (hl_page_filters(r, 0, filters, v)) {
		if (status == 200)
			status = 400;
		goto show;
	}
	f.event_type = *v[F_TYPE].text ? v[F_TYPE].text : NULL;
	f.since = *v[F_SINCE].sql ? v[F_SINCE].sql : NULL;
	f.until = *v[F_UNTIL].sql ? v[F_UNTIL].sql : NULL;
	rc = hl_event_list(r->db, r->who.account_id, &f, 25,
		*v[F_ITERATOR].text ? v[F_ITERATOR].text : NULL, &list);
	if (rc == HL_ERR_INVALID) {
		hdf_set_value(hdf, "Page.FieldError.type", hl_errmsg());
		if (status == 200)
			status = 400;
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
show:
	hl_page_show(r, status, "Events", "events", "events.cs");
}

void
page_events(struct hl_req *r)
{
	show_events(r, 200);
}

/* The typed schema text as JSON (*schema NULL when the box is empty or
 * says null). */
static hl_err
parse_schema(const char *text, json_object **schema)
{
	const char *why;

	*schema = NULL;
	if (strlen(text) == strspn(text, " \t\r\n"))
		return HL_OK;
	/* A typed null is no schema, as "schema": null is in the API. Strict
	 * JSON, as the API takes it: the lenient parser took comments and
	 * single quotes here that a schema sent through the API may not have,
	 * and let integers past 64 bits be clamped. */
	*schema = hl_json_parse(text, strlen(text), 1, &why);
	if (why)
		return hl_fail(HL_ERR_INVALID, "schema", "the schema is not valid JSON: %s", why);
	return HL_OK;
}

/* The catalog's limits (hl_event_type_create; events.cs's maxlength). */
#define TYPE_NAME_CHARS 128
#define TYPE_DESCRIPTION_CHARS 1000

static const char *const shown_again[] = { "name", "description", NULL };

/* Define a custom event type with the function POST /webhooks/events
 * uses. The schema is typed as JSON text; whatever was typed comes back
 * with the error, and a schema error names the failing path. */
void
page_events_type_create(struct hl_req *r)
{
	char name[HL_PAGE_TEXT_CAP(TYPE_NAME_CHARS)], description[HL_PAGE_TEXT_CAP(TYPE_DESCRIPTION_CHARS)];
	char schema_text[16384], field[48], msg[600], key[80];
	char id[HL_ID_MAX];
	json_object *schema = NULL, *out = NULL;
	HDF *hdf = hl_page_hdf(r);
	const char *f;
	hl_err rc;

	hl_page_form_text(r, "name", name, sizeof(name), TYPE_NAME_CHARS);
	hl_page_form_text(r, "description", description, sizeof(description), TYPE_DESCRIPTION_CHARS);
	/* The form always sends the box: missing means too long to read. */
	if (!hl_req_form(r, "schema", schema_text, sizeof(schema_text))) {
		schema_text[0] = '\0';
		rc = hl_fail(HL_ERR_INVALID, "schema", "the schema must be at most %zu bytes",
			sizeof(schema_text) - 1);
	} else {
		rc = hl_page_form_check(r);
		if (!rc)
			rc = parse_schema(schema_text, &schema);
	}
	if (!rc)
		rc = hl_event_type_create(r->db, r->who.account_id, name, description,
			schema, id, &out);
	if (!rc) {
		hl_audit(r, "event_type.create", id, out);
		hl_resp_redirect(r, "/webhook/events?done=type_created#catalog");
		goto out;
	}
	if (rc != HL_ERR_INVALID && rc != HL_ERR_CONFLICT && rc != HL_ERR_UNPROCESSABLE) {
		hl_page_core_error(r, rc, "Defining the event type");
		goto out;
	}
	/* The core's field is "name", "description" or a path in the schema. */
	f = hl_errfield() ? hl_errfield() : "name";
	snprintf(field, sizeof(field), "%.*s", (int)strcspn(f, "."), f);
	if (strcmp(field, "name") && strcmp(field, "description"))
		hl_strlcpy(field, "schema", sizeof(field));
	if (strchr(f, '.'))
		snprintf(msg, sizeof(msg), "%.200s: %s", f, hl_errmsg());
	else
		hl_strlcpy(msg, hl_errmsg(), sizeof(msg));
	snprintf(key, sizeof(key), "Page.TypeError.%s", field);
	hdf_set_value(hdf, key, msg);
	hdf_set_value(hdf, "Page.NewType.name", name);
	hdf_set_value(hdf, "Page.NewType.description", description);
	hdf_set_value(hdf, "Page.NewType.schema", schema_text);
	hl_page_keep(r, "Page.NewType", shown_again);
	show_events(r, 422);
out:
	json_object_put(schema);
	json_object_put(out);
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
	hl_page_show(r, 200, "Event", "events", "event.cs");
}
