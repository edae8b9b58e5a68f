/* hl_crypto.c: hookline's secret-shaped primitives over OpenSSL 3: ids,
 * base64/hex, HMAC, Standard Webhooks signatures, passwords, API keys, sealing. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "hl_crypto.h"

#define ID_CHARS 26
#define SECRET_PREFIX "whsec_"
#define SECRET_MIN_BYTES 24	/* Standard Webhooks: 24..64 random bytes */
#define SECRET_MAX_BYTES 64
#define PW_SCHEME "pbkdf2-sha256"
#define PW_ITER 600000
#define PW_ITER_MIN 100000	/* verify accepts a range so the cost can be raised later */
#define PW_ITER_MAX 10000000
#define PW_SALT_LEN 16
#define PW_HASH_LEN 32
#define PW_PART_MAX 64
#define APIKEY_LOOKUP_LEN 8
#define APIKEY_SECRET_LEN 32
#define APIKEY_LEN (3 + APIKEY_LOOKUP_LEN + 1 + APIKEY_SECRET_LEN)
#define GCM_NONCE_LEN 12
#define GCM_TAG_LEN 16

static const char b64_chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char crockford[] = "0123456789abcdefghjkmnpqrstvwxyz";
static const char alnum_lower[] = "0123456789abcdefghijklmnopqrstuvwxyz";
static const char base62[] =
	"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/* One piece of a message that is MACed without first being concatenated. */
struct mac_part {
	const void *p;
	size_t n;
};

hl_err hl_random_bytes(unsigned char *buf, size_t n)
{
	hl_err rc = HL_OK;

	/* RAND_bytes takes an int: feed large requests in chunks. */
	while (n > 0) {
		int chunk = n > INT_MAX ? INT_MAX : (int)n;

		if (RAND_bytes(buf, chunk) != 1) {
			rc = hl_fail(HL_ERR_CRYPTO, NULL, "random generator failed");
			goto out;
		}
		buf += chunk;
		n -= (size_t)chunk;
	}
out:
	return rc;
}

size_t hl_base64_encode(const unsigned char *in, size_t n, char *out)
{
	size_t i, o = 0;

	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

		out[o++] = b64_chars[v >> 18 & 63];
		out[o++] = b64_chars[v >> 12 & 63];
		out[o++] = b64_chars[v >> 6 & 63];
		out[o++] = b64_chars[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;

		out[o++] = b64_chars[v >> 18 & 63];
		out[o++] = b64_chars[v >> 12 & 63];
		out[o++] = '=';
		out[o++] = '=';
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;

		out[o++] = b64_chars[v >> 18 & 63];
		out[o++] = b64_chars[v >> 12 & 63];
		out[o++] = b64_chars[v >> 6 & 63];
		out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

hl_err hl_base64_decode(const char *in, size_t n, unsigned char *out,
	size_t outcap, size_t *outlen)
{
	hl_err rc = HL_OK;
	size_t len = n, rem, need, i, o = 0;
	uint32_t acc = 0;
	int bits = 0;

	*outlen = 0;
	/* Padding is optional, but when present it must complete a quantum. */
	if (len > 0 && in[len - 1] == '=')
		len--;
	if (len > 0 && in[len - 1] == '=')
		len--;
	if (len != n && n % 4 != 0) {
		rc = hl_fail(HL_ERR_INVALID, NULL, "base64: bad padding");
		goto out;
	}
	rem = len % 4;
	if (rem == 1) {
		rc = hl_fail(HL_ERR_INVALID, NULL, "base64: truncated input");
		goto out;
	}
	need = len / 4 * 3 + (rem ? rem - 1 : 0);
	if (need > outcap) {
		rc = hl_fail(HL_ERR_INVALID, NULL, "base64: value too long");
		goto out;
	}
	for (i = 0; i < len; i++) {
		int v = b64_value((unsigned char)in[i]);

		if (v < 0) {
			rc = hl_fail(HL_ERR_INVALID, NULL, "base64: bad character");
			goto out;
		}
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	/* Non-zero leftover bits mean a second spelling of the same bytes;
	 * refusing them keeps one encoding per value. */
	if (acc != 0) {
		rc = hl_fail(HL_ERR_INVALID, NULL, "base64: non-canonical encoding");
		goto out;
	}
	*outlen = o;
out:
	return rc;
}

void hl_hex_encode(const unsigned char *in, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 15];
	}
	out[2 * n] = '\0';
}

static hl_err hmac_parts(const void *key, size_t keylen,
	const struct mac_part *parts, int nparts, unsigned char out[32])
{
	hl_err rc = HL_OK;
	EVP_MAC *mac = NULL;
	EVP_MAC_CTX *ctx = NULL;
	OSSL_PARAM params[2];
	size_t outl = 0;
	int i;
	/* An empty key still needs a valid pointer for EVP_MAC_init. */
	static const unsigned char nokey[1];

	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (!mac)
		goto fail;
	ctx = EVP_MAC_CTX_new(mac);
	if (!ctx)
		goto fail;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
		(char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_MAC_init(ctx, keylen ? key : nokey, keylen, params) != 1)
		goto fail;
	for (i = 0; i < nparts; i++) {
		if (parts[i].n == 0)
			continue;
		if (EVP_MAC_update(ctx, parts[i].p, parts[i].n) != 1)
			goto fail;
	}
	if (EVP_MAC_final(ctx, out, &outl, 32) != 1 || outl != 32)
		goto fail;
	goto out;
fail:
	rc = hl_fail(HL_ERR_CRYPTO, NULL, "HMAC-SHA256 failed");
out:
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return rc;
}

void hl_hmac_sha256(const void *key, size_t keylen, const void *data,
	size_t n, unsigned char out[32])
{
	struct mac_part part = { data, n };

	/* The interface has no error return, and handing back a predictable
	 * MAC would let a forged signature compare equal: stop instead. */
	if (hmac_parts(key, keylen, &part, 1, out) != HL_OK)
		abort();
}

void hl_sha256_hex(const void *data, size_t n, char out[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	static const unsigned char empty[1];

	/* Same reasoning as hl_hmac_sha256: a wrong digest must never escape. */
	if (EVP_Digest(n ? data : empty, n, md, &mdlen, EVP_sha256(), NULL) != 1
	    || mdlen != 32)
		abort();
	hl_hex_encode(md, 32, out);
}

void hl_secret_free(char *s)
{
	if (!s)
		return;
	OPENSSL_cleanse(s, strlen(s));
	free(s);
}

int hl_ct_equal(const void *a, size_t alen, const void *b, size_t blen)
{
	if (alen != blen)
		return 0;
	if (alen == 0)
		return 1;
	return CRYPTO_memcmp(a, b, alen) == 0;
}

int hl_ct_streq(const char *a, const char *b)
{
	if (!a || !b)
		return 0;
	return hl_ct_equal(a, strlen(a), b, strlen(b));
}

static int in_set(char c, const char *set)
{
	return c != '\0' && strchr(set, c) != NULL;
}

static int id_prefix_ok(const char *prefix)
{
	size_t i, n;

	if (!prefix)
		return 0;
	n = strlen(prefix);
	if (n == 0 || n + 1 + ID_CHARS + 1 > HL_ID_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		if (!(prefix[i] >= 'a' && prefix[i] <= 'z'))
			return 0;
	}
	return 1;
}

/* prefix + "_" + the 128 bits of raw (48-bit milliseconds, 80 more) in
 * 26 Crockford base32 characters. */
static void id_encode(const char *prefix, const unsigned char raw[16], char out[HL_ID_MAX])
{
	size_t plen = strlen(prefix);
	int i, bit;

	memcpy(out, prefix, plen);
	out[plen] = '_';
	/* 26 chars carry 130 bits: the 128-bit value with two leading zero
	 * bits, so the first char only ever takes values 0..7 (as in ULID). */
	for (i = 0; i < ID_CHARS; i++) {
		int v = 0, k;

		for (k = 0; k < 5; k++) {
			bit = i * 5 + k - 2;
			v <<= 1;
			if (bit >= 0)
				v |= raw[bit / 8] >> (7 - bit % 8) & 1;
		}
		out[plen + 1 + i] = crockford[v];
	}
	out[plen + 1 + ID_CHARS] = '\0';
}

static void id_time(unsigned char raw[16], uint64_t ms)
{
	int i;

	for (i = 0; i < 6; i++)
		raw[i] = (unsigned char)(ms >> (40 - 8 * i));
}

/* The last id this thread made (hl_id_new). */
static _Thread_local int id_last_set;
static _Thread_local uint64_t id_last_ms;
static _Thread_local unsigned char id_last_rand[10];

hl_err hl_id_new(const char *prefix, char out[HL_ID_MAX])
{
	hl_err rc = HL_OK;
	unsigned char raw[16];
	struct timespec ts;
	uint64_t ms;

	out[0] = '\0';
	if (!id_prefix_ok(prefix)) {
		rc = hl_fail(HL_ERR_INTERNAL, NULL, "bad id prefix");
		goto out;
	}
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0) {
		rc = hl_fail(HL_ERR_INTERNAL, NULL, "clock_gettime failed");
		goto out;
	}
	ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
	rc = hl_random_bytes(raw + 6, 10);
	if (rc != HL_OK)
		goto out;
	/* Within a millisecond (or a clock step back) the next id of this
	 * thread is the last one plus a random step of 1 to 2^40: ids of one
	 * publisher sort in the order they were made (FIFO endpoints and
	 * claims rely on it), and an id still does not tell its neighbour. */
	if (id_last_set && ms <= id_last_ms) {
		unsigned carry = 1;
		int i;

		ms = id_last_ms;
		for (i = 9; i >= 0; i--) {
			carry += id_last_rand[i] + (i >= 5 ? raw[6 + i] : 0);
			raw[6 + i] = (unsigned char)carry;
			carry >>= 8;
		}
		if (carry)
			ms++;   /* the 80 bits ran over: the next millisecond */
	}
	id_last_set = 1;
	id_last_ms = ms;
	memcpy(id_last_rand, raw + 6, 10);
	id_time(raw, ms);
	id_encode(prefix, raw, out);
out:
	return rc;
}

hl_err hl_id_at(const char *prefix, long long ms, char out[HL_ID_MAX])
{
	unsigned char raw[16] = { 0 };

	out[0] = '\0';
	if (!id_prefix_ok(prefix) || ms < 0)
		return hl_fail(HL_ERR_INTERNAL, NULL, "bad id prefix or time");
	id_time(raw, (uint64_t)ms);
	id_encode(prefix, raw, out);
	return HL_OK;
}

int hl_id_valid(const char *prefix, const char *s)
{
	size_t plen, i;

	if (!prefix || !s)
		return 0;
	plen = strlen(prefix);
	if (strncmp(s, prefix, plen) != 0 || s[plen] != '_')
		return 0;
	s += plen + 1;
	if (strlen(s) != ID_CHARS)
		return 0;
	if (s[0] < '0' || s[0] > '7')
		return 0;
	for (i = 1; i < ID_CHARS; i++) {
		if (!in_set(s[i], crockford))
			return 0;
	}
	return 1;
}

hl_err hl_webhook_secret_new(char out[HL_SECRET_MAX])
{
	hl_err rc;
	unsigned char key[32];
	size_t plen = sizeof(SECRET_PREFIX) - 1;

	out[0] = '\0';
	rc = hl_random_bytes(key, sizeof(key));
	if (rc != HL_OK)
		goto out;
	memcpy(out, SECRET_PREFIX, plen);
	hl_base64_encode(key, sizeof(key), out + plen);
out:
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

/* The HMAC key of a whsec_ secret: its base64-decoded bytes. */
static hl_err decode_secret(const char *secret, unsigned char key[SECRET_MAX_BYTES],
	size_t *keylen)
{
	size_t plen = sizeof(SECRET_PREFIX) - 1;

	*keylen = 0;
	if (!secret || strncmp(secret, SECRET_PREFIX, plen) != 0)
		return hl_fail(HL_ERR_INVALID, "secret", "secret must start with whsec_");
	if (hl_base64_decode(secret + plen, strlen(secret + plen), key,
	    SECRET_MAX_BYTES, keylen) != HL_OK || *keylen < SECRET_MIN_BYTES)
		return hl_fail(HL_ERR_INVALID, "secret",
			"secret must be whsec_ and base64 of 24 to 64 bytes");
	return HL_OK;
}

int hl_webhook_secret_valid(const char *secret)
{
	unsigned char key[SECRET_MAX_BYTES];
	size_t keylen;
	hl_err rc;

	rc = decode_secret(secret, key, &keylen);
	OPENSSL_cleanse(key, sizeof(key));
	return rc == HL_OK;
}

hl_err hl_hmac_sha256_after(const void *key, size_t keylen, const void *prefix,
	size_t prefixlen, const void *data, size_t n, unsigned char out[32])
{
	struct mac_part parts[2] = { { prefix, prefixlen }, { data, n } };

	return hmac_parts(key, keylen, parts, 2, out);
}

/* The raw HMAC over "{id}.{ts}.{body}" with the decoded whsec_ key. */
static hl_err webhook_mac(const char *secret, const char *msg_id, long long ts,
	const void *body, size_t bodylen, unsigned char mac[32])
{
	hl_err rc = HL_OK;
	unsigned char key[SECRET_MAX_BYTES];
	size_t keylen = 0;
	char tsbuf[32];
	struct mac_part parts[5];

	rc = decode_secret(secret, key, &keylen);
	if (rc != HL_OK)
		goto out;
	if (!msg_id || (!body && bodylen)) {
		rc = hl_fail(HL_ERR_INTERNAL, NULL, "webhook_mac: missing input");
		goto out;
	}
	snprintf(tsbuf, sizeof(tsbuf), "%lld", ts);
	parts[0] = (struct mac_part){ msg_id, strlen(msg_id) };
	parts[1] = (struct mac_part){ ".", 1 };
	parts[2] = (struct mac_part){ tsbuf, strlen(tsbuf) };
	parts[3] = (struct mac_part){ ".", 1 };
	parts[4] = (struct mac_part){ body, bodylen };
	rc = hmac_parts(key, keylen, parts, 5, mac);
out:
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

hl_err hl_webhook_sign(const char *secret, const char *msg_id, long long ts,
	const void *body, size_t bodylen, char out[HL_SIG_MAX])
{
	hl_err rc;
	unsigned char mac[32];

	out[0] = '\0';
	rc = webhook_mac(secret, msg_id, ts, body, bodylen, mac);
	if (rc != HL_OK)
		goto out;
	memcpy(out, "v1,", 3);
	hl_base64_encode(mac, sizeof(mac), out + 3);
out:
	return rc;
}

hl_err hl_webhook_verify(const char *secret, const char *msg_id, long long ts,
	const void *body, size_t bodylen, const char *header)
{
	hl_err rc;
	unsigned char want[32], got[64];
	size_t gotlen;
	const char *p, *end;
	int match = 0;

	rc = webhook_mac(secret, msg_id, ts, body, bodylen, want);
	if (rc != HL_OK)
		goto out;
	p = header ? header : "";
	/* Check every v1 entry (no early exit) and ignore other schemes such
	 * as v1a: a sender may list several signatures during rotation. */
	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		end = p;
		while (*end && *end != ' ' && *end != '\t')
			end++;
		if (end - p > 3 && memcmp(p, "v1,", 3) == 0
		    && hl_base64_decode(p + 3, (size_t)(end - p - 3), got,
		    sizeof(got), &gotlen) == HL_OK)
			match |= hl_ct_equal(want, sizeof(want), got, gotlen);
		p = end;
	}
	if (!match)
		rc = hl_fail(HL_ERR_AUTH, "webhook-signature", "no matching signature");
out:
	return rc;
}

static hl_err pbkdf2(const char *password, const unsigned char *salt,
	size_t saltlen, long iter, unsigned char *out, size_t outlen)
{
	size_t pwlen = strlen(password);

	if (pwlen > INT_MAX
	    || PKCS5_PBKDF2_HMAC(password, (int)pwlen, salt, (int)saltlen,
	    (int)iter, EVP_sha256(), (int)outlen, out) != 1)
		return hl_fail(HL_ERR_CRYPTO, NULL, "PBKDF2 failed");
	return HL_OK;
}

hl_err hl_password_hash(const char *password, char out[HL_PWHASH_MAX])
{
	hl_err rc;
	unsigned char salt[PW_SALT_LEN], hash[PW_HASH_LEN];
	char salt64[4 * ((PW_SALT_LEN + 2) / 3) + 1];
	char hash64[4 * ((PW_HASH_LEN + 2) / 3) + 1];

	out[0] = '\0';
	if (!password) {
		rc = hl_fail(HL_ERR_INVALID, "password", "password missing");
		goto out;
	}
	rc = hl_random_bytes(salt, sizeof(salt));
	if (rc != HL_OK)
		goto out;
	rc = pbkdf2(password, salt, sizeof(salt), PW_ITER, hash, sizeof(hash));
	if (rc != HL_OK)
		goto out;
	hl_base64_encode(salt, sizeof(salt), salt64);
	hl_base64_encode(hash, sizeof(hash), hash64);
	snprintf(out, HL_PWHASH_MAX, PW_SCHEME "$%d$%s$%s", PW_ITER, salt64, hash64);
out:
	OPENSSL_cleanse(hash, sizeof(hash));
	return rc;
}

int hl_password_verify(const char *password, const char *stored)
{
	unsigned char salt[PW_PART_MAX], want[PW_PART_MAX], got[PW_PART_MAX];
	size_t saltlen, wantlen, plen = sizeof(PW_SCHEME "$") - 1;
	const char *p, *dollar;
	char *end;
	long iter;
	int ok = 0;

	if (!password || !stored || strncmp(stored, PW_SCHEME "$", plen) != 0)
		goto out;
	p = stored + plen;
	if (*p < '1' || *p > '9')
		goto out;
	iter = strtol(p, &end, 10);
	if (*end != '$' || iter < PW_ITER_MIN || iter > PW_ITER_MAX)
		goto out;
	p = end + 1;
	dollar = strchr(p, '$');
	if (!dollar)
		goto out;
	if (hl_base64_decode(p, (size_t)(dollar - p), salt, sizeof(salt),
	    &saltlen) != HL_OK || saltlen < 8)
		goto out;
	p = dollar + 1;
	if (hl_base64_decode(p, strlen(p), want, sizeof(want), &wantlen) != HL_OK
	    || wantlen < 16)
		goto out;
	if (pbkdf2(password, salt, saltlen, iter, got, wantlen) != HL_OK)
		goto out;
	ok = hl_ct_equal(want, wantlen, got, wantlen);
out:
	OPENSSL_cleanse(got, sizeof(got));
	return ok;
}

/* Fill out[0..n) with chars of alphabet (at most 256 chars), uniformly:
 * bytes at or above the largest multiple of the alphabet size are
 * discarded, since reducing them modulo the size would favour low chars. */
static hl_err random_chars(const char *alphabet, char *out, size_t n)
{
	hl_err rc = HL_OK;
	unsigned char buf[64];
	size_t size = strlen(alphabet), limit = 256 - 256 % size, i = 0, j;

	while (i < n) {
		rc = hl_random_bytes(buf, sizeof(buf));
		if (rc != HL_OK)
			goto out;
		for (j = 0; j < sizeof(buf) && i < n; j++) {
			if (buf[j] < limit)
				out[i++] = alphabet[buf[j] % size];
		}
	}
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	return rc;
}

hl_err hl_apikey_new(char key_out[HL_APIKEY_MAX], char prefix_out[16], char hash_out[65])
{
	hl_err rc;
	char *p = key_out;

	key_out[0] = prefix_out[0] = hash_out[0] = '\0';
	memcpy(p, "hl_", 3);
	p += 3;
	rc = random_chars(alnum_lower, p, APIKEY_LOOKUP_LEN);
	if (rc != HL_OK)
		goto out;
	p += APIKEY_LOOKUP_LEN;
	*p++ = '_';
	rc = random_chars(base62, p, APIKEY_SECRET_LEN);
	if (rc != HL_OK)
		goto out;
	p += APIKEY_SECRET_LEN;
	*p = '\0';
	memcpy(prefix_out, key_out, 3 + APIKEY_LOOKUP_LEN);
	prefix_out[3 + APIKEY_LOOKUP_LEN] = '\0';
	hl_sha256_hex(key_out, APIKEY_LEN, hash_out);
out:
	if (rc != HL_OK)
		OPENSSL_cleanse(key_out, HL_APIKEY_MAX);
	return rc;
}

hl_err hl_apikey_prefix(const char *key, char prefix_out[16])
{
	hl_err rc = HL_OK;
	size_t i;

	prefix_out[0] = '\0';
	/* Never echo the key into the error: it is a credential. */
	if (!key || strlen(key) != APIKEY_LEN || memcmp(key, "hl_", 3) != 0
	    || key[3 + APIKEY_LOOKUP_LEN] != '_') {
		rc = hl_fail(HL_ERR_AUTH, NULL, "malformed API key");
		goto out;
	}
	for (i = 0; i < APIKEY_LOOKUP_LEN; i++) {
		if (!in_set(key[3 + i], alnum_lower)) {
			rc = hl_fail(HL_ERR_AUTH, NULL, "malformed API key");
			goto out;
		}
	}
	for (i = 0; i < APIKEY_SECRET_LEN; i++) {
		if (!in_set(key[4 + APIKEY_LOOKUP_LEN + i], base62)) {
			rc = hl_fail(HL_ERR_AUTH, NULL, "malformed API key");
			goto out;
		}
	}
	memcpy(prefix_out, key, 3 + APIKEY_LOOKUP_LEN);
	prefix_out[3 + APIKEY_LOOKUP_LEN] = '\0';
out:
	return rc;
}

hl_err hl_seal(const unsigned char key[32], const char *plain, char **out)
{
	hl_err rc = HL_OK;
	EVP_CIPHER_CTX *ctx = NULL;
	unsigned char *buf = NULL;
	size_t plen, blen = 0;
	int len = 0;

	*out = NULL;
	if (!plain) {
		rc = hl_fail(HL_ERR_INTERNAL, NULL, "hl_seal: no input");
		goto out;
	}
	plen = strlen(plain);
	if (plen > INT_MAX - GCM_NONCE_LEN - GCM_TAG_LEN) {
		rc = hl_fail(HL_ERR_TOOLARGE, NULL, "secret too large to seal");
		goto out;
	}
	blen = GCM_NONCE_LEN + plen + GCM_TAG_LEN;
	buf = malloc(blen);
	*out = malloc(4 * ((blen + 2) / 3) + 1);
	if (!buf || !*out) {
		rc = hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
		goto out;
	}
	/* A fresh random nonce per seal: GCM breaks if a nonce ever repeats
	 * under one key, and 96 random bits make that negligible here. */
	rc = hl_random_bytes(buf, GCM_NONCE_LEN);
	if (rc != HL_OK)
		goto out;
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx
	    || EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, buf) != 1
	    || EVP_EncryptUpdate(ctx, buf + GCM_NONCE_LEN, &len,
	    (const unsigned char *)plain, (int)plen) != 1
	    || EVP_EncryptFinal_ex(ctx, buf + GCM_NONCE_LEN + len, &len) != 1
	    || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, GCM_TAG_LEN,
	    buf + GCM_NONCE_LEN + plen) != 1) {
		rc = hl_fail(HL_ERR_CRYPTO, NULL, "AES-256-GCM encryption failed");
		goto out;
	}
	hl_base64_encode(buf, blen, *out);
out:
	EVP_CIPHER_CTX_free(ctx);
	if (buf)
		OPENSSL_cleanse(buf, blen);
	free(buf);
	if (rc != HL_OK) {
		free(*out);
		*out = NULL;
	}
	return rc;
}

hl_err hl_aes256gcm_encrypt(const unsigned char key[32], const void *in, size_t n,
	unsigned char *out, unsigned char iv[12], unsigned char tag[16])
{
	EVP_CIPHER_CTX *ctx = NULL;
	hl_err rc;
	int len = 0;

	if (n > INT_MAX)
		return hl_fail(HL_ERR_TOOLARGE, NULL, "body too large to encrypt");
	/* Random, never a counter: several runners encrypt under one key. */
	rc = hl_random_bytes(iv, GCM_NONCE_LEN);
	if (rc != HL_OK)
		return rc;
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx
	    || EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, iv) != 1
	    || EVP_EncryptUpdate(ctx, out, &len, in, (int)n) != 1
	    || EVP_EncryptFinal_ex(ctx, out + len, &len) != 1
	    || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, GCM_TAG_LEN, tag) != 1)
		rc = hl_fail(HL_ERR_CRYPTO, NULL, "AES-256-GCM encryption failed");
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

hl_err hl_unseal(const unsigned char key[32], const char *sealed, char **out)
{
	hl_err rc = HL_OK;
	EVP_CIPHER_CTX *ctx = NULL;
	unsigned char *buf = NULL;
	char *plain = NULL;
	size_t slen, cap = 0, blen = 0, clen = 0;
	int len = 0;

	*out = NULL;
	if (!sealed) {
		rc = hl_fail(HL_ERR_INTERNAL, NULL, "hl_unseal: no input");
		goto out;
	}
	slen = strlen(sealed);
	if (slen > INT_MAX) {
		rc = hl_fail(HL_ERR_CRYPTO, NULL, "sealed value too large");
		goto out;
	}
	cap = slen / 4 * 3 + 3;
	buf = malloc(cap);
	if (!buf) {
		rc = hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
		goto out;
	}
	if (hl_base64_decode(sealed, slen, buf, cap, &blen) != HL_OK
	    || blen < GCM_NONCE_LEN + GCM_TAG_LEN) {
		rc = hl_fail(HL_ERR_CRYPTO, NULL, "sealed value is malformed");
		goto out;
	}
	clen = blen - GCM_NONCE_LEN - GCM_TAG_LEN;
	plain = malloc(clen + 1);
	if (!plain) {
		rc = hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
		goto out;
	}
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx
	    || EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, buf) != 1
	    || EVP_DecryptUpdate(ctx, (unsigned char *)plain, &len,
	    buf + GCM_NONCE_LEN, (int)clen) != 1
	    || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, GCM_TAG_LEN,
	    buf + GCM_NONCE_LEN + clen) != 1
	    || EVP_DecryptFinal_ex(ctx, (unsigned char *)plain + len, &len) != 1) {
		rc = hl_fail(HL_ERR_CRYPTO, NULL,
			"sealed value failed authentication (wrong key or tampered)");
		goto out;
	}
	plain[clen] = '\0';
	/* A NUL inside would silently truncate the secret for C callers. */
	if (strlen(plain) != clen) {
		rc = hl_fail(HL_ERR_CRYPTO, NULL, "sealed value contains NUL");
		goto out;
	}
	*out = plain;
	plain = NULL;
out:
	EVP_CIPHER_CTX_free(ctx);
	if (buf)
		OPENSSL_cleanse(buf, cap);
	free(buf);
	if (plain)
		OPENSSL_cleanse(plain, clen + 1);
	free(plain);
	return rc;
}
