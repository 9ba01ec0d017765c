"""Helpers for the operations suites (issue 13): config file, logs, test mode, packages.

Built on tests/e2e/ssooidc_harness.py: real ssooidc-server processes on 127.0.0.1:0 with their
own SQLite files. OpsServer adds an environment of the test's choosing and the test mode's admin
token, read from the server's standard output.
"""

import os
import subprocess
import sys
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))

import ssooidc_harness as harness  # noqa: E402

WORLD = """
[[users]]
name = "ci"
password = "ci password never logged 0001"
"""
CI_PASSWORD = "ci password never logged 0001"
START_URL = "https://d-0000000000.awsapps.com/start"
TOKEN_PREFIX = "Test-mode admin token: "


def write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


class OpsServer(harness.Server):
    """harness.Server with `env` added to the child's (clean) environment."""

    def __init__(self, directory, *args, env=None, **kwargs):
        super().__init__(directory, *args, **kwargs)
        self.env = env or {}

    def start(self, timeout=30.0):
        self._starts += 1
        self.log_path = os.path.join(self.directory, f"{self.name}.{self._starts}.stderr")
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL,
                                         stdout=subprocess.PIPE, stderr=log,
                                         env=harness.clean_environment(self.env))
        with self._stdout_lock:
            self.stdout_lines = []
        first = self._read_first_line(timeout)
        match = harness.URL_LINE_RE.fullmatch(first)
        if not match:
            self.kill()
            raise AssertionError(f"first stdout line {first!r}" + self.log_tail())
        self.port = int(match.group(1))
        self.url = first
        return self.url

    def admin_token(self, timeout=10.0):
        """The test-mode admin token the server printed."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.wait_for_stdout_lines(1, timeout=0.2):
                if line.startswith(TOKEN_PREFIX):
                    return line[len(TOKEN_PREFIX):]
            time.sleep(0.05)
        raise AssertionError("no admin token line on stdout: %r" % self.stdout_lines)

    def log_text(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()


def test_mode_server(directory, *args, name="server", env=None):
    """A started test-mode server with the user `ci` (world file) and no bootstrap user."""
    world = write(os.path.join(directory, f"{name}-world.toml"), WORLD)
    server = OpsServer(directory, "--test-mode", "--world", world, "--no-bootstrap-user", *args,
                       name=name, env=env)
    server.start()
    return server


def admin_call(server, action, bearer, **params):
    """POST /ssooidc-test/ACTION with form parameters; returns the harness Response."""
    body = urllib.parse.urlencode(params)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if bearer is not None:
        headers["Authorization"] = "Bearer " + bearer
    return harness.raw_request(server.url, "POST", "/ssooidc-test/" + action, body=body,
                               headers=headers)


def run_server_command(*args, env=None, timeout=30):
    """`ssooidc-server ARGS` to completion: a CompletedProcess (text)."""
    return subprocess.run([harness.server_binary(), *args], capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL,
                          env=harness.clean_environment(env))
