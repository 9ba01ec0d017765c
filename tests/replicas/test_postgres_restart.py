#!/usr/bin/env python3
"""PostgreSQL restarted under load, and a replica started while it is down (issue 12).

* Two replicas on one PostgreSQL acknowledge registrations, approved device authorizations and
  token families; then load runs on both while the cluster is restarted (pg_ctl restart -m fast:
  every session is cut). Requests in the window may fail, but only with 500
  InternalServerException; each replica serves again by itself within RECOVERY_SECONDS of the
  database being back; and everything acknowledged before the restart still works afterwards
  (registrations authenticate, approved device codes redeem, refresh tokens refresh).
* A replica started while the cluster is down does not exit: it logs that it is waiting for the
  database, retries, and starts serving once the cluster is back.

The cluster is shared with the other suites, so CTest runs this one alone (RUN_SERIAL).
Environment: SSOOIDC_SERVER, SSOOIDC_TEST_POSTGRES_URL / _CTL / _CLUSTER (scripts/test.sh).
"""

import http.client
import json
import os
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))

import ssooidc_harness as h  # noqa: E402

START_URL = "https://d-0000000000.awsapps.com/start"
RECOVERY_SECONDS = 2.0
KEY = "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB\n"


def call(url, path, body, timeout=30):
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        conn.request("POST", path, json.dumps(body).encode(), {"Content-Type": "application/json"})
        resp = conn.getresponse()
        return resp.status, resp.getheader("x-amzn-ErrorType", "").split(":")[0], json.loads(resp.read())
    finally:
        conn.close()


class PostgresRestartTest(unittest.TestCase):

    def setUp(self):
        self.tmp = h.TempDir("ssooidc-pgrestart-")
        self.addCleanup(self.tmp.close)
        self.schema = h.PostgresSchema("restart")
        self.addCleanup(self.schema.close)
        self.key_file = self.tmp.join("server.key")
        with open(self.key_file, "w") as f:
            f.write(KEY)
        os.chmod(self.key_file, 0o600)
        self.servers = []

    def start_server(self, name, timeout=30.0):
        server = h.Server(self.tmp.path, "--access-log", "off", "--key-file", self.key_file,
                          "--register-client-rate", "0", "--device-authorization-rate", "0",
                          "--no-bootstrap-user", name=name, database=self.schema.url)
        self.addCleanup(server.kill)
        server.start(timeout=timeout)
        self.servers.append(server)
        return server

    def acknowledge(self, server, count):
        """Registrations, approved-but-unredeemed device codes and token families, each
        acknowledged by the server."""
        done = {"registrations": [], "approved": [], "families": []}
        for i in range(count):
            status, kind, reg = call(server.url, "/client/register",
                                     {"clientName": f"r{i}", "clientType": "public",
                                      "scopes": ["sso:account:access"]})
            self.assertEqual(status, 200, (kind, reg))
            creds = {"clientId": reg["clientId"], "clientSecret": reg["clientSecret"]}
            done["registrations"].append(creds)
            for target in ("approved", "families"):
                status, kind, dev = call(server.url, "/device_authorization",
                                         dict(creds, startUrl=START_URL))
                self.assertEqual(status, 200, (kind, dev))
                server.admin_ok("device", "approve", dev["userCode"], "--user", "alice")
                if target == "approved":
                    done["approved"].append((creds, dev["deviceCode"]))
                    continue
                status, kind, tokens = call(server.url, "/token",
                                            dict(creds, grantType=h.DEVICE_GRANT,
                                                 deviceCode=dev["deviceCode"]))
                self.assertEqual(status, 200, (kind, tokens))
                done["families"].append((creds, tokens["refreshToken"]))
        return done

    def verify(self, servers, done):
        for i, creds in enumerate(done["registrations"]):
            status, kind, body = call(servers[i % 2].url, "/device_authorization",
                                      dict(creds, startUrl=START_URL))
            self.assertEqual(status, 200, f"registration lost: {kind} {body}")
        for i, (creds, device_code) in enumerate(done["approved"]):
            status, kind, body = call(servers[i % 2].url, "/token",
                                      dict(creds, grantType=h.DEVICE_GRANT,
                                           deviceCode=device_code))
            self.assertEqual(status, 200, f"approval lost: {kind} {body}")
        for i, (creds, refresh) in enumerate(done["families"]):
            status, kind, body = call(servers[(i + 1) % 2].url, "/token",
                                      dict(creds, grantType=h.REFRESH_GRANT, refreshToken=refresh))
            self.assertEqual(status, 200, f"token lost: {kind} {body}")

    def test_restart_under_load_loses_nothing_and_recovers(self):
        a = self.start_server("a")
        b = self.start_server("b")
        a.admin_ok("user", "add", "alice", "--password-stdin", stdin="correct horse\n")
        done = self.acknowledge(a, 6)

        stop = threading.Event()
        outcomes = []  # (monotonic time, replica index, status, error type)
        lock = threading.Lock()

        def load(index, server):
            while not stop.is_set():
                try:
                    status, kind, _ = call(server.url, "/client/register",
                                           {"clientName": "load", "clientType": "public"},
                                           timeout=20)
                except (OSError, http.client.HTTPException) as e:
                    status, kind = 0, type(e).__name__
                with lock:
                    outcomes.append((time.monotonic(), index, status, kind))

        workers = [threading.Thread(target=load, args=(i % 2, s), daemon=True)
                   for i, s in enumerate([a, b, a, b])]
        for w in workers:
            w.start()
        time.sleep(0.5)  # load is running on both replicas before the restart
        restart_began = time.monotonic()
        h.postgres_cluster("restart")
        back = time.monotonic()  # pg_ctl -w returned: the cluster accepts connections
        # Wait (without asserting on time) until each replica has answered 200 after `back`,
        # or 30 s have gone by.
        deadline = back + 30
        while time.monotonic() < deadline:
            with lock:
                recovered = {i for t, i, s, _ in outcomes if t > back and s == 200}
            if recovered == {0, 1}:
                break
            time.sleep(0.05)
        stop.set()
        for w in workers:
            w.join(timeout=60)

        with lock:
            seen = list(outcomes)
        failures = sorted({(s, k) for _, _, s, k in seen if s != 200})
        self.assertTrue(all(f == (500, "InternalServerException") for f in failures),
                        f"requests failed otherwise than InternalServerException: {failures}")
        self.assertTrue(any(t < restart_began and s == 200 for t, _, s, _ in seen),
                        "no load before the restart")
        for index in (0, 1):
            firsts = [t for t, i, s, _ in seen if i == index and t > back and s == 200]
            self.assertTrue(firsts, f"replica {index} never served again after the restart")
            # The first success after the database came back, whether or not anything failed.
            self.assertLessEqual(firsts[0] - back, RECOVERY_SECONDS,
                                 f"replica {index} took {firsts[0] - back:.2f}s to recover")
        failed = sum(1 for _, _, s, _ in seen if s != 200)
        print(f"restart: {len(seen)} requests, {failed} InternalServerException in the window; "
              f"recovered within {max(min(t for t, i, s, _ in seen if i == x and t > back and s == 200) - back for x in (0, 1)):.3f}s",
              file=sys.stderr)
        self.verify([a, b], done)

    def test_replica_started_while_the_database_is_down_waits(self):
        a = self.start_server("a")  # the schema exists and is migrated
        a.kill()
        h.postgres_cluster("halt")
        self.addCleanup(lambda: h.postgres_cluster("resume") if not self.resumed else None)
        self.resumed = False
        late = h.Server(self.tmp.path, "--access-log", "off", "--key-file", self.key_file,
                        "--no-bootstrap-user", name="late", database=self.schema.url)
        self.addCleanup(late.kill)
        started = {}
        starter = threading.Thread(target=lambda: started.update(url=late.start(timeout=120)))
        starter.start()
        # It says it is waiting (more than once: it retries) and does not exit meanwhile.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            text = ""
            if os.path.exists(getattr(late, "log_path", "")):
                with open(late.log_path) as log:
                    text = log.read()
            if text.count("waiting for the database") >= 2:
                break
            time.sleep(0.1)
        self.assertGreaterEqual(text.count("waiting for the database"), 2, late.log_tail())
        self.assertTrue(late.alive(), "the replica exited instead of waiting" + late.log_tail())
        self.assertNotIn(h.postgres_test_url().split("@")[0].split(":")[-1], text,
                         "the password reached the log")
        h.postgres_cluster("resume")
        self.resumed = True
        starter.join(timeout=120)
        self.assertIn("url", started, late.log_tail())
        status, kind, body = call(late.url, "/client/register",
                                  {"clientName": "late", "clientType": "public"})
        self.assertEqual(status, 200, (kind, body))


if __name__ == "__main__":
    h.server_binary()
    h.postgres_test_url()
    unittest.main(verbosity=2)
