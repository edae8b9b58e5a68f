/* page_common.c: what every dashboard page shares: the dataset with the
 * session's user and CSRF token, rendering, and the error page. */
#include <stdio.h>
#include <string.h>
#include "hl_log.h"
#include "pages.h"
#include "render.h"

HDF *
hl_page_hdf(struct hl_req *r)
{
	if (!r->hdf && hdf_init(&r->hdf) != STATUS_OK)
		r->hdf = NULL;
	return r->hdf;
}

void
hl_page_render(struct hl_req *r, int status, const char *template_name)
{
	HDF *hdf = hl_page_hdf(r);
	hl_err rc;

	if (!hdf) {
		hl_resp_error(r, 500, "internal_error", "out of memory", NULL);
		return;
	}
	hdf_set_value(hdf, "Site.Base", "/webhook");
	hdf_set_value(hdf, "Site.Version", HL_VERSION);
	if (r->via_session) {
		hdf_set_value(hdf, "Session.Email", r->who.actor);
		hdf_set_value(hdf, "Session.Role", hl_role_name(r->who.role));
		hdf_set_value(hdf, "Session.Csrf", r->csrf);
		hdf_set_int_value(hdf, "Session.CanWrite", (r->who.scopes & HL_SCOPE_WRITE) != 0);
	}
	hl_buf_reset(&r->out);
	rc = hl_render(r->cfg->templates_dir, hdf, template_name, &r->out);
	if (rc) {
		hl_log(HL_LOG_ERROR, "rendering %s: %s", template_name, hl_errmsg());
		hl_buf_reset(&r->out);
		hl_buf_addstr(&r->out, "Internal error: the page could not be rendered.\n");
		r->status = 500;
		hl_resp_header(r, "Content-Type", "text/plain; charset=utf-8");
		r->responded = 1;
		return;
	}
	r->status = status;
	hl_resp_header(r, "Content-Type", "text/html; charset=utf-8");
	hl_resp_header(r, "Cache-Control", "no-store");
	r->responded = 1;
}

void
hl_page_error(struct hl_req *r, int status, const char *message)
{
	HDF *hdf = hl_page_hdf(r);

	if (hdf) {
		hdf_set_int_value(hdf, "Page.Status", status);
		hdf_set_value(hdf, "Page.Message", message);
		hdf_set_value(hdf, "Page.Title", status == 404 ? "Not found" :
			status == 403 ? "Not allowed" : "Error");
	}
	hl_page_render(r, status, "error.cs");
}
