"""The data ledger: what the forum stores about people, read from the models' declarations.

Every column holding personal data says so in its model (models/base.personal). The public
"what we store" page is built from those declarations, and `check` (run by the test suite)
finds columns that look personal but say nothing, and retentions with no rule behind them.
"""

from dataclasses import dataclass

from sqlalchemy import MetaData, String

from . import retention

# Words that, in a column's name, suggest personal data. "ip" is matched as a whole word of
# the name (signup_ip, ip), since as a substring it is in "description" and "recipient".
SUSPECT_SUBSTRINGS = ("email", "address", "user_agent", "useragent", "name", "body", "message")
SUSPECT_WORDS = ("ip",)
# IPv6 text needs at most 45 characters: a String(45) is almost surely an address.
IP_LENGTH = 45

# Columns whose names look personal but are not, each with the reason. Adding one here is a
# decision to make in review, like declaring a column.
NOT_PERSONAL = {
    ("categories", "name"): "a category's name, chosen by admins",
    ("outbox", "message_id"): "a random Message-ID header, made by us",
    ("policy_versions", "body"): "the text of the privacy policy, written by admins",
    ("announcements", "body"): "an announcement to every reader, written by admins",
    ("agreement_versions", "body"): "the staff confidentiality agreement, written by admins",
}

# Retentions whose rule is not built yet, so that the test accepts them knowingly.
PENDING_RULES: dict[str, str] = {}

TABLE_LABELS = {
    "users": "Your account",
    "login_tokens": "Sign-in links",
    "topics": "Topics",
    "posts": "Posts",
    "support_requests": "Support requests",
    "support_events": "Support request history",
    "outbox": "Mail waiting to be sent",
    "reports": "Reports you made",
    "post_revisions": "Earlier versions of edited posts",
    "post_deletions": "Posts you deleted (your own record)",
    "stat_seen": "Statistics, for the current day only",
}

COLUMN_LABELS = {
    ("users", "username_key"): "Username, in lower case",
    ("users", "signup_ip"): "Network address you registered from",
    ("login_tokens", "new_email"): "New email address, until confirmed",
    ("login_tokens", "ip"): "Network address a sign-in link was asked from",
    ("posts", "body"): "Post text",
    ("posts", "html"): "Post text, prepared for display",
    ("topics", "title"): "Topic title",
    ("support_requests", "ip"): "Network address a request came from",
    ("support_events", "body"): "Replies and notes",
    ("outbox", "to_address"): "Recipient address",
    ("outbox", "text_body"): "Message text",
    ("outbox", "html_body"): "Message text (HTML)",
    ("outbox", "unsubscribe_url"): "Your unsubscribe link, in an announcement",
    ("posts", "ip"): "Network address a post was written from",
    ("posts", "network_tag"): "Network tag of a post (a keyed hash of its network)",
    ("login_tokens", "network_tag"): "Network tag of a sign-in request",
    ("support_requests", "network_tag"): "Network tag of a support request",
    ("users", "suspension_reason"): "Why you are suspended, while you are",
    ("reports", "reason"): "Why you reported a post",
    ("post_revisions", "body"): "Earlier text of an edited post",
    ("post_deletions", "member_id"): "Who deleted the post: you",
    ("stat_seen", "visitor"): "A daily visitor hash (not your address)",
}


@dataclass(frozen=True)
class Entry:
    label: str
    column: str
    category: str
    purpose: str
    retention: str
    seen_by: str


@dataclass(frozen=True)
class TableEntries:
    label: str
    table: str
    entries: list[Entry]


def declaration(column) -> dict | None:
    """The personal-data declaration of a column, if it has one."""
    return column.info.get("personal")


def ledger(metadata: MetaData) -> list[TableEntries]:
    """Every declared column, grouped by table, in a stable order for the page."""
    groups = []
    for table in sorted(metadata.tables.values(), key=lambda t: t.name):
        entries = [
            Entry(
                label=COLUMN_LABELS.get((table.name, column.name))
                or column.name.replace("_", " ").capitalize(),
                column=column.name,
                **{key: info[key] for key in ("category", "purpose", "retention", "seen_by")},
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
            purge = info.get("purge")
            known = retention.RULES.keys() | retention.ON_REQUEST.keys() | PENDING_RULES.keys()
            if purge not in known:
                problems.append(f"{where}: no purge rule named {purge!r} in services/retention.py")
    return problems
