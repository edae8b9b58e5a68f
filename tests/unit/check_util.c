/* check_util.c: unit tests for the shared helpers of hl_util: parsing
 * exactly one JSON value (hl_json_parse) the way request bodies, incoming
 * bodies and typed schemas are parsed; and the hex dump of hl_buf. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hl_buf.h"
#include "hl_publish.h"
#include "hl_util.h"
#include "check_main.h"

/* hl_json_parse over a C string; *why as it said. */
static json_object *
parse(const char *text, int strict, const char **why)
{
	return hl_json_parse(text, strlen(text), strict, why);
}

START_TEST(test_scalars_at_the_end_are_complete)
{
	static const char *const ok[] = { "123", "true", "false", "-0", "1.5", "\"x\"",
		"123 \n", " true\r\n", "{}", "[1, 2]", "{\"a\": {\"b\": [true]}}\t" };
	const char *why;
	size_t i;
	int strict;

	for (strict = 0; strict <= 1; strict++)
		for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
			json_object *o = parse(ok[i], strict, &why);

			ck_assert_msg(o != NULL, "%s (strict %d): %s", ok[i], strict, why);
			ck_assert_ptr_null(why);
			json_object_put(o);
		}
	{
		json_object *o = parse("123", 1, &why);

		ck_assert(json_object_is_type(o, json_type_int));
		ck_assert_int_eq(json_object_get_int(o), 123);
		json_object_put(o);
		o = parse("true", 1, &why);
		ck_assert(json_object_is_type(o, json_type_boolean) && json_object_get_boolean(o));
		json_object_put(o);
	}
}
END_TEST

START_TEST(test_null_is_a_value)
{
	const char *why = "unset";

	ck_assert_ptr_null(parse("null", 1, &why));
	ck_assert_ptr_null(why);
	why = "unset";
	ck_assert_ptr_null(parse(" null ", 0, &why));
	ck_assert_ptr_null(why);
}
END_TEST

START_TEST(test_what_is_not_one_value)
{
	const char *why;
	int strict;

	for (strict = 0; strict <= 1; strict++) {
		ck_assert_ptr_null(parse("", strict, &why));
		ck_assert_str_eq(why, "it is empty");
		ck_assert_ptr_null(parse(" \r\n", strict, &why));
		ck_assert_str_eq(why, "it is empty");
		ck_assert_ptr_null(parse("{\"a\": ", strict, &why));
		ck_assert_str_eq(why, "it ends early");
		ck_assert_ptr_null(parse("tru", strict, &why));
		ck_assert_str_eq(why, "it ends early");
		/* Text after the value: the lenient parser stops there, the
		 * strict one refuses it itself. */
		ck_assert_ptr_null(parse("{} x", strict, &why));
		ck_assert_str_eq(why, strict ? "unexpected character" : "text after the value");
		ck_assert_ptr_null(parse("123 4", strict, &why));
		ck_assert_ptr_nonnull(why);
		ck_assert_ptr_null(parse("[1] ]", strict, &why));
		ck_assert_ptr_nonnull(why);
		/* 33 levels: deeper than the limit. */
		ck_assert_ptr_null(parse("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
			strict, &why));
		ck_assert_str_eq(why, "nesting too deep");
	}
	/* What only the lenient parser takes. */
	ck_assert_ptr_null(parse("'a'", 1, &why));
	ck_assert_ptr_nonnull(why);
	ck_assert_ptr_null(parse("[1,]", 1, &why));
	ck_assert_ptr_nonnull(why);
}
END_TEST

START_TEST(test_depth)
{
	char text[80];
	const char *why;
	json_object *o;
	int d;

	/* json-c's depth 32 takes 31 arrays around a value, 31 takes 30. */
	for (d = 30; d <= 31; d++) {
		snprintf(text, sizeof(text), "%.*s1%.*s", d, "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
			d, "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]");
		o = hl_json_parse(text, strlen(text), 1, &why);
		ck_assert_ptr_nonnull(o);
		json_object_put(o);
		o = hl_json_parse_depth(text, strlen(text), 1, 31, &why);
		if (d == 30) {
			ck_assert_ptr_nonnull(o);
			json_object_put(o);
		} else {
			ck_assert_ptr_null(o);
			ck_assert_str_eq(why, "nesting too deep");
		}
	}
}
END_TEST

/* The limit is on containers: an empty one innermost is a level too,
 * which json-c's depth does not count (MariaDB's JSON_VALID does). */
START_TEST(test_depth_counts_empty_containers)
{
	char text[80];
	const char *why;
	json_object *o;
	int d, limit;

	for (limit = 31; limit <= 32; limit++)
		for (d = limit - 2; d <= limit; d++) {
			snprintf(text, sizeof(text), "%.*s%.*s", d,
				"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", d,
				"]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]");
			o = hl_json_parse_depth(text, strlen(text), 1, limit, &why);
			if (d < limit) {
				ck_assert_msg(o != NULL, "%d arrays at depth %d", d, limit);
				json_object_put(o);
			} else {
				ck_assert_ptr_null(o);
				ck_assert_str_eq(why, "nesting too deep");
			}
		}
	/* Objects count the same. */
	o = parse("{\"a\":{\"b\":{}}}", 1, &why);
	ck_assert_ptr_nonnull(o);
	ck_assert_ptr_null(hl_json_value_problem(o, 3));
	ck_assert_str_eq(hl_json_value_problem(o, 2), "nesting too deep");
	json_object_put(o);
}
END_TEST

/* What json-c takes but cannot keep as sent is refused: NaN and
 * Infinity (even strict), numbers past a double's range, and integers
 * it would clamp. What is kept exactly is taken. */
START_TEST(test_numbers_json_c_would_change)
{
	static const char *refused[] = {
		"[NaN]", "[Infinity]", "[-Infinity]", "{\"a\": 1e999}", "[-1e999]", "[1.0E400]",
		"[18446744073709551616]", "[-9223372036854775809]",
		"{\"n\": 123456789012345678901234567890}", "[1, 2, 99999999999999999999]", NULL
	};
	static const char *taken[] = {
		"[18446744073709551615]", "[-9223372036854775808]", "[9223372036854775808]",
		"[1e-999]", "[1.7976931348623157e308]", "[123456789012345678901234567890.5]",
		"[123456789012345678901234567890e0]", "[-0]",
		"[\"123456789012345678901234567890\"]",
		"{\"a\\\"99999999999999999999999\": \"\\\\\", \"b\": 1}",
		"{\"99999999999999999999999\": [true, false, null]}", NULL
	};
	const char *why;
	json_object *o;
	int i;

	for (i = 0; refused[i]; i++) {
		o = parse(refused[i], 1, &why);
		ck_assert_msg(o == NULL && why != NULL, "%s was taken", refused[i]);
	}
	ck_assert_ptr_null(parse("[NaN]", 0, &why));
	ck_assert_ptr_nonnull(strstr(why, "not finite"));
	ck_assert_ptr_null(parse("[18446744073709551616]", 1, &why));
	ck_assert_ptr_nonnull(strstr(why, "64-bit range"));
	for (i = 0; taken[i]; i++) {
		o = parse(taken[i], 1, &why);
		ck_assert_msg(o != NULL, "%s was refused: %s", taken[i], why ? why : "null");
		json_object_put(o);
	}
	/* Built in C, where no parser has looked. */
	o = json_object_new_array();
	json_object_array_add(o, json_object_new_double(NAN));
	ck_assert_ptr_nonnull(hl_json_value_problem(o, 31));
	json_object_put(o);
}
END_TEST

/* json-c keeps the last of a member name given twice: refused (strict),
 * however the name is spelled, at any depth; the same name in two
 * objects, or a colon inside a string, is no duplicate. */
START_TEST(test_duplicate_member_names)
{
	static const char *refused[] = {
		"{\"a\": 1, \"a\": 2}", "{\"a\": 1, \"\\u0061\": 2}", "{\"o\": {\"a\": 1, \"a\": 1}}",
		"{\"a\": {\"x\": 1, \"y\": 2}, \"a\": {\"z\": 3}}", "[1, {\"k\": [{\"b\": 0, \"b\": 0}]}]",
		"{\"a\": {}, \"b\": {\"c\": 1, \"d\": 2, \"c\": 3}}", NULL
	};
	static const char *taken[] = {
		"{}", "{\"a\": {\"b\": 1}, \"c\": {\"b\": 2}}", "[{\"a\": 1}, {\"a\": 1}]",
		"{\"x\": \"a:b\", \"y\": {\"k\": \":\"}, \"z\": \"{\\\":\\\"\"}", "{\"A\": 1, \"a\": 2}",
		"{\"a\": [{}, {\"a\": {\"a\": null}}], \"b\": []}", NULL
	};
	const char *why;
	json_object *o;
	int i;

	for (i = 0; refused[i]; i++) {
		o = parse(refused[i], 1, &why);
		ck_assert_msg(o == NULL && why && strstr(why, "same member name twice"),
			"%s was taken", refused[i]);
	}
	for (i = 0; taken[i]; i++) {
		o = parse(taken[i], 1, &why);
		ck_assert_msg(o != NULL, "%s was refused: %s", taken[i], why ? why : "null");
		json_object_put(o);
	}
}
END_TEST

/* json-c stores U+FFFD for half a surrogate pair: "\ud800" and "\udfff"
 * would read back as one value. Refused (strict); whole pairs, in either
 * case of hex, and an escaped backslash before a u are taken. */
START_TEST(test_lone_surrogates)
{
	static const char *refused[] = {
		"[\"\\ud800\"]", "[\"\\udfff\"]", "{\"\\uDBFF\": 1}", "[\"a\\ud83dx\"]",
		"[\"\\ud83d\\u0041\"]", "[\"\\ude00\\ud83d\"]", "[\"\\ud83d\\n\"]",
		"[\"\\ud83d\\ude00\\udc00\"]", NULL
	};
	static const char *taken[] = {
		"[\"\\ud83d\\ude00\"]", "[\"\\uD83D\\uDE00 \\u00e9\"]", "[\"\\\\ud800\"]",
		"{\"\\ud83d\\ude00\": \"\\ud800\\udc00\\uffff\"}", NULL
	};
	const char *why;
	json_object *o;
	int i;

	for (i = 0; refused[i]; i++) {
		o = parse(refused[i], 1, &why);
		ck_assert_msg(o == NULL && why && strstr(why, "surrogate"), "%s was taken",
			refused[i]);
	}
	for (i = 0; taken[i]; i++) {
		o = parse(taken[i], 1, &why);
		ck_assert_msg(o != NULL, "%s was refused: %s", taken[i], why ? why : "null");
		json_object_put(o);
	}
}
END_TEST

START_TEST(test_length_and_nul)
{
	const char *why;
	char text[8];

	/* The length must end at the terminating NUL. */
	memcpy(text, "123456", 7);
	ck_assert_ptr_null(hl_json_parse(text, 3, 1, &why));
	ck_assert_ptr_nonnull(why);
	/* A NUL inside is refused, not read as the end. */
	ck_assert_ptr_null(hl_json_parse("{}\0x", 4, 0, &why));
	ck_assert_str_eq(why, "it contains a NUL byte");
}
END_TEST

START_TEST(test_nul_in_json)
{
	json_object *o = json_object_new_object(), *a = json_object_new_array(), *out = NULL;
	const char *why;

	/* A string value holding a NUL, nested anywhere, is seen. */
	json_object_array_add(a, json_object_new_string("ok"));
	json_object_object_add(o, "list", a);
	ck_assert_int_eq(hl_json_has_nul(o), 0);
	json_object_array_add(a, json_object_new_string_len("a\0b", 3));
	ck_assert_int_eq(hl_json_has_nul(o), 1);
	/* Every publisher gets the check, not only the API: hl_publish
	 * refuses before it touches the database (none is passed). */
	ck_assert_int_eq(hl_publish(NULL, "acc_x", "sms.delivered", o, NULL, 0, &out), HL_ERR_INVALID);
	ck_assert_ptr_null(out);
	ck_assert_str_eq(hl_errfield(), "payload");
	ck_assert_ptr_nonnull(strstr(hl_errmsg(), "NUL"));
	json_object_put(o);
	/* Names only in the text: json-c cuts them at the NUL. */
	o = hl_json_parse("{\"a\\u0000b\": 1}", 15, 1, &why);
	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(hl_json_has_nul(o), 0);
	json_object_put(o);
	ck_assert_int_eq(hl_json_text_has_nul("{\"a\\u0000b\": 1}", 15), 1);
	ck_assert_int_eq(hl_json_text_has_nul("\"\\\\\\u0000\"", 10), 1);
	/* An escaped backslash before u0000 is text. */
	ck_assert_int_eq(hl_json_text_has_nul("\"\\\\u0000\"", 9), 0);
	ck_assert_int_eq(hl_json_text_has_nul("\"\\u000\"", 7), 0);
	ck_assert_int_eq(hl_json_text_has_nul("\"\\u0001\"", 8), 0);
}
END_TEST

START_TEST(test_text_equal)
{
	json_object *v = json_tokener_parse("{\"b\": [1, 2.5], \"a\": {\"x\": null}}");
	const char *why;
	char deep[300];
	int i;

	ck_assert_ptr_nonnull(v);
	/* By value: members in any order, 1.0 as 1. */
	ck_assert_int_eq(hl_json_text_equal("{\"a\":{\"x\":null},\"b\":[1.0,2.5]}", v), 1);
	ck_assert_int_eq(hl_json_text_equal("{\"a\":{\"x\":0},\"b\":[1,2.5]}", v), 0);
	ck_assert_int_eq(hl_json_text_equal("{\"a\":{\"x\":null},\"b\":[1,2.5],\"c\":1}", v), 0);
	/* Unreadable text is no match, not a crash. */
	ck_assert_int_eq(hl_json_text_equal("{\"a\":", v), 0);
	json_object_put(v);
	/* Deeper than json-c's default 32 levels, as publish may store. */
	for (i = 0; i < 100; i++)
		deep[i] = '[';
	deep[100] = '1';
	for (i = 0; i < 100; i++)
		deep[101 + i] = ']';
	deep[201] = '\0';
	v = hl_json_parse_depth(deep, strlen(deep), 1, 128, &why);
	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(hl_json_text_equal(deep, v), 1);
	json_object_put(v);
}
END_TEST

START_TEST(test_hexdump)
{
	struct hl_buf b;
	unsigned char all[256];
	size_t i;

	/* What hexdump -C writes, without its last line (the length). */
	hl_buf_init(&b, 4096);
	ck_assert_int_eq(hl_buf_hexdump(&b, "\xff\xfe\0binary", 9), HL_OK);
	ck_assert_str_eq(hl_buf_str(&b),
		"00000000  ff fe 00 62 69 6e 61 72  79                       |...binary|\n");
	hl_buf_reset(&b);
	ck_assert_int_eq(hl_buf_hexdump(&b, "", 0), HL_OK);
	ck_assert_str_eq(hl_buf_str(&b), "");
	/* Lines of 16, every byte that is not printable ASCII a '.'. */
	for (i = 0; i < sizeof(all); i++)
		all[i] = (unsigned char)i;
	ck_assert_int_eq(hl_buf_hexdump(&b, all, 17), HL_OK);
	ck_assert_str_eq(hl_buf_str(&b),
		"00000000  00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f  |................|\n"
		"00000010  10                                                |.|\n");
	hl_buf_reset(&b);
	ck_assert_int_eq(hl_buf_hexdump(&b, all, sizeof(all)), HL_OK);
	ck_assert_uint_eq(b.len, 16 * HL_BUF_HEXDUMP_LINE);
	ck_assert_ptr_nonnull(strstr(hl_buf_str(&b),
		"00000070  70 71 72 73 74 75 76 77  78 79 7a 7b 7c 7d 7e 7f  |pqrstuvwxyz{|}~.|\n"));
	/* The buffer's limit holds. */
	hl_buf_free(&b);
	hl_buf_init(&b, HL_BUF_HEXDUMP_LINE);
	ck_assert_int_eq(hl_buf_hexdump(&b, all, 17), HL_ERR_TOOLARGE);
	hl_buf_free(&b);
}
END_TEST

static Suite *
util_suite(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("json_parse");

	tcase_add_test(tc, test_scalars_at_the_end_are_complete);
	tcase_add_test(tc, test_null_is_a_value);
	tcase_add_test(tc, test_what_is_not_one_value);
	tcase_add_test(tc, test_depth);
	tcase_add_test(tc, test_depth_counts_empty_containers);
	tcase_add_test(tc, test_numbers_json_c_would_change);
	tcase_add_test(tc, test_duplicate_member_names);
	tcase_add_test(tc, test_lone_surrogates);
	tcase_add_test(tc, test_length_and_nul);
	tcase_add_test(tc, test_nul_in_json);
	tcase_add_test(tc, test_text_equal);
	tcase_add_test(tc, test_hexdump);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return hl_check_run(util_suite());
}
