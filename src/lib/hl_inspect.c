/* hl_inspect.c: the SQL of the request inspector (inspect_bins and
 * inspect_requests). Expired bins are deleted on the way. */
#include <string.h>
#include "hl_inspect.h"
#include "hl_util.h"

static json_object *
bin_json(struct hl_stmt *st)
{
	json_object *o = json_object_new_object();

	hl_json_add_str(o, "id", hl_stmt_col(st, 0));
	hl_json_add_str(o, "created_at", hl_stmt_col(st, 1));
	hl_json_add_str(o, "expires_at", hl_stmt_col(st, 2));
	hl_json_add_int(o, "requests", hl_stmt_colint(st, 3));
	return o;
}

static json_object *
request_json(struct hl_stmt *st)
{
	json_object *o = json_object_new_object();

	hl_json_add_str(o, "id", hl_stmt_col(st, 0));
	hl_json_add_str(o, "received_at", hl_stmt_col(st, 1));
	hl_json_add_str(o, "method", hl_stmt_col(st, 2));
	hl_json_add_str(o, "client_addr", hl_stmt_col(st, 3));
	json_object_object_add(o, "headers", json_tokener_parse(hl_stmt_col(st, 4)));
	hl_json_add_str(o, "body", hl_stmt_col(st, 5));
	hl_json_add_bool(o, "body_truncated", (int)hl_stmt_colint(st, 6));
	return o;
}

hl_err
hl_inspect_create(struct hl_db *db, const char *account_id, const char *created_by,
	char id_out[HL_ID_MAX])
{
	hl_err rc;

	hl_db_exec(db, NULL, "DELETE FROM inspect_bins WHERE expires_at < NOW(3)", "");
	rc = hl_id_new("ins", id_out);
	if (rc)
		return rc;
	return hl_db_exec(db, NULL, "INSERT INTO inspect_bins (id, account_id, created_by, "
		"expires_at) VALUES (?, ?, ?, NOW(3) + INTERVAL ? SECOND)", "sssi",
		id_out, account_id, created_by ? created_by : "", (long long)HL_INSPECT_TTL_S);
}

hl_err
hl_inspect_bins(struct hl_db *db, const char *account_id, json_object **out)
{
	struct hl_stmt *st;
	hl_err rc;

	*out = NULL;
	rc = hl_stmt_new(db, "SELECT b.id, " HL_SQL_TIME("b.created_at") ", "
		HL_SQL_TIME("b.expires_at") ", (SELECT COUNT(*) FROM inspect_requests q "
		"WHERE q.bin_id = b.id) FROM inspect_bins b WHERE b.account_id = ? "
		"AND b.expires_at > NOW(3) ORDER BY b.created_at DESC LIMIT 20", &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, account_id);
	rc = hl_stmt_page(st, -1, 0, bin_json, out);
	hl_stmt_free(st);
	return rc;
}

hl_err
hl_inspect_record(struct hl_db *db, const char *bin_id, const char *method,
	const char *client_addr, const char *headers_json, const char *body, size_t bodylen)
{
	char id[HL_ID_MAX];
	struct hl_stmt *st;
	long long count = 0;
	int truncated = bodylen > HL_INSPECT_BODY_MAX, found;
	hl_err rc;

	rc = hl_stmt_new(db, "SELECT (SELECT COUNT(*) FROM inspect_requests q WHERE q.bin_id = b.id) "
		"FROM inspect_bins b WHERE b.id = ? AND b.expires_at > NOW(3)", &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, bin_id);
	rc = hl_stmt_first(st, &found);
	if (!rc && !found)
		rc = hl_fail(HL_ERR_NOTFOUND, NULL, "no such receive URL (or it expired)");
	else if (!rc)
		count = hl_stmt_colint(st, 0);
	hl_stmt_free(st);
	if (rc)
		return rc;
	if (count >= HL_INSPECT_REQUESTS_MAX)
		return hl_fail(HL_ERR_CONFLICT, NULL, "this receive URL is full (%d requests)",
			HL_INSPECT_REQUESTS_MAX);
	rc = hl_id_new("inr", id);
	if (rc)
		return rc;
	if (truncated)
		bodylen = HL_INSPECT_BODY_MAX;
	return hl_db_exec(db, NULL, "INSERT INTO inspect_requests (id, bin_id, method, client_addr, "
		"headers_json, body, body_truncated) VALUES (?, ?, ?, ?, ?, ?, ?)", "sssssz" "i",
		id, bin_id, method, client_addr ? client_addr : "", headers_json, body, bodylen,
		(long long)truncated);
}

hl_err
hl_inspect_requests(struct hl_db *db, const char *account_id, const char *bin_id,
	json_object **out)
{
	struct hl_stmt *st;
	hl_err rc;

	*out = NULL;
	/* An empty list would look like a live bin nobody posted to. */
	rc = hl_stmt_new(db, "SELECT 1 FROM inspect_bins WHERE id = ? AND account_id = ? "
		"AND expires_at > NOW(3)", &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, bin_id);
	hl_stmt_str(st, 1, account_id);
	rc = hl_stmt_row(st, "receive URL", bin_id);
	hl_stmt_free(st);
	if (rc)
		return rc;
	rc = hl_stmt_new(db, "SELECT q.id, " HL_SQL_TIME("q.received_at") ", q.method, "
		"q.client_addr, q.headers_json, q.body, q.body_truncated FROM inspect_requests q "
		"JOIN inspect_bins b ON b.id = q.bin_id WHERE q.bin_id = ? AND b.account_id = ? "
		"ORDER BY q.received_at DESC, q.id DESC LIMIT 50", &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, bin_id);
	hl_stmt_str(st, 1, account_id);
	rc = hl_stmt_page(st, -1, 0, request_json, out);
	hl_stmt_free(st);
	return rc;
}
