"""The live screen's pages for partners: the creators live now (cards, with the choice of
up to five for the screen) and the live screen itself, both kept current by a stream of
Server-Sent Events carrying the page's live part as HTML in the reader's language
(`static/live.js` swaps it in). Who may see which numbers is Data Compass's decision
(`screen.service`); this module only renders."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

import anyio.to_thread
from fastapi import APIRouter, Query, Request, Response
from starlette.responses import StreamingResponse

from tierwise.accounts import Principal
from tierwise.compass.pages import page_reader, partner_of
from tierwise.live.figures import LOW_STOCK, MINUTE_FIGURES
from tierwise.screen import stream
from tierwise.screen.service import MAX_SCREEN, LiveScreen
from tierwise.web.context import Portal
from tierwise.web.guard import PageUser, PortalDep, ReadSession
from tierwise.web.i18n import translator
from tierwise.web.problems import Problem
from tierwise.web.render import language, render, templates

router = APIRouter()

Creators = Annotated[list[str] | None, Query(alias="creator_id")]
CARDS = "_live_cards.html"
SCREEN = "_live_screen.html"


def _market(portal: Portal, principal: Principal) -> str | None:
    info = portal.catalog.partners.get(partner_of(principal))
    return info.market if info is not None else None


def _shown(portal: Portal, principal: Principal, screen: LiveScreen) -> dict[str, Any]:
    """What the live part of a page is rendered from."""
    return {
        "screen": screen,
        "market": _market(portal, principal),
        "figures": MINUTE_FIGURES,
        "low_stock_under": LOW_STOCK,
        "max_screen": MAX_SCREEN,
    }


def _stream_url(creators: list[str]) -> str:
    query = urlencode([("creator_id", c) for c in creators])
    return "/compass/live/stream" + (f"?{query}" if query else "")


@router.get("/compass/live", name="page.compass.live_now")
def live_now(request: Request, portal: PortalDep, principal: PageUser) -> Response:
    """The partner's creators live now, as cards; tick up to five for the live screen."""
    read = stream.screen_reader(portal, page_reader(principal, partner_of(principal)), [])
    context = _shown(portal, principal, read(True))
    context.update(stream_url=_stream_url([]), fragment=CARDS)
    return render(request, "compass_live_now.html", context)


@router.get("/compass/live/screen", name="page.compass.live_screen")
def live_screen(
    request: Request, portal: PortalDep, principal: PageUser, creators: Creators = None
) -> Response:
    """The live screen of the chosen creators; a 6th (or none) is refused in the page."""
    chosen = creators or []
    reader = page_reader(principal, partner_of(principal))
    try:
        screen = stream.screen_reader(portal, reader, chosen)(True) if chosen else None
    except Problem as exc:
        if exc.status != 422:
            raise
        screen, refused = None, exc.detail
    else:
        refused = (
            None
            if chosen
            else translator(language(request, principal))("compass_live_choose", n=MAX_SCREEN)
        )
    if screen is None:
        cards = stream.screen_reader(portal, reader, [])(True)
        context = _shown(portal, principal, cards)
        context.update(
            stream_url=_stream_url([]),
            fragment=CARDS,
            form_error={"status": 422, "detail": refused},
            picked=chosen,
        )
        return render(request, "compass_live_now.html", context, status_code=422)
    context = _shown(portal, principal, screen)
    context.update(stream_url=_stream_url(list(screen.chosen)), fragment=SCREEN)
    return render(request, "compass_live_screen.html", context)


@router.get("/compass/live/stream", name="page.compass.live_stream")
async def live_stream(
    request: Request,
    portal: PortalDep,
    principal: PageUser,
    session: ReadSession,
    creators: Creators = None,
) -> StreamingResponse:
    """The page's live part as Server-Sent Events (HTML in the reader's language)."""
    await anyio.to_thread.run_sync(session.close)  # no connection held while streaming
    reader = page_reader(principal, partner_of(principal))
    read = stream.screen_reader(portal, reader, creators or [])
    feed = request.app.state.live_feed
    subscription, first = await stream.opened(feed, read)
    t = translator(language(request, principal))
    template = templates.env.get_template(SCREEN if first.chosen else CARDS)

    def shape(screen: LiveScreen) -> str:
        return template.render(t=t, **_shown(portal, principal, screen))

    body = stream.events(
        subscription, feed.reads, first, read, shape, stream.logger(portal.state, reader)
    )
    return stream.response(body)
