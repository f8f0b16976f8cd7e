"""Import throughput: `tierwise import tiktok-orders` against the canonical CSV loader.

N synthetic TikTok Shop orders (Get Order List 202309 pages of 100, one or two SKUs, half
attributed by an affiliate page) are written once. Then, each in its own process (so its
peak memory is its own), alternating:

- import: `import_source("tiktok-orders", pages)` and `write_folder` (the whole `--out`
  path, including the canonical loader's check in memory), records/s;
- baseline: `tierwise data load` of the `orders.csv` that import wrote into a fresh store,
  rows/s.

The figure is the ratio of the two rates (target: at least 0.5), with peak RSS.

    .venv/bin/python bench/importers.py [--orders 20000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SHOP = "7494726673780148744"
PAGE = 100
BASE_TIME = 1725148800  # 2024-09-01 00:00 UTC


def order(n: int) -> dict[str, Any]:
    """The n-th synthetic order: one SKU, or two for every fifth order."""
    skus = 2 if n % 5 == 0 else 1
    lines = [
        {
            "id": f"58{n:017d}{k}",
            "product_id": f"1728{n % 997:015d}",
            "product_name": "Product",
            "sku_id": f"1729{(n + k) % 1999:015d}",
            "sku_name": "Default",
            "seller_sku": "SKU",
            "original_price": "129.00",
            "sale_price": "119.50",
            "seller_discount": "9.50",
            "platform_discount": "0",
            "currency": "THB",
            "display_status": "COMPLETED",
            "package_status": "COMPLETED",
            "is_gift": False,
        }
        for k in range(skus)
    ]
    created = BASE_TIME + n * 17
    return {
        "id": f"57{n:017d}",
        "status": "COMPLETED" if n % 11 else "CANCELLED",
        "user_id": f"70{n % 50000:017d}",
        "order_type": "",
        "is_cod": n % 7 == 0,
        "is_sample_order": False,
        "is_replacement_order": False,
        "create_time": created,
        "paid_time": created + 60,
        "rts_time": created + 86400,
        "rts_sla_time": created + 2 * 86400,
        "delivery_time": created + 3 * 86400,
        "update_time": created + 4 * 86400,
        "cancellation_initiator": "BUYER",
        "payment": {
            "currency": "THB",
            "sub_total": f"{119.5 * skus:.2f}",
            "shipping_fee": "30.00",
            "total_amount": f"{119.5 * skus + 30:.2f}",
        },
        "recipient_address": {"name": "x***y", "region_code": "TH"},
        "line_items": lines,
    }


def affiliate(n: int) -> dict[str, Any]:
    o = order(n)
    sku = o["line_items"][0]
    return {
        "id": o["id"],
        "create_time": o["create_time"],
        "skus": [
            {
                "sku_id": sku["sku_id"],
                "product_id": sku["product_id"],
                "quantity": 1,
                "content_type": ("LIVE", "VIDEO", "SHOP")[n % 3],
                "content_id": f"74{n:017d}",
                "creator_username": f"creator{n % 300}",
                "commission_rate": "1000",
            }
        ],
    }


def write_pages(folder: Path, n: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for start in range(0, n, PAGE):
        ids = range(start, min(start + PAGE, n))
        orders = {"code": 0, "message": "Success", "data": {"orders": [order(i) for i in ids]}}
        (folder / f"orders-{start // PAGE:06d}.json").write_text(json.dumps(orders))
        aff = [affiliate(i) for i in ids if i % 2 == 0]
        page = {"code": 0, "message": "Success", "data": {"orders": aff}}
        (folder / f"affiliate-{start // PAGE:06d}.json").write_text(json.dumps(page))


def run_import(pages: Path, out: Path) -> int:
    from tierwise.importers import import_source, write_folder

    result = import_source("tiktok-orders", pages, shop=SHOP)
    write_folder(result, out)
    return result.records


def run_load(out: Path, db: Path) -> int:
    from tierwise.store import EventStore

    with EventStore.open(db) as store:
        report = store.load(out)
    return report.counts("orders").rows


def one(mode: str, pages: Path, out: Path, db: Path) -> None:
    """Child process: one measured run; prints seconds, records and peak RSS as JSON.
    The modules are imported before the clock starts: both sides are timed at work."""
    import tierwise.importers
    import tierwise.store

    assert tierwise.importers.SOURCES
    began = time.perf_counter()
    n = run_import(pages, out) if mode == "import" else run_load(out, db)
    seconds = time.perf_counter() - began
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "n": n, "peak_mib": peak_kib / 1024}))


def measure(mode: str, pages: Path, out: Path, db: Path) -> dict[str, float]:
    script = Path(__file__).resolve()
    done = subprocess.run(
        [sys.executable, str(script), "--child", mode, str(pages), str(out), str(db)],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, pages, out, db = args.child
        one(mode, Path(pages), Path(out), Path(db))
        return
    runs: dict[str, list[dict[str, float]]] = {"import": [], "baseline": []}
    with tempfile.TemporaryDirectory(prefix="tw-bench-import-") as tmp:
        pages, out = Path(tmp) / "pages", Path(tmp) / "out"
        write_pages(pages, args.orders)
        for r in range(args.repeat):
            runs["import"].append(measure("import", pages, out, Path(tmp) / "unused.duckdb"))
            db = Path(tmp) / f"store-{r}.duckdb"
            runs["baseline"].append(measure("baseline", pages, out, db))
            db.unlink()
        (rows,) = {int(run["n"]) for run in runs["baseline"]}
    print(
        f"machine: {platform.machine()}, nproc {os.cpu_count()}, Python {platform.python_version()}"
    )
    rates = {}
    for mode, measured in runs.items():
        seconds = statistics.median(m["seconds"] for m in measured)
        n = int(measured[0]["n"])
        rates[mode] = n / seconds
        peak = max(m["peak_mib"] for m in measured)
        unit = "records" if mode == "import" else "rows"
        print(
            f"{mode:<9} {n:>9,} {unit:<7} {seconds:7.2f} s  {rates[mode]:>11,.0f} {unit}/s  "
            f"peak {peak:,.0f} MiB"
        )
    print(
        f"import records/s ÷ loader rows/s: {rates['import'] / rates['baseline']:.2f} "
        f"(target ≥ 0.50); {rows:,} canonical rows"
    )


if __name__ == "__main__":
    main()
