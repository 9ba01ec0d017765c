"""Hostile cases that assert what issue 11's defect list demands and need the `harden` branch.

They use the same server fixture and runner as test_hostile.py. Until `harden` is merged they
fail (each names the defect it checks); CTest registers them as `hostile.harden` with DISABLED
set, and the lead enables it after the merge (tests/hostile/CMakeLists.txt).

    SSOOIDC_SERVER=build/bin/ssooidc-server python3 tests/hostile/harden_cases.py [-v]
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostile_lib as h  # noqa: E402
import test_hostile as t  # noqa: E402
from hostile_lib import Case, request  # noqa: E402

setUpModule = t.setUpModule
tearDownModule = t.tearDownModule


def reg_chunked(body_after_header):
    return (b"POST /client/register HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
            + body_after_header.encode())


class BufferingTests(t.HostileTestCase):
    """Defect 1: a chunk extension over 1 KiB, or a trailer section over the header limit, is
    answered 400 InvalidRequestException and the connection closed."""

    def test_chunk_extensions_and_trailers(self):
        body = t.REG_BODY
        size = f"{len(body):x}"
        self.run_cases([
            Case("chunk extension of 1.5 KiB", reg_chunked(
                f"{size};x={'e' * 1500}\r\n{body}\r\n0\r\n\r\n"), t.FRAMING, then_closed=True),
            Case("chunk extension of 200 KiB in 4 KiB writes",
                 [reg_chunked(f"{size};x=")] + [b"e" * 4096] * 50, t.FRAMING, pause=0.001),
            Case("last-chunk extension of 2 KiB", reg_chunked(
                f"{size}\r\n{body}\r\n0;x={'e' * 2048}\r\n\r\n"), t.FRAMING, then_closed=True),
            Case("trailer section over the header limit", reg_chunked(
                f"{size}\r\n{body}\r\n0\r\n" + "X-T: " + "t" * (t.HEADER_LIMIT + 100)
                + "\r\n\r\n"), t.FRAMING, then_closed=True),
            Case("1000 trailer fields over the header limit", reg_chunked(
                f"{size}\r\n{body}\r\n0\r\n" + "X-Trailer-Field: vvvvvvvvvvvvvvvvvvvv\r\n" * 1000
                + "\r\n"), t.FRAMING, then_closed=True),
        ])


class HostHeaderTests(t.HostileTestCase):
    """Defect 9: HTTP/1.1 requests without Host or with two Host fields get 400 (RFC 9112 3.2)."""

    def test_host(self):
        self.run_cases([
            Case("HTTP/1.1 without Host", request("GET", "/healthz", host=None), t.FRAMING),
            Case("HTTP/1.1 POST without Host", t.post(t.REG, t.REG_BODY, host=None), t.FRAMING),
            Case("two Host fields", request("GET", "/healthz", headers=[("Host", "b")]),
                 t.FRAMING),
            Case("two identical Host fields", request("GET", "/healthz",
                                                      headers=[("Host", "127.0.0.1")]),
                 t.FRAMING),
        ])


class GuessesOnGetTests(t.HostileTestCase):
    """Defect 4: GET /device?user_code=... only pre-fills the form; it neither judges the code
    nor counts it against the address's budget of wrong codes."""

    def test_codes_in_get_prefill(self):
        cases = [
            Case("GET /device with a valid code pre-fills", request(
                "GET", "/device?user_code=" + t.Fixture.user_code), h.page(200)),
            Case("GET /device with a malformed escape", request(
                "GET", "/device?user_code=%ZZ%4"), h.page(200)),
            Case("GET /device with a 4000-char code", request(
                "GET", "/device?user_code=" + "B" * 4000), h.page(200)),
            # NUL and bytes that are not UTF-8 are refused before any page (text_cases.py).
            Case("GET /device with NUL and 8-bit escapes", request(
                "GET", "/device?user_code=%00%ff%c3%28"), h.page(400)),
            Case("GET /device with 8-bit UTF-8 escapes pre-fills", request(
                "GET", "/device?user_code=%c3%a9"), h.page(200)),
        ]
        # More wrong codes than the address budget (20 in 10 minutes): none is counted.
        cases += [Case(f"GET /device with wrong code {i}", request(
            "GET", f"/device?user_code=BCDF-{'GHJKLMNPQRSTVWXZ'[i % 16] * 4}"), h.page(200))
            for i in range(25)]
        cases.append(Case("GET /device after 25 wrong codes in GETs", request("GET", "/device"),
                          h.page(200)))
        self.run_cases(cases)


if __name__ == "__main__":
    unittest.main(verbosity=2)
