/* check_retry.c: unit tests for hl_retry (schedule parsing, jittered
 * delays, Retry-After as seconds or HTTP date). */
#include <check.h>
#include <limits.h>
#include <stdlib.h>

#include <string.h>
#include "hl_deliveries.h"
#include "hl_retry.h"
#include "hl_sender.h"
#include "check_main.h"

START_TEST(test_parse_plain)
{
	long s[16];
	int n = -1;

	ck_assert_int_eq(hl_retry_parse("0,5,300,1800", s, 16, &n), 0);
	ck_assert_int_eq(n, 4);
	ck_assert_int_eq(s[0], 0);
	ck_assert_int_eq(s[1], 5);
	ck_assert_int_eq(s[2], 300);
	ck_assert_int_eq(s[3], 1800);
	ck_assert_int_eq(hl_retry_parse("42", s, 16, &n), 0);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(s[0], 42);
}
END_TEST

START_TEST(test_parse_suffixes)
{
	/* The Svix schedule as people write it. */
	static const long want[] = { 0, 5, 300, 1800, 7200, 18000, 36000, 36000 };
	long s[16];
	int n = -1, i;

	ck_assert_int_eq(hl_retry_parse("0,5s,5m,30m,2h,5h,10h,10h", s, 16, &n), 0);
	ck_assert_int_eq(n, 8);
	for (i = 0; i < 8; i++)
		ck_assert_int_eq(s[i], want[i]);
	ck_assert_int_eq(hl_retry_parse(" 0, 5s , 1d,\t2m ", s, 16, &n), 0);
	ck_assert_int_eq(n, 4);
	ck_assert_int_eq(s[1], 5);
	ck_assert_int_eq(s[2], 86400);
	ck_assert_int_eq(s[3], 120);
}
END_TEST

START_TEST(test_parse_bad)
{
	static const char *bad[] = {
		"", " ", ",", "0,", ",5", "0,,5", "5x", "5 m", "m", "-5", "+5",
		"5ms", "1.5h", "0x10", "abc", "5,garbage", "99999999999999999999",
		"400d", "1,2;3",
	};
	long s[16];
	int n, i;

	for (i = 0; i < (int)(sizeof(bad) / sizeof(bad[0])); i++) {
		n = -1;
		ck_assert_msg(hl_retry_parse(bad[i], s, 16, &n) == -1,
			"accepted \"%s\"", bad[i]);
		ck_assert_int_eq(n, 0);
	}
	ck_assert_int_eq(hl_retry_parse(NULL, s, 16, &n), -1);
	/* More entries than room. */
	ck_assert_int_eq(hl_retry_parse("1,2,3", s, 2, &n), -1);
	ck_assert_int_eq(hl_retry_parse("1,2", s, 2, &n), 0);
	ck_assert_int_eq(n, 2);
}
END_TEST

START_TEST(test_delay_no_jitter)
{
	static const long sched[] = { 0, 5, 300, 1800 };

	ck_assert_int_eq(hl_retry_delay(sched, 4, 1, 0, 12345), 0);
	ck_assert_int_eq(hl_retry_delay(sched, 4, 2, 0, 12345), 5);
	ck_assert_int_eq(hl_retry_delay(sched, 4, 3, 0, 0), 300);
	ck_assert_int_eq(hl_retry_delay(sched, 4, 4, 0, UINT_MAX), 1800);
}
END_TEST

START_TEST(test_delay_end_of_schedule)
{
	static const long sched[] = { 0, 5, 300 };

	ck_assert_int_eq(hl_retry_delay(sched, 3, 4, 20, 0), -1);
	ck_assert_int_eq(hl_retry_delay(sched, 3, 100, 20, 0), -1);
	ck_assert_int_eq(hl_retry_delay(sched, 3, 0, 20, 0), -1);
	ck_assert_int_eq(hl_retry_delay(sched, 0, 1, 20, 0), -1);
}
END_TEST

START_TEST(test_delay_jitter_bounds)
{
	static const long sched[] = { 0, 5, 300, 1800, 36000 };
	unsigned rnd = 2463534242u;
	long d, lo, hi, base;
	int i, step, seen_lo = 0, seen_hi = 0;

	for (step = 2; step <= 5; step++) {
		base = sched[step - 1];
		lo = base - base / 5 - 1;	/* rounding may add at most 0.5 */
		hi = base + base / 5 + 1;
		for (i = 0; i < 10000; i++) {
			/* xorshift32: a cheap spread of rnd values. */
			rnd ^= rnd << 13;
			rnd ^= rnd >> 17;
			rnd ^= rnd << 5;
			d = hl_retry_delay(sched, 5, step, 20, rnd);
			ck_assert_msg(d >= lo && d <= hi, "step %d rnd %u -> %ld",
				step, rnd, d);
			if (step == 5 && d < 36000 - 6000 + 600)
				seen_lo = 1;
			if (step == 5 && d > 36000 + 6000 - 600)
				seen_hi = 1;
		}
	}
	/* The jitter actually spreads over most of the range. */
	ck_assert(seen_lo && seen_hi);
	/* The extremes of rnd hit the extremes of the range exactly. */
	ck_assert_int_eq(hl_retry_delay(sched, 5, 3, 20, 0), 240);
	ck_assert_int_eq(hl_retry_delay(sched, 5, 3, 20, UINT_MAX), 360);
	ck_assert_int_eq(hl_retry_delay(sched, 5, 3, 20, UINT_MAX / 2), 300);
	/* Zero stays zero whatever the jitter. */
	ck_assert_int_eq(hl_retry_delay(sched, 5, 1, 20, UINT_MAX), 0);
	ck_assert_int_eq(hl_retry_delay(sched, 5, 1, 100, 0), 0);
	/* Never negative, even at 100 %. */
	ck_assert_int_eq(hl_retry_delay(sched, 5, 2, 100, 0), 0);
	ck_assert_int_eq(hl_retry_delay(sched, 5, 2, 100, UINT_MAX), 10);
}
END_TEST

/* An attempt's message cut to its buffer inside a character is still
 * UTF-8: one bad byte made MariaDB refuse the whole batch of attempts. */
START_TEST(test_unsent_message_cut_inside_a_character)
{
	struct hl_job job;
	struct hl_attempt a;
	char msg[400];
	size_t cap = sizeof(a.error_message), i;

	memset(&job, 0, sizeof(job));
	memset(msg, 'x', cap - 2);
	strcpy(msg + cap - 2, "\xc3\xa9 and more");   /* "é" across the last byte */
	hl_send_unsent(&job, "auth", msg, &a);
	ck_assert_uint_eq(strlen(a.error_message), cap - 1);
	for (i = 0; i < cap - 2; i++)
		ck_assert_int_eq(a.error_message[i], 'x');
	ck_assert_int_eq(a.error_message[cap - 2], '?');
	free(a.request_headers);
}
END_TEST

/* A delivery claimed again after its lease expired, its first attempt
 * still waiting to be recorded: the batch ends before the repeat. */
START_TEST(test_record_span_stops_before_a_delivery_repeated)
{
	struct hl_job jobs[4];
	struct hl_attempt a[4];
	const char *ids[4] = { "dlv_a", "dlv_b", "dlv_a", "dlv_c" };
	int i;

	memset(jobs, 0, sizeof(jobs));
	memset(a, 0, sizeof(a));
	for (i = 0; i < 4; i++) {
		strcpy(jobs[i].delivery_id, ids[i]);
		a[i].job = &jobs[i];
	}
	ck_assert_int_eq(hl_dq_record_span(a, 4), 2);
	ck_assert_int_eq(hl_dq_record_span(a + 2, 2), 2);
	ck_assert_int_eq(hl_dq_record_span(a, 2), 2);
	ck_assert_int_eq(hl_dq_record_span(a, 1), 1);
	ck_assert_int_eq(hl_dq_record_span(a, 0), 0);
}
END_TEST

START_TEST(test_retry_after_delta)
{
	ck_assert_int_eq(hl_retry_after_parse("120", 1000, 1, 3600), 120);
	ck_assert_int_eq(hl_retry_after_parse(" 120 ", 1000, 1, 3600), 120);
	ck_assert_int_eq(hl_retry_after_parse("0", 1000, 5, 3600), 5);
	ck_assert_int_eq(hl_retry_after_parse("0", 1000, 0, 3600), 0);
	ck_assert_int_eq(hl_retry_after_parse("86400", 1000, 60, 3600), 3600);
	ck_assert_int_eq(hl_retry_after_parse("99999999999999999999999", 1000,
		60, 3600), 3600);
}
END_TEST

START_TEST(test_retry_after_date)
{
	/* 1994-11-06 08:49:37 UTC is 784111777. */
	const long t = 784111777L;

	ck_assert_int_eq(hl_retry_after_parse("Sun, 06 Nov 1994 08:49:37 GMT",
		t - 300, 1, 3600), 300);
	ck_assert_int_eq(hl_retry_after_parse("Sun, 06 Nov 1994 08:49:37 GMT",
		t - 86400, 1, 3600), 3600);
	/* In the past: as soon as allowed. */
	ck_assert_int_eq(hl_retry_after_parse("Sun, 06 Nov 1994 08:49:37 GMT",
		t + 10, 30, 3600), 30);
	/* Leap day and a year boundary; 2024-02-29 00:00:00 is 1709164800. */
	ck_assert_int_eq(hl_retry_after_parse("Thu, 29 Feb 2024 00:00:00 GMT",
		1709164800L - 90, 0, 3600), 90);
	ck_assert_int_eq(hl_retry_after_parse("Wed, 01 Jan 2025 00:00:10 GMT",
		1735689600L, 0, 3600), 10);
}
END_TEST

START_TEST(test_retry_after_garbage)
{
	static const char *bad[] = {
		"", "   ", "soon", "-5", "+5", "1.5", "12abc", "0x10",
		"Sun, 06 Nov 1994 08:49:37 UTC",
		"Sun, 06 Nov 1994 08:49:37",
		"Sunday, 06-Nov-94 08:49:37 GMT",     /* obsolete RFC 850 form */
		"Sun Nov  6 08:49:37 1994",           /* obsolete asctime form */
		"Sun, 6 Nov 1994 08:49:37 GMT",
		"Sun, 06 Foo 1994 08:49:37 GMT",
		"Xyz, 06 Nov 1994 08:49:37 GMT",
		"Sun, 32 Jan 1994 08:49:37 GMT",
		"Sun, 29 Feb 2023 08:49:37 GMT",
		"Sun, 06 Nov 1994 24:00:00 GMT",
		"Sun, 06 Nov 1994 08:60:00 GMT",
		"Sun, 06 Nov 1994 08:49:61 GMT",
		"Sun, 06 Nov 1994 08:49:37 GMT extra",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(hl_retry_after_parse(bad[i], 0, 1, 3600) == -1,
			"accepted \"%s\"", bad[i]);
	ck_assert_int_eq(hl_retry_after_parse(NULL, 0, 1, 3600), -1);
}
END_TEST

static Suite *retry_suite(void)
{
	Suite *s = suite_create("retry");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_parse_plain);
	tcase_add_test(tc, test_parse_suffixes);
	tcase_add_test(tc, test_parse_bad);
	tcase_add_test(tc, test_delay_no_jitter);
	tcase_add_test(tc, test_delay_end_of_schedule);
	tcase_add_test(tc, test_delay_jitter_bounds);
	tcase_add_test(tc, test_unsent_message_cut_inside_a_character);
	tcase_add_test(tc, test_record_span_stops_before_a_delivery_repeated);
	tcase_add_test(tc, test_retry_after_delta);
	tcase_add_test(tc, test_retry_after_date);
	tcase_add_test(tc, test_retry_after_garbage);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return hl_check_run(retry_suite());
}
