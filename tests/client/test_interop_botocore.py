#!/usr/bin/env python3
"""Interoperability of `ssooidc` with botocore (python3 on the image), against a real server:

- a cache written by `ssooidc login` is loaded by botocore's SSOTokenProvider, and refreshed by it
  through the server when it is within 15 minutes of expiry;
- a cache written by botocore (its refresh) is read by `ssooidc token` and refreshed by it, and
  botocore reads the result again; so is the JavaScript SDK's pretty, millisecond-dated form;
- the SigV4 signature `ssooidc create-token-with-iam` puts on the wire is the one botocore's
  SigV4Auth computes for the same request.

botocore computes its cache directory from HOME when it is imported, so each scenario runs in a
child python3 with its own HOME.
"""

import http.server
import json
import subprocess
import sys
import textwrap
import threading
import unittest

from cli_harness import START_URL, Home, age_token, harness, login, run_cli, sha1

SESSION = "interop"

BOTOCORE_LOAD = textwrap.dedent("""
    import json, sys
    import botocore.session
    from botocore.tokens import SSOTokenProvider
    session = botocore.session.Session(profile="interop")
    token = SSOTokenProvider(session).load_token().get_frozen_token()
    print(json.dumps({"token": token.token, "expiration": token.expiration.isoformat()}))
""")


class BotocoreInteropTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = harness.TempDir("ssooidc-interop-")
        cls.server = harness.Server(cls.tmp.path)
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.tmp.close()

    def setUp(self):
        self.home = Home(self.tmp, f"home-{self.id().rsplit('.', 1)[-1]}")
        # The profile botocore's SSOTokenProvider reads, and the endpoint both tools use.
        self.home.write_config(
            f"[profile interop]\nsso_session = {SESSION}\n"
            f"[sso-session {SESSION}]\nsso_start_url = {START_URL}\nsso_region = us-east-1\n"
            "sso_registration_scopes = sso:account:access\n")
        self.env = self.home.env(AWS_ENDPOINT_URL_SSO_OIDC=self.server.url)
        self.key = sha1(SESSION)

    def botocore_token(self):
        done = subprocess.run([sys.executable, "-c", BOTOCORE_LOAD], capture_output=True,
                              text=True, env=self.env, timeout=60)
        self.assertEqual(done.returncode, 0, done.stderr)
        return json.loads(done.stdout)

    def ssooidc_token(self, *args):
        done = run_cli(self.home, "token", "--sso-session", SESSION, *args, env=self.env)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(done.stderr, "")  # no refresh warning
        return done.stdout.strip()

    def test_botocore_uses_and_refreshes_an_ssooidc_login(self):
        login(self.home, self.server, "--sso-session", SESSION, "--profile", "interop")
        written = self.home.read_cache(self.key)
        self.assertEqual(self.botocore_token()["token"], written["accessToken"])

        age_token(self.home, self.key, 5 * 60)
        refreshed = self.botocore_token()
        rewritten = self.home.read_cache(self.key)
        self.assertNotEqual(refreshed["token"], written["accessToken"])
        self.assertEqual(refreshed["token"], rewritten["accessToken"])
        self.assertNotEqual(rewritten["refreshToken"], written["refreshToken"])  # rotated
        self.assertEqual(rewritten["clientId"], written["clientId"])

        # ...and ssooidc reads the file botocore wrote.
        self.assertEqual(self.ssooidc_token(), rewritten["accessToken"])

    def test_ssooidc_refreshes_a_botocore_written_cache(self):
        login(self.home, self.server, "--sso-session", SESSION, "--profile", "interop")
        age_token(self.home, self.key, 5 * 60)
        self.botocore_token()  # botocore refreshes and writes the file in its own format
        botocore_written = self.home.read_cache(self.key)

        age_token(self.home, self.key, 10 * 60)
        token = self.ssooidc_token()
        ours = self.home.read_cache(self.key)
        self.assertNotEqual(token, botocore_written["accessToken"])
        self.assertEqual(token, ours["accessToken"])
        self.assertNotEqual(ours["refreshToken"], botocore_written["refreshToken"])
        # botocore takes our refreshed file as is (more than 15 minutes left: no refresh).
        self.assertEqual(self.botocore_token()["token"], token)

    def test_ssooidc_reads_and_refreshes_the_javascript_sdk_form(self):
        login(self.home, self.server, "--sso-session", SESSION, "--profile", "interop")
        token = self.home.read_cache(self.key)
        # JS writeSSOTokenToFile: JSON.stringify(token, null, 2), ISO dates with milliseconds.
        token["expiresAt"] = token["expiresAt"].replace("Z", ".000Z")
        token["registrationExpiresAt"] = token["registrationExpiresAt"].replace("Z", ".000Z")
        with open(self.home.cache_file(self.key), "w", encoding="utf-8") as f:
            json.dump(token, f, indent=2)
        self.assertEqual(self.ssooidc_token(), token["accessToken"])
        self.assertNotEqual(self.ssooidc_token("--force-refresh"), token["accessToken"])


class CaptureHandler(http.server.BaseHTTPRequestHandler):
    captured = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        CaptureHandler.captured.append((self.path, list(self.headers.items()), body))
        answer = b'{"accessToken":"at","expiresIn":3600,"tokenType":"Bearer"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


class SigV4InteropTests(unittest.TestCase):
    def test_signature_matches_botocore_sigv4auth(self):
        import botocore.auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        import datetime

        server = http.server.HTTPServer(("127.0.0.1", 0), CaptureHandler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        tmp = harness.TempDir("ssooidc-sigv4-")
        try:
            endpoint = f"http://127.0.0.1:{server.server_port}"
            home = Home(tmp)
            creds = ("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "session/token+x")
            done = run_cli(home, "create-token-with-iam", "--client-id",
                           "arn:aws:sso::123456789012:application/ssoins-1/apl-2",
                           "--grant-type", "urn:ietf:params:oauth:grant-type:jwt-bearer",
                           "--assertion", "eyJ.a b/c+d=", "--scope", "openid", "aws",
                           "--endpoint-url", endpoint, "--region", "eu-central-1",
                           env=home.env(AWS_ACCESS_KEY_ID=creds[0],
                                        AWS_SECRET_ACCESS_KEY=creds[1],
                                        AWS_SESSION_TOKEN=creds[2]))
            self.assertEqual(done.returncode, 0, done.stderr)
        finally:
            server.shutdown()
            server.server_close()
            tmp.close()

        path, headers, body = CaptureHandler.captured[-1]
        self.assertEqual(path, "/token?aws_iam=t")
        sent = {k.lower(): v for k, v in headers}
        authorization = sent["authorization"]
        signed = authorization.split("SignedHeaders=")[1].split(",")[0].split(";")
        self.assertIn("host", signed)
        self.assertIn("x-amz-date", signed)
        self.assertIn("x-amz-security-token", signed)

        # botocore signs the same request at the same instant with the same headers.
        request = AWSRequest(method="POST", url=f"http://{sent['host']}{path}", data=body,
                             headers={k: sent[k] for k in signed
                                      if k not in ("x-amz-date", "x-amz-security-token")})
        stamp = datetime.datetime.strptime(sent["x-amz-date"], "%Y%m%dT%H%M%SZ")
        original = botocore.auth.get_current_datetime
        botocore.auth.get_current_datetime = lambda: stamp
        try:
            botocore.auth.SigV4Auth(Credentials(*creds), "sso-oauth",
                                    "eu-central-1").add_auth(request)
        finally:
            botocore.auth.get_current_datetime = original
        self.assertEqual(request.headers["Authorization"], authorization)
        self.assertEqual(request.headers["X-Amz-Security-Token"], sent["x-amz-security-token"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
