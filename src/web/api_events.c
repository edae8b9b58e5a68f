/* api_events.c: the event type catalog, GET /webhooks/events. */
#include "hl_event_types.h"
#include "api.h"
#include "api_guard.h"
#include "input.h"

static const struct hl_field event_type_fields[] = {
	{ "name", HL_F_STRING, 1, 128 },
	{ "description", HL_F_STRING, 0, 4 * 1000 },
	{ "schema", HL_F_OBJECT, 0, 0 },
	{ NULL, 0, 0, 0 },
};

/* One page of the catalog, ordered by name (default limit as on every
 * list). The whole catalog in one answer, ordered by family, used to come
 * without ?limit=: a client that trusted its done: true missed nothing
 * only while the catalog was small, and its order was another one. */
void
api_events_list(struct hl_req *r)
{
	char family[65], iterator[130];
	const char *it;
	json_object *out;
	int limit = hl_input_limit(r);
	hl_err rc;

	if (limit < 0 || hl_input_iterator(r, NULL, iterator, sizeof(iterator), &it))
		return;
	rc = hl_event_type_page(r->db, r->who.account_id,
		hl_req_query(r, "family", family, sizeof(family)), limit, it, &out);
	hl_resp_result(r, rc, 200, out);
}

void
api_events_create(struct hl_req *r)
{
	json_object *in, *out, *schema = NULL;
	char id[HL_ID_MAX];
	hl_err rc;

	in = hl_input_json(r, event_type_fields, 0);
	if (!in)
		return;
	if (!json_object_object_get_ex(in, "schema", &schema) ||
	    json_object_is_type(schema, json_type_null))
		schema = NULL;
	rc = hl_event_type_create(r->db, r->who.account_id, hl_json_get_str(in, "name"),
		hl_json_get_str(in, "description"), schema, id, &out);
	if (rc) {
		hl_resp_core_error(r, rc);
	} else {
		hl_audit(r, "event_type.create", id, out);
		hl_resp_json(r, 201, out);
	}
	json_object_put(in);
}
