/* hl_sources.c: the SQL of incoming sources and of the incoming request
 * log. Secrets are sealed with the master key before they reach the
 * database and are never part of a source's JSON after creation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hl_endpoints.h"
#include "hl_log.h"
#include "hl_sources.h"
#include "hl_ssrf.h"
#include "hl_util.h"

#define NAME_MAX_LEN 200
#define CIDRS_MAX_LEN 1000
#define DEFAULT_TYPE "integration.webhook_received"

/* type_map is TEXT (65535 bytes): the longest map, every key character
 * escaped to two (event type names need no escaping), must fit, or a
 * valid one would fail on the column with a 500. */
_Static_assert(2 + HL_TYPE_MAP_MAX * (2 * HL_TYPE_MAP_KEY_MAX + HL_TYPE_MAP_VALUE_MAX + 6) <= 65535,
	"type_map holds the longest map");

static const char *const verify_names[HL_VERIFY__MAX] = {
	[HL_VERIFY_STANDARD] = "standard",
	[HL_VERIFY_GITHUB] = "github",
	[HL_VERIFY_STRIPE] = "stripe",
	[HL_VERIFY_SHOPIFY] = "shopify",
	[HL_VERIFY_NONE] = "none",
};

const char *
hl_verify_name(enum hl_verify v)
{
	return v < HL_VERIFY__MAX ? verify_names[v] : "";
}

enum hl_verify
hl_verify_parse(const char *s)
{
	int i;

	for (i = 0; s && i < HL_VERIFY__MAX; i++)
		if (!strcmp(s, verify_names[i]))
			return (enum hl_verify)i;
	return HL_VERIFY__MAX;
}

/* ------------------------------------------------------------------ */
/* Validation */

static hl_err
slug_validate(const char *s)
{
	size_t n = strlen(s);

	if (n < 3 || n > HL_SLUG_MAX || strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-_") != n ||
	    s[0] == '-' || s[0] == '_')
		return hl_fail(HL_ERR_INVALID, "slug", "slug must be 3 to %d characters of a-z, 0-9, "
			"- and _, starting with a letter or digit", HL_SLUG_MAX);
	return HL_OK;
}

static hl_err
secret_validate(enum hl_verify v, const char *secret)
{
	size_t n = strlen(secret);

	if (v == HL_VERIFY_NONE)
		return hl_fail(HL_ERR_INVALID, "secret", "a source with verify \"none\" takes no secret");
	if (v == HL_VERIFY_STANDARD) {
		if (!hl_webhook_secret_valid(secret))
			return hl_fail(HL_ERR_INVALID, "secret", "a standard secret is whsec_ followed by "
				"the base64 of 24 to 64 bytes (leave it out to have one generated)");
		return HL_OK;
	}
	if (n < 1 || n > HL_SOURCE_SECRET_MAX)
		return hl_fail(HL_ERR_INVALID, "secret", "secret must be 1 to %d characters",
			HL_SOURCE_SECRET_MAX);
	if (hl_has_control(secret, n))
		return hl_fail(HL_ERR_INVALID, "secret", "secret must not contain control characters");
	return HL_OK;
}

static hl_err
type_validate(struct hl_db *db, const char *account_id, const char *field, const char *type)
{
	char message[512];
	hl_err rc;

	if (strchr(type, '*'))
		return hl_fail(HL_ERR_INVALID, field, "%s must be one event type, not a wildcard", field);
	rc = hl_event_pattern_validate(db, account_id, type);
	if (rc && hl_errfield() && strcmp(hl_errfield(), field)) {
		/* Same check, this resource's field name. */
		hl_strlcpy(message, hl_errmsg(), sizeof(message));
		rc = hl_fail(rc, field, "%s", message);
	}
	return rc;
}

static hl_err
type_map_validate(struct hl_db *db, const char *account_id, json_object *map)
{
	hl_err rc;

	if (!json_object_is_type(map, json_type_object))
		return hl_fail(HL_ERR_INVALID, "type_map", "type_map must be an object of "
			"\"provider event\": \"event type\"");
	if (json_object_object_length(map) > HL_TYPE_MAP_MAX)
		return hl_fail(HL_ERR_INVALID, "type_map", "type_map has more than %d entries",
			HL_TYPE_MAP_MAX);
	json_object_object_foreach(map, k, v) {
		size_t n = strlen(k);

		if (n < 1 || n > HL_TYPE_MAP_KEY_MAX || !hl_utf8_valid(k, n))
			return hl_fail(HL_ERR_INVALID, "type_map", "type_map keys must be 1 to %d "
				"characters", HL_TYPE_MAP_KEY_MAX);
		/* No sender's event name has them (a header's value loses its
		 * outer spaces), and the dashboard's one line per entry could not
		 * show them: a save there would change the key. */
		if (hl_has_control(k, n) || k[0] == ' ' || k[n - 1] == ' ')
			return hl_fail(HL_ERR_INVALID, "type_map", "type_map keys must not start or "
				"end with a space or hold a control character (a line break, a tab...)");
		if (!json_object_is_type(v, json_type_string))
			return hl_fail(HL_ERR_INVALID, "type_map", "type_map values must be event type names");
		rc = type_validate(db, account_id, "type_map", json_object_get_string(v));
		if (rc)
			return rc;
	}
	return HL_OK;
}

/* What separates entries of an address list (as hl_cidr_parse_list splits). */
#define CIDR_SEPARATORS ", \t\r\n"

/* Does the stored list name any address? " " or "," lists none: taken
 * for a list it would admit no one, where docs/incoming.md promises that
 * an empty list admits any address. */
static int
cidrs_listed(const char *cidrs)
{
	return cidrs && cidrs[strspn(cidrs, CIDR_SEPARATORS)] != '\0';
}

/* In place: no separators at either end, so a list with no entries is
 * "" (stored as NULL: any address). */
static void
cidrs_trim(char *cidrs)
{
	size_t start = strspn(cidrs, CIDR_SEPARATORS), end = strlen(cidrs);

	while (end > start && strchr(CIDR_SEPARATORS, cidrs[end - 1]))
		end--;
	memmove(cidrs, cidrs + start, end - start);
	cidrs[end - start] = '\0';
}

static hl_err
cidrs_validate(const char *cidrs)
{
	struct hl_cidr list[HL_CIDR_MAX];
	int n;

	if (strlen(cidrs) > CIDRS_MAX_LEN)
		return hl_fail(HL_ERR_INVALID, "allowed_cidrs", "allowed_cidrs is longer than %d "
			"characters", CIDRS_MAX_LEN);
	if (hl_cidr_parse_list(cidrs, list, HL_CIDR_MAX, &n))
		return hl_fail(HL_ERR_INVALID, "allowed_cidrs", "allowed_cidrs: %s", hl_errmsg());
	return HL_OK;
}

/* ------------------------------------------------------------------ */
/* A source row as create and update assemble it. */

struct row {
	char slug[HL_SLUG_MAX + 1];
	char name[4 * NAME_MAX_LEN + 1];   /* characters of up to 4 bytes */
	enum hl_verify verify;
	char *secret;                /* plain, owned, wiped */
	int secret_generated;
	int secret_replaced;         /* set or made anew: any grace period ends */
	char event_type[129];
	char *type_map;              /* JSON text or NULL, owned */
	char cidrs[CIDRS_MAX_LEN + 1];
	long tolerance_s, rate_limit;
	int enabled;
};

static void
row_clear(struct row *w)
{
	hl_secret_free(w->secret);
	free(w->type_map);
	memset(w, 0, sizeof(*w));
}

static hl_err
set_secret(struct row *w, const char *secret)
{
	hl_secret_free(w->secret);
	w->secret = secret ? strdup(secret) : NULL;
	if (secret && !w->secret)
		return hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
	return HL_OK;
}

/* Lay spec over w (the current row, or defaults on create) and check
 * the result as a whole: a scheme change needs a fitting secret. */
static hl_err
merge(struct hl_db *db, const char *account_id, const struct hl_source_spec *spec,
	struct row *w, int create)
{
	enum hl_verify before = w->verify;
	char secret[HL_SECRET_MAX];
	hl_err rc;

	if (spec->slug) {
		rc = slug_validate(spec->slug);
		if (rc)
			return rc;
		hl_strlcpy(w->slug, spec->slug, sizeof(w->slug));
	}
	if (spec->name) {
		if (hl_utf8_chars(spec->name) > NAME_MAX_LEN)
			return hl_fail(HL_ERR_INVALID, "name", "name is longer than %d characters",
				NAME_MAX_LEN);
		hl_strlcpy(w->name, spec->name, sizeof(w->name));
	}
	if (spec->verify) {
		w->verify = hl_verify_parse(spec->verify);
		if (w->verify == HL_VERIFY__MAX)
			return hl_fail(HL_ERR_INVALID, "verify",
				"verify must be standard, github, stripe, shopify or none");
	} else if (create) {
		return hl_fail(HL_ERR_INVALID, "verify", "verify is required");
	}
	if (spec->event_type) {
		rc = type_validate(db, account_id, "event_type", spec->event_type);
		if (rc)
			return rc;
		hl_strlcpy(w->event_type, spec->event_type, sizeof(w->event_type));
	}
	if (spec->type_map) {
		free(w->type_map);
		w->type_map = NULL;
		rc = type_map_validate(db, account_id, spec->type_map);
		if (rc)
			return rc;
		if (json_object_object_length(spec->type_map) > 0) {
			w->type_map = strdup(json_object_to_json_string_ext(spec->type_map,
				JSON_C_TO_STRING_PLAIN));
			if (!w->type_map)
				return hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
		}
	}
	if (spec->allowed_cidrs) {
		rc = cidrs_validate(spec->allowed_cidrs);
		if (rc)
			return rc;
		hl_strlcpy(w->cidrs, spec->allowed_cidrs, sizeof(w->cidrs));
	}
	if (spec->tolerance_s >= 0) {
		if (spec->tolerance_s < 30 || spec->tolerance_s > 86400)
			return hl_fail(HL_ERR_INVALID, "tolerance_seconds",
				"tolerance_seconds must be 30 to 86400");
		w->tolerance_s = spec->tolerance_s;
	}
	if (spec->rate_limit >= 0) {
		if (spec->rate_limit > 1000000)
			return hl_fail(HL_ERR_INVALID, "rate_limit",
				"rate_limit must be 0 (none) to 1000000 requests per minute");
		w->rate_limit = spec->rate_limit;
	}
	if (spec->enabled >= 0)
		w->enabled = spec->enabled;

	if (spec->secret) {
		rc = secret_validate(w->verify, spec->secret);
		if (!rc)
			rc = set_secret(w, spec->secret);
		if (rc)
			return rc;
		w->secret_replaced = 1;
	} else if (create || w->verify != before) {
		w->secret_replaced = 1;
		switch (w->verify) {
		case HL_VERIFY_STANDARD:
			rc = hl_webhook_secret_new(secret);
			if (!rc)
				rc = set_secret(w, secret);
			memset(secret, 0, sizeof(secret));
			if (rc)
				return rc;
			w->secret_generated = 1;
			break;
		case HL_VERIFY_NONE:
			set_secret(w, NULL);
			break;
		default:
			return hl_fail(HL_ERR_INVALID, "secret", "secret is required for verify \"%s\" "
				"(the signing secret the sender shows you)", hl_verify_name(w->verify));
		}
	}
	cidrs_trim(w->cidrs);
	if (w->verify == HL_VERIFY_NONE && !*w->cidrs)
		return hl_fail(HL_ERR_INVALID, "allowed_cidrs", "a source with verify \"none\" must "
			"list the sender's addresses in allowed_cidrs");
	return HL_OK;
}

#define SOURCE_COLUMNS "s.id, s.slug, s.name, s.verify, s.event_type, s.type_map, " \
	"s.allowed_cidrs, s.tolerance_s, NULLIF(s.rate_limit, 0), s.enabled, " \
	HL_SQL_TIME("s.created_at") ", " HL_SQL_TIME("s.updated_at") ", " \
	"(SELECT " HL_SQL_TIME("q.received_at") " FROM incoming_requests q " \
	"WHERE q.source_id = s.id ORDER BY q.id DESC LIMIT 1), " \
	"IF(s.prev_secret_expires_at > NOW(3), " HL_SQL_TIME("s.prev_secret_expires_at") ", NULL)"

static json_object *
source_json(struct hl_stmt *st)
{
	json_object *o = json_object_new_object();
	const char *map = hl_stmt_col(st, 5);
	char path[HL_BASE_PATH_MAX + HL_SLUG_MAX + 32];

	hl_json_add_str(o, "id", hl_stmt_col(st, 0));
	hl_json_add_str(o, "slug", hl_stmt_col(st, 1));
	/* The path senders post to, under Web.BasePath. */
	snprintf(path, sizeof(path), "%s/webhooks/incoming/%s", hl_stmt_config(st)->base_path,
		hl_stmt_col(st, 1));
	hl_json_add_str(o, "path", path);
	hl_json_add_str(o, "name", hl_stmt_col(st, 2));
	hl_json_add_str(o, "verify", hl_stmt_col(st, 3));
	hl_json_add_str(o, "event_type", hl_stmt_col(st, 4));
	json_object_object_add(o, "type_map", map ? json_tokener_parse(map) : NULL);
	hl_json_add_str(o, "allowed_cidrs", cidrs_listed(hl_stmt_col(st, 6)) ? hl_stmt_col(st, 6) :
		NULL);
	hl_json_add_int(o, "tolerance_seconds", hl_stmt_colint(st, 7));
	hl_stmt_json_int(o, "rate_limit", st, 8);
	hl_json_add_bool(o, "enabled", (int)hl_stmt_colint(st, 9));
	hl_json_add_str(o, "created_at", hl_stmt_col(st, 10));
	hl_json_add_str(o, "updated_at", hl_stmt_col(st, 11));
	hl_json_add_str(o, "last_received_at", hl_stmt_col(st, 12));
	/* Until then the rotated-out secret verifies too (never shown). */
	hl_json_add_str(o, "previous_secret_expires_at", hl_stmt_col(st, 13));
	return o;
}

hl_err
hl_source_get(struct hl_db *db, const char *account_id, const char *id, json_object **out)
{
	struct hl_stmt *st;
	hl_err rc;

	*out = NULL;
	rc = hl_stmt_new(db, "SELECT " SOURCE_COLUMNS " FROM sources s "
		"WHERE s.id = ? AND s.account_id = ?", &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, id);
	hl_stmt_str(st, 1, account_id);
	rc = hl_stmt_row(st, "source", id);
	if (!rc)
		*out = source_json(st);
	hl_stmt_free(st);
	return rc;
}

hl_err
hl_source_list(struct hl_db *db, const char *account_id, int limit, const char *iterator,
	json_object **out)
{
	struct hl_stmt *st;
	hl_err rc;

	*out = NULL;
	rc = hl_stmt_new(db, "SELECT " SOURCE_COLUMNS " FROM sources s "
		"WHERE s.account_id = ? AND s.id > ? ORDER BY s.id LIMIT ?", &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, account_id);
	hl_stmt_str(st, 1, iterator ? iterator : "");
	hl_stmt_int(st, 2, limit + 1);
	rc = hl_stmt_page(st, limit, 0, source_json, out);
	hl_stmt_free(st);
	return rc;
}

/* Two type_map texts alike: the same text, or the same members. */
static int
same_type_map(const char *a, const char *b)
{
	json_object *y;
	int same;

	if (!a || !b)
		return a == b;
	if (!strcmp(a, b))
		return 1;
	y = json_tokener_parse(b);
	same = y && hl_json_text_equal(a, y);
	json_object_put(y);
	return same;
}

/* Whether merging left the row as it was. A secret given, or made anew
 * for a new scheme, is always a change: the caller meant it (it ends a
 * grace period), and GET never shows one that a client could be
 * sending back. */
static int
row_unchanged(const struct row *was, const struct row *w)
{
	return !w->secret_replaced && !strcmp(was->slug, w->slug) &&
		!strcmp(was->name, w->name) && was->verify == w->verify &&
		!strcmp(was->event_type, w->event_type) &&
		same_type_map(was->type_map, w->type_map) && !strcmp(was->cidrs, w->cidrs) &&
		was->tolerance_s == w->tolerance_s && was->rate_limit == w->rate_limit &&
		was->enabled == w->enabled;
}

/* Write w as source id (insert or update), sealing the secret. A taken
 * slug is HL_ERR_CONFLICT with reason slug_taken. */
static hl_err
store(struct hl_db *db, const struct hl_config *cfg, const char *account_id, const char *id,
	const struct row *w, int create)
{
	char *sealed = NULL;
	hl_err rc = HL_OK;

	if (w->secret)
		rc = hl_seal(cfg->master_key, w->secret, &sealed);
	if (rc)
		return rc;
	if (create)
		rc = hl_db_exec(db, NULL, "INSERT INTO sources (slug, name, verify, secret_sealed, "
			"event_type, type_map, allowed_cidrs, tolerance_s, rate_limit, enabled, id, "
			"account_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "sssssssiiiss",
			w->slug, w->name, hl_verify_name(w->verify), sealed, w->event_type, w->type_map,
			*w->cidrs ? w->cidrs : NULL, (long long)w->tolerance_s, (long long)w->rate_limit,
			(long long)w->enabled, id, account_id);
	else
		/* A secret set here replaces the current one at once (what an
		 * update has always done): a rotated-out secret still in its
		 * grace period goes too, or it would outlive the secret the
		 * caller meant to end with this one. */
		rc = hl_db_exec(db, NULL, "UPDATE sources SET slug = ?, name = ?, verify = ?, "
			"secret_sealed = ?, event_type = ?, type_map = ?, allowed_cidrs = ?, "
			"tolerance_s = ?, rate_limit = ?, enabled = ?, "
			"prev_secret_sealed = IF(?, NULL, prev_secret_sealed), "
			"prev_secret_expires_at = IF(?, NULL, prev_secret_expires_at), updated_at = NOW(3) "
			"WHERE id = ? AND account_id = ?", "sssssssiiiiiss",
			w->slug, w->name, hl_verify_name(w->verify), sealed, w->event_type, w->type_map,
			*w->cidrs ? w->cidrs : NULL, (long long)w->tolerance_s, (long long)w->rate_limit,
			(long long)w->enabled, (long long)w->secret_replaced,
			(long long)w->secret_replaced, id, account_id);
	free(sealed);
	if (rc == HL_ERR_CONFLICT) {
		rc = hl_fail(HL_ERR_CONFLICT, "slug", "the slug \"%s\" is taken", w->slug);
		hl_errreason_set("slug_taken");
	}
	return rc;
}

hl_err
hl_source_create(struct hl_db *db, const struct hl_config *cfg, const char *account_id,
	const struct hl_source_spec *spec, json_object **out)
{
	char id[HL_ID_MAX], b32[HL_ID_MAX];
	struct row w;
	hl_err rc;

	*out = NULL;
	memset(&w, 0, sizeof(w));
	hl_strlcpy(w.event_type, DEFAULT_TYPE, sizeof(w.event_type));
	w.tolerance_s = 300;
	w.enabled = 1;
	w.verify = HL_VERIFY__MAX;
	rc = merge(db, account_id, spec, &w, 1);
	if (!rc)
		rc = hl_id_new("src", id);
	/* A generated slug is hard to guess: "in-" and the 16 random
	 * characters of a fresh id (80 bits). */
	if (!rc && !spec->slug) {
		rc = hl_id_new("x", b32);
		if (!rc)
			snprintf(w.slug, sizeof(w.slug), "in-%.16s", b32 + 12);
	}
	if (!rc)
		rc = store(db, cfg, account_id, id, &w, 1);
	if (!rc)
		rc = hl_source_get(db, account_id, id, out);
	if (!rc && w.secret_generated)
		hl_json_add_str(*out, "secret", w.secret);
	row_clear(&w);
	return rc;
}

/* Source id of account_id into w (zeroed first; row_clear it), its
 * secret unsealed, the row locked until the caller's transaction ends:
 * what an update merges into and a rotation moves aside. */
static hl_err
row_read_locked(struct hl_db *db, const struct hl_config *cfg, const char *account_id,
	const char *id, struct row *w)
{
	struct hl_stmt *st;
	char *secret = NULL;
	hl_err rc;

	memset(w, 0, sizeof(*w));
	rc = hl_stmt_new(db, "SELECT slug, name, verify, secret_sealed, event_type, type_map, "
		"IFNULL(allowed_cidrs, ''), tolerance_s, rate_limit, enabled FROM sources "
		"WHERE id = ? AND account_id = ? FOR UPDATE", &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, id);
	hl_stmt_str(st, 1, account_id);
	rc = hl_stmt_row(st, "source", id);
	if (rc)
		goto out;
	hl_strlcpy(w->slug, hl_stmt_col(st, 0), sizeof(w->slug));
	hl_strlcpy(w->name, hl_stmt_col(st, 1), sizeof(w->name));
	w->verify = hl_verify_parse(hl_stmt_col(st, 2));
	if (hl_stmt_col(st, 3)) {
		rc = hl_config_unseal(cfg, hl_stmt_col(st, 3), &secret);
		if (!rc)
			rc = set_secret(w, secret);
		hl_secret_free(secret);
		if (rc)
			goto out;
	}
	hl_strlcpy(w->event_type, hl_stmt_col(st, 4), sizeof(w->event_type));
	w->type_map = hl_strdup_or_null(hl_stmt_col(st, 5));
	hl_strlcpy(w->cidrs, hl_stmt_col(st, 6), sizeof(w->cidrs));
	w->tolerance_s = (long)hl_stmt_colint(st, 7);
	w->rate_limit = (long)hl_stmt_colint(st, 8);
	w->enabled = (int)hl_stmt_colint(st, 9);
out:
	hl_stmt_free(st);
	return rc;
}

hl_err
hl_source_update(struct hl_db *db, const struct hl_config *cfg, const char *account_id,
	const char *id, const struct hl_source_spec *spec, int *changed, json_object **out)
{
	struct row w, was;
	hl_err rc;

	*out = NULL;
	*changed = 0;
	memset(&w, 0, sizeof(w));
	memset(&was, 0, sizeof(was));
	rc = hl_db_begin(db);
	if (rc)
		return rc;
	rc = row_read_locked(db, cfg, account_id, id, &w);
	if (rc)
		goto out;
	/* The row as it was, but for its secret (see row_unchanged). */
	was = w;
	was.secret = NULL;
	was.type_map = hl_strdup_or_null(w.type_map);
	if (w.type_map && !was.type_map) {
		rc = hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
		goto out;
	}
	rc = merge(db, account_id, spec, &w, 0);
	/* Nothing to store (a client sending back what it read, a form
	 * saved as it was): no updated_at moves, and the caller writes no
	 * audit record. */
	if (!rc && row_unchanged(&was, &w)) {
		hl_db_rollback(db);
		row_clear(&w);
		row_clear(&was);
		return hl_source_get(db, account_id, id, out);
	}
	if (!rc)
		rc = store(db, cfg, account_id, id, &w, 0);
out:
	row_clear(&was);
	if (rc) {
		hl_db_rollback(db);
		row_clear(&w);
		return rc;
	}
	*changed = 1;
	rc = hl_db_commit(db);
	if (!rc)
		rc = hl_source_get(db, account_id, id, out);
	if (!rc && w.secret_generated)
		hl_json_add_str(*out, "secret", w.secret);
	row_clear(&w);
	return rc;
}

hl_err
hl_source_delete(struct hl_db *db, const char *account_id, const char *id)
{
	unsigned long long n = 0;
	hl_err rc;

	rc = hl_db_exec(db, &n, "DELETE FROM sources WHERE id = ? AND account_id = ?", "ss",
		id, account_id);
	if (!rc && n == 0)
		rc = hl_fail(HL_ERR_NOTFOUND, "id", "no source %s", id);
	return rc;
}

hl_err
hl_source_rotate_secret(struct hl_db *db, const struct hl_config *cfg, const char *account_id,
	const char *id, const char *secret, long grace_s, json_object **out)
{
	char generated[HL_SECRET_MAX], *sealed = NULL;
	const char *fresh = secret;
	struct row w;
	hl_err rc;

	*out = NULL;
	generated[0] = '\0';
	memset(&w, 0, sizeof(w));
	if (grace_s < 0 || grace_s > HL_GRACE_MAX)
		return hl_fail(HL_ERR_INVALID, "grace_seconds",
			"grace_seconds must be between 0 and 604800 (7 days)");
	rc = hl_db_begin(db);
	if (rc)
		return rc;
	rc = row_read_locked(db, cfg, account_id, id, &w);
	if (rc)
		goto out;
	if (w.verify == HL_VERIFY_NONE || w.verify == HL_VERIFY__MAX) {
		rc = hl_fail(HL_ERR_CONFLICT, "verify", "a source with verify \"none\" has no "
			"secret to rotate");
		hl_errreason_set("source_unsigned");
		goto out;
	}
	if (!fresh) {
		/* Only Standard Webhooks secrets are ours to make: the other
		 * providers sign with the secret they show the operator. */
		if (w.verify != HL_VERIFY_STANDARD) {
			rc = hl_fail(HL_ERR_INVALID, "secret", "secret is required to rotate a \"%s\" "
				"source (the new signing secret the sender shows you)",
				hl_verify_name(w.verify));
			goto out;
		}
		rc = hl_webhook_secret_new(generated);
		if (rc)
			goto out;
		fresh = generated;
	} else {
		rc = secret_validate(w.verify, fresh);
		if (rc)
			goto out;
	}
	/* "Rotating" to the same secret would only mislead: the grace
	 * period would protect nothing. */
	if (w.secret && hl_ct_streq(w.secret, fresh)) {
		rc = hl_fail(HL_ERR_INVALID, "secret", "secret is the source's current secret: "
			"give the new one");
		hl_errreason_set("secret_unchanged");
		goto out;
	}
	rc = hl_seal(cfg->master_key, fresh, &sealed);
	if (rc)
		goto out;
	/* One row update moves the current secret to prev, so no request
	 * ever meets neither; a grace of 0 keeps nothing. */
	rc = hl_db_exec(db, NULL, "UPDATE sources SET "
		"prev_secret_sealed = IF(? > 0, secret_sealed, NULL), "
		"prev_secret_expires_at = IF(? > 0, NOW(3) + INTERVAL ? SECOND, NULL), "
		"secret_sealed = ?, updated_at = NOW(3) WHERE id = ? AND account_id = ?", "iiisss",
		(long long)grace_s, (long long)grace_s, (long long)grace_s, sealed, id, account_id);
out:
	row_clear(&w);
	free(sealed);
	if (rc) {
		hl_db_rollback(db);
		memset(generated, 0, sizeof(generated));
		return rc;
	}
	rc = hl_db_commit(db);
	if (!rc)
		rc = hl_source_get(db, account_id, id, out);
	if (!rc && *generated)
		hl_json_add_str(*out, "secret", generated);
	memset(generated, 0, sizeof(generated));
	return rc;
}

/* ------------------------------------------------------------------ */
/* The receiving side's view */

void
hl_source_clear(struct hl_source *s)
{
	hl_secret_free(s->secret);
	hl_secret_free(s->prev_secret);
	json_object_put(s->type_map);
	free(s->allowed_cidrs);
	memset(s, 0, sizeof(*s));
}

hl_err
hl_source_by_slug(struct hl_db *db, const struct hl_config *cfg, const char *slug,
	struct hl_source *out)
{
	struct hl_stmt *st;
	const char *map, *cidrs;
	hl_err rc;

	memset(out, 0, sizeof(*out));
	/* The previous secret only while its grace period runs: an expired
	 * one verifies nothing (the retention pass clears it from the row). */
	rc = hl_stmt_new(db, "SELECT id, account_id, slug, verify, secret_sealed, event_type, "
		"type_map, allowed_cidrs, tolerance_s, rate_limit, enabled, "
		"IF(prev_secret_expires_at > NOW(3), prev_secret_sealed, NULL) "
		"FROM sources WHERE slug = ? AND BINARY slug = ?", &st);
	if (rc)
		return rc;
	/* Exactly this slug, as hl_account_by_slug: the column's collation
	 * ignores case, accents and trailing spaces, and a URL naming
	 * "My-Hook " must not reach the source "my-hook". The index finds
	 * the row, the binary comparison keeps only the exact one. */
	hl_stmt_str(st, 0, slug);
	hl_stmt_str(st, 1, slug);
	rc = hl_stmt_row(st, "source", slug);
	if (rc)
		goto out;
	hl_strlcpy(out->id, hl_stmt_col(st, 0), sizeof(out->id));
	hl_strlcpy(out->account_id, hl_stmt_col(st, 1), sizeof(out->account_id));
	hl_strlcpy(out->slug, hl_stmt_col(st, 2), sizeof(out->slug));
	out->verify = hl_verify_parse(hl_stmt_col(st, 3));
	if (hl_stmt_col(st, 4))
		rc = hl_config_unseal(cfg, hl_stmt_col(st, 4), &out->secret);
	hl_strlcpy(out->event_type, hl_stmt_col(st, 5), sizeof(out->event_type));
	map = hl_stmt_col(st, 6);
	if (map)
		out->type_map = json_tokener_parse(map);
	/* A row stored before lists were trimmed may say " ": any address. */
	cidrs = hl_stmt_col(st, 7);
	if (cidrs_listed(cidrs) && !(out->allowed_cidrs = strdup(cidrs)))
		rc = hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
	out->tolerance_s = (long)hl_stmt_colint(st, 8);
	out->rate_limit = (long)hl_stmt_colint(st, 9);
	out->enabled = (int)hl_stmt_colint(st, 10);
	if (!rc && hl_stmt_col(st, 11))
		rc = hl_config_unseal(cfg, hl_stmt_col(st, 11), &out->prev_secret);
	/* A scheme that needs a secret and has none verifies nothing. */
	if (!rc && out->verify != HL_VERIFY_NONE && !out->secret)
		rc = hl_fail(HL_ERR_INTERNAL, NULL, "source %s has no secret", out->id);
out:
	hl_stmt_free(st);
	if (rc)
		hl_source_clear(out);
	return rc;
}

/* ------------------------------------------------------------------ */
/* The request log */

hl_err
hl_incoming_log(struct hl_db *db, const struct hl_source *src, const struct hl_incoming_entry *e)
{
	size_t keep = e->bodylen > HL_INCOMING_BODY_KEPT ? HL_INCOMING_BODY_KEPT : e->bodylen;
	char *body = malloc(keep + 1);
	char message[501];
	hl_err rc;

	if (!body)
		return hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
	/* Rejected bodies may be anything: the column is utf8mb4. */
	memcpy(body, e->body ? e->body : "", keep);
	body[keep] = '\0';
	hl_utf8_sanitize(body);
	hl_strlcpy(message, e->error_message ? e->error_message : "", sizeof(message));
	hl_utf8_sanitize(message);
	rc = hl_db_exec(db, NULL, "INSERT INTO incoming_requests (id, source_id, account_id, "
		"client_addr, headers, body, body_bytes, outcome, error_code, error_message, "
		"verified_with, provider_event, dedupe_key, event_type, event_id) "
		"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "ssssssissssssss",
		e->id, src->id, src->account_id, e->client_addr ? e->client_addr : "",
		e->headers_json ? e->headers_json : "{}", body, (long long)e->bodylen, e->outcome,
		e->error_code, e->error_code ? message : NULL, e->verified_with, e->provider_event,
		e->dedupe_key, e->event_type, e->event_id);
	free(body);
	return rc;
}

#define REQUEST_COLUMNS "q.id, q.source_id, s.slug, " HL_SQL_TIME("q.received_at") ", " \
	"q.client_addr, q.body_bytes, q.outcome, q.error_code, q.error_message, " \
	"q.provider_event, q.dedupe_key, q.event_type, q.event_id, q.verified_with"

static json_object *
request_json(struct hl_stmt *st)
{
	json_object *o = json_object_new_object();

	hl_json_add_str(o, "id", hl_stmt_col(st, 0));
	hl_json_add_str(o, "source_id", hl_stmt_col(st, 1));
	hl_json_add_str(o, "source_slug", hl_stmt_col(st, 2));
	hl_json_add_str(o, "received_at", hl_stmt_col(st, 3));
	hl_json_add_str(o, "client_addr", hl_stmt_col(st, 4));
	hl_json_add_int(o, "body_bytes", hl_stmt_colint(st, 5));
	hl_json_add_str(o, "outcome", hl_stmt_col(st, 6));
	hl_json_add_str(o, "error_code", hl_stmt_col(st, 7));
	hl_json_add_str(o, "error_message", hl_stmt_col(st, 8));
	hl_json_add_str(o, "provider_event", hl_stmt_col(st, 9));
	hl_json_add_str(o, "dedupe_key", hl_stmt_col(st, 10));
	hl_json_add_str(o, "event_type", hl_stmt_col(st, 11));
	hl_json_add_str(o, "event_id", hl_stmt_col(st, 12));
	hl_json_add_str(o, "verified_with", hl_stmt_col(st, 13));
	return o;
}

static json_object *
request_detail_json(struct hl_stmt *st)
{
	json_object *o = request_json(st);
	const char *headers = hl_stmt_col(st, 14);

	json_object_object_add(o, "headers", headers ? json_tokener_parse(headers) : NULL);
	hl_json_add_str(o, "body", hl_stmt_col(st, 15));
	hl_json_add_bool(o, "body_truncated", hl_stmt_colint(st, 5) > HL_INCOMING_BODY_KEPT);
	return o;
}

hl_err
hl_incoming_list(struct hl_db *db, const char *account_id, const char *source_id,
	const char *outcome, long long since_ms, int limit, const char *iterator,
	json_object **out)
{
	char floor[HL_ID_MAX];
	struct hl_stmt *st;
	hl_err rc;

	*out = NULL;
	/* Ids sort by time: since is an id floor, as in hl_incoming_counts. */
	if (since_ms > 0) {
		rc = hl_id_at("inc", since_ms, floor);
		if (rc)
			return rc;
	}
	if (outcome && strcmp(outcome, "accepted") && strcmp(outcome, "duplicate") &&
	    strcmp(outcome, "rejected"))
		return hl_fail(HL_ERR_INVALID, "outcome",
			"outcome must be accepted, duplicate or rejected");
	/* Ids sort by time: newest first is id descending, and the iterator
	 * continues below the last id of the previous page. */
	rc = hl_stmt_new(db, "SELECT " REQUEST_COLUMNS " FROM incoming_requests q "
		"JOIN sources s ON s.id = q.source_id "
		"WHERE q.account_id = ? AND (? IS NULL OR q.source_id = ?) "
		"AND (? IS NULL OR q.outcome = ?) AND (? IS NULL OR q.id < ?) "
		"AND (? IS NULL OR q.id >= ?) ORDER BY q.id DESC LIMIT ?", &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, account_id);
	hl_stmt_str(st, 1, source_id);
	hl_stmt_str(st, 2, source_id);
	hl_stmt_str(st, 3, outcome);
	hl_stmt_str(st, 4, outcome);
	hl_stmt_str(st, 5, iterator);
	hl_stmt_str(st, 6, iterator);
	hl_stmt_str(st, 7, since_ms > 0 ? floor : NULL);
	hl_stmt_str(st, 8, since_ms > 0 ? floor : NULL);
	hl_stmt_int(st, 9, limit + 1);
	rc = hl_stmt_page(st, limit, 0, request_json, out);
	hl_stmt_free(st);
	return rc;
}

hl_err
hl_incoming_counts(struct hl_db *db, const char *account_id, long long since_ms,
	json_object **out)
{
	static const char *const outcomes[] = { "accepted", "duplicate", "rejected" };
	char floor[HL_ID_MAX];
	struct hl_stmt *st;
	long long total = 0, n;
	size_t i;
	int r;
	hl_err rc;

	*out = NULL;
	/* Ids sort by time: the (account_id, id) index serves the range. */
	rc = hl_id_at("inc", since_ms, floor);
	if (!rc)
		rc = hl_stmt_new(db, "SELECT outcome, COUNT(*) FROM incoming_requests "
			"WHERE account_id = ? AND id >= ? GROUP BY outcome", &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, account_id);
	hl_stmt_str(st, 1, floor);
	*out = json_object_new_object();
	for (i = 0; i < sizeof(outcomes) / sizeof(outcomes[0]); i++)
		hl_json_add_int(*out, outcomes[i], 0);
	rc = hl_stmt_exec(st);
	while (!rc && (r = hl_stmt_fetch(st)) != 0) {
		if (r < 0) {
			rc = HL_ERR_DB;
			break;
		}
		n = hl_stmt_colint(st, 1);
		hl_json_add_int(*out, hl_stmt_col(st, 0), n);
		total += n;
	}
	hl_stmt_free(st);
	if (rc) {
		json_object_put(*out);
		*out = NULL;
		return rc;
	}
	hl_json_add_int(*out, "received", total);
	return HL_OK;
}

hl_err
hl_incoming_get(struct hl_db *db, const char *account_id, const char *id, json_object **out)
{
	struct hl_stmt *st;
	hl_err rc;

	*out = NULL;
	rc = hl_stmt_new(db, "SELECT " REQUEST_COLUMNS ", q.headers, q.body "
		"FROM incoming_requests q JOIN sources s ON s.id = q.source_id "
		"WHERE q.id = ? AND q.account_id = ?", &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, id);
	hl_stmt_str(st, 1, account_id);
	rc = hl_stmt_row(st, "incoming request", id);
	if (!rc)
		*out = request_detail_json(st);
	hl_stmt_free(st);
	return rc;
}
