"""A real SMTP server for the tests: aiosmtpd on 127.0.0.1, keeping what it receives."""

import email
import email.policy
import socket
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope


class _Handler:
    def __init__(self, refuse: str | None = None):
        self.messages: list[tuple[Envelope, EmailMessage]] = []
        self.refuse = refuse

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:  # as real servers do, the refusal names the address
            return self.refuse.format(address=address)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(
            envelope.original_content or envelope.content, policy=email.policy.default
        )
        self.messages.append((envelope, msg))
        return "250 OK"


class _EphemeralController(Controller):
    # Controller(port=0) fails its readiness probe: read the bound port before it runs.
    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@dataclass
class SMTPServer:
    port: int
    messages: list[tuple[Envelope, EmailMessage]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"


@contextmanager
def running_smtp_server(port: int = 0, refuse: str | None = None, **smtp_options):
    """An SMTP server on 127.0.0.1 (`port` 0 picks a free one) while the block runs.

    `refuse`, a reply such as "550 <{address}> unknown", refuses every recipient with it.
    """
    handler = _Handler(refuse)
    controller = _EphemeralController(handler, hostname="127.0.0.1", port=port, **smtp_options)
    controller.start()
    try:
        yield SMTPServer(controller.port, handler.messages)
    finally:
        controller.stop()


def closed_port() -> int:
    """A port on 127.0.0.1 where, for now, nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    """A running SMTP server: `.port`, `.url`, and `.messages` as (envelope, message) pairs."""
    with running_smtp_server() as server:
        yield server
