/* hl_incoming.c: one incoming webhook from admission to event. Each
 * scheme's signature is checked over the exact body bytes with the
 * comparison in constant time; the provider's own delivery id becomes the
 * publish idempotency key, so a sender's retries (and two copies racing)
 * make one event. Every outcome is logged in incoming_requests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "hl_crypto.h"
#include "hl_incoming.h"
#include "hl_log.h"
#include "hl_publish.h"
#include "hl_ssrf.h"
#include "hl_util.h"

#define DEDUPE_MAX 255
/* One level less than the API takes: the envelope adds one, and the
 * stored payload must stay within the 32 levels of MariaDB's JSON_VALID
 * (the events.payload check) and of the runner's parser. */
#define BODY_DEPTH_MAX 31
#define PROVIDER_EVENT_MAX 128

/* HL_ERR_AUTH with a stable reason. */
static hl_err
refuse(const char *reason, const char *message)
{
	hl_err rc = hl_fail(HL_ERR_AUTH, NULL, "%s", message);

	hl_errreason_set(reason);
	return rc;
}

/* "1614265330" -> 1614265330; -1 unless it is 1..15 digits. */
static long long
parse_ts(const char *s, size_t n)
{
	long long v = 0;
	size_t i;

	if (n < 1 || n > 15)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static hl_err
check_time(long long ts, long long now, long tolerance_s)
{
	if (ts < 0)
		return refuse("signature_invalid", "the signature's timestamp is not a number");
	if (ts < now - tolerance_s || ts > now + tolerance_s)
		return refuse("timestamp_out_of_range", "the signed timestamp is further from now "
			"than the source's tolerance_seconds (a replay, or a clock off)");
	return HL_OK;
}

/* Lower-case hex of the HMAC against a hex text, in constant time. */
static int
hex_matches(const unsigned char mac[32], const char *given, size_t n)
{
	char want[65], got[65];
	size_t i;
	int ok;

	if (n != 64)
		return 0;
	hl_hex_encode(mac, 32, want);
	for (i = 0; i < 64; i++)
		got[i] = (given[i] >= 'A' && given[i] <= 'F') ? (char)(given[i] + 32) : given[i];
	got[64] = '\0';
	ok = hl_ct_equal(want, 64, got, 64);
	memset(want, 0, sizeof(want));
	return ok;
}

/* The Standard Webhooks headers of a request: webhook-* or, when there is
 * no webhook-signature but a svix-signature, Svix's svix-* names. The
 * signature covers only its own family's id and timestamp, so the id
 * the delivery is deduplicated by must come from the same family: a
 * webhook-id next to a svix-signature is unsigned, and taking it would
 * let anyone re-post a captured request as a new event. */
struct standard_headers {
	const char *id, *ts, *sig;
};

static void
standard_headers(hl_header_fn header, void *ctx, struct standard_headers *h)
{
	int svix = !header(ctx, "webhook-signature") && header(ctx, "svix-signature");

	h->id = header(ctx, svix ? "svix-id" : "webhook-id");
	h->ts = header(ctx, svix ? "svix-timestamp" : "webhook-timestamp");
	h->sig = header(ctx, svix ? "svix-signature" : "webhook-signature");
}

static hl_err
verify_standard(const char *secret, hl_header_fn header, void *ctx, const void *body,
	size_t n, long long now, long tolerance_s)
{
	struct standard_headers h;
	long long t;
	hl_err rc;

	standard_headers(header, ctx, &h);
	if (!h.id || !h.ts || !h.sig)
		return refuse("signature_missing", "webhook-id, webhook-timestamp and "
			"webhook-signature (or svix-id, svix-timestamp and svix-signature) are "
			"required");
	t = parse_ts(h.ts, strlen(h.ts));
	rc = check_time(t, now, tolerance_s);
	if (rc)
		return rc;
	rc = hl_webhook_verify(secret, h.id, t, body, n, h.sig);
	if (rc == HL_ERR_AUTH)
		return refuse("signature_invalid", "no v1 signature in webhook-signature matches");
	return rc;
}

static hl_err
verify_github(const char *secret, hl_header_fn header, void *ctx, const void *body, size_t n)
{
	const char *sig = header(ctx, "x-hub-signature-256");
	unsigned char mac[32];
	int ok;

	if (!sig)
		return refuse("signature_missing", "X-Hub-Signature-256 is required");
	if (strncmp(sig, "sha256=", 7))
		return refuse("signature_invalid", "X-Hub-Signature-256 must be sha256=<hex>");
	hl_hmac_sha256(secret, strlen(secret), body, n, mac);
	ok = hex_matches(mac, sig + 7, strlen(sig + 7));
	memset(mac, 0, sizeof(mac));
	return ok ? HL_OK : refuse("signature_invalid", "X-Hub-Signature-256 does not match");
}

/* Stripe-Signature: t=<ts>,v1=<hex>[,v1=<hex>...][,v0=...]: HMAC of
 * "<ts>.<body>" keyed with the whole whsec_ string; any v1 may match. */
static hl_err
verify_stripe(const char *secret, hl_header_fn header, void *ctx, const void *body, size_t n,
	long long now, long tolerance_s)
{
	const char *h = header(ctx, "stripe-signature"), *p, *t = NULL;
	unsigned char mac[32];
	char prefix[24];
	size_t tlen = 0;
	int match = 0, seen = 0;
	hl_err rc;

	if (!h)
		return refuse("signature_missing", "Stripe-Signature is required");
	for (p = h; *p; ) {
		size_t len = strcspn(p, ",");

		if (len > 2 && !strncmp(p, "t=", 2) && !t) {
			t = p + 2;
			tlen = len - 2;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	if (!t)
		return refuse("signature_invalid", "Stripe-Signature has no t=");
	rc = check_time(parse_ts(t, tlen), now, tolerance_s);
	if (rc)
		return rc;
	snprintf(prefix, sizeof(prefix), "%.*s.", (int)tlen, t);
	rc = hl_hmac_sha256_after(secret, strlen(secret), prefix, strlen(prefix), body, n, mac);
	if (rc)
		return rc;
	/* Every v1 is compared (no early exit): rotation lists several. */
	for (p = h; *p; ) {
		size_t len = strcspn(p, ",");

		if (len > 3 && !strncmp(p, "v1=", 3)) {
			seen = 1;
			match |= hex_matches(mac, p + 3, len - 3);
		}
		p += len;
		if (*p == ',')
			p++;
	}
	memset(mac, 0, sizeof(mac));
	if (!seen)
		return refuse("signature_invalid", "Stripe-Signature has no v1=");
	return match ? HL_OK : refuse("signature_invalid", "no v1 in Stripe-Signature matches");
}

static hl_err
verify_shopify(const char *secret, hl_header_fn header, void *ctx, const void *body, size_t n)
{
	const char *sig = header(ctx, "x-shopify-hmac-sha256");
	unsigned char mac[32];
	char want[48];
	int ok;

	if (!sig)
		return refuse("signature_missing", "X-Shopify-Hmac-Sha256 is required");
	hl_hmac_sha256(secret, strlen(secret), body, n, mac);
	hl_base64_encode(mac, sizeof(mac), want);
	ok = hl_ct_equal(want, strlen(want), sig, strlen(sig));
	memset(mac, 0, sizeof(mac));
	memset(want, 0, sizeof(want));
	return ok ? HL_OK : refuse("signature_invalid", "X-Shopify-Hmac-Sha256 does not match");
}

hl_err
hl_incoming_verify(enum hl_verify v, const char *secret, hl_header_fn header, void *ctx,
	const void *body, size_t bodylen, long long now, long tolerance_s)
{
	if (v != HL_VERIFY_NONE && !secret)
		return hl_fail(HL_ERR_INTERNAL, NULL, "no secret to verify with");
	switch (v) {
	case HL_VERIFY_STANDARD:
		return verify_standard(secret, header, ctx, body, bodylen, now, tolerance_s);
	case HL_VERIFY_GITHUB:
		return verify_github(secret, header, ctx, body, bodylen);
	case HL_VERIFY_STRIPE:
		return verify_stripe(secret, header, ctx, body, bodylen, now, tolerance_s);
	case HL_VERIFY_SHOPIFY:
		return verify_shopify(secret, header, ctx, body, bodylen);
	case HL_VERIFY_NONE:
		return HL_OK;
	default:
		return hl_fail(HL_ERR_INTERNAL, NULL, "unknown verify scheme");
	}
}

hl_err
hl_incoming_verify_either(enum hl_verify v, const char *secret, const char *prev_secret,
	hl_header_fn header, void *ctx, const void *body, size_t bodylen, long long now,
	long tolerance_s, const char **used)
{
	const char *reason;
	hl_err rc;

	*used = NULL;
	rc = hl_incoming_verify(v, secret, header, ctx, body, bodylen, now, tolerance_s);
	if (!rc) {
		*used = v == HL_VERIFY_NONE ? NULL : "current";
		return HL_OK;
	}
	/* Only a signature that did not match can match the other secret:
	 * a missing header or a stale timestamp is refused whatever the
	 * key. Each comparison is constant-time; that a second one ran
	 * tells a sender only what the answer tells it anyway. */
	reason = hl_errreason();
	if (rc != HL_ERR_AUTH || !prev_secret || !reason || strcmp(reason, "signature_invalid"))
		return rc;
	rc = hl_incoming_verify(v, prev_secret, header, ctx, body, bodylen, now, tolerance_s);
	if (!rc)
		*used = "previous";
	return rc;
}

/* ------------------------------------------------------------------ */

/* What the provider calls this delivery and this kind of event. */
struct provenance {
	const char *dedupe;          /* its delivery id as it came, or NULL */
	const char *key;             /* what deduplicates: dedupe, or the body's hash */
	const char *event;           /* its event name, or NULL */
	/* The delivery id as the envelope and the log show it: the first
	 * DEDUPE_MAX bytes, those that are not UTF-8 read '?'. Deduplication
	 * takes the whole id: a longer one, or one of other bytes, is still
	 * the same delivery when it comes again. */
	char shown[DEDUPE_MAX + 1];
};

static void
provenance(const struct hl_source *src, hl_header_fn header, void *ctx, json_object *body,
	struct provenance *p)
{
	const char *type = json_object_is_type(body, json_type_object) ?
		hl_json_get_str(body, "type") : NULL;
	const char *id = json_object_is_type(body, json_type_object) ?
		hl_json_get_str(body, "id") : NULL;

	p->dedupe = NULL;
	p->event = NULL;
	p->shown[0] = '\0';
	switch (src->verify) {
	case HL_VERIFY_STANDARD: {
		struct standard_headers h;

		/* The id the signature covered, never the other family's. */
		standard_headers(header, ctx, &h);
		p->dedupe = h.id;
		p->event = type;
		break;
	}
	case HL_VERIFY_GITHUB:
		p->dedupe = header(ctx, "x-github-delivery");
		p->event = header(ctx, "x-github-event");
		break;
	case HL_VERIFY_STRIPE:
		p->dedupe = id;
		p->event = type;
		break;
	case HL_VERIFY_SHOPIFY:
		p->dedupe = header(ctx, "x-shopify-webhook-id");
		if (!p->dedupe)
			p->dedupe = header(ctx, "x-shopify-event-id");
		p->event = header(ctx, "x-shopify-topic");
		break;
	default:
		p->event = type;
		break;
	}
	/* Any sender may name its delivery the way our own API takes it. */
	if (!p->dedupe)
		p->dedupe = header(ctx, "idempotency-key");
	if (p->dedupe && !*p->dedupe)
		p->dedupe = NULL;
	if (p->dedupe) {
		hl_strlcpy(p->shown, p->dedupe, sizeof(p->shown));
		hl_utf8_sanitize(p->shown);
	}
	p->key = p->dedupe;
	if (p->event && (!*p->event || strlen(p->event) > PROVIDER_EVENT_MAX ||
	    !hl_utf8_valid(p->event, strlen(p->event))))
		p->event = NULL;
}

/* Does the Content-Type declare JSON (application/json, text/json,
 * application/vnd.api+json, ...)? Media types compare without case
 * (RFC 9110 8.3.1), and only the type itself counts, not a parameter. */
static int
declares_json(const char *ct)
{
	size_t i, n = ct ? strcspn(ct, ";") : 0;

	for (i = 0; i + 4 <= n; i++)
		if (!strncasecmp(ct + i, "json", 4))
			return 1;
	return 0;
}

/* The body as JSON when it is JSON (any value: an object, 123, true;
 * *json NULL for null); a JSON content type that does not parse is an
 * error, anything else is kept as text. Strict RFC 8259: a lenient parse
 * would turn text such as 'a' or [1,] into a different value. */
static hl_err
parse_body(hl_header_fn header, void *ctx, const char *body, size_t n, json_object **json,
	int *is_text)
{
	const char *ct = header(ctx, "content-type"), *why = NULL;
	hl_err rc;

	*json = NULL;
	*is_text = 0;
	if (!hl_utf8_valid(body, n) || memchr(body, '\0', n)) {
		rc = hl_fail(HL_ERR_INVALID, "body", "the body is not UTF-8 text");
		hl_errreason_set("invalid_body");
		return rc;
	}
	/* RFC 8259 lets a parser ignore a byte order mark, and some senders
	 * (.NET's) put one first; the signature covered it as it came. */
	if (n >= 3 && !memcmp(body, "\xEF\xBB\xBF", 3)) {
		body += 3;
		n -= 3;
	}
	if (n == 0)
		return HL_OK;
	*json = hl_json_parse_depth(body, n, 1, BODY_DEPTH_MAX, &why);
	/* json-c cuts a member name at a \u0000 without a trace, and a
	 * string value holding one reads cut short: as JSON it is refused as
	 * the API does, with the code of a bad body. A body not declared as
	 * JSON is kept as the text it is (those six characters hold no NUL). */
	if (!why && hl_json_text_has_nul(body, n)) {
		json_object_put(*json);
		*json = NULL;
		why = "it holds \\u0000, a NUL character";
	}
	if (!why)
		return HL_OK;
	if (declares_json(ct)) {
		rc = hl_fail(HL_ERR_INVALID, "body", "the body is not valid JSON: %s", why);
		hl_errreason_set("invalid_body");
		return rc;
	}
	*is_text = 1;
	return HL_OK;
}

/* A header's value as JSON text may hold it: the stored payload is
 * utf8mb4, and one byte that is not UTF-8 would fail the whole insert
 * (a 500 the sender retries for days). Bad bytes read '?'; NULL stays
 * NULL. Owned by the caller. */
static char *
text_of(const char *s)
{
	char *t = s ? strdup(s) : NULL;

	hl_utf8_sanitize(t);
	return t;
}

static void
rfc3339(long long t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The event's payload: where it came from, what the provider called it,
 * and the body (parsed JSON, or the text; body is NULL then). Takes
 * ownership of body. */
static json_object *
envelope(const struct hl_source *src, const struct hl_incoming_in *in, const char *request_id,
	const struct provenance *p, json_object *body, int is_text)
{
	json_object *o = json_object_new_object(), *s = json_object_new_object();
	char when[32], *ct = text_of(in->header(in->ctx, "content-type"));

	hl_json_add_str(s, "id", src->id);
	hl_json_add_str(s, "slug", src->slug);
	hl_json_add_str(s, "verify", hl_verify_name(src->verify));
	json_object_object_add(o, "source", s);
	hl_json_add_str(o, "incoming_id", request_id);
	rfc3339(in->now, when);
	hl_json_add_str(o, "received_at", when);
	hl_json_add_str(o, "provider_event", p->event);
	hl_json_add_str(o, "provider_id", p->dedupe ? p->shown : NULL);
	hl_json_add_str(o, "content_type", ct);
	free(ct);
	if (is_text)
		json_object_object_add(o, "body_text",
			json_object_new_string_len(in->body, (int)in->bodylen));
	else
		json_object_object_add(o, "body", body);   /* o owns body now */
	return o;
}

/* type_map[provider event], else the source's type. */
static const char *
choose_type(const struct hl_source *src, const char *provider_event)
{
	json_object *v;

	if (provider_event && src->type_map &&
	    json_object_object_get_ex(src->type_map, provider_event, &v) &&
	    json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return src->event_type;
}

/* Failures that are ours, not the sender's. */
static int
server_side(hl_err rc)
{
	return rc == HL_ERR_DB || rc == HL_ERR_NOMEM || rc == HL_ERR_IO || rc == HL_ERR_CRYPTO ||
		rc == HL_ERR_INTERNAL || rc == HL_ERR_CONFIG;
}

static hl_err
admit(const struct hl_source *src, const struct hl_incoming_in *in, const char **used)
{
	hl_err rc;

	if (!src->enabled) {
		rc = hl_fail(HL_ERR_FORBIDDEN, NULL, "this source is disabled");
		hl_errreason_set("source_disabled");
		return rc;
	}
	if (src->allowed_cidrs && !hl_cidr_list_contains(src->allowed_cidrs, in->client_addr)) {
		rc = hl_fail(HL_ERR_FORBIDDEN, NULL, "the sender's address is not in the source's "
			"allowed_cidrs");
		hl_errreason_set("address_not_allowed");
		return rc;
	}
	return hl_incoming_verify_either(src->verify, src->secret, src->prev_secret, in->header,
		in->ctx, in->body, in->bodylen, in->now, src->tolerance_s, used);
}

/* in->limit for a request admitted (rc HL_OK) or refused with rc; the
 * refusal's message and reason survive the limiter's own work. */
static int
over_limit(const struct hl_incoming_in *in, hl_err rc)
{
	const char *reason = rc ? hl_errreason() : NULL;
	char message[500];
	int stop;

	if (rc)
		hl_strlcpy(message, hl_errmsg(), sizeof(message));
	stop = in->limit(in->ctx, rc == HL_OK);
	if (rc && !stop) {
		hl_fail(rc, NULL, "%s", message);
		hl_errreason_set(reason);
	}
	return stop;
}

hl_err
hl_incoming_receive(struct hl_db *db, const struct hl_source *src,
	const struct hl_incoming_in *in, struct hl_incoming_out *out)
{
	struct hl_incoming_entry e;
	struct provenance p = { NULL, NULL, NULL, "" };
	json_object *body = NULL, *payload = NULL, *res = NULL;
	char idem[80], hash[65], body_hash[65], message[500], *keyed;
	const char *reason, *used = NULL;
	int is_text = 0;
	hl_err rc;

	memset(out, 0, sizeof(*out));
	memset(&e, 0, sizeof(e));
	rc = hl_id_new("inc", out->request_id);
	if (rc)
		return rc;
	rc = admit(src, in, &used);
	if (in->limit && over_limit(in, rc)) {
		out->limited = 1;
		out->request_id[0] = '\0';
		return HL_OK;
	}
	if (!rc)
		rc = parse_body(in->header, in->ctx, in->body, in->bodylen, &body, &is_text);
	if (!rc) {
		provenance(src, in->header, in->ctx, body, &p);
		hl_strlcpy(out->event_type, choose_type(src, p.event), sizeof(out->event_type));
		payload = envelope(src, in, out->request_id, &p, body, is_text);
		body = NULL;
		/* The source and the provider's id, hashed to fit the key column:
		 * the same delivery posted again is the same key. GitHub and
		 * Shopify sign neither their delivery id nor a time, only the
		 * body: a captured request posted again under a new id header
		 * was a new event each time. For them the key is the signed
		 * bytes themselves, which each new delivery changes (its times,
		 * ids, GitHub's ping zen) and a copy cannot. */
		if (src->verify == HL_VERIFY_GITHUB || src->verify == HL_VERIFY_SHOPIFY) {
			hl_sha256_hex(in->body, in->bodylen, body_hash);
			p.key = body_hash;
		}
		if (p.key) {
			keyed = malloc(strlen(src->id) + strlen(p.key) + 8);
			if (!keyed) {
				rc = hl_fail(HL_ERR_NOMEM, NULL, "out of memory");
			} else {
				sprintf(keyed, "%s\n%s%s", src->id, p.key == body_hash ? "body:" : "",
					p.key);
				hl_sha256_hex(keyed, strlen(keyed), hash);
				snprintf(idem, sizeof(idem), "incoming:%s", hash);
				free(keyed);
			}
		}
	}
	/* The key alone decides: every copy gets a fresh envelope (request
	 * id, time, headers), and a copy keeps the first one's type. */
	if (!rc)
		rc = hl_publish(db, src->account_id, out->event_type, payload,
			p.key ? idem : NULL, 0, &res);
	if (!rc) {
		hl_strlcpy(out->event_id, hl_json_get_str(res, "id"), sizeof(out->event_id));
		out->deliveries = (int)json_object_get_int(json_object_object_get(res, "deliveries"));
		out->duplicate = json_object_get_boolean(json_object_object_get(res, "duplicate"));
		/* A duplicate keeps the type the first copy was published as. */
		hl_strlcpy(out->event_type, hl_json_get_str(res, "event_type"),
			sizeof(out->event_type));
	}

	/* A refused request is logged with what its headers claim too. */
	if (rc && !p.event && !p.dedupe)
		provenance(src, in->header, in->ctx, NULL, &p);
	e.id = out->request_id;
	e.client_addr = in->client_addr;
	e.headers_json = in->headers_json;
	e.body = in->body;
	e.bodylen = in->bodylen;
	/* Which secret verified it (also when the body was refused after):
	 * once "previous" stops appearing, the provider has switched. */
	e.verified_with = used;
	e.provider_event = p.event;
	e.dedupe_key = p.dedupe ? p.shown : NULL;
	if (rc) {
		/* The error as the caller will answer it: keep it past the log write. */
		reason = hl_errreason();
		hl_strlcpy(message, hl_errmsg(), sizeof(message));
		e.outcome = "rejected";
		e.error_code = reason ? reason : rc == HL_ERR_INVALID ? "invalid_value" :
			hl_err_name(rc);
		e.error_message = message;
		if (server_side(rc)) {
			/* The account's users read the log: no internals there. */
			hl_log(HL_LOG_ERROR, "incoming %s to %s: %s", out->request_id, src->id, message);
			e.error_code = "internal_error";
			e.error_message = "internal error; see the server log";
		}
	} else {
		e.outcome = out->duplicate ? "duplicate" : "accepted";
		e.event_type = out->event_type;
		e.event_id = out->event_id;
	}
	/* The log is the record, not the delivery: an event that was
	 * published stands even when its log entry could not be written. */
	if (hl_incoming_log(db, src, &e))
		hl_log(HL_LOG_ERROR, "incoming %s to %s not logged: %s", out->request_id, src->id,
			hl_errmsg());
	if (rc) {
		hl_fail(rc, NULL, "%s", message);
		hl_errreason_set(reason);
	}
	json_object_put(res);
	json_object_put(payload);
	json_object_put(body);
	return rc;
}
