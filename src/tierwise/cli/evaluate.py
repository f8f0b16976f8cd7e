"""`tierwise evaluate` and `tierwise explain`: one period of one program, no history."""

from __future__ import annotations

import csv
import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from tierwise.cli.app import app
from tierwise.cli.source import (
    DataOption,
    DbOption,
    EngineOption,
    LakeOption,
    SparkMasterOption,
    event_engine,
    fail,
)
from tierwise.core.errors import DefinitionError, TierwiseError
from tierwise.core.periods import Period, PeriodError
from tierwise.definitions.registry import load_program
from tierwise.evaluation.service import Evaluation, evaluate, scope
from tierwise.store.coverage import GateReport, check

ProgramArg = Annotated[str, typer.Argument(help="A program id, or the path of a definition file.")]
ProgramFileOption = Annotated[
    Path | None,
    typer.Option("--program-file", help="Evaluate this definition file instead of PROGRAM."),
]
AsOfOption = Annotated[
    str | None,
    typer.Option("--as-of", help="Generation date (default: the day after the period ends)."),
]


def _period(text: str) -> Period:
    try:
        return Period.parse(text)
    except PeriodError as exc:
        raise typer.BadParameter(str(exc), param_hint="--period") from exc


def _as_of(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise typer.BadParameter(
            f"{text!r} is not a date (YYYY-MM-DD)", param_hint="--as-of"
        ) from exc


def run_evaluation(
    program: str,
    program_file: Path | None,
    period: str,
    data: Path | None,
    db: Path | None,
    as_of: str | None,
    engine: str = "duckdb",
    lake: str | None = None,
    spark_master: str = "local[2]",
) -> tuple[Evaluation, GateReport]:
    """The evaluation and its data gate, both on the chosen engine. A period without one
    day of data is refused (exit 1: grading everyone on nothing would look like a result);
    a period the data covers in part is evaluated with a warning on standard error."""
    p = _period(period)
    day = _as_of(as_of)
    try:
        definition = load_program(program_file or program)
    except DefinitionError as exc:
        fail(str(exc))
    kinds = (definition.period_kind, *definition.period.also_scored)
    if p.kind not in kinds:
        raise typer.BadParameter(
            f"{definition.id} is scored by {' or '.join(kinds)}, not by {p.kind}",
            param_hint="--period",
        )
    try:
        with event_engine(engine, data, db, lake, spark_master) as source:
            result = evaluate(source, definition, p, day)
            gate = check(source, definition, scope(definition, p, day))
    except TierwiseError as exc:
        fail(str(exc))
    if gate.no_data:
        span = (
            f" (its paid orders run from {gate.data_from} to {gate.data_through})"
            if gate.data_from and gate.data_through
            else ""
        )
        fail(
            f"{definition.id} {p}: the data has nothing for this period{span} — "
            f"evaluate a period the data covers, or load the data of this one"
        )
    warnings = list(result.warnings)
    if not gate.ok:
        through = f" (the data ends on {gate.data_through})" if gate.data_through else ""
        warnings = [
            f"{p} is not complete{through}: partners are graded on part of the period, "
            f"so levels may be too low — {'; '.join(gate.problems)}",
            *warnings,
        ]
    for warning in warnings:  # click's own colours: JSON and CSV output import no rich
        typer.secho(f"warning: {warning}", fg="yellow", bold=True, err=True)
    return result, gate


@app.command("evaluate")
def evaluate_command(
    program: ProgramArg,
    period: Annotated[str, typer.Option("--period", help="2024-09, 2024Q1, 2024H1 or 2024.")],
    data: DataOption = None,
    db: DbOption = None,
    output: Annotated[
        str, typer.Option("--format", help="json, table or csv.", case_sensitive=False)
    ] = "table",
    as_of: AsOfOption = None,
    program_file: ProgramFileOption = None,
    engine: EngineOption = "duckdb",
    lake: LakeOption = None,
    spark_master: SparkMasterOption = "local[2]",
) -> None:
    """Score every partner of a program for one period (no lifecycle history)."""
    if output not in ("json", "table", "csv"):
        raise typer.BadParameter("use json, table or csv", param_hint="--format")
    result, gate = run_evaluation(
        program, program_file, period, data, db, as_of, engine, lake, spark_master
    )
    doc = result.to_dict()
    doc["complete"] = gate.ok
    if output == "json":
        json.dump(doc, sys.stdout, ensure_ascii=False, indent=2, allow_nan=False)
        sys.stdout.write("\n")
    elif output == "csv":
        _write_csv(doc)
    else:
        _print_table(result, doc)


def _write_csv(doc: dict[str, Any]) -> None:
    results = doc["results"]
    metric_names = list(results[0]["metrics"]) if results else []
    writer = csv.writer(sys.stdout)
    writer.writerow(["partner_id", "status", "score", "level", "rank", *metric_names])
    for r in results:
        writer.writerow(
            [r["partner_id"], r["status"], r["score"], r["level"], r["rank"]]
            + [r["metrics"][m] for m in metric_names]
        )


def _print_table(result: Evaluation, doc: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    program = result.program
    table = Table(title=f"{program.id} · {doc['period']} · {program.title.en}")
    for col in ("partner", "status", "score", "level", "rank", "next level", "gap"):
        table.add_column(col, justify="right" if col in ("score", "rank") else "left")
    for r in doc["results"]:
        nxt = r.get("next_level") or {}
        gap = nxt.get("gap") or {}
        table.add_row(
            r["partner_id"],
            r["status"],
            "" if r["score"] is None else f"{r['score']:g}",
            r["level"] or "—",
            "" if r["rank"] is None else str(r["rank"]),
            nxt.get("level") or "",
            _gap_text(gap),
        )
    Console().print(table)


def _gap_text(gap: dict[str, Any]) -> str:
    numbers = [f"{k} {v:g}" for k, v in gap.items() if isinstance(v, int | float) and k != "target"]
    if numbers:
        return ", ".join(numbers)
    actions = gap.get("actions") or []
    return str(actions[0]) if actions else ""


@app.command("explain")
def explain_command(
    program: ProgramArg,
    partner: Annotated[str, typer.Argument(help="The partner's id.")],
    period: Annotated[str, typer.Option("--period", help="2024-09, 2024Q1, 2024H1 or 2024.")],
    data: DataOption = None,
    db: DbOption = None,
    output: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
    as_of: AsOfOption = None,
    program_file: ProgramFileOption = None,
    sql: Annotated[
        bool,
        typer.Option(
            "--sql", help="Print the SQL of the program's plan for the period (the query run)."
        ),
    ] = False,
    engine: EngineOption = "duckdb",
    lake: LakeOption = None,
    spark_master: SparkMasterOption = "local[2]",
) -> None:
    """Every metric's value and points, the gap to the next level, the margin to keep."""
    if output not in ("json", "text"):
        raise typer.BadParameter("use text or json", param_hint="--format")
    result, gate = run_evaluation(
        program, program_file, period, data, db, as_of, engine, lake, spark_master
    )
    try:
        doc = result.result(partner)
    except KeyError:
        fail(f"partner {partner!r} is not in {result.program.id} for {result.period}")
    if sql:
        # One query computes every partner: the partner only has to be in it.
        sys.stdout.write(result.sql + "\n")
        return
    if output == "json":
        document = doc.to_json()
        document["complete"] = gate.ok
        json.dump(document, sys.stdout, ensure_ascii=False, indent=2, allow_nan=False)
        sys.stdout.write("\n")
        return
    from rich.console import Console

    from tierwise.cli.render import render_explanation

    render_explanation(Console(), result, doc)
