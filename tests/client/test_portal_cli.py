#!/usr/bin/env python3
"""`ssooidc accounts | roles | credentials | logout` with real clients.

- The role-credential cache is the AWS CLI's: a file botocore's SSOCredentialFetcher writes into
  ~/.aws/cli/cache is what `ssooidc credentials` serves, and one `ssooidc credentials` writes is
  what botocore (with the JSONFileCache the AWS CLI injects) and AWS CLI 2.9.19 read.
- Against a real ssooidc-server with a test world (users, accounts, roles, assignments):
  `ssooidc accounts` / `roles` list what is assigned, through every page; `ssooidc credentials`
  as boto3's credential_process makes S3 calls against a real moto_server succeed; it logs in
  when there is no token (prompts on stderr, JSON alone on stdout); `ssooidc logout` revokes the
  token with the portal's Logout, after which GetRoleCredentials answers 401.

botocore and the AWS CLI compute their cache directories from HOME when imported, so each client
runs as a child process with its own HOME. moto_server, botocore and the AWS CLI missing are
failures, never skips.
"""

import json
import os
import re
import stat
import subprocess
import sys
import textwrap
import time
import unittest

from cli_harness import START_URL, CliProcess, Home, harness, run_cli, sha1
from moto_process import MotoServer

AWS_CLI = "/usr/bin/aws"
SESSION = "corp"
ACCOUNT = "111122223333"
OTHER_ACCOUNT = "444455556666"
UNASSIGNED_ACCOUNT = "777788889999"
ROLE = "AdministratorAccess"
READ_ONLY = "ReadOnly"
USER = "alice"
ACCESS_KEY_RE = re.compile(r"^ASIA[A-Z0-9]{16}$")

# botocore's own SSOCredentialFetcher writes the cache; the network answer comes from botocore's
# Stubber (this part needs no server: it checks the file format and key, not the portal).
BOTOCORE_WRITES_CACHE = textwrap.dedent("""
    import datetime, json, os, sys
    import botocore.session
    from botocore import UNSIGNED
    from botocore.config import Config
    from botocore.credentials import SSOCredentialFetcher
    from botocore.stub import Stubber
    from botocore.utils import JSONFileCache
    args = json.loads(sys.argv[1])
    client = botocore.session.Session().create_client(
        "sso", region_name="us-east-1", config=Config(signature_version=UNSIGNED))
    stub = Stubber(client)
    stub.add_response("get_role_credentials", {"roleCredentials": {
        "accessKeyId": args["akid"], "secretAccessKey": "botocore-secret",
        "sessionToken": "botocore-session", "expiration": args["expiration_ms"]}},
        {"roleName": args["role"], "accountId": args["account"], "accessToken": "tok"})
    stub.activate()

    class Frozen:
        token = "tok"

    class TokenProvider:
        def load_token(self):
            class Loaded:
                def get_frozen_token(self):
                    return Frozen()
            return Loaded()

    future = (datetime.datetime.now(datetime.timezone.utc)
              + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    fetcher = SSOCredentialFetcher(
        args["start_url"], "us-east-1", args["role"], args["account"],
        client_creator=lambda *a, **k: client,
        token_loader=lambda url: {"accessToken": "tok", "expiresAt": future},
        cache=JSONFileCache(os.path.expanduser(os.path.join("~", ".aws", "cli", "cache"))),
        token_provider=TokenProvider() if args["session"] else None,
        sso_session_name=args["session"])
    creds = fetcher.fetch_credentials()
    print(json.dumps({"key": fetcher._cache_key, "access_key": creds["access_key"]}))
""")

# The SSO credential provider of a botocore session with the cache the AWS CLI injects
# (awscli.customizations.sso.inject_json_file_cache), so that cached credentials are used.
BOTOCORE_READS_CACHE = textwrap.dedent("""
    import json, os, sys
    import botocore.session
    from botocore.credentials import SSOCredentialFetcher
    from botocore.utils import JSONFileCache
    session = botocore.session.Session(profile=sys.argv[1])
    provider = session.get_component("credential_provider").get_provider("sso")
    provider.cache = JSONFileCache(os.path.expanduser(os.path.join("~", ".aws", "cli", "cache")))
    creds = session.get_credentials().get_frozen_credentials()
    key = SSOCredentialFetcher(None, "us-east-1", sys.argv[3], sys.argv[2], None,
                               sso_session_name=sys.argv[4])._cache_key
    print(json.dumps({"access_key": creds.access_key, "secret_key": creds.secret_key,
                      "token": creds.token, "key": key}))
""")

# boto3 with a profile whose credentials come from `credential_process`, against moto's S3.
BOTO3_S3_THROUGH_CREDENTIAL_PROCESS = textwrap.dedent("""
    import json, sys
    import boto3
    session = boto3.Session(profile_name=sys.argv[1])
    s3 = session.client("s3", endpoint_url=sys.argv[2], region_name="us-east-1")
    s3.create_bucket(Bucket=sys.argv[3])
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    creds = session.get_credentials().get_frozen_credentials()
    print(json.dumps({"buckets": names, "access_key": creds.access_key,
                      "method": session.get_credentials().method}))
""")

# GetRoleCredentials straight through botocore's `sso` client.
BOTOCORE_GET_ROLE_CREDENTIALS = textwrap.dedent("""
    import json, sys
    import botocore.session
    from botocore import UNSIGNED
    from botocore.config import Config
    client = botocore.session.Session().create_client(
        "sso", region_name="us-east-1", endpoint_url=sys.argv[1],
        config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}))
    try:
        r = client.get_role_credentials(roleName=sys.argv[3], accountId=sys.argv[4],
                                        accessToken=sys.argv[2])
        print(json.dumps({"ok": r["roleCredentials"]["accessKeyId"]}))
    except client.exceptions.UnauthorizedException as e:
        print(json.dumps({"error": "UnauthorizedException",
                          "status": e.response["ResponseMetadata"]["HTTPStatusCode"]}))
""")


def run_python(home, script, *args, env=None):
    done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True,
                          timeout=120, env=env or home.env())
    if done.returncode != 0:
        raise AssertionError(f"python child exited {done.returncode}\nstdout:\n{done.stdout}\n"
                             f"stderr:\n{done.stderr}")
    return json.loads(done.stdout)


def role_cache_dir(home):
    return os.path.join(home.path, ".aws", "cli", "cache")


def session_profile_config(extra=""):
    return (f"[profile dev]\nsso_session = {SESSION}\nsso_account_id = {ACCOUNT}\n"
            f"sso_role_name = {ROLE}\n{extra}"
            f"[sso-session {SESSION}]\nsso_start_url = {START_URL}\nsso_region = us-east-1\n"
            "sso_registration_scopes = sso:account:access\n")


class CacheSharedWithBotocoreTests(unittest.TestCase):
    """No server: the cache files themselves, written by botocore and read by ssooidc."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = harness.TempDir("ssooidc-rolecache-")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.close()

    def setUp(self):
        self.home = Home(self.tmp, f"home-{self.id().rsplit('.', 1)[-1]}")

    def botocore_writes(self, session, minutes_left=60, akid="ASIABOTOCOREWROTE001"):
        return run_python(self.home, BOTOCORE_WRITES_CACHE, json.dumps({
            "akid": akid, "expiration_ms": int((time.time() + minutes_left * 60) * 1000),
            "role": ROLE, "account": ACCOUNT, "start_url": START_URL, "session": session}))

    def credentials(self, *args):
        # --no-login and an unreachable portal: anything but the cache would fail.
        return run_cli(self.home, "credentials", "--profile", "dev", "--no-login",
                       "--endpoint-url", "http://127.0.0.1:1", "--max-retries", "0", *args)

    def test_session_profile_reads_what_botocore_wrote(self):
        self.home.write_config(session_profile_config())
        wrote = self.botocore_writes(SESSION)
        self.assertTrue(os.path.isfile(os.path.join(role_cache_dir(self.home),
                                                    wrote["key"] + ".json")))
        done = self.credentials()
        self.assertEqual(done.returncode, 0, done.stderr)
        out = json.loads(done.stdout)
        self.assertEqual(out, {"Version": 1, "AccessKeyId": "ASIABOTOCOREWROTE001",
                               "SecretAccessKey": "botocore-secret",
                               "SessionToken": "botocore-session",
                               "Expiration": out["Expiration"]})
        self.assertRegex(out["Expiration"], r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")

        env_format = self.credentials("--format", "env")
        self.assertEqual(env_format.returncode, 0, env_format.stderr)
        self.assertEqual(env_format.stdout,
                         "export AWS_ACCESS_KEY_ID=ASIABOTOCOREWROTE001\n"
                         "export AWS_SECRET_ACCESS_KEY=botocore-secret\n"
                         "export AWS_SESSION_TOKEN=botocore-session\n"
                         f"export AWS_CREDENTIAL_EXPIRATION={out['Expiration']}\n")

    def test_legacy_profile_reads_what_botocore_wrote(self):
        self.home.write_config(
            f"[profile dev]\nsso_start_url = {START_URL}\nsso_region = us-east-1\n"
            f"sso_account_id = {ACCOUNT}\nsso_role_name = {ROLE}\n")
        self.botocore_writes(None, akid="ASIALEGACYPROFILE001")
        done = self.credentials()
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(json.loads(done.stdout)["AccessKeyId"], "ASIALEGACYPROFILE001")

    def test_credentials_inside_the_expiry_window_are_not_used(self):
        self.home.write_config(session_profile_config())
        self.botocore_writes(SESSION, minutes_left=10)
        done = self.credentials()
        self.assertEqual(done.returncode, 255, done.stdout)
        self.assertEqual(done.stdout, "")
        self.assertIn("No cached SSO token for SSO session \"corp\"", done.stderr)

    def test_logout_sweeps_sso_credentials_and_keeps_others(self):
        self.home.write_config(session_profile_config())
        wrote = self.botocore_writes(SESSION)
        other = os.path.join(role_cache_dir(self.home), "assume-role-entry.json")
        with open(other, "w", encoding="utf-8") as f:
            json.dump({"ProviderType": "assume-role", "Credentials": {}}, f)
        done = run_cli(self.home, "logout")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("Removed 1 cached role credential from", done.stdout)
        self.assertFalse(os.path.exists(os.path.join(role_cache_dir(self.home),
                                                     wrote["key"] + ".json")))
        self.assertTrue(os.path.exists(other))


def seed_world(server):
    """The test world through the operator commands: alice is assigned AdministratorAccess and
    ReadOnly in ACCOUNT, ReadOnly in OTHER_ACCOUNT; UNASSIGNED_ACCOUNT exists but is not hers."""
    server.admin_ok("user", "add", USER, "--password-stdin", stdin="alice-password-1\n")
    for account, name in ((ACCOUNT, "dev"), (OTHER_ACCOUNT, "other"),
                          (UNASSIGNED_ACCOUNT, "unassigned")):
        server.admin_ok("account", "add", account, "--name", name,
                        "--email", f"{name}@example.com")
    for account, role in ((ACCOUNT, ROLE), (ACCOUNT, READ_ONLY), (OTHER_ACCOUNT, READ_ONLY),
                          (UNASSIGNED_ACCOUNT, ROLE)):
        server.admin_ok("role", "add", account, role)
    for account, role in ((ACCOUNT, ROLE), (ACCOUNT, READ_ONLY), (OTHER_ACCOUNT, READ_ONLY)):
        server.admin_ok("assign", "--user", USER, account, role)


def harness_cli():
    from cli_harness import cli_binary
    return cli_binary()


class PortalEndToEndTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = harness.TempDir("ssooidc-portal-cli-")
        cls.server = harness.Server(cls.tmp.path)
        cls.server.start()
        seed_world(cls.server)
        cls.moto = MotoServer(env=harness.clean_environment())
        cls.moto.start()

    @classmethod
    def tearDownClass(cls):
        cls.moto.stop()
        cls.server.stop()
        cls.tmp.close()

    def setUp(self):
        self.home = Home(self.tmp, f"home-{self.id().rsplit('.', 1)[-1]}")
        # Both SSO services from the [services] section, as botocore and ssooidc read it; S3 is
        # moto. `proc` gets its credentials from `ssooidc credentials`.
        self.home.write_config(
            session_profile_config("region = us-east-1\nservices = local\n") +
            "[services local]\n"
            f"sso =\n  endpoint_url = {self.server.url}\n"
            f"sso_oidc =\n  endpoint_url = {self.server.url}\n"
            f"s3 =\n  endpoint_url = {self.moto.url}\n"
            "[profile proc]\n"
            f"credential_process = {harness_cli()} credentials --profile dev --no-login\n"
            "services = local\n")

    def login(self):
        # `ssooidc login` prints its prompt on stdout.
        proc = CliProcess(self.home, "login", "--profile", "dev", "--use-device-code",
                          "--no-browser", "--no-qr", watch="stdout")
        return self.finish_login(proc)

    def finish_login(self, proc):
        code = proc.wait_for_user_code()
        self.server.approve(code, user=USER)
        rc, out, err = proc.finish()
        self.assertEqual(rc, 0, f"stdout:\n{out}\nstderr:\n{err}")
        return out, err

    def cli(self, *args):
        return run_cli(self.home, *args)

    def cli_json(self, *args):
        done = self.cli(*args)
        self.assertEqual(done.returncode, 0, done.stderr)
        return json.loads(done.stdout)

    def cached_token(self):
        return self.home.read_cache(sha1(SESSION))["accessToken"]

    def test_accounts_and_roles_list_what_is_assigned(self):
        self.login()
        accounts = self.cli_json("accounts", "--profile", "dev", "--no-login")
        self.assertEqual(sorted(a["accountId"] for a in accounts["accountList"]),
                         [ACCOUNT, OTHER_ACCOUNT])
        dev = next(a for a in accounts["accountList"] if a["accountId"] == ACCOUNT)
        self.assertEqual(dev, {"accountId": ACCOUNT, "accountName": "dev",
                               "emailAddress": "dev@example.com"})
        # One account per page: the CLI follows nextToken to the end.
        paged = self.cli_json("accounts", "--profile", "dev", "--no-login", "--page-size", "1")
        self.assertEqual(paged, accounts)

        roles = self.cli_json("roles", "--profile", "dev", "--no-login", "--account-id", ACCOUNT,
                              "--page-size", "1")
        self.assertEqual(sorted(r["roleName"] for r in roles["roleList"]), [ROLE, READ_ONLY])
        self.assertTrue(all(r["accountId"] == ACCOUNT for r in roles["roleList"]))

        unassigned = self.cli("roles", "--profile", "dev", "--no-login", "--account-id",
                              UNASSIGNED_ACCOUNT)
        self.assertEqual(unassigned.returncode, 254, unassigned.stderr)
        self.assertIn("An error occurred (ResourceNotFoundException) when calling the "
                      "ListAccountRoles operation", unassigned.stderr)

    def test_credential_process_for_boto3_against_moto(self):
        self.login()
        result = run_python(self.home, BOTO3_S3_THROUGH_CREDENTIAL_PROCESS, "proc",
                            self.moto.url, "ssooidc-credential-process")
        self.assertIn("ssooidc-credential-process", result["buckets"])
        self.assertEqual(result["method"], "custom-process")
        self.assertRegex(result["access_key"], ACCESS_KEY_RE)

        # The credentials were cached where and as botocore reads them: the AWS CLI's provider
        # setup returns the same (minted, so otherwise different) access key without a call.
        files = os.listdir(role_cache_dir(self.home))
        self.assertEqual(len(files), 1, files)
        path = os.path.join(role_cache_dir(self.home), files[0])
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        with open(path, encoding="utf-8") as f:
            cached = json.load(f)
        self.assertEqual(cached["ProviderType"], "sso")
        self.assertEqual(sorted(cached["Credentials"]),
                         ["AccessKeyId", "AccountId", "Expiration", "SecretAccessKey",
                          "SessionToken"])
        read = run_python(self.home, BOTOCORE_READS_CACHE, "dev", ACCOUNT, ROLE, SESSION)
        self.assertEqual(files[0], read["key"] + ".json")
        self.assertEqual(read["access_key"], result["access_key"])
        self.assertEqual(read["access_key"], cached["Credentials"]["AccessKeyId"])

        # AWS CLI 2.9.19 reads the same file (it does not know the [services] section, so a
        # portal call would go to AWS and fail): its S3 call against moto succeeds.
        listed = subprocess.run([AWS_CLI, "s3api", "list-buckets", "--profile", "dev",
                                 "--endpoint-url", self.moto.url, "--output", "json"],
                                capture_output=True, text=True, timeout=120,
                                env=self.home.env())
        self.assertEqual(listed.returncode, 0, listed.stderr)
        self.assertIn("ssooidc-credential-process",
                      [b["Name"] for b in json.loads(listed.stdout)["Buckets"]])

    def test_env_format_and_force_refresh(self):
        self.login()
        first = self.cli_json("credentials", "--profile", "dev", "--no-login")
        self.assertRegex(first["AccessKeyId"], ACCESS_KEY_RE)
        self.assertEqual(len(first["SecretAccessKey"]), 40)
        exports = self.cli("credentials", "--profile", "dev", "--no-login", "--format", "env")
        self.assertEqual(exports.returncode, 0, exports.stderr)
        self.assertIn(f"export AWS_ACCESS_KEY_ID={first['AccessKeyId']}\n", exports.stdout)
        shell = subprocess.run(["bash", "-c", exports.stdout + 'printf %s "$AWS_SESSION_TOKEN"'],
                               capture_output=True, text=True, timeout=30)
        self.assertEqual(shell.stdout, first["SessionToken"])
        fresh = self.cli_json("credentials", "--profile", "dev", "--no-login", "--force-refresh")
        self.assertNotEqual(fresh["AccessKeyId"], first["AccessKeyId"])

    def test_credentials_log_in_when_there_is_no_token(self):
        proc = CliProcess(self.home, "credentials", "--profile", "dev", "--use-device-code",
                          "--no-browser", "--no-qr", watch="stderr")
        out, err = self.finish_login(proc)
        self.assertIn("No cached SSO token", err)
        credentials = json.loads(out)  # stdout holds the JSON and nothing else
        self.assertEqual(credentials["Version"], 1)
        self.assertRegex(credentials["AccessKeyId"], ACCESS_KEY_RE)
        self.assertTrue(os.path.isfile(self.home.cache_file(sha1(SESSION))))

    def test_unassigned_role_is_not_found(self):
        self.login()
        for account, role in ((UNASSIGNED_ACCOUNT, ROLE), (ACCOUNT, "NoSuchRole")):
            done = self.cli("credentials", "--profile", "dev", "--no-login", "--account-id",
                            account, "--role-name", role)
            self.assertEqual(done.returncode, 254, done.stderr)
            self.assertEqual(done.stdout, "")
            self.assertIn("An error occurred (ResourceNotFoundException) when calling the "
                          "GetRoleCredentials operation", done.stderr)

    def test_logout_revokes_the_token_with_the_portal(self):
        self.login()
        token = self.cached_token()
        self.cli_json("credentials", "--profile", "dev", "--no-login")
        # The portal endpoint comes from the profile's [services] section, as for `aws sso
        # logout --profile dev`.
        done = self.cli("logout", "--profile", "dev")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertNotIn("warning", done.stderr)
        self.assertIn("Removed 1 cached SSO token", done.stdout)
        self.assertIn("Removed 1 cached role credential", done.stdout)
        self.assertEqual(os.listdir(role_cache_dir(self.home)), [])
        refused = run_python(self.home, BOTOCORE_GET_ROLE_CREDENTIALS, self.server.url, token,
                             ROLE, ACCOUNT)
        self.assertEqual(refused, {"error": "UnauthorizedException", "status": 401})
        again = self.cli("credentials", "--profile", "dev", "--no-login")
        self.assertEqual(again.returncode, 255, again.stderr)

    def test_revoked_token_without_login_is_unauthorized(self):
        self.login()
        token = self.cached_token()
        # Revoke it behind the CLI's back (as `aws sso logout` elsewhere would), keep the file.
        revoked = subprocess.run([sys.executable, "-c", textwrap.dedent("""
            import sys, botocore.session
            from botocore import UNSIGNED
            from botocore.config import Config
            c = botocore.session.Session().create_client(
                "sso", region_name="us-east-1", endpoint_url=sys.argv[1],
                config=Config(signature_version=UNSIGNED))
            c.logout(accessToken=sys.argv[2])
        """), self.server.url, token], capture_output=True, text=True, timeout=60,
            env=self.home.env())
        self.assertEqual(revoked.returncode, 0, revoked.stderr)
        done = self.cli("accounts", "--profile", "dev", "--no-login")
        self.assertEqual(done.returncode, 254, done.stderr)
        self.assertIn("An error occurred (UnauthorizedException) when calling the ListAccounts "
                      "operation: The SSO portal refused the cached SSO token", done.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
