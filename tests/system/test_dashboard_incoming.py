"""The dashboard's incoming pages (/webhook/incoming) against the real
stack: create and edit forms with inline errors that keep what was typed
(never the secret), the generated secret shown once, the request log and
one request's headers and body escaped, roles, CSRF and valid HTML."""

import hashlib
import hmac
import html
import json
import re

from hltest import api, sql, unique
from test_dashboard import HOSTILE, Session, _admin, _field_error, _tidy_ok, _user


def _create(s, **form):
    base = {"name": "GitHub", "verify": "github", "secret": "gh-secret",
            "event_type": "integration.webhook_received", "type_map": "", "slug": "",
            "allowed_cidrs": "", "tolerance_seconds": "", "rate_limit": ""}
    base.update(form)
    return s.post("/webhook/incoming", base)


def _source_id(h):
    m = re.search(r"/webhook/incoming/(src_[0-9a-z]{26})", h.get("location", ""))
    assert m, h
    return m.group(1)


def _post_github(slug, body, secret="gh-secret", headers=None):
    hdrs = {"Content-Type": "application/json",
            "X-Hub-Signature-256": "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest(),
            "X-GitHub-Event": "push", "X-GitHub-Delivery": hashlib.sha1(body).hexdigest()}
    hdrs.update(headers or {})
    return api("POST", "/webhooks/incoming/" + slug, raw=body, key=None, headers=hdrs)


def test_create_edit_and_log_pages():
    slug, key, s = _admin()
    status, _, body = s.get("/webhook/incoming")
    assert status == 200 and "No incoming sources yet" in body, body[:2000]
    _tidy_ok(body)
    status, h, body = _create(s, slug="gh-" + slug, type_map="push = sms.sent\n\n issues = sms.failed ")
    assert status == 303, (status, body[:2000])
    src = _source_id(h)
    got = api("GET", "/webhooks/sources/" + src, key=key).body
    assert got["type_map"] == {"push": "sms.sent", "issues": "sms.failed"}, got
    assert got["slug"] == "gh-" + slug and got["verify"] == "github", got
    status, _, page = s.get("/webhook/incoming/%s?done=created" % src)
    assert status == 200, page[:2000]
    assert "/webhooks/incoming/gh-%s" % slug in page, page[:3000]
    assert "gh-secret" not in page
    assert "push = sms.sent" in page
    _tidy_ok(page)

    # Requests arrive: one accepted, one refused, with a hostile body.
    assert _post_github("gh-" + slug, b'{"ref": "main"}').status == 202
    bad = json.dumps({"note": HOSTILE[0]}).encode()
    r = _post_github("gh-" + slug, bad, secret="wrong", headers={"Authorization": "Bearer sekrit"})
    assert r.status == 401, r
    for path in ("/webhook/incoming", "/webhook/incoming/" + src):
        status, _, page = s.get(path)
        assert status == 200, (path, page[:2000])
        assert page.count('class="badge out-rejected"') == 1, (path, page[:4000])
        assert page.count('class="badge out-accepted"') == 1, (path, page[:4000])
        assert "<code>signature_invalid</code>" in page, path
        _tidy_ok(page)
    status, _, page = s.get("/webhook/incoming/%s?outcome=rejected" % src)
    _tidy_ok(page)
    assert page.count('class="badge out-rejected"') == 1 and 'out-accepted' not in page, page
    status, _, page = s.get("/webhook/incoming/%s?outcome=maybe" % src)
    assert status == 400 and _field_error(page, "outcome"), page[:3000]
    # The overview counts the last day's incoming requests and refusals.
    status, _, page = s.get("/webhook")
    assert re.search(r'<span class="num">2</span><span class="lbl">incoming requests \(24 h', page), page
    assert re.search(r'stat warn" href="/webhook/incoming\?outcome=rejected&amp;since=[^"]+#requests">'
                     r'<span class="num">1</span><span class="lbl">incoming refused', page), page
    _tidy_ok(page)
    rid = r.headers["hookline-request-id"]
    status, _, page = s.get("/webhook/incoming/%s/requests/%s" % (src, rid))
    assert status == 200, page[:2000]
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "sekrit" not in page and "[redacted]" in page and "(redacted)" not in page
    assert "x-github-event" in page and "signature_invalid" in page
    _tidy_ok(page)
    # A request is only found under its own source.
    assert s.get("/webhook/incoming/src_00000000000000000000000000/requests/" + rid)[0] == 404

    # Edit: unticking "enabled" disables; an empty secret keeps the old one.
    status, h, body = s.post("/webhook/incoming/" + src, {
        "name": "GitHub CI", "verify": "github", "secret": "", "event_type": "sms.sent",
        "type_map": "", "slug": "gh-" + slug, "allowed_cidrs": "", "tolerance_seconds": "600",
        "rate_limit": "120"})
    assert status == 303 and "done=saved" in h["location"], (status, body[:2000])
    got = api("GET", "/webhooks/sources/" + src, key=key).body
    assert got["enabled"] is False and got["name"] == "GitHub CI" and got["type_map"] is None, got
    assert got["tolerance_seconds"] == 600 and got["rate_limit"] == 120, got
    assert _post_github("gh-" + slug, b'{"x": 1}').status == 403
    status, _, _ = s.post("/webhook/incoming/" + src, {
        "name": "GitHub CI", "verify": "github", "secret": "", "event_type": "sms.sent",
        "slug": "gh-" + slug, "enabled": "1", "rate_limit": ""})
    assert status == 303
    r = _post_github("gh-" + slug, b'{"x": 2}')
    assert r.status == 202 and r.body["event_type"] == "sms.sent", r
    assert api("GET", "/webhooks/sources/" + src, key=key).body["rate_limit"] is None


def test_generated_secret_is_shown_once():
    """The secret was the POST's own answer: a reload posted the form
    again (a second source, or a second rotation). Now the POST redirects
    (303) to a page that shows the secret once; reloaded, it says the
    secret was shown and shows nothing."""
    slug, key, s = _admin()
    status, h, _ = _create(s, verify="standard", secret="", name="Partner")
    assert status == 303 and "/secret?reveal=" in h["location"], (status, h)
    status, _, body = s.get(h["location"])
    assert status == 200, (status, body[:2000])
    m = re.search(r'id="secret" class="mono" readonly spellcheck="false" value="(whsec_[^"]+)"', body)
    assert m, body[:3000]
    _tidy_ok(body)
    src = re.search(r"(src_[0-9a-z]{26})", body).group(1)
    # Reloaded: no secret, one source, and the secret is stored nowhere in clear.
    status, _, again = s.get(h["location"])
    assert status == 200 and "whsec_" not in again and "shown once" in again, again[:3000]
    _tidy_ok(again)
    assert len(api("GET", "/webhooks/sources", key=key).body["data"]) == 1
    assert sql("SELECT COUNT(*) FROM page_reveals WHERE subject_id = '%s'" % src) == [["0"]]
    status, _, page = s.get("/webhook/incoming/" + src)
    assert status == 200 and m.group(1) not in page
    # Switching an existing source to Standard Webhooks makes a new one, shown once too.
    status, h, _ = _create(s, verify="github", secret="x")
    other = _source_id(h)
    status, _, body = s.post("/webhook/incoming/" + other, {"verify": "standard", "name": "",
                                                             "event_type": "sms.sent", "enabled": "1"},
                             follow=True)
    assert status == 200 and re.search(r'value="whsec_', body), body[:3000]
    assert "whsec_" not in s.get(s.location)[2]
    # Another session (even of the same user) cannot take it.
    status, h, _ = s.post("/webhook/incoming/%s/rotate" % other, {"secret": "", "grace_hours": ""})
    assert status == 303, status
    t = Session()
    t.cookie = None
    assert t.login(_user(slug, "admin"))[0] in (302, 303)
    assert "whsec_" not in t.get(h["location"])[2]
    assert re.search(r'value="whsec_', s.get(h["location"])[2])


def test_form_errors_are_inline_keep_input_and_write_nothing():
    slug, key, s = _admin()
    cases = (({"slug": "Bad Slug"}, "slug"),
             ({"verify": "github", "secret": ""}, "secret"),
             ({"verify": "none", "secret": ""}, "allowed_cidrs"),
             ({"type_map": "push -> sms.sent"}, "type_map"),
             ({"type_map": "push = no.such_type"}, "type_map"),
             ({"allowed_cidrs": "10.0.0.0/33"}, "allowed_cidrs"),
             ({"tolerance_seconds": "soon"}, "tolerance_seconds"),
             ({"rate_limit": "-3"}, "rate_limit"))
    for form, field in cases:
        form = dict(form, name=HOSTILE[1])
        status, _, body = _create(s, **form)
        assert status == 422, (form, status, body[:1500])
        assert _field_error(body, field), (form, field, body[:4000])
        assert "<img src=x" not in body and "&quot;&gt;&lt;img src=x" in body, form
        assert 'id="new-source" open' in body, form
        assert "gh-secret" not in body, form            # a typed secret never comes back
        _tidy_ok(body)
    assert api("GET", "/webhooks/sources", key=key).body["data"] == []
    # A slug another account has: 409 at the slug field.
    _, _, s2 = _admin()
    assert _create(s2, slug="taken-" + slug)[0] == 303
    status, _, body = _create(s, slug="taken-" + slug)
    assert status == 409 and _field_error(body, "slug"), (status, body[:2000])
    # A failed edit changes nothing.
    status, h, _ = _create(s, name="Keep")
    src = _source_id(h)
    status, _, body = s.post("/webhook/incoming/" + src, {"name": "Changed", "verify": "github",
                                                          "event_type": "sms.sent", "slug": "B A D",
                                                          "enabled": "1"})
    assert status == 422 and _field_error(body, "slug") and 'value="Changed"' in body, body[:3000]
    assert api("GET", "/webhooks/sources/" + src, key=key).body["name"] == "Keep"


def _textarea(page, ident):
    m = re.search(r'<textarea id="%s"[^>]*>([^<]*)</textarea>' % re.escape(ident), page)
    assert m, page[:3000]
    return html.unescape(m.group(1))


def test_the_largest_type_map_survives_an_edit_and_a_field_too_long_changes_nothing():
    """The API takes 100 entries of 128-byte names: the edit page shows
    them all, saving the form as a browser sends it (CRLF) keeps them,
    and a field too long to read is an inline error, not an emptied box
    (which would clear the map, or the address list)."""
    slug, key, s = _admin()
    family = ("lt" + unique("f").lower().replace("-", "").replace("_", ""))[:64].ljust(64, "f")
    name = family + "." + "a" * 63
    assert len(name) == 128
    r = api("POST", "/webhooks/events", {"name": name, "description": "long"}, key=key)
    assert r.status == 201, r
    full = {("k%03d" % i).ljust(128, "x"): name for i in range(100)}
    r = api("POST", "/webhooks/sources", {"verify": "github", "secret": "gh-secret", "name": "Full",
                                          "type_map": full, "allowed_cidrs": "127.0.0.0/8"}, key=key)
    assert r.status == 201, r
    src, src_slug = r.body["id"], r.body["slug"]
    status, _, page = s.get("/webhook/incoming/" + src)
    assert status == 200, page[:2000]
    text = _textarea(page, "src-type-map")
    assert len(text.splitlines()) == 100, len(text.splitlines())
    form = {"name": "Full", "verify": "github", "secret": "",
            "event_type": "integration.webhook_received", "slug": src_slug,
            "allowed_cidrs": "127.0.0.0/8", "tolerance_seconds": "", "rate_limit": "",
            "enabled": "1", "type_map": text.replace("\n", "\r\n")}
    status, h, body = s.post("/webhook/incoming/" + src, form)
    assert status == 303, (status, _field_error(body, "type_map"), body[:2000])
    got = api("GET", "/webhooks/sources/" + src, key=key).body
    assert got["type_map"] == full, len(got["type_map"] or {})
    # Saved as it was: nothing stored, nothing audited.
    assert got["updated_at"] == r.body["updated_at"], (got, r.body)
    audit = api("GET", "/webhooks/audit?limit=100", key=key).body["data"]
    assert not [e for e in audit if e["action"] == "source.update"], audit
    for field, value in (("type_map", form["type_map"] + "#" * 60000),
                         ("allowed_cidrs", "10.0.0.1/32, " * 100),
                         ("name", "n" * 300)):
        status, _, body = s.post("/webhook/incoming/" + src, dict(form, **dict({"name": "Changed"}, **{field: value})))
        assert status == 422, (field, status, body[:2000])
        assert "longer than" in (_field_error(body, field) or ""), (field, body[:4000])
        got = api("GET", "/webhooks/sources/" + src, key=key).body
        assert got["type_map"] == full and got["allowed_cidrs"] == "127.0.0.0/8", (field, got)
        assert got["name"] == "Full", (field, got)


def test_delete_needs_the_box_ticked():
    slug, key, s = _admin()
    status, h, _ = _create(s, slug="del-" + slug)
    src = _source_id(h)
    status, _, body = s.post("/webhook/incoming/%s/delete" % src, {})
    assert status == 422 and _field_error(body, "confirm"), body[:2000]
    assert api("GET", "/webhooks/sources/" + src, key=key).status == 200
    status, h, _ = s.post("/webhook/incoming/%s/delete" % src, {"confirm": "1"})
    assert status == 303 and "source_deleted" in h["location"], h
    assert api("GET", "/webhooks/sources/" + src, key=key).status == 404
    assert _post_github("del-" + slug, b"{}").status == 404


def test_viewer_sees_but_cannot_change_and_csrf_is_required():
    slug, key, admin = _admin()
    status, h, _ = _create(admin, slug="ro-" + slug)
    src = _source_id(h)
    v = Session()
    assert v.login(_user(slug, "viewer"))[0] in (302, 303)
    status, _, page = v.get("/webhook/incoming/" + src)
    assert status == 200 and "can view this source but not change it" in page, page[:2000]
    assert "Delete source" not in page and "New source" not in v.get("/webhook/incoming")[2]
    for path, form in (("/webhook/incoming", {"verify": "github", "secret": "s"}),
                       ("/webhook/incoming/" + src, {"verify": "github", "name": "x"}),
                       ("/webhook/incoming/%s/delete" % src, {"confirm": "1"})):
        assert v.post(path, form)[0] == 403, path
    assert admin.post("/webhook/incoming/%s/delete" % src, {"confirm": "1"}, csrf=False)[0] == 403
    assert api("GET", "/webhooks/sources/" + src, key=key).body["name"] == "GitHub"


def test_recent_requests_page_on_to_older_ones():
    """The incoming overview lists the latest 25 requests; it fetched the
    next page's iterator but offered no link, so older requests of the
    whole account could not be reached from it."""
    slug, key, s = _admin()
    status, h, body = _create(s, slug="gh-pg-" + slug)
    assert status == 303, (status, body[:2000])
    for i in range(26):
        assert _post_github("gh-pg-" + slug, b'{"n": %d}' % i, secret="wrong").status == 401
    status, _, page = s.get("/webhook/incoming")
    assert status == 200 and page.count('class="badge out-rejected"') == 25, page[-4000:]
    m = re.search(r'<a href="(/webhook/incoming\?iterator=[^"]+)">Older requests</a>', page)
    assert m, page[-4000:]
    _tidy_ok(page)
    status, _, page = s.get(html.unescape(m.group(1)))
    assert status == 200 and page.count('class="badge out-rejected"') == 1, page[-4000:]
    assert "Older requests" not in page


def test_rotate_form_keeps_the_old_secret_for_the_grace_period():
    """The source page's rotate form: the old secret keeps verifying for
    the hours given, errors are inline at the rotate form's own fields
    (what was typed kept, never the secret), a generated Standard
    Webhooks secret is shown once, and viewers get no control."""
    slug, key, s = _admin()
    status, h, _ = _create(s, slug="rot-" + slug)
    src = _source_id(h)
    status, _, page = s.get("/webhook/incoming/" + src)
    assert status == 200 and 'action="/webhook/incoming/%s/rotate"' % src in page, page[:3000]
    _tidy_ok(page)
    for form, field, status_want in (({"secret": "", "grace_hours": "2"}, "rotate_secret", 422),
                                     ({"secret": "gh-new", "grace_hours": "soon"}, "rotate_grace", 422),
                                     ({"secret": "gh-new", "grace_hours": "169"}, "rotate_grace", 422),
                                     ({"secret": "gh-secret", "grace_hours": ""}, "rotate_secret", 422)):
        status, _, body = s.post("/webhook/incoming/%s/rotate" % src, form)
        assert status == status_want and _field_error(body, field), (form, status, body[:3000])
        assert not _field_error(body, "secret"), form      # not under the settings' secret box
        assert "The secret was not rotated" in body, form
        assert 'value="%s"' % form["grace_hours"] in body or not form["grace_hours"], form
        assert "gh-new" not in body, form                  # a typed secret never comes back
        _tidy_ok(body)
    got = api("GET", "/webhooks/sources/" + src, key=key).body
    assert got["previous_secret_expires_at"] is None, got

    status, h, _ = s.post("/webhook/incoming/%s/rotate" % src, {"secret": "gh-new", "grace_hours": "1"})
    assert status == 303 and h["location"].endswith("?done=rotated"), (status, h)
    status, _, page = s.get(h["location"])
    assert status == 200 and "Secret rotated" in page and "keeps verifying until" in page, page[:3000]
    assert "gh-new" not in page and "gh-secret" not in page
    _tidy_ok(page)
    got = api("GET", "/webhooks/sources/" + src, key=key).body
    assert got["previous_secret_expires_at"], got
    assert _post_github("rot-" + slug, b'{"n": 1}', secret="gh-new").status == 202
    r = _post_github("rot-" + slug, b'{"n": 2}', secret="gh-secret")
    assert r.status == 202, r
    status, _, page = s.get("/webhook/incoming/%s/requests/%s" % (src, r.headers["hookline-request-id"]))
    assert status == 200 and "<strong>previous</strong> secret" in page, page[:3000]
    _tidy_ok(page)
    audit = api("GET", "/webhooks/audit?limit=20", key=key).body["data"]
    assert [e["detail"] for e in audit if e["action"] == "source.rotate_secret"] == [
        {"grace_seconds": 3600, "generated": False}], audit

    # Standard Webhooks: left empty, the new secret is made and shown once.
    status, h, _ = _create(s, verify="standard", secret="", name="Partner", slug="std-" + slug)
    std = re.search(r"(src_[0-9a-z]{26})", h["location"]).group(1)
    status, _, body = s.post("/webhook/incoming/%s/rotate" % std, {"secret": "", "grace_hours": ""},
                             follow=True)
    assert status == 200, (status, body[:2000])
    m = re.search(r'id="secret" class="mono" readonly spellcheck="false" value="(whsec_[^"]+)"', body)
    assert m and "keeps verifying until" in body, body[:3000]
    _tidy_ok(body)
    assert m.group(1) not in s.get("/webhook/incoming/" + std)[2]

    # Viewers see no control and cannot post one; CSRF is required.
    v = Session()
    assert v.login(_user(slug, "viewer"))[0] in (302, 303)
    status, _, page = v.get("/webhook/incoming/" + src)
    assert status == 200 and "/rotate" not in page and "Rotate secret" not in page, page[:3000]
    assert v.post("/webhook/incoming/%s/rotate" % src, {"secret": "v-new"})[0] == 403
    assert s.post("/webhook/incoming/%s/rotate" % src, {"secret": "c-new"}, csrf=False)[0] == 403
    assert _post_github("rot-" + slug, b'{"n": 3}', secret="gh-new").status == 202


def test_type_map_keys_with_equals_signs_survive_an_edit():
    """The edit page shows an entry as "name = type" and split a line at
    its first "=": a provider event named "a=b" was saved as "a" mapped
    to "b = sms.sent" (refused), so the source could not be edited. The
    last "=" splits (an event type has none); keys the one-line form
    could not show (outer spaces, line breaks) are refused by the API."""
    slug, key, s = _admin()
    tmap = {"a=b": "sms.sent", "x = y": "sms.failed", "push": "sms.sent"}
    r = api("POST", "/webhooks/sources", {"verify": "github", "secret": "gh-secret", "name": "Eq",
                                          "type_map": tmap}, key=key)
    assert r.status == 201, r
    src = r.body["id"]
    status, _, page = s.get("/webhook/incoming/" + src)
    assert status == 200
    form = {"name": "Eq", "verify": "github", "secret": "",
            "event_type": "integration.webhook_received", "slug": r.body["slug"],
            "allowed_cidrs": "", "tolerance_seconds": "", "rate_limit": "", "enabled": "1",
            "type_map": _textarea(page, "src-type-map").replace(
                "push = sms.sent", "push = sms.failed")}
    status, _, body = s.post("/webhook/incoming/" + src, form)
    assert status == 303, (status, _field_error(body, "type_map"))
    got = api("GET", "/webhooks/sources/" + src, key=key).body["type_map"]
    assert got == {"a=b": "sms.sent", "x = y": "sms.failed", "push": "sms.failed"}, got
    for bad in (" push", "push ", "pu\nsh", "tab\there"):
        r = api("PUT", "/webhooks/sources/" + src, {"type_map": {bad: "sms.sent"}}, key=key)
        assert r.status == 422 and r.body["error"]["field"] == "type_map", (bad, r)


def test_an_unsigned_source_says_what_that_means():
    slug, key, s = _admin()
    r = api("POST", "/webhooks/sources", {"verify": "none", "name": "Open",
                                          "allowed_cidrs": "198.51.100.0/24"}, key=key)
    assert r.status == 201, r
    status, _, page = s.get("/webhook/incoming/%s?done=created" % r.body["id"])
    assert status == 200
    # The created notice spoke of "the signing secret you entered".
    assert "signing secret you entered" not in page and "by their address alone" in page
    assert "hookline cannot tell whether they really come from your sender" in page
    assert "<code>198.51.100.0/24</code>" in page and "There is no secret to rotate" in page
    _tidy_ok(page)
    r = api("POST", "/webhooks/sources", {"verify": "github", "secret": "gh", "name": "Signed"},
            key=key)
    assert 'id="unsigned"' not in s.get("/webhook/incoming/" + r.body["id"])[2]


def test_an_unsigned_source_asks_for_no_secret():
    """An unsigned source's form showed "Signing secret" with the
    placeholder "set — leave empty to keep": there is none."""
    slug, key, s = _admin()
    r = api("POST", "/webhooks/sources", {"name": "Open", "verify": "none",
                                          "allowed_cidrs": "198.51.100.0/24"}, key=key)
    assert r.status == 201, r
    status, _, page = s.get("/webhook/incoming/" + r.body["id"])
    assert status == 200 and "set — leave empty to keep" not in page, page[:3000]
    assert "none: this source is unsigned" in page and "it has no secret" in page
    r = api("POST", "/webhooks/sources", {"name": "Signed", "verify": "github", "secret": "x"}, key=key)
    status, _, page = s.get("/webhook/incoming/" + r.body["id"])
    assert "set — leave empty to keep" in page
