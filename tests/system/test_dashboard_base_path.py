"""Web.BasePath: mounted under a prefix, hookline hands out every URL with
it: redirects, the session cookie's Path, the links and forms of pages and
the API's Location headers. Runs hookline.fcgi as CGI with a configuration
of its own (the stack's web server serves the unprefixed paths)."""

import re
import secrets
import urllib.parse

from hltest import cgi, ctl, new_account, unique, write_config

BASE = "/hl-mount"
PASSWORD = "correct horse battery staple"
ADDR = "192.0.2.%d" % secrets.randbelow(200)
_conf = None


def _config():
    global _conf
    if _conf is None:
        _conf = write_config(Web_BasePath=BASE)
    return _conf


def _get(path, cookie=None):
    return cgi("GET", BASE + path, headers={"Cookie": cookie} if cookie else None, addr=ADDR,
               config=_config())


def _post(path, form, cookie=None):
    return cgi("POST", BASE + path, body=urllib.parse.urlencode(form).encode(),
               content_type="application/x-www-form-urlencoded",
               headers={"Cookie": cookie} if cookie else None, addr=ADDR, config=_config())


def _links_carry_base(html):
    urls = re.findall(r'(?:href|src|action)="([^"]*)"', html)
    assert urls, html[:2000]
    local = [u for u in urls if u.startswith("/")]
    assert local and all(u.startswith(BASE + "/webhook") for u in local), \
        [u for u in local if not u.startswith(BASE + "/webhook")]


def test_base_path_in_redirects_cookies_links_and_locations():
    slug, key = new_account("base")
    email = "%s@example.test" % unique("bp")
    ctl("user", "create", slug, email, "admin", input=PASSWORD + "\n")
    r = _get("/webhook/manage")
    assert r.status == 303 and r.headers["location"] == BASE + "/webhook/login?next=/webhook/manage", r
    r = _get("/webhook/login")
    assert r.status == 200, r
    _links_carry_base(r.body)
    r = _post("/webhook/login", {"email": email, "password": PASSWORD, "next": "/webhook/manage"})
    assert r.status == 303 and r.headers["location"] == BASE + "/webhook/manage", r
    assert "Path=%s/webhook;" % BASE in r.headers["set-cookie"], r.headers
    cookie = r.headers["set-cookie"].split(";")[0]
    r = _get("/webhook", cookie)
    assert r.status == 200, r
    _links_carry_base(r.body)
    csrf = re.search(r'name="csrf" value="([^"]+)"', r.body).group(1)
    # The API's Location headers.
    auth = {"Authorization": "Bearer " + key}
    r = cgi("POST", BASE + "/webhooks", body={"url": "http://127.0.0.1:9/bp"}, headers=auth,
            addr=ADDR, config=_config())
    assert r.status == 201 and r.headers["location"] == "%s/webhooks/%s" % (BASE, r.body["id"]), r
    wh = r.body["id"]
    r = cgi("POST", BASE + "/webhooks/sources", body={"verify": "standard"}, headers=auth,
            addr=ADDR, config=_config())
    assert r.status == 201, r
    assert r.headers["location"] == "%s/webhooks/sources/%s" % (BASE, r.body["id"]), r
    # Where senders post: under the prefix, in the API and on the page.
    src = r.body
    assert src["path"] == "%s/webhooks/incoming/%s" % (BASE, src["slug"]), src
    r = _get("/webhook/incoming/" + src["id"], cookie)
    assert r.status == 200 and "%s/webhooks/incoming/%s\"" % (BASE, src["slug"]) in r.body, r
    assert "%s%s/webhooks" % (BASE, BASE) not in r.body
    # A form's redirect, then logging out.
    r = _post("/webhook/manage/%s/disable" % wh, {"csrf": csrf}, cookie)
    assert r.status == 303 and r.headers["location"] == BASE + "/webhook/manage/%s?done=disabled" % wh, r
    r = _get("/webhook/manage/" + wh, cookie)
    assert r.status == 200, r
    _links_carry_base(r.body)
    r = _post("/webhook/logout", {"csrf": csrf}, cookie)
    assert r.status == 303 and r.headers["location"] == BASE + "/webhook/login", r
    assert "Path=%s/webhook;" % BASE in r.headers["set-cookie"], r.headers
