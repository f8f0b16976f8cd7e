"""`tierwise explain` shows the ISV's quarterly evaluation (issue 13 item 2), worked by
hand: one TH ISV with the same sellers and API calls per day in 2024Q1 and 2024Q2 (every
growth dimension 0), class S (rank 1), and its Q2 operator facts key_project 1,
new_capability 1, compliance 1, complaint_response 0.5, bug_fix 1, adaptation 1,
activity 0 → 10 + 10 + 10 + 5 + 10 + 5 + 0 = 50."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
from typer.testing import CliRunner

import tierwise.cli.evaluate  # noqa: F401  (registers the commands)
from tierwise.cli.app import app
from tierwise.testing.world import World

FACTS = {
    "key_project": 1,
    "new_capability": 1,
    "compliance": 1,
    "complaint_response": 0.5,
    "bug_fix": 1,
    "adaptation": 1,
    "activity": 0,
}


def isv_db(tmp_path: Path) -> Path:
    path = tmp_path / "isv.duckdb"
    w = World(duckdb.connect(str(path)))
    w.partner("I1", kind="isv", market="TH")
    a = w.app("I1", "I1-app", published_on=date(2023, 1, 1))
    w.subscribe(a, "s1", started_on=date(2023, 1, 1))
    for i in range(182):  # 2024-01-01 … 2024-06-30
        w.api_calls(a, date(2024, 1, 1) + timedelta(days=i), 100)
    w.violation("s1", datetime(2024, 3, 1, 10), kind="ipr")  # a seller's: no table is empty
    for name, value in FACTS.items():
        w.fact("I1", name, value, date(2024, 6, 30), subject_kind="partner")
    w.con.close()
    return path


def test_explain_prints_the_quarterly_evaluation(tmp_path: Path) -> None:
    db = str(isv_db(tmp_path))
    args = ["explain", "tts-sea-isv", "I1", "--period", "2024Q2", "--db", db]
    text = CliRunner().invoke(app, args)
    assert text.exit_code == 0, text.output
    assert "Quarterly evaluation · class S · score 50" in text.output
    assert "complaint_response" in text.output and "seller_growth" in text.output
    doc = json.loads(CliRunner().invoke(app, [*args, "--format", "json"]).output)
    quarterly = doc["evaluations"]["quarterly"]
    assert (quarterly["level"], quarterly["score"]) == ("S", 50)
    points = {t["component"]: t["points"] for t in quarterly["trace"] if t["kind"] == "dimension"}
    assert points == {
        "seller_growth": 0,
        "api_growth": 0,
        "key_project": 100,
        "new_capability": 100,
        "subscription_growth": 0,
        "compliance": 100,
        "complaint_response": 50,
        "bug_fix": 100,
        "adaptation": 100,
        "activity": 0,
    }
