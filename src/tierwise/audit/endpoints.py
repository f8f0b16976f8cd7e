"""The audit log in the REST API: entries and the chain's verification."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from tierwise.audit import service
from tierwise.audit.schemas import AuditEntryOut, VerifyOut
from tierwise.web.guard import ApiUser, PortalDep

router = APIRouter(tags=["operations"])


@router.get("/audit", name="api.audit.list", response_model=list[AuditEntryOut])
def list_audit(
    portal: PortalDep,
    principal: ApiUser,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[AuditEntryOut]:
    """Audit entries, newest first."""
    with portal.state.reading() as session:
        return [AuditEntryOut(**e) for e in service.audit_entries(session, limit, offset)]


@router.get("/audit/verify", name="api.audit.verify", response_model=VerifyOut)
def verify_audit(portal: PortalDep, principal: ApiUser) -> VerifyOut:
    """Recompute the hash chain; `ok` is false and `first_bad` names the first bad entry
    when it was tampered with."""
    with portal.state.reading() as session:
        return VerifyOut(**service.verify_audit(session).to_dict())
