"""Faults under load: the database cut off, gunicorn workers killed, then every row checked.

Run from the project root (or `make bench-faults BENCH_ARGS="--seconds 40"`):

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/DB \\
        .venv/bin/python bench/faults.py [--clients 16 --seconds 24 --workers 4]

Two runs, each with the clients of bench/load.py replying to one topic:
  - outage: the app reaches PostgreSQL through a TCP proxy on 127.0.0.1; for the middle
    third of the run the proxy drops every connection and refuses new ones (a real network
    fault; the server itself keeps running for others). Answers during the outage must be
    503s, and posting must work again after it, without restarting the app. Needs
    BENCH_DATABASE_URL (skipped on SQLite, which has no network to lose).
  - kills: a gunicorn worker is killed with SIGKILL every two seconds; the master starts
    another. Killed requests may be lost, but never half-stored.
After each: every post a client was told was accepted is stored exactly once, nothing else
but posts whose request died without an answer, and the counters are exact.
The exit status is 1 when a check fails, 2 when it cannot run.
"""

import os
import selectors
import signal
import socket
import sys
import threading
import time
from contextlib import contextmanager, suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import (  # noqa: E402
    bench_setup,
    check,
    prepare,
    run_load,
    server_env,
    stored_bodies,
)


class TcpProxy:
    """Forwards 127.0.0.1:port to a target; cut() drops every connection and refuses new ones."""

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.open = threading.Event()
        self.open.set()
        self.pairs: list[tuple[socket.socket, socket.socket]] = []
        self.lock = threading.Lock()
        self.stopping = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.stopping:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.open.is_set():
                client.close()  # refused: the database is "down"
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.pairs.append((client, upstream))
            threading.Thread(target=self._pipe, args=(client, upstream), daemon=True).start()

    def _pipe(self, a: socket.socket, b: socket.socket) -> None:
        selector = selectors.DefaultSelector()
        selector.register(a, selectors.EVENT_READ, b)
        selector.register(b, selectors.EVENT_READ, a)
        try:
            while True:
                for key, _ in selector.select(timeout=1):
                    data = key.fileobj.recv(65536)
                    if not data:
                        return
                    key.data.sendall(data)
        except (OSError, ValueError):
            return
        finally:
            selector.close()
            for s in (a, b):
                s.close()

    def cut(self) -> None:
        """The network to the database fails: open connections reset, new ones refused."""
        self.open.clear()
        with self.lock:
            pairs, self.pairs = self.pairs, []
        for pair in pairs:
            for s in pair:
                with suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def restore(self) -> None:
        self.open.set()

    def close(self) -> None:
        self.stopping = True
        self.cut()
        self.listener.close()


@contextmanager
def proxied(database_url: str):
    """A TcpProxy in front of the PostgreSQL server of `database_url`; yields (proxy, url)."""
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    try:
        yield proxy, url.set(host="127.0.0.1", port=proxy.port).render_as_string(False)
    finally:
        proxy.close()


def worker_pids(pid_file: Path) -> list[int]:
    """The gunicorn master's children (its workers), from the master's pid file."""
    master = int(pid_file.read_text().strip())
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def wait_for(path: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists() or not path.read_text().strip():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{path} did not appear")
        time.sleep(0.05)


def _outage_run(args, app, url, tmp) -> list[str]:
    from tests.servers import gunicorn

    with proxied(url) as (proxy, via_proxy):
        env = server_env(via_proxy, tmp)
        topic_id, topic_path, cookies = prepare(app, args.clients)
        third = args.seconds / 3

        started = threading.Event()

        def outage():
            started.wait()
            time.sleep(third)
            proxy.cut()
            time.sleep(third)
            proxy.restore()

        with gunicorn(env, workers=args.workers) as base:
            cutter = threading.Thread(target=outage)
            cutter.start()
            result = run_load(base, topic_path, topic_id, cookies, args.seconds, started.set)
            cutter.join()
    problems = check(app, topic_id, result.accepted, result.unsure)
    other_5xx = result.server_errors - result.statuses[503]
    if other_5xx:
        problems.append(f"{other_5xx} server errors other than 503")
    if not result.statuses[503]:
        problems.append("no 503 during the outage")
    if not result.accepted_after(2 * third + 1):
        problems.append("nothing accepted after the outage: no recovery")
    _print("database outage", args, result, problems, stored_bodies(app, topic_id))
    return problems


def _kill_run(args, app, url, tmp) -> list[str]:
    from tests.servers import gunicorn

    pid_file = Path(tmp) / "gunicorn.pid"
    env = {**server_env(url, tmp), "GUNICORN_CMD_ARGS": f"--pid {pid_file}"}
    topic_id, topic_path, cookies = prepare(app, args.clients)
    kills = []

    def killer(stop_at):
        while time.monotonic() < stop_at - 2:
            time.sleep(2)
            pids = worker_pids(pid_file)
            if pids:
                os.kill(pids[0], signal.SIGKILL)
                kills.append(pids[0])

    with gunicorn(env, workers=args.workers) as base:
        wait_for(pid_file)
        thread = threading.Thread(target=killer, args=(time.monotonic() + args.seconds,))
        thread.start()
        result = run_load(base, topic_path, topic_id, cookies, args.seconds)
        thread.join()
    problems = check(app, topic_id, result.accepted, result.unsure)
    if result.server_errors:
        problems.append(f"{result.server_errors} server errors")
    _print(f"{len(kills)} workers killed", args, result, problems, stored_bodies(app, topic_id))
    return problems


def _print(name, args, result, problems, stored: set[str]) -> None:
    rate = len(result.accepted) / result.seconds
    died = result.statuses[599]
    print(
        f"| {name:<20} | {args.clients:>7} | {result.seconds:>7.0f} | {len(result.accepted):>8} "
        f"| {rate:>10.1f} | {result.statuses[503]:>5} | {died:>12} "
        f"| {len(stored & set(result.unsure)):>13} | {'ok' if not problems else 'FAIL':<6} |"
    )
    statuses = ", ".join(f"{s}: {n}" for s, n in sorted(result.statuses.items()))
    print(f"|   statuses: {statuses} (599: no answer)")
    for line in problems + result.failures[:5]:
        print(f"  - {line}")


def main() -> int:
    setup = bench_setup(__doc__, "faults", 24)
    if setup is None:
        return 2
    args, app, url, _env, tmp = setup
    print(f"database: {'postgresql' if url.startswith('postgres') else 'sqlite'}")
    print(
        "| fault                | clients | seconds | accepted | accepted/s |   503 | no answer    "
        "| unsure stored | checks |"
    )
    print("|----------------------|---------|---------|----------|------------|-------|--------------"
          "|---------------|--------|")  # fmt: skip
    problems = []
    if url.startswith("postgres"):
        problems += _outage_run(args, app, url, tmp)
    else:
        print("| database outage      | skipped: SQLite has no network (set BENCH_DATABASE_URL) |")
    problems += _kill_run(args, app, url, tmp)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
