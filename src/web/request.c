/* request.c: the request object over FastCGI or plain CGI: environment,
 * body with a size limit, query/form/cookie parsing, and the response
 * with the security headers every answer carries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "hl_log.h"
#include "hl_util.h"
#include "request.h"

extern char **environ;

static const char *const method_names[HL_METHOD__MAX] = {
	[HL_GET] = "GET", [HL_HEAD] = "HEAD", [HL_POST] = "POST", [HL_PUT] = "PUT",
	[HL_DELETE] = "DELETE", [HL_PATCH] = "PATCH", [HL_OPTIONS] = "OPTIONS",
};

const char *
hl_method_name(enum hl_method m)
{
	return m < HL_METHOD__MAX ? method_names[m] : "";
}

const char *
hl_req_env(struct hl_req *r, const char *name)
{
	if (r->fcgx)
		return FCGX_GetParam(name, r->fcgx->envp);
	return getenv(name);
}

int
hl_url_decode(const char *src, size_t n, char *dst, size_t cap, int plus_is_space)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		char c = src[i];

		if (c == '%') {
			int hi, lo;

			hi = i + 1 < n ? hl_hex_digit(src[i + 1]) : -1;
			lo = i + 2 < n ? hl_hex_digit(src[i + 2]) : -1;
			if (hi < 0 || lo < 0)
				return -1;
			c = (char)(hi * 16 + lo);
			if (c == '\0')
				return -1;
			i += 2;
		} else if (c == '+' && plus_is_space) {
			c = ' ';
		}
		if (o + 1 >= cap)
			return -1;
		dst[o++] = c;
	}
	dst[o] = '\0';
	return 0;
}

/* Does s[0..n) hold %2F (either case)? */
static int
encoded_slash(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i + 2 < n; i++)
		if (s[i] == '%' && s[i + 1] == '2' && (s[i + 2] == 'F' || s[i + 2] == 'f'))
			return 1;
	return 0;
}

hl_err
hl_req_init(struct hl_req *r, const struct hl_config *cfg, struct hl_db *db,
	FCGX_Request *fcgx)
{
	const char *uri, *m, *addr, *q;
	size_t plen;
	int i;

	memset(r, 0, sizeof(*r));
	r->cfg = cfg;
	r->db = db;
	r->fcgx = fcgx;
	r->status = 200;
	hl_buf_init(&r->body, cfg->max_body);
	hl_buf_init(&r->headers, 16 * 1024);
	hl_buf_init(&r->out, 64 * 1024 * 1024);
	m = hl_req_env(r, "REQUEST_METHOD");
	r->method = HL_METHOD__MAX;
	for (i = 0; m && i < HL_METHOD__MAX; i++)
		if (!strcmp(m, method_names[i]))
			r->method = (enum hl_method)i;
	addr = hl_req_env(r, "REMOTE_ADDR");
	hl_strlcpy(r->client_addr, addr ? addr : "", sizeof(r->client_addr));
	/* Route on REQUEST_URI: it is the same under lighttpd, Apache and
	 * any mount point, unlike SCRIPT_NAME/PATH_INFO splits. */
	uri = hl_req_env(r, "REQUEST_URI");
	if (!uri || !*uri)
		uri = hl_req_env(r, "SCRIPT_NAME");
	if (!uri)
		uri = "/";
	q = strchr(uri, '?');
	plen = q ? (size_t)(q - uri) : strlen(uri);
	r->query = q ? q + 1 : "";
	r->path = malloc(plen + 1);
	if (!r->path)
		return hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
	/* A path that does not decode, or holds an encoded slash, is kept as
	 * it came: with its '%' it matches no route and is answered 404 (as
	 * JSON under /webhooks). Decoded, %2F would separate segments that
	 * the web server (and any rule or proxy in front) saw as one:
	 * /webhooks%2Faudit would be /webhooks/audit. */
	if (encoded_slash(uri, plen) || hl_url_decode(uri, plen, r->path, plen + 1, 0)) {
		memcpy(r->path, uri, plen);
		r->path[plen] = '\0';
	}
	/* Strip the configured mount prefix so routes stay absolute. */
	if (*cfg->base_path && !strncmp(r->path, cfg->base_path, strlen(cfg->base_path)))
		memmove(r->path, r->path + strlen(cfg->base_path),
			strlen(r->path) - strlen(cfg->base_path) + 1);
	return HL_OK;
}

void
hl_req_free(struct hl_req *r)
{
	struct hl_kept *k, *next;

	for (k = r->kept; k; k = next) {
		next = k->next;
		free(k->value);
		free(k);
	}
	r->kept = NULL;
	free(r->path);
	hl_buf_free(&r->body);
	hl_buf_free(&r->headers);
	hl_buf_free(&r->out);
	if (r->hdf)
		hdf_destroy(&r->hdf);
	memset(r->csrf, 0, sizeof(r->csrf));
	memset(r->session_token, 0, sizeof(r->session_token));
}

const char *
hl_req_header(struct hl_req *r, const char *name)
{
	char cgi[128];
	size_t i, o = 0;

	/* The two headers CGI passes without the HTTP_ prefix. */
	if (!strcasecmp(name, "content-type"))
		return hl_req_env(r, "CONTENT_TYPE");
	if (!strcasecmp(name, "content-length"))
		return hl_req_env(r, "CONTENT_LENGTH");
	if (strlen(name) + 6 > sizeof(cgi))
		return NULL;
	memcpy(cgi, "HTTP_", 5);
	o = 5;
	for (i = 0; name[i]; i++)
		cgi[o++] = name[i] == '-' ? '_' : (name[i] >= 'a' && name[i] <= 'z') ?
			(char)(name[i] - 32) : name[i];
	cgi[o] = '\0';
	return hl_req_env(r, cgi);
}

/* Headers that carry credentials, by lower-case name: the HTTP ones, and
 * the shared secrets senders authenticate with instead of a signature
 * (GitLab's X-Gitlab-Token, the common X-Api-Key, ...). The log is read
 * by every user of the account. docs/incoming.md lists them. */
static const char *const redacted_names[] = {
	"authorization", "proxy-authorization", "cookie",
	"x-gitlab-token", "x-api-key", "x-auth-token", "x-access-token",
	"x-webhook-secret", "x-webhook-token",
};

static int
redacted(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(redacted_names) / sizeof(redacted_names[0]); i++)
		if (!strcmp(name, redacted_names[i]))
			return 1;
	return 0;
}

/* Room kept for the "(omitted)" member. */
#define OMITTED_ROOM 256

/* Bytes s takes in the JSON text, quotes included (as JSON_C_TO_STRING_PLAIN
 * writes it: a control character is six bytes, a "/" two). */
static size_t
json_text_len(const char *s)
{
	json_object *o = json_object_new_string(s);
	size_t len = HL_REQ_HEADERS_JSON_MAX;

	if (o)
		json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &len);
	json_object_put(o);
	return len;
}

/* name: value into h while the JSON text stays within budget; else one
 * more left out. */
static void
add_header(json_object *h, const char *name, const char *value, size_t *used, int *omitted,
	size_t *omitted_bytes)
{
	size_t cost = json_text_len(name) + 1 + json_text_len(value) + 1;   /* ':' and ',' */

	if (*used + cost > HL_REQ_HEADERS_JSON_MAX - OMITTED_ROOM) {
		(*omitted)++;
		*omitted_bytes += cost;
		return;
	}
	hl_json_add_str(h, name, value);
	*used += cost;
}

json_object *
hl_req_headers_json(struct hl_req *r)
{
	char **envp = r->fcgx ? r->fcgx->envp : environ;
	json_object *h = json_object_new_object();
	const char *ct = hl_req_env(r, "CONTENT_TYPE");
	char name[128], value[2048], note[160];
	size_t i, k, used = 2, omitted_bytes = 0;     /* "{}" */
	int omitted = 0;

	if (ct && *ct) {
		hl_strlcpy(value, ct, sizeof(value));
		hl_utf8_sanitize(value);
		add_header(h, "content-type", value, &used, &omitted, &omitted_bytes);
	}
	for (i = 0; envp && envp[i]; i++) {
		const char *e = envp[i], *eq;

		if (strncmp(e, "HTTP_", 5))
			continue;
		eq = strchr(e, '=');
		if (!eq || (size_t)(eq - e - 5) >= sizeof(name))
			continue;
		for (k = 0; e + 5 + k < eq; k++) {
			char c = e[5 + k];

			name[k] = c == '_' ? '-' : (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
		}
		name[k] = '\0';
		hl_utf8_sanitize(name);
		hl_strlcpy(value, eq + 1, sizeof(value));
		hl_utf8_sanitize(value);
		if (redacted(name))
			hl_strlcpy(value, HL_REDACTED, sizeof(value));
		add_header(h, name, value, &used, &omitted, &omitted_bytes);
	}
	/* Past the budget the rest is left out, and the log says so: a row
	 * too large for its column would not be written at all, and a forged
	 * request would go unrecorded. "(omitted)" cannot be a header's name. */
	if (omitted) {
		snprintf(note, sizeof(note), "%d more headers (%zu bytes of JSON) left out: "
			"the log keeps %d bytes of headers", omitted, omitted_bytes,
			HL_REQ_HEADERS_JSON_MAX);
		hl_json_add_str(h, "(omitted)", note);
	}
	return h;
}

int
hl_req_read_body(struct hl_req *r)
{
	const char *cl = hl_req_env(r, "CONTENT_LENGTH");
	char chunk[8192];
	long long want = 0;
	char *end;

	if (r->body_read)
		return 0;
	r->body_read = 1;
	if (cl && *cl) {
		want = strtoll(cl, &end, 10);
		if (*end || want < 0) {
			hl_resp_error(r, 400, "invalid_request", "bad Content-Length", NULL);
			return -1;
		}
	}
	if ((unsigned long long)want > r->cfg->max_body) {
		hl_resp_error(r, 413, "payload_too_large", "the request body is larger than "
			"Web.MaxBodyBytes", NULL);
		return -1;
	}
	while (r->body.len < (size_t)want) {
		size_t n = (size_t)want - r->body.len;
		int got;

		if (n > sizeof(chunk))
			n = sizeof(chunk);
		if (r->fcgx)
			got = FCGX_GetStr(chunk, (int)n, r->fcgx->in);
		else
			got = (int)fread(chunk, 1, n, stdin);
		if (got <= 0)
			break;
		if (hl_buf_add(&r->body, chunk, (size_t)got)) {
			hl_resp_error(r, 413, "payload_too_large", "the request body is too large", NULL);
			return -1;
		}
	}
	if (r->body.len < (size_t)want) {
		hl_resp_error(r, 400, "invalid_request", "the request body was cut short", NULL);
		return -1;
	}
	return 0;
}

/* Find name in an "a=1&b=2" string and decode its value into buf:
 * HL_PARAM_OK, HL_PARAM_ABSENT or HL_PARAM_UNREADABLE (it does not fit
 * cap or is not valid percent-encoding); buf is "" unless OK. */
static enum hl_param
pairs_get(const char *s, size_t slen, char sep, const char *name, char *buf, size_t cap,
	int plus)
{
	size_t nlen = strlen(name);
	const char *p = s, *end = s + slen;

	if (cap)
		buf[0] = '\0';
	while (p < end) {
		const char *amp = memchr(p, sep, (size_t)(end - p));
		const char *stop = amp ? amp : end;
		const char *eq;

		while (sep == ';' && p < stop && *p == ' ')
			p++;
		eq = memchr(p, '=', (size_t)(stop - p));
		if (eq && (size_t)(eq - p) == nlen && !memcmp(p, name, nlen)) {
			if (hl_url_decode(eq + 1, (size_t)(stop - eq - 1), buf, cap, plus)) {
				if (cap)
					buf[0] = '\0';
				return HL_PARAM_UNREADABLE;
			}
			return HL_PARAM_OK;
		}
		p = stop + 1;
	}
	return HL_PARAM_ABSENT;
}

enum hl_param
hl_req_query_param(struct hl_req *r, const char *name, char *buf, size_t cap)
{
	return pairs_get(r->query, strlen(r->query), '&', name, buf, cap, 1);
}

const char *
hl_req_query(struct hl_req *r, const char *name, char *buf, size_t cap)
{
	enum hl_param got = hl_req_query_param(r, name, buf, cap);

	if (got == HL_PARAM_UNREADABLE && !r->query_unreadable[0]) {
		hl_strlcpy(r->query_unreadable, name, sizeof(r->query_unreadable));
		r->query_unreadable_cap = cap;
	}
	return got == HL_PARAM_OK ? buf : NULL;
}

enum hl_param
hl_req_form_param(struct hl_req *r, const char *name, char *buf, size_t cap)
{
	const char *ct = hl_req_env(r, "CONTENT_TYPE");

	if (cap)
		buf[0] = '\0';
	if (!ct || strncasecmp(ct, "application/x-www-form-urlencoded", 33))
		return HL_PARAM_ABSENT;
	if (hl_req_read_body(r))
		return HL_PARAM_ABSENT;
	return pairs_get(hl_buf_str(&r->body), r->body.len, '&', name, buf, cap, 1);
}

const char *
hl_req_form(struct hl_req *r, const char *name, char *buf, size_t cap)
{
	return hl_req_form_param(r, name, buf, cap) == HL_PARAM_OK ? buf : NULL;
}

const char *
hl_req_cookie(struct hl_req *r, const char *name, char *buf, size_t cap)
{
	const char *c = hl_req_env(r, "HTTP_COOKIE");

	if (!c)
		return NULL;
	return pairs_get(c, strlen(c), ';', name, buf, cap, 0) == HL_PARAM_OK ? buf : NULL;
}

void
hl_resp_header(struct hl_req *r, const char *name, const char *value)
{
	if (strpbrk(value, "\r\n") || strpbrk(name, "\r\n: ")) {
		hl_log(HL_LOG_ERROR, "refusing a response header with a line break (%s)", name);
		return;
	}
	hl_buf_printf(&r->headers, "%s: %s\r\n", name, value);
}

void
hl_resp_json(struct hl_req *r, int status, json_object *o)
{
	size_t len;
	const char *text;

	r->status = status;
	hl_resp_header(r, "Content-Type", "application/json; charset=utf-8");
	hl_resp_header(r, "Cache-Control", "no-store");
	text = json_object_to_json_string_length(o, JSON_C_TO_STRING_SPACED |
		JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	hl_buf_reset(&r->out);
	hl_buf_add(&r->out, text, len);
	hl_buf_add(&r->out, "\n", 1);
	json_object_put(o);
	r->responded = 1;
}

void
hl_resp_error(struct hl_req *r, int status, const char *code, const char *message,
	const char *field)
{
	json_object *o = json_object_new_object(), *e = json_object_new_object();

	hl_json_add_str(e, "code", code);
	hl_json_add_str(e, "message", message);
	if (field)
		hl_json_add_str(e, "field", field);
	json_object_object_add(o, "error", e);
	hl_resp_json(r, status, o);
}

int
hl_err_http_status(hl_err rc)
{
	switch (rc) {
	case HL_ERR_INVALID:
	case HL_ERR_UNPROCESSABLE:
		return 422;
	case HL_ERR_NOTFOUND:
		return 404;
	case HL_ERR_CONFLICT:
		return 409;
	case HL_ERR_AUTH:
		return 401;
	case HL_ERR_FORBIDDEN:
		return 403;
	case HL_ERR_TOOLARGE:
		return 413;
	case HL_ERR_UNAVAILABLE:
		return 503;
	default:
		return 500;
	}
}

void
hl_resp_core_error(struct hl_req *r, hl_err rc)
{
	int status = hl_err_http_status(rc);

	if (status == 500) {
		/* Details go to the log, never to the client. */
		hl_log(HL_LOG_ERROR, "%s %s: %s", hl_method_name(r->method), r->path, hl_errmsg());
		hl_resp_error(r, 500, "internal_error", "internal error; see the server log", NULL);
		return;
	}
	/* Passing: the same request may succeed in a moment (the database's
	 * error is in the log already). */
	if (status == 503)
		hl_resp_header(r, "Retry-After", hl_errreason() ? "1" : "5");
	hl_resp_error(r, status, hl_errreason() ? hl_errreason() :
		rc == HL_ERR_INVALID ? "invalid_value" : hl_err_name(rc), hl_errmsg(), hl_errfield());
}

void
hl_resp_result(struct hl_req *r, hl_err rc, int status, json_object *out)
{
	/* Core functions leave *out NULL when they fail. */
	if (rc) {
		hl_resp_core_error(r, rc);
		return;
	}
	hl_resp_json(r, status, out);
}

const char *
hl_req_url(struct hl_req *r, const char *path, char *buf, size_t cap)
{
	if ((size_t)snprintf(buf, cap, "%s%s", r->cfg->base_path, path) >= cap)
		buf[0] = '\0';
	return buf;
}

void
hl_resp_redirect(struct hl_req *r, const char *location)
{
	char url[1024];

	r->status = 303;
	hl_resp_header(r, "Location", hl_req_url(r, location, url, sizeof(url)));
	hl_buf_reset(&r->out);
	r->responded = 1;
}

static const char *
status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 503: return "Service Unavailable";
	default: return status >= 500 ? "Internal Server Error" : "Error";
	}
}

static void
emit(struct hl_req *r, const char *p, size_t n)
{
	if (!n)
		return;
	if (r->fcgx)
		FCGX_PutStr(p, (int)n, r->fcgx->out);
	else
		fwrite(p, 1, n, stdout);
}

void
hl_req_send(struct hl_req *r)
{
	struct hl_buf head;

	hl_buf_init(&head, 32 * 1024);
	hl_buf_printf(&head, "Status: %d %s\r\n", r->status, status_text(r->status));
	/* Every answer, page or JSON, carries the same protective headers. */
	hl_buf_addstr(&head, "X-Content-Type-Options: nosniff\r\n"
		"X-Frame-Options: DENY\r\n"
		"Referrer-Policy: same-origin\r\n"
		"Content-Security-Policy: default-src 'none'; style-src 'self'; img-src 'self' data:; "
		"script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'\r\n");
	hl_buf_add(&head, hl_buf_str(&r->headers), r->headers.len);
	hl_buf_printf(&head, "Content-Length: %zu\r\n\r\n", r->out.len);
	emit(r, hl_buf_str(&head), head.len);
	if (r->method != HL_HEAD)
		emit(r, hl_buf_str(&r->out), r->out.len);
	if (!r->fcgx)
		fflush(stdout);
	hl_buf_free(&head);
}
