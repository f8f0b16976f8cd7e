"""The process's one listener of live events (`live/feed.py`): what a batch stored through
another connection reaches every subscriber with (PostgreSQL LISTEN), the in-process signal
on SQLite, a slow subscriber's full queue turned into one "read again", and which notices
wake a screen."""

from __future__ import annotations

import asyncio
import json

import anyio.to_thread

from tests.live.conftest import minute
from tierwise.db.engine import StateStore
from tierwise.live.events import events_from_json
from tierwise.live.feed import QUEUE_LIMIT, RESYNC, Feed, Subscription, told
from tierwise.live.service import ingest
from tierwise.screen.service import Watch

M1 = minute("m1", "L1", "2026-09-01T10:00:00Z", "2026-09-01T10:01:00Z")


def _store(state: StateStore) -> None:
    ingest(state, events_from_json(json.dumps([M1])))


def test_every_subscriber_hears_a_batch_stored_elsewhere(state_url: str) -> None:
    """On PostgreSQL through the feed's own LISTEN connection (the batch commits on another
    connection of the pool); on SQLite through the in-process signal."""
    with StateStore.open(state_url) as state:
        feed = Feed(state)

        async def main() -> tuple[object, object]:
            first, second = feed.subscribe(), feed.subscribe()
            assert await anyio.to_thread.run_sync(feed.ready)
            await anyio.to_thread.run_sync(_store, state)
            heard = await first.next(30), await second.next(30)
            first.close()
            second.close()
            return heard

        try:
            heard = asyncio.run(main())
        finally:
            feed.stop()
        assert heard == ((("m1", "live.minute", "L1"),),) * 2
        assert feed.subscribers == 0 and not feed.listening.is_set()


def test_a_full_queue_becomes_one_read_again() -> None:
    async def main() -> object:
        sub = Subscription(asyncio.get_running_loop())
        for i in range(QUEUE_LIMIT + 3):
            sub.put(((f"e{i}", "live.minute", "L"),), i + 1)
        return await sub.next(1)

    n = QUEUE_LIMIT
    assert asyncio.run(main()) == (
        (*RESYNC, (f"e{n + 1}", "live.minute", "L"), (f"e{n + 2}", "live.minute", "L"))
    )


def test_nothing_comes_within_the_timeout_says_so() -> None:
    async def main() -> object:
        return await Subscription(asyncio.get_running_loop()).next(0.01)

    assert asyncio.run(main()) is None


def test_which_notices_wake_a_screen() -> None:
    watch = Watch(frozenset({"L1"}), frozenset({"P1"}))
    assert watch.relevant([("e", "live.minute", "L1")])
    assert watch.relevant([("e", "stock.changed", "P1")])
    assert not watch.relevant([("e", "live.minute", "L2"), ("f", "stock.changed", "P2")])
    assert not watch.relevant([("e", "order.paid", "O1")])
    for kind in ("live.started", "live.ended", "violation.issued", "feed.resync"):
        assert watch.relevant([("e", kind, "anything")]), kind
    assert told('{"events": [["e", "live.minute", "L1"]]}') == (("e", "live.minute", "L1"),)
    assert told("not json") == ()
