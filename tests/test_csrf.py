"""Cross-site posts change nothing: members' forms need their session-bound token."""

import pytest

from forum.extensions import db
from forum.models import Post, Topic, User
from tests.helpers import csrf_token, sign_in


def _state():
    return (
        db.session.scalar(db.select(db.func.count()).select_from(Topic)),
        db.session.scalar(db.select(db.func.count()).select_from(Post)),
        tuple(
            db.session.execute(db.select(User.email, User.announcements, User.notice_mail)).all()
        ),
        tuple(db.session.scalars(db.select(Post.body))),
    )


def _member_forms(topic):
    first = db.session.scalar(db.select(Post.id).where(Post.topic_id == topic.id))
    return [
        ("/c/general/new", {"title": "Injected", "body": "x"}),
        (f"/t/{topic.id}/reply", {"body": "Injected"}),
        (f"/p/{first}/edit", {"body": "Injected"}),
        ("/account/email", {"email": "evil@example.org"}),
        ("/account/announcements", {"announcements": "y"}),
        ("/account/language", {"language": "fr", "timezone": "Europe/Paris"}),
        ("/account/notices/mail", {"notice_mail": "y"}),
        ("/signout", {}),
    ]


@pytest.mark.parametrize("token", ["none", "forged", "another session's"])
def test_member_forms_refuse_posts_without_their_token(app, client, member, topic, token):
    sign_in(client, member)
    values = {"none": None, "forged": "not-a-token"}
    if token == "another session's":
        other = app.test_client()
        sign_in(other, member)
        values[token] = csrf_token(other, "/account")
    before = _state()
    for url, data in _member_forms(topic):
        if values[token] is not None:
            data = {**data, "csrf_token": values[token]}
        response = client.post(url, data=data, headers={"Origin": "https://evil.example"})
        assert response.status_code == 400, url
        db.session.expire_all()
        assert _state() == before, url
    assert 'href="/account"' in client.get("/").get_data(as_text=True)  # still signed in
