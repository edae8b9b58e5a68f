/* hl_rekey.c: the rekey pass over every sealed column (hl_rekey.h), and
 * over the one column whose rows from before it was sealed are sealed
 * by the pass (endpoints.headers_json, migration 020).
 * Each column is read in primary-key order, HL_REKEY_CHUNK rows at a
 * time, without locks; a value the previous key opens is sealed with the
 * new one and written back only if the row still holds what was read
 * (compared as bytes), so a secret rotated meanwhile through the API is
 * never overwritten with an older one. Every write is its own short
 * statement: the pass can run beside the web app and the runners. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hl_crypto.h"
#include "hl_rekey.h"
#include "hl_util.h"

#define STR(x) #x
#define XSTR(x) STR(x)

struct sealed_column {
	const char *name;       /* table.column */
	int nkeys;              /* primary key columns, first in read_sql's rows */
	const char *read_sql;   /* after the cursor: key column(s), then the value */
	const char *write_sql;  /* new value, the key column(s), the value read */
	int plain;              /* the value is stored unsealed: seal it as it is */
};

/* A table keyed by one id column. An empty value is no secret (an OAuth
 * refusal keeps token_sealed = ''); NULL is none. */
#define ONE_KEY(t, k, c) { t "." c, 1, \
	"SELECT " k ", " c " FROM " t " WHERE " k " > ? AND " c " <> '' " \
	"ORDER BY " k " LIMIT " XSTR(HL_REKEY_CHUNK), \
	"UPDATE " t " SET " c " = ? WHERE " k " = ? AND " c " = BINARY ?" }

static const struct sealed_column columns[HL_SEALED__MAX] = {
	[HL_SEALED_ENDPOINT_SECRET] = ONE_KEY("endpoints", "id", "secret_sealed"),
	[HL_SEALED_ENDPOINT_PREV_SECRET] = ONE_KEY("endpoints", "id", "prev_secret_sealed"),
	[HL_SEALED_ENDPOINT_AUTH] = ONE_KEY("endpoints", "id", "auth_sealed"),
	[HL_SEALED_ENDPOINT_ENCRYPTION] = ONE_KEY("endpoints", "id", "encryption_key_sealed"),
	[HL_SEALED_ENDPOINT_ED25519] = ONE_KEY("endpoints", "id", "ed25519_sealed"),
	[HL_SEALED_ENDPOINT_HEADERS] = ONE_KEY("endpoints", "id", "headers_sealed"),
	/* Custom headers stored before migration 020 (or since, by hand):
	 * sealed into headers_sealed, headers_json cleared, in one
	 * compare-and-set on the plaintext read. After headers_sealed, so a
	 * value sealed here is not counted again. */
	[HL_SEALED_ENDPOINT_HEADERS_PLAIN] = { "endpoints.headers_json", 1,
		"SELECT id, headers_json FROM endpoints WHERE id > ? AND headers_json IS NOT NULL "
		"ORDER BY id LIMIT " XSTR(HL_REKEY_CHUNK),
		"UPDATE endpoints SET headers_sealed = ?, headers_json = NULL WHERE id = ? "
		"AND headers_json = BINARY ?", 1 },
	[HL_SEALED_OAUTH_TOKEN] = ONE_KEY("endpoint_tokens", "endpoint_id", "token_sealed"),
	[HL_SEALED_SOURCE_SECRET] = ONE_KEY("sources", "id", "secret_sealed"),
	[HL_SEALED_SOURCE_PREV_SECRET] = ONE_KEY("sources", "id", "prev_secret_sealed"),
	/* Keyed by (account_id, idem_key). A reservation (status 0) holds a
	 * token in response, not a sealed answer. */
	[HL_SEALED_IDEMPOTENT_ANSWER] = { "idempotency_keys.response", 2,
		"SELECT account_id, idem_key, response FROM idempotency_keys "
		"WHERE (account_id > ? OR (account_id = ? AND idem_key > ?)) "
		"AND status <> 0 AND response <> '' "
		"ORDER BY account_id, idem_key LIMIT " XSTR(HL_REKEY_CHUNK),
		"UPDATE idempotency_keys SET response = ? WHERE account_id = ? "
		"AND idem_key = ? AND status <> 0 AND response = BINARY ?" },
	/* A secret the dashboard shows once, for a few minutes after it was
	 * made: short-lived, but a secret sealed with the old key all the same. */
	[HL_SEALED_PAGE_REVEAL] = ONE_KEY("page_reveals", "id", "payload_sealed"),
};

const char *
hl_sealed_name(enum hl_sealed s)
{
	return s >= 0 && s < HL_SEALED__MAX ? columns[s].name : "?";
}

int
hl_sealed_plain(enum hl_sealed s)
{
	return s >= 0 && s < HL_SEALED__MAX && columns[s].plain;
}

/* What one key opens: 1 yes, 0 no, -1 an error other than a value it
 * does not open (out of memory). */
static int
opens_with(const unsigned char key[32], const char *sealed, char **plain)
{
	hl_err rc = hl_unseal(key, sealed, plain);

	if (rc == HL_ERR_CRYPTO)
		return 0;
	return rc ? -1 : 1;
}

/* Open one sealed value: 1 *plain holds it (the previous key sealed it),
 * 0 counted and done (current, or unreadable), -1 an error. */
static int
open_value(const struct hl_config *cfg, const char *value, struct hl_rekey_count *n,
	int *unreadable, char **plain)
{
	int r;

	r = opens_with(cfg->master_key, value, plain);
	if (r == 1) {
		hl_secret_free(*plain);
		*plain = NULL;
		n->current++;
		return 0;
	}
	if (r == 0 && cfg->has_prev_master_key)
		r = opens_with(cfg->prev_master_key, value, plain);
	if (r == 0) {
		n->unreadable++;
		*unreadable = 1;
	}
	return r;
}

/* One value: count it, and seal it again if the previous key sealed it
 * (a plain column's: seal it). */
static hl_err
rekey_value(struct hl_db *db, const struct hl_config *cfg, const struct sealed_column *c,
	char *const keys[2], const char *value, int dry_run, struct hl_rekey_count *n,
	int *unreadable)
{
	unsigned long long affected = 0;
	char *plain = NULL, *sealed = NULL;
	hl_err rc;
	int r;

	*unreadable = 0;
	if (!c->plain) {
		r = open_value(cfg, value, n, unreadable, &plain);
		if (r < 0)
			return hl_errcode();
		if (r == 0)
			return HL_OK;
	}
	if (dry_run) {
		hl_secret_free(plain);
		n->rekeyed++;
		return HL_OK;
	}
	rc = hl_seal(cfg->master_key, c->plain ? value : plain, &sealed);
	hl_secret_free(plain);
	if (rc)
		return rc;
	if (c->nkeys == 1)
		rc = hl_db_exec(db, &affected, c->write_sql, "sss", sealed, keys[0], value);
	else
		rc = hl_db_exec(db, &affected, c->write_sql, "ssss", sealed, keys[0], keys[1],
			value);
	free(sealed);
	if (rc)
		return rc;
	if (affected)
		n->rekeyed++;
	else
		n->changed++;
	return HL_OK;
}

static void
free_keys(char *keys[2])
{
	free(keys[0]);
	free(keys[1]);
	keys[0] = keys[1] = NULL;
}

/* One column, chunk by chunk. Each chunk's rows are copied out before
 * any of them is written: the next read starts after the last key. */
static hl_err
rekey_column(struct hl_db *db, const struct hl_config *cfg, enum hl_sealed s, int dry_run,
	hl_rekey_unreadable_fn unreadable_fn, void *arg, struct hl_rekey_count *n)
{
	const struct sealed_column *c = &columns[s];
	char *cursor[2] = { NULL, NULL };
	struct rekey_row { char *keys[2]; char *value; } *rows;
	size_t nrows, i;
	struct hl_stmt *st = NULL;
	hl_err rc;
	int k, f = 0, bad;

	rows = calloc(HL_REKEY_CHUNK, sizeof(*rows));
	if (!rows)
		return hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
	rc = hl_stmt_new(db, c->read_sql, &st);
	for (;;) {
		if (rc)
			break;
		hl_stmt_str(st, 0, cursor[0] ? cursor[0] : "");
		if (c->nkeys == 2) {
			hl_stmt_str(st, 1, cursor[0] ? cursor[0] : "");
			hl_stmt_str(st, 2, cursor[1] ? cursor[1] : "");
		}
		rc = hl_stmt_exec(st);
		if (rc)
			break;
		for (nrows = 0; nrows < HL_REKEY_CHUNK && (f = hl_stmt_fetch(st)) == 1; nrows++) {
			for (k = 0; k < c->nkeys; k++)
				rows[nrows].keys[k] = strndup(hl_stmt_col(st, (unsigned)k),
					hl_stmt_collen(st, (unsigned)k));
			rows[nrows].value = strndup(hl_stmt_col(st, (unsigned)c->nkeys),
				hl_stmt_collen(st, (unsigned)c->nkeys));
			if (!rows[nrows].keys[0] || (c->nkeys == 2 && !rows[nrows].keys[1]) ||
			    !rows[nrows].value) {
				nrows++;
				rc = hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
				break;
			}
		}
		if (!rc && f < 0)
			rc = hl_errcode();      /* hl_stmt_fetch said what */
		for (i = 0; !rc && i < nrows; i++) {
			rc = rekey_value(db, cfg, c, rows[i].keys, rows[i].value, dry_run, n, &bad);
			if (!rc && bad && unreadable_fn)
				unreadable_fn(s, rows[i].keys[0], arg);
		}
		if (!rc && nrows) {
			free_keys(cursor);
			cursor[0] = rows[nrows - 1].keys[0];
			cursor[1] = rows[nrows - 1].keys[1];
			rows[nrows - 1].keys[0] = rows[nrows - 1].keys[1] = NULL;
		}
		for (i = 0; i < nrows; i++) {
			free_keys(rows[i].keys);
			hl_secret_free(rows[i].value);
		}
		if (rc || nrows < HL_REKEY_CHUNK)
			break;
	}
	hl_stmt_free(st);
	free_keys(cursor);
	free(rows);
	return rc;
}

hl_err
hl_rekey_run(struct hl_db *db, const struct hl_config *cfg, int dry_run,
	hl_rekey_unreadable_fn unreadable, void *arg, struct hl_rekey_count counts[HL_SEALED__MAX])
{
	hl_err rc = HL_OK;
	int s;

	memset(counts, 0, sizeof(counts[0]) * HL_SEALED__MAX);
	for (s = 0; s < HL_SEALED__MAX && !rc; s++)
		rc = rekey_column(db, cfg, (enum hl_sealed)s, dry_run, unreadable, arg, &counts[s]);
	return rc;
}
