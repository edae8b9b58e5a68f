/* page_login.c: /webhook/login and /webhook/logout. */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "hl_audit.h"
#include "hl_log.h"
#include "hl_sessions.h"
#include "hl_util.h"
#include "auth.h"
#include "pages.h"

/* Only a dashboard page may be a post-login destination. */
static const char *
safe_next(const char *next)
{
	return hl_login_next_ok(next) ? next : "/webhook";
}

static void
show_form(struct hl_req *r, int status, const char *email, const char *next, const char *error)
{
	HDF *hdf = hl_page_hdf(r);

	hdf_set_value(hdf, "Page.Title", "Log in");
	hdf_set_value(hdf, "Page.Email", email ? email : "");
	hdf_set_value(hdf, "Page.Next", safe_next(next));
	if (error)
		hdf_set_value(hdf, "Page.Error", error);
	hl_page_render(r, status, "login.cs");
}

void
page_login_form(struct hl_req *r)
{
	char next[HL_LOGIN_NEXT_MAX];

	show_form(r, 200, NULL, hl_req_query(r, "next", next, sizeof(next)), NULL);
}

/* Secure when configured, and whenever the request itself came over
 * https (the web server says so with HTTPS=on). */
static int
cookie_secure(struct hl_req *r)
{
	const char *https = hl_req_env(r, "HTTPS");

	return r->cfg->cookie_secure || (https && !strcasecmp(https, "on"));
}

/* The audit record of a login, a failed login or a logout, as the user
 * it names, from the client's address; never the password. */
static void
audit_login(struct hl_req *r, const struct hl_principal *who, const char *action,
	const char *reason)
{
	json_object *detail = NULL;

	if (reason) {
		detail = json_object_new_object();
		hl_json_add_str(detail, "reason", reason);
	}
	if (hl_audit_write(r->db, who, r->client_addr, action, who->actor_id, detail))
		hl_log(HL_LOG_ERROR, "audit record %s %s lost: %s", action, who->actor_id,
			hl_errmsg());
	json_object_put(detail);
}

/* A failed login is recorded in the account of the user the email names
 * (disabled or not); an email that names none (a typo, a password typed
 * into the email field) belongs to no account and is only logged.
 * Throttled attempts are not recorded: they are not counted either, and
 * cost no password check, so there is no bound on how many come. */
static void
audit_login_failed(struct hl_req *r, const char *email)
{
	struct hl_principal who;
	int disabled;

	if (hl_user_find(r->db, NULL, email, NULL, &who, &disabled))
		return;
	audit_login(r, &who, "user.login_failed", disabled ? "disabled" : "wrong_password");
}

void
page_login_submit(struct hl_req *r)
{
	char email[300], password[1100], next[HL_LOGIN_NEXT_MAX], cookie[800], path[512];
	char token[HL_TOKEN_MAX], csrf[HL_TOKEN_MAX], pwhash[HL_PWHASH_MAX];
	struct hl_principal who;
	enum hl_pw res;
	hl_err rc;

	/* Another site's form must not log the browser in (into an
	 * account of that site's choosing: login CSRF). */
	if (hl_req_cross_site(r)) {
		show_form(r, 403, "", "", "Log in from this site's own login page.");
		return;
	}
	if (!hl_req_form(r, "email", email, sizeof(email)))
		email[0] = '\0';
	if (!hl_req_form(r, "next", next, sizeof(next)))
		next[0] = '\0';
	if (!hl_req_form(r, "password", password, sizeof(password)))
		password[0] = '\0';
	/* Say what is missing: an empty password is not a wrong one (and
	 * costs no password check, nor counts as a failed login). */
	if (!*email || !*password) {
		show_form(r, 400, email, next, !*email && !*password ? "Enter your email and password." :
			!*email ? "Enter your email address." : "Enter your password.");
		return;
	}
	res = hl_auth_password(r, HL_LOGIN_FORM, email, password, &who, pwhash);
	memset(password, 0, sizeof(password));
	if (res == HL_PW_THROTTLED) {
		hl_resp_header(r, "Retry-After", HL_LOGIN_RETRY_AFTER);
		show_form(r, 429, email, next, "Too many failed logins. Wait 15 minutes and "
			"try again.");
		return;
	}
	if (res == HL_PW_WRONG) {
		audit_login_failed(r, email);
		show_form(r, 401, email, next, "Wrong email or password.");
		return;
	}
	rc = res == HL_PW_OK ? HL_OK : HL_ERR_DB;
	if (!rc)
		rc = hl_session_create(r->db, who.actor_id, pwhash, r->cfg->session_ttl,
			r->client_addr, token, csrf);
	memset(pwhash, 0, sizeof(pwhash));
	if (rc == HL_ERR_AUTH) {
		/* The password was changed, or the user disabled, while it was
		 * checked: it no longer opens a session. */
		hl_log(HL_LOG_INFO, "login from %s lost to a password change or a disable",
			r->client_addr);
		audit_login_failed(r, email);
		show_form(r, 401, email, next, "Wrong email or password.");
		return;
	}
	if (rc) {
		hl_page_error(r, 500, "Logging in failed; see the server log.");
		return;
	}
	audit_login(r, &who, "user.login", NULL);
	/* A new token at every login: a planted cookie never becomes a session. */
	snprintf(cookie, sizeof(cookie), "hl_session=%s; Path=%s; HttpOnly; "
		"SameSite=Strict; Max-Age=%ld%s", token, hl_req_url(r, "/webhook", path, sizeof(path)),
		r->cfg->session_ttl, cookie_secure(r) ? "; Secure" : "");
	hl_resp_header(r, "Set-Cookie", cookie);
	hl_resp_redirect(r, safe_next(next));
	memset(token, 0, sizeof(token));
}

void
page_logout(struct hl_req *r)
{
	char cookie[600], path[512];

	audit_login(r, &r->who, "user.logout", NULL);
	hl_session_delete(r->db, r->session_token);
	snprintf(cookie, sizeof(cookie), "hl_session=; Path=%s; HttpOnly; SameSite=Strict; "
		"Max-Age=0", hl_req_url(r, "/webhook", path, sizeof(path)));
	hl_resp_header(r, "Set-Cookie", cookie);
	hl_resp_redirect(r, "/webhook/login");
}
