"""The server's log: one JSON line per request with the request id, operation, error type,
latency and client id; --log-format text; security events (sign-in failure, lockout, approval,
denial, refresh reuse, family revoked); and no token, code, secret or password anywhere in the
log of a whole login done through the person's pages."""

import html
import json
import re
import sys
import unittest
import urllib.parse

from ops_support import START_URL, OpsServer, harness, write

PASSWORD = "correct horse battery staple 42"


def is_page(op):
    """The access log's name for the person's pages ("page", or "device_page" and the like)."""
    return op is not None and (op == "page" or op.endswith("_page"))


class Browser:
    """Just enough of a browser for the pages: a cookie jar, Origin on POSTs, form fields."""

    def __init__(self, url):
        self.url = url
        self.cookies = {}

    def request(self, method, target, form=None):
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = b""
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = self.url
        resp = harness.raw_request(self.url, method, target, body=body, headers=headers)
        for name, value in resp.header_list:
            if name.lower() == "set-cookie":
                k, _, v = value.split(";", 1)[0].partition("=")
                self.cookies[k] = v
        return resp

    @staticmethod
    def field(resp, name):
        m = re.search(rf'name="{name}" value="([^"]*)"', resp.body.decode())
        assert m, f"no {name} in {resp.body[:2000]!r}"
        return html.unescape(m.group(1))

    @staticmethod
    def action(resp):
        # The page's own form: the last one (the header's sign-out form comes first).
        found = re.findall(r'<form[^>]*method="post"[^>]*action="([^"]+)"', resp.body.decode())
        assert found, resp.body[:2000]
        return html.unescape(found[-1])


class LogTests(unittest.TestCase):
    def setUp(self):
        self.tmp = harness.TempDir("ssooidc-logs-")
        self.addCleanup(self.tmp.close)
        harness.isolate_aws_environment(self.tmp.path)
        world = write(self.tmp.join("world.toml"),
                      f'[[users]]\nname = "alice"\npassword = "{PASSWORD}"\n')
        self.world = world

    def start(self, *args, name="server"):
        server = OpsServer(self.tmp.path, "--world", self.world, "--no-bootstrap-user", *args,
                           name=name)
        server.start()
        self.addCleanup(server.stop)
        return server

    def sign_in_and_allow(self, server, user_code, wrong_passwords=0):
        """Goes through the pages as a person: the code, the sign-in (after `wrong_passwords`
        failures), Allow. None when the sign-in was locked out (429)."""
        b = Browser(server.url)

        def settle(resp):
            while resp.status in (302, 303):
                resp = b.request("GET", resp.header("Location"))
            return resp

        def form_of(page, **values):
            main = page.body.decode().split("<main", 1)[-1]  # not the sign-out form's fields
            fields = dict(re.findall(r'name="([a-z_]+)" value="([^"]*)"', main))
            fields = {k: html.unescape(v) for k, v in fields.items()}
            fields.update(values)
            return fields

        page = settle(b.request("GET", "/device?user_code=" + urllib.parse.quote(user_code)))
        failures = 0
        for _ in range(20):
            self.assertEqual(page.status, 200, page)
            body = page.body.decode()
            if 'name="password"' in body:
                wrong = failures < wrong_passwords
                failures += wrong
                page = settle(b.request("POST", b.action(page), form_of(
                    page, username="alice",
                    password="not the password" if wrong else PASSWORD)))
                if page.status == 429:
                    return None
                if wrong:
                    self.assertEqual(page.status, 401, page)
                    page = harness.Response(200, "", page.header_list, page.body)
            elif 'name="decision"' in body:
                done = settle(b.request("POST", b.action(page), form_of(page, decision="allow")))
                self.assertEqual(done.status, 200, done)
                return done
            else:
                page = settle(b.request("POST", b.action(page), form_of(page, user_code=user_code)))
        raise AssertionError("the pages never asked for a decision")

    def test_a_whole_login_logs_what_happened_and_no_secret(self):
        server = self.start("--retry-grace", "0")  # a replay is reuse at once
        client = harness.oidc_client(server.url)
        reg = client.register_client(clientName="logged", clientType="public",
                                     scopes=["sso:account:access"])
        dev = client.start_device_authorization(clientId=reg["clientId"],
                                                clientSecret=reg["clientSecret"],
                                                startUrl=START_URL)
        poll = lambda: client.create_token(  # noqa: E731
            clientId=reg["clientId"], clientSecret=reg["clientSecret"],
            grantType=harness.DEVICE_GRANT, deviceCode=dev["deviceCode"])
        with self.assertRaises(client.exceptions.AuthorizationPendingException):
            poll()
        self.sign_in_and_allow(server, dev["userCode"], wrong_passwords=2)
        token = poll()
        refreshed = client.create_token(clientId=reg["clientId"], clientSecret=reg["clientSecret"],
                                        grantType="refresh_token",
                                        refreshToken=token["refreshToken"])
        # Replaying the used refresh token: reuse detected, the family revoked.
        with self.assertRaises(client.exceptions.InvalidGrantException):
            client.create_token(clientId=reg["clientId"], clientSecret=reg["clientSecret"],
                                grantType="refresh_token", refreshToken=token["refreshToken"])
        server.stop()
        lines = [json.loads(line) for line in server.log_text().splitlines()
                 if line.startswith("{")]
        access = [l for l in lines if "path" in l]
        events = [l for l in lines if "event" in l]

        ops = [l.get("op") for l in access]
        for op in ("RegisterClient", "StartDeviceAuthorization", "CreateToken"):
            self.assertIn(op, ops)
        self.assertTrue(any(is_page(op) for op in ops), ops)
        for l in access:
            self.assertIsInstance(l["us"], int)
            self.assertRegex(l["ts"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        api = [l for l in access if l.get("op") in ("RegisterClient", "StartDeviceAuthorization",
                                                    "CreateToken")]
        for l in api:
            self.assertRegex(l["request_id"], harness.UUID_RE.pattern)
            self.assertEqual(l["client_id"], reg["clientId"])
        errors = [l.get("error") for l in access if l.get("op") == "CreateToken"]
        self.assertIn("AuthorizationPendingException", errors)
        self.assertIn("InvalidGrantException", errors)
        self.assertIn(None, errors)  # the successful ones carry no error

        names = [e["event"] for e in events]
        self.assertEqual(names.count("signin.failed"), 2, events)
        self.assertIn({"user": "alice", "client_id": reg["clientId"]},
                      [{k: e[k] for k in ("user", "client_id")} for e in events
                       if e["event"] == "device.approved"])
        self.assertIn("refresh_token.reuse_detected", names)
        revoked = [e for e in events if e["event"] == "token_family.revoked"]
        self.assertEqual(len(revoked), 1, events)
        self.assertEqual(revoked[0]["reason"], "refresh token reused")
        self.assertEqual(revoked[0]["tokens"], "4")

        log = server.log_text()
        secrets_seen = {
            "client secret": reg["clientSecret"], "device code": dev["deviceCode"],
            "user code": dev["userCode"], "user code (typed form)": dev["userCode"].replace("-", ""),
            "access token": token["accessToken"], "refresh token": token["refreshToken"],
            "new access token": refreshed["accessToken"],
            "new refresh token": refreshed["refreshToken"],
            "password": PASSWORD, "wrong password": "not the password",
        }
        for what, value in secrets_seen.items():
            with self.subTest(secret=what):
                self.assertNotIn(value, log)
                self.assertNotIn(urllib.parse.quote(value), log)

    def test_lockout_and_denial_events(self):
        server = self.start("--test-mode", name="events")
        token = server.admin_token()
        client = harness.oidc_client(server.url)
        reg = client.register_client(clientName="c", clientType="public")
        dev = client.start_device_authorization(clientId=reg["clientId"],
                                                clientSecret=reg["clientSecret"],
                                                startUrl=START_URL)
        # Five wrong passwords from one address for one user, then the limit: a lockout.
        self.assertIsNone(self.sign_in_and_allow(server, dev["userCode"], wrong_passwords=6))
        from ops_support import admin_call
        self.assertEqual(admin_call(server, "deny", token, user_code=dev["userCode"]).status, 200)
        server.stop()
        events = [json.loads(l) for l in server.log_text().splitlines()
                  if l.startswith("{") and '"event"' in l]
        names = [e["event"] for e in events]
        self.assertEqual(names.count("signin.failed"), 5)
        self.assertIn("signin.locked_out", names)
        self.assertIn("device.denied", names)
        self.assertIn("notice", names)  # the test mode's announcement

    def test_text_format(self):
        server = self.start("--log-format", "text", name="text")
        client = harness.oidc_client(server.url)
        with self.assertRaises(client.exceptions.InvalidClientException):
            client.start_device_authorization(clientId="no such\nclient", clientSecret="s",
                                              startUrl=START_URL)
        server.stop()
        lines = server.log_text().splitlines()
        line = next(l for l in lines if "/device_authorization" in l)
        self.assertRegex(line, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ 127\.0\.0\.1 POST "
                               r"/device_authorization 401 \d+B \d+us op=StartDeviceAuthorization "
                               r'error=InvalidClientException client_id="no such\\x0aclient"'
                               r" request_id=[0-9a-f-]{36}$")


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]] + sys.argv[1:], verbosity=2)
