/* api_incoming.c: POST /webhooks/incoming/{slug}, where third parties
 * post. No API credentials: the source's signature scheme (and address
 * list) is the authentication, checked by the core (hl_incoming.c). */
#include <stdio.h>
#include <time.h>
#include "hl_incoming.h"
#include "hl_sources.h"
#include "hl_util.h"
#include "api.h"
#include "api_guard.h"

struct incoming {
	struct hl_req *r;
	const struct hl_source *src;
};

static const char *
header_of(void *ctx, const char *name)
{
	return hl_req_header(((struct incoming *)ctx)->r, name);
}

/* The source's rate_limit per minute, counted apart for admitted and for
 * refused requests: a flood of forged requests to a known URL neither
 * uses up the real sender's allowance nor fills the request log. Refused
 * requests also count against RateLimit.PerAddressPerMinute, so a
 * source without a limit cannot be used to fill the log either. Over a
 * limit: 429, nothing stored. */
static int
limit(void *ctx, int admitted)
{
	struct incoming *c = ctx;
	char bucket[64];

	snprintf(bucket, sizeof(bucket), "%s:%s", admitted ? "src" : "src-refused", c->src->id);
	if (hl_guard_rate(c->r, bucket, c->src->rate_limit, admitted))
		return 1;
	return !admitted && hl_guard_rate_addr(c->r);
}

void
api_incoming_receive(struct hl_req *r)
{
	struct hl_incoming_out res;
	struct hl_incoming_in in;
	struct hl_source src;
	struct incoming ctx;
	json_object *headers, *out;
	hl_err rc;

	rc = hl_source_by_slug(r->db, r->cfg, r->params[0], &src);
	if (rc == HL_ERR_NOTFOUND) {
		hl_resp_error(r, 404, "source_not_found", "no incoming source at this URL", NULL);
		return;
	}
	if (rc) {
		hl_resp_core_error(r, rc);
		return;
	}
	/* The body (at most Web.MaxBodyBytes) is read before any limit: which
	 * limit a request counts against depends on its signature. */
	if (hl_req_read_body(r))
		goto out;
	headers = hl_req_headers_json(r);
	ctx.r = r;
	ctx.src = &src;
	in.header = header_of;
	in.ctx = &ctx;
	in.limit = limit;
	in.headers_json = json_object_to_json_string_ext(headers, JSON_C_TO_STRING_PLAIN);
	in.client_addr = r->client_addr;
	in.body = hl_buf_str(&r->body);
	in.bodylen = r->body.len;
	in.now = (long long)time(NULL);
	rc = hl_incoming_receive(r->db, &src, &in, &res);
	json_object_put(headers);
	if (res.limited)
		goto out;
	/* Support can find the log entry from what the sender saw. */
	if (res.request_id[0])
		hl_resp_header(r, "Hookline-Request-Id", res.request_id);
	if (rc) {
		hl_resp_core_error(r, rc);
		goto out;
	}
	out = json_object_new_object();
	hl_json_add_str(out, "id", res.request_id);
	hl_json_add_str(out, "event_id", res.event_id);
	hl_json_add_str(out, "event_type", res.event_type);
	hl_json_add_int(out, "deliveries", res.deliveries);
	hl_json_add_bool(out, "duplicate", res.duplicate);
	hl_resp_json(r, res.duplicate ? 200 : 202, out);
out:
	hl_source_clear(&src);
}
