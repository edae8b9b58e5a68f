/* page_home.c: /webhook, the overview: endpoints, the last day's
 * deliveries and success rate, incoming requests (refused ones are worth
 * a look: forged or misconfigured senders), and what needs attention. */
#include "hl_analytics.h"
#include "hl_sources.h"
#include "hl_util.h"
#include "pages.h"
#include "render.h"

void
page_home(struct hl_req *r)
{
	HDF *hdf = hl_page_hdf(r);
	json_object *o = NULL;
	long long since_ms;
	hl_err rc;

	rc = hl_analytics_overview(r->db, r->who.account_id, &o);
	if (rc) {
		hl_page_core_error(r, rc, "Loading the overview");
		return;
	}
	hl_hdf_from_json(hdf, "Page.Stats", o);
	/* The incoming tiles count from the time their links carry, the
	 * deliveries tile's. */
	since_ms = json_object_get_int64(json_object_object_get(o, "deliveries_since_ms"));
	json_object_put(o);
	rc = hl_incoming_counts(r->db, r->who.account_id, since_ms, &o);
	if (rc) {
		hl_page_core_error(r, rc, "Loading the overview");
		return;
	}
	hl_hdf_from_json(hdf, "Page.Incoming", o);
	json_object_put(o);
	hl_page_show(r, 200, "Overview", "home", "home.cs");
}
