"""How claims read the queue. The claim query reads the claim index in
order: MariaDB's slow log (long_query_time = 0, log_slow_verbosity =
query_plan) of a real runner shows how each claim executed. A claim that
sorts every due row (filesort) instead costs 10-20 ms per batch once
thousands are due; it happened when the ORDER BY named the status column,
which the connection's collation kept the optimizer from treating as
fixed. Claims continue after the previous claim's last row; they start
at the top of the index again when something of a higher priority is due,
after a FIFO delivery finished, and at least every second."""

import os
import re
import time

from hltest import (TMP, Receiver, api, ctl, ctl_publish, new_account, run_runner, sql,
                    start_runner, write_config)

EVENT = "sms.delivered"
BATCH = 20


def test_claim_reads_index_in_order_without_sorting():
    slug, key = new_account()
    with Receiver() as rcv:
        r = api("POST", "/webhooks", {"url": rcv.url, "event_types": [EVENT]}, key=key)
        assert r.status == 201, r
        for i in range(3 * BATCH):
            ctl_publish(slug, EVENT, {"i": i})
        # Other tests' due deliveries share the claim index (the account
        # is a filter on it), so they may be examined too.
        others = int(sql("SELECT COUNT(*) FROM deliveries d JOIN accounts a ON a.id = d.account_id "
                         "WHERE d.status = 'pending' AND d.next_attempt_at <= NOW(3) + "
                         "INTERVAL 1 MINUTE AND a.slug <> '%s'" % slug)[0][0])
        log = os.path.join(TMP, "claim-slow.log")
        sql("SET GLOBAL slow_query_log_file = '%s', long_query_time = 0, "
            "log_slow_verbosity = 'query_plan', slow_query_log = 1" % log)
        try:
            cfg = write_config(Delivery_ClaimBatch=BATCH)
            run_runner("--once", "--account", slug, config=cfg)
        finally:
            sql("SET GLOBAL slow_query_log = 0, long_query_time = 10")
        rcv.wait_for_requests(3 * BATCH, timeout=30)
    entries = re.split(r"\n(?=# User@Host)", open(log).read())
    claims = [e for e in entries if "FOR UPDATE SKIP LOCKED" in e and "deliveries_claim" in e]
    # Three full batches and the empty claim that ends --once.
    assert len(claims) >= 4, "%d claims in the slow log" % len(claims)
    for e in claims:
        assert "Filesort: Yes" not in e, "a claim sorted the due rows:\n" + e
        examined = int(re.search(r"Rows_examined: (\d+)", e).group(1))
        # Each claimed row and its endpoint's FIFO check; never every due row.
        assert examined <= 2 * (BATCH + 1 + others), "a claim examined %d rows:\n%s" % (examined, e)
    # Loading the claimed rows looks each event and endpoint up and keeps
    # the primary key's order: with few endpoints MariaDB had read them
    # all into a join buffer instead, and sorted every batch in a
    # temporary table on disk (the payload is TEXT).
    loads = [e for e in entries if "ev.payload, e.enabled FROM deliveries d" in e]
    assert len(loads) >= 3, "%d loads in the slow log" % len(loads)
    for e in loads:
        assert "Tmp_table: Yes" not in e and "Filesort: Yes" not in e, "a load sorted:\n" + e


def test_higher_priority_overtakes_a_backlog():
    slug, key = new_account()
    # 80 deliveries to a receiver answering in 50 ms, one at a time: a
    # backlog of at least 4 s, claimed 5 at a time (each claim continuing
    # after the last).
    cfg = write_config(Delivery_Concurrency=1, Delivery_PerHostConnections=1,
                       Delivery_ClaimBatch=5)
    with Receiver(delay=0.05) as low, Receiver() as high:
        for url, types, prio in ((low.url, ["sms.delivered"], 0), (high.url, ["user.login"], 10)):
            r = api("POST", "/webhooks", {"url": url, "event_types": types, "priority": prio},
                    key=key)
            assert r.status == 201, r
        for i in range(80):
            ctl_publish(slug, "sms.delivered", {"i": i})
        runner = start_runner("--max-seconds", "10", "--account", slug, config=cfg)
        try:
            low.wait_for_requests(10, timeout=30)
            published = time.time()
            ctl_publish(slug, "user.login", {"user": "u1"})
            got = high.wait_for_requests(1, timeout=30)[0]
            waited = got.received_at - published
            behind = 80 - len(low.requests)
            # The next claim sees a higher priority due and starts at the
            # top; what the runner already holds (up to 6 requests of 50 ms)
            # goes first.
            assert waited < 1.0, "the high-priority delivery waited %.1f s" % waited
            assert behind > 20, "only %d low-priority deliveries were still queued" % behind
        finally:
            runner.terminate()
            runner.wait(timeout=30)


def test_fifo_endpoint_keeps_pace_during_a_backlog():
    slug, key = new_account()
    cfg = write_config(Delivery_Concurrency=2, Delivery_PerHostConnections=1,
                       Delivery_ClaimBatch=5)
    with Receiver(delay=0.05) as low, Receiver() as fifo:
        for url, types, extra in ((low.url, ["sms.delivered"], {}),
                                  (fifo.url, ["user.login"], {"fifo": True})):
            body = {"url": url, "event_types": types}
            body.update(extra)
            r = api("POST", "/webhooks", body, key=key)
            assert r.status == 201, r
        # The FIFO deliveries sort first; all but the first wait for their
        # predecessor, so the claims pass them and continue in the backlog.
        ids = [ctl_publish(slug, "user.login", {"n": n})["id"] for n in range(5)]
        for i in range(80):
            ctl_publish(slug, "sms.delivered", {"i": i})
        start = time.time()
        runner = start_runner("--max-seconds", "10", "--account", slug, config=cfg)
        try:
            got = fifo.wait_for_requests(5, timeout=30)
            took = got[4].received_at - start
            # Each finished FIFO delivery makes the next claim start at the
            # top of the index, where its successor sorts: no waiting for
            # the once-a-second restart.
            assert [q.headers["webhook-id"] for q in got[:5]] == ids
            assert took < 2.5, "5 FIFO deliveries took %.1f s" % took
            assert 80 - len(low.requests) > 20, "the backlog was nearly gone"
        finally:
            runner.terminate()
            runner.wait(timeout=30)


def test_once_goes_on_after_a_claim_of_only_paused_deliveries():
    """A claim whose deliveries were all paused at load (their endpoint
    disabled after they became due) is no sign that nothing is due:
    --once used to read it so and exit with the rest of the queue
    unsent."""
    slug, key = new_account()
    cfg = write_config(Delivery_ClaimBatch=5)
    with Receiver() as off, Receiver() as on:
        ids = []
        for url, types in ((off.url, ["user.login"]), (on.url, ["sms.delivered"])):
            r = api("POST", "/webhooks", {"url": url, "event_types": types}, key=key)
            assert r.status == 201, r
            ids.append(r.body["id"])
        # Five due deliveries of the first endpoint come first in the
        # queue, then three of the second.
        for i in range(5):
            ctl_publish(slug, "user.login", {"i": i})
        for i in range(3):
            ctl_publish(slug, "sms.delivered", {"i": i})
        # Disabled behind the API's back, as when the disable commits
        # after they were claimed (the API would have paused them).
        sql("UPDATE endpoints SET enabled = 0 WHERE id = '%s'" % ids[0])
        run_runner("--once", "--account", slug, config=cfg)
        assert len(on.requests) == 3 and not off.requests, (on.requests, off.requests)
    assert sql("SELECT status, COUNT(*) FROM deliveries WHERE endpoint_id = '%s' "
               "GROUP BY status" % ids[0]) == [["paused", "5"]]


def test_expired_leases_are_found_in_the_claim_index():
    """Taking back expired leases (the runner, every 5 s) and counting them
    (`hooklinectl status`) read the deliveries in flight through the claim
    index's first column. Migration 017 dropped the index of their own,
    which every claim, completion and lease renewal had to move. The slow
    log shows how the real statements ran: neither scans the table."""
    assert sql("SHOW INDEX FROM deliveries WHERE Key_name = 'deliveries_lease'") == []
    slug, key = new_account()
    with Receiver() as rcv:
        r = api("POST", "/webhooks", {"url": rcv.url, "event_types": [EVENT]}, key=key)
        assert r.status == 201, r
        ids = [ctl_publish(slug, EVENT, {"i": i})["id"] for i in range(10)]
        # A runner that died holding two of them an hour ago; a scan of
        # the table would examine the other eight too.
        sql("UPDATE deliveries SET status = 'sending', lease_owner = 'gone:1', "
            "lease_expires_at = NOW(3) - INTERVAL 1 HOUR "
            "WHERE event_id IN ('%s', '%s')" % (ids[0], ids[1]))
        in_flight = int(sql("SELECT COUNT(*) FROM deliveries WHERE status = 'sending'")[0][0])
        log = os.path.join(TMP, "lease-slow.log")
        sql("SET GLOBAL slow_query_log_file = '%s', long_query_time = 0, "
            "log_slow_verbosity = 'query_plan', slow_query_log = 1" % log)
        try:
            assert '"expired_leases":' in ctl("status", "--json").stdout
            run_runner("--once", "--account", slug)
        finally:
            sql("SET GLOBAL slow_query_log = 0, long_query_time = 10")
        rcv.wait_for_requests(10, timeout=30)
    entries = re.split(r"\n(?=# User@Host)", open(log).read())
    readers = [e for e in entries if "status = 'sending' AND lease_expires_at < NOW(3)" in e]
    # The count, the runner's read of the candidates, and its take-back
    # of each of the two by its key.
    assert len(readers) == 4, "%d statements read the expired leases" % len(readers)
    for e in readers:
        assert "Full_scan: Yes" not in e, "a table scan:\n" + e
        # The UPDATE counts each row it changes twice (read, then update).
        examined = int(re.search(r"Rows_examined: (\d+)", e).group(1))
        assert examined <= 2 * in_flight + 1, "examined %d rows:\n%s" % (examined, e)
    # The two taken back went out again with the other eight.
    assert sql("SELECT status, COUNT(*) FROM deliveries WHERE event_id IN ('%s') "
               "GROUP BY status" % "','".join(ids)) == [["succeeded", "10"]]


def test_taking_back_expired_leases_does_not_wait_for_deliveries_in_flight():
    """A runner's take-back of expired leases reads the deliveries being
    sent, and without a lease index of their own it reads them all: an
    UPDATE over them waited for every delivery another runner's
    transaction held, and at a lock wait timeout took back none. It
    reads them without locks and takes back only the expired ones, each
    by its key. Here a client holds a delivery in flight (not expired)
    for 4 s; the runner must take back the expired one without waiting."""
    import subprocess
    slug, key = new_account()
    r = api("POST", "/webhooks", {"url": "http://127.0.0.1:9/held", "event_types": [EVENT]},
            key=key)
    assert r.status == 201, r
    live, gone = [ctl_publish(slug, EVENT, {"i": i})["id"] for i in range(2)]
    sql("UPDATE deliveries SET status = 'sending', lease_owner = 'other:1', lease_expires_at = "
        "NOW(3) + INTERVAL 1 HOUR WHERE event_id = '%s'" % live)
    sql("UPDATE deliveries SET status = 'sending', lease_owner = 'gone:1', lease_expires_at = "
        "NOW(3) - INTERVAL 1 HOUR WHERE event_id = '%s'" % gone)
    holder = subprocess.Popen(
        ["mariadb", "--no-defaults", "--unbuffered", "--socket", os.environ["HL_DB_SOCKET"],
         "-uroot", "-N",
         "hookline", "-e", "BEGIN; SELECT id FROM deliveries WHERE event_id = '%s' FOR UPDATE; "
         "SELECT SLEEP(4); COMMIT;" % live], stdout=subprocess.PIPE, text=True)
    try:
        # The lock is taken once the client printed the delivery's id
        # (--unbuffered: at once, not when it exits).
        assert holder.stdout.readline().startswith("dlv_")
        t = time.time()
        run_runner("--once", "--account", slug)
        took = time.time() - t
    finally:
        holder.wait(timeout=30)
    assert took < 2.5, "the runner waited %.1f s for a delivery in flight" % took
    got = dict(sql("SELECT event_id, status FROM deliveries WHERE event_id IN ('%s', '%s')"
                   % (live, gone)))
    # The expired one was taken back (and tried at once: the refused
    # connection schedules a retry); the held one is still in flight.
    assert got == {live: "sending", gone: "pending"}, got
    assert sql("SELECT attempts FROM deliveries WHERE event_id = '%s'" % gone) == [["1"]]
    r = api("DELETE", "/webhooks/%s" % r.body["id"], key=key)
    assert r.status == 204, r
