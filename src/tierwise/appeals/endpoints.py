"""Appeals in the REST API: restate the periods whose data changed."""

from __future__ import annotations

from fastapi import APIRouter

from tierwise.appeals.handlers import restate_appeals
from tierwise.appeals.schemas import AppealsIn, Restated
from tierwise.web.guard import ApiUser, PortalDep
from tierwise.web.problems import responses

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
