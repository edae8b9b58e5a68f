"""The runner's retry rules against real receivers: per-endpoint schedules
(explicit and exponential), Retry-After, slow-down on 429, 410 Gone,
dead-lettering, endpoint health (auto-disable, re-enable, recovery) and the
operational events an account can subscribe to."""

import json
import time

import apihelp
from apihelp import endpoint
from hltest import Receiver, api, new_account, run_runner, sql, verify, wait_for, write_config

EVENT = "sms.delivered"
OPS = ["endpoint.disabled", "delivery.exhausted", "endpoint.recovered"]


def publish(key, payload=None, event_type=EVENT):
    return apihelp.publish(key, payload or {"n": 1}, event_type)["id"]


def deliveries(key, endpoint_id):
    r = api("GET", "/webhooks/%s/deliveries" % endpoint_id, key=key)
    assert r.status == 200, r
    return r.body["data"]


def gaps(reqs):
    return [b.received_at - a.received_at for a, b in zip(reqs, reqs[1:])]


def no_jitter():
    return write_config(Delivery_JitterPercent=0)


def test_endpoint_retry_schedule_then_dead():
    _, key = new_account()
    with Receiver(status=500) as rcv, Receiver() as ops:
        ep = endpoint(key, rcv.url, retry_schedule="0,1s,2s")
        assert ep["retry_schedule"] == "0,1s,2s", ep
        endpoint(key, ops.url, event_types=OPS)
        evt = publish(key)
        run_runner("--max-seconds", "5", config=no_jitter())
        reqs = rcv.wait_for_requests(3)
        time.sleep(0.3)
        assert len(rcv.requests) == 3, rcv.requests
        g = gaps(reqs)
        assert 0.8 <= g[0] <= 1.8, g
        assert 1.8 <= g[1] <= 2.8, g
        for req in reqs:
            assert req.headers["webhook-id"] == evt
            verify(ep["secret"], req.headers, req.body)
        d = deliveries(key, ep["id"])[0]
        assert d["status"] == "dead" and d["attempts"] == 3, d
        assert d["next_attempt_at"] is None, d
        r = api("GET", "/webhooks/deliveries/%s" % d["id"], key=key)
        assert [a["response_status"] for a in r.body["attempt_log"]] == [500, 500, 500], r
        # The dead letter is announced to whoever subscribed to it.
        run_runner("--once")
        got = ops.wait_for_requests(1)
        msg = got[0].json()
        assert msg["type"] == "delivery.exhausted", msg
        assert msg["data"]["delivery_id"] == d["id"], msg
        assert msg["data"]["event_id"] == evt, msg
        # A dead delivery can be replayed.
        rcv.set_responses(status=200)
        r = api("POST", "/webhooks/deliveries/%s/retry" % d["id"], key=key)
        assert r.status in (200, 202), r
        run_runner("--once")
        rcv.wait_for_requests(4)
        assert deliveries(key, ep["id"])[0]["status"] == "succeeded"


def test_endpoint_exponential_policy():
    _, key = new_account()
    with Receiver(status=503) as rcv:
        ep = endpoint(key, rcv.url,
                      retry_exponential={"base_seconds": 1, "cap_seconds": 1, "max_attempts": 3})
        assert ep["retry_exponential"] == {"base_seconds": 1, "cap_seconds": 1, "max_attempts": 3}, ep
        publish(key)
        run_runner("--max-seconds", "4", config=no_jitter())
        reqs = rcv.wait_for_requests(3)
        time.sleep(0.3)
        assert len(rcv.requests) == 3, rcv.requests
        for g in gaps(reqs):
            assert 0.8 <= g <= 1.8, gaps(reqs)
        d = deliveries(key, ep["id"])[0]
        assert d["status"] == "dead" and d["attempts"] == 3, d


def test_bad_retry_options_are_rejected():
    _, key = new_account()
    for opts in ({"retry_schedule": "soon"}, {"retry_schedule": ""}, {"retry_schedule": "10s,1m"},
                 {"retry_exponential": {"base_seconds": 0, "cap_seconds": 1, "max_attempts": 2}},
                 {"retry_exponential": {"base_seconds": 1}},
                 {"retry_exponential": {"base_seconds": 60, "cap_seconds": 30, "max_attempts": 3}},
                 {"timeout_ms": 5},
                 {"priority": 1000}):
        body = {"url": "http://127.0.0.1:9/hook", "event_types": [EVENT]}
        body.update(opts)
        r = api("POST", "/webhooks", body, key=key)
        assert r.status in (400, 422), (opts, r)
        assert r.body["error"]["field"] == list(opts)[0], (opts, r)
    assert api("GET", "/webhooks", key=key).body["data"] == []


def test_retry_after_is_honoured():
    _, key = new_account()
    with Receiver(statuses=[503], status=200, headers={"Retry-After": "3"}) as rcv:
        ep = endpoint(key, rcv.url, retry_schedule="0,1s")
        publish(key)
        run_runner("--max-seconds", "5", config=no_jitter())
        reqs = rcv.wait_for_requests(2)
        g = gaps(reqs)
        assert 2.9 <= g[0] <= 4.0, g
        assert deliveries(key, ep["id"])[0]["status"] == "succeeded"


def _next_attempt_in(key, status, retry_after, schedule):
    """Seconds from the first attempt to the next one the runner set, for
    an endpoint answering status with Retry-After: retry_after."""
    with Receiver(status=status, headers={"Retry-After": retry_after}) as rcv:
        ep = endpoint(key, rcv.url, retry_schedule=schedule)
        publish(key)
        before = time.time()
        run_runner("--once", config=no_jitter())
        rcv.wait_for_requests(1)
        (due,) = sql("SELECT UNIX_TIMESTAMP(next_attempt_at) FROM deliveries "
                     "WHERE endpoint_id = '%s'" % ep["id"])[0]
        assert api("DELETE", "/webhooks/%s" % ep["id"], key=key).status == 204
    return float(due) - before


def test_retry_after_on_every_slow_down_status():
    """429, 502, 503 and 504 ask for a pause (../REFERENCE: slow down):
    a Retry-After with any of them sets the next attempt, whatever the
    endpoint's shorter schedule says."""
    _, key = new_account()
    for status in (429, 502, 503, 504):
        wait = _next_attempt_in(key, status, "120", "0,1s")
        assert 119 <= wait <= 130, (status, wait)


def test_retry_after_as_a_date_huge_or_negative():
    """Retry-After as an HTTP date 5 minutes ahead waits 5 minutes; a huge
    number is clamped to 24 h; a negative one is not a delay and leaves
    the schedule (here 10 s) in charge."""
    import email.utils
    _, key = new_account()
    cases = [(email.utils.formatdate(time.time() + 300, usegmt=True), 300),
             ("99999999999999999999999999", 86400), ("-30", 10)]
    for value, want in cases:
        wait = _next_attempt_in(key, 503, value, "0,10s")
        assert want - 3 <= wait <= want + 5, (value, wait)


def test_429_waits_at_least_a_minute():
    _, key = new_account()
    with Receiver(status=429) as rcv:
        ep = endpoint(key, rcv.url, retry_schedule="0,1s")
        publish(key)
        before = time.time()
        run_runner("--once")
        rcv.wait_for_requests(1)
        (due,) = sql("SELECT UNIX_TIMESTAMP(next_attempt_at) FROM deliveries WHERE endpoint_id = '%s'"
                     % ep["id"])[0]
        assert float(due) - before >= 59, (due, before)


def test_410_disables_endpoint_and_reenable_resumes():
    _, key = new_account()
    with Receiver(status=410) as rcv, Receiver() as ops:
        ep = endpoint(key, rcv.url)
        endpoint(key, ops.url, event_types=OPS)
        publish(key)
        run_runner("--once")
        rcv.wait_for_requests(1)
        e = api("GET", "/webhooks/%s" % ep["id"], key=key).body
        assert e["enabled"] is False, e
        assert "410" in e["disabled_reason"], e
        assert deliveries(key, ep["id"])[0]["status"] == "dead"
        # Later events wait while the endpoint is disabled ...
        evt = publish(key, {"n": 2})
        run_runner("--once")
        assert len(rcv.requests) == 1, rcv.requests
        waiting = [d for d in deliveries(key, ep["id"]) if d["event_id"] == evt][0]
        assert waiting["status"] == "paused", waiting
        msg = ops.wait_for_requests(1)[0].json()
        assert msg["type"] == "endpoint.disabled" and msg["data"]["endpoint_id"] == ep["id"], msg
        assert sql("SELECT kind FROM notifications WHERE endpoint_id = '%s'" % ep["id"]) == \
            [["endpoint.disabled"]]
        # ... and go out once it is enabled again.
        rcv.set_responses(status=200)
        r = api("PUT", "/webhooks/%s" % ep["id"], {"enabled": True}, key=key)
        assert r.status == 200 and r.body["enabled"] is True and r.body["disabled_reason"] is None, r
        run_runner("--once")
        reqs = rcv.wait_for_requests(2)
        assert reqs[1].headers["webhook-id"] == evt
        waiting = [d for d in deliveries(key, ep["id"]) if d["event_id"] == evt][0]
        assert waiting["status"] == "succeeded", waiting


def test_failing_endpoint_is_disabled_after_the_configured_period():
    _, key = new_account()
    with Receiver(status=500) as rcv, Receiver() as ops:
        ep = endpoint(key, rcv.url, retry_schedule="0,2s,2s,2s,2s")
        endpoint(key, ops.url, event_types=OPS)
        publish(key)
        cfg = write_config(Delivery_JitterPercent=0, Delivery_DisableAfterSeconds=1)
        run_runner("--max-seconds", "3", config=cfg)
        reqs = rcv.wait_for_requests(2)
        e = api("GET", "/webhooks/%s" % ep["id"], key=key).body
        assert e["enabled"] is False, e
        assert "continuously" in e["disabled_reason"], e
        assert len(reqs) == 2, reqs
        d = deliveries(key, ep["id"])[0]
        assert d["status"] == "paused", d
        run_runner("--once")
        msg = ops.wait_for_requests(1)[0].json()
        assert msg["type"] == "endpoint.disabled", msg
        assert "continuously" in msg["data"]["reason"], msg
        rcv.set_responses(status=200)
        r = api("PUT", "/webhooks/%s" % ep["id"], {"enabled": True}, key=key)
        assert r.status == 200, r
        run_runner("--once")
        rcv.wait_for_requests(3)
        assert deliveries(key, ep["id"])[0]["status"] == "succeeded"


def test_recovery_after_failures_is_announced():
    _, key = new_account()
    with Receiver(statuses=[500, 500, 500], status=200) as rcv, Receiver() as ops:
        ep = endpoint(key, rcv.url, retry_schedule="0,0,0,0")
        endpoint(key, ops.url, event_types=OPS)
        publish(key)
        run_runner("--once")
        rcv.wait_for_requests(4)
        assert deliveries(key, ep["id"])[0]["status"] == "succeeded"
        e = api("GET", "/webhooks/%s" % ep["id"], key=key).body
        assert e["consecutive_failures"] == 0, e
        run_runner("--once")
        msg = ops.wait_for_requests(1)[0].json()
        assert msg["type"] == "endpoint.recovered" and msg["data"]["endpoint_id"] == ep["id"], msg
        assert ["endpoint.recovered"] in sql(
            "SELECT kind FROM notifications WHERE endpoint_id = '%s'" % ep["id"])
