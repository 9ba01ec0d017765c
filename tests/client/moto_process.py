"""A real moto_server (the local AWS stand-in) on 127.0.0.1:0 for the client suites.

moto_server comes with the image's python3 (next to the interpreter running the suite, else on
PATH). A missing moto_server is an error, never a skip.
"""

import os
import re
import shutil
import subprocess
import sys
import threading
import time

RUNNING_RE = re.compile(r"Running on (http://127\.0\.0\.1:[0-9]{1,5})")


def moto_binary():
    beside = os.path.join(os.path.dirname(sys.executable), "moto_server")
    if os.path.isfile(beside) and os.access(beside, os.X_OK):
        return beside
    found = shutil.which("moto_server")
    if not found:
        raise RuntimeError("moto_server not found beside " + sys.executable + " or on PATH; "
                           "it comes with the python3 that has moto installed")
    return found


class MotoServer:
    def __init__(self, env=None):
        self.env = env
        self.proc = None
        self.url = None
        self.lines = []

    def start(self, timeout=60):
        self.proc = subprocess.Popen([moto_binary(), "-H", "127.0.0.1", "-p", "0"],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, env=self.env)
        found = threading.Event()

        def read():
            for line in self.proc.stdout:
                self.lines.append(line.rstrip("\n"))
                match = RUNNING_RE.search(line)
                if match and not found.is_set():
                    self.url = match.group(1)
                    found.set()

        threading.Thread(target=read, daemon=True).start()
        deadline = time.monotonic() + timeout
        while not found.wait(0.1):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError("moto_server did not start; output:\n" +
                                     "\n".join(self.lines))
        return self.url

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
