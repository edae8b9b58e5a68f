/* check_crypto.c: unit tests for hl_crypto (the vectors in REFERENCE.md,
 * formats, round trips and tamper detection). */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hl_crypto.h"
#include "check_main.h"

#define SW_SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define SW_ID "msg_p5jXN8AQM9LWM0D4loKWxJek"
#define SW_TS 1614265330LL
#define SW_BODY "{\"test\": 2432232314}"
#define SW_SIG "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

START_TEST(test_webhook_sign_vector)
{
	char sig[HL_SIG_MAX];

	ck_assert_int_eq(hl_webhook_sign(SW_SECRET, SW_ID, SW_TS, SW_BODY,
		strlen(SW_BODY), sig), HL_OK);
	ck_assert_str_eq(sig, SW_SIG);
}
END_TEST

START_TEST(test_webhook_verify_vector)
{
	const char *body = SW_BODY;
	size_t n = strlen(body);

	ck_assert_int_eq(hl_webhook_verify(SW_SECRET, SW_ID, SW_TS, body, n,
		SW_SIG), HL_OK);
	/* Rotation: the matching value may be anywhere in the list, and
	 * other schemes are skipped. */
	ck_assert_int_eq(hl_webhook_verify(SW_SECRET, SW_ID, SW_TS, body, n,
		"v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= v1a,abcd " SW_SIG),
		HL_OK);
	ck_assert_int_eq(hl_webhook_verify(SW_SECRET, SW_ID, SW_TS, body, n,
		SW_SIG " v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="), HL_OK);
	/* Padding-less form of the same signature. */
	ck_assert_int_eq(hl_webhook_verify(SW_SECRET, SW_ID, SW_TS, body, n,
		"v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE"), HL_OK);
}
END_TEST

START_TEST(test_webhook_verify_wrong)
{
	const char *body = SW_BODY;
	size_t n = strlen(body);

	ck_assert_int_eq(hl_webhook_verify(SW_SECRET, SW_ID, SW_TS, body, n,
		"v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="), HL_ERR_AUTH);
	/* Same MAC under another scheme name must not count. */
	ck_assert_int_eq(hl_webhook_verify(SW_SECRET, SW_ID, SW_TS, body, n,
		"v1a,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="), HL_ERR_AUTH);
	ck_assert_int_eq(hl_webhook_verify(SW_SECRET, SW_ID, SW_TS + 1, body, n,
		SW_SIG), HL_ERR_AUTH);
	ck_assert_int_eq(hl_webhook_verify(SW_SECRET, "msg_other", SW_TS, body, n,
		SW_SIG), HL_ERR_AUTH);
	ck_assert_int_eq(hl_webhook_verify(SW_SECRET, SW_ID, SW_TS, body, n - 1,
		SW_SIG), HL_ERR_AUTH);
	ck_assert_int_eq(hl_webhook_verify(SW_SECRET, SW_ID, SW_TS, body, n,
		""), HL_ERR_AUTH);
	ck_assert_int_eq(hl_webhook_verify(SW_SECRET, SW_ID, SW_TS, body, n,
		NULL), HL_ERR_AUTH);
	ck_assert_int_eq(hl_webhook_verify(SW_SECRET, SW_ID, SW_TS, body, n,
		"v1, v1,!!!! garbage"), HL_ERR_AUTH);
	/* A truncated signature is not a prefix match. */
	ck_assert_int_eq(hl_webhook_verify(SW_SECRET, SW_ID, SW_TS, body, n,
		"v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1O"), HL_ERR_AUTH);
}
END_TEST

START_TEST(test_webhook_bad_secret)
{
	char sig[HL_SIG_MAX];

	ck_assert_int_eq(hl_webhook_sign("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", SW_ID,
		SW_TS, "x", 1, sig), HL_ERR_INVALID);
	ck_assert_int_eq(hl_webhook_sign("whsec_!!!notbase64!!!", SW_ID, SW_TS,
		"x", 1, sig), HL_ERR_INVALID);
	ck_assert_int_eq(hl_webhook_sign("whsec_c2hvcnQ=", SW_ID, SW_TS, "x", 1,
		sig), HL_ERR_INVALID);
	ck_assert_int_eq(hl_webhook_verify("whsec_", SW_ID, SW_TS, "x", 1,
		SW_SIG), HL_ERR_INVALID);
}
END_TEST

START_TEST(test_webhook_secret_new)
{
	char s1[HL_SECRET_MAX], s2[HL_SECRET_MAX], sig[HL_SIG_MAX];

	ck_assert_int_eq(hl_webhook_secret_new(s1), HL_OK);
	ck_assert_int_eq(hl_webhook_secret_new(s2), HL_OK);
	ck_assert(strncmp(s1, "whsec_", 6) == 0);
	ck_assert_uint_eq(strlen(s1), 6 + 44);
	ck_assert_str_ne(s1, s2);
	ck_assert_int_eq(hl_webhook_sign(s1, "msg_1", 1, "{}", 2, sig), HL_OK);
	ck_assert_int_eq(hl_webhook_verify(s1, "msg_1", 1, "{}", 2, sig), HL_OK);
	ck_assert_int_eq(hl_webhook_verify(s2, "msg_1", 1, "{}", 2, sig),
		HL_ERR_AUTH);
}
END_TEST

START_TEST(test_github_vector)
{
	const char *key = "It's a Secret to Everybody", *body = "Hello, World!";
	unsigned char mac[32];
	char hex[65];

	hl_hmac_sha256(key, strlen(key), body, strlen(body), mac);
	hl_hex_encode(mac, sizeof(mac), hex);
	ck_assert_str_eq(hex,
		"757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
}
END_TEST

START_TEST(test_sha256_hex)
{
	char hex[65];

	hl_sha256_hex("abc", 3, hex);
	ck_assert_str_eq(hex,
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	hl_sha256_hex(NULL, 0, hex);
	ck_assert_str_eq(hex,
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}
END_TEST

START_TEST(test_ct_equal)
{
	ck_assert_int_eq(hl_ct_equal("abc", 3, "abc", 3), 1);
	ck_assert_int_eq(hl_ct_equal("abc", 3, "abd", 3), 0);
	ck_assert_int_eq(hl_ct_equal("abc", 3, "abcd", 4), 0);
	ck_assert_int_eq(hl_ct_equal("", 0, "", 0), 1);
	ck_assert_int_eq(hl_ct_streq("secret", "secret"), 1);
	ck_assert_int_eq(hl_ct_streq("secret", "secreT"), 0);
	ck_assert_int_eq(hl_ct_streq("secret", "secret2"), 0);
	ck_assert_int_eq(hl_ct_streq(NULL, "x"), 0);
}
END_TEST

START_TEST(test_base64_vectors)
{
	/* RFC 4648 section 10. */
	static const char *plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *enc[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==",
		"Zm9vYmE=", "Zm9vYmFy" };
	char out[16];
	unsigned char dec[16];
	size_t i, n;

	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		n = hl_base64_encode((const unsigned char *)plain[i],
			strlen(plain[i]), out);
		ck_assert_uint_eq(n, strlen(enc[i]));
		ck_assert_str_eq(out, enc[i]);
		ck_assert_int_eq(hl_base64_decode(enc[i], strlen(enc[i]), dec,
			sizeof(dec), &n), HL_OK);
		ck_assert_uint_eq(n, strlen(plain[i]));
		ck_assert(memcmp(dec, plain[i], n) == 0);
	}
	/* Padding is optional. */
	ck_assert_int_eq(hl_base64_decode("Zg", 2, dec, sizeof(dec), &n), HL_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(dec[0], 'f');
	ck_assert_int_eq(hl_base64_decode("Zm9vYmE", 7, dec, sizeof(dec), &n), HL_OK);
	ck_assert_uint_eq(n, 5);
}
END_TEST

START_TEST(test_base64_roundtrip)
{
	unsigned char in[256], dec[256];
	char enc[4 * ((256 + 2) / 3) + 1];
	size_t len, n, i;

	for (i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)(i * 7 + 3);
	for (len = 0; len <= sizeof(in); len += 17) {
		n = hl_base64_encode(in, len, enc);
		ck_assert_uint_eq(n, 4 * ((len + 2) / 3));
		ck_assert_int_eq(hl_base64_decode(enc, n, dec, sizeof(dec), &n), HL_OK);
		ck_assert_uint_eq(n, len);
		ck_assert(memcmp(in, dec, len) == 0);
	}
}
END_TEST

START_TEST(test_base64_bad)
{
	static const char *bad[] = {
		"Z",           /* one char cannot encode a byte */
		"Zm9vY",       /* same after a full quantum */
		"Zm9v!mFy",    /* not in the alphabet */
		"Zm 9v",       /* whitespace */
		"Zm9v\n",
		"Zg=",         /* padding that does not complete a quantum */
		"Z===",
		"Zg==Zg==",    /* padding in the middle */
		"=Zm9",
		"Zh==",        /* non-zero trailing bits */
		"Zm9vYmFy-_",  /* url-safe alphabet is not standard base64 */
	};
	unsigned char dec[16];
	size_t i, n;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(hl_base64_decode(bad[i], strlen(bad[i]), dec,
			sizeof(dec), &n) == HL_ERR_INVALID, "accepted %s", bad[i]);
	/* Output larger than the buffer. */
	ck_assert_int_eq(hl_base64_decode("Zm9vYmFy", 8, dec, 5, &n), HL_ERR_INVALID);
	ck_assert_int_eq(hl_base64_decode("Zm9vYmFy", 8, dec, 6, &n), HL_OK);
}
END_TEST

START_TEST(test_hex_encode)
{
	static const unsigned char in[] = { 0x00, 0x0f, 0xa5, 0xff };
	char out[9];

	hl_hex_encode(in, sizeof(in), out);
	ck_assert_str_eq(out, "000fa5ff");
}
END_TEST

static const char crockford[] = "0123456789abcdefghjkmnpqrstvwxyz";

START_TEST(test_id_format)
{
	char id[HL_ID_MAX];
	size_t i;

	ck_assert_int_eq(hl_id_new("wh", id), HL_OK);
	ck_assert_uint_eq(strlen(id), 3 + 26);
	ck_assert(strncmp(id, "wh_", 3) == 0);
	for (i = 3; i < strlen(id); i++)
		ck_assert_msg(strchr(crockford, id[i]) != NULL, "bad char in %s", id);
	ck_assert_int_eq(hl_id_valid("wh", id), 1);
	ck_assert_int_eq(hl_id_valid("dlv", id), 0);
	ck_assert_int_eq(hl_id_valid("w", id), 0);
	ck_assert_int_eq(hl_id_new("dlv", id), HL_OK);
	ck_assert_int_eq(hl_id_valid("dlv", id), 1);
	/* The first char holds the top 3 bits only. */
	ck_assert_int_eq(hl_id_valid("wh", "wh_81hf0000000000000000000000"), 0);
	ck_assert_int_eq(hl_id_valid("wh", "wh_01hf0000000000000000000000"), 1);
	ck_assert_int_eq(hl_id_valid("wh", "wh_01hf000000000000000000000i"), 0);
	ck_assert_int_eq(hl_id_valid("wh", "wh_01HF0000000000000000000000"), 0);
	ck_assert_int_eq(hl_id_valid("wh", "wh_01hf000000000000000000000"), 0);
	ck_assert_int_eq(hl_id_valid("wh", "wh_01hf00000000000000000000000"), 0);
	ck_assert_int_eq(hl_id_valid("wh", "wh01hf0000000000000000000000"), 0);
	ck_assert_int_eq(hl_id_valid("wh", NULL), 0);
	ck_assert_int_eq(hl_id_new("", id), HL_ERR_INTERNAL);
	ck_assert_int_eq(hl_id_new("muchtoolongprefix", id), HL_ERR_INTERNAL);
}
END_TEST

/* Decode the 48-bit millisecond field back from the first 10 chars. */
static unsigned long long id_ms(const char *s)
{
	unsigned long long v = 0;
	int i;

	for (i = 0; i < 10; i++)
		v = v << 5 | (unsigned long long)(strchr(crockford, s[i]) - crockford);
	return v;
}

START_TEST(test_id_time)
{
	char id[HL_ID_MAX];
	struct timespec ts;
	unsigned long long before, after, ms;

	clock_gettime(CLOCK_REALTIME, &ts);
	before = (unsigned long long)ts.tv_sec * 1000 + (unsigned long long)ts.tv_nsec / 1000000;
	ck_assert_int_eq(hl_id_new("ev", id), HL_OK);
	clock_gettime(CLOCK_REALTIME, &ts);
	after = (unsigned long long)ts.tv_sec * 1000 + (unsigned long long)ts.tv_nsec / 1000000;
	ms = id_ms(id + 3);
	ck_assert(ms >= before && ms <= after);
}
END_TEST

/* The floor id of a time sorts below every id made at or after it and
 * above every id made before it. */
START_TEST(test_id_at)
{
	char floor_id[HL_ID_MAX], now_id[HL_ID_MAX], later[HL_ID_MAX];
	unsigned long long ms;

	ck_assert_int_eq(hl_id_new("dlv", now_id), HL_OK);
	ms = id_ms(now_id + 4);
	ck_assert_int_eq(hl_id_at("dlv", (long long)ms, floor_id), HL_OK);
	ck_assert(hl_id_valid("dlv", floor_id));
	ck_assert_uint_eq(id_ms(floor_id + 4), ms);
	ck_assert_int_le(strcmp(floor_id, now_id), 0);
	ck_assert_int_eq(hl_id_at("dlv", (long long)ms + 1, later), HL_OK);
	ck_assert_int_gt(strcmp(later, now_id), 0);
	ck_assert_int_ne(hl_id_at("dlv", -1, later), HL_OK);
}
END_TEST

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

START_TEST(test_id_unique_sortable)
{
	enum { N = 200 };
	static char ids[N][HL_ID_MAX];
	char *sorted[N];
	struct timespec pause = { 0, 2000000 };
	char a[HL_ID_MAX], b[HL_ID_MAX];
	int i;

	for (i = 0; i < N; i++) {
		ck_assert_int_eq(hl_id_new("msg", ids[i]), HL_OK);
		sorted[i] = ids[i];
	}
	/* Made in a tight loop (many in one millisecond): already in order,
	 * each after the one before. */
	for (i = 1; i < N; i++)
		ck_assert_msg(strcmp(ids[i - 1], ids[i]) < 0, "%s !< %s", ids[i - 1], ids[i]);
	qsort(sorted, N, sizeof(sorted[0]), cmp_str);
	for (i = 1; i < N; i++)
		ck_assert_str_ne(sorted[i - 1], sorted[i]);
	/* Ids made in later milliseconds sort later as plain strings. */
	for (i = 0; i < 5; i++) {
		ck_assert_int_eq(hl_id_new("msg", a), HL_OK);
		nanosleep(&pause, NULL);
		ck_assert_int_eq(hl_id_new("msg", b), HL_OK);
		ck_assert_msg(strcmp(a, b) < 0, "%s !< %s", a, b);
	}
}
END_TEST

START_TEST(test_password)
{
	char h1[HL_PWHASH_MAX], h2[HL_PWHASH_MAX];

	ck_assert_int_eq(hl_password_hash("correct horse", h1), HL_OK);
	ck_assert(strncmp(h1, "pbkdf2-sha256$600000$", 21) == 0);
	ck_assert_int_eq(hl_password_verify("correct horse", h1), 1);
	ck_assert_int_eq(hl_password_verify("correct horsf", h1), 0);
	ck_assert_int_eq(hl_password_verify("", h1), 0);
	/* A fresh salt per hash. */
	ck_assert_int_eq(hl_password_hash("correct horse", h2), HL_OK);
	ck_assert_str_ne(h1, h2);
}
END_TEST

START_TEST(test_password_other_iterations)
{
	/* Computed independently (Python hashlib.pbkdf2_hmac) with a lower
	 * count, as stored by an older or newer configuration. */
	const char *stored = "pbkdf2-sha256$100000$c2FsdHNhbHRzYWx0c2FsdA==$"
		"T78tEi/mr8Yageny/jk6s5+Qanjd3ceXdjwOeEhX6bQ=";

	ck_assert_int_eq(hl_password_verify("password", stored), 1);
	ck_assert_int_eq(hl_password_verify("Password", stored), 0);
}
END_TEST

START_TEST(test_password_malformed)
{
	/* None of these reach PBKDF2, so they are cheap. */
	static const char *bad[] = {
		"",
		"password",
		"pbkdf2-sha1$600000$c2FsdHNhbHRzYWx0c2FsdA==$AAAAAAAAAAAAAAAAAAAAAA==",
		"pbkdf2-sha256$99999$c2FsdHNhbHRzYWx0c2FsdA==$AAAAAAAAAAAAAAAAAAAAAA==",
		"pbkdf2-sha256$10000001$c2FsdHNhbHRzYWx0c2FsdA==$AAAAAAAAAAAAAAAAAAAAAA==",
		"pbkdf2-sha256$-600000$c2FsdHNhbHRzYWx0c2FsdA==$AAAAAAAAAAAAAAAAAAAAAA==",
		"pbkdf2-sha256$0600000$c2FsdHNhbHRzYWx0c2FsdA==$AAAAAAAAAAAAAAAAAAAAAA==",
		"pbkdf2-sha256$600000x$c2FsdHNhbHRzYWx0c2FsdA==$AAAAAAAAAAAAAAAAAAAAAA==",
		"pbkdf2-sha256$600000$c2FsdHNhbHRzYWx0c2FsdA==",
		"pbkdf2-sha256$600000$!!!$AAAAAAAAAAAAAAAAAAAAAA==",
		"pbkdf2-sha256$600000$c2FsdHNhbHRzYWx0c2FsdA==$!!!",
		"pbkdf2-sha256$600000$c2FsdHNhbHRzYWx0c2FsdA==$",
		"pbkdf2-sha256$600000$$AAAAAAAAAAAAAAAAAAAAAA==",
		"pbkdf2-sha256$$c2FsdHNhbHRzYWx0c2FsdA==$AAAAAAAAAAAAAAAAAAAAAA==",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(hl_password_verify("x", bad[i]) == 0, "accepted %s", bad[i]);
	ck_assert_int_eq(hl_password_verify(NULL, bad[0]), 0);
	ck_assert_int_eq(hl_password_verify("x", NULL), 0);
}
END_TEST

START_TEST(test_apikey)
{
	char key[HL_APIKEY_MAX], prefix[16], hash[65], p2[16], want[65];
	char key2[HL_APIKEY_MAX], prefix2[16], hash2[65];
	size_t i;

	ck_assert_int_eq(hl_apikey_new(key, prefix, hash), HL_OK);
	ck_assert_uint_eq(strlen(key), 44);
	ck_assert(strncmp(key, "hl_", 3) == 0);
	ck_assert_int_eq(key[11], '_');
	for (i = 3; i < 11; i++)
		ck_assert((key[i] >= 'a' && key[i] <= 'z') || (key[i] >= '0' && key[i] <= '9'));
	for (i = 12; i < 44; i++)
		ck_assert((key[i] >= 'a' && key[i] <= 'z') || (key[i] >= 'A' && key[i] <= 'Z')
			|| (key[i] >= '0' && key[i] <= '9'));
	ck_assert_uint_eq(strlen(prefix), 11);
	ck_assert(strncmp(key, prefix, 11) == 0);
	hl_sha256_hex(key, strlen(key), want);
	ck_assert_str_eq(hash, want);
	ck_assert_int_eq(hl_apikey_prefix(key, p2), HL_OK);
	ck_assert_str_eq(p2, prefix);
	ck_assert_int_eq(hl_apikey_new(key2, prefix2, hash2), HL_OK);
	ck_assert_str_ne(key, key2);
	ck_assert_str_ne(hash, hash2);
}
END_TEST

START_TEST(test_apikey_prefix_parse)
{
	static const char *bad[] = {
		"",
		"hl_",
		"hl_abcd1234_0123456789abcdefghijABCDEFGHIJ0",      /* 31 random chars */
		"hl_abcd1234_0123456789abcdefghijABCDEFGHIJ012",    /* 33 */
		"xx_abcd1234_0123456789abcdefghijABCDEFGHIJ01",
		"hl_abcD1234_0123456789abcdefghijABCDEFGHIJ01",     /* upper in lookup */
		"hl_abcd1234-0123456789abcdefghijABCDEFGHIJ01",
		"hl_abcd1234_0123456789abcdefghij+BCDEFGHIJ01",
		"hl_abc_1234_0123456789abcdefghijABCDEFGHIJ01",
		"Bearer hl_abcd1234_0123456789abcdefghijABCDEF",
	};
	char prefix[16];
	size_t i;

	ck_assert_int_eq(hl_apikey_prefix(
		"hl_abcd1234_0123456789abcdefghijABCDEFGHIJ01", prefix), HL_OK);
	ck_assert_str_eq(prefix, "hl_abcd1234");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(hl_apikey_prefix(bad[i], prefix) == HL_ERR_AUTH,
			"accepted %s", bad[i]);
	ck_assert_int_eq(hl_apikey_prefix(NULL, prefix), HL_ERR_AUTH);
}
END_TEST

static const unsigned char master[32] = {
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
	17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32
};

START_TEST(test_seal_roundtrip)
{
	const char *secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
	char *s1 = NULL, *s2 = NULL, *plain = NULL;

	ck_assert_int_eq(hl_seal(master, secret, &s1), HL_OK);
	ck_assert_ptr_nonnull(s1);
	ck_assert_uint_eq(strlen(s1), 4 * ((12 + strlen(secret) + 16 + 2) / 3));
	ck_assert(strstr(s1, "MfKQ9r8") == NULL);
	ck_assert_int_eq(hl_unseal(master, s1, &plain), HL_OK);
	ck_assert_str_eq(plain, secret);
	free(plain);
	plain = NULL;
	/* Random nonce: sealing twice gives different text. */
	ck_assert_int_eq(hl_seal(master, secret, &s2), HL_OK);
	ck_assert_str_ne(s1, s2);
	free(s1);
	free(s2);
	ck_assert_int_eq(hl_seal(master, "", &s1), HL_OK);
	ck_assert_int_eq(hl_unseal(master, s1, &plain), HL_OK);
	ck_assert_str_eq(plain, "");
	free(plain);
	free(s1);
}
END_TEST

START_TEST(test_seal_tamper)
{
	unsigned char other[32];
	char *sealed = NULL, *plain = NULL, *copy;
	size_t i, n;

	ck_assert_int_eq(hl_seal(master, "top secret value", &sealed), HL_OK);
	n = strlen(sealed);
	copy = malloc(n + 1);
	ck_assert_ptr_nonnull(copy);
	/* Flip a char in every position (nonce, ciphertext, tag): each must
	 * be rejected, never decrypt to something else. */
	for (i = 0; i + 2 < n; i++) {
		memcpy(copy, sealed, n + 1);
		copy[i] = copy[i] == 'A' ? 'B' : 'A';
		ck_assert_int_eq(hl_unseal(master, copy, &plain), HL_ERR_CRYPTO);
		ck_assert_ptr_null(plain);
	}
	memcpy(other, master, sizeof(other));
	other[0] ^= 1;
	ck_assert_int_eq(hl_unseal(other, sealed, &plain), HL_ERR_CRYPTO);
	ck_assert_ptr_null(plain);
	/* Truncated and garbage input. */
	memcpy(copy, sealed, n + 1);
	copy[n - 4] = '\0';
	ck_assert_int_eq(hl_unseal(master, copy, &plain), HL_ERR_CRYPTO);
	ck_assert_int_eq(hl_unseal(master, "AAAA", &plain), HL_ERR_CRYPTO);
	ck_assert_int_eq(hl_unseal(master, "not base64 at all!", &plain), HL_ERR_CRYPTO);
	ck_assert_int_eq(hl_unseal(master, "", &plain), HL_ERR_CRYPTO);
	ck_assert_ptr_null(plain);
	free(copy);
	free(sealed);
}
END_TEST

START_TEST(test_random_bytes)
{
	unsigned char a[32], b[32];

	ck_assert_int_eq(hl_random_bytes(a, sizeof(a)), HL_OK);
	ck_assert_int_eq(hl_random_bytes(b, sizeof(b)), HL_OK);
	ck_assert(memcmp(a, b, sizeof(a)) != 0);
	ck_assert_int_eq(hl_random_bytes(a, 0), HL_OK);
}
END_TEST

static Suite *crypto_suite(void)
{
	Suite *s = suite_create("crypto");
	TCase *tc = tcase_create("core");

	/* Two PBKDF2 calls at 600k iterations plus valgrind runs need room. */
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_webhook_sign_vector);
	tcase_add_test(tc, test_webhook_verify_vector);
	tcase_add_test(tc, test_webhook_verify_wrong);
	tcase_add_test(tc, test_webhook_bad_secret);
	tcase_add_test(tc, test_webhook_secret_new);
	tcase_add_test(tc, test_github_vector);
	tcase_add_test(tc, test_sha256_hex);
	tcase_add_test(tc, test_ct_equal);
	tcase_add_test(tc, test_base64_vectors);
	tcase_add_test(tc, test_base64_roundtrip);
	tcase_add_test(tc, test_base64_bad);
	tcase_add_test(tc, test_hex_encode);
	tcase_add_test(tc, test_id_format);
	tcase_add_test(tc, test_id_time);
	tcase_add_test(tc, test_id_at);
	tcase_add_test(tc, test_id_unique_sortable);
	tcase_add_test(tc, test_password);
	tcase_add_test(tc, test_password_other_iterations);
	tcase_add_test(tc, test_password_malformed);
	tcase_add_test(tc, test_apikey);
	tcase_add_test(tc, test_apikey_prefix_parse);
	tcase_add_test(tc, test_seal_roundtrip);
	tcase_add_test(tc, test_seal_tamper);
	tcase_add_test(tc, test_random_bytes);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return hl_check_run(crypto_suite());
}
