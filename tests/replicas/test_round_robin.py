#!/usr/bin/env python3
"""Three replicas behind nginx round-robin on one PostgreSQL, driven by real AWS clients
(issue 12): boto3 and the AWS CLI do the device flow and refresh through nginx, with every
request free to land on any replica (no stickiness), and each replica's access log shows that
requests did reach all three. Then one replica is killed with SIGKILL under load: the other two
go on, only requests that were in flight on it may fail, and every registration acknowledged
before or after the kill (by any replica, the killed one included) still authenticates.

The approvals here go through the operator command (the pages across replicas are the
shared-state suites' subject).

Environment: SSOOIDC_SERVER, SSOOIDC_TEST_POSTGRES_URL (scripts/test.sh), nginx, boto3,
/usr/bin/aws. Missing any of them fails the test.
"""

import concurrent.futures
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))

import ssooidc_harness as h  # noqa: E402

REPLICAS = 3
START_URL = "https://d-0000000000.awsapps.com/start"
KEY = "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC\n"
AWS = "/usr/bin/aws"


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RoundRobinTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        if not os.path.exists(nginx):
            raise AssertionError("nginx not found (scripts/install-deps.sh installs it)")
        cls.tmp = h.TempDir("ssooidc-roundrobin-")
        cls.schema = h.PostgresSchema("roundrobin")
        key_file = cls.tmp.join("server.key")
        with open(key_file, "w") as f:
            f.write(KEY)
        os.chmod(key_file, 0o600)
        cls.servers = []
        for i in range(REPLICAS):
            # The access log (JSON lines on stderr, in the harness's log file) shows which replica
            # answered what.
            server = h.Server(cls.tmp.path, "--key-file", key_file, "--no-bootstrap-user",
                              "--register-client-rate", "0", "--device-authorization-rate", "0",
                              # A second redemption is reuse at once, whatever the timing: within
                              # the grace (kept in the shared storage) it would be answered again.
                              "--retry-grace", "0",
                              "--trusted-proxies", "127.0.0.1/32",
                              name=f"replica{i}", database=cls.schema.url)
            server.start()
            cls.servers.append(server)
        cls.servers[0].admin_ok("user", "add", "alice", "--password-stdin", stdin="pw-alice\n")
        port = free_port()
        conf_dir = cls.tmp.join("nginx")
        os.makedirs(conf_dir)
        with open(os.path.join(HERE, "nginx-round-robin.conf.in")) as f:
            conf = f.read()
        upstreams = "\n".join(f"    server 127.0.0.1:{s.port};" for s in cls.servers)
        conf = (conf.replace("@DIR@", conf_dir).replace("@PORT@", str(port))
                .replace("@UPSTREAMS@", upstreams))
        with open(os.path.join(conf_dir, "nginx.conf"), "w") as f:
            f.write(conf)
        cls.nginx = subprocess.Popen([nginx, "-p", conf_dir, "-e", os.path.join(conf_dir, "error.log"),
                                      "-c", os.path.join(conf_dir, "nginx.conf")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        cls.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                if h.raw_request(cls.url, "GET", "/healthz").status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or cls.nginx.poll() is not None:
                raise AssertionError("nginx did not start: " + cls.nginx.stderr.read().decode())
            time.sleep(0.05)

    @classmethod
    def tearDownClass(cls):
        cls.nginx.terminate()
        cls.nginx.wait(timeout=20)
        for server in cls.servers:
            server.kill()
        cls.schema.close()
        cls.tmp.close()

    def served_by_each(self):
        counts = []
        for server in self.servers:
            with open(server.log_path, "rb") as f:
                counts.append(sum(1 for line in f if line.startswith(b'{"ts"')))
        return counts

    def test_boto3_device_flow_and_refresh_through_round_robin(self):
        before = self.served_by_each()
        oidc = h.oidc_client(self.url)
        for _ in range(3):
            reg = oidc.register_client(clientName="rr", clientType="public",
                                       scopes=["sso:account:access"])
            dev = oidc.start_device_authorization(clientId=reg["clientId"],
                                                  clientSecret=reg["clientSecret"],
                                                  startUrl=START_URL)
            with self.assertRaises(oidc.exceptions.AuthorizationPendingException):
                oidc.create_token(clientId=reg["clientId"], clientSecret=reg["clientSecret"],
                                  grantType=h.DEVICE_GRANT, deviceCode=dev["deviceCode"])
            self.servers[1].admin_ok("device", "approve", dev["userCode"], "--user", "alice")
            token = oidc.create_token(clientId=reg["clientId"], clientSecret=reg["clientSecret"],
                                      grantType=h.DEVICE_GRANT, deviceCode=dev["deviceCode"])
            refresh = token["refreshToken"]
            for _ in range(3):
                refreshed = oidc.create_token(clientId=reg["clientId"],
                                              clientSecret=reg["clientSecret"],
                                              grantType=h.REFRESH_GRANT, refreshToken=refresh)
                self.assertNotEqual(refreshed["refreshToken"], refresh)
                refresh = refreshed["refreshToken"]
            with self.assertRaises(oidc.exceptions.InvalidGrantException):
                oidc.create_token(clientId=reg["clientId"], clientSecret=reg["clientSecret"],
                                  grantType=h.DEVICE_GRANT, deviceCode=dev["deviceCode"])
        after = self.served_by_each()
        served = [a - b for a, b in zip(after, before)]
        self.assertTrue(all(n > 0 for n in served), f"requests per replica: {served}")

    def test_aws_cli_through_round_robin(self):
        if not os.path.exists(AWS):
            raise AssertionError(f"{AWS} not found (scripts/install-deps.sh installs awscli)")
        home = self.tmp.join("aws-home")
        os.makedirs(home, exist_ok=True)
        env = h.clean_environment({"HOME": home, "AWS_ACCESS_KEY_ID": "x",
                                   "AWS_SECRET_ACCESS_KEY": "x", "AWS_DEFAULT_REGION": "us-east-1",
                                   "AWS_CONFIG_FILE": os.path.join(home, "config"),
                                   "AWS_SHARED_CREDENTIALS_FILE": os.path.join(home, "creds"),
                                   "AWS_PAGER": ""})

        def aws(*args):
            done = subprocess.run([AWS, "sso-oidc", *args, "--endpoint-url", self.url,
                                   "--output", "json"], capture_output=True, text=True,
                                  timeout=120, env=env)
            return done

        reg = aws("register-client", "--client-name", "cli-rr", "--client-type", "public")
        self.assertEqual(reg.returncode, 0, reg.stderr)
        reg = json.loads(reg.stdout)
        dev = aws("start-device-authorization", "--client-id", reg["clientId"],
                  "--client-secret", reg["clientSecret"], "--start-url", START_URL)
        self.assertEqual(dev.returncode, 0, dev.stderr)
        dev = json.loads(dev.stdout)
        self.servers[2].admin_ok("device", "approve", dev["userCode"], "--user", "alice")
        token = aws("create-token", "--client-id", reg["clientId"], "--client-secret",
                    reg["clientSecret"], "--grant-type", h.DEVICE_GRANT, "--device-code",
                    dev["deviceCode"])
        self.assertEqual(token.returncode, 0, token.stderr)
        self.assertIn("accessToken", json.loads(token.stdout))
        again = aws("create-token", "--client-id", reg["clientId"], "--client-secret",
                    reg["clientSecret"], "--grant-type", h.DEVICE_GRANT, "--device-code",
                    dev["deviceCode"])
        self.assertNotEqual(again.returncode, 0)
        self.assertIn("InvalidGrantException", again.stderr)

    def test_zz_kill_9_of_one_replica_under_load(self):
        # Runs last (name order): it leaves two replicas.
        victim = self.servers[2]
        stop = threading.Event()
        outcomes = []
        lock = threading.Lock()

        acknowledged = []  # every registration answered 200, on whichever replica

        def load():
            while not stop.is_set():
                try:
                    answer = h.post_json(self.url, "/client/register",
                                         {"clientName": "k9", "clientType": "public"})
                    status = answer.status
                except OSError as e:
                    status = type(e).__name__
                with lock:
                    outcomes.append((time.monotonic(), status))
                    if status == 200:
                        acknowledged.append(answer.json())

        workers = [threading.Thread(target=load, daemon=True) for _ in range(4)]
        for w in workers:
            w.start()
        time.sleep(0.5)
        killed_at = time.monotonic()
        victim.kill()
        time.sleep(1.5)
        stop.set()
        for w in workers:
            w.join(timeout=60)
        with lock:
            seen = list(outcomes)
        before = [s for t, s in seen if t < killed_at]
        after = [s for t, s in seen if t >= killed_at]
        self.assertTrue(before and all(s == 200 for s in before), sorted(set(map(str, before))))
        failed = [s for s in after if s != 200]
        # Only what was in flight on the killed replica (at most one request per worker); nginx
        # then marks it down and sends everything to the two left.
        self.assertLessEqual(len(failed), len(workers), f"failures after the kill: {failed}")
        self.assertGreater(after.count(200), 10, "the other replicas did not go on")
        # Nothing acknowledged is lost, the victim's acknowledgements included: every
        # registration answered 200 authenticates on the replicas left.
        with lock:
            registrations = list(acknowledged)
        self.assertEqual(len(registrations), before.count(200) + after.count(200))

        def authenticates(reg):
            return h.post_json(self.url, "/device_authorization", {
                "clientId": reg["clientId"], "clientSecret": reg["clientSecret"],
                "startUrl": START_URL}).status

        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
            statuses = list(pool.map(authenticates, registrations))
        self.assertEqual([s for s in statuses if s != 200], [],
                         f"of {len(registrations)} acknowledged registrations")


if __name__ == "__main__":
    h.server_binary()
    h.postgres_test_url()
    unittest.main(verbosity=2)
