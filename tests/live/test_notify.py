"""The hook after an accepted batch commits: PostgreSQL's NOTIFY heard on a real LISTEN
connection, and the in-process signal on both engines — and nothing for a batch refused."""

from __future__ import annotations

import json
from collections.abc import Iterator

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from tests.live.conftest import minute, post
from tierwise.live.events import LiveEvent, parse_events
from tierwise.live.notify import CHANNEL, NOTICE_BYTES, SIGNAL, notices
from tierwise.live.repository import EventConflict
from tierwise.live.service import ingest
from tierwise.web.context import Portal

M1 = minute("m1", "L1", "2026-09-01T10:00:00Z", "2026-09-01T10:01:00Z")
M2 = minute("m2", "L2", "2026-09-01T10:00:00Z", "2026-09-01T10:01:00Z")


@pytest.fixture
def heard() -> Iterator[list[str]]:
    got: list[str] = []
    unsubscribe = SIGNAL.subscribe(got.append)
    try:
        yield got
    finally:
        unsubscribe()


def test_the_signal_tells_of_the_stored_events_after_commit(
    client: TestClient, heard: list[str]
) -> None:
    assert post(client, [M1, M2]).status_code == 200
    assert [json.loads(n) for n in heard] == [
        {"events": [["m1", "live.minute", "L1"], ["m2", "live.minute", "L2"]]}
    ]
    heard.clear()
    assert post(client, M1).status_code == 200  # a duplicate: nothing new to tell
    assert heard == []
    assert post(client, [M1 | {"views": 9}]).status_code == 409  # rolled back: nothing
    assert heard == []


def test_a_large_batch_is_told_in_notices_under_the_limit() -> None:
    stored = [(f"event-{i:05d}-{'x' * 40}", "live.minute", f"L{i}") for i in range(600)]
    texts = list(notices(stored))
    assert len(texts) > 1
    assert all(len(t.encode()) <= NOTICE_BYTES for t in texts)
    told = [tuple(item) for t in texts for item in json.loads(t)["events"]]
    assert told == stored


def events(*docs: dict[str, object]) -> list[LiveEvent]:
    return parse_events(json.dumps(list(docs)).encode())


def test_postgresql_notifies_every_listener_on_commit_only(
    pg_state_url: str, portal_pg: Portal
) -> None:
    url = make_url(pg_state_url).set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as listener:
        listener.execute(f"LISTEN {CHANNEL}")
        ingest(portal_pg.state, events(M1))
        with pytest.raises(EventConflict):
            ingest(portal_pg.state, events(M2, M1 | {"views": 3}))
        ingest(portal_pg.state, events(M1, M2))
        got = list(listener.notifies(timeout=10, stop_after=2))
    assert [n.channel for n in got] == [CHANNEL, CHANNEL]
    assert [json.loads(n.payload) for n in got] == [
        {"events": [["m1", "live.minute", "L1"]]},
        {"events": [["m2", "live.minute", "L2"]]},  # m1 a duplicate; the refused batch: none
    ]


def test_postgresql_tells_a_large_batch_in_notices_under_the_limit(
    pg_state_url: str, portal_pg: Portal
) -> None:
    """120 events with ids of 200 characters (non-ASCII among them: bytes, not characters,
    count): several notices, each under the limit, telling every event once in stored
    order."""
    ids = [f"{i:03d}-{'é' if i % 2 else 'x'}" + "y" * 195 for i in range(120)]
    docs = [
        minute(i, "L1", f"2026-09-01T{10 + n // 60:02d}:{n % 60:02d}:00Z", "2026-09-01T12:00:00Z")
        for n, i in enumerate(ids)
    ]
    url = make_url(pg_state_url).set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as listener:
        listener.execute(f"LISTEN {CHANNEL}")
        ingest(portal_pg.state, events(*docs))
        got = []
        for n in listener.notifies(timeout=5):
            got.append(n.payload)
    assert len(got) > 1
    assert all(len(text.encode()) < NOTICE_BYTES for text in got)
    told = [tuple(item) for text in got for item in json.loads(text)["events"]]
    assert told == [(i, "live.minute", "L1") for i in ids]


@pytest.fixture
def portal_pg(pg_state_url: str) -> Iterator[Portal]:
    opened = Portal.open(pg_state_url, None)
    try:
        yield opened
    finally:
        opened.close()
