"""Benchmark: live-event ingestion — `POST /api/v1/events`, signed batches stored
idempotently in the state store before the answer — against a bare FastAPI endpoint that
only checks the same signature and answers a constant, served the same way in the same run.

Run: `python bench/events.py [--state sqlite postgresql] [--batch 1 100] [--requests 300]
[--seconds 30 [--rate 5000]] [--connections 4] [--workers 1 2]`. PostgreSQL: a throwaway
database beside `$TIERWISE_BENCH_PG_URL` (default `postgresql+psycopg://postgres@127.0.0.1:5432/postgres`),
dropped at the end.

Each server is a separate process (this script with `--serve`): uvicorn with `--workers`
worker processes, httptools and uvloop, the tierwise one built by the factory `tierwise
serve` runs (`tierwise.server.entry:application`, with its collector settings). The
clients are threads of this process, each on its own keep-alive connection, sending
batches of new `live.minute` events (so every event is stored, none a duplicate), signed
just before sending: `--requests` in all, or, with `--seconds`, as many as they can for
that long (sustained load); with `--rate`, on a schedule at that many events/s, latency
counted from each request's scheduled time. A warm-up precedes each measured run. Reported per row:
events/s, requests/s, p50/p99 latency of a request, and the cost against the baseline (the
baseline's events/s ÷ the row's) — the ratio, not the absolute figures, is what carries
over to another machine.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from fastapi import FastAPI, Request, Response
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

SECRET = "bench-events-secret"
PG_ADMIN_URL = os.environ.get(
    "TIERWISE_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
T0 = datetime(2026, 9, 1, tzinfo=UTC)


def baseline_app() -> FastAPI:
    """The floor: read the body, check its signature, answer a constant."""
    from tierwise.live.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify

    app = FastAPI()
    secret = (SECRET.encode(),)

    @app.post("/api/v1/events")
    async def events(request: Request) -> Response:
        body = await request.body()
        headers = request.headers
        verify(
            secret, headers.get(TIMESTAMP_HEADER), headers.get(SIGNATURE_HEADER), body, time.time()
        )
        return Response(b'{"ok":true}', media_type="application/json")

    return app


#: What each server runs, as uvicorn's factory (an import string, so workers can import it).
FACTORIES = {"baseline": "events:baseline_app", "tierwise": "tierwise.server.entry:application"}


def serve(kind: str, port: int, workers: int) -> None:
    import uvicorn

    sys.path.insert(0, str(Path(__file__).resolve().parent))  # `events` for the workers
    uvicorn.run(
        FACTORIES[kind],
        factory=True,
        host="127.0.0.1",
        port=port,
        workers=workers,
        http="httptools",
        loop="uvloop",
        log_level="warning",
        access_log=False,
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def server(
    kind: str, state_url: str, script: str = __file__, extra: Sequence[str] = ()
) -> Iterator[int]:
    """`script --serve kind --port P *extra` in a process of its own (a bench script's
    server, taking events signed with `SECRET`), once it accepts connections: its port."""
    port = _free_port()
    env = {**os.environ, "TIERWISE_STATE_URL": state_url, "TIERWISE_EVENTS_SECRET": SECRET}
    # the tierwise factory's event store: none (a path that does not exist), no outbox
    env.setdefault("TIERWISE_DB", str(Path(tempfile.gettempdir()) / "bench-events-none.duckdb"))
    env["TIERWISE_OUTBOX_SENDER"] = "off"
    command = [sys.executable, script, "--serve", kind, "--port", str(port), *extra]
    process = subprocess.Popen(command, env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"the {kind} server did not start") from None
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def batch_body(run: str, n: int, size: int) -> bytes:
    docs = []
    for i in range(size):
        k = n * size + i
        start = T0 + timedelta(minutes=k % 1440)
        docs.append(
            {
                "id": f"{run}-{k}",
                "kind": "live.minute",
                "at": (start + timedelta(minutes=1)).isoformat(),
                "live_id": f"{run}-L{k // 1440}",
                "minute": start.isoformat(),
                "online_viewers": k % 500,
                "views": k % 70,
                "product_clicks": k % 9,
                "orders": k % 3,
                "gmv": f"{k % 1000}.25",
                "currency": "USD",
                "likes": k % 40,
                "comments": k % 11,
                "shares": 1,
                "new_followers": 0,
            }
        )
    return json.dumps(docs, separators=(",", ":")).encode()


@dataclass(frozen=True)
class Result:
    events_per_s: float
    requests_per_s: float
    p50_ms: float
    p99_ms: float


@dataclass(frozen=True)
class Plan:
    """What connection `i` of a run sends: `requests` in all (shared by the connections),
    or for `seconds`, as fast as answered or, with `interval`, one batch per interval."""

    run: str
    i: int
    requests: int
    size: int
    connections: int
    seconds: float
    interval: float


def bodies(plan: Plan) -> Iterator[tuple[float | None, bytes]]:
    """(when it is due — None: at once — and the body) of each request of a connection."""
    if not plan.seconds:
        for n in range(plan.i, plan.requests, plan.connections):
            yield None, batch_body(plan.run, n, plan.size)
        return
    began = time.perf_counter()
    end = began + plan.seconds
    n = 0
    while True:
        due = began + (plan.i / plan.connections + n) * plan.interval if plan.interval else None
        if (due if due is not None else time.perf_counter()) >= end:
            return
        yield due, batch_body(f"{plan.run}-c{plan.i}", n, plan.size)
        n += 1


def drive(
    port: int,
    run: str,
    requests: int,
    size: int,
    connections: int,
    seconds: float = 0,
    rate: float = 0,
) -> Result:
    """`requests` batches over `connections` as fast as they are answered (or, with
    `seconds`, as many as they send in that time). With `rate` (events/s, with `seconds`)
    the load is offered on a schedule instead: each connection sends its batch at fixed
    times, and a request's latency counts from its scheduled time, so a server falling
    behind shows in the latencies rather than slowing the sender (no coordinated
    omission). Each body is made by its client just before it is sent."""
    from tierwise.live.signing import signed_headers

    latencies: list[float] = []
    lock = threading.Lock()
    failures: list[str] = []
    sent = [0] * connections
    interval = connections * size / rate if rate else 0.0

    def client(i: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        own: list[float] = []
        for due, body in bodies(Plan(run, i, requests, size, connections, seconds, interval)):
            if due is not None and (pause := due - time.perf_counter()) > 0:
                time.sleep(pause)
            sent[i] += 1
            headers = {"Content-Type": "application/json"}
            headers |= signed_headers(SECRET.encode(), body, time.time())
            start = time.perf_counter() if due is None else due
            connection.request("POST", "/api/v1/events", body=body, headers=headers)
            reply = connection.getresponse()
            reply.read()
            own.append(time.perf_counter() - start)
            if reply.status != 200:
                failures.append(f"HTTP {reply.status}")
        connection.close()
        with lock:
            latencies.extend(own)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(connections)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - began
    if failures:
        raise RuntimeError(f"{len(failures)} request(s) failed, e.g. {failures[0]}")
    latencies.sort()
    done = sum(sent)
    return Result(
        events_per_s=done * size / wall,
        requests_per_s=done / wall,
        p50_ms=latencies[len(latencies) // 2] * 1000,
        p99_ms=latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
    )


@contextmanager
def state_store(engine: str) -> Iterator[str]:
    """An empty state store at head: a temporary SQLite file, or a throwaway PostgreSQL
    database."""
    from tierwise.db.engine import StateStore

    if engine == "sqlite":
        with tempfile.TemporaryDirectory(prefix="bench-events-") as tmp:
            url = f"sqlite:///{Path(tmp) / 'state.db'}"
            StateStore.open(url).close()
            yield url
        return
    name = f"bench_events_{secrets.token_hex(4)}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        StateStore.open(url).close()
        yield url
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state", nargs="+", default=["sqlite"], choices=["sqlite", "postgresql"])
    parser.add_argument("--batch", nargs="+", type=int, default=[1, 100])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument(
        "--seconds", type=float, default=0, help="sustained load for this long (not --requests)"
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=0,
        help="with --seconds: offer this many events/s on a schedule (not as fast as answered)",
    )
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--workers", nargs="+", type=int, default=[1], help="uvicorn workers")
    parser.add_argument("--serve", choices=["baseline", "tierwise"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--serve-workers", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.serve_workers)
        return
    load = os.getloadavg()
    print(
        f"{os.cpu_count()} CPUs, {args.connections} connections, "
        + (f"{args.seconds:g} s each" if args.seconds else f"{args.requests} requests each")
        + (f", {args.rate:,.0f} events/s offered" if args.rate else ", closed loop")
        + f", load before {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    print(
        f"{'server':<10} {'state':<11} {'workers':>7} {'batch':>5} {'events/s':>10} "
        f"{'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'cost':>6} {'p99 ÷ base':>10}"
    )
    for engine in args.state:
        with state_store(engine) as url:
            for workers in args.workers:
                for size in args.batch:
                    rows = measure(
                        url, workers, size, args.requests, args.seconds, args.connections, args.rate
                    )
                    floor = rows["baseline"].events_per_s
                    for kind, r in rows.items():
                        print(
                            f"{kind:<10} {engine:<11} {workers:>7} {size:>5} "
                            f"{r.events_per_s:>10,.0f} {r.requests_per_s:>8,.0f} "
                            f"{r.p50_ms:>8.1f} {r.p99_ms:>8.1f} {floor / r.events_per_s:>6.1f} "
                            f"{r.p99_ms / rows['baseline'].p99_ms:>10.1f}",
                            flush=True,
                        )
    print(f"load after {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def measure(
    url: str,
    workers: int,
    size: int,
    requests: int,
    seconds: float,
    connections: int,
    rate: float = 0,
) -> dict[str, Result]:
    """Both servers, one after the other, each warmed up first: their results."""
    rows: dict[str, Result] = {}
    for kind in ("baseline", "tierwise"):
        with server(kind, url, extra=["--serve-workers", str(workers)]) as port:
            run = f"{kind}-{workers}-{size}-{secrets.token_hex(3)}"
            warm = max(20, requests // 5) if not seconds else max(20, connections * 10)
            drive(port, run + "-warm", warm, size, connections)
            rows[kind] = drive(port, run, requests, size, connections, seconds, rate)
    return rows


if __name__ == "__main__":
    main()
