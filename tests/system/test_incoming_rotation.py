"""Secret rotation of incoming sources: POST /webhooks/sources/{src}/rotate-secret
keeps the secret it replaces verifying for grace_seconds, so requests the
provider still signs with the old secret (GitHub, Stripe, Shopify and
Standard Webhooks senders switch on their own time) are not refused. Each
request is signed here with Python's hmac, independent of hookline's C."""

import json
import time

from apihelp import account, error_code
from hltest import api, ctl, sign, sql, unique
from test_incoming import github_headers, log, post, shopify_header, source, stripe_header


def rotate(key, src, body=None, status=200):
    r = api("POST", "/webhooks/sources/%s/rotate-secret" % src["id"], body, key=key)
    assert r.status == status, r
    return r


def standard_headers(secret, body, msg_id=None):
    msg_id = msg_id or unique("msg")
    ts = str(int(time.time()))
    return {"webhook-id": msg_id, "webhook-timestamp": ts,
            "webhook-signature": "v1," + sign(secret, msg_id, ts, body)}


def body_of(n):
    return json.dumps({"id": unique("evt"), "type": "thing.happened", "n": n}).encode()


def verified_with(key, src, request_id):
    r = api("GET", "/webhooks/sources/%s/requests/%s" % (src["id"], request_id), key=key)
    assert r.status == 200, r
    return r.body["verified_with"]


def wait_past(expires_at_unix):
    time.sleep(max(0.0, expires_at_unix - time.time()) + 0.3)


def test_github_old_secret_verifies_during_grace_and_not_after():
    _, key = account()
    old, new = unique("gh-old"), unique("gh-new")
    src = source(key, "github", secret=old)
    assert src["previous_secret_expires_at"] is None, src
    b = body_of(1)
    r = post(src, b, github_headers(old, b))
    assert r.status == 202 and verified_with(key, src, r.body["id"]) == "current", r

    started = time.time()
    r = rotate(key, src, {"secret": new, "grace_seconds": 2})
    assert "secret" not in r.body, r.body                # the provider's secret is never echoed
    assert r.body["id"] == src["id"] and r.body["previous_secret_valid_seconds"] == 2, r.body
    assert r.body["previous_secret_expires_at"], r.body
    assert api("GET", "/webhooks/sources/" + src["id"], key=key).body[
        "previous_secret_expires_at"] == r.body["previous_secret_expires_at"]
    # During the grace period both secrets verify; the log says which did.
    b = body_of(2)
    r = post(src, b, github_headers(old, b))
    assert r.status == 202, r
    assert verified_with(key, src, r.body["id"]) == "previous"
    b = body_of(3)
    r = post(src, b, github_headers(new, b))
    assert r.status == 202 and verified_with(key, src, r.body["id"]) == "current", r
    b = body_of(4)
    r = post(src, b, github_headers("neither", b))
    assert r.status == 401 and error_code(r) == "signature_invalid", r
    assert verified_with(key, src, r.headers["hookline-request-id"]) is None

    wait_past(started + 2)
    b = body_of(5)
    r = post(src, b, github_headers(old, b))
    assert r.status == 401 and error_code(r) == "signature_invalid", r
    # The expired secret is cleared from the row (by the retention pass
    # every runner and purge make), not kept sealed for good.
    ctl("purge")
    assert sql("SELECT prev_secret_sealed IS NULL, prev_secret_expires_at IS NULL FROM sources "
               "WHERE id = '%s'" % src["id"]) == [["1", "1"]]
    assert api("GET", "/webhooks/sources/" + src["id"], key=key).body[
        "previous_secret_expires_at"] is None
    b = body_of(6)
    assert post(src, b, github_headers(new, b)).status == 202
    outcomes = [(e["outcome"], e["verified_with"]) for e in log(key, src)]
    assert outcomes == [("accepted", "current"), ("rejected", None), ("rejected", None),
                        ("accepted", "current"), ("accepted", "previous"),
                        ("accepted", "current")], outcomes


def test_stripe_old_secret_verifies_during_grace_and_grace_zero_keeps_none():
    _, key = account()
    old, new, newer = ("whsec_" + unique(n) for n in ("a", "b", "c"))
    src = source(key, "stripe", secret=old)
    started = time.time()
    rotate(key, src, {"secret": new, "grace_seconds": 2})
    b = body_of(1)
    r = post(src, b, {"Stripe-Signature": stripe_header(old, b)})
    assert r.status == 202 and verified_with(key, src, r.body["id"]) == "previous", r
    b = body_of(2)
    r = post(src, b, {"Stripe-Signature": stripe_header(new, b)})
    assert r.status == 202 and verified_with(key, src, r.body["id"]) == "current", r
    # A stale timestamp is refused whichever secret signed it.
    b = body_of(3)
    r = post(src, b, {"Stripe-Signature": stripe_header(old, b, ts=int(time.time()) - 1000)})
    assert r.status == 401 and error_code(r) == "timestamp_out_of_range", r
    wait_past(started + 2)
    b = body_of(4)
    r = post(src, b, {"Stripe-Signature": stripe_header(old, b)})
    assert r.status == 401 and error_code(r) == "signature_invalid", r
    # grace_seconds 0: the replaced secret stops at once.
    r = rotate(key, src, {"secret": newer, "grace_seconds": 0})
    assert r.body["previous_secret_expires_at"] is None, r.body
    b = body_of(5)
    r = post(src, b, {"Stripe-Signature": stripe_header(new, b)})
    assert r.status == 401 and error_code(r) == "signature_invalid", r
    b = body_of(6)
    assert post(src, b, {"Stripe-Signature": stripe_header(newer, b)}).status == 202


def test_standard_rotation_generates_the_new_secret_and_shows_it_once():
    _, key = account()
    src = source(key, "standard")
    old = src["secret"]
    r = rotate(key, src)                                 # no body: generated, default grace
    new = r.body["secret"]
    assert new.startswith("whsec_") and new != old, r.body
    assert r.body["previous_secret_valid_seconds"] == 86400, r.body
    got = api("GET", "/webhooks/sources/" + src["id"], key=key).body
    assert "secret" not in got and got["previous_secret_expires_at"], got
    b = body_of(1)
    r = post(src, b, standard_headers(old, b))
    assert r.status == 202 and verified_with(key, src, r.body["id"]) == "previous", r
    b = body_of(2)
    r = post(src, b, standard_headers(new, b))
    assert r.status == 202 and verified_with(key, src, r.body["id"]) == "current", r
    # A secret of the operator's own must be a Standard Webhooks secret.
    r = rotate(key, src, {"secret": "plain"}, status=422)
    assert error_code(r) == "invalid_value" and r.body["error"]["field"] == "secret", r
    # Rotating again during the grace period drops the oldest secret.
    mine = "whsec_" + "a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U="
    r = rotate(key, src, {"secret": mine, "grace_seconds": 3600})
    assert "secret" not in r.body, r.body
    b = body_of(3)
    r = post(src, b, standard_headers(old, b))
    assert r.status == 401 and error_code(r) == "signature_invalid", r
    for secret, which in ((new, "previous"), (mine, "current")):
        b = body_of(4)
        r = post(src, b, standard_headers(secret, b))
        assert r.status == 202 and verified_with(key, src, r.body["id"]) == which, (which, r)


def test_shopify_old_secret_verifies_during_grace():
    _, key = account()
    old, new = unique("shp-old"), unique("shp-new")
    src = source(key, "shopify", secret=old)
    rotate(key, src, {"secret": new, "grace_seconds": 60})
    for secret, which in ((old, "previous"), (new, "current")):
        b = body_of(1)
        r = post(src, b, {"X-Shopify-Hmac-Sha256": shopify_header(secret, b),
                          "X-Shopify-Webhook-Id": unique("w")})
        assert r.status == 202 and verified_with(key, src, r.body["id"]) == which, (which, r)


def test_a_put_with_a_secret_replaces_it_at_once_and_ends_the_grace():
    _, key = account()
    a, b_, c = unique("a"), unique("b"), unique("c")
    src = source(key, "github", secret=a)
    rotate(key, src, {"secret": b_, "grace_seconds": 3600})
    r = api("PUT", "/webhooks/sources/" + src["id"], {"secret": c}, key=key)
    assert r.status == 200 and r.body["previous_secret_expires_at"] is None, r
    for secret, status in ((a, 401), (b_, 401), (c, 202)):
        body = body_of(1)
        assert post(src, body, github_headers(secret, body)).status == status, secret
    # A PUT that leaves the secret alone keeps a grace period running.
    rotate(key, src, {"secret": a, "grace_seconds": 3600})
    r = api("PUT", "/webhooks/sources/" + src["id"], {"name": "renamed"}, key=key)
    assert r.status == 200 and r.body["previous_secret_expires_at"], r
    body = body_of(2)
    assert post(src, body, github_headers(c, body)).status == 202


def test_rotation_input_errors_scopes_and_audit():
    slug, key = account()
    src = source(key, "github", secret="kept")
    path = "/webhooks/sources/%s/rotate-secret" % src["id"]
    for body, status, code, field in (
            ({}, 422, "invalid_value", "secret"),
            ({"grace_seconds": 60}, 422, "invalid_value", "secret"),
            ({"secret": "n", "grace_seconds": -1}, 422, "invalid_value", "grace_seconds"),
            ({"secret": "n", "grace_seconds": 604801}, 422, "invalid_value", "grace_seconds"),
            ({"secret": "n", "grace_seconds": "60"}, 400, "invalid_type", "grace_seconds"),
            ({"secret": 5}, 400, "invalid_type", "secret"),
            ({"secret": "a\nb"}, 422, "invalid_value", "secret"),
            ({"secret": "x" * 256}, 422, "invalid_value", "secret"),
            ({"secret": "kept"}, 422, "secret_unchanged", "secret"),
            ({"secret": "n", "colour": "red"}, 400, "unknown_field", "colour")):
        r = api("POST", path, body, key=key)
        assert r.status == status and error_code(r) == code, (body, r)
        assert r.body["error"]["field"] == field, (body, r)
    r = api("POST", path, raw=b"[1]", key=key, headers={"Content-Type": "application/json"})
    assert r.status == 400 and error_code(r) == "invalid_json", r
    # Nothing of a refused rotation is stored: the old secret alone verifies.
    body = body_of(1)
    assert post(src, body, github_headers("kept", body)).status == 202
    assert api("GET", "/webhooks/sources/" + src["id"], key=key).body[
        "previous_secret_expires_at"] is None
    # The bounds themselves are taken.
    # Secrets no id or time can contain by chance (ids are base32: "n1"
    # turned up in one).
    rotate(key, src, {"secret": "NEW-SECRET-ONE", "grace_seconds": 604800})
    rotate(key, src, {"secret": "NEW-SECRET-TWO", "grace_seconds": 0})

    r = api("POST", "/webhooks/sources/src_00000000000000000000000000/rotate-secret",
            {"secret": "n"}, key=key)
    assert r.status == 404 and error_code(r) == "not_found", r
    _, other = account()
    r = api("POST", path, {"secret": "n3"}, key=other)
    assert r.status == 404, r
    reader = ctl("key", "create", slug, "--scopes", "read", "--name", "ro").stdout.strip()
    r = api("POST", path, {"secret": "n3"}, key=reader)
    assert r.status == 403 and error_code(r) == "forbidden", r
    unsigned = source(key, "none", allowed_cidrs="127.0.0.0/8")
    r = rotate(key, unsigned, {"secret": "n"}, status=409)
    assert error_code(r) == "source_unsigned", r

    entries = api("GET", "/webhooks/audit?limit=50", key=key).body["data"]
    rotations = [e for e in entries if e["action"] == "source.rotate_secret"]
    assert len(rotations) == 2 and all(e["object_id"] == src["id"] for e in rotations), rotations
    text = json.dumps(rotations)
    assert "NEW-SECRET" not in text, text
    assert sorted(e["detail"]["grace_seconds"] for e in rotations) == [0, 604800], rotations
