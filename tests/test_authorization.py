"""Who may use what: one table for every route of the url map, walked as each kind of user.

A route the table does not list fails the test, so a new route cannot ship without a rule.
Each role gets a client of its own; every route is requested with real sample objects, POSTs
with a valid CSRF token and an empty form (so an allowed request stops at validation and
changes nothing), and the answer is classified as refused (403, or sent to sign in) or
allowed (anything else below 500).
"""

from datetime import timedelta

import pytest
from flask import session as flask_session
from flask_wtf.csrf import generate_csrf

from forum.extensions import db
from forum.models import AgreementAcceptance, Report, utcnow
from forum.services import announcements as announcements_service
from forum.services import disclosure, support_desk
from forum.services import forum as forum_service
from forum.services import support as support_service
from forum.services.members import create_user
from tests.browser.helpers import sign_in

ROLES = ("visitor", "member", "suspended", "moderator", "moderator_agreed", "admin")
PUBLIC = frozenset(ROLES)
MEMBERS = PUBLIC - {"visitor"}
WRITERS = MEMBERS - {"suspended"}
STAFF = frozenset({"moderator", "moderator_agreed", "admin"})
AGREED = frozenset({"moderator_agreed", "admin"})
ADMIN = frozenset({"admin"})
AUTHOR = frozenset({"member"})  # the sample post's author

# (rule, method) -> the roles allowed. Every rule of the url map must be here.
TABLE = {
    ("/", "GET"): PUBLIC,
    ("/static/<path:filename>", "GET"): PUBLIC,
    ("/c/<slug>", "GET"): PUBLIC,
    ("/c/<slug>/new", "GET"): WRITERS,
    ("/c/<slug>/new", "POST"): WRITERS,
    ("/t/<int:topic_id>", "GET"): PUBLIC,
    ("/t/<int:topic_id>/<slug>", "GET"): PUBLIC,
    ("/t/<int:topic_id>/reply", "POST"): WRITERS,
    ("/p/<int:post_id>", "GET"): PUBLIC,
    ("/p/<int:post_id>/edit", "GET"): AUTHOR,
    ("/p/<int:post_id>/edit", "POST"): AUTHOR,
    ("/p/<int:post_id>/delete", "GET"): AUTHOR,
    ("/i/<image_id>", "GET"): PUBLIC,
    ("/i/<image_id>/original", "GET"): PUBLIC,
    ("/i/upload", "POST"): WRITERS,
    ("/p/<int:post_id>/delete", "POST"): AUTHOR,
    ("/p/<int:post_id>/report", "GET"): WRITERS,
    ("/p/<int:post_id>/report", "POST"): WRITERS,
    # Thanks: not your own post, not while suspended; who thanked is for the author only.
    ("/p/<int:post_id>/thanks", "POST"): WRITERS - AUTHOR,
    ("/p/<int:post_id>/thanks/withdraw", "POST"): MEMBERS,
    ("/p/<int:post_id>/thanked-by", "GET"): AUTHOR,
    ("/latest", "GET"): PUBLIC,
    ("/unread", "GET"): MEMBERS,
    ("/u/<username>", "GET"): PUBLIC,
    ("/u/<username>/topics", "GET"): PUBLIC,
    # Accounts: visitors' forms, then the member's own pages.
    ("/register", "GET"): PUBLIC,
    ("/register", "POST"): PUBLIC,
    ("/signin", "GET"): PUBLIC,
    ("/signin", "POST"): PUBLIC,
    ("/signin/sent", "GET"): PUBLIC,
    ("/signin/<token>", "GET"): PUBLIC,
    ("/signin/<token>", "POST"): PUBLIC,
    ("/signin/done", "GET"): PUBLIC,
    ("/signout", "POST"): PUBLIC,
    ("/account", "GET"): MEMBERS,
    ("/account/email", "POST"): MEMBERS,
    ("/account/signout-everywhere", "POST"): MEMBERS,
    ("/account/announcements", "POST"): MEMBERS,
    ("/account/language", "POST"): MEMBERS,
    ("/account/notices/read", "POST"): MEMBERS,
    ("/account/notices/mail", "POST"): MEMBERS,
    ("/account/email-confirmed", "GET"): PUBLIC,
    ("/account/data", "GET"): MEMBERS,
    ("/account/data.json", "GET"): MEMBERS,
    ("/account/delete", "POST"): MEMBERS,
    ("/account/deleted", "GET"): PUBLIC,
    # Notifications and watching: the member's own; the feed and unsubscribe go by token.
    ("/notifications", "GET"): MEMBERS,
    ("/notifications/read", "POST"): MEMBERS,
    ("/notifications/mail", "POST"): MEMBERS,
    ("/notifications/feed", "POST"): MEMBERS,
    ("/notifications/feed/<token>", "GET"): PUBLIC,
    ("/unsubscribe/<token>/<choice>", "GET"): PUBLIC,
    ("/unsubscribe/<token>/<choice>", "POST"): PUBLIC,
    ("/account/watching", "GET"): MEMBERS,
    ("/account/watching/<int:watch_id>/stop", "POST"): MEMBERS,
    ("/watching/topic/<int:topic_id>", "POST"): MEMBERS,
    ("/watching/topic/<int:topic_id>/stop", "POST"): MEMBERS,
    ("/watching/category/<slug>", "POST"): MEMBERS,
    ("/watching/category/<slug>/stop", "POST"): MEMBERS,
    ("/p/<int:post_id>/quote", "GET"): WRITERS,
    # Privacy, statistics, announcements, support: public.
    ("/privacy", "GET"): PUBLIC,
    ("/privacy/v/<int:number>", "GET"): PUBLIC,
    ("/privacy/v/<int:number>/changes", "GET"): PUBLIC,
    ("/privacy/seen", "POST"): MEMBERS,
    ("/privacy/cookies", "GET"): PUBLIC,
    ("/privacy/data", "GET"): PUBLIC,
    ("/stats", "GET"): PUBLIC,
    ("/api/stats", "GET"): PUBLIC,
    ("/transparency", "GET"): PUBLIC,
    ("/transparency.atom", "GET"): PUBLIC,
    ("/announcements", "GET"): PUBLIC,
    ("/announcements/<int:announcement_id>", "GET"): PUBLIC,
    ("/announcements.atom", "GET"): PUBLIC,
    ("/unsubscribe/<token>", "GET"): PUBLIC,
    ("/unsubscribe/<token>", "POST"): PUBLIC,
    ("/support", "GET"): PUBLIC,
    ("/support", "POST"): PUBLIC,
    ("/support/sent", "GET"): PUBLIC,
    ("/support/answers", "GET"): PUBLIC,
    ("/support/answers/<int:answer_id>", "GET"): PUBLIC,
    ("/support/answers/<int:answer_id>-<slug>", "GET"): PUBLIC,
    # Search and feeds.
    ("/search", "GET"): PUBLIC,
    ("/feeds/topics.atom", "GET"): PUBLIC,
    ("/c/<slug>/topics.atom", "GET"): PUBLIC,
    ("/t/<int:topic_id>/posts.atom", "GET"): PUBLIC,
    ("/latest.atom", "GET"): PUBLIC,
    ("/support/answers.atom", "GET"): PUBLIC,
    # Staff: the desk, moderation, members.
    ("/staff", "GET"): STAFF,
    ("/staff/reports", "GET"): STAFF,
    ("/staff/reports/<int:report_id>/resolve", "POST"): STAFF,
    ("/staff/posts/<int:post_id>", "GET"): STAFF,
    ("/staff/posts/<int:post_id>/<any(hide, unhide):change>", "POST"): STAFF,
    ("/staff/posts/<int:post_id>/edit", "POST"): STAFF,
    ("/staff/topics/<int:topic_id>", "GET"): STAFF,
    (
        "/staff/topics/<int:topic_id>/<any(hide, unhide, lock, unlock, pin, unpin):change>",
        "POST",
    ): STAFF,
    ("/staff/topics/<int:topic_id>/move", "POST"): STAFF,
    ("/staff/members", "GET"): STAFF,
    ("/staff/members/<username>", "GET"): STAFF,
    ("/staff/members/<username>/suspend", "POST"): STAFF,
    ("/staff/members/<username>/message", "POST"): STAFF,
    ("/staff/members/<username>/unsuspend", "POST"): STAFF,
    ("/staff/members/<username>/role", "POST"): ADMIN,
    ("/staff/members/<username>/remove", "GET"): STAFF,
    ("/staff/members/<username>/remove", "POST"): STAFF,
    ("/staff/posts/<int:post_id>/delete", "POST"): STAFF,
    ("/staff/log", "GET"): STAFF,
    # Personal data under guard.
    ("/staff/agreement", "GET"): STAFF,
    ("/staff/agreement", "POST"): STAFF,
    ("/staff/agreement/publish", "POST"): ADMIN,
    ("/staff/reveal", "GET"): AGREED,
    ("/staff/reveal", "POST"): AGREED,
    ("/staff/audit", "GET"): ADMIN,
    ("/staff/disclosures", "GET"): ADMIN,
    ("/staff/disclosures", "POST"): ADMIN,
    # Admins: categories, policy, announcements.
    ("/staff/categories", "GET"): ADMIN,
    ("/staff/categories", "POST"): ADMIN,
    ("/staff/categories/<int:category_id>", "POST"): ADMIN,
    ("/staff/categories/<int:category_id>/<any(archive, unarchive):change>", "POST"): ADMIN,
    ("/staff/privacy", "GET"): ADMIN,
    ("/staff/privacy", "POST"): ADMIN,
    ("/staff/announcements", "GET"): ADMIN,
    ("/staff/announcements", "POST"): ADMIN,
    # The support desk.
    ("/staff/support", "GET"): STAFF,
    ("/staff/support/<int:request_id>", "GET"): STAFF,
    ("/staff/support/<int:request_id>/reply", "POST"): STAFF,
    ("/staff/support/<int:request_id>/note", "POST"): STAFF,
    ("/staff/support/<int:request_id>/state", "POST"): STAFF,
    ("/staff/support/<int:request_id>/publish", "GET"): STAFF,
    ("/staff/support/<int:request_id>/publish", "POST"): STAFF,
    ("/staff/support/<int:request_id>/withdraw", "POST"): STAFF,
}

# Query strings some routes need to reach their view (the reveal form names its target).
QUERIES = {"/staff/reveal": "?source=member&id={member_id}&field=email"}


def _users():
    now = utcnow()
    users = {
        "member": create_user("juniper", "juniper@example.org"),
        "author2": create_user("tomasz", "tomasz@example.org"),
        "suspended": create_user("sully", "sully@example.org"),
        "moderator": create_user("moss", "moss@example.org", role="moderator"),
        "moderator_agreed": create_user("maple", "maple@example.org", role="moderator"),
        "admin": create_user("ada_admin", "admin@example.org", role="admin"),
    }
    for user in users.values():
        user.confirmed_at = now
    users["suspended"].suspended_until = now + timedelta(days=3)
    users["suspended"].suspension_reason = "Testing the rules."
    version = disclosure.current_agreement().version
    for name in ("moderator_agreed", "admin"):
        db.session.add(AgreementAcceptance(user_id=users[name].id, version=version))
    db.session.commit()
    return users


def _world(app, users):
    """Real objects for every route argument."""
    from forum.models import Category

    category = Category(name="General", slug="general", position=1)
    db.session.add(category)
    db.session.flush()
    topic = forum_service.create_topic(category, users["member"], "A topic", "First post.")
    db.session.flush()
    post = db.session.scalar(
        db.select(forum_service.Post).where(forum_service.Post.topic_id == topic.id)
    )
    reply = forum_service.reply(topic, users["author2"], "A reply.")
    db.session.flush()
    report = Report(post_id=reply.id, reporter_id=users["member"].id, reason="Spam, I think.")
    db.session.add(report)
    submission = support_service.Submission
    request = support_service.submit_request(
        submission("support", "Help?", "A question.", None, False, None, "192.0.2.1")
    )
    answered = support_service.submit_request(
        submission("support", "Other?", "Another question.", None, False, None, "192.0.2.2")
    )
    answer = support_desk.publish(
        support_desk.get_request(answered.id),
        users["admin"],
        support_desk.AnswerDraft("Title", "Question", "Answer"),
        cleared=True,
    )
    db.session.commit()
    with app.test_request_context():
        announcement, _ = announcements_service.publish(users["admin"], "News", "Some news.", False)
    db.session.commit()
    return {
        "slug": category.slug,
        "topic_id": topic.id,
        "post_id": post.id,
        "username": users["author2"].username,
        "filename": "style.css",
        "token": "not-a-real-token",
        "request_id": request.id,
        "answer_id": answer.id,
        "number": 1,
        "announcement_id": announcement.id,
        "report_id": report.id,
        "category_id": category.id,
        "member_id": users["member"].id,
        "image_id": "no-such-picture-000000",
        "watch_id": 1,
        "choice": "replies",
        # Actions that an empty form cannot carry out: each stops at its validation.
        "change": {
            "moderation.set_post_hidden": "hide",
            "moderation.set_topic_flag": "lock",
            "admin.archive_category": "unarchive",
        },
    }


def _routes(app, values):
    """Every (rule, method, url) of the url map, filled with the sample values."""
    routes = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            args = {}
            for name in rule.arguments:
                assert name in values, f"no sample value for <{name}> in {rule.rule}: add one"
                value = values[name]
                args[name] = value[rule.endpoint] if isinstance(value, dict) else value
            url = app.url_for(rule.endpoint, **args)
            url += QUERIES.get(rule.rule, "").format(**values)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                routes.append((rule.rule, method, url))
    return routes


def test_every_route_has_a_rule(app):
    rules = {
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    missing = sorted(rules - TABLE.keys())
    assert not missing, f"routes without an authorization rule in TABLE: {missing}"
    stale = sorted(TABLE.keys() - rules)
    assert not stale, f"rules in TABLE for routes that no longer exist: {stale}"


def _session_csrf_token(app, client) -> str:
    """A valid CSRF token for this client's session (visitors' too), as a form would carry."""
    with app.test_request_context():
        token = generate_csrf()
        raw = flask_session["csrf_token"]
    with client.session_transaction() as session:
        session["csrf_token"] = raw
    return token


def _refused(response) -> bool:
    if response.status_code in (401, 403):
        return True
    location = response.headers.get("Location", "")
    return response.status_code in (302, 303) and "/signin" in location.split("?")[0]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_what_the_table_allows(app, client, role):
    app.config["RATELIMIT_ENABLED"] = False
    users = _users()
    values = _world(app, users)
    if role != "visitor":
        sign_in(client, users[role])
    token = _session_csrf_token(app, client)
    wrong = []
    # Signing out would end the session the rest of the walk needs: it goes last.
    ending = ("/signout", "/account/signout-everywhere")
    routes = sorted(_routes(app, values), key=lambda r: (r[0] in ending, r[0]))
    for rule, method, url in routes:
        data = {"csrf_token": token} if method == "POST" else None
        headers = {"Sec-Fetch-Site": "same-origin"}
        response = client.open(url, method=method, data=data, headers=headers)
        assert response.status_code < 500, (role, method, url, response.status_code)
        allowed = role in TABLE[(rule, method)]
        if allowed == _refused(response):
            wrong.append(
                (
                    method,
                    url,
                    response.status_code,
                    "should be allowed" if allowed else "should be refused",
                )
            )
    assert not wrong, f"{role}: {wrong}"
