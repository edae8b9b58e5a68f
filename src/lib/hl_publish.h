/* hl_publish.h: the one way an event enters hookline (API, CLI, incoming
 * routing, operational events): store it and fan it out. */
#ifndef HL_PUBLISH_H
#define HL_PUBLISH_H
#include <json-c/json.h>
#include "hl_config.h"
#include "hl_db.h"

/* payload: any JSON object (not consumed). idempotency_key may be NULL.
 * *out: {"id", "event_type", "deliveries", "created_at", "duplicate"}. */
hl_err hl_publish(struct hl_db *db, const char *account_id, const char *event_type,
	json_object *payload, const char *idempotency_key, json_object **out);

#endif
