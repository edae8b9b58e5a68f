/* page_incoming.c: /webhook/incoming: the incoming sources (where third
 * parties post), their create and edit forms (inline errors keep what was
 * typed; a generated secret is kept sealed for the session and shown once
 * by /webhook/incoming/{src}/secret, the page the form redirects to), the
 * secret rotation form (the old secret verifies for a grace period), and
 * the log of what each source received with one request's headers and
 * body. The receiving side is api_incoming.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "hl_sources.h"
#include "hl_util.h"
#include "api_guard.h"
#include "pages.h"
#include "render.h"

/* The textarea of the largest map the API takes, every line
 * "key = value\r\n" (browsers send CRLF), with room as much again for
 * the spaces and blank lines people type. A value that still does not
 * fit is a form error (hl_page_form_check), never an emptied map. */
#define TYPE_MAP_LINE_MAX (HL_TYPE_MAP_KEY_MAX + 3 + HL_TYPE_MAP_VALUE_MAX + 2)
#define TYPE_MAP_TEXT_MAX (2 * HL_TYPE_MAP_MAX * TYPE_MAP_LINE_MAX + 1)

/* Where senders post, as the browser reached us (the Host it sent, kept
 * to the characters a host and port can have). */
static void
set_url(struct hl_req *r, HDF *hdf, const char *key, const char *path)
{
	const char *host = hl_req_env(r, "HTTP_HOST"), *https = hl_req_env(r, "HTTPS");
	char url[512];

	if (!host || !*host || strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789.-:[]") != strlen(host) || strlen(host) > 255)
		host = "localhost";
	snprintf(url, sizeof(url), "%s://%s%s", https && !strcasecmp(https, "on") ? "https" : "http",
		host, path);
	hdf_set_value(hdf, key, url);
}

/* Event types a source may publish: every type of the catalog (no
 * wildcards), as Page.Types.N. */
static hl_err
types_data(struct hl_req *r, HDF *hdf)
{
	HDF *fam, *t;
	char key[48];
	int n = 0;
	hl_err rc;

	rc = hl_page_catalog(r, "Page.Catalog", NULL);
	if (rc)
		return rc;
	for (fam = hdf_get_child(hdf, "Page.Catalog.Families"); fam; fam = hdf_obj_next(fam))
		for (t = hdf_get_child(fam, "types"); t; t = hdf_obj_next(t)) {
			snprintf(key, sizeof(key), "Page.Types.%d", n++);
			hdf_set_value(hdf, key, hdf_get_value(t, "name", ""));
		}
	return HL_OK;
}

static const char *const outcomes[] = { "accepted", "duplicate", "rejected", NULL };

/* The request log's filters (hl_page_filters), in this order: the
 * overview's tiles link to the list with an outcome and the start of
 * their 24 hours; a source's log takes no since (it is last: the
 * table ends before it). */
enum filter { F_OUTCOME, F_ITERATOR, F_SINCE, F__MAX };

static const struct hl_page_filter filters[F__MAX + 1] = {
	[F_OUTCOME] = { "outcome", HL_PF_CHOICE, outcomes, 1, NULL, NULL },
	[F_ITERATOR] = { "iterator", HL_PF_ITERATOR, NULL, 0, "inc", NULL },
	[F_SINCE] = { "since", HL_PF_SINCE, NULL, 0, NULL, NULL },
	[F__MAX] = { NULL, 0, NULL, 0, NULL, NULL },
};

/* The request log into the dataset, with each entry's page link data,
 * filtered as the query says (all the sources' when source_id is NULL).
 * -1 when the filter is not valid (noted; nothing is listed). */
static int
requests_data(struct hl_req *r, HDF *hdf, const char *source_id, int limit, hl_err *rc)
{
	struct hl_page_filter_value v[F__MAX];
	struct hl_page_filter decl[F__MAX + 1];
	json_object *list = NULL;
	long long since_ms;

	*rc = HL_OK;
	memset(v, 0, sizeof(v));
	memcpy(decl, filters, sizeof(decl));
	if (source_id)
		memset(&decl[F_SINCE], 0, sizeof(decl[0]));
	if (hl_page_filters(r, 0, decl, v))
		return -1;
	since_ms = !source_id && *v[F_SINCE].sql ?
		(long long)hl_sql_time_epoch(v[F_SINCE].sql) * 1000 : 0;
	*rc = hl_incoming_list(r->db, r->who.account_id, source_id,
		v[F_OUTCOME].choice >= 0 ? outcomes[v[F_OUTCOME].choice] : NULL, since_ms, limit,
		*v[F_ITERATOR].text ? v[F_ITERATOR].text : NULL, &list);
	if (*rc)
		return 0;
	hl_hdf_from_json(hdf, "Page.Requests", json_object_object_get(list, "data"));
	if (!json_object_get_boolean(json_object_object_get(list, "done")))
		hl_hdf_from_json(hdf, "Page.Iterator", json_object_object_get(list, "iterator"));
	json_object_put(list);
	return 0;
}

static void
show_list(struct hl_req *r, int status)
{
	HDF *hdf = hl_page_hdf(r);
	json_object *list = NULL, *data;
	char key[64];
	size_t i, n;
	hl_err rc;

	rc = hl_source_list(r->db, r->who.account_id, HL_LIST_MAX, NULL, &list);
	if (!rc) {
		data = json_object_object_get(list, "data");
		n = json_object_array_length(data);
		for (i = 0; i < n; i++) {
			json_object *s = json_object_array_get_idx(data, i);

			/* Provider event names are data: never dataset names. */
			json_object_object_del(s, "type_map");
			snprintf(key, sizeof(key), "Page.Sources.%zu", i);
			hl_hdf_from_json(hdf, key, s);
			snprintf(key, sizeof(key), "Page.Sources.%zu.url", i);
			set_url(r, hdf, key, json_object_get_string(json_object_object_get(s, "path")));
		}
		json_object_put(list);
	}
	if (!rc)
		rc = types_data(r, hdf);
	if (!rc && requests_data(r, hdf, NULL, 25, &rc) && status == 200)
		status = 400;
	if (rc) {
		hl_page_core_error(r, rc, "Loading the incoming sources");
		return;
	}
	if (!hdf_get_value(hdf, "Page.Form.event_type", NULL))
		hdf_set_value(hdf, "Page.Form.event_type", "integration.webhook_received");
	hl_page_show(r, status, "Incoming", "incoming", "incoming.cs");
}

void
page_incoming(struct hl_req *r)
{
	show_list(r, 200);
}

/* ------------------------------------------------------------------ */
/* The form */

/* A source's name (hl_source_create; incoming_form.cs's maxlength). */
#define NAME_CHARS 200

static const char *const shown_again[] = { "name", NULL };

struct form {
	char slug[HL_SLUG_MAX + 8], name[HL_PAGE_TEXT_CAP(NAME_CHARS)], verify[24];
	char secret[HL_SOURCE_SECRET_MAX + 8];
	char event_type[140], cidrs[1100], tolerance[24], rate[24], enabled[8];
	char type_map[TYPE_MAP_TEXT_MAX];
	json_object *map;
};

/* "provider event = event type" per line into an object; the line
 * that does not fit is named in the error. */
static hl_err
parse_type_map(const char *text, json_object **out)
{
	const char *p = text;
	char line[2 * TYPE_MAP_LINE_MAX], *eq, *k, *v;
	size_t len;
	int no = 0;

	*out = json_object_new_object();
	while (*p) {
		len = strcspn(p, "\n");
		no++;
		if (len >= sizeof(line))
			return hl_fail(HL_ERR_INVALID, "type_map", "line %d is too long", no);
		memcpy(line, p, len);
		line[len] = '\0';
		p += len + (p[len] == '\n');
		for (k = line; *k == ' ' || *k == '\t'; k++)
			;
		v = k + strlen(k);
		while (v > k && strchr(" \t\r", v[-1]))
			*--v = '\0';
		if (!*k)
			continue;
		/* The last "=": an event type has none, a provider's event
		 * name may ("a=b = x" maps "a=b", as the page shows it). */
		eq = strrchr(k, '=');
		if (!eq)
			return hl_fail(HL_ERR_INVALID, "type_map", "line %d: write provider event = event "
				"type", no);
		v = eq + 1;
		while (eq > k && (eq[-1] == ' ' || eq[-1] == '\t'))
			eq--;
		*eq = '\0';
		while (*v == ' ' || *v == '\t')
			v++;
		if (!*k || !*v)
			return hl_fail(HL_ERR_INVALID, "type_map", "line %d: write provider event = event "
				"type", no);
		json_object_object_add(*out, k, json_object_new_string(v));
	}
	return HL_OK;
}

/* A whole number in a text field: -1 when empty (left as is). */
static hl_err
parse_number(const char *text, const char *field, long *out)
{
	char *end;
	long v;

	*out = -1;
	if (!*text)
		return HL_OK;
	errno = 0;
	v = strtol(text, &end, 10);
	if (errno || *end || v < 0)
		return hl_fail(HL_ERR_INVALID, field, "%s must be a whole number", field);
	*out = v;
	return HL_OK;
}

/* Read the form into f and spec; HL_ERR_INVALID (with the field) when a
 * text field does not parse. */
static hl_err
read_form(struct hl_req *r, struct form *f, struct hl_source_spec *spec, int create)
{
	hl_err rc;

	memset(spec, 0, sizeof(*spec));
	hl_page_form(r, "slug", f->slug, sizeof(f->slug));
	hl_page_form_text(r, "name", f->name, sizeof(f->name), NAME_CHARS);
	hl_page_form(r, "verify", f->verify, sizeof(f->verify));
	hl_page_form(r, "secret", f->secret, sizeof(f->secret));
	hl_page_form(r, "event_type", f->event_type, sizeof(f->event_type));
	hl_page_form(r, "allowed_cidrs", f->cidrs, sizeof(f->cidrs));
	hl_page_form(r, "tolerance_seconds", f->tolerance, sizeof(f->tolerance));
	hl_page_form(r, "rate_limit", f->rate, sizeof(f->rate));
	hl_page_form(r, "enabled", f->enabled, sizeof(f->enabled));
	hl_page_form(r, "type_map", f->type_map, sizeof(f->type_map));
	/* Read as "", a field too long to read would clear it on an edit. */
	rc = hl_page_form_check(r);
	if (rc)
		return rc;
	spec->slug = *f->slug ? f->slug : NULL;
	spec->name = f->name;
	spec->verify = *f->verify ? f->verify : NULL;
	spec->secret = *f->secret ? f->secret : NULL;
	spec->event_type = *f->event_type ? f->event_type : NULL;
	/* Emptied boxes clear on an edit; on create they are defaults. */
	spec->allowed_cidrs = create && !*f->cidrs ? NULL : f->cidrs;
	spec->enabled = create ? 1 : *f->enabled != '\0';
	rc = parse_number(f->tolerance, "tolerance_seconds", &spec->tolerance_s);
	if (!rc)
		rc = parse_number(f->rate, "rate_limit", &spec->rate_limit);
	if (!rc && spec->rate_limit < 0 && !create)
		spec->rate_limit = 0;
	if (!rc)
		rc = parse_type_map(f->type_map, &f->map);
	if (!rc && (json_object_object_length(f->map) > 0 || !create))
		spec->type_map = f->map;
	return rc;
}

/* Back to the form with what was typed (never the secret) and the error
 * at its field. */
static void
form_error(struct hl_req *r, const struct form *f, hl_err rc)
{
	HDF *hdf = hl_page_hdf(r);
	const char *field = hl_errfield() ? hl_errfield() : "name";
	char key[64];

	hdf_set_value(hdf, "Page.Form.slug", f->slug);
	hdf_set_value(hdf, "Page.Form.name", f->name);
	hdf_set_value(hdf, "Page.Form.verify", f->verify);
	hdf_set_value(hdf, "Page.Form.event_type", f->event_type);
	hdf_set_value(hdf, "Page.Form.allowed_cidrs", f->cidrs);
	hdf_set_value(hdf, "Page.Form.tolerance_seconds", f->tolerance);
	hdf_set_value(hdf, "Page.Form.rate_limit", f->rate);
	hdf_set_value(hdf, "Page.Form.type_map", f->type_map);
	hdf_set_int_value(hdf, "Page.Form.enabled", *f->enabled != '\0');
	hl_page_keep(r, "Page.Form", shown_again);
	snprintf(key, sizeof(key), "Page.FieldError.%s", field);
	hdf_set_value(hdf, key, hl_errmsg());
	hdf_set_int_value(hdf, "Page.FormError", rc == HL_ERR_CONFLICT ? 409 : 422);
}

/* A generated secret goes to the page that shows it once. */
static void
reveal_redirect(struct hl_req *r, json_object *src, const char *kind, const char *done)
{
	static const char *const members[] = { "secret", NULL };

	hl_page_reveal_redirect(r, "incoming", hl_json_get_str(src, "id"), kind, src, members,
		done);
}

/* The secret once (a reload finds it taken and says so), with where the
 * sender posts and until when the previous secret verifies. */
void
page_incoming_secret(struct hl_req *r)
{
	HDF *hdf = hl_page_hdf(r);
	char kind[HL_REVEAL_KIND_MAX];
	json_object *src = NULL, *secrets;
	hl_err rc;

	rc = hl_source_get(r->db, r->who.account_id, r->params[0], &src);
	if (rc) {
		hl_page_core_error(r, rc, "Loading the source");
		return;
	}
	hdf_set_value(hdf, "Page.Source.id", hl_json_get_str(src, "id"));
	hdf_set_value(hdf, "Page.Source.name", hl_json_get_str(src, "name"));
	hdf_set_value(hdf, "Page.Source.previous_secret_expires_at",
		hl_json_get_str(src, "previous_secret_expires_at"));
	set_url(r, hdf, "Page.Source.url", hl_json_get_str(src, "path"));
	json_object_put(src);
	secrets = hl_page_reveal_take(r, r->params[0], kind);
	if (secrets) {
		hdf_set_value(hdf, "Page.Reveal.secret", hl_json_get_str(secrets, "secret"));
		hdf_set_int_value(hdf, "Page.Rotated", !strcmp(kind, "rotated"));
	} else {
		hdf_set_int_value(hdf, "Page.Gone", 1);
	}
	hl_page_show(r, 200, secrets ? "Source secret" : "Secret already shown", "incoming",
		"incoming_secret.cs");
	hl_reveal_wipe(secrets);
}

static int
is_form_error(hl_err rc)
{
	return rc == HL_ERR_INVALID || rc == HL_ERR_CONFLICT || rc == HL_ERR_UNPROCESSABLE;
}

void
page_incoming_create(struct hl_req *r)
{
	struct hl_source_spec spec;
	struct form *f = calloc(1, sizeof(*f));
	json_object *out = NULL;
	char loc[128];
	const char *id;
	hl_err rc;

	if (!f) {
		hl_page_error(r, 500, "Out of memory.");
		return;
	}
	rc = read_form(r, f, &spec, 1);
	if (!rc)
		rc = hl_source_create(r->db, r->cfg, r->who.account_id, &spec, &out);
	if (is_form_error(rc)) {
		form_error(r, f, rc);
		hdf_set_int_value(hl_page_hdf(r), "Page.CreateOpen", 1);
		show_list(r, rc == HL_ERR_CONFLICT ? 409 : 422);
		goto out;
	}
	if (rc) {
		hl_page_core_error(r, rc, "Creating the source");
		goto out;
	}
	id = json_object_get_string(json_object_object_get(out, "id"));
	hl_audit(r, "source.create", id, NULL);
	if (json_object_object_get(out, "secret")) {
		reveal_redirect(r, out, "created", "The source was created");
	} else {
		snprintf(loc, sizeof(loc), "/webhook/incoming/%s?done=created", id);
		hl_resp_redirect(r, loc);
	}
out:
	json_object_put(out);
	json_object_put(f->map);
	memset(f->secret, 0, sizeof(f->secret));
	free(f);
}

static void
show_source(struct hl_req *r, int status)
{
	HDF *hdf = hl_page_hdf(r);
	json_object *src = NULL, *map;
	char key[64];
	struct hl_buf text;
	int have_form = hdf_get_value(hdf, "Page.Form.verify", NULL) != NULL;
	hl_err rc;

	rc = hl_source_get(r->db, r->who.account_id, r->params[0], &src);
	if (rc) {
		hl_page_core_error(r, rc, "Loading the source");
		return;
	}
	/* The stored map as the textarea shows it: every entry, or the page
	 * fails; a map shown in part would be saved in part. */
	map = json_object_object_get(src, "type_map");
	hl_buf_init(&text, TYPE_MAP_TEXT_MAX);
	if (json_object_is_type(map, json_type_object)) {
		json_object_object_foreach(map, k, v) {
			rc = hl_buf_printf(&text, "%s = %s\n", k, json_object_get_string(v));
			if (rc)
				break;
		}
	}
	if (rc) {
		hl_buf_free(&text);
		json_object_put(src);
		hl_page_core_error(r, rc, "Showing the source's type map");
		return;
	}
	json_object_object_del(src, "type_map");
	hl_hdf_from_json(hdf, "Page.Source", src);
	set_url(r, hdf, "Page.Source.url", json_object_get_string(json_object_object_get(src, "path")));
	if (!have_form) {
		/* The form starts as the stored source. */
		static const char *const copy[] = { "slug", "name", "verify", "event_type",
			"allowed_cidrs", "tolerance_seconds", "rate_limit", "enabled" };
		size_t i;

		for (i = 0; i < sizeof(copy) / sizeof(copy[0]); i++) {
			snprintf(key, sizeof(key), "Page.Form.%s", copy[i]);
			hl_hdf_from_json(hdf, key, json_object_object_get(src, copy[i]));
		}
		hdf_set_value(hdf, "Page.Form.type_map", hl_buf_str(&text));
	}
	hl_buf_free(&text);
	json_object_put(src);
	rc = types_data(r, hdf);
	if (!rc && requests_data(r, hdf, r->params[0], 50, &rc) && status == 200)
		status = 400;
	if (rc) {
		hl_page_core_error(r, rc, "Loading the source");
		return;
	}
	hl_page_show(r, status, "Incoming source", "incoming", "incoming_source.cs");
}

void
page_incoming_source(struct hl_req *r)
{
	show_source(r, 200);
}

void
page_incoming_update(struct hl_req *r)
{
	struct hl_source_spec spec;
	struct form *f = calloc(1, sizeof(*f));
	json_object *out = NULL;
	char loc[128];
	int changed = 0;
	hl_err rc;

	if (!f) {
		hl_page_error(r, 500, "Out of memory.");
		return;
	}
	rc = read_form(r, f, &spec, 0);
	if (!rc)
		rc = hl_source_update(r->db, r->cfg, r->who.account_id, r->params[0], &spec, &changed,
			&out);
	if (is_form_error(rc)) {
		form_error(r, f, rc);
		show_source(r, rc == HL_ERR_CONFLICT ? 409 : 422);
		goto out;
	}
	if (rc) {
		hl_page_core_error(r, rc, "Saving the source");
		goto out;
	}
	if (changed)
		hl_audit(r, "source.update", r->params[0], NULL);
	if (json_object_object_get(out, "secret")) {
		reveal_redirect(r, out, "saved", "The source was saved");
	} else {
		snprintf(loc, sizeof(loc), "/webhook/incoming/%s?done=saved", r->params[0]);
		hl_resp_redirect(r, loc);
	}
out:
	json_object_put(out);
	json_object_put(f->map);
	memset(f->secret, 0, sizeof(f->secret));
	free(f);
}

void
page_incoming_delete(struct hl_req *r)
{
	char confirm[8];
	hl_err rc;

	if (!*hl_page_form(r, "confirm", confirm, sizeof(confirm))) {
		hdf_set_value(hl_page_hdf(r), "Page.FieldError.confirm",
			"tick the box to confirm: the request log goes with the source");
		show_source(r, 422);
		return;
	}
	rc = hl_source_delete(r->db, r->who.account_id, r->params[0]);
	if (rc) {
		hl_page_core_error(r, rc, "Deleting the source");
		return;
	}
	hl_audit(r, "source.delete", r->params[0], NULL);
	hl_resp_redirect(r, "/webhook/incoming?done=source_deleted");
}

/* The rotation form's fields are named apart from the settings form's
 * (both are on the source's page): an error at "secret" must not show
 * under the settings' secret box. */
static const char *
rotate_field(const char *core_field)
{
	if (core_field && (!strcmp(core_field, "grace_seconds") || !strcmp(core_field, "grace_hours")))
		return "Page.FieldError.rotate_grace";
	return "Page.FieldError.rotate_secret";
}

#define ROTATE_GRACE_HOURS_MAX (HL_GRACE_MAX / 3600)

/* The form takes hours (what an operator plans in); empty is the API's
 * default. A generated secret is rendered once; a pasted one is not
 * shown again: the page says until when the old one verifies. */
void
page_incoming_rotate(struct hl_req *r)
{
	HDF *hdf = hl_page_hdf(r);
	char secret[HL_SOURCE_SECRET_MAX + 8], hours[24], loc[128];
	json_object *out = NULL;
	long grace_h = -1;
	long grace_s = HL_GRACE_DEFAULT;
	int generated;
	hl_err rc;

	hl_page_form(r, "secret", secret, sizeof(secret));
	hl_page_form(r, "grace_hours", hours, sizeof(hours));
	rc = hl_page_form_check(r);
	if (!rc && parse_number(hours, "grace_hours", &grace_h))
		rc = hl_fail(HL_ERR_INVALID, "grace_hours", "write the hours as a whole number, "
			"0 to %d", ROTATE_GRACE_HOURS_MAX);
	if (!rc && grace_h > ROTATE_GRACE_HOURS_MAX)
		rc = hl_fail(HL_ERR_INVALID, "grace_hours", "the old secret can keep verifying for "
			"at most %d hours (7 days)", ROTATE_GRACE_HOURS_MAX);
	if (!rc && grace_h >= 0)
		grace_s = grace_h * 3600;
	if (!rc)
		rc = hl_source_rotate_secret(r->db, r->cfg, r->who.account_id, r->params[0],
			*secret ? secret : NULL, grace_s, &out);
	if (is_form_error(rc)) {
		/* What was typed comes back, never the secret. */
		hdf_set_value(hdf, rotate_field(hl_errfield()), hl_errmsg());
		hdf_set_value(hdf, "Page.Rotate.grace_hours", hours);
		hdf_set_int_value(hdf, "Page.Rotate.error", 1);
		show_source(r, rc == HL_ERR_CONFLICT ? 409 : 422);
		goto out;
	}
	if (rc) {
		hl_page_core_error(r, rc, "Rotating the secret");
		goto out;
	}
	generated = json_object_object_get(out, "secret") != NULL;
	hl_audit_rotation(r, "source.rotate_secret", grace_s, generated);
	if (generated) {
		reveal_redirect(r, out, "rotated", "The secret was rotated");
	} else {
		snprintf(loc, sizeof(loc), "/webhook/incoming/%s?done=rotated", r->params[0]);
		hl_resp_redirect(r, loc);
	}
out:
	json_object_put(out);
	memset(secret, 0, sizeof(secret));
}

void
page_incoming_request(struct hl_req *r)
{
	HDF *hdf = hl_page_hdf(r);
	json_object *q = NULL, *parsed;
	const char *body;
	hl_err rc;

	rc = hl_incoming_get(r->db, r->who.account_id, r->params[1], &q);
	if (!rc && strcmp(hl_json_get_str(q, "source_id"), r->params[0]))
		rc = hl_fail(HL_ERR_NOTFOUND, "id", "no such request at this source");
	if (rc) {
		json_object_put(q);
		hl_page_core_error(r, rc, "Loading the request");
		return;
	}
	hl_page_headers(hdf, "Page.Headers", json_object_object_get(q, "headers"));
	json_object_object_del(q, "headers");
	/* A JSON body is shown indented; anything else as it came. */
	body = hl_json_get_str(q, "body");
	parsed = body && !json_object_get_boolean(json_object_object_get(q, "body_truncated")) ?
		json_tokener_parse(body) : NULL;
	if (parsed)
		hl_page_json_text(hdf, "Page.BodyText", parsed);
	else
		hdf_set_value(hdf, "Page.BodyText", body ? body : "");
	json_object_put(parsed);
	json_object_object_del(q, "body");
	hl_hdf_from_json(hdf, "Page.Request", q);
	json_object_put(q);
	hl_page_show(r, 200, "Incoming request", "incoming", "incoming_request.cs");
}
