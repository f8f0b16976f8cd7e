"""Entered operator facts in the REST API: list a program's, enter one (operators)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from tierwise.facts import service
from tierwise.facts.handlers import record_fact
from tierwise.facts.schemas import FactIn, FactOut
from tierwise.web.context import program_of
from tierwise.web.guard import ApiUser, PortalDep
from tierwise.web.problems import Problem, responses

router = APIRouter(tags=["operations"])


@router.get(
    "/programs/{program_id}/facts",
    name="api.facts.list",
    response_model=list[FactOut],
)
def list_facts(
    program_id: str,
    portal: PortalDep,
    principal: ApiUser,
    period: Annotated[str | None, Query(max_length=16)] = None,
    partner_id: Annotated[str | None, Query(max_length=200)] = None,
) -> list[FactOut]:
    """The operator facts entered for the program (of a period, of a partner)."""
    program = program_of(portal, program_id)
    try:
        with portal.state.reading() as session:
            return [FactOut(**d) for d in service.facts_for(session, program, period, partner_id)]
    except service.FactRefused as exc:
        raise Problem.field(f"query.{exc.field}", exc.message) from None


@router.post(
    "/programs/{program_id}/facts",
    name="api.facts.enter",
    response_model=FactOut,
    status_code=201,
    responses=responses(400),
)
def enter_fact(program_id: str, body: FactIn, portal: PortalDep, principal: ApiUser) -> FactOut:
    """Enter one operator fact (0–1) for a partner and period; entering it again replaces
    it. Audited (`fact_entered`); the next run of the period reads it."""
    return record_fact(
        portal,
        program_id,
        partner_id=body.partner_id,
        name=body.name,
        period=body.period,
        value=body.value,
        reason=body.reason,
        actor=principal.login,
    )
