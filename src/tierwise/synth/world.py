"""Building the synthetic platform and writing it, table by table and month by month.

`build` plants the archetypes, adds the background, derives facts and violations and scales
background volume to the scale's order target. `generate` writes the static tables, then
for each order month its livestreams, videos and orders, chunk by chunk (bounded memory).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa

from tierwise.store.contract import COMPASS_TABLES, FACT_NAMES, TABLES
from tierwise.synth import columns as col
from tierwise.synth import facts, isv, mcn, tsp, violations
from tierwise.synth.clock import Calendar
from tierwise.synth.compass import (
    CompassContext,
    MonthSales,
    authorizations,
    month_tables,
    stock_levels,
)
from tierwise.synth.content import MonthContent, month_content
from tierwise.synth.marketplace import add_background
from tierwise.synth.markets import MARKETS, NUM_UNIT, make_fx
from tierwise.synth.naming import (
    CREATOR_ID,
    PRODUCT_ID,
    SELLER_ID,
    VIOLATION_ID,
    creator_handles,
    product_titles,
    row_ids,
    seller_names,
)
from tierwise.synth.orders import (
    OrderContext,
    chunk_bounds,
    expected_orders,
    month_factors,
    order_chunk,
)
from tierwise.synth.population import (
    ACCOUNT_TYPES,
    BACKGROUND,
    RAMP,
    SERVICES,
    SUBJECT_KINDS,
    VIOLATION_KINDS,
    Population,
)
from tierwise.synth.scale import Scale, get_scale
from tierwise.synth.seeding import stream
from tierwise.synth.writer import FileFormat, Sink, clear, open_sink

#: Called as progress(description, completed steps, total steps).
Progress = Callable[[str, int, int], None]
#: Tables written month by month; the others are written whole.
MONTHLY_TABLES = ("livestreams", "videos", "orders")
#: Data Compass tables written month by month (after the month's orders they derive from).
COMPASS_MONTHLY = ("live_sources", "live_products", "live_minutes", "audiences")
_MARKET_CODES = tuple(m.code for m in MARKETS)


@dataclass
class Platform:
    """The population plus the ISV tables, which are built directly as Arrow tables."""

    pop: Population
    isv: isv.IsvTables


@dataclass
class TableReport:
    rows: int = 0
    paths: list[Path] = field(default_factory=list)

    @property
    def bytes(self) -> int:
        return sum(p.stat().st_size for p in self.paths)


@dataclass
class GenerationReport:
    out: Path
    scale: str
    seed: int
    format: str
    end_month: str
    tables: dict[str, TableReport]
    seconds: float
    #: (partner_id, what it was planted to reach) for every planted partner.
    planted: list[tuple[str, str]]


def build(seed: int, scale: Scale, calendar: Calendar) -> Platform:
    pop = Population(seed, calendar, make_fx(seed, calendar))
    pending_double = tsp.plant(pop) if scale.plant else tsp.PendingDouble()
    background = add_background(pop, scale)
    pending_moves = mcn.plant(pop, background) if scale.plant else mcn.PendingMoves()
    isv_tables = isv.build(pop, scale, background)
    tsp.add_background(pop, scale, background, pending_double)
    mcn.add_background(pop, scale, background, pending_moves)
    violations.add_background(pop)
    facts.select_douyin(pop)
    facts.flag_abnormal(pop)
    facts.add_creator_facts(pop)
    facts.add_abnormal_facts(pop)
    _calibrate(pop, scale)
    pop.freeze()
    return Platform(pop, isv_tables)


def _calibrate(pop: Population, scale: Scale) -> None:
    """Scale background rates so planted plus background orders meet the scale's target."""
    expected = expected_orders(pop, month_factors(pop))
    profile = pop.streams["profile"]
    planted = float(expected[profile == RAMP].sum())
    background = float(expected[profile == BACKGROUND].sum())
    wanted = max(scale.orders - planted, 0.25 * scale.orders)
    if background > 0:
        index = np.flatnonzero(profile == BACKGROUND)
        pop.streams.set("rate", index, pop.streams["rate"][index] * (wanted / background))


# Static tables ------------------------------------------------------------------------


def _subject_ids(kind: np.ndarray, subject: np.ndarray, partner_ids: pa.Array) -> pa.Array:
    """Subject identifiers of rows whose subject kind is seller, creator or partner."""
    order = np.argsort(kind, kind="stable")
    k, s = kind[order], subject[order]
    parts = [
        row_ids(SELLER_ID, s[k == 0]),
        row_ids(CREATOR_ID, s[k == 1]),
        col.pick(partner_ids, s[k == 2]),
    ]
    together = pa.concat_arrays(parts)
    inverse = np.empty_like(order)
    inverse[order] = np.arange(len(order))
    return together.take(pa.array(inverse))


def _unique_rows(*keys: np.ndarray) -> np.ndarray:
    """Indices of the first row of each distinct key, in key order (lexicographic)."""
    order = np.lexsort(keys[::-1])
    stacked = np.stack([k[order] for k in keys])
    first = np.ones(len(order), dtype=bool)
    first[1:] = (stacked[:, 1:] != stacked[:, :-1]).any(axis=0)
    return order[first]


def static_tables(platform: Platform) -> dict[str, pa.Table]:
    pop = platform.pop
    rng = stream(pop.seed, "static")
    partners = pop.partners
    partner_ids = pa.array(partners.ids, pa.string())
    s, c, b, v, f = pop.sellers, pop.creators, pop.bindings, pop.violations, pop.facts
    tables: dict[str, pa.Table] = {}
    tables["partners"] = col.build(
        "partners",
        {
            "partner_id": partner_ids,
            "name": pa.array(partners.names, pa.string()),
            "kind": pa.array(partners.kinds, pa.string()),
            "market": pa.array(partners.markets, pa.string()),
            "joined_on": col.dates(np.array(partners.joined, dtype=np.int64)),
        },
    )
    tables["sellers"] = col.build(
        "sellers",
        {
            "seller_id": row_ids(SELLER_ID, np.arange(s.size)),
            "name": seller_names(rng, s.size),
            "market": col.labels(_MARKET_CODES, s["market"]),
        },
    )
    tables["creators"] = col.build(
        "creators",
        {
            "creator_id": row_ids(CREATOR_ID, np.arange(c.size)),
            "handle": creator_handles(rng, np.arange(c.size) + 1),
            "region": col.labels(_MARKET_CODES, c["region"]),
            "followers": col.ints(c["followers"]),
            "seller_id": row_ids(SELLER_ID, c["seller"]),
            "account_type": col.labels(ACCOUNT_TYPES, c["account"]),
        },
    )
    keep = _unique_rows(b["partner"], b["kind"], b["subject"], b["service"], b["started"])
    ended = b["ended"][keep]
    if ((ended >= 0) & (ended <= b["started"][keep])).any():
        raise AssertionError("a binding ends before it starts")
    tables["bindings"] = col.build(
        "bindings",
        {
            "partner_id": col.pick(partner_ids, b["partner"][keep]),
            "subject_kind": col.labels(SUBJECT_KINDS, b["kind"][keep]),
            "subject_id": _subject_ids(b["kind"][keep], b["subject"][keep], partner_ids),
            "service": col.labels(SERVICES, b["service"][keep]),
            "started_on": col.dates(b["started"][keep]),
            "ended_on": col.dates(ended, ended >= 0),
        },
    )
    products = s["products"].astype(np.int64)
    n_products = int(products.sum())
    stock = np.where(
        rng.random(n_products) < 0.1,
        rng.integers(0, 5, n_products),
        rng.lognormal(np.log(200), 1.2, n_products).astype(np.int64),
    )
    tables["products"] = col.build(
        "products",
        {
            "product_id": row_ids(PRODUCT_ID, np.arange(n_products)),
            "seller_id": row_ids(SELLER_ID, np.repeat(np.arange(s.size), products)),
            "title": product_titles(rng, n_products),
            "stock": col.ints(stock, rng.random(n_products) >= 0.05),
        },
    )
    order = np.argsort(v["occurred"], kind="stable")
    revoked = v["revoked"][order]
    tables["violations"] = col.build(
        "violations",
        {
            "violation_id": row_ids(VIOLATION_ID, np.arange(v.size)),
            "subject_kind": col.labels(SUBJECT_KINDS, v["kind"][order]),
            "subject_id": _subject_ids(v["kind"][order], v["subject"][order], partner_ids),
            "kind": col.labels(VIOLATION_KINDS, v["violation"][order]),
            "severe": col.bools(v["severe"][order]),
            "points": col.num(v["points"][order]),
            "occurred_at": col.timestamps(v["occurred"][order]),
            "revoked_at": col.timestamps(revoked, revoked >= 0),
        },
    )
    keep = _unique_rows(f["kind"], f["subject"], f["name"], f["as_of"])
    tables["facts"] = col.build(
        "facts",
        {
            "subject_kind": col.labels(SUBJECT_KINDS, f["kind"][keep]),
            "subject_id": _subject_ids(f["kind"][keep], f["subject"][keep], partner_ids),
            "name": col.labels(FACT_NAMES, f["name"][keep]),
            "as_of": col.dates(f["as_of"][keep]),
            "value": col.num(f["value"][keep]),
        },
    )
    fx = pop.fx
    currencies = [m.currency for m in MARKETS for _ in fx.valid_from] + ["USD"]
    valid_from = np.concatenate([np.tile(fx.valid_from, len(MARKETS)), fx.valid_from[:1]])
    rates = np.concatenate([fx.usd_per_unit.ravel(), [1.0]])
    tables["fx_rates"] = col.build(
        "fx_rates",
        {
            "currency": pa.array(currencies, pa.string()),
            "valid_from": col.dates(valid_from),
            "usd_per_unit": col.num(np.round(rates * NUM_UNIT).astype(np.int64)),
        },
    )
    tables["apps"] = platform.isv.apps
    tables["subscriptions"] = platform.isv.subscriptions
    tables["api_calls"] = platform.isv.api_calls
    return tables


# Generation ---------------------------------------------------------------------------


def generate(
    out: Path,
    scale_name: str,
    seed: int,
    fmt: FileFormat = "parquet",
    end_month: str = "2026-09",
    partitioned: bool | None = None,
    progress: Progress | None = None,
    compass: bool = True,
) -> GenerationReport:
    """Write every contract table of a synthetic platform into `out`.

    `compass=False` leaves out the Data Compass tables and `orders.quantity` (null): the
    platform as it was before them, byte for byte in every other column and table.
    """
    began = time.perf_counter()
    scale = get_scale(scale_name)
    calendar = Calendar.ending(end_month)
    split = scale.partitioned if partitioned is None else partitioned
    total = 2 + len(calendar.months)
    report = {t.name: TableReport() for t in TABLES}

    def step(description: str, done: int) -> None:
        if progress is not None:
            progress(description, done, total)

    out.mkdir(parents=True, exist_ok=True)
    step("building parties, bindings and facts", 0)
    platform = build(seed, scale, calendar)
    pop = platform.pop
    step("writing parties, products, facts", 1)
    _write_static(out, fmt, platform, report)
    monthly = MONTHLY_TABLES + (COMPASS_MONTHLY if compass else ())
    sinks: dict[str, Sink] = {
        name: open_sink(out, name, fmt, partitioned=split and fmt == "parquet") for name in monthly
    }
    context = OrderContext.create(pop, scale.orders, quantities=compass)
    compass_context = CompassContext.create(pop, context) if compass else None
    months = _MonthWriter(pop, scale, sinks, report, context, compass_context)
    if compass:
        requests, request_offsets = authorizations(pop)
        _write_whole(out, fmt, "authorizations", requests, request_offsets, report)
    else:
        for name in COMPASS_TABLES:
            clear(out, name)
    for m, month in enumerate(calendar.months):
        step(f"month {month}", 2 + m)
        months.write(m)
    if months.compass is not None:
        stock, stock_offsets = stock_levels(months.compass, months.stock_sales)
        _write_whole(out, fmt, "stock_levels", stock, stock_offsets, report)
    months.close()
    step("done", total)
    planted = [
        (pid, target)
        for pid, target in zip(pop.partners.ids, pop.partners.targets, strict=True)
        if target
    ]
    return GenerationReport(
        out, scale.name, seed, fmt, end_month, report, time.perf_counter() - began, planted
    )


def _write_static(
    out: Path, fmt: FileFormat, platform: Platform, report: dict[str, TableReport]
) -> None:
    """Write the tables that are not written month by month, each into one file."""
    for name, t in static_tables(platform).items():
        sink = open_sink(out, name, fmt, partitioned=False)
        sink.write(t)
        report[name].rows = t.num_rows
        report[name].paths = sink.close()


def _write_whole(
    out: Path,
    fmt: FileFormat,
    name: str,
    rows: pa.Table,
    offsets: np.ndarray,
    report: dict[str, TableReport],
) -> None:
    """Write a Data Compass table derived whole (authorizations, stock levels) into one file."""
    sink = open_sink(out, name, fmt, partitioned=False)
    if rows.num_rows:  # an empty table is written by closing the sink
        sink.write(rows, offsets)
    report[name].rows = rows.num_rows
    report[name].paths = sink.close()


@dataclass
class _MonthWriter:
    """Writes the monthly tables: a month's livestreams and videos, its orders chunk by
    chunk, then the Data Compass tables derived from them; row ids run on across months."""

    pop: Population
    scale: Scale
    sinks: dict[str, Sink]
    report: dict[str, TableReport]
    orders: OrderContext
    #: None when the Data Compass tables are left out.
    compass: CompassContext | None = None
    #: Each month's sales in livestreams with minutes, for the stock levels.
    stock_sales: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = field(
        default_factory=list
    )
    next_live: int = 0
    next_video: int = 0
    next_order: int = 0

    def write(self, m: int) -> None:
        content = self._content(m)
        sales = self._orders(m, content)
        if self.compass is not None:
            self._compass(self.compass, m, content, sales)

    def close(self) -> None:
        for name, sink in self.sinks.items():
            self.report[name].paths = sink.close()

    def _content(self, m: int) -> MonthContent:
        """The month's livestreams and videos."""
        content = month_content(self.pop, m, self.next_live, self.next_video)
        self.next_live += content.livestreams.num_rows
        self.next_video += content.videos.num_rows
        self.sinks["livestreams"].write(content.livestreams, content.live_offsets)
        self.sinks["videos"].write(content.videos, content.video_offsets)
        self.report["livestreams"].rows += content.livestreams.num_rows
        self.report["videos"].rows += content.videos.num_rows
        return content

    def _orders(self, m: int, content: MonthContent) -> MonthSales:
        """The month's orders, chunk by chunk; returns the sales Data Compass derives from."""
        counts = self.orders.month_counts(m)
        sales = MonthSales()
        for part, (lo, hi) in enumerate(chunk_bounds(counts, self.scale.chunk_orders)):
            orders, offsets, order_facts = order_chunk(
                self.orders, m, part, lo, hi, counts, content, self.next_order
            )
            self.next_order += orders.num_rows
            self.report["orders"].rows += orders.num_rows
            self.sinks["orders"].write(orders, offsets)
            if self.compass is not None:
                sales.add(order_facts, keep_all=self.compass.detailed(m))
        return sales

    def _compass(
        self, compass: CompassContext, m: int, content: MonthContent, sales: MonthSales
    ) -> None:
        """The month's Data Compass tables, derived from its content and sales."""
        derived = month_tables(compass, m, content, sales.merged())
        written: dict[str, tuple[pa.Table | None, np.ndarray | None]] = {
            "live_sources": (derived.live_sources, None),
            "live_products": (derived.live_products, None),
            "live_minutes": (derived.live_minutes, derived.minute_offsets),
            "audiences": (derived.audiences, None),
        }
        for name, (rows, row_offsets) in written.items():
            if rows is not None and rows.num_rows:
                self.sinks[name].write(rows, row_offsets)
                self.report[name].rows += rows.num_rows
        if derived.stock_sales is not None:
            self.stock_sales.append(derived.stock_sales)
