"""Mail: queued in the outbox with what caused it, sent after the response, retried.

A view queues (`queue`), commits, then calls views.send_mail_after_response(). Whatever
cannot go at once stays in the outbox for the next send or for `flask --app wsgi mail
send-queued`.
"""

from datetime import datetime, timedelta

from flask import current_app, render_template
from flask_babel import force_locale, get_locale
from sqlalchemy import delete, or_, select, update

from ..extensions import db
from ..mail_transports import (
    MESSAGE_ERRORS,
    build_message,
    describe_error,
    make_message_id,
    transport_from_url,
)
from ..models import OutboxMessage, utcnow

# A claimed message is not due again before this: longer than any one send can take.
CLAIM_LEASE = timedelta(minutes=5)
FIRST_RETRY = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=6)
# After a response the worker sends a few, then goes back to serving requests.
AFTER_RESPONSE_LIMIT = 10


def queue(
    to: str,
    subject: str,
    template: str,
    expires_at: datetime | None = None,
    unsubscribe_url: str | None = None,
    locale: str | None = None,
    **context,
) -> OutboxMessage:
    """Render mail/<template>.txt and .html into an outbox row; the caller commits.

    Commit it in the same transaction as what caused it, then (in a view) call
    views.send_mail_after_response(). Past `expires_at` (naive UTC) the message is dropped unsent.
    With `unsubscribe_url`, the message carries List-Unsubscribe headers (RFC 8058) and
    the templates get it as `unsubscribe_url`.
    `locale`: the recipient's language (a member's choice); None writes in the language of
    the request that causes the mail, if any, else English. `subject` may be a lazy string,
    translated here in that language.
    """
    with force_locale(locale or _request_locale()):
        subject = str(subject)
        text_body, html_body = render(template, subject, unsubscribe_url, **context)
    if any(c in to + subject + (unsubscribe_url or "") for c in "\r\n"):
        raise ValueError("a mail address or subject cannot hold a line break")
    now = utcnow()
    message = OutboxMessage(
        to_address=to,
        subject=subject,
        text_body=text_body,
        html_body=html_body,
        created_at=now,
        next_attempt_at=now,
        # Nothing waits forever: a message the server keeps refusing is dropped in the end.
        expires_at=expires_at or now + timedelta(days=current_app.config["MAIL_MAX_AGE_DAYS"]),
        message_id=make_message_id(current_app.config["MAIL_FROM"]),
        unsubscribe_url=unsubscribe_url,
    )
    db.session.add(message)
    return message


def _request_locale() -> str:
    # A visitor's mail (a sign-in link, a support receipt) follows the page they sent it from.
    return str(get_locale() or "en")


def render(
    template: str, subject: str, unsubscribe_url: str | None = None, **context
) -> tuple[str, str]:
    """The plain-text and HTML bodies of mail/<template>, as `queue` stores them."""
    return tuple(
        render_template(
            f"mail/{template}.{ext}", subject=subject, unsubscribe_url=unsubscribe_url, **context
        )
        for ext in ("txt", "html")
    )


def send_queued(limit: int = 50) -> tuple[int, int]:
    """Send up to `limit` due messages, oldest first; commits; returns (sent, failed).

    Expired messages are deleted unsent; a sent message is deleted. Each message is claimed
    before it is sent, so two senders never send it twice. A failed one waits backoff()
    before its next attempt; after a failure of the server rather than of one message, the
    rest of the batch is left for the next run instead of failing one by one. A MAIL_URL
    that cannot be parsed raises ValueError before any message is touched.
    """
    config = current_app.config
    transport = transport_from_url(config["MAIL_URL"])
    drop_expired()
    due = db.session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.next_attempt_at <= utcnow())
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    ).all()
    sent = failed = 0
    for message_id in due:
        message = claim(message_id)
        if message is None:
            continue
        try:
            transport.send(build_message(message, config["MAIL_FROM"], config["SITE_NAME"]))
        except Exception as exc:
            failed += 1
            _record_failure(message, exc)
            if not isinstance(exc, MESSAGE_ERRORS):
                break
        else:
            sent += 1
            _execute(delete(OutboxMessage).where(OutboxMessage.id == message_id))
            db.session.commit()
    return sent, failed


def claim(message_id: int) -> OutboxMessage | None:
    """Take a due message for sending, or None if another sender has it; commits.

    One conditional UPDATE moves it out of reach for CLAIM_LEASE, so of two senders the
    database lets only one match. The row comes back detached: nothing waits on the
    network inside a transaction.
    """
    now = utcnow()
    result = _execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.next_attempt_at <= now,
            or_(OutboxMessage.expires_at.is_(None), OutboxMessage.expires_at > now),
        )
        .values(next_attempt_at=now + CLAIM_LEASE, attempts=OutboxMessage.attempts + 1)
    )
    message = None
    if result.rowcount == 1:
        message = db.session.get(OutboxMessage, message_id, populate_existing=True)
        db.session.expunge(message)
    db.session.commit()
    return message


def drop_expired() -> int:
    """Delete the messages past their expiry, unsent; commits; returns how many."""
    result = _execute(delete(OutboxMessage).where(OutboxMessage.expires_at <= utcnow()))
    db.session.commit()
    return result.rowcount


def backoff(attempts: int) -> timedelta:
    """The wait after the n-th failed attempt: 1 minute, doubling each time, at most 6 hours."""
    return min(FIRST_RETRY * 2 ** min(max(attempts - 1, 0), 16), LONGEST_WAIT)


def _record_failure(message: OutboxMessage, exc: Exception) -> None:
    error = describe_error(exc)
    _execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id)
        .values(last_error=error, next_attempt_at=utcnow() + backoff(message.attempts))
    )
    db.session.commit()
    # The id, not the address: the log keeps no personal data.
    current_app.logger.warning(
        "Mail %s not sent (attempt %s): %s", message.id, message.attempts, error
    )


def _execute(statement):
    # Core-style writes: the rows are not in this session, and one may have gone meanwhile.
    return db.session.execute(statement, execution_options={"synchronize_session": False})
