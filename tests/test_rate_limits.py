"""Rate limits on registration, sign-in requests and posting; shared through Redis."""

import os
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest
import redis

from forum.extensions import db
from forum.models import Post, PostRevision
from forum.services import mail as mail_service
from tests.helpers import SAME_SITE, csrf_token, link_in, sign_in
from tests.servers import base_env, flask_command, gunicorn


def ask(client, email, ip="203.0.113.5"):
    response = client.post(
        "/signin", data={"email": email}, headers=SAME_SITE, environ_base={"REMOTE_ADDR": ip}
    )
    response.close()
    return response


def test_the_per_address_limit_stops_mail_but_never_refuses(app, client, member, mailbox):
    # Three requests from anywhere used to lock the member out for 15 minutes.
    app.config["LIMIT_SIGNIN_ADDRESS"] = "2 per hour"
    statuses = [ask(client, member.email, ip=f"203.0.113.{n}").status_code for n in range(3)]
    assert statuses == [303, 303, 303]
    mail_service.send_queued()
    assert len(mailbox.messages) == 2
    # The member asking themselves is answered too, and the newest mailed link still works.
    newest = link_in(mailbox.messages[-1][1])
    assert ask(client, member.email, ip="198.51.100.7").status_code == 303
    page = client.get(f"/signin/{newest}")
    assert page.status_code == 200
    # Another address from the same networks is not affected.
    assert ask(client, "someone@example.org", ip="203.0.113.9").status_code == 303


def test_ipv6_clients_are_counted_by_their_64(app, client):
    app.config["LIMIT_SIGNIN_IP"] = "3 per hour"
    hosts = [f"2001:db8:1:2::{n:x}" for n in range(1, 5)]
    statuses = [ask(client, f"a{n}@example.org", ip=ip).status_code for n, ip in enumerate(hosts)]
    assert statuses == [303, 303, 303, 429]
    assert ask(client, "b@example.org", ip="2001:db8:1:3::1").status_code == 303


def test_sign_in_requests_are_limited_per_network(app, client):
    app.config["LIMIT_SIGNIN_IP"] = "3 per hour"
    statuses = [ask(client, f"a{n}@example.org").status_code for n in range(4)]
    assert statuses == [303, 303, 303, 429]
    assert ask(client, "a9@example.org", ip="198.51.100.1").status_code == 303


def test_the_limited_page_says_when_to_try_again(app, client):
    app.config["LIMIT_SIGNIN_IP"] = "1 per hour"
    ask(client, "a@example.org")
    response = ask(client, "b@example.org")
    page = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "<title>Too many requests" in page and "try again in" in page
    assert 'href="/static/style.css"' in page
    assert int(response.headers["Retry-After"]) > 0
    assert "Set-Cookie" not in response.headers


def test_reading_is_never_limited(app, client, topic):
    app.config["LIMIT_SIGNIN_IP"] = "1 per hour"
    for _ in range(30):
        assert client.get("/").status_code == 200


def test_registration_is_limited(app, client):
    app.config["LIMIT_REGISTER"] = "2 per hour"
    statuses = []
    for n in range(3):
        data = {"username": f"user{n}", "email": f"u{n}@example.org"}
        response = client.post("/register", data=data, headers=SAME_SITE)
        response.close()
        statuses.append(response.status_code)
    assert statuses == [303, 303, 429]


def test_posting_is_limited_per_member(app, client, member, topic):
    app.config["LIMIT_POSTING"] = "2 per minute"
    sign_in(client, member)
    token = csrf_token(client, f"/t/{topic.id}/{topic.slug}")
    statuses = [
        client.post(f"/t/{topic.id}/reply", data={"csrf_token": token, "body": f"n{n}"}).status_code
        for n in range(3)
    ]
    assert statuses == [302, 302, 429]


def _redis_url() -> str:
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("REDIS_URL is not set: the shared-limit test needs a Redis server (CI has one)")
    return url


def test_limits_hold_across_two_app_processes_sharing_redis(tmp_path):
    """Two gunicorn processes, as two app servers would be, count against one Redis."""
    url = _redis_url()
    prefix = f"test-shared-{uuid.uuid4().hex}"
    env = base_env(
        DATABASE_URL=f"sqlite:///{tmp_path}/shared.db",
        MAIL_URL=f"file://{tmp_path}/mail",
        SECRET_KEY="s" * 64,
        REDIS_URL=url,
        RATELIMIT_KEY_PREFIX=prefix,
        LIMIT_SIGNIN_IP="3 per hour",
    )
    assert flask_command(env, "db", "upgrade").returncode == 0
    statuses = []
    with gunicorn(env) as first, gunicorn(env) as second:
        for n in range(4):
            base = (first, second)[n % 2]
            statuses.append(_post(f"{base}/signin", {"email": f"x{n}@example.org"}))
    assert statuses == [303, 303, 303, 429]
    keys = redis.Redis.from_url(url).keys(f"*{prefix}*")
    assert keys and not any(b"127.0.0.1" in key for key in keys)  # no address in the store


def _post(url: str, data: dict) -> int:
    request = urllib.request.Request(
        url, data=urllib.parse.urlencode(data).encode(), headers=SAME_SITE, method="POST"
    )
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_edits_and_their_previews_are_limited_per_member(app, client, member, topic):
    app.config["LIMIT_EDITING"] = "3 per minute"
    first = db.session.scalar(db.select(db.func.min(Post.id)).where(Post.topic_id == topic.id))
    sign_in(client, member)
    token = csrf_token(client, f"/p/{first}/edit")
    url = f"/p/{first}/edit"
    assert client.post(url, data={"csrf_token": token, "body": "One."}).status_code == 302
    preview = {"csrf_token": token, "body": "Two.", "preview": "y"}
    assert client.post(url, data=preview).status_code == 200
    assert client.post(url, data={"csrf_token": token, "body": "Three."}).status_code == 302
    response = client.post(url, data={"csrf_token": token, "body": "Four."})
    assert response.status_code == 429
    assert client.get(url).status_code == 200  # reading the form is not limited


def test_only_the_newest_revisions_of_a_post_are_kept(app, client, member, topic):
    app.config.update(REVISIONS_PER_POST=3, LIMIT_EDITING="1000 per minute")
    first = db.session.scalar(db.select(db.func.min(Post.id)).where(Post.topic_id == topic.id))
    sign_in(client, member)
    token = csrf_token(client, f"/p/{first}/edit")
    for n in range(6):
        data = {"csrf_token": token, "body": f"Version {n}."}
        assert client.post(f"/p/{first}/edit", data=data).status_code == 302
    bodies = db.session.scalars(
        db.select(PostRevision.body).where(PostRevision.post_id == first).order_by(PostRevision.id)
    ).all()
    assert bodies == ["Version 2.", "Version 3.", "Version 4."]


def _bare_app(blueprint_limit=False, **limiter_args):
    from flask import Blueprint, Flask
    from flask_limiter import Limiter

    bare = Flask(__name__)
    limiter = Limiter(key_func=lambda: "everyone", storage_uri="memory://", **limiter_args)
    bp = Blueprint("bp", __name__)
    bp.get("/")(lambda: "ok")
    if blueprint_limit:
        limiter.limit("1 per minute")(bp)
    bare.register_blueprint(bp)
    limiter.init_app(bare)
    return bare, limiter


def test_the_limiter_check_before_every_request_goes_only_where_it_checks_nothing(app):
    from forum.extensions import limiter
    from forum.rate_limits import drop_idle_request_check

    # The forum declares limits on views only: its app runs no limiter hook before views.
    assert limiter._check_request_limit not in app.before_request_funcs.get(None, [])
    bare, bare_limiter = _bare_app()
    with bare.app_context():
        assert drop_idle_request_check(bare, bare_limiter)
    # A default, application-wide or blueprint limit needs the hook: it stays.
    for kwargs in (
        {"default_limits": ["1 per minute"]},
        {"application_limits": ["1 per minute"]},
        {"blueprint_limit": True},
    ):
        bare, bare_limiter = _bare_app(**kwargs)
        with bare.app_context():
            assert not drop_idle_request_check(bare, bare_limiter), kwargs
        client = bare.test_client()
        assert client.get("/").status_code == 200
        assert client.get("/").status_code == 429, kwargs
