"""The privacy policy: versions, their changes, the notice to members, and the cookies page."""

import pytest

from forum.extensions import db
from forum.models import PolicyVersion, User
from forum.security import safe_redirect_target
from forum.services import privacy as service
from tests.helpers import SAME_SITE, cookie_problems, csrf_token, listed_cookie_names, sign_in


def _publish(client, summary: str, body: str):
    token = csrf_token(client, "/staff/privacy")
    data = {"csrf_token": token, "summary": summary, "body": body}
    return client.post("/staff/privacy", data=data)


def test_the_first_version_is_created_from_the_bundled_text(app, client):
    assert db.session.scalar(db.select(db.func.count()).select_from(PolicyVersion)) == 0
    page = client.get("/privacy").get_data(as_text=True)
    assert "Version 1, in force since this forum opened" in page
    assert "This is the current version." in page
    assert "15 minutes" in page and "erased after 30 days" in page
    assert "$" not in page.split("<main", 1)[1]
    assert 'href="/stats"' in page and 'href="/privacy/data"' in page
    # Reading the policy writes nothing; storing version 1 (seed-demo, publishing) once.
    assert db.session.scalar(db.select(db.func.count()).select_from(PolicyVersion)) == 0
    service.ensure_first_version()
    service.ensure_first_version()
    db.session.commit()
    page = client.get("/privacy").get_data(as_text=True)
    assert "Version 1, published" in page
    assert db.session.scalar(db.select(db.func.count()).select_from(PolicyVersion)) == 1


def test_an_admin_publishes_a_version_with_a_readable_diff(admin_client, admin):
    current = admin_client.get("/staff/privacy").get_data(as_text=True)
    assert "version 1" in current and "## Reading" in current
    body = service.current_version().body.replace(
        "no images from elsewhere", "no images from elsewhere <script>alert(1)</script>"
    )
    response = _publish(admin_client, "We say more about images.", body)
    assert response.status_code == 303 and response.location == "/privacy/v/2/changes"
    changes = admin_client.get("/privacy/v/2/changes").get_data(as_text=True)
    assert "We say more about images." in changes
    assert '<tr class="diff-removed">' in changes and '<tr class="diff-added">' in changes
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in changes and "<script>" not in changes
    assert "style=" not in changes
    current = admin_client.get("/privacy").get_data(as_text=True)
    assert "Version 2, published" in current and "&lt;script&gt;" in current
    old = admin_client.get("/privacy/v/1").get_data(as_text=True)
    assert "This is an earlier version" in old and "alert(1)" not in old
    first = admin_client.get("/privacy/v/1/changes").get_data(as_text=True)
    assert "This is the first version" in first
    assert admin_client.get("/privacy/v/3").status_code == 404
    assert admin_client.get("/privacy/v/3/changes").status_code == 404


def test_publishing_refuses_the_same_text_and_needs_a_summary(admin_client, admin):
    body = service.current_version().body
    response = _publish(admin_client, "Nothing really", body)
    assert response.status_code == 422
    assert "same as the current version" in response.get_data(as_text=True)
    assert _publish(admin_client, "", body + "More.").status_code == 422
    assert service.current_version().version == 1


def test_only_admins_publish(client, moderator, member):
    assert client.get("/staff/privacy").status_code == 403
    sign_in(client, member)
    assert client.get("/staff/privacy").status_code == 403
    sign_in(client, moderator)
    assert client.get("/staff/privacy").status_code == 403
    assert client.post("/staff/privacy", data={"summary": "x", "body": "y"}).status_code == 400


def test_publishing_needs_the_csrf_token(admin_client, admin):
    response = admin_client.post("/staff/privacy", data={"summary": "x", "body": "y"})
    assert response.status_code == 400
    assert service.current_version().version == 1


def test_registration_records_the_version_shown(client):
    client.get("/privacy")
    page = client.get("/register").get_data(as_text=True)
    assert 'name="policy_version" type="hidden" value="1"' in page
    assert "(version 1)" in page
    data = {"username": "ada", "email": "ada@example.org", "policy_version": "1"}
    response = client.post("/register", data=data, headers=SAME_SITE)
    assert response.status_code == 303
    response.close()  # the registration is made once the answer is out
    user = db.session.scalar(db.select(User).where(User.username == "ada"))
    assert user.policy_version_seen == 1


def test_registration_ignores_a_forged_version(client):
    client.get("/privacy")
    data = {"username": "ada", "email": "ada@example.org", "policy_version": "99"}
    response = client.post("/register", data=data, headers=SAME_SITE)
    assert response.status_code == 303
    response.close()  # the registration is made once the answer is out
    user = db.session.scalar(db.select(User).where(User.username == "ada"))
    assert user.policy_version_seen == 1


def test_a_member_is_told_what_changed_and_can_dismiss_it(app, client, member, admin):
    sign_in(client, admin)
    body = service.current_version().body + "\nA new paragraph.\n"
    assert _publish(client, "A paragraph about nothing.", body).status_code == 303
    client.post("/signout", data={"csrf_token": csrf_token(client, "/staff/privacy")})

    assert "The privacy policy changed" not in client.get("/").get_data(as_text=True)
    sign_in(client, member)
    page = client.get("/").get_data(as_text=True)
    assert "The privacy policy changed" in page and "A paragraph about nothing." in page
    assert 'href="/privacy/v/2/changes"' in page
    token = csrf_token(client, "/account")
    response = client.post(
        "/privacy/seen", data={"csrf_token": token, "version": "2", "next": "/c/general"}
    )
    assert response.status_code == 303 and response.location == "/c/general"
    db.session.expire_all()
    assert db.session.get(User, member.id).policy_version_seen == 2
    assert "The privacy policy changed" not in client.get("/").get_data(as_text=True)


def test_dismissing_needs_csrf_and_stays_on_the_site(client, member, admin):
    client.get("/privacy")
    service.publish_version(admin, "Second", service.current_version().body + "\nMore.\n")
    db.session.commit()
    sign_in(client, member)
    assert client.post("/privacy/seen", data={"version": "2"}).status_code == 400
    assert db.session.get(User, member.id).policy_version_seen is None
    token = csrf_token(client, "/account")
    data = {"csrf_token": token, "version": "2", "next": "//evil.example/"}
    response = client.post("/privacy/seen", data=data)
    assert response.location == "/privacy"


@pytest.mark.parametrize(
    "target",
    [
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r\n/evil.example",
        "/\\evil.example",
        "/ /evil.example",
        "/\u3000/evil.example",
        "/\u200b/evil.example",
        "//evil.example",
        "https://evil.example/",
        "evil.example",
        "\t//evil.example",
        "/\x01/evil.example",
        "/" + "a" * 5000,
    ],
)
def test_dismissing_never_redirects_off_site_nor_fails(client, member, admin, target):
    service.publish_version(admin, "Second", service.current_version().body + "\nMore.\n")
    db.session.commit()
    sign_in(client, member)
    data = {"csrf_token": csrf_token(client, "/account"), "version": "2", "next": target}
    response = client.post("/privacy/seen", data=data)
    assert response.status_code == 303 and response.location == "/privacy"


@pytest.mark.parametrize(
    "target, expected",
    [
        ("/c/general?page=2#p3", "/c/general?page=2#p3"),
        ("/t/1/caf\u00e9", "/t/1/caf\u00e9"),
        ("/%2F/evil.example", "/%2F/evil.example"),
        ("/\t/evil.example", "/fallback"),
        (None, "/fallback"),
        ("", "/fallback"),
        ("javascript:alert(1)", "/fallback"),
        ("/\\/evil.example", "/fallback"),
    ],
)
def test_one_helper_decides_what_a_safe_redirect_is(target, expected):
    assert safe_redirect_target(target, "/fallback") == expected


def test_the_notice_costs_no_extra_queries(client, member, admin, category, count_queries):
    client.get("/privacy")
    service.publish_version(admin, "Second", service.current_version().body + "\nMore.\n")
    db.session.commit()
    sign_in(client, member)
    for _ in range(2):
        db.session.expire_all()
        with count_queries() as queries:
            page = client.get("/c/general").get_data(as_text=True)
        assert "The privacy policy changed" in page
        assert queries.count <= 5, queries.statements


def test_the_cookies_page_lists_the_session_cookie(app, client):
    page = client.get("/privacy/cookies").get_data(as_text=True)
    assert listed_cookie_names(client) == {"session"}
    assert "30 days" in page and "HttpOnly" in page and "SameSite=Lax" in page


def test_the_cookie_check_flags_an_unlisted_cookie():
    assert cookie_problems({"session"}, {"session"}, whole_suite=True) == []
    problems = cookie_problems({"session", "tracker"}, {"session"}, whole_suite=False)
    assert problems == ["cookie 'tracker' was set but /privacy/cookies does not list it"]
    unseen = cookie_problems(set(), {"session"}, whole_suite=True)
    assert unseen == ["cookie 'session' is listed but no test saw it set"]
    assert cookie_problems(set(), {"session"}, whole_suite=False) == []


def test_the_footer_links_the_privacy_pages(client):
    page = client.get("/").get_data(as_text=True)
    footer = page.split('aria-label="Site"', 1)[1]
    for href in ('href="/privacy"', 'href="/privacy/cookies"', 'href="/privacy/data"'):
        assert href in footer
