"""Complaints about staff (issue 19, item 9): a support request "about a moderator" is read
by admins only and never by the staff member it names, not even once they are an admin;
not in the inbox, its counts, its search, the request page, reveals, exports or public
pages. Privacy requests stay admins-only, their count included."""

import json
import re

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import SupportRequest, User, utcnow
from forum.services import Forbidden, ServiceError, disclosure, support_desk
from forum.services import support as support_service
from forum.services.deletion import delete_account
from forum.services.members import create_user
from forum.services.sanctions import set_role
from tests.helpers import SAME_SITE, csrf_token, sign_in

SUBJECT = "Moss was rude to me"


def send(client, **fields):
    data = {"kind": "staff", "subject": SUBJECT, "message": "In the gardening topic."}
    data.update(fields)
    return client.post("/support", data=data, headers=SAME_SITE)


def stored() -> list[SupportRequest]:
    db.session.expire_all()
    return list(db.session.scalars(select(SupportRequest).order_by(SupportRequest.id)))


def _new_count(client) -> int:
    """The desk's count of new support requests."""
    page = client.get("/staff").get_data(as_text=True)
    return int(re.search(r'Support inbox</a> <span class="badge[^"]*">(\d+) new', page).group(1))


@pytest.fixture
def second_moderator(app):
    user = create_user("rowan", "rowan@example.org", role="moderator")
    user.confirmed_at = utcnow()
    db.session.commit()
    return user


def test_the_form_offers_the_kind_and_names_a_moderator(client, member, moderator):
    page = client.get("/support").get_data(as_text=True)
    assert "About a moderator" in page and 'name="about"' in page
    assert "never the person you name" in page
    sign_in(client, member)
    response = send(client, about="@MOSS")
    assert response.status_code == 303
    (req,) = stored()
    assert (req.kind, req.about_id, req.user_id) == ("staff", moderator.id, member.id)
    # Naming someone is for complaints only: other kinds keep no name.
    send(client, kind="support", about="moss", subject="A question")
    assert stored()[-1].about_id is None
    # Whatever was left in the field (a name typed before changing the kind) is ignored.
    assert send(client, kind="feedback", about="x" * 500, subject="Nice").status_code == 303
    assert stored()[-1].about_id is None


@pytest.mark.parametrize(
    "about",
    ["juniper", "nobody", "a" * 33, "' OR 1=1 --", "moss moss", "%", "<b>moss</b>"],
)
def test_naming_anyone_but_staff_is_refused_on_the_field(client, member, moderator, about):
    response = send(client, about=about)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="about-error"' in page and "<b>moss</b>" not in page
    assert stored() == []


def test_admins_only_and_never_the_named_moderator(
    app, client, admin, moderator, second_moderator, member
):
    sign_in(client, member)
    send(client, about="moss")
    send(client, kind="support", subject="An ordinary question")
    complaint = stored()[0]
    for staff in (moderator, second_moderator):
        disclosure.accept_agreement(staff, disclosure.current_agreement().version)
    db.session.commit()

    for staff in (moderator, second_moderator):
        sign_in(client, staff)
        for url in ("/staff/support", "/staff/support?kind=staff", "/staff/support?q=rude"):
            page = client.get(url).get_data(as_text=True)
            assert SUBJECT not in page and "About staff" not in page
        assert "About a moderator" not in client.get("/staff/support").get_data(as_text=True)
        assert "An ordinary question" in client.get("/staff/support").get_data(as_text=True)
        # The desk's count of new requests counts only what they may see.
        assert _new_count(client) == 1
        assert client.get(f"/staff/support/{complaint.id}").status_code == 403
        assert client.get(f"/staff/support/{complaint.id}/publish").status_code == 403
        token = csrf_token(client, "/staff/support")
        for action, field in (("reply", "reply-body"), ("note", "note-body")):
            response = client.post(
                f"/staff/support/{complaint.id}/{action}",
                data={"csrf_token": token, field: "x"},
            )
            assert response.status_code == 403
        reveal = f"/staff/reveal?source=support&id={complaint.id}&field=ip"
        assert client.get(reveal).status_code == 403
        with pytest.raises(Forbidden):
            support_desk.request_for(complaint.id, staff)

    sign_in(client, admin)
    inbox = client.get("/staff/support?kind=staff").get_data(as_text=True)
    assert SUBJECT in inbox and "About staff: for admins" in inbox
    assert _new_count(client) == 2
    page = client.get(f"/staff/support/{complaint.id}").get_data(as_text=True)
    assert "It names moss, who is never shown it." in page and "Never published" in page
    assert client.get(f"/staff/support/{complaint.id}/publish").status_code == 403
    token = csrf_token(client, f"/staff/support/{complaint.id}")
    reply = client.post(
        f"/staff/support/{complaint.id}/note", data={"csrf_token": token, "note-body": "Seen."}
    )
    assert reply.status_code == 303


def test_the_named_moderator_made_admin_still_never_sees_it(client, admin, moderator, member):
    sign_in(client, member)
    send(client, about="moss")
    (complaint,) = stored()
    promoted = db.session.get(User, moderator.id)
    promoted.confirmed_at = utcnow()
    set_role(promoted, admin, "admin", "Promoted")
    db.session.commit()
    sign_in(client, moderator)
    assert client.get("/staff/support").status_code == 200
    for url in ("/staff/support", "/staff/support?kind=staff", "/staff/support?q=Moss"):
        assert SUBJECT not in client.get(url).get_data(as_text=True)
    assert _new_count(client) == 0
    assert client.get(f"/staff/support/{complaint.id}").status_code == 403
    assert client.get(f"/staff/reveal?source=support&id={complaint.id}&field=ip").status_code == 403
    # The other admin still reads it.
    sign_in(client, admin)
    assert SUBJECT in client.get("/staff/support").get_data(as_text=True)


def test_a_complaint_about_an_admin_is_kept_from_that_admin_only(client, admin, member):
    other_admin = create_user("basil", "basil@example.org", role="admin")
    db.session.commit()
    sign_in(client, member)
    send(client, about="ada_admin")
    (complaint,) = stored()
    sign_in(client, admin)
    assert SUBJECT not in client.get("/staff/support").get_data(as_text=True)
    assert client.get(f"/staff/support/{complaint.id}").status_code == 403
    sign_in(client, other_admin)
    assert client.get(f"/staff/support/{complaint.id}").status_code == 200


def test_the_named_moderator_finds_it_in_no_export_search_or_public_page(
    client, admin, moderator, member
):
    sign_in(client, member)
    send(client, about="moss")
    exported = json.loads(client.get("/account/data.json").get_data(as_text=True))
    (mine,) = exported["support_requests"]
    assert mine["about"] == "moss" and mine["kind"] == "staff"
    sign_in(client, moderator)
    theirs = client.get("/account/data.json").get_data(as_text=True)
    assert SUBJECT not in theirs and "rude" not in theirs
    for url in ("/support/answers", "/support/answers?q=rude", "/search?q=rude", "/"):
        assert SUBJECT not in client.get(url).get_data(as_text=True)
    for feed in ("/feeds/topics.atom", "/announcements.atom"):
        assert SUBJECT not in client.get(feed).get_data(as_text=True)
    (complaint,) = stored()
    with pytest.raises(Forbidden):
        support_desk.check_publishable(complaint)


def test_when_the_named_account_goes_the_complaint_stays_for_admins(
    client, admin, moderator, member
):
    sign_in(client, member)
    send(client, about="moss")
    delete_account(db.session.get(User, moderator.id), erase_posts=True)
    db.session.commit()
    (complaint,) = stored()
    assert complaint.about_id is None and complaint.kind == "staff"
    sign_in(client, admin)
    page = client.get(f"/staff/support/{complaint.id}").get_data(as_text=True)
    assert "It names no one." in page


def test_the_service_refuses_unknown_names_whoever_calls_it(app, member):
    submission = support_service.Submission(
        "staff", "Subject", "Message", None, False, member, "192.0.2.1", about="nobody"
    )
    with app.test_request_context(), pytest.raises(ServiceError):
        support_service.submit_request(submission)
    assert db.session.scalar(select(func.count()).select_from(SupportRequest)) == 0


def test_moderators_count_no_privacy_requests_either(client, moderator, admin):
    support_service.submit_request(
        support_service.Submission("privacy", "Erase me", "Please.", None, False, None, None)
    )
    db.session.commit()
    sign_in(client, moderator)
    assert _new_count(client) == 0
    sign_in(client, admin)
    assert _new_count(client) == 1
