/* pages.h: the /webhook dashboard pages, one file per page. */
#ifndef HL_PAGES_H
#define HL_PAGES_H
#include "request.h"

void page_login_form(struct hl_req *r);
void page_login_submit(struct hl_req *r);
void page_logout(struct hl_req *r);
void page_manage(struct hl_req *r);
void page_static(struct hl_req *r);
void page_home(struct hl_req *r);

/* Render a page template with the shared layout data (user, CSRF token,
 * navigation); status is the HTTP status. */
void hl_page_render(struct hl_req *r, int status, const char *template_name);
/* An error page (403, 404 ...) with a message shown as text. */
void hl_page_error(struct hl_req *r, int status, const char *message);
/* Create the dataset on demand. */
HDF *hl_page_hdf(struct hl_req *r);

#endif
