"""hooklinectl with the real binary: migrations (numbering, a schema newer
than the files, edited files, a failure midway, two at once), argument
validation and exit codes, API keys (shown once, stored hashed, revoked at
once, CIDRs checked), and the audit records its changes leave."""

import hashlib
import os
import pwd
import secrets
import shutil
import subprocess
import threading
import time

from apihelp import account, error_code
from hltest import (CONFIG, CTL, TMP, _run, api, ctl, no_sanitizer_report, sql, unique,
                    wait_for, write_config)

SQL_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "sql")


def _sql_copy(extra):
    """A copy of the real migrations plus extra ({file name: text}), and a
    configuration whose Paths.Sql points at it. Returns (dir, config)."""
    d = os.path.join(TMP, unique("sql"))
    shutil.copytree(SQL_DIR, d)
    for name, text in extra.items():
        with open(os.path.join(d, name), "w") as f:
            f.write(text)
    return d, write_config(Paths_Sql=d)


def ctl_config(config, *args, **kw):
    """hooklinectl --config config ARGS, not checked."""
    return _run([CTL, "--config", config] + list(args), check=False, **kw)


def _migrate(config):
    return _run([CTL, "--config", config, "migrate"], check=False)


def _forget(*versions):
    """Test migrations leave no trace: a later migrate of the shared
    database must not meet versions it has no file for."""
    for v in versions:
        sql("DELETE FROM schema_migrations WHERE version = %d" % v)
        sql("DROP TABLE IF EXISTS t_migrate_%d" % v)
        sql("DROP TABLE IF EXISTS t_migrate_%d_b" % v)


def _applied(v):
    return sql("SELECT name FROM schema_migrations WHERE version = %d" % v)


def _prefix(key):
    """hl_xxxxxxxx: what lists show and the lookup uses."""
    return "_".join(key.split("_")[:2])


def _secret(key):
    return key.split("_")[2]


def _table(name):
    return sql("SHOW TABLES LIKE '%s'" % name)


def test_migrate_again_applies_nothing():
    p = ctl("migrate")
    assert p.stdout.strip() == "0 migrations applied; schema is up to date", p.stdout


def test_migrate_refuses_two_files_with_one_number():
    _, conf = _sql_copy({"901_a.sql": "CREATE TABLE IF NOT EXISTS t_migrate_901 (id INT);\n",
                         "0901_b.sql": "CREATE TABLE IF NOT EXISTS t_migrate_901_b (id INT);\n"})
    try:
        p = _migrate(conf)
        assert p.returncode == 1, (p.returncode, p.stdout, p.stderr)
        assert "901_a.sql" in p.stderr and "0901_b.sql" in p.stderr, p.stderr
        # Nothing is applied: not one of them, not the other.
        assert not _applied(901) and not _table("t_migrate_901%"), (_applied(901), p.stderr)
    finally:
        _forget(901)


def test_migrate_refuses_a_schema_newer_than_its_files():
    sql("INSERT INTO schema_migrations (version, name) VALUES (902, '902_future.sql')")
    try:
        p = ctl("migrate", check=False)
        assert p.returncode == 1, (p.returncode, p.stdout, p.stderr)
        assert "902_future.sql" in p.stderr and "newer" in p.stderr, p.stderr
        assert "up to date" not in p.stdout, p.stdout
    finally:
        _forget(902)
    assert ctl("migrate").returncode == 0


def test_migrate_refuses_another_file_under_an_applied_number():
    """Two branches that both added migration 903: the database ran one,
    the files hold the other, which would otherwise never be applied."""
    sql("INSERT INTO schema_migrations (version, name) VALUES (903, '903_theirs.sql')")
    _, conf = _sql_copy({"903_ours.sql": "CREATE TABLE IF NOT EXISTS t_migrate_903 (id INT);\n"})
    try:
        p = _migrate(conf)
        assert p.returncode == 1, (p.returncode, p.stdout, p.stderr)
        assert "903_theirs.sql" in p.stderr and "903_ours.sql" in p.stderr, p.stderr
        assert not _table("t_migrate_903"), p.stderr
    finally:
        _forget(903)


def test_migrate_warns_when_an_applied_file_changed():
    d, conf = _sql_copy({"904_x.sql": "CREATE TABLE IF NOT EXISTS t_migrate_904 (id INT);\n"})
    try:
        p = _migrate(conf)
        assert p.returncode == 0 and "1 migration applied" in p.stdout, (p.stdout, p.stderr)
        text = "CREATE TABLE IF NOT EXISTS t_migrate_904 (id INT);\n"
        assert sql("SELECT checksum FROM schema_migrations WHERE version = 904") == \
            [[hashlib.sha256(text.encode()).hexdigest()]]
        with open(os.path.join(d, "904_x.sql"), "a") as f:
            f.write("ALTER TABLE t_migrate_904 ADD COLUMN IF NOT EXISTS v INT;\n")
        p = _migrate(conf)
        assert p.returncode == 0, (p.returncode, p.stderr)
        assert "904_x.sql" in p.stderr and "changed" in p.stderr, p.stderr
    finally:
        _forget(904)


def test_migrate_failure_midway_is_reported_and_applied_again_when_fixed():
    bad = ("CREATE TABLE IF NOT EXISTS t_migrate_905 (id INT);\n"
           "CREATE TABLE t_migrate_905_b (id INT NOT A TYPE);\n")
    d, conf = _sql_copy({"905_half.sql": bad})
    try:
        p = _migrate(conf)
        assert p.returncode == 1, (p.returncode, p.stdout, p.stderr)
        assert "905_half.sql" in p.stderr and "syntax" in p.stderr, p.stderr
        assert not _applied(905)
        with open(os.path.join(d, "905_half.sql"), "w") as f:
            f.write(bad.replace(" NOT A TYPE", ""))
        p = _migrate(conf)
        assert p.returncode == 0 and "1 migration applied" in p.stdout, (p.stdout, p.stderr)
        assert _applied(905) == [["905_half.sql"]] and _table("t_migrate_905_b")
    finally:
        _forget(905)


def test_two_migrations_at_once_apply_each_file_once():
    slow = ("DO SLEEP(2);\nCREATE TABLE IF NOT EXISTS t_migrate_906 (id INT);\n"
            "INSERT INTO t_migrate_906 VALUES (1);\n")
    _, conf = _sql_copy({"906_slow.sql": slow})
    results = []
    try:
        threads = [threading.Thread(target=lambda: results.append(_migrate(conf)))
                   for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert [p.returncode for p in results] == [0, 0], [(p.returncode, p.stderr) for p in results]
        outs = sorted(p.stdout.strip() for p in results)
        assert outs == ["0 migrations applied; schema is up to date",
                        "1 migration applied; schema is up to date"], outs
        assert sql("SELECT COUNT(*) FROM t_migrate_906") == [["1"]]
    finally:
        _forget(906)


def test_usage_and_invalid_arguments_exit_2_before_any_change():
    slug, _ = account()
    cases = [
        (["account", "create", "Bad Slug"], "slug"),
        (["key", "create", slug, "--scopes"], "--scopes needs a value"),
        (["key", "create", slug, "--scopes", "root"], "scopes"),
        (["key", "create", slug, "--cidrs", "10.0.0.0/8,garbage"], "garbage"),
        (["key", "create", slug, "--cidrs", " , "], "empty"),
        (["key", "create", slug, "--cidrs", ",".join(["10.0.%d.0/24" % i for i in range(65)])],
         "64"),
        (["key", "create", slug, "--bogus"], "--bogus"),
        (["user", "create", slug, "not-an-email", "admin"], "email"),
        (["user", "create", slug, "x@example.test", "root"], "role"),
        (["migrate", "now"], "usage"),
        (["account"], "unknown command"),
        # An option with its value missing: the next argument is not
        # taken as its value (a key named "--scopes", an event published
        # under the idempotency key "--account").
        (["key", "create", slug, "--name", "--scopes"], "--name needs a value"),
        (["key", "create", slug, "--name", "--scopes", "read"], "--name needs a value"),
        (["key", "create", slug, "--cidrs"], "--cidrs needs a value"),
        (["publish", "sms.delivered", "{}", "--account"], "--account needs a value"),
        (["publish", "--idempotency-key", "--account", slug, "sms.delivered", "{}"],
         "--idempotency-key needs a value"),
        (["publish", "--account", "--idempotency-key", "k", "sms.delivered", "{}"],
         "--account needs a value"),
        (["publish", "--account", slug, "sms.delivered", "{}", "--idempotency-key"],
         "--idempotency-key needs a value"),
        (["purge", "--chunks"], "--chunks needs a value"),
        # Well-formed but refused by the core (the API's 422
        # unprocessable): the caller's to fix, not a failure to retry.
        (["publish", "--account", slug, "no.such_type", "{}"], "unknown event type"),
        (["purge", "--chunks", "--dry-run"], "--chunks needs a value"),
    ]
    keys_before = sql("SELECT COUNT(*) FROM api_keys")
    events_before = sql("SELECT COUNT(*) FROM events")
    for argv, words in cases:
        p = ctl(*argv, check=False, input="long enough password\n")
        assert p.returncode == 2, (argv, p.returncode, p.stdout, p.stderr)
        assert words in p.stderr and not p.stdout, (argv, p.stdout, p.stderr)
    assert sql("SELECT COUNT(*) FROM api_keys") == keys_before
    assert sql("SELECT COUNT(*) FROM events") == events_before
    assert not sql("SELECT id FROM accounts WHERE slug = 'Bad Slug'")
    p = _run([CTL, "--config"], check=False)
    assert p.returncode == 2 and "--config needs a value" in p.stderr, (p.returncode, p.stderr)
    # A short password is refused too, and no user is made.
    p = ctl("user", "create", slug, "short@example.test", "admin", input="short\n", check=False)
    assert p.returncode == 2 and "password" in p.stderr, (p.returncode, p.stderr)
    assert not sql("SELECT id FROM users WHERE email = 'short@example.test'")
    # Not found is 4, already exists 3.
    assert ctl("key", "list", "no-such-account", check=False).returncode == 4
    assert ctl("account", "create", slug, check=False).returncode == 3


def test_arguments_that_are_not_utf8_are_usage_errors():
    """A name, email or slug in another encoding (a Latin-1 terminal)
    reached MariaDB, whose utf8mb4 refused the statement: exit 1, as if
    the database had failed, or a name stored with the bytes replaced.
    Now exit 2, and nothing is changed."""
    slug, _ = account()
    before = sql("SELECT COUNT(*) FROM accounts")
    for argv in (["account", "create", b"caf\xe9"], ["account", "create", unique("u8"), b"Caf\xe9"],
                 ["user", "create", slug, b"j\xf6rg@example.test", "viewer"],
                 ["key", "create", slug, "--name", b"\xed\xa0\x80"],
                 ["publish", "--account", slug, "sms.sent", b'{"to": "\xff"}']):
        argv = [a if isinstance(a, bytes) else a.encode() for a in argv]
        p = subprocess.run([CTL.encode(), b"--config", CONFIG.encode()] + argv,
                           input=b"long enough password\n", capture_output=True, timeout=60)
        err = p.stderr.decode(errors="replace")
        assert p.returncode == 2, (argv, p.returncode, err)
        assert "not valid UTF-8" in err and not p.stdout, (argv, err)
    assert sql("SELECT COUNT(*) FROM accounts") == before
    # UTF-8 is taken as it is.
    acct = ctl("account", "create", unique("u8"), "Caf\u00e9 \u2615").stdout.strip()
    assert sql("SELECT name FROM accounts WHERE id = '%s'" % acct) == [["Caf\u00e9 \u2615"]]


def test_publish_refuses_nul_characters():
    """hooklinectl publish took a payload whose string held a \\u0000 (the
    API refuses those): filters and schemas read it cut short; a member
    name holding one was cut by json-c without a trace. Now exit 2 with a
    message, and no event."""
    slug, _ = account()
    before = sql("SELECT COUNT(*) FROM events")
    for payload in ('{"to": "+1\\u0000x"}', '{"a": {"b": ["ok", "x\\u0000"]}}',
                    '{"to\\u0000x": 1}'):
        p = ctl("publish", "--account", slug, "sms.delivered", payload, check=False)
        assert p.returncode == 2, (payload, p.returncode, p.stdout, p.stderr)
        assert "NUL" in p.stderr and not p.stdout, (payload, p.stderr)
    assert sql("SELECT COUNT(*) FROM events") == before
    # An escaped backslash before u0000 is text, not a NUL.
    p = ctl("publish", "--account", slug, "sms.delivered", '{"path": "C:\\\\u0000"}')
    assert p.returncode == 0 and '"duplicate":false' in p.stdout, (p.stdout, p.stderr)


def test_api_key_shown_once_stored_hashed_and_revoked_at_once():
    slug, _ = account()
    key = ctl("key", "create", slug, "--scopes", "read", "--name", "once").stdout.strip()
    prefix = _prefix(key)
    rows = sql("SELECT id, key_hash FROM api_keys WHERE prefix = '%s'" % prefix)
    assert rows[0][1] == hashlib.sha256(key.encode()).hexdigest(), rows
    listing = ctl("key", "list", slug).stdout
    assert prefix in listing and key not in listing, listing
    assert api("GET", "/webhooks", key=key).status == 200
    assert ctl("key", "revoke", slug, rows[0][0]).returncode == 0
    r = api("GET", "/webhooks", key=key)
    assert r.status == 401 and error_code(r) == "unauthorized", r
    # Revoking again, or a key of another account, is not found.
    assert ctl("key", "revoke", slug, rows[0][0], check=False).returncode == 4
    other, _ = account()
    key2 = ctl("key", "create", other, "--scopes", "read").stdout.strip()
    id2 = sql("SELECT id FROM api_keys WHERE prefix = '%s'" % _prefix(key2))[0][0]
    assert ctl("key", "revoke", slug, id2, check=False).returncode == 4
    assert api("GET", "/webhooks", key=key2).status == 200


def _ctl_to(stdout, *args, shell_redirect=None):
    """hooklinectl ARGS with standard output stdout (a file object or a
    descriptor), or with a shell's redirection of it (">&-" closes it)."""
    argv = [CTL, "--config", CONFIG] + list(args)
    if shell_redirect:
        argv = ["sh", "-c", 'exec "$0" "$@" ' + shell_redirect] + argv
    p = subprocess.run(argv, stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=60)
    no_sanitizer_report(argv, p.stderr)
    return p


def test_key_that_could_not_be_shown_is_revoked():
    """key create whose output went nowhere (standard output closed, a
    full disk, the reader of a pipe gone) exited 0 and left a live key
    nobody had seen. Now it revokes the key, with its audit record, and
    exits 1. Any command whose output could not be written exits 1."""
    slug = unique("unseen")
    acct = ctl("account", "create", slug).stdout.strip()
    with open("/dev/full", "w") as full:
        p1 = _ctl_to(full, "key", "create", slug, "--scopes", "read")
    p2 = _ctl_to(None, "key", "create", slug, "--scopes", "read", shell_redirect=">&-")
    r, w = os.pipe()
    os.close(r)
    try:
        p3 = _ctl_to(w, "key", "create", slug, "--scopes", "read")
    finally:
        os.close(w)
    for p in (p1, p3):
        assert p.returncode == 1, (p.returncode, p.stderr)
        assert "cannot write the key" in p.stderr and "revoking" in p.stderr, p.stderr
        assert "is live" not in p.stderr, p.stderr
    # A closed standard output would have been the next file opened: the
    # connection to MariaDB, which got the key. Refused before any change.
    assert p2.returncode == 1 and "standard output is closed" in p2.stderr, \
        (p2.returncode, p2.stderr)
    rows = sql("SELECT id, revoked_at IS NOT NULL FROM api_keys WHERE account_id = '%s'" % acct)
    assert len(rows) == 2 and all(r[1] == "1" for r in rows), rows
    audited = sql("SELECT object_id FROM audit_log WHERE account_id = '%s' AND action = "
                  "'key.revoke' AND detail LIKE '%%not shown%%'" % acct)
    assert sorted(audited) == sorted([r[0]] for r in rows), (audited, rows)
    # The same commands with somewhere to write work.
    assert ctl("key", "create", slug, "--scopes", "read").stdout.startswith("hl_")
    p = _ctl_to(None, "account", "list", shell_redirect=">/dev/full")
    assert p.returncode == 1 and "cannot write to standard output" in p.stderr, \
        (p.returncode, p.stderr)
    # Closed standard input and error are /dev/null, not the next file.
    p = _ctl_to(subprocess.PIPE, "account", "list", shell_redirect="<&- 2>&-")
    assert p.returncode == 0 and slug in p.stdout, (p.returncode, p.stdout)
    with open("/dev/full", "w") as full:
        p = _ctl_to(full, "--help")
    assert p.returncode == 1 and "standard output" in p.stderr, (p.returncode, p.stderr)


def test_key_cidrs_are_stored_trimmed_and_enforced():
    slug, _ = account()
    key = ctl("key", "create", slug, "--scopes", "read", "--cidrs", " 127.0.0.0/8, ::1/128 ").stdout.strip()
    assert sql("SELECT allowed_cidrs FROM api_keys WHERE prefix = '%s'" % _prefix(key)) == \
        [["127.0.0.0/8, ::1/128"]]
    assert api("GET", "/webhooks", key=key).status == 200


def _cli_actor():
    return "hooklinectl:" + pwd.getpwuid(os.getuid()).pw_name


def test_ctl_changes_are_audited_without_secrets():
    slug = unique("aud")
    acct = ctl("account", "create", slug).stdout.strip()
    email = "audit-%s@example.test" % unique("u")
    password = "audited password 123"
    user = ctl("user", "create", slug, email, "developer", input=password + "\n").stdout.strip()
    key = ctl("key", "create", slug, "--scopes", "read,write,admin", "--name", "auditor").stdout.strip()
    key_id = sql("SELECT id FROM api_keys WHERE prefix = '%s'" % _prefix(key))[0][0]
    spare = ctl("key", "create", slug, "--scopes", "read").stdout.strip()
    spare_id = sql("SELECT id FROM api_keys WHERE prefix = '%s'" % _prefix(spare))[0][0]
    ctl("key", "revoke", slug, spare_id)
    r = api("GET", "/webhooks/audit?limit=50", key=key)
    assert r.status == 200, r
    got = {(a["action"], a["object_id"]): a for a in r.body["data"]}
    for action, obj in (("account.create", acct), ("user.create", user),
                        ("key.create", key_id), ("key.create", spare_id),
                        ("key.revoke", spare_id)):
        assert (action, obj) in got, (action, obj, sorted(got))
        assert got[(action, obj)]["actor"] == _cli_actor(), got[(action, obj)]
    assert got[("user.create", user)]["detail"] == {"email": email, "role": "developer"}
    assert got[("key.create", key_id)]["detail"]["prefix"] == _prefix(key)
    assert got[("key.create", key_id)]["detail"]["scopes"] == "read,write,admin"
    text = str(r.body)
    assert _secret(key) not in text and _secret(spare) not in text and password not in text, text
    assert not sql("SELECT id FROM audit_log WHERE detail LIKE '%%%s%%' OR detail LIKE '%%%s%%'"
                   % (_secret(key), password))
    # Filters that cannot match are refused, not dropped.
    for q in ("action=" + "x" * 100, "object_id=" + "y" * 100):
        r = api("GET", "/webhooks/audit?" + q, key=key)
        assert r.status == 400 and error_code(r) == "invalid_value", (q, r)
    r = api("GET", "/webhooks/audit?action=key.revoke", key=key)
    assert [a["object_id"] for a in r.body["data"]] == [spare_id], r


def test_config_from_environment_and_errors_name_the_key():
    env = dict(os.environ, HOOKLINE_CONFIG=CONFIG)
    p = subprocess.run([CTL, "account", "list"], env=env, capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 0 and "systest" in p.stdout, (p.returncode, p.stderr)
    bad = write_config(Delivery_TimeoutMs=5)
    env["HOOKLINE_CONFIG"] = bad
    p = subprocess.run([CTL, "account", "list"], env=env, capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 1 and "Delivery.TimeoutMs" in p.stderr, (p.returncode, p.stderr)
    # --config wins over the environment.
    p = subprocess.run([CTL, "--config", CONFIG, "account", "list"], env=env,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    env["HOOKLINE_CONFIG"] = os.path.join(TMP, "no-such.hdf")
    p = subprocess.run([CTL, "status"], env=env, capture_output=True, text=True, timeout=60)
    assert p.returncode == 1 and "no-such.hdf" in p.stderr, p.stderr


def test_config_line_that_does_not_parse_is_named_by_number_not_shown():
    """ClearSilver's message for a line it cannot parse is the line itself:
    a password with a typo in its line (a missing "=") went to the
    terminal, cron's mail or the web server's log. Now the file and the
    line number only, also for a file the configuration #includes."""
    with open(CONFIG) as f:
        lines = f.read().splitlines()
    bad = os.path.join(TMP, unique("bad") + ".hdf")
    with open(bad, "w") as f:
        f.write("\n".join(lines + ["Database {", "  Password s3cr3t-typo", "}"]) + "\n")
    p = ctl_config(bad, "status")
    assert p.returncode == 1, (p.returncode, p.stderr)
    assert "s3cr3t" not in p.stderr and "Password" not in p.stderr, p.stderr
    assert "%s: line %d " % (bad, len(lines) + 2) in p.stderr, p.stderr
    outer = os.path.join(TMP, unique("outer") + ".hdf")
    with open(outer, "w") as f:
        f.write('#include "%s"\n' % bad)
    p = ctl_config(outer, "status")
    assert p.returncode == 1 and "s3cr3t" not in p.stderr, (p.returncode, p.stderr)
    assert "line %d of %s" % (len(lines) + 2, bad) in p.stderr, p.stderr
    # Neither is a key with an empty part echoed.
    with open(bad, "w") as f:
        f.write("\n".join(lines + ["Database..Password = s3cr3t-typo"]) + "\n")
    p = ctl_config(bad, "status")
    assert p.returncode == 1 and "s3cr3t" not in p.stderr and "not valid HDF" in p.stderr, \
        (p.returncode, p.stderr)


def test_password_typed_on_a_terminal_is_not_echoed():
    import pty
    import select
    import termios
    import time
    slug, _ = account()
    email = "tty-%s@example.test" % unique("u")
    password = "typed at a terminal 42"
    master, slave = pty.openpty()
    p = subprocess.Popen([CTL, "--config", CONFIG, "user", "create", slug, email, "viewer"],
                         stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    os.close(slave)
    try:
        # The terminal echoes what is typed when it is typed: wait until
        # hooklinectl has turned echo off (it never did), then type.
        deadline = time.time() + 10
        while time.time() < deadline and termios.tcgetattr(master)[3] & termios.ECHO:
            time.sleep(0.05)
        os.write(master, (password + "\n").encode())
        out, err = p.communicate(timeout=60)
        shown = b""
        while select.select([master], [], [], 0.2)[0]:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(master)
    assert p.returncode == 0, (p.returncode, err)
    assert "password" in err and password not in err and password not in out, (out, err)
    assert password.encode() not in shown, shown
    assert sql("SELECT role FROM users WHERE email = '%s'" % email) == [["viewer"]]


def _one_delivered():
    """A new account whose one event reached its receiver: status then
    has a succeeded delivery and an attempt of the last minute. Its
    (slug, key)."""
    from apihelp import endpoint, publish
    from hltest import Receiver, run_runner
    slug, key = account()
    with Receiver() as rcv:
        endpoint(key, rcv.url)
        publish(key, {"n": 1})
        run_runner("--once", "--account", slug)
        rcv.wait_for_requests(1)
    return slug, key


def test_status_shows_the_queue_and_says_when_it_is_behind():
    """hooklinectl status: the queue of every account for a person, --json
    for a monitoring script, and --max-lag S exits 6 when the oldest due
    delivery waited longer than S or a lease expired unclaimed (no runner
    is taking work). Installation-wide: assertions are about this test's
    own delivery, which waits 120 s, then stands with an expired lease."""
    import json
    from apihelp import endpoint, publish
    _, key = _one_delivered()
    st = json.loads(ctl("status", "--json").stdout)
    assert set(st) == {"deliveries", "due", "oldest_due_seconds", "expired_leases",
                       "attempts_last_minute", "last_attempt_at", "endpoints_disabled",
                       "schema", "previous_master_key"}, st
    assert st["previous_master_key"] is False, st
    assert list(st["deliveries"]) == ["pending", "sending", "paused", "succeeded", "dead"], st
    assert st["deliveries"]["succeeded"] >= 1 and st["attempts_last_minute"] >= 1, st
    assert st["last_attempt_at"].endswith("Z"), st
    assert st["schema"]["current"] is True and st["schema"]["version"] >= 13, st
    ep = endpoint(key, "http://127.0.0.1:9/never")
    publish(key, {"n": 2})
    dlv = sql("SELECT id FROM deliveries WHERE endpoint_id = '%s'" % ep["id"])[0][0]
    sql("UPDATE deliveries SET next_attempt_at = NOW(3) - INTERVAL 120 SECOND WHERE id = '%s'" % dlv)
    try:
        st = json.loads(ctl("status", "--json").stdout)
        assert st["due"] >= 1 and st["oldest_due_seconds"] >= 119, st
        out = ctl("status").stdout
        assert "due now: %d, the oldest waiting" % st["due"] in out, out
        assert "schema: " in out and "endpoints disabled: " in out, out
        p = ctl("status", "--max-lag", "60", check=False)
        assert p.returncode == 6 and "oldest due delivery" in p.stderr, p
        p = ctl("status", "--max-lag", "31622400", check=False)
        assert p.returncode == (6 if st["expired_leases"] else 0), (p, st)
        # A runner that died mid-send: its lease runs out, nobody took it back.
        sql("UPDATE deliveries SET status = 'sending', lease_owner = 'gone', lease_expires_at = "
            "NOW(3) - INTERVAL 1 SECOND WHERE id = '%s'" % dlv)
        st2 = json.loads(ctl("status", "--json").stdout)
        assert st2["expired_leases"] == st["expired_leases"] + 1, (st, st2)
        assert st2["deliveries"]["sending"] >= 1, st2
        p = ctl("status", "--max-lag", "31622400", check=False)
        assert p.returncode == 6 and "lease expired" in p.stderr, p
        for bad in (["--max-lag"], ["--max-lag", "soon"], ["--max-lag", "-1"], ["--jsn"]):
            p = ctl("status", *bad, check=False)
            assert p.returncode == 2 and p.stdout == "", (bad, p)
    finally:
        assert api("DELETE", "/webhooks/%s" % ep["id"], key=key).status == 204


def _prometheus(text, account=None):
    """status --prometheus parsed: {(name, status label or None): value},
    checking the text format on the way (each metric after its HELP and
    TYPE gauge lines, one sample per line), and that the queue's samples
    carry the label account="ACCOUNT" when one is given (the database
    and schema ones never)."""
    import re
    samples, described = {}, set()
    for line in text.splitlines():
        m = re.fullmatch(r"# (HELP|TYPE) (hookline_[a-z_]+) (.+)", line)
        if m:
            assert m.group(1) == "HELP" or m.group(3) == "gauge", line
            described.add((m.group(1), m.group(2)))
            continue
        m = re.fullmatch(r'(hookline_[a-z_]+)(?:\{(?:account="([a-z0-9_-]+)",?)?'
                         r'(?:status="([a-z]+)")?\})? (-?[0-9]+(?:\.[0-9]{6})?)', line)
        assert m, line
        assert {("HELP", m.group(1)), ("TYPE", m.group(1))} <= described, line
        installation = m.group(1) in ("hookline_database_up", "hookline_previous_master_key_set") or \
            m.group(1).startswith("hookline_schema_")
        assert m.group(2) == (None if installation else account), line
        samples[(m.group(1), m.group(3))] = float(m.group(4))
    return samples


def test_status_prometheus_gives_the_same_numbers_in_the_text_format():
    """status --prometheus: the queue and the schema in Prometheus's text
    format, for node_exporter's textfile collector (the same numbers as
    --json); on a schema that is not this build's only the schema, exit 1
    as for --json; --json and --prometheus together are a usage error."""
    import calendar
    import json
    _, key = _one_delivered()
    st = json.loads(ctl("status", "--json").stdout)
    p = ctl("status", "--prometheus")
    m = _prometheus(p.stdout)
    for status, n in st["deliveries"].items():
        assert m[("hookline_deliveries", status)] == n, (status, m, st)
    for name, member in (("hookline_expired_leases", "expired_leases"),
                         ("hookline_attempts_last_minute", "attempts_last_minute"),
                         ("hookline_endpoints_disabled", "endpoints_disabled")):
        assert m[(name, None)] == st[member], (name, m, st)
    # Later than --json: a retry an earlier case left may have come due.
    assert m[("hookline_deliveries_due", None)] >= st["due"], (m, st)
    assert m[("hookline_oldest_due_seconds", None)] >= (st["oldest_due_seconds"] or 0), (m, st)
    t = st["last_attempt_at"]
    want = calendar.timegm(time.strptime(t[:19], "%Y-%m-%dT%H:%M:%S")) + float(t[19:-1])
    got = m[("hookline_last_attempt_timestamp_seconds", None)]
    assert abs(got - want) < 1e-6 and abs(got - time.time()) < 300, (got, want, t)
    assert m[("hookline_schema_current", None)] == 1 and m[("hookline_database_up", None)] == 1, m
    assert m[("hookline_schema_version", None)] == st["schema"]["version"] == \
        m[("hookline_schema_build_version", None)], (m, st)
    for bad in (["--json", "--prometheus"], ["--prometheus", "--prometheus"]):
        p = ctl("status", *bad, check=False)
        assert p.returncode == 2 and not p.stdout, (bad, p.returncode, p.stdout, p.stderr)
    sql("INSERT INTO schema_migrations (version, name) VALUES (910, '910_future.sql')")
    try:
        p = ctl("status", "--prometheus", check=False)
        assert p.returncode == 1 and "910_future.sql" in p.stderr, (p.returncode, p.stderr)
        m = _prometheus(p.stdout)
        assert m[("hookline_schema_current", None)] == 0, m
        assert m[("hookline_schema_version", None)] == 910, m
        assert {name for name, _ in m} == {"hookline_database_up", "hookline_schema_version",
                                           "hookline_schema_current",
                                           "hookline_schema_build_version"}, m
    finally:
        _forget(910)
    # MariaDB away: exit 5, and the file says so rather than being empty.
    away = write_config(Database_Socket=os.path.join(TMP, "no-such-mysqld.sock"))
    p = ctl_config(away, "status", "--prometheus")
    assert p.returncode == 5 and "cannot connect" in p.stderr, (p.returncode, p.stderr)
    assert _prometheus(p.stdout) == {("hookline_database_up", None): 0}, p.stdout


def test_status_of_one_account():
    """status --account SLUG: the same numbers for one account's queue,
    exact here since nothing else is in it (and another account, fresh,
    has all zeros), in the text, --json (with the account's slug) and
    --prometheus (each queue gauge labelled with it); --max-lag judges that
    account's deliveries alone. An unknown slug exits 4, printing nothing."""
    import json
    from apihelp import endpoint, publish
    slug, key = _one_delivered()
    other, _ = account()
    late = endpoint(key, "http://127.0.0.1:9/never", event_types=["user.login"])
    publish(key, {"n": 2}, event_type="user.login")
    off = endpoint(key, "http://127.0.0.1:9/off", event_types=["user.deleted"])
    assert api("PUT", "/webhooks/%s" % off["id"], {"enabled": False}, key=key).status == 200
    dlv = sql("SELECT id FROM deliveries WHERE endpoint_id = '%s'" % late["id"])[0][0]
    sql("UPDATE deliveries SET next_attempt_at = NOW(3) - INTERVAL 120 SECOND WHERE id = '%s'" % dlv)
    try:
        st = json.loads(ctl("status", "--account", slug, "--json").stdout)
        assert st["account"] == slug and st["schema"]["current"] is True, st
        assert st["deliveries"] == {"pending": 1, "sending": 0, "paused": 0, "succeeded": 1,
                                    "dead": 0}, st
        assert st["due"] == 1 and 119 <= st["oldest_due_seconds"] < 200, st
        assert st["expired_leases"] == 0 and st["attempts_last_minute"] == 1, st
        assert st["last_attempt_at"].endswith("Z") and st["endpoints_disabled"] == 1, st
        fresh = json.loads(ctl("status", "--json", "--account", other).stdout)
        assert fresh["deliveries"] == dict.fromkeys(st["deliveries"], 0), fresh
        assert (fresh["due"], fresh["oldest_due_seconds"], fresh["expired_leases"],
                fresh["attempts_last_minute"], fresh["last_attempt_at"],
                fresh["endpoints_disabled"]) == (0, None, 0, 0, None, 0), fresh
        out = ctl("status", "--account", slug).stdout
        assert out.startswith("account: %s\ndeliveries by status:\n" % slug), out
        assert "due now: 1, the oldest waiting" in out and "endpoints disabled: 1" in out, out
        p = ctl("status", "--account", slug, "--max-lag", "60", check=False)
        assert p.returncode == 6 and "oldest due delivery" in p.stderr, p
        assert ctl("status", "--account", other, "--max-lag", "60").returncode == 0
        m = _prometheus(ctl("status", "--prometheus", "--account", slug).stdout, account=slug)
        for status, n in st["deliveries"].items():
            assert m[("hookline_deliveries", status)] == n, (status, m)
        assert m[("hookline_deliveries_due", None)] == 1, m
        assert m[("hookline_endpoints_disabled", None)] == 1, m
        assert m[("hookline_attempts_last_minute", None)] == 1, m
        assert m[("hookline_schema_current", None)] == 1, m
        assert ("hookline_last_attempt_timestamp_seconds", None) in m, m
        m = _prometheus(ctl("status", "--prometheus", "--account", other).stdout, account=other)
        assert ("hookline_last_attempt_timestamp_seconds", None) not in m, m
        # A runner that died sending it: the account's lease, not the other's.
        sql("UPDATE deliveries SET status = 'sending', lease_owner = 'gone', lease_expires_at = "
            "NOW(3) - INTERVAL 1 SECOND WHERE id = '%s'" % dlv)
        st = json.loads(ctl("status", "--json", "--account", slug).stdout)
        assert st["expired_leases"] == 1 and st["deliveries"]["sending"] == 1, st
        assert json.loads(ctl("status", "--json", "--account", other).stdout)[
            "expired_leases"] == 0
        p = ctl("status", "--account", "no-such-account", "--json", check=False)
        assert p.returncode == 4 and p.stdout == "" and "no-such-account" in p.stderr, p
        for bad in (["--account"], ["--account", slug, "--account", other],
                    ["--account", "--json"]):
            p = ctl("status", *bad, check=False)
            assert p.returncode == 2 and p.stdout == "", (bad, p)
    finally:
        assert api("DELETE", "/webhooks/%s" % late["id"], key=key).status == 204


def test_status_by_account_says_whose_deliveries_wait():
    """status --by-account: a row per account with deliveries not done or
    an endpoint disabled, the longest wait first (then the most dead
    letters); an account whose deliveries all succeeded is not listed.
    --max-lag judges the whole queue as without it; --account and
    --prometheus do not combine with it."""
    import json
    from apihelp import endpoint, publish
    late, key_late = account()
    stuck, key_stuck = account()
    done, _ = _one_delivered()
    eps = []
    try:
        ep = endpoint(key_late, "http://127.0.0.1:9/never")
        eps.append((ep["id"], key_late))
        publish(key_late, {"n": 1})
        publish(key_late, {"n": 2})
        first, second = [r[0] for r in sql("SELECT id FROM deliveries WHERE endpoint_id = '%s' "
                                           "ORDER BY id" % ep["id"])]
        sql("UPDATE deliveries SET next_attempt_at = NOW(3) - INTERVAL 120 SECOND "
            "WHERE id = '%s'" % first)
        sql("UPDATE deliveries SET status = 'dead', attempts = 8 WHERE id = '%s'" % second)
        off = endpoint(key_late, "http://127.0.0.1:9/off", event_types=["user.deleted"])
        eps.append((off["id"], key_late))
        assert api("PUT", "/webhooks/%s" % off["id"], {"enabled": False},
                   key=key_late).status == 200
        ep = endpoint(key_stuck, "http://127.0.0.1:9/stuck")
        eps.append((ep["id"], key_stuck))
        publish(key_stuck, {"n": 3})
        sql("UPDATE deliveries SET status = 'sending', lease_owner = 'gone', lease_expires_at = "
            "NOW(3) - INTERVAL 1 SECOND WHERE endpoint_id = '%s'" % ep["id"])
        st = json.loads(ctl("status", "--by-account", "--json").stdout)
        assert set(st) == {"accounts", "schema"} and st["schema"]["current"] is True, st
        rows = {r["account"]: r for r in st["accounts"]}
        order = [r["account"] for r in st["accounts"]]
        assert rows[late] == {"account": late, "pending": 1, "due": 1, "sending": 0,
                              "expired_leases": 0, "paused": 0, "dead": 1,
                              "endpoints_disabled": 1,
                              "oldest_due_seconds": rows[late]["oldest_due_seconds"]}, rows[late]
        assert 119 <= rows[late]["oldest_due_seconds"] < 200, rows[late]
        assert rows[stuck] == {"account": stuck, "pending": 0, "due": 0, "sending": 1,
                               "expired_leases": 1, "paused": 0, "dead": 0,
                               "endpoints_disabled": 0, "oldest_due_seconds": None}, rows[stuck]
        # Waiting for a runner sorts before a stuck lease with no wait.
        assert order.index(late) < order.index(stuck), order
        assert done not in rows, order
        waits = [r["oldest_due_seconds"] for r in st["accounts"]]
        timed = [w for w in waits if w is not None]
        assert timed == sorted(timed, reverse=True) and waits[:len(timed)] == timed, waits
        out = ctl("status", "--by-account").stdout.splitlines()
        assert out[0].split() == ["account", "pending", "due", "oldest", "due", "s", "sending",
                                  "expired", "paused", "dead", "disabled"], out
        line = [x for x in out if x.startswith(late + " ")][0].split()
        assert line[:3] == [late, "1", "1"] and line[4:] == ["0", "0", "0", "1", "1"], line
        assert [x for x in out if x.startswith(stuck + " ")][0].split()[1:] == \
            ["0", "0", "-", "1", "1", "0", "0", "0"], out
        assert out[-1].startswith("schema: "), out
        # The first account (in the table's order) that is behind is named.
        p = ctl("status", "--by-account", "--max-lag", "60", check=False)
        first = [r["account"] for r in st["accounts"]
                 if (r["oldest_due_seconds"] or 0) > 60][0]
        assert p.returncode == 6 and "oldest due delivery of %s waited" % first in p.stderr, p
        p = ctl("status", "--by-account", "--max-lag", "31622400", check=False)
        first = [r["account"] for r in st["accounts"] if r["expired_leases"]][0]
        assert p.returncode == 6 and "a lease of %s expired" % first in p.stderr, p
        for bad in (["--by-account", "--account", late], ["--prometheus", "--by-account"],
                    ["--by-account", "--by-account"]):
            p = ctl("status", *bad, check=False)
            assert p.returncode == 2 and p.stdout == "", (bad, p)
    finally:
        for ep_id, key in eps:
            assert api("DELETE", "/webhooks/%s" % ep_id, key=key).status == 204


def test_account_slug_starting_with_a_dash_is_refused_at_create_only():
    """A slug such as "-acme" reads as an option wherever it is typed
    after it ("hooklinectl key list -acme", a script's getopt), so
    account create refuses it (exit 2, nothing created). An account that
    already has one (made before the rule) is still found by it."""
    before = sql("SELECT COUNT(*) FROM accounts")
    for slug in ("-acme", "--config", "-"):
        p = ctl("account", "create", slug, check=False)
        assert p.returncode == 2, (slug, p.returncode, p.stdout, p.stderr)
        assert "slug" in p.stderr and "-" in p.stderr and not p.stdout, (slug, p.stderr)
    assert sql("SELECT COUNT(*) FROM accounts") == before
    # A dash elsewhere is fine, as before.
    ok = unique("dash")
    assert ctl("account", "create", ok + "-x").returncode == 0
    legacy = "-" + unique("legacy")
    acct = ctl("account", "create", legacy[1:]).stdout.strip()
    sql("UPDATE accounts SET slug = '%s' WHERE id = '%s'" % (legacy, acct))
    p = ctl("key", "create", legacy, "--scopes", "read", check=False)
    assert p.returncode == 0 and p.stdout.startswith("hl_"), (p.returncode, p.stderr)
    key = p.stdout.strip()
    p = ctl("key", "list", legacy, check=False)
    assert p.returncode == 0 and _prefix(key) in p.stdout, (p.returncode, p.stdout, p.stderr)


class _SchemaLock:
    """A mariadb session that holds LOCK TABLES schema_migrations WRITE
    for up to seconds (or until the block ends): a statement that reads
    the table waits without an answer meanwhile, as on a frozen server."""

    def __init__(self, seconds):
        self.marker = "SLEEP(%d.%06d)" % (seconds, secrets.randbelow(10 ** 6))
        self.seconds = seconds

    def __enter__(self):
        self.p = subprocess.Popen(
            ["mariadb", "--no-defaults", "--socket", os.environ["HL_DB_SOCKET"], "-uroot",
             "-N", "-B", "hookline", "-e",
             "LOCK TABLES schema_migrations WRITE; SELECT %s; UNLOCK TABLES" % self.marker],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        rows = wait_for(lambda: sql("SELECT ID FROM information_schema.PROCESSLIST WHERE "
                                    "INFO = 'SELECT %s'" % self.marker),
                        message="the lock session did not start")
        self.id = int(rows[0][0])
        return self

    def __exit__(self, *exc):
        # KILL, not the client's end: the server would sleep on, locked.
        if self.p.poll() is None:
            sql("KILL %d" % self.id)
        self.p.wait(timeout=30)


def test_migrate_status_gives_up_after_the_timeout_migrate_waits():
    """migrate --status only reads (deploy scripts and monitoring run it)
    but waited without limit, like migrate, for a server that does not
    answer. Now it gives up after Database.TimeoutSeconds (exit 5, try
    again); migrate itself still waits (a migration's DDL may run long)."""
    conf = write_config(Database_TimeoutSeconds=2)
    with _SchemaLock(60):
        t = time.time()
        p = ctl_config(conf, "migrate", "--status", timeout=40)
        took = time.time() - t
    assert p.returncode == 5, (p.returncode, p.stdout, p.stderr)
    assert "lost" in p.stderr and not p.stdout, (p.stdout, p.stderr)
    assert took < 15, took
    with _SchemaLock(5):
        t = time.time()
        p = ctl_config(conf, "migrate", timeout=60)
        took = time.time() - t
    assert p.returncode == 0 and "up to date" in p.stdout, (p.returncode, p.stderr)
    assert took > 2.5, took
    assert ctl_config(conf, "migrate", "--status").returncode == 0


def test_migrate_sql_errors_name_the_file_and_the_statement():
    """A duplicate key was reported as "already exists", without MariaDB's
    message: which file, which statement and which row were left to
    guess. Every SQL error of a migration names the file, the statement's
    place in it and MariaDB's message."""
    dup = ("CREATE TABLE IF NOT EXISTS t_migrate_907 (id INT PRIMARY KEY);\n"
           "DELETE FROM t_migrate_907;\n"
           "INSERT INTO t_migrate_907 VALUES (1);\n"
           "INSERT INTO t_migrate_907 VALUES (1);\n")
    d, conf = _sql_copy({"907_dup.sql": dup})
    try:
        p = _migrate(conf)
        assert p.returncode == 1, (p.returncode, p.stdout, p.stderr)
        last = p.stderr.strip().splitlines()[-1]
        assert last.startswith("hooklinectl: migrate: migration 907_dup.sql failed"), p.stderr
        assert "statement 4" in last and "Duplicate entry '1'" in last, last
        assert "already exists" not in p.stderr, p.stderr
        assert not _applied(907)
        # The first statement failing, any error: named the same way.
        with open(os.path.join(d, "907_dup.sql"), "w") as f:
            f.write("INSERT INTO t_migrate_907_none VALUES (1);\n")
        p = _migrate(conf)
        last = p.stderr.strip().splitlines()[-1]
        assert p.returncode == 1 and "migration 907_dup.sql failed" in last, p.stderr
        assert "statement 1" in last and "t_migrate_907_none" in last, last
        assert not _applied(907)
    finally:
        _forget(907)


def test_migration_file_larger_than_4_mib_is_refused_by_name():
    """A migration over the 4 MiB the migrator reads was refused with
    "data exceeds the 4194304 byte limit", naming no file, and exit 2 as
    if the command line were wrong. Now exit 1 naming the file, before
    anything is applied; a file of exactly 4 MiB is applied."""
    head = "CREATE TABLE IF NOT EXISTS t_migrate_908 (id INT) COMMENT '' /* "
    tail = " */;\n"
    limit = 4 * 1024 * 1024
    exact = head + "x" * (limit - len(head) - len(tail)) + tail
    assert len(exact) == limit
    big = exact.replace("/* x", "/* xx", 1)
    d, conf = _sql_copy({"908_big.sql": big,
                         "909_after.sql": "CREATE TABLE IF NOT EXISTS t_migrate_909 (id INT);\n"})
    try:
        p = _migrate(conf)
        assert p.returncode == 1, (p.returncode, p.stdout, p.stderr)
        assert "908_big.sql" in p.stderr and "4 MiB" in p.stderr, p.stderr
        assert not _applied(908) and not _applied(909) and not _table("t_migrate_90%"), p.stderr
        with open(os.path.join(d, "908_big.sql"), "w") as f:
            f.write(exact)
        p = _migrate(conf)
        assert p.returncode == 0 and "2 migrations applied" in p.stdout, (p.stdout, p.stderr)
        assert _applied(908) == [["908_big.sql"]]
    finally:
        _forget(908, 909)


def test_empty_password_on_stdin_is_refused_and_changes_nothing():
    """No password at all on standard input (</dev/null, an empty pipe)
    exited 1 as if something had failed, and an empty line was answered
    with the length rule only. Both are now exit 2 saying the password
    is empty, for user create and user passwd, and nothing is changed."""
    slug, _ = account()
    email = "empty-%s@example.test" % unique("u")
    for given in ("", "\n", "\r\n"):
        p = ctl("user", "create", slug, email, "viewer", input=given, check=False)
        assert p.returncode == 2, (repr(given), p.returncode, p.stderr)
        assert "password" in p.stderr and "empty" in p.stderr and not p.stdout, p.stderr
    assert not sql("SELECT id FROM users WHERE email = '%s'" % email)
    ctl("user", "create", slug, email, "viewer", input="a good long password\n")
    (before,) = sql("SELECT password_hash FROM users WHERE email = '%s'" % email)
    audits = sql("SELECT COUNT(*) FROM audit_log WHERE action = 'user.set_password'")
    for given in ("", "\n"):
        p = ctl("user", "passwd", slug, email, input=given, check=False)
        assert p.returncode == 2 and "empty" in p.stderr, (repr(given), p.returncode, p.stderr)
    assert sql("SELECT password_hash FROM users WHERE email = '%s'" % email) == [before]
    assert sql("SELECT COUNT(*) FROM audit_log WHERE action = 'user.set_password'") == audits


def test_status_reports_a_schema_that_is_not_this_builds():
    """status was refused, like every other command, on a schema that is
    not this build's: a monitoring script got no --json object and
    could not tell a stale schema from a broken database. Now it prints
    the comparison (text, or the schema member of --json) and exits 1."""
    import json
    sql("INSERT INTO schema_migrations (version, name) VALUES (910, '910_future.sql')")
    try:
        p = ctl("status", check=False)
        assert p.returncode == 1, (p.returncode, p.stdout, p.stderr)
        assert "schema: " in p.stdout and "910_future.sql" in p.stdout, p.stdout
        assert "newer" in p.stdout, p.stdout
        p = ctl("status", "--json", check=False)
        assert p.returncode == 1, (p.returncode, p.stdout, p.stderr)
        st = json.loads(p.stdout)
        assert st["schema"]["current"] is False and st["schema"]["state"] == "ahead", st
        assert st["schema"]["version"] == 910, st
        assert st["schema"]["build_version"] < 910, st
        assert "910_future.sql" in st["schema"]["detail"], st
        # Other commands still refuse it.
        p = ctl("account", "list", check=False)
        assert p.returncode == 1 and "910_future.sql" in p.stderr, (p.returncode, p.stderr)
    finally:
        _forget(910)
    st = json.loads(ctl("status", "--json").stdout)
    assert st["schema"]["current"] is True and st["schema"]["state"] == "current", st
    # A database never migrated.
    empty = "hookline_" + unique("empty").replace("-", "_")
    sql("CREATE DATABASE %s" % empty)
    try:
        p = ctl_config(write_config(Database_Name=empty), "status", "--json")
        assert p.returncode == 1, (p.returncode, p.stdout, p.stderr)
        st = json.loads(p.stdout)
        assert st["schema"]["state"] == "empty" and st["schema"]["version"] == 0, st
        assert "hooklinectl migrate" in st["schema"]["detail"], st
    finally:
        sql("DROP DATABASE %s" % empty)


def test_database_that_cannot_be_reached_is_exit_5_for_every_command():
    """Exit 5 says "the database was away: run it again". A command that
    could not connect at all exited 1, as for a broken configuration.
    Now every command that connects exits 5 then; a server that refuses
    the user or the database name is still 1: running again won't help."""
    away = write_config(Database_Socket=os.path.join(TMP, "no-such-mysqld.sock"))
    commands = [["migrate"], ["migrate", "--status"], ["status"], ["status", "--json"],
                ["account", "list"], ["account", "create", unique("away")],
                ["user", "list", "systest"], ["key", "list", "systest"],
                ["key", "create", "systest"], ["publish", "sms.sent", "{}"],
                ["purge", "--dry-run"]]
    for argv in commands:
        p = ctl_config(away, *argv, input="a good long password\n")
        assert p.returncode == 5, (argv, p.returncode, p.stdout, p.stderr)
        assert "cannot connect" in p.stderr and "no-such-mysqld.sock" in p.stderr, (argv, p.stderr)
        assert not p.stdout, (argv, p.stdout)
    for conf in (write_config(Database_User="no_such_user"),
                 write_config(Database_Name="no_such_database")):
        p = ctl_config(conf, "account", "list")
        assert p.returncode == 1 and "cannot connect" in p.stderr, (p.returncode, p.stderr)


def test_usage_errors_are_exit_2_whether_or_not_the_database_is_up():
    """hooklinectl connected to MariaDB before a command looked at its
    arguments: with the server away a mistyped option exited 5 ("try
    again"), and a script that retries on 5 would retry a command that
    can never work. Each command now checks its own arguments first."""
    away = write_config(Database_Socket=os.path.join(TMP, "no-such-mysqld.sock"))
    bad = [["migrate", "--bogus"], ["status", "--max-lag", "soon"], ["status", "--verbose"],
           ["purge", "--chunks", "0"], ["purge", "--dry-run", "--chunks", "2"],
           ["key", "create", "systest", "--bogus", "x"],
           ["key", "create", "systest", "--scopes", "root"],
           ["key", "create", "systest", "--cidrs", "not-a-cidr"],
           ["key", "create", "systest", "--name", "n" * 201],
           ["publish", "sms.sent", "[1]"], ["publish", "sms.sent", '{"a": NaN}'],
           ["publish", "sms.sent", '{"a": "\\u0000"}'],
           ["user", "create", "systest", "a@example.com", "king"],
           ["account", "create", "BAD_SLUG"], ["account", "create", unique("ok"), "a\tname"],
           ["user", "create", "systest", "not-an-email", "viewer"],
           # The password is read and checked before connecting too.
           (["user", "create", "systest", "short@example.com", "viewer"], "short\n"),
           (["user", "passwd", "systest", "admin@systest.local"], "\u00e9" * 5 + "\n"),
           (["user", "set-password", "systest", "admin@systest.local"], "short\n"),
           # An option given twice was the last one, without a word.
           ["publish", "--account", "systest", "--account", "other", "sms.sent", "{}"],
           ["key", "create", "systest", "--scopes", "read", "--scopes", "admin"],
           ["retry", "systest", "--status", "dead", "--status", "succeeded"],
           ["key", "create", "--scopes", "read", "systest"],
           # Numbers are plain decimals: strtod took hex, exponents, spaces.
           ["status", "--max-lag", "0x10"], ["status", "--max-lag", "1e3"],
           ["status", "--max-lag", " 5"], ["status", "--max-lag", "+5"],
           ["status", "--max-lag", "5."], ["purge", "--chunks", " 1"],
           ["purge", "--chunks", "+1"], ["--version", "migrate"], ["--help", "extra"]]
    for conf in (away, None):
        for argv in bad:
            argv, given = argv if isinstance(argv, tuple) else (argv, "a good long password\n")
            p = ctl_config(conf, *argv, input=given) if conf else \
                ctl(*argv, check=False, input=given)
            assert p.returncode == 2, (conf, argv, p.returncode, p.stdout, p.stderr)
            assert "cannot connect" not in p.stderr and not p.stdout, (argv, p.stdout, p.stderr)
    for argv, words in ((["publish", "--account", "systest", "--account", "o", "sms.sent", "{}"],
                         "publish: --account is given twice"),
                        (["key", "create", "--scopes", "read", "systest"], "the account comes first"),
                        (["--version", "migrate"], "--version takes no arguments")):
        p = ctl(*argv, check=False)
        assert words in p.stderr, (argv, p.stderr)
    p = ctl("status", "--max-lag", "2.5", check=False)
    assert p.returncode in (0, 6) and "--max-lag must be" not in p.stderr, (p.returncode, p.stderr)
    p = ctl("user", "set-password", "systest", "admin@systest.local", input="short\n", check=False)
    assert p.stderr == ("hooklinectl: user set-password: password must be UTF-8 text of "
                        "10 to 1024 characters\n"), p.stderr


def test_names_are_one_line_of_text_counted_in_characters():
    """An account's or a key's name with a tab or a line break was taken,
    and broke the tab-separated lines of account list and key list (a
    revoked key read as never used). Lengths were counted in bytes while
    the messages said characters: 121 accented letters were "longer than
    200 characters", five of them a password of ten."""
    slug, _ = account()
    for argv in (["account", "create", unique("n"), "tab\tname"],
                 ["account", "create", unique("n"), "two\nlines"],
                 ["key", "create", slug, "--name", "a\tb"],
                 ["key", "create", slug, "--name", "cr\rlf"]):
        p = ctl(*argv, check=False)
        assert p.returncode == 2, (argv, p.returncode, p.stdout, p.stderr)
        assert "name must not hold a control character" in p.stderr and not p.stdout, p.stderr
    assert not sql("SELECT id FROM api_keys WHERE name LIKE '%\\t%' OR name LIKE '%\\r%'")
    key = ctl("key", "create", slug, "--name", "\u00e9" * 200).stdout.strip()
    assert key.startswith("hl_"), key
    p = ctl("key", "create", slug, "--name", "\u00e9" * 201, check=False)
    assert p.returncode == 2 and "longer than 200 characters" in p.stderr, p.stderr
    named = unique("n")
    assert ctl("account", "create", named, "\u00e9" * 200).stdout.startswith("acct_")
    assert sql("SELECT CHAR_LENGTH(name) FROM accounts WHERE slug = '%s'" % named) == [["200"]]
    # Passwords count characters too: five two-byte letters are five.
    email = unique("pw") + "@example.test"
    p = ctl("user", "create", slug, email, "viewer", input="\u00e9" * 9 + "\n", check=False)
    assert p.returncode == 2 and "10 to 1024 characters" in p.stderr, p.stderr
    ctl("user", "create", slug, email, "viewer", input="\u00e9" * 10 + "\n")
    p = ctl("user", "passwd", slug, email, input="\u00e9" * 1024 + "\n", check=False)
    assert p.returncode == 0, (p.returncode, p.stderr)
    p = ctl("user", "passwd", slug, email, input="\u00e9" * 1025 + "\n", check=False)
    assert p.returncode == 2 and "10 to 1024 characters" in p.stderr, p.stderr


def test_misnamed_files_in_the_migrations_directory_are_named_in_a_warning():
    """A migration named 017-x.sql or x_017.sql (not NNN_name.sql) was
    skipped without a word: it looked applied and was not. Each such
    file is now named in a warning; the rest is applied as before."""
    names = ["911-dash.sql", "abc_911.sql", "000_zero.sql", "+911_sign.sql", "911_.sql",
             "911_x.sql.orig", "911_x.SQL"]
    d, conf = _sql_copy(dict((n, "CREATE TABLE t_migrate_911 (id INT);\n") for n in names))
    try:
        p = _migrate(conf)
        assert p.returncode == 0 and "0 migrations applied" in p.stdout, (p.stdout, p.stderr)
        for n in names:
            assert any(n in line and "warn" in line for line in p.stderr.splitlines()), \
                (n, p.stderr)
        assert not _table("t_migrate_911"), p.stderr
        # The real migrations are not warned about.
        assert "001_core.sql" not in p.stderr, p.stderr
    finally:
        _forget(911)


def test_database_host_localhost_is_the_socket_and_ignores_the_port():
    """What the configuration documents say of Database.Host: localhost
    makes Connector/C take its compiled-in Unix socket, whatever
    Database.Port says; 127.0.0.1 with the same port is TCP."""
    import re
    d = os.path.dirname(os.environ["HL_DB_SOCKET"])
    with open(os.path.join(d, "mysqld.pid")) as f:
        with open("/proc/%s/cmdline" % f.read().strip(), "rb") as c:
            port = re.search(rb"--port=(\d+)", c.read()).group(1).decode()
    tcp = write_config(Database_Socket=None, Database_Host="127.0.0.1", Database_Port=port)
    p = ctl_config(tcp, "migrate", "--status")
    assert p.returncode == 0, (p.returncode, p.stdout, p.stderr)
    local = write_config(Database_Socket=None, Database_Host="localhost", Database_Port=port)
    p = ctl_config(local, "migrate", "--status")
    m = re.search(r"through socket '([^']+)'", p.stderr)
    if not m and p.returncode != 5 and os.path.exists("/run/mysqld/mysqld.sock"):
        return   # this machine's own MariaDB answered on the default socket
    assert m and m.group(1) != os.environ["HL_DB_SOCKET"], (p.returncode, p.stderr)
    assert p.returncode == 5, (p.returncode, p.stderr)


def test_retry_requeues_an_accounts_dead_deliveries_with_an_audit_record():
    """hooklinectl retry: the API's bulk retry for an operator who holds
    no key of the account: the same filters and checks, exit 2 for a bad
    one before any connection, 4 for an unknown account or another
    account's webhook, and an audit record in the same transaction."""
    import json
    from apihelp import endpoint, publish
    from hltest import Receiver, run_runner
    slug, key = account()
    _, other = account()
    theirs = endpoint(other, "http://127.0.0.1:9/theirs")["id"]
    with Receiver() as rcv:
        ep = endpoint(key, rcv.url)["id"]
        second = endpoint(key, rcv.url + "/2")["id"]
        for n in range(3):
            publish(key, {"n": n})
        # Dead letters without 37 hours of retries: the state the last
        # failed attempt leaves.
        sql("UPDATE deliveries SET status = 'dead', completed_at = NOW(3) "
            "WHERE endpoint_id IN ('%s', '%s')" % (ep, second))
        bad = ((["--status", "sending"], "retry: --status: only dead, succeeded or pending"),
               (["--webhook-id", "nope"], "retry: --webhook-id: "),
               (["--since", "2026-01-01 00:00"], "retry: --since: "),
               (["--since", "2026-02-01T00:00:00Z", "--until", "2026-01-01T00:00:00Z"],
                "retry: --until: until must be later than since"),
               (["--status"], "needs a value"), (["--bogus"], "usage"), ([], "usage"))
        down = write_config(Database_Socket="/nonexistent.sock")
        for args, says in bad:
            argv = ["retry"] + ([slug] if args else []) + args
            p = ctl(*argv, check=False)
            assert p.returncode == 2 and says in p.stderr, (args, p.returncode, p.stderr)
            # Checked before connecting: the same with MariaDB unreachable.
            p = ctl_config(down, *argv)
            assert p.returncode == 2 and says in p.stderr, (args, p.returncode, p.stderr)
        p = ctl("retry", "no-such-account", check=False)
        assert p.returncode == 4, (p.returncode, p.stderr)
        p = ctl("retry", slug, "--webhook-id", theirs, check=False)
        assert p.returncode == 4 and "no webhook %s" % theirs in p.stderr, (p.returncode, p.stderr)
        assert sql("SELECT COUNT(*) FROM deliveries WHERE endpoint_id IN ('%s', '%s') AND "
                   "status = 'dead'" % (ep, second)) == [["6"]]
        # One webhook, one event type: three of the six.
        p = ctl("retry", slug, "--webhook-id", ep, "--event-type", "sms.delivered",
                "--since", "2020-01-01T00:00:00Z")
        assert p.stdout == "retried 3\n", p.stdout
        assert sql("SELECT status, COUNT(*) FROM deliveries WHERE endpoint_id = '%s' "
                   "GROUP BY status" % ep) == [["pending", "3"]]
        run_runner("--once", "--account", slug)
        got = rcv.wait_for_requests(3)
        assert sorted(json.loads(q.body)["data"]["n"] for q in got) == [0, 1, 2]
        # The rest of the account's dead letters; none is left.
        assert ctl("retry", slug).stdout == "retried 3\n"
        assert ctl("retry", slug).stdout == "retried 0\n"
    r = api("GET", "/webhooks/audit?action=delivery.retry_bulk", key=key)
    rows = r.body["data"]
    assert len(rows) == 3, rows
    assert all(a["actor"].startswith("hooklinectl:") for a in rows), rows
    first = rows[-1]
    assert first["object_id"] == ep, first
    assert first["detail"] == {"webhook_id": ep, "event_type": "sms.delivered",
                               "since": "2020-01-01T00:00:00Z"}, first
