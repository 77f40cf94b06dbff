"""Pages rendered once per audience; each member's own parts are filled in last.

A page is rendered for its audience (visitors, members, moderators or admins: what the
role decides), never for one person. Whatever is one member's own (their name and form
token, their notices, the Edit link on their posts, what is new to them, whether they may
write) is written into the page as a marker, and `fill` resolves the markers for whoever
asked. So the page cache can keep one rendering per audience and serve it to everyone in
that audience: nothing one member sees is ever kept for another.

Markers are HTML comments carrying a nonce drawn per process, and only templates write
them: post HTML has its comments removed by the sanitizer, titles are escaped, and no one
can guess the nonce. In templates:

    {{ slot('me') }}                 the member's name, linked to their profile
    {{ slot('csrf') }}               the session's CSRF token, as a hidden input
    {{ slot('notices') }}            flashed messages, suspension, policy notice
    {{ slot('unread-page', id) }}    "?page=N" of the first unread page of topic id
    {{ only_if(condition, *ids) }} ... {{ end_if() }}
        kept only when the condition holds for the viewer: 'author' (the viewer wrote
        it and may write), 'other' (a member who did not, and may write), 'writer'
        (signed in and not suspended), 'new' (the first post new to them on this page),
        'any-new' (a post on this page is), 'unread' (topic id has posts past what they
        have seen), 'watching' and 'not-watching' (whether the member watches the page's
        topic or category), 'thanked' / 'not-thanked' (they thanked post id, or not),
        'unread-in' (category id holds a topic with posts they have not seen).

Every template render fills its markers (see MarkedTemplate); `render_marked` keeps
them, for the page cache, and `fill` resolves a kept page for the current request.
"""

import re
import secrets
from collections.abc import Callable

from flask import current_app, get_flashed_messages, request, url_for
from flask_login import current_user
from jinja2 import Template
from markupsafe import Markup, escape

from .security import csrf_token
from .services import privacy

NONCE = secrets.token_hex(8)
_MARK = re.compile(f"<!--{NONCE}:(slot|if|fi):([a-z-]*)((?::-?\\d+)*)-->")


def audience(user) -> str:
    """Who a page is rendered for: 'visitor', or the member's role."""
    return user.role if user.is_authenticated else "visitor"


def _marker(kind: str, name: str = "", *numbers: int) -> Markup:
    args = "".join(f":{int(n)}" for n in numbers)
    return Markup(f"<!--{NONCE}:{kind}:{name}{args}-->")  # noqa: S704 (nonce, name, digits)


def slot(name: str, *numbers: int) -> Markup:
    return _marker("slot", name, *numbers)


def only_if(condition: str, *numbers: int) -> Markup:
    return _marker("if", condition, *numbers)


def end_if() -> Markup:
    return _marker("fi")


class MarkedTemplate(Template):
    """A template whose render() gives the page for the current viewer, markers filled."""

    def render(self, *args, **kwargs) -> str:
        return fill(super().render(*args, **kwargs))


class Marked:
    """A page with markers, parsed once (when it is cached) so that filling it for each
    request is one pass over its parts: (text before, kind, name, numbers) and a tail."""

    __slots__ = ("ends", "new_positions", "parts", "tail", "unread_ids")

    def __init__(self, page: str):
        pieces = _MARK.split(page)
        self.parts = [
            (pieces[i], pieces[i + 1], pieces[i + 2], _numbers(pieces[i + 3]))
            for i in range(0, len(pieces) - 1, 4)
        ]
        self.tail = pieces[-1]
        # For each only_if, the index of the end_if that closes it (the last part when none
        # does): filling jumps there when the condition fails. A stray end_if closes nothing.
        self.ends = [0] * len(self.parts)
        opened = []
        for index, (_, kind, _, _) in enumerate(self.parts):
            if kind == "if":
                self.ends[index] = len(self.parts) - 1
                opened.append(index)
            elif kind == "fi" and opened:
                self.ends[opened.pop()] = index
        self.new_positions = [n[0] for _, kind, name, n in self.parts if name == "new"]
        self.unread_ids = [n[0] for _, kind, name, n in self.parts if name == "unread"]


def _numbers(args: str) -> tuple[int, ...]:
    return tuple(int(n) for n in args.split(":")[1:]) if args else ()


def render_marked(name: str, **context) -> "Marked | str":
    """Render a page template with Flask's context, keeping its markers (for the cache)."""
    app = current_app._get_current_object()
    template = app.jinja_env.get_template(name)
    app.update_template_context(context)
    page = Template.render(template, context)
    return Marked(page) if NONCE in page else page


class _Viewer:
    """What the markers of one page resolve to for the member (or visitor) asking."""

    def __init__(self, page: Marked, seen: int | None, seen_of: Callable | None, facts: dict):
        self.facts = facts
        self.thanked: set[int] | None = None
        self.unread_in: set[int] | None = None
        self.user = current_user._get_current_object()
        self.member = self.user.is_authenticated
        self.id = self.user.id
        self.first_new = None
        if self.member and seen is not None:
            self.first_new = min((p for p in page.new_positions if p > seen), default=None)
        self.seen = {}
        if self.member and seen_of is not None and page.unread_ids:
            self.seen = seen_of(page.unread_ids)
        self.token = None
        # Asked once, not per marker: a topic page holds several markers per post.
        self.writer = self.member and not self.user.suspended()
        # A bool, or a function asked only when the page has a watch button.
        self._watching = facts.get("watching")

    def watching(self) -> bool:
        if callable(self._watching):
            self._watching = bool(self._watching())
        return bool(self._watching)

    def holds(self, condition: str, numbers: tuple[int, ...]) -> bool:
        if condition == "author":
            return self.writer and self.id == numbers[0]
        if condition == "other":
            return self.writer and self.id != numbers[0]
        if condition == "new":
            return self.first_new is not None and numbers[0] == self.first_new
        if condition == "writer":
            return self.writer
        if condition == "any-new":
            return self.first_new is not None
        if condition == "watching":
            return self.member and self.watching()
        if condition == "not-watching":
            return self.member and not self.watching()
        if condition == "unread":
            seen = self.seen.get(numbers[0])
            return seen is not None and numbers[1] > seen
        if condition in ("thanked", "not-thanked"):
            return (numbers[0] in self._thanked()) == (condition == "thanked")
        if condition == "unread-in":
            return self.member and numbers[0] in self._unread_in()
        raise ValueError(f"unknown condition {condition!r}")

    def _thanked(self) -> set[int]:
        # Asked only when a thanks button is reached (a member's view of others' posts).
        if self.thanked is None:
            thanked = self.facts.get("thanked")
            self.thanked = thanked() if self.member and thanked is not None else set()
        return self.thanked

    def _unread_in(self) -> set[int]:
        if self.unread_in is None:
            unread_in = self.facts.get("unread_in")
            self.unread_in = unread_in() if unread_in is not None else set()
        return self.unread_in

    def slot(self, name: str, numbers: tuple[int, ...]) -> str:
        if not self.member:
            return ""
        # The two slots on every member's page are joined by hand, each value escaped:
        # Markup.format goes through string.Formatter, which costs more than the rest.
        if name == "csrf":
            if self.token is None:
                self.token = (
                    f'<input name="csrf_token" type="hidden" value="{escape(csrf_token())}">'
                )
            return self.token
        if name == "me":
            link = url_for("members.profile", username=self.user.username)
            return f'<a href="{escape(link)}">{escape(self.user.username)}</a>'
        if name == "notices":
            return self._notices()
        if name == "notice-count":
            count = self.user.unread_notices
            if not count:
                return ""
            noun = "notice" if count == 1 else "notices"  # the header's notifications
            return Markup(
                ' <span class="badge count">{}<span class="visually-hidden"> new {}</span></span>'
            ).format(count, noun)
        if name == "unread-page":
            number = self.seen.get(numbers[0], 0) // current_app.config["POSTS_PER_PAGE"] + 1
            return f"?page={number}" if number > 1 else ""
        raise ValueError(f"unknown slot {name!r}")

    def _notices(self) -> str:
        # On the account page a pending address change says so itself: its flash is not
        # shown twice.
        on_account = request.endpoint == "accounts.account"
        messages = [
            message
            for category, message in get_flashed_messages(with_categories=True)
            if not (category == "email-sent" and on_account)
        ]
        policy = privacy.notice_for(self.user)
        suspended = not self.writer  # only members have slots filled
        if not (messages or policy or suspended):
            return ""
        template = current_app.jinja_env.get_template("_notices.html")
        return template.render(
            messages=messages,
            policy_notice=policy,
            suspended=suspended,
            user=self.user,
            path=request.path,
        )


def fill(
    page: "Marked | str",
    seen: int | None = None,
    seen_of: Callable | None = None,
    **facts,
) -> str:
    """The page with its markers resolved for the current viewer.

    `seen`: on a topic page, how far the member had read the topic before this visit.
    `seen_of`: on a listing, a function from topic ids to how far the member read each.
    `facts`, each asked at most once and only when a marker needs it: `watching` (whether
    the member watches the page's topic or category: a bool, or a function that says),
    `thanked` (a function: the ids of the posts on the page the member thanked),
    `unread_in` (a function: the ids of the categories holding a topic with posts the
    member has not seen).
    """
    if isinstance(page, str):
        if NONCE not in page:
            return page
        page = Marked(page)
    viewer = _Viewer(page, seen, seen_of, facts)
    parts, ends = page.parts, page.ends
    out: list[str] = []
    append = out.append
    index, count = 0, len(parts)
    while index < count:
        text, kind, name, numbers = parts[index]
        append(text)
        if kind == "if" and not viewer.holds(name, numbers):
            # Everything up to its end_if is left out, that end_if's own text included.
            index = ends[index] + 1
            continue
        if kind == "slot":
            append(viewer.slot(name, numbers))
        index += 1
    append(page.tail)
    return "".join(out)
