"""`aws sso login --no-browser` of the AWS CLI 2.9.19 against a test-mode server: it completes
with no page opened and no person, and each error forced through the admin API makes it fail
(or recover) exactly as the CLI does against AWS."""

import json
import os
import sys
import unittest

from awscli_support import cached_tokens, cli_environment, sso_login
from ops_support import admin_call, harness, test_mode_server


class AwsCliTestModeTests(unittest.TestCase):
    def setUp(self):
        self.tmp = harness.TempDir("ssooidc-testmode-cli-")
        self.addCleanup(self.tmp.close)
        self.server = test_mode_server(self.tmp.path, "--auto-approve", "ci")
        self.addCleanup(self.server.stop)
        self.token = self.server.admin_token()
        self.marker = os.path.join(self.tmp.path, "browser-was-opened")
        self.env = cli_environment(self.tmp.path, self.server.url, browser_marker=self.marker)

    def force(self, error, count):
        resp = admin_call(self.server, "fail-polls", self.token, error=error, count=str(count))
        self.assertEqual(resp.status, 200, resp)

    def assert_no_page(self):
        self.assertFalse(os.path.exists(self.marker), "the CLI tried to open a browser")
        ops = [json.loads(line).get("op") for line in self.server.log_text().splitlines()
               if line.startswith('{"ts"') and '"path"' in line]
        self.assertIn("CreateToken", ops)
        self.assertFalse([op for op in ops if op == "page" or (op or "").endswith("_page")], ops)

    def test_login_completes_without_a_page(self):
        done = sso_login(self.env)
        self.assertEqual(done.returncode, 0, done)
        self.assertIn("Successfully logged into Start URL", done.stdout)
        tokens = cached_tokens(self.env)
        self.assertEqual(len(tokens), 1, tokens)
        self.assertTrue(tokens[0]["accessToken"].startswith("aoa"))
        self.assertIn("refreshToken", tokens[0])
        self.assert_no_page()

    def test_slow_down_is_honoured_and_the_login_completes(self):
        self.force("SlowDownException", 1)
        done = sso_login(self.env)
        self.assertEqual(done.returncode, 0, done)
        self.assertEqual(len(cached_tokens(self.env)), 1)
        log = self.server.log_text()
        self.assertIn('"error":"SlowDownException"', log)

    def test_expired_token_ends_the_login(self):
        self.force("ExpiredTokenException", 1)
        done = sso_login(self.env)
        self.assertEqual(done.returncode, 255, done)
        self.assertIn("The pending authorization to retrieve an SSO token has expired", done.stderr)
        self.assertEqual(cached_tokens(self.env), [])

    def test_access_denied_ends_the_login(self):
        self.force("AccessDeniedException", 1)
        done = sso_login(self.env)
        self.assertEqual(done.returncode, 254, done)  # the CLI's exit code for service errors
        self.assertIn("An error occurred (AccessDeniedException) when calling the CreateToken "
                      "operation", done.stderr)
        self.assertEqual(cached_tokens(self.env), [])

    def test_internal_error_is_retried_then_fails(self):
        # The CLI v2's standard retry mode: 3 attempts, then the error.
        self.force("InternalServerException", 10)
        done = sso_login(self.env)
        self.assertEqual(done.returncode, 254, done)
        self.assertIn("An error occurred (InternalServerException) when calling the CreateToken "
                      "operation (reached max retries: 2)", done.stderr)
        self.assertEqual(self.server.log_text().count('"error":"InternalServerException"'), 3)
        # Fewer failures than retries: the CLI recovers by itself.
        self.force("InternalServerException", 2)
        done = sso_login(self.env)
        self.assertEqual(done.returncode, 0, done)
        self.assert_no_page()


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]] + sys.argv[1:], verbosity=2)
