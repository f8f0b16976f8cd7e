"""The sender: routes new messages, takes due deliveries a few at a time and sends them,
recording each outcome in its own transaction. `tierwise outbox send` runs it once or in a
loop; the server runs the loop in a background thread (`server/worker.py`). Any number of
senders may run at once, on any hosts: claims keep them off each other's rows."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import timedelta

from tierwise.db.engine import StateStore
from tierwise.outbox.channels import Channels
from tierwise.outbox.delivery import LEASE, Claimed, Deliveries, sender_name
from tierwise.outbox.transport import Outcome, post_webhook, send_email

#: Deliveries claimed per transaction: a sender killed mid-batch resends at most these.
BATCH = 10


@dataclass
class PassReport:
    """What one pass did."""

    planned: int = 0
    unrouted: int = 0
    released: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        return self.sent + self.retried + self.failed


class Sender:
    """Delivers the outbox of `store` on `channels`."""

    def __init__(
        self,
        store: StateStore,
        channels: Channels,
        *,
        name: str | None = None,
        batch: int = BATCH,
        lease: timedelta | None = None,
    ) -> None:
        self.store = store
        self.channels = channels
        self.name = name or sender_name()
        self.batch = batch
        self.lease = lease or max(LEASE, self._slowest_batch())

    def _slowest_batch(self) -> timedelta:
        """Three times a batch of sends that each take their channel's whole timeout
        (twice for SMTP, whose timeout bounds each exchange): a claim outlasts its batch,
        or a second sender would resend what this one is still sending. (A batch slower
        still is resent by another sender: with the same id.)"""
        routes = [*self.channels.routes.values(), self.channels.fallback]
        timeouts = [r.webhook.timeout for r in routes if r is not None and r.webhook]
        if self.channels.smtp is not None:
            timeouts.append(self.channels.smtp.timeout * 2)
        return timedelta(seconds=3 * self.batch * max(timeouts, default=0))

    def send_due(self, limit: int | None = None, stop: threading.Event | None = None) -> PassReport:
        """One pass: route new messages, give back dead senders' claims, then send what is
        due now (at most `limit` deliveries) until nothing is, or `stop` is set."""
        report = PassReport()
        with self.store.session() as session:
            report.planned, report.unrouted = Deliveries(session).plan(self.channels)
        with self.store.session() as session:
            report.released = Deliveries(session).release_abandoned(self.name, self.lease)
        while (limit is None or report.attempted < limit) and not (stop and stop.is_set()):
            size = self.batch if limit is None else min(self.batch, limit - report.attempted)
            with self.store.session() as session:
                claimed = Deliveries(session).claim(self.name, size)
            if not claimed:
                break
            for one in claimed:
                self._deliver(one, report)
        return report

    def _deliver(self, claimed: Claimed, report: PassReport) -> None:
        outcome, target = self._send(claimed)
        with self.store.session() as session:
            kept = Deliveries(session).record(
                claimed, self.name, outcome, self.channels.retry, target
            )
        if not kept:
            return
        if outcome.verdict == "delivered":
            report.sent += 1
            return
        report.errors.append(f"message {claimed.letter.id} {claimed.channel}: {outcome.detail}")
        if outcome.verdict == "retry" and claimed.attempt < self.channels.retry.max_attempts:
            report.retried += 1
        else:
            report.failed += 1

    def _send(self, claimed: Claimed) -> tuple[Outcome, str | None]:
        route = self.channels.route(claimed.letter.recipient)
        if claimed.channel == "email" and route.emails and self.channels.smtp is not None:
            return send_email(self.channels.smtp, route.emails, claimed.letter), ", ".join(
                route.emails
            )
        if claimed.channel == "webhook" and route.webhook is not None:
            at = self.store.clock()
            hook = route.webhook
            return post_webhook(hook, claimed.letter, at, claimed.attempt), hook.name
        detail = f"{claimed.channel} is no longer configured for {claimed.letter.recipient!r}"
        return Outcome("failed", detail), None

    def run(self, stop: threading.Event, idle: float = 5.0) -> None:
        """Pass after pass until `stop` is set, resting `idle` seconds when a pass sent
        nothing (a pass that did work is followed by the next at once)."""
        while not stop.is_set():
            report = self.send_due(stop=stop)
            if report.attempted == 0:
                stop.wait(idle)
