"""The publishing guard: what in the public version of a support request could identify
its sender. Before staff publish, the title, question and answer are searched for the
sender's own email address and username, any email address, anything that looks like a
phone number, and links that carry a query string (which often hold a name, a token or an
address); each hit is marked on the preview. Publishing also needs staff to tick "I removed
what identifies the sender" (support_desk.publish refuses without it): the guard helps, it
cannot know everything that identifies a person.
"""

import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

KINDS = {
    "sender_email": _l("the sender's email address"),
    "sender_name": _l("the sender's username"),
    "email": _l("an email address"),
    "phone": _l("a phone number?"),
    "link": _l("a link with a query string"),
}
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# Seven to fifteen digits (E.164 has at most 15), with the separators people type.
PHONE = re.compile(r"(?<![\w.])\+?\(?\d[\d ().\-/]{5,22}\d(?![\w])")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
LINK_WITH_QUERY = re.compile(r"(?:https?://|www\.)[^\s<>\"'?#]*\?[^\s<>\"']+", re.IGNORECASE)
# Checking stops here: a text this long has been looked at anyway, and the page stays fast.
MAX_HITS = 200


@dataclass(frozen=True)
class Hit:
    start: int
    end: int
    kind: str
    text: str

    @property
    def label(self) -> str:
        return str(KINDS[self.kind])


def _phone_like(text: str) -> bool:
    digits = sum(c.isdigit() for c in text)
    return 7 <= digits <= 15 and not ISO_DATE.fullmatch(text.strip())


def find(text: str, sender_email: str | None, sender_name: str | None) -> list[Hit]:
    """Everything in `text` that could identify the sender, in order, without overlaps
    (the more specific kind wins: the sender's own address over any address)."""
    text = text or ""
    found: list[Hit] = []

    def add(pattern: re.Pattern, kind: str, keep=lambda s: True) -> None:
        for match in pattern.finditer(text):
            if keep(match.group(0)):
                found.append(Hit(match.start(), match.end(), kind, match.group(0)))

    # Whole addresses and links first: a username inside one is marked with it.
    if sender_email:
        add(re.compile(re.escape(sender_email), re.IGNORECASE), "sender_email")
    add(EMAIL, "email")
    add(LINK_WITH_QUERY, "link")
    if sender_name:
        add(re.compile(rf"(?<!\w){re.escape(sender_name)}(?!\w)", re.IGNORECASE), "sender_name")
    add(PHONE, "phone", _phone_like)
    chosen: list[Hit] = []
    taken: list[tuple[int, int]] = []
    for hit in found:  # in order of priority: the first kind to claim a span keeps it
        if any(hit.start < end and start < hit.end for start, end in taken):
            continue
        chosen.append(hit)
        taken.append((hit.start, hit.end))
        if len(chosen) >= MAX_HITS:
            break
    return sorted(chosen, key=lambda h: h.start)


def marked(text: str, hits: list[Hit]) -> Markup:
    """`text`, escaped, with each hit in a <mark> that says what it may be."""
    out, at = [], 0
    for hit in hits:
        out.append(escape(text[at : hit.start]))
        out.append(
            Markup('<mark title="{}">{}</mark>').format(hit.label, text[hit.start : hit.end])
        )
        at = hit.end
    out.append(escape(text[at:]))
    return Markup("").join(out)
