"""`tierwise compass lives|live|videos|video|products|export`: livestream, video and product
analytics and the exports, over the days the partner may see (programs.md §3). The rules
and the queries are in `tierwise.compass.modules` and `compass.exports`; this module
parses, refuses (exit 1, the message on standard error, nothing on standard output) and
prints. Like `compass creators`, with a state store the workflow's approvals count and
every read is logged (`tierwise.cli.compass_analytics._read`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any, get_args

import typer
from rich.console import Console
from rich.table import Table

from tierwise.cli.app import compass_app
from tierwise.cli.compass_analytics import (
    AsOfOption,
    FormatOption,
    FromOption,
    PartnerOption,
    ReaderOption,
    ToOption,
    _check_format,
    _json,
    _read,
)
from tierwise.cli.source import DataOption, DbOption, fail
from tierwise.cli.state import StateOption
from tierwise.compass.analytics import money
from tierwise.compass.exports import FORMATS, LISTS, ExportFormat, ExportList, export_file
from tierwise.compass.modules import (
    live_detail,
    live_history,
    product_list,
    video_detail,
    video_list,
)
from tierwise.store.compass_activity import VIDEO_ORDERS, VideoOrder


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.2%}"


def _print(doc: dict[str, Any], output: str, table: Table) -> None:
    if output == "json":
        _json(doc)
    else:
        Console().print(table)


@compass_app.command("lives")
def lives_command(
    partner: PartnerOption,
    first: FromOption,
    last: ToOption,
    as_of: AsOfOption = None,
    data: DataOption = None,
    db: DbOption = None,
    state: StateOption = None,
    actor: ReaderOption = None,
    output: FormatOption = "table",
) -> None:
    """The history of the partner's creators' livestreams on visible days, with the totals
    compared with the previous period."""
    _check_format(output)
    result = _read(data, db, partner, first, last, as_of, "lives", live_history, state, actor)
    table = Table(title=f"{partner} · livestreams {result.query.first}..{result.query.last}")
    for col in ("live", "creator", "started", "views", "CTR", "orders", "GMV (USD)"):
        table.add_column(col)
    for r in result.lives:
        table.add_row(
            r.live_id,
            r.creator_id,
            r.started_at.isoformat(),
            f"{r.views:,}",
            _percent(r.ctr),
            str(r.orders),
            f"{money(r.gmv):,.2f}",
        )
    _print(result.to_dict(), output, table)


@compass_app.command("live")
def live_command(
    live_id: Annotated[str, typer.Argument(help="The livestream's id.")],
    partner: PartnerOption,
    first: FromOption,
    last: ToOption,
    as_of: AsOfOption = None,
    data: DataOption = None,
    db: DbOption = None,
    state: StateOption = None,
    actor: ReaderOption = None,
    output: FormatOption = "table",
) -> None:
    """One livestream: per-product sales and conversion, per-minute trends, traffic sources,
    violation notices and profiles (only for groups over 1,000 users)."""
    _check_format(output)
    result = _read(
        data, db, partner, first, last, as_of, f"live {live_id}",
        lambda c, p, q, x: live_detail(c, p, q, live_id, x), state, actor,
    )  # fmt: skip
    table = Table(title=f"{live_id} · {result.live.creator_id} · products")
    for col in ("product", "impressions", "clicks", "orders", "items", "GMV (USD)"):
        table.add_column(col)
    for p in result.products:
        table.add_row(
            p.product_id,
            f"{p.impressions:,}",
            f"{p.clicks:,}",
            str(p.orders),
            str(p.items_sold),
            f"{money(p.gmv):,.2f}",
        )
    _print(result.to_dict(), output, table)


def _video_order(order: str) -> VideoOrder:
    if order not in VIDEO_ORDERS:
        raise typer.BadParameter(f"use {', '.join(VIDEO_ORDERS)}", param_hint="--sort")
    return next(o for o in VIDEO_ORDERS if o == order)


@compass_app.command("videos")
def videos_command(
    partner: PartnerOption,
    first: FromOption,
    last: ToOption,
    as_of: AsOfOption = None,
    data: DataOption = None,
    db: DbOption = None,
    state: StateOption = None,
    actor: ReaderOption = None,
    sort: Annotated[
        str, typer.Option("--sort", help="views, new_followers, revenue or rpm.")
    ] = "views",
    search: Annotated[str | None, typer.Option("--search", help="Part of a video id.")] = None,
    output: FormatOption = "table",
) -> None:
    """The videos posted on visible days, sorted by views, new followers, revenue or RPM."""
    _check_format(output)
    order = _video_order(sort)
    result = _read(
        data, db, partner, first, last, as_of, "videos",
        lambda c, p, q, x: video_list(c, p, q, order, search, x), state, actor,
    )  # fmt: skip
    table = Table(title=f"{partner} · videos by {order}")
    for col in ("video", "creator", "views", "new followers", "revenue (USD)", "RPM"):
        table.add_column(col)
    for v in result.videos:
        table.add_row(
            v.video_id,
            v.creator_id,
            f"{v.views:,}",
            f"{v.new_followers:,}",
            f"{money(v.revenue):,.2f}",
            "—" if v.rpm is None else f"{v.rpm:,.2f}",
        )
    _print(result.to_dict(), output, table)


@compass_app.command("video")
def video_command(
    video_id: Annotated[str, typer.Argument(help="The video's id.")],
    partner: PartnerOption,
    first: FromOption,
    last: ToOption,
    as_of: AsOfOption = None,
    data: DataOption = None,
    db: DbOption = None,
    state: StateOption = None,
    actor: ReaderOption = None,
    product: Annotated[str | None, typer.Option("--product", help="One product it sold.")] = None,
    output: FormatOption = "table",
) -> None:
    """One video: its products, content analysis and the top-3 visible videos by revenue
    selling the same product (when one product is chosen or it sold only one)."""
    _check_format(output)
    result = _read(
        data, db, partner, first, last, as_of, f"video {video_id}",
        lambda c, p, q, x: video_detail(c, p, q, video_id, product, x), state, actor,
    )  # fmt: skip
    table = Table(title=f"{video_id} · top videos selling {result.product_id or '—'}")
    for col in ("video", "creator", "orders", "revenue (USD)"):
        table.add_column(col)
    for t in result.top_videos:
        table.add_row(t.video_id, t.creator_id, str(t.orders), f"{money(t.revenue):,.2f}")
    _print(result.to_dict(), output, table)


@compass_app.command("products")
def products_command(
    partner: PartnerOption,
    first: FromOption,
    last: ToOption,
    as_of: AsOfOption = None,
    data: DataOption = None,
    db: DbOption = None,
    state: StateOption = None,
    actor: ReaderOption = None,
    search: Annotated[str | None, typer.Option("--search", help="Part of an id or title.")] = None,
    output: FormatOption = "table",
) -> None:
    """Product analytics: revenue, refunds, buyers, the channel split, CTR, C-O, return and
    negative-review rates and the funnel, compared with the previous period."""
    _check_format(output)
    result = _read(
        data, db, partner, first, last, as_of, "products",
        lambda c, p, q, x: product_list(c, p, q, search, x), state, actor,
    )  # fmt: skip
    table = Table(title=f"{partner} · products")
    for col in ("product", "revenue (USD)", "orders", "items", "CTR", "C-O", "returns"):
        table.add_column(col)
    for row in result.products:
        p = row.current
        table.add_row(
            p.product_id,
            f"{money(p.revenue):,.2f}",
            str(p.orders),
            str(p.items_sold),
            _percent(p.ctr),
            _percent(p.click_to_order),
            _percent(p.return_rate),
        )
    _print(result.to_dict(), output, table)


@compass_app.command("export")
def export_command(
    what: Annotated[str, typer.Argument(help="lives, creators, videos or products.")],
    partner: PartnerOption,
    first: FromOption,
    last: ToOption,
    out: Annotated[
        Path | None, typer.Option("--out", help="File to write (CSV: default stdout).")
    ] = None,
    as_of: AsOfOption = None,
    data: DataOption = None,
    db: DbOption = None,
    state: StateOption = None,
    actor: ReaderOption = None,
    fmt: Annotated[str, typer.Option("--format", help="csv or xlsx.")] = "csv",
) -> None:
    """Export a list (live history, creators, videos, products) as CSV or XLSX."""
    if what not in LISTS:
        raise typer.BadParameter(f"use {', '.join(LISTS)}", param_hint="WHAT")
    if fmt not in FORMATS:
        raise typer.BadParameter(f"use {', '.join(FORMATS)}", param_hint="--format")
    if fmt == "xlsx" and out is None:
        raise typer.BadParameter("an XLSX export needs --out FILE", param_hint="--out")
    kind: ExportList = next(k for k in get_args(ExportList) if k == what)
    form: ExportFormat = next(f for f in get_args(ExportFormat) if f == fmt)
    done = _read(
        data, db, partner, first, last, as_of, f"export {what}",
        lambda c, p, q, x: export_file(c, p, kind, form, q, x), state, actor,
    )  # fmt: skip
    body = done.body
    if out is None:
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
        return
    try:
        out.write_bytes(body)
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror or exc}")
