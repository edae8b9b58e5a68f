/* hl_ssrf.h: decide whether a resolved address may be connected to.
 * Deny by default the ranges in docs (loopback, private, link-local,
 * CGNAT, multicast, reserved, documentation, IPv6 equivalents and
 * IPv4-mapped IPv6); an allowlist of CIDRs overrides. */
#ifndef HL_SSRF_H
#define HL_SSRF_H
#include <sys/socket.h>
#include "hl_error.h"
#include "hl_config.h"   /* struct hl_cidr */

/* Parse "10.0.0.0/8", "::1/128", or a bare address (full-length prefix). */
hl_err hl_cidr_parse(const char *s, struct hl_cidr *out);
/* Parse a comma/space separated list into out (at most max). */
hl_err hl_cidr_parse_list(const char *s, struct hl_cidr *out, int max, int *n);
int hl_cidr_match(const struct hl_cidr *c, const struct sockaddr *sa);
/* 1 when the textual address addr is inside one of the comma-separated
 * CIDRs; a list that does not parse admits nobody (fail closed). */
int hl_cidr_list_contains(const char *cidrs, const char *addr);
/* 1 when the address must not be connected to. */
int hl_ssrf_denied(const struct sockaddr *sa, const struct hl_cidr *allow, int nallow);

#endif
