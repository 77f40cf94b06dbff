"""Every page kind, as a visitor, a member and staff, parsed as HTML: a language, a title,
one <h1>, landmarks, labelled fields, errors tied to their fields; and the writing and
reading aids of the design (preview, formatting help, pager, "new since your last visit")."""

import re
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest

from forum.extensions import db
from forum.models import Post, Topic, TopicRead
from forum.services import announcements as announcement_service
from forum.services import forum as forum_service
from forum.services import support as support_service
from forum.services import support_desk
from forum.services.deletion import delete_account
from tests.conftest import csrf_token, sign_in

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
FIELDS = {"input", "textarea", "select"}
UNLABELLED_INPUTS = {"hidden", "submit", "button", "reset", "image"}


@dataclass
class Element:
    tag: str
    attrs: dict
    parents: tuple
    text: str = ""


class Page(HTMLParser):
    """The elements of a page, each with its ancestors' tags and its own text."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.stack: list[Element] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {k: v or "" for k, v in attrs}, tuple(e.tag for e in self.stack))
        self.elements.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        for element in self.stack:
            element.text += data

    def all(self, tag: str) -> list[Element]:
        return [e for e in self.elements if e.tag == tag]

    def by_id(self) -> dict[str, Element]:
        return {e.attrs["id"]: e for e in self.elements if e.attrs.get("id")}


def problems_of(html: str) -> list[str]:
    """What keeps a page from the bar every page must meet."""
    page, found = Page(html), []
    (root,) = page.all("html") or [Element("html", {}, ())]
    if not root.attrs.get("lang"):
        found.append("no lang on <html>")
    titles = [t for t in page.all("title") if "svg" not in t.parents]
    if len(titles) != 1 or not titles[0].text.strip() or titles[0].text.strip().startswith("·"):
        found.append(f"title: {[t.text for t in titles]}")
    h1s = page.all("h1")
    if len(h1s) != 1 or not h1s[0].text.strip():
        found.append(f"{len(h1s)} <h1> elements: {[h.text.strip() for h in h1s]}")
    for landmark in ("header", "main", "footer", "nav"):
        if not page.all(landmark):
            found.append(f"no <{landmark}>")
    if len(page.all("main")) != 1:
        found.append("more than one <main>")
    if not any(a.attrs.get("href") == "#main" for a in page.all("a")):
        found.append("no skip link")
    ids = [e.attrs["id"] for e in page.elements if e.attrs.get("id")]
    found += [f"duplicate id {i!r}" for i in sorted({i for i in ids if ids.count(i) > 1})]
    by_id = page.by_id()
    labelled = {e.attrs.get("for") for e in page.all("label")}
    for e in page.elements:
        if e.tag in FIELDS and e.attrs.get("type") not in UNLABELLED_INPUTS:
            name = e.attrs.get("name") or e.attrs.get("id")
            if not (
                e.attrs.get("id") in labelled
                or "label" in e.parents
                or e.attrs.get("aria-label")
                or e.attrs.get("aria-labelledby")
            ):
                found.append(f"field {name!r} has no label")
        for ref in e.attrs.get("aria-describedby", "").split():
            if ref not in by_id:
                found.append(f"{e.tag} aria-describedby points at missing {ref!r}")
        if e.attrs.get("aria-invalid") == "true":
            described = [by_id.get(r) for r in e.attrs.get("aria-describedby", "").split()]
            if not any(d is not None and "error" in d.attrs.get("class", "") for d in described):
                found.append(f"invalid field {e.attrs.get('name')!r} is not tied to its error")
    for e in page.elements:
        if "error" in e.attrs.get("class", "").split() and e.attrs.get("id", "").endswith("-error"):
            field_id = e.attrs["id"].removesuffix("-error")
            field = by_id.get(field_id)
            if field is None or e.attrs["id"] not in field.attrs.get("aria-describedby", ""):
                found.append(f"error {e.attrs['id']!r} is not tied to a field")
    for img in page.all("img"):
        if "alt" not in img.attrs:
            found.append(f"image {img.attrs.get('src')!r} has no alt")
    return found


@dataclass(frozen=True)
class Site:
    """Paths to one page of each kind (plain strings: no ORM object outlives the seeding)."""

    category: str
    topic: str
    topic_id: int
    long_topic: str
    long_topic_id: int
    post_id: int
    other_post_id: int
    profile: str
    answer: str
    announcement: str
    request: str


@pytest.fixture
def site(app, category, member, other_member, admin) -> Site:
    topic = forum_service.create_topic(category, member, "Reading the forum", "First *post*.")
    other = forum_service.reply(topic, other_member, "A reply by someone else.")
    long = forum_service.create_topic(category, other_member, "A long topic", "Post 1")
    for n in range(2, 70):
        forum_service.reply(long, member if n % 2 else other_member, f"Post {n}")
    request = support_service.submit_request(
        support_service.Submission(
            "support", "How do links work?", "I need a link.", "q@example.org", False, None, None
        )
    )
    db.session.flush()
    answer = support_desk.publish(
        support_desk.get_request(request.id),
        admin,
        support_desk.AnswerDraft("How sign-in links work", "How?", "Like so."),
    )
    with app.test_request_context():
        announcement, _ = announcement_service.publish(
            admin, "We have a new look", "Read **all about it**.", False
        )
    db.session.commit()
    return Site(
        category=f"/c/{category.slug}",
        topic=f"/t/{topic.id}/{topic.slug}",
        topic_id=topic.id,
        long_topic=f"/t/{long.id}/{long.slug}",
        long_topic_id=long.id,
        post_id=db.session.scalar(
            db.select(Post.id).where(Post.topic_id == topic.id, Post.position == 1)
        ),
        other_post_id=other.id,
        profile=f"/u/{member.username}",
        answer=f"/support/answers/{answer.id}-{answer.slug}",
        announcement=f"/announcements/{announcement.id}",
        request=f"/staff/support/{request.id}",
    )


def forum_pages(site: Site) -> list[str]:
    """The pages whose controls change with who reads them."""
    return [
        "/",
        site.category,
        site.topic,
        site.long_topic,
        site.long_topic + "?page=2",
        site.profile,
    ]


def public_pages(site: Site) -> list[str]:
    return [
        *forum_pages(site),
        "/privacy",
        "/privacy/v/1",
        "/privacy/cookies",
        "/privacy/data",
        "/stats",
        "/support",
        "/support/answers",
        site.answer,
        "/announcements",
        site.announcement,
        "/no/such/page",
    ]


def visitor_pages(site: Site) -> list[str]:
    return [*public_pages(site), "/signin", "/register", "/signin/sent"]


def member_only_pages(site: Site) -> list[str]:
    return [site.category + "/new", f"/p/{site.post_id}/edit", "/account", "/account/data"]


def member_pages(site: Site) -> list[str]:
    return [*public_pages(site), *member_only_pages(site)]


def staff_only_pages(site: Site) -> list[str]:
    """The admin's own pages; staff_routes adds every other the staff blueprints have."""
    return [
        site.category + "/new",
        "/staff/support",
        site.request,
        site.request + "/publish",
        f"/staff/posts/{site.other_post_id}",
        f"/staff/topics/{site.topic_id}",
        "/staff/members/tomasz",
    ]


def staff_pages(site: Site) -> list[str]:
    return [*public_pages(site), *staff_only_pages(site)]


def staff_routes_without_arguments(app) -> list[str]:
    """GET pages of the staff and moderation blueprints that need no argument."""
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods
        and not rule.arguments
        and rule.endpoint.split(".")[0]
        in {"desk", "disclosure", "support_desk", "admin", "moderation", "sanctions"}
    )


def check_pages(client, paths: list[str]) -> list[str]:
    found = []
    for path in paths:
        response = client.get(path)
        assert response.status_code in (200, 404), (path, response.status_code)
        assert response.mimetype == "text/html", path
        found += [f"{path}: {p}" for p in problems_of(response.get_data(as_text=True))]
    return found


def test_every_page_kind_for_a_visitor(client, site):
    assert check_pages(client, visitor_pages(site)) == []


def test_every_page_kind_for_a_member(client, site, member):
    sign_in(client, member)
    assert check_pages(client, member_pages(site)) == []


def test_every_page_kind_for_staff(app, client, site, admin):
    sign_in(client, admin)
    paths = staff_pages(site) + staff_routes_without_arguments(app)
    assert check_pages(client, list(dict.fromkeys(paths))) == []


def test_forms_sent_back_with_errors_tie_each_error_to_its_field(member_client, site):
    token = csrf_token(member_client, site.category + "/new")
    pages = [
        member_client.post(site.category + "/new", data={"csrf_token": token, "title": "x"}),
        member_client.post(f"/t/{site.topic_id}/reply", data={"csrf_token": token, "body": " "}),
        member_client.post(f"/p/{site.post_id}/edit", data={"csrf_token": token, "body": ""}),
    ]
    for response in pages:
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        assert 'aria-invalid="true"' in html
        assert problems_of(html) == []


def _form_token(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="form_token" type="hidden" value="([^"]+)"', page).group(1)


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/register", {"username": "x", "email": "not an address"}),
        ("/signin", {"email": "nobody"}),
        ("/support", {"kind": "support", "subject": "", "message": ""}),
    ],
)
def test_visitor_forms_sent_back_with_errors(client, site, path, data):
    response = client.post(path, data={**data, "form_token": _form_token(client, path)})
    assert response.status_code == 422, response.status_code
    html = response.get_data(as_text=True)
    assert html.count('aria-invalid="true"') >= 1
    assert problems_of(html) == []


def test_the_checker_finds_what_it_looks_for():
    """Each rule above really fails a page that breaks it (so the tests can fail)."""
    good = (
        '<!doctype html><html lang="en"><head><title>A · Forum</title></head><body>'
        '<a href="#main">Skip</a><header><nav>n</nav></header><main id="main"><h1>A</h1>'
        '<label for="t">T</label><input id="t" name="t" aria-invalid="true" '
        'aria-describedby="t-error"><p class="error" id="t-error">Bad.</p>'
        "</main><footer>f</footer></body></html>"
    )
    assert problems_of(good) == []
    broken = {
        "no lang": good.replace(' lang="en"', ""),
        "title": good.replace("A · Forum", " · Forum"),
        "2 <h1>": good.replace("<h1>A</h1>", "<h1>A</h1><h1>B</h1>"),
        "no <footer>": good.replace("<footer>f</footer>", ""),
        "no skip link": good.replace('href="#main"', 'href="/"'),
        "has no label": good.replace('<label for="t">T</label>', ""),
        "not tied to its error": good.replace(' aria-describedby="t-error"', ""),
        "missing 't-error'": good.replace('id="t-error"', 'id="other"'),
        "duplicate id": good.replace("<h1>A</h1>", '<h1 id="t">A</h1>'),
        "has no alt": good.replace("<h1>A</h1>", '<h1>A</h1><img src="/x.png">'),
    }
    for expected, html in broken.items():
        found = problems_of(html)
        assert any(expected in p for p in found), (expected, found)


# --- writing: a preview that works without JavaScript, and a short formatting help ---------


def test_previewing_a_new_topic_renders_it_and_saves_nothing(member_client, site):
    token = csrf_token(member_client, site.category + "/new")
    data = {"csrf_token": token, "title": "Draft topic", "body": "**Bold** <script>x</script>"}
    response = member_client.post(site.category + "/new", data={**data, "preview": "Preview"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<section class="preview"' in html and "<strong>Bold</strong>" in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "<script>x" not in html
    # The form keeps what was typed, below the preview.
    assert html.index('class="preview"') < html.index('name="body"')
    assert "**Bold**" in html and 'value="Draft topic"' in html
    assert db.session.scalar(db.select(db.func.count()).where(Topic.title == "Draft topic")) == 0
    response = member_client.post(site.category + "/new", data={**data, "submit": "Start topic"})
    assert response.status_code == 302


def test_previewing_a_reply_and_an_edit(member_client, site):
    token = csrf_token(member_client, site.topic)
    body = "> quoted\n\n| a | b |\n|---|---|\n| 1 | 2 |"
    response = member_client.post(
        f"/t/{site.topic_id}/reply", data={"csrf_token": token, "body": body, "preview": "1"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<blockquote>" in html and '<table tabindex="0">' in html
    assert problems_of(html) == []
    assert forum_service.visible_topic(site.topic_id, None).last_position == 2

    response = member_client.post(
        f"/p/{site.post_id}/edit", data={"csrf_token": token, "body": "*new*", "preview": "1"}
    )
    assert response.status_code == 200
    assert "<em>new</em>" in response.get_data(as_text=True)
    assert db.session.get(Post, site.post_id).body == "First *post*."


def test_an_empty_or_oversized_preview_is_a_clear_error(app, member_client, site):
    token = csrf_token(member_client, site.topic)
    app.config["MAX_POST_LENGTH"] = 50
    for body, message in [("   ", "A post needs some text."), ("x" * 51, "at most 50")]:
        response = member_client.post(
            f"/t/{site.topic_id}/reply", data={"csrf_token": token, "body": body, "preview": "1"}
        )
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        assert message in html and 'class="preview"' not in html


def test_writing_forms_offer_a_preview_button_and_formatting_help(member_client, site):
    for path in (site.category + "/new", site.topic, f"/p/{site.post_id}/edit"):
        html = member_client.get(path).get_data(as_text=True)
        assert 'name="preview" type="submit" value="Preview"' in html, path
        assert "<summary>Formatting help</summary>" in html, path


# --- reading: pager, latest, new since your last visit --------------------------------------


def _pager(html: str) -> str:
    start = html.index('<nav class="pager"')
    return html[start : html.index("</nav>", start)]


def _numbers(pager: str) -> list[str]:
    """The page numbers and gaps of a pager, in order."""
    return [n or gap for n, gap in re.findall(r"(\d+)</(?:a|span)>|(…)", pager)]


def test_pager_always_shows_the_first_and_last_page(app, client, site):
    app.config["POSTS_PER_PAGE"] = 5  # 69 posts: 14 pages
    pager = _pager(client.get(site.long_topic + "?page=7").get_data(as_text=True))
    assert _numbers(pager) == ["1", "…", "5", "6", "7", "8", "9", "…", "14"]
    assert 'rel="first"' in pager and 'rel="last"' in pager
    assert 'rel="prev"' in pager and 'rel="next"' in pager
    assert '<span aria-current="page"><span class="visually-hidden">Page </span>7</span>' in pager
    pager = _pager(client.get(site.long_topic).get_data(as_text=True))
    assert _numbers(pager) == ["1", "2", "3", "…", "14"]
    assert 'rel="prev"' not in pager and 'rel="first"' not in pager
    pager = _pager(client.get(site.long_topic + "?page=14").get_data(as_text=True))
    assert _numbers(pager) == ["1", "…", "12", "13", "14"]
    assert 'rel="next"' not in pager and 'rel="last"' not in pager
    html = client.get(site.long_topic).get_data(as_text=True)
    assert "Jump to latest" in html and f"{site.long_topic}?page=14#latest" in html


def test_jump_to_latest_lands_on_the_last_post(client, site):
    html = client.get(site.long_topic + "?page=last").get_data(as_text=True)
    assert html.index('id="latest"') < html.index("Post 69") < html.index("</main>")
    assert html.count('id="latest"') == 1


def _new_marker(html: str) -> int:
    return html.count('id="new"')


def test_new_since_your_last_visit(client, site, member, other_member):
    sign_in(client, member)
    # The first visit marks nothing: everything would be "new".
    assert _new_marker(client.get(site.topic).get_data(as_text=True)) == 0
    topic = forum_service.visible_topic(site.topic_id, None)
    forum_service.reply(topic, other_member, "Written while you were away")
    forum_service.reply(topic, other_member, "And another")
    db.session.commit()

    listing = client.get(site.category).get_data(as_text=True)
    assert listing.count('class="badge new"') == 1
    assert f'href="{site.topic}#new"' in listing

    html = client.get(site.topic).get_data(as_text=True)
    assert _new_marker(html) == 1
    assert html.index('id="new"') < html.index("Written while you were away")
    assert html.index("A reply by someone else") < html.index('id="new"')
    assert 'href="#new"' in html
    # Seen now: the marker and the badge are gone.
    assert _new_marker(client.get(site.topic).get_data(as_text=True)) == 0
    assert 'class="badge new"' not in client.get(site.category).get_data(as_text=True)


def test_new_posts_link_to_the_page_they_are_on(client, site, member, other_member):
    sign_in(client, member)
    client.get(site.long_topic + "?page=2")  # seen up to post 40 of 69
    topic = forum_service.visible_topic(site.long_topic_id, None)
    forum_service.reply(topic, other_member, "Post 70")
    db.session.commit()
    listing = client.get(site.category).get_data(as_text=True)
    assert f'href="{site.long_topic}?page=3#new"' in listing
    html = client.get(site.long_topic + "?page=3").get_data(as_text=True)
    assert html.index('id="new"') < html.index("Post 41<")
    client.get(site.long_topic + "?page=last")
    # Going back to page 1 does not lower how far they have read.
    client.get(site.long_topic)
    assert 'class="badge new"' not in client.get(site.category).get_data(as_text=True)


def test_visitors_are_never_tracked(client, site):
    for _ in range(2):
        assert _new_marker(client.get(site.topic).get_data(as_text=True)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(TopicRead)) == 0


def test_reading_progress_goes_with_the_account(client, site, member):
    sign_in(client, member)
    client.get(site.topic)
    assert db.session.scalar(db.select(db.func.count()).select_from(TopicRead)) == 1
    delete_account(db.session.get(type(member), member.id), erase_posts=False)
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count()).select_from(TopicRead)) == 0


def test_a_member_topic_page_stays_within_the_query_budget(client, site, member, count_queries):
    sign_in(client, member)
    for path in (site.topic, site.long_topic + "?page=last", site.category):
        client.get(path)
        db.session.expire_all()
        with count_queries() as queries:
            assert client.get(path).status_code == 200
        assert queries.count <= 5, (path, queries.statements)


def test_reading_progress_is_in_the_members_export(client, site, member):
    sign_in(client, member)
    client.get(site.long_topic + "?page=2")
    data = client.get("/account/data.json").get_json()
    (read,) = data["topics_read"]
    assert read["topic_id"] == site.long_topic_id and read["read_up_to_post"] == 40
    assert read["before_last_visit"] is None and read["last_visit"].endswith("Z")


def test_the_optional_script_is_only_where_there_is_something_to_write(client, site, member):
    script = '<script src="/static/forum.js" defer></script>'
    for path in visitor_pages(site):
        assert "<script" not in client.get(path).get_data(as_text=True), path
    sign_in(client, member)
    assert script in client.get(site.topic).get_data(as_text=True)
    assert script in client.get(site.category + "/new").get_data(as_text=True)
    assert "<script" not in client.get(site.long_topic).get_data(as_text=True)  # no form: page 1
    assert client.get("/static/forum.js").status_code == 200
