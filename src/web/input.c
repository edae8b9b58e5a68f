/* input.c: validation of JSON request bodies against declared fields. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "hl_crypto.h"
#include "hl_util.h"
#include "input.h"

static const char *const type_names[HL_F__MAX] = {
	[HL_F_STRING] = "a string",
	[HL_F_BOOL] = "a boolean",
	[HL_F_INT] = "an integer",
	[HL_F_OBJECT] = "an object",
	[HL_F_STRINGS] = "an array of strings",
	[HL_F_ARRAY] = "an array",
	[HL_F_KEY] = "true, false or \"rotate\"",
	[HL_F_READ_ONLY] = "any value",
};

static int
type_ok(json_object *v, const struct hl_field *f)
{
	size_t i, n;

	switch (f->type) {
	case HL_F_STRING:
		return json_object_is_type(v, json_type_string);
	case HL_F_BOOL:
		return json_object_is_type(v, json_type_boolean);
	case HL_F_INT:
		return json_object_is_type(v, json_type_int);
	case HL_F_OBJECT:
		return json_object_is_type(v, json_type_object);
	case HL_F_ARRAY:
		return json_object_is_type(v, json_type_array);
	case HL_F_KEY:
		return json_object_is_type(v, json_type_boolean) ||
			(json_object_is_type(v, json_type_string) &&
			!strcmp(json_object_get_string(v), "rotate"));
	case HL_F_READ_ONLY:
		return 1;
	case HL_F_STRINGS:
		if (!json_object_is_type(v, json_type_array))
			return 0;
		n = json_object_array_length(v);
		for (i = 0; i < n; i++)
			if (!json_object_is_type(json_object_array_get_idx(v, i), json_type_string))
				return 0;
		return 1;
	case HL_F__MAX:
		break;
	}
	return 0;
}

/* The parameters after "application/json": a charset, if one is given,
 * must be utf-8 (any case, quoted or not, or "utf8"). JSON is UTF-8 (RFC 8259): a
 * body declared as another charset would be read as what it is not.
 * Other parameters are ignored. */
static int
charset_ok(const char *p)
{
	for (p = strchr(p, ';'); p; p = strchr(p, ';')) {
		size_t vlen;

		p++;
		p += strspn(p, " \t");
		if (strncasecmp(p, "charset", 7))
			continue;
		p += 7;
		p += strspn(p, " \t");
		if (*p != '=')
			continue;
		p++;
		p += strspn(p, " \t");
		if (*p == '"')
			p++;
		/* "utf8" too: not the registered name, but what many send. */
		vlen = strcspn(p, "\"; \t");
		if (!(vlen == 5 && !strncasecmp(p, "utf-8", 5)) &&
		    !(vlen == 4 && !strncasecmp(p, "utf8", 4)))
			return 0;
	}
	return 1;
}

json_object *
hl_input_json(struct hl_req *r, const struct hl_field *fields, int allow_empty)
{
	const char *ct = hl_req_env(r, "CONTENT_TYPE"), *why;
	json_object *o;
	const struct hl_field *f;
	char msg[256];

	if (hl_req_read_body(r))
		return NULL;
	if (r->body.len == 0 && allow_empty)
		return json_object_new_object();
	if (!ct || strncasecmp(ct, "application/json", 16) ||
	    (ct[16] != '\0' && ct[16] != ';' && ct[16] != ' ')) {
		hl_resp_error(r, 415, "unsupported_media_type",
			"send the body as Content-Type: application/json", NULL);
		return NULL;
	}
	if (!charset_ok(ct + 16)) {
		hl_resp_error(r, 415, "unsupported_media_type", "send the body as UTF-8 "
			"(Content-Type: application/json, with no charset or charset=utf-8)", NULL);
		return NULL;
	}
	if (!hl_utf8_valid(hl_buf_str(&r->body), r->body.len)) {
		hl_resp_error(r, 400, "invalid_json", "the body is not valid UTF-8", NULL);
		return NULL;
	}
	o = hl_json_parse(hl_buf_str(&r->body), r->body.len, 1, &why);
	if (!o && why) {
		snprintf(msg, sizeof(msg), "the body is not valid JSON: %s", why);
		hl_resp_error(r, 400, "invalid_json", msg, NULL);
		return NULL;
	}
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		hl_resp_error(r, 400, "invalid_json", "the body must be a JSON object", NULL);
		return NULL;
	}
	json_object_object_foreach(o, key, val) {
		for (f = fields; f->name; f++)
			if (!strcmp(f->name, key))
				break;
		if (!f->name) {
			snprintf(msg, sizeof(msg), "unknown field \"%.100s\"", key);
			hl_resp_error(r, 400, "unknown_field", msg, key);
			json_object_put(o);
			return NULL;
		}
		if (json_object_is_type(val, json_type_null) && !f->required)
			continue;
		if (!type_ok(val, f)) {
			snprintf(msg, sizeof(msg), "%s must be %s", f->name, type_names[f->type]);
			hl_resp_error(r, 400, "invalid_type", msg, f->name);
			json_object_put(o);
			return NULL;
		}
		if (f->maxlen && ((f->type == HL_F_STRING &&
		    strlen(json_object_get_string(val)) > f->maxlen) ||
		    ((f->type == HL_F_STRINGS || f->type == HL_F_ARRAY) &&
		    json_object_array_length(val) > f->maxlen))) {
			snprintf(msg, sizeof(msg), "%s is longer than %zu %s", f->name, f->maxlen,
				f->type == HL_F_STRING ? "bytes" : "items");
			hl_resp_error(r, 422, "invalid_value", msg, f->name);
			json_object_put(o);
			return NULL;
		}
		if (hl_json_has_nul(val)) {
			snprintf(msg, sizeof(msg), "%s must not contain a NUL character (\\u0000)",
				f->name);
			hl_resp_error(r, 422, "invalid_value", msg, f->name);
			json_object_put(o);
			return NULL;
		}
	}
	for (f = fields; f->name; f++) {
		json_object *v;

		if (f->required && (!json_object_object_get_ex(o, f->name, &v) ||
		    json_object_is_type(v, json_type_null))) {
			snprintf(msg, sizeof(msg), "%s is required", f->name);
			hl_resp_error(r, 400, "missing_field", msg, f->name);
			json_object_put(o);
			return NULL;
		}
	}
	if (hl_json_text_has_nul(hl_buf_str(&r->body), r->body.len)) {
		hl_resp_error(r, 422, "invalid_value", "member names must not contain a NUL "
			"character (\\u0000)", NULL);
		json_object_put(o);
		return NULL;
	}
	return o;
}

int
hl_input_drop_read_only(struct hl_req *r, json_object *in, const struct hl_field *fields,
	const char *id)
{
	const struct hl_field *f;
	json_object *v;

	for (f = fields; f->name; f++) {
		if (f->type != HL_F_READ_ONLY || !json_object_object_get_ex(in, f->name, &v))
			continue;
		if (!strcmp(f->name, "id") && (!json_object_is_type(v, json_type_string) ||
		    strcmp(json_object_get_string(v), id))) {
			hl_resp_error(r, 422, "invalid_value", "id is not the id of the resource "
				"in the URL: this body was read from another one", "id");
			return -1;
		}
		json_object_object_del(in, f->name);
	}
	return 0;
}

int
hl_input_none(struct hl_req *r)
{
	static const struct hl_field none[] = { { NULL, 0, 0, 0 } };
	json_object *in = hl_input_json(r, none, 1);

	if (!in)
		return -1;
	json_object_put(in);
	return 0;
}

int
hl_input_bool(json_object *o, const char *name, int defval)
{
	json_object *v;

	if (!json_object_object_get_ex(o, name, &v) || !json_object_is_type(v, json_type_boolean))
		return defval;
	return json_object_get_boolean(v);
}

long
hl_input_grace(json_object *in)
{
	json_object *v;
	int64_t g;

	if (!json_object_object_get_ex(in, "grace_seconds", &v) || !json_object_is_type(v, json_type_int))
		return HL_GRACE_DEFAULT;
	/* Out of range stays out of range, whatever the width of long: the
	 * rotation refuses it with its own message. */
	g = json_object_get_int64(v);
	return g < 0 ? -1 : g > HL_GRACE_MAX ? HL_GRACE_MAX + 1 : (long)g;
}

/* A parameter name from the query as it came (not decoded, as
 * hl_req_query compares it), fit to quote in an error: visible ASCII, at
 * most cap - 1 bytes; "" when it is not. */
static const char *
quotable_name(const char *p, size_t n, char *buf, size_t cap)
{
	size_t i;

	buf[0] = '\0';
	if (n == 0 || n >= cap)
		return buf;
	for (i = 0; i < n; i++)
		if (p[i] < '!' || p[i] > '~')
			return buf;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return buf;
}

static void
refuse_unknown_parameter(struct hl_req *r, const struct hl_qparam *declared, const char *p,
	size_t n)
{
	char name[65], takes[200] = "", msg[400];
	const struct hl_qparam *q;
	size_t len;

	for (q = declared; q->name; q++) {
		len = strlen(takes);
		snprintf(takes + len, sizeof(takes) - len, "%s%s", len ? ", " : "", q->name);
	}
	quotable_name(p, n, name, sizeof(name));
	snprintf(msg, sizeof(msg), "unknown query parameter%s%s%s: this route takes %s",
		*name ? " \"" : "", name, *name ? "\"" : "", *takes ? takes : "none");
	hl_resp_error(r, 400, "unknown_parameter", msg, *name ? name : NULL);
}

int
hl_input_query(struct hl_req *r, const struct hl_qparam *declared)
{
	const char *p = r->query, *stop, *eq;
	unsigned long given = 0;       /* bit i: declared[i] seen */
	char msg[200];
	size_t n, i;

	while (*p) {
		stop = p + strcspn(p, "&");
		eq = memchr(p, '=', (size_t)(stop - p));
		n = (size_t)((eq ? eq : stop) - p);
		/* "a=1&&b=2" and a trailing "&" name nothing. */
		if (stop > p) {
			for (i = 0; declared[i].name; i++)
				if (strlen(declared[i].name) == n && !memcmp(declared[i].name, p, n))
					break;
			/* A misspelt filter (?stauts=dead) read as absent would list
			 * everything the filter was meant to leave out. */
			if (!declared[i].name) {
				refuse_unknown_parameter(r, declared, p, n);
				return -1;
			}
			/* Only the first would be read: the second, dropped unseen. */
			if (i < 8 * sizeof(given) && (given & (1UL << i))) {
				snprintf(msg, sizeof(msg), "%s is given twice: give it once",
					declared[i].name);
				hl_resp_error(r, 400, "invalid_value", msg, declared[i].name);
				return -1;
			}
			if (i < 8 * sizeof(given))
				given |= 1UL << i;
			/* ?event_type= filtered for an empty type, so listed nothing;
			 * ?status= was refused: one answer for all. */
			if ((!eq || eq + 1 == stop) && !declared[i].empty_ok) {
				snprintf(msg, sizeof(msg), "%s must not be empty: leave it out "
					"for no filter", declared[i].name);
				hl_resp_error(r, 400, "invalid_value", msg, declared[i].name);
				return -1;
			}
		}
		p = *stop ? stop + 1 : stop;
	}
	return 0;
}

long
hl_input_query_int(struct hl_req *r, const char *name, size_t maxlen, long lo, long hi,
	long defval)
{
	char buf[32], msg[120], *end;
	long n;

	if (maxlen >= sizeof(buf))
		maxlen = sizeof(buf) - 1;
	if (!hl_req_query(r, name, buf, maxlen + 1))
		return defval;
	n = strtol(buf, &end, 10);
	if (*end || end == buf || strspn(buf, "0123456789") != strlen(buf) || n < lo || n > hi) {
		snprintf(msg, sizeof(msg), "%s must be an integer from %ld to %ld", name, lo, hi);
		hl_resp_error(r, 400, "invalid_value", msg, name);
		return -1;
	}
	return n;
}

int
hl_input_limit(struct hl_req *r)
{
	return (int)hl_input_query_int(r, "limit", 15, 1, HL_LIST_MAX, HL_LIST_DEFAULT);
}

/* An event type name, which the catalog pages by: "family.action" of
 * a-z, 0-9, _, - and dots. */
static int
type_name_ok(const char *s)
{
	const char *dot = strchr(s, '.');
	size_t n = strlen(s);

	return n >= 3 && n <= 128 && dot && dot != s && dot[1] &&
		strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-.") == n;
}

int
hl_input_iterator(struct hl_req *r, const char *prefix, char *buf, size_t cap, const char **out)
{
	*out = NULL;
	/* Absent or empty: the first page. Unreadable (too long, badly
	 * encoded): refused after the handler by refuse_unreadable_query. */
	if (!hl_req_query(r, "iterator", buf, cap) || !*buf)
		return 0;
	if (prefix ? !hl_id_valid(prefix, buf) : !type_name_ok(buf)) {
		/* Taken as a position, an iterator of another list would end
		 * this one early (done: true) or start it over, unnoticed. */
		hl_resp_error(r, 400, "invalid_value", "iterator is not one this list gave: pass "
			"back the \"iterator\" of the previous page unchanged", "iterator");
		return -1;
	}
	*out = buf;
	return 0;
}
