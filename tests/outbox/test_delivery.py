"""Delivering the outbox to a real SMTP server and a real webhook receiver, on SQLite and
PostgreSQL: idempotency keys, signatures, retries with backoff on a clock the test moves,
permanent failures, routing, and two senders at once."""

from __future__ import annotations

import hashlib
import hmac
import threading
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from tests.outbox.conftest import (
    SECRET,
    T0,
    Clock,
    Mailbox,
    Receiver,
    queue,
    write_channels,
)
from tierwise.db.engine import StateStore
from tierwise.db.models import OutboxDelivery, OutboxMessage
from tierwise.outbox.channels import Channels, ChannelsError, RetryPolicy, load_channels
from tierwise.outbox.delivery import Deliveries
from tierwise.outbox.sender import Sender


def hook_channels(tmp_path: Path, url: str, retry: str = "") -> Channels:
    text = (
        f"webhooks:\n  crm:\n    url: {url}\n    secret_env: HOOK_SECRET\n    timeout_seconds: 2\n"
        "recipients:\n  P1: {webhook: crm}\n  P2: {webhook: crm}\n"
        f"{retry}"
    )
    return load_channels(write_channels(tmp_path / "channels.yaml", text), {"HOOK_SECRET": SECRET})


def states(store: StateStore) -> list[tuple[int, str, str, int]]:
    with store.session() as session:
        query = sa.select(
            OutboxDelivery.message_id,
            OutboxDelivery.channel,
            OutboxDelivery.state,
            OutboxDelivery.attempts,
        ).order_by(OutboxDelivery.message_id, OutboxDelivery.channel)
        return [tuple(row) for row in session.execute(query)]  # type: ignore[misc]


def test_email_reaches_the_smtp_server_once_with_a_stable_message_id(
    state_url: str,
    tmp_path: Path,
    smtp_server: tuple[Mailbox, int],
    smtp_env: dict[str, str],
) -> None:
    box, _ = smtp_server
    path = write_channels(
        tmp_path / "channels.yaml",
        "recipients:\n  P1: {email: [ops@agency.example, boss@agency.example]}\n"
        '  "creator:C7": {email: [c7@example.com]}\n',
    )
    channels = load_channels(path, smtp_env)
    with StateStore.open(state_url) as store:
        first, second = queue(store, ["P1", "creator:C7"])
        report = Sender(store, channels).send_due()
        assert (report.planned, report.sent, report.failed) == (2, 2, 0)
        assert Sender(store, channels).send_due().attempted == 0  # nothing sent twice
        with store.session() as session:
            statuses = session.execute(
                sa.select(OutboxMessage.id, OutboxMessage.status).order_by(OutboxMessage.id)
            ).all()
        assert [tuple(s) for s in statuses] == [(first, "sent"), (second, "sent")]
    assert len(box.mails) == 2
    (to_p1, mail_p1), (to_c7, mail_c7) = box.mails
    assert to_p1 == ["ops@agency.example", "boss@agency.example"]
    assert to_c7 == ["c7@example.com"]
    assert mail_p1["Message-ID"] == f"<tierwise-outbox-{first}@platform.example>"
    assert mail_p1["X-Tierwise-Outbox-Id"] == str(first)
    assert mail_p1["From"] == "Levels <levels@platform.example>"
    assert mail_p1["Subject"] == "buyin-mcn: your level for 2026-11 is V0"
    payload = mail_c7.get_payload(decode=True)
    assert isinstance(payload, bytes)
    assert payload.decode("utf-8").strip() == "Message 1 to creator:C7: 你好 สวัสดี"


def test_the_webhook_is_signed_over_timestamp_and_body(
    state_url: str, tmp_path: Path, receiver: Receiver
) -> None:
    clock = Clock()
    channels = hook_channels(tmp_path, receiver.url)
    with StateStore.open(state_url, clock=clock) as store:
        (message_id,) = queue(store, ["P1"])
        assert Sender(store, channels).send_due().sent == 1
    (got,) = receiver.received
    timestamp = str(int(T0.timestamp()))
    assert got.headers["Tierwise-Timestamp"] == timestamp
    expected = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + got.body, hashlib.sha256)
    assert got.headers["Tierwise-Signature"] == "v1=" + expected.hexdigest()
    assert got.headers["Idempotency-Key"] == f"tierwise-outbox-{message_id}"
    assert got.doc["id"] == message_id
    assert got.doc["recipient"] == "P1"
    assert got.doc["body"] == "Message 0 to P1: 你好 สวัสดี"
    assert got.doc["notice"] == {"n": 0}


def test_retries_back_off_exponentially_to_the_cap_then_fail(
    state_url: str, tmp_path: Path, receiver: Receiver
) -> None:
    """base 60 s, cap 150 s, 4 attempts: tries at 0, 60, 60+120, 180+150; then failed."""
    receiver.answer = lambda n: 503
    retry = "retry: {base_seconds: 60, cap_seconds: 150, max_attempts: 4}\n"
    channels = hook_channels(tmp_path, receiver.url, retry)
    clock = Clock()
    with StateStore.open(state_url, clock=clock) as store:
        queue(store, ["P1"])
        sender = Sender(store, channels)
        tried_at: list[float] = []
        for second in range(0, 400):
            clock.at = T0 + timedelta(seconds=second)
            if sender.send_due().attempted:
                tried_at.append(second)
        assert tried_at == [0, 60, 180, 330]
        ((_, channel, state, attempts),) = states(store)
        assert (channel, state, attempts) == ("webhook", "failed", 4)
        with store.session() as session:
            row = session.scalars(sa.select(OutboxDelivery)).one()
            assert row.last_error == "webhook crm: HTTP 503"
    assert len(receiver.received) == 4


@pytest.mark.parametrize(
    ("status", "state", "attempts"),
    [(404, "failed", 1), (400, "failed", 1), (410, "failed", 1), (408, "pending", 1),
     (429, "pending", 1), (500, "pending", 1), (204, "sent", 1)],
)  # fmt: skip
def test_answers_that_fail_for_good_and_answers_retried(
    state_url: str, tmp_path: Path, receiver: Receiver, status: int, state: str, attempts: int
) -> None:
    receiver.answer = lambda n: status
    channels = hook_channels(tmp_path, receiver.url)
    with StateStore.open(state_url, clock=Clock()) as store:
        (message_id,) = queue(store, ["P1"])
        Sender(store, channels).send_due()
        assert states(store) == [(message_id, "webhook", state, attempts)]


def test_an_unreachable_webhook_is_retried(state_url: str, tmp_path: Path) -> None:
    from tests.outbox.conftest import free_port

    channels = hook_channels(tmp_path, f"http://127.0.0.1:{free_port()}/gone")
    with StateStore.open(state_url, clock=Clock()) as store:
        (message_id,) = queue(store, ["P1"])
        report = Sender(store, channels).send_due()
        assert (report.retried, report.failed) == (1, 0)
        assert "ConnectionRefusedError" in report.errors[0] or "URLError" in report.errors[0]
        assert states(store) == [(message_id, "webhook", "pending", 1)]


def test_smtp_refusals_permanent_and_temporary(
    state_url: str,
    tmp_path: Path,
    smtp_server: tuple[Mailbox, int],
    smtp_env: dict[str, str],
) -> None:
    box, _ = smtp_server
    box.refuse = {"nobody@agency.example": "550 no such user", "full@agency.example": "452 full"}
    path = write_channels(
        tmp_path / "channels.yaml",
        "recipients:\n  P1: {email: [nobody@agency.example]}\n"
        "  P2: {email: [full@agency.example]}\n",
    )
    with StateStore.open(state_url, clock=Clock()) as store:
        p1, p2 = queue(store, ["P1", "P2"])
        report = Sender(store, load_channels(path, smtp_env)).send_due()
        assert (report.sent, report.retried, report.failed) == (0, 1, 1)
        assert states(store) == [(p1, "email", "failed", 1), (p2, "email", "pending", 1)]
    assert box.mails == []


def test_a_recipient_without_channel_is_a_visible_failure_an_operator_retries(
    state_url: str, tmp_path: Path, receiver: Receiver
) -> None:
    channels = hook_channels(tmp_path, receiver.url)
    with StateStore.open(state_url, clock=Clock()) as store:
        (lost,) = queue(store, ["P9"])
        Sender(store, channels).send_due()
        assert states(store) == [(lost, "none", "failed", 0)]
        with store.session() as session:
            row = session.scalars(sa.select(OutboxDelivery)).one()
            assert row.last_error == "no channel for recipient 'P9' in the channels file"
        # The partner-operations team adds P9 to the file; the operator retries.
        fixed = write_channels(
            tmp_path / "fixed.yaml",
            f"webhooks:\n  crm: {{url: '{receiver.url}', secret_env: HOOK_SECRET}}\n"
            "recipients:\n  P9: {webhook: crm}\n",
        )
        with store.session() as session:
            assert Deliveries(session).retry(lost) == ["none"]
        Sender(store, load_channels(fixed, {"HOOK_SECRET": SECRET})).send_due()
        assert states(store) == [(lost, "webhook", "sent", 1)]
    assert [r.doc["id"] for r in receiver.received] == [lost]


def test_a_claim_whose_lease_ran_out_is_sent_again_with_the_same_key(
    state_url: str, tmp_path: Path, receiver: Receiver
) -> None:
    clock = Clock()
    channels = hook_channels(tmp_path, receiver.url)
    with StateStore.open(state_url, clock=clock) as store:
        (message_id,) = queue(store, ["P1"])
        with store.session() as session:
            Deliveries(session).plan(channels)
        with store.session() as session:  # a sender on another host takes it, then vanishes
            assert len(Deliveries(session).claim("elsewhere:1", 10)) == 1
        other = Sender(store, channels, name="here:2", lease=timedelta(minutes=10))
        clock.advance(599)
        assert other.send_due().attempted == 0
        clock.advance(1)
        report = other.send_due()
        assert (report.released, report.sent) == (1, 1)
        assert states(store) == [(message_id, "webhook", "sent", 2)]
    assert receiver.received[0].headers["Idempotency-Key"] == f"tierwise-outbox-{message_id}"


def test_two_senders_at_once_send_each_message_once(
    state_url: str, tmp_path: Path, receiver: Receiver
) -> None:
    receiver.delay = 0.002
    channels = hook_channels(tmp_path, receiver.url)
    with StateStore.open(state_url) as store:
        ids = queue(store, [f"P{1 + n % 2}" for n in range(120)])
        senders = [Sender(store, channels, name=f"host:{n}", batch=3) for n in range(2)]
        reports = []
        threads = [
            threading.Thread(target=lambda s=s: reports.append(s.send_due())) for s in senders
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sum(r.sent for r in reports) == 120
        assert all(r.sent > 0 for r in reports)  # both did a share
    got = sorted(r.doc["id"] for r in receiver.received)
    assert got == sorted(ids)


@pytest.mark.parametrize(
    ("text", "env", "error"),
    [
        ("recipients:\n  P1: {email: [not-an-address]}\n", {},
         "recipients.P1.email: Value error, 'not-an-address' is not an e-mail address"),
        ("recipients:\n  P1: {webhook: crm}\n", {},
         "recipients.P1.webhook: no webhook 'crm' (known: none)"),
        ("webhooks:\n  crm: {url: 'http://x.example/h', secret_env: MISSING}\n", {},
         "webhooks.crm.secret_env: the environment variable MISSING is not set"),
        ("webhooks:\n  crm: {url: 'ftp://x.example/h', secret_env: S}\n", {"S": "x"},
         "webhooks.crm.url: Value error, 'ftp://x.example/h' is not an http(s) URL"),
        ("recipients:\n  P1: {fax: '123'}\n", {}, "recipients.P1.fax: Extra inputs"),
        ("recipients:\n  P1: {email: [a@b.example]}\n", {},
         "e-mail is configured but TIERWISE_SMTP_HOST is not set"),
        ("recipients:\n  P1: {email: [a@b.example]}\n",
         {"TIERWISE_SMTP_HOST": "h", "TIERWISE_SMTP_FROM": "x@y.example",
          "TIERWISE_SMTP_SECURITY": "tls"},
         "TIERWISE_SMTP_SECURITY='tls': use starttls, ssl or none"),
        ("retry: {max_attempts: 0}\n", {}, "retry.max_attempts: Input should be greater"),
    ],
)  # fmt: skip
def test_bad_channels_files_are_refused_naming_the_entry(
    tmp_path: Path, text: str, env: dict[str, str], error: str
) -> None:
    path = write_channels(tmp_path / "channels.yaml", text)
    with pytest.raises(ChannelsError) as caught:
        load_channels(path, env)
    assert str(caught.value).startswith(f"{path}: ") or "TIERWISE_SMTP" in error
    assert error in str(caught.value)


def test_smtp_defaults_follow_the_security(tmp_path: Path) -> None:
    path = write_channels(tmp_path / "c.yaml", "recipients:\n  P1: {email: [a@b.example]}\n")
    base = {"TIERWISE_SMTP_HOST": "mail.example", "TIERWISE_SMTP_FROM": "n@platform.example"}
    for security, port in (("starttls", 587), ("ssl", 465), ("none", 25)):
        smtp = load_channels(path, {**base, "TIERWISE_SMTP_SECURITY": security}).smtp
        assert smtp is not None and (smtp.security, smtp.port) == (security, port)
    smtp = load_channels(path, base).smtp
    assert smtp is not None and (smtp.security, smtp.port, smtp.domain) == (
        "starttls",
        587,
        "platform.example",
    )


@given(
    base=st.integers(1, 3600),
    cap=st.integers(1, 86_400),
    attempts=st.integers(1, 60),
)
def test_backoff_doubles_from_the_base_up_to_the_cap(base: int, cap: int, attempts: int) -> None:
    policy = RetryPolicy(timedelta(seconds=base), timedelta(seconds=cap), 8)
    delay = policy.delay(attempts)
    assert delay == timedelta(seconds=min(cap, base * 2 ** (attempts - 1)))
    assert policy.delay(attempts + 1) >= delay  # never shorter for a later attempt


def test_the_lease_outlasts_a_batch_of_the_slowest_sends(
    tmp_path: Path, smtp_env: dict[str, str]
) -> None:
    """10 minutes at least; 3 × batch × the longest timeout (SMTP's counted twice)."""
    hooks = hook_channels(tmp_path, "http://127.0.0.1:9/h")  # timeout_seconds: 2
    store = StateStore.open(f"sqlite:///{tmp_path / 's.db'}")
    try:
        assert Sender(store, hooks, batch=10).lease == timedelta(minutes=10)
        assert Sender(store, hooks, batch=200).lease == timedelta(seconds=3 * 200 * 2)
        path = write_channels(tmp_path / "mail.yaml", "recipients:\n  P1: {email: [a@b.example]}\n")
        mail = load_channels(path, smtp_env)  # TIERWISE_SMTP_TIMEOUT=5
        assert Sender(store, mail, batch=30).lease == timedelta(seconds=3 * 30 * 5 * 2)
        assert Sender(store, mail, lease=timedelta(seconds=7)).lease == timedelta(seconds=7)
    finally:
        store.close()


def test_postgresql_claims_skip_the_rows_another_sender_holds(
    pg_state_url: str, tmp_path: Path, receiver: Receiver
) -> None:
    """Two claims in two open transactions: the second takes the next rows, not the
    first's (FOR UPDATE SKIP LOCKED), and neither waits."""
    channels = hook_channels(tmp_path, receiver.url)
    with StateStore.open(pg_state_url) as store:
        ids = queue(store, ["P1"] * 5)
        with store.session() as session:
            Deliveries(session).plan(channels)
        with store.session() as first, store.session() as second:
            taken_first = Deliveries(first).claim("a:1", 3)
            taken_second = Deliveries(second).claim("b:2", 3)
        assert [c.letter.id for c in taken_first] == ids[:3]
        assert [c.letter.id for c in taken_second] == ids[3:]
        with store.session() as session:
            assert Deliveries(session).claim("c:3", 10) == []  # all held as `sending`
