"""The annual excellent-ISV selection from published quarterly evaluations, on both
engines of the state store; averages worked out by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from typer.testing import CliRunner

import tierwise.cli.operate  # noqa: F401  (registers the commands)
from tierwise.cli.app import app
from tierwise.db.engine import StateStore
from tierwise.definitions.model import InvitedClassPolicy, Program
from tierwise.definitions.registry import load_program
from tierwise.programs.excellence import annual_excellence
from tierwise.runs.repository import NewResult, NewRun, Runs

# partner → (class held, quarterly scores Q1..Q4; None: not scored that quarter)
YEAR: dict[str, tuple[str, list[int | None]]] = {
    "I1": ("S", [80, 90, 70, 100]),  # 85
    "I2": ("S", [90, 90, 90, 90]),  # 90
    "I3": ("S", [60, None, 60, 60]),  # 60 over three quarters
    "I4": ("S", [85, 85, 85, 85]),  # 85, ties I1: I1 first by id
    "I5": ("A", [50, 50, 50, 50]),  # 50
    "I6": ("A", [70, 70, 70, 70]),  # 70
    "I7": ("B", [None, None, None, None]),  # never scored: not selectable
    "I8": ("B", [100, 100, 100, 100]),  # 100, the best of all, but class B: no trophy (v3)
}


def publish_year(store: StateStore, program: Program) -> None:
    """The four quarters of 2025 of YEAR, each published."""
    with store.session() as session:
        runs = Runs(session)
        for q in range(4):
            results = [
                NewResult(
                    partner_id=pid,
                    status="assessed",
                    score=Decimal("0.5"),
                    computed_level=level,
                    level=level,
                    previous_level=level,
                    change="unchanged",
                    body={"evaluations": {"quarterly": {"score": scores[q]}}},
                )
                for pid, (level, scores) in YEAR.items()
            ]
            run = runs.add(
                NewRun(
                    program_id=program.id,
                    program_version=program.version,
                    definition_hash="d" * 64,
                    data_fingerprint="f",
                    period=f"2025Q{q + 1}",
                    generated_on=date(2025, 3 * q + 1, 1),
                    actor="test",
                    results=results,
                )
            )
            runs.publish(run.id, "test", "quarter closed")


def test_the_best_three_of_each_class_by_annual_average(store: StateStore) -> None:
    program = load_program("tts-sea-isv")
    publish_year(store, program)
    with store.session() as session:
        doc = annual_excellence(session, program, 2025)
    assert doc["periods"] == ["2025Q1", "2025Q2", "2025Q3", "2025Q4"]
    picks = {lv: [(p["partner_id"], p["average"]) for p in v] for lv, v in doc["excellent"].items()}
    # v3 chooses from S and A only (the seed's trophies): I8's 100 in class B is not chosen.
    assert doc["classes"] == ["S", "A"]
    assert picks == {
        "S": [("I2", 90.0), ("I1", 85.0), ("I4", 85.0)],
        "A": [("I6", 70.0), ("I5", 50.0)],
    }
    # The reasons: the quarters evaluated and their scores; I3 was not scored in Q2, so its
    # 60 is the mean of three quarters, and it is fourth in S (not chosen).
    i1 = doc["excellent"]["S"][1]
    assert i1["evaluations"] == {"2025Q1": 80.0, "2025Q2": 90.0, "2025Q3": 70.0, "2025Q4": 100.0}
    assert i1["average"] == (80 + 90 + 70 + 100) / 4 and i1["quarters"] == 4
    assert doc["evaluation"] == "quarterly"


def test_every_class_when_the_selection_names_none(store: StateStore) -> None:
    """A selection without `classes` chooses from every class (what v2 did)."""
    v3 = load_program("tts-sea-isv")
    assert isinstance(v3.lifecycle, InvitedClassPolicy)
    choice = v3.lifecycle.annual_excellence
    assert choice is not None and choice.classes == ("S", "A")
    every = v3.model_copy(
        update={
            "lifecycle": v3.lifecycle.model_copy(
                update={"annual_excellence": choice.model_copy(update={"classes": None})}
            )
        }
    )
    with store.session() as session:
        doc = annual_excellence(session, every, 2030)  # no published quarter
    assert doc["classes"] == ["S", "A", "B"]
    assert doc["periods"] == [] and all(v == [] for v in doc["excellent"].values())


def test_the_cli_prints_the_reasons(store: StateStore) -> None:
    publish_year(store, load_program("tts-sea-isv"))
    args = ["excellence", "tts-sea-isv", "--year", "2025", "--state", store.url]
    out = CliRunner().invoke(app, args)
    assert out.exit_code == 0, out.output
    lines = [line.strip() for line in out.output.splitlines()]
    assert "I1  average 85.0  (2025Q1 80, 2025Q2 90, 2025Q3 70, 2025Q4 100)" in lines
    assert "I3  average 60.0  (2025Q1 60, 2025Q3 60, 2025Q4 60)" not in lines  # fourth in S
    assert not any(line.startswith("B:") for line in lines)
