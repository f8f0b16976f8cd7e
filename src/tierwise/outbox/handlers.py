"""An operator's retry of a failed delivery, for the REST API and the outbox page alike:
checked, recorded in the audit log, refusals as problem documents."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

from tierwise.core.errors import StateError
from tierwise.outbox import service
from tierwise.outbox.schemas import DeliveryOut, RetryIn
from tierwise.web.context import Portal
from tierwise.web.problems import Problem

#: An outbox message's id in a path (the column is a 32-bit integer on PostgreSQL).
MessageId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def retry_delivery(portal: Portal, message_id: int, body: RetryIn, actor: str) -> list[DeliveryOut]:
    """Due again now with a fresh count of attempts; the message's deliveries after."""
    reason = body.reason.strip()
    if not reason:
        raise Problem.field("body.reason", "say why the delivery is retried")
    try:
        with portal.state.session() as session:
            rows = service.retry_delivery(session, message_id, body.channel, actor, reason)
    except LookupError as exc:
        raise Problem(404, str(exc)) from None
    except StateError as exc:
        raise Problem(409, str(exc)) from None
    return [DeliveryOut(**row) for row in rows]
