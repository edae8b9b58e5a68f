"""MariaDB away while the programs run, with the real binaries and the
suite's own MariaDB stopped, killed or frozen (SIGSTOP: a server that
keeps its connections open and never answers, as across a network
partition). hookline.fcgi answers 503 meanwhile (the API a JSON error
with code unavailable, the dashboard an error page), logs the outage once
per process rather than once per request, and serves again once the
server is back without being restarted; no request waits longer than
Database.TimeoutSeconds allows. A runner whose database froze ends its
window instead of waiting for it forever."""

import os
import re
import signal
import socket
import subprocess
import threading
import time

from apihelp import endpoint, publish
from hltest import (CONFIG, FCGI, RUNNER, TMP, RawServer, Receiver, api, lib_sh, new_account,
                    no_sanitizer_report, own_web_server, run_runner, sql, wait_for, write_config)


def mariadb_dir():
    return os.path.dirname(os.environ["HL_DB_SOCKET"])


def mariadb_pid():
    return int(open(os.path.join(mariadb_dir(), "mysqld.pid")).read().strip())


def mariadb_port():
    cmdline = open("/proc/%d/cmdline" % mariadb_pid(), "rb").read()
    return re.search(rb"--port=(\d+)", cmdline).group(1).decode()


def fcgi_pids(config):
    """The hookline.fcgi processes that read config."""
    pids = set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.readlink("/proc/%s/exe" % pid) != os.path.realpath(FCGI):
                continue
            env = open("/proc/%s/environ" % pid, "rb").read().split(b"\0")
        except OSError:
            continue
        if ("HOOKLINE_CONFIG=%s" % config).encode() in env:
            pids.add(int(pid))
    return pids


def assert_unavailable(base, deadline_s):
    """The API and a dashboard page both answer 503 within deadline_s."""
    t = time.time()
    r = api("GET", "/webhooks", base=base, timeout=deadline_s + 5)
    took = time.time() - t
    assert r.status == 503, r
    assert r.body["error"]["code"] == "unavailable", r
    assert r.headers.get("retry-after") == "5", r.headers
    assert took < deadline_s, took
    t = time.time()
    r = api("GET", "/webhook/login", key=None, base=base, timeout=deadline_s + 5,
            headers={"Accept": "text/html"})
    took = time.time() - t
    assert r.status == 503, r
    assert "text/html" in r.headers.get("content-type", ""), r.headers
    assert "database is unavailable" in r.body, r
    assert took < deadline_s, took
    r = api("GET", "/webhooks/health", key=None, base=base, timeout=deadline_s + 5)
    assert r.status == 503 and r.body["error"]["code"] == "unavailable", r


def outage_log(d):
    with open(os.path.join(d, "log", "hookline-fcgi.log"), errors="replace") as f:
        return f.read()


def test_web_answers_503_while_mariadb_is_down_and_recovers_without_restart():
    conf = write_config()
    with own_web_server("outage", conf, server="lighttpd") as (base, d):
        for _ in range(8):
            assert api("GET", "/webhooks", base=base).status == 200
        before = fcgi_pids(conf)
        assert before, "no hookline.fcgi process found for %s" % conf
        port = mariadb_port()
        # A clean shutdown, then a crash: both close the connections.
        for stop in ("shutdown", "kill"):
            if stop == "shutdown":
                lib_sh("hl_mariadb_stop", mariadb_dir())
            else:
                pid = mariadb_pid()
                os.kill(pid, signal.SIGKILL)
                wait_for(lambda: not os.path.exists("/proc/%d" % pid), timeout=30)
            try:
                for _ in range(10):
                    assert_unavailable(base, 5)
            finally:
                lib_sh("hl_mariadb_start", mariadb_dir(), port)
            for _ in range(8):
                r = api("GET", "/webhooks", base=base)
                assert r.status == 200, r
            r = api("GET", "/webhooks/health", key=None, base=base)
            assert r.status == 200 and r.body == {"status": "ok"}, r
        # The same processes served throughout: none crashed or was restarted.
        assert before <= fcgi_pids(conf), (before, fcgi_pids(conf))
        log = outage_log(d)
    # Once when the outage begins and once when it ends, per process and
    # outage: not a line for each of the 40 refused requests.
    began = re.findall(r"hookline\.fcgi\[(\d+)\] error: .*answering 503 until", log)
    ended = re.findall(r"hookline\.fcgi\[(\d+)\] info: the database is reachable again", log)
    assert began and ended, log
    assert len(began) <= 2 * len(before) and len(ended) <= 2 * len(before), log
    assert len(re.findall(r"cannot connect|gone away|Lost connection", log)) <= 2 * len(before), log


def test_no_request_waits_for_a_frozen_mariadb_longer_than_the_timeout():
    conf = write_config(Database_TimeoutSeconds=2)
    with own_web_server("frozen", conf, server="lighttpd") as (base, _):
        # MariaDB may still be warming up after the last test restarted
        # it: under the sanitizers on a loaded machine a first answer once
        # took longer than the 2 s this configuration allows.
        wait_for(lambda: api("GET", "/webhooks", base=base).status == 200, timeout=30)
        for _ in range(8):
            r = api("GET", "/webhooks", base=base)
            assert r.status == 200, r
        pid = mariadb_pid()
        os.kill(pid, signal.SIGSTOP)
        try:
            # 2 s for the answer that never comes on the open connection,
            # 2 s for a new one that gets no greeting.
            for _ in range(3):
                assert_unavailable(base, 9)
        finally:
            os.kill(pid, signal.SIGCONT)
        wait_for(lambda: api("GET", "/webhooks", base=base).status == 200, timeout=30)


def run_runner_frozen(argv, errfile, ready, timeout, why):
    """Start the runner argv (stderr to errfile), freeze MariaDB once
    ready() says so, and wait up to timeout s for the runner to end (else
    kill it and fail with why). MariaDB is thawed whatever happens.
    Returns (seconds from the freeze to the exit, the runner's stderr,
    its exit status)."""
    with open(errfile, "w") as err:
        runner = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=err)
    pid = mariadb_pid()
    try:
        ready()
        os.kill(pid, signal.SIGSTOP)
        t = time.time()
        try:
            runner.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            runner.kill()
            runner.wait()
            raise AssertionError(why)
        took = time.time() - t
    finally:
        os.kill(pid, signal.SIGCONT)
    err = open(errfile).read()
    no_sanitizer_report(argv, err)
    return took, err, runner.returncode


def test_runner_ends_its_window_while_mariadb_is_frozen():
    conf = write_config(Database_TimeoutSeconds=2)
    errfile = os.path.join(TMP, "runner-frozen.err")
    # An account of its own: the other tests' due work would give it
    # attempts to record (the next test's subject), and its exit time
    # would depend on what they left.
    slug, _ = new_account()
    argv = [RUNNER, "--config", conf, "--account", slug, "--max-seconds", "3"]
    # "started" comes once its three connections are open.
    _, err, _ = run_runner_frozen(
        argv, errfile, lambda: wait_for(lambda: "started" in open(errfile).read(), timeout=30),
        40, "the runner waited for the frozen database")
    assert re.search(r"runner \S+ done", err), err


def test_runner_once_gives_up_when_mariadb_stays_away():
    """--once drains what is due; with MariaDB frozen it stopped never
    (a claim that failed was tried again every second for good). It now
    gives up once claims have failed for half a lease, as the recorder
    does, and exits 1. Frozen while its one delivery is in flight: the
    next claim is the one that fails."""
    conf = write_config(Database_TimeoutSeconds=2, Delivery_LeaseSeconds=6)
    errfile = os.path.join(TMP, "runner-once-frozen.err")
    slug, key = new_account()
    argv = [RUNNER, "--config", conf, "--account", slug, "--once"]
    with Receiver(delay=1.0) as rcv:
        endpoint(key, rcv.url)
        publish(key, {"n": 1})
        took, err, status = run_runner_frozen(
            argv, errfile, lambda: rcv.wait_for_requests(1, timeout=30), 40,
            "--once waited for the frozen database")
    assert "--once: giving up, claims failed" in err and status == 1, (status, err)
    assert took < 30, (took, err)


def test_attempts_not_recorded_while_frozen_are_sent_again_and_the_runner_ends():
    # Leases of 10 s: recording is retried for half of one from the first
    # failure of the outage, then given up; a batch queued later in the
    # same outage has one try, not half a lease of its own (with sixteen
    # batches queued that was eight minutes). The runner ends, and once the
    # leases have expired the deliveries go out again with the same
    # webhook-id.
    conf = write_config(Database_TimeoutSeconds=2, Delivery_LeaseSeconds=10)
    slug, key = new_account()
    errfile = os.path.join(TMP, "runner-unrecorded.err")
    argv = [RUNNER, "--config", conf, "--account", slug, "--max-seconds", "2"]
    with Receiver(delay=1.0) as soon, Receiver(delay=4.0) as later:
        # Five deliveries answered after 1 s, two after 4 s (the second
        # endpoint exists for the last two events only).
        eps = [endpoint(key, soon.url)]
        for i in range(5):
            if i == 3:
                eps.append(endpoint(key, later.url))
            publish(key, {"n": i})
        first = []
        # All seven in flight: frozen before any can be recorded.
        took, err, _ = run_runner_frozen(
            argv, errfile, lambda: first.extend(soon.wait_for_requests(5, timeout=30) +
                                                later.wait_for_requests(2, timeout=30)),
            60, "the runner kept retrying after its window")
        # All seven given up, in two batches or more (the 4 s answers came
        # while the first was retried); after the first gave up, no batch
        # retried: the outage's half lease was spent.
        lost = [int(n) for n in re.findall(r"could not record (\d+) attempts", err)]
        assert sum(lost) == 7 and len(lost) >= 2, err
        assert "retrying" in err and "retrying" not in err[err.index("could not record"):], err
        # The summary does not count them as delivered: it says so.
        assert re.search(r"done: 7 sent \(7 succeeded, 0 failed\), 7 of them not recorded", err), err
        # Half a lease of retries, a try's timeouts and the window's end.
        assert took < 40, (took, err)
        ids = sorted(r.headers["webhook-id"] for r in first)

        # Nothing was lost: sent again once the leases expired.
        def resent():
            run_runner("--once", "--account", slug, config=conf)
            return len(soon.requests) >= 10 and len(later.requests) >= 4
        wait_for(resent, timeout=60, interval=1)
        again = soon.requests[5:10] + later.requests[2:4]
        assert sorted(r.headers["webhook-id"] for r in again) == ids, again
    # Recorded once each: the attempt the outage swallowed is not in the log.
    for ep, n in zip(eps, (5, 2)):
        r = api("GET", "/webhooks/%s/deliveries" % ep["id"], key=key)
        assert r.status == 200 and len(r.body["data"]) == n, r
        assert all(d["status"] == "succeeded" and d["attempts"] == 1 for d in r.body["data"]), r


def test_a_frozen_mariadb_does_not_stall_the_transfers_in_flight():
    """The sending thread runs no statement: lease renewals (at a third
    of a lease) and the rest are the recorder's. When the renewal ran on
    it, a MariaDB frozen mid-transfer kept curl undriven until it
    thawed: the receiver's 200 went unread, the attempt was stored as a
    timeout and the delivery sent again. Here the receiver answers after
    2.5 s of a 4 s timeout, the first renewal is due at 2 s, and MariaDB
    is frozen for 5 s from the request's arrival."""
    conf = write_config(Database_TimeoutSeconds=20, Delivery_LeaseSeconds=6)
    slug, key = new_account()
    errfile = os.path.join(TMP, "runner-frozen-transfer.err")
    with Receiver(delay=2.5) as rcv:
        ep = endpoint(key, rcv.url, timeout_ms=4000)
        publish(key, {"n": 1})
        with open(errfile, "w") as err:
            runner = subprocess.Popen([RUNNER, "--config", conf, "--account", slug,
                                       "--max-seconds", "2"], stdin=subprocess.DEVNULL,
                                      stdout=subprocess.DEVNULL, stderr=err)
        pid = mariadb_pid()
        try:
            rcv.wait_for_requests(1, timeout=30)
            os.kill(pid, signal.SIGSTOP)
            time.sleep(5)
        finally:
            os.kill(pid, signal.SIGCONT)
        runner.wait(timeout=60)
        no_sanitizer_report([RUNNER], open(errfile).read())
        assert len(rcv.requests) == 1, rcv.requests
    r = api("GET", "/webhooks/%s/deliveries" % ep["id"], key=key)
    assert r.status == 200 and len(r.body["data"]) == 1, r
    d = r.body["data"][0]
    assert d["status"] == "succeeded" and d["attempts"] == 1, (d, open(errfile).read())


class CommitAnswerLost(RawServer):
    """A TCP proxy to MariaDB that lets the first COMMIT of a connection
    that prepared an INSERT INTO delivery_attempts reach the server and
    then cuts that connection before the answer comes back: the commit
    is done, and the client cannot know. Reads the MariaDB protocol's
    packets (3-byte length, sequence number, payload; no TLS, no
    compression on this test server)."""

    def __init__(self, server_port):
        self.server_port = server_port
        self.cut = threading.Event()
        super().__init__()

    def answer(self, client):
        server = socket.create_connection(("127.0.0.1", self.server_port))
        state = {"hold": False}
        threading.Thread(target=self._down, args=(server, client, state), daemon=True).start()
        self._up(client, server, state)

    @staticmethod
    def _read(sock, n):
        data = b""
        while len(data) < n:
            chunk = sock.recv(n - len(data))
            if not chunk:
                raise OSError("closed")
            data += chunk
        return data

    def _up(self, client, server, state):
        armed = False
        try:
            while True:
                head = self._read(client, 4)
                body = self._read(client, head[0] | head[1] << 8 | head[2] << 16)
                if body[:1] == b"\x16" and b"INSERT INTO delivery_attempts" in body:
                    armed = True
                commit = body[:1] == b"\x03" and body[1:].strip().upper() == b"COMMIT"
                if armed and commit and not self.cut.is_set():
                    self.cut.set()
                    state["hold"] = True
                    server.sendall(head + body)
                    time.sleep(0.5)     # the server commits; its answer goes nowhere
                    break
                server.sendall(head + body)
        except OSError:
            pass
        for sock in (client, server):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def _down(self, server, client, state):
        try:
            while True:
                data = server.recv(65536)
                if not data or state["hold"]:
                    break
                client.sendall(data)
        except OSError:
            pass


def test_a_commit_whose_answer_was_lost_is_not_recorded_twice():
    """The recorder tries a transaction again when MariaDB cannot say
    whether it committed. When it had, the try again stored every
    attempt a second time and counted each failure twice in the
    endpoint's health. Attempts keep their ids across tries, and a try
    again that finds them stored does nothing more."""
    sql("CREATE USER IF NOT EXISTS 'hl_proxy'@'127.0.0.1' IDENTIFIED BY 'proxy-pw'")
    sql("GRANT ALL ON hookline.* TO 'hl_proxy'@'127.0.0.1'")
    proxy = CommitAnswerLost(int(mariadb_port()))
    conf = write_config(Database_Socket=None, Database_Host="127.0.0.1",
                        Database_Port=proxy.port, Database_User="hl_proxy",
                        Database_Password="proxy-pw")
    slug, key = new_account()
    try:
        with Receiver(status=500) as rcv:
            ep = endpoint(key, rcv.url, retry_schedule="0,1h")
            publish(key, {"n": 1})
            p = run_runner("--once", "--account", slug, config=conf)
            assert proxy.cut.is_set(), p.stderr
            assert len(rcv.requests) == 1, rcv.requests
    finally:
        proxy.close()
    r = api("GET", "/webhooks/%s/deliveries" % ep["id"], key=key)
    (d,) = r.body["data"]
    assert d["status"] == "pending" and d["attempts"] == 1, d
    assert sql("SELECT COUNT(*) FROM delivery_attempts WHERE delivery_id = '%s'" % d["id"]) == [["1"]]
    r = api("GET", "/webhooks/" + ep["id"], key=key)
    assert r.body["consecutive_failures"] == 1, r.body
    assert "recorded already" in p.stderr, p.stderr


def test_runner_logs_an_outage_once_and_works_again_after_it():
    errfile = os.path.join(TMP, "runner-outage.err")
    argv = [RUNNER, "--config", CONFIG, "--max-seconds", "7"]
    port = mariadb_port()
    with open(errfile, "w") as err:
        runner = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=err)
    try:
        wait_for(lambda: "started" in open(errfile).read(), timeout=30)
        lib_sh("hl_mariadb_stop", mariadb_dir())
        try:
            wait_for(lambda: "claim failed" in open(errfile).read(), timeout=10)
            time.sleep(3)   # the outage lasts a few claims
        finally:
            lib_sh("hl_mariadb_start", mariadb_dir(), port)
        runner.wait(timeout=60)
    finally:
        if runner.poll() is None:
            runner.kill()
            runner.wait()
    err = open(errfile).read()
    no_sanitizer_report(argv, err)
    assert runner.returncode == 0, err
    assert err.count("claim failed") == 1, err
    assert re.search(r"claiming again after \d+ s \(\d+ claims failed\)", err), err
    # Its window ended after the restart: the retention pass ran on a
    # connection made again, rather than failing on the lost one.
    assert "retention:" not in err, err
    assert re.search(r"runner \S+ done", err), err
