"""The live screen in the REST API: a partner's creators live now, a screen of up to five
of them, and the screen as Server-Sent Events. The partner is the caller's; numbers only
for creators whose authorization lets it see today (Data Compass decides, and logs)."""

from __future__ import annotations

from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Query, Request
from starlette.responses import StreamingResponse

from tierwise.accounts import Principal
from tierwise.compass.service import Reader
from tierwise.screen import stream
from tierwise.screen.service import MAX_SCREEN
from tierwise.web.guard import ApiUser, PortalDep, ReadSession
from tierwise.web.problems import Problem, responses

router = APIRouter(prefix="/compass/live", tags=["compass"])

Creators = Annotated[
    list[str] | None,
    Query(
        alias="creator_id",
        description=f"A creator to show (repeat it, at most {MAX_SCREEN} creators).",
    ),
]


def _reader(principal: Principal) -> Reader:
    if not principal.partner_id:
        raise Problem(404, "no partner for this user")
    return Reader(principal.login, principal.role, principal.partner_id, "api")


@router.get("", name="api.compass.live_now")
def live_now(portal: PortalDep, principal: ApiUser) -> dict[str, Any]:
    """The partner's creators who are live now: who, and — when the partner may see
    today's numbers of the creator — online viewers, GMV, paid orders and product clicks
    of the live so far."""
    return stream.screen_reader(portal, _reader(principal), [])(True).to_dict()


@router.get("/screen", name="api.compass.live_screen", responses=responses(404, 422))
def live_screen(portal: PortalDep, principal: ApiUser, creators: Creators = None) -> dict[str, Any]:
    """The live screen of the chosen creators (1 to 5): each one's latest live, its latest
    minute against the mean of the previous five, per-product sales, low-stock notices
    (stock under 5, while the live runs) and violations. A 6th creator answers 422; a
    creator not the partner's, 404."""
    if not creators:
        raise Problem.field("query.creator_id", "choose at least one live creator")
    return stream.screen_reader(portal, _reader(principal), creators)(True).to_dict()


@router.get(
    "/stream",
    name="api.compass.live_stream",
    response_class=StreamingResponse,
    responses={200: {"content": {stream.MEDIA_TYPE: {}}}, **responses(404, 422, 503)},
)
async def live_stream(
    request: Request,
    portal: PortalDep,
    principal: ApiUser,
    session: ReadSession,
    creators: Creators = None,
) -> StreamingResponse:
    """Server-Sent Events: `event: screen` with the document of `/screen` (or, without
    `creator_id`, of the live-now cards) when the stream opens and whenever an accepted
    live event changes it."""
    await anyio.to_thread.run_sync(session.close)  # no connection held while streaming
    reader = _reader(principal)
    read = stream.screen_reader(portal, reader, creators or [])
    feed = request.app.state.live_feed
    subscription, first = await stream.opened(feed, read)
    body = stream.events(
        subscription, feed.reads, first, read, stream.as_json, stream.logger(portal.state, reader)
    )
    return stream.response(body)
