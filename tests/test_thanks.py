"""Thanks (issue 17, item 7): one per member per post, withdrawable, a count everyone sees
on the post, who thanked shown to the post's author only; no notice unless THANKS_NOTIFY;
the thanker's personal data: in the ledger, the export, and gone with the account."""

import json
import re
from datetime import timedelta

import pytest

from forum.extensions import db
from forum.models import Notice, Post, Thanks, utcnow
from forum.services import erasure, moderation
from forum.services import forum as forum_service
from forum.services.deletion import delete_account
from forum.services.retention import purge_unconfirmed_accounts
from tests.helpers import make_app, sign_in, token_in

COUNT = re.compile(r"Thanked by (\d+) members?")


@pytest.fixture
def people(app, topic, member, other_member, admin):
    """juniper's topic with a reply by tomasz; a client each for juniper (the author of
    post 1), tomasz and ada_admin (who may thank it), and a visitor."""
    other_member.confirmed_at = utcnow()
    reply = forum_service.reply(topic, other_member, "A reply by tomasz")
    db.session.commit()
    clients = {}
    for user in (member, other_member, admin):
        clients[user.username] = app.test_client()
        sign_in(clients[user.username], user)
    clients["visitor"] = app.test_client()
    first = db.session.scalar(
        db.select(Post.id).where(Post.topic_id == topic.id, Post.position == 1)
    )
    return {
        "clients": clients,
        "path": f"/t/{topic.id}/{topic.slug}",
        "first": first,
        "reply": reply.id,
    }


def _thank(client, path: str, post_id: int, withdraw: bool = False):
    token = token_in(client.get(path).get_data(as_text=True))
    url = f"/p/{post_id}/thanks" + ("/withdraw" if withdraw else "")
    return client.post(url, data={"csrf_token": token})


def _count(html: str, post_id: int) -> int:
    article = html.split(f'id="p{post_id}"', 1)[1].split("</article>", 1)[0]
    found = COUNT.search(article)
    return int(found.group(1)) if found else 0


def _stored(post_id: int) -> int:
    db.session.expire_all()
    return db.session.get(Post, post_id).thank_count


def test_a_member_thanks_a_post_once_and_can_withdraw(people):
    tomasz, path, first = people["clients"]["tomasz"], people["path"], people["first"]
    page = tomasz.get(path).get_data(as_text=True)
    assert f'action="/p/{first}/thanks"' in page
    response = _thank(tomasz, path, first)
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/p/{first}")
    # The form sent twice: still one thanks.
    assert _thank(tomasz, path, first).status_code == 303
    assert db.session.scalar(db.select(db.func.count()).select_from(Thanks)) == 1
    assert _stored(first) == 1
    page = tomasz.get(path).get_data(as_text=True)
    assert _count(page, first) == 1
    # Now the button takes it back.
    assert f'action="/p/{first}/thanks/withdraw"' in page
    assert f'action="/p/{first}/thanks"' not in page
    assert _thank(tomasz, path, first, withdraw=True).status_code == 303
    assert _thank(tomasz, path, first, withdraw=True).status_code == 303
    assert _stored(first) == 0
    page = tomasz.get(path).get_data(as_text=True)
    assert _count(page, first) == 0 and f'action="/p/{first}/thanks"' in page


def test_the_count_is_right_for_everyone_and_the_page_stays_cached_per_audience(app, people):
    clients, path, first = people["clients"], people["path"], people["first"]
    for name in ("tomasz", "ada_admin"):
        _thank(clients[name], path, first)
    assert _stored(first) == 2
    for name, client in clients.items():
        for _ in range(2):
            html = client.get(path).get_data(as_text=True)
            assert _count(html, first) == 2, name
    # Each member sees their own button on the same cached page.
    tomasz = clients["tomasz"].get(path).get_data(as_text=True)
    assert f'action="/p/{first}/thanks/withdraw"' in tomasz
    _thank(clients["tomasz"], path, first, withdraw=True)
    admin = clients["ada_admin"].get(path).get_data(as_text=True)
    tomasz = clients["tomasz"].get(path).get_data(as_text=True)
    assert f'action="/p/{first}/thanks/withdraw"' in admin
    assert f'action="/p/{first}/thanks"' in tomasz
    assert _count(tomasz, first) == 1
    for key in app.extensions["pagecache"]._entries:
        assert key[-1] in {"visitor", "member", "moderator", "admin"}


def test_who_thanked_is_shown_to_the_author_only(people):
    clients, path, first = people["clients"], people["path"], people["first"]
    _thank(clients["tomasz"], path, first)
    author = clients["juniper"]
    html = author.get(path).get_data(as_text=True)
    assert f'href="/p/{first}/thanked-by"' in html
    listing = author.get(f"/p/{first}/thanked-by")
    assert listing.status_code == 200
    assert ">tomasz</a>" in listing.get_data(as_text=True)
    # No one else learns who: not the thanker, another member, a visitor or a feed.
    for name in ("tomasz", "ada_admin"):
        assert clients[name].get(f"/p/{first}/thanked-by").status_code == 403
        page = clients[name].get(path).get_data(as_text=True)
        assert "/thanked-by" not in page
    visitor = clients["visitor"]
    assert visitor.get(f"/p/{first}/thanked-by").status_code == 302  # to sign in
    page = visitor.get(path).get_data(as_text=True)
    assert "/thanked-by" not in page and "/thanks" not in page
    assert _count(page, first) == 1
    topic_id = path.split("/")[2]
    for feed in (f"/t/{topic_id}/posts.atom", "/feeds/topics.atom", "/latest.atom"):
        assert "thank" not in visitor.get(feed).get_data(as_text=True).lower(), feed


def test_not_your_own_post_not_while_suspended_not_for_visitors(people, other_member):
    clients, path, first, reply = (
        people["clients"],
        people["path"],
        people["first"],
        people["reply"],
    )
    page = clients["juniper"].get(path).get_data(as_text=True)
    assert f'action="/p/{first}/thanks"' not in page  # no button on your own post
    assert f'action="/p/{reply}/thanks"' in page
    assert _thank(clients["juniper"], path, first).status_code == 403
    token = token_in(clients["tomasz"].get(path).get_data(as_text=True))
    other_member.suspended_until = utcnow() + timedelta(days=2)
    other_member.suspension_reason = "Rude"
    db.session.commit()
    page = clients["tomasz"].get(path).get_data(as_text=True)
    assert "/thanks" not in page
    refused = clients["tomasz"].post(f"/p/{first}/thanks", data={"csrf_token": token})
    assert refused.status_code == 403
    assert clients["visitor"].post(f"/p/{first}/thanks").status_code in (400, 401)
    assert _stored(first) == 0


@pytest.mark.parametrize("target", ["0", "99999", "-1", "abc", "1e3", "%00"])
def test_hostile_post_ids(people, target):
    tomasz, path = people["clients"]["tomasz"], people["path"]
    token = token_in(tomasz.get(path).get_data(as_text=True))
    for url in (f"/p/{target}/thanks", f"/p/{target}/thanks/withdraw"):
        assert tomasz.post(url, data={"csrf_token": token}).status_code in (400, 404), url
    assert tomasz.get(f"/p/{target}/thanked-by").status_code in (400, 404)


def test_a_form_without_its_token_changes_nothing(people):
    tomasz, first = people["clients"]["tomasz"], people["first"]
    assert tomasz.post(f"/p/{first}/thanks").status_code == 400
    assert tomasz.post(f"/p/{first}/thanks", data={"csrf_token": "forged"}).status_code == 400
    assert _stored(first) == 0


def test_hidden_and_deleted_posts_cannot_be_thanked_and_lose_their_thanks(
    people, moderator, member
):
    clients, path, first, reply = (
        people["clients"],
        people["path"],
        people["first"],
        people["reply"],
    )
    _thank(clients["juniper"], path, reply)
    token = token_in(clients["juniper"].get(path).get_data(as_text=True))
    moderation.set_post_hidden(moderation.post_for_moderation(reply), moderator, True, "Spam")
    db.session.commit()
    assert (
        clients["juniper"].post(f"/p/{reply}/thanks", data={"csrf_token": token}).status_code == 404
    )
    # The author deletes their first post (the reply keeps the topic): its thanks go.
    _thank(clients["tomasz"], path, first)
    assert _stored(first) == 1
    erasure.delete_post(erasure.post_for_deletion(first, member), member)
    db.session.commit()
    assert _stored(first) == 0
    assert db.session.scalar(db.select(db.func.count()).where(Thanks.post_id == first)) == 0
    token = token_in(clients["tomasz"].get(path).get_data(as_text=True))
    refused = clients["tomasz"].post(f"/p/{first}/thanks", data={"csrf_token": token})
    assert refused.status_code == 303 and _stored(first) == 0


def test_no_notice_by_default_and_one_with_thanks_notify(app, people, member):
    clients, path, first = people["clients"], people["path"], people["first"]
    # (Replies in the fixture's topic notify its author: only thanks notices count here.)
    thanks_notices = db.select(Notice).where(Notice.kind == "thanks")
    _thank(clients["tomasz"], path, first)
    assert list(db.session.scalars(thanks_notices)) == []
    app.config["THANKS_NOTIFY"] = True
    _thank(clients["ada_admin"], path, first)
    notices = list(db.session.scalars(thanks_notices))
    assert [(n.member_id, n.kind) for n in notices] == [(member.id, "thanks")]
    assert "ada_admin thanked your post #1" in notices[0].text
    assert notices[0].link == f"/p/{first}/thanked-by"
    # Sending it again tells no one again.
    _thank(clients["ada_admin"], path, first)
    assert len(list(db.session.scalars(thanks_notices))) == 1


def test_thanks_are_in_the_export_and_go_with_the_account(people, other_member):
    clients, path, first = people["clients"], people["path"], people["first"]
    _thank(clients["tomasz"], path, first)
    _thank(clients["ada_admin"], path, first)
    export = json.loads(clients["tomasz"].get("/account/data.json").get_data(as_text=True))
    assert [t["post_id"] for t in export["thanks_given"]] == [first]
    assert export["thanks_given"][0]["at"].endswith("Z")
    author_export = json.loads(clients["juniper"].get("/account/data.json").get_data(as_text=True))
    assert author_export["thanks_given"] == []
    # Warm the cached page, then delete tomasz: the count drops at once.
    clients["visitor"].get(path)
    delete_account(db.session.get(type(other_member), other_member.id), erase_posts=False)
    db.session.commit()
    assert _stored(first) == 1
    assert db.session.scalar(db.select(db.func.count()).select_from(Thanks)) == 1
    assert _count(clients["visitor"].get(path).get_data(as_text=True), first) == 1


def test_deleting_an_author_erasing_posts_takes_their_posts_thanks(people, member):
    clients, path, first, reply = (
        people["clients"],
        people["path"],
        people["first"],
        people["reply"],
    )
    _thank(clients["juniper"], path, reply)
    _thank(clients["tomasz"], path, first)
    delete_account(db.session.get(type(member), member.id), erase_posts=True)
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count()).select_from(Thanks)) == 0
    assert _stored(reply) == 0


def test_purged_unconfirmed_accounts_take_their_thanks(app, people, other_member):
    clients, path, first = people["clients"], people["path"], people["first"]
    _thank(clients["tomasz"], path, first)
    other_member.confirmed_at = None
    other_member.created_at = utcnow() - timedelta(days=30)
    db.session.commit()
    assert purge_unconfirmed_accounts() == 1
    db.session.commit()
    assert _stored(first) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(Thanks)) == 0


def test_the_data_page_lists_thanks(client):
    page = client.get("/privacy/data").get_data(as_text=True)
    assert "<caption>Thanks you gave</caption>" in page
    assert "Who thanked a post: you" in page and "named to its author only" in page


def test_the_topic_page_stays_within_the_query_budget(people, count_queries):
    clients, path, first, reply = (
        people["clients"],
        people["path"],
        people["first"],
        people["reply"],
    )
    _thank(clients["ada_admin"], path, first)
    _thank(clients["ada_admin"], path, reply)
    for name in ("ada_admin", "tomasz", "visitor"):
        for _ in range(2):
            db.session.expire_all()
            with count_queries() as queries:
                html = clients[name].get(path).get_data(as_text=True)
            assert queries.count <= 5, (name, queries.statements)
            assert not any(s.startswith("SELECT thanks") for s in queries.statements)
        if name == "ada_admin":
            assert html.count("/thanks/withdraw") == 2


def test_two_app_servers_show_the_same_count_at_once(_schema, people):
    """Each app keeps its own page cache, as each server does: thanks given through one
    show on the other's warm page at once."""
    clients, path, first = people["clients"], people["path"], people["first"]
    server_b = make_app()
    reader = server_b.test_client()
    for _ in range(2):
        assert _count(reader.get(path).get_data(as_text=True), first) == 0
    _thank(clients["tomasz"], path, first)
    assert _count(reader.get(path).get_data(as_text=True), first) == 1
