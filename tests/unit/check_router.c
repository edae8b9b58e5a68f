/* check_router.c: unit tests for route matching (typed id segments,
 * 405 with Allow, HEAD as GET), URL decoding, the headers a request is
 * logged with (redacted, within their column), and the escaping of
 * hostile values by the ClearSilver rendering the pages use. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hl_crypto.h"
#include "hl_util.h"
#include "render.h"
#include "router.h"
#include "check_main.h"

static void h_list(struct hl_req *r) { (void)r; }
static void h_get(struct hl_req *r) { (void)r; }
static void h_put(struct hl_req *r) { (void)r; }
static void h_events(struct hl_req *r) { (void)r; }
static void h_static(struct hl_req *r) { (void)r; }

static const struct hl_route table[] = {
	{ HL_GET, "/webhooks", h_list, HL_AUTH_API, 0, NULL },
	{ HL_GET, "/webhooks/events", h_events, HL_AUTH_API, 0, NULL },
	{ HL_GET, "/webhooks/{wh}", h_get, HL_AUTH_API, 0, NULL },
	{ HL_PUT, "/webhooks/{wh}", h_put, HL_AUTH_API, 0, NULL },
	{ HL_GET, "/webhook/static/{*}", h_static, HL_AUTH_NONE, 0, NULL },
	{ HL_POST, "/webhooks/incoming/{*slug}", h_put, HL_AUTH_NONE, 0, NULL },
};
#define NT (sizeof(table) / sizeof(table[0]))

/* The real table is not linked here; the router refers to it. */
const struct hl_route hl_routes[] = { { HL_GET, "/", h_list, HL_AUTH_NONE, 0, NULL } };
const size_t hl_nroutes = 1;

static enum hl_match_result
find(enum hl_method m, const char *path, const struct hl_route **route, char *allow)
{
	static struct hl_req r;

	memset(&r, 0, sizeof(r));
	r.method = m;
	r.path = (char *)path;
	return hl_route_find(table, NT, &r, route, allow, 128);
}

START_TEST(test_ids_do_not_collide)
{
	const struct hl_route *route;
	char allow[128], id[HL_ID_MAX], path[128];

	ck_assert_int_eq(find(HL_GET, "/webhooks/events", &route, allow), HL_MATCH_OK);
	ck_assert_ptr_eq(route->handler, h_events);
	ck_assert_int_eq(hl_id_new("wh", id), HL_OK);
	snprintf(path, sizeof(path), "/webhooks/%s", id);
	ck_assert_int_eq(find(HL_GET, path, &route, allow), HL_MATCH_OK);
	ck_assert_ptr_eq(route->handler, h_get);
	/* An id of another kind, or garbage, is not a webhook id. */
	ck_assert_int_eq(hl_id_new("dlv", id), HL_OK);
	snprintf(path, sizeof(path), "/webhooks/%s", id);
	ck_assert_int_eq(find(HL_GET, path, &route, allow), HL_MATCH_NONE);
	ck_assert_int_eq(find(HL_GET, "/webhooks/123", &route, allow), HL_MATCH_NONE);
	ck_assert_int_eq(find(HL_GET, "/webhooks/", &route, allow), HL_MATCH_NONE);
	ck_assert_int_eq(find(HL_GET, "/webhooksx", &route, allow), HL_MATCH_NONE);
}
END_TEST

START_TEST(test_method_not_allowed)
{
	const struct hl_route *route;
	char allow[128], id[HL_ID_MAX], path[128];

	ck_assert_int_eq(hl_id_new("wh", id), HL_OK);
	snprintf(path, sizeof(path), "/webhooks/%s", id);
	ck_assert_int_eq(find(HL_DELETE, path, &route, allow), HL_MATCH_METHOD);
	ck_assert_str_eq(allow, "GET, HEAD, PUT");
	ck_assert_int_eq(find(HL_HEAD, "/webhooks", &route, allow), HL_MATCH_OK);
	ck_assert_ptr_eq(route->handler, h_list);
}
END_TEST

START_TEST(test_static_names)
{
	const struct hl_route *route;
	char allow[128];

	ck_assert_int_eq(find(HL_GET, "/webhook/static/hookline.css", &route, allow), HL_MATCH_OK);
	ck_assert_int_eq(find(HL_GET, "/webhook/static/../secret", &route, allow), HL_MATCH_NONE);
	ck_assert_int_eq(find(HL_GET, "/webhook/static/.hidden", &route, allow), HL_MATCH_NONE);
	ck_assert_int_eq(find(HL_GET, "/webhook/static/a/b.css", &route, allow), HL_MATCH_NONE);
	/* A named free segment ("{*slug}") matches the same way. */
	ck_assert_int_eq(find(HL_POST, "/webhooks/incoming/github-ci", &route, allow), HL_MATCH_OK);
	ck_assert_ptr_eq(route->handler, h_put);
	ck_assert_int_eq(find(HL_POST, "/webhooks/incoming/a/b", &route, allow), HL_MATCH_NONE);
	ck_assert_int_eq(find(HL_POST, "/webhooks/incoming/", &route, allow), HL_MATCH_NONE);
	ck_assert_int_eq(find(HL_POST, "/webhooks/incoming/%2e", &route, allow), HL_MATCH_NONE);
}
END_TEST

START_TEST(test_url_decode)
{
	char out[32];

	ck_assert_int_eq(hl_url_decode("a%20b+c", 7, out, sizeof(out), 1), 0);
	ck_assert_str_eq(out, "a b c");
	ck_assert_int_eq(hl_url_decode("a+b", 3, out, sizeof(out), 0), 0);
	ck_assert_str_eq(out, "a+b");
	ck_assert_int_eq(hl_url_decode("%zz", 3, out, sizeof(out), 0), -1);
	ck_assert_int_eq(hl_url_decode("%4", 2, out, sizeof(out), 0), -1);
	ck_assert_int_eq(hl_url_decode("%00", 3, out, sizeof(out), 0), -1);
	ck_assert_int_eq(hl_url_decode("abcdef", 6, out, 4, 0), -1);
}
END_TEST

/* The request's headers as hl_req_headers_json gives them (plain CGI:
 * from the environment), and their JSON text as the log stores it. */
static json_object *
headers_now(const char **text, size_t *len)
{
	static struct hl_req r;
	json_object *h;

	memset(&r, 0, sizeof(r));
	h = hl_req_headers_json(&r);
	*text = json_object_to_json_string_length(h, JSON_C_TO_STRING_PLAIN, len);
	return h;
}

START_TEST(test_headers_redacted)
{
	static const char *const secret[] = { "HTTP_AUTHORIZATION", "HTTP_COOKIE",
		"HTTP_PROXY_AUTHORIZATION", "HTTP_X_GITLAB_TOKEN", "HTTP_X_API_KEY",
		"HTTP_X_AUTH_TOKEN", "HTTP_X_ACCESS_TOKEN", "HTTP_X_WEBHOOK_SECRET",
		"HTTP_X_WEBHOOK_TOKEN" };
	const char *text;
	json_object *h;
	size_t i, len;

	unsetenv("CONTENT_TYPE");
	for (i = 0; i < sizeof(secret) / sizeof(secret[0]); i++)
		setenv(secret[i], "do-not-log-me", 1);
	setenv("HTTP_X_GITLAB_EVENT", "Push Hook", 1);
	h = headers_now(&text, &len);
	ck_assert_ptr_null(strstr(text, "do-not-log-me"));
	ck_assert_str_eq(hl_json_get_str(h, "x-gitlab-token"), "[redacted]");
	ck_assert_str_eq(hl_json_get_str(h, "x-api-key"), "[redacted]");
	ck_assert_str_eq(hl_json_get_str(h, "x-webhook-secret"), "[redacted]");
	ck_assert_str_eq(hl_json_get_str(h, "x-gitlab-event"), "Push Hook");
	ck_assert_ptr_null(hl_json_get_str(h, "(omitted)"));
	json_object_put(h);
}
END_TEST

/* Apache takes 100 headers of 8 KB: far more than the 64 KiB TEXT column
 * the log keeps them in, and a row that does not fit is not written. */
START_TEST(test_headers_fit_their_column)
{
	char name[32], value[2100];
	const char *text;
	json_object *h;
	size_t len;
	int i, kept = 0;

	unsetenv("CONTENT_TYPE");
	/* Tabs and slashes: the value grows when it is escaped. */
	for (i = 0; i < 2099; i++)
		value[i] = i % 2 ? '/' : '\t';
	value[2099] = '\0';
	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "HTTP_X_FILL_%03d", i);
		setenv(name, value, 1);
	}
	setenv("CONTENT_TYPE", "application/json", 1);
	h = headers_now(&text, &len);
	ck_assert_uint_le(len, HL_REQ_HEADERS_JSON_MAX);
	ck_assert_uint_gt(len, HL_REQ_HEADERS_JSON_MAX / 2);
	ck_assert_str_eq(hl_json_get_str(h, "content-type"), "application/json");
	json_object_object_foreach(h, k, v) {
		(void)v;
		kept += !strncmp(k, "x-fill-", 7);
	}
	ck_assert_int_gt(kept, 0);
	ck_assert_int_lt(kept, 100);
	ck_assert_ptr_nonnull(hl_json_get_str(h, "(omitted)"));
	ck_assert_int_eq(strtol(hl_json_get_str(h, "(omitted)"), NULL, 10), 100 - kept);
	ck_assert_ptr_nonnull(strstr(hl_json_get_str(h, "(omitted)"), "more headers"));
	json_object_put(h);
}
END_TEST

/* Render a hostile value through a template in html escape mode. */
START_TEST(test_render_escapes)
{
	char dir[] = "/tmp/hl-render-XXXXXX", path[64];
	const char *hostile = "<script>alert(1)</script>\"'&";
	struct hl_buf out;
	HDF *hdf;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/t.cs", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("<p title=\"<?cs var:V ?>\"><?cs var:V ?></p>", f);
	fclose(f);
	ck_assert_ptr_null(hdf_init(&hdf));
	hdf_set_value(hdf, "V", hostile);
	hl_buf_init(&out, 4096);
	ck_assert_int_eq(hl_render(dir, hdf, "t.cs", &out), HL_OK);
	ck_assert_ptr_null(strstr(hl_buf_str(&out), "<script>"));
	ck_assert_ptr_nonnull(strstr(hl_buf_str(&out), "&lt;script&gt;alert(1)&lt;/script&gt;"));
	ck_assert_ptr_nonnull(strstr(hl_buf_str(&out), "&quot;"));
	ck_assert_ptr_null(strstr(hl_buf_str(&out), "\"'&\""));
	hl_buf_free(&out);
	hdf_destroy(&hdf);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(test_hdf_from_json)
{
	json_object *o = json_tokener_parse("{\"a\": [\"x\", {\"b\": true}], \"n\": null, \"i\": 3}");
	HDF *hdf;

	ck_assert_ptr_null(hdf_init(&hdf));
	ck_assert_int_eq(hl_hdf_from_json(hdf, "P", o), HL_OK);
	ck_assert_str_eq(hdf_get_value(hdf, "P.a.0", ""), "x");
	ck_assert_str_eq(hdf_get_value(hdf, "P.a.1.b", ""), "1");
	ck_assert_str_eq(hdf_get_value(hdf, "P.i", ""), "3");
	ck_assert_ptr_null(hdf_get_value(hdf, "P.n", NULL));
	hdf_destroy(&hdf);
	json_object_put(o);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("router");
	TCase *tc = tcase_create("router");

	tcase_add_test(tc, test_ids_do_not_collide);
	tcase_add_test(tc, test_method_not_allowed);
	tcase_add_test(tc, test_static_names);
	tcase_add_test(tc, test_url_decode);
	tcase_add_test(tc, test_headers_redacted);
	tcase_add_test(tc, test_headers_fit_their_column);
	tcase_add_test(tc, test_render_escapes);
	tcase_add_test(tc, test_hdf_from_json);
	suite_add_tcase(s, tc);
	return hl_check_run(s);
}
