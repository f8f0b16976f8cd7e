"""`tierwise compass request|approve|decline|revoke|withdraw|expire|requests|access-log`:
the consent workflow and the access log of Data Compass from the command line, thin over
`tierwise.compass.service`. A refused move exits 1 with the reason on standard error and
nothing on standard output."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Annotated, Any, get_args

import typer
from rich.console import Console
from rich.table import Table

from tierwise.cli.app import compass_app
from tierwise.cli.source import DataOption, DbOption, events, fail
from tierwise.cli.state import ActorOption, StateOption, open_state
from tierwise.compass import service
from tierwise.compass.authorizations import RequestStatus
from tierwise.compass.days import DayRange
from tierwise.compass.errors import CompassError
from tierwise.compass.repository import AccessQuery
from tierwise.db.errors import StateError
from tierwise.store.compass import partner_markets

FormatOption = Annotated[str, typer.Option("--format", help="table or json.")]
RequestArg = Annotated[str, typer.Argument(help="The request's id (wf-…).")]
CreatorOption = Annotated[str, typer.Option("--creator", help="The creator who answers.")]
PartnerOption = Annotated[str, typer.Option("--partner", help="The partner.")]

REQUEST_COLUMNS = (
    "request_id",
    "partner_id",
    "creator_id",
    "period_from",
    "period_to",
    "status",
    "requested_at",
    "responded_at",
    "revoked_at",
)
ACCESS_COLUMNS = (
    "at",
    "login",
    "partner_id",
    "creator_id",
    "first_day",
    "last_day",
    "days",
    "via",
    "what",
)


@contextmanager
def refusals() -> Iterator[None]:
    """A refused move or an unusable input: its reason on standard error, exit 1."""
    try:
        yield
    except (CompassError, StateError) as exc:
        fail(str(exc))


def _show(rows: list[dict[str, Any]], columns: tuple[str, ...], output: str) -> None:
    if output not in ("json", "table"):
        fail(f"--format {output!r}: use table or json")
    if output == "json":
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=2, default=str)
        sys.stdout.write("\n")
        return
    table = Table(*columns)
    for row in rows:
        table.add_row(*("" if row[c] is None else str(row[c]) for c in columns))
    Console().print(table)


def _move(
    what: service.Move,
    request_id: str,
    *,
    data: Any,
    db: Any,
    state: str | None,
    actor: str,
    output: str,
    creator_id: str | None = None,
    partner_id: str | None = None,
) -> None:
    with refusals(), events(data, db) as con, open_state(state) as st:
        done = service.move(
            st,
            request_id,
            what,
            actor=actor,
            markets=partner_markets(con),
            creator_id=creator_id,
            partner_id=partner_id,
            imported=service.imported(con, partner_id=partner_id, creator_id=creator_id),
        )
    _show([done], REQUEST_COLUMNS, output)


@compass_app.command("request")
def request_command(
    partner: PartnerOption,
    creator: Annotated[str, typer.Option("--creator", help="The creator asked.")],
    first: Annotated[str, typer.Option("--from", help="First day of the requested period.")],
    last: Annotated[str, typer.Option("--to", help="Last day of the requested period.")],
    data: DataOption = None,
    db: DbOption = None,
    state: StateOption = None,
    actor: ActorOption = "cli",
    output: FormatOption = "table",
) -> None:
    """A partner asks a creator bound to it for access to a requested period."""
    with refusals():
        try:
            period = DayRange(date.fromisoformat(first), date.fromisoformat(last))
        except ValueError as exc:
            fail(f"--from/--to: {exc}")
        with events(data, db) as con, open_state(state) as st:
            made = service.request_access(
                st, con, partner, creator, period, actor=actor, markets=partner_markets(con)
            )
    _show([made], REQUEST_COLUMNS, output)


@compass_app.command("approve")
def approve_command(
    request_id: RequestArg,
    creator: CreatorOption,
    data: DataOption = None,
    db: DbOption = None,
    state: StateOption = None,
    actor: ActorOption = "cli",
    output: FormatOption = "table",
) -> None:
    """The creator approves a pending request (refused at or after 168 h)."""
    _move(
        "approve",
        request_id,
        data=data,
        db=db,
        state=state,
        actor=actor,
        output=output,
        creator_id=creator,
    )


@compass_app.command("decline")
def decline_command(
    request_id: RequestArg,
    creator: CreatorOption,
    data: DataOption = None,
    db: DbOption = None,
    state: StateOption = None,
    actor: ActorOption = "cli",
    output: FormatOption = "table",
) -> None:
    """The creator declines a pending request (refused at or after 168 h)."""
    _move(
        "decline",
        request_id,
        data=data,
        db=db,
        state=state,
        actor=actor,
        output=output,
        creator_id=creator,
    )


@compass_app.command("revoke")
def revoke_command(
    request_id: RequestArg,
    creator: CreatorOption,
    data: DataOption = None,
    db: DbOption = None,
    state: StateOption = None,
    actor: ActorOption = "cli",
    output: FormatOption = "table",
) -> None:
    """The creator revokes an approval: visible through today, gone from tomorrow."""
    _move(
        "revoke",
        request_id,
        data=data,
        db=db,
        state=state,
        actor=actor,
        output=output,
        creator_id=creator,
    )


@compass_app.command("withdraw")
def withdraw_command(
    request_id: RequestArg,
    partner: PartnerOption,
    data: DataOption = None,
    db: DbOption = None,
    state: StateOption = None,
    actor: ActorOption = "cli",
    output: FormatOption = "table",
) -> None:
    """The partner gives up an approval it holds."""
    _move(
        "withdraw",
        request_id,
        data=data,
        db=db,
        state=state,
        actor=actor,
        output=output,
        partner_id=partner,
    )


@compass_app.command("expire")
def expire_command(
    data: DataOption = None,
    db: DbOption = None,
    state: StateOption = None,
    output: FormatOption = "table",
) -> None:
    """The expiry sweep: tell the partners of requests unanswered for 168 h (once each)."""
    with refusals(), events(data, db) as con, open_state(state) as st:
        expired = service.expire_due(st, partner_markets(con))
    _show(expired, REQUEST_COLUMNS, output)


@compass_app.command("requests")
def requests_command(
    partner: Annotated[str | None, typer.Option("--partner", help="Of this partner.")] = None,
    creator: Annotated[str | None, typer.Option("--creator", help="To this creator.")] = None,
    status: Annotated[
        str | None, typer.Option("--status", help="pending, approved, declined, …")
    ] = None,
    state: StateOption = None,
    output: FormatOption = "table",
) -> None:
    """The workflow's requests with their status now."""
    if status is not None and status not in get_args(RequestStatus):
        fail(f"--status {status!r}: one of {', '.join(get_args(RequestStatus))}")
    statuses: tuple[Any, ...] | None = None if status is None else (status,)
    with refusals(), open_state(state) as st:
        found = service.requests(st, partner_id=partner, creator_id=creator, statuses=statuses)
    _show(found, REQUEST_COLUMNS, output)


def _instant(text: str | None, option: str) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        fail(f"{option} {text!r}: not an ISO 8601 date or instant")


@compass_app.command("access-log")
def access_log_command(
    creator: Annotated[str | None, typer.Option("--creator", help="Reads of this creator.")] = None,
    partner: Annotated[str | None, typer.Option("--partner", help="By this partner.")] = None,
    login: Annotated[str | None, typer.Option("--login", help="By this user.")] = None,
    since: Annotated[str | None, typer.Option("--since", help="From this instant.")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Before this instant.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1)] = 100,
    state: StateOption = None,
    output: FormatOption = "table",
) -> None:
    """Who read which days of whose numbers, and when (newest first)."""
    query = AccessQuery(
        creator, partner, login, _instant(since, "--since"), _instant(until, "--until")
    )
    with refusals(), open_state(state) as st:
        _total, entries = service.access_log(st, query, limit=limit)
    _show(entries, ACCESS_COLUMNS, output)
