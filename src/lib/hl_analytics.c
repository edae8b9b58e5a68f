/* hl_analytics.c: the SQL behind the dashboard's figures. MariaDB groups
 * the attempts of a range by time bucket, endpoint, event type, error
 * class and latency bucket, so a query returns at most a few thousand
 * rows however many attempts the range holds, and every attempt counts;
 * latency percentiles are read here from the merged histograms. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "hl_analytics.h"
#include "hl_rollups.h"
#include "hl_util.h"

#define GROUPS_MAX 200
#define CLASSES_MAX 32

/* Latency buckets: one per millisecond below LAT_EXACT, then 16 per power
 * of two (HL_LATENCY_BUCKET_SQL is the same function for MariaDB). */
#define LAT_EXACT 64

int
hl_latency_bucket(long long ms)
{
	int e = 0;

	if (ms < LAT_EXACT)
		return ms < 0 ? 0 : (int)ms;
	if (ms > 0x7fffffffLL)
		ms = 0x7fffffffLL;
	while (ms >> (e + 1))
		e++;
	return LAT_EXACT + (e - 6) * 16 + (int)((ms >> (e - 4)) & 15);
}

long long
hl_latency_bucket_max(int b)
{
	int e, sub;

	if (b < LAT_EXACT)
		return b < 0 ? 0 : b;
	if (b >= HL_LATENCY_BUCKETS)
		b = HL_LATENCY_BUCKETS - 1;
	e = 6 + (b - LAT_EXACT) / 16;
	sub = (b - LAT_EXACT) % 16;
	return ((long long)(16 + sub) << (e - 4)) + (1LL << (e - 4)) - 1;
}

long long
hl_latency_percentile(const long long *hist, long long n, int p)
{
	long long rank, seen = 0;
	int b;

	if (n <= 0)
		return -1;
	/* Nearest rank: the ceil(p n / 100)-th smallest, at least the first. */
	rank = ((long long)p * n + 99) / 100;
	if (rank < 1)
		rank = 1;
	for (b = 0; b < HL_LATENCY_BUCKETS; b++) {
		seen += hist[b];
		if (seen >= rank)
			return hl_latency_bucket_max(b);
	}
	return hl_latency_bucket_max(HL_LATENCY_BUCKETS - 1);
}

/* Attempts of a set, how many succeeded, and their latency histogram. */
struct stats {
	char key[130];
	char label[2049];
	int has_label;                /* 0: the endpoint was deleted since */
	long long *hist;              /* HL_LATENCY_BUCKETS counts, from the first attempt */
	long long n, ok;
};

/* Percent with one decimal, as a JSON number that prints so: a plain
 * double prints with 17 digits (85.700000000000003), which the page,
 * the CSV and the API showed as they were. Rounded to the nearest, except
 * that a failure keeps it below 100.0 and a success above 0.0: "100.0 %"
 * must mean that nothing failed. */
static json_object *
rate(long long ok, long long n)
{
	long long tenths = (ok * 1000 + n / 2) / n;
	char text[24];

	if (tenths == 1000 && ok < n)
		tenths = 999;
	else if (tenths == 0 && ok > 0)
		tenths = 1;

	snprintf(text, sizeof(text), "%lld.%lld", tenths / 10, tenths % 10);
	return json_object_new_double_s((double)tenths / 10.0, text);
}

static hl_err
stats_add(struct stats *s, int bucket, long long count, int ok)
{
	if (!s->hist) {
		s->hist = calloc(HL_LATENCY_BUCKETS, sizeof(*s->hist));
		if (!s->hist)
			return hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
	}
	if (bucket < 0 || bucket >= HL_LATENCY_BUCKETS)
		bucket = bucket < 0 ? 0 : HL_LATENCY_BUCKETS - 1;
	s->hist[bucket] += count;
	s->n += count;
	if (ok)
		s->ok += count;
	return HL_OK;
}

/* Adds the STATS members to o. */
static void
stats_json(const struct stats *s, json_object *o)
{
	const char *pk[3] = { "p50_ms", "p95_ms", "p99_ms" };
	const int pv[3] = { 50, 95, 99 };
	int i;

	hl_json_add_int(o, "attempts", s->n);
	hl_json_add_int(o, "succeeded", s->ok);
	hl_json_add_int(o, "failed", s->n - s->ok);
	if (s->n)
		json_object_object_add(o, "success_rate", rate(s->ok, s->n));
	else
		json_object_object_add(o, "success_rate", NULL);
	for (i = 0; i < 3; i++) {
		if (s->n)
			hl_json_add_int(o, pk[i], hl_latency_percentile(s->hist, s->n, pv[i]));
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
	g[*n].has_label = label != NULL;
	return &g[(*n)++];
}

static void
epoch_to_rfc3339(time_t t, char out[32])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Most attempts first, ties by key: the order must not depend on the
 * order the rows came in, which changes when an hour is rolled up (its
 * rows then come from another query). */
static int
cmp_group_attempts(const void *a, const void *b)
{
	const struct stats *x = a, *y = b;

	if (x->n != y->n)
		return (y->n > x->n) - (y->n < x->n);
	return strcmp(x->key, y->key);
}

struct class_count {
	char name[33];
	long long count;
};

static int
cmp_class_count(const void *a, const void *b)
{
	const struct class_count *x = a, *y = b;

	if (x->count != y->count)
		return (y->count > x->count) - (y->count < x->count);
	return strcmp(x->name, y->name);
}

/* Everything a query adds up. */
struct agg {
	time_t since;
	long bucket_s;
	struct stats total, *series, *eps, *types;
	struct class_count classes[CLASSES_MAX];
	int nseries, neps, ntypes, nclasses, truncated;
};

/* Add the rows of st: (time bucket, endpoint, event type, error class or
 * NULL, latency bucket, attempts, endpoint URL). */
static hl_err
fold(struct agg *g, struct hl_stmt *st)
{
	hl_err rc = hl_stmt_exec(st);
	int r;

	while (!rc && (r = hl_stmt_fetch(st)) != 0) {
		long long b, n;
		const char *cls;
		struct stats *grp;
		int lb, ok, k;

		if (r < 0)
			return HL_ERR_DB;
		b = hl_stmt_colint(st, 0);
		cls = hl_stmt_col(st, 3);
		lb = (int)hl_stmt_colint(st, 4);
		n = hl_stmt_colint(st, 5);
		ok = cls == NULL;
		rc = stats_add(&g->total, lb, n, ok);
		if (!rc && b >= 0 && b < g->nseries)
			rc = stats_add(&g->series[b], lb, n, ok);
		grp = group_for(g->eps, &g->neps, hl_stmt_col(st, 1), hl_stmt_col(st, 6));
		if (!grp)
			g->truncated = 1;
		else if (!rc)
			rc = stats_add(grp, lb, n, ok);
		grp = group_for(g->types, &g->ntypes, hl_stmt_col(st, 2), NULL);
		if (!grp)
			g->truncated = 1;
		else if (!rc)
			rc = stats_add(grp, lb, n, ok);
		if (!cls)
			continue;
		for (k = 0; k < g->nclasses && strcmp(g->classes[k].name, cls); k++)
			;
		if (k == g->nclasses && g->nclasses < CLASSES_MAX) {
			hl_strlcpy(g->classes[k].name, cls, sizeof(g->classes[k].name));
			g->classes[k].count = 0;
			g->nclasses++;
		}
		if (k < g->nclasses)
			g->classes[k].count += n;
	}
	return rc;
}

/* Grouped attempts that started in [t0, t1), the same grouping as
 * ROLLUP_SQL. Binds: series start, bucket seconds, account, the times,
 * endpoint twice, event type twice. The plan is fixed: MariaDB took a
 * busy delivery's attempts (attempts_delivery) for an hour's range when
 * its estimate for that hour came out high, 10x slower. */
#define ATTEMPTS_SQL "SELECT g.b, g.endpoint_id, g.event_type, g.error_class, g.lb, g.n, " \
	"e.url FROM (SELECT FLOOR((UNIX_TIMESTAMP(a.started_at) - ?) / ?) AS b, " \
	"a.endpoint_id, d.event_type, a.error_class, " \
	HL_LATENCY_BUCKET_SQL("a.duration_ms") " AS lb, COUNT(*) AS n " \
	"FROM delivery_attempts a FORCE INDEX (attempts_account_time, attempts_endpoint_time) " \
	"STRAIGHT_JOIN deliveries d ON d.id = a.delivery_id " \
	"WHERE a.account_id = ? AND a.started_at >= ? AND a.started_at < ? " \
	"AND (? IS NULL OR a.endpoint_id = ?) AND (? IS NULL OR d.event_type = ?) " \
	"GROUP BY b, a.endpoint_id, d.event_type, a.error_class, lb) g " \
	"LEFT JOIN endpoints e ON e.id = g.endpoint_id"
/* Rolled-up hours of [t0, t1); an hour counts in the series point its
 * start falls in. */
#define ROLLUP_SQL "SELECT g.b, g.endpoint_id, g.event_type, NULLIF(g.error_class, ''), " \
	"g.latency_bucket, g.n, e.url FROM (SELECT FLOOR((UNIX_TIMESTAMP(r.hour) - ?) / ?) AS b, " \
	"r.endpoint_id, r.event_type, r.error_class, r.latency_bucket, SUM(r.attempts) AS n " \
	"FROM attempt_rollups r WHERE r.account_id = ? AND r.hour >= ? AND r.hour < ? " \
	"AND (? IS NULL OR r.endpoint_id = ?) AND (? IS NULL OR r.event_type = ?) " \
	"GROUP BY b, r.endpoint_id, r.event_type, r.error_class, r.latency_bucket) g " \
	"LEFT JOIN endpoints e ON e.id = g.endpoint_id"

/* Run sql (ATTEMPTS_SQL or ROLLUP_SQL) over [t0, t1) and fold its rows. */
static hl_err
fold_query(struct agg *g, struct hl_db *db, const char *sql, const char *account_id,
	const struct hl_analytics_filter *f, time_t t0, time_t t1)
{
	const time_t times[2] = { t0, t1 };
	struct hl_stmt *st;
	char t[2][32];
	unsigned i;
	hl_err rc;

	rc = hl_stmt_new(db, sql, &st);
	if (rc)
		return rc;
	hl_stmt_int(st, 0, (long long)g->since);
	hl_stmt_int(st, 1, g->bucket_s);
	hl_stmt_str(st, 2, account_id);
	for (i = 0; i < 2; i++) {
		hl_sql_time(times[i], t[i]);
		hl_stmt_str(st, 3 + i, t[i]);
	}
	hl_stmt_str(st, 5, f->endpoint_id);
	hl_stmt_str(st, 6, f->endpoint_id);
	hl_stmt_str(st, 7, f->event_type);
	hl_stmt_str(st, 8, f->event_type);
	rc = fold(g, st);
	hl_stmt_free(st);
	return rc;
}

/* Is the hour from h read from the rollups? Only a rolled-up one
 * ([r0, r1)), and only where it lies in one series point (it has no finer
 * time) or its attempts may be gone already (before stored). */
static int
hour_from_rollups(const struct agg *g, time_t h, time_t r0, time_t r1, time_t stored)
{
	if (h < r0 || h >= r1)
		return 0;
	return h < stored || g->nseries == 1 ||
		(h - g->since) / g->bucket_s == (h + 3599 - g->since) / g->bucket_s;
}

/* Fold [since, until): one query per run of hours read the same way. */
static hl_err
fold_range(struct agg *g, struct hl_db *db, const char *account_id,
	const struct hl_analytics_filter *f, time_t until, time_t r0, time_t r1, time_t stored)
{
	time_t t = g->since, e;
	int rolled;
	hl_err rc = HL_OK;

	while (!rc && t < until) {
		rolled = hour_from_rollups(g, t, r0, r1, stored);
		e = t;
		/* Past the rolled-up hours the rest is one run: no stepping
		 * hour by hour to a far until (9999 is 70 million hours). */
		do
			e = e < r0 ? r0 : e >= r1 ? until : e + 3600;
		while (e < until && hour_from_rollups(g, e, r0, r1, stored) == rolled);
		if (e > until)
			e = until;
		rc = fold_query(g, db, rolled ? ROLLUP_SQL : ATTEMPTS_SQL, account_id, f, t, e);
		t = e;
	}
	return rc;
}

hl_err
hl_analytics_query(struct hl_db *db, const char *account_id,
	const struct hl_analytics_filter *f, json_object **out)
{
	struct agg g;
	time_t since, until, r0, r1, stored, now, expired;
	long long rolled;
	json_object *o = NULL, *arr;
	char t[32];
	int i;
	hl_err rc;

	*out = NULL;
	memset(&g, 0, sizeof(g));
	since = hl_sql_time_epoch(f->since);
	until = hl_sql_time_epoch(f->until);
	if (until <= since)
		return hl_fail(HL_ERR_INVALID, "until", "until must be later than since");
	g.since = since;
	g.nseries = f->buckets < 1 ? 1 : f->buckets > HL_ANALYTICS_BUCKETS_MAX ?
		HL_ANALYTICS_BUCKETS_MAX : f->buckets;
	g.bucket_s = (long)((until - since + g.nseries - 1) / g.nseries);
	/* Whole seconds per point: 101 s in 60 points is 2 s each, so 51
	 * points cover it; the other 9 would start after until. */
	g.nseries = (int)((until - since + g.bucket_s - 1) / g.bucket_s);
	g.series = calloc((size_t)g.nseries, sizeof(*g.series));
	g.eps = calloc(GROUPS_MAX, sizeof(*g.eps));
	g.types = calloc(GROUPS_MAX, sizeof(*g.types));
	if (!g.series || !g.eps || !g.types) {
		rc = hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
		goto out;
	}
	/* The whole hours of the range that are rolled up ([r0, r1)) come
	 * from the rollups; the rest (its partial first and last hours, and
	 * the hours not rolled up yet) from the attempts. A rolled-up hour
	 * across two series points comes from the attempts too where they
	 * are all still stored: after the retention cutoff (a delivery goes
	 * only once completed before it; an hour's margin for the clock of
	 * the host that purged). */
	rc = hl_rollup_next_hour(db, &rolled);
	if (rc)
		goto out;
	now = time(NULL);
	r0 = (since + 3599) / 3600 * 3600;
	/* Attempts kept longer than their rollups: the hours whose rollups
	 * a pass may have expired (an hour's margin for its clock) are read
	 * from the attempts, which still hold them; the rollups would answer
	 * 0. */
	if (f->rollup_days > 0 && (f->retention_days <= 0 || f->retention_days > f->rollup_days)) {
		expired = now - (time_t)f->rollup_days * 86400 + 3600;
		expired = (expired + 3599) / 3600 * 3600;
		if (r0 < expired)
			r0 = expired;
	}
	r1 = until / 3600 * 3600;
	if (rolled < 0 || r1 > (time_t)rolled)
		r1 = rolled < 0 ? r0 : (time_t)rolled;
	if (r1 < r0)
		r1 = r0;
	stored = f->retention_days > 0 ? now - (time_t)f->retention_days * 86400 + 3600 : 0;
	rc = fold_range(&g, db, account_id, f, until, r0, r1, (stored + 3599) / 3600 * 3600);
	if (rc)
		goto out;

	o = json_object_new_object();
	epoch_to_rfc3339(since, t);
	hl_json_add_str(o, "since", t);
	epoch_to_rfc3339(until, t);
	hl_json_add_str(o, "until", t);
	hl_json_add_int(o, "bucket_seconds", g.bucket_s);
	hl_json_add_bool(o, "truncated", g.truncated);
	arr = json_object_new_object();
	stats_json(&g.total, arr);
	json_object_object_add(o, "totals", arr);

	arr = json_object_new_array();
	for (i = 0; i < g.nseries; i++) {
		json_object *p = json_object_new_object();

		epoch_to_rfc3339(since + (time_t)i * g.bucket_s, t);
		hl_json_add_str(p, "start", t);
		stats_json(&g.series[i], p);
		json_object_array_add(arr, p);
	}
	json_object_object_add(o, "series", arr);

	qsort(g.eps, (size_t)g.neps, sizeof(*g.eps), cmp_group_attempts);
	arr = json_object_new_array();
	for (i = 0; i < g.neps; i++) {
		json_object *p = json_object_new_object();

		hl_json_add_str(p, "webhook_id", g.eps[i].key);
		/* null: a webhook deleted since, counted from its rollups. */
		json_object_object_add(p, "url", g.eps[i].has_label ?
			json_object_new_string(g.eps[i].label) : NULL);
		stats_json(&g.eps[i], p);
		json_object_array_add(arr, p);
	}
	json_object_object_add(o, "by_endpoint", arr);

	qsort(g.types, (size_t)g.ntypes, sizeof(*g.types), cmp_group_attempts);
	arr = json_object_new_array();
	for (i = 0; i < g.ntypes; i++) {
		json_object *p = json_object_new_object();

		hl_json_add_str(p, "event_type", g.types[i].key);
		stats_json(&g.types[i], p);
		json_object_array_add(arr, p);
	}
	json_object_object_add(o, "by_event_type", arr);

	qsort(g.classes, (size_t)g.nclasses, sizeof(*g.classes), cmp_class_count);
	arr = json_object_new_array();
	for (i = 0; i < g.nclasses; i++) {
		json_object *p = json_object_new_object();

		hl_json_add_str(p, "error_class", g.classes[i].name);
		hl_json_add_int(p, "count", g.classes[i].count);
		json_object_array_add(arr, p);
	}
	json_object_object_add(o, "error_classes", arr);
	*out = o;
out:
	free(g.total.hist);
	for (i = 0; g.series && i < g.nseries; i++)
		free(g.series[i].hist);
	for (i = 0; i < g.neps; i++)
		free(g.eps[i].hist);
	for (i = 0; i < g.ntypes; i++)
		free(g.types[i].hist);
	free(g.series);
	free(g.eps);
	free(g.types);
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

/* The account's deliveries in one status, through its endpoints:
 * deliveries_endpoint_status (endpoint_id, status, id) holds just the rows
 * counted. account_id and status together are in no index (it would be
 * one more index on the status that every claim and completion moves),
 * and counting by status alone read every account's dead rows. */
#define DEAD_OR_UNFINISHED(status) "(SELECT COUNT(*) FROM endpoints e JOIN deliveries d " \
	"ON d.endpoint_id = e.id AND d.status = '" status "' WHERE e.account_id = ?)"

/* The account's deliveries made since a SQL time. */
static hl_err
deliveries_since(struct hl_db *db, const char *account_id, const char *since, long long *n)
{
	struct hl_stmt *st;
	int found;
	hl_err rc;

	*n = 0;
	rc = hl_stmt_new(db, "SELECT COUNT(*) FROM deliveries WHERE account_id = ? "
		"AND created_at >= ?", &st);
	if (rc)
		return rc;
	hl_stmt_str(st, 0, account_id);
	hl_stmt_str(st, 1, since);
	rc = hl_stmt_first(st, &found);
	if (!rc && found)
		*n = hl_stmt_colint(st, 0);
	hl_stmt_free(st);
	return rc;
}

hl_err
hl_analytics_overview(struct hl_db *db, const char *account_id, json_object **out)
{
	static const char *const ep_cols[] = { "endpoints", "enabled", "disabled", "failing" };
	static const char *const dl_cols[] = { "dead", "pending", "sending", "paused" };
	struct hl_analytics_filter f = { 0 };
	json_object *o = json_object_new_object(), *list, *day = NULL, *totals;
	struct hl_stmt *st = NULL;
	char since[32], until[32], day_ago[32], stamp[32];
	long long n = 0;
	time_t now;
	hl_err rc;
	int r;

	*out = NULL;
	now = time(NULL);
	/* Each count is of what its tile's link lists: the failing and
	 * disabled endpoints as hl_endpoint_list_health filters them, the
	 * deliveries since the time the link carries (deliveries_since). */
	rc = counts(db, "SELECT COUNT(*), IFNULL(SUM(enabled = 1), 0), IFNULL(SUM(enabled = 0), 0), "
		"IFNULL(SUM(enabled = 1 AND consecutive_failures > 0), 0) "
		"FROM endpoints WHERE account_id = ?", account_id, 1, ep_cols, 4, o);
	if (!rc)
		rc = counts(db, "SELECT " DEAD_OR_UNFINISHED("dead") ", "
			DEAD_OR_UNFINISHED("pending") ", " DEAD_OR_UNFINISHED("sending") ", "
			DEAD_OR_UNFINISHED("paused"), account_id, 4, dl_cols, 4, o);
	hl_sql_time(now - 86400, day_ago);
	if (!rc)
		rc = deliveries_since(db, account_id, day_ago, &n);
	if (rc)
		goto out;
	hl_json_add_int(o, "deliveries_24h", n);
	/* UTC without a zone, as a datetime-local field (the deliveries
	 * page's since) shows it. */
	hl_strlcpy(stamp, day_ago, sizeof(stamp));
	stamp[10] = 'T';
	hl_json_add_str(o, "deliveries_since", stamp);
	hl_json_add_int(o, "deliveries_since_ms", (long long)(now - 86400) * 1000);
	hl_json_add_int(o, "waiting", json_object_get_int64(json_object_object_get(o, "pending")) +
		json_object_get_int64(json_object_object_get(o, "sending")) +
		json_object_get_int64(json_object_object_get(o, "paused")));
	/* The day's attempts as the analytics count them: the whole hours
	 * rolled up from attempt_rollups, only the rest from the attempts.
	 * Counting a day of attempts row by row (error_class is not in the
	 * index) took seconds per view at a few hundred thousand a day. The
	 * window is the analytics page's "Last 24 hours" (to the end of this
	 * hour), where the tile links. */
	hl_sql_time((now / 3600 + 1) * 3600, until);
	hl_sql_time((now / 3600 + 1) * 3600 - 86400, since);
	f.since = since;
	f.until = until;
	f.buckets = 1;
	rc = hl_analytics_query(db, account_id, &f, &day);
	if (rc)
		goto out;
	totals = json_object_object_get(day, "totals");
	hl_json_add_int(o, "attempts_24h", json_object_get_int64(json_object_object_get(totals,
		"attempts")));
	hl_json_add_int(o, "succeeded_24h", json_object_get_int64(json_object_object_get(totals,
		"succeeded")));
	json_object_object_add(o, "success_rate_24h",
		json_object_get(json_object_object_get(totals, "success_rate")));
	json_object_put(day);

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
