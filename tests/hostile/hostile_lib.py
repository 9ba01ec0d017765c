"""Raw-socket HTTP for the hostile-request suite: send exact bytes, read exact responses.

Nothing here is lenient on purpose: the reader parses what the server wrote byte for byte (status
line, header fields, a body framed by Content-Length) so that a malformed response fails the case
instead of being papered over by an HTTP library.

A case is a request (bytes, or a list of byte strings sent in separate writes) and what must come
back: one `Expect` per response, in order. `Expect.error_type` is the shape name in the
x-amzn-ErrorType header (None: the header must be absent), `Expect.error` the body's `error`
member (None: the body is not checked as JSON, as for the person's pages). After every case the
runner asks the server for GET /healthz on a fresh connection, so a case that crashes, wedges or
exhausts the server fails right there.
"""

import json
import os
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import ssooidc_harness as harness  # noqa: E402

ERROR_TYPE_SUFFIX = harness.ERROR_TYPE_SUFFIX
# Every read of a case must finish within this; a server that neither answers nor closes fails.
READ_TIMEOUT = 20.0


class Response:
    def __init__(self, status, reason, headers, body):
        self.status = status
        self.reason = reason
        self.headers = headers  # list of (name, value), in order
        self.body = body

    def header(self, name):
        values = [v for n, v in self.headers if n.lower() == name.lower()]
        if len(values) > 1:
            raise AssertionError(f"header {name} appears {len(values)} times: {values}")
        return values[0] if values else None

    def __repr__(self):
        return f"<{self.status} {self.headers} {self.body[:300]!r}>"


class Connection:
    """One TCP connection to the server with a buffered, strict response reader."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=READ_TIMEOUT)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""
        self.eof = False

    def close(self):
        self.sock.close()

    def send(self, data):
        try:
            self.sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may close early on a rejected request; what it answered counts

    def _fill(self):
        if self.eof:
            return False
        try:
            chunk = self.sock.recv(65536)
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            self.eof = True
            return False
        self.buffer += chunk
        return True

    def read_response(self, head_request=False):
        """The next response, or None if the server closed the connection before one began."""
        while b"\r\n\r\n" not in self.buffer:
            if not self._fill():
                if self.buffer:
                    raise AssertionError(f"connection closed inside a response head: {self.buffer!r}")
                return None
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        parts = lines[0].split(b" ", 2)
        if len(parts) < 2 or parts[0] != b"HTTP/1.1" or not parts[1].isdigit():
            raise AssertionError(f"bad status line {lines[0]!r}")
        status = int(parts[1])
        reason = parts[2].decode() if len(parts) > 2 else ""
        headers = []
        for line in lines[1:]:
            name, sep, value = line.partition(b":")
            if not sep or not name or name != name.strip():
                raise AssertionError(f"bad header line {line!r}")
            headers.append((name.decode(), value.strip().decode()))
        response = Response(status, reason, headers, b"")
        if status < 200 or status in (204, 304):
            return response
        length = response.header("Content-Length")
        if length is None:
            raise AssertionError(f"response without Content-Length: {response!r}")
        if head_request:
            return response
        length = int(length)
        while len(self.buffer) < length:
            if not self._fill():
                raise AssertionError(f"connection closed inside a body: {response!r}")
        response.body, self.buffer = self.buffer[:length], self.buffer[length:]
        return response

    def closed_by_server(self):
        """True when the server closes the connection with nothing more to say."""
        while True:
            if self.buffer:
                return False
            if not self._fill():
                return True


def request(method, target, body=b"", headers=None, version="HTTP/1.1", host="127.0.0.1",
            content_type="application/json", length=True):
    """Bytes of one request. `headers` are (name, value) pairs added after the defaults."""
    if isinstance(body, str):
        body = body.encode()
    lines = [f"{method} {target} {version}".encode()]
    if host is not None:
        lines.append(b"Host: " + host.encode())
    if content_type is not None and (body or method == "POST"):
        lines.append(b"Content-Type: " + content_type.encode())
    if length and (body or method in ("POST", "PUT", "PATCH")):
        lines.append(b"Content-Length: " + str(len(body)).encode())
    for name, value in headers or []:
        name = name.encode() if isinstance(name, str) else name
        value = value.encode() if isinstance(value, str) else value
        lines.append(name + b": " + value)
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def post(target, body, **kwargs):
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
    return request("POST", target, body, **kwargs)


class Expect:
    """What one response must be."""

    def __init__(self, status, error_type=None, error=None, close=None, content_type=None,
                 body=None):
        self.status = status
        self.error_type = error_type
        self.error = error
        self.close = close                # True/False: Connection: close / keep-alive
        self.content_type = content_type  # a prefix of Content-Type, when given
        self.body = body                  # exact body bytes, when given

    def check(self, response, where):
        if response is None:
            raise AssertionError(f"{where}: no response (connection closed), expected {self.status}")
        if response.status != self.status:
            raise AssertionError(f"{where}: status {response.status}, expected {self.status}: "
                                 f"{response!r}")
        error_type = response.header("x-amzn-ErrorType")
        if self.error_type is None:
            if error_type is not None:
                raise AssertionError(f"{where}: unexpected x-amzn-ErrorType {error_type!r}")
        elif error_type != self.error_type + ERROR_TYPE_SUFFIX:
            raise AssertionError(f"{where}: x-amzn-ErrorType {error_type!r}, expected "
                                 f"{self.error_type}: {response!r}")
        if self.error is not None:
            if response.header("Content-Type") != "application/json":
                raise AssertionError(f"{where}: error body is not JSON: {response!r}")
            body = json.loads(response.body)
            if not isinstance(body, dict) or body.get("error") != self.error:
                raise AssertionError(f"{where}: body error {body!r}, expected {self.error!r}")
            if not isinstance(body.get("error_description"), str):
                raise AssertionError(f"{where}: no error_description in {body!r}")
        if self.content_type is not None:
            ctype = response.header("Content-Type") or ""
            if not ctype.startswith(self.content_type):
                raise AssertionError(f"{where}: Content-Type {ctype!r}, expected "
                                     f"{self.content_type!r}")
        if self.body is not None and response.body != self.body:
            raise AssertionError(f"{where}: body {response.body!r}, expected {self.body!r}")
        if self.close is not None:
            connection = response.header("Connection")
            wanted = "close" if self.close else "keep-alive"
            if connection != wanted:
                raise AssertionError(f"{where}: Connection {connection!r}, expected {wanted!r}")


# Shorthands for the shapes the API answers with.
def invalid_request(status=400, close=None):
    return Expect(status, "InvalidRequestException", "invalid_request", close=close)


def method_not_allowed():
    return Expect(405, "MethodNotAllowedException", "invalid_request")


def unknown_operation():
    return Expect(404, "UnknownOperationException", "invalid_request")


def page(status, content_type="text/html"):
    return Expect(status, content_type=content_type)


OK_JSON = Expect(200, content_type="application/json")
HEALTHY = Expect(200, content_type="text/plain", body=b"ok\n")
NO_RESPONSE = "no response"  # the server closes without answering (a request cut short)


class Case:
    """One hostile request (or several pipelined) and the responses it must get.

    `send` is bytes, or a list of byte strings written one by one (a slow sender); `shutdown`
    half-closes the client's side after sending; `expect` is an Expect, a list of them (one per
    pipelined response), or NO_RESPONSE; `then_closed` asserts the server closes the connection
    after the last expected response.
    """

    def __init__(self, name, send, expect, shutdown=False, then_closed=None, head=False,
                 pause=0.0):
        self.name = name
        self.send = send
        self.expect = expect
        self.shutdown = shutdown
        self.then_closed = then_closed
        self.head = head
        self.pause = pause


def run_case(port, case):
    conn = Connection(port)
    try:
        pieces = case.send if isinstance(case.send, list) else [case.send]
        for i, piece in enumerate(pieces):
            conn.send(piece)
            if case.pause and i + 1 < len(pieces):
                time.sleep(case.pause)  # pacing a slow sender, never an assertion
        if case.shutdown:
            conn.sock.shutdown(socket.SHUT_WR)
        if case.expect == NO_RESPONSE:
            response = conn.read_response()
            if response is not None:
                raise AssertionError(f"{case.name}: expected no response, got {response!r}")
            return
        expects = case.expect if isinstance(case.expect, list) else [case.expect]
        for i, expect in enumerate(expects):
            expect.check(conn.read_response(head_request=case.head),
                         f"{case.name} response {i + 1}")
        if case.then_closed is True and not conn.closed_by_server():
            raise AssertionError(f"{case.name}: the server kept the connection open")
    finally:
        conn.close()


def assert_healthy(server, after):
    """The server is running and answers a normal request on a fresh connection."""
    if server.proc.poll() is not None:
        raise AssertionError(f"after {after}: the server exited with {server.proc.returncode}"
                             + server.log_tail())
    conn = Connection(server.port)
    try:
        conn.send(request("GET", "/healthz"))
        HEALTHY.check(conn.read_response(), f"GET /healthz after {after}")
    finally:
        conn.close()


def call(port, raw):
    """Sends one request and returns its response (for setting up state)."""
    conn = Connection(port)
    try:
        conn.send(raw)
        return conn.read_response()
    finally:
        conn.close()
