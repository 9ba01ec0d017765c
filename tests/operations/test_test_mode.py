"""The CI test mode (serve --test-mode): refusals, auto-approval (device and PKCE with curl),
the scripted admin API through boto3, short TTLs, and that none of it exists without the flag.

Real server processes on 127.0.0.1:0, boto3 as the client, curl as the PKCE "browser".
"""

import base64
import hashlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import unittest
import urllib.parse

from ops_support import (CI_PASSWORD, START_URL, OpsServer, admin_call, harness,
                         run_server_command, test_mode_server)

DEVICE_GRANT = harness.DEVICE_GRANT
ACTIONS = ["approve", "deny", "fail-polls", "expire", "reset"]


def register(client, **extra):
    return client.register_client(clientName="ci-tool", clientType="public",
                                  scopes=["sso:account:access"], **extra)


def start(client, reg):
    return client.start_device_authorization(clientId=reg["clientId"],
                                             clientSecret=reg["clientSecret"], startUrl=START_URL)


def poll(client, reg, dev):
    return client.create_token(clientId=reg["clientId"], clientSecret=reg["clientSecret"],
                               grantType=DEVICE_GRANT, deviceCode=dev["deviceCode"])


def error_code(call):
    """The modeled error code a boto3 call raises (AssertionError when it succeeds)."""
    import botocore.exceptions
    try:
        call()
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"]
    raise AssertionError("the call succeeded")


class Base(unittest.TestCase):
    def setUp(self):
        self.tmp = harness.TempDir("ssooidc-testmode-")
        self.addCleanup(self.tmp.close)
        harness.isolate_aws_environment(self.tmp.path)
        self.servers = []

    def tearDown(self):
        for s in self.servers:
            s.stop()

    def serve(self, *args, name="server"):
        server = test_mode_server(self.tmp.path, *args, name=name)
        self.servers.append(server)
        return server


class RefusalTests(Base):
    def refused(self, *args):
        done = run_server_command("serve", "--database", "memory:", "--no-bootstrap-user", *args)
        self.assertEqual(done.returncode, 1, done)
        return done.stderr

    def test_test_mode_refused_on_a_non_loopback_address(self):
        err = self.refused("--listen", "0.0.0.0:0", "--test-mode")
        self.assertIn("--test-mode on 0.0.0.0:0, which is not a loopback address", err)
        err = self.refused("--listen", "[::]:0", "--test-mode")
        self.assertIn("not a loopback address", err)

    def test_allow_remote_lets_it_start_elsewhere(self):
        proc = subprocess.Popen(
            [harness.server_binary(), "serve", "--database", "memory:", "--no-bootstrap-user",
             "--listen", "0.0.0.0:0", "--test-mode", "--test-mode-allow-remote"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
            env=harness.clean_environment(), text=True)
        try:
            first = proc.stdout.readline()
            self.assertRegex(first, r"^http://0\.0\.0\.0:[0-9]+\n$")
        finally:
            proc.terminate()
            _, err = proc.communicate(timeout=20)
        self.assertIn("TEST MODE", err)

    def test_test_flags_refused_without_test_mode(self):
        cases = {
            ("--auto-approve", "ci"): "--auto-approve needs --test-mode",
            ("--test-mode-allow-remote",): "--test-mode-allow-remote needs --test-mode",
            ("--test-admin-token", "x" * 32): "--test-admin-token needs --test-mode",
            ("--device-code-ttl", "2"): "--device-code-ttl 2 is below its production minimum of 10",
            ("--registration-ttl", "5"): "--registration-ttl 5 is below its production minimum of 60",
            ("--session-ttl", "60"): "--session-ttl 60 is below its production minimum of 900",
            ("--access-token-ttl", "10"):
                "--access-token-ttl 10 is below its production minimum of 300",
        }
        for args, message in cases.items():
            with self.subTest(args=args):
                self.assertIn(message, self.refused("--listen", "127.0.0.1:0", *args))

    def test_auto_approve_user_must_exist(self):
        err = self.refused("--listen", "127.0.0.1:0", "--test-mode", "--auto-approve", "nobody")
        self.assertIn("--auto-approve: there is no enabled user 'nobody'", err)


class ProductionServerTests(Base):
    """Without --test-mode: no admin API (404 like any unknown path), no banner, no auto-approval."""

    def test_admin_api_is_not_there(self):
        server = OpsServer(self.tmp.path, "--no-bootstrap-user")
        server.start()
        self.servers.append(server)
        for action in ACTIONS + ["nothing"]:
            for token in (None, "anything-at-all-0000"):
                with self.subTest(action=action, token=token):
                    resp = admin_call(server, action, token, user_code="BCDF-GHJK")
                    self.assertEqual(resp.status, 404, resp)
                    self.assertEqual(resp.header("x-amzn-ErrorType"),
                                     "UnknownOperationException" + harness.ERROR_TYPE_SUFFIX)
        page = harness.raw_request(server.url, "GET", "/device")
        self.assertEqual(page.status, 200)
        self.assertNotIn(b"TEST MODE", page.body)
        client = harness.oidc_client(server.url)
        reg = register(client)
        dev = start(client, reg)
        self.assertEqual(error_code(lambda: poll(client, reg, dev)),
                         "AuthorizationPendingException")


class AutoApproveTests(Base):
    def test_device_authorization_is_approved_at_once(self):
        server = self.serve("--auto-approve", "ci")
        client = harness.oidc_client(server.url)
        reg = register(client)
        dev = start(client, reg)
        token = poll(client, reg, dev)  # the first poll already gets the tokens
        self.assertTrue(token["accessToken"].startswith("aoa"))
        self.assertIn("refreshToken", token)
        # The access token is the user's: the portal accepts it (ci has no accounts).
        resp = harness.raw_request(server.url, "GET", "/assignment/accounts",
                                   headers={"x-amz-sso_bearer_token": token["accessToken"]})
        self.assertEqual(resp.status, 200, resp)
        self.assertEqual(resp.json()["accountList"], [])

    def test_pkce_login_whose_browser_is_curl(self):
        curl = shutil.which("curl")
        self.assertIsNotNone(curl, "curl is needed (scripts/install-deps.sh installs it)")
        server = self.serve("--auto-approve", "ci")
        client = harness.oidc_client(server.url)
        redirect = "http://127.0.0.1:49152/oauth/callback"
        reg = client.register_client(clientName="pkce-ci", clientType="public",
                                     scopes=["sso:account:access", "openid"],
                                     grantTypes=["authorization_code", "refresh_token"],
                                     redirectUris=[redirect], issuerUrl=START_URL)
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(
            hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        state = secrets.token_urlsafe(16)
        query = urllib.parse.urlencode({
            "response_type": "code", "client_id": reg["clientId"], "redirect_uri": redirect,
            "state": state, "code_challenge": challenge, "code_challenge_method": "S256",
            "scopes": "sso:account:access openid"})
        done = subprocess.run([curl, "-s", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}",
                               server.url + "/authorize?" + query],
                              capture_output=True, text=True, timeout=30, check=True)
        status, location = done.stdout.split(" ", 1)
        self.assertEqual(status, "302", done.stdout)
        self.assertTrue(location.startswith(redirect + "?"), location)
        back = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))
        self.assertEqual(back["state"], state)
        token = client.create_token(clientId=reg["clientId"], clientSecret=reg["clientSecret"],
                                    grantType="authorization_code", code=back["code"],
                                    redirectUri=redirect, codeVerifier=verifier)
        self.assertIn("refreshToken", token)
        claims = json.loads(base64.urlsafe_b64decode(token["idToken"].split(".")[1] + "=="))
        self.assertEqual(claims["sub"], "ci")

    def test_every_page_says_test_mode(self):
        server = self.serve("--auto-approve", "ci")
        for path in ("/device", "/device/sign-in", "/portal"):
            with self.subTest(path=path):
                resp = harness.raw_request(server.url, "GET", path)
                self.assertIn(resp.status, (200, 303), resp)
                if resp.status == 200:
                    self.assertIn(b"TEST MODE", resp.body)
                    self.assertIn(b"every request is approved as ci", resp.body)
        self.assertIn("TEST MODE: not for production", server.log_text())


class AdminApiTests(Base):
    def setUp(self):
        super().setUp()
        self.server = self.serve("--poll-interval", "0")
        self.token = self.server.admin_token()
        self.client = harness.oidc_client(self.server.url)
        self.reg = register(self.client)

    def call(self, action, **params):
        return admin_call(self.server, action, self.token, **params)

    def test_token_is_required(self):
        for token in (None, "", "wrong-token-of-the-right-kind", self.token + "x", self.token[:-1]):
            with self.subTest(token=token):
                resp = admin_call(self.server, "reset", token)
                self.assertEqual(resp.status, 401, resp)
                self.assertEqual(resp.header("WWW-Authenticate"), "Bearer")
        resp = harness.raw_request(self.server.url, "GET", "/ssooidc-test/reset",
                                   headers={"Authorization": "Bearer " + self.token})
        self.assertEqual(resp.status, 405)
        self.assertEqual(self.call("frobnicate").status, 404)

    def test_given_token(self):
        server = self.serve("--test-admin-token", "a-token-chosen-by-the-ci-job",
                            name="given")
        self.assertFalse(any(l.startswith("Test-mode admin token")
                             for l in server.wait_for_stdout_lines(1)))
        self.assertEqual(admin_call(server, "reset", "a-token-chosen-by-the-ci-job").status, 200)
        self.assertEqual(admin_call(server, "reset", self.token).status, 401)

    def test_approve_and_deny(self):
        dev = start(self.client, self.reg)
        self.assertEqual(error_code(lambda: poll(self.client, self.reg, dev)),
                         "AuthorizationPendingException")
        resp = self.call("approve", user_code=dev["userCode"], user="ci")
        self.assertEqual(resp.status, 200, resp)
        self.assertEqual(resp.json(), {"ok": True, "user": "ci"})
        self.assertIn("accessToken", poll(self.client, self.reg, dev))
        # Decided already, unknown, malformed: each its own answer.
        self.assertEqual(self.call("approve", user_code=dev["userCode"], user="ci").status, 409)
        self.assertEqual(self.call("approve", user_code="BCDF-GHJK", user="ci").status, 404)
        self.assertEqual(self.call("deny", user_code="nonsense").status, 409)
        dev2 = start(self.client, self.reg)
        self.assertEqual(self.call("deny", user_code=dev2["userCode"]).status, 200)
        self.assertEqual(error_code(lambda: poll(self.client, self.reg, dev2)),
                         "AccessDeniedException")
        dev3 = start(self.client, self.reg)
        resp = self.call("approve", user_code=dev3["userCode"], user="nobody")
        self.assertEqual(resp.status, 409, resp)

    def test_forced_poll_errors(self):
        for shape in ("SlowDownException", "ExpiredTokenException", "InternalServerException",
                      "AccessDeniedException"):
            with self.subTest(error=shape):
                dev = start(self.client, self.reg)
                resp = self.call("fail-polls", error=shape, count="2", user_code=dev["userCode"])
                self.assertEqual(resp.status, 200, resp)
                for _ in range(2):
                    self.assertEqual(error_code(lambda: poll(self.client, self.reg, dev)), shape)
                self.assertEqual(error_code(lambda: poll(self.client, self.reg, dev)),
                                 "AuthorizationPendingException")
        # Without a user code: the next polls of any device code.
        self.assertEqual(self.call("fail-polls", error="SlowDownException", count="1").status, 200)
        dev = start(self.client, self.reg)
        self.assertEqual(error_code(lambda: poll(self.client, self.reg, dev)), "SlowDownException")
        self.assertEqual(error_code(lambda: poll(self.client, self.reg, dev)),
                         "AuthorizationPendingException")
        for bad in ({"error": "InvalidGrantException"}, {"error": "SlowDownException", "count": "x"},
                    {"error": "SlowDownException", "count": "1001"},
                    {"error": "SlowDownException", "user_code": "not-a-code"}):
            with self.subTest(bad=bad):
                self.assertEqual(self.call("fail-polls", **bad).status, 400)

    def test_expire_device_code(self):
        dev = start(self.client, self.reg)
        self.assertEqual(self.call("expire", user_code=dev["userCode"]).status, 200)
        self.assertEqual(error_code(lambda: poll(self.client, self.reg, dev)),
                         "ExpiredTokenException")
        self.assertEqual(self.call("approve", user_code=dev["userCode"], user="ci").status, 409)
        dev2 = start(self.client, self.reg)
        self.assertEqual(self.call("expire", device_code=dev2["deviceCode"]).status, 200)
        self.assertEqual(error_code(lambda: poll(self.client, self.reg, dev2)),
                         "ExpiredTokenException")
        self.assertEqual(self.call("expire", device_code="unknown").status, 404)
        self.assertEqual(self.call("expire").status, 400)

    def test_expire_registration(self):
        dev = start(self.client, self.reg)
        self.assertEqual(self.call("expire", client_id=self.reg["clientId"]).status, 200)
        self.assertEqual(error_code(lambda: poll(self.client, self.reg, dev)),
                         "InvalidClientException")
        self.assertEqual(error_code(lambda: start(self.client, self.reg)),
                         "InvalidClientException")

    def test_expire_tokens(self):
        dev = start(self.client, self.reg)
        self.call("approve", user_code=dev["userCode"], user="ci")
        token = poll(self.client, self.reg, dev)
        portal = lambda: harness.raw_request(  # noqa: E731
            self.server.url, "GET", "/assignment/accounts",
            headers={"x-amz-sso_bearer_token": token["accessToken"]})
        self.assertEqual(portal().status, 200)
        self.assertEqual(self.call("expire", token=token["accessToken"]).status, 200)
        self.assertEqual(portal().status, 401)
        self.assertEqual(self.call("expire", token=token["refreshToken"]).status, 200)
        self.assertEqual(error_code(lambda: self.client.create_token(
            clientId=self.reg["clientId"], clientSecret=self.reg["clientSecret"],
            grantType="refresh_token", refreshToken=token["refreshToken"])),
            "InvalidGrantException")

    def test_reset(self):
        dev = start(self.client, self.reg)
        self.call("fail-polls", error="SlowDownException", count="5")
        resp = self.call("reset")
        self.assertEqual(resp.status, 200, resp)
        self.assertGreaterEqual(resp.json()["removed"], 1)
        self.assertEqual(error_code(lambda: poll(self.client, self.reg, dev)),
                         "InvalidClientException")
        # The world (users) stays; new logins work and no forced error is left.
        reg = register(self.client)
        dev = start(self.client, reg)
        self.assertEqual(error_code(lambda: poll(self.client, reg, dev)),
                         "AuthorizationPendingException")
        self.assertEqual(self.call("approve", user_code=dev["userCode"], user="ci").status, 200)
        self.assertIn("accessToken", poll(self.client, reg, dev))


class FastClockTests(Base):
    def test_two_second_device_codes(self):
        server = self.serve("--device-code-ttl", "2", "--poll-interval", "0",
                            "--registration-ttl", "30", "--access-token-ttl", "5")
        client = harness.oidc_client(server.url)
        reg = register(client)
        self.assertLessEqual(reg["clientSecretExpiresAt"] - reg["clientIdIssuedAt"], 30)
        dev = start(client, reg)
        self.assertEqual(dev["expiresIn"], 2)
        # The code expires by the server's own clock: poll until it says so (bounded).
        deadline = time.monotonic() + 30
        code = "AuthorizationPendingException"
        while code == "AuthorizationPendingException" and time.monotonic() < deadline:
            time.sleep(0.25)
            code = error_code(lambda: poll(client, reg, dev))
        self.assertEqual(code, "ExpiredTokenException")
        token_server = self.serve("--auto-approve", "ci", "--access-token-ttl", "5",
                                  name="short-tokens")
        c2 = harness.oidc_client(token_server.url)
        r2 = register(c2)
        self.assertEqual(poll(c2, r2, start(c2, r2))["expiresIn"], 5)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]] + sys.argv[1:], verbosity=2)
