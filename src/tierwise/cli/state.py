"""Options and opening of the state store for the lifecycle commands."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from tierwise.cli.source import fail
from tierwise.db.engine import StateStore
from tierwise.db.errors import StateError

StateOption = Annotated[
    str | None,
    typer.Option(
        "--state",
        help="State store URL or SQLite path (default $TIERWISE_STATE_URL or ./tierwise-state.db).",
    ),
]
ActorOption = Annotated[str, typer.Option("--actor", help="Who does this (kept in the audit log).")]


@contextmanager
def open_state(url: str | None) -> Iterator[StateStore]:
    try:
        store = StateStore.open(url)
    except StateError as exc:
        fail(str(exc))
    try:
        yield store
    finally:
        store.close()
