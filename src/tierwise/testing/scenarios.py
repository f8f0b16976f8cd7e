"""Small worlds with a story, shared by the tests of runs, the lifecycle and the CLI."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from tierwise.core.periods import Period
from tierwise.testing.world import World

CREATORS = [f"c{i}" for i in range(20)]


def daily_orders(w: World, month: Period, skip: date | None = None) -> None:
    """One small order a day by an unbound creator, so every day of the month has orders."""
    day = month.start
    while day < month.end:
        if day != skip:
            w.order(datetime(day.year, day.month, day.day, 4, tzinfo=UTC), "1", creator_id="x")
        day += timedelta(days=1)


def buyin_three_months(skip: date | None = None) -> World:
    """Agency A over three months, engineered so that by hand:

    2024-07: reputation 4.0 → service 160; 20 authors ≥ L5 → 100; 12 live days → 50.
             310 → V2 (first assessment: taken directly).
    2024-08: reputation 5 → 200; authors 100; live 50; 100k settled GMV, all showcase and
             good goods, every author selling → GMV 50 + orders 20/1000×40 = 0.8 + growth
             80 + 60 + 60 = 200. 600.8 → 601 → V5, but up one level only: V3.
    2024-09: reputation 4.0 → 160; authors level 0 → 0; no lives, no orders → 160 → V1:
             straight down to V1.
    `skip` leaves one day without orders (the data gate then fails for its month).
    """
    w = World()
    w.partner("A", joined_on=date(2024, 1, 1))
    w.seller("S0")
    w.creator("x")
    for c in CREATORS:
        w.creator(c)
        w.bind("A", c)
        w.fact(c, "reputation", "4.0", date(2024, 7, 1))
        w.fact(c, "reputation", "5", date(2024, 8, 1))
        w.fact(c, "reputation", "4.0", date(2024, 9, 1))
        w.fact(c, "author_level", 6, date(2024, 8, 2))
        w.fact(c, "author_level", 6, date(2024, 9, 2))
        w.fact(c, "author_level", 0, date(2024, 10, 2))
        for month in (7, 8):
            for d in range(1, 13):
                w.live(c, datetime(2024, month, d, 12, tzinfo=UTC), None)
        w.order(
            datetime(2024, 8, 10, 4, tzinfo=UTC),
            "5000",
            creator_id=c,
            channel="showcase",
            good_goods=True,
        )
    for m in ("2024-07", "2024-08", "2024-09"):
        daily_orders(w, Period.parse(m), skip)
    return w


def export(w: World, folder: Path) -> Path:
    """Write every table of the world as Parquet files in the canonical layout."""
    from tierwise.store.contract import TABLES

    folder.mkdir(parents=True, exist_ok=True)
    for t in TABLES:
        w.con.execute(f"COPY {t.name} TO '{folder / t.name}.parquet' (FORMAT parquet)")
    return folder
