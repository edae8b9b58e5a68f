/* hl_sources.h: incoming webhook sources (where third parties post, and
 * how their requests are verified) and the log of the requests they
 * received (incoming_requests). The receiving itself is hl_incoming.h. */
#ifndef HL_SOURCES_H
#define HL_SOURCES_H
#include <json-c/json.h>
#include "hl_config.h"
#include "hl_crypto.h"
#include "hl_db.h"

/* How a source's requests prove where they come from. */
enum hl_verify {
	HL_VERIFY_STANDARD,   /* Standard Webhooks (webhook-* or svix-* headers) */
	HL_VERIFY_GITHUB,     /* X-Hub-Signature-256: sha256=<hex> */
	HL_VERIFY_STRIPE,     /* Stripe-Signature: t=<ts>,v1=<hex> */
	HL_VERIFY_SHOPIFY,    /* X-Shopify-Hmac-Sha256: <base64> */
	HL_VERIFY_NONE,       /* no signature: only allowed_cidrs admits senders */
	HL_VERIFY__MAX
};

const char *hl_verify_name(enum hl_verify v);
/* HL_VERIFY__MAX when s names no scheme. */
enum hl_verify hl_verify_parse(const char *s);

#define HL_SLUG_MAX 64
#define HL_SOURCE_SECRET_MAX 255
#define HL_INCOMING_BODY_KEPT 65536   /* bytes of each body kept in the log */
#define HL_TYPE_MAP_MAX 100           /* entries of a type_map */
#define HL_TYPE_MAP_KEY_MAX 128       /* bytes of a provider event name in it */
#define HL_TYPE_MAP_VALUE_MAX 128     /* bytes of an event type name */
/* How long a rotated-out secret may keep verifying (as an endpoint's). */

/* What a caller may set. NULL / -1 mean "leave as is" on update (and the
 * default on create). allowed_cidrs "" and rate_limit 0 clear; a type_map
 * with no members clears. */
struct hl_source_spec {
	const char *slug;            /* default on create: generated */
	const char *name;
	const char *verify;          /* required on create */
	const char *secret;          /* standard: generated when absent */
	const char *event_type;      /* default integration.webhook_received */
	json_object *type_map;       /* {"provider event": "event type"} */
	const char *allowed_cidrs;
	long tolerance_s;
	long rate_limit;             /* requests per minute */
	int enabled;
};

/* Everything the receiving side needs; hl_source_clear wipes the secret. */
struct hl_source {
	char id[HL_ID_MAX];
	char account_id[HL_ID_MAX];
	char slug[HL_SLUG_MAX + 1];
	enum hl_verify verify;
	char *secret;                /* NULL for HL_VERIFY_NONE */
	char *prev_secret;           /* the rotated-out one while its grace runs, else NULL */
	char event_type[129];
	json_object *type_map;       /* NULL when none */
	char *allowed_cidrs;         /* NULL: any address */
	long tolerance_s;
	long rate_limit;             /* 0: none */
	int enabled;
};

/* The source at slug, secret unsealed. HL_ERR_NOTFOUND when none. */
hl_err hl_source_by_slug(struct hl_db *db, const struct hl_config *cfg, const char *slug,
	struct hl_source *out);
void hl_source_clear(struct hl_source *s);

/* *out is the source as JSON; on create (and when an update generated a
 * new one) it includes "secret", the only time it is shown. */
hl_err hl_source_create(struct hl_db *db, const struct hl_config *cfg,
	const char *account_id, const struct hl_source_spec *spec, json_object **out);
hl_err hl_source_get(struct hl_db *db, const char *account_id, const char *id,
	json_object **out);
/* *changed is 0 when the update left the source as it was (nothing is
 * written then): no audit record is due. */
hl_err hl_source_update(struct hl_db *db, const struct hl_config *cfg,
	const char *account_id, const char *id, const struct hl_source_spec *spec,
	int *changed, json_object **out);
hl_err hl_source_delete(struct hl_db *db, const char *account_id, const char *id);
/* Make secret the source's current one and keep the one it replaces
 * verifying for grace_s seconds (0..HL_GRACE_MAX; 0 keeps
 * nothing), so requests the provider still signs with the old secret
 * are not refused while its side is changed. secret NULL: generated
 * (standard only; GitHub, Stripe and Shopify make the secret, so the
 * caller passes the provider's new one). Rotating again during a grace
 * period drops the older secret. HL_ERR_CONFLICT source_unsigned for
 * verify "none"; HL_ERR_INVALID secret_unchanged for the current secret.
 * *out as hl_source_get, with "secret" when one was generated. (An
 * update that sets a secret replaces it at once and ends any grace.) */
hl_err hl_source_rotate_secret(struct hl_db *db, const struct hl_config *cfg,
	const char *account_id, const char *id, const char *secret, long grace_s,
	json_object **out);
hl_err hl_source_list(struct hl_db *db, const char *account_id, int limit,
	const char *iterator, json_object **out);

/* One received request, as the log keeps it. */
struct hl_incoming_entry {
	const char *id;              /* "inc_..." */
	const char *client_addr;
	const char *headers_json;    /* credentials redacted */
	const char *body;            /* the whole body; the first HL_INCOMING_BODY_KEPT kept */
	size_t bodylen;
	const char *outcome;         /* "accepted", "duplicate", "rejected" */
	const char *error_code;      /* NULL unless rejected */
	const char *error_message;
	const char *verified_with;   /* "current", "previous", or NULL: not verified */
	const char *provider_event;
	const char *dedupe_key;
	const char *event_type;
	const char *event_id;
};
hl_err hl_incoming_log(struct hl_db *db, const struct hl_source *src,
	const struct hl_incoming_entry *e);
/* Newest first; source_id and outcome may be NULL (all); since_ms > 0:
 * only requests received since then (as hl_incoming_counts counts). */
hl_err hl_incoming_list(struct hl_db *db, const char *account_id, const char *source_id,
	const char *outcome, long long since_ms, int limit, const char *iterator,
	json_object **out);
/* Requests the account's sources received since unix time since_ms:
 * {"received", "accepted", "duplicate", "rejected"}. */
hl_err hl_incoming_counts(struct hl_db *db, const char *account_id, long long since_ms,
	json_object **out);
/* One request with its headers and body. */
hl_err hl_incoming_get(struct hl_db *db, const char *account_id, const char *id,
	json_object **out);

#endif
