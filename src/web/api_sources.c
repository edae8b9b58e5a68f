/* api_sources.c: the incoming source resource (/webhooks/sources and
 * /webhooks/sources/{src}), its secret rotation (.../rotate-secret) and
 * the log of what each received (/webhooks/sources/{src}/requests[/{inc}]). */
#include <stdio.h>
#include <string.h>
#include "hl_sources.h"
#include "hl_util.h"
#include "api.h"
#include "api_guard.h"
#include "input.h"

#define SOURCE_FIELDS \
	{ "slug", HL_F_STRING, 0, HL_SLUG_MAX }, \
	{ "name", HL_F_STRING, 0, 4 * 200 }, \
	{ "secret", HL_F_STRING, 0, HL_SOURCE_SECRET_MAX }, \
	{ "event_type", HL_F_STRING, 0, 128 }, \
	{ "type_map", HL_F_OBJECT, 0, 0 }, \
	{ "allowed_cidrs", HL_F_STRING, 0, 1000 }, \
	{ "tolerance_seconds", HL_F_INT, 0, 0 }, \
	{ "rate_limit", HL_F_INT, 0, 0 }, \
	{ "enabled", HL_F_BOOL, 0, 0 }, \
	{ NULL, 0, 0, 0 }

static const struct hl_field source_create_fields[] = {
	{ "verify", HL_F_STRING, 1, 16 },
	SOURCE_FIELDS,
};

/* What GET shows besides the members above: sent back, ignored. */
static const struct hl_field source_update_fields[] = {
	{ "verify", HL_F_STRING, 0, 16 },
	{ "id", HL_F_READ_ONLY, 0, 0 },
	{ "path", HL_F_READ_ONLY, 0, 0 },
	{ "created_at", HL_F_READ_ONLY, 0, 0 },
	{ "updated_at", HL_F_READ_ONLY, 0, 0 },
	{ "last_received_at", HL_F_READ_ONLY, 0, 0 },
	{ "previous_secret_expires_at", HL_F_READ_ONLY, 0, 0 },
	SOURCE_FIELDS,
};

static const struct hl_field rotate_fields[] = {
	{ "secret", HL_F_STRING, 0, HL_SOURCE_SECRET_MAX },
	{ "grace_seconds", HL_F_INT, 0, 0 },
	{ NULL, 0, 0, 0 },
};

static long
int_or(json_object *in, const char *name, long defval)
{
	json_object *v;

	if (!json_object_object_get_ex(in, name, &v) || !json_object_is_type(v, json_type_int))
		return defval;
	/* Negative values are "leave as is" inside the core: refuse them
	 * here as the out-of-range values they are. */
	return json_object_get_int64(v) < 0 ? 1L << 40 : (long)json_object_get_int64(v);
}

/* GET shows "none" of these as null; null sets them back to it (as {},
 * "" and 0 do) instead of counting as left out. */
static void
nulls_to_none(json_object *in)
{
	json_object *v;

	if (json_object_object_get_ex(in, "type_map", &v) && !v)
		json_object_object_add(in, "type_map", json_object_new_object());
	if (json_object_object_get_ex(in, "allowed_cidrs", &v) && !v)
		json_object_object_add(in, "allowed_cidrs", json_object_new_string(""));
	if (json_object_object_get_ex(in, "rate_limit", &v) && !v)
		json_object_object_add(in, "rate_limit", json_object_new_int(0));
}

static void
spec_from_json(json_object *in, struct hl_source_spec *spec)
{
	json_object *map;

	nulls_to_none(in);
	memset(spec, 0, sizeof(*spec));
	spec->slug = hl_json_get_str(in, "slug");
	spec->name = hl_json_get_str(in, "name");
	spec->verify = hl_json_get_str(in, "verify");
	spec->secret = hl_json_get_str(in, "secret");
	spec->event_type = hl_json_get_str(in, "event_type");
	if (json_object_object_get_ex(in, "type_map", &map) &&
	    json_object_is_type(map, json_type_object))
		spec->type_map = map;
	spec->allowed_cidrs = hl_json_get_str(in, "allowed_cidrs");
	spec->tolerance_s = int_or(in, "tolerance_seconds", -1);
	spec->rate_limit = int_or(in, "rate_limit", -1);
	spec->enabled = hl_input_bool(in, "enabled", -1);
}

void
api_sources_list(struct hl_req *r)
{
	char iterator[HL_ID_MAX];
	const char *it;
	json_object *out;
	int limit = hl_input_limit(r);
	hl_err rc;

	if (limit < 0 || hl_input_iterator(r, "src", iterator, sizeof(iterator), &it))
		return;
	rc = hl_source_list(r->db, r->who.account_id, limit, it, &out);
	hl_resp_result(r, rc, 200, out);
}

void
api_sources_create(struct hl_req *r)
{
	struct hl_source_spec spec;
	json_object *in, *out;
	const char *id;
	char path[128], loc[640];
	hl_err rc;

	in = hl_input_json(r, source_create_fields, 0);
	if (!in)
		return;
	spec_from_json(in, &spec);
	rc = hl_source_create(r->db, r->cfg, r->who.account_id, &spec, &out);
	if (rc) {
		hl_resp_core_error(r, rc);
	} else {
		id = json_object_get_string(json_object_object_get(out, "id"));
		snprintf(path, sizeof(path), "/webhooks/sources/%s", id);
		hl_resp_header(r, "Location", hl_req_url(r, path, loc, sizeof(loc)));
		hl_audit(r, "source.create", id, NULL);
		hl_resp_json(r, 201, out);
	}
	json_object_put(in);
}

void
api_sources_get(struct hl_req *r)
{
	json_object *out;
	hl_err rc;

	rc = hl_source_get(r->db, r->who.account_id, r->params[0], &out);
	hl_resp_result(r, rc, 200, out);
}

void
api_sources_update(struct hl_req *r)
{
	struct hl_source_spec spec;
	json_object *in, *out;
	int changed;
	hl_err rc;

	in = hl_input_json(r, source_update_fields, 0);
	if (!in)
		return;
	if (hl_input_drop_read_only(r, in, source_update_fields, r->params[0])) {
		json_object_put(in);
		return;
	}
	spec_from_json(in, &spec);
	rc = hl_source_update(r->db, r->cfg, r->who.account_id, r->params[0], &spec, &changed,
		&out);
	if (rc) {
		hl_resp_core_error(r, rc);
	} else {
		if (changed)
			hl_audit(r, "source.update", r->params[0], NULL);
		hl_resp_json(r, 200, out);
	}
	json_object_put(in);
}

void
api_sources_delete(struct hl_req *r)
{
	hl_err rc;

	rc = hl_source_delete(r->db, r->who.account_id, r->params[0]);
	if (rc) {
		hl_resp_core_error(r, rc);
		return;
	}
	hl_audit(r, "source.delete", r->params[0], NULL);
	r->status = 204;
	r->responded = 1;
}

/* As POST /webhooks/{wh}/rotate-secret, for the receiving side: the
 * secret replaced keeps verifying for grace_seconds. secret is the
 * provider's new one (required but for standard, where it is generated
 * when absent and then shown this once). */
void
api_sources_rotate_secret(struct hl_req *r)
{
	json_object *in, *out = NULL;
	long grace;
	int generated;
	hl_err rc;

	in = hl_input_json(r, rotate_fields, 1);
	if (!in)
		return;
	grace = hl_input_grace(in);
	rc = hl_source_rotate_secret(r->db, r->cfg, r->who.account_id, r->params[0],
		hl_json_get_str(in, "secret"), grace, &out);
	json_object_put(in);
	if (rc) {
		hl_resp_core_error(r, rc);
		return;
	}
	generated = json_object_object_get(out, "secret") != NULL;
	hl_json_add_int(out, "previous_secret_valid_seconds", grace);
	hl_audit_rotation(r, "source.rotate_secret", grace, generated);
	hl_resp_json(r, 200, out);
}

void
api_sources_requests(struct hl_req *r)
{
	char iterator[HL_ID_MAX], outcome[64];
	const char *it;
	json_object *src, *out = NULL;
	int limit = hl_input_limit(r);
	hl_err rc;

	if (limit < 0 || hl_input_iterator(r, "inc", iterator, sizeof(iterator), &it))
		return;
	/* An unknown source is a 404, not an empty log. */
	rc = hl_source_get(r->db, r->who.account_id, r->params[0], &src);
	json_object_put(src);
	if (!rc)
		rc = hl_incoming_list(r->db, r->who.account_id, r->params[0],
			hl_req_query(r, "outcome", outcome, sizeof(outcome)), 0, limit, it, &out);
	hl_resp_result(r, rc, 200, out);
}

void
api_incoming_request_get(struct hl_req *r)
{
	json_object *out;
	hl_err rc;

	rc = hl_incoming_get(r->db, r->who.account_id, r->params[1], &out);
	if (!rc && strcmp(hl_json_get_str(out, "source_id"), r->params[0])) {
		json_object_put(out);
		rc = hl_fail(HL_ERR_NOTFOUND, "id", "no incoming request %s at source %s",
			r->params[1], r->params[0]);
	}
	hl_resp_result(r, rc, 200, out);
}
