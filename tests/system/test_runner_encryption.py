"""Payload encryption (option encryption): the body is an AES-256-GCM
envelope over the exact plain body, decrypted here by an independent
program (tests/helpers/hl-decrypt, OpenSSL only), and signed as sent."""

import base64
import json
import os

from hltest import Receiver, api, new_account, run_program, run_runner, verify

EVENT = "sms.delivered"
DECRYPT = os.environ.get("HL_DECRYPT", "hl-decrypt")


def _decrypt(key, body):
    p = run_program([DECRYPT, key], input=body)
    assert p.returncode == 0, p.stderr
    return p.stdout


def _envelope(req):
    env = req.json()
    assert list(env) == ["encrypted"], env
    e = env["encrypted"]
    assert e["alg"] == "A256GCM" and len(e["kid"]) == 16, e
    assert len(base64.b64decode(e["iv"])) == 12 and len(base64.b64decode(e["tag"])) == 16, e
    return e


def test_encrypted_delivery_decrypts_to_the_plain_body_and_is_signed():
    _, key = new_account()
    with Receiver() as rcv, Receiver() as plain_rcv:
        api("POST", "/webhooks", {"url": plain_rcv.url, "event_types": [EVENT]}, key=key)
        r = api("POST", "/webhooks", {"url": rcv.url, "event_types": [EVENT], "encryption": True},
                key=key)
        assert r.status == 201, r
        ep = r.body
        enc_key = ep["encryption_key"]
        assert ep["encryption"] is True and len(base64.b64decode(enc_key)) == 32, ep
        shown = api("GET", "/webhooks/%s" % ep["id"], key=key)
        assert shown.body["encryption"] is True and enc_key not in str(shown.raw), shown
        payload = {"to": "+15555550100", "text": "h\u00e9llo"}
        r = api("POST", "/webhooks/publish", {"event_type": EVENT, "payload": payload}, key=key)
        assert r.status == 202, r
        run_runner("--once")
        req = rcv.wait_for_requests(1)[0]
        assert req.headers["content-type"] == "application/json", req.headers
        # The signature covers the envelope bytes exactly as sent.
        verify(ep["secret"], req.headers, req.body)
        e = _envelope(req)
        assert payload["to"] not in req.body.decode(), req.body
        plain = _decrypt(enc_key, req.body)
        doc = json.loads(plain)
        assert list(doc) == ["type", "timestamp", "data"], doc
        assert doc["type"] == EVENT and doc["data"] == payload, doc
        # The plain body is what an unencrypted endpoint gets, byte for byte.
        assert plain == plain_rcv.wait_for_requests(1)[0].body, (plain, plain_rcv.requests)
        # A tampered envelope does not decrypt.
        bad = dict(e, tag=base64.b64encode(b"\0" * 16).decode())
        p = run_program([DECRYPT, enc_key], input=json.dumps({"encrypted": bad}).encode())
        assert p.returncode != 0, p.stdout

        # true again is what GET shows: a client sending it back keeps the
        # key its receiver holds (and gets no new one).
        got = api("GET", "/webhooks/%s" % ep["id"], key=key).body
        assert got["encryption"] is True and "encryption_key" not in got, got
        r = api("PUT", "/webhooks/%s" % ep["id"], {"encryption": True}, key=key)
        assert r.status == 200 and "encryption_key" not in r.body, r
        for bad in ("yes", "ROTATE", 1):
            r = api("PUT", "/webhooks/%s" % ep["id"], {"encryption": bad}, key=key)
            assert r.status in (400, 422) and r.body["error"]["field"] == "encryption", (bad, r)
        # Rotation: a new key (and kid); the old one no longer opens deliveries.
        r = api("PUT", "/webhooks/%s" % ep["id"], {"encryption": "rotate"}, key=key)
        assert r.status == 200 and r.body["encryption_key"] != enc_key, r
        new_key = r.body["encryption_key"]
        t = api("POST", "/webhooks/%s/test" % ep["id"], {"event_type": EVENT, "payload": payload},
                key=key)
        assert t.status == 200 and t.body["success"], t
        req2 = rcv.wait_for_requests(2)[1]
        verify(ep["secret"], req2.headers, req2.body)
        assert _envelope(req2)["kid"] != e["kid"], (e, req2.body)
        assert json.loads(_decrypt(new_key, req2.body))["data"] == payload
        assert run_program([DECRYPT, enc_key], input=req2.body).returncode != 0
        # The test send shows the envelope it sent.
        assert t.body["request"]["body"].encode() == req2.body, t.body

        # Off again: plain bodies.
        r = api("PUT", "/webhooks/%s" % ep["id"], {"encryption": False}, key=key)
        assert r.status == 200 and r.body["encryption"] is False and "encryption_key" not in r.body
        api("POST", "/webhooks/publish", {"event_type": EVENT, "payload": payload}, key=key)
        run_runner("--once")
        assert rcv.wait_for_requests(3)[2].json()["data"] == payload


def test_encrypted_batch_holds_the_json_array():
    _, key = new_account()
    with Receiver() as rcv:
        ep = api("POST", "/webhooks", {"url": rcv.url, "event_types": [EVENT], "encryption": True,
                                       "batch_max": 10}, key=key).body
        for i in range(3):
            api("POST", "/webhooks/publish", {"event_type": EVENT, "payload": {"i": i}}, key=key)
        run_runner("--once")
        req = rcv.wait_for_requests(1)[0]
        verify(ep["secret"], req.headers, req.body)
        items = json.loads(_decrypt(ep["encryption_key"], req.body))
        assert sorted(i["data"]["i"] for i in items) == [0, 1, 2], items
