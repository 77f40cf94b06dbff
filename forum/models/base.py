"""Helpers shared by the models: time, and the personal-data declaration."""

from datetime import UTC, datetime

from ..catalogs import N_

ROLES_STAFF = ("moderator", "admin")


def utcnow() -> datetime:
    """The current time in UTC, naive, as every timestamp column stores it."""
    return datetime.now(UTC).replace(tzinfo=None)


def personal(
    category: str, purpose: str, retention: str, seen_by: str, *, purge: str, sealed: bool = False
) -> dict:
    """Declare a column as personal data: the privacy pages are generated from this.

    `purge` names the function in services/retention.py that enforces `retention`, or a
    rule still to be built (the ledger test lists those); pass the result as `info=` to
    mapped_column(). `sealed` says the column is a forum.sealing.Sealed one (encrypted in
    the database); the ledger checks the declaration against the column's type.
    """
    return {
        "personal": {
            "category": category,
            "purpose": purpose,
            "retention": retention,
            "seen_by": seen_by,
            "purge": purge,
            "sealed": sealed,
        }
    }


def ip_address(purpose: str, purge: str) -> dict:
    """The declaration of a column keeping a network address beside something abusable;
    `purpose` says it is never used to identify visitors."""
    return personal(
        "network",
        purpose,
        N_("erased after IP_RETENTION_DAYS (30 days by default)"),
        N_("staff who accepted the confidentiality agreement, each look logged"),
        purge=purge,
        sealed=True,
    )


def network_tag(purge: str) -> dict:
    """The declaration of a column keeping a network tag: a keyed hash of the address's network."""
    return personal(
        "network",
        N_("telling apart accounts that write from the same network, without showing any address"),
        N_(
            "erased with the address after IP_RETENTION_DAYS; the key that made it is destroyed "
            "after NETWORK_TAG_DAYS, so it can never be computed again"
        ),
        N_("staff"),
        purge=purge,
    )
