/* hl_sessions.h: browser sessions (the dashboard's login). The cookie
 * holds a random token; the database holds only its SHA-256. */
#ifndef HL_SESSIONS_H
#define HL_SESSIONS_H
#include "hl_accounts.h"
#include "hl_db.h"

#define HL_TOKEN_MAX 48   /* base64url of 32 bytes + NUL */

/* Create a session for user, provided it is still enabled and pwhash
 * (from hl_user_login) still its password, else HL_ERR_AUTH: a login
 * that checked the password while it was changed, or the user disabled,
 * gets no session that outlives the change. token_out goes into the
 * cookie, csrf_out into every form. */
hl_err hl_session_create(struct hl_db *db, const char *user_id, const char *pwhash,
	long ttl_s, const char *client_addr, char token_out[HL_TOKEN_MAX],
	char csrf_out[HL_TOKEN_MAX]);
/* HL_ERR_AUTH when unknown or expired. */
hl_err hl_session_lookup(struct hl_db *db, const char *token, struct hl_principal *p,
	char csrf_out[HL_TOKEN_MAX]);
hl_err hl_session_delete(struct hl_db *db, const char *token);
/* End every session of a user at once (disabled, or a new password);
 * *ended (may be NULL) is how many there were. */
hl_err hl_session_end_user(struct hl_db *db, const char *user_id, unsigned long long *ended);
/* A random URL-safe token (sessions, CSRF). */
hl_err hl_token_new(char out[HL_TOKEN_MAX]);

/* Login throttling (table login_failures). hl_login_attempt sets
 * *blocked when the email or the client address had too many failed
 * logins in the last window. With count, it checks and counts in one
 * step under a named lock: an attempt not blocked is already counted as
 * a failure, so parallel guesses get at most HL_LOGIN_MAX_PER_EMAIL
 * password checks, and a correct password then calls hl_login_succeeded,
 * which forgets the email's failures (this attempt's included). Without
 * count it only checks; the caller counts a failure with hl_login_failed. */
#define HL_LOGIN_WINDOW_S (15 * 60)
#define HL_LOGIN_MAX_PER_EMAIL 5
#define HL_LOGIN_MAX_PER_ADDR 20
hl_err hl_login_attempt(struct hl_db *db, const char *email, const char *client_addr,
	int count, int *blocked);
hl_err hl_login_failed(struct hl_db *db, const char *email, const char *client_addr);
hl_err hl_login_succeeded(struct hl_db *db, const char *email);

#endif
