"""Operator decisions as recorded: the lifecycle's checked `Decision` plus its program.

The caller checks a decision against the policy first (`tierwise.lifecycle.check`); this
repository stores it and appends it to the audit log (`decision`, or `override`) in the same
transaction. Recorded decisions are never edited: a change of mind is a new decision.
"""

from __future__ import annotations

import builtins
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tierwise.db.audit import AuditLog
from tierwise.db.engine import now
from tierwise.db.errors import StateError
from tierwise.db.models import RecordedDecision
from tierwise.lifecycle import Decision


class Decisions:
    """The decisions of the session's database."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.audit = AuditLog(session)

    def add(self, program_id: str, decision: Decision, *, before: Any = None) -> RecordedDecision:
        """Record a checked decision; `before` (e.g. the standing) goes to the audit log."""
        if not decision.actor.strip() or not decision.reason.strip():
            raise StateError("a decision needs an actor and a reason")
        record = RecordedDecision(
            program_id=program_id,
            partner_id=decision.partner_id,
            kind=decision.kind,
            actor=decision.actor,
            reason=decision.reason,
            decided_on=decision.decided_on,
            effective=decision.effective,
            level=decision.level,
            mode=decision.mode,
            until=decision.until,
            continues=decision.continues,
            created_at=now(self.session),
        )
        self.session.add(record)
        self.session.flush()
        self.audit.append(
            decision.actor,
            "override" if decision.kind == "override" else "decision",
            f"{program_id}/{decision.partner_id}",
            reason=decision.reason,
            before=before,
            after={"id": record.id, "program_id": program_id, **decision.to_dict()},
        )
        return record

    def for_program(
        self, program_id: str, up_to: date, *, partner_id: str | None = None
    ) -> builtins.list[Decision]:
        """The program's decisions decided on or before `up_to`, in the order decided."""
        records = self.list(program_id, partner_id=partner_id, up_to=up_to)
        return [r.to_decision() for r in records]

    def list(
        self,
        program_id: str | None = None,
        *,
        partner_id: str | None = None,
        up_to: date | None = None,
    ) -> builtins.list[RecordedDecision]:
        """Recorded decisions by decision date, then recording order."""
        query = sa.select(RecordedDecision).order_by(
            RecordedDecision.decided_on, RecordedDecision.id
        )
        if program_id is not None:
            query = query.where(RecordedDecision.program_id == program_id)
        if partner_id is not None:
            query = query.where(RecordedDecision.partner_id == partner_id)
        if up_to is not None:
            query = query.where(RecordedDecision.decided_on <= up_to)
        return builtins.list(self.session.scalars(query))

    def get(self, decision_id: int) -> RecordedDecision | None:
        return self.session.get(RecordedDecision, decision_id)
