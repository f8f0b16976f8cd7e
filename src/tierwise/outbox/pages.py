"""The operator's outbox page."""

from __future__ import annotations

from math import ceil
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response

from tierwise.outbox import service
from tierwise.web.guard import PageUser, PortalDep
from tierwise.web.render import render

OUTBOX_PAGE = 50


router = APIRouter()


@router.get("/operator/outbox", name="page.operator.outbox")
def operator_outbox(
    request: Request,
    portal: PortalDep,
    principal: PageUser,
    status: Annotated[Literal["", "pending", "sent"], Query()] = "",
    partner_id: Annotated[str, Query(max_length=200)] = "",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> Response:
    """Messages to partners, newest first, by status and partner."""
    with portal.state.reading() as session:
        total, shown = service.outbox_page(
            session,
            status or None,
            partner_id.strip() or None,
            newest_first=True,
            offset=(page - 1) * OUTBOX_PAGE,
            limit=OUTBOX_PAGE,
        )
    pages = max(1, ceil(total / OUTBOX_PAGE))
    kept = {k: v for k, v in (("status", status), ("partner_id", partner_id.strip())) if v}

    def href(number: int) -> str:
        return "/operator/outbox?" + urlencode({**kept, "page": number})

    return render(
        request,
        "operator_outbox.html",
        {
            "messages": shown,
            "total": total,
            "status": status,
            "partner_id": partner_id.strip(),
            "page": page,
            "pages": pages,
            "prev_href": href(page - 1) if page > 1 else None,
            "next_href": href(page + 1) if page < pages else None,
        },
    )
