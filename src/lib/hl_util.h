/* hl_util.h: small shared helpers of the core (SQL time formatting,
 * safe string copies, list paging). */
#ifndef HL_UTIL_H
#define HL_UTIL_H
#include <stddef.h>
#include <time.h>
#include <json-c/json.h>
#include "hl_error.h"

/* How hookline writes JSON it stores or sends: compact, and "/" as it is
 * (json-c's "\/" only makes bodies of URLs longer). */
#define HL_JSON_COMPACT (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* What is shown in place of a secret header value: in the attempt log,
 * in test-send answers, and in endpoints read without write scope. One
 * marker, so that a value given back as it was shown is recognised. */
#define HL_REDACTED "[redacted]"

/* SQL fragment formatting a DATETIME column as RFC 3339 UTC. */
#define HL_SQL_TIME(col) "DATE_FORMAT(" col ", '%Y-%m-%dT%H:%i:%s.%fZ')"
#define HL_LIST_MAX 250
#define HL_LIST_DEFAULT 50

void hl_strlcpy(char *dst, const char *src, size_t cap);
/* strdup that passes NULL through (NULL also when out of memory). */
char *hl_strdup_or_null(const char *s);
/* Add a string member (NULL becomes JSON null). json-c takes ownership of
 * the new string object. */
void hl_json_add_str(json_object *o, const char *key, const char *v);
void hl_json_add_int(json_object *o, const char *key, long long v);
void hl_json_add_bool(json_object *o, const char *key, int v);
/* The string member name of o; NULL when it is absent or not a string. */
const char *hl_json_get_str(json_object *o, const char *name);
/* Wrap a data array into {"data": [...], "iterator": last-or-null, "done": b}.
 * Takes ownership of data. */
json_object *hl_json_list(json_object *data, const char *iterator, int done);
/* Parse text (len bytes, and text[len] must be its terminating NUL) as
 * exactly one JSON value, at most 31 arrays and objects deep (see
 * below); whitespace may follow it, nothing else. strict: RFC 8259 only (no comments, single quotes,
 * trailing commas). Returns the value (the caller owns it), or NULL with
 * *why saying what is wrong ("it ends early", "text after the value",
 * json-c's description...). The JSON null is NULL with *why NULL. */
json_object *hl_json_parse(const char *text, size_t len, int strict, const char **why);
/* The same with another nesting limit: at most depth - 1 arrays and
 * objects inside one another (32: the 31 MariaDB's JSON_VALID takes).
 * Both refuse what json-c would take but not keep as sent: NaN,
 * Infinity and numbers beyond a double's range, and (strict) integers
 * beyond -2^63..2^64-1, which json-c clamps, and a member name given
 * twice in one object, of which it keeps the last. */
json_object *hl_json_parse_depth(const char *text, size_t len, int strict, int depth,
	const char **why);
/* What makes v unfit to store or send as JSON, or NULL: arrays and
 * objects nested more than levels deep, or a number that is not finite.
 * For values built in C, which the parser has not seen. */
const char *hl_json_value_problem(json_object *v, int levels);
/* 1 when a and b are the same JSON value, numbers by value at any depth
 * (1.0 is 1, also inside arrays and objects; integers exactly, past
 * 2^53 too), objects whatever the order of their members; NULL is JSON
 * null. What enum (hl_schema) and eq/in (hl_filter) compare with. */
int hl_json_equal(json_object *a, json_object *b);
/* 1 when the JSON text stored (as hookline wrote it: any depth up to
 * 128) is the value v by hl_json_equal; 0 when it differs or cannot be
 * read. */
int hl_json_text_equal(const char *stored, json_object *v);
/* Two JSON numbers in order, exactly (integers against doubles too, past
 * 2^53 and past INT64_MAX): -1, 0 or 1; -2 when either is not a number. */
int hl_json_num_compare(json_object *a, json_object *b);
/* 1 when a string value anywhere in v holds a NUL (\u0000): C code reads
 * it cut short there, so filters, schemas and stored text would see less
 * than was sent. Member names cannot be checked here: json-c cuts them at
 * a NUL when it parses ("url\u0000x" becomes "url"); see below. */
int hl_json_has_nul(json_object *v);
/* 1 when JSON text (n bytes) has a \u0000 escape anywhere, member names
 * included: what a publisher that parses text checks before json-c. */
int hl_json_text_has_nul(const char *s, size_t n);
/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil): no dependence on TZ or the C library's timegm. */
long hl_days_from_civil(long y, int m, int d);

/* Days in month mo (1-12) of year y, February 29 in leap years. */
int hl_days_in_month(int y, int mo);
/* Exactly n ASCII digits at s into *out, 0; -1 otherwise (sscanf's %2d
 * also takes " 5", "+5", "-1"). */
int hl_digits(const char *s, int n, int *out);

/* How hl_time_to_sql reads a time that names no zone. */
enum hl_time_zone {
	/* The API: RFC 3339 wants "Z" or "+02:00"; without one the time is
	 * refused (read as UTC, a client elsewhere got ranges hours off). */
	HL_TIME_OFFSET_REQUIRED,
	/* A page's own datetime-local field, whose label says UTC: a value
	 * without a zone, or a date alone (midnight), is UTC. */
	HL_TIME_NAIVE_UTC
};
/* Parse "YYYY-MM-DD[Tt ]HH:MM[:SS[.frac]](Z|z|+HH:MM|-HH:MM)" (RFC 3339;
 * minutes alone are taken too, fractions cut to the second) into the UTC
 * "YYYY-MM-DD HH:MM:SS" for SQL, the offset applied. zone says what
 * happens without one. HL_ERR_INVALID naming field on bad input. */
hl_err hl_time_to_sql(const char *in, const char *field, enum hl_time_zone zone, char out[32]);
/* Unix time t as SQL's "YYYY-MM-DD HH:MM:SS" (UTC: the connection's zone). */
void hl_sql_time(time_t t, char out[32]);
/* The other way: "YYYY-MM-DD HH:MM:SS" (UTC, as hl_sql_time and
 * hl_time_to_sql write it) as unix seconds; 0 when it is not one. */
time_t hl_sql_time_epoch(const char *sql);
long long hl_now_ms(void);
/* ts = the CLOCK_REALTIME time ms milliseconds from now (the absolute
 * deadline pthread_cond_timedwait takes). */
void hl_realtime_after_ms(struct timespec *ts, long long ms);
/* Replace every byte that is not part of valid UTF-8 with '?', in place:
 * receivers' answers are stored in utf8mb4 columns. */
void hl_utf8_sanitize(char *s);
int hl_utf8_valid(const char *s, size_t n);
/* The value of one hex digit (either case), -1 for another character. */
int hl_hex_digit(char c);
/* Characters (code points) in the valid UTF-8 string s. */
size_t hl_utf8_chars(const char *s);
/* 1 when the n bytes hold a control character (C0 or DEL). */
int hl_has_control(const char *s, size_t n);

#endif
