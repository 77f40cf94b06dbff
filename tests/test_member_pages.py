"""Pages kept in the page cache for members: each member still sees only their own.

Two members and a moderator (and a visitor) read the same pages, in turn and again, with
the cache warm: each sees their own name, form token, Edit and Report links, notices,
"new since your last visit" and staff controls, and nothing of anyone else's.
"""

import re
from datetime import timedelta

import pytest

from forum import audience
from forum.extensions import db
from forum.models import Post, utcnow
from forum.services import forum as forum_service
from forum.services import privacy
from tests.helpers import sign_in, token_in

NAV = re.compile(r'<nav aria-label="Account">(.*?)</nav>', re.S)
EDIT = re.compile(r'href="/p/(\d+)/edit"')
REPORT = re.compile(r'href="/p/(\d+)/report"')
MODERATE = re.compile(r'href="/staff/posts/(\d+)"')


@pytest.fixture
def readers(app, site, member, other_member, moderator):
    """A client each for juniper, tomasz (confirmed here) and moss, and one for a visitor."""
    other_member.confirmed_at = utcnow()
    db.session.commit()
    clients = {}
    for user in (member, other_member, moderator):
        clients[user.username] = app.test_client()
        sign_in(clients[user.username], user)
    clients["visitor"] = app.test_client()
    return clients


def _authors(topic_id: int) -> dict[int, int]:
    rows = db.session.execute(db.select(Post.id, Post.author_id).where(Post.topic_id == topic_id))
    return dict(rows.all())


def _read_all(readers, path, rounds=2) -> dict[str, str]:
    """Every reader's page at `path`, after `rounds` passes in alternating order."""
    pages = {}
    names = list(readers)
    for number in range(rounds):
        for name in names if number % 2 == 0 else names[::-1]:
            response = readers[name].get(path)
            assert response.status_code == 200, (name, path)
            pages[name] = response.get_data(as_text=True)
    return pages


def test_the_cache_is_warm_and_kept_per_audience_never_per_member(app, site, readers):
    _read_all(readers, site.topic)
    keys = {key for key in app.extensions["pagecache"]._entries if key[0] == "topic"}
    assert {key[-1] for key in keys} == {"visitor", "member", "moderator"}
    for _, page in app.extensions["pagecache"]._entries.values():
        text = page if isinstance(page, str) else "".join(p[0] for p in page.parts) + page.tail
        assert not re.search(r">(juniper|tomasz|moss)</a>\s*<a href=\"/account\"", text)
        assert 'name="csrf_token" value=' not in text


def test_each_reader_sees_their_own_controls_on_a_warm_topic_page(
    site, readers, member, other_member, moderator
):
    pages = _read_all(readers, site.topic)
    authors = _authors(site.topic_id)
    ids = {user.username: user.id for user in (member, other_member, moderator)}
    for name in ("juniper", "tomasz"):
        page = pages[name]
        nav = NAV.search(page).group(1)
        assert f">{name}</a>" in nav and all(f">{o}</a>" not in nav for o in ids if o != name)
        own = {p for p, a in authors.items() if a == ids[name]}
        assert own, name
        assert {int(p) for p in EDIT.findall(page)} == own
        assert {int(p) for p in REPORT.findall(page)} == set(authors) - own
        assert not MODERATE.findall(page) and "Moderate topic" not in page
        assert "net " not in page
    staff = pages["moss"]
    assert ">moss</a>" in NAV.search(staff).group(1)
    assert {int(p) for p in MODERATE.findall(staff)} == set(authors)
    assert "Moderate topic" in staff and not REPORT.findall(staff) and not EDIT.findall(staff)
    visitor = pages["visitor"]
    assert not (EDIT.findall(visitor) or REPORT.findall(visitor) or MODERATE.findall(visitor))
    assert "csrf_token" not in visitor and "Sign in" in NAV.search(visitor).group(1)
    assert audience.NONCE not in "".join(pages.values())


def test_each_member_gets_their_own_form_token_and_it_works(site, readers):
    pages = _read_all(readers, site.long_topic + "?page=last")
    tokens = {name: token_in(page) for name, page in pages.items() if name != "visitor"}
    assert len(set(tokens.values())) == 3
    for name, text in (("juniper", "Reply from juniper"), ("tomasz", "Reply from tomasz")):
        assert 'id="reply-heading"' in pages[name]
        response = readers[name].post(
            f"/t/{site.long_topic_id}/reply", data={"csrf_token": tokens[name], "body": text}
        )
        assert response.status_code == 302, name
    # A token is good for its own session only: juniper's cached page gives tomasz nothing.
    stolen = readers["tomasz"].post(
        f"/t/{site.long_topic_id}/reply", data={"csrf_token": tokens["juniper"], "body": "no"}
    )
    assert stolen.status_code in (400, 422)
    pages = _read_all(readers, site.long_topic + "?page=last", rounds=1)
    assert "Reply from juniper" in pages["visitor"] and "Reply from tomasz" in pages["moss"]


def test_suspension_and_policy_notice_are_each_members_own(app, site, readers, admin, other_member):
    _read_all(readers, site.long_topic + "?page=last")  # warm, before anything changes
    other_member.suspended_until = utcnow() + timedelta(days=2)
    other_member.suspension_reason = "Cooling off."
    with app.test_request_context():
        privacy.publish_version(admin, "Shorter retention.", "A new policy text.")
    db.session.commit()
    pages = _read_all(readers, site.long_topic + "?page=last")
    suspended, free = pages["tomasz"], pages["juniper"]
    assert "You are suspended until" in suspended and "Cooling off." in suspended
    assert 'id="reply-heading"' not in suspended
    assert "You are suspended" not in free and 'id="reply-heading"' in free
    for name in ("juniper", "tomasz", "moss"):
        assert "The privacy policy changed" in pages[name], name
    assert "The privacy policy changed" not in pages["visitor"]
    # Dismissed by one member, the notice stays for the others.
    token = token_in(pages["juniper"])
    response = readers["juniper"].post(
        "/privacy/seen", data={"csrf_token": token, "version": "2", "next": site.topic}
    )
    assert response.status_code in (302, 303)
    pages = _read_all(readers, site.long_topic + "?page=last", rounds=1)
    assert "The privacy policy changed" not in pages["juniper"]
    assert "The privacy policy changed" in pages["tomasz"]


def test_new_since_last_visit_is_each_members_own(site, readers, member, other_member, category):
    topic = forum_service.create_topic(category, other_member, "Fresh topic", "Opening post")
    db.session.commit()
    path = f"/t/{topic.id}/{topic.slug}"
    first = _read_all(readers, path)
    assert all("New since your last visit" not in page for page in first.values())
    # juniper has read it all; tomasz replies; moss has read it too.
    forum_service.reply(topic, other_member, "Something new")
    db.session.commit()
    for _ in range(2):
        juniper = readers["juniper"].get(path).get_data(as_text=True)
        visitor = readers["visitor"].get(path).get_data(as_text=True)
        assert "New since your last visit" not in visitor
        if _ == 0:
            assert "New since your last visit" in juniper
            marker = juniper.index("New since your last visit")
            assert juniper.index("Something new") > marker > juniper.index("Opening post")
            assert 'href="#new">First new post' in juniper
        else:  # seen now: the page read again shows nothing new
            assert "New since your last visit" not in juniper
    # On the category page, moss (who has not seen the reply) gets a "New posts" badge.
    listing = _read_all(readers, site.category, rounds=1)
    badge = f'href="{path}#new">New posts'
    assert badge in listing["moss"]
    assert badge not in listing["juniper"] and "New posts" not in listing["visitor"]


def test_the_kept_header_and_footer_give_each_reader_their_own_parts(
    app, readers, member, moderator
):
    """Pages outside the page cache (a search, the latest topics) take the site's header
    and footer from templating.frame, kept per audience, language and zone: each reader
    still gets their own name, sign-out token, staff links and time zone."""
    member.timezone = "Asia/Tokyo"
    db.session.commit()
    for path in ("/search?q=anything", "/latest"):
        pages = _read_all(readers, path)
        for name in ("juniper", "tomasz", "moss"):
            nav = NAV.search(pages[name]).group(1)
            assert f">{name}</a>" in nav, (path, name)
            assert all(f">{other}</a>" not in nav for other in readers if other != name)
            assert token_in(pages[name])
        tokens = {token_in(pages[name]) for name in ("juniper", "tomasz", "moss")}
        assert len(tokens) == 3
        assert "Asia/Tokyo" in pages["juniper"] and "Asia/Tokyo" not in pages["tomasz"]
        assert ('href="/staff"' in pages["moss"]) and 'href="/staff"' not in pages["juniper"]
        visitor = pages["visitor"]
        assert "Sign in" in NAV.search(visitor).group(1) and "csrf_token" not in visitor
        assert "Times are shown in UTC" in visitor
        assert audience.NONCE not in "".join(pages.values())
    parts = ("_header.html", "_footer.html")
    kept = {(key[0], key[2]) for key in app.extensions["kept_parts"] if key[0] in parts}
    assert kept == {(part, who) for part in parts for who in ("visitor", "member", "moderator")}
