/* hl_accounts.c: the SQL of accounts, api_keys and users. */
#include <stdio.h>
#include <string.h>
#include "hl_accounts.h"
#include "hl_ssrf.h"
#include "hl_util.h"

static const char *const role_names[HL_ROLE__MAX] = {
	[HL_ROLE_VIEWER] = "viewer",
	[HL_ROLE_DEVELOPER] = "developer",
	[HL_ROLE_ADMIN] = "admin",
};

/* Scopes a role grants to a browser session. */
static const unsigned role_scopes[HL_ROLE__MAX] = {
	[HL_ROLE_VIEWER] = HL_SCOPE_READ,
	[HL_ROLE_DEVELOPER] = HL_SCOPE_READ | HL_SCOPE_WRITE,
	[HL_ROLE_ADMIN] = HL_SCOPE_READ | HL_SCOPE_WRITE | HL_SCOPE_ADMIN,
};

static void
copy(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

static int
slug_valid(const char *s)
{
	size_t i, n = strlen(s);

	if (n < 1 || n > 64)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return 0;
	}
	return 1;
}

/* A name people give (an account's, a key's): what the column holds, on
 * one line, as the lists print one per line with tab-separated fields. */
static hl_err
name_check(const char *what, const char *name)
{
	size_t n = strlen(name);

	if (!hl_utf8_valid(name, n))
		return hl_fail(HL_ERR_INVALID, "name", "%s name is not UTF-8 text", what);
	if (hl_utf8_chars(name) > 200)
		return hl_fail(HL_ERR_INVALID, "name", "%s name is longer than 200 characters", what);
	if (hl_has_control(name, n))
		return hl_fail(HL_ERR_INVALID, "name", "%s name must not hold a control character "
			"(a tab, a line break...)", what);
	return HL_OK;
}

hl_err
hl_account_check(const char *slug, const char *name)
{
	/* Not starting with "-" for a new account only: such a slug reads as
	 * an option wherever it follows a command ("hooklinectl key list
	 * -acme", a script's getopt). slug_valid stays as it was for
	 * lookups, so an account made before the rule is still found. */
	if (!slug || !slug_valid(slug) || slug[0] == '-')
		return hl_fail(HL_ERR_INVALID, "slug", "account slug must be 1-64 characters of "
			"a-z, 0-9, - and _, and must not start with -");
	return name && *name ? name_check("account", name) : HL_OK;
}

hl_err
hl_account_create(struct hl_db *db, const char *slug, const char *name,
	char id_out[HL_ID_MAX])
{
	hl_err rc;

	if ((rc = hl_account_check(slug, name)))
		return rc;
	if (!name || !*name)
		name = slug;
	rc = hl_id_new("acct", id_out);
	if (rc)
		return rc;
	rc = hl_db_exec(db, NULL, "INSERT INTO accounts (id, slug, name) VALUES (?, ?, ?)",
		"sss", id_out, slug, name);
	if (rc == HL_ERR_CONFLICT)
		return hl_fail(HL_ERR_CONFLICT, "slug", "account exists");
	return rc;
}

hl_err
hl_account_by_slug(struct hl_db *db, const char *slug, char id_out[HL_ID_MAX])
{
	struct hl_stmt *st;
	hl_err rc;
	int found;

	/* Exactly this slug: the table's collation ignores case, accents
	 * and trailing spaces, and a JWT's account claim ("ACME", "acme ",
	 * an accented e) must not name the account "acme". The index finds
	 * the row, the binary comparison keeps only the exact one. */
	if (!slug || !slug_valid(slug))
		return hl_fail(HL_ERR_NOTFOUND, "account", "no account with slug %s",
			slug ? slug : "");
	rc = hl_stmt_new(db, "SELECT id FROM accounts WHERE slug = ? AND BINARY slug = ?", &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, slug);
	hl_stmt_str(st, 1, slug);
	rc = hl_stmt_first(st, &found);
	if (!rc && !found)
		rc = hl_fail(HL_ERR_NOTFOUND, "account", "no account with slug %s", slug);
	else if (!rc)
		copy(id_out, HL_ID_MAX, hl_stmt_col(st, 0));
	hl_stmt_free(st);
	return rc;
}

hl_err
hl_account_list(struct hl_db *db, hl_account_cb cb, void *arg)
{
	struct hl_stmt *st;
	hl_err rc;
	int r;

	rc = hl_stmt_new(db, "SELECT id, slug, name, DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%sZ') "
		"FROM accounts ORDER BY slug", &st);
	if (rc)
		return rc;
	rc = hl_stmt_exec(st);
	while (!rc && (r = hl_stmt_fetch(st)) != 0) {
		if (r < 0) {
			rc = HL_ERR_DB;
			break;
		}
		cb(arg, hl_stmt_col(st, 0), hl_stmt_col(st, 1), hl_stmt_col(st, 2),
			hl_stmt_col(st, 3));
	}
	hl_stmt_free(st);
	return rc;
}

unsigned
hl_scopes_parse(const char *s)
{
	unsigned bits = 0;
	const char *p = s;

	while (*p) {
		size_t n = strcspn(p, ",");

		if (n == 4 && !strncmp(p, "read", 4))
			bits |= HL_SCOPE_READ;
		else if (n == 5 && !strncmp(p, "write", 5))
			bits |= HL_SCOPE_WRITE;
		else if (n == 5 && !strncmp(p, "admin", 5))
			bits |= HL_SCOPE_ADMIN;
		else
			return 0;
		p += n;
		if (*p == ',')
			p++;
	}
	return bits;
}

static void
scopes_format(unsigned bits, char *out, size_t cap)
{
	snprintf(out, cap, "%s%s%s%s%s",
		bits & HL_SCOPE_READ ? "read" : "",
		(bits & HL_SCOPE_READ) && (bits & (HL_SCOPE_WRITE | HL_SCOPE_ADMIN)) ? "," : "",
		bits & HL_SCOPE_WRITE ? "write" : "",
		(bits & HL_SCOPE_WRITE) && (bits & HL_SCOPE_ADMIN) ? "," : "",
		bits & HL_SCOPE_ADMIN ? "admin" : "");
}

#define CIDR_SEPARATORS ", \t\r\n"

/* The list as it will be stored: trimmed, and one that parses, so a key
 * never silently admits nobody (a list that does not parse does) or, cut
 * short, a wider network than was given. */
static hl_err
cidrs_check(const char *in, char out[HL_CIDRS_MAX + 1])
{
	struct hl_cidr list[HL_CIDR_MAX];
	size_t start, end;
	int n;

	if (strlen(in) > HL_CIDRS_MAX)
		return hl_fail(HL_ERR_INVALID, "cidrs", "the allowed CIDRs are longer than %d "
			"characters", HL_CIDRS_MAX);
	start = strspn(in, CIDR_SEPARATORS);
	end = strlen(in);
	while (end > start && strchr(CIDR_SEPARATORS, in[end - 1]))
		end--;
	memcpy(out, in + start, end - start);
	out[end - start] = '\0';
	if (!*out)
		return hl_fail(HL_ERR_INVALID, "cidrs", "the list of allowed CIDRs is empty "
			"(leave it out for a key usable from any address)");
	if (hl_cidr_parse_list(out, list, HL_CIDR_MAX, &n))
		return hl_fail(HL_ERR_INVALID, "cidrs", "allowed CIDRs: %s", hl_errmsg());
	return HL_OK;
}

/* A new key's options, checked, in the form they are stored: scopes in
 * their canonical order, the CIDRs ("" for none) as cidrs_check gives them. */
static hl_err
apikey_options(const char *name, const char *scopes, const char *allowed_cidrs,
	char norm[32], char cidrs[HL_CIDRS_MAX + 1])
{
	unsigned bits;
	hl_err rc;

	*cidrs = '\0';
	bits = hl_scopes_parse(scopes ? scopes : "read");
	if (!bits)
		return hl_fail(HL_ERR_INVALID, "scopes",
			"scopes must be a comma-separated subset of read, write, admin");
	scopes_format(bits, norm, 32);
	if (name && (rc = name_check("key", name)))
		return rc;
	return allowed_cidrs ? cidrs_check(allowed_cidrs, cidrs) : HL_OK;
}

hl_err
hl_apikey_options_check(const char *name, const char *scopes, const char *allowed_cidrs)
{
	char norm[32], cidrs[HL_CIDRS_MAX + 1];

	return apikey_options(name, scopes, allowed_cidrs, norm, cidrs);
}

hl_err
hl_apikey_create(struct hl_db *db, const char *account_id, const char *name,
	const char *scopes, const char *allowed_cidrs, char key_out[HL_APIKEY_MAX],
	char id_out[HL_ID_MAX])
{
	char prefix[16], hash[65], norm[32], cidrs[HL_CIDRS_MAX + 1];
	hl_err rc;

	rc = apikey_options(name, scopes, allowed_cidrs, norm, cidrs);
	if (!rc)
		rc = hl_id_new("key", id_out);
	if (!rc)
		rc = hl_apikey_new(key_out, prefix, hash);
	if (rc)
		return rc;
	rc = hl_db_exec(db, NULL, "INSERT INTO api_keys (id, account_id, name, prefix, key_hash, "
		"scopes, allowed_cidrs) VALUES (?, ?, ?, ?, ?, ?, ?)", "sssssss",
		id_out, account_id, name ? name : "", prefix, hash, norm, *cidrs ? cidrs : NULL);
	memset(hash, 0, sizeof(hash));
	return rc;
}

hl_err
hl_apikey_authenticate(struct hl_db *db, const char *key, struct hl_principal *p)
{
	char prefix[16], hash[65];
	struct hl_stmt *st = NULL;
	int found, recent;
	hl_err rc;

	memset(p, 0, sizeof(*p));
	rc = hl_apikey_prefix(key, prefix);
	if (rc)
		return hl_fail(HL_ERR_AUTH, NULL, "invalid API key");
	hl_sha256_hex(key, strlen(key), hash);
	rc = hl_stmt_new(db, "SELECT id, account_id, key_hash, scopes, IFNULL(allowed_cidrs, ''), "
		"last_used_at IS NOT NULL AND last_used_at > NOW(3) - INTERVAL 60 SECOND "
		"FROM api_keys WHERE prefix = ? AND revoked_at IS NULL", &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, prefix);
	rc = hl_stmt_first(st, &found);
	if (rc)
		goto out;
	if (!found || !hl_ct_streq(hl_stmt_col(st, 2), hash)) {
		rc = hl_fail(HL_ERR_AUTH, NULL, "invalid API key");
		goto out;
	}
	copy(p->actor_id, sizeof(p->actor_id), hl_stmt_col(st, 0));
	copy(p->account_id, sizeof(p->account_id), hl_stmt_col(st, 1));
	p->scopes = hl_scopes_parse(hl_stmt_col(st, 3));
	copy(p->allowed_cidrs, sizeof(p->allowed_cidrs), hl_stmt_col(st, 4));
	copy(p->actor, sizeof(p->actor), prefix);
	p->role = HL_ROLE__MAX;
	recent = (int)hl_stmt_colint(st, 5);
	hl_stmt_free(st);
	st = NULL;
	/* last_used_at at most once a minute: no write per request. */
	if (!recent)
		rc = hl_db_exec(db, NULL, "UPDATE api_keys SET last_used_at = NOW(3) WHERE id = ?",
			"s", p->actor_id);
out:
	hl_stmt_free(st);
	return rc;
}

hl_err
hl_apikey_revoke(struct hl_db *db, const char *account_id, const char *key_id)
{
	unsigned long long n = 0;
	hl_err rc;

	rc = hl_db_exec(db, &n, "UPDATE api_keys SET revoked_at = NOW(3) "
		"WHERE id = ? AND account_id = ? AND revoked_at IS NULL", "ss", key_id, account_id);
	if (!rc && n == 0)
		rc = hl_fail(HL_ERR_NOTFOUND, "id", "no active key %s in this account", key_id);
	return rc;
}

hl_err
hl_apikey_list(struct hl_db *db, const char *account_id, hl_apikey_cb cb, void *arg)
{
	struct hl_stmt *st;
	hl_err rc;
	int r;

	rc = hl_stmt_new(db, "SELECT id, prefix, name, scopes, "
		"DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%sZ'), "
		"DATE_FORMAT(last_used_at, '%Y-%m-%dT%H:%i:%sZ'), "
		"DATE_FORMAT(revoked_at, '%Y-%m-%dT%H:%i:%sZ') "
		"FROM api_keys WHERE account_id = ? ORDER BY id", &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, account_id);
	rc = hl_stmt_exec(st);
	while (!rc && (r = hl_stmt_fetch(st)) != 0) {
		if (r < 0) {
			rc = HL_ERR_DB;
			break;
		}
		cb(arg, hl_stmt_col(st, 0), hl_stmt_col(st, 1), hl_stmt_col(st, 2),
			hl_stmt_col(st, 3), hl_stmt_col(st, 4), hl_stmt_col(st, 5),
			hl_stmt_col(st, 6));
	}
	hl_stmt_free(st);
	return rc;
}

int
hl_role_parse(const char *s, enum hl_role *out)
{
	int i;

	for (i = 0; i < HL_ROLE__MAX; i++)
		if (!strcmp(s, role_names[i])) {
			*out = (enum hl_role)i;
			return 0;
		}
	return -1;
}

const char *
hl_role_name(enum hl_role r)
{
	return r < HL_ROLE__MAX ? role_names[r] : "";
}

hl_err
hl_user_email_check(const char *e)
{
	const char *at = e ? strchr(e, '@') : NULL;
	size_t n = e ? strlen(e) : 0;

	if (n >= 3 && n <= 254 && at && at != e && at[1] && !strchr(at + 1, '@') &&
	    !strpbrk(e, " <>\"") && !hl_has_control(e, n) && hl_utf8_valid(e, n))
		return HL_OK;
	return hl_fail(HL_ERR_INVALID, "email", "not a valid email address");
}

/* Counted in characters, as the form says: five accented letters are
 * not a password of ten. UTF-8 only, as a browser sends it: a password
 * of other bytes could be set here and never typed at the login. */
hl_err
hl_password_check(const char *password)
{
	size_t n = password ? strlen(password) : 0, chars;

	chars = hl_utf8_valid(password, n) ? hl_utf8_chars(password) : 0;
	if (chars < 10 || chars > 1024)
		return hl_fail(HL_ERR_INVALID, "password", "password must be UTF-8 text of "
			"10 to 1024 characters");
	return HL_OK;
}

hl_err
hl_user_create(struct hl_db *db, const char *account_id, const char *email,
	enum hl_role role, const char *password, char id_out[HL_ID_MAX])
{
	char hash[HL_PWHASH_MAX];
	hl_err rc;

	if ((rc = hl_user_email_check(email)) || (rc = hl_password_check(password)))
		return rc;
	rc = hl_id_new("usr", id_out);
	if (!rc)
		rc = hl_password_hash(password, hash);
	if (rc)
		return rc;
	rc = hl_db_exec(db, NULL, "INSERT INTO users (id, account_id, email, role, password_hash) "
		"VALUES (?, ?, ?, ?, ?)", "sssss", id_out, account_id, email, role_names[role], hash);
	if (rc == HL_ERR_CONFLICT)
		return hl_fail(HL_ERR_CONFLICT, "email", "a user with this email exists");
	return rc;
}

static void
fill_user(struct hl_stmt *st, struct hl_principal *p)
{
	copy(p->actor_id, sizeof(p->actor_id), hl_stmt_col(st, 0));
	copy(p->account_id, sizeof(p->account_id), hl_stmt_col(st, 1));
	copy(p->actor, sizeof(p->actor), hl_stmt_col(st, 2));
	if (hl_role_parse(hl_stmt_col(st, 3), &p->role))
		p->role = HL_ROLE_VIEWER;
	p->scopes = role_scopes[p->role];
}

hl_err
hl_user_login(struct hl_db *db, const char *email, const char *password,
	struct hl_principal *p, char pwhash_out[HL_PWHASH_MAX])
{
	/* A valid hash of nothing, verified when the email is unknown so an
	 * attacker cannot tell unknown emails by the response time. */
	static const char dummy[] = "pbkdf2-sha256$600000$c2FsdHNhbHRzYWx0c2FsdA==$"
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
	struct hl_stmt *st;
	hl_err rc;
	int found;

	memset(p, 0, sizeof(*p));
	rc = hl_stmt_new(db, "SELECT id, account_id, email, role, password_hash FROM users "
		"WHERE email = ? AND disabled_at IS NULL", &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, email);
	rc = hl_stmt_first(st, &found);
	if (rc)
		goto out;
	if (!found) {
		hl_password_verify(password, dummy);
		rc = hl_fail(HL_ERR_AUTH, NULL, "wrong email or password");
		goto out;
	}
	if (!hl_password_verify(password, hl_stmt_col(st, 4))) {
		rc = hl_fail(HL_ERR_AUTH, NULL, "wrong email or password");
		goto out;
	}
	fill_user(st, p);
	if (pwhash_out)
		copy(pwhash_out, HL_PWHASH_MAX, hl_stmt_col(st, 4));
out:
	hl_stmt_free(st);
	return rc;
}

hl_err
hl_user_principal(struct hl_db *db, const char *user_id, struct hl_principal *p)
{
	struct hl_stmt *st;
	hl_err rc;
	int found;

	memset(p, 0, sizeof(*p));
	rc = hl_stmt_new(db, "SELECT id, account_id, email, role FROM users "
		"WHERE id = ? AND disabled_at IS NULL", &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, user_id);
	rc = hl_stmt_first(st, &found);
	if (!rc && !found)
		rc = hl_fail(HL_ERR_AUTH, NULL, "user no longer exists");
	else if (!rc)
		fill_user(st, p);
	hl_stmt_free(st);
	return rc;
}

hl_err
hl_user_find(struct hl_db *db, const char *account_id, const char *email,
	const char *user_id, struct hl_principal *p, int *disabled)
{
	struct hl_stmt *st;
	hl_err rc;
	int found;

	memset(p, 0, sizeof(*p));
	*disabled = 0;
	if (!email == !user_id)
		return hl_fail(HL_ERR_INVALID, "user", "name a user by email or by id");
	/* One statement per key, so each is an index lookup (users_email, or
	 * the primary key). */
	if (email)
		rc = hl_stmt_new(db, "SELECT id, account_id, email, role, disabled_at IS NOT NULL "
			"FROM users WHERE email = ? AND (? IS NULL OR account_id = ?)", &st);
	else
		rc = hl_stmt_new(db, "SELECT id, account_id, email, role, disabled_at IS NOT NULL "
			"FROM users WHERE id = ? AND (? IS NULL OR account_id = ?)", &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, email ? email : user_id);
	hl_stmt_str(st, 1, account_id);
	hl_stmt_str(st, 2, account_id);
	rc = hl_stmt_first(st, &found);
	if (!rc && !found) {
		rc = hl_fail(HL_ERR_NOTFOUND, "user", "no user %s%s", email ? email : user_id,
			account_id ? " in this account" : "");
	} else if (!rc) {
		fill_user(st, p);
		*disabled = hl_stmt_colint(st, 4) != 0;
	}
	hl_stmt_free(st);
	return rc;
}

hl_err
hl_user_list(struct hl_db *db, const char *account_id, hl_user_cb cb, void *arg)
{
	struct hl_stmt *st;
	hl_err rc;
	int r;

	rc = hl_stmt_new(db, "SELECT id, email, role, "
		"DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%sZ'), "
		"DATE_FORMAT(disabled_at, '%Y-%m-%dT%H:%i:%sZ') "
		"FROM users WHERE account_id = ? ORDER BY id", &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, account_id);
	rc = hl_stmt_exec(st);
	while (!rc && (r = hl_stmt_fetch(st)) != 0) {
		if (r < 0) {
			rc = HL_ERR_DB;
			break;
		}
		cb(arg, hl_stmt_col(st, 0), hl_stmt_col(st, 1), hl_stmt_col(st, 2),
			hl_stmt_col(st, 3), hl_stmt_col(st, 4));
	}
	hl_stmt_free(st);
	return rc;
}

hl_err
hl_user_set_disabled(struct hl_db *db, const char *account_id, const char *user_id,
	int disabled, int *changed)
{
	unsigned long long n = 0;
	struct hl_principal p;
	hl_err rc;
	int was;

	*changed = 0;
	if (disabled)
		rc = hl_db_exec(db, &n, "UPDATE users SET disabled_at = NOW(3) "
			"WHERE id = ? AND account_id = ? AND disabled_at IS NULL", "ss",
			user_id, account_id);
	else
		rc = hl_db_exec(db, &n, "UPDATE users SET disabled_at = NULL "
			"WHERE id = ? AND account_id = ? AND disabled_at IS NOT NULL", "ss",
			user_id, account_id);
	if (rc)
		return rc;
	*changed = n > 0;
	/* Nothing changed: already so, or no such user (NOTFOUND). */
	return n ? HL_OK : hl_user_find(db, account_id, NULL, user_id, &p, &was);
}

hl_err
hl_user_set_password(struct hl_db *db, const char *account_id, const char *user_id,
	const char *password)
{
	char hash[HL_PWHASH_MAX];
	unsigned long long n = 0;
	hl_err rc;

	if ((rc = hl_password_check(password)))
		return rc;
	rc = hl_password_hash(password, hash);
	if (!rc)
		rc = hl_db_exec(db, &n, "UPDATE users SET password_hash = ? "
			"WHERE id = ? AND account_id = ?", "sss", hash, user_id, account_id);
	memset(hash, 0, sizeof(hash));
	if (!rc && n == 0)
		rc = hl_fail(HL_ERR_NOTFOUND, "user", "no user %s in this account", user_id);
	return rc;
}
