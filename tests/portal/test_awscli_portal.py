#!/usr/bin/env python3
"""End-to-end suite: Debian's AWS CLI v2 (/usr/bin/aws, 2.9.19) and the SSO portal API.

`aws configure sso` is driven end to end without a terminal: its prompts are answered on standard
input, the device code it prints is approved with `ssooidc-server device approve`, and it lists
the user's accounts and roles through the server and writes the profile. CLI 2.9.19 has no
endpoint setting for `sso` or `sso-oidc`, so AWS_DATA_PATH names a directory holding an endpoint
rule set for each whose only rule returns the server's URL (as the README does). Then a command
with the profile runs against moto_server, and `aws sso logout` calls Logout: the old token gets
401 and its refresh token InvalidGrantException.
"""

import hashlib
import json
import os
import re
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import portal_world as w  # noqa: E402
from portal_world import h  # noqa: E402

AWS = os.environ.get("SSOOIDC_AWS_CLI", "/usr/bin/aws")
BOTOCORE_DATA = "/usr/lib/python3/dist-packages/awscli/botocore/data"
SESSION = "corp"


def write_endpoint_rules(data_dir, url):
    for service in ("sso", "sso-oidc"):
        installed = os.path.join(BOTOCORE_DATA, service, "2019-06-10", "endpoint-rule-set-1.json")
        with open(installed, encoding="utf-8") as f:
            rules = json.load(f)
        ours = {"version": rules["version"], "parameters": rules["parameters"],
                "rules": [{"conditions": [], "type": "endpoint",
                           "endpoint": {"url": url, "properties": {}, "headers": {}}}]}
        directory = os.path.join(data_dir, service, "2019-06-10")
        os.makedirs(directory, exist_ok=True)
        with open(os.path.join(directory, "endpoint-rule-set-1.json"), "w", encoding="utf-8") as f:
            json.dump(ours, f)


class AwsCliPortalTests(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        if not (os.path.isfile(AWS) and os.access(AWS, os.X_OK)):
            raise AssertionError(f"{AWS} is missing: install Debian's awscli (scripts/install-deps.sh)")
        if not os.path.isdir(os.path.join(BOTOCORE_DATA, "sso")):
            raise AssertionError(f"not the Debian awscli 2.9.19 layout: {BOTOCORE_DATA}")
        cls.tmp = h.TempDir("ssooidc-portal-awscli-")
        cls.addClassCleanup(cls.tmp.close)
        world = cls.tmp.join("world.toml")
        with open(world, "w", encoding="utf-8") as f:
            f.write('[[users]]\nname = "solo"\npassword = "correct horse battery staple"\n\n'
                    f'[[accounts]]\nid = "{w.PROD}"\nname = "Production"\n'
                    '  [[accounts.roles]]\n  name = "ReadOnly"\n\n'
                    f'[[assignments]]\nuser = "solo"\naccount = "{w.PROD}"\nrole = "ReadOnly"\n')
        cls.server = h.Server(cls.tmp.path, "--world", world, "--no-bootstrap-user", name="cli")
        cls.server.start()
        cls.addClassCleanup(cls.server.stop)
        cls.moto = w.Moto(cls.tmp.path)
        cls.moto.start()
        cls.addClassCleanup(cls.moto.stop)
        home = cls.tmp.join("home")
        os.mkdir(home)
        write_endpoint_rules(cls.tmp.join("models"), cls.server.url)
        cls.home = home
        cls.env = h.clean_environment({
            "HOME": home, "AWS_CONFIG_FILE": os.path.join(home, "config"),
            "AWS_SHARED_CREDENTIALS_FILE": os.path.join(home, "credentials"),
            "AWS_DATA_PATH": cls.tmp.join("models"), "AWS_PAGER": "",
            "AWS_EC2_METADATA_DISABLED": "true", "BROWSER": "/bin/false", "LC_ALL": "C.UTF-8",
        })
        cls.env = {k: v for k, v in cls.env.items() if not k.startswith("PYTHON")}

    def aws(self, *args, timeout=120):
        return subprocess.run([AWS, *args], capture_output=True, text=True, env=self.env,
                              stdin=subprocess.DEVNULL, timeout=timeout)

    def configure_sso(self):
        """Answers every prompt of `aws configure sso` on stdin and approves its device code."""
        proc = subprocess.Popen([AWS, "configure", "sso"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=self.env,
                                text=True, bufsize=0)
        output = []
        reader = threading.Thread(target=lambda: output.extend(iter(lambda: proc.stdout.read(1), "")),
                                  daemon=True)
        reader.start()
        proc.stdin.write(f"{SESSION}\n{w.START_URL}\nus-east-1\nsso:account:access\n")
        proc.stdin.flush()
        deadline = time.monotonic() + 120
        code = None
        while time.monotonic() < deadline and proc.poll() is None:
            found = h.USER_CODE_RE.search("".join(output))
            if found:
                code = found.group(0)
                break
            time.sleep(0.1)
        self.assertIsNotNone(code, "aws configure sso printed no user code:\n" + "".join(output))
        self.server.approve(code, user="solo")
        proc.stdin.write("us-east-1\njson\nportal\n")
        proc.stdin.close()
        proc.wait(timeout=120)
        reader.join(timeout=10)
        proc.stdout.close()
        return proc.returncode, "".join(output)

    def test_configure_sso_command_with_profile_and_logout(self):
        code, output = self.configure_sso()
        self.assertEqual(code, 0, output)
        # The CLI listed the accounts and the roles through the server.
        self.assertIn(f"The only AWS account available to you is: {w.PROD}", output)
        self.assertIn("The only role available to you is: ReadOnly", output)
        with open(os.path.join(self.home, "config"), encoding="utf-8") as f:
            config = f.read()
        self.assertIn(f"[profile portal]\nsso_session = {SESSION}\nsso_account_id = {w.PROD}\n"
                      "sso_role_name = ReadOnly\n", config)
        self.assertIn(f"[sso-session {SESSION}]\nsso_start_url = {w.START_URL}\n", config)

        listed = self.aws("sso", "list-accounts", "--profile", "portal", "--region", "us-east-1",
                          "--access-token", self.cached_token()["accessToken"], "--output", "json")
        self.assertEqual(listed.returncode, 0, listed.stderr)
        self.assertEqual(json.loads(listed.stdout)["accountList"][0]["accountId"], w.PROD)

        made = self.aws("s3api", "create-bucket", "--bucket", "from-aws-cli", "--profile", "portal",
                        "--endpoint-url", self.moto.url)
        self.assertEqual(made.returncode, 0, made.stderr)
        buckets = self.aws("s3api", "list-buckets", "--profile", "portal", "--endpoint-url",
                           self.moto.url, "--output", "json")
        self.assertEqual(buckets.returncode, 0, buckets.stderr)
        self.assertIn("from-aws-cli", [b["Name"] for b in json.loads(buckets.stdout)["Buckets"]])
        records = self.server.admin_ok("credentials", "list", "--user", "solo").stdout
        self.assertIn("ReadOnly", records)

        token = self.cached_token()
        out = self.aws("sso", "logout", "--profile", "portal")
        self.assertEqual(out.returncode, 0, out.stderr)
        status = h.raw_request(self.server.url, "GET", "/assignment/accounts",
                               headers={"x-amz-sso_bearer_token": token["accessToken"]})
        self.assertEqual(status.status, 401, status)
        self.assertEqual(status.header("x-amzn-ErrorType"), "UnauthorizedException")
        refreshed = h.post_json(self.server.url, "/token", {
            "clientId": token["clientId"], "clientSecret": token["clientSecret"],
            "grantType": "refresh_token", "refreshToken": token["refreshToken"]})
        self.assertEqual(refreshed.status, 400)
        self.assertTrue(refreshed.header("x-amzn-ErrorType").startswith("InvalidGrantException"))

    def cached_token(self):
        path = os.path.join(self.home, ".aws", "sso", "cache",
                            hashlib.sha1(SESSION.encode()).hexdigest() + ".json")
        with open(path, encoding="utf-8") as f:
            return json.load(f)


if __name__ == "__main__":
    h.server_binary()
    unittest.main(verbosity=2)
