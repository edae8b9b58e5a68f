/* hl_audit.c: the SQL of audit_log. Ids are time-sortable, so paging by
 * id is paging by time. */
#include <string.h>
#include "hl_audit.h"
#include "hl_crypto.h"
#include "hl_util.h"

/* audit_log.detail is a TEXT column: at most this many bytes. */
#define DETAIL_MAX 65535
/* What is kept of a member too large to record whole: the start of its
 * JSON text, enough to tell what it was. Escaped again as a string it
 * may grow (up to 6 bytes for a control character), still far below
 * DETAIL_MAX for a handful of such members. */
#define MEMBER_KEEP 1024
#define WHOLE_KEEP 4096

/* The first at most cap bytes of s, not cutting a UTF-8 character (the
 * column refuses a broken one), as a JSON string. */
static json_object *
utf8_prefix(const char *s, size_t cap)
{
	size_t n = strlen(s);

	if (n > cap) {
		n = cap;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	return json_object_new_string_len(s, (int)n);
}

static const char *
plain(json_object *o)
{
	return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
}

/* detail, whose text (len bytes) is larger than the column, as a record
 * that fits: each member larger than MEMBER_KEEP becomes the start of its
 * JSON text, and "(truncated)" says which members were cut and how large
 * the whole was. When even that does not fit (many large members, or
 * detail not an object) only the start of the whole text is kept. The
 * caller owns the result. */
static json_object *
bounded_detail(json_object *detail, size_t len)
{
	json_object *o, *note, *cut;

	note = json_object_new_object();
	hl_json_add_int(note, "bytes", (long long)len);
	if (json_object_is_type(detail, json_type_object)) {
		o = json_object_new_object();
		cut = json_object_new_array();
		json_object_object_foreach(detail, key, val) {
			const char *text = plain(val);

			if (strlen(text) > MEMBER_KEEP) {
				/* json-c: _add takes ownership of the new value. */
				json_object_object_add(o, key, utf8_prefix(text, MEMBER_KEEP));
				json_object_array_add(cut, json_object_new_string(key));
			} else {
				json_object_object_add(o, key, json_object_get(val));
			}
		}
		json_object_object_add(note, "members", cut);
		json_object_object_add(o, "(truncated)", json_object_get(note));
		if (strlen(plain(o)) <= DETAIL_MAX) {
			json_object_put(note);
			return o;
		}
		json_object_put(o);
		json_object_object_del(note, "members");
	}
	o = json_object_new_object();
	json_object_object_add(o, "(truncated)", note);
	json_object_object_add(o, "start", utf8_prefix(plain(detail), WHOLE_KEEP));
	return o;
}

hl_err
hl_audit_write(struct hl_db *db, const struct hl_principal *who,
	const char *client_addr, const char *action, const char *object_id,
	json_object *detail)
{
	char id[HL_ID_MAX];
	json_object *bounded = NULL;
	const char *text = detail ? plain(detail) : NULL;
	hl_err rc;

	/* The change is made (and committed, for most callers) already: a
	 * detail the column cannot hold must not cost the record itself. */
	if (text && strlen(text) > DETAIL_MAX) {
		bounded = bounded_detail(detail, strlen(text));
		text = plain(bounded);
	}
	rc = hl_id_new("aud", id);
	if (!rc)
		rc = hl_db_exec(db, NULL, "INSERT INTO audit_log (id, account_id, actor_id, actor, "
			"action, object_id, client_addr, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			"ssssssss", id, who->account_id, who->actor_id, who->actor, action,
			object_id ? object_id : "", client_addr ? client_addr : "", text);
	json_object_put(bounded);
	return rc;
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
	/* Newest first: the iterator is the smallest id of the page. The
	 * filters compare as bytes as well: the columns' collation alone takes
	 * "WEBHOOK.UPDATE " for webhook.update and an id in capitals for the
	 * id, records that are not the ones asked for. */
	rc = hl_stmt_new(db, "SELECT id, actor_id, actor, action, object_id, client_addr, detail, "
		HL_SQL_TIME("created_at") " FROM audit_log WHERE account_id = ? "
		"AND (? = '' OR id < ?) AND (? IS NULL OR (action = ? AND action = BINARY ?)) "
		"AND (? IS NULL OR (object_id = ? AND object_id = BINARY ?)) "
		"ORDER BY id DESC LIMIT ?", &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, account_id);
	hl_stmt_str(st, 1, iterator ? iterator : "");
	hl_stmt_str(st, 2, iterator ? iterator : "");
	hl_stmt_str(st, 3, action);
	hl_stmt_str(st, 4, action);
	hl_stmt_str(st, 5, action);
	hl_stmt_str(st, 6, object_id);
	hl_stmt_str(st, 7, object_id);
	hl_stmt_str(st, 8, object_id);
	hl_stmt_int(st, 9, limit + 1);
	rc = hl_stmt_page(st, limit, 0, audit_json, out);
	hl_stmt_free(st);
	return rc;
}
