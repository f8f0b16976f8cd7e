"""Streams of the same screen share one read per notice (`live.feed.SharedReads`), and
streams of different partners never share one: the world of `test_live_screen.py` (agency
A's c1 authorized, c0 not; agency B's b0 not authorized), several streams open at once
through the real application, the reads counted by the feed's own counter."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

from fastapi.testclient import TestClient

from tests.web.test_live_screen import (
    LiveWorld,
    minute,
    screens_of,
    started,
    world,  # noqa: F401  (the fixture)
)
from tierwise.live.feed import ReadStats

STREAM = "/api/v1/compass/live/stream"


def _stats(live: LiveWorld) -> ReadStats:
    stats: ReadStats = live.app.state.live_feed.reads.stats
    return ReadStats(stats.reads, stats.shared)


def _open(
    stack: ExitStack, client: TestClient, url: str, headers: dict[str, str]
) -> Iterator[dict[str, Any]]:
    reply = stack.enter_context(client.stream("GET", url, headers=headers))
    assert reply.status_code == 200
    return screens_of(reply.iter_lines())


def _viewers(screen: dict[str, Any]) -> dict[str, int | None]:
    return {
        c["creator_id"]: None if c["figures"] is None else c["figures"]["online_viewers"]
        for c in screen["creators"]
    }


def test_streams_of_one_screen_make_one_read_per_notice(world: LiveWorld) -> None:  # noqa: F811
    world.send(started("LIVE-1", "c1"), minute("LIVE-1", "02:00", online_viewers=10))
    token = world.token("agency-a")
    with TestClient(world.app) as client, ExitStack() as stack:  # one event loop, as a worker
        streams = [_open(stack, client, f"{STREAM}?creator_id=c1", token) for _ in range(4)]
        assert [_viewers(next(s)) for s in streams] == [{"c1": 10}] * 4
        before = _stats(world)
        world.send(minute("LIVE-1", "02:01", online_viewers=25))
        assert [_viewers(next(s)) for s in streams] == [{"c1": 25}] * 4
        after = _stats(world)
        assert (after.reads - before.reads, after.shared - before.shared) == (1, 3)
        world.send(minute("LIVE-1", "02:02", online_viewers=31))
        assert [_viewers(next(s)) for s in streams] == [{"c1": 31}] * 4
        last = _stats(world)
        assert (last.reads - after.reads, last.shared - after.shared) == (1, 3)


def test_two_partners_streams_never_share_a_read(world: LiveWorld) -> None:  # noqa: F811
    """A's screens (c1, and its live-now cards) and B's (b0, and its cards), two streams
    each, one batch touching both partners' lives: one read per screen shown, and each
    stream holds only its own partner's creators and numbers."""
    world.send(
        started("LIVE-1", "c1"),
        minute("LIVE-1", "02:00", online_viewers=10),
        started("LIVE-0", "c0"),
        minute("LIVE-0", "02:00", online_viewers=4321),
        started("LIVE-B", "b0"),
        minute("LIVE-B", "02:00", online_viewers=999),
    )
    a, b = world.token("agency-a"), world.token("agency-b")
    asked = [
        (f"{STREAM}?creator_id=c1", a),
        (STREAM, a),
        (f"{STREAM}?creator_id=b0", b),
        (STREAM, b),
    ]
    # what each stream must show after the batch below (c0 and b0 are not authorized)
    expected = [{"c1": 20}, {"c0": None, "c1": 20}, {"b0": None}, {"b0": None}]
    with TestClient(world.app) as client, ExitStack() as stack:
        streams = [_open(stack, client, url, h) for url, h in asked for _ in range(2)]
        for s in streams:
            next(s)
        before = _stats(world)
        world.send(
            minute("LIVE-1", "02:01", online_viewers=20),
            minute("LIVE-0", "02:01", online_viewers=4444),
            minute("LIVE-B", "02:01", online_viewers=1000),
        )
        seen = [next(s) for s in streams]
        after = _stats(world)
    assert [_viewers(s) for s in seen] == [e for e in expected for _ in range(2)]
    assert [s["partner_id"] for s in seen] == ["A"] * 4 + ["B"] * 4
    assert (after.reads - before.reads, after.shared - before.shared) == (4, 4)
