"""What the programs check before they serve, with the real binaries: the
database schema must be exactly this build's migrations (the runner exits,
the web app answers 503 and serves again once migrated, hooklinectl
refuses), and Auth.JwtRs256PublicKeyFile is read once at start, a bad file
stopping the web app with its name.

The schema cases run on a database of their own on the suite's MariaDB
(the shared one stays as it is): migrated once, then rows of its
schema_migrations are taken away or added and put back."""

import base64
import os
import re
import secrets
import shutil
import subprocess
import time

from hltest import (CTL, FCGI, RUNNER, TMP, _run, api, cgi_environment, own_web_server,
                    run_program, run_runner, sql, wait_for, write_config)

HERE = os.path.dirname(os.path.abspath(__file__))
SQL_DIR = os.path.join(HERE, "..", "..", "sql")
DB = "hl_startup_%s" % secrets.token_hex(3)

# This build's migrations, by number, as Makefile.am lists them (every
# file of sql/ is: the build refuses one that is not).
MIGRATIONS = {int(f.split("_")[0]): f for f in os.listdir(SQL_DIR) if f.endswith(".sql")}
TOP = max(MIGRATIONS)
BELOW_TOP = max(v for v in MIGRATIONS if v != TOP)

_conf = None


def setup_module():
    global _conf
    sql("CREATE DATABASE `%s` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci" % DB)
    _conf = write_config(Database_Name=DB)
    p = ctl_db("migrate")
    assert p.returncode == 0, (p.stdout, p.stderr)


def teardown_module():
    sql("DROP DATABASE IF EXISTS `%s`" % DB)


def ctl_db(*args, config=None):
    return _run([CTL, "--config", config or _conf] + list(args), check=False)


def rows():
    return sql("SELECT version, name, IFNULL(checksum, '') FROM `%s`.schema_migrations" % DB)


def take_away(version):
    """Deletes migration version's row; returns it for put_back."""
    row = [r for r in rows() if int(r[0]) == version]
    assert row, (version, rows())
    sql("DELETE FROM `%s`.schema_migrations WHERE version = %d" % (DB, version))
    return row[0]


def put_back(row):
    sql("INSERT INTO `%s`.schema_migrations (version, name, checksum) VALUES (%s, '%s', %s)"
        % (DB, row[0], row[1], "'%s'" % row[2] if row[2] else "NULL"))


def runner_refuses(*words):
    p = run_runner("--once", config=_conf, check=False)
    assert p.returncode != 0, (p.returncode, p.stderr)
    for w in words:
        assert w in p.stderr, (w, p.stderr)
    # Refused before any work: no "runner ... started" line.
    assert "started" not in p.stderr, p.stderr
    return p.stderr


def test_runner_and_ctl_accept_this_builds_schema():
    p = run_runner("--once", config=_conf, check=False)
    assert p.returncode == 0, p.stderr
    p = ctl_db("migrate", "--status")
    assert p.returncode == 0, (p.stdout, p.stderr)
    assert p.stdout.strip() == "database schema is at %03d, as this build needs" % TOP, p.stdout


def test_runner_refuses_a_database_without_the_last_migration():
    row = take_away(TOP)
    try:
        err = runner_refuses("database schema is at %03d, this build needs %03d: "
                             "run hooklinectl migrate" % (BELOW_TOP, TOP))
        # One clear line, logged as an error.
        assert len([ln for ln in err.splitlines() if "database schema" in ln]) == 1, err
        assert " error: database schema" in err, err
        p = ctl_db("migrate", "--status")
        assert p.returncode == 1 and "this build needs %03d" % TOP in p.stdout, (p.stdout, p.stderr)
        # The other commands refuse too; migrate is what fixes it.
        p = ctl_db("account", "list")
        assert p.returncode == 1 and "run hooklinectl migrate" in p.stderr, (p.stdout, p.stderr)
    finally:
        put_back(row)
    assert run_runner("--once", config=_conf, check=False).returncode == 0


def test_runner_refuses_a_database_with_a_migration_missing_midway():
    row = take_away(min(MIGRATIONS) + 1)
    try:
        runner_refuses("lacks migration %s" % MIGRATIONS[min(MIGRATIONS) + 1],
                       "run hooklinectl migrate")
    finally:
        put_back(row)


def test_runner_refuses_a_database_migrated_by_a_newer_release():
    sql("INSERT INTO `%s`.schema_migrations (version, name) VALUES (950, '950_future.sql')" % DB)
    try:
        runner_refuses("database schema is at 950", "950_future.sql", "newer")
        p = ctl_db("migrate", "--status")
        assert p.returncode == 1 and "950_future.sql" in p.stdout, (p.stdout, p.stderr)
    finally:
        sql("DELETE FROM `%s`.schema_migrations WHERE version = 950" % DB)


def test_runner_refuses_a_number_applied_under_another_name():
    sql("UPDATE `%s`.schema_migrations SET name = '%03d_theirs.sql' WHERE version = %d"
        % (DB, TOP, TOP))
    try:
        runner_refuses("%03d_theirs.sql" % TOP, MIGRATIONS[TOP])
    finally:
        sql("UPDATE `%s`.schema_migrations SET name = '%s' WHERE version = %d"
            % (DB, MIGRATIONS[TOP], TOP))


def test_runner_refuses_a_database_never_migrated():
    empty = "hl_startup_empty_%s" % secrets.token_hex(3)
    sql("CREATE DATABASE `%s`" % empty)
    try:
        conf = write_config(Database_Name=empty)
        p = run_runner("--once", config=conf, check=False)
        assert p.returncode != 0 and "has no hookline schema" in p.stderr, p.stderr
        assert "run hooklinectl migrate" in p.stderr, p.stderr
    finally:
        sql("DROP DATABASE IF EXISTS `%s`" % empty)


def _sql_copy(drop=(), extra=None):
    d = os.path.join(TMP, "sql-%s" % secrets.token_hex(4))
    shutil.copytree(SQL_DIR, d)
    for name in drop:
        os.unlink(os.path.join(d, name))
    for name, text in (extra or {}).items():
        with open(os.path.join(d, name), "w") as f:
            f.write(text)
    return d, write_config(Database_Name=DB, Paths_Sql=d)


def test_migrate_from_another_releases_sql_directory_says_so():
    """Paths.Sql of an older release: migrate applies what it has, and
    fails, since this build's programs would refuse the result."""
    row = take_away(TOP)
    d, conf = _sql_copy(drop=[MIGRATIONS[TOP]])
    try:
        p = ctl_db("migrate", config=conf)
        assert p.returncode == 1, (p.returncode, p.stdout, p.stderr)
        assert "this build needs %03d" % TOP in p.stderr and d in p.stderr, p.stderr
        assert "Paths.Sql" in p.stderr and "up to date" not in p.stdout, (p.stdout, p.stderr)
    finally:
        put_back(row)
    # A newer release's: it is applied as asked, with a warning that this
    # build will refuse the schema.
    d, conf = _sql_copy(extra={"951_newer.sql": "CREATE TABLE IF NOT EXISTS t_startup_951 (id INT);\n"})
    try:
        p = ctl_db("migrate", config=conf)
        assert p.returncode == 0 and "1 migration applied" in p.stdout, (p.stdout, p.stderr)
        assert "warning" in p.stderr and "951_newer.sql" in p.stderr, p.stderr
        assert "refuse" in p.stderr, p.stderr
    finally:
        sql("DELETE FROM `%s`.schema_migrations WHERE version = 951" % DB)
        sql("DROP TABLE IF EXISTS `%s`.t_startup_951" % DB)


# ---------------------------------------------------------------------------
# The web app behind a web server of its own (the suite's kind) over DB.

def test_web_answers_503_until_migrated_then_serves_without_restart():
    apache = os.environ.get("HL_WEB_SERVER") == "apache"
    take_away(TOP)
    with own_web_server("schm", _conf) as (base, d):
        log = os.path.join(d, "log", "apache-error.log" if apache else "hookline-fcgi.log")
        for _ in range(12):
            r = api("GET", "/webhooks", key=None, base=base)
            assert r.status == 503, r
            assert r.body["error"]["code"] == "database_schema_mismatch", r
            assert "hooklinectl migrate" in r.body["error"]["message"], r
            assert r.headers.get("retry-after") == "5", r.headers
            r = api("POST", "/webhooks/publish", {"event_type": "x", "payload": {}},
                    key="hl_nope_nope", base=base)
            assert r.status == 503 and r.body["error"]["code"] == "database_schema_mismatch", r
            # The health check says so too, for a load balancer.
            r = api("GET", "/webhooks/health", key=None, base=base)
            assert r.status == 503 and r.body["error"]["code"] == "database_schema_mismatch", r
        r = api("GET", "/webhook/login", key=None, base=base, headers={"Accept": "text/html"})
        assert r.status == 503 and "text/html" in r.headers.get("content-type", ""), r
        assert "hooklinectl migrate" in r.body, r.body
        # Logged once per process, not per request (at most 4 processes).
        line = "database schema is at %03d, this build needs %03d: run hooklinectl migrate" \
            % (BELOW_TOP, TOP)
        text = open(log, errors="replace").read()
        assert 1 <= text.count(line) <= 4, text[-3000:]

        p = ctl_db("migrate")
        assert p.returncode == 0 and "1 migration applied" in p.stdout, (p.stdout, p.stderr)
        started = time.time()
        r = wait_for(lambda: (lambda r: r if r.status != 503 else None)(
            api("GET", "/webhooks", key=None, base=base)), timeout=20, interval=0.25,
            message="still 503 after hooklinectl migrate")
        assert r.status == 401, r
        # Every process serves again within a recheck interval or so.
        for _ in range(12):
            assert api("GET", "/webhooks", key=None, base=base).status == 401
        assert api("GET", "/webhook/login", key=None, base=base).status == 200
        r = api("GET", "/webhooks/health", key=None, base=base)
        assert r.status == 200 and r.body == {"status": "ok"}, r
        assert r.headers.get("cache-control") == "no-store", r.headers
        assert time.time() - started < 20
        text = open(log, errors="replace").read()
        assert "serving requests again" in text, text[-3000:]


# ---------------------------------------------------------------------------
# Auth.JwtRs256PublicKeyFile: read once, at start.

def _keyfile(name, data):
    path = os.path.join(TMP, "rs-%s-%s" % (secrets.token_hex(3), name))
    with open(path, "wb") as f:
        f.write(data)
    return path


def _openssl(*args, input=None):
    return subprocess.run(["openssl"] + list(args), input=input, check=True,
                          capture_output=True).stdout


def _key_pair(*options):
    """(private, public) PEM of a new key: genpkey options."""
    private = _openssl("genpkey", *options)
    return private, _openssl("pkey", "-pubout", input=private)


def _rs_config(path):
    return write_config(Auth_JwtHs256Secret=None, Auth_JwtRs256PublicKeyFile=path)


def _start(conf):
    env, data = cgi_environment("GET", "/webhooks", headers={"Authorization": "Bearer a.b.c"})
    return run_program([FCGI, "--config", conf], input=data, env=env)


def test_rs256_key_file_problems_stop_the_web_app_at_start():
    private, public = _key_pair("-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048")
    small = _key_pair("-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024")[1]
    ec = _key_pair("-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256")[1]
    missing = os.path.join(TMP, "no-such-key.pem")
    directory = os.path.join(TMP, "rs-key-dir")
    os.makedirs(directory, exist_ok=True)
    cases = {
        "missing": (missing, "No such file"),
        "a directory": (directory, "cannot be read"),
        # Comments before the key: the old reader cut the file at 16 KiB
        # and every token was then refused, without a word at start.
        "too large": (_keyfile("big.pem", b"# padding\n" * 1700 + public), "larger than 16384"),
        "not PEM": (_keyfile("junk.pem", b"not a key at all\n"), "no PEM public key"),
        "empty": (_keyfile("empty.pem", b""), "no PEM public key"),
        "a private key": (_keyfile("private.pem", private), "private key"),
        "1024-bit": (_keyfile("small.pem", small), "1024-bit"),
        "EC": (_keyfile("ec.pem", ec), "not an RSA key"),
    }
    for what, (path, words) in cases.items():
        p = _start(_rs_config(path))
        err = p.stderr.decode(errors="replace")
        assert p.returncode == 1, (what, p.returncode, p.stdout[:300], err)
        assert not p.stdout, (what, p.stdout[:300])   # nothing served
        assert "Auth.JwtRs256PublicKeyFile" in err and path in err and words in err, (what, err)
        # The private key's text never reaches the log.
        assert b"PRIVATE" not in p.stderr or what == "a private key", (what, err)
        assert private.splitlines()[1].decode() not in err, (what, err)
    # A good key (a file just under the limit, comments and all) starts.
    ok = _keyfile("ok.pem", b"# padding\n" * 1500 + public)
    assert os.path.getsize(ok) <= 16384
    p = _start(_rs_config(ok))
    assert p.returncode == 0 and p.stdout.startswith(b"Status: 401"), (p.stdout[:300], p.stderr)


def test_rs256_key_is_read_once_at_start():
    """A FastCGI process keeps the key it started with: the file going
    away (or being cut) later changes nothing; it used to be read for
    every request, a missing one answering 500."""
    if os.environ.get("HL_WEB_SERVER") == "apache":
        return  # mod_fcgid starts processes on demand: one started later has no key file
    public = _key_pair("-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048")[1]
    path = _keyfile("once.pem", public)
    conf = _rs_config(path)
    token = "%s.%s.%s" % (_b64(b'{"alg":"RS256","typ":"JWT"}'), _b64(b'{"sub":"x"}'), _b64(b"sig"))
    with own_web_server("rsfc", conf, server="lighttpd") as (base, _):
        r = api("GET", "/webhooks", key=token, base=base)
        assert r.status == 401, r
        os.unlink(path)
        for _ in range(8):
            r = api("GET", "/webhooks", key=token, base=base)
            assert r.status == 401 and r.body["error"]["code"] == "unauthorized", r


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_every_program_says_its_version_and_schema_without_a_configuration():
    """No program had --version: an operator filing a bug, or a deploy
    script checking that the runner cron starts is the release it just
    installed, had to look at package files. Each prints "PROGRAM
    VERSION (schema NNN)": configure.ac's version and this build's
    highest migration, exit 0, with no configuration to read."""
    with open(os.path.join(HERE, "..", "..", "configure.ac")) as f:
        version = re.search(r"AC_INIT\(\[hookline\], \[([^\]]+)\]", f.read()).group(1)
    env = dict(os.environ, HOOKLINE_CONFIG=os.path.join(TMP, "no-such-config.hdf"))
    for program, argv in (("hookline.fcgi", [FCGI]), ("hookline-runner", [RUNNER]),
                          ("hooklinectl", [CTL]), ("hooklinectl", [CTL, "--config", "/nonexistent"])):
        p = subprocess.run(argv + ["--version"], capture_output=True, text=True, env=env, timeout=30)
        assert p.returncode == 0 and not p.stderr, (argv, p.returncode, p.stderr)
        assert p.stdout == "%s %s (schema %03d)\n" % (program, version, TOP), (argv, p.stdout)
