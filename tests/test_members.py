"""Members: usernames from a sane set, unique whatever the case; emails unique once normalized."""

import pytest

from forum.extensions import db
from forum.services import ServiceError
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
