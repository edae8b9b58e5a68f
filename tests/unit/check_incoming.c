/* check_incoming.c: unit tests for the incoming signature schemes
 * (hl_incoming_verify, and hl_incoming_verify_either for a rotation's
 * grace period): the vectors of REFERENCE.md, values computed with
 * Python's hmac module, timestamps, rotation lists and malformed headers. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hl_incoming.h"
#include "check_main.h"

/* A request's headers: NULL-terminated name/value pairs. */
static const char *
lookup(void *ctx, const char *name)
{
	const char *const *h = ctx;

	for (; h[0]; h += 2)
		if (!strcasecmp(h[0], name))
			return h[1];
	return NULL;
}

static hl_err
check(enum hl_verify v, const char *secret, const char *const *headers, const char *body,
	long long now)
{
	return hl_incoming_verify(v, secret, lookup, (void *)headers, body, strlen(body), now, 300);
}

#define GH_SECRET "It's a Secret to Everybody"
#define GH_BODY "Hello, World!"
#define GH_SIG "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"

START_TEST(test_github)
{
	const char *ok[] = { "X-Hub-Signature-256", GH_SIG, NULL };
	const char *upper[] = { "X-Hub-Signature-256",
		"sha256=757107EA0EB2509FC211221CCE984B8A37570B6D7586C22C46F4379C8B043E17", NULL };
	const char *bad[] = { "X-Hub-Signature-256",
		"sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e18", NULL };
	const char *sha1[] = { "X-Hub-Signature", "sha1=01dc10d0c83e72ed246219cdd91669667fe2ca59", NULL };
	const char *shortsig[] = { "X-Hub-Signature-256", "sha256=7571", NULL };

	ck_assert_int_eq(check(HL_VERIFY_GITHUB, GH_SECRET, ok, GH_BODY, 0), HL_OK);
	ck_assert_int_eq(check(HL_VERIFY_GITHUB, GH_SECRET, upper, GH_BODY, 0), HL_OK);
	ck_assert_int_eq(check(HL_VERIFY_GITHUB, GH_SECRET, bad, GH_BODY, 0), HL_ERR_AUTH);
	ck_assert_str_eq(hl_errreason(), "signature_invalid");
	ck_assert_int_eq(check(HL_VERIFY_GITHUB, "another", ok, GH_BODY, 0), HL_ERR_AUTH);
	ck_assert_int_eq(check(HL_VERIFY_GITHUB, GH_SECRET, ok, "Hello, World?", 0), HL_ERR_AUTH);
	/* The SHA-1 header alone is not accepted. */
	ck_assert_int_eq(check(HL_VERIFY_GITHUB, GH_SECRET, sha1, GH_BODY, 0), HL_ERR_AUTH);
	ck_assert_str_eq(hl_errreason(), "signature_missing");
	ck_assert_int_eq(check(HL_VERIFY_GITHUB, GH_SECRET, shortsig, GH_BODY, 0), HL_ERR_AUTH);
	ck_assert_str_eq(hl_errreason(), "signature_invalid");
}
END_TEST

/* python3: hmac.new(b"whsec_test_secret", b"1614265330." + body, sha256).hexdigest() */
#define ST_SECRET "whsec_test_secret"
#define ST_BODY "{\"id\":\"evt_1\",\"type\":\"charge.succeeded\"}"
#define ST_MAC "a77f58ed88dac6c2cb9d24f149d7424c41f234b3beb04e25d9492b330816350e"
#define ST_TS 1614265330LL

START_TEST(test_stripe)
{
	const char *ok[] = { "Stripe-Signature", "t=1614265330,v1=" ST_MAC, NULL };
	const char *rotated[] = { "Stripe-Signature", "t=1614265330,v1=" "00000000000000000000"
		"000000000000000000000000000000000000000000aa,v1=" ST_MAC ",v0=abcd", NULL };
	const char *no_t[] = { "Stripe-Signature", "v1=" ST_MAC, NULL };
	const char *no_v1[] = { "Stripe-Signature", "t=1614265330,v0=" ST_MAC, NULL };
	const char *bad_t[] = { "Stripe-Signature", "t=16142x5330,v1=" ST_MAC, NULL };
	const char *other_t[] = { "Stripe-Signature", "t=1614265331,v1=" ST_MAC, NULL };

	ck_assert_int_eq(check(HL_VERIFY_STRIPE, ST_SECRET, ok, ST_BODY, ST_TS), HL_OK);
	ck_assert_int_eq(check(HL_VERIFY_STRIPE, ST_SECRET, ok, ST_BODY, ST_TS + 300), HL_OK);
	ck_assert_int_eq(check(HL_VERIFY_STRIPE, ST_SECRET, rotated, ST_BODY, ST_TS), HL_OK);
	ck_assert_int_eq(check(HL_VERIFY_STRIPE, ST_SECRET, ok, ST_BODY, ST_TS + 301), HL_ERR_AUTH);
	ck_assert_str_eq(hl_errreason(), "timestamp_out_of_range");
	ck_assert_int_eq(check(HL_VERIFY_STRIPE, ST_SECRET, ok, ST_BODY, ST_TS - 301), HL_ERR_AUTH);
	ck_assert_str_eq(hl_errreason(), "timestamp_out_of_range");
	ck_assert_int_eq(check(HL_VERIFY_STRIPE, ST_SECRET, no_t, ST_BODY, ST_TS), HL_ERR_AUTH);
	ck_assert_int_eq(check(HL_VERIFY_STRIPE, ST_SECRET, no_v1, ST_BODY, ST_TS), HL_ERR_AUTH);
	ck_assert_int_eq(check(HL_VERIFY_STRIPE, ST_SECRET, bad_t, ST_BODY, ST_TS), HL_ERR_AUTH);
	/* The timestamp is signed: moving it breaks the signature. */
	ck_assert_int_eq(check(HL_VERIFY_STRIPE, ST_SECRET, other_t, ST_BODY, ST_TS), HL_ERR_AUTH);
	ck_assert_str_eq(hl_errreason(), "signature_invalid");
	ck_assert_int_eq(check(HL_VERIFY_STRIPE, "whsec_other", ok, ST_BODY, ST_TS), HL_ERR_AUTH);
}
END_TEST

/* python3: base64.b64encode(hmac.new(b"shpss_secret", body, sha256).digest()) */
#define SH_SIG "Nqr6rlmu7OXwDkMkpGde0gRB8KeTuZVeVJxx+jBlBiY="

START_TEST(test_shopify)
{
	const char *ok[] = { "X-Shopify-Hmac-Sha256", SH_SIG, NULL };
	const char *bad[] = { "X-Shopify-Hmac-Sha256", "Nqr6rlmu7OXwDkMkpGde0gRB8KeTuZVeVJxx+jBlBiZ=",
		NULL };
	const char *none[] = { NULL };

	ck_assert_int_eq(check(HL_VERIFY_SHOPIFY, "shpss_secret", ok, ST_BODY, 0), HL_OK);
	ck_assert_int_eq(check(HL_VERIFY_SHOPIFY, "shpss_secret", bad, ST_BODY, 0), HL_ERR_AUTH);
	ck_assert_int_eq(check(HL_VERIFY_SHOPIFY, "shpss_other", ok, ST_BODY, 0), HL_ERR_AUTH);
	ck_assert_int_eq(check(HL_VERIFY_SHOPIFY, "shpss_secret", none, ST_BODY, 0), HL_ERR_AUTH);
	ck_assert_str_eq(hl_errreason(), "signature_missing");
}
END_TEST

/* The Standard Webhooks vector of REFERENCE.md, under both header sets. */
#define SW_SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define SW_BODY "{\"test\": 2432232314}"
#define SW_SIG "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

START_TEST(test_standard)
{
	const char *ok[] = { "webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek",
		"webhook-timestamp", "1614265330", "webhook-signature", "v1,bm90IGl0 " SW_SIG, NULL };
	const char *svix[] = { "svix-id", "msg_p5jXN8AQM9LWM0D4loKWxJek",
		"svix-timestamp", "1614265330", "svix-signature", SW_SIG, NULL };
	const char *other_id[] = { "webhook-id", "msg_other",
		"webhook-timestamp", "1614265330", "webhook-signature", SW_SIG, NULL };
	const char *no_ts[] = { "webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek",
		"webhook-signature", SW_SIG, NULL };
	const char *sign_ts[] = { "webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek",
		"webhook-timestamp", "+1614265330", "webhook-signature", SW_SIG, NULL };

	ck_assert_int_eq(check(HL_VERIFY_STANDARD, SW_SECRET, ok, SW_BODY, ST_TS + 10), HL_OK);
	ck_assert_int_eq(check(HL_VERIFY_STANDARD, SW_SECRET, svix, SW_BODY, ST_TS), HL_OK);
	ck_assert_int_eq(check(HL_VERIFY_STANDARD, SW_SECRET, other_id, SW_BODY, ST_TS), HL_ERR_AUTH);
	ck_assert_str_eq(hl_errreason(), "signature_invalid");
	ck_assert_int_eq(check(HL_VERIFY_STANDARD, SW_SECRET, ok, SW_BODY, ST_TS + 3600),
		HL_ERR_AUTH);
	ck_assert_str_eq(hl_errreason(), "timestamp_out_of_range");
	ck_assert_int_eq(check(HL_VERIFY_STANDARD, SW_SECRET, no_ts, SW_BODY, ST_TS), HL_ERR_AUTH);
	ck_assert_str_eq(hl_errreason(), "signature_missing");
	ck_assert_int_eq(check(HL_VERIFY_STANDARD, SW_SECRET, sign_ts, SW_BODY, ST_TS), HL_ERR_AUTH);
}
END_TEST

START_TEST(test_none_and_names)
{
	const char *none[] = { NULL };
	int v;

	ck_assert_int_eq(check(HL_VERIFY_NONE, NULL, none, "{}", 0), HL_OK);
	/* A signed scheme without a secret verifies nothing. */
	ck_assert_int_ne(check(HL_VERIFY_GITHUB, NULL, none, "{}", 0), HL_OK);
	for (v = 0; v < HL_VERIFY__MAX; v++)
		ck_assert_int_eq(hl_verify_parse(hl_verify_name((enum hl_verify)v)), v);
	ck_assert_int_eq(hl_verify_parse("gitlab"), HL_VERIFY__MAX);
	ck_assert_int_eq(hl_verify_parse(NULL), HL_VERIFY__MAX);
}
END_TEST

/* A rotation's grace period: the previous secret verifies too, the log
 * learns which did, and a refusal that no key changes is not retried. */
START_TEST(test_either_secret)
{
	const char *gh[] = { "X-Hub-Signature-256", GH_SIG, NULL };
	const char *gh_none[] = { NULL };
	const char *st[] = { "Stripe-Signature", "t=1614265330,v1=" ST_MAC, NULL };
	const char *used = "unset";

	ck_assert_int_eq(hl_incoming_verify_either(HL_VERIFY_GITHUB, GH_SECRET, "old", lookup,
		(void *)gh, GH_BODY, strlen(GH_BODY), 0, 300, &used), HL_OK);
	ck_assert_str_eq(used, "current");
	ck_assert_int_eq(hl_incoming_verify_either(HL_VERIFY_GITHUB, "new", GH_SECRET, lookup,
		(void *)gh, GH_BODY, strlen(GH_BODY), 0, 300, &used), HL_OK);
	ck_assert_str_eq(used, "previous");
	ck_assert_int_eq(hl_incoming_verify_either(HL_VERIFY_GITHUB, "new", NULL, lookup,
		(void *)gh, GH_BODY, strlen(GH_BODY), 0, 300, &used), HL_ERR_AUTH);
	ck_assert_ptr_null(used);
	ck_assert_str_eq(hl_errreason(), "signature_invalid");
	ck_assert_int_eq(hl_incoming_verify_either(HL_VERIFY_GITHUB, "new", "older", lookup,
		(void *)gh, GH_BODY, strlen(GH_BODY), 0, 300, &used), HL_ERR_AUTH);
	ck_assert_ptr_null(used);
	ck_assert_str_eq(hl_errreason(), "signature_invalid");
	ck_assert_int_eq(hl_incoming_verify_either(HL_VERIFY_GITHUB, "new", GH_SECRET, lookup,
		(void *)gh_none, GH_BODY, strlen(GH_BODY), 0, 300, &used), HL_ERR_AUTH);
	ck_assert_str_eq(hl_errreason(), "signature_missing");
	/* Stripe: previous secret, in and out of the tolerance. */
	ck_assert_int_eq(hl_incoming_verify_either(HL_VERIFY_STRIPE, "whsec_new", ST_SECRET, lookup,
		(void *)st, ST_BODY, strlen(ST_BODY), ST_TS, 300, &used), HL_OK);
	ck_assert_str_eq(used, "previous");
	ck_assert_int_eq(hl_incoming_verify_either(HL_VERIFY_STRIPE, "whsec_new", ST_SECRET, lookup,
		(void *)st, ST_BODY, strlen(ST_BODY), ST_TS + 301, 300, &used), HL_ERR_AUTH);
	ck_assert_str_eq(hl_errreason(), "timestamp_out_of_range");
	ck_assert_ptr_null(used);
	/* Unsigned sources verify nothing: no secret "matched". */
	ck_assert_int_eq(hl_incoming_verify_either(HL_VERIFY_NONE, NULL, NULL, lookup,
		(void *)gh, GH_BODY, strlen(GH_BODY), 0, 300, &used), HL_OK);
	ck_assert_ptr_null(used);
}
END_TEST

static Suite *
incoming_suite(void)
{
	Suite *s = suite_create("incoming");
	TCase *tc = tcase_create("verify");

	tcase_add_test(tc, test_github);
	tcase_add_test(tc, test_stripe);
	tcase_add_test(tc, test_shopify);
	tcase_add_test(tc, test_standard);
	tcase_add_test(tc, test_none_and_names);
	tcase_add_test(tc, test_either_secret);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return hl_check_run(incoming_suite());
}
