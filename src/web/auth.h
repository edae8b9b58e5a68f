/* auth.h: who is calling, and may they. Every route passes through here
 * before its handler (the route table declares the kind and the scope). */
#ifndef HL_AUTH_H
#define HL_AUTH_H
#include "router.h"

/* 0 when the request may proceed; otherwise the 401/403/redirect has been
 * written. */
int hl_auth_check(struct hl_req *r, const struct hl_route *route);
/* Pages: 1 when the posted form carries this session's CSRF token. */
int hl_csrf_ok(struct hl_req *r);
/* A browser's cross-site request: Sec-Fetch-Site says so, or Origin
 * names another host than the one the request was sent to ("null" and
 * anything unparsable included). Requests without either (not from a
 * browser, or an old one) are not. */
int hl_req_cross_site(struct hl_req *r);

/* An email and password checked the one way both the login form and HTTP
 * Basic use: throttled per email and client address (hl_login_attempt),
 * failures counted. The form counts each attempt before its password
 * check (parallel guesses get exactly the allowance) and a success
 * forgets the failures. HTTP Basic authenticates every API request, many
 * at once with the right password: it counts failures after the check,
 * and a success forgets nothing (a script's calls must not wipe the
 * failures of someone guessing beside it). Logs, never answers.
 * pwhash_out (may be NULL): see hl_user_login. */
enum hl_pw { HL_PW_OK, HL_PW_WRONG, HL_PW_THROTTLED, HL_PW_ERROR };
enum hl_login_kind { HL_LOGIN_FORM, HL_LOGIN_BASIC };
enum hl_pw hl_auth_password(struct hl_req *r, enum hl_login_kind kind, const char *email,
	const char *password, struct hl_principal *who, char pwhash_out[HL_PWHASH_MAX]);
/* Where a login may send the browser on to (?next= and the form's next
 * field, at most HL_LOGIN_NEXT_MAX - 1 bytes): a dashboard route path
 * (/webhook, /webhook/... or /webhook?...: Web.BasePath goes in front),
 * its path of route characters without //, its query of URL characters
 * with well-formed %XX escapes. 1 when next is one. */
#define HL_LOGIN_NEXT_MAX 512
int hl_login_next_ok(const char *next);
/* Retry-After for a throttled login: the throttle's window. */
#define HL_LOGIN_RETRY_AFTER "900"

#endif
