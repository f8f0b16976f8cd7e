"""The delivery state of the outbox: one row per message and channel, moved by senders.

    pending ──claim──▶ sending ──sent──▶ sent
       ▲                  │  └──retry (backoff)──▶ pending
       │                  └──failed (permanent, or max attempts)──▶ failed
       └──── a dead sender's claim, or an operator's retry ◀──────────┘

A claim is its own short transaction (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so two
senders take different rows; SQLite: the one writer), and so is each record after a send.
A sender killed between sending and recording leaves the row `sending`: it is sent again
once its claim is given up — at once when the claimer was a process of this host that no
longer runs, else after the lease — with the same idempotency key. The guarantee is
therefore at least once, each copy carrying the message id for the receiver to dedup by;
never exactly once (no SMTP server or webhook can take part in our transaction).
"""

from __future__ import annotations

import builtins
import os
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tierwise.db.engine import hold_until_commit, now
from tierwise.db.models import OutboxDelivery, OutboxMessage
from tierwise.outbox.channels import Channels, RetryPolicy
from tierwise.outbox.repository import DeliveryState
from tierwise.outbox.transport import Letter, Outcome

DELIVERY_STATES: tuple[DeliveryState, ...] = ("pending", "sending", "sent", "failed")
#: How long a claim holds before another sender may take the row again.
LEASE = timedelta(minutes=10)


def sender_name() -> str:
    """`host:pid`: who holds a claim (a sender of the same host can see if it still runs)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _gone(claimer: str | None, host: str) -> bool:
    """Whether `claimer` was a process of this host that no longer runs."""
    if claimer is None:
        return True
    name, _, pid = claimer.rpartition(":")
    if name != host or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


@dataclass(frozen=True)
class Claimed:
    """A delivery taken by this sender, with what it sends."""

    delivery_id: int
    channel: str
    attempt: int
    letter: Letter


class Deliveries:
    """The delivery rows of the session's database."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def plan(self, channels: Channels, limit: int = 500) -> tuple[int, int]:
        """Give pending messages that have no delivery rows one per channel of their
        recipient's route (`none`, failed, when the route is empty); returns how many
        messages were routed, and how many of them had no channel. One planner at a time
        (its lock)."""
        hold_until_commit(self.session, "outbox", "plan")
        at = now(self.session)
        planned = sa.select(OutboxDelivery.message_id).where(
            OutboxDelivery.message_id == OutboxMessage.id
        )
        query = (
            sa.select(OutboxMessage.id, OutboxMessage.partner_id)
            .where(OutboxMessage.status == "pending", ~planned.exists())
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
        rows = builtins.list(self.session.execute(query))
        unrouted = 0
        for message_id, recipient in rows:
            route = channels.route(recipient)
            for channel in route.channels:
                self.session.add(self._row(message_id, channel, "pending", at))
            if not route.channels:
                row = self._row(message_id, "none", "failed", at)
                row.last_error = f"no channel for recipient {recipient!r} in the channels file"
                self.session.add(row)
                unrouted += 1
        self.session.flush()
        return len(rows), unrouted

    @staticmethod
    def _row(message_id: int, channel: str, state: str, at: datetime) -> OutboxDelivery:
        return OutboxDelivery(
            message_id=message_id,
            channel=channel,
            state=state,
            attempts=0,
            next_attempt_at=at,
            updated_at=at,
        )

    def release_abandoned(self, me: str, lease: timedelta = LEASE) -> int:
        """Give back `sending` rows whose sender died (same host) or whose lease ran out;
        returns how many. They may have reached the receiver: sent again, same key."""
        at = now(self.session)
        host = me.rpartition(":")[0]
        query = sa.select(OutboxDelivery).where(OutboxDelivery.state == "sending")
        query = query.with_for_update(skip_locked=True)
        released = 0
        for row in self.session.scalars(query):
            expired = row.claimed_at is None or row.claimed_at + lease <= at
            if row.claimed_by != me and (expired or _gone(row.claimed_by, host)):
                row.state = "pending"
                row.last_error = (
                    f"interrupted while sending by {row.claimed_by}: sent again with the "
                    "same id (it may have arrived)"
                )
                row.claimed_by = row.claimed_at = None
                row.next_attempt_at = row.updated_at = at
                released += 1
        self.session.flush()
        return released

    def claim(self, me: str, limit: int) -> builtins.list[Claimed]:
        """Take up to `limit` due rows for `me` (state `sending`, one more attempt)."""
        at = now(self.session)
        query = (
            sa.select(OutboxDelivery, OutboxMessage)
            .join(OutboxMessage, OutboxMessage.id == OutboxDelivery.message_id)
            .where(OutboxDelivery.state == "pending", OutboxDelivery.next_attempt_at <= at)
            .order_by(OutboxDelivery.next_attempt_at, OutboxDelivery.id)
            .limit(limit)
            .with_for_update(of=OutboxDelivery, skip_locked=True)
        )
        taken: builtins.list[Claimed] = []
        for row, message in self.session.execute(query):
            row.state = "sending"
            row.claimed_by = me
            row.claimed_at = row.updated_at = at
            row.attempts += 1
            taken.append(Claimed(row.id, row.channel, row.attempts, letter_of(message)))
        self.session.flush()
        return taken

    def record(
        self,
        claimed: Claimed,
        me: str,
        outcome: Outcome,
        retry: RetryPolicy,
        target: str | None,
    ) -> bool:
        """Record what a send did, if `me` still holds the claim; returns whether it did.
        A message is `sent` once every channel of it is."""
        at = now(self.session)
        row = self.session.get(OutboxDelivery, claimed.delivery_id, with_for_update=True)
        if row is None or row.state != "sending" or row.claimed_by != me:
            return False
        row.claimed_by = row.claimed_at = None
        row.updated_at = at
        row.target = target
        if outcome.verdict == "delivered":
            row.state, row.sent_at, row.last_error = "sent", at, None
            self._close_message(row.message_id, at)
        elif outcome.verdict == "retry" and row.attempts < retry.max_attempts:
            row.state, row.last_error = "pending", outcome.detail
            row.next_attempt_at = at + retry.delay(row.attempts)
        else:
            row.state, row.last_error = "failed", outcome.detail
        self.session.flush()
        return True

    def _close_message(self, message_id: int, at: datetime) -> None:
        open_rows = sa.select(sa.func.count()).where(
            OutboxDelivery.message_id == message_id, OutboxDelivery.state != "sent"
        )
        if int(self.session.scalar(open_rows) or 0) == 0:
            self.session.execute(
                sa.update(OutboxMessage)
                .where(OutboxMessage.id == message_id, OutboxMessage.status == "pending")
                .values(status="sent", sent_at=at)
            )

    def retry(self, message_id: int, channel: str | None = None) -> builtins.list[str]:
        """An operator's retry of a message's failed deliveries (all, or one channel):
        due now with a fresh count of attempts; `none` rows are dropped so the next pass
        routes the message again from the channels file. Returns the channels retried."""
        at = now(self.session)
        query = sa.select(OutboxDelivery).where(
            OutboxDelivery.message_id == message_id, OutboxDelivery.state == "failed"
        )
        if channel is not None:
            query = query.where(OutboxDelivery.channel == channel)
        retried: builtins.list[str] = []
        for row in self.session.scalars(query.with_for_update()):
            retried.append(row.channel)
            if row.channel == "none":
                self.session.delete(row)
                continue
            row.state, row.attempts, row.next_attempt_at, row.updated_at = "pending", 0, at, at
        self.session.flush()
        return retried

    def of_messages(self, message_ids: Iterable[int]) -> dict[int, builtins.list[Any]]:
        """Each message's delivery rows, by channel."""
        ids = builtins.list(message_ids)
        found: dict[int, builtins.list[Any]] = {i: [] for i in ids}
        if not ids:
            return found
        query = (
            sa.select(OutboxDelivery)
            .where(OutboxDelivery.message_id.in_(ids))
            .order_by(OutboxDelivery.message_id, OutboxDelivery.channel)
        )
        for row in self.session.scalars(query):
            found[row.message_id].append(row)
        return found

    def counts(self) -> dict[str, int]:
        """How many delivery rows are in each state."""
        query = sa.select(OutboxDelivery.state, sa.func.count()).group_by(OutboxDelivery.state)
        counted: dict[str, int] = dict.fromkeys(DELIVERY_STATES, 0)
        counted.update({state: int(n) for state, n in self.session.execute(query)})
        return counted


def letter_of(message: OutboxMessage) -> Letter:
    return Letter(
        id=message.id,
        recipient=message.partner_id,
        program_id=message.program_id,
        period=message.period,
        kind=message.kind,
        language=message.language,
        subject=message.subject,
        body=message.body,
        created_at=message.created_at,
        notice=message.notice,
    )
