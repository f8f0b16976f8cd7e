"""Registrations and sanctions in the state store: each change audited in the hash chain
in the same transaction; a sanction queues its notice to the partner (with the reason)."""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from datetime import date
from typing import cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tierwise.core.periods import Period
from tierwise.db.audit import AuditLog
from tierwise.db.engine import hold_until_commit, now
from tierwise.db.models import Registration, Sanction
from tierwise.definitions.model import Program
from tierwise.lifecycle import Award, Notice
from tierwise.outbox.repository import Outbox
from tierwise.registrations.service import (
    Entitlement,
    RegistrationError,
    RegistrationRecord,
    SanctionKind,
    SanctionRecord,
    check_registration,
    check_sanction,
)
from tierwise.runs.repository import Runs


def _registration(row: Registration) -> RegistrationRecord:
    return RegistrationRecord(
        program_id=row.program_id,
        partner_id=row.partner_id,
        period=Period.parse(row.period),
        registered_on=row.registered_on,
        actor=row.actor,
    )


def _sanction(row: Sanction) -> SanctionRecord:
    return SanctionRecord(
        kind=cast(SanctionKind, row.kind),
        program_id=row.program_id,
        partner_id=row.partner_id,
        period=Period.parse(row.period),
        reason=row.reason,
        decided_on=row.decided_on,
        actor=row.actor,
    )


class Registrations:
    """The registrations and sanctions of the session's database."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.audit = AuditLog(session)

    def registrations(
        self, program_id: str | None = None, partner_id: str | None = None
    ) -> builtins.list[RegistrationRecord]:
        query = sa.select(Registration)
        if program_id is not None:
            query = query.where(Registration.program_id == program_id)
        if partner_id is not None:
            query = query.where(Registration.partner_id == partner_id)
        order = (Registration.program_id, Registration.period, Registration.partner_id)
        return [_registration(r) for r in self.session.scalars(query.order_by(*order))]

    def sanctions(
        self, program_id: str | None = None, partner_id: str | None = None
    ) -> builtins.list[SanctionRecord]:
        query = sa.select(Sanction)
        if program_id is not None:
            query = query.where(Sanction.program_id == program_id)
        if partner_id is not None:
            query = query.where(Sanction.partner_id == partner_id)
        return [_sanction(s) for s in self.session.scalars(query.order_by(Sanction.id))]

    def entitlement(self, program: Program) -> Entitlement:
        """Who may be awarded in the program, from everything recorded."""
        return Entitlement.of(program, self.registrations(program.id), self.sanctions(program.id))

    def register(
        self, program: Program, partner_id: str, period: Period, on: date, actor: str
    ) -> RegistrationRecord:
        """Record the TSP's application for the period; registering again is a no-op (the
        registration made first comes back)."""
        hold_until_commit(self.session, "registration", program.id, partner_id)
        existing = self.session.scalars(
            sa.select(Registration).where(
                Registration.program_id == program.id,
                Registration.partner_id == partner_id,
                Registration.period == str(period),
            )
        ).one_or_none()
        if existing is not None:
            return _registration(existing)
        check_registration(program, partner_id, period, on, self.sanctions(program.id, partner_id))
        row = Registration(
            program_id=program.id,
            partner_id=partner_id,
            period=str(period),
            registered_on=on,
            actor=actor,
            created_at=now(self.session),
        )
        self.session.add(row)
        self.session.flush()
        record = _registration(row)
        self.audit.append(
            actor, "register", f"{program.id}/{partner_id}/{period}", after=record.to_dict()
        )
        return record

    def impose(
        self,
        kind: SanctionKind,
        program: Program,
        partner_id: str,
        period: Period,
        *,
        reason: str,
        actor: str,
        on: date,
        markets: Mapping[str, str] | None = None,
    ) -> SanctionRecord:
        """Exclude the TSP from the program from `period` on (no award from then), or
        forfeit the award given to it for `period` (one of its published awards)."""
        record = SanctionRecord(kind, program.id, partner_id, period, reason, on, actor)
        awards = Runs(self.session).published_awards(program.id, partner_id, forfeited=True)
        return self.sanction(program, record, awards=awards, markets=markets)

    def sanction(
        self,
        program: Program,
        sanction: SanctionRecord,
        *,
        awards: builtins.list[Award],
        markets: Mapping[str, str] | None = None,
    ) -> SanctionRecord:
        """Record an exclusion or a forfeit, audit it and queue its notice to the partner
        (in its language, with the reason). A forfeit names an award granted (`awards`:
        the partner's published awards); the same sanction twice is refused."""
        check_sanction(program, sanction)
        hold_until_commit(self.session, "registration", program.id, sanction.partner_id)
        forfeited: Award | None = None
        if sanction.kind == "forfeit":
            forfeited = next(
                (
                    a
                    for a in awards
                    if a.partner_id == sanction.partner_id and a.for_period == sanction.period
                ),
                None,
            )
            if forfeited is None:
                raise RegistrationError(
                    f"forfeit of {sanction.partner_id}: no award was given for {sanction.period}"
                )
        same = self.session.scalars(
            sa.select(Sanction).where(
                Sanction.kind == sanction.kind,
                Sanction.program_id == program.id,
                Sanction.partner_id == sanction.partner_id,
                Sanction.period == str(sanction.period),
            )
        ).one_or_none()
        if same is not None:
            raise RegistrationError(
                f"{sanction.kind} of {sanction.partner_id} for {sanction.period} is recorded "
                f"already ({same.decided_on.isoformat()}, by {same.actor})"
            )
        self.session.add(
            Sanction(
                kind=sanction.kind,
                program_id=program.id,
                partner_id=sanction.partner_id,
                period=str(sanction.period),
                reason=sanction.reason,
                decided_on=sanction.decided_on,
                actor=sanction.actor,
                created_at=now(self.session),
            )
        )
        self.session.flush()
        self.audit.append(
            sanction.actor,
            sanction.kind,
            f"{program.id}/{sanction.partner_id}/{sanction.period}",
            reason=sanction.reason,
            after=sanction.to_dict(),
        )
        Outbox(self.session).add_notices(program, [_notice(sanction, forfeited)], markets or {})
        return sanction


def _notice(sanction: SanctionRecord, award: Award | None) -> Notice:
    if sanction.kind == "forfeit" and award is not None:
        return Notice(
            "award_forfeited",
            sanction.program_id,
            sanction.partner_id,
            str(sanction.period),
            {"award": award.award, "for_period": str(sanction.period), "reason": sanction.reason},
        )
    return Notice(
        "excluded",
        sanction.program_id,
        sanction.partner_id,
        str(sanction.period),
        {"from_period": str(sanction.period), "reason": sanction.reason},
    )
