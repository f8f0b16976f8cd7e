"""`tierwise users` and `tierwise serve` as a user runs them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import sqlalchemy as sa
from typer.testing import CliRunner

import tierwise.cli.serve
import tierwise.cli.users
from tests.web.conftest import _free_port
from tierwise.cli.app import app
from tierwise.testing.portal import PortalSetup

assert tierwise.cli.users and tierwise.cli.serve


def users(*args: str, state: str, password: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(
        app, ["users", *args, "--state", state], input=None if password is None else password
    )
    return result.exit_code, result.output


def test_users_add_list_passwd(tmp_path: Path) -> None:
    state = f"sqlite:///{tmp_path / 'state.db'}"
    code, out = users(
        "add", "ann", "--role", "partner", "--partner", "P1", "--password-stdin",
        state=state, password="long enough pw\n",
    )  # fmt: skip
    assert code == 0 and "added ann (partner)" in out
    code, out = users("add", "bob", "--role", "partner", "--password-stdin", state=state,
                      password="long enough pw\n")  # fmt: skip
    assert code == 1 and "a partner user needs --partner" in out
    code, out = users("add", "cy", "--role", "seller", "--seller", "S1", "--password-stdin",
                      state=state, password="short\n")  # fmt: skip
    assert code == 1 and "at least 8 characters" in out
    code, out = users("add", "ann", "--role", "operator", "--password-stdin", state=state,
                      password="long enough pw\n")  # fmt: skip
    assert code == 1 and "login 'ann' is taken" in out
    code, out = users("list", state=state)
    assert code == 0 and "ann" in out and "P1" in out and "argon2" not in out
    engine = sa.create_engine(state)
    with engine.connect() as c:
        stored = c.execute(sa.text("SELECT password_hash FROM users")).scalar_one()
    engine.dispose()
    assert stored.startswith("$argon2id$") and "long enough pw" not in stored
    code, out = users("passwd", "ann", "--password-stdin", state=state, password="another one\n")
    assert code == 0 and "sessions and tokens ended" in out


def test_demo_users_are_printed_once(fresh_portal: PortalSetup) -> None:
    args = ["users", "demo", "--db", str(fresh_portal.db), "--state", fresh_portal.state_url]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    for role in ("operator", "partner", "creator", "seller"):
        assert role in first.output
    second = CliRunner().invoke(app, args)
    assert second.exit_code == 0 and second.output.count("(exists)") == 5


def test_serve_starts_the_portal_and_the_api(fresh_portal: PortalSetup, tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "TIERWISE_CACHE_DIR": str(tmp_path / "cache")}
    server = subprocess.Popen(
        [sys.executable, "-m", "tierwise", "serve", "--port", str(port),
         "--db", str(fresh_portal.db), "--state", fresh_portal.state_url],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                health = httpx.get(f"{base}/api/v1/health")
                break
            except httpx.TransportError:
                assert server.poll() is None, server.communicate()
                assert time.monotonic() < deadline, "serve did not come up"
                time.sleep(0.2)
        assert health.json() == {"status": "ok", "partners": 3, "programs": 5}
        login = httpx.get(f"{base}/login")
        assert login.status_code == 200 and "<form" in login.text
        assert "http://" not in login.text.replace(base, "") and "https://" not in login.text
        openapi = httpx.get(f"{base}/api/v1/openapi.json").json()
        assert "/api/v1/partners/{partner_id}/dashboard" in openapi["paths"]
        assert httpx.get(f"{base}/api/v1/me").status_code == 401
    finally:
        server.send_signal(signal.SIGINT)
        server.communicate(timeout=20)


def test_serve_without_a_store_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["serve", "--db", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 1 and "no such store" in " ".join(result.output.split())


def test_a_serving_worker_builds_its_directory_then_freezes_it(
    fresh_portal: PortalSetup,
) -> None:
    """The worker factory (what uvicorn calls in each worker) builds the directory before
    the first request, hides what it built from the cyclic collector and raises the
    collector's thresholds — in a process of its own, as a worker is."""
    probe = (
        "import gc, json\n"
        "from tierwise.server.entry import application, GC_THRESHOLDS\n"
        "app = application()\n"
        "portal = app.state.portal\n"
        "print(json.dumps({'thresholds': gc.get_threshold(), 'expected': GC_THRESHOLDS,\n"
        "  'frozen': gc.get_freeze_count(), 'built': portal.directory._snapshot is not None,\n"
        "  'entries': len(portal.directory._snapshot.entries)}))\n"
    )
    env = {
        **os.environ,
        "TIERWISE_DB": str(fresh_portal.db),
        "TIERWISE_STATE_URL": fresh_portal.state_url,
    }
    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["thresholds"] == [50_000, 20, 10] == seen["expected"]
    assert seen["built"] and seen["entries"] == 3
    assert seen["frozen"] > 10_000  # the programs, catalog and routes at least
