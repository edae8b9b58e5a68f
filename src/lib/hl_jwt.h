/* hl_jwt.h: JWT bearer tokens (HS256 or RS256) from an OAuth 2.0 / SSO
 * provider, mapped to a principal of one account. */
#ifndef HL_JWT_H
#define HL_JWT_H
#include "hl_accounts.h"
#include "hl_config.h"
#include "hl_db.h"

/* 1 when Auth.JwtHs256Secret or Auth.JwtRs256PublicKeyFile is set. */
int hl_jwt_enabled(const struct hl_config *cfg);
/* Reads Auth.JwtRs256PublicKeyFile (when set) into cfg->jwt_rs256_key,
 * once, at start-up: HL_ERR_CONFIG naming the key and the file when it
 * cannot be read, is over 16 KiB, or is not one PEM RSA public key of at
 * least 2048 bits (a private key is refused too). */
hl_err hl_jwt_load_key(struct hl_config *cfg);
/* Verify signature (only the configured algorithm is accepted), exp,
 * nbf, iat (30 s leeway for clock skew), iss and aud; the account comes
 * from Auth.JwtAccountClaim (a slug), scopes from the space-separated
 * "scope" claim; the actor id is per "sub" (jwt_ and a hash of it).
 * HL_ERR_AUTH for any bad token (the message says why, without token
 * material). An RS256 key must have been loaded by hl_jwt_load_key. */
hl_err hl_jwt_authenticate(struct hl_db *db, const struct hl_config *cfg, const char *token,
	struct hl_principal *p);

#endif
