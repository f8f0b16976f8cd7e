"""Benchmark: the REST API's partner dashboard and directory under load, against a bare
FastAPI endpoint returning a constant, served the same way in the same run.

Run: `python bench/api.py [--partners 10000] [--duration 20] [--connections 50]
[--state sqlite postgresql] [--workers 1 2]`. Needs `wrk` (Debian: `apt-get install wrk`).

The world is built once and cached under `bench/out/api-<partners>-s<seed>/` (not timed):
a synthetic platform with that many partners (40% MCN CN, 25% TSP TH, 25% ISV TH, 10% ISV
ID, on top of the planted archetypes), loaded into an event store, then every built-in
program really run and published over twelve months (MCN: 2025-10 – 2026-09; ISV and TSP:
2025Q4 – 2026Q3) with `record_run`, plus an operator and one partner user per partner.

Each run works on a copy of the cached state store: a SQLite file, or a throwaway
PostgreSQL database filled from it with COPY and dropped at the end. A bearer token is
issued for every partner user. Then, for each worker count, the servers are started as
separate processes — `uvicorn --factory --http httptools --loop uvloop --workers N` — and
`wrk` runs against them, each measured run after a warm-up run of the same requests:
- the baseline: a bare FastAPI app with one `async def` endpoint returning a constant JSON
  object (and the same as a sync `def`, through the thread pool like tierwise's routes);
- `GET /api/v1/partners/{id}/dashboard`, every request a random partner with its own
  user's token (the guard checks the partner), and again with one operator token;
- `GET /api/v1/partners?program=&level=&market=&limit=50&offset=`: a mix of plain pages
  over the whole directory, pages of one market and pages of one program's level, each
  request with a random partner user's token.
Reported per row: requests/s, p50/p95/p99 latency, server CPU (cores busy and ms per
request), response size, and the cost against the baseline (baseline req/s ÷ req/s).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from fastapi import FastAPI

BENCH = Path(__file__).resolve().parent
#: Bump when the world the builder makes changes (the cache is then rebuilt).
WORLD_VERSION = 1
PASSWORD = "bench-password-1"
OPERATOR = "bench-operator"
#: Periods backfilled per program: twelve months, four quarters.
BACKFILL = (
    ("buyin-mcn", "2025-10", "2026-09"),
    ("douyin-jixing-mcn", "2025-10", "2026-09"),
    ("tts-sea-isv", "2025Q4", "2026Q3"),
    ("tts-th-tsp-shop", "2025Q4", "2026Q3"),
    ("tts-th-tsp-content", "2025Q4", "2026Q3"),
)
#: The planted archetypes every generated world holds (11 MCN CN, 8 TSP TH, 4+2 ISV).
PLANTED = 25
#: Seconds between two runs of wrk against the same server.
SETTLE = 2.0
CONSTANT = {"status": "ok", "partners": 10_000, "levels": ["V1", "V2", "V3"]}

LUA = r"""
local lines = {}
local idx = 1
local threads = 0
function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end
function init(args)
  for line in io.lines(args[1]) do
    local path, auth = line:match("^(%S+)\t(.*)$")
    lines[#lines + 1] = {path, auth}
  end
  -- each thread walks the (shuffled) list from its own place
  idx = (tid * math.floor(#lines / tonumber(args[2]))) % #lines + 1
end
function request()
  local r = lines[idx]
  idx = idx % #lines + 1
  if r[2] == "" then
    return wrk.format("GET", r[1])
  end
  return wrk.format("GET", r[1], {["Authorization"] = r[2]})
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d bytes=%d status=%d connect=%d read=%d write=%d " ..
    "timeout=%d p50=%d p95=%d p99=%d max=%d\n",
    summary.requests, summary.duration, summary.bytes, e.status, e.connect, e.read,
    e.write, e.timeout, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max))
end
"""


# -- the baseline apps (served by uvicorn from this file: keep them free of tierwise) -----


def baseline_async() -> FastAPI:
    app = FastAPI()

    @app.get("/constant")
    async def constant() -> dict[str, Any]:
        return CONSTANT

    return app


def baseline_sync() -> FastAPI:
    app = FastAPI()

    @app.get("/constant")
    def constant() -> dict[str, Any]:
        return CONSTANT

    return app


# -- the world ----------------------------------------------------------------------------


@dataclass(frozen=True)
class World:
    folder: Path
    events: Path
    state: Path
    manifest: dict[str, Any]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def build_world(out: Path, partners: int, seed: int) -> World:
    """The cached world for `partners` and `seed`, built when missing or stale."""
    folder = out / f"api-{partners}-s{seed}"
    manifest_file = folder / "world.json"
    if manifest_file.exists():
        manifest = json.loads(manifest_file.read_text())
        if manifest.get("version") == WORLD_VERSION:
            log(f"world: reusing {folder}")
            return World(folder, folder / "events.duckdb", folder / "state.db", manifest)
    if partners < PLANTED + 10:
        raise SystemExit(f"--partners: at least {PLANTED + 10}")
    import sqlalchemy as sa
    from argon2 import PasswordHasher

    from tierwise.accounts import Accounts, NewUser
    from tierwise.core.periods import Period
    from tierwise.db.engine import StateStore, now
    from tierwise.db.models import User
    from tierwise.definitions.registry import load_program
    from tierwise.runs.service import record_run
    from tierwise.store import EventStore
    from tierwise.synth import SCALES, generate

    shutil.rmtree(folder, ignore_errors=True)
    building = out / f"api-{partners}-s{seed}.building"
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    background = partners - PLANTED
    mcn, tsp, isv_th = round(background * 0.40), round(background * 0.25), round(background * 0.25)
    scale = replace(
        SCALES["medium"],
        name="bench-api",
        orders=200 * partners,
        mcn=mcn,
        tsp={"TH": tsp},
        isv={"TH": isv_th, "ID": background - mcn - tsp - isv_th},
        creators={"TH": 25_000, "ID": 12_000, "CN": 80_000},
    )
    SCALES[scale.name] = scale
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    log(f"world: generating {partners:,} partners, {scale.orders:,} orders")
    generate(building / "data", scale.name, seed)
    timings["generate"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    events = building / "events.duckdb"
    with EventStore.open(events) as store:
        store.load(building / "data")
    shutil.rmtree(building / "data")
    timings["load"] = time.perf_counter() - t0

    state_url = f"sqlite:///{building / 'state.db'}"
    with (
        EventStore.open(events, read_only=True) as store,
        StateStore.open(state_url) as state,
    ):
        by_kind = store.con.execute(
            "SELECT kind, market, count(*) FROM partners GROUP BY ALL ORDER BY ALL"
        ).fetchall()
        ids = [
            r[0] for r in store.con.execute("SELECT partner_id FROM partners ORDER BY 1").fetchall()
        ]
        orders = store.con.execute("SELECT count(*) FROM orders").fetchall()[0][0]
        for pid, first, last in BACKFILL:
            t0 = time.perf_counter()
            log(f"world: running {pid} {first} – {last} (publish)")
            record_run(
                state,
                store.con,
                load_program(pid),
                Period.parse(first),
                Period.parse(last),
                actor="bench",
                publish=True,
            )
            timings[pid] = time.perf_counter() - t0
        # One argon2 hash for every partner user: hashing 10k passwords one by one would
        # take minutes and is not what the benchmark measures (tokens are issued per run).
        password_hash = PasswordHasher().hash(PASSWORD)
        with state.session() as session:
            Accounts(session).add(NewUser(OPERATOR, "Bench operator", "operator"), PASSWORD)
            at = now(session)
            session.execute(
                sa.insert(User),
                [
                    {
                        "login": f"bench-{pid}",
                        "name": f"User of {pid}",
                        "role": "partner",
                        "partner_id": pid,
                        "language": "en",
                        "password_hash": password_hash,
                        "active": True,
                        "created_at": at,
                    }
                    for pid in ids
                ],
            )
    with sqlite3.connect(building / "state.db") as con:
        stored = {
            "runs": con.execute("SELECT count(*) FROM runs").fetchone()[0],
            "published": con.execute("SELECT count(*) FROM publications").fetchone()[0],
            "results": con.execute("SELECT count(*) FROM run_results").fetchone()[0],
        }
    manifest = {
        "version": WORLD_VERSION,
        "partners": len(ids),
        "by_kind": [list(r) for r in by_kind],
        "orders": orders,
        "seed": seed,
        **stored,
        "seconds": {k: round(v, 1) for k, v in timings.items()},
    }
    (building / "world.json").write_text(json.dumps(manifest, indent=2))
    building.rename(folder)
    log(f"world: built in {sum(timings.values()):.0f} s")
    return World(folder, folder / "events.duckdb", folder / "state.db", manifest)


# -- the state store of one run -----------------------------------------------------------


def copy_to_postgresql(sqlite_file: Path, url: str) -> dict[str, int]:
    """Every row of the SQLite state store into the (migrated, empty) PostgreSQL one, with
    COPY; serial sequences moved past the copied ids; ANALYZE. Returns rows per table."""
    import psycopg
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    from tierwise.db.models import Base

    tables = Base.metadata.sorted_tables
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    counts: dict[str, int] = {}
    src = sqlite3.connect(sqlite_file)
    try:
        with psycopg.connect(dsn) as dst, dst.cursor() as cur:
            cur.execute("SET TimeZone = 'UTC'")  # SQLite holds UTC timestamps without a zone
            cur.execute("TRUNCATE " + ", ".join(f'"{t.name}"' for t in tables) + " CASCADE")
            for table in tables:
                names = [c.name for c in table.columns]
                flags = [isinstance(c.type, sa.Boolean) for c in table.columns]
                quoted = ", ".join(f'"{n}"' for n in names)
                n = 0
                with cur.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
                    for row in src.execute(f'SELECT {quoted} FROM "{table.name}"'):
                        copy.write_row(
                            [
                                bool(v) if flag and v is not None else v
                                for v, flag in zip(row, flags, strict=True)
                            ]
                        )
                        n += 1
                counts[table.name] = n
                for column in table.primary_key.columns:
                    if isinstance(column.type, sa.Integer) and column.autoincrement is True:
                        cur.execute(
                            f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', "
                            f"'{column.name}'), coalesce(max(\"{column.name}\"), 0) + 1, false) "
                            f'FROM "{table.name}"'
                        )
            dst.commit()
            cur.execute("ANALYZE")
            dst.commit()
    finally:
        src.close()
    return counts


def issue_tokens(state_url: str) -> tuple[dict[str, str], str]:
    """A fresh API token for every partner user (by partner id) and for the operator."""
    import sqlalchemy as sa

    from tierwise.accounts import Accounts
    from tierwise.db.engine import StateStore
    from tierwise.db.models import User

    with StateStore.open(state_url) as state, state.session() as session:
        accounts = Accounts(session)
        users = session.scalars(sa.select(User).where(User.role == "partner")).all()
        tokens = {u.partner_id: accounts.issue(u, "token")[1] for u in users if u.partner_id}
        operator = accounts.by_login(OPERATOR)
        assert operator is not None
        return tokens, accounts.issue(operator, "token")[1]


@contextmanager
def state_store(kind: str, world: World, scratch: Path, pg_url: str) -> Iterator[str]:
    """The URL of a state store holding the world's runs and users, thrown away after."""
    if kind == "sqlite":
        target = scratch / "state.db"
        shutil.copyfile(world.state, target)
        yield f"sqlite:///{target}"
        return
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    from tierwise.db.engine import StateStore

    name = f"tierwise_bench_api_{os.getpid()}"
    admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    url = make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    try:
        with admin.connect() as con:
            con.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
            con.execute(sa.text(f'CREATE DATABASE "{name}"'))
        StateStore.open(url).close()  # migrate to head
        t0 = time.perf_counter()
        counts = copy_to_postgresql(world.state, url)
        log(
            f"postgresql: {name} filled in {time.perf_counter() - t0:.0f} s "
            f"({counts.get('run_results', 0):,} results, {counts.get('users', 0):,} users)"
        )
        yield url
    finally:
        with admin.connect() as con:
            con.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        log(f"postgresql: dropped {name}")


# -- servers and wrk ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Server:
    """`uvicorn` in its own process group, as `tierwise serve` runs it."""

    def __init__(
        self, app: str, workers: int, env: dict[str, str], probe: str, app_dir: Path | None = None
    ) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        command = [
            str(Path(sys.executable).parent / "uvicorn"),
            app,
            "--factory",
            *(["--app-dir", str(app_dir)] if app_dir else []),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            str(workers),
            "--http",
            "httptools",
            "--loop",
            "uvloop",
            "--log-level",
            "warning",
            "--no-access-log",
        ]
        #: Failed requests the server logged (read when it stops).
        self.failed: str | None = None
        self.log = tempfile.TemporaryFile("w+")  # noqa: SIM115 (closed by stop())
        self.proc = subprocess.Popen(
            command,
            env={**os.environ, **env},
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=self.log,
        )
        deadline = time.monotonic() + 120
        while True:
            if self.proc.poll() is not None:
                raise SystemExit(f"{app} exited with {self.proc.returncode}")
            with suppress(OSError), urllib.request.urlopen(self.base + probe, timeout=5) as r:
                if r.status == 200:
                    break
            if time.monotonic() > deadline:
                self.stop()
                raise SystemExit(f"{app} did not answer {probe} within 120 s")
            time.sleep(0.25)

    def cpu_seconds(self) -> float:
        """CPU time of the server and its worker processes so far."""
        import psutil

        try:
            root = psutil.Process(self.proc.pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return 0.0
        total = 0.0
        for p in procs:
            with suppress(psutil.NoSuchProcess):
                t = p.cpu_times()
                total += t.user + t.system
        return total

    def stop(self) -> None:
        if self.proc.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if not self.log.closed:
            self.log.seek(0)
            text = self.log.read()
            self.log.close()
            count = text.count("Exception in ASGI application")
            if count:
                kinds = [
                    ln for ln in text.splitlines() if re.match(r"^[\w.]+(Error|Exception)", ln)
                ]
                self.failed = f"{count} failed requests, e.g. {kinds[-1][:160] if kinds else '?'}"


@dataclass
class Measured:
    label: str
    auth: str
    workers: int
    state: str
    requests: int
    seconds: float
    bytes: int
    errors: dict[str, int]
    p50: float
    p95: float
    p99: float
    max: float
    #: CPU seconds during the measured run: the server's processes, wrk, PostgreSQL (every
    #: database on the machine), everything else.
    cpu: float
    wrk_cpu: float
    pg_cpu: float
    other_cpu: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.cpu / max(self.requests, 1)


def busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy so far (every core)."""
    import psutil

    t = psutil.cpu_times()
    return sum(t) - t.idle - getattr(t, "iowait", 0.0)


def postgres_seconds() -> float:
    """CPU seconds of every PostgreSQL server process on this machine so far."""
    import psutil

    total = 0.0
    for proc in psutil.process_iter(["name", "cpu_times"]):
        times = proc.info["cpu_times"]
        if proc.info["name"] in ("postgres", "postmaster") and times is not None:
            total += times.user + times.system
    return total


def wait_quiet(limit: float, seconds: float) -> None:
    """Wait (at most `seconds`) until the machine is busy less than `limit` cores."""
    import psutil

    deadline = time.monotonic() + seconds
    waited = False
    while time.monotonic() < deadline:
        busy = psutil.cpu_percent(interval=2) / 100 * (os.cpu_count() or 1)
        if busy < limit:
            break
        if not waited:
            log(f"machine busy ({busy:.2f} cores): waiting up to {seconds:.0f} s")
            waited = True


def wrk(
    server: Server, lines: Path, args: argparse.Namespace, seconds: int
) -> tuple[dict[str, int], tuple[float, float, float, float]]:
    """Run wrk over the request list `lines`: the RESULT figures and the CPU seconds of
    the server, of wrk, of PostgreSQL and of everything else on the machine meanwhile."""
    command = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{seconds}s",
        "--timeout",
        "60s",
        "-s",
        str(lines.parent / "rotate.lua"),
        server.base,
        "--",
        str(lines),
        str(args.threads),
    ]
    import resource

    def children() -> float:
        r = resource.getrusage(resource.RUSAGE_CHILDREN)
        return r.ru_utime + r.ru_stime

    cpu0, wrk0, pg0, busy0 = server.cpu_seconds(), children(), postgres_seconds(), busy_seconds()
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    cpu, wrk_cpu = server.cpu_seconds() - cpu0, children() - wrk0
    pg = postgres_seconds() - pg0
    other = max(busy_seconds() - busy0 - cpu - wrk_cpu - pg, 0.0)
    found = re.search(r"^RESULT (.*)$", out, re.M)
    if found is None:
        raise SystemExit(f"wrk gave no RESULT line:\n{out}")
    figures = {k: int(v) for k, v in (kv.split("=") for kv in found.group(1).split())}
    return figures, (cpu, wrk_cpu, pg, other)


def measure(
    server: Server,
    lines: Path,
    args: argparse.Namespace,
    label: str,
    auth: str,
    workers: int,
    state: str,
) -> Measured:
    """A warm-up run, then the measured one; measured again (up to `--retries` times) while
    other work on the machine took more than `--quiet-below` cores, keeping the quietest."""
    wrk(server, lines, args, args.warmup)
    best: Measured | None = None
    for attempt in range(1 + args.retries):
        # Requests the previous run left queued are still answered after wrk closes its
        # connections; a worker busy with them when the next run connects would leave all
        # the new connections to the idle one (uvicorn's workers share one socket).
        time.sleep(SETTLE)
        wait_quiet(args.quiet_below, args.wait_quiet)
        r, (cpu, wrk_cpu, pg, other) = wrk(server, lines, args, args.duration)
        m = Measured(
            label=label,
            auth=auth,
            workers=workers,
            state=state,
            requests=r["requests"],
            seconds=r["duration_us"] / 1e6,
            bytes=r["bytes"],
            errors={k: r[k] for k in ("status", "connect", "read", "write", "timeout") if r[k]},
            p50=r["p50"] / 1000,
            p95=r["p95"] / 1000,
            p99=r["p99"] / 1000,
            max=r["max"] / 1000,
            cpu=cpu,
            wrk_cpu=wrk_cpu,
            pg_cpu=pg,
            other_cpu=other,
        )
        errors = ", ".join(f"{k} {v}" for k, v in m.errors.items()) or "no errors"
        rest = m.other_cpu / m.seconds
        log(
            f"{state:>10} w{workers} {label} ({auth}): {m.rps:,.0f} req/s, p50 {m.p50:.1f} ms, "
            f"p99 {m.p99:.1f} ms, {errors}; other work {rest:.2f} cores"
        )
        if best is None or m.other_cpu < best.other_cpu:
            best = m
        if rest <= args.quiet_below:
            break
        if attempt < args.retries:
            log("  the machine was busy with other work: measuring again")
    assert best is not None
    return best


def write_lines(path: Path, rows: Sequence[tuple[str, str]]) -> Path:
    path.write_text("".join(f"{p}\t{a}\n" for p, a in rows))
    return path


def directory_requests(
    rng: random.Random, partners: Sequence[str], tokens: dict[str, str], n: int
) -> list[tuple[str, str]]:
    """Directory pages as people ask for them: half plain pages anywhere in the directory,
    a quarter one market's pages, a quarter one program's level (first pages mostly)."""
    from tierwise.definitions.registry import all_programs

    levels = {p.id: list(p.level_ids) for p in all_programs()}
    markets = {"CN": 0.4, "TH": 0.5, "ID": 0.1}
    share = {m: round(len(partners) * s) for m, s in markets.items()}
    rows = []
    for _ in range(n):
        pid = rng.choice(partners)
        u = rng.random()
        if u < 0.5:
            query = f"limit=50&offset={rng.randrange(0, len(partners), 50)}"
        elif u < 0.75:
            market = rng.choice(list(markets))
            query = f"market={market}&limit=50&offset={rng.randrange(0, share[market], 50)}"
        else:
            program = rng.choice(list(levels))
            level = rng.choice(levels[program])
            offset = 0 if rng.random() < 0.7 else rng.randrange(50, 500, 50)
            query = f"program={program}&level={level}&limit=50&offset={offset}"
        rows.append((f"/api/v1/partners?{query}", f"Bearer {tokens[pid]}"))
    return rows


def get_json(base: str, path: str, token: str | None = None) -> Any:
    request = urllib.request.Request(base + path)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=30) as reply:
        return json.load(reply)


def sign_in(base: str) -> str:
    """The operator's token from `POST /api/v1/tokens` (the documented way in)."""
    body = json.dumps({"login": OPERATOR, "password": PASSWORD}).encode()
    request = urllib.request.Request(
        base + "/api/v1/tokens", body, {"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=30) as reply:
        token: str = json.load(reply)["access_token"]
        return token


# -- the report ---------------------------------------------------------------------------


def machine(states: Sequence[str], pg_url: str) -> list[str]:
    import duckdb
    import fastapi
    import httptools
    import psutil
    import pydantic
    import sqlalchemy
    import starlette
    import uvicorn
    import uvloop

    cpu = "unknown CPU"
    with suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout
    lines = [
        f"{cpu}, {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB RAM, "
        f"{platform.system()} {platform.release()}",
        f"Python {platform.python_version()}, FastAPI {fastapi.__version__}, Starlette "
        f"{starlette.__version__}, uvicorn {uvicorn.__version__} (httptools "
        f"{httptools.__version__}, uvloop {uvloop.__version__}), pydantic {pydantic.VERSION}, "
        f"SQLAlchemy {sqlalchemy.__version__}, DuckDB {duckdb.__version__}",
        f"SQLite {sqlite3.sqlite_version}; {wrk_version.split(' Copyright')[0].strip()}",
    ]
    if "postgresql" in states:
        import sqlalchemy as sa

        engine = sa.create_engine(pg_url)
        with engine.connect() as con:
            lines.append(str(con.execute(sa.text("SELECT version()")).scalar()).split(" on ")[0])
        engine.dispose()
    return lines


def table(rows: Sequence[Measured], baselines: dict[int, float]) -> list[str]:
    out = [
        "| state | workers | endpoint | auth | req/s | p50 ms | p95 ms | p99 ms "
        "| cores busy: server / wrk / PostgreSQL / other | server CPU ms/req | KB/resp "
        "| cost vs baseline "
        "| targets |",
        "|---|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for m in rows:
        cost = f"{baselines[m.workers] / m.rps:.1f}×" if m.requests else "—"
        cpu_ms = f"{m.cpu_ms:.2f}" if m.requests else "—"
        if m.state == "—":
            target = "—"
        elif not m.requests:
            target = "stalled: no answer during the run"
        else:
            target = "met" if m.p99 <= 200 and m.rps >= 300 else "missed"
        if m.errors:
            target += " (errors: " + ", ".join(f"{k} {v}" for k, v in m.errors.items()) + ")"
        cores = " / ".join(
            f"{c / m.seconds:.2f}" for c in (m.cpu, m.wrk_cpu, m.pg_cpu, m.other_cpu)
        )
        out.append(
            f"| {m.state} | {m.workers} | {m.label} | {m.auth} | {m.rps:,.0f} | {m.p50:.1f} "
            f"| {m.p95:.1f} | {m.p99:.1f} | {cores} | {cpu_ms} "
            f"| {m.bytes / max(m.requests, 1) / 1024:.1f} | {cost} | {target} |"
        )
    return out


# -- main ---------------------------------------------------------------------------------


def run_tierwise(
    kind: str,
    world: World,
    scratch: Path,
    args: argparse.Namespace,
    rows: list[Measured],
    notes: list[str],
) -> None:
    with state_store(kind, world, scratch, args.pg_url) as url:
        t0 = time.perf_counter()
        tokens, operator = issue_tokens(url)
        log(f"{kind}: {len(tokens):,} partner tokens issued in {time.perf_counter() - t0:.1f} s")
        rng = random.Random(args.seed)
        partners = sorted(tokens)
        shuffled = rng.sample(partners, len(partners))
        own = write_lines(
            scratch / "dashboard-own.tsv",
            [(f"/api/v1/partners/{p}/dashboard", f"Bearer {tokens[p]}") for p in shuffled],
        )
        directory = write_lines(
            scratch / "directory.tsv", directory_requests(rng, partners, tokens, 5000)
        )
        env = {"TIERWISE_DB": str(world.events), "TIERWISE_STATE_URL": url}
        for workers in args.workers:
            server = Server("tierwise.server.entry:application", workers, env, "/api/v1/health")
            try:
                signed_in = sign_in(server.base)
                # What the requests answer, once, before timing them.
                sample = get_json(
                    server.base, f"/api/v1/partners/{shuffled[0]}/dashboard", tokens[shuffled[0]]
                )
                assert sample["cards"], "a dashboard without cards"
                page = get_json(server.base, "/api/v1/partners?limit=50", operator)
                assert page["total"] == len(partners), page["total"]
                operator_lines = write_lines(
                    scratch / "dashboard-operator.tsv",
                    [(f"/api/v1/partners/{p}/dashboard", f"Bearer {signed_in}") for p in shuffled],
                )
                for label, auth, lines in (
                    ("dashboard", "own partner user", own),
                    ("dashboard", "operator", operator_lines),
                    ("directory", "partner users", directory),
                ):
                    rows.append(measure(server, lines, args, label, auth, workers, kind))
            finally:
                server.stop()
                if server.failed:
                    notes.append(f"{kind}, {workers} worker(s): the server logged {server.failed}")
                    log(notes[-1])


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--partners", type=int, default=10_000)
    ap.add_argument("--duration", type=int, default=20, help="seconds of each measured run")
    ap.add_argument("--warmup", type=int, default=5, help="seconds of wrk before each run")
    ap.add_argument("--connections", type=int, default=50)
    ap.add_argument("--threads", type=int, default=2, help="wrk threads")
    ap.add_argument("--state", nargs="+", choices=("sqlite", "postgresql"), default=["sqlite"])
    ap.add_argument("--workers", nargs="+", type=int, default=[1, 2])
    ap.add_argument(
        "--pg-url",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
        help="a PostgreSQL server (its maintenance database) for the throwaway database",
    )
    ap.add_argument("--out", type=Path, default=BENCH / "out", help="where the world is cached")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--wait-quiet",
        type=float,
        default=0,
        metavar="SECONDS",
        help="before each measured run, wait up to this long for the machine to calm down",
    )
    ap.add_argument(
        "--quiet-below",
        type=float,
        default=0.3,
        help="cores busy with other work that still count as a quiet machine",
    )
    ap.add_argument(
        "--retries",
        type=int,
        default=0,
        help="measure again (at most this often) when other work took more than --quiet-below",
    )
    args = ap.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")

    info = machine(args.state, args.pg_url)
    world = build_world(args.out, args.partners, args.seed)
    scratch = args.out / f"api-run-{os.getpid()}"
    scratch.mkdir(parents=True)
    (scratch / "rotate.lua").write_text(LUA)
    constant = write_lines(scratch / "constant.tsv", [("/constant", "")])
    rows: list[Measured] = []
    notes: list[str] = []
    baselines: dict[int, float] = {}
    began = time.strftime("%Y-%m-%d %H:%M")
    try:
        for workers in args.workers:
            for app, label in (
                ("api:baseline_async", "baseline, async def"),
                ("api:baseline_sync", "baseline, def"),
            ):
                server = Server(app, workers, {}, "/constant", app_dir=BENCH)
                try:
                    m = measure(server, constant, args, label, "none", workers, "—")
                finally:
                    server.stop()
                rows.append(m)
                baselines.setdefault(workers, m.rps)
        for kind in args.state:
            run_tierwise(kind, world, scratch, args, rows, notes)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    w = world.manifest
    print()
    print("machine: " + "\n         ".join(info))
    print(
        f"world: {w['partners']:,} partners ("
        + ", ".join(f"{k} {m} {n:,}" for k, m, n in w["by_kind"])
        + f"), {w['orders']:,} orders; {w['runs']} runs ({w['published']} published), "
        f"{w['results']:,} stored results"
    )
    print(
        f"wrk: {args.threads} threads, {args.connections} connections, {args.duration} s "
        f"after {args.warmup} s of warm-up; cost vs baseline = baseline (async def) req/s "
        "÷ req/s, same worker count"
    )
    print()
    for line in table(rows, baselines):
        print(line)
    for note in notes:
        print(f"\nnote: {note}")
    print(f"\nstarted {began}; load average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
