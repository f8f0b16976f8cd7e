"""The process's one listener of live events (`live/feed.py`): what a batch stored through
another connection reaches every subscriber with (PostgreSQL LISTEN), the in-process signal
on SQLite, a slow subscriber's full queue turned into one "read again", and which notices
wake a screen."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path

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


def test_a_read_is_shared_only_by_callers_whose_notice_it_follows(tmp_path: Path) -> None:
    """Callers of one key share the read begun after their notice; a caller of a notice
    heard after the read began gets a new read; another key never shares; a failed read
    is not given to the next caller."""
    with StateStore.open(f"sqlite:///{tmp_path / 'state.db'}") as state:
        feed = Feed(state)
        reads = feed.reads
        runs: list[str] = []

        def reader(answer: str) -> Callable[[], Awaitable[str]]:
            async def run() -> str:
                runs.append(answer)
                await asyncio.sleep(0.01)
                if answer == "fails":
                    raise RuntimeError("the store is away")
                return answer

            return run

        async def main() -> list[object]:
            feed.heard = 1
            first = await asyncio.gather(
                reads.read("A", 1, reader("a1")),
                reads.read("A", 1, reader("unused")),
                reads.read("B", 1, reader("b1")),
            )
            again = await reads.read("A", 1, reader("unused"))  # done, and still follows 1
            feed.heard = 2  # a notice came after a1 began
            newer = await reads.read("A", 2, reader("a2"))
            feed.heard = 3
            failed = await asyncio.gather(
                reads.read("A", 3, reader("fails")), return_exceptions=True
            )
            retried = await reads.read("A", 3, reader("a3"))
            return [*first, again, newer, type(failed[0]).__name__, retried]

        assert asyncio.run(main()) == ["a1", "a1", "b1", "a1", "a2", "RuntimeError", "a3"]
        assert runs == ["a1", "b1", "a2", "fails", "a3"]
        assert (reads.stats.reads, reads.stats.shared) == (5, 2)
