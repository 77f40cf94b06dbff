"""Previewing a post: the Markdown rendered exactly as it would be stored, nothing saved."""

from .. import markdown
from .forum import check_body


def render_preview(body: str) -> str:
    """The sanitized HTML `body` would be posted as; ServiceError as posting would raise."""
    return markdown.render_post(check_body(body))


def formatting_note(body: str) -> str | None:
    """Why `body` would be shown as plain text rather than formatted, for its writer."""
    return markdown.unformattable(body)
