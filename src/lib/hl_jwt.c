/* hl_jwt.c: JWT verification over libjwt. The algorithm is decided by
 * the configuration, never by the token: a token whose header names
 * another algorithm is refused before libjwt sees a key (otherwise an
 * HS256 token "signed" with the RSA public key would pass). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jwt.h>
#include <json-c/json.h>
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

static hl_err
read_key(const char *path, unsigned char **key, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	*key = NULL;
	if (!f)
		return hl_fail(HL_ERR_CONFIG, NULL, "cannot open Auth.JwtRs256PublicKeyFile %s", path);
	*key = malloc(16384);
	if (!*key) {
		fclose(f);
		return hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
	}
	n = fread(*key, 1, 16383, f);
	fclose(f);
	(*key)[n] = '\0';
	*len = n;
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
	unsigned char *key = NULL;
	size_t keylen = 0;
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
	if (!strcmp(want_alg, "HS256")) {
		key = (unsigned char *)strdup(cfg->jwt_hs256_secret);
		if (!key) {
			rc = hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
			goto out;
		}
		keylen = strlen(cfg->jwt_hs256_secret);
	} else {
		rc = read_key(cfg->jwt_rs256_key_file, &key, &keylen);
		if (rc)
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
	if (key) {
		memset(key, 0, keylen);
		free(key);
	}
	if (jwt)
		jwt_free(jwt);
	json_object_put(header);
	json_object_put(claims);
	return rc;
}
