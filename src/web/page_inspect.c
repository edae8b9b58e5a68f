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
	h = hl_req_headers_json(r);
	rc = hl_inspect_record(r->db, r->params[0], hl_method_name(r->method), r->client_addr,
		json_object_to_json_string_ext(h, JSON_C_TO_STRING_PLAIN), body, r->body.len);
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
