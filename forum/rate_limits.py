"""Rate-limit keys: who a request counts as, without keeping an address anywhere.

Kept apart from extensions.py (which creates the limiter with `rate_limit_key`) and from
security.py (which uses the limiter), so that neither imports the other.
"""

import hashlib
import hmac
import ipaddress

from flask import current_app, request


def anonymous_key(value: str) -> str:
    """A keyed hash standing in for an address in rate-limit keys: never stored in clear."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:32]


def rate_limit_network(address: str | None) -> str:
    """What one client is counted as: its address, or its /64 for IPv6 (one customer's
    network: a host there can change its address at will)."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return address or ""
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def rate_limit_key() -> str:
    """Flask-Limiter's key: the client's network, hashed; the address never reaches the store."""
    return "ip:" + anonymous_key(rate_limit_network(request.remote_addr))


def drop_idle_request_check(app, limiter) -> bool:
    """Take Flask-Limiter's check before every request out when it has nothing to check.

    That check (a before_request hook, several hundred Python calls a request) only applies
    application-wide, default, meta and blueprint limits: limits on a view are checked by
    their decorator when the view is called, whatever this hook does. This forum declares
    only the latter, so the hook is dropped; declare one of the former and it stays.
    Returns whether it was dropped.
    """
    manager = limiter.limit_manager
    app_wide = (
        manager.application_limits
        or manager.default_limits
        or app.config.get("RATELIMIT_META")
        or any(manager.blueprint_limits(app, name) for name in app.blueprints)
    )
    hooks = app.before_request_funcs.get(None, [])
    if app_wide or limiter._check_request_limit not in hooks:
        return False
    hooks.remove(limiter._check_request_limit)
    return True
