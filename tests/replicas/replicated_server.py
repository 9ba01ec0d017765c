#!/usr/bin/env python3
"""Stands in for ssooidc-server so that the end-to-end suites run, unchanged, against three
replicas behind nginx round-robin on one PostgreSQL (issue 12).

The suites take the server binary from SSOOIDC_SERVER; the replica runs of them (CTest
`replicas.suite.*`) point it at the script tests/replicas/CMakeLists.txt generates, which runs this
file. What the suite asks of "the server" then happens to the replicated topology:

  serve ... --database sqlite:PATH ...
      starts REPLICAS (3) real servers with the suite's own flags, all at once, on one PostgreSQL
      schema named after PATH, each on 127.0.0.1:0; puts nginx (tests/replicas/
      nginx-round-robin.conf.in: round-robin, no stickiness) in front on the suite's --listen
      address; and prints nginx's URL as the first line of standard output, as the server does.
      Every replica gets --public-url (nginx's URL unless the suite gave one, as a flag or in
      the environment, like the others here), --trusted-proxies
      127.0.0.1/32, and the key and bootstrap-password files beside PATH (the server's defaults
      for a SQLite file), so that all three seal and unseal the same signing keys. SIGTERM or
      SIGINT stops the replicas (SIGTERM, as a service manager would) and nginx; the exit status
      is the first non-zero one of the replicas, else 0.
  any other command (user add, device approve, ...) with --database sqlite:PATH
      runs the real server with the database replaced by the same PostgreSQL schema.
  --query sqlite:PATH SQL
      prints SQL's rows on PATH's schema (psql -At), for suites that check what was stored.

SSOOIDC_DATABASE=sqlite:PATH in the environment stands for --database sqlite:PATH, as it does for
the server.

The schema (ssooidc_rr_<hash of PATH>) is created when first used and left in place, so that a
suite that restarts its server on the same file finds its data; the test cluster that
scripts/test.sh starts is thrown away at the end of the run.

Configuration: the environment (SSOOIDC_TEST_POSTGRES_URL) or, since some suites strip SSOOIDC_*
from the environment of the server they start, the JSON file in REPLICATED_SERVER_CONFIG, which
the CTest fixture `replicas.suite.setup` writes: {"server": ..., "postgres_url": ...}.
REPLICATED_SERVER names the real binary. A missing PostgreSQL, nginx or server fails loudly.
"""

import ctypes
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPLICAS = int(os.environ.get("REPLICATED_SERVER_REPLICAS", "3"))
PR_SET_PDEATHSIG = 1


def fail(message):
    print(f"replicated_server: {message}", file=sys.stderr, flush=True)
    sys.exit(2)


def config():
    """(server binary, PostgreSQL base URL)."""
    settings = {}
    path = os.environ.get("REPLICATED_SERVER_CONFIG")
    if path:
        try:
            with open(path) as f:
                settings = json.load(f)
        except OSError as e:
            fail(f"cannot read {path} (the CTest fixture replicas.suite.setup writes it): {e}")
    server = os.environ.get("REPLICATED_SERVER") or settings.get("server")
    url = os.environ.get("SSOOIDC_TEST_POSTGRES_URL") or settings.get("postgres_url")
    if not server or not os.access(server, os.X_OK):
        fail(f"no server binary (REPLICATED_SERVER): {server!r}")
    if not url:
        fail("no PostgreSQL: SSOOIDC_TEST_POSTGRES_URL is not set (scripts/test.sh starts one)")
    return server, url


def die_with_parent():
    """Runs in each child before exec: SIGKILL when this wrapper dies, however it dies, so that a
    suite that kills its "server" leaves no replica or nginx behind."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def database_path(args):
    """The index of the value of --database in `args` and the SQLite path it names."""
    for i, arg in enumerate(args):
        if arg == "--database" and i + 1 < len(args):
            value, index = args[i + 1], i + 1
        elif arg.startswith("--database="):
            value, index = arg[len("--database="):], i
        else:
            continue
        for prefix in ("sqlite://", "sqlite:"):
            if value.startswith(prefix):
                return index, value[len(prefix):]
        fail(f"--database {value!r}: the replica runs map only sqlite:PATH onto PostgreSQL")
    fail("no --database sqlite:PATH: the replica runs need one to name the shared schema")


def schema_url(base, path):
    """The PostgreSQL URL of PATH's schema, creating the schema when it is missing."""
    name = "ssooidc_rr_" + hashlib.sha256(os.path.abspath(path).encode()).hexdigest()[:20]
    for attempt in range(3):
        done = subprocess.run(["psql", base, "-v", "ON_ERROR_STOP=1", "-qAt", "-c",
                               f"CREATE SCHEMA IF NOT EXISTS {name}"],
                              capture_output=True, text=True, timeout=60)
        if done.returncode == 0:
            break
        # Two processes creating the same schema at once: one gets a unique violation.
        if attempt == 2:
            fail(f"psql could not create schema {name}: {done.stderr.strip()}")
        time.sleep(0.1)
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options=-csearch_path%3D{name}"


def with_database(args, index, url):
    args = list(args)
    args[index] = url if args[index - 1] == "--database" else f"--database={url}"
    return args


def option(args, name):
    """The value of `--name V` / `--name=V` in args, or None."""
    for i, arg in enumerate(args):
        if arg == name and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith(name + "="):
            return arg[len(name) + 1:]
    return None


def setting(args, name):
    """The value of --name from args or, as the server reads it, from SSOOIDC_NAME."""
    value = option(args, name)
    if value is None:
        value = os.environ.get("SSOOIDC_" + name[2:].upper().replace("-", "_"))
    return value


def without_option(args, name):
    out, skip = [], False
    for arg in args:
        if skip:
            skip = False
        elif arg == name:
            skip = True
        elif not arg.startswith(name + "="):
            out.append(arg)
    return out


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(server, base, args):
    index, path = database_path(args)
    args = with_database(args, index, schema_url(base, path))
    listen = setting(args, "--listen") or "127.0.0.1:0"
    host, _, port = listen.rpartition(":")
    if host not in ("127.0.0.1", "localhost"):
        fail(f"--listen {listen}: the replica runs listen on 127.0.0.1 only")
    port = int(port) or free_port()
    url = f"http://127.0.0.1:{port}"
    args = without_option(args, "--listen")
    extra = ["--listen", "127.0.0.1:0"]
    if setting(args, "--public-url") is None:
        extra += ["--public-url", url]
    if setting(args, "--trusted-proxies") is None:
        extra += ["--trusted-proxies", "127.0.0.1/32"]
    if setting(args, "--key-file") is None and "SSOOIDC_KEY" not in os.environ:
        extra += ["--key-file", path + ".key"]
    if setting(args, "--bootstrap-password-file") is None:
        extra += ["--bootstrap-password-file", path + ".admin-password"]
    command = [server, args[0], *extra, *args[1:]]
    # REPLICATED_SERVER_LOG_DIR: each replica's standard error (with its access log) goes to a
    # file of its own there, for finding which replica answered what.
    log_dir = os.environ.get("REPLICATED_SERVER_LOG_DIR")
    if log_dir:
        command = without_option(command, "--access-log") + ["--access-log", "stderr"]

    replicas = []
    for i in range(REPLICAS):
        log = open(os.path.join(log_dir, f"replica{i}-{os.getpid()}.log"), "wb") if log_dir else None
        replicas.append(subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log,
                                         preexec_fn=die_with_parent))
    upstreams = []
    for replica in replicas:
        line = replica.stdout.readline().decode().strip()
        if not line.startswith("http://127.0.0.1:"):
            for r in replicas:
                r.kill()
            fail(f"a replica did not start (first line {line!r})")
        upstreams.append(f"    server {line[len('http://'):]};")

    nginx_binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(nginx_binary):
        fail("nginx not found (scripts/install-deps.sh installs it)")
    conf_dir = os.path.join(os.path.dirname(os.path.abspath(path)), f"nginx-{os.getpid()}")
    os.makedirs(conf_dir, exist_ok=True)
    with open(os.path.join(HERE, "nginx-round-robin.conf.in")) as f:
        conf = f.read()
    # One nginx process: a master's workers would outlive a wrapper killed with SIGKILL.
    conf = (conf.replace("master_process on;", "master_process off;")
            .replace("@DIR@", conf_dir).replace("@PORT@", str(port))
            .replace("@UPSTREAMS@", "\n".join(upstreams)))
    with open(os.path.join(conf_dir, "nginx.conf"), "w") as f:
        f.write(conf)
    nginx = subprocess.Popen([nginx_binary, "-p", conf_dir, "-e", os.path.join(conf_dir, "error.log"),
                              "-c", os.path.join(conf_dir, "nginx.conf")],
                             stdout=subprocess.DEVNULL, stderr=None, preexec_fn=die_with_parent)
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=5) as resp:
                if resp.status == 200:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline or nginx.poll() is not None:
            for p in (*replicas, nginx):
                p.kill()
            fail(f"nginx did not come up on {url}")
        time.sleep(0.05)

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    print(url, flush=True)
    # The rest of the replicas' standard output (bootstrap notes) goes where ours goes, after
    # the URL, which the suites read as the first line.
    for replica in replicas:
        threading.Thread(target=forward, args=(replica.stdout,), daemon=True).start()
    while not stop.wait(0.5):
        pass
    for replica in replicas:
        replica.send_signal(signal.SIGTERM)
    codes = [replica.wait(timeout=60) for replica in replicas]
    nginx.send_signal(signal.SIGQUIT)
    try:
        nginx.wait(timeout=20)
    except subprocess.TimeoutExpired:
        nginx.kill()
    shutil.rmtree(conf_dir, ignore_errors=True)
    return next((code for code in codes if code != 0), 0)


def forward(stream):
    for line in stream:
        sys.stdout.buffer.write(line)
        sys.stdout.flush()


def write_config(path):
    """The CTest fixture: records the real server and the test PostgreSQL for the stand-in."""
    server = os.environ.get("REPLICATED_SERVER")
    url = os.environ.get("SSOOIDC_TEST_POSTGRES_URL")
    if not url:
        fail("SSOOIDC_TEST_POSTGRES_URL is not set: run the tests with scripts/test.sh, which "
             "starts a throw-away PostgreSQL (scripts/postgres-cluster.sh)")
    if not server or not os.access(server, os.X_OK):
        fail(f"no server binary (REPLICATED_SERVER): {server!r}")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # the URL has a password
    with os.fdopen(fd, "w") as f:
        json.dump({"server": server, "postgres_url": url}, f)
    return 0


def query(base, path, sql):
    """`--query sqlite:PATH SQL`: the rows of SQL on PATH's schema, one a line, fields joined by
    '|' (psql -At), for the suites that look at what was stored (ssooidc_harness.stored_rows)."""
    _, path = database_path(["--database", path])
    done = subprocess.run(["psql", schema_url(base, path), "-v", "ON_ERROR_STOP=1", "-qAt",
                           "-c", sql], capture_output=True, text=True, timeout=60)
    sys.stdout.write(done.stdout)
    sys.stderr.write(done.stderr)
    return done.returncode


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--write-config":
        return write_config(sys.argv[2])
    server, base = config()
    args = sys.argv[1:]
    if len(args) == 3 and args[0] == "--query":
        return query(base, args[1], args[2])
    # The database named by the environment (SSOOIDC_DATABASE, as the server reads it) when no
    # --database is given: mapped like the flag.
    environment_database = os.environ.get("SSOOIDC_DATABASE")
    if (environment_database and args and args[0] not in ("-h", "--help", "--version")
            and option(args, "--database") is None):
        args = [*args, "--database", environment_database]
    if not args or args[0] in ("-h", "--help", "--version") or "--help" in args:
        return subprocess.call([server, *args])
    if args[0] == "serve":
        return serve(server, base, args)
    index, path = database_path(args)
    return subprocess.call([server, *with_database(args, index, schema_url(base, path))])


if __name__ == "__main__":
    sys.exit(main())
