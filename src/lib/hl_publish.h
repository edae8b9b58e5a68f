/* hl_publish.h: the one way an event enters hookline (API, CLI, incoming
 * routing, operational events): store it and fan it out. */
#ifndef HL_PUBLISH_H
#define HL_PUBLISH_H
#include <json-c/json.h>
#include "hl_config.h"
#include "hl_db.h"

/* The largest stored payload (its JSON text, slashes unescaped):
 * 6 x Web.MaxBodyBytes + 64 KiB. Any request body hookline accepts fits:
 * a text body becomes a JSON string in which a control character takes
 * six bytes (\u001f), and the incoming envelope around it stays under
 * 64 KiB. */
size_t hl_publish_payload_max(const struct hl_config *cfg);

/* payload: any JSON object (not consumed), at most
 * hl_publish_payload_max bytes as JSON text (HL_ERR_TOOLARGE, field
 * "payload", above). A string value holding a NUL is refused
 * (HL_ERR_INVALID, field "payload"); member names json-c has already cut
 * at a NUL when it parsed them, so a publisher that parses JSON text
 * checks that text with hl_json_text_has_nul first. idempotency_key may
 * be NULL.
 * *out: {"id", "event_type", "deliveries", "created_at", "duplicate"}. */
hl_err hl_publish(struct hl_db *db, const char *account_id, const char *event_type,
	json_object *payload, const char *idempotency_key, json_object **out);

#endif
