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


class LoginProcess:
    """`ssooidc login ...` running in the background; its stdout is collected line by line."""

    def __init__(self, home, *args, env=None):
        self.proc = subprocess.Popen([cli_binary(), "login", *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=env or home.env())
        self.lines = []
        self._lock = threading.Lock()
        self._collector = threading.Thread(target=self._collect, daemon=True)
        self._collector.start()

    def _collect(self):
        for line in self.proc.stdout:
            with self._lock:
                self.lines.append(line.rstrip("\n"))

    def output(self):
        with self._lock:
            return "\n".join(self.lines)

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
        raise AssertionError("no user code printed; output so far:\n" + self.output() +
                             "\nstderr:\n" + self.proc.stderr.read())

    def finish(self, timeout=60):
        code = self.proc.wait(timeout=timeout)
        stderr = self.proc.stderr.read()
        self._collector.join(timeout=10)
        self.proc.stdout.close()
        self.proc.stderr.close()
        return code, self.output(), stderr


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
