"""`tierwise events`: live events — folding finished days into the DuckDB store, and
replaying a day of canonical data to a server as signed events."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from tierwise.cli.app import app
from tierwise.cli.source import fail
from tierwise.cli.state import StateOption, open_state

events_app = typer.Typer(
    help="Live events: fold finished days into the store, replay a day to a server.",
    no_args_is_help=True,
)
app.add_typer(events_app, name="events")
console = Console()


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not a day (YYYY-MM-DD)", param_hint="--day"
        ) from None


@events_app.command("compact")
def compact_command(
    db: Annotated[Path, typer.Option("--db", help="The DuckDB store to fold events into.")],
    day: Annotated[
        list[str] | None,
        typer.Option(
            "--day",
            help="Fold this UTC day (again); repeatable. Default: every "
            "finished day with events not folded yet.",
        ),
    ] = None,
    state: StateOption = None,
) -> None:
    """Fold the live events of finished days into the store's live_minutes, live_sources,
    live_products, stock_levels, livestreams, orders and violations (docs/live-events.md).
    Folding again changes nothing."""
    from tierwise.live.compaction import compact
    from tierwise.store import EventStore, LoadRefused, StoreError

    days = [_day(d) for d in day] if day else None
    with open_state(state) as st:
        try:
            with EventStore.open(db) as store:
                report = compact(st, store.con, days=days)
        except (LoadRefused, StoreError) as exc:
            fail(str(exc))
    if report.load is None:
        console.print("nothing to fold: no finished day has new events", highlight=False)
        return
    folded = ", ".join(d.isoformat() for d in report.days)
    console.print(f"folded {report.events} event(s) of {folded} into {db}", highlight=False)
    for t in report.load.tables:
        if t.rows:
            console.print(
                f"  {t.table}: {t.inserted} new, {t.replaced} replaced, {t.unchanged} unchanged",
                highlight=False,
            )
    if report.still_due:
        again = ", ".join(d.isoformat() for d in report.still_due)
        console.print(f"  events came for {again} meanwhile: folded again next time")


@events_app.command("replay")
def replay_command(
    url: Annotated[str, typer.Option("--url", help="The server, http://HOST:PORT.")],
    day: Annotated[str, typer.Option("--day", help="The UTC day to replay (YYYY-MM-DD).")],
    secret_env: Annotated[
        str,
        typer.Option("--secret-env", help="The environment variable holding the shared secret."),
    ] = "TIERWISE_EVENTS_SECRET",
    rate: Annotated[float, typer.Option("--rate", min=0.001, help="Events a second.")] = 100.0,
    batch: Annotated[int, typer.Option("--batch", min=1, max=1000, help="Events a request.")] = 100,
    db: Annotated[
        Path | None, typer.Option("--db", help="Read the day from this DuckDB store.")
    ] = None,
    data: Annotated[
        Path | None, typer.Option("--data", help="Read the day from this data folder.")
    ] = None,
    log: Annotated[
        Path,
        typer.Option("--log", help="Append each acknowledged event here (JSON lines)."),
    ] = Path("events-sent.jsonl"),
    now: Annotated[
        bool,
        typer.Option(
            "--now",
            help="Move the day so that its last event is now (new ids): watch its lives on "
            "the live screen as they arrive.",
        ),
    ] = False,
) -> None:
    """Send a day of lives (from generated canonical data) to a server as signed live
    events at RATE events a second, retrying until each batch is answered."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from tierwise.live.replay import ReplayError, Sender, day_events, ending_now
    from tierwise.store import EventStore, LoadRefused, StoreError

    if (db is None) == (data is None):
        fail("name the day's data: --db DUCKDB or --data DIR (one of them)")
    secret = os.environ.get(secret_env, "").split(",")[0].strip()
    if not secret:
        fail(f"${secret_env} is not set: it holds the secret the server checks")
    try:
        store = EventStore.open(db, read_only=True) if db else EventStore.for_folder(data or Path())
        with store:
            events = day_events(store.con, _day(day))
    except (LoadRefused, StoreError) as exc:
        fail(str(exc))
    if not events:
        fail(f"no live events on {day} in {db or data}")
    if now:
        events = ending_now(events, datetime.now(UTC))
    err = Console(stderr=True)
    columns = (
        TextColumn("replaying {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    try:
        sender = Sender(url, secret.encode(), rate=rate, batch=batch)
        with (
            log.open("a", encoding="utf-8") as sent,
            Progress(
                *columns, console=err, transient=True, disable=not err.is_terminal
            ) as progress,
        ):
            task = progress.add_task(day, total=len(events))
            report = sender.send(events, sent, lambda n: progress.advance(task, n))
    except ReplayError as exc:
        fail(str(exc))
    console.print(
        f"{report.sent} event(s) sent to {url}: {report.stored} stored, "
        f"{report.duplicates} already there; {report.retries} retried request(s); log {log}",
        highlight=False,
    )
