"""Cross-site posts change nothing, on every form and every non-GET route, found by discovery.

The forms are found by crawling every GET page of the url map as a visitor, a member and an
admin; the non-GET routes come from the url map itself, so a route added later is covered
without touching this file. Each is posted cross-site three ways (foreign Origin without a
token, no token and no Origin, a token from another session) and the whole database is
compared before and after. The same forms sent the legitimate way do change the database,
which shows the refusals are the protection at work and not a harness that sends nonsense.
tests/test_csrf.py keeps the hand-written cases for the members' forms.
"""

import io
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from PIL import Image as Pillow
from werkzeug.datastructures import MultiDict
from werkzeug.routing import Map, Rule

from forum.extensions import db
from forum.models import User, Watch
from forum.services import accounts as accounts_service
from forum.services import announcements as announcements_service
from forum.services import images as images_service
from forum.services import reports as reports_service
from forum.services import support as support_service
from forum.services import support_desk
from forum.services.privacy import ensure_first_version
from tests.helpers import dump_database, sign_in


def _png() -> bytes:
    buf = io.BytesIO()
    Pillow.new("RGB", (4, 4)).save(buf, "PNG")
    return buf.getvalue()


_PNG = _png()

EVIL = "https://evil.example"
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
ROLES = ("visitor", "member", "admin")

# Forms sent the legitimate way must change the database: proof the harness fills them well.
MUST_CHANGE = {
    # Signing out ends the session on the server, not only in the browser.
    "accounts.signout",
    "accounts.signout_everywhere",
    "accounts.register",
    "accounts.signin",
    "accounts.follow_link",
    "accounts.change_email",
    "accounts.change_announcements",
    "forum.new_topic",
    "forum.reply",
    "forum.edit_post",
    "support.ask",
    "support_desk.note",
    "support_desk.reply",
    "admin.announcements",
}


# Routes that must accept a cross-site POST, and why; everything else must refuse one.
CROSS_SITE_BY_DESIGN = {
    "announcements.unsubscribe": "one-click unsubscribe (RFC 8058): mail clients post it "
    "from outside the site; the member's signed token in the address is the protection",
    "notices.unsubscribe": "one-click unsubscribe of one kind of notification mail (RFC "
    "8058), as announcements: the member's random token in the address is the protection",
}
LIMITS = ("REGISTER", "SIGNIN_IP", "SIGNIN_ADDRESS", "POSTING", "SUPPORT", "SEARCH")
NO_LIMITS = {f"LIMIT_{name}": "100000 per minute" for name in LIMITS}


@dataclass
class Form:
    role: str
    page: str
    action: str
    rule: Rule | None = None
    fields: list[tuple[str, str]] = field(default_factory=list)


class _FormParser(HTMLParser):
    """Every method="post" form of a page, with the values a person would send."""

    def __init__(self, page: str):
        super().__init__()
        self.page, self.forms, self.current = page, [], None
        self.submits, self.radios, self.select = [], set(), None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == "post":
            self.current = Form("", self.page, urljoin(self.page, a.get("action") or self.page))
            self.submits, self.radios = [], set()
        if self.current is None:
            return
        if tag == "option" and self.select and self.select not in dict(self.current.fields):
            self.current.fields.append((self.select, a.get("value", "")))
            return
        if not a.get("name"):
            return
        name, kind = a["name"], a.get("type", "text").lower()
        if tag == "input" and kind == "submit":
            self.submits.append((name, a.get("value", "")))
        elif tag == "input" and kind == "radio":
            if name not in self.radios:
                self.radios.add(name)
                self.current.fields.append((name, a.get("value", "")))
        elif tag == "input" and kind == "checkbox":
            # Toggle it, so that sending the form is a change.
            if "checked" not in a:
                self.current.fields.append((name, a.get("value") or "y"))
        elif tag == "input":
            self.current.fields.append((name, a.get("value") or _fill(name, kind)))
        elif tag == "textarea":
            self.current.fields.append((name, _fill(name, "textarea")))
        elif tag == "select":
            self.select = name

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "form" and self.current is not None:
            # The button that acts: not a Preview.
            acting = [b for b in self.submits if "preview" not in b[0].lower()]
            if acting:
                self.current.fields.append(acting[0])
            self.forms.append(self.current)
            self.current = None
        elif tag == "select":
            self.select = None


_counter = iter(range(10**6))


def _fill(name: str, kind: str) -> str:
    """A plausible value for a field a person types into."""
    n = next(_counter)
    if name == "website":  # the support form's honeypot stays empty
        return ""
    if kind == "email" or name.endswith("email"):
        return f"control{n}@example.org"
    if name.endswith("username"):
        return f"newcomer{n}"
    return f"Control text number {n}, long enough for any form on the site."


def forms_on(html: str, page: str, role: str) -> list[Form]:
    parser = _FormParser(page)
    parser.feed(html)
    for form in parser.forms:
        form.role = role
    return parser.forms


def build_world(app, member, admin, category, topic, post):
    """Rows for every kind of URL argument; returns the sample values by argument name."""
    ensure_first_version()
    request = support_service.submit_request(
        support_service.Submission(
            kind="support", subject="Lost my link", message="It expired, what now?",
            email="asker@example.org", no_publish=False, user=None, ip="192.0.2.9",
        )
    )  # fmt: skip
    db.session.commit()
    with app.test_request_context():
        announcement, _ = announcements_service.publish(
            admin, "Hello everyone", "First news.", False
        )
    report = reports_service.report_post(post, member, "Looks like spam to me.")
    picture, _ = images_service.upload(member, _PNG, "a dot")
    db.session.commit()
    request = support_desk.get_request(request.id)
    answer = support_desk.publish(
        request,
        admin,
        support_desk.AnswerDraft("Lost links", "It expired.", "Ask again."),
        cleared=True,
    )
    db.session.commit()
    return {
        "slug": category.slug,
        "category_id": category.id,
        "report_id": report.id,
        "topic_id": topic.id,
        "post_id": post.id if post.author_id == member.id else topic_first_post(topic),
        "username": member.username,
        "request_id": request.id,
        "announcement_id": announcement.id,
        "answer_id": answer.id,
        "number": 1,
        "filename": "style.css",
        "image_id": picture.id,
        # A fresh sign-in link is issued for each use (see _fresh_token).
        "token": None,
        ("forum.topic", "slug"): topic.slug,
        ("support.answer", "slug"): answer.slug,
        ("announcements.unsubscribe", "token"): announcements_service.unsubscribe_token(member),
        ("notices.unsubscribe", "token"): member.mail_key,
        ("notices.feed", "token"): "not-a-feed-secret",
        "choice": "replies",
        # The member watches the topic they started (auto-watch).
        "watch_id": db.session.scalar(db.select(db.func.min(Watch.id))),
    }


def topic_first_post(topic) -> int:
    from forum.models import Post

    return db.session.scalar(db.select(db.func.min(Post.id)).where(Post.topic_id == topic.id))


class MissingSample(AssertionError):
    pass


def sample_url(app, rule: Rule, samples: dict, member_id: int | None = None) -> str:
    """The URL of `rule` with sample values; fails loudly when an argument has none."""
    values = {}
    missing = []
    for arg in sorted(rule.arguments):
        value = samples.get((rule.endpoint, arg), samples.get(arg, KeyError))
        choices = getattr(rule._converters.get(arg), "items", None)
        if value is KeyError and choices:  # <any(a, b):arg>: the rule lists its values
            value = sorted(choices)[0]
        if value is KeyError:
            missing.append(arg)
        elif value is None:
            values[arg] = _fresh_token(member_id)
        else:
            values[arg] = value
    if missing:
        raise MissingSample(
            f"Route {rule.rule!r} ({rule.endpoint}) takes {', '.join(missing)}, for which the "
            f"CSRF discovery test has no sample value. Add one to build_world() in "
            f"tests/test_csrf_discovery.py: a key {missing[0]!r} (used by every route) or "
            f"({rule.endpoint!r}, {missing[0]!r}) (this route only), with the id or value of "
            f"a row the world creates. Known arguments: "
            f"{', '.join(sorted(k for k in samples if isinstance(k, str)))}."
        )
    with app.test_request_context():
        return app.url_for(rule.endpoint, **values)


def _fresh_token(member_id: int) -> str:
    raw = accounts_service._issue(db.session.get(User, member_id), "signin", None)
    db.session.commit()
    return raw


def client_as(app, role: str, users: dict):
    """A client for `role`; `users` maps roles to user ids (objects go stale between dumps)."""
    client = app.test_client()
    if role != "visitor":
        sign_in(client, db.session.get(User, users[role]))
    return client


def discover(app, samples, users) -> tuple[list[Form], list[Rule]]:
    """Every post form on every GET page for every role, and every non-GET rule."""
    forms, seen, write_rules = [], set(), []
    for rule in app.url_map.iter_rules():
        if rule.methods & WRITE_METHODS:
            write_rules.append(rule)
    for role in ROLES:
        client = client_as(app, role, users)
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint == "static":
                continue
            url = sample_url(app, rule, samples, users["member"])
            page = client.get(url)
            if page.mimetype != "text/html":
                continue
            for form in forms_on(page.get_data(as_text=True), url, role):
                form.rule = rule
                path = urlsplit(form.action).path
                key = (role, app.url_map.bind("localhost").match(path, "POST")[0], path)
                if key not in seen:
                    seen.add(key)
                    forms.append(form)
    return forms, write_rules


def _endpoint(app, path: str) -> str:
    return app.url_map.bind("localhost").match(urlsplit(path).path, "POST")[0]


def _foreign_token(app, users) -> dict[str, str]:
    """A member's CSRF token from another session, and a form token made for another page."""
    other = client_as(app, "member", users)
    page = other.get("/account").get_data(as_text=True)
    csrf = next(v for n, v in forms_on(page, "/account", "member")[0].fields if n == "csrf_token")
    visitor = app.test_client().get("/support").get_data(as_text=True)
    form = forms_on(visitor, "/support", "visitor")[0]
    return {"csrf": csrf, "form": next(v for n, v in form.fields if n == "form_token")}


def _attacks(fields, foreign):
    untokened = [(n, v) for n, v in fields if not n.endswith(("csrf_token", "form_token"))]
    swapped = [
        (n, foreign["csrf"] if n.endswith("csrf_token") else foreign["form"])
        if n.endswith(("csrf_token", "form_token"))
        else (n, v)
        for n, v in fields
    ]
    return {
        "foreign Origin, no token": (untokened, {"Origin": EVIL, "Sec-Fetch-Site": "cross-site"}),
        "no token, no Origin": (untokened, {}),
        "token from another session": (swapped, {"Origin": EVIL}),
    }


@pytest.fixture
def users(member, admin):
    return {"member": member.id, "admin": admin.id}


def test_no_cross_site_post_changes_anything(app, users, category, topic, post):
    # Rate limits would refuse the many posts first: the refusals tested here are CSRF's.
    app.config.update(NO_LIMITS)
    member, admin = db.session.get(User, users["member"]), db.session.get(User, users["admin"])
    samples = build_world(app, member, admin, category, topic, post)
    member_email = member.email
    forms, write_rules = discover(app, samples, users)
    foreign = _foreign_token(app, users)
    # Every non-GET route is attacked, with the fields of its form where a page shows one.
    targets = [(f.role, f.action, f.fields) for f in forms]
    covered = {_endpoint(app, f.action) for f in forms}
    for rule in write_rules:
        url = sample_url(app, rule, samples, users["member"])
        for role in ("visitor", "member", "admin"):
            if rule.endpoint not in covered:
                targets.append((role, url, [("csrf_token", "x"), ("form_token", "x")]))
    failures = []
    # One signed-in client per role, made before the first dump: signing in writes a session.
    clients = {role: client_as(app, role, users) for role in ("visitor", "member", "admin")}
    before = dump_database()
    for role, url, fields in targets:
        if _endpoint(app, url) in CROSS_SITE_BY_DESIGN:
            continue
        for name, (data, headers) in _attacks(fields, foreign).items():
            client = clients[role]
            response = client.post(url, data=MultiDict(data), headers=headers)
            response.get_data()  # read to the end: work deferred until then runs now
            if response.status_code not in (400, 403):
                failures.append(f"{role} {url} [{name}]: answered {response.status_code}")
        # One comparison per route and role, all three attacks at once.
        after = dump_database()
        if after != before:
            failures.append(f"{role} {url}: a cross-site post changed the database")
            before = after
    assert not failures, "\n".join(failures)
    assert len(write_rules) >= 15 and len(targets) >= len(write_rules)

    # The same forms, sent as the site sends them, do their work.
    changed = set()
    own = {"accounts.signin": {"email": member_email}}  # a link for someone who exists
    ending = ("accounts.signout", "accounts.signout_everywhere")
    for form in sorted(forms, key=lambda f: _endpoint(app, f.action) in ending):
        endpoint = _endpoint(app, form.action)
        if endpoint in changed or endpoint not in MUST_CHANGE:
            continue
        client = client_as(app, form.role, users)
        # Built again: a page whose address holds a one-time token needs a fresh one.
        page_url = sample_url(app, form.rule, samples, users["member"])
        action = page_url if form.action == form.page else form.action
        page = client.get(page_url).get_data(as_text=True)
        fresh = next(f for f in forms_on(page, page_url, form.role) if f.action == action)
        data = MultiDict(fresh.fields)
        for name, value in own.get(endpoint, {}).items():
            data[name] = value
        before = dump_database()
        # The whole answer is read, so that work done after the response (sign-in) runs.
        # As a current browser sends it: with Sec-Fetch-Site (the mailed link's page needs it).
        client.post(action, data=data, headers={"Sec-Fetch-Site": "same-origin"}).get_data()
        if dump_database() != before:
            changed.add(endpoint)
    assert changed == MUST_CHANGE, f"legitimate posts changed nothing on {MUST_CHANGE - changed}"


def test_a_route_without_sample_values_fails_loudly(app):
    rule = Rule("/widgets/<int:widget_id>/frob", endpoint="widgets.frob", methods=["POST"])
    Map([rule])
    with pytest.raises(MissingSample) as failure:
        sample_url(app, rule, {"topic_id": 1})
    message = str(failure.value)
    assert "widget_id" in message and "widgets.frob" in message
    assert "build_world()" in message and "topic_id" in message
