/* api_events.c: the event type catalog, GET /webhooks/events. */
#include "hl_event_types.h"
#include "api.h"

void
api_events_list(struct hl_req *r)
{
	char family[65];
	json_object *out;
	hl_err rc;

	rc = hl_event_type_list(r->db, r->who.account_id,
		hl_req_query(r, "family", family, sizeof(family)), &out);
	if (rc)
		hl_resp_core_error(r, rc);
	else
		hl_resp_json(r, 200, out);
}
