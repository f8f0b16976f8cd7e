"""The application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import iter_route_contexts
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.routing import compile_path
from starlette.types import Scope

from tierwise import __version__
from tierwise.access import ACCESS
from tierwise.live.feed import Feed
from tierwise.screen.stream import STREAM_ROUTES
from tierwise.server import routes
from tierwise.server.asgi import Admission, SecurityHeaders
from tierwise.server.worker import OutboxWorker
from tierwise.web.context import Portal
from tierwise.web.problems import Problem, from_validation, response
from tierwise.web.render import STATIC, error_page

#: Requests of one worker inside the application at once, per lane (`web/asgi.py`).
#: One read at a time: the event loop still reads and parses the next requests while a
#: thread answers it, and a second read in flight only makes the two contend — for the GIL,
#: and on PostgreSQL for the two cores with the database's own processes (measured in
#: `docs/benchmarks.md`: one read 730–775 dashboards/s with p99 109–144 ms against two
#: reads' 600 with p99 222–265, PostgreSQL, two workers). A slow read (an operator's run
#: diff) would hold up the reads behind it on its worker: the operator's routes share the
#: other lane with every write, so a diff, a preview or a sign-in never does.
READS = 1
OPERATIONS = 8
#: Threads of the AnyIO pool per worker: more than the lanes admit. A request holds at
#: most two state-store connections (its read session and a unit of work), so requests
#: never wait on the pools of 40 (`state/store.py`).
THREADS = 20


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def create_app(
    portal: Portal, *, close_portal: bool = False, outbox: OutboxWorker | None = None
) -> FastAPI:
    """The application; `outbox`, the background sender it runs while it serves."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = THREADS
        if outbox is not None:
            outbox.start()
        yield
        await anyio.to_thread.run_sync(feed.stop)
        if outbox is not None:
            await anyio.to_thread.run_sync(outbox.stop)
        if close_portal:
            portal.close()

    app = FastAPI(
        title="tierwise",
        version=__version__,
        summary="Partner levels from raw platform data: programs, runs, results, explanations.",
        lifespan=lifespan,
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.portal = portal
    # The process's one listener of live events, started by the first live screen.
    feed = app.state.live_feed = Feed(portal.state)

    async def on_problem(request: Request, exc: Exception) -> Response:
        problem = exc if isinstance(exc, Problem) else Problem(500)
        if _is_api(request):
            return response(problem, request.url.path)
        return error_page(request, problem)

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        headers = dict(exc.headers or {})
        return await on_problem(request, Problem(exc.status_code, str(exc.detail), headers=headers))

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return await on_problem(request, from_validation(exc))

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_validation)
    # Anything else a route raises: a 500 problem document (or error page) naming nothing of
    # the internals; Starlette still re-raises it afterwards, so the server logs it.
    app.add_exception_handler(Exception, on_problem)

    app.include_router(routes.api)
    app.include_router(routes.pages)
    app.mount("/static", StaticFiles(directory=STATIC, check_dir=False), name="static")
    app.add_middleware(SecurityHeaders)
    # Pages, JSON and static text compressed for clients that ask (a dashboard's HTML
    # shrinks about 5×); small answers are sent as they are.
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(  # added last: the outermost
        Admission,
        reads=READS,
        operations=OPERATIONS,
        is_operation=_operator_route(app),
        is_stream=_stream_route(app),
    )
    _document_bearer(app)
    return app


def _operator_route(app: FastAPI) -> Callable[[Scope], bool]:
    """Whether a request is for a route only operators may use (from the authorization
    table, so a new operator route joins the operations lane by being listed)."""
    patterns = [
        compile_path(route.path)[0]
        for route in iter_route_contexts(app.routes)
        if route.path is not None
        and (rule := ACCESS.get(route.name or "")) is not None
        and rule.roles == {"operator"}
    ]

    def is_operator_route(scope: Scope) -> bool:
        path: str = scope["path"]
        return any(pattern.match(path) for pattern in patterns)

    return is_operator_route


def _stream_route(app: FastAPI) -> Callable[[Scope], bool]:
    """Whether a request is for a stream (`screen.stream.STREAM_ROUTES`): it stays open as
    long as the client watches, so it must not hold one of the gate's few slots."""
    patterns = [
        compile_path(route.path)[0]
        for route in iter_route_contexts(app.routes)
        if route.path is not None and route.name in STREAM_ROUTES
    ]

    def is_stream_route(scope: Scope) -> bool:
        path: str = scope["path"]
        return any(pattern.match(path) for pattern in patterns)

    return is_stream_route


def _document_bearer(app: FastAPI) -> None:
    """The OpenAPI document names the bearer scheme and asks for it on every operation
    that is not public (the guard reads the header itself, so FastAPI cannot tell)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        schema.setdefault("components", {})["securitySchemes"] = {
            "bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "A token from POST /api/v1/tokens.",
            }
        }
        for route in iter_route_contexts(app.routes):
            rule = ACCESS.get(route.name or "")
            operations = schema["paths"].get(route.path, {})
            for method in route.methods or ():
                operation = operations.get(method.lower())
                if operation is not None and rule is not None and not rule.public:
                    operation["security"] = [{"bearer": []}]
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
