"""Endpoint custom headers are sealed at rest (migration 020): the row
holds them in headers_sealed under Security.MasterKey, never in clear in
headers_json; the runner and test sends unseal them to send them, a
writer reads them and a reader sees [redacted] as before. A row stored
before 020 (plaintext in headers_json) is still sent and shown until
hooklinectl rekey seals it (test_rekey) or a write replaces it."""

import json

from apihelp import EVENT, account, endpoint, publish, sql
from hltest import Receiver, api, ctl, run_runner

MARK = "[redacted]"
HEADERS = {"X-Token": "tok-4e1d-sealed-secret", "X-Tenant": "tenant-77-secret"}
LEGACY = {"X-Legacy-Token": "legacy-9c2a-secret"}


def _row(wh):
    """(headers_json, headers_sealed) of endpoint wh, None for NULL (the
    mariadb client prints NULL, which neither column can hold as text)."""
    row = sql("SELECT headers_json, headers_sealed FROM endpoints WHERE id = '%s'" % wh)[0]
    return tuple(None if v == "NULL" else v for v in row)


def _assert_sealed(wh, headers):
    plain, sealed = _row(wh)
    assert plain is None, plain
    assert sealed, "no sealed headers"
    for name, value in headers.items():
        assert value not in sealed and name not in sealed, sealed


def _reader(slug):
    return ctl("key", "create", slug, "--scopes", "read").stdout.strip()


def test_put_headers_are_stored_sealed_and_still_sent_and_shown():
    slug, admin = account()
    read = _reader(slug)
    with Receiver() as rcv:
        ep = endpoint(admin, rcv.url)
        wh = ep["id"]
        assert _row(wh) == (None, None)
        r = api("PUT", "/webhooks/" + wh, {"headers": HEADERS}, key=admin)
        assert r.status == 200 and r.body["headers"] == HEADERS, r
        _assert_sealed(wh, HEADERS)
        # A database reader finds the values nowhere in the row.
        text = json.dumps(sql("SELECT * FROM endpoints WHERE id = '%s'" % wh))
        assert not [v for v in HEADERS.values() if v in text], text
        # Writers see the values, readers their names only.
        assert api("GET", "/webhooks/" + wh, key=admin).body["headers"] == HEADERS
        shown = api("GET", "/webhooks/" + wh, key=read)
        assert shown.status == 200 and shown.body["headers"] == {k: MARK for k in HEADERS}, shown
        # The receiver gets them, from a test send and from the runner.
        t = api("POST", "/webhooks/%s/test" % wh, {"event_type": EVENT}, key=admin)
        assert t.status == 200, t
        publish(admin, {"n": 1})
        run_runner("--once", "--account", slug)
        got = rcv.wait_for_requests(2)
        for req in got[:2]:
            for name, value in HEADERS.items():
                assert req.headers[name.lower()] == value, (name, req.headers)


def test_create_seals_and_empty_headers_store_nothing():
    _, admin = account()
    ep = endpoint(admin, "http://127.0.0.1:9/sealed", headers=HEADERS)
    assert ep["headers"] == HEADERS, ep
    _assert_sealed(ep["id"], HEADERS)
    before = _row(ep["id"])[1]
    # The same headers again change nothing: no new seal (a fresh nonce
    # would make every PUT a change).
    r = api("PUT", "/webhooks/" + ep["id"], {"headers": HEADERS}, key=admin)
    assert r.status == 200 and _row(ep["id"])[1] == before, r
    r = api("PUT", "/webhooks/" + ep["id"], {"headers": {}}, key=admin)
    assert r.status == 200 and r.body["headers"] == {}, r
    assert _row(ep["id"]) == (None, None)


def test_a_row_from_before_sealing_is_sent_and_shown_until_a_write_seals_it():
    slug, admin = account()
    read = _reader(slug)
    with Receiver() as rcv:
        ep = endpoint(admin, rcv.url)
        wh = ep["id"]
        # As migration 020 leaves a row stored before it.
        sql("UPDATE endpoints SET headers_json = '%s', headers_sealed = NULL WHERE id = '%s'"
            % (json.dumps(LEGACY), wh))
        assert api("GET", "/webhooks/" + wh, key=admin).body["headers"] == LEGACY
        assert api("GET", "/webhooks/" + wh, key=read).body["headers"] == {k: MARK for k in LEGACY}
        publish(admin, {"n": 1})
        run_runner("--once", "--account", slug)
        got = rcv.wait_for_requests(1)[0]
        assert got.headers["x-legacy-token"] == LEGACY["X-Legacy-Token"], got.headers
        # Any write of the headers stores them sealed.
        r = api("PUT", "/webhooks/" + wh, {"headers": dict(LEGACY, **HEADERS)}, key=admin)
        assert r.status == 200, r
        _assert_sealed(wh, dict(LEGACY, **HEADERS))
        t = api("POST", "/webhooks/%s/test" % wh, {"event_type": EVENT}, key=admin)
        assert t.status == 200, t
        got = rcv.wait_for_requests(2)[1]
        assert got.headers["x-legacy-token"] == LEGACY["X-Legacy-Token"], got.headers
        assert got.headers["x-token"] == HEADERS["X-Token"], got.headers


def test_headers_that_do_not_open_are_not_sent_nor_shown_as_none():
    """Tampered with (or sealed with another key): the runner refuses the
    delivery naming the endpoint, as for its other secrets, and the view
    fails rather than show {} (a client writing back what it read would
    erase the headers)."""
    slug, admin = account()
    with Receiver() as rcv:
        ep = endpoint(admin, rcv.url, headers=HEADERS)
        wh = ep["id"]
        sealed = _row(wh)[1]
        mid = len(sealed) // 2
        bad = sealed[:mid] + ("B" if sealed[mid] != "B" else "C") + sealed[mid + 1:]
        sql("UPDATE endpoints SET headers_sealed = '%s' WHERE id = '%s'" % (bad, wh))
        publish(admin, {"n": 1})
        p = run_runner("--once", "--account", slug, check=False)
        assert "cannot unseal the secret of %s" % wh in p.stderr, p.stderr
        assert rcv.requests == [], rcv.requests
        r = api("GET", "/webhooks/" + wh, key=admin)
        assert r.status == 500, r
        assert not [v for v in HEADERS.values() if v in r.raw.decode()], r.raw
        # Nor is the endpoint written (an update compares its view before
        # and after): the right key, or clearing the row, puts it right.
        r = api("PUT", "/webhooks/" + wh, {"headers": LEGACY}, key=admin)
        assert r.status == 500, r
        assert _row(wh) == (None, bad)
        sql("UPDATE endpoints SET headers_sealed = NULL WHERE id = '%s'" % wh)
        r = api("PUT", "/webhooks/" + wh, {"headers": LEGACY}, key=admin)
        assert r.status == 200 and r.body["headers"] == LEGACY, r
