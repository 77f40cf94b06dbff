"""Real app processes for tests: gunicorn on 127.0.0.1 with a port of its own choosing."""

import os
import re
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager

from tests.helpers import ROOT

BIN = os.path.dirname(sys.executable)


def base_env(**extra) -> dict:
    """A clean environment: only what a deployment would set, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "SYSTEMROOT")}
    env.update(extra)
    return env


def flask_command(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [f"{BIN}/flask", "--app", "wsgi", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@contextmanager
def gunicorn(env: dict, workers: int = 1):
    """Serve wsgi:app with gunicorn; yields the base URL; stops it afterwards."""
    server = subprocess.Popen(
        [f"{BIN}/gunicorn", "wsgi:app", "-b", "127.0.0.1:0", "-w", str(workers),
         "--no-control-socket"],
        cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        port = _listening_port(server)
        # Keep reading the log: a full pipe would block every worker on its next line.
        threading.Thread(target=server.stderr.read, daemon=True).start()
        yield f"http://127.0.0.1:{port}"
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def _listening_port(server) -> int:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = server.stderr.readline()
        match = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", line)
        if match:
            return int(match.group(1))
        if server.poll() is not None:
            break
    raise AssertionError("gunicorn did not start")
