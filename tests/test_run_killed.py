"""kill -9 in the middle of a run leaves the old state or the new one, never a mix, and a
re-run completes. A real subprocess is really killed, at several moments."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tierwise.db.audit import AuditLog
from tierwise.db.engine import StateStore
from tierwise.runs.repository import Runs

TIERWISE = [sys.executable, "-m", "tierwise"]
MONTHS = ("2025-10", "2026-09")


@pytest.fixture(scope="module")
def events(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("killed")
    data, db = root / "data", root / "events.duckdb"
    for args in (
        ["data", "generate", "--out", str(data), "--scale", "small", "--seed", "3", "--quiet"],
        ["data", "load", str(data), "--db", str(db)],
    ):
        subprocess.run([*TIERWISE, *args], check=True, capture_output=True)
    return db


def _run(db: Path, url: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            *TIERWISE,
            "run",
            "buyin-mcn",
            "--from",
            MONTHS[0],
            "--to",
            MONTHS[1],
            "--db",
            str(db),
            "--state",
            url,
            "--format",
            "json",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "TIERWISE_STATE_URL": url},
    )


def _state(url: str) -> tuple[list[tuple[str, str, int]], bool]:
    store = StateStore.open(url)
    with store.session() as session:
        runs = Runs(session)
        stored = sorted(
            (r.id, r.result_hash, len(runs.results(r.id))) for r in runs.list("buyin-mcn")
        )
        for run_id, result_hash, _ in stored:
            assert runs.recompute_hash(run_id) == result_hash
        ok = AuditLog(session).verify().ok
    store.close()
    return stored, ok


def test_a_killed_run_leaves_old_or_new_state(events: Path, state_url: str, tmp_path: Path) -> None:
    reference = f"sqlite:///{tmp_path / 'reference.db'}"
    clean = _run(events, reference)
    _, err = clean.communicate(timeout=300)
    assert clean.returncode == 0, err
    expected, ok = _state(reference)
    assert ok and len(expected) == 12
    for delay in (0.4, 1.5, 2.4, 3.0):
        proc = _run(events, state_url)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        stored, ok = _state(state_url)
        assert ok
        # All twelve periods are stored in one transaction: nothing, or all of them.
        assert stored in ([], expected), f"a mix after kill -9 at {delay}s: {len(stored)} runs"
    again = _run(events, state_url)
    _, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    assert _state(state_url) == (expected, True)
