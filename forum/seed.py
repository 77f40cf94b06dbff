"""Demo data: a small, realistic forum for `make run` (benchmark data is in bench/data.py)."""

import random
from datetime import timedelta

from sqlalchemy import func, select, update

from .extensions import db
from .models import Category, Post, Topic, utcnow
from .services import forum as forum_service
from .services.members import create_user
from .services.text import slugify

DEMO_CATEGORIES = [
    # Not the announcements page (/announcements, which admins publish and may mail): a
    # category where staff start threads about the forum and members answer.
    (
        "Forum news",
        "Staff start topics here about the forum; everyone may reply. Official announcements "
        "are on the Announcements page.",
    ),
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
        "Forum news",
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
            name=name,
            slug=slugify(name, "category"),
            description=description,
            position=position,
            topic_starters="staff" if name == "Forum news" else "everyone",
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
