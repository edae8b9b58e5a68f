/* page_manage.c: /webhook/manage, the endpoint list. */
#include "hl_endpoints.h"
#include "hl_util.h"
#include "pages.h"
#include "render.h"

void
page_manage(struct hl_req *r)
{
	char iterator[HL_ID_MAX];
	json_object *list;
	HDF *hdf = hl_page_hdf(r);
	hl_err rc;

	rc = hl_endpoint_list(r->db, r->who.account_id, HL_LIST_DEFAULT,
		hl_req_query(r, "iterator", iterator, sizeof(iterator)), &list);
	if (rc) {
		hl_page_error(r, 500, "The endpoint list could not be loaded.");
		return;
	}
	hl_hdf_from_json(hdf, "Page.Endpoints", json_object_object_get(list, "data"));
	hl_hdf_from_json(hdf, "Page.Iterator", json_object_object_get(list, "iterator"));
	json_object_put(list);
	hdf_set_value(hdf, "Page.Title", "Manage webhooks");
	hdf_set_value(hdf, "Page.Nav", "manage");
	hl_page_render(r, 200, "manage.cs");
}
