/* api_audit.c: GET /webhooks/audit, the account's audit log (admin). */
#include "hl_audit.h"
#include "hl_crypto.h"
#include "api.h"
#include "input.h"

/* A filter that does not fit its buffer matches no record: refused, not
 * dropped (dropping it answered with the whole unfiltered log). */
static int
query_filter(struct hl_req *r, const char *name, char *buf, size_t cap, const char **out)
{
	enum hl_param p = hl_req_query_param(r, name, buf, cap);

	*out = p == HL_PARAM_OK ? buf : NULL;
	if (p != HL_PARAM_UNREADABLE)
		return 0;
	hl_resp_error(r, 400, "invalid_value", "this query parameter is too long or not "
		"URL-encoded", name);
	return -1;
}

void
api_audit_list(struct hl_req *r)
{
	char iterator[HL_ID_MAX], action[65], object[HL_ID_MAX];
	const char *action_f, *object_f, *iterator_f;
	json_object *out;
	int limit = hl_input_limit(r);
	hl_err rc;

	if (limit < 0)
		return;
	if (query_filter(r, "action", action, sizeof(action), &action_f) ||
	    query_filter(r, "object_id", object, sizeof(object), &object_f) ||
	    query_filter(r, "iterator", iterator, sizeof(iterator), &iterator_f))
		return;
	rc = hl_audit_list(r->db, r->who.account_id, action_f, object_f, limit, iterator_f, &out);
	hl_resp_result(r, rc, 200, out);
}
