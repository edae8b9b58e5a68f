"""Rotating Security.MasterKey: with Security.PreviousMasterKey set every
program opens what the old key sealed, hooklinectl rekey seals each stored
secret again with the new key (every sealed column, compare-and-set per
value), and afterwards the new key alone opens everything. rekey also
seals custom headers stored before migration 020 (in clear). Runs in a
database of its own: the stack's other tests keep their key."""

import base64
import hashlib
import hmac
import json
import os
import subprocess
import time

from hltest import (CTL, RUNNER, Receiver, _run, cgi, run_runner, sql, unique, verify,
                    write_config)

EVENT = "sms.delivered"
DB = "hookline_rekey_%s" % os.urandom(3).hex()
SEALED = [("endpoints", "id", "secret_sealed"), ("endpoints", "id", "prev_secret_sealed"),
          ("endpoints", "id", "auth_sealed"), ("endpoints", "id", "encryption_key_sealed"),
          ("endpoints", "id", "ed25519_sealed"), ("endpoints", "id", "headers_sealed"),
          ("endpoint_tokens", "endpoint_id", "token_sealed"),
          ("sources", "id", "secret_sealed"), ("sources", "id", "prev_secret_sealed"),
          ("idempotency_keys", "idem_key", "response"), ("page_reveals", "id", "payload_sealed")]
# Custom headers stored before migration 020 sealed them: rekey seals
# them, counted in a row of their own that has no "current" values.
PLAIN = "endpoints.headers_json"
HEADERS = {"X-Token": "tok-rekey-secret"}
KEY_B = base64.b64encode(os.urandom(32)).decode()
KEY_C = base64.b64encode(os.urandom(32)).decode()
state = {}


def _ctl(config, *args):
    return _run([CTL, "--config", config] + list(args), check=False)


def _old_key():
    with open(state["a"]) as f:
        for line in f:
            name, _, value = line.partition("=")
            if name.strip() == "Security.MasterKey":
                return value.strip()
    raise AssertionError("no Security.MasterKey in the test configuration")


def _api(config, method, path, body=None, headers=None):
    hdrs = {"Authorization": "Bearer " + state["key"]}
    hdrs.update(headers or {})
    return cgi(method, path, body, headers=hdrs, config=config)


def _sealed_values():
    """Every sealed value of the test database, by (table, column, key)."""
    out = {}
    for table, key, column in SEALED:
        rows = sql("SELECT %s, %s FROM %s.%s WHERE %s <> ''" % (key, column, DB, table, column))
        for k, v in rows:
            out[(table, column, k)] = v
    return out


def _counts(stdout):
    """rekey's table: {"table.column": (rekeyed, current, changed, unreadable)}."""
    rows = {}
    for line in stdout.splitlines()[1:]:
        parts = line.split()
        if len(parts) == 5 and "." in parts[0]:
            rows[parts[0]] = tuple(int(p) for p in parts[1:])
    assert len(rows) == len(SEALED) + 1 and PLAIN in rows, stdout
    return rows


def _sealed_rows(rows):
    """The rows of _counts for sealed columns (PLAIN left out)."""
    return [r for name, r in rows.items() if name != PLAIN]


def _create_endpoint(config):
    """The first endpoint, created with an Idempotency-Key: its answer is
    kept sealed, and a repeat gets it back."""
    return _api(config, "POST", "/webhooks",
                {"url": state["rcv"].url, "event_types": [EVENT], "encryption": False,
                 "ed25519": True, "auth": {"type": "basic", "username": "hook", "password": "pw-1"},
                 "headers": HEADERS},
                headers={"Idempotency-Key": "create-1"})


def _answer_and_sources_open(config):
    """Under config the kept answer opens (the repeat gets the first
    answer), and an incoming post verifies with the source's secret and,
    within its grace, the one it replaced."""
    r = _create_endpoint(config)
    assert r.status == 201 and r.body["id"] == state["ep"]["id"], r
    assert _incoming_accepted(config, "gh-secret-2") == 202
    assert _incoming_accepted(config, "gh-secret-1") == 202
    assert _incoming_accepted(config, "gh-secret-3") == 401


def _incoming_accepted(config, secret):
    """A GitHub-signed post to the source under config: 202, or the status."""
    body = json.dumps({"ref": "refs/heads/main", "n": os.urandom(4).hex()}).encode()
    sig = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    r = cgi("POST", "/webhooks/incoming/" + state["src"]["slug"], body, config=config,
            headers={"X-Hub-Signature-256": sig, "X-GitHub-Event": "push",
                     "X-GitHub-Delivery": os.urandom(8).hex()})
    return r.status


def _delivered_and_verified(config, rcv, n):
    """Publish through the API under config, run the runner under config:
    the n-th request the receiver gets is signed with the endpoint's
    secret and carries its basic credentials."""
    r = _api(config, "POST", "/webhooks/publish", {"event_type": EVENT, "payload": {"n": n}})
    assert r.status == 202, r
    run_runner("--once", config=config)
    got = rcv.wait_for_requests(n)[n - 1]
    verify(state["secret"], got.headers, got.body)
    assert got.headers["authorization"] == "Basic " + base64.b64encode(b"hook:pw-1").decode()
    assert got.headers["x-token"] == HEADERS["X-Token"], got.headers
    return got


def setup_module():
    sql("CREATE DATABASE %s CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci" % DB)
    state["a"] = write_config(Database_Name=DB)
    _run([CTL, "--config", state["a"], "migrate"])
    _run([CTL, "--config", state["a"], "account", "create", "rekey", "Rekey"])
    state["key"] = _run([CTL, "--config", state["a"], "key", "create", "rekey", "--scopes",
                         "read,write,admin"]).stdout.strip()
    state["rcv"] = Receiver().__enter__()
    # Every sealed column gets a value under the old key: a secret and,
    # after a rotation with grace, the previous one; credentials; an
    # encryption key; an ed25519 key; a source's secrets; an answer kept
    # for an Idempotency-Key.
    r = _create_endpoint(state["a"])
    assert r.status == 201, r
    state["ep"] = r.body
    r = _api(state["a"], "POST", "/webhooks/%s/rotate-secret" % r.body["id"], {"grace_seconds": 3600})
    assert r.status == 200, r
    state["secret"] = r.body["secret"]
    r = _api(state["a"], "POST", "/webhooks",
             {"url": state["rcv"].url + "/enc", "event_types": ["voice.call_completed"], "encryption": True})
    assert r.status == 201, r
    state["enc"] = r.body
    r = _api(state["a"], "POST", "/webhooks/sources", {"verify": "github", "secret": "gh-secret-1"})
    assert r.status == 201, r
    state["src"] = r.body
    r = _api(state["a"], "POST", "/webhooks/sources/%s/rotate-secret" % r.body["id"],
             {"grace_seconds": 3600, "secret": "gh-secret-2"})
    assert r.status == 200, r
    # A cached OAuth token: any value the old key sealed stands for one.
    sql("INSERT INTO %s.endpoint_tokens (endpoint_id, token_sealed, expires_at) "
        "SELECT id, secret_sealed, NOW(3) + INTERVAL 1 HOUR FROM %s.endpoints WHERE id = '%s'"
        % (DB, DB, state["enc"]["id"]))
    # A secret waiting for the dashboard page that shows it once: a user's
    # session owns it (any value the old key sealed stands for it).
    _run([CTL, "--config", state["a"], "user", "create", "rekey", "reveal@rekey.test", "admin"],
         input="a good long password\n")
    sql("INSERT INTO %s.sessions (token_hash, user_id, csrf_token, expires_at) "
        "SELECT REPEAT('a', 64), id, REPEAT('c', 43), NOW(3) + INTERVAL 1 HOUR FROM %s.users "
        "WHERE email = 'reveal@rekey.test'" % (DB, DB))
    sql("INSERT INTO %s.page_reveals (id, session_hash, account_id, subject_id, kind, "
        "payload_sealed, expires_at) SELECT REPEAT('r', 43), REPEAT('a', 64), account_id, id, "
        "'created', secret_sealed, NOW(3) + INTERVAL 1 HOUR FROM %s.endpoints WHERE id = '%s'"
        % (DB, DB, state["enc"]["id"]))
    state["b"] = write_config(Database_Name=DB, Security_MasterKey=KEY_B)
    state["ba"] = write_config(Database_Name=DB, Security_MasterKey=KEY_B,
                               Security_PreviousMasterKey=_old_key())


def teardown_module():
    state["rcv"].__exit__(None, None, None)
    sql("DROP DATABASE IF EXISTS %s" % DB)


def test_every_sealed_column_has_a_value():
    have = {(t, c) for t, c, _ in _sealed_values()}
    assert have == {(t, c) for t, _, c in SEALED}, sorted(have)


def test_check_without_a_previous_key_reports_all_current():
    p = _ctl(state["a"], "rekey", "--dry-run")
    assert p.returncode == 0, (p.returncode, p.stdout, p.stderr)
    assert "Security.PreviousMasterKey is not set" in p.stderr, p.stderr
    rows = _counts(p.stdout)
    assert all(r[0] == 0 and r[1] >= 1 and r[3] == 0 for r in _sealed_rows(rows)), rows
    assert rows[PLAIN] == (0, 0, 0, 0), rows
    assert p.stdout.splitlines()[-1] == "every stored secret is sealed with Security.MasterKey", p.stdout


def test_the_new_key_alone_cannot_open_and_changes_nothing():
    before = _sealed_values()
    for args in (("rekey",), ("rekey", "--dry-run")):
        p = _ctl(state["b"], *args)
        assert p.returncode == 1, (args, p.returncode, p.stdout, p.stderr)
        assert ("endpoints.secret_sealed of %s does not open with Security.MasterKey\n"
                % state["ep"]["id"]) in p.stderr, p.stderr
        assert ("values that do not open with Security.MasterKey were left as they are (%d): "
                "if the key was changed, set Security.PreviousMasterKey" % len(before)) in p.stderr, p.stderr
        assert sum(r[3] for r in _counts(p.stdout).values()) == len(before), p.stdout
    assert _sealed_values() == before
    # The runner says which key is wrong, and sends nothing.
    r = _api(state["a"], "POST", "/webhooks/publish", {"event_type": EVENT, "payload": {"n": 0}})
    assert r.status == 202, r
    p = run_runner("--once", config=state["b"], check=False)
    assert ("cannot unseal the secret of %s: wrong Security.MasterKey? (if it was changed, "
            "Security.PreviousMasterKey must hold the one before)" % state["ep"]["id"]) in p.stderr, p.stderr
    assert state["rcv"].requests == [], state["rcv"].requests
    # That failed attempt's retry, due now.
    sql("UPDATE %s.deliveries SET next_attempt_at = NOW(3) WHERE status = 'pending'" % DB)


def test_same_key_twice_is_refused():
    conf = write_config(Database_Name=DB, Security_PreviousMasterKey=_old_key())
    for argv in ([CTL, "--config", conf, "rekey"], [RUNNER, "--config", conf, "--once"]):
        p = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        assert p.returncode != 0, (argv, p.stdout, p.stderr)
        assert "Security.PreviousMasterKey is the same key as Security.MasterKey" in p.stderr, p.stderr
        assert _old_key() not in p.stderr


def test_during_the_rotation_both_keys_open():
    # The delivery published under the old key, and a new one: the
    # runner signs with the secret the old key sealed.
    run_runner("--once", config=state["ba"])
    got = state["rcv"].wait_for_requests(1)[0]
    verify(state["secret"], got.headers, got.body)
    _delivered_and_verified(state["ba"], state["rcv"], 2)
    _answer_and_sources_open(state["ba"])


def test_dry_run_counts_and_writes_nothing():
    before = _sealed_values()
    p = _ctl(state["ba"], "rekey", "--dry-run")
    assert p.returncode == 0, (p.returncode, p.stdout, p.stderr)
    rows = _counts(p.stdout)
    assert p.stdout.splitlines()[0].split()[2:4] == ["would", "rekey"], p.stdout
    assert sum(r[0] for r in rows.values()) == len(before), p.stdout
    assert all(r[0] >= 1 for r in _sealed_rows(rows)), rows
    assert p.stdout.splitlines()[-1] == ("values still sealed with Security.PreviousMasterKey: %d "
                                          "(run hooklinectl rekey)" % len(before)), p.stdout
    assert _sealed_values() == before


def test_rekey_seals_everything_with_the_new_key():
    before = _sealed_values()
    p = _ctl(state["ba"], "rekey")
    assert p.returncode == 0, (p.returncode, p.stdout, p.stderr)
    rows = _counts(p.stdout)
    assert sum(r[0] for r in rows.values()) == len(before), rows
    assert all(r[0] >= 1 for r in _sealed_rows(rows)), rows
    assert p.stdout.splitlines()[-1] == ("every stored secret is sealed with Security.MasterKey: "
                                          "Security.PreviousMasterKey can be removed"), p.stdout
    after = _sealed_values()
    assert after.keys() == before.keys()
    assert all(after[k] != before[k] for k in before), "a value was left as it was"
    # Again: nothing left to do.
    p = _ctl(state["ba"], "rekey")
    assert p.returncode == 0, (p.returncode, p.stdout, p.stderr)
    assert all(r[0] == 0 and r[1] >= 1 for r in _sealed_rows(_counts(p.stdout))), p.stdout
    assert _sealed_values() == after


def test_afterwards_the_new_key_alone_opens_everything():
    p = _ctl(state["b"], "rekey", "--dry-run")
    assert p.returncode == 0, (p.returncode, p.stdout, p.stderr)
    assert all(r[3] == 0 for r in _counts(p.stdout).values()), p.stdout
    _delivered_and_verified(state["b"], state["rcv"], 3)
    _answer_and_sources_open(state["b"])
    # The old key alone no longer opens anything; with the keys the
    # wrong way round neither opens.
    p = _ctl(state["a"], "rekey", "--dry-run")
    assert p.returncode == 1 and "does not open with Security.MasterKey" in p.stderr, p.stderr
    p = _ctl(write_config(Database_Name=DB, Security_MasterKey=KEY_C,
                          Security_PreviousMasterKey=_old_key()), "rekey")
    assert p.returncode == 1, (p.returncode, p.stdout, p.stderr)
    assert ("endpoints.secret_sealed of %s opens with neither Security.MasterKey nor "
            "Security.PreviousMasterKey" % state["ep"]["id"]) in p.stderr, p.stderr
    assert "values that open with neither key were left as they are (" in p.stderr, p.stderr


def test_status_says_while_the_previous_key_is_set():
    # The rotation is done but the old key is still configured: status
    # says so in each of its forms, and stops saying so once it is gone.
    for conf, is_set in ((state["ba"], True), (state["b"], False)):
        p = _ctl(conf, "status")
        assert p.returncode == 0, (p.returncode, p.stdout, p.stderr)
        line = ("master key: Security.PreviousMasterKey is set; remove it once "
                "'hooklinectl rekey --dry-run' finds every secret current")
        assert (line in p.stdout.splitlines()) == is_set, p.stdout
        p = _ctl(conf, "status", "--json")
        assert p.returncode == 0, (p.returncode, p.stdout, p.stderr)
        assert json.loads(p.stdout)["previous_master_key"] is is_set, p.stdout
        p = _ctl(conf, "status", "--prometheus")
        assert p.returncode == 0, (p.returncode, p.stdout, p.stderr)
        assert "hookline_previous_master_key_set %d" % is_set in p.stdout.splitlines(), p.stdout


def _headers_row(wh):
    """(headers_json, headers_sealed) of endpoint wh, None for NULL."""
    row = sql("SELECT headers_json, headers_sealed FROM %s.endpoints WHERE id = '%s'" % (DB, wh))[0]
    return tuple(None if v == "NULL" else v for v in row)


def test_headers_stored_before_sealing_are_sealed_without_a_previous_key():
    """After the upgrade to migration 020 old rows hold their headers in
    clear: rekey seals them (no rotation needed), by compare-and-set on
    the plaintext, and what is sent stays the same."""
    wh, old = state["enc"]["id"], {"X-Old": "old-plain-secret"}
    sql("UPDATE %s.endpoints SET headers_json = '%s', headers_sealed = NULL WHERE id = '%s'"
        % (DB, json.dumps(old), wh))
    p = _ctl(state["b"], "rekey", "--dry-run")
    assert p.returncode == 0, (p.returncode, p.stdout, p.stderr)
    assert _counts(p.stdout)[PLAIN] == (1, 0, 0, 0), p.stdout
    assert p.stdout.splitlines()[-1] == "values stored unsealed: 1 (run hooklinectl rekey)", p.stdout
    assert _headers_row(wh) == (json.dumps(old), None)
    # Another write of the plaintext while the pass runs (as by hand, or
    # by a program from before 020) keeps its value: held uncommitted for
    # 2 s, rekey reads the committed row and then waits to write it.
    newer = {"X-Old": "newer-plain-secret"}
    holder = subprocess.Popen(
        ["mariadb", "--no-defaults", "--unbuffered", "--socket", os.environ["HL_DB_SOCKET"], "-uroot",
         "-N", DB, "-e", "BEGIN; UPDATE endpoints SET headers_json = '%s' WHERE id = '%s'; "
         "SELECT 'held'; SELECT SLEEP(2); COMMIT;" % (json.dumps(newer), wh)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        p = _ctl(state["b"], "rekey")
    finally:
        holder.wait(timeout=30)
    assert p.returncode == 5, (p.returncode, p.stdout, p.stderr)
    assert _counts(p.stdout)[PLAIN] == (0, 0, 1, 0), p.stdout
    assert _headers_row(wh) == (json.dumps(newer), None)
    # The newest plaintext is what is sent and shown until it is sealed.
    r = _api(state["b"], "GET", "/webhooks/" + wh)
    assert r.status == 200 and r.body["headers"] == newer, r
    p = _ctl(state["b"], "rekey")
    assert p.returncode == 0, (p.returncode, p.stdout, p.stderr)
    rows = _counts(p.stdout)
    assert rows[PLAIN] == (1, 0, 0, 0), p.stdout
    assert p.stdout.splitlines()[-1] == "every stored secret is sealed with Security.MasterKey", p.stdout
    plain, sealed = _headers_row(wh)
    assert plain is None and sealed and "newer-plain-secret" not in sealed, (plain, sealed)
    r = _api(state["b"], "GET", "/webhooks/" + wh)
    assert r.status == 200 and r.body["headers"] == newer, r
    n = len(state["rcv"].requests)
    r = _api(state["b"], "POST", "/webhooks/%s/test" % wh, {"event_type": "voice.call_completed"})
    assert r.status == 200, r
    got = state["rcv"].wait_for_requests(n + 1)[n]
    assert got.headers["x-old"] == newer["X-Old"], got.headers
    # Again: nothing left unsealed, and the new value is current.
    p = _ctl(state["b"], "rekey", "--dry-run")
    assert p.returncode == 0, (p.returncode, p.stdout, p.stderr)
    rows = _counts(p.stdout)
    assert rows[PLAIN] == (0, 0, 0, 0) and rows["endpoints.headers_sealed"][1] == 2, p.stdout


def test_a_value_rewritten_meanwhile_is_left_to_the_writer():
    """rekey reads without locks and writes by compare-and-set: a secret
    rotated while the pass runs keeps the rotation's value, and the pass
    says to run it again."""
    ep, other = state["ep"]["id"], state["enc"]["id"]
    conf = write_config(Database_Name=DB, Security_MasterKey=KEY_C, Security_PreviousMasterKey=KEY_B)
    # What the writer stores: another value B sealed. The holder keeps
    # its change uncommitted for 2 s; rekey, reading ep's committed
    # value, then waits on the row lock to write it.
    fresh = sql("SELECT secret_sealed FROM %s.endpoints WHERE id = '%s'" % (DB, other))[0][0]
    assert ep < other, "rekey visits ep first"
    holder = subprocess.Popen(
        ["mariadb", "--no-defaults", "--unbuffered", "--socket", os.environ["HL_DB_SOCKET"], "-uroot",
         "-N", DB, "-e", "BEGIN; UPDATE endpoints SET secret_sealed = '%s' WHERE id = '%s'; "
         "SELECT 'held'; SELECT SLEEP(2); COMMIT;" % (fresh, ep)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        start = time.time()
        p = _ctl(conf, "rekey")
        waited = time.time() - start
    finally:
        holder.wait(timeout=30)
    assert p.returncode == 5, (p.returncode, p.stdout, p.stderr)
    assert "values rewritten while the pass ran were left as they are (1)" in p.stderr, p.stderr
    rows = _counts(p.stdout)
    assert rows["endpoints.secret_sealed"][:3] == (1, 0, 1), p.stdout
    assert waited >= 1, waited
    assert sql("SELECT secret_sealed FROM %s.endpoints WHERE id = '%s'" % (DB, ep))[0][0] == fresh
    # Run again: the writer's value is rekeyed too, and all is current.
    p = _ctl(conf, "rekey")
    assert p.returncode == 0, (p.returncode, p.stdout, p.stderr)
    assert _counts(p.stdout)["endpoints.secret_sealed"][:2] == (1, 1), p.stdout
    p = _ctl(write_config(Database_Name=DB, Security_MasterKey=KEY_C), "rekey", "--dry-run")
    assert p.returncode == 0 and "every stored secret is sealed" in p.stdout, (p.stdout, p.stderr)


def test_many_values_are_read_chunk_by_chunk():
    """More values than one read takes (HL_REKEY_CHUNK, 500): every chunk
    goes on after the last key of the one before, also for the answers'
    two-column key, where a chunk ends on an account's last answer."""
    acc = sql("SELECT id FROM %s.accounts WHERE slug = 'rekey'" % DB)[0][0]
    _run([CTL, "--config", state["a"], "account", "create", "rekey-2", "Rekey 2"])
    acc2 = sql("SELECT id FROM %s.accounts WHERE slug = 'rekey-2'" % DB)[0][0]
    assert acc < acc2
    # 1,201 more endpoints, copies of ep; 499 more answers for the first
    # account (500 in all) and 801 for the second.
    sql("CREATE TEMPORARY TABLE t SELECT e.*, s.seq FROM {db}.endpoints e "
        "JOIN seq_1_to_1201 s WHERE e.id = '{ep}'; "
        "UPDATE t SET id = CONCAT('wh_rk', LPAD(seq, 5, '0')); ALTER TABLE t DROP COLUMN seq; "
        "INSERT INTO {db}.endpoints SELECT * FROM t; "
        "INSERT INTO {db}.idempotency_keys (account_id, idem_key, route, request_hash, status, "
        "response, expires_at) SELECT IF(s.seq <= 499, '{acc}', '{acc2}'), "
        "CONCAT('k', LPAD(s.seq, 5, '0')), '/webhooks', REPEAT('0', 64), 201, i.response, "
        "NOW(3) + INTERVAL 1 DAY FROM seq_1_to_1300 s JOIN {db}.idempotency_keys i "
        "WHERE i.idem_key = 'create-1'".format(db=DB, ep=state["ep"]["id"], acc=acc, acc2=acc2))
    before = _sealed_values()
    assert len([k for k in before if k[1] == "secret_sealed" and k[0] == "endpoints"]) == 1203
    assert len([k for k in before if k[0] == "idempotency_keys"]) == 1301
    key_d = base64.b64encode(os.urandom(32)).decode()
    conf = write_config(Database_Name=DB, Security_MasterKey=key_d, Security_PreviousMasterKey=KEY_C)
    p = _ctl(conf, "rekey", "--dry-run")
    assert p.returncode == 0, (p.returncode, p.stdout, p.stderr)
    rows = _counts(p.stdout)
    assert rows["endpoints.secret_sealed"] == (1203, 0, 0, 0), p.stdout
    assert rows["idempotency_keys.response"] == (1301, 0, 0, 0), p.stdout
    p = _ctl(conf, "rekey")
    assert p.returncode == 0, (p.returncode, p.stdout, p.stderr)
    assert _counts(p.stdout) == rows, p.stdout
    after = _sealed_values()
    assert after.keys() == before.keys() and all(after[k] != before[k] for k in before)
    p = _ctl(write_config(Database_Name=DB, Security_MasterKey=key_d), "rekey", "--dry-run")
    assert p.returncode == 0, (p.returncode, p.stdout, p.stderr)
    assert _counts(p.stdout)["idempotency_keys.response"] == (0, 1301, 0, 0), p.stdout
