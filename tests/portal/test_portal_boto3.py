#!/usr/bin/env python3
"""End-to-end suite of the SSO portal API with real clients: boto3/botocore 1.43 (the `sso`
client and a profile with sso_session/sso_account_id/sso_role_name), and moto_server as the AWS
the credentials are then used against. Also the world file: applied twice it changes nothing; a
malformed one is refused naming the line and field, and nothing of it is applied.

Every server runs on 127.0.0.1:0 with its own SQLite file; moto on a free loopback port. A missing
boto3 or moto fails the suite.
"""

import json
import os
import sqlite3
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import portal_world as w  # noqa: E402
from portal_world import h  # noqa: E402

import boto3  # noqa: E402
import botocore  # noqa: E402
from botocore.config import Config  # noqa: E402


def sso_client(url, validate=True):
    """A boto3 `sso` (portal) client on `url` that never retries, so every error surfaces."""
    return boto3.session.Session().client(
        "sso", region_name="us-east-1", endpoint_url=url,
        config=Config(retries={"mode": "standard", "total_max_attempts": 1},
                      parameter_validation=validate))


def database_rows(path):
    """Every row of every table, for comparing a database before and after."""
    with sqlite3.connect(path) as db:
        return list(db.iterdump())


class PortalSuite(unittest.TestCase):
    """One server with the test world for the whole class."""
    server_args = ("--portal-requests-per-second", "0")

    @classmethod
    def setUpClass(cls):
        cls.tmp = h.TempDir("ssooidc-portal-")
        cls.addClassCleanup(cls.tmp.close)
        h.isolate_aws_environment(cls.tmp.path)
        cls.world_path = cls.tmp.join("world.toml")
        helper = os.path.join(os.path.dirname(os.path.abspath(__file__)), "credential_helper.py")
        with open(cls.world_path, "w", encoding="utf-8") as f:
            f.write(w.world_toml(command_helper=helper))
        cls.server = h.Server(cls.tmp.path, "--world", cls.world_path, "--no-bootstrap-user",
                              *cls.server_args, name="portal")
        cls.server.start()
        cls.addClassCleanup(cls.server.stop)
        cls.sso = sso_client(cls.server.url)
        cls.raw_sso = sso_client(cls.server.url, validate=False)

    def assertPortalError(self, call, shape, status, message=None):
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            call()
        error = caught.exception
        # The modeled exception class, as botocore builds it from the header.
        self.assertEqual(type(error).__name__, shape)
        self.assertTrue(issubclass(type(error), botocore.exceptions.ClientError))
        self.assertIn(shape, [e.name for e in self.sso.meta.service_model.error_shapes])
        self.assertEqual(error.response["Error"]["Code"], shape)
        self.assertEqual(error.response["ResponseMetadata"]["HTTPStatusCode"], status)
        if message is not None:
            self.assertEqual(error.response["Error"]["Message"], message)
        return error


PROFILE_SCRIPT = """
import json, sys, boto3
session = boto3.Session(profile_name="dev")
creds = session.get_credentials().get_frozen_credentials()
s3 = session.client("s3", endpoint_url=sys.argv[1])
s3.create_bucket(Bucket="portal-e2e-bucket")
buckets = [b["Name"] for b in s3.list_buckets()["Buckets"]]
print(json.dumps({"access_key": creds.access_key, "secret_key": creds.secret_key,
                  "token": creds.token, "buckets": buckets}))
"""


class ProfileTests(PortalSuite):
    """A botocore profile with sso_session, sso_account_id and sso_role_name gets minted
    credentials from the server, and they work against moto's S3."""

    def test_profile_credentials_work_against_moto(self):
        moto = w.Moto(self.tmp.path)
        moto.start()
        self.addCleanup(moto.stop)
        home = self.tmp.join("home-profile")
        os.makedirs(home)
        reg, token = w.login(self.server, "alice")
        w.write_sso_cache(home, "corp", reg, token)
        config = self.tmp.join("profile-config")
        with open(config, "w", encoding="utf-8") as f:
            f.write(f"""[profile dev]
sso_session = corp
sso_account_id = {w.PROD}
sso_role_name = ReadOnly
region = us-east-1

[sso-session corp]
sso_start_url = {w.START_URL}
sso_region = us-east-1
sso_registration_scopes = sso:account:access
""")
        # botocore fixes its token cache directory (~/.aws/sso/cache) when it is imported, so the
        # profile is used from a fresh interpreter with this HOME.
        env = h.clean_environment({"HOME": home, "AWS_CONFIG_FILE": config,
                                   "AWS_SHARED_CREDENTIALS_FILE": self.tmp.join("no-credentials"),
                                   "AWS_ENDPOINT_URL_SSO": self.server.url,
                                   "AWS_EC2_METADATA_DISABLED": "true"})
        done = subprocess.run([sys.executable, "-c", PROFILE_SCRIPT, moto.url], env=env,
                              capture_output=True, text=True, timeout=120)
        self.assertEqual(done.returncode, 0, done.stderr)
        creds = json.loads(done.stdout)
        self.assertRegex(creds["access_key"], r"^ASIA[A-Z]{16}$")
        self.assertEqual(len(creds["secret_key"]), 40)
        self.assertTrue(creds["token"])
        self.assertIn("portal-e2e-bucket", creds["buckets"])
        creds = type("Creds", (), {"access_key": creds["access_key"],
                                   "secret_key": creds["secret_key"]})
        # Recorded for the operator, without the secret.
        listed = self.server.admin_ok("credentials", "list", "--user", "alice").stdout
        self.assertIn(creds.access_key, listed)
        self.assertIn("ReadOnly", listed)
        self.assertNotIn(creds.secret_key, listed)


class OperationTests(PortalSuite):
    # Without the 1 s cache, so that an operator's change from another process shows at once
    # (portal_test.cc covers the cache).
    server_args = ("--portal-requests-per-second", "0", "--portal-cache-ms", "0")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.reg, cls.token = w.login(cls.server, "alice")
        cls.access = cls.token["accessToken"]

    def test_list_accounts_and_roles(self):
        accounts = self.sso.list_accounts(accessToken=self.access)["accountList"]
        self.assertEqual(accounts, [
            {"accountId": w.PROD, "accountName": "Production", "emailAddress": "aws-prod@example.com"},
            {"accountId": w.STAGING, "accountName": "Staging"},
        ])
        roles = self.sso.list_account_roles(accessToken=self.access, accountId=w.PROD)["roleList"]
        self.assertEqual([r["roleName"] for r in roles],
                         ["AdministratorAccess", "Brokered", "Fixed", "ReadOnly"])
        self.assertTrue(all(r["accountId"] == w.PROD for r in roles))
        staging = self.sso.list_account_roles(accessToken=self.access, accountId=w.STAGING)
        self.assertEqual(staging["roleList"], [{"roleName": "Developer", "accountId": w.STAGING}])

    def test_minted_credentials_expire_at_the_session_end_in_milliseconds(self):
        import time
        creds = self.sso.get_role_credentials(accessToken=self.access, accountId=w.PROD,
                                              roleName="AdministratorAccess")["roleCredentials"]
        self.assertRegex(creds["accessKeyId"], r"^ASIA[A-Z]{16}$")
        self.assertRegex(creds["secretAccessKey"], r"^[A-Za-z0-9+/]{40}$")
        # A 12-hour role ends with the 8-hour SSO session; expiration is epoch milliseconds.
        remaining = creds["expiration"] / 1000 - time.time()
        self.assertTrue(8 * 3600 - 120 < remaining <= 8 * 3600 + 5, remaining)
        short = self.sso.get_role_credentials(accessToken=self.access, accountId=w.PROD,
                                              roleName="ReadOnly")["roleCredentials"]
        self.assertTrue(3600 - 120 < short["expiration"] / 1000 - time.time() <= 3605)

    def test_static_and_command_sources(self):
        fixed = self.sso.get_role_credentials(accessToken=self.access, accountId=w.PROD,
                                              roleName="Fixed")["roleCredentials"]
        self.assertEqual(fixed["accessKeyId"], "AKIAFIXEDEXAMPLE0001")
        self.assertEqual(fixed["secretAccessKey"], "fixedSecretAccessKeyExample0000000000001")
        brokered = self.sso.get_role_credentials(accessToken=self.access, accountId=w.PROD,
                                                 roleName="Brokered")["roleCredentials"]
        self.assertEqual(brokered["accessKeyId"], "ASIABROKERED" + w.PROD[-8:])
        self.assertEqual(brokered["sessionToken"], f"brokered-session-{w.PROD}-Brokered-alice")

    def test_unassigned_and_nonexistent_roles_are_the_same_404(self):
        errors = [
            self.assertPortalError(lambda: self.sso.get_role_credentials(
                accessToken=self.access, accountId=w.SECRET_ACCOUNT,
                roleName="AdministratorAccess"), "ResourceNotFoundException", 404),
            self.assertPortalError(lambda: self.sso.get_role_credentials(
                accessToken=self.access, accountId=w.PROD, roleName="NoSuchRole"),
                "ResourceNotFoundException", 404),
            self.assertPortalError(lambda: self.sso.get_role_credentials(
                accessToken=self.access, accountId="999999999999",
                roleName="AdministratorAccess"), "ResourceNotFoundException", 404),
        ]
        bodies = {e.response["Error"]["Message"] for e in errors}
        self.assertEqual(len(bodies), 1, bodies)
        self.assertPortalError(lambda: self.sso.list_account_roles(
            accessToken=self.access, accountId=w.SECRET_ACCOUNT), "ResourceNotFoundException", 404)

    def test_bad_tokens_are_unauthorized(self):
        for token in ("not-a-token", "aoa" + "x" * 40):
            self.assertPortalError(lambda: self.sso.list_accounts(accessToken=token),
                                   "UnauthorizedException", 401,
                                   "Session token not found or invalid")
        self.assertPortalError(lambda: self.sso.get_role_credentials(
            accessToken=self.token["refreshToken"], accountId=w.PROD, roleName="ReadOnly"),
            "UnauthorizedException", 401)

    def test_disabled_user_is_unauthorized(self):
        reg, token = w.login(self.server, "bob")
        self.assertEqual(len(self.sso.list_accounts(accessToken=token["accessToken"])["accountList"]), 1)
        self.server.admin_ok("user", "disable", "bob")
        self.addCleanup(self.server.admin_ok, "user", "enable", "bob")
        self.assertPortalError(lambda: self.sso.list_accounts(accessToken=token["accessToken"]),
                               "UnauthorizedException", 401)

    def test_bad_parameters_are_invalid_requests(self):
        for bad in (0, 101, -5):
            self.assertPortalError(lambda: self.raw_sso.list_accounts(
                accessToken=self.access, maxResults=bad), "InvalidRequestException", 400)
        self.assertPortalError(lambda: self.raw_sso.get_role_credentials(
            accessToken=self.access, accountId="", roleName="ReadOnly"),
            "InvalidRequestException", 400)

    def test_legacy_unscoped_registration_is_accepted(self):
        reg, token = w.login(self.server, "alice", scopes=())
        self.assertNotIn("refreshToken", token)
        accounts = self.sso.list_accounts(accessToken=token["accessToken"])["accountList"]
        self.assertEqual(len(accounts), 2)


class PaginationTests(PortalSuite):
    """250 accounts through one group: with max_result 1, 100 and absent, every page in order,
    and a next_token the server did not issue (or issued to another user) is a 400."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pager = w.login(cls.server, "pager")[1]["accessToken"]
        cls.alice = w.login(cls.server, "alice")[1]["accessToken"]

    def collect(self, max_results):
        ids, pages, token = [], 0, None
        while True:
            kwargs = {"accessToken": self.pager}
            if max_results is not None:
                kwargs["maxResults"] = max_results
            if token:
                kwargs["nextToken"] = token
            page = self.sso.list_accounts(**kwargs)
            pages += 1
            ids += [a["accountId"] for a in page["accountList"]]
            if max_results is not None:
                self.assertLessEqual(len(page["accountList"]), max_results)
            token = page.get("nextToken")
            if not token:
                return ids, pages

    def test_max_result_1_100_and_absent(self):
        for max_results, expected_pages in ((1, 250), (100, 3), (None, 13)):
            ids, pages = self.collect(max_results)
            self.assertEqual(ids, w.PAGED_ACCOUNTS, max_results)
            self.assertEqual(pages, expected_pages, max_results)

    def test_botocore_paginator(self):
        paginator = self.sso.get_paginator("list_accounts")
        ids = [a["accountId"]
               for page in paginator.paginate(accessToken=self.pager,
                                              PaginationConfig={"PageSize": 7})
               for a in page["accountList"]]
        self.assertEqual(ids, w.PAGED_ACCOUNTS)

    def test_forged_or_foreign_next_token_is_400(self):
        token = self.sso.list_accounts(accessToken=self.pager, maxResults=5)["nextToken"]
        forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
        for bad in (forged, "garbage", token + "x"):
            self.assertPortalError(lambda: self.sso.list_accounts(
                accessToken=self.pager, nextToken=bad), "InvalidRequestException", 400)
        # Pager's token does not open Alice's listing.
        self.assertPortalError(lambda: self.sso.list_accounts(accessToken=self.alice,
                                                              nextToken=token),
                               "InvalidRequestException", 400)


class RateLimitTests(PortalSuite):
    server_args = ("--portal-requests-per-second", "1", "--portal-burst", "3")

    def test_too_many_requests_is_429(self):
        token = w.login(self.server, "alice")[1]["accessToken"]
        for _ in range(3):
            self.sso.list_accounts(accessToken=token)
        self.assertPortalError(lambda: self.sso.list_accounts(accessToken=token),
                               "TooManyRequestsException", 429)


class LogoutTests(PortalSuite):

    def test_logout_revokes_access_and_refresh_tokens(self):
        reg, token = w.login(self.server, "alice")
        self.sso.list_accounts(accessToken=token["accessToken"])
        self.sso.logout(accessToken=token["accessToken"])
        self.assertPortalError(lambda: self.sso.list_accounts(accessToken=token["accessToken"]),
                               "UnauthorizedException", 401)
        oidc = h.oidc_client(self.server.url)
        with self.assertRaises(oidc.exceptions.InvalidGrantException):
            oidc.create_token(clientId=reg["clientId"], clientSecret=reg["clientSecret"],
                              grantType="refresh_token", refreshToken=token["refreshToken"])
        self.assertPortalError(lambda: self.sso.logout(accessToken=token["accessToken"]),
                               "UnauthorizedException", 401)


class WorldFileTests(unittest.TestCase):
    """`ssooidc-server world apply`: idempotent, and all-or-nothing on a malformed file."""

    def setUp(self):
        self.tmp = h.TempDir("ssooidc-world-")
        self.addCleanup(self.tmp.close)
        self.db_path = self.tmp.join("world.db")
        self.server = h.Server(self.tmp.path, database="sqlite:" + self.db_path)

    def write(self, name, text):
        path = self.tmp.join(name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def test_applying_twice_changes_nothing(self):
        path = self.write("world.toml", w.world_toml())
        first = self.server.admin_ok("world", "apply", path).stdout
        self.assertIn("4 users", first)
        before = database_rows(self.db_path)
        second = self.server.admin_ok("world", "apply", path).stdout
        self.assertIn("; 0 changes", second)
        self.assertEqual(database_rows(self.db_path), before)
        listed = self.server.admin_ok("assignment", "list").stdout
        self.assertIn("developers", listed)

    def assertRefused(self, text, *expected):
        self.server.admin_ok("world", "apply", self.write("base.toml", w.world_toml()))
        before = database_rows(self.db_path)
        done = self.server.admin("world", "apply", self.write("bad.toml", text))
        self.assertEqual(done.returncode, 1, done.stdout + done.stderr)
        for piece in expected:
            self.assertIn(piece, done.stderr)
        self.assertEqual(database_rows(self.db_path), before)

    def test_malformed_files_are_refused_naming_line_and_field(self):
        valid_start = ('[[users]]\nname = "dave"\npassword = "long enough password"\n\n'
                       '[[accounts]]\nid = "444444444444"\nname = "New"\n')
        # A wrong field on line 9, after entries that would be valid on their own.
        self.assertRefused(valid_start + '  [[accounts.roles]]\n  name = "Admin"\n'
                           '  session_duration = 99999\n',
                           "bad.toml:8:", "session_duration", "43200")
        self.assertRefused(valid_start + "[[accounts]]\nid = \"12\"\nname = \"Short\"\n",
                           "bad.toml:8:", "12 digits")
        self.assertRefused(valid_start + "[[assignments]]\nuser = \"dave\"\naccount = \"444444444444\""
                           "\nrole = \"Missing\"\n", "bad.toml:8:", "role", "no role Missing")
        self.assertRefused(valid_start + "nmae = \"typo\"\n", "bad.toml:8:", "nmae",
                           "not a known key")
        self.assertRefused(valid_start + "[[accounts\n", "bad.toml:8:", "syntax")
        self.assertRefused('[[users]]\nname = "dave"\npassword = "short"\n', "bad.toml:1:",
                           "password")

    def test_serve_refuses_a_malformed_world_and_touches_nothing(self):
        path = self.write("bad.toml", '[[accounts]]\nid = "1"\nname = "x"\n')
        done = subprocess.run([self.server.binary, "serve", "--listen", "127.0.0.1:0",
                               "--database", "sqlite:" + self.db_path, "--world", path],
                              capture_output=True, text=True, timeout=60,
                              env=h.clean_environment(), stdin=subprocess.DEVNULL)
        self.assertEqual(done.returncode, 1)
        self.assertIn("bad.toml:1:", done.stderr)
        self.assertFalse(os.path.exists(self.db_path))


if __name__ == "__main__":
    h.server_binary()
    unittest.main(verbosity=2)
