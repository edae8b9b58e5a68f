"""Retention: finished deliveries (with their attempts), events nothing
waits for, incoming requests, notifications and audit records older than
Retention.Days / Retention.AuditDays are deleted by `hooklinectl purge`
and, a bounded share per run, by every runner; unfinished work is kept
whatever its age. Old rows are written here with ids and times of 40 (or
400) days ago, as they would have been then."""

import os
import subprocess
import time

from apihelp import endpoint
from test_dashboard import Session, _user
from hltest import Receiver, api, cgi, ctl, new_account, run_runner, sql, time_id, write_config

def old_id(prefix, days_ago):
    """An id as hl_id_new made it days_ago."""
    return time_id(prefix, (time.time() - days_ago * 86400) * 1000)


def _q(v):
    return "'%s'" % v


def _account_id(slug):
    return sql("SELECT id FROM accounts WHERE slug = '%s'" % slug)[0][0]


def _old_rows(slug, ep, source):
    """Rows of 40 days ago (400 for audit): what retention must delete and
    what it must keep. Returns their ids by name."""
    acct = _account_id(slug)
    ago = "NOW(3) - INTERVAL 40 DAY"
    ids = {k: old_id(p, 40) for k, p in (("ev_done", "evt"), ("ev_waiting", "evt"),
                                         ("ev_lonely", "evt"), ("dlv_ok", "dlv"),
                                         ("dlv_dead", "dlv"), ("dlv_pending", "dlv"),
                                         ("dlv_paused", "dlv"), ("inc", "inc"),
                                         ("ntf", "ntf"))}
    ids["att"] = old_id("att", 40)
    ids["aud_old"] = old_id("aud", 400)
    ids["aud_kept"] = old_id("aud", 40)
    for ev in ("ev_done", "ev_waiting", "ev_lonely"):
        sql("INSERT INTO events (id, account_id, event_type, payload, created_at) VALUES "
            "(%s, %s, 'sms.delivered', '{}', %s)" % (_q(ids[ev]), _q(acct), ago))
    for d, ev, status, done in (("dlv_ok", "ev_done", "succeeded", ago),
                                ("dlv_dead", "ev_done", "dead", ago),
                                ("dlv_pending", "ev_waiting", "pending", "NULL"),
                                ("dlv_paused", "ev_waiting", "paused", "NULL")):
        sql("INSERT INTO deliveries (id, account_id, endpoint_id, event_id, event_type, status, "
            "attempts, next_attempt_at, completed_at, created_at) VALUES (%s, %s, %s, %s, "
            "'sms.delivered', '%s', 1, %s + INTERVAL 1 DAY, %s, %s)"
            % (_q(ids[d]), _q(acct), _q(ep), _q(ids[ev]), status,
               "NOW(3)" if status == "pending" else ago, done, ago))
    sql("INSERT INTO delivery_attempts (id, delivery_id, account_id, endpoint_id, attempt_no, "
        "started_at, request_url, request_headers, response_status) VALUES (%s, %s, %s, %s, 1, "
        "%s, 'http://x', '{}', 200)" % (_q(ids["att"]), _q(ids["dlv_ok"]), _q(acct), _q(ep), ago))
    sql("INSERT INTO incoming_requests (id, source_id, account_id, received_at, headers, body, "
        "outcome) VALUES (%s, %s, %s, %s, '{}', '', 'accepted')"
        % (_q(ids["inc"]), _q(source), _q(acct), ago))
    sql("INSERT INTO notifications (id, account_id, kind, message, created_at) VALUES "
        "(%s, %s, 'endpoint.disabled', 'old', %s)" % (_q(ids["ntf"]), _q(acct), ago))
    for a, days in (("aud_old", 400), ("aud_kept", 40)):
        sql("INSERT INTO audit_log (id, account_id, action, created_at) VALUES "
            "(%s, %s, 'webhook.create', NOW(3) - INTERVAL %d DAY)" % (_q(ids[a]), _q(acct), days))
    return ids


def _counts(out):
    """The table of a purge's output: {table: count}."""
    return dict(line.split() for line in out.splitlines() if line.startswith("  "))


def _exists(table, id_):
    return int(sql("SELECT COUNT(*) FROM %s WHERE id = '%s'" % (table, id_))[0][0]) == 1


GONE = (("events", "ev_done"), ("events", "ev_lonely"), ("deliveries", "dlv_ok"),
        ("deliveries", "dlv_dead"), ("delivery_attempts", "att"), ("incoming_requests", "inc"),
        ("notifications", "ntf"), ("audit_log", "aud_old"))
KEPT = (("events", "ev_waiting"), ("deliveries", "dlv_pending"), ("deliveries", "dlv_paused"),
        ("audit_log", "aud_kept"))


def _setup():
    slug, key = new_account("ret")
    rcv = Receiver()
    ep = endpoint(key, rcv.url)["id"]
    src = api("POST", "/webhooks/sources", {"verify": "github", "secret": "s"}, key=key).body["id"]
    # Today's traffic, which no retention may touch.
    r = api("POST", "/webhooks/publish", {"event_type": "sms.delivered", "payload": {"n": 1}},
            key=key)
    assert r.status == 202, r
    return slug, key, rcv, ep, src, r.body["id"]


def test_purge_deletes_what_is_old_and_finished_only():
    slug, key, rcv, ep, src, today = _setup()
    with rcv:
        run_runner("--once")
        rcv.wait_for_requests(1)
        ids = _old_rows(slug, ep, src)
        out = ctl("purge", "--dry-run").stdout
        assert "would delete" in out, out
        counts = _counts(out)
        # Other tests' accounts hold only today's rows: the counts are ours
        # (their rotated secrets may have expired: test_expired_previous_...).
        del counts["expired_secrets"]
        assert counts == {"deliveries": "2", "events": "2", "incoming_requests": "1",
                          "notifications": "1", "audit_log": "1", "attempt_rollups": "0"}, out
        for table, name in GONE:
            assert _exists(table, ids[name]), ("dry run deleted", table, name)
        out = ctl("purge").stdout
        done = _counts(out)
        del done["expired_secrets"]
        assert done == counts, out
        for table, name in GONE:
            assert not _exists(table, ids[name]), ("kept", table, name)
        for table, name in KEPT:
            assert _exists(table, ids[name]), ("deleted", table, name)
        assert "0" == _counts(ctl("purge").stdout)["events"]
        assert api("GET", "/webhooks/events", key=key).status == 200
        assert _exists("events", today)
        assert len(api("GET", "/webhooks/%s/deliveries" % ep, key=key).body["data"]) == 3


def test_retention_zero_keeps_everything_and_one_pass_at_a_time():
    slug, key, rcv, ep, src, _ = _setup()
    with rcv:
        ids = _old_rows(slug, ep, src)
        keep = write_config(Retention_Days=0, Retention_AuditDays=0)
        proc = subprocess.run([os.environ["HL_CTL"], "--config", keep, "purge"],
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        for table, name in GONE + KEPT:
            assert _exists(table, ids[name]), (table, name)
        # Another pass holds the lock: purge says so (exit 3) and deletes nothing.
        holder = subprocess.Popen(["mariadb", "--no-defaults", "--socket", os.environ["HL_DB_SOCKET"],
                                   "-uroot", "-N", "--unbuffered", "-e",
                                   "SELECT CONNECTION_ID(), GET_LOCK('hookline.retention', 0); "
                                   "SELECT SLEEP(30)"],
                                  stdout=subprocess.PIPE, text=True)
        conn = None
        try:
            conn, got = holder.stdout.readline().split()
            assert got == "1", got
            proc = ctl("purge", check=False)
            assert proc.returncode == 3 and "another retention pass" in proc.stderr, proc
            assert _exists("deliveries", ids["dlv_ok"])
        finally:
            # The server keeps a killed client's lock until its session ends.
            if conn:
                sql("KILL %d" % int(conn))
            holder.kill()
            holder.wait()
        ctl("purge")
        assert not _exists("deliveries", ids["dlv_ok"])


def test_the_runner_applies_retention_after_its_window():
    slug, key, rcv, ep, src, _ = _setup()
    with rcv:
        ids = _old_rows(slug, ep, src)
        proc = run_runner("--once")
        assert "retention: deleted 2 deliveries" in proc.stderr, proc.stderr
        rcv.wait_for_requests(1)
        for table, name in GONE:
            assert not _exists(table, ids[name]), ("kept", table, name)
        for table, name in KEPT:
            assert _exists(table, ids[name]), ("deleted", table, name)


def test_bounded_passes_go_on_past_old_unfinished_work():
    # 1,200 paused deliveries of 40 days ago (an endpoint disabled for
    # weeks) stand before old finished ones in the key order. A runner-
    # sized share of one chunk (500 ids) a run must still get past them.
    slug, key, rcv, ep, src, _ = _setup()
    rcv.close()
    acct = _account_id(slug)
    ev = old_id("evt", 41)
    sql("INSERT INTO events (id, account_id, event_type, payload, created_at) VALUES "
        "(%s, %s, 'sms.delivered', '{}', NOW(3) - INTERVAL 41 DAY)" % (_q(ev), _q(acct)))

    def deliveries(n, days, status):
        ids = sorted(old_id("dlv", days) for _ in range(n))
        for i in range(0, n, 200):
            sql("INSERT INTO deliveries (id, account_id, endpoint_id, event_id, event_type, status, "
                "attempts, completed_at, created_at) VALUES " + ",".join(
                    "(%s, %s, %s, %s, 'sms.delivered', '%s', 1, %s, NOW(3) - INTERVAL %d DAY)"
                    % (_q(d), _q(acct), _q(ep), _q(ev), status,
                       "NULL" if status == "paused" else "NOW(3) - INTERVAL %d DAY" % days, days)
                    for d in ids[i:i + 200]))
        return ids

    # As where no bounded pass ran yet, whatever the tests before left.
    sql("DELETE FROM retention_cursors WHERE table_name = 'deliveries'")
    # Rows other tests left below these in the key order (unfinished, or
    # made up with ids of another shape) are stepped over too. Count
    # them, and pad the paused ones so that the finished ones end inside
    # one chunk, whatever ran before.
    before = int(sql("SELECT COUNT(*) FROM deliveries WHERE id < '%s'" % old_id("dlv", 40))[0][0])
    spare = (before + 1200) % 500
    n_paused = 1200 + (500 - spare + 1 if spare > 449 else 0)
    paused = deliveries(n_paused, 41, "paused")
    done = deliveries(50, 40, "succeeded")
    ahead = int(sql("SELECT COUNT(*) FROM deliveries WHERE id < '%s'" % done[0])[0][0])
    assert ahead == before + n_paused, (ahead, before)
    runs = ahead // 500 + 1
    gone = []
    for _ in range(runs):
        out = ctl("purge", "--chunks", "1").stdout
        gone.append(int(_counts(out)["deliveries"]))
    assert gone == [0] * (runs - 1) + [50], (gone, ahead)
    assert not any(_exists("deliveries", d) for d in done[:3] + done[-3:])
    assert all(_exists("deliveries", d) for d in paused[:3] + paused[-3:])
    # That share reached the cutoff: the next one starts from the oldest again.
    assert sql("SELECT last_id FROM retention_cursors WHERE table_name = 'deliveries'") == [[""]]
    more = deliveries(5, 42, "dead")
    assert more[-1] < paused[0]
    out = ctl("purge", "--chunks", "1").stdout
    assert _counts(out)["deliveries"] == "5", out
    proc = ctl("purge", "--chunks", "0", check=False)
    assert proc.returncode == 2, proc
    # A dry run counts the whole pass; it counted the first chunk from the
    # oldest row instead of the share purge --chunks 1 would then take.
    proc = ctl("purge", "--dry-run", "--chunks", "1", check=False)
    assert proc.returncode == 2 and "whole pass" in proc.stderr, proc


def test_analytics_outlive_the_attempts_through_rollups():
    """The pass rolls up the attempts' hours before their deliveries go:
    analytics of 40 days ago still count them after they are deleted, and
    the rollups themselves go after Retention.RollupDays (400)."""
    slug, key, rcv, ep, src, _ = _setup()
    rcv.close()
    # As on an installation upgraded today: nothing rolled up yet.
    sql("UPDATE rollup_cursor SET next_hour = NULL")
    acct = _account_id(slug)
    ev, dlv = old_id("evt", 40), old_id("dlv", 40)
    sql("INSERT INTO events (id, account_id, event_type, payload, created_at) VALUES "
        "(%s, %s, 'sms.delivered', '{}', NOW(3) - INTERVAL 40 DAY)" % (_q(ev), _q(acct)))
    sql("INSERT INTO deliveries (id, account_id, endpoint_id, event_id, event_type, status, "
        "attempts, completed_at, created_at) VALUES (%s, %s, %s, %s, 'sms.delivered', "
        "'succeeded', 3, NOW(3) - INTERVAL 40 DAY, NOW(3) - INTERVAL 40 DAY)"
        % (_q(dlv), _q(acct), _q(ep), _q(ev)))
    started = (time.time() - 40 * 86400 - 600) * 1000
    for i, (ms, cls) in enumerate(((12, "timeout"), (40, None), (291, None))):
        at = started + i * 60000
        sql("INSERT INTO delivery_attempts (id, delivery_id, account_id, endpoint_id, attempt_no, "
            "started_at, duration_ms, request_url, request_headers, error_class) VALUES "
            "(%s, %s, %s, %s, %d, '%s', %d, 'http://x', '{}', %s)"
            % (_q(time_id("att", at + 5)), _q(dlv), _q(acct), _q(ep), i + 1,
               time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(at / 1000)), ms,
               _q(cls) if cls else "NULL"))
    # A rollup of 500 days ago: past Retention.RollupDays.
    sql("INSERT INTO attempt_rollups (account_id, hour, endpoint_id, event_type, error_class, "
        "latency_bucket, attempts) VALUES (%s, DATE_FORMAT(NOW() - INTERVAL 500 DAY, "
        "'%%Y-%%m-%%d %%H:00:00'), %s, 'sms.delivered', '', 3, 7)" % (_q(acct), _q(ep)))
    since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 41 * 86400))
    until = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 39 * 86400))
    before = api("GET", "/webhooks/analytics?since=%s&until=%s" % (since, until), key=key).body
    assert before["totals"]["attempts"] == 3, before

    assert _counts(ctl("purge", "--dry-run").stdout)["attempt_rollups"] == "1"
    out = ctl("purge").stdout
    assert int(out.split("rolled up ")[1].split()[0]) > 0, out
    assert _counts(out)["attempt_rollups"] == "1", out
    assert not _exists("deliveries", dlv)
    assert int(sql("SELECT COUNT(*) FROM delivery_attempts WHERE delivery_id = '%s'" % dlv)[0][0]) == 0
    after = api("GET", "/webhooks/analytics?since=%s&until=%s" % (since, until), key=key).body
    t = after["totals"]
    assert t["attempts"] == 3 and t["failed"] == 1 and t["p50_ms"] == 40 and t["p99_ms"] == 303, t
    assert after["error_classes"] == [{"error_class": "timeout", "count": 1}], after
    # The widest range there is: rollups up to the cursor, then the
    # attempts up to 9999 in one go (it used to step through 70 million
    # hours in C first).
    for b in (1, 120):
        far = api("GET", "/webhooks/analytics?since=1970-01-01T00:00:00Z&until=9999-12-31T23:59:59Z"
                  "&buckets=%d" % b, key=key).body
        assert far["totals"]["attempts"] == 3 and len(far["series"]) == b, far["totals"]
    assert [(e["webhook_id"], e["attempts"]) for e in after["by_endpoint"]] == [(ep, 3)], after
    # The rollups outlive the webhook too: its row then has no URL, and the
    # dashboard names it deleted instead of linking to a page that is gone.
    assert api("DELETE", "/webhooks/%s" % ep, key=key).status == 204
    gone = api("GET", "/webhooks/analytics?since=%s&until=%s" % (since, until), key=key).body
    assert [(e["webhook_id"], e["url"], e["attempts"]) for e in gone["by_endpoint"]] == \
        [(ep, None, 3)], gone
    s = Session()
    assert s.login(_user(slug, "viewer"))[0] in (302, 303)
    status, _, page = s.get("/webhook/analytics?range=custom&since=%s&until=%s"
                            % (since[:16], until[:16]))
    assert status == 200 and "deleted webhook <code>%s</code>" % ep in page, page[-3000:]
    assert "/webhook/manage/%s" % ep not in page
    old = api("GET", "/webhooks/analytics?since=%s&until=%s" % (
        time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 501 * 86400)),
        time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 499 * 86400))), key=key).body
    assert old["totals"]["attempts"] == 0, old


def _attempts_days_ago(acct, ep, days, n):
    """A succeeded delivery of days ago with n attempts of 12 ms each, ids
    made as the runner makes them. Returns the delivery id."""
    ev, dlv = old_id("evt", days), old_id("dlv", days)
    sql("INSERT INTO events (id, account_id, event_type, payload, created_at) VALUES "
        "(%s, %s, 'sms.delivered', '{}', NOW(3) - INTERVAL %d DAY)" % (_q(ev), _q(acct), days))
    sql("INSERT INTO deliveries (id, account_id, endpoint_id, event_id, event_type, status, "
        "attempts, completed_at, created_at) VALUES (%s, %s, %s, %s, 'sms.delivered', "
        "'succeeded', %d, NOW(3) - INTERVAL %d DAY, NOW(3) - INTERVAL %d DAY)"
        % (_q(dlv), _q(acct), _q(ep), _q(ev), n, days, days))
    started = (time.time() - days * 86400 - 600) * 1000
    for i in range(n):
        at = started + i * 1000
        sql("INSERT INTO delivery_attempts (id, delivery_id, account_id, endpoint_id, attempt_no, "
            "started_at, duration_ms, request_url, request_headers) VALUES "
            "(%s, %s, %s, %s, %d, '%s', 12, 'http://x', '{}')"
            % (_q(time_id("att", at + 5)), _q(dlv), _q(acct), _q(ep), i + 1,
               time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(at / 1000))))
    return dlv


def test_analytics_count_attempts_kept_longer_than_their_rollups():
    """Retention.RollupDays shorter than Retention.Days (or Days 0: keep
    the attempts): once a pass expired the rollups of an hour, its
    attempts are still stored and the analytics must count them, not read
    the emptied rollups (they answered 0)."""
    for days, rollup_days in ((30, 7), (0, 7)):
        slug, key, rcv, ep, src, _ = _setup()
        rcv.close()
        sql("UPDATE rollup_cursor SET next_hour = NULL")
        acct = _account_id(slug)
        dlv = _attempts_days_ago(acct, ep, 10, 3)
        conf = write_config(Retention_Days=days, Retention_RollupDays=rollup_days)
        proc = subprocess.run([os.environ["HL_CTL"], "--config", conf, "purge"],
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        assert _exists("deliveries", dlv)
        assert int(sql("SELECT COUNT(*) FROM attempt_rollups WHERE account_id = '%s'"
                       % acct)[0][0]) == 0
        iso = lambda t: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
        path = "/webhooks/analytics?since=%s&until=%s" % (iso(time.time() - 11 * 86400),
                                                          iso(time.time() - 9 * 86400))
        for buckets in ("", "&buckets=1"):
            r = cgi("GET", path + buckets, headers={"Authorization": "Bearer " + key}, config=conf)
            assert r.status == 200, r
            assert r.body["totals"]["attempts"] == 3, (days, rollup_days, r.body["totals"])


def test_concurrent_passes_roll_each_hour_up_once():
    """Three passes started at once over two days of attempts not rolled
    up: one holds the lock (the others exit 3, or start after it and find
    nothing left), and every hour is counted exactly once; another pass
    changes nothing."""
    slug, key, rcv, ep, src, _ = _setup()
    rcv.close()
    sql("UPDATE rollup_cursor SET next_hour = NULL")
    acct = _account_id(slug)
    dlv = _attempts_days_ago(acct, ep, 0, 0)
    now = int(time.time()) // 3600 * 3600
    starts = [now - 49 * 3600 + i * 83 for i in range(2000)]
    from hltest import load_rows
    load_rows("delivery_attempts", ("id", "delivery_id", "account_id", "endpoint_id", "attempt_no",
                                    "started_at", "duration_ms", "request_url", "request_headers"),
              [(time_id("att", t * 1000 + 5), dlv, acct, ep, i + 1,
                time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(t)), 20, "http://x", "{}")
               for i, t in enumerate(starts)])
    procs = [subprocess.Popen([os.environ["HL_CTL"], "--config", os.environ["HL_CONFIG"], "purge"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(3)]
    outs = [p.communicate(timeout=120) + (p.returncode,) for p in procs]
    assert all(rc in (0, 3) for _, _, rc in outs) and any(rc == 0 for _, _, rc in outs), outs
    settled = int(sql("SELECT UNIX_TIMESTAMP(next_hour) FROM rollup_cursor")[0][0])
    want = {}
    for t in starts:
        if t < settled:
            want[t // 3600 * 3600] = want.get(t // 3600 * 3600, 0) + 1

    def rolled():
        return {int(h): int(n) for h, n in sql(
            "SELECT UNIX_TIMESTAMP(hour), SUM(attempts) FROM attempt_rollups WHERE account_id = '%s' "
            "GROUP BY hour" % acct)}

    assert rolled() == want
    ctl("purge")
    assert rolled() == want


def _prev_secret(table, id_):
    return sql("SELECT prev_secret_sealed IS NOT NULL, prev_secret_expires_at IS NOT NULL "
               "FROM %s WHERE id = '%s'" % (table, id_))[0]


def test_expired_previous_secrets_are_cleared():
    """A secret replaced by a rotation is cleared from its row once the
    grace period ends (by purge and by every runner's pass, whatever the
    retention days), not kept sealed for good; one still in its grace
    stays, and a rotation without grace keeps none."""
    _, key = new_account("sec")
    eps = [endpoint(key, "https://example.com/sec%d" % n)["id"] for n in range(4)]
    srcs = [api("POST", "/webhooks/sources", {"verify": "github", "secret": "s%d" % n},
                key=key).body["id"] for n in range(2)]
    for ep in eps[:3]:
        r = api("POST", "/webhooks/%s/rotate-secret" % ep, {"grace_seconds": 3600}, key=key)
        assert r.status == 200, r
    for src in srcs:
        r = api("POST", "/webhooks/sources/%s/rotate-secret" % src,
                {"secret": "NEW-SECRET-" + src, "grace_seconds": 3600}, key=key)
        assert r.status == 200, r
    r = api("POST", "/webhooks/%s/rotate-secret" % eps[3], {"grace_seconds": 0}, key=key)
    assert r.status == 200, r
    assert _prev_secret("endpoints", eps[3]) == ["0", "0"]
    # eps[0] and srcs[0] for purge, eps[1] for the runner; eps[2] and
    # srcs[1] are still in their grace.
    for table, id_ in (("endpoints", eps[0]), ("endpoints", eps[1]), ("sources", srcs[0])):
        sql("UPDATE %s SET prev_secret_expires_at = NOW(3) - INTERVAL 1 SECOND "
            "WHERE id = '%s'" % (table, id_))
    counts = _counts(ctl("purge", "--dry-run").stdout)
    assert int(counts["expired_secrets"]) >= 3, counts
    assert _prev_secret("endpoints", eps[0]) == ["1", "1"]
    counts = _counts(ctl("purge").stdout)
    assert int(counts["expired_secrets"]) >= 3, counts
    for table, id_ in (("endpoints", eps[0]), ("endpoints", eps[1]), ("sources", srcs[0])):
        assert _prev_secret(table, id_) == ["0", "0"], (table, id_)
    for table, id_ in (("endpoints", eps[2]), ("sources", srcs[1])):
        assert _prev_secret(table, id_) == ["1", "1"], (table, id_)
    assert api("GET", "/webhooks/sources/" + srcs[0], key=key).body[
        "previous_secret_expires_at"] is None
    # A runner's window ends with the same pass.
    sql("UPDATE endpoints SET prev_secret_expires_at = NOW(3) - INTERVAL 1 SECOND "
        "WHERE id = '%s'" % eps[2])
    run_runner("--once")
    assert _prev_secret("endpoints", eps[2]) == ["0", "0"]
    assert _prev_secret("sources", srcs[1]) == ["1", "1"]
