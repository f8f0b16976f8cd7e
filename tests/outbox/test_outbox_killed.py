"""kill -9 a `tierwise outbox send` at random moments while it delivers a few hundred
messages to a real webhook receiver, restarting it each time: every message arrives, each
with the body it was queued with; a duplicate is only ever a redelivery of the same id
(same idempotency key, same bytes), at most one claimed batch per kill."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.outbox.conftest import SECRET, Receiver, queue, write_channels
from tierwise.db.engine import StateStore
from tierwise.db.models import OutboxDelivery, OutboxMessage
from tierwise.outbox.sender import BATCH

pytestmark = pytest.mark.slow

TIERWISE = [sys.executable, "-m", "tierwise"]
MESSAGES = 300
KILLS = 12


def _send(url: str, channels: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*TIERWISE, "outbox", "send", "--once", "--channels", str(channels), "--state", url],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "HOOK_SECRET": SECRET},
    )


def test_kill_9_while_sending_loses_nothing_and_duplicates_only_same_ids(
    state_url: str, tmp_path: Path, receiver: Receiver
) -> None:
    receiver.delay = 0.01
    channels = write_channels(
        tmp_path / "channels.yaml",
        f"webhooks:\n  crm: {{url: '{receiver.url}', secret_env: HOOK_SECRET}}\n"
        'recipients:\n  "*": {webhook: crm}\n',
    )
    with StateStore.open(state_url) as store:
        ids = queue(store, [f"P{n % 7}" for n in range(MESSAGES)])
    bodies = {i: f"Message {n} to P{n % 7}: 你好 สวัสดี" for n, i in enumerate(ids)}
    chance = random.Random(18)
    kills = 0
    for _ in range(4 * KILLS):
        if kills == KILLS:
            break
        before = len(receiver.received)
        process = _send(state_url, channels)
        while len(receiver.received) == before and process.poll() is None:
            time.sleep(0.005)
        time.sleep(chance.uniform(0, 0.25))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        _, errors = process.communicate()
        assert process.returncode in (0, -signal.SIGKILL), errors.decode()
    assert kills == KILLS, f"only {kills} kills landed while sending"
    final = _send(state_url, channels)
    _, errors = final.communicate(timeout=300)
    assert final.returncode == 0, errors.decode()

    seen: dict[int, list[bytes]] = defaultdict(list)
    for got in receiver.received:
        doc = got.doc
        assert got.headers["Idempotency-Key"] == f"tierwise-outbox-{doc['id']}"
        assert doc["body"] == bodies[doc["id"]]
        seen[doc["id"]].append(got.body)
    assert sorted(seen) == sorted(ids)  # none missing, none unknown
    assert all(len(set(copies)) == 1 for copies in seen.values())  # same bytes every time
    duplicates = sum(len(copies) - 1 for copies in seen.values())
    assert duplicates <= KILLS * BATCH
    print(f"\n{kills} kills, {len(receiver.received)} POSTs, {duplicates} same-id redeliveries")
    with StateStore.open(state_url) as store, store.session() as session:
        messages = session.execute(
            sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status)
        ).all()
        deliveries = session.execute(
            sa.select(OutboxDelivery.state, sa.func.count()).group_by(OutboxDelivery.state)
        ).all()
    assert [tuple(m) for m in messages] == [("sent", MESSAGES)]
    assert [tuple(d) for d in deliveries] == [("sent", MESSAGES)]
