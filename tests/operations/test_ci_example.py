"""README "Testing SSO logins in CI": examples/ci-login.sh, run exactly as written (with bash,
the built server as SSOOIDC_SERVER and Debian's AWS CLI 2.9.19 as AWS_CLI, in a HOME of its
own), must succeed; and the README must show that very script."""

import os
import subprocess
import sys
import unittest

from awscli_support import AWS, require_cli
from ops_support import harness

REPO = harness.REPO_ROOT
SCRIPT = os.path.join(REPO, "examples", "ci-login.sh")


class CiExampleTests(unittest.TestCase):
    def test_readme_shows_the_script(self):
        with open(os.path.join(REPO, "README.md"), encoding="utf-8") as f:
            readme = f.read()
        with open(SCRIPT, encoding="utf-8") as f:
            script = f.read()
        self.assertIn("```sh\n" + script + "```\n", readme)

    def test_script_runs_as_written(self):
        require_cli()
        tmp = harness.TempDir("ssooidc-ci-example-")
        self.addCleanup(tmp.close)
        home = tmp.join("home")
        os.makedirs(home)
        env = harness.clean_environment({"HOME": home, "AWS_CLI": AWS,
                                         "SSOOIDC_SERVER": harness.server_binary()})
        done = subprocess.run(["bash", SCRIPT], env=env, cwd=tmp.path, capture_output=True,
                              text=True, timeout=300, stdin=subprocess.DEVNULL)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertIn("login and token: OK", done.stdout)
        self.assertIn("denied login fails: OK", done.stdout)
        self.assertEqual(os.listdir(home), [".aws"])  # nothing else touched


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]] + sys.argv[1:], verbosity=2)
