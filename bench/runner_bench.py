"""Driver of bench/runner-throughput (the stack is already up)."""

import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "system"))
from hltest import CONFIG, RUNNER, api, sql  # noqa: E402

N, LAT, PORT, LAT_PORT, LAT_LOG, BARE = int(sys.argv[1]), int(sys.argv[2]), \
    int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
# "DELAY_MS:PORT,...": receivers answering DELAY_MS after each request.
SLOW = [tuple(int(x) for x in item.split(":")) for item in sys.argv[7].split(",") if item]
EVENT = "sms.delivered"
PAYLOAD = {"message_id": "SM" + "0" * 30, "to": "+15555550100", "from": "+15555550199",
           "status": "delivered", "segments": 1, "price": "0.0075", "currency": "USD",
           "note": "x" * 80}


def endpoint(port):
    r = api("POST", "/webhooks", {"url": "http://127.0.0.1:%d/hook" % port, "event_types": [EVENT]})
    assert r.status == 201, r
    return r.body["id"]


def publish():
    r = api("POST", "/webhooks/publish", {"event_type": EVENT, "payload": PAYLOAD})
    assert r.status == 202, r
    return r.body["id"]


def cfg(key):
    for line in open(CONFIG):
        if line.split("=")[0].strip() == key:
            return int(line.split("=")[1])
    return {"Delivery.Concurrency": 32, "Delivery.PerHostConnections": 4}[key]


conc, perhost = cfg("Delivery.Concurrency"), cfg("Delivery.PerHostConnections")
body_size = len(json.dumps({"type": EVENT, "timestamp": "2026-01-01T00:00:00.000Z", "data": PAYLOAD},
                           separators=(",", ":")))


def db_pid():
    return open(os.path.join(os.environ["HL_TMP"], "mariadb", "mysqld.pid")).read().strip()


def proc_cpu(pid):
    """CPU seconds process pid has used so far."""
    f = open("/proc/%s/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def db_cpu():
    """CPU seconds MariaDB has used so far (it shares the machine)."""
    return proc_cpu(db_pid())


# The receivers' processes by port (runner-throughput passes them).
RECEIVERS = dict(item.split(":") for item in os.environ.get("HL_BENCH_RECEIVERS", "").split(",")
                 if item)


def tcp_opens():
    """TCP connections accepted on this machine so far (/proc/net/snmp's
    Tcp PassiveOpens): during a run, the receiver's (MariaDB is reached
    through its socket)."""
    rows = [line.split() for line in open("/proc/net/snmp") if line.startswith("Tcp:")]
    return int(rows[1][rows[0].index("PassiveOpens")])


def children_cpu():
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def slowlog_start():
    """HL_BENCH_SLOWLOG=1: log every statement of the runner's run (adds
    overhead: use it for the breakdown, not for the ratio)."""
    path = os.path.join(os.environ["HL_TMP"], "slow.log")
    if os.path.exists(path):
        os.unlink(path)
    sql("SET GLOBAL slow_query_log_file = '%s', long_query_time = 0, "
        "log_slow_verbosity = '', slow_query_log = 1" % path)
    return path


def slowlog_report(path, n):
    """MariaDB's time per delivery by statement kind, from the slow log."""
    sql("SET GLOBAL slow_query_log = 0, long_query_time = 10")
    kinds = {}
    qt, rows = None, 0
    for line in open(path, errors="replace"):
        if line.startswith("# Query_time:"):
            f = line.split()
            qt, rows = float(f[2]), int(f[f.index("Rows_examined:") + 1])
        elif not line.startswith(("#", "SET timestamp", "use ")) and qt is not None:
            words = line.split()
            if not words:
                continue
            kind = " ".join(words[:4])[:60]
            k = kinds.setdefault(kind, [0, 0.0, 0])
            k[0] += 1
            k[1] += qt
            k[2] += rows
            qt = None
    total = sum(k[1] for k in kinds.values())
    print("  statements (slow log, %.0f us per delivery in all):" % (total * 1e6 / n))
    for kind, (count, t, r) in sorted(kinds.items(), key=lambda kv: -kv[1][1])[:12]:
        print("    %6.1f us/delivery %6d x %7.0f us  %s" % (t * 1e6 / n, count, t * 1e6 / count, kind))


# Back-to-back pairs (bare loop, then runner) per receiver: this machine's
# neighbours change its speed from one minute to the next (the bare loop
# has made anything from 2,400 to 38,000 requests/s here), so one pair's
# ratio says little; the median of PAIRS pairs, each measured within a
# few seconds, says more.
PAIRS = max(1, int(os.environ.get("HL_BENCH_PAIRS", "3")))


def reset(ep):
    """The endpoint's deliveries back to pending, due now, with no attempt:
    the runner's next run does the same work as its first."""
    sql("DELETE FROM delivery_attempts WHERE endpoint_id = '%s'" % ep)
    sql("UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = NOW(3), "
        "completed_at = NULL, last_status_code = NULL, last_error_class = NULL, "
        "last_attempt_at = NULL WHERE endpoint_id = '%s'" % ep)


def measure_pair(port, n, ep):
    """One bare-loop run and one runner run against the receiver on port,
    back to back. Returns what they measured."""
    rcv = RECEIVERS.get(str(port))
    # Let InnoDB's purge of the last run's (or the reset's) row versions
    # finish before MariaDB's CPU is read.
    time.sleep(2)
    bare_cpu0, rcv0, opens0 = children_cpu(), rcv and proc_cpu(rcv), tcp_opens()
    bare = float(subprocess.run([BARE, "http://127.0.0.1:%d/hook" % port, str(n), str(body_size),
                                 str(conc), str(perhost)], capture_output=True, text=True,
                                check=True).stdout)
    m = {"bare": bare, "bare_cpu": children_cpu() - bare_cpu0,
         "rcv_bare": rcv and proc_cpu(rcv) - rcv0}
    opens = tcp_opens()
    m["bare_opens"], opens0 = opens - opens0, opens
    t = time.time()
    cpu0 = children_cpu()
    db0, rcv0 = db_cpu(), rcv and proc_cpu(rcv)
    perf = None
    slow = slowlog_start() if os.environ.get("HL_BENCH_SLOWLOG") else None
    if os.environ.get("HL_BENCH_PERF"):
        perf = subprocess.Popen(["perf", "record", "-g", "-p", db_pid(), "-o",
                                 os.environ["HL_BENCH_PERF"] + "." + str(port)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)
    subprocess.run([RUNNER, "--config", CONFIG, "--once"], capture_output=True, text=True,
                   check=True)
    m["elapsed"] = time.time() - t
    m["cpu"] = children_cpu() - cpu0
    m["db"], m["rcv_run"] = db_cpu() - db0, rcv and proc_cpu(rcv) - rcv0
    m["run_opens"] = tcp_opens() - opens0
    if perf:
        perf.send_signal(2)
        perf.wait()
    if slow:
        slowlog_report(slow, n)
    left = int(sql("SELECT COUNT(*) FROM deliveries WHERE endpoint_id = '%s' "
                   "AND status <> 'succeeded'" % ep)[0][0])
    assert left == 0, "%d deliveries were not delivered" % left
    m["runner"] = n / m["elapsed"]
    m["ratio"] = m["runner"] / bare
    return m


def compare(port, n, label):
    """Publish n events to a new endpoint on port, then time the bare loop
    and the runner against the same receiver, PAIRS times. Returns the
    median pair's ratio."""
    ep = endpoint(port)
    t = time.time()
    for _ in range(n):
        publish()
    print("%s: published %d events in %.1f s (not measured)" % (label, n, time.time() - t))
    pairs = []
    for i in range(PAIRS):
        if i:
            reset(ep)
        pairs.append(measure_pair(port, n, ep))
    ranked = sorted(pairs, key=lambda m: m["ratio"])
    m = ranked[len(ranked) // 2]
    print("  pairs (bare loop, then runner; each pair back to back): " +
          ", ".join("%.0f/s vs %.0f/s = %.2f" % (p["bare"], p["runner"], p["ratio"])
                    for p in pairs))
    print("  the median pair:")
    print("  bare libcurl multi : %8.0f requests/s (concurrency %d, %d per host, %d-byte body)"
          % (m["bare"], conc, perhost, body_size))
    print("  hookline-runner    : %8.0f deliveries/s (claim, sign, send, record)" % m["runner"])
    print("  ratio              : %8.2f (goal >= 0.8; median of %d pairs)" % (m["ratio"], PAIRS))
    # Where the wall time goes: the runner's own CPU, the rest is waiting
    # (MariaDB, which shares the machine, and the receiver).
    us = 1e6 / n
    print("  runner CPU         : %8.0f us per delivery (wall %.0f us per delivery)"
          % (m["cpu"] * us, m["elapsed"] * us))
    print("  MariaDB CPU        : %8.0f us per delivery" % (m["db"] * us))
    # What the goal allows: at 0.8 of the bare rate the machine's CPUs
    # give each delivery this much CPU time, for the runner, MariaDB and
    # the receiver together (lighttpd and this script are idle then).
    if m["rcv_bare"] is not None:
        print("  CPU per request    : bare loop %.0f us + receiver %.0f us; runner %.0f + "
              "MariaDB %.0f + receiver %.0f us = %.0f us (at most %.0f us at 0.8 on %d CPUs)"
              % (m["bare_cpu"] * us, m["rcv_bare"] * us, m["cpu"] * us, m["db"] * us,
                 m["rcv_run"] * us, (m["cpu"] + m["db"] + m["rcv_run"]) * us,
                 os.cpu_count() * 1e6 / (0.8 * m["bare"]), os.cpu_count()))
    print("  TCP connections    : bare loop %d, runner %d (reused, as the bare loop's)"
          % (m["bare_opens"], m["run_opens"]))
    # What a run costs with nothing to send (start, connect, one empty claim):
    # the part of the gap that is not per delivery.
    t = time.time()
    subprocess.run([RUNNER, "--config", CONFIG, "--once"], capture_output=True, check=True)
    empty = time.time() - t
    print("  runner start+exit  : %8.1f ms; without it %0.f deliveries/s, ratio %.2f"
          % (empty * 1000, n / (m["elapsed"] - empty), n / (m["elapsed"] - empty) / m["bare"]))
    # Leave nothing for the next measurement.
    api("PUT", "/webhooks/%s" % ep, {"enabled": False})
    return m["ratio"]


# (a) a receiver answering at once: the runner's own cost per delivery.
ratios = [("instant", compare(PORT, N, "instant receiver"))]
# (b) the same receiver answering DELAY ms later, like one across a network:
# enough events for about two seconds of the bare loop's rate
# (PerHostConnections answers per DELAY ms).
for delay, port in SLOW:
    n = max(100, min(N, perhost * 1000 // delay * 2))
    ratios.append(("%d ms" % delay, compare(port, n, "receiver answering after %d ms" % delay)))
print("ratio by receiver: " + ", ".join("%s %.2f" % r for r in ratios))

# (c) publish-to-receipt latency with a runner in its cron window.
endpoint(LAT_PORT)
proc = subprocess.Popen([RUNNER, "--config", CONFIG, "--max-seconds", str(int(LAT * 0.25) + 5)],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
time.sleep(1)
sent = {}
for _ in range(LAT):
    t = time.time()
    sent[publish()] = t
    # Random gaps: a fixed 200 ms would lock into phase with the 200 ms
    # idle poll and measure the phase, not the latency.
    time.sleep(random.uniform(0.1, 0.3))
time.sleep(1.5)
proc.terminate()
proc.wait()
got = {}
for line in open(LAT_LOG):
    ms, eid = line.split()
    got.setdefault(eid, int(ms) / 1000.0)
lat = sorted((got[e] - t) * 1000 for e, t in sent.items() if e in got)
assert len(lat) == LAT, "only %d of %d events arrived" % (len(lat), LAT)
# p95 by nearest rank: the ceil(0.95 n)-th smallest.
p95 = lat[max(0, -(-len(lat) * 95 // 100) - 1)]
print("latency (%d events): p50 %.0f ms, p95 %.0f ms, max %.0f ms (goal p50 < 250 ms)"
      % (LAT, statistics.median(lat), p95, lat[-1]))
