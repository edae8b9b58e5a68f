"""The programs under valgrind against the real stack: the runner sending
real deliveries, hooklinectl, and hookline.fcgi in CGI mode answering API
and page requests. Any memory error or definite leak fails the test.
(In an --enable-sanitizers build ASan and UBSan do this job instead, and
valgrind cannot run those binaries, so these tests are not defined there.)"""

import base64
import hashlib
import hmac
import json
import os
import shutil
import subprocess
import urllib.parse

from hltest import CONFIG, CTL, RUNNER, Receiver, api, new_account, sql
from test_users_login import FORM, PASSWORD, _audit, _user

VALGRIND = shutil.which("valgrind")
FCGI = os.environ.get("HL_FCGI", "")
VG = [VALGRIND or "valgrind", "--quiet", "--error-exitcode=99", "--leak-check=full",
      "--errors-for-leak-kinds=definite", "--show-leak-kinds=definite",
      "--track-fds=no", "--child-silent-after-fork=yes"]


def _vg(argv, input=None, env=None):
    proc = subprocess.run(VG + argv, input=input, capture_output=True, env=env, timeout=300)
    assert proc.returncode != 99, "valgrind found errors in %s:\n%s" % (
        argv[0], proc.stderr.decode(errors="replace")[-4000:])
    return proc


def _cgi(method, uri, key=None, body=None, content_type="application/json", headers=None):
    """headers: request headers as CGI passes them ({"HTTP_X_FOO": "v"})."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOOKLINE_CONFIG": CONFIG,
           "REQUEST_METHOD": method, "REQUEST_URI": uri, "REMOTE_ADDR": "127.0.0.1",
           "GATEWAY_INTERFACE": "CGI/1.1", "SERVER_PROTOCOL": "HTTP/1.1"}
    env.update(headers or {})
    data = b""
    if key:
        env["HTTP_AUTHORIZATION"] = "Bearer " + key
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        env["CONTENT_TYPE"] = content_type
        env["CONTENT_LENGTH"] = str(len(data))
    proc = _vg([FCGI], input=data, env=env)
    head, _, payload = proc.stdout.partition(b"\r\n\r\n")
    status = int(head.split(b"\r\n")[0].split()[1])
    return status, payload


def _publish_three_to_two(key):
    """Three sms.sent events, each to the account's two endpoints."""
    for i in range(3):
        r = api("POST", "/webhooks/publish", {"event_type": "sms.sent", "payload": {"n": i}}, key=key)
        assert r.status == 202 and r.body["deliveries"] == 2, r


if VALGRIND and os.environ.get("HL_SANITIZERS", "no") in ("no", ""):

    def test_runner_under_valgrind():
        _, key = new_account("vg")
        with Receiver() as ok, Receiver(status=500) as bad:
            for rcv in (ok, bad):
                r = api("POST", "/webhooks", {"url": rcv.url, "event_types": ["sms.sent"]}, key=key)
                assert r.status == 201, r
            _publish_three_to_two(key)
            proc = _vg([RUNNER, "--config", CONFIG, "--once"])
            assert proc.returncode == 0, proc.stderr.decode(errors="replace")
            ok.wait_for_requests(3)
            bad.wait_for_requests(3)

    def test_runner_oauth_encryption_rate_limit_under_valgrind():
        from test_runner_oauth import CLIENT_ID, CLIENT_SECRET, TokenServer

        _, key = new_account("vgo")
        with TokenServer() as ts, Receiver() as rcv, Receiver() as refused:
            for rcv_, secret, extra in ((rcv, CLIENT_SECRET, {"encryption": True, "rate_limit": 2}),
                                        (refused, "wrong", {})):
                body = {"url": rcv_.url, "event_types": ["sms.sent"],
                        "auth": {"type": "oauth2", "token_url": ts.url, "client_id": CLIENT_ID,
                                 "client_secret": secret}}
                body.update(extra)
                r = api("POST", "/webhooks", body, key=key)
                assert r.status == 201, r
            _publish_three_to_two(key)
            proc = _vg([RUNNER, "--config", CONFIG, "--once"])
            assert proc.returncode == 0, proc.stderr.decode(errors="replace")
            # Two within the rate limit (the third waits), encrypted; none refused.
            assert [list(q.json()) for q in rcv.wait_for_requests(2)] == [["encrypted"]] * 2
            assert refused.requests == [] and any(not ok for _, _, ok in ts.requests)

    def test_ctl_under_valgrind():
        slug, _ = new_account("vgc")
        # purge from an unset rollup cursor: the rollups' first pass too.
        sql("UPDATE rollup_cursor SET next_hour = NULL")
        for argv in (["migrate"], ["key", "list", slug], ["status"], ["account", "list"],
                     ["publish", "--account", slug, "sms.sent", '{"to": "+1"}'],
                     ["retry", slug, "--since", "2026-01-01T00:00:00Z"],
                     ["purge", "--dry-run"], ["purge"], ["rekey", "--dry-run"], ["rekey"]):
            proc = _vg([CTL, "--config", CONFIG] + argv)
            assert proc.returncode == 0, (argv, proc.stderr.decode(errors="replace"))
        proc = _vg([CTL, "--config", CONFIG, "publish", "--account", slug, "no.such", "{}"])
        assert proc.returncode != 0
        # The audited changes (transaction, audit record), refused ones too.
        for argv, status, stdin in ((["account", "create", slug + "-2"], 0, None),
                                    (["account", "create", slug], 3, None),
                                    (["key", "create", slug, "--cidrs", "127.0.0.0/8"], 0, None),
                                    (["key", "create", slug, "--cidrs", "nonsense"], 2, None),
                                    # A refused password: hashing one costs 600,000
                                    # PBKDF2 rounds, half a minute under valgrind
                                    # (the sanitizer build runs user create whole).
                                    (["user", "create", slug, "vg-%s@example.test" % slug,
                                      "viewer"], 2, b"short\n")):
            proc = _vg([CTL, "--config", CONFIG] + argv, input=stdin)
            assert proc.returncode == status, (argv, proc.returncode, proc.stderr[-2000:])

    def test_fcgi_as_cgi_under_valgrind():
        assert FCGI, "HL_FCGI is not set"
        _, key = new_account("vgw")
        status, body = _cgi("POST", "/webhooks", key,
                            {"url": "https://example.com/hook", "event_types": ["sms.*"]})
        assert status == 201, body
        wh = json.loads(body)["id"]
        status, body = _cgi("GET", "/webhooks/%s/deliveries?limit=5" % wh, key)
        assert status == 200, body
        status, body = _cgi("POST", "/webhooks", key, b"{not json")
        assert status == 400 and b"invalid_json" in body, body
        status, body = _cgi("GET", "/webhooks/events", key)
        assert status == 200 and b"sms.delivered" in body
        status, _ = _cgi("GET", "/webhook/manage")
        assert status == 303
        status, body = _cgi("GET", "/webhook/login")
        assert status == 200 and b"<form" in body
        status, _ = _cgi("GET", "/webhooks/nothing-here", key)
        assert status == 404
        # Analytics over stored attempts: the grouped query and histograms.
        assert api("POST", "/webhooks/publish", {"event_type": "sms.sent", "payload": {}},
                   key=key).status == 202
        api("PUT", "/webhooks/%s" % wh, {"enabled": False}, key=key)
        dlv = json.loads(_cgi("GET", "/webhooks/%s/deliveries" % wh, key)[1])["data"][0]["id"]
        sql("INSERT INTO delivery_attempts (id, delivery_id, account_id, endpoint_id, attempt_no, "
            "started_at, duration_ms, request_url, request_headers, error_class) "
            "SELECT CONCAT('att_vg_', seq), d.id, d.account_id, d.endpoint_id, seq, NOW(3), "
            "seq * 97, 'https://example.com/hook', '{}', IF(seq = 2, 'timeout', NULL) "
            "FROM deliveries d JOIN seq_1_to_3 WHERE d.id = '%s'" % dlv)
        status, body = _cgi("GET", "/webhooks/analytics?buckets=5", key)
        assert status == 200, body
        totals = json.loads(body)["totals"]
        assert totals["attempts"] == 3 and totals["failed"] == 1 and totals["p99_ms"] == 303, totals  # 291 ms: bucket 288-303

    def test_incoming_under_valgrind():
        assert FCGI, "HL_FCGI is not set"
        _, key = new_account("vgi")
        status, body = _cgi("POST", "/webhooks/sources", key,
                            {"verify": "github", "secret": "vg-secret", "type_map": {"push": "sms.sent"}})
        assert status == 201, body
        src = json.loads(body)
        status, body = _cgi("PUT", "/webhooks/sources/%s" % src["id"], key, {"rate_limit": 100})
        assert status == 200, body
        payload = b'{"ref": "main"}'
        sig = "sha256=" + hmac.new(b"vg-secret", payload, hashlib.sha256).hexdigest()
        for signature, want in ((sig, 202), (sig, 200), ("sha256=" + "0" * 64, 401)):
            status, body = _cgi("POST", "/webhooks/incoming/%s" % src["slug"], body=payload,
                                headers={"HTTP_X_HUB_SIGNATURE_256": signature,
                                         "HTTP_X_GITHUB_EVENT": "push",
                                         "HTTP_X_GITHUB_DELIVERY": "vg-1"})
            assert status == want, (want, body)
        status, body = _cgi("GET", "/webhooks/sources/%s/requests" % src["id"], key)
        assert status == 200 and len(json.loads(body)["data"]) == 3, body
        status, body = _cgi("POST", "/webhooks/incoming/nowhere", body=b"{}")
        assert status == 404, body
        # Rotation: both secrets verify in the grace period, an expired one
        # is refused and cleared; a standard source's new secret is made.
        status, body = _cgi("POST", "/webhooks/sources/%s/rotate-secret" % src["id"], key,
                            {"secret": "vg-new", "grace_seconds": 60})
        assert status == 200, body
        for n, (secret, want) in enumerate(((b"vg-secret", 202), (b"vg-new", 202))):
            # Another body each time: GitHub's copies of one body are one event.
            payload = b'{"ref": "main", "n": %d}' % n
            sig = "sha256=" + hmac.new(secret, payload, hashlib.sha256).hexdigest()
            status, body = _cgi("POST", "/webhooks/incoming/%s" % src["slug"], body=payload,
                                headers={"HTTP_X_HUB_SIGNATURE_256": sig,
                                         "HTTP_X_GITHUB_DELIVERY": "vg-r%d" % n})
            assert status == want, (secret, body)
        sql("UPDATE sources SET prev_secret_expires_at = NOW(3) - INTERVAL 1 SECOND "
            "WHERE id = '%s'" % src["id"])
        sig = "sha256=" + hmac.new(b"vg-secret", payload, hashlib.sha256).hexdigest()
        status, body = _cgi("POST", "/webhooks/incoming/%s" % src["slug"], body=payload,
                            headers={"HTTP_X_HUB_SIGNATURE_256": sig, "HTTP_X_GITHUB_DELIVERY": "vg-r9"})
        assert status == 401, body
        status, body = _cgi("POST", "/webhooks/sources", key, {"verify": "standard"})
        assert status == 201, body
        status, body = _cgi("POST", "/webhooks/sources/%s/rotate-secret" % json.loads(body)["id"], key)
        assert status == 200 and json.loads(body)["secret"].startswith("whsec_"), body

    def test_inspector_under_valgrind():
        """A binary body with a query recorded, and shown as a hex dump (a
        session made through the stack's web server: a login under
        valgrind costs seconds of PBKDF2)."""
        from test_dashboard import _admin, _inspect_bin

        _, _, s = _admin()
        path, ins = _inspect_bin(s)
        for body in (b"\xff\xfe\x00binary", bytes(range(256)) * 300, "grüße".encode()):
            status, answer = _cgi("POST", "/webhook/inspect/%s?q=a%%20b&x=1" % ins, body=body,
                                  content_type="application/octet-stream")
            assert status == 200, answer
        status, page = _cgi("GET", path, headers={"HTTP_COOKIE": s.cookie})
        assert status == 200, page[:2000]
        assert b"ff fe 00 62 69 6e 61 72  79" in page and b"q=a%20b&amp;x=1" in page, page[-3000:]
        assert b"<pre>gr\xc3\xbc\xc3\x9fe</pre>" in page

    def test_users_and_login_under_valgrind():
        """hooklinectl's user commands and the form login with its next
        target (each program run costs seconds under valgrind: few runs)."""
        slug, key = new_account("uvg")
        email, uid = _user(slug)
        for argv, status, stdin in ((["user", "list", slug], 0, None),
                                    (["user", "disable", slug, uid], 0, None),
                                    (["user", "enable", slug, email], 0, None),
                                    (["user", "passwd", slug, email], 2, b"short\n")):
            proc = _vg([CTL, "--config", CONFIG] + argv, input=stdin)
            assert proc.returncode == status, (argv, proc.returncode, proc.stderr[-2000:])
        # The cheapest hash the login accepts (100,000 rounds, not 600,000):
        # PBKDF2 under valgrind takes seconds per 100,000.
        salt = os.urandom(16)
        digest = hashlib.pbkdf2_hmac("sha256", PASSWORD.encode(), salt, 100000, 32)
        sql("UPDATE users SET password_hash = 'pbkdf2-sha256$100000$%s$%s' WHERE id = '%s'" % (
            base64.b64encode(salt).decode(), base64.b64encode(digest).decode(), uid))
        status, body = _cgi("GET", "/webhook/login?next=%2Fwebhook%2Fdeliveries%3Fstatus%3Ddead")
        assert status == 200 and b"status=dead" in body, body
        form = urllib.parse.urlencode({"email": email, "password": PASSWORD,
                                       "next": "/webhook/deliveries?status=dead"})
        status, _ = _cgi("POST", "/webhook/login", body=form.encode(), content_type=FORM)
        assert status == 303, status
        actions = [a["action"] for a in _audit(key) if a["object_id"] == uid]
        assert "user.login" in actions and "user.disable" in actions, actions
