/* hl_endpoint_opts.c: the delivery options of an endpoint (columns of
 * migration 004, headers_sealed of 020 and headers_json/timeout_ms/
 * priority/retry_schedule of 001).
 * Kept apart from hl_endpoints.c so the runner's options grow here without
 * touching the endpoint CRUD; credentials are sealed like signing secrets
 * and never leave the database again except into the sender. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include "hl_crypto.h"
#include "hl_endpoint_opts.h"
#include "hl_endpoints.h"
#include "hl_oauth.h"
#include "hl_retry.h"
#include "hl_util.h"

#define HEADER_NAME_MAX 64
#define HEADER_VALUE_MAX 1024
#define RETRY_BASE_MAX (24 * 3600)
#define RETRY_ATTEMPTS_MAX 32
/* Deliveries in one batch request at most (a claim holds ClaimBatch). */
#define BATCH_MAX 100
/* Deliveries per second at most for rate_limit (0: unlimited). */
#define RATE_LIMIT_MAX 10000

/* headers_json is TEXT (65535 bytes): the most headers, every value
 * character escaped to two ("\""), must fit, or a valid PUT would fail
 * on the column with a 500. */
#define HEADERS_TEXT_MAX (2 + HL_HEADERS_MAX * (HEADER_NAME_MAX + 2 * HEADER_VALUE_MAX + 6))
_Static_assert(HEADERS_TEXT_MAX <= 65535, "headers_json holds the most headers");
/* headers_sealed is TEXT too: hl_seal's base64 of nonce (12), text and
 * tag (16). */
_Static_assert(4 * ((12 + HEADERS_TEXT_MAX + 16 + 2) / 3) <= 65535,
	"headers_sealed holds the most headers, sealed");

/* Headers a user may not set: they carry our signature or HTTP framing. */
static const char *const reserved_headers[] = {
	"webhook-id", "webhook-timestamp", "webhook-signature", "content-type",
	"content-length", "host", "transfer-encoding", "connection", "expect",
	"te", "upgrade", NULL
};

int
hl_header_reserved(const char *name)
{
	int i;

	for (i = 0; reserved_headers[i]; i++)
		if (!strcasecmp(name, reserved_headers[i]))
			return 1;
	return 0;
}

/* RFC 9110 token characters. */
static int
is_token(const char *s)
{
	size_t i;

	if (!*s)
		return 0;
	for (i = 0; s[i]; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
			continue;
		if (!strchr("!#$%&'*+-.^_`|~", c))
			return 0;
	}
	return 1;
}

/* Header values: visible ASCII, space and tab; above all no CR, LF, NUL. */
static int
value_ok(const char *v, size_t maxlen)
{
	size_t i;

	for (i = 0; v[i]; i++) {
		unsigned char c = (unsigned char)v[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return 0;
	}
	return i <= maxlen;
}

/* The later of two names in h that are one header (HTTP names ignore
 * case: "x-a" and "X-A" would both be sent), or NULL. */
static const char *
repeated_name(json_object *h)
{
	int i = 0, j;

	json_object_object_foreach(h, name, val) {
		(void)val;
		j = 0;
		json_object_object_foreach(h, other, v2) {
			(void)v2;
			if (j++ >= i)
				break;
			if (!strcasecmp(name, other))
				return name;
		}
		i++;
	}
	return NULL;
}

static hl_err
validate_headers(json_object *h)
{
	const char *twice;

	if (!json_object_is_type(h, json_type_object))
		return hl_fail(HL_ERR_INVALID, "headers", "headers must be an object of strings");
	if (json_object_object_length(h) > HL_HEADERS_MAX)
		return hl_fail(HL_ERR_INVALID, "headers", "at most %d headers", HL_HEADERS_MAX);
	json_object_object_foreach(h, name, val) {
		if (strlen(name) > HEADER_NAME_MAX || !is_token(name))
			return hl_fail(HL_ERR_INVALID, "headers",
				"header names must be HTTP tokens of at most %d characters", HEADER_NAME_MAX);
		if (hl_header_reserved(name))
			return hl_fail(HL_ERR_INVALID, "headers", "header %s is set by hookline", name);
		if (!json_object_is_type(val, json_type_string) ||
		    !value_ok(json_object_get_string(val), HEADER_VALUE_MAX))
			return hl_fail(HL_ERR_INVALID, "headers", "header values must be strings of at "
				"most %d characters without control characters", HEADER_VALUE_MAX);
		/* What a reader was shown, sent back by a writer, would replace
		 * the credential it hides with the marker itself. */
		if (!strcmp(json_object_get_string(val), HL_REDACTED))
			return hl_fail(HL_ERR_INVALID, "headers", "header %s has the value "
				HL_REDACTED " (what is shown without write access): give the real value",
				name);
	}
	twice = repeated_name(h);
	if (twice)
		return hl_fail(HL_ERR_INVALID, "headers", "header %s is given twice (header names "
			"ignore case)", twice);
	return HL_OK;
}

static hl_err
require_str(json_object *o, const char *name, int token)
{
	const char *v = hl_json_get_str(o, name);

	if (!v || !*v || !value_ok(v, HL_CREDENTIAL_MAX) || (token && !is_token(v)))
		return hl_fail(HL_ERR_INVALID, "auth", "auth.%s is required: a string without "
			"control characters%s", name, token ? " (an HTTP token)" : "");
	return HL_OK;
}

/* The members each kind of authentication takes besides type. Any other
 * would be sealed and stored unused (and could outgrow auth_sealed), and
 * a misspelt optional one ("scopes") would be dropped silently. */
#define AUTH_MEMBERS_MAX 5

static const struct auth_kind {
	const char *type;
	const char *members[AUTH_MEMBERS_MAX + 1];
	const char *takes;      /* the members, for the message */
} auth_kinds[] = {
	{ "none", { NULL }, "none" },
	{ "basic", { "username", "password", NULL }, "username and password" },
	{ "bearer", { "token", NULL }, "token" },
	{ "header", { "name", "value", NULL }, "name and value" },
	{ "oauth2", { "token_url", "client_id", "client_secret", "scope", "audience", NULL },
		"token_url, client_id, client_secret, scope and audience" },
};
#define NAUTH_KINDS (sizeof(auth_kinds) / sizeof(auth_kinds[0]))

static const struct auth_kind *
auth_kind_find(const char *type)
{
	size_t i;

	for (i = 0; i < NAUTH_KINDS; i++)
		if (!strcmp(auth_kinds[i].type, type))
			return &auth_kinds[i];
	return NULL;
}

static int
auth_member_known(const struct auth_kind *k, const char *name)
{
	size_t i;

	if (!strcmp(name, "type"))
		return 1;
	for (i = 0; k->members[i]; i++)
		if (!strcmp(k->members[i], name))
			return 1;
	return 0;
}

/* Only the member's name goes into the message: its value may be a
 * credential. */
static hl_err
auth_members_check(json_object *a, const struct auth_kind *k)
{
	json_object_object_foreach(a, key, val) {
		(void)val;
		if (!auth_member_known(k, key))
			return hl_fail(HL_ERR_INVALID, "auth", "auth has an unknown member \"%.64s\" "
				"(auth type %s takes %s)", key, k->type, k->takes);
	}
	return HL_OK;
}

static hl_err
validate_auth(json_object *a)
{
	const struct auth_kind *kind;
	const char *type;
	hl_err rc = HL_OK;

	if (!json_object_is_type(a, json_type_object))
		return hl_fail(HL_ERR_INVALID, "auth", "auth must be an object with a type");
	type = hl_json_get_str(a, "type");
	if (!type)
		return hl_fail(HL_ERR_INVALID, "auth", "auth.type is required");
	kind = auth_kind_find(type);
	if (!kind)
		return hl_fail(HL_ERR_INVALID, "auth", "auth.type must be none, basic, bearer, "
			"header or oauth2");
	rc = auth_members_check(a, kind);
	if (rc || !strcmp(type, "none"))
		return rc;
	if (!strcmp(type, "basic")) {
		rc = require_str(a, "username", 0);
		if (!rc && strchr(hl_json_get_str(a, "username"), ':'))
			rc = hl_fail(HL_ERR_INVALID, "auth", "auth.username must not contain ':'");
		if (!rc)
			rc = require_str(a, "password", 0);
	} else if (!strcmp(type, "bearer")) {
		rc = require_str(a, "token", 0);
	} else if (!strcmp(type, "header")) {
		rc = require_str(a, "name", 1);
		if (!rc && hl_header_reserved(hl_json_get_str(a, "name")))
			rc = hl_fail(HL_ERR_INVALID, "auth", "header %s is set by hookline",
				hl_json_get_str(a, "name"));
		if (!rc)
			rc = require_str(a, "value", 0);
	} else if (!strcmp(type, "oauth2")) {
		rc = require_str(a, "token_url", 0);
		if (!rc && hl_url_validate(hl_json_get_str(a, "token_url"), 0))
			rc = hl_fail(HL_ERR_INVALID, "auth", "auth.token_url: %s", hl_errmsg());
		if (!rc)
			rc = require_str(a, "client_id", 0);
		if (!rc)
			rc = require_str(a, "client_secret", 0);
		if (!rc && json_object_object_get_ex(a, "scope", NULL))
			rc = require_str(a, "scope", 0);
		if (!rc && json_object_object_get_ex(a, "audience", NULL))
			rc = require_str(a, "audience", 0);
	}
	return rc;
}

static int
int_member(json_object *o, const char *name, long lo, long hi, long *out)
{
	json_object *v;
	long long n;

	if (!json_object_object_get_ex(o, name, &v) || !json_object_is_type(v, json_type_int))
		return -1;
	n = json_object_get_int64(v);
	if (n < lo || n > hi)
		return -1;
	*out = (long)n;
	return 0;
}

static hl_err
validate_exponential(json_object *x)
{
	long v, base, cap;

	if (json_object_is_type(x, json_type_null))
		return HL_OK;
	/* A misspelt member would be dropped silently otherwise. */
	if (json_object_is_type(x, json_type_object)) {
		json_object_object_foreach(x, key, val) {
			(void)val;
			if (strcmp(key, "base_seconds") && strcmp(key, "cap_seconds") &&
			    strcmp(key, "max_attempts"))
				return hl_fail(HL_ERR_INVALID, "retry_exponential", "retry_exponential "
					"has an unknown member \"%.64s\"", key);
		}
	}
	if (!json_object_is_type(x, json_type_object) ||
	    int_member(x, "base_seconds", 1, RETRY_BASE_MAX, &base) ||
	    int_member(x, "cap_seconds", 1, 7 * RETRY_BASE_MAX, &cap) ||
	    int_member(x, "max_attempts", 1, RETRY_ATTEMPTS_MAX, &v))
		return hl_fail(HL_ERR_INVALID, "retry_exponential", "retry_exponential needs "
			"base_seconds (1..86400), cap_seconds (1..604800) and max_attempts (1..%d)",
			RETRY_ATTEMPTS_MAX);
	/* Below the base the cap would make every delay the cap: a slip
	 * (minutes for seconds), not a policy. */
	if (cap < base)
		return hl_fail(HL_ERR_INVALID, "retry_exponential", "retry_exponential: "
			"cap_seconds (%ld) must be at least base_seconds (%ld)", cap, base);
	return HL_OK;
}

/* A key member: true, false or "rotate". */
static hl_err
validate_key(json_object *in, const char *name)
{
	json_object *v;

	if (!json_object_object_get_ex(in, name, &v) || json_object_is_type(v, json_type_boolean) ||
	    (json_object_is_type(v, json_type_string) && !strcmp(json_object_get_string(v), "rotate")))
		return HL_OK;
	return hl_fail(HL_ERR_INVALID, name, "%s must be true (a key; an existing one is kept), "
		"\"rotate\" (a new key) or false (none)", name);
}

/* The members for which null means something (docs/api.md): the default
 * schedule, no exponential policy, the server's timeout, no rate limit.
 * Elsewhere null was read as false, 0 or "leave it" by chance of the
 * code ("ed25519": null removed the key, "priority": null was refused):
 * one rule instead, null is refused. */
static const char *const nullable_members[] = {
	"retry_schedule", "retry_exponential", "timeout_ms", "rate_limit", NULL
};

static int
null_means_something(const char *name)
{
	size_t i;

	for (i = 0; nullable_members[i]; i++)
		if (!strcmp(nullable_members[i], name))
			return 1;
	return 0;
}

static hl_err
refuse_null(json_object *in)
{
	json_object_object_foreach(in, name, val) {
		if (json_object_is_type(val, json_type_null) && !null_means_something(name))
			return hl_fail(HL_ERR_INVALID, name, "%.64s cannot be null: leave it out to "
				"keep what it is, or give a value", name);
	}
	return HL_OK;
}

hl_err
hl_endpoint_opts_validate(json_object *in)
{
	json_object *v;
	long sched[HL_RETRY_MAX_STEPS];
	int n;
	hl_err rc = HL_OK;

	if (!in)
		return HL_OK;
	rc = refuse_null(in);
	if (rc)
		return rc;
	if (json_object_object_get_ex(in, "retry_schedule", &v) &&
	    !json_object_is_type(v, json_type_null) &&
	    (!json_object_is_type(v, json_type_string) ||
	    hl_retry_parse(json_object_get_string(v), sched, HL_RETRY_MAX_STEPS, &n) || n < 1))
		return hl_fail(HL_ERR_INVALID, "retry_schedule", "retry_schedule must be a list of "
			"delays like \"0,5s,5m,1h\" (at most %d)", HL_RETRY_MAX_STEPS);
	/* The first entry is the first attempt, made at once: "10s,1m" read
	 * as two retries would quietly be one retry after a minute. */
	if (v && json_object_is_type(v, json_type_string) && sched[0] != 0)
		return hl_fail(HL_ERR_INVALID, "retry_schedule", "retry_schedule starts with the "
			"first attempt, which is made at once: begin it with 0 (\"0,10s,1m\")");
	if (json_object_object_get_ex(in, "retry_exponential", &v))
		rc = validate_exponential(v);
	if (!rc)
		rc = validate_key(in, "ed25519");
	if (!rc)
		rc = validate_key(in, "encryption");
	if (!rc && json_object_object_get_ex(in, "headers", &v))
		rc = validate_headers(v);
	if (!rc && json_object_object_get_ex(in, "auth", &v))
		rc = validate_auth(v);
	if (!rc && json_object_object_get_ex(in, "timeout_ms", &v) &&
	    !json_object_is_type(v, json_type_null) &&
	    (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 100 ||
	    json_object_get_int64(v) > 300000))
		rc = hl_fail(HL_ERR_INVALID, "timeout_ms", "timeout_ms must be 100..300000 "
			"milliseconds, or unset for this server's default");
	if (!rc && json_object_object_get_ex(in, "priority", &v) &&
	    (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < -100 ||
	    json_object_get_int64(v) > 100))
		rc = hl_fail(HL_ERR_INVALID, "priority", "priority must be -100..100");
	if (!rc && json_object_object_get_ex(in, "batch_max", &v) &&
	    (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 1 ||
	    json_object_get_int64(v) > BATCH_MAX))
		rc = hl_fail(HL_ERR_INVALID, "batch_max", "batch_max must be 1..%d (1: no batches)",
			BATCH_MAX);
	if (!rc && json_object_object_get_ex(in, "rate_limit", &v) &&
	    !json_object_is_type(v, json_type_null) &&
	    (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0 ||
	    json_object_get_int64(v) > RATE_LIMIT_MAX))
		rc = hl_fail(HL_ERR_INVALID, "rate_limit", "rate_limit must be 1..%d deliveries per "
			"second (0 or null: no limit)", RATE_LIMIT_MAX);
	return rc;
}

/* A fresh ed25519 key pair: the private key sealed, the public key PEM. */
static hl_err
ed25519_new(const struct hl_config *cfg, char **sealed, char **public_pem)
{
	EVP_PKEY *key = NULL;
	BIO *priv = NULL, *pub = NULL;
	char *text = NULL, *data;
	long len;
	hl_err rc = HL_OK;

	*sealed = *public_pem = NULL;
	key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	priv = BIO_new(BIO_s_mem());
	pub = BIO_new(BIO_s_mem());
	if (!key || !priv || !pub || !PEM_write_bio_PrivateKey(priv, key, NULL, NULL, 0, NULL, NULL) ||
	    !PEM_write_bio_PUBKEY(pub, key)) {
		rc = hl_fail(HL_ERR_CRYPTO, NULL, "cannot generate an ed25519 key");
		goto out;
	}
	len = BIO_get_mem_data(priv, &data);
	text = strndup(data, (size_t)len);
	len = BIO_get_mem_data(pub, &data);
	*public_pem = strndup(data, (size_t)len);
	if (!text || !*public_pem) {
		rc = hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
		goto out;
	}
	rc = hl_seal(cfg->master_key, text, sealed);
out:
	hl_secret_free(text);
	if (rc) {
		free(*public_pem);
		*public_pem = NULL;
	}
	EVP_PKEY_free(key);
	BIO_free(priv);
	BIO_free(pub);
	return rc;
}

/* A fresh 32-byte payload encryption key: sealed for the row, and its
 * base64 for the answer (shown this once). */
static hl_err
encryption_key_new(const struct hl_config *cfg, char **sealed, json_object **extra)
{
	unsigned char key[32];
	char b64[48];
	hl_err rc;

	*sealed = NULL;
	rc = hl_random_bytes(key, sizeof(key));
	if (!rc) {
		hl_base64_encode(key, sizeof(key), b64);
		rc = hl_seal(cfg->master_key, b64, sealed);
	}
	if (!rc) {
		if (!*extra)
			*extra = json_object_new_object();
		hl_json_add_str(*extra, "encryption_key", b64);
	}
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(b64, sizeof(b64));
	return rc;
}

static int
name_order(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The credentials of an auth object as one JSON text: its string members
 * but type, names in order, so the same credentials are the same text
 * however a client ordered them. What is sealed, and what a repeated PUT
 * is compared by. The caller frees it with hl_secret_free; NULL when out
 * of memory. */
static char *
creds_text(json_object *a)
{
	json_object *creds = json_object_new_object();
	const char **names;
	size_t n = 0, i;
	char *text = NULL;

	names = calloc((size_t)json_object_object_length(a) + 1, sizeof(*names));
	if (names && creds) {
		json_object_object_foreach(a, k, v) {
			if (strcmp(k, "type") && json_object_is_type(v, json_type_string))
				names[n++] = k;
		}
		qsort(names, n, sizeof(*names), name_order);
		for (i = 0; i < n; i++)
			hl_json_add_str(creds, names[i], hl_json_get_str(a, names[i]));
		text = strdup(json_object_to_json_string_ext(creds, JSON_C_TO_STRING_PLAIN));
	}
	free(names);
	json_object_put(creds);
	return text;
}

/* Whether the endpoint already has exactly this authentication: type and
 * credentials, the stored ones unsealed. Compared as SHA-256 digests with
 * CRYPTO_memcmp: a caller with write scope must not learn a stored
 * password from how long a PUT takes. Any doubt (unreadable row, a key
 * that cannot open it) answers "not the same", which stores it anew. */
static hl_err
auth_same(struct hl_db *db, const struct hl_config *cfg, const char *id, const char *type,
	const char *text, int *same)
{
	struct hl_stmt *st;
	json_object *stored = NULL;
	char *plain = NULL, *canon = NULL, want[65], have[65];
	int found;
	hl_err rc;

	*same = 0;
	rc = hl_stmt_new(db, "SELECT auth_type, auth_sealed FROM endpoints WHERE id = ?", &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, id);
	rc = hl_stmt_first(st, &found);
	if (rc || !found || strcmp(hl_stmt_col(st, 0) ? hl_stmt_col(st, 0) : "", type))
		goto out;
	if (!strcmp(type, "none")) {
		*same = 1;
		goto out;
	}
	if (!hl_stmt_col(st, 1) || !text ||
	    hl_config_unseal(cfg, hl_stmt_col(st, 1), &plain) != HL_OK) {
		hl_errclear();
		goto out;
	}
	stored = json_tokener_parse(plain);
	canon = json_object_is_type(stored, json_type_object) ? creds_text(stored) : NULL;
	if (canon) {
		hl_sha256_hex(canon, strlen(canon), have);
		hl_sha256_hex(text, strlen(text), want);
		*same = CRYPTO_memcmp(have, want, sizeof(have)) == 0;
	}
	OPENSSL_cleanse(have, sizeof(have));
	OPENSSL_cleanse(want, sizeof(want));
out:
	/* json-c's copies of the strings are not cleansed: the same holds
	 * for the request's own parsed body. */
	json_object_put(stored);
	hl_secret_free(canon);
	hl_secret_free(plain);
	hl_stmt_free(st);
	return rc;
}

static hl_err
apply_auth(struct hl_db *db, const struct hl_config *cfg, const char *id, json_object *a,
	int *changed)
{
	const char *type = hl_json_get_str(a, "type");
	const char *public_text = NULL;
	char *sealed = NULL, *text = NULL;
	json_object *pub = NULL;
	int same;
	hl_err rc;

	if (strcmp(type, "none")) {
		/* Only the validated members are kept, sealed as one JSON object. */
		text = creds_text(a);
		if (!text)
			return hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
	}
	/* The same credentials again (a client sending back its whole
	 * configuration) change nothing: no new seal, and the OAuth token
	 * cached for them stays good. */
	rc = auth_same(db, cfg, id, type, text, &same);
	if (rc || same)
		goto out;
	*changed = 1;
	/* New credentials: a cached token belonged to the old ones. */
	rc = hl_oauth_forget(db, id);
	if (rc)
		goto out;
	if (!strcmp(type, "none")) {
		rc = hl_db_exec(db, NULL, "UPDATE endpoints SET auth_type = 'none', "
			"auth_sealed = NULL, auth_public = NULL WHERE id = ?", "s", id);
		goto out;
	}
	/* What the API may show of it: never a password, token or secret. */
	if (!strcmp(type, "oauth2")) {
		pub = json_object_new_object();
		hl_json_add_str(pub, "token_url", hl_json_get_str(a, "token_url"));
		hl_json_add_str(pub, "client_id", hl_json_get_str(a, "client_id"));
		if (hl_json_get_str(a, "scope"))
			hl_json_add_str(pub, "scope", hl_json_get_str(a, "scope"));
		public_text = json_object_to_json_string_ext(pub, JSON_C_TO_STRING_PLAIN);
	}
	rc = hl_seal(cfg->master_key, text, &sealed);
	if (!rc)
		rc = hl_db_exec(db, NULL, "UPDATE endpoints SET auth_type = ?, auth_sealed = ?, "
			"auth_public = ? WHERE id = ?", "ssss", type, sealed, public_text, id);
out:
	json_object_put(pub);
	free(sealed);
	hl_secret_free(text);
	return rc;
}

/* What a key member asks for: "rotate" a new key whatever there is; true
 * a key, new only when there is none (true is what GET shows: a client
 * that sends back what it read must not change the key under its
 * receiver); false none. have_sql: whether the endpoint has one. */
enum key_want { KEY_KEEP, KEY_NEW, KEY_NONE };

static hl_err
key_wanted(struct hl_db *db, const char *have_sql, const char *id, json_object *v,
	enum key_want *want)
{
	struct hl_stmt *st;
	int found;
	hl_err rc;

	if (json_object_is_type(v, json_type_string)) {
		*want = KEY_NEW;
		return HL_OK;
	}
	if (!json_object_get_boolean(v)) {
		*want = KEY_NONE;
		return HL_OK;
	}
	rc = hl_stmt_new(db, have_sql, &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, id);
	rc = hl_stmt_first(st, &found);
	*want = !rc && found && hl_stmt_colint(st, 0) ? KEY_KEEP : KEY_NEW;
	hl_stmt_free(st);
	return rc;
}

/* The header an auth object (validated) has the sender set: NULL for none. */
static const char *
auth_header_name(json_object *a)
{
	const char *type = hl_json_get_str(a, "type");

	if (!type || !strcmp(type, "none"))
		return NULL;
	if (!strcmp(type, "header"))
		return hl_json_get_str(a, "name");
	return "Authorization";
}

hl_err
hl_endpoint_headers_open(const struct hl_config *cfg, const char *plain, const char *sealed,
	char **out)
{
	/* A plaintext value wins: this release never writes one (it stores
	 * NULL there), so it is a row from before 020 or one written since
	 * by hand or by an older program, in either case the newest; rekey
	 * seals it by compare-and-set on it, so what is sent stays the same. */
	*out = NULL;
	if (plain) {
		*out = strdup(plain);
		return *out ? HL_OK : hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
	}
	if (!sealed)
		return HL_OK;
	return hl_config_unseal(cfg, sealed, out);
}

/* The stored headers and authentication of endpoint id, as the API takes
 * them: *headers NULL for none; *auth {"type"}, with the unsealed
 * credentials for type header (its name is among them). */
static hl_err
stored_headers_auth(struct hl_db *db, const struct hl_config *cfg, const char *id,
	json_object **headers, json_object **auth)
{
	struct hl_stmt *st;
	const char *type;
	char *plain = NULL, *text = NULL;
	int found;
	hl_err rc;

	*headers = *auth = NULL;
	rc = hl_stmt_new(db, "SELECT headers_json, headers_sealed, auth_type, auth_sealed "
		"FROM endpoints WHERE id = ?", &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, id);
	rc = hl_stmt_first(st, &found);
	if (rc || !found)
		goto out;
	/* Headers or credentials that cannot be opened name no header here:
	 * the sender lets the authentication win over a custom header in any
	 * case, and the request's own view of the endpoint has failed on
	 * such headers already. */
	if (hl_endpoint_headers_open(cfg, hl_stmt_col(st, 0), hl_stmt_col(st, 1), &text) == HL_OK)
		*headers = text ? json_tokener_parse(text) : NULL;
	else
		hl_errclear();
	type = hl_stmt_col(st, 2) ? hl_stmt_col(st, 2) : "none";
	if (!strcmp(type, "header") && hl_stmt_col(st, 3)) {
		if (hl_config_unseal(cfg, hl_stmt_col(st, 3), &plain) == HL_OK)
			*auth = json_tokener_parse(plain);
		else
			hl_errclear();
	}
	if (!json_object_is_type(*auth, json_type_object)) {
		json_object_put(*auth);
		*auth = json_object_new_object();
	}
	hl_json_add_str(*auth, "type", type);
out:
	hl_secret_free(text);
	hl_secret_free(plain);
	hl_stmt_free(st);
	return rc;
}

/* A custom header that the authentication also sets would reach the
 * receiver twice. Checked on the endpoint as in leaves it, so adding the
 * header to an endpoint with that auth is refused as well as setting the
 * auth on an endpoint with that header. */
static hl_err
check_auth_header_clash(struct hl_db *db, const struct hl_config *cfg, const char *id,
	json_object *in)
{
	json_object *headers = NULL, *auth = NULL, *v;
	int new_headers = json_object_object_get_ex(in, "headers", NULL);
	int new_auth = json_object_object_get_ex(in, "auth", NULL);
	const char *auth_name;
	hl_err rc;

	if (!new_headers && !new_auth)
		return HL_OK;
	rc = stored_headers_auth(db, cfg, id, &headers, &auth);
	if (rc)
		goto out;
	if (json_object_object_get_ex(in, "headers", &v)) {
		json_object_put(headers);
		headers = json_object_get(v);
	}
	if (json_object_object_get_ex(in, "auth", &v)) {
		json_object_put(auth);
		auth = json_object_get(v);
	}
	auth_name = auth_header_name(auth);
	if (!auth_name || !json_object_is_type(headers, json_type_object))
		goto out;
	json_object_object_foreach(headers, name, val) {
		(void)val;
		if (strcasecmp(name, auth_name))
			continue;
		/* The field to change is the one this request sent; both sent:
		 * the custom header is the one out of place. */
		rc = hl_fail(HL_ERR_INVALID, new_headers ? "headers" : "auth", "header %s is set by "
			"the destination authentication (auth type %s): leave it out of headers, "
			"or use another auth", name, hl_json_get_str(auth, "type"));
		break;
	}
out:
	/* json-c's copies of the unsealed credentials are not cleansed (see
	 * auth_same). */
	json_object_put(headers);
	json_object_put(auth);
	return rc;
}

/* Custom headers (validated; {} for none) are sealed like credentials:
 * operators put receivers' tokens in them under any name. headers_json
 * goes NULL, also on a row from before migration 020. */
static hl_err
apply_headers(struct hl_db *db, const struct hl_config *cfg, const char *id, json_object *h)
{
	char *sealed = NULL;
	hl_err rc;

	if (json_object_object_length(h) > 0) {
		rc = hl_seal(cfg->master_key, json_object_to_json_string_ext(h,
			JSON_C_TO_STRING_PLAIN), &sealed);
		if (rc)
			return rc;
	}
	rc = hl_db_exec(db, NULL, "UPDATE endpoints SET headers_json = NULL, headers_sealed = ? "
		"WHERE id = ?", "ss", sealed, id);
	free(sealed);
	return rc;
}

hl_err
hl_endpoint_opts_apply(struct hl_db *db, const struct hl_config *cfg,
	const char *id, json_object *in, json_object **extra, int *hidden_change)
{
	enum key_want want;
	json_object *v;
	long base = 0, cap = 0, attempts = 0;
	hl_err rc = HL_OK;

	*extra = NULL;
	*hidden_change = 0;
	if (!in)
		return HL_OK;
	rc = check_auth_header_clash(db, cfg, id, in);
	if (!rc && json_object_object_get_ex(in, "retry_schedule", &v))
		rc = hl_db_exec(db, NULL, "UPDATE endpoints SET retry_schedule = ? WHERE id = ?",
			"ss", json_object_is_type(v, json_type_null) ? NULL : json_object_get_string(v), id);
	if (!rc && json_object_object_get_ex(in, "retry_exponential", &v)) {
		if (!json_object_is_type(v, json_type_null)) {
			int_member(v, "base_seconds", 1, RETRY_BASE_MAX, &base);
			int_member(v, "cap_seconds", 1, 7 * RETRY_BASE_MAX, &cap);
			int_member(v, "max_attempts", 1, RETRY_ATTEMPTS_MAX, &attempts);
		}
		rc = hl_db_exec(db, NULL, "UPDATE endpoints SET retry_base_s = NULLIF(?, 0), "
			"retry_cap_s = NULLIF(?, 0), retry_max_attempts = NULLIF(?, 0) WHERE id = ?",
			"iiis", (long long)base, (long long)cap, (long long)attempts, id);
	}
	if (!rc && json_object_object_get_ex(in, "headers", &v))
		rc = apply_headers(db, cfg, id, v);
	if (!rc && json_object_object_get_ex(in, "auth", &v))
		rc = apply_auth(db, cfg, id, v, hidden_change);
	/* null (json-c reads it as 0, never a valid timeout): the default. */
	if (!rc && json_object_object_get_ex(in, "timeout_ms", &v))
		rc = hl_db_exec(db, NULL, "UPDATE endpoints SET timeout_ms = NULLIF(?, 0) WHERE id = ?",
			"is", (long long)json_object_get_int64(v), id);
	if (!rc && json_object_object_get_ex(in, "priority", &v))
		rc = hl_db_exec(db, NULL, "UPDATE endpoints SET priority = ? WHERE id = ?", "is",
			(long long)json_object_get_int64(v), id);
	if (!rc && json_object_object_get_ex(in, "fifo", &v))
		rc = hl_db_exec(db, NULL, "UPDATE endpoints SET fifo = ? WHERE id = ?", "is",
			(long long)(json_object_get_boolean(v) != 0), id);
	if (!rc && json_object_object_get_ex(in, "batch_max", &v))
		rc = hl_db_exec(db, NULL, "UPDATE endpoints SET batch_max = ? WHERE id = ?", "is",
			(long long)json_object_get_int64(v), id);
	if (!rc && json_object_object_get_ex(in, "rate_limit", &v))
		rc = hl_db_exec(db, NULL, "UPDATE endpoints SET rate_limit = ? WHERE id = ?", "is",
			(long long)json_object_get_int64(v), id);
	if (!rc && json_object_object_get_ex(in, "ed25519", &v)) {
		char *sealed = NULL, *pub = NULL;

		rc = key_wanted(db, "SELECT ed25519_sealed IS NOT NULL FROM endpoints "
			"WHERE id = ? FOR UPDATE", id, v, &want);
		if (!rc && want == KEY_NEW)
			rc = ed25519_new(cfg, &sealed, &pub);
		if (!rc && want != KEY_KEEP)
			rc = hl_db_exec(db, NULL, "UPDATE endpoints SET ed25519_sealed = ?, "
				"ed25519_public = ? WHERE id = ?", "sss", sealed, pub, id);
		free(sealed);
		free(pub);
	}
	if (!rc && json_object_object_get_ex(in, "encryption", &v)) {
		char *sealed = NULL;

		rc = key_wanted(db, "SELECT encryption_key_sealed IS NOT NULL FROM endpoints "
			"WHERE id = ? FOR UPDATE", id, v, &want);
		if (!rc && want == KEY_NEW) {
			rc = encryption_key_new(cfg, &sealed, extra);
			/* GET shows only "encryption": true, before and after. */
			*hidden_change = 1;
		}
		if (!rc && want != KEY_KEEP)
			rc = hl_db_exec(db, NULL, "UPDATE endpoints SET encryption_key_sealed = ? "
				"WHERE id = ?", "ss", sealed, id);
		free(sealed);
	}
	return rc;
}

hl_err
hl_endpoint_opts_get(struct hl_db *db, const struct hl_config *cfg, const char *id, json_object *o)
{
	struct hl_stmt *st;
	json_object *x;
	char *headers = NULL;
	int found;
	hl_err rc;

	rc = hl_stmt_new(db, "SELECT retry_schedule, retry_base_s, retry_cap_s, retry_max_attempts, "
		"headers_json, auth_type, timeout_ms, priority, fifo, ed25519_public, batch_max, "
		"rate_limit, encryption_key_sealed IS NOT NULL, auth_public, headers_sealed "
		"FROM endpoints WHERE id = ?", &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, id);
	rc = hl_stmt_first(st, &found);
	if (rc || !found)
		goto out;
	hl_json_add_str(o, "retry_schedule", hl_stmt_col(st, 0));
	if (hl_stmt_colnull(st, 3)) {
		json_object_object_add(o, "retry_exponential", NULL);
	} else {
		x = json_object_new_object();
		hl_json_add_int(x, "base_seconds", hl_stmt_colint(st, 1));
		hl_json_add_int(x, "cap_seconds", hl_stmt_colint(st, 2));
		hl_json_add_int(x, "max_attempts", hl_stmt_colint(st, 3));
		json_object_object_add(o, "retry_exponential", x);
	}
	/* Headers that open with neither key fail the view: an empty object
	 * in their place would be written back as "no headers" by a client
	 * that sends what it read. The runner fails their deliveries too. */
	rc = hl_endpoint_headers_open(cfg, hl_stmt_col(st, 4), hl_stmt_col(st, 14), &headers);
	if (rc) {
		rc = hl_fail(rc, NULL, "cannot unseal the headers of %s: wrong Security.MasterKey?", id);
		goto out;
	}
	x = headers ? json_tokener_parse(headers) : NULL;
	json_object_object_add(o, "headers", x ? x : json_object_new_object());
	/* Only the kind of authentication: credentials are never returned. */
	x = json_object_new_object();
	hl_json_add_str(x, "type", hl_stmt_col(st, 5));
	/* oauth2: token_url, client_id and scope, never the client secret. */
	if (hl_stmt_col(st, 13)) {
		json_object *pub = json_tokener_parse(hl_stmt_col(st, 13));

		if (json_object_is_type(pub, json_type_object)) {
			json_object_object_foreach(pub, k, val)
				json_object_object_add(x, k, json_object_get(val));   /* x holds a ref */
		}
		json_object_put(pub);
	}
	json_object_object_add(o, "auth", x);
	if (hl_stmt_colnull(st, 6))
		json_object_object_add(o, "timeout_ms", NULL);
	else
		hl_json_add_int(o, "timeout_ms", hl_stmt_colint(st, 6));
	hl_json_add_int(o, "priority", hl_stmt_colint(st, 7));
	hl_json_add_bool(o, "fifo", (int)hl_stmt_colint(st, 8));
	hl_json_add_str(o, "ed25519_public_key", hl_stmt_col(st, 9));
	hl_json_add_int(o, "batch_max", hl_stmt_colint(st, 10));
	hl_json_add_int(o, "rate_limit", hl_stmt_colint(st, 11));
	hl_json_add_bool(o, "encryption", (int)hl_stmt_colint(st, 12));
out:
	/* json-c's copy of the header values is not cleansed (see auth_same). */
	hl_secret_free(headers);
	hl_stmt_free(st);
	return rc;
}

void
hl_endpoint_opts_redact(json_object *o)
{
	json_object *h;

	if (!json_object_object_get_ex(o, "headers", &h) || !json_object_is_type(h, json_type_object))
		return;
	/* Replacing the value of an existing key while iterating is safe:
	 * json-c keeps the entry and frees the old value. */
	json_object_object_foreach(h, name, val) {
		(void)val;
		json_object_object_add(h, name, json_object_new_string(HL_REDACTED));
	}
}
