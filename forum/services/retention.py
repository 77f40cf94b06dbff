"""Retention: erase what has outlived its purpose, on schedule (`flask --app wsgi purge`)."""

from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, update

from ..extensions import db
from ..models import LoginToken, User, utcnow


def purge_unconfirmed_accounts(now=None) -> int:
    """Delete accounts never confirmed within UNCONFIRMED_ACCOUNT_DAYS; the caller commits."""
    cutoff = (now or utcnow()) - timedelta(days=current_app.config["UNCONFIRMED_ACCOUNT_DAYS"])
    result = db.session.execute(
        delete(User).where(User.confirmed_at.is_(None), User.created_at < cutoff)
    )
    return result.rowcount


def remove_old_ips(now=None) -> int:
    """Erase network addresses older than IP_RETENTION_DAYS; the caller commits."""
    cutoff = (now or utcnow()) - timedelta(days=current_app.config["IP_RETENTION_DAYS"])
    erased = db.session.execute(
        update(User)
        .where(User.signup_ip.is_not(None), User.created_at < cutoff)
        .values(signup_ip=None)
    ).rowcount
    # Sign-in requests are only kept for their address: past retention the whole row goes.
    erased += db.session.execute(delete(LoginToken).where(LoginToken.created_at < cutoff)).rowcount
    return erased


def purge_all(now=None) -> dict[str, int]:
    """Run every retention rule; commits."""
    counts = {
        "unconfirmed accounts": purge_unconfirmed_accounts(now),
        "network addresses": remove_old_ips(now),
    }
    db.session.commit()
    return counts
