"""`tierwise programs list|check|show|rules`: the CLI contract's output and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import tierwise.cli.programs  # noqa: F401  (registers the commands)
from tierwise.cli.app import app
from tierwise.definitions import BUILTIN_IDS
from tierwise.definitions.registry import ENV_VAR, builtin_dir

FIXTURES = Path(__file__).parent / "fixtures" / "programs"
runner = CliRunner()


@pytest.fixture(autouse=True)
def _no_user_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.chdir(tmp_path)


def test_list_shows_the_five_programs_one_per_line() -> None:
    result = runner.invoke(app, ["programs", "list"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == sorted(BUILTIN_IDS)
    by_id = {line.split()[0]: line for line in lines}
    assert by_id["buyin-mcn"].split()[-1] == "month"
    assert by_id["tts-sea-isv"].split()[-1] == "quarter"
    assert "TikTok Shop SEA ISV hierarchy" in by_id["tts-sea-isv"]


def test_list_with_a_program_file() -> None:
    result = runner.invoke(
        app, ["programs", "list", "--program-file", str(FIXTURES / "valid_ranked.yaml")]
    )
    assert result.exit_code == 0
    assert "tiny-ranked" in {line.split()[0] for line in result.stdout.splitlines()}


def test_list_fails_on_a_bad_user_program(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "bad.yaml").write_text(
        (FIXTURES / "TW402_gap.yaml").read_text("utf-8"), encoding="utf-8"
    )
    monkeypatch.setenv(ENV_VAR, str(folder))
    result = runner.invoke(app, ["programs", "list"])
    assert result.exit_code == 1
    assert "bad.yaml:25: TW402" in result.stderr


@pytest.mark.parametrize("program_id", BUILTIN_IDS)
def test_check_builtin_is_valid(program_id: str) -> None:
    result = runner.invoke(app, ["programs", "check", str(builtin_dir() / f"{program_id}.yaml")])
    assert result.exit_code == 0
    assert result.stdout == ""


def test_check_reports_every_problem_as_file_line_message() -> None:
    path = str(FIXTURES / "many_problems.yaml")
    result = runner.invoke(app, ["programs", "check", path])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert [line.split(": ")[0] for line in lines] == [
        f"{path}:20",
        f"{path}:25",
        f"{path}:26",
        f"{path}:40",
    ]
    assert lines[0] == f"{path}:20: TW401 items weights sum to 90, not 100"


def test_check_warnings_alone_exit_0() -> None:
    path = str(FIXTURES / "TW205_unused.yaml")
    result = runner.invoke(app, ["programs", "check", path])
    assert result.exit_code == 0
    assert result.stdout == f"{path}:12: TW205 warning: metric 'videos' is defined but never used\n"


def test_check_several_files_fails_if_any_fails() -> None:
    good, bad = str(FIXTURES / "valid_channels.yaml"), str(FIXTURES / "TW001_indentation.yaml")
    result = runner.invoke(app, ["programs", "check", good, bad])
    assert result.exit_code == 1
    assert result.stdout.startswith(f"{bad}:27: TW001 YAML syntax error")


def test_check_a_missing_file() -> None:
    result = runner.invoke(app, ["programs", "check", "nowhere.yaml"])
    assert result.exit_code == 1
    assert result.stdout.startswith("nowhere.yaml:1: TW000 cannot read file")


def test_check_json() -> None:
    path = str(FIXTURES / "TW402_gap.yaml")
    result = runner.invoke(app, ["programs", "check", "--format", "json", path])
    assert result.exit_code == 1
    (doc,) = json.loads(result.stdout)
    assert doc["valid"] is False
    assert [(i["line"], i["code"]) for i in doc["issues"]] == [(25, "TW402")]


def test_show_and_rules() -> None:
    shown = runner.invoke(app, ["programs", "show", "tts-th-tsp-shop"])
    assert shown.exit_code == 0
    doc = json.loads(shown.stdout)
    assert doc["scoring"]["items"][2]["bands"][2] == {
        "score": 2,
        "from": None,
        "above": None,
        "below": "0.004",
        "to": None,
        "disqualifies": False,
    }
    missing = runner.invoke(app, ["programs", "show", "nope"])
    assert missing.exit_code == 1 and "unknown program" in missing.stderr
    rules = runner.invoke(app, ["programs", "rules"])
    assert rules.exit_code == 0 and "TW402  bands.coverage" in rules.stdout
