"""Registering and sanctioning for the REST API and the operator's page alike: checked,
recorded, refusals as problem documents."""

from __future__ import annotations

from tierwise.core.errors import StateError
from tierwise.core.periods import Period
from tierwise.registrations.repository import Registrations
from tierwise.registrations.schemas import (
    RegistrationIn,
    RegistrationOut,
    RegistrationsOut,
    SanctionIn,
    SanctionOut,
)
from tierwise.web.context import Portal, program_of
from tierwise.web.problems import Problem


def _tsp(portal: Portal, partner_id: str, program_id: str) -> None:
    """A partner the program grades: of its kind and market, else 409 (404: no partner)."""
    info = portal.catalog.partners.get(partner_id)
    if info is None:
        raise Problem.field("body.partner_id", f"no partner {partner_id!r}", 404)
    program = program_of(portal, program_id)
    if info.kind != program.subject_kind or info.market not in program.markets:
        raise Problem(
            409,
            f"{partner_id} is a {info.kind} of {info.market}: {program.id} grades "
            f"{program.subject_kind}s of {', '.join(program.markets)}",
        )


def register(portal: Portal, partner_id: str, body: RegistrationIn, actor: str) -> RegistrationOut:
    """Record a TSP's registration (by the TSP itself, or an operator for it)."""
    _tsp(portal, partner_id, body.program_id)
    program = program_of(portal, body.program_id)
    try:
        with portal.state.session() as session:
            record = Registrations(session).register(
                program,
                partner_id,
                Period.parse(body.period),
                body.registered_on or portal.today(),
                actor,
            )
    except StateError as exc:
        raise Problem(409, str(exc)) from None
    return RegistrationOut(**record.to_dict())


def sanction(portal: Portal, body: SanctionIn, actor: str) -> SanctionOut:
    """Record an exclusion or a forfeit, audited, its notice queued to the partner."""
    _tsp(portal, body.partner_id, body.program_id)
    program = program_of(portal, body.program_id)
    info = portal.catalog.partners[body.partner_id]
    try:
        with portal.state.session() as session:
            record = Registrations(session).impose(
                body.kind,
                program,
                body.partner_id,
                Period.parse(body.period),
                reason=body.reason.strip(),
                actor=actor,
                on=body.decided_on or portal.today(),
                markets={body.partner_id: info.market},
            )
    except StateError as exc:
        raise Problem(409, str(exc)) from None
    return SanctionOut(**record.to_dict())


def listing(portal: Portal, partner_id: str | None = None) -> RegistrationsOut:
    """Registrations and sanctions, of one partner or all."""
    with portal.state.reading() as session:
        desk = Registrations(session)
        return RegistrationsOut(
            partner_id=partner_id,
            registrations=[
                RegistrationOut(**r.to_dict()) for r in desk.registrations(partner_id=partner_id)
            ],
            sanctions=[SanctionOut(**s.to_dict()) for s in desk.sanctions(partner_id=partner_id)],
        )
