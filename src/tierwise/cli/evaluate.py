"""`tierwise evaluate` and `tierwise explain`: one period of one program, no history."""

from __future__ import annotations

import csv
import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from tierwise.cli.app import app
from tierwise.cli.source import DataOption, DbOption, events, fail
from tierwise.core.errors import DefinitionError, TierwiseError
from tierwise.core.periods import Period, PeriodError
from tierwise.definitions.registry import load_program
from tierwise.evaluation.service import Evaluation, evaluate

err = Console(stderr=True)

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
) -> Evaluation:
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
        with events(data, db) as con:
            result = evaluate(con, definition, p, day)
    except TierwiseError as exc:
        fail(str(exc))
    for warning in result.warnings:
        err.print(f"[yellow]warning:[/] {warning}")
    return result


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
) -> None:
    """Score every partner of a program for one period (no lifecycle history)."""
    if output not in ("json", "table", "csv"):
        raise typer.BadParameter("use json, table or csv", param_hint="--format")
    result = run_evaluation(program, program_file, period, data, db, as_of)
    doc = result.to_dict()
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
) -> None:
    """Every metric's value and points, the gap to the next level, the margin to keep."""
    if output not in ("json", "text"):
        raise typer.BadParameter("use text or json", param_hint="--format")
    result = run_evaluation(program, program_file, period, data, db, as_of)
    try:
        doc = result.result(partner)
    except KeyError:
        fail(f"partner {partner!r} is not in {result.program.id} for {result.period}")
    if sql:
        # One query computes every partner: the partner only has to be in it.
        sys.stdout.write(result.sql + "\n")
        return
    if output == "json":
        json.dump(doc.to_json(), sys.stdout, ensure_ascii=False, indent=2, allow_nan=False)
        sys.stdout.write("\n")
        return
    from tierwise.cli.render import render_explanation

    render_explanation(Console(), result, doc)
