"""What happens to claimed deliveries when something changes around them:
requests waiting for a connection, an endpoint deleted or disabled while
its request is in flight, a token server that answers nonsense, an
endpoint enabled again after the health rule disabled it, the longest
credentials the API takes."""

import base64
import http.server

from apihelp import endpoint, publish
from hltest import (LocalServer, Receiver, api, new_account, run_runner, send_json, sql,
                    start_runner, write_config)


def _deliveries(key, wh):
    return api("GET", "/webhooks/%s/deliveries" % wh, key=key).body["data"]


def _attempts(dlv):
    return sql("SELECT attempt_no, IFNULL(response_status, 0), IFNULL(error_class, '') "
               "FROM delivery_attempts WHERE delivery_id = '%s' ORDER BY attempt_no" % dlv)


def test_requests_waiting_for_a_connection_do_not_time_out():
    """curl counts the time a transfer waits for a host connection against
    its timeout: ten requests over one connection to a receiver taking
    0.5 s each would time out from the fourth on (1.5 s timeout) had they
    all been handed to curl at once. They are sent one after the other,
    each with the whole timeout, and all succeed at the first attempt."""
    slug, key = new_account()
    cfg = write_config(Delivery_PerHostConnections=1, Delivery_Concurrency=8,
                       Delivery_TimeoutMs=1500)
    with Receiver(delay=0.5, keep_alive=True) as rcv:
        wh = endpoint(key, rcv.url)["id"]
        for i in range(10):
            publish(key, {"i": i})
        run_runner("--once", "--account", slug, config=cfg)
        assert len(rcv.requests) == 10, rcv.requests
        ds = _deliveries(key, wh)
        assert [(d["status"], d["attempts"]) for d in ds] == [("succeeded", 1)] * 10, ds
        # Signed when sent, not when claimed: each timestamp is the
        # second the receiver got it in (or the one before).
        for q in rcv.requests:
            assert 0 <= q.received_at - int(q.headers["webhook-timestamp"]) < 2, q.headers


def test_a_deleted_endpoint_does_not_cost_the_others_their_record():
    """Endpoint A is deleted while its request is in flight (its delivery
    goes with it): B's answer, recorded in the same transaction, is kept,
    and B's delivery is not sent again."""
    slug, key = new_account()
    with Receiver(delay=1.5) as a, Receiver(delay=1.5) as b:
        wa = endpoint(key, a.url)["id"]
        wb = endpoint(key, b.url)["id"]
        publish(key, {"n": 1})
        p = start_runner("--max-seconds", "6", "--account", slug)
        a.wait_for_requests(1)
        b.wait_for_requests(1)
        assert api("DELETE", "/webhooks/%s" % wa, key=key).status == 204
        out, err = p.communicate(timeout=30)
        assert p.returncode == 0, err
        assert "could not record" not in err, err
        assert "was deleted while in flight" in err, err
        ds = _deliveries(key, wb)
        assert [(d["status"], d["attempts"]) for d in ds] == [("succeeded", 1)], ds
        assert _attempts(ds[0]["id"]) == [["1", "200", ""]]
        assert len(b.requests) == 1, b.requests


def test_an_endpoint_disabled_in_flight_is_not_sent_to_again():
    """Disabled while a failing request is in flight: the failure makes the
    delivery due again, but it is paused with its endpoint, not sent; a
    single retry while disabled pauses too; enabling sends it."""
    slug, key = new_account()
    with Receiver(statuses=[500], delay=1.5) as rcv:
        wh = endpoint(key, rcv.url, retry_schedule="0,0,0,0")["id"]
        publish(key, {"n": 1})
        p = start_runner("--max-seconds", "5", "--account", slug)
        rcv.wait_for_requests(1)
        assert api("POST", "/webhooks/%s/disable" % wh, key=key).status == 200
        out, err = p.communicate(timeout=30)
        assert p.returncode == 0, err
        assert len(rcv.requests) == 1, rcv.requests
        d = _deliveries(key, wh)[0]
        assert (d["status"], d["attempts"]) == ("paused", 1), d
        # Dead, then retried by hand while the endpoint is still disabled.
        sql("UPDATE deliveries SET status = 'dead' WHERE id = '%s'" % d["id"])
        r = api("POST", "/webhooks/deliveries/%s/retry" % d["id"], key=key)
        assert r.status in (200, 202), r
        assert _deliveries(key, wh)[0]["status"] == "paused"
        run_runner("--once", "--account", slug)
        assert len(rcv.requests) == 1, rcv.requests
        assert api("POST", "/webhooks/%s/enable" % wh, key=key).status == 200
        run_runner("--once", "--account", slug)
        assert len(rcv.requests) == 2, rcv.requests
        assert _deliveries(key, wh)[0]["status"] == "succeeded"


class OddTokenServer(LocalServer):
    """A token endpoint that answers 200 with the given JSON."""

    def __init__(self, answer):
        self.hits = 0
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                server.hits += 1
                send_json(self, 200, answer)

            def log_message(self, *args):
                pass

        self._serve(Handler)
        self.url = "http://127.0.0.1:%d/token" % self.port


def test_a_token_answer_without_a_usable_type_is_an_auth_failure():
    """token_type null (or not a string, or not bearer), or a token with
    a space in it, is refused as class auth; the runner goes on (it
    crashed on the null)."""
    slug, key = new_account()
    answers = ({"access_token": "abc", "token_type": None},
               {"access_token": "abc", "token_type": 7},
               {"access_token": "abc", "token_type": "mac"},
               {"access_token": "a b", "token_type": "bearer"})
    with Receiver() as rcv:
        for answer in answers:
            with OddTokenServer(answer) as ts:
                wh = endpoint(key, rcv.url, retry_schedule="0,1h",
                              auth={"type": "oauth2", "token_url": ts.url, "client_id": "c",
                                    "client_secret": "s"})["id"]
                publish(key, {"answer": repr(answer)})
                proc = run_runner("--once", "--account", slug, check=False)
                assert proc.returncode == 0, (answer, proc.returncode, proc.stderr)
                assert ts.hits >= 1
                d = _deliveries(key, wh)[0]
                assert d["status"] == "pending" and d["attempts"] == 1, (answer, d)
                assert _attempts(d["id"]) == [["1", "0", "auth"]], answer
                assert api("DELETE", "/webhooks/%s" % wh, key=key).status == 204
        assert rcv.requests == []


def test_reenabled_endpoint_starts_a_new_failure_run():
    """Disabled by the health rule, enabled again: its next failure is the
    first of a new run, not the continuation of the old one."""
    slug, key = new_account()
    cfg = write_config(Delivery_JitterPercent=0, Delivery_DisableAfterSeconds=2)
    with Receiver(status=500) as rcv:
        wh = endpoint(key, rcv.url, retry_schedule="0,3s,3s")["id"]
        publish(key, {"n": 1})
        run_runner("--max-seconds", "4", "--account", slug, config=cfg)
        e = api("GET", "/webhooks/%s" % wh, key=key).body
        assert e["enabled"] is False and "continuously" in e["disabled_reason"], e
        for enable in (lambda: api("POST", "/webhooks/%s/enable" % wh, key=key),
                       lambda: api("PUT", "/webhooks/%s" % wh, {"enabled": True}, key=key)):
            assert enable().status == 200
            assert sql("SELECT consecutive_failures, first_failure_at IS NULL FROM endpoints "
                       "WHERE id = '%s'" % wh) == [["0", "1"]]
            publish(key, {"n": 2})
            before = len(rcv.requests)
            run_runner("--once", "--account", slug, config=cfg)
            assert len(rcv.requests) > before
            e = api("GET", "/webhooks/%s" % wh, key=key).body
            assert e["enabled"] is True and e["consecutive_failures"] >= 1, e
            assert api("POST", "/webhooks/%s/disable" % wh, key=key).status == 200


def test_the_longest_basic_credentials_are_sent():
    """The API takes a username and a password of 1024 characters each;
    the runner's header has room for both (it refused them, and the
    delivery went round claim and release without a trace)."""
    slug, key = new_account()
    user, password = "u" * 1024, "p" * 1024
    with Receiver() as rcv:
        wh = endpoint(key, rcv.url, auth={"type": "basic", "username": user,
                                          "password": password})["id"]
        publish(key, {"n": 1})
        run_runner("--once", "--account", slug)
        got = rcv.wait_for_requests(1)[0].headers["authorization"]
        assert got == "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
        assert _deliveries(key, wh)[0]["status"] == "succeeded"
