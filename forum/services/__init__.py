"""Business logic: plain functions with explicit arguments, never reading the request.

The rules every service keeps:
- It takes what it needs as arguments, the actor included, and checks what the actor may
  do (require_staff, require_admin, or its own rule), raising Forbidden; it never reads
  request, session, g or current_user (tests/test_structure.py checks the imports).
- It never commits: the caller (a view, through views/actions.py, or a CLI command)
  commits or rolls back. Background work (mail sending, statistics flushes, retention
  purges, key rotation) commits its own batches, and its docstring says so.
- A refusal is a ServiceError (shown on the form, field by field), NotFound (404) or
  Forbidden (403).
"""

from flask_babel import gettext as _


class ServiceError(Exception):
    """A request the service refuses; `field` names the form field it concerns, if any."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(ServiceError):
    """The thing asked for does not exist, or the viewer may not know it exists."""


class Forbidden(ServiceError):
    """The viewer may see the thing but not do this to it."""


def require_staff(actor) -> None:
    """Refuse anyone but moderators and admins (the anonymous user is neither)."""
    if not (actor and actor.is_staff):
        raise Forbidden(_("This is for moderators and admins."))


def require_admin(actor) -> None:
    """Refuse anyone but admins (the anonymous user is not one)."""
    if not (actor and actor.is_admin):
        raise Forbidden(_("This is for admins."))
