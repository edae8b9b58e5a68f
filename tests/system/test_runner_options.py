"""Per-endpoint delivery options end to end: method, custom headers,
destination authentication, ed25519 v1a signatures, priority and FIFO."""

import base64
import os
import subprocess

from apihelp import endpoint
from hltest import (TMP, Receiver, api, new_account, run_runner, sql, start_runner, verify,
                    write_config)

EVENT = "sms.delivered"


def _publish(key, n=1):
    out = []
    for i in range(n):
        r = api("POST", "/webhooks/publish", {"event_type": EVENT, "payload": {"i": i}}, key=key)
        assert r.status == 202, r
        out.append(r.body["id"])
    return out


def test_put_custom_headers_and_basic_auth():
    _, key = new_account()
    with Receiver() as rcv:
        ep = endpoint(key, rcv.url, method="PUT", headers={"X-Tenant": "acme"},
                       auth={"type": "basic", "username": "hook", "password": "s3cr3t-pw"})
        assert ep["headers"] == {"X-Tenant": "acme"}, ep
        assert ep["auth"] == {"type": "basic"}, ep
        assert "s3cr3t-pw" not in str(api("GET", "/webhooks/%s" % ep["id"], key=key).raw)
        _publish(key)
        run_runner("--once")
        req = rcv.wait_for_requests(1)[0]
        assert req.method == "PUT", req
        assert req.headers["x-tenant"] == "acme", req.headers
        assert req.headers["authorization"] == "Basic " + base64.b64encode(b"hook:s3cr3t-pw").decode()
        verify(ep["secret"], req.headers, req.body)
        dl = api("GET", "/webhooks/%s/deliveries" % ep["id"], key=key).body["data"][0]
        detail = api("GET", "/webhooks/deliveries/%s" % dl["id"], key=key)
        assert "s3cr3t-pw" not in str(detail.raw) and "aG9vazpz" not in str(detail.raw)
        sent = detail.body["attempt_log"][0]["request_headers"]
        assert sent["authorization"] == "[redacted]", sent


def test_bearer_and_custom_header_auth_are_redacted():
    _, key = new_account()
    with Receiver() as a, Receiver() as b:
        endpoint(key, a.url, auth={"type": "bearer", "token": "tok-123"})
        ep = endpoint(key, b.url, auth={"type": "header", "name": "X-Hook-Pass", "value": "pw-9"})
        _publish(key)
        run_runner("--once")
        assert a.wait_for_requests(1)[0].headers["authorization"] == "Bearer tok-123"
        assert b.wait_for_requests(1)[0].headers["x-hook-pass"] == "pw-9"
        dl = api("GET", "/webhooks/%s/deliveries" % ep["id"], key=key).body["data"][0]
        detail = api("GET", "/webhooks/deliveries/%s" % dl["id"], key=key)
        assert "pw-9" not in str(detail.raw), detail


def test_custom_headers_carrying_credentials_are_redacted_in_the_log():
    """Custom headers are sent as set, and the attempt log keeps every
    one of their values redacted: those whose name says credential
    (X-Upstream-Authorization, X-Auth-Key, X-Password ...) or whose value
    is an HTTP authentication scheme, and the plain ones too (a credential
    can hide under any name)."""
    _, key = new_account()
    secret_headers = {
        "X-Upstream-Authorization": "sec-1", "X-Auth-Key": "sec-2", "X-Password": "sec-3",
        "X-Client-Credential": "sec-4", "X-Session-Id": "sec-5", "X-Forward": "Bearer sec-6",
        "X-Relay": "basic c2VjLTc6eA==", "Private-Key-Id": "sec-8",
    }
    plain = {"X-Tenant": "acme", "X-Note": "Bearers are welcome"}
    with Receiver() as rcv:
        ep = endpoint(key, rcv.url, headers=dict(secret_headers, **plain))
        _publish(key)
        run_runner("--once")
        req = rcv.wait_for_requests(1)[0]
        for name, value in dict(secret_headers, **plain).items():
            assert req.headers[name.lower()] == value, (name, req.headers)
        dl = api("GET", "/webhooks/%s/deliveries" % ep["id"], key=key).body["data"][0]
        detail = api("GET", "/webhooks/deliveries/%s" % dl["id"], key=key)
        sent = detail.body["attempt_log"][0]["request_headers"]
        for name in secret_headers:
            assert sent[name] == "[redacted]", (name, sent)
        assert "sec-" not in str(detail.raw) and "c2VjLTc6eA" not in str(detail.raw), detail
        for name in plain:
            assert sent[name] == "[redacted]", (name, sent)
        # Ours stay visible: the receiver compares them with what it got.
        assert sent["webhook-signature"] == req.headers["webhook-signature"], sent
        assert sent["webhook-id"] == req.headers["webhook-id"], sent


def test_bad_headers_and_auth_are_rejected():
    _, key = new_account()
    for opts in ({"headers": {"X-A": "a\r\nX-B: b"}}, {"headers": {"Bad Name": "x"}},
                 {"headers": {"webhook-signature": "v1,x"}}, {"headers": {"X-A": 1}},
                 {"auth": {"type": "basic", "username": "u"}}, {"auth": {"type": "magic"}},
                 {"auth": {"type": "header", "name": "Content-Type", "value": "x"}}):
        body = {"url": "http://127.0.0.1:9/hook", "event_types": [EVENT]}
        body.update(opts)
        r = api("POST", "/webhooks", body, key=key)
        assert r.status in (400, 422), (opts, r)
        assert r.body["error"]["field"] == list(opts)[0], (opts, r)
    assert api("GET", "/webhooks", key=key).body["data"] == []


def test_ed25519_signature_verifies_with_openssl():
    _, key = new_account()
    with Receiver() as rcv:
        ep = endpoint(key, rcv.url, ed25519=True)
        pub = ep["ed25519_public_key"]
        assert pub.startswith("-----BEGIN PUBLIC KEY-----"), ep
        _publish(key)
        run_runner("--once")
        req = rcv.wait_for_requests(1)[0]
        verify(ep["secret"], req.headers, req.body)
        parts = dict(p.split(",", 1) for p in req.headers["webhook-signature"].split(" "))
        assert "v1a" in parts, req.headers
        d = os.path.join(TMP, "ed-%s" % ep["id"])
        os.makedirs(d)
        with open(os.path.join(d, "pub.pem"), "w") as f:
            f.write(pub)
        with open(os.path.join(d, "msg"), "wb") as f:
            f.write(("%s.%s." % (req.headers["webhook-id"], req.headers["webhook-timestamp"])).encode()
                    + req.body)
        with open(os.path.join(d, "sig"), "wb") as f:
            f.write(base64.b64decode(parts["v1a"]))
        cmd = ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", os.path.join(d, "pub.pem"),
               "-rawin", "-in", os.path.join(d, "msg"), "-sigfile", os.path.join(d, "sig")]
        ok = subprocess.run(cmd, capture_output=True, text=True)
        assert ok.returncode == 0, ok.stdout + ok.stderr
        with open(os.path.join(d, "msg"), "ab") as f:
            f.write(b" ")
        bad = subprocess.run(cmd, capture_output=True, text=True)
        assert bad.returncode != 0, "a changed body still verified"
    # true again keeps the key pair (a client sending back what it read);
    # "rotate" makes a new one; false removes it.
    r = api("PUT", "/webhooks/%s" % ep["id"], {"ed25519": True}, key=key)
    assert r.status == 200 and r.body["ed25519_public_key"] == pub, r
    r = api("PUT", "/webhooks/%s" % ep["id"], {"ed25519": "rotate"}, key=key)
    assert r.status == 200 and r.body["ed25519_public_key"] not in (pub, None), r
    r = api("PUT", "/webhooks/%s" % ep["id"], {"ed25519": False}, key=key)
    assert r.status == 200 and r.body["ed25519_public_key"] is None, r


def test_priority_endpoint_is_claimed_first():
    _, key = new_account()
    cfg = write_config(Delivery_Concurrency=1, Delivery_ClaimBatch=1)
    with Receiver() as low, Receiver() as high:
        endpoint(key, low.url)
        endpoint(key, high.url, priority=10)
        _publish(key, 3)
        run_runner("--once", config=cfg)
        lo, hi = low.wait_for_requests(3), high.wait_for_requests(3)
        assert max(q.received_at for q in hi) < min(q.received_at for q in lo), "priority ignored"


def test_fifo_endpoint_waits_for_the_earlier_delivery():
    _, key = new_account()
    with Receiver(statuses=[500], status=200) as rcv:
        ep = endpoint(key, rcv.url, fifo=True, retry_schedule="0,1s,1s")
        assert ep["fifo"] is True, ep
        ids = _publish(key, 3)
        run_runner("--max-seconds", "3", config=write_config(Delivery_JitterPercent=0))
        reqs = rcv.wait_for_requests(4)
        order = [q.headers["webhook-id"] for q in reqs]
        assert order == [ids[0], ids[0], ids[1], ids[2]], order


def test_fifo_a_dead_delivery_retried_while_a_later_one_is_in_flight_waits_for_it():
    """FIFO is one request at a time: a dead delivery sent again by hand
    while a later one is in flight (which it would go before) waits for
    that request to finish instead of going out beside it."""
    _, key = new_account()
    with Receiver(statuses=[500], status=200, delay=2) as rcv:
        ep = endpoint(key, rcv.url, fifo=True, retry_schedule="0")
        first = _publish(key)[0]
        run_runner("--once")
        dead = api("GET", "/webhooks/%s/deliveries" % ep["id"], key=key).body["data"][0]
        assert dead["status"] == "dead", dead
        later = _publish(key)[0]
        proc = start_runner("--max-seconds", "8")
        try:
            rcv.wait_for_requests(2)
            r = api("POST", "/webhooks/deliveries/%s/retry" % dead["id"], key=key)
            assert r.status in (200, 202), r
            reqs = rcv.wait_for_requests(3, timeout=15)
        finally:
            proc.terminate()
            proc.communicate(timeout=30)
        assert [q.headers["webhook-id"] for q in reqs] == [first, later, first], reqs
        # The later request took 2 s to answer: the retry came after it.
        assert reqs[2].received_at - reqs[1].received_at >= 1.9, \
            [q.received_at for q in reqs]


def test_fifo_goes_on_after_a_dead_delivery_and_a_retried_one_goes_first():
    """FIFO: a delivery that went dead no longer holds the queue back (the
    next ones go out in the same run); one sent again by hand goes out
    before the later ones that are still waiting."""
    _, key = new_account()
    with Receiver(statuses=[500, 500, 500], status=200) as rcv:
        ep = endpoint(key, rcv.url, fifo=True, retry_schedule="0")
        ids = _publish(key, 3)
        run_runner("--once")
        order = [q.headers["webhook-id"] for q in rcv.wait_for_requests(3)]
        assert order == ids, order
        rows = {d["event_id"]: d for d in api("GET", "/webhooks/%s/deliveries" % ep["id"],
                                              key=key).body["data"]}
        assert [rows[i]["status"] for i in ids] == ["dead"] * 3, rows
        # Two more, due before the first dead one is sent again (which
        # the claim order alone would put last), wait for it.
        later = _publish(key, 2)
        r = api("POST", "/webhooks/deliveries/%s/retry" % rows[ids[0]]["id"], key=key)
        assert r.status in (200, 202), r
        assert sql("SELECT COUNT(*) FROM deliveries WHERE endpoint_id = '%s' AND status = "
                   "'pending' AND next_attempt_at < (SELECT next_attempt_at FROM deliveries "
                   "WHERE id = '%s')" % (ep["id"], rows[ids[0]]["id"])) == [["2"]]
        run_runner("--once")
        order = [q.headers["webhook-id"] for q in rcv.wait_for_requests(6)]
        assert order[3:] == [ids[0]] + later, order


def test_max_seconds_is_a_plain_number_from_1():
    """--max-seconds '' was read as 0, and 0 claimed deliveries only to
    give them back at once; ' 5' and '+5' were taken too. Each is a usage
    error (exit 2) now, before anything is claimed; --help names every
    option."""
    from hltest import RUNNER, CONFIG
    for value in ("", "0", " 5", "+5", "5s", "86401"):
        p = subprocess.run([RUNNER, "--config", CONFIG, "--max-seconds", value],
                           capture_output=True, text=True, timeout=30)
        assert p.returncode == 2, (value, p.returncode, p.stderr)
        assert "--max-seconds must be 1..86400" in p.stderr, (value, p.stderr)
    p = subprocess.run([RUNNER, "--help"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p
    for option in ("--config", "--once", "--max-seconds", "--account", "--version", "--help"):
        assert option in p.stdout, (option, p.stdout)
