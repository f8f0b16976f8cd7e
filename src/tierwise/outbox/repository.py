"""The notification outbox: rendered notices queued once, ready for a mailer.

A notice's dedupe key names the program, partner, kind, period and what the notice is
about (the move, the award), so queuing the same notices again — a re-run, a retried job —
adds nothing. What a notice says is `outbox/messages.py`'s.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tierwise.db.engine import hold_until_commit, now
from tierwise.db.models import OutboxDelivery, OutboxMessage
from tierwise.definitions.model import Program
from tierwise.lifecycle import Notice
from tierwise.lifecycle.notices import OPERATOR_ONLY
from tierwise.outbox.messages import language_of, render, shown_to_partner

OutboxStatus = Literal["pending", "sent"]
DeliveryState = Literal["pending", "sending", "sent", "failed"]

_SAME: Mapping[str, tuple[str, ...]] = {
    "level_changed": ("previous_level", "level"),
    "observation_warning": (),
    "award_granted": ("award", "for_period"),
    "award_expiring": ("award", "valid_to"),
    "review_opened": ("review", "window", "proposed"),
    "binding_quota_exceeded": ("level", "limit", "held"),
    "award_withheld": ("award", "reason"),
    "award_forfeited": ("award", "for_period"),
    "excluded": ("from_period",),
}


def dedupe_key(notice: Notice) -> str:
    """`program/partner/kind/period[/what]`: one message per notice, whatever the day."""
    what = [str(notice.params.get(key)) for key in _SAME.get(notice.kind, ())]
    return "/".join([notice.program_id, notice.partner_id, notice.kind, notice.period, *what])


class Outbox:
    """The outbox of the session's database."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add_notices(
        self,
        program: Program,
        notices: Iterable[Notice],
        partner_markets: Mapping[str, str],
    ) -> builtins.list[OutboxMessage]:
        """Render and queue the notices not queued before; returns the new messages.

        `partner_markets` maps a partner to its market (`CN`, `TH`, …); a partner not in
        it takes the program's market when the program has only one.

        Queuing for one program is one step at a time (its outbox lock), so a publication
        and a reminder job queuing the same notice at once add it once. Operators' notices
        (a review item opened) are not the partner's and are never queued."""
        pending = [n for n in notices if n.kind not in OPERATOR_ONLY]
        for program_id in sorted({n.program_id for n in pending}):
            hold_until_commit(self.session, "outbox", program_id)
        queued = self._queued({dedupe_key(n) for n in pending})
        default_market = program.markets[0] if len(program.markets) == 1 else None
        created = now(self.session)
        added: builtins.list[OutboxMessage] = []
        for notice in pending:
            key = dedupe_key(notice)
            if key in queued:
                continue
            queued.add(key)
            market = partner_markets.get(notice.partner_id, default_market)
            language, subject, body = render(program, notice, language_of(market))
            message = OutboxMessage(
                created_at=created,
                program_id=notice.program_id,
                partner_id=notice.partner_id,
                period=notice.period,
                kind=notice.kind,
                language=language,
                subject=subject,
                body=body,
                status="pending",
                dedupe_key=key,
                # What the webhook carries is what the partner is told (no withheld score).
                notice=shown_to_partner(program, notice).to_dict(),
            )
            self.session.add(message)
            added.append(message)
        self.session.flush()
        return added

    def _queued(self, keys: set[str], chunk: int = 500) -> set[str]:
        """The keys already in the outbox."""
        ordered = sorted(keys)
        found: set[str] = set()
        for at in range(0, len(ordered), chunk):
            part = ordered[at : at + chunk]
            query = sa.select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(part))
            found.update(self.session.scalars(query))
        return found

    def list(
        self,
        status: OutboxStatus | None = None,
        partner_id: str | None = None,
        *,
        program_id: str | None = None,
        delivery: DeliveryState | None = None,
        newest_first: bool = False,
        offset: int = 0,
        limit: int | None = None,
    ) -> builtins.list[OutboxMessage]:
        """Messages in the order queued (or the reverse), a page of them with `limit`;
        with `delivery`, those with a channel in that delivery state."""
        order = OutboxMessage.id.desc() if newest_first else OutboxMessage.id
        query = self._where(sa.select(OutboxMessage), status, partner_id, program_id, delivery)
        query = query.order_by(order).offset(offset).limit(limit)
        return builtins.list(self.session.scalars(query))

    def get(self, message_id: int) -> OutboxMessage | None:
        return self.session.get(OutboxMessage, message_id)

    def count(
        self,
        status: OutboxStatus | None = None,
        partner_id: str | None = None,
        *,
        program_id: str | None = None,
        delivery: DeliveryState | None = None,
    ) -> int:
        counted = sa.select(sa.func.count()).select_from(OutboxMessage)
        query = self._where(counted, status, partner_id, program_id, delivery)
        return int(self.session.scalar(query) or 0)

    @staticmethod
    def _where(
        query: sa.Select[Any],
        status: OutboxStatus | None,
        partner_id: str | None,
        program_id: str | None,
        delivery: DeliveryState | None = None,
    ) -> sa.Select[Any]:
        if status is not None:
            query = query.where(OutboxMessage.status == status)
        if partner_id is not None:
            query = query.where(OutboxMessage.partner_id == partner_id)
        if program_id is not None:
            query = query.where(OutboxMessage.program_id == program_id)
        if delivery is not None:
            in_state = sa.select(OutboxDelivery.id).where(
                OutboxDelivery.message_id == OutboxMessage.id, OutboxDelivery.state == delivery
            )
            query = query.where(in_state.exists())
        return query

    def mark_sent(self, message_ids: Iterable[int], at: datetime | None = None) -> int:
        """For the mailer: mark messages sent; returns how many were pending."""
        ids = builtins.list(message_ids)
        if not ids:
            return 0
        result = self.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), OutboxMessage.status == "pending")
            .values(status="sent", sent_at=at or now(self.session))
            .execution_options(synchronize_session="fetch")
        )
        return int(getattr(result, "rowcount", 0))
