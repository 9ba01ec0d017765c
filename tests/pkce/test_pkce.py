#!/usr/bin/env python3
"""The Authorization Code Flow with PKCE (issue 5) against the real ssooidc-server.

TestCliSequence replays what AWS CLI >= 2.22 sends for `aws sso login` (reference 6.4 and 5.5):
the registration body, the /authorize URL with the CLI's parameter order and encoding
(urllib.parse.quote(safe='-._~'), code_challenge appended last), a loopback callback server on a
random port, and the token request with the port-carrying redirectUri and a 64-character verifier.
Chromium (tests/pkce/browser.mjs) signs in and consents on the real pages, and the ID token is
verified with the npm `jose` library against /.well-known/jwks.json (verify_id_token.mjs).

TestNegative covers the refusals named in the issue. Its codes are obtained through the same real
pages, driven over plain HTTP (cookies and the CSRF token, as a browser would) to keep it fast.

Environment: SSOOIDC_SERVER (the binary; CTest sets it), CHROMIUM, NODE. A missing server,
Chromium or node module fails the test; nothing skips.
"""
import base64
import hashlib
import html
import http.client
import http.cookiejar
import http.server
import json
import os
import re
import secrets
import shutil
import string
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.environ.get("SSOOIDC_SERVER") or os.path.join(HERE, "../../build/bin/ssooidc-server")
NODE = os.environ.get("NODE", "node")
START_URL = "https://d-0000000000.awsapps.com/start"
USER, PASSWORD, EMAIL = "alice", "correct horse battery", "alice@example.com"

# CLI: botocore.utils.SAFE_CHARS / percent_encode_sequence.
SAFE_CHARS = "-._~"
# CLI SSOTokenFetcherAuth.__init__: 64 characters of the RFC 7636 unreserved set.
VERIFIER_CHARS = string.ascii_letters + string.digits + "-._~"


def cli_verifier():
    return "".join(secrets.choice(VERIFIER_CHARS) for _ in range(64))


def cli_challenge(verifier):
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").replace("=", "")


def cli_authorize_url(base, client_id, redirect_uri, state, scopes, challenge):
    """SSOTokenFetcherAuth._get_authorization_uri: dict order, quote(safe='-._~'), challenge last."""
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "state": state,
        "code_challenge_method": "S256",
        "scopes": " ".join(scopes),
    }
    query = "&".join(
        urllib.parse.quote(k, safe=SAFE_CHARS) + "=" + urllib.parse.quote(v, safe=SAFE_CHARS)
        for k, v in params.items())
    return f"{base}/authorize?{query}&code_challenge={challenge}"


class Server:
    def __init__(self, extra_args=()):
        if not os.path.exists(SERVER):
            raise RuntimeError(f"server binary not found: {SERVER}")
        self.dir = tempfile.mkdtemp(prefix="ssooidc-pkce-")
        self.database = "sqlite:" + os.path.join(self.dir, "ssooidc.db")
        subprocess.run([SERVER, "user", "add", USER, "--password-stdin", "--email", EMAIL,
                        "--database", self.database], input=PASSWORD + "\n", text=True,
                       check=True, capture_output=True, timeout=60)
        self.proc = subprocess.Popen(
            [SERVER, "serve", "--listen", "127.0.0.1:0", "--database", self.database,
             "--access-log", "off", *extra_args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.url = self.proc.stdout.readline().strip()
        if not re.fullmatch(r"http://127\.0\.0\.1:\d+", self.url):
            self.stop()
            raise RuntimeError(f"server did not start: {self.url!r}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream:
                stream.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def call(self, operation, body):
        """POST an operation as botocore does; returns (status, error type, json)."""
        request = urllib.request.Request(
            self.url + operation, data=json.dumps(body).encode(), method="POST",
            headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as resp:
                return resp.status, "", json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as error:
            kind = (error.headers.get("x-amzn-ErrorType") or "").split(":")[0]
            return error.code, kind, json.loads(error.read() or b"{}")

    def get(self, path_and_query):
        """GET without following redirects: (status, headers, body)."""
        conn = http.client.HTTPConnection(self.url[len("http://"):], timeout=30)
        try:
            conn.request("GET", path_and_query)
            resp = conn.getresponse()
            return resp.status, dict(resp.getheaders()), resp.read().decode("utf-8", "replace")
        finally:
            conn.close()


class CallbackServer:
    """The CLI's AuthCodeFetcher: an HTTP server on 127.0.0.1, random port, records the query."""

    def __init__(self):
        received = self.received = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                received.append(self.path)
                body = b"<html><body>Done. You can close this window.</body></html>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.redirect_uri = f"http://127.0.0.1:{self.port}/oauth/callback"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def query(self):
        # Chromium also asks this server for /favicon.ico.
        def callbacks():
            return [p for p in self.received if p.startswith("/oauth/callback")]
        deadline = time.time() + 20
        while not callbacks() and time.time() < deadline:
            time.sleep(0.05)
        if len(callbacks()) != 1:
            raise AssertionError(f"expected one callback, got {self.received}")
        return urllib.parse.parse_qs(urllib.parse.urlparse(callbacks()[0]).query)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def run_node(script, *args):
    result = subprocess.run([NODE, os.path.join(HERE, script), *args], capture_output=True,
                            text=True, timeout=120, cwd=HERE)
    if result.returncode != 0:
        raise AssertionError(f"{script} failed ({result.returncode}): {result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def register(server, scopes=("sso:account:access",), redirect_uris=("http://127.0.0.1/oauth/callback",),
             name="botocore-client-my-sso"):
    """The CLI's RegisterClient body for the PKCE flow (reference 6.4 step 2)."""
    status, kind, body = server.call("/client/register", {
        "clientName": name,
        "clientType": "public",
        "grantTypes": ["authorization_code", "refresh_token"],
        "redirectUris": list(redirect_uris),
        "issuerUrl": START_URL,
        "scopes": list(scopes),
    })
    if status != 200:
        raise AssertionError(f"RegisterClient: {status} {kind} {body}")
    return body


def token_request(server, client, code, redirect_uri, verifier, **extra):
    """The CLI's CreateToken body (reference 6.4 step 6)."""
    body = {"grantType": "authorization_code", "clientId": client["clientId"],
            "clientSecret": client["clientSecret"], "redirectUri": redirect_uri,
            "codeVerifier": verifier, "code": code}
    body.update(extra)
    return server.call("/token", body)


class HttpBrowser:
    """Signs in and consents on the real pages over plain HTTP, keeping cookies."""

    def __init__(self, server):
        self.server = server
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect())

    def open(self, url, form=None):
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        try:
            with self.opener.open(urllib.request.Request(url, data=data), timeout=30) as resp:
                return resp.status, resp.headers, resp.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode()

    def authorize(self, url, decision="allow"):
        """Returns the Location the server sends the browser to after the decision."""
        status, headers, page = self.open(url)
        if status == 303:
            # Signed out: the sign-in page, which returns to this authorize URL afterwards.
            sign_in_url = self.server.url + headers["Location"]
            status, headers, page = self.open(sign_in_url)
            if status != 200 or 'name="password"' not in page:
                raise AssertionError(f"sign-in page: {status} {page[:300]}")
            form = {name: html.unescape(value) for name, value in
                    re.findall(r'type="hidden" name="([^"]*)" value="([^"]*)"', page)}
            action = html.unescape(re.search(r'<form[^>]* action="([^"]*)"', page).group(1))
            form.update({"username": USER, "password": PASSWORD})
            status, headers, page = self.open(self.server.url + action, form)
            if status != 303:
                raise AssertionError(f"sign-in: {status} {page[:300]}")
            if self.server.url + headers["Location"] != url:
                raise AssertionError(f"sign-in returned to {headers['Location']}, not {url}")
            status, headers, page = self.open(url)
        if status == 302:
            return headers["Location"]
        if status != 200 or "Allow" not in page:
            raise AssertionError(f"consent page: {status} {page[:300]}")
        csrf = re.search(r'name="csrf_token" value="([^"]*)"', page).group(1)
        status, headers, page = self.open(url, {"csrf_token": csrf, "decision": decision})
        if status != 302:
            raise AssertionError(f"decision: {status} {page[:300]}")
        return headers["Location"]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def query_of(location):
    return urllib.parse.parse_qs(urllib.parse.urlparse(location).query)


class TestCliSequence(unittest.TestCase):
    """The AWS CLI 2.22+ `aws sso login` sequence, with Chromium as the person."""

    def setUp(self):
        self.server = Server()
        self.callback = CallbackServer()
        self.addCleanup(self.server.stop)
        self.addCleanup(self.callback.close)

    def login(self, scopes, decision="allow"):
        client = register(self.server, scopes)
        verifier = cli_verifier()
        state = str(uuid.uuid4())
        url = cli_authorize_url(self.server.url, client["clientId"], self.callback.redirect_uri,
                                state, scopes, cli_challenge(verifier))
        seen = run_node("browser.mjs", url, USER, PASSWORD, decision,
                        f"http://127.0.0.1:{self.callback.port}/")
        self.assertTrue(seen["signInShown"])
        # Signed out, /authorize sends the browser to the sign-in page with itself as the return
        # target, and the sign-in comes back to the same authorize URL for the consent.
        sign_in = urllib.parse.urlparse(seen["signInUrl"])
        self.assertEqual(sign_in.path, "/device/sign-in")
        self.assertEqual(urllib.parse.parse_qs(sign_in.query)["return_to"],
                         [url[len(self.server.url):]])
        self.assertEqual(seen["consentUrl"], url)
        self.assertIn("botocore-client-my-sso", seen["consentText"])
        for scope in scopes:
            self.assertIn(scope, seen["consentText"])
        return client, verifier, state, self.callback.query()

    def test_cli_sequence_issues_tokens(self):
        scopes = ["sso:account:access"]
        client, verifier, state, query = self.login(scopes)
        self.assertEqual(query["state"], [state])
        self.assertEqual(len(verifier), 64)
        status, kind, tokens = token_request(self.server, client, query["code"][0],
                                             self.callback.redirect_uri, verifier)
        self.assertEqual(status, 200, (kind, tokens))
        self.assertEqual(tokens["tokenType"], "Bearer")
        self.assertEqual(tokens["expiresIn"], 3600)
        self.assertTrue(tokens["accessToken"])
        self.assertTrue(tokens["refreshToken"])
        self.assertNotIn("idToken", tokens)  # no openid scope
        # The refresh token works like the device flow's (CLI SSOTokenProvider).
        status, kind, refreshed = self.server.call("/token", {
            "grantType": "refresh_token", "clientId": client["clientId"],
            "clientSecret": client["clientSecret"], "refreshToken": tokens["refreshToken"]})
        self.assertEqual(status, 200, (kind, refreshed))

    def test_openid_scope_returns_id_token_verified_by_jose(self):
        scopes = ["sso:account:access", "openid"]
        client, verifier, state, query = self.login(scopes)
        self.assertEqual(query["state"], [state])
        status, kind, tokens = token_request(self.server, client, query["code"][0],
                                             self.callback.redirect_uri, verifier)
        self.assertEqual(status, 200, (kind, tokens))
        verified = run_node("verify_id_token.mjs", tokens["idToken"],
                            self.server.url + "/.well-known/jwks.json", self.server.url,
                            client["clientId"])
        self.assertEqual(verified["header"]["alg"], "ES256")
        payload = verified["payload"]
        self.assertEqual(payload["sub"], USER)
        self.assertEqual(payload["email"], EMAIL)
        self.assertLessEqual(payload["auth_time"], payload["iat"])
        self.assertGreater(payload["exp"], payload["iat"])
        status, _, config = self.server.get("/.well-known/openid-configuration")
        config = json.loads(config)
        self.assertEqual(config["jwks_uri"], self.server.url + "/.well-known/jwks.json")
        self.assertEqual(config["code_challenge_methods_supported"], ["S256"])
        self.assertEqual(config["id_token_signing_alg_values_supported"], ["ES256"])

    def test_deny_redirects_access_denied_with_state(self):
        client, verifier, state, query = self.login(["sso:account:access"], decision="deny")
        self.assertEqual(query["error"], ["access_denied"])
        self.assertEqual(query["state"], [state])
        self.assertNotIn("code", query)


class TestNegative(unittest.TestCase):
    REDIRECT = "http://127.0.0.1:53682/oauth/callback"

    @classmethod
    def setUpClass(cls):
        cls.server = Server(["--authorization-code-ttl", "2"])

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def setUp(self):
        self.client = register(self.server, ["sso:account:access", "openid"])
        self.verifier = cli_verifier()
        self.state = str(uuid.uuid4())

    def url(self, **overrides):
        url = cli_authorize_url(self.server.url, self.client["clientId"], self.REDIRECT,
                                self.state, ["sso:account:access"], cli_challenge(self.verifier))
        for name, value in overrides.items():
            if value is None:
                url = re.sub(rf"[&?]{name}=[^&]*", "", url)
            else:
                url = re.sub(rf"([&?]){name}=[^&]*",
                             lambda m: f"{m.group(1)}{name}={urllib.parse.quote(value, safe='')}", url)
        return url

    def code(self, url=None):
        location = HttpBrowser(self.server).authorize(url or self.url())
        self.assertTrue(location.startswith(self.REDIRECT + "?"), location)
        query = query_of(location)
        self.assertEqual(query["state"], [self.state])
        return query["code"][0]

    def exchange(self, code, client=None, verifier=None, redirect=None, **extra):
        return token_request(self.server, client or self.client, code, redirect or self.REDIRECT,
                             verifier or self.verifier, **extra)

    def test_wrong_verifier(self):
        code = self.code()
        status, kind, _ = self.exchange(code, verifier=cli_verifier())
        self.assertEqual((status, kind), (400, "InvalidGrantException"))

    def test_plain_method_is_redirected_as_invalid_request(self):
        status, headers, _ = self.server.get(
            self.url(code_challenge_method="plain", code_challenge=self.verifier)[len(self.server.url):])
        self.assertEqual(status, 302)
        query = query_of(headers["Location"])
        self.assertEqual(query["error"], ["invalid_request"])
        self.assertEqual(query["state"], [self.state])

    def test_missing_state_is_refused(self):
        status, headers, _ = self.server.get(self.url(state=None)[len(self.server.url):])
        self.assertEqual(status, 302)
        self.assertTrue(headers["Location"].startswith(self.REDIRECT + "?"))
        self.assertEqual(query_of(headers["Location"])["error"], ["invalid_request"])

    def test_unregistered_redirect_uri_is_an_error_page_not_a_redirect(self):
        for uri in ("https://attacker.example/oauth/callback",
                    "http://127.0.0.1:53682/other/path",
                    "http://localhost:53682/oauth/callback"):
            status, headers, page = self.server.get(self.url(redirect_uri=uri)[len(self.server.url):])
            self.assertEqual(status, 400, uri)
            self.assertNotIn("Location", headers)
            self.assertIn("redirect_uri is not registered", page)

    def test_code_replay_is_refused_and_revokes_tokens(self):
        code = self.code()
        status, kind, tokens = self.exchange(code)
        self.assertEqual(status, 200, (kind, tokens))
        status, kind, _ = self.exchange(code)
        self.assertEqual((status, kind), (400, "InvalidGrantException"))
        status, kind, _ = self.server.call("/token", {
            "grantType": "refresh_token", "clientId": self.client["clientId"],
            "clientSecret": self.client["clientSecret"], "refreshToken": tokens["refreshToken"]})
        self.assertEqual((status, kind), (400, "InvalidGrantException"))

    def test_code_used_by_another_client(self):
        code = self.code()
        other = register(self.server, ["sso:account:access", "openid"], name="botocore-client-other")
        status, kind, _ = self.exchange(code, client=other)
        self.assertEqual((status, kind), (400, "InvalidGrantException"))
        status, kind, body = self.exchange(code)  # still good for its own client
        self.assertEqual(status, 200, (kind, body))

    def test_redirect_uri_mismatch_at_token(self):
        code = self.code()
        status, kind, _ = self.exchange(code, redirect="http://127.0.0.1:1/oauth/callback")
        self.assertEqual((status, kind), (400, "InvalidGrantException"))

    def test_scope_outside_registration(self):
        status, headers, _ = self.server.get(
            self.url(scopes="sso:account:access codewhisperer:completions")[len(self.server.url):])
        self.assertEqual(status, 302)
        query = query_of(headers["Location"])
        self.assertEqual(query["error"], ["invalid_scope"])
        self.assertEqual(query["state"], [self.state])
        # CreateToken's scope may only narrow what was granted.
        code = self.code()
        status, kind, _ = self.exchange(code, scope=["openid"])
        self.assertEqual((status, kind), (400, "InvalidScopeException"))

    def test_scope_narrows(self):
        code = self.code(self.url(scopes="sso:account:access openid"))
        status, kind, tokens = self.exchange(code, scope=["sso:account:access"])
        self.assertEqual(status, 200, (kind, tokens))
        self.assertNotIn("idToken", tokens)

    def test_expired_code(self):
        code = self.code()
        time.sleep(3)
        status, kind, _ = self.exchange(code)
        self.assertEqual((status, kind), (400, "InvalidGrantException"))

    def test_registration_validation(self):
        cases = [
            ({"grantTypes": ["implicit"]}, "UnsupportedGrantTypeException"),
            ({"redirectUris": ["http://example.com/cb"]}, "InvalidRedirectUriException"),
            ({"redirectUris": ["https://example.com/cb#frag"]}, "InvalidRedirectUriException"),
            ({"clientType": "confidential"}, "InvalidClientMetadataException"),
            ({"scopes": ["bad scope"]}, "InvalidScopeException"),
        ]
        for change, expected in cases:
            body = {"clientName": "botocore-client-x", "clientType": "public",
                    "grantTypes": ["authorization_code", "refresh_token"],
                    "redirectUris": ["http://127.0.0.1/oauth/callback"], "issuerUrl": START_URL,
                    "scopes": ["sso:account:access"]}
            body.update(change)
            status, kind, _ = self.server.call("/client/register", body)
            self.assertEqual((status, kind), (400, expected), change)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], *sys.argv[1:]], verbosity=2)
