"""Several runners and dying runners: exactly-once when nothing fails,
nothing lost on SIGKILL (same webhook-id again after the lease expires),
SIGTERM finishes what is in flight and gives back what is not; the
connection caps hold and connections are reused."""

import collections
import os
import signal
import time

from hltest import (Receiver, api, ctl_publish, new_account, run_runner, sql, start_runner,
                    verify, write_config)

EVENT = "sms.delivered"


def _setup(slug, key, rcv, n):
    r = api("POST", "/webhooks", {"url": rcv.url, "event_types": [EVENT]}, key=key)
    assert r.status == 201, r
    ep = r.body
    ids = []
    # hooklinectl publishes through the same core path without the API's
    # per-key rate limit of the test configuration.
    for i in range(n):
        out = ctl_publish(slug, EVENT, {"i": i})
        assert out["deliveries"] == 1, out
        ids.append(out["id"])
    return ep, ids



def _statuses(key, ep):
    rows, it = [], None
    while True:
        path = "/webhooks/%s/deliveries?limit=250" % ep["id"]
        if it:
            path += "&iterator=" + it
        body = api("GET", path, key=key).body
        rows += body["data"]
        if body["done"]:
            return rows
        it = body["iterator"]


def test_two_runners_deliver_each_event_exactly_once():
    slug, key = new_account()
    with Receiver() as rcv:
        ep, ids = _setup(slug, key, rcv, 200)
        procs = [start_runner("--once", "--account", slug), start_runner("--once", "--account", slug)]
        for p in procs:
            out, err = p.communicate(timeout=120)
            assert p.returncode == 0, err
        rcv.wait_for_requests(200, timeout=30)
        time.sleep(0.5)
        counts = collections.Counter(q.headers["webhook-id"] for q in rcv.requests)
        assert set(counts) == set(ids), (len(counts), len(ids))
        dup = [k for k, c in counts.items() if c != 1]
        assert not dup, dup
        for q in rcv.requests[:5]:
            verify(ep["secret"], q.headers, q.body)
        assert all(d["status"] == "succeeded" and d["attempts"] == 1 for d in _statuses(key, ep))


def test_sigkill_mid_batch_loses_nothing():
    slug, key = new_account()
    cfg = write_config(Delivery_LeaseSeconds=5)
    with Receiver(delay=2) as rcv:
        ep, ids = _setup(slug, key, rcv, 6)
        p = start_runner("--max-seconds", "30", "--account", slug, config=cfg)
        rcv.wait_for_requests(1, timeout=10)
        os.kill(p.pid, signal.SIGKILL)
        p.wait(timeout=10)
        first = {q.headers["webhook-id"] for q in rcv.requests}
        assert first, "nothing was in flight"
        sending = [d for d in _statuses(key, ep) if d["status"] in ("sending", "pending")]
        assert len(sending) == 6, sending
        rcv.set_responses(delay=0)
        time.sleep(5.5)   # the dead runner's lease expires
        run_runner("--once", "--account", slug, config=cfg)
        time.sleep(0.3)
        counts = collections.Counter(q.headers["webhook-id"] for q in rcv.requests)
        assert set(counts) == set(ids), counts
        # What the killed runner had sent went out again under the same id.
        assert all(counts[i] >= 2 for i in first), (first, counts)
        assert all(d["status"] == "succeeded" for d in _statuses(key, ep))


def test_sigterm_finishes_in_flight_and_releases_the_rest():
    slug, key = new_account()
    cfg = write_config(Delivery_PerHostConnections=1, Delivery_Concurrency=8)
    with Receiver(delay=2) as rcv:
        ep, ids = _setup(slug, key, rcv, 4)
        p = start_runner("--max-seconds", "30", "--account", slug, config=cfg)
        rcv.wait_for_requests(1, timeout=10)
        sent_at = time.time()
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=15)
        assert p.returncode == 0, err
        assert time.time() - sent_at < 5, "runner took too long to stop"
        assert "released 3" in err, err
        rows = _statuses(key, ep)
        done = [d for d in rows if d["status"] == "succeeded"]
        back = [d for d in rows if d["status"] == "pending"]
        assert len(done) == 1 and len(back) == 3, rows
        assert all(d["attempts"] == 0 for d in back), back
        assert len(rcv.requests) == 1, rcv.requests
        rcv.set_responses(delay=0)
        run_runner("--once", "--account", slug, config=cfg)
        counts = collections.Counter(q.headers["webhook-id"] for q in rcv.requests)
        assert set(counts) == set(ids) and max(counts.values()) == 1, counts


def _most_at_once(reqs, delay):
    """The most requests a receiver answering after delay s had open at
    once (from arrival times, with 50 ms of slack)."""
    starts = sorted(q.received_at for q in reqs)
    return max(sum(1 for s in starts if t - delay + 0.05 < s <= t) for t in starts)


def test_connection_caps_and_reuse():
    # Delivery.PerHostConnections per receiver, Delivery.Concurrency in all,
    # and kept-alive connections reused rather than one per request.
    slug, key = new_account()
    cfg = write_config(Delivery_PerHostConnections=2, Delivery_Concurrency=3)
    delay = 0.3
    with Receiver(delay=delay, keep_alive=True) as a, Receiver(delay=delay, keep_alive=True) as b:
        r = api("POST", "/webhooks", {"url": a.url, "event_types": [EVENT]}, key=key)
        assert r.status == 201, r
        for i in range(8):
            assert ctl_publish(slug, EVENT, {"i": i})["deliveries"] == 1
        run_runner("--once", "--account", slug, config=cfg)
        assert len(a.requests) == 8, a.requests
        assert _most_at_once(a.requests, delay) == 2, a.requests
        peers = {q.peer for q in a.requests}
        assert len(peers) == 2, peers   # 8 requests over 2 connections
        # Two receivers: 2 each at most, 3 in all.
        r = api("POST", "/webhooks", {"url": b.url, "event_types": [EVENT]}, key=key)
        assert r.status == 201, r
        for i in range(8):
            assert ctl_publish(slug, EVENT, {"i": i})["deliveries"] == 2
        run_runner("--once", "--account", slug, config=cfg)
        second = a.requests[8:]
        assert len(second) == 8 and len(b.requests) == 8, (second, b.requests)
        assert _most_at_once(second, delay) <= 2 and _most_at_once(b.requests, delay) <= 2
        both = second + b.requests
        assert _most_at_once(both, delay) == 3, sorted(q.received_at for q in both)


def test_a_runner_does_not_take_back_its_own_expired_leases():
    """A lease that ran out while its runner still holds the transfer
    (its renewal waited for a MariaDB that was away; here it is made to
    run out by hand) is left to other runners. Taken back by the same
    runner, the delivery was claimed and sent a second time under the
    same owner, and the first attempt's record passed the second claim's
    compare-and-set. The receiver answers after 7 s; runners take back
    expired leases every 5 s."""
    slug, key = new_account()
    with Receiver(delay=7.0) as rcv:
        r = api("POST", "/webhooks", {"url": rcv.url, "event_types": [EVENT]}, key=key)
        assert r.status == 201, r
        ep = r.body["id"]
        ctl_publish(slug, EVENT, {"n": 1})
        runner = start_runner("--max-seconds", "12", "--account", slug)
        try:
            rcv.wait_for_requests(1, timeout=30)
            sql("UPDATE deliveries SET lease_expires_at = NOW(3) - INTERVAL 1 SECOND "
                "WHERE endpoint_id = '%s' AND status = 'sending'" % ep)
            runner.wait(timeout=60)
        finally:
            if runner.poll() is None:
                runner.kill()
        assert len(rcv.requests) == 1, rcv.requests
    r = api("GET", "/webhooks/%s/deliveries" % ep, key=key)
    d = r.body["data"][0]
    assert d["status"] == "succeeded" and d["attempts"] == 1, d
