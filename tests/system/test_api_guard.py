"""Idempotency-Key replays, rate limiting shared by every FastCGI
process, the audit log, tenant isolation and scopes."""

import json
import os
import signal
import subprocess
import threading
import time

from apihelp import EVENT, account, endpoint, error_code, publish, sql
from hltest import CONFIG, Receiver, api, cgi_environment, ctl, run_program, wait_for

FCGI = os.path.join(os.path.dirname(os.environ.get("HL_CTL", "")), "..", "web", "hookline.fcgi")


def test_idempotency_key_replays_first_response():
    _, key = account()
    body = {"url": "http://127.0.0.1:9/idem", "event_types": [EVENT]}
    h = {"Idempotency-Key": "create-1"}
    r1 = api("POST", "/webhooks", body, key=key, headers=h)
    assert r1.status == 201, r1
    r2 = api("POST", "/webhooks", body, key=key, headers=h)
    assert r2.status == 201 and r2.body == r1.body, (r1, r2)
    assert r2.headers.get("idempotent-replayed") == "true", r2.headers
    assert len(api("GET", "/webhooks", key=key).body["data"]) == 1
    r3 = api("POST", "/webhooks", dict(body, description="other"), key=key, headers=h)
    assert r3.status == 422 and error_code(r3) == "idempotency_key_reused", r3
    # Publish: the header and the body member both deduplicate.
    p1 = publish(key, {"n": 1}, headers={"Idempotency-Key": "pub-1"})
    p2 = publish(key, {"n": 1}, headers={"Idempotency-Key": "pub-1"})
    assert p1 == p2 and p1["deliveries"] == 1, (p1, p2)
    # Keys are per account: another account's same key is a fresh request.
    _, other = account()
    r = api("POST", "/webhooks", body, key=other, headers=h)
    assert r.status == 201 and r.body["id"] != r1.body["id"], r


def test_idempotency_refusals_are_not_kept():
    """A 4xx did nothing: the same key and bytes run again once the cause
    is gone (here an event type missing from the catalog is created),
    instead of replaying the refusal for 24 hours."""
    slug, key = account()
    name = "idem.later"
    body = {"event_type": name, "payload": {"n": 1}}
    h = {"Idempotency-Key": "refused-1"}
    r = api("POST", "/webhooks/publish", body, key=key, headers=h)
    assert r.status == 422 and r.body["error"]["field"] == "event_type", r
    assert "idempotent-replayed" not in r.headers, r.headers
    assert sql("SELECT COUNT(*) FROM idempotency_keys WHERE account_id = '%s'"
               % _account_id(slug)) == [["0"]]
    assert api("POST", "/webhooks/events", {"name": name}, key=key).status == 201
    r1 = api("POST", "/webhooks/publish", body, key=key, headers=h)
    assert r1.status == 202 and "idempotent-replayed" not in r1.headers, r1
    # That answer did the work: it is the one kept and replayed.
    r2 = api("POST", "/webhooks/publish", body, key=key, headers=h)
    assert r2.status == 202 and r2.body == r1.body, (r1, r2)
    assert r2.headers.get("idempotent-replayed") == "true", r2.headers


def _account_id(slug):
    return sql("SELECT id FROM accounts WHERE slug = '%s'" % slug)[0][0]


def test_idempotency_concurrent_repeats_do_the_work_once():
    _, key = account()
    with Receiver(delay=2) as rcv:
        wh = endpoint(key, rcv.url)["id"]
        h = {"Idempotency-Key": "test-once"}
        results = []

        def send():
            results.append(api("POST", "/webhooks/%s/test" % wh, {}, key=key, headers=h))

        threads = [threading.Thread(target=send) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        # One test send reached the receiver; the repeats that came while
        # it ran were told so, not run.
        assert len(rcv.requests) == 1, rcv.requests
        done = [r for r in results if r.status == 200 and "idempotent-replayed" not in r.headers]
        replayed = [r for r in results if r.status == 200 and r not in done]
        busy = [r for r in results if r.status != 200]
        assert len(done) == 1, results
        # Repeats the web server queued until the first had finished are replays.
        assert all(r.body == done[0].body for r in replayed), results
        for r in busy:
            assert r.status == 409 and error_code(r) == "idempotency_in_progress", r
            assert int(r.headers["retry-after"]) >= 1, r.headers
        # Once it is done, a repeat gets its answer.
        r = api("POST", "/webhooks/%s/test" % wh, {}, key=key, headers=h)
        assert r.status == 200 and r.body == done[0].body, r
        assert r.headers.get("idempotent-replayed") == "true", r.headers
        assert len(rcv.requests) == 1


def test_idempotency_parallel_creates_make_one_webhook():
    _, key = account()
    body = {"url": "http://127.0.0.1:9/idem-par", "event_types": [EVENT]}
    results = []

    def create():
        results.append(api("POST", "/webhooks", body, key=key,
                           headers={"Idempotency-Key": "par-1"}))

    threads = [threading.Thread(target=create) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(api("GET", "/webhooks", key=key).body["data"]) == 1, results
    assert {r.status for r in results} <= {201, 409}, results
    assert len({r.body["id"] for r in results if r.status == 201}) == 1, results


def test_idempotency_stale_or_failed_reservations_do_not_block():
    slug, key = account()
    acct = _account_id(slug)
    # A reservation whose process died (expired): the key is usable again.
    sql("INSERT INTO idempotency_keys (account_id, idem_key, route, request_hash, status, "
        "response, expires_at) VALUES ('%s', 'stale-1', '/webhooks', 'x', 0, 'pending:dead', "
        "NOW(3) - INTERVAL 1 SECOND)" % acct)
    r = api("POST", "/webhooks", {"url": "http://127.0.0.1:9/stale"}, key=key,
            headers={"Idempotency-Key": "stale-1"})
    assert r.status == 201, r
    # A request that fails with a 5xx gives its reservation back.
    h = {"Idempotency-Key": "fail-1"}
    sql("RENAME TABLE event_types TO event_types_offline")
    try:
        r = api("POST", "/webhooks/events", {"name": "idem.failed"}, key=key, headers=h)
    finally:
        sql("RENAME TABLE event_types_offline TO event_types")
    assert r.status == 500, r
    assert sql("SELECT COUNT(*) FROM idempotency_keys WHERE account_id = '%s' "
               "AND idem_key = 'fail-1'" % acct) == [["0"]]
    r = api("POST", "/webhooks/events", {"name": "idem.failed"}, key=key, headers=h)
    assert r.status == 201 and "idempotent-replayed" not in r.headers, r


def test_idempotency_reservation_of_a_killed_process_is_taken_over():
    """A request that holds its key's reservation blocks repeats (409)
    while its process runs; once the process is killed a repeat runs at
    once, not after the reservation's 10 minutes."""
    _, key = account()
    with Receiver(delay=20) as rcv:
        wh = endpoint(key, rcv.url)["id"]
        path = "/webhooks/%s/test" % wh
        h = {"Idempotency-Key": "killed-1"}
        env, data = cgi_environment("POST", path, {}, dict(h, Authorization="Bearer " + key))
        proc = subprocess.Popen([FCGI, "--config", CONFIG], env=env, stdin=subprocess.PIPE,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            proc.stdin.write(data)
            proc.stdin.close()
            wait_for(lambda: len(rcv.requests) == 1, message="the test send reached the receiver")
            r = api("POST", path, {}, key=key, headers=h)
            assert r.status == 409 and error_code(r) == "idempotency_in_progress", r
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        rcv.set_responses(delay=0)
        r = api("POST", path, {}, key=key, headers=h)
        assert r.status == 200, r
        assert len(rcv.requests) == 2, rcv.requests
        r2 = api("POST", path, {}, key=key, headers=h)
        assert r2.status == 200 and r2.headers.get("idempotent-replayed") == "true", r2
        assert len(rcv.requests) == 2, rcv.requests


def test_idempotency_answers_are_sealed_replayed_whole_and_per_caller():
    slug, key = account()
    acct = _account_id(slug)
    h = {"Idempotency-Key": "sealed-1"}
    body = {"url": "http://127.0.0.1:9/sealed", "event_types": [EVENT], "encryption": True}
    r1 = api("POST", "/webhooks", body, key=key, headers=h)
    assert r1.status == 201 and r1.body["secret"].startswith("whsec_"), r1
    wh = r1.body["id"]
    rot = api("POST", "/webhooks/%s/rotate-secret" % wh, {}, key=key,
              headers={"Idempotency-Key": "sealed-2"})
    src = api("POST", "/webhooks/sources", {"verify": "standard"}, key=key,
              headers={"Idempotency-Key": "sealed-3"})
    assert rot.status == 200 and src.status == 201 and src.body["secret"], (rot, src)
    # What is stored reveals none of the secrets it carries.
    stored = sql("SELECT response FROM idempotency_keys WHERE account_id = '%s'" % acct)
    assert len(stored) == 3, stored
    text = json.dumps(stored)
    for secret in (r1.body["secret"], r1.body["encryption_key"], rot.body["secret"],
                   src.body["secret"], wh):
        assert secret not in text, (secret, text)
    assert "whsec_" not in text, text
    # A repeat still gets the whole first answer, Location included.
    r2 = api("POST", "/webhooks", body, key=key, headers=h)
    assert r2.status == 201 and r2.body == r1.body, (r1, r2)
    assert r2.headers.get("location") == r1.headers["location"] == "/webhooks/" + wh, r2.headers
    r = api("POST", "/webhooks/sources", {"verify": "standard"}, key=key,
            headers={"Idempotency-Key": "sealed-3"})
    assert r.body == src.body and r.headers.get("location") == src.headers["location"], r
    # Another key of the account cannot fetch the answer by repeating it.
    wkey = ctl("key", "create", slug, "--scopes", "read,write").stdout.strip()
    r = api("POST", "/webhooks", body, key=wkey, headers=h)
    assert r.status == 422 and error_code(r) == "idempotency_key_reused", r
    assert "whsec_" not in r.raw.decode(), r


def test_rate_limit_holds_across_processes():
    _, key = account()
    limit = 120  # RateLimit.PerKeyPerMinute in tests/system/systest.hdf
    # Start at the beginning of a window so the burst fits into one.
    if 60 - time.time() % 60 < 15:
        time.sleep(60 - time.time() % 60 + 0.2)
    statuses, lock = [], threading.Lock()

    def worker(n):
        for _ in range(n):
            r = api("GET", "/webhooks?limit=1", key=key)
            with lock:
                statuses.append((r.status, r.headers))

    threads = [threading.Thread(target=worker, args=(20,)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ok = [s for s, _ in statuses if s == 200]
    limited = [h for s, h in statuses if s == 429]
    # lighttpd runs 4 FastCGI processes: a per-process count would let 4x through.
    assert len(ok) == limit and len(limited) == 160 - limit, ([s for s, _ in statuses])
    h = limited[0]
    assert int(h["retry-after"]) >= 1 and h["x-ratelimit-limit"] == str(limit), h
    assert h["x-ratelimit-remaining"] == "0", h
    assert 0 <= int(h["x-ratelimit-reset"]) <= 60, h
    # Another key is not affected.
    _, other = account()
    r = api("GET", "/webhooks", key=other)
    assert r.status == 200 and int(r.headers["x-ratelimit-remaining"]) == limit - 1, r.headers


def test_rate_limit_per_client_address():
    # The address limit is counted before authentication; drive one CGI
    # request from a documentation address whose window is already full.
    addr = "192.0.2.77"
    window = int(time.time()) // 60 * 60
    sql("INSERT INTO rate_limits (bucket, window_start, hits) VALUES ('addr:%s', %d, 100000) "
        "ON DUPLICATE KEY UPDATE hits = 100000" % (addr, window))
    env = {"REQUEST_METHOD": "GET", "REQUEST_URI": "/webhooks", "SCRIPT_NAME": "",
           "REMOTE_ADDR": addr, "HTTP_AUTHORIZATION": "Bearer hl_whatever", "PATH": "/usr/bin:/bin",
           "QUERY_STRING": "", "SERVER_PROTOCOL": "HTTP/1.1", "GATEWAY_INTERFACE": "CGI/1.1"}
    p = run_program([FCGI, "--config", CONFIG], env=env)
    out = p.stdout.decode()
    if int(time.time()) // 60 * 60 != window:
        return  # the window turned over meanwhile: nothing to conclude
    assert out.startswith("Status: 429"), out
    assert "Retry-After:" in out, out


def test_audit_log_records_actions():
    slug, key = account()
    ep = endpoint(key, "http://127.0.0.1:9/audit")
    api("PUT", "/webhooks/" + ep["id"], {"description": "changed"}, key=key)
    api("POST", "/webhooks/%s/disable" % ep["id"], key=key)
    api("POST", "/webhooks/%s/enable" % ep["id"], key=key)
    api("POST", "/webhooks/%s/rotate-secret" % ep["id"], {}, key=key)
    api("DELETE", "/webhooks/" + ep["id"], key=key)
    r = api("GET", "/webhooks/audit", key=key)
    assert r.status == 200, r
    # hooklinectl's records of making the account and its key come first.
    assert [a["action"] for a in r.body["data"][-2:]] == ["key.create", "account.create"], r
    rows = r.body["data"][:-2]
    assert [a["action"] for a in rows] == ["webhook.delete", "webhook.rotate_secret", "webhook.enable",
                                          "webhook.disable", "webhook.update", "webhook.create"], rows
    assert all(a["object_id"] == ep["id"] and a["client_addr"] == "127.0.0.1" for a in rows), rows
    assert rows[0]["actor"].startswith("hl_") and rows[0]["actor_id"].startswith("key_"), rows
    assert "whsec_" not in json.dumps(r.body), r
    r = api("GET", "/webhooks/audit?action=webhook.enable", key=key)
    assert [a["action"] for a in r.body["data"]] == ["webhook.enable"], r
    # write-scoped keys cannot read it; other accounts see none of it.
    wkey = ctl("key", "create", slug, "--scopes", "read,write").stdout.strip()
    assert api("GET", "/webhooks/audit", key=wkey).status == 403
    _, other = account()
    assert [x["action"] for x in api("GET", "/webhooks/audit", key=other).body["data"]] == \
        ["key.create", "account.create"]


def test_tenant_isolation_every_id_route():
    _, a = account()
    _, b = account()
    ep = endpoint(a, "http://127.0.0.1:9/iso")
    publish(a, {"n": 1})
    dlv = api("GET", "/webhooks/%s/deliveries" % ep["id"], key=a).body["data"][0]["id"]
    wh = ep["id"]
    calls = [("GET", "/webhooks/" + wh, None), ("PUT", "/webhooks/" + wh, {"description": "x"}),
             ("GET", "/webhooks/%s/deliveries" % wh, None), ("POST", "/webhooks/%s/test" % wh, {}),
             ("POST", "/webhooks/%s/enable" % wh, None), ("POST", "/webhooks/%s/disable" % wh, None),
             ("POST", "/webhooks/%s/rotate-secret" % wh, {}),
             ("POST", "/webhooks/%s/subscribe" % wh, {"event_types": [EVENT]}),
             ("DELETE", "/webhooks/%s/unsubscribe" % wh, {"event_types": [EVENT]}),
             ("GET", "/webhooks/%s/events" % wh, None),
             ("POST", "/webhooks/%s/replay" % wh, {"since": "2020-01-01T00:00:00Z"}),
             ("GET", "/webhooks/deliveries/" + dlv, None),
             ("POST", "/webhooks/deliveries/%s/retry" % dlv, None),
             ("POST", "/webhooks/deliveries/retry", {"webhook_id": wh}),
             ("DELETE", "/webhooks/" + wh, None)]
    for method, path, body in calls:
        r = api(method, path, body, key=b)
        assert r.status == 404, (method, path, r)
    assert api("GET", "/webhooks/" + wh, key=a).status == 200
    # B's own log holds only hooklinectl's records of making B and its key.
    assert [(x["action"], x["actor"].split(":")[0]) for x in
            api("GET", "/webhooks/audit", key=b).body["data"]] == \
        [("key.create", "hooklinectl"), ("account.create", "hooklinectl")]


def test_read_key_gets_403_on_writes():
    slug, key = account()
    ep = endpoint(key, "http://127.0.0.1:9/scope")
    rkey = ctl("key", "create", slug, "--scopes", "read").stdout.strip()
    wh = ep["id"]
    for method, path, body in [("POST", "/webhooks", {"url": "http://127.0.0.1:9/x"}),
                               ("PUT", "/webhooks/" + wh, {}), ("DELETE", "/webhooks/" + wh, None),
                               ("POST", "/webhooks/%s/test" % wh, {}),
                               ("POST", "/webhooks/%s/enable" % wh, None),
                               ("POST", "/webhooks/%s/disable" % wh, None),
                               ("POST", "/webhooks/%s/rotate-secret" % wh, {}),
                               ("POST", "/webhooks/%s/subscribe" % wh, {"event_types": [EVENT]}),
                               ("DELETE", "/webhooks/%s/unsubscribe" % wh, {"event_types": [EVENT]}),
                               ("POST", "/webhooks/%s/replay" % wh, {"since": "2020-01-01T00:00:00Z"}),
                               ("POST", "/webhooks/events", {"name": "x.y"}),
                               ("POST", "/webhooks/publish", {"event_type": EVENT, "payload": {}}),
                               ("POST", "/webhooks/deliveries/retry", {}),
                               ("GET", "/webhooks/audit", None)]:
        r = api(method, path, body, key=rkey)
        assert r.status == 403 and error_code(r) == "forbidden", (method, path, r)
    for path in ("/webhooks", "/webhooks/" + wh, "/webhooks/%s/events" % wh, "/webhooks/events"):
        assert api("GET", path, key=rkey).status == 200, path


def test_unreadable_query_parameters_are_refused_not_ignored():
    """A filter too long for its buffer, or badly percent-encoded, used to
    be read as absent: ?status=<long> listed every delivery."""
    _, key = account()
    wh = endpoint(key, "http://127.0.0.1:9/q")["id"]
    long = "x" * 300
    cases = [
        "/webhooks?limit=" + "1" * 40,
        "/webhooks?iterator=" + long,
        "/webhooks/%s/deliveries?status=%s" % (wh, "succeeded" * 3),
        "/webhooks/%s/deliveries?event_type=%s" % (wh, long),
        "/webhooks/%s/deliveries?since=%s" % (wh, long),
        "/webhooks/%s/deliveries?status=%%zz" % wh,
        "/webhooks/%s/events?iterator=%s" % (wh, long),
        "/webhooks/events?family=%s" % long,
        "/webhooks/analytics?event_type=%s" % long,
        "/webhooks/audit?action=%s" % long,
        "/webhooks/sources?iterator=%s" % long,
    ]
    for path in cases:
        name = path.split("?")[1].split("=")[0]
        r = api("GET", path, key=key)
        assert r.status == 400 and error_code(r) == "invalid_value", (path, r)
        assert r.body["error"]["field"] == name, (path, r)
        assert r.headers.get("content-type", "").startswith("application/json"), r.headers
    # Readable values still work.
    r = api("GET", "/webhooks/%s/deliveries?status=succeeded&limit=5" % wh, key=key)
    assert r.status == 200 and r.body["data"] == [], r


def test_an_encoded_slash_is_no_path_separator():
    """%2F in a path decoded to "/" and routed: /webhooks%2Faudit was
    /webhooks/audit, past any rule of the web server or a proxy in front
    that tells the paths apart as sent. It is a character no route has."""
    slug, key = account()
    ep = endpoint(key, "http://127.0.0.1:9/slash")
    for path in ("/webhooks%2Faudit", "/webhooks%2fsources", "/webhooks%2F" + ep["id"],
                 "/webhooks/%s%%2Fevents" % ep["id"]):
        r = api("GET", path, key=key)
        assert r.status == 404 and error_code(r) == "not_found", (path, r)
    for path in ("/webhook%2Fmanage", "/webhook/static%2Fhookline.css"):
        r = api("GET", path, key=None)
        assert r.status == 404, (path, r)
    # Other escapes of route characters still decode as before.
    assert api("GET", "/webhook%73/" + ep["id"], key=key).status == 200


def test_audit_filters_are_matched_exactly():
    """The columns' collation took ?action=WEBHOOK.UPDATE%20 for
    webhook.update and an object id in capitals for the id."""
    _, key = account()
    ep = endpoint(key, "http://127.0.0.1:9/audit-exact")
    api("PUT", "/webhooks/" + ep["id"], {"description": "changed"}, key=key)
    r = api("GET", "/webhooks/audit?action=webhook.update&object_id=" + ep["id"], key=key)
    assert [a["action"] for a in r.body["data"]] == ["webhook.update"], r
    for query in ("action=WEBHOOK.UPDATE%20", "action=webhook.update%20", "action=Webhook.Update",
                  "object_id=" + ep["id"].upper(), "object_id=%s%%20" % ep["id"]):
        r = api("GET", "/webhooks/audit?" + query, key=key)
        assert r.status == 200 and r.body["data"] == [], (query, r)


def test_a_change_too_large_for_the_audit_log_is_recorded_cut():
    """An event type whose schema held a 70,000-character description was
    created (committed) while its audit record did not fit
    audit_log.detail and was lost (a 65,460-character subscription
    filter was too, before filters got a size limit of their own)."""
    _, key = account()
    name = "audit.big%d" % (time.time_ns() % 10**9)
    schema = {"type": "object", "description": "v" * 70000}
    r = api("POST", "/webhooks/events", {"name": name, "schema": schema}, key=key)
    assert r.status == 201, r
    r = api("GET", "/webhooks/audit?action=event_type.create", key=key)
    assert r.status == 200 and len(r.body["data"]) == 1, r
    rec = r.body["data"][0]
    assert rec["object_id"].startswith("et_"), rec
    assert rec["detail"]["name"] == name, rec
    assert rec["detail"]["(truncated)"]["members"] == ["schema"], rec["detail"]["(truncated)"]
    assert rec["detail"]["(truncated)"]["bytes"] > 70000, rec
    assert rec["detail"]["schema"].startswith('{"type":"object"') and \
        len(rec["detail"]["schema"]) <= 1024, rec


def _list_routes(key):
    wh = endpoint(key, "http://127.0.0.1:9/params")["id"]
    src = api("POST", "/webhooks/sources", {"verify": "none", "allowed_cidrs": "127.0.0.1/32"},
              key=key).body["id"]
    return {"/webhooks": ["limit", "iterator"],
            "/webhooks/events": ["family", "limit", "iterator"],
            "/webhooks/%s/deliveries" % wh: ["status", "event_type", "since", "until", "limit",
                                              "iterator"],
            "/webhooks/%s/events" % wh: ["limit", "iterator"],
            "/webhooks/analytics": ["since", "until", "webhook_id", "event_type", "buckets"],
            "/webhooks/audit": ["action", "object_id", "limit", "iterator"],
            "/webhooks/sources": ["limit", "iterator"],
            "/webhooks/sources/%s/requests" % src: ["limit", "iterator", "outcome"],
            "/webhooks/" + wh: [], "/webhooks/sources/" + src: []}


def test_query_parameters_not_taken_are_refused_not_ignored():
    """?stauts=dead was ignored, so the whole history came back as if it
    were the dead letters; ?event_type= (empty) filtered for an empty
    type while ?status= was refused; a parameter given twice was read
    once."""
    slug, key = account()
    for path, takes in _list_routes(key).items():
        # A key per route: RateLimit.PerKeyPerMinute counts every call.
        key = ctl("key", "create", slug, "--scopes", "read,write,admin").stdout.strip()
        for query in ("stauts=dead", "Limit=5", "limit%3D5", "x", "nope="):
            r = api("GET", path + "?" + query, key=key)
            assert r.status == 400 and error_code(r) == "unknown_parameter", (path, query, r)
            name = query.split("=")[0]
            assert r.body["error"]["field"] == name, (path, query, r)
            assert '"%s"' % name in r.body["error"]["message"], r
            assert ", ".join(takes) in r.body["error"]["message"], (takes, r)
        # A name that cannot be quoted is refused without being echoed.
        r = api("GET", path + "?%s=1" % ("n" * 100), key=key)
        assert r.status == 400 and error_code(r) == "unknown_parameter", r
        assert "field" not in r.body["error"] or r.body["error"]["field"] is None, r
        for name in takes:
            for query in (name + "=", name, "%s=&limit=5" % name):
                if name == "limit" and "limit=5" in query:
                    continue
                r = api("GET", path + "?" + query, key=key)
                if name == "iterator":   # empty: the first page (Lists)
                    assert r.status == 200, (path, query, r)
                    continue
                assert r.status == 400 and error_code(r) == "invalid_value", (path, query, r)
                assert r.body["error"]["field"] == name, (path, query, r)
                assert r.body["error"]["message"].startswith(name + " must not be empty"), r
            r = api("GET", path + "?%s=1&%s=2" % (name, name), key=key)
            assert r.status == 400 and r.body["error"]["field"] == name, (path, name, r)
            assert "twice" in r.body["error"]["message"], r
        # Empty pairs name nothing; what is declared still works.
        r = api("GET", path + "?&" + ("limit=2&" if "limit" in takes else ""), key=key)
        assert r.status == 200, (path, r)


def test_dashboard_queries_are_not_the_apis():
    """The check is the API's: the dashboard's pages read queries of their
    own (done=, page filters) and redirect a stranger to the login."""
    r = api("GET", "/webhook/login?next=/webhook/manage&stauts=x", key=None)
    assert r.status == 200, r
    r = api("GET", "/webhook/deliveries?status=&stauts=dead", key=None)
    assert r.status in (302, 303), r
