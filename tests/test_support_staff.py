"""The staff's inbox, replies by real mail, publishing with a preview, and who may do what."""

import pytest

from forum.extensions import db
from forum.models import SupportAnswer, SupportEvent, SupportRequest
from forum.services import Forbidden, disclosure, support_desk
from forum.services import mail as mail_service
from forum.services import support as service
from tests.helpers import csrf_token, sign_in, token_in

SENDER = "sender@example.org"
SENDER_IP = "203.0.113.7"


def make_request(
    subject="Where is my data?", kind="support", no_publish=False, email=SENDER, user=None
):
    request = service.submit_request(
        service.Submission(
            kind=kind,
            subject=subject,
            message=f"Hello, I am Jane Roe ({email}). {subject}",
            email=email,
            no_publish=no_publish,
            user=user,
            ip=SENDER_IP,
        )
    )
    db.session.commit()
    return request


def staff_post(client, url, data, page=None):
    """POST one of a staff page's forms, with the session's CSRF token from that page."""
    token = csrf_token(client, page or url)
    prefix = url.rsplit("/", 1)[-1]
    field = "csrf_token" if prefix == "publish" else f"{prefix}-csrf_token"
    return client.post(url, data={field: token, **data})


def staff_urls(app, request_id):
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.rule.startswith("/staff/support"):
                yield rule, app.url_for(rule.endpoint, request_id=request_id)


@pytest.mark.parametrize("who", ["visitor", "member"])
def test_every_staff_url_refuses_visitors_and_members(app, client, member, who):
    req = make_request()
    # Without CSRF checks, only the authorization stands between the request and the view.
    app.config["WTF_CSRF_ENABLED"] = False
    if who == "member":
        sign_in(client, member)
    urls = list(staff_urls(app, req.id))
    assert len(urls) >= 7
    for rule, url in urls:
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, data={"body": "x", "state": "closed"})
            allowed = response.status_code == 403 or (
                response.status_code in (302, 303) and response.location.endswith("/signin")
            )
            assert allowed, (method, url, response.status_code)
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).select_from(SupportEvent)) == 0
    assert db.session.get(SupportRequest, req.id).state == "new"


def test_the_inbox_is_oldest_first_filtered_searched_and_paged(app, client, moderator):
    app.config["SUPPORT_PER_PAGE"] = 2
    make_request("First: 100% sure")
    make_request("Second under_score", kind="feedback")
    make_request("Third")
    sign_in(client, moderator)
    page = client.get("/staff/support").get_data(as_text=True)
    assert page.index("First") < page.index("Second") and "Third" not in page
    assert "Third" in client.get("/staff/support?page=2").get_data(as_text=True)
    assert client.get("/staff/support?page=3").status_code == 404
    newest = client.get("/staff/support?order=newest").get_data(as_text=True)
    assert "Third" in newest and "First" not in newest
    feedback = client.get("/staff/support?kind=feedback").get_data(as_text=True)
    assert "Second" in feedback and "First" not in feedback
    assert "Second" not in client.get("/staff/support?state=closed").get_data(as_text=True)
    percent = client.get("/staff/support?q=%25").get_data(as_text=True)
    assert "First" in percent and "Second" not in percent
    underscore = client.get("/staff/support?q=_").get_data(as_text=True)
    assert "Second" in underscore and "First" not in underscore
    assert client.get("/staff/support?q=%00&kind=x&page=zz").status_code == 400


def test_privacy_requests_are_flagged_for_admins(client, admin):
    make_request("Delete my data", kind="privacy")
    sign_in(client, admin)
    page = client.get("/staff/support").get_data(as_text=True)
    assert "1 privacy request waiting for an admin" in page and "Privacy: for admins" in page


def test_privacy_requests_are_for_admins_only(app, client, admin, moderator):
    req = make_request("Delete my data", kind="privacy")
    make_request("An ordinary question")
    disclosure.accept_agreement(moderator, disclosure.current_agreement().version)
    db.session.commit()
    sign_in(client, moderator)
    for url in ("/staff/support", "/staff/support?kind=privacy", "/staff/support?q=Delete"):
        page = client.get(url).get_data(as_text=True)
        assert "Delete my data" not in page and "waiting for an admin" not in page
    assert "An ordinary question" in client.get("/staff/support").get_data(as_text=True)
    assert client.get(f"/staff/support/{req.id}").status_code == 403
    reveal = f"/staff/reveal?source=support&id={req.id}&field=email"
    assert client.get(reveal).status_code == 403
    app.config["WTF_CSRF_ENABLED"] = False
    data = {"reply-body": "x", "note-body": "x", "state-state": "closed", "reason": "checking"}
    for action in ("reply", "note", "state"):
        response = client.post(f"/staff/support/{req.id}/{action}", data=data)
        assert response.status_code == 403, action
    assert client.post(reveal, data=data).status_code == 403
    # The services refuse a moderator whoever calls them, not only the pages.
    loaded = support_desk.get_request(req.id)
    for call in (
        lambda: support_desk.request_for(req.id, moderator),
        lambda: support_desk.reply(loaded, moderator, "x"),
        lambda: support_desk.add_note(loaded, moderator, "x"),
        lambda: support_desk.set_state(loaded, moderator, "closed"),
        lambda: disclosure.reveal(moderator, "support", req.id, "email", "checking"),
    ):
        with pytest.raises(Forbidden):
            call()
    db.session.rollback()
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).select_from(SupportEvent)) == 0
    # An admin reads and answers it.
    sign_in(client, admin)
    assert "Delete my data" in client.get(f"/staff/support/{req.id}").get_data(as_text=True)
    response = client.post(f"/staff/support/{req.id}/reply", data={"reply-body": "Done."})
    assert response.status_code == 303


def test_the_sender_address_shows_only_when_revealed(client, admin, moderator):
    req = make_request()
    for staff in (moderator, admin):
        sign_in(client, staff)
        page = client.get(f"/staff/support/{req.id}").get_data(as_text=True)
        assert "hidden" in page and SENDER_IP not in page
        assert SENDER not in page.replace(req.message, "")
    # The admin accepts the agreement: still hidden, behind a reveal link each.
    disclosure.accept_agreement(admin, disclosure.current_agreement().version)
    db.session.commit()
    page = client.get(f"/staff/support/{req.id}").get_data(as_text=True)
    assert SENDER_IP not in page and SENDER not in page.replace(req.message, "")
    assert f"/staff/reveal?source=support&amp;id={req.id}&amp;field=email" in page


def test_staff_reply_by_email_note_and_state(client, moderator, mailbox):
    req = make_request()
    mail_service.send_queued()
    sign_in(client, moderator)
    url = f"/staff/support/{req.id}"
    response = staff_post(client, url + "/reply", {"reply-body": "Follow the new link."}, url)
    assert response.status_code == 303
    response.close()
    mail_service.send_queued()
    _confirmation, reply = [message for _, message in mailbox.messages]
    assert reply["To"] == SENDER and req.reference in reply["Subject"]
    assert "Follow the new link." in reply.get_body(("plain",)).get_content()
    staff_post(client, url + "/note", {"note-body": "Asked twice before."}, url)
    staff_post(client, url + "/state", {"state-state": "closed"}, url)
    page = client.get(url).get_data(as_text=True)
    assert "Reply sent" in page and "Follow the new link." in page
    assert "Asked twice before." in page and "answered → closed" in page
    empty = staff_post(client, url + "/reply", {"reply-body": ""}, url)
    assert empty.status_code == 422 and "Write the reply." in empty.get_data(as_text=True)
    refused = staff_post(client, url + "/state", {"state-state": "published"}, url)
    assert refused.status_code == 422


def test_publish_with_preview_edit_and_withdraw(client, admin, count_queries):
    req = make_request("Links expire too fast")
    sign_in(client, admin)
    url = f"/staff/support/{req.id}/publish"
    form = client.get(url).get_data(as_text=True)
    assert "Hello, I am Jane Roe" in form and 'name="preview"' in form
    draft = {
        "title": "Sign-in links",
        "question": "Why do links expire?",
        "answer": "For *safety*.",
    }
    preview = staff_post(client, url, {**draft, "preview": "Preview"})
    assert preview.status_code == 200 and "<em>safety</em>" in preview.get_data(as_text=True)
    assert db.session.scalar(db.select(SupportAnswer)) is None
    published = staff_post(client, url, {**draft, "cleared": "y", "publish": "Publish"})
    assert published.status_code == 303
    answer = db.session.scalar(db.select(SupportAnswer))
    assert published.location == f"/support/answers/{answer.id}-sign-in-links"

    client.post("/signout", data={"csrf_token": token_in(form)})
    page = client.get(published.location).get_data(as_text=True)
    assert "Why do links expire?" in page and "<em>safety</em>" in page
    for secret in (SENDER, SENDER_IP, "Jane Roe", admin.username):
        assert secret not in page
    assert "Sign-in links" in client.get("/support/answers").get_data(as_text=True)
    assert "Sign-in links" in client.get("/support/answers?q=safety").get_data(as_text=True)
    assert "Sign-in links" not in client.get("/support/answers?q=%25x").get_data(as_text=True)
    assert client.get(f"/support/answers/{answer.id}-wrong").status_code == 301

    sign_in(client, admin)
    edited = staff_post(
        client, url, {**draft, "answer": "Edited answer.", "cleared": "y", "publish": "1"}
    )
    assert edited.status_code == 303
    assert "Edited answer." in client.get(published.location).get_data(as_text=True)
    detail = f"/staff/support/{req.id}"
    withdrawn = staff_post(client, detail + "/withdraw", {}, detail)
    assert withdrawn.status_code == 303
    assert client.get(published.location).status_code == 404
    assert "Sign-in links" not in client.get("/support/answers").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(SupportRequest, req.id).state == "answered"


@pytest.mark.parametrize("refused", [{"no_publish": True}, {"kind": "privacy"}])
def test_unpublishable_requests_are_refused_everywhere(client, admin, refused):
    req = make_request(**refused)
    sign_in(client, admin)
    page = client.get(f"/staff/support/{req.id}").get_data(as_text=True)
    assert "can never be published" in page and f"/staff/support/{req.id}/publish" not in page
    url = f"/staff/support/{req.id}/publish"
    assert client.get(url).status_code == 403
    token = token_in(page)
    draft = {"csrf_token": token, "title": "T", "question": "Q", "answer": "A"}
    for button in ("publish", "preview"):
        response = client.post(url, data={**draft, button: "1"})
        assert response.status_code == 403
    with pytest.raises(Forbidden):
        support_desk.publish(
            support_desk.get_request(req.id),
            admin,
            support_desk.AnswerDraft("T", "Q", "A"),
            cleared=True,
        )
    db.session.rollback()
    assert db.session.scalar(db.select(SupportAnswer)) is None
    assert db.session.get(SupportRequest, req.id).state == "new"


def test_public_support_pages_run_few_queries(client, member, admin, count_queries):
    req = make_request()
    answer = support_desk.publish(
        support_desk.get_request(req.id),
        admin,
        support_desk.AnswerDraft("T one", "Q", "A"),
        cleared=True,
    )
    db.session.commit()
    urls = ["/support", "/support/answers", "/support/answers?q=one", "/support/sent?ref=S-000001"]
    urls.append(f"/support/answers/{answer.id}-{answer.slug}")
    for who in (None, member):
        if who:
            sign_in(client, who)
        for url in urls:
            db.session.expire_all()
            with count_queries() as queries:
                response = client.get(url)
            assert response.status_code == 200, url
            assert queries.count <= 5, (url, queries.statements)
            if who is None:
                assert "Set-Cookie" not in response.headers, url
