/* hl_sender.c: build, sign and classify one webhook request with libcurl.
 * Security rules of curl's own guide for user-given URLs: only http and
 * https, no redirects, no proxies from the environment, and the resolved
 * address checked at connect time (hl_ssrf), not the URL text. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include "hl_buf.h"
#include "hl_crypto.h"
#include "hl_endpoint_opts.h"
#include "hl_log.h"
#include "hl_retry.h"
#include "hl_sender.h"
#include "hl_ssrf.h"
#include "hl_util.h"

/* What is kept of a response's headers: the first RESPONSE_HEADERS_MAX,
 * at most RESPONSE_HEADER_BYTES of names and values in all (each header
 * whole or not at all). JSON escaping grows a byte to at most six, and
 * the result must fit the attempt's response_headers column (TEXT,
 * 65535 bytes): a longer one fails the insert, and with it the recording
 * of every attempt in the transaction. */
#define RESPONSE_HEADERS_MAX 64
/* A token endpoint's JSON answer, read whole whatever
 * Delivery.MaxResponseBytes says (that is the excerpt of delivery answers). */
#define TOKEN_ANSWER_MAX 65536
#define RESPONSE_HEADER_BYTES 8192
#define RETRY_AFTER_MIN_S 1
#define RETRY_AFTER_MAX_S (24 * 3600)

struct hl_send {
	const struct hl_config *cfg;
	struct hl_job *job;
	CURL *easy;
	struct curl_slist *headers;
	json_object *req_headers;      /* what we sent, redacted */
	json_object *resp_headers;
	int nresp_headers;
	size_t resp_header_bytes;      /* names and values kept in resp_headers */
	struct hl_buf body;            /* response excerpt */
	int body_cut;                  /* more body than the excerpt: stopped reading */
	char retry_after[64];
	int ssrf_blocked;
	char blocked_addr[INET6_ADDRSTRLEN];
	char errbuf[CURL_ERROR_SIZE];
	long long started_ms;
};

/* Header values never stored in clear (besides the destination
 * authentication and the custom headers, always redacted): by name (the
 * usual names of credentials, as parts of names like X-Auth-Token or
 * X-Upstream-Authorization) ... */
static int
is_secret_header(const char *name)
{
	static const char *const parts[] = {
		"auth", "token", "secret", "key", "pass", "pwd", "credential", "cookie",
		"session", "signature", "private", NULL
	};
	int i;

	/* Ours: the receiver's means to verify, shown so it can be compared. */
	if (!strncasecmp(name, "webhook-", 8))
		return 0;
	for (i = 0; parts[i]; i++)
		if (strcasestr(name, parts[i]))
			return 1;
	return 0;
}

/* A receiver's answer: the credentials it might echo. Narrower than the
 * request's rule, so that WWW-Authenticate and the like stay readable. */
static int
is_secret_response_header(const char *name)
{
	return !strcmp(name, "authorization") || !strcmp(name, "proxy-authorization") ||
		!strcmp(name, "cookie") || !strcmp(name, "set-cookie") ||
		!strcmp(name, "set-cookie2") || strstr(name, "token") || strstr(name, "secret") ||
		strstr(name, "api-key") || strstr(name, "apikey");
}

/* ... and by value: an HTTP authentication scheme and its credentials,
 * whatever the header is called. */
static int
is_secret_value(const char *value)
{
	static const char *const schemes[] = {
		"basic ", "bearer ", "digest ", "token ", "negotiate ", "hmac ", NULL
	};
	int i;

	while (*value == ' ' || *value == '\t')
		value++;
	for (i = 0; schemes[i]; i++)
		if (!strncasecmp(value, schemes[i], strlen(schemes[i])))
			return 1;
	return 0;
}

static hl_err
add_header_redacted(struct hl_send *s, const char *name, const char *value, int redact)
{
	char line[4096];
	struct curl_slist *l;

	snprintf(line, sizeof(line), "%s: %s", name, value);
	l = curl_slist_append(s->headers, line);
	if (!l)
		return hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
	s->headers = l;
	json_object_object_add(s->req_headers, name,
		json_object_new_string(redact || is_secret_header(name) || is_secret_value(value) ?
		HL_REDACTED : value));
	memset(line, 0, sizeof(line));
	return HL_OK;
}

static hl_err
add_header(struct hl_send *s, const char *name, const char *value)
{
	return add_header_redacted(s, name, value, 0);
}

static curl_socket_t
open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *addr)
{
	struct hl_send *s = clientp;

	(void)purpose;
	if (hl_ssrf_denied(&addr->addr, s->cfg->allow, s->cfg->nallow)) {
		const void *raw = addr->family == AF_INET6 ?
			(const void *)&((struct sockaddr_in6 *)&addr->addr)->sin6_addr :
			(const void *)&((struct sockaddr_in *)&addr->addr)->sin_addr;

		s->ssrf_blocked = 1;
		inet_ntop(addr->family, raw, s->blocked_addr, sizeof(s->blocked_addr));
		return CURL_SOCKET_BAD;
	}
	return socket(addr->family, addr->socktype, addr->protocol);
}

static size_t
on_body(char *data, size_t size, size_t nmemb, void *userp)
{
	struct hl_send *s = userp;
	size_t n = size * nmemb, room = s->body.max - s->body.len;

	/* Keep an excerpt. Past it, stop reading: the status is the answer,
	 * and waiting out a long or endless body would turn an accepted
	 * delivery into a timeout and a duplicate. curl then ends the
	 * transfer with CURLE_WRITE_ERROR, which answer_complete() excuses. */
	if (n > room) {
		hl_buf_add(&s->body, data, room);
		s->body_cut = 1;
		return 0;
	}
	hl_buf_add(&s->body, data, n);
	return n;
}

/* Did the transfer end with a whole answer (status and headers, and the
 * body or as much of it as we keep)? */
static int
answer_complete(const struct hl_send *s, CURLcode res)
{
	return res == CURLE_OK || (res == CURLE_WRITE_ERROR && s->body_cut);
}

static size_t
on_header(char *data, size_t size, size_t nmemb, void *userp)
{
	struct hl_send *s = userp;
	size_t n = size * nmemb, namelen;
	char name[128], value[1024];
	const char *colon, *v, *end;

	if (n >= 5 && !strncmp(data, "HTTP/", 5)) {
		/* A new response (e.g. after 100 Continue): forget the old headers. */
		json_object_put(s->resp_headers);
		s->resp_headers = json_object_new_object();
		s->nresp_headers = 0;
		s->resp_header_bytes = 0;
		s->retry_after[0] = '\0';
		return n;
	}
	colon = memchr(data, ':', n);
	if (!colon)
		return n;
	namelen = (size_t)(colon - data);
	if (namelen == 0 || namelen >= sizeof(name))
		return n;
	memcpy(name, data, namelen);
	name[namelen] = '\0';
	for (size_t i = 0; i < namelen; i++)
		if (name[i] >= 'A' && name[i] <= 'Z')
			name[i] = (char)(name[i] - 'A' + 'a');
	for (v = colon + 1; v < data + n && (*v == ' ' || *v == '\t'); v++)
		;
	end = data + n;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		end--;
	snprintf(value, sizeof(value), "%.*s", (int)(end - v), v);
	/* Honoured wherever it comes, whatever is kept for the log. */
	if (!strcmp(name, "retry-after"))
		hl_strlcpy(s->retry_after, value, sizeof(s->retry_after));
	if (s->nresp_headers >= RESPONSE_HEADERS_MAX ||
	    s->resp_header_bytes + namelen + strlen(value) > RESPONSE_HEADER_BYTES)
		return n;
	/* By value too (a receiver that echoes the request's Authorization
	 * as X-Echo-Auth), but for the challenges, which name a scheme and
	 * carry no credential ("WWW-Authenticate: Basic realm=..."). */
	json_object_object_add(s->resp_headers, name,
		json_object_new_string(is_secret_response_header(name) ||
		(strcmp(name, "www-authenticate") && strcmp(name, "proxy-authenticate") &&
		is_secret_value(value)) ? HL_REDACTED : value));
	s->nresp_headers++;
	s->resp_header_bytes += namelen + strlen(value);
	return n;
}

/* Whether a header of that name (any case) is in the request already. */
static int
header_sent(const struct hl_send *s, const char *name)
{
	json_object_object_foreach(s->req_headers, k, v) {
		(void)v;
		if (!strcasecmp(k, name))
			return 1;
	}
	return 0;
}

/* After the authentication: a custom header of its name, or one repeated
 * in another case, is left out. The API refuses both; rows stored before
 * it did must not send the receiver two Authorization headers. */
static hl_err
add_custom_headers(struct hl_send *s)
{
	json_object *h;
	hl_err rc = HL_OK;

	if (!s->job->headers_json)
		return HL_OK;
	h = json_tokener_parse(s->job->headers_json);
	if (!h || !json_object_is_type(h, json_type_object)) {
		json_object_put(h);
		return HL_OK;
	}
	json_object_object_foreach(h, name, val) {
		if (hl_header_reserved(name) || !json_object_is_type(val, json_type_string) ||
		    header_sent(s, name))
			continue;
		/* Always redacted in the record: operators put receiver
		 * credentials here under any name (X-Tenant-Ref: <secret>), and
		 * readers of the attempt log may not see the endpoint's values. */
		rc = add_header_redacted(s, name, json_object_get_string(val), 1);
		if (rc)
			break;
	}
	json_object_put(h);
	return rc;
}

static const char *
cred(json_object *c, const char *name)
{
	json_object *v;

	return json_object_object_get_ex(c, name, &v) ? json_object_get_string(v) : "";
}

/* Destination authentication: always stored redacted, whatever its name. */
static hl_err
add_auth(struct hl_send *s)
{
	/* The longest value: "Basic " and the base64 of "user:password" at
	 * their longest (longer than "Bearer " and the longest token). */
	char value[6 + 4 * ((2 * HL_CREDENTIAL_MAX + 1 + 2) / 3) + 1];
	char raw[2 * HL_CREDENTIAL_MAX + 2];
	unsigned char *bytes = (unsigned char *)raw;
	json_object *c;
	hl_err rc = HL_OK;
	int n;

	if (!s->job->auth_json || !strcmp(s->job->auth_type, "none"))
		return HL_OK;
	c = json_tokener_parse(s->job->auth_json);
	if (!c)
		return hl_fail(HL_ERR_INTERNAL, NULL, "stored credentials of %s are not JSON",
			s->job->endpoint_id);
	if (!strcmp(s->job->auth_type, "basic")) {
		n = snprintf(raw, sizeof(raw), "%s:%s", cred(c, "username"), cred(c, "password"));
		if (n < 0 || (size_t)n >= sizeof(raw)) {
			rc = hl_fail(HL_ERR_INVALID, NULL, "credentials too long");
		} else {
			memcpy(value, "Basic ", 6);
			hl_base64_encode(bytes, (size_t)n, value + 6);
			rc = add_header_redacted(s, "authorization", value, 1);
		}
	} else if (!strcmp(s->job->auth_type, "bearer")) {
		snprintf(value, sizeof(value), "Bearer %s", cred(c, "token"));
		rc = add_header_redacted(s, "authorization", value, 1);
	} else if (!strcmp(s->job->auth_type, "header")) {
		rc = add_header_redacted(s, cred(c, "name"), cred(c, "value"), 1);
	} else if (!strcmp(s->job->auth_type, "oauth2")) {
		/* hl_oauth_prepare put the token there (or the job is not sent). */
		if (!s->job->oauth_token) {
			rc = hl_fail(HL_ERR_AUTH, NULL, "no OAuth token for %s", s->job->endpoint_id);
		} else {
			snprintf(value, sizeof(value), "Bearer %s", s->job->oauth_token);
			rc = add_header_redacted(s, "authorization", value, 1);
		}
	}
	memset(raw, 0, sizeof(raw));
	memset(value, 0, sizeof(value));
	json_object_put(c);
	return rc;
}

/* "v1a,<base64 ed25519 signature of {id}.{ts}.{body}>". */
static hl_err
sign_ed25519(const struct hl_job *job, const char *ts, char *out, size_t outcap)
{
	unsigned char sig[64];
	size_t siglen = sizeof(sig), prefix;
	char head[128];
	unsigned char *msg = NULL;
	EVP_MD_CTX *md = NULL;
	EVP_PKEY *key = NULL;
	BIO *bio = NULL;
	hl_err rc = HL_OK;
	int n;

	n = snprintf(head, sizeof(head), "%s.%s.", job->msg_id, ts);
	prefix = (size_t)n;
	msg = malloc(prefix + job->bodylen);
	bio = BIO_new_mem_buf(job->ed25519_pem, -1);
	if (bio)
		key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	md = EVP_MD_CTX_new();
	if (!msg || !key || !md || outcap < 4 + 4 * ((sizeof(sig) + 2) / 3) + 1) {
		rc = hl_fail(HL_ERR_CRYPTO, NULL, "cannot load the ed25519 key of %s", job->endpoint_id);
		goto out;
	}
	memcpy(msg, head, prefix);
	memcpy(msg + prefix, job->body, job->bodylen);
	if (EVP_DigestSignInit(md, NULL, NULL, NULL, key) != 1 ||
	    EVP_DigestSign(md, sig, &siglen, msg, prefix + job->bodylen) != 1) {
		rc = hl_fail(HL_ERR_CRYPTO, NULL, "ed25519 signing failed");
		goto out;
	}
	memcpy(out, "v1a,", 4);
	hl_base64_encode(sig, siglen, out + 4);
out:
	free(msg);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(key);
	BIO_free(bio);
	return rc;
}

/* Payload encryption: the body becomes the documented envelope
 * {"encrypted":{"alg":"A256GCM","kid","iv","ciphertext","tag"}} of the
 * exact bytes the endpoint would otherwise get; the signature is computed
 * over the envelope afterwards. A fresh iv per attempt. */
static hl_err
encrypt_body(struct hl_job *job)
{
	unsigned char key[64], iv[12], tag[16], *ct = NULL;
	char kid[65], iv64[20], tag64[28], *ct64 = NULL, *body = NULL;
	json_object *o = NULL, *e;
	const char *text;
	size_t keylen = 0, len;
	hl_err rc;

	if (!job->encryption_key || job->body_encrypted)
		return HL_OK;
	rc = hl_base64_decode(job->encryption_key, strlen(job->encryption_key), key, sizeof(key),
		&keylen);
	if (!rc && keylen != 32)
		rc = hl_fail(HL_ERR_CRYPTO, NULL, "the encryption key of %s is not 32 bytes",
			job->endpoint_id);
	if (rc)
		goto out;
	ct = malloc(job->bodylen ? job->bodylen : 1);
	ct64 = malloc(4 * ((job->bodylen + 2) / 3) + 1);
	if (!ct || !ct64) {
		rc = hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
		goto out;
	}
	rc = hl_aes256gcm_encrypt(key, job->body, job->bodylen, ct, iv, tag);
	if (rc)
		goto out;
	/* kid: names the key (changes on rotation) without revealing it. */
	hl_sha256_hex(key, keylen, kid);
	kid[16] = '\0';
	hl_base64_encode(iv, sizeof(iv), iv64);
	hl_base64_encode(tag, sizeof(tag), tag64);
	hl_base64_encode(ct, job->bodylen, ct64);
	o = json_object_new_object();
	e = json_object_new_object();
	hl_json_add_str(e, "alg", "A256GCM");
	hl_json_add_str(e, "kid", kid);
	hl_json_add_str(e, "iv", iv64);
	hl_json_add_str(e, "ciphertext", ct64);
	hl_json_add_str(e, "tag", tag64);
	json_object_object_add(o, "encrypted", e);   /* o owns e */
	text = json_object_to_json_string_length(o, HL_JSON_COMPACT, &len);
	body = malloc(len + 1);
	if (!body) {
		rc = hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
		goto out;
	}
	memcpy(body, text, len + 1);
	free(job->body);
	job->body = body;
	job->bodylen = len;
	job->body_encrypted = 1;
out:
	OPENSSL_cleanse(key, sizeof(key));
	json_object_put(o);
	free(ct);
	free(ct64);
	return rc;
}

static hl_err
sign(struct hl_send *s)
{
	char sig[HL_SIG_MAX], prev[HL_SIG_MAX], both[3 * HL_SIG_MAX + 140], ts[32], v1a[100];
	struct hl_job *job = s->job;
	hl_err rc;

	job->msg_ts = (long long)time(NULL);
	snprintf(ts, sizeof(ts), "%lld", job->msg_ts);
	rc = hl_webhook_sign(job->secret, job->msg_id, job->msg_ts, job->body, job->bodylen, sig);
	if (rc)
		return rc;
	/* During a rotation both secrets sign: receivers on either verify. */
	if (job->prev_secret &&
	    hl_webhook_sign(job->prev_secret, job->msg_id, job->msg_ts, job->body,
	    job->bodylen, prev) == HL_OK)
		snprintf(both, sizeof(both), "%s %s", sig, prev);
	else
		hl_strlcpy(both, sig, sizeof(both));
	/* Asymmetric signature for receivers that only hold the public key. */
	if (job->ed25519_pem) {
		size_t len = strlen(both);

		rc = sign_ed25519(job, ts, v1a, sizeof(v1a));
		if (rc)
			return rc;
		snprintf(both + len, sizeof(both) - len, " %s", v1a);
	}
	rc = add_header(s, "webhook-id", job->msg_id);
	if (!rc)
		rc = add_header(s, "webhook-timestamp", ts);
	if (!rc)
		rc = add_header(s, "webhook-signature", both);
	return rc;
}

/* The rules every request to a user-given URL follows (deliveries and
 * OAuth token requests alike): http(s) only (https only with
 * Security.RequireHttps, also for URLs stored before it was set), no
 * redirects, no proxies from the environment, the address checked at
 * connect time. */
static void
easy_guard(struct hl_send *s, const char *url, long timeout)
{
	const char *protocols = s->cfg->require_https ? "https" : "http,https";

	curl_easy_setopt(s->easy, CURLOPT_URL, url);
	curl_easy_setopt(s->easy, CURLOPT_PROTOCOLS_STR, protocols);
	curl_easy_setopt(s->easy, CURLOPT_REDIR_PROTOCOLS_STR, protocols);
	curl_easy_setopt(s->easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(s->easy, CURLOPT_PROXY, "");
	curl_easy_setopt(s->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(s->easy, CURLOPT_TIMEOUT_MS, timeout);
	curl_easy_setopt(s->easy, CURLOPT_CONNECTTIMEOUT_MS,
		s->cfg->connect_timeout_ms < timeout ? s->cfg->connect_timeout_ms : timeout);
	curl_easy_setopt(s->easy, CURLOPT_OPENSOCKETFUNCTION, open_socket);
	curl_easy_setopt(s->easy, CURLOPT_OPENSOCKETDATA, s);
	curl_easy_setopt(s->easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(s->easy, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(s->easy, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(s->easy, CURLOPT_HEADERDATA, s);
	curl_easy_setopt(s->easy, CURLOPT_ERRORBUFFER, s->errbuf);
	curl_easy_setopt(s->easy, CURLOPT_PRIVATE, s);
}

hl_err
hl_send_setup(const struct hl_config *cfg, struct hl_job *job, struct hl_send **out)
{
	struct hl_send *s;
	long timeout = job->timeout_ms > 0 ? job->timeout_ms : cfg->timeout_ms;
	hl_err rc;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
	s->cfg = cfg;
	s->job = job;
	s->req_headers = json_object_new_object();
	s->resp_headers = json_object_new_object();
	hl_buf_init(&s->body, cfg->max_response);
	s->easy = curl_easy_init();
	if (!s->easy) {
		rc = hl_fail(HL_ERR_NOMEM, NULL, "curl_easy_init failed");
		goto fail;
	}
	rc = add_header(s, "content-type", "application/json");
	if (!rc)
		rc = add_auth(s);
	if (!rc)
		rc = add_custom_headers(s);
	/* A custom User-Agent replaces ours, not joins it (a receiver may
	 * allow only its own value): docs/delivery.md says so. */
	if (!rc && !header_sent(s, "user-agent"))
		rc = add_header(s, "user-agent", cfg->user_agent);
	if (!rc)
		rc = encrypt_body(job);
	if (!rc)
		rc = sign(s);
	if (rc)
		goto fail;
	/* curl adds "Expect: 100-continue" for large bodies: one round trip
	 * less, and receivers that mishandle it keep working. */
	s->headers = curl_slist_append(s->headers, "Expect:");

	easy_guard(s, job->url, timeout);
	curl_easy_setopt(s->easy, CURLOPT_CUSTOMREQUEST, job->method[0] ? job->method : "POST");
	curl_easy_setopt(s->easy, CURLOPT_POST, 1L);
	curl_easy_setopt(s->easy, CURLOPT_POSTFIELDS, job->body);
	curl_easy_setopt(s->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)job->bodylen);
	curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER, s->headers);
	curl_easy_setopt(s->easy, CURLOPT_TCP_KEEPALIVE, 1L);
	s->started_ms = hl_now_ms();
	*out = s;
	return HL_OK;
fail:
	hl_send_finish(s, CURLE_FAILED_INIT, NULL);
	return rc;
}

/* Form-urlencode v onto b (RFC 6749 appendix B). */
static hl_err
form_add(CURL *easy, struct hl_buf *b, const char *name, const char *v)
{
	char *enc;
	hl_err rc;

	if (!v)
		return HL_OK;
	enc = curl_easy_escape(easy, v, 0);
	if (!enc)
		return hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
	rc = hl_buf_printf(b, "%s%s=%s", b->len ? "&" : "", name, enc);
	curl_free(enc);
	return rc;
}

/* Why a token request failed, for the attempt log: never the secret. */
static void
token_error(struct hl_send *s, CURLcode res, long status, char *err, size_t errcap)
{
	if (s->ssrf_blocked)
		snprintf(err, errcap, "token request blocked: %s is a private or reserved address "
			"(allow it with Delivery.AllowCidrs)", s->blocked_addr);
	else if (s->body_cut)
		snprintf(err, errcap, "the token endpoint's answer is larger than %d bytes",
			TOKEN_ANSWER_MAX);
	else if (res != CURLE_OK)
		snprintf(err, errcap, "token request failed: %s",
			s->errbuf[0] ? s->errbuf : curl_easy_strerror(res));
	else
		snprintf(err, errcap, "the token endpoint answered HTTP %ld%s", status,
			status == 400 || status == 401 ? " (client_id or client_secret refused?)" : "");
}

/* The answers that ask for a pause: their Retry-After sets the next
 * attempt. */
static int
slow_down(long status)
{
	return status == 429 || status == 502 || status == 503 || status == 504;
}

/* Printable ASCII only: what may go into a header line as it is. */
static int
printable(const char *v)
{
	for (; *v; v++)
		if ((unsigned char)*v < 0x21 || (unsigned char)*v > 0x7e)
			return 0;
	return 1;
}

hl_err
hl_send_token_setup(const struct hl_config *cfg, const struct hl_job *job, struct hl_send **out,
	char *err, size_t errcap)
{
	struct hl_send *s = NULL;
	struct hl_buf form;
	json_object *c = NULL;
	char basic[2200], raw[1100], *id = NULL, *secret = NULL;
	long timeout = job->timeout_ms > 0 ? job->timeout_ms : cfg->timeout_ms;
	hl_err rc = HL_ERR_AUTH;
	int n;

	*out = NULL;
	snprintf(err, errcap, "token request could not be prepared");
	hl_buf_init(&form, 8192);
	c = job->auth_json ? json_tokener_parse(job->auth_json) : NULL;
	s = calloc(1, sizeof(*s));
	if (!c || !s)
		goto out;
	s->cfg = cfg;
	s->req_headers = json_object_new_object();
	s->resp_headers = json_object_new_object();
	hl_buf_init(&s->body, TOKEN_ANSWER_MAX);
	s->easy = curl_easy_init();
	if (!s->easy)
		goto out;
	/* Client credentials in HTTP Basic, each form-urlencoded first
	 * (RFC 6749 2.3.1). */
	id = curl_easy_escape(s->easy, cred(c, "client_id"), 0);
	secret = curl_easy_escape(s->easy, cred(c, "client_secret"), 0);
	n = id && secret ? snprintf(raw, sizeof(raw), "%s:%s", id, secret) : -1;
	if (n < 0 || (size_t)n >= sizeof(raw))
		goto out;
	memcpy(basic, "Basic ", 6);
	hl_base64_encode((const unsigned char *)raw, (size_t)n, basic + 6);
	if (add_header_redacted(s, "authorization", basic, 1) ||
	    add_header(s, "accept", "application/json") ||
	    add_header(s, "content-type", "application/x-www-form-urlencoded") ||
	    add_header(s, "user-agent", cfg->user_agent) ||
	    form_add(s->easy, &form, "grant_type", "client_credentials") ||
	    form_add(s->easy, &form, "scope", json_object_object_get_ex(c, "scope", NULL) ?
	    cred(c, "scope") : NULL) ||
	    form_add(s->easy, &form, "audience", json_object_object_get_ex(c, "audience", NULL) ?
	    cred(c, "audience") : NULL))
		goto out;
	s->headers = curl_slist_append(s->headers, "Expect:");
	/* The delivery's own guard, protocols and timeouts. */
	easy_guard(s, cred(c, "token_url"), timeout);
	curl_easy_setopt(s->easy, CURLOPT_POST, 1L);
	/* Copied: the transfer may outlive this call (curl multi). The size
	 * goes first, or curl would copy up to a NUL. */
	curl_easy_setopt(s->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)form.len);
	if (curl_easy_setopt(s->easy, CURLOPT_COPYPOSTFIELDS, hl_buf_str(&form)) != CURLE_OK)
		goto out;
	curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER, s->headers);
	err[0] = '\0';
	rc = HL_OK;
out:
	json_object_put(c);
	if (id)
		curl_free(id);
	if (secret) {
		memset(secret, 0, strlen(secret));
		curl_free(secret);
	}
	memset(raw, 0, sizeof(raw));
	memset(basic, 0, sizeof(basic));
	hl_buf_free(&form);
	if (rc && s)
		hl_send_finish(s, CURLE_FAILED_INIT, NULL);
	else
		*out = s;
	return rc;
}

hl_err
hl_send_token_finish(struct hl_send *s, CURLcode res, char **token, long *expires_in, char *err,
	size_t errcap)
{
	json_object *answer = NULL, *v;
	const char *tok;
	long status = 0;
	hl_err rc = HL_ERR_AUTH;

	*token = NULL;
	*expires_in = -1;
	if (res == CURLE_OK)
		curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
	if (res != CURLE_OK || status != 200) {
		token_error(s, res, status, err, errcap);
		goto out;
	}
	answer = json_tokener_parse(hl_buf_str(&s->body));
	tok = hl_json_get_str(answer, "access_token");
	/* token_type, when given, must be the string "bearer" (any case);
	 * the token goes into a header line: printable characters only. */
	if (!tok || !*tok || strlen(tok) > HL_OAUTH_TOKEN_MAX || !printable(tok) ||
	    (json_object_object_get_ex(answer, "token_type", &v) &&
	    (!json_object_is_type(v, json_type_string) ||
	    strcasecmp(json_object_get_string(v), "bearer")))) {
		snprintf(err, errcap, "the token endpoint's answer has no usable bearer access_token");
		goto out;
	}
	if (json_object_object_get_ex(answer, "expires_in", &v) &&
	    (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_string)))
		*expires_in = (long)json_object_get_int64(v);
	*token = strdup(tok);
	if (*token) {
		err[0] = '\0';
		rc = HL_OK;
	} else {
		snprintf(err, errcap, "out of memory");
	}
out:
	json_object_put(answer);
	hl_send_finish(s, res, NULL);
	return rc;
}

hl_err
hl_send_token(const struct hl_config *cfg, const struct hl_job *job, char **token,
	long *expires_in, char *err, size_t errcap)
{
	struct hl_send *s;

	*token = NULL;
	*expires_in = -1;
	if (hl_send_token_setup(cfg, job, &s, err, errcap))
		return HL_ERR_AUTH;
	return hl_send_token_finish(s, curl_easy_perform(s->easy), token, expires_in, err, errcap);
}

void
hl_send_unsent(struct hl_job *job, const char *error_class, const char *message,
	struct hl_attempt *a)
{
	memset(a, 0, sizeof(*a));
	a->job = job;
	a->outcome = HL_OUT_RETRY;
	a->error_class = error_class;
	a->started_ms = hl_now_ms();
	a->retry_after_s = -1;
	a->request_headers = strdup("{}");
	hl_strlcpy(a->error_message, message && *message ? message : "not sent",
		sizeof(a->error_message));
	hl_utf8_sanitize(a->error_message);
}

CURL *
hl_send_easy(struct hl_send *s)
{
	return s->easy;
}

struct hl_job *
hl_send_job(struct hl_send *s)
{
	return s->job;
}

const char *
hl_send_body(struct hl_send *s)
{
	return s->job->body;
}

static const char *
classify(const struct hl_send *s, CURLcode res)
{
	switch (res) {
	case CURLE_COULDNT_RESOLVE_HOST:
		return "dns";
	case CURLE_COULDNT_CONNECT:
		return s->ssrf_blocked ? "ssrf_blocked" : "connect";
	case CURLE_OPERATION_TIMEDOUT:
		return "timeout";
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_USE_SSL_FAILED:
		return "tls";
	case CURLE_UNSUPPORTED_PROTOCOL:
		/* An http URL stored before Security.RequireHttps was set. */
		return s->cfg->require_https ? "ssrf_blocked" : "bad_url";
	case CURLE_URL_MALFORMAT:
		return "bad_url";
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
		return "network";
	default:
		return s->ssrf_blocked ? "ssrf_blocked" : "other";
	}
}

void
hl_send_finish(struct hl_send *s, CURLcode res, struct hl_attempt *a)
{
	if (a) {
		memset(a, 0, sizeof(*a));
		a->job = s->job;
		a->started_ms = s->started_ms;
		a->duration_ms = (long)(hl_now_ms() - s->started_ms);
		a->retry_after_s = -1;
		a->request_headers = strdup(json_object_to_json_string_ext(s->req_headers,
			JSON_C_TO_STRING_PLAIN));
		if (answer_complete(s, res)) {
			curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &a->status);
			a->response_headers = strdup(json_object_to_json_string_ext(s->resp_headers,
				JSON_C_TO_STRING_PLAIN));
			/* A binary answer is kept as far as it goes, not up to its
			 * first NUL: NULs, like bytes that are not UTF-8, become '?'. */
			for (size_t i = 0; i < s->body.len; i++)
				if (s->body.data[i] == '\0')
					s->body.data[i] = '?';
			a->response_body = hl_buf_steal(&s->body);
			hl_utf8_sanitize(a->response_body);
			hl_utf8_sanitize(a->response_headers);
			if (a->status >= 200 && a->status < 300) {
				a->outcome = HL_OUT_SUCCESS;
			} else {
				a->outcome = a->status == 410 ? HL_OUT_GONE : HL_OUT_RETRY;
				a->error_class = "http_status";
				snprintf(a->error_message, sizeof(a->error_message),
					"the endpoint answered HTTP %ld%s", a->status,
					a->status >= 300 && a->status < 400 ? " (redirects are not followed)" : "");
				if (slow_down(a->status) && s->retry_after[0])
					a->retry_after_s = hl_retry_after_parse(s->retry_after,
						(long)time(NULL), RETRY_AFTER_MIN_S, RETRY_AFTER_MAX_S);
			}
		} else {
			a->outcome = HL_OUT_RETRY;
			a->error_class = classify(s, res);
			if (s->ssrf_blocked) {
				snprintf(a->error_message, sizeof(a->error_message),
					"blocked: %s is a private or reserved address "
					"(allow it with Delivery.AllowCidrs)", s->blocked_addr);
			} else if (res == CURLE_UNSUPPORTED_PROTOCOL && s->cfg->require_https) {
				snprintf(a->error_message, sizeof(a->error_message),
					"blocked: the URL is not https (Security.RequireHttps)");
			} else {
				snprintf(a->error_message, sizeof(a->error_message), "%s",
					s->errbuf[0] ? s->errbuf : curl_easy_strerror(res));
			}
		}
		/* Cut to its buffer, a message may end inside a character: one
		 * byte that is not UTF-8 fails the whole batch's attempt insert. */
		hl_utf8_sanitize(a->error_message);
	}
	if (s->easy)
		curl_easy_cleanup(s->easy);
	curl_slist_free_all(s->headers);
	json_object_put(s->req_headers);
	json_object_put(s->resp_headers);
	hl_buf_free(&s->body);
	free(s);
}

hl_err
hl_send_now(const struct hl_config *cfg, struct hl_job *job, struct hl_attempt *a)
{
	struct hl_send *s;
	CURLcode res;
	hl_err rc;

	/* No OAuth token: what the runner would record, without a request. */
	if (job->auth_error[0]) {
		hl_send_unsent(job, "auth", job->auth_error, a);
		return HL_OK;
	}
	rc = hl_send_setup(cfg, job, &s);
	if (rc)
		return rc;
	res = curl_easy_perform(s->easy);
	hl_send_finish(s, res, a);
	return HL_OK;
}

void
hl_attempt_clear(struct hl_attempt *a)
{
	free(a->request_headers);
	free(a->response_headers);
	free(a->response_body);
	a->request_headers = a->response_headers = a->response_body = NULL;
}
