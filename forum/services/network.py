"""Network tags: telling apart accounts that write from the same network, without addresses.

A tag is an HMAC of the address's network (/24 for IPv4, /48 for IPv6) under a secret that
lives for one period of NETWORK_TAG_DAYS. Two accounts posting from the same network in the
same period show the same tag; when the period ends its secret is destroyed, so no tag can be
computed again from an address, nor an address found from a tag.
"""

import hashlib
import hmac
import ipaddress
import secrets
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..extensions import db
from ..models import NetworkTagKey, utcnow

TAG_LENGTH = 8
_EPOCH = datetime(1970, 1, 1)


def period_of(moment: datetime) -> int:
    """The number of the tag period `moment` (UTC; naive or aware) falls in."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return (moment - _EPOCH).days // current_app.config["NETWORK_TAG_DAYS"]


def network_of(address: str | None) -> str | None:
    """The /24 (IPv4) or /48 (IPv6) network an address belongs to, or None if it is not one."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def _secret(period: int) -> bytes:
    """This period's secret, made by whichever worker needs it first; older ones destroyed.

    Kept in the app's memory once read from the database (a period's secret never changes).
    """
    cache = current_app.extensions.setdefault("network_tag_keys", {})
    if period in cache:
        return cache[period]
    secret = db.session.scalar(select(NetworkTagKey.secret).where(NetworkTagKey.period == period))
    if secret is not None:
        # Only a secret read back is remembered: one made here may yet be rolled back.
        cache.clear()
        cache[period] = bytes.fromhex(secret)
    else:
        # Another worker may make it at the same moment: the first one's secret wins.
        insert = (sqlite_insert if db.engine.dialect.name == "sqlite" else pg_insert)(NetworkTagKey)
        db.session.execute(
            insert.values(
                period=period, secret=secrets.token_hex(32), created_at=utcnow()
            ).on_conflict_do_nothing(index_elements=["period"])
        )
        secret = db.session.scalar(
            select(NetworkTagKey.secret).where(NetworkTagKey.period == period)
        )
        destroy_old_keys(period)
    return bytes.fromhex(secret)


def tag_for(address: str | None, now: datetime | None = None) -> str | None:
    """The tag of the network `address` is in, for the current period (None without one)."""
    network = network_of(address)
    if network is None:
        return None
    secret = _secret(period_of(now or utcnow()))
    return hmac.new(secret, network.encode(), hashlib.sha256).hexdigest()[:TAG_LENGTH]


def destroy_old_keys(current: int | None = None, now: datetime | None = None) -> int:
    """Delete the secrets of every period before the current one; the caller commits."""
    if current is None:
        current = period_of(now or utcnow())
    return db.session.execute(delete(NetworkTagKey).where(NetworkTagKey.period < current)).rowcount


def live_periods() -> list[int]:
    """The periods whose secret still exists (for tests and the purge report)."""
    return list(db.session.scalars(select(NetworkTagKey.period).order_by(NetworkTagKey.period)))
