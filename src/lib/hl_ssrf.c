/* hl_ssrf.c: the connect-time address policy for deliveries (deny private,
 * loopback, reserved ranges and their IPv6 disguises; an allowlist wins). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "hl_ssrf.h"

/* Longest text we accept for one entry: an IPv6 address plus "/128". */
#define CIDR_TEXT_MAX (INET6_ADDRSTRLEN + 4)

struct range4 {
	unsigned char net[4];
	int bits;
};

struct range6 {
	unsigned char net[16];
	int bits;
};

static const struct range4 deny4[] = {
	{ { 0, 0, 0, 0 }, 8 },          /* "this network" */
	{ { 10, 0, 0, 0 }, 8 },         /* private */
	{ { 100, 64, 0, 0 }, 10 },      /* carrier-grade NAT */
	{ { 127, 0, 0, 0 }, 8 },        /* loopback */
	{ { 169, 254, 0, 0 }, 16 },     /* link-local, cloud metadata */
	{ { 172, 16, 0, 0 }, 12 },      /* private */
	{ { 192, 0, 0, 0 }, 24 },       /* IETF protocol assignments */
	{ { 192, 0, 2, 0 }, 24 },       /* TEST-NET-1 */
	{ { 192, 168, 0, 0 }, 16 },     /* private */
	{ { 198, 18, 0, 0 }, 15 },      /* benchmarking */
	{ { 198, 51, 100, 0 }, 24 },    /* TEST-NET-2 */
	{ { 203, 0, 113, 0 }, 24 },     /* TEST-NET-3 */
	{ { 224, 0, 0, 0 }, 4 },        /* multicast */
	{ { 240, 0, 0, 0 }, 4 },        /* reserved */
	{ { 255, 255, 255, 255 }, 32 }, /* broadcast */
};

static const struct range6 deny6[] = {
	{ { 0 }, 128 },                                  /* :: unspecified */
	{ { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, 128 }, /* ::1 */
	{ { 0xfe, 0x80 }, 10 },                          /* link-local */
	{ { 0xfc, 0x00 }, 7 },                           /* unique local */
	{ { 0xff, 0x00 }, 8 },                           /* multicast */
	{ { 0x20, 0x01, 0x0d, 0xb8 }, 32 },              /* documentation */
	{ { 0, 0x64, 0xff, 0x9b, 0, 1 }, 48 },           /* local-use NAT64 (RFC 8215) */
	{ { 0x01, 0x00 }, 64 },                          /* discard-only (RFC 6666) */
};

/* IPv6 ranges that carry an IPv4 address, which is what the packet
 * eventually reaches: judge them by that address. */
static const struct range6 mapped = { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff }, 96 };
static const struct range6 nat64 = { { 0, 0x64, 0xff, 0x9b }, 96 };
static const struct range6 sixtofour = { { 0x20, 0x02 }, 16 };
/* ::a.b.c.d (IPv4-compatible, deprecated but still routed by a host with
 * a sit tunnel) and ::ffff:0:a.b.c.d (SIIT's IPv4-translated). */
static const struct range6 compatible = { { 0 }, 96 };
static const struct range6 translated = { { 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0 }, 96 };

/* 1 when the first bits of a and b agree. */
static int prefix_eq(const unsigned char *a, const unsigned char *b, int bits)
{
	int full = bits / 8, rest = bits % 8;
	unsigned char mask;

	if (memcmp(a, b, (size_t)full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (unsigned char)(0xff << (8 - rest));
	return (a[full] & mask) == (b[full] & mask);
}

static void mask_host_bits(unsigned char *addr, int len, int bits)
{
	int i;

	for (i = 0; i < len; i++) {
		int keep = bits - i * 8;

		if (keep <= 0)
			addr[i] = 0;
		else if (keep < 8)
			addr[i] &= (unsigned char)(0xff << (8 - keep));
	}
}

hl_err hl_cidr_parse(const char *s, struct hl_cidr *out)
{
	hl_err rc = HL_OK;
	char text[CIDR_TEXT_MAX + 1];
	const char *slash;
	size_t alen, i;
	long bits;
	int maxbits;

	memset(out, 0, sizeof(*out));
	if (!s || strlen(s) > CIDR_TEXT_MAX) {
		rc = hl_fail(HL_ERR_INVALID, "cidr", "not an address or CIDR");
		goto out;
	}
	slash = strchr(s, '/');
	alen = slash ? (size_t)(slash - s) : strlen(s);
	memcpy(text, s, alen);
	text[alen] = '\0';
	if (strchr(text, ':')) {
		out->family = AF_INET6;
		maxbits = 128;
	} else {
		out->family = AF_INET;
		maxbits = 32;
	}
	if (inet_pton(out->family, text, out->addr) != 1) {
		rc = hl_fail(HL_ERR_INVALID, "cidr", "not an address: %s", text);
		goto out;
	}
	bits = maxbits;
	if (slash) {
		/* Digits only: strtol alone would take "+8", " 8" or "". */
		slash++;
		if (slash[0] == '\0' || strlen(slash) > 3) {
			rc = hl_fail(HL_ERR_INVALID, "cidr", "bad prefix length in %s", s);
			goto out;
		}
		for (i = 0; slash[i]; i++) {
			if (slash[i] < '0' || slash[i] > '9') {
				rc = hl_fail(HL_ERR_INVALID, "cidr",
					"bad prefix length in %s", s);
				goto out;
			}
		}
		bits = strtol(slash, NULL, 10);
		if (bits > maxbits) {
			rc = hl_fail(HL_ERR_INVALID, "cidr",
				"prefix length must be 0..%d in %s", maxbits, s);
			goto out;
		}
	}
	out->bits = (int)bits;
	mask_host_bits(out->addr, maxbits / 8, out->bits);
out:
	if (rc != HL_OK)
		memset(out, 0, sizeof(*out));
	return rc;
}

hl_err hl_cidr_parse_list(const char *s, struct hl_cidr *out, int max, int *n)
{
	hl_err rc = HL_OK;
	static const char seps[] = ", \t\r\n";
	char tok[CIDR_TEXT_MAX + 1];
	size_t len;
	int count = 0;

	*n = 0;
	if (!s)
		goto out;
	for (;;) {
		s += strspn(s, seps);
		if (*s == '\0')
			break;
		len = strcspn(s, seps);
		if (len > CIDR_TEXT_MAX) {
			rc = hl_fail(HL_ERR_INVALID, "cidr", "entry too long: %.48s...", s);
			goto out;
		}
		if (count >= max) {
			rc = hl_fail(HL_ERR_TOOLARGE, "cidr",
				"more than %d entries", max);
			goto out;
		}
		memcpy(tok, s, len);
		tok[len] = '\0';
		rc = hl_cidr_parse(tok, &out[count]);
		if (rc != HL_OK)
			goto out;
		count++;
		s += len;
	}
	*n = count;
out:
	return rc;
}

/* The address bytes of sa, or NULL for a family we do not connect to. */
static const unsigned char *sa_bytes(const struct sockaddr *sa, int *family)
{
	if (!sa)
		return NULL;
	*family = sa->sa_family;
	if (sa->sa_family == AF_INET)
		return (const unsigned char *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	if (sa->sa_family == AF_INET6)
		return ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr;
	return NULL;
}

int hl_cidr_match(const struct hl_cidr *c, const struct sockaddr *sa)
{
	const unsigned char *a;
	unsigned char v6[16];
	int family = 0;

	a = sa_bytes(sa, &family);
	if (!a || !c)
		return 0;
	if (c->family == family)
		return prefix_eq(c->addr, a, c->bits);
	/* An IPv4 entry also covers the IPv4-mapped spelling, and an
	 * IPv4-mapped entry covers plain IPv4: both reach the same host. */
	if (c->family == AF_INET && family == AF_INET6)
		return prefix_eq(a, mapped.net, mapped.bits)
			&& prefix_eq(c->addr, a + 12, c->bits);
	if (c->family == AF_INET6 && family == AF_INET) {
		memcpy(v6, mapped.net, 12);
		memcpy(v6 + 12, a, 4);
		return prefix_eq(c->addr, v6, c->bits);
	}
	return 0;
}

static int denied4(const unsigned char *a)
{
	size_t i;

	for (i = 0; i < sizeof(deny4) / sizeof(deny4[0]); i++) {
		if (prefix_eq(deny4[i].net, a, deny4[i].bits))
			return 1;
	}
	return 0;
}

static int denied6(const unsigned char *a)
{
	size_t i;

	for (i = 0; i < sizeof(deny6) / sizeof(deny6[0]); i++) {
		if (prefix_eq(deny6[i].net, a, deny6[i].bits))
			return 1;
	}
	if (prefix_eq(mapped.net, a, mapped.bits) || prefix_eq(nat64.net, a, nat64.bits) ||
	    prefix_eq(compatible.net, a, compatible.bits) ||
	    prefix_eq(translated.net, a, translated.bits))
		return denied4(a + 12);
	if (prefix_eq(sixtofour.net, a, sixtofour.bits))
		return denied4(a + 2);
	return 0;
}

int hl_ssrf_denied(const struct sockaddr *sa, const struct hl_cidr *allow, int nallow)
{
	const unsigned char *a;
	int family = 0, i;

	a = sa_bytes(sa, &family);
	/* Unknown families (AF_UNIX ...) are never a webhook destination. */
	if (!a)
		return 1;
	for (i = 0; i < nallow; i++) {
		if (hl_cidr_match(&allow[i], sa))
			return 0;
	}
	if (family == AF_INET)
		return denied4(a);
	return denied6(a);
}

int
hl_cidr_list_contains(const char *cidrs, const char *addr)
{
	struct hl_cidr list[HL_CIDR_MAX];
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	const struct sockaddr *sa;
	int n = 0, i;

	memset(&sin, 0, sizeof(sin));
	memset(&sin6, 0, sizeof(sin6));
	if (inet_pton(AF_INET, addr, &sin.sin_addr) == 1) {
		sin.sin_family = AF_INET;
		sa = (const struct sockaddr *)&sin;
	} else if (inet_pton(AF_INET6, addr, &sin6.sin6_addr) == 1) {
		sin6.sin6_family = AF_INET6;
		sa = (const struct sockaddr *)&sin6;
	} else {
		return 0;
	}
	/* A list that does not parse admits nobody (fail closed). */
	if (hl_cidr_parse_list(cidrs, list, HL_CIDR_MAX, &n))
		return 0;
	for (i = 0; i < n; i++)
		if (hl_cidr_match(&list[i], sa))
			return 1;
	return 0;
}
