"""Before an announcement goes to everyone (issue 19, item 10): the admin previews it as a
mail (the rendered plain-text and HTML shown on the page) and sends it to themselves alone
first, through real SMTP; neither publishes it nor counts against the weekly mailing."""

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Announcement, OutboxMessage, utcnow
from forum.services import Forbidden, ServiceError
from forum.services import announcements as service
from forum.services.members import create_user
from tests.helpers import csrf_token, deliver, sign_in

URL = "/staff/announcements"


@pytest.fixture
def reader(app):
    user = create_user("reader_one", "reader_one@example.org")
    user.confirmed_at = utcnow()
    user.announcements = True
    db.session.commit()
    return user


def _post(client, **fields):
    data = {"csrf_token": csrf_token(client, URL), "title": "New: pictures", "send_mail": "y"}
    data["body"] = "You can now **upload pictures**.\n\nSee [the help](/support/answers)."
    data.update(fields)
    return client.post(URL, data=data)


def _counts():
    db.session.expire_all()
    return (
        db.session.scalar(select(func.count()).select_from(Announcement)),
        db.session.scalar(select(func.count()).select_from(OutboxMessage)),
    )


def test_the_mail_is_previewed_on_the_page_and_nothing_is_sent(client, admin, reader):
    sign_in(client, admin)
    page = client.get(URL).get_data(as_text=True)
    assert page.index('name="preview_mail"') < page.index('name="submit"')
    response = _post(client, preview_mail="Preview the mail")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "The mail, as members would get it" in text
    assert "<strong>upload pictures</strong>" in text  # the HTML version, rendered
    assert "You can now **upload pictures**." in text  # the plain-text version
    assert "Unsubscribe from announcements" in text and "http://localhost/announcements" in text
    assert "forum@localhost" in text
    assert _counts() == (0, 0)


def test_a_test_goes_to_the_admin_alone_over_smtp(client, admin, reader, mailbox):
    sign_in(client, admin)
    response = _post(client, send_test="Send a test to me")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "on its way to your own address only" in text
    assert "admin@example.org" not in text  # the page never needed the address
    assert _counts()[0] == 0
    (message,) = deliver(mailbox)
    assert message["To"] == "admin@example.org" and message["Subject"] == "[Test] New: pictures"
    html = message.get_body(("html",)).get_content()
    assert "<strong>upload pictures</strong>" in html
    assert message["List-Unsubscribe"].strip().startswith("<http://localhost/unsubscribe/")
    # No announcement published, and the weekly mailing is still free.
    assert service.next_mailing_at() is None
    published = _post(client)
    assert published.status_code == 303
    assert _counts()[0] == 1 and len(deliver(mailbox)) == 2  # the test, then the reader's


@pytest.mark.parametrize(
    "fields",
    [
        {"title": "", "preview_mail": "1"},
        {"body": "", "send_test": "1"},
        {"title": "x" * 201, "send_test": "1"},
        {"body": "y" * 20_001, "preview_mail": "1"},
        {"title": "<script>alert(1)</script>", "body": "<img src=x onerror=alert(1)>"}
        | {"preview_mail": "1"},
    ],
)
def test_hostile_or_missing_input_is_refused_or_escaped(client, admin, fields):
    sign_in(client, admin)
    response = _post(client, **fields)
    assert response.status_code in (200, 422)
    text = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in text and "<img src=x onerror" not in text
    assert _counts() == (0, 0)


def test_only_a_confirmed_admin_gets_a_test(app, client, admin, moderator):
    with app.test_request_context():
        with pytest.raises(Forbidden):
            service.send_test(moderator, "T", "B")
        with pytest.raises(Forbidden):
            service.mail_preview(moderator, "T", "B")
        unconfirmed = create_user("new_admin", "new_admin@example.org", role="admin")
        db.session.flush()
        with pytest.raises(ServiceError):
            service.send_test(unconfirmed, "T", "B")
    db.session.rollback()
    sign_in(client, moderator)
    assert client.get(URL).status_code == 403
    assert _counts() == (0, 0)
