"""Operator facts entered in the portal or the API, as stored: one value per program,
partner, fact and period (entering it again replaces it), each change audited in the same
transaction. Validation against the program is the caller's (`tierwise.facts`); runs read
the rows here to evaluate them with the loaded facts."""

from __future__ import annotations

import builtins
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tierwise.db.audit import AuditLog
from tierwise.db.engine import now
from tierwise.db.errors import StateError
from tierwise.db.models import EnteredFact
from tierwise.metrics.scope import EnteredFact as FactRow


def fact_document(row: EnteredFact) -> dict[str, Any]:
    """The stored fact as the API, the page and the audit log show it."""
    return {
        "program_id": row.program_id,
        "partner_id": row.partner_id,
        "name": row.name,
        "period": row.period,
        "as_of": row.as_of.isoformat(),
        "value": row.value,
        "actor": row.actor,
        "reason": row.reason,
    }


class EnteredFacts:
    """The entered facts of the session's database."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def enter(
        self,
        program_id: str,
        partner_id: str,
        name: str,
        period: str,
        as_of: date,
        value: Decimal,
        *,
        actor: str,
        reason: str,
    ) -> EnteredFact:
        """Store the value (replacing the one entered before for the same program, partner,
        fact and period) and append the change to the audit log."""
        if not actor.strip() or not reason.strip():
            raise StateError("an entered fact needs an actor and a reason")
        row = self.session.scalars(
            sa.select(EnteredFact).where(
                EnteredFact.program_id == program_id,
                EnteredFact.partner_id == partner_id,
                EnteredFact.name == name,
                EnteredFact.period == period,
            )
        ).one_or_none()
        before = None if row is None else fact_document(row)
        if row is None:
            row = EnteredFact(program_id=program_id, partner_id=partner_id, name=name)
            self.session.add(row)
        row.period, row.as_of, row.value = period, as_of, str(value)
        row.actor, row.reason, row.entered_at = actor, reason, now(self.session)
        self.session.flush()
        AuditLog(self.session).append(
            actor,
            "fact_entered",
            f"{program_id}/{partner_id}/{name}/{period}",
            reason=reason,
            before=before,
            after=fact_document(row),
        )
        return row

    def list(
        self,
        program_id: str,
        *,
        period: str | None = None,
        partner_id: str | None = None,
    ) -> builtins.list[EnteredFact]:
        """The program's entered facts by period, partner and name."""
        query = sa.select(EnteredFact).where(EnteredFact.program_id == program_id)
        if period is not None:
            query = query.where(EnteredFact.period == period)
        if partner_id is not None:
            query = query.where(EnteredFact.partner_id == partner_id)
        query = query.order_by(EnteredFact.period, EnteredFact.partner_id, EnteredFact.name)
        return builtins.list(self.session.scalars(query))

    def rows(self, program_id: str) -> tuple[FactRow, ...]:
        """The program's entered facts as the evaluation reads them."""
        return tuple(
            FactRow(r.partner_id, r.name, r.as_of, Decimal(r.value)) for r in self.list(program_id)
        )
