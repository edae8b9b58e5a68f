/* hl_inspect.h: the request inspector: temporary receive URLs that record
 * what is posted to them (for debugging a sender), with limits and expiry. */
#ifndef HL_INSPECT_H
#define HL_INSPECT_H
#include <json-c/json.h>
#include "hl_crypto.h"
#include "hl_db.h"

#define HL_INSPECT_TTL_S (24 * 3600)
#define HL_INSPECT_BODY_MAX 65536     /* bytes kept of each body */
#define HL_INSPECT_REQUESTS_MAX 100   /* per receive URL */

/* A new receive URL id ("ins_..."), expiring after HL_INSPECT_TTL_S. */
hl_err hl_inspect_create(struct hl_db *db, const char *account_id, const char *created_by,
	char id_out[HL_ID_MAX]);
/* {"data": [{"id", "created_at", "expires_at", "requests"}]}: live ones. */
hl_err hl_inspect_bins(struct hl_db *db, const char *account_id, json_object **out);
/* Store one received request. HL_ERR_NOTFOUND for an unknown or expired
 * id, HL_ERR_CONFLICT when the URL already holds HL_INSPECT_REQUESTS_MAX. */
hl_err hl_inspect_record(struct hl_db *db, const char *bin_id, const char *method,
	const char *client_addr, const char *headers_json, const char *body, size_t bodylen);
/* {"data": [{"id", "received_at", "method", "client_addr", "headers",
 * "body", "body_truncated"}]}, newest first, for a live bin of the
 * account; HL_ERR_NOTFOUND for any other id (expired, another account's). */
hl_err hl_inspect_requests(struct hl_db *db, const char *account_id, const char *bin_id,
	json_object **out);

#endif
