"""Helpers the browser tests import: signing a browser in, and waiting for mail."""

import re
import time

import pytest

from forum.extensions import db
from forum.models import LoginToken, OutboxMessage, User
from tests.helpers import sign_in

WIDTHS = [375, 1280]
# A word too long for any line, in the forum the journeys read.
LONG_WORD = "Donaudampfschifffahrtselektrizitaetenhauptbetriebswerkbauunterbeamten" * 3


def signed_in(app, open_visit, username: str, **context_args):
    """A browser context carrying the session cookie of `username`, as signing in would set."""
    user = db.session.scalar(db.select(User).where(User.username == username))
    client = app.test_client()
    sign_in(client, user)
    db.session.remove()
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    v = open_visit(refuse_cookies=False, **context_args)
    v.context.add_cookies(
        [{"name": cookie.key, "value": cookie.value, "url": v.base_url, "httpOnly": True}]
    )
    return v


# --- mail: the test's SMTP server and the links it receives ------------------------------

MAIL_WAIT_SECONDS = 30  # generous: CI machines are shared and slow


def wait_for_mail(mailbox, count: int):
    """The `count`-th message, once it has arrived (it is sent after the response closes)."""
    deadline = time.monotonic() + MAIL_WAIT_SECONDS
    while len(mailbox.messages) < count:
        if time.monotonic() > deadline:
            pytest.fail(
                f"message {count} did not arrive within {MAIL_WAIT_SECONDS} s "
                f"({len(mailbox.messages)} arrived); {_outbox_state()}"
            )
        time.sleep(0.05)
    assert len(mailbox.messages) == count, "more mail arrived than was asked for"
    return mailbox.messages[count - 1][1]


def _outbox_state() -> str:
    """What the database says about the mail, for a failure message."""
    outbox = db.session.execute(
        db.select(
            OutboxMessage.id,
            OutboxMessage.attempts,
            OutboxMessage.next_attempt_at,
            OutboxMessage.last_error,
        )
    ).all()
    tokens = db.session.scalar(db.select(db.func.count()).select_from(LoginToken))
    db.session.remove()
    return f"outbox: {outbox}, login tokens: {tokens}"


def sign_in_by_mail(v, mailbox, address: str, count: int) -> None:
    """Sign in through the form and the `count`-th mail's link, as a person would."""
    v.goto("/signin")
    v.page.get_by_label("Email address", exact=True).fill(address)
    v.page.get_by_role("button", name="Email me a sign-in link").click()
    v.page.wait_for_url(v.base_url + "/signin/sent")
    text = wait_for_mail(mailbox, count).get_body(("plain",)).get_content()
    link = re.search(re.escape(v.base_url) + r"/signin/[A-Za-z0-9_-]{43,}", text).group(0)
    v.page.goto(link)
    v.page.get_by_role("main").get_by_role("button", name="Sign in").click()
    v.page.wait_for_url(v.base_url + "/")
