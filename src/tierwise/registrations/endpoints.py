"""Registrations in the REST API: a TSP registers itself (an operator may for it); operators
list everything and exclude or forfeit."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from tierwise.registrations.handlers import listing, register, sanction
from tierwise.registrations.schemas import (
    RegistrationIn,
    RegistrationOut,
    RegistrationsOut,
    SanctionIn,
    SanctionOut,
)
from tierwise.web.guard import ApiUser, PortalDep
from tierwise.web.problems import responses

router = APIRouter(tags=["registrations"])
PartnerId = Annotated[str, Path(max_length=200)]


@router.get(
    "/partners/{partner_id}/registrations",
    name="api.partners.registrations",
    response_model=RegistrationsOut,
)
def partner_registrations(
    partner_id: PartnerId, portal: PortalDep, principal: ApiUser
) -> RegistrationsOut:
    """The partner's registrations and the sanctions on it, with their reasons."""
    return listing(portal, partner_id)


@router.post(
    "/partners/{partner_id}/registrations",
    name="api.partners.registrations.create",
    response_model=RegistrationOut,
    status_code=201,
    responses=responses(409),
)
def create_registration(
    partner_id: PartnerId, body: RegistrationIn, portal: PortalDep, principal: ApiUser
) -> RegistrationOut:
    """Register for a category (program) and quarter: only registered TSPs are awarded.
    Registering again is a no-op; an excluded TSP, a closed quarter or a partner the
    program does not grade is refused (409)."""
    return register(portal, partner_id, body, principal.login)


@router.get("/registrations", name="api.registrations.list", response_model=RegistrationsOut)
def list_registrations(portal: PortalDep, principal: ApiUser) -> RegistrationsOut:
    return listing(portal)


@router.post(
    "/sanctions",
    name="api.sanctions.create",
    response_model=SanctionOut,
    status_code=201,
    responses=responses(400, 409),
)
def create_sanction(body: SanctionIn, portal: PortalDep, principal: ApiUser) -> SanctionOut:
    """Exclude a TSP from a quarter on, or forfeit the award given for a quarter (a false
    declaration); audited, and the partner is told the reason."""
    return sanction(portal, body, principal.login)
