"""Disclosures on the record and the public transparency report (issue 21, items 4 and 5).

A disclosure hands over values through the staff reveal path (one audit record each); the
member is told at once, or, when notice is deferred, only once `purge` runs on or after the
day (a moving clock: purge_all(now=...)). /transparency counts per half-year, without a
cookie, and agrees with the audit log and the records.
"""

import re
from collections import Counter
from datetime import date, datetime, timedelta

import feedparser
import pytest
from sqlalchemy import func, select, update

from forum.extensions import db
from forum.models import DisclosureRecord, Notice, RevealLog, User, utcnow
from forum.services import disclosure, retention, transparency
from forum.services import export as export_service
from forum.services import forum as forum_service
from forum.services.deletion import delete_account
from forum.services.transparency_report import half_of
from tests.helpers import ROOT, csrf_token, deliver, sign_in

POST_IP = "198.51.100.61"


@pytest.fixture
def agreed_admin(admin):
    disclosure.accept_agreement(admin, disclosure.current_agreement().version)
    db.session.commit()
    return admin


def _form(client, **values) -> dict:
    data = {
        "csrf_token": csrf_token(client, "/staff/disclosures"),
        "member": "juniper",
        "kind": "authority",
        "requester": "Metropolitan Police, case office",
        "basis": "Production order 2026/114 under the Police and Criminal Evidence Act",
        "received_on": utcnow().date().isoformat(),
        "fields_asked": ["email", "post_ips"],
        "fields_given": ["email", "post_ips"],
    }
    data.update(values)
    return data


def _member_sees(member_id: int) -> tuple[dict, list[str]]:
    """The member's export and their notices' texts, read afresh."""
    db.session.expire_all()
    user = db.session.get(User, member_id)
    notices = db.session.scalars(select(Notice.text).where(Notice.member_id == member_id)).all()
    return export_service.export_member(user), notices


def test_a_deferred_disclosure_reaches_the_member_only_on_its_day(
    client, agreed_admin, member, category
):
    forum_service.create_topic(category, member, "Mine", "A post.", ip=POST_IP)
    db.session.commit()
    sign_in(client, agreed_admin)
    today = utcnow().date()
    later = today + timedelta(days=30)
    response = client.post("/staff/disclosures", data=_form(client, notify_after=later.isoformat()))
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert response.headers["Cache-Control"] == "no-store"
    # The admin is shown what to hand over, read from the sealed columns.
    assert "juniper@example.org" in page and POST_IP in page
    assert f"will be told on {later.isoformat()}" in page
    record = db.session.scalar(select(DisclosureRecord))
    assert record.outcome == "full" and record.told_at is None
    # Each value went through the reveal path: one audit record each, naming the record.
    reveals = db.session.scalars(select(RevealLog)).all()
    assert sorted((r.source, r.field) for r in reveals) == [("member", "email"), ("post", "ip")]
    assert {r.disclosure_id for r in reveals} == {record.id}
    assert {r.staff_id for r in reveals} == {agreed_admin.id}
    # Sealed like the columns it came from: the stored text holds no address.
    raw = db.session.execute(db.text("SELECT handed_over FROM disclosure_records")).scalar()
    assert "juniper@example.org" not in raw and POST_IP not in raw

    for moment in (utcnow(), datetime.combine(later, datetime.min.time()) - timedelta(minutes=1)):
        retention.purge_all(now=moment)
        exported, notices = _member_sees(member.id)
        assert exported["disclosures"] == [] and notices == [], moment
        assert exported["staff_reveals"] == [], "the reveals would give the request away"

    counts = retention.purge_all(now=datetime.combine(later, datetime.min.time()))
    assert counts["deferred disclosure notices given"] == 1
    exported, notices = _member_sees(member.id)
    [told] = exported["disclosures"]
    assert told["handed_over"] == {"email": ["juniper@example.org"], "post_ips": [POST_IP]}
    assert told["requested_by"] == "Metropolitan Police, case office"
    assert told["notice_deferred_until"] == later.isoformat()
    assert len(exported["staff_reveals"]) == 2
    assert len(notices) == 1 and "Metropolitan Police" in notices[0]
    # Told once: a later purge tells no one again.
    later_counts = retention.purge_all(now=datetime.combine(later, datetime.min.time()))
    assert later_counts["deferred disclosure notices given"] == 0
    assert db.session.get(User, member.id).unread_notices == 1


def test_a_member_who_chose_mail_gets_the_deferred_notice_by_mail_on_its_day(
    client, runner, agreed_admin, member, mailbox
):
    member.notice_mail = True
    db.session.commit()
    sign_in(client, agreed_admin)
    later = utcnow().date() + timedelta(days=3)
    form = _form(
        client, notify_after=later.isoformat(), fields_asked=["email"], fields_given=["email"]
    )
    assert client.post("/staff/disclosures", data=form).status_code == 200
    result = runner.invoke(args=["purge"])
    assert "Deferred disclosure notices given: 0." in result.output, result.output
    assert deliver(mailbox) == []
    retention.purge_all(now=datetime.combine(later, datetime.min.time()) + timedelta(hours=1))
    [message] = deliver(mailbox)
    assert message["To"] == "juniper@example.org"
    assert message["Subject"].endswith("A request for your personal data")
    assert "Metropolitan Police" in message.get_body(("plain",)).get_content()


def test_a_disclosure_without_deferral_is_told_at_once_on_the_account_page(
    client, agreed_admin, member
):
    sign_in(client, agreed_admin)
    form = _form(client, fields_asked=["email", "signup_ip"], fields_given=["email"])
    assert client.post("/staff/disclosures", data=form).status_code == 200
    record = db.session.scalar(select(DisclosureRecord))
    assert record.outcome == "partial" and record.told_at is not None
    sign_in(client, member)
    assert "Metropolitan Police" in client.get("/account").get_data(as_text=True)
    exported = client.get("/account/data.json").get_json()
    assert exported["disclosures"][0]["fields_handed_over"] == ["email"]
    assert exported["disclosures"][0]["fields_asked"] == ["email", "signup_ip"]


def test_a_refusal_hands_nothing_over_and_needs_no_agreement(client, admin, member):
    sign_in(client, admin)
    response = client.post("/staff/disclosures", data=_form(client, fields_given=[]))
    assert response.status_code == 200
    assert "juniper@example.org" not in response.get_data(as_text=True)
    record = db.session.scalar(select(DisclosureRecord))
    assert record.outcome == "refused" and record.handed_over is None
    assert db.session.scalar(select(func.count(RevealLog.id))) == 0
    # Handing anything over does need the agreement.
    response = client.post("/staff/disclosures", data=_form(client))
    assert response.status_code == 422
    assert "confidentiality agreement" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(DisclosureRecord.id))) == 1


def test_only_admins_record_disclosures(client, moderator, member):
    sign_in(client, moderator)
    assert client.get("/staff/disclosures").status_code == 403
    sign_in(client, member)
    assert client.get("/staff/disclosures").status_code == 403


def _record(admin, member, received_on, given=("email",), asked=("email",)):
    draft = transparency.DisclosureDraft(
        member.username,
        "authority",
        "A court",
        "Order 12 of the court",
        received_on,
        list(asked),
        list(given),
    )
    record, _ = transparency.record_disclosure(admin, draft)
    return record


def _page_counts(html: str) -> dict[str, list[str]]:
    """Each half-year row of the page: its six counts, as shown."""
    rows = re.findall(r'<tr id="(\d{4}-H[12])">(.*?)</tr>', html, re.S)
    return {key: re.findall(r'<td class="num"[^>]*>([^<]*)</td>', body) for key, body in rows}


def test_the_page_counts_requests_members_and_reveals_as_the_log_has_them(
    app, client, agreed_admin, member, other_member
):
    today = utcnow().date()
    now_half = half_of(today)
    last_half = half_of(now_half.start - timedelta(days=1))
    in_last = last_half.start + timedelta(days=10)
    _record(agreed_admin, member, in_last)
    _record(agreed_admin, member, in_last + timedelta(days=1), given=("email",))
    _record(agreed_admin, other_member, in_last, given=(), asked=("email", "signup_ip"))
    _record(agreed_admin, other_member, today, given=("email",), asked=("email", "signup_ip"))
    disclosure.reveal(agreed_admin, "member", member.id, "email", "Checking an abuse report")
    db.session.commit()
    # Move the reveals of the first two records into the last half-year, as if made then.
    moved = select(RevealLog.id).order_by(RevealLog.id).limit(2).scalar_subquery()
    db.session.execute(
        update(RevealLog)
        .where(RevealLog.id.in_(moved))
        .values(created_at=datetime.combine(in_last, datetime.min.time()))
    )
    db.session.commit()

    response = client.get("/transparency")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    html = response.get_data(as_text=True)
    shown = _page_counts(html)
    # The audit log, counted here on its own, by half-year.
    logged = Counter(
        half_of(r.created_at.date()).key for r in db.session.scalars(select(RevealLog))
    )
    assert logged == {last_half.key: 2, now_half.key: 2}
    #                requests, full, partial, refused, members, reveals
    assert shown[last_half.key] == ["3", "2", "0", "1", "1", str(logged[last_half.key])]
    assert shown[now_half.key] == ["1", "0", "1", "0", "1", str(logged[now_half.key])]
    assert "publish every count exactly" in html

    api = client.get("/api/stats?dimension=transparency")
    assert "Set-Cookie" not in api.headers
    rows = {r["half_year"]: r for r in api.get_json()["transparency"]["half_years"]}
    assert rows[last_half.key]["reveals"] == 2 and rows[now_half.key]["partial"] == 1
    assert rows[now_half.key]["in_progress"] is True

    one = client.get(f"/transparency?half={last_half.key}").get_data(as_text=True)
    assert list(_page_counts(one)) == [last_half.key]

    feed = client.get("/transparency.atom")
    assert "Set-Cookie" not in feed.headers
    parsed = feedparser.parse(feed.data)
    assert not parsed.bozo and len(parsed.entries) == 2
    assert "Staff reveals of an email or IP address: 2" in parsed.entries[1].content[0].value


def test_small_counts_can_be_folded_and_the_page_says_so(app, client):
    # The admins' choice is a setting, read on every request.
    app.config["TRANSPARENCY_SMALL_COUNTS"] = "folded"
    response = client.get("/transparency")
    html = response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers
    assert 'as "fewer than 3", zero included' in html
    key = half_of(utcnow().date()).key
    assert _page_counts(html)[key] == ["fewer than 3"] * 6
    api = client.get("/api/stats?dimension=transparency").get_json()["transparency"]
    assert api["small_counts"] == "folded"
    assert api["half_years"][0]["requests"] == "fewer than 3"


def test_a_deleted_member_leaves_the_counts_but_no_link(client, agreed_admin, member):
    today = utcnow().date()
    _record(agreed_admin, member, today)
    _record(agreed_admin, member, today)
    db.session.commit()
    before = _page_counts(client.get("/transparency").get_data(as_text=True))
    delete_account(db.session.get(User, member.id), erase_posts=True)
    db.session.commit()
    after = _page_counts(client.get("/transparency").get_data(as_text=True))
    assert after == before and after[half_of(today).key][4] == "1"
    for record in db.session.scalars(select(DisclosureRecord)):
        assert record.member_id is None and record.handed_over is None and record.basis == ""
        assert record.requester == "A court"  # who asked, when and the outcome stay


HOSTILE = [
    "",
    "\x00",
    "a\x00b",
    "\u202e" + "x" * 40,
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "ü" * 40,
    "x" * 5000,
    "-1",
    "9" * 40,
    "2026-02-30",
    "0001-01-01",
    "1999-12-31",
    "9999-12-31",
    "\uff12\uff10\uff12\uff16-\uff10\uff11-\uff10\uff11",  # full-width digits
]


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_every_field_takes_hostile_input_without_a_server_error(
    client, agreed_admin, member, value
):
    sign_in(client, agreed_admin)
    for name in (
        "member",
        "kind",
        "requester",
        "basis",
        "received_on",
        "fields_asked",
        "fields_given",
        "notify_after",
    ):
        response = client.post("/staff/disclosures", data=_form(client, **{name: value}))
        assert response.status_code in (200, 422), (name, value, response.status_code)
    for name in ("half", "page"):
        response = client.get("/transparency", query_string={name: value})
        assert response.status_code in (200, 400, 404), (name, value)
        response = client.get("/staff/disclosures", query_string={name: value})
        assert response.status_code in (200, 400, 404), (name, value)
    response = client.get("/api/stats", query_string={"dimension": value})
    assert response.status_code == 400
    # Whatever was refused, nothing accepted was stored unchecked.
    for record in db.session.scalars(select(DisclosureRecord)):
        assert date(2000, 1, 1) <= record.received_on <= utcnow().date()
        assert record.member_id == member.id and record.kind in ("authority", "protection")


def test_a_huge_form_is_refused_before_any_view(client, agreed_admin, member):
    sign_in(client, agreed_admin)
    response = client.post("/staff/disclosures", data=_form(client, basis="x" * 300_000))
    assert response.status_code == 413


def test_a_half_year_is_checked(client):
    assert client.get("/transparency?half=2026-H3").status_code == 400
    assert client.get("/transparency?half=1999-H2").status_code == 400
    future = half_of(utcnow().date() + timedelta(days=200))
    assert client.get(f"/transparency?half={future.key}").status_code == 404
    assert client.get("/transparency?half=2001-H1").status_code == 200


def test_refused_dates_and_names_are_said_on_the_form(client, agreed_admin, member):
    sign_in(client, agreed_admin)
    tomorrow = (utcnow().date() + timedelta(days=1)).isoformat()
    cases = {
        "member": ("nobody-here", "no member with that username"),
        "received_on": (tomorrow, "between 2000 and today"),
        "notify_after": (utcnow().date().isoformat(), "a day after today"),
        "fields_given": (["email", "signin_ips"], "only what was asked for"),
    }
    for name, (value, message) in cases.items():
        response = client.post("/staff/disclosures", data=_form(client, **{name: value}))
        assert response.status_code == 422, name
        assert message in response.get_data(as_text=True), name
    assert db.session.scalar(select(func.count(DisclosureRecord.id))) == 0


def test_the_footer_and_the_privacy_pages_link_the_report(client):
    for url in ("/", "/privacy", "/privacy/data"):
        assert 'href="/transparency"' in client.get(url).get_data(as_text=True), url


def test_the_policy_the_data_page_and_the_readme_say_what_is_sealed_and_counted(client):
    policy = " ".join(client.get("/privacy").get_data(as_text=True).split())
    for phrase in (
        "stored <strong>sealed</strong>",
        "What a disclosure handed over is sealed the same way",
        "only when the law requires it",
        "complied with in full, in part, or refused",
        "how many times staff revealed an email or network address",
        'href="/transparency"',
    ):
        assert phrase in policy, phrase
    data = " ".join(client.get("/privacy/data").get_data(as_text=True).split())
    assert "What was handed over from your data" in data
    assert "requests received, complied with in full, in part or refused, members affected" in data
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    for phrase in (
        "`disclosure_records.handed_over`) is sealed",
        "## Transparency",
        "`TRANSPARENCY_SMALL_COUNTS`",
        "how many were complied with in full, in part or refused",
    ):
        assert phrase in readme, phrase


def test_the_report_costs_a_few_queries_whatever_was_recorded(
    client, agreed_admin, member, count_queries
):
    day = utcnow().date()
    for n in range(12):
        _record(agreed_admin, member, day - timedelta(days=40 * n))
    db.session.commit()
    for url in ("/transparency", "/transparency.atom", "/api/stats?dimension=transparency"):
        with count_queries() as queries:
            assert client.get(url).status_code == 200
        # Two for the report; the API adds the visitor statistics' own.
        assert queries.count <= (2 if "api" not in url else 12), (url, queries.statements)
    feed = feedparser.parse(client.get("/transparency.atom").data)
    assert len(feed.entries) == len({half_of(day - timedelta(days=40 * n)) for n in range(12)})
