#!/usr/bin/env python3
"""`ssooidc-server storage copy` (issue 12): an SQLite database moved into PostgreSQL.

A server on SQLite acknowledges a registration, a login (tokens), a pending device authorization
and an ID-token signing key; the operator adds users, accounts, roles, groups and assignments,
and a credential record is written. The copy must move every table: each table of the SQLite
file has the same rows in PostgreSQL (compared row by row, as text), and a server started on
PostgreSQL with the old key file carries on: the registration authenticates, the refresh token
refreshes, the pending device code is still pending, and the JWKS is the same. A second copy into
the same (no longer empty) database is refused and changes nothing.

Environment: SSOOIDC_SERVER, SSOOIDC_TEST_POSTGRES_URL (scripts/test.sh); sqlite3 and psql.
"""

import http.client
import json
import os
import subprocess
import sys
import unittest
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))

import ssooidc_harness as h  # noqa: E402

START_URL = "https://d-0000000000.awsapps.com/start"


def call(url, path, body):
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        conn.request("POST", path, json.dumps(body).encode(), {"Content-Type": "application/json"})
        resp = conn.getresponse()
        return resp.status, resp.getheader("x-amzn-ErrorType", "").split(":")[0], json.loads(resp.read())
    finally:
        conn.close()


def sqlite(path, sql):
    done = subprocess.run(["sqlite3", "-batch", "-noheader", "-separator", "|", path, sql],
                          capture_output=True, text=True, timeout=60, check=True)
    return done.stdout


class StorageCopyTest(unittest.TestCase):

    def setUp(self):
        self.tmp = h.TempDir("ssooidc-copy-")
        self.addCleanup(self.tmp.close)
        self.schema = h.PostgresSchema("copy")
        self.addCleanup(self.schema.close)

    def test_copy_moves_every_table_and_the_server_carries_on(self):
        source = h.Server(self.tmp.path, "--access-log", "off", name="source")
        self.addCleanup(source.kill)
        source.start()
        reg = call(source.url, "/client/register",
                   {"clientName": "copy", "clientType": "public",
                    "scopes": ["sso:account:access", "openid"]})[2]
        creds = {"clientId": reg["clientId"], "clientSecret": reg["clientSecret"]}
        dev = call(source.url, "/device_authorization", dict(creds, startUrl=START_URL))[2]
        source.approve(dev["userCode"])
        status, kind, tokens = call(source.url, "/token",
                                    dict(creds, grantType=h.DEVICE_GRANT,
                                         deviceCode=dev["deviceCode"]))
        self.assertEqual(status, 200, (kind, tokens))
        pending = call(source.url, "/device_authorization", dict(creds, startUrl=START_URL))[2]
        with urllib.request.urlopen(source.url + "/.well-known/jwks.json", timeout=30) as resp:
            jwks = json.loads(resp.read())
        source.admin_ok("user", "add", "bob", "--password-stdin", "--email", "bob@example.com",
                        stdin="bob's password\n")
        source.admin_ok("account", "add", "111122223333", "--name", "Production")
        source.admin_ok("role", "add", "111122223333", "ReadOnly")
        source.admin_ok("group", "add", "devs", "--description", "developers, \"all\"")
        source.admin_ok("group", "add-member", "devs", "bob")
        source.admin_ok("assign", "--group", "devs", "111122223333", "ReadOnly")
        self.assertEqual(source.stop(), 0)
        db = source.database.removeprefix("sqlite:")
        sqlite(db, "INSERT INTO credential_records (issued_at, user_name, account_id, role_name, "
                   "access_key_id, expires_at, credential_source) VALUES "
                   "(1700000000, 'bob', '111122223333', 'ReadOnly', 'ASIAEXAMPLE', 1700003600, "
                   "'minted')")

        copied = source.admin_ok("storage", "copy", "--to", self.schema.url)
        self.assertIn("Copied", copied.stdout)

        # device_authorization_changes is SQLite's log behind the poll's pending index (migration
        # 11, domain/pending_index.h): PostgreSQL has no such log, and it is not copied.
        tables = sqlite(db, "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT "
                            "LIKE 'sqlite_%' AND name NOT IN ('schema_migrations', 'row_counts', "
                            "'device_authorization_changes') ORDER BY name"
                     ).split()
        self.assertNotIn("device_authorization_changes", copied.stdout)
        self.assertGreaterEqual(len(tables), 12, tables)
        for table in tables:
            info = [line.split("|") for line in
                    sqlite(db, f"PRAGMA table_info({table})").splitlines()]
            columns = [column[1] for column in info]
            # Hashes that SQLite keeps as bytes (migration 8) are copied as the hex PostgreSQL has.
            selected = [f"lower(hex({column[1]}))" if column[2] == "BLOB" else column[1]
                        for column in info]
            want = sqlite(db, f"SELECT {', '.join(selected)} FROM {table}").splitlines()
            got = h.psql(self.schema.url,
                         "SELECT " + " || '|' || ".join(f"{c}::text" for c in columns)
                         + f" FROM {table}").splitlines()
            self.assertEqual(sorted(got), sorted(want), f"table {table}")
            self.assertIn(f"{table} ", copied.stdout)
        for table in ("clients", "tokens", "device_authorizations", "users", "signing_keys",
                      "accounts", "account_roles", "user_groups", "group_members",
                      "assignments", "credential_records"):
            self.assertIn(table, tables)
            self.assertNotEqual(h.psql(self.schema.url, f"SELECT count(*) FROM {table}").strip(),
                                "0", table)

        # A server on PostgreSQL with the old key file carries on where SQLite left off.
        target = h.Server(self.tmp.path, "--access-log", "off", "--key-file", db + ".key",
                          "--no-bootstrap-user", name="target", database=self.schema.url)
        self.addCleanup(target.kill)
        target.start()
        status, kind, body = call(target.url, "/token",
                                  dict(creds, grantType=h.REFRESH_GRANT,
                                       refreshToken=tokens["refreshToken"]))
        self.assertEqual(status, 200, (kind, body))
        status, kind, body = call(target.url, "/token",
                                  dict(creds, grantType=h.DEVICE_GRANT,
                                       deviceCode=pending["deviceCode"]))
        self.assertEqual(kind, "AuthorizationPendingException", (status, body))
        with urllib.request.urlopen(target.url + "/.well-known/jwks.json", timeout=30) as resp:
            self.assertEqual(json.loads(resp.read()), jwks)
        self.assertIn("bob", target.admin_ok("user", "list").stdout)
        self.assertIn("ASIAEXAMPLE", target.admin_ok("credentials", "list").stdout)

        # Copying again into a database that is no longer empty is refused, naming the table.
        again = source.admin("storage", "copy", "--to", self.schema.url)
        self.assertNotEqual(again.returncode, 0)
        self.assertIn("not empty", again.stderr)
        self.assertEqual(h.psql(self.schema.url, "SELECT count(*) FROM users").strip(), "2")


if __name__ == "__main__":
    h.server_binary()
    h.postgres_test_url()
    unittest.main(verbosity=2)
