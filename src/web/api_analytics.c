/* api_analytics.c: GET /webhooks/analytics: totals, success rate, latency
 * percentiles, by endpoint, by event type and error classes for a time
 * range (since/until, default the 24 whole hours up to the end of the
 * current one, as on the dashboard). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "hl_analytics.h"
#include "hl_util.h"
#include "api.h"

/* The query parameter name: 0 with *val the value (NULL when absent), -1
 * after answering 400 when it does not fit cap or does not decode (read
 * as absent, it would drop a filter and answer for everything). */
static int
param(struct hl_req *r, const char *name, char *buf, size_t cap, const char **val)
{
	char msg[128];

	switch (hl_req_query_param(r, name, buf, cap)) {
	case HL_PARAM_OK:
		*val = buf;
		return 0;
	case HL_PARAM_UNREADABLE:
		snprintf(msg, sizeof(msg), "%s is longer than %zu bytes or not validly encoded",
			name, cap - 1);
		hl_resp_error(r, 400, "invalid_value", msg, name);
		return -1;
	default:
		*val = NULL;
		return 0;
	}
}

void
api_analytics(struct hl_req *r)
{
	char since_in[40], until_in[40], since[32], until[32], wh[HL_ID_MAX], type[140];
	char buckets_in[8];
	struct hl_analytics_filter f;
	const char *v;
	time_t now = time(NULL);
	json_object *out = NULL;
	long buckets = 24;
	char *end;
	hl_err rc;

	memset(&f, 0, sizeof(f));
	/* Whole hours: each series point then holds whole hours, which the
	 * rollups answer; a range from now - 24 h would read a day of
	 * attempts for every call. */
	hl_sql_time((now / 3600 + 1) * 3600 - 86400, since);
	hl_sql_time((now / 3600 + 1) * 3600, until);
	if (param(r, "since", since_in, sizeof(since_in), &v))
		return;
	if (v && hl_time_to_sql(v, "since", since)) {
		hl_resp_core_error(r, HL_ERR_INVALID);
		return;
	}
	if (param(r, "until", until_in, sizeof(until_in), &v))
		return;
	if (v && hl_time_to_sql(v, "until", until)) {
		hl_resp_core_error(r, HL_ERR_INVALID);
		return;
	}
	if (param(r, "webhook_id", wh, sizeof(wh), &f.endpoint_id))
		return;
	if (f.endpoint_id && !hl_id_valid("wh", wh)) {
		hl_resp_error(r, 400, "invalid_value", "webhook_id must be a webhook id (wh_...)",
			"webhook_id");
		return;
	}
	if (param(r, "event_type", type, sizeof(type), &f.event_type) ||
	    param(r, "buckets", buckets_in, sizeof(buckets_in), &v))
		return;
	if (v) {
		buckets = strtol(v, &end, 10);
		if (end == v || *end || buckets < 1 || buckets > HL_ANALYTICS_BUCKETS_MAX) {
			hl_resp_error(r, 400, "invalid_value", "buckets must be 1..120", "buckets");
			return;
		}
	}
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
