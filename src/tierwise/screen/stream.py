"""A live screen as Server-Sent Events: the screen once when the stream opens, then again
each time the process's feed (`live.feed`) tells of an event that can change it — never
on a timer, never by reading a table in a loop. A comment line every `PING_S` seconds
keeps proxies from closing a quiet stream and lets the server notice a client gone.

The access log: the stream opens with a logged read (`service.read_screen`); later pushes
log again only when the creators or the day read change, so a screen watched for an hour
is one entry per creator and day, not one per minute.

A notice makes one read per screen shown, not one per stream: the streams showing the same
screen — the same partner and the same chosen creators, all the read depends on (the
partner's authorization rows, its creators, the clock) — share the feed's read of it
(`live.feed.SharedReads`), each still logging its own reader's access. Two partners never
share a read: the partner is in the key.

Streams hold no slot of the admission gate (`server.asgi.Admission` lets `STREAM_ROUTES`
through) and no database connection between pushes; `tierwise serve` gives open streams
`GRACEFUL_S` seconds when it stops, then closes them (browsers reconnect by themselves).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from functools import partial
from typing import Any

import anyio.to_thread
from starlette.responses import StreamingResponse

from tierwise.compass import service as compass
from tierwise.compass.errors import CompassError, RequestNotFound
from tierwise.live.feed import Feed, SharedReads, Subscription
from tierwise.screen import service
from tierwise.screen.service import LiveScreen
from tierwise.web.context import Portal
from tierwise.web.problems import Problem

#: Routes that stream: they pass the admission gate without taking a slot.
STREAM_ROUTES = frozenset({"api.compass.live_stream", "page.compass.live_stream"})
#: Seconds between keep-alive comments on a quiet stream.
PING_S = 15.0
#: The least time between two reads of one stream (s): the screen's numbers change by
#: the minute, a stream need not read again for every batch of a busy sender.
MIN_GAP_S = 0.25
#: How long a browser waits before reconnecting a broken stream (milliseconds).
RETRY_MS = 2000
#: Seconds `tierwise serve` lets open streams run on when it stops.
GRACEFUL_S = 3
MEDIA_TYPE = "text/event-stream"


def message(event: str, data: str) -> bytes:
    """One Server-Sent Event; each line of `data` its own `data:` line."""
    lines = "".join(f"data: {line}\n" for line in data.split("\n"))
    return f"event: {event}\n{lines}\n".encode()


def as_json(screen: LiveScreen) -> str:
    return json.dumps(screen.to_dict(), separators=(",", ":"))


Read = Callable[[bool], LiveScreen]


def screen_reader(portal: Portal, reader: compass.Reader, creator_ids: list[str]) -> Read:
    """`read(logged)`: the screen (or the live-now cards) now, with the refusals as the
    portal answers them — a 6th creator 422 naming `query.creator_id`, a creator not the
    partner's 404 exactly like one that does not exist."""

    def read(logged: bool) -> LiveScreen:
        with portal.events() as con:
            try:
                return service.read_screen(portal.state, con, reader, creator_ids, logged=logged)
            except RequestNotFound as exc:
                raise Problem(404, str(exc)) from None
            except service.ScreenRefused as exc:
                raise Problem.field("query.creator_id", str(exc)) from None
            except CompassError as exc:  # the partner's data unusable (an unknown market)
                raise Problem(422, str(exc)) from None

    return read


async def opened(feed: Feed, read: Read) -> tuple[Subscription, LiveScreen]:
    """Subscribe, wait for the listener to listen, then read the first screen (logged): an
    event stored meanwhile is in the screen or comes as a notice, never lost. A refusal
    (422, 404) raises here, before any byte of the stream is sent, so it is answered as
    any other."""
    subscription = feed.subscribe()
    try:
        if not await anyio.to_thread.run_sync(feed.ready):
            raise Problem(503, "live updates are unavailable: the state store is not answering")
        first = await anyio.to_thread.run_sync(read, True)
    except BaseException:
        subscription.close()
        raise
    return subscription, first


def shared_key(screen: LiveScreen) -> tuple[str, str, tuple[str, ...]]:
    """What a screen's unlogged read depends on besides the clock: the partner (whose
    creators, bindings and authorization rows decide what may be shown) and the creators
    chosen, in their order. Streams with the same key are entitled to the same screen."""
    return ("live screen", screen.partner_id, screen.chosen)


async def events(
    subscription: Subscription,
    reads: SharedReads,
    first: LiveScreen,
    read: Read,
    shape: Callable[[LiveScreen], str],
    log: Callable[[LiveScreen], None],
) -> AsyncIterator[bytes]:
    """The stream's bytes: the retry hint and the first screen, then a screen per relevant
    notice (several waiting notices make one read; the streams of one `shared_key` share
    one read per notice)."""
    logged = _read_key(first)
    screen = first
    key = shared_key(first)
    reads.hold(key)
    try:
        yield f"retry: {RETRY_MS}\n\n".encode()
        yield message("screen", shape(screen))
        while True:
            told = await subscription.next(PING_S)
            if told is None:
                yield b": ping\n\n"
                continue
            if not screen.watch.relevant(told):
                continue
            run = partial(anyio.to_thread.run_sync, read, False)
            screen = await reads.read(key, subscription.heard, run)
            if _read_key(screen) != logged:
                await anyio.to_thread.run_sync(log, screen)
                logged = _read_key(screen)
            yield message("screen", shape(screen))
            # under a flood of events, at most one read per gap: the notices meanwhile wait
            # in the queue and make the next read together
            await anyio.sleep(MIN_GAP_S)
    finally:
        reads.leave(key)
        subscription.close()


def _read_key(screen: LiveScreen) -> Any:
    return (screen.day, frozenset(screen.read))


def logger(state: Any, reader: compass.Reader) -> Callable[[LiveScreen], None]:
    """How a push's read is logged (when it differs from the last logged)."""

    def log(screen: LiveScreen) -> None:
        compass.log_reads(state, reader, f"live screen {','.join(screen.chosen)}", screen.read)

    return log


def response(body: AsyncIterator[bytes]) -> StreamingResponse:
    return StreamingResponse(
        body,
        media_type=MEDIA_TYPE,
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
