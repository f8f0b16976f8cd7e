"""A small hand-built platform in an in-memory DuckDB store, for tests.

Each method adds one row with sensible defaults for the columns a test does not care
about, so a test states only what its hand-computed expectation depends on.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from tierwise.store.contract import TABLES, create_table_sql, table
from tierwise.store.engine import EventEngine


class World:
    def __init__(self, con: duckdb.DuckDBPyConnection | None = None) -> None:
        self.con = con or duckdb.connect()
        self.con.execute("SET TimeZone = 'UTC'")
        for t in TABLES:
            self.con.execute(create_table_sql(t))
        self._ids = itertools.count(1)
        #: Every row added, in order, as (table, values): `replay` inserts them elsewhere.
        self.rows: list[tuple[str, dict[str, Any]]] = []

    def _next(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids)}"

    def add(self, table_name: str, **values: Any) -> dict[str, Any]:
        t = table(table_name)
        unknown = set(values) - set(t.column_names)
        if unknown:
            raise KeyError(f"{table_name} has no column(s) {sorted(unknown)}")
        row = [values.get(c) for c in t.column_names]
        marks = ", ".join("?" for _ in row)
        self.con.execute(f'INSERT INTO "{table_name}" VALUES ({marks})', row)
        self.rows.append((table_name, dict(values)))
        return values

    def replay(self, rows: Iterable[tuple[str, dict[str, Any]]]) -> World:
        """Insert rows recorded by another World (e.g. shuffled); returns self."""
        for table_name, values in rows:
            self.add(table_name, **values)
        return self

    def partner(
        self,
        partner_id: str,
        kind: str = "mcn",
        market: str = "CN",
        joined_on: date = date(2020, 1, 1),
        name: str | None = None,
    ) -> str:
        self.add(
            "partners",
            partner_id=partner_id,
            name=name or partner_id,
            kind=kind,
            market=market,
            joined_on=joined_on,
        )
        return partner_id

    def seller(self, seller_id: str, market: str = "CN") -> str:
        self.add("sellers", seller_id=seller_id, name=seller_id, market=market)
        return seller_id

    def creator(
        self,
        creator_id: str,
        region: str = "CN",
        followers: int = 1000,
        seller_id: str | None = None,
        account_type: str | None = "affiliate",
    ) -> str:
        self.add(
            "creators",
            creator_id=creator_id,
            handle=creator_id,
            region=region,
            followers=followers,
            seller_id=seller_id,
            account_type=account_type,
        )
        return creator_id

    def bind(
        self,
        partner_id: str,
        subject_id: str,
        service: str = "mcn",
        started_on: date = date(2020, 1, 1),
        ended_on: date | None = None,
        subject_kind: str | None = None,
    ) -> None:
        kind = subject_kind or ("creator" if service == "mcn" else "seller")
        self.add(
            "bindings",
            partner_id=partner_id,
            subject_kind=kind,
            subject_id=subject_id,
            service=service,
            started_on=started_on,
            ended_on=ended_on,
        )

    def order(
        self,
        paid_at: datetime | None,
        amount: str | Decimal,
        *,
        seller_id: str = "S0",
        creator_id: str | None = None,
        refund: str = "0",
        currency: str = "CNY",
        channel: str = "live",
        created_at: datetime | None = None,
        **flags: Any,
    ) -> str:
        order_id = flags.pop("order_id", None) or self._next("O")
        values: dict[str, Any] = dict(
            order_id=order_id,
            seller_id=seller_id,
            creator_id=creator_id,
            product_id="PR1",
            channel=channel,
            content_id=None,
            buyer_id=None,
            created_at=created_at or paid_at or datetime(2020, 1, 1),
            paid_at=paid_at,
            amount=Decimal(amount),
            refund_amount=Decimal(refund),
            currency=currency,
            cancelled_by=None,
            late_dispatch=False,
            return_fault=None,
            review_rating=None,
            abnormal=False,
            good_goods=False,
            worry_free=False,
        )
        values.update(flags)
        self.add("orders", **values)
        return order_id

    def fact(
        self,
        subject_id: str,
        name: str,
        value: float | str,
        as_of: date,
        subject_kind: str = "creator",
    ) -> None:
        self.add(
            "facts",
            subject_kind=subject_kind,
            subject_id=subject_id,
            name=name,
            as_of=as_of,
            value=Decimal(str(value)),
        )

    def live(
        self,
        creator_id: str,
        started_at: datetime,
        ended_at: datetime | None,
        views: int = 0,
        live_id: str | None = None,
        seller_id: str | None = None,
    ) -> str:
        live_id = live_id or self._next("L")
        self.add(
            "livestreams",
            live_id=live_id,
            creator_id=creator_id,
            seller_id=seller_id,
            started_at=started_at,
            ended_at=ended_at,
            views=views,
            viewers=views,
            product_impressions=0,
            product_clicks=0,
        )
        return live_id

    def video(
        self,
        creator_id: str,
        posted_at: datetime,
        views: int = 0,
        video_id: str | None = None,
        status: str = "active",
    ) -> str:
        video_id = video_id or self._next("V")
        self.add(
            "videos",
            video_id=video_id,
            creator_id=creator_id,
            seller_id=None,
            posted_at=posted_at,
            duration_s=30,
            views=views,
            finish_rate=Decimal("0.5"),
            likes=0,
            comments=0,
            shares=0,
            new_followers=0,
            product_impressions=0,
            product_clicks=0,
            status=status,
        )
        return video_id

    def violation(
        self,
        subject_id: str,
        occurred_at: datetime,
        kind: str = "content",
        severe: bool = False,
        points: str = "0",
        subject_kind: str = "seller",
        revoked_at: datetime | None = None,
    ) -> str:
        vid = self._next("VI")
        self.add(
            "violations",
            violation_id=vid,
            subject_kind=subject_kind,
            subject_id=subject_id,
            kind=kind,
            severe=severe,
            points=Decimal(points),
            occurred_at=occurred_at,
            revoked_at=revoked_at,
        )
        return vid

    def fx(self, currency: str, usd_per_unit: str, valid_from: date = date(2000, 1, 1)) -> None:
        self.add(
            "fx_rates", currency=currency, valid_from=valid_from, usd_per_unit=Decimal(usd_per_unit)
        )

    def app(
        self,
        partner_id: str,
        app_id: str | None = None,
        published_on: date | None = date(2020, 1, 1),
        status: str = "published",
    ) -> str:
        app_id = app_id or self._next("A")
        self.add(
            "apps", app_id=app_id, partner_id=partner_id, published_on=published_on, status=status
        )
        return app_id

    def subscribe(
        self,
        app_id: str,
        seller_id: str,
        started_on: date = date(2020, 1, 1),
        ended_on: date | None = None,
    ) -> None:
        self.add(
            "subscriptions",
            app_id=app_id,
            seller_id=seller_id,
            started_on=started_on,
            ended_on=ended_on,
        )

    def api_calls(self, app_id: str, day: date, calls: int) -> None:
        self.add("api_calls", app_id=app_id, day=day, calls=calls)

    def to_parquet(self, folder: Path) -> Path:
        """Write every table to `<folder>/<table>.parquet` (DuckDB's COPY), the layout the
        Spark engine reads: the same world on both engines."""
        folder.mkdir(parents=True, exist_ok=True)
        for t in TABLES:
            target = str(folder / f"{t.name}.parquet").replace("'", "''")
            self.con.execute(f"COPY \"{t.name}\" TO '{target}' (FORMAT parquet)")
        return folder


#: A world's tables on an engine under test (the `on` fixture of tests/conftest.py).
On = Callable[[World], EventEngine]
