/* hl_filter.c: validation and evaluation of subscription payload
 * filters (syntax in hl_filter.h). Evaluation never fails: a rule that
 * cannot apply (missing field, wrong type) is simply false. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hl_filter.h"
#include "hl_util.h"

#define DEPTH_MAX 8
#define RULES_MAX 64
#define PATH_MAX_LEN 256
#define SEGMENTS_MAX 16
/* Bytes of a filter's compact JSON text: what subscriptions.filter_json
 * (TEXT, 64 KiB) stores, with room to spare. The rule count alone does
 * not bound it: one value can be any string or array. */
#define TEXT_MAX 32768

enum op { OP_EQ, OP_NEQ, OP_GT, OP_GTE, OP_LT, OP_LTE, OP_IN, OP_NIN, OP_EXISTS,
	OP_STARTS, OP_ENDS, OP__MAX };

static const char *const op_names[OP__MAX] = {
	[OP_EQ] = "eq", [OP_NEQ] = "neq", [OP_GT] = "gt", [OP_GTE] = "gte", [OP_LT] = "lt",
	[OP_LTE] = "lte", [OP_IN] = "in", [OP_NIN] = "nin", [OP_EXISTS] = "exists",
	[OP_STARTS] = "startsWith", [OP_ENDS] = "endsWith",
};

static int
op_parse(const char *s)
{
	int i;

	for (i = 0; i < OP__MAX; i++)
		if (!strcmp(s, op_names[i]))
			return i;
	return -1;
}

static int
path_ok(const char *p)
{
	size_t n = strlen(p), i;
	int segs = 1;

	if (!strncmp(p, "$.", 2)) {
		p += 2;
		n -= 2;
	}
	if (n == 0 || n > PATH_MAX_LEN || p[0] == '.' || p[n - 1] == '.' || strstr(p, ".."))
		return 0;
	for (i = 0; i < n; i++) {
		if (p[i] == '.')
			segs++;
		else if ((unsigned char)p[i] < 0x20)
			return 0;
	}
	return segs <= SEGMENTS_MAX;
}

static hl_err
validate(json_object *f, const char *where, int depth, int *rules)
{
	json_object *v, *list;
	char sub[256];   /* "filter" + 8 levels of ".and[63]" + ".value", whole */
	const char *group = NULL;
	size_t i, n;
	int op;
	hl_err rc;

	if (depth > DEPTH_MAX)
		return hl_fail(HL_ERR_INVALID, where, "filter nests deeper than %d levels", DEPTH_MAX);
	if (++*rules > RULES_MAX)
		return hl_fail(HL_ERR_INVALID, where, "filter has more than %d rules", RULES_MAX);
	if (!json_object_is_type(f, json_type_object))
		return hl_fail(HL_ERR_INVALID, where, "a filter rule must be an object");
	if (json_object_object_get_ex(f, "and", &list))
		group = "and";
	else if (json_object_object_get_ex(f, "or", &list))
		group = "or";
	if (group) {
		if (json_object_object_length(f) != 1)
			return hl_fail(HL_ERR_INVALID, where, "an \"%s\" group has no other members", group);
		if (!json_object_is_type(list, json_type_array) || !json_object_array_length(list))
			return hl_fail(HL_ERR_INVALID, where, "\"%s\" must be a non-empty array", group);
		n = json_object_array_length(list);
		for (i = 0; i < n; i++) {
			snprintf(sub, sizeof(sub), "%s.%s[%zu]", where, group, i);
			rc = validate(json_object_array_get_idx(list, i), sub, depth + 1, rules);
			if (rc)
				return rc;
		}
		return HL_OK;
	}
	json_object_object_foreach(f, key, val) {
		(void)val;
		if (strcmp(key, "path") && strcmp(key, "op") && strcmp(key, "value")) {
			snprintf(sub, sizeof(sub), "%s.%.20s", where, key);
			return hl_fail(HL_ERR_INVALID, sub, "unknown member \"%.40s\" (path, op, value, "
				"and, or)", key);
		}
	}
	snprintf(sub, sizeof(sub), "%s.path", where);
	if (!json_object_object_get_ex(f, "path", &v) || !json_object_is_type(v, json_type_string) ||
	    !path_ok(json_object_get_string(v)))
		return hl_fail(HL_ERR_INVALID, sub, "path must be a field path like \"country\", "
			"\"customer.tier\" or \"$.data.country\"");
	snprintf(sub, sizeof(sub), "%s.op", where);
	if (!json_object_object_get_ex(f, "op", &v) || !json_object_is_type(v, json_type_string) ||
	    (op = op_parse(json_object_get_string(v))) < 0)
		return hl_fail(HL_ERR_INVALID, sub, "op must be one of eq, neq, gt, gte, lt, lte, "
			"in, nin, exists, startsWith, endsWith");
	snprintf(sub, sizeof(sub), "%s.value", where);
	if (!json_object_object_get_ex(f, "value", &v)) {
		if (op == OP_EXISTS)
			return HL_OK;
		return hl_fail(HL_ERR_INVALID, sub, "op %s needs a value", op_names[op]);
	}
	switch (op) {
	case OP_GT: case OP_GTE: case OP_LT: case OP_LTE:
		if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double) &&
		    !json_object_is_type(v, json_type_string))
			return hl_fail(HL_ERR_INVALID, sub, "%s compares numbers or strings", op_names[op]);
		break;
	case OP_IN: case OP_NIN:
		if (!json_object_is_type(v, json_type_array))
			return hl_fail(HL_ERR_INVALID, sub, "%s needs an array value", op_names[op]);
		break;
	case OP_EXISTS:
		if (!json_object_is_type(v, json_type_boolean))
			return hl_fail(HL_ERR_INVALID, sub, "exists takes true or false");
		break;
	case OP_STARTS: case OP_ENDS:
		if (!json_object_is_type(v, json_type_string))
			return hl_fail(HL_ERR_INVALID, sub, "%s needs a string value", op_names[op]);
		break;
	default:
		break;
	}
	return HL_OK;
}

hl_err
hl_filter_validate(json_object *filter)
{
	int rules = 0;
	hl_err rc;

	rc = validate(filter, "filter", 0, &rules);
	/* The same text hl_subscriptions_add stores (json-c keeps it). */
	if (!rc && strlen(json_object_to_json_string_ext(filter, JSON_C_TO_STRING_PLAIN)) > TEXT_MAX)
		rc = hl_fail(HL_ERR_INVALID, "filter", "filter is longer than %d bytes as compact "
			"JSON: match fewer or shorter values", TEXT_MAX);
	return rc;
}

/* Walk a dotted path; NULL when a segment is missing. A JSON null value
 * that is present is returned as a special marker so exists is true. */
static json_object *
lookup(json_object *root, const char *path, int *present)
{
	char seg[PATH_MAX_LEN + 1];
	json_object *cur = root, *next;
	const char *p = path;

	*present = 0;
	while (*p) {
		size_t n = strcspn(p, ".");
		char *end;

		if (n > PATH_MAX_LEN)
			return NULL;
		memcpy(seg, p, n);
		seg[n] = '\0';
		p += n;
		if (*p == '.')
			p++;
		if (json_object_is_type(cur, json_type_object)) {
			if (!json_object_object_get_ex(cur, seg, &next))
				return NULL;
		} else if (json_object_is_type(cur, json_type_array)) {
			long idx = strtol(seg, &end, 10);

			if (*end || end == seg || idx < 0 || (size_t)idx >= json_object_array_length(cur))
				return NULL;
			next = json_object_array_get_idx(cur, (size_t)idx);
		} else {
			return NULL;
		}
		cur = next;
	}
	*present = 1;
	return cur;
}

static int
is_number(json_object *v)
{
	return json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double);
}

/* -2 when not comparable, else -1/0/1. */
static int
compare(json_object *a, json_object *b)
{
	if (is_number(a) && is_number(b))
		return hl_json_num_compare(a, b);
	if (json_object_is_type(a, json_type_string) && json_object_is_type(b, json_type_string)) {
		int c = strcmp(json_object_get_string(a), json_object_get_string(b));
		return c < 0 ? -1 : c > 0;
	}
	return -2;
}

static int
in_list(json_object *v, json_object *list)
{
	size_t i, n = json_object_array_length(list);

	for (i = 0; i < n; i++)
		if (hl_json_equal(v, json_object_array_get_idx(list, i)))
			return 1;
	return 0;
}

static int
match(json_object *f, json_object *envelope, json_object *payload)
{
	json_object *list, *v, *want = NULL, *got;
	const char *path, *s, *w;
	size_t i, n, sl, wl;
	int op, present, c;

	if (json_object_object_get_ex(f, "and", &list)) {
		n = json_object_array_length(list);
		for (i = 0; i < n; i++)
			if (!match(json_object_array_get_idx(list, i), envelope, payload))
				return 0;
		return 1;
	}
	if (json_object_object_get_ex(f, "or", &list)) {
		n = json_object_array_length(list);
		for (i = 0; i < n; i++)
			if (match(json_object_array_get_idx(list, i), envelope, payload))
				return 1;
		return 0;
	}
	if (!json_object_object_get_ex(f, "path", &v) || !json_object_object_get_ex(f, "op", &list))
		return 0;
	path = json_object_get_string(v);
	op = op_parse(json_object_get_string(list));
	json_object_object_get_ex(f, "value", &want);
	if (!strncmp(path, "$.", 2))
		got = lookup(envelope, path + 2, &present);
	else
		got = lookup(payload, path, &present);
	switch (op) {
	case OP_EXISTS:
		return present == (want ? json_object_get_boolean(want) : 1);
	case OP_EQ:
		return present && hl_json_equal(got, want);
	case OP_NEQ:
		return !present || !hl_json_equal(got, want);
	case OP_IN:
		return present && in_list(got, want);
	case OP_NIN:
		return !present || !in_list(got, want);
	case OP_GT: case OP_GTE: case OP_LT: case OP_LTE:
		if (!present)
			return 0;
		c = compare(got, want);
		if (c == -2)
			return 0;
		return op == OP_GT ? c > 0 : op == OP_GTE ? c >= 0 : op == OP_LT ? c < 0 : c <= 0;
	case OP_STARTS: case OP_ENDS:
		if (!present || !json_object_is_type(got, json_type_string))
			return 0;
		s = json_object_get_string(got);
		w = json_object_get_string(want);
		sl = strlen(s);
		wl = strlen(w);
		if (wl > sl)
			return 0;
		return op == OP_STARTS ? !strncmp(s, w, wl) : !strcmp(s + sl - wl, w);
	default:
		return 0;
	}
}

int
hl_filter_match(json_object *filter, const char *event_type, json_object *payload)
{
	json_object *envelope;
	int m;

	if (!filter)
		return 1;
	/* The envelope borrows payload: take a reference so put() leaves it. */
	envelope = json_object_new_object();
	json_object_object_add(envelope, "type", json_object_new_string(event_type));
	json_object_object_add(envelope, "data", json_object_get(payload));
	m = match(filter, envelope, payload);
	json_object_put(envelope);
	return m;
}
