/* hl-decrypt: what a receiver does with an encrypted hookline delivery,
 * written apart from hookline's code (OpenSSL and json-c only) so the
 * system tests check the documented envelope, not our own decoder.
 * Usage: hl-decrypt KEY_BASE64 < envelope.json > plaintext */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include <openssl/evp.h>

#define INPUT_MAX (16 * 1024 * 1024)

/* Standard base64 with padding; returns the decoded length or -1. */
static long
b64decode(const char *in, unsigned char **out)
{
	size_t n = strlen(in);
	int len, pad = 0;

	*out = malloc(n / 4 * 3 + 3);
	if (!*out || n % 4)
		return -1;
	len = EVP_DecodeBlock(*out, (const unsigned char *)in, (int)n);
	if (len < 0)
		return -1;
	if (n && in[n - 1] == '=')
		pad++;
	if (n > 1 && in[n - 2] == '=')
		pad++;
	return len - pad;
}

static const char *
member(json_object *o, const char *name)
{
	json_object *v;

	if (!json_object_object_get_ex(o, name, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

int
main(int argc, char **argv)
{
	unsigned char *key = NULL, *iv = NULL, *ct = NULL, *tag = NULL, *pt = NULL;
	long keylen, ivlen, ctlen, taglen;
	char *input = NULL;
	size_t n = 0;
	json_object *env = NULL, *e;
	EVP_CIPHER_CTX *ctx = NULL;
	int len = 0, status = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: hl-decrypt KEY_BASE64 < envelope.json\n");
		return 2;
	}
	input = malloc(INPUT_MAX + 1);
	if (!input)
		goto out;
	n = fread(input, 1, INPUT_MAX, stdin);
	input[n] = '\0';
	env = json_tokener_parse(input);
	if (!env || !json_object_object_get_ex(env, "encrypted", &e) ||
	    !member(e, "alg") || strcmp(member(e, "alg"), "A256GCM") ||
	    !member(e, "iv") || !member(e, "ciphertext") || !member(e, "tag")) {
		fprintf(stderr, "hl-decrypt: not an A256GCM envelope\n");
		goto out;
	}
	keylen = b64decode(argv[1], &key);
	ivlen = b64decode(member(e, "iv"), &iv);
	ctlen = b64decode(member(e, "ciphertext"), &ct);
	taglen = b64decode(member(e, "tag"), &tag);
	if (keylen != 32 || ivlen != 12 || ctlen < 0 || taglen != 16) {
		fprintf(stderr, "hl-decrypt: bad key, iv, ciphertext or tag\n");
		goto out;
	}
	pt = malloc((size_t)ctlen + 1);
	ctx = EVP_CIPHER_CTX_new();
	if (!pt || !ctx ||
	    EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, iv) != 1 ||
	    EVP_DecryptUpdate(ctx, pt, &len, ct, (int)ctlen) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, tag) != 1 ||
	    EVP_DecryptFinal_ex(ctx, pt + len, &len) != 1) {
		fprintf(stderr, "hl-decrypt: authentication failed\n");
		goto out;
	}
	fwrite(pt, 1, (size_t)ctlen, stdout);
	status = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	json_object_put(env);
	free(input);
	free(key);
	free(iv);
	free(ct);
	free(tag);
	free(pt);
	return status;
}
