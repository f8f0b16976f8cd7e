"""The projection in the portal: a partner's page for one program."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from tierwise.projection.handlers import projection_of
from tierwise.web.context import program_of
from tierwise.web.guard import PageUser, PortalDep
from tierwise.web.render import render

router = APIRouter()


@router.get(
    "/partners/{partner_id}/programs/{program_id}/projection", name="page.partner.projection"
)
def projection_page(
    request: Request, portal: PortalDep, principal: PageUser, partner_id: str, program_id: str
) -> Response:
    program = program_of(portal, program_id)
    projection = projection_of(portal, program, partner_id, by_partner=principal.role == "partner")
    return render(request, "partner_projection.html", {"p": projection, "program": program})
