"""Runs over several periods on a hand-built world: the lifecycle applied to real scores."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

import tierwise.cli.runs  # noqa: F401  (registers the command)
from tierwise.cli.app import app as main_app
from tierwise.core.periods import Period
from tierwise.definitions.registry import load_program
from tierwise.runs.history import run_history
from tierwise.testing.scenarios import buyin_three_months, export
from tierwise.testing.world import World

_world = buyin_three_months


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
    export(_world(), tmp_path)
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
            "--no-store",
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


def test_each_period_is_scored_with_the_version_in_force_then(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tierwise.definitions import registry

    builtin = (registry.builtin_dir() / "buyin-mcn.yaml").read_text(encoding="utf-8")
    assert "version: 1" in builtin and "effective: 2024-09-24" in builtin
    # Version 2, in force from 2024-09-30: V2 starts at 150 instead of 300.
    v2 = (
        builtin.replace("version: 1", "version: 2")
        .replace("effective: 2024-09-24", "effective: 2024-09-30")
        .replace("{level: V1, below: 300}", "{level: V1, below: 150}")
        .replace("{level: V2, from: 300, below: 400}", "{level: V2, from: 150, below: 400}")
    )
    (tmp_path / "buyin-v2.yaml").write_text(v2, encoding="utf-8")
    monkeypatch.setenv("TIERWISE_PROGRAMS_DIR", str(tmp_path))
    assert [p.version for p in registry.versions("buyin-mcn")] == [1, 2]
    with pytest.warns(registry.ProgramShadowWarning):
        current = load_program("buyin-mcn")
    h = run_history(
        _world().con,
        current,
        Period.parse("2024-07"),
        Period.parse("2024-09"),
        program_for=lambda p: registry.load_program_in_force("buyin-mcn", p.generation_date),
    )
    a = [next(r for r in p["results"] if r["partner_id"] == "A") for p in h.to_dict()["periods"]]
    # July and August (generated 08-01 and 09-01, before either version): the first, v1:
    # V2 then V3 as before. September (generated 10-01): v2 is in force; 160 ≥ 150 → V2,
    # straight down from V3.
    assert [(r["computed_level"], r["level"]) for r in a] == [
        ("V2", "V2"),
        ("V5", "V3"),
        ("V2", "V2"),
    ]
    assert [p.evaluation.program.version for p in h.periods] == [1, 1, 2]


#: A small program: a partner's bound creators, 100 points each, V1 < 100 ≤ V2 < 200 ≤ V3.
_STEPS = """\
id: tiny-steps
title: {en: Tiny steps, zh: 小步}
version: VERSION
effective: EFFECTIVE
subject_kind: mcn
markets: [CN]
period: {kind: month}
time_zone: Asia/Shanghai
currency: CNY
metrics:
  creators: {metric: bound_subjects}
scoring:
  method: additive_components
  groups:
    - name: size
      max: 300
      components:
        - metric: creators
          points: [[0, 0], [3, 300]]
  intervals:
    - {level: V1, below: 100}
    - {level: V2, from: 100, below: 200}
    - {level: V3, from: 200}
lifecycle: {policy: POLICY}
levels:
  - {id: V1, title: {en: V1, zh: V1}}
  - {id: V2, title: {en: V2, zh: V2}}
  - {id: V3, title: {en: V3, zh: V3}}
"""


def test_each_period_follows_the_lifecycle_policy_of_the_version_in_force_then(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tierwise.definitions import registry

    # Version 1 (from 2024-01-01) moves one level up at a time; version 2 (from
    # 2024-10-01, so first in force for September, generated on 10-01) takes the
    # computed level directly.
    for version, effective, policy in (
        (1, "2024-01-01", "one_step_up"),
        (2, "2024-10-01", "computed"),
    ):
        text = (
            _STEPS.replace("VERSION", str(version))
            .replace("EFFECTIVE", effective)
            .replace("POLICY", policy)
        )
        (tmp_path / f"tiny-steps-v{version}.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("TIERWISE_PROGRAMS_DIR", str(tmp_path))
    w = World()
    w.partner("A")
    for c in ("c1", "c2", "c3"):  # bound from August: none in July, three after
        w.creator(c)
        w.bind("A", c, started_on=date(2024, 8, 1))
    latest = registry.versions("tiny-steps")[-1]
    assert latest.version == 2
    h = run_history(
        w.con,
        latest,
        Period.parse("2024-07"),
        Period.parse("2024-09"),
        program_for=registry.programs_in_force("tiny-steps"),
    )
    a = [next(r for r in p["results"] if r["partner_id"] == "A") for p in h.to_dict()["periods"]]
    # July (v1): 0 creators → V1. August (v1, generated 09-01): 3 creators → 300 points →
    # V3 computed, one step up from V1 → V2 (the latest version's policy would give V3).
    # September (v2): computed → V3.
    assert [(r["score"], r["computed_level"], r["level"]) for r in a] == [
        (0, "V1", "V1"),
        (300, "V3", "V2"),
        (300, "V3", "V3"),
    ]
    assert [p.evaluation.program.version for p in h.periods] == [1, 1, 2]
