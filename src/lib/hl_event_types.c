/* hl_event_types.c: the SQL of event_types. */
#include <string.h>
#include "hl_crypto.h"
#include "hl_event_types.h"
#include "hl_schema.h"
#include "hl_util.h"

static json_object *
type_json(struct hl_stmt *st)
{
	json_object *o = json_object_new_object();
	const char *schema = hl_stmt_col(st, 4);

	hl_json_add_str(o, "name", hl_stmt_col(st, 0));
	hl_json_add_str(o, "family", hl_stmt_col(st, 1));
	hl_json_add_str(o, "description", hl_stmt_col(st, 2));
	hl_json_add_bool(o, "custom", (int)hl_stmt_colint(st, 3));
	json_object_object_add(o, "schema", schema ? json_tokener_parse(schema) : NULL);
	hl_json_add_str(o, "created_at", hl_stmt_col(st, 5));
	return o;
}

hl_err
hl_event_type_list(struct hl_db *db, const char *account_id, json_object **out)
{
	struct hl_stmt *st;
	hl_err rc;

	*out = NULL;
	rc = hl_stmt_new(db, "SELECT name, family, description, account_id <> '', schema_json, "
		HL_SQL_TIME("created_at") " FROM event_types WHERE account_id IN ('', ?) "
		"ORDER BY family, name", &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, account_id);
	rc = hl_stmt_page(st, -1, 0, type_json, out);
	hl_stmt_free(st);
	return rc;
}

hl_err
hl_event_type_page(struct hl_db *db, const char *account_id, const char *family,
	int limit, const char *iterator, json_object **out)
{
	struct hl_stmt *st;
	hl_err rc;

	*out = NULL;
	/* Names are unique across the visible catalog (custom types cannot
	 * shadow platform ones), so the name alone is a stable cursor. The
	 * family compares as bytes too: the collation alone would take "SMS"
	 * or "sms " for sms, a family no type has. */
	rc = hl_stmt_new(db, "SELECT name, family, description, account_id <> '', schema_json, "
		HL_SQL_TIME("created_at") " FROM event_types WHERE account_id IN ('', ?) "
		"AND (? IS NULL OR (family = ? AND family = BINARY ?)) AND name > ? "
		"ORDER BY name, account_id LIMIT ?", &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, account_id);
	hl_stmt_str(st, 1, family);
	hl_stmt_str(st, 2, family);
	hl_stmt_str(st, 3, family);
	hl_stmt_str(st, 4, iterator ? iterator : "");
	hl_stmt_int(st, 5, limit + 1);
	rc = hl_stmt_page(st, limit, 0, type_json, out);
	hl_stmt_free(st);
	return rc;
}

int
hl_event_family_ok(const char *family, size_t n)
{
	size_t i;

	if (n < 1 || n > 64)
		return 0;
	for (i = 0; i < n; i++) {
		char c = family[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

int
hl_event_type_name_ok(const char *name)
{
	const char *dot = strchr(name, '.');
	size_t n = strlen(name);

	if (n < 3 || n > 128 || !dot || !dot[1] || !hl_event_family_ok(name, (size_t)(dot - name)))
		return 0;
	return strspn(dot, "abcdefghijklmnopqrstuvwxyz0123456789_-.") == strlen(dot);
}

hl_err
hl_event_type_create(struct hl_db *db, const char *account_id, const char *name,
	const char *description, json_object *schema, char id[HL_ID_MAX], json_object **out)
{
	char family[65];
	struct hl_stmt *st;
	size_t flen;
	hl_err rc;
	int found;

	*out = NULL;
	id[0] = '\0';
	if (!name || !hl_event_type_name_ok(name))
		return hl_fail(HL_ERR_INVALID, "name", "name must look like \"family.action\": "
			"a-z, 0-9, _, - and dots, at most 128 characters");
	if (description && hl_utf8_chars(description) > 1000)
		return hl_fail(HL_ERR_INVALID, "description", "description is longer than 1000 characters");
	if (schema) {
		rc = hl_schema_check(schema);
		if (rc)
			return rc;
	}
	/* A platform type of the same name would make publishes ambiguous. */
	rc = hl_stmt_new(db, "SELECT account_id FROM event_types WHERE account_id IN ('', ?) "
		"AND name = ?", &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, account_id);
	hl_stmt_str(st, 1, name);
	rc = hl_stmt_first(st, &found);
	if (!rc && found)
		rc = hl_fail(HL_ERR_CONFLICT, "name", "event type %s already exists", name);
	hl_stmt_free(st);
	if (rc)
		return rc;
	flen = (size_t)(strchr(name, '.') - name);
	memcpy(family, name, flen);
	family[flen] = '\0';
	rc = hl_id_new("et", id);
	if (!rc)
		rc = hl_db_exec(db, NULL, "INSERT INTO event_types (id, account_id, name, family, "
			"description, schema_json) VALUES (?, ?, ?, ?, ?, ?)", "ssssss", id, account_id,
			name, family, description ? description : "",
			schema ? json_object_to_json_string_ext(schema, JSON_C_TO_STRING_PLAIN) : NULL);
	if (rc)
		return rc;
	*out = json_object_new_object();
	hl_json_add_str(*out, "name", name);
	hl_json_add_str(*out, "family", family);
	hl_json_add_str(*out, "description", description ? description : "");
	hl_json_add_bool(*out, "custom", 1);
	json_object_object_add(*out, "schema", schema ? json_object_get(schema) : NULL);
	return HL_OK;
}

hl_err
hl_event_type_schema(struct hl_db *db, const char *account_id, const char *name,
	json_object **schema)
{
	struct hl_stmt *st;
	hl_err rc;
	int found;

	*schema = NULL;
	rc = hl_stmt_new(db, "SELECT schema_json, name FROM event_types WHERE account_id IN ('', ?) "
		"AND name = ? ORDER BY account_id LIMIT 1", &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, account_id);
	hl_stmt_str(st, 1, name);
	rc = hl_stmt_first(st, &found);
	/* The column compares without case and trailing blanks: "SMS.Sent "
	 * finds sms.sent, but is not its name (receivers, filters and lists
	 * would see the other spelling). */
	if (!rc && (!found || strcmp(hl_stmt_col(st, 1), name)))
		rc = hl_fail(HL_ERR_UNPROCESSABLE, "event_type",
			"unknown event type \"%.128s\" (define it with POST /webhooks/events)", name);
	else if (!rc && hl_stmt_col(st, 0))
		*schema = json_tokener_parse(hl_stmt_col(st, 0));
	hl_stmt_free(st);
	return rc;
}
