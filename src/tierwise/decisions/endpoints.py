"""Decisions in the REST API: list, and record one checked against the policy."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from tierwise.decisions import service
from tierwise.decisions.handlers import record_decision, reviews_of
from tierwise.decisions.schemas import DecisionIn, DecisionOut, ReviewOut
from tierwise.web.guard import ApiUser, PortalDep
from tierwise.web.problems import responses

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


@router.get("/reviews", name="api.reviews.list", response_model=list[ReviewOut])
def list_reviews(
    portal: PortalDep,
    principal: ApiUser,
    program_id: Annotated[str | None, Query(max_length=100)] = None,
    partner_id: Annotated[str | None, Query(max_length=200)] = None,
) -> list[ReviewOut]:
    """Review items open in the latest published standings (operators only): invitation
    reviews, promotion, downgrade and removal proposals with the conditions that held."""
    return [ReviewOut(**r) for r in reviews_of(portal, program_id, partner_id)]
