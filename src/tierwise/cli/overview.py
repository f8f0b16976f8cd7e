"""`tierwise overview`: every program for its latest complete period, partners per level."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from tierwise.cli.app import app
from tierwise.cli.source import DataOption, DbOption, events, fail
from tierwise.core.errors import EvaluationError
from tierwise.core.periods import Period, PeriodError
from tierwise.definitions.registry import all_programs
from tierwise.evaluation.service import evaluate
from tierwise.store.queries import latest_complete_period


@app.command("overview")
def overview_command(
    data: DataOption = None,
    db: DbOption = None,
    month: Annotated[
        str | None,
        typer.Option("--month", help="Evaluate the period containing this month instead."),
    ] = None,
    program_file: Annotated[
        list[Path] | None, typer.Option("--program-file", help="Also this definition file.")
    ] = None,
) -> None:
    """Evaluate every program for its latest complete period; count partners per level."""
    console = Console()
    table = Table(title="Partners per level, latest complete period of each program")
    for col in ("program", "period", "partners", "levels (lowest → highest)", "statuses"):
        table.add_column(col)
    try:
        anchor = Period.parse(month) if month else None
    except PeriodError as exc:
        raise typer.BadParameter(str(exc), param_hint="--month") from exc
    with events(data, db) as con:
        for program in all_programs(extra_files=tuple(program_file or ())):
            period = (
                Period.containing(anchor.start, program.period_kind)
                if anchor
                else latest_complete_period(con, program)
            )
            if period is None:
                fail("the store has no activity to evaluate (load data first)")
            try:
                result = evaluate(con, program, period)
            except EvaluationError as exc:
                fail(f"{program.id}: {exc}")
            levels = Counter(o.level for o in result.outcomes if o.level)
            statuses = Counter(o.status for o in result.outcomes)
            table.add_row(
                program.id,
                str(period),
                str(len(result.outcomes)),
                "  ".join(f"{lv} {levels.get(lv, 0)}" for lv in program.level_ids)
                + f"  none {sum(1 for o in result.outcomes if o.level is None)}",
                "  ".join(f"{k} {v}" for k, v in sorted(statuses.items())),
            )
    console.print(table)
