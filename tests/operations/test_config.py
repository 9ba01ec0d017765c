"""The serve configuration file: every serve flag is a key, flag > environment > file > default,
unknown keys and bad values refused with file, line and key, `config check` and `config example`.
"""

import os
import re
import subprocess
import sys
import unittest

from ops_support import OpsServer, harness, run_server_command, write


def serve_flags():
    """The long flags `serve --help` lists (CLI11's option table, as the user sees it)."""
    done = run_server_command("serve", "--help")
    assert done.returncode == 0, done
    flags = set(re.findall(r"^\s+(?:-[a-zA-Z],)?--([a-z0-9-]+)", done.stdout, re.M))
    assert len(flags) > 20, done.stdout
    return flags - {"help"}


class ConfigFileTests(unittest.TestCase):
    def setUp(self):
        self.tmp = harness.TempDir("ssooidc-config-")
        self.addCleanup(self.tmp.close)
        harness.isolate_aws_environment(self.tmp.path)
        self.servers = []
        self.addCleanup(lambda: [s.stop() for s in self.servers])

    def file(self, text, name="serve.toml"):
        return write(self.tmp.join(name), text)

    def check(self, text):
        return run_server_command("config", "check", self.file(text))

    def verification_uri(self, *args, env=None, name="server"):
        """Starts a server and returns the verificationUri it hands out (public-url + /device)."""
        server = OpsServer(self.tmp.path, "--no-bootstrap-user", *args, env=env, name=name)
        server.start()
        self.servers.append(server)
        client = harness.oidc_client(server.url)
        reg = client.register_client(clientName="c", clientType="public")
        dev = client.start_device_authorization(clientId=reg["clientId"],
                                                clientSecret=reg["clientSecret"],
                                                startUrl="https://d-0000000000.awsapps.com/start")
        return server, dev

    def test_precedence_flag_environment_file_default(self):
        config = self.file('public-url = "https://from-file.example"\ndevice-code-ttl = 300\n')
        _, dev = self.verification_uri("--config", config, name="file")
        self.assertEqual(dev["verificationUri"], "https://from-file.example/device")
        self.assertEqual(dev["expiresIn"], 300)
        _, dev = self.verification_uri("--config", config, name="env",
                                       env={"SSOOIDC_PUBLIC_URL": "https://from-env.example"})
        self.assertEqual(dev["verificationUri"], "https://from-env.example/device")
        self.assertEqual(dev["expiresIn"], 300)
        _, dev = self.verification_uri("--config", config, "--public-url",
                                       "https://from-flag.example", "--device-code-ttl", "700",
                                       name="flag",
                                       env={"SSOOIDC_PUBLIC_URL": "https://from-env.example"})
        self.assertEqual(dev["verificationUri"], "https://from-flag.example/device")
        self.assertEqual(dev["expiresIn"], 700)
        server, dev = self.verification_uri(name="default")
        self.assertEqual(dev["verificationUri"], server.url + "/device")
        self.assertEqual(dev["expiresIn"], 600)
        # The file's path from the environment.
        _, dev = self.verification_uri(name="config-env", env={"SSOOIDC_CONFIG": config})
        self.assertEqual(dev["verificationUri"], "https://from-file.example/device")

    def test_arrays_switches_and_the_database(self):
        db = self.tmp.join("from-file.db")
        config = self.file(f'database = "sqlite:{db}"\ntrusted-proxies = ["10.0.0.0/8"]\n'
                           'no-bootstrap-user = true\nlog-format = "text"\n')
        server = OpsServer(self.tmp.path, "--config", config, database="sqlite:" + db)
        server.command = lambda: [server.binary, "serve", "--listen", "127.0.0.1:0",
                                  "--config", config]
        server.start()
        self.servers.append(server)
        self.assertTrue(os.path.exists(db))
        self.assertEqual(server.wait_for_stdout_lines(1, timeout=0.5)[1:], [],
                         "no first user was made (no-bootstrap-user = true)")
        harness.raw_request(server.url, "GET", "/healthz")
        server.stop()
        self.assertRegex(server.log_text(), r"\S+ 127\.0\.0\.1 GET /healthz 200 \d+B \d+us op=\w+")

    def test_unknown_keys_and_bad_values_are_refused_by_name(self):
        cases = {
            'listen = "127.0.0.1:0"\nlisten-adress = "x"\n':
                ":2: unknown key 'listen-adress'",
            '[tls]\ncert = "x"\n': ":1: unknown key 'tls'",
            'config = "other.toml"\n': ":1: unknown key 'config'",
            'poll-interval = 100\n':
                ":1: key 'poll-interval': --poll-interval: Value 100 not in range 0 to 60",
            'no-bootstrap-user = "yes"\n': ":1: key 'no-bootstrap-user' is a switch",
            'listen = ["a", "b"]\n': ":1: key 'listen' takes one value, not an array",
            'log-format = "xml"\n': ":1: key 'log-format'",
            'threads = 1\nthreads = 2\n': "not valid TOML",
            'device-code-ttl = 2\n':
                "--device-code-ttl 2 is below its production minimum of 10",
            'listen = "0.0.0.0:0"\ntest-mode = true\n': "which is not a loopback address",
        }
        for text, message in cases.items():
            with self.subTest(text=text):
                done = self.check(text)
                self.assertEqual(done.returncode, 1, done)
                self.assertIn("serve.toml", done.stderr)
                self.assertIn(message, done.stderr)
        # serve refuses the same file before it touches anything.
        db = self.tmp.join("never.db")
        done = run_server_command("serve", "--database", "sqlite:" + db, "--config",
                                  self.file('public-urll = "x"\n', "bad.toml"))
        self.assertEqual(done.returncode, 1)
        self.assertIn("bad.toml:1: unknown key 'public-urll'", done.stderr)
        self.assertFalse(os.path.exists(db))
        done = run_server_command("config", "check", self.tmp.join("missing.toml"))
        self.assertEqual(done.returncode, 1)

    def test_check_accepts_a_good_file(self):
        done = self.check('listen = "127.0.0.1:9999"\ntest-mode = true\nauto-approve = "ci"\n'
                          'device-code-ttl = 2\n')
        self.assertEqual(done.returncode, 0, done)
        self.assertRegex(done.stdout, r"serve\.toml: OK \(4 keys\)")

    def test_every_serve_flag_is_a_key_of_the_generated_example(self):
        example = run_server_command("config", "example")
        self.assertEqual(example.returncode, 0, example)
        keys = set(re.findall(r"^#([a-z0-9-]+) = ", example.stdout, re.M))
        self.assertEqual(keys, serve_flags() - {"config"})
        # Uncommented, the example is a valid file: every key with its default value.
        uncommented = re.sub(r"^#([a-z0-9-]+ = )", r"\1", example.stdout, flags=re.M)
        uncommented = "\n".join(line for line in uncommented.splitlines()
                                if not re.match(r'^[a-z0-9-]+ = ""$', line))
        done = self.check(uncommented)
        self.assertEqual(done.returncode, 0, done)

    def test_each_flag_accepts_a_file_value(self):
        """Each key, set alone in a file, reaches its option (a value of the option's kind)."""
        example = run_server_command("config", "example").stdout
        for key in sorted(serve_flags() - {"config"}):
            line = re.search(rf"^#{re.escape(key)} = (.*)$", example, re.M)
            with self.subTest(key=key):
                self.assertIsNotNone(line, key)
                value = line.group(1)
                if value == '""':
                    continue  # no default to give; covered by the precedence test for strings
                done = self.check(f"{key} = {value}\n")
                self.assertEqual(done.returncode, 0, (key, value, done.stderr))


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]] + sys.argv[1:], verbosity=2)
