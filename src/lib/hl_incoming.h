/* hl_incoming.h: receiving an incoming webhook: verify the sender's
 * signature (Standard Webhooks, GitHub, Stripe, Shopify), log the request,
 * and publish it through the one publish path, deduplicated by the
 * provider's delivery id. See docs/incoming.md. */
#ifndef HL_INCOMING_H
#define HL_INCOMING_H
#include <stddef.h>
#include "hl_db.h"
#include "hl_sources.h"

/* A request header by lower-case name ("x-hub-signature-256"), NULL
 * when absent. The core knows nothing of CGI: the web side answers. */
typedef const char *(*hl_header_fn)(void *ctx, const char *name);

/* Check the request's signature under scheme v with secret (NULL for
 * HL_VERIFY_NONE). now: unix seconds; tolerance_s: how far a signed
 * timestamp (standard, stripe) may be off. HL_OK, or HL_ERR_AUTH with
 * reason signature_missing, signature_invalid or timestamp_out_of_range.
 * Comparisons are constant-time. */
hl_err hl_incoming_verify(enum hl_verify v, const char *secret, hl_header_fn header, void *ctx,
	const void *body, size_t bodylen, long long now, long tolerance_s);
/* As hl_incoming_verify, where a signature made with prev_secret (a
 * rotated-out secret in its grace period; NULL: none) is good too.
 * *used is "current" or "previous" for the secret that verified, NULL
 * when refused or for HL_VERIFY_NONE. */
hl_err hl_incoming_verify_either(enum hl_verify v, const char *secret, const char *prev_secret,
	hl_header_fn header, void *ctx, const void *body, size_t bodylen, long long now,
	long tolerance_s, const char **used);

struct hl_incoming_in {
	hl_header_fn header;
	void *ctx;
	const char *headers_json;    /* every header, credentials redacted (for the log) */
	const char *client_addr;
	const char *body;
	size_t bodylen;
	long long now;               /* unix seconds */
	/* Called once the request is admitted (1: enabled, address allowed,
	 * signature good) or refused (0), before anything is stored: nonzero
	 * stops there and stores nothing (the caller has answered, e.g. 429).
	 * So forged requests can be limited apart from the sender's own.
	 * NULL: no limit. */
	int (*limit)(void *ctx, int admitted);
};

struct hl_incoming_out {
	char request_id[HL_ID_MAX];  /* "inc_...": the log entry (also when rejected) */
	char event_id[HL_ID_MAX];    /* "" unless published or a duplicate */
	char event_type[129];
	int duplicate;               /* the dedupe key was seen: the earlier event stands */
	int deliveries;
	int limited;                 /* in->limit stopped it: nothing logged or published */
};

/* Admit, verify, log and publish one request to src. HL_OK when an event
 * was published or found (duplicate), or when in->limit stopped the
 * request (out->limited, out->request_id empty); otherwise the request is
 * logged as rejected and the error's reason is its stable code: source_disabled,
 * address_not_allowed (HL_ERR_FORBIDDEN), the verify reasons
 * (HL_ERR_AUTH), invalid_body (HL_ERR_INVALID), or what publishing said. */
hl_err hl_incoming_receive(struct hl_db *db, const struct hl_source *src,
	const struct hl_incoming_in *in, struct hl_incoming_out *out);

#endif
