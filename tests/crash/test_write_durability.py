#!/usr/bin/env python3
"""Group commit (issue 15): every acknowledged write survives kill -9 and a power cut.

RegisterClient and StartDeviceAuthorization insert through the SQLite backend's group commit: one
writer commits the inserts of every request waiting at that moment in one transaction with one
fsync and only then are they answered. Here WRITERS threads call nothing but those two at once, so
that batches form, and record every acknowledged answer; then the server is killed with SIGKILL
while requests are in flight, and

* kill -9: the database file as the killed process left it (the operating system's cache kept)
  must hold every acknowledged registration and device authorization;
* power cut: the server ran under tests/crash/powercut.cc (LD_PRELOAD), which keeps beside each
  database file a shadow holding only what fsync made durable. Put in place of the files, the
  shadows are the disk after a power cut at the moment of the kill; that image must pass
  PRAGMA integrity_check, hold every acknowledged row, and serve: the restarted server answers
  polls of acknowledged device codes with AuthorizationPending.

The control shows that the power cut can lose something: a writer that commits without fsync
(synchronous=OFF) under the same library loses acknowledged rows in the image, while one with
synchronous=FULL loses none.

Issuance (also issue 15) is grouped the same way, each item in a savepoint of the batch: the
issuance tests run WRITERS threads that each register a client, then redeem device codes (approved
at once by --test-mode --auto-approve), rotate the refresh token they got, and redeem PKCE
authorization codes from GET /authorize, and check after kill -9 and after the power cut that every
acknowledged issuance is in the file: its access and refresh tokens stored, the device code
redeemed, the authorization code used and the rotated refresh token marked used (so it can never be
replayed after the crash).

Rows are checked in the file itself (SHA-256 of each device code, the client id), so that tens of
thousands of acknowledgements are checked exactly. SSOOIDC_SERVER names the server binary,
POWERCUT_LIBRARY the built shim (tests/crash/CMakeLists.txt passes both).
"""

import base64
import hashlib
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))

import http.client  # noqa: E402

import ssooidc_harness as h  # noqa: E402
from test_crash_recovery import Api, ServerGone, Unexpected, load_server  # noqa: E402

START_URL = "https://d-0000000000.awsapps.com/start"
WRITERS = 24
MIN_REGISTRATIONS = 200
MIN_DEVICES = 600
MIN_LOAD_SECONDS = 3.0
MAX_LOAD_SECONDS = 120.0
DEVICES_PER_CLIENT = 4
MIN_ISSUED = 300          # acknowledged CreateToken answers of each kind before the kill
AUTO_APPROVER = "crash"   # the user --auto-approve approves every login as
REDIRECT_URI = "http://127.0.0.1:49152/oauth/callback"
VERIFIER = "crash-pkce-verifier-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGH"
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).decode().rstrip("=")


def powercut_library():
    path = os.environ.get("POWERCUT_LIBRARY", "")
    if not os.path.isfile(path):
        raise RuntimeError(f"POWERCUT_LIBRARY {path!r} is not a file (build target powercut)")
    return path


class Journal:
    def __init__(self):
        self.lock = threading.Lock()
        self.clients = []       # acknowledged client ids
        self.devices = []       # (clientId, clientSecret, deviceCode) acknowledged

    def counts(self):
        with self.lock:
            return len(self.clients), len(self.devices)


class LoadThread(threading.Thread):
    """One client of the load: runs `load(api)` until the stop event or the server is gone, and
    records how it ended (`ended_by`) and what the server answered wrongly (`unexpected`)."""

    def __init__(self, kind, index, url, journal, stop):
        super().__init__(name=f"{kind}-{index}", daemon=True)
        self.index, self.url, self.journal, self.stop = index, url, journal, stop
        self.ended_by = None
        self.unexpected = []

    def run(self):
        api = Api(self.url)
        try:
            self.load(api)
            self.ended_by = "stop"
        except ServerGone as e:
            self.ended_by = f"server gone: {e}"
        except Unexpected as e:
            self.ended_by = f"unexpected: {e}"
            self.unexpected.append(str(e))
        finally:
            api.close()


class Writer(LoadThread):
    def __init__(self, index, url, journal, stop):
        super().__init__("writer", index, url, journal, stop)

    def load(self, api):
        while not self.stop.is_set():
            reg = api.ok("/client/register",
                         {"clientName": f"write-{self.index}", "clientType": "public"})
            with self.journal.lock:
                self.journal.clients.append(reg["clientId"])
            creds = {"clientId": reg["clientId"], "clientSecret": reg["clientSecret"]}
            for _ in range(DEVICES_PER_CLIENT):
                dev = api.ok("/device_authorization", dict(creds, startUrl=START_URL))
                with self.journal.lock:
                    self.journal.devices.append(
                        (creds["clientId"], creds["clientSecret"], dev["deviceCode"]))


class IssuanceJournal:
    def __init__(self):
        self.lock = threading.Lock()
        self.device_codes = []   # (deviceCode, accessToken, refreshToken) acknowledged
        self.rotations = []      # (credentials, old refreshToken, accessToken, new refreshToken)
        self.pkce_codes = []     # (code, accessToken, refreshToken) acknowledged

    def counts(self):
        with self.lock:
            return len(self.device_codes), len(self.rotations), len(self.pkce_codes)


class IssuingWriter(LoadThread):
    """Registers a client, then loops: a device code redeemed, its refresh token rotated, an
    authorization code redeemed; records every acknowledged answer."""

    def __init__(self, index, url, journal, stop):
        super().__init__("issuer", index, url, journal, stop)

    def authorization_code(self, client_id):
        host, port = self.url.removeprefix("http://").split(":")
        query = urllib.parse.urlencode({
            "response_type": "code", "client_id": client_id, "redirect_uri": REDIRECT_URI,
            "state": "crash", "code_challenge": CHALLENGE, "code_challenge_method": "S256",
            "scopes": "sso:account:access openid"})
        conn = http.client.HTTPConnection(host, int(port), timeout=60)
        try:
            conn.request("GET", "/authorize?" + query)
            resp = conn.getresponse()
            resp.read()
        except (ConnectionError, http.client.HTTPException, OSError) as e:
            raise ServerGone(repr(e)) from e
        finally:
            conn.close()
        location = resp.getheader("Location", "")
        codes = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query).get("code")
        if resp.status not in (302, 303) or not codes:
            raise Unexpected(f"/authorize: {resp.status} Location {location!r}")
        return codes[0]

    def load(self, api):
        reg = api.ok("/client/register", {
            "clientName": f"issue-{self.index}", "clientType": "public",
            "scopes": ["sso:account:access", "openid"],
            "grantTypes": ["authorization_code", "refresh_token", h.DEVICE_GRANT],
            "redirectUris": [REDIRECT_URI], "issuerUrl": START_URL})
        creds = {"clientId": reg["clientId"], "clientSecret": reg["clientSecret"]}
        while not self.stop.is_set():
            dev = api.ok("/device_authorization", dict(creds, startUrl=START_URL))
            token = api.ok("/token", dict(creds, grantType=h.DEVICE_GRANT,
                                          deviceCode=dev["deviceCode"]))
            with self.journal.lock:
                self.journal.device_codes.append(
                    (dev["deviceCode"], token["accessToken"], token["refreshToken"]))
            rotated = api.ok("/token", dict(creds, grantType="refresh_token",
                                            refreshToken=token["refreshToken"]))
            with self.journal.lock:
                self.journal.rotations.append((creds, token["refreshToken"],
                                               rotated["accessToken"], rotated["refreshToken"]))
            code = self.authorization_code(creds["clientId"])
            pkce = api.ok("/token", dict(creds, grantType="authorization_code", code=code,
                                         redirectUri=REDIRECT_URI, codeVerifier=VERIFIER))
            if not pkce.get("idToken"):
                raise Unexpected(f"/token authorization_code: no idToken in {sorted(pkce)}")
            with self.journal.lock:
                self.journal.pkce_codes.append(
                    (code, pkce["accessToken"], pkce["refreshToken"]))


# Schema version 8 stores a SHA-256 device-code hash as its 32 bytes (any other text as text),
# and version 9 a token hash likewise.
HEX_DEVICE_CODE_HASH = ("CASE typeof(device_code_hash) WHEN 'blob' THEN lower(hex(device_code_hash)) "
                        "ELSE device_code_hash END")
HEX_TOKEN_HASH = ("CASE typeof(token_hash) WHEN 'blob' THEN lower(hex(token_hash)) "
                  "ELSE token_hash END")


def stored_issuance(database_path):
    """(integrity, {token hash: used}, redeemed device code hashes, used code hashes)."""
    db = sqlite3.connect(database_path)
    try:
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
        tokens = dict(db.execute(f"SELECT {HEX_TOKEN_HASH}, used FROM tokens"))
        redeemed = {row[0] for row in db.execute(
            f"SELECT {HEX_DEVICE_CODE_HASH} FROM device_authorizations WHERE state = 'redeemed'")}
        used_codes = {row[0] for row in db.execute(
            "SELECT code_hash FROM authorization_codes WHERE used = 1")}
    finally:
        db.close()
    return integrity, tokens, redeemed, used_codes


def stored_rows(database_path):
    """(client ids, device code hashes) in the file, after checking its integrity."""
    db = sqlite3.connect(database_path)
    try:
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
        clients = {row[0] for row in db.execute("SELECT client_id FROM clients")}
        # The server stores a device code's key (its time, then its SHA-256) as bytes (migration 8).
        devices = {row[0] for row in db.execute(
            f"SELECT {HEX_DEVICE_CODE_HASH} FROM device_authorizations")}
    finally:
        db.close()
    return integrity, clients, devices


def device_hash(device_code):
    """The key the server stores a device code under (crypto::secret_hash): the six time bytes
    of an ordered code (the eight base64url characters before its '.') in hex, then its SHA-256."""
    digest = hashlib.sha256(device_code.encode()).hexdigest()
    dot = device_code.find(".")
    if dot < 8:
        return digest
    return base64.urlsafe_b64decode(device_code[dot - 8:dot]).hex() + digest


def power_cut_image(source_dir, target_dir, names):
    """Copies each file of `names` as its shadow FILE.synced says it is durable (or not at all
    when the shadow is missing: it was never synced, or was created without being written)."""
    os.makedirs(target_dir)
    for name in names:
        shadow = os.path.join(source_dir, name + ".synced")
        if os.path.exists(shadow):
            shutil.copyfile(shadow, os.path.join(target_dir, name))
            os.chmod(os.path.join(target_dir, name), 0o600)


class WriteDurabilityTest(unittest.TestCase):

    def setUp(self):
        self.tmp = h.TempDir("ssooidc-write-durability-")
        self.addCleanup(self.tmp.close)

    def start_server(self, directory, extra_env=None, issuing=False):
        # Issuing: every login approved at once as AUTO_APPROVER (test mode), so that the load is
        # nothing but issuance.
        extra = (["--test-mode", "--auto-approve", AUTO_APPROVER, "--poll-interval", "0"]
                 if issuing else [])
        if issuing and not os.path.exists(os.path.join(directory, "write.db")):
            subprocess.run([h.server_binary(), "user", "add", AUTO_APPROVER, "--password-stdin",
                            "--database", "sqlite:" + os.path.join(directory, "write.db")],
                           input=b"crash-password-0123456789\n", check=True,
                           stdout=subprocess.DEVNULL, env=h.clean_environment(extra_env))
        server = load_server(directory, "--no-bootstrap-user", *extra, name="write",
                             env=extra_env)
        self.addCleanup(server.kill)
        server.start()
        return server

    def load_and_kill(self, server, issuing=False):
        journal = IssuanceJournal() if issuing else Journal()
        stop = threading.Event()
        kind = IssuingWriter if issuing else Writer
        writers = [kind(i, server.url, journal, stop) for i in range(WRITERS)]
        started = time.monotonic()
        for w in writers:
            w.start()
        while True:
            time.sleep(0.1)
            counts = journal.counts()
            elapsed = time.monotonic() - started
            enough = (min(counts) >= MIN_ISSUED if issuing else
                      counts[0] >= MIN_REGISTRATIONS and counts[1] >= MIN_DEVICES)
            if enough and elapsed >= MIN_LOAD_SECONDS:
                break
            failed = [u for w in writers for u in w.unexpected]
            if failed or not all(w.is_alive() for w in writers) or elapsed > MAX_LOAD_SECONDS:
                stop.set()
                server.kill()
                self.fail(f"load failed after {elapsed:.0f}s with {counts} acknowledged: "
                          f"{failed[:3]} {[w.ended_by for w in writers]}" + server.log_tail())
        time.sleep(random.uniform(0.0, 0.3))
        self.assertTrue(all(w.is_alive() for w in writers), "every writer must be mid-load")
        server.kill()
        stop.set()
        for w in writers:
            w.join(timeout=90)
            self.assertFalse(w.is_alive(), f"{w.name} hung after the kill")
        self.assertEqual([u for w in writers for u in w.unexpected], [])
        cut = sum(1 for w in writers if (w.ended_by or "").startswith("server gone"))
        self.assertGreater(cut, 0, "no request was cut by the kill")
        return journal

    def assert_every_acknowledged_row(self, database_path, journal, what):
        integrity, clients, devices = stored_rows(database_path)
        self.assertEqual(integrity, "ok", f"{what}: integrity_check")
        lost_clients = [c for c in journal.clients if c not in clients]
        lost_devices = [d for d in journal.devices if device_hash(d[2]) not in devices]
        print(f"{what}: {len(journal.clients)} acknowledged registrations, "
              f"{len(journal.devices)} acknowledged device authorizations; "
              f"{len(clients)} and {len(devices)} stored; lost {len(lost_clients)} and "
              f"{len(lost_devices)}", file=sys.stderr)
        self.assertEqual(lost_clients, [], f"{what}: acknowledged registrations lost")
        self.assertEqual(lost_devices, [], f"{what}: acknowledged device authorizations lost")

    def assert_every_acknowledged_issuance(self, database_path, journal, what):
        integrity, tokens, redeemed, used_codes = stored_issuance(database_path)
        self.assertEqual(integrity, "ok", f"{what}: integrity_check")

        def lost_tokens(*values):
            return [v for v in values if device_hash(v) not in tokens]
        lost = {"device code not redeemed": [], "authorization code not used": [],
                "rotated refresh token not used": [], "issued token missing": []}
        for device_code, access, refresh in journal.device_codes:
            if device_hash(device_code) not in redeemed:
                lost["device code not redeemed"].append(device_code)
            lost["issued token missing"] += lost_tokens(access, refresh)
        for _, old_refresh, access, refresh in journal.rotations:
            if tokens.get(device_hash(old_refresh)) != 1:
                lost["rotated refresh token not used"].append(old_refresh)
            lost["issued token missing"] += lost_tokens(access, refresh)
        for code, access, refresh in journal.pkce_codes:
            if device_hash(code) not in used_codes:
                lost["authorization code not used"].append(code)
            lost["issued token missing"] += lost_tokens(access, refresh)
        print(f"{what}: acknowledged {len(journal.device_codes)} device-code, "
              f"{len(journal.rotations)} refresh and {len(journal.pkce_codes)} PKCE issuances; "
              f"lost {({k: len(v) for k, v in lost.items()})}", file=sys.stderr)
        self.assertEqual({k: v for k, v in lost.items() if v}, {},
                         f"{what}: acknowledged issuance lost")

    def test_acknowledged_issuance_survives_kill_9_under_issuing_load(self):
        server = self.start_server(self.tmp.path, issuing=True)
        journal = self.load_and_kill(server, issuing=True)
        self.assert_every_acknowledged_issuance(self.tmp.join("write.db"), journal, "kill -9")

    def test_acknowledged_issuance_survives_a_power_cut_under_issuing_load(self):
        live = self.tmp.join("live")
        os.makedirs(live)
        env = {"LD_PRELOAD": powercut_library(), "POWERCUT_DIR": live}
        server = self.start_server(live, env, issuing=True)
        journal = self.load_and_kill(server, issuing=True)
        image = self.tmp.join("after-power-cut")
        power_cut_image(live, image, ["write.db", "write.db-wal", "write.db.key"])
        self.assert_every_acknowledged_issuance(os.path.join(image, "write.db"), journal,
                                                "power cut")
        # The image serves: the newest acknowledged refresh tokens refresh.
        restarted = self.start_server(image, issuing=True)
        api = Api(restarted.url)
        try:
            for creds, _, _, newest in random.sample(journal.rotations, 20):
                api.ok("/token", dict(creds, grantType="refresh_token", refreshToken=newest))
        finally:
            api.close()
        self.assertEqual(restarted.stop(), 0, restarted.log_tail())

    def test_acknowledged_writes_survive_kill_9_under_write_load(self):
        server = self.start_server(self.tmp.path)
        journal = self.load_and_kill(server)
        self.assert_every_acknowledged_row(self.tmp.join("write.db"), journal, "kill -9")

    def test_acknowledged_writes_survive_a_power_cut_under_write_load(self):
        live = self.tmp.join("live")
        os.makedirs(live)
        server = self.start_server(live, {"LD_PRELOAD": powercut_library(),
                                          "POWERCUT_DIR": live})
        journal = self.load_and_kill(server)
        self.assertTrue(os.path.exists(os.path.join(live, "write.db-wal.synced")),
                        "the power-cut library saw no synced WAL")
        image = self.tmp.join("after-power-cut")
        power_cut_image(live, image, ["write.db", "write.db-wal", "write.db.key"])
        self.assert_every_acknowledged_row(os.path.join(image, "write.db"), journal,
                                           "power cut")
        # The image is a working database: the server starts on it (with its key) and still
        # answers the acknowledged logins as pending.
        restarted = self.start_server(image)
        api = Api(restarted.url)
        try:
            for client_id, secret, device_code in random.sample(journal.devices, 50):
                api.expect_error("/token", {"clientId": client_id, "clientSecret": secret,
                                            "grantType": h.DEVICE_GRANT,
                                            "deviceCode": device_code},
                                 "AuthorizationPendingException")
        finally:
            api.close()
        self.assertEqual(restarted.stop(), 0, restarted.log_tail())

    def test_control_a_power_cut_loses_writes_acknowledged_without_fsync(self):
        lost = {}
        for synchronous in ("OFF", "FULL"):
            directory = self.tmp.join(f"control-{synchronous}")
            os.makedirs(directory)
            database = os.path.join(directory, "control.db")
            child = subprocess.Popen(
                [sys.executable, "-c", CONTROL_WRITER, database, synchronous],
                stdout=subprocess.PIPE, env=h.clean_environment(
                    {"LD_PRELOAD": powercut_library(), "POWERCUT_DIR": directory}))
            acknowledged = []
            for line in child.stdout:
                acknowledged.append(int(line))
                if len(acknowledged) == 300:
                    child.kill()
                    break
            child.wait(timeout=60)
            child.stdout.close()
            self.assertEqual(len(acknowledged), 300, f"{synchronous}: the writer stopped early")
            image = os.path.join(directory, "image")
            power_cut_image(directory, image, ["control.db", "control.db-wal"])
            rows = set()
            if os.path.exists(os.path.join(image, "control.db")):
                db = sqlite3.connect(os.path.join(image, "control.db"))
                try:
                    rows = {r[0] for r in db.execute("SELECT id FROM rows")}
                except sqlite3.DatabaseError:
                    rows = set()  # not even the table was durable
                finally:
                    db.close()
            lost[synchronous] = sum(1 for i in acknowledged if i not in rows)
        print(f"control: acknowledged rows lost by a power cut: {lost}", file=sys.stderr)
        self.assertGreater(lost["OFF"], 0, "the power cut must lose unsynced commits")
        self.assertEqual(lost["FULL"], 0, "synced commits must survive the power cut")


# The control's writer: one row per transaction, each acknowledged on stdout after its commit.
CONTROL_WRITER = r"""
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("PRAGMA journal_mode = WAL")
db.execute("PRAGMA synchronous = " + sys.argv[2])
db.execute("CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY, pad TEXT)")
i = 0
while True:
    db.execute("INSERT INTO rows (id, pad) VALUES (?, ?)", (i, "x" * 100))
    print(i, flush=True)
    i += 1
"""


if __name__ == "__main__":
    h.server_binary()
    powercut_library()
    unittest.main(verbosity=2)
