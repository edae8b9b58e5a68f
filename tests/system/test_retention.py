"""Retention: finished deliveries (with their attempts), events nothing
waits for, incoming requests, notifications and audit records older than
Retention.Days / Retention.AuditDays are deleted by `hooklinectl purge`
and, a bounded share per run, by every runner; unfinished work is kept
whatever its age. Old rows are written here with ids and times of 40 (or
400) days ago, as they would have been then."""

import os
import secrets
import subprocess
import time

from apihelp import endpoint
from hltest import Receiver, api, ctl, new_account, run_runner, sql, write_config

CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"


def old_id(prefix, days_ago):
    """An id as hl_id_new made it days_ago: 48-bit ms, 80 random bits."""
    ms = int((time.time() - days_ago * 86400) * 1000)
    value = ms << 80 | int.from_bytes(secrets.token_bytes(10), "big")
    chars = [CROCKFORD[(value >> (5 * i)) & 31] for i in range(26)]
    return prefix + "_" + "".join(reversed(chars))


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
        counts = dict(line.split() for line in out.splitlines()[1:])
        # Other tests' accounts hold only today's rows: the counts are ours.
        assert counts == {"deliveries": "2", "events": "2", "incoming_requests": "1",
                          "notifications": "1", "audit_log": "1"}, out
        for table, name in GONE:
            assert _exists(table, ids[name]), ("dry run deleted", table, name)
        out = ctl("purge").stdout
        assert dict(line.split() for line in out.splitlines()[1:]) == counts, out
        for table, name in GONE:
            assert not _exists(table, ids[name]), ("kept", table, name)
        for table, name in KEPT:
            assert _exists(table, ids[name]), ("deleted", table, name)
        assert "0" == dict(line.split() for line in ctl("purge").stdout.splitlines()[1:])["events"]
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

    paused = deliveries(1200, 41, "paused")
    done = deliveries(50, 40, "succeeded")
    gone = []
    for _ in range(3):
        out = ctl("purge", "--chunks", "1").stdout
        gone.append(int(dict(line.split() for line in out.splitlines()[1:])["deliveries"]))
    assert gone == [0, 0, 50], gone
    assert not any(_exists("deliveries", d) for d in done[:3] + done[-3:])
    assert all(_exists("deliveries", d) for d in paused[:3] + paused[-3:])
    # That share reached the cutoff: the next one starts from the oldest again.
    assert sql("SELECT last_id FROM retention_cursors WHERE table_name = 'deliveries'") == [[""]]
    more = deliveries(5, 42, "dead")
    assert more[-1] < paused[0]
    out = ctl("purge", "--chunks", "1").stdout
    assert dict(line.split() for line in out.splitlines()[1:])["deliveries"] == "5", out
    proc = ctl("purge", "--chunks", "0", check=False)
    assert proc.returncode == 2, proc
