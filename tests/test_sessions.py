"""Sessions that really end: the cookie names a revocable key, never a reusable member id."""

import re
from datetime import UTC, timedelta

import config
from forum.extensions import db
from forum.models import MemberSession, User, utcnow
from forum.services import mail as mail_service
from forum.services.deletion import delete_account
from tests.helpers import SAME_SITE, SIGNIN_LINK, csrf_token, make_app, sign_in


def signed_in(client) -> bool:
    """Whether the client's cookie opens the account page (a visitor is sent to sign in)."""
    return client.get("/account").status_code == 200


def copy_of(app, client):
    """Another browser holding a copy of `client`'s session cookie."""
    thief = app.test_client()
    name = app.config["SESSION_COOKIE_NAME"]
    thief.set_cookie(name, client.get_cookie(name).value)
    return thief


def sign_in_by_mail(client, mailbox, email: str) -> None:
    response = client.post("/signin", data={"email": email}, headers=SAME_SITE)
    assert response.status_code == 303
    response.close()  # the deferred lookup runs once the answer is out
    mail_service.send_queued()
    body = mailbox.messages[-1][1].get_body(("plain",)).get_content()
    token = SIGNIN_LINK.search(body).group(1)
    response = client.post(f"/signin/{token}", headers=SAME_SITE)
    assert response.location == "/signin/done", response.get_data(as_text=True)


def is_visitor_everywhere(client, site) -> bool:
    """Whether the pages that read the member with their head (services/heads.py) and the
    index all answer as to a visitor."""
    pages = [client.get(path) for path in (site.topic, site.category, "/")]
    return all(p.status_code == 200 and "Sign out" not in p.get_data(as_text=True) for p in pages)


def test_a_deleted_members_cookie_is_a_visitor_after_someone_registers(app, client, mailbox, site):
    from forum.services.members import create_user

    first = create_user("first", "first@example.org")
    last = create_user("last", "last@example.org")
    db.session.commit()
    sign_in_by_mail(client, mailbox, "last@example.org")
    kept = copy_of(app, client)
    old_id = last.id
    delete_account(last, erase_posts=True)
    db.session.commit()
    # SQLite used to give the highest deleted id to the next account.
    newcomer = create_user("newcomer", "newcomer@example.org")
    db.session.commit()
    assert newcomer.id > old_id and first.id < old_id
    assert not signed_in(kept)
    assert not signed_in(client)
    assert is_visitor_everywhere(kept, site)


def test_the_cookie_names_no_member_id_and_carries_no_fingerprint(client, mailbox, member):
    client.set_cookie("session", "")
    with client.session_transaction() as session:
        session["left_over"] = "from before signing in"
    sign_in_by_mail(client, mailbox, member.email)
    with client.session_transaction() as session:
        assert session["_user_id"] != str(member.id) and len(session["_user_id"]) >= 40
        # Flask-Login's hash of the address and user agent is gone, and so is what was
        # in the session before signing in.
        assert "_id" not in session and "left_over" not in session
    stored = db.session.scalars(db.select(MemberSession.key_hash)).all()
    assert len(stored) == 1 and session["_user_id"] not in stored


def test_a_cookie_copied_before_sign_out_is_a_visitor_after_it(app, client, mailbox, member, site):
    sign_in_by_mail(client, mailbox, member.email)
    thief = copy_of(app, client)
    assert signed_in(thief)
    assert not is_visitor_everywhere(thief, site)
    token = csrf_token(client, "/account")
    assert client.post("/signout", data={"csrf_token": token}).status_code == 303
    assert is_visitor_everywhere(thief, site)
    assert not signed_in(thief)
    assert not signed_in(client)
    assert db.session.scalar(db.select(db.func.count()).select_from(MemberSession)) == 0


def test_signing_out_in_one_browser_leaves_the_others_signed_in(app, mailbox, member):
    laptop, phone = app.test_client(), app.test_client()
    sign_in_by_mail(laptop, mailbox, member.email)
    sign_in_by_mail(phone, mailbox, member.email)
    laptop.post("/signout", data={"csrf_token": csrf_token(laptop, "/account")})
    assert not signed_in(laptop) and signed_in(phone)


def test_sign_out_everywhere_ends_every_session(app, mailbox, member, other_member):
    laptop, phone, other = app.test_client(), app.test_client(), app.test_client()
    sign_in_by_mail(laptop, mailbox, member.email)
    sign_in_by_mail(phone, mailbox, member.email)
    sign_in(other, other_member)
    page = phone.get("/account").get_data(as_text=True)
    assert "Sign out everywhere" in page
    token = csrf_token(phone, "/account")
    response = phone.post("/account/signout-everywhere", data={"csrf_token": token})
    assert response.status_code == 303
    assert not signed_in(laptop) and not signed_in(phone)
    assert signed_in(other)


def test_an_email_change_ends_the_other_sessions(app, mailbox, member):
    laptop, phone = app.test_client(), app.test_client()
    sign_in_by_mail(laptop, mailbox, member.email)
    sign_in_by_mail(phone, mailbox, member.email)
    token = csrf_token(laptop, "/account")
    data = {"csrf_token": token, "email": "moved@example.org"}
    laptop.post("/account/email", data=data).close()
    mail_service.send_queued()
    body = mailbox.messages[-1][1].get_body(("plain",)).get_content()
    link = SIGNIN_LINK.search(body).group(1)
    response = laptop.post(f"/signin/{link}", headers=SAME_SITE)
    assert response.location == "/account/email-confirmed"
    # The browser that confirmed stays signed in, on a new session; the other is out.
    assert signed_in(laptop) and not signed_in(phone)
    db.session.expire_all()
    assert db.session.get(User, member.id).email == "moved@example.org"


def test_the_lifetime_counts_from_sign_in_and_does_not_slide(app, client, mailbox, member):
    sign_in_by_mail(client, mailbox, member.email)
    name = app.config["SESSION_COOKIE_NAME"]
    with client.session_transaction() as cookie_session:
        signed_in_until = cookie_session["_expires"]
    assert abs(client.get_cookie(name).expires.timestamp() - signed_in_until) < 2
    # As if signed in long ago: a page with a form rewrites the cookie (its CSRF token)
    # without moving its expiry forward.
    soon = int(utcnow().replace(tzinfo=UTC).timestamp()) + 60
    with client.session_transaction() as cookie_session:
        cookie_session["_expires"] = soon
        cookie_session.pop("csrf_token", None)
    client.get("/account")
    assert abs(client.get_cookie(name).expires.timestamp() - soon) < 2
    session = db.session.scalar(db.select(MemberSession))
    lifetime = app.config["PERMANENT_SESSION_LIFETIME"]
    assert abs(session.expires_at - (session.created_at + lifetime)) < timedelta(seconds=1)
    session.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert not signed_in(client)


def test_a_forged_or_stale_session_key_is_a_visitor(client, member, site):
    for value in ("1", str(member.id), "x" * 500, "", 7, None, ["a"]):
        with client.session_transaction() as session:
            session["_user_id"] = value
        assert not signed_in(client), value
        # Topic and category pages load the member with the page (services/heads.py).
        for path in (site.topic, site.category, site.topic + "-wrong-slug", "/t/999999/x"):
            response = client.get(path)
            assert response.status_code in (200, 301, 404), (value, path)
            assert "Sign out" not in response.get_data(as_text=True), (value, path)


def test_a_session_ended_elsewhere_is_a_visitor_on_every_page(app, client, member, site):
    sign_in(client, member)
    assert "Sign out" in client.get(site.topic).get_data(as_text=True)
    with app.app_context():
        db.session.execute(db.delete(MemberSession).where(MemberSession.user_id == member.id))
        db.session.commit()
    for path in (site.topic, site.category, "/"):
        assert "Sign out" not in client.get(path).get_data(as_text=True), path


def test_member_pages_are_never_stored_by_a_cache(client, member):
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
    sign_in(client, member)
    for url in ("/", "/account", "/privacy"):
        assert client.get(url).headers["Cache-Control"] == "no-store", url
    assert "no-store" not in client.get("/static/style.css").headers.get("Cache-Control", "")


def test_production_cookies_carry_the_host_prefix(smtp_server, member):
    app = make_app(
        FORUM_ENV="production",
        SECRET_KEY="p" * 64,
        DATA_KEY=config.TestingConfig.DATA_KEY,
        SITE_URL="https://forum.example",
        MAIL_URL=smtp_server.url,
        RATELIMIT_STORAGE_URI="memory://",
    )
    client = app.test_client()
    base = "https://forum.example"
    client.post("/signin", data={"email": member.email}, headers=SAME_SITE, base_url=base).close()
    with app.app_context():
        mail_service.send_queued()
    body = smtp_server.messages[-1][1].get_body(("plain",)).get_content()
    token = re.search(r"https://forum.example/signin/([A-Za-z0-9_-]+)", body).group(1)
    response = client.post(f"/signin/{token}", headers=SAME_SITE, base_url=base)
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=")
    assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie
    page = client.get("/privacy/cookies", base_url=base).get_data(as_text=True)
    assert "__Host-session" in page


def test_unsubscribe_links_name_no_member_and_die_with_an_address_change(
    app, client, mailbox, member
):
    from forum.services import announcements

    token = announcements.unsubscribe_token(member)
    assert str(member.id) not in token.split("-") and len(token) >= 40
    assert client.get(f"/unsubscribe/{token}").status_code == 200
    sign_in(client, member)
    csrf = csrf_token(client, "/account")
    client.post("/account/email", data={"csrf_token": csrf, "email": "moved@example.org"}).close()
    mail_service.send_queued()
    body = mailbox.messages[-1][1].get_body(("plain",)).get_content()
    client.post(f"/signin/{SIGNIN_LINK.search(body).group(1)}", headers=SAME_SITE)
    assert app.test_client().get(f"/unsubscribe/{token}").status_code == 400


def test_a_remembered_cookie_check_ends_with_the_cookie_and_shares_no_data(app):
    """The session interface remembers cookies it verified (forum/security.py): what it
    hands out is a copy, a changed or re-signed cookie is checked afresh, and a cookie is
    refused once its signature's age passes the session lifetime, remembered or not."""
    import time

    from itsdangerous import TimestampSigner

    interface = app.session_interface
    name = app.config["SESSION_COOKIE_NAME"]
    serializer = interface.get_signing_serializer(app)

    def opened(value):
        with app.test_request_context("/", headers={"Cookie": f"{name}={value}"}):
            from flask import request

            return interface.open_session(app, request)

    value = serializer.dumps({"_user_id": "key-1", "csrf_token": "t"})
    first = opened(value)
    assert dict(first) == {"_user_id": "key-1", "csrf_token": "t"}
    first["_user_id"] = "changed in one request"
    assert opened(value)["_user_id"] == "key-1"
    # One character of the signature changed: a bad signature, whatever was remembered.
    # (Its first character: the last one's low bits are base64 padding, which a change
    # there can leave alone, so the test passed or failed with the signing time.)
    payload, _, signature = value.rpartition(".")
    tampered = f"{payload}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    assert dict(opened(tampered)) == {}

    # A cookie signed (lifetime - 2) seconds ago: good now, refused 3 seconds later.
    lifetime = int(app.permanent_session_lifetime.total_seconds())

    class Aged(TimestampSigner):
        def get_timestamp(self):
            return int(time.time()) - lifetime + 2

    aged = serializer.__class__(
        serializer.secret_keys,
        salt=serializer.salt,
        serializer=serializer.serializer,
        signer=Aged,
        signer_kwargs=serializer.signer_kwargs,
    ).dumps({"_user_id": "key-2"})
    assert opened(aged)["_user_id"] == "key-2"
    time.sleep(3.1)
    assert dict(opened(aged)) == {}
