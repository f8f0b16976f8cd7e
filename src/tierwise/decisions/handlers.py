"""Recording a decision for the REST API and the operator's page alike: checked, recorded,
refusals as problem documents."""

from __future__ import annotations

from typing import Any

from tierwise.core.errors import LifecycleError, StateError
from tierwise.decisions import service
from tierwise.decisions.schemas import DecisionIn, DecisionOut
from tierwise.lifecycle import Decision
from tierwise.web.context import Portal, program_of
from tierwise.web.problems import Problem


def record_decision(portal: Portal, body: DecisionIn, actor: str) -> DecisionOut:
    """Check and record one decision by `actor` (the API and the operator's page)."""
    program = program_of(portal, body.program_id)
    if body.partner_id not in portal.catalog.partners:
        raise Problem.field("body.partner_id", f"no partner {body.partner_id!r}", 404)
    try:
        decision = Decision(
            kind=body.kind,
            partner_id=body.partner_id,
            actor=actor,
            reason=body.reason,
            decided_on=body.decided_on or portal.today(),
            effective=body.effective,
            level=body.level,
            mode=body.mode,
            until=body.until,
            continues=body.continues,
        )
        with portal.state.session() as session:
            recorded = service.decide(session, program, decision)
            return DecisionOut(**service.recorded_decision(session, recorded["id"]))
    except (LifecycleError, StateError) as exc:
        raise Problem(409, str(exc)) from None


def reviews_of(
    portal: Portal, program_id: str | None, partner_id: str | None = None
) -> list[dict[str, Any]]:
    """The open review items of one program (404: unknown) or of every program."""
    programs = [program_of(portal, program_id)] if program_id else portal.programs.values()
    with portal.state.reading() as session:
        return service.open_reviews(session, programs, partner_id)
