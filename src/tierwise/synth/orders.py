"""Orders, one month and one chunk at a time, fully vectorised.

Every order stream (a seller's shop, or a creator selling a seller's products) draws a
Poisson number of orders per month. An order's channel comes from its stream's mix; a live
or video order points at one of the creator's livestreams or videos of the month and
happens while it runs (a live order) or after it was posted (a video order). Payment,
cancellations, refunds, late dispatch, returns and reviews follow the seller's
propensities and the shares in `behaviour.py`, with paid_at >= created_at and
refund <= amount by construction.

An order's `quantity` comes from a stream of its own ("order-quantity"), drawn after every
other column, so the other columns are the same bytes with or without it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tierwise.synth import behaviour as b
from tierwise.synth import columns as col
from tierwise.synth.clock import DAY_S
from tierwise.synth.content import MonthContent
from tierwise.synth.markets import MARKETS, MONEY_UNIT, OFFSET_S
from tierwise.synth.naming import (
    BUYER_ID,
    CREATOR_ID,
    ORDER_ID,
    PRODUCT_ID,
    SELLER_ID,
    row_ids,
)
from tierwise.synth.population import (
    BACKGROUND,
    CHANNELS,
    LIVE,
    RAMP,
    SHOWCASE,
    VIDEO,
    Population,
)
from tierwise.synth.seeding import stream

#: Calendar-month seasonality of background volume (double-eleven, double-twelve peaks).
SEASON = {
    1: 0.95,
    2: 0.85,
    3: 0.95,
    4: 0.95,
    5: 1.0,
    6: 1.08,
    7: 1.0,
    8: 1.0,
    9: 1.05,
    10: 1.05,
    11: 1.35,
    12: 1.3,
}
#: Planted partners ramp up over the first eight order months, then hold full volume.
RAMP_MONTHS = 8
CANCELLERS = ("seller", "buyer", "system")
FAULTS = ("seller", "buyer")
#: Items in an order: mostly one, sometimes a few (2-6).
QUANTITY_SHARES = (0.78, 0.14, 0.05, 0.015, 0.01, 0.005)
_CURRENCIES = pa.array([m.currency for m in MARKETS])
_PRICE_STEP = np.array([round(m.price_step * MONEY_UNIT) for m in MARKETS], dtype=np.int64)


def month_factors(pop: Population) -> np.ndarray:
    """Volume multiplier per profile (BACKGROUND, RAMP) and order month."""
    months = pop.calendar.months
    factors = np.empty((2, len(months)))
    for i, month in enumerate(months):
        factors[BACKGROUND, i] = SEASON[month.start.month] * (1 + 0.015 * i)
        factors[RAMP, i] = min(1.0, 0.55 + 0.45 * i / RAMP_MONTHS)
    return factors


def expected_orders(pop: Population, factors: np.ndarray) -> np.ndarray:
    """Expected orders of each stream over all order months."""
    s = pop.streams
    active = np.arange(factors.shape[1])[None, :] >= s["first_month"][:, None]
    per_month = factors[s["profile"]] * active
    return np.asarray(s["rate"] * per_month.sum(axis=1), dtype=np.float64)


@dataclass
class OrderContext:
    """What every month's orders share: mixes, catalogues, buyer pools, volume factors."""

    pop: Population
    factors: np.ndarray
    mix_cumulative: np.ndarray
    product_offset: np.ndarray
    buyer_offset: np.ndarray
    buyer_pool: np.ndarray
    #: Write `orders.quantity` (False: the column stays null, as before Data Compass).
    quantities: bool = True

    @classmethod
    def create(cls, pop: Population, orders_target: int, quantities: bool = True) -> OrderContext:
        products = pop.sellers["products"].astype(np.int64)
        pool = np.array(
            [max(50, orders_target * share // 3) for share in (0.35, 0.25, 0.4)], dtype=np.int64
        )
        return cls(
            pop=pop,
            factors=month_factors(pop),
            mix_cumulative=pop.mixes.cumulative(),
            product_offset=np.concatenate([[0], np.cumsum(products)[:-1]]),
            buyer_offset=np.concatenate([[0], np.cumsum(pool)[:-1]]),
            buyer_pool=pool,
            quantities=quantities,
        )

    def month_counts(self, m: int) -> np.ndarray:
        s = self.pop.streams
        rate = s["rate"] * self.factors[s["profile"], m] * (s["first_month"] <= m)
        return np.asarray(stream(self.pop.seed, "order-counts", m).poisson(rate), dtype=np.int64)


def chunk_bounds(counts: np.ndarray, limit: int) -> list[tuple[int, int]]:
    """Stream ranges holding at most about `limit` orders each."""
    if len(counts) == 0:
        return [(0, 0)]
    cum = np.cumsum(counts)
    bounds: list[tuple[int, int]] = []
    lo = 0
    while lo < len(counts):
        base = cum[lo - 1] if lo else 0
        hi = int(np.searchsorted(cum, base + limit, side="right"))
        hi = max(hi, lo + 1)
        bounds.append((lo, hi))
        lo = hi
    return bounds


@dataclass
class OrderFacts:
    """Per-order values of one chunk, in the table's row order, that the Data Compass
    tables are derived from (so live sales add up to the orders table)."""

    #: Index of the livestream or video (ids L/V + index + 1), -1 without content.
    content: np.ndarray
    is_live: np.ndarray
    creator: np.ndarray
    product: np.ndarray
    buyer: np.ndarray  # -1: guest checkout
    created: np.ndarray  # epoch seconds UTC
    paid: np.ndarray
    amount: np.ndarray  # 1e-4 units of the market's currency
    quantity: np.ndarray
    market: np.ndarray


def order_quantities(rng: np.random.Generator, n: int) -> np.ndarray:
    """Items per order, drawn from `QUANTITY_SHARES`."""
    return rng.choice(len(QUANTITY_SHARES), n, p=QUANTITY_SHARES).astype(np.int64) + 1


def _pick(
    rng: np.random.Generator, owners: np.ndarray, wanted: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For each wanted creator, a random row among `owners` (sorted) rows of that creator."""
    lo = np.searchsorted(owners, wanted, side="left")
    hi = np.searchsorted(owners, wanted, side="right")
    found = hi > lo
    pick = lo + np.floor(rng.random(len(wanted)) * (hi - lo)).astype(np.int64)
    return found, np.where(found, pick, -1)


def order_chunk(
    ctx: OrderContext,
    m: int,
    part: int,
    lo: int,
    hi: int,
    counts: np.ndarray,
    content: MonthContent,
    first_order: int,
) -> tuple[pa.Table, np.ndarray, OrderFacts]:
    """Orders of streams [lo, hi) in month m, sorted by creation time.

    Returns the table, each row's local UTC offset in minutes (for text formats) and the
    per-order facts the Data Compass tables are derived from.
    """
    pop = ctx.pop
    st, se, cr = pop.streams, pop.sellers, pop.creators
    rng = stream(pop.seed, "orders", m, part)
    s = np.repeat(np.arange(lo, hi), counts[lo:hi])
    n = len(s)
    seller = st["seller"][s]
    creator = st["creator"][s].astype(np.int64)
    market = se["market"][seller].astype(np.int64)
    offset = OFFSET_S[market]
    first_day = pop.calendar.month_first_days()[m]
    length = pop.calendar.month_lengths()[m]
    month_start = first_day * DAY_S - offset
    month_end = month_start + length * DAY_S

    cum = ctx.mix_cumulative[st["mix"][s]]
    channel = (rng.random(n)[:, None] >= cum).sum(axis=1)
    created = month_start + rng.integers(0, length * DAY_S, n)
    content_index = np.full(n, -1, dtype=np.int64)

    live = np.flatnonzero(channel == LIVE)
    found, pick = _pick(rng, content.live_creator, creator[live])
    ok, pick = live[found], pick[found]
    start, end = content.live_start[pick], content.live_end[pick]
    span = np.where(end > start, end - start, 3600)
    created[ok] = start + (rng.random(len(ok)) * span).astype(np.int64)
    content_index[ok] = content.live_first_id + pick
    channel[live[~found]] = SHOWCASE

    video = np.flatnonzero(channel == VIDEO)
    found, pick = _pick(rng, content.video_creator, creator[video])
    ok, pick = video[found], pick[found]
    posted = content.video_posted[pick]
    created[ok] = posted + (rng.random(len(ok)) * (month_end[ok] - posted)).astype(np.int64)
    content_index[ok] = content.video_first_id + pick
    channel[video[~found]] = SHOWCASE

    # Payment.
    paid = rng.random(n) >= b.UNPAID
    delay = 20 + np.minimum(rng.lognormal(np.log(150), 1.0, n), 2 * DAY_S).astype(np.int64)
    paid_at = created + delay

    # Amounts in the market's price steps, exact in 1e-4 units.
    step = _PRICE_STEP[market]
    value = st["amount_median"][s] * np.exp(st["amount_sigma"][s] * rng.standard_normal(n))
    amount = np.maximum(np.round(value * MONEY_UNIT / step), 1).astype(np.int64) * step

    # Cancellations, dispatch, returns, refunds, reviews.
    u = rng.random(n)
    p_cancel = se["p_cancel"][seller]
    seller_cancel = paid & (u < p_cancel)
    buyer_cancel = paid & ~seller_cancel & (u < p_cancel + b.BUYER_CANCEL)
    cancelled_by = np.full(n, -1, dtype=np.int64)
    cancelled_by[seller_cancel] = 0
    cancelled_by[buyer_cancel] = 1
    cancelled_by[~paid] = np.where(rng.random(int((~paid).sum())) < 0.6, 1, 2)
    delivered = paid & (cancelled_by < 0)
    late = delivered & (rng.random(n) < se["p_late"][seller])
    u = rng.random(n)
    p_return = se["p_return"][seller]
    seller_return = delivered & (u < p_return)
    buyer_return = delivered & ~seller_return & (u < p_return + b.BUYER_RETURN)
    partial = (
        delivered
        & ~seller_return
        & ~buyer_return
        & (u < p_return + b.BUYER_RETURN + b.PARTIAL_REFUND)
    )
    return_fault = np.where(seller_return, 0, np.where(buyer_return, 1, -1))
    refund = np.zeros(n, dtype=np.int64)
    full = (paid & (cancelled_by >= 0)) | seller_return | buyer_return
    refund[full] = amount[full]
    share = rng.uniform(0.1, 0.9, int(partial.sum()))
    refund[partial] = (
        np.floor(amount[partial] * share / step[partial]).astype(np.int64) * step[partial]
    )
    u = rng.random(n)
    p_negative = se["p_negative"][seller]
    negative = delivered & (u < p_negative)
    rated = delivered & ~negative & (u < p_negative + b.RATED)
    rating = np.full(n, -1, dtype=np.int64)
    rating[negative] = rng.integers(1, 3, int(negative.sum()))
    rating[rated] = rng.choice([3, 4, 5], int(rated.sum()), p=[0.1, 0.25, 0.65])

    # Risk flags and the CN-only badges.
    flagged_day = np.where(creator >= 0, cr["abnormal_day"][np.maximum(creator, 0)], -1)
    abnormal = (rng.random(n) < b.ABNORMAL) | (
        (flagged_day >= 0)
        & (created >= flagged_day.astype(np.int64) * DAY_S)
        & (rng.random(n) < b.ABNORMAL_CREATOR_ORDERS)
    )
    good_goods = rng.random(n) < st["good_goods"][s]
    worry_free = rng.random(n) < st["worry_free"][s]

    products = se["products"][seller].astype(np.int64)
    product = ctx.product_offset[seller] + np.floor(rng.random(n) * products).astype(np.int64)
    buyer = ctx.buyer_offset[market] + np.floor(ctx.buyer_pool[market] * rng.random(n) ** 2).astype(
        np.int64
    )
    buyer[rng.random(n) < b.GUEST] = -1

    o = np.argsort(created, kind="stable")
    # Drawn last and from a stream of its own: the columns above never see it.
    quantity = order_quantities(stream(pop.seed, "order-quantity", m, part), n)
    is_live = channel[o] == LIVE
    kind = np.where(content_index[o] < 0, -1, np.where(is_live, 0, 1))
    content_id = pc.binary_join_element_wise(
        col.labels(("L", "V"), kind),
        pc.utf8_lpad(pc.cast(pa.array(np.maximum(content_index[o], 0) + 1), pa.string()), 9, "0"),
        "",
    )
    table = col.build(
        "orders",
        {
            "order_id": row_ids(ORDER_ID, first_order + np.arange(n)),
            "seller_id": row_ids(SELLER_ID, seller[o]),
            "creator_id": row_ids(CREATOR_ID, creator[o]),
            "product_id": row_ids(PRODUCT_ID, product[o]),
            "channel": col.labels(CHANNELS, channel[o]),
            "content_id": content_id,
            "buyer_id": row_ids(BUYER_ID, buyer[o]),
            "created_at": col.timestamps(created[o]),
            "paid_at": col.timestamps(paid_at[o], paid[o]),
            "amount": col.money(amount[o]),
            "refund_amount": col.money(refund[o]),
            "currency": _CURRENCIES.take(pa.array(market[o])),
            "cancelled_by": col.labels(CANCELLERS, cancelled_by[o]),
            "late_dispatch": col.bools(late[o]),
            "return_fault": col.labels(FAULTS, return_fault[o]),
            "review_rating": col.ints(rating[o], rating[o] > 0),
            "abnormal": col.bools(abnormal[o]),
            "good_goods": col.bools(good_goods[o]),
            "worry_free": col.bools(worry_free[o]),
            "quantity": col.ints(quantity[o], np.full(n, ctx.quantities)),
        },
    )
    facts = OrderFacts(
        content=content_index[o],
        is_live=is_live,
        creator=creator[o],
        product=product[o],
        buyer=buyer[o],
        created=created[o],
        paid=paid[o],
        amount=amount[o],
        quantity=quantity[o],
        market=market[o],
    )
    return table, (offset[o] // 60), facts
