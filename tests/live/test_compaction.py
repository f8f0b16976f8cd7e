"""Compaction: a day's lives loaded from canonical files and the same day sent as events
and folded give identical rows; folding again changes nothing; a late event makes its day
due again and replaces exactly the row it is about."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

from tests.live.canonical import DAY
from tierwise.db.engine import StateStore
from tierwise.live.compaction import compact
from tierwise.live.events import LiveEvent
from tierwise.live.folding import KEYS, TABLES
from tierwise.live.replay import day_events
from tierwise.live.repository import LiveEvents
from tierwise.live.service import ingest
from tierwise.store import EventStore


def rows(store: EventStore, table: str) -> list[tuple[object, ...]]:
    order = ", ".join(f'"{k}"' for k in KEYS[table])
    return store.con.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()


def _sent_as_the_platform_would(events: list[LiveEvent]) -> list[list[LiveEvent]]:
    """Out of order, some twice, in three batches."""
    shuffled = list(events) + events[::3]
    random.Random(12).shuffle(shuffled)
    third = len(shuffled) // 3
    return [shuffled[:third], shuffled[third : 2 * third], shuffled[2 * third :]]


def test_a_day_folded_from_events_reads_as_the_day_loaded_from_files(
    store: StateStore, from_files: EventStore, tmp_path: Path
) -> None:
    events = day_events(from_files.con, DAY)
    # two lives: started, minutes, products, ended; two orders, one refund; 3 stock counts,
    # one violation
    assert len(events) == 2 + 4 + 2 + 2 + 2 + 1 + 3 + 1
    for batch in _sent_as_the_platform_would(events):
        ingest(store, batch)
    with EventStore.open(tmp_path / "events.duckdb") as from_events:
        report = compact(store, from_events.con, before=date(2026, 9, 2))
        assert report.days == (DAY,)
        assert report.still_due == ()
        for table in TABLES:
            assert rows(from_events, table) == rows(from_files, table), table
        assert len(rows(from_events, "live_minutes")) == 4

        assert compact(store, from_events.con, before=date(2026, 9, 2)).load is None
        again = compact(store, from_events.con, days=[DAY])
        assert again.load is not None
        assert all(t.inserted == t.replaced == 0 for t in again.load.tables)
        assert sum(t.unchanged for t in again.load.tables) == 2 + 2 + 4 + 2 + 3 + 2 + 1


def test_a_late_recount_makes_its_day_due_and_replaces_that_minute_only(
    store: StateStore, from_files: EventStore, tmp_path: Path
) -> None:
    events = day_events(from_files.con, DAY)
    ingest(store, events)
    with EventStore.open(tmp_path / "events.duckdb") as from_events:
        compact(store, from_events.con, before=date(2026, 9, 2))
        (recount,) = [e for e in events if e.id == "live.minute/L1/2026-09-01T10:01:00Z"]
        late = recount.model_copy(
            update={"id": "recount", "at": recount.at.replace(hour=11), "views": 21}
        )
        stale = recount.model_copy(
            update={"id": "stale", "at": recount.at.replace(second=1), "views": 99}
        )
        ingest(store, [late, stale])
        report = compact(store, from_events.con, before=date(2026, 9, 2))
        assert report.days == (DAY,)
        assert report.load is not None
        minutes = report.load.counts("live_minutes")
        assert (minutes.inserted, minutes.replaced, minutes.unchanged) == (0, 1, 3)
        assert report.load.counts("orders").replaced == 0
        views = from_events.con.execute(
            "SELECT views FROM live_minutes WHERE live_id = 'L1' ORDER BY minute"
        ).fetchall()
        assert views == [(20,), (21,), (10,)]


def test_a_batch_stored_while_its_day_is_folded_leaves_the_day_due(
    store: StateStore, from_files: EventStore
) -> None:
    """Compaction deletes exactly the marks it read: a batch committed between its read
    and its deletion keeps its own mark."""
    first, second = day_events(from_files.con, DAY)[:5], day_events(from_files.con, DAY)[5:]
    ingest(store, first)
    with store.reading() as session:
        read = LiveEvents(session).marks(before=date(2026, 9, 2))
    assert list(read) == [DAY]
    ingest(store, second)  # while the day is being folded
    with store.session() as session:
        LiveEvents(session).clear_marks(i for ids in read.values() for i in ids)
    with store.reading() as session:
        left = LiveEvents(session).marks()
    assert list(left) == [DAY] and len(left[DAY]) == 1
