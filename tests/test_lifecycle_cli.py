"""The lifecycle from the command line, on SQLite and PostgreSQL: run, publish, diff,
what-if, decisions, appeals, audit verify, outbox. Expectations are worked out by hand
in `tierwise.testing.scenarios` and here."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

import tierwise.cli.evaluate
import tierwise.cli.operate
import tierwise.cli.runs
from tierwise.cli.app import app
from tierwise.db.engine import StateStore
from tierwise.runs.repository import Runs
from tierwise.testing.scenarios import buyin_three_months, export
from tierwise.testing.world import World

assert tierwise.cli.operate and tierwise.cli.evaluate


def cli(*args: str, env: dict[str, str]) -> Any:
    result = CliRunner().invoke(app, list(args), env=env)
    return result


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"TIERWISE_CACHE_DIR": str(tmp_path / "cache")}


def run_buyin(
    data: Path, state: str, env: dict[str, str], first: str, last: str, *extra: str
) -> Any:
    return cli(
        "run",
        "buyin-mcn",
        "--from",
        first,
        "--to",
        last,
        "--data",
        str(data),
        "--state",
        state,
        "--format",
        "json",
        *extra,
        env=env,
    )


def run_json(data: Path, state: str, env: dict[str, str], *extra: str) -> dict[str, Any]:
    """July to September, which must succeed."""
    result = run_buyin(data, state, env, "2024-07", "2024-09", *extra)
    assert result.exit_code == 0, result.output
    doc: dict[str, Any] = json.loads(result.stdout)
    return doc


def run_september(data: Path, state: str, env: dict[str, str]) -> Any:
    return run_buyin(data, state, env, "2024-09", "2024-09")


def test_run_publish_diff_and_idempotence(
    tmp_path: Path, state_url: str, env: dict[str, str]
) -> None:
    data = export(buyin_three_months(), tmp_path / "data")
    first = run_json(data, state_url, env)
    ids = [p["run_id"] for p in first["periods"]]
    assert len(set(ids)) == 3
    # The same inputs give the same runs, not new ones.
    again = run_json(data, state_url, env)
    assert [p["run_id"] for p in again["periods"]] == ids
    for run_id in ids:
        published = cli(
            "publish", run_id, "--state", state_url, "--actor", "ops1", "--data", str(data), env=env
        )
        assert published.exit_code == 0, published.output
    # August (V3 held) against July (V2 held): A moves up.
    diff = cli("diff", ids[1], ids[0], "--state", state_url, "--format", "json", env=env)
    doc = json.loads(diff.stdout)
    assert doc["moves"] == [{"partner_id": "A", "before": "V2", "after": "V3", "kind": "up"}]
    assert doc["levels"]["V3"] == [0, 1]
    # Published levels feed the next run: running September alone continues from V3.
    sept = run_september(data, state_url, env)
    a = json.loads(sept.stdout)["periods"][0]["results"][0]
    assert (a["computed_level"], a["level"], a["previous_level"]) == ("V1", "V1", "V3")
    store = StateStore.open(state_url)
    with store.session() as session:
        runs = Runs(session)
        # Three published periods, and the September run from its published start: a preview.
        statuses = sorted(r.status for r in runs.list("buyin-mcn"))
        assert statuses == ["preview", "published", "published", "published"]
    store.close()
    outbox = cli("outbox", "list", "--state", state_url, "--format", "json", env=env)
    messages = json.loads(outbox.stdout)
    # A is in CN: its messages are in Chinese; July's new level, August's and September's
    # level changes.
    assert {m["language"] for m in messages} == {"zh"}
    assert [m["kind"] for m in messages if m["partner_id"] == "A"].count("level_changed") == 3
    verify = cli("audit", "verify", "--state", state_url, env=env)
    assert verify.exit_code == 0, verify.output


def test_whatif_changes_nothing_and_shows_who_moves(
    tmp_path: Path, state_url: str, env: dict[str, str]
) -> None:
    data = export(buyin_three_months(), tmp_path / "data")
    doc = run_json(data, state_url, env, "--publish")
    assert all(p["gate"]["ok"] for p in doc["periods"])
    # September: A scores 160 → V1. Lowering V2 to start at 150 (and V1 to end there) would
    # compute V2.
    result = cli(
        "whatif",
        "buyin-mcn",
        "--period",
        "2024-09",
        "--data",
        str(data),
        "--state",
        state_url,
        "--set",
        "scoring.intervals.0.below=150",
        "--set",
        "scoring.intervals.1.from=150",
        "--format",
        "json",
        env=env,
    )
    assert result.exit_code == 0, result.output
    moves = json.loads(result.stdout)["moves"]
    assert moves == [{"partner_id": "A", "before": "V1", "after": "V2", "kind": "up"}]
    bad = cli(
        "whatif",
        "buyin-mcn",
        "--period",
        "2024-09",
        "--data",
        str(data),
        "--state",
        state_url,
        "--set",
        "scoring.intervals.1.from=150",
        env=env,
    )
    assert bad.exit_code == 2  # V1 and V2 would overlap
    store = StateStore.open(state_url)
    with store.session() as session:
        assert len(Runs(session).list("buyin-mcn")) == 3
    store.close()


def test_decisions_are_checked_against_the_policy(
    tmp_path: Path, state_url: str, env: dict[str, str]
) -> None:
    data = export(buyin_three_months(), tmp_path / "data")
    run_json(data, state_url, env, "--publish")
    ok = cli(
        "decisions",
        "add",
        "override",
        "A",
        "--program",
        "buyin-mcn",
        "--level",
        "V2",
        "--mode",
        "floor",
        "--until",
        "2024-12-31",
        "--reason",
        "campaign",
        "--actor",
        "ops1",
        "--decided-on",
        "2024-10-05",
        "--state",
        state_url,
        env=env,
    )
    assert ok.exit_code == 0, ok.output
    # 百应 has no classes an operator moves: a downgrade is refused with the reason.
    refused = cli(
        "decisions",
        "add",
        "downgrade",
        "A",
        "--program",
        "buyin-mcn",
        "--level",
        "V1",
        "--reason",
        "x",
        "--state",
        state_url,
        env=env,
    )
    assert refused.exit_code == 1
    listed = json.loads(
        cli("decisions", "list", "--state", state_url, "--format", "json", env=env).stdout
    )
    assert [(d["kind"], d["partner_id"], d["level"], d["mode"]) for d in listed] == [
        ("override", "A", "V2", "floor")
    ]
    entries = json.loads(
        cli("audit", "list", "--state", state_url, "--format", "json", env=env).stdout
    )
    assert any(e["action"] == "override" for e in entries)


def _tsp_world() -> World:
    """T1 with 15 fulfillment sellers and no orders: every rate 0 → 2, 15 sellers → 2, GMV 0
    → 0, and one severe IPR violation → 0 on that item: 20+15+15+10+10+0 = 70 → Certified.
    Once the violation is revoked on appeal (before the generation date): 80 → Premier."""
    w = World()
    w.partner("T1", kind="tsp", market="TH")
    w.fx("THB", "0.03")
    for i in range(15):
        w.seller(f"s{i}", market="TH")
        w.bind("T1", f"s{i}", "fulfillment")
    w.violation("s0", datetime(2024, 3, 1, tzinfo=UTC), kind="ipr", severe=True)
    return w


def _daily_orders_q1(w: World) -> None:
    """An order every day of 2024Q1 by a seller of no TSP: the data gate passes."""
    w.seller("x", market="TH")
    for day in range(91):
        d = date.fromordinal(date(2024, 1, 1).toordinal() + day)
        w.order(
            datetime(d.year, d.month, d.day, 5, tzinfo=UTC),
            "10",
            seller_id="x",
            currency="THB",
            channel="other",
        )


def _remind(on: str, state_url: str, env: dict[str, str]) -> Any:
    result = cli(
        "outbox",
        "remind",
        "--on",
        on,
        "--program",
        "tts-th-tsp-shop",
        "--state",
        state_url,
        "--format",
        "json",
        env=env,
    )
    return json.loads(result.stdout)


def _run_tsp(data: Path, state_url: str, env: dict[str, str], *extra: str) -> Any:
    """T1 registers for 2024Q1 (only registered TSPs are awarded; again is a no-op), then
    the quarter runs."""
    registered = cli(
        "tsp",
        "register",
        "T1",
        "--program",
        "tts-th-tsp-shop",
        "--period",
        "2024Q1",
        "--on",
        "2024-01-05",
        "--state",
        state_url,
        env=env,
    )
    assert registered.exit_code == 0, registered.output
    return cli(
        "run",
        "tts-th-tsp-shop",
        "--from",
        "2024Q1",
        "--to",
        "2024Q1",
        "--data",
        str(data),
        "--state",
        state_url,
        "--format",
        "json",
        *extra,
        env=env,
    )


def test_appeals_restate_the_score_and_the_award_stands(
    tmp_path: Path, state_url: str, env: dict[str, str]
) -> None:
    w = _tsp_world()
    data = export(w, tmp_path / "data")
    run = _run_tsp(data, state_url, env)
    run_id = json.loads(run.stdout)["periods"][0]["run_id"]
    # The data gate fails (no orders at all), so the run cannot be published...
    refused = cli("publish", run_id, "--state", state_url, env=env)
    assert refused.exit_code == 1
    assert "orders" in refused.output
    # ...a test of appeals needs a published run: publish one with complete data.
    _daily_orders_q1(w)
    data = export(w, tmp_path / "data2")
    run = _run_tsp(data, state_url, env, "--publish")
    doc = json.loads(run.stdout)
    assert doc["periods"][0]["gate"]["ok"], doc["periods"][0]["gate"]
    assert doc["periods"][0]["results"][0]["score"] == 70.0
    assert [a["award"] for a in doc["awards"]] == ["Certified"]
    # The violation is revoked on appeal on 2024-03-20, before the generation date.
    w.con.execute("UPDATE violations SET revoked_at = TIMESTAMPTZ '2024-03-20 00:00:00+07'")
    data = export(w, tmp_path / "data3")
    applied = cli(
        "appeals",
        "apply",
        "tts-th-tsp-shop",
        "--data",
        str(data),
        "--state",
        state_url,
        "--format",
        "json",
        env=env,
    )
    assert applied.exit_code == 0, applied.output
    [restated] = json.loads(applied.stdout)
    assert restated["changes"] == [
        {"partner_id": "T1", "score": [70.0, 80.0], "computed_level": ["Certified", "Premier"]}
    ]
    store = StateStore.open(state_url)
    with store.session() as session:
        runs = Runs(session)
        # The published run is unchanged; the award granted stands (it is final).
        published = runs.published_run("tts-th-tsp-shop", "2024Q1")
        assert published is not None and published.kind == "run"
        assert [a.award for a in runs.awards(published.id)] == ["Certified"]
        assert len(runs.restatements("tts-th-tsp-shop")) == 1
    store.close()


def test_audit_verify_names_the_first_tampered_entry(
    tmp_path: Path, state_url: str, env: dict[str, str]
) -> None:
    data = export(buyin_three_months(), tmp_path / "data")
    run_json(data, state_url, env, "--publish")
    store = StateStore.open(state_url)
    postgres = store.engine.dialect.name == "postgresql"
    try:
        with store.engine.begin() as conn:
            if postgres:
                conn.execute(sa.text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
            else:
                names = (
                    conn.execute(
                        sa.text(
                            "SELECT name FROM sqlite_master "
                            "WHERE type = 'trigger' AND tbl_name = 'audit_log'"
                        )
                    )
                    .scalars()
                    .all()
                )
                for name in names:
                    conn.execute(sa.text(f'DROP TRIGGER "{name}"'))
            conn.execute(sa.text("UPDATE audit_log SET reason = 'nothing to see' WHERE seq = 2"))
        result = cli("audit", "verify", "--state", state_url, "--format", "json", env=env)
        assert result.exit_code == 1
    finally:
        if postgres:  # the PostgreSQL database outlives this test: put the guard back
            with store.engine.begin() as conn:
                conn.execute(sa.text("ALTER TABLE audit_log ENABLE TRIGGER USER"))
        store.close()
    report = json.loads(result.stdout)
    assert report["first_bad"] == 2


def test_the_same_run_on_sqlite_and_postgresql_has_the_same_result_hash(
    tmp_path: Path, pg_state_url: str, env: dict[str, str]
) -> None:
    data = export(buyin_three_months(), tmp_path / "data")
    sqlite_url = f"sqlite:///{tmp_path / 'state.db'}"
    hashes = []
    for url in (sqlite_url, pg_state_url):
        doc = run_json(data, url, env)
        store = StateStore.open(url)
        with store.session() as session:
            runs = Runs(session)
            hashes.append([runs.get(p["run_id"]).result_hash for p in doc["periods"]])
        store.close()
    assert hashes[0] == hashes[1]


def test_award_expiry_reminders_are_queued_once(
    tmp_path: Path, state_url: str, env: dict[str, str]
) -> None:
    w = _tsp_world()
    _daily_orders_q1(w)
    run = _run_tsp(export(w, tmp_path / "data"), state_url, env, "--publish")
    assert run.exit_code == 0, run.output
    # The Q1 award is valid 2024-04-01 to 2024-06-30: from 06-17 it ends within 14 days.
    assert _remind("2024-06-15", state_url, env) == []
    [queued] = _remind("2024-06-17", state_url, env)
    assert (queued["partner_id"], queued["kind"]) == ("T1", "award_expiring")
    assert _remind("2024-06-18", state_url, env) == []  # queued once
    messages = json.loads(
        cli(
            "outbox", "list", "--state", state_url, "--partner", "T1", "--format", "json", env=env
        ).stdout
    )
    assert {m["language"] for m in messages} == {"th"}


def test_tsp_registration_and_sanctions_from_the_cli(
    tmp_path: Path, state_url: str, env: dict[str, str]
) -> None:
    """T1 registers and is awarded Certified for 2024Q1; an operator forfeits it and
    excludes T1 from 2024Q2: both listed, with their reasons; a second forfeit is refused."""
    w = _tsp_world()
    _daily_orders_q1(w)
    run = _run_tsp(export(w, tmp_path / "data"), state_url, env, "--publish")
    assert [a["award"] for a in json.loads(run.stdout)["awards"]] == ["Certified"]
    common = ("--program", "tts-th-tsp-shop", "--state", state_url)
    forfeit = ("tsp", "forfeit", "T1", "--period", "2024Q1", "--reason", "false declaration")
    done = cli(*forfeit, "--on", "2024-04-10", *common, env=env)
    assert done.exit_code == 0, done.output
    assert "forfeits its award of tts-th-tsp-shop 2024Q1" in done.output
    again = cli(*forfeit, "--on", "2024-04-11", *common, env=env)
    assert again.exit_code == 1 and "recorded already" in again.output
    excluded = cli(
        "tsp",
        "exclude",
        "T1",
        "--from",
        "2024Q2",
        "--reason",
        "no binding",
        "--on",
        "2024-04-20",
        *common,
        env=env,
    )
    assert excluded.exit_code == 0, excluded.output
    listed = json.loads(cli("tsp", "list", *common, "--format", "json", env=env).stdout)
    assert [(r["partner_id"], r["period"]) for r in listed["registrations"]] == [("T1", "2024Q1")]
    assert [(s["kind"], s["period"], s["reason"]) for s in listed["sanctions"]] == [
        ("forfeit", "2024Q1", "false declaration"),
        ("exclude", "2024Q2", "no binding"),
    ]
    refused = cli(
        "tsp", "register", "T1", "--period", "2024Q2", "--on", "2024-05-01", *common, env=env
    )
    assert refused.exit_code == 1 and "excluded" in refused.output


def test_runs_over_overlapping_ranges_and_appeals_twice(
    tmp_path: Path, state_url: str, env: dict[str, str]
) -> None:
    data = export(buyin_three_months(), tmp_path / "data")
    run_json(data, state_url, env, "--publish")
    # September alone starts from the published August standings: other inputs, a new
    # run, not a clash with the stored one.
    sept = run_september(data, state_url, env)
    assert sept.exit_code == 0, sept.output
    # Nothing changed in the data: appeals find nothing to restate, however often asked.
    for _ in range(2):
        applied = cli(
            "appeals",
            "apply",
            "buyin-mcn",
            "--data",
            str(data),
            "--state",
            state_url,
            "--format",
            "json",
            env=env,
        )
        assert applied.exit_code == 0, applied.output
        assert json.loads(applied.stdout) == []
    bad = cli(
        "decisions",
        "add",
        "bogus",
        "A",
        "--program",
        "buyin-mcn",
        "--reason",
        "x",
        "--state",
        state_url,
        env=env,
    )
    assert bad.exit_code == 2
    wrong_kind = cli("evaluate", "buyin-mcn", "--period", "2024Q3", "--data", str(data), env=env)
    assert wrong_kind.exit_code == 2
