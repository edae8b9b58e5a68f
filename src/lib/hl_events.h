/* hl_events.h: the read side of events: recent events with search, and
 * one event with the deliveries it produced. (Writing is hl_publish.) */
#ifndef HL_EVENTS_H
#define HL_EVENTS_H
#include <json-c/json.h>
#include "hl_db.h"

struct hl_event_filter {
	const char *event_type;     /* exact name, or "fam.*" */
	const char *endpoint_id;    /* events that produced a delivery to it */
	const char *since;          /* SQL time (hl_time_to_sql) */
	const char *until;
};

/* {"data": [{"id", "event_type", "created_at", "payload", "deliveries"}],
 * "iterator", "done"}, newest first; "deliveries" counts the event's
 * deliveries to f->endpoint_id when set, else to every endpoint. */
hl_err hl_event_list(struct hl_db *db, const char *account_id,
	const struct hl_event_filter *f, int limit, const char *iterator, json_object **out);
/* One event with "payload" and "deliveries" (each with status, attempts,
 * webhook_id, url). */
hl_err hl_event_get(struct hl_db *db, const char *account_id, const char *id,
	json_object **out);

#endif
