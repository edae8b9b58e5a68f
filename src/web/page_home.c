/* page_home.c: /webhook, the overview. */
#include "pages.h"

void
page_home(struct hl_req *r)
{
	HDF *hdf = hl_page_hdf(r);

	hdf_set_value(hdf, "Page.Title", "Overview");
	hdf_set_value(hdf, "Page.Nav", "home");
	hl_page_render(r, 200, "home.cs");
}
