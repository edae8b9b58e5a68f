/* request.h: one HTTP request and its response, over FastCGI or plain
 * CGI. The request object owns everything the request allocates and
 * frees it in hl_req_free. */
#ifndef HL_REQUEST_H
#define HL_REQUEST_H
#include <json-c/json.h>
#include <ClearSilver.h>
#include <fcgiapp.h>
#include "hl_accounts.h"
#include "hl_buf.h"
#include "hl_config.h"
#include "hl_db.h"
#include "hl_sessions.h"

enum hl_method { HL_GET, HL_HEAD, HL_POST, HL_PUT, HL_DELETE, HL_PATCH, HL_OPTIONS, HL_METHOD__MAX };

#define HL_PARAMS_MAX 4

struct hl_kept {
	char name[64];
	char *value;
	struct hl_kept *next;
};

struct hl_req {
	const struct hl_config *cfg;
	struct hl_db *db;
	FCGX_Request *fcgx;          /* NULL when running as plain CGI */

	enum hl_method method;
	char *path;                  /* without the query; percent-decoded */
	const char *query;           /* raw query string, "" when none */
	char client_addr[64];
	struct hl_buf body;          /* request body, at most Web.MaxBodyBytes */
	int body_read;
	char params[HL_PARAMS_MAX][64]; /* route parameters ({wh} ...) */
	int nparams;

	struct hl_principal who;     /* set by authentication */
	int authenticated;
	int via_session;             /* a browser user (pages) */
	char csrf[HL_TOKEN_MAX];
	char session_token[HL_TOKEN_MAX];

	int status;
	struct hl_buf headers;       /* "Name: value\r\n" lines */
	struct hl_buf out;           /* response body */
	int responded;
	HDF *hdf;                    /* page data, created on demand */
	/* The first field hl_page_form / hl_page_query could not take (too
	 * long, or badly encoded), its limit (characters when
	 * unreadable_chars, else bytes) and how long it was (0: it did not
	 * decode). */
	char unreadable[64];
	size_t unreadable_limit, unreadable_len;
	int unreadable_chars;
	/* Every value refused for its length, as typed, to show it again
	 * (hl_page_keep); freed by hl_req_free. */
	struct hl_kept *kept;
	/* The first query parameter hl_req_query could not read: the API
	 * answers 400 for it (main.c) rather than the widened list that
	 * reading it as absent would give. */
	char query_unreadable[64];
	size_t query_unreadable_cap;
};

const char *hl_method_name(enum hl_method m);
/* Set up from the CGI/FastCGI environment (fcgx may be NULL). */
hl_err hl_req_init(struct hl_req *r, const struct hl_config *cfg, struct hl_db *db,
	FCGX_Request *fcgx);
void hl_req_free(struct hl_req *r);
/* A CGI variable (REQUEST_METHOD, HTTP_AUTHORIZATION, ...). */
const char *hl_req_env(struct hl_req *r, const char *name);
/* A request header by name ("X-Hub-Signature-256", any case), NULL when
 * absent. */
const char *hl_req_header(struct hl_req *r, const char *name);
/* Every request header as {"lower-case-name": "value"} (HTTP_FOO_BAR ->
 * "foo-bar"), values made valid UTF-8; Authorization,
 * Proxy-Authorization, Cookie and the usual shared-secret headers
 * (X-Gitlab-Token, X-Api-Key, X-Auth-Token, X-Access-Token,
 * X-Webhook-Secret, X-Webhook-Token) are HL_REDACTED: these objects are
 * shown to the account's users. Written with JSON_C_TO_STRING_PLAIN its
 * text is at most HL_REQ_HEADERS_JSON_MAX bytes (the TEXT columns it is
 * stored in): headers past that are left out and an "(omitted)" member
 * says how many. The caller owns the object. */
#define HL_REQ_HEADERS_JSON_MAX 65535
json_object *hl_req_headers_json(struct hl_req *r);
/* Read the body (once); 413 / 400 are answered here. Returns 0 or -1. */
int hl_req_read_body(struct hl_req *r);
/* Decoded value of a query (or urlencoded form) parameter into buf.
 * Returns buf, or NULL when absent or unreadable (see below); an
 * unreadable query parameter is also noted in r->query_unreadable. */
const char *hl_req_query(struct hl_req *r, const char *name, char *buf, size_t cap);
const char *hl_req_form(struct hl_req *r, const char *name, char *buf, size_t cap);
/* The same, telling an absent parameter from one whose value does not
 * fit cap bytes (NUL included) or is not valid percent-encoding: the
 * latter must never be taken for an emptied field. buf is "" unless
 * HL_PARAM_OK. */
enum hl_param { HL_PARAM_OK, HL_PARAM_ABSENT, HL_PARAM_UNREADABLE, HL_PARAM__MAX };
enum hl_param hl_req_query_param(struct hl_req *r, const char *name, char *buf, size_t cap);
enum hl_param hl_req_form_param(struct hl_req *r, const char *name, char *buf, size_t cap);
const char *hl_req_cookie(struct hl_req *r, const char *name, char *buf, size_t cap);

/* Response. Header values with CR or LF are refused (logged, dropped). */
void hl_resp_header(struct hl_req *r, const char *name, const char *value);
/* Sends o with status; takes ownership of o. */
void hl_resp_json(struct hl_req *r, int status, json_object *o);
void hl_resp_error(struct hl_req *r, int status, const char *code, const char *message,
	const char *field);
/* Answer a core error (hl_errcode/hl_errmsg/hl_errfield) as JSON. */
void hl_resp_core_error(struct hl_req *r, hl_err rc);
/* The usual end of a handler: out with status when rc is HL_OK (taking
 * ownership of it), else the core error (out unused). */
void hl_resp_result(struct hl_req *r, hl_err rc, int status, json_object *out);
int hl_err_http_status(hl_err rc);
/* 303 to location, a route path ("/webhook/manage"): Web.BasePath is put
 * in front, as hl_req_url does. */
void hl_resp_redirect(struct hl_req *r, const char *location);
/* A route path as the client must send it: Web.BasePath + path, into buf
 * (every URL, cookie Path and Location we hand out goes through here).
 * Returns buf; "" when it does not fit. */
const char *hl_req_url(struct hl_req *r, const char *path, char *buf, size_t cap);
/* Write status, headers and body to the client. */
void hl_req_send(struct hl_req *r);

/* URL-decode src (n bytes) into dst (cap bytes); -1 on bad encoding or
 * when it does not fit. plus_is_space for forms and queries. */
int hl_url_decode(const char *src, size_t n, char *dst, size_t cap, int plus_is_space);

#endif
