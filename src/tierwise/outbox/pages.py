"""The operator's outbox page: messages by status, partner and delivery state, each with
its deliveries, and the retry of a failed one."""

from __future__ import annotations

from math import ceil
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from tierwise.outbox import service
from tierwise.outbox.handlers import MessageId, retry_delivery
from tierwise.outbox.schemas import RetryIn
from tierwise.web.context import Portal
from tierwise.web.forms import FormText, ShortText, flash_of, form_error, validation_detail
from tierwise.web.guard import PageUser, PortalDep
from tierwise.web.problems import Problem
from tierwise.web.render import render

OUTBOX_PAGE = 50

DeliveryFilter = Literal["", "pending", "sending", "sent", "failed"]

router = APIRouter()


@router.get("/operator/outbox", name="page.operator.outbox")
def operator_outbox(
    request: Request,
    portal: PortalDep,
    principal: PageUser,
    status: Annotated[Literal["", "pending", "sent"], Query()] = "",
    partner_id: Annotated[str, Query(max_length=200)] = "",
    delivery: Annotated[DeliveryFilter, Query()] = "",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> Response:
    """Messages to partners, newest first, by status, partner and delivery state."""
    context = outbox_context(portal, status, partner_id.strip(), delivery, page)
    context["flash"] = flash_of(request)
    return render(request, "operator_outbox.html", context)


def outbox_context(
    portal: Portal,
    status: Literal["", "pending", "sent"],
    partner_id: str,
    delivery: DeliveryFilter,
    page: int,
) -> dict[str, object]:
    with portal.state.reading() as session:
        total, shown = service.outbox_page(
            session,
            status or None,
            partner_id or None,
            delivery=delivery or None,
            newest_first=True,
            offset=(page - 1) * OUTBOX_PAGE,
            limit=OUTBOX_PAGE,
        )
        deliveries = service.deliveries_of(session, [m["id"] for m in shown])
    pages = max(1, ceil(total / OUTBOX_PAGE))
    chosen = (("status", status), ("partner_id", partner_id), ("delivery", delivery))
    kept = {k: v for k, v in chosen if v}

    def href(number: int) -> str:
        return "/operator/outbox?" + urlencode({**kept, "page": number})

    return {
        "messages": shown,
        "deliveries": deliveries,
        "total": total,
        "status": status,
        "partner_id": partner_id,
        "delivery": delivery,
        "page": page,
        "pages": pages,
        "prev_href": href(page - 1) if page > 1 else None,
        "next_href": href(page + 1) if page < pages else None,
        "form_error": None,
    }


@router.post("/operator/outbox/{message_id}/retry", name="page.operator.outbox.retry")
def operator_retry(
    request: Request,
    portal: PortalDep,
    principal: PageUser,
    message_id: MessageId,
    reason: FormText = "",
    channel: ShortText = "",
) -> Response:
    """Retry a message's failed deliveries, with the reason kept in the audit log."""
    try:
        try:
            body = RetryIn.model_validate({"reason": reason.strip(), "channel": channel or None})
        except ValidationError as exc:
            raise Problem(422, validation_detail(exc)) from None
        retry_delivery(portal, message_id, body, principal.login)
    except Problem as problem:
        context = outbox_context(portal, "", "", "failed", 1)
        context["form_error"] = form_error(problem)
        return render(request, "operator_outbox.html", context, status_code=problem.status)
    return RedirectResponse("/operator/outbox?delivery=failed&flash=retried", status_code=303)
