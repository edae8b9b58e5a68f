/* hl_crypto.h: everything secret-shaped, over OpenSSL 3: random ids,
 * base64/hex, HMAC, Standard Webhooks signatures, password hashing,
 * API key hashing, sealing endpoint secrets at rest (AES-256-GCM). */
#ifndef HL_CRYPTO_H
#define HL_CRYPTO_H
#include <stddef.h>
#include "hl_error.h"

#define HL_ID_MAX 40          /* "dlv_" + 26 chars + NUL, with room */
#define HL_SECRET_MAX 128     /* whsec_ + base64 of up to 64 bytes */
/* How long a rotated secret (an endpoint's, a source's) keeps working. */
#define HL_GRACE_DEFAULT 86400
#define HL_GRACE_MAX (7 * 86400)
#define HL_SIG_MAX 64         /* one "v1,<base64 of 32 bytes>" */
#define HL_PWHASH_MAX 160

hl_err hl_random_bytes(unsigned char *buf, size_t n);

/* Standard base64 with padding. Returns the output length; out must hold
 * 4*((n+2)/3)+1 bytes. */
size_t hl_base64_encode(const unsigned char *in, size_t n, char *out);
/* Decode standard base64 (padding optional). HL_ERR_INVALID on bad
 * input or when the result exceeds outcap. */
hl_err hl_base64_decode(const char *in, size_t n, unsigned char *out,
	size_t outcap, size_t *outlen);
void hl_hex_encode(const unsigned char *in, size_t n, char *out); /* out: 2n+1 */

void hl_hmac_sha256(const void *key, size_t keylen, const void *data,
	size_t n, unsigned char out[32]);
/* HMAC-SHA256 of prefix followed by data ("{ts}." + body), without
 * copying them together. */
hl_err hl_hmac_sha256_after(const void *key, size_t keylen, const void *prefix,
	size_t prefixlen, const void *data, size_t n, unsigned char out[32]);
void hl_sha256_hex(const void *data, size_t n, char out[65]);
/* Constant-time comparisons (CRYPTO_memcmp). Different lengths -> 0. */
int hl_ct_equal(const void *a, size_t alen, const void *b, size_t blen);
/* Wipe a secret string (OPENSSL_cleanse: a memset right before free may
 * be optimised away) and free it; NULL is fine. */
void hl_secret_free(char *s);
int hl_ct_streq(const char *a, const char *b);

/* Time-sortable opaque id: prefix + "_" + 26 lowercase Crockford base32
 * chars (48-bit milliseconds, 80 random bits), e.g. "wh_01hf...". */
hl_err hl_id_new(const char *prefix, char out[HL_ID_MAX]);
/* The smallest id of that prefix made at unix time ms: every id made
 * before ms sorts below it (retention deletes by primary key range). */
hl_err hl_id_at(const char *prefix, long long ms, char out[HL_ID_MAX]);
/* 1 when s is prefix + "_" + 26 valid chars. */
int hl_id_valid(const char *prefix, const char *s);

/* Standard Webhooks: "whsec_" + base64 of 32 random bytes. */
hl_err hl_webhook_secret_new(char out[HL_SECRET_MAX]);
/* 1 when secret is whsec_ + base64 of 24..64 bytes. */
int hl_webhook_secret_valid(const char *secret);
/* out = "v1," + base64(HMAC-SHA256(base64decode(secret after whsec_),
 * "{id}.{ts}.{body}")). HL_ERR_INVALID for a malformed secret. */
hl_err hl_webhook_sign(const char *secret, const char *msg_id, long long ts,
	const void *body, size_t bodylen, char out[HL_SIG_MAX]);
/* Verify a webhook-signature header value (space-separated list) against
 * one secret. Returns HL_OK when any v1 value matches, HL_ERR_AUTH when none,
 * HL_ERR_INVALID for a malformed secret. Does not check the timestamp. */
hl_err hl_webhook_verify(const char *secret, const char *msg_id, long long ts,
	const void *body, size_t bodylen, const char *header);

/* PBKDF2-HMAC-SHA256, 600000 iterations, 16-byte salt:
 * "pbkdf2-sha256$600000$<b64 salt>$<b64 hash>". */
hl_err hl_password_hash(const char *password, char out[HL_PWHASH_MAX]);
/* 1 on match (constant-time), 0 otherwise (also for malformed stored). */
int hl_password_verify(const char *password, const char *stored);

/* API keys: "hl_" + 8-char lookup id + "_" + 32 random base62 chars.
 * prefix_out receives "hl_<lookup id>" (stored, shown in lists),
 * hash_out the SHA-256 hex of the whole key (stored). */
#define HL_APIKEY_MAX 64
hl_err hl_apikey_new(char key_out[HL_APIKEY_MAX], char prefix_out[16], char hash_out[65]);
/* Split a presented key: prefix_out as above. HL_ERR_AUTH when malformed. */
hl_err hl_apikey_prefix(const char *key, char prefix_out[16]);

/* Seal/open a secret for storage: base64(12-byte nonce | ciphertext | tag)
 * with AES-256-GCM under the 32-byte master key. The caller frees *out. */
hl_err hl_seal(const unsigned char key[32], const char *plain, char **out);
hl_err hl_unseal(const unsigned char key[32], const char *sealed, char **out);
/* AES-256-GCM of in[0..n) under key with a fresh random 12-byte iv and
 * no associated data: out (n bytes, caller's), iv and the 16-byte tag. */
hl_err hl_aes256gcm_encrypt(const unsigned char key[32], const void *in, size_t n,
	unsigned char *out, unsigned char iv[12], unsigned char tag[16]);

#endif
