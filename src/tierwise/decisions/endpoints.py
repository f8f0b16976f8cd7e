"""Decisions in the REST API: list, and record one checked against the policy."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from tierwise.core.errors import LifecycleError, StateError
from tierwise.decisions import service
from tierwise.decisions.schemas import DecisionIn, DecisionOut
from tierwise.lifecycle import Decision
from tierwise.web.context import Portal, program_of
from tierwise.web.guard import ApiUser, PortalDep
from tierwise.web.problems import Problem, responses

router = APIRouter(tags=["operations"])


@router.get("/decisions", name="api.decisions.list", response_model=list[DecisionOut])
def list_decisions(
    portal: PortalDep,
    principal: ApiUser,
    program_id: Annotated[str | None, Query(max_length=100)] = None,
) -> list[DecisionOut]:
    with portal.state.reading() as session:
        return [DecisionOut(**d) for d in service.decisions_for(session, program_id)]


@router.post(
    "/decisions",
    name="api.decisions.create",
    response_model=DecisionOut,
    status_code=201,
    responses=responses(400, 409),
)
def create_decision(body: DecisionIn, portal: PortalDep, principal: ApiUser) -> DecisionOut:
    """Record a decision (invite, downgrade, remove, continue an invitation, override),
    checked against the program's policy and the partner's published standing."""
    return record_decision(portal, body, principal.login)


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
