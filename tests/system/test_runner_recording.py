"""What the runner sends and records against real receivers: a 3xx is a
failure and its Location is never followed, the endpoint's total timeout
cuts a slow receiver off (error class timeout, next attempt at least a
minute later), a refused connection is class connect, a failed TLS
handshake class tls, and every attempt stores the response's status,
headers and body up to Delivery.MaxResponseBytes."""

import socket
import time

from apihelp import endpoint, publish
from hltest import RawServer, Receiver, api, new_account, run_runner, sql, write_config


def only_delivery(key, endpoint_id):
    """The endpoint's one delivery with its attempt log."""
    r = api("GET", "/webhooks/%s/deliveries" % endpoint_id, key=key)
    assert r.status == 200 and len(r.body["data"]) == 1, r
    r = api("GET", "/webhooks/deliveries/%s" % r.body["data"][0]["id"], key=key)
    assert r.status == 200, r
    return r.body


def next_attempt_in(endpoint_id):
    """Seconds from now until the endpoint's delivery is due again."""
    (left,) = sql("SELECT TIMESTAMPDIFF(MICROSECOND, NOW(3), next_attempt_at) / 1e6 "
                  "FROM deliveries WHERE endpoint_id = '%s'" % endpoint_id)[0]
    return float(left)


def test_redirect_is_a_failure_and_is_not_followed():
    _, key = new_account()
    with Receiver() as target, Receiver(status=302) as rcv:
        rcv.set_responses(headers={"Location": target.url})
        ep = endpoint(key, rcv.url, retry_schedule="0,1h")
        publish(key, {"n": 1})
        run_runner("--once")
        rcv.wait_for_requests(1)
        time.sleep(0.3)
        assert target.requests == [], target.requests
        d = only_delivery(key, ep["id"])
        assert d["status"] == "pending" and d["attempts"] == 1, d
        (a,) = d["attempt_log"]
        assert a["response_status"] == 302 and a["error_class"] == "http_status", a
        got = {k.lower(): v for k, v in a["response_headers"].items()}
        assert got.get("location") == target.url, a


def test_total_timeout_cuts_off_a_slow_receiver_and_waits_a_minute():
    _, key = new_account()
    with Receiver(delay=3) as rcv:
        ep = endpoint(key, rcv.url, timeout_ms=500, retry_schedule="0,1s")
        assert ep["timeout_ms"] == 500, ep
        publish(key, {"n": 1})
        t = time.time()
        run_runner("--once")
        took = time.time() - t
        rcv.wait_for_requests(1)
        assert took < 2.5, took   # not the receiver's 3 s
        d = only_delivery(key, ep["id"])
        assert d["status"] == "pending" and d["last_error_class"] == "timeout", d
        (a,) = d["attempt_log"]
        assert a["error_class"] == "timeout" and a["response_status"] is None, a
        assert 450 <= a["duration_ms"] < 1500, a
        # The schedule says 1 s; a timeout waits at least a minute.
        assert next_attempt_in(ep["id"]) >= 55, d


def test_refused_connection_is_class_connect():
    _, key = new_account()
    # A port nothing listens on: bind one, note it, close it.
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    ep = endpoint(key, "http://127.0.0.1:%d/hook" % port, retry_schedule="0,1h")
    publish(key, {"n": 1})
    run_runner("--once")
    d = only_delivery(key, ep["id"])
    (a,) = d["attempt_log"]
    assert a["error_class"] == "connect" and a["response_status"] is None, a
    assert a["error_message"], a
    assert d["status"] == "pending" and d["last_error_class"] == "connect", d


def test_failed_tls_handshake_is_class_tls():
    # An https URL on a plain HTTP receiver: the handshake fails.
    _, key = new_account()
    with Receiver() as rcv:
        ep = endpoint(key, "https://127.0.0.1:%d/hook" % rcv.port, retry_schedule="0,1h")
        publish(key, {"n": 1})
        run_runner("--once")
        d = only_delivery(key, ep["id"])
        (a,) = d["attempt_log"]
        assert a["error_class"] == "tls" and a["response_status"] is None, a
        assert d["status"] == "pending" and d["last_error_class"] == "tls", d
        assert rcv.requests == [], rcv.requests


def test_response_status_headers_and_body_are_stored_up_to_the_limit():
    _, key = new_account()
    body = bytes(ord("a") + i % 26 for i in range(100 * 1024))
    with Receiver(status=200, headers={"X-Receiver-Trace": "trace-42",
                                       "Set-Cookie": "session=receiver-secret; HttpOnly",
                                       "X-Echo-Auth": "Bearer echoed-secret",
                                       "WWW-Authenticate": 'Basic realm="hooks"'},
                  body=body) as rcv:
        ep = endpoint(key, rcv.url)
        evt = publish(key, {"n": 1})["id"]
        run_runner("--once", config=write_config(Delivery_MaxResponseBytes=4096))
        req = rcv.wait_for_requests(1)[0]
        d = only_delivery(key, ep["id"])
        assert d["status"] == "succeeded", d
        (a,) = d["attempt_log"]
        assert a["response_status"] == 200 and a["error_class"] is None, a
        got = {k.lower(): v for k, v in a["response_headers"].items()}
        assert got["x-receiver-trace"] == "trace-42", a
        # A session the receiver hands out is a credential: not shown.
        assert got["set-cookie"] == "[redacted]", a
        # Credentials echoed under any name are recognised by their scheme;
        # a challenge names a scheme and holds none, and stays readable.
        assert got["x-echo-auth"] == "[redacted]", a
        assert got["www-authenticate"] == 'Basic realm="hooks"', a
        assert a["response_body"] == body[:4096].decode(), len(a["response_body"] or "")
        # The request as sent: URL and the Standard Webhooks headers.
        assert a["request_url"] == rcv.url, a
        sent = {k.lower(): v for k, v in a["request_headers"].items()}
        assert sent["webhook-id"] == evt == req.headers["webhook-id"], a
        assert sent["webhook-signature"] == req.headers["webhook-signature"], a
        assert a["duration_ms"] >= 0, a


class EndlessBody(RawServer):
    """A receiver that answers 2xx with a body it never finishes: the
    headers announce 100 MB, 100 KiB follow, then nothing for 10 s."""

    def __init__(self, status=200):
        self.status = status
        self.requests = 0
        super().__init__()
        self.url = "http://127.0.0.1:%d/hook" % self.port

    def answer(self, conn):
        conn.recv(65536)
        self.requests += 1
        conn.sendall(b"HTTP/1.1 %d OK\r\nContent-Type: text/plain\r\n"
                     b"Content-Length: 100000000\r\n\r\n" % self.status)
        conn.sendall(b"x" * (100 * 1024))
        time.sleep(10)


def test_accepted_delivery_with_endless_body_succeeds_without_waiting_for_it():
    # The status is the receiver's answer; reading on until the timeout
    # would record an accepted delivery as a timeout and send it again.
    _, key = new_account()
    rcv = EndlessBody()
    try:
        ep = endpoint(key, rcv.url, timeout_ms=3000, retry_schedule="0,1s")
        publish(key, {"n": 1})
        t = time.time()
        run_runner("--once", config=write_config(Delivery_MaxResponseBytes=4096))
        assert time.time() - t < 2.5, time.time() - t
        d = only_delivery(key, ep["id"])
        assert d["status"] == "succeeded" and d["attempts"] == 1, d
        (a,) = d["attempt_log"]
        assert a["response_status"] == 200 and a["error_class"] is None, a
        assert a["response_body"] == "x" * 4096, len(a["response_body"] or "")
        assert a["duration_ms"] < 2000, a
        assert rcv.requests == 1, rcv.requests
    finally:
        rcv.close()


def test_many_long_response_headers_are_capped_and_recorded():
    """A receiver may answer with dozens of long headers (policy headers
    full of URLs, whose slashes JSON escapes): what is kept of them must fit
    the attempt's response_headers column, or the recording transaction
    fails for every attempt in it and the deliveries are sent again when
    their leases expire."""
    _, key = new_account()
    policy = "default-src " + " ".join("https://cdn%d.example.com/a/b/c/" % i for i in range(30))
    headers = {"X-Policy-%02d" % i: policy[:1000] for i in range(60)}
    headers["X-Receiver-Trace"] = "trace-7"
    with Receiver(status=200, headers=headers) as rcv, Receiver() as other:
        ep = endpoint(key, rcv.url, retry_schedule="0,1h")
        ep2 = endpoint(key, other.url, retry_schedule="0,1h")
        publish(key, {"n": 1})
        run_runner("--once", config=write_config(Delivery_LeaseSeconds=5))
        rcv.wait_for_requests(1)
        other.wait_for_requests(1)
        d = only_delivery(key, ep["id"])
        assert d["status"] == "succeeded" and d["attempts"] == 1, d
        (a,) = d["attempt_log"]
        assert a["response_status"] == 200, a
        got = a["response_headers"]
        assert got["x-receiver-trace"] == "trace-7", got
        # Capped: some of the policy headers, each kept whole or not at all.
        kept = [v for k, v in got.items() if k.startswith("x-policy-")]
        assert 0 < len(kept) < 60, len(kept)
        assert all(v == policy[:1000] for v in kept), kept
        assert only_delivery(key, ep2["id"])["status"] == "succeeded"
        run_runner("--once")
        time.sleep(0.3)
        assert len(rcv.requests) == 1 and len(other.requests) == 1, (rcv.requests, other.requests)


def test_retry_after_after_many_headers_is_honoured():
    """Retry-After sets the next attempt wherever it comes in the answer,
    also after the headers the attempt log keeps."""
    _, key = new_account()
    headers = {"X-Filler-%02d" % i: "f" * 10 for i in range(70)}
    headers["Retry-After"] = "600"
    with Receiver(status=503, headers=headers) as rcv:
        ep = endpoint(key, rcv.url, retry_schedule="0,1s")
        publish(key, {"n": 1})
        run_runner("--once", config=write_config(Delivery_JitterPercent=0))
        rcv.wait_for_requests(1)
        d = only_delivery(key, ep["id"])
        assert d["status"] == "pending" and d["last_status_code"] == 503, d
        assert 590 <= next_attempt_in(ep["id"]) <= 605, next_attempt_in(ep["id"])


def test_binary_and_cut_utf8_bodies_are_kept_as_text():
    """The excerpt of a binary answer goes on past its NUL bytes, and bytes
    that are not UTF-8 (also a character cut in two by the limit) are
    stored as '?', never failing the record."""
    _, key = new_account()
    binary = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe tail"
    with Receiver(status=500, body=binary) as bin_rcv, \
            Receiver(status=200, body="é".encode() * 100) as utf_rcv:
        ep_bin = endpoint(key, bin_rcv.url, retry_schedule="0,1h")
        ep_utf = endpoint(key, utf_rcv.url)
        publish(key, {"n": 1})
        run_runner("--once", config=write_config(Delivery_MaxResponseBytes=15))
        (a,) = only_delivery(key, ep_bin["id"])["attempt_log"]
        assert a["response_status"] == 500, a
        assert a["response_body"] == "?PNG\r\n\x1a\n???\rIHD", repr(a["response_body"])
        d = only_delivery(key, ep_utf["id"])
        assert d["status"] == "succeeded", d
        assert d["attempt_log"][0]["response_body"] == "é" * 7 + "?", d["attempt_log"]
