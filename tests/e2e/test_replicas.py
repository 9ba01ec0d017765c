"""Two ssooidc-server processes on one SQLite file behave as one server (issue 12): a person signs
in on one and confirms on the other, guesses spread over both are counted together, slow_down holds
across them, a restart signs nobody out, and the purge runs on one of them.

Run: SSOOIDC_SERVER=build/bin/ssooidc-server python3 tests/e2e/test_replicas.py
"""
import os
import re
import sys
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ssooidc_harness import (Server, TempDir, post_json, raw_request,  # noqa: E402
                             replicated_backend)

PASSWORD = "correct horse battery staple"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]*)"')


class Browser:
    """A cookie jar and the CSRF token of the last page; each request names the server it goes to,
    as a load balancer without sticky sessions would pick one."""

    def __init__(self):
        self.cookie = ""
        self.csrf = ""

    def send(self, server, method, target, form=None):
        headers = {}
        if self.cookie:
            headers["Cookie"] = self.cookie
        body = b""
        if method == "POST":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = server.url
            body = urllib.parse.urlencode(form or {}).encode()
        resp = raw_request(server.url, method, target, body, headers)
        set_cookie = resp.header("Set-Cookie")
        if set_cookie:
            pair = set_cookie.split(";", 1)[0]
            self.cookie = "" if pair.endswith("=") else pair
        m = CSRF_RE.search(resp.body.decode(errors="replace"))
        if m:
            self.csrf = m.group(1)
        return resp

    def get(self, server, target):
        return self.send(server, "GET", target)

    def post(self, server, target, form):
        return self.send(server, "POST", target, dict(form, csrf_token=self.csrf))


class TwoProcesses(unittest.TestCase):
    def setUp(self):
        self.tmp = TempDir("ssooidc-replicas-")
        database = "sqlite:" + self.tmp.join("shared.db")
        extra = ["--no-bootstrap-user", "--access-log", "off", "--purge-interval", "2"]
        self.a = Server(self.tmp.path, *extra, name="a", database=database)
        self.b = Server(self.tmp.path, *extra, name="b", database=database)
        self.a.start()
        self.b.start()
        self.a.admin_ok("user", "add", "alice", "--password-stdin", stdin=PASSWORD + "\n")

    def tearDown(self):
        for server in (self.a, self.b):
            server.kill()
        self.tmp.close()

    def register_and_start(self, server):
        reg = post_json(server.url, "/client/register",
                        {"clientName": "replicas", "clientType": "public"})
        self.assertEqual(reg.status, 200, reg.body)
        client = reg.json()
        start = post_json(server.url, "/device_authorization",
                          {"clientId": client["clientId"], "clientSecret": client["clientSecret"],
                           "startUrl": "https://d-0000000000.awsapps.com/start"})
        self.assertEqual(start.status, 200, start.body)
        return client, start.json()

    def poll(self, server, client, device):
        return post_json(server.url, "/token", {
            "clientId": client["clientId"], "clientSecret": client["clientSecret"],
            "grantType": "urn:ietf:params:oauth:grant-type:device_code",
            "deviceCode": device["deviceCode"]})

    def sign_in(self, browser, form_server, post_server):
        browser.get(form_server, "/device/sign-in")
        resp = browser.post(post_server, "/device/sign-in",
                            {"username": "alice", "password": PASSWORD})
        self.assertEqual(resp.status, 303, resp.body[:500])

    def signed_in_on(self, browser, server):
        return "Signed in as <strong>alice</strong>" in browser.get(server, "/device").body.decode()

    def test_sign_in_on_one_confirm_on_the_other_sign_out_everywhere(self):
        client, device = self.register_and_start(self.a)
        person = Browser()
        # The anonymous form of one process is accepted by the other (a shared CSRF key).
        self.sign_in(person, self.a, self.b)
        self.session_id_before_sign_out = person.cookie.split("=", 1)[1]
        self.assertTrue(self.signed_in_on(person, self.a))
        self.assertTrue(self.signed_in_on(person, self.b))
        resp = person.post(self.a, "/device", {"user_code": device["userCode"]})
        self.assertEqual(resp.status, 303, resp.body[:500])
        confirm = person.get(self.b, resp.header("Location"))
        self.assertEqual(confirm.status, 200, confirm.body[:500])
        decided = person.post(self.b, "/device/confirm",
                              {"user_code": device["userCode"], "decision": "allow"})
        self.assertIn(decided.status, (200, 303), decided.body[:500])
        token = self.poll(self.a, client, device)
        self.assertEqual(token.status, 200, token.body)
        self.assertIn("accessToken", token.json())

        out = person.post(self.a, "/device/sign-out", {})
        self.assertEqual(out.status, 200, out.body[:500])
        # The old cookie is refused by both processes, not just the one that signed it out.
        stale = Browser()
        stale.cookie = "ssooidc_session=" + self.session_id_before_sign_out
        for server in (self.a, self.b):
            self.assertFalse(self.signed_in_on(stale, server))

    def setup_signed_in(self):
        person = Browser()
        self.sign_in(person, self.a, self.a)
        self.session_id_before_sign_out = person.cookie.split("=", 1)[1]
        return person

    def test_sign_out_on_one_ends_the_session_on_the_other(self):
        person = self.setup_signed_in()
        cookie = person.cookie
        self.assertTrue(self.signed_in_on(person, self.b))
        self.assertEqual(person.post(self.b, "/device/sign-out", {}).status, 200)
        stale = Browser()
        stale.cookie = cookie
        self.assertFalse(self.signed_in_on(stale, self.a))
        self.assertFalse(self.signed_in_on(stale, self.b))

    def test_a_restart_of_both_signs_nobody_out(self):
        person = self.setup_signed_in()
        self.assertEqual(self.a.stop(), 0)
        self.assertEqual(self.b.stop(), 0)
        self.a.start()
        self.b.start()
        self.assertTrue(self.signed_in_on(person, self.a))
        self.assertTrue(self.signed_in_on(person, self.b))

    def test_wrong_codes_spread_over_both_are_counted_together(self):
        guesser = Browser()
        guesser.get(self.a, "/device")
        statuses = []
        for i in range(6):
            server = self.a if i % 2 == 0 else self.b
            statuses.append(guesser.post(server, "/device", {"user_code": "BCDF-GHJK"}).status)
        # 5 wrong codes per browser in 10 minutes, wherever they land; the 6th is refused.
        self.assertEqual(statuses, [404] * 5 + [429], statuses)
        self.assertEqual(guesser.post(self.a, "/device", {"user_code": "BCDF-GHJK"}).status, 429)

    def test_failed_sign_ins_spread_over_both_are_counted_together(self):
        guesser = Browser()
        guesser.get(self.a, "/device/sign-in")
        statuses = []
        for i in range(6):
            server = self.a if i % 2 == 0 else self.b
            statuses.append(guesser.post(server, "/device/sign-in",
                                         {"username": "alice", "password": "wrong"}).status)
        self.assertEqual(statuses, [401] * 5 + [429], statuses)

    def test_slow_down_holds_across_both(self):
        # Each process alone sees a poll a second (the interval); together they see two.
        client, device = self.register_and_start(self.a)
        errors = []
        for i in range(30):
            server = self.a if i % 2 == 0 else self.b
            resp = self.poll(server, client, device)
            self.assertEqual(resp.status, 400, resp.body)
            errors.append(resp.json()["error"])
            if "slow_down" in errors:
                break
            time.sleep(0.5)
        self.assertIn("slow_down", errors, errors)

    def test_a_login_pending_at_start_up_sees_decisions_made_elsewhere(self):
        # Issue 15: a process started while logins are pending holds them in its pending index
        # (domain/pending_index.h) and answers their polls from memory; an approval by the
        # operator's command or a denial by the other process is seen by its next poll.
        client, approved = self.register_and_start(self.a)
        start = post_json(self.a.url, "/device_authorization",
                          {"clientId": client["clientId"], "clientSecret": client["clientSecret"],
                           "startUrl": "https://d-0000000000.awsapps.com/start"})
        self.assertEqual(start.status, 200, start.body)
        denied = start.json()
        self.assertEqual(self.b.stop(), 0)
        self.b.start()
        with open(self.b.log_path) as log:
            started = log.read()
        if replicated_backend():
            # On PostgreSQL (replicas.suite.shared_state) there is no change log to follow, so the
            # index holds nothing and every poll reads the table; the decisions below hold alike.
            self.assertNotIn("pending index:", started)
        else:
            self.assertIn("pending index: 2 device authorizations", started)
        for device in (approved, denied):
            resp = self.poll(self.b, client, device)
            self.assertEqual((resp.status, resp.json()["error"]), (400, "authorization_pending"),
                             resp.body)
        self.a.approve(approved["userCode"], user="alice")
        resp = self.poll(self.b, client, approved)
        self.assertEqual(resp.status, 200, resp.body)
        self.assertIn("accessToken", resp.json())
        self.a.deny(denied["userCode"])
        resp = self.poll(self.b, client, denied)
        self.assertEqual((resp.status, resp.json()["error"]), (400, "access_denied"), resp.body)

    def test_the_purge_runs_on_one_process(self):
        deadline = time.monotonic() + 60
        logs = {}
        while time.monotonic() < deadline:
            logs = {}
            for server in (self.a, self.b):
                with open(server.log_path) as log:
                    logs[server.name] = log.read()
            runs = {n: len(re.findall(r"ssooidc-server: purge: ", t)) for n, t in logs.items()}
            if min(runs.values()) >= 3:
                break
            time.sleep(0.5)
        leaders = [n for n, t in logs.items() if "expired rows removed" in t]
        followers = [n for n, t in logs.items() if "another process leads it" in t]
        self.assertEqual(len(leaders), 1, logs)
        self.assertEqual(len(followers), 1, logs)
        self.assertNotEqual(leaders, followers, logs)


if __name__ == "__main__":
    unittest.main(verbosity=2)
