"""Issue 19's bugs: future dates, suspended members' links, the way back from a reveal, and
the wording of the staff pages (plurals, the log, the forms' checkboxes, destructive buttons)."""

import re
from datetime import datetime, timedelta

from forum.extensions import db
from forum.models import Topic, utcnow
from forum.services import disclosure, moderation, sanctions
from forum.templating import absolute, relative
from tests.helpers import csrf_token, sign_in


def test_future_dates_say_how_far_ahead_they_are():
    now = datetime(2026, 12, 1, 12, 0)
    assert relative(now + timedelta(days=7) - timedelta(seconds=5), now) == "in 6 days"
    assert relative(now + timedelta(hours=3, minutes=1), now) == "in 3 hours"
    assert relative(now + timedelta(minutes=1), now) == "in 1 minute"
    assert relative(now + timedelta(seconds=20), now) == "in a minute"
    assert relative(now - timedelta(hours=2), now) == "2 hours ago"
    assert relative(now, now) == "just now"
    assert relative(now + timedelta(days=30), now) == "Dec 31, 2026"


def test_a_suspension_reads_in_days_with_the_date_in_the_title(
    app, client, moderator, member, topic
):
    sanctions.suspend(member, moderator, 7, "Rude")
    until = member.suspended_until
    db.session.commit()
    sign_in(client, moderator)
    page = client.get(f"/staff/members/{member.username}").get_data(as_text=True)
    assert f'title="{absolute(until)}">in 6 days</time>: Rude' in page
    assert absolute(until).endswith(" UTC")


def test_a_suspended_member_sees_no_edit_or_report_links(app, client, member, topic, post):
    sign_in(client, member)
    url = f"/t/{topic.id}/{topic.slug}"
    page = client.get(url).get_data(as_text=True)
    assert f"/p/{post.id}/report" in page and "/edit" in page
    member.suspended_until = utcnow() + timedelta(days=2)
    member.suspension_reason = "Cooling off"
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert f"/p/{post.id}/report" not in page and "post-edit" not in page


def test_the_revealed_value_page_has_a_way_back(app, client, moderator, topic, post):
    disclosure.accept_agreement(moderator, disclosure.current_agreement().version)
    db.session.commit()
    sign_in(client, moderator)
    url = f"/staff/reveal?source=post&id={post.id}&field=ip"
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "reason": "Spam?"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "revealed" in page
    assert f'href="/staff/posts/{post.id}" class="back"' in page


def test_the_moderation_log_reads_as_sentences(app, client, moderator, member, topic):
    moderation.set_topic_flag(topic, moderator, "lock", "Heated")
    sanctions.suspend(member, moderator, 3, "Rude")
    db.session.commit()
    sign_in(client, moderator)
    page = client.get("/staff/log").get_data(as_text=True)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page))
    assert "by or about" not in text
    assert f"moss locked a topic (topic {topic.id}, started by juniper)" in text
    assert "moss suspended a member: juniper, until" in text


def test_the_audit_log_uses_the_right_article(app, client, admin, member):
    disclosure.accept_agreement(admin, disclosure.current_agreement().version)
    disclosure.reveal(admin, "member", member.id, "email", "Checking a bounce")
    db.session.commit()
    sign_in(client, admin)
    page = client.get("/staff/audit").get_data(as_text=True)
    assert "of a account" not in page and "Email address of an account" in page


def test_counts_use_plurals(admin_client, category, topic):
    page = admin_client.get("/staff/categories").get_data(as_text=True)
    assert "1 topic, 1 post." in page and "1 topics" not in page


def test_the_announcement_form_speaks_in_days_and_puts_boxes_beside_labels(admin_client):
    page = admin_client.get("/staff/announcements").get_data(as_text=True)
    assert "ANNOUNCE_MIN_DAYS" not in page and "every 7 days" in page
    assert re.search(r'<div class="checkbox"><input[^>]*id="send_mail"', page)
    agreement = admin_client.get("/staff/agreement").get_data(as_text=True)
    assert 'class="field checkbox' in agreement


def test_the_email_change_page_says_it_once(member_client, mailbox, member):
    token = csrf_token(member_client, "/account")
    response = member_client.post(
        "/account/email", data={"csrf_token": token, "email": "new@example.org"}
    )
    response.close()
    page = member_client.get("/account").get_data(as_text=True)
    assert page.count("Your address changes when you follow it.") == 1
    # Later visits keep the reminder (the flash is gone).
    page = member_client.get("/account").get_data(as_text=True)
    assert page.count("Your address changes when you follow it.") == 1


def test_deleting_an_account_looks_destructive(member_client):
    page = member_client.get("/account/data").get_data(as_text=True)
    assert re.search(r'class="button danger"[^>]*value="[^"]*[Dd]elete', page) or re.search(
        r'value="[^"]*[Dd]elete[^"]*"[^>]*class="button danger"', page
    )


def test_the_topic_form_has_one_action_per_form_and_an_empty_move_list(
    admin_client, topic, category
):
    page = admin_client.get(f"/staff/topics/{topic.id}").get_data(as_text=True)
    forms = re.findall(
        rf"<form method=\"post\" action=\"/staff/topics/{topic.id}/.*?</form>", page, re.S
    )
    assert len(forms) == 4
    assert all(f.count('type="submit"') == 1 for f in forms)
    assert "formaction" not in page
    (hide,) = [f for f in forms if "/hide" in f]
    assert 'class="button danger"' in hide
    move = next(f for f in forms if "/move" in f)
    options = re.findall(r"<option[^>]*>", move)
    assert 'value=""' in options[0]
    assert not any("selected" in o for o in options[1:])


def test_moving_with_the_list_untouched_moves_nothing(admin_client, admin, topic, category):
    db.session.add(type(category)(name="Other", slug="other", position=2))
    db.session.commit()
    url = f"/staff/topics/{topic.id}"
    data = {
        "move-csrf_token": csrf_token(admin_client, url),
        "move-category": "",
        "move-reason": "x",
    }
    response = admin_client.post(url + "/move", data=data)
    assert response.status_code == 422
    assert "Choose a category" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Topic, topic.id).category_id == category.id
