"""The runner's batched database work (claims and records in groups of
fixed-size statements) and that a test send is the runner's request."""

import collections

from hltest import Receiver, api, ctl_publish, new_account, run_runner, verify, write_config

EVENT = "sms.delivered"


def _publish(slug, n, payload=None):
    ids = []
    for i in range(n):
        out = ctl_publish(slug, EVENT, payload if payload is not None else {"i": i})
        ids.append(out["id"])
    return ids


def _deliveries(key, ep_id):
    rows, it = [], None
    while True:
        path = "/webhooks/%s/deliveries?limit=250" % ep_id
        if it:
            path += "&iterator=" + it
        body = api("GET", path, key=key).body
        rows += body["data"]
        if body["done"]:
            return rows
        it = body["iterator"]


def test_large_batches_record_every_attempt_once():
    """One claim of 140 (groups of 128 + 32 padded) and records of up to
    128 attempts: every delivery sent once, recorded once, succeeded; a
    failing second endpoint gets its health counted per attempt."""
    slug, key = new_account()
    conf = write_config(Delivery_ClaimBatch=140, Delivery_Concurrency=16)
    with Receiver() as ok, Receiver(status=500) as bad:
        good = api("POST", "/webhooks", {"url": ok.url, "event_types": [EVENT]}, key=key).body
        failing = api("POST", "/webhooks", {"url": bad.url, "event_types": [EVENT],
                                            "retry_schedule": "0,1h"}, key=key).body
        ids = _publish(slug, 70)
        run_runner("--once", "--account", slug, config=conf)
        ok.wait_for_requests(70)
        bad.wait_for_requests(70)
        counts = collections.Counter(q.headers["webhook-id"] for q in ok.requests)
        assert sorted(counts) == sorted(ids) and set(counts.values()) == {1}, counts
        rows = _deliveries(key, good["id"])
        assert len(rows) == 70 and {d["status"] for d in rows} == {"succeeded"}, rows[:3]
        assert {d["attempts"] for d in rows} == {1}, rows[:3]
        detail = api("GET", "/webhooks/deliveries/%s" % rows[0]["id"], key=key).body
        assert len(detail["attempt_log"]) == 1, detail
        rows = _deliveries(key, failing["id"])
        assert {d["status"] for d in rows} == {"pending"}, rows[:3]
        assert {d["last_status_code"] for d in rows} == {500}, rows[:3]
        ep = api("GET", "/webhooks/%s" % failing["id"], key=key).body
        assert ep["consecutive_failures"] == 70, ep


def test_test_send_is_the_runners_request():
    """POST /webhooks/{id}/test loads its job with the runner's code: the
    same method, headers (custom, auth, v1 + v1a signatures) and envelope."""
    slug, key = new_account()
    with Receiver() as rcv:
        ep = api("POST", "/webhooks", {"url": rcv.url, "event_types": [EVENT], "method": "PUT",
                                       "headers": {"X-Tenant": "acme"}, "ed25519": True,
                                       "auth": {"type": "bearer", "token": "tok-77"}},
                 key=key).body
        payload = {"to": "+15555550100", "n": 3}
        _publish(slug, 1, payload)
        run_runner("--once", "--account", slug)
        r = api("POST", "/webhooks/%s/test" % ep["id"], {"event_type": EVENT, "payload": payload},
                key=key)
        assert r.status == 200, r
        runner_req, test_req = rcv.wait_for_requests(2)
        for q in (runner_req, test_req):
            assert q.method == "PUT", q
            verify(ep["secret"], q.headers, q.body)
            assert q.headers["x-tenant"] == "acme" and q.headers["authorization"] == "Bearer tok-77"
            assert any(s.startswith("v1a,") for s in q.headers["webhook-signature"].split()), q
        assert set(runner_req.headers) == set(test_req.headers), (runner_req.headers, test_req.headers)
        a, b = runner_req.json(), test_req.json()
        assert list(a) == list(b) == ["type", "timestamp", "data"], (a, b)
        assert a["type"] == b["type"] == EVENT and a["data"] == b["data"] == payload, (a, b)


def test_batch_endpoint_gets_json_arrays_and_each_delivery_its_attempt():
    """batch_max 5, 12 due events: requests of 5, 5 and 2 items, each item
    with its own id, type, timestamp and data; the request is signed under
    a msg_ webhook-id; each delivery gets the batch's outcome (the first
    request fails: its five deliveries are retried, the others are done)."""
    slug, key = new_account()
    with Receiver(statuses=[500]) as rcv:
        r = api("POST", "/webhooks", {"url": rcv.url, "event_types": [EVENT], "batch_max": 5},
                key=key)
        assert r.status == 201 and r.body["batch_max"] == 5, r
        ep = r.body
        ids = _publish(slug, 12)
        run_runner("--once", "--account", slug)
        reqs = rcv.wait_for_requests(3)
        assert sorted(len(q.json()) for q in reqs) == [2, 5, 5], [q.json() for q in reqs]
        seen = []
        for q in reqs:
            verify(ep["secret"], q.headers, q.body)
            assert q.headers["webhook-id"].startswith("msg_"), q.headers
            for item in q.json():
                assert list(item) == ["id", "type", "timestamp", "data"], item
                assert item["type"] == EVENT, item
                seen.append(item["id"])
        assert sorted(seen) == sorted(ids), seen
        failed = {i["id"] for i in reqs[0].json()}
        rows = {d["event_id"]: d for d in _deliveries(key, ep["id"])}
        for eid, d in rows.items():
            assert d["attempts"] == 1, d
            want = ("pending", 500) if eid in failed else ("succeeded", 200)
            assert (d["status"], d["last_status_code"]) == want, (d, failed)
        # A test send to a batch endpoint is a batch of one.
        r = api("POST", "/webhooks/%s/test" % ep["id"], {"event_type": EVENT, "payload": {"t": 1}},
                key=key)
        assert r.status == 200, r
        q = rcv.wait_for_requests(4)[3]
        verify(ep["secret"], q.headers, q.body)
        assert [list(i) for i in q.json()] == [["id", "type", "timestamp", "data"]], q.json()
        for bad in (0, 101, "5"):
            r = api("PUT", "/webhooks/%s" % ep["id"], {"batch_max": bad}, key=key)
            assert r.status in (400, 422) and r.body["error"]["field"] == "batch_max", r


def test_batch_requests_stay_within_a_mebibyte():
    """batch_max 10 and six due events of 300 KB: not one request of
    1.8 MB (which receivers such as nginx refuse with 413 by default, so it
    would fail until every delivery in it was dead) but requests of at
    most 1 MiB, each event in one of them, of mixed types, in order."""
    slug, key = new_account()
    types = [EVENT, "sms.failed"]
    with Receiver() as rcv:
        r = api("POST", "/webhooks", {"url": rcv.url, "event_types": types, "batch_max": 10},
                key=key)
        assert r.status == 201, r
        ep = r.body
        ids = []
        for i in range(6):
            r = api("POST", "/webhooks/publish", {"event_type": types[i % 2],
                                                  "payload": {"i": i, "pad": "x" * 300000}}, key=key)
            assert r.status == 202, r
            ids.append(r.body["id"])
        run_runner("--once", "--account", slug)
        rows = _deliveries(key, ep["id"])
        assert len(rows) == 6 and {d["status"] for d in rows} == {"succeeded"}, rows
        reqs = rcv.requests
        assert len(reqs) >= 2, [len(q.body) for q in reqs]
        seen = []
        for q in reqs:
            assert len(q.body) <= 1024 * 1024, [len(q.body) for q in reqs]
            verify(ep["secret"], q.headers, q.body)
            items = q.json()
            assert [it["id"] for it in items] == sorted(it["id"] for it in items), items
            for it in items:
                assert it["type"] == types[it["data"]["i"] % 2], it["type"]
            seen += [it["id"] for it in items]
        assert sorted(seen) == sorted(ids), seen
