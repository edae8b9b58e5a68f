"""The /webhook dashboard against the real stack: sessions, CSRF, roles,
login throttling, forms with inline errors, escaping of hostile values,
test sends, the signature checker, the inspector, deliveries, analytics
(page with SVG, CSV, JSON API) and valid HTML (tidy)."""

import calendar
import html
import http.client
import json
import re
import secrets
import shutil
import subprocess
import threading
import time
import urllib.parse

from hltest import (BASE_URL, Receiver, api, cgi, ctl, new_account, run_runner, sql, unique,
                    verify, write_config)

HOSTILE = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>']
PASSWORD = "correct horse battery staple"


class Session:
    """A browser-like client: keeps the session cookie, reads the CSRF token."""

    def __init__(self):
        self.cookie = None
        self.csrf = None

    def request(self, method, path, form=None, raw=None, headers=None):
        url = urllib.parse.urlsplit(BASE_URL)
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        hdrs = dict(headers or {})
        data = raw
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookie:
            hdrs["Cookie"] = self.cookie
        try:
            conn.request(method, url.path.rstrip("/") + path, body=data, headers=hdrs)
            resp = conn.getresponse()
            body = resp.read().decode("utf-8", "replace")
            rh = {k.lower(): v for k, v in resp.getheaders()}
            status = resp.status
        finally:
            conn.close()
        m = re.search(r'name="csrf" value="([^"]+)"', body)
        if m:
            self.csrf = m.group(1)
        return status, rh, body

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, form, csrf=True, follow=False):
        """follow: a 303 (Post/Redirect/Get) is followed, as a browser
        does, and the page it leads to returned; its path is in
        self.location."""
        form = dict(form)
        if csrf:
            form["csrf"] = self.csrf
        status, h, body = self.request("POST", path, form=form)
        self.location = h.get("location")
        if follow and status == 303:
            return self.get(self.location)
        return status, h, body

    def login(self, email, password=PASSWORD):
        status, h, body = self.request("POST", "/webhook/login",
                                       form={"email": email, "password": password})
        if status == 303 or status == 302:
            self.cookie = h["set-cookie"].split(";")[0]
            self.get("/webhook")
        return status, h, body


def _user(slug, role):
    email = "%s-%s@example.test" % (role, unique("u"))
    ctl("user", "create", slug, email, role, input=PASSWORD + "\n")
    return email


def _admin():
    slug, key = new_account("dash")
    s = Session()
    status, _, body = s.login(_user(slug, "admin"))
    assert status in (302, 303), (status, body[:500])
    return slug, key, s


def _tidy_ok(html):
    if not shutil.which("tidy"):
        return True
    p = subprocess.run(["tidy", "-q", "-e", "--show-warnings", "no"], input=html.encode(),
                       capture_output=True)
    assert p.returncode < 2, p.stderr.decode()[:2000]
    return True


def _create(s, url, types=("sms.delivered",), description="d"):
    form = {"url": url, "description": description, "method": "POST", "enabled": "1"}
    for t in types:
        form["sub." + t] = "1"
    status, _, body = s.post("/webhook/manage", form, follow=True)
    assert status == 200 and "/secret?reveal=" in s.location, (status, body[:2000])
    wh = re.search(r'(wh_[0-9a-z]{26})', body, re.I).group(1)
    secret = re.search(r'value="(whsec_[^"]+)"', body).group(1)
    return wh, secret


def test_dashboard_pages_render_valid_html():
    slug, key, s = _admin()
    with Receiver() as rcv:
        wh, _ = _create(s, rcv.url)
        r = api("POST", "/webhooks/publish", {"event_type": "sms.delivered", "payload": {"a": 1}},
                key=key)
        assert r.status in (200, 201, 202), r
        run_runner("--once")
        evt = r.body["id"]
        dlv = api("GET", "/webhooks/%s/deliveries" % wh, key=key).body["data"][0]["id"]
        pages = ["/webhook", "/webhook/manage", "/webhook/manage/new", "/webhook/manage/" + wh,
                 "/webhook/events", "/webhook/events/" + evt, "/webhook/deliveries",
                 "/webhook/deliveries?status=dead", "/webhook/deliveries/" + dlv,
                 "/webhook/analytics", "/webhook/analytics?range=7d",
                 "/webhook/analytics?range=30d", "/webhook/testing"]
        for p in pages:
            status, h, body = s.get(p)
            assert status == 200, (p, status, body[:1000])
            assert h["content-type"].startswith("text/html"), (p, h)
            assert "script-src 'self'" in h.get("content-security-policy", ""), h
            _tidy_ok(body)
        status, _, body = s.get("/webhook/analytics")
        assert "<svg" in body and 'class="bar"' in body, body[:3000]
        assert re.search(r'class="bar" x="[0-9.]+" y="[0-9.]+" width="[0-9.]+" height="[1-9]', body)
        # A single data point still shows: each point is also a dot.
        assert re.search(r'class="dots rate" d="M[0-9.]+,[0-9.]+h0"', body), body[:3000]


def test_csrf_missing_is_403_and_nothing_changes():
    slug, key, s = _admin()
    status, _, body = s.post("/webhook/manage", {"url": "http://127.0.0.1:9/x",
                                                 "sub.sms.delivered": "1"}, csrf=False)
    assert status == 403, status
    assert api("GET", "/webhooks", key=key).body["data"] == []


def test_viewer_is_refused_changes():
    slug, key, admin = _admin()
    wh, _ = _create(admin, "http://127.0.0.1:9/hook")
    v = Session()
    status, _, _ = v.login(_user(slug, "viewer"))
    assert status in (302, 303)
    assert v.get("/webhook/manage")[0] == 200
    for path, form in (("/webhook/manage", {"url": "http://127.0.0.1:9/y"}),
                       ("/webhook/manage/%s/delete" % wh, {}),
                       ("/webhook/manage/%s/rotate" % wh, {}),
                       ("/webhook/testing/send", {"webhook_id": wh})):
        status, _, body = v.post(path, form)
        assert status == 403, (path, status)
    assert len(api("GET", "/webhooks", key=key).body["data"]) == 1


def test_login_refuses_other_sites_and_marks_https_cookies_secure():
    """Another site's form cannot log a browser in (login CSRF: into an
    account of its choosing); over https the session cookie is Secure
    even where Security.CookieSecure is off."""
    slug, _ = new_account("lcsrf")
    email = _user(slug, "admin")
    addr = "203.0.113.%d" % secrets.randbelow(200)
    form = urllib.parse.urlencode({"email": email, "password": PASSWORD}).encode()

    def login(headers=None, env=None):
        return cgi("POST", "/webhook/login", body=form, headers=headers, env=env,
                   content_type="application/x-www-form-urlencoded", addr=addr)

    for hostile in ({"Origin": "https://evil.example", "Host": "hooks.example"},
                    {"Origin": "null", "Host": "hooks.example"},
                    {"Sec-Fetch-Site": "cross-site"}):
        r = login(hostile)
        assert r.status == 403 and "set-cookie" not in r.headers, (hostile, r)
        assert "own login page" in r.body, r
    r = login({"Origin": "https://hooks.example", "Host": "hooks.example",
               "Sec-Fetch-Site": "same-origin"})
    assert r.status == 303 and "Secure" not in r.headers["set-cookie"], r
    r = login(env={"HTTPS": "on"})
    assert r.status == 303 and "; Secure" in r.headers["set-cookie"], r


def test_login_is_throttled():
    slug, _ = new_account("thr")
    email = _user(slug, "admin")
    s = Session()
    for _ in range(5):
        assert s.login(email, "wrong password")[0] == 401
    status, h, body = s.login(email)
    assert status == 429, status
    assert "Too many failed logins" in body


def test_parallel_wrong_logins_get_five_password_checks():
    # Sixteen guesses at once (separate processes, an address of their
    # own): the throttle counts each before its password check, so exactly
    # five are checked (401) and the rest refused (429).
    slug, _ = new_account("thrp")
    email = _user(slug, "admin")
    addr = "203.0.113.%d" % secrets.randbelow(200)
    form = urllib.parse.urlencode({"email": email, "password": "wrong password"}).encode()
    statuses = []

    def guess():
        r = cgi("POST", "/webhook/login", body=form,
                content_type="application/x-www-form-urlencoded", addr=addr)
        statuses.append(r.status)

    threads = [threading.Thread(target=guess) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [401] * 5 + [429] * 11, sorted(statuses)


def test_form_errors_keep_input_and_hostile_values_render_as_text():
    slug, key, s = _admin()
    bad = HOSTILE[1]
    status, _, body = s.post("/webhook/manage", {"url": "not a url " + bad, "description": HOSTILE[0],
                                                 "method": "POST"})
    assert status == 422, status
    assert "aria-invalid" in body and "field-error" in body
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<img src=x" not in body
    for h in HOSTILE:
        wh, _ = _create(s, "http://127.0.0.1:9/x?q=" + urllib.parse.quote(h), description=h)
        for p in ("/webhook/manage", "/webhook/manage/" + wh, "/webhook", "/webhook/testing"):
            status, _, body = s.get(p)
            assert status == 200
            assert "<script>alert(1)" not in body and "<img src=x" not in body, p
            _tidy_ok(body)


def test_test_send_shows_request_and_response():
    slug, key, s = _admin()
    with Receiver(status=418, body=b"<b>teapot</b>") as rcv:
        wh, secret = _create(s, rcv.url)
        status, _, body = s.post("/webhook/testing/send", {
            "webhook_id": wh, "type": "sms.delivered", "payload": '{"hello": "' + HOSTILE[0] + '"}'})
        assert status == 200, body[:2000]
        req = rcv.wait_for_requests(1)[0]
        verify(secret, req.headers, req.body)
        assert "webhook-signature" in body and "HTTP 418" in body
        assert "&lt;b&gt;teapot&lt;/b&gt;" in body and "<b>teapot</b>" not in body
        assert "<script>alert(1)" not in body
        # The test send is not stored.
        assert api("GET", "/webhooks/%s/deliveries" % wh, key=key).body["data"] == []
        status, _, body = s.post("/webhook/testing/send", {"webhook_id": wh, "type": "sms.delivered",
                                                           "payload": "[1"})
        assert status == 422 and "must be a JSON object" in body
        # The API's parser: json_tokener_parse sent these on as {} and NaN.
        for payload, why in (("{} x", "unexpected character"), ('{"v": NaN}', "not finite")):
            status, _, body = s.post("/webhook/testing/send", {
                "webhook_id": wh, "type": "sms.delivered", "payload": payload})
            assert status == 422 and why in _field_error(body, "payload"), (payload, body[:2000])
        assert len(rcv.requests) == 1, rcv.requests


def test_inspector_of_another_account_or_none_is_404():
    _, _, s = _admin()
    status, h, _ = s.post("/webhook/testing/inspect", {})
    assert status == 303, status
    mine = h["location"].rsplit("/", 1)[1]
    assert s.get("/webhook/testing/inspect/" + mine)[0] == 200
    _, _, other = _admin()
    status, _, body = other.get("/webhook/testing/inspect/" + mine)
    assert status == 404, (status, body[:500])
    assert mine not in body
    status, _, _ = other.get("/webhook/testing/inspect/ins_00000000000000000000000000")
    assert status == 404, status


def test_signature_checker():
    slug, key, s = _admin()
    form = {"secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
            "timestamp": "1614265330", "signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
            "body": '{"test": 2432232314}'}
    status, _, body = s.post("/webhook/testing/verify", form)
    assert status == 200 and "badge ok\">valid" in body and "more than 5 minutes" in body, body[-3000:]
    assert "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" not in body
    form["body"] = '{"test": 2432232315}'
    status, _, body = s.post("/webhook/testing/verify", form)
    assert "badge off\">invalid" in body and "no v1 signature matches" in body


def test_request_inspector_records_escaped():
    slug, key, s = _admin()
    status, h, _ = s.post("/webhook/testing/inspect", {})
    assert status in (302, 303), status
    path = h["location"]
    ins = path.rsplit("/", 1)[1]
    body = ('{"x": "%s"}' % HOSTILE[0]).encode()
    st, _, _ = s.request("POST", "/webhook/inspect/" + ins, raw=body,
                         headers={"Content-Type": "application/json", "X-Test": HOSTILE[1],
                                  "Authorization": "Bearer sekrit"})
    assert st == 200
    assert s.request("POST", "/webhook/inspect/ins_00000000000000000000000000", raw=b"x")[0] == 404
    status, _, page = s.get(path)
    assert status == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert "x-test" in page and "<img src=x" not in page
    assert "sekrit" not in page and "[redacted]" in page and "(redacted)" not in page
    _tidy_ok(page)


def _inspect_bin(s):
    status, h, _ = s.post("/webhook/testing/inspect", {})
    assert status in (302, 303), status
    return h["location"], h["location"].rsplit("/", 1)[1]


def _inspected(page):
    """The requests an inspector page shows, newest first."""
    return re.findall(r'<section class="card attempt">(.*?)</section>', page, re.S)


def test_request_inspector_keeps_a_binary_body_exactly():
    slug, key, s = _admin()
    path, ins = _inspect_bin(s)
    # It was stored as utf8mb4 text: "??" (the 0xff 0xfe made '?') and
    # cut at the NUL when shown.
    body = b"\xff\xfe\x00binary"
    assert s.request("POST", "/webhook/inspect/" + ins, raw=body,
                     headers={"Content-Type": "application/octet-stream"})[0] == 200
    assert sql("SELECT HEX(body), body_bytes, body_truncated FROM inspect_requests "
               "WHERE bin_id = '%s'" % ins) == [[body.hex().upper(), "9", "0"]]
    status, _, page = s.get(path)
    assert status == 200
    [shown] = _inspected(page)
    assert "(9 bytes; not UTF-8 text, in hex)" in shown, shown
    assert ('<pre class="hexdump">00000000  ff fe 00 62 69 6e 61 72  79                       '
            '|...binary|\n</pre>') in shown, shown
    assert "truncated" not in shown
    _tidy_ok(page)


def test_request_inspector_shows_text_as_text_and_cuts_at_its_limit():
    slug, key, s = _admin()
    path, ins = _inspect_bin(s)
    text = "grüße 😀 <b>&amp;</b>\n\tend"
    assert s.request("PUT", "/webhook/inspect/" + ins, raw=text.encode(),
                     headers={"Content-Type": "text/plain; charset=utf-8"})[0] == 200
    # Valid UTF-8 with a control character HTML cannot show: in hex.
    assert s.request("POST", "/webhook/inspect/" + ins, raw=b"a\x1bb")[0] == 200
    # Past the limit: the first 64 KiB are kept, every byte of them.
    big = bytes(range(256)) * 300
    assert s.request("POST", "/webhook/inspect/" + ins, raw=big)[0] == 200
    assert s.request("POST", "/webhook/inspect/" + ins, raw=b"0")[0] == 200
    assert s.request("POST", "/webhook/inspect/" + ins, raw=b"")[0] == 200
    kept = sql("SELECT HEX(body), body_bytes, body_truncated FROM inspect_requests "
               "WHERE bin_id = '%s' AND body_truncated = 1" % ins)
    assert kept == [[big[:65536].hex().upper(), str(len(big)), "1"]], kept[0][1:]
    status, _, page = s.get(path)
    assert status == 200
    empty, zero, cut, control, utf8 = _inspected(page)
    assert "(%d bytes)" % len(text.encode()) in utf8, utf8
    assert "<pre>" + html.escape(text, quote=False) in utf8, utf8
    assert "hexdump" not in utf8 and "truncated" not in utf8
    assert "|a.b|" in control and "61 1b 62" in control, control
    assert "(76800 bytes, the first 65536 kept; not UTF-8 text, in hex)" in cut, cut[:2000]
    assert '<span class="tag">truncated</span>' in cut
    lines = re.search(r'<pre class="hexdump">(.*?)</pre>', cut, re.S).group(1).splitlines()
    assert len(lines) == 4096, len(lines)
    assert lines[-1] == ("0000fff0  f0 f1 f2 f3 f4 f5 f6 f7  f8 f9 fa fb fc fd fe ff  "
                         "|................|"), lines[-1]
    assert "(1 bytes)" in zero and "<pre>0</pre>" in zero, zero
    assert "(0 bytes)" in empty and "Empty." in empty, empty
    _tidy_ok(page)


def test_request_inspector_shows_path_and_query():
    slug, key, s = _admin()
    path, ins = _inspect_bin(s)
    query = "q=a%20b&token=" + urllib.parse.quote(HOSTILE[0]) + "&raw=\"'><i>x"
    st, _, _ = s.request("POST", "/webhook/inspect/" + ins + "?" + query, raw=b"{}")
    assert st == 200
    assert s.request("POST", "/webhook/inspect/" + ins, raw=b"{}")[0] == 200
    assert s.request("POST", "/webhook/inspect/" + ins + "?0", raw=b"{}")[0] == 200
    status, _, page = s.get(path)
    assert status == 200
    zero, none, given = _inspected(page)
    sent = urllib.parse.urlsplit(BASE_URL).path.rstrip("/") + "/webhook/inspect/" + ins
    assert "<dt>Path</dt><dd><code>%s</code></dd>" % sent in given, given
    assert ("<code>q=a%20b&amp;token=%3Cscript%3Ealert%281%29%3C/script%3E&amp;"
            "raw=&quot;&#39;&gt;&lt;i&gt;x</code>") in given, given
    assert "<i>x" not in page and "%3Cscript%3E" in given
    assert '<dt>Query</dt><dd><span class="muted">none</span>' in none, none
    assert "<dt>Query</dt><dd><code>0</code>" in zero, zero
    _tidy_ok(page)


def test_request_inspector_reads_requests_from_before_path_and_bytes_were_kept():
    slug, key, s = _admin()
    path, ins = _inspect_bin(s)
    # As migration 019 left a row recorded before it.
    sql("INSERT INTO inspect_requests (id, bin_id, method, client_addr, headers_json, body, "
        "body_truncated) VALUES ('inr_%s', '%s', 'POST', '127.0.0.1', '{}', "
        "UNHEX('636166C3A9'), 0)" % (secrets.token_hex(8), ins))
    status, _, page = s.get(path)
    assert status == 200
    [old] = _inspected(page)
    assert "not recorded" in old and "<pre>café</pre>" in old and "(5 bytes)" in old, old


def test_deliveries_retry_one_and_bulk_and_dead_filter():
    slug, key, s = _admin()
    with Receiver(status=500, body=b"<i>down</i>") as rcv:
        wh, _ = _create(s, rcv.url)
        r = api("POST", "/webhooks/publish", {"event_type": "sms.delivered", "payload": {}}, key=key)
        run_runner("--once")
        dlv = api("GET", "/webhooks/%s/deliveries" % wh, key=key).body["data"][0]["id"]
        status, _, body = s.get("/webhook/deliveries/" + dlv)
        assert status == 200 and "HTTP 500" in body and "&lt;i&gt;down&lt;/i&gt;" in body
        status, h, _ = s.post("/webhook/deliveries/%s/retry" % dlv, {})
        assert status in (302, 303) and "done=retried" in h["location"]
        status, _, body = s.post("/webhook/deliveries/retry", {"webhook_id": wh, "status": "pending",
                                                               "confirm": "1"}, follow=True)
        assert status == 200 and "1 delivery is queued again" in body, body[:2000]
        status, _, body = s.get("/webhook/deliveries?status=dead&webhook_id=" + wh)
        assert status == 200 and "No dead letters match these filters" in body
        status, _, body = s.get("/webhook/deliveries?status=bogus")
        assert status == 400
        # A bad filter is not "no match": the page says to correct it.
        assert "match these filters" not in body and "Correct the highlighted filter" in body


def test_analytics_api_page_and_csv():
    slug, key, s = _admin()
    with Receiver(statuses=[503], status=200) as rcv:
        wh, _ = _create(s, rcv.url, description='a,"b"')
        api("POST", "/webhooks/publish", {"event_type": "sms.delivered", "payload": {}}, key=key)
        run_runner("--once")
        dlv = api("GET", "/webhooks/%s/deliveries" % wh, key=key).body["data"][0]["id"]
        api("POST", "/webhooks/deliveries/%s/retry" % dlv, key=key)
        run_runner("--once")
    r = api("GET", "/webhooks/analytics", key=key)
    assert r.status == 200, r
    # By default the 24 whole hours up to the end of this one, as on the
    # dashboard: each point an hour, which rollups answer exactly.
    until = calendar.timegm(time.strptime(r.body["until"], "%Y-%m-%dT%H:%M:%SZ"))
    since = calendar.timegm(time.strptime(r.body["since"], "%Y-%m-%dT%H:%M:%SZ"))
    assert until % 3600 == 0 and 0 < until - time.time() <= 3600 and until - since == 86400, r.body
    assert r.body["bucket_seconds"] == 3600 and len(r.body["series"]) == 24, r.body
    t = r.body["totals"]
    assert t["attempts"] == 2 and t["succeeded"] == 1 and t["success_rate"] == 50.0, r.body
    assert t["p50_ms"] is not None and t["p99_ms"] >= t["p50_ms"]
    assert r.body["by_endpoint"][0]["webhook_id"] == wh
    assert r.body["by_event_type"][0]["event_type"] == "sms.delivered"
    assert r.body["error_classes"][0]["count"] == 1, r.body
    r = api("GET", "/webhooks/analytics?since=yesterday", key=key)
    assert r.status in (400, 422) and r.body["error"]["field"] == "since", r
    assert api("GET", "/webhooks/analytics?webhook_id=" + wh, key=key).body["totals"]["attempts"] == 2
    status, h, body = s.get("/webhook/analytics.csv?range=7d")
    assert status == 200 and h["content-type"].startswith("text/csv"), h
    assert "attachment" in h["content-disposition"]
    assert body.startswith("section,key,label,attempts")
    assert "\r\ntotal,,,2,1,1,50" in body, body
    status, _, body = s.get("/webhook/analytics?range=custom&since=2020-01-01T00:00&until=2019-01-01T00:00")
    assert status == 400 and "later than since" in body
    # A custom range without a start read from 1970, with every bar two
    # years wide: it is asked for, with what was typed kept.
    status, _, body = s.get("/webhook/analytics?range=custom&since=&until=2019-01-01T00:00")
    assert status == 400 and "needs a start" in _field_error(body, "since"), body[-3000:]
    assert 'value="2019-01-01T00:00"' in body
    # A bad value comes back in a text field, which shows it (a browser
    # shows nothing of a datetime-local value it cannot read); both
    # bounds are checked.
    for page in ("/webhook/analytics?range=custom&", "/webhook/deliveries?", "/webhook/events?"):
        status, _, body = s.get(page + "since=yesterday&until=2026-13-01T00:00")
        assert status == 400, (page, status)
        assert '<input id="since" name="since" type="text" value="yesterday"' in body, page
        assert '<input id="until" name="until" type="text" value="2026-13-01T00:00"' in body, page
        assert _field_error(body, "since") and _field_error(body, "until"), page
    # Without an end it ends now, as the fixed ranges do.
    start = time.strftime("%Y-%m-%dT%H:%M", time.gmtime(time.time() - 7200))
    status, _, body = s.get("/webhook/analytics?range=custom&until=&since=" + start)
    assert status == 200 and 'value="%s"' % start in body, body[-3000:]
    assert "From " in body and "1970" not in body


def test_rotate_secret_signs_with_new_secret():
    slug, key, s = _admin()
    with Receiver() as rcv:
        wh, old = _create(s, rcv.url)
        status, _, body = s.post("/webhook/manage/%s/rotate" % wh, {}, follow=True)
        assert status == 200, body[:1000]
        new = re.search(r'value="(whsec_[^"]+)"', body).group(1)
        assert new != old
        api("POST", "/webhooks/publish", {"event_type": "sms.delivered", "payload": {}}, key=key)
        run_runner("--once")
        req = rcv.wait_for_requests(1)[0]
        verify(new, req.headers, req.body)
        verify(old, req.headers, req.body)   # grace period: both sign
        assert len(req.headers["webhook-signature"].split()) == 2


def test_results_are_redirects_and_a_reload_repeats_nothing():
    """"Webhook created" (201), "Secret rotated" and "Deliveries queued
    again" were the POST's own answer: a reload posted again (a duplicate
    endpoint, a second rotation superseding the secret just copied, a
    second bulk retry). Each now redirects (303) to a page that is safe
    to reload; a new secret waits sealed for the session and is shown
    once."""
    slug, key, s = _admin()
    with Receiver(status=500) as rcv:
        form = {"url": rcv.url, "description": "d", "method": "POST", "enabled": "1",
                "sub.sms.delivered": "1", "csrf": s.csrf}
        status, h, body = s.request("POST", "/webhook/manage", form=form)
        assert status == 303 and not body, (status, body[:1000])
        loc = h["location"]
        assert re.match(r"^/webhook/manage/wh_[0-9a-z]{26}/secret\?reveal=[A-Za-z0-9_-]{43}$", loc), loc
        # Kept sealed until shown: one row, and no secret in clear.
        assert sql("SELECT COUNT(*), SUM(payload_sealed LIKE '%%whsec%%') FROM page_reveals "
                   "WHERE session_hash = SHA2('%s', 256)" % s.cookie.split("=", 1)[1]) == [["1", "0"]]
        status, _, page = s.get(loc)
        assert status == 200 and "Webhook created" in page, page[:2000]
        secret = re.search(r'value="(whsec_[^"]+)"', page).group(1)
        _tidy_ok(page)
        for _ in range(2):
            status, _, again = s.get(loc)
            assert status == 200 and "whsec_" not in again and "shown once" in again, again[:2000]
        _tidy_ok(again)
        assert len(api("GET", "/webhooks", key=key).body["data"]) == 1
        wh = re.search(r"(wh_[0-9a-z]{26})", loc).group(1)
        # Another user of the account, with the URL, gets nothing either.
        status, h, _ = s.post("/webhook/manage/%s/rotate" % wh, {})
        assert status == 303, status
        other = Session()
        assert other.login(_user(slug, "admin"))[0] in (302, 303)
        assert "whsec_" not in other.get(h["location"])[2]
        status, _, page = s.get(h["location"])
        new = re.search(r'value="(whsec_[^"]+)"', page).group(1)
        assert new != secret and "Secret rotated" in page and "keeps signing for 24 hours" in page
        assert "whsec_" not in s.get(h["location"])[2]
        # One rotation: the endpoint still signs with the secret shown and the one before.
        assert [a["action"] for a in api("GET", "/webhooks/audit?limit=50", key=key).body["data"]
                ].count("webhook.rotate_secret") == 1
        api("POST", "/webhooks/publish", {"event_type": "sms.delivered", "payload": {}}, key=key)
        run_runner("--once")
        req = rcv.wait_for_requests(1)[0]
        verify(new, req.headers, req.body)
        verify(secret, req.headers, req.body)
        # Bulk retry: the pending list says how many; reloading it queues nothing.
        api("PUT", "/webhooks/" + wh, {"retry_schedule": "0"}, key=key)
        dlv = api("GET", "/webhooks/%s/deliveries" % wh, key=key).body["data"][0]
        sql("UPDATE deliveries SET status = 'dead' WHERE id = '%s'" % dlv["id"])
        status, h, _ = s.post("/webhook/deliveries/retry", {"status": "dead", "webhook_id": wh,
                                                            "confirm": "1"})
        assert status == 303 and "status=pending" in h["location"], (status, h)
        status, _, page = s.get(h["location"])
        assert status == 200 and "1 delivery is queued again" in page, page[:3000]
        sql("UPDATE deliveries SET status = 'dead' WHERE id = '%s'" % dlv["id"])
        s.get(h["location"])
        assert api("GET", "/webhooks/deliveries/" + dlv["id"], key=key).body["status"] == "dead"
    # Logging out ends what the session had not yet been shown.
    status, h, _ = s.post("/webhook/manage/%s/rotate" % wh, {})
    s.post("/webhook/logout", {})
    assert sql("SELECT COUNT(*) FROM page_reveals WHERE subject_id = '%s'" % wh) == [["0"]]


def test_edit_enable_disable_delete():
    slug, key, s = _admin()
    wh, _ = _create(s, "http://127.0.0.1:9/a")
    status, h, _ = s.post("/webhook/manage/" + wh, {"url": "http://127.0.0.1:9/b", "description": "x",
                                                   "method": "PUT", "enabled": "1", "subfam.sms": "1"})
    assert status in (302, 303), status
    ep = api("GET", "/webhooks/" + wh, key=key).body
    assert ep["url"].endswith("/b") and ep["method"] == "PUT" and ep["event_types"] == ["sms.*"], ep

    def audited(action):
        rows = api("GET", "/webhooks/audit?action=" + action, key=key).body["data"]
        return len([a for a in rows if a["object_id"] == wh])

    # Saved again as it is, or enabled while enabled: nothing is stored
    # or audited (the notice still says saved).
    status, h, _ = s.post("/webhook/manage/" + wh, {"url": "http://127.0.0.1:9/b", "description": "x",
                                                   "method": "PUT", "enabled": "1", "subfam.sms": "1"})
    assert status in (302, 303) and "done=saved" in h.get("location", ""), (status, h)
    assert s.post("/webhook/manage/%s/enable" % wh, {})[0] in (302, 303)
    assert api("GET", "/webhooks/" + wh, key=key).body == ep
    assert audited("webhook.update") == 1 and audited("webhook.enable") == 0
    assert s.post("/webhook/manage/%s/disable" % wh, {})[0] in (302, 303)
    assert api("GET", "/webhooks/" + wh, key=key).body["enabled"] is False
    assert s.post("/webhook/manage/%s/enable" % wh, {})[0] in (302, 303)
    assert api("GET", "/webhooks/" + wh, key=key).body["enabled"] is True
    assert audited("webhook.disable") == 1 and audited("webhook.enable") == 1
    assert s.post("/webhook/manage/%s/delete" % wh, {})[0] in (302, 303)
    assert api("GET", "/webhooks/" + wh, key=key).status == 404


def test_a_field_too_long_to_read_is_refused_not_emptied():
    """A value longer than the page's buffer used to read as "": an edit
    cleared the description, a bulk retry lost its type filter and
    retried everything. Now it is refused and nothing changes."""
    slug, key, s = _admin()
    wh, _ = _create(s, "http://127.0.0.1:9/a", description="keep me")
    status, _, body = s.post("/webhook/manage/" + wh, {"url": "http://127.0.0.1:9/b",
                                                       "description": "d" * 700, "method": "POST",
                                                       "enabled": "1", "sub.sms.delivered": "1"})
    assert status == 422 and "longer than" in body, (status, body[:3000])
    ep = api("GET", "/webhooks/" + wh, key=key).body
    assert ep["description"] == "keep me" and ep["url"].endswith("/a"), ep
    status, _, body = s.post("/webhook/deliveries/retry", {"webhook_id": wh, "type": "t" * 200})
    assert status == 400 and "nothing was retried" in body, (status, body[:2000])


def _input_value(page, ident):
    m = re.search(r'<input id="%s"[^>]* value="([^"]*)"' % re.escape(ident), page)
    return html.unescape(m.group(1)) if m else None


def _maxlength(page, ident):
    m = re.search(r'<(?:input|textarea) id="%s"[^>]* maxlength="(\d+)"' % re.escape(ident), page)
    return int(m.group(1)) if m else None


def test_a_value_too_long_comes_back_as_typed_with_the_limit_in_characters():
    """A description over the limit came back empty with "description is
    longer than 599 bytes or not validly encoded; nothing was changed"
    (a byte count of the page's buffer, and on a create form); 500
    accented letters (1000 bytes) were refused as too long. The value now
    comes back as typed (escaped), the error gives the limit in
    characters, and each maxlength is the server's limit."""
    slug, key, s = _admin()
    status, _, page = s.get("/webhook/manage/new")
    assert (_maxlength(page, "url"), _maxlength(page, "description")) == (2048, 500)
    # The API's limits are the same ones (the core counts them).
    base = {"url": "http://127.0.0.1:9/x", "event_types": ["sms.delivered"]}
    assert api("POST", "/webhooks", dict(base, description="d" * 500), key=key).status == 201
    assert api("POST", "/webhooks", dict(base, description="d" * 501), key=key).status in (400, 422)
    assert api("POST", "/webhooks", dict(base, url="http://127.0.0.1:9/" + "u" * 2029),
               key=key).status == 201
    typed = HOSTILE[1] + "é" * 600
    form = {"url": "http://127.0.0.1:9/long", "description": typed, "method": "POST",
            "enabled": "1", "sub.sms.delivered": "1"}
    status, _, body = s.post("/webhook/manage", form)
    assert status == 422, (status, body[:3000])
    assert _input_value(body, "description") == typed, body[:3000]
    err = _field_error(body, "description")
    assert "500 characters" in err and "it has 630" in err and "bytes" not in err, err
    assert "nothing was changed" not in body and "<img src=x" not in body
    assert _input_value(body, "url") == form["url"]
    _tidy_ok(body)
    long_url = "http://127.0.0.1:9/" + "u" * 2100
    status, _, body = s.post("/webhook/manage", dict(form, url=long_url, description="ok"))
    assert status == 422 and _input_value(body, "url") == long_url, (status, body[:3000])
    assert "2048 characters" in _field_error(body, "url"), _field_error(body, "url")
    n = len(api("GET", "/webhooks", key=key).body["data"])
    assert n == 2, n
    # The catalog's name and description.
    status, _, page = s.get("/webhook/events")
    assert (_maxlength(page, "new-type-name"), _maxlength(page, "new-type-description")) == (128, 1000)
    for field, value, limit in (("name", "orders." + "x" * 200, 128),
                                ("description", "ü" * 1001, 1000)):
        f = {"name": "orders.longer", "description": "", "schema": ""}
        f[field] = value
        status, _, body = s.post("/webhook/events", f)
        ident = "new-type-" + field
        assert status == 422 and _input_value(body, ident) == value, (field, status, body[:3000])
        m = re.search(r'id="err-type-%s">([^<]*)<' % field, body)
        assert m and "%d characters" % limit in m.group(1), (field, body[:3000])
    # An incoming source's name.
    status, _, body = s.post("/webhook/incoming", {"name": "ñ" * 201, "verify": "github",
                                                   "secret": "s", "event_type": "", "type_map": "",
                                                   "slug": "", "allowed_cidrs": "",
                                                   "tolerance_seconds": "", "rate_limit": ""})
    assert status == 422 and _input_value(body, "src-name") == "ñ" * 201, (status, body[:3000])
    assert "200 characters" in _field_error(body, "name"), body[:3000]
    assert _maxlength(body, "src-name") == 200
    # The test send's payload, over 64 KiB.
    payload = '{"a": "%s"}' % ("p" * 70000)
    status, _, body = s.post("/webhook/testing/send", {"webhook_id": "", "type": "sms.delivered",
                                                       "payload": payload})
    m = re.search(r'<textarea id="payload"[^>]*>([^<]*)</textarea>', body)
    assert m and html.unescape(m.group(1)) == payload, (status, body[:2000])
    assert "65536 bytes" in (_field_error(body, "payload") or ""), body[:3000]


def test_deliveries_name_their_endpoint_by_url_and_description():
    """The deliveries list and a delivery's page showed only the endpoint's
    id (wh_...): which receiver it was took a trip to Manage."""
    slug, key, s = _admin()
    wh, _ = _create(s, "http://127.0.0.1:9/orders-hook", description=HOSTILE[0])
    assert api("POST", "/webhooks/publish", {"event_type": "sms.delivered", "payload": {}},
               key=key).status == 202
    dlv = api("GET", "/webhooks/%s/deliveries" % wh, key=key).body["data"][0]["id"]
    for page in ("/webhook/deliveries", "/webhook/deliveries/" + dlv):
        status, _, body = s.get(page)
        assert status == 200 and "<code>http://127.0.0.1:9/orders-hook</code>" in body, body[-3000:]
        assert html.escape(HOSTILE[0], quote=False) in body and HOSTILE[0] not in body
        assert wh in body
        _tidy_ok(body)


def test_enable_disable_return_to_the_endpoint_and_name_it():
    """Enable/Disable on an endpoint's page went to the list with "Endpoint
    disabled", which did not say which one."""
    slug, key, s = _admin()
    wh, _ = _create(s, "http://127.0.0.1:9/named-endpoint")
    for action, word in (("disable", "disabled"), ("enable", "enabled")):
        status, h, _ = s.post("/webhook/manage/%s/%s" % (wh, action), {})
        assert status == 303 and h["location"] == "/webhook/manage/%s?done=%s" % (wh, word), h
        status, _, page = s.get(h["location"])
        assert status == 200 and re.search(r'<p class="notice" role="status">Endpoint <code>'
                                           r'http://127.0.0.1:9/named-endpoint</code> %s;' % word,
                                           page), page[:3000]
        _tidy_ok(page)


def test_empty_lists_say_why():
    """A filtered Events search that found nothing said "No events match.
    Publish one with POST /webhooks/publish"; the dead letters with none
    said "No deliveries match these filters."."""
    slug, key, s = _admin()
    status, _, body = s.get("/webhook/events?type=nothing.here")
    assert status == 200 and "No events match these filters" in body, body[-3000:]
    assert '<a href="/webhook/events">Clear the filters</a>' in body and "POST /webhooks/publish" not in body
    status, _, body = s.get("/webhook/events")
    assert "No events yet" in body and "POST /webhooks/publish" in body
    status, _, body = s.get("/webhook/deliveries?status=dead")
    assert status == 200 and "No dead letters:" in body and "No deliveries match" not in body
    status, _, body = s.get("/webhook/deliveries?type=nothing.here")
    assert "No deliveries match these filters" in body and "Clear the filters" in body
    _tidy_ok(body)


def _options_form(url, **extra):
    form = {"url": url, "description": "opts", "method": "POST", "enabled": "1",
            "sub.sms.delivered": "1", "retry_mode": "default", "auth.type": "none"}
    form.update(extra)
    return form


def _field_error(body, field):
    m = re.search(r'<p class="field-error" id="err-%s">([^<]*)</p>' % re.escape(field), body)
    return m and m.group(1)


def test_form_delivery_options_round_trip_through_the_api():
    slug, key, s = _admin()
    token = "tok-" + unique("t")
    with Receiver() as rcv:
        status, _, body = s.post("/webhook/manage", _options_form(
            rcv.url, **{"header.0.name": "X-Tenant", "header.0.value": "acme <b>1</b>",
                        "header.2.name": "X-Second", "header.2.value": "two",
                        "auth.type": "bearer", "auth.bearer.token": token,
                        "retry_mode": "exponential", "retry_exponential.base_seconds": "10",
                        "retry_exponential.cap_seconds": "600", "retry_exponential.max_attempts": "5",
                        "timeout_ms": "2500", "priority": "7", "fifo": "1", "ed25519": "1",
                        "batch_max": "1"}), follow=True)
        assert status == 200, (status, _field_error(body, "headers"), body[:3000])
        assert token not in body
        wh = re.search(r'(wh_[0-9a-z]{26})', body, re.I).group(1)
        assert "ed25519 public key" in body and "BEGIN PUBLIC KEY" in body
        r = api("GET", "/webhooks/" + wh, key=key)
        ep = r.body
        assert ep["headers"] == {"X-Tenant": "acme <b>1</b>", "X-Second": "two"}, ep
        assert ep["auth"] == {"type": "bearer"}, ep
        assert token not in json.dumps(ep)
        assert ep["retry_exponential"] == {"base_seconds": 10, "cap_seconds": 600, "max_attempts": 5}, ep
        assert ep["retry_schedule"] is None and ep["timeout_ms"] == 2500, ep
        assert ep["priority"] == 7 and ep["fifo"] is True, ep
        # batch_max is in the core on main (b65993f): checked once it is here.
        assert ep["batch_max"] == 1, ep
        key_pem = ep["ed25519_public_key"]
        assert key_pem and "BEGIN PUBLIC KEY" in key_pem
        # The edit page: options shown, the credential only as "set".
        status, _, page = s.get("/webhook/manage/" + wh)
        assert status == 200 and token not in page
        assert 'value="X-Tenant"' in page and 'value="acme &lt;b&gt;1&lt;/b&gt;"' in page
        assert re.search(r'id="auth-bearer" name="auth.type" type="radio" value="bearer" checked', page)
        assert 'placeholder="set — leave empty to keep"' in page
        assert re.search(r'id="retry-exponential"[^>]* checked', page)
        assert 'value="2500"' in page and re.search(r'id="fifo"[^>]* checked', page)
        _tidy_ok(page)
        # Saving without retyping the token keeps it (and the ed25519 key);
        # the runner sends the header and the bearer token.
        status, h, body = s.post("/webhook/manage/" + wh, _options_form(
            rcv.url, **{"header.0.name": "X-Tenant", "header.0.value": "acme <b>1</b>",
                        "auth.type": "bearer", "retry_mode": "exponential",
                        "retry_exponential.base_seconds": "10", "retry_exponential.cap_seconds": "600",
                        "retry_exponential.max_attempts": "5", "timeout_ms": "2500", "priority": "7",
                        "fifo": "1", "ed25519": "1"}))
        assert status in (302, 303), (status, body[:3000])
        ep = api("GET", "/webhooks/" + wh, key=key).body
        assert ep["auth"] == {"type": "bearer"} and ep["headers"] == {"X-Tenant": "acme <b>1</b>"}, ep
        assert ep["ed25519_public_key"] == key_pem, "saving the form rotated the ed25519 key"
        api("POST", "/webhooks/publish", {"event_type": "sms.delivered", "payload": {}}, key=key)
        run_runner("--once")
        req = rcv.wait_for_requests(1)[0]
        assert req.headers["authorization"] == "Bearer " + token, req.headers
        assert req.headers["x-tenant"] == "acme <b>1</b>", req.headers
        assert "x-second" not in req.headers
        # Another policy and no authentication: the API shows exactly that.
        status, _, body = s.post("/webhook/manage/" + wh, _options_form(
            rcv.url, **{"retry_mode": "schedule", "retry_schedule": "0,5s,5m", "auth.type": "none",
                        "batch_max": "5"}))
        assert status in (302, 303), (status, body[:3000])
        ep = api("GET", "/webhooks/" + wh, key=key).body
        assert ep["retry_schedule"] == "0,5s,5m" and ep["retry_exponential"] is None, ep
        assert ep["auth"] == {"type": "none"} and ep["headers"] == {}, ep
        assert ep["priority"] == 0 and ep["fifo"] is False and ep["ed25519_public_key"] is None, ep
        assert ep["timeout_ms"] == 2500, ep   # an empty timeout leaves it as it was
        assert ep["batch_max"] == 5, ep


def test_saving_the_form_keeps_filters_set_through_the_api():
    slug, key, s = _admin()
    wh = api("POST", "/webhooks", {"url": "http://127.0.0.1:9/never", "event_types": []},
             key=key).body["id"]
    us = {"path": "country", "op": "eq", "value": "US"}
    r = api("POST", "/webhooks/%s/subscribe" % wh, {"event_types": ["sms.delivered"], "filter": us},
            key=key)
    assert r.status == 200, r
    status, _, page = s.get("/webhook/manage/" + wh)
    # The edit page shows the filter it keeps.
    assert status == 200, page[:3000]
    shown = re.search(r'<dt><code>sms\.delivered</code></dt><dd><pre>(.*?)</pre>', page, re.S)
    assert shown and json.loads(shown.group(1).replace("&quot;", '"')) == us, page[:5000]
    _tidy_ok(page)
    status, _, body = s.post("/webhook/manage/" + wh, _options_form(
        "http://127.0.0.1:9/never", description="renamed", **{"sub.sms.sent": "1"}))
    assert status in (302, 303), (status, body[:3000])
    subs = api("GET", "/webhooks/%s/events" % wh, key=key).body["subscriptions"]
    assert {x["event_type"]: x["filter"] for x in subs} == {"sms.delivered": us, "sms.sent": None}, subs


def test_form_option_errors_are_inline_and_keep_input():
    slug, key, s = _admin()
    url = "http://127.0.0.1:9/opts"
    cases = [
        ({"header.0.name": "Bad Header", "header.0.value": HOSTILE[0]}, "headers", "HTTP tokens"),
        ({"header.0.name": "Webhook-Signature", "header.0.value": "x"}, "headers", "set by hookline"),
        ({"header.0.name": "X-A", "header.0.value": "1", "header.1.name": "x-a", "header.1.value": "2"},
         "headers", "given twice"),
        ({"auth.type": "basic", "auth.basic.username": "", "auth.basic.password": "pw-secret-1"}, "auth",
         "auth.username is required"),
        ({"auth.type": "bogus"}, "auth", "auth.type must be"),
        ({"retry_mode": "schedule", "retry_schedule": "soon, later"}, "retry_schedule", "list of delays"),
        ({"retry_mode": "exponential", "retry_exponential.base_seconds": "ten"}, "retry_exponential",
         "base_seconds"),
        ({"timeout_ms": "5"}, "timeout_ms", "100..300000"),
        ({"priority": "high"}, "priority", "-100..100"),
        ({"rate_limit": "20000"}, "rate_limit", "1..10000"),
        ({"rate_limit": "fast"}, "rate_limit", "1..10000"),
        ({"auth.type": "oauth2", "auth.oauth2.token_url": "not a url", "auth.oauth2.client_id": "cid",
          "auth.oauth2.client_secret": "pw-secret-1"}, "auth", "auth.token_url"),
    ]
    for extra, field, text in cases:
        status, _, body = s.post("/webhook/manage", _options_form(url, **extra))
        assert status == 422, (extra, status)
        err = _field_error(body, field)
        assert err and text in err, (extra, field, err, body[:2000])
        assert 'class="error" role="alert"' in body
        for name, value in extra.items():
            if name.startswith(("header.", "retry_", "timeout", "priority", "rate_limit",
                                "auth.oauth2.token_url", "auth.oauth2.client_id")) and value:
                esc = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
                assert 'value="%s"' % esc in body, (name, value)
        assert "pw-secret-1" not in body, "a typed password came back in the page"
        assert "<script>alert(1)" not in body
        _tidy_ok(body)
    # The typed URL, description and subscription survive too.
    status, _, body = s.post("/webhook/manage", _options_form(url, **cases[0][0]))
    assert 'value="%s"' % url in body and re.search(r'id="sub-sms.delivered"[^>]* checked', body)
    assert re.search(r'id="header-0-name"[^>]*aria-invalid="true"', body)
    # Only the row at fault is marked: here the repeated name.
    status, _, body = s.post("/webhook/manage", _options_form(url, **cases[2][0]))
    assert not re.search(r'id="header-0-name"[^>]*aria-invalid', body)
    assert re.search(r'id="header-1-name"[^>]*aria-invalid="true"', body)
    assert api("GET", "/webhooks", key=key).body["data"] == []


def test_form_rate_limit_and_oauth2_round_trip_and_test_send_401():
    from test_runner_oauth import CLIENT_ID, CLIENT_SECRET, TokenServer
    slug, key, s = _admin()
    oauth = {"auth.type": "oauth2", "auth.oauth2.client_id": CLIENT_ID,
             "auth.oauth2.scope": "webhooks:write", "rate_limit": "50"}
    with TokenServer() as ts, Receiver(statuses=[401]) as rcv:
        oauth["auth.oauth2.token_url"] = ts.url
        status, _, body = s.post("/webhook/manage", _options_form(
            rcv.url, **dict(oauth, **{"auth.oauth2.client_secret": CLIENT_SECRET,
                                      "auth.oauth2.audience": "aud-hidden"})), follow=True)
        assert status == 200, (status, _field_error(body, "auth"), body[:3000])
        assert CLIENT_SECRET not in body
        wh = re.search(r'(wh_[0-9a-z]{26})', body, re.I).group(1)
        r = api("GET", "/webhooks/" + wh, key=key)
        ep = r.body
        assert ep["rate_limit"] == 50, ep
        assert ep["auth"] == {"type": "oauth2", "token_url": ts.url, "client_id": CLIENT_ID,
                              "scope": "webhooks:write"}, ep
        assert CLIENT_SECRET not in r.raw.decode() and "aud-hidden" not in r.raw.decode()
        # The edit page shows what GET shows, never the secret.
        status, _, page = s.get("/webhook/manage/" + wh)
        assert status == 200 and CLIENT_SECRET not in page and "aud-hidden" not in page
        assert re.search(r'id="auth-oauth2" name="auth.type" type="radio" value="oauth2" checked', page)
        assert re.search(r'id="auth-oauth2-token_url"[^>]* value="%s"' % re.escape(ts.url), page)
        assert re.search(r'id="auth-oauth2-client_secret"[^>]*placeholder="set', page)
        assert re.search(r'id="rate_limit"[^>]* value="50"', page)
        _tidy_ok(page)
        # Saved as shown (the secret left empty): the credentials are kept.
        status, _, body = s.post("/webhook/manage/" + wh, _options_form(rcv.url, **oauth))
        assert status in (302, 303), (status, _field_error(body, "auth"), body[:3000])
        # A changed member without the secret is refused inline, input kept.
        status, _, body = s.post("/webhook/manage/" + wh, _options_form(
            rcv.url, **dict(oauth, **{"auth.oauth2.client_id": "other-client"})))
        assert status == 422 and "client_secret is required" in _field_error(body, "auth"), body[:3000]
        assert 'value="other-client"' in body
        assert api("GET", "/webhooks/" + wh, key=key).body["auth"]["client_id"] == CLIENT_ID
        # Test sends through the page use the kept credentials; the 401 to
        # the first drops its token, so the second fetches a new one.
        for n in (1, 2):
            status, _, body = s.post("/webhook/testing/send", {
                "webhook_id": wh, "type": "sms.delivered", "payload": "{}"})
            assert status == 200, body[:2000]
            req = rcv.wait_for_requests(n)[n - 1]
            assert req.headers["authorization"] == "Bearer tok-%d" % n, (n, req.headers)
        assert len(ts.requests) == 2 and all(ok for _, _, ok in ts.requests), ts.requests
        assert ts.requests[0][1].get("audience") == ["aud-hidden"], ts.requests
        # An empty rate limit turns it off.
        status, _, body = s.post("/webhook/manage/" + wh, _options_form(
            rcv.url, **dict(oauth, rate_limit="")))
        assert status in (302, 303), (status, body[:3000])
        assert api("GET", "/webhooks/" + wh, key=key).body["rate_limit"] == 0
        status, _, page = s.get("/webhook/manage/" + wh)
        assert re.search(r'id="rate_limit"[^>]* value=""', page)


def test_form_encryption_key_shown_once_and_renewed_on_request():
    from test_runner_encryption import _decrypt
    slug, key, s = _admin()
    with Receiver() as rcv:
        status, _, body = s.post("/webhook/manage", _options_form(rcv.url, encryption="1"), follow=True)
        assert status == 200, (status, body[:3000])
        wh = re.search(r'(wh_[0-9a-z]{26})', body, re.I).group(1)
        enc_key = re.search(r'id="encryption_key"[^>]* value="([A-Za-z0-9+/=]{44})"', body).group(1)
        assert "shown only now" in body
        _tidy_ok(body)
        r = api("GET", "/webhooks/" + wh, key=key)
        assert r.body["encryption"] is True and "encryption_key" not in r.body, r.body
        assert enc_key not in r.raw.decode()
        status, _, page = s.get("/webhook/manage/" + wh)
        assert enc_key not in page and re.search(r'id="encryption"[^>]* checked', page)
        assert 'id="encryption_renew"' in page
        # Saving with encryption still on keeps the key (no new one shown).
        status, _, body = s.post("/webhook/manage/" + wh, _options_form(rcv.url, encryption="1"))
        assert status in (302, 303), (status, body[:3000])
        api("POST", "/webhooks/publish", {"event_type": "sms.delivered", "payload": {"n": 1}}, key=key)
        run_runner("--once")
        req = rcv.wait_for_requests(1)[0]
        assert json.loads(_decrypt(enc_key, req.body))["data"] == {"n": 1}
        # Asked for, a new key is shown once, on the answer to the save.
        status, _, body = s.post("/webhook/manage/" + wh, _options_form(
            rcv.url, encryption="1", encryption_renew="1"), follow=True)
        assert status == 200 and "/secret?reveal=" in s.location, (status, body[:3000])
        new_key = re.search(r'id="encryption_key"[^>]* value="([A-Za-z0-9+/=]{44})"', body).group(1)
        assert new_key != enc_key and 'id="secret"' not in body
        _tidy_ok(body)
        # Unticked: off.
        status, _, body = s.post("/webhook/manage/" + wh, _options_form(rcv.url))
        assert status in (302, 303), (status, body[:3000])
        assert api("GET", "/webhooks/" + wh, key=key).body["encryption"] is False


def test_custom_event_type_from_the_events_page():
    slug, key, s = _admin()
    name = "orders.shipped_" + unique("x").lower().replace("-", "_")[-8:]
    schema = '{"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}'
    status, _, body = s.post("/webhook/events", {"name": "Bad Name!", "description": HOSTILE[0],
                                                 "schema": schema})
    assert status == 422, status
    assert "family.action" in (re.search(r'id="err-type-name">([^<]*)<', body) or [None, ""])[1], body[-4000:]
    assert 'value="Bad Name!"' in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<script>alert(1)" not in body and "<details class=\"define\" open>" in body
    _tidy_ok(body)
    bad = '{"type": "object", "properties": {"n": {"type": "integer", "frobnicate": 1}}}'
    status, _, body = s.post("/webhook/events", {"name": name, "description": "d", "schema": bad})
    assert status == 422
    err = re.search(r'id="err-type-schema">([^<]*)<', body).group(1)
    assert "schema.properties.n" in err and "frobnicate" in err, err
    assert "frobnicate&quot;: 1" in body or "frobnicate&quot;:" in body   # the textarea keeps it
    status, _, body = s.post("/webhook/events", {"name": name, "description": "d", "schema": "{\"type\": "})
    assert status == 422 and "not valid JSON" in body
    # Strict JSON, as the API takes a schema.
    for text in ("{'type': 'object'}", '{"type": "object" /* c */}', '{"maximum": 99999999999999999999}'):
        status, _, body = s.post("/webhook/events", {"name": name, "description": "d", "schema": text})
        assert status == 422 and "not valid JSON" in body, text
    status, h, _ = s.post("/webhook/events", {"name": name, "description": "Shipped " + HOSTILE[1],
                                              "schema": schema})
    assert status in (302, 303) and "done=type_created" in h["location"], (status, h)
    status, _, body = s.get("/webhook/events?done=type_created")
    assert "Event type defined" in body and name in body and "<img src=x" not in body
    _tidy_ok(body)
    types = api("GET", "/webhooks/events", key=key).body["data"]
    t = [x for x in types if x["name"] == name]
    assert t and t[0]["custom"] is True and t[0]["schema"]["required"] == ["n"], t
    status, _, body = s.get("/webhook/manage/new")
    assert 'id="sub-%s"' % name in body
    # A bare literal at the end is a whole JSON value, not JSON that
    # "ends early": what is refused is that a schema must be an object.
    status, _, body = s.post("/webhook/events", {"name": name + "_any", "description": "",
                                                 "schema": "true"})
    err = re.search(r'id="err-type-schema">([^<]*)<', body).group(1)
    assert status == 422 and "must be an object" in err and "JSON" not in err, (status, err)
    # The same name twice: the core's conflict, inline.
    status, _, body = s.post("/webhook/events", {"name": name, "description": "", "schema": ""})
    assert status == 422 and "already exists" in body
    # Viewers cannot define types.
    v = Session()
    v.login(_user(slug, "viewer"))
    assert v.post("/webhook/events", {"name": name + "x", "description": "", "schema": ""})[0] == 403
    assert "Define a custom event type" not in v.get("/webhook/events")[2]


def test_events_page_bad_filter_lists_nothing():
    """With a since/until that does not parse, or a filter too long to
    read, the events page showed the field error but listed every event
    of the account, unfiltered, with 200: the deliveries page answers 400
    and lists nothing."""
    slug, key, s = _admin()
    r = api("POST", "/webhooks/publish", {"event_type": "sms.delivered", "payload": {"a": 1}},
            key=key)
    assert r.status == 202, r
    evt = r.body["id"]
    status, _, body = s.get("/webhook/events")
    assert status == 200 and evt in body
    for q, field in (("since=yesterday", "since"), ("until=2020-13-45T99:00", "until"),
                     ("type=" + "a" * 300, "type"), ("since=" + "2" * 100, "since")):
        status, _, body = s.get("/webhook/events?" + q)
        assert status == 400, (q, status)
        assert evt not in body, (q, body[-3000:])
        assert "No events match" not in body and "Correct the highlighted filter" in body, q
        assert 'id="%s" name="%s"' % (field, field) in body, q
        assert re.search(r'name="%s"[^>]*aria-invalid="true"' % field, body), (q, body[-4000:])
        _tidy_ok(body)
    # What was typed stays in the form.
    status, _, body = s.get("/webhook/events?since=yesterday&type=sms.delivered")
    assert status == 400 and 'value="yesterday"' in body and 'value="sms.delivered"' in body
    # A good filter still lists.
    status, _, body = s.get("/webhook/events?type=sms.delivered&since=2000-01-01T00:00")
    assert status == 200 and evt in body, body[-3000:]
    # The deliveries page marks a type too long to read at its field too
    # (it said "correct the highlighted filter" and highlighted nothing).
    status, _, body = s.get("/webhook/deliveries?type=" + "a" * 300)
    assert status == 400 and 'id="err-type"' in body, (status, body[-3000:])
    assert re.search(r'name="type"[^>]*aria-invalid="true"', body), body[-3000:]


def test_delete_goes_through_a_confirmation_page():
    slug, key, s = _admin()
    wh, _ = _create(s, "http://127.0.0.1:9/del?x=" + urllib.parse.quote(HOSTILE[0]),
                    description=HOSTILE[1])
    status, _, page = s.get("/webhook/manage/" + wh)
    assert 'href="/webhook/manage/%s/delete"' % wh in page
    status, _, page = s.get("/webhook/manage")
    assert 'href="/webhook/manage/%s/delete"' % wh in page
    status, _, page = s.get("/webhook/manage/%s/delete" % wh)
    assert status == 200, status
    assert "Delete this webhook?" in page and "sms.delivered" in page and "<img src=x" not in page
    assert re.search(r'<form method="post" action="/webhook/manage/%s/delete"><input type="hidden" '
                     r'name="csrf"' % wh, page)
    _tidy_ok(page)
    assert api("GET", "/webhooks/" + wh, key=key).status == 200   # looking deletes nothing
    v = Session()
    v.login(_user(slug, "viewer"))
    assert v.get("/webhook/manage/%s/delete" % wh)[0] == 403
    assert s.post("/webhook/manage/%s/delete" % wh, {}, csrf=False)[0] == 403
    assert api("GET", "/webhooks/" + wh, key=key).status == 200
    status, h, _ = s.post("/webhook/manage/%s/delete" % wh, {})
    assert status in (302, 303) and "done=deleted" in h["location"]
    assert api("GET", "/webhooks/" + wh, key=key).status == 404
    assert s.get("/webhook/manage/%s/delete" % wh)[0] == 404


def test_dashboard_actions_are_audited():
    # The audit log records who changed what from the dashboard as well as
    # from the API: the actor is the user's email.
    slug, key, s = _admin()
    with Receiver() as rcv:
        wh, _ = _create(s, rcv.url)
        assert s.post("/webhook/manage/%s/disable" % wh, {})[0] in (302, 303)
        assert s.post("/webhook/manage/%s/enable" % wh, {})[0] in (302, 303)
        assert s.post("/webhook/manage/%s/rotate" % wh, {})[0] == 303
        assert s.post("/webhook/manage/%s/delete" % wh, {})[0] in (302, 303)
    rows = api("GET", "/webhooks/audit?limit=50", key=key).body["data"]
    mine = [(a["action"], a["object_id"]) for a in rows if a["object_id"] == wh]
    for action in ("webhook.create", "webhook.disable", "webhook.enable",
                   "webhook.rotate_secret", "webhook.delete"):
        assert (action, wh) in mine, (action, mine)
    actors = {a["actor"] for a in rows if a["object_id"] == wh}
    assert len(actors) == 1 and actors.pop().startswith("admin-"), rows
    # The dashboard's rotation says what it did, as the API's does.
    assert [a["detail"] for a in rows if a["object_id"] == wh
            and a["action"] == "webhook.rotate_secret"] == [
        {"grace_seconds": 86400, "generated": True}], rows


def test_rates_show_one_decimal_not_float_noise():
    """One success in three attempts is 33.3 %: the pages and the CSV
    used to print the double's 17 digits (33.299999999999997 %), which
    also overflowed the phone layout's table cells."""
    slug, key, s = _admin()
    with Receiver(statuses=[500, 500], status=200) as rcv:
        wh, _ = _create(s, rcv.url)
        for i in range(3):
            r = api("POST", "/webhooks/publish", {"event_type": "sms.delivered", "payload": {"n": i}},
                    key=key)
            assert r.status == 202, r
        run_runner("--once")
        rcv.wait_for_requests(3)
    pages = ["/webhook/analytics", "/webhook/manage", "/webhook", "/webhook/analytics.csv"]
    for p in pages:
        status, _, body = s.get(p)
        assert status == 200, (p, status, body[:500])
        assert "33.29999" not in body, (p, re.findall(r".{40}33\.2999.{20}", body))
    assert "33.3 %" in s.get("/webhook/analytics")[2]
    assert "33.3 %" in s.get("/webhook/manage")[2]
    assert "33.3 %" in s.get("/webhook")[2]
    csv = s.get("/webhook/analytics.csv")[2]
    assert "\r\ntotal,,,3,1,2,33.3," in csv, csv


def test_analytics_csv_cells_are_no_formulas_in_any_locale():
    """A cell that starts like a formula gets a leading '; a ';' in an
    endpoint URL is written %3B, since a spreadsheet that splits on ';'
    would start a cell after it where "=1+1" is a formula again."""
    slug, key, s = _admin()
    url = "http://127.0.0.1:9/x;=1+1;y?a=1,b=2"
    wh = api("POST", "/webhooks", {"url": url, "event_types": ["sms.delivered"]}, key=key).body["id"]
    assert api("POST", "/webhooks/publish", {"event_type": "sms.delivered", "payload": {}},
               key=key).status == 202
    run_runner("--once")
    status, _, body = s.get("/webhook/analytics.csv")
    assert status == 200, body[:500]
    rows = [ln for ln in body.split("\r\n") if ln.startswith("endpoint,")]
    assert len(rows) == 1 and rows[0].startswith(
        'endpoint,%s,"http://127.0.0.1:9/x%%3B=1+1%%3By?a=1,b=2",1,0,1,' % wh), rows
    for ln in body.split("\r\n"):
        for cell in ln.split(";"):
            assert not cell.startswith(("=", "+", "-", "@")), (ln, cell)


def test_edit_error_keeps_actions_of_the_stored_state():
    """Unticking "Enabled" in a form that comes back with an error used to
    turn the Actions button into "Enable" for an endpoint that was still
    enabled (and that button then did nothing)."""
    slug, key, s = _admin()
    wh, _ = _create(s, "http://127.0.0.1:9/a")
    status, _, body = s.post("/webhook/manage/" + wh, {"url": "ftp://bad.example/", "description": "x",
                                                       "method": "POST", "sub.sms.delivered": "1"})
    assert status == 422, (status, body[:2000])
    assert 'name="enabled" type="checkbox" value="1">' in body   # the form keeps the untick
    assert "/manage/%s/disable" % wh in body and "/manage/%s/enable" % wh not in body, body[-3000:]
    assert api("GET", "/webhooks/" + wh, key=key).body["enabled"] is True


def _bulk_form(body):
    """The bulk retry form on the deliveries page, or None."""
    m = re.search(r'<form[^>]*action="/webhook/deliveries/retry".*?</form>', body, re.S)
    return m.group(0) if m else None


def test_bulk_retry_says_what_it_does_and_asks_first():
    """The deliveries page offered "Retry all matching" under "retry failed
    ones, replay succeeded ones" for any status filter, but the core
    retries only dead deliveries when no status is given, refuses sending
    and paused ones (an error page from a button the page offered), and
    the button acted at once: one click could replay every succeeded
    delivery of the account to its receivers."""
    slug, key, s = _admin()
    with Receiver(status=500) as bad, Receiver() as good:
        dead_wh = api("POST", "/webhooks", {"url": bad.url, "event_types": ["sms.delivered"],
                                            "retry_schedule": "0"}, key=key).body["id"]
        ok_wh, _ = _create(s, good.url)
        off = api("POST", "/webhooks", {"url": good.url + "/off", "event_types": ["sms.delivered"],
                                        "enabled": False}, key=key).body["id"]
        assert api("POST", "/webhooks/publish", {"event_type": "sms.delivered", "payload": {}},
                   key=key).status == 202
        run_runner("--once")

        def status_of(wh):
            return api("GET", "/webhooks/%s/deliveries" % wh, key=key).body["data"][0]["status"]

        assert (status_of(dead_wh), status_of(ok_wh), status_of(off)) == ("dead", "succeeded", "paused")
        # No status filter: the form says it retries the dead ones only.
        status, _, body = s.get("/webhook/deliveries")
        form = _bulk_form(body)
        assert status == 200 and form, body[-3000:]
        assert "Retry all matching" not in body and "retry failed ones, replay succeeded" not in body
        assert "dead" in form, form
        _tidy_ok(body)
        # A status the core cannot queue again gets no form.
        status, _, body = s.get("/webhook/deliveries?status=paused")
        assert status == 200 and off in body and _bulk_form(body) is None, body[-3000:]
        # Submitting asks first and changes nothing.
        status, _, body = s.post("/webhook/deliveries/retry", {"status": "", "webhook_id": "",
                                                               "type": "", "since": "", "until": ""})
        assert status == 200 and 'name="confirm" value="1"' in body, (status, body[:3000])
        assert re.search(r"<strong>1</strong> dead deliver", body), body[-3000:]
        _tidy_ok(body)
        assert status_of(dead_wh) == "dead"
        # Confirmed: the dead one is queued again, the succeeded one is not.
        status, _, body = s.post("/webhook/deliveries/retry", {"status": "", "confirm": "1"},
                                 follow=True)
        assert status == 200 and "1 delivery is queued again" in body, body[:2000]
        assert (status_of(dead_wh), status_of(ok_wh)) == ("pending", "succeeded")
        # Replaying succeeded ones is its own, named choice.
        status, _, body = s.get("/webhook/deliveries?status=succeeded")
        assert "Replay" in _bulk_form(body), body[-3000:]
        status, _, body = s.post("/webhook/deliveries/retry", {"status": "succeeded"})
        assert status == 200 and "receivers get them again" in body, body[-3000:]
        assert status_of(ok_wh) == "succeeded"
        status, _, body = s.post("/webhook/deliveries/retry", {"status": "succeeded", "confirm": "1"},
                                 follow=True)
        assert status == 200 and "1 delivery is queued again" in body, body[:2000]
        assert status_of(ok_wh) == "pending"


def _header_rows(page):
    """The custom header rows the edit form shows, as {name: value}."""
    rows = {}
    for i, name in re.findall(r'name="header\.(\d+)\.name" value="([^"]*)"', page):
        value = re.search(r'name="header\.%s\.value" value="([^"]*)"' % i, page).group(1)
        if name:
            rows[name] = value
    return rows


def test_viewer_sees_header_names_not_values_writers_edit_them():
    """Custom headers carry the receiver's credentials under any name: a
    viewer's read-only form showed their values, and the attempt log
    (delivery page) too when the name looked harmless."""
    slug, key, admin = _admin()
    secrets_ = {"X-Api-Key": "k-dash-secret-1", "X-Tenant-Ref": "dash-secret-2"}
    with Receiver() as rcv:
        ep = api("POST", "/webhooks", {"url": rcv.url, "event_types": ["sms.delivered"],
                                       "headers": secrets_}, key=key).body
        wh = ep["id"]
        api("POST", "/webhooks/publish", {"event_type": "sms.delivered", "payload": {}}, key=key)
        run_runner("--once", "--account", slug)
        assert rcv.wait_for_requests(1)[0].headers["x-tenant-ref"] == "dash-secret-2"
    dlv = api("GET", "/webhooks/%s/deliveries" % wh, key=key).body["data"][0]["id"]
    v = Session()
    v.login(_user(slug, "viewer"))
    status, _, page = v.get("/webhook/manage/" + wh)
    assert status == 200, page[:2000]
    assert "not change it" in page
    assert _header_rows(page) == {n: "[redacted]" for n in secrets_}, _header_rows(page)
    status, _, dpage = v.get("/webhook/deliveries/" + dlv)
    assert status == 200, dpage[:2000]
    assert "X-Tenant-Ref" in dpage or "x-tenant-ref" in dpage.lower(), dpage[:4000]
    for p in (page, dpage):
        for value in secrets_.values():
            assert value not in p, value
    _tidy_ok(page)
    # A developer sees the values and saving the form as shown keeps them.
    d = Session()
    d.login(_user(slug, "developer"))
    status, _, page = d.get("/webhook/manage/" + wh)
    assert _header_rows(page) == secrets_, _header_rows(page)
    form = _options_form(rcv.url)
    for i, (n, val) in enumerate(_header_rows(page).items()):
        form.update({"header.%d.name" % i: n, "header.%d.value" % i: val})
    status, _, body = d.post("/webhook/manage/" + wh, form)
    assert status in (302, 303), (status, _field_error(body, "headers"), body[:3000])
    assert api("GET", "/webhooks/" + wh, key=key).body["headers"] == secrets_
    # What a viewer was shown, typed back by a writer, is refused inline.
    form.update({"header.0.value": "[redacted]"})
    status, _, body = d.post("/webhook/manage/" + wh, form)
    assert status == 422, (status, body[:3000])
    err = _field_error(body, "headers")
    assert err and "[redacted]" in err, (err, body[:3000])
    assert api("GET", "/webhooks/" + wh, key=key).body["headers"] == secrets_


def test_more_endpoints_than_a_select_holds_can_all_be_chosen():
    """The endpoint selects of deliveries, analytics and testing held the
    first 250 endpoints by id, so an account's newest ones could not be
    chosen at all; past 250 the select is a field for an id that
    suggests the first 250."""
    from hltest import sql, time_id
    slug, key, s = _admin()
    with Receiver() as rcv:
        first, _ = _create(s, rcv.url)
        # 250 more, copies of the first made later (ids sort by time).
        now = int(time.time() * 1000)
        ids = [time_id("wh", now + 1000 + i) for i in range(250)]
        stmts = ["CREATE TEMPORARY TABLE t AS SELECT * FROM endpoints WHERE id = '%s'" % first]
        for i, wh in enumerate(ids):
            stmts.append("UPDATE t SET id = '%s', description = 'copy %d'" % (wh, i))
            stmts.append("INSERT INTO endpoints SELECT * FROM t")
        sql("; ".join(stmts))
        newest = ids[-1]
        for page in ("/webhook/deliveries", "/webhook/analytics", "/webhook/testing"):
            status, _, body = s.get(page)
            assert status == 200, (page, status)
            assert '<select id="webhook_id"' not in body, page
            assert re.search(r'<input id="webhook_id" name="webhook_id"[^>]* list="webhook_id-list"',
                             body), page
            assert "More than 250 endpoints" in body, page
            assert body.count('<option value="wh_') == 250 and newest not in body, page
            _tidy_ok(body)
        status, _, body = s.get("/webhook/deliveries?webhook_id=" + newest)
        assert status == 200 and 'value="%s"' % newest in body, body[-2000:]
        status, _, body = s.get("/webhook/analytics?webhook_id=" + newest)
        assert status == 200 and 'value="%s"' % newest in body, body[-2000:]
        status, _, body = s.post("/webhook/testing/send", {
            "webhook_id": newest, "type": "sms.delivered", "payload": "{}"})
        assert status == 200 and "HTTP 200" in body, body[-3000:]
        assert len(rcv.wait_for_requests(1)) == 1
    # An account under the cap keeps its select.
    _, _, other = _admin()
    assert '<select id="webhook_id"' in other.get("/webhook/deliveries")[2]


def test_overview_tiles_count_what_their_links_list():
    """The overview's tiles linked to lists that held something else:
    "deliveries in the last 24 h" to every delivery, "failing" and
    "disabled endpoints" to all endpoints, "waiting (pending, sending or
    paused)" to the pending ones only, the success rate to a window an
    hour off. Each count is now what its link lists."""
    import hashlib
    import hmac
    import html
    from hltest import sql, time_id
    slug, key, s = _admin()
    eps = [api("POST", "/webhooks", {"url": "http://127.0.0.1:9/t%d" % i,
                                     "event_types": ["sms.delivered"]}, key=key).body["id"]
           for i in range(4)]
    # eps[0] healthy, [1] failing, [2] disabled, [3] disabled and failing.
    sql("UPDATE endpoints SET consecutive_failures = 3 WHERE id IN ('%s', '%s')" % (eps[1], eps[3]))
    for i in range(3):
        assert api("POST", "/webhooks/publish", {"event_type": "sms.delivered", "payload": {"n": i}},
                   key=key).status == 202
    for wh in (eps[2], eps[3]):
        assert api("POST", "/webhooks/%s/disable" % wh, key=key).status == 200
    rows = sql("SELECT id FROM deliveries WHERE endpoint_id IN ('%s') ORDER BY id"
               % "','".join(eps))
    assert len(rows) == 12, rows
    # One of each waiting status and a dead one; one delivery made two
    # days ago is not of the last 24 hours.
    for (dlv,), status in zip(rows, ["pending", "sending", "sending", "dead", "succeeded"]):
        sql("UPDATE deliveries SET status = '%s' WHERE id = '%s'" % (status, dlv))
    sql("UPDATE deliveries SET created_at = NOW(3) - INTERVAL 2 DAY WHERE id = '%s'" % rows[-1][0])
    # Incoming: two accepted, one refused, and one accepted two days ago.
    src = api("POST", "/webhooks/sources", {"verify": "github", "secret": "gh", "name": "T"},
              key=key).body
    for body, secret in ((b'{"n": 1}', "gh"), (b'{"n": 2}', "gh"), (b'{"n": 3}', "wrong"),
                         (b'{"n": 4}', "gh")):
        sig = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        api("POST", "/webhooks/incoming/" + src["slug"], raw=body, key=None, headers={
            "Content-Type": "application/json", "X-Hub-Signature-256": sig,
            "X-GitHub-Event": "push", "X-GitHub-Delivery": hashlib.sha1(body).hexdigest()})
    old_id = sql("SELECT id FROM incoming_requests WHERE source_id = '%s' ORDER BY id LIMIT 1"
                 % src["id"])[0][0]
    sql("UPDATE incoming_requests SET id = '%s' WHERE id = '%s'"
        % (time_id("inc", (time.time() - 2 * 86400) * 1000), old_id))
    status, _, home = s.get("/webhook")
    assert status == 200
    tiles = re.findall(r'<a class="stat[^"]*" href="([^"]+)"><span class="num">([^<]+)</span>', home)
    links = re.findall(r'<a href="(/webhook/deliveries\?status=[a-z]+)">(\d+) [a-z]+</a>', home)
    assert len(tiles) >= 6 and len(links) == 3, home[-4000:]
    checked = 0
    for href, shown in tiles + links:
        href = html.unescape(href).split("#")[0]
        if href.startswith("/webhook/manage"):
            status, _, page = s.get(href)
            listed = len(re.findall(r'<td class="url"><a href="/webhook/manage/wh_', page))
        elif href.startswith("/webhook/deliveries"):
            status, _, page = s.get(href)
            listed = len(re.findall(r'<tr><td class="url"><a href="/webhook/deliveries/dlv_', page))
        elif href.startswith("/webhook/incoming"):
            status, _, page = s.get(href)
            listed = len(re.findall(r'<td><a href="/webhook/incoming/src_[a-z0-9]+/requests/inc_',
                                    page))
        elif href.startswith("/webhook/analytics"):
            status, _, page = s.get(href)
            m = re.search(r'([\d.]+) %', html.unescape(shown))
            shown = m.group(1) if m else shown
            listed = shown if shown in page else None
        else:
            continue
        assert status == 200, (href, status)
        if not href.startswith("/webhook/manage?") or "health" in href:
            assert str(listed) == shown.strip(), (href, shown, listed)
            checked += 1
    assert checked >= 9, checked
    counts = dict((h.split("?")[0] + ("?outcome" if "outcome" in h else ""), n) for h, n in tiles)
    assert counts["/webhook/incoming"] == "3" and counts["/webhook/incoming?outcome"] == "1", counts
    counts = dict((h, n) for h, n in tiles)
    assert counts["/webhook/manage?health=failing"] == "1"
    assert counts["/webhook/manage?health=disabled"] == "2"
    # Disabling paused the 6 of eps[2] and eps[3]; two of those were set
    # to sending and dead above.
    assert dict((h, n) for h, n in links) == {"/webhook/deliveries?status=pending": "4",
                                                 "/webhook/deliveries?status=sending": "2",
                                                 "/webhook/deliveries?status=paused": "4"}, links
    assert re.search(r'<span class="num">10</span><span class="lbl">deliveries waiting', home)
    # One of a kind is named in the singular.
    assert '<span class="lbl">failing endpoint</span>' in home
    assert '<span class="lbl">dead letter</span>' in home
    assert '<span class="lbl">disabled endpoints</span>' in home
    assert s.get("/webhook/manage?health=sick")[0] == 400


def test_wildcard_types_in_exact_filters_are_inline_errors():
    """The deliveries and analytics filters take one exact event type:
    "sms.*" there listed nothing, charted nothing and said nothing (the
    events page's search takes a family; these did not)."""
    slug, key, s = _admin()
    for page in ("/webhook/deliveries", "/webhook/analytics", "/webhook/analytics.csv"):
        status, _, body = s.get(page + "?type=sms.*")
        assert status == 400, (page, status)
        if not page.endswith(".csv"):
            assert "not a wildcard" in _field_error(body, "type"), page
            assert 'placeholder="sms.delivered" value="sms.*"' in body, page
    status, _, body = s.get("/webhook/deliveries?type=sms.delivered")
    assert status == 200
    # The events search takes a family wildcard, and only that.
    status, _, body = s.get("/webhook/events?type=sms.*")
    assert status == 200 and _field_error(body, "type") is None
    for typed in ("*", "sms*", "*.delivered", ".*"):
        status, _, body = s.get("/webhook/events?type=" + urllib.parse.quote(typed))
        assert status == 400 and _field_error(body, "type"), (typed, status)


def test_a_page_with_a_trailing_slash_redirects_to_the_page():
    """"/webhook/" (typed, or a link from a wiki) was "There is no such
    page"; a page's path with one slash more now redirects to the page,
    its query kept. The API keeps its exact paths."""
    _, key, s = _admin()
    for path, want in (("/webhook/", "/webhook"), ("/webhook/manage/", "/webhook/manage"),
                       ("/webhook/deliveries/?status=dead", "/webhook/deliveries?status=dead"),
                       ("/webhook/login/", "/webhook/login")):
        status, h, _ = s.get(path)
        assert status == 303 and h["location"] == want, (path, status, h)
    assert s.get("/webhook")[0] == 200
    for path in ("/webhook//", "/webhook/nosuch/", "/webhook/manage/%3Cb%3E/"):
        assert s.get(path)[0] == 404, path
    r = api("GET", "/webhooks/", key=key)
    assert r.status == 404 and r.body["error"]["code"] == "not_found", r
    # A page that needs a login still does, after the redirect.
    status, h, _ = Session().get("/webhook/manage/")
    assert status == 303 and h["location"] == "/webhook/manage", h


def test_form_errors_name_no_configuration_key():
    """What a dashboard user reads about a refused value says what to
    change in the form, not which server configuration key decides it
    (an account user can neither see nor change the configuration)."""
    slug, key, s = _admin()
    status, _, body = s.post("/webhook/manage", _options_form("http://127.0.0.1:9/x",
                                                              timeout_ms="5"))
    err = _field_error(body, "timeout_ms")
    assert status == 422 and err and "100..300000" in err, (status, err)
    assert "Delivery." not in err and "default" in err, err
    # With Security.RequireHttps, the same check the form's URL field goes
    # through (hl_endpoint_create) words its refusal for the user.
    conf = write_config(Security_RequireHttps=1)
    r = cgi("POST", "/webhooks", body={"url": "http://127.0.0.1:9/plain"},
            headers={"Authorization": "Bearer " + key}, config=conf)
    assert r.status == 422 or r.status == 400, r
    msg = r.body["error"]["message"]
    assert "https" in msg and "Security." not in msg and "RequireHttps" not in msg, msg


def test_header_values_are_kept_as_typed_names_trimmed():
    """The edit form trimmed header values: a value the API stored with
    its blanks (PUT keeps values as given) changed on every save of the
    form. The name is a token and is trimmed; the value is kept, and what
    HTTP forbids in one is refused inline with the API's message."""
    slug, key, s = _admin()
    padded = "  token with  inner and outer blanks \t"
    with Receiver() as rcv:
        status, _, body = s.post("/webhook/manage", _options_form(
            rcv.url, **{"header.0.name": "  X-Padded ", "header.0.value": padded,
                        "header.1.name": "", "header.1.value": "   "}), follow=True)
        assert status == 200, (status, _field_error(body, "headers"), body[:2000])
        wh = re.search(r'(wh_[0-9a-z]{26})', body).group(1)
        assert api("GET", "/webhooks/" + wh, key=key).body["headers"] == {"X-Padded": padded}
        # Set through the API, shown by the form, saved unchanged.
        api("PUT", "/webhooks/" + wh, {"headers": {"X-Api": " api value "}}, key=key)
        status, _, page = s.get("/webhook/manage/" + wh)
        rows = _header_rows(page)
        assert rows == {"X-Api": " api value "}, rows
        form = _options_form(rcv.url)
        for i, (n, val) in enumerate(rows.items()):
            form.update({"header.%d.name" % i: n, "header.%d.value" % i: val})
        status, _, body = s.post("/webhook/manage/" + wh, form)
        assert status in (302, 303), (status, _field_error(body, "headers"))
        assert api("GET", "/webhooks/" + wh, key=key).body["headers"] == {"X-Api": " api value "}
        # A control character is refused, as the API refuses it.
        form.update({"header.0.value": "bad\x01value"})
        status, _, body = s.post("/webhook/manage/" + wh, form)
        err = _field_error(body, "headers")
        assert status == 422 and err and "control characters" in err, (status, err)
        r = api("PUT", "/webhooks/" + wh, {"headers": {"X-Api": "bad\x01value"}}, key=key)
        assert r.status in (400, 422) and r.body["error"]["message"] == err.replace("&#39;", "'"), r
