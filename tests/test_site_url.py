"""Every absolute link the forum writes outside a page is built from SITE_URL, never the request."""

import re

import feedparser
import pytest

import config
from forum.extensions import db
from forum.services import mail as mail_service
from tests.helpers import ANY_SIGNIN_LINK, SAME_SITE, make_app

PRODUCTION = {
    "FORUM_ENV": "production",
    "SECRET_KEY": "p" * 64,
    # The test database's data is sealed under the testing key.
    "DATA_KEY": config.TestingConfig.DATA_KEY,
    "SITE_URL": "https://forum.example",
    "PROXY_COUNT": 1,
    "RATELIMIT_STORAGE_URI": "memory://",
}


def mailed_links(mailbox) -> list[str]:
    mail_service.send_queued()
    bodies = [m.get_body(("plain",)).get_content() for _, m in mailbox.messages]
    return [link for body in bodies for link in ANY_SIGNIN_LINK.findall(body)]


def test_a_sign_in_asked_with_a_foreign_host_mails_a_link_on_site_url(client, mailbox, member):
    # The attack: Host and a matching Origin name the attacker's server.
    headers = {"Host": "evil.example", "Origin": "http://evil.example"}
    response = client.post("/signin", data={"email": member.email}, headers=headers)
    assert response.status_code == 303
    response.close()
    (link,) = mailed_links(mailbox)
    assert link.startswith("http://localhost/signin/"), link


def test_every_mailed_link_and_header_is_on_site_url(app, client, mailbox, member, admin):
    app.config["SITE_URL"] = "https://forum.example"
    foreign = {"Host": "evil.example", "Origin": "http://evil.example"}
    client.post("/signin", data={"email": member.email}, headers=foreign).close()
    data = {"username": "newcomer", "email": "new@example.org"}
    client.post("/register", data=data, headers=foreign).close()
    member.announcements = True
    db.session.commit()
    from forum.services import announcements

    with app.test_request_context(base_url="http://evil.example"):
        announcements.publish(admin, "News", "Text.", True)
    db.session.commit()
    mail_service.send_queued()
    assert len(mailbox.messages) == 3
    for _, message in mailbox.messages:
        text = message.as_string()
        assert "evil.example" not in text
        assert "https://forum.example/" in text
    unsubscribe = [m["List-Unsubscribe"] for _, m in mailbox.messages if m["List-Unsubscribe"]]
    assert unsubscribe and unsubscribe[0].strip().startswith("<https://forum.example/unsubscribe/")


def test_feeds_link_to_site_url_whatever_the_host(app, client, topic):
    response = client.get("/feeds/topics.atom", headers={"Host": "evil.example"})
    feed = feedparser.parse(response.get_data())
    links = [feed.feed.link, *(link.href for link in feed.feed.links)]
    links += [entry.link for entry in feed.entries] + [entry.id for entry in feed.entries]
    assert links and all(link.startswith("http://localhost/") for link in links), links


def test_production_refuses_requests_for_another_host_and_ignores_x_forwarded_host(
    smtp_server, member
):
    app = make_app(**PRODUCTION, MAIL_URL=smtp_server.url)
    client = app.test_client()
    assert client.get("/", base_url="https://evil.example").status_code == 400
    headers = {**SAME_SITE, "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}
    response = client.post(
        "/signin", data={"email": member.email}, headers=headers, base_url="https://forum.example"
    )
    assert response.status_code == 303
    response.close()
    with app.app_context():
        (link,) = mailed_links(smtp_server)
    assert link.startswith("https://forum.example/signin/"), link


def test_x_forwarded_host_is_trusted_only_when_a_setting_says_so(member):
    app = make_app(**PRODUCTION, PROXY_TRUST_HOST=True)
    headers = {"X-Forwarded-Host": "forum.example", "X-Forwarded-Proto": "https"}
    # The proxy names the public host; the request itself reached an internal name.
    response = app.test_client().get("/", headers=headers, base_url="http://app-1.internal")
    assert response.status_code == 200


@pytest.mark.parametrize(
    "url, problem",
    [
        (None, "SITE_URL is not set"),
        ("", "SITE_URL is not set"),
        ("http://forum.example", "https"),
        ("https://forum.example/forum", "scheme://host[:port] only"),
        ("https://forum.example/?a=1", "scheme://host[:port] only"),
        ("forum.example", "scheme://host[:port] only"),
        ("https://user@forum.example", "scheme://host[:port] only"),
        ("https://forum.example:99999", "invalid port"),
    ],
)
def test_production_refuses_to_start_without_a_sound_site_url(url, problem):
    with pytest.raises(config.ConfigError, match=re.escape(problem)):
        config.load("production", {"SECRET_KEY": "p" * 64, "DATA_KEY": "d" * 43, "SITE_URL": url})


def test_development_defaults_to_the_local_port(monkeypatch):
    monkeypatch.setenv("PORT", "5123")
    assert config.load("development", {"SITE_URL": None})["SITE_URL"] == "http://127.0.0.1:5123"
    settings = config.load(
        "production",
        {"SECRET_KEY": "p" * 64, "DATA_KEY": "d" * 43, "SITE_URL": "https://f.example/"},
    )
    assert settings["SITE_URL"] == "https://f.example"
    assert settings["TRUSTED_HOSTS"] == ["f.example"]
