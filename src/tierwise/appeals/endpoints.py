"""Appeals in the REST API: restate the periods whose data changed."""

from __future__ import annotations

from fastapi import APIRouter

from tierwise.appeals import service
from tierwise.appeals.schemas import AppealsIn, Restated
from tierwise.definitions.registry import programs_in_force
from tierwise.web.context import Portal, program_of
from tierwise.web.guard import ApiUser, PortalDep
from tierwise.web.problems import REFUSALS, Problem, responses

router = APIRouter(tags=["operations"])


@router.post(
    "/appeals",
    name="api.appeals.apply",
    response_model=list[Restated],
    responses=responses(400, 409),
)
def apply_appeals(body: AppealsIn, portal: PortalDep, principal: ApiUser) -> list[Restated]:
    """Restate every published period whose data changed since (violations revoked on
    appeal); awards already granted stand."""
    return restate_appeals(portal, body, principal.login)


def restate_appeals(portal: Portal, body: AppealsIn, actor: str) -> list[Restated]:
    """Restate the program's changed periods as `actor` (the API and the operator's page)."""
    program = program_of(portal, body.program_id)
    try:
        with portal.events() as con:
            restated = service.apply_appeals(
                portal.state,
                con,
                program,
                actor=actor,
                reason=body.reason,
                program_for=programs_in_force(program.id),
            )
    except REFUSALS as exc:
        raise Problem(409, str(exc)) from None
    return [Restated(**r) for r in restated]
