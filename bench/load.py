"""Load: 16 members reply to the same topic at once, through gunicorn, then every row is checked.

Run from the project root (or `make bench-load BENCH_ARGS="--seconds 60"`):

    .venv/bin/python bench/load.py [--clients 16 --seconds 30 --workers 4]

It serves the forum with gunicorn (sync workers) on a fresh SQLite database in a temporary
folder, or on the PostgreSQL database named by BENCH_DATABASE_URL (migrated, then given a
category, a topic and the members of its own), and has each client sign in (its session
cookie), fetch its CSRF token, and post replies as fast as the server takes them. It prints
the posts accepted per second and the errors, then checks the database: every accepted
post stored exactly once and nothing else, positions 1..n without gaps, and the topic's,
category's and members' counters and last-post fields exactly right.
The exit status is 1 when a check fails or any answer was a 5xx, 2 when it cannot run.
"""

import argparse
import http.client
import os
import re
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
SECRET_KEY = "bench-load-" + "k" * 40
# The server, the commands and the checking app must share one DATA_KEY (the data is sealed).
DATA_KEY = "bench-load-data-" + "d" * 40


@dataclass
class LoadResult:
    seconds: float
    accepted: list[str] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    # Posts whose request ended without a clear answer (connection lost, 5xx): stored or not.
    unsure: list[str] = field(default_factory=list)
    started: float = 0.0
    accepted_times: list[float] = field(default_factory=list)

    def accepted_after(self, seconds: float) -> int:
        """How many posts were accepted `seconds` or more after the start."""
        return sum(1 for t in self.accepted_times if t - self.started >= seconds)

    @property
    def server_errors(self) -> int:
        # 599 stands for no answer at all (the connection died), not an answer from us.
        return sum(n for status, n in self.statuses.items() if 500 <= status < 599)

    @property
    def errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status not in (302, 303))


def raw_request(base: str, method: str, path: str, cookie: str, body: bytes | None = None):
    """One request on a fresh connection: (status, session cookie or None, text)."""
    url = urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    headers = {"Cookie": f"session={cookie}", "Sec-Fetch-Site": "same-origin"}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
    finally:
        conn.close()
    new = None
    for header in response.headers.get_all("Set-Cookie") or []:
        if header.startswith("session="):
            new = header.split(";", 1)[0].split("=", 1)[1]
    return response.status, new, text


def _client(base, topic_path, reply_path, cookie, name, ready, clock, result, lock):
    """Sign in by cookie, take the CSRF token from the topic page, then reply until time."""
    for _ in range(5):  # a worker killed under this first request: ask again
        try:
            status, new, page = raw_request(base, "GET", topic_path, cookie)
            break
        except OSError as exc:
            status, new, page = repr(exc), None, ""
            time.sleep(0.5)
    cookie = new or cookie
    match = TOKEN.search(page)
    if status != 200 or not match:
        with lock:
            result.failures.append(f"{name}: the topic page gave {status} without a form")
    ready.wait()  # everyone starts together, once every client has its form
    if not match:
        return
    token, n = match.group(1), 0
    while time.monotonic() < clock["stop_at"]:
        body = f"Load reply {n} from {name}, {uuid.uuid4().hex}"
        data = urlencode({"csrf_token": token, "body": body}).encode()
        try:
            status, new, _ = raw_request(base, "POST", reply_path, cookie, data)
        except OSError:
            # The server went away mid-request (a killed worker): no answer at all.
            with lock:
                result.statuses[599] += 1
                result.unsure.append(body)
            continue
        cookie = new or cookie
        with lock:
            result.statuses[status] += 1
            if status in (302, 303):
                result.accepted.append(body)
                result.accepted_times.append(time.monotonic())
            elif status >= 500:
                result.unsure.append(body)
        n += 1


def run_load(
    base: str, topic_path: str, topic_id: int, cookies: list[str], seconds: float, on_start=None
):
    """Every client replies to the topic for `seconds`; returns what was accepted.

    `on_start` is called when the clock starts (every client has its form).
    """
    result, lock = LoadResult(seconds), threading.Lock()
    clock = {"stop_at": 0.0}

    def start() -> None:
        result.started = time.monotonic()
        clock["stop_at"] = result.started + seconds
        if on_start is not None:
            on_start()

    # The clock starts when the last client has its form: the barrier's action starts it.
    ready = threading.Barrier(len(cookies) + 1, action=start)
    reply_path = f"/t/{topic_id}/reply"
    threads = [
        threading.Thread(
            target=_client,
            args=(base, topic_path, reply_path, c, f"client{i}", ready, clock, result, lock),
        )
        for i, c in enumerate(cookies)
    ]
    for thread in threads:
        thread.start()
    ready.wait()
    for thread in threads:
        thread.join()
    return result


def prepare(app, clients: int):
    """A category, a topic and `clients` members; returns (topic id, topic path, cookies)."""
    from forum.extensions import db
    from forum.models import Category, utcnow
    from forum.services import forum as forum_service
    from forum.services.accounts import start_session
    from forum.services.members import create_user

    tag = uuid.uuid4().hex[:8]
    with app.app_context():
        category = Category(name=f"Load {tag}", slug=f"load-{tag}", description="", position=99)
        db.session.add(category)
        members = [
            create_user(f"load{tag}{i}", f"load{tag}{i}@example.org") for i in range(clients)
        ]
        for member in members:
            member.confirmed_at = utcnow()
        db.session.flush()
        topic = forum_service.create_topic(category, members[0], "Everyone at once", "Go!")
        keys = [start_session(member) for member in members]
        db.session.commit()
        serializer = app.session_interface.get_signing_serializer(app)
        cookies = [serializer.dumps({"_user_id": key, "_fresh": True}) for key in keys]
        return topic.id, f"/t/{topic.id}/{topic.slug}?page=last", cookies


def stored_bodies(app, topic_id: int) -> set[str]:
    """The bodies of the replies stored in the topic."""
    from forum.extensions import db
    from forum.models import Post

    with app.app_context():
        bodies = set(db.session.scalars(db.select(Post.body).where(Post.topic_id == topic_id)))
        db.session.remove()
    return bodies


def check(app, topic_id: int, accepted: list[str], unsure: list[str] = ()) -> list[str]:
    """Every way the database could disagree with what the clients were told.

    A post in `unsure` (its request died without an answer) may be stored or not, but once.
    """
    from sqlalchemy import func, select

    from forum.extensions import db
    from forum.models import Category, Post, Topic, User

    problems = []
    with app.app_context():
        topic = db.session.get(Topic, topic_id)
        posts = db.session.execute(
            select(Post.position, Post.body, Post.author_id, Post.created_at)
            .where(Post.topic_id == topic_id)
            .order_by(Post.position)
        ).all()
        stored = Counter(p.body for p in posts[1:])
        twice = [body for body, n in stored.items() if n > 1]
        if twice:
            problems.append(f"{len(twice)} posts stored more than once")
        missing = set(accepted) - set(stored)
        extra = set(stored) - set(accepted) - set(unsure)
        if missing:
            problems.append(f"{len(missing)} accepted posts are missing")
        if extra:
            problems.append(f"{len(extra)} posts stored that no client was told were accepted")
        if [p.position for p in posts] != list(range(1, len(posts) + 1)):
            problems.append("positions are not 1..n")
        last = posts[-1]
        if (topic.post_count, topic.last_position) != (len(posts), len(posts)):
            problems.append(f"topic counts {topic.post_count}, {topic.last_position}: {len(posts)}")
        if (topic.last_post_at, topic.last_poster_id) != (last.created_at, last.author_id):
            problems.append("the topic's last post fields are not its last post's")
        category = db.session.get(Category, topic.category_id)
        if (category.post_count, category.topic_count) != (len(posts), 1):
            problems.append(f"category counts {category.post_count}, {category.topic_count}")
        if (category.last_post_at, category.last_topic_id) != (topic.last_post_at, topic.id):
            problems.append("the category's last post fields are not the topic's")
        by_author = Counter(p.author_id for p in posts)
        counts = dict(
            db.session.execute(
                select(User.id, User.post_count).where(User.id.in_(list(by_author)))
            ).all()
        )
        if counts != dict(by_author):
            problems.append("members' post counts differ from their posts")
        total = db.session.scalar(
            select(func.count()).select_from(Post).where(Post.topic_id == topic_id)
        )
        stored_unsure = len(set(stored) & set(unsure))
        if total != len(accepted) + stored_unsure + 1:
            problems.append(f"{total} posts in the topic, {len(accepted) + 1} expected")
        db.session.remove()
    return problems


def server_env(database_url: str, tmp: str, workers_limit: str = "1000000 per minute") -> dict:
    from tests.servers import base_env

    return base_env(
        DATABASE_URL=database_url,
        MAIL_URL=f"file://{tmp}/mail",
        SECRET_KEY=SECRET_KEY,
        DATA_KEY=DATA_KEY,
        LIMIT_POSTING=workers_limit,
        STATS_ENABLED="0",
        NEW_MEMBER_REVIEW="0",
        PAGE_CACHE_SIZE="0",
    )


def report(database: str, clients: int, result: LoadResult, problems: list[str]) -> None:
    rate = len(result.accepted) / result.seconds
    statuses = ", ".join(f"{s}: {n}" for s, n in sorted(result.statuses.items()))
    print("| database   | clients | seconds | accepted | accepted/s | errors | 5xx | checks |")
    print("|------------|---------|---------|----------|------------|--------|-----|--------|")
    print(
        f"| {database:<10} | {clients:>7} | {result.seconds:>7.0f} | {len(result.accepted):>8} "
        f"| {rate:>10.1f} | {result.errors:>6} | {result.server_errors:>3} "
        f"| {'ok' if not problems else 'FAIL':<6} |"
    )
    print(f"statuses: {statuses}")
    for line in problems + result.failures[:10]:
        print(f"  - {line}")


def bench_setup(doc: str, name: str, seconds: float):
    """Parse the bench's arguments, make its database (BENCH_DATABASE_URL or a temporary
    SQLite file) and migrate it; return (args, app, url, env, tmp), or None if migrating
    failed (its error printed)."""
    parser = argparse.ArgumentParser(description=doc.split("\n", 1)[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=seconds)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()

    from forum import create_app
    from tests.servers import flask_command

    tmp = tempfile.mkdtemp(prefix=f"forum-{name}-")
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/{name}.db"
    env = server_env(url, tmp)
    upgrade = flask_command(env, "db", "upgrade")
    if upgrade.returncode != 0:
        print(upgrade.stderr, file=sys.stderr)
        return None
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": env["SECRET_KEY"],
            "DATA_KEY": env["DATA_KEY"],
            "MAIL_URL": env["MAIL_URL"],
        }
    )
    return args, app, url, env, tmp


def main() -> int:
    from tests.servers import gunicorn

    setup = bench_setup(__doc__, "load", 30)
    if setup is None:
        return 2
    args, app, url, env, _tmp = setup
    topic_id, topic_path, cookies = prepare(app, args.clients)
    with gunicorn(env, workers=args.workers) as base:
        result = run_load(base, topic_path, topic_id, cookies, args.seconds)
    problems = check(app, topic_id, result.accepted)
    report("postgresql" if url.startswith("postgres") else "sqlite", args.clients, result, problems)
    return 1 if problems or result.server_errors or result.failures else 0


if __name__ == "__main__":
    sys.exit(main())
