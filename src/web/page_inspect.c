/* page_inspect.c: the public side of the request inspector:
 * /webhook/inspect/{ins} records the method, headers and body of whatever
 * is sent to it (no session: senders under test post here). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "hl_inspect.h"
#include "hl_log.h"
#include "hl_util.h"
#include "pages.h"

extern char **environ;

/* HTTP_FOO_BAR=v -> "foo-bar": v. Credentials are redacted: the inspector
 * shows them to every user of the account. */
static json_object *
request_headers(struct hl_req *r)
{
	char **envp = r->fcgx ? r->fcgx->envp : environ;
	json_object *h = json_object_new_object();
	const char *ct = hl_req_env(r, "CONTENT_TYPE");
	char name[128], value[2048];
	size_t i, k;

	if (ct && *ct) {
		hl_strlcpy(value, ct, sizeof(value));
		hl_utf8_sanitize(value);
		hl_json_add_str(h, "content-type", value);
	}
	for (i = 0; envp && envp[i]; i++) {
		const char *e = envp[i], *eq;

		if (strncmp(e, "HTTP_", 5))
			continue;
		eq = strchr(e, '=');
		if (!eq || (size_t)(eq - e - 5) >= sizeof(name))
			continue;
		for (k = 0; e + 5 + k < eq; k++) {
			char c = e[5 + k];

			name[k] = c == '_' ? '-' : (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
		}
		name[k] = '\0';
		hl_strlcpy(value, eq + 1, sizeof(value));
		hl_utf8_sanitize(value);
		if (!strcmp(name, "authorization") || !strcmp(name, "cookie") ||
		    !strcmp(name, "proxy-authorization"))
			hl_strlcpy(value, "(redacted)", sizeof(value));
		hl_json_add_str(h, name, value);
	}
	return h;
}

void
page_inspect_receive(struct hl_req *r)
{
	json_object *h, *ok;
	size_t keep;
	char *body;
	hl_err rc;

	if (hl_req_read_body(r))
		return;
	keep = r->body.len > HL_INSPECT_BODY_MAX ? HL_INSPECT_BODY_MAX : r->body.len;
	body = malloc(keep + 1);
	if (!body) {
		hl_resp_error(r, 500, "internal_error", "out of memory", NULL);
		return;
	}
	memcpy(body, hl_buf_str(&r->body), keep);
	body[keep] = '\0';
	hl_utf8_sanitize(body);
	h = request_headers(r);
	rc = hl_inspect_record(r->db, r->params[0], hl_method_name(r->method), r->client_addr,
		json_object_to_json_string(h), body, r->body.len);
	json_object_put(h);
	free(body);
	if (rc == HL_ERR_NOTFOUND) {
		hl_resp_error(r, 404, "not_found", "no such receive URL (or it expired)", NULL);
		return;
	}
	if (rc == HL_ERR_CONFLICT) {
		hl_resp_error(r, 429, "full", hl_errmsg(), NULL);
		return;
	}
	if (rc) {
		hl_log(HL_LOG_ERROR, "inspector: %s", hl_errmsg());
		hl_resp_error(r, 500, "internal_error", "could not record the request", NULL);
		return;
	}
	ok = json_object_new_object();
	hl_json_add_bool(ok, "recorded", 1);
	hl_resp_json(r, 200, ok);
}
