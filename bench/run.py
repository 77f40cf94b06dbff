"""Benchmark the forum's read pages against a bare Flask ceiling, on a large SQLite forum.

Run from the project root (or `make bench BENCH_ARGS="--rounds 6"`); defaults shown:

    .venv/bin/python bench/run.py [--topics 4500 --posts-per-topic 20 --users 2000
                                   --long-topic 10000 --duration 4 --rounds 4]
                                  [--db FILE (reuse a seeded database)] [--keep]

It builds a fresh SQLite database in bench/out/ (`flask db upgrade`, then `bench/data.py`:
about 100,000 posts and one topic of 10,000), serves the forum (wsgi:app) and the ceiling
(bench/ceiling.py: one query, a plain template) with gunicorn, 2 sync workers each, checks
that every URL answers 200, then loads each page with wrk, the pages interleaved over
several rounds (order reversed every other round), and takes the median req/s.

It prints req/s per page, the ratio to the ceiling, the SQL queries each page runs (counted
in-process with the Flask test client), and three targets with PASS/FAIL:
  - the 20-post topic page serves at least 0.6 of the ceiling's req/s (bench/ceiling.py);
  - the last page of the 10,000-post topic costs at most 1.3 times its first page;
  - every forum gunicorn worker stays under 100 MB RSS after the run;
  - the topic page with visitor statistics counting on serves at least 0.95 of its req/s
    with counting off (STATS_ENABLED=0), both with the page cache on.
The exit status is 1 when a target fails, 2 when the benchmark itself cannot run.
Absolute numbers depend on the machine (wrk shares its cores): compare ratios only.
"""

import argparse
import contextlib
import http.client
import math
import os
import re
import secrets
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
OUT = BENCH / "out"
PER_PAGE = 20  # POSTS_PER_PAGE, pinned in the servers' environment
# One DATA_KEY for every command and server of a run: they share the sealed data.
DATA_KEY = secrets.token_urlsafe(32)
TOPIC_MIN_RATIO = 0.6
LAST_PAGE_MAX_COST = 1.3
RSS_LIMIT_MB = 100
COUNTING_MIN_RATIO = 0.95
# wrk sends what a browser would, so that counting parses a real user agent and language.
BROWSER_HEADERS = [
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Accept-Language: en-GB,en;q=0.8",
    "Referer: https://search.example.com/?q=forum",
]


class BenchError(RuntimeError):
    """The benchmark cannot go on: a server, a URL or a tool misbehaved."""


@dataclass
class Target:
    """One URL to load, and what was measured on it."""

    name: str
    server: str
    path: str
    rps: list[float] = field(default_factory=list)
    p99_ms: list[float] = field(default_factory=list)
    queries: int | None = None
    cpu_ms: float | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.rps)

    def ratio_to(self, other: "Target") -> float:
        """The median over rounds of this page's req/s over other's in the same round."""
        pairs = zip(self.rps, other.rps, strict=True)
        return statistics.median([mine / theirs for mine, theirs in pairs])


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    add = parser.add_argument
    add("--topics", type=int, default=4500, help="topics of --posts-per-topic posts")
    add("--posts-per-topic", type=int, default=20)
    add("--users", type=int, default=2000)
    add("--categories", type=int, default=8)
    add("--long-topic", type=int, default=10_000, help="posts in the one long topic")
    add("--db", type=Path, help="use this seeded SQLite file instead of building one")
    add("--duration", type=int, default=4, help="seconds of wrk per page and round")
    add("--rounds", type=int, default=4, help="interleaved rounds (the median is kept)")
    add("--connections", type=int, default=8)
    add("--threads", type=int, default=2)
    add("--warmup", type=int, default=1, help="seconds of wrk per page before measuring")
    add("--keep", action="store_true", help="keep the work folder in bench/out/")
    args = parser.parse_args(argv)
    if args.rounds < 2:
        parser.error("--rounds must be at least 2 (pages are interleaved across rounds)")
    if args.long_topic < PER_PAGE * 2 and not args.db:
        parser.error(f"--long-topic must span at least two pages ({PER_PAGE * 2} posts)")
    return args


def server_env(db_path: Path) -> dict[str, str]:
    """The environment of every command run on the benchmark database."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"sqlite:///{db_path}",
        SECRET_KEY=secrets.token_hex(32),
        DATA_KEY=DATA_KEY,
        FORUM_ENV="production",
        # Requests come to 127.0.0.1; production refuses any other host.
        SITE_URL="https://127.0.0.1",
        POSTS_PER_PAGE=str(PER_PAGE),
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def build_database(db_path: Path, args: argparse.Namespace, env: dict[str, str]) -> None:
    """Create and seed a fresh database, and say how long seeding took."""
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    _run([*flask, "db", "upgrade"], env)
    sizes = ["--topics", args.topics, "--posts-per-topic", args.posts_per_topic]
    sizes += ["--users", args.users, "--categories", args.categories]
    sizes += ["--long-topic", args.long_topic]
    started = time.monotonic()
    out = _run([sys.executable, str(ROOT / "bench" / "data.py"), *map(str, sizes)], env)
    print(f"  {out.strip().splitlines()[-1]} ({time.monotonic() - started:.1f} s)")


def _run(cmd: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BenchError(f"{' '.join(cmd)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def pick_targets(db_path: Path) -> list[Target]:
    """The pages to load, found in the seeded database."""
    if not db_path.is_file():
        raise BenchError(f"no database at {db_path}")
    with contextlib.closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)) as conn:
        category = conn.execute("SELECT slug FROM categories ORDER BY position LIMIT 1").fetchone()
        short = conn.execute(
            "SELECT id, slug, post_count FROM topics WHERE NOT hidden"
            f" ORDER BY abs(post_count - {PER_PAGE}), id LIMIT 1"
        ).fetchone()
        long = conn.execute(
            "SELECT id, slug, post_count, last_position FROM topics WHERE NOT hidden"
            " ORDER BY post_count DESC, id LIMIT 1"
        ).fetchone()
    if not (category and short and long):
        raise BenchError(f"{db_path} holds no categories or topics: was it seeded?")
    last = math.ceil(long[3] / PER_PAGE)
    return [
        Target("index", "forum", "/"),
        Target("category", "forum", f"/c/{category[0]}"),
        Target(f"topic ({short[2]} posts)", "forum", f"/t/{short[0]}/{short[1]}"),
        Target(f"ceiling topic ({short[2]} posts)", "ceiling", f"/topic/{short[0]}"),
        Target(f"long topic ({long[2]:,}) page 1", "forum", f"/t/{long[0]}/{long[1]}"),
        Target(f"long topic page {last}", "forum", f"/t/{long[0]}/{long[1]}?page={last}"),
        # The same pages with the visitors' page cache off: what members get, and the cost
        # of the queries and templates themselves.
        Target("topic, cache off", "nocache", f"/t/{short[0]}/{short[1]}"),
        Target("long topic p. 1, cache off", "nocache", f"/t/{long[0]}/{long[1]}"),
        Target(
            f"long topic p. {last}, cache off", "nocache", f"/t/{long[0]}/{long[1]}?page={last}"
        ),
        Target("topic, counting off", "nostats", f"/t/{short[0]}/{short[1]}"),
    ]


class Server:
    """A gunicorn master (2 sync workers) serving `app` from the project root on a free port."""

    def __init__(self, name: str, app: str, env: dict[str, str], workdir: Path, *extra: str):
        self.name, self.env, self.log = name, env, workdir / f"{name}.log"
        self.cmd = [sys.executable, "-m", "gunicorn", app, *extra, "-w", "2", "-k", "sync"]
        self.cmd += ["--no-control-socket", "-b", "127.0.0.1:0", "--error-logfile", str(self.log)]
        self.proc: subprocess.Popen | None = None
        self.port = 0

    def __enter__(self) -> "Server":
        self.log.touch()
        self.proc = subprocess.Popen(
            self.cmd, cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            found = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", self.log.read_text())
            if found:
                self.port = int(found.group(1))
                return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        self.stop()
        raise BenchError(f"gunicorn ({self.name}) did not start:\n{self.log_tail()}")

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def worker_pids(self) -> list[int]:
        """The master's children: its workers."""
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError):
                # The field after the parenthesised command name is the state, then the ppid.
                ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
                if self.proc and ppid == self.proc.pid:
                    pids.append(int(stat.parent.name))
        return sorted(pids)


def rss_mb(pid: int) -> float:
    """Resident memory of a process, in MB (VmRSS of /proc/<pid>/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise BenchError(f"no VmRSS for pid {pid}")


def check_ok(server: Server, path: str) -> None:
    """Fail loudly unless GET path answers 200 itself (a redirect is a failure too)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read(600).decode("utf-8", "replace")
    finally:
        conn.close()
    if response.status != 200:
        where = response.getheader("Location") or body
        raise BenchError(
            f"GET {path} on {server.name} answered {response.status}: {where}\n{server.log_tail()}"
        )


def wrk(url: str, args: argparse.Namespace, seconds: int) -> tuple[float, float]:
    """Load url with wrk; return (requests per second, 99th percentile latency in ms)."""
    cmd = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{seconds}s", "--latency"]
    cmd += [arg for header in BROWSER_HEADERS for arg in ("-H", header)] + [url]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False).stdout
    if "Non-2xx or 3xx responses" in out or "Socket errors" in out:
        raise BenchError(f"wrk saw errors on {url}:\n{out}")
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
    if not (rps and p99):
        raise BenchError(f"cannot read wrk's output for {url}:\n{out}")
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    return float(rps.group(1)), float(p99.group(1)) * scale


def measure(targets: list[Target], servers: dict[str, Server], args) -> None:
    """Warm every page up, then load them in turn, round after round, order reversed."""
    urls = {t.name: f"http://127.0.0.1:{servers[t.server].port}{t.path}" for t in targets}
    for target in targets:
        wrk(urls[target.name], args, args.warmup)
    for number in range(args.rounds):
        order = targets if number % 2 == 0 else targets[::-1]
        for target in order:
            rps, p99 = wrk(urls[target.name], args, args.duration)
            target.rps.append(rps)
            target.p99_ms.append(p99)
        print(f"  round {number + 1}/{args.rounds} done")


def profile_in_process(targets: list[Target], env: dict[str, str], repeat: int = 30) -> None:
    """Count each page's SQL statements and time its CPU per request, with the test client.

    CPU time in-process is a cross-check that does not share the cores with wrk.
    """
    os.environ.update(env)  # config.py reads the environment when first imported
    sys.path[:0] = [str(ROOT), str(BENCH)]
    import ceiling
    from sqlalchemy import event

    from forum import create_app
    from forum.extensions import db

    apps = {
        "forum": (create_app(), db),
        "nocache": (create_app({"PAGE_CACHE_SIZE": 0}), db),
        "nostats": (create_app({"STATS_ENABLED": False}), db),
        "ceiling": (ceiling.app, ceiling.db),
    }
    statements: list[str] = []
    for app, app_db in apps.values():
        with app.app_context():
            event.listen(app_db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    for target in targets:
        client = apps[target.server][0].test_client()
        client.environ_base["HTTP_HOST"] = "127.0.0.1"  # SITE_URL's host, as production wants
        _get_ok(client, target.path)  # the first request also opens the connection
        statements.clear()
        _get_ok(client, target.path)
        target.queries = len(statements)
        target.cpu_ms = min(_cpu_ms(client, target.path, repeat) for _ in range(3))


def _get_ok(client, path: str) -> None:
    try:
        status = client.get(path).status_code
    except Exception as exc:
        raise BenchError(f"test client: GET {path} raised {exc!r}") from exc
    if status != 200:
        raise BenchError(f"test client: GET {path} answered {status}")


def _cpu_ms(client, path: str, repeat: int) -> float:
    started = time.process_time()
    for _ in range(repeat):
        client.get(path)
    return (time.process_time() - started) / repeat * 1000


def report(targets: list[Target], rss: dict[str, list[float]], args) -> bool:
    """Print the table and the targets; return whether every target passed."""
    ceiling = next(t for t in targets if t.server == "ceiling")
    print(f"\nwrk -t{args.threads} -c{args.connections} -d{args.duration}s, {args.rounds} rounds;")
    print("req/s and p99 are medians over rounds, 'vs ceiling' the median of per-round ratios;")
    print("queries and CPU ms per request are measured in-process with the Flask test client.\n")
    head = f"{'page':<31}{'req/s':>8}{'vs ceiling':>11}{'p99 ms':>8}{'queries':>8}{'CPU ms':>8}"
    print(f"{head}  req/s by round")
    for t in targets:
        rounds = " ".join(f"{r:.0f}" for r in t.rps)
        queries = "-" if t.queries is None else t.queries
        cpu = "-" if t.cpu_ms is None else f"{t.cpu_ms:.2f}"
        print(
            f"{t.name:<31}{t.median:>8.1f}{t.ratio_to(ceiling):>11.2f}"
            f"{statistics.median(t.p99_ms):>8.1f}{queries:>8}{cpu:>8}  {rounds}"
        )
    return print_targets(targets, ceiling, rss)


def print_targets(targets: list[Target], ceiling: Target, rss: dict[str, list[float]]) -> bool:
    """Print each target with PASS or FAIL; return whether all passed."""
    # The topic target is what a visitor gets (page cache on); the last-page target is about
    # the query, so it is measured with the cache off, where every request runs it.
    topic, uncached, first, last = targets[2], targets[6], targets[7], targets[8]
    ratio, cost, worst = topic.ratio_to(ceiling), first.ratio_to(last), max(rss["forum"])
    counting = topic.ratio_to(targets[9])
    megabytes = ", ".join(f"{mb:.1f}" for mb in rss["forum"])
    checks = [
        (
            ratio >= TOPIC_MIN_RATIO,
            f"topic page >= {TOPIC_MIN_RATIO} x ceiling",
            f"{ratio:.2f}{_cpu_note(ceiling, topic)}",
        ),
        (
            cost <= LAST_PAGE_MAX_COST,
            f"last page cost <= {LAST_PAGE_MAX_COST} x page 1",
            f"{cost:.2f}{_cpu_note(last, first)}",
        ),
        (
            worst < RSS_LIMIT_MB,
            f"forum worker RSS < {RSS_LIMIT_MB} MB",
            f"{megabytes} MB (ceiling: {max(rss['ceiling'], default=0):.1f} MB)",
        ),
        (
            counting >= COUNTING_MIN_RATIO,
            f"counting on/off ratio >= {COUNTING_MIN_RATIO}",
            f"{counting:.2f}{_cpu_note(targets[9], topic)}",
        ),
    ]
    print("\nTargets")
    for ok, what, value in checks:
        print(f"  {'PASS' if ok else 'FAIL'}  {what:<32} {value}")
    print(
        f"  info  topic page, cache off          {uncached.ratio_to(ceiling):.2f} x ceiling"
        f"{_cpu_note(ceiling, uncached)}"
    )
    return all(ok for ok, _, _ in checks)


def _cpu_note(numerator: Target, denominator: Target) -> str:
    if numerator.cpu_ms is None or denominator.cpu_ms is None:
        return ""
    return f" (in-process CPU: {numerator.cpu_ms / denominator.cpu_ms:.2f})"


def benchmark(args: argparse.Namespace, workdir: Path) -> bool:
    """Build, serve, check, load, report; return whether every target passed."""
    db_path = (args.db or workdir / "forum.db").resolve()
    env = server_env(db_path)
    if args.db:
        print(f"Using {db_path}")
    else:
        print(f"Building {db_path}")
        build_database(db_path, args, env)
    targets = pick_targets(db_path)
    rss = serve_and_load(targets, env, workdir, args)
    print("Counting queries and timing CPU per request in-process")
    try:
        profile_in_process(targets, env)
    except BenchError as exc:  # the columns are a cross-check: report without them
        print(f"  skipped: {exc}", file=sys.stderr)
    return report(targets, rss, args)


def serve_and_load(targets: list[Target], env: dict[str, str], workdir: Path, args):
    """Serve both apps, check and load every page; return the workers' RSS in MB by app."""
    with contextlib.ExitStack() as stack:
        servers = {
            "forum": stack.enter_context(Server("forum", "wsgi:app", env, workdir)),
            "nocache": stack.enter_context(
                Server("nocache", "wsgi:app", {**env, "PAGE_CACHE_SIZE": "0"}, workdir)
            ),
            "nostats": stack.enter_context(
                Server("nostats", "wsgi:app", {**env, "STATS_ENABLED": "0"}, workdir)
            ),
            "ceiling": stack.enter_context(
                Server("ceiling", "ceiling:app", env, workdir, "--pythonpath", str(BENCH))
            ),
        }
        for target in targets:
            check_ok(servers[target.server], target.path)
        ports = ", ".join(f"{name} on :{server.port}" for name, server in servers.items())
        print(f"Serving {ports}")
        measure(targets, servers, args)
        rss = {name: [rss_mb(pid) for pid in s.worker_pids()] for name, s in servers.items()}
        if not rss["forum"]:
            raise BenchError(f"no forum workers left:\n{servers['forum'].log_tail()}")
    return rss


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not shutil.which("wrk"):
        print("bench: wrk is not installed (apt-get install -y wrk)", file=sys.stderr)
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="run-", dir=OUT))
    started = time.monotonic()
    try:
        passed = benchmark(args, workdir)
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    finally:
        if args.keep:
            print(f"Kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"\n{'All targets met' if passed else 'Some targets FAILED'}", end="")
    print(f" ({time.monotonic() - started:.0f} s in all)")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
