"""Finding programs: by id or path, in user folders (env, tierwise.toml), shadowing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tierwise.definitions import (
    ProgramError,
    ProgramNotFound,
    ProgramShadowWarning,
    all_programs,
    load_program,
)
from tierwise.definitions.registry import ENV_VAR, builtin_dir, discover

FIXTURES = Path(__file__).parent / "fixtures" / "programs"


@pytest.fixture(autouse=True)
def _no_user_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests start from a clean configuration: no env folders, no tierwise.toml."""
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.chdir(tmp_path)


def _copy(src: Path, folder: Path, name: str | None = None, new_id: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    text = src.read_text(encoding="utf-8")
    if new_id is not None:
        text = text.replace(f"\nid: {_id_of(text)}\n", f"\nid: {new_id}\n", 1)
    out = folder / (name or src.name)
    out.write_text(text, encoding="utf-8")
    return out


def _id_of(text: str) -> str:
    return next(line[4:] for line in text.splitlines() if line.startswith("id: "))


def test_load_by_id_and_by_path() -> None:
    assert load_program("buyin-mcn").id == "buyin-mcn"
    assert load_program(FIXTURES / "valid_scorecard.yaml").id == "tiny-scorecard"
    assert load_program(str(FIXTURES / "valid_scorecard.yaml")).id == "tiny-scorecard"


def test_unknown_id_lists_the_known_ones() -> None:
    with pytest.raises(ProgramNotFound, match="known programs: buyin-mcn"):
        load_program("no-such-program")
    with pytest.raises(LookupError):
        load_program("missing.yaml")


def test_a_bad_program_raises_one_error_with_every_issue() -> None:
    with pytest.raises(ProgramError) as caught:
        load_program(FIXTURES / "many_problems.yaml")
    assert [(i.line, i.code) for i in caught.value.issues] == [
        (20, "TW401"),
        (25, "TW402"),
        (26, "TW301"),
        (40, "TW503"),
    ]
    assert "many_problems.yaml:26: TW301" in str(caught.value)


def test_env_folders_add_programs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    _copy(FIXTURES / "valid_scorecard.yaml", a)
    _copy(FIXTURES / "valid_additive.yaml", b)
    monkeypatch.setenv(ENV_VAR, f"{a}:{b}")
    ids = {p.id for p in all_programs()}
    assert {"tiny-scorecard", "tiny-additive", "buyin-mcn"} <= ids
    assert load_program("tiny-additive").currency == "CNY"


def test_toml_folders_add_programs(tmp_path: Path) -> None:
    _copy(FIXTURES / "valid_channels.yaml", tmp_path / "mine")
    (tmp_path / "tierwise.toml").write_text('[programs]\ndirs = ["mine"]\n', encoding="utf-8")
    assert load_program("tiny-channels").period_kind == "month"
    assert len(all_programs()) == 6


def test_bad_toml_is_reported_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "tierwise.toml").write_text("[programs]\ndirs = [\n", encoding="utf-8")
    with pytest.raises(ProgramError, match=r"tierwise\.toml"):
        all_programs()


def test_user_program_shadows_builtin_with_a_warning(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    mine = tmp_path / "mine"
    text = (builtin_dir() / "buyin-mcn.yaml").read_text(encoding="utf-8")
    mine.mkdir()
    (mine / "buyin.yaml").write_text(text.replace("version: 1\n", "version: 2\n"), "utf-8")
    monkeypatch.setenv(ENV_VAR, str(mine))
    with pytest.warns(ProgramShadowWarning, match="shadows the built-in"):
        program = load_program("buyin-mcn")
    assert program.version == 2
    with pytest.warns(ProgramShadowWarning):
        assert discover()["buyin-mcn"].builtin is False


def test_a_bad_user_program_fails_the_listing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _copy(FIXTURES / "TW402_gap.yaml", tmp_path / "mine")
    _copy(FIXTURES / "TW401_weights.yaml", tmp_path / "mine", new_id="tiny-weights")
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "mine"))
    with pytest.raises(ProgramError) as caught:
        all_programs()
    assert sorted(i.code for i in caught.value.issues) == ["TW401", "TW402"]


def test_extra_files_come_first(tmp_path: Path) -> None:
    extra = _copy(FIXTURES / "valid_ranked.yaml", tmp_path)
    assert "tiny-ranked" in {p.id for p in all_programs([extra])}
