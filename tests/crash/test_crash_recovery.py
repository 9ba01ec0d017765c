#!/usr/bin/env python3
"""Crash test: what the server acknowledged must survive `kill -9`.

Each round runs load against one ssooidc-server from several threads (registrations, device
flows approved with the operator command from another process, chains of refreshes), records
every acknowledged result, then SIGKILLs the server while requests are in flight. The server is
restarted on the same SQLite file and every acknowledged result is checked:

* every acknowledged registration still authenticates (StartDeviceAuthorization succeeds);
* every acknowledged device authorization left pending still polls as pending (committed by
  the group commit, issue 15; test_write_durability.py also cuts the power under it);
* every token family's newest acknowledged refresh token still refreshes, once;
* in half of the families with an older acknowledged token, replaying that older token is
  refused (the "used" mark survived the crash too); the other half carry the rotation made
  during the check into the next round, where it must have survived the next kill.

A refresh that was in flight at the kill is in doubt: the server may have committed the
rotation without the answer reaching us, and then the newest token *we know of* was used. Such
families (at most one per worker) are left out of the checks and counted. Everything else is
checked strictly, and minimum counts keep the test from passing vacuously.

Two rounds run on the same database, the second also re-checking the first round's results.
SSOOIDC_SERVER names the binary (see ../e2e/ssooidc_harness.py). With SSOOIDC_CRASH_BACKEND=postgres
the same test runs on a fresh schema of the test PostgreSQL (SSOOIDC_TEST_POSTGRES_URL, issue 12)
instead of a SQLite file.
"""

import http.client
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))

import ssooidc_harness as h  # noqa: E402

START_URL = "https://d-0000000000.awsapps.com/start"
WORKERS = 6
ROUNDS = 2
# What one round must have acknowledged before the kill.
MIN_REGISTRATIONS = 120
MIN_FAMILIES = 20
MIN_REFRESHES = 40
MIN_LOAD_SECONDS = 4.0
MAX_LOAD_SECONDS = 120.0

CONNECTION_ERRORS = (ConnectionError, http.client.HTTPException, socket.timeout, OSError)


def load_server(directory, *extra, name, database=None, env=None):
    """The server both crash suites put under load (not started): no access log, and no
    per-address registration or device-start limit, which would slow the load down."""
    return h.Server(directory, "--access-log", "off", "--register-client-rate", "0",
                    "--device-authorization-rate", "0", *extra, name=name, database=database,
                    env=env)


class ServerGone(Exception):
    """The connection failed: the server was killed (or died)."""


class Unexpected(Exception):
    """The server answered, but not as the protocol says it must."""


class Api:
    """A minimal keep-alive JSON client; raises ServerGone on any transport failure."""

    def __init__(self, url):
        self.url = url
        host, port = url.removeprefix("http://").split(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=60)

    def call(self, path, body):
        data = json.dumps(body).encode()
        try:
            self.conn.request("POST", path, data, {"Content-Type": "application/json"})
            resp = self.conn.getresponse()
            payload = resp.read()
        except CONNECTION_ERRORS as e:
            self.conn.close()
            raise ServerGone(repr(e)) from e
        try:
            parsed = json.loads(payload)
        except ValueError:
            raise Unexpected(f"{path}: {resp.status} non-JSON body {payload[:200]!r}")
        error_type = resp.getheader("x-amzn-ErrorType", "")
        return resp.status, error_type.split(":", 1)[0], parsed

    def ok(self, path, body):
        status, error_type, parsed = self.call(path, body)
        if status != 200:
            raise Unexpected(f"{path}: {status} {error_type} {parsed}")
        return parsed

    def expect_error(self, path, body, shape):
        status, error_type, parsed = self.call(path, body)
        if error_type != shape:
            raise Unexpected(f"{path}: expected {shape}, got {status} {error_type} {parsed}")
        return parsed

    def close(self):
        self.conn.close()


class Journal:
    """What the server acknowledged, shared by the worker threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.registrations = []      # [(clientId, clientSecret)]
        self.families = {}           # family key -> {"client": (id, secret), "tokens": [..]}
        self.in_doubt = set()        # family keys with a refresh in flight at the kill
        self.pending_devices = []    # [(clientId, clientSecret, deviceCode)] never approved
        self.refreshes = 0

    def add_registration(self, reg):
        with self.lock:
            self.registrations.append((reg["clientId"], reg["clientSecret"]))

    def add_pending_device(self, creds, device_code):
        with self.lock:
            self.pending_devices.append((creds["clientId"], creds["clientSecret"], device_code))

    def add_family(self, key, reg, refresh_token):
        with self.lock:
            self.families[key] = {"client": (reg["clientId"], reg["clientSecret"]),
                                  "tokens": [refresh_token]}

    def add_refresh(self, key, refresh_token):
        with self.lock:
            self.families[key]["tokens"].append(refresh_token)
            self.refreshes += 1

    def counts(self):
        with self.lock:
            return len(self.registrations), len(self.families), self.refreshes


class LoadWorker(threading.Thread):
    def __init__(self, index, server, journal, stop):
        super().__init__(name=f"load-{index}", daemon=True)
        self.index = index
        self.server = server
        self.journal = journal
        self.stop = stop
        self.rng = random.Random(index)
        self.unexpected = []         # protocol failures while the server was alive
        self.ended_by = None         # how the loop ended
        self.cycles = 0

    def run(self):
        api = Api(self.server.url)
        try:
            while not self.stop.is_set():
                self.cycle(api)
                self.cycles += 1
            self.ended_by = "stop"
        except ServerGone as e:
            self.ended_by = f"server gone: {e}"
        except Unexpected as e:
            if self.server.alive():
                self.unexpected.append(str(e))
            self.ended_by = f"unexpected: {e}"
        except Exception as e:  # noqa: BLE001 - reported as a test failure
            self.unexpected.append(f"{type(e).__name__}: {e}")
            self.ended_by = "crashed"
        finally:
            api.close()

    def register(self, api, scoped):
        body = {"clientName": f"crash-{self.index}", "clientType": "public"}
        if scoped:
            body["scopes"] = ["sso:account:access"]
        reg = api.ok("/client/register", body)
        self.journal.add_registration(reg)
        return reg

    def cycle(self, api):
        for _ in range(2):
            self.register(api, scoped=self.rng.random() < 0.5)
        reg = self.register(api, scoped=True)
        creds = {"clientId": reg["clientId"], "clientSecret": reg["clientSecret"]}
        # One left pending, to be found pending after the kill.
        waiting = api.ok("/device_authorization", dict(creds, startUrl=START_URL))
        self.journal.add_pending_device(creds, waiting["deviceCode"])
        dev = api.ok("/device_authorization", dict(creds, startUrl=START_URL))
        poll = dict(creds, grantType=h.DEVICE_GRANT, deviceCode=dev["deviceCode"])
        api.expect_error("/token", poll, "AuthorizationPendingException")
        approved = self.server.admin("device", "approve", dev["userCode"], "--user", "admin")
        if approved.returncode != 0:
            if not self.server.alive():
                raise ServerGone("approved after the kill")
            raise Unexpected(f"device approve failed: {approved.stderr}")
        token = api.ok("/token", poll)
        key = (self.index, self.cycles)
        self.journal.add_family(key, reg, token["refreshToken"])
        latest = token["refreshToken"]
        for _ in range(self.rng.randint(1, 4)):
            if self.stop.is_set():
                return
            self.journal.in_doubt.add(key)
            try:
                out = api.ok("/token", dict(creds, grantType=h.REFRESH_GRANT,
                                            refreshToken=latest))
            except ServerGone:
                raise
            latest = out["refreshToken"]
            self.journal.add_refresh(key, latest)
            self.journal.in_doubt.discard(key)


class CrashRecoveryTest(unittest.TestCase):

    def setUp(self):
        self.tmp = h.TempDir("ssooidc-crash-")
        self.addCleanup(self.tmp.close)
        database, extra = None, []
        if os.environ.get("SSOOIDC_CRASH_BACKEND") == "postgres":
            schema = h.PostgresSchema("crash")
            self.addCleanup(schema.close)
            database = schema.url
            # No file beside a PostgreSQL database: the key and the first user's password get
            # their own.
            extra = ["--key-file", self.tmp.join("server.key"),
                     "--bootstrap-password-file", self.tmp.join("admin-password")]
        self.server = load_server(self.tmp.path, *extra, name="crash", database=database)
        self.addCleanup(self.server.kill)

    def run_load_and_kill(self, journal):
        stop = threading.Event()
        workers = [LoadWorker(i, self.server, journal, stop) for i in range(WORKERS)]
        started = time.monotonic()
        for w in workers:
            w.start()
        while True:
            time.sleep(0.1)
            regs, fams, refs = journal.counts()
            elapsed = time.monotonic() - started
            if (regs >= MIN_REGISTRATIONS and fams >= MIN_FAMILIES and refs >= MIN_REFRESHES
                    and elapsed >= MIN_LOAD_SECONDS):
                break
            failed = [u for w in workers for u in w.unexpected]
            if failed:
                stop.set()
                self.server.kill()
                self.fail(f"protocol failures under load: {failed[:5]}" + self.server.log_tail())
            if not all(w.is_alive() for w in workers):
                stop.set()
                self.server.kill()
                self.fail("a worker stopped before the kill: "
                          f"{[w.ended_by for w in workers]}" + self.server.log_tail())
            if elapsed > MAX_LOAD_SECONDS:
                stop.set()
                self.server.kill()
                self.fail(f"only {regs} registrations, {fams} families, {refs} refreshes "
                          f"acknowledged in {MAX_LOAD_SECONDS:.0f}s")
        # Land the kill at a random point of the request stream, with every worker busy.
        time.sleep(random.uniform(0.0, 0.3))
        busy = sum(w.is_alive() for w in workers)
        self.assertEqual(busy, WORKERS, "every worker must be mid-load at the kill")
        self.server.kill()
        stop.set()
        for w in workers:
            w.join(timeout=90)
            self.assertFalse(w.is_alive(), f"{w.name} hung after the kill")
        failed = [u for w in workers for u in w.unexpected]
        self.assertEqual(failed, [], "protocol failures under load")
        gone = sum(1 for w in workers if (w.ended_by or "").startswith("server gone"))
        self.assertGreater(gone, 0, f"no request was cut by the kill: "
                                    f"{[w.ended_by for w in workers]}")
        return journal.counts()

    def verify(self, journals):
        """Checks every acknowledged result of every journal against the restarted server."""
        api = Api(self.server.url)
        checked_regs = checked_families = checked_reuse = skipped = checked_devices = 0
        try:
            for journal in journals:
                for client_id, secret, device_code in journal.pending_devices:
                    status, error_type, body = api.call("/token", {
                        "clientId": client_id, "clientSecret": secret,
                        "grantType": h.DEVICE_GRANT, "deviceCode": device_code})
                    self.assertEqual(error_type, "AuthorizationPendingException",
                                     f"acknowledged device authorization lost: {status} "
                                     f"{error_type} {body}")
                    checked_devices += 1
                for client_id, secret in journal.registrations:
                    status, error_type, body = api.call("/device_authorization", {
                        "clientId": client_id, "clientSecret": secret, "startUrl": START_URL})
                    self.assertEqual(status, 200, f"acknowledged registration {client_id} lost: "
                                                  f"{error_type} {body}")
                    checked_regs += 1
                for key, family in journal.families.items():
                    if key in journal.in_doubt:
                        skipped += 1
                        continue
                    client_id, secret = family["client"]
                    creds = {"clientId": client_id, "clientSecret": secret,
                             "grantType": h.REFRESH_GRANT}
                    status, error_type, body = api.call(
                        "/token", dict(creds, refreshToken=family["tokens"][-1]))
                    self.assertEqual(status, 200, f"acknowledged refresh token of {key} lost: "
                                                  f"{error_type} {body}")
                    self.assertIn("refreshToken", body)
                    checked_families += 1
                    if len(family["tokens"]) >= 2 and checked_families % 2 == 0:
                        # Replaying an older, used token must still count as reuse ...
                        api.expect_error("/token", dict(creds, refreshToken=family["tokens"][-2]),
                                         "InvalidGrantException")
                        checked_reuse += 1
                        # ... which revoked the family, so it is done with.
                        family["tokens"] = []
                    else:
                        # The other half lives on: the rotation just acknowledged by the
                        # restarted server is checked after the next kill.
                        family["tokens"].append(body["refreshToken"])
                # Families that were checked by this pass and still live carry on into the next.
                journal.families = {k: f for k, f in journal.families.items()
                                    if f["tokens"] and k not in journal.in_doubt}
                journal.in_doubt = set()
        finally:
            api.close()
        return checked_regs, checked_families, checked_reuse, skipped, checked_devices

    def test_acknowledged_writes_survive_kill_9(self):
        journals = []
        for round_number in range(1, ROUNDS + 1):
            self.server.start()
            journal = Journal()
            regs, fams, refs = self.run_load_and_kill(journal)
            self.assertGreaterEqual(regs, MIN_REGISTRATIONS)
            self.assertGreaterEqual(fams, MIN_FAMILIES)
            self.assertGreaterEqual(refs, MIN_REFRESHES)
            self.assertLessEqual(len(journal.in_doubt), WORKERS)
            journals.append(journal)

            expected_regs = sum(len(j.registrations) for j in journals)
            expected_devices = sum(len(j.pending_devices) for j in journals)
            expected_families = sum(len(set(j.families) - j.in_doubt) for j in journals)
            this_round_families = len(set(journal.families) - journal.in_doubt)
            self.server.start()  # same database file, after kill -9
            checked = self.verify(journals)
            print(f"round {round_number}: acknowledged {regs} registrations, {fams} token "
                  f"families, {refs} refreshes; after restart verified {checked[0]} "
                  f"registrations, {checked[1]} families, {checked[2]} reuse refusals; "
                  f"{checked[3]} in-doubt families skipped, {checked[4]} pending device "
                  f"authorizations", file=sys.stderr)
            self.assertEqual(checked[0], expected_regs)
            self.assertEqual(checked[4], expected_devices)
            self.assertGreaterEqual(checked[4], MIN_FAMILIES)
            self.assertEqual(checked[1], expected_families)
            self.assertGreaterEqual(checked[1], fams - WORKERS)
            if round_number > 1:
                self.assertGreater(expected_families, this_round_families,
                                   "families from earlier rounds must be re-checked")
            self.assertEqual(self.server.stop(), 0, self.server.log_tail())

        # The operator commands still read the database.
        listing = self.server.admin_ok("user", "list").stdout
        self.assertRegex(listing, r"(?m)^admin\s+enabled\s")


if __name__ == "__main__":
    h.server_binary()
    unittest.main(verbosity=2)
