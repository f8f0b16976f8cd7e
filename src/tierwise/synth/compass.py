"""The Data Compass tables: authorizations, live minutes, traffic sources, live product sales,
stock levels and audience profiles (`compass.md` §2).

Everything here draws from streams of its own ("compass-…"), after the other tables are
built, so the other tables are the same bytes whether or not these are written.

What is generated, and why:

- `authorizations` for every creator bound to a partner (only those can ever be seen): a
  history of requests inside the contract windows — most approved, some declined, some left
  unanswered until they expired (7 days), a few still pending at the end of the data; some
  approvals revoked by the creator or withdrawn by the partner; requests again after a
  decline, an expiry or a revocation, and renewals once a requested period ran out, so
  requested periods leave gaps.
- `live_sources` and `live_products` for every livestream. A livestream's product rows are
  its paid orders grouped by product (orders, items, GMV add up to the orders table) plus a
  few products shown but not sold; impressions and clicks add up to the livestream's.
- `live_minutes`, `stock_levels` and `audiences` in detail for the last `COMPASS_MONTHS`
  order months and for bound creators only (every query range of Data Compass and its
  previous period fit in them; a minute per row of every livestream would dwarf the rest).
  Minutes follow a viewer curve (ramp-up, traffic peaks, wind-down); views, clicks and
  interactions add up to the livestream's, orders and GMV to its paid orders. Stock falls
  with each minute's sales and is restocked before the next session; some sessions run the
  stock below 5. Audiences split each group over age, gender and country buckets that add up
  to the group's size, which ranges from a handful to many thousands of users.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from tierwise.synth import columns as col
from tierwise.synth.clock import DAY_S, Calendar
from tierwise.synth.content import MonthContent
from tierwise.synth.markets import MARKET_INDEX, MARKETS, OFFSET_S
from tierwise.synth.naming import (
    CREATOR_ID,
    LIVE_ID,
    PRODUCT_ID,
    VIDEO_ID,
    row_ids,
)
from tierwise.synth.orders import OrderContext, OrderFacts
from tierwise.synth.population import CREATOR, Population
from tierwise.synth.seeding import stream

#: Order months (the latest ones) with live minutes, stock levels and audiences.
COMPASS_MONTHS = 3
REQUEST_ID = ("R", 9)
#: A request with no answer this long after it was made has expired (compass.md §1).
EXPIRY_S = 7 * DAY_S
RESPONSES = ("approved", "declined")
REVOKERS = ("creator", "partner")
SOURCES = ("for_you", "following", "search", "shop", "live_square", "other")
#: Typical shares of a livestream's views by source (Dirichlet weights).
SOURCE_WEIGHTS = np.array([5.0, 2.5, 0.8, 1.0, 1.2, 0.4])
AGES = ("18-24", "25-34", "35+", "unknown")
GENDERS = ("female", "male", "other")
DIMENSIONS = ("age", "gender", "country")
STAGES = ("viewer", "clicker", "buyer", "follower")
VIEWER, CLICKER, BUYER, FOLLOWER = range(4)
SUBJECT_KINDS = ("live", "video", "product", "creator")
LIVE_SUBJECT, VIDEO_SUBJECT, PRODUCT_SUBJECT, CREATOR_SUBJECT = range(4)
#: Buckets of the country dimension: the three markets and everyone else.
COUNTRIES = (*(m.code for m in MARKETS), "other")
#: Sales of one product less than this far apart belong to one selling session (longer than
#: any livestream, so a session's restock row never meets another session's sale).
SESSION_GAP_S = 6 * 3600
_CURRENCIES = np.array([m.currency for m in MARKETS])


def split_exact(totals: np.ndarray, group: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Whole numbers per row, in proportion to `weights` within each group, adding up to
    exactly `totals[group]` (largest remainders), so parts always sum to the whole."""
    totals = np.asarray(totals, dtype=np.int64)
    n_groups = len(totals)
    counts = np.bincount(group, minlength=n_groups)
    weight_sum = np.bincount(group, weights=weights, minlength=n_groups)
    even = weight_sum[group] <= 0
    share = np.where(even, 1.0 / np.maximum(counts[group], 1), 0.0)
    share[~even] = weights[~even] / weight_sum[group][~even]
    raw = totals[group] * share
    base = np.floor(raw).astype(np.int64)
    rest = totals - np.bincount(group, weights=base, minlength=n_groups).round().astype(np.int64)
    order = np.lexsort((base - raw, group))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank = np.empty(len(group), dtype=np.int64)
    rank[order] = np.arange(len(group)) - starts[group[order]]
    return np.asarray(base + (rank < rest[group]), dtype=np.int64)


def _local_day(seconds: np.ndarray, offset_s: np.ndarray) -> np.ndarray:
    return np.asarray((seconds + offset_s) // DAY_S, dtype=np.int64)


# Authorizations -------------------------------------------------------------------------


def authorizations(pop: Population) -> tuple[pa.Table, np.ndarray]:
    """Every request between bound partners and creators; rows by request time.

    Returns the table and each row's local UTC offset in minutes (the partner's market).
    """
    rng = stream(pop.seed, "compass-authorizations")
    b = pop.bindings
    is_creator = b["kind"] == CREATOR
    partner, creator = b["partner"][is_creator], b["subject"][is_creator]
    started, ended = b["started"][is_creator], b["ended"][is_creator]
    order = np.lexsort((started, creator, partner))
    partner, creator, started, ended = partner[order], creator[order], started[order], ended[order]
    first = np.ones(len(partner), dtype=bool)
    first[1:] = (partner[1:] != partner[:-1]) | (creator[1:] != creator[:-1])
    pair_of_window = np.cumsum(first) - 1
    pair_partner, pair_creator = partner[first], creator[first]
    n_pairs = len(pair_partner)
    markets = np.array([MARKET_INDEX[m] for m in pop.partners.markets], dtype=np.int64)
    offset = OFFSET_S[markets[pair_partner]] if n_pairs else np.empty(0, np.int64)
    last_day = pop.calendar.last_day
    data_end = (last_day + 1) * DAY_S - offset
    # Windows as sortable (pair, day) keys; `ended` is exclusive, -1 still bound.
    span = np.int64(1 << 32)
    window_key = pair_of_window.astype(np.int64) * span + started
    window_end = np.where(ended >= 0, ended, last_day + 1).astype(np.int64)

    rows: dict[str, list[np.ndarray]] = {
        k: []
        for k in (
            "pair",
            "requested",
            "period_from",
            "period_to",
            "responded",
            "response",
            "revoked",
            "revoked_by",
        )
    }
    pairs = np.arange(n_pairs)
    alive = rng.random(n_pairs) >= 0.04  # a few bound creators were never asked
    day = started[first].astype(np.int64) + rng.integers(0, 21, n_pairs)
    for _ in range(6):
        p = pairs[alive]
        if len(p) == 0:
            break
        d = day[p]
        # Move a request day outside every contract window to the next window's start.
        at = np.searchsorted(window_key, p * span + d, side="right") - 1
        inside = (at >= 0) & (pair_of_window[np.maximum(at, 0)] == p)
        inside &= d < window_end[np.maximum(at, 0)]
        nxt = np.where(inside, at, at + 1)
        has_next = (nxt < len(window_key)) & (
            pair_of_window[np.minimum(nxt, len(window_key) - 1)] == p
        )
        d = np.where(inside, d, started[np.minimum(nxt, len(started) - 1)])
        keep = (inside | has_next) & (d <= last_day)
        alive[p[~keep]] = False
        p, d = p[keep], d[keep]
        k = len(p)
        if k == 0:
            break
        hour = rng.integers(9, 23, k)
        requested = d * DAY_S + hour * 3600 + rng.integers(0, 3600, k) - offset[p]
        in_data = requested < data_end[p]
        alive[p[~in_data]] = False
        p, d, requested = p[in_data], d[in_data], requested[in_data]
        k = len(p)
        back = rng.choice(np.array([0, 30, 90, 180, 365]), k, p=[0.25, 0.2, 0.25, 0.2, 0.1])
        period_from = d - back
        period_to = d + rng.integers(30, 366, k)
        u = rng.random(k)
        answered = u < 0.86
        approved = u < 0.74
        delay = np.minimum(
            rng.lognormal(np.log(8 * 3600), 1.3, k).astype(np.int64) + 60, EXPIRY_S - 60
        )
        responded = requested + delay
        answered &= responded < data_end[p]  # answered after the end: still pending
        approved &= answered
        revoked = responded + rng.integers(DAY_S, 240 * DAY_S, k)
        is_revoked = approved & (rng.random(k) < 0.15) & (revoked < data_end[p])
        by_partner = rng.random(k) < 0.35
        rows["pair"].append(p)
        rows["requested"].append(requested)
        rows["period_from"].append(period_from)
        rows["period_to"].append(period_to)
        rows["responded"].append(np.where(answered, responded, -1))
        rows["response"].append(np.where(answered, np.where(approved, 0, 1), -1))
        rows["revoked"].append(np.where(is_revoked, revoked, -1))
        rows["revoked_by"].append(np.where(is_revoked, by_partner.astype(np.int64), -1))
        # The next request of the pair, if any.
        expired = ~answered & (requested + EXPIRY_S <= data_end[p])
        declined = answered & ~approved
        v = rng.random(k)
        local = _local_day
        again = np.full(k, -1, dtype=np.int64)
        again = np.where(
            is_revoked & (v < 0.5), local(revoked, offset[p]) + rng.integers(14, 120, k), again
        )
        renew = approved & ~is_revoked & (period_to < last_day) & (v < 0.7)
        again = np.where(renew, period_to + rng.integers(-10, 40, k), again)
        again = np.where(
            declined & (v < 0.55), local(responded, offset[p]) + rng.integers(5, 90, k), again
        )
        again = np.where(expired & (v < 0.75), d + 7 + rng.integers(1, 45, k), again)
        alive[p] = again >= 0
        day[p] = np.maximum(again, d + 1)

    got = {k: np.concatenate(v) if v else np.empty(0, np.int64) for k, v in rows.items()}
    o = np.argsort(got["requested"], kind="stable")
    pair = got["pair"][o]
    responded, revoked = got["responded"][o], got["revoked"][o]
    table = col.build(
        "authorizations",
        {
            "request_id": row_ids(REQUEST_ID, np.arange(len(o))),
            "partner_id": col.pick(pa.array(pop.partners.ids, pa.string()), pair_partner[pair]),
            "creator_id": row_ids(CREATOR_ID, pair_creator[pair]),
            "requested_at": col.timestamps(got["requested"][o]),
            "period_from": col.dates(got["period_from"][o]),
            "period_to": col.dates(got["period_to"][o]),
            "responded_at": col.timestamps(responded, responded >= 0),
            "response": col.labels(RESPONSES, got["response"][o]),
            "revoked_at": col.timestamps(revoked, revoked >= 0),
            "revoked_by": col.labels(REVOKERS, got["revoked_by"][o]),
        },
    )
    return table, offset[pair] // 60


# Livestreams ----------------------------------------------------------------------------


@dataclass
class MonthSales:
    """The paid orders of one month that the Data Compass tables derive from."""

    facts: list[OrderFacts] = field(default_factory=list)

    def add(self, chunk: OrderFacts, keep_all: bool) -> None:
        """Keep paid live orders always, every paid order in a detailed month."""
        wanted = chunk.paid & (chunk.is_live & (chunk.content >= 0) | keep_all)
        index = np.flatnonzero(wanted)
        self.facts.append(
            OrderFacts(
                **{name: getattr(chunk, name)[index] for name in OrderFacts.__dataclass_fields__}
            )
        )

    def merged(self) -> OrderFacts:
        names = OrderFacts.__dataclass_fields__
        if not self.facts:
            return OrderFacts(**{name: np.empty(0, np.int64) for name in names})
        return OrderFacts(
            **{name: np.concatenate([getattr(f, name) for f in self.facts]) for name in names}
        )


@dataclass
class CompassTables:
    """One month's Data Compass rows, with local offsets (minutes) for text formats."""

    live_sources: pa.Table
    live_products: pa.Table
    live_minutes: pa.Table | None = None
    minute_offsets: np.ndarray | None = None
    audiences: pa.Table | None = None
    #: Sales per (product, minute) of livestreams with minutes, for the stock levels.
    stock_sales: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None
    #: Followers each livestream of the month gained (those with minutes), for audiences.
    live_followers: np.ndarray | None = None


@dataclass
class CompassContext:
    """What every month's Data Compass tables share."""

    pop: Population
    orders: OrderContext
    bound: np.ndarray  # per creator: bound to a partner at some time
    main_seller: np.ndarray  # per creator: the seller it sells most for, -1 none
    first_detailed_month: int

    @classmethod
    def create(cls, pop: Population, orders: OrderContext) -> CompassContext:
        c, b, st = pop.creators, pop.bindings, pop.streams
        bound = np.zeros(c.size, dtype=bool)
        bound[b["subject"][b["kind"] == CREATOR]] = True
        main_seller = np.full(c.size, -1, dtype=np.int64)
        sells = np.flatnonzero(st["creator"] >= 0)
        by_rate = sells[np.argsort(st["rate"][sells], kind="stable")]
        main_seller[st["creator"][by_rate]] = st["seller"][by_rate]  # the last (largest) wins
        months = len(pop.calendar.months)
        return cls(pop, orders, bound, main_seller, max(months - COMPASS_MONTHS, 0))

    def detailed(self, m: int) -> bool:
        return m >= self.first_detailed_month


def _group_sum(group: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(group, weights=values, minlength=n).round().astype(np.int64)


def month_tables(
    ctx: CompassContext, m: int, content: MonthContent, sales: OrderFacts
) -> CompassTables:
    pop = ctx.pop
    rng = stream(pop.seed, "compass-live", m)
    lives = content.livestreams
    n_lives = lives.num_rows
    views = lives.column("views").to_numpy()
    impressions = lives.column("product_impressions").to_numpy()
    clicks = lives.column("product_clicks").to_numpy()
    live_ids = row_ids(LIVE_ID, content.live_first_id + np.arange(n_lives))

    # Traffic sources: each livestream's views split over the sources.
    shares = rng.gamma(np.tile(SOURCE_WEIGHTS, (n_lives, 1)))
    group = np.repeat(np.arange(n_lives), len(SOURCES))
    source_views = split_exact(views, group, shares.ravel())
    keep = source_views > 0
    live_sources = col.build(
        "live_sources",
        {
            "live_id": live_ids.take(pa.array(group[keep])),
            "source": col.labels(SOURCES, np.tile(np.arange(len(SOURCES)), n_lives)[keep]),
            "views": col.ints(source_views[keep]),
        },
    )

    # Products of each livestream: what its paid orders sold, and a few shown but not sold.
    is_live = sales.is_live & (sales.content >= content.live_first_id)
    is_live &= sales.content < content.live_first_id + n_lives
    live = sales.content[is_live] - content.live_first_id
    product = sales.product[is_live]
    sold_key, sold_at = np.unique(live * (1 << 32) + product, return_inverse=True)
    sold_orders = np.bincount(sold_at, minlength=len(sold_key))
    sold_items = np.bincount(sold_at, weights=sales.quantity[is_live], minlength=len(sold_key))
    sold_gmv = np.bincount(sold_at, weights=sales.amount[is_live], minlength=len(sold_key))
    seller = ctx.main_seller[content.live_creator]
    catalogue = pop.sellers["products"].astype(np.int64)
    extra_n = np.where(seller >= 0, rng.integers(0, 3, n_lives), 0)
    extra_live = np.repeat(np.arange(n_lives), extra_n)
    extra_seller = seller[extra_live]
    extra_product = ctx.orders.product_offset[extra_seller] + np.floor(
        rng.random(len(extra_live)) * catalogue[extra_seller]
    ).astype(np.int64)
    all_key = np.concatenate([sold_key, extra_live * (1 << 32) + extra_product])
    key, first = np.unique(all_key, return_index=True)
    row_live, row_product = key >> 32, key & ((1 << 32) - 1)
    n_rows = len(key)
    # Rows only shown, not sold, read the zero appended after the sold rows.
    sale_index = np.minimum(first, len(sold_key))
    orders = np.append(sold_orders, 0)[sale_index]
    items = np.append(sold_items, 0)[sale_index].round().astype(np.int64)
    gmv = np.append(sold_gmv, 0)[sale_index].round().astype(np.int64)
    weight = (orders + 0.3) * rng.uniform(0.5, 1.5, n_rows)
    click_room = np.maximum(clicks - _group_sum(row_live, orders, n_lives), 0)
    row_clicks = orders + split_exact(click_room, row_live, weight)
    impression_room = np.maximum(impressions - _group_sum(row_live, row_clicks, n_lives), 0)
    row_impressions = row_clicks + split_exact(impression_room, row_live, weight)
    product_seller = np.searchsorted(ctx.orders.product_offset, row_product, side="right") - 1
    market = pop.sellers["market"][product_seller].astype(np.int64)
    live_products = col.build(
        "live_products",
        {
            "live_id": live_ids.take(pa.array(row_live)),
            "product_id": row_ids(PRODUCT_ID, row_product),
            "impressions": col.ints(row_impressions),
            "clicks": col.ints(row_clicks),
            "orders": col.ints(orders),
            "items_sold": col.ints(items),
            "gmv": col.money(gmv),
            "currency": pa.array(_CURRENCIES[market], pa.string()),
        },
    )
    out = CompassTables(live_sources, live_products)
    if ctx.detailed(m):
        _minutes(ctx, rng, content, sales, is_live, live_ids, out)
        out.audiences = _audiences(ctx, m, content, sales, out)
    return out


def _minutes(
    ctx: CompassContext,
    rng: np.random.Generator,
    content: MonthContent,
    sales: OrderFacts,
    is_live: np.ndarray,
    live_ids: pa.Array,
    out: CompassTables,
) -> None:
    """Live minutes of bound creators' livestreams, and their sales for the stock levels."""
    pop = ctx.pop
    lives = content.livestreams
    region = pop.creators["region"][content.live_creator].astype(np.int64)
    chosen = np.flatnonzero(ctx.bound[content.live_creator])
    n = len(chosen)
    start = content.live_start[chosen]
    data_end = (pop.calendar.last_day + 1) * DAY_S - OFFSET_S[region[chosen]]
    end = np.where(content.live_end[chosen] >= 0, content.live_end[chosen], data_end)
    minutes = np.maximum((end - start + 59) // 60, 1)
    group = np.repeat(np.arange(n), minutes)
    first_row = np.concatenate([[0], np.cumsum(minutes)[:-1]])
    i = np.arange(len(group)) - first_row[group]
    x = (i + 0.5) / minutes[group]
    # A viewer curve: a quick ramp-up, two traffic peaks, a wind-down in the last 15%.
    ramp = rng.uniform(0.03, 0.12, n)[group]
    curve = (1 - np.exp(-x / ramp)) * (1 - 0.6 * np.clip((x - 0.85) / 0.15, 0, 1))
    for _ in range(2):
        centre = rng.uniform(0.15, 0.85, n)[group]
        width = rng.uniform(0.01, 0.06, n)[group]
        height = rng.uniform(0.2, 1.0, n)[group]
        curve += height * np.exp(-0.5 * ((x - centre) / width) ** 2)
    curve *= rng.lognormal(0, 0.08, len(group))
    mean_curve = np.bincount(group, weights=curve, minlength=n) / minutes
    watch = rng.uniform(2, 8, n)  # minutes an average viewer stays
    column = {name: lives.column(name).to_numpy()[chosen] for name in ("views", "viewers")}
    clicks = lives.column("product_clicks").to_numpy()[chosen]
    online = np.round(
        (column["viewers"] * np.minimum(watch / minutes, 1))[group] * curve / mean_curve[group]
    ).astype(np.int64)
    online = np.minimum(online, column["viewers"][group])
    views = column["views"]

    def spread(totals: np.ndarray) -> np.ndarray:
        return split_exact(totals, group, curve * rng.lognormal(0, 0.3, len(group)))

    likes = np.round(views * rng.uniform(0.5, 4.0, n)).astype(np.int64)
    new_followers = np.round(views * rng.uniform(0.001, 0.02, n)).astype(np.int64)
    # Paid orders of these livestreams by minute.
    position = np.full(lives.num_rows, -1, dtype=np.int64)
    position[chosen] = np.arange(n)
    live = position[sales.content[is_live] - content.live_first_id]
    on = live >= 0
    live = live[on]
    created = sales.created[is_live][on]
    minute = np.clip((created - start[live]) // 60, 0, minutes[live] - 1)
    row = first_row[live] + minute
    total_rows = len(group)
    minute_orders = np.bincount(row, minlength=total_rows)
    minute_gmv = np.bincount(row, weights=sales.amount[is_live][on], minlength=total_rows)
    stamps = (start // 60 * 60)[group] + i * 60
    out.live_minutes = col.build(
        "live_minutes",
        {
            "live_id": live_ids.take(pa.array(chosen[group])),
            "minute": col.timestamps(stamps),
            "online_viewers": col.ints(online),
            "views": col.ints(spread(views)),
            "product_clicks": col.ints(spread(clicks)),
            "orders": col.ints(minute_orders),
            "gmv": col.money(minute_gmv.round().astype(np.int64)),
            "currency": pa.array(_CURRENCIES[region[chosen][group]], pa.string()),
            "likes": col.ints(spread(likes)),
            "comments": col.ints(spread(np.round(views * rng.uniform(0.01, 0.08, n)))),
            "shares": col.ints(spread(np.round(views * rng.uniform(0.002, 0.02, n)))),
            "new_followers": col.ints(spread(new_followers)),
        },
    )
    out.minute_offsets = (OFFSET_S[region[chosen][group]] // 60).astype(np.int64)
    out.stock_sales = (
        sales.product[is_live][on],
        stamps[row],
        sales.quantity[is_live][on],
        start[live],
    )
    # Followers gained per livestream, for its audience.
    follow = np.zeros(lives.num_rows, dtype=np.int64)
    follow[chosen] = new_followers
    out.live_followers = follow


def stock_levels(
    ctx: CompassContext, sales: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]
) -> tuple[pa.Table, np.ndarray]:
    """Stock of the products sold in livestreams with minutes: a restock row a minute before
    each selling session, then one row per minute with sales; some sessions dip below 5.

    Returns the table and each row's local UTC offset in minutes (the seller's market).
    """
    rng = stream(ctx.pop.seed, "compass-stock")
    if sales:
        product, at, quantity, live_start = (np.concatenate(p) for p in zip(*sales, strict=True))
    else:
        product = at = quantity = live_start = np.empty(0, np.int64)
    key, inverse = np.unique(product * (1 << 40) + at, return_inverse=True)
    sold = np.bincount(inverse, weights=quantity, minlength=len(key)).round().astype(np.int64)
    start_of = np.full(len(key), np.iinfo(np.int64).max)
    np.minimum.at(start_of, inverse, live_start)
    ev_product, ev_at = key >> 40, key & ((1 << 40) - 1)
    n = len(key)
    new_session = np.ones(n, dtype=bool)
    new_session[1:] = (ev_product[1:] != ev_product[:-1]) | (ev_at[1:] - ev_at[:-1] > SESSION_GAP_S)
    session = np.cumsum(new_session) - 1
    sessions = int(session[-1]) + 1 if n else 0
    total = np.bincount(session, weights=sold, minlength=sessions).round().astype(np.int64)
    dip = (rng.random(sessions) < 0.15) & (total >= 5)
    left = np.where(
        dip,
        rng.integers(0, 5, sessions),
        np.round(rng.lognormal(np.log(120), 0.8, sessions)).astype(np.int64) + 5,
    )
    opening = total + left
    sold_so_far = (
        np.cumsum(sold)
        - np.concatenate([[0], np.cumsum(sold)])[np.flatnonzero(new_session)][session]
    )
    restock_at = np.minimum(start_of[new_session], ev_at[new_session]) - 60
    rows_product = np.concatenate([ev_product[new_session], ev_product])
    rows_at = np.concatenate([restock_at, ev_at])
    rows_stock = np.concatenate([opening, opening[session] - sold_so_far])
    o = np.lexsort((rows_at, rows_product))
    seller = np.searchsorted(ctx.orders.product_offset, rows_product[o], side="right") - 1
    market = ctx.pop.sellers["market"][seller].astype(np.int64)
    table = col.build(
        "stock_levels",
        {
            "product_id": row_ids(PRODUCT_ID, rows_product[o]),
            "at": col.timestamps(rows_at[o]),
            "stock": col.ints(rows_stock[o]),
        },
    )
    return table, OFFSET_S[market] // 60


# Audiences ------------------------------------------------------------------------------


def _distinct_buyers(subject: np.ndarray, buyer: np.ndarray, n: int) -> np.ndarray:
    """Distinct known buyers per subject, each guest checkout counted as one buyer."""
    known = buyer >= 0
    pairs = np.unique(subject[known].astype(np.int64) * (1 << 32) + buyer[known])
    return np.bincount(pairs >> 32, minlength=n) + np.bincount(subject[~known], minlength=n)


def _audiences(
    ctx: CompassContext, m: int, content: MonthContent, sales: OrderFacts, out: CompassTables
) -> pa.Table:
    """Profiles of this month's livestreams and videos of bound creators, and month-end
    profiles of bound creators and of the products they sold."""
    pop = ctx.pop
    rng = stream(pop.seed, "compass-audiences", m)
    c = pop.creators
    lives, videos = content.livestreams, content.videos
    cal: Calendar = pop.calendar
    month_end = cal.month_first_days()[m] + cal.month_lengths()[m] - 1
    parts: list[tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []

    def add(
        kind: int,
        subject: np.ndarray,
        stage: int,
        users: np.ndarray,
        as_of: np.ndarray,
        region: np.ndarray,
    ) -> None:
        keep = users > 0
        parts.append(
            (
                kind,
                subject[keep],
                np.full(int(keep.sum()), stage),
                users[keep],
                np.stack([as_of[keep], region[keep]]),
            )
        )

    # Livestreams of bound creators.
    chosen = np.flatnonzero(ctx.bound[content.live_creator])
    region = c["region"][content.live_creator[chosen]].astype(np.int64)
    live_day = _local_day(content.live_start[chosen], OFFSET_S[region])
    subject = content.live_first_id + chosen
    clicks = lives.column("product_clicks").to_numpy()[chosen]
    live_sales = sales.is_live & (sales.content >= content.live_first_id)
    live_sales &= sales.content < content.live_first_id + lives.num_rows
    buyers = _distinct_buyers(
        sales.content[live_sales] - content.live_first_id,
        sales.buyer[live_sales],
        lives.num_rows,
    )
    followers = out.live_followers
    assert followers is not None
    add(LIVE_SUBJECT, subject, VIEWER, lives.column("viewers").to_numpy()[chosen], live_day, region)
    add(
        LIVE_SUBJECT,
        subject,
        CLICKER,
        np.round(clicks * rng.uniform(0.55, 0.85, len(chosen))).astype(np.int64),
        live_day,
        region,
    )
    add(LIVE_SUBJECT, subject, BUYER, buyers[chosen], live_day, region)
    add(LIVE_SUBJECT, subject, FOLLOWER, followers[chosen], live_day, region)

    # Videos of bound creators.
    chosen = np.flatnonzero(ctx.bound[content.video_creator])
    region = c["region"][content.video_creator[chosen]].astype(np.int64)
    posted_day = _local_day(content.video_posted[chosen], OFFSET_S[region])
    subject = content.video_first_id + chosen
    video_sales = ~sales.is_live & (sales.content >= content.video_first_id)
    video_sales &= sales.content < content.video_first_id + videos.num_rows
    buyers = _distinct_buyers(
        sales.content[video_sales] - content.video_first_id,
        sales.buyer[video_sales],
        videos.num_rows,
    )
    v_views = videos.column("views").to_numpy()[chosen]
    v_clicks = videos.column("product_clicks").to_numpy()[chosen]
    k = len(chosen)
    add(
        VIDEO_SUBJECT,
        subject,
        VIEWER,
        np.round(v_views * rng.uniform(0.6, 0.9, k)).astype(np.int64),
        posted_day,
        region,
    )
    add(
        VIDEO_SUBJECT,
        subject,
        CLICKER,
        np.round(v_clicks * rng.uniform(0.55, 0.85, k)).astype(np.int64),
        posted_day,
        region,
    )
    add(VIDEO_SUBJECT, subject, BUYER, buyers[chosen], posted_day, region)
    add(
        VIDEO_SUBJECT,
        subject,
        FOLLOWER,
        videos.column("new_followers").to_numpy()[chosen],
        posted_day,
        region,
    )

    # Products bound creators sold this month: all their buyers on the platform.
    by_bound = (sales.creator >= 0) & ctx.bound[np.maximum(sales.creator, 0)]
    products = np.unique(sales.product[by_bound])
    index = np.searchsorted(products, sales.product)
    found = np.append(products, -1)[index] == sales.product
    buyers = _distinct_buyers(index[found], sales.buyer[found], len(products))
    market_of = np.zeros(len(products), np.int64)
    market_of[index[found]] = sales.market[found]
    k = len(products)
    clickers = np.round(buyers * rng.uniform(3, 10, k)).astype(np.int64)
    day = np.full(k, month_end, np.int64)
    add(PRODUCT_SUBJECT, products, BUYER, buyers, day, market_of)
    add(PRODUCT_SUBJECT, products, CLICKER, clickers, day, market_of)
    add(
        PRODUCT_SUBJECT,
        products,
        VIEWER,
        np.round(clickers * rng.uniform(8, 25, k)).astype(np.int64),
        day,
        market_of,
    )

    # Bound creators active this month.
    creators = np.flatnonzero(ctx.bound)
    live_viewers = np.bincount(
        content.live_creator, weights=lives.column("viewers").to_numpy(), minlength=c.size
    )
    video_views = np.bincount(
        content.video_creator, weights=videos.column("views").to_numpy(), minlength=c.size
    )
    known = by_bound
    buyers = _distinct_buyers(sales.creator[known], sales.buyer[known], c.size)
    active = (live_viewers + video_views + buyers)[creators] > 0
    creators = creators[active]
    k = len(creators)
    region = c["region"][creators].astype(np.int64)
    day = np.full(k, month_end, np.int64)
    viewers = np.round(live_viewers[creators] + 0.6 * video_views[creators]).astype(np.int64)
    add(CREATOR_SUBJECT, creators, VIEWER, viewers, day, region)
    add(
        CREATOR_SUBJECT,
        creators,
        CLICKER,
        np.round(buyers[creators] * rng.uniform(3, 10, k)).astype(np.int64),
        day,
        region,
    )
    add(CREATOR_SUBJECT, creators, BUYER, buyers[creators], day, region)
    add(CREATOR_SUBJECT, creators, FOLLOWER, c["followers"][creators].astype(np.int64), day, region)

    kind = np.concatenate([np.full(len(p[1]), p[0]) for p in parts])
    subject = np.concatenate([p[1] for p in parts])
    stage = np.concatenate([p[2] for p in parts])
    users = np.concatenate([p[3] for p in parts])
    as_of = np.concatenate([p[4][0] for p in parts])
    region = np.concatenate([p[4][1] for p in parts])
    return _profiles(rng, kind, subject, stage, users, as_of, region)


def _profiles(
    rng: np.random.Generator,
    kind: np.ndarray,
    subject: np.ndarray,
    stage: np.ndarray,
    users: np.ndarray,
    as_of: np.ndarray,
    region: np.ndarray,
) -> pa.Table:
    """Each group's users split over the buckets of every dimension; empty buckets left out."""
    n = len(users)
    # Weights per group: ages lean young, gender varies by group, the home market dominates.
    age = rng.gamma(np.tile([3.0, 4.0, 2.5, 0.8], (n, 1)) * 3)
    female = rng.uniform(0.3, 0.8, n)
    gender = np.stack([female, 1 - female - 0.02, np.full(n, 0.02)], axis=1)
    country = rng.gamma(np.full((n, len(COUNTRIES)), 0.6))
    country[np.arange(n), region] += rng.uniform(8, 30, n)
    weights = np.concatenate([age, gender, country], axis=1)
    dims = np.array([0] * len(AGES) + [1] * len(GENDERS) + [2] * len(COUNTRIES))
    labels = (*AGES, *GENDERS, *COUNTRIES)
    width = len(dims)
    group = np.repeat(np.arange(n) * 3, width) + np.tile(dims, n)
    counts = split_exact(np.repeat(users, 3), group, weights.ravel())
    keep = counts > 0
    row = np.repeat(np.arange(n), width)[keep]
    subjects = _subject_ids(kind[row], subject[row])
    bucket = np.tile(np.arange(width), n)[keep]
    return col.build(
        "audiences",
        {
            "subject_kind": col.labels(SUBJECT_KINDS, kind[row]),
            "subject_id": subjects,
            "stage": col.labels(STAGES, stage[row]),
            "dimension": col.labels(DIMENSIONS, dims[bucket]),
            "bucket": col.labels(labels, bucket),
            "users": col.ints(counts[keep]),
            "as_of": col.dates(as_of[row]),
        },
    )


def _subject_ids(kind: np.ndarray, subject: np.ndarray) -> pa.Array:
    order = np.argsort(kind, kind="stable")
    k, s = kind[order], subject[order]
    together = pa.concat_arrays(
        [
            row_ids(LIVE_ID, s[k == LIVE_SUBJECT]),
            row_ids(VIDEO_ID, s[k == VIDEO_SUBJECT]),
            row_ids(PRODUCT_ID, s[k == PRODUCT_SUBJECT]),
            row_ids(CREATOR_ID, s[k == CREATOR_SUBJECT]),
        ]
    )
    inverse = np.empty_like(order)
    inverse[order] = np.arange(len(order))
    return together.take(pa.array(inverse))
