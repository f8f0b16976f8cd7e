"""The projection in the REST API: a partner's own, for one program."""

from __future__ import annotations

from fastapi import APIRouter

from tierwise.projection.handlers import projection_of
from tierwise.projection.schemas import ProjectionOut
from tierwise.web.context import program_of
from tierwise.web.guard import ApiUser, PortalDep
from tierwise.web.problems import responses

router = APIRouter(tags=["partners"])


@router.get(
    "/partners/{partner_id}/programs/{program_id}/projection",
    name="api.partners.projection",
    response_model=ProjectionOut,
    responses=responses(404, 409),
)
def get_projection(
    portal: PortalDep, principal: ApiUser, partner_id: str, program_id: str
) -> ProjectionOut:
    """If the running period ended on the data's last day: the score, the level and the
    lifecycle outcome it would give, and what each metric needs per day left."""
    return ProjectionOut.of(
        projection_of(
            portal,
            program_of(portal, program_id),
            partner_id,
            by_partner=principal.role == "partner",
        )
    )
