/* api_publish.c: POST /webhooks/publish, through the core publish path. */
#include "hl_publish.h"
#include "api.h"
#include "input.h"

static const struct hl_field publish_fields[] = {
	{ "event_type", HL_F_STRING, 1, 128 },
	{ "payload", HL_F_OBJECT, 1, 0 },
	{ "idempotency_key", HL_F_STRING, 0, 255 },
	{ NULL, 0, 0, 0 },
};

void
api_publish(struct hl_req *r)
{
	json_object *in, *out, *payload = NULL;
	const char *key;
	hl_err rc;

	in = hl_input_json(r, publish_fields, 0);
	if (!in)
		return;
	json_object_object_get_ex(in, "payload", &payload);
	key = hl_json_get_str(in, "idempotency_key");
	rc = hl_publish(r->db, r->who.account_id, hl_json_get_str(in, "event_type"), payload, key,
		HL_PUBLISH_SAME_REQUEST, &out);
	hl_resp_result(r, rc, 202, out);
	json_object_put(in);
}
