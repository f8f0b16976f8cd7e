"""The SQL of every built-in program's plan, kept under `tests/snapshots/plans/`, so that a
change of a plan shows in review as a diff of its common table expressions.

A change that is meant: refresh the files, never edit them by hand, and review the diff:

    TIERWISE_REFRESH_PLANS=1 pytest tests/test_metrics_snapshots.py
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
import sqlglot

from tierwise.core.periods import Period
from tierwise.definitions.registry import builtin_dir, load_file
from tierwise.evaluation.service import requests, scope
from tierwise.metrics.plan import compile_plan

SNAPSHOTS = Path(__file__).parent / "snapshots" / "plans"
REFRESH = os.environ.get("TIERWISE_REFRESH_PLANS") == "1"
#: Every program is planned for its period containing this day.
DAY = date(2026, 9, 30)
BUILTIN = sorted(p.stem for p in builtin_dir().glob("*.yaml"))


def test_every_builtin_program_has_a_snapshot() -> None:
    assert BUILTIN
    if not REFRESH:
        assert sorted(p.stem for p in SNAPSHOTS.glob("*.sql")) == BUILTIN


@pytest.mark.parametrize("program_id", BUILTIN)
def test_the_plan_is_its_snapshot(program_id: str) -> None:
    program = load_file(builtin_dir() / f"{program_id}.yaml")
    period = Period.containing(DAY, program.period_kind)
    # Currencies not known: the plan with the conversion join, the larger of the two.
    sql = compile_plan(requests(program), scope(program, period))
    sqlglot.parse_one(sql, read="duckdb")
    text = f"-- {program_id} {period} (tests/test_metrics_snapshots.py)\n{sql}\n"
    path = SNAPSHOTS / f"{program_id}.sql"
    if REFRESH:
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no snapshot {path}: run with TIERWISE_REFRESH_PLANS=1"
    assert path.read_text(encoding="utf-8") == text, (
        f"{program_id}'s plan changed; if meant, refresh with TIERWISE_REFRESH_PLANS=1 "
        f"and review the diff"
    )
