"""OAuth 2.0 client-credentials destination authentication against a
token server in this file: one token for many deliveries, shared through
the database cache, fetched again after expiry or a 401, and a refused
client recorded as an attempt of class auth."""

import base64
import http.server
import threading
import time
import urllib.parse

from hltest import (LocalServer, RawServer, Receiver, api, new_account, run_runner, send_json,
                    start_runner, write_config)

EVENT = "sms.delivered"
CLIENT_ID = "hook-client"
CLIENT_SECRET = "cs-7f3a-very-secret"


class TokenServer(LocalServer):
    """Counts token requests; answers tok-1, tok-2 ... for the right client
    (HTTP Basic) and grant, 401 otherwise."""

    def __init__(self, expires_in=3600, delay=0, padding=0):
        self.requests = []
        self.expires_in = expires_in
        self.delay = delay
        self.padding = padding  # bytes of an extra member in each answer
        self.lock = threading.Lock()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                form = urllib.parse.parse_qs(body)
                auth = self.headers.get("Authorization", "")
                ok = False
                if auth.startswith("Basic "):
                    user, _, pw = base64.b64decode(auth[6:]).decode().partition(":")
                    ok = (urllib.parse.unquote_plus(user) == CLIENT_ID
                          and urllib.parse.unquote_plus(pw) == CLIENT_SECRET)
                ok = ok and form.get("grant_type") == ["client_credentials"]
                ok = ok and self.headers.get("Content-Type") == "application/x-www-form-urlencoded"
                with server.lock:
                    server.requests.append((self.path, form, ok))
                    n = len(server.requests)
                time.sleep(server.delay)
                if ok:
                    answer = {"access_token": "tok-%d" % n, "token_type": "Bearer",
                              "expires_in": server.expires_in}
                    if server.padding:
                        answer["padding"] = "x" * server.padding
                    send_json(self, 200, answer)
                else:
                    send_json(self, 401, {"error": "invalid_client"})

            def log_message(self, *args):
                pass

        self._serve(Handler)
        self.url = "http://127.0.0.1:%d/oauth/token" % self.port


class SilentTokenServer(RawServer):
    """A token endpoint that accepts connections and never answers: each
    is held open until the server is closed."""

    def __init__(self):
        super().__init__()
        self.closed = threading.Event()
        self.url = "http://127.0.0.1:%d/never" % self.port

    def answer(self, conn):
        self.closed.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.closed.set()
        self.close()


def _endpoint(key, url, token_url, secret=CLIENT_SECRET, **opts):
    body = {"url": url, "event_types": [EVENT],
            "auth": {"type": "oauth2", "token_url": token_url, "client_id": CLIENT_ID,
                     "client_secret": secret, "scope": "webhooks:write"}}
    body.update(opts)
    r = api("POST", "/webhooks", body, key=key)
    assert r.status == 201, r
    return r.body


def _publish(key, n=1):
    for i in range(n):
        r = api("POST", "/webhooks/publish", {"event_type": EVENT, "payload": {"i": i}}, key=key)
        assert r.status == 202, r


def _deliveries(key, ep_id):
    return api("GET", "/webhooks/%s/deliveries" % ep_id, key=key).body["data"]


def test_one_token_serves_many_deliveries_and_is_never_shown():
    slug, key = new_account()
    with TokenServer() as ts, Receiver() as rcv:
        ep = _endpoint(key, rcv.url, ts.url)
        assert ep["auth"] == {"type": "oauth2", "token_url": ts.url, "client_id": CLIENT_ID,
                              "scope": "webhooks:write"}, ep["auth"]
        shown = api("GET", "/webhooks/%s" % ep["id"], key=key)
        assert CLIENT_SECRET not in str(shown.raw) and shown.body["auth"] == ep["auth"], shown
        _publish(key, 2)
        run_runner("--once", "--account", slug)
        reqs = rcv.wait_for_requests(2)
        assert [q.headers["authorization"] for q in reqs] == ["Bearer tok-1"] * 2, reqs
        assert len(ts.requests) == 1 and ts.requests[0][2], ts.requests
        assert ts.requests[0][1].get("scope") == ["webhooks:write"], ts.requests
        # Another run (a runner of its own) finds the cached token.
        _publish(key, 1)
        run_runner("--once", "--account", slug)
        assert rcv.wait_for_requests(3)[2].headers["authorization"] == "Bearer tok-1"
        assert len(ts.requests) == 1, ts.requests
        # A test send uses the same path (and the cache).
        t = api("POST", "/webhooks/%s/test" % ep["id"], {"event_type": EVENT}, key=key)
        assert t.status == 200 and t.body["success"], t
        assert t.body["request"]["headers"]["authorization"] == "[redacted]", t.body
        assert rcv.wait_for_requests(4)[3].headers["authorization"] == "Bearer tok-1"
        assert len(ts.requests) == 1, ts.requests
        detail = api("GET", "/webhooks/deliveries/%s" % _deliveries(key, ep["id"])[0]["id"],
                     key=key)
        assert "tok-1" not in str(detail.raw) and CLIENT_SECRET not in str(detail.raw), detail
        assert detail.body["attempt_log"][0]["request_headers"]["authorization"] == "[redacted]"


def test_a_huge_expires_in_is_a_long_life_not_an_overflow():
    """expires_in is the token server's number: one far too large (here
    the largest JSON integer json-c keeps) is a long-lived token, cached
    and used by the next run, not an overflow that leaves it uncached."""
    slug, key = new_account()
    with TokenServer(expires_in=9223372036854775807) as ts, Receiver() as rcv:
        ep = _endpoint(key, rcv.url, ts.url)
        _publish(key, 1)
        run_runner("--once", "--account", slug)
        _publish(key, 1)
        run_runner("--once", "--account", slug)
        reqs = rcv.wait_for_requests(2)
        assert [q.headers["authorization"] for q in reqs] == ["Bearer tok-1"] * 2, reqs
        assert len(ts.requests) == 1, ts.requests
        assert {d["status"] for d in _deliveries(key, ep["id"])} == {"succeeded"}


def test_token_answer_is_read_whole_whatever_the_response_excerpt():
    # Delivery.MaxResponseBytes is the excerpt kept of delivery answers; the
    # token endpoint's JSON must still be read whole.
    slug, key = new_account()
    with TokenServer() as ts, Receiver() as rcv:
        ep = _endpoint(key, rcv.url, ts.url)
        _publish(key)
        run_runner("--once", "--account", slug, config=write_config(Delivery_MaxResponseBytes=16))
        assert rcv.wait_for_requests(1)[0].headers["authorization"] == "Bearer tok-1"
        assert _deliveries(key, ep["id"])[0]["status"] == "succeeded"


def test_token_answer_over_64_kib_is_an_auth_failure_that_says_so():
    slug, key = new_account()
    with TokenServer(padding=70000) as ts, Receiver() as rcv:
        ep = _endpoint(key, rcv.url, ts.url, retry_schedule="0,1h")
        _publish(key)
        run_runner("--once", "--account", slug)
        assert len(ts.requests) == 1 and rcv.requests == [], (ts.requests, rcv.requests)
        (d,) = _deliveries(key, ep["id"])
        assert d["status"] == "pending" and d["last_error_class"] == "auth", d
        att = api("GET", "/webhooks/deliveries/%s" % d["id"], key=key).body["attempt_log"][0]
        assert "larger than 65536 bytes" in att["error_message"], att


def test_expired_token_is_fetched_again():
    slug, key = new_account()
    with TokenServer(expires_in=1) as ts, Receiver() as rcv:
        _endpoint(key, rcv.url, ts.url)
        _publish(key)
        run_runner("--once", "--account", slug)
        assert rcv.wait_for_requests(1)[0].headers["authorization"] == "Bearer tok-1"
        time.sleep(1.2)
        _publish(key)
        run_runner("--once", "--account", slug)
        assert rcv.wait_for_requests(2)[1].headers["authorization"] == "Bearer tok-2"
        assert len(ts.requests) == 2, ts.requests


def test_401_drops_the_token_and_the_next_attempt_fetches_a_new_one():
    slug, key = new_account()
    with TokenServer() as ts, Receiver(statuses=[401]) as rcv:
        ep = _endpoint(key, rcv.url, ts.url, retry_schedule="0,1h")
        _publish(key)
        run_runner("--once", "--account", slug)
        assert rcv.wait_for_requests(1)[0].headers["authorization"] == "Bearer tok-1"
        dl = _deliveries(key, ep["id"])[0]
        assert (dl["status"], dl["last_status_code"]) == ("pending", 401), dl
        r = api("POST", "/webhooks/deliveries/%s/retry" % dl["id"], key=key)
        assert r.status in (200, 202), r
        run_runner("--once", "--account", slug)
        assert rcv.wait_for_requests(2)[1].headers["authorization"] == "Bearer tok-2"
        assert len(ts.requests) == 2, ts.requests
        assert _deliveries(key, ep["id"])[0]["status"] == "succeeded"


def test_runners_missing_the_cache_together_fetch_one_token():
    # Two runners claim deliveries of the same endpoint at the same moment
    # while the token endpoint takes 0.5 s: one asks, the other waits for
    # its token instead of asking too.
    slug, key = new_account()
    with TokenServer(delay=0.5) as ts, Receiver() as rcv:
        ep = _endpoint(key, rcv.url, ts.url)
        _publish(key, 20)
        cfg = write_config(Delivery_ClaimBatch=5)
        runners = [start_runner("--once", "--account", slug, config=cfg) for _ in range(2)]
        for p in runners:
            _, err = p.communicate(timeout=60)
            assert p.returncode == 0, err
        reqs = rcv.wait_for_requests(20)
        used = {q.headers["authorization"] for q in reqs}
        assert used == {"Bearer tok-1"}, (used, ts.requests)
        assert len(ts.requests) == 1, ts.requests
        assert all(d["status"] == "succeeded" for d in _deliveries(key, ep["id"]))


def test_a_token_endpoint_that_never_answers_delays_only_its_own_deliveries():
    # Endpoint A's token server accepts and never answers (timeout_ms 3000);
    # endpoint B is a plain receiver, endpoint C another OAuth endpoint whose
    # token server answers. B's and C's deliveries, claimed in the same batch
    # as A's, go out at once, not after A's token timeout.
    slug, key = new_account()
    with SilentTokenServer() as ts, TokenServer() as ts_c, Receiver() as slow, \
            Receiver() as plain, Receiver() as rcv_c:
        a = _endpoint(key, slow.url, ts.url, timeout_ms=3000, retry_schedule="0,1h")
        r = api("POST", "/webhooks", {"url": plain.url, "event_types": ["sms.sent"]}, key=key)
        assert r.status == 201, r
        b = r.body
        c = _endpoint(key, rcv_c.url, ts_c.url, event_types=["sms.sent"])
        _publish(key, 1)
        r = api("POST", "/webhooks/publish", {"event_type": "sms.sent", "payload": {}}, key=key)
        assert r.status == 202, r
        t0 = time.time()
        p = start_runner("--once", "--account", slug)
        plain.wait_for_requests(1, timeout=10)
        took = time.time() - t0
        assert rcv_c.wait_for_requests(1, timeout=10)[0].headers["authorization"] == "Bearer tok-1"
        took_c = time.time() - t0
        _, err = p.communicate(timeout=60)
        assert p.returncode == 0, err
        assert took < 2.0 and took_c < 2.0, (took, took_c, err)
        assert _deliveries(key, c["id"])[0]["status"] == "succeeded"
        assert slow.requests == [] and ts.connections >= 1, (slow.requests, ts.connections)
        assert _deliveries(key, b["id"])[0]["status"] == "succeeded"
        (d,) = _deliveries(key, a["id"])
        assert d["status"] == "pending" and d["last_error_class"] == "auth", d
        att = api("GET", "/webhooks/deliveries/%s" % d["id"], key=key).body["attempt_log"][0]
        assert "token request failed" in att["error_message"], att
        assert "timed out" in att["error_message"].lower(), att


def test_sigterm_gives_back_a_delivery_waiting_for_its_token():
    # A delivery whose token request is still unanswered was never sent:
    # SIGTERM gives it back to the queue at once (no attempt), the runner
    # does not wait for the token endpoint's timeout.
    slug, key = new_account()
    with SilentTokenServer() as ts, Receiver() as rcv:
        ep = _endpoint(key, rcv.url, ts.url, timeout_ms=20000)
        _publish(key, 1)
        p = start_runner("--max-seconds", "30", "--account", slug)
        deadline = time.time() + 10
        while not ts.connections and time.time() < deadline:
            time.sleep(0.05)
        assert ts.connections, "no token request"
        t0 = time.time()
        p.terminate()
        _, err = p.communicate(timeout=30)
        assert p.returncode == 0, err
        assert time.time() - t0 < 5, err
        assert "released 1 requests waiting for an OAuth token" in err, err
        (d,) = _deliveries(key, ep["id"])
        assert (d["status"], d["attempts"]) == ("pending", 0), d
        assert rcv.requests == []


def test_refused_client_is_an_auth_attempt_without_secrets():
    slug, key = new_account()
    with TokenServer() as ts, Receiver() as rcv:
        ep = _endpoint(key, rcv.url, ts.url, secret="wrong-secret-123", retry_schedule="0,1h")
        _publish(key, 3)
        run_runner("--once", "--account", slug)
        # One refusal is remembered: the other two deliveries (and other
        # runners) do not ask the token endpoint again.
        assert len(ts.requests) == 1 and not ts.requests[0][2], ts.requests
        assert rcv.requests == []
        dls = _deliveries(key, ep["id"])
        assert [(d["status"], d["attempts"], d["last_error_class"]) for d in dls] == \
            [("pending", 1, "auth")] * 3, dls
        for dl in dls:
            detail = api("GET", "/webhooks/deliveries/%s" % dl["id"], key=key)
            att = detail.body["attempt_log"][0]
            assert att["error_class"] == "auth" and "401" in att["error_message"], att
            assert "wrong-secret-123" not in str(detail.raw), detail
        # A test send shows the same failure, and sends nothing.
        t = api("POST", "/webhooks/%s/test" % ep["id"], {"event_type": EVENT}, key=key)
        assert t.status == 200 and t.body["error_class"] == "auth", t
        assert rcv.requests == [] and "wrong-secret-123" not in str(t.raw)
        assert len(ts.requests) == 1, ts.requests
        # Fixing the credentials forgets the refusal: the retry fetches.
        r = api("PUT", "/webhooks/%s" % ep["id"], {"auth": {
            "type": "oauth2", "token_url": ts.url, "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET, "scope": "webhooks:write"}}, key=key)
        assert r.status == 200, r
        r = api("POST", "/webhooks/deliveries/%s/retry" % dls[0]["id"], key=key)
        assert r.status in (200, 202), r
        run_runner("--once", "--account", slug)
        # (The token server numbers its answers: the refusal was the first.)
        assert rcv.wait_for_requests(1)[0].headers["authorization"] == "Bearer tok-2"
        assert len(ts.requests) == 2 and ts.requests[1][2], ts.requests


def test_bad_oauth2_settings_are_rejected():
    _, key = new_account()
    good = {"type": "oauth2", "token_url": "https://auth.example.com/token",
            "client_id": "c", "client_secret": "s"}
    for bad in ({k: v for k, v in good.items() if k != "client_secret"},
                {k: v for k, v in good.items() if k != "token_url"},
                dict(good, token_url="ftp://auth.example.com/token"),
                dict(good, scope=5), dict(good, client_id="a\nb")):
        r = api("POST", "/webhooks", {"url": "http://127.0.0.1:9/hook", "event_types": [EVENT],
                                      "auth": bad}, key=key)
        assert r.status in (400, 422) and r.body["error"]["field"] == "auth", (bad, r)
    assert api("GET", "/webhooks", key=key).body["data"] == []
