/* hl_jwt.c: JWT verification over libjwt. The algorithm is decided by
 * the configuration, never by the token: a token whose header names
 * another algorithm is refused before libjwt sees a key (otherwise an
 * HS256 token "signed" with the RSA public key would pass). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jwt.h>
#include <json-c/json.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include "hl_crypto.h"
#include "hl_jwt.h"
#include "hl_util.h"

#define TOKEN_MAX 8192
#define LEEWAY_S 30

int
hl_jwt_enabled(const struct hl_config *cfg)
{
	return (cfg->jwt_hs256_secret && *cfg->jwt_hs256_secret) ||
		(cfg->jwt_rs256_key_file && *cfg->jwt_rs256_key_file);
}

/* Decode one base64url segment into a JSON object (NULL on failure). */
static json_object *
segment_json(const char *seg, size_t n)
{
	char b64[TOKEN_MAX];
	unsigned char raw[TOKEN_MAX];
	size_t i, len;
	json_object *o;

	if (n + 4 >= sizeof(b64))
		return NULL;
	for (i = 0; i < n; i++)
		b64[i] = seg[i] == '-' ? '+' : seg[i] == '_' ? '/' : seg[i];
	while (i % 4)
		b64[i++] = '=';
	if (hl_base64_decode(b64, i, raw, sizeof(raw) - 1, &len))
		return NULL;
	raw[len] = '\0';
	o = json_tokener_parse((const char *)raw);
	if (o && !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* A PEM public key, even of 16384-bit RSA, is a few KiB: more is not
 * one key, and is refused rather than cut. */
#define KEY_FILE_MAX 16384
#define KEY_NAME "Auth.JwtRs256PublicKeyFile"

/* The file's whole text (NUL-terminated) into *out. */
static hl_err
read_key_file(const char *path, char **out, size_t *len)
{
	char *buf;
	size_t n = 0, got;
	FILE *f;
	int err = 0;

	*out = NULL;
	f = fopen(path, "rb");
	if (!f)
		return hl_fail(HL_ERR_CONFIG, KEY_NAME, "%s %s cannot be read: %s", KEY_NAME, path,
			strerror(errno));
	buf = malloc(KEY_FILE_MAX + 2);
	if (!buf) {
		fclose(f);
		return hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
	}
	/* One byte more than allowed tells a file at the limit from a larger one. */
	while (n <= KEY_FILE_MAX && (got = fread(buf + n, 1, KEY_FILE_MAX + 1 - n, f)) > 0)
		n += got;
	if (ferror(f))
		err = errno ? errno : EIO;
	fclose(f);
	if (err) {
		free(buf);
		return hl_fail(HL_ERR_CONFIG, KEY_NAME, "%s %s cannot be read: %s", KEY_NAME, path,
			strerror(err));
	}
	if (n > KEY_FILE_MAX) {
		free(buf);
		return hl_fail(HL_ERR_CONFIG, KEY_NAME, "%s %s is larger than %d bytes: it must "
			"hold only the identity provider's PEM public key", KEY_NAME, path, KEY_FILE_MAX);
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return HL_OK;
}

/* What libjwt's OpenSSL backend reads for RS256 (PEM_read_bio_PUBKEY),
 * checked now so a bad file is a start-up error, not a 401 per token. */
static hl_err
check_key(const char *path, const char *pem, size_t len)
{
	EVP_PKEY *pkey;
	BIO *bio;
	int bits;
	hl_err rc = HL_OK;

	/* Whoever reads the configuration must not find a private key. */
	if (strstr(pem, "PRIVATE KEY-----"))
		return hl_fail(HL_ERR_CONFIG, KEY_NAME, "%s %s holds a private key: give hookline "
			"only the public key (openssl pkey -in KEY -pubout)", KEY_NAME, path);
	bio = BIO_new_mem_buf(pem, (int)len);
	if (!bio)
		return hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
	pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	ERR_clear_error();
	if (!pkey)
		return hl_fail(HL_ERR_CONFIG, KEY_NAME, "%s %s holds no PEM public key (a "
			"\"-----BEGIN PUBLIC KEY-----\" block)", KEY_NAME, path);
	bits = EVP_PKEY_get_bits(pkey);
	if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA)
		rc = hl_fail(HL_ERR_CONFIG, KEY_NAME, "%s %s holds a %s key, not an RSA key: "
			"RS256 needs RSA", KEY_NAME, path, OBJ_nid2sn(EVP_PKEY_get_base_id(pkey)));
	/* RFC 7518 3.3: 2048 bits or larger MUST be used with RS256. */
	else if (bits < 2048)
		rc = hl_fail(HL_ERR_CONFIG, KEY_NAME, "%s %s holds a %d-bit RSA key: RS256 needs "
			"at least 2048 bits (RFC 7518)", KEY_NAME, path, bits);
	EVP_PKEY_free(pkey);
	return rc;
}

hl_err
hl_jwt_load_key(struct hl_config *cfg)
{
	char *pem;
	size_t len = 0;
	hl_err rc;

	if (!cfg->jwt_rs256_key_file || !*cfg->jwt_rs256_key_file)
		return HL_OK;
	rc = read_key_file(cfg->jwt_rs256_key_file, &pem, &len);
	if (rc)
		return rc;
	rc = check_key(cfg->jwt_rs256_key_file, pem, len);
	if (rc) {
		free(pem);
		return rc;
	}
	free(cfg->jwt_rs256_key);
	cfg->jwt_rs256_key = pem;
	cfg->jwt_rs256_key_len = len;
	return HL_OK;
}

static int
aud_ok(json_object *aud, const char *want)
{
	size_t i, n;

	if (json_object_is_type(aud, json_type_string))
		return !strcmp(json_object_get_string(aud), want);
	if (!json_object_is_type(aud, json_type_array))
		return 0;
	n = json_object_array_length(aud);
	for (i = 0; i < n; i++) {
		json_object *a = json_object_array_get_idx(aud, i);
		if (json_object_is_type(a, json_type_string) && !strcmp(json_object_get_string(a), want))
			return 1;
	}
	return 0;
}

static unsigned
scopes_from(const char *s)
{
	unsigned bits = 0;

	while (s && *s) {
		size_t n = strcspn(s, " ");

		if (n == 4 && !strncmp(s, "read", 4))
			bits |= HL_SCOPE_READ;
		else if (n == 5 && !strncmp(s, "write", 5))
			bits |= HL_SCOPE_WRITE;
		else if (n == 5 && !strncmp(s, "admin", 5))
			bits |= HL_SCOPE_ADMIN;
		s += n;
		while (*s == ' ')
			s++;
	}
	return bits;
}

/* The actor id of a subject: "jwt_" and 32 hex of its SHA-256. The rate
 * limit counts per actor id, so per subject as per API key (one "jwt"
 * for everyone had all the SSO callers of an account share one limit). */
static void
subject_id(const char *sub, char out[HL_ID_MAX])
{
	char hash[65];

	hl_sha256_hex(sub, strlen(sub), hash);
	snprintf(out, HL_ID_MAX, "jwt_%.32s", hash);
}

hl_err
hl_jwt_authenticate(struct hl_db *db, const struct hl_config *cfg, const char *token,
	struct hl_principal *p)
{
	const char *dot1, *dot2, *want_alg;
	json_object *header = NULL, *claims = NULL, *v;
	const unsigned char *key;
	size_t keylen;
	jwt_t *jwt = NULL;
	long long now = (long long)time(NULL);
	const char *sub = "", *slug;
	hl_err rc = HL_OK;

	if (!hl_jwt_enabled(cfg))
		return hl_fail(HL_ERR_AUTH, NULL, "invalid API key");
	dot1 = strchr(token, '.');
	dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	if (strlen(token) >= TOKEN_MAX || !dot1 || !dot2 || strchr(dot2 + 1, '.'))
		return hl_fail(HL_ERR_AUTH, NULL, "invalid token");
	header = segment_json(token, (size_t)(dot1 - token));
	if (!header || !json_object_object_get_ex(header, "alg", &v) ||
	    !json_object_is_type(v, json_type_string)) {
		rc = hl_fail(HL_ERR_AUTH, NULL, "invalid token header");
		goto out;
	}
	want_alg = cfg->jwt_hs256_secret && *cfg->jwt_hs256_secret ? "HS256" : "RS256";
	if (strcmp(json_object_get_string(v), want_alg)) {
		rc = hl_fail(HL_ERR_AUTH, NULL, "token algorithm must be %s", want_alg);
		goto out;
	}
	/* RFC 7515 4.1.11: a token whose "crit" lists extensions the
	 * recipient does not understand is invalid. hookline understands
	 * none (not even RFC 7797's b64, which changes what is signed), and
	 * an empty or malformed list is invalid too: any crit is refused. */
	if (json_object_object_get_ex(header, "crit", NULL)) {
		rc = hl_fail(HL_ERR_AUTH, NULL, "token header names critical extensions (crit), "
			"which are not supported");
		goto out;
	}
	/* The RS256 key was read at start-up (hl_jwt_load_key): a file read
	 * per request cut a larger one short and turned a missing one into a
	 * 500 for every request. */
	if (!strcmp(want_alg, "HS256")) {
		key = (const unsigned char *)cfg->jwt_hs256_secret;
		keylen = strlen(cfg->jwt_hs256_secret);
	} else if (cfg->jwt_rs256_key) {
		key = (const unsigned char *)cfg->jwt_rs256_key;
		keylen = cfg->jwt_rs256_key_len;
	} else {
		rc = hl_fail(HL_ERR_INTERNAL, NULL, KEY_NAME " was not loaded at start-up");
		goto out;
	}
	if (jwt_decode(&jwt, token, key, (int)keylen) || !jwt) {
		rc = hl_fail(HL_ERR_AUTH, NULL, "token signature does not verify");
		goto out;
	}
	claims = segment_json(dot1 + 1, (size_t)(dot2 - dot1 - 1));
	if (!claims) {
		rc = hl_fail(HL_ERR_AUTH, NULL, "invalid token claims");
		goto out;
	}
	/* The leeway is applied to now, never to the claim: exp + 30 at the
	 * end of int64 overflowed (undefined; in practice it wrapped). */
	if (!json_object_object_get_ex(claims, "exp", &v) || !json_object_is_type(v, json_type_int) ||
	    json_object_get_int64(v) < now - LEEWAY_S) {
		rc = hl_fail(HL_ERR_AUTH, NULL, "token expired or without exp");
		goto out;
	}
	if (json_object_object_get_ex(claims, "nbf", &v) &&
	    (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) > now + LEEWAY_S)) {
		rc = hl_fail(HL_ERR_AUTH, NULL, "token not valid yet");
		goto out;
	}
	/* A token issued in the future comes from a wrong clock or a forger
	 * who wants it to last: refused beyond the same leeway. */
	if (json_object_object_get_ex(claims, "iat", &v) &&
	    (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) > now + LEEWAY_S)) {
		rc = hl_fail(HL_ERR_AUTH, NULL, "token issued in the future");
		goto out;
	}
	if (cfg->jwt_issuer && *cfg->jwt_issuer &&
	    (!json_object_object_get_ex(claims, "iss", &v) ||
	     !json_object_is_type(v, json_type_string) ||
	     strcmp(json_object_get_string(v), cfg->jwt_issuer))) {
		rc = hl_fail(HL_ERR_AUTH, NULL, "token issuer is not accepted");
		goto out;
	}
	if (cfg->jwt_audience && *cfg->jwt_audience &&
	    (!json_object_object_get_ex(claims, "aud", &v) || !aud_ok(v, cfg->jwt_audience))) {
		rc = hl_fail(HL_ERR_AUTH, NULL, "token audience is not accepted");
		goto out;
	}
	if (!json_object_object_get_ex(claims, cfg->jwt_account_claim, &v) ||
	    !json_object_is_type(v, json_type_string)) {
		rc = hl_fail(HL_ERR_AUTH, NULL, "token names no account");
		goto out;
	}
	slug = json_object_get_string(v);
	memset(p, 0, sizeof(*p));
	rc = hl_account_by_slug(db, slug, p->account_id);
	if (rc == HL_ERR_NOTFOUND) {
		rc = hl_fail(HL_ERR_AUTH, NULL, "token names an unknown account");
		goto out;
	}
	if (rc)
		goto out;
	if (json_object_object_get_ex(claims, "sub", &v) && json_object_is_type(v, json_type_string))
		sub = json_object_get_string(v);
	subject_id(sub, p->actor_id);
	snprintf(p->actor, sizeof(p->actor), "jwt:%.200s", sub);
	p->scopes = json_object_object_get_ex(claims, "scope", &v) &&
		json_object_is_type(v, json_type_string) ? scopes_from(json_object_get_string(v)) : 0;
out:
	if (jwt)
		jwt_free(jwt);
	json_object_put(header);
	json_object_put(claims);
	return rc;
}
