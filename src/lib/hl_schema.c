/* hl_schema.c: check schemas against the supported subset and validate
 * payloads with them (the subset is listed in hl_schema.h). */
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/linkhash.h>
#include "hl_schema.h"
#include "hl_util.h"

#define DEPTH_MAX 16
/* What a pattern may cost (pattern_problem): glibc's matcher, fast on
 * stars and alternations, expands each counted repetition into copies,
 * so "(a{1,100}){1,100}b" is 10,000 states and ran for minutes against
 * a 100 KB string; a backreference makes it backtrack, exponentially
 * ("^((a|aa)*)*\\1\\1b$" held a web worker for hours). */
#define PATTERN_BYTES_MAX 4096
#define PATTERN_COPIES_MAX 256
/* And the longest string one is run against: 256 copies take about 2.5 s
 * on a string of 1 MiB (the largest body), 0.16 s on one of 64 KiB. */
#define PATTERN_INPUT_MAX 65536
#define PATTERN_NEST_MAX 32

static const char *pattern_problem(const char *p);

static const char *const keywords[] = { "type", "properties", "required",
	"additionalProperties", "enum", "items", "minimum", "maximum", "minLength",
	"maxLength", "pattern", "title", "description", "$schema", NULL };
static const char *const types[] = { "object", "array", "string", "number", "integer",
	"boolean", "null", NULL };

static int
in_set(const char *s, const char *const *set)
{
	for (; *set; set++)
		if (!strcmp(s, *set))
			return 1;
	return 0;
}

static int
is_number(json_object *v)
{
	return json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double);
}

/* -1, 0 or 1; a and b are numbers, compared exactly (an integer past
 * 2^53 against a double too: hl_json_num_compare). */
static int
num_cmp(json_object *a, json_object *b)
{
	return hl_json_num_compare(a, b);
}

/* JSON Schema's "integer" is any number without a fractional part: 3.0
 * is one (json-c parses it as a double). */
static int
is_integer(json_object *v)
{
	double d;

	if (json_object_is_type(v, json_type_int))
		return 1;
	if (!json_object_is_type(v, json_type_double))
		return 0;
	d = json_object_get_double(v);
	return d >= -9007199254740992.0 && d <= 9007199254740992.0 && d == (double)(int64_t)d;
}

static hl_err
check_number(json_object *s, const char *key, int want_count, const char *where)
{
	json_object *v;
	char sub[256];

	if (!json_object_object_get_ex(s, key, &v))
		return HL_OK;
	snprintf(sub, sizeof(sub), "%s.%s", where, key);
	if (!want_count && !is_number(v))
		return hl_fail(HL_ERR_INVALID, sub, "%s must be a number", key);
	if (want_count && (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0))
		return hl_fail(HL_ERR_INVALID, sub, "%s must be an integer >= 0", key);
	return HL_OK;
}

static hl_err
check(json_object *s, const char *where, int depth)
{
	json_object *v;
	char sub[256];
	size_t i, n;

	if (depth > DEPTH_MAX)
		return hl_fail(HL_ERR_INVALID, where, "schema nests deeper than %d levels", DEPTH_MAX);
	if (!json_object_is_type(s, json_type_object))
		return hl_fail(HL_ERR_INVALID, where, "a schema must be an object");
	json_object_object_foreach(s, key, val) {
		(void)val;
		if (!in_set(key, keywords)) {
			snprintf(sub, sizeof(sub), "%s.%.40s", where, key);
			return hl_fail(HL_ERR_INVALID, sub, "unsupported schema keyword \"%.40s\"", key);
		}
	}
	if (json_object_object_get_ex(s, "type", &v)) {
		snprintf(sub, sizeof(sub), "%s.type", where);
		if (json_object_is_type(v, json_type_string)) {
			if (!in_set(json_object_get_string(v), types))
				return hl_fail(HL_ERR_INVALID, sub, "unknown type \"%.40s\"",
					json_object_get_string(v));
		} else if (json_object_is_type(v, json_type_array) && json_object_array_length(v)) {
			n = json_object_array_length(v);
			for (i = 0; i < n; i++) {
				json_object *t = json_object_array_get_idx(v, i);
				if (!json_object_is_type(t, json_type_string) ||
				    !in_set(json_object_get_string(t), types))
					return hl_fail(HL_ERR_INVALID, sub, "type lists unknown types");
			}
		} else {
			return hl_fail(HL_ERR_INVALID, sub, "type must be a type name or an array of them");
		}
	}
	if (json_object_object_get_ex(s, "properties", &v)) {
		if (!json_object_is_type(v, json_type_object)) {
			snprintf(sub, sizeof(sub), "%s.properties", where);
			return hl_fail(HL_ERR_INVALID, sub, "properties must be an object");
		}
		json_object_object_foreach(v, name, prop) {
			hl_err rc;

			snprintf(sub, sizeof(sub), "%s.properties.%.60s", where, name);
			rc = check(prop, sub, depth + 1);
			if (rc)
				return rc;
		}
	}
	if (json_object_object_get_ex(s, "required", &v)) {
		snprintf(sub, sizeof(sub), "%s.required", where);
		if (!json_object_is_type(v, json_type_array))
			return hl_fail(HL_ERR_INVALID, sub, "required must be an array of names");
		n = json_object_array_length(v);
		for (i = 0; i < n; i++)
			if (!json_object_is_type(json_object_array_get_idx(v, i), json_type_string))
				return hl_fail(HL_ERR_INVALID, sub, "required must be an array of names");
	}
	if (json_object_object_get_ex(s, "additionalProperties", &v) &&
	    !json_object_is_type(v, json_type_boolean)) {
		snprintf(sub, sizeof(sub), "%s.additionalProperties", where);
		return hl_fail(HL_ERR_INVALID, sub, "additionalProperties must be true or false");
	}
	if (json_object_object_get_ex(s, "enum", &v) &&
	    (!json_object_is_type(v, json_type_array) || !json_object_array_length(v))) {
		snprintf(sub, sizeof(sub), "%s.enum", where);
		return hl_fail(HL_ERR_INVALID, sub, "enum must be a non-empty array");
	}
	if (json_object_object_get_ex(s, "items", &v)) {
		snprintf(sub, sizeof(sub), "%s.items", where);
		hl_err rc = check(v, sub, depth + 1);
		if (rc)
			return rc;
	}
	/* The field names the keyword, as for every other one. */
	{
		hl_err rc = check_number(s, "minimum", 0, where);

		if (!rc)
			rc = check_number(s, "maximum", 0, where);
		if (!rc)
			rc = check_number(s, "minLength", 1, where);
		if (!rc)
			rc = check_number(s, "maxLength", 1, where);
		if (rc)
			return rc;
	}
	if (json_object_object_get_ex(s, "pattern", &v)) {
		const char *why;
		regex_t re;

		snprintf(sub, sizeof(sub), "%s.pattern", where);
		if (!json_object_is_type(v, json_type_string) ||
		    regcomp(&re, json_object_get_string(v), REG_EXTENDED | REG_NOSUB))
			return hl_fail(HL_ERR_INVALID, sub, "pattern must be a POSIX extended regular "
				"expression");
		regfree(&re);
		why = pattern_problem(json_object_get_string(v));
		if (why)
			return hl_fail(HL_ERR_INVALID, sub, "%s", why);
	}
	return HL_OK;
}

/* The interval {m}, {m,} or {m,n} at p: its largest count (m for "{m,"),
 * *len its length; -1 when p starts none (a literal "{"). */
static long
interval_at(const char *p, size_t *len)
{
	const char *q = p + 1;
	long lo = 0, hi;

	if (*p != '{' || *q < '0' || *q > '9')
		return -1;
	while (*q >= '0' && *q <= '9' && lo <= 100000)
		lo = lo * 10 + (*q++ - '0');
	hi = lo;
	if (*q == ',') {
		q++;
		if (*q >= '0' && *q <= '9') {
			hi = 0;
			while (*q >= '0' && *q <= '9' && hi <= 100000)
				hi = hi * 10 + (*q++ - '0');
		}
	}
	if (*q != '}')
		return -1;
	*len = (size_t)(q + 1 - p);
	return hi;
}

/* Why pattern would cost a web worker too much, or NULL: too long, a
 * backreference, or counted repetitions that expand into more than
 * PATTERN_COPIES_MAX copies in all (nested ones multiply: a group's
 * count times the copies inside it). */
static const char *
pattern_problem(const char *p)
{
	long copies[PATTERN_NEST_MAX + 1] = { 0 }, count, inner = 0;
	int depth = 0, group_closed = 0;
	size_t len;

	if (strlen(p) > PATTERN_BYTES_MAX)
		return "pattern is longer than 4096 bytes";
	while (*p) {
		if (*p == '\\') {
			if (p[1] >= '1' && p[1] <= '9')
				return "pattern must not use a backreference (\\1 to \\9)";
			p += p[1] ? 2 : 1;
			group_closed = 0;
			continue;
		}
		if (*p == '[') {
			/* A bracket expression is one atom: "]" first is a member, as
			 * are the "]" of [:class:], [.x.] and [=x=]. */
			p++;
			if (*p == '^')
				p++;
			if (*p == ']')
				p++;
			while (*p && *p != ']') {
				if (*p == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
					const char *end = strchr(p + 2, p[1]);

					p = end && end[1] == ']' ? end + 2 : p + 1;
				} else {
					p++;
				}
			}
			p += *p ? 1 : 0;
			group_closed = 0;
			continue;
		}
		if (*p == '(') {
			if (depth == PATTERN_NEST_MAX)
				return "pattern nests groups more than 32 deep";
			copies[++depth] = 0;
			p++;
			group_closed = 0;
			continue;
		}
		if (*p == ')' && depth > 0) {
			inner = copies[depth--];
			p++;
			group_closed = 1;
			count = interval_at(p, &len);
			if (count >= 0) {
				copies[depth] += count * (inner > 0 ? inner : 1);
				p += len;
				group_closed = 0;
			} else {
				copies[depth] += inner;
			}
			if (copies[depth] > PATTERN_COPIES_MAX)
				break;
			continue;
		}
		count = interval_at(p, &len);
		if (count >= 0 && !group_closed) {
			copies[depth] += count;
			p += len;
		} else {
			p++;
		}
		group_closed = 0;
		if (copies[depth] > PATTERN_COPIES_MAX)
			break;
	}
	if (copies[depth] > PATTERN_COPIES_MAX || copies[0] > PATTERN_COPIES_MAX)
		return "pattern repeats too much: its counted repetitions ({m,n}) make more than "
			"256 copies in all, nested ones multiplied";
	return NULL;
}

hl_err
hl_schema_check(json_object *schema)
{
	return check(schema, "schema", 0);
}

static int
type_is(json_object *v, const char *t)
{
	if (!strcmp(t, "object"))
		return json_object_is_type(v, json_type_object);
	if (!strcmp(t, "array"))
		return json_object_is_type(v, json_type_array);
	if (!strcmp(t, "string"))
		return json_object_is_type(v, json_type_string);
	if (!strcmp(t, "number"))
		return is_number(v);
	if (!strcmp(t, "integer"))
		return is_integer(v);
	if (!strcmp(t, "boolean"))
		return json_object_is_type(v, json_type_boolean);
	if (!strcmp(t, "null"))
		return v == NULL || json_object_is_type(v, json_type_null);
	return 0;
}

/* One validation's compiled patterns, by the schema's pattern value:
 * each is compiled once, not again for every string it checks (an array
 * of 10,000 strings against a pattern of a few hundred alternatives took
 * seconds of a web worker per publish). */
struct validation {
	struct lh_table *patterns;    /* json_object * -> regex_t *; NULL until one */
};

static void
pattern_free(struct lh_entry *e)
{
	regex_t *re = lh_entry_v(e);

	regfree(re);
	free(re);
}

/* *ok: whether str matches the pattern (a string of the schema, which
 * outlives the validation). */
static hl_err
pattern_match(struct validation *val, json_object *pattern, const char *str,
	const char *where, int *ok)
{
	void *found;
	regex_t *re;

	if (!val->patterns) {
		val->patterns = lh_kptr_table_new(16, pattern_free);
		if (!val->patterns)
			return hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
	}
	if (lh_table_lookup_ex(val->patterns, pattern, &found)) {
		re = found;
	} else {
		/* A schema stored before pattern_problem existed is not run. */
		if (pattern_problem(json_object_get_string(pattern)))
			return hl_fail(HL_ERR_UNPROCESSABLE, where, "the event type's schema has a "
				"pattern too costly to run: %s", pattern_problem(json_object_get_string(pattern)));
		re = malloc(sizeof(*re));
		if (!re)
			return hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
		if (regcomp(re, json_object_get_string(pattern), REG_EXTENDED | REG_NOSUB)) {
			free(re);
			return hl_fail(HL_ERR_UNPROCESSABLE, where, "bad pattern in schema");
		}
		/* The table owns re from here (pattern_free). */
		if (lh_table_insert(val->patterns, pattern, re)) {
			regfree(re);
			free(re);
			return hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
		}
	}
	*ok = regexec(re, str, 0, NULL, 0) == 0;
	return HL_OK;
}

static hl_err
validate(struct validation *val, json_object *s, json_object *v, const char *where)
{
	json_object *k, *props = NULL;
	char sub[256];
	size_t i, n;
	int ok;

	if (json_object_object_get_ex(s, "type", &k)) {
		if (json_object_is_type(k, json_type_string)) {
			ok = type_is(v, json_object_get_string(k));
		} else {
			n = json_object_array_length(k);
			for (ok = 0, i = 0; !ok && i < n; i++)
				ok = type_is(v, json_object_get_string(json_object_array_get_idx(k, i)));
		}
		if (!ok)
			return hl_fail(HL_ERR_UNPROCESSABLE, where, "%s must be of type %s", where,
				json_object_to_json_string_ext(k, JSON_C_TO_STRING_PLAIN));
	}
	if (json_object_object_get_ex(s, "enum", &k)) {
		n = json_object_array_length(k);
		for (ok = 0, i = 0; !ok && i < n; i++)
			ok = hl_json_equal(v, json_object_array_get_idx(k, i));
		if (!ok)
			return hl_fail(HL_ERR_UNPROCESSABLE, where, "%s must be one of %.200s", where,
				json_object_to_json_string_ext(k, JSON_C_TO_STRING_PLAIN));
	}
	if (is_number(v)) {
		if (json_object_object_get_ex(s, "minimum", &k) && num_cmp(v, k) < 0)
			return hl_fail(HL_ERR_UNPROCESSABLE, where, "%s must be >= %s", where,
				json_object_to_json_string(k));
		if (json_object_object_get_ex(s, "maximum", &k) && num_cmp(v, k) > 0)
			return hl_fail(HL_ERR_UNPROCESSABLE, where, "%s must be <= %s", where,
				json_object_to_json_string(k));
	}
	if (json_object_is_type(v, json_type_string)) {
		const char *str = json_object_get_string(v);
		/* Characters, not bytes: JSON Schema counts code points. */
		size_t len = hl_utf8_chars(str);

		if (json_object_object_get_ex(s, "minLength", &k) && len < (size_t)json_object_get_int64(k))
			return hl_fail(HL_ERR_UNPROCESSABLE, where, "%s is shorter than %lld characters",
				where, (long long)json_object_get_int64(k));
		if (json_object_object_get_ex(s, "maxLength", &k) && len > (size_t)json_object_get_int64(k))
			return hl_fail(HL_ERR_UNPROCESSABLE, where, "%s is longer than %lld characters",
				where, (long long)json_object_get_int64(k));
		if (json_object_object_get_ex(s, "pattern", &k)) {
			hl_err rc;

			if (strlen(str) > PATTERN_INPUT_MAX)
				return hl_fail(HL_ERR_UNPROCESSABLE, where, "%s is longer than 65536 "
					"bytes, the most a schema's pattern is matched against", where);
			rc = pattern_match(val, k, str, where, &ok);

			if (rc)
				return rc;
			if (!ok)
				return hl_fail(HL_ERR_UNPROCESSABLE, where, "%s does not match the pattern %.100s",
					where, json_object_get_string(k));
		}
	}
	if (json_object_is_type(v, json_type_object)) {
		json_object_object_get_ex(s, "properties", &props);
		if (json_object_object_get_ex(s, "required", &k)) {
			n = json_object_array_length(k);
			for (i = 0; i < n; i++) {
				const char *name = json_object_get_string(json_object_array_get_idx(k, i));

				if (!json_object_object_get_ex(v, name, NULL)) {
					snprintf(sub, sizeof(sub), "%s.%.100s", where, name);
					return hl_fail(HL_ERR_UNPROCESSABLE, sub, "%s is required", sub);
				}
			}
		}
		json_object_object_foreach(v, name, member) {
			json_object *ps;
			hl_err rc;

			snprintf(sub, sizeof(sub), "%s.%.100s", where, name);
			if (props && json_object_object_get_ex(props, name, &ps)) {
				rc = validate(val, ps, member, sub);
				if (rc)
					return rc;
			} else if (json_object_object_get_ex(s, "additionalProperties", &k) &&
			    !json_object_get_boolean(k)) {
				return hl_fail(HL_ERR_UNPROCESSABLE, sub, "%s is not allowed here", sub);
			}
		}
	}
	if (json_object_is_type(v, json_type_array) && json_object_object_get_ex(s, "items", &k)) {
		n = json_object_array_length(v);
		for (i = 0; i < n; i++) {
			hl_err rc;

			snprintf(sub, sizeof(sub), "%s[%zu]", where, i);
			rc = validate(val, k, json_object_array_get_idx(v, i), sub);
			if (rc)
				return rc;
		}
	}
	return HL_OK;
}

hl_err
hl_schema_validate(json_object *schema, json_object *instance)
{
	struct validation val = { NULL };
	hl_err rc;

	if (!schema)
		return HL_OK;
	rc = validate(&val, schema, instance, "payload");
	if (val.patterns)
		lh_table_free(val.patterns);
	return rc;
}
