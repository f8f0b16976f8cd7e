"""Where a command reads platform data from: an embedded store file or a folder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn

import duckdb
import typer
from rich.console import Console

DataOption = Annotated[
    Path | None,
    typer.Option("--data", help="A folder in the canonical data contract (loaded and cached)."),
]
DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="The DuckDB store (default $TIERWISE_DB or ./tierwise.duckdb)."),
]


def default_db() -> Path:
    return Path(os.environ.get("TIERWISE_DB", "tierwise.duckdb"))


def fail(message: str) -> NoReturn:
    """Bad input: a clear message on standard error, nothing on standard output, exit 1."""
    Console(stderr=True).print(f"[red]error:[/] {message}", highlight=False)
    raise typer.Exit(1)


@contextmanager
def events(data: Path | None, db: Path | None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read connection to the event store named by `--data` or `--db`."""
    from tierwise.store import EventStore, LoadRefused, StoreError

    if data is not None and db is not None:
        raise typer.BadParameter("give --data or --db, not both")
    try:
        if data is not None:
            if not data.is_dir():
                fail(f"{data}: not a folder")
            store = EventStore.for_folder(data)
        else:
            path = db or default_db()
            if not path.exists():
                fail(f"{path}: no such store (load data with `tierwise data load DIR`, or --data)")
            store = EventStore.open(path, read_only=True)
    except LoadRefused as exc:
        fail(str(exc))
    except StoreError as exc:
        fail(str(exc))
    try:
        yield store.con
    finally:
        store.close()
