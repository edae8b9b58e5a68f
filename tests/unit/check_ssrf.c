/* check_ssrf.c: unit tests for hl_ssrf (every deny range, IPv6 forms
 * that embed IPv4, the allowlist, CIDR parsing). */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "hl_ssrf.h"
#include "check_main.h"

/* Build a sockaddr from text, as getaddrinfo would hand it over. */
static const struct sockaddr *addr(const char *text, struct sockaddr_storage *ss)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, text, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
	} else {
		ck_assert_msg(inet_pton(AF_INET6, text, &in6->sin6_addr) == 1,
			"test bug: %s", text);
		in6->sin6_family = AF_INET6;
	}
	return (const struct sockaddr *)ss;
}

static int denied(const char *text, const struct hl_cidr *allow, int nallow)
{
	struct sockaddr_storage ss;

	return hl_ssrf_denied(addr(text, &ss), allow, nallow);
}

START_TEST(test_deny_ipv4)
{
	/* At least one address in each range, plus both edges where an
	 * off-by-one in the prefix would show. */
	static const char *bad[] = {
		"0.0.0.0", "0.255.255.255",
		"10.0.0.1", "10.255.255.255",
		"100.64.0.1", "100.127.255.254",
		"127.0.0.1", "127.255.255.254",
		"169.254.169.254",
		"172.16.0.1", "172.31.255.255",
		"192.0.0.8",
		"192.0.2.1",
		"192.168.1.1",
		"198.18.0.1", "198.19.255.255",
		"198.51.100.7",
		"203.0.113.9",
		"224.0.0.1", "239.255.255.250",
		"240.0.0.1", "254.255.255.255",
		"255.255.255.255",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(denied(bad[i], NULL, 0) == 1, "allowed %s", bad[i]);
}
END_TEST

START_TEST(test_allow_ipv4_public)
{
	/* Neighbours of the deny ranges are public. */
	static const char *good[] = {
		"8.8.8.8", "1.1.1.1", "1.0.0.0", "9.255.255.255", "11.0.0.0",
		"100.63.255.255", "100.128.0.0", "126.255.255.255", "128.0.0.0",
		"169.253.255.255", "169.255.0.0", "172.15.255.255", "172.32.0.0",
		"192.0.1.1", "192.0.3.1", "192.167.255.255", "192.169.0.0",
		"198.17.255.255", "198.20.0.0", "198.51.101.1", "203.0.114.1",
		"223.255.255.255",
	};
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(denied(good[i], NULL, 0) == 0, "denied %s", good[i]);
}
END_TEST

START_TEST(test_deny_ipv6)
{
	static const char *bad[] = {
		"::", "::1",
		"fe80::1", "febf:ffff::1",
		"fc00::1", "fd12:3456::1",
		"ff02::1", "ff05::1:3",
		"2001:db8::1", "2001:db8:ffff::1",
		/* IPv4-mapped, NAT64 and 6to4 forms of denied IPv4. */
		"::ffff:127.0.0.1", "::ffff:10.1.2.3", "::ffff:169.254.169.254",
		"::ffff:0.0.0.0", "::ffff:255.255.255.255",
		"64:ff9b::127.0.0.1", "64:ff9b::a9fe:a9fe",
		"2002:7f00:1::", "2002:c0a8:101::1", "2002:0a00:0001:1::1",
		/* IPv4-compatible and SIIT-translated forms, local-use NAT64 and
		 * discard-only: they passed, and reached connect(). */
		"::127.0.0.1", "::10.0.0.1", "::2", "::ffff:0:127.0.0.1", "::ffff:0:a9fe:a9fe",
		"64:ff9b:1::7f00:1", "64:ff9b:1:ffff::1", "100::1",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(denied(bad[i], NULL, 0) == 1, "allowed %s", bad[i]);
}
END_TEST

START_TEST(test_allow_ipv6_public)
{
	static const char *good[] = {
		"2606:4700::1111", "2001:4860:4860::8888",
		"fec0::1", "2001:db9::1",
		"::ffff:8.8.8.8", "64:ff9b::8.8.8.8", "2002:808:808::1",
		"::8.8.8.8", "::ffff:0:8.8.8.8", "64:ff9b:2::1", "100:0:0:1::1",
	};
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(denied(good[i], NULL, 0) == 0, "denied %s", good[i]);
}
END_TEST

START_TEST(test_deny_other_family)
{
	struct sockaddr_un un;

	memset(&un, 0, sizeof(un));
	un.sun_family = AF_UNIX;
	ck_assert_int_eq(hl_ssrf_denied((const struct sockaddr *)&un, NULL, 0), 1);
	ck_assert_int_eq(hl_ssrf_denied(NULL, NULL, 0), 1);
}
END_TEST

START_TEST(test_allowlist)
{
	struct hl_cidr allow[2];
	int n = 0;

	ck_assert_int_eq(hl_cidr_parse_list("127.0.0.0/8", allow, 2, &n), HL_OK);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(denied("127.0.0.1", allow, n), 0);
	ck_assert_int_eq(denied("127.9.9.9", allow, n), 0);
	ck_assert_int_eq(denied("::ffff:127.0.0.1", allow, n), 0);
	ck_assert_int_eq(denied("10.0.0.1", allow, n), 1);
	ck_assert_int_eq(denied("::1", allow, n), 1);
	ck_assert_int_eq(denied("8.8.8.8", allow, n), 0);

	ck_assert_int_eq(hl_cidr_parse_list("::1, 192.168.5.0/24", allow, 2, &n), HL_OK);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(denied("::1", allow, n), 0);
	ck_assert_int_eq(denied("192.168.5.77", allow, n), 0);
	ck_assert_int_eq(denied("192.168.6.1", allow, n), 1);
	ck_assert_int_eq(denied("127.0.0.1", allow, n), 1);

	/* An IPv4-mapped entry covers the plain IPv4 address too. */
	ck_assert_int_eq(hl_cidr_parse("::ffff:10.0.0.0/104", &allow[0]), HL_OK);
	ck_assert_int_eq(denied("10.1.1.1", allow, 1), 0);
	ck_assert_int_eq(denied("11.1.1.1", allow, 1), 0);
	ck_assert_int_eq(denied("172.16.0.1", allow, 1), 1);
}
END_TEST

START_TEST(test_cidr_match)
{
	struct hl_cidr c;
	struct sockaddr_storage ss;

	ck_assert_int_eq(hl_cidr_parse("10.0.0.0/8", &c), HL_OK);
	ck_assert_int_eq(hl_cidr_match(&c, addr("10.200.0.1", &ss)), 1);
	ck_assert_int_eq(hl_cidr_match(&c, addr("11.0.0.1", &ss)), 0);
	ck_assert_int_eq(hl_cidr_match(&c, addr("::ffff:10.0.0.1", &ss)), 1);
	ck_assert_int_eq(hl_cidr_match(&c, addr("::10.0.0.1", &ss)), 0);
	ck_assert_int_eq(hl_cidr_match(&c, addr("a00::1", &ss)), 0);
	ck_assert_int_eq(hl_cidr_parse("0.0.0.0/0", &c), HL_OK);
	ck_assert_int_eq(hl_cidr_match(&c, addr("1.2.3.4", &ss)), 1);
	ck_assert_int_eq(hl_cidr_match(&c, addr("2606:4700::1111", &ss)), 0);
	ck_assert_int_eq(hl_cidr_parse("2001:db8::/33", &c), HL_OK);
	ck_assert_int_eq(hl_cidr_match(&c, addr("2001:db8:7fff::1", &ss)), 1);
	ck_assert_int_eq(hl_cidr_match(&c, addr("2001:db8:8000::1", &ss)), 0);
	ck_assert_int_eq(hl_cidr_match(&c, NULL), 0);
}
END_TEST

START_TEST(test_cidr_parse)
{
	struct hl_cidr c;
	static const unsigned char v4[4] = { 192, 168, 0, 0 };
	static const unsigned char v6[16] = { 0xfe, 0x80 };

	ck_assert_int_eq(hl_cidr_parse("192.168.7.9/16", &c), HL_OK);
	ck_assert_int_eq(c.family, AF_INET);
	ck_assert_int_eq(c.bits, 16);
	ck_assert(memcmp(c.addr, v4, 4) == 0);   /* host bits cleared */

	ck_assert_int_eq(hl_cidr_parse("fe80::1234/10", &c), HL_OK);
	ck_assert_int_eq(c.family, AF_INET6);
	ck_assert_int_eq(c.bits, 10);
	ck_assert(memcmp(c.addr, v6, 16) == 0);

	ck_assert_int_eq(hl_cidr_parse("172.31.255.255/12", &c), HL_OK);
	ck_assert_int_eq(c.addr[1], 16);
	ck_assert_int_eq(c.addr[3], 0);

	ck_assert_int_eq(hl_cidr_parse("1.2.3.4", &c), HL_OK);
	ck_assert_int_eq(c.bits, 32);
	ck_assert_int_eq(hl_cidr_parse("::1", &c), HL_OK);
	ck_assert_int_eq(c.bits, 128);
	ck_assert_int_eq(hl_cidr_parse("::/0", &c), HL_OK);
	ck_assert_int_eq(c.bits, 0);
	ck_assert_int_eq(hl_cidr_parse("1.2.3.4/32", &c), HL_OK);
	ck_assert_int_eq(hl_cidr_parse("::1/128", &c), HL_OK);
}
END_TEST

START_TEST(test_cidr_parse_errors)
{
	static const char *bad[] = {
		"", "garbage", "10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/-1",
		"10.0.0.0/+8", "10.0.0.0/ 8", "10.0.0.0/8x", "10.0.0.0/0008",
		"10.0.0/8", "256.0.0.0/8", "127.1", "2130706433", "0x7f.0.0.1",
		"10.0.0.0/8/8", " 10.0.0.0/8", "10.0.0.0 /8", "/8", "fe80::1%eth0",
		"1:2:3:4:5:6:7:8:9", "10.0.0.0/8,",
		"aaaa:bbbb:cccc:dddd:eeee:ffff:1111:2222:3333:4444:5555/128",
	};
	struct hl_cidr c;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(hl_cidr_parse(bad[i], &c) == HL_ERR_INVALID,
			"accepted \"%s\"", bad[i]);
	ck_assert_int_eq(hl_cidr_parse(NULL, &c), HL_ERR_INVALID);
}
END_TEST

START_TEST(test_cidr_parse_list)
{
	struct hl_cidr list[4];
	int n = -1;

	ck_assert_int_eq(hl_cidr_parse_list("", list, 4, &n), HL_OK);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(hl_cidr_parse_list("  , \t ", list, 4, &n), HL_OK);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(hl_cidr_parse_list("10.0.0.0/8,127.0.0.1 ::1/128\t fc00::/7", list, 4, &n), HL_OK);
	ck_assert_int_eq(n, 4);
	ck_assert_int_eq(list[0].family, AF_INET);
	ck_assert_int_eq(list[0].bits, 8);
	ck_assert_int_eq(list[1].bits, 32);
	ck_assert_int_eq(list[2].family, AF_INET6);
	ck_assert_int_eq(list[3].bits, 7);
	ck_assert_int_eq(hl_cidr_parse_list("10.0.0.0/8, ,, 127.0.0.1", list, 4, &n), HL_OK);
	ck_assert_int_eq(n, 2);

	ck_assert_int_eq(hl_cidr_parse_list("10.0.0.0/8,bogus", list, 4, &n), HL_ERR_INVALID);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(hl_cidr_parse_list("10.0.0.0/33", list, 4, &n), HL_ERR_INVALID);
	ck_assert_int_eq(hl_cidr_parse_list("1.1.1.1 2.2.2.2 3.3.3.3", list, 2, &n),
		HL_ERR_TOOLARGE);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(hl_cidr_parse_list(
		"1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa:bbbb/128",
		list, 4, &n), HL_ERR_INVALID);
}
END_TEST

static Suite *ssrf_suite(void)
{
	Suite *s = suite_create("ssrf");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_deny_ipv4);
	tcase_add_test(tc, test_allow_ipv4_public);
	tcase_add_test(tc, test_deny_ipv6);
	tcase_add_test(tc, test_allow_ipv6_public);
	tcase_add_test(tc, test_deny_other_family);
	tcase_add_test(tc, test_allowlist);
	tcase_add_test(tc, test_cidr_match);
	tcase_add_test(tc, test_cidr_parse);
	tcase_add_test(tc, test_cidr_parse_errors);
	tcase_add_test(tc, test_cidr_parse_list);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return hl_check_run(ssrf_suite());
}
