"""Mail transports chosen by MAIL_URL, and the message built from an outbox row.

    smtp://user:pass@host:port            plain SMTP (port 25 by default)
    smtp+starttls://user:pass@host:port   SMTP upgraded with STARTTLS (port 587 by default)
    smtps://user:pass@host:port           SMTP over TLS (port 465 by default)
    file:///path/to/dir                   one .eml file a message, for development
    console://                            printed on standard output

User and password are optional and percent-decoded (`%40` for `@`). TLS certificates are
verified against the system's trust store.
"""

import os
import re
import smtplib
import ssl
import uuid
from dataclasses import dataclass
from datetime import UTC
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .models import OutboxMessage, utcnow

SMTP_TIMEOUT = 10
SMTP_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}

# Failures that concern one message; any other one (network, TLS, authentication) would
# fail the next message as well.
MESSAGE_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError)


@dataclass(frozen=True)
class SMTPTransport:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    security: str = "none"  # "none", "starttls" or "tls"
    timeout: float = SMTP_TIMEOUT

    def __repr__(self) -> str:
        # Never the password, wherever a transport ends up printed.
        return f"SMTPTransport({self.security}, {self.host}:{self.port}, user={self.username!r})"

    def send(self, msg: EmailMessage) -> None:
        context = ssl.create_default_context()
        if self.security == "tls":
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with smtp:
            if self.security == "starttls":
                smtp.starttls(context=context)
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(msg)


@dataclass(frozen=True)
class FileTransport:
    directory: Path

    def send(self, msg: EmailMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = _file_name(msg["Message-ID"])
        # Written aside then renamed, so a reader never sees half a message; readable by
        # the owner only, as sign-in links are secrets.
        partial = self.directory / f".{name}.{uuid.uuid4().hex}.tmp"
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(msg.as_bytes())
        os.replace(partial, self.directory / f"{name}.eml")


class ConsoleTransport:
    def send(self, msg: EmailMessage) -> None:
        # Headers and the decoded text part: a link in it can be copied as it is.
        lines = ["-" * 20 + " mail " + "-" * 20]
        lines += [f"{key}: {msg[key]}" for key in ("Message-ID", "Date", "From", "To", "Subject")]
        body = msg.get_body(("plain",))
        lines += ["", body.get_content().rstrip("\n") if body else "(no text part)"]
        lines += ["-" * 46]
        print("\n".join(lines), flush=True)


Transport = SMTPTransport | FileTransport | ConsoleTransport


def transport_from_url(url: str) -> Transport:
    """The transport MAIL_URL names; a ValueError naming MAIL_URL (never its password)."""
    parts = urlsplit(url or "")
    scheme = parts.scheme.lower()
    if scheme == "console":
        return ConsoleTransport()
    if scheme == "file":
        path = unquote(parts.path)
        if parts.netloc or not path.startswith("/"):
            raise ValueError("MAIL_URL file:// needs an absolute path, as in file:///srv/mail")
        return FileTransport(Path(path))
    if scheme in SMTP_PORTS:
        try:
            port = parts.port or SMTP_PORTS[scheme]
        except ValueError:
            raise ValueError(f"MAIL_URL {scheme}:// has a port that is not a number") from None
        if not parts.hostname:
            raise ValueError(
                f"MAIL_URL {scheme}:// needs a host, as in {scheme}://mail.example.org"
            )
        return SMTPTransport(
            host=parts.hostname,
            port=port,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password is not None else None,
            security={"smtp": "none", "smtp+starttls": "starttls", "smtps": "tls"}[scheme],
        )
    raise ValueError(
        f"MAIL_URL has an unknown scheme {scheme + '://' if scheme else '(none)'}: use smtp://, "
        "smtp+starttls://, smtps://, file:// or console://"
    )


def make_message_id(sender: str) -> str:
    """A new Message-ID in the domain of the sender address (MAIL_FROM)."""
    return make_msgid(domain=_address(sender).rpartition("@")[2] or "localhost")


def build_message(row: OutboxMessage, sender: str, site_name: str) -> EmailMessage:
    """The message for an outbox row: plain text with an HTML alternative."""
    name, address = parseaddr(sender)
    msg = EmailMessage()
    msg["From"] = Address(display_name=name or site_name, addr_spec=address or sender)
    msg["To"] = row.to_address
    msg["Subject"] = row.subject
    msg["Date"] = format_datetime((row.created_at or utcnow()).replace(tzinfo=UTC))
    msg["Message-ID"] = row.message_id or make_message_id(sender)
    # Asks vacation responders and the like not to answer (RFC 3834).
    msg["Auto-Submitted"] = "auto-generated"
    if row.unsubscribe_url:
        # One-click unsubscribe (RFC 8058): the mail provider POSTs to the address.
        msg["List-Unsubscribe"] = f"<{row.unsubscribe_url}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(row.text_body, cte=_transfer_encoding(row.text_body))
    msg.add_alternative(row.html_body, subtype="html", cte=_transfer_encoding(row.html_body))
    return msg


_ADDRESS = re.compile(r"[^\s<>()\[\]\"',;:]+@[^\s<>()\[\]\"',;:]+")


def describe_error(exc: BaseException) -> str:
    """One short line about a failed send, for the outbox and the log: no traceback."""
    if isinstance(exc, smtplib.SMTPResponseException):
        reply = exc.smtp_error
        text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
        summary = f"SMTP {exc.smtp_code} {text}"
    elif isinstance(exc, smtplib.SMTPRecipientsRefused):
        replies = [
            f"{code} {reply.decode('utf-8', 'replace')}" for code, reply in exc.recipients.values()
        ]
        summary = "recipient refused: " + "; ".join(replies)
    else:
        summary = f"{type(exc).__name__}: {exc}"
    # Servers name the refused recipient in their reply; the log and the outbox need only why.
    return " ".join(redact_addresses(summary).split())[:255]


def redact_addresses(text: str) -> str:
    """`text` with every email address replaced by "[address]"."""
    return _ADDRESS.sub("[address]", text)


def _address(sender: str) -> str:
    return parseaddr(sender)[1] or sender


def _transfer_encoding(body: str) -> str:
    # ASCII stays readable as it is (links in .eml files and logs); anything else, or any
    # line beyond SMTP's limit, is quoted-printable so no server has to take 8-bit data.
    if body.isascii() and all(len(line) <= 998 for line in body.splitlines()):
        return "7bit"
    return "quoted-printable"


def _file_name(message_id: str | None) -> str:
    name = re.sub(r"[^A-Za-z0-9.-]+", "_", (message_id or "").strip("<> "))
    return name.strip("._") or uuid.uuid4().hex
