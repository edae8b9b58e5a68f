/* hl_inspect.c: the SQL of the request inspector (inspect_bins and
 * inspect_requests). Expired bins are deleted on the way. A body is kept
 * as the bytes it was (a BLOB) and read back as text or as base64. */
#include <stdlib.h>
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

/* Text a page can show as it is: UTF-8 without NUL or another control
 * character than tab, LF and CR (HTML has no way to show those). */
static int
body_is_text(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
			return 0;
	}
	return hl_utf8_valid(p, n);
}

static void
add_body(json_object *o, const char *body, size_t n)
{
	char *b64;

	if (body_is_text(body, n)) {
		hl_json_add_str(o, "body", body);
		return;
	}
	json_object_object_add(o, "body", NULL);
	b64 = malloc(4 * ((n + 2) / 3) + 1);
	if (!b64)
		return;   /* shown as no body: this is a debugging page */
	hl_base64_encode((const unsigned char *)body, n, b64);
	hl_json_add_str(o, "body_base64", b64);
	free(b64);
}

static json_object *
request_json(struct hl_stmt *st)
{
	json_object *o = json_object_new_object();
	const char *body = hl_stmt_col(st, 5);
	size_t kept = hl_stmt_collen(st, 5);

	hl_json_add_str(o, "id", hl_stmt_col(st, 0));
	hl_json_add_str(o, "received_at", hl_stmt_col(st, 1));
	hl_json_add_str(o, "method", hl_stmt_col(st, 2));
	hl_json_add_str(o, "client_addr", hl_stmt_col(st, 3));
	hl_json_add_str(o, "path", hl_stmt_col(st, 8));
	hl_json_add_str(o, "query", hl_stmt_col(st, 9));
	hl_json_add_bool(o, "target_truncated", (int)hl_stmt_colint(st, 10));
	json_object_object_add(o, "headers", json_tokener_parse(hl_stmt_col(st, 4)));
	add_body(o, body ? body : "", kept);
	hl_json_add_int(o, "body_bytes", (long long)kept);
	/* Rows from before migration 019 did not count what was received. */
	hl_json_add_int(o, "body_received", hl_stmt_colnull(st, 7) ? (long long)kept
		: hl_stmt_colint(st, 7));
	hl_json_add_bool(o, "body_truncated", (int)hl_stmt_colint(st, 6));
	return o;
}

/* A copy of at most max bytes of s, made valid UTF-8 for its utf8mb4
 * column; *cut is set when s was longer. NULL when out of memory. */
static char *
kept_text(const char *s, size_t max, int *cut)
{
	size_t n = s ? strlen(s) : 0;
	char *copy;

	if (n > max) {
		n = max;
		*cut = 1;
	}
	copy = malloc(n + 1);
	if (!copy)
		return NULL;
	memcpy(copy, s ? s : "", n);
	copy[n] = '\0';
	hl_utf8_sanitize(copy);
	return copy;
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
hl_inspect_record(struct hl_db *db, const char *bin_id, const struct hl_inspect_entry *e)
{
	char id[HL_ID_MAX];
	char *path = NULL, *query = NULL;
	struct hl_stmt *st;
	long long count = 0;
	size_t keep = e->bodylen > HL_INSPECT_BODY_MAX ? HL_INSPECT_BODY_MAX : e->bodylen;
	int found, cut = 0;
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
	path = kept_text(e->path, HL_INSPECT_PATH_MAX, &cut);
	query = kept_text(e->query, HL_INSPECT_QUERY_MAX, &cut);
	if (!path || !query) {
		rc = hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
		goto out;
	}
	/* The body is bound as binary: a NUL or a byte that is not UTF-8
	 * is kept as it came. */
	rc = hl_db_exec(db, NULL, "INSERT INTO inspect_requests (id, bin_id, method, client_addr, "
		"path, query, target_truncated, headers_json, body, body_bytes, body_truncated) "
		"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "ssssssisbii",
		id, bin_id, e->method, e->client_addr ? e->client_addr : "", path, query,
		(long long)cut, e->headers_json, e->body ? e->body : "", keep,
		(long long)e->bodylen, (long long)(e->bodylen > HL_INSPECT_BODY_MAX));
out:
	free(path);
	free(query);
	return rc;
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
		"q.client_addr, q.headers_json, q.body, q.body_truncated, q.body_bytes, q.path, "
		"q.query, q.target_truncated FROM inspect_requests q "
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
