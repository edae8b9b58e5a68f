"""Per-endpoint rate limit (option rate_limit, deliveries per second),
honoured by several runners at once through the database."""

import collections

from hltest import Receiver, api, ctl_publish, new_account, start_runner

EVENT = "sms.delivered"



def _deliveries(key, ep_id):
    return api("GET", "/webhooks/%s/deliveries?limit=100" % ep_id, key=key).body["data"]


def test_rate_limit_holds_across_two_runners():
    """rate_limit 5, 20 due events, two runners at once: no 1-second window
    at the receiver holds more than 5 requests, and every event arrives
    exactly once with one attempt counted (deferrals are not attempts)."""
    slug, key = new_account()
    with Receiver() as rcv:
        r = api("POST", "/webhooks", {"url": rcv.url, "event_types": [EVENT], "rate_limit": 5},
                key=key)
        assert r.status == 201 and r.body["rate_limit"] == 5, r
        ep = r.body
        ids = []
        for i in range(20):
            out = ctl_publish(slug, EVENT, {"i": i})
            ids.append(out["id"])
        procs = [start_runner("--max-seconds", "7", "--account", slug) for _ in range(2)]
        try:
            rcv.wait_for_requests(20, timeout=30)
        finally:
            for p in procs:
                out, err = p.communicate(timeout=60)
                assert p.returncode == 0, err
        counts = collections.Counter(q.headers["webhook-id"] for q in rcv.requests)
        assert sorted(counts) == sorted(ids) and set(counts.values()) == {1}, counts
        times = sorted(q.received_at for q in rcv.requests)
        # Any 6 requests span at least a second (50 ms of slack for clocks).
        spans = [round(times[i + 5] - times[i], 3) for i in range(len(times) - 5)]
        assert min(spans) >= 0.95, spans
        # Four windows' worth: the limit did not just happen to hold.
        assert times[-1] - times[0] >= 2.9, times
        rows = _deliveries(key, ep["id"])
        assert len(rows) == 20, rows
        assert {(d["status"], d["attempts"]) for d in rows} == {("succeeded", 1)}, rows


def test_rate_limit_validation_and_removal():
    _, key = new_account()
    ep = api("POST", "/webhooks", {"url": "http://127.0.0.1:9/hook", "event_types": [EVENT]},
             key=key).body
    assert ep["rate_limit"] == 0, ep
    for bad in (-1, 10001, "5", 2.5):
        r = api("PUT", "/webhooks/%s" % ep["id"], {"rate_limit": bad}, key=key)
        assert r.status in (400, 422) and r.body["error"]["field"] == "rate_limit", (bad, r)
    r = api("PUT", "/webhooks/%s" % ep["id"], {"rate_limit": 10000}, key=key)
    assert r.status == 200 and r.body["rate_limit"] == 10000, r
    r = api("PUT", "/webhooks/%s" % ep["id"], {"rate_limit": None}, key=key)
    assert r.status == 200 and r.body["rate_limit"] == 0, r
