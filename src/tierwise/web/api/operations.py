"""Operator work: decisions, appeals, the audit log and the outbox."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from tierwise.definitions.registry import programs_in_force
from tierwise.evaluation.service import EvaluationError
from tierwise.lifecycle import Decision, LifecycleError
from tierwise.runs import service
from tierwise.state import StateError
from tierwise.web.api.programs import program_of
from tierwise.web.api.runs import Limit, Offset
from tierwise.web.context import Portal
from tierwise.web.guard import ApiUser, PortalDep
from tierwise.web.problems import Problem, responses
from tierwise.web.schemas import (
    AppealsIn,
    AuditEntryOut,
    DecisionIn,
    DecisionOut,
    OutboxMessageOut,
    Page,
    Restated,
    VerifyOut,
)

router = APIRouter(tags=["operations"])


@router.get("/decisions", name="api.decisions.list", response_model=list[DecisionOut])
def list_decisions(
    portal: PortalDep,
    principal: ApiUser,
    program_id: Annotated[str | None, Query(max_length=100)] = None,
) -> list[DecisionOut]:
    return [DecisionOut(**d) for d in service.decisions_for(portal.state, program_id)]


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


def record_decision(portal: Portal, body: DecisionIn, actor: str) -> DecisionOut:
    """Check and record one decision by `actor` (the API and the operator's page)."""
    program = program_of(portal, body.program_id)
    if body.partner_id not in portal.catalog.partners:
        raise Problem.field("body.partner_id", f"no partner {body.partner_id!r}", 404)
    try:
        decision = Decision(
            kind=body.kind,
            partner_id=body.partner_id,
            actor=actor,
            reason=body.reason,
            decided_on=body.decided_on or portal.today(),
            effective=body.effective,
            level=body.level,
            mode=body.mode,
            until=body.until,
            continues=body.continues,
        )
        recorded = service.decide(portal.state, program, decision)
    except (LifecycleError, StateError, LookupError, ValueError) as exc:
        raise Problem(409, str(exc)) from None
    return next(
        DecisionOut(**d)
        for d in service.decisions_for(portal.state, program.id)
        if d["id"] == recorded["id"]
    )


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
    except (EvaluationError, StateError, LookupError, ValueError) as exc:
        raise Problem(409, str(exc)) from None
    return [Restated(**r) for r in restated]


@router.get("/audit", name="api.audit.list", response_model=list[AuditEntryOut])
def list_audit(
    portal: PortalDep,
    principal: ApiUser,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[AuditEntryOut]:
    """Audit entries, newest first."""
    return [AuditEntryOut(**e) for e in service.audit_entries(portal.state, limit, offset)]


@router.get("/audit/verify", name="api.audit.verify", response_model=VerifyOut)
def verify_audit(portal: PortalDep, principal: ApiUser) -> VerifyOut:
    """Recompute the hash chain; `ok` is false and `first_bad` names the first bad entry
    when it was tampered with."""
    return VerifyOut(**service.verify_audit(portal.state).to_dict())


@router.get("/outbox", name="api.outbox.list", response_model=Page[OutboxMessageOut])
def list_outbox(
    portal: PortalDep,
    principal: ApiUser,
    status: Literal["pending", "sent"] | None = None,
    partner_id: Annotated[str | None, Query(max_length=200)] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[OutboxMessageOut]:
    """Messages to partners, in the order queued."""
    return outbox_page(portal, status, partner_id, limit, offset)


def outbox_page(
    portal: Portal,
    status: Literal["pending", "sent"] | None,
    partner_id: str | None,
    limit: int,
    offset: int,
) -> Page[OutboxMessageOut]:
    """A page of the outbox, for the operator's list and for a partner's own."""
    total, messages = service.outbox_page(
        portal.state, status, partner_id, offset=offset, limit=limit
    )
    return Page[OutboxMessageOut](
        total=total, offset=offset, limit=limit, items=[OutboxMessageOut(**m) for m in messages]
    )
