"""Badges in the portal: a partner's badges with links to share, and the public page a
link opens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from tierwise.badges.handlers import badges_of, check, verify_url
from tierwise.web.guard import PageUser, PortalDep
from tierwise.web.problems import Problem
from tierwise.web.render import render

router = APIRouter()

LinkId = Annotated[str, Path(min_length=1, max_length=600)]


@router.get("/partners/{partner_id}/badges", name="page.partner.badges")
def partner_badges_page(
    request: Request, portal: PortalDep, principal: PageUser, partner_id: str
) -> Response:
    badges = [
        {"badge": b, "url": verify_url(request, b.link_id)} for b in badges_of(portal, partner_id)
    ]
    return render(request, "partner_badges.html", {"partner_id": partner_id, "badges": badges})


@router.get("/verify/{link_id}", name="page.verify")
def verify_page(request: Request, portal: PortalDep, link_id: LinkId) -> Response:
    """Anyone, signed in or not: the badge's claim and whether it holds today, or that the
    link is not genuine (404)."""
    try:
        verification = check(portal, link_id)
    except Problem as problem:
        return render(request, "verify.html", {"verification": None}, status_code=problem.status)
    return render(
        request, "verify.html", {"verification": verification, "checked_on": portal.today()}
    )
