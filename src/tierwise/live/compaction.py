"""Compaction: the live events of finished days folded into the DuckDB store, so a day's
lives read the same whether they came as files or as events.

Folded rows go in through the batch side's own loader (`store.load_folder`), as Parquet
files typed by the contract: the same checks, the same upsert by key (a new key inserted,
a changed row replaced, an identical row left alone), in one transaction — so compacting
again changes nothing, and a bad event refuses the whole compaction with the loader's
`file:row: column: what`.

A day is due when it has events compaction has not folded (`live_day_marks`: every
accepted batch marks the days it touched). All events of every live, order and violation touched on
a due day are folded (a live that crossed midnight is folded whole); stock counts are
folded by their own day. After the load commits, exactly the marks read before folding
are deleted: a batch committed meanwhile left its own, so its day is folded again next
time; a crash between the DuckDB commit and the deletion only means folding it again.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from tierwise.db.engine import StateStore
from tierwise.live.events import LiveEvent
from tierwise.live.folding import TABLES, Row, fold
from tierwise.live.repository import LiveEvents
from tierwise.store import EventStore, LoadReport, load_folder
from tierwise.store.contract import TABLE_INDEX, Column

#: Kinds folded by their own day rather than with everything about their subject.
BY_DAY = ("stock.changed",)


@dataclass(frozen=True)
class CompactionReport:
    """Which days were folded, how many events, and what the load did to each table
    (`load` None: nothing was due)."""

    days: tuple[date, ...]
    events: int
    load: LoadReport | None
    #: Days a batch reached while they were folded: still due, folded again next time.
    still_due: tuple[date, ...] = ()


def _arrow_type(column: Column) -> pa.DataType:
    if column.type == "str":
        return pa.string()
    if column.type == "int":
        return pa.int64()
    if column.type == "bool":
        return pa.bool_()
    if column.type == "date":
        return pa.date32()
    if column.type == "ts":
        return pa.timestamp("us", tz="UTC")
    places = 6 if column.type == "num" else 4
    return pa.decimal128(18, places)


def write_tables(rows: dict[str, list[Row]], folder: Path) -> None:
    """The folded rows as `<table>.parquet` files of the contract's columns and types."""
    for name in TABLES:
        if not rows.get(name):
            continue
        table = TABLE_INDEX[name]
        schema = pa.schema([pa.field(c.name, _arrow_type(c), c.nullable) for c in table.columns])
        pq.write_table(pa.Table.from_pylist(rows[name], schema=schema), folder / f"{name}.parquet")


def events_of_days(store: StateStore, days: Sequence[date]) -> list[LiveEvent]:
    """Every event compaction folds for these days."""
    with store.reading() as session:
        repo = LiveEvents(session)
        subjects = {s for kind, s in repo.subjects_of_days(days) if kind not in BY_DAY}
        about = [e for e in repo.of_subjects(subjects) if e.kind not in BY_DAY]
        return about + repo.of_days(days, BY_DAY)


def fold_into(con: duckdb.DuckDBPyConnection, events: Sequence[LiveEvent]) -> LoadReport:
    """Fold the events and load the rows into the store (one transaction)."""
    with tempfile.TemporaryDirectory(prefix="tierwise-compact-") as tmp:
        write_tables(fold(events), Path(tmp))
        return load_folder(con, Path(tmp))


def compact(
    store: StateStore,
    con: duckdb.DuckDBPyConnection,
    *,
    before: date | None = None,
    days: Sequence[date] | None = None,
) -> CompactionReport:
    """Fold the due days before `before` (default: today, UTC, by the store's clock), or
    exactly `days` (due or not), into the DuckDB store `con`."""
    with store.reading() as session:
        repo = LiveEvents(session)
        if days is None:
            marks = repo.marks(before=before or store.clock().date())
            due = sorted(marks)
        else:
            marks = repo.marks(days=days)
            due = sorted(set(days))
    if not due:
        return CompactionReport((), 0, None)
    events = events_of_days(store, due)
    report = fold_into(con, events)
    with store.session() as session:
        repo = LiveEvents(session)
        repo.clear_marks(mark for ids in marks.values() for mark in ids)
        still_due = tuple(sorted(repo.marks(days=due)))
    return CompactionReport(tuple(due), len(events), report, still_due)


def compact_finished_days(
    store: StateStore, db_path: Path, now: datetime | None = None
) -> CompactionReport:
    """What a server calls now and then: fold every due day before today into the store
    file at `db_path` (opened for writing for the moment it takes)."""
    before = (now or store.clock()).date()
    with EventStore.open(db_path) as events:
        return compact(store, events.con, before=before)
