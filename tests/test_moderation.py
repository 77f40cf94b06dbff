"""Moderation: reports and the queue, hide/lock/pin/move, edits with revisions, suspensions,
roles, categories, held posts; every action writes exactly one moderation log record."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from forum.extensions import db
from forum.models import Category, ModerationLog, Post, Report, Topic, User, utcnow
from forum.services import counters, moderation, reports, revisions, sanctions
from forum.services import forum as forum_service
from tests.helpers import csrf_token, sign_in, token_in


def token_of(client, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    return token_in(page.get_data(as_text=True))


def log_count() -> int:
    return db.session.scalar(select(func.count(ModerationLog.id)))


def post_form(client, page: str, url: str, data: dict, prefix: str | None = None):
    key = f"{prefix}-csrf_token" if prefix else "csrf_token"
    return client.post(url, data={key: token_of(client, page), **data})


@pytest.fixture
def reply(topic, other_member):
    p = forum_service.reply(topic, other_member, "Buy cheap things at example.test!")
    db.session.commit()
    return p


def test_a_member_reports_a_post_and_a_moderator_hides_it(
    app, client, member, moderator, topic, reply
):
    sign_in(client, member)
    url = f"/p/{reply.id}/report"
    response = post_form(client, url, url, {"reason": "Spam: selling things."})
    assert response.status_code == 303
    again = post_form(client, url, url, {"reason": "Spam again."})
    assert again.status_code == 422 and "already reported" in again.get_data(as_text=True)
    own = f"/p/{topic.id}/report"
    first_post = db.session.scalar(select(Post.id).where(Post.position == 1))
    own = post_form(
        client, f"/p/{first_post}/report", f"/p/{first_post}/report", {"reason": "Mine, oops"}
    )
    assert own.status_code == 422

    sign_in(client, moderator)
    queue = client.get("/staff/reports").get_data(as_text=True)
    assert "Spam: selling things." in queue and "Buy cheap things" in queue
    report_id = db.session.scalar(select(Report.id))
    before = log_count()
    missing_reason = post_form(
        client, "/staff/reports", f"/staff/reports/{report_id}/resolve", {"resolution": "hide"}
    )
    assert missing_reason.status_code == 422 and log_count() == before
    response = post_form(
        client,
        "/staff/reports",
        f"/staff/reports/{report_id}/resolve",
        {"resolution": "hide", "reason": "Advertising."},
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert log_count() == before + 1
    entry = db.session.scalar(select(ModerationLog))
    assert (entry.action, entry.reason, entry.post_id) == ("hide_post", "Advertising.", reply.id)
    assert db.session.get(Post, reply.id).hidden
    assert db.session.get(Report, report_id).resolution == "hidden"
    assert "Nothing waits" in client.get("/staff/reports").get_data(as_text=True)
    t = db.session.get(Topic, topic.id)
    assert t.post_count == 1 and t.last_poster_id == topic.author_id
    visitor = app.test_client()
    assert "Buy cheap things" not in visitor.get(f"/t/{topic.id}").get_data(as_text=True)


def _actions(topic, reply, other_member, second_category):
    """(page, url, form data, csrf prefix, check) for each moderation action, in order."""
    post_page, topic_page = f"/staff/posts/{reply.id}", f"/staff/topics/{topic.id}"
    member_page = f"/staff/members/{other_member.username}"
    because = "A reason."
    return [
        ("hide_post", post_page, f"/staff/posts/{reply.id}/hide", {"hide-reason": because}, "hide"),
        (
            "unhide_post",
            post_page,
            f"/staff/posts/{reply.id}/unhide",
            {"hide-reason": because},
            "hide",
        ),
        (
            "edit_post",
            post_page,
            f"/staff/posts/{reply.id}/edit",
            {"edit-body": "Cleaned up.", "edit-reason": "Removed a link."},
            "edit",
        ),
        *[
            (
                f"{change}_topic",
                topic_page,
                f"/staff/topics/{topic.id}/{change}",
                {f"{change}-reason": because},
                change,
            )
            for change in ("hide", "unhide", "lock", "unlock", "pin", "unpin")
        ],
        (
            "move_topic",
            topic_page,
            f"/staff/topics/{topic.id}/move",
            {"move-category": second_category.id, "move-reason": because},
            "move",
        ),
        (
            "suspend",
            member_page,
            f"{member_page}/suspend",
            {"suspend-days": "3", "suspend-reason": "Spamming."},
            "suspend",
        ),
        (
            "unsuspend",
            member_page,
            f"{member_page}/unsuspend",
            {"unsuspend-reason": because},
            "unsuspend",
        ),
        (
            "set_role",
            member_page,
            f"{member_page}/role",
            {"role-role": "moderator", "role-reason": "Helps a lot."},
            "role",
        ),
        (
            "create_category",
            "/staff/categories",
            "/staff/categories",
            {"new-name": "Off topic", "new-description": "Anything else."},
            "new",
        ),
        (
            "update_category",
            "/staff/categories",
            f"/staff/categories/{second_category.id}",
            {
                f"c{second_category.id}-name": "Help desk",
                f"c{second_category.id}-description": "",
                f"c{second_category.id}-position": "5",
            },
            f"c{second_category.id}",
        ),
        (
            "archive_category",
            "/staff/categories",
            f"/staff/categories/{second_category.id}/archive",
            {},
            None,
        ),
        (
            "unarchive_category",
            "/staff/categories",
            f"/staff/categories/{second_category.id}/unarchive",
            {},
            None,
        ),
    ]


def test_every_moderation_action_writes_exactly_one_log_record(
    app, client, admin, other_member, topic, reply
):
    second = Category(name="Help", slug="help", position=2)
    other_member.confirmed_at = utcnow()
    db.session.add(second)
    db.session.commit()
    sign_in(client, admin)
    for action, page, url, data, prefix in _actions(topic, reply, other_member, second):
        before = log_count()
        response = post_form(client, page, url, data, prefix)
        assert response.status_code == 303, (
            action,
            response.status_code,
            response.get_data(as_text=True)[:3000],
        )
        db.session.expire_all()
        assert log_count() == before + 1, action
        newest = db.session.scalar(select(ModerationLog).order_by(ModerationLog.id.desc()).limit(1))
        assert newest.action == action and newest.actor_id == admin.id
    # A refused action (no reason) writes nothing.
    before = log_count()
    response = post_form(
        client, f"/staff/topics/{topic.id}", f"/staff/topics/{topic.id}/lock", {}, "lock"
    )
    assert response.status_code == 422 and log_count() == before
    # The log is readable and filterable by action, staff member and member.
    page = client.get("/staff/log?action=suspend").get_data(as_text=True)
    page = page.split('<ol class="history log">', 1)[1]
    assert "suspended a member" in page and "Spamming." in page and "locked a topic" not in page
    page = client.get(f"/staff/log?member={other_member.username}").get_data(as_text=True)
    page = page.split('<ol class="history log">', 1)[1]
    assert "changed a role" in page and "created a category" not in page
    assert client.get("/staff/log?actor=nobody").status_code == 200
    assert client.get("/staff/log?page=99").status_code == 404


def test_edits_keep_revisions_that_only_staff_see(app, client, member, moderator, topic):
    first = db.session.scalar(select(Post).where(Post.topic_id == topic.id))
    sign_in(client, member)
    url = f"/p/{first.id}/edit"
    assert post_form(client, url, url, {"body": "Second version."}).status_code == 302
    sign_in(client, moderator)
    page = f"/staff/posts/{first.id}"
    response = post_form(
        client, page, page + "/edit", {"edit-body": "Third.", "edit-reason": "Tidy"}, "edit"
    )
    assert response.status_code == 303
    bodies = [r.body for r in revisions.revisions(first.id)]
    assert bodies == ["Second version.", "Hello **world**."]
    html = client.get(page).get_data(as_text=True)
    assert "Second version." in html and "Hello **world**." in html and "Tidy" in html
    sign_in(client, member)
    assert client.get(page).status_code == 403
    assert "Hello **world**" not in client.get(f"/t/{topic.id}").get_data(as_text=True)


def test_a_suspended_member_reads_but_cannot_write_and_is_told_why(
    app, client, member, moderator, category, topic
):
    sanctions.suspend(member, moderator, 2, "Rude replies.")
    db.session.commit()
    sign_in(client, member)
    page = client.get(f"/t/{topic.id}", follow_redirects=True)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "You are suspended until" in text and "Rude replies." in text
    assert f'action="/t/{topic.id}/reply"' not in text
    for url in (f"/c/{category.slug}/new", f"/p/{topic.id}/edit"):
        response = client.get(url)
        assert response.status_code == 403 and "Rude replies." in response.get_data(as_text=True)
    token = token_of(client, "/account")
    reply = client.post(f"/t/{topic.id}/reply", data={"body": "x", "csrf_token": token})
    assert reply.status_code == 403
    with pytest.raises(forum_service.Forbidden):
        forum_service.reply(topic, member, "Through the service.")
    db.session.rollback()
    # When it ends, they write again (and purge forgets the reason).
    user = db.session.get(User, member.id)
    user.suspended_until = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert forum_service.reply(topic, user, "Back.") is not None
    db.session.commit()
    with pytest.raises(forum_service.Forbidden):
        sanctions.suspend(moderator, db.session.get(User, member.id), 1, "no")


def test_hide_lock_pin_and_move_keep_counters_exact(app, admin, member, other_member, category):
    other = Category(name="Elsewhere", slug="elsewhere", position=2)
    db.session.add(other)
    db.session.commit()
    a = forum_service.create_topic(category, member, "Topic A", "one")
    b = forum_service.create_topic(category, member, "Topic B", "one")
    r = forum_service.reply(a, other_member, "two")
    db.session.commit()

    def state():
        db.session.expire_all()
        c1, c2 = db.session.get(Category, category.id), db.session.get(Category, other.id)
        return (c1.topic_count, c1.post_count, c1.last_topic_id), (c2.topic_count, c2.post_count)

    assert state() == ((2, 3, a.id), (0, 0))
    moderation.set_post_hidden(moderation.post_for_moderation(r.id), admin, True, "spam")
    db.session.commit()
    assert state() == ((2, 2, b.id), (0, 0))
    assert db.session.get(Topic, a.id).post_count == 1
    moderation.set_topic_flag(db.session.get(Topic, b.id), admin, "hide", "dup")
    db.session.commit()
    assert state() == ((1, 1, a.id), (0, 0))
    moderation.move_topic(db.session.get(Topic, a.id), admin, other.id, "belongs there")
    db.session.commit()
    assert state() == ((0, 0, None), (1, 1))
    with pytest.raises(moderation.ServiceError):
        moderation.move_topic(db.session.get(Topic, a.id), admin, "not a number", "x")
    with pytest.raises(moderation.ServiceError):
        moderation.set_topic_flag(db.session.get(Topic, b.id), admin, "hide", "again")


def test_a_new_members_first_post_waits_for_review_when_asked(app, client, moderator, category):
    app.config["NEW_MEMBER_REVIEW"] = True
    newcomer = User(username="newbie", username_key="newbie", email="n@example.org")
    newcomer.confirmed_at = utcnow()
    db.session.add(newcomer)
    db.session.commit()
    held = forum_service.create_topic(category, newcomer, "Hello all", "My first post.")
    db.session.commit()
    visitor = app.test_client()
    assert visitor.get(f"/t/{held.id}").status_code == 404
    assert db.session.get(Category, category.id).topic_count == 0
    sign_in(client, moderator)
    queue = client.get("/staff/reports").get_data(as_text=True)
    assert "Held for review" in queue and "My first post." in queue
    report_id = db.session.scalar(select(Report.id).where(Report.kind == "review"))
    before = log_count()
    response = post_form(
        client, "/staff/reports", f"/staff/reports/{report_id}/resolve", {"resolution": "approve"}
    )
    assert response.status_code == 303 and log_count() == before + 1
    assert visitor.get(f"/t/{held.id}", follow_redirects=True).status_code == 200
    db.session.expire_all()
    assert db.session.get(Category, category.id).topic_count == 1
    # The second post is not held; and with the setting off (default) nothing is.
    second = forum_service.reply(db.session.get(Topic, held.id), newcomer, "Again.")
    assert not second.hidden
    # Another newcomer's held post, rejected: it stays hidden and leaves the queue.
    other = User(username="newbie2", username_key="newbie2", email="n2@example.org")
    db.session.add(other)
    db.session.commit()
    rejected = forum_service.reply(db.session.get(Topic, held.id), other, "Spam link.")
    db.session.commit()
    review = db.session.scalar(select(Report).where(Report.post_id == rejected.id))
    moderation.resolve_report(review, moderator, "hide", "Spam")
    db.session.commit()
    assert db.session.get(Post, rejected.id).hidden and review.resolution == "hidden"
    with pytest.raises(moderation.ServiceError):
        ordinary = reports.report_post(second, moderator, "Not sure about this")
        moderation.resolve_report(ordinary, moderator, "approve", "")


def test_admins_manage_categories_and_an_archived_one_takes_no_writing(
    app, client, admin, member, category
):
    sign_in(client, admin)
    response = post_form(
        client, "/staff/categories", "/staff/categories", {"new-name": "<b>X</b>"}, "new"
    )
    assert response.status_code == 303
    created = db.session.scalar(select(Category).where(Category.name == "<b>X</b>"))
    assert created.slug == "b-x-b" or created.slug
    html = client.get("/staff/categories").get_data(as_text=True)
    assert "&lt;b&gt;X&lt;/b&gt;" in html and "<b>X</b>" not in html
    bad = post_form(client, "/staff/categories", "/staff/categories", {"new-name": "x" * 81}, "new")
    assert bad.status_code == 422
    response = post_form(
        client, "/staff/categories", f"/staff/categories/{category.id}/archive", {}
    )
    assert response.status_code == 303
    sign_in(client, member)
    assert client.get(f"/c/{category.slug}").status_code == 200
    db.session.expire_all()
    with pytest.raises(forum_service.Forbidden):
        forum_service.create_topic(db.session.get(Category, category.id), member, "Title", "Body")
    db.session.rollback()
    url = f"/c/{category.slug}/new"
    response = post_form(client, url, url, {"title": "New one", "body": "Text."})
    assert response.status_code == 422
    assert db.session.scalar(select(func.count(Topic.id))) == 0


@pytest.mark.parametrize(
    "data",
    [
        {"suspend-days": "-1", "suspend-reason": "x"},
        {"suspend-days": "99999999999999999999", "suspend-reason": "x"},
        {"suspend-days": "3", "suspend-reason": "x" * 501},
        {"suspend-days": "3\x00", "suspend-reason": "x"},
    ],
    ids=["negative-days", "huge-days", "long-reason", "nul-in-days"],
)
def test_a_hostile_suspension_is_a_clear_error(admin_client, admin, member, data):
    page = f"/staff/members/{member.username}"
    assert post_form(admin_client, page, page + "/suspend", data, "suspend").status_code == 422
    assert db.session.get(User, member.id).suspended_until is None


def test_an_unknown_role_is_a_clear_error(admin_client, admin, member):
    page = f"/staff/members/{member.username}"
    data = {"role-role": "god", "role-reason": "x"}
    assert post_form(admin_client, page, page + "/role", data, "role").status_code == 422


@pytest.mark.parametrize("category_id", ["abc", "999999", "-1", ""])
def test_a_move_to_no_real_category_is_a_clear_error(admin_client, admin, topic, category_id):
    topic_page = f"/staff/topics/{topic.id}"
    data = {"move-category": category_id, "move-reason": "x"}
    assert (
        post_form(admin_client, topic_page, topic_page + "/move", data, "move").status_code == 422
    )


@pytest.mark.parametrize(
    "url",
    ["/staff/members/nobody", "/staff/posts/999999", "/staff/topics/0", "/staff/reports?page=x"],
)
def test_staff_pages_of_nothing_are_not_found(admin_client, admin, url):
    assert admin_client.get(url).status_code == 404


def test_posts_in_an_archived_category_cannot_be_edited(app, client, member, topic):
    first = db.session.scalar(select(func.min(Post.id)).where(Post.topic_id == topic.id))
    sign_in(client, member)
    page = client.get(f"/t/{topic.id}/{topic.slug}").get_data(as_text=True)
    assert f'href="/p/{first}/edit"' in page
    token = csrf_token(client, f"/p/{first}/edit")
    db.session.execute(update(Category).values(archived=True))
    counters.touch_topic(topic.id)  # as archiving does: cached pages key on it
    db.session.commit()
    page = client.get(f"/t/{topic.id}/{topic.slug}").get_data(as_text=True)
    assert f'href="/p/{first}/edit"' not in page
    assert client.get(f"/p/{first}/edit").status_code == 403
    response = client.post(f"/p/{first}/edit", data={"csrf_token": token, "body": "Changed."})
    assert response.status_code == 403
    db.session.expire_all()
    post = db.session.get(Post, first)
    assert post.body == "Hello **world**."
    with pytest.raises(forum_service.Forbidden):
        forum_service.edit_own_post(post, db.session.get(User, member.id), "Changed.")
