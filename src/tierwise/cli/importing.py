"""`tierwise import`: platform payloads to the canonical contract, as files or into a store."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from tierwise.cli.app import app
from tierwise.importers import (
    ImportRefused,
    ImportResult,
    Signing,
    import_source,
    load_store,
    write_folder,
)
from tierwise.store import StoreError
from tierwise.store.issues import DEFAULT_LIMIT


class Source(StrEnum):
    tiktok_orders = "tiktok-orders"
    tiktok_webhooks = "tiktok-webhooks"
    douyin_orders = "douyin-orders"
    buyin_orders = "buyin-orders"


class Money(StrEnum):
    fen = "fen"
    yuan = "yuan"


def _fail(err: Console, lines: list[str]) -> typer.Exit:
    for line in lines:
        err.print(line, style="red", highlight=False, markup=False, soft_wrap=True)
    return typer.Exit(1)


def _signing(app_key: str | None, app_secret: str | None, err: Console) -> Signing | None:
    if app_secret is None:
        return None
    if not app_key:
        raise _fail(err, ["error: --app-secret needs --app-key (the signature covers it)"])
    return Signing(app_key, app_secret)


def _summary(result: ImportResult, where: str) -> list[str]:
    lines = [
        f"{result.source}: {len(result.rows):,} orders from {result.records:,} records → {where}"
    ]
    lines += [f"  left out: {n:,} {reason}" for reason, n in sorted(result.left_out.items())]
    return lines


@app.command("import")
def import_(
    source: Annotated[Source, typer.Argument(help="What the payloads are.")],
    path: Annotated[Path, typer.Argument(exists=True, help="A payload file, or a folder of them.")],
    out: Annotated[
        Path | None, typer.Option("--out", help="Write DIR/orders.csv for `tierwise data load`.")
    ] = None,
    db: Annotated[
        Path | None, typer.Option("--db", help="Load straight into this DuckDB store.")
    ] = None,
    shop: Annotated[
        str | None, typer.Option(help="tiktok-orders: the shop id the pages were fetched for.")
    ] = None,
    money: Annotated[
        Money, typer.Option(help="buyin-orders: the unit of the amounts.")
    ] = Money.fen,
    orders: Annotated[
        Path | None,
        typer.Option(help="tiktok-webhooks: a canonical folder of the orders they change."),
    ] = None,
    app_key: Annotated[str | None, typer.Option(help="tiktok-webhooks: the app key.")] = None,
    app_secret: Annotated[
        str | None,
        typer.Option(
            envvar="TIERWISE_TTS_APP_SECRET",
            help="tiktok-webhooks: verify each delivery's signature with this app secret.",
        ),
    ] = None,
    limit: Annotated[
        int, typer.Option(min=1, help="How many problems to list before 'and N more'.")
    ] = DEFAULT_LIMIT,
) -> None:
    """Read TikTok Shop, Douyin or 巨量百应 payloads into the canonical contract.

    Writes DIR/orders.csv (--out) or loads into a store (--db), all or nothing: a bad
    payload is refused (exit 1) with every problem as `file: record: field: what`.
    The mapping of each source is in docs/importers.md.
    """
    out_console, err = Console(), Console(stderr=True)
    if (out is None) == (db is None):
        raise _fail(err, ["error: give exactly one of --out DIR and --db FILE"])
    signing = _signing(app_key, app_secret, err)
    base_db = db if orders is None else None
    try:
        result = import_source(
            source.value,
            path,
            shop=shop,
            money=money.value,
            signing=signing,
            db=base_db,
            orders=orders,
            limit=limit,
        )
        if out is not None:
            where = str(write_folder(result, out, limit))
        else:
            assert db is not None
            report = load_store(result, db, limit)
            where = str(db)
            for line in report.warnings.lines():
                err.print(line, style="yellow", highlight=False, markup=False, soft_wrap=True)
    except ImportRefused as exc:
        raise _fail(err, str(exc).splitlines()) from None
    except StoreError as exc:
        raise _fail(err, [f"error: {exc}"]) from None
    for line in _summary(result, where):
        out_console.print(line, highlight=False, markup=False, soft_wrap=True)
