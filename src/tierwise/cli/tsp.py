"""`tierwise tsp`: TSP registrations (opt-in per category and quarter) and the operator's
sanctions for a false declaration (exclude, forfeit). Each change is one transaction of the
state store, recorded in the audit log; a sanction queues its notice to the partner."""

from __future__ import annotations

import json
import sys
from datetime import date
from typing import Annotated, Any

import typer
from rich.console import Console

from tierwise.cli.app import app
from tierwise.cli.evaluate import _as_of, _period
from tierwise.cli.source import DbOption, default_db, fail
from tierwise.cli.state import ActorOption, StateOption, open_state
from tierwise.core.errors import TierwiseError
from tierwise.core.periods import periods_between
from tierwise.definitions.registry import load_program
from tierwise.partners.catalog import Catalog
from tierwise.registrations.repository import Registrations
from tierwise.registrations.service import SanctionKind

tsp_app = typer.Typer(
    help="TSP registrations and sanctions (exclude, forfeit).", no_args_is_help=True
)
app.add_typer(tsp_app, name="tsp")

ProgramOption = Annotated[
    str, typer.Option("--program", help="The category: tts-th-tsp-shop or tts-th-tsp-content.")
]
PeriodOption = Annotated[str, typer.Option("--period", help="The quarter, e.g. 2024Q3.")]
OnOption = Annotated[
    str | None, typer.Option("--on", help="The day it is made (YYYY-MM-DD; default today).")
]
ReasonOption = Annotated[
    str, typer.Option("--reason", help="Why: kept in the audit log and shown to the partner.")
]
FormatOption = Annotated[str, typer.Option("--format", help="text or json.")]
console = Console()


def _emit(doc: Any, output: str) -> bool:
    if output not in ("json", "text"):
        raise typer.BadParameter("use text or json", param_hint="--format")
    if output == "json":
        json.dump(doc, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return True
    return False


@tsp_app.command("register")
def register_command(
    partner: Annotated[str, typer.Argument(help="The TSP's partner id.")],
    program: ProgramOption,
    period: PeriodOption,
    on: OnOption = None,
    actor: ActorOption = "cli",
    output: FormatOption = "text",
    state: StateOption = None,
) -> None:
    """Register a TSP for a category and quarter: only registered TSPs are awarded."""
    try:
        definition = load_program(program)
        with open_state(state) as st, st.session() as session:
            record = Registrations(session).register(
                definition, partner, _period(period), _as_of(on) or date.today(), actor
            )
    except TierwiseError as exc:
        fail(str(exc))
    if not _emit(record.to_dict(), output):
        console.print(f"{partner} registered for {program} {period}")


def _sanction(
    kind: SanctionKind,
    partner: str,
    program: str,
    period: str,
    reason: str,
    on: str | None,
    actor: str,
    output: str,
    state: str | None,
) -> None:
    try:
        definition = load_program(program)
        with open_state(state) as st, st.session() as session:
            record = Registrations(session).impose(
                kind,
                definition,
                partner,
                _period(period),
                reason=reason,
                actor=actor,
                on=_as_of(on) or date.today(),
            )
    except TierwiseError as exc:
        fail(str(exc))
    if not _emit(record.to_dict(), output):
        what = "excluded from" if kind == "exclude" else "forfeits its award of"
        console.print(f"{partner} {what} {program} {period}: {reason} (the partner is told)")


@tsp_app.command("exclude")
def exclude_command(
    partner: Annotated[str, typer.Argument(help="The TSP's partner id.")],
    program: ProgramOption,
    period: Annotated[str, typer.Option("--from", help="The first quarter excluded.")],
    reason: ReasonOption,
    on: OnOption = None,
    actor: ActorOption = "cli",
    output: FormatOption = "text",
    state: StateOption = None,
) -> None:
    """Exclude a TSP from a category from a quarter on (a false declaration): it is still
    scored, but given no award."""
    _sanction("exclude", partner, program, period, reason, on, actor, output, state)


@tsp_app.command("forfeit")
def forfeit_command(
    partner: Annotated[str, typer.Argument(help="The TSP's partner id.")],
    program: ProgramOption,
    period: Annotated[str, typer.Option("--period", help="The quarter the award was for.")],
    reason: ReasonOption,
    on: OnOption = None,
    actor: ActorOption = "cli",
    output: FormatOption = "text",
    state: StateOption = None,
) -> None:
    """Forfeit the award a TSP was given for a quarter (a false declaration): no longer in
    force from the next run on."""
    _sanction("forfeit", partner, program, period, reason, on, actor, output, state)


@tsp_app.command("register-all")
def register_all_command(
    program: ProgramOption,
    first: Annotated[str, typer.Option("--from", help="First quarter, e.g. 2025Q4.")],
    last: Annotated[str, typer.Option("--to", help="Last quarter (inclusive).")],
    leave_out: Annotated[
        list[str] | None,
        typer.Option("--except", help="A TSP that does not register (repeatable)."),
    ] = None,
    db: DbOption = None,
    actor: ActorOption = "cli",
    state: StateOption = None,
) -> None:
    """Register every partner the program grades in the event store (its kind and
    market) for each quarter from --from to --to, on the quarter's first day, except
    those named: the registration forms an account manager collected (the demo)."""
    p1, p2 = _period(first), _period(last)
    path = db or default_db()
    if not path.exists():
        fail(f"{path}: no such store (load data first)")
    try:
        definition = load_program(program)
        partners = Catalog.from_file(path).partners
        graded = sorted(
            pid
            for pid, info in partners.items()
            if info.kind == definition.subject_kind and info.market in definition.markets
        )
        skipped = set(leave_out or ())
        unknown = sorted(skipped - set(graded))
        if unknown:
            fail(f"--except names no {definition.subject_kind} of {program}: {', '.join(unknown)}")
        with open_state(state) as st, st.session() as session:
            desk = Registrations(session)
            count = 0
            for period in periods_between(p1, p2):
                for pid in graded:
                    if pid not in skipped:
                        desk.register(definition, pid, period, period.start, actor)
                        count += 1
    except TierwiseError as exc:
        fail(str(exc))
    left = f", not {', '.join(sorted(skipped))}" if skipped else ""
    console.print(f"{count} registrations for {program} {p1} → {p2}{left}")


@tsp_app.command("list")
def list_command(
    program: Annotated[str | None, typer.Option("--program")] = None,
    partner: Annotated[str | None, typer.Option("--partner")] = None,
    output: FormatOption = "text",
    state: StateOption = None,
) -> None:
    """Registrations and sanctions, by program and quarter."""
    with open_state(state) as st, st.session() as session:
        registrations = Registrations(session)
        doc = {
            "registrations": [r.to_dict() for r in registrations.registrations(program, partner)],
            "sanctions": [s.to_dict() for s in registrations.sanctions(program, partner)],
        }
    if _emit(doc, output):
        return
    for r in doc["registrations"]:
        console.print(
            f"registered {r['program_id']} {r['period']} {r['partner_id']} ({r['registered_on']})"
        )
    for s in doc["sanctions"]:
        console.print(
            f"{s['kind']} {s['program_id']} {s['period']} {s['partner_id']} "
            f"by {s['actor']} on {s['decided_on']}: {s['reason']}"
        )
