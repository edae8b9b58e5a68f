/* api_health.c: GET /webhooks/health, for a load balancer or an uptime
 * check: no credentials, nothing about any account. The dispatcher has
 * already answered 503 (unavailable, or database_schema_mismatch) when
 * the database cannot serve, so reaching here means this process can. */
#include "hl_util.h"
#include "api.h"

void
api_health(struct hl_req *r)
{
	json_object *o = json_object_new_object();

	hl_json_add_str(o, "status", "ok");
	hl_resp_header(r, "Cache-Control", "no-store");
	hl_resp_json(r, 200, o);
}
