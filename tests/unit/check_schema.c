/* check_schema.c: unit tests for hl_schema (the supported subset, and
 * the path of the first failure). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hl_schema.h"
#include "check_main.h"

static const char *schema_text =
	"{\"type\":\"object\",\"required\":[\"id\",\"amount\"],\"additionalProperties\":false,"
	"\"properties\":{\"id\":{\"type\":\"string\",\"pattern\":\"^ord_[0-9]+$\"},"
	"\"amount\":{\"type\":\"number\",\"minimum\":0,\"maximum\":100},"
	"\"note\":{\"type\":[\"string\",\"null\"],\"minLength\":2,\"maxLength\":4},"
	"\"kind\":{\"enum\":[\"a\",\"b\"]},\"n\":{\"type\":\"integer\"},"
	"\"items\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":[\"sku\"]}}}}";

/* NULL when valid, else the failing field. */
static const char *
check(const char *payload)
{
	json_object *s = json_tokener_parse(schema_text), *p = json_tokener_parse(payload);
	hl_err rc;

	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(hl_schema_check(s), HL_OK);
	rc = hl_schema_validate(s, p);
	json_object_put(s);
	json_object_put(p);
	if (rc == HL_OK)
		return NULL;
	ck_assert_int_eq(rc, HL_ERR_UNPROCESSABLE);
	return hl_errfield();
}

static const char *
bad_schema(const char *text)
{
	json_object *s = json_tokener_parse(text);
	hl_err rc;

	ck_assert_ptr_nonnull(s);
	rc = hl_schema_check(s);
	json_object_put(s);
	ck_assert_int_eq(rc, HL_ERR_INVALID);
	return hl_errfield();
}

START_TEST(test_valid)
{
	ck_assert_ptr_null(check("{\"id\":\"ord_1\",\"amount\":5}"));
	ck_assert_ptr_null(check("{\"id\":\"ord_1\",\"amount\":100,\"note\":null,\"kind\":\"b\","
		"\"n\":3,\"items\":[{\"sku\":1}]}"));
	ck_assert_ptr_null(check("{\"id\":\"ord_1\",\"amount\":0.5,\"note\":\"\xc3\xa9t\xc3\xa9\"}"));
}
END_TEST

START_TEST(test_failures_name_path)
{
	ck_assert_str_eq(check("{\"amount\":5}"), "payload.id");
	ck_assert_str_eq(check("{\"id\":\"x\",\"amount\":5}"), "payload.id");
	ck_assert_str_eq(check("{\"id\":\"ord_1\",\"amount\":-1}"), "payload.amount");
	ck_assert_str_eq(check("{\"id\":\"ord_1\",\"amount\":101}"), "payload.amount");
	ck_assert_str_eq(check("{\"id\":\"ord_1\",\"amount\":\"1\"}"), "payload.amount");
	ck_assert_str_eq(check("{\"id\":\"ord_1\",\"amount\":1,\"note\":\"a\"}"), "payload.note");
	ck_assert_str_eq(check("{\"id\":\"ord_1\",\"amount\":1,\"note\":\"abcde\"}"), "payload.note");
	ck_assert_str_eq(check("{\"id\":\"ord_1\",\"amount\":1,\"note\":7}"), "payload.note");
	ck_assert_str_eq(check("{\"id\":\"ord_1\",\"amount\":1,\"kind\":\"c\"}"), "payload.kind");
	ck_assert_str_eq(check("{\"id\":\"ord_1\",\"amount\":1,\"n\":1.5}"), "payload.n");
	ck_assert_str_eq(check("{\"id\":\"ord_1\",\"amount\":1,\"items\":[{\"sku\":1},{}]}"),
		"payload.items[1].sku");
	ck_assert_str_eq(check("{\"id\":\"ord_1\",\"amount\":1,\"extra\":1}"), "payload.extra");
}
END_TEST

/* Numbers are numbers: 3.0 is an integer (JSON Schema says so, and
 * clients that write every number as a float send it), 1.0 is the enum's
 * 1, and 2^53 + 1 is above a maximum of 2^53. */
START_TEST(test_numbers_compare_as_numbers)
{
	ck_assert_ptr_null(check("{\"id\":\"ord_1\",\"amount\":1,\"n\":3.0}"));
	ck_assert_ptr_null(check("{\"id\":\"ord_1\",\"amount\":1,\"n\":-2e2}"));
	ck_assert_str_eq(check("{\"id\":\"ord_1\",\"amount\":1,\"n\":2.5e-1}"), "payload.n");
	ck_assert_str_eq(check("{\"id\":\"ord_1\",\"amount\":1,\"n\":1e300}"), "payload.n");
	ck_assert_ptr_null(check("{\"id\":\"ord_1\",\"amount\":100.0}"));
	{
		json_object *s = json_tokener_parse("{\"enum\":[1,\"x\"]}");
		json_object *one = json_tokener_parse("1.0"), *two = json_tokener_parse("2");
		json_object *big = json_tokener_parse("{\"maximum\":9007199254740992}");
		json_object *over = json_tokener_parse("9007199254740993");

		ck_assert_int_eq(hl_schema_check(s), HL_OK);
		ck_assert_int_eq(hl_schema_validate(s, one), HL_OK);
		ck_assert_int_eq(hl_schema_validate(s, two), HL_ERR_UNPROCESSABLE);
		ck_assert_int_eq(hl_schema_validate(big, over), HL_ERR_UNPROCESSABLE);
		/* A double bound against an integer past 2^53: exactly too. */
		json_object_put(big);
		big = json_tokener_parse("{\"maximum\":9007199254740992.0}");
		ck_assert_int_eq(hl_schema_validate(big, over), HL_ERR_UNPROCESSABLE);
		json_object_put(s);
		json_object_put(one);
		json_object_put(two);
		json_object_put(big);
		json_object_put(over);
	}
}
END_TEST

/* enum members that are arrays or objects compare their numbers by value
 * too, as scalar members do: json-c's equality made [1.0] not [1]. */
START_TEST(test_enum_deep_equality)
{
	json_object *s = json_tokener_parse("{\"enum\":[[1,2],{\"a\":{\"b\":[3]}},"
		"9007199254740993,null]}");
	static const char *const ok[] = { "[1.0,2]", "[1,2.0]", "{\"a\":{\"b\":[3.0]}}",
		"9007199254740993", "null" };
	static const char *const no[] = { "[2,1]", "[1,2,3]", "[1.5,2]", "{\"a\":{\"b\":[\"3\"]}}",
		"{\"a\":{\"b\":[3]},\"c\":1}", "9007199254740992.0", "[]", "{}", "0" };
	size_t i;

	ck_assert_int_eq(hl_schema_check(s), HL_OK);
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		json_object *v = json_tokener_parse(ok[i]);

		ck_assert_msg(hl_schema_validate(s, v) == HL_OK, "%s is in the enum", ok[i]);
		json_object_put(v);
	}
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		json_object *v = json_tokener_parse(no[i]);

		ck_assert_msg(hl_schema_validate(s, v) == HL_ERR_UNPROCESSABLE, "%s is not", no[i]);
		json_object_put(v);
	}
	json_object_put(s);
}
END_TEST

START_TEST(test_schema_subset)
{
	ck_assert_str_eq(bad_schema("[]"), "schema");
	ck_assert_str_eq(bad_schema("{\"type\":\"strin\"}"), "schema.type");
	ck_assert_str_eq(bad_schema("{\"oneOf\":[]}"), "schema.oneOf");
	ck_assert_str_eq(bad_schema("{\"properties\":{\"a\":{\"format\":\"email\"}}}"),
		"schema.properties.a.format");
	ck_assert_str_eq(bad_schema("{\"pattern\":\"([\"}"), "schema.pattern");
	ck_assert_str_eq(bad_schema("{\"required\":[1]}"), "schema.required");
	ck_assert_str_eq(bad_schema("{\"items\":{\"type\":1}}"), "schema.items.type");
	ck_assert_str_eq(bad_schema("{\"enum\":[]}"), "schema.enum");
	ck_assert_str_eq(bad_schema("{\"properties\":{\"a\":{\"minimum\":\"1\"}}}"),
		"schema.properties.a.minimum");
	ck_assert_str_eq(bad_schema("{\"maximum\":null}"), "schema.maximum");
	ck_assert_str_eq(bad_schema("{\"maxLength\":-1}"), "schema.maxLength");
	ck_assert_str_eq(bad_schema("{\"minLength\":1.5}"), "schema.minLength");
}
END_TEST

/* Patterns that would hold a web worker for minutes or hours (a
 * backreference backtracks; counted repetitions expand into copies, nested
 * ones multiplied) are refused when the schema is stored; patterns of the
 * usual kinds, long alternations included, are taken. */
START_TEST(test_costly_patterns_refused)
{
	static const char *const refused[] = {
		"^((a|aa)*)*\\\\1\\\\1b$", "(x)\\\\9", "(a{1,100}){1,100}b",
		"^([a-z]{1,50}){1,50}b$", "((a{2}){30}){20}", "a{257}", "[a-z]{0,200}[0-9]{0,57}",
		"(a{1,10}b{1,10}){13}", NULL
	};
	static const char *const taken[] = {
		"^\\\\+[1-9][0-9]{1,14}$", "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
		"^ord_[0-9]+$", "^((a|aa)*)*b$", "a{256}", "[{]{5}", "([a-z]{2}){128}",
		"[]{1,2}]{10}", "[[:alpha:]]{3,}", "\\\\{1,900\\\\}", NULL
	};
	char text[256], *big;
	json_object *s, *payload;
	int i;

	for (i = 0; refused[i]; i++) {
		snprintf(text, sizeof(text), "{\"pattern\":\"%s\"}", refused[i]);
		ck_assert_msg(strcmp(bad_schema(text), "schema.pattern") == 0, "%s", refused[i]);
	}
	for (i = 0; taken[i]; i++) {
		snprintf(text, sizeof(text), "{\"pattern\":\"%s\"}", taken[i]);
		s = json_tokener_parse(text);
		ck_assert_msg(s != NULL, "%s", text);
		ck_assert_msg(hl_schema_check(s) == HL_OK, "%s: %s", taken[i], hl_errmsg());
		json_object_put(s);
	}
	/* A string past 64 KiB is not matched (refused), one at it is. */
	s = json_tokener_parse("{\"properties\":{\"v\":{\"pattern\":\"^a*$\"}}}");
	big = malloc(65538);
	ck_assert_ptr_nonnull(big);
	memset(big, 'a', 65537);
	big[65537] = '\0';
	payload = json_object_new_object();
	json_object_object_add(payload, "v", json_object_new_string(big));
	ck_assert_int_eq(hl_schema_validate(s, payload), HL_ERR_UNPROCESSABLE);
	ck_assert_str_eq(hl_errfield(), "payload.v");
	big[65536] = '\0';
	json_object_object_add(payload, "v", json_object_new_string(big));
	ck_assert_int_eq(hl_schema_validate(s, payload), HL_OK);
	json_object_put(payload);
	json_object_put(s);
	free(big);
	/* A schema stored before the check is refused when run, not run. */
	s = json_tokener_parse("{\"properties\":{\"v\":{\"pattern\":\"^(a)\\\\1$\"}}}");
	payload = json_tokener_parse("{\"v\":\"aa\"}");
	ck_assert_int_eq(hl_schema_validate(s, payload), HL_ERR_UNPROCESSABLE);
	ck_assert_ptr_nonnull(strstr(hl_errmsg(), "too costly"));
	json_object_put(payload);
	json_object_put(s);
}
END_TEST

static double
seconds(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* A pattern was compiled again for every string it checked: 10,000
 * strings against a pattern of 300 alternatives took about 7 s. Each
 * pattern is now compiled once per validation, and two patterns of one
 * schema stay apart. */
START_TEST(test_patterns_compiled_once_per_validation)
{
	char pattern[4096] = "^(", word[16];
	json_object *s, *p, *list, *items;
	double t0, t1;
	int i;

	for (i = 0; i < 300; i++) {
		snprintf(word, sizeof(word), "%sw%03d", i ? "|" : "", i);
		strcat(pattern, word);
	}
	strcat(pattern, ")$");
	s = json_tokener_parse("{\"type\":\"object\",\"properties\":{"
		"\"a\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
		"\"b\":{\"type\":\"array\",\"items\":{\"pattern\":\"^x+$\"}}}}");
	ck_assert_ptr_nonnull(s);
	items = json_object_object_get(json_object_object_get(
		json_object_object_get(s, "properties"), "a"), "items");
	ck_assert_ptr_nonnull(items);
	json_object_object_add(items, "pattern", json_object_new_string(pattern));
	ck_assert_int_eq(hl_schema_check(s), HL_OK);
	p = json_object_new_object();
	list = json_object_new_array();
	for (i = 0; i < 10000; i++) {
		snprintf(word, sizeof(word), "w%03d", i % 300);
		json_object_array_add(list, json_object_new_string(word));
	}
	json_object_object_add(p, "a", list);
	list = json_object_new_array();
	json_object_array_add(list, json_object_new_string("xx"));
	json_object_array_add(list, json_object_new_string("xxx"));
	json_object_object_add(p, "b", list);
	t0 = seconds();
	ck_assert_int_eq(hl_schema_validate(s, p), HL_OK);
	t1 = seconds();
	ck_assert_msg(t1 - t0 < 1.0, "10,000 strings took %.2f s", t1 - t0);
	/* The other pattern is its own: "w001" is not "^x+$", "xx" not w000..w299. */
	json_object_array_add(list, json_object_new_string("w001"));
	ck_assert_int_eq(hl_schema_validate(s, p), HL_ERR_UNPROCESSABLE);
	ck_assert_str_eq(hl_errfield(), "payload.b[2]");
	json_object_array_del_idx(list, 2, 1);
	json_object_array_add(json_object_object_get(p, "a"), json_object_new_string("xx"));
	ck_assert_int_eq(hl_schema_validate(s, p), HL_ERR_UNPROCESSABLE);
	ck_assert_str_eq(hl_errfield(), "payload.a[10000]");
	json_object_put(s);
	json_object_put(p);
}
END_TEST

static Suite *
schema_suite(void)
{
	Suite *s = suite_create("schema");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_valid);
	tcase_add_test(tc, test_costly_patterns_refused);
	tcase_add_test(tc, test_failures_name_path);
	tcase_add_test(tc, test_numbers_compare_as_numbers);
	tcase_add_test(tc, test_schema_subset);
	tcase_add_test(tc, test_enum_deep_equality);
	tcase_add_test(tc, test_patterns_compiled_once_per_validation);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return hl_check_run(schema_suite());
}
