/* page_manage.c: /webhook/manage: the endpoint list, the create and edit
 * forms with the delivery options (inline errors keep what was typed),
 * enable, disable, delete (after a confirmation page) and secret rotation.
 * A form that makes a secret (create, rotate, a new encryption key) keeps
 * it sealed for the session and redirects to /webhook/manage/{wh}/secret,
 * which shows it once: reloading that page repeats nothing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "hl_analytics.h"
#include "hl_endpoint_opts.h"
#include "hl_endpoints.h"
#include "hl_util.h"
#include "api_guard.h"
#include "pages.h"
#include "render.h"

#define ROTATE_GRACE_S (24 * 3600)

static void
copy_rate(json_object *ep, json_object *stats)
{
	json_object_object_add(ep, "success_rate",
		json_object_get(json_object_object_get(stats, "success_rate")));
	json_object_object_add(ep, "attempts_7d",
		json_object_get(json_object_object_get(stats, "attempts")));
}

/* Add each endpoint's 7-day success rate to the list. One query gives
 * the rates of up to 200 endpoints (by_endpoint); when the account had
 * more with attempts, the page's others are asked for one by one. */
static void
add_rates(struct hl_req *r, json_object *endpoints)
{
	struct hl_analytics_filter f = { 0 };
	char since[32], until[32];
	time_t now = time(NULL), then = now - 7 * 86400;
	json_object *a = NULL, *by, *one;
	size_t i, j, n, m;
	int truncated;

	hl_sql_time(then, since);
	hl_sql_time(now + 60, until);
	f.since = since;
	f.until = until;
	f.buckets = 1;
	f.retention_days = r->cfg->retention_days;
	f.rollup_days = r->cfg->retention_rollup_days;
	if (hl_analytics_query(r->db, r->who.account_id, &f, &a))
		return;
	by = json_object_object_get(a, "by_endpoint");
	truncated = json_object_get_boolean(json_object_object_get(a, "truncated"));
	n = json_object_array_length(endpoints);
	m = json_object_array_length(by);
	for (i = 0; i < n; i++) {
		json_object *ep = json_object_array_get_idx(endpoints, i);
		const char *id = json_object_get_string(json_object_object_get(ep, "id"));

		for (j = 0; j < m; j++) {
			json_object *g = json_object_array_get_idx(by, j);

			if (!strcmp(id, json_object_get_string(json_object_object_get(g,
			    "webhook_id")))) {
				copy_rate(ep, g);
				break;
			}
		}
		if (j < m || !truncated)
			continue;
		f.endpoint_id = id;
		one = NULL;
		if (!hl_analytics_query(r->db, r->who.account_id, &f, &one))
			copy_rate(ep, json_object_object_get(one, "totals"));
		json_object_put(one);
	}
	json_object_put(a);
}

/* ?health= of the list, as the overview's tiles link to it (enum
 * hl_endpoint_health; "" is every endpoint, the filter left empty). */
static const char *const health_names[] = { "failing", "disabled", NULL };
static const enum hl_endpoint_health health_of[] = { HL_HEALTH_FAILING, HL_HEALTH_DISABLED };

enum filter { F_HEALTH, F_ITERATOR, F__MAX };

static const struct hl_page_filter filters[F__MAX + 1] = {
	[F_HEALTH] = { "health", HL_PF_CHOICE, health_names, 1, NULL, NULL },
	[F_ITERATOR] = { "iterator", HL_PF_ITERATOR, NULL, 0, "wh", NULL },
	[F__MAX] = { NULL, 0, NULL, 0, NULL, NULL },
};

void
page_manage(struct hl_req *r)
{
	struct hl_page_filter_value v[F__MAX];
	enum hl_endpoint_health health;
	json_object *list, *data;
	HDF *hdf = hl_page_hdf(r);
	hl_err rc;

	/* A bad filter (one too long to read as well) lists nothing: the
	 * whole list would look like its answer. */
	if (hl_page_filters(r, 0, filters, v)) {
		hl_page_show(r, 400, "Manage webhooks", "manage", "manage.cs");
		return;
	}
	health = v[F_HEALTH].choice < 0 ? HL_HEALTH_ANY : health_of[v[F_HEALTH].choice];
	rc = hl_endpoint_list_health(r->db, r->who.account_id, health, HL_LIST_DEFAULT,
		*v[F_ITERATOR].text ? v[F_ITERATOR].text : NULL, &list);
	if (rc) {
		hl_page_error(r, 500, "The endpoint list could not be loaded.");
		return;
	}
	data = json_object_object_get(list, "data");
	add_rates(r, data);
	hl_hdf_from_json(hdf, "Page.Endpoints", data);
	if (!json_object_get_boolean(json_object_object_get(list, "done")))
		hl_hdf_from_json(hdf, "Page.Iterator", json_object_object_get(list, "iterator"));
	json_object_put(list);
	/* A closed set of notices after a redirect; the template words them. */
	hl_page_show(r, 200, "Manage webhooks", "manage", "manage.cs");
}

/* Scalar delivery options (hl_endpoint_opts.h): the form field is named
 * like the API's JSON member and the core validates the value; text that is
 * not a number goes to it as typed, so the message is the API's. A new
 * scalar option is one line here and one call:opt_input in manage_form.cs. */
enum opt_kind { OPT_INT, OPT_BOOL, OPT__MAX };

static const struct scalar_opt {
	const char *name;
	enum opt_kind kind;
	int empty_is_zero;      /* else an empty field leaves the option as it is */
} scalar_opts[] = {
	{ "timeout_ms", OPT_INT, 0 },
	{ "priority", OPT_INT, 1 },
	{ "fifo", OPT_BOOL, 0 },
	/* Batch delivery: in the core on main (b65993f); ignored before it. */
	{ "batch_max", OPT_INT, 0 },
	/* Deliveries per second; empty is 0, no limit (GET's 0 shows empty). */
	{ "rate_limit", OPT_INT, 1 },
};
#define NSCALAR (sizeof(scalar_opts) / sizeof(scalar_opts[0]))

/* Destination authentication: each kind's members, as the API names them.
 * Secret members are write-only: never rendered, not even after a form
 * error. The core returns only oauth2's token_url, client_id and scope. */
struct auth_member {
	const char *name;
	int secret;
	int optional;   /* left out when empty (the core refuses an empty string) */
};

#define AUTH_MEMBERS_MAX 6

static const struct auth_kind {
	const char *type;
	struct auth_member members[AUTH_MEMBERS_MAX];
} auth_kinds[] = {
	{ "basic", { { "username", 0, 0 }, { "password", 1, 0 } } },
	{ "bearer", { { "token", 1, 0 } } },
	{ "header", { { "name", 0, 0 }, { "value", 1, 0 } } },
	{ "oauth2", { { "token_url", 0, 0 }, { "client_id", 0, 0 }, { "client_secret", 1, 0 },
		{ "scope", 0, 1 }, { "audience", 0, 1 } } },
};
#define NAUTH (sizeof(auth_kinds) / sizeof(auth_kinds[0]))

static const char *const retry_exp_members[] = {
	"base_seconds", "cap_seconds", "max_attempts", NULL
};

/* Core error fields the form shows next to their input; others go to the
 * alert at the top, so an option the template lacks still shows its error. */
static const char *const inline_fields[] = {
	"url", "description", "method", "event_types", "headers", "auth",
	"retry_schedule", "retry_exponential", "ed25519", "encryption", NULL
};

/* The core's limits for an endpoint (hl_endpoint_create; manage_form.cs's
 * maxlength): what is longer is refused here, and shown again as typed. */
#define URL_CHARS 2048
#define DESCRIPTION_CHARS 500

static const char *const shown_again[] = { "url", "description", NULL };

#define HEADER_ROWS_MIN 4
#define TEXT_MAX 1100   /* above the core's limits, so it is the core that refuses */

static char *
trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

/* The typed text as a JSON integer, or the text itself when it is not one. */
static json_object *
int_or_text(const char *s)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || *end || errno)
		return json_object_new_string(s);
	return json_object_new_int64(v);
}

static void
read_scalars(struct hl_req *r, json_object *form, json_object *opts)
{
	char buf[64], *v;
	size_t i;

	for (i = 0; i < NSCALAR; i++) {
		const struct scalar_opt *o = &scalar_opts[i];

		hl_page_form(r, o->name, buf, sizeof(buf));
		v = trim(buf);
		if (o->kind == OPT_BOOL) {
			hl_json_add_bool(form, o->name, *v != 0);
			hl_json_add_bool(opts, o->name, *v != 0);
			continue;
		}
		hl_json_add_str(form, o->name, v);
		if (*v)
			json_object_object_add(opts, o->name, int_or_text(v));
		else if (o->empty_is_zero)
			hl_json_add_int(opts, o->name, 0);
	}
}

/* Default, an explicit schedule or exponential backoff: the policy not
 * chosen is cleared, so what the form shows is what the runner uses. */
static void
read_retry(struct hl_req *r, json_object *form, json_object *opts)
{
	char mode[16], sched[420], buf[64], key[64];
	json_object *typed = json_object_new_object(), *x = json_object_new_object();
	int i;

	hl_page_form(r, "retry_mode", mode, sizeof(mode));
	hl_page_form(r, "retry_schedule", sched, sizeof(sched));
	hl_json_add_str(form, "retry_mode", *mode ? mode : "default");
	hl_json_add_str(form, "retry_schedule", trim(sched));
	for (i = 0; retry_exp_members[i]; i++) {
		snprintf(key, sizeof(key), "retry_exponential.%s", retry_exp_members[i]);
		hl_page_form(r, key, buf, sizeof(buf));
		hl_json_add_str(typed, retry_exp_members[i], trim(buf));
		json_object_object_add(x, retry_exp_members[i], int_or_text(trim(buf)));
	}
	json_object_object_add(form, "retry_exponential", typed);
	if (!strcmp(mode, "schedule"))
		hl_json_add_str(opts, "retry_schedule", trim(sched));
	else
		json_object_object_add(opts, "retry_schedule", NULL);
	if (!strcmp(mode, "exponential")) {
		json_object_object_add(opts, "retry_exponential", x);   /* takes x */
		x = NULL;
	} else {
		json_object_object_add(opts, "retry_exponential", NULL);
	}
	json_object_put(x);
}

static int
has_header(json_object *headers, const char *name)
{
	json_object_object_foreach(headers, k, v) {
		(void)v;
		if (!strcasecmp(k, name))
			return 1;
	}
	return 0;
}

/* Rows "header.N.name" / "header.N.value"; the set replaces the stored one.
 * The name is trimmed (spaces around a token are never part of it); the
 * value is kept as typed, as PUT /webhooks/{id} keeps it: trimming it here
 * changed a value set through the API whenever the form was saved. What
 * HTTP forbids in a value (control characters) is refused by the core,
 * with the API's message. */
static hl_err
read_headers(struct hl_req *r, json_object *form, json_object *opts)
{
	char key[48], name[200], value[TEXT_MAX], *n, *v;
	json_object *rows = json_object_new_array(), *headers = json_object_new_object(), *row;
	hl_err rc = HL_OK;
	int i;

	for (i = 0; i < HL_HEADERS_MAX; i++) {
		snprintf(key, sizeof(key), "header.%d.name", i);
		hl_page_form(r, key, name, sizeof(name));
		snprintf(key, sizeof(key), "header.%d.value", i);
		hl_page_form(r, key, value, sizeof(value));
		n = trim(name);
		v = value;
		/* An untouched row: no name and nothing but blanks. */
		if (!*n && strspn(v, " \t") == strlen(v))
			continue;
		row = json_object_new_object();
		hl_json_add_str(row, "name", n);
		hl_json_add_str(row, "value", v);
		json_object_array_add(rows, row);
		/* Names are case-insensitive; a second one would silently win. */
		if (!rc && has_header(headers, n))
			rc = hl_fail(HL_ERR_INVALID, "headers", "header %.64s is given twice", n);
		json_object_object_add(headers, n, json_object_new_string(v));
	}
	json_object_object_add(form, "header_rows", rows);
	json_object_object_add(opts, "headers", headers);
	return rc;
}

static const char *
stored_auth_type(json_object *cur)
{
	json_object *a;
	const char *t = NULL;

	if (cur && json_object_object_get_ex(cur, "auth", &a))
		t = json_object_get_string(json_object_object_get(a, "type"));
	return t ? t : "none";
}

/* What GET shows of a stored credential member ("" when it shows nothing). */
static const char *
stored_auth_member(json_object *cur, const char *name)
{
	json_object *a;
	const char *v = NULL;

	if (cur && json_object_object_get_ex(cur, "auth", &a))
		v = json_object_get_string(json_object_object_get(a, name));
	return v ? v : "";
}

static void
read_auth(struct hl_req *r, json_object *cur, json_object *form, json_object *opts)
{
	char type[16], key[64], val[TEXT_MAX];
	const char *stored = stored_auth_type(cur);
	const struct auth_kind *k = NULL;
	json_object *typed = json_object_new_object(), *a = json_object_new_object();
	int changed = 0;
	size_t i;

	hl_page_form(r, "auth.type", type, sizeof(type));
	if (!*type)
		hl_strlcpy(type, "none", sizeof(type));
	hl_json_add_str(typed, "type", type);
	json_object_object_add(form, "auth", typed);
	hl_json_add_str(a, "type", type);
	for (i = 0; i < NAUTH; i++)
		if (!strcmp(auth_kinds[i].type, type))
			k = &auth_kinds[i];
	for (i = 0; k && i < AUTH_MEMBERS_MAX && k->members[i].name; i++) {
		const struct auth_member *m = &k->members[i];

		snprintf(key, sizeof(key), "auth.%s.%s", k->type, m->name);
		hl_page_form(r, key, val, sizeof(val));
		/* The form shows what GET shows (oauth2's token_url, client_id,
		 * scope): only a difference from that, or a secret, is a change. */
		if (m->secret)
			changed |= *val != 0;
		else
			changed |= strcmp(val, stored_auth_member(cur, m->name)) != 0;
		if (*val || !m->optional)
			hl_json_add_str(a, m->name, val);
		if (!m->secret)
			hl_json_add_str(typed, m->name, val);
	}
	memset(val, 0, sizeof(val));
	/* Stored credentials cannot be read back or merged (the core replaces
	 * them whole): the same kind, unchanged, with every secret empty keeps
	 * them; any change needs all of them again, and the core says which
	 * one is missing. "none" twice changes nothing. An unknown type goes to
	 * the core, which names it. */
	if (!strcmp(type, stored) && !changed) {
		json_object_put(a);
		return;
	}
	json_object_object_add(opts, "auth", a);
}

static void
read_ed25519(struct hl_req *r, json_object *cur, json_object *form, json_object *opts)
{
	char v[4];
	int want = *hl_page_form(r, "ed25519", v, sizeof(v)) != 0;
	int have = cur && json_object_object_get(cur, "ed25519_public_key") != NULL;

	hl_json_add_bool(form, "ed25519", want);
	/* Only a change goes to the core. */
	if (want != have)
		hl_json_add_bool(opts, "ed25519", want);
}

/* "Encrypt payloads" and, when it is on, "Generate a new encryption key"
 * ("rotate"): a new key is shown once; unticking turns encryption off. */
static void
read_encryption(struct hl_req *r, json_object *cur, json_object *form, json_object *opts)
{
	char v[4];
	int want = *hl_page_form(r, "encryption", v, sizeof(v)) != 0;
	int renew = want && *hl_page_form(r, "encryption_renew", v, sizeof(v)) != 0;
	int have = cur && json_object_get_boolean(json_object_object_get(cur, "encryption"));

	hl_json_add_bool(form, "encryption", want);
	hl_json_add_bool(form, "encryption_renew", renew);
	if (renew)
		hl_json_add_str(opts, "encryption", "rotate");
	else if (want != have)
		hl_json_add_bool(opts, "encryption", want);
}

/* What the form posted: *form in the shape of an endpoint's JSON (shown
 * again on error) and *opts, the delivery options exactly as the API takes
 * them. cur is the stored endpoint (NULL when creating). */
static hl_err
read_form(struct hl_req *r, json_object *cur, json_object **form, json_object **opts)
{
	char url[HL_PAGE_TEXT_CAP(URL_CHARS)], description[HL_PAGE_TEXT_CAP(DESCRIPTION_CHARS)];
	char method[8], enabled[4];
	json_object *f = json_object_new_object();
	hl_err rc;

	hl_json_add_str(f, "url", hl_page_form_text(r, "url", url, sizeof(url), URL_CHARS));
	hl_json_add_str(f, "description", hl_page_form_text(r, "description", description,
		sizeof(description), DESCRIPTION_CHARS));
	hl_json_add_str(f, "method", hl_page_form(r, "method", method, sizeof(method)));
	hl_json_add_bool(f, "enabled", *hl_page_form(r, "enabled", enabled, sizeof(enabled)) != 0);
	json_object_object_add(f, "event_types", hl_page_catalog_selection(r));
	*form = f;
	*opts = json_object_new_object();
	read_scalars(r, f, *opts);
	read_retry(r, f, *opts);
	read_auth(r, cur, f, *opts);
	read_ed25519(r, cur, f, *opts);
	read_encryption(r, cur, f, *opts);
	rc = read_headers(r, f, *opts);
	/* A value too long to read is "" above: an emptied description or
	 * header, a credential "unchanged". Refuse the form instead. */
	if (hl_page_form_check(r))
		rc = HL_ERR_INVALID;
	return rc;
}

/* A stored endpoint in the shape read_form gives the form. */
static void
endpoint_to_form(json_object *ep)
{
	json_object *h, *x, *row, *rows = json_object_new_array();
	const char *mode = "default";

	if (json_object_object_get_ex(ep, "headers", &h) && json_object_is_type(h, json_type_object)) {
		json_object_object_foreach(h, name, val) {
			row = json_object_new_object();
			hl_json_add_str(row, "name", name);
			hl_json_add_str(row, "value", json_object_get_string(val));
			json_object_array_add(rows, row);
		}
	}
	/* Header names are data: never dataset names (a dot would nest). */
	json_object_object_del(ep, "headers");
	json_object_object_add(ep, "header_rows", rows);
	if (json_object_object_get_ex(ep, "retry_exponential", &x) &&
	    json_object_is_type(x, json_type_object))
		mode = "exponential";
	else if (json_object_object_get(ep, "retry_schedule"))
		mode = "schedule";
	hl_json_add_str(ep, "retry_mode", mode);
	hl_json_add_bool(ep, "ed25519", json_object_object_get(ep, "ed25519_public_key") != NULL);
	/* 0 is "no limit": an empty field says so better. */
	if (json_object_get_int64(json_object_object_get(ep, "rate_limit")) == 0)
		hl_json_add_str(ep, "rate_limit", "");
}

/* The payload filters of the stored subscriptions (set through the API;
 * the form keeps them), as Page.Filters.N.event_type / .text. */
static void
stored_filters(struct hl_req *r, const char *id)
{
	HDF *hdf = hl_page_hdf(r);
	json_object *subs = NULL, *f;
	char key[64];
	size_t i, n;
	int k = 0;

	if (hl_subscriptions_list(r->db, r->who.account_id, id, &subs))
		return;
	n = json_object_array_length(subs);
	for (i = 0; i < n; i++) {
		json_object *s = json_object_array_get_idx(subs, i);

		f = json_object_object_get(s, "filter");
		if (!f)
			continue;
		snprintf(key, sizeof(key), "Page.Filters.%d.event_type", k);
		hdf_set_value(hdf, key, json_object_get_string(json_object_object_get(s, "event_type")));
		snprintf(key, sizeof(key), "Page.Filters.%d.text", k++);
		hl_page_json_text(hdf, key, f);
	}
	json_object_put(subs);
}

/* The form, filled from form (read_form's or endpoint_to_form's shape);
 * cur is the stored endpoint, for what the form may not show (whether
 * credentials are set, the ed25519 public key). */
static void
show_form(struct hl_req *r, int status, const char *id, json_object *form, json_object *cur)
{
	HDF *hdf = hl_page_hdf(r);
	json_object *rows = json_object_object_get(form, "header_rows"), *row;
	size_t i, n = json_object_array_length(rows), want;

	/* A few empty rows to add headers without JavaScript. */
	want = n + 2 < HEADER_ROWS_MIN ? HEADER_ROWS_MIN : n + 2;
	if (want > HL_HEADERS_MAX)
		want = n > HL_HEADERS_MAX ? n : HL_HEADERS_MAX;
	for (i = n; i < want; i++) {
		row = json_object_new_object();
		hl_json_add_str(row, "name", "");
		hl_json_add_str(row, "value", "");
		json_object_array_add(rows, row);
	}
	for (i = 0; i < want; i++)
		hl_json_add_int(json_object_array_get_idx(rows, i), "i", (long long)i);
	if (id)
		hdf_set_value(hdf, "Page.Id", id);
	hdf_set_value(hdf, "Page.Stored.auth_type", stored_auth_type(cur));
	if (cur) {
		hdf_set_value(hdf, "Page.Stored.ed25519_public_key", json_object_get_string(
			json_object_object_get(cur, "ed25519_public_key")));
		hdf_set_int_value(hdf, "Page.Stored.encryption", json_object_get_boolean(
			json_object_object_get(cur, "encryption")));
		/* A notice after a redirect names the endpoint it is about. */
		hdf_set_value(hdf, "Page.DoneSubject", hl_json_get_str(cur, "url"));
		/* The Actions act on the stored endpoint, not on a form with errors. */
		hdf_set_int_value(hdf, "Page.Stored.enabled", json_object_get_boolean(
			json_object_object_get(cur, "enabled")));
	}
	if (id)
		stored_filters(r, id);
	hl_hdf_from_json(hdf, "Page.Form", form);
	hl_page_keep(r, "Page.Form", shown_again);
	if (hl_page_catalog(r, "Page.Catalog", json_object_object_get(form, "event_types"))) {
		hl_page_core_error(r, hl_errcode(), "Loading the event catalog");
		return;
	}
	hl_page_show(r, status, id ? "Edit webhook" : "New webhook", "manage", "manage_form.cs");
}

void
page_manage_new(struct hl_req *r)
{
	json_object *form = json_object_new_object();

	hl_json_add_str(form, "method", "POST");
	hl_json_add_bool(form, "enabled", 1);
	hl_json_add_str(form, "retry_mode", "default");
	json_object_object_add(form, "header_rows", json_object_new_array());
	show_form(r, 200, NULL, form, NULL);
	json_object_put(form);
}

static void
spec_from_form(json_object *form, json_object *opts, struct hl_endpoint_spec *spec)
{
	memset(spec, 0, sizeof(*spec));
	spec->url = json_object_get_string(json_object_object_get(form, "url"));
	spec->description = json_object_get_string(json_object_object_get(form, "description"));
	spec->method = json_object_get_string(json_object_object_get(form, "method"));
	spec->event_types = json_object_object_get(form, "event_types");
	spec->enabled = json_object_get_boolean(json_object_object_get(form, "enabled"));
	spec->options = opts;
}

/* The header rows the core refuses, each checked alone by the same
 * function (plus repeats), so the form marks the row at fault. */
static void
mark_bad_headers(json_object *form)
{
	json_object *rows = json_object_object_get(form, "header_rows"), *seen, *one, *h;
	size_t i, n = json_object_array_length(rows);
	int bad;

	seen = json_object_new_object();
	for (i = 0; i < n; i++) {
		json_object *row = json_object_array_get_idx(rows, i);
		const char *name = json_object_get_string(json_object_object_get(row, "name"));
		const char *value = json_object_get_string(json_object_object_get(row, "value"));

		one = json_object_new_object();
		h = json_object_new_object();
		json_object_object_add(h, name, json_object_new_string(value));
		json_object_object_add(one, "headers", h);   /* one takes h */
		bad = hl_endpoint_opts_validate(one) != HL_OK || has_header(seen, name);
		json_object_put(one);
		json_object_object_add(seen, name, NULL);
		if (bad)
			hl_json_add_bool(row, "bad", 1);
	}
	json_object_put(seen);
}

static int
shown_inline(const char *field)
{
	size_t i;

	for (i = 0; inline_fields[i]; i++)
		if (!strcmp(field, inline_fields[i]))
			return 1;
	for (i = 0; i < NSCALAR; i++)
		if (!strcmp(field, scalar_opts[i].name))
			return 1;
	return 0;
}

/* A validation error goes back into the form next to its field (the top
 * member of the core's field: "auth.type" is shown at "auth"). */
static int
form_error(struct hl_req *r, hl_err rc, const char *id, json_object *form, json_object *cur)
{
	HDF *hdf = hl_page_hdf(r);
	const char *field = hl_errfield() ? hl_errfield() : "";
	char key[80], top[48];

	if (rc != HL_ERR_INVALID && rc != HL_ERR_UNPROCESSABLE && rc != HL_ERR_TOOLARGE)
		return 0;
	snprintf(top, sizeof(top), "%.*s", (int)strcspn(field, "."), field);
	if (shown_inline(top)) {
		snprintf(key, sizeof(key), "Page.FieldError.%s", top);
		hdf_set_value(hdf, key, hl_errmsg());
		hdf_set_value(hdf, "Page.Error", "Please correct the highlighted field.");
		if (!strcmp(top, "headers"))
			mark_bad_headers(form);
	} else {
		hdf_set_value(hdf, "Page.Error", hl_errmsg());
	}
	show_form(r, 422, id, form, cur);
	return 1;
}

/* What of an endpoint's answer the page that shows it once takes: the
 * signing secret, a new encryption key. */
static const char *const secret_members[] = { "secret", "encryption_key", NULL };

void
page_manage_create(struct hl_req *r)
{
	struct hl_endpoint_spec spec;
	json_object *form = NULL, *opts = NULL, *ep = NULL;
	const char *id;
	hl_err rc;

	rc = read_form(r, NULL, &form, &opts);
	if (!rc) {
		spec_from_form(form, opts, &spec);
		rc = hl_endpoint_create(r->db, r->cfg, r->who.account_id, &spec, &ep);
	}
	if (rc) {
		if (!form_error(r, rc, NULL, form, NULL))
			hl_page_core_error(r, rc, "Creating the webhook");
		goto out;
	}
	id = json_object_get_string(json_object_object_get(ep, "id"));
	hl_audit(r, "webhook.create", id, NULL);
	hl_page_reveal_redirect(r, "manage", id, "created", ep, secret_members,
		"The webhook was created");
out:
	json_object_put(form);
	json_object_put(opts);
	json_object_put(ep);
}

void
page_manage_edit(struct hl_req *r)
{
	json_object *ep = NULL;
	hl_err rc;

	rc = hl_endpoint_get(r->db, r->cfg, r->who.account_id, r->params[0], &ep);
	if (rc) {
		hl_page_core_error(r, rc, "Loading the webhook");
		return;
	}
	/* A viewer's form is read-only: the header names, never their values
	 * (the receiver's credentials). Writers see them to edit them. */
	if (!(r->who.scopes & HL_SCOPE_WRITE))
		hl_endpoint_opts_redact(ep);
	endpoint_to_form(ep);
	show_form(r, 200, r->params[0], ep, ep);
	json_object_put(ep);
}

void
page_manage_update(struct hl_req *r)
{
	struct hl_endpoint_spec spec;
	json_object *cur = NULL, *form = NULL, *opts = NULL, *ep = NULL;
	char loc[128];
	int changed = 0;
	hl_err rc;

	/* The stored endpoint says which credentials and keys already exist. */
	rc = hl_endpoint_get(r->db, r->cfg, r->who.account_id, r->params[0], &cur);
	if (rc) {
		hl_page_core_error(r, rc, "Loading the webhook");
		goto out;
	}
	rc = read_form(r, cur, &form, &opts);
	if (!rc) {
		spec_from_form(form, opts, &spec);
		rc = hl_endpoint_update(r->db, r->cfg, r->who.account_id, r->params[0], &spec,
			&changed, &ep);
	}
	if (rc) {
		if (!form_error(r, rc, r->params[0], form, cur))
			hl_page_core_error(r, rc, "Saving the webhook");
		goto out;
	}
	/* Saved as it was: nothing stored, nothing to audit. */
	if (changed)
		hl_audit(r, "webhook.update", r->params[0], NULL);
	/* A new encryption key is in this answer only. */
	if (json_object_object_get(ep, "encryption_key")) {
		hl_page_reveal_redirect(r, "manage", r->params[0], "saved", ep, secret_members,
			"The webhook was saved");
		goto out;
	}
	snprintf(loc, sizeof(loc), "/webhook/manage/%s?done=saved", r->params[0]);
	hl_resp_redirect(r, loc);
out:
	json_object_put(cur);
	json_object_put(form);
	json_object_put(opts);
	json_object_put(ep);
}

static void
set_enabled(struct hl_req *r, int enabled)
{
	struct hl_endpoint_spec spec;
	json_object *ep = NULL;
	char loc[128];
	int changed;
	hl_err rc;

	memset(&spec, 0, sizeof(spec));
	spec.enabled = enabled;
	rc = hl_endpoint_update(r->db, r->cfg, r->who.account_id, r->params[0], &spec, &changed,
		&ep);
	json_object_put(ep);
	if (rc) {
		hl_page_core_error(r, rc, enabled ? "Enabling the webhook" : "Disabling the webhook");
		return;
	}
	if (changed)
		hl_audit(r, enabled ? "webhook.enable" : "webhook.disable", r->params[0], NULL);
	/* Back to the endpoint's page, where the buttons are; its notice
	 * names the endpoint (the list's would not say which). */
	snprintf(loc, sizeof(loc), "/webhook/manage/%s?done=%s", r->params[0],
		enabled ? "enabled" : "disabled");
	hl_resp_redirect(r, loc);
}

void
page_manage_enable(struct hl_req *r)
{
	set_enabled(r, 1);
}

void
page_manage_disable(struct hl_req *r)
{
	set_enabled(r, 0);
}

/* The endpoint of the URL as Page.Endpoint, without its headers (their
 * values may be credentials, and these pages do not show them); -1 after
 * answering the error page. */
static int
endpoint_to_page(struct hl_req *r)
{
	json_object *ep = NULL;
	hl_err rc;

	rc = hl_endpoint_get(r->db, r->cfg, r->who.account_id, r->params[0], &ep);
	if (rc) {
		hl_page_core_error(r, rc, "Loading the webhook");
		return -1;
	}
	json_object_object_del(ep, "headers");
	hl_hdf_from_json(hl_page_hdf(r), "Page.Endpoint", ep);
	json_object_put(ep);
	return 0;
}

/* What a delete removes, shown before it happens (works without JavaScript). */
void
page_manage_delete_confirm(struct hl_req *r)
{
	if (endpoint_to_page(r))
		return;
	hl_page_show(r, 200, "Delete webhook", "manage", "manage_delete.cs");
}

void
page_manage_delete(struct hl_req *r)
{
	hl_err rc;

	rc = hl_endpoint_delete(r->db, r->who.account_id, r->params[0]);
	if (rc) {
		hl_page_core_error(r, rc, "Deleting the webhook");
		return;
	}
	hl_audit(r, "webhook.delete", r->params[0], NULL);
	hl_resp_redirect(r, "/webhook/manage?done=deleted");
}

void
page_manage_rotate(struct hl_req *r)
{
	char secret[HL_SECRET_MAX];
	json_object *secrets;
	hl_err rc;

	rc = hl_endpoint_rotate_secret(r->db, r->cfg, r->who.account_id, r->params[0],
		ROTATE_GRACE_S, secret);
	if (rc) {
		hl_page_core_error(r, rc, "Rotating the secret");
		goto out;
	}
	hl_audit_rotation(r, "webhook.rotate_secret", ROTATE_GRACE_S, 1);
	secrets = json_object_new_object();
	hl_json_add_str(secrets, "secret", secret);
	hl_page_reveal_redirect(r, "manage", r->params[0], "rotated", secrets, secret_members,
		"The secret was rotated");
	hl_reveal_wipe(secrets);
out:
	memset(secret, 0, sizeof(secret));
}

/* The page a form that made a secret redirects to: the secret once (a
 * reload finds it taken and says so), with what is not secret of the
 * endpoint. */
void
page_manage_secret(struct hl_req *r)
{
	static const char *const titles[][2] = {
		{ "created", "Webhook created" }, { "rotated", "Secret rotated" },
		{ "saved", "Webhook saved" },
	};
	char kind[HL_REVEAL_KIND_MAX];
	const char *title = "Secret already shown";
	json_object *secrets;
	HDF *hdf = hl_page_hdf(r);
	size_t i;

	if (endpoint_to_page(r))
		return;
	secrets = hl_page_reveal_take(r, r->params[0], kind);
	if (secrets) {
		json_object_object_foreach(secrets, k, v) {
			char key[64];

			snprintf(key, sizeof(key), "Page.Reveal.%s", k);
			hdf_set_value(hdf, key, json_object_get_string(v));
		}
		for (i = 0; i < sizeof(titles) / sizeof(titles[0]); i++)
			if (!strcmp(kind, titles[i][0]))
				title = titles[i][1];
		hdf_set_int_value(hdf, "Page.Rotated", !strcmp(kind, "rotated"));
		hdf_set_int_value(hdf, "Page.GraceHours", ROTATE_GRACE_S / 3600);
	} else {
		hdf_set_int_value(hdf, "Page.Gone", 1);
	}
	hl_page_show(r, 200, title, "manage", "manage_secret.cs");
	hl_reveal_wipe(secrets);
}
