"""What the logs keep: no client address, user agent, referrer, query or token in the access
log of the shipped gunicorn.conf.py; no SQL parameters; no recipient of a refused mail."""

import logging
import re
import runpy
import time
import urllib.error
import urllib.request

import pytest
from sqlalchemy import text

from forum.extensions import db
from forum.models import OutboxMessage
from forum.services import mail
from tests.helpers import ROOT
from tests.servers import base_env, flask_command, gunicorn
from tests.smtp import running_smtp_server

AGENT = "UniqueAgent/7.3 (log-test-5d1c)"
TOKEN = "tok3nSECRETvalue-abc_123"


@pytest.fixture
def gunicorn_log(tmp_path):
    """A real gunicorn reading the shipped gunicorn.conf.py, on a temporary SQLite database."""
    access = tmp_path / "access.log"
    env = base_env(
        FORUM_ENV="development",
        DATABASE_URL=f"sqlite:///{tmp_path}/forum.db",
        MAIL_URL=f"file://{tmp_path}/mail",
        SECRET_KEY="k" * 64,
        STATS_ENABLED="0",
        # As an operator would send the log to a file; the format comes from gunicorn.conf.py.
        GUNICORN_CMD_ARGS=f"--access-logfile {access}",
    )
    upgrade = flask_command(env, "db", "upgrade")
    assert upgrade.returncode == 0, upgrade.stderr
    with gunicorn(env) as url:
        yield url, access


def _get(url: str, **headers) -> int:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_the_access_log_keeps_no_address_agent_referrer_query_or_token(gunicorn_log):
    base, access = gunicorn_log
    referrer = "https://referrer.example.net/where-from"
    _get(f"{base}/signin/{TOKEN}", **{"User-Agent": AGENT, "Referer": referrer})
    _get(f"{base}/search?q=secretsearchwords", **{"User-Agent": AGENT, "Referer": referrer})
    _get(f"{base}/unsubscribe/{TOKEN}", **{"User-Agent": AGENT})
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and access.read_text().count("\n") < 3:
        time.sleep(0.1)
    log = access.read_text()
    assert "GET /signin/[token]" in log and "GET /unsubscribe/[token]" in log, log
    assert '"GET /search"' in log, log
    for kept_out in (TOKEN, "secretsearchwords", "q=", AGENT, "UniqueAgent", "referrer.example",
                     "127.0.0.1"):  # fmt: skip
        assert kept_out not in log, (kept_out, log)


def test_every_token_route_is_redacted(app):
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    token_rules = [r.rule for r in app.url_map.iter_rules() if "token>" in r.rule]
    assert token_rules
    for rule in token_rules:
        path = re.sub(r"<[^>]+>", TOKEN, rule)
        redacted = config["redact_path"](path)
        assert TOKEN not in redacted and "[token]" in redacted, rule


def test_the_engine_hides_sql_parameters_from_errors_and_logs(app, caplog):
    address = "hidden.parameter@example.org"
    with pytest.raises(Exception) as error:
        db.session.execute(text("SELECT * FROM no_such_table WHERE email = :email"),
                           {"email": address})  # fmt: skip
    db.session.rollback()
    assert address not in str(error.value)
    assert "hidden due to hide_parameters" in str(error.value)


def test_a_refused_recipient_is_not_in_the_log_or_the_outbox(app, caplog):
    caplog.set_level(logging.WARNING)
    reply = "550 5.1.1 <{address}>: Recipient address rejected: User unknown"
    with running_smtp_server(refuse=reply) as server:
        app.config["MAIL_URL"] = server.url
        mail.queue("refused.person@example.org", "Your sign-in link", "_test", name="R",
                   message="hello")  # fmt: skip
        db.session.commit()
        assert mail.send_queued() == (0, 1)
    assert "not sent (attempt 1)" in caplog.text
    assert "Recipient address rejected" in caplog.text  # the reason stays useful
    assert "refused.person" not in caplog.text and "example.org" not in caplog.text
    row = db.session.scalar(db.select(OutboxMessage))
    assert "refused.person" not in row.last_error and re.search(r"\[address\]", row.last_error)
