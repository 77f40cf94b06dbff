"""The flask commands (seed-demo, create-user...), and the benchmark data."""

import re

from forum.extensions import db
from forum.models import Category, Post, Topic, User


def _count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_seed_demo_fills_an_empty_database_once(runner, client):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "Seeded 5 categories" in result.output
    assert _count(Category) == 5 and _count(Topic) >= 5 and _count(Post) >= 20
    again = runner.invoke(args=["seed-demo"])
    assert "nothing seeded" in again.output and _count(Category) == 5
    page = client.get("/").get_data(as_text=True)
    assert "Help &amp; questions" in page


def test_seed_demo_counters_match_the_rows(runner):
    runner.invoke(args=["seed-demo"])
    for category in db.session.scalars(db.select(Category)):
        topics = db.session.scalars(db.select(Topic).where(Topic.category_id == category.id)).all()
        assert category.topic_count == len(topics)
        assert category.post_count == sum(t.post_count for t in topics)
    for topic in db.session.scalars(db.select(Topic)):
        posts = _count_where(Post.topic_id == topic.id)
        assert topic.post_count == posts == topic.last_position


def _count_where(condition) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(Post).where(condition))


def test_the_benchmark_data_is_a_consistent_forum(app, client):
    from bench.data import seed_bench

    seed_bench(topics=30, posts_per_topic=5, users=7, categories=3, long_topic=45)
    # 30 topics of 5, the long one of 45, and one of 5 posts showing two pictures each.
    assert _count(Post) == 30 * 5 + 45 + 5 and _count(Topic) == 32
    assert sum(c.post_count for c in db.session.scalars(db.select(Category))) == 200
    assert sum(u.post_count for u in db.session.scalars(db.select(User))) == 200
    long = db.session.scalar(db.select(Topic).where(Topic.post_count == 45))
    assert client.get(f"/t/{long.id}/{long.slug}?page=3").status_code == 200
    assert client.get("/").status_code == 200
    pictures = db.session.scalar(db.select(Topic).where(Topic.slug == "benchmark-pictures"))
    page = client.get(f"/t/{pictures.id}/{pictures.slug}").get_data(as_text=True)
    sources = re.findall(r'<img src="(/i/[\w-]+)" alt="rack \d, (?:before|after)"', page)
    assert len(sources) == 10
    served = client.get(sources[0])
    assert served.status_code == 200 and served.content_type == "image/jpeg"


def test_create_user_with_a_role(runner):
    result = runner.invoke(args=["create-user", "Moss", "moss@example.org", "--role", "moderator"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(db.select(User))
    assert (user.username, user.role) == ("Moss", "moderator") and user.confirmed_at


def test_create_user_refuses_bad_input_clearly(runner):
    runner.invoke(args=["create-user", "moss", "moss@example.org"])
    taken = runner.invoke(args=["create-user", "MOSS", "other@example.org"])
    assert taken.exit_code == 1 and "username is taken" in taken.output
    bad = runner.invoke(args=["create-user", "x y", "not-an-email"])
    assert bad.exit_code == 1 and "username" in bad.output
    role = runner.invoke(args=["create-user", "someone", "s@example.org", "--role", "god"])
    assert role.exit_code == 2


def test_posts_rerender_restores_stored_html_from_the_source(runner, client, topic, post):
    from forum import markdown
    from forum.models import Announcement, SupportAnswer, SupportRequest

    request = SupportRequest(kind="support", subject="Tables?", message="How?", state="published")
    db.session.add(request)
    db.session.flush()
    answer_source = "| a |\n|---|\n| 1 |"
    db.session.add(
        SupportAnswer(
            request_id=request.id, kind="support", title="Tables", slug="tables",
            question="How?", answer_source=answer_source, answer_html="<p>stale</p>",
            published=True,
        )
    )  # fmt: skip
    db.session.add(Announcement(title="News", body="```\ncode\n```", html="<p>stale</p>"))
    post.html = '<pre>old</pre><script>alert("stored")</script>'
    db.session.commit()
    before = client.get(f"/t/{topic.id}/{topic.slug}").get_data(as_text=True)
    assert 'alert("stored")' in before  # a visitor's cached page holds the stale copy

    result = runner.invoke(args=["posts", "rerender", "--batch", "1"])
    assert result.exit_code == 0, result.output
    assert "Re-rendered 3 changed rows." in result.output

    db.session.expire_all()
    assert db.session.get(Post, post.id).html == markdown.render_post(post.body)
    answer = db.session.scalar(db.select(SupportAnswer))
    assert answer.answer_html == markdown.render_post(answer_source)
    assert '<table tabindex="0">' in answer.answer_html
    announcement = db.session.scalar(db.select(Announcement))
    assert announcement.html.startswith('<pre tabindex="0"><code>')
    after = client.get(f"/t/{topic.id}/{topic.slug}").get_data(as_text=True)
    assert "alert" not in after
    again = runner.invoke(args=["posts", "rerender"])
    assert "Re-rendered 0 changed rows." in again.output
