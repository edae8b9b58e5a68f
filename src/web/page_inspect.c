/* page_inspect.c: the public side of the request inspector:
 * /webhook/inspect/{ins} records the method, path and query, headers and
 * body of whatever is sent to it (no session: senders under test post
 * here). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "hl_inspect.h"
#include "hl_log.h"
#include "hl_util.h"
#include "pages.h"

/* The path as the client sent it (REQUEST_URI: not decoded, the mount
 * point in front) into a copy the caller frees; r->path when the server
 * gave none. */
static char *
sent_path(struct hl_req *r)
{
	const char *uri = hl_req_env(r, "REQUEST_URI");
	size_t n;
	char *path;

	if (!uri || !*uri)
		uri = r->path;
	n = strcspn(uri, "?");
	path = malloc(n + 1);
	if (!path)
		return NULL;
	memcpy(path, uri, n);
	path[n] = '\0';
	return path;
}

void
page_inspect_receive(struct hl_req *r)
{
	struct hl_inspect_entry e;
	json_object *h, *ok;
	char *path;
	hl_err rc;

	if (hl_req_read_body(r))
		return;
	path = sent_path(r);
	if (!path) {
		hl_resp_error(r, 500, "internal_error", "out of memory", NULL);
		return;
	}
	h = hl_req_headers_json(r);
	memset(&e, 0, sizeof(e));
	e.method = hl_method_name(r->method);
	e.client_addr = r->client_addr;
	e.path = path;
	e.query = r->query;
	e.headers_json = json_object_to_json_string_ext(h, JSON_C_TO_STRING_PLAIN);
	/* The bytes as they came, NULs and all (hl_buf_str would end them
	 * at the first NUL for whoever reads it as a string). */
	e.body = hl_buf_str(&r->body);
	e.bodylen = r->body.len;
	rc = hl_inspect_record(r->db, r->params[0], &e);
	json_object_put(h);
	free(path);
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
