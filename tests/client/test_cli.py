#!/usr/bin/env python3
"""The `ssooidc` CLI against a real ssooidc-server: the four API commands (JSON on stdout,
errors on stderr with the AWS CLI's exit codes) and `login`, `token`, `sessions`, `logout` with
the approval done through `ssooidc-server device approve`. Every run uses a throwaway HOME.
"""

import json
import os
import stat
import time
import unittest

from cli_harness import (CACHE_DATE_RE, START_URL, Home, LoginProcess, age_token, harness, login,
                         registration_key, run_cli, sha1)

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


class CliTestCase(unittest.TestCase):
    server_args = ()

    @classmethod
    def setUpClass(cls):
        cls.tmp = harness.TempDir("ssooidc-cli-")
        cls.server = harness.Server(cls.tmp.path, *cls.server_args)
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.tmp.close()

    def setUp(self):
        self.home = Home(self.tmp, f"home-{self.id().rsplit('.', 1)[-1]}")

    def cli(self, *args, env=None):
        return run_cli(self.home, *args, "--region", "us-east-1", "--endpoint-url",
                       self.server.url, env=env)

    def cli_json(self, *args):
        done = self.cli(*args)
        self.assertEqual(done.returncode, 0, done.stderr)
        return json.loads(done.stdout)

    def assert_service_error(self, done, shape, operation):
        self.assertEqual(done.returncode, 254, done.stderr)
        self.assertEqual(done.stdout, "")
        self.assertIn(f"An error occurred ({shape}) when calling the {operation} operation: ",
                      done.stderr)


class ApiCommandTests(CliTestCase):
    def test_device_flow_through_the_api_commands(self):
        reg = self.cli_json("register-client", "--client-name", "cli", "--client-type", "public",
                            "--scopes", "sso:account:access")
        self.assertEqual(sorted(reg), ["clientId", "clientIdIssuedAt", "clientSecret",
                                       "clientSecretExpiresAt"])
        auth = self.cli_json("start-device-authorization", "--client-id", reg["clientId"],
                             "--client-secret", reg["clientSecret"], "--start-url", START_URL)
        self.assertRegex(auth["userCode"], harness.USER_CODE_RE)
        poll = ("create-token", "--client-id", reg["clientId"], "--client-secret",
                reg["clientSecret"], "--grant-type", DEVICE_GRANT, "--device-code",
                auth["deviceCode"])
        self.assert_service_error(self.cli(*poll), "AuthorizationPendingException", "CreateToken")

        self.server.approve(auth["userCode"])
        time.sleep(auth["interval"])
        token = self.cli_json(*poll)
        self.assertEqual(token["tokenType"], "Bearer")
        self.assertEqual(token["expiresIn"], 3600)
        refreshed = self.cli_json("create-token", "--client-id", reg["clientId"],
                                  "--client-secret", reg["clientSecret"], "--grant-type",
                                  "refresh_token", "--refresh-token", token["refreshToken"])
        self.assertNotEqual(refreshed["accessToken"], token["accessToken"])
        # Presented again at once, as a retry would be: the same answer (issue 11 item 8) ...
        retried = self.cli_json("create-token", "--client-id", reg["clientId"],
                                "--client-secret", reg["clientSecret"], "--grant-type",
                                "refresh_token", "--refresh-token", token["refreshToken"])
        self.assertEqual(retried["accessToken"], refreshed["accessToken"])
        # ... until the new refresh token is used; then the old one is reuse.
        self.cli_json("create-token", "--client-id", reg["clientId"], "--client-secret",
                      reg["clientSecret"], "--grant-type", "refresh_token",
                      "--refresh-token", refreshed["refreshToken"])
        reused = self.cli("create-token", "--client-id", reg["clientId"], "--client-secret",
                          reg["clientSecret"], "--grant-type", "refresh_token",
                          "--refresh-token", token["refreshToken"])
        self.assert_service_error(reused, "InvalidGrantException", "CreateToken")

    def test_output_is_indented_json(self):
        done = self.cli("register-client", "--client-name", "x", "--client-type", "public")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertTrue(done.stdout.startswith('{\n    "clientId": "'), done.stdout)

    def test_service_errors_per_operation(self):
        self.assert_service_error(
            self.cli("register-client", "--client-name", "x", "--client-type", "private"),
            "InvalidClientMetadataException", "RegisterClient")
        self.assert_service_error(
            self.cli("start-device-authorization", "--client-id", "nobody", "--client-secret",
                     "s", "--start-url", START_URL),
            "InvalidClientException", "StartDeviceAuthorization")
        reg = self.cli_json("register-client", "--client-name", "x", "--client-type", "public")
        self.assert_service_error(
            self.cli("create-token", "--client-id", reg["clientId"], "--client-secret",
                     reg["clientSecret"], "--grant-type", "password"),
            "UnsupportedGrantTypeException", "CreateToken")
        iam = self.cli("create-token-with-iam", "--client-id", "arn:aws:sso::1:application/a/b",
                       "--grant-type", "refresh_token", "--refresh-token", "r",
                       env=self.home.env(AWS_ACCESS_KEY_ID="AKIDEXAMPLE",
                                         AWS_SECRET_ACCESS_KEY="secret"))
        self.assert_service_error(iam, "InvalidClientException", "CreateTokenWithIAM")

    def test_usage_and_configuration_errors(self):
        missing = self.cli("create-token", "--client-id", "x")
        self.assertEqual(missing.returncode, 252)
        self.assertIn("--client-secret is required", missing.stderr)

        no_region = run_cli(self.home, "register-client", "--client-name", "x", "--client-type",
                            "public", "--endpoint-url", self.server.url)
        self.assertEqual(no_region.returncode, 255)
        self.assertIn("No region configured", no_region.stderr)

        no_creds = self.cli("create-token-with-iam", "--client-id", "a", "--grant-type", "r")
        self.assertEqual(no_creds.returncode, 255)
        self.assertIn("No AWS credentials to sign CreateTokenWithIAM", no_creds.stderr)

        refused = run_cli(self.home, "register-client", "--client-name", "x", "--client-type",
                          "public", "--region", "us-east-1", "--endpoint-url",
                          "http://127.0.0.1:1", "--max-retries", "0")
        self.assertEqual(refused.returncode, 255)
        self.assertIn("http://127.0.0.1:1/client/register", refused.stderr)

    def test_endpoint_from_environment_and_config_file(self):
        env = self.home.env(AWS_ENDPOINT_URL_SSO_OIDC=self.server.url, AWS_REGION="us-east-1")
        done = run_cli(self.home, "register-client", "--client-name", "x", "--client-type",
                       "public", env=env)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.home.write_config("[default]\nregion = us-east-1\nservices = local\n"
                               "[services local]\nsso_oidc =\n  endpoint_url = "
                               + self.server.url + "\n")
        done = run_cli(self.home, "register-client", "--client-name", "x", "--client-type",
                       "public")
        self.assertEqual(done.returncode, 0, done.stderr)


class LoginTests(CliTestCase):
    def test_login_writes_the_aws_cli_cache(self):
        code, out = login(self.home, self.server, "--start-url", START_URL, "--region",
                          "us-east-1", "--sso-session", "my-sso")
        self.assertIn("http://127.0.0.1", out)              # verificationUri
        self.assertIn(f"?user_code={code}", out)             # verificationUriComplete
        self.assertIn("\u2588", out)                         # the QR code
        self.assertIn(f"Successfully logged into Start URL: {START_URL}", out)

        key = sha1("my-sso")
        path = self.home.cache_file(key)
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        token = json.loads(text)
        self.assertEqual(list(token), ["startUrl", "region", "accessToken", "expiresAt",
                                       "clientId", "clientSecret", "registrationExpiresAt",
                                       "refreshToken"])
        self.assertEqual(text, json.dumps(token))  # Python's separators, as botocore writes
        self.assertEqual(token["startUrl"], START_URL)
        self.assertEqual(token["region"], "us-east-1")
        self.assertRegex(token["expiresAt"], CACHE_DATE_RE)
        self.assertRegex(token["registrationExpiresAt"], CACHE_DATE_RE)

        reg_key = registration_key(START_URL, "us-east-1", ["sso:account:access"], "my-sso")
        reg = self.home.read_cache(reg_key)
        self.assertEqual(reg["clientId"], token["clientId"])
        self.assertEqual(reg["expiresAt"], token["registrationExpiresAt"])
        self.assertEqual(reg["scopes"], ["sso:account:access"])
        self.assertEqual(stat.S_IMODE(os.stat(self.home.cache_file(reg_key)).st_mode), 0o600)

        # `token` prints the cached token while it has more than 15 minutes left.
        done = run_cli(self.home, "token", "--sso-session", "my-sso")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(done.stdout.strip(), token["accessToken"])

        # A second login reuses the registration.
        login(self.home, self.server, "--start-url", START_URL, "--region", "us-east-1",
              "--sso-session", "my-sso")
        self.assertEqual(self.home.read_cache(key)["clientId"], token["clientId"])

    def test_login_from_the_config_file_and_sessions_and_logout(self):
        self.home.write_config(
            "[profile dev]\nsso_session = corp\n"
            f"[sso-session corp]\nsso_start_url = {START_URL}\nsso_region = us-east-1\n"
            "sso_registration_scopes = sso:account:access\n")
        login(self.home, self.server, "--profile", "dev")
        key = sha1("corp")
        self.assertTrue(os.path.exists(self.home.cache_file(key)))

        sessions = run_cli(self.home, "sessions")
        self.assertEqual(sessions.returncode, 0, sessions.stderr)
        self.assertIn("corp", sessions.stdout)
        self.assertIn(START_URL, sessions.stdout)
        listed = json.loads(run_cli(self.home, "sessions", "--json").stdout)
        self.assertEqual(len(listed), 1)
        self.assertEqual(listed[0]["session"], "corp")
        self.assertFalse(listed[0]["expired"])
        self.assertTrue(listed[0]["refreshable"])

        token = run_cli(self.home, "token", "--profile", "dev")
        self.assertEqual(token.returncode, 0, token.stderr)

        # The token is revoked through this server's portal API before the file goes.
        out = run_cli(self.home, "logout", "--endpoint-url", self.server.url)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("Removed 1 cached SSO token", out.stdout)
        self.assertFalse(os.path.exists(self.home.cache_file(key)))
        # Registrations stay, as with `aws sso logout`.
        self.assertEqual(len(os.listdir(self.home.cache_dir)), 1)
        gone = run_cli(self.home, "token", "--profile", "dev")
        self.assertEqual(gone.returncode, 255)
        self.assertIn("No cached SSO token", gone.stderr)

    def test_legacy_login_is_keyed_by_start_url(self):
        login(self.home, self.server, "--start-url", START_URL, "--region", "us-east-1")
        token = self.home.read_cache(sha1(START_URL))
        self.assertNotIn("refreshToken", token)  # unscoped registration: no refresh
        self.home.read_cache(registration_key(START_URL, "us-east-1", None, None))
        done = run_cli(self.home, "token", "--start-url", START_URL)
        self.assertEqual(done.stdout.strip(), token["accessToken"])

    def test_token_refreshes_within_fifteen_minutes_of_expiry(self):
        login(self.home, self.server, "--start-url", START_URL, "--region", "us-east-1",
              "--sso-session", "s")
        key = sha1("s")
        old = age_token(self.home, key, 10 * 60)
        done = run_cli(self.home, "token", "--sso-session", "s", "--endpoint-url",
                       self.server.url)
        self.assertEqual(done.returncode, 0, done.stderr)
        new = self.home.read_cache(key)
        self.assertEqual(done.stdout.strip(), new["accessToken"])
        self.assertNotEqual(new["accessToken"], old["accessToken"])
        self.assertNotEqual(new["refreshToken"], old["refreshToken"])
        self.assertGreater(time.mktime(time.strptime(new["expiresAt"], "%Y-%m-%dT%H:%M:%SZ")),
                           time.mktime(time.strptime(old["expiresAt"], "%Y-%m-%dT%H:%M:%SZ")))

    def test_denied_login_stops_with_a_clear_message(self):
        proc = LoginProcess(self.home, "--no-browser", "--endpoint-url", self.server.url,
                            "--start-url", START_URL, "--region", "us-east-1")
        code = proc.wait_for_user_code()
        self.server.deny(code)
        rc, _, err = proc.finish()
        self.assertEqual(rc, 254)
        self.assertIn("AccessDeniedException", err)
        self.assertIn("The authorization request was denied", err)
        self.assertFalse(os.path.exists(self.home.cache_file(sha1(START_URL))))

    def test_login_opens_the_browser_unless_told_not_to(self):
        bindir = os.path.join(self.home.path, "bin")
        os.makedirs(bindir)
        record = os.path.join(self.home.path, "opened")
        with open(os.path.join(bindir, "xdg-open"), "w", encoding="utf-8") as f:
            f.write(f"#!/bin/sh\necho \"$1\" > {record}\n")
        os.chmod(os.path.join(bindir, "xdg-open"), 0o755)
        env = self.home.env(PATH=bindir + os.pathsep + os.environ.get("PATH", ""))
        proc = LoginProcess(self.home, "--endpoint-url", self.server.url, "--start-url",
                            START_URL, "--region", "us-east-1", env=env)
        code = proc.wait_for_user_code()
        self.server.approve(code)
        rc, _, err = proc.finish()
        self.assertEqual(rc, 0, err)
        with open(record, encoding="utf-8") as f:
            self.assertTrue(f.read().strip().endswith(f"user_code={code}"))


class ExpiryTests(CliTestCase):
    server_args = ("--device-code-ttl", "10")

    def test_login_stops_when_the_device_code_expires(self):
        proc = LoginProcess(self.home, "--no-browser", "--no-qr", "--endpoint-url",
                            self.server.url, "--start-url", START_URL, "--region", "us-east-1")
        proc.wait_for_user_code()
        rc, _, err = proc.finish(timeout=60)
        self.assertEqual(rc, 254)
        self.assertIn("The pending authorization to retrieve an SSO token has expired", err)


if __name__ == "__main__":
    unittest.main(verbosity=2)
