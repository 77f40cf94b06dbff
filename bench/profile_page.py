"""Profile one page in-process with cProfile, as a visitor or as a signed-in member.

    .venv/bin/python bench/profile_page.py --db bench/out/run-x/forum.db /t/12/some-topic \
        [--member] [--repeat 300] [--top 30] [--sort tottime|cumulative]

The database is a seeded one (bench/run.py --keep leaves one; DATABASE_URL works too when
--db is not given). A member is the first confirmed member, signed in with a server-side
session as a mailed link would. The page is requested a few times first (connections,
templates, caches), then `--repeat` times under the profiler; the top of the profile and
the time per request are printed.
"""

import argparse
import cProfile
import io
import os
import pstats
import secrets
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASE_URL = "https://127.0.0.1"  # SITE_URL in production, where the session cookie is Secure


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("path", help="the page, e.g. /t/12/some-topic")
    parser.add_argument("--db", type=Path, help="a seeded SQLite file (else DATABASE_URL)")
    parser.add_argument("--member", action="store_true", help="signed in as a member")
    parser.add_argument("--repeat", type=int, default=300)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="tottime", choices=["tottime", "cumulative"])
    return parser.parse_args(argv)


def signed_in_client(app):
    """A test client signed in as the first member, with a session row of its own."""
    from sqlalchemy import insert, select

    from forum.extensions import db
    from forum.models import MemberSession, User, utcnow
    from forum.services.accounts import session_key_hash

    client = app.test_client()
    key = secrets.token_urlsafe(32)
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.role == "member").limit(1))
        now = utcnow()
        with db.engine.begin() as conn:
            conn.execute(
                insert(MemberSession).values(
                    user_id=user_id,
                    key_hash=session_key_hash(key),
                    created_at=now,
                    expires_at=now + app.config["PERMANENT_SESSION_LIFETIME"],
                )
            )
    with client.session_transaction(base_url=BASE_URL) as session:
        session["_user_id"] = key
        session["_fresh"] = True
        session.permanent = True
    return client


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.db:
        os.environ["DATABASE_URL"] = f"sqlite:///{args.db.resolve()}"
    os.environ.setdefault("FORUM_ENV", "production")
    os.environ.setdefault("SITE_URL", BASE_URL)
    os.environ.setdefault("SECRET_KEY", secrets.token_hex(32))
    sys.path.insert(0, str(ROOT))
    from forum import create_app

    app = create_app({"STATS_ENABLED": False})
    client = signed_in_client(app) if args.member else app.test_client()
    for _ in range(20):
        response = client.get(args.path, base_url=BASE_URL)
        if response.status_code != 200:
            print(f"GET {args.path} answered {response.status_code}", file=sys.stderr)
            return 2
    started = time.perf_counter()
    for _ in range(args.repeat):
        client.get(args.path, base_url=BASE_URL)
    plain = (time.perf_counter() - started) / args.repeat * 1000
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for _ in range(args.repeat):
        client.get(args.path, base_url=BASE_URL)
    profiler.disable()
    elapsed = (time.perf_counter() - started) / args.repeat * 1000
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(args.sort)
    stats.print_stats(args.top)
    who = "member" if args.member else "visitor"
    print(f"{who} GET {args.path}: {plain:.2f} ms per request ({elapsed:.2f} under cProfile)")
    print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
