/* api_audit.c: GET /webhooks/audit, the account's audit log (admin). */
#include "hl_audit.h"
#include "hl_crypto.h"
#include "api.h"
#include "input.h"

void
api_audit_list(struct hl_req *r)
{
	char iterator[HL_ID_MAX], action[65], object[HL_ID_MAX];
	const char *it;
	json_object *out;
	int limit = hl_input_limit(r);
	hl_err rc;

	if (limit < 0 || hl_input_iterator(r, "aud", iterator, sizeof(iterator), &it))
		return;
	rc = hl_audit_list(r->db, r->who.account_id,
		hl_req_query(r, "action", action, sizeof(action)),
		hl_req_query(r, "object_id", object, sizeof(object)), limit, it, &out);
	hl_resp_result(r, rc, 200, out);
}
