"""Dashboard users with the real binaries: hooklinectl user list, disable,
enable and passwd (sessions end at once, a disabled user cannot log in by
the form or HTTP Basic and is told no more than a wrong password), the
audit records of logins, failed logins and logouts, and the login's next
target (the query string kept, never another site). Logins run as CGI
with addresses of their own, so the stack's 127.0.0.1 keeps its
allowance of failed logins for the other tests."""

import base64
import html
import os
import re
import secrets
import subprocess
import time
import urllib.parse

from hltest import CONFIG, CTL, api, cgi, ctl, new_account, sql, unique, write_config

PASSWORD = "correct horse battery staple"
FORM = "application/x-www-form-urlencoded"


def _addr():
    return "198.51.100.%d" % secrets.randbelow(250)


def _user(slug, role="admin", password=PASSWORD):
    email = "%s-%s@example.test" % (role, unique("u"))
    uid = ctl("user", "create", slug, email, role, input=password + "\n").stdout.strip()
    return email, uid


def _login(email, password, addr, next_=None, config=None, base=""):
    form = {"email": email, "password": password}
    if next_ is not None:
        form["next"] = next_
    return cgi("POST", base + "/webhook/login", body=urllib.parse.urlencode(form).encode(),
               content_type=FORM, addr=addr, config=config)


def _cookie(r):
    assert r.status == 303, r
    return r.headers["set-cookie"].split(";")[0]


def _get(path, cookie=None, addr="192.0.2.1", config=None):
    return cgi("GET", path, headers={"Cookie": cookie} if cookie else None, addr=addr,
               config=config)


def _basic(email, password, addr):
    auth = "Basic " + base64.b64encode(("%s:%s" % (email, password)).encode()).decode()
    return cgi("GET", "/webhooks", headers={"Authorization": auth}, addr=addr)


def _audit(key, action=None):
    q = "/webhooks/audit?limit=100" + ("&action=" + action if action else "")
    r = api("GET", q, key=key)
    assert r.status == 200, r
    return r.body["data"]


def _sessions(uid):
    return int(sql("SELECT COUNT(*) FROM sessions WHERE user_id = '%s'" % uid)[0][0])


def _error_paragraph(body):
    m = re.search(r'<p class="error"[^>]*>(.*?)</p>', body, re.S)
    return m.group(1) if m else None


def test_user_list_shows_every_user_of_the_account_and_who_is_disabled():
    slug, _ = new_account("ulist")
    a, aid = _user(slug, "admin")
    v, vid = _user(slug, "viewer")
    other, _ = new_account("ulist")
    o, _ = _user(other, "developer")
    ctl("user", "disable", slug, v)
    out = ctl("user", "list", slug).stdout
    lines = out.splitlines()
    assert len(lines) == 2, out
    byid = {line.split("\t")[0]: line.split("\t") for line in lines}
    assert byid[aid][1:3] == [a, "admin"] and byid[vid][1:3] == [v, "viewer"], byid
    assert "disabled" not in lines[[l.split("\t")[0] for l in lines].index(aid)], out
    assert "disabled 20" in lines[[l.split("\t")[0] for l in lines].index(vid)], out
    assert o not in out
    assert ctl("user", "list", "no-such-account", check=False).returncode == 4


def test_disable_ends_sessions_and_refuses_logins_like_a_wrong_password():
    slug, key = new_account("udis")
    email, uid = _user(slug)
    addr = _addr()
    cookie = _cookie(_login(email, PASSWORD, addr))
    assert _get("/webhook", cookie).status == 200
    assert _basic(email, PASSWORD, addr).status == 200
    # What an unknown email is told, to compare with.
    unknown = _login("nobody-%s@example.test" % unique("n"), PASSWORD, _addr())
    unknown_basic = _basic("nobody-%s@example.test" % unique("n"), PASSWORD, _addr())
    assert unknown.status == 401 and unknown_basic.status == 401

    p = ctl("user", "disable", slug, email)
    assert p.returncode == 0 and email in p.stdout, (p.stdout, p.stderr)
    assert sql("SELECT disabled_at IS NOT NULL FROM users WHERE id = '%s'" % uid) == [["1"]]
    # The open session ends at once: the next page asks to log in.
    assert _sessions(uid) == 0
    r = _get("/webhook", cookie)
    assert r.status == 303 and "/webhook/login" in r.headers["location"], r
    # The form and Basic say what they say for an unknown email.
    r = _login(email, PASSWORD, _addr())
    assert r.status == 401 and "set-cookie" not in r.headers, r
    assert _error_paragraph(r.body) == _error_paragraph(unknown.body), r.body
    b = _basic(email, PASSWORD, _addr())
    assert b.status == 401 and b.body == unknown_basic.body, (b, unknown_basic)
    # Disabling again changes nothing and says so.
    p = ctl("user", "disable", slug, uid)
    assert p.returncode == 0 and "already disabled" in p.stdout, (p.stdout, p.stderr)

    p = ctl("user", "enable", slug, email)
    assert p.returncode == 0, p.stderr
    assert sql("SELECT disabled_at IS NULL FROM users WHERE id = '%s'" % uid) == [["1"]]
    assert _get("/webhook", _cookie(_login(email, PASSWORD, _addr()))).status == 200
    assert _basic(email, PASSWORD, _addr()).status == 200
    assert "already enabled" in ctl("user", "enable", slug, email).stdout

    rows = _audit(key)
    dis = [a for a in rows if a["action"] == "user.disable"]
    ena = [a for a in rows if a["action"] == "user.enable"]
    assert len(dis) == 1 and len(ena) == 1, [a["action"] for a in rows]
    assert dis[0]["object_id"] == uid and dis[0]["actor"].startswith("hooklinectl:"), dis
    assert dis[0]["detail"] == {"email": email, "sessions_ended": 1}, dis
    assert ena[0]["detail"] == {"email": email}, ena


def test_passwd_sets_a_new_password_and_ends_sessions():
    slug, key = new_account("upw")
    email, uid = _user(slug)
    keep_email, keep_uid = _user(slug)
    addr = _addr()
    c1 = _cookie(_login(email, PASSWORD, addr))
    c2 = _cookie(_login(email, PASSWORD, addr))
    kept = _cookie(_login(keep_email, PASSWORD, addr))
    assert _sessions(uid) == 2
    new = "a brand new password 7"
    p = ctl("user", "passwd", slug, email, input=new + "\n")
    assert p.returncode == 0, p.stderr
    assert new not in p.stdout + p.stderr
    assert _sessions(uid) == 0
    for c in (c1, c2):
        assert _get("/webhook", c).status == 303
    # Another user's session is not touched.
    assert _get("/webhook", kept).status == 200 and _sessions(keep_uid) == 1
    assert _login(email, PASSWORD, _addr()).status == 401
    c3 = _cookie(_login(email, new, _addr()))
    # set-password is the same command, by user id too.
    newer = "and another one 12345"
    assert ctl("user", "set-password", slug, uid, input=newer + "\n").returncode == 0
    assert _get("/webhook", c3).status == 303
    assert _login(email, new, _addr()).status == 401
    assert _login(email, newer, _addr()).status == 303

    rows = [a for a in _audit(key) if a["action"] == "user.set_password"]
    assert len(rows) == 2 and {a["object_id"] for a in rows} == {uid}, rows
    assert {a["detail"]["sessions_ended"] for a in rows} == {2, 1}, rows
    text = str(_audit(key))
    assert new not in text and newer not in text and PASSWORD not in text
    assert not sql("SELECT id FROM audit_log WHERE detail LIKE '%%%s%%' OR detail LIKE '%%%s%%'"
                   % (new, newer))


def _change_while_logging_in(uid, change, email, addr):
    """A login with the right password that checks it while change (SQL
    on the user's row) is under way: the change's transaction holds the
    row, ends the user's sessions and commits after the check. Returns
    the login's answer."""
    script = ("BEGIN; %s; DO SLEEP(3); DELETE FROM sessions WHERE user_id = '%s'; COMMIT;"
              % (change, uid))
    proc = subprocess.Popen(["mariadb", "--no-defaults", "--socket", os.environ["HL_DB_SOCKET"],
                             "-uroot", "hookline", "-e", script],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(0.5)
        r = _login(email, PASSWORD, addr)
    finally:
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    return r


def test_a_login_under_way_gets_no_session_after_a_new_password_or_disable():
    """A login that checked the old password (or an enabled user) while
    the password was changed or the user disabled must not come out with
    a session: the change ended the sessions before this one existed, and
    the one who logs in may be whoever the password was changed to lock out."""
    slug, _ = new_account("urace")
    for change in ("UPDATE users SET password_hash = 'pbkdf2-sha256$1$eA==$eA==' WHERE id = '%s'",
                   "UPDATE users SET disabled_at = NOW(3) WHERE id = '%s'"):
        email, uid = _user(slug)
        r = _change_while_logging_in(uid, change % uid, email, _addr())
        assert r.status == 401 and "set-cookie" not in r.headers, (change, r)
        assert _sessions(uid) == 0, change


def test_user_commands_validate_arguments_and_change_nothing_on_error():
    slug, key = new_account("uval")
    email, uid = _user(slug)
    other, _ = new_account("uval")
    oemail, ouid = _user(other)
    addr = _addr()
    cookie = _cookie(_login(email, PASSWORD, addr))
    before = sql("SELECT password_hash, disabled_at IS NULL FROM users WHERE id = '%s'" % uid)
    audits = len(_audit(key))
    cases = [
        # usage: 2, nothing read, nothing changed
        (["user", "disable", slug], 2, "usage"),
        (["user", "disable", slug, email, "extra"], 2, "usage"),
        (["user", "enable"], 2, "usage"),
        (["user", "passwd", slug], 2, "usage"),
        (["user", "list"], 2, "usage"),
        (["user", "list", slug, "extra"], 2, "usage"),
        (["user", "frobnicate", slug, email], 2, "unknown command"),
        # not found: 4, also for a user of another account
        (["user", "disable", "no-such-account", email], 4, "no-such-account"),
        (["user", "disable", slug, "nobody@example.test"], 4, "nobody@example.test"),
        (["user", "disable", slug, oemail], 4, oemail),
        (["user", "enable", slug, ouid], 4, ouid),
        (["user", "passwd", slug, oemail], 4, oemail),
        (["user", "passwd", slug, "usr_nosuchuser"], 4, "usr_nosuchuser"),
    ]
    for argv, status, words in cases:
        p = ctl(*argv, check=False, input="long enough password 1\n")
        assert p.returncode == status, (argv, p.returncode, p.stdout, p.stderr)
        assert words in p.stderr and not p.stdout, (argv, p.stdout, p.stderr)
    # A password the core refuses (too short, too long) is a usage error:
    # the old password and the sessions stay.
    for bad in ("short", "x" * 1025):
        p = ctl("user", "passwd", slug, email, input=bad + "\n", check=False)
        assert p.returncode == 2 and "password" in p.stderr, (p.returncode, p.stderr)
    # No password at all on standard input: an empty one, refused as for
    # user create.
    p = ctl("user", "passwd", slug, email, input="", check=False)
    assert p.returncode == 2 and "password is empty" in p.stderr, (p.returncode, p.stderr)
    assert sql("SELECT password_hash, disabled_at IS NULL FROM users WHERE id = '%s'" % uid) == before
    assert sql("SELECT disabled_at IS NULL FROM users WHERE id = '%s'" % ouid) == [["1"]]
    assert _get("/webhook", cookie).status == 200
    assert len(_audit(key)) == audits


def test_logins_failed_logins_and_logouts_are_audited_without_passwords():
    slug, key = new_account("ulog")
    email, uid = _user(slug)
    addr = _addr()
    r = _login(email, PASSWORD, addr)
    cookie = _cookie(r)
    wrong = "not the password %s" % unique("w")
    assert _login(email, wrong, addr).status == 401
    # A password typed into the email field names no user: only logged.
    stray = "stray-secret-%s" % unique("s")
    assert _login(stray, PASSWORD, addr).status == 401
    page = _get("/webhook", cookie, addr=addr)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.body).group(1)
    r = cgi("POST", "/webhook/logout", body=urllib.parse.urlencode({"csrf": csrf}).encode(),
            content_type=FORM, headers={"Cookie": cookie}, addr=addr)
    assert r.status == 303, r
    assert _get("/webhook", cookie).status == 303
    ctl("user", "disable", slug, email)
    assert _login(email, PASSWORD, addr).status == 401

    rows = _audit(key)
    mine = [a for a in rows if a["object_id"] == uid and a["action"].startswith("user.log")]
    got = [(a["action"], a["actor"], a["actor_id"], a["client_addr"], a["detail"])
           for a in reversed(mine)]
    assert got == [("user.login", email, uid, addr, None),
                   ("user.login_failed", email, uid, addr, {"reason": "wrong_password"}),
                   ("user.logout", email, uid, addr, None),
                   ("user.login_failed", email, uid, addr, {"reason": "disabled"})], got
    text = str(rows)
    assert wrong not in text and PASSWORD not in text and stray not in text, text
    assert not sql("SELECT id FROM audit_log WHERE detail LIKE '%%%s%%' OR actor LIKE '%%%s%%' "
                   "OR detail LIKE '%%%s%%'" % (wrong, stray, PASSWORD))


def test_login_throttle_unchanged_and_refused_attempts_are_not_audited():
    slug, key = new_account("uthr")
    email, uid = _user(slug)
    addr = _addr()
    for _ in range(5):
        assert _login(email, "wrong password", addr).status == 401
    r = _login(email, PASSWORD, addr)
    assert r.status == 429 and r.headers.get("retry-after") == "900", r
    actions = [a["action"] for a in _audit(key) if a["object_id"] == uid]
    assert actions.count("user.login_failed") == 5 and "user.login" not in actions, actions


def _next_field(body):
    m = re.search(r'<input type="hidden" name="next" value="([^"]*)"', body)
    assert m, body[:2000]
    return html.unescape(m.group(1))


def test_next_keeps_the_query_string_through_the_login():
    slug, _ = new_account("unext")
    email, _ = _user(slug)
    addr = _addr()
    for target in ("/webhook/deliveries?status=dead",
                   "/webhook/deliveries?status=dead&endpoint=wh_0123&before=2026-01-01T00:00:00Z",
                   "/webhook/analytics?range=7d&type=sms.delivered%2Bx%26y"):
        r = _get(target)
        assert r.status == 303, r
        loc = r.headers["location"]
        path, _, query = loc.partition("?")
        assert path == "/webhook/login", loc
        assert urllib.parse.parse_qs(query) == {"next": [target]}, (loc, target)
        page = _get(loc)
        assert page.status == 200 and _next_field(page.body) == target, (target, page.body[:2000])
        r = _login(email, PASSWORD, addr, next_=_next_field(page.body))
        assert r.status == 303 and r.headers["location"] == target, (target, r.headers)
        # A wrong password keeps it in the form.
        r = _login(email, "wrong password", _addr(), next_=target)
        assert r.status == 401 and _next_field(r.body) == target, r.body[:2000]
    # Characters a query may not carry raw are sent on encoded.
    r = _get('/webhook/deliveries?q=<script>"x\'')
    assert r.status == 303, r
    target = urllib.parse.parse_qs(r.headers["location"].partition("?")[2])["next"][0]
    assert target == "/webhook/deliveries?q=%3Cscript%3E%22x%27", target
    page = _get(r.headers["location"])
    assert "<script>" not in page.body and _next_field(page.body) == target
    # The same through the stack's web server.
    r = api("GET", "/webhook/deliveries?status=dead", key=None, headers={"Accept": "text/html"})
    assert r.status == 303, r
    assert r.headers["location"] == "/webhook/login?next=/webhook/deliveries%3Fstatus%3Ddead", r
    # A plain path is sent on as before.
    assert _get("/webhook/manage").headers["location"] == "/webhook/login?next=/webhook/manage"


def test_next_never_leaves_the_dashboard():
    slug, _ = new_account("uevil")
    email, _ = _user(slug)
    addr = _addr()
    hostile = ["//evil.example/webhook", "/\\evil.example", "https://evil.example/webhook",
               "javascript:alert(1)", "/webhook/../admin", "/webhook/%2e%2e/admin",
               "/webhook//evil.example", "/webhookevil", "/webhook\r\nSet-Cookie: a=b",
               "/webhook/deliveries?x=1\r\nLocation: https://evil.example",
               "/webhook/deliveries?x=<b>", "/webhook/deliveries?x=%zz", "webhook/manage",
               "/webhook\\@evil.example", "/webhook/deliveries#frag", ""]
    for bad in hostile:
        page = _get("/webhook/login?" + urllib.parse.urlencode({"next": bad}))
        assert page.status == 200 and _next_field(page.body) == "/webhook", (bad, page.body[:500])
        r = _login(email, PASSWORD, addr, next_=bad)
        assert r.status == 303 and r.headers["location"] == "/webhook", (bad, r.headers)
    # A query with a broken escape is not guessed at: the path alone.
    r = _get("/webhook/deliveries?status=%zz")
    assert r.headers["location"] == "/webhook/login?next=/webhook/deliveries", r.headers
    # One too long for the login redirect falls back to the path.
    r = _get("/webhook/deliveries?status=" + "d" * 2000)
    assert r.headers["location"] == "/webhook/login?next=/webhook/deliveries", r.headers


def test_next_with_a_base_path():
    base = "/hl-users"
    conf = write_config(Web_BasePath=base)
    slug, _ = new_account("ubase")
    email, _ = _user(slug)
    target = "/webhook/deliveries?status=dead&endpoint=wh_1"
    r = _get(base + target, config=conf)
    assert r.status == 303, r
    loc = r.headers["location"]
    assert loc.startswith(base + "/webhook/login?"), loc
    assert urllib.parse.parse_qs(loc.partition("?")[2]) == {"next": [target]}, loc
    page = _get(loc, config=conf)
    assert _next_field(page.body) == target, page.body[:2000]
    r = _login(email, PASSWORD, _addr(), next_=target, config=conf, base=base)
    assert r.status == 303 and r.headers["location"] == base + target, r.headers
    # Another site stays refused under a base path.
    r = _login(email, PASSWORD, _addr(), next_="//evil.example", config=conf, base=base)
    assert r.headers["location"] == base + "/webhook", r.headers



def test_the_email_throttle_holds_for_every_spelling_of_the_email():
    """The database compares emails without case, accents or trailing
    spaces, so "A@x.test " logs in as a@x.test; the throttle keyed them
    apart, giving each spelling five guesses of its own (from addresses
    of their own, below the per-address limit: a distributed guesser)."""
    slug, _ = new_account("uspell")
    email, _ = _user(slug)
    # Another spelling is the same user.
    other, _ = _user(slug)
    assert _login(other.upper() + "  ", PASSWORD, _addr()).status == 303
    for _ in range(5):
        assert _login(email, "wrong password", _addr()).status == 401
    spellings = [email.upper(), email + " ", email + "   ", email.replace("example", "\u00e9xample"),
                 email.replace("admin", "Adm\u00efn")]
    for spelling in spellings:
        r = _login(spelling, "wrong password", _addr())
        assert r.status == 429, (spelling, r)
        r = _login(spelling, PASSWORD, _addr())
        assert r.status == 429, (spelling, r)
        assert _basic(spelling, PASSWORD, _addr()).status == 429, spelling
    assert _login(email, PASSWORD, _addr()).status == 429


def test_an_empty_field_is_asked_for_not_a_wrong_password():
    """An email with an empty password said "Wrong email or password." (and
    counted a failed login); only the email was checked for emptiness."""
    slug, key = new_account("uempty")
    email, uid = _user(slug)
    addr = _addr()
    for password, email_typed, want in (("", email, "Enter your password."),
                                        (PASSWORD, "", "Enter your email address."),
                                        ("", "", "Enter your email and password.")):
        r = _login(email_typed, password, addr)
        body = r.raw.decode()
        assert r.status == 400 and _error_paragraph(body) == want, (r.status, body[:2000])
        assert 'value="%s"' % email_typed in body
    assert not [a for a in _audit(key) if a["action"] == "user.login_failed"]
    assert sql("SELECT COUNT(*) FROM login_failures WHERE client_addr = '%s'" % addr) == [["0"]]
    assert _login(email, PASSWORD, addr).status == 303
