/* check_analytics.c: the latency histogram behind the analytics'
 * percentiles (the SQL twin of hl_latency_bucket is checked against the
 * same expectations by tests/system/test_analytics_scale.py). */
#include <check.h>
#include <stdlib.h>
#include <string.h>
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

	/* Every duration to 100 s, then steps of about 1 % to 2^31 ms. Check
	 * calls a function for every ck_assert, failing or not: 500,000 of
	 * them under the sanitizers, on a machine busy with the system
	 * tests, outran its 4 s timeout. Only a failure calls it here. */
	for (ms = 0; ms < 0x7fffffffLL; ms += ms < 100000 ? 1 : ms / 97) {
		b = hl_latency_bucket(ms);
		max = b >= 0 && b < HL_LATENCY_BUCKETS ? hl_latency_bucket_max(b) : -1;
		/* In order, one bucket at a time below 100 s; the bucket holds
		 * ms and is at most 1/16 of ms wide. */
		if (b < prev || (ms < 100000 && b > prev + 1) || b >= HL_LATENCY_BUCKETS ||
		    max < ms || max - ms > ms / 16)
			ck_abort_msg("%lld ms: bucket %d (after %d) up to %lld ms", ms, b, prev, max);
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

	ck_assert_int_eq(hl_time_to_sql("2024-02-29T00:00:00Z", "since", HL_TIME_NAIVE_UTC, out),
		HL_OK);
	ck_assert_str_eq(out, "2024-02-29 00:00:00");
	ck_assert_int_eq(hl_time_to_sql("2000-02-29", "since", HL_TIME_NAIVE_UTC, out), HL_OK);
	ck_assert_int_eq(hl_time_to_sql("2026-12-31T23:59:59Z", "until", HL_TIME_NAIVE_UTC, out), HL_OK);
	ck_assert_int_eq(hl_time_to_sql("2026-04-30T10:00", "until", HL_TIME_NAIVE_UTC, out), HL_OK);
	ck_assert_str_eq(out, "2026-04-30 10:00:00");
	ck_assert_int_eq(hl_time_to_sql("2026-02-29T00:00:00Z", "since", HL_TIME_NAIVE_UTC, out), HL_ERR_INVALID);
	ck_assert_int_eq(hl_time_to_sql("2026-02-31T00:00:00Z", "until", HL_TIME_NAIVE_UTC, out), HL_ERR_INVALID);
	ck_assert_str_eq(hl_errfield(), "until");
	ck_assert_int_eq(hl_time_to_sql("1900-02-29", "since", HL_TIME_NAIVE_UTC, out), HL_ERR_INVALID);
	ck_assert_int_eq(hl_time_to_sql("2026-04-31", "since", HL_TIME_NAIVE_UTC, out), HL_ERR_INVALID);
	ck_assert_int_eq(hl_time_to_sql("2026-11-31T00:00", "since", HL_TIME_NAIVE_UTC, out), HL_ERR_INVALID);
}
END_TEST

/* The API's times name their zone (RFC 3339): one without was read as
 * UTC, so a client in another zone got a range hours off. Offsets are
 * applied, across a day, a month and a leap day. */
START_TEST(test_api_times_need_a_zone)
{
	static const struct { const char *in, *want; } ok[] = {
		{ "2026-12-02T10:00:00Z", "2026-12-02 10:00:00" },
		{ "2026-12-02t10:00:00z", "2026-12-02 10:00:00" },
		{ "2026-12-02T10:00:00+02:00", "2026-12-02 08:00:00" },
		{ "2026-12-02T10:00:00.123456-05:30", "2026-12-02 15:30:00" },
		{ "2026-12-02 01:00+02:00", "2026-12-01 23:00:00" },
		{ "2024-03-01T00:30:00+01:00", "2024-02-29 23:30:00" },
		{ "2026-12-31T23:00:00-01:00", "2027-01-01 00:00:00" },
		{ "2026-12-02T10:00:00-00:00", "2026-12-02 10:00:00" },
	};
	static const char *const bad[] = {
		"2026-12-02T10:00:00", "2026-12-02T10:00", "2026-12-02", "2026-12-02Z",
		"2026-12-02T10:00:00+0200", "2026-12-02T10:00:00+02", "2026-12-02T10:00:00+24:00",
		"2026-12-02T10:00:00+02:60", "2026-12-02T10:00:00.Z", "2026-12-02T 1:00:00Z",
		"2026-12-02T10:00:00Z ", "1970-01-01T00:30:00+01:00", "9999-12-31T23:30:00-01:00",
		"2026-02-29T10:00:00Z", "",
	};
	char out[32];
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ck_assert_msg(hl_time_to_sql(ok[i].in, "since", HL_TIME_OFFSET_REQUIRED, out) == HL_OK,
			"%s", ok[i].in);
		ck_assert_str_eq(out, ok[i].want);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(hl_time_to_sql(bad[i], "until", HL_TIME_OFFSET_REQUIRED, out) ==
			HL_ERR_INVALID, "%s", bad[i]);
		ck_assert_str_eq(hl_errfield(), "until");
		ck_assert_str_eq(hl_errmsg(), "until must be an RFC 3339 time with Z or an offset, "
			"e.g. 2026-12-02T10:00:00Z");
	}
	ck_assert_int_eq(hl_time_to_sql("2026-12-02T10:00:00 02:00", "since", HL_TIME_OFFSET_REQUIRED,
		out), HL_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(hl_errmsg(), "send + as %2B"));
	/* A page's own form (labelled UTC) may leave the zone out, and may
	 * carry one. */
	ck_assert_int_eq(hl_time_to_sql("2026-12-02T10:00", "since", HL_TIME_NAIVE_UTC, out), HL_OK);
	ck_assert_str_eq(out, "2026-12-02 10:00:00");
	ck_assert_int_eq(hl_time_to_sql("2026-12-02", "since", HL_TIME_NAIVE_UTC, out), HL_OK);
	ck_assert_str_eq(out, "2026-12-02 00:00:00");
	ck_assert_int_eq(hl_time_to_sql("2026-12-02T10:00+02:00", "since", HL_TIME_NAIVE_UTC, out),
		HL_OK);
	ck_assert_str_eq(out, "2026-12-02 08:00:00");
	ck_assert_int_eq(hl_time_to_sql("2026-12-02T10", "since", HL_TIME_NAIVE_UTC, out),
		HL_ERR_INVALID);
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
	tcase_add_test(tc, test_api_times_need_a_zone);
	suite_add_tcase(s, tc);
	return hl_check_run(s);
}
