"""Members: usernames from a sane set, unique whatever the case; emails unique once normalized."""

import pytest

from forum.extensions import db
from forum.services import ServiceError
from forum.services import forum as forum_service
from forum.services.members import create_user


@pytest.mark.parametrize("name", ["ada", "Ada_Lovelace", "a.b-c", "x" * 32, "_lead", "9lives"])
def test_valid_usernames(app, name):
    assert create_user(name, f"{len(name)}@example.org").username == name


@pytest.mark.parametrize(
    "name",
    ["", "ab", "x" * 33, "has space", "émile", "a/b", "<b>", "dot.", ".dot", "a..b", "ad\x00a",
     "\u0430dmin", "a\u202eb", "-dash"],  # a Cyrillic a, a direction override
)  # fmt: skip
def test_invalid_usernames(app, name):
    with pytest.raises(ServiceError) as info:
        create_user(name, "x@example.org")
    assert info.value.field == "username"


def test_usernames_are_unique_whatever_the_case(app):
    create_user("Juniper", "a@example.org")
    with pytest.raises(ServiceError, match="username is taken"):
        create_user("jUNIPER", "b@example.org")


def test_emails_are_unique_after_normalization(app):
    user = create_user("one", "Someone@Example.ORG")
    assert user.email == "someone@example.org"
    with pytest.raises(ServiceError, match="email address is taken"):
        create_user("two", "  someone@EXAMPLE.org ")


@pytest.mark.parametrize(
    "email", ["", "plain", "a@", "@b.org", "a@b", "a b@c.org", "a@b..org", "x" * 250 + "@b.org"]
)
def test_invalid_emails(app, email):
    with pytest.raises(ServiceError) as info:
        create_user("someone", email)
    assert info.value.field == "email"


def test_internationalized_email_is_accepted(app):
    assert create_user("kenji", "kenji@例え.jp").email.endswith("@例え.jp")


def test_the_database_enforces_uniqueness_too(app):
    from sqlalchemy.exc import IntegrityError

    from forum.models import User

    create_user("first", "first@example.org")
    db.session.add(User(username="FIRST", username_key="first", email="other@example.org"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_profiles_show_plain_text_excerpts_a_page_at_a_time(client, member, topic):
    """Issue 19, item 14: no raw Markdown in excerpts, and every post can be reached."""
    forum_service.reply(topic, member, "Some **bold** words, `code` and [a link](https://x.test)")
    for n in range(25):
        forum_service.reply(topic, member, f"Reply number {n}")
    db.session.commit()
    first = client.get(f"/u/{member.username}").get_data(as_text=True)
    assert "Reply number 24" in first and 'rel="next"' in first
    second = client.get(f"/u/{member.username}?page=2").get_data(as_text=True)
    assert "Some bold words, code and a link" in second
    assert "**bold**" not in second and "`code`" not in second
    assert "Hello world." in second  # the topic's first post, rendered then flattened
    topics = client.get(f"/u/{member.username}/topics").get_data(as_text=True)
    assert "First topic" in topics and "27 posts" in topics
    for bad in ("abc", "99", "0"):
        assert client.get(f"/u/{member.username}?page={bad}").status_code == 404
    assert client.get("/u/nobody/topics").status_code == 404
