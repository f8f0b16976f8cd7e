"""Benchmark: live-screen delivery — the time from an accepted live event (the sender's
`POST /api/v1/events` answered 2xx) to the Server-Sent Events message that shows it at each
live screen watching its creator — with many screens open, against a bare Starlette SSE
endpoint fed by an in-process asyncio queue, served and driven the same way in the same run.

Run: `python bench/screen.py [--screens 200] [--rate 2] [--seconds 60]`. PostgreSQL: a
throwaway database beside `$TIERWISE_BENCH_PG_URL` (as `bench/events.py`), dropped at the
end; the world is `tierwise.testing.compass`'s (agency A, whose creator c1 is authorized).

What runs where (three processes, one machine):
- the server: uvicorn, one worker (`create_app` over the PostgreSQL state store, its one
  LISTEN listener per process; or the baseline app);
- the screens: one process, one asyncio loop, `--screens` httpx streams of
  `GET /api/v1/compass/live/stream?creator_id=c1` as agency A (every screen shows c1: every
  event reaches every screen, the heaviest case for a given count);
- the sender: this process, one keep-alive connection, one signed `live.minute` of c1's
  live every 1/`--rate` s, each a new latest minute whose `online_viewers` is its number n.
A screen "shows" event n when a pushed screen's c1 card has `online_viewers` ≥ n (a push may
fold several events: the stream reads at most every `MIN_GAP_S`). Latency per (event,
screen) = arrival (client's `time.time()`) − acceptance (sender's `time.time()` at the 2xx);
a push may beat the sender's reading of its answer, so a pair can be slightly negative.

The screens open `--wave` at a time (default 10), each wave once the previous has its first
screens, as screens open over a morning. `--wave 0` opens all at once: 200 simultaneous
opens stalled the tierwise server (every pooled connection held by a guard's session
waiting for a thread to close it, every thread waiting for a connection).
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

sys.path.insert(0, str(Path(__file__).resolve().parent))
import events as ingestion  # bench/events.py: the throwaway database and the server

CREATOR = "c1"
LIVE = "BENCH-SCREEN"
LOGIN = "agency-a"
STREAM = f"/api/v1/compass/live/stream?creator_id={CREATOR}"
#: Seconds the screens wait, after the last event, for pushes still on the way.
DRAIN_S = 30.0
#: Seconds a wave of screens may take to open (each its first screen).
OPEN_S = 60.0


def live_start() -> datetime:
    """When the benchmark's live started: whole minutes back, leaving room for a minute per
    event, on this UTC day or the one before (the screen's "live now")."""
    return datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=6)


def started(start: datetime) -> dict[str, Any]:
    return {
        "id": f"{LIVE}/start",
        "kind": "live.started",
        "at": start.isoformat(),
        "live_id": LIVE,
        "creator_id": CREATOR,
    }


def minute(start: datetime, n: int) -> dict[str, Any]:
    """Event n: minute n of the live (the latest so far), `online_viewers` = n."""
    at = start + timedelta(minutes=n)
    return {
        "id": f"{LIVE}/{n}",
        "kind": "live.minute",
        "at": (at + timedelta(seconds=59)).isoformat(),
        "live_id": LIVE,
        "minute": at.isoformat(),
        "online_viewers": n,
        "views": 1,
        "product_clicks": 0,
        "orders": 0,
        "gmv": "0",
        "currency": "USD",
        "likes": 0,
        "comments": 0,
        "shares": 0,
        "new_followers": 0,
    }


# --- the servers ---------------------------------------------------------------------


def baseline_app() -> Starlette:
    """The floor: check the signature, put each minute's `online_viewers` on every open
    stream's asyncio queue, push it as a screen-shaped document."""
    from tierwise.live.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify

    queues: set[asyncio.Queue[int]] = set()
    secret = (ingestion.SECRET.encode(),)

    def screen(viewers: int) -> bytes:
        doc = {"creators": [{"creator_id": CREATOR, "figures": {"online_viewers": viewers}}]}
        return f"event: screen\ndata: {json.dumps(doc)}\n\n".encode()

    async def post(request: Request) -> Response:
        body = await request.body()
        headers = request.headers
        verify(
            secret, headers.get(TIMESTAMP_HEADER), headers.get(SIGNATURE_HEADER), body, time.time()
        )
        for doc in json.loads(body):
            for queue in queues:
                queue.put_nowait(int(doc.get("online_viewers", 0)))
        return Response(b'{"ok":true}', media_type="application/json")

    async def stream(request: Request) -> StreamingResponse:
        queue: asyncio.Queue[int] = asyncio.Queue()
        queues.add(queue)

        async def body() -> AsyncIterator[bytes]:
            try:
                yield screen(0)
                while True:
                    yield screen(await queue.get())
            finally:
                queues.discard(queue)

        return StreamingResponse(body(), media_type="text/event-stream")

    async def token(request: Request) -> Response:
        return Response(b'{"access_token":"-"}', status_code=201, media_type="application/json")

    return Starlette(
        routes=[
            Route("/api/v1/events", post, methods=["POST"]),
            Route("/api/v1/compass/live/stream", stream),
            Route("/api/v1/tokens", token, methods=["POST"]),
        ]
    )


def serve(kind: str, port: int, db: str | None) -> None:
    import uvicorn

    from tierwise.server.app import create_app
    from tierwise.web.context import Portal

    app: Any = baseline_app()
    if kind == "tierwise":
        assert db is not None
        portal = Portal.open(os.environ["TIERWISE_STATE_URL"], Path(db))
        app = create_app(portal, close_portal=True)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


# --- the screens (their own process) -------------------------------------------------


async def watch(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    opened: list[int],
    arrivals: dict[int, float],
) -> None:
    """One screen: read pushes, recording for each event number the first time a screen
    showing it (or a later one) arrived."""
    shown = -1
    async with client.stream("GET", STREAM, headers=headers) as reply:
        reply.raise_for_status()
        data: list[str] = []
        async for line in reply.aiter_lines():
            if line.startswith("data: "):
                data.append(line[6:])
                continue
            if line or not data:
                continue
            now = time.time()
            doc = json.loads("\n".join(data))
            data = []
            viewers = _viewers(doc)
            if shown < 0:
                opened.append(1)
            for n in range(max(shown, 0) + 1, viewers + 1):
                arrivals[n] = now
            shown = max(shown, viewers)


def _viewers(doc: dict[str, Any]) -> int:
    for card in doc["creators"]:
        if card["creator_id"] == CREATOR and card.get("figures"):
            return int(card["figures"]["online_viewers"])
    return 0


async def screens(base: str, count: int, token: str, wave: int) -> list[dict[int, float]]:
    """Open `count` streams, `wave` at a time (the next wave once the last has its first
    screens; 0: all at once); say `ready` on stdout once every one has its first screen;
    when a line (the number of events sent) comes on stdin, wait until every screen shows
    the last or `DRAIN_S` passes; the arrivals per screen."""
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    opened: list[int] = []
    arrivals: list[dict[int, float]] = [{} for _ in range(count)]
    tasks: list[asyncio.Task[None]] = []
    async with httpx.AsyncClient(base_url=base, timeout=None, limits=limits) as client:
        for first in range(0, count, wave or count):
            last = min(count, first + (wave or count))
            tasks += [
                asyncio.create_task(watch(client, headers, opened, arrivals[i]))
                for i in range(first, last)
            ]
            deadline = time.monotonic() + OPEN_S
            while len(opened) < last:
                failed = [t for t in tasks if t.done()]
                if failed or time.monotonic() > deadline:
                    raise RuntimeError(f"{len(opened)} of {last} screens opened") from (
                        failed[0].exception() if failed else None
                    )
                await asyncio.sleep(0.02)
        print("ready", flush=True)
        sent = int(await asyncio.to_thread(sys.stdin.readline))
        deadline = time.monotonic() + DRAIN_S
        while time.monotonic() < deadline and any(sent not in a for a in arrivals):
            await asyncio.sleep(0.1)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return arrivals


# --- the sender and the figures ------------------------------------------------------


def token(port: int) -> str:
    reply = httpx.post(
        f"http://127.0.0.1:{port}/api/v1/tokens",
        json={"login": LOGIN, "password": _password()},
    )
    reply.raise_for_status()
    access: str = reply.json()["access_token"]
    return access


def _password() -> str:
    from tierwise.testing.compass import PASSWORD

    return PASSWORD


def post(connection: http.client.HTTPConnection, docs: list[dict[str, Any]]) -> float:
    """Post `docs` signed; the time (epoch s) the server's 2xx answer came. A keep-alive
    connection the server closed while the screens opened (uvicorn closes one idle for 5
    s) is opened again and the request sent again (the events' ids make that safe)."""
    from tierwise.live.signing import signed_headers

    body = json.dumps(docs, separators=(",", ":")).encode()
    for attempt in (1, 2):
        headers = {"Content-Type": "application/json"}
        headers |= signed_headers(ingestion.SECRET.encode(), body, time.time())
        try:
            connection.request("POST", "/api/v1/events", body=body, headers=headers)
            reply = connection.getresponse()
            break
        except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
            connection.close()
            if attempt == 2:
                raise
    answer = reply.read()
    if not 200 <= reply.status < 300:
        raise RuntimeError(f"HTTP {reply.status}: {answer[:200]!r}")
    return time.time()


@dataclass(frozen=True)
class Delivery:
    """Latencies (s) of every (event, screen) pair delivered, and the pairs never seen."""

    latencies: list[float]
    missed: int
    screens: int
    events: int

    def quantile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def measure(port: int, count: int, rate: float, seconds: float, wave: int) -> Delivery:
    """Open `count` screens (in a process of their own), send `rate` events a second for
    `seconds`, and match arrivals against acceptances."""
    import subprocess

    start = live_start()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    post(connection, [started(start), minute(start, 0)])
    command = [sys.executable, __file__, "--screens-of", str(port), "--screens", str(count)]
    command += ["--wave", str(wave)]
    with subprocess.Popen(
        [*command, f"--token={token(port)}"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as watcher:
        assert watcher.stdin is not None and watcher.stdout is not None
        try:
            if watcher.stdout.readline().strip() != "ready":
                raise RuntimeError("the screens did not open")
            total = max(1, round(rate * seconds))
            accepted: dict[int, float] = {}
            began = time.monotonic()
            for n in range(1, total + 1):
                pause = began + (n - 1) / rate - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                accepted[n] = post(connection, [minute(start, n)])
            watcher.stdin.write(f"{total}\n")
            watcher.stdin.flush()
            arrivals: list[dict[str, float]] = json.loads(watcher.stdout.read())
        finally:
            connection.close()
            watcher.wait(timeout=DRAIN_S + 60)
    latencies: list[float] = []
    missed = 0
    for seen in arrivals:
        for n, at in accepted.items():
            if str(n) in seen:
                latencies.append(seen[str(n)] - at)
            else:
                missed += 1
    return Delivery(latencies, missed, len(arrivals), total)


@contextmanager
def world(folder: Path) -> Iterator[tuple[str, Path]]:
    """A throwaway PostgreSQL state store with the compass world's users, and its event
    store: (state URL, DuckDB file)."""
    from tierwise.testing.compass import build_compass_portal

    with ingestion.state_store("postgresql") as url:
        yield url, build_compass_portal(folder, url).db


def run(count: int, rate: float, seconds: float, wave: int = 10) -> dict[str, Delivery]:
    """Both servers, one after the other, over one world: their deliveries."""
    found: dict[str, Delivery] = {}
    with (
        tempfile.TemporaryDirectory(prefix="bench-screen-") as tmp,
        world(Path(tmp)) as (url, db),
    ):
        for kind in ("baseline", "tierwise"):
            extra = ["--db", str(db)]
            with ingestion.server(kind, url, script=__file__, extra=extra) as port:
                found[kind] = measure(port, count, rate, seconds, wave)
    return found


def table(found: dict[str, Delivery]) -> str:
    """The markdown table: p50/p95/p99 (ms) per server, and the cost against the floor."""
    floor = found["baseline"]
    lines = [
        "| server | screens | events | pairs seen | missed | p50 ms | p95 ms | p99 ms "
        "| p99 ÷ baseline |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for kind, d in found.items():
        p = [d.quantile(q) * 1000 for q in (0.5, 0.95, 0.99)]
        ratio = d.quantile(0.99) / floor.quantile(0.99)
        lines.append(
            f"| {kind} | {d.screens} | {d.events} | {len(d.latencies):,} | {d.missed} "
            f"| {p[0]:.1f} | {p[1]:.1f} | {p[2]:.1f} | {ratio:.1f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--screens", type=int, default=200)
    parser.add_argument("--rate", type=float, default=2.0, help="events a second")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument(
        "--wave", type=int, default=10, help="screens opened at a time (0: all at once)"
    )
    parser.add_argument("--serve", choices=["baseline", "tierwise"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--screens-of", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--token", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.db)
        return
    if args.screens_of:
        base = f"http://127.0.0.1:{args.screens_of}"
        arrivals = asyncio.run(screens(base, args.screens, args.token, args.wave))
        print(json.dumps(arrivals))
        return
    load = os.getloadavg()
    found = run(args.screens, args.rate, args.seconds, args.wave)
    print(
        f"{args.screens} screens (opened {args.wave or 'all'} at a time), "
        f"{args.rate:g} events/s for {args.seconds:g} s, "
        f"{os.cpu_count()} CPUs, load before {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, "
        f"after {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(table(found))


if __name__ == "__main__":
    main()
