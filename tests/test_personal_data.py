"""Personal data under guard: no email or address on any staff page until the agreement is
accepted and a reveal is asked for with a reason; every reveal is audited; network tags tell
networks apart without addresses; purge erases exactly what is past retention."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import (
    LoginToken,
    ModerationLog,
    NetworkTagKey,
    Post,
    RevealLog,
    SupportRequest,
    User,
    utcnow,
)
from forum.services import accounts as accounts_service
from forum.services import disclosure, network, reports, retention, sanctions
from forum.services import export as export_service
from forum.services import forum as forum_service
from forum.services import support as support_service
from tests.helpers import csrf_token, sign_in, token_in

EMAILS = ("juniper@example.org", "tomasz@example.org", "visitor-asks@example.net")
IPS = ("198.51.100.23", "198.51.100.77", "2001:db8:1234:5678::9", "203.0.113.200", "192.0.2.44")


@pytest.fixture
def seeded(app, member, other_member, moderator, admin, category):
    """Known emails and addresses beside posts, sign-ins, a registration and support."""
    member.signup_ip = IPS[4]
    topic = forum_service.create_topic(category, member, "Seeded", "First.", ip=IPS[0])
    reply = forum_service.reply(topic, other_member, "Second.", ip=IPS[1])
    forum_service.reply(topic, other_member, "Third.", ip=IPS[2])
    accounts_service._issue(other_member, "signin", IPS[3])
    request = support_service.submit_request(
        support_service.Submission("support", "Help", "Question.", EMAILS[2], False, None, IPS[3])
    )
    reports.report_post(reply, member, "Looks like spam.")
    db.session.commit()
    return {"topic": topic, "reply": reply, "request": request}


def staff_get_urls(app, values) -> list[str]:
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if not rule.rule.startswith("/staff") or "GET" not in rule.methods:
                continue
            args = {name: values[name] for name in rule.arguments}
            urls.append(app.url_for(rule.endpoint, **args))
    return urls


def _values(seeded, member, other_member, category):
    return {
        "topic_id": seeded["topic"].id,
        "post_id": seeded["reply"].id,
        "request_id": seeded["request"].id,
        "username": other_member.username,
        "category_id": category.id,
    }


def _pages(client, app, values, extra=()):
    for url in [*staff_get_urls(app, values), *extra]:
        response = client.get(url)
        yield url, response.status_code, response.get_data(as_text=True)


def _no_personal_data(pages):
    seen = 0
    for url, status, html in pages:
        seen += 1
        for value in EMAILS + IPS:
            assert value not in html, f"{value} shown on {url} ({status})"
    return seen


def test_no_staff_page_shows_an_email_or_address_without_a_reveal(
    app, client, seeded, member, other_member, moderator, admin, category
):
    values = _values(seeded, member, other_member, category)
    extra = [
        f"/staff/members/{member.username}",
        "/staff/members?q=j",
        "/staff/log",
        f"/t/{seeded['topic'].id}/seeded",
    ]
    sign_in(client, moderator)
    assert _no_personal_data(_pages(client, app, values, extra)) >= 12
    # Having accepted the agreement changes nothing until something is revealed.
    disclosure.accept_agreement(moderator, disclosure.current_agreement().version)
    db.session.commit()
    pages = list(_pages(client, app, values, extra))
    _no_personal_data(pages)
    assert any("/staff/reveal?source=post" in html for _, _, html in pages)
    sign_in(client, admin)
    _no_personal_data(_pages(client, app, values, extra))
    assert db.session.scalar(select(func.count(RevealLog.id))) == 0


def _reveal(client, source, source_id, field, reason):
    url = f"/staff/reveal?source={source}&id={source_id}&field={field}"
    page = client.get(url)
    if page.status_code != 200:
        return page
    token = token_in(page.get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, "reason": reason})


def audit_count() -> int:
    return db.session.scalar(select(func.count(RevealLog.id)))


def test_every_reveal_writes_exactly_one_audit_record(
    app, client, seeded, member, other_member, moderator, admin
):
    sign_in(client, moderator)
    refused = _reveal(client, "post", seeded["reply"].id, "ip", "Checking spam.")
    assert refused.status_code == 403 and audit_count() == 0
    client.post(
        "/staff/agreement",
        data={
            "csrf_token": csrf_token(client, "/staff/agreement"),
            "version": "1",
            "accept": "y",
        },
    )
    assert disclosure.accepted_version(db.session.get(User, moderator.id)) == 1
    no_reason = _reveal(client, "post", seeded["reply"].id, "ip", "")
    assert no_reason.status_code == 422 and audit_count() == 0
    cases = [
        ("post", seeded["reply"].id, "ip", IPS[1], other_member.id),
        ("member", member.id, "email", EMAILS[0], member.id),
        ("member", member.id, "ip", IPS[4], member.id),
        ("support", seeded["request"].id, "email", EMAILS[2], None),
        ("support", seeded["request"].id, "ip", IPS[3], None),
        (
            "signin",
            db.session.scalar(select(LoginToken.id).where(LoginToken.user_id == other_member.id)),
            "ip",
            IPS[3],
            other_member.id,
        ),
    ]
    for n, (source, source_id, field, value, subject) in enumerate(cases, start=1):
        response = _reveal(client, source, source_id, field, f"Case {n}: abuse report")
        assert response.status_code == 200, (source, field)
        assert value in response.get_data(as_text=True)
        assert response.headers["Cache-Control"] == "no-store"
        assert audit_count() == n
        record = db.session.scalar(select(RevealLog).order_by(RevealLog.id.desc()).limit(1))
        assert (record.staff_id, record.subject_id, record.source, record.field) == (
            moderator.id,
            subject,
            source,
            field,
        )
        assert record.reason == f"Case {n}: abuse report"
    for bad in (
        "source=user&id=1&field=email",
        "source=post&id=x&field=ip",
        "source=post&id=1&field=email",
        "source=post&id=99999999999&field=ip",
    ):
        assert client.get(f"/staff/reveal?{bad}").status_code == 404
    assert audit_count() == len(cases)
    # The audit log is for admins; the member sees the reveals of their data in the export.
    assert client.get("/staff/audit").status_code == 403
    sign_in(client, admin)
    audit = client.get(f"/staff/audit?member={member.username}").get_data(as_text=True)
    assert "Case 2: abuse report" in audit and "Case 1: abuse report" not in audit
    assert EMAILS[0] not in audit and IPS[4] not in audit
    reveals = export_service.export_member(db.session.get(User, member.id))["staff_reveals"]
    assert [r["reason"] for r in reveals] == ["Case 2: abuse report", "Case 3: abuse report"]
    assert all(r["staff"] == moderator.username for r in reveals)


def test_a_new_agreement_version_needs_a_new_acceptance(app, client, seeded, moderator, admin):
    disclosure.accept_agreement(moderator, 1)
    db.session.commit()
    sign_in(client, moderator)
    assert _reveal(client, "post", seeded["reply"].id, "ip", "Spam check").status_code == 200
    new = disclosure.publish_agreement(
        admin, disclosure.current_agreement().body + "\n\n7. New rule."
    )
    db.session.commit()
    assert new.version == 2
    assert _reveal(client, "post", seeded["reply"].id, "ip", "Spam check").status_code == 403
    page = client.get("/staff/agreement").get_data(as_text=True)
    assert "New rule." in page and "You accepted version 1" in page
    with pytest.raises(disclosure.ServiceError):
        disclosure.accept_agreement(moderator, 1)
    disclosure.accept_agreement(moderator, 2)
    db.session.commit()
    assert _reveal(client, "post", seeded["reply"].id, "ip", "Spam check").status_code == 200
    assert audit_count() == 2


def test_network_tags_match_within_a_network_and_a_period_only(app):
    now = datetime(2026, 11, 25, 12, 0)
    same = network.tag_for("198.51.100.23", now), network.tag_for("198.51.100.250", now)
    assert same[0] == same[1] and len(same[0]) == network.TAG_LENGTH
    assert network.tag_for("198.51.101.23", now) != same[0]
    assert network.tag_for("::ffff:198.51.100.9", now) == same[0]
    v6 = network.tag_for("2001:db8:1234:1::1", now), network.tag_for("2001:db8:1234:ffff::2", now)
    assert v6[0] == v6[1] and network.tag_for("2001:db8:1235::1", now) != v6[0]
    assert network.tag_for("not an address", now) is None and network.tag_for(None, now) is None
    db.session.commit()
    # Next period: a new secret, the old one destroyed, the same network gets another tag.
    later = now + timedelta(days=app.config["NETWORK_TAG_DAYS"])
    assert network.tag_for("198.51.100.23", later) != same[0]
    db.session.commit()
    assert network.live_periods() == [network.period_of(later)]
    assert "198.51.100" not in " ".join(
        row.secret for row in db.session.scalars(select(NetworkTagKey))
    )


def test_posts_made_from_one_network_show_one_tag_to_staff(
    app, client, member, other_member, moderator, category
):
    topic = forum_service.create_topic(category, member, "Tags", "From home.", ip="203.0.113.5")
    puppet = forum_service.reply(topic, other_member, "Me too!", ip="203.0.113.99")
    stranger = forum_service.reply(topic, member, "Elsewhere.", ip="192.0.2.1")
    db.session.commit()
    first = db.session.scalar(select(Post).where(Post.topic_id == topic.id, Post.position == 1))
    assert first.network_tag == puppet.network_tag != stranger.network_tag
    sign_in(client, moderator)
    page = client.get(f"/staff/posts/{puppet.id}").get_data(as_text=True)
    assert puppet.network_tag in page and member.username in page and "203.0.113" not in page
    html = client.get(f"/t/{topic.id}/tags").get_data(as_text=True)
    assert f"net {puppet.network_tag}" in html
    visitor = app.test_client().get(f"/t/{topic.id}/tags").get_data(as_text=True)
    assert puppet.network_tag not in visitor


def test_purge_erases_exactly_what_is_past_retention(app, runner, member, other_member, category):
    start = utcnow()
    days = app.config["IP_RETENTION_DAYS"]
    old = forum_service.create_topic(category, member, "Old", "Old post.", ip="198.51.100.1")
    db.session.flush()
    old_post = db.session.scalar(select(Post).where(Post.topic_id == old.id))
    old_post.created_at = start - timedelta(days=days + 1)
    new_post = forum_service.reply(old, other_member, "New post.", ip="198.51.100.2")
    accounts_service._issue(member, "signin", "198.51.100.3")
    db.session.flush()
    old_token = db.session.scalar(select(LoginToken))
    old_token.created_at = start - timedelta(days=days + 1)
    accounts_service._issue(other_member, "signin", "198.51.100.4")
    unconfirmed = User(username="ghost", username_key="ghost", email="ghost@example.org")
    unconfirmed.created_at = start - timedelta(days=8)
    fresh = User(username="fresh", username_key="fresh", email="fresh@example.org")
    db.session.add_all([unconfirmed, fresh])
    support = support_service.submit_request(
        support_service.Submission("support", "S", "M", None, False, None, "198.51.100.5")
    )
    support.created_at = start - timedelta(days=days + 1)
    db.session.commit()
    before = {
        "posts": db.session.scalar(select(func.count(Post.id))),
        "log": db.session.scalar(select(func.count(ModerationLog.id))),
    }

    # Nothing is past retention yet one day earlier: run the purge with the clock a day back.
    early = retention.purge_all(start - timedelta(days=2))
    assert early["network addresses"] == 0 and early["unconfirmed accounts"] == 0

    counts = retention.purge_all(start)
    db.session.expire_all()
    assert db.session.get(Post, old_post.id).ip is None
    assert db.session.get(Post, old_post.id).network_tag is None
    assert db.session.get(Post, new_post.id).ip == "198.51.100.2"
    assert db.session.get(Post, new_post.id).network_tag is not None
    tokens = db.session.scalars(select(LoginToken)).all()
    assert [t.ip for t in tokens] == ["198.51.100.4"]
    assert db.session.get(SupportRequest, support.id).ip is None
    assert db.session.scalar(select(User).where(User.username == "ghost")) is None
    assert db.session.scalar(select(User).where(User.username == "fresh")) is not None
    assert counts["network addresses"] == 2 and counts["unconfirmed accounts"] == 1
    assert counts["support request addresses"] == 1
    assert db.session.scalar(select(func.count(Post.id))) == before["posts"]
    # Run again at once (cron, hourly): nothing more to do.
    again = retention.purge_all(start)
    assert again["network addresses"] == 0 and again["unconfirmed accounts"] == 0
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0 and "network addresses" in result.output


def test_deleting_an_account_anonymises_the_logs(app, client, member, moderator, admin, topic):
    sanctions.suspend(member, moderator, 1, "Cooling off.")
    disclosure.accept_agreement(admin, 1)
    db.session.commit()
    disclosure.reveal(admin, "member", member.id, "email", "Support question")
    db.session.commit()
    from forum.services.deletion import delete_account

    delete_account(db.session.get(User, member.id), erase_posts=False)
    db.session.commit()
    assert db.session.scalar(select(ModerationLog.member_id)) is None
    assert db.session.scalar(select(RevealLog.subject_id)) is None
    assert db.session.scalar(select(func.count(Post.id)).where(Post.ip.is_not(None))) == 0


def test_a_tampered_agreement_version_is_refused_plainly(client, moderator):
    sign_in(client, moderator)
    for version in ("abc", "99999999999999999999", "-1", "", "1\x00x"):
        token = csrf_token(client, "/staff/agreement")
        response = client.post(
            "/staff/agreement", data={"csrf_token": token, "version": version, "accept": "y"}
        )
        assert response.status_code == 422, version
    assert disclosure.accepted_version(db.session.get(User, moderator.id)) is None
