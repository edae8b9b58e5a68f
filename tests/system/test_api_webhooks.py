"""The webhook resource's actions: test send, enable/disable, secret
rotation, subscribe/unsubscribe, its events, replay, bulk retry, and the
error classes and pagination of the API."""

import json
import time

from apihelp import EVENT, account, endpoint, error_code, publish, sql
from hltest import Receiver, api, run_runner, verify


def test_test_send_shows_request_and_response_and_records_nothing():
    _, key = account()
    with Receiver(headers={"X-Receiver": "yes"}, body=b"thanks") as rcv:
        ep = endpoint(key, rcv.url)
        r = api("POST", "/webhooks/%s/test" % ep["id"],
                {"event_type": EVENT, "payload": {"hello": "world"}}, key=key)
        assert r.status == 200, r
        got = rcv.wait_for_requests(1)[0]
        verify(ep["secret"], got.headers, got.body)
        body = r.body
        assert body["request"]["url"] == rcv.url, body
        assert body["request"]["method"] == "POST", body
        # The exact bytes the receiver got, and the headers it saw.
        assert body["request"]["body"].encode() == got.body, (body, got.body)
        assert body["request"]["headers"]["webhook-id"] == got.headers["webhook-id"], body
        assert got.json() == {"type": EVENT, "timestamp": got.json()["timestamp"],
                              "data": {"hello": "world"}}, got.json()
        assert body["response"]["status"] == 200, body
        assert body["response"]["body"] == "thanks", body
        assert body["response"]["headers"].get("x-receiver") == "yes" or \
            body["response"]["headers"].get("X-Receiver") == "yes", body
        assert body["success"] is True and body["error_class"] is None, body
        assert isinstance(body["duration_ms"], int), body
        assert body["recorded"] is False, body
        # Nothing stored: no delivery rows for the test send.
        r = api("GET", "/webhooks/%s/deliveries" % ep["id"], key=key)
        assert r.status == 200 and r.body["data"] == [], r


def test_test_send_reports_failure_class():
    _, key = account()
    with Receiver(status=503) as rcv:
        ep = endpoint(key, rcv.url)
        r = api("POST", "/webhooks/%s/test" % ep["id"], key=key, raw=b"",
                headers={"Content-Type": "application/json"})
        assert r.status == 200, r
        assert r.body["success"] is False and r.body["response"]["status"] == 503, r
        assert r.body["error_class"], r
    ep2 = endpoint(key, "http://127.0.0.1:1/closed")
    r = api("POST", "/webhooks/%s/test" % ep2["id"], {}, key=key)
    assert r.status == 200 and r.body["response"]["status"] is None, r
    assert r.body["error_class"] == "connect", r


def test_disable_pauses_and_enable_resumes_deliveries():
    _, key = account()
    with Receiver() as rcv:
        ep = endpoint(key, rcv.url)
        r = api("POST", "/webhooks/%s/disable" % ep["id"], key=key)
        assert r.status == 200 and r.body["enabled"] is False, r
        publish(key, {"n": 1})
        rows = api("GET", "/webhooks/%s/deliveries" % ep["id"], key=key).body["data"]
        assert [d["status"] for d in rows] == ["paused"], rows
        run_runner("--once")
        time.sleep(0.3)
        assert rcv.requests == [], rcv.requests
        r = api("POST", "/webhooks/%s/enable" % ep["id"], key=key)
        assert r.status == 200 and r.body["enabled"] is True, r
        rows = api("GET", "/webhooks/%s/deliveries" % ep["id"], key=key).body["data"]
        assert [d["status"] for d in rows] == ["pending"], rows
        run_runner("--once")
        rcv.wait_for_requests(1)


def test_put_enabled_true_resumes_stray_paused_deliveries():
    # A paused delivery on an enabled endpoint (left by an old race, or by
    # hand in the database) is resumed by a PUT that says enabled: true,
    # even though the endpoint itself does not change.
    _, key = account()
    with Receiver() as rcv:
        ep = endpoint(key, rcv.url)
        r = api("POST", "/webhooks/%s/disable" % ep["id"], key=key)
        publish(key, {"n": 1})
        sql("UPDATE endpoints SET enabled = 1, disabled_reason = NULL WHERE id = '%s'" % ep["id"])
        before = api("GET", "/webhooks/" + ep["id"], key=key).body
        rows = api("GET", "/webhooks/%s/deliveries" % ep["id"], key=key).body["data"]
        assert before["enabled"] is True and [d["status"] for d in rows] == ["paused"], rows
        r = api("PUT", "/webhooks/" + ep["id"], {"enabled": True}, key=key)
        assert r.status == 200 and r.body["enabled"] is True, r
        resumed = r.body
        rows = api("GET", "/webhooks/%s/deliveries" % ep["id"], key=key).body["data"]
        assert [d["status"] for d in rows] == ["pending"], rows
        run_runner("--once")
        rcv.wait_for_requests(1)
        # With nothing paused the same PUT changes nothing at all.
        r = api("PUT", "/webhooks/" + ep["id"], {"enabled": True}, key=key)
        assert r.status == 200 and r.body["updated_at"] == resumed["updated_at"], r


def test_rotate_secret_signs_with_both_during_grace():
    _, key = account()
    with Receiver() as rcv:
        ep = endpoint(key, rcv.url)
        r = api("POST", "/webhooks/%s/rotate-secret" % ep["id"], {"grace_seconds": 3600}, key=key)
        assert r.status == 200, r
        new = r.body["secret"]
        assert new.startswith("whsec_") and new != ep["secret"], r
        assert "secret" not in api("GET", "/webhooks/" + ep["id"], key=key).body
        publish(key, {"n": 1})
        run_runner("--once")
        got = rcv.wait_for_requests(1)[0]
        verify(new, got.headers, got.body)
        verify(ep["secret"], got.headers, got.body)
        # No grace: only the new secret signs.
        r = api("POST", "/webhooks/%s/rotate-secret" % ep["id"], {"grace_seconds": 0}, key=key)
        newer = r.body["secret"]
        r = api("POST", "/webhooks/%s/test" % ep["id"], {}, key=key)
        sig = r.body["request"]["headers"]["webhook-signature"]
        assert len(sig.split(" ")) == 1, sig
        got = rcv.wait_for_requests(2)[1]
        verify(newer, got.headers, got.body)
    r = api("POST", "/webhooks/%s/rotate-secret" % ep["id"], {"grace_seconds": -1}, key=key)
    assert r.status == 422 and r.body["error"]["field"] == "grace_seconds", r


def test_subscribe_unsubscribe_and_webhook_events():
    _, key = account()
    with Receiver() as rcv:
        ep = endpoint(key, rcv.url, event_types=[])
        r = api("POST", "/webhooks/%s/subscribe" % ep["id"],
                {"event_types": ["sms.*", "voice.call_completed"]}, key=key)
        assert r.status == 200, r
        assert [s["event_type"] for s in r.body["subscriptions"]] == ["sms.*", "voice.call_completed"], r
        assert publish(key, {"a": 1}, "sms.sent")["deliveries"] == 1
        r = api("DELETE", "/webhooks/%s/unsubscribe" % ep["id"], {"event_types": ["sms.*"]}, key=key)
        assert r.status == 200 and r.body["removed"] == 1, r
        assert publish(key, {"a": 2}, "sms.sent")["deliveries"] == 0
        r = api("GET", "/webhooks/%s/events" % ep["id"], key=key)
        assert r.status == 200, r
        assert [s["event_type"] for s in r.body["subscriptions"]] == ["voice.call_completed"], r
        assert [e["event_type"] for e in r.body["data"]] == ["sms.sent"], r
        assert r.body["done"] is True, r
        r = api("POST", "/webhooks/%s/subscribe" % ep["id"], {"event_types": ["nope.never"]}, key=key)
        assert r.status == 422 and r.body["error"]["field"] == "event_types", r


def _subscriptions(key, wh):
    r = api("GET", "/webhooks/%s/events" % wh, key=key)
    assert r.status == 200, r
    return {s["event_type"]: s["filter"] for s in r.body["subscriptions"]}


def test_put_event_types_keeps_the_filters_of_the_types_that_stay():
    """PUT names event types only: the filter of a type it keeps must stay
    (replacing every subscription dropped the filters set by subscribe)."""
    _, key = account()
    us = {"path": "country", "op": "eq", "value": "US"}
    ep = endpoint(key, "http://127.0.0.1:9/never", event_types=[])
    r = api("POST", "/webhooks/%s/subscribe" % ep["id"],
            {"event_types": ["sms.delivered", "sms.sent"], "filter": us}, key=key)
    assert r.status == 200, r
    r = api("PUT", "/webhooks/%s" % ep["id"],
            {"event_types": ["sms.delivered", "voice.call_completed"]}, key=key)
    assert r.status == 200, r
    assert _subscriptions(key, ep["id"]) == {"sms.delivered": us, "voice.call_completed": None}
    assert publish(key, {"country": "FR"}, "sms.delivered")["deliveries"] == 0
    assert publish(key, {"country": "US"}, "sms.delivered")["deliveries"] == 1
    assert publish(key, {"country": "FR"}, "sms.sent")["deliveries"] == 0
    # A PUT without event_types leaves them all as they are.
    r = api("PUT", "/webhooks/%s" % ep["id"], {"description": "renamed"}, key=key)
    assert r.status == 200, r
    assert _subscriptions(key, ep["id"]) == {"sms.delivered": us, "voice.call_completed": None}
    # A refused PUT changes nothing.
    r = api("PUT", "/webhooks/%s" % ep["id"], {"event_types": ["voice.call_completed", "no.such"]},
            key=key)
    assert r.status == 422, r
    assert _subscriptions(key, ep["id"]) == {"sms.delivered": us, "voice.call_completed": None}
    r = api("PUT", "/webhooks/%s" % ep["id"], {"event_types": []}, key=key)
    assert r.status == 200 and _subscriptions(key, ep["id"]) == {}, r


def _compact(value):
    return len(json.dumps(value, separators=(",", ":")))


def test_a_filter_over_the_size_limit_is_refused_by_name():
    """A filter with one huge value passed every check and failed on its
    column (TEXT, 64 KiB): 500 internal_error. Over the documented 32768
    bytes of compact JSON it is 422 on the filter, and the subscriptions
    stay as they were."""
    _, key = account()
    us = {"path": "country", "op": "eq", "value": "US"}
    ep = endpoint(key, "http://127.0.0.1:9/never", event_types=[])
    r = api("POST", "/webhooks/%s/subscribe" % ep["id"], {"event_types": [EVENT], "filter": us},
            key=key)
    assert r.status == 200, r
    at_limit = {"path": "country", "op": "eq", "value": ""}
    at_limit["value"] = "A" * (32768 - _compact(at_limit))
    over = dict(at_limit, value=at_limit["value"] + "A")
    many = {"path": "country", "op": "in", "value": ["A" * 1000] * 40}
    for bad in ({"path": "country", "op": "eq", "value": "A" * 70000}, over, many,
                {"or": [us, many]}):
        r = api("POST", "/webhooks/%s/subscribe" % ep["id"],
                {"event_types": [EVENT, "sms.sent"], "filter": bad}, key=key)
        assert r.status == 422 and error_code(r) == "invalid_value", r
        assert r.body["error"]["field"] == "filter" and "32768" in r.body["error"]["message"], r
        assert _subscriptions(key, ep["id"]) == {EVENT: us}
    r = api("POST", "/webhooks/%s/subscribe" % ep["id"],
            {"event_types": ["sms.sent"], "filter": at_limit}, key=key)
    assert r.status == 200, r
    assert _subscriptions(key, ep["id"]) == {EVENT: us, "sms.sent": at_limit}


def test_replay_and_bulk_retry():
    _, key = account()
    with Receiver() as rcv:
        ep = endpoint(key, rcv.url)
        since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 60))
        for i in range(3):
            publish(key, {"i": i})
        run_runner("--once")
        rcv.wait_for_requests(3)
        rows = api("GET", "/webhooks/%s/deliveries" % ep["id"], key=key).body["data"]
        assert sorted(d["status"] for d in rows) == ["succeeded"] * 3, rows
        sql("UPDATE deliveries SET status='dead' WHERE id='%s'" % rows[0]["id"])
        r = api("POST", "/webhooks/%s/replay" % ep["id"], {"since": since, "only_failed": True}, key=key)
        assert r.status == 202 and r.body["requeued"] == 1 and r.body["created"] == 0, r
        run_runner("--once")
        rcv.wait_for_requests(4)
        # An event from before the webhook subscribed gets a new delivery on a full replay.
        api("DELETE", "/webhooks/%s/unsubscribe" % ep["id"], {"event_types": [EVENT]}, key=key)
        publish(key, {"late": True})
        api("POST", "/webhooks/%s/subscribe" % ep["id"], {"event_types": [EVENT]}, key=key)
        r = api("POST", "/webhooks/%s/replay" % ep["id"], {"since": since}, key=key)
        assert r.status == 202 and r.body["requeued"] == 3 and r.body["created"] == 1, r
        run_runner("--once")
        rcv.wait_for_requests(8)
        # Bulk retry by filter: only the dead ones of this webhook.
        rows = api("GET", "/webhooks/%s/deliveries" % ep["id"], key=key).body["data"]
        sql("UPDATE deliveries SET status='dead' WHERE id IN ('%s','%s')" % (rows[0]["id"], rows[1]["id"]))
        r = api("POST", "/webhooks/deliveries/retry", {"webhook_id": ep["id"], "status": "dead",
                                                       "since": since}, key=key)
        assert r.status == 202 and r.body["retried"] == 2, r
        # The two just re-queued are pending: "pending" sends them now.
        r = api("POST", "/webhooks/deliveries/retry", {"webhook_id": ep["id"], "status": "pending"},
                key=key)
        assert r.status == 202 and r.body["retried"] == 2, r
        r = api("POST", "/webhooks/deliveries/retry", {"status": "sending"}, key=key)
        assert r.status == 422 and r.body["error"]["field"] == "status", r
        r = api("POST", "/webhooks/%s/replay" % ep["id"], {"since": "yesterday"}, key=key)
        assert r.status == 422 and r.body["error"]["field"] == "since", r


def test_error_classes():
    _, key = account()
    cases = [
        (b"{not json", "application/json", 400, "invalid_json", None),
        (b'{"url": "http://127.0.0.1:9/x", "bogus": 1}', "application/json", 400, "unknown_field", "bogus"),
        (b'{"url": 42}', "application/json", 400, "invalid_type", "url"),
        (b'{"url": "ftp://example.com/x"}', "application/json", 422, "invalid_value", "url"),
        (b'{"url": "http://127.0.0.1:9/x"}', "text/plain", 415, "unsupported_media_type", None),
        (b'{"url": "' + b"a" * (2 * 1024 * 1024) + b'"}', "application/json", 413, "payload_too_large", None),
    ]
    for raw, ctype, status, code, field in cases:
        r = api("POST", "/webhooks", raw=raw, key=key, headers={"Content-Type": ctype})
        assert r.status == status, (code, r)
        assert error_code(r) == code, (code, r)
        if field:
            assert r.body["error"].get("field") == field, r
    assert api("GET", "/webhooks", key=key).body["data"] == []
    # The same classes on the new routes.
    ep = endpoint(key, "http://127.0.0.1:9/x")
    r = api("POST", "/webhooks/%s/subscribe" % ep["id"], {"event_types": "sms.*"}, key=key)
    assert r.status == 400 and error_code(r) == "invalid_type", r
    r = api("POST", "/webhooks/%s/replay" % ep["id"], {"since": "2020-01-01T00:00:00Z", "x": 1}, key=key)
    assert r.status == 400 and error_code(r) == "unknown_field", r
    r = api("POST", "/webhooks/%s/subscribe" % ep["id"], {"event_types": [EVENT],
            "filter": {"path": "x", "op": "like", "value": 1}}, key=key)
    assert r.status == 422 and r.body["error"]["field"] == "filter.op", r


def test_pagination_across_pages():
    _, key = account()
    made = [endpoint(key, "http://127.0.0.1:9/p%d" % i)["id"] for i in range(7)]
    seen, it, pages = [], None, 0
    while True:
        path = "/webhooks?limit=3" + ("&iterator=" + it if it else "")
        r = api("GET", path, key=key)
        assert r.status == 200, r
        pages += 1
        seen += [e["id"] for e in r.body["data"]]
        if r.body["done"]:
            assert r.body["iterator"] is None, r
            break
        it = r.body["iterator"]
        assert it, r
    assert pages == 3 and seen == sorted(made), (pages, seen, made)
    for bad in ("0", "251", "x"):
        r = api("GET", "/webhooks?limit=" + bad, key=key)
        assert r.status == 400 and r.body["error"]["field"] == "limit", r
    # Deliveries and audit pages too.
    for i in range(4):
        api("POST", "/webhooks/%s/subscribe" % made[0], {"event_types": [EVENT]}, key=key)
        publish(key, {"i": i})
    for path in ("/webhooks/%s/deliveries?limit=3" % made[0], "/webhooks/audit?limit=3",
                 "/webhooks/%s/events?limit=3" % made[0]):
        r1 = api("GET", path, key=key)
        assert r1.status == 200 and len(r1.body["data"]) == 3 and r1.body["done"] is False, (path, r1)
        r2 = api("GET", path + "&iterator=" + r1.body["iterator"], key=key)
        assert r2.status == 200 and r2.body["data"], (path, r2)
        ids1 = {x["id"] for x in r1.body["data"]}
        assert not ids1 & {x["id"] for x in r2.body["data"]}, (path, r1, r2)


def test_strings_with_nul_are_refused_not_cut_short():
    _, key = account()
    cases = [
        (rb'{"url": "http://127.0.0.1:9/a\u0000x"}', "url"),
        (rb'{"url": "http://127.0.0.1:9/a", "event_types": ["sms.delivered\u0000x"]}', "event_types"),
        (rb'{"url": "http://127.0.0.1:9/a", "headers": {"X-A": "a\u0000b"}}', "headers"),
        # json-c would cut this member name to "url" without a trace.
        (rb'{"url\u0000x": "http://127.0.0.1:9/a"}', None),
    ]
    for raw, field in cases:
        r = api("POST", "/webhooks", raw=raw, key=key, headers={"Content-Type": "application/json"})
        assert r.status == 422 and error_code(r) == "invalid_value", (raw, r)
        assert r.body["error"].get("field") == field, (raw, r)
    assert api("GET", "/webhooks", key=key).body["data"] == []
    r = api("POST", "/webhooks/publish", raw=rb'{"event_type": "sms.delivered", "payload": '
            rb'{"to": "+1\u0000"}}', key=key, headers={"Content-Type": "application/json"})
    assert r.status == 422 and r.body["error"]["field"] == "payload", r
    # An escaped backslash before u0000 is text, not a NUL.
    r = api("POST", "/webhooks", raw=rb'{"url": "http://127.0.0.1:9/a", "description": "C:\\u0000"}',
            key=key, headers={"Content-Type": "application/json"})
    assert r.status == 201 and r.body["description"] == "C:\\u0000", r


def test_test_send_event_type_is_checked_like_the_dashboard():
    _, key = account()
    with Receiver() as rcv:
        ep = endpoint(key, rcv.url)
        for bad, code in (("no.such_type", "unprocessable"), ("sms.*", "invalid_value"),
                          ("*", "invalid_value"), ("Bad Type!", "invalid_value")):
            r = api("POST", "/webhooks/%s/test" % ep["id"], {"event_type": bad}, key=key)
            assert r.status == 422 and error_code(r) == code, (bad, r)
            assert r.body["error"]["field"] == "event_type", (bad, r)
        assert rcv.requests == []
        for good in (EVENT, "webhook.test"):
            r = api("POST", "/webhooks/%s/test" % ep["id"], {"event_type": good}, key=key)
            assert r.status == 200 and r.body["event_type"] == good, r


def test_retry_exponential_unknown_member_is_refused():
    _, key = account()
    opts = {"base_seconds": 5, "cap_seconds": 600, "max_attempts": 4, "jitter": True}
    r = api("POST", "/webhooks", {"url": "http://127.0.0.1:9/x", "retry_exponential": opts}, key=key)
    assert r.status == 422 and r.body["error"]["field"] == "retry_exponential", r
    assert "jitter" in r.body["error"]["message"], r
    assert api("GET", "/webhooks", key=key).body["data"] == []
    ep = endpoint(key, "http://127.0.0.1:9/x")
    r = api("PUT", "/webhooks/" + ep["id"], {"retry_exponential": opts}, key=key)
    assert r.status == 422 and r.body["error"]["field"] == "retry_exponential", r
    del opts["jitter"]
    r = api("PUT", "/webhooks/" + ep["id"], {"retry_exponential": opts}, key=key)
    assert r.status == 200 and r.body["retry_exponential"] == opts, r


def test_auth_members_its_type_does_not_take_are_refused():
    """auth took any extra member and sealed it with the credentials: a
    large one failed on auth_sealed (500), a small one or a password on
    type none was stored unused. Now 422 on auth names the member (not
    its value), on create and on PUT, and the stored credentials stay."""
    _, key = account()
    body = {"url": "http://127.0.0.1:9/x", "auth": {"type": "oauth2", "client_id": "c",
            "client_secret": "s", "token_url": "http://127.0.0.1:9/token", "scopes": "send"}}
    r = api("POST", "/webhooks", body, key=key)
    assert r.status == 422 and r.body["error"]["field"] == "auth", r
    assert '"scopes"' in r.body["error"]["message"], r
    assert api("GET", "/webhooks", key=key).body["data"] == []
    with Receiver() as rcv:
        ep = endpoint(key, rcv.url, auth={"type": "bearer", "token": "t"})
        stored = _stored(ep["id"])
        for bad in ({"type": "bearer", "token": "t", "junk": "J" * 60000},
                    {"type": "bearer", "token": "t2", "junk": "secret-junk"},
                    {"type": "none", "password": "x"},
                    {"type": "basic", "username": "u", "password": "p", "token": "t"}):
            r = api("PUT", "/webhooks/" + ep["id"], {"auth": bad}, key=key)
            assert r.status == 422 and error_code(r) == "invalid_value", (bad, r)
            assert r.body["error"]["field"] == "auth", (bad, r)
            assert "secret-junk" not in str(r.raw) and "JJJJ" not in str(r.raw), r
            assert _stored(ep["id"]) == stored, bad
        r = api("POST", "/webhooks/%s/test" % ep["id"], {}, key=key)
        assert r.status == 200 and rcv.requests[-1].headers["authorization"] == "Bearer t", r
    r = api("PUT", "/webhooks/" + ep["id"], {"auth": {"type": "none"}}, key=key)
    assert r.status == 200 and r.body["auth"] == {"type": "none"}, r


def _sent_names(req):
    return sorted(name.lower() for name, _ in req.header_list)


def test_custom_headers_repeating_a_header_are_refused():
    """Custom headers could repeat each other in another case, or the
    header the destination authentication sets: a test send gave the
    receiver two Authorization headers (the custom one first), two
    User-Agent and both x-a and X-A. A repeat is 422 now, whichever was
    configured first, and the stored options stay."""
    _, key = account()
    basic = "Basic Zm9vOmJhcg=="
    with Receiver() as rcv:
        r = api("POST", "/webhooks", {"url": rcv.url, "headers": {"Authorization": basic},
                "auth": {"type": "bearer", "token": "t"}}, key=key)
        assert r.status == 422 and r.body["error"]["field"] == "headers", r
        assert api("GET", "/webhooks", key=key).body["data"] == []
        ep = endpoint(key, rcv.url, auth={"type": "bearer", "token": "t"})
        wh = ep["id"]
        # Headers meeting the stored auth, or each other.
        for headers in ({"Authorization": basic}, {"authorization": "x"},
                        {"x-a": "1", "X-A": "2"}):
            r = api("PUT", "/webhooks/" + wh, {"headers": headers}, key=key)
            assert r.status == 422 and error_code(r) == "invalid_value", (headers, r)
            assert r.body["error"]["field"] == "headers", (headers, r)
        r = api("PUT", "/webhooks/" + wh, {"headers": {"X-Key": "k"},
                "auth": {"type": "header", "name": "x-key", "value": "v"}}, key=key)
        assert r.status == 422 and r.body["error"]["field"] == "headers", r
        # The other order: auth meeting the stored headers.
        r = api("PUT", "/webhooks/" + wh, {"auth": {"type": "none"},
                "headers": {"Authorization": basic, "X-Key": "k"}}, key=key)
        assert r.status == 200, r
        before = api("GET", "/webhooks/" + wh, key=key).body
        for auth in ({"type": "bearer", "token": "t"}, {"type": "header", "name": "X-KEY",
                     "value": "v"}, {"type": "basic", "username": "u", "password": "p"}):
            r = api("PUT", "/webhooks/" + wh, {"auth": auth, "description": "changed"}, key=key)
            assert r.status == 422 and r.body["error"]["field"] == "auth", (auth, r)
            assert api("GET", "/webhooks/" + wh, key=key).body == before
        r = api("POST", "/webhooks/%s/test" % wh, {}, key=key)
        assert r.status == 200 and rcv.requests[-1].headers["authorization"] == basic, r


def test_a_custom_user_agent_replaces_hookline_s_and_auth_wins_over_a_stored_repeat():
    """A custom User-Agent was sent beside hookline's; it replaces it now.
    A row stored before repeats were refused sends the authentication's
    header, not the custom one, and a name repeated in another case once."""
    _, key = account()
    basic = "Basic Zm9vOmJhcg=="
    with Receiver() as rcv:
        ep = endpoint(key, rcv.url, auth={"type": "bearer", "token": "t"},
                      headers={"User-Agent": "custom/1", "X-A": "1"})
        wh = ep["id"]
        r = api("POST", "/webhooks/%s/test" % wh, {}, key=key)
        assert r.status == 200, r
        got = rcv.requests[-1]
        assert _sent_names(got).count("user-agent") == 1, got.header_list
        assert got.headers["user-agent"] == "custom/1", got.header_list
        assert got.headers["authorization"] == "Bearer t" and got.headers["x-a"] == "1"
        assert [k for k in r.body["request"]["headers"] if k.lower() == "user-agent"] == \
            ["User-Agent"], r.body["request"]
        # A row stored before the API refused repeats.
        sql("UPDATE endpoints SET headers_json = '{\"Authorization\": \"%s\", \"x-a\": \"1\", "
            "\"X-A\": \"2\"}' WHERE id = '%s'" % (basic, wh))
        assert api("POST", "/webhooks/%s/test" % wh, {}, key=key).status == 200
        got = rcv.requests[-1]
        names = _sent_names(got)
        assert names.count("authorization") == 1 and names.count("x-a") == 1, got.header_list
        assert names.count("user-agent") == 1, got.header_list
        assert got.headers["authorization"] == "Bearer t", got.header_list


def test_null_is_refused_where_it_means_nothing():
    """{"ed25519": null, "fifo": null} answered 200, removed the signing
    key and turned FIFO off, while {"priority": null} was 422. One rule
    now: null is 422 with the member in field, on PUT and on create,
    except where it is documented to mean something."""
    _, key = account()
    ep = endpoint(key, "http://127.0.0.1:9/x", description="d", ed25519=True, fifo=True,
                  encryption=True, priority=5, batch_max=3, headers={"X-A": "1"},
                  auth={"type": "bearer", "token": "t"}, timeout_ms=5000, rate_limit=7,
                  retry_schedule="0,5s", retry_exponential=None)
    wh = ep["id"]
    before = api("GET", "/webhooks/" + wh, key=key).body
    stored = _stored(wh)
    refused = ("ed25519", "fifo", "encryption", "priority", "batch_max", "headers", "auth",
               "url", "description", "method", "enabled", "event_types")
    for name in refused:
        r = api("PUT", "/webhooks/" + wh, {"description": "changed", name: None}, key=key)
        assert r.status == 422 and error_code(r) == "invalid_value", (name, r)
        assert r.body["error"]["field"] == name, (name, r)
    r = api("PUT", "/webhooks/" + wh, {"ed25519": None, "fifo": None}, key=key)
    assert r.status == 422 and r.body["error"]["field"] == "ed25519", r
    assert api("GET", "/webhooks/" + wh, key=key).body == before
    assert _stored(wh) == stored
    for name in refused[:7]:
        r = api("POST", "/webhooks", {"url": "http://127.0.0.1:9/y", name: None}, key=key)
        assert r.status == 422 and r.body["error"]["field"] == name, (name, r)
    assert [w["id"] for w in api("GET", "/webhooks", key=key).body["data"]] == [wh]
    # Where null is documented, it is the default.
    r = api("PUT", "/webhooks/" + wh, {"retry_schedule": None, "retry_exponential": None,
            "timeout_ms": None, "rate_limit": None}, key=key)
    assert r.status == 200, r
    assert (r.body["retry_schedule"], r.body["retry_exponential"], r.body["timeout_ms"],
            r.body["rate_limit"]) == (None, None, None, 0), r
    assert r.body["ed25519_public_key"] == before["ed25519_public_key"] and r.body["fifo"], r


def _updates(key, wh):
    rows = api("GET", "/webhooks/audit?action=webhook.update", key=key).body["data"]
    return len([a for a in rows if a["object_id"] == wh])


def _stored(wh):
    return sql("SELECT auth_sealed, updated_at, (SELECT COUNT(*) FROM endpoint_tokens t "
               "WHERE t.endpoint_id = e.id) FROM endpoints e WHERE id = '%s'" % wh)[0]


def test_put_that_changes_nothing_stores_nothing():
    """A PUT repeating what is stored (a client sending its whole
    configuration back) wrote an audit record, moved updated_at, sealed
    the credentials again and dropped the cached OAuth token. It now
    answers the webhook as it is and stores nothing; a PUT that changes
    something is recorded as before."""
    _, key = account()
    auth = {"type": "oauth2", "token_url": "http://127.0.0.1:9/token", "client_id": "c1",
            "client_secret": "s3cret", "scope": "send"}
    full = {"url": "http://127.0.0.1:9/noop", "description": "d", "method": "PUT",
            "enabled": True, "event_types": [EVENT, "sms.sent"], "retry_schedule": "0,5s",
            "retry_exponential": None, "headers": {"X-A": "1"}, "auth": auth,
            "timeout_ms": 5000, "priority": 3, "fifo": True, "batch_max": 2, "rate_limit": 4,
            "ed25519": True, "encryption": True}
    created = endpoint(key, **full)
    wh = created["id"]
    sql("INSERT INTO endpoint_tokens (endpoint_id, token_sealed, expires_at) "
        "VALUES ('%s', 'cached', NOW() + INTERVAL 1 HOUR)" % wh)
    before = api("GET", "/webhooks/" + wh, key=key).body
    stored = _stored(wh)
    assert stored[2] == "1" and _updates(key, wh) == 0, stored
    time.sleep(0.01)
    # The same members again: auth in another member order, event types in
    # another order, ed25519/encryption true keeping their keys.
    same = dict(full, event_types=["sms.sent", EVENT],
                auth={k: auth[k] for k in reversed(list(auth))})
    # What GET answered, sent back whole: read-only members (id,
    # created_at, ed25519_public_key...) are ignored, and auth as GET
    # shows it (without the client secret) keeps the credentials.
    for body in (same, before, {"description": "d"}, {"auth": auth}, {"enabled": True}, {},
                 {"auth": before["auth"]}):
        r = api("PUT", "/webhooks/" + wh, body, key=key)
        assert r.status == 200 and r.body == before, (body, r)
        assert "encryption_key" not in r.body
        assert _stored(wh) == stored, body
        assert _updates(key, wh) == 0, body
    assert api("GET", "/webhooks/" + wh, key=key).body == before
    # A change to one member is one update, credentials and token kept.
    r = api("PUT", "/webhooks/" + wh, dict(same, description="e"), key=key)
    assert r.status == 200 and r.body["description"] == "e", r
    assert r.body["updated_at"] > before["updated_at"], r
    now = _stored(wh)
    assert now[0] == stored[0] and now[2] == "1" and now[1] != stored[1], now
    assert _updates(key, wh) == 1
    # Another secret under the same public members: GET shows no
    # difference, but it is a change (sealed anew, token dropped).
    r = api("PUT", "/webhooks/" + wh, {"auth": dict(auth, client_secret="other")}, key=key)
    assert r.status == 200 and r.body["auth"] == before["auth"], r
    now = _stored(wh)
    assert now[0] != stored[0] and now[2] == "0", now
    assert _updates(key, wh) == 2
    # So is a new encryption key, shown once.
    r = api("PUT", "/webhooks/" + wh, {"encryption": "rotate"}, key=key)
    assert r.status == 200 and r.body.get("encryption_key"), r
    assert _updates(key, wh) == 3
    # An unknown webhook is still 404, and bad values still 422.
    assert api("PUT", "/webhooks/wh_" + "0" * 26, {}, key=key).status == 404
    r = api("PUT", "/webhooks/" + wh, {"priority": 1000}, key=key)
    assert r.status == 422 and r.body["error"]["field"] == "priority", r


def test_text_limits_count_characters_not_bytes():
    """A description of 180 CJK characters (540 bytes) was "longer than
    500 characters": the core counted bytes while it said characters,
    and the columns (utf8mb4 VARCHAR) hold characters. The same for an
    event type's description and a source's name."""
    _, key = account()
    wide = "\u65e5"                      # three bytes in UTF-8
    ep = endpoint(key, "https://example.com/chars", description=wide * 500)
    assert api("GET", "/webhooks/" + ep["id"], key=key).body["description"] == wide * 500
    r = api("PUT", "/webhooks/" + ep["id"], {"description": wide * 501}, key=key)
    assert r.status == 422 and r.body["error"]["field"] == "description", r
    assert "longer than 500 characters" in r.body["error"]["message"], r
    assert api("GET", "/webhooks/" + ep["id"], key=key).body["description"] == wide * 500
    name = "chars.t%d" % (time.time_ns() % 10**9)
    r = api("POST", "/webhooks/events", {"name": name, "description": wide * 1000}, key=key)
    assert r.status == 201 and r.body["description"] == wide * 1000, r
    r = api("POST", "/webhooks/events", {"name": name + "x", "description": wide * 1001}, key=key)
    assert r.status == 422 and "longer than 1000 characters" in r.body["error"]["message"], r
    src = {"verify": "none", "allowed_cidrs": "127.0.0.1/32"}
    r = api("POST", "/webhooks/sources", dict(src, name=wide * 200), key=key)
    assert r.status == 201 and r.body["name"] == wide * 200, r
    r = api("POST", "/webhooks/sources", dict(src, name=wide * 201), key=key)
    assert r.status == 422 and "longer than 200 characters" in r.body["error"]["message"], r


def test_get_answer_sent_back_to_another_webhook_is_refused():
    """Read-only members of a GET answer are ignored on PUT, but its id
    must be the URL's: a body read from one webhook and sent to another
    would copy its configuration over the wrong one."""
    _, key = account()
    one = endpoint(key, "https://example.com/one", description="one")
    other = endpoint(key, "https://example.com/other", description="other")
    body = api("GET", "/webhooks/" + one["id"], key=key).body
    r = api("PUT", "/webhooks/" + other["id"], body, key=key)
    assert r.status == 422 and error_code(r) == "invalid_value", r
    assert r.body["error"]["field"] == "id", r
    assert api("GET", "/webhooks/" + other["id"], key=key).body["description"] == "other"
    # A member GET does not show is still unknown.
    r = api("PUT", "/webhooks/" + one["id"], {"secret": "whsec_x"}, key=key)
    assert r.status == 400 and error_code(r) == "unknown_field", r
    # The same for sources.
    src = api("POST", "/webhooks/sources", {"verify": "github", "secret": "s1",
                                            "name": "gh"}, key=key).body
    got = api("GET", "/webhooks/sources/" + src["id"], key=key).body
    r = api("PUT", "/webhooks/sources/" + src["id"], dict(got, name="gh2"), key=key)
    assert r.status == 200 and r.body["name"] == "gh2", r
    assert r.body["updated_at"] >= got["updated_at"] and r.body["path"] == got["path"], r
    r = api("PUT", "/webhooks/sources/" + src["id"], dict(got, id="src_" + "0" * 26), key=key)
    assert r.status == 422 and r.body["error"]["field"] == "id", r


def test_webhook_events_count_this_webhooks_deliveries():
    """GET /webhooks/{wh}/events counted an event's deliveries to every
    webhook of the account: with two subscribed, each showed 2."""
    _, key = account()
    a = endpoint(key, "http://127.0.0.1:9/count-a", enabled=False)
    b = endpoint(key, "http://127.0.0.1:9/count-b", enabled=False)
    endpoint(key, "http://127.0.0.1:9/count-c", event_types=["voice.*"], enabled=False)
    assert publish(key, {"n": 1})["deliveries"] == 2
    for ep in (a, b):
        r = api("GET", "/webhooks/%s/events" % ep["id"], key=key)
        assert r.status == 200 and len(r.body["data"]) == 1, r
        assert r.body["data"][0]["deliveries"] == 1, (ep["id"], r.body["data"])


def test_delivery_list_event_type_is_matched_exactly():
    """The column's collation took ?event_type=SMS.DELIVERED and
    "sms.delivered " for sms.delivered; the bulk retry the same."""
    _, key = account()
    ep = endpoint(key, "http://127.0.0.1:9/exact", enabled=False)["id"]
    publish(key, {"n": 1})
    r = api("GET", "/webhooks/%s/deliveries?event_type=%s" % (ep, EVENT), key=key)
    assert r.status == 200 and len(r.body["data"]) == 1, r
    sql("UPDATE deliveries SET status = 'dead' WHERE endpoint_id = '%s'" % ep)
    for other in ("SMS.DELIVERED", "Sms.Delivered", "sms.delivered%20"):
        r = api("GET", "/webhooks/%s/deliveries?event_type=%s" % (ep, other), key=key)
        assert r.status == 200 and r.body["data"] == [], (other, r)
    for other in ("SMS.DELIVERED", "sms.delivered "):
        r = api("POST", "/webhooks/deliveries/retry", {"webhook_id": ep, "event_type": other}, key=key)
        assert r.status == 202 and r.body["retried"] == 0, (other, r)
    r = api("POST", "/webhooks/deliveries/retry", {"webhook_id": ep, "event_type": EVENT}, key=key)
    assert r.status == 202 and r.body["retried"] == 1, r


def test_delivery_list_refuses_since_after_until():
    """since after until listed nothing (200) where the bulk retry and
    analytics answer 422: the two were swapped, not an empty history."""
    _, key = account()
    ep = endpoint(key, "http://127.0.0.1:9/range", enabled=False)["id"]
    for since, until in (("2026-12-05T00:00:00Z", "2026-12-01T00:00:00Z"),
                         ("2026-12-01T00:00:00Z", "2026-12-01T00:00:00Z"),
                         ("2026-12-01T02:00:00Z", "2026-12-01T03:00:00%2B02:00")):
        r = api("GET", "/webhooks/%s/deliveries?since=%s&until=%s" % (ep, since, until), key=key)
        assert r.status == 422 and error_code(r) == "invalid_value", (since, until, r)
        assert r.body["error"]["field"] == "until", r
        assert r.body["error"]["message"] == "until must be later than since", r
    r = api("GET", "/webhooks/%s/deliveries?since=2026-12-01T00:00:00Z&until=2026-12-05T00:00:00Z" % ep,
            key=key)
    assert r.status == 200 and r.body["data"] == [], r
