"""Reading progress: "new since your last visit" for members, nothing kept for visitors,
and the progress goes with the account and into its export."""

from forum.extensions import db
from forum.models import TopicRead
from forum.services import forum as forum_service
from forum.services.deletion import delete_account


def _new_marker(html: str) -> int:
    return html.count('id="new"')


def test_new_since_your_last_visit(member_client, site, member, other_member):
    # The first visit marks nothing: everything would be "new".
    assert _new_marker(member_client.get(site.topic).get_data(as_text=True)) == 0
    topic = forum_service.visible_topic(site.topic_id, None)
    forum_service.reply(topic, other_member, "Written while you were away")
    forum_service.reply(topic, other_member, "And another")
    db.session.commit()

    listing = member_client.get(site.category).get_data(as_text=True)
    assert listing.count('class="badge new"') == 1
    assert f'href="{site.topic}#new"' in listing

    html = member_client.get(site.topic).get_data(as_text=True)
    assert _new_marker(html) == 1
    assert html.index('id="new"') < html.index("Written while you were away")
    assert html.index("A reply by someone else") < html.index('id="new"')
    assert 'href="#new"' in html
    # Seen now: the marker and the badge are gone.
    assert _new_marker(member_client.get(site.topic).get_data(as_text=True)) == 0
    assert 'class="badge new"' not in member_client.get(site.category).get_data(as_text=True)


def test_new_posts_link_to_the_page_they_are_on(member_client, site, member, other_member):
    member_client.get(site.long_topic + "?page=2")  # seen up to post 40 of 69
    topic = forum_service.visible_topic(site.long_topic_id, None)
    forum_service.reply(topic, other_member, "Post 70")
    db.session.commit()
    listing = member_client.get(site.category).get_data(as_text=True)
    assert f'href="{site.long_topic}?page=3#new"' in listing
    html = member_client.get(site.long_topic + "?page=3").get_data(as_text=True)
    assert html.index('id="new"') < html.index("Post 41<")
    member_client.get(site.long_topic + "?page=last")
    # Going back to page 1 does not lower how far they have read.
    member_client.get(site.long_topic)
    assert 'class="badge new"' not in member_client.get(site.category).get_data(as_text=True)


def test_visitors_are_never_tracked(client, site):
    for _ in range(2):
        assert _new_marker(client.get(site.topic).get_data(as_text=True)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(TopicRead)) == 0


def test_reading_progress_goes_with_the_account(member_client, site, member):
    member_client.get(site.topic)
    assert db.session.scalar(db.select(db.func.count()).select_from(TopicRead)) == 1
    delete_account(db.session.get(type(member), member.id), erase_posts=False)
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count()).select_from(TopicRead)) == 0


def test_reading_progress_is_in_the_members_export(member_client, site, member):
    member_client.get(site.long_topic + "?page=2")
    data = member_client.get("/account/data.json").get_json()
    (read,) = data["topics_read"]
    assert read["topic_id"] == site.long_topic_id and read["read_up_to_post"] == 40
    assert read["before_last_visit"] is None and read["last_visit"].endswith("Z")
