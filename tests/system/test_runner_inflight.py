"""What happens to claimed deliveries when something changes around them:
a token server that answers nonsense, the longest credentials the API
takes."""

import base64
import http.server
import json

from apihelp import endpoint, publish
from hltest import LocalServer, Receiver, api, new_account, run_runner, sql


def _deliveries(key, wh):
    return api("GET", "/webhooks/%s/deliveries" % wh, key=key).body["data"]


def _attempts(dlv):
    return sql("SELECT attempt_no, IFNULL(response_status, 0), IFNULL(error_class, '') "
               "FROM delivery_attempts WHERE delivery_id = '%s' ORDER BY attempt_no" % dlv)


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
                out = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(out)

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
