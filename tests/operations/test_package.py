"""Packages: `cmake --install` puts the programs, their manual pages, the systemd unit and the
configuration in their FHS places; `cpack -G DEB` builds a .deb whose contents (extracted into a
throw-away root with dpkg-deb -x) start the way the unit starts them: ExecStart as written, the
unit's user (when the test runs as root: an unprivileged uid, since DynamicUser= makes one at
start), its UMask, its state directory. Then a device login against that server.

Two things differ from a real boot, because the root is not /: the database path and the listen
address come from the environment (SSOOIDC_DATABASE, SSOOIDC_LISTEN, which outrank the shipped
config file by design), pointing into the throw-away state directory and at 127.0.0.1:0.

Usage: test_package.py BUILD_DIR
"""

import os
import pwd
import re
import shlex
import stat
import subprocess
import sys
import tempfile
import unittest

from ops_support import START_URL, harness

BUILD_DIR = None


def unit_settings(text):
    """The [Service] settings of a unit file: name -> list of values."""
    out = {}
    section = None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            section = line
            continue
        if section == "[Service]":
            k, _, v = line.partition("=")
            out.setdefault(k, []).append(v)
    return out


class PackageTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="ssooidc-package-")
        os.chmod(cls.work, 0o755)  # the unprivileged server user must reach the extracted root
        harness.isolate_aws_environment(cls.work)

    @classmethod
    def tearDownClass(cls):
        if not os.environ.get("SSOOIDC_E2E_KEEP"):
            subprocess.run(["rm", "-rf", cls.work], check=False)

    def test_cmake_install_layout(self):
        prefix = os.path.join(self.work, "prefix")
        subprocess.run(["cmake", "--install", BUILD_DIR, "--prefix", prefix], check=True,
                       capture_output=True)
        for path in ("bin/ssooidc-server", "bin/ssooidc", "share/man/man1/ssooidc-server.1",
                     "share/man/man1/ssooidc.1", "share/doc/ssooidc/ssooidc-server-help.txt",
                     "share/doc/ssooidc/ssooidc-server.toml.example",
                     "lib/systemd/system/ssooidc-server.service",
                     "etc/ssooidc/ssooidc-server.toml"):
            with self.subTest(path=path):
                self.assertTrue(os.path.isfile(os.path.join(prefix, path)), path)
        with open(os.path.join(prefix, "lib/systemd/system/ssooidc-server.service")) as f:
            unit = unit_settings(f.read())
        self.assertEqual(unit["ExecStart"], [f"{prefix}/bin/ssooidc-server serve --config "
                                             f"{prefix}/etc/ssooidc/ssooidc-server.toml"])
        # The manual is the program's own help, every subcommand included.
        with open(os.path.join(prefix, "share/man/man1/ssooidc-server.1")) as f:
            man = f.read()
        self.assertTrue(man.startswith(".TH SSOOIDC-SERVER 1"))
        for text in ("ssooidc-server serve", "--test-mode", "ssooidc-server config check",
                     "ssooidc-server device approve"):
            self.assertIn(text, man)
        example = subprocess.run([os.path.join(prefix, "bin/ssooidc-server"), "config", "check",
                                  os.path.join(prefix, "etc/ssooidc/ssooidc-server.toml")],
                                 capture_output=True, text=True)
        self.assertEqual(example.returncode, 0, example)

    def test_deb_installs_and_serves_as_the_unit_would(self):
        out = os.path.join(self.work, "deb")
        built = subprocess.run(["cpack", "-G", "DEB", "--config",
                                os.path.join(BUILD_DIR, "CPackConfig.cmake"), "-B", out],
                               capture_output=True, text=True, timeout=900)
        self.assertEqual(built.returncode, 0, built.stdout + built.stderr)
        debs = [f for f in os.listdir(out) if f.endswith(".deb")]
        self.assertEqual(len(debs), 1, debs)
        deb = os.path.join(out, debs[0])
        info = subprocess.run(["dpkg-deb", "-f", deb, "Package", "Depends", "Architecture"],
                              capture_output=True, text=True, check=True).stdout
        self.assertIn("Package: ssooidc", info)
        for lib in ("libsqlite3-0", "libssl3", "libargon2-1", "libc6"):
            self.assertIn(lib, info)
        conffiles = subprocess.run(["dpkg-deb", "-I", deb, "conffiles"], capture_output=True,
                                   text=True, check=True).stdout
        self.assertEqual(conffiles.split(), ["/etc/ssooidc/ssooidc-server.toml"])
        root = os.path.join(self.work, "root")
        subprocess.run(["dpkg-deb", "-x", deb, root], check=True)

        unit_path = os.path.join(root, "usr/lib/systemd/system/ssooidc-server.service")
        with open(unit_path) as f:
            unit = unit_settings(f.read())
        for key, value in (("DynamicUser", "yes"), ("User", "ssooidc"),
                           ("StateDirectory", "ssooidc"), ("ProtectSystem", "strict"),
                           ("NoNewPrivileges", "yes"), ("ProtectHome", "yes"),
                           ("PrivateTmp", "yes"), ("UMask", "0077")):
            with self.subTest(setting=key):
                self.assertEqual(unit.get(key), [value])
        # systemd itself accepts the unit (with ExecStart's program found under the root), and
        # rates its sandbox: exposure at most 2.0 of 10 ("OK").
        checked = os.path.join(self.work, "checked-unit")
        os.makedirs(checked)
        with open(unit_path) as f, open(os.path.join(checked, "ssooidc-server.service"), "w") as o:
            o.write(f.read().replace("ExecStart=/usr/bin/", f"ExecStart={root}/usr/bin/"))
        unit_copy = os.path.join(checked, "ssooidc-server.service")
        verify = subprocess.run(["systemd-analyze", "verify", "--man=no", unit_copy],
                                capture_output=True, text=True, timeout=60)
        self.assertEqual((verify.returncode, verify.stderr), (0, ""), verify)
        security = subprocess.run(["systemd-analyze", "security", "--offline=yes", "--no-pager",
                                   "--threshold=20", unit_copy],
                                  capture_output=True, text=True, timeout=60)
        self.assertEqual(security.returncode, 0, security.stdout[-2000:] + security.stderr)
        self.assertRegex(security.stdout, r"Overall exposure level for ssooidc-server\.service: "
                                          r"[01]\.\d OK")
        argv = shlex.split(unit["ExecStart"][0])
        self.assertEqual(argv[:3], ["/usr/bin/ssooidc-server", "serve", "--config"])
        # Paths of the package, found under the throw-away root.
        argv = [os.path.join(root, a.lstrip("/")) if a.startswith(("/usr/", "/etc/")) else a
                for a in argv]
        with open(argv[3]) as f:
            config = f.read()
        self.assertIn('database = "sqlite:/var/lib/ssooidc/ssooidc.db"', config)

        state = os.path.join(self.work, "state", "ssooidc")  # StateDirectory=, mode 0700
        os.makedirs(state)
        os.chmod(state, 0o700)
        as_root = os.geteuid() == 0
        if as_root:
            nobody = pwd.getpwnam("nobody")
            os.chown(state, nobody.pw_uid, nobody.pw_gid)
            argv = ["setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}",
                    "--clear-groups", "--no-new-privs", *argv]
        env = harness.clean_environment({
            "STATE_DIRECTORY": state,
            "SSOOIDC_DATABASE": "sqlite:" + os.path.join(state, "ssooidc.db"),
            "SSOOIDC_LISTEN": "127.0.0.1:0"})
        log_path = os.path.join(self.work, "server.stderr")
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(argv, cwd=state, env=env, stdout=subprocess.PIPE,
                                    stderr=log, stdin=subprocess.DEVNULL,
                                    preexec_fn=lambda: os.umask(0o077))
        try:
            url = proc.stdout.readline().decode().strip()
            self.assertRegex(url, r"^http://127\.0\.0\.1:\d+$", open(log_path).read())
            # The first user's password, in the state directory, private to the server's user.
            self.assertEqual(proc.stdout.readline().decode().strip(),
                             "Created the first user: admin")
            password_file = os.path.join(state, "ssooidc.db.admin-password")
            st = os.stat(password_file)
            self.assertEqual(stat.S_IMODE(st.st_mode), 0o600)
            if as_root:
                self.assertEqual(st.st_uid, nobody.pw_uid)
            client = harness.oidc_client(url)
            reg = client.register_client(clientName="deb", clientType="public",
                                         scopes=["sso:account:access"])
            dev = client.start_device_authorization(clientId=reg["clientId"],
                                                    clientSecret=reg["clientSecret"],
                                                    startUrl=START_URL)
            approve = [os.path.join(root, "usr/bin/ssooidc-server"), "device", "approve",
                       dev["userCode"], "--user", "admin"]
            if as_root:
                approve = argv[:5] + approve
            done = subprocess.run(approve, env=env, capture_output=True, text=True, timeout=60)
            self.assertEqual(done.returncode, 0, done)
            token = client.create_token(clientId=reg["clientId"],
                                        clientSecret=reg["clientSecret"],
                                        grantType=harness.DEVICE_GRANT,
                                        deviceCode=dev["deviceCode"])
            self.assertTrue(token["accessToken"].startswith("aoa"))
            resp = harness.raw_request(url, "GET", "/assignment/accounts",
                                       headers={"x-amz-sso_bearer_token": token["accessToken"]})
            self.assertEqual(resp.status, 200, resp)
        finally:
            proc.terminate()
            self.assertEqual(proc.wait(timeout=30), 0)
        with open(log_path) as f:
            log = f.read()
        # log-format = "json" from the shipped config.
        self.assertRegex(log, r'\{"ts":"[^"]+","remote":"127\.0\.0\.1","method":"POST",'
                              r'"path":"/token","status":200')
        self.assertTrue(os.path.exists(os.path.join(state, "ssooidc.db.key")))


if __name__ == "__main__":
    BUILD_DIR = sys.argv.pop(1)
    unittest.main(argv=[sys.argv[0]] + sys.argv[1:], verbosity=2)
