"""The operator's audit page: entries newest first, with the chain's verification."""

from __future__ import annotations

from math import ceil
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from tierwise.audit import service
from tierwise.web.guard import PageUser, PortalDep
from tierwise.web.render import render

AUDIT_PAGE = 50


router = APIRouter()


@router.get("/operator/audit", name="page.operator.audit")
def operator_audit(
    request: Request,
    portal: PortalDep,
    principal: PageUser,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> Response:
    """The newest audit entries and whether the hash chain verifies."""
    with portal.state.reading() as session:
        verify = service.verify_audit(session).to_dict()
        entries = service.audit_entries(session, AUDIT_PAGE, (page - 1) * AUDIT_PAGE)
    head = verify["head_seq"] or 0
    pages = max(1, ceil(head / AUDIT_PAGE))
    return render(
        request,
        "operator_audit.html",
        {
            "verify": verify,
            "entries": entries,
            "page": page,
            "pages": pages,
            "prev_href": f"/operator/audit?page={page - 1}" if page > 1 else None,
            "next_href": f"/operator/audit?page={page + 1}" if page < pages else None,
        },
    )
