"""Badges in the REST API: a partner's own badges with their links, and the public check
of a link."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request

from tierwise.badges.handlers import badges_of, check, verify_url
from tierwise.badges.schemas import BadgeOut, VerificationOut
from tierwise.web.guard import ApiUser, PortalDep
from tierwise.web.problems import responses

router = APIRouter(tags=["badges"])

LinkId = Annotated[str, Path(min_length=1, max_length=600)]


@router.get(
    "/partners/{partner_id}/badges", name="api.partners.badges", response_model=list[BadgeOut]
)
def list_badges(
    request: Request, portal: PortalDep, principal: ApiUser, partner_id: str
) -> list[BadgeOut]:
    """The partner's badges that hold today (its level in each program's latest published
    period, its awards valid today or later), each with its verification link."""
    return [
        BadgeOut(
            kind=b.claim.kind,
            program_id=b.claim.program_id,
            partner_id=b.claim.partner_id,
            period=b.claim.period,
            value=b.claim.value,
            title=b.title.model_dump(),
            valid_from=b.valid_from,
            valid_to=b.valid_to,
            verify_url=verify_url(request, b.link_id),
            verify_api=verify_url(request, b.link_id, api=True),
        )
        for b in badges_of(portal, partner_id)
    ]


@router.get(
    "/verify/{link_id}",
    name="api.verify",
    response_model=VerificationOut,
    responses=responses(404),
)
def verify(portal: PortalDep, link_id: LinkId) -> VerificationOut:
    """Anyone: is this badge genuine (issued by this service: else 404) and does it still
    hold today?"""
    v = check(portal, link_id)
    return VerificationOut(
        current=v.current,
        standing=v.standing,
        kind=v.claim.kind,
        program_id=v.claim.program_id,
        partner_id=v.claim.partner_id,
        partner_name=v.partner_name,
        period=v.claim.period,
        value=v.claim.value,
        title=None if v.title is None else v.title.model_dump(),
        valid_from=v.valid_from,
        valid_to=v.valid_to,
        checked_on=portal.today(),
    )
