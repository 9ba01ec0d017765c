"""Shared helpers for the end-to-end suites: run a real ssooidc-server and talk to it.

The server binary comes from the SSOOIDC_SERVER environment variable (CTest passes the built
target); when it is unset the harness falls back to <repo>/build/bin/ssooidc-server. A missing or
non-executable binary is an error, never a skip.

Every server is started on 127.0.0.1:0 with its own SQLite file in a temporary directory, and the
harness reads the bound URL from the first line of its standard output. Standard error (the
access log) goes to a file beside the database so that a busy server never blocks on a full pipe;
its tail is attached to failures.
"""

import http.client
import json
import os
import re
import selectors
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.parse

ERROR_TYPE_SUFFIX = ":http://internal.amazon.com/coral/com.amazonaws.sso.oidc/"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
REFRESH_GRANT = "refresh_token"
# RFC 8628 section 6.1 base-20 alphabet, displayed as XXXX-XXXX.
USER_CODE_RE = re.compile(r"[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}")
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
URL_LINE_RE = re.compile(r"https?://127\.0\.0\.1:([0-9]{1,5})")  # https: serve --tls-cert

# How long a server may take to print its URL line. Behind the replicas stand-in
# (tests/replicas/replicated_server.py) a start is three replicas migrating one PostgreSQL schema
# and an nginx, which under ASan with four suites at once took more than 30 s.
START_TIMEOUT = 120.0 if os.environ.get("SSOOIDC_E2E_BACKEND") == "replicated-postgres" else 30.0
# How long a graceful stop may take: behind the replicas stand-in, three replicas and an nginx,
# which under CI's load took more than 20 s (session 10).
STOP_TIMEOUT = 90.0 if os.environ.get("SSOOIDC_E2E_BACKEND") == "replicated-postgres" else 20.0

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def server_binary():
    """Path of the ssooidc-server under test; raises if it is not there."""
    path = os.environ.get("SSOOIDC_SERVER") or os.path.join(
        REPO_ROOT, "build", "bin", "ssooidc-server")
    if not os.path.isfile(path) or not os.access(path, os.X_OK):
        raise RuntimeError(
            f"ssooidc-server not found at {path!r}; build it and set SSOOIDC_SERVER")
    return path


def clean_environment(extra=None):
    """The environment for child processes: no SSOOIDC_* or AWS_* settings leak in."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("SSOOIDC_") and not k.startswith("AWS_")}
    env.update(extra or {})
    return env


def isolate_aws_environment(directory):
    """Points botocore at empty config files and dummy credentials in `directory`.

    The three public operations are unsigned by the model, but CreateTokenWithIAM is SigV4 signed
    and botocore must never go looking for real credentials (instance metadata, ~/.aws).
    """
    for key in [k for k in os.environ if k.startswith("AWS_")]:
        del os.environ[key]
    config = os.path.join(directory, "aws-config")
    credentials = os.path.join(directory, "aws-credentials")
    for path in (config, credentials):
        with open(path, "w", encoding="utf-8"):
            pass
    os.environ.update({
        "AWS_CONFIG_FILE": config,
        "AWS_SHARED_CREDENTIALS_FILE": credentials,
        "AWS_ACCESS_KEY_ID": "AKIDEXAMPLEE2E00000",
        "AWS_SECRET_ACCESS_KEY": "e2e/dummy/secret/access/key/not/real/0000",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
    })


class TempDir:
    """A temporary directory removed at close unless SSOOIDC_E2E_KEEP is set."""

    def __init__(self, prefix):
        self.path = tempfile.mkdtemp(prefix=prefix)

    def join(self, *parts):
        return os.path.join(self.path, *parts)

    def close(self):
        if os.environ.get("SSOOIDC_E2E_KEEP"):
            print(f"kept {self.path}")
            return
        shutil.rmtree(self.path, ignore_errors=True)


class Server:
    """One ssooidc-server process on a SQLite file.

    `start()` may be called again after `stop()` or `kill()`: the new process reuses the database.
    """

    def __init__(self, directory, *args, public_url=None, name="server", database=None,
                 env=None):
        self.binary = server_binary()
        self.env = env  # extra environment variables of the server process
        self.directory = directory
        self.database = database or "sqlite:" + os.path.join(directory, f"{name}.db")
        self.args = list(args)
        self.public_url = public_url
        self.name = name
        self.proc = None
        self.url = None
        self.port = None
        self.stdout_lines = []
        self._stdout_lock = threading.Lock()
        self._starts = 0

    # -- process control ---------------------------------------------------------------------

    def command(self):
        cmd = [self.binary, "serve", "--listen", "127.0.0.1:0", "--database", self.database]
        if self.public_url:
            cmd += ["--public-url", self.public_url]
        return cmd + self.args

    def start(self, timeout=START_TIMEOUT):
        self._starts += 1
        self.log_path = os.path.join(self.directory, f"{self.name}.{self._starts}.stderr")
        log = open(self.log_path, "wb")
        try:
            self.proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL,
                                         stdout=subprocess.PIPE, stderr=log,
                                         env=clean_environment(self.env))
        finally:
            log.close()
        with self._stdout_lock:
            self.stdout_lines = []
        first = self._read_first_line(timeout)
        match = URL_LINE_RE.fullmatch(first)
        if not match:
            self.kill()
            raise AssertionError(
                f"first stdout line of {self.name} is {first!r}, expected http://127.0.0.1:PORT"
                + self.log_tail())
        self.port = int(match.group(1))
        if not 0 < self.port < 65536:
            raise AssertionError(f"bad port in {first!r}")
        self.url = first
        return self.url

    def _read_first_line(self, timeout):
        fd = self.proc.stdout.fileno()
        buffer = b""
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            while b"\n" not in buffer:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self.kill()
                    raise AssertionError(
                        f"{self.name} printed no URL line within {timeout}s" + self.log_tail())
                if not sel.select(remaining):
                    continue
                chunk = os.read(fd, 4096)
                if not chunk:
                    code = self.proc.wait(timeout=10)
                    raise AssertionError(
                        f"{self.name} exited with {code} before printing its URL; stdout so far "
                        f"{buffer!r}" + self.log_tail())
                buffer += chunk
        first, _, rest = buffer.partition(b"\n")
        with self._stdout_lock:
            self.stdout_lines.append(first.decode())
        threading.Thread(target=self._drain_stdout, args=(fd, rest), daemon=True).start()
        return first.decode()

    def _drain_stdout(self, fd, pending):
        while True:
            while b"\n" in pending:
                line, _, pending = pending.partition(b"\n")
                with self._stdout_lock:
                    self.stdout_lines.append(line.decode(errors="replace"))
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                return
            if not chunk:
                return
            pending += chunk

    def wait_for_stdout_lines(self, count, timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._stdout_lock:
                if len(self.stdout_lines) >= count:
                    return list(self.stdout_lines)
            time.sleep(0.02)
        with self._stdout_lock:
            return list(self.stdout_lines)

    def stop(self, timeout=STOP_TIMEOUT):
        """SIGTERM and wait: a graceful stop must exit 0. Returns the exit code."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"{self.name} did not stop within {timeout}s of SIGTERM"
                                 + self.log_tail())
        self.proc.stdout.close()
        return code

    def kill(self):
        """SIGKILL: the process gets no chance to flush or clean up."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=20)
        if self.proc is not None and self.proc.stdout and not self.proc.stdout.closed:
            self.proc.stdout.close()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, lines=40):
        try:
            with open(self.log_path, "rb") as f:
                text = f.read().decode(errors="replace").splitlines()[-lines:]
        except (OSError, AttributeError):
            return ""
        return f"\n--- last stderr lines of {self.name} ---\n" + "\n".join(text)

    # -- operator commands -------------------------------------------------------------------

    def admin(self, *args, stdin=None, timeout=60):
        """Runs `ssooidc-server ARGS --database DB` and returns the CompletedProcess."""
        return subprocess.run([self.binary, *args, "--database", self.database],
                              input=stdin, capture_output=True, text=True, timeout=timeout,
                              env=clean_environment())

    def admin_ok(self, *args, stdin=None):
        done = self.admin(*args, stdin=stdin)
        if done.returncode != 0:
            raise AssertionError(
                f"ssooidc-server {' '.join(args)} exited {done.returncode}\n"
                f"stdout: {done.stdout}\nstderr: {done.stderr}")
        return done

    def approve(self, user_code, user="admin"):
        return self.admin_ok("device", "approve", user_code, "--user", user)

    def deny(self, user_code):
        return self.admin_ok("device", "deny", user_code)


# -- raw HTTP ----------------------------------------------------------------------------------

class Response:
    def __init__(self, status, reason, headers, body):
        self.status = status
        self.reason = reason
        self.header_list = headers           # [(name, value)] as sent
        self.body = body                     # bytes

    def header(self, name):
        """The single value of header `name` (case-insensitive); None if absent."""
        values = [v for k, v in self.header_list if k.lower() == name.lower()]
        if len(values) > 1:
            raise AssertionError(f"header {name} appears {len(values)} times: {values}")
        return values[0] if values else None

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"<{self.status} {self.header_list} {self.body[:300]!r}>"


def raw_request(url, method, path, body=b"", headers=None, connection=None, timeout=30):
    """Sends one request with http.client; returns a Response. `body` may be str, bytes or dict."""
    if isinstance(body, dict):
        body = json.dumps(body)
    if isinstance(body, str):
        body = body.encode()
    parsed = urllib.parse.urlsplit(url)
    conn = connection or http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=timeout)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        hdrs = dict(headers or {})
        if body or method in ("POST", "PUT"):
            hdrs.setdefault("Content-Length", str(len(body)))
        for k, v in hdrs.items():
            conn.putheader(k, v)
        conn.endheaders(body if body else None)
        resp = conn.getresponse()
        data = resp.read()
        return Response(resp.status, resp.reason, resp.getheaders(), data)
    finally:
        if connection is None:
            conn.close()


def post_json(url, path, body, content_type="application/json", extra_headers=None):
    headers = {}
    if content_type is not None:
        headers["Content-Type"] = content_type
    headers.update(extra_headers or {})
    return raw_request(url, "POST", path, body, headers)


def raw_exchange(url, request_bytes, timeout=30):
    """Writes `request_bytes` on a fresh socket and reads until the server closes or a complete
    response (by Content-Length) arrived. A reset while sending is tolerated: a server may answer
    an oversized request early and close. Returns (status, raw header text, body bytes)."""
    parsed = urllib.parse.urlsplit(url)
    sock = socket.create_connection((parsed.hostname, parsed.port), timeout=timeout)
    received = b""
    try:
        try:
            sock.sendall(request_bytes)
        except (BrokenPipeError, ConnectionResetError):
            pass
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            received += chunk
            head, sep, body = received.partition(b"\r\n\r\n")
            if sep:
                m = re.search(rb"(?im)^content-length:\s*(\d+)\s*$", head)
                if m and len(body) >= int(m.group(1)):
                    break
    finally:
        sock.close()
    head, _, body = received.partition(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0].decode(errors="replace")
    m = re.match(r"HTTP/1\.[01] (\d{3})", status_line)
    if not m:
        raise AssertionError(f"no HTTP response, got {received[:200]!r}")
    return int(m.group(1)), head.decode(errors="replace"), body


def compact_sorted_json(value):
    """The service's JSON style: compact separators, keys in alphabetical order."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


# -- boto3 --------------------------------------------------------------------------------------

def oidc_client(url, validate=True):
    """A boto3 sso-oidc client on `url` that never retries, so every error surfaces."""
    import boto3
    from botocore.config import Config
    return boto3.session.Session().client(
        "sso-oidc", region_name="us-east-1", endpoint_url=url,
        config=Config(retries={"mode": "standard", "total_max_attempts": 1},
                      parameter_validation=validate, connect_timeout=10, read_timeout=60))


# -- PostgreSQL (issue 12) ---------------------------------------------------------------------

def postgres_test_url():
    """The test PostgreSQL's URL (scripts/test.sh starts one); its absence fails the test."""
    url = os.environ.get("SSOOIDC_TEST_POSTGRES_URL")
    if not url:
        raise AssertionError("SSOOIDC_TEST_POSTGRES_URL is not set: run the tests with "
                             "scripts/test.sh, which starts a throw-away PostgreSQL "
                             "(scripts/postgres-cluster.sh)")
    return url


def psql(url, sql):
    """Runs `sql` (test set-up, no values) with psql; raises with psql's message on failure."""
    done = subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql],
                          capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise AssertionError(f"psql failed ({done.returncode}): {done.stderr.strip()}")
    return done.stdout


class PostgresSchema:
    """A fresh schema on the test PostgreSQL; `url` points search_path at it. Dropped on close()."""

    def __init__(self, prefix="e2e"):
        self.base = postgres_test_url()
        self.name = f"ssooidc_{prefix}_{os.getpid()}_{int(time.monotonic() * 1000) % 10**9}"
        psql(self.base, f"DROP SCHEMA IF EXISTS {self.name} CASCADE; CREATE SCHEMA {self.name}")
        separator = "&" if "?" in self.base else "?"
        self.url = f"{self.base}{separator}options=-csearch_path%3D{self.name}"

    def close(self):
        try:
            psql(self.base, f"DROP SCHEMA IF EXISTS {self.name} CASCADE")
        except AssertionError:
            pass  # the server is gone with the cluster


def postgres_cluster(action):
    """Restarts, halts or resumes the test cluster (scripts/postgres-cluster.sh); tests that do so
    run alone (CTest RUN_SERIAL)."""
    ctl = os.environ.get("SSOOIDC_TEST_POSTGRES_CTL")
    cluster = os.environ.get("SSOOIDC_TEST_POSTGRES_CLUSTER")
    if not ctl or not cluster:
        raise AssertionError("SSOOIDC_TEST_POSTGRES_CTL / _CLUSTER are not set (scripts/test.sh)")
    done = subprocess.run(["bash", ctl, action, cluster], capture_output=True, text=True,
                          timeout=120)
    if done.returncode != 0:
        raise AssertionError(f"postgres-cluster.sh {action} failed: {done.stderr}")


# -- what a server stored, whatever the backend ---------------------------------------------------

def replicated_backend():
    """True when SSOOIDC_SERVER is the replicated stand-in (tests/replicas/replicated_server.py,
    CTest replicas.suite.*): the suites' sqlite:PATH databases then live in a PostgreSQL schema
    and PATH is never created."""
    return os.environ.get("SSOOIDC_E2E_BACKEND") == "replicated-postgres"


def sqlite_file(database):
    """The file a `sqlite:PATH` database is stored in, or None when the backend under test keeps
    it elsewhere (replicated_backend): file-level checks (modes) apply to the file only."""
    if replicated_backend() or not database.startswith("sqlite:"):
        return None
    return database[len("sqlite:"):]


def stored_rows(database, sql):
    """The rows of `sql` (a plain SELECT of text columns) in `database`, from the SQLite file or,
    under the replicated stand-in, from its PostgreSQL schema (`--query`)."""
    path = sqlite_file(database)
    if path is not None:
        import sqlite3
        with sqlite3.connect(path) as db:
            return [tuple(str(v) for v in row) for row in db.execute(sql)]
    done = subprocess.run([server_binary(), "--query", database, sql], capture_output=True,
                          text=True, timeout=60, env=clean_environment())
    if done.returncode != 0:
        raise AssertionError(f"--query {sql!r} failed: {done.stderr.strip()}")
    return [tuple(line.split("|")) for line in done.stdout.splitlines()]
