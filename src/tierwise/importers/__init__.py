"""Importers: platform payloads (TikTok Shop, Douyin 抖店, 巨量百应) to the canonical contract.

Public surface::

    SOURCES                                   # source name -> what it reads
    import_source(source, path, **options) -> ImportResult   # rows + records left out
    write_folder(result, out)                 # out/orders.csv: loader-checked, one rename
    load_store(result, db)                    # through the canonical loader, one transaction

Exceptions::

    ImportRefused (DataError)   a bad payload: every problem as file: record: field: what

Each source's mapping (field → column, enum → value) and its ambiguous cases are in
docs/importers.md.
"""

from __future__ import annotations

from pathlib import Path

from tierwise.importers.buyin import MoneyUnit, import_buyin_orders
from tierwise.importers.canonical import OrderRow
from tierwise.importers.douyin import import_douyin_orders
from tierwise.importers.output import load_store, write_folder
from tierwise.importers.problems import ImportRefused, Problem, Problems
from tierwise.importers.result import ImportResult
from tierwise.importers.tiktok import import_tiktok_orders
from tierwise.importers.tiktok_webhooks import Signing, import_tiktok_webhooks

#: Source name → what it reads (`tierwise import SOURCE PATH`).
SOURCES: dict[str, str] = {
    "tiktok-orders": "TikTok Shop order, affiliate order and return pages (JSON)",
    "tiktok-webhooks": "TikTok Shop webhook notifications, applied to imported orders",
    "douyin-orders": "Douyin 抖店 order and after-sale pages, and pushed message batches",
    "buyin-orders": "巨量百应 MCN order exports (API pages, JSON, JSON Lines or CSV)",
}


class ImportOptionError(ImportRefused):
    """An option the source needs is missing (a shop id, the orders to apply webhooks to)."""


def import_source(
    source: str,
    path: Path,
    *,
    shop: str | None = None,
    money: MoneyUnit = "fen",
    signing: Signing | None = None,
    db: Path | None = None,
    orders: Path | None = None,
    limit: int | None = None,
) -> ImportResult:
    """Read the payloads of `source` under `path` into canonical rows (nothing written);
    raises `ImportRefused` naming every bad record."""
    if source == "tiktok-orders":
        if not shop:
            raise _option(source, "--shop", "the shop the order pages were fetched for")
        return import_tiktok_orders(path, shop, limit)
    if source == "tiktok-webhooks":
        if db is None and orders is None:
            raise _option(source, "--orders", "the imported orders the notifications change")
        return import_tiktok_webhooks(path, db=db, orders=orders, signing=signing, limit=limit)
    if source == "douyin-orders":
        return import_douyin_orders(path, limit)
    if source == "buyin-orders":
        return import_buyin_orders(path, money, limit)
    raise _option(source, "SOURCE", f"not a source; one of {', '.join(SOURCES)}")


def _option(source: str, option: str, what: str) -> ImportOptionError:
    problems = Problems()
    problems.add(Problem(source, None, option, what if option == "SOURCE" else f"needed: {what}"))
    return ImportOptionError(source, problems)


__all__ = [
    "SOURCES",
    "ImportOptionError",
    "ImportRefused",
    "ImportResult",
    "MoneyUnit",
    "OrderRow",
    "Problem",
    "Signing",
    "import_source",
    "load_store",
    "write_folder",
]
