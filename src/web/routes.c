/* routes.c: every route of hookline.fcgi, in one table. The order
 * matters only for documentation; patterns never overlap because ids
 * carry their prefix. docs/openapi.json lists the same API routes (a
 * test compares them). */
#include "hl_accounts.h"
#include "api.h"
#include "pages.h"
#include "router.h"

/* The query parameters of each API GET (docs/openapi.json lists the
 * same: a test compares them). */
#define PAGE { "limit", 0 }, { "iterator", 1 }
static const struct hl_qparam q_none[] = { { NULL, 0 } };
static const struct hl_qparam q_page[] = { PAGE, { NULL, 0 } };
static const struct hl_qparam q_catalog[] = { { "family", 0 }, PAGE, { NULL, 0 } };
static const struct hl_qparam q_deliveries[] = { { "status", 0 }, { "event_type", 0 },
	{ "since", 0 }, { "until", 0 }, PAGE, { NULL, 0 } };
static const struct hl_qparam q_analytics[] = { { "since", 0 }, { "until", 0 },
	{ "webhook_id", 0 }, { "event_type", 0 }, { "buckets", 0 }, { NULL, 0 } };
static const struct hl_qparam q_audit[] = { { "action", 0 }, { "object_id", 0 }, PAGE,
	{ NULL, 0 } };
static const struct hl_qparam q_requests[] = { PAGE, { "outcome", 0 }, { NULL, 0 } };

#define R HL_SCOPE_READ
#define W HL_SCOPE_WRITE
#define A HL_SCOPE_ADMIN

const struct hl_route hl_routes[] = {
	/* JSON API */
	{ HL_GET, "/webhooks", api_webhooks_list, HL_AUTH_API, R, q_page },
	{ HL_POST, "/webhooks", api_webhooks_create, HL_AUTH_API, W, NULL },
	{ HL_GET, "/webhooks/events", api_events_list, HL_AUTH_API, R, q_catalog },
	{ HL_POST, "/webhooks/publish", api_publish, HL_AUTH_API, W, NULL },
	{ HL_GET, "/webhooks/{wh}", api_webhooks_get, HL_AUTH_API, R, q_none },
	{ HL_PUT, "/webhooks/{wh}", api_webhooks_update, HL_AUTH_API, W, NULL },
	{ HL_DELETE, "/webhooks/{wh}", api_webhooks_delete, HL_AUTH_API, W, NULL },
	{ HL_GET, "/webhooks/{wh}/deliveries", api_deliveries_for_webhook, HL_AUTH_API, R, q_deliveries },
	{ HL_GET, "/webhooks/deliveries/{dlv}", api_deliveries_get, HL_AUTH_API, R, q_none },
	{ HL_POST, "/webhooks/deliveries/{dlv}/retry", api_deliveries_retry, HL_AUTH_API, W, NULL },
	{ HL_GET, "/webhooks/analytics", api_analytics, HL_AUTH_API, R, q_analytics },
	{ HL_POST, "/webhooks/events", api_events_create, HL_AUTH_API, W, NULL },
	{ HL_POST, "/webhooks/deliveries/retry", api_deliveries_retry_bulk, HL_AUTH_API, W, NULL },
	{ HL_GET, "/webhooks/audit", api_audit_list, HL_AUTH_API, A, q_audit },
	{ HL_GET, "/webhooks/openapi.json", api_openapi, HL_AUTH_NONE, 0, NULL },
	{ HL_GET, "/webhooks/health", api_health, HL_AUTH_NONE, 0, NULL },
	{ HL_POST, "/webhooks/{wh}/test", api_webhooks_test, HL_AUTH_API, W, NULL },
	{ HL_POST, "/webhooks/{wh}/enable", api_webhooks_enable, HL_AUTH_API, W, NULL },
	{ HL_POST, "/webhooks/{wh}/disable", api_webhooks_disable, HL_AUTH_API, W, NULL },
	{ HL_POST, "/webhooks/{wh}/rotate-secret", api_webhooks_rotate_secret, HL_AUTH_API, W, NULL },
	{ HL_POST, "/webhooks/{wh}/subscribe", api_webhooks_subscribe, HL_AUTH_API, W, NULL },
	{ HL_DELETE, "/webhooks/{wh}/unsubscribe", api_webhooks_unsubscribe, HL_AUTH_API, W, NULL },
	{ HL_GET, "/webhooks/{wh}/events", api_webhooks_events, HL_AUTH_API, R, q_page },
	{ HL_POST, "/webhooks/{wh}/replay", api_webhooks_replay, HL_AUTH_API, W, NULL },
	{ HL_GET, "/webhooks/sources", api_sources_list, HL_AUTH_API, R, q_page },
	{ HL_POST, "/webhooks/sources", api_sources_create, HL_AUTH_API, W, NULL },
	{ HL_GET, "/webhooks/sources/{src}", api_sources_get, HL_AUTH_API, R, q_none },
	{ HL_PUT, "/webhooks/sources/{src}", api_sources_update, HL_AUTH_API, W, NULL },
	{ HL_DELETE, "/webhooks/sources/{src}", api_sources_delete, HL_AUTH_API, W, NULL },
	{ HL_POST, "/webhooks/sources/{src}/rotate-secret", api_sources_rotate_secret, HL_AUTH_API, W, NULL },
	{ HL_GET, "/webhooks/sources/{src}/requests", api_sources_requests, HL_AUTH_API, R, q_requests },
	{ HL_GET, "/webhooks/sources/{src}/requests/{inc}", api_incoming_request_get, HL_AUTH_API, R, q_none },
	/* Third parties post here: the source's signature scheme is the check. */
	{ HL_POST, "/webhooks/incoming/{*slug}", api_incoming_receive, HL_AUTH_NONE, 0, NULL },

	/* Dashboard */
	{ HL_GET, "/webhook", page_home, HL_AUTH_PAGE, R, NULL },
	{ HL_GET, "/webhook/login", page_login_form, HL_AUTH_NONE, 0, NULL },
	{ HL_POST, "/webhook/login", page_login_submit, HL_AUTH_NONE, 0, NULL },
	{ HL_POST, "/webhook/logout", page_logout, HL_AUTH_PAGE, 0, NULL },
	{ HL_GET, "/webhook/manage", page_manage, HL_AUTH_PAGE, R, NULL },
	{ HL_GET, "/webhook/static/{*}", page_static, HL_AUTH_NONE, 0, NULL },
	{ HL_GET, "/webhook/manage/new", page_manage_new, HL_AUTH_PAGE, W, NULL },
	{ HL_POST, "/webhook/manage", page_manage_create, HL_AUTH_PAGE, W, NULL },
	{ HL_GET, "/webhook/manage/{wh}", page_manage_edit, HL_AUTH_PAGE, R, NULL },
	{ HL_POST, "/webhook/manage/{wh}", page_manage_update, HL_AUTH_PAGE, W, NULL },
	{ HL_POST, "/webhook/manage/{wh}/enable", page_manage_enable, HL_AUTH_PAGE, W, NULL },
	{ HL_POST, "/webhook/manage/{wh}/disable", page_manage_disable, HL_AUTH_PAGE, W, NULL },
	{ HL_POST, "/webhook/manage/{wh}/delete", page_manage_delete, HL_AUTH_PAGE, W, NULL },
	{ HL_GET, "/webhook/manage/{wh}/delete", page_manage_delete_confirm, HL_AUTH_PAGE, W, NULL },
	{ HL_POST, "/webhook/manage/{wh}/rotate", page_manage_rotate, HL_AUTH_PAGE, W, NULL },
	{ HL_GET, "/webhook/manage/{wh}/secret", page_manage_secret, HL_AUTH_PAGE, W, NULL },
	{ HL_GET, "/webhook/events", page_events, HL_AUTH_PAGE, R, NULL },
	{ HL_POST, "/webhook/events", page_events_type_create, HL_AUTH_PAGE, W, NULL },
	{ HL_GET, "/webhook/events/{evt}", page_event, HL_AUTH_PAGE, R, NULL },
	{ HL_GET, "/webhook/deliveries", page_deliveries, HL_AUTH_PAGE, R, NULL },
	{ HL_POST, "/webhook/deliveries/retry", page_deliveries_retry, HL_AUTH_PAGE, W, NULL },
	{ HL_GET, "/webhook/deliveries/{dlv}", page_delivery, HL_AUTH_PAGE, R, NULL },
	{ HL_POST, "/webhook/deliveries/{dlv}/retry", page_delivery_retry, HL_AUTH_PAGE, W, NULL },
	{ HL_GET, "/webhook/analytics", page_analytics, HL_AUTH_PAGE, R, NULL },
	{ HL_GET, "/webhook/analytics.csv", page_analytics_csv, HL_AUTH_PAGE, R, NULL },
	{ HL_GET, "/webhook/testing", page_testing, HL_AUTH_PAGE, R, NULL },
	{ HL_POST, "/webhook/testing/send", page_testing_send, HL_AUTH_PAGE, W, NULL },
	{ HL_POST, "/webhook/testing/verify", page_testing_verify, HL_AUTH_PAGE, R, NULL },
	{ HL_POST, "/webhook/testing/inspect", page_testing_inspect_new, HL_AUTH_PAGE, W, NULL },
	{ HL_GET, "/webhook/testing/inspect/{ins}", page_testing_inspect, HL_AUTH_PAGE, R, NULL },
	{ HL_POST, "/webhook/inspect/{ins}", page_inspect_receive, HL_AUTH_NONE, 0, NULL },
	{ HL_GET, "/webhook/incoming", page_incoming, HL_AUTH_PAGE, R, NULL },
	{ HL_POST, "/webhook/incoming", page_incoming_create, HL_AUTH_PAGE, W, NULL },
	{ HL_GET, "/webhook/incoming/{src}", page_incoming_source, HL_AUTH_PAGE, R, NULL },
	{ HL_POST, "/webhook/incoming/{src}", page_incoming_update, HL_AUTH_PAGE, W, NULL },
	{ HL_POST, "/webhook/incoming/{src}/delete", page_incoming_delete, HL_AUTH_PAGE, W, NULL },
	{ HL_POST, "/webhook/incoming/{src}/rotate", page_incoming_rotate, HL_AUTH_PAGE, W, NULL },
	{ HL_GET, "/webhook/incoming/{src}/secret", page_incoming_secret, HL_AUTH_PAGE, W, NULL },
	{ HL_GET, "/webhook/incoming/{src}/requests/{inc}", page_incoming_request, HL_AUTH_PAGE, R, NULL },
	{ HL_PUT, "/webhook/inspect/{ins}", page_inspect_receive, HL_AUTH_NONE, 0, NULL },
};

const size_t hl_nroutes = sizeof(hl_routes) / sizeof(hl_routes[0]);
