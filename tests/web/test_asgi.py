"""What wraps every request (`tierwise.server.asgi`): the admission gate and the security
headers — directly on small ASGI apps, then on the real portal served by uvicorn."""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import anyio
import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.types import Receive, Scope, Send

from tests.web.conftest import LiveServer, TokenFor
from tierwise.server.asgi import HEADERS, Admission, SecurityHeaders
from tierwise.testing.portal import PortalSetup
from tierwise.web.render import STATIC


class Recorder:
    """An ASGI app that notes who is inside it and answers when told to."""

    def __init__(self) -> None:
        self.inside: list[str] = []
        self.entered: list[str] = []
        self.most = 0
        self.release = anyio.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        name = scope["path"]
        self.inside.append(name)
        self.entered.append(name)
        self.most = max(self.most, len(self.inside))
        if not name.endswith("/now"):
            await self.release.wait()
        self.inside.remove(name)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": name.encode()})


@dataclass
class Seen:
    #: Who was inside while the recorder held every request.
    held: list[str]
    #: Who got in, in order.
    entered: list[str]
    #: The most inside at once.
    most: int
    answers: list[str]


def gate(reads: int, operations: int) -> Admission:
    """A gate around a recorder; paths under /op/ stand for the operator's routes."""
    return Admission(
        Recorder(),
        reads=reads,
        operations=operations,
        is_operation=lambda scope: scope["path"].startswith("/op/"),
    )


async def _send(app: Admission, calls: list[tuple[str, str]]) -> Seen:
    """Send `calls` (method, path) one after the other without waiting for the answers,
    hold everything inside, then let it go."""
    recorder = app.app
    assert isinstance(recorder, Recorder)
    answers: list[str] = []
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:

        async def call(method: str, path: str) -> None:
            reply = await client.request(method, path)
            answers.append(reply.text)

        async with anyio.create_task_group() as tg:
            for method, path in calls:
                tg.start_soon(call, method, path)
                await anyio.sleep(0.01)  # arrival order is the order of `calls`
            await anyio.sleep(0.05)
            held = list(recorder.inside)
            recorder.release.set()
    return Seen(held, recorder.entered, recorder.most, answers)


@pytest.mark.anyio
async def test_reads_are_admitted_a_few_at_a_time_in_arrival_order() -> None:
    seen = await _send(gate(reads=2, operations=8), [("GET", f"/r{i}") for i in range(8)])
    assert seen.held == ["/r0", "/r1"]
    assert seen.most == 2
    assert seen.entered == [f"/r{i}" for i in range(8)]
    assert sorted(seen.answers) == sorted(f"/r{i}" for i in range(8))


@pytest.mark.anyio
async def test_operations_have_their_own_lane_and_static_files_pass() -> None:
    """Two slow reads fill the read lane; a write, an operator's read and a static file
    still get in; the third read and the later operations wait for a place in their
    lane."""
    calls = [
        ("GET", "/r0"),
        ("GET", "/r1"),
        ("GET", "/r2"),
        ("POST", "/w0"),
        ("GET", "/op/diff"),
        ("POST", "/w1"),
        ("GET", "/static/app.css"),
        ("HEAD", "/r3"),
    ]
    seen = await _send(gate(reads=2, operations=2), calls)
    assert seen.held == ["/r0", "/r1", "/w0", "/op/diff", "/static/app.css"]
    assert set(seen.entered[5:]) == {"/r2", "/w1", "/r3"}
    assert len(seen.answers) == len(calls)


class Streams(Recorder):
    """Like the recorder, but a path under /stream/ starts its answer first and then stays
    inside (an open stream); under /opening/ it stays inside before answering (a stream
    still being opened: the guard, the first read)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        name = scope["path"]
        if not name.startswith("/stream/"):
            await super().__call__(scope, receive, send)
            return
        self.inside.append(name)
        self.entered.append(name)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await self.release.wait()
        self.inside.remove(name)
        await send({"type": "http.response.body", "body": name.encode()})


def stream_gate() -> Admission:
    return Admission(
        Streams(),
        reads=1,
        operations=1,
        is_operation=lambda scope: False,
        is_stream=lambda scope: scope["path"].startswith(("/stream/", "/opening/")),
    )


@pytest.mark.anyio
async def test_open_streams_take_no_place_in_a_lane() -> None:
    """Two open streams (their answers started, held inside as a live screen's stream is)
    and a read: the one read place still goes to the read."""
    admission = stream_gate()
    seen = await _send(admission, [("GET", "/stream/a"), ("GET", "/stream/b"), ("GET", "/r0")])
    assert seen.held == ["/stream/a", "/stream/b", "/r0"]
    assert admission._lanes["reads"].value == 1


@pytest.mark.anyio
async def test_a_stream_takes_a_read_place_while_it_opens() -> None:
    """Streams still opening (no answer started yet) queue for read places like reads, so
    two hundred opened at once cannot hold every pooled connection: with one place, the
    second opening and the read wait."""
    admission = stream_gate()
    seen = await _send(admission, [("GET", "/opening/a"), ("GET", "/opening/b"), ("GET", "/r0")])
    assert seen.held == ["/opening/a"]
    assert seen.entered == ["/opening/a", "/opening/b", "/r0"]
    assert sorted(seen.answers) == ["/opening/a", "/opening/b", "/r0"]
    assert admission._lanes["reads"].value == 1


@pytest.mark.anyio
async def test_a_request_that_fails_gives_its_place_back() -> None:
    async def failing(scope: Scope, receive: Receive, send: Send) -> None:
        raise RuntimeError("boom")

    admission = Admission(failing, reads=1, operations=1, is_operation=lambda scope: False)
    for _ in range(3):
        with pytest.raises(RuntimeError):
            await admission({"type": "http", "path": "/x", "method": "GET"}, _no_receive, _no_send)
    assert admission._lanes["reads"].value == 1


async def _no_receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _no_send(message: Any) -> None:
    return None


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def test_security_headers_on_every_answer(client: TestClient) -> None:
    """API answers, pages, errors and static files carry them; only static files may be
    cached."""
    for path, status in (
        ("/api/v1/openapi.json", 200),
        ("/login", 200),
        ("/api/v1/programs", 401),
        ("/no/such/page", 404),
        ("/static/app.css", 200),
    ):
        reply = client.get(path)
        assert reply.status_code == status, path
        for key, value in HEADERS.items():
            assert reply.headers[key] == value, (path, key)
        cache = reply.headers.get("cache-control")
        assert cache == ("no-cache" if path.startswith("/static/") else "no-store"), path


def test_pages_ask_for_static_files_by_their_content_and_keep_them(client: TestClient) -> None:
    """The page names each file with its content's SHA-256 (12 hex digits); that URL may be
    kept for good, and a changed file would have another. Text is compressed on request."""
    page = client.get("/login", headers={"Accept-Encoding": "gzip"})
    assert page.headers["content-encoding"] == "gzip"  # the HTML itself
    for name in ("app.css", "app.js", "vendor/htmx.min.js"):
        digest = hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12]
        url = f"/static/{name}?v={digest}"
        assert f'"{url}"' in page.text, name
        reply = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert reply.status_code == 200
        assert reply.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert reply.headers["content-encoding"] == "gzip"
        assert reply.content == (STATIC / name).read_bytes()  # decoded by the client
        again = client.get(f"/static/{name}", headers={"If-None-Match": reply.headers["etag"]})
        assert again.status_code == 304 and again.headers["cache-control"] == "no-cache"
    small = client.get("/api/v1/health", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in small.headers  # under 1 KiB: as it is


@pytest.mark.anyio
async def test_headers_set_by_the_app_win() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"cache-control", b"max-age=60"), (b"x-frame-options", b"SAMEORIGIN")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"ok"})

    transport = httpx.ASGITransport(app=SecurityHeaders(app))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        reply = await client.get("/page")
    assert reply.headers["cache-control"] == "max-age=60"
    assert reply.headers["x-frame-options"] == "SAMEORIGIN"
    assert reply.headers["x-content-type-options"] == "nosniff"


def test_a_burst_far_beyond_the_pools_is_answered(
    live_server: LiveServer, portal_setup: PortalSetup, token_for: TokenFor
) -> None:
    """600 requests from 200 clients at once on one uvicorn worker — five times the state
    store's pool of 40 connections, ten times its thread pool — are all answered, none
    with a server error. Without the gate this worker stalls (requests holding a
    connection wait for a thread while every thread waits for a connection): checked by
    running this test with the lanes opened wide, which times out."""
    headers = token_for("agency-a")
    paths = [
        "/api/v1/partners/A/dashboard",
        "/api/v1/partners?limit=5",
        "/api/v1/partners/B/dashboard",  # another partner's: 404
    ]

    def one(i: int) -> int:
        with httpx.Client(base_url=live_server.url, timeout=60) as c:
            return c.get(paths[i % 3], headers=headers).status_code

    with ThreadPoolExecutor(200) as pool:
        statuses = list(pool.map(one, range(600)))
    assert statuses.count(200) == 400
    assert statuses.count(404) == 200


def test_the_operators_routes_take_the_operations_lane(app: FastAPI) -> None:
    """The predicate the application gives its gate: every route only operators may use,
    whatever its method, and nothing else."""
    admission = app.middleware_stack
    while admission is not None and not isinstance(admission, Admission):
        admission = getattr(admission, "app", None)
    if admission is None:  # the stack is built on the first request
        with TestClient(app) as c:
            c.get("/api/v1/health")
        admission = app.middleware_stack
        while not isinstance(admission, Admission):
            admission = admission.app  # type: ignore[union-attr]

    def operation(path: str) -> bool:
        return admission.is_operation({"type": "http", "path": path, "method": "GET"})

    def stream(path: str) -> bool:
        return admission.is_stream({"type": "http", "path": path, "method": "GET"})

    # the live screen's streams pass the gate; the screen itself is an ordinary read
    assert stream("/api/v1/compass/live/stream") and stream("/compass/live/stream")
    assert not stream("/api/v1/compass/live/screen") and not stream("/compass/live")

    for path in (
        "/api/v1/runs",
        "/api/v1/runs/run-x/diff",
        "/api/v1/runs/run-x/results",
        "/api/v1/audit/verify",
        "/api/v1/outbox",
        "/api/v1/programs/buyin-mcn/distribution",
        "/api/v1/programs/buyin-mcn/periods",
        "/operator",
        "/operator/runs/run-x",
    ):
        assert operation(path), path
    for path in (
        "/api/v1/partners",
        "/api/v1/partners/A/dashboard",
        "/api/v1/partners/A/outbox",
        "/api/v1/programs",
        "/api/v1/programs/buyin-mcn",
        "/directory",
        "/login",
        "/",
    ):
        assert not operation(path), path
