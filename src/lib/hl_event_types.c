/* hl_event_types.c: the SQL of event_types. */
#include "hl_event_types.h"
#include "hl_util.h"

hl_err
hl_event_type_list(struct hl_db *db, const char *account_id, const char *family,
	json_object **out)
{
	json_object *data;
	struct hl_stmt *st;
	hl_err rc;
	int r;

	*out = NULL;
	rc = hl_stmt_new(db, "SELECT name, family, description, account_id <> '', schema_json, "
		HL_SQL_TIME("created_at") " FROM event_types WHERE account_id IN ('', ?) "
		"AND (? IS NULL OR family = ?) ORDER BY family, name", &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, account_id);
	hl_stmt_str(st, 1, family);
	hl_stmt_str(st, 2, family);
	rc = hl_stmt_exec(st);
	data = json_object_new_array();
	while (!rc && (r = hl_stmt_fetch(st)) != 0) {
		json_object *o;
		const char *schema;

		if (r < 0) {
			rc = HL_ERR_DB;
			break;
		}
		o = json_object_new_object();
		hl_json_add_str(o, "name", hl_stmt_col(st, 0));
		hl_json_add_str(o, "family", hl_stmt_col(st, 1));
		hl_json_add_str(o, "description", hl_stmt_col(st, 2));
		hl_json_add_bool(o, "custom", (int)hl_stmt_colint(st, 3));
		schema = hl_stmt_col(st, 4);
		json_object_object_add(o, "schema", schema ? json_tokener_parse(schema) : NULL);
		hl_json_add_str(o, "created_at", hl_stmt_col(st, 5));
		json_object_array_add(data, o);
	}
	hl_stmt_free(st);
	if (rc) {
		json_object_put(data);
		return rc;
	}
	*out = hl_json_list(data, NULL, 1);
	return HL_OK;
}
