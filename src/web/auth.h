/* auth.h: who is calling, and may they. Every route passes through here
 * before its handler (the route table declares the kind and the scope). */
#ifndef HL_AUTH_H
#define HL_AUTH_H
#include "router.h"

/* 0 when the request may proceed; otherwise the 401/403/redirect has been
 * written. */
int hl_auth_check(struct hl_req *r, const struct hl_route *route);
/* Pages: 1 when the posted form carries this session's CSRF token. */
int hl_csrf_ok(struct hl_req *r);

#endif
