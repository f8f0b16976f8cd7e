"""Benchmark: Data Compass's creator list and data overview through the REST API under
wrk, against a bare FastAPI endpoint served the same way in the same run.

Run: `python bench/compass_api.py --db STORE --partner P [--connections 1 4]
[--workers 2] [--duration 15]` on a loaded store (`tierwise data load DIR --db STORE`).
Needs `wrk` (Debian: `apt-get install wrk`).

The portal answers as of its today (the server's clock), so the range is the 30 days
before the day after the last paid order (or before today, when that is earlier), as of
today. A throwaway SQLite state store gets one user of that
partner and an API token. For each connection count, one server —
`uvicorn tierwise.server.entry:application --factory --workers N`, as `tierwise serve`
runs it — answers, after a warm-up run of the same requests:
- `GET /api/v1/compass/creators?from=&to=` (compass.md §3: every bound creator, numbers
  over visible days, the reads written to the access log),
- `GET /api/v1/compass/overview?from=&to=` (both periods, the reads logged),
and the baseline, a bare FastAPI app with one sync `def` endpoint returning a constant (the
thread pool, like tierwise's routes), with the same workers and connections. Reported per
row: requests/s, p50/p99 latency, server CPU per request (every worker process) and the
other work on the machine meanwhile; a run where other work took more than
`--quiet-below` cores is measured again (`--retries`), keeping the quietest. Before
timing, each route is asked once and its answer checked against the same computation in
this process (the creator list's numbers, the overview's figures).
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import api  # bench/api.py: the server, wrk and the measuring loop, shared
from tierwise.compass import QueryRange
from tierwise.compass.analytics import creator_list, overview
from tierwise.store.events import EventStore

BENCH = Path(__file__).resolve().parent
LOGIN = "bench-compass-partner"


def state_with_token(scratch: Path, partner_id: str) -> tuple[str, str]:
    """A fresh SQLite state store with one user of the partner, and its API token."""
    from tierwise.accounts import Accounts, NewUser
    from tierwise.db.engine import StateStore

    url = f"sqlite:///{scratch / 'state.db'}"
    with StateStore.open(url) as state, state.session() as session:
        accounts = Accounts(session)
        user = accounts.add(NewUser(LOGIN, "Bench partner", "partner", partner_id), api.PASSWORD)
        return url, accounts.issue(user, "token")[1]


def _same(a: Any, b: Any) -> bool:
    """Equal; floats to 1e-9 (DuckDB's parallel sums of doubles vary in the last bits)."""
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9)
    return bool(a == b)


def check_answers(base: str, token: str, con: Any, partner_id: str, query: QueryRange) -> str:
    """Ask each route once and compare with the same computation in this process."""
    span = f"from={query.first}&to={query.last}"
    listed = api.get_json(base, f"/api/v1/compass/creators?{span}", token)
    mine = creator_list(con, partner_id, query).to_dict()
    if listed["creators"] != mine["creators"]:
        raise SystemExit("the API's creator list differs from tierwise's in this process")
    ov = api.get_json(base, f"/api/v1/compass/overview?{span}", token)
    ours = overview(con, partner_id, query).to_dict()
    differ = [
        f"{period}.{k}: API {ov[period].get(k)!r}, here {v!r}"
        for period in ("current", "previous_figures")
        for k, v in ours[period].items()
        if not _same(ov[period].get(k), v)
    ]
    if differ:
        raise SystemExit("the API's overview differs from tierwise's here: " + "; ".join(differ))
    authorized = sum(c["authorized"] for c in listed["creators"])
    return (
        f"{len(listed['creators'])} creators listed, {authorized} authorized; overview: "
        f"{ov['current']['authorized_creators']} authorized now, "
        f"{ov['previous_figures']['authorized_creators']} in the previous period"
    )


def table(rows: list[api.Measured], baselines: dict[int, float]) -> list[str]:
    out = [
        "| connections | endpoint | req/s | p50 ms | p99 ms | server CPU ms/req "
        "| other work (cores) | cost vs baseline | p99 ≤ 300 ms |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for m in rows:
        baseline = m.label.startswith("baseline")
        cost = f"{baselines[m.workers] / m.rps:,.0f}×" if m.requests and not baseline else "—"
        verdict = "—" if baseline else ("yes" if m.p99 <= 300 else "**no**")
        errors = f" ({', '.join(f'{k} {v}' for k, v in m.errors.items())})" if m.errors else ""
        out.append(
            f"| {m.workers} | {m.label}{errors} | {m.rps:,.1f} | {m.p50:.1f} | {m.p99:.1f} "
            f"| {m.cpu_ms:.1f} | {m.other_cpu / m.seconds:.2f} | {cost} | {verdict} |"
        )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--partner", required=True)
    ap.add_argument("--connections", nargs="+", type=int, default=[1, 4])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--duration", type=int, default=15, help="seconds of each measured run")
    ap.add_argument("--warmup", type=int, default=3, help="seconds of wrk before each run")
    ap.add_argument("--threads", type=int, default=1, help="wrk threads")
    ap.add_argument("--wait-quiet", type=float, default=60, metavar="SECONDS")
    ap.add_argument("--quiet-below", type=float, default=0.3)
    ap.add_argument("--retries", type=int, default=2)
    args = ap.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")
    db = args.db.resolve()
    today = date.today()
    with EventStore.open(db, read_only=True) as store:
        con = store.con
        latest = con.execute("SELECT max(paid_at)::DATE FROM orders").fetchone()
        end = min((latest[0] if latest and latest[0] else today) + timedelta(days=1), today)
        query = QueryRange.custom(end - timedelta(days=30), end - timedelta(days=1), today)
        partner = args.partner
        info = api.machine(["sqlite"], "")
        scratch = BENCH / "out" / f"compass-api-{os.getpid()}"
        scratch.mkdir(parents=True)
        (scratch / "rotate.lua").write_text(api.LUA)
        rows: list[api.Measured] = []
        notes: list[str] = []
        baselines: dict[int, float] = {}
        began = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        load_before = os.getloadavg()
        try:
            url, token = state_with_token(scratch, partner)
            span = f"from={query.first}&to={query.last}"
            auth = f"Bearer {token}"
            lines = {
                "creators": api.write_lines(
                    scratch / "creators.tsv", [(f"/api/v1/compass/creators?{span}", auth)]
                ),
                "overview": api.write_lines(
                    scratch / "overview.tsv", [(f"/api/v1/compass/overview?{span}", auth)]
                ),
            }
            constant = api.write_lines(scratch / "constant.tsv", [("/constant", "")])
            env = {"TIERWISE_DB": str(db), "TIERWISE_STATE_URL": url}
            answered = ""
            for connections in args.connections:
                run = argparse.Namespace(**{**vars(args), "connections": connections})
                server = api.Server("api:baseline_sync", args.workers, {}, "/constant", BENCH)
                try:
                    m = api.measure(
                        server, constant, run, "baseline, def", "none", connections, "—"
                    )
                finally:
                    server.stop()
                rows.append(m)
                baselines[connections] = m.rps
                server = api.Server(
                    "tierwise.server.entry:application", args.workers, env, "/api/v1/health"
                )
                try:
                    answered = check_answers(server.base, token, con, partner, query)
                    for label, path in lines.items():
                        rows.append(
                            api.measure(server, path, run, label, "partner", connections, "sqlite")
                        )
                finally:
                    server.stop()
                    if server.failed:
                        notes.append(
                            f"{connections} connection(s): the server logged {server.failed}"
                        )
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        orders = con.execute("SELECT count(*) FROM orders").fetchone()

    print()
    print("machine: " + "\n         ".join(info))
    print(f"store: {db} ({orders[0] if orders else 0:,} orders)")
    print(
        f"partner {partner}, {query.first}..{query.last} as of {today}: {answered} "
        "(the API's answers = tierwise in this process, checked before timing)"
    )
    print(
        f"uvicorn --workers {args.workers}; wrk: {args.threads} thread(s), {args.duration} s "
        f"after {args.warmup} s of warm-up; cost vs baseline = baseline req/s ÷ req/s, "
        "same connections"
    )
    print()
    for line in table(rows, baselines):
        print(line)
    for note in notes:
        print(f"\nnote: {note}")
    print(
        f"\nstarted {began}; load average before {load_before[0]:.2f}, "
        f"at the end {os.getloadavg()[0]:.2f} (1 min)"
    )


if __name__ == "__main__":
    main()
