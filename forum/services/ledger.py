"""The data ledger: what the forum stores about people, read from the models' declarations.

Every column holding personal data says so in its model (models/base.personal). The public
"what we store" page is built from those declarations, and `check` (run by the test suite)
finds columns that look personal but say nothing, and retentions with no rule behind them.
"""

import re
from dataclasses import dataclass

from babel.lists import format_list
from flask import current_app
from flask_babel import get_locale, gettext, ngettext
from sqlalchemy import MetaData, String

from ..catalogs import N_
from ..sealing import Sealed
from . import retention

# Words that, in a column's name, suggest personal data. "ip" is matched as a whole word of
# the name (signup_ip, ip), since as a substring it is in "description" and "recipient".
SUSPECT_SUBSTRINGS = ("email", "address", "user_agent", "useragent", "name", "body", "message")
SUSPECT_WORDS = ("ip",)
# IPv6 text needs at most 45 characters: a String(45) is almost surely an address.
IP_LENGTH = 45

# The labels below are shown through gettext (N_ marks them for the catalogs), and so are
# the declarations' purposes, retentions and readers (marked N_ in the models).

# Columns whose names look personal but are not, each with the reason. Adding one here is a
# decision to make in review, like declaring a column.
NOT_PERSONAL = {
    ("categories", "name"): "a category's name, chosen by admins",
    ("outbox", "message_id"): "a random Message-ID header, made by us",
    ("policy_versions", "body"): "the text of the privacy policy, written by admins",
    ("announcements", "body"): "an announcement to every reader, written by admins",
    ("agreement_versions", "body"): "the staff confidentiality agreement, written by admins",
}

# Words that, in a contact column's name, mean it holds an address, which must be sealed.
ADDRESS_WORDS = ("email", "address")

# Retentions whose rule is not built yet, so that the test accepts them knowingly.
PENDING_RULES: dict[str, str] = {}

# The kind of each declaration, as the data page's "Kind" column says it.
CATEGORY_LABELS = {
    "activity": N_("activity"),
    "contact": N_("contact"),
    "content": N_("content"),
    "disclosure": N_("disclosure"),
    "identity": N_("identity"),
    "moderation": N_("moderation"),
    "network": N_("network"),
    "preferences": N_("preferences"),
}
TABLE_LABELS = {
    "users": N_("Your account"),
    "login_tokens": N_("Sign-in links"),
    "topics": N_("Topics"),
    "posts": N_("Posts"),
    "support_requests": N_("Support requests"),
    "support_events": N_("Support request history"),
    "outbox": N_("Mail waiting to be sent"),
    "reports": N_("Reports you made"),
    "post_revisions": N_("Earlier versions of edited posts"),
    "post_deletions": N_("Posts you deleted (your own record)"),
    "images": N_("Pictures you uploaded"),
    "stat_seen": N_("Statistics, for the current day only"),
    "moderation_log": N_("The moderation log"),
    "topic_reads": N_("How far you read each topic"),
    "notices": N_("Notifications and moderation notices to you"),
    "disclosure_records": N_("Requests for your data from outside the staff"),
    "watches": N_("Topics and categories you watch"),
    "thanks": N_("Thanks you gave"),
}

# The things a network address is kept beside, in plain words, by the table that keeps it:
# the policy, the account page and the data page all name them from here.
NETWORK_PLACES = {
    "users": N_("registrations"),
    "login_tokens": N_("sign-in requests"),
    "posts": N_("posts"),
    "support_requests": N_("support requests"),
}
# A setting's name in a declaration ("IP_RETENTION_DAYS (30 days by default)"): shown to
# readers as this site's number of days.
_SETTING = re.compile(r"\b([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*_DAYS)\b(?: \(\d+(?: days)? by default\))?")

COLUMN_LABELS = {
    ("users", "username_key"): N_("Username, in lower case"),
    ("users", "signup_ip"): N_("Network address you registered from"),
    ("login_tokens", "new_email"): N_("New email address, until confirmed"),
    ("login_tokens", "ip"): N_("Network address a sign-in link was asked from"),
    ("posts", "body"): N_("Post text"),
    ("posts", "html"): N_("Post text, prepared for display"),
    ("topics", "title"): N_("Topic title"),
    ("support_requests", "ip"): N_("Network address a request came from"),
    ("support_events", "body"): N_("Replies and notes"),
    ("outbox", "to_address"): N_("Recipient address"),
    ("outbox", "to_index"): N_("Recipient address, as a keyed hash"),
    ("users", "email_index"): N_("Email address, as a keyed hash for lookups"),
    ("outbox", "text_body"): N_("Message text"),
    ("outbox", "html_body"): N_("Message text (HTML)"),
    ("outbox", "unsubscribe_url"): N_("Your unsubscribe link, in an announcement"),
    ("posts", "ip"): N_("Network address a post was written from"),
    ("posts", "network_tag"): N_("Network tag of a post (a keyed hash of its network)"),
    ("login_tokens", "network_tag"): N_("Network tag of a sign-in request"),
    ("support_requests", "network_tag"): N_("Network tag of a support request"),
    ("users", "suspension_reason"): N_("Why you are suspended, while you are"),
    ("users", "locale"): N_("The language you chose"),
    ("users", "timezone"): N_("The time zone you chose"),
    ("reports", "reason"): N_("Why you reported a post"),
    ("post_revisions", "body"): N_("Earlier text of an edited post"),
    ("post_deletions", "member_id"): N_("Who deleted the post: you"),
    ("stat_seen", "visitor"): N_("A daily visitor hash (not your address)"),
    ("notices", "text"): N_("What a moderation notice told you"),
    ("moderation_log", "message"): N_("A message staff wrote to you"),
    ("disclosure_records", "basis"): N_("The authority or reason given for a request"),
    ("disclosure_records", "handed_over"): N_("What was handed over from your data"),
    ("notices", "post_id"): N_("The post a notification is about"),
    ("notices", "topic_id"): N_("The topic a notification is about"),
    ("notices", "actor_id"): N_("Who wrote the post a notification is about"),
    ("notices", "read_at"): N_("When you read a notification"),
    ("watches", "member_id"): N_("Who watches: you"),
    ("watches", "topic_id"): N_("A topic you watch"),
    ("watches", "category_id"): N_("A category you watch"),
    ("users", "feed_key_hash"): N_("Your private feed's secret, as a hash"),
    ("thanks", "member_id"): N_("Who thanked a post: you"),
    ("thanks", "created_at"): N_("When you thanked it"),
    ("support_requests", "about_id"): N_("The staff member a complaint of yours names"),
}


@dataclass(frozen=True)
class Entry:
    label: str
    column: str
    category: str
    purpose: str
    retention: str
    seen_by: str
    sealed: bool


@dataclass(frozen=True)
class TableEntries:
    label: str
    table: str
    entries: list[Entry]


def declaration(column) -> dict | None:
    """The personal-data declaration of a column, if it has one."""
    return column.info.get("personal")


def in_plain_words(text: str) -> str:
    """A declaration's text with each setting's name replaced by this site's value."""
    config = current_app.config

    def days(match: re.Match) -> str:
        n = config[match.group(1)]
        return ngettext("%(num)s day", "%(num)s days", n)

    return _SETTING.sub(days, text)


def _is_address(column) -> bool:
    info = declaration(column)
    return info is not None and info["category"] == "network" and "ip" in column.name.split("_")


def network_places(metadata: MetaData) -> str:
    """What network addresses are kept beside, in plain words ("registrations, sign-in
    requests, posts and support requests"), from the declared address columns."""
    keeping = {
        table.name
        for table in metadata.tables.values()
        if any(_is_address(column) for column in table.columns)
    }
    places = [gettext(place) for name, place in NETWORK_PLACES.items() if name in keeping]
    places += sorted(keeping - NETWORK_PLACES.keys())
    return format_list(places, locale=get_locale() or "en") if places else ""


def unnamed(metadata: MetaData) -> list[str]:
    """Tables with declared columns but no plain name for readers, and tables keeping a
    network address with no plain name for the thing it is kept beside."""
    problems = []
    for table in metadata.tables.values():
        declared = [c for c in table.columns if declaration(c) is not None]
        if declared and table.name not in TABLE_LABELS:
            problems.append(f"{table.name}: no plain name in TABLE_LABELS")
        if any(_is_address(c) for c in declared) and table.name not in NETWORK_PLACES:
            problems.append(f"{table.name}: keeps an address but is not in NETWORK_PLACES")
    return problems


def ledger(metadata: MetaData) -> list[TableEntries]:
    """Every declared column, grouped by table, in a stable order for the page, in plain
    words in the reader's language (settings' names become this site's numbers)."""
    groups = []
    for table in sorted(metadata.tables.values(), key=lambda t: t.name):
        entries = [
            Entry(
                label=COLUMN_LABELS.get((table.name, column.name))
                or column.name.replace("_", " ").capitalize(),
                column=column.name,
                sealed=info.get("sealed", False),
                category=gettext(CATEGORY_LABELS.get(info["category"], info["category"])),
                **{
                    key: in_plain_words(gettext(info[key]))
                    for key in ("purpose", "retention", "seen_by")
                },
            )
            for column in table.columns
            if (info := declaration(column)) is not None
        ]
        if entries:
            label = TABLE_LABELS.get(table.name, table.name)
            groups.append(TableEntries(label, table.name, entries))
    return groups


def looks_personal(column) -> bool:
    """Whether a column's name or type suggests personal data."""
    name = column.name.lower()
    if any(word in name for word in SUSPECT_SUBSTRINGS):
        return True
    if any(word in name.split("_") for word in SUSPECT_WORDS):
        return True
    return isinstance(column.type, String) and column.type.length == IP_LENGTH


def check(metadata: MetaData) -> list[str]:
    """Everything wrong with the declarations in `metadata`; an empty list when all is well."""
    problems = []
    for table in metadata.tables.values():
        for column in table.columns:
            where = f"{table.name}.{column.name}"
            info = declaration(column)
            if info is None:
                if looks_personal(column) and (table.name, column.name) not in NOT_PERSONAL:
                    problems.append(f"{where} looks personal but is not declared")
                continue
            problems += _sealing_problems(column, info, where)
            purge = info.get("purge")
            known = retention.RULES.keys() | retention.ON_REQUEST.keys() | PENDING_RULES.keys()
            if purge not in known:
                problems.append(f"{where}: no purge rule named {purge!r} in services/retention.py")
    return problems


def _sealing_problems(column, info: dict, where: str) -> list[str]:
    """A declaration that says sealed for a column that is not (or the reverse), and an
    address kept readable."""
    sealed = isinstance(column.type, Sealed)
    if info.get("sealed", False) != sealed:
        return [f"{where}: declared sealed={info.get('sealed', False)}, but sealed is {sealed}"]
    name = column.name.lower()
    # A blind index (a keyed hash) is what lets a sealed address be found: not an address.
    is_email = info["category"] == "contact" and any(w in name for w in ADDRESS_WORDS)
    is_ip = any(word in name.split("_") for word in SUSPECT_WORDS)
    if (is_email or is_ip) and not sealed and not name.endswith("_index"):
        return [f"{where} holds an address but is not sealed"]
    return []
