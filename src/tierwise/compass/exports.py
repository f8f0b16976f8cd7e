"""Exports of Data Compass's lists as CSV and XLSX: the live history, the creator list, the
video list and the product list. Each list becomes one `Sheet` (a header and rows of the
numbers the list holds, over visible days only); one writer per format writes any sheet,
so an export can never hold a number its list does not.

Money is written rounded to the cent (as in JSON), ratios as plain fractions, instants in
ISO 8601; a number that cannot be told (`None`) is an empty cell, never 0.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal, get_args

import duckdb
import xlsxwriter

from tierwise.compass.analytics import CreatorList, creator_list, money
from tierwise.compass.authorizations import Authorization
from tierwise.compass.days import VisibleDays
from tierwise.compass.errors import CompassError
from tierwise.compass.modules import (
    LiveHistory,
    ProductList,
    VideoList,
    live_history,
    product_list,
    video_list,
)
from tierwise.compass.ranges import QueryRange

ExportFormat = Literal["csv", "xlsx"]
FORMATS: tuple[ExportFormat, ...] = get_args(ExportFormat)
ExportList = Literal["lives", "creators", "videos", "products"]
LISTS: tuple[ExportList, ...] = get_args(ExportList)
MEDIA_TYPES: dict[ExportFormat, str] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

Cell = str | int | float | None


@dataclass(frozen=True)
class Sheet:
    """One list as a table: its name, its header and its rows."""

    name: str
    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


def _cell(value: Any) -> Cell:
    if isinstance(value, Decimal):
        return money(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float):
        return value
    raise TypeError(f"no cell for {type(value).__name__}")


def _sheet(name: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> Sheet:
    return Sheet(name, tuple(header), tuple(tuple(_cell(v) for v in r) for r in rows))


def lives_sheet(history: LiveHistory) -> Sheet:
    header = (
        "live_id",
        "creator_id",
        "handle",
        "started_at",
        "ended_at",
        "duration_s",
        "views",
        "viewers",
        "impressions",
        "clicks",
        "ctr",
        "orders",
        "items_sold",
        "gmv_usd",
        "refunds_usd",
        "new_followers",
        "likes",
        "comments",
        "shares",
    )
    return _sheet(
        "lives",
        header,
        [
            (
                r.live_id,
                r.creator_id,
                r.handle,
                r.started_at,
                r.ended_at,
                r.duration_s,
                r.views,
                r.viewers,
                r.impressions,
                r.clicks,
                r.ctr,
                r.orders,
                r.items_sold,
                r.gmv,
                r.refunds,
                r.new_followers,
                r.likes,
                r.comments,
                r.shares,
            )
            for r in history.lives
        ],
    )


def creators_sheet(creators: CreatorList) -> Sheet:
    """Every listed creator: the public part always, numbers only when authorized."""
    header = (
        "creator_id",
        "handle",
        "authorized",
        "visible_days",
        "gmv_usd",
        "refunds_usd",
        "orders",
        "livestreams",
        "videos",
    )
    rows = []
    for c in creators.creators:
        m = c.metrics
        numbers: tuple[Any, ...] = (
            (None,) * 5 if m is None else (m.gmv, m.refunds, m.orders, m.livestreams, m.videos)
        )
        rows.append(
            (c.creator_id, c.handle, "yes" if c.authorized else "no", c.visible_days, *numbers)
        )
    return _sheet("creators", header, rows)


def videos_sheet(videos: VideoList) -> Sheet:
    header = (
        "video_id",
        "creator_id",
        "handle",
        "posted_at",
        "status",
        "duration_s",
        "views",
        "finish_rate",
        "new_followers",
        "likes",
        "comments",
        "shares",
        "impressions",
        "clicks",
        "ctr",
        "orders",
        "items_sold",
        "revenue_usd",
        "rpm",
    )
    return _sheet(
        "videos",
        header,
        [
            (
                v.video_id,
                v.creator_id,
                v.handle,
                v.posted_at,
                v.status,
                v.duration_s,
                v.views,
                float(v.finish_rate),
                v.new_followers,
                v.likes,
                v.comments,
                v.shares,
                v.impressions,
                v.clicks,
                v.ctr,
                v.orders,
                v.items_sold,
                v.revenue,
                v.rpm,
            )
            for v in videos.videos
        ],
    )


def products_sheet(products: ProductList) -> Sheet:
    header = (
        "product_id",
        "title",
        "revenue_usd",
        "refunds_usd",
        "orders",
        "buyers",
        "items_sold",
        "live_revenue_usd",
        "video_revenue_usd",
        "other_revenue_usd",
        "exposure",
        "clicks",
        "ctr",
        "click_to_order",
        "return_rate",
        "negative_review_rate",
        "creators",
    )
    return _sheet(
        "products",
        header,
        [
            (
                p.product_id,
                p.title,
                p.revenue,
                p.refunds,
                p.orders,
                p.buyers,
                p.items_sold,
                p.live_revenue,
                p.video_revenue,
                p.other_revenue,
                p.exposure,
                p.clicks,
                p.ctr,
                p.click_to_order,
                p.return_rate,
                p.negative_review_rate,
                p.creators,
            )
            for p in (row.current for row in products.products)
        ],
    )


def to_csv(sheet: Sheet) -> bytes:
    """The sheet as UTF-8 CSV (a header row, then one row per item; empty = unknown)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(sheet.header)
    writer.writerows(["" if v is None else v for v in row] for row in sheet.rows)
    return out.getvalue().encode("utf-8")


def to_xlsx(sheet: Sheet) -> bytes:
    """The sheet as an XLSX workbook of one worksheet; numbers stay numbers."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    ws = book.add_worksheet(sheet.name)
    bold = book.add_format({"bold": True})
    ws.write_row(0, 0, sheet.header, bold)
    for i, row in enumerate(sheet.rows, start=1):
        for j, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, str):
                ws.write_string(i, j, value)
            else:
                ws.write_number(i, j, value)
    ws.freeze_panes(1, 0)
    book.close()
    return buffer.getvalue()


def write(sheet: Sheet, fmt: ExportFormat) -> bytes:
    """Any sheet in either format: the one way exports are written."""
    if fmt == "csv":
        return to_csv(sheet)
    if fmt == "xlsx":
        return to_xlsx(sheet)
    raise CompassError(f"unknown export format {fmt!r}: use {', '.join(FORMATS)}")


def export_list(
    con: duckdb.DuckDBPyConnection,
    partner_id: str,
    what: ExportList,
    query: QueryRange,
    extra_authorizations: Sequence[Authorization] = (),
) -> tuple[Sheet, dict[str, VisibleDays]]:
    """One list of the partner over the query range as a sheet, and the visible days of
    each creator whose numbers it holds (for the access log)."""
    if what == "lives":
        lives = live_history(con, partner_id, query, extra_authorizations)
        return lives_sheet(lives), dict(lives.read)
    if what == "videos":
        videos = video_list(con, partner_id, query, extra_authorizations=extra_authorizations)
        return videos_sheet(videos), dict(videos.read)
    if what == "products":
        products = product_list(con, partner_id, query, extra_authorizations=extra_authorizations)
        return products_sheet(products), dict(products.read)
    if what == "creators":
        listed = creator_list(con, partner_id, query, extra_authorizations)
        return creators_sheet(listed), dict(listed.read)
    raise CompassError(f"unknown list {what!r}: use {', '.join(LISTS)}")


@dataclass(frozen=True)
class ExportFile:
    """A written export and the visible days of each creator whose numbers it holds."""

    body: bytes
    read: Mapping[str, VisibleDays]


def export_file(
    con: duckdb.DuckDBPyConnection,
    partner_id: str,
    what: ExportList,
    fmt: ExportFormat,
    query: QueryRange,
    extra_authorizations: Sequence[Authorization] = (),
) -> ExportFile:
    """One list written in one format."""
    sheet, read = export_list(con, partner_id, what, query, extra_authorizations)
    return ExportFile(write(sheet, fmt), read)


__all__ = [
    "FORMATS",
    "LISTS",
    "MEDIA_TYPES",
    "ExportFile",
    "ExportFormat",
    "ExportList",
    "Sheet",
    "creators_sheet",
    "export_file",
    "export_list",
    "lives_sheet",
    "products_sheet",
    "to_csv",
    "to_xlsx",
    "videos_sheet",
    "write",
]
