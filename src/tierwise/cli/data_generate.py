"""`tierwise data generate`: write a synthetic platform in the canonical data contract."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from tierwise.cli.app import data_app
from tierwise.core.periods import Period, PeriodError
from tierwise.synth import GenerationReport, generate


class ScaleName(StrEnum):
    tiny = "tiny"
    small = "small"
    medium = "medium"
    large = "large"


class DataFormat(StrEnum):
    parquet = "parquet"
    csv = "csv"
    jsonl = "jsonl"


def _size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"


def _summary(report: GenerationReport) -> Table:
    table = Table(
        title=f"{report.out}: scale {report.scale}, seed {report.seed}, "
        f"{report.format}, end month {report.end_month}"
    )
    table.add_column("table")
    table.add_column("rows", justify="right")
    table.add_column("files", justify="right")
    table.add_column("size", justify="right")
    for name, t in report.tables.items():
        table.add_row(name, f"{t.rows:,}", str(len(t.paths)), _size(t.bytes))
    return table


@data_app.command("generate")
def generate_command(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the tables into.")],
    scale: Annotated[
        ScaleName,
        typer.Option(
            help="tiny (tests), small (the demo), medium (~5M orders), large (~50M orders)."
        ),
    ] = ScaleName.small,
    seed: Annotated[int, typer.Option(help="Same seed, scale and format: same bytes.")] = 7,
    fmt: Annotated[DataFormat, typer.Option("--format", help="File format.")] = DataFormat.parquet,
    end_month: Annotated[
        str, typer.Option(help="Last complete month of data (YYYY-MM).")
    ] = "2026-09",
    partitioned: Annotated[
        bool | None,
        typer.Option(
            "--partitioned/--single-file",
            help="Write orders, livestreams and videos as <table>/part-NNNNN.parquet folders "
            "(default: only for the large scale; Parquet only).",
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option(help="No progress bar and no summary.")] = False,
) -> None:
    """Write every contract table of a synthetic platform into OUT.

    Twelve months of orders, livestreams and videos ending with --end-month, two years of
    partner history, and in the small scale and above planted partners that reach every
    level of every built-in program in the latest complete month and quarter. Earlier
    output of the same tables in OUT is replaced.
    """
    try:
        period = Period.parse(end_month)
    except PeriodError as exc:
        raise typer.BadParameter(str(exc), param_hint="--end-month") from None
    if period.kind != "month":
        raise typer.BadParameter(
            f"{end_month!r} is not a month like 2026-09", param_hint="--end-month"
        )
    if partitioned and fmt is not DataFormat.parquet:
        raise typer.BadParameter("partitioned output is Parquet only", param_hint="--partitioned")
    err = Console(stderr=True)
    columns = (
        TextColumn("{task.description:<40}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(
        *columns, console=err, transient=True, disable=quiet or not err.is_terminal
    ) as progress:
        task = progress.add_task("generating", total=None)

        def advance(description: str, done: int, total: int) -> None:
            progress.update(task, description=description, completed=done, total=total)

        report = generate(out, scale.value, seed, fmt.value, str(period), partitioned, advance)
    if quiet:
        return
    console = Console()
    console.print(_summary(report))
    orders = report.tables["orders"].rows
    total = sum(t.bytes for t in report.tables.values())
    console.print(f"{orders:,} orders, {_size(total)} in {report.seconds:.1f} s", highlight=False)
    if report.planted:
        planted = Table(title="Planted archetypes (latest complete month and quarter)")
        planted.add_column("partner")
        planted.add_column("planted to reach")
        for partner_id, target in report.planted:
            planted.add_row(partner_id, target)
        console.print(planted)
