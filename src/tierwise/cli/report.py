"""`tierwise report`: a partner's report, or the operator's program report, of a published
period, as PDF, HTML or xlsx."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import duckdb
import typer

from tierwise.cli.app import app
from tierwise.cli.evaluate import ProgramArg, _period
from tierwise.cli.source import DbOption, default_db, fail
from tierwise.cli.state import StateOption, open_state
from tierwise.core.errors import TierwiseError
from tierwise.core.periods import Period
from tierwise.definitions.model import Program
from tierwise.definitions.registry import load_program, load_program_in_force
from tierwise.partners.catalog import Catalog
from tierwise.reports import (
    FORMATS,
    Format,
    partner_file,
    partner_report,
    program_file,
    program_report,
)
from tierwise.web.i18n import LANGUAGES


def _definition(program: str, period: Period) -> Program:
    """The definition that scored the period: the version in force on its generation day
    (a definition file is taken as it is)."""
    if program.endswith((".yaml", ".yml")):
        return load_program(Path(program))
    return load_program_in_force(program, period.generation_date)


def _catalog(db: Path | None) -> Catalog | None:
    """Partners' names from the event store, when there is one (a report needs only the
    state store; without the event store it names partners by id)."""
    path = db or default_db()
    if not path.exists():
        if db is not None:
            fail(f"{db}: no such store")
        return None
    try:
        return Catalog.from_file(path)
    except duckdb.Error as exc:  # not a store, or one being written
        fail(f"{path}: cannot be read as an event store ({exc})")


@app.command("report")
def report_command(
    program: ProgramArg,
    period: Annotated[str, typer.Option("--period", help="A published period: 2024-09, 2024Q1…")],
    partner: Annotated[
        str | None,
        typer.Option("--partner", help="The partner's report (without: the program report)."),
    ] = None,
    output: Annotated[str, typer.Option("--format", help="pdf, html or xlsx.")] = "pdf",
    lang: Annotated[str, typer.Option("--lang", help="en, zh or th.")] = "en",
    out: Annotated[
        str | None,
        typer.Option(
            "--out",
            help="The file to write (default PROGRAM-PERIOD[-PARTNER].FORMAT here; - for "
            "standard output).",
        ),
    ] = None,
    state: StateOption = None,
    db: DbOption = None,
) -> None:
    """A partner's report (--partner) or the program report of a published period, as
    PDF, HTML or xlsx, in English, Chinese or Thai.

    Read from the published run in the state store and the program's definition; nothing
    is evaluated again."""
    if output not in FORMATS:
        raise typer.BadParameter("use pdf, html or xlsx", param_hint="--format")
    fmt: Format = output
    if lang not in LANGUAGES:
        raise typer.BadParameter(f"use {', '.join(LANGUAGES)}", param_hint="--lang")
    p = _period(period)
    catalog = _catalog(db)
    partners = catalog.partners if catalog is not None else {}
    try:
        definition = _definition(program, p)
        with open_state(state) as st, st.session() as session:
            if partner is not None:
                if partners and partner not in partners:
                    fail(f"no partner {partner!r} in the event store")
                report = partner_report(
                    session, definition, partner, p, lang, partner=partners.get(partner)
                )
                data = partner_file(report, fmt)
            else:
                names = {pid: info.name for pid, info in partners.items()}
                whole = program_report(session, definition, p, lang, names=names)
                data = program_file(whole, fmt)
    except TierwiseError as exc:
        fail(str(exc))
    target = out or f"{definition.id}-{p}{'-' + partner if partner else ''}.{output}"
    if target == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    Path(target).write_bytes(data)
    typer.echo(target, err=True)
