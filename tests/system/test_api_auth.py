"""JWT bearer tokens (HS256 through the running stack, RS256 through a
CGI run with its own configuration) and API keys limited to CIDRs."""

import base64
import hashlib
import hmac
import json
import os
import secrets
import subprocess
import threading
import time
import urllib.parse

from apihelp import account
from hltest import BASE_URL, CONFIG, TMP, api, cgi, ctl, run_program, unique

HS_SECRET = b"systest-hs256-secret-not-for-production"  # tests/system/systest.hdf
ISS = "https://sso.systest.invalid"
AUD = "hookline-systest"
FCGI = os.path.join(os.path.dirname(os.environ.get("HL_CTL", "")), "..", "web", "hookline.fcgi")


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims(slug, **over):
    c = {"iss": ISS, "aud": AUD, "sub": "user-42", "hookline_account": slug,
         "scope": "read write", "iat": int(time.time()), "exp": int(time.time()) + 300}
    c.update(over)
    return {k: v for k, v in c.items() if v is not None}


def hs256(claims, secret=HS_SECRET, alg="HS256"):
    head = _b64(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    body = _b64(json.dumps(claims).encode())
    sig = hmac.new(secret, ("%s.%s" % (head, body)).encode(), hashlib.sha256).digest()
    return "%s.%s.%s" % (head, body, _b64(sig))


def test_jwt_hs256_valid_expired_wrong_audience_wrong_signature():
    slug, key = account()
    r = api("GET", "/webhooks", key=hs256(_claims(slug)))
    assert r.status == 200, r
    r = api("POST", "/webhooks", {"url": "http://127.0.0.1:9/jwt"}, key=hs256(_claims(slug)))
    assert r.status == 201, r
    # The token acts in its account only.
    assert api("GET", "/webhooks/" + r.body["id"], key=key).status == 200
    _, other = account()
    assert api("GET", "/webhooks/" + r.body["id"], key=other).status == 404
    bad = {
        "expired": hs256(_claims(slug, exp=int(time.time()) - 3600)),
        "no exp": hs256(_claims(slug, exp=None)),
        "wrong audience": hs256(_claims(slug, aud="someone-else")),
        "wrong issuer": hs256(_claims(slug, iss="https://evil.invalid")),
        "wrong signature": hs256(_claims(slug), secret=b"not-the-secret"),
        "alg none": "%s.%s." % (_b64(b'{"alg":"none"}'), _b64(json.dumps(_claims(slug)).encode())),
        "unknown account": hs256(_claims("no-such-account")),
        "garbage": "abc.def.ghi",
    }
    for what, token in bad.items():
        r = api("GET", "/webhooks", key=token)
        assert r.status == 401, (what, r)
        assert "Bearer" in r.headers.get("www-authenticate", ""), (what, r.headers)
    # Scopes come from the "scope" claim.
    r = api("POST", "/webhooks", {"url": "http://127.0.0.1:9/x"}, key=hs256(_claims(slug, scope="read")))
    assert r.status == 403, r


def _cgi(config, token, path="/webhooks"):
    env = {"REQUEST_METHOD": "GET", "REQUEST_URI": path, "REMOTE_ADDR": "127.0.0.1",
           "HTTP_AUTHORIZATION": "Bearer " + token, "QUERY_STRING": "", "PATH": "/usr/bin:/bin",
           "GATEWAY_INTERFACE": "CGI/1.1", "SERVER_PROTOCOL": "HTTP/1.1"}
    p = run_program([FCGI, "--config", config], env=env)
    return p.stdout.decode()


def test_jwt_rs256():
    slug, _ = account()
    keyfile = os.path.join(TMP, "jwt-rs256.key")
    pubfile = os.path.join(TMP, "jwt-rs256.pub")
    other = os.path.join(TMP, "jwt-other.key")
    subprocess.run(["openssl", "genrsa", "-out", keyfile, "2048"], check=True, capture_output=True)
    subprocess.run(["openssl", "genrsa", "-out", other, "2048"], check=True, capture_output=True)
    subprocess.run(["openssl", "rsa", "-in", keyfile, "-pubout", "-out", pubfile], check=True,
                   capture_output=True)
    conf = os.path.join(TMP, "rs256.hdf")
    with open(CONFIG) as f:
        lines = [ln for ln in f if not ln.startswith("Auth.JwtHs256Secret")]
    with open(conf, "w") as f:
        f.writelines(lines)
        f.write("Auth.JwtRs256PublicKeyFile = %s\n" % pubfile)

    def rs256(claims, signer=keyfile, alg="RS256"):
        head = _b64(json.dumps({"alg": alg, "typ": "JWT"}).encode())
        body = _b64(json.dumps(claims).encode())
        signing_input = ("%s.%s" % (head, body)).encode()
        sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", signer], input=signing_input,
                             capture_output=True, check=True).stdout
        return "%s.%s.%s" % (head, body, _b64(sig))

    assert _cgi(conf, rs256(_claims(slug))).startswith("Status: 200"), _cgi(conf, rs256(_claims(slug)))
    for what, token in (("expired", rs256(_claims(slug, exp=int(time.time()) - 3600))),
                        ("wrong audience", rs256(_claims(slug, aud="x"))),
                        ("wrong signature", rs256(_claims(slug), signer=other))):
        out = _cgi(conf, token)
        assert out.startswith("Status: 401"), (what, out)
    # Algorithm confusion: an HS256 token keyed with the public key text.
    with open(pubfile, "rb") as f:
        pem = f.read()
    out = _cgi(conf, hs256(_claims(slug), secret=pem))
    assert out.startswith("Status: 401"), out


def test_api_key_allowed_cidrs():
    slug, _ = account()
    inside = ctl("key", "create", slug, "--scopes", "read", "--cidrs", "127.0.0.0/8").stdout.strip()
    outside = ctl("key", "create", slug, "--scopes", "read", "--cidrs", "10.0.0.0/8, 192.0.2.0/24").stdout.strip()
    assert api("GET", "/webhooks", key=inside).status == 200
    r = api("GET", "/webhooks", key=outside)
    assert r.status == 403 and r.body["error"]["code"] == "address_not_allowed", r


PASSWORD = "correct horse battery staple"


def _basic_user(slug):
    email = "basic-%s@example.test" % unique("u")
    ctl("user", "create", slug, email, "admin", input=PASSWORD + "\n")
    return email


def _basic(email, password):
    return "Basic " + base64.b64encode(("%s:%s" % (email, password)).encode()).decode()


def test_basic_auth_is_throttled_like_the_login_form():
    slug, _ = account()
    email = _basic_user(slug)
    # Addresses of their own (CGI runs): the stack's 127.0.0.1 keeps its
    # per-address allowance for the other tests.
    addr = "192.0.2.%d" % secrets.randbelow(200)
    assert cgi("GET", "/webhooks", headers={"Authorization": _basic(email, PASSWORD)},
               addr=addr).status == 200
    for _ in range(5):
        r = cgi("GET", "/webhooks", headers={"Authorization": _basic(email, "wrong")}, addr=addr)
        assert r.status == 401, r
    # Now even the right password is refused, without a password check.
    r = cgi("GET", "/webhooks", headers={"Authorization": _basic(email, PASSWORD)}, addr=addr)
    assert r.status == 429 and r.body["error"]["code"] == "too_many_attempts", r
    assert r.headers.get("retry-after") == "900", r.headers
    # Failures over Basic count for the dashboard's form too (one throttle).
    form = urllib.parse.urlencode({"email": email, "password": PASSWORD}).encode()
    r = cgi("POST", "/webhook/login", body=form, content_type="application/x-www-form-urlencoded",
            addr="198.51.100.%d" % secrets.randbelow(200))
    assert r.status == 429, r


def test_basic_calls_at_once_are_not_throttled_and_do_not_wipe_failures():
    """A script's Basic calls run many at once with the right password:
    none is refused (each was counted as a failure until its check ended,
    so a sixth at once got 429), and their successes do not forget the
    failed guesses made beside them."""
    slug, _ = account()
    email = _basic_user(slug)
    addr = "192.0.2.%d" % secrets.randbelow(200)
    good = {"Authorization": _basic(email, PASSWORD)}
    statuses = []

    def call():
        statuses.append(cgi("GET", "/webhooks", headers=good, addr=addr).status)

    threads = [threading.Thread(target=call) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * 10, statuses
    for _ in range(3):
        assert cgi("GET", "/webhooks", headers={"Authorization": _basic(email, "wrong")},
                   addr=addr).status == 401
    assert cgi("GET", "/webhooks", headers=good, addr=addr).status == 200
    for _ in range(2):
        assert cgi("GET", "/webhooks", headers={"Authorization": _basic(email, "wrong")},
                   addr=addr).status == 401
    r = cgi("GET", "/webhooks", headers=good, addr=addr)
    assert r.status == 429, r


def test_same_origin_with_or_without_the_default_port():
    """Origin and Host may name the scheme's default port on one side only;
    another port is another origin."""
    slug, key = account()
    email = _basic_user(slug)
    wh = api("POST", "/webhooks", {"url": "http://127.0.0.1:9/port"}, key=key).body["id"]
    basic = _basic(email, PASSWORD)
    addr = "192.0.2.%d" % secrets.randbelow(200)
    for origin, host, status in (("https://hooks.example", "hooks.example:443", 200),
                                 ("https://hooks.example:443", "hooks.example", 200),
                                 ("http://hooks.example:8080", "hooks.example:8080", 200),
                                 ("https://hooks.example:8443", "hooks.example", 403),
                                 ("http://hooks.example", "hooks.example:443", 403)):
        r = cgi("POST", "/webhooks/%s/disable" % wh, addr=addr,
                headers={"Authorization": basic, "Origin": origin, "Host": host})
        assert r.status == status, (origin, host, r)


def test_no_basic_challenge_and_no_cross_site_changes_over_basic():
    slug, key = account()
    email = _basic_user(slug)
    basic = {"Authorization": _basic(email, PASSWORD)}
    # The challenge names Bearer only: browsers must not prompt for (and
    # then keep sending) Basic credentials.
    r = api("GET", "/webhooks", key=None)
    assert r.status == 401 and r.headers["www-authenticate"].startswith("Bearer"), r.headers
    assert "basic" not in r.headers["www-authenticate"].lower(), r.headers
    wh = api("POST", "/webhooks", {"url": "http://127.0.0.1:9/csrf"}, key=key).body["id"]
    host = urllib.parse.urlsplit(BASE_URL).netloc
    for forged in ({"Origin": "https://evil.example"}, {"Origin": "null"},
                   {"Sec-Fetch-Site": "cross-site"}):
        for path in ("/webhooks/%s/disable" % wh, "/webhooks/%s/rotate-secret" % wh):
            r = api("POST", path, key=None, headers=dict(basic, **forged),
                    raw=b"x=1", timeout=60)
            assert r.status == 403 and r.body["error"]["code"] == "cross_site_request", (forged, r)
    assert api("GET", "/webhooks/" + wh, key=key).body["enabled"] is True
    # The same requests from the API's own origin, or without an Origin
    # (any non-browser client), go through; so do cross-site reads and
    # API keys, which a browser never sends by itself.
    r = api("POST", "/webhooks/%s/disable" % wh, key=None,
            headers=dict(basic, Origin="http://" + host, **{"Sec-Fetch-Site": "same-origin"}))
    assert r.status == 200 and r.body["enabled"] is False, r
    r = api("POST", "/webhooks/%s/enable" % wh, key=None, headers=basic)
    assert r.status == 200 and r.body["enabled"] is True, r
    r = api("GET", "/webhooks/" + wh, key=None, headers=dict(basic, Origin="https://evil.example"))
    assert r.status == 200, r
    r = api("POST", "/webhooks/%s/disable" % wh, key=key, headers={"Origin": "https://evil.example"})
    assert r.status == 200, r


def test_jwt_times_are_checked_with_leeway_and_without_overflow():
    slug, _ = account()
    now = int(time.time())
    good = {
        "iat a little ahead (clock skew)": _claims(slug, iat=now + 20),
        "nbf a little ahead": _claims(slug, nbf=now + 20),
        "exp just past, within the leeway": _claims(slug, exp=now - 10),
        # The ends of int64 are far future and far past, not overflows
        # (exp + 30 wrapped to the past, nbf - 30 to the future).
        "exp at the end of int64": _claims(slug, exp=2 ** 63 - 1),
        "nbf at the start of int64": _claims(slug, nbf=-2 ** 63),
    }
    for what, claims in good.items():
        r = api("GET", "/webhooks", key=hs256(claims))
        assert r.status == 200, (what, r)
    bad = {
        "issued in the future": _claims(slug, iat=now + 3600),
        "iat not a number": _claims(slug, iat="yesterday"),
        "exp past the leeway": _claims(slug, exp=now - 60),
        "nbf in the future": _claims(slug, nbf=now + 3600),
        "exp as a float": _claims(slug, exp=now + 300.5),
    }
    for what, claims in bad.items():
        r = api("GET", "/webhooks", key=hs256(claims))
        assert r.status == 401, (what, r)


def test_jwt_rate_limit_is_per_subject():
    """RateLimit.PerKeyPerMinute counts per JWT subject (as per API key):
    one busy subject of an account must not lock out the others."""
    slug, _ = account()
    busy = hs256(_claims(slug, sub="busy-%s" % unique("s")))
    for _ in range(300):
        r = api("GET", "/webhooks", key=busy)
        if r.status == 429:
            break
        assert r.status == 200, r
    assert r.status == 429, r
    other = api("GET", "/webhooks", key=hs256(_claims(slug, sub="other-%s" % unique("s"))))
    assert other.status == 200, other


def _signed(header, claims, secret=HS_SECRET):
    head = _b64(json.dumps(header).encode())
    body = _b64(json.dumps(claims).encode())
    sig = hmac.new(secret, ("%s.%s" % (head, body)).encode(), hashlib.sha256).digest()
    return "%s.%s.%s" % (head, body, _b64(sig))


def test_jwt_with_critical_header_extensions_is_refused():
    """RFC 7515 4.1.11: a "crit" extension the recipient does not
    understand makes the token invalid. hookline understands none; a
    correctly signed token that names one used to be accepted."""
    slug, _ = account()
    ext = "https://sso.systest.invalid/must-understand"
    bad = {
        "an unknown extension": {"alg": "HS256", "crit": [ext], ext: True},
        # RFC 7797: b64 false changes what is signed; not supported.
        "b64 false": {"alg": "HS256", "crit": ["b64"], "b64": False},
        "an empty list": {"alg": "HS256", "crit": []},
        "not a list": {"alg": "HS256", "crit": "exp"},
    }
    for what, header in bad.items():
        r = api("GET", "/webhooks", key=_signed(header, _claims(slug)))
        assert r.status == 401 and r.body["error"]["code"] == "unauthorized", (what, r)
        assert "crit" in r.body["error"]["message"], (what, r)
    # Header members that are not critical are ignored as before.
    r = api("GET", "/webhooks", key=_signed({"alg": "HS256", "typ": "JWT", "kid": "key-1"},
                                            _claims(slug)))
    assert r.status == 200, r


def test_jwt_account_claim_names_one_account_exactly():
    """The account claim was looked up with the table's collation, which
    ignores case, accents and trailing spaces: a token an identity
    provider issued for the organisation "ACME" or "acm\u00e9" acted in
    hookline's account "acme". Only the slug itself names the account."""
    slug, key = account()
    wh = api("POST", "/webhooks", {"url": "http://127.0.0.1:9/exact"}, key=key).body["id"]
    assert api("GET", "/webhooks/" + wh, key=hs256(_claims(slug))).status == 200
    for claim in (slug.upper(), slug + " ", slug + "   ", slug[0].upper() + slug[1:],
                  slug.replace("a", "\u00e1", 1) if "a" in slug else "\u00e1" + slug[1:],
                  slug.replace("-", "_")):
        if claim == slug:
            continue
        r = api("GET", "/webhooks/" + wh, key=hs256(_claims(claim)))
        assert r.status == 401 and "unknown account" in r.body["error"]["message"], (claim, r)
