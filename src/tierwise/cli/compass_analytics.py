"""`tierwise compass creators`, `overview` and `analytics`: a partner's creators and their
numbers over the days it may see (compass.md §3; programs.md §3). The rules and the queries
are in `tierwise.compass.analytics`; this module parses, refuses and prints.

With a state store (`--state` or `$TIERWISE_STATE_URL`) the consent workflow's approvals
count too, and every creator whose numbers are printed is written to the access log (via
`cli`, as `--actor`); without one, only the imported authorizations are read and nothing
is logged — there is nowhere to log to."""

from __future__ import annotations

import getpass
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import duckdb
import typer
from rich.console import Console
from rich.table import Table

from tierwise.cli.app import compass_app
from tierwise.cli.source import DataOption, DbOption, events, fail
from tierwise.cli.state import StateOption, open_state
from tierwise.compass import CompassError, QueryRange, market_zone, service
from tierwise.compass.analytics import (
    CreatorAnalytics,
    CreatorList,
    Overview,
    creator_analytics,
    creator_list,
    money,
    overview,
)
from tierwise.compass.authorizations import Authorization
from tierwise.compass.service import Reader
from tierwise.core.errors import DataError
from tierwise.db.engine import URL_ENV
from tierwise.store.compass import partner_market

PartnerOption = Annotated[str, typer.Option("--partner", help="The partner's id.")]
FromOption = Annotated[str, typer.Option("--from", help="First day (YYYY-MM-DD), included.")]
ToOption = Annotated[str, typer.Option("--to", help="Last day (YYYY-MM-DD), included.")]
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="The day the numbers are read on (default: today in the partner's market).",
    ),
]
ReaderOption = Annotated[
    str | None,
    typer.Option(
        "--actor", help="Who reads, for the access log (default: the operating-system user)."
    ),
]
T = TypeVar("T", bound=service.Reads)
#: A module's call: (event store, partner, range, the workflow's authorization rows).
ModuleCall = Callable[[duckdb.DuckDBPyConnection, str, QueryRange, Sequence[Authorization]], T]
#: The role the access log gives a command-line reader: it reads the event store itself,
#: which only the platform's operators hold.
CLI_ROLE = "operator"
FormatOption = Annotated[str, typer.Option("--format", help="json or table.")]


def _day(text: str, flag: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise typer.BadParameter(f"{text!r} is not a date (YYYY-MM-DD)", param_hint=flag) from exc


def _check_format(output: str) -> None:
    if output not in ("json", "table"):
        raise typer.BadParameter("use json or table", param_hint="--format")


def _state_url(state: str | None) -> str | None:
    """The state store given (`--state`, else `$TIERWISE_STATE_URL`); None when neither."""
    return state or os.environ.get(URL_ENV) or None


def _read(
    data: Path | None,
    db: Path | None,
    partner: str,
    first: str,
    last: str,
    as_of: str | None,
    what: str,
    module: ModuleCall[T],
    state: str | None,
    actor: str | None,
) -> T:
    """Run one module over the query range; a range compass.md refuses, an unknown partner
    or unusable data is exit 1 with the message on standard error, nothing on standard
    output. A range given with `--as-of` is refused before any data is read; without it,
    the day is the partner's local today. With a state store, through the service (the
    workflow's rows, the access log)."""
    a, b = _day(first, "--from"), _day(last, "--to")
    try:
        query = None if as_of is None else QueryRange.custom(a, b, _day(as_of, "--as-of"))
        with events(data, db) as con:
            market = partner_market(con, partner)
            if market is None:
                fail(f"no partner {partner!r} in the data")
            if query is None:
                query = QueryRange.custom(a, b, datetime.now(market_zone(market)).date())
            url = _state_url(state)
            if url is None:
                return module(con, partner, query, ())
            reader = Reader(actor or getpass.getuser(), CLI_ROLE, partner, "cli")
            with open_state(url) as store:
                return service.read(
                    store,
                    reader,
                    f"{what} {query.first}..{query.last}",
                    lambda rows: module(con, partner, query, rows),
                )
    except (CompassError, DataError) as exc:
        fail(str(exc))


def _json(doc: dict[str, Any]) -> None:
    json.dump(doc, sys.stdout, ensure_ascii=False, indent=2, allow_nan=False)
    sys.stdout.write("\n")


@compass_app.command("creators")
def creators_command(
    partner: PartnerOption,
    first: FromOption,
    last: ToOption,
    as_of: AsOfOption = None,
    data: DataOption = None,
    db: DbOption = None,
    output: FormatOption = "table",
    state: StateOption = None,
    actor: ReaderOption = None,
) -> None:
    """Every creator bound to the partner in the range, with its numbers over the days the
    partner may see (compass.md §3)."""
    _check_format(output)
    result = _read(data, db, partner, first, last, as_of, "creators", creator_list, state, actor)
    if output == "json":
        _json(result.to_dict())
    else:
        _creators_table(result)


def _creators_table(result: CreatorList) -> None:
    q = result.query
    table = Table(title=f"{result.partner_id} · {q.first}..{q.last} · as of {q.as_of}")
    for col in ("creator", "handle", "authorized", "days", "GMV (USD)", "refunds", "orders"):
        table.add_column(col, justify="right" if col not in ("creator", "handle") else "left")
    table.add_column("lives", justify="right")
    table.add_column("videos", justify="right")
    for c in result.creators:
        m = c.to_dict()["metrics"]
        numbers = (
            ["—"] * 5
            if m is None
            else [
                f"{m['gmv']:,.2f}",
                f"{m['refunds']:,.2f}",
                str(m["orders"]),
                str(m["livestreams"]),
                str(m["videos"]),
            ]
        )
        table.add_row(
            c.creator_id, c.handle, "yes" if c.authorized else "no", str(c.visible_days), *numbers
        )
    Console().print(table)


@compass_app.command("overview")
def overview_command(
    partner: PartnerOption,
    first: FromOption,
    last: ToOption,
    as_of: AsOfOption = None,
    data: DataOption = None,
    db: DbOption = None,
    output: FormatOption = "table",
    state: StateOption = None,
    actor: ReaderOption = None,
) -> None:
    """The data overview over the partner's authorized creators' visible days, compared
    with the previous period of the same length."""
    _check_format(output)
    result = _read(data, db, partner, first, last, as_of, "overview", overview, state, actor)
    if output == "json":
        _json(result.to_dict())
    else:
        _overview_table(result)


def _figure(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.2%}" if value <= 1 else f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{money(value):,.2f}"


def _overview_table(result: Overview) -> None:
    doc = result.to_dict()
    p = result.previous_period
    q = result.query
    table = Table(title=f"{result.partner_id} · {q.first}..{q.last} vs {p.first}..{p.last}")
    for col in ("figure", "now", "before", "change"):
        table.add_column(col, justify="left" if col == "figure" else "right")
    now, then = result.current.as_dict(), result.previous.as_dict()
    for name, change in doc["changes"].items():
        table.add_row(
            name,
            _figure(now[name]),
            _figure(then[name]),
            "—" if change is None else f"{change:+.1%}",
        )
    Console().print(table)


@compass_app.command("analytics")
def analytics_command(
    partner: PartnerOption,
    first: FromOption,
    last: ToOption,
    as_of: AsOfOption = None,
    data: DataOption = None,
    db: DbOption = None,
    output: FormatOption = "table",
    state: StateOption = None,
    actor: ReaderOption = None,
) -> None:
    """Creator analytics: per authorized creator CTR, C-O, RPM, exposure, conversion and
    followers, live / video split, compared with the previous period."""
    _check_format(output)
    result = _read(
        data,
        db,
        partner,
        first,
        last,
        as_of,
        "analytics",
        creator_analytics,
        state,
        actor,
    )
    if output == "json":
        _json(result.to_dict())
    else:
        _analytics_table(result)


def _analytics_table(result: CreatorAnalytics) -> None:
    q = result.query
    table = Table(title=f"{result.partner_id} · {q.first}..{q.last} · authorized creators")
    cols = ("creator", "days", "GMV (USD)", "vs before", "CTR", "C-O", "RPM", "exposure")
    for col in (*cols, "live GMV", "video GMV", "followers"):
        table.add_column(col, justify="left" if col == "creator" else "right")
    for c in result.creators:
        all_ = c.current.content
        table.add_row(
            c.creator_id,
            str(c.current.visible_days),
            f"{money(c.current.gmv):,.2f}",
            "—" if c.gmv_change is None else f"{c.gmv_change:+.1%}",
            "—" if all_.ctr is None else f"{all_.ctr:.2%}",
            "—" if all_.click_to_order is None else f"{all_.click_to_order:.2%}",
            "—" if all_.rpm is None else f"{all_.rpm:,.2f}",
            f"{all_.exposure:,}",
            f"{money(c.current.live.gmv):,.2f}",
            f"{money(c.current.video.gmv):,.2f}",
            f"{c.followers:,}",
        )
    Console().print(table)
