/* page_analytics.c: /webhook/analytics (success rate, volume and latency
 * over time, per endpoint, per event type, error classes) and its CSV
 * export. Charts are inline SVG whose coordinates are computed here: the
 * template only places numbers, so the page reads without JavaScript. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "hl_analytics.h"
#include "hl_util.h"
#include "pages.h"
#include "render.h"

/* Chart geometry (SVG user units). */
#define CW 600
#define CH 160
#define CTOP 10
#define CBOTTOM 150

static const char *const ranges[] = { "24h", "7d", "30d", "custom", NULL };
static const int range_days[] = { 1, 7, 30, 0 };
static const int range_buckets[] = { 24, 28, 30, 24 };

/* The page's filters (hl_page_filters), in this order; since and until
 * are read for a custom range only. */
enum filter { F_RANGE, F_WEBHOOK, F_TYPE, F__MAX };
enum custom { C_SINCE, C_UNTIL, C__MAX };

static const struct hl_page_filter filters[F__MAX + 1] = {
	[F_RANGE] = { "range", HL_PF_CHOICE, ranges, 0, NULL, NULL },
	[F_WEBHOOK] = { "webhook_id", HL_PF_ID, NULL, 0, "wh", "a webhook" },
	[F_TYPE] = { "type", HL_PF_TYPE, NULL, 0, NULL, NULL },
	[F__MAX] = { NULL, 0, NULL, 0, NULL, NULL },
};

static const struct hl_page_filter custom_filters[C__MAX + 1] = {
	[C_SINCE] = { "since", HL_PF_SINCE, NULL, 0, NULL, NULL },
	[C_UNTIL] = { "until", HL_PF_UNTIL, NULL, 0, NULL, NULL },
	[C__MAX] = { NULL, 0, NULL, 0, NULL, NULL },
};

struct range {
	struct hl_page_filter_value v[F__MAX], c[C__MAX];
	char since[32], until[32];
	struct hl_analytics_filter f;
};

/* 24h / 7d / 30d or custom since/until; -1 (noted in the dataset) when bad. */
static int
read_range(struct hl_req *r, struct range *g)
{
	HDF *hdf = hl_page_hdf(r);
	time_t now = time(NULL), until;
	int bad = 0, range;

	memset(g, 0, sizeof(*g));
	/* A range that is none of them was the last 24 hours, unsaid. */
	if (hl_page_filters(r, 0, filters, g->v))
		bad = 1;
	range = g->v[F_RANGE].choice >= 0 ? g->v[F_RANGE].choice : 0;
	g->f.buckets = range_buckets[range];
	/* Whole hours, up to the end of this one: each bar then holds whole
	 * hours, as the rollups count them. */
	until = (now / 3600 + 1) * 3600;
	hl_sql_time(until - (range_days[range] ? range_days[range] : 1) * 86400L, g->since);
	hl_sql_time(until, g->until);
	if (!strcmp(ranges[range], "custom")) {
		/* A custom range without a start read from 1970; one without an
		 * end ends now, as the fixed ranges do. */
		if (hl_page_filters(r, 0, custom_filters, g->c))
			bad = 1;
		else if (!*g->c[C_SINCE].sql) {
			hdf_set_value(hdf, "Page.FieldError.since", "a custom range needs a start "
				"(UTC); the end may be left empty for now");
			bad = 1;
		} else {
			hl_strlcpy(g->since, g->c[C_SINCE].sql, sizeof(g->since));
			if (*g->c[C_UNTIL].sql)
				hl_strlcpy(g->until, g->c[C_UNTIL].sql, sizeof(g->until));
			else if (hl_page_time_order(r, g->since, g->until))
				bad = 1;
		}
	}
	if (bad)
		hdf_set_value(hdf, "Page.Error", "Correct the highlighted filter to see analytics.");
	g->f.since = g->since;
	g->f.until = g->until;
	g->f.endpoint_id = *g->v[F_WEBHOOK].text ? g->v[F_WEBHOOK].text : NULL;
	g->f.event_type = *g->v[F_TYPE].text ? g->v[F_TYPE].text : NULL;
	g->f.retention_days = r->cfg->retention_days;
	g->f.rollup_days = r->cfg->retention_rollup_days;
	hdf_set_value(hdf, "Page.Range", g->v[F_RANGE].choice >= 0 ? ranges[range] :
		hdf_get_value(hdf, "Page.Filter.range", ""));
	if (!*hdf_get_value(hdf, "Page.Range", ""))
		hdf_set_value(hdf, "Page.Range", "24h");
	return bad ? -1 : 0;
}

static long long
num(json_object *o, const char *k)
{
	return json_object_get_int64(json_object_object_get(o, k));
}

/* One plotted series: the polyline's points and the same points as dots
 * (zero-length subpaths drawn with round caps), so that a series with a
 * single point, or with gaps, still shows on the chart. */
struct series {
	struct hl_buf line, dots;
};

static void
add_point(struct series *s, double x, double y)
{
	hl_buf_printf(&s->line, "%s%.1f,%.1f", s->line.len ? " " : "", x, y);
	hl_buf_printf(&s->dots, "M%.1f,%.1fh0", x, y);
}

static void
series_init(struct series *s)
{
	hl_buf_init(&s->line, 64 * 1024);
	hl_buf_init(&s->dots, 64 * 1024);
}

static void
series_put(HDF *hdf, const char *name, struct series *s)
{
	char key[64];

	snprintf(key, sizeof(key), "Page.Chart.%sPoints", name);
	hdf_set_value(hdf, key, hl_buf_str(&s->line));
	snprintf(key, sizeof(key), "Page.Chart.%sDots", name);
	hdf_set_value(hdf, key, hl_buf_str(&s->dots));
	hl_buf_free(&s->line);
	hl_buf_free(&s->dots);
}

/* Bars for volume (with the failed part), polylines for success rate and
 * latency percentiles. */
static void
chart(HDF *hdf, json_object *series)
{
	size_t i, n = json_object_array_length(series);
	long long max_n = 0, max_ms = 0;
	struct series rate, p50, p95, p99;
	double step = n ? (double)CW / (double)n : CW, span = CBOTTOM - CTOP;
	char key[96];

	series_init(&rate);
	series_init(&p50);
	series_init(&p95);
	series_init(&p99);
	for (i = 0; i < n; i++) {
		json_object *p = json_object_array_get_idx(series, i);

		if (num(p, "attempts") > max_n)
			max_n = num(p, "attempts");
		if (num(p, "p99_ms") > max_ms)
			max_ms = num(p, "p99_ms");
	}
	for (i = 0; i < n; i++) {
		json_object *p = json_object_array_get_idx(series, i);
		long long a = num(p, "attempts"), failed = num(p, "failed");
		double x = (double)i * step, h = max_n ? span * (double)a / (double)max_n : 0;
		double hf = max_n ? span * (double)failed / (double)max_n : 0, cx = x + step / 2;

		snprintf(key, sizeof(key), "Page.Chart.Bars.%zu.x", i);
		hdf_set_valuef(hdf, "%s=%.1f", key, x + 1);
		snprintf(key, sizeof(key), "Page.Chart.Bars.%zu.w", i);
		hdf_set_valuef(hdf, "%s=%.1f", key, step > 3 ? step - 2 : step);
		snprintf(key, sizeof(key), "Page.Chart.Bars.%zu.y", i);
		hdf_set_valuef(hdf, "%s=%.1f", key, CBOTTOM - h);
		snprintf(key, sizeof(key), "Page.Chart.Bars.%zu.h", i);
		hdf_set_valuef(hdf, "%s=%.1f", key, h);
		snprintf(key, sizeof(key), "Page.Chart.Bars.%zu.yf", i);
		hdf_set_valuef(hdf, "%s=%.1f", key, CBOTTOM - hf);
		snprintf(key, sizeof(key), "Page.Chart.Bars.%zu.hf", i);
		hdf_set_valuef(hdf, "%s=%.1f", key, hf);
		snprintf(key, sizeof(key), "Page.Chart.Bars.%zu.start", i);
		hdf_set_value(hdf, key, json_object_get_string(json_object_object_get(p, "start")));
		snprintf(key, sizeof(key), "Page.Chart.Bars.%zu.attempts", i);
		hdf_set_valuef(hdf, "%s=%lld", key, a);
		snprintf(key, sizeof(key), "Page.Chart.Bars.%zu.failed", i);
		hdf_set_valuef(hdf, "%s=%lld", key, failed);
		if (!a)
			continue;
		add_point(&rate, cx, CBOTTOM - span * json_object_get_double(
			json_object_object_get(p, "success_rate")) / 100.0);
		if (max_ms) {
			add_point(&p50, cx, CBOTTOM - span * (double)num(p, "p50_ms") / (double)max_ms);
			add_point(&p95, cx, CBOTTOM - span * (double)num(p, "p95_ms") / (double)max_ms);
			add_point(&p99, cx, CBOTTOM - span * (double)num(p, "p99_ms") / (double)max_ms);
		}
	}
	hdf_set_int_value(hdf, "Page.Chart.W", CW);
	hdf_set_int_value(hdf, "Page.Chart.H", CH);
	hdf_set_int_value(hdf, "Page.Chart.Top", CTOP);
	hdf_set_int_value(hdf, "Page.Chart.Bottom", CBOTTOM);
	hdf_set_valuef(hdf, "Page.Chart.MaxAttempts=%lld", max_n);
	hdf_set_valuef(hdf, "Page.Chart.MaxMs=%lld", max_ms);
	series_put(hdf, "Rate", &rate);
	series_put(hdf, "P50", &p50);
	series_put(hdf, "P95", &p95);
	series_put(hdf, "P99", &p99);
}

void
page_analytics(struct hl_req *r)
{
	HDF *hdf = hl_page_hdf(r);
	json_object *a = NULL;
	struct range g;
	int status = 200;
	hl_err rc;

	if (read_range(r, &g)) {
		status = 400;
	} else {
		rc = hl_analytics_query(r->db, r->who.account_id, &g.f, &a);
		if (rc) {
			hl_page_core_error(r, rc, "Computing analytics");
			return;
		}
		hl_hdf_from_json(hdf, "Page.A", a);
		chart(hdf, json_object_object_get(a, "series"));
		json_object_put(a);
	}
	hl_page_endpoint_options(r);
	hdf_set_value(hdf, "Page.Query", r->query);
	hl_page_show(r, status, "Analytics", "analytics", "analytics.cs");
}

/* One CSV field: quoted when it holds a quote, comma or line break, and
 * with a leading ' when a spreadsheet would take it for a formula. A ';'
 * is written %3B: a spreadsheet that splits on ';' (as many locales do)
 * would start a cell after it, inside the quotes, where "=1+1" is a
 * formula again. Only endpoint URLs can hold one, and %3B is the same
 * character there. */
static void
csv_field(struct hl_buf *b, const char *s, int last)
{
	const char *p;

	if (!s)
		s = "";
	if (strchr("=+-@\t\r", *s) && *s)
		hl_buf_addstr(b, "\"'");
	else if (strpbrk(s, "\",\r\n;"))
		hl_buf_addstr(b, "\"");
	else {
		hl_buf_addstr(b, s);
		hl_buf_addstr(b, last ? "\r\n" : ",");
		return;
	}
	for (p = s; *p; p++) {
		if (*p == '"')
			hl_buf_addstr(b, "\"\"");
		else if (*p == ';')
			hl_buf_addstr(b, "%3B");
		else
			hl_buf_add(b, p, 1);
	}
	hl_buf_addstr(b, last ? "\"\r\n" : "\",");
}

static void
csv_stats(struct hl_buf *b, const char *section, const char *key, const char *label,
	json_object *o)
{
	static const char *const cols[] = { "attempts", "succeeded", "failed", "success_rate",
		"p50_ms", "p95_ms", "p99_ms" };
	char num[40];
	size_t i;

	csv_field(b, section, 0);
	csv_field(b, key, 0);
	csv_field(b, label, 0);
	for (i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
		json_object *v = json_object_object_get(o, cols[i]);

		csv_field(b, hl_json_text(v, num, sizeof(num)), i + 1 == sizeof(cols) / sizeof(cols[0]));
	}
}

void
page_analytics_csv(struct hl_req *r)
{
	json_object *a = NULL, *arr;
	struct range g;
	size_t i, n;
	hl_err rc;

	if (read_range(r, &g)) {
		hl_page_error(r, 400, "The time range or filter is not valid.");
		return;
	}
	rc = hl_analytics_query(r->db, r->who.account_id, &g.f, &a);
	if (rc) {
		hl_page_core_error(r, rc, "Computing analytics");
		return;
	}
	hl_buf_reset(&r->out);
	hl_buf_addstr(&r->out, "section,key,label,attempts,succeeded,failed,success_rate,"
		"p50_ms,p95_ms,p99_ms\r\n");
	csv_stats(&r->out, "total", "", "", json_object_object_get(a, "totals"));
	arr = json_object_object_get(a, "series");
	n = json_object_array_length(arr);
	for (i = 0; i < n; i++) {
		json_object *p = json_object_array_get_idx(arr, i);

		csv_stats(&r->out, "time", json_object_get_string(json_object_object_get(p, "start")),
			"", p);
	}
	arr = json_object_object_get(a, "by_endpoint");
	n = json_object_array_length(arr);
	for (i = 0; i < n; i++) {
		json_object *p = json_object_array_get_idx(arr, i);

		csv_stats(&r->out, "endpoint", json_object_get_string(json_object_object_get(p,
			"webhook_id")), json_object_get_string(json_object_object_get(p, "url")), p);
	}
	arr = json_object_object_get(a, "by_event_type");
	n = json_object_array_length(arr);
	for (i = 0; i < n; i++) {
		json_object *p = json_object_array_get_idx(arr, i);

		csv_stats(&r->out, "event_type", json_object_get_string(json_object_object_get(p,
			"event_type")), "", p);
	}
	arr = json_object_object_get(a, "error_classes");
	n = json_object_array_length(arr);
	for (i = 0; i < n; i++) {
		json_object *p = json_object_array_get_idx(arr, i);

		csv_field(&r->out, "error_class", 0);
		csv_field(&r->out, json_object_get_string(json_object_object_get(p, "error_class")), 0);
		csv_field(&r->out, "", 0);
		csv_field(&r->out, json_object_get_string(json_object_object_get(p, "count")), 0);
		hl_buf_addstr(&r->out, ",,,,,\r\n");
	}
	json_object_put(a);
	r->status = 200;
	hl_resp_header(r, "Content-Type", "text/csv; charset=utf-8");
	hl_resp_header(r, "Content-Disposition", "attachment; filename=\"hookline-analytics.csv\"");
	hl_resp_header(r, "Cache-Control", "no-store");
	r->responded = 1;
}
