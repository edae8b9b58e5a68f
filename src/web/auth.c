/* auth.c: API keys and HTTP Basic for the API (no cross-site changes
 * over Basic), session cookies (with a CSRF token on every state-changing
 * form) for pages. */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "hl_crypto.h"
#include "hl_jwt.h"
#include "hl_log.h"
#include "hl_sessions.h"
#include "hl_ssrf.h"
#include "hl_util.h"
#include "api_guard.h"
#include "auth.h"
#include "pages.h"

#define SESSION_COOKIE "hl_session"

static void
unauthorized(struct hl_req *r, const char *message)
{
	/* Bearer only: a Basic challenge makes browsers prompt and then
	 * attach the typed credentials to every later request, cross-site
	 * forms included. Basic still works for clients that send it. */
	hl_resp_header(r, "WWW-Authenticate", "Bearer realm=\"hookline\"");
	hl_resp_error(r, 401, "unauthorized", message, NULL);
}

enum hl_pw
hl_auth_password(struct hl_req *r, enum hl_login_kind kind, const char *email,
	const char *password, struct hl_principal *who, char pwhash_out[HL_PWHASH_MAX])
{
	int blocked;
	hl_err rc;

	/* Throttle before checking the password: a blocked guess costs no
	 * PBKDF2 work and reveals nothing. */
	rc = hl_login_attempt(r->db, email, r->client_addr, kind == HL_LOGIN_FORM, &blocked);
	if (rc)
		return HL_PW_ERROR;
	if (blocked) {
		hl_log(HL_LOG_WARN, "login throttled for %s", r->client_addr);
		return HL_PW_THROTTLED;
	}
	rc = hl_user_login(r->db, email, password, who, pwhash_out);
	if (rc == HL_ERR_AUTH) {
		hl_log(HL_LOG_INFO, "failed login for an account from %s", r->client_addr);
		if (kind == HL_LOGIN_BASIC && hl_login_failed(r->db, email, r->client_addr))
			return HL_PW_ERROR;
		return HL_PW_WRONG;
	}
	if (!rc && kind == HL_LOGIN_FORM)
		rc = hl_login_succeeded(r->db, email);
	return rc ? HL_PW_ERROR : HL_PW_OK;
}

static enum hl_pw
auth_basic(struct hl_req *r, const char *b64)
{
	unsigned char raw[1100];
	char creds[1100], *colon;
	enum hl_pw res;
	size_t n;

	if (hl_base64_decode(b64, strlen(b64), raw, sizeof(raw) - 1, &n))
		return HL_PW_WRONG;
	memcpy(creds, raw, n);
	creds[n] = '\0';
	memset(raw, 0, sizeof(raw));
	colon = strchr(creds, ':');
	if (!colon || colon == creds) {
		memset(creds, 0, sizeof(creds));
		return HL_PW_WRONG;
	}
	*colon = '\0';
	res = hl_auth_password(r, HL_LOGIN_BASIC, creds, colon + 1, &r->who, NULL);
	memset(creds, 0, sizeof(creds));
	return res;
}

static int
auth_api(struct hl_req *r, int *basic)
{
	const char *h = hl_req_env(r, "HTTP_AUTHORIZATION");
	hl_err rc;

	if (!h || !*h) {
		unauthorized(r, "missing credentials: send Authorization: Bearer <API key>");
		return -1;
	}
	if (!strncasecmp(h, "Bearer ", 7)) {
		/* Our keys start with hl_; anything else may be an SSO access token. */
		if (strncmp(h + 7, "hl_", 3) && hl_jwt_enabled(r->cfg)) {
			rc = hl_jwt_authenticate(r->db, r->cfg, h + 7, &r->who);
			if (rc == HL_ERR_AUTH) {
				unauthorized(r, hl_errmsg());
				return -1;
			}
		} else {
			rc = hl_apikey_authenticate(r->db, h + 7, &r->who);
			if (rc == HL_ERR_AUTH) {
				unauthorized(r, "invalid API key");
				return -1;
			}
		}
		if (rc) {
			hl_resp_core_error(r, rc);
			return -1;
		}
		/* A key limited to some networks is worthless elsewhere. */
		if (r->who.allowed_cidrs[0] &&
		    !hl_cidr_list_contains(r->who.allowed_cidrs, r->client_addr)) {
			hl_log(HL_LOG_WARN, "API key %s used from %s outside its allowed CIDRs",
				r->who.actor, r->client_addr);
			hl_resp_error(r, 403, "address_not_allowed", "this API key may not be used "
				"from this address", NULL);
			return -1;
		}
	} else if (!strncasecmp(h, "Basic ", 6)) {
		switch (auth_basic(r, h + 6)) {
		case HL_PW_OK:
			*basic = 1;
			break;
		case HL_PW_WRONG:
			unauthorized(r, "wrong email or password");
			return -1;
		case HL_PW_THROTTLED:
			hl_resp_header(r, "Retry-After", HL_LOGIN_RETRY_AFTER);
			hl_resp_error(r, 429, "too_many_attempts", "too many failed logins for this "
				"email or address; retry after the number of seconds in Retry-After", NULL);
			return -1;
		case HL_PW_ERROR:
			hl_resp_core_error(r, hl_errcode());
			return -1;
		}
	} else {
		unauthorized(r, "unsupported authorization scheme");
		return -1;
	}
	r->authenticated = 1;
	return 0;
}

/* A login's next target keeps its path to the characters of route paths
 * (no dot segments, no backslash, no escapes) and its query to those a
 * URL carries raw, with well-formed escapes: never another site (//host,
 * /\host, a scheme), never a line break, nothing HTML or a header
 * would read differently. */
#define NEXT_PATH_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/_-"
#define NEXT_QUERY_CHARS NEXT_PATH_CHARS ".~%&=+,:;@/?"
/* The login URL with its encoded next, short enough for any base path
 * in front (HL_BASE_PATH_MAX) to fit hl_resp_redirect. */
#define LOGIN_URL_MAX 800

static int
is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int
hl_login_next_ok(const char *next)
{
	const char *q;
	size_t plen, i;

	if (!next || strncmp(next, "/webhook", 8) || (next[8] && next[8] != '/' && next[8] != '?'))
		return 0;
	q = strchr(next, '?');
	plen = q ? (size_t)(q - next) : strlen(next);
	if (plen >= HL_LOGIN_NEXT_MAX || strspn(next, NEXT_PATH_CHARS) != plen)
		return 0;
	for (i = 0; i + 1 < plen; i++)
		if (next[i] == '/' && next[i + 1] == '/')
			return 0;
	if (!q)
		return 1;
	q++;
	if (strlen(next) >= HL_LOGIN_NEXT_MAX || strspn(q, NEXT_QUERY_CHARS) != strlen(q))
		return 0;
	for (; *q; q++)
		if (*q == '%' && (!is_hex(q[1]) || !is_hex(q[2])))
			return 0;
	return 1;
}

/* The page asked for as a next target (HL_LOGIN_NEXT_MAX): the path, and
 * the query as it came with the characters a query may not carry raw
 * percent-encoded, which changes nothing it means. A query with a broken
 * escape, or one too long, is left out; -1 when even the path is no
 * target. */
static int
next_target(struct hl_req *r, char out[HL_LOGIN_NEXT_MAX])
{
	static const char hex[] = "0123456789ABCDEF";
	size_t plen = strlen(r->path), n, i;
	const char *q = r->query;

	if (plen >= HL_LOGIN_NEXT_MAX)
		return -1;
	memcpy(out, r->path, plen + 1);
	if (!hl_login_next_ok(out))
		return -1;
	if (!*q)
		return 0;
	n = plen;
	out[n++] = '?';
	for (i = 0; q[i]; i++) {
		unsigned char c = (unsigned char)q[i];

		if (c == '%' && (!is_hex(q[i + 1]) || !is_hex(q[i + 2])))
			goto path_only;
		if (strchr(NEXT_QUERY_CHARS, c)) {
			if (n + 1 >= HL_LOGIN_NEXT_MAX)
				goto path_only;
			out[n++] = (char)c;
		} else {
			if (n + 3 >= HL_LOGIN_NEXT_MAX)
				goto path_only;
			out[n++] = '%';
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 15];
		}
	}
	out[n] = '\0';
	if (hl_login_next_ok(out))
		return 0;
path_only:
	out[plen] = '\0';
	return 0;
}

/* /webhook/login?next=<next as a query argument>: all but unreserved
 * characters and / percent-encoded, so it decodes back exactly. -1 when
 * it does not fit LOGIN_URL_MAX. */
static int
login_url(const char *next, char out[LOGIN_URL_MAX])
{
	static const char hex[] = "0123456789ABCDEF";
	static const char keep[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		"0123456789-._~/";
	size_t n = (size_t)snprintf(out, LOGIN_URL_MAX, "/webhook/login?next=");

	for (; *next; next++) {
		unsigned char c = (unsigned char)*next;

		if (n + 4 > LOGIN_URL_MAX)
			return -1;
		if (strchr(keep, c)) {
			out[n++] = (char)c;
		} else {
			out[n++] = '%';
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 15];
		}
	}
	out[n] = '\0';
	return 0;
}

/* Not logged in: to the login page, which sends a GET back to where it
 * was going, query string included (the path alone when the whole
 * would not fit). */
static void
to_login(struct hl_req *r)
{
	char next[HL_LOGIN_NEXT_MAX], url[LOGIN_URL_MAX];

	if (r->method != HL_GET || next_target(r, next)) {
		hl_resp_redirect(r, "/webhook/login");
		return;
	}
	if (login_url(next, url)) {
		next[strcspn(next, "?")] = '\0';
		if (login_url(next, url))
			hl_strlcpy(url, "/webhook/login", sizeof(url));
	}
	hl_resp_redirect(r, url);
}

static int
auth_page(struct hl_req *r)
{
	char token[HL_TOKEN_MAX + 8];
	hl_err rc;

	if (!hl_req_cookie(r, SESSION_COOKIE, token, sizeof(token))) {
		rc = HL_ERR_AUTH;
	} else {
		rc = hl_session_lookup(r->db, token, &r->who, r->csrf);
	}
	if (rc == HL_ERR_AUTH) {
		to_login(r);
		return -1;
	}
	if (rc) {
		hl_page_error(r, 500, "The dashboard cannot reach its database.");
		return -1;
	}
	hl_strlcpy(r->session_token, token, sizeof(r->session_token));
	r->authenticated = 1;
	r->via_session = 1;
	return 0;
}

int
hl_csrf_ok(struct hl_req *r)
{
	char sent[HL_TOKEN_MAX + 8];

	if (!r->csrf[0] || !hl_req_form(r, "csrf", sent, sizeof(sent)))
		return 0;
	return hl_ct_streq(sent, r->csrf);
}

/* The length of host[:port] without a trailing default port. */
static size_t
authority_len(const char *a, const char *dflt)
{
	size_t n = strlen(a), d = strlen(dflt);

	if (n > d && !strcmp(a + n - d, dflt))
		n -= d;
	return n;
}

int
hl_req_cross_site(struct hl_req *r)
{
	const char *site = hl_req_env(r, "HTTP_SEC_FETCH_SITE");
	const char *origin = hl_req_env(r, "HTTP_ORIGIN");
	const char *host = hl_req_env(r, "HTTP_HOST");
	const char *dflt;

	if (site && !strcasecmp(site, "cross-site"))
		return 1;
	if (!origin || !*origin)
		return 0;
	if (!strncasecmp(origin, "https://", 8)) {
		origin += 8;
		dflt = ":443";
	} else if (!strncasecmp(origin, "http://", 7)) {
		origin += 7;
		dflt = ":80";
	} else {
		return 1;
	}
	if (!host || !*host)
		return 1;
	/* The scheme's default port may be named on one side only. */
	return authority_len(origin, dflt) != authority_len(host, dflt) ||
		strncasecmp(origin, host, authority_len(host, dflt)) != 0;
}

int
hl_auth_check(struct hl_req *r, const struct hl_route *route)
{
	int state_changing = route->method != HL_GET && route->method != HL_HEAD;
	int basic = 0;

	switch (route->auth) {
	case HL_AUTH_NONE:
		return 0;
	case HL_AUTH_API:
		if (auth_api(r, &basic))
			return -1;
		/* Basic is the one API credential a browser may hold and send on
		 * its own: a change it carries from another site is forged. */
		if (basic && state_changing && hl_req_cross_site(r)) {
			hl_log(HL_LOG_WARN, "cross-site %s %s with Basic credentials from %s refused",
				hl_method_name(r->method), r->path, r->client_addr);
			hl_resp_error(r, 403, "cross_site_request", "a change authenticated with HTTP "
				"Basic may not come from another site", NULL);
			return -1;
		}
		if ((r->who.scopes & route->scope) != route->scope) {
			hl_resp_error(r, 403, "forbidden", "this key or user lacks the scope "
				"this request needs", NULL);
			return -1;
		}
		return 0;
	case HL_AUTH_PAGE:
		if (auth_page(r))
			return -1;
		if (state_changing && !hl_csrf_ok(r)) {
			hl_log(HL_LOG_WARN, "CSRF token missing or wrong for %s from %s",
				r->path, r->client_addr);
			hl_page_error(r, 403, "This form has expired or did not come from this "
				"site. Reload the page and try again.");
			return -1;
		}
		if ((r->who.scopes & route->scope) != route->scope) {
			hl_page_error(r, 403, "Your role does not allow this action.");
			return -1;
		}
		return 0;
	case HL_AUTH__MAX:
		break;
	}
	return -1;
}
