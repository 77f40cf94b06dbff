"""Old support requests are erased by `purge`; public answers outlive their sender's words."""

from datetime import timedelta

from forum.extensions import db
from forum.models import SupportAnswer, SupportEvent, SupportRequest, utcnow
from forum.services.retention import erase_old_support_requests


def _request(subject, state, days_ago, **extra):
    moment = utcnow() - timedelta(days=days_ago)
    row = SupportRequest(
        kind="support", state=state, subject=subject, message=f"{subject} from ada@example.org",
        email="ada@example.org", ip="198.51.100.9", created_at=moment, updated_at=moment, **extra,
    )  # fmt: skip
    db.session.add(row)
    db.session.flush()
    db.session.add(SupportEvent(request_id=row.id, action="note", body="Called ada back"))
    return row


def test_purge_erases_old_handled_requests_and_keeps_public_answers(app, client, runner):
    gone = _request("Old closed", "closed", 400)
    behind_answer = _request("Old published", "published", 400)
    waiting = _request("Old but never handled", "new", 400)
    recent = _request("Recent answered", "answered", 10)
    db.session.add(
        SupportAnswer(
            request_id=behind_answer.id, kind="support", title="How to sign in", slug="sign-in",
            question="How do I sign in?", answer_source="By link.", answer_html="<p>By link.</p>",
            published=True,
        )
    )  # fmt: skip
    db.session.commit()
    ids = {r.id for r in (gone, behind_answer, waiting, recent)}

    result = runner.invoke(args=["purge"])
    assert "Purged 2 old support requests." in result.output

    db.session.expire_all()
    rows = {r.id: r for r in db.session.scalars(db.select(SupportRequest))}
    assert set(rows) == ids - {gone.id}
    kept = rows[behind_answer.id]
    assert (kept.subject, kept.message, kept.email, kept.ip) == ("(erased)", "", None, None)
    assert rows[waiting.id].email == rows[recent.id].email == "ada@example.org"
    events = set(db.session.scalars(db.select(SupportEvent.request_id)))
    assert events == {waiting.id, recent.id}
    assert "How to sign in" in client.get("/support/answers").get_data(as_text=True)


def test_nothing_to_erase_is_fine(app):
    assert erase_old_support_requests() == 0
