"""kill -9 the server at random moments while a replay sends to it at full speed,
restarting it each time: after the sender's retries every event is stored exactly once,
and the totals of the sent log are those of the store (0 lost, 0 counted twice)."""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from tests.live.conftest import SECRET
from tierwise.db.engine import StateStore
from tierwise.live.events import LiveEvent, LiveMinute, events_from_json
from tierwise.live.folding import fold
from tierwise.live.replay import Sender, read_log
from tierwise.live.repository import LiveEvents
from tierwise.live.signing import SECRET_ENV

pytestmark = pytest.mark.slow

KILLS = 25
LIVES, MINUTES = 40, 1000
SERVE = (
    "import sys, uvicorn\n"
    "from tierwise.server.app import create_app\n"
    "from tierwise.web.context import Portal\n"
    "uvicorn.run(create_app(Portal.open(sys.argv[1], None)), host='127.0.0.1',\n"
    "            port=int(sys.argv[2]), log_level='critical')\n"
)


def _events() -> list[LiveEvent]:
    t0 = datetime(2026, 9, 1, tzinfo=UTC)
    docs = [
        {
            "id": f"L{live}/{m}",
            "kind": "live.minute",
            "at": (t0 + timedelta(minutes=m + 1)).isoformat(),
            "live_id": f"L{live}",
            "minute": (t0 + timedelta(minutes=m)).isoformat(),
            "online_viewers": m % 97,
            "views": (live * m) % 13,
            "product_clicks": 0,
            "orders": m % 2,
            "gmv": f"{(live + m) % 50}.75",
            "currency": "USD",
            "likes": 0,
            "comments": 0,
            "shares": 0,
            "new_followers": 0,
        }
        for live in range(LIVES)
        for m in range(MINUTES)
    ]
    return events_from_json(json.dumps(docs))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _start(url: str, port: int) -> subprocess.Popen[bytes]:
    return start_server(SERVE, [url, str(port)], port)


def start_server(script: str, args: list[str], port: int) -> subprocess.Popen[bytes]:
    """`python -c script *args` (a server on `port`, taking live events signed with
    `SECRET`), once it accepts connections."""
    process = subprocess.Popen(
        [sys.executable, "-c", script, *args],
        env={**os.environ, SECRET_ENV: SECRET.decode()},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                _, errors = process.communicate()
                raise RuntimeError(f"the server did not start: {errors.decode()}") from None
            time.sleep(0.05)


def test_kill_9_while_replaying_loses_nothing_and_counts_nothing_twice(
    state_url: str, tmp_path: Path
) -> None:
    events = _events()
    with StateStore.open(state_url):
        pass  # migrated before the first server starts
    port = free_port()
    log_path = tmp_path / "sent.jsonl"
    sender = Sender(f"http://127.0.0.1:{port}", SECRET, rate=1e9, batch=50, attempts=400)
    done = threading.Event()
    failure: list[BaseException] = []

    def replay() -> None:
        try:
            with log_path.open("w", encoding="utf-8") as log:
                sender.send(events, log)
        except BaseException as exc:
            failure.append(exc)
        finally:
            done.set()

    server = _start(state_url, port)
    thread = threading.Thread(target=replay)
    thread.start()
    chance = random.Random(25)
    kills = 0
    try:
        while kills < KILLS and not done.is_set():
            time.sleep(chance.uniform(0.05, 0.5))
            if done.is_set():
                break
            server.send_signal(signal.SIGKILL)
            server.communicate()
            kills += 1
            server = _start(state_url, port)
        thread.join(timeout=600)
    finally:
        server.send_signal(signal.SIGTERM)
        server.communicate(timeout=30)
    assert not failure, failure
    assert kills == KILLS, f"the replay ended after {kills} kills"

    lines = read_log(log_path)
    assert len(lines) == len({line["id"] for line in lines}) == len(events)  # each acked once
    duplicates = sum(line["answer"] == "duplicate" for line in lines)
    assert duplicates <= kills * sender.batch  # only batches a kill cut off before the answer
    sent_gmv = sum(Decimal(line["event"]["gmv"]) for line in lines)
    with StateStore.open(state_url) as store, store.reading() as session:
        repo = LiveEvents(session)
        assert repo.count() == len(events)
        stored = repo.of_subjects(f"L{live}" for live in range(LIVES))
    assert len(stored) == len(events)
    minutes = fold(stored)["live_minutes"]
    assert sum(m["gmv"] for m in minutes) == sent_gmv
    assert sent_gmv == sum(e.gmv for e in events if isinstance(e, LiveMinute))
    print(f"\n{kills} kills, {duplicates} events answered as duplicates after a retry")
