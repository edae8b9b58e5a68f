/* hl_publish.c: store an event and create one delivery per subscribed
 * endpoint, in one transaction, so an event is never half fanned out. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "hl_deliveries.h"
#include "hl_crypto.h"
#include "hl_event_types.h"
#include "hl_filter.h"
#include "hl_log.h"
#include "hl_publish.h"
#include "hl_schema.h"
#include "hl_util.h"

#define ESCAPED_MAX 6                  /* bytes of JSON text per body byte: \u001f */
#define ENVELOPE_MAX (64 * 1024)
/* A deadlock undoes the whole transaction, so it is run again as it was
 * (at most this many times in all) before the caller sees it. */
#define DEADLOCK_TRIES 3
/* Arrays and objects inside one another in a stored payload: what
 * MariaDB's JSON_VALID (the events.payload check) takes. */
#define PAYLOAD_LEVELS_MAX 31

size_t
hl_publish_payload_max(const struct hl_config *cfg)
{
	return ESCAPED_MAX * cfg->max_body + ENVELOPE_MAX;
}

/* The type must be in the catalog the account sees, and custom types may
 * carry a schema: a payload that does not fit is refused before anything
 * is stored. One lookup answers both. */
static hl_err
check_type(struct hl_db *db, const char *account_id, const char *type, json_object *payload)
{
	json_object *schema = NULL;
	hl_err rc;

	if (!*type || strlen(type) > 128 || strchr(type, '*'))
		return hl_fail(HL_ERR_INVALID, "event_type", "event_type must be an event type name");
	rc = hl_event_type_schema(db, account_id, type, &schema);
	if (!rc && schema) {
		rc = hl_schema_validate(schema, payload);
		if (rc == HL_ERR_UNPROCESSABLE)
			hl_errreason_set("schema_mismatch");
	}
	json_object_put(schema);
	return rc;
}

/* An earlier publish with the same key: answer with its result. Checked
 * before the catalog and the schema, so a retry of a publish that was
 * stored still gets its result after the type changed or went. With
 * HL_PUBLISH_SAME_REQUEST the key stands for one request: another
 * event_type or payload under it is refused, as Stripe refuses a key
 * reused with other parameters (the client has a bug, and answering the
 * first event's result would hide that the second was never stored). */
static hl_err
find_duplicate(struct hl_db *db, const char *account_id, const char *key,
	const char *type, json_object *payload, unsigned flags, json_object **out)
{
	struct hl_stmt *st;
	hl_err rc;
	int found;

	rc = hl_stmt_new(db, "SELECT ev.id, ev.event_type, " HL_SQL_TIME("ev.created_at") ", "
		"(SELECT COUNT(*) FROM deliveries d WHERE d.event_id = ev.id), ev.payload "
		"FROM events ev WHERE ev.account_id = ? AND ev.idempotency_key = ?", &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, account_id);
	hl_stmt_str(st, 1, key);
	rc = hl_stmt_first(st, &found);
	if (!rc && found && (flags & HL_PUBLISH_SAME_REQUEST)) {
		/* The type byte for byte, as the catalog names types; the
		 * payload by value (the stored text is what json-c wrote for
		 * the first request's; members in any order, 1.0 as 1): a
		 * client that rebuilt the same object differently is still
		 * repeating itself. */
		if (strcmp(hl_stmt_col(st, 1), type) != 0) {
			rc = hl_fail(HL_ERR_UNPROCESSABLE, "idempotency_key", "this idempotency_key "
				"was used for an event of another event_type");
			hl_errreason_set("idempotency_key_reused");
		} else if (!hl_json_text_equal(hl_stmt_col(st, 4), payload)) {
			rc = hl_fail(HL_ERR_UNPROCESSABLE, "idempotency_key", "this idempotency_key "
				"was used for an event with another payload");
			hl_errreason_set("idempotency_key_reused");
		}
	}
	if (!rc && found) {
		*out = json_object_new_object();
		hl_json_add_str(*out, "id", hl_stmt_col(st, 0));
		hl_json_add_str(*out, "event_type", hl_stmt_col(st, 1));
		hl_json_add_int(*out, "deliveries", hl_stmt_colint(st, 3));
		hl_json_add_str(*out, "created_at", hl_stmt_col(st, 2));
		hl_json_add_bool(*out, "duplicate", 1);
	}
	hl_stmt_free(st);
	return rc;
}

/* The stored event's created_at (the database's clock, as every list
 * and filter uses), for the answer. */
static hl_err
created_at(struct hl_db *db, const char *event_id, char *out, size_t cap)
{
	struct hl_stmt *st;
	hl_err rc;

	rc = hl_stmt_new(db, "SELECT " HL_SQL_TIME("created_at") " FROM events WHERE id = ?", &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, event_id);
	rc = hl_stmt_row(st, "event", event_id);
	if (!rc)
		hl_strlcpy(out, hl_stmt_col(st, 0), cap);
	hl_stmt_free(st);
	return rc;
}

/* One delivery per endpoint whose subscriptions match the type and
 * whose payload filter (if any) accepts the payload. */
static hl_err
fan_out(struct hl_db *db, const char *account_id, const char *event_id,
	const char *type, json_object *payload, int *count)
{
	char family[140], endpoint[HL_ID_MAX], done[HL_ID_MAX] = "";
	/* The family is what comes before the first dot, as the catalog and
	 * the subscription check have it: "shop.*" covers "shop.order.paid". */
	const char *dot = strchr(type, '.'), *ftext;
	struct hl_stmt *st;
	int r, priority, pass, made;
	hl_err rc;

	*count = 0;
	if (dot)
		snprintf(family, sizeof(family), "%.*s.*", (int)(dot - type), type);
	else
		snprintf(family, sizeof(family), "%s", type);
	/* Ordered by endpoint: an endpoint subscribed by several patterns gets
	 * one delivery when any of its matching subscriptions accepts. */
	rc = hl_stmt_new(db, "SELECT e.id, e.priority, s.filter_json FROM subscriptions s "
		"JOIN endpoints e ON e.id = s.endpoint_id "
		"WHERE s.account_id = ? AND s.event_type IN (?, ?, '*') ORDER BY e.id", &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, account_id);
	hl_stmt_str(st, 1, type);
	hl_stmt_str(st, 2, family);
	rc = hl_stmt_exec(st);
	/* The result is stored client-side, so inserting while reading is fine. */
	while (!rc && (r = hl_stmt_fetch(st)) != 0) {
		if (r < 0) {
			rc = HL_ERR_DB;
			break;
		}
		hl_strlcpy(endpoint, hl_stmt_col(st, 0), sizeof(endpoint));
		if (!strcmp(endpoint, done))
			continue;
		ftext = hl_stmt_col(st, 2);
		pass = 1;
		if (ftext) {
			json_object *filter = json_tokener_parse(ftext);

			/* Filters are validated when stored; an unreadable one matches nothing. */
			pass = filter && hl_filter_match(filter, type, payload);
			json_object_put(filter);
		}
		if (!pass)
			continue;
		priority = (int)hl_stmt_colint(st, 1);
		rc = hl_delivery_insert(db, account_id, endpoint, event_id, type, priority, &made);
		if (!rc && made) {
			(*count)++;
			hl_strlcpy(done, endpoint, sizeof(done));
		}
	}
	hl_stmt_free(st);
	return rc;
}

/* The event and its deliveries, one transaction; undone on failure. */
static hl_err
store_event(struct hl_db *db, const char *account_id, const char *id, const char *event_type,
	const char *text, size_t len, const char *idempotency_key, json_object *payload,
	int *count, char *created, size_t created_cap)
{
	hl_err rc;

	rc = hl_db_begin(db);
	if (rc)
		return rc;
	rc = hl_db_exec(db, NULL, "INSERT INTO events (id, account_id, event_type, payload, "
		"idempotency_key) VALUES (?, ?, ?, ?, ?)", "ssszs", id, account_id, event_type,
		text, len, idempotency_key);
	if (!rc)
		rc = fan_out(db, account_id, id, event_type, payload, count);
	if (!rc)
		rc = created_at(db, id, created, created_cap);
	if (rc) {
		hl_db_rollback(db);
		return rc;
	}
	return hl_db_commit(db);
}

/* A deadlock's other transaction goes on when ours is undone; a
 * moment's pause (5 to 25 ms, more each time, jittered so two losers
 * do not meet again) lets it finish before ours runs again. */
static void
deadlock_pause(int tries)
{
	unsigned char r = 0;
	struct timespec ts;

	hl_random_bytes(&r, 1);
	ts.tv_sec = 0;
	ts.tv_nsec = (long)(tries * 5 + r % 16) * 1000000L;
	nanosleep(&ts, NULL);
}

hl_err
hl_publish(struct hl_db *db, const char *account_id, const char *event_type,
	json_object *payload, const char *idempotency_key, unsigned flags, json_object **out)
{
	char id[HL_ID_MAX], created[40];
	const char *text, *why;
	size_t len, max;
	int count = 0, tries;
	hl_err rc;

	*out = NULL;
	if (!json_object_is_type(payload, json_type_object))
		return hl_fail(HL_ERR_INVALID, "payload", "payload must be a JSON object");
	/* Here, not only at the API's input: the CLI, incoming webhooks and
	 * operational events publish too, and a schema or a filter would
	 * read a string cut short at its NUL. */
	if (hl_json_has_nul(payload))
		return hl_fail(HL_ERR_INVALID, "payload",
			"payload must not contain a NUL character (\\u0000)");
	/* The API's parser refuses these already; a payload built in C has
	 * not been through it, and MariaDB's events.payload check would
	 * refuse it with an error that is no one's to fix. */
	why = hl_json_value_problem(payload, PAYLOAD_LEVELS_MAX);
	if (why)
		return hl_fail(HL_ERR_INVALID, "payload", "payload cannot be stored as JSON: %s",
			why);
	if (idempotency_key && (!*idempotency_key || strlen(idempotency_key) > 255))
		return hl_fail(HL_ERR_INVALID, "idempotency_key",
			"idempotency_key must be 1 to 255 characters");
	if (idempotency_key) {
		rc = find_duplicate(db, account_id, idempotency_key, event_type, payload, flags, out);
		if (rc || *out)
			return rc;
	}
	rc = check_type(db, account_id, event_type, payload);
	if (rc)
		return rc;
	/* Stored without json-c's "\/": a body of URLs would double for
	 * nothing (the runner parses this text and serializes it again, valid
	 * JSON either way). The limit follows Web.MaxBodyBytes, so raising
	 * that admits more. */
	text = json_object_to_json_string_length(payload, HL_JSON_COMPACT, &len);
	max = hl_publish_payload_max(hl_db_config(db));
	if (len > max)
		return hl_fail(HL_ERR_TOOLARGE, "payload", "payload is larger than %zu bytes as JSON "
			"(6 x Web.MaxBodyBytes + 64 KiB)", max);
	rc = hl_id_new("evt", id);
	if (rc)
		return rc;
	for (tries = 1;; tries++) {
		rc = store_event(db, account_id, id, event_type, text, len, idempotency_key,
			payload, &count, created, sizeof(created));
		if (rc != HL_ERR_UNAVAILABLE || !hl_db_deadlocked() || tries == DEADLOCK_TRIES)
			break;
		hl_log(HL_LOG_WARN, "publish %s: deadlock, running its transaction again (%d of %d)",
			id, tries + 1, DEADLOCK_TRIES);
		deadlock_pause(tries);
	}
	/* Lost a race with the same key: the winner's result stands. */
	if (rc == HL_ERR_CONFLICT && idempotency_key) {
		rc = find_duplicate(db, account_id, idempotency_key, event_type, payload,
			flags, out);
		if (!rc && !*out)
			rc = hl_fail(HL_ERR_CONFLICT, "idempotency_key", "conflict, try again");
		return rc;
	}
	if (rc)
		return rc;
	*out = json_object_new_object();
	hl_json_add_str(*out, "id", id);
	hl_json_add_str(*out, "event_type", event_type);
	hl_json_add_int(*out, "deliveries", count);
	hl_json_add_str(*out, "created_at", created);
	hl_json_add_bool(*out, "duplicate", 0);
	return HL_OK;
}
