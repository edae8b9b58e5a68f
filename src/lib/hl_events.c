/* hl_events.c: the SQL of reading events. */
#include <stdio.h>
#include <string.h>
#include "hl_events.h"
#include "hl_util.h"

static json_object *
payload_json(const char *text)
{
	json_object *o = text ? json_tokener_parse(text) : NULL;

	return o ? o : json_object_new_object();
}

static json_object *
event_row_json(struct hl_stmt *st)
{
	json_object *o = json_object_new_object();

	hl_json_add_str(o, "id", hl_stmt_col(st, 0));
	hl_json_add_str(o, "event_type", hl_stmt_col(st, 1));
	hl_json_add_str(o, "created_at", hl_stmt_col(st, 2));
	json_object_object_add(o, "payload", payload_json(hl_stmt_col(st, 3)));
	hl_json_add_int(o, "deliveries", hl_stmt_colint(st, 4));
	return o;
}

hl_err
hl_event_list(struct hl_db *db, const char *account_id,
	const struct hl_event_filter *f, int limit, const char *iterator, json_object **out)
{
	char family[2 * 140 + 3];
	const char *type = f->event_type, *fam = NULL;
	struct hl_stmt *st;
	size_t n, i, j = 0;
	hl_err rc;

	*out = NULL;
	n = type ? strlen(type) : 0;
	if (n > 2 && n < 140 && !strcmp(type + n - 2, ".*")) {
		/* A LIKE prefix: what was typed is literal ("_" is a name's
		 * character, not "any character"). The escape is '!', whatever
		 * sql_mode says of backslashes. */
		for (i = 0; i < n - 2; i++) {
			if (type[i] == '%' || type[i] == '_' || type[i] == '!')
				family[j++] = '!';
			family[j++] = type[i];
		}
		memcpy(family + j, ".%", 3);
		fam = family;
		type = NULL;
	}
	/* With an endpoint, "deliveries" counts that endpoint's: the
	 * account's other webhooks are not this one's history. */
	rc = hl_stmt_new(db, "SELECT ev.id, ev.event_type, " HL_SQL_TIME("ev.created_at") ", "
		"ev.payload, (SELECT COUNT(*) FROM deliveries d WHERE d.event_id = ev.id "
		"AND (? IS NULL OR d.endpoint_id = ?)) "
		"FROM events ev WHERE ev.account_id = ? "
		"AND (? IS NULL OR ev.event_type = ?) AND (? IS NULL OR ev.event_type LIKE ? ESCAPE '!') "
		"AND (? IS NULL OR ev.created_at >= ?) AND (? IS NULL OR ev.created_at < ?) "
		"AND (? IS NULL OR EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = ev.id "
		"AND d.endpoint_id = ?)) "
		"AND (? IS NULL OR ev.id < ?) ORDER BY ev.id DESC LIMIT ?", &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, f->endpoint_id);
	hl_stmt_str(st, 1, f->endpoint_id);
	hl_stmt_str(st, 2, account_id);
	hl_stmt_str(st, 3, type);
	hl_stmt_str(st, 4, type);
	hl_stmt_str(st, 5, fam);
	hl_stmt_str(st, 6, fam);
	hl_stmt_str(st, 7, f->since);
	hl_stmt_str(st, 8, f->since);
	hl_stmt_str(st, 9, f->until);
	hl_stmt_str(st, 10, f->until);
	hl_stmt_str(st, 11, f->endpoint_id);
	hl_stmt_str(st, 12, f->endpoint_id);
	hl_stmt_str(st, 13, iterator);
	hl_stmt_str(st, 14, iterator);
	hl_stmt_int(st, 15, limit + 1);
	rc = hl_stmt_page(st, limit, 0, event_row_json, out);
	hl_stmt_free(st);
	return rc;
}

static json_object *
event_delivery_json(struct hl_stmt *st)
{
	json_object *d = json_object_new_object();

	hl_json_add_str(d, "id", hl_stmt_col(st, 0));
	hl_json_add_str(d, "webhook_id", hl_stmt_col(st, 1));
	hl_json_add_str(d, "url", hl_stmt_col(st, 2));
	hl_json_add_str(d, "status", hl_stmt_col(st, 3));
	hl_json_add_int(d, "attempts", hl_stmt_colint(st, 4));
	hl_stmt_json_int(d, "last_status_code", st, 5);
	hl_json_add_str(d, "last_error_class", hl_stmt_col(st, 6));
	hl_json_add_str(d, "last_attempt_at", hl_stmt_col(st, 7));
	return d;
}

hl_err
hl_event_get(struct hl_db *db, const char *account_id, const char *id, json_object **out)
{
	json_object *o = NULL, *list;
	struct hl_stmt *st;
	hl_err rc;

	*out = NULL;
	rc = hl_stmt_new(db, "SELECT id, event_type, " HL_SQL_TIME("created_at") ", payload, "
		"idempotency_key FROM events WHERE id = ? AND account_id = ?", &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, id);
	hl_stmt_str(st, 1, account_id);
	rc = hl_stmt_row(st, "event", id);
	if (!rc) {
		o = json_object_new_object();
		hl_json_add_str(o, "id", hl_stmt_col(st, 0));
		hl_json_add_str(o, "event_type", hl_stmt_col(st, 1));
		hl_json_add_str(o, "created_at", hl_stmt_col(st, 2));
		json_object_object_add(o, "payload", payload_json(hl_stmt_col(st, 3)));
		hl_json_add_str(o, "idempotency_key", hl_stmt_col(st, 4));
	}
	hl_stmt_free(st);
	if (rc)
		return rc;
	rc = hl_stmt_new(db, "SELECT d.id, d.endpoint_id, e.url, d.status, d.attempts, "
		"d.last_status_code, d.last_error_class, " HL_SQL_TIME("d.last_attempt_at") " "
		"FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id "
		"WHERE d.event_id = ? AND d.account_id = ? ORDER BY d.id", &st);
	if (rc) {
		json_object_put(o);
		return rc;
	}
	hl_stmt_str(st, 0, id);
	hl_stmt_str(st, 1, account_id);
	rc = hl_stmt_array(st, event_delivery_json, &list);
	hl_stmt_free(st);
	if (rc) {
		json_object_put(o);
		return rc;
	}
	json_object_object_add(o, "deliveries", list);
	*out = o;
	return HL_OK;
}
