"""Retention: erase what has outlived its purpose, on schedule (`flask --app wsgi purge`).

Each personal-data declaration names its rule here (`purge=` in models/base.personal); the
ledger test checks that every name is in RULES, which `purge_all` runs, or in ON_REQUEST,
the rules a person sets off themselves (deleting their account).
"""

from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select, update

from ..extensions import db
from ..models import (
    LoginToken,
    OutboxMessage,
    Post,
    SupportAnswer,
    SupportEvent,
    SupportRequest,
    User,
    utcnow,
)
from . import images, network, notices, stats_store, thanks, transparency
from .deletion import delete_account, wipe_deleted_data


def purge_unconfirmed_accounts(now=None) -> int:
    """Delete accounts never confirmed within UNCONFIRMED_ACCOUNT_DAYS; the caller commits."""
    cutoff = (now or utcnow()) - timedelta(days=current_app.config["UNCONFIRMED_ACCOUNT_DAYS"])
    unconfirmed = (User.confirmed_at.is_(None), User.created_at < cutoff)
    # Their thanks go with them (by the database's cascade): the posts' counts follow first.
    thanks.forget_thanks_of(select(User.id).where(*unconfirmed))
    result = db.session.execute(delete(User).where(*unconfirmed))
    return result.rowcount


def remove_old_ips(now=None) -> int:
    """Erase network addresses older than IP_RETENTION_DAYS; the caller commits."""
    cutoff = (now or utcnow()) - timedelta(days=current_app.config["IP_RETENTION_DAYS"])
    erased = db.session.execute(
        update(User)
        .where(User.signup_ip.is_not(None), User.created_at < cutoff)
        .values(signup_ip=None)
    ).rowcount
    erased += db.session.execute(
        update(Post)
        .where(Post.created_at < cutoff, (Post.ip.is_not(None)) | (Post.network_tag.is_not(None)))
        .values(ip=None, network_tag=None)
    ).rowcount
    # Sign-in requests are only kept for their address: past retention the whole row goes.
    erased += db.session.execute(delete(LoginToken).where(LoginToken.created_at < cutoff)).rowcount
    return erased


def remove_old_support_ips(now=None) -> int:
    """Erase the network addresses of support requests older than IP_RETENTION_DAYS."""
    cutoff = (now or utcnow()) - timedelta(days=current_app.config["IP_RETENTION_DAYS"])
    kept = SupportRequest.ip.is_not(None) | SupportRequest.network_tag.is_not(None)
    return db.session.execute(
        update(SupportRequest)
        .where(kept, SupportRequest.created_at < cutoff)
        .values(ip=None, network_tag=None)
    ).rowcount


def remove_expired_mail(now=None) -> int:
    """Delete queued mail past its expiry, even if no sender runs; the caller commits."""
    return db.session.execute(
        delete(OutboxMessage).where(OutboxMessage.expires_at <= (now or utcnow()))
    ).rowcount


def erase_old_support_requests(now=None) -> int:
    """Erase requests staff last handled over SUPPORT_RETENTION_DAYS ago; the caller commits.

    New requests wait for staff. A request behind a public answer keeps its row (the answer
    points at it) with the sender's words and address erased; the others go entirely, with
    their history.
    """
    cutoff = (now or utcnow()) - timedelta(days=current_app.config["SUPPORT_RETENTION_DAYS"])
    stale = select(SupportRequest.id).where(
        SupportRequest.updated_at < cutoff, SupportRequest.state != "new"
    )
    stale_ids = list(db.session.scalars(stale))
    if not stale_ids:
        return 0
    db.session.execute(delete(SupportEvent).where(SupportEvent.request_id.in_(stale_ids)))
    answered = select(SupportAnswer.request_id)
    db.session.execute(
        delete(SupportRequest).where(
            SupportRequest.id.in_(stale_ids), SupportRequest.id.not_in(answered)
        )
    )
    db.session.execute(
        update(SupportRequest)
        .where(SupportRequest.id.in_(stale_ids))
        .values(
            subject="(erased)",
            message="",
            email=None,
            user_id=None,
            about_id=None,
            ip=None,
            network_tag=None,
        )
    )
    return len(stale_ids)


def roll_up_hourly_stats(now=None) -> int:
    """Fold hourly statistics older than 48 hours into daily ones; the caller commits."""
    return stats_store.roll_up_hourly((now or utcnow()) - timedelta(hours=48))


def forget_past_visitor_marks(now=None) -> int:
    """Erase the statistics' visitor marks and salts of days already over; the caller commits.

    Each worker's flush does it too; this catches a day after which nothing was flushed.
    """
    return stats_store.forget_past_days((now or utcnow()).date())


def destroy_old_tag_keys(now=None) -> int:
    """Destroy network-tag secrets of periods that have ended; the caller commits."""
    return network.destroy_old_keys(now=now)


def close_expired_suspensions(now=None) -> int:
    """Forget the reason of suspensions that have ended (the moderation log keeps it)."""
    return db.session.execute(
        update(User)
        .where(User.suspended_until.is_not(None), User.suspended_until <= (now or utcnow()))
        .values(suspended_until=None, suspension_reason=None)
    ).rowcount


# name (as declared on columns) -> (what purge_all reports, the rule).
RULES = {
    "purge_unconfirmed_accounts": ("unconfirmed accounts", purge_unconfirmed_accounts),
    "remove_old_ips": ("network addresses", remove_old_ips),
    "roll_up_hourly_stats": ("hourly statistics rows", roll_up_hourly_stats),
    "forget_past_visitor_marks": ("statistics visitor marks", forget_past_visitor_marks),
    "remove_old_support_ips": ("support request addresses", remove_old_support_ips),
    "erase_old_support_requests": ("old support requests", erase_old_support_requests),
    "remove_expired_mail": ("expired messages", remove_expired_mail),
    "destroy_old_tag_keys": ("network-tag secrets destroyed", destroy_old_tag_keys),
    "close_expired_suspensions": ("ended suspensions", close_expired_suspensions),
    "purge_old_notices": ("old moderation notices", notices.purge_old_notices),
    "purge_unattached_images": ("uploaded pictures no post shows", images.purge_unattached),
}

# Not erasures: what `purge` gives once its day has come (a disclosure's notice, deferred
# until a day a legal order set). Same shape as RULES.
DUE = {
    "tell_deferred_disclosures": ("deferred disclosure notices given", transparency.tell_deferred),
}


# name (as declared on columns) -> (what it erases, the rule): run for one member, when they
# ask, never on schedule.
ON_REQUEST = {
    "account-deletion": ("an account and all that names its member", delete_account),
}


def purge_all(now=None) -> dict[str, int]:
    """Run every retention rule, and give what is due (DUE); commits."""
    counts = {label: rule(now) for label, rule in (*RULES.values(), *DUE.values())}
    db.session.commit()
    wipe_deleted_data()
    return counts
