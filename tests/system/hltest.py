"""Small stdlib-only harness for the hookline system tests.

The environment comes from tests/system/run:
  HL_BASE_URL  http://127.0.0.1:PORT of the lighttpd in front of hookline.fcgi
  HL_API_KEY   an admin-scoped API key of the account HL_ACCOUNT
  HL_CONFIG    the HDF configuration file
  HL_CTL       path to hooklinectl
  HL_RUNNER    path to hookline-runner
  HL_TMP       a scratch directory removed after the run

Nothing here trusts hookline's own code: the Standard Webhooks signature is
checked with Python's hmac/hashlib/base64 (`verify`).
"""

import base64
import contextlib
import hashlib
import hmac
import http.client
import http.server
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import threading
import time
import urllib.parse

BASE_URL = os.environ.get("HL_BASE_URL", "http://127.0.0.1:8080")
API_KEY = os.environ.get("HL_API_KEY", "")
CONFIG = os.environ.get("HL_CONFIG", "")
CTL = os.environ.get("HL_CTL", "hooklinectl")
RUNNER = os.environ.get("HL_RUNNER", "hookline-runner")
TMP = os.environ.get("HL_TMP", "/tmp")

_DEFAULT = object()


class Response:
    """What `api` returns; also unpacks as (status, headers, body)."""

    def __init__(self, status, headers, body, raw):
        self.status = status
        self.headers = headers  # dict, lower-case names
        self.body = body  # parsed JSON when the answer is JSON, else text
        self.raw = raw  # bytes

    def __iter__(self):
        return iter((self.status, self.headers, self.body))

    def __repr__(self):
        return "<Response %s %r>" % (self.status, self.raw[:300])


def api(method, path, body=None, key=_DEFAULT, headers=None, raw=None, timeout=30, base=None):
    """One HTTP request to hookline; never follows redirects.

    body: a Python object sent as JSON; raw: bytes sent as they are.
    key: API key for "Authorization: Bearer"; default HL_API_KEY, None for no
    Authorization header.
    base: another server in front of hookline (default HL_BASE_URL).
    Returns a Response, which unpacks as (status, headers, body) where body is
    the parsed JSON or the text.
    """
    url = urllib.parse.urlsplit(base or BASE_URL)
    conn = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=timeout)
    hdrs = {"Accept": "application/json"}
    if key is _DEFAULT:
        key = API_KEY
    if key is not None:
        hdrs["Authorization"] = "Bearer " + key
    data = raw
    if body is not None:
        data = json.dumps(body).encode()
        hdrs["Content-Type"] = "application/json"
    if headers:
        hdrs.update(headers)
    prefix = url.path.rstrip("/")
    try:
        conn.request(method, prefix + path, body=data, headers=hdrs)
        resp = conn.getresponse()
        payload = resp.read()
        rhdrs = {k.lower(): v for k, v in resp.getheaders()}
        status = resp.status
    finally:
        conn.close()
    parsed = payload.decode("utf-8", "replace")
    if "json" in rhdrs.get("content-type", "") or payload[:1] in (b"{", b"["):
        try:
            parsed = json.loads(payload)
        except ValueError:
            pass
    return Response(status, rhdrs, parsed, payload)


# ---------------------------------------------------------------------------
# Standard Webhooks verification, independent of hookline.

class VerificationError(Exception):
    pass


def sign(secret, msg_id, timestamp, body):
    """The v1 signature value (without the "v1," prefix) for body bytes."""
    if not secret.startswith("whsec_"):
        raise VerificationError("secret does not start with whsec_")
    key = base64.b64decode(secret[len("whsec_"):], validate=True)
    signed = ("%s.%s." % (msg_id, timestamp)).encode() + body
    return base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def verify(secret, headers, body, tolerance=300, now=None):
    """Checks a delivery like a careful receiver would. Returns True or raises
    VerificationError. headers: a mapping with lower-case names."""
    h = {k.lower(): v for k, v in headers.items()}
    for name in ("webhook-id", "webhook-timestamp", "webhook-signature"):
        if not h.get(name):
            raise VerificationError("missing header " + name)
    msg_id = h["webhook-id"]
    try:
        ts = int(h["webhook-timestamp"])
    except ValueError:
        raise VerificationError("bad webhook-timestamp %r" % h["webhook-timestamp"])
    now = time.time() if now is None else now
    if abs(now - ts) > tolerance:
        raise VerificationError("timestamp %d is %d s off" % (ts, now - ts))
    if isinstance(body, str):
        body = body.encode()
    expected = sign(secret, msg_id, h["webhook-timestamp"], body).encode()
    for part in h["webhook-signature"].split(" "):
        version, _, sig = part.partition(",")
        if version == "v1" and hmac.compare_digest(sig.encode(), expected):
            return True
    raise VerificationError("no matching v1 signature in %r" % h["webhook-signature"])


# ---------------------------------------------------------------------------
# A webhook receiver.

class Request:
    def __init__(self, method, path, headers, body, peer=None):
        self.method = method
        self.path = path
        self.peer = peer  # the client's (address, port): one per connection
        self.header_list = headers  # [(name, value)] as received
        self.headers = {}
        for k, v in headers:
            self.headers.setdefault(k.lower(), v)
        self.body = body  # bytes
        self.received_at = time.time()

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return "<Request %s %s %r>" % (self.method, self.path, self.body[:200])


def send_json(handler, status, body):
    """Answer a BaseHTTPRequestHandler's request with status and body (an
    object sent as JSON, or bytes as they are), closing the connection."""
    out = body if isinstance(body, bytes) else json.dumps(body).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(out)))
    handler.send_header("Connection", "close")
    handler.end_headers()
    handler.wfile.write(out)


class LocalServer:
    """A threaded HTTP server on 127.0.0.1 (a free port, self.port) serving
    a BaseHTTPRequestHandler class in a daemon thread. Use as a context
    manager or call close()."""

    def _serve(self, handler):
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class RawServer:
    """A listening socket on 127.0.0.1 (a free port, self.port) whose
    connections each go to self.answer(conn) on a daemon thread, closed
    after it returns: for receivers that misbehave below HTTP (answer
    late, stop mid-body, speak TLS). self.connections counts them."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._run, args=(conn,), daemon=True).start()

    def _run(self, conn):
        try:
            self.answer(conn)
        except OSError:
            pass
        finally:
            conn.close()

    def answer(self, conn):
        raise NotImplementedError

    def close(self):
        self.sock.close()


class Receiver(LocalServer):
    """Threaded HTTP server on 127.0.0.1 (free port) recording every request.

    statuses: responses for the first requests in order (e.g. [500, 500]);
    afterwards `status` is used. delay: seconds to wait before answering.
    headers: extra response headers. keep_alive: keep connections open for
    further requests (default: close after each answer). Use as a context
    manager or call close().
    """

    def __init__(self, statuses=None, status=200, delay=0, headers=None, body=b"ok",
                 keep_alive=False):
        self.requests = []
        self.statuses = list(statuses or [])
        self.status = status
        self.delay = delay
        self.response_headers = dict(headers or {})
        self.response_body = body
        self._cond = threading.Condition()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self):
                body = b""
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    chunks = []
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                        if size == 0:
                            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                                pass
                            break
                        chunks.append(self.rfile.read(size))
                        self.rfile.readline()
                    body = b"".join(chunks)
                else:
                    length = int(self.headers.get("Content-Length") or 0)
                    if length:
                        body = self.rfile.read(length)
                req = Request(self.command, self.path, list(self.headers.items()), body,
                              self.client_address)
                with receiver._cond:
                    receiver.requests.append(req)
                    status = receiver.statuses.pop(0) if receiver.statuses else receiver.status
                    delay = receiver.delay
                    extra = dict(receiver.response_headers)
                    out = receiver.response_body
                    receiver._cond.notify_all()
                if delay:
                    time.sleep(delay)
                try:
                    self.send_response(status)
                    for k, v in extra.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(out)))
                    if not keep_alive:
                        self.send_header("Connection", "close")
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(out)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True
                if not keep_alive:
                    self.close_connection = True

            do_POST = do_GET = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle

            def log_message(self, *args):
                pass

        self._serve(Handler)

    @property
    def url(self):
        return "http://127.0.0.1:%d/hook" % self.port

    def set_responses(self, statuses=None, status=None, delay=None, headers=None):
        with self._cond:
            if statuses is not None:
                self.statuses = list(statuses)
            if status is not None:
                self.status = status
            if delay is not None:
                self.delay = delay
            if headers is not None:
                self.response_headers = dict(headers)

    def wait_for_requests(self, n, timeout=10):
        """Waits until at least n requests arrived; returns the list."""
        deadline = time.time() + timeout
        with self._cond:
            while len(self.requests) < n:
                left = deadline - time.time()
                if left <= 0:
                    raise AssertionError("receiver got %d requests, wanted %d" % (len(self.requests), n))
                self._cond.wait(left)
            return list(self.requests)


# ---------------------------------------------------------------------------
# Commands and waiting.

# The start of a sanitizer report (tests/system/run looks for the same).
# In the ASan+UBSan build UBSan reports on standard error whatever
# log_path says, so the output of every program run here is checked.
SANITIZER_REPORT = re.compile(r"runtime error: |==[0-9]+==(ERROR|WARNING): [A-Za-z]+Sanitizer")


LIB_SH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "lib.sh")


def lib_sh(function, *args):
    """Run a function of scripts/lib.sh; fails the test when it fails."""
    proc = subprocess.run(["bash", "-c", '. "$0" && "$@"', LIB_SH, function] + list(args),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True)
    assert proc.returncode == 0, (function, proc.returncode, proc.stderr[-2000:])


@contextlib.contextmanager
def own_web_server(name, config, *extra, server=None):
    """One more web server of the suite's kind (lighttpd, or Apache under
    run-apache; server= names one) with hookline.fcgi and config, in
    TMP/name: name must be short, tests/system/run leaves room for that
    directory's unix socket path and no longer. extra: more lib.sh
    arguments (a configuration snippet). Yields (base URL, directory)."""
    server = server or ("apache" if os.environ.get("HL_WEB_SERVER") == "apache" else "lighttpd")
    d = os.path.join(TMP, name)
    shutil.rmtree(d, ignore_errors=True)
    os.mkdir(d)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    lib_sh("hl_%s_start" % server, d, str(port), config, FCGI, *extra)
    try:
        yield "http://127.0.0.1:%d" % port, d
    finally:
        lib_sh("hl_%s_stop" % server, d)


def no_sanitizer_report(argv, stderr):
    """Fails when a program's standard error holds a sanitizer report: one
    is never expected, whatever the program's exit status."""
    m = SANITIZER_REPORT.search(stderr or "")
    if m:
        raise AssertionError("sanitizer report from %s:\n%s"
                             % (" ".join(argv), stderr[max(0, m.start() - 200):m.start() + 3000]))


class _Program(subprocess.Popen):
    """A Popen whose communicate() checks standard error for sanitizer
    reports."""

    def communicate(self, *args, **kwargs):
        out, err = super().communicate(*args, **kwargs)
        no_sanitizer_report(self.args, err)
        return out, err


def run_program(argv, input=None, env=None, timeout=30):
    """One of our programs (or test helpers) with bytes in and out, standard
    input closed unless input is given; fails on a sanitizer report, not on
    the exit status (the caller checks that)."""
    proc = subprocess.run(argv, input=input, env=env, capture_output=True, timeout=timeout,
                          stdin=None if input is not None else subprocess.DEVNULL)
    no_sanitizer_report(argv, proc.stderr.decode(errors="replace"))
    return proc


def _run(argv, input=None, check=True, timeout=120):
    proc = subprocess.run(argv, input=input, capture_output=True, text=True, timeout=timeout)
    no_sanitizer_report(argv, proc.stderr)
    if check and proc.returncode != 0:
        raise AssertionError("%s exited %d\nstdout: %s\nstderr: %s"
                             % (" ".join(argv), proc.returncode, proc.stdout, proc.stderr))
    return proc


def sql(query):
    """Runs one statement on the test database as root (for state the API
    does not show, or that would take hours to reach). Returns the rows."""
    out = subprocess.run(["mariadb", "--no-defaults", "--socket", os.environ["HL_DB_SOCKET"],
                          "-uroot", "-N", "-B", "hookline", "-e", query],
                         capture_output=True, text=True, check=True, timeout=30)
    return [line.split("\t") for line in out.stdout.splitlines()]


CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"


def time_id(prefix, ms):
    """An id as hl_id_new makes it at unix time ms: 48-bit ms, then 80
    random bits, in Crockford's base32 (ids sort by the time they were
    made; retention and rollups rely on it)."""
    value = int(ms) << 80 | int.from_bytes(secrets.token_bytes(10), "big")
    chars = [CROCKFORD[(value >> (5 * i)) & 31] for i in range(26)]
    return prefix + "_" + "".join(reversed(chars))


def load_rows(table, columns, rows):
    """Bulk-insert rows (tuples; None for NULL) into table with LOAD DATA:
    for tests that need more rows than statements could carry."""
    path = os.path.join(TMP, "rows-%s.tsv" % secrets.token_hex(4))
    with open(path, "w") as f:
        for row in rows:
            f.write("\t".join("\\N" if v is None else str(v) for v in row) + "\n")
    try:
        subprocess.run(["mariadb", "--no-defaults", "--local-infile=1", "--socket",
                        os.environ["HL_DB_SOCKET"], "-uroot", "hookline", "-e",
                        "LOAD DATA LOCAL INFILE '%s' INTO TABLE %s (%s)"
                        % (path, table, ", ".join(columns))],
                       capture_output=True, text=True, check=True, timeout=120)
    finally:
        os.unlink(path)


def run_runner(*args, check=True, timeout=120, config=None):
    """hookline-runner --config CONFIG ARGS (default HL_CONFIG); returns the
    CompletedProcess."""
    return _run([RUNNER, "--config", config or CONFIG] + list(args), check=check, timeout=timeout)


def start_runner(*args, config=None):
    """hookline-runner --config CONFIG ARGS in the background, its output
    piped (read it with communicate()). Returns the Popen."""
    return _Program([RUNNER, "--config", config or CONFIG] + list(args),
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def ctl_publish(slug, event_type, payload):
    """hooklinectl publish: the core publish path, without the API's per-key
    rate limit of the test configuration. Returns its answer as a dict."""
    return json.loads(ctl("publish", "--account", slug, event_type, json.dumps(payload)).stdout)


def write_config(**keys):
    """A copy of HL_CONFIG with keys replaced ("Delivery.LeaseSeconds": 5 is
    passed as Delivery_LeaseSeconds=5); a value of None drops the key.
    Returns the new file's path (in HL_TMP)."""
    wanted = {k.replace("_", "."): v for k, v in keys.items()}
    out = []
    with open(CONFIG) as f:
        for line in f:
            name = line.split("=", 1)[0].strip()
            if name in wanted:
                continue
            out.append(line)
    for k, v in wanted.items():
        if v is not None:
            out.append("%s = %s\n" % (k, v))
    path = os.path.join(TMP, "hookline-%s.hdf" % secrets.token_hex(4))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.writelines(out)
    return path


def ctl(*args, input=None, check=True, timeout=120):
    """hooklinectl --config HL_CONFIG ARGS; returns the CompletedProcess."""
    return _run([CTL, "--config", CONFIG] + list(args), input=input, check=check, timeout=timeout)


def wait_for(predicate, timeout=10, interval=0.1, message=None):
    """Calls predicate until it returns something truthy; returns that value."""
    deadline = time.time() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.time() >= deadline:
            raise AssertionError(message or "condition not met within %s s" % timeout)
        time.sleep(interval)


def unique(prefix="t"):
    return "%s-%s" % (prefix, secrets.token_hex(4))


def new_account(prefix="t", scopes="read,write,admin"):
    """A fresh account (isolated from the other tests) and an API key for it.
    Returns (slug, key)."""
    slug = unique(prefix)
    ctl("account", "create", slug, "Test " + slug)
    key = ctl("key", "create", slug, "--scopes", scopes, "--name", "test").stdout.strip()
    assert key.startswith("hl_"), "key create printed %r" % key
    return slug, key


FCGI = os.environ.get("HL_FCGI", "")


def cgi_environment(method, uri, body=None, headers=None, content_type="application/json",
                    addr="127.0.0.1", env=None):
    """(CGI variables, request body bytes) for running hookline.fcgi as a
    CGI program: see cgi()."""
    extra, env = env, {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "REQUEST_METHOD": method,
                       "REQUEST_URI": uri, "QUERY_STRING": uri.partition("?")[2],
                       "REMOTE_ADDR": addr, "GATEWAY_INTERFACE": "CGI/1.1",
                       "SERVER_PROTOCOL": "HTTP/1.1"}
    env.update(extra or {})
    for k, v in (headers or {}).items():
        env["HTTP_" + k.upper().replace("-", "_")] = v
    data = b""
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        env["CONTENT_TYPE"] = content_type
        env["CONTENT_LENGTH"] = str(len(data))
    return env, data


def cgi(method, uri, body=None, headers=None, content_type="application/json", addr="127.0.0.1",
        config=None, env=None):
    """One request answered by hookline.fcgi run as a plain CGI program (no
    web server in between): for another configuration or another client
    address than the stack's. headers: request headers by name
    ({"Authorization": "Basic ..."}); body: bytes, or an object sent as
    JSON. Returns a Response (headers with lower-case names; repeated ones
    joined with "\\n"). env: more CGI variables ({"HTTPS": "on"})."""
    env, data = cgi_environment(method, uri, body, headers, content_type, addr, env)
    proc = run_program([FCGI, "--config", config or CONFIG], input=data, env=env)
    head, _, payload = proc.stdout.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    rhdrs = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        k, v = k.strip().lower(), v.strip()
        rhdrs[k] = rhdrs[k] + "\n" + v if k in rhdrs else v
    parsed = payload.decode("utf-8", "replace")
    if "json" in rhdrs.get("content-type", ""):
        try:
            parsed = json.loads(payload)
        except ValueError:
            pass
    return Response(status, rhdrs, parsed, payload)
