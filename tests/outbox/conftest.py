"""A real SMTP server (aiosmtpd) and a real HTTP webhook receiver on free local ports, a
clock the tests move, and messages queued straight into the outbox table."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from tierwise.db.engine import StateStore
from tierwise.db.models import OutboxMessage

SECRET = "s3cret-for-tests"
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Mailbox:
    """What the SMTP server accepted; `refuse` maps a recipient to an SMTP reply."""

    mails: list[tuple[list[str], Message]] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        self.mails.append((list(envelope.rcpt_tos), message_from_bytes(content)))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def doc(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed


@dataclass
class Receiver:
    """A webhook endpoint: records every POST, answers `answer(n)` for the n-th (from 0)."""

    url: str
    received: list[Received] = field(default_factory=list)
    answer: Callable[[int], int] = lambda n: 200
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    port = free_port()
    hook = Receiver(f"http://127.0.0.1:{port}/hook")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if hook.delay:
                time.sleep(hook.delay)
            with hook.lock:
                n = len(hook.received)
                hook.received.append(Received(dict(self.headers.items()), body))
            status = hook.answer(n)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hook
    finally:
        server.shutdown()
        server.server_close()


class Clock:
    """The store's clock, moved by the test."""

    def __init__(self, at: datetime = T0) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


def queue(store: StateStore, recipients: list[str], program: str = "buyin-mcn") -> list[int]:
    """One message per recipient, as the lifecycle would queue them; their ids."""
    ids: list[int] = []
    with store.session() as session:
        for n, recipient in enumerate(recipients):
            message = OutboxMessage(
                created_at=T0,
                program_id=program,
                partner_id=recipient,
                period="2026-11",
                kind="level_changed",
                language="en",
                subject=f"{program}: your level for 2026-11 is V{n % 5}",
                body=f"Message {n} to {recipient}: 你好 สวัสดี",
                status="pending",
                dedupe_key=f"{program}/{recipient}/level_changed/2026-11/{n}",
                notice={"n": n},
            )
            session.add(message)
            session.flush()
            ids.append(message.id)
    return ids


def write_channels(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def smtp_env(smtp_server: tuple[Mailbox, int]) -> dict[str, str]:
    return {
        "TIERWISE_SMTP_HOST": "127.0.0.1",
        "TIERWISE_SMTP_PORT": str(smtp_server[1]),
        "TIERWISE_SMTP_SECURITY": "none",
        "TIERWISE_SMTP_FROM": "Levels <levels@platform.example>",
        "TIERWISE_SMTP_TIMEOUT": "5",
        "HOOK_SECRET": SECRET,
    }
