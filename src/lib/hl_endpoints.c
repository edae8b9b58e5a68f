/* hl_endpoints.c: the SQL of endpoints and subscriptions. Secrets are
 * sealed with the master key before they reach the database. */
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include "hl_deliveries.h"
#include "hl_endpoint_opts.h"
#include "hl_endpoints.h"
#include "hl_filter.h"
#include "hl_util.h"

#define URL_MAX 2048
#define DESCRIPTION_MAX 500
#define SUBSCRIPTIONS_MAX 100

hl_err
hl_url_validate(const char *url, int require_https)
{
	char *scheme = NULL, *host = NULL, *user = NULL;
	CURLU *u;
	hl_err rc = HL_OK;
	size_t i;

	if (!url || !*url)
		return hl_fail(HL_ERR_INVALID, "url", "url is required");
	if (strlen(url) > URL_MAX)
		return hl_fail(HL_ERR_INVALID, "url", "url is longer than %d bytes", URL_MAX);
	for (i = 0; url[i]; i++)
		if ((unsigned char)url[i] <= 0x20 || url[i] == 0x7f)
			return hl_fail(HL_ERR_INVALID, "url", "url contains spaces or control characters");
	u = curl_url();
	if (!u)
		return hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
	/* No default scheme guessing: "example.com/hook" is an error. */
	if (curl_url_set(u, CURLUPART_URL, url, 0)) {
		rc = hl_fail(HL_ERR_INVALID, "url", "url is not a valid absolute URL");
		goto out;
	}
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) ||
	    (strcmp(scheme, "http") && strcmp(scheme, "https"))) {
		rc = hl_fail(HL_ERR_INVALID, "url", "url must start with http:// or https://");
		goto out;
	}
	if (require_https && strcmp(scheme, "https")) {
		rc = hl_fail(HL_ERR_INVALID, "url", "url must use https: this server "
			"delivers only to https URLs");
		goto out;
	}
	if (curl_url_get(u, CURLUPART_HOST, &host, 0) || !host || !*host) {
		rc = hl_fail(HL_ERR_INVALID, "url", "url has no host");
		goto out;
	}
	if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK && user) {
		rc = hl_fail(HL_ERR_INVALID, "url",
			"url must not carry credentials; use destination authentication instead");
		goto out;
	}
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(user);
	curl_url_cleanup(u);
	return rc;
}

static int
pattern_chars_ok(const char *p)
{
	size_t i, n = strlen(p);

	if (n < 1 || n > 128)
		return 0;
	for (i = 0; i < n; i++) {
		char c = p[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		    c == '-' || c == '*'))
			return 0;
	}
	return 1;
}

hl_err
hl_event_pattern_validate(struct hl_db *db, const char *account_id, const char *pattern)
{
	struct hl_stmt *st;
	const char *star;
	size_t n;
	hl_err rc;
	int found;

	if (!pattern_chars_ok(pattern))
		return hl_fail(HL_ERR_INVALID, "event_types",
			"event type \"%.128s\" may only contain a-z, 0-9, _, -, . and a final *", pattern);
	if (!strcmp(pattern, "*"))
		return HL_OK;
	star = strchr(pattern, '*');
	n = strlen(pattern);
	if (star) {
		/* Only a whole-family wildcard: "sms.*". */
		if (star != pattern + n - 1 || n < 3 || pattern[n - 2] != '.')
			return hl_fail(HL_ERR_INVALID, "event_types",
				"wildcards must be a family (\"sms.*\") or \"*\"");
		rc = hl_stmt_new(db, "SELECT 1 FROM event_types WHERE account_id IN ('', ?) "
			"AND family = ? LIMIT 1", &st);
		if (rc)
			return rc;
		hl_stmt_str(st, 0, account_id);
		hl_stmt_strn(st, 1, pattern, n - 2);
	} else {
		rc = hl_stmt_new(db, "SELECT 1 FROM event_types WHERE account_id IN ('', ?) "
			"AND name = ? LIMIT 1", &st);
		if (rc)
			return rc;
		hl_stmt_str(st, 0, account_id);
		hl_stmt_str(st, 1, pattern);
	}
	rc = hl_stmt_first(st, &found);
	if (!rc && !found)
		rc = hl_fail(HL_ERR_UNPROCESSABLE, "event_types",
			"unknown event type \"%s\" (see GET /webhooks/events)", pattern);
	hl_stmt_free(st);
	return rc;
}

hl_err
hl_subscriptions_replace(struct hl_db *db, const char *account_id,
	const char *endpoint_id, json_object *event_types)
{
	struct hl_stmt *st = NULL;
	char id[HL_ID_MAX];
	size_t i, n;
	hl_err rc;

	if (!json_object_is_type(event_types, json_type_array))
		return hl_fail(HL_ERR_INVALID, "event_types", "event_types must be an array of strings");
	n = json_object_array_length(event_types);
	if (n > SUBSCRIPTIONS_MAX)
		return hl_fail(HL_ERR_INVALID, "event_types",
			"at most %d event types per endpoint", SUBSCRIPTIONS_MAX);
	for (i = 0; i < n; i++) {
		json_object *t = json_object_array_get_idx(event_types, i);

		if (!json_object_is_type(t, json_type_string))
			return hl_fail(HL_ERR_INVALID, "event_types", "event_types must be an array of strings");
		rc = hl_event_pattern_validate(db, account_id, json_object_get_string(t));
		if (rc)
			return rc;
	}
	/* The types that stay keep their rows, filters included: the form
	 * and PUT name types only, and saving a description dropped every
	 * filter set through subscribe. */
	rc = hl_db_exec(db, NULL, "DELETE FROM subscriptions WHERE endpoint_id = ? AND account_id = ? "
		"AND NOT JSON_CONTAINS(?, JSON_QUOTE(event_type))", "sss", endpoint_id, account_id,
		json_object_to_json_string_ext(event_types, JSON_C_TO_STRING_PLAIN));
	if (rc)
		return rc;
	rc = hl_stmt_new(db, "INSERT IGNORE INTO subscriptions (id, account_id, endpoint_id, event_type) "
		"VALUES (?, ?, ?, ?)", &st);
	for (i = 0; !rc && i < n; i++) {
		const char *t = json_object_get_string(json_object_array_get_idx(event_types, i));

		rc = hl_id_new("sub", id);
		if (rc)
			break;
		hl_stmt_str(st, 0, id);
		hl_stmt_str(st, 1, account_id);
		hl_stmt_str(st, 2, endpoint_id);
		hl_stmt_str(st, 3, t);
		rc = hl_stmt_exec(st);
	}
	hl_stmt_free(st);
	return rc;
}

static hl_err
spec_validate(const struct hl_config *cfg, const struct hl_endpoint_spec *spec, int create)
{
	hl_err rc;

	if (create || spec->url) {
		rc = hl_url_validate(spec->url, cfg->require_https);
		if (rc)
			return rc;
	}
	if (spec->description && hl_utf8_chars(spec->description) > DESCRIPTION_MAX)
		return hl_fail(HL_ERR_INVALID, "description",
			"description is longer than %d characters", DESCRIPTION_MAX);
	if (spec->method && strcmp(spec->method, "POST") && strcmp(spec->method, "PUT"))
		return hl_fail(HL_ERR_INVALID, "method", "method must be POST or PUT");
	return hl_endpoint_opts_validate(spec->options);
}

#define ENDPOINT_COLUMNS "e.id, e.url, e.description, e.method, e.enabled, e.disabled_reason, " \
	HL_SQL_TIME("e.created_at") ", " HL_SQL_TIME("e.updated_at") ", " \
	"(SELECT GROUP_CONCAT(s.event_type ORDER BY s.event_type SEPARATOR ' ') " \
	"FROM subscriptions s WHERE s.endpoint_id = e.id), e.consecutive_failures, " \
	HL_SQL_TIME("e.last_success_at") ", " HL_SQL_TIME("e.last_attempt_at")

static json_object *
endpoint_json(struct hl_stmt *st)
{
	json_object *o = json_object_new_object(), *types = json_object_new_array();
	const char *list = hl_stmt_col(st, 8);

	hl_json_add_str(o, "id", hl_stmt_col(st, 0));
	hl_json_add_str(o, "url", hl_stmt_col(st, 1));
	hl_json_add_str(o, "description", hl_stmt_col(st, 2));
	hl_json_add_str(o, "method", hl_stmt_col(st, 3));
	hl_json_add_bool(o, "enabled", (int)hl_stmt_colint(st, 4));
	hl_json_add_str(o, "disabled_reason", hl_stmt_col(st, 5));
	while (list && *list) {
		size_t n = strcspn(list, " ");

		json_object_array_add(types, json_object_new_string_len(list, (int)n));
		list += n;
		if (*list == ' ')
			list++;
	}
	json_object_object_add(o, "event_types", types);
	hl_json_add_int(o, "consecutive_failures", hl_stmt_colint(st, 9));
	hl_json_add_str(o, "last_success_at", hl_stmt_col(st, 10));
	hl_json_add_str(o, "last_attempt_at", hl_stmt_col(st, 11));
	hl_json_add_str(o, "created_at", hl_stmt_col(st, 6));
	hl_json_add_str(o, "updated_at", hl_stmt_col(st, 7));
	return o;
}

hl_err
hl_endpoint_get(struct hl_db *db, const struct hl_config *cfg, const char *account_id,
	const char *id, json_object **out)
{
	struct hl_stmt *st;
	hl_err rc;

	*out = NULL;
	rc = hl_stmt_new(db, "SELECT " ENDPOINT_COLUMNS " FROM endpoints e "
		"WHERE e.id = ? AND e.account_id = ?", &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, id);
	hl_stmt_str(st, 1, account_id);
	rc = hl_stmt_row(st, "webhook", id);
	if (!rc)
		*out = endpoint_json(st);
	hl_stmt_free(st);
	if (!rc)
		rc = hl_endpoint_opts_get(db, cfg, id, *out);
	/* Callers free *out only on success (headers that cannot be
	 * unsealed fail here, after the object was made). */
	if (rc) {
		json_object_put(*out);
		*out = NULL;
	}
	return rc;
}

hl_err
hl_endpoint_list(struct hl_db *db, const char *account_id, int limit,
	const char *iterator, json_object **out)
{
	return hl_endpoint_list_health(db, account_id, HL_HEALTH_ANY, limit, iterator, out);
}

hl_err
hl_endpoint_list_health(struct hl_db *db, const char *account_id,
	enum hl_endpoint_health health, int limit, const char *iterator, json_object **out)
{
	struct hl_stmt *st;
	hl_err rc;

	*out = NULL;
	/* One constant statement for every filter; the conditions are the
	 * overview's counts (hl_analytics_overview). */
	rc = hl_stmt_new(db, "SELECT " ENDPOINT_COLUMNS " FROM endpoints e "
		"WHERE e.account_id = ? AND e.id > ? AND (? = 0 "
		"OR (? = 1 AND e.enabled = 1 AND e.consecutive_failures > 0) "
		"OR (? = 2 AND e.enabled = 0)) ORDER BY e.id LIMIT ?", &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, account_id);
	hl_stmt_str(st, 1, iterator ? iterator : "");
	hl_stmt_int(st, 2, health);
	hl_stmt_int(st, 3, health);
	hl_stmt_int(st, 4, health);
	hl_stmt_int(st, 5, limit + 1);
	rc = hl_stmt_page(st, limit, 0, endpoint_json, out);
	hl_stmt_free(st);
	return rc;
}

/* Material generated by the options and shown only in this answer. */
static void
merge_extra(json_object *out, json_object *extra)
{
	if (!extra)
		return;
	json_object_object_foreach(extra, k, v)
		json_object_object_add(out, k, json_object_get(v));   /* out holds a ref */
}

hl_err
hl_endpoint_create(struct hl_db *db, const struct hl_config *cfg,
	const char *account_id, const struct hl_endpoint_spec *spec, json_object **out)
{
	char id[HL_ID_MAX], secret[HL_SECRET_MAX];
	char *sealed = NULL;
	json_object *extra = NULL;
	int hidden;
	hl_err rc;

	*out = NULL;
	rc = spec_validate(cfg, spec, 1);
	if (rc)
		return rc;
	rc = hl_id_new("wh", id);
	if (!rc)
		rc = hl_webhook_secret_new(secret);
	if (!rc)
		rc = hl_seal(cfg->master_key, secret, &sealed);
	if (rc)
		goto out;
	rc = hl_db_begin(db);
	if (rc)
		goto out;
	rc = hl_db_exec(db, NULL, "INSERT INTO endpoints (id, account_id, url, description, "
		"method, enabled, secret_sealed) VALUES (?, ?, ?, ?, ?, ?, ?)", "sssssis",
		id, account_id, spec->url, spec->description ? spec->description : "",
		spec->method ? spec->method : "POST", (long long)(spec->enabled != 0), sealed);
	if (!rc && spec->event_types)
		rc = hl_subscriptions_replace(db, account_id, id, spec->event_types);
	if (!rc)
		rc = hl_endpoint_opts_apply(db, cfg, id, spec->options, &extra, &hidden);
	if (rc) {
		hl_db_rollback(db);
		goto out;
	}
	rc = hl_db_commit(db);
	if (!rc)
		rc = hl_endpoint_get(db, cfg, account_id, id, out);
	if (!rc)
		hl_json_add_str(*out, "secret", secret);
	if (!rc)
		merge_extra(*out, extra);
out:
	json_object_put(extra);
	free(sealed);
	memset(secret, 0, sizeof(secret));
	return rc;
}

/* An endpoint enabled again (it was disabled: by a user, or by the
 * health rule) starts with a clean failure run; otherwise its old first
 * failure would disable it again at the next failure. Two parameters:
 * the new enabled value twice. Must come before "enabled = ?". */
#define HEALTH_RESET "consecutive_failures = IF(? = 1 AND enabled = 0, 0, " \
	"consecutive_failures), first_failure_at = IF(? = 1 AND enabled = 0, NULL, " \
	"first_failure_at)"

/* Two views of one endpoint (hl_endpoint_get) alike but for updated_at. */
static int
same_view(json_object *a, json_object *b)
{
	json_object *v;

	if (json_object_object_length(a) != json_object_object_length(b))
		return 0;
	json_object_object_foreach(a, k, va) {
		if (!strcmp(k, "updated_at"))
			continue;
		if (!json_object_object_get_ex(b, k, &v) || !hl_json_equal(va, v))
			return 0;
	}
	return 1;
}

hl_err
hl_endpoint_update(struct hl_db *db, const struct hl_config *cfg,
	const char *account_id, const char *id, const struct hl_endpoint_spec *spec,
	int *changed, json_object **out)
{
	unsigned long long n = 0, moved = 0;
	json_object *extra = NULL, *before = NULL, *after = NULL;
	struct hl_stmt *st;
	int hidden = 0;
	hl_err rc;

	*out = NULL;
	*changed = 0;
	rc = spec_validate(cfg, spec, 0);
	if (rc)
		return rc;
	rc = hl_db_begin(db);
	if (rc)
		return rc;
	/* Locked before it is read: the runner's counters cannot move
	 * between the view before and the view after, which decide whether
	 * this update changed anything. */
	rc = hl_stmt_new(db, "SELECT id FROM endpoints WHERE id = ? AND account_id = ? FOR UPDATE",
		&st);
	if (!rc) {
		hl_stmt_str(st, 0, id);
		hl_stmt_str(st, 1, account_id);
		rc = hl_stmt_row(st, "webhook", id);
		hl_stmt_free(st);
	}
	if (!rc)
		rc = hl_endpoint_get(db, cfg, account_id, id, &before);
	/* COALESCE keeps the members the caller left out. Disabled here, an
	 * endpoint says why as /disable has it say (enabled is the new value
	 * by then); one disabled already keeps its reason. */
	/* Re-enabling starts a new failure run (see HEALTH_RESET): before
	 * enabled is assigned, which later assignments would see. */
	if (!rc)
		rc = hl_db_exec(db, &n, "UPDATE endpoints SET " HEALTH_RESET ", url = COALESCE(?, url), "
			"description = COALESCE(?, description), method = COALESCE(?, method), "
			"enabled = IF(? < 0, enabled, ?), "
			"disabled_reason = IF(? = 1, NULL, IF(enabled = 0, COALESCE(disabled_reason, "
			"'disabled by a user'), disabled_reason)), updated_at = NOW(3) "
			"WHERE id = ? AND account_id = ?", "iisssiiiss", (long long)spec->enabled,
			(long long)spec->enabled, spec->url, spec->description, spec->method,
			(long long)spec->enabled, (long long)spec->enabled, (long long)spec->enabled, id,
			account_id);
	if (!rc && n == 0)
		rc = hl_fail(HL_ERR_NOTFOUND, "id", "no webhook %s", id);
	/* Disabling parks the queue; enabling resumes what waited, also on
	 * an endpoint enabled already (paused deliveries there are strays,
	 * and sending enabled: true is the way to say "go"). */
	if (!rc && spec->enabled >= 0)
		rc = hl_delivery_set_paused(db, id, !spec->enabled, &moved);
	if (!rc && spec->event_types)
		rc = hl_subscriptions_replace(db, account_id, id, spec->event_types);
	if (!rc)
		rc = hl_endpoint_opts_apply(db, cfg, id, spec->options, &extra, &hidden);
	if (!rc)
		rc = hl_endpoint_get(db, cfg, account_id, id, &after);
	if (rc) {
		hl_db_rollback(db);
		goto out;
	}
	/* Nothing the caller can see or has sent changed (a client sending
	 * back what it read, a form saved as it was): undone whole, so no
	 * updated_at moves, and the caller writes no audit record. The
	 * writes are made and undone, not skipped one by one, so a member
	 * added later cannot be taken for unchanged by a comparison that
	 * does not know it. */
	if (!hidden && !moved && same_view(before, after)) {
		hl_db_rollback(db);
		*out = before;
		before = NULL;
		goto out;
	}
	rc = hl_db_commit(db);
	if (rc)
		goto out;
	*changed = 1;
	*out = after;
	after = NULL;
	merge_extra(*out, extra);
out:
	json_object_put(before);
	json_object_put(after);
	json_object_put(extra);
	return rc;
}

hl_err
hl_endpoint_delete(struct hl_db *db, const char *account_id, const char *id)
{
	unsigned long long n = 0;
	hl_err rc;

	rc = hl_db_exec(db, &n, "DELETE FROM endpoints WHERE id = ? AND account_id = ?",
		"ss", id, account_id);
	if (!rc && n == 0)
		rc = hl_fail(HL_ERR_NOTFOUND, "id", "no webhook %s", id);
	return rc;
}

static hl_err endpoint_exists(struct hl_db *db, const char *account_id, const char *id);

hl_err
hl_endpoint_set_enabled(struct hl_db *db, const char *account_id, const char *id, int enabled)
{
	unsigned long long n = 0;
	hl_err rc;

	rc = hl_db_begin(db);
	if (rc)
		return rc;
	/* updated_at always changes, so a found row always counts as affected. */
	rc = hl_db_exec(db, &n, "UPDATE endpoints SET " HEALTH_RESET ", enabled = ?, "
		"disabled_reason = IF(? = 1, NULL, 'disabled by a user'), updated_at = NOW(3) "
		"WHERE id = ? AND account_id = ?", "iiiiss", (long long)enabled, (long long)enabled,
		(long long)enabled, (long long)enabled, id, account_id);
	if (!rc && n == 0)
		rc = endpoint_exists(db, account_id, id);
	if (!rc)
		rc = hl_delivery_set_paused(db, id, !enabled, NULL);
	if (rc) {
		hl_db_rollback(db);
		return rc;
	}
	return hl_db_commit(db);
}

hl_err
hl_endpoint_rotate_secret(struct hl_db *db, const struct hl_config *cfg,
	const char *account_id, const char *id, long grace_s, char secret_out[HL_SECRET_MAX])
{
	unsigned long long n = 0;
	char *sealed = NULL;
	hl_err rc;

	if (grace_s < 0 || grace_s > HL_GRACE_MAX)
		return hl_fail(HL_ERR_INVALID, "grace_seconds",
			"grace_seconds must be between 0 and 604800 (7 days)");
	rc = hl_webhook_secret_new(secret_out);
	if (!rc)
		rc = hl_seal(cfg->master_key, secret_out, &sealed);
	if (rc)
		goto out;
	/* Single statement: the old secret moves to prev in the same row
	 * update (assignments run left to right: prev takes the old value),
	 * so no sender ever sees neither. Without a grace period it is not
	 * kept at all. */
	rc = hl_db_exec(db, &n, "UPDATE endpoints SET "
		"prev_secret_sealed = IF(? > 0, secret_sealed, NULL), "
		"prev_secret_expires_at = IF(? > 0, NOW(3) + INTERVAL ? SECOND, NULL), "
		"secret_sealed = ?, updated_at = NOW(3) WHERE id = ? AND account_id = ?", "iiisss",
		(long long)grace_s, (long long)grace_s, (long long)grace_s, sealed, id, account_id);
	if (!rc && n == 0)
		rc = hl_fail(HL_ERR_NOTFOUND, "id", "no webhook %s", id);
out:
	free(sealed);
	if (rc)
		memset(secret_out, 0, HL_SECRET_MAX);
	return rc;
}

/* HL_ERR_NOTFOUND as hl_endpoint_get says it, without building (and
 * unsealing the headers of) the view. */
static hl_err
endpoint_exists(struct hl_db *db, const char *account_id, const char *id)
{
	struct hl_stmt *st;
	hl_err rc;

	rc = hl_stmt_new(db, "SELECT id FROM endpoints WHERE id = ? AND account_id = ?", &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, id);
	hl_stmt_str(st, 1, account_id);
	rc = hl_stmt_row(st, "webhook", id);
	hl_stmt_free(st);
	return rc;
}

static hl_err
types_check(json_object *event_types)
{
	size_t i, n;

	if (!json_object_is_type(event_types, json_type_array) ||
	    !json_object_array_length(event_types))
		return hl_fail(HL_ERR_INVALID, "event_types", "event_types must be a non-empty array");
	n = json_object_array_length(event_types);
	if (n > SUBSCRIPTIONS_MAX)
		return hl_fail(HL_ERR_INVALID, "event_types",
			"at most %d event types per endpoint", SUBSCRIPTIONS_MAX);
	for (i = 0; i < n; i++)
		if (!json_object_is_type(json_object_array_get_idx(event_types, i), json_type_string))
			return hl_fail(HL_ERR_INVALID, "event_types",
				"event_types must be an array of strings");
	return HL_OK;
}

hl_err
hl_subscriptions_add(struct hl_db *db, const char *account_id, const char *endpoint_id,
	json_object *event_types, json_object *filter)
{
	struct hl_stmt *st = NULL, *count = NULL;
	const char *ftext = NULL;
	char id[HL_ID_MAX];
	size_t i, n;
	hl_err rc;
	int found;

	rc = types_check(event_types);
	if (!rc && filter)
		rc = hl_filter_validate(filter);
	if (rc)
		return rc;
	n = json_object_array_length(event_types);
	for (i = 0; i < n; i++) {
		rc = hl_event_pattern_validate(db, account_id,
			json_object_get_string(json_object_array_get_idx(event_types, i)));
		if (rc)
			return rc;
	}
	rc = endpoint_exists(db, account_id, endpoint_id);
	if (rc)
		return rc;
	if (filter)
		ftext = json_object_to_json_string_ext(filter, JSON_C_TO_STRING_PLAIN);
	rc = hl_db_begin(db);
	if (rc)
		return rc;
	rc = hl_stmt_new(db, "INSERT INTO subscriptions (id, account_id, endpoint_id, event_type, "
		"filter_json) VALUES (?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE "
		"filter_json = VALUES(filter_json)", &st);
	for (i = 0; !rc && i < n; i++) {
		rc = hl_id_new("sub", id);
		if (rc)
			break;
		hl_stmt_str(st, 0, id);
		hl_stmt_str(st, 1, account_id);
		hl_stmt_str(st, 2, endpoint_id);
		hl_stmt_str(st, 3, json_object_get_string(json_object_array_get_idx(event_types, i)));
		hl_stmt_str(st, 4, ftext);
		rc = hl_stmt_exec(st);
	}
	if (!rc)
		rc = hl_stmt_new(db, "SELECT COUNT(*) FROM subscriptions WHERE endpoint_id = ?", &count);
	if (!rc) {
		hl_stmt_str(count, 0, endpoint_id);
		rc = hl_stmt_first(count, &found);
	}
	if (!rc && found && hl_stmt_colint(count, 0) > SUBSCRIPTIONS_MAX)
		rc = hl_fail(HL_ERR_INVALID, "event_types",
			"at most %d event types per endpoint", SUBSCRIPTIONS_MAX);
	hl_stmt_free(st);
	hl_stmt_free(count);
	if (rc) {
		hl_db_rollback(db);
		return rc;
	}
	return hl_db_commit(db);
}

hl_err
hl_subscriptions_remove(struct hl_db *db, const char *account_id,
	const char *endpoint_id, json_object *event_types, int *removed)
{
	unsigned long long n1;
	size_t i, n;
	hl_err rc;

	*removed = 0;
	rc = types_check(event_types);
	if (!rc)
		rc = endpoint_exists(db, account_id, endpoint_id);
	if (rc)
		return rc;
	n = json_object_array_length(event_types);
	for (i = 0; i < n; i++) {
		n1 = 0;
		rc = hl_db_exec(db, &n1, "DELETE FROM subscriptions WHERE endpoint_id = ? "
			"AND account_id = ? AND event_type = ?", "sss", endpoint_id, account_id,
			json_object_get_string(json_object_array_get_idx(event_types, i)));
		if (rc)
			return rc;
		*removed += (int)n1;
	}
	return HL_OK;
}

hl_err
hl_subscriptions_list(struct hl_db *db, const char *account_id, const char *endpoint_id,
	json_object **out)
{
	struct hl_stmt *st;
	hl_err rc;
	int r;

	*out = NULL;
	rc = hl_stmt_new(db, "SELECT event_type, filter_json FROM subscriptions "
		"WHERE endpoint_id = ? AND account_id = ? ORDER BY event_type", &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, endpoint_id);
	hl_stmt_str(st, 1, account_id);
	rc = hl_stmt_exec(st);
	*out = json_object_new_array();
	while (!rc && (r = hl_stmt_fetch(st)) != 0) {
		json_object *o;
		const char *f;

		if (r < 0) {
			rc = HL_ERR_DB;
			break;
		}
		o = json_object_new_object();
		hl_json_add_str(o, "event_type", hl_stmt_col(st, 0));
		f = hl_stmt_col(st, 1);
		json_object_object_add(o, "filter", f ? json_tokener_parse(f) : NULL);
		json_object_array_add(*out, o);
	}
	hl_stmt_free(st);
	if (rc) {
		json_object_put(*out);
		*out = NULL;
	}
	return rc;
}

hl_err
hl_endpoint_test_job(struct hl_db *db, const struct hl_config *cfg,
	const char *account_id, const char *id, const char *event_type, json_object *payload,
	struct hl_job *job)
{
	/* The delivery queue's own loader: options, auth, keys and envelope
	 * can never differ between a test send and the runner. */
	return hl_job_load_test(db, cfg, account_id, id, event_type, payload, job);
}
