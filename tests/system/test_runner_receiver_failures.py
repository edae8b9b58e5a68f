"""Receivers that fail in the ways networks do, all in one run of the
runner beside a healthy one: a name that does not resolve (class dns), a
TLS server whose certificate is self-signed (class tls), one that
accepts and never answers and one that sends its status line a byte at
a time (class timeout, cut off at the endpoint's total timeout), one
that closes in the middle of its body (class network). Each is a failed
attempt retried on the schedule, and none of them holds up the healthy
endpoint's delivery: the multi loop keeps going."""

import os
import socket
import ssl
import subprocess
import time

from apihelp import endpoint, publish
from hltest import TMP, RawServer, Receiver, api, new_account, start_runner, wait_for

TIMEOUT_MS = 3000


class FailingServer(RawServer):
    """Hands each connection to how(conn), over TLS when tls is given."""

    def __init__(self, how, tls=None):
        self.how, self.tls = how, tls
        super().__init__()

    def answer(self, conn):
        if not self.tls:
            self.how(conn)
            return
        # The TLS socket takes the connection over: it is the one to close.
        with self.tls.wrap_socket(conn, server_side=True) as tls_conn:
            self.how(tls_conn)


def never_answers(conn):
    conn.recv(65536)
    time.sleep(TIMEOUT_MS / 1000 + 5)


def one_byte_at_a_time(conn):
    conn.recv(65536)
    for b in b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Slow: " + b"y" * 200:
        conn.sendall(bytes([b]))
        time.sleep(0.05)


def closes_mid_body(conn):
    conn.recv(65536)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n"
                 b"only part of it")
    conn.shutdown(socket.SHUT_RDWR)


def self_signed_context():
    cert, key = os.path.join(TMP, "selfsigned.pem"), os.path.join(TMP, "selfsigned.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", cert],
                   check=True, capture_output=True)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return ctx


def delivery_of(key, endpoint_id):
    r = api("GET", "/webhooks/%s/deliveries" % endpoint_id, key=key)
    assert r.status == 200 and len(r.body["data"]) == 1, r
    return api("GET", "/webhooks/deliveries/%s" % r.body["data"][0]["id"], key=key).body


def test_each_receiver_failure_has_its_class_and_none_stalls_the_others():
    _, key = new_account()
    servers = {"timeout": FailingServer(never_answers), "slow": FailingServer(one_byte_at_a_time),
               "network": FailingServer(closes_mid_body),
               "tls": FailingServer(never_answers, tls=self_signed_context())}
    try:
        with Receiver() as healthy:
            eps = {
                "dns": endpoint(key, "http://no-such-host.invalid/hook", timeout_ms=TIMEOUT_MS,
                                retry_schedule="0,1h"),
                "tls": endpoint(key, "https://127.0.0.1:%d/hook" % servers["tls"].port,
                                timeout_ms=TIMEOUT_MS, retry_schedule="0,1h"),
            }
            for name in ("timeout", "slow", "network"):
                eps[name] = endpoint(key, "http://127.0.0.1:%d/hook" % servers[name].port,
                                     timeout_ms=TIMEOUT_MS, retry_schedule="0,1h")
            ok = endpoint(key, healthy.url, timeout_ms=TIMEOUT_MS)
            publish(key, {"n": 1})
            t = time.time()
            runner = start_runner("--once")
            try:
                # Long before the slow receivers' timeout ends.
                healthy.wait_for_requests(1, timeout=TIMEOUT_MS / 1000 - 1)
                assert time.time() - t < TIMEOUT_MS / 1000 - 0.5, time.time() - t
                _, err = runner.communicate(timeout=60)
            finally:
                if runner.poll() is None:
                    runner.kill()
                    runner.communicate()
            assert runner.returncode == 0, err
        assert wait_for(lambda: delivery_of(key, ok["id"])["status"] == "succeeded")
        for want, ep in (("dns", eps["dns"]), ("tls", eps["tls"]), ("timeout", eps["timeout"]),
                         ("timeout", eps["slow"]), ("network", eps["network"])):
            d = delivery_of(key, ep["id"])
            (a,) = d["attempt_log"]
            assert a["error_class"] == want, (want, a)
            assert a["error_message"], a
            # Retried on the schedule: pending, an hour from now.
            assert d["status"] == "pending" and d["last_error_class"] == want, d
            if want == "timeout":
                assert TIMEOUT_MS - 100 <= a["duration_ms"] < TIMEOUT_MS + 1500, a
        assert "certificate" in delivery_of(key, eps["tls"]["id"])["attempt_log"][0][
            "error_message"].lower()
    finally:
        for s in servers.values():
            s.close()
