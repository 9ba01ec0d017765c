"""Helpers for the `ssooidc` CLI suites: a throwaway HOME, running the CLI, and a full
`ssooidc login` whose approval is done through `ssooidc-server device approve`.

The server comes from tests/e2e/ssooidc_harness.py (SSOOIDC_SERVER); the CLI from SSOOIDC_CLI,
else <repo>/build/bin/ssooidc. A missing binary is an error, never a skip.
"""

import hashlib
import json
import os
import re
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))

import ssooidc_harness as harness  # noqa: E402  (shared server harness of the e2e suites)

START_URL = "https://d-0000000000.awsapps.com/start"
CACHE_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def cli_binary():
    path = os.environ.get("SSOOIDC_CLI") or os.path.join(harness.REPO_ROOT, "build", "bin",
                                                         "ssooidc")
    if not os.path.isfile(path) or not os.access(path, os.X_OK):
        raise RuntimeError(f"ssooidc CLI not found at {path!r}; build it and set SSOOIDC_CLI")
    return path


def sha1(text):
    return hashlib.sha1(text.encode()).hexdigest()


def registration_key(start_url, region, scopes, session_name):
    """botocore's registration cache key (reference 6.6)."""
    args = {"tool": "botocore", "startUrl": start_url, "region": region, "scopes": scopes,
            "session_name": session_name}
    return sha1(json.dumps(args, sort_keys=True))


class Home:
    """A private HOME with ~/.aws/config and no AWS_* variables from the outside."""

    def __init__(self, tmp, name="home"):
        self.path = tmp.join(name)
        os.makedirs(os.path.join(self.path, ".aws"), exist_ok=True)
        self.config = os.path.join(self.path, ".aws", "config")
        with open(self.config, "w", encoding="utf-8"):
            pass
        self.cache_dir = os.path.join(self.path, ".aws", "sso", "cache")

    def env(self, **extra):
        env = harness.clean_environment({
            "HOME": self.path,
            "AWS_CONFIG_FILE": self.config,
            "AWS_SHARED_CREDENTIALS_FILE": os.path.join(self.path, ".aws", "credentials"),
            "AWS_EC2_METADATA_DISABLED": "true",
        })
        env.pop("BROWSER", None)  # the login's browser is xdg-open from PATH unless a test says
        env.update(extra)
        return env

    def write_config(self, text):
        with open(self.config, "w", encoding="utf-8") as f:
            f.write(text)

    def cache_file(self, key):
        return os.path.join(self.cache_dir, key + ".json")

    def read_cache(self, key):
        with open(self.cache_file(key), encoding="utf-8") as f:
            return json.load(f)


def run_cli(home, *args, env=None, timeout=60):
    return subprocess.run([cli_binary(), *args], capture_output=True, text=True, timeout=timeout,
                          env=env or home.env())


class CliProcess:
    """An `ssooidc` command running in the background. The stream it prompts on (`watch`:
    "stdout", where `login` prints the user code, or "stderr", where `credentials` prompts so
    that stdout holds only its JSON) is collected line by line while it runs; the other is
    collected whole. Both are drained all along, so a full pipe never stalls the command."""

    def __init__(self, home, *args, env=None, watch="stdout"):
        self.proc = subprocess.Popen([cli_binary(), *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=env or home.env())
        self.watch = watch
        watched, other = ((self.proc.stdout, self.proc.stderr) if watch == "stdout"
                          else (self.proc.stderr, self.proc.stdout))
        self.lines = []
        self._other = []
        self._lock = threading.Lock()
        self._collectors = [threading.Thread(target=self._collect, args=(watched, self.lines),
                                             daemon=True),
                            threading.Thread(target=self._collect, args=(other, self._other),
                                             daemon=True)]
        for collector in self._collectors:
            collector.start()

    def _collect(self, stream, into):
        for line in stream:
            with self._lock:
                into.append(line.rstrip("\n"))

    def output(self):
        """The watched stream so far."""
        with self._lock:
            return "\n".join(self.lines)

    def _other_text(self):
        with self._lock:
            return "\n".join(self._other)

    def wait_for_user_code(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                for line in self.lines:
                    if harness.USER_CODE_RE.fullmatch(line.strip()):
                        return line.strip()
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        if self.proc.poll() is None:
            self.proc.kill()
        raise AssertionError(f"no user code on {self.watch}; so far:\n" + self.output() +
                             "\nthe other stream:\n" + self._other_text())

    def finish(self, timeout=60):
        """Waits for the exit; returns (exit code, stdout, stderr)."""
        code = self.proc.wait(timeout=timeout)
        for collector in self._collectors:
            collector.join(timeout=10)
        self.proc.stdout.close()
        self.proc.stderr.close()
        watched, other = self.output(), self._other_text()
        return (code, watched, other) if self.watch == "stdout" else (code, other, watched)


class LoginProcess(CliProcess):
    """`ssooidc login ...` running in the background; its stdout is collected line by line."""

    def __init__(self, home, *args, env=None):
        super().__init__(home, "login", *args, env=env)


def login(home, server, *args, user="admin"):
    """A complete device-flow login: starts it, approves the code it prints, waits for it. Returns
    the user code and stdout; fails unless it exits 0. (With an sso-session `ssooidc login` would
    use PKCE; tests/sso_login/ssooidc_pkce_login.test.mjs covers that with a browser.)"""
    proc = LoginProcess(home, "--no-browser", "--use-device-code", "--endpoint-url", server.url,
                        *args)
    code = proc.wait_for_user_code()
    server.approve(code, user=user)
    rc, out, err = proc.finish()
    if rc != 0:
        raise AssertionError(f"ssooidc login exited {rc}\nstdout:\n{out}\nstderr:\n{err}")
    return code, out


def age_token(home, key, seconds_left):
    """Rewrites a cached token so that it expires in `seconds_left` seconds (in the writer's own
    format otherwise untouched)."""
    path = home.cache_file(key)
    with open(path, encoding="utf-8") as f:
        token = json.load(f)
    token["expiresAt"] = time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                       time.gmtime(time.time() + seconds_left))
    with open(path, "w", encoding="utf-8") as f:
        json.dump(token, f)
    return token
