"""The server's background sender: started with the application, delivering while it
serves, stopped cleanly with it; configured from the environment."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.outbox.conftest import SECRET, Receiver, queue, write_channels
from tierwise.outbox.channels import ChannelsError, load_channels
from tierwise.server.app import create_app
from tierwise.server.worker import OutboxWorker
from tierwise.web.context import Portal


def test_the_server_delivers_in_the_background_and_stops_cleanly(
    state_url: str, tmp_path: Path, receiver: Receiver
) -> None:
    path = write_channels(
        tmp_path / "channels.yaml",
        f"webhooks:\n  crm: {{url: '{receiver.url}', secret_env: HOOK_SECRET}}\n"
        "recipients:\n  P1: {webhook: crm}\n",
    )
    portal = Portal.open(state_url, None)
    worker = OutboxWorker(portal.state, load_channels(path, {"HOOK_SECRET": SECRET}), idle=0.05)
    with TestClient(create_app(portal, close_portal=True, outbox=worker)) as client:
        assert worker.running
        ids = queue(portal.state, ["P1", "P1", "P1"])  # queued while the server runs
        deadline = time.monotonic() + 20
        while len(receiver.received) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert client.get("/api/v1/health").status_code == 200  # serving meanwhile
    assert not worker.running
    assert sorted(r.doc["id"] for r in receiver.received) == ids


def test_the_environment_turns_the_sender_on_and_off(state_url: str, tmp_path: Path) -> None:
    from tierwise.db.engine import StateStore

    path = write_channels(
        tmp_path / "channels.yaml",
        "webhooks:\n  crm: {url: 'http://127.0.0.1:9/h', secret_env: HOOK_SECRET}\n",
    )
    with StateStore.open(state_url) as store:
        assert OutboxWorker.from_env(store, {}) is None
        env = {"TIERWISE_OUTBOX_CHANNELS": str(path), "HOOK_SECRET": SECRET}
        assert OutboxWorker.from_env(store, env) is not None
        assert OutboxWorker.from_env(store, {**env, "TIERWISE_OUTBOX_SENDER": "off"}) is None
        with pytest.raises(ChannelsError, match="HOOK_SECRET is not set"):
            OutboxWorker.from_env(store, {"TIERWISE_OUTBOX_CHANNELS": str(path)})
