"""Runs over several periods on a hand-built world: the lifecycle applied to real scores."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

import tierwise.cli.runs  # noqa: F401  (registers the command)
from tierwise.cli.app import app as main_app
from tierwise.core.periods import Period
from tierwise.definitions.registry import load_program
from tierwise.runs.history import run_history
from tierwise.testing.world import World

CREATORS = [f"c{i}" for i in range(20)]


def _daily_orders(w: World, month: Period, skip: date | None = None) -> None:
    """One small order a day by an unbound creator, so every day of the month has orders."""
    day = month.start
    while day < month.end:
        if day != skip:
            w.order(datetime(day.year, day.month, day.day, 4, tzinfo=UTC), "1", creator_id="x")
        day += timedelta(days=1)


def _world(skip: date | None = None) -> World:
    """Agency A over three months, engineered so that by hand:

    2024-07: reputation 4.0 → service 160; 20 authors ≥ L5 → 100; 12 live days → 50.
             310 → V2 (first assessment: taken directly).
    2024-08: reputation 5 → 200; authors 100; live 50; 100k settled GMV, all showcase and
             good goods, every author selling → GMV 50 + orders 20/1000×40 = 0.8 + growth
             80 + 60 + 60 = 200. 600.8 → 601 → V5, but up one level only: V3.
    2024-09: reputation 4.0 → 160; authors level 0 → 0; no lives, no orders → 160 → V1:
             straight down to V1.
    """
    w = World()
    w.partner("A", joined_on=date(2024, 1, 1))
    w.seller("S0")
    w.creator("x")
    for c in CREATORS:
        w.creator(c)
        w.bind("A", c)
        w.fact(c, "reputation", "4.0", date(2024, 7, 1))
        w.fact(c, "reputation", "5", date(2024, 8, 1))
        w.fact(c, "reputation", "4.0", date(2024, 9, 1))
        w.fact(c, "author_level", 6, date(2024, 8, 2))
        w.fact(c, "author_level", 6, date(2024, 9, 2))
        w.fact(c, "author_level", 0, date(2024, 10, 2))
        for month in (7, 8):
            for d in range(1, 13):
                w.live(c, datetime(2024, month, d, 12, tzinfo=UTC), None)
        w.order(
            datetime(2024, 8, 10, 4, tzinfo=UTC),
            "5000",
            creator_id=c,
            channel="showcase",
            good_goods=True,
        )
    for m in ("2024-07", "2024-08", "2024-09"):
        _daily_orders(w, Period.parse(m), skip)
    return w


def test_buyin_levels_move_one_step_up_and_straight_down() -> None:
    w = _world()
    h = run_history(
        w.con, load_program("buyin-mcn"), Period.parse("2024-07"), Period.parse("2024-09")
    )
    got = [
        (p["period"], r["score"], r["computed_level"], r["level"], r["previous_level"])
        for p in h.to_dict()["periods"]
        for r in p["results"]
        if r["partner_id"] == "A"
    ]
    assert got == [
        ("2024-07", 310, "V2", "V2", None),
        ("2024-08", 601, "V5", "V3", "V2"),
        ("2024-09", 160, "V1", "V1", "V3"),
    ]
    assert all(p["gate"]["ok"] for p in h.to_dict()["periods"])


def test_no_partner_is_demoted_from_incomplete_data() -> None:
    # 2024-09-15 has no order at all: the gate fails, and A keeps V3 instead of V1.
    w = _world(skip=date(2024, 9, 15))
    h = run_history(
        w.con, load_program("buyin-mcn"), Period.parse("2024-07"), Period.parse("2024-09")
    )
    sept = h.to_dict()["periods"][2]
    assert not sept["gate"]["ok"]
    assert any("orders: 1 of 30 days" in p for p in sept["gate"]["problems"])
    a = next(r for r in sept["results"] if r["partner_id"] == "A")
    assert (a["computed_level"], a["level"]) == ("V1", "V3")


def test_tsp_awards_are_valid_the_following_quarter() -> None:
    w = World()
    w.partner("T1", kind="tsp", market="TH")
    w.fx("THB", "0.03")
    for i in range(15):
        s = w.seller(f"s{i}", market="TH")
        w.bind("T1", s, "fulfillment")
    # No orders at all: every rate is 0 (no seller has a base) → 2 each; 15 sellers → 2;
    # GMV per seller 0 → 0; no violations → 2. Points 20+15+15+10+10+10 = 80 → Premier.
    h = run_history(
        w.con, load_program("tts-th-tsp-shop"), Period.parse("2024Q1"), Period.parse("2024Q1")
    )
    assert [a.to_dict() for a in h.awards] == [
        {
            "partner_id": "T1",
            "award": "Premier",
            "for_period": "2024Q1",
            "valid_from": "2024-04-01",
            "valid_to": "2024-06-30",
        }
    ]


def test_run_command_prints_the_contract_document(tmp_path: Path) -> None:
    w = _world()
    for table in ("partners", "sellers", "creators", "bindings", "orders", "livestreams", "facts"):
        w.con.execute(f"COPY {table} TO '{tmp_path / table}.parquet' (FORMAT parquet)")
    runner = CliRunner()
    result = runner.invoke(
        main_app,
        [
            "run",
            "buyin-mcn",
            "--from",
            "2024-07",
            "--to",
            "2024-09",
            "--data",
            str(tmp_path),
            "--format",
            "json",
        ],
        env={"TIERWISE_CACHE_DIR": str(tmp_path / "cache")},
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["program"] == "buyin-mcn"
    assert [p["period"] for p in doc["periods"]] == ["2024-07", "2024-08", "2024-09"]
    a = next(r for r in doc["periods"][1]["results"] if r["partner_id"] == "A")
    assert {k: a[k] for k in ("status", "score", "computed_level", "level", "previous_level")} == {
        "status": "assessed",
        "score": 601,
        "computed_level": "V5",
        "level": "V3",
        "previous_level": "V2",
    }
    assert doc["awards"] == []
    bad = runner.invoke(
        main_app,
        ["run", "buyin-mcn", "--from", "2024Q1", "--to", "2024Q2", "--data", str(tmp_path)],
    )
    assert bad.exit_code == 2
