"""The claim query reads the claim index in order: MariaDB's slow log
(long_query_time = 0, log_slow_verbosity = query_plan) of a real runner
shows how each claim executed. A claim that sorts every due row
(filesort) instead costs 10-20 ms per batch once thousands are due; it
happened when the ORDER BY named the status column, which the connection's
collation kept the optimizer from treating as fixed."""

import json
import os
import re

from hltest import TMP, Receiver, api, ctl, new_account, run_runner, sql, write_config

EVENT = "sms.delivered"
BATCH = 20


def test_claim_reads_index_in_order_without_sorting():
    slug, key = new_account()
    with Receiver() as rcv:
        r = api("POST", "/webhooks", {"url": rcv.url, "event_types": [EVENT]}, key=key)
        assert r.status == 201, r
        for i in range(3 * BATCH):
            ctl("publish", "--account", slug, EVENT, json.dumps({"i": i}))
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
