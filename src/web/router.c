/* router.c: match a request path against the route table. */
#include <stdio.h>
#include <string.h>
#include "hl_crypto.h"
#include "hl_util.h"
#include "router.h"

int
hl_route_match(const char *pattern, const char *path, char params[HL_PARAMS_MAX][64],
	int *nparams)
{
	const char *p = pattern, *s = path;

	*nparams = 0;
	while (*p && *s) {
		if (*p == '{') {
			const char *close = strchr(p, '}');
			size_t plen, slen = strcspn(s, "/");
			char prefix[16], value[64];

			if (!close || *nparams >= HL_PARAMS_MAX)
				return 0;
			plen = (size_t)(close - p - 1);
			if (plen >= sizeof(prefix) || slen >= sizeof(value))
				return 0;
			memcpy(prefix, p + 1, plen);
			prefix[plen] = '\0';
			memcpy(value, s, slen);
			value[slen] = '\0';
			/* "{*}" or "{*name}" matches one segment of safe characters
			 * (the name is for the documentation); "{xx}" an id. */
			if (prefix[0] != '*' ? !hl_id_valid(prefix, value)
			    : (!slen || strspn(value, "abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != slen || value[0] == '.'))
				return 0;
			hl_strlcpy(params[(*nparams)++], value, 64);
			p = close + 1;
			s += slen;
			continue;
		}
		if (*p != *s)
			return 0;
		p++;
		s++;
	}
	/* A trailing slash is not the same resource. */
	return *p == '\0' && *s == '\0';
}

enum hl_match_result
hl_route_find(const struct hl_route *table, size_t n, struct hl_req *r,
	const struct hl_route **route, char *allow, size_t cap)
{
	char params[HL_PARAMS_MAX][64];
	enum hl_method want = r->method == HL_HEAD ? HL_GET : r->method;
	int np, path_known = 0;
	size_t i;

	*route = NULL;
	if (cap)
		allow[0] = '\0';
	for (i = 0; i < n; i++) {
		if (!hl_route_match(table[i].pattern, r->path, params, &np))
			continue;
		path_known = 1;
		if (cap && !strstr(allow, hl_method_name(table[i].method))) {
			size_t len = strlen(allow);
			/* A GET route answers HEAD too, so Allow says so. */
			snprintf(allow + len, cap - len, "%s%s%s", len ? ", " : "",
				hl_method_name(table[i].method),
				table[i].method == HL_GET ? ", HEAD" : "");
		}
		if (table[i].method != want || *route)
			continue;
		*route = &table[i];
		memcpy(r->params, params, sizeof(params));
		r->nparams = np;
	}
	if (*route)
		return HL_MATCH_OK;
	return path_known ? HL_MATCH_METHOD : HL_MATCH_NONE;
}
