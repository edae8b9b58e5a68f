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
#include "hl_buf.h"
#include "hl_crypto.h"
#include "hl_log.h"
#include "hl_retry.h"
#include "hl_sender.h"
#include "hl_ssrf.h"
#include "hl_util.h"

#define RESPONSE_HEADERS_MAX 64
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
	struct hl_buf body;            /* response excerpt */
	char retry_after[64];
	int ssrf_blocked;
	char blocked_addr[INET6_ADDRSTRLEN];
	char errbuf[CURL_ERROR_SIZE];
	long long started_ms;
};

/* Headers a user may not set: they carry our signature or framing. */
static const char *const reserved_headers[] = {
	"webhook-id", "webhook-timestamp", "webhook-signature", "content-type",
	"content-length", "host", "transfer-encoding", "connection", NULL
};

/* Header values never stored in clear. */
static int
is_secret_header(const char *name)
{
	return !strcasecmp(name, "authorization") || !strcasecmp(name, "proxy-authorization") ||
		!strcasecmp(name, "cookie") || strcasestr(name, "token") || strcasestr(name, "secret") ||
		strcasestr(name, "api-key") || strcasestr(name, "apikey");
}

static int
is_reserved_header(const char *name)
{
	int i;

	for (i = 0; reserved_headers[i]; i++)
		if (!strcasecmp(name, reserved_headers[i]))
			return 1;
	return 0;
}

static hl_err
add_header(struct hl_send *s, const char *name, const char *value)
{
	char line[4096];
	struct curl_slist *l;

	snprintf(line, sizeof(line), "%s: %s", name, value);
	l = curl_slist_append(s->headers, line);
	if (!l)
		return hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
	s->headers = l;
	json_object_object_add(s->req_headers, name,
		json_object_new_string(is_secret_header(name) ? "[redacted]" : value));
	return HL_OK;
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

	/* Keep an excerpt; read (and drop) the rest so the receiver's answer
	 * still counts. */
	if (room)
		hl_buf_add(&s->body, data, n < room ? n : room);
	return n;
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
		return n;
	}
	colon = memchr(data, ':', n);
	if (!colon || s->nresp_headers >= RESPONSE_HEADERS_MAX)
		return n;
	namelen = (size_t)(colon - data);
	if (namelen == 0 || namelen >= sizeof(name))
		return n;
	memcpy(name, data, namelen);
	name[namelen] = '\0';
	for (v = colon + 1; v < data + n && (*v == ' ' || *v == '\t'); v++)
		;
	end = data + n;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		end--;
	snprintf(value, sizeof(value), "%.*s", (int)(end - v), v);
	for (size_t i = 0; i < namelen; i++)
		if (name[i] >= 'A' && name[i] <= 'Z')
			name[i] = (char)(name[i] - 'A' + 'a');
	if (!strcmp(name, "retry-after"))
		hl_strlcpy(s->retry_after, value, sizeof(s->retry_after));
	json_object_object_add(s->resp_headers, name,
		json_object_new_string(is_secret_header(name) ? "[redacted]" : value));
	s->nresp_headers++;
	return n;
}

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
		if (is_reserved_header(name) || !json_object_is_type(val, json_type_string))
			continue;
		rc = add_header(s, name, json_object_get_string(val));
		if (rc)
			break;
	}
	json_object_put(h);
	return rc;
}

static hl_err
sign(struct hl_send *s)
{
	char sig[HL_SIG_MAX], prev[HL_SIG_MAX], both[2 * HL_SIG_MAX + 2], ts[32];
	struct hl_job *job = s->job;
	hl_err rc;

	job->msg_ts = (long long)time(NULL);
	snprintf(ts, sizeof(ts), "%lld", job->msg_ts);
	rc = hl_webhook_sign(job->secret, job->event_id, job->msg_ts, job->body, job->bodylen, sig);
	if (rc)
		return rc;
	/* During a rotation both secrets sign: receivers on either verify. */
	if (job->prev_secret &&
	    hl_webhook_sign(job->prev_secret, job->event_id, job->msg_ts, job->body,
	    job->bodylen, prev) == HL_OK)
		snprintf(both, sizeof(both), "%s %s", sig, prev);
	else
		hl_strlcpy(both, sig, sizeof(both));
	rc = add_header(s, "webhook-id", job->event_id);
	if (!rc)
		rc = add_header(s, "webhook-timestamp", ts);
	if (!rc)
		rc = add_header(s, "webhook-signature", both);
	return rc;
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
		rc = add_header(s, "user-agent", cfg->user_agent);
	if (!rc)
		rc = add_custom_headers(s);
	if (!rc)
		rc = sign(s);
	if (rc)
		goto fail;
	/* curl adds "Expect: 100-continue" for large bodies: one round trip
	 * less, and receivers that mishandle it keep working. */
	s->headers = curl_slist_append(s->headers, "Expect:");

	curl_easy_setopt(s->easy, CURLOPT_URL, job->url);
	curl_easy_setopt(s->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(s->easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(s->easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(s->easy, CURLOPT_PROXY, "");
	curl_easy_setopt(s->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(s->easy, CURLOPT_CUSTOMREQUEST, job->method[0] ? job->method : "POST");
	curl_easy_setopt(s->easy, CURLOPT_POST, 1L);
	curl_easy_setopt(s->easy, CURLOPT_POSTFIELDS, job->body);
	curl_easy_setopt(s->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)job->bodylen);
	curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER, s->headers);
	curl_easy_setopt(s->easy, CURLOPT_TIMEOUT_MS, timeout);
	curl_easy_setopt(s->easy, CURLOPT_CONNECTTIMEOUT_MS,
		cfg->connect_timeout_ms < timeout ? cfg->connect_timeout_ms : timeout);
	curl_easy_setopt(s->easy, CURLOPT_OPENSOCKETFUNCTION, open_socket);
	curl_easy_setopt(s->easy, CURLOPT_OPENSOCKETDATA, s);
	curl_easy_setopt(s->easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(s->easy, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(s->easy, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(s->easy, CURLOPT_HEADERDATA, s);
	curl_easy_setopt(s->easy, CURLOPT_ERRORBUFFER, s->errbuf);
	curl_easy_setopt(s->easy, CURLOPT_PRIVATE, s);
	curl_easy_setopt(s->easy, CURLOPT_TCP_KEEPALIVE, 1L);
	s->started_ms = hl_now_ms();
	*out = s;
	return HL_OK;
fail:
	hl_send_finish(s, CURLE_FAILED_INIT, NULL);
	return rc;
}

CURL *
hl_send_easy(struct hl_send *s)
{
	return s->easy;
}

const char *
hl_send_body(struct hl_send *s)
{
	return s->job->body;
}

static const char *
classify(CURLcode res, int ssrf_blocked)
{
	switch (res) {
	case CURLE_COULDNT_RESOLVE_HOST:
		return "dns";
	case CURLE_COULDNT_CONNECT:
		return ssrf_blocked ? "ssrf_blocked" : "connect";
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
	case CURLE_URL_MALFORMAT:
		return "bad_url";
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
		return "network";
	default:
		return ssrf_blocked ? "ssrf_blocked" : "other";
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
		if (res == CURLE_OK) {
			curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &a->status);
			a->response_headers = strdup(json_object_to_json_string_ext(s->resp_headers,
				JSON_C_TO_STRING_PLAIN));
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
				if ((a->status == 429 || a->status == 503) && s->retry_after[0])
					a->retry_after_s = hl_retry_after_parse(s->retry_after,
						(long)time(NULL), RETRY_AFTER_MIN_S, RETRY_AFTER_MAX_S);
			}
		} else {
			a->outcome = HL_OUT_RETRY;
			a->error_class = classify(res, s->ssrf_blocked);
			if (s->ssrf_blocked)
				snprintf(a->error_message, sizeof(a->error_message),
					"blocked: %s is a private or reserved address "
					"(allow it with Delivery.AllowCidrs)", s->blocked_addr);
			else
				snprintf(a->error_message, sizeof(a->error_message), "%s",
					s->errbuf[0] ? s->errbuf : curl_easy_strerror(res));
		}
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
