/* hookline.fcgi: the web application. Runs as a FastCGI responder (one
 * request at a time per process, several processes under the web
 * server) or, when started without a FastCGI socket, as a plain CGI
 * program answering one request. See hookline.fcgi(8). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <curl/curl.h>
#include <fcgiapp.h>
#include "hl_config.h"
#include "hl_db.h"
#include "hl_jwt.h"
#include "hl_log.h"
#include "hl_migrate.h"
#include "api_guard.h"
#include "auth.h"
#include "pages.h"
#include "router.h"

static void
on_term(int sig)
{
	(void)sig;
	FCGX_ShutdownPending();
}

static int
wants_json(struct hl_req *r)
{
	return strncmp(r->path, "/webhooks", 9) == 0;
}

/* A query parameter the handler could not read (longer than its buffer,
 * or badly percent-encoded) was taken as absent, which only widens what
 * a GET lists; the API answers 400 for it instead, replacing the
 * handler's answer and any headers it set. Only GET handlers read the
 * query, so nothing was changed. */
static void
refuse_unreadable_query(struct hl_req *r, size_t headers_before)
{
	char msg[160];

	if (!r->query_unreadable[0] || !r->responded || r->status >= 400)
		return;
	r->headers.len = headers_before;
	if (r->headers.data)
		r->headers.data[headers_before] = '\0';
	snprintf(msg, sizeof(msg), "%s is longer than %zu bytes or not validly "
		"percent-encoded", r->query_unreadable,
		r->query_unreadable_cap ? r->query_unreadable_cap - 1 : 0);
	hl_resp_error(r, 400, "invalid_value", msg, r->query_unreadable);
}

/* A page asked for with a trailing slash ("/webhook/", "/webhook/manage/",
 * as typed or as a link from elsewhere) is redirected to the page; the
 * API keeps its exact paths. What is sent back in the Location passes
 * the check a login's next target passes (hl_login_next_ok); a query
 * that does not is left out. 1 when it answered. */
static int
redirect_trailing_slash(struct hl_req *r)
{
	char params[HL_PARAMS_MAX][64], location[HL_LOGIN_NEXT_MAX];
	size_t n = strlen(r->path), i;
	int np;

	if (r->method != HL_GET && r->method != HL_HEAD)
		return 0;
	if (n < 2 || n > sizeof(location) || r->path[n - 1] != '/')
		return 0;
	memcpy(location, r->path, n - 1);
	location[n - 1] = '\0';
	if (!hl_login_next_ok(location))
		return 0;
	for (i = 0; i < hl_nroutes; i++)
		if (hl_routes[i].method == HL_GET && hl_routes[i].auth != HL_AUTH_API &&
		    hl_route_match(hl_routes[i].pattern, location, params, &np))
			break;
	if (i == hl_nroutes)
		return 0;
	if (*r->query && n + strlen(r->query) < sizeof(location)) {
		location[n - 1] = '?';
		memcpy(location + n, r->query, strlen(r->query) + 1);
		if (!hl_login_next_ok(location))
			location[n - 1] = '\0';
	}
	hl_resp_redirect(r, location);
	return 1;
}

static void
dispatch(struct hl_req *r)
{
	const struct hl_route *route;
	char allow[128];

	switch (hl_route_find(hl_routes, hl_nroutes, r, &route, allow, sizeof(allow))) {
	case HL_MATCH_NONE:
		if (!wants_json(r) && redirect_trailing_slash(r))
			return;
		if (wants_json(r))
			hl_resp_error(r, 404, "not_found", "no such resource", NULL);
		else
			hl_page_error(r, 404, "There is no such page.");
		return;
	case HL_MATCH_METHOD:
		hl_resp_header(r, "Allow", allow);
		if (wants_json(r))
			hl_resp_error(r, 405, "method_not_allowed", "method not allowed here", NULL);
		else
			hl_page_error(r, 405, "That action is not available here.");
		return;
	case HL_MATCH_OK:
		break;
	}
	if (route->auth == HL_AUTH_API && hl_guard_rate_addr(r))
		return;
	if (hl_auth_check(r, route))
		return;
	if (route->auth == HL_AUTH_API) {
		struct hl_idem idem;
		size_t headers_before;

		if (hl_guard_rate_caller(r) || hl_guard_idem_begin(r, &idem))
			return;
		if (route->query && hl_input_query(r, route->query))
			return;
		headers_before = r->headers.len;
		route->handler(r);
		refuse_unreadable_query(r, headers_before);
		hl_guard_idem_end(r, &idem);
	} else {
		route->handler(r);
	}
	if (!r->responded)
		hl_resp_error(r, 500, "internal_error", "no response", NULL);
}

/* --routes: the route table, one "METHOD PATTERN AUTH SCOPES [QUERY]"
 * line per route (QUERY: "query=a,b" for a route whose query is checked,
 * "query=" when it takes none), so a test can compare it with
 * docs/openapi.json. */
static void
print_routes(void)
{
	static const char *const auth_names[HL_AUTH__MAX] = { "none", "api", "page" };
	const struct hl_qparam *q;
	size_t i;

	for (i = 0; i < hl_nroutes; i++) {
		printf("%s %s %s %s%s%s", hl_method_name(hl_routes[i].method), hl_routes[i].pattern,
			auth_names[hl_routes[i].auth],
			hl_routes[i].scope & HL_SCOPE_READ ? "r" : "",
			hl_routes[i].scope & HL_SCOPE_WRITE ? "w" : "",
			hl_routes[i].scope & HL_SCOPE_ADMIN ? "a" : "");
		if (hl_routes[i].query) {
			printf(" query=");
			for (q = hl_routes[i].query; q->name; q++)
				printf("%s%s", q == hl_routes[i].query ? "" : ",", q->name);
		}
		printf("\n");
	}
}

/* The schema gate: the database must have exactly the migrations this
 * build needs (hl_migrate_status), checked at start, again after every
 * reconnect (the server may be another one now), and while it does not
 * match, again at most every SCHEMA_RECHECK_MS: every request is answered
 * 503 meanwhile, and the process serves again by itself once someone has
 * run hooklinectl migrate. Each mismatch is logged once per process. */
#define SCHEMA_RECHECK_MS 5000

struct schema_gate {
	int checked;            /* a check has answered on this connection */
	int ok;                 /* ... and the schema matched */
	unsigned generation;    /* hl_db_generation when it answered */
	long long at_ms;        /* when (monotonic) */
	char logged[512];       /* the mismatch last logged ("" while it matches) */
};

static struct schema_gate gate;

static long long
monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

enum gate_answer { GATE_OPEN, GATE_MISMATCH, GATE_UNAVAILABLE };

static enum gate_answer
schema_gate(struct hl_db *db)
{
	struct hl_migrate_status st;
	long long now = monotonic_ms();

	if (gate.checked && gate.generation == hl_db_generation(db) &&
	    (gate.ok || now - gate.at_ms < SCHEMA_RECHECK_MS))
		return gate.ok ? GATE_OPEN : GATE_MISMATCH;
	if (hl_migrate_status(db, &st)) {
		hl_log(HL_LOG_ERROR, "cannot read the database schema version: %s", hl_errmsg());
		gate.checked = 0;
		return GATE_UNAVAILABLE;
	}
	gate.checked = 1;
	gate.generation = hl_db_generation(db);
	gate.at_ms = now;
	gate.ok = st.state == HL_MIGRATE_CURRENT;
	if (gate.ok) {
		if (gate.logged[0])
			hl_log(HL_LOG_INFO, "%s: serving requests again", st.detail);
		gate.logged[0] = '\0';
		return GATE_OPEN;
	}
	if (strcmp(gate.logged, st.detail)) {
		hl_log(HL_LOG_ERROR, "%s; until then every request is answered 503", st.detail);
		snprintf(gate.logged, sizeof(gate.logged), "%s", st.detail);
	}
	return GATE_MISMATCH;
}

/* The database unreachable: logged when it starts and when it ends, not
 * once per request (a busy site would write hundreds of lines a second,
 * burying what else happened). down: this request found it unreachable. */
static void
db_outage(int down)
{
	static long long since_ms, refused;

	if (down) {
		if (refused == 0) {
			since_ms = monotonic_ms();
			hl_log(HL_LOG_ERROR, "%s; answering 503 until it is reachable again",
				hl_errmsg());
		}
		refused++;
		return;
	}
	if (refused)
		hl_log(HL_LOG_INFO, "the database is reachable again after %lld s; %lld "
			"requests were answered 503", (monotonic_ms() - since_ms + 999) / 1000, refused);
	refused = 0;
}

static void
serve(const struct hl_config *cfg, struct hl_db **db, FCGX_Request *fcgx)
{
	struct hl_req r;
	enum gate_answer gated = GATE_UNAVAILABLE;

	hl_errclear();
	if (hl_req_init(&r, cfg, *db, fcgx)) {
		hl_log(HL_LOG_ERROR, "%s", hl_errmsg());
		return;
	}
	/* The connection may have been lost between requests (server restart,
	 * wait_timeout): hl_db_ping reconnects before the request runs. */
	if (!*db)
		hl_db_open(cfg, db);
	if (!*db || hl_db_ping(*db)) {
		db_outage(1);
	} else {
		db_outage(0);
		gated = schema_gate(*db);
	}
	if (gated != GATE_OPEN) {
		hl_resp_header(&r, "Retry-After", "5");
		if (gated == GATE_MISMATCH && wants_json(&r))
			hl_resp_error(&r, 503, "database_schema_mismatch", "the database schema does "
				"not match this hookline release: an administrator must run hooklinectl "
				"migrate, or reload the web server after an upgrade (the server log says "
				"which)", NULL);
		else if (gated == GATE_MISMATCH)
			hl_page_error(&r, 503, "The database schema does not match this hookline "
				"release: an administrator must run hooklinectl migrate, or reload the web "
				"server after an upgrade. Try again shortly.");
		else if (wants_json(&r))
			hl_resp_error(&r, 503, "unavailable", "the database is unavailable", NULL);
		else
			hl_page_error(&r, 503, "The database is unavailable. Try again shortly.");
		hl_req_send(&r);
		hl_req_free(&r);
		return;
	}
	r.db = *db;
	dispatch(&r);
	hl_req_send(&r);
	hl_req_free(&r);
}

int
main(int argc, char **argv)
{
	struct hl_config cfg;
	struct hl_db *db = NULL;
	FCGX_Request fcgx;
	struct sigaction sa;
	const char *config = NULL;

	if (argc == 2 && !strcmp(argv[1], "--routes")) {
		print_routes();
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "--version")) {
		hl_print_version("hookline.fcgi");
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "--config"))
		config = argv[2];
	else if (argc != 1) {
		fprintf(stderr, "usage: hookline.fcgi [--config FILE] | --routes | --version\n");
		return 2;
	}
	if (hl_config_load(hl_config_path(config), &cfg)) {
		fprintf(stderr, "hookline.fcgi: %s\n", hl_errmsg());
		return 1;
	}
	hl_log_init("hookline.fcgi", cfg.log_level);
	/* Once, here: a key file that cannot serve stops the start with its
	 * name, instead of failing every JWT request. */
	if (hl_jwt_load_key(&cfg)) {
		hl_log(HL_LOG_ERROR, "%s", hl_errmsg());
		hl_config_free(&cfg);
		return 1;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	/* A failed connection here is retried on the first request. A schema
	 * mismatch is logged now, at start, rather than at the first request. */
	if (hl_db_open(&cfg, &db))
		hl_log(HL_LOG_WARN, "%s (will retry)", hl_errmsg());
	else
		schema_gate(db);
	signal(SIGPIPE, SIG_IGN);

	if (FCGX_IsCGI()) {
		serve(&cfg, &db, NULL);
	} else {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_term;
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGUSR1, &sa, NULL);
		FCGX_Init();
		FCGX_InitRequest(&fcgx, 0, 0);
		while (FCGX_Accept_r(&fcgx) >= 0) {
			serve(&cfg, &db, &fcgx);
			FCGX_Finish_r(&fcgx);
		}
	}
	hl_db_close(db);
	hl_config_free(&cfg);
	curl_global_cleanup();
	return 0;
}
