/* hl_rekey.h: sealing every stored secret again with a new master key.
 * A rotation sets Security.MasterKey to the new key and
 * Security.PreviousMasterKey to the old one everywhere, so every program
 * opens both (hl_config_unseal) and seals with the new; the rekey pass
 * then seals with the new key each value the old one sealed, after which
 * PreviousMasterKey can go. See operations.md, "Rotating the master key". */
#ifndef HL_REKEY_H
#define HL_REKEY_H
#include "hl_config.h"
#include "hl_db.h"

/* The sealed columns, in the order the pass visits them. */
enum hl_sealed {
	HL_SEALED_ENDPOINT_SECRET,      /* endpoints.secret_sealed */
	HL_SEALED_ENDPOINT_PREV_SECRET, /* endpoints.prev_secret_sealed */
	HL_SEALED_ENDPOINT_AUTH,        /* endpoints.auth_sealed */
	HL_SEALED_ENDPOINT_ENCRYPTION,  /* endpoints.encryption_key_sealed */
	HL_SEALED_ENDPOINT_ED25519,     /* endpoints.ed25519_sealed */
	HL_SEALED_ENDPOINT_HEADERS,     /* endpoints.headers_sealed */
	HL_SEALED_ENDPOINT_HEADERS_PLAIN, /* endpoints.headers_json: unsealed, from before 020 */
	HL_SEALED_OAUTH_TOKEN,          /* endpoint_tokens.token_sealed */
	HL_SEALED_SOURCE_SECRET,        /* sources.secret_sealed */
	HL_SEALED_SOURCE_PREV_SECRET,   /* sources.prev_secret_sealed */
	HL_SEALED_IDEMPOTENT_ANSWER,    /* idempotency_keys.response (answered ones) */
	HL_SEALED_PAGE_REVEAL,          /* page_reveals.payload_sealed (minutes old) */
	HL_SEALED__MAX
};

/* "table.column" */
const char *hl_sealed_name(enum hl_sealed s);

struct hl_rekey_count {
	long long current;     /* already sealed with Security.MasterKey */
	long long rekeyed;     /* sealed with the previous key (or, for a column stored
	                        * unsealed, not at all), now with the new (dry run: would be) */
	long long changed;     /* rewritten by someone else between read and write: not touched */
	long long unreadable;  /* opens with neither key: not touched */
};

/* Called for each value that opens with neither key: row is the row's
 * id (for an idempotent answer, its account's id); no secret. */
typedef void (*hl_rekey_unreadable_fn)(enum hl_sealed s, const char *row, void *arg);

/* Visit every sealed value in primary-key order, HL_REKEY_CHUNK rows per
 * read; each value sealed with Security.PreviousMasterKey is sealed
 * again with Security.MasterKey by a compare-and-set UPDATE of its own
 * (the row keeps any value written meanwhile), and so is each custom
 * headers object still stored unsealed (HL_SEALED_ENDPOINT_HEADERS_PLAIN,
 * also without a previous key). dry_run: count, write nothing.
 * Re-runnable: a second pass finds everything current. */
/* Whether s is a column of values stored unsealed (none are current). */
int hl_sealed_plain(enum hl_sealed s);
#define HL_REKEY_CHUNK 500
hl_err hl_rekey_run(struct hl_db *db, const struct hl_config *cfg, int dry_run,
	hl_rekey_unreadable_fn unreadable, void *arg, struct hl_rekey_count counts[HL_SEALED__MAX]);

#endif
