"""Demo and benchmark data: a small realistic forum, or a large synthetic one, fast."""

import itertools
import random
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import func, insert, select, update

from . import markdown
from .extensions import db
from .models import Category, Post, Topic, User, utcnow
from .services import forum as forum_service
from .services.members import create_user
from .services.text import slugify

DEMO_CATEGORIES = [
    ("Announcements", "News about this forum, kept short and rare."),
    ("General", "Anything that does not fit elsewhere."),
    ("Help & questions", "Stuck with something? Ask here; someone has been there."),
    ("Show & tell", "Things you made, found or fixed."),
    ("Meta", "Talk about this forum: rules, ideas, privacy."),
]

DEMO_MEMBERS = [
    ("ada", "admin"),
    ("moss", "moderator"),
    ("juniper", "member"),
    ("tomasz", "member"),
    ("ife", "member"),
    ("marguerite", "member"),
    ("kenji", "member"),
]

DEMO_THREADS = [
    (
        "Announcements",
        "Welcome to the forum",
        "Welcome! This forum asks for a **username and an email address**, nothing more.\n\n"
        "- Reading needs no account and sets no cookie.\n"
        "- Sign-in is by a one-time link mailed to you.\n"
        "- Posts are written in Markdown.\n\n"
        "Say hello below.",
        ["Hello from a rainy afternoon!", "Glad to find a forum that doesn't track me. Hi all."],
    ),
    (
        "Help & questions",
        "How do I format code in a post?",
        "I want to share a snippet, but it loses its indentation. What's the trick?",
        [
            "Put it between lines of three backticks, and name the language:\n\n"
            '```python\ndef greet(name):\n    return f"Hello, {name}!"\n```\n\n'
            "For a word or two inline, use single backticks: `greet('you')`.",
            "Thanks, that works. Tables too?",
            "Yes:\n\n| Syntax | Result |\n| --- | --- |\n| `**bold**` | **bold** |\n"
            "| `~~gone~~` | ~~gone~~ |",
        ],
    ),
    (
        "Help & questions",
        "Why is there no password?",
        "Every site wants a password; this one doesn't. Is that safe?",
        [
            "> Is that safe?\n\nA link that works once and expires in 15 minutes is safer "
            "than a reused password, and there is nothing for the forum to leak.",
            "And if someone reads my mail, they could reset a password anyway.",
        ],
    ),
    (
        "Show & tell",
        "A sourdough starter that survived a month of neglect",
        "I left it in the fridge for five weeks. Two feedings later it doubled in six hours.\n\n"
        "1. Discard all but a spoonful\n2. Feed 1:5:5 with rye\n3. Keep it warm",
        ["Rye is the secret, I'm convinced.", "Mine smells like nail polish after a week. Normal?"],
    ),
    (
        "General",
        "What are you reading this month?",
        "I'm halfway through *The Dispossessed*. Slow start, now I can't put it down.",
        [
            "A history of lighthouses. Surprisingly gripping.",
            "Re-reading Pratchett, as one does every winter.",
            "Nothing: moving house. Next month!",
        ],
    ),
    (
        "Meta",
        "What this forum stores about you",
        "Short version: your username, your email, your posts. IP addresses only beside things "
        "that can be abused, and they are erased after 30 days. Visitor statistics are counts "
        "only, never rows per visit.",
        ["Could the stats page show referrers too?", "It does, folded into 'other' when rare."],
    ),
    (
        "General",
        "Small wins thread",
        "Post something that went right today, however small.",
        ["Fixed the squeaky door.", "Ran 5 km without stopping.", "Inbox zero. For an hour."],
    ),
]


def has_content() -> bool:
    """Whether the database already holds categories (seeding would then be a surprise)."""
    return db.session.scalar(select(func.count()).select_from(Category)) > 0


def seed_demo() -> dict:
    """Create the demo forum through the services, spread over the past weeks; caller commits."""
    categories = {}
    for position, (name, description) in enumerate(DEMO_CATEGORIES):
        categories[name] = Category(
            name=name, slug=slugify(name, "category"), description=description, position=position
        )
        db.session.add(categories[name])
    members = [create_user(name, f"{name}@example.org", role) for name, role in DEMO_MEMBERS]
    now = utcnow()
    for member in members:
        member.confirmed_at = member.created_at = now - timedelta(days=60)
    db.session.flush()
    rng = random.Random(7)
    posts = 0
    for index, (category, title, body, replies) in enumerate(DEMO_THREADS):
        moment = now - timedelta(days=30 - 4 * index, hours=rng.randrange(12))
        topic = forum_service.create_topic(categories[category], members[index % 3], title, body)
        _backdate(topic, moment)
        for offset, text in enumerate(replies, start=1):
            author = members[(index + offset) % len(members)]
            post = forum_service.reply(topic, author, text)
            moment += timedelta(hours=rng.randrange(1, 30))
            _backdate(topic, moment, post)
        posts += 1 + len(replies)
    db.session.execute(update(Topic).where(Topic.title.like("Welcome%")).values(pinned=True))
    db.session.flush()
    return {
        "categories": len(categories),
        "users": len(members),
        "topics": len(DEMO_THREADS),
        "posts": posts,
    }


def _backdate(topic: Topic, moment, post: Post | None = None) -> None:
    """Move a freshly written post (the first one if none given) and its topic to `moment`."""
    if post is None:
        db.session.execute(update(Topic).where(Topic.id == topic.id).values(created_at=moment))
        db.session.execute(update(Post).where(Post.topic_id == topic.id).values(created_at=moment))
    else:
        db.session.execute(update(Post).where(Post.id == post.id).values(created_at=moment))
    db.session.execute(update(Topic).where(Topic.id == topic.id).values(last_post_at=moment))
    db.session.execute(
        update(Category).where(Category.id == topic.category_id).values(last_post_at=moment)
    )


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
    _recount(cat_ids, user_ids)
    db.session.commit()


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
