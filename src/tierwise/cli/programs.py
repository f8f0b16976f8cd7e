"""`tierwise programs …`: list the known programs, check definition files, show one, list rules.

Output formats are part of the CLI contract (`docs/spec/cli-contract.md`):
`programs list` prints one program per line (id, title, period kind); `programs check`
prints each problem as `FILE:LINE: CODE message` and exits 1 when any is an error.
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path
from typing import Annotated

import typer

from tierwise.cli.app import programs_app
from tierwise.definitions import (
    RULES,
    ProgramError,
    ProgramNotFound,
    all_programs,
    check_file,
    load_program,
)

ProgramFilesOption = Annotated[
    list[Path] | None,
    typer.Option("--program-file", help="Also know this definition file (repeatable)."),
]


def _echo_warnings(caught: list[warnings.WarningMessage]) -> None:
    for w in caught:
        typer.echo(f"warning: {w.message}", err=True)


def _fail(message: str) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(1)


@programs_app.command("list")
def list_command(
    program_file: ProgramFilesOption = None,
    lang: Annotated[str, typer.Option("--lang", help="Title language: en or zh.")] = "en",
) -> None:
    """Every program the installation knows: id, title, period kind — one per line."""
    if lang not in ("en", "zh"):
        raise typer.BadParameter("use en or zh", param_hint="--lang")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            programs = all_programs(program_file or ())
        except ProgramError as exc:
            _echo_warnings(caught)
            _fail(str(exc))
    _echo_warnings(caught)
    titles = [getattr(p.title, lang) for p in programs]
    id_width = max((len(p.id) for p in programs), default=0)
    title_width = max((_width(t) for t in titles), default=0)
    for p, title in zip(programs, titles, strict=True):
        pad = " " * (title_width - _width(title))
        typer.echo(f"{p.id.ljust(id_width)}  {title}{pad}  {p.period_kind}")


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if "\u2e80" <= ch <= "\uffef" else 1 for ch in text)


@programs_app.command("check")
def check_command(
    files: Annotated[list[Path], typer.Argument(help="Program definition files.")],
    output: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
) -> None:
    """Validate definition files; each problem as FILE:LINE: CODE message; exit 1 on errors."""
    if output not in ("text", "json"):
        raise typer.BadParameter("use text or json", param_hint="--format")
    results = [check_file(f) for f in files]
    failed = any(not r.ok for r in results)
    if output == "json":
        doc = [
            {
                "file": r.file,
                "valid": r.ok,
                "program": r.program.id if r.program else None,
                "issues": [
                    {
                        "line": i.line,
                        "code": i.code,
                        "severity": i.severity,
                        "message": i.message,
                    }
                    for i in r.issues
                ],
            }
            for r in results
        ]
        json.dump(doc, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        for r in results:
            for issue in r.issues:
                typer.echo(str(issue))
            if r.ok:
                typer.echo(f"{r.file}: ok ({r.program.id if r.program else ''})", err=True)
    if failed:
        raise typer.Exit(1)


@programs_app.command("show")
def show_command(
    program: Annotated[str, typer.Argument(help="A program id, or the path of a definition file.")],
) -> None:
    """The program as tierwise reads it (thresholds normalised), as JSON."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            definition = load_program(program)
        except (ProgramError, ProgramNotFound) as exc:
            _echo_warnings(caught)
            _fail(f"error: {exc}")
    _echo_warnings(caught)
    typer.echo(definition.model_dump_json(indent=2, by_alias=True))


@programs_app.command("rules")
def rules_command() -> None:
    """The checks `programs check` applies: code, name, severity and what each checks."""
    for rule in RULES:
        typer.echo(f"{rule.code}  {rule.name:<24} {rule.severity:<8} {rule.summary()}")
