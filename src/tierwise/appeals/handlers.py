"""Restating after appeals for the REST API and the operator's page alike."""

from __future__ import annotations

from tierwise.appeals import service
from tierwise.appeals.schemas import AppealsIn, Restated
from tierwise.definitions.registry import programs_in_force
from tierwise.web.context import Portal, program_of
from tierwise.web.problems import REFUSALS, Problem


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
