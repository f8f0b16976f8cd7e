"""`POST /api/v1/events`: the platform's live events, signed with the shared secret.

Its authorization is the signature (the route is public to the bearer-token guard): a
missing, wrong or stale signature answers 401; a body that is not an event or a batch of
events 422 naming each field; an id reused for other content 409. A server without the
secret takes no events: every request answers 401, saying so. Accepted events are durable
before the 200; a resent event answers 200 as well, listed in `duplicates`.
"""

from __future__ import annotations

import anyio.to_thread
from fastapi import APIRouter, Request

from tierwise.live import service
from tierwise.live.events import Malformed, batch_schema
from tierwise.live.repository import EventConflict
from tierwise.live.schemas import IngestOut
from tierwise.live.signing import BadSignature
from tierwise.web.context import Portal
from tierwise.web.guard import PortalDep
from tierwise.web.problems import FieldError, Problem, responses

router = APIRouter()
#: The largest request body taken (bytes): a full batch with room to spare.
MAX_BODY = 4 * 1024 * 1024
#: A 401's challenge: how to authenticate here (a signature, not a bearer token).
CHALLENGE = {"WWW-Authenticate": 'Tierwise-Signature realm="tierwise events"'}


@router.post(
    "/events",
    name="api.events.ingest",
    response_model=IngestOut,
    tags=["live"],
    responses=responses(401, 409, 413, 422),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": batch_schema()}},
        }
    },
)
async def post_events(request: Request, portal: PortalDep) -> IngestOut:
    """Live events (one, or an array of up to 1,000), signed: `Tierwise-Timestamp` (Unix
    seconds, within 5 minutes) and `Tierwise-Signature: v1=HMAC-SHA256(secret,
    timestamp.body)`. Payloads: `docs/live-events.md`."""
    body = await request.body()
    if len(body) > MAX_BODY:
        raise Problem(413, f"at most {MAX_BODY} bytes in one request: send smaller batches")
    return await anyio.to_thread.run_sync(_accept, portal, dict(request.headers), body)


def _accept(portal: Portal, headers: dict[str, str], body: bytes) -> IngestOut:
    try:
        events = service.checked_events(headers, body)
        accepted = service.ingest(portal.state, events)
    except BadSignature as exc:
        raise Problem(401, str(exc), headers=CHALLENGE) from None
    except Malformed as exc:
        errors = [FieldError(field=f, message=m) for f, m in exc.errors]
        raise Problem(422, str(exc), errors=errors) from None
    except EventConflict as exc:
        raise Problem(409, str(exc)) from None
    return IngestOut(
        received=len(events), stored=len(accepted.stored), duplicates=list(accepted.duplicates)
    )
