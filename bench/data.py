"""Benchmark data: a large synthetic forum, written fast with bulk inserts.

    python bench/data.py --topics 50000 --posts-per-topic 20 --users 5000 --long-topic 10000

fills the database the environment names (DATABASE_URL, as for `flask --app wsgi`), after
`flask --app wsgi db upgrade`. bench/run.py and bench/search.py call it that way; tests
call seed_bench() in an app context.
"""

import io
import itertools
import random
import secrets
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import click
from sqlalchemy import func, insert, select, update

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from forum import markdown  # noqa: E402
from forum.extensions import db  # noqa: E402
from forum.models import Category, Image, Post, Topic, User, utcnow  # noqa: E402
from forum.sealing import index_of  # noqa: E402
from forum.services.images import encode  # noqa: E402
from forum.services.text import slugify  # noqa: E402

BENCH_BODIES = [
    "Short reply. Agreed.",
    "I tried this last week and it **worked**, mostly. The trick was to restart after the "
    "update, then wait a minute before trying again.",
    "> quoting the post above\n\nNot sure about that. See https://example.org/docs for the "
    "long version, and the table below for the short one.\n\n| a | b |\n|---|---|\n| 1 | 2 |",
    "Here is what I use:\n\n```python\nfor item in items:\n    print(item.name)\n```\n\n"
    "Works on every version I have tried.",
    "1. Open the settings\n2. Pick *Advanced*\n3. Untick the box\n\nThat's it.",
    "Thanks everyone, marking this as solved. ~~It was the cable.~~ It was the power supply.",
]


# Each benchmark post ends with a sentence drawn from this vocabulary by a Zipf law, so a
# search benchmark finds common words, rare words and phrases at any size of forum.
BENCH_COMMON_WORDS = str.split(
    "garden river winter market window kettle lantern harbour meadow pocket "
    "bicycle orchard violin ladder compass blanket tunnel pepper saddle marble"
)
_SYLLABLES = str.split("ka lo mi ren tor vel sun dra pe quo zin bar fi gul nor tes")
BENCH_WORDS = BENCH_COMMON_WORDS + [
    _SYLLABLES[n % 16] + _SYLLABLES[n // 16 % 16] + _SYLLABLES[n // 256 % 16] + "x"
    for n in range(4000)
]
_BENCH_CUMULATIVE = list(itertools.accumulate(1 / rank for rank in range(1, len(BENCH_WORDS) + 1)))


def bench_sentence(rng: random.Random, words: int = 8) -> str:
    """A sentence of Zipf-distributed words (letters only: its Markdown is itself)."""
    return (
        " ".join(rng.choices(BENCH_WORDS, cum_weights=_BENCH_CUMULATIVE, k=words)).capitalize()
        + "."
    )


def seed_bench(
    topics: int,
    posts_per_topic: int,
    users: int,
    categories: int,
    long_topic: int = 0,
    progress: Callable[[int], None] = lambda n: None,
    pictures: bool = True,
    batch: int = 20_000,
) -> None:
    """Bulk-insert a synthetic forum; commits as it goes (a fresh database is expected)."""
    bodies = [(body, markdown.render_post(body)) for body in BENCH_BODIES]
    rng = random.Random(1)
    start = utcnow() - timedelta(days=365)
    cat_ids = _bench_categories(categories)
    user_ids = _bench_users(users)
    plan = [(posts_per_topic, cat_ids[t % len(cat_ids)]) for t in range(topics)]
    if long_topic:
        plan.append((long_topic, cat_ids[0]))
    rows: list[dict] = []
    for index, (count, category_id) in enumerate(plan):
        first = start + timedelta(minutes=index)
        last = first + timedelta(seconds=30 * (count - 1))
        author = user_ids[index % len(user_ids)]
        topic_id = db.session.execute(
            insert(Topic)
            .values(
                category_id=category_id,
                author_id=author,
                title=f"Benchmark topic number {index + 1} about {BENCH_BODIES[index % 6][:20]}",
                slug=f"benchmark-topic-{index + 1}",
                created_at=first,
                last_post_at=last,
                last_poster_id=user_ids[(index + count - 1) % len(user_ids)],
                post_count=count,
                last_position=count,
            )
            .returning(Topic.id)
        ).scalar_one()
        for position in range(1, count + 1):
            body, html = bodies[(index + position) % len(bodies)]
            sentence = bench_sentence(rng)
            rows.append(
                {
                    "topic_id": topic_id,
                    "author_id": user_ids[(index + position - 1) % len(user_ids)],
                    "position": position,
                    "body": f"{body}\n\n{sentence}",
                    "html": f"{html}<p>{sentence}</p>\n",
                    "created_at": first + timedelta(seconds=30 * (position - 1)),
                }
            )
            if len(rows) >= batch:
                _flush_posts(rows, progress)
    _flush_posts(rows, progress)
    if pictures:
        _picture_topic(cat_ids[-1], user_ids, start - timedelta(days=1), posts_per_topic)
    _recount(cat_ids, user_ids)
    db.session.commit()


def _photo(rng: random.Random) -> bytes:
    """A 2000 x 1500 JPEG with some texture, so that it has a display copy and a real size."""
    from PIL import Image as Pillow
    from PIL import ImageDraw

    picture = Pillow.new("RGB", (2000, 1500), (90, 120, 150))
    draw = ImageDraw.Draw(picture)
    for _ in range(300):
        x, y = rng.randrange(2000), rng.randrange(1500)
        colour = tuple(rng.randrange(256) for _ in range(3))
        draw.rectangle((x, y, x + rng.randrange(20, 200), y + rng.randrange(20, 200)), colour)
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85)
    return out.getvalue()


def _picture_topic(category_id: int, user_ids: list[int], when, count: int) -> None:
    """One topic of `count` posts, each showing two pictures: the image-heavy page."""
    encoded = encode(_photo(random.Random(2)))
    topic_id = db.session.execute(
        insert(Topic)
        .values(
            category_id=category_id,
            author_id=user_ids[0],
            title="Benchmark pictures: racks before and after",
            slug="benchmark-pictures",
            created_at=when,
            last_post_at=when + timedelta(seconds=30 * (count - 1)),
            last_poster_id=user_ids[(count - 1) % len(user_ids)],
            post_count=count,
            last_position=count,
        )
        .returning(Topic.id)
    ).scalar_one()
    rows = []
    for position in range(1, count + 1):
        author = user_ids[(position - 1) % len(user_ids)]
        keys = [secrets.token_urlsafe(16)[:22] for _ in range(2)]
        for key in keys:
            db.session.add(
                Image(
                    id=key,
                    owner_id=author,
                    created_at=when,
                    format=encoded.format,
                    width=encoded.width,
                    height=encoded.height,
                    original=encoded.original,
                    display=encoded.display,
                    attached=True,
                )
            )
        body = (
            f"Before, with the cables loose:\n\n![rack {position}, before](/i/{keys[0]})\n\n"
            f"And after:\n\n![rack {position}, after](/i/{keys[1]})"
        )
        rows.append(
            {
                "topic_id": topic_id,
                "author_id": author,
                "position": position,
                "body": body,
                "html": markdown.render_post(body),
                "created_at": when + timedelta(seconds=30 * (position - 1)),
            }
        )
    db.session.flush()
    _flush_posts(rows, lambda n: None)


def _bench_categories(count: int) -> list[int]:
    ids = []
    for n in range(count):
        name = f"Bench category {n + 1}"
        category = Category(name=name, slug=slugify(name), description="Synthetic", position=n)
        db.session.add(category)
        db.session.flush()
        ids.append(category.id)
    return ids


def _bench_users(count: int) -> list[int]:
    tag = utcnow().strftime("%H%M%S")
    now = utcnow()
    rows = [
        {
            "username": f"bench{tag}_{n}",
            "username_key": f"bench{tag}_{n}",
            "email": f"bench{tag}_{n}@example.org",
            # A bulk insert skips the model's validator, which fills the blind index.
            "email_index": index_of(f"bench{tag}_{n}@example.org"),
            "role": "member",
            "created_at": now,
            "confirmed_at": now,
        }
        for n in range(count)
    ]
    return list(db.session.scalars(insert(User).returning(User.id), rows))


def _flush_posts(rows: list[dict], progress: Callable[[int], None]) -> None:
    if rows:
        db.session.execute(insert(Post), rows)
        db.session.commit()
        progress(len(rows))
        rows.clear()


def _recount(cat_ids: list[int], user_ids: list[int]) -> None:
    """Set the counters that the bulk insert bypassed, with a few aggregate statements."""
    for category_id in cat_ids:
        topic_count, post_count, last_at = db.session.execute(
            select(
                func.count(),
                func.coalesce(func.sum(Topic.post_count), 0),
                func.max(Topic.last_post_at),
            ).where(Topic.category_id == category_id)
        ).one()
        last_topic = db.session.scalar(
            select(Topic.id)
            .where(Topic.category_id == category_id)
            .order_by(Topic.last_post_at.desc())
            .limit(1)
        )
        db.session.execute(
            update(Category)
            .where(Category.id == category_id)
            .values(
                topic_count=topic_count,
                post_count=post_count,
                last_post_at=last_at,
                last_topic_id=last_topic,
            )
        )
    counts = select(func.count()).where(Post.author_id == User.id).correlate(User).scalar_subquery()
    db.session.execute(update(User).where(User.id.in_(user_ids)).values(post_count=counts))


@click.command()
@click.option("--topics", type=click.IntRange(1), default=1000, show_default=True)
@click.option("--posts-per-topic", type=click.IntRange(1), default=100, show_default=True)
@click.option("--users", type=click.IntRange(1), default=1000, show_default=True)
@click.option("--categories", type=click.IntRange(1), default=8, show_default=True)
@click.option(
    "--long-topic",
    type=click.IntRange(0),
    default=0,
    help="Also make one topic with this many posts.",
)
def main(topics: int, posts_per_topic: int, users: int, categories: int, long_topic: int) -> None:
    """Fill a database fast with a large synthetic forum, for benchmarks."""
    from forum import create_app

    total = topics * posts_per_topic + long_topic
    with create_app().app_context(), click.progressbar(length=total, label="Posts") as bar:
        seed_bench(
            topics=topics,
            posts_per_topic=posts_per_topic,
            users=users,
            categories=categories,
            long_topic=long_topic,
            progress=bar.update,
        )
    click.echo(f"Seeded {total:,} posts in {topics + (1 if long_topic else 0):,} topics.")


if __name__ == "__main__":
    main()
