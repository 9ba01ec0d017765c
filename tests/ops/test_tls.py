#!/usr/bin/env python3
"""TLS built in (issue 13): `serve --tls-cert FILE --tls-key FILE` with real clients.

The test makes its own PKI with the openssl CLI: a root CA, an intermediate CA, and leaf
certificates signed by the intermediate; the server is given the leaf followed by the
intermediate (a chain), the clients trust only the root:
  - curl --cacert, Python's ssl (protocol versions), boto3 with AWS_CA_BUNDLE, the AWS CLI
    (`aws sso login`, device flow) with AWS_CA_BUNDLE, and Chromium (tls_pages.mjs), which trusts
    the root through an NSS database in its own HOME (certutil), never by ignoring errors;
  - a certificate for another host name, and an expired one, are refused by each of them;
  - SIGHUP reloads the files: a new connection sees the new certificate while a connection
    opened before keeps working.

Environment: SSOOIDC_SERVER (CTest sets it), NODE. A missing tool fails the test; nothing skips.
"""

import hashlib
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))

import ssooidc_harness as h  # noqa: E402

AWS = os.environ.get("SSOOIDC_AWS_CLI", "/usr/bin/aws")
NODE = os.environ.get("NODE", "node")
BROWSER_DIR = os.path.join(HERE, "..", "browser")
BOTOCORE_DATA = "/usr/lib/python3/dist-packages/awscli/botocore/data"
START_URL = "https://d-0000000000.awsapps.com/start"
USER, PASSWORD = "tls-user", "correct horse battery staple"


def need(tool):
    path = shutil.which(tool)
    if not path:
        raise AssertionError(f"{tool} not found: scripts/install-deps.sh installs it")
    return path


class Pki:
    """A root CA, an intermediate CA and leaves, made with the openssl CLI in `directory`."""

    def __init__(self, directory):
        self.dir = directory
        self.openssl = need("openssl")
        self.root_key, self.root = self.path("root.key"), self.path("root.pem")
        self.run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                 "-keyout", self.root_key, "-out", self.root, "-days", "2",
                 "-subj", "/CN=ssooidc test root CA",
                 "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        self.inter_key, self.inter = self.path("inter.key"), self.path("inter.pem")
        self.run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                 "-keyout", self.inter_key, "-out", self.path("inter.csr"),
                 "-subj", "/CN=ssooidc test intermediate CA")
        ext = self.write("inter.ext", "basicConstraints=critical,CA:TRUE,pathlen:0\n"
                         "keyUsage=critical,keyCertSign,cRLSign\n")
        self.run("x509", "-req", "-in", self.path("inter.csr"), "-CA", self.root, "-CAkey",
                 self.root_key, "-CAcreateserial", "-days", "2", "-extfile", ext,
                 "-out", self.inter)

    def path(self, name):
        return os.path.join(self.dir, name)

    def write(self, name, text):
        with open(self.path(name), "w", encoding="utf-8") as f:
            f.write(text)
        return self.path(name)

    def run(self, *args):
        done = subprocess.run([self.openssl, *args], capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise AssertionError(f"openssl {' '.join(args)}: {done.stderr}")
        return done.stdout

    def leaf(self, name, san="IP:127.0.0.1,DNS:localhost", days="2"):
        """(chain file: leaf then intermediate, key file). days="-1" makes one already expired."""
        key, csr, cert = self.path(name + ".key"), self.path(name + ".csr"), self.path(name + ".crt")
        self.run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                 "-keyout", key, "-out", csr, "-subj", f"/CN={name}")
        ext = self.write(name + ".ext", f"subjectAltName={san}\nbasicConstraints=CA:FALSE\n"
                         "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n")
        self.run("x509", "-req", "-in", csr, "-CA", self.inter, "-CAkey", self.inter_key,
                 "-CAcreateserial", "-days", days, "-extfile", ext, "-out", cert)
        chain = self.path(name + ".chain.pem")
        with open(chain, "w", encoding="utf-8") as out:
            for part in (cert, self.inter):
                with open(part, encoding="utf-8") as f:
                    out.write(f.read())
        return chain, key

    def fingerprint(self, pem_file):
        """SHA-256 of the first certificate's DER in `pem_file`."""
        with open(pem_file, encoding="utf-8") as f:
            first = f.read().split("-----END CERTIFICATE-----")[0] + "-----END CERTIFICATE-----\n"
        return hashlib.sha256(ssl.PEM_cert_to_DER_cert(first)).hexdigest()


class TlsServer(h.Server):
    def __init__(self, directory, name, chain, key, *args):
        super().__init__(directory, "--tls-cert", chain, "--tls-key", key, *args, name=name)

    def start(self, timeout=30.0):
        url = super().start(timeout)
        if not url.startswith("https://"):
            raise AssertionError(f"a TLS server printed {url!r}")
        return url


def context(cafile):
    ctx = ssl.create_default_context(cafile=cafile)
    return ctx


def peer_fingerprint(sock):
    return hashlib.sha256(sock.getpeercert(binary_form=True)).hexdigest()


def https_get(url, path, cafile, connection=None):
    import http.client
    parsed = urllib.parse.urlsplit(url)
    conn = connection or http.client.HTTPSConnection(parsed.hostname, parsed.port,
                                                     context=context(cafile), timeout=30)
    conn.request("GET", path)
    resp = conn.getresponse()
    body = resp.read()
    return conn, resp, body


def wait_for_log(server, text, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open(server.log_path, "rb") as f:
            if text in f.read().decode(errors="replace"):
                return True
        time.sleep(0.05)
    return False


class TlsTests(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = h.TempDir("ssooidc-tls-")
        cls.addClassCleanup(cls.tmp.close)
        cls.pki = Pki(cls.tmp.path)
        cls.good_chain, cls.good_key = cls.pki.leaf("good")
        wrong_chain, wrong_key = cls.pki.leaf("wrong", san="DNS:wrong.example")
        expired_chain, expired_key = cls.pki.leaf("expired", days="-1")
        cls.servers = {}
        for name, chain, key in (("good", cls.good_chain, cls.good_key),
                                 ("wrong", wrong_chain, wrong_key),
                                 ("expired", expired_chain, expired_key)):
            server = TlsServer(cls.tmp.path, name, chain, key, "--no-bootstrap-user")
            done = server.admin("user", "add", USER, "--password-stdin", stdin=PASSWORD + "\n")
            if done.returncode != 0:
                raise AssertionError(done.stderr)
            server.start()
            cls.addClassCleanup(server.stop)
            cls.servers[name] = server
        cls.good = cls.servers["good"].url

    # -- curl and Python's ssl ------------------------------------------------------------------

    def curl(self, url, *args):
        return subprocess.run([need("curl"), "-sS", "--max-time", "20", "--cacert", self.pki.root,
                               *args, url], capture_output=True, text=True, timeout=60)

    def test_curl_trusts_the_chain_and_refuses_wrong_host_and_expired(self):
        ok = self.curl(self.good + "/healthz")
        self.assertEqual(ok.returncode, 0, ok.stderr)
        self.assertEqual(ok.stdout, "ok\n")
        wrong = self.curl(self.servers["wrong"].url + "/healthz")
        self.assertEqual(wrong.returncode, 60, wrong.stderr)  # CURLE_PEER_FAILED_VERIFICATION
        self.assertRegex(wrong.stderr, r"(?i)alternative certificate subject name|does not match")
        expired = self.curl(self.servers["expired"].url + "/healthz")
        self.assertEqual(expired.returncode, 60, expired.stderr)
        self.assertIn("expired", expired.stderr)
        # The root alone is needed: without it the chain is not trusted.
        untrusted = subprocess.run([need("curl"), "-sS", "--max-time", "20", self.good + "/healthz"],
                                   capture_output=True, text=True, timeout=60)
        self.assertEqual(untrusted.returncode, 60, untrusted.stderr)

    def test_protocols_are_tls12_and_tls13_only(self):
        host, port = "127.0.0.1", self.servers["good"].port
        for version in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
            ctx = context(self.pki.root)
            ctx.minimum_version = ctx.maximum_version = version
            with socket.create_connection((host, port), timeout=20) as raw:
                with ctx.wrap_socket(raw, server_hostname=host) as tls:
                    self.assertEqual(tls.version(), version.name.replace("v1_", "v1."))
        # A client offering only TLS 1.1 (allowed on its side by SECLEVEL=0) is refused by the
        # server with a protocol_version alert.
        old = subprocess.run([self.pki.openssl, "s_client", "-connect", f"{host}:{port}",
                              "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0", "-CAfile", self.pki.root],
                             input="", capture_output=True, text=True, timeout=60)
        self.assertNotEqual(old.returncode, 0, old.stdout)
        self.assertIn("alert protocol version", old.stdout + old.stderr)
        # Plain HTTP on the TLS port gets no HTTP answer, and the server goes on serving.
        with socket.create_connection((host, port), timeout=20) as raw:
            raw.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertNotIn(b"HTTP/1.1 200", raw.recv(4096))
        self.assertEqual(self.curl(self.good + "/healthz").stdout, "ok\n")

    def test_pages_have_host_cookie_and_hsts(self):
        conn, resp, body = https_get(self.good, "/device", self.pki.root)
        conn.close()
        self.assertEqual(resp.status, 200, body)
        self.assertEqual(resp.getheader("Strict-Transport-Security"), "max-age=31536000")
        cookies = [v for k, v in resp.getheaders() if k.lower() == "set-cookie"]
        self.assertTrue(any(c.startswith("__Host-ssooidc_session=") and "Secure" in c
                            for c in cookies), cookies)

    # -- boto3 with AWS_CA_BUNDLE ---------------------------------------------------------------

    def boto3_client(self, url):
        import boto3
        from botocore.config import Config
        return boto3.session.Session().client(
            "sso-oidc", region_name="us-east-1", endpoint_url=url,
            config=Config(retries={"mode": "standard", "total_max_attempts": 1},
                          connect_timeout=20, read_timeout=60))

    def test_boto3_with_aws_ca_bundle(self):
        import botocore.exceptions
        saved = dict(os.environ)
        self.addCleanup(lambda: (os.environ.clear(), os.environ.update(saved)))
        h.isolate_aws_environment(self.tmp.path)
        os.environ["AWS_CA_BUNDLE"] = self.pki.root
        client = self.boto3_client(self.good)
        registered = client.register_client(clientName="tls-boto3", clientType="public")
        started = client.start_device_authorization(
            clientId=registered["clientId"], clientSecret=registered["clientSecret"],
            startUrl=START_URL)
        self.assertTrue(started["verificationUriComplete"].startswith(self.good + "/device"))
        with self.assertRaises(client.exceptions.AuthorizationPendingException):
            client.create_token(clientId=registered["clientId"],
                                clientSecret=registered["clientSecret"],
                                grantType=h.DEVICE_GRANT, deviceCode=started["deviceCode"])
        for name, reason in (("wrong", r"(?i)hostname|match"), ("expired", r"(?i)expired")):
            with self.assertRaises(botocore.exceptions.SSLError) as refused:
                self.boto3_client(self.servers[name].url).register_client(
                    clientName="tls-boto3", clientType="public")
            self.assertRegex(str(refused.exception), reason)

    # -- the AWS CLI: aws sso login (device flow) -----------------------------------------------

    def aws_env(self, name, url):
        home = self.tmp.join("aws-" + name)
        os.makedirs(home, exist_ok=True)
        models = os.path.join(home, "models")
        for service in ("sso", "sso-oidc"):
            installed = os.path.join(BOTOCORE_DATA, service, "2019-06-10",
                                     "endpoint-rule-set-1.json")
            with open(installed, encoding="utf-8") as f:
                rules = json.load(f)
            ours = {"version": rules["version"], "parameters": rules["parameters"],
                    "rules": [{"conditions": [], "type": "endpoint",
                               "endpoint": {"url": url, "properties": {}, "headers": {}}}]}
            directory = os.path.join(models, service, "2019-06-10")
            os.makedirs(directory, exist_ok=True)
            with open(os.path.join(directory, "endpoint-rule-set-1.json"), "w",
                      encoding="utf-8") as f:
                json.dump(ours, f)
        with open(os.path.join(home, "config"), "w", encoding="utf-8") as f:
            f.write(f"[profile tls]\nsso_session = corp\nsso_account_id = 111122223333\n"
                    f"sso_role_name = ReadOnly\nregion = us-east-1\n\n"
                    f"[sso-session corp]\nsso_start_url = {START_URL}\nsso_region = us-east-1\n"
                    "sso_registration_scopes = sso:account:access\n")
        env = h.clean_environment({
            "HOME": home, "AWS_CONFIG_FILE": os.path.join(home, "config"),
            "AWS_SHARED_CREDENTIALS_FILE": os.path.join(home, "credentials"),
            "AWS_DATA_PATH": models, "AWS_PAGER": "", "AWS_CA_BUNDLE": self.pki.root,
            "AWS_EC2_METADATA_DISABLED": "true", "BROWSER": "/bin/false", "LC_ALL": "C.UTF-8"})
        return home, {k: v for k, v in env.items() if not k.startswith("PYTHON")}

    def sso_login(self, name, approve):
        """Runs `aws sso login --profile tls` against server `name`; approves the code it prints
        when `approve`. Returns (exit code, output, home)."""
        server = self.servers[name]
        home, env = self.aws_env(name, server.url)
        proc = subprocess.Popen([AWS, "sso", "login", "--profile", "tls"], env=env,
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, bufsize=0)
        output = []
        reader = threading.Thread(
            target=lambda: output.extend(iter(lambda: proc.stdout.read(1), "")), daemon=True)
        reader.start()
        if approve:
            deadline = time.monotonic() + 120
            code = None
            while time.monotonic() < deadline and proc.poll() is None and code is None:
                found = h.USER_CODE_RE.search("".join(output))
                code = found.group(0) if found else None
                time.sleep(0.1)
            self.assertIsNotNone(code, "aws sso login printed no user code:\n" + "".join(output))
            server.approve(code, user=USER)
        proc.wait(timeout=180)
        reader.join(timeout=10)
        proc.stdout.close()
        return proc.returncode, "".join(output), home

    def test_aws_cli_sso_login_over_tls(self):
        if not (os.path.isfile(AWS) and os.access(AWS, os.X_OK)):
            raise AssertionError(f"{AWS} is missing: scripts/install-deps.sh installs awscli")
        code, output, home = self.sso_login("good", approve=True)
        self.assertEqual(code, 0, output)
        self.assertIn("Successfully logged into Start URL", output)
        cache = os.path.join(home, ".aws", "sso", "cache",
                             hashlib.sha1(b"corp").hexdigest() + ".json")
        with open(cache, encoding="utf-8") as f:
            token = json.load(f)
        self.assertTrue(token["accessToken"])
        for name, reason in (("wrong", r"(?i)hostname|match"), ("expired", r"(?i)expired")):
            code, output, _ = self.sso_login(name, approve=False)
            self.assertNotEqual(code, 0, output)
            self.assertIn("SSL validation failed", output)
            self.assertRegex(output, reason)

    # -- Chromium -------------------------------------------------------------------------------

    def test_chromium_trusts_the_ca_and_refuses_wrong_host_and_expired(self):
        certutil = need("certutil")
        home = self.tmp.join("chromium-home")
        nssdb = os.path.join(home, ".pki", "nssdb")
        os.makedirs(nssdb, exist_ok=True)
        for args in (["-N", "--empty-password"],
                     ["-A", "-n", "ssooidc test root CA", "-t", "C,,", "-i", self.pki.root]):
            done = subprocess.run([certutil, "-d", "sql:" + nssdb, *args], capture_output=True,
                                  text=True, timeout=60)
            self.assertEqual(done.returncode, 0, done.stderr)
        urls = {name: server.url + "/device" for name, server in self.servers.items()}
        done = subprocess.run([NODE, os.path.join(BROWSER_DIR, "tls_pages.mjs"), json.dumps(urls)],
                              capture_output=True, text=True, timeout=300,
                              env={**os.environ, "HOME": home}, cwd=BROWSER_DIR)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        seen = json.loads(done.stdout.strip().splitlines()[-1])
        self.assertEqual(seen["good"]["status"], 200, seen)
        self.assertIn("code", seen["good"]["title"].lower(), seen)
        self.assertIn(seen["good"]["protocol"], ("TLS 1.3", "TLS 1.2"), seen)
        self.assertEqual(seen["good"]["issuer"], "ssooidc test intermediate CA", seen)
        self.assertIn("ERR_CERT_COMMON_NAME_INVALID", seen["wrong"]["error"], seen)
        self.assertIn("ERR_CERT_DATE_INVALID", seen["expired"]["error"], seen)


class ReloadTests(unittest.TestCase):
    """SIGHUP: new connections get the new certificate, open ones keep working."""

    def test_sighup_reloads_the_certificate_without_dropping_connections(self):
        tmp = h.TempDir("ssooidc-tls-reload-")
        self.addCleanup(tmp.close)
        pki = Pki(tmp.path)
        first_chain, first_key = pki.leaf("first")
        second_chain, second_key = pki.leaf("second")
        chain, key = os.path.join(tmp.path, "served.pem"), os.path.join(tmp.path, "served.key")
        shutil.copy(first_chain, chain)
        shutil.copy(first_key, key)
        server = TlsServer(tmp.path, "reload", chain, key)
        server.start()
        self.addCleanup(server.stop)

        old, resp, body = https_get(server.url, "/healthz", pki.root)
        self.assertEqual((resp.status, body), (200, b"ok\n"))
        self.assertEqual(peer_fingerprint(old.sock), pki.fingerprint(first_chain))

        # Replace the files (as certbot does: new files renamed into place) and signal.
        for source, target in ((second_chain, chain), (second_key, key)):
            shutil.copy(source, target + ".new")
            os.replace(target + ".new", target)
        server.proc.send_signal(signal.SIGHUP)
        self.assertTrue(wait_for_log(server, "TLS certificate reloaded"), server.log_tail())

        fresh, resp, body = https_get(server.url, "/healthz", pki.root)
        self.assertEqual((resp.status, body), (200, b"ok\n"))
        self.assertEqual(peer_fingerprint(fresh.sock), pki.fingerprint(second_chain))
        fresh.close()

        # The connection opened before the reload is still served, on its first certificate.
        _, resp, body = https_get(server.url, "/healthz", pki.root, connection=old)
        self.assertEqual((resp.status, body), (200, b"ok\n"))
        self.assertEqual(peer_fingerprint(old.sock), pki.fingerprint(first_chain))
        old.close()

        # A broken reload (key of another certificate) keeps the last good one.
        shutil.copy(first_key, key)
        server.proc.send_signal(signal.SIGHUP)
        self.assertTrue(wait_for_log(server, "NOT reloaded"), server.log_tail())
        again, resp, _ = https_get(server.url, "/healthz", pki.root)
        self.assertEqual(resp.status, 200)
        self.assertEqual(peer_fingerprint(again.sock), pki.fingerprint(second_chain))
        again.close()
        self.assertEqual(server.stop(), 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
