"""Incoming webhooks: third parties post to /webhooks/incoming/{slug}.
Every request is signed here with Python's hmac/hashlib (independent of
hookline's C code) the way GitHub, Stripe, Shopify and Standard Webhooks
senders sign; hookline must verify, log, deduplicate and publish it into
the same pipeline, and the runner delivers it to a real receiver."""

import base64
import contextlib
import hashlib
import hmac
import json
import os
import subprocess
import threading
import time

from apihelp import account, endpoint, error_code
from hltest import (CONFIG, CTL, TMP, Receiver, api, own_web_server, run_runner, sign, sql,
                    unique, verify, write_config)

ROUTED = "integration.webhook_received"


def source(key, verify_scheme, status=201, **extra):
    body = {"verify": verify_scheme}
    body.update(extra)
    r = api("POST", "/webhooks/sources", body, key=key)
    assert r.status == status, r
    return r.body


def post(src, body, headers=None, content_type="application/json", base=None):
    """POST raw bytes to a source, no API credentials."""
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
    hdrs = {"Content-Type": content_type}
    hdrs.update(headers or {})
    return api("POST", "/webhooks/incoming/%s" % src["slug"], raw=body, key=None, headers=hdrs,
               base=base)


def github_headers(secret, body, event="push", delivery=None):
    return {"X-Hub-Signature-256": "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest(),
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": delivery or unique("gh")}


def stripe_header(secret, body, ts=None, extra_v1=()):
    ts = int(time.time()) if ts is None else ts
    mac = hmac.new(secret.encode(), ("%d." % ts).encode() + body, hashlib.sha256).hexdigest()
    return "t=%d,%s" % (ts, ",".join(["v1=%s" % v for v in list(extra_v1) + [mac]]))


def shopify_header(secret, body):
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def fresh_window(need_s=15):
    """Rate limits count per clock minute: start a test of them with at
    least need_s seconds of the current minute left."""
    left = 60 - time.time() % 60
    if left < need_s:
        time.sleep(left + 0.1)


def log(key, src, **query):
    qs = "&".join("%s=%s" % kv for kv in query.items())
    r = api("GET", "/webhooks/sources/%s/requests%s" % (src["id"], "?" + qs if qs else ""), key=key)
    assert r.status == 200, r
    return r.body["data"]


def events_of(slug):
    return int(sql("SELECT COUNT(*) FROM events e JOIN accounts a ON a.id = e.account_id "
                   "WHERE a.slug = '%s'" % slug)[0][0])


def test_github_push_is_verified_published_and_delivered():
    slug, key = account()
    secret = "It's a Secret to Everybody"
    with Receiver() as rcv:
        ep = endpoint(key, rcv.url, event_types=[ROUTED])
        src = source(key, "github", secret=secret, name="GitHub")
        assert "secret" not in src, src          # the caller's own secret is never echoed
        assert src["path"] == "/webhooks/incoming/" + src["slug"], src
        body = json.dumps({"ref": "refs/heads/main", "commits": [{"id": "abc"}]}).encode()
        hdrs = github_headers(secret, body, delivery="72d3162e-cc78-11e3-81ab-4c9367dc0958")
        hdrs["Authorization"] = "Bearer not-for-the-log"
        r = post(src, body, hdrs)
        assert r.status == 202, r
        assert r.body["duplicate"] is False and r.body["deliveries"] == 1, r
        assert r.body["event_type"] == ROUTED and r.body["event_id"].startswith("evt_"), r
        assert r.headers["hookline-request-id"] == r.body["id"], r.headers
        run_runner("--once")
        req = rcv.wait_for_requests(1)[0]
        assert verify(ep["secret"], req.headers, req.body)
        msg = req.json()
        assert msg["type"] == ROUTED, msg
        data = msg["data"]
        assert data["body"] == json.loads(body), data
        assert data["provider_event"] == "push", data
        assert data["provider_id"] == "72d3162e-cc78-11e3-81ab-4c9367dc0958", data
        assert data["source"] == {"id": src["id"], "slug": src["slug"], "verify": "github"}, data
        assert data["incoming_id"] == r.body["id"], data

    entry = log(key, src)[0]
    assert entry["outcome"] == "accepted" and entry["event_id"] == r.body["event_id"], entry
    assert entry["provider_event"] == "push" and entry["error_code"] is None, entry
    detail = api("GET", "/webhooks/sources/%s/requests/%s" % (src["id"], entry["id"]), key=key).body
    assert detail["body"] == body.decode(), detail
    assert detail["headers"]["x-github-event"] == "push", detail
    assert detail["headers"]["authorization"] == "[redacted]", detail
    assert "not-for-the-log" not in json.dumps(detail)
    # The event is in the account's history like any published one.
    ev = api("GET", "/webhooks/%s/events" % ep["id"], key=key).body["data"]
    assert [e["id"] for e in ev] == [r.body["event_id"]], ev
    assert events_of(slug) == 1


def test_shared_secret_headers_are_redacted_in_the_log():
    """Senders that authenticate with a shared secret in a header (GitLab's
    X-Gitlab-Token, X-Api-Key, ...) must not have it stored and shown to
    every user of the account."""
    _, key = account()
    src = source(key, "none", allowed_cidrs="127.0.0.0/8")
    names = ["X-Gitlab-Token", "X-Api-Key", "X-Auth-Token", "X-Access-Token",
             "X-Webhook-Secret", "X-Webhook-Token", "Authorization", "Cookie"]
    hdrs = {n: "secret-%d-%s" % (i, unique("v")) for i, n in enumerate(names)}
    hdrs["X-Gitlab-Event"] = "Push Hook"
    r = post(src, {"object_kind": "push"}, hdrs)
    assert r.status == 202, r
    detail = api("GET", "/webhooks/sources/%s/requests/%s" % (src["id"], r.body["id"]), key=key).body
    for n in names:
        assert detail["headers"][n.lower()] == "[redacted]", (n, detail["headers"])
    assert detail["headers"]["x-gitlab-event"] == "Push Hook", detail["headers"]
    text = json.dumps(detail)
    assert not any(v in text for n, v in hdrs.items() if n in names), text


def test_reference_vector_of_github_verifies():
    # ../shared/REFERENCE.md: secret "It's a Secret to Everybody", body
    # "Hello, World!" gives this header; hookline must accept exactly it.
    _, key = account()
    src = source(key, "github", secret="It's a Secret to Everybody")
    hdrs = {"X-Hub-Signature-256":
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
            "X-GitHub-Event": "ping", "X-GitHub-Delivery": unique("d")}
    r = post(src, b"Hello, World!", hdrs, content_type="text/plain")
    assert r.status == 202, r
    hdrs["X-Hub-Signature-256"] = hdrs["X-Hub-Signature-256"][:-1] + "0"
    hdrs["X-GitHub-Delivery"] = unique("d")
    r = post(src, b"Hello, World!", hdrs, content_type="text/plain")
    assert r.status == 401 and error_code(r) == "signature_invalid", r


def test_bad_and_missing_signatures_are_refused_logged_and_publish_nothing():
    slug, key = account()
    secret = "gh-" + unique("s")
    src = source(key, "github", secret=secret)
    body = b'{"action": "opened"}'
    cases = [
        ({}, "signature_missing"),
        (github_headers("another secret", body), "signature_invalid"),
        ({"X-Hub-Signature-256": "sha1=" + "0" * 40}, "signature_invalid"),
        ({"X-Hub-Signature-256": "sha256=zz"}, "signature_invalid"),
    ]
    for hdrs, code in cases:
        r = post(src, body, hdrs)
        assert r.status == 401 and error_code(r) == code, (hdrs, r)
        assert r.headers.get("hookline-request-id", "").startswith("inc_"), r.headers
    # The body is signed byte for byte: one changed byte fails.
    hdrs = github_headers(secret, body)
    r = post(src, body.replace(b"opened", b"closed"), hdrs)
    assert r.status == 401 and error_code(r) == "signature_invalid", r
    assert events_of(slug) == 0
    rejected = log(key, src, outcome="rejected")
    assert len(rejected) == 5, rejected
    assert {e["error_code"] for e in rejected} == {"signature_missing", "signature_invalid"}, rejected
    assert all(e["event_id"] is None for e in rejected), rejected
    # What the refused requests' headers claimed is kept for the log.
    assert sum(e["provider_event"] == "push" for e in rejected) == 2, rejected
    assert log(key, src, outcome="accepted") == []


def test_a_delivery_posted_again_or_concurrently_makes_one_event():
    slug, key = account()
    secret = unique("s")
    src = source(key, "github", secret=secret)
    body = b'{"n": 1}'
    hdrs = github_headers(secret, body, delivery="dup-1")
    first = post(src, body, hdrs)
    assert first.status == 202 and first.body["duplicate"] is False, first
    again = post(src, body, hdrs)
    assert again.status == 200 and again.body["duplicate"] is True, again
    assert again.body["event_id"] == first.body["event_id"], (first, again)
    # Eight copies of another delivery at once: one wins, seven are duplicates.
    body = b'{"n": 2}'
    hdrs = github_headers(secret, body, delivery="dup-2")
    results = []

    def send():
        results.append(post(src, body, hdrs))

    threads = [threading.Thread(target=send) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.status for r in results) == [200] * 7 + [202], results
    assert len({r.body["event_id"] for r in results}) == 1, results
    assert events_of(slug) == 2
    outcomes = [e["outcome"] for e in log(key, src)]
    assert outcomes.count("accepted") == 2 and outcomes.count("duplicate") == 8, outcomes
    # The same delivery id at another source is another delivery.
    other = source(key, "github", secret=secret)
    r = post(other, body, github_headers(secret, body, delivery="dup-1"))
    assert r.status == 202 and r.body["duplicate"] is False, r


def test_long_and_non_utf8_delivery_ids_still_deduplicate():
    """A delivery id longer than the log's 255 characters, or with bytes
    that are not UTF-8, was dropped: the delivery was not deduplicated at
    all, and every retry of a signed Standard Webhooks request became
    another event. The whole id is the key now; the log and the envelope
    show its first 255 bytes, bad bytes as "?"."""
    slug, key = account()
    src = source(key, "standard")
    secret = src["secret"]
    body = b'{"type": "invoice.paid"}'
    ts = str(int(time.time()))
    long_id = "msg_" + "a" * 296
    hdrs = {"webhook-id": long_id, "webhook-timestamp": ts,
            "webhook-signature": "v1," + sign(secret, long_id, ts, body)}
    first = post(src, body, hdrs)
    assert first.status == 202 and first.body["duplicate"] is False, first
    again = post(src, body, hdrs)
    assert again.status == 200 and again.body["duplicate"] is True, again
    assert again.body["event_id"] == first.body["event_id"], (first, again)
    assert payload_of(first.body["event_id"])["provider_id"] == long_id[:255]
    assert {e["dedupe_key"] for e in log(key, src)} == {long_id[:255]}
    # Past what is shown it is still the whole id that counts.
    other_id = long_id[:-1] + "b"
    r = post(src, body, {"webhook-id": other_id, "webhook-timestamp": ts,
                         "webhook-signature": "v1," + sign(secret, other_id, ts, body)})
    assert r.status == 202 and r.body["duplicate"] is False, r
    assert events_of(slug) == 2
    # GitHub's unsigned header, with bytes that are not UTF-8 (http.client
    # sends a str header as Latin-1).
    gsecret = unique("s")
    gh = source(key, "github", secret=gsecret)
    gbody = b'{"n": 1}'
    hdrs = github_headers(gsecret, gbody, delivery="d\xe9j\xe0-1")
    first = post(gh, gbody, hdrs)
    again = post(gh, gbody, hdrs)
    assert first.status == 202 and again.status == 200, (first, again)
    assert again.body["event_id"] == first.body["event_id"], (first, again)
    assert {e["dedupe_key"] for e in log(key, gh)} == {"d?j?-1"}
    assert events_of(slug) == 3


def test_stripe_signatures_timestamps_and_rotation():
    slug, key = account()
    secret = "whsec_" + unique("stripe")    # Stripe keys its HMAC with the whole string
    src = source(key, "stripe", secret=secret)
    body = json.dumps({"id": "evt_1NG8Du2eZvKYlo2CUI79vXWy", "type": "charge.succeeded",
                       "data": {"object": {"amount": 1000}}}).encode()
    r = post(src, body, {"Stripe-Signature": stripe_header(secret, body)})
    assert r.status == 202, r
    entry = log(key, src)[0]
    assert entry["provider_event"] == "charge.succeeded", entry
    assert entry["dedupe_key"] == "evt_1NG8Du2eZvKYlo2CUI79vXWy", entry
    # Stripe retries the same event id: a duplicate.
    r = post(src, body, {"Stripe-Signature": stripe_header(secret, body)})
    assert r.status == 200 and r.body["duplicate"] is True, r
    body2 = body.replace(b"evt_1NG8", b"evt_2NG8")
    # During a secret roll Stripe lists several v1: one matching is enough.
    r = post(src, body2, {"Stripe-Signature": stripe_header(secret, body2, extra_v1=["ab" * 32])})
    assert r.status == 202, r
    # Outside the source's tolerance (default 300 s): a replay.
    old = int(time.time()) - 1000
    r = post(src, body2, {"Stripe-Signature": stripe_header(secret, body2, ts=old)})
    assert r.status == 401 and error_code(r) == "timestamp_out_of_range", r
    r = post(src, body2, {"Stripe-Signature": "v1=" + "0" * 64})
    assert r.status == 401 and error_code(r) == "signature_invalid", r
    r = post(src, body2, {"Stripe-Signature": stripe_header("whsec_wrong", body2)})
    assert r.status == 401 and error_code(r) == "signature_invalid", r
    # A wider tolerance admits the old timestamp.
    r = api("PUT", "/webhooks/sources/%s" % src["id"], {"tolerance_seconds": 3600}, key=key)
    assert r.status == 200 and r.body["tolerance_seconds"] == 3600, r
    body3 = body.replace(b"evt_1NG8", b"evt_3NG8")
    r = post(src, body3, {"Stripe-Signature": stripe_header(secret, body3, ts=old)})
    assert r.status == 202, r
    assert events_of(slug) == 3


def test_shopify_topics_route_through_type_map():
    slug, key = account()
    name = "shop.order_%s" % unique("x").split("-")[1]
    r = api("POST", "/webhooks/events", {"name": name, "description": "An order"}, key=key)
    assert r.status == 201, r
    secret = unique("shpss")
    with Receiver() as orders, Receiver() as rest:
        endpoint(key, orders.url, event_types=[name])
        endpoint(key, rest.url, event_types=[ROUTED])
        src = source(key, "shopify", secret=secret, type_map={"orders/create": name})
        assert src["type_map"] == {"orders/create": name}, src
        order = json.dumps({"id": 820982911946154508, "email": "jon@example.com"}).encode()
        r = post(src, order, {"X-Shopify-Hmac-Sha256": shopify_header(secret, order),
                              "X-Shopify-Topic": "orders/create",
                              "X-Shopify-Webhook-Id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"})
        assert r.status == 202 and r.body["event_type"] == name, r
        cart = b'{"id": "cart-1"}'
        r = post(src, cart, {"X-Shopify-Hmac-Sha256": shopify_header(secret, cart),
                             "X-Shopify-Topic": "carts/update", "X-Shopify-Webhook-Id": "w-2"})
        assert r.status == 202 and r.body["event_type"] == ROUTED, r
        r = post(src, cart, {"X-Shopify-Hmac-Sha256": shopify_header("nope", cart),
                             "X-Shopify-Topic": "carts/update", "X-Shopify-Webhook-Id": "w-3"})
        assert r.status == 401 and error_code(r) == "signature_invalid", r
        run_runner("--once")
        got_order = orders.wait_for_requests(1)[0].json()
        assert got_order["type"] == name and got_order["data"]["body"]["email"] == "jon@example.com"
        got_cart = rest.wait_for_requests(1)[0].json()
        assert got_cart["data"]["provider_event"] == "carts/update", got_cart
        assert len(orders.requests) == 1 and len(rest.requests) == 1
    # A map value must be a type of the catalog.
    r = api("PUT", "/webhooks/sources/%s" % src["id"], {"type_map": {"x": "no.such_type"}}, key=key)
    assert r.status == 422 and r.body["error"]["field"] == "type_map", r
    r = api("PUT", "/webhooks/sources/%s" % src["id"], {"type_map": {}}, key=key)
    assert r.status == 200 and r.body["type_map"] is None, r


def test_a_put_that_changes_nothing_stores_nothing():
    slug, key = account()
    name = "shop.order_%s" % unique("x").split("-")[1]
    assert api("POST", "/webhooks/events", {"name": name}, key=key).status == 201
    src = source(key, "shopify", secret=unique("shpss"), allowed_cidrs="127.0.0.0/8",
                 type_map={"orders/create": name, "orders/paid": name})
    path = "/webhooks/sources/%s" % src["id"]

    def updates():
        entries = api("GET", "/webhooks/audit?limit=100", key=key).body["data"]
        return [e for e in entries if e["action"] == "source.update" and
                e["object_id"] == src["id"]]

    time.sleep(0.01)
    # Everything GET shows, sent back (the map in another order): stored
    # as it was, no audit record, the same updated_at.
    same = {k: src[k] for k in ("slug", "name", "verify", "event_type", "allowed_cidrs",
                                "tolerance_seconds", "rate_limit", "enabled")}
    same["type_map"] = dict(reversed(list(src["type_map"].items())))
    r = api("PUT", path, same, key=key)
    assert r.status == 200 and r.body["updated_at"] == src["updated_at"], (src, r)
    assert r.body["type_map"] == src["type_map"], r
    assert updates() == []
    # One member changed: stored and audited, once.
    r = api("PUT", path, dict(same, name="renamed"), key=key)
    assert r.status == 200 and r.body["name"] == "renamed", r
    assert r.body["updated_at"] > src["updated_at"], r
    assert len(updates()) == 1
    # The secret given again is always a change (it ends a grace period).
    r = api("PUT", path, {"secret": unique("shpss")}, key=key)
    assert r.status == 200 and len(updates()) == 2, r


def test_standard_webhooks_source_generates_its_secret():
    _, key = account()
    src = source(key, "standard")
    secret = src["secret"]
    assert secret.startswith("whsec_"), src
    assert "secret" not in api("GET", "/webhooks/sources/%s" % src["id"], key=key).body
    body = json.dumps({"type": "invoice.paid", "data": {"n": 1}}).encode()
    ts = str(int(time.time()))
    hdrs = {"webhook-id": "msg_1", "webhook-timestamp": ts,
            "webhook-signature": "v1,%s v1,%s" % (base64.b64encode(b"x" * 32).decode(),
                                                  sign(secret, "msg_1", ts, body))}
    r = post(src, body, hdrs)
    assert r.status == 202, r
    assert log(key, src)[0]["provider_event"] == "invoice.paid"
    r = post(src, body, hdrs)
    assert r.status == 200 and r.body["duplicate"] is True, r
    # Svix's header names carry the same scheme.
    hdrs = {"svix-id": "msg_2", "svix-timestamp": ts,
            "svix-signature": "v1," + sign(secret, "msg_2", ts, body)}
    assert post(src, body, hdrs).status == 202
    hdrs = {"webhook-id": "msg_3", "webhook-timestamp": ts,
            "webhook-signature": "v1," + sign(secret, "msg_2", ts, body)}
    r = post(src, body, hdrs)
    assert r.status == 401 and error_code(r) == "signature_invalid", r
    hdrs = {"webhook-id": "msg_3", "webhook-timestamp": str(int(time.time()) - 900),
            "webhook-signature": "v1," + sign(secret, "msg_3", str(int(time.time()) - 900), body)}
    r = post(src, body, hdrs)
    assert r.status == 401 and error_code(r) == "timestamp_out_of_range", r
    # A secret of the caller's own must be a Standard Webhooks secret.
    r = api("PUT", "/webhooks/sources/%s" % src["id"], {"secret": "plain"}, key=key)
    assert r.status == 422 and r.body["error"]["field"] == "secret", r
    mine = "whsec_" + base64.b64encode(b"k" * 32).decode()
    r = api("PUT", "/webhooks/sources/%s" % src["id"], {"secret": mine}, key=key)
    assert r.status == 200 and "secret" not in r.body, r
    hdrs = {"webhook-id": "msg_4", "webhook-timestamp": ts,
            "webhook-signature": "v1," + sign(mine, "msg_4", ts, body)}
    assert post(src, body, hdrs).status == 202


def test_svix_signed_request_is_deduplicated_by_the_signed_id():
    """A svix-signed request carries svix-id under its signature; a
    webhook-id header next to it is unsigned. Posting a captured request
    again with a fresh webhook-id must still be the same delivery."""
    slug, key = account()
    src = source(key, "standard")
    secret = src["secret"]
    body = json.dumps({"type": "invoice.paid", "data": {"n": 7}}).encode()
    ts = str(int(time.time()))
    hdrs = {"svix-id": "msg_svix_1", "svix-timestamp": ts,
            "svix-signature": "v1," + sign(secret, "msg_svix_1", ts, body)}
    first = post(src, body, hdrs)
    assert first.status == 202, first
    for forged_id in ("replay-1", "replay-2"):
        r = post(src, body, dict(hdrs, **{"webhook-id": forged_id}))
        assert r.status == 200 and r.body["duplicate"] is True, (forged_id, r)
        assert r.body["event_id"] == first.body["event_id"], r
    assert events_of(slug) == 1
    assert {e["dedupe_key"] for e in log(key, src)} == {"msg_svix_1"}
    # A webhook-signature makes webhook-id the signed (and deduplicating) id.
    hdrs = {"webhook-id": "msg_std_1", "webhook-timestamp": ts, "svix-id": "msg_svix_1",
            "webhook-signature": "v1," + sign(secret, "msg_std_1", ts, body)}
    r = post(src, body, hdrs)
    assert r.status == 202 and r.body["duplicate"] is False, r
    assert events_of(slug) == 2


def test_unsigned_sources_need_an_address_list():
    _, key = account()
    r = api("POST", "/webhooks/sources", {"verify": "none"}, key=key)
    assert r.status == 422 and r.body["error"]["field"] == "allowed_cidrs", r
    r = api("POST", "/webhooks/sources", {"verify": "none", "secret": "x",
                                          "allowed_cidrs": "127.0.0.1/32"}, key=key)
    assert r.status == 422 and r.body["error"]["field"] == "secret", r
    src = source(key, "none", allowed_cidrs="10.0.0.0/8, 192.168.0.0/16")
    r = post(src, {"hello": 1})
    assert r.status == 403 and error_code(r) == "address_not_allowed", r
    r = api("PUT", "/webhooks/sources/%s" % src["id"], {"allowed_cidrs": "127.0.0.0/8"}, key=key)
    assert r.status == 200, r
    r = post(src, {"hello": 1}, {"Idempotency-Key": "k1"})
    assert r.status == 202, r
    r = post(src, {"hello": 1}, {"Idempotency-Key": "k1"})
    assert r.status == 200 and r.body["duplicate"] is True, r
    # Switching to a signed scheme needs the sender's secret.
    r = api("PUT", "/webhooks/sources/%s" % src["id"], {"verify": "github"}, key=key)
    assert r.status == 422 and r.body["error"]["field"] == "secret", r
    r = api("PUT", "/webhooks/sources/%s" % src["id"], {"verify": "standard"}, key=key)
    assert r.status == 200 and r.body["secret"].startswith("whsec_"), r
    assert post(src, {"hello": 2}).status == 401


def test_an_address_list_without_entries_admits_any_address():
    """" " or "," used to be stored as a list and then matched no sender:
    a list with no entries is the empty list, which admits any address."""
    _, key = account()
    secret = unique("s")
    body = b'{"n": 1}'
    src = source(key, "github", secret=secret, allowed_cidrs=" ")
    assert src["allowed_cidrs"] is None, src
    assert post(src, body, github_headers(secret, body)).status == 202
    for n, blank in enumerate((",", " , \t", "")):
        r = api("PUT", "/webhooks/sources/%s" % src["id"], {"allowed_cidrs": blank}, key=key)
        assert r.status == 200 and r.body["allowed_cidrs"] is None, (blank, r)
        # Another body each time: GitHub's copies of one body are one event.
        body = b'{"n": %d}' % (n + 2)
        assert post(src, body, github_headers(secret, body)).status == 202, blank
    r = api("PUT", "/webhooks/sources/%s" % src["id"], {"allowed_cidrs": " 10.0.0.0/8 , "}, key=key)
    assert r.status == 200 and r.body["allowed_cidrs"] == "10.0.0.0/8", r
    assert post(src, body, github_headers(secret, body)).status == 403
    # A row stored before lists were trimmed: still any address.
    sql("UPDATE sources SET allowed_cidrs = ' , ' WHERE id = '%s'" % src["id"])
    body = b'{"n": 9}'
    assert post(src, body, github_headers(secret, body)).status == 202
    assert api("GET", "/webhooks/sources/%s" % src["id"], key=key).body["allowed_cidrs"] is None
    # An unsigned source needs a real list.
    r = api("POST", "/webhooks/sources", {"verify": "none", "allowed_cidrs": " , "}, key=key)
    assert r.status == 422 and r.body["error"]["field"] == "allowed_cidrs", r


def test_disabled_unknown_rate_limited_and_bad_bodies():
    slug, key = account()
    secret = unique("s")
    src = source(key, "github", secret=secret, rate_limit=2)
    fresh_window()
    r = api("POST", "/webhooks/incoming/no-such-source", raw=b"{}", key=None,
            headers={"Content-Type": "application/json"})
    assert r.status == 404 and error_code(r) == "source_not_found", r
    # The slug byte for byte: the column's collation would match these.
    body = b'{"zen": "case"}'
    for other in (src["slug"].upper(), src["slug"][:3] + src["slug"][3:].upper()):
        r = api("POST", "/webhooks/incoming/%s" % other, raw=body, key=None,
                headers=dict(github_headers(secret, body), **{"Content-Type": "application/json"}))
        assert r.status == 404 and error_code(r) == "source_not_found", (other, r)
    r = api("GET", "/webhooks/incoming/%s" % src["slug"], key=None)
    assert r.status == 405, r
    # Declared JSON that is not JSON: refused and logged.
    bad = b'{"a": '
    r = post(src, bad, github_headers(secret, bad))
    assert r.status == 422 and error_code(r) == "invalid_body", r
    # A form-encoded body (GitHub's other content type) is kept as text.
    form = b"payload=%7B%22a%22%3A1%7D"
    r = post(src, form, github_headers(secret, form), content_type="application/x-www-form-urlencoded")
    assert r.status == 202, r
    r = post(src, form, github_headers(secret, form))
    assert r.status == 429 and error_code(r) == "rate_limited", r
    assert int(r.headers["retry-after"]) >= 1, r.headers
    assert r.headers["x-ratelimit-limit"] == "2" and r.headers["x-ratelimit-remaining"] == "0"
    entries = log(key, src)
    assert [e["outcome"] for e in entries] == ["accepted", "rejected"], entries  # 429s are not logged
    assert entries[1]["error_code"] == "invalid_body", entries
    r = api("PUT", "/webhooks/sources/%s" % src["id"], {"rate_limit": 0, "enabled": False}, key=key)
    assert r.status == 200 and r.body["rate_limit"] is None and r.body["enabled"] is False, r
    r = post(src, form, github_headers(secret, form))
    assert r.status == 403 and error_code(r) == "source_disabled", r
    r = api("PUT", "/webhooks/sources/%s" % src["id"], {"enabled": True}, key=key)
    assert r.status == 200
    # Larger than Web.MaxBodyBytes: refused before it is read.
    big = b"x" * (1024 * 1024 + 1)
    r = post(src, big, github_headers(secret, big), content_type="text/plain")
    assert r.status == 413, r
    assert events_of(slug) == 1


def test_forged_requests_have_their_own_allowance():
    """A flood of forged requests to a known URL answers 429 once it has
    used up the refused allowance, is no longer logged, and leaves the
    real sender's allowance untouched."""
    slug, key = account()
    secret = unique("s")
    src = source(key, "github", secret=secret, rate_limit=3)
    fresh_window()
    forged = []
    for i in range(5):
        body = json.dumps({"forged": i}).encode()
        forged.append(post(src, body, github_headers("not-the-secret", body)))
    assert [r.status for r in forged] == [401, 401, 401, 429, 429], forged
    assert all(error_code(r) == "signature_invalid" for r in forged[:3]), forged
    assert error_code(forged[3]) == "rate_limited" and "hookline-request-id" not in forged[3].headers
    real = []
    for i in range(4):
        body = json.dumps({"real": i}).encode()
        real.append(post(src, body, github_headers(secret, body)))
    assert [r.status for r in real] == [202, 202, 202, 429], real
    assert real[2].headers["x-ratelimit-remaining"] == "0", real[2].headers
    entries = log(key, src)
    assert sorted(e["outcome"] for e in entries) == ["accepted"] * 3 + ["rejected"] * 3, entries
    assert events_of(slug) == 3
    # Without a source limit only RateLimit.PerAddressPerMinute (100000
    # in the tests) bounds refused requests: they are answered and logged.
    r = api("PUT", "/webhooks/sources/%s" % src["id"], {"rate_limit": 0}, key=key)
    assert r.status == 200 and r.body["rate_limit"] is None, r
    body = b'{"real": 9}'
    assert post(src, body, github_headers(secret, body)).status == 202
    r = post(src, body, github_headers("not-the-secret", body))
    assert r.status == 401 and "hookline-request-id" in r.headers, r


# What docs/operations.md adds for a load balancer, here at 127.0.0.1.
BEHIND_A_PROXY = {
    "lighttpd": ('server.modules += ( "mod_extforward" )\n'
                 'extforward.forwarder = ( "127.0.0.1" => "trust" )\n'
                 'extforward.headers = ( "X-Forwarded-For" )\n'),
    "apache": ("LoadModule remoteip_module /usr/lib/apache2/modules/mod_remoteip.so\n"
               "RemoteIPHeader X-Forwarded-For\n"
               "RemoteIPInternalProxy 127.0.0.1\n"),
}


@contextlib.contextmanager
def web_server_behind_a_proxy():
    """A second web server of the suite's kind (lighttpd, or Apache under
    run-apache) in front of the same hookline.fcgi, the suite's own
    configuration (scripts/lib.sh) plus the documented lines for a trusted
    proxy. Yields its base URL and the Server header it answers with."""
    server = "apache" if os.environ.get("HL_WEB_SERVER") == "apache" else "lighttpd"
    extra = os.path.join(TMP, "behind-a-proxy.conf")
    with open(extra, "w") as f:
        f.write(BEHIND_A_PROXY[server])
    with own_web_server("proxy", CONFIG, extra) as (base, _):
        yield base, "apache" if server == "apache" else "hookline-dev"


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_client():
    """With mod_extforward (or mod_remoteip) trusting the proxy, REMOTE_ADDR is the client's:
    an address-listed source admits by it. Without it, X-Forwarded-For is
    only a header and proves nothing."""
    _, key = account()
    src = source(key, "none", allowed_cidrs="203.0.113.0/24")
    xff = {"X-Forwarded-For": "203.0.113.7"}
    r = post(src, {"via": "direct"}, xff)
    assert r.status == 403 and error_code(r) == "address_not_allowed", r
    with web_server_behind_a_proxy() as (base, server):
        r = post(src, {"via": "proxy"}, xff, base=base)
        assert r.status == 202, r
        assert server in r.headers.get("server", "").lower(), r.headers
        r = post(src, {"via": "proxy"}, {"X-Forwarded-For": "198.51.100.1"}, base=base)
        assert r.status == 403 and error_code(r) == "address_not_allowed", r
    addrs = [e["client_addr"] for e in log(key, src)]
    assert sorted(addrs) == ["127.0.0.1", "198.51.100.1", "203.0.113.7"], addrs


def test_text_bodies_reach_receivers_as_text():
    _, key = account()
    secret = unique("s")
    with Receiver() as rcv:
        endpoint(key, rcv.url, event_types=[ROUTED])
        src = source(key, "github", secret=secret)
        form = "payload=%7B%22a%22%3A1%7D&caf\u00e9=1".encode()
        r = post(src, form, github_headers(secret, form), content_type="application/x-www-form-urlencoded")
        assert r.status == 202, r
        bin_body = b"\xff\xfe\x00binary"
        r = post(src, bin_body, github_headers(secret, bin_body), content_type="application/octet-stream")
        assert r.status == 422 and error_code(r) == "invalid_body", r
        run_runner("--once")
        data = rcv.wait_for_requests(1)[0].json()["data"]
        assert data["body_text"] == form.decode() and "body" not in data, data
        assert data["content_type"] == "application/x-www-form-urlencoded", data


def payload_of(event_id):
    """The stored event payload, as JSON."""
    return json.loads(sql("SELECT payload FROM events WHERE id = '%s'" % event_id)[0][0])


def test_a_content_type_that_is_not_utf8_is_published():
    """The envelope carries the Content-Type as it came: one byte of it
    that is not UTF-8 failed the payload's insert (utf8mb4), so a signed,
    well-formed request was answered 500, which the sender retries for
    days. Its bad bytes read "?" now, as in the request log."""
    slug, key = account()
    secret = unique("s")
    src = source(key, "github", secret=secret)
    body = b'{"a": 1}'
    # http.client sends a str header as Latin-1: "\xff" is the byte 0xff.
    r = post(src, body, github_headers(secret, body), content_type="application/json; x=\xff\xe9")
    assert r.status == 202, r
    data = payload_of(r.body["event_id"])
    assert data["content_type"] == "application/json; x=??" and data["body"] == {"a": 1}, data
    entry = log(key, src)[0]
    assert entry["outcome"] == "accepted" and entry["event_id"] == r.body["event_id"], entry
    assert events_of(slug) == 1


def test_json_scalar_bodies_are_json():
    """Any JSON value is a JSON body, a bare number or literal at the very
    end of the body included; declared JSON that is not one value is 422."""
    _, key = account()
    src = source(key, "none", allowed_cidrs="127.0.0.0/8")
    for raw, want in ((b"123", 123), (b"true", True), (b"false", False), (b"-1.5 \r\n", -1.5),
                      (b'"text"', "text")):
        r = post(src, raw)
        assert r.status == 202, (raw, r)
        data = payload_of(r.body["event_id"])
        assert data["body"] == want and "body_text" not in data, (raw, data)
    for raw in (b"123 4", b"tru", b"{} x", b"[1,]"):
        r = post(src, raw)
        assert r.status == 422 and error_code(r) == "invalid_body", (raw, r)
    # Nested as deep as the stored payload can be (the envelope adds a
    # level; MariaDB's JSON_VALID and the runner stop at 32): one more is
    # a clear 422, not a database error.
    assert post(src, b"[" * 30 + b"1" + b"]" * 30).status == 202
    r = post(src, b"[" * 31 + b"1" + b"]" * 31)
    assert r.status == 422 and error_code(r) == "invalid_body", r
    assert "nesting too deep" in r.body["error"]["message"], r
    # An empty array innermost is a level too (MariaDB counts it; json-c
    # did not, and 31 of them failed the events.payload check: a 500).
    assert post(src, b"[" * 30 + b"]" * 30).status == 202
    r = post(src, b"[" * 31 + b"]" * 31)
    assert r.status == 422 and error_code(r) == "invalid_body", r
    assert "nesting too deep" in r.body["error"]["message"], r
    # Numbers json-c would not keep as sent (it clamped the first to
    # 18446744073709551615 and took the others as infinity), and a name
    # given twice (it kept the last), are refused when the body says it
    # is JSON, and kept as the text otherwise.
    for raw in (b'{"id": 18446744073709551616}', b'{"v": NaN}', b'{"v": 1e999}',
                b'{"id": 1, "id": 2}'):
        r = post(src, raw)
        assert r.status == 422 and error_code(r) == "invalid_body", (raw, r)
        r = post(src, raw, content_type="text/plain")
        assert r.status == 202, (raw, r)
        # (The client's batch output escapes the backslashes of the JSON
        # text; the value itself has none.)
        text = sql("SELECT JSON_VALUE(payload, '$.body_text') FROM events WHERE id = '%s'"
                   % r.body["event_id"])[0][0]
        assert text == raw.decode(), (raw, text)
    r = post(src, b'{"id": 18446744073709551615}')
    assert payload_of(r.body["event_id"])["body"] == {"id": 18446744073709551615}, r
    # Not declared JSON and not strict JSON: kept as the text it is.
    r = post(src, b"'quoted'", content_type="text/plain")
    assert r.status == 202, r
    assert payload_of(r.body["event_id"])["body_text"] == "'quoted'"


def test_json_is_declared_by_the_media_type_in_any_case():
    """Media types compare without case: "Application/JSON" declared JSON
    but a body of it that did not parse was published as body_text; and
    a parameter that says json does not make text/plain JSON."""
    slug, key = account()
    src = source(key, "none", allowed_cidrs="127.0.0.0/8")
    before = events_of(slug)
    for ct in ("Application/JSON", "APPLICATION/VND.API+JSON; charset=UTF-8", "text/JSON"):
        r = post(src, b'{"a": ', content_type=ct)
        assert r.status == 422 and error_code(r) == "invalid_body", (ct, r)
    assert events_of(slug) == before
    r = post(src, b'{"a": ', content_type="text/plain; profile=json")
    assert r.status == 202, r
    # (Read as hex: mariadb -B would escape the backslashes again.)
    stored = json.loads(bytes.fromhex(sql("SELECT HEX(payload) FROM events WHERE id = '%s'"
                                          % r.body["event_id"])[0][0]))
    assert stored["body_text"] == '{"a": ', stored


def test_a_json_body_after_a_byte_order_mark_is_json():
    """RFC 8259 lets a parser ignore a BOM; some senders (.NET) send one.
    The signature is over the bytes as they came, BOM included."""
    slug, key = account()
    secret = unique("s")
    src = source(key, "github", secret=secret)
    body = b'\xef\xbb\xbf{"n": 1}'
    r = post(src, body, github_headers(secret, body))
    assert r.status == 202, r
    assert payload_of(r.body["event_id"])["body"] == {"n": 1}
    # Only first: anywhere else it is not JSON.
    body = b'{"n": 1}\xef\xbb\xbf'
    r = post(src, body, github_headers(secret, body))
    assert r.status == 422 and error_code(r) == "invalid_body", r


def test_nul_characters_in_json_bodies_are_refused():
    """A JSON body with a \\u0000 in a string was published: a filter or a
    schema read the string cut short, and a member name holding one was
    cut by json-c ("to\\u0000x" stored as "to"). Refused now as a bad body,
    logged, nothing published."""
    slug, key = account()
    src = source(key, "none", allowed_cidrs="127.0.0.0/8")
    before = events_of(slug)
    for raw in (rb'{"to": "+1\u0000x"}', rb'{"a": ["ok", {"b": "\u0000"}]}', rb'{"to\u0000x": 1}',
                rb'"\u0000"'):
        r = post(src, raw)
        assert r.status == 422 and error_code(r) == "invalid_body", (raw, r)
        assert "NUL" in r.body["error"]["message"], r
    assert events_of(slug) == before
    entries = log(key, src)
    assert [e["outcome"] for e in entries] == ["rejected"] * 4, entries
    assert {e["error_code"] for e in entries} == {"invalid_body"}, entries
    # An escaped backslash before u0000 is text; so is a text body.
    # (Read as hex: mariadb -B would escape the backslashes again.)
    def stored(event_id):
        return json.loads(bytes.fromhex(sql("SELECT HEX(payload) FROM events WHERE id = '%s'"
                                            % event_id)[0][0]))

    r = post(src, rb'{"path": "C:\\u0000"}')
    assert r.status == 202 and stored(r.body["event_id"])["body"] == {"path": "C:\\u0000"}, r
    r = post(src, rb'a\u0000b', content_type="text/plain")
    assert r.status == 202 and stored(r.body["event_id"])["body_text"] == "a\\u0000b", r
    # JSON text not declared as JSON that JSON cannot keep as sent (a
    # NUL, half a surrogate pair) is the text it is, not a refusal.
    for raw in (rb'{"a":"\u0000"}', rb'["\ud800"]'):
        r = post(src, raw, content_type="text/plain")
        assert r.status == 202, (raw, r)
        assert stored(r.body["event_id"])["body_text"] == raw.decode(), (raw, r)
    r = post(src, rb'["\ud800"]')
    assert r.status == 422 and error_code(r) == "invalid_body", r
    assert "surrogate" in r.body["error"]["message"], r


MAX_BODY = 1024 * 1024     # Web.MaxBodyBytes of the tests (the default)


def test_any_body_under_max_body_bytes_is_published():
    """Escaping makes a payload larger than its body: json-c's "\\/" for
    every slash, six bytes (\\u0001) for a control character of a text
    body. A body the web server accepted (at most Web.MaxBodyBytes) must
    still be published, not answered 413 after it was logged."""
    slug, key = account()
    secret = unique("s")
    src = source(key, "github", secret=secret)
    with Receiver() as rcv:
        endpoint(key, rcv.url, event_types=[ROUTED])
        slashes = json.dumps({"path": "/" * 600000}).encode()
        r = post(src, slashes, github_headers(secret, slashes))
        assert r.status == 202, r
        # Stored as typed: no "\\/" (it would double the payload).
        assert sql("SELECT LENGTH(payload) < 610000, INSTR(payload, '\\\\/') FROM events "
                   "WHERE id = '%s'" % r.body["event_id"]) == [["1", "0"]]
        run_runner("--once")
        sent = rcv.wait_for_requests(1)[0].json()
        assert sent["data"]["body"]["path"] == "/" * 600000
    text = b"/" + b"\x01\x1f" * ((MAX_BODY - 1) // 2)
    assert len(text) <= MAX_BODY
    r = post(src, text, github_headers(secret, text), content_type="text/plain")
    assert r.status == 202, r
    row = sql("SELECT LENGTH(payload) > 6000000, "
              "CHAR_LENGTH(JSON_UNQUOTE(JSON_EXTRACT(payload, '$.body_text'))) "
              "FROM events WHERE id = '%s'" % r.body["event_id"])
    assert row == [["1", str(len(text))]], row
    assert [e["outcome"] for e in log(key, src)] == ["accepted", "accepted"]


def test_the_payload_limit_follows_max_body_bytes():
    """6 x Web.MaxBodyBytes + 64 KiB: with the smallest Web.MaxBodyBytes
    (1024) a payload of 100 KB is refused with a clear error."""
    slug, _ = account()
    small = write_config(Web_MaxBodyBytes=1024)
    payload = json.dumps({"blob": "x" * 100000})
    proc = subprocess.run([CTL, "--config", small, "publish", "--account", slug, ROUTED, payload],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0, proc
    assert "payload is larger than %d bytes" % (6 * 1024 + 65536) in proc.stderr, proc.stderr
    proc = subprocess.run([CTL, "--config", small, "publish", "--account", slug, ROUTED,
                           json.dumps({"blob": "x" * 70000})],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert events_of(slug) == 1


def test_source_api_validation_and_isolation():
    _, key = account()
    _, other = account()
    taken = "gh-" + unique("x")
    source(key, "github", secret="s", slug=taken)
    for body, field in (({"verify": "github", "secret": "s", "slug": taken}, "slug"),
                        ({"verify": "github", "secret": "s", "slug": "A b"}, "slug"),
                        ({"verify": "github", "secret": "s", "slug": "ab"}, "slug"),
                        ({"verify": "gitlab", "secret": "s"}, "verify"),
                        ({"verify": "github"}, "secret"),
                        ({"verify": "github", "secret": "s", "event_type": "sms.*"}, "event_type"),
                        ({"verify": "github", "secret": "s", "event_type": "no.such"}, "event_type"),
                        ({"verify": "github", "secret": "s", "allowed_cidrs": "300.1.1.1/8"}, "allowed_cidrs"),
                        ({"verify": "github", "secret": "s", "tolerance_seconds": 5}, "tolerance_seconds"),
                        ({"verify": "github", "secret": "s", "tolerance_seconds": -1}, "tolerance_seconds"),
                        ({"verify": "github", "secret": "s", "rate_limit": -5}, "rate_limit"),
                        ({"verify": "github", "secret": "a\nb"}, "secret"),
                        ({"verify": "github", "secret": "s", "type_map": {"x": "sms.*"}}, "type_map"),
                        ({"verify": "github", "secret": "s", "colour": "red"}, "colour"),
                        ({"secret": "s"}, "verify")):
        r = api("POST", "/webhooks/sources", body, key=key)
        assert r.status in (400, 409, 422), (body, r)
        assert r.body["error"]["field"] == field, (body, r)
    r = api("POST", "/webhooks/sources", {"verify": "github", "secret": "s", "slug": taken}, key=other)
    assert r.status == 409 and error_code(r) == "slug_taken", r
    src = source(key, "github", secret="s", name="CI")
    listed = [s["id"] for s in api("GET", "/webhooks/sources", key=key).body["data"]]
    assert src["id"] in listed, listed
    assert src["id"] not in [s["id"] for s in api("GET", "/webhooks/sources", key=other).body["data"]]
    for method, path in (("GET", ""), ("PUT", ""), ("DELETE", ""), ("GET", "/requests")):
        r = api(method, "/webhooks/sources/%s%s" % (src["id"], path), {} if method == "PUT" else None,
                key=other)
        assert r.status == 404, (method, path, r)
    r = api("GET", "/webhooks/sources/%s/requests?outcome=maybe" % src["id"], key=key)
    assert r.status == 422 and r.body["error"]["field"] == "outcome", r
    # Nothing about a failed update is stored.
    r = api("PUT", "/webhooks/sources/%s" % src["id"], {"name": "changed", "slug": "B!"}, key=key)
    assert r.status == 422, r
    assert api("GET", "/webhooks/sources/%s" % src["id"], key=key).body["name"] == "CI"
    r = api("DELETE", "/webhooks/sources/%s" % src["id"], key=key)
    assert r.status == 204, r
    assert api("GET", "/webhooks/sources/%s" % src["id"], key=key).status == 404
    r = post(src, b"{}", github_headers("s", b"{}"))
    assert r.status == 404 and error_code(r) == "source_not_found", r


def test_request_log_pages_newest_first():
    _, key = account()
    secret = unique("s")
    src = source(key, "github", secret=secret)
    ids = []
    for i in range(5):
        body = json.dumps({"i": i}).encode()
        ids.append(post(src, body, github_headers(secret, body)).body["id"])
    first = api("GET", "/webhooks/sources/%s/requests?limit=2" % src["id"], key=key).body
    assert [e["id"] for e in first["data"]] == ids[::-1][:2] and first["done"] is False, first
    rest = api("GET", "/webhooks/sources/%s/requests?limit=10&iterator=%s"
               % (src["id"], first["iterator"]), key=key).body
    assert [e["id"] for e in rest["data"]] == ids[::-1][2:] and rest["done"] is True, rest
    r = api("GET", "/webhooks/sources/%s/requests/inc_00000000000000000000000000" % src["id"], key=key)
    assert r.status == 404, r


def test_github_and_shopify_copies_under_new_ids_are_duplicates():
    """GitHub and Shopify sign the body only: no time, no delivery id. A
    captured request posted again with a new X-GitHub-Delivery (or none)
    was a new verified event each time, sent on to every endpoint. Their
    copies are now recognised by the signed bytes: one event, the same
    answer as any duplicate; another body is another event."""
    slug, key = account()
    secret = unique("s")
    src = source(key, "github", secret=secret)
    body = b'{"ref": "refs/heads/main", "after": "1a2b"}'
    first = post(src, body, github_headers(secret, body, delivery="d1"))
    assert first.status == 202, first
    for hdrs in (github_headers(secret, body, delivery="d1"),
                 github_headers(secret, body, delivery="d2"),
                 {k: v for k, v in github_headers(secret, body).items() if k != "X-GitHub-Delivery"}):
        r = post(src, body, hdrs)
        assert r.status == 200 and r.body["duplicate"] is True, (hdrs, r)
        assert r.body["event_id"] == first.body["event_id"], r
    other = b'{"ref": "refs/heads/main", "after": "3c4d"}'
    assert post(src, other, github_headers(secret, other, delivery="d3")).status == 202
    assert events_of(slug) == 2
    # The log still shows each request's own delivery id.
    ids = [e.get("dedupe_key") or e.get("provider_id") for e in log(key, src)]
    assert "d2" in ids and "d3" in ids, ids
    shop = source(key, "shopify", secret=secret)
    order = b'{"id": 820982911946154508}'
    for n, webhook_id in enumerate(("w-1", "w-2")):
        r = post(shop, order, {"X-Shopify-Hmac-Sha256": shopify_header(secret, order),
                               "X-Shopify-Topic": "orders/create", "X-Shopify-Webhook-Id": webhook_id})
        assert r.status == (202 if n == 0 else 200), r
    assert events_of(slug) == 3
