/* hl_endpoint_opts.h: an endpoint's delivery options (retry policy, custom
 * headers, destination authentication, timeout, priority, FIFO, ed25519
 * signing): validation, storage in the endpoints row, and their JSON. */
#ifndef HL_ENDPOINT_OPTS_H
#define HL_ENDPOINT_OPTS_H
#include <json-c/json.h>
#include "hl_config.h"
#include "hl_db.h"

#define HL_HEADERS_MAX 20
/* Longest credential string (auth username, password, token, header
 * value): the sender's header buffers are sized by it. */
#define HL_CREDENTIAL_MAX 1024

/* Check the option members present in in (the request object; other
 * members are ignored but for null, which is refused for every member
 * but retry_schedule, retry_exponential, timeout_ms and rate_limit).
 * Nothing is written. HL_ERR_INVALID with a field. */
hl_err hl_endpoint_opts_validate(json_object *in);
/* Store the members present in in for endpoint id (inside the caller's
 * transaction). Generated material shown once ("encryption_key") goes to extra,
 * an object the caller merges into its answer; *extra may stay NULL.
 * *hidden_change: 1 when something changed that hl_endpoint_opts_get does
 * not show (credentials, a new encryption key); auth equal to the stored
 * one (unsealed, compared in constant time) is left as it is, its OAuth
 * token cache included. */
hl_err hl_endpoint_opts_apply(struct hl_db *db, const struct hl_config *cfg,
	const char *endpoint_id, json_object *in, json_object **extra, int *hidden_change);
/* Add the options of endpoint id to o (never credentials; the custom
 * headers unsealed, for the caller to redact). HL_ERR_CRYPTO when the
 * headers open with neither master key. */
hl_err hl_endpoint_opts_get(struct hl_db *db, const struct hl_config *cfg,
	const char *endpoint_id, json_object *o);
/* The custom headers of an endpoints row as JSON text, from its
 * headers_json and headers_sealed columns (either NULL): headers_json
 * when set (a row stored before migration 020, which hooklinectl rekey
 * seals), else headers_sealed unsealed. *out NULL for none; it holds
 * credentials: free it with hl_secret_free. */
hl_err hl_endpoint_headers_open(const struct hl_config *cfg, const char *plain,
	const char *sealed, char **out);
/* For a principal without write scope: every custom header value of o
 * (an endpoint as hl_endpoint_opts_get fills it) becomes HL_REDACTED;
 * the names stay. Operators put receiver credentials in headers under
 * any name, so all values go, not only those that look secret. */
void hl_endpoint_opts_redact(json_object *o);
/* A header name a user may not set (signature, framing). */
int hl_header_reserved(const char *name);

#endif
