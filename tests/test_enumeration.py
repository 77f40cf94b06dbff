"""No form tells a stranger whether an address belongs to a member."""

import statistics
import threading
import time

from forum.extensions import db
from forum.models import User
from forum.services import mail as mail_service
from tests.helpers import SAME_SITE, SIGNIN_LINK, make_app


def register(client, username, email, read=True):
    """Register; reading the whole answer runs the deferred registration, as in production."""
    data = {"username": username, "email": email}
    response = client.post("/register", data=data, headers=SAME_SITE)
    if read:
        response.get_data()
    return response


def test_registering_a_members_address_answers_as_for_a_new_one(client, mailbox, member):
    new = register(client, "newcomer", "newcomer@example.org")
    taken = register(client, "another", member.email.upper())
    assert (
        (new.status_code, new.location)
        == (taken.status_code, taken.location)
        == (
            303,
            "/signin/sent?welcome=1",
        )
    )
    assert new.get_data() == taken.get_data()
    assert "Set-Cookie" not in taken.headers
    page_new = client.get(new.location).get_data(as_text=True)
    page_taken = client.get(taken.location).get_data(as_text=True)
    assert page_new == page_taken
    # No second account; the owner is told, with a link in case it was them.
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 2
    mail_service.send_queued()
    notice = next(m for _, m in mailbox.messages if m["To"] == member.email)
    text = notice.get_body(("plain",)).get_content()
    assert "Someone asked to register" in text and SIGNIN_LINK.search(text)
    assert "another" not in text  # the stranger's chosen name is not echoed


def test_registering_a_members_address_takes_the_same_order_of_time(app, client, member):
    app.config.update(LIMIT_REGISTER="1000 per hour", LIMIT_SIGNIN_ADDRESS="1000 per hour")

    def median(address_for) -> float:
        times = []
        for n in range(15):
            started = time.perf_counter()
            register(client, f"name{n}x{len(times)}", address_for(n), read=False).close()
            times.append(time.perf_counter() - started)
        return statistics.median(times)

    # The deferred work (creating the account, or mailing the owner) runs on close, after
    # the timed answer, as it runs after the response is sent in production.
    known = median(lambda n: member.email)
    unknown = median(lambda n: f"fresh{n}@example.org")
    assert max(known, unknown) / min(known, unknown) < 3, (known, unknown)


def test_the_notice_to_an_owner_counts_against_the_per_address_limit(app, client, mailbox, member):
    app.config.update(LIMIT_SIGNIN_ADDRESS="2 per hour")
    answers = {register(client, f"try{n}", member.email).status_code for n in range(4)}
    assert answers == {303}
    mail_service.send_queued()
    assert len([m for _, m in mailbox.messages if m["To"] == member.email]) == 2


def test_two_registrations_racing_for_one_address_make_one_account(_schema, smtp_server):
    app = make_app(MAIL_URL=smtp_server.url, LIMIT_REGISTER="100 per minute")
    with app.app_context():
        from tests.helpers import empty_tables

        empty_tables()
    barrier = threading.Barrier(4)
    statuses = []

    def attempt(n):
        client = app.test_client()
        barrier.wait(timeout=10)
        statuses.append(register(client, f"racer{n}", "race@example.org").status_code)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert statuses == [303] * 4
    with app.app_context():
        owners = db.session.scalars(db.select(User).where(User.has_email("race@example.org"))).all()
        assert len(owners) == 1
        db.session.remove()
