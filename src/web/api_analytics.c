/* api_analytics.c: GET /webhooks/analytics: totals, success rate, latency
 * percentiles, by endpoint, by event type and error classes for a time
 * range (since/until, default the 24 whole hours up to the end of the
 * current one, as on the dashboard). */
#include <string.h>
#include <time.h>
#include "hl_analytics.h"
#include "hl_util.h"
#include "api.h"
#include "input.h"

void
api_analytics(struct hl_req *r)
{
	char since_in[40], until_in[40], since[32], until[32], wh[HL_ID_MAX], type[140];
	struct hl_analytics_filter f;
	time_t now = time(NULL);
	json_object *out = NULL;
	long buckets;
	hl_err rc;

	memset(&f, 0, sizeof(f));
	/* Whole hours: each series point then holds whole hours, which the
	 * rollups answer; a range from now - 24 h would read a day of
	 * attempts for every call. */
	hl_sql_time((now / 3600 + 1) * 3600 - 86400, since);
	hl_sql_time((now / 3600 + 1) * 3600, until);
	if (hl_req_query(r, "since", since_in, sizeof(since_in)) &&
	    hl_time_to_sql(since_in, "since", HL_TIME_OFFSET_REQUIRED, since)) {
		hl_resp_core_error(r, HL_ERR_INVALID);
		return;
	}
	if (hl_req_query(r, "until", until_in, sizeof(until_in)) &&
	    hl_time_to_sql(until_in, "until", HL_TIME_OFFSET_REQUIRED, until)) {
		hl_resp_core_error(r, HL_ERR_INVALID);
		return;
	}
	if (hl_req_query(r, "webhook_id", wh, sizeof(wh))) {
		if (!hl_id_valid("wh", wh)) {
			hl_resp_error(r, 400, "invalid_value", "webhook_id must be a webhook id (wh_...)",
				"webhook_id");
			return;
		}
		f.endpoint_id = wh;
	}
	f.event_type = hl_req_query(r, "event_type", type, sizeof(type));
	/* Digits only, as limit: strtol alone took "+5" and " 5". At most 7
	 * characters, as before (0000000024 stays too long). */
	buckets = hl_input_query_int(r, "buckets", 7, 1, HL_ANALYTICS_BUCKETS_MAX, 24);
	if (buckets < 0)
		return;
	f.since = since;
	f.until = until;
	f.buckets = (int)buckets;
	f.retention_days = r->cfg->retention_days;
	f.rollup_days = r->cfg->retention_rollup_days;
	rc = hl_analytics_query(r->db, r->who.account_id, &f, &out);
	if (rc) {
		hl_resp_core_error(r, rc);
		return;
	}
	hl_resp_json(r, 200, out);
}
