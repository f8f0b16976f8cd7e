"""Round trip: the same facts written as canonical files and as platform payloads give the
same levels.

Each test states a small platform by hand (partners, creators or sellers, bindings, facts)
and a list of orders. The canonical side adds the orders with `World`; the platform side
writes the same orders the way TikTok Shop, Douyin 抖店 or 巨量百应 would send them, imports
them with `tierwise import`, loads the result next to the same non-order tables, and the
evaluations must agree partner by partner (level, score, status, every metric).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from typer.testing import CliRunner

from tierwise.cli.app import app
from tierwise.core.periods import Period
from tierwise.definitions.registry import load_program
from tierwise.evaluation.service import evaluate
from tierwise.store import EventStore
from tierwise.store.contract import table
from tierwise.testing.world import World

SH = ZoneInfo("Asia/Shanghai")
BK = ZoneInfo("Asia/Bangkok")


def cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def write_tables(rows: list[tuple[str, dict[str, Any]]], folder: Path) -> Path:
    """The World's rows (all but orders) as canonical CSV files."""
    folder.mkdir(parents=True, exist_ok=True)
    by_table: dict[str, list[dict[str, Any]]] = {}
    for name, values in rows:
        if name != "orders":
            by_table.setdefault(name, []).append(values)
    for name, table_rows in by_table.items():
        columns = table(name).column_names
        with (folder / f"{name}.csv").open("w", newline="") as f:
            out = csv.writer(f)
            out.writerow(columns)
            out.writerows([cell(v.get(c)) for c in columns] for v in table_rows)
    return folder


def import_cli(*args: str) -> None:
    done = CliRunner().invoke(app, ["import", *args])
    assert done.exit_code == 0, done.output


def results(con: Any, program_id: str, period: str) -> list[dict[str, Any]]:
    doc = evaluate(con, load_program(program_id), Period.parse(period)).to_dict()
    return [
        {k: r[k] for k in ("partner_id", "status", "score", "level", "metrics")}
        for r in doc["results"]
    ]


def imported(tmp_path: Path, world: World, payloads: Sequence[tuple[str, ...]]) -> EventStore:
    """A store with the World's non-order tables and the orders of `payloads` imported."""
    db = tmp_path / "imported.duckdb"
    with EventStore.open(db) as store:
        store.load(write_tables(world.rows, tmp_path / "tables"))
    for source, path, *options in payloads:
        import_cli(source, path, "--db", str(db), *options)
    return EventStore.open(db, read_only=True)


# -- Douyin 抖店 and 巨量百应 → buyin-mcn --------------------------------------------------------


@dataclass(frozen=True)
class DyOrder:
    """One child order: who sold it, where, what was paid (分) and refunded."""

    order_id: str
    creator: str
    channel: str  # live | video | showcase
    content: str | None
    paid: datetime | None
    fen: int
    refund: str = "none"  # none | partial:<fen> | full
    shop: str = "4463798"


def mcn_world() -> World:
    w = World()
    for pid in ("A1", "A2"):
        w.partner(pid, kind="mcn", market="CN")
    creators = {"A1": ["3500000000000000001", "3500000000000000002"], "A2": ["3500000000000000003"]}
    for pid, ids in creators.items():
        for cid in ids:
            w.creator(cid)
            w.bind(pid, cid, started_on=date(2024, 1, 1))
            w.fact(cid, "reputation", 4.5, date(2024, 9, 1))
            w.fact(cid, "author_level", 5, date(2024, 9, 1))
    w.seller("4463798")
    for d in (1, 2, 3):
        w.live("3500000000000000001", datetime(2024, 9, d, 20, tzinfo=SH), None)
    return w


DY_ORDERS = [
    DyOrder(
        "6919000000000000001",
        "3500000000000000001",
        "live",
        "7100000000000000001",
        datetime(2024, 9, 10, 12, 1, tzinfo=SH),
        129900,
    ),
    DyOrder(
        "6919000000000000002",
        "3500000000000000001",
        "showcase",
        None,
        datetime(2024, 9, 12, 9, 0, tzinfo=SH),
        50_000_000,
        "partial:2000000",
    ),
    DyOrder(
        "6919000000000000003",
        "3500000000000000002",
        "video",
        "7200000000000000001",
        datetime(2024, 9, 15, 18, 0, tzinfo=SH),
        200_000_000,
        "full",
    ),
    DyOrder(
        "6919000000000000004",
        "3500000000000000003",
        "showcase",
        None,
        datetime(2024, 9, 20, 8, 0, tzinfo=SH),
        130_000_000,
    ),
    DyOrder(
        "6919000000000000005",
        "3500000000000000003",
        "live",
        "7100000000000000002",
        datetime(2024, 9, 30, 23, 30, tzinfo=SH),
        10_000_000,
    ),
    DyOrder(
        "6919000000000000006",
        "3500000000000000003",
        "live",
        "7100000000000000003",
        datetime(2024, 10, 1, 0, 30, tzinfo=SH),
        99_900,
    ),
    DyOrder(
        "6919000000000000007", "3500000000000000001", "live", "7100000000000000001", None, 129900
    ),
]


def refunded_fen(o: DyOrder) -> int:
    if o.refund == "full":
        return o.fen
    return int(o.refund.split(":")[1]) if o.refund.startswith("partial") else 0


def add_canonical(w: World, orders: list[DyOrder]) -> None:
    for o in orders:
        w.order(
            o.paid,
            Decimal(o.fen) / 100,
            order_id=o.order_id,
            seller_id=o.shop,
            creator_id=o.creator,
            channel=o.channel,
            content_id=o.content,
            refund=str(Decimal(refunded_fen(o)) / 100),
            created_at=datetime(2024, 9, 1, tzinfo=SH),
            cancelled_by=None if o.paid else "buyer",
        )


def douyin_order(o: DyOrder) -> dict[str, Any]:
    """The order as order.searchList sends it: ids as JSON numbers, 分, Unix seconds."""
    created = int(datetime(2024, 9, 1, tzinfo=SH).timestamp())
    paid = int(o.paid.timestamp()) if o.paid else 0
    status, main = (5, 5) if o.paid else (4, 4)
    if o.refund == "full":
        status, main = 4, 22
    child: dict[str, Any] = {
        "order_id": int(o.order_id),
        "parent_order_id": int(o.order_id),
        "order_status": status,
        "main_status": main,
        "c_biz": 2,
        "author_id": int(o.creator),
        "room_id": int(o.content) if o.channel == "live" and o.content else 0,
        "video_id": o.content if o.channel == "video" else "",
        "product_id": 3473196049974326278,
        "sku_id": 1770000000000000001,
        "item_num": 1,
        "pay_amount": o.fen,
        "create_time": created,
        "pay_time": paid,
    }
    if not o.paid:
        child["after_sale_info"] = {
            "after_sale_status": 0,
            "after_sale_type": 5,
            "refund_status": 0,
        }
    return {
        "order_id": int(o.order_id),
        "shop_id": int(o.shop),
        "create_time": created,
        "pay_time": paid,
        "sku_order_list": [child],
    }


def douyin_payloads(orders: list[DyOrder], folder: Path) -> Path:
    folder.mkdir()
    page = {
        "code": 10000,
        "msg": "success",
        "data": {"page": 0, "size": 50, "shop_order_list": [douyin_order(o) for o in orders]},
    }
    (folder / "orders.json").write_text(json.dumps(page, ensure_ascii=False))
    pushes = [
        {
            "tag": "206",
            "msg_id": f"74200000000000000{i:02d}",
            "data": json.dumps(
                {
                    "aftersale_id": 7410000000000000000 + i,
                    "s_id": int(o.order_id),
                    "p_id": int(o.order_id),
                    "refund_amount": refunded_fen(o),
                    "aftersale_status": 12,
                }
            ),
        }
        for i, o in enumerate(orders)
        if o.refund.startswith("partial")
    ]
    (folder / "pushes.json").write_text(json.dumps(pushes))
    return folder


def buyin_payloads(orders: list[DyOrder], folder: Path) -> Path:
    """The same orders as a yuan CSV export of buyin.instituteOrderMCN (paid orders only:
    百应 lists an order once it is paid)."""
    folder.mkdir()
    media = {"live": "live", "video": "video", "showcase": "shop_list"}
    columns = [
        "order_id",
        "product_id",
        "author_buyin_id",
        "shop_id",
        "pay_goods_amount",
        "settled_goods_amount",
        "commission_rate",
        "flow_point",
        "pay_success_time",
        "item_num",
        "media_type",
        "media_id",
    ]
    with (folder / "export.csv").open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(columns)
        for o in orders:
            if o.paid is None:
                continue
            yuan, refunded = Decimal(o.fen) / 100, Decimal(refunded_fen(o)) / 100
            flow = "REFUND" if o.refund == "full" else "SETTLE"
            out.writerow(
                [
                    o.order_id,
                    "3473196049974326278",
                    o.creator,
                    o.shop,
                    f"{yuan:.2f}",
                    f"{yuan - refunded:.2f}",
                    2500,
                    flow,
                    o.paid.astimezone(SH).strftime("%Y-%m-%d %H:%M:%S"),
                    1,
                    media[o.channel],
                    o.content or "",
                ]
            )
    return folder


def test_douyin_orders_give_the_levels_of_the_canonical_files(tmp_path: Path) -> None:
    canonical = mcn_world()
    add_canonical(canonical, DY_ORDERS)
    expected = results(canonical.con, "buyin-mcn", "2024-09")
    # the facts are worth checking: A1 settles 1,299 + (500,000 − 20,000) (the video order
    # is refunded whole, the unpaid one never paid); A2 1,300,000 + 100,000
    by_id = {r["partner_id"]: r for r in expected}
    assert by_id["A1"]["metrics"]["settled_gmv"] == 481299.0
    assert by_id["A2"]["metrics"]["settled_gmv"] == 1400000.0

    payloads = douyin_payloads(DY_ORDERS, tmp_path / "douyin")
    with imported(tmp_path, mcn_world(), [("douyin-orders", str(payloads))]) as store:
        assert results(store.con, "buyin-mcn", "2024-09") == expected


def test_buyin_export_gives_the_levels_of_the_canonical_files(tmp_path: Path) -> None:
    paid = [o for o in DY_ORDERS if o.paid is not None]
    canonical = mcn_world()
    add_canonical(canonical, paid)
    expected = results(canonical.con, "buyin-mcn", "2024-09")
    payloads = buyin_payloads(paid, tmp_path / "buyin")
    # 百应 rows carry no creation time: the canonical side's created_at is not graded
    with imported(
        tmp_path, mcn_world(), [("buyin-orders", str(payloads), "--money", "yuan")]
    ) as store:
        assert results(store.con, "buyin-mcn", "2024-09") == expected


# -- TikTok Shop → tts-th-tsp-shop ------------------------------------------------------------


@dataclass(frozen=True)
class TtsOrder:
    order_id: str
    shop: str
    created: datetime
    paid: datetime | None
    amount: str  # THB
    cancelled_by: str | None = None
    late: bool = False


SHOPS = {
    "T1": ["7494726673780140001", "7494726673780140002", "7494726673780140003"],
    "T2": ["7494726673780140011", "7494726673780140012", "7494726673780140013"],
}


def tsp_world() -> World:
    w = World()
    w.fx("THB", "0.028", date(2024, 1, 1))
    for pid, shops in SHOPS.items():
        w.partner(pid, kind="tsp", market="TH")
        for s in shops:
            w.seller(s, market="TH")
            w.bind(pid, s, "fulfillment", started_on=date(2024, 1, 1))
    return w


def tts_orders() -> list[TtsOrder]:
    orders = []
    n = 0
    for pid, shops in SHOPS.items():
        for i, shop in enumerate(shops):
            for day in (2, 9, 16, 23):
                n += 1
                paid = datetime(2024, 9, day, 10, tzinfo=BK)
                amount = "120000.00" if pid == "T2" else "45000.50"
                orders.append(TtsOrder(f"57700000000000{n:05d}", shop, paid, paid, amount))
            n += 1
            # T1's first shop cancels one order itself; its second ships one late
            cancelled = "seller" if (pid, i) == ("T1", 0) else "buyer"
            when = datetime(2024, 8, 20, 9, tzinfo=BK)
            orders.append(TtsOrder(f"57700000000000{n:05d}", shop, when, when, "500.00", cancelled))
            n += 1
            orders.append(
                TtsOrder(
                    f"57700000000000{n:05d}", shop, when, when, "800.00", late=(pid, i) == ("T1", 1)
                )
            )
    return orders


def tts_order(o: TtsOrder) -> dict[str, Any]:
    created = int(o.created.timestamp())
    order: dict[str, Any] = {
        "id": o.order_id,
        "status": "CANCELLED" if o.cancelled_by else "COMPLETED",
        "create_time": created,
        "update_time": created + 86400,
        "payment": {"currency": "THB", "sub_total": o.amount, "total_amount": o.amount},
        "line_items": [
            {
                "id": o.order_id + "1",
                "product_id": "1728000000000000001",
                "sku_id": "1729000000000000001",
                "sale_price": o.amount,
                "currency": "THB",
            }
        ],
    }
    if o.paid:
        order["paid_time"] = int(o.paid.timestamp())
    if o.cancelled_by:
        order["cancellation_initiator"] = o.cancelled_by.upper()
    else:
        order["rts_sla_time"] = created + 2 * 86400
        order["rts_time"] = created + (3 if o.late else 1) * 86400
    return order


def test_tiktok_orders_give_the_levels_of_the_canonical_files(tmp_path: Path) -> None:
    orders = tts_orders()
    canonical = tsp_world()
    for o in orders:
        canonical.order(
            o.paid,
            o.amount,
            order_id=o.order_id,
            seller_id=o.shop,
            currency="THB",
            channel="shop_tab",
            created_at=o.created,
            cancelled_by=o.cancelled_by,
            late_dispatch=o.late,
            refund=o.amount if o.cancelled_by else "0",
        )
    expected = results(canonical.con, "tts-th-tsp-shop", "2024Q3")
    by_id = {r["partner_id"]: r for r in expected}
    # T1: 1 seller cancellation of 18 orders created in the 90 days → a nonzero rate
    assert by_id["T1"]["metrics"]["cancellation_rate"] > 0
    assert by_id["T2"]["metrics"]["cancellation_rate"] == 0
    assert by_id["T1"]["metrics"]["late_dispatch_rate"] > 0
    # T1: 3 sellers 0 + avg GMV 5,040 USD 20×1/2 + cancellation 0 + late 0 + returns 10
    # + reviews 10 + IPR 10 = 40, no award; T2: 0 + 10 + 15 + 15 + 10 + 10 + 10 = 70
    assert (by_id["T1"]["score"], by_id["T1"]["level"]) == (40, None)
    assert (by_id["T2"]["score"], by_id["T2"]["level"]) == (70, "Certified")

    payloads = []
    for shop in {o.shop for o in orders}:
        folder = tmp_path / "pages" / shop
        folder.mkdir(parents=True)
        mine = [tts_order(o) for o in orders if o.shop == shop]
        (folder / "page-1.json").write_text(json.dumps({"code": 0, "data": {"orders": mine}}))
        payloads.append(("tiktok-orders", str(folder), "--shop", shop))
    with imported(tmp_path, tsp_world(), payloads) as store:
        assert results(store.con, "tts-th-tsp-shop", "2024Q3") == expected
