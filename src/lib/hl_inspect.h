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
#define HL_INSPECT_PATH_MAX 2048      /* bytes kept of the path (its column) */
#define HL_INSPECT_QUERY_MAX 8192     /* and of the query string */

/* A new receive URL id ("ins_..."), expiring after HL_INSPECT_TTL_S. */
hl_err hl_inspect_create(struct hl_db *db, const char *account_id, const char *created_by,
	char id_out[HL_ID_MAX]);
/* {"data": [{"id", "created_at", "expires_at", "requests"}]}: live ones. */
hl_err hl_inspect_bins(struct hl_db *db, const char *account_id, json_object **out);
/* One received request, as it came. */
struct hl_inspect_entry {
	const char *method;
	const char *client_addr;
	const char *path;            /* as sent: not decoded, before any '?' */
	const char *query;           /* as sent, after the '?'; "" or NULL: none */
	const char *headers_json;    /* credentials redacted */
	const void *body;            /* the whole body, any bytes; the first */
	size_t bodylen;              /* HL_INSPECT_BODY_MAX are kept */
};
/* Store one received request (path and query cut to their limits and
 * made valid UTF-8, the body's bytes as they are). HL_ERR_NOTFOUND for an
 * unknown or expired id, HL_ERR_CONFLICT when the URL already holds
 * HL_INSPECT_REQUESTS_MAX. */
hl_err hl_inspect_record(struct hl_db *db, const char *bin_id, const struct hl_inspect_entry *e);
/* {"data": [{"id", "received_at", "method", "client_addr", "path",
 * "query", "target_truncated", "headers", "body" or "body_base64",
 * "body_bytes", "body_received", "body_truncated"}]}, newest first, for a
 * live bin of the account; HL_ERR_NOTFOUND for any other id (expired,
 * another account's). "body" is the kept body when it is UTF-8 text
 * (no NUL or other control character than tab, CR and LF), else null
 * and "body_base64" holds its bytes. body_bytes are kept of
 * body_received. path and query are null for requests recorded before
 * they were kept (migration 019). */
hl_err hl_inspect_requests(struct hl_db *db, const char *account_id, const char *bin_id,
	json_object **out);

#endif
