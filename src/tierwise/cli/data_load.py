"""`tierwise data load` and `tierwise data info`: fill the event store and look inside it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table

from tierwise.cli.app import data_app
from tierwise.cli.state import StateOption
from tierwise.db.engine import DEFAULT_URL, URL_ENV, StateStore
from tierwise.db.errors import StateError
from tierwise.store import EventStore, LoadRefused, StoreError, default_db_path
from tierwise.store.issues import DEFAULT_LIMIT, IssueList

DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="The DuckDB store file (default $TIERWISE_DB or ./tierwise.duckdb)."),
]


class _TableBars:
    """A Rich progress bar per table, advanced as the loader finishes each step."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, TaskID] = {}

    def begin(self, table: str, steps: int) -> None:
        self.tasks[table] = self.progress.add_task(table, total=steps)

    def step(self, table: str) -> None:
        self.progress.advance(self.tasks[table])


def _print_issues(console: Console, issues: IssueList) -> None:
    for line in issues.lines():
        style = "red" if issues.level == "error" else "yellow"
        console.print(line, style=style, highlight=False, markup=False, soft_wrap=True)


@data_app.command("load")
def load(
    folder: Annotated[Path, typer.Argument(help="A folder in the canonical data contract.")],
    db: DbOption = None,
    limit: Annotated[
        int, typer.Option(min=1, help="How many problems to list before 'and N more'.")
    ] = DEFAULT_LIMIT,
    state: StateOption = None,
) -> None:
    """Validate FOLDER and upsert it into the store by key, all or nothing.

    Prints rows inserted, replaced and unchanged per table. A bad file refuses the whole
    load (exit 1) with every problem as `file:row: column: what is wrong (value)`.

    Then, with a state store (--state, $TIERWISE_STATE_URL, or ./tierwise-state.db when
    it exists), checks the binding quotas (集星): a warning for each agency holding more
    counted creators than its level in force allows, and a notice queued to it.
    """
    out = Console()
    err = Console(stderr=True)
    if not folder.is_dir():
        err.print(f"error: {folder}: not a folder", style="red", highlight=False, soft_wrap=True)
        raise typer.Exit(1)
    path = db or default_db_path()
    try:
        store = EventStore.open(path)
    except StoreError as exc:
        err.print(f"error: {exc}", style="red", highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(1) from None
    columns = (TextColumn("{task.description:<14}"), BarColumn(), MofNCompleteColumn())
    try:
        with Progress(
            *columns, console=err, transient=True, disable=not err.is_terminal
        ) as progress:
            report = store.load(folder, progress=_TableBars(progress), limit=limit)
    except LoadRefused as exc:
        report = exc.report
        _print_issues(err, report.warnings)
        err.print(
            f"{folder}: load refused, nothing stored",
            style="bold red",
            highlight=False,
            soft_wrap=True,
        )
        _print_issues(err, report.errors)
        raise typer.Exit(1) from None
    finally:
        store.close()
    _print_issues(err, report.warnings)
    table = Table(title=f"Loaded {folder} into {path}")
    table.add_column("table")
    table.add_column("files")
    for name in ("inserted", "replaced", "unchanged"):
        table.add_column(name, justify="right")
    for counts in report.tables:
        files = ", ".join(counts.files) if counts.files else "-"
        table.add_row(
            counts.table,
            files,
            f"{counts.inserted:,}",
            f"{counts.replaced:,}",
            f"{counts.unchanged:,}",
        )
    out.print(table)
    _check_quotas(path, state, err)


def _check_quotas(db: Path, state: str | None, err: Console) -> None:
    """Warn of agencies beyond their binding quota after a load (nothing is refused: the
    data say what the platform did) and queue a notice to each."""
    default = Path(DEFAULT_URL.removeprefix("sqlite:///"))
    if state is None and os.environ.get(URL_ENV) is None and not default.exists():
        return  # no lifecycle kept here: no level is in force
    from tierwise.definitions.registry import all_programs
    from tierwise.quota import check_quota, queue_quota_notices, quota_day

    programs = [p for p in all_programs() if p.binding_quota is not None]
    if not programs:
        return
    try:
        store = StateStore.open(state)
    except StateError as exc:  # the load stands; only the check cannot be made
        err.print(
            f"warning: binding quotas not checked: {exc}",
            style="yellow",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
        return
    with store, EventStore.open(db, read_only=True) as events:
        on = quota_day(events.con)
        if on is None:
            return
        with store.session() as session:
            for program in programs:
                counted = program.binding_quota.counted_by if program.binding_quota else ""
                breaches = check_quota(events.con, session, program, on)
                for b in breaches:
                    q = b.standing
                    err.print(
                        f"warning: {program.id}: {b.partner_id} holds {q.held} creators "
                        f"counted against the binding quota on {on} ({counted}); its level "
                        f"{q.level or 'none'} allows {q.limit}: {', '.join(b.beyond)} bound "
                        "beyond it",
                        style="yellow",
                        highlight=False,
                        markup=False,
                        soft_wrap=True,
                    )
                queued = queue_quota_notices(session, events.con, program, breaches)
                if queued:
                    err.print(
                        f"{program.id}: {queued} binding-quota notices queued",
                        highlight=False,
                        markup=False,
                        soft_wrap=True,
                    )


@data_app.command("info")
def info(db: DbOption = None) -> None:
    """Tables, row counts and date ranges of the store; partners by kind and market."""
    out = Console()
    path = db or default_db_path()
    try:
        store = EventStore.open(path, read_only=True)
    except StoreError as exc:
        Console(stderr=True).print(
            f"error: {exc}", style="red", highlight=False, markup=False, soft_wrap=True
        )
        raise typer.Exit(1) from None
    with store:
        summary = store.summary()
    tables = Table(title=f"Store {path}")
    tables.add_column("table")
    tables.add_column("rows", justify="right")
    tables.add_column("date column")
    tables.add_column("from")
    tables.add_column("to")
    for t in summary.tables:
        tables.add_row(
            t.table,
            f"{t.rows:,}",
            t.date_column or "-",
            "-" if t.first is None else str(t.first),
            "-" if t.last is None else str(t.last),
        )
    out.print(tables)
    partners = Table(title="Partners by kind and market")
    partners.add_column("kind")
    partners.add_column("market")
    partners.add_column("partners", justify="right")
    for kind, market, n in summary.partners:
        partners.add_row(kind, market, f"{n:,}")
    out.print(partners)
