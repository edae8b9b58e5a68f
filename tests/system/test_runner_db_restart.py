"""MariaDB restarts while a runner is sending: the runner must neither
crash nor lose nor repeat anything. Its claiming and recording threads
reconnect; attempts that finished while the database was away are
recorded once it is back (the recorder retries for up to half a lease,
while nobody else may send them). The test restarts the suite's own
MariaDB (scripts/lib.sh, same socket and port); the web application
reconnects on its next request."""

import collections
import os
import re
import subprocess
import time

from hltest import Receiver, api, ctl_publish, new_account, start_runner, wait_for

EVENT = "sms.delivered"
N = 240
LIB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "lib.sh")


def _lib(call):
    subprocess.run(["bash", "-c", '. "$0"; ' + call, LIB], check=True, timeout=120,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_mariadb_restart_mid_run_loses_and_repeats_nothing():
    slug, key = new_account()
    mdir = os.path.dirname(os.environ["HL_DB_SOCKET"])
    pid = open(os.path.join(mdir, "mysqld.pid")).read().strip()
    port = re.search(rb"--port=(\d+)", open("/proc/%s/cmdline" % pid, "rb").read()).group(1)
    # About 200 answers a second (4 connections, 20 ms each): a run of
    # 1.2 s, with the restart in the middle of it.
    with Receiver(delay=0.02) as rcv:
        r = api("POST", "/webhooks", {"url": rcv.url, "event_types": [EVENT]}, key=key)
        assert r.status == 201, r
        ep = r.body
        for i in range(N):
            ctl_publish(slug, EVENT, {"i": i})
        runner = start_runner("--max-seconds", "30", "--account", slug)
        try:
            rcv.wait_for_requests(50, timeout=30)
            _lib('hl_mariadb_stop "%s"' % mdir)
            assert len(rcv.requests) < N, "the run ended before the restart"
            time.sleep(1)
            _lib('hl_mariadb_start "%s" %s' % (mdir, port.decode()))
            rcv.wait_for_requests(N, timeout=60)

            def all_recorded():
                body = api("GET", "/webhooks/%s/deliveries?limit=%d" % (ep["id"], N),
                           key=key).body
                return body["data"] if all(d["status"] == "succeeded"
                                           for d in body["data"]) else None
            deliveries = wait_for(all_recorded, timeout=45,
                                  message="not every delivery was recorded as succeeded")
        finally:
            runner.terminate()
            _, err = runner.communicate(timeout=60)
        assert runner.returncode == 0, err
        assert len(deliveries) == N
        assert [d["attempts"] for d in deliveries] == [1] * N
        counts = collections.Counter(q.headers["webhook-id"] for q in rcv.requests)
        assert len(counts) == N and max(counts.values()) == 1, \
            "sent twice: %s" % [k for k, v in counts.items() if v > 1][:5]
        # It did notice: the log shows the lost connection.
        assert "MariaDB" in err or "gone away" in err or "Lost connection" in err, err
