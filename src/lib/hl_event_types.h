/* hl_event_types.h: the event type catalog (platform types plus each
 * account's custom types). */
#ifndef HL_EVENT_TYPES_H
#define HL_EVENT_TYPES_H
#include <json-c/json.h>
#include "hl_crypto.h"   /* HL_ID_MAX */
#include "hl_db.h"

/* The whole catalog, {"data": [{"name", "family", "description", "custom",
 * "schema"}...]} ordered by family then name: the dashboard's menus, which
 * group the types by family. The API pages (hl_event_type_page). */
hl_err hl_event_type_list(struct hl_db *db, const char *account_id, json_object **out);
/* The catalog one page at a time, ordered by name: {"data", "iterator"
 * (the last name), "done"}; family (exactly, NULL for all) filters. */
hl_err hl_event_type_page(struct hl_db *db, const char *account_id, const char *family,
	int limit, const char *iterator, json_object **out);

/* The shape of a name, without asking the catalog: "family.action" of
 * a-z, 0-9, _, - and dots, at most 128 bytes, the family (before the
 * first dot) 1 to 64 of a-z, 0-9, _ and -. A filter that fails it can
 * match no event. */
int hl_event_type_name_ok(const char *name);
/* family[0..n) as the family of a name ("sms" of sms.delivered). */
int hl_event_family_ok(const char *family, size_t n);

/* Define a custom event type of the account: name "family.action"
 * (a-z, 0-9, _, -), not shadowing a platform type; schema (optional,
 * not consumed) is checked against the hl_schema subset. *out is the
 * new type as listed; id its row's id ("et_...", what its audit record
 * names; "" on failure). */
hl_err hl_event_type_create(struct hl_db *db, const char *account_id, const char *name,
	const char *description, json_object *schema, char id[HL_ID_MAX], json_object **out);
/* The schema of a type visible to the account: *schema NULL when none
 * (caller puts it). HL_ERR_UNPROCESSABLE when the type is unknown. */
hl_err hl_event_type_schema(struct hl_db *db, const char *account_id, const char *name,
	json_object **schema);

#endif
