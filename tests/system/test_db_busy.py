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
import time

from apihelp import endpoint
from hltest import api, cgi, ctl, new_account, sql, time_id, unique


@contextlib.contextmanager
def short_lock_waits():
    (old,) = sql("SELECT @@GLOBAL.innodb_lock_wait_timeout")[0]
    sql("SET GLOBAL innodb_lock_wait_timeout = 1")
    try:
        yield
    finally:
        sql("SET GLOBAL innodb_lock_wait_timeout = %d" % int(old))


@contextlib.contextmanager
def row_lock(statement):
    """A session that ran statement in an open transaction, holding its
    row locks until the block ends."""
    p = subprocess.Popen(["mariadb", "--no-defaults", "--socket", os.environ["HL_DB_SOCKET"],
                          "-uroot", "-N", "-B", "--unbuffered", "hookline"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        p.stdin.write("SET SESSION innodb_lock_wait_timeout = 600; START TRANSACTION; %s; "
                      "SELECT 'held';\n" % statement)
        p.stdin.flush()
        for line in p.stdout:   # the statement's own rows come first
            if line.strip() == "held":
                break
        else:
            raise AssertionError("the locking session ended early")
        yield
    finally:
        p.stdin.write("ROLLBACK;\n")
        p.stdin.close()
        p.wait(timeout=30)


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
