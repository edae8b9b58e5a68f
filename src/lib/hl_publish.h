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
 * be NULL; an event already stored under it is answered (duplicate
 * true) before the type is looked up, so a retry gets its result even
 * after the type's schema changed or the type left the catalog.
 * flags: HL_PUBLISH_SAME_REQUEST for publishers that repeat their own
 * request (API, CLI): the key then also stands for the event_type and the
 * payload (by value), and another one is HL_ERR_UNPROCESSABLE, reason
 * "idempotency_key_reused", field "idempotency_key". Without it (incoming
 * webhooks: each copy of a provider's delivery gets a fresh envelope) the
 * key alone decides.
 * *out: {"id", "event_type", "deliveries", "created_at", "duplicate"}. */
enum {
	HL_PUBLISH_SAME_REQUEST = 1u << 0,
};
hl_err hl_publish(struct hl_db *db, const char *account_id, const char *event_type,
	json_object *payload, const char *idempotency_key, unsigned flags, json_object **out);

#endif
