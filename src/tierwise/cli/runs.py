"""`tierwise run`: many periods in order, with the program's level lifecycle."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from tierwise.cli.app import app
from tierwise.cli.evaluate import AsOfOption, ProgramArg, ProgramFileOption, _as_of, _period
from tierwise.cli.source import (
    DataOption,
    DbOption,
    EngineOption,
    LakeOption,
    SparkMasterOption,
    event_engine,
    fail,
)
from tierwise.cli.state import ActorOption, StateOption, open_state
from tierwise.core.errors import TierwiseError
from tierwise.core.periods import Period
from tierwise.definitions.model import Program
from tierwise.definitions.registry import load_program, programs_in_force
from tierwise.registrations.repository import Registrations
from tierwise.registrations.service import takes_registration
from tierwise.runs.history import History, run_history, score_history
from tierwise.runs.service import record_run, record_scores

err = Console(stderr=True)


def versions_in_force(
    program: str, program_file: Path | None
) -> Callable[[Period], Program] | None:
    """Each period is scored with the version of the program in force then, unless a
    definition file is named."""
    if program_file is not None or program.endswith((".yaml", ".yml")):
        return None
    return programs_in_force(program)


@app.command("run")
def run_command(
    program: ProgramArg,
    first: Annotated[str, typer.Option("--from", help="First period, e.g. 2024-01 or 2024Q1.")],
    last: Annotated[str, typer.Option("--to", help="Last period (inclusive).")],
    data: DataOption = None,
    db: DbOption = None,
    output: Annotated[str, typer.Option("--format", help="json or table.")] = "table",
    as_of: AsOfOption = None,
    program_file: ProgramFileOption = None,
    state: StateOption = None,
    store: Annotated[
        bool, typer.Option("--store/--no-store", help="Store each period as a preview run.")
    ] = True,
    publish: Annotated[
        bool, typer.Option("--publish", help="Publish each stored run whose data is complete.")
    ] = False,
    actor: ActorOption = "cli",
    engine: EngineOption = "duckdb",
    lake: LakeOption = None,
    spark_master: SparkMasterOption = "local[2]",
) -> None:
    """Evaluate every period from --from to --to in order and apply the level lifecycle.

    Periods of a kind the program also scores (`also_scored`, TSP months) are scored
    only — no lifecycle, no award, no notice — and stored as `scores` runs, published
    like the others for the monthly report.

    Stored runs continue from the published levels before --from; the same inputs reuse
    the stored run (on the same engine: each engine digests the data its own way). Spark
    gives the same results, so the same result hashes."""
    if output not in ("json", "table"):
        raise typer.BadParameter("use json or table", param_hint="--format")
    if publish and not store:
        raise typer.BadParameter("--publish needs the runs stored (drop --no-store)")
    p1, p2 = _period(first), _period(last)
    if p1.kind != p2.kind or p2 < p1:
        raise typer.BadParameter(f"{first} .. {last} is not a range of one period kind")
    day = _as_of(as_of)
    try:
        definition = load_program(program_file or program)
        in_force = versions_in_force(program, program_file)
        scores = p1.kind in definition.period.also_scored
        if p1.kind != definition.period_kind and not scores:
            also = "".join(f" (also scored by {k})" for k in definition.period.also_scored)
            raise typer.BadParameter(
                f"{definition.id} runs by {definition.period_kind}{also}, not {p1.kind}",
                param_hint="--from",
            )
        record = record_scores if scores else record_run
        with event_engine(engine, data, db, lake, spark_master) as con:
            if scores and not store:
                history = score_history(con, definition, p1, p2, as_of=day, program_for=in_force)
                doc = history.to_dict()
            elif store:
                with open_state(state) as st:
                    recorded = record(
                        st,
                        con,
                        definition,
                        p1,
                        p2,
                        actor=actor,
                        as_of=day,
                        publish=publish,
                        program_for=in_force,
                    )
                history, doc = recorded.history, recorded.to_dict()
            else:
                entitlement = None
                if takes_registration(definition):  # who registered is in the state store
                    with open_state(state) as st, st.session() as session:
                        entitlement = Registrations(session).entitlement(definition)
                history = run_history(
                    con,
                    definition,
                    p1,
                    p2,
                    as_of=day,
                    program_for=in_force,
                    entitlement=entitlement,
                )
                doc = history.to_dict()
    except TierwiseError as exc:
        fail(str(exc))
    if output == "json":
        json.dump(doc, sys.stdout, ensure_ascii=False, indent=2, allow_nan=False)
        sys.stdout.write("\n")
    else:
        _print(history, doc)


def _print(history: History, doc: dict[str, Any]) -> None:
    console = Console()
    periods = [p["period"] for p in doc["periods"]]
    table = Table(title=f"{history.program.id} · levels held, {periods[0]} → {periods[-1]}")
    table.add_column("partner")
    for p in doc["periods"]:
        table.add_column(p["period"] + ("" if p["gate"]["ok"] else " ⚠"))
    rows: dict[str, list[str]] = {}
    for i, p in enumerate(doc["periods"]):
        for r in p["results"]:
            cells = rows.setdefault(r["partner_id"], [""] * len(periods))
            level = r["level"] or "—"
            shown = (
                level
                if r["computed_level"] in (r["level"], None)
                else (f"{level} ({r['computed_level']})")
            )
            cells[i] = shown if r["status"] == "assessed" else f"{shown} {r['status']}"
    for pid in sorted(rows):
        table.add_row(pid, *rows[pid])
    console.print(table)
    for p in doc["periods"]:
        for problem in p["gate"]["problems"]:
            err.print(f"[yellow]{p['period']}: incomplete data:[/] {problem}")
    for p in doc["periods"]:
        if "run_id" in p:
            console.print(f"{p['period']}: run {p['run_id']}")
    for a in doc["awards"]:
        console.print(
            f"award {a['award']} to {a['partner_id']} for {a['for_period']}: "
            f"valid {a['valid_from']} to {a['valid_to']}"
        )
