"""The outbox in the REST API: the operator's list (filtered by delivery state), a
message's deliveries and the retry of a failed one, and a partner's own messages."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from tierwise.outbox import service
from tierwise.outbox.handlers import MessageId, retry_delivery
from tierwise.outbox.repository import DeliveryState
from tierwise.outbox.schemas import DeliveryOut, OutboxMessageOut, RetryIn
from tierwise.web.context import Portal
from tierwise.web.guard import ApiUser, PortalDep
from tierwise.web.problems import Problem, responses
from tierwise.web.schemas import Limit, Offset, Page

router = APIRouter()


@router.get(
    "/outbox",
    name="api.outbox.list",
    response_model=Page[OutboxMessageOut],
    tags=["operations"],
)
def list_outbox(
    portal: PortalDep,
    principal: ApiUser,
    status: Literal["pending", "sent"] | None = None,
    partner_id: Annotated[str | None, Query(max_length=200)] = None,
    delivery: Annotated[
        DeliveryState | None, Query(description="Messages with a channel in this state.")
    ] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[OutboxMessageOut]:
    """Messages to partners, in the order queued."""
    return outbox_page(portal, status, partner_id, limit, offset, delivery)


def outbox_page(
    portal: Portal,
    status: Literal["pending", "sent"] | None,
    partner_id: str | None,
    limit: int,
    offset: int,
    delivery: DeliveryState | None = None,
) -> Page[OutboxMessageOut]:
    """A page of the outbox, for the operator's list and for a partner's own."""
    with portal.state.reading() as session:
        total, messages = service.outbox_page(
            session, status, partner_id, delivery=delivery, offset=offset, limit=limit
        )
    return Page[OutboxMessageOut](
        total=total, offset=offset, limit=limit, items=[OutboxMessageOut(**m) for m in messages]
    )


@router.get(
    "/partners/{partner_id}/outbox",
    name="api.partners.outbox",
    tags=["partners"],
    response_model=Page[OutboxMessageOut],
)
def get_outbox(
    partner_id: str,
    portal: PortalDep,
    principal: ApiUser,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[OutboxMessageOut]:
    """The notifications queued for the partner, in the order queued."""
    return outbox_page(portal, None, partner_id, limit, offset)


@router.get(
    "/outbox/{message_id}/deliveries",
    name="api.outbox.deliveries",
    response_model=list[DeliveryOut],
    tags=["operations"],
    responses=responses(404),
)
def get_deliveries(
    message_id: MessageId, portal: PortalDep, principal: ApiUser
) -> list[DeliveryOut]:
    """The message on each channel: state, attempts, last error, next attempt (none yet:
    no sender has routed it)."""
    with portal.state.reading() as session:
        if not service.message_exists(session, message_id):
            raise Problem(404, f"no outbox message {message_id}")
        rows = service.deliveries_of(session, [message_id])[message_id]
    return [DeliveryOut(**row) for row in rows]


@router.post(
    "/outbox/{message_id}/retry",
    name="api.outbox.retry",
    response_model=list[DeliveryOut],
    tags=["operations"],
    responses=responses(400, 404, 409),
)
def post_retry(
    message_id: MessageId, body: RetryIn, portal: PortalDep, principal: ApiUser
) -> list[DeliveryOut]:
    """Send a failed delivery again (all failed channels, or `channel`), with a reason
    kept in the audit log; due at once, with a fresh count of attempts."""
    return retry_delivery(portal, message_id, body, principal.login)
