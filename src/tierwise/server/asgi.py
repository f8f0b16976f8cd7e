"""What wraps every request before FastAPI sees it, written as plain ASGI (Starlette's
`BaseHTTPMiddleware` costs a task and a stream per request)."""

from __future__ import annotations

from collections.abc import Callable

import anyio
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Security headers on every response; pages may only load what this server serves.
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
}
STATIC = "/static/"


#: A static file asked for by its content's hash (`web.render.static_url`): it never
#: changes under that URL, so browsers keep it a year without asking again.
IMMUTABLE = "public, max-age=31536000, immutable"


class SecurityHeaders:
    """The headers above on every response, and `Cache-Control: no-store` on everything
    but static files: after logout the back button asks the server again. A static file
    asked for with its content hash (`?v=`) is cached for good; without it, revalidated
    (its ETag answers 304)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith(STATIC)
        versioned = static and b"v=" in scope.get("query_string", b"")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for key, value in HEADERS.items():
                    headers.setdefault(key, value)
                if not static:
                    headers.setdefault("Cache-Control", "no-store")
                elif versioned and message["status"] == 200:
                    headers["Cache-Control"] = IMMUTABLE
                else:
                    headers.setdefault("Cache-Control", "no-cache")
            await send(message)

        await self.app(scope, receive, send_with_headers)


#: Methods that only read.
READS = frozenset({"GET", "HEAD"})


class Admission:
    """At most a few requests of this worker inside the application at once; the others
    wait in the event loop, in arrival order, holding neither a thread nor a database
    connection.

    Without it, requests pile into the thread pool and a worker stalls or crawls: each
    request takes its read connection in the guard and keeps it across the hops to the
    thread pool that follow, so with more requests in flight than connections the
    threads wait for connections held by requests waiting for a thread; and short of
    that, dozens of threads contend for the GIL, each request waiting its turn at every
    query, so latency becomes a lottery. With a small gate, requests are served first
    come, first served: one's latency is the queue ahead of it.

    Two lanes, so that slow work never holds up the quick reads behind it: `reads` for
    GET and HEAD, `operations` for every other method and for whatever `is_operation`
    picks (the operator's routes, which read whole runs or logs: a diff, a distribution,
    the audit chain's check); a preview evaluates a period, a sign-in hashes a password.
    Static files pass straight through. A stream (`is_stream`: a live screen's Server-Sent
    Events, open for as long as someone watches, holding no thread or connection between
    pushes) takes a read place only while it opens — the guard's session, the first read —
    and gives it back when its answer starts: two hundred screens opened at once would
    otherwise hold every pooled connection while waiting for threads that wait for one."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        reads: int,
        operations: int,
        is_operation: Callable[[Scope], bool],
        is_stream: Callable[[Scope], bool] = lambda scope: False,
    ) -> None:
        self.app = app
        self.is_stream = is_stream
        self.limits = {"reads": reads, "operations": operations}
        self.is_operation = is_operation
        self._lanes: dict[str, anyio.Semaphore] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(STATIC):
            await self.app(scope, receive, send)
            return
        if self.is_stream(scope):
            await self._open_stream(scope, receive, send)
            return
        quick = scope["method"] in READS and not self.is_operation(scope)
        async with self._lane("reads" if quick else "operations"):
            await self.app(scope, receive, send)

    def _lane(self, lane: str) -> anyio.Semaphore:
        slots = self._lanes.get(lane)
        if slots is None:  # made in the event loop of the worker that serves
            slots = self._lanes[lane] = anyio.Semaphore(self.limits[lane])
        return slots

    async def _open_stream(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A read place from the stream's arrival until its answer starts."""
        slots = self._lane("reads")
        await slots.acquire()
        held = True

        async def started(message: Message) -> None:
            nonlocal held
            if held and message["type"] == "http.response.start":
                held = False
                slots.release()
            await send(message)

        try:
            await self.app(scope, receive, started)
        finally:
            if held:
                slots.release()
