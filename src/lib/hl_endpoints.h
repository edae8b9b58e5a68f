/* hl_endpoints.h: webhook endpoints (where deliveries go) and their
 * subscriptions (which event types they receive). */
#ifndef HL_ENDPOINTS_H
#define HL_ENDPOINTS_H
#include <json-c/json.h>
#include "hl_config.h"
#include "hl_crypto.h"
#include "hl_db.h"

/* What a caller may set. NULL / -1 members mean "leave as is" on update;
 * on create url is required and event_types defaults to none. */
struct hl_endpoint_spec {
	const char *url;
	const char *description;
	const char *method;          /* "POST" or "PUT" */
	json_object *event_types;    /* array of strings: names, "fam.*", "*" */
	int enabled;                 /* 0, 1, or -1 */
	json_object *options;        /* delivery options (hl_endpoint_opts.h) or NULL */
};

/* Check an endpoint URL: http(s), a host, no credentials, <= 2048 bytes;
 * https only when require_https. HL_ERR_INVALID with field "url". */
hl_err hl_url_validate(const char *url, int require_https);
/* Check a subscription pattern exists in the catalog visible to account. */
hl_err hl_event_pattern_validate(struct hl_db *db, const char *account_id, const char *pattern);

/* Creates the endpoint and its subscriptions in one transaction. *out is the
 * endpoint as JSON including "secret" (the only time it is shown). */
hl_err hl_endpoint_create(struct hl_db *db, const struct hl_config *cfg,
	const char *account_id, const struct hl_endpoint_spec *spec, json_object **out);
/* The endpoint as JSON, its custom headers unsealed (cfg's keys). */
hl_err hl_endpoint_get(struct hl_db *db, const struct hl_config *cfg, const char *account_id,
	const char *id, json_object **out);
/* Applies the members spec sets. *changed: 0 when the endpoint would be
 * as it was (every member equal to the stored one, auth credentials
 * compared unsealed): then nothing is stored, updated_at included, and
 * *out is the endpoint as it is. */
hl_err hl_endpoint_update(struct hl_db *db, const struct hl_config *cfg,
	const char *account_id, const char *id, const struct hl_endpoint_spec *spec,
	int *changed, json_object **out);
hl_err hl_endpoint_delete(struct hl_db *db, const char *account_id, const char *id);
/* Which endpoints a list shows: all, the enabled ones failing now
 * (consecutive_failures > 0), the disabled ones. The dashboard's
 * overview counts the same sets. */
enum hl_endpoint_health { HL_HEALTH_ANY, HL_HEALTH_FAILING, HL_HEALTH_DISABLED,
	HL_HEALTH__MAX };
/* {"data": [...], "iterator", "done"}; iterator is the last id seen. */
hl_err hl_endpoint_list(struct hl_db *db, const char *account_id, int limit,
	const char *iterator, json_object **out);
hl_err hl_endpoint_list_health(struct hl_db *db, const char *account_id,
	enum hl_endpoint_health health, int limit, const char *iterator, json_object **out);

/* Replace the endpoint's subscriptions (inside the caller's transaction). */
hl_err hl_subscriptions_replace(struct hl_db *db, const char *account_id,
	const char *endpoint_id, json_object *event_types);

/* Management actions (API): enable / disable pauses or resumes the
 * endpoint's waiting deliveries in the same transaction. */
hl_err hl_endpoint_set_enabled(struct hl_db *db, const char *account_id, const char *id,
	int enabled);
/* New secret into secret_out (shown once); the old one keeps signing for
 * grace_s seconds (0..604800). */
hl_err hl_endpoint_rotate_secret(struct hl_db *db, const struct hl_config *cfg,
	const char *account_id, const char *id, long grace_s, char secret_out[HL_SECRET_MAX]);
/* Add (or re-filter) subscriptions; filter may be NULL (validated here). */
hl_err hl_subscriptions_add(struct hl_db *db, const char *account_id, const char *endpoint_id,
	json_object *event_types, json_object *filter);
/* Remove subscriptions; *removed counts rows deleted. */
hl_err hl_subscriptions_remove(struct hl_db *db, const char *account_id,
	const char *endpoint_id, json_object *event_types, int *removed);
/* [{"event_type", "filter"}] of one endpoint, ordered by event type. */
hl_err hl_subscriptions_list(struct hl_db *db, const char *account_id,
	const char *endpoint_id, json_object **out);
struct hl_job;
/* A job for a test send to the endpoint: same envelope, headers and
 * signing as a real delivery, a fresh event id, nothing stored. */
hl_err hl_endpoint_test_job(struct hl_db *db, const struct hl_config *cfg,
	const char *account_id, const char *id, const char *event_type, json_object *payload,
	struct hl_job *job);

#endif
