/* api.h: the JSON API handlers, one file per resource. */
#ifndef HL_API_H
#define HL_API_H
#include "request.h"

/* api_webhooks.c: /webhooks, /webhooks/{wh} */
void api_webhooks_list(struct hl_req *r);
void api_webhooks_create(struct hl_req *r);
void api_webhooks_get(struct hl_req *r);
void api_webhooks_update(struct hl_req *r);
void api_webhooks_delete(struct hl_req *r);
/* api_webhook_ops.c: actions on one webhook */
void api_webhooks_test(struct hl_req *r);
void api_webhooks_enable(struct hl_req *r);
void api_webhooks_disable(struct hl_req *r);
void api_webhooks_rotate_secret(struct hl_req *r);
void api_webhooks_subscribe(struct hl_req *r);
void api_webhooks_unsubscribe(struct hl_req *r);
void api_webhooks_events(struct hl_req *r);
void api_webhooks_replay(struct hl_req *r);
/* api_events.c: the catalog */
void api_events_list(struct hl_req *r);
void api_events_create(struct hl_req *r);
/* api_audit.c */
void api_audit_list(struct hl_req *r);
/* api_health.c */
void api_health(struct hl_req *r);
/* api_openapi.c */
void api_openapi(struct hl_req *r);
/* api_publish.c */
void api_publish(struct hl_req *r);
/* api_deliveries.c */
void api_deliveries_for_webhook(struct hl_req *r);
void api_deliveries_get(struct hl_req *r);
void api_deliveries_retry(struct hl_req *r);
/* api_analytics.c */
void api_analytics(struct hl_req *r);
void api_deliveries_retry_bulk(struct hl_req *r);
/* api_sources.c: incoming sources and their request log */
void api_sources_list(struct hl_req *r);
void api_sources_create(struct hl_req *r);
void api_sources_get(struct hl_req *r);
void api_sources_update(struct hl_req *r);
void api_sources_delete(struct hl_req *r);
void api_sources_rotate_secret(struct hl_req *r);
void api_sources_requests(struct hl_req *r);
void api_incoming_request_get(struct hl_req *r);
/* api_incoming.c: where third parties post (no API credentials) */
void api_incoming_receive(struct hl_req *r);

#endif
