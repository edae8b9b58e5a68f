/* api_webhooks.c: the webhook (endpoint) resource: /webhooks and
 * /webhooks/{id}. */
#include <string.h>
#include "hl_accounts.h"
#include "hl_endpoint_opts.h"
#include "hl_endpoints.h"
#include "hl_util.h"
#include "api.h"
#include "api_guard.h"
#include "input.h"

/* Everything but the url is the same on create and update; the delivery
 * options' contents are validated by hl_endpoint_opts.c. */
#define ENDPOINT_FIELDS \
	{ "description", HL_F_STRING, 0, 4 * 500 }, \
	{ "method", HL_F_STRING, 0, 8 }, \
	{ "event_types", HL_F_STRINGS, 0, 100 }, \
	{ "enabled", HL_F_BOOL, 0, 0 }, \
	{ "retry_schedule", HL_F_STRING, 0, 400 }, \
	{ "retry_exponential", HL_F_OBJECT, 0, 0 }, \
	{ "headers", HL_F_OBJECT, 0, 0 }, \
	{ "auth", HL_F_OBJECT, 0, 0 }, \
	{ "timeout_ms", HL_F_INT, 0, 0 }, \
	{ "priority", HL_F_INT, 0, 0 }, \
	{ "fifo", HL_F_BOOL, 0, 0 }, \
	{ "ed25519", HL_F_KEY, 0, 0 }, \
	{ "batch_max", HL_F_INT, 0, 0 }, \
	{ "rate_limit", HL_F_INT, 0, 0 }, \
	{ "encryption", HL_F_KEY, 0, 0 }, \
	{ NULL, 0, 0, 0 }

static const struct hl_field endpoint_create_fields[] = {
	{ "url", HL_F_STRING, 1, 2048 },
	ENDPOINT_FIELDS,
};

/* What GET shows besides the members above: sent back, ignored. */
static const struct hl_field endpoint_update_fields[] = {
	{ "url", HL_F_STRING, 0, 2048 },
	{ "id", HL_F_READ_ONLY, 0, 0 },
	{ "disabled_reason", HL_F_READ_ONLY, 0, 0 },
	{ "consecutive_failures", HL_F_READ_ONLY, 0, 0 },
	{ "last_success_at", HL_F_READ_ONLY, 0, 0 },
	{ "last_attempt_at", HL_F_READ_ONLY, 0, 0 },
	{ "created_at", HL_F_READ_ONLY, 0, 0 },
	{ "updated_at", HL_F_READ_ONLY, 0, 0 },
	{ "ed25519_public_key", HL_F_READ_ONLY, 0, 0 },
	ENDPOINT_FIELDS,
};

static void
spec_from_json(json_object *in, struct hl_endpoint_spec *spec, int enabled_default)
{
	json_object *types;

	memset(spec, 0, sizeof(*spec));
	spec->url = hl_json_get_str(in, "url");
	spec->description = hl_json_get_str(in, "description");
	spec->method = hl_json_get_str(in, "method");
	if (json_object_object_get_ex(in, "event_types", &types) &&
	    json_object_is_type(types, json_type_array))
		spec->event_types = types;
	spec->enabled = hl_input_bool(in, "enabled", enabled_default);
	spec->options = in;
}

void
api_webhooks_list(struct hl_req *r)
{
	char iterator[HL_ID_MAX];
	const char *it;
	json_object *out;
	int limit = hl_input_limit(r);
	hl_err rc;

	if (limit < 0 || hl_input_iterator(r, "wh", iterator, sizeof(iterator), &it))
		return;
	rc = hl_endpoint_list(r->db, r->who.account_id, limit, it, &out);
	hl_resp_result(r, rc, 200, out);
}

void
api_webhooks_create(struct hl_req *r)
{
	struct hl_endpoint_spec spec;
	json_object *in, *out;
	hl_err rc;

	in = hl_input_json(r, endpoint_create_fields, 0);
	if (!in)
		return;
	spec_from_json(in, &spec, 1);
	rc = hl_endpoint_create(r->db, r->cfg, r->who.account_id, &spec, &out);
	if (rc) {
		hl_resp_core_error(r, rc);
	} else {
		char path[128], loc[640];

		snprintf(path, sizeof(path), "/webhooks/%s",
			json_object_get_string(json_object_object_get(out, "id")));
		hl_resp_header(r, "Location", hl_req_url(r, path, loc, sizeof(loc)));
		hl_audit(r, "webhook.create", json_object_get_string(json_object_object_get(out, "id")),
			NULL);
		hl_resp_json(r, 201, out);
	}
	json_object_put(in);
}

void
api_webhooks_get(struct hl_req *r)
{
	json_object *out;
	hl_err rc;

	rc = hl_endpoint_get(r->db, r->cfg, r->who.account_id, r->params[0], &out);
	/* Readers see which headers are sent, not their values (credentials
	 * of the receiver); writers need them to edit. */
	if (!rc && !(r->who.scopes & HL_SCOPE_WRITE))
		hl_endpoint_opts_redact(out);
	hl_resp_result(r, rc, 200, out);
}

/* GET shows auth without its secrets ({"type": "bearer"}; oauth2's
 * token_url, client_id and scope too), which cannot be stored as they
 * are. Sent back exactly so, it asks for nothing to change: taken out,
 * the credentials stay, as the dashboard's form keeps them when its
 * secret fields are left empty. Another auth goes to the core, whole.
 * -1 after answering an error (reading the endpoint). */
static int
auth_as_shown(struct hl_req *r, json_object *in)
{
	json_object *auth, *cur = NULL;
	hl_err rc;

	if (!json_object_object_get_ex(in, "auth", &auth) ||
	    !json_object_is_type(auth, json_type_object))
		return 0;
	rc = hl_endpoint_get(r->db, r->cfg, r->who.account_id, r->params[0], &cur);
	if (rc == HL_ERR_NOTFOUND) {
		hl_errclear();
		return 0;         /* the update answers 404 */
	}
	if (rc) {
		hl_resp_core_error(r, rc);
		return -1;
	}
	if (json_object_equal(auth, json_object_object_get(cur, "auth")))
		json_object_object_del(in, "auth");
	json_object_put(cur);
	return 0;
}

void
api_webhooks_update(struct hl_req *r)
{
	struct hl_endpoint_spec spec;
	json_object *in, *out;
	int changed;
	hl_err rc;

	in = hl_input_json(r, endpoint_update_fields, 0);
	if (!in)
		return;
	if (hl_input_drop_read_only(r, in, endpoint_update_fields, r->params[0]) ||
	    auth_as_shown(r, in)) {
		json_object_put(in);
		return;
	}
	spec_from_json(in, &spec, -1);
	rc = hl_endpoint_update(r->db, r->cfg, r->who.account_id, r->params[0], &spec, &changed,
		&out);
	if (rc) {
		hl_resp_core_error(r, rc);
	} else {
		/* A PUT that changed nothing is no event for the audit log. */
		if (changed)
			hl_audit(r, "webhook.update", r->params[0], NULL);
		hl_resp_json(r, 200, out);
	}
	json_object_put(in);
}

void
api_webhooks_delete(struct hl_req *r)
{
	hl_err rc;

	rc = hl_endpoint_delete(r->db, r->who.account_id, r->params[0]);
	if (rc) {
		hl_resp_core_error(r, rc);
		return;
	}
	hl_audit(r, "webhook.delete", r->params[0], NULL);
	r->status = 204;
	r->responded = 1;
}
