/* check_filter.c: unit tests for hl_filter (validation with the field
 * that is wrong, and every operator's semantics). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hl_filter.h"
#include "check_main.h"

static int
m(const char *filter, const char *type, const char *payload)
{
	json_object *f = json_tokener_parse(filter), *p = json_tokener_parse(payload);
	int r;

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(hl_filter_validate(f), HL_OK);
	r = hl_filter_match(f, type, p);
	json_object_put(f);
	json_object_put(p);
	return r;
}

static const char *
bad(const char *filter)
{
	json_object *f = json_tokener_parse(filter);
	hl_err rc;

	ck_assert_ptr_nonnull(f);
	rc = hl_filter_validate(f);
	json_object_put(f);
	ck_assert_int_eq(rc, HL_ERR_INVALID);
	return hl_errfield();
}

START_TEST(test_eq_neq_paths)
{
	const char *p = "{\"country\":\"US\",\"customer\":{\"tier\":\"gold\"},\"items\":[{\"sku\":\"a1\"}]}";

	ck_assert(m("{\"path\":\"country\",\"op\":\"eq\",\"value\":\"US\"}", "t.x", p));
	ck_assert(m("{\"path\":\"$.data.country\",\"op\":\"eq\",\"value\":\"US\"}", "t.x", p));
	ck_assert(!m("{\"path\":\"country\",\"op\":\"eq\",\"value\":\"FR\"}", "t.x", p));
	ck_assert(m("{\"path\":\"customer.tier\",\"op\":\"eq\",\"value\":\"gold\"}", "t.x", p));
	ck_assert(m("{\"path\":\"items.0.sku\",\"op\":\"eq\",\"value\":\"a1\"}", "t.x", p));
	ck_assert(!m("{\"path\":\"items.1.sku\",\"op\":\"eq\",\"value\":\"a1\"}", "t.x", p));
	ck_assert(m("{\"path\":\"$.type\",\"op\":\"eq\",\"value\":\"t.x\"}", "t.x", p));
	ck_assert(m("{\"path\":\"country\",\"op\":\"neq\",\"value\":\"FR\"}", "t.x", p));
	/* Missing fields: neq and nin hold, eq does not. */
	ck_assert(m("{\"path\":\"missing\",\"op\":\"neq\",\"value\":1}", "t.x", p));
	ck_assert(!m("{\"path\":\"missing\",\"op\":\"eq\",\"value\":null}", "t.x", p));
	ck_assert(m("{\"path\":\"customer\",\"op\":\"eq\",\"value\":{\"tier\":\"gold\"}}", "t.x", p));
}
END_TEST

START_TEST(test_numbers_and_strings)
{
	const char *p = "{\"amount\":100,\"rate\":0.5,\"name\":\"bob\"}";

	ck_assert(m("{\"path\":\"amount\",\"op\":\"gt\",\"value\":99}", "t.x", p));
	ck_assert(!m("{\"path\":\"amount\",\"op\":\"gt\",\"value\":100}", "t.x", p));
	ck_assert(m("{\"path\":\"amount\",\"op\":\"gte\",\"value\":100}", "t.x", p));
	ck_assert(m("{\"path\":\"amount\",\"op\":\"lt\",\"value\":100.5}", "t.x", p));
	ck_assert(m("{\"path\":\"rate\",\"op\":\"lte\",\"value\":0.5}", "t.x", p));
	ck_assert(m("{\"path\":\"amount\",\"op\":\"eq\",\"value\":100.0}", "t.x", p));
	/* No coercion between strings and numbers. */
	ck_assert(!m("{\"path\":\"name\",\"op\":\"gt\",\"value\":1}", "t.x", p));
	ck_assert(!m("{\"path\":\"amount\",\"op\":\"eq\",\"value\":\"100\"}", "t.x", p));
	ck_assert(m("{\"path\":\"name\",\"op\":\"gt\",\"value\":\"alice\"}", "t.x", p));
	ck_assert(m("{\"path\":\"name\",\"op\":\"startsWith\",\"value\":\"bo\"}", "t.x", p));
	ck_assert(m("{\"path\":\"name\",\"op\":\"endsWith\",\"value\":\"ob\"}", "t.x", p));
	ck_assert(!m("{\"path\":\"name\",\"op\":\"endsWith\",\"value\":\"bobby\"}", "t.x", p));
	ck_assert(!m("{\"path\":\"amount\",\"op\":\"startsWith\",\"value\":\"1\"}", "t.x", p));
}
END_TEST

/* Integers against doubles exactly: a double cast of an integer past
 * 2^53 rounds (9007199254740993 read as 9007199254740992.0). */
START_TEST(test_integers_and_doubles_order_exactly)
{
	const char *p = "{\"big\":9007199254740993,\"neg\":-9007199254740993,"
		"\"huge\":18446744073709551615,\"max\":9223372036854775807,\"x\":2.5}";

	ck_assert(m("{\"path\":\"big\",\"op\":\"gt\",\"value\":9007199254740992.0}", "t.x", p));
	ck_assert(!m("{\"path\":\"big\",\"op\":\"eq\",\"value\":9007199254740992.0}", "t.x", p));
	ck_assert(m("{\"path\":\"big\",\"op\":\"lt\",\"value\":9007199254740994.0}", "t.x", p));
	ck_assert(m("{\"path\":\"neg\",\"op\":\"lt\",\"value\":-9007199254740992.0}", "t.x", p));
	ck_assert(!m("{\"path\":\"neg\",\"op\":\"gte\",\"value\":-9007199254740992.0}", "t.x", p));
	/* Above INT64_MAX (json-c keeps those unsigned). */
	ck_assert(m("{\"path\":\"huge\",\"op\":\"gt\",\"value\":9223372036854775807}", "t.x", p));
	ck_assert(m("{\"path\":\"max\",\"op\":\"lt\",\"value\":18446744073709551615}", "t.x", p));
	ck_assert(m("{\"path\":\"huge\",\"op\":\"lt\",\"value\":1e20}", "t.x", p));
	ck_assert(m("{\"path\":\"max\",\"op\":\"lt\",\"value\":9223372036854775808.0}", "t.x", p));
	ck_assert(m("{\"path\":\"max\",\"op\":\"gt\",\"value\":-1e300}", "t.x", p));
	/* A fraction between two integers. */
	ck_assert(m("{\"path\":\"x\",\"op\":\"gt\",\"value\":2}", "t.x", p));
	ck_assert(m("{\"path\":\"x\",\"op\":\"lt\",\"value\":3}", "t.x", p));
}
END_TEST

START_TEST(test_in_exists_groups)
{
	const char *p = "{\"status\":\"sent\",\"n\":3,\"tags\":null}";

	ck_assert(m("{\"path\":\"status\",\"op\":\"in\",\"value\":[\"sent\",\"queued\"]}", "t.x", p));
	ck_assert(!m("{\"path\":\"status\",\"op\":\"nin\",\"value\":[\"sent\"]}", "t.x", p));
	ck_assert(m("{\"path\":\"n\",\"op\":\"in\",\"value\":[1,3.0]}", "t.x", p));
	ck_assert(m("{\"path\":\"tags\",\"op\":\"exists\"}", "t.x", p));
	ck_assert(m("{\"path\":\"nope\",\"op\":\"exists\",\"value\":false}", "t.x", p));
	ck_assert(!m("{\"path\":\"nope\",\"op\":\"exists\",\"value\":true}", "t.x", p));
	ck_assert(m("{\"and\":[{\"path\":\"n\",\"op\":\"gt\",\"value\":1},"
		"{\"or\":[{\"path\":\"status\",\"op\":\"eq\",\"value\":\"x\"},"
		"{\"path\":\"status\",\"op\":\"eq\",\"value\":\"sent\"}]}]}", "t.x", p));
	ck_assert(!m("{\"and\":[{\"path\":\"n\",\"op\":\"gt\",\"value\":5},"
		"{\"path\":\"status\",\"op\":\"eq\",\"value\":\"sent\"}]}", "t.x", p));
	ck_assert_int_eq(hl_filter_match(NULL, "t.x", NULL), 1);
}
END_TEST

/* eq/neq/in of arrays and objects compare numbers by value at any depth,
 * as scalars do: [1, 2] is [1.0, 2.0], {"n": 1} is {"n": 1.0}. Before,
 * json-c's equality made those differ (and neq held). */
START_TEST(test_deep_equality_numbers_by_value)
{
	const char *p = "{\"pair\":[1,2],\"obj\":{\"n\":1,\"m\":[2.5,{\"k\":3}]},\"big\":9007199254740993}";

	ck_assert(m("{\"path\":\"pair\",\"op\":\"eq\",\"value\":[1.0,2.0]}", "t.x", p));
	ck_assert(!m("{\"path\":\"pair\",\"op\":\"neq\",\"value\":[1.0,2.0]}", "t.x", p));
	ck_assert(!m("{\"path\":\"pair\",\"op\":\"eq\",\"value\":[2.0,1.0]}", "t.x", p));
	ck_assert(!m("{\"path\":\"pair\",\"op\":\"eq\",\"value\":[1,2,3]}", "t.x", p));
	ck_assert(!m("{\"path\":\"pair\",\"op\":\"eq\",\"value\":[1.5,2]}", "t.x", p));
	ck_assert(m("{\"path\":\"obj\",\"op\":\"eq\",\"value\":{\"m\":[2.5,{\"k\":3.0}],\"n\":1.0}}",
		"t.x", p));
	ck_assert(!m("{\"path\":\"obj\",\"op\":\"eq\",\"value\":{\"m\":[2.5,{\"k\":3}],\"n\":1,"
		"\"x\":null}}", "t.x", p));
	ck_assert(!m("{\"path\":\"obj\",\"op\":\"eq\",\"value\":{\"m\":[2.5,{\"k\":\"3\"}],\"n\":1}}",
		"t.x", p));
	ck_assert(m("{\"path\":\"pair\",\"op\":\"in\",\"value\":[[3],[1.0,2]]}", "t.x", p));
	ck_assert(!m("{\"path\":\"pair\",\"op\":\"nin\",\"value\":[[3],[1.0,2]]}", "t.x", p));
	/* Integers exactly: 2^53 + 1 is not the double 2^53. */
	ck_assert(m("{\"path\":\"big\",\"op\":\"eq\",\"value\":9007199254740993}", "t.x", p));
	ck_assert(!m("{\"path\":\"big\",\"op\":\"eq\",\"value\":9007199254740992.0}", "t.x", p));
	ck_assert(!m("{\"path\":\"big\",\"op\":\"eq\",\"value\":[9007199254740993]}", "t.x", p));
}
END_TEST

START_TEST(test_validation_names_field)
{
	ck_assert_str_eq(bad("[]"), "filter");
	ck_assert_str_eq(bad("{\"path\":\"a\",\"op\":\"like\",\"value\":1}"), "filter.op");
	ck_assert_str_eq(bad("{\"path\":\"a..b\",\"op\":\"eq\",\"value\":1}"), "filter.path");
	ck_assert_str_eq(bad("{\"op\":\"eq\",\"value\":1}"), "filter.path");
	ck_assert_str_eq(bad("{\"path\":\"a\",\"op\":\"eq\"}"), "filter.value");
	ck_assert_str_eq(bad("{\"path\":\"a\",\"op\":\"in\",\"value\":1}"), "filter.value");
	ck_assert_str_eq(bad("{\"path\":\"a\",\"op\":\"gt\",\"value\":true}"), "filter.value");
	ck_assert_str_eq(bad("{\"path\":\"a\",\"op\":\"eq\",\"value\":1,\"x\":2}"), "filter.x");
	ck_assert_str_eq(bad("{\"and\":[]}"), "filter");
	ck_assert_str_eq(bad("{\"or\":[{\"path\":\"a\",\"op\":\"eq\",\"value\":1},{\"path\":1}]}"),
		"filter.or[1].path");
}
END_TEST

START_TEST(test_limits)
{
	char deep[2048] = "";
	int i;

	for (i = 0; i < 10; i++)
		strncat(deep, "{\"and\":[", sizeof(deep) - strlen(deep) - 1);
	strncat(deep, "{\"path\":\"a\",\"op\":\"exists\"}", sizeof(deep) - strlen(deep) - 1);
	for (i = 0; i < 10; i++)
		strncat(deep, "]}", sizeof(deep) - strlen(deep) - 1);
	ck_assert_ptr_nonnull(bad(deep));
}
END_TEST

/* The whole filter's compact text, as stored: 32768 bytes are taken, one
 * more is refused on "filter" (one long value, within every rule limit). */
START_TEST(test_text_limit)
{
	const char *head = "{\"path\":\"a\",\"op\":\"eq\",\"value\":\"", *tail = "\"}";
	size_t hn = strlen(head), tn = strlen(tail), fill = 32768 - hn - tn;
	char *text = malloc(32768 + 2);
	json_object *f;

	ck_assert_ptr_nonnull(text);
	memcpy(text, head, hn);
	memset(text + hn, 'A', fill);
	memcpy(text + hn + fill, tail, tn + 1);
	ck_assert_uint_eq(strlen(text), 32768);
	f = json_tokener_parse(text);
	ck_assert_int_eq(hl_filter_validate(f), HL_OK);
	json_object_put(f);
	/* One more A. */
	memmove(text + hn + 1, text + hn, fill + tn + 1);
	ck_assert_str_eq(bad(text), "filter");
	free(text);
}
END_TEST

/* At the deepest level allowed the field still names the rule whole
 * (it was cut at 63 bytes: "filter.and[5]...and[5].o"). */
START_TEST(test_deep_field_is_whole)
{
	char f[4096] = "", want[256] = "filter";
	int i;

	for (i = 0; i < 8; i++) {
		/* Each level is the 6th member of an "and". */
		const char *g = "and";
		int k;

		snprintf(f + strlen(f), sizeof(f) - strlen(f), "{\"%s\":[", g);
		for (k = 0; k < 5; k++)
			strncat(f, "{\"path\":\"a\",\"op\":\"exists\"},", sizeof(f) - strlen(f) - 1);
		snprintf(want + strlen(want), sizeof(want) - strlen(want), ".%s[5]", g);
	}
	strncat(f, "{\"path\":\"a\",\"op\":\"like\"}", sizeof(f) - strlen(f) - 1);
	for (i = 0; i < 8; i++)
		strncat(f, "]}", sizeof(f) - strlen(f) - 1);
	strncat(want, ".op", sizeof(want) - strlen(want) - 1);
	ck_assert_str_eq(bad(f), want);
}
END_TEST

static Suite *
filter_suite(void)
{
	Suite *s = suite_create("filter");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_eq_neq_paths);
	tcase_add_test(tc, test_numbers_and_strings);
	tcase_add_test(tc, test_integers_and_doubles_order_exactly);
	tcase_add_test(tc, test_in_exists_groups);
	tcase_add_test(tc, test_deep_equality_numbers_by_value);
	tcase_add_test(tc, test_validation_names_field);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_text_limit);
	tcase_add_test(tc, test_deep_field_is_whole);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return hl_check_run(filter_suite());
}
