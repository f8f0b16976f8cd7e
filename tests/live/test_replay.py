"""`tierwise events replay` against a real server (uvicorn on a loopback port): every
event of the day stored once, the sent log's totals equal to what the server holds, a
second replay answered as duplicates, a server down at first reached by retrying, and a
server refusing the signature stopping the replay with its answer."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.live.canonical import DAY, write_day
from tests.live.conftest import SECRET
from tests.web.conftest import LiveServer
from tierwise.cli.app import app
from tierwise.live.folding import fold
from tierwise.live.replay import ReplayError, Sender, day_events, read_log
from tierwise.live.repository import LiveEvents
from tierwise.live.service import ingest
from tierwise.server.app import create_app
from tierwise.store import EventStore
from tierwise.web.context import Portal

#: The day's events (tests/live/canonical.py): 2 lives × (start, end), 4 minutes,
#: 2 products, 2 orders and 1 refund, 3 stock counts, 1 violation.
EVENTS = 17
#: How far before `now` a day moved by `ending_now` may end: less than two minutes.
MINUTE_AND_A_BIT = timedelta(minutes=2)


@pytest.fixture
def day_store(from_files: EventStore) -> Path:
    """The day's DuckDB file, closed (the replay opens it read-only)."""
    path = from_files.path
    assert path is not None
    from_files.close()
    return path


@pytest.fixture
def server(portal: Portal) -> Iterator[LiveServer]:
    with LiveServer(create_app(portal)) as live:
        yield live


def replay(server: LiveServer, db: Path, log: Path, *more: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        app,
        [
            "events",
            "replay",
            "--url",
            server.url,
            "--secret-env",
            "REPLAY_SECRET",
            "--rate",
            "1000",
            "--batch",
            "4",
            "--db",
            str(db),
            "--day",
            DAY.isoformat(),
            "--log",
            str(log),
            *more,
        ],
        env={"REPLAY_SECRET": SECRET.decode()},
    )
    return result.exit_code, result.output


def test_a_replayed_day_is_stored_once_and_its_log_adds_up(
    server: LiveServer, portal: Portal, day_store: Path, tmp_path: Path
) -> None:
    log = tmp_path / "sent.jsonl"
    code, output = replay(server, day_store, log)
    assert code == 0, output
    assert f"{EVENTS} event(s) sent" in output
    lines = read_log(log)
    assert len(lines) == len({line["id"] for line in lines}) == EVENTS
    assert {line["answer"] for line in lines} == {"stored"}
    sent_gmv = sum(Decimal(line["event"]["gmv"]) for line in lines if line["kind"] == "live.minute")
    assert sent_gmv == Decimal("19.90") + Decimal("30.5")  # the day's minutes, by hand
    with portal.state.reading() as session:
        repo = LiveEvents(session)
        assert repo.count() == EVENTS
        minutes = fold(repo.of_subjects(["L1", "L2"]))["live_minutes"]
    assert sum(m["gmv"] for m in minutes) == sent_gmv

    code, output = replay(server, day_store, log)  # at-least-once: the same day again
    assert code == 0, output
    assert f"0 stored, {EVENTS} already there" in output
    with portal.state.reading() as session:
        assert LiveEvents(session).count() == EVENTS
    assert [line["answer"] for line in read_log(log)[EVENTS:]] == ["duplicate"] * EVENTS


def test_a_day_replayed_now_is_stored_under_new_ids_beside_the_day(
    server: LiveServer, portal: Portal, day_store: Path, tmp_path: Path
) -> None:
    assert replay(server, day_store, tmp_path / "day.jsonl")[0] == 0
    code, output = replay(server, day_store, tmp_path / "now.jsonl", "--now")
    assert code == 0, output
    assert f"{EVENTS} event(s) sent" in output and f"{EVENTS} stored" in output
    moved = read_log(tmp_path / "now.jsonl")
    tag = moved[0]["id"].rpartition("~")[2]
    assert len(tag) == 12 and all(line["id"].endswith("~" + tag) for line in moved)
    with portal.state.reading() as session:
        assert LiveEvents(session).count() == 2 * EVENTS


def test_a_server_down_at_first_is_reached_by_retrying(
    portal: Portal, from_files: EventStore
) -> None:
    events = day_events(from_files.con, DAY)
    live = LiveServer(create_app(portal))  # its port chosen, nothing listening yet
    pauses: list[float] = []

    def start_on_first_pause(seconds: float) -> None:
        if not pauses:
            live.__enter__()
        pauses.append(seconds)

    sender = Sender(live.url, SECRET, rate=10_000, batch=10, sleep=start_on_first_pause)
    log = io.StringIO()
    try:
        report = sender.send(events, log)
    finally:
        live.__exit__()
    assert report.retries >= 1
    assert (report.sent, report.stored, report.duplicates) == (EVENTS, EVENTS, 0)
    assert len(log.getvalue().splitlines()) == EVENTS
    with portal.state.reading() as session:
        assert LiveEvents(session).count() == EVENTS


def test_a_refused_signature_stops_the_replay_with_the_servers_answer(
    server: LiveServer, portal: Portal, from_files: EventStore
) -> None:
    sender = Sender(server.url, b"not the secret", rate=10_000)
    with pytest.raises(ReplayError, match="HTTP 401"):
        sender.send(day_events(from_files.con, DAY), io.StringIO())
    with portal.state.reading() as session:
        assert LiveEvents(session).count() == 0


def test_a_day_is_replayed_from_a_data_folder_too(
    server: LiveServer, portal: Portal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIERWISE_CACHE_DIR", str(tmp_path / "cache"))
    folder = write_day(tmp_path / "canonical")
    log = str(tmp_path / "sent.jsonl")
    command = [
        "events",
        "replay",
        "--url",
        server.url,
        "--data",
        str(folder),
        "--day",
        "2026-09-01",
    ]
    result = CliRunner().invoke(
        app, [*command, "--log", log], env={"TIERWISE_EVENTS_SECRET": SECRET.decode()}
    )
    assert result.exit_code == 0, result.output
    with portal.state.reading() as session:
        assert LiveEvents(session).count() == EVENTS


@pytest.mark.parametrize(
    ("arguments", "env", "message"),
    [
        (["--day", "2026-09-01"], {"S": "x"}, "--db DUCKDB or --data DIR"),
        (["--day", "2026-09-01", "--db", "x.duckdb", "--secret-env", "S"], {}, "$S is not set"),
        (["--day", "1 Sept", "--db", "x.duckdb", "--secret-env", "S"], {"S": "x"}, "YYYY-MM-DD"),
    ],
    ids=["no-data", "no-secret", "bad-day"],
)
def test_the_replay_refuses_what_it_cannot_send(
    arguments: list[str], env: dict[str, str], message: str, day_store: Path
) -> None:
    command = ["events", "replay", "--url", "http://127.0.0.1:9", *arguments]
    command = [str(day_store) if a == "x.duckdb" else a for a in command]
    result = CliRunner().invoke(app, command, env={"S": "", **env})
    assert result.exit_code != 0
    assert message in " ".join(result.output.split())


def test_compact_folds_the_finished_days_once(
    portal: Portal, from_files: EventStore, tmp_path: Path, state_url: str
) -> None:
    ingest(portal.state, day_events(from_files.con, DAY))
    target = tmp_path / "compacted.duckdb"
    command = ["events", "compact", "--db", str(target), "--state", state_url]
    first = CliRunner().invoke(app, command)
    assert first.exit_code == 0, first.output
    assert f"folded {EVENTS} event(s) of 2026-09-01" in first.output
    assert "live_minutes: 4 new, 0 replaced, 0 unchanged" in first.output
    again = CliRunner().invoke(app, command)
    assert again.exit_code == 0, again.output
    assert "nothing to fold" in again.output


def test_a_day_moved_to_end_now_keeps_its_shape_under_new_ids(from_files: EventStore) -> None:
    from datetime import UTC, datetime

    from tierwise.live.events import LiveMinute, OrderPaid
    from tierwise.live.replay import ending_now

    events = day_events(from_files.con, DAY)
    now = datetime(2026, 12, 6, 2, 30, 41, tzinfo=UTC)
    moved = ending_now(events, now)
    assert len(moved) == len(events) == EVENTS
    last = max(e.at for e in events)
    shift = moved[0].at - events[0].at
    # whole minutes; the last event falls in the minute of `now` (or at its start)
    assert shift.total_seconds() % 60 == 0
    assert max(e.at for e in moved) == last + shift <= now
    assert now - (last + shift) < MINUTE_AND_A_BIT
    tag = "~" + (min(e.at for e in events) + shift).strftime("%Y%m%d%H%M")
    for before, after in zip(events, moved, strict=True):
        assert after.kind == before.kind and after.id == before.id + tag
        assert after.at == before.at + shift
        if isinstance(after, LiveMinute):
            assert after.minute.second == 0 and after.live_id.endswith(tag)
        if isinstance(after, OrderPaid) and after.channel == "live":
            assert after.content_id is not None and after.content_id.endswith(tag)
    # folded, the moved day is the same day: the same rows but for the instants and ids
    assert [len(rows) for rows in fold(moved).values()] == [
        len(rows) for rows in fold(events).values()
    ]
