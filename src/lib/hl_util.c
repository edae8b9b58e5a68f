/* hl_util.c: small shared helpers of the core. */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "hl_util.h"

void
hl_strlcpy(char *dst, const char *src, size_t cap)
{
	size_t n;

	if (!cap)
		return;
	n = src ? strlen(src) : 0;
	if (n >= cap)
		n = cap - 1;
	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

void
hl_json_add_str(json_object *o, const char *key, const char *v)
{
	json_object_object_add(o, key, v ? json_object_new_string(v) : NULL);
}

void
hl_json_add_int(json_object *o, const char *key, long long v)
{
	json_object_object_add(o, key, json_object_new_int64(v));
}

void
hl_json_add_bool(json_object *o, const char *key, int v)
{
	json_object_object_add(o, key, json_object_new_boolean(v));
}

const char *
hl_json_get_str(json_object *o, const char *name)
{
	json_object *v;

	if (!json_object_object_get_ex(o, name, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

#define JSON_DEPTH_MAX 32
#define JSON_SPACE " \t\r\n"

static const char *strict_text_problem(const char *s, size_t n, json_object *o);

json_object *
hl_json_parse(const char *text, size_t len, int strict, const char **why)
{
	return hl_json_parse_depth(text, len, strict, JSON_DEPTH_MAX, why);
}

json_object *
hl_json_parse_depth(const char *text, size_t len, int strict, int depth, const char **why)
{
	struct json_tokener *tok;
	enum json_tokener_error e;
	json_object *o;
	size_t end;

	*why = NULL;
	if (!text || text[len] != '\0') {
		*why = "the text does not end where its length says";
		return NULL;
	}
	if (len >= INT_MAX) {
		*why = "it is too large";
		return NULL;
	}
	if (memchr(text, '\0', len)) {
		*why = "it contains a NUL byte";
		return NULL;
	}
	if (strspn(text, JSON_SPACE) == len) {
		*why = "it is empty";
		return NULL;
	}
	tok = json_tokener_new_ex(depth);
	if (!tok) {
		*why = "out of memory";
		return NULL;
	}
	if (strict)
		json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	/* The NUL is passed too: without it json-c cannot tell that a number
	 * or literal at the very end (a bare 123, true) is complete, and
	 * leaves it unfinished. */
	o = json_tokener_parse_ex(tok, text, (int)len + 1);
	e = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (e != json_tokener_success) {
		json_object_put(o);
		*why = e == json_tokener_error_parse_eof || e == json_tokener_continue ?
			"it ends early" : json_tokener_error_desc(e);
		return NULL;
	}
	/* Strict mode refuses what follows the value itself; the lenient one
	 * stops after the value and leaves the rest to us. */
	if (end < len && strspn(text + end, JSON_SPACE) != len - end) {
		json_object_put(o);
		*why = "text after the value";
		return NULL;
	}
	/* What json-c took but would not give back as sent. Its depth
	 * counts the innermost value as a level, so an empty array or
	 * object there nests one container deeper than a number would: one
	 * more than MariaDB's JSON_VALID (the events.payload check) takes.
	 * The limit here is on containers, whatever is inside. */
	*why = hl_json_value_problem(o, depth - 1);
	if (!*why && strict)
		*why = strict_text_problem(text, len, o);
	if (*why) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

const char *
hl_json_value_problem(json_object *v, int levels)
{
	const char *why = NULL;
	size_t i, n;
	double d;

	switch (json_object_get_type(v)) {
	case json_type_double:
		/* json-c takes NaN and Infinity even in strict mode, and 1e999
		 * as infinity: no JSON parser reads them back as the number sent,
		 * and MariaDB refuses the first two. */
		d = json_object_get_double(v);
		if (isnan(d) || isinf(d))
			return "a number is not finite (NaN, Infinity) or beyond the range of a "
				"64-bit float";
		return NULL;
	case json_type_array:
		if (levels < 1)
			return "nesting too deep";
		n = json_object_array_length(v);
		for (i = 0; i < n && !why; i++)
			why = hl_json_value_problem(json_object_array_get_idx(v, i), levels - 1);
		return why;
	case json_type_object: {
		if (levels < 1)
			return "nesting too deep";
		json_object_object_foreach(v, key, val) {
			(void)key;
			why = hl_json_value_problem(val, levels - 1);
			if (why)
				return why;
		}
		return NULL;
	}
	default:
		return NULL;
	}
}

/* 1 when the n digits d (no sign, no leading zeros) are a number above
 * max. */
static int
digits_exceed(const char *d, size_t n, const char *max)
{
	size_t m = strlen(max);

	return n != m ? n > m : memcmp(d, max, n) > 0;
}

/* 1 when every object of v, in document order, has as many members as
 * the text gave it (m[*next] onwards). json-c keeps the last of a
 * member name given twice, in the place of the first, so the order of
 * objects is the text's until the first one that lost a member. */
static int
same_member_counts(json_object *v, const size_t *m, size_t nobj, size_t *next)
{
	size_t i, n;

	switch (json_object_get_type(v)) {
	case json_type_object: {
		if (*next >= nobj || (size_t)json_object_object_length(v) != m[*next])
			return 0;
		(*next)++;
		json_object_object_foreach(v, key, val) {
			(void)key;
			if (!same_member_counts(val, m, nobj, next))
				return 0;
		}
		return 1;
	}
	case json_type_array:
		n = json_object_array_length(v);
		for (i = 0; i < n; i++)
			if (!same_member_counts(json_object_array_get_idx(v, i), m, nobj, next))
				return 0;
		return 1;
	default:
		return 1;
	}
}

int
hl_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The 4 hex digits at s as a number; -1 when they are not. */
static long
hex4(const char *s, size_t n)
{
	long v = 0;
	size_t i;
	int d;

	if (n < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		d = hl_hex_digit(s[i]);
		if (d < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

/* The escape \uXXXX at s (n bytes left): 0 when it is no surrogate, 6
 * when it is a high one followed by a \u low one (the pair's second
 * escape, for the caller to skip), -1 when it is half a pair alone. */
static int
surrogate_escape(const char *s, size_t n)
{
	long u = hex4(s + 2, n - 2), low;

	if (u < 0xD800 || u > 0xDFFF)
		return 0;
	if (u >= 0xDC00 || n < 12 || s[6] != '\\' || s[7] != 'u')
		return -1;
	low = hex4(s + 8, n - 8);
	return low >= 0xDC00 && low <= 0xDFFF ? 6 : -1;
}

#define TEXT_NEST_MAX 256
#define NOT_AN_OBJECT ((size_t)-1)

/* What the text of o (valid strict JSON: no comments, no single quotes)
 * shows that o does not, in one scan outside strings:
 * - An integer beyond what json-c holds: it clamps one below INT64_MIN
 *   to INT64_MIN and one above UINT64_MAX to UINT64_MAX without a trace,
 *   so 18446744073709551616 would be stored as ...615. Integer tokens
 *   are the numbers with no fraction and no exponent.
 * - A member name given twice in one object: json-c keeps the last
 *   without a trace, so what a proxy or a signature check in front read
 *   first is not what is stored. Each object's members are counted by
 *   its colons and compared with the parsed object's.
 * - A \u escape of half a UTF-16 pair without its other half: json-c
 *   stores U+FFFD for it, so "\ud800" and "\udfff" would be one value
 *   (and one payload, for an idempotent publish). */
static const char *
strict_text_problem(const char *s, size_t n, json_object *o)
{
	size_t stack[TEXT_NEST_MAX], *members = NULL, *grown, nobj = 0, cap = 0, next = 0;
	size_t i = 0, start;
	const char *why = NULL;
	int top = 0, negative, pair;

	while (i < n && !why) {
		switch (s[i]) {
		case '"':
			for (i++; i < n && s[i] != '"' && !why; i++) {
				if (s[i] != '\\')
					continue;
				if (i + 1 < n && s[i + 1] == 'u') {
					pair = surrogate_escape(s + i, n - i);
					if (pair < 0)
						why = "a \\u escape is half of a UTF-16 surrogate pair "
							"without the other half";
					else
						i += (size_t)pair;
				}
				i++;
			}
			i++;
			continue;
		case '{':
		case '[':
			if (top == TEXT_NEST_MAX) {
				why = "nesting too deep";
				break;
			}
			if (s[i] == '[') {
				stack[top++] = NOT_AN_OBJECT;
				break;
			}
			if (nobj == cap) {
				cap = cap ? 2 * cap : 16;
				grown = realloc(members, cap * sizeof(*members));
				if (!grown) {
					why = "out of memory";
					break;
				}
				members = grown;
			}
			members[nobj] = 0;
			stack[top++] = nobj++;
			break;
		case '}':
		case ']':
			if (top)
				top--;
			break;
		case ':':
			if (top && stack[top - 1] != NOT_AN_OBJECT)
				members[stack[top - 1]]++;
			break;
		default:
			if (s[i] != '-' && (s[i] < '0' || s[i] > '9'))
				break;
			negative = s[i] == '-';
			if (negative)
				i++;
			start = i;
			while (i < n && s[i] >= '0' && s[i] <= '9')
				i++;
			if (i < n && (s[i] == '.' || s[i] == 'e' || s[i] == 'E')) {
				while (i < n && s[i] && strchr("0123456789.eE+-", s[i]))
					i++;
				continue;
			}
			if (digits_exceed(s + start, i - start,
			    negative ? "9223372036854775808" : "18446744073709551615"))
				why = "an integer is beyond the 64-bit range (-2^63 to 2^64-1); send "
					"it as a string";
			continue;
		}
		i++;
	}
	if (!why && !same_member_counts(o, members, nobj, &next))
		why = "an object has the same member name twice (JSON would keep only the last)";
	free(members);
	return why;
}

static int
is_number(json_object *v)
{
	return json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double);
}

/* An integer as json-c holds it: int64, or above INT64_MAX unsigned
 * (get_int64 clamps those to INT64_MAX). */
static int
int_negative(json_object *v)
{
	return json_object_get_int64(v) < 0;
}

static int
cmp_u64(uint64_t x, uint64_t y)
{
	return x < y ? -1 : x > y;
}

/* An integer against a double, exactly: past 2^53 a double cast of the
 * integer rounds, so 9007199254740993 > 9007199254740992.0 read false. */
static int
cmp_int_double(json_object *i, double x)
{
	double t;

	if (x != x)
		return -2;
	if (int_negative(i)) {
		int64_t v = json_object_get_int64(i);

		if (x >= 0)
			return -1;
		if (x < -9223372036854775808.0)
			return 1;
		t = (double)(int64_t)x;             /* towards zero: x <= t */
		if (v != (int64_t)t)
			return v < (int64_t)t ? -1 : 1;
		return x < t ? 1 : 0;
	}
	if (x < 0)
		return 1;
	if (x >= 18446744073709551616.0)
		return -1;
	t = (double)(uint64_t)x;                    /* towards zero: t <= x */
	if (json_object_get_uint64(i) != (uint64_t)t)
		return cmp_u64(json_object_get_uint64(i), (uint64_t)t);
	return x > t ? -1 : 0;
}

int
hl_json_num_compare(json_object *a, json_object *b)
{
	int ai = json_object_is_type(a, json_type_int), bi = json_object_is_type(b, json_type_int);
	double x, y;

	if (!is_number(a) || !is_number(b))
		return -2;
	if (ai && bi) {
		if (int_negative(a) || int_negative(b)) {
			int64_t i = json_object_get_int64(a), j = json_object_get_int64(b);

			return i < j ? -1 : i > j;
		}
		return cmp_u64(json_object_get_uint64(a), json_object_get_uint64(b));
	}
	if (ai)
		return cmp_int_double(a, json_object_get_double(b));
	if (bi) {
		int c = cmp_int_double(b, json_object_get_double(a));

		return c == -2 ? c : -c;
	}
	x = json_object_get_double(a);
	y = json_object_get_double(b);
	if (x != x || y != y)
		return -2;
	return x < y ? -1 : x > y;
}

static int
num_equal(json_object *a, json_object *b)
{
	return hl_json_num_compare(a, b) == 0;
}

int
hl_json_text_equal(const char *stored, json_object *v)
{
	json_object *o;
	const char *why;
	int same;

	o = hl_json_parse_depth(stored, strlen(stored), 1, 128, &why);
	same = o && hl_json_equal(o, v);
	json_object_put(o);
	return same;
}

int
hl_json_equal(json_object *a, json_object *b)
{
	enum json_type t = json_object_get_type(a);
	json_object *bv;
	size_t i, n;

	if (is_number(a) && is_number(b))
		return num_equal(a, b);
	if (t != json_object_get_type(b))
		return 0;
	switch (t) {
	case json_type_null:
		return 1;
	case json_type_boolean:
		return !json_object_get_boolean(a) == !json_object_get_boolean(b);
	case json_type_string:
		return json_object_get_string_len(a) == json_object_get_string_len(b) &&
			!memcmp(json_object_get_string(a), json_object_get_string(b),
			(size_t)json_object_get_string_len(a));
	case json_type_array:
		n = json_object_array_length(a);
		if (n != json_object_array_length(b))
			return 0;
		for (i = 0; i < n; i++)
			if (!hl_json_equal(json_object_array_get_idx(a, i),
			    json_object_array_get_idx(b, i)))
				return 0;
		return 1;
	case json_type_object:
		if (json_object_object_length(a) != json_object_object_length(b))
			return 0;
		{
			json_object_object_foreach(a, key, av) {
				if (!json_object_object_get_ex(b, key, &bv) || !hl_json_equal(av, bv))
					return 0;
			}
		}
		return 1;
	default:
		return 0;
	}
}

/* 1 when a string value anywhere in v holds a NUL: the C code behind
 * would read it cut short at the NUL and store or act on less than was
 * sent. (Nesting is bounded by the parser's depth.) */
int
hl_json_has_nul(json_object *v)
{
	size_t i, n;

	switch (json_object_get_type(v)) {
	case json_type_string:
		return memchr(json_object_get_string(v), '\0',
			(size_t)json_object_get_string_len(v)) != NULL;
	case json_type_array:
		n = json_object_array_length(v);
		for (i = 0; i < n; i++)
			if (hl_json_has_nul(json_object_array_get_idx(v, i)))
				return 1;
		return 0;
	case json_type_object: {
		json_object_object_foreach(v, key, val) {
			(void)key;
			if (hl_json_has_nul(val))
				return 1;
		}
		return 0;
	}
	default:
		return 0;
	}
}

/* 1 when the body text has a \u0000 escape. json-c cuts member names at
 * a NUL without a trace ("url\u0000x" becomes "url"), so names can only
 * be checked in the text. */
int
hl_json_text_has_nul(const char *s, size_t n)
{
	size_t i, backslashes = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '\\') {
			backslashes++;
			continue;
		}
		if (s[i] == 'u' && backslashes % 2 == 1 && n - i > 4 && !memcmp(s + i + 1, "0000", 4))
			return 1;
		backslashes = 0;
	}
	return 0;
}

json_object *
hl_json_list(json_object *data, const char *iterator, int done)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "data", data);
	hl_json_add_str(o, "iterator", done ? NULL : iterator);
	hl_json_add_bool(o, "done", done);
	return o;
}

void
hl_sql_time(time_t t, char out[32])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%d %H:%M:%S", &tm);
}

time_t
hl_sql_time_epoch(const char *t)
{
	int y, mo, d, h, mi, sec;

	if (!t || strlen(t) < 19 || hl_digits(t, 4, &y) || hl_digits(t + 5, 2, &mo) ||
	    hl_digits(t + 8, 2, &d) || hl_digits(t + 11, 2, &h) || hl_digits(t + 14, 2, &mi) ||
	    hl_digits(t + 17, 2, &sec))
		return 0;
	return (time_t)hl_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
}

int
hl_days_in_month(int y, int mo)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (mo == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return days[mo - 1];
}

long
hl_days_from_civil(long y, int m, int d)
{
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int
hl_digits(const char *s, int n, int *out)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

hl_err
hl_time_to_sql(const char *in, const char *field, enum hl_time_zone zone, char out[32])
{
	int y, mo, d, h = 0, mi = 0, s = 0, oh = 0, om = 0, sign = 0, has_time = 0, has_zone = 0;
	const char *p = in, *hint = "";
	long long t;

	if (hl_digits(p, 4, &y) || p[4] != '-' || hl_digits(p + 5, 2, &mo) || p[7] != '-' ||
	    hl_digits(p + 8, 2, &d))
		goto bad;
	p += 10;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		if (hl_digits(p + 1, 2, &h) || p[3] != ':' || hl_digits(p + 4, 2, &mi))
			goto bad;
		p += 6;
		has_time = 1;
		if (*p == ':') {
			if (hl_digits(p + 1, 2, &s))
				goto bad;
			p += 3;
			/* Fractions are cut: the filters compare whole seconds. */
			if (*p == '.') {
				if (p[1] < '0' || p[1] > '9')
					goto bad;
				for (p++; *p >= '0' && *p <= '9'; p++)
					;
			}
		}
	}
	if (has_time && (*p == 'Z' || *p == 'z')) {
		p++;
		has_zone = 1;
	} else if (has_time && (*p == '+' || *p == '-')) {
		sign = *p == '-' ? -1 : 1;
		if (hl_digits(p + 1, 2, &oh) || p[3] != ':' || hl_digits(p + 4, 2, &om) ||
		    oh > 23 || om > 59)
			goto bad;
		p += 6;
		has_zone = 1;
	} else if (has_time && *p == ' ' && p[1] >= '0' && p[1] <= '9') {
		/* A query's "+" is a space (form encoding): "+02:00" came as " 02:00". */
		hint = " (in a query string, send + as %2B)";
	}
	if (*p || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 60 || y < 1970)
		goto bad;
	/* 2026-02-31 is no day: timegm() would read it as March 3rd,
	 * and MariaDB not at all. */
	if (d > hl_days_in_month(y, mo))
		goto bad;
	/* Read as UTC only when the caller says its own form means UTC: an
	 * API client in another zone would get a range hours off, silently. */
	if (!has_zone && zone != HL_TIME_NAIVE_UTC)
		goto bad;
	t = (long long)hl_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s -
		sign * (oh * 3600 + om * 60);
	/* 1970-01-01T00:30+01:00 is 1969; 9999-12-31T23:30-01:00 is 10000. */
	if (t < 0 || t >= (long long)hl_days_from_civil(10000, 1, 1) * 86400)
		goto bad;
	hl_sql_time((time_t)t, out);
	return HL_OK;
bad:
	if (zone == HL_TIME_NAIVE_UTC)
		return hl_fail(HL_ERR_INVALID, field,
			"%s must be a UTC time like 2026-01-31T12:00:00Z", field);
	return hl_fail(HL_ERR_INVALID, field, "%s must be an RFC 3339 time with Z or an offset, "
		"e.g. 2026-12-02T10:00:00Z%s", field, hint);
}

char *
hl_strdup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

long long
hl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
hl_realtime_after_ms(struct timespec *ts, long long ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += (time_t)(ms / 1000);
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* Length of the valid UTF-8 sequence at s (1-4), or 0 when invalid. */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

void
hl_utf8_sanitize(char *s)
{
	unsigned char *p = (unsigned char *)s;
	size_t n;

	if (!s)
		return;
	n = strlen(s);
	while (n) {
		size_t len = utf8_seq(p, n);

		if (len == 0) {
			*p = '?';
			len = 1;
		}
		p += len;
		n -= len;
	}
}

int
hl_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	while (n) {
		size_t len = utf8_seq(p, n);

		if (len == 0)
			return 0;
		p += len;
		n -= len;
	}
	return 1;
}

size_t
hl_utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

int
hl_has_control(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 1;
	return 0;
}
