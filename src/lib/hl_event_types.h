/* hl_event_types.h: the event type catalog (platform types plus each
 * account's custom types). */
#ifndef HL_EVENT_TYPES_H
#define HL_EVENT_TYPES_H
#include <json-c/json.h>
#include "hl_db.h"

/* {"data": [{"name", "family", "description", "custom", "schema"}...]}
 * ordered by family then name; family may be NULL for all. */
hl_err hl_event_type_list(struct hl_db *db, const char *account_id, const char *family,
	json_object **out);

#endif
