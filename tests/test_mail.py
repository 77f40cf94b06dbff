"""The mail layer: the outbox, real SMTP delivery, file and console transports, retries."""

import re
import shutil
import ssl
import subprocess
import threading
from datetime import UTC, timedelta
from email import message_from_bytes, policy
from email.utils import parsedate_to_datetime

import pytest
from aiosmtpd.smtp import AuthResult
from flask import redirect
from sqlalchemy import select, update

from forum.extensions import db
from forum.mail_transports import SMTPTransport, transport_from_url
from forum.models import OutboxMessage, utcnow
from forum.services import mail
from forum.views.actions import send_mail_after_response
from tests.smtp import closed_port, running_smtp_server


def _queue(to="juniper@example.org", subject="Your sign-in link", **kwargs):
    context = {"name": "Juniper", "message": "https://forum.example.org/signin/abc=def", **kwargs}
    return mail.queue(to, subject, "_test", **context)


def _outbox() -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    return list(db.session.scalars(query.execution_options(populate_existing=True)))


def _make_due() -> None:
    """Let the backoff pass, as time would."""
    db.session.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
    db.session.commit()


def test_smtp_delivers_text_and_html_with_proper_headers(app, smtp_server):
    app.config.update(MAIL_URL=smtp_server.url, MAIL_FROM="forum@example.org")
    _queue(name="Juniper <b>")
    db.session.commit()

    assert mail.send_queued() == (1, 0)
    envelope, msg = smtp_server.messages[0]
    assert envelope.mail_from == "forum@example.org"
    assert envelope.rcpt_tos == ["juniper@example.org"]
    assert msg["From"].strip() == "Quiet Forum <forum@example.org>"
    assert msg["To"].strip() == "juniper@example.org"
    assert msg["Subject"].strip() == "Your sign-in link"
    assert re.fullmatch(r"<[^<>@\s]+@example\.org>", msg["Message-ID"].strip())
    sent_at = parsedate_to_datetime(msg["Date"].strip())
    assert sent_at.tzinfo is not None
    assert abs(sent_at - utcnow().replace(tzinfo=UTC)) < timedelta(minutes=1)
    assert msg["Auto-Submitted"].strip() == "auto-generated"
    assert msg.get_content_type() == "multipart/alternative"
    text = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    # ASCII goes as it is: a link stays whole and copyable in the raw message.
    assert text["Content-Transfer-Encoding"] == "7bit"
    assert "https://forum.example.org/signin/abc=def" in text.get_content().splitlines()
    assert "Hello Juniper <b>," in text.get_content()
    assert "<p>Hello Juniper &lt;b&gt;,</p>" in html.get_content()
    assert "<title>Your sign-in link</title>" in html.get_content()
    assert _outbox() == []


def test_non_ascii_subject_and_body_survive_as_seven_bit_mail(app, smtp_server):
    app.config["MAIL_URL"] = smtp_server.url
    _queue(subject="Grüße, Zoë — ✓", name="Zoë", message="日本語のテキスト ünd «quotes»")
    db.session.commit()

    assert mail.send_queued() == (1, 0)
    envelope, msg = smtp_server.messages[0]
    assert envelope.original_content.isascii()
    assert msg["Subject"].strip() == "Grüße, Zoë — ✓"
    for part in ("plain", "html"):
        content = msg.get_body((part,)).get_content()
        assert "Zoë" in content and "日本語のテキスト ünd «quotes»" in content


def test_smtp_login_with_percent_decoded_credentials(app):
    seen = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        seen.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=auth_data.password == b"p@ss:w/rd%", handled=False)

    with running_smtp_server(authenticator=authenticator, auth_require_tls=False) as server:
        app.config["MAIL_URL"] = (
            f"smtp://forum%40example.org:p%40ss%3Aw%2Frd%25@127.0.0.1:{server.port}"
        )
        _queue()
        db.session.commit()
        assert mail.send_queued() == (1, 0)
        assert seen == [("forum@example.org", "p@ss:w/rd%")]
        assert len(server.messages) == 1

        app.config["MAIL_URL"] = f"smtp://forum:wrong-secret@127.0.0.1:{server.port}"
        _queue()
        db.session.commit()
        assert mail.send_queued() == (0, 1)
    [waiting] = _outbox()
    assert waiting.last_error.startswith("SMTP 535")
    assert "wrong-secret" not in waiting.last_error and "\n" not in waiting.last_error


@pytest.fixture
def certificate(tmp_path, monkeypatch):
    """A self-signed certificate for 127.0.0.1 that the client trusts (SSL_CERT_FILE)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def test_starttls_then_login(app, certificate):
    tls = {"tls_context": certificate, "require_starttls": True, "auth_require_tls": True}
    accept = lambda *args: AuthResult(success=True, handled=False)  # noqa: E731
    with running_smtp_server(authenticator=accept, **tls) as server:
        app.config["MAIL_URL"] = f"smtp+starttls://forum:secret@127.0.0.1:{server.port}"
        _queue()
        db.session.commit()
        assert mail.send_queued() == (1, 0)
        assert len(server.messages) == 1


def test_smtps(app, certificate):
    with running_smtp_server(ssl_context=certificate) as server:
        app.config["MAIL_URL"] = f"smtps://127.0.0.1:{server.port}"
        _queue()
        db.session.commit()
        assert mail.send_queued() == (1, 0)
        assert len(server.messages) == 1


def test_file_transport_writes_one_parseable_eml_per_message(app, tmp_path):
    directory = tmp_path / "not" / "yet" / "there"
    app.config["MAIL_URL"] = f"file://{directory}"
    message_id = _queue(subject="Ünïcode").message_id
    db.session.commit()

    assert mail.send_queued() == (1, 0)
    [path] = directory.iterdir()
    assert path.suffix == ".eml" and path.stat().st_mode & 0o777 == 0o600
    msg = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert msg["Message-ID"] == message_id
    assert msg["Subject"] == "Ünïcode" and msg["To"] == "juniper@example.org"
    assert "Hello Juniper," in msg.get_body(("plain",)).get_content()
    assert "<p>Hello Juniper,</p>" in msg.get_body(("html",)).get_content()


def test_console_transport_prints_the_text_part(app, capsys):
    app.config["MAIL_URL"] = "console://"
    _queue(name="Zoë")
    db.session.commit()

    assert mail.send_queued() == (1, 0)
    out = capsys.readouterr().out
    assert "To: juniper@example.org" in out and "Subject: Your sign-in link" in out
    assert "Hello Zoë," in out and "https://forum.example.org/signin/abc=def" in out


def test_mail_urls_are_parsed_and_bad_ones_named():
    smtp = transport_from_url("smtp+starttls://a%40b.org:p%2Fw@mail.example.org")
    assert smtp == SMTPTransport("mail.example.org", 587, "a@b.org", "p/w", "starttls")
    assert "p/w" not in repr(smtp)
    assert transport_from_url("smtps://mail.example.org").port == 465
    assert transport_from_url("smtp://mail.example.org:2525").port == 2525
    assert transport_from_url("smtp://mail.example.org").username is None
    for url in ("mailgun://key-secret@api", "", "file://relative/dir", "smtp://u:secret@h:x"):
        with pytest.raises(ValueError, match="MAIL_URL") as error:
            transport_from_url(url)
        assert "secret" not in str(error.value)


def test_a_down_server_leaves_mail_queued_with_backoff_until_it_is_up(app):
    port = closed_port()
    app.config["MAIL_URL"] = f"smtp://127.0.0.1:{port}"
    _queue(to="first@example.org")
    _queue(to="second@example.org")
    db.session.commit()

    # A server failure stops the batch: the second message is not tried in vain.
    assert mail.send_queued() == (0, 1)
    first, second = _outbox()
    assert first.attempts == 1 and "Connection refused" in first.last_error
    wait = first.next_attempt_at - utcnow()
    assert timedelta(seconds=50) < wait <= timedelta(minutes=1)
    assert second.attempts == 0 and second.last_error is None
    assert mail.send_queued() == (0, 1)
    assert mail.send_queued() == (0, 0)

    _make_due()
    assert mail.send_queued() == (0, 1)
    assert mail.send_queued() == (0, 1)
    first, second = _outbox()
    assert first.attempts == second.attempts == 2
    assert timedelta(seconds=110) < first.next_attempt_at - utcnow() <= timedelta(minutes=2)

    with running_smtp_server(port) as server:
        assert mail.send_queued() == (0, 0) and server.messages == []
        _make_due()
        assert mail.send_queued() == (2, 0)
        assert sorted(env.rcpt_tos[0] for env, _ in server.messages) == [
            "first@example.org",
            "second@example.org",
        ]
    assert _outbox() == []


def test_backoff_doubles_and_stops_at_six_hours():
    assert [mail.backoff(n) for n in (1, 2, 3)] == [timedelta(minutes=m) for m in (1, 2, 4)]
    assert mail.backoff(10) == mail.backoff(10_000) == timedelta(hours=6)


def test_expired_messages_are_dropped_unsent(app, smtp_server):
    app.config["MAIL_URL"] = smtp_server.url
    _queue(to="late@example.org", expires_at=utcnow() - timedelta(seconds=1))
    _queue(to="timely@example.org", expires_at=utcnow() + timedelta(minutes=15))
    db.session.commit()

    assert mail.send_queued() == (1, 0)
    assert [env.rcpt_tos for env, _ in smtp_server.messages] == [["timely@example.org"]]
    assert _outbox() == []


def test_a_claimed_message_is_not_sent_by_another_sender(app, smtp_server):
    app.config["MAIL_URL"] = smtp_server.url
    message = _queue()
    db.session.commit()

    assert mail.claim(message.id) is not None  # another sender took it
    assert mail.claim(message.id) is None
    assert mail.send_queued() == (0, 0)
    assert smtp_server.messages == [] and len(_outbox()) == 1


def test_two_senders_at_once_send_each_message_once(app, smtp_server):
    app.config["MAIL_URL"] = smtp_server.url
    for n in range(20):
        _queue(to=f"member{n}@example.org")
    db.session.commit()
    results, start = [], threading.Barrier(2)

    def sender():
        with app.app_context():
            start.wait()
            results.append(mail.send_queued())

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(sent for sent, _ in results) == 20 and len(results) == 2
    recipients = [env.rcpt_tos[0] for env, _ in smtp_server.messages]
    assert sorted(recipients) == sorted(f"member{n}@example.org" for n in range(20))
    assert _outbox() == []


def test_cli_sends_the_queue_and_reports(app, runner, smtp_server):
    app.config["MAIL_URL"] = f"smtp://127.0.0.1:{closed_port()}"
    for _ in range(3):
        _queue()
    db.session.commit()
    result = runner.invoke(args=["mail", "send-queued"])
    assert result.exit_code == 0 and "Sent 0, failed 1." in result.output

    app.config["MAIL_URL"] = smtp_server.url
    _make_due()
    result = runner.invoke(args=["mail", "send-queued", "--limit", "2"])
    assert result.exit_code == 0 and "Sent 3, failed 0." in result.output
    assert len(smtp_server.messages) == 3 and _outbox() == []

    app.config["MAIL_URL"] = "smtp:/"
    result = runner.invoke(args=["mail", "send-queued"])
    assert result.exit_code == 1 and "MAIL_URL" in result.output


def _add_mail_route(app, respond=lambda: "queued"):
    def queue_and_respond():
        _queue()
        db.session.commit()
        send_mail_after_response()
        return respond()

    app.add_url_rule("/_test/mail", view_func=queue_and_respond)


def test_mail_leaves_after_the_response_not_during_it(app, client, smtp_server):
    app.config["MAIL_URL"] = smtp_server.url
    _add_mail_route(app)

    response = client.get("/_test/mail")
    assert response.status_code == 200
    # The view has answered and nothing was sent yet: sending waits for the body to go out.
    assert smtp_server.messages == [] and len(_outbox()) == 1
    assert response.text == "queued"  # the whole body is out...
    assert len(smtp_server.messages) == 1 and _outbox() == []  # ...then the mail leaves
    response.close()
    assert len(smtp_server.messages) == 1  # once only


def test_a_followed_redirect_is_closed_so_its_mail_leaves(app, client, smtp_server):
    app.config["MAIL_URL"] = smtp_server.url
    _add_mail_route(app, respond=lambda: redirect("/"))

    response = client.get("/_test/mail", follow_redirects=True)
    assert response.status_code == 200 and len(response.history) == 1
    assert len(smtp_server.messages) == 1


def test_sending_after_a_response_never_fails_the_request(app, client, caplog):
    _add_mail_route(app)

    app.config["MAIL_URL"] = f"smtp://127.0.0.1:{closed_port()}"
    with client.get("/_test/mail") as response:
        assert response.status_code == 200
    assert "not sent (attempt 1)" in caplog.text
    assert "juniper@example.org" not in caplog.text

    app.config["MAIL_URL"] = "nonsense://"
    with client.get("/_test/mail") as response:
        assert response.status_code == 200
    assert "After-response send_queued failed" in caplog.text
    assert len(_outbox()) == 2


def test_queue_refuses_header_injection(app):
    with pytest.raises(ValueError, match="line break"):
        _queue(to="juniper@example.org\nBcc: everyone@example.org")
    with pytest.raises(ValueError, match="line break"):
        _queue(subject="Hello\r\nBcc: everyone@example.org")


def test_the_address_is_declared_personal_data():
    declared = OutboxMessage.__table__.c.to_address.info["personal"]
    assert declared["category"] == "contact"
    assert declared["retention"] == "deleted as soon as it is sent, or when it expires"
