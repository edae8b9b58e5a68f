/* hl_accounts.h: accounts (tenants), api_keys and users: who may act. */
#ifndef HL_ACCOUNTS_H
#define HL_ACCOUNTS_H
#include "hl_crypto.h"
#include "hl_db.h"

enum hl_scope {
	HL_SCOPE_READ = 1 << 0,
	HL_SCOPE_WRITE = 1 << 1,
	HL_SCOPE_ADMIN = 1 << 2,
};

enum hl_role { HL_ROLE_VIEWER, HL_ROLE_DEVELOPER, HL_ROLE_ADMIN, HL_ROLE__MAX };

/* The longest allowed_cidrs of a key (its column). */
#define HL_CIDRS_MAX 1000

/* Who is calling: an API key or a user, always inside one account. */
struct hl_principal {
	char account_id[HL_ID_MAX];
	char actor_id[HL_ID_MAX];      /* key_... or usr_... */
	char actor[300];               /* for the audit log: key prefix or email */
	unsigned scopes;               /* enum hl_scope bits */
	enum hl_role role;             /* users only */
	char allowed_cidrs[HL_CIDRS_MAX + 1]; /* keys only; "" = any address */
};

/* slug: 1-64 of a-z, 0-9, - and _, not starting with -; name (NULL or
 * "" for the slug): UTF-8, at most 200 characters, no control character.
 * hl_account_check makes hl_account_create's checks without a database. */
hl_err hl_account_check(const char *slug, const char *name);
hl_err hl_account_create(struct hl_db *db, const char *slug, const char *name,
	char id_out[HL_ID_MAX]);
/* The account whose slug is exactly slug (byte for byte, not by the
 * collation); HL_ERR_NOTFOUND when there is none. */
hl_err hl_account_by_slug(struct hl_db *db, const char *slug, char id_out[HL_ID_MAX]);
typedef void (*hl_account_cb)(void *arg, const char *id, const char *slug,
	const char *name, const char *created_at);
hl_err hl_account_list(struct hl_db *db, hl_account_cb cb, void *arg);

/* scopes: "read,write,admin" subset; allowed_cidrs NULL (any address) or
 * a list that parses. Writes the new key to key_out (shown once).
 * hl_apikey_options_check makes the same checks of name, scopes and
 * allowed_cidrs without a database, for a caller to refuse them first. */
hl_err hl_apikey_options_check(const char *name, const char *scopes,
	const char *allowed_cidrs);
hl_err hl_apikey_create(struct hl_db *db, const char *account_id, const char *name,
	const char *scopes, const char *allowed_cidrs, char key_out[HL_APIKEY_MAX],
	char id_out[HL_ID_MAX]);
/* HL_ERR_AUTH for an unknown, revoked or wrong key. */
hl_err hl_apikey_authenticate(struct hl_db *db, const char *key, struct hl_principal *p);
hl_err hl_apikey_revoke(struct hl_db *db, const char *account_id, const char *key_id);
typedef void (*hl_apikey_cb)(void *arg, const char *id, const char *prefix,
	const char *name, const char *scopes, const char *created_at,
	const char *last_used_at, const char *revoked_at);
hl_err hl_apikey_list(struct hl_db *db, const char *account_id, hl_apikey_cb cb, void *arg);
unsigned hl_scopes_parse(const char *s);  /* 0 on an unknown name */

int hl_role_parse(const char *s, enum hl_role *out);  /* 0 ok */
const char *hl_role_name(enum hl_role r);
/* The checks hl_user_create and hl_user_set_password make, without a
 * database: an address with one @ and no space, control character or
 * <>"; a password of 10 to 1024 characters of UTF-8. */
hl_err hl_user_email_check(const char *email);
hl_err hl_password_check(const char *password);
hl_err hl_user_create(struct hl_db *db, const char *account_id, const char *email,
	enum hl_role role, const char *password, char id_out[HL_ID_MAX]);
/* HL_ERR_AUTH when the email is unknown, the user disabled or the
 * password wrong (same message and similar time for all). pwhash_out
 * (may be NULL) gets the stored hash the password matched: a session is
 * made only while it is still the user's (hl_session_create). */
hl_err hl_user_login(struct hl_db *db, const char *email, const char *password,
	struct hl_principal *p, char pwhash_out[HL_PWHASH_MAX]);
/* Load a user principal by id (sessions). */
hl_err hl_user_principal(struct hl_db *db, const char *user_id, struct hl_principal *p);
/* A user, disabled or not, by email or by id (one of them NULL), in
 * account_id or, when that is NULL, in any account: the principal it
 * would be and whether it is disabled. HL_ERR_NOTFOUND when none. */
hl_err hl_user_find(struct hl_db *db, const char *account_id, const char *email,
	const char *user_id, struct hl_principal *p, int *disabled);
typedef void (*hl_user_cb)(void *arg, const char *id, const char *email, const char *role,
	const char *created_at, const char *disabled_at);
/* The account's users, disabled ones included (disabled_at non-NULL). */
hl_err hl_user_list(struct hl_db *db, const char *account_id, hl_user_cb cb, void *arg);
/* Disable (disabled != 0) or enable a user of the account; *changed is 0
 * when it already was. Logins then refuse it as they refuse an unknown
 * email; its sessions are the caller's to end (hl_session_end_user). */
hl_err hl_user_set_disabled(struct hl_db *db, const char *account_id, const char *user_id,
	int disabled, int *changed);
/* A new password (10 to 1024 characters, else HL_ERR_INVALID) for a user
 * of the account; its sessions are the caller's to end. */
hl_err hl_user_set_password(struct hl_db *db, const char *account_id, const char *user_id,
	const char *password);

#endif
