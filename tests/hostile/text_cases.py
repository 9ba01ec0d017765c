"""NUL and bytes that are not UTF-8 in text, on every backend (issue 12).

PostgreSQL's text refuses NUL and invalid UTF-8 (SQLSTATE 22021) where SQLite keeps any bytes, so
such text must be refused where it enters, the same whatever the storage: 400
InvalidRequestException on the AWS face and the portal, RFC 6749 invalid_request on the standard
face, the page's 400 on the person's pages. Each case is sent as exact bytes, and then the server
must still answer /healthz and a well-formed request (the connection pool is unharmed).

    SSOOIDC_SERVER=build/bin/ssooidc-server python3 tests/hostile/text_cases.py sqlite|postgres

`postgres` needs SSOOIDC_TEST_POSTGRES_URL (scripts/test.sh starts a throw-away PostgreSQL); its
absence fails the run.
"""

import base64
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostile_lib as h  # noqa: E402
from hostile_lib import Case, Expect, post, request  # noqa: E402

BACKEND = None  # "sqlite" or "postgres", from argv
START_URL = "https://d-0000000000.awsapps.com/start"
DEVICE_GRANT = h.harness.DEVICE_GRANT
FORM = "application/x-www-form-urlencoded"
IR = h.invalid_request()
OAUTH_IR = Expect(400, error="invalid_request")


class PortalExpect(Expect):
    """The portal's error: x-amzn-ErrorType is the bare shape name (no coral suffix), the body
    {"message", "__type"}."""

    def __init__(self, status, shape):
        super().__init__(status, content_type="application/json")
        self.shape = shape

    def check(self, response, where):
        if response is None or response.status != self.status:
            raise AssertionError(f"{where}: expected {self.status}, got {response!r}")
        if response.header("x-amzn-ErrorType") != self.shape:
            raise AssertionError(f"{where}: expected {self.shape}: {response!r}")
        body = json.loads(response.body)
        if not body.get("__type", "").endswith("#" + self.shape):
            raise AssertionError(f"{where}: body {body!r}")


PORTAL_IR = PortalExpect(400, "InvalidRequestException")
PAGE_400 = h.page(400)

# The bad text: a NUL (JSON \u0000 or %00), lone bytes that are not UTF-8, a cut sequence, an
# overlong encoding, a UTF-16 surrogate.
JSON_BAD = {"NUL": "a\\u0000b", "lone surrogate": "\\ud800"}
RAW_BAD = {"byte FF": b"\xff", "cut sequence": b"\xc3", "overlong slash": b"\xc0\xaf",
           "encoded surrogate": b"\xed\xa0\x80"}
PCT_BAD = {"%00": "a%00b", "%FF": "%ff", "cut %C3": "%c3", "overlong %C0%AF": "%c0%af",
           "surrogate %ED%A0%80": "%ed%a0%80"}


def json_body(template, bad):
    """`template` with @ replaced: a JSON text (str) with an escape, or raw bytes."""
    if isinstance(bad, bytes):
        return template.encode().replace(b"@", bad)
    return template.replace("@", bad).encode()


class TextTests(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        # Class cleanups run even when setUpClass fails half way (tearDownClass does not), last
        # registered first: the server is never left running, whatever fails.
        cls.tmp = h.harness.TempDir("ssooidc-text-")
        cls.addClassCleanup(cls.tmp.close)
        database = None
        if BACKEND == "postgres":
            schema = h.harness.PostgresSchema("text")
            cls.addClassCleanup(schema.close)
            database = schema.url
        key = cls.tmp.join("server.key")
        with open(key, "w") as f:
            f.write("DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD\n")
        os.chmod(key, 0o600)
        cls.server = h.harness.Server(cls.tmp.path, "--key-file", key, "--no-bootstrap-user",
                                      "--register-client-rate", "0",
                                      "--device-authorization-rate", "0", "--access-log", "off",
                                      name="text", database=database)
        cls.addClassCleanup(cls.server.kill)  # a no-op after the graceful stop below
        cls.server.start()
        reg = h.call(cls.server.port, post("/client/register", {
            "clientName": "text", "clientType": "public", "scopes": ["sso:account:access"]}))
        h.OK_JSON.check(reg, "RegisterClient")
        reg = json.loads(reg.body)
        cls.client_id, cls.client_secret = reg["clientId"], reg["clientSecret"]
        # An access token for the portal cases: they are judged after the caller is.
        cls.server.admin_ok("user", "add", "alice", "--password-stdin", stdin="pw-alice-1\n")
        dev = h.call(cls.server.port, post("/device_authorization", {
            "clientId": cls.client_id, "clientSecret": cls.client_secret, "startUrl": START_URL}))
        h.OK_JSON.check(dev, "StartDeviceAuthorization")
        dev = json.loads(dev.body)
        cls.server.admin_ok("device", "approve", dev["userCode"], "--user", "alice")
        token = h.call(cls.server.port, post("/token", {
            "clientId": cls.client_id, "clientSecret": cls.client_secret,
            "grantType": DEVICE_GRANT, "deviceCode": dev["deviceCode"]}))
        h.OK_JSON.check(token, "CreateToken")
        cls.access_token = json.loads(token.body)["accessToken"]

    @classmethod
    def tearDownClass(cls):
        # A graceful stop must exit 0 (under the sanitizers, that is where leaks are reported).
        code = cls.server.stop()
        if code != 0:
            raise AssertionError(f"the server exited with {code} on SIGTERM"
                                 + cls.server.log_tail())

    def run_cases(self, cases):
        names = [c.name for c in cases]
        self.assertEqual(len(names), len(set(names)), "case names must be unique")
        for case in cases:
            with self.subTest(case.name):
                try:
                    h.run_case(self.server.port, case)
                finally:
                    h.assert_healthy(self.server, case.name)
        # And the store still answers a well-formed request that uses it.
        ok = h.call(self.server.port, post("/device_authorization", {
            "clientId": self.client_id, "clientSecret": self.client_secret,
            "startUrl": START_URL}))
        h.OK_JSON.check(ok, "StartDeviceAuthorization after the cases")

    def test_aws_face(self):
        c = f'"clientId":"{self.client_id}","clientSecret":"{self.client_secret}"'
        templates = {
            "RegisterClient clientName": ("/client/register",
                                          '{"clientName":"@","clientType":"public"}'),
            "RegisterClient scopes": ("/client/register",
                                      '{"clientName":"n","clientType":"public","scopes":["@"]}'),
            "StartDeviceAuthorization clientId": (
                "/device_authorization",
                f'{{"clientId":"@","clientSecret":"s","startUrl":"{START_URL}"}}'),
            "StartDeviceAuthorization startUrl": (
                "/device_authorization", f'{{{c},"startUrl":"https://x/@"}}'),
            "CreateToken deviceCode": (
                "/token", f'{{{c},"grantType":"{DEVICE_GRANT}","deviceCode":"@"}}'),
            "CreateToken refreshToken": (
                "/token", f'{{{c},"grantType":"refresh_token","refreshToken":"@"}}'),
            "CreateToken clientId": (
                "/token", f'{{"clientId":"@","clientSecret":"s","grantType":"{DEVICE_GRANT}",'
                          '"deviceCode":"d"}'),
            "CreateToken code": (
                "/token", f'{{{c},"grantType":"authorization_code","code":"@",'
                          '"redirectUri":"http://127.0.0.1/cb","codeVerifier":"v"}'),
        }
        cases = []
        for name, (path, template) in templates.items():
            for bad_name, bad in {**JSON_BAD, **RAW_BAD}.items():
                cases.append(Case(f"{name} with {bad_name}",
                                  post(path, json_body(template, bad)), IR))
        self.run_cases(cases)

    def test_standard_face(self):
        cases = []
        forms = {
            "token client_id": ("/token", "grant_type=" + DEVICE_GRANT + "&device_code=d"
                                "&client_id=@"),
            "token device_code": ("/token", "grant_type=" + DEVICE_GRANT + "&device_code=@"
                                  f"&client_id={self.client_id}"),
            "token refresh_token": ("/token", "grant_type=refresh_token&refresh_token=@"
                                    f"&client_id={self.client_id}"),
            "device_authorization client_id": ("/device_authorization", "client_id=@"),
            "device_authorization scope": ("/device_authorization",
                                           f"client_id={self.client_id}&scope=@"),
            "revoke token": ("/revoke", f"token=@&client_id={self.client_id}"),
            "introspect token": ("/introspect", f"token=@&client_id={self.client_id}"),
            "a parameter's name": ("/token", "gr@nt_type=x&client_id=c"),
        }
        for name, (path, template) in forms.items():
            for bad_name, bad in PCT_BAD.items():
                cases.append(Case(f"{name} with {bad_name}",
                                  post(path, template.replace("@", bad), content_type=FORM),
                                  OAUTH_IR))
        for bad_name, bad in {"NUL": b"a\x00b", "byte FF": b"\xff"}.items():
            basic = base64.b64encode(bad + b":secret").decode()
            cases.append(Case(f"Basic client id with {bad_name}", post(
                "/token", "grant_type=" + DEVICE_GRANT + "&device_code=d", content_type=FORM,
                headers=[("Authorization", "Basic " + basic)]), OAUTH_IR))
        self.run_cases(cases)

    def test_pages(self):
        cases = []
        for bad_name, bad in PCT_BAD.items():
            cases += [
                Case(f"GET /authorize client_id with {bad_name}", request(
                    "GET", "/authorize?response_type=code&client_id=" + bad +
                    "&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb&state=s&code_challenge=c"
                    "&code_challenge_method=S256"), PAGE_400),
                Case(f"GET /device user_code with {bad_name}", request(
                    "GET", "/device?user_code=" + bad), PAGE_400),
                Case(f"POST /device user_code with {bad_name}", post(
                    "/device", "user_code=" + bad + "&csrf_token=x", content_type=FORM),
                    PAGE_400),
                Case(f"POST sign-in username with {bad_name}", post(
                    "/device/sign-in", "username=" + bad + "&password=p&csrf_token=x",
                    content_type=FORM), PAGE_400),
            ]
        self.run_cases(cases)

    def test_portal(self):
        cases = []
        for bad_name, bad in PCT_BAD.items():
            for op in ("/federation/credentials?role_name=r&account_id=",
                       "/federation/credentials?account_id=111111111111&role_name=",
                       "/assignment/roles?account_id="):
                cases.append(Case(f"GET {op.split('?')[0]} {op.split('&')[-1][:-1]} with "
                                  f"{bad_name}", request(
                                      "GET", op + bad,
                                      headers=[("x-amz-sso_bearer_token", self.access_token)]), PORTAL_IR))
        self.run_cases(cases)


if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in ("sqlite", "postgres"):
        sys.exit("usage: text_cases.py sqlite|postgres [unittest options]")
    BACKEND = sys.argv.pop(1)
    h.harness.server_binary()
    if BACKEND == "postgres":
        h.harness.postgres_test_url()
    unittest.main(verbosity=2)
