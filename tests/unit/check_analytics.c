/* check_analytics.c: the latency histogram behind the analytics'
 * percentiles (the SQL twin of hl_latency_bucket is checked against the
 * same expectations by tests/system/test_analytics_scale.py). */
#include <check.h>
#include <stdlib.h>
#include "hl_analytics.h"
#include "hl_util.h"
#include "check_main.h"

START_TEST(test_buckets_exact_below_64_ms)
{
	long long ms;

	for (ms = 0; ms < 64; ms++) {
		ck_assert_int_eq(hl_latency_bucket(ms), (int)ms);
		ck_assert_int_eq(hl_latency_bucket_max((int)ms), ms);
	}
	ck_assert_int_eq(hl_latency_bucket(-5), 0);
	ck_assert_int_eq(hl_latency_bucket(64), 64);
	ck_assert_int_eq(hl_latency_bucket(67), 64);
	ck_assert_int_eq(hl_latency_bucket(68), 65);
	ck_assert_int_eq(hl_latency_bucket(127), 79);
	ck_assert_int_eq(hl_latency_bucket(128), 80);
	ck_assert_int_eq(hl_latency_bucket_max(64), 67);
	ck_assert_int_eq(hl_latency_bucket_max(79), 127);
}
END_TEST

START_TEST(test_bucket_bounds_hold_for_every_duration)
{
	long long ms, max;
	int b, prev = 0;

	/* Every duration to 100 s, then steps of about 1 % to 2^31 ms. */
	for (ms = 0; ms < 0x7fffffffLL; ms += ms < 100000 ? 1 : ms / 97) {
		b = hl_latency_bucket(ms);
		ck_assert_int_ge(b, prev);
		if (ms < 100000)
			ck_assert_int_le(b, prev + 1);
		ck_assert_int_lt(b, HL_LATENCY_BUCKETS);
		max = hl_latency_bucket_max(b);
		/* The bucket holds ms and is at most 1/16 of ms wide. */
		ck_assert(max >= ms);
		ck_assert(max - ms <= ms / 16);
		prev = b;
	}
	ck_assert_int_eq(hl_latency_bucket(0x7fffffffLL), HL_LATENCY_BUCKETS - 1);
	ck_assert_int_eq(hl_latency_bucket(1LL << 40), HL_LATENCY_BUCKETS - 1);
	ck_assert(hl_latency_bucket_max(HL_LATENCY_BUCKETS - 1) == 0x7fffffffLL);
	for (b = 0; b < HL_LATENCY_BUCKETS; b++)
		ck_assert_int_eq(hl_latency_bucket(hl_latency_bucket_max(b)), b);
}
END_TEST

START_TEST(test_percentiles_by_nearest_rank)
{
	long long *hist = calloc(HL_LATENCY_BUCKETS, sizeof(*hist));
	long long ms;

	ck_assert_ptr_nonnull(hist);
	ck_assert(hl_latency_percentile(hist, 0, 50) == -1);
	/* 1..20 ms once each: nearest rank p50 = 10th, p95 = 19th, p99 = 20th. */
	for (ms = 1; ms <= 20; ms++)
		hist[hl_latency_bucket(ms)]++;
	ck_assert(hl_latency_percentile(hist, 20, 50) == 10);
	ck_assert(hl_latency_percentile(hist, 20, 95) == 19);
	ck_assert(hl_latency_percentile(hist, 20, 99) == 20);
	ck_assert(hl_latency_percentile(hist, 20, 0) == 1);
	/* One slow outlier: the top of its bucket. */
	hist[hl_latency_bucket(1000)]++;
	ck_assert(hl_latency_percentile(hist, 21, 99) == 1023);
	ck_assert(hl_latency_percentile(hist, 21, 50) == 11);
	free(hist);
}
END_TEST

/* The edges of a range (hl_time_to_sql, the API's and the page's parser):
 * a day the month does not have is refused, not moved into the next
 * month. */
START_TEST(test_range_edges_are_real_days)
{
	char out[32];

	ck_assert_int_eq(hl_time_to_sql("2024-02-29T00:00:00Z", "since", out), HL_OK);
	ck_assert_str_eq(out, "2024-02-29 00:00:00");
	ck_assert_int_eq(hl_time_to_sql("2000-02-29", "since", out), HL_OK);
	ck_assert_int_eq(hl_time_to_sql("2026-12-31T23:59:59Z", "until", out), HL_OK);
	ck_assert_int_eq(hl_time_to_sql("2026-04-30T10:00", "until", out), HL_OK);
	ck_assert_str_eq(out, "2026-04-30 10:00:00");
	ck_assert_int_eq(hl_time_to_sql("2026-02-29T00:00:00Z", "since", out), HL_ERR_INVALID);
	ck_assert_int_eq(hl_time_to_sql("2026-02-31T00:00:00Z", "until", out), HL_ERR_INVALID);
	ck_assert_str_eq(hl_errfield(), "until");
	ck_assert_int_eq(hl_time_to_sql("1900-02-29", "since", out), HL_ERR_INVALID);
	ck_assert_int_eq(hl_time_to_sql("2026-04-31", "since", out), HL_ERR_INVALID);
	ck_assert_int_eq(hl_time_to_sql("2026-11-31T00:00", "since", out), HL_ERR_INVALID);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("analytics");
	TCase *tc = tcase_create("latency");

	tcase_add_test(tc, test_buckets_exact_below_64_ms);
	tcase_add_test(tc, test_bucket_bounds_hold_for_every_duration);
	tcase_add_test(tc, test_percentiles_by_nearest_rank);
	tcase_add_test(tc, test_range_edges_are_real_days);
	suite_add_tcase(s, tc);
	return hl_check_run(s);
}
