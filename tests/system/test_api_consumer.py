"""What a strict API client relies on across every route: list iterators
and limits, null members that clear, field names in errors, the Allow
header, the body's media type and routes that take no body."""

import calendar
import time
import urllib.parse

from apihelp import EVENT, account, endpoint, publish, sql
from hltest import api


def _lists(key):
    """One list route of each kind, with the prefix its iterators carry,
    each holding at least two items of this account."""
    ep = endpoint(key, "http://127.0.0.1:9/lists", enabled=False)
    endpoint(key, "http://127.0.0.1:9/lists2")
    for i in range(3):
        publish(key, {"i": i})
    srcs = [api("POST", "/webhooks/sources", {"verify": "none", "allowed_cidrs": "127.0.0.1/32"},
                key=key).body for _ in range(2)]
    for _ in range(2):
        r = api("POST", "/webhooks/incoming/" + srcs[0]["slug"], {"n": 1}, key=None)
        assert r.status == 202, r
    return [("/webhooks", "wh"), ("/webhooks/%s/deliveries" % ep["id"], "dlv"),
            ("/webhooks/%s/events" % ep["id"], "evt"), ("/webhooks/sources", "src"),
            ("/webhooks/sources/%s/requests" % srcs[0]["id"], "inc"),
            ("/webhooks/audit", "aud"), ("/webhooks/events", None)]


def test_iterators_are_checked_and_an_empty_one_is_the_first_page():
    """An empty ?iterator= was the first page of some lists and an empty,
    finished list (done: true) of others; an iterator of another list was
    taken as a position, so a client that mixed two up saw a list end
    early or start over without a word."""
    _, key = account()
    lists = _lists(key)
    firsts = {}
    for path, prefix in lists:
        first = api("GET", path + "?limit=1", key=key)
        assert first.status == 200 and len(first.body["data"]) == 1, (path, first)
        assert first.body["done"] is False and first.body["iterator"], (path, first)
        firsts[path] = first.body
    for path, prefix in lists:
        empty = api("GET", path + "?limit=1&iterator=", key=key)
        assert empty.status == 200 and empty.body == firsts[path], (path, empty)
        second = api("GET", path + "?limit=1&iterator=" + firsts[path]["iterator"], key=key)
        assert second.status == 200, (path, second)
        assert second.body["data"] != firsts[path]["data"], (path, second)
        # Another list's iterator (the catalog's is a name, which is a
        # position in the catalog), and made-up text.
        bads = [firsts[p]["iterator"] for p, pre in lists if pre != prefix and pre]
        for bad in bads + ["garbage!"]:
            r = api("GET", path + "?limit=1&iterator=" + bad, key=key)
            assert r.status == 400, (path, bad, r)
            assert r.body["error"]["code"] == "invalid_value", (path, bad, r)
            assert r.body["error"]["field"] == "iterator", (path, bad, r)
    # The catalog without limit is its first page, as every list, with or
    # without an empty iterator.
    first = api("GET", "/webhooks/events", key=key)
    assert first.status == 200 and len(first.body["data"]) <= 50, first
    assert api("GET", "/webhooks/events?iterator=", key=key).body == first.body


def test_limit_is_digits_only():
    _, key = account()
    endpoint(key, "http://127.0.0.1:9/limit")
    for bad in ("%2B5", "%205", "5%20", "0x5", "1e1", "-0"):
        r = api("GET", "/webhooks?limit=" + bad, key=key)
        assert r.status == 400 and r.body["error"]["field"] == "limit", (bad, r)
    r = api("GET", "/webhooks?limit=007", key=key)
    assert r.status == 200, r


def test_analytics_buckets_are_digits_only_as_limit():
    """strtol took buckets=+5 and buckets=%205 (200) where limit, read the
    same way, is 400."""
    _, key = account()
    for bad in ("%2B5", "%205", "5%20", "0x5", "1e1", "-0", "0", "121", "5.0"):
        r = api("GET", "/webhooks/analytics?buckets=" + bad, key=key)
        assert r.status == 400 and r.body["error"]["field"] == "buckets", (bad, r)
        assert r.body["error"]["message"] == "buckets must be an integer from 1 to 120", r
    for good, points in (("5", 5), ("007", 7), ("120", 120)):
        r = api("GET", "/webhooks/analytics?buckets=" + good, key=key)
        assert r.status == 200 and len(r.body["series"]) == points, (good, r)


WEBHOOK_WRITABLE = ("url", "description", "method", "enabled", "event_types", "retry_schedule",
                    "retry_exponential", "headers", "auth", "timeout_ms", "priority", "fifo",
                    "batch_max", "rate_limit", "encryption")
SOURCE_WRITABLE = ("slug", "name", "verify", "event_type", "type_map", "allowed_cidrs",
                   "tolerance_seconds", "rate_limit", "enabled")


def _without(body, *names):
    return {k: v for k, v in body.items() if k not in names}


def test_what_get_shows_put_takes_back_unchanged():
    """GET of a new webhook shows timeout_ms null (Delivery.TimeoutMs),
    but PUT refused null, so what GET answered could not be sent back,
    and a timeout once set could not be returned to the default."""
    _, key = account()
    for extra in ({}, {"timeout_ms": 5000, "priority": 7, "fifo": True, "batch_max": 4,
                       "rate_limit": 3, "headers": {"X-A": "1"}, "retry_schedule": "0,5s",
                       "retry_exponential": None, "description": "d"}):
        ep = endpoint(key, "http://127.0.0.1:9/rt", **extra)
        before = api("GET", "/webhooks/" + ep["id"], key=key).body
        r = api("PUT", "/webhooks/" + ep["id"], {k: before[k] for k in WEBHOOK_WRITABLE}, key=key)
        assert r.status == 200, (before, r)
        after = api("GET", "/webhooks/" + ep["id"], key=key).body
        assert _without(after, "updated_at") == _without(before, "updated_at"), (before, after)
    # null returns a timeout to the default.
    r = api("PUT", "/webhooks/" + ep["id"], {"timeout_ms": None}, key=key)
    assert r.status == 200 and r.body["timeout_ms"] is None, r
    assert api("GET", "/webhooks/" + ep["id"], key=key).body["timeout_ms"] is None
    # Values it cannot have are still refused.
    for bad in (0, 99, 300001):
        r = api("PUT", "/webhooks/" + ep["id"], {"timeout_ms": bad}, key=key)
        assert r.status == 422 and r.body["error"]["field"] == "timeout_ms", (bad, r)

    src = api("POST", "/webhooks/sources", {"verify": "standard", "type_map": {"a": EVENT},
              "allowed_cidrs": "127.0.0.1/32", "rate_limit": 5}, key=key).body
    before = api("GET", "/webhooks/sources/" + src["id"], key=key).body
    r = api("PUT", "/webhooks/sources/" + src["id"], {k: before[k] for k in SOURCE_WRITABLE},
            key=key)
    assert r.status == 200 and "secret" not in r.body, r      # no new secret
    after = api("GET", "/webhooks/sources/" + src["id"], key=key).body
    assert _without(after, "updated_at") == _without(before, "updated_at"), (before, after)


def test_null_clears_what_get_shows_as_null_on_sources():
    """A source without a type map, address list or rate limit shows them
    as null; PUT of null answered 200 and kept the old values, so a
    client that cleared them by sending back what GET shows for "none"
    was told it had."""
    _, key = account()
    src = api("POST", "/webhooks/sources", {"verify": "standard", "type_map": {"a": EVENT},
              "allowed_cidrs": "127.0.0.1/32", "rate_limit": 5}, key=key).body
    for name in ("type_map", "allowed_cidrs", "rate_limit"):
        r = api("PUT", "/webhooks/sources/" + src["id"], {name: None}, key=key)
        assert r.status == 200 and r.body[name] is None, (name, r)
        assert api("GET", "/webhooks/sources/" + src["id"], key=key).body[name] is None, name
    # The same on create, and an unsigned source still needs its list.
    r = api("POST", "/webhooks/sources", {"verify": "standard", "type_map": None,
            "allowed_cidrs": None, "rate_limit": None}, key=key)
    assert r.status == 201, r
    r = api("POST", "/webhooks/sources", {"verify": "none", "allowed_cidrs": None}, key=key)
    assert r.status == 422 and r.body["error"]["field"] == "allowed_cidrs", r
    unsigned = api("POST", "/webhooks/sources", {"verify": "none",
                   "allowed_cidrs": "127.0.0.1/32"}, key=key).body
    r = api("PUT", "/webhooks/sources/" + unsigned["id"], {"allowed_cidrs": None}, key=key)
    assert r.status == 422 and r.body["error"]["field"] == "allowed_cidrs", r
    assert api("GET", "/webhooks/sources/" + unsigned["id"],
               key=key).body["allowed_cidrs"] == "127.0.0.1/32"


def test_bulk_retry_names_webhook_id_and_refuses_an_empty_range():
    """An unknown webhook_id was answered with field "id", a member the
    body does not have; since/until the wrong way round answered
    "retried": 0 as if nothing were dead."""
    _, key = account()
    _, other = account()
    theirs = endpoint(other, "http://127.0.0.1:9/theirs")["id"]
    for wh, status, code in ((theirs, 404, "not_found"),
                             ("wh_" + "0" * 26, 404, "not_found"),
                             ("nope", 422, "invalid_value"),
                             ("dlv_" + "0" * 26, 422, "invalid_value")):
        r = api("POST", "/webhooks/deliveries/retry", {"webhook_id": wh}, key=key)
        assert r.status == status and r.body["error"]["code"] == code, (wh, r)
        assert r.body["error"]["field"] == "webhook_id", (wh, r)
    for since, until in (("2026-02-01T00:00:00Z", "2026-01-01T00:00:00Z"),
                         ("2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z")):
        r = api("POST", "/webhooks/deliveries/retry", {"since": since, "until": until}, key=key)
        assert r.status == 422 and r.body["error"]["field"] == "until", r
    r = api("POST", "/webhooks/deliveries/retry", {"since": "2026-01-01T00:00:00Z",
            "until": "2026-01-01T00:00:01Z"}, key=key)
    assert r.status == 202 and r.body == {"retried": 0}, r


def test_allow_lists_head_where_get_is_allowed():
    """HEAD is answered on every GET route, but Allow left it out."""
    _, key = account()
    wh = endpoint(key, "http://127.0.0.1:9/allow")["id"]
    for method, path, allow in (("PATCH", "/webhooks/" + wh, "GET, HEAD, PUT, DELETE"),
                                ("DELETE", "/webhooks", "GET, HEAD, POST"),
                                ("GET", "/webhooks/publish", "POST"),
                                ("HEAD", "/webhooks/%s/test" % wh, "POST")):
        r = api(method, path, key=key)
        assert r.status == 405 and r.headers["allow"] == allow, (method, path, r.headers)
    get = api("GET", "/webhooks/" + wh, key=key)
    head = api("HEAD", "/webhooks/" + wh, key=key)
    assert head.status == 200 and head.raw == b"", head
    assert head.headers["content-length"] == get.headers["content-length"], (head, get)


def test_a_body_declared_in_another_charset_is_refused():
    """charset=iso-8859-1 was accepted and the bytes read as UTF-8: "Ã©"
    sent as Latin-1 (C3 A9) was stored as "é"."""
    _, key = account()
    wh = endpoint(key, "http://127.0.0.1:9/cs")["id"]
    body = '{"description": "\u00c3\u00a9"}'.encode("latin-1")
    for ct in ("application/json; charset=iso-8859-1", "application/json;charset=\"latin1\"",
               "application/json; charset=utf-16", "Application/JSON; Charset=windows-1252"):
        r = api("PUT", "/webhooks/" + wh, raw=body, headers={"Content-Type": ct}, key=key)
        assert r.status == 415 and r.body["error"]["code"] == "unsupported_media_type", (ct, r)
    assert api("GET", "/webhooks/" + wh, key=key).body["description"] == ""
    for ct in ("application/json", "application/json; charset=utf-8",
               "application/json;charset=\"UTF-8\"", "application/json; charset=utf8",
               "application/json; profile=x"):
        r = api("PUT", "/webhooks/" + wh, raw=b'{"description": "ok"}',
                headers={"Content-Type": ct}, key=key)
        assert r.status == 200, (ct, r)


def test_routes_without_a_body_refuse_members_as_the_others_do():
    """enable, disable and a delivery's retry ignored whatever body came:
    {"enabled": false} to /enable answered 200, while every other route
    answers a member it does not declare with 400 unknown_field."""
    _, key = account()
    wh = endpoint(key, "http://127.0.0.1:9/none", enabled=False)["id"]
    publish(key, {"n": 1})
    dlv = api("GET", "/webhooks/%s/deliveries" % wh, key=key).body["data"][0]["id"]
    for path in ("/webhooks/%s/enable" % wh, "/webhooks/%s/disable" % wh,
                 "/webhooks/deliveries/%s/retry" % dlv):
        r = api("POST", path, {"enabled": False}, key=key)
        assert r.status == 400 and r.body["error"]["code"] == "unknown_field", (path, r)
        assert r.body["error"]["field"] == "enabled", (path, r)
        r = api("POST", path, raw=b"[]", headers={"Content-Type": "application/json"}, key=key)
        assert r.status == 400 and r.body["error"]["code"] == "invalid_json", (path, r)
    # Nothing was done by the refused ones: still disabled, still paused.
    assert api("GET", "/webhooks/" + wh, key=key).body["enabled"] is False
    assert api("GET", "/webhooks/deliveries/" + dlv, key=key).body["status"] == "paused"
    for path in ("/webhooks/%s/disable" % wh, "/webhooks/%s/enable" % wh):
        assert api("POST", path, key=key).status == 200, path                  # no body
        assert api("POST", path, {}, key=key).status == 200, path               # {}
    sql("UPDATE deliveries SET status = 'dead' WHERE id = '%s'" % dlv)
    r = api("POST", "/webhooks/deliveries/%s/retry" % dlv, {}, key=key)
    assert r.status == 202, r


def test_put_enabled_false_says_why_as_disable_does():
    """PUT {"enabled": false} left disabled_reason null, while /disable
    says "disabled by a user"; the same PUT again (or any PUT) to an
    endpoint disabled already keeps its reason."""
    _, key = account()
    wh = endpoint(key, "http://127.0.0.1:9/why")["id"]
    r = api("PUT", "/webhooks/" + wh, {"enabled": False}, key=key)
    assert r.status == 200 and r.body["enabled"] is False, r
    assert r.body["disabled_reason"] == "disabled by a user", r
    sql("UPDATE endpoints SET disabled_reason = 'failing since yesterday' WHERE id = '%s'" % wh)
    for body in ({"enabled": False}, {"description": "x"}):
        r = api("PUT", "/webhooks/" + wh, body, key=key)
        assert r.body["disabled_reason"] == "failing since yesterday", (body, r)
    r = api("PUT", "/webhooks/" + wh, {"enabled": True}, key=key)
    assert r.body["enabled"] is True and r.body["disabled_reason"] is None, r
    r = api("PUT", "/webhooks/" + wh, {"description": "y"}, key=key)
    assert r.body["enabled"] is True and r.body["disabled_reason"] is None, r


def _at(epoch, offset_min):
    """epoch as an RFC 3339 time in the zone offset_min minutes east of UTC."""
    sign = "+" if offset_min >= 0 else "-"
    local = time.gmtime(epoch + offset_min * 60)
    return time.strftime("%Y-%m-%dT%H:%M:%S", local) + "%s%02d:%02d" % (
        sign, abs(offset_min) // 60, abs(offset_min) % 60)


def test_times_must_name_their_zone_and_offsets_are_applied():
    """A since or until without Z or an offset was read as UTC, and
    +02:00 was not read at all: an operator elsewhere silently got a
    range hours off. The API refuses a time without a zone and applies
    an offset; the dashboard's own forms (labelled UTC) still read theirs
    as UTC."""
    _, key = account()
    ep = endpoint(key, "http://127.0.0.1:9/zones")["id"]
    publish(key, {"z": 1})
    rows = api("GET", "/webhooks/%s/deliveries" % ep, key=key).body["data"]
    assert len(rows) == 1, rows
    created = calendar.timegm(time.strptime(rows[0]["created_at"][:19], "%Y-%m-%dT%H:%M:%S"))
    want = "must be an RFC 3339 time with Z or an offset, e.g. 2026-12-02T10:00:00Z"
    naive = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(created - 60))
    for q in ("since=" + naive, "since=" + naive[:16], "until=" + naive[:10]):
        r = api("GET", "/webhooks/%s/deliveries?%s" % (ep, q), key=key)
        name = q.split("=")[0]
        assert r.status == 422 and r.body["error"]["code"] == "invalid_value", (q, r)
        assert r.body["error"]["field"] == name and r.body["error"]["message"] == name + " " + want, r
    # A minute before in UTC+05:30 and a minute after in UTC-07:00: read
    # as UTC (offset ignored) they would be hours off and swap the answers.
    for since, until, n in ((_at(created - 60, 330), None, 1), (_at(created + 60, -420), None, 0),
                            (None, _at(created + 60, 330), 1), (None, _at(created - 60, -420), 0),
                            (_at(created - 60, -420), _at(created + 60, 330), 1)):
        q = "&".join("%s=%s" % (k, urllib.parse.quote(v)) for k, v in (("since", since), ("until", until))
                     if v)
        r = api("GET", "/webhooks/%s/deliveries?%s" % (ep, q), key=key)
        assert r.status == 200 and len(r.body["data"]) == n, (q, r)
    # An unencoded "+" is a space in a query: the message says how to send it.
    r = api("GET", "/webhooks/%s/deliveries?since=%s" % (ep, _at(created, 120)), key=key)
    assert r.status == 422 and "%2B" in r.body["error"]["message"], r
    # Bodies and the other routes that take times.
    for method, path, body in (("POST", "/webhooks/deliveries/retry", {"since": naive}),
                               ("POST", "/webhooks/deliveries/retry",
                                {"since": naive + "Z", "until": naive[:10]}),
                               ("POST", "/webhooks/%s/replay" % ep, {"since": naive}),
                               ("POST", "/webhooks/%s/replay" % ep, {"since": naive[:10]}),
                               ("GET", "/webhooks/analytics?until=" + naive, None)):
        r = api(method, path, body, key=key)
        assert r.status == 422 and r.body["error"]["code"] == "invalid_value", (path, body, r)
        assert r.body["error"]["message"].endswith(want), r
    sql("UPDATE deliveries SET status = 'dead' WHERE endpoint_id = '%s'" % ep)
    r = api("POST", "/webhooks/deliveries/retry", {"webhook_id": ep, "since": _at(created + 60, -420)},
            key=key)
    assert r.status == 202 and r.body["retried"] == 0, r
    r = api("POST", "/webhooks/deliveries/retry", {"webhook_id": ep, "since": _at(created - 60, 330),
                                                   "until": _at(created + 60, -420)}, key=key)
    assert r.status == 202 and r.body["retried"] == 1, r
    # The dashboard's datetime-local value, without a zone, is UTC there.
    from test_dashboard import _admin
    _, key2, s = _admin()
    ep2 = endpoint(key2, "http://127.0.0.1:9/zones2")["id"]
    publish(key2, {"z": 2})
    row = api("GET", "/webhooks/%s/deliveries" % ep2, key=key2).body["data"][0]
    created = calendar.timegm(time.strptime(row["created_at"][:19], "%Y-%m-%dT%H:%M:%S"))
    for since, shown in ((created - 120, True), (created + 120, False)):
        status, _, page = s.get("/webhook/deliveries?since=" + time.strftime("%Y-%m-%dT%H:%M",
                                                                               time.gmtime(since)))
        assert status == 200 and (row["id"] in page) == shown, (since, status, page[-2000:])
