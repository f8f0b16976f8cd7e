"""Entering a fact for the REST API and the operator's page alike: checked, stored,
refusals as problem documents naming the field."""

from __future__ import annotations

from decimal import Decimal

from tierwise.facts.schemas import FactOut
from tierwise.facts.service import FactRefused, PartnerOf, enter_fact
from tierwise.web.context import Portal, program_of
from tierwise.web.problems import Problem


def record_fact(
    portal: Portal,
    program_id: str,
    *,
    partner_id: str,
    name: str,
    period: str,
    value: str | Decimal,
    reason: str,
    actor: str,
    prefix: str = "body.",
) -> FactOut:
    """Check and store one fact by `actor`; a refusal names the field (`body.value`)."""
    program = program_of(portal, program_id)
    info = portal.catalog.partners.get(partner_id)
    partner = None if info is None else PartnerOf(info.kind, info.market)
    try:
        with portal.state.session() as session:
            doc = enter_fact(
                session,
                program,
                partner,
                partner_id=partner_id,
                name=name,
                period=period,
                value=value,
                actor=actor,
                reason=reason,
            )
    except FactRefused as exc:
        field = exc.field if exc.field == "program_id" else prefix + exc.field
        status = 404 if exc.field == "partner_id" and info is None else 422
        raise Problem.field(field, exc.message, status) from None
    return FactOut(**doc)
