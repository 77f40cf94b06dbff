"""Previewing a post: the Markdown rendered exactly as it would be stored, nothing saved."""

from ..render_limits import unformattable
from .forum import check_body
from .notifications import render


def render_preview(body: str) -> str:
    """The sanitized HTML `body` would be posted as; ServiceError as posting would raise."""
    return render(check_body(body))[0]


def formatting_note(body: str) -> str | None:
    """Why `body` would be shown as plain text rather than formatted, for its writer."""
    return unformattable(body)
