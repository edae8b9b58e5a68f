/* hl_analytics.c: the SQL behind the dashboard's figures. Latency
 * percentiles are computed here from the fetched attempt durations
 * (nearest rank), so one query serves totals, series and groups. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "hl_analytics.h"
#include "hl_util.h"

#define GROUPS_MAX 200
#define CLASSES_MAX 32

/* Durations of a set of attempts and how many succeeded. */
struct stats {
	char key[130];
	char label[2049];
	long *ms;
	size_t n, cap;
	long ok;
};

static int
cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

long
hl_percentile(const long *sorted, size_t n, double p)
{
	size_t rank;

	if (n == 0)
		return -1;
	/* ceil without libm */
	rank = (size_t)(p / 100.0 * (double)n);
	if ((double)rank < p / 100.0 * (double)n)
		rank++;
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return sorted[rank - 1];
}

/* Percent with one decimal. */
static double
rate(long long ok, long long n)
{
	return (double)((ok * 1000 + n / 2) / n) / 10.0;
}

static hl_err
stats_add(struct stats *s, long ms, int ok)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		long *p = realloc(s->ms, cap * sizeof(*p));

		if (!p)
			return hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
		s->ms = p;
		s->cap = cap;
	}
	s->ms[s->n++] = ms;
	s->ok += ok != 0;
	return HL_OK;
}

/* Adds the STATS members to o (sorts s->ms). */
static void
stats_json(struct stats *s, json_object *o)
{
	const char *pk[3] = { "p50_ms", "p95_ms", "p99_ms" };
	const double pv[3] = { 50, 95, 99 };
	int i;

	if (s->n)
		qsort(s->ms, s->n, sizeof(*s->ms), cmp_long);
	hl_json_add_int(o, "attempts", (long long)s->n);
	hl_json_add_int(o, "succeeded", s->ok);
	hl_json_add_int(o, "failed", (long long)s->n - s->ok);
	if (s->n)
		json_object_object_add(o, "success_rate",
			json_object_new_double(rate(s->ok, (long long)s->n)));
	else
		json_object_object_add(o, "success_rate", NULL);
	for (i = 0; i < 3; i++) {
		if (s->n)
			hl_json_add_int(o, pk[i], hl_percentile(s->ms, s->n, pv[i]));
		else
			json_object_object_add(o, pk[i], NULL);
	}
}

/* The group with key, created when absent; NULL when there are too many. */
static struct stats *
group_for(struct stats *g, int *n, const char *key, const char *label)
{
	int i;

	for (i = 0; i < *n; i++)
		if (!strcmp(g[i].key, key))
			return &g[i];
	if (*n == GROUPS_MAX)
		return NULL;
	hl_strlcpy(g[*n].key, key, sizeof(g[*n].key));
	hl_strlcpy(g[*n].label, label ? label : "", sizeof(g[*n].label));
	return &g[(*n)++];
}

static time_t
sql_to_epoch(const char *sql)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (!strptime(sql, "%Y-%m-%d %H:%M:%S", &tm))
		return 0;
	return timegm(&tm);
}

static void
epoch_to_rfc3339(time_t t, char out[32])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int
cmp_group_attempts(const void *a, const void *b)
{
	const struct stats *x = a, *y = b;

	return (y->n > x->n) - (y->n < x->n);
}

hl_err
hl_analytics_query(struct hl_db *db, const char *account_id,
	const struct hl_analytics_filter *f, json_object **out)
{
	struct stats total, *series = NULL, *eps = NULL, *types = NULL;
	struct { char name[33]; long count; } classes[CLASSES_MAX];
	int nseries, neps = 0, ntypes = 0, nclasses = 0, i, r, truncated = 0;
	time_t since, until;
	long bucket_s;
	struct hl_stmt *st = NULL;
	json_object *o = NULL, *arr;
	char t[32];
	hl_err rc;

	*out = NULL;
	memset(&total, 0, sizeof(total));
	since = sql_to_epoch(f->since);
	until = sql_to_epoch(f->until);
	if (until <= since)
		return hl_fail(HL_ERR_INVALID, "until", "until must be later than since");
	nseries = f->buckets < 1 ? 1 : f->buckets > HL_ANALYTICS_BUCKETS_MAX ?
		HL_ANALYTICS_BUCKETS_MAX : f->buckets;
	bucket_s = (long)((until - since + nseries - 1) / nseries);
	series = calloc((size_t)nseries, sizeof(*series));
	eps = calloc(GROUPS_MAX, sizeof(*eps));
	types = calloc(GROUPS_MAX, sizeof(*types));
	if (!series || !eps || !types) {
		rc = hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
		goto out;
	}
	rc = hl_stmt_new(db, "SELECT UNIX_TIMESTAMP(a.started_at), a.error_class IS NULL, "
		"a.duration_ms, a.endpoint_id, d.event_type, a.error_class, e.url "
		"FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id "
		"LEFT JOIN endpoints e ON e.id = a.endpoint_id "
		"WHERE a.account_id = ? AND a.started_at >= ? AND a.started_at < ? "
		"AND (? IS NULL OR a.endpoint_id = ?) AND (? IS NULL OR d.event_type = ?) "
		"ORDER BY a.started_at LIMIT ?", &st);
	if (rc)
		goto out;
	hl_stmt_str(st, 0, account_id);
	hl_stmt_str(st, 1, f->since);
	hl_stmt_str(st, 2, f->until);
	hl_stmt_str(st, 3, f->endpoint_id);
	hl_stmt_str(st, 4, f->endpoint_id);
	hl_stmt_str(st, 5, f->event_type);
	hl_stmt_str(st, 6, f->event_type);
	hl_stmt_int(st, 7, HL_ANALYTICS_ROWS_MAX + 1);
	rc = hl_stmt_exec(st);
	for (i = 0; !rc && (r = hl_stmt_fetch(st)) != 0; i++) {
		long long at = hl_stmt_colint(st, 0);
		int ok = (int)hl_stmt_colint(st, 1);
		long ms = (long)hl_stmt_colint(st, 2);
		const char *cls = hl_stmt_col(st, 5);
		struct stats *g;
		long b;
		int k;

		if (r < 0) {
			rc = HL_ERR_DB;
			break;
		}
		if (i == HL_ANALYTICS_ROWS_MAX) {
			truncated = 1;
			break;
		}
		rc = stats_add(&total, ms, ok);
		b = (long)((at - (long long)since) / bucket_s);
		if (!rc && b >= 0 && b < nseries)
			rc = stats_add(&series[b], ms, ok);
		g = group_for(eps, &neps, hl_stmt_col(st, 3), hl_stmt_col(st, 6));
		if (!rc && g)
			rc = stats_add(g, ms, ok);
		g = group_for(types, &ntypes, hl_stmt_col(st, 4), NULL);
		if (!rc && g)
			rc = stats_add(g, ms, ok);
		if (!cls)
			continue;
		for (k = 0; k < nclasses && strcmp(classes[k].name, cls); k++)
			;
		if (k == nclasses && nclasses < CLASSES_MAX) {
			hl_strlcpy(classes[k].name, cls, sizeof(classes[k].name));
			classes[k].count = 0;
			nclasses++;
		}
		if (k < nclasses)
			classes[k].count++;
	}
	if (rc)
		goto out;

	o = json_object_new_object();
	epoch_to_rfc3339(since, t);
	hl_json_add_str(o, "since", t);
	epoch_to_rfc3339(until, t);
	hl_json_add_str(o, "until", t);
	hl_json_add_int(o, "bucket_seconds", bucket_s);
	hl_json_add_bool(o, "truncated", truncated);
	arr = json_object_new_object();
	stats_json(&total, arr);
	json_object_object_add(o, "totals", arr);

	arr = json_object_new_array();
	for (i = 0; i < nseries; i++) {
		json_object *p = json_object_new_object();

		epoch_to_rfc3339(since + (time_t)i * bucket_s, t);
		hl_json_add_str(p, "start", t);
		stats_json(&series[i], p);
		json_object_array_add(arr, p);
	}
	json_object_object_add(o, "series", arr);

	qsort(eps, (size_t)neps, sizeof(*eps), cmp_group_attempts);
	arr = json_object_new_array();
	for (i = 0; i < neps; i++) {
		json_object *p = json_object_new_object();

		hl_json_add_str(p, "webhook_id", eps[i].key);
		hl_json_add_str(p, "url", eps[i].label);
		stats_json(&eps[i], p);
		json_object_array_add(arr, p);
	}
	json_object_object_add(o, "by_endpoint", arr);

	qsort(types, (size_t)ntypes, sizeof(*types), cmp_group_attempts);
	arr = json_object_new_array();
	for (i = 0; i < ntypes; i++) {
		json_object *p = json_object_new_object();

		hl_json_add_str(p, "event_type", types[i].key);
		stats_json(&types[i], p);
		json_object_array_add(arr, p);
	}
	json_object_object_add(o, "by_event_type", arr);

	arr = json_object_new_array();
	for (i = 0; i < nclasses; i++) {
		json_object *p = json_object_new_object();

		hl_json_add_str(p, "error_class", classes[i].name);
		hl_json_add_int(p, "count", classes[i].count);
		json_object_array_add(arr, p);
	}
	json_object_object_add(o, "error_classes", arr);
	*out = o;
out:
	hl_stmt_free(st);
	free(total.ms);
	for (i = 0; series && i < nseries; i++)
		free(series[i].ms);
	for (i = 0; i < neps; i++)
		free(eps[i].ms);
	for (i = 0; i < ntypes; i++)
		free(types[i].ms);
	free(series);
	free(eps);
	free(types);
	return rc;
}

/* One row of counts from a constant query with the account bound twice or
 * once; cols names the members in order. */
static hl_err
counts(struct hl_db *db, const char *sql, const char *account_id, int nbind,
	const char *const *cols, int ncols, json_object *o)
{
	struct hl_stmt *st;
	int i, found;
	hl_err rc;

	rc = hl_stmt_new(db, sql, &st);
	if (rc)
		return rc;
	for (i = 0; i < nbind; i++)
		hl_stmt_str(st, (unsigned)i, account_id);
	rc = hl_stmt_first(st, &found);
	for (i = 0; !rc && found && i < ncols; i++)
		hl_json_add_int(o, cols[i], hl_stmt_colint(st, (unsigned)i));
	hl_stmt_free(st);
	return rc;
}

hl_err
hl_analytics_overview(struct hl_db *db, const char *account_id, json_object **out)
{
	static const char *const ep_cols[] = { "endpoints", "enabled", "disabled", "failing" };
	static const char *const dl_cols[] = { "deliveries_24h", "dead", "pending" };
	static const char *const at_cols[] = { "attempts_24h", "succeeded_24h" };
	json_object *o = json_object_new_object(), *list, *n, *s;
	struct hl_stmt *st = NULL;
	hl_err rc;
	int r;

	*out = NULL;
	rc = counts(db, "SELECT COUNT(*), IFNULL(SUM(enabled = 1), 0), IFNULL(SUM(enabled = 0), 0), "
		"IFNULL(SUM(enabled = 1 AND consecutive_failures > 0), 0) "
		"FROM endpoints WHERE account_id = ?", account_id, 1, ep_cols, 4, o);
	if (!rc)
		rc = counts(db, "SELECT (SELECT COUNT(*) FROM deliveries WHERE account_id = ? "
			"AND created_at >= NOW(3) - INTERVAL 1 DAY), "
			"(SELECT COUNT(*) FROM deliveries WHERE account_id = ? AND status = 'dead'), "
			"(SELECT COUNT(*) FROM deliveries WHERE account_id = ? "
			"AND status IN ('pending', 'sending', 'paused'))", account_id, 3, dl_cols, 3, o);
	if (!rc)
		rc = counts(db, "SELECT COUNT(*), IFNULL(SUM(error_class IS NULL), 0) "
			"FROM delivery_attempts WHERE account_id = ? "
			"AND started_at >= NOW(3) - INTERVAL 1 DAY", account_id, 1, at_cols, 2, o);
	if (rc)
		goto out;
	n = json_object_object_get(o, "attempts_24h");
	s = json_object_object_get(o, "succeeded_24h");
	if (n && json_object_get_int64(n) > 0)
		json_object_object_add(o, "success_rate_24h", json_object_new_double(
			rate(json_object_get_int64(s), json_object_get_int64(n))));
	else
		json_object_object_add(o, "success_rate_24h", NULL);

	/* What needs a look first: disabled, then the longest failing streaks. */
	rc = hl_stmt_new(db, "SELECT id, url, enabled, consecutive_failures, disabled_reason "
		"FROM endpoints WHERE account_id = ? AND (enabled = 0 OR consecutive_failures > 0) "
		"ORDER BY enabled, consecutive_failures DESC, id LIMIT 10", &st);
	if (rc)
		goto out;
	hl_stmt_str(st, 0, account_id);
	rc = hl_stmt_exec(st);
	list = json_object_new_array();
	json_object_object_add(o, "attention", list);
	while (!rc && (r = hl_stmt_fetch(st)) != 0) {
		json_object *e;

		if (r < 0) {
			rc = HL_ERR_DB;
			break;
		}
		e = json_object_new_object();
		hl_json_add_str(e, "id", hl_stmt_col(st, 0));
		hl_json_add_str(e, "url", hl_stmt_col(st, 1));
		hl_json_add_bool(e, "enabled", (int)hl_stmt_colint(st, 2));
		hl_json_add_int(e, "consecutive_failures", hl_stmt_colint(st, 3));
		hl_json_add_str(e, "disabled_reason", hl_stmt_col(st, 4));
		json_object_array_add(list, e);
	}
out:
	hl_stmt_free(st);
	if (rc)
		json_object_put(o);
	else
		*out = o;
	return rc;
}
