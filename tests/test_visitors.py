"""Visitors read everything public without an account and without a single cookie."""

import io

from PIL import Image as Pillow

from forum.extensions import db
from forum.services import forum as forum_service
from forum.services import images as images_service
from forum.services import privacy as privacy_service
from forum.services import support as support_service
from forum.services import support_desk


def _picture(member) -> str:
    """A picture in a post, so that /i/<image_id> is crawled like any public page."""
    buf = io.BytesIO()
    Pillow.new("RGB", (4, 4)).save(buf, "PNG")
    picture, _ = images_service.upload(member, buf.getvalue(), "a dot")
    db.session.commit()
    return picture.id


def _sample_values(category, topic, post, member):
    return {
        "image_id": _picture(member),
        "slug": category.slug,
        "topic_id": topic.id,
        "post_id": post.id,
        "username": member.username,
        "filename": "style.css",
        "token": "not-a-real-token",
        # Support: a request (staff only: visitors get 403) and its published answer.
        "request_id": 1,
        "answer_id": 1,
        # Privacy policy versions: 2 exists (the crawl publishes it), so its changes render.
        "number": 2,
        "announcement_id": 1,
        "choice": "replies",
    }


def _published_answer(moderator):
    request = support_service.submit_request(
        support_service.Submission("support", "Q?", "Question", None, False, None, "192.0.2.1")
    )
    draft = support_desk.AnswerDraft("A title", "Question", "*Answer*")
    return support_desk.publish(
        support_desk.get_request(request.id), moderator, draft, cleared=True
    )


def public_get_urls(app, values) -> list[str]:
    """Every GET route of the url map, filled with real values; fails on an unknown argument."""
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods:
                continue
            missing = set(rule.arguments) - set(values)
            assert not missing, f"the crawl does not know how to fill {missing} in {rule}"
            args = {name: values[name] for name in rule.arguments}
            if rule.endpoint == "forum.topic" and "slug" in rule.arguments:
                args["slug"] = values["topic_slug"]
            urls.append(app.url_for(rule.endpoint, **args))
    return sorted(set(urls))


def test_no_get_route_sets_a_cookie_for_a_visitor(
    app, client, category, topic, post, member, moderator, admin
):
    answer = _published_answer(moderator)
    db.session.commit()
    privacy_service.publish_version(
        admin, "Second", privacy_service.current_version().body + "\nMore."
    )
    db.session.commit()
    values = _sample_values(category, topic, post, member) | {"topic_slug": topic.slug}
    values |= {"request_id": answer.request_id, "answer_id": answer.id}
    urls = public_get_urls(app, values)
    assert "/" in urls and f"/u/{member.username}" in urls
    assert f"/support/answers/{answer.id}-general" in urls
    seen = set()
    while urls:
        url = urls.pop()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        assert "Set-Cookie" not in response.headers, url
        assert response.status_code < 500, url
        if response.status_code in (301, 302) and response.location.startswith("/"):
            urls.append(response.location.split("#")[0])
    assert client.get_cookie("session") is None
    assert len(seen) >= 9


def test_pages_with_pages_and_errors_set_no_cookie(client, topic):
    # The index has one page whatever is asked; a visitor is sent to sign in to write.
    for url, status in [
        ("/?page=2", 200),
        ("/c/general?page=999", 404),
        ("/t/999999/x", 404),
        ("/nowhere", 404),
        ("/c/general/new", 302),
    ]:
        response = client.get(url)
        assert "Set-Cookie" not in response.headers, url
        assert response.status_code == status, url


def test_a_visitor_reads_a_topic_with_its_posts(client, topic, post):
    page = client.get(f"/t/{topic.id}/{topic.slug}").get_data(as_text=True)
    assert "First topic" in page
    assert "<strong>world</strong>" in page and "<code>code</code>" in page
    assert "Replying needs one" in page
    assert 'name="csrf_token"' not in page


def test_writing_asks_a_visitor_to_sign_in(client, category):
    response = client.get("/c/general/new")
    assert response.status_code == 302 and response.location == "/signin"


def test_hidden_content_is_invisible_to_visitors_and_members(
    client, member_client, topic, post, category
):
    post.hidden = True
    db.session.commit()
    for c in (client,):
        page = c.get(f"/t/{topic.id}/{topic.slug}").get_data(as_text=True)
        assert "A reply with" not in page
        assert c.get(f"/p/{post.id}").status_code == 404
    topic.hidden = True
    db.session.commit()
    assert client.get(f"/t/{topic.id}/{topic.slug}").status_code == 404
    assert member_client.get(f"/t/{topic.id}/{topic.slug}").status_code == 404
    assert "First topic" not in client.get("/c/general").get_data(as_text=True)


def test_staff_see_hidden_content_marked(client, moderator, topic, post):
    from tests.helpers import sign_in

    post.hidden = True
    topic.hidden = True
    db.session.commit()
    sign_in(client, moderator)
    page = client.get(f"/t/{topic.id}/{topic.slug}").get_data(as_text=True)
    assert "A reply with" in page and "Hidden" in page
    assert "First topic" in client.get("/c/general").get_data(as_text=True)


def test_profile_never_shows_the_email(client, member, topic):
    page = client.get(f"/u/{member.username}").get_data(as_text=True)
    assert member.username in page and "First topic" in page
    assert "@" not in page.split("<main", 1)[1]


def test_profile_lookup_ignores_case(client, member):
    assert client.get("/u/JUNIPER").status_code == 200


def test_profile_hides_posts_in_hidden_topics(client, member, topic):
    forum_service.reply(topic, member, "Second post")
    topic.hidden = True
    db.session.commit()
    page = client.get(f"/u/{member.username}").get_data(as_text=True)
    assert "First topic" not in page
