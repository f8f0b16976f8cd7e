"""The outbox in the REST API: the operator's list, and a partner's own messages."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from tierwise.outbox import service
from tierwise.outbox.schemas import OutboxMessageOut
from tierwise.web.context import Portal
from tierwise.web.guard import ApiUser, PortalDep
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
    with portal.state.reading() as session:
        total, messages = service.outbox_page(
            session, status, partner_id, offset=offset, limit=limit
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
