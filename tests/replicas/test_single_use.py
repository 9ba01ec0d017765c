#!/usr/bin/env python3
"""Single use across replicas (issue 12): several ssooidc-server processes on one PostgreSQL.

One device code, one authorization code and one refresh token are each redeemed by CONCURRENCY
requests at once, spread round-robin over REPLICAS server processes on one PostgreSQL schema
(real HTTP on loopback, connections opened beforehand and released together by a barrier).
Exactly one request may win; every other one is refused with InvalidGrantException, never a 5xx.
Each case is repeated ROUNDS times.

The retry grace is off (--retry-grace 0): with it, a loser on the winner's replica may be given
the winner's response again (domain/retry_grace.h), which is correct but would blur the count.

Environment: SSOOIDC_SERVER (CTest sets it), SSOOIDC_TEST_POSTGRES_URL (scripts/test.sh). Missing
either fails the test; nothing skips.
"""

import http.client
import json
import os
import sys
import threading
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "pkce"))

import ssooidc_harness as h  # noqa: E402
import test_pkce  # noqa: E402  (HttpBrowser: the real sign-in and consent pages over HTTP)

REPLICAS = 3
CONCURRENCY = 48
ROUNDS = 4
START_URL = "https://d-0000000000.awsapps.com/start"
USER, PASSWORD = test_pkce.USER, test_pkce.PASSWORD


def call(url, path, body):
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        conn.request("POST", path, json.dumps(body).encode(), {"Content-Type": "application/json"})
        resp = conn.getresponse()
        return resp.status, resp.getheader("x-amzn-ErrorType", "").split(":")[0], json.loads(resp.read())
    finally:
        conn.close()


class Replica:
    """Adapts a harness Server to what test_pkce.HttpBrowser expects."""

    def __init__(self, server):
        self.server = server
        self.url = server.url

    def call(self, path, body):
        return call(self.url, path, body)


def race(replicas, path, body):
    """CONCURRENCY identical requests, round-robin over the replicas, released at once.
    Returns [(status, error type, body)]."""
    barrier = threading.Barrier(CONCURRENCY)
    results = [None] * CONCURRENCY
    data = json.dumps(body).encode()

    def one(i):
        url = replicas[i % len(replicas)].url
        host, port = url.removeprefix("http://").split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=120)
        try:
            conn.connect()
            barrier.wait(timeout=60)
            conn.request("POST", path, data, {"Content-Type": "application/json"})
            resp = conn.getresponse()
            results[i] = (resp.status, resp.getheader("x-amzn-ErrorType", "").split(":")[0],
                          json.loads(resp.read()))
        except Exception as e:  # noqa: BLE001 - reported by the assertions
            results[i] = (0, type(e).__name__, str(e))
        finally:
            conn.close()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(CONCURRENCY)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    return results


class SingleUseAcrossReplicasTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = h.TempDir("ssooidc-replicas-")
        cls.schema = h.PostgresSchema("replicas")
        key_file = cls.tmp.join("server.key")
        # One key for every replica, written before any starts (they would race to create it).
        with open(key_file, "w") as f:
            f.write("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n")
        os.chmod(key_file, 0o600)
        cls.servers = []
        for i in range(REPLICAS):
            server = h.Server(cls.tmp.path, "--access-log", "off", "--key-file", key_file,
                              "--retry-grace", "0", "--register-client-rate", "0",
                              "--device-authorization-rate", "0", "--no-bootstrap-user",
                              name=f"replica{i}", database=cls.schema.url)
            server.start()
            cls.servers.append(server)
        cls.replicas = [Replica(s) for s in cls.servers]
        cls.servers[0].admin_ok("user", "add", USER, "--password-stdin", stdin=PASSWORD + "\n")

    @classmethod
    def tearDownClass(cls):
        for server in cls.servers:
            server.kill()
        cls.schema.close()
        cls.tmp.close()

    def assert_one_winner(self, results, what):
        winners = [r for r in results if r[0] == 200]
        losers = [r for r in results if r[0] != 200]
        self.assertEqual(len(winners), 1, f"{what}: {len(winners)} winners; "
                                          f"{sorted(set((r[0], r[1]) for r in results))}")
        self.assertEqual(sorted(set((r[0], r[1]) for r in losers)),
                         [(400, "InvalidGrantException")], f"{what}: {losers[:3]}")
        return winners[0][2]

    def register(self, replica, **extra):
        body = {"clientName": "replicas", "clientType": "public"}
        body.update(extra)
        status, kind, reg = replica.call("/client/register", body)
        self.assertEqual(status, 200, (kind, reg))
        return reg

    def test_device_code_and_refresh_token_have_one_winner(self):
        for round_number in range(ROUNDS):
            with self.subTest(round=round_number):
                # Registered on one replica, started on another, approved by the operator
                # command (a process of its own), redeemed on all of them.
                reg = self.register(self.replicas[0], scopes=["sso:account:access"])
                creds = {"clientId": reg["clientId"], "clientSecret": reg["clientSecret"]}
                status, kind, dev = self.replicas[1].call(
                    "/device_authorization", dict(creds, startUrl=START_URL))
                self.assertEqual(status, 200, (kind, dev))
                self.servers[2].admin_ok("device", "approve", dev["userCode"], "--user", USER)
                tokens = self.assert_one_winner(
                    race(self.replicas, "/token",
                         dict(creds, grantType=h.DEVICE_GRANT, deviceCode=dev["deviceCode"])),
                    f"device code, round {round_number}")
                self.assertTrue(tokens["accessToken"])
                self.assert_one_winner(
                    race(self.replicas, "/token",
                         dict(creds, grantType=h.REFRESH_GRANT,
                              refreshToken=tokens["refreshToken"])),
                    f"refresh token, round {round_number}")

    def test_authorization_code_has_one_winner(self):
        redirect = "http://127.0.0.1:53682/oauth/callback"
        # The person signs in and consents on replica 0; the code is redeemed on every replica.
        browser = test_pkce.HttpBrowser(self.replicas[0])
        for round_number in range(ROUNDS):
            with self.subTest(round=round_number):
                client = test_pkce.register(self.replicas[0], redirect_uris=(redirect,))
                verifier = test_pkce.cli_verifier()
                url = test_pkce.cli_authorize_url(self.replicas[0].url, client["clientId"],
                                                  redirect, f"state-{round_number}",
                                                  ["sso:account:access"],
                                                  test_pkce.cli_challenge(verifier))
                location = browser.authorize(url)
                code = urllib.parse.parse_qs(urllib.parse.urlparse(location).query)["code"][0]
                body = {"grantType": "authorization_code", "clientId": client["clientId"],
                        "clientSecret": client["clientSecret"], "redirectUri": redirect,
                        "codeVerifier": verifier, "code": code}
                tokens = self.assert_one_winner(race(self.replicas, "/token", body),
                                                f"authorization code, round {round_number}")
                self.assertTrue(tokens["refreshToken"])


if __name__ == "__main__":
    h.server_binary()
    h.postgres_test_url()
    unittest.main(verbosity=2)
