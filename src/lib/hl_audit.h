/* hl_audit.h: the audit log (audit_log): who changed what, when, and
 * from which address. Written by every state-changing API action. */
#ifndef HL_AUDIT_H
#define HL_AUDIT_H
#include <json-c/json.h>
#include "hl_accounts.h"
#include "hl_db.h"

/* action: "webhook.create", "delivery.retry", ...; object_id may be NULL;
 * detail: optional JSON object (not consumed; never put secrets in it).
 * A detail larger than the column (64 KB of JSON text) is recorded cut:
 * members over 1 KB become the start of their JSON text, and a
 * "(truncated)" member gives the whole's size and the members cut. */
hl_err hl_audit_write(struct hl_db *db, const struct hl_principal *who,
	const char *client_addr, const char *action, const char *object_id,
	json_object *detail);
/* {"data": [...], "iterator", "done"}, newest first; action and object_id
 * filter when not NULL. */
hl_err hl_audit_list(struct hl_db *db, const char *account_id, const char *action,
	const char *object_id, int limit, const char *iterator, json_object **out);

#endif
