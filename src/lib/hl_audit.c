/* hl_audit.c: the SQL of audit_log. Ids are time-sortable, so paging by
 * id is paging by time. */
#include <string.h>
#include "hl_audit.h"
#include "hl_crypto.h"
#include "hl_util.h"

hl_err
hl_audit_write(struct hl_db *db, const struct hl_principal *who,
	const char *client_addr, const char *action, const char *object_id,
	json_object *detail)
{
	char id[HL_ID_MAX];
	hl_err rc;

	rc = hl_id_new("aud", id);
	if (rc)
		return rc;
	return hl_db_exec(db, NULL, "INSERT INTO audit_log (id, account_id, actor_id, actor, "
		"action, object_id, client_addr, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", "ssssssss",
		id, who->account_id, who->actor_id, who->actor, action, object_id ? object_id : "",
		client_addr ? client_addr : "",
		detail ? json_object_to_json_string_ext(detail, JSON_C_TO_STRING_PLAIN) : NULL);
}

static json_object *
audit_json(struct hl_stmt *st)
{
	json_object *o = json_object_new_object();
	const char *detail = hl_stmt_col(st, 6);

	hl_json_add_str(o, "id", hl_stmt_col(st, 0));
	hl_json_add_str(o, "actor_id", hl_stmt_col(st, 1));
	hl_json_add_str(o, "actor", hl_stmt_col(st, 2));
	hl_json_add_str(o, "action", hl_stmt_col(st, 3));
	hl_json_add_str(o, "object_id", hl_stmt_col(st, 4));
	hl_json_add_str(o, "client_addr", hl_stmt_col(st, 5));
	json_object_object_add(o, "detail", detail ? json_tokener_parse(detail) : NULL);
	hl_json_add_str(o, "created_at", hl_stmt_col(st, 7));
	return o;
}

hl_err
hl_audit_list(struct hl_db *db, const char *account_id, const char *action,
	const char *object_id, int limit, const char *iterator, json_object **out)
{
	struct hl_stmt *st;
	hl_err rc;

	*out = NULL;
	/* Newest first: the iterator is the smallest id of the page. */
	rc = hl_stmt_new(db, "SELECT id, actor_id, actor, action, object_id, client_addr, detail, "
		HL_SQL_TIME("created_at") " FROM audit_log WHERE account_id = ? "
		"AND (? = '' OR id < ?) AND (? IS NULL OR action = ?) AND (? IS NULL OR object_id = ?) "
		"ORDER BY id DESC LIMIT ?", &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, account_id);
	hl_stmt_str(st, 1, iterator ? iterator : "");
	hl_stmt_str(st, 2, iterator ? iterator : "");
	hl_stmt_str(st, 3, action);
	hl_stmt_str(st, 4, action);
	hl_stmt_str(st, 5, object_id);
	hl_stmt_str(st, 6, object_id);
	hl_stmt_int(st, 7, limit + 1);
	rc = hl_stmt_page(st, limit, 0, audit_json, out);
	hl_stmt_free(st);
	return rc;
}
