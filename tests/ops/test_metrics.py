#!/usr/bin/env python3
"""Health and metrics (issue 13) against the real ssooidc-server.

The test makes a known set of requests (the API through boto3's wire format, the pages as a
browser over plain HTTP), scrapes /metrics, parses the Prometheus text exposition format 0.0.4
line by line (HELP/TYPE before samples, label syntax, numeric values, histogram invariants) and
checks every counter against what it did. Then --metrics-listen: /metrics moves to its own
address and leaves the main one.
"""

import html
import http.client
import http.cookiejar
import os
import re
import sys
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))

import ssooidc_harness as h  # noqa: E402

START_URL = "https://d-0000000000.awsapps.com/start"
USER, PASSWORD = "metrics-user", "correct horse battery staple"

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
SAMPLE_RE = re.compile(rf"({NAME})(?:\{{(.*)\}})? (\S+)")
LABEL_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)')


def parse_exposition(text):
    """{(name, ((label, value), ...)): float}; raises on anything format 0.0.4 does not allow."""
    if not text.endswith("\n"):
        raise AssertionError("exposition does not end with a newline")
    types, samples = {}, {}
    for line in text.splitlines():
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            parts = line.split(" ", 3)
            if len(parts) < 4 or not re.fullmatch(NAME, parts[2]):
                raise AssertionError(f"bad comment line {line!r}")
            if parts[1] == "TYPE":
                if parts[3] not in ("counter", "gauge", "histogram", "summary", "untyped"):
                    raise AssertionError(f"bad type in {line!r}")
                if parts[2] in types:
                    raise AssertionError(f"second TYPE for {parts[2]}")
                types[parts[2]] = parts[3]
            continue
        if not line or line.startswith("#"):
            raise AssertionError(f"unexpected line {line!r}")
        m = SAMPLE_RE.fullmatch(line)
        if not m:
            raise AssertionError(f"bad sample line {line!r}")
        name, labels_text, value = m.groups()
        family = re.sub(r"_(bucket|sum|count)$", "", name) if name not in types else name
        if family not in types:
            raise AssertionError(f"sample {name} before (or without) its TYPE")
        labels = []
        rest = labels_text or ""
        while rest:
            lm = LABEL_RE.match(rest)
            if not lm:
                raise AssertionError(f"bad labels in {line!r}")
            labels.append((lm.group(1), lm.group(2)))
            rest = rest[lm.end():]
        key = (name, tuple(sorted(labels)))
        if key in samples:
            raise AssertionError(f"duplicate sample {line!r}")
        samples[key] = float(value)
    return types, samples


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


class Browser:
    """The pages over plain HTTP with cookies, counting its requests."""

    def __init__(self, base):
        self.base = base
        self.requests = 0
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect())

    def open(self, path, form=None):
        self.requests += 1
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        try:
            with self.opener.open(urllib.request.Request(self.base + path, data=data),
                                  timeout=30) as resp:
                return resp.status, resp.headers, resp.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode()

    def follow(self, status, headers, page):
        """Follows 303 redirects with GET, as a browser does."""
        for _ in range(5):
            if status != 303:
                break
            status, headers, page = self.open(headers["Location"])
        return status, headers, page

    def submit(self, page, **fields):
        """Posts the page's own form (not the header's sign-out form) with `fields` added."""
        forms = [f for f in re.findall(r"<form([^>]*)>(.*?)</form>", page, re.S)
                 if 'class="account"' not in f[0]]
        if not forms:
            raise AssertionError("no form on the page:\n" + page[:500])
        attributes, body = forms[0]
        form = {name: html.unescape(v) for name, v in
                re.findall(r'type="hidden" name="([^"]*)" value="([^"]*)"', body)}
        action = html.unescape(re.search(r'action="([^"]*)"', attributes).group(1))
        form.update(fields)
        return self.open(action, form)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class MetricsTests(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = h.TempDir("ssooidc-metrics-")
        cls.addClassCleanup(cls.tmp.close)

    def start(self, name, *args):
        server = h.Server(self.tmp.path, "--no-bootstrap-user", *args, name=name)
        done = server.admin("user", "add", USER, "--password-stdin", stdin=PASSWORD + "\n")
        self.assertEqual(done.returncode, 0, done.stderr)
        server.start()
        self.addCleanup(server.stop)
        return server

    def scrape(self, url):
        resp = h.raw_request(url, "GET", "/metrics")
        self.assertEqual(resp.status, 200, resp)
        self.assertEqual(resp.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8")
        return parse_exposition(resp.body.decode())

    def test_counters_match_the_requests_made(self):
        server = self.start("counted")
        url = server.url
        registered = [h.post_json(url, "/client/register",
                                  {"clientName": f"metrics-{i}", "clientType": "public"}).json()
                      for i in range(2)]
        client = registered[0]
        started = h.post_json(url, "/device_authorization", {
            "clientId": client["clientId"], "clientSecret": client["clientSecret"],
            "startUrl": START_URL}).json()
        second = h.post_json(url, "/device_authorization", {
            "clientId": client["clientId"], "clientSecret": client["clientSecret"],
            "startUrl": START_URL}).json()
        poll = {"clientId": client["clientId"], "clientSecret": client["clientSecret"],
                "grantType": h.DEVICE_GRANT, "deviceCode": started["deviceCode"]}
        for _ in range(2):  # the first two polls of a code are never slowed down
            pending = h.post_json(url, "/token", poll)
            self.assertEqual(pending.status, 400)
            self.assertTrue(pending.header("x-amzn-ErrorType").startswith("AuthorizationPending"))
        slow = h.post_json(url, "/token", poll)  # at once: inside the interval
        self.assertTrue(slow.header("x-amzn-ErrorType").startswith("SlowDownException"), slow)
        bad = h.post_json(url, "/token", {**poll, "clientSecret": "not-the-secret"})
        self.assertTrue(bad.header("x-amzn-ErrorType").startswith("InvalidClientException"), bad)
        for _ in range(3):
            self.assertEqual(h.raw_request(url, "GET", "/healthz").body, b"ok\n")
        ready = h.raw_request(url, "GET", "/readyz")
        self.assertEqual((ready.status, ready.body), (200, b"ready\n"))
        self.assertEqual(h.raw_request(url, "GET", "/no/such/thing").status, 404)
        # The standard face is counted under its own operations too (no client: refused).
        revoke = h.raw_request(url, "POST", "/revoke", body="token=x",
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertIn(revoke.status, (400, 401))

        # The person: a wrong password, then the right one, then Allow for the second code.
        browser = Browser(url)
        status, headers, page = browser.follow(*browser.open("/device?user_code=" +
                                                             second["userCode"]))
        failed_once = False
        for _ in range(6):
            self.assertIn(status, (200, 401), page)
            if 'value="allow"' in page:
                break
            if 'name="password"' in page:
                if not failed_once:
                    failed_once = True
                    status, headers, page = browser.submit(page, username=USER,
                                                           password="wrong password")
                    self.assertEqual(status, 401, page)
                    continue
                status, headers, page = browser.follow(
                    *browser.submit(page, username=USER, password=PASSWORD))
            else:
                status, headers, page = browser.follow(
                    *browser.submit(page, user_code=second["userCode"]))
        self.assertTrue(failed_once)
        self.assertIn('value="allow"', page)
        status, _, page = browser.submit(page, decision="allow")
        self.assertEqual(status, 200, page)
        self.assertIn("Device allowed", page)

        types, samples = self.scrape(url)
        self.assertEqual(types["ssooidc_requests_total"], "counter")
        self.assertEqual(types["ssooidc_request_duration_seconds"], "histogram")
        total = "ssooidc_requests_total"
        self.assertEqual(value(samples, total, operation="RegisterClient", outcome="200"), 2)
        self.assertEqual(
            value(samples, total, operation="StartDeviceAuthorization", outcome="200"), 2)
        self.assertEqual(value(samples, total, operation="CreateToken",
                               outcome="AuthorizationPendingException"), 2)
        self.assertEqual(value(samples, total, operation="CreateToken",
                               outcome="SlowDownException"), 1)
        self.assertEqual(value(samples, total, operation="CreateToken",
                               outcome="InvalidClientException"), 1)
        self.assertEqual(value(samples, total, operation="healthz", outcome="200"), 3)
        self.assertEqual(value(samples, total, operation="readyz", outcome="200"), 1)
        self.assertEqual(value(samples, total, operation="other",
                               outcome="UnknownOperationException"), 1)
        self.assertEqual(value(samples, total, operation="device_page", outcome="401"), 1)
        self.assertEqual(value(samples, total, operation="revoke", outcome=str(revoke.status)), 1)
        pages = sum(v for (name, labels), v in samples.items()
                    if name == total and ("operation", "device_page") in labels)
        self.assertEqual(pages, browser.requests)
        # Every sample of the family is one of the requests above, and nothing else.
        self.assertEqual(sum(v for (name, _), v in samples.items() if name == total),
                         2 + 2 + 4 + 3 + 1 + 1 + 1 + browser.requests)

        self.assertEqual(value(samples, "ssooidc_logins_total", decision="allowed"), 1)
        self.assertEqual(value(samples, "ssooidc_logins_total", decision="denied"), 0)
        self.assertEqual(value(samples, "ssooidc_sign_in_failures_total"), 1)
        self.assertEqual(value(samples, "ssooidc_rate_limit_rejections_total"), 1)
        self.assertEqual(value(samples, "ssooidc_database_errors_total"), 0)

        # Histograms: cumulative buckets ending in +Inf, which equals _count.
        for operation, made in (("CreateToken", 4), ("RegisterClient", 2), ("healthz", 3)):
            buckets = sorted(
                ((float("inf") if dict(labels)["le"] == "+Inf" else float(dict(labels)["le"]), v)
                 for (name, labels), v in samples.items()
                 if name == "ssooidc_request_duration_seconds_bucket"
                 and dict(labels)["operation"] == operation))
            self.assertGreater(len(buckets), 1)
            counts = [v for _, v in buckets]
            self.assertEqual(counts, sorted(counts), operation)
            self.assertEqual(buckets[-1], (float("inf"), made), operation)
            self.assertEqual(value(samples, "ssooidc_request_duration_seconds_count",
                                   operation=operation), made)
            self.assertGreater(value(samples, "ssooidc_request_duration_seconds_sum",
                                     operation=operation), 0)

        # The pending gauge is refreshed off the request path: the first device code is pending,
        # the second allowed.
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            _, samples = self.scrape(url)
            if ("ssooidc_pending_device_authorizations", ()) in samples:
                break
            time.sleep(0.2)
        self.assertEqual(value(samples, "ssooidc_pending_device_authorizations"), 1)

        # Open connections: the scrape's own, kept alive, is among them.
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        self.addCleanup(conn.close)
        resp = h.raw_request(url, "GET", "/healthz", connection=conn)
        resp = h.raw_request(url, "GET", "/metrics", connection=conn)
        _, samples = parse_exposition(resp.body.decode())
        self.assertGreaterEqual(value(samples, "ssooidc_open_connections"), 1)
        self.assertEqual(value(samples, "ssooidc_handler_queue_length"), 0)
        self.assertEqual(value(samples, "ssooidc_handler_busy_rejections_total"), 0)
        self.assertIn(("ssooidc_handler_busy_rejections_total", ()), samples)

    def test_metrics_listen_moves_metrics_off_the_main_listener(self):
        server = self.start("separate", "--metrics-listen", "127.0.0.1:0")
        deadline = time.monotonic() + 10
        port = None
        while time.monotonic() < deadline and port is None:
            with open(server.log_path, encoding="utf-8", errors="replace") as f:
                m = re.search(r"metrics on http://127\.0\.0\.1:(\d+)/metrics", f.read())
            port = int(m.group(1)) if m else None
            time.sleep(0.05)
        self.assertIsNotNone(port, server.log_tail())
        self.assertEqual(h.raw_request(server.url, "GET", "/metrics").status, 404)
        self.assertEqual(h.raw_request(server.url, "GET", "/healthz").status, 200)
        metrics_url = f"http://127.0.0.1:{port}"
        _, samples = self.scrape(metrics_url)
        self.assertEqual(value(samples, "ssooidc_requests_total", operation="healthz",
                               outcome="200"), 1)
        self.assertEqual(value(samples, "ssooidc_requests_total", operation="metrics",
                               outcome="UnknownOperationException"), 1)
        self.assertEqual(h.raw_request(metrics_url, "GET", "/healthz").body, b"ok\n")
        self.assertEqual(h.raw_request(metrics_url, "POST", "/client/register").status, 404)


if __name__ == "__main__":
    unittest.main(verbosity=2)
