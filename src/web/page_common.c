/* page_common.c: what every dashboard page shares: the dataset with the
 * session's user and CSRF token, rendering, and the error page. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hl_endpoints.h"
#include "hl_event_types.h"
#include "hl_log.h"
#include "hl_util.h"
#include "pages.h"
#include "render.h"

HDF *
hl_page_hdf(struct hl_req *r)
{
	if (!r->hdf && hdf_init(&r->hdf) != STATUS_OK)
		r->hdf = NULL;
	return r->hdf;
}

void
hl_page_render(struct hl_req *r, int status, const char *template_name)
{
	HDF *hdf = hl_page_hdf(r);
	char base[512];
	hl_err rc;

	if (!hdf) {
		hl_resp_error(r, 500, "internal_error", "out of memory", NULL);
		return;
	}
	hdf_set_value(hdf, "Site.Base", hl_req_url(r, "/webhook", base, sizeof(base)));
	hdf_set_value(hdf, "Site.Version", HL_VERSION);
	if (r->via_session) {
		hdf_set_value(hdf, "Session.Email", r->who.actor);
		hdf_set_value(hdf, "Session.Role", hl_role_name(r->who.role));
		hdf_set_value(hdf, "Session.Csrf", r->csrf);
		hdf_set_int_value(hdf, "Session.CanWrite", (r->who.scopes & HL_SCOPE_WRITE) != 0);
	}
	hl_buf_reset(&r->out);
	rc = hl_render(r->cfg->templates_dir, hdf, template_name, &r->out);
	if (rc) {
		hl_log(HL_LOG_ERROR, "rendering %s: %s", template_name, hl_errmsg());
		hl_buf_reset(&r->out);
		hl_buf_addstr(&r->out, "Internal error: the page could not be rendered.\n");
		r->status = 500;
		hl_resp_header(r, "Content-Type", "text/plain; charset=utf-8");
		r->responded = 1;
		return;
	}
	r->status = status;
	hl_resp_header(r, "Content-Type", "text/html; charset=utf-8");
	hl_resp_header(r, "Cache-Control", "no-store");
	r->responded = 1;
}

void
hl_page_show(struct hl_req *r, int status, const char *title, const char *nav,
    const char *template_name)
{
	HDF *hdf = hl_page_hdf(r);
	char done[32], count[12];

	if (hdf) {
		hdf_set_value(hdf, "Page.Title", title);
		hdf_set_value(hdf, "Page.Nav", nav);
		if (hl_req_query(r, "done", done, sizeof(done)))
			hdf_set_value(hdf, "Page.Done", done);
		/* How many a redirected action changed (a bulk retry): digits only. */
		if (hl_req_query(r, "count", count, sizeof(count)) && *count &&
		    strspn(count, "0123456789") == strlen(count))
			hdf_set_value(hdf, "Page.DoneCount", count);
	}
	hl_page_render(r, status, template_name);
}

void
hl_page_error(struct hl_req *r, int status, const char *message)
{
	HDF *hdf = hl_page_hdf(r);

	if (hdf) {
		hdf_set_int_value(hdf, "Page.Status", status);
		hdf_set_value(hdf, "Page.Message", message);
		hdf_set_value(hdf, "Page.Title", status == 404 ? "Not found" :
			status == 403 ? "Not allowed" : "Error");
	}
	hl_page_render(r, status, "error.cs");
}

/* A value as typed, whole (the query or body bounds it), or NULL when
 * absent or not valid percent-encoding. The caller frees it. */
static char *
typed_whole(struct hl_req *r, int from_form, const char *name, int *unreadable)
{
	size_t cap = (from_form ? r->body.len : strlen(r->query)) + 1;
	char *v = malloc(cap);
	enum hl_param got;

	*unreadable = 0;
	if (!v)
		return NULL;
	got = from_form ? hl_req_form_param(r, name, v, cap) : hl_req_query_param(r, name, v, cap);
	if (got != HL_PARAM_OK) {
		*unreadable = got == HL_PARAM_UNREADABLE;
		free(v);
		return NULL;
	}
	return v;
}

/* Note the first field refused (the page asks hl_page_form_check before
 * acting) and keep what was typed, valid UTF-8 only, for hl_page_keep. */
static void
refuse(struct hl_req *r, const char *name, const char *typed, size_t len, size_t limit,
	int chars)
{
	struct hl_kept *k, **tail;

	if (!r->unreadable[0]) {
		hl_strlcpy(r->unreadable, name, sizeof(r->unreadable));
		r->unreadable_limit = limit;
		r->unreadable_len = len;
		r->unreadable_chars = chars;
	}
	if (!typed || !hl_utf8_valid(typed, strlen(typed)))
		return;
	k = calloc(1, sizeof(*k));
	if (!k || !(k->value = strdup(typed))) {
		free(k);
		return;
	}
	hl_strlcpy(k->name, name, sizeof(k->name));
	for (tail = &r->kept; *tail; tail = &(*tail)->next)
		;
	*tail = k;
}

/* A field that does not fit its buffer, is longer than maxchars
 * characters (0: the buffer is the limit, in bytes) or does not decode
 * reads as "", like an emptied one, so it is noted: the page asks
 * hl_page_form_check before acting, and an edit never clears or widens
 * what is stored because a value was too long to read. What was typed is
 * read again whole (the body or query bounds it) to be shown again. */
static const char *
page_field(struct hl_req *r, int from_form, const char *name, char *buf, size_t cap,
	size_t maxchars)
{
	enum hl_param got = from_form ? hl_req_form_param(r, name, buf, cap) :
		hl_req_query_param(r, name, buf, cap);
	int unreadable;
	char *whole;
	size_t n;

	if (got == HL_PARAM_OK && maxchars) {
		n = strlen(buf);
		if (!hl_utf8_valid(buf, n))
			refuse(r, name, NULL, 0, maxchars, 1);
		else if ((n = hl_utf8_chars(buf)) > maxchars)
			refuse(r, name, buf, n, maxchars, 1);
		else
			return buf;
		buf[0] = '\0';
		return buf;
	}
	if (got != HL_PARAM_UNREADABLE)
		return buf;
	whole = typed_whole(r, from_form, name, &unreadable);
	if (whole)
		refuse(r, name, whole, maxchars ? hl_utf8_chars(whole) : strlen(whole),
			maxchars ? maxchars : cap - 1, maxchars != 0);
	else
		refuse(r, name, NULL, 0, maxchars ? maxchars : cap - 1, maxchars != 0);
	free(whole);
	if (cap)
		buf[0] = '\0';
	return buf;
}

const char *
hl_page_form(struct hl_req *r, const char *name, char *buf, size_t cap)
{
	return page_field(r, 1, name, buf, cap, 0);
}

const char *
hl_page_query(struct hl_req *r, const char *name, char *buf, size_t cap)
{
	return page_field(r, 0, name, buf, cap, 0);
}

const char *
hl_page_form_text(struct hl_req *r, const char *name, char *buf, size_t cap, size_t maxchars)
{
	return page_field(r, 1, name, buf, cap, maxchars);
}

hl_err
hl_page_form_check(struct hl_req *r)
{
	const char *unit = r->unreadable_chars ? "characters" : "bytes";

	if (!r->unreadable[0])
		return HL_OK;
	if (!r->unreadable_len)
		return hl_fail(HL_ERR_INVALID, r->unreadable, "%s is not validly encoded text "
			"(UTF-8)", r->unreadable);
	return hl_fail(HL_ERR_INVALID, r->unreadable, "%s is longer than %zu %s (it has %zu): "
		"shorten it", r->unreadable, r->unreadable_limit, unit, r->unreadable_len);
}

void
hl_page_keep(struct hl_req *r, const char *prefix, const char *const names[])
{
	HDF *hdf = hl_page_hdf(r);
	const struct hl_kept *k;
	char key[128];
	size_t i;

	for (k = r->kept; k && hdf; k = k->next)
		for (i = 0; names[i]; i++)
			if (!strcmp(k->name, names[i])) {
				snprintf(key, sizeof(key), "%s.%s", prefix, k->name);
				hdf_set_value(hdf, key, k->value);
			}
}

void
hl_page_json_text(HDF *hdf, const char *key, json_object *v)
{
	if (v)
		hdf_set_value(hdf, key, json_object_to_json_string_ext(v,
			JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
}

void
hl_page_headers(HDF *hdf, const char *prefix, json_object *h)
{
	char key[256];
	int i = 0;

	if (!json_object_is_type(h, json_type_object))
		return;
	json_object_object_foreach(h, name, value) {
		snprintf(key, sizeof(key), "%s.%d.name", prefix, i);
		hdf_set_value(hdf, key, name);
		snprintf(key, sizeof(key), "%s.%d.value", prefix, i);
		hdf_set_value(hdf, key, json_object_is_type(value, json_type_string) ?
			json_object_get_string(value) : json_object_to_json_string(value));
		i++;
	}
}

/* Is pattern in the JSON array of strings? */
static int
selected(json_object *list, const char *pattern)
{
	size_t i, n = list ? json_object_array_length(list) : 0;

	for (i = 0; i < n; i++)
		if (!strcmp(json_object_get_string(json_object_array_get_idx(list, i)), pattern))
			return 1;
	return 0;
}

hl_err
hl_page_catalog(struct hl_req *r, const char *prefix, json_object *sel)
{
	HDF *hdf = hl_page_hdf(r);
	json_object *list = NULL, *data;
	char key[256], fam[80] = "", wild[90];
	size_t i, n;
	int nf = -1, nt = 0;
	hl_err rc;

	rc = hl_event_type_list(r->db, r->who.account_id, &list);
	if (rc)
		return rc;
	data = json_object_object_get(list, "data");
	n = json_object_array_length(data);
	snprintf(key, sizeof(key), "%s.AllChecked", prefix);
	hdf_set_int_value(hdf, key, selected(sel, "*"));
	for (i = 0; i < n; i++) {
		json_object *t = json_object_array_get_idx(data, i);
		const char *f = json_object_get_string(json_object_object_get(t, "family"));
		const char *name = json_object_get_string(json_object_object_get(t, "name"));

		if (!f || !name)
			continue;
		if (nf < 0 || strcmp(f, fam)) {
			nf++;
			nt = 0;
			hl_strlcpy(fam, f, sizeof(fam));
			snprintf(wild, sizeof(wild), "%s.*", f);
			snprintf(key, sizeof(key), "%s.Families.%d.name", prefix, nf);
			hdf_set_value(hdf, key, f);
			snprintf(key, sizeof(key), "%s.Families.%d.wildcard", prefix, nf);
			hdf_set_value(hdf, key, wild);
			snprintf(key, sizeof(key), "%s.Families.%d.checked", prefix, nf);
			hdf_set_int_value(hdf, key, selected(sel, wild));
		}
		snprintf(key, sizeof(key), "%s.Families.%d.types.%d", prefix, nf, nt);
		hl_hdf_from_json(hdf, key, t);
		snprintf(key, sizeof(key), "%s.Families.%d.types.%d.checked", prefix, nf, nt);
		hdf_set_int_value(hdf, key, selected(sel, name));
		snprintf(key, sizeof(key), "%s.Families.%d.types.%d.schema_text", prefix, nf, nt);
		hl_page_json_text(hdf, key, json_object_object_get(t, "schema"));
		nt++;
	}
	json_object_put(list);
	return HL_OK;
}

json_object *
hl_page_catalog_selection(struct hl_req *r)
{
	json_object *list = NULL, *data, *sel = json_object_new_array();
	char key[200], val[8], fam[80] = "";
	size_t i, n;

	/* Wildcards travel as "suball" / "subfam.FAMILY": a '*' in a field
	 * name is percent-encoded by some clients. */
	if (hl_req_form(r, "suball", val, sizeof(val)))
		json_object_array_add(sel, json_object_new_string("*"));
	if (hl_event_type_list(r->db, r->who.account_id, &list))
		return sel;
	data = json_object_object_get(list, "data");
	n = json_object_array_length(data);
	for (i = 0; i < n; i++) {
		json_object *t = json_object_array_get_idx(data, i);
		const char *f = json_object_get_string(json_object_object_get(t, "family"));
		const char *name = json_object_get_string(json_object_object_get(t, "name"));

		if (!f || !name)
			continue;
		if (strcmp(f, fam)) {
			hl_strlcpy(fam, f, sizeof(fam));
			snprintf(key, sizeof(key), "subfam.%s", f);
			if (hl_req_form(r, key, val, sizeof(val))) {
				snprintf(key, sizeof(key), "%s.*", f);
				json_object_array_add(sel, json_object_new_string(key));
			}
		}
		snprintf(key, sizeof(key), "sub.%s", name);
		if (hl_req_form(r, key, val, sizeof(val)))
			json_object_array_add(sel, json_object_new_string(name));
	}
	json_object_put(list);
	return sel;
}

void
hl_page_core_error(struct hl_req *r, hl_err rc, const char *what)
{
	char msg[600];

	if (rc == HL_ERR_NOTFOUND) {
		hl_page_error(r, 404, "There is no such item in your account.");
		return;
	}
	if (rc == HL_ERR_INVALID || rc == HL_ERR_CONFLICT || rc == HL_ERR_UNPROCESSABLE) {
		snprintf(msg, sizeof(msg), "%s: %s", what, hl_errmsg());
		hl_page_error(r, rc == HL_ERR_CONFLICT ? 409 : 400, msg);
		return;
	}
	if (rc == HL_ERR_UNAVAILABLE) {
		snprintf(msg, sizeof(msg), "%s: the database is busy or unavailable; nothing was "
			"changed. Try again shortly.", what);
		hl_resp_header(r, "Retry-After", "5");
		hl_page_error(r, 503, msg);
		return;
	}
	hl_log(HL_LOG_ERROR, "%s: %s", what, hl_errmsg());
	snprintf(msg, sizeof(msg), "%s failed; see the server log.", what);
	hl_page_error(r, 500, msg);
}

void
hl_page_endpoint_options(struct hl_req *r)
{
	json_object *list = NULL;
	HDF *hdf = hl_page_hdf(r);

	if (hl_endpoint_list(r->db, r->who.account_id, HL_LIST_MAX, NULL, &list))
		return;
	hl_hdf_from_json(hdf, "Page.Endpoints", json_object_object_get(list, "data"));
	/* The list is by id, oldest first: past the cap the newest could not
	 * be chosen at all. The template then takes a typed id instead. */
	if (!json_object_get_boolean(json_object_object_get(list, "done")))
		hdf_set_int_value(hdf, "Page.EndpointsMore", HL_LIST_MAX);
	json_object_put(list);
}

/* "a, b or c" of a NULL-terminated list. */
static void
choice_words(const char *const *choices, char *buf, size_t cap)
{
	size_t i, n = 0, len = 0;

	while (choices[n])
		n++;
	buf[0] = '\0';
	for (i = 0; i < n && len < cap; i++)
		len += (size_t)snprintf(buf + len, cap - len, "%s%s", i == 0 ? "" :
			i + 1 == n ? " or " : ", ", choices[i]);
}

/* Why typed is not a value of f, or NULL when it is one; v takes what
 * was read from it. */
static const char *
filter_error(const struct hl_page_filter *f, const char *typed, struct hl_page_filter_value *v,
	char *msg, size_t cap)
{
	char words[200];
	size_t n = strlen(typed);
	int i;

	switch (f->kind) {
	case HL_PF_CHOICE:
		for (i = 0; f->choices[i]; i++)
			if (!strcmp(f->choices[i], typed)) {
				v->choice = i;
				return NULL;
			}
		choice_words(f->choices, words, sizeof(words));
		snprintf(msg, cap, "%s must be %s%s", f->name, words, f->all ? " (or none, for all)" :
			"");
		return msg;
	case HL_PF_SINCE:
	case HL_PF_UNTIL:
		if (hl_time_to_sql(typed, f->name, HL_TIME_NAIVE_UTC, v->sql)) {
			v->sql[0] = '\0';
			snprintf(msg, cap, "%s", hl_errmsg());
			return msg;
		}
		return NULL;
	case HL_PF_TYPE:
		if (strchr(typed, '*'))
			return "one event type such as sms.delivered, not a wildcard (the Events page "
				"searches a family: sms.*)";
		if (!hl_event_type_name_ok(typed))
			return "not an event type name: family.action, of a-z, 0-9, _, - and dots "
				"(such as sms.delivered)";
		return NULL;
	case HL_PF_TYPES:
		/* "family.*": one "*", last, after the family. */
		if (n > 2 && !strcmp(typed + n - 2, ".*") && hl_event_family_ok(typed, n - 2))
			return NULL;
		if (strchr(typed, '*'))
			return "only a whole family can be a wildcard here: sms.* (or one event type, "
				"such as sms.delivered)";
		if (!hl_event_type_name_ok(typed))
			return "not an event type name: family.action, of a-z, 0-9, _, - and dots "
				"(such as sms.delivered), or a family: sms.*";
		return NULL;
	case HL_PF_ID:
		if (hl_id_valid(f->prefix, typed))
			return NULL;
		snprintf(msg, cap, "not %s id (%s_...)", f->what, f->prefix);
		return msg;
	case HL_PF_ITERATOR:
		return hl_id_valid(f->prefix, typed) ? NULL : "stale";
	case HL_PF__MAX:
		break;
	}
	return "not valid";
}

/* The query without its iterator: the link to the list's first page,
 * as Page.FirstPage (after Site.Base: the page's own path). */
static void
first_page(struct hl_req *r)
{
	struct hl_buf b;
	const char *p = r->query, *amp;
	size_t n;

	hl_buf_init(&b, strlen(r->query) + 256);
	hl_buf_addstr(&b, r->path + (strncmp(r->path, "/webhook", 8) ? 0 : 8));
	for (; *p; p = amp ? amp + 1 : p + n) {
		amp = strchr(p, '&');
		n = amp ? (size_t)(amp - p) : strlen(p);
		if (!n || (n >= 9 && !strncmp(p, "iterator=", 9)) || (n == 8 && !strncmp(p,
		    "iterator", 8)))
			continue;
		hl_buf_addstr(&b, strchr(hl_buf_str(&b), '?') ? "&" : "?");
		hl_buf_add(&b, p, n);
	}
	hdf_set_value(hl_page_hdf(r), "Page.FirstPage", hl_buf_str(&b));
	hl_buf_free(&b);
}

int
hl_page_time_order(struct hl_req *r, const char *since, const char *until)
{
	if (!*since || !*until || strcmp(until, since) > 0)
		return 0;
	hdf_set_value(hl_page_hdf(r), "Page.FieldError.until", "until must be later than since");
	return -1;
}

int
hl_page_filters(struct hl_req *r, int from_form, const struct hl_page_filter *decl,
	struct hl_page_filter_value *v)
{
	HDF *hdf = hl_page_hdf(r);
	const char *since = "", *until = "", *why;
	char key[96], msg[300];
	int bad = 0, unreadable;
	size_t i;

	for (i = 0; decl[i].name; i++) {
		char *typed = typed_whole(r, from_form, decl[i].name, &unreadable);

		memset(&v[i], 0, sizeof(v[i]));
		v[i].choice = -1;
		why = NULL;
		if (unreadable) {
			snprintf(msg, sizeof(msg), "%s is not validly percent-encoded", decl[i].name);
			why = msg;
		}
		else if (typed && *typed) {
			why = filter_error(&decl[i], typed, &v[i], msg, sizeof(msg));
			if (!why && strlen(typed) >= sizeof(v[i].text)) {
				snprintf(msg, sizeof(msg), "%s is longer than %zu characters", decl[i].name,
					sizeof(v[i].text) - 1);
				why = msg;
			}
		}
		if (!why && typed)
			hl_strlcpy(v[i].text, typed, sizeof(v[i].text));
		/* Shown again as typed, however long (the form holds it); only
		 * text, as the page is. */
		if (decl[i].kind != HL_PF_ITERATOR) {
			snprintf(key, sizeof(key), "Page.Filter.%s", decl[i].name);
			hdf_set_value(hdf, key, typed && hl_utf8_valid(typed, strlen(typed)) ? typed : "");
		}
		free(typed);
		if (!why) {
			if (decl[i].kind == HL_PF_SINCE)
				since = v[i].sql;
			else if (decl[i].kind == HL_PF_UNTIL)
				until = v[i].sql;
			continue;
		}
		bad = 1;
		v[i].sql[0] = '\0';
		v[i].choice = -1;
		/* A position this list did not give would start it again at the
		 * first page, or end it, unnoticed: the page says so. */
		if (decl[i].kind == HL_PF_ITERATOR) {
			hdf_set_int_value(hdf, "Page.Stale", 1);
			first_page(r);
			continue;
		}
		snprintf(key, sizeof(key), "Page.FieldError.%s", decl[i].name);
		hdf_set_value(hdf, key, why);
	}
	if (hl_page_time_order(r, since, until))
		bad = 1;
	return bad ? -1 : 0;
}

void
hl_page_reveal_redirect(struct hl_req *r, const char *section, const char *subject,
	const char *kind, json_object *answer, const char *const *members, const char *done)
{
	char id[HL_TOKEN_MAX], loc[256], msg[300];
	json_object *secrets = json_object_new_object(), *v;
	hl_err rc;
	size_t i;

	for (i = 0; members[i]; i++)
		if (json_object_object_get_ex(answer, members[i], &v) &&
		    json_object_is_type(v, json_type_string))
			hl_json_add_str(secrets, members[i], json_object_get_string(v));
	rc = hl_reveal_put(r->db, r->cfg, r->session_token, r->who.account_id, subject, kind,
		secrets, id);
	hl_reveal_wipe(secrets);
	if (rc) {
		hl_log(HL_LOG_ERROR, "keeping a secret for its page: %s", hl_errmsg());
		snprintf(msg, sizeof(msg), "%s, but its new secret could not be kept to be shown "
			"(see the server log). Rotate the secret to get another one.", done);
		hl_page_error(r, 500, msg);
		return;
	}
	snprintf(loc, sizeof(loc), "/webhook/%s/%s/secret?reveal=%s", section, subject, id);
	hl_resp_redirect(r, loc);
}

json_object *
hl_page_reveal_take(struct hl_req *r, const char *subject, char kind[HL_REVEAL_KIND_MAX])
{
	char id[HL_TOKEN_MAX];
	json_object *secrets = NULL;
	hl_err rc;

	kind[0] = '\0';
	if (!hl_req_query(r, "reveal", id, sizeof(id)))
		return NULL;
	rc = hl_reveal_take(r->db, r->cfg, r->session_token, r->who.account_id, subject, id, kind,
		&secrets);
	if (rc && rc != HL_ERR_NOTFOUND)
		hl_log(HL_LOG_ERROR, "showing a secret once: %s", hl_errmsg());
	return rc ? NULL : secrets;
}
