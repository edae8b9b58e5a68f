"""A row lock held elsewhere until MariaDB gives up waiting (lock wait
timeout 1205; a deadlock, 1213, is answered the same): the API answers
503 database_busy with Retry-After, hooklinectl exits 5, and neither
reads it as "already exists" (a lock wait on a unique key used to be
reported as a taken slug). Once the lock is gone the same request
succeeds. The lock is held by a mariadb client session; the programs
run as fresh processes so they start with the short lock wait set
globally here (the suite's FastCGI processes keep their own)."""

import contextlib
import os
import subprocess
import threading
import time

from apihelp import EVENT, endpoint
from hltest import api, cgi, ctl, new_account, sql, time_id, unique, wait_for


@contextlib.contextmanager
def short_lock_waits():
    (old,) = sql("SELECT @@GLOBAL.innodb_lock_wait_timeout")[0]
    sql("SET GLOBAL innodb_lock_wait_timeout = 1")
    try:
        yield
    finally:
        sql("SET GLOBAL innodb_lock_wait_timeout = %d" % int(old))


class Session:
    """A mariadb client session of our own, fed one statement at a time:
    it keeps its transaction open between them."""

    def __init__(self):
        self.p = subprocess.Popen(["mariadb", "--no-defaults", "--socket",
                                   os.environ["HL_DB_SOCKET"], "-uroot", "-N", "-B",
                                   "--unbuffered", "--force", "hookline"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True)
        self.marks = 0

    def run(self, statement):
        """Run statement; returns the lines it printed (errors too)."""
        self.marks += 1
        self.p.stdin.write("%s; SELECT 'mark-%d';\n" % (statement, self.marks))
        self.p.stdin.flush()
        lines = []
        for line in self.p.stdout:
            if line.strip() == "mark-%d" % self.marks:
                return lines
            lines.append(line.strip())
        raise AssertionError("the session ended early: %s" % lines)

    def close(self):
        self.p.stdin.write("ROLLBACK;\n")
        self.p.stdin.close()
        self.p.wait(timeout=30)


@contextlib.contextmanager
def row_lock(statement):
    """A session that ran statement in an open transaction, holding its
    row locks until the block ends."""
    s = Session()
    try:
        out = s.run("SET SESSION innodb_lock_wait_timeout = 600; START TRANSACTION; "
                    + statement)
        assert not any(line.startswith("ERROR") for line in out), out
        yield
    finally:
        s.close()


def publish_waiting_for_the_endpoint(key, body):
    """Publish body in a thread and return (thread, result) once its
    delivery insert waits for a lock on the endpoint row held elsewhere;
    result["r"] is the answer after the thread ends."""
    result = {}

    def publish():
        result["r"] = api("POST", "/webhooks/publish", body, key=key)
    t = threading.Thread(target=publish)
    t.start()
    wait_for(lambda: sql("SELECT COUNT(*) FROM information_schema.innodb_trx "
                         "WHERE trx_state = 'LOCK WAIT' "
                         "AND trx_query LIKE 'INSERT INTO deliveries%'") == [["1"]],
             message="the publish never waited for the endpoint row")
    return t, result


def test_publish_runs_again_after_a_deadlock():
    """A publish that MariaDB picks as a deadlock's victim is undone whole
    and run again by hookline, not answered 503 to the client. The cycle
    is made for real: another transaction holds the endpoint row (which
    the delivery's foreign key must read), the publish has inserted its
    event and waits for it, and that transaction then inserts an event
    under the publish's idempotency key, waiting for the publish. It has
    written more rows, so MariaDB undoes the publish."""
    slug, key = new_account()
    acct = sql("SELECT id FROM accounts WHERE slug = '%s'" % slug)[0][0]
    ep = endpoint(key, "https://example.com/deadlock")
    other = time_id("evt", time.time() * 1000)
    sql("CREATE TABLE IF NOT EXISTS test_deadlock_weight (n INT PRIMARY KEY)")
    s = Session()
    try:
        s.run("SET SESSION innodb_lock_wait_timeout = 60; START TRANSACTION; "
              "INSERT INTO test_deadlock_weight SELECT seq FROM seq_1_to_500; "
              "UPDATE endpoints SET description = 'held' WHERE id = '%s'" % ep["id"])
        t, result = publish_waiting_for_the_endpoint(key, {
            "event_type": EVENT, "payload": {"n": 1}, "idempotency_key": "dl-1"})
        out = s.run("INSERT INTO events (id, account_id, event_type, payload, idempotency_key) "
                    "VALUES ('%s', '%s', '%s', '{}', 'dl-1')" % (other, acct, EVENT))
        assert not any("ERROR" in line for line in out), out
        # Our insert went through: the publish's event was undone, so the
        # publish was the deadlock's victim.
        assert s.run("SELECT COUNT(*) FROM events WHERE id = '%s'" % other) == ["1"]
        # Its second run now waits for our event under its key; undo ours.
        s.run("ROLLBACK")
        t.join(timeout=30)
    finally:
        s.close()
        sql("DROP TABLE IF EXISTS test_deadlock_weight")
    r = result["r"]
    assert r.status == 202, r
    assert r.body["duplicate"] is False and r.body["deliveries"] == 1, r
    assert sql("SELECT COUNT(*) FROM events WHERE account_id = '%s' AND idempotency_key = 'dl-1'"
               % acct) == [["1"]]
    assert sql("SELECT COUNT(*) FROM deliveries WHERE event_id = '%s'" % r.body["id"]) == [["1"]]
    assert sql("SELECT description FROM endpoints WHERE id = '%s'" % ep["id"]) != [["held"]]


def test_publish_during_an_enable_is_not_left_paused():
    """A publish to a disabled endpoint makes a paused delivery; enabling
    moves the paused ones to pending. When the enable commits while the
    publish runs, the publish's delivery must follow the endpoint as it
    then is: it used to take the enabled flag from its unlocked read
    before the enable, and its delivery stayed paused for good with its
    endpoint enabled. The enable is held open here (as the API's does it:
    the flag, then the paused deliveries) until the publish waits for it."""
    _, key = new_account()
    ep = endpoint(key, "https://example.com/enable-race")
    assert api("POST", "/webhooks/%s/disable" % ep["id"], {}, key=key).status == 200
    s = Session()
    try:
        s.run("SET SESSION innodb_lock_wait_timeout = 60; START TRANSACTION; "
              "UPDATE endpoints SET enabled = 1, disabled_reason = NULL WHERE id = '%s'; "
              "UPDATE deliveries SET status = 'pending' WHERE endpoint_id = '%s' "
              "AND status = 'paused'" % (ep["id"], ep["id"]))
        t, result = publish_waiting_for_the_endpoint(key, {
            "event_type": EVENT, "payload": {"n": 1}})
        s.run("COMMIT")
        t.join(timeout=30)
    finally:
        s.close()
    r = result["r"]
    assert r.status == 202 and r.body["deliveries"] == 1, r
    assert sql("SELECT status FROM deliveries WHERE event_id = '%s'" % r.body["id"]) == [["pending"]]
    assert api("GET", "/webhooks/" + ep["id"], key=key).body["enabled"] is True


def test_api_answers_503_database_busy_while_a_row_is_locked():
    _, key = new_account()
    ep = endpoint(key, "https://example.com/hook")
    auth = {"Authorization": "Bearer " + key}
    with short_lock_waits():
        with row_lock("SELECT id FROM endpoints WHERE id = '%s' FOR UPDATE" % ep["id"]):
            t = time.time()
            r = cgi("POST", "/webhooks/%s/disable" % ep["id"], {}, headers=auth)
            assert time.time() - t < 10
            assert r.status == 503, r
            assert r.body["error"]["code"] == "database_busy", r
            assert r.headers.get("retry-after") == "1", r.headers
            # No MariaDB internals for the client: those are in the log.
            assert "Lock wait" not in r.body["error"]["message"], r
        r = cgi("POST", "/webhooks/%s/disable" % ep["id"], {}, headers=auth)
        assert r.status == 200, r
    r = api("GET", "/webhooks/" + ep["id"], key=key)
    assert r.body["enabled"] is False, r


def test_ctl_exits_5_not_exists_while_a_unique_key_is_locked():
    slug = unique("busy")
    acct = time_id("acct", time.time() * 1000)
    with short_lock_waits():
        with row_lock("INSERT INTO accounts (id, slug, name) VALUES ('%s', '%s', 'held')"
                      % (acct, slug)):
            p = ctl("account", "create", slug, "Busy", check=False)
            assert p.returncode == 5, (p.returncode, p.stderr)
            assert "busy" in p.stderr and "exists" not in p.stderr, p.stderr
        # The holder rolled back: the slug is free after all.
        p = ctl("account", "create", slug, "Busy", check=False)
        assert p.returncode == 0, (p.returncode, p.stderr)
    assert sql("SELECT name FROM accounts WHERE slug = '%s'" % slug) == [["Busy"]]
