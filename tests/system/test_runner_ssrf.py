"""SSRF: with no Delivery.AllowCidrs the runner refuses private, loopback,
link-local and reserved destinations at connect time, whatever the URL
spelling, records the attempt as ssrf_blocked, and nothing arrives; the
same for http URLs once Security.RequireHttps is on.
10.0.0.1 and 169.254.169.254 are refused by the opensocket callback, so no
packet ever leaves this machine."""

from hltest import Receiver, api, new_account, run_runner, write_config

EVENT = "sms.delivered"


def _blocked_urls(port):
    return [
        "http://127.0.0.1:%d/hook" % port,
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/hook",
        "http://[::1]:%d/hook" % port,
        "http://[::ffff:127.0.0.1]:%d/hook" % port,
        "http://2130706433:%d/hook" % port,
        "http://localhost:%d/hook" % port,
    ]


def test_private_destinations_are_blocked_without_allowlist():
    _, key = new_account()
    strict = write_config(Delivery_AllowCidrs=None, Delivery_ConnectTimeoutMs=1000)
    with Receiver() as rcv:
        ids = {}
        for url in _blocked_urls(rcv.port):
            r = api("POST", "/webhooks", {"url": url, "event_types": [EVENT]}, key=key)
            assert r.status == 201, (url, r)
            ids[r.body["id"]] = url
        r = api("POST", "/webhooks/publish", {"event_type": EVENT, "payload": {"x": 1}}, key=key)
        assert r.status == 202 and r.body["deliveries"] == len(ids), r
        run_runner("--once", config=strict, timeout=60)
        for ep, url in ids.items():
            rows = api("GET", "/webhooks/%s/deliveries" % ep, key=key).body["data"]
            assert len(rows) == 1, (url, rows)
            assert rows[0]["attempts"] == 1, (url, rows)
            assert rows[0]["last_error_class"] == "ssrf_blocked", (url, rows)
            detail = api("GET", "/webhooks/deliveries/%s" % rows[0]["id"], key=key).body
            att = detail["attempt_log"][0]
            assert att["error_class"] == "ssrf_blocked", (url, att)
            assert "blocked" in att["error_message"], (url, att)
        assert rcv.requests == [], rcv.requests


def test_allowlist_lets_loopback_through():
    # The same loopback receiver is reachable with the test allowlist.
    _, key = new_account()
    with Receiver() as rcv:
        r = api("POST", "/webhooks", {"url": "http://[::ffff:127.0.0.1]:%d/hook" % rcv.port,
                                      "event_types": [EVENT]}, key=key)
        assert r.status == 201, r
        ep = r.body["id"]
        api("POST", "/webhooks/publish", {"event_type": EVENT, "payload": {"x": 1}}, key=key)
        run_runner("--once")
        rcv.wait_for_requests(1)
        rows = api("GET", "/webhooks/%s/deliveries" % ep, key=key).body["data"]
        assert rows[0]["status"] == "succeeded", rows


def test_require_https_also_blocks_http_urls_stored_before():
    # The endpoint was created while http was allowed; Security.RequireHttps
    # turned on later keeps the runner from sending to it, allowlist or not.
    _, key = new_account()
    with Receiver() as rcv:
        r = api("POST", "/webhooks", {"url": rcv.url, "event_types": [EVENT]}, key=key)
        assert r.status == 201, r
        ep = r.body["id"]
        api("POST", "/webhooks/publish", {"event_type": EVENT, "payload": {"x": 1}}, key=key)
        run_runner("--once", config=write_config(Security_RequireHttps=1))
        rows = api("GET", "/webhooks/%s/deliveries" % ep, key=key).body["data"]
        assert rows[0]["status"] == "pending" and rows[0]["attempts"] == 1, rows
        assert rows[0]["last_error_class"] == "ssrf_blocked", rows
        att = api("GET", "/webhooks/deliveries/%s" % rows[0]["id"], key=key).body["attempt_log"][0]
        assert "Security.RequireHttps" in att["error_message"], att
        assert rcv.requests == [], rcv.requests
