"""Endpoint custom headers carry receiver credentials under any name: a
principal without write scope sees their names with every value as
[redacted]; writers see the values (they edit them); the marker is never
stored in place of a value; the attempt log records every custom header
value redacted."""

import json

from apihelp import EVENT, account, endpoint, publish, sql
from hltest import Receiver, api, ctl, run_runner

MARK = "[redacted]"
HEADERS = {"X-Api-Key": "k-7f3a-secret", "Authorization": "Token t-91b2",
           "X-Tenant-Ref": "innocuous-name-secret-55"}


def _keys(slug):
    read = ctl("key", "create", slug, "--scopes", "read").stdout.strip()
    write = ctl("key", "create", slug, "--scopes", "read,write").stdout.strip()
    return read, write


def _text(raw):
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)


def _leaks(raw):
    text = json.dumps(raw) if isinstance(raw, (dict, list)) else _text(raw)
    return [v for v in HEADERS.values() if v in text]


def test_read_scope_sees_names_with_redacted_values_writers_see_values():
    slug, admin = account()
    read, write = _keys(slug)
    ep = endpoint(admin, "http://127.0.0.1:9/creds", headers=HEADERS)
    assert ep["headers"] == HEADERS, ep
    r = api("GET", "/webhooks/" + ep["id"], key=read)
    assert r.status == 200, r
    assert r.body["headers"] == {k: MARK for k in HEADERS}, r.body
    assert not _leaks(r.raw), r.raw
    # The rest of the endpoint is as a writer sees it.
    w = api("GET", "/webhooks/" + ep["id"], key=write)
    assert w.status == 200 and w.body["headers"] == HEADERS, w
    assert {k: v for k, v in r.body.items() if k != "headers"} == \
        {k: v for k, v in w.body.items() if k != "headers"}
    assert api("GET", "/webhooks/" + ep["id"], key=admin).body["headers"] == HEADERS
    # The list never embeds them, for anyone.
    for key in (read, write):
        lst = api("GET", "/webhooks", key=key)
        assert lst.status == 200 and [e["id"] for e in lst.body["data"]] == [ep["id"]], lst
        assert not _leaks(lst.raw), lst.raw


def test_writer_round_trip_keeps_values_and_the_marker_is_refused():
    slug, admin = account()
    read, write = _keys(slug)
    with Receiver() as rcv:
        ep = endpoint(admin, rcv.url, headers=HEADERS)
        # What a writer reads, sent back as it is, changes nothing.
        before = api("GET", "/webhooks/" + ep["id"], key=write).body
        r = api("PUT", "/webhooks/" + ep["id"], {"headers": before["headers"],
                                                 "description": "again"}, key=write)
        assert r.status == 200 and r.body["headers"] == HEADERS, r
        # What a reader reads, sent back by a writer, would store the
        # marker over the credentials: refused, nothing changes.
        shown = api("GET", "/webhooks/" + ep["id"], key=read).body
        r = api("PUT", "/webhooks/" + ep["id"], {"headers": shown["headers"],
                                                 "description": "clobber"}, key=write)
        assert r.status == 422 and r.body["error"]["field"] == "headers", r
        assert MARK in r.body["error"]["message"], r
        r = api("PUT", "/webhooks/" + ep["id"], {"headers": {"X-New": MARK}}, key=write)
        assert r.status == 422 and r.body["error"]["field"] == "headers", r
        r = api("POST", "/webhooks", {"url": rcv.url, "headers": {"X-A": MARK}}, key=write)
        assert r.status == 422 and r.body["error"]["field"] == "headers", r
        after = api("GET", "/webhooks/" + ep["id"], key=write).body
        assert after["headers"] == HEADERS and after["description"] == "again", after
        # The receiver still gets the real values.
        publish(admin, {"n": 1})
        run_runner("--once", "--account", slug)
        got = rcv.wait_for_requests(1)[0]
        for name, value in HEADERS.items():
            assert got.headers[name.lower()] == value, (name, got.headers)


def test_attempt_log_records_every_custom_header_value_redacted():
    """The log held custom header values in clear unless their name or
    value looked like a credential: X-Tenant-Ref: <secret> was stored and
    shown to readers."""
    slug, admin = account()
    read, _ = _keys(slug)
    with Receiver() as rcv:
        ep = endpoint(admin, rcv.url, headers=dict(HEADERS, **{"X-Plain": "acme"}))
        publish(admin, {"n": 1})
        run_runner("--once", "--account", slug)
        got = rcv.wait_for_requests(1)[0]
        assert got.headers["x-tenant-ref"] == HEADERS["X-Tenant-Ref"], got.headers
        assert got.headers["x-plain"] == "acme", got.headers
        dl = api("GET", "/webhooks/%s/deliveries" % ep["id"], key=read).body["data"][0]
        for key in (read, admin):
            detail = api("GET", "/webhooks/deliveries/" + dl["id"], key=key)
            assert detail.status == 200, detail
            sent = detail.body["attempt_log"][0]["request_headers"]
            for name in list(HEADERS) + ["X-Plain"]:
                assert sent[name] == MARK, (name, sent)
            assert not _leaks(detail.raw) and "acme" not in _text(detail.raw), detail.raw
            # hookline's own headers stay readable.
            assert sent["webhook-id"] == got.headers["webhook-id"], sent
        # Nothing in clear in the stored row either.
        rows = sql("SELECT request_headers FROM delivery_attempts WHERE endpoint_id = '%s'"
                   % ep["id"])
        assert len(rows) == 1 and not _leaks(rows[0][0]) and "acme" not in rows[0][0], rows
        # A test send answers the same record.
        t = api("POST", "/webhooks/%s/test" % ep["id"], {"event_type": EVENT}, key=admin)
        assert t.status == 200, t
        assert t.body["request"]["headers"]["X-Tenant-Ref"] == MARK, t.body
        assert not _leaks(t.raw), t.raw
