"""Benchmark: live-event ingestion — `POST /api/v1/events`, signed batches stored
idempotently in the state store before the answer — against a bare FastAPI endpoint that
only checks the same signature and answers a constant, served the same way in the same run.

Run: `python bench/events.py [--state sqlite postgresql] [--batch 1 100] [--requests 300]
[--connections 4]`. PostgreSQL: a throwaway database beside `$TIERWISE_BENCH_PG_URL`
(default `postgresql+psycopg://postgres@127.0.0.1:5432/postgres`), dropped at the end.

Each server is a separate process (uvicorn, one worker, this script with `--serve`); the
clients are threads of this process, each on its own keep-alive connection, sending
batches of new `live.minute` events (so every event is stored, none a duplicate), signed
just before sending. A warm-up of the same shape precedes each measured run. Reported per
row: events/s, requests/s, p50/p99 latency of a request, and the cost against the baseline
(the baseline's events/s ÷ the row's) — the ratio, not the absolute figures, is what
carries over to another machine.
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


def tierwise_app() -> FastAPI:
    from tierwise.server.app import create_app
    from tierwise.web.context import Portal

    return create_app(Portal.open(os.environ["TIERWISE_STATE_URL"], None), close_portal=True)


def serve(kind: str, port: int) -> None:
    import uvicorn

    app = baseline_app() if kind == "baseline" else tierwise_app()
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


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


def drive(port: int, run: str, requests: int, size: int, connections: int) -> Result:
    from tierwise.live.signing import signed_headers

    bodies = [batch_body(run, n, size) for n in range(requests)]
    latencies: list[float] = []
    lock = threading.Lock()
    failures: list[str] = []

    def client(part: list[bytes]) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        own: list[float] = []
        for body in part:
            headers = {"Content-Type": "application/json"}
            headers |= signed_headers(SECRET.encode(), body, time.time())
            began = time.perf_counter()
            connection.request("POST", "/api/v1/events", body=body, headers=headers)
            reply = connection.getresponse()
            reply.read()
            own.append(time.perf_counter() - began)
            if reply.status != 200:
                failures.append(f"HTTP {reply.status}")
        connection.close()
        with lock:
            latencies.extend(own)

    threads = [
        threading.Thread(target=client, args=(bodies[i::connections],)) for i in range(connections)
    ]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - began
    if failures:
        raise RuntimeError(f"{len(failures)} request(s) failed, e.g. {failures[0]}")
    latencies.sort()
    return Result(
        events_per_s=requests * size / wall,
        requests_per_s=requests / wall,
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
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--serve", choices=["baseline", "tierwise"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port)
        return
    print(
        f"{'server':<10} {'state':<11} {'batch':>5} {'events/s':>10} {'req/s':>8} "
        f"{'p50 ms':>8} {'p99 ms':>8} {'cost':>6}"
    )
    for engine in args.state:
        with state_store(engine) as url:
            for size in args.batch:
                rows: dict[str, Result] = {}
                for kind in ("baseline", "tierwise"):
                    with server(kind, url) as port:
                        run = f"{kind}-{size}-{secrets.token_hex(3)}"
                        drive(
                            port, run + "-warm", max(20, args.requests // 5), size, args.connections
                        )
                        rows[kind] = drive(port, run, args.requests, size, args.connections)
                floor = rows["baseline"].events_per_s
                for kind, r in rows.items():
                    print(
                        f"{kind:<10} {engine:<11} {size:>5} {r.events_per_s:>10,.0f} "
                        f"{r.requests_per_s:>8,.0f} {r.p50_ms:>8.1f} {r.p99_ms:>8.1f} "
                        f"{floor / r.events_per_s:>6.1f}"
                    )


if __name__ == "__main__":
    main()
