"""Accounts: registration with two fields, sign-in by one-time link, real mail, sessions."""

import re
from datetime import timedelta

import pytest

from forum.extensions import db
from forum.models import LoginToken, OutboxMessage, User, utcnow
from forum.services import mail as mail_service
from tests.helpers import SAME_SITE, csrf_token, deliver, form_token, link_in
from tests.smtp import closed_port


def ask_link(client, email, **headers):
    """Ask for a sign-in link and let the response close, which runs the deferred work."""
    with client.post("/signin", data={"email": email}, headers=headers or SAME_SITE) as response:
        assert response.status_code == 303
    return response


def register(client, username="ada", email="ada@example.org", **extra):
    """Register and read the whole answer, which runs the deferred registration."""
    data = {"username": username, "email": email, **extra}
    response = client.post("/register", data=data, headers=SAME_SITE)
    response.get_data()
    return response


def follow(client, token):
    """Open the mailed link, then press its one button."""
    page = client.get(f"/signin/{token}")
    assert page.status_code == 200, page.get_data(as_text=True)
    return client.post(f"/signin/{token}", headers=SAME_SITE)


def test_registration_asks_for_two_things_and_nothing_else(client):
    response = client.get("/register")
    page = response.get_data(as_text=True)
    # The page's own form, not the search box every page has in its header.
    main = page[page.index('<main id="main"') :]
    inputs = re.findall(r"<input[^>]*>", main)
    filled = [i for i in inputs if not re.search(r'type="(hidden|checkbox|submit)"', i)]
    assert [re.search(r'name="(\w+)"', i).group(1) for i in filled] == ["username", "email"]
    checkbox = next(i for i in inputs if 'type="checkbox"' in i)
    assert 'name="announcements"' in checkbox and "checked" not in checkbox
    assert "password" not in page.lower().replace("no password", "")
    assert 'href="/privacy"' in page and "What we keep, and why" in page
    assert "Set-Cookie" not in response.headers


def test_register_confirm_and_sign_in_by_mail(client, mailbox):
    response = register(client, announcements="y")
    assert response.status_code == 303 and response.location == "/signin/sent?welcome=1"
    assert "Set-Cookie" not in response.headers
    user = db.session.scalar(db.select(User))
    assert user.confirmed_at is None and user.announcements is True
    (message,) = deliver(mailbox)
    assert message["To"] == "ada@example.org" and "confirm" in message["Subject"]
    token = link_in(message)
    assert client.get_cookie("session") is None
    response = follow(client, token)
    assert response.status_code == 303 and response.location == "/signin/done"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("session=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/signin/done", follow_redirects=True).get_data(as_text=True)
    assert "Signed in as ada." in page and 'href="/u/ada"' in page
    db.session.expire_all()
    assert db.session.get(User, user.id).confirmed_at is not None


def test_the_mail_link_page_does_not_spend_the_token(client, mailbox, member):
    ask_link(client, member.email)
    token = link_in(deliver(mailbox)[0])
    for _ in range(3):  # a mail scanner fetching the link
        page = client.get(f"/signin/{token}")
        assert page.status_code == 200 and "Set-Cookie" not in page.headers
        assert page.headers["Cache-Control"] == "no-store"
        # The token never leaves as a Referer, yet the button's POST keeps a real Origin
        # (no-referrer would make browsers send "Origin: null", which is refused).
        assert page.headers["Referrer-Policy"] == "strict-origin"
    assert follow(client, token).location == "/signin/done"


def test_a_used_link_cannot_be_used_again(client, mailbox, member):
    ask_link(client, member.email)
    token = link_in(deliver(mailbox)[0])
    follow(client, token)
    other = client.application.test_client()
    again = other.post(f"/signin/{token}", headers=SAME_SITE)
    assert again.status_code == 400
    assert "already been used" in again.get_data(as_text=True)
    assert "Set-Cookie" not in again.headers


def test_an_expired_link_is_refused(client, mailbox, member):
    ask_link(client, member.email)
    token = link_in(deliver(mailbox)[0])
    db.session.execute(db.update(LoginToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    response = client.post(f"/signin/{token}", headers=SAME_SITE)
    assert response.status_code == 400 and "expired" in response.get_data(as_text=True)
    assert client.get_cookie("session") is None


@pytest.mark.parametrize(
    ("token", "status"),
    # An encoded slash makes it another path, which no route has.
    [("forged", 400), ("A" * 43, 400), ("x" * 500, 400), ("%00", 400), ("..%2F..%2Fetc", 404)],
)
def test_a_forged_link_is_refused(client, member, token, status):
    for response in (
        client.get(f"/signin/{token}"),
        client.post(f"/signin/{token}", headers=SAME_SITE),
    ):
        assert response.status_code == status
        assert "Set-Cookie" not in response.headers


def test_a_newer_link_kills_the_older_one(client, mailbox, member):
    for _ in range(2):
        ask_link(client, member.email)
    first, second = (link_in(m) for m in deliver(mailbox))
    assert client.post(f"/signin/{first}", headers=SAME_SITE).status_code == 400
    assert follow(client, second).status_code == 303


def test_tokens_are_stored_only_as_hashes(client, mailbox, member):
    ask_link(client, member.email)
    token = link_in(deliver(mailbox)[0])
    stored = db.session.scalar(db.select(LoginToken))
    assert token not in stored.token_hash and len(token) >= 43  # 256 bits, URL-safe base64
    assert stored.ip == "127.0.0.1"


def test_signing_in_on_another_device_works(app, mailbox, member):
    asking = app.test_client()
    ask_link(asking, member.email)
    token = link_in(deliver(mailbox)[0])
    phone = app.test_client()
    follow(phone, token)
    assert "Signed in as" in phone.get("/signin/done", follow_redirects=True).get_data(as_text=True)
    assert asking.get_cookie("session") is None


def test_the_answer_is_the_same_for_members_and_strangers(client, mailbox, member):
    known = ask_link(client, member.email)
    unknown = ask_link(client, "nobody@example.org")
    assert (known.status_code, known.location) == (unknown.status_code, unknown.location)
    assert known.get_data() == unknown.get_data()
    assert len(deliver(mailbox)) == 1


def test_the_answer_takes_the_same_order_of_time(app, client, member):
    import statistics
    import time

    app.config.update(LIMIT_SIGNIN_IP="1000 per hour", LIMIT_SIGNIN_ADDRESS="1000 per hour")

    def timed(address: str) -> float:
        started = time.perf_counter()
        response = client.post("/signin", data={"email": address}, headers=SAME_SITE)
        elapsed = time.perf_counter() - started  # the answer is in: the visitor's view
        response.close()  # the deferred lookup, token and mail run now
        return elapsed

    # Interleaved, so that a busy machine slows both alike rather than one run of 15.
    pairs = [(timed(member.email), timed("stranger@example.org")) for _ in range(15)]
    known = statistics.median(k for k, _ in pairs)
    unknown = statistics.median(u for _, u in pairs)
    assert max(known, unknown) / min(known, unknown) < 3, (known, unknown)


def test_a_browser_that_refuses_cookies_is_told_why(app, mailbox, member):
    client = app.test_client(use_cookies=False)
    ask_link(client, member.email)
    token = link_in(deliver(mailbox)[0])
    assert follow(client, token).status_code == 303
    page = client.get("/signin/done")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Signing in needs one cookie" in text and "Go on reading" in text
    assert client.get("/").status_code == 200


def test_sign_out_removes_the_cookie(member_client, member):
    token = csrf_token(member_client, "/account")
    response = member_client.post("/signout", data={"csrf_token": token})
    assert response.status_code == 303
    assert member_client.get_cookie("session") is None
    assert "Sign in" in member_client.get("/").get_data(as_text=True)


def test_sign_out_refuses_a_cross_site_post(member_client, member):
    response = member_client.post("/signout")
    assert response.status_code == 400
    assert 'href="/account"' in member_client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("url", ["/register", "/signin", "/signin/sometoken"])
# A browser naming another site is refused as cross-site (403); a request naming no site
# at all carries no form token either, and the CSRF check refuses it (400).
@pytest.mark.parametrize(
    ("headers", "status"),
    [({"Sec-Fetch-Site": "cross-site"}, 403), ({"Sec-Fetch-Site": "same-site"}, 403),
     ({"Origin": "https://evil.example"}, 403), ({"Origin": "null"}, 403), ({}, 400)],
)  # fmt: skip
def test_visitor_forms_refuse_cross_site_posts(client, member, url, headers, status):
    data = {"username": "mallory", "email": member.email}
    response = client.post(url, data=data, headers=headers)
    assert response.status_code == status
    assert db.session.scalar(db.select(db.func.count()).select_from(LoginToken)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 1


def test_visitor_forms_work_with_only_the_signed_token(client, member):
    token = form_token(client, "/signin")
    response = client.post("/signin", data={"email": member.email, "form_token": token})
    assert response.status_code == 303
    response.close()
    register_token = form_token(client, "/register")
    # A token is good for its own form only.
    wrong = client.post("/signin", data={"email": member.email, "form_token": register_token})
    assert wrong.status_code == 400


def test_the_link_button_needs_a_browser_that_says_where_the_form_came_from(
    client, mailbox, member
):
    # A page elsewhere could post an attacker's own link with a token fetched for it (login
    # CSRF): the signed form token alone is not enough on this page.
    ask_link(client, member.email)
    token = link_in(deliver(mailbox)[0])
    response = client.post(
        f"/signin/{token}", data={"form_token": form_token(client, f"/signin/{token}")}
    )
    assert response.status_code == 400
    assert "which site this form came from" in response.get_data(as_text=True)
    assert client.get_cookie("session") is None
    # The link is not spent by the refusal.
    assert follow(client, token).location == "/signin/done"


def test_visitor_forms_accept_our_own_origin(client, member):
    response = client.post(
        "/signin", data={"email": member.email}, headers={"Origin": "http://localhost"}
    )
    assert response.status_code == 303


def test_registration_errors_are_clear_and_keep_what_was_typed(client, member):
    response = register(client, username="juniper", email="new@example.org")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "That username is taken." in page and 'value="new@example.org"' in page
    response = register(client, username="bad name!", email="not-an-address")
    assert response.status_code == 422
    assert "A username is 3 to 32 characters" in response.get_data(as_text=True)


def test_a_mail_server_that_is_down_loses_nothing(app, client, member, smtp_server):
    app.config["MAIL_URL"] = f"smtp://127.0.0.1:{closed_port()}"
    ask_link(client, member.email)  # the answer does not wait for, or fail with, the server
    queued = db.session.scalar(db.select(OutboxMessage))
    assert queued.attempts == 1 and "refused" in queued.last_error
    assert mail_service.send_queued() == (0, 0)  # backing off
    app.config["MAIL_URL"] = smtp_server.url
    db.session.execute(db.update(OutboxMessage).values(next_attempt_at=utcnow()))
    db.session.commit()
    token = link_in(deliver(smtp_server)[0])
    assert follow(client, token).status_code == 303


def test_mail_goes_out_after_the_response(client, mailbox, member):
    data = {"email": member.email}
    with client.post("/signin", data=data, headers=SAME_SITE) as response:
        assert response.status_code == 303
        assert mailbox.messages == []
        assert db.session.scalar(db.select(db.func.count()).select_from(LoginToken)) == 0
    assert len(mailbox.messages) == 1


def test_changing_the_email_needs_the_new_address_to_confirm(member_client, mailbox, member):
    token = csrf_token(member_client, "/account")
    response = member_client.post(
        "/account/email", data={"csrf_token": token, "email": "new@example.org"}
    )
    assert response.status_code == 302
    response.close()  # the link is made once the answer is out
    assert "new@example.org" in member_client.get("/account").get_data(as_text=True)
    (confirm,) = deliver(mailbox)
    assert confirm["To"] == "new@example.org"
    db.session.expire_all()
    assert db.session.get(User, member.id).email == "juniper@example.org"
    response = follow(member_client, link_in(confirm))
    assert response.location == "/account/email-confirmed"
    db.session.expire_all()
    assert db.session.get(User, member.id).email == "new@example.org"
    notice = deliver(mailbox)[-1]
    assert notice["To"] == "juniper@example.org" and "changed" in notice["Subject"]


def test_the_email_change_to_a_taken_address_answers_as_for_a_free_one(
    member_client, mailbox, member, other_member
):
    token = csrf_token(member_client, "/account")
    answers = []
    for address in ("free@example.org", other_member.email.upper()):
        response = member_client.post(
            "/account/email", data={"csrf_token": token, "email": address}
        )
        response.close()
        answers.append((response.status_code, response.location))
    assert answers[0] == answers[1] == (302, "/account")
    confirm, notice = deliver(mailbox)
    assert confirm["To"] == "free@example.org" and "Confirm" in confirm["Subject"]
    # The owner of the taken address is told; the asker learns nothing; nothing changed.
    assert notice["To"] == other_member.email
    assert "Nothing was changed" in notice.get_body(("plain",)).get_content()
    db.session.expire_all()
    assert db.session.get(User, member.id).email == member.email


def test_announcements_choice_is_saved(member_client, member):
    token = csrf_token(member_client, "/account")
    member_client.post("/account/announcements", data={"csrf_token": token, "announcements": "y"})
    db.session.expire_all()
    assert db.session.get(User, member.id).announcements is True
    member_client.post("/account/announcements", data={"csrf_token": token})
    db.session.expire_all()
    assert db.session.get(User, member.id).announcements is False


def test_the_account_page_shows_what_is_stored(member_client, member):
    page = member_client.get("/account").get_data(as_text=True)
    assert member.email in page and "What the forum stores about you" in page


def test_the_account_page_needs_a_member(client):
    assert client.get("/account").location == "/signin"


def test_purge_removes_old_unconfirmed_accounts_and_old_addresses(app, runner, member):
    from forum.services.accounts import Registration, register

    with app.test_request_context():
        fresh = register(Registration("fresh", "fresh@example.org", False, "192.0.2.1"))
        stale = register(Registration("stale", "stale@example.org", False, "192.0.2.2"))
    stale.created_at = utcnow() - timedelta(days=8)
    member.created_at = utcnow() - timedelta(days=40)
    member.signup_ip = "192.0.2.3"
    db.session.commit()
    result = runner.invoke(args=["purge"])
    assert "Purged 1 unconfirmed accounts." in result.output
    names = set(db.session.scalars(db.select(User.username)))
    assert names == {"juniper", "fresh"}
    db.session.expire_all()
    assert db.session.get(User, member.id).signup_ip is None
    assert db.session.get(User, fresh.id).signup_ip == "192.0.2.1"


@pytest.mark.parametrize(
    "name", ["admin", "Administrator", "MODERATOR", "mod", "staff", "support", "root",
             "system", "forum", "help", "security", "privacy", "ad.min", "admin_2", "St-aff9"],
)  # fmt: skip
def test_reserved_names_cannot_be_registered(client, name):
    response = register(client, username=name, email="someone@example.org")
    assert response.status_code == 422
    assert "That name is reserved" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 0


def test_names_that_only_contain_a_reserved_word_are_fine(client):
    assert register(client, username="admiral_moss").status_code == 303
