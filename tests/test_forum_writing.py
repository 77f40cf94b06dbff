"""Members start topics, reply and edit their own posts, with a preview that saves
nothing and a formatting help; locks and hiding hold."""

import pytest

from forum.extensions import db
from forum.models import Category, Post, Topic, User
from forum.services import Forbidden, ServiceError, counters
from forum.services import forum as forum_service
from tests.helpers import csrf_token, problems_of, sign_in


def _topic_url(topic):
    return f"/t/{topic.id}/{topic.slug}"


def test_a_member_starts_a_topic(member_client, category, member):
    token = csrf_token(member_client, "/c/general/new")
    response = member_client.post(
        "/c/general/new",
        data={"csrf_token": token, "title": "  Ünïcode   title  ", "body": "# Hi\n\n*there*"},
    )
    assert response.status_code == 302
    topic = db.session.scalar(db.select(Topic))
    assert topic.title == "Ünïcode title" and topic.slug == "unicode-title"
    assert response.location == _topic_url(topic)
    page = member_client.get(response.location).get_data(as_text=True)
    assert "<em>there</em>" in page
    db.session.expire_all()
    assert db.session.get(Category, category.id).topic_count == 1
    assert db.session.get(Category, category.id).post_count == 1
    assert db.session.get(User, member.id).post_count == 1


def test_invalid_topic_keeps_what_was_typed(member_client, category):
    token = csrf_token(member_client, "/c/general/new")
    response = member_client.post(
        "/c/general/new", data={"csrf_token": token, "title": "ab", "body": "kept body"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "A title is 3 to 200 characters long." in page
    assert "kept body" in page
    assert 'aria-describedby="title-error"' in page


def test_a_post_without_a_csrf_token_changes_nothing(member_client, category):
    response = member_client.post("/c/general/new", data={"title": "Hello", "body": "There"})
    assert response.status_code == 400
    assert db.session.scalar(db.select(db.func.count()).select_from(Topic)) == 0


def test_a_member_replies_and_lands_on_the_post(member_client, topic):
    token = csrf_token(member_client, _topic_url(topic))
    response = member_client.post(
        f"/t/{topic.id}/reply", data={"csrf_token": token, "body": "Me too"}
    )
    assert response.status_code == 302
    post = db.session.scalar(db.select(Post).where(Post.body == "Me too"))
    assert post.position == 2
    assert response.location == f"/p/{post.id}"
    landing = member_client.get(response.location)
    assert landing.location == f"{_topic_url(topic)}#p{post.id}"
    db.session.expire_all()
    assert db.session.get(Topic, topic.id).post_count == 2


def test_an_empty_reply_is_refused_with_a_message(member_client, topic):
    token = csrf_token(member_client, _topic_url(topic))
    response = member_client.post(
        f"/t/{topic.id}/reply", data={"csrf_token": token, "body": "  \n "}
    )
    assert response.status_code == 422
    assert "A post needs some text." in response.get_data(as_text=True)


def test_an_edit_too_long_is_refused_and_keeps_the_post(app, member_client, topic):
    app.config["MAX_POST_LENGTH"] = 50
    first = db.session.scalar(db.select(Post).where(Post.topic_id == topic.id))
    token = csrf_token(member_client, f"/p/{first.id}/edit")
    response = member_client.post(
        f"/p/{first.id}/edit", data={"csrf_token": token, "body": "y" * 60}
    )
    assert response.status_code == 422
    assert "at most 50 characters" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Post, first.id).body == "Hello **world**."


def test_too_long_a_post_is_refused_clearly(app, member_client, topic):
    app.config["MAX_POST_LENGTH"] = 100
    token = csrf_token(member_client, _topic_url(topic))
    response = member_client.post(
        f"/t/{topic.id}/reply", data={"csrf_token": token, "body": "x" * 101}
    )
    assert response.status_code == 422
    assert "at most 100 characters" in response.get_data(as_text=True)


def test_a_request_body_over_the_limit_gets_413(app, member_client, topic):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = member_client.post(f"/t/{topic.id}/reply", data={"body": "x" * 5000})
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


def test_locked_topics_take_no_replies(member_client, topic, member):
    token = csrf_token(member_client, _topic_url(topic))
    topic.locked = True
    counters.touch_topic(topic.id)  # as moderation does: cached pages key on it
    db.session.commit()
    page = member_client.get(_topic_url(topic)).get_data(as_text=True)
    assert "locked" in page and 'action="/t/' not in page
    response = member_client.post(f"/t/{topic.id}/reply", data={"csrf_token": token, "body": "x"})
    assert response.status_code == 403
    with pytest.raises(Forbidden):
        forum_service.reply(topic, member, "still no")


def test_replies_to_hidden_topics_are_refused(member_client, topic):
    token = csrf_token(member_client, _topic_url(topic))
    topic.hidden = True
    db.session.commit()
    response = member_client.post(f"/t/{topic.id}/reply", data={"csrf_token": token, "body": "x"})
    assert response.status_code == 404


def test_a_member_edits_their_own_post(member_client, topic):
    first = db.session.scalar(db.select(Post).where(Post.topic_id == topic.id))
    token = csrf_token(member_client, f"/p/{first.id}/edit")
    response = member_client.post(
        f"/p/{first.id}/edit", data={"csrf_token": token, "body": "Changed **text**"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    first = db.session.get(Post, first.id)
    assert first.body == "Changed **text**" and "<strong>text</strong>" in first.html
    assert first.edited_at is not None
    page = member_client.get(_topic_url(topic)).get_data(as_text=True)
    assert "Your post was saved." in page and "edited" in page


def test_no_one_edits_another_members_post(client, topic, other_member):
    first = db.session.scalar(db.select(Post).where(Post.topic_id == topic.id))
    sign_in(client, other_member)
    token = csrf_token(client, "/c/general/new")
    assert client.get(f"/p/{first.id}/edit").status_code == 403
    response = client.post(f"/p/{first.id}/edit", data={"csrf_token": token, "body": "mine now"})
    assert response.status_code == 403
    with pytest.raises(Forbidden):
        forum_service.edit_own_post(first, other_member, "mine now")
    db.session.expire_all()
    assert db.session.get(Post, first.id).body == "Hello **world**."


def test_visitors_cannot_write(client, topic):
    # Refused by the CSRF check, before sign-in: a visitor has no session to hold a token.
    assert client.post(f"/t/{topic.id}/reply", data={"body": "x"}).status_code == 400
    response = client.post("/c/general/new", data={"title": "abc", "body": "x"})
    assert response.status_code == 400
    assert "Set-Cookie" not in response.headers
    assert db.session.scalar(db.select(db.func.count()).select_from(Post)) == 1


def test_titles_and_bodies_lose_control_characters(category, member):
    topic = forum_service.create_topic(category, member, "A\x00B\u202eC\tD", "x\x00y\r\nz")
    assert topic.title == "ABC D"
    post = db.session.scalar(db.select(Post).where(Post.topic_id == topic.id))
    assert post.body == "xy\nz"


@pytest.mark.parametrize("title", ["", "  ", "ab", "x" * 201, "\x00\x00\x00"])
def test_bad_titles_raise_a_field_error(category, member, title):
    with pytest.raises(ServiceError) as info:
        forum_service.create_topic(category, member, title, "body")
    assert info.value.field == "title"


def test_slug_falls_back_when_the_title_has_no_ascii(category, member):
    topic = forum_service.create_topic(category, member, "日本語のタイトル", "body")
    assert topic.slug == "topic"


def test_permalinks_land_on_the_right_page(app, client, topic, member):
    app.config["POSTS_PER_PAGE"] = 5
    posts = [forum_service.reply(topic, member, f"Reply {n}") for n in range(12)]
    db.session.commit()
    assert (
        client.get(f"/p/{posts[-1].id}").location == f"{_topic_url(topic)}?page=3#p{posts[-1].id}"
    )
    assert client.get(f"/p/{posts[2].id}").location == f"{_topic_url(topic)}#p{posts[2].id}"


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
