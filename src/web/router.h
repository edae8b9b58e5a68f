/* router.h: the route table type and matching. The table itself lives
 * in routes.c; a pattern segment "{wh}" matches only an id with that
 * prefix ("wh_..."), so /webhooks/events never collides with an id;
 * "{*slug}" matches any one segment of letters, digits, "-", "_" and ".". */
#ifndef HL_ROUTER_H
#define HL_ROUTER_H
#include "input.h"
#include "request.h"

enum hl_auth {
	HL_AUTH_NONE,     /* public (login page, static files, incoming) */
	HL_AUTH_API,      /* API key, Basic or JWT; JSON errors */
	HL_AUTH_PAGE,     /* session cookie; redirect to login */
	HL_AUTH__MAX
};

struct hl_route {
	enum hl_method method;
	const char *pattern;
	void (*handler)(struct hl_req *r);
	enum hl_auth auth;
	unsigned scope;           /* enum hl_scope bits required */
	/* The query parameters an API GET takes (hl_input_query checks the
	 * query against them before the handler runs); NULL: not checked
	 * (pages read their own, and writes read none). */
	const struct hl_qparam *query;
};

enum hl_match_result { HL_MATCH_OK, HL_MATCH_NONE, HL_MATCH_METHOD };

/* Find the route for (method, path). On HL_MATCH_OK *route is set and the
 * parameters are copied into r->params. On HL_MATCH_METHOD allow (cap
 * bytes) lists the methods the path accepts. HEAD matches GET routes. */
enum hl_match_result hl_route_find(const struct hl_route *table, size_t n,
	struct hl_req *r, const struct hl_route **route, char *allow, size_t cap);
/* Match one pattern against a path, filling params; 1 on match. */
int hl_route_match(const char *pattern, const char *path,
	char params[HL_PARAMS_MAX][64], int *nparams);

extern const struct hl_route hl_routes[];
extern const size_t hl_nroutes;

#endif
