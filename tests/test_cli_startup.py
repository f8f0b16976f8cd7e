"""Start-up: what a command imports, checked in a fresh interpreter (not timed; the times
are `bench/startup.py`'s). `tierwise --help`, `programs list` and `evaluate` must not pull
in the data frame, web, migration or generator libraries, nor hash a password; every
command the help lists still resolves and says what the command itself says."""

from __future__ import annotations

import importlib
import inspect
import json
import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest
import typer
from typer.core import TyperCommand, TyperGroup
from typer.testing import CliRunner

from tierwise.cli import _COMMAND_MODULES
from tierwise.cli.app import COMMANDS, app
from tierwise.testing.world import World

Command = TyperCommand | TyperGroup
SRC = Path(__file__).resolve().parent.parent / "src"
#: Libraries (and tierwise packages) none of the three commands uses.
NEVER = (
    "pandas",
    "numpy",
    "pyarrow",
    "alembic",
    "sqlalchemy",
    "fastapi",
    "starlette",
    "uvicorn",
    "jinja2",
    "openpyxl",
    "xlsxwriter",
    "argon2",
    "tierwise.synth",
    "tierwise.testing",
    "tierwise.server",
    "tierwise.web",
    "tierwise.db",
    "tierwise.accounts",
)

#: Runs the command in this interpreter, then writes the modules it imported to argv[1].
_PROBE = """
import json, sys
out, sys.argv = sys.argv[1], ["tierwise", *sys.argv[2:]]
try:
    from tierwise.cli import main
    main()
except SystemExit as exc:
    code = exc.code
else:
    code = 0
with open(out, "w") as f:
    json.dump({"code": code, "modules": sorted(sys.modules)}, f)
"""


def imported(tmp_path: Path, *args: str) -> list[str]:
    """The modules `tierwise ARGS` imports, run in a fresh interpreter (which must exit 0)."""
    out = tmp_path / "modules.json"
    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(out), *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text())
    assert report["code"] in (0, None), done.stderr
    modules: list[str] = report["modules"]
    return modules


def heavy(modules: list[str]) -> list[str]:
    return [m for m in modules if any(m == n or m.startswith(f"{n}.") for n in NEVER)]


@pytest.fixture(autouse=True)
def _no_user_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("TIERWISE_PROGRAMS_DIR", raising=False)
    monkeypatch.setenv("TIERWISE_CACHE_DIR", str(tmp_path / "cache"))


def test_help_imports_no_command(tmp_path: Path) -> None:
    modules = imported(tmp_path, "--help")
    assert heavy(modules) == []
    # the table lists the commands: no command module, no domain package is imported
    assert sorted(m for m in modules if m.startswith("tierwise")) == [
        "tierwise",
        "tierwise.cli",
        "tierwise.cli.app",
        "tierwise.cli.lazy",
    ]


def test_programs_list_imports_only_the_definitions(tmp_path: Path) -> None:
    modules = imported(tmp_path, "programs", "list")
    assert heavy(modules) == []
    assert "duckdb" not in modules  # listing reads no data
    assert "rich" not in modules  # plain lines: rich is for tables, help and errors
    cli = [m for m in modules if m.startswith("tierwise.cli.")]
    assert sorted(cli) == ["tierwise.cli.app", "tierwise.cli.lazy", "tierwise.cli.programs"]


def test_evaluate_imports_only_what_it_uses(tmp_path: Path) -> None:
    db = tmp_path / "events.duckdb"
    w = World(duckdb.connect(str(db)))
    w.partner("P1", joined_on=date(2020, 1, 1))
    w.creator("c1")
    w.bind("P1", "c1")
    sh = ZoneInfo("Asia/Shanghai")
    w.order(datetime(2024, 9, 10, 12, tzinfo=sh), "100000", creator_id="c1")
    # every table buyin-mcn reads has a row: no warning (whose printing would need rich)
    w.fact("c1", "reputation", 5, date(2024, 9, 1))
    w.live("c1", datetime(2024, 9, 10, 20, tzinfo=sh), datetime(2024, 9, 10, 22, tzinfo=sh))
    w.con.close()
    args = ("evaluate", "buyin-mcn", "--period", "2024-09", "--db", str(db), "--format", "json")
    modules = imported(tmp_path, *args)
    assert heavy(modules) == []
    assert "rich" not in modules  # JSON output: rich is for tables, help and errors
    cli = [m for m in modules if m.startswith("tierwise.cli.")]
    assert sorted(cli) == [
        "tierwise.cli.app",
        "tierwise.cli.evaluate",
        "tierwise.cli.lazy",
        "tierwise.cli.source",
    ]


def test_importing_the_accounts_hashes_nothing() -> None:
    """The dummy hash an unknown login is checked against is made on first use (or by
    `prepare_sign_ins` at server start), not when the module is imported."""
    probe = (
        "import tierwise.accounts.service as s\n"
        "before = s._dummy_hash.cache_info().currsize\n"
        "s.prepare_sign_ins()\n"
        "print(before, s._dummy_hash.cache_info().currsize, s._dummy_hash().startswith('$argon2'))"
    )
    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0", "1", "True"]


def _first_paragraph(command: Command) -> str:
    """What a group's help lists of a command: the first paragraph of its help."""
    return inspect.cleandoc(command.short_help or command.help or "").split("\n\n")[0]


def _every_command() -> dict[str, Command]:
    """The commands registered once every command module is imported, by name."""
    for module in _COMMAND_MODULES:
        importlib.import_module(module)
    built = typer.main.get_command(app)
    assert isinstance(built, TyperGroup)
    commands: dict[str, Command] = {}
    for name in built.commands:
        command = built.get_command(None, name)  # type: ignore[arg-type]
        assert isinstance(command, TyperCommand | TyperGroup), name
        commands[name] = command
    return commands


def test_the_table_lists_every_command_with_its_own_help() -> None:
    commands = _every_command()
    assert set(COMMANDS) == set(commands)
    for name, entry in COMMANDS.items():
        assert entry.help == _first_paragraph(commands[name]), name


def test_every_command_module_is_in_the_table() -> None:
    """A command module missing from the table would register commands no one imports."""
    cli = SRC / "tierwise" / "cli"
    registering = {
        f"tierwise.cli.{p.stem}"
        for p in cli.glob("*.py")
        if ".command(" in p.read_text(encoding="utf-8")
    }
    assert registering <= set(_COMMAND_MODULES)


def test_every_listed_command_resolves() -> None:
    runner = CliRunner()
    listed = runner.invoke(app, ["--help"])
    assert listed.exit_code == 0
    for name in COMMANDS:
        assert name in listed.stdout
        result = runner.invoke(app, [name, "--help"])
        assert result.exit_code == 0, (name, result.output)
        group = typer.main.get_command(app)
        assert isinstance(group, TyperGroup)
        command = group.get_command(None, name)  # type: ignore[arg-type]
        if isinstance(command, TyperGroup):
            assert command.commands, name  # a group comes with its commands
            for sub in command.commands:
                result = runner.invoke(app, [name, sub, "--help"])
                assert result.exit_code == 0, (name, sub, result.output)


def test_a_mistyped_command_is_still_suggested() -> None:
    result = CliRunner().invoke(app, ["evalute"])
    assert result.exit_code == 2
    assert "Did you mean 'evaluate'?" in result.output
