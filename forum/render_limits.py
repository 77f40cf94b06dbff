"""What one text may cost to render: past the limit of a costly construct it is kept as
written and shown as plain text (forum/markdown.py asks before rendering)."""

import re

from markdown_it.common.utils import escapeHtml

# How much of each construct whose rendering cost grows fastest one text may hold before it
# is kept as written and shown as plain text instead of formatted: far above any real post,
# low enough that no 60,000-character text costs more than a few tenths of a second (before
# these limits, 60,000 link brackets or a 7,000-row table took about 3 s).
_LIST_ITEM = re.compile(r"^[ \t>]*(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)", re.MULTILINE)
_HEADING = re.compile(r"^ {0,3}(?:#{1,6}(?:[ \t]|$)|=+[ \t]*$|-+[ \t]*$)", re.MULTILINE)
FORMAT_LIMITS = (
    ("table cells", 4000, lambda text: text.count("|")),
    ("link brackets", 5000, lambda text: text.count("[")),
    ("list items", 2000, lambda text: len(_LIST_ITEM.findall(text))),
    ("headings and rules", 3000, lambda text: len(_HEADING.findall(text))),
    ("emphasis marks", 8000, lambda text: text.count("*") + text.count("_")),
    ("code fences", 2000, lambda text: text.count("```") + text.count("~~~")),
    (
        "web and mail addresses",
        2000,
        lambda text: text.count("://") + text.count("@") + text.count("www."),
    ),
)


def unformattable(source: str) -> str | None:
    """Why `source` would be shown as plain text rather than formatted (a sentence for its
    writer), or None when it is formatted as usual."""
    for name, limit, count in FORMAT_LIMITS:
        if (found := count(source)) > limit:
            return (
                f"This text holds {found:,} {name}, more than the {limit:,} a post can format, "
                "so it will be shown as plain text."
            )
    return None


def plain(source: str) -> str:
    """Text shown as written: paragraphs at blank lines, line breaks kept, all of it escaped."""
    paragraphs = re.split(r"\n[ \t]*\n", source.strip())
    return "".join(
        "<p>" + "<br>\n".join(escapeHtml(line) for line in part.split("\n")) + "</p>\n"
        for part in paragraphs
        if part.strip()
    )
