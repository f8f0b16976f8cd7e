"""TSPs (TikTok Shop service providers): planted scorecards and the background population.

Planted TSPs sit in Thailand and manage sellers planted for them (see `archetypes.py`);
background TSPs in Thailand and Indonesia bind background sellers with Zipf-sized books,
churn (unbound and rebound elsewhere) and double bindings in the same service.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tierwise.synth.archetypes import CONTENTS, SHOPS, ContentPlan, ShopPlan
from tierwise.synth.behaviour import COUNTED, PLANTED_SIGMA
from tierwise.synth.clock import DAY_S, day_number
from tierwise.synth.marketplace import Background
from tierwise.synth.markets import TH
from tierwise.synth.naming import partner_name
from tierwise.synth.population import (
    CONTENT,
    CONTENT_VIOLATION,
    CREATOR,
    FULFILLMENT,
    IPR,
    MARKETING,
    OFFICIAL,
    RAMP,
    SELLER,
    Population,
)
from tierwise.synth.scale import Scale
from tierwise.synth.seeding import stream

_MICRO = 1_000_000


@dataclass
class PendingDouble:
    """Planted sellers to bind again, later, to a background TSP in the same service."""

    sellers: list[int] = field(default_factory=list)
    started: list[int] = field(default_factory=list)


def _joined(pop: Population, months_before: int, day: int) -> int:
    start = pop.calendar.end.shift(-months_before).start
    return day_number(start) + day - 1


def _local_price(pop: Population, usd: float) -> float:
    """Median THB order value whose mean is `usd` at the end month's rate."""
    return usd / pop.fx.end_rate(TH) / float(np.exp(PLANTED_SIGMA**2 / 2))


def _quarter_days(pop: Population) -> tuple[int, int]:
    q = pop.calendar.quarter
    return day_number(q.start), day_number(q.last_day)


def _violation(
    pop: Population,
    kind: int,
    subject: int,
    violation: int,
    severe: bool,
    points: float,
    day: int,
    revoked_after: int | None = None,
) -> None:
    occurred = day * DAY_S + 10 * 3600
    revoked = -1 if revoked_after is None else occurred + revoked_after * DAY_S
    pop.violations.add(
        1,
        kind=kind,
        subject=subject,
        violation=violation,
        severe=severe,
        points=round(points * _MICRO),
        occurred=occurred,
        revoked=revoked,
    )


def _planted_sellers(
    pop: Population,
    n: int,
    rng: np.random.Generator,
    cancel: float,
    late: float,
    returns: float,
    negative: float,
) -> np.ndarray:
    return pop.sellers.add(
        n,
        market=TH,
        p_cancel=cancel,
        p_late=late,
        p_return=returns,
        p_negative=negative,
        products=rng.integers(5, 40, n),
        planted=True,
    )


def _bind_planted(
    pop: Population,
    partner: int,
    sellers: np.ndarray,
    service: int,
    joined: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Bind well before the quarter so every seller is bound through it."""
    q_start, _ = _quarter_days(pop)
    latest = q_start - 10
    started = joined + rng.integers(1, max(2, latest - joined), len(sellers))
    pop.bindings.add(
        len(sellers),
        partner=partner,
        kind=SELLER,
        subject=sellers,
        service=service,
        started=started,
        ended=-1,
    )
    return started


def plant_shop(pop: Population, plan: ShopPlan, number: int, pending: PendingDouble) -> None:
    rng = stream(pop.seed, "plant-shop", number)
    joined = _joined(pop, 16 + number, 6 + number)
    pid = pop.partners.next_id("tsp", "TH")
    partner = pop.partners.add(
        pid, partner_name("tsp", number), "tsp", "TH", joined, f"tts-th-tsp-shop: {plan.target}"
    )
    sellers = _planted_sellers(
        pop, plan.sellers, rng, plan.cancel, plan.late, plan.returns, plan.negative
    )
    shop_tab = plan.shop_tab_usd / plan.order_usd / COUNTED
    pop.streams.add(
        plan.sellers,
        seller=sellers,
        creator=-1,
        rate=shop_tab / 0.92,
        profile=RAMP,
        mix=pop.mixes.add(shop_tab=0.92, other=0.08),
        amount_median=_local_price(pop, plan.order_usd),
        amount_sigma=PLANTED_SIGMA,
        first_month=0,
    )
    q_start, _ = _quarter_days(pop)
    if plan.churn:
        steady = sellers[:-2]
        started = _bind_planted(pop, partner, steady, FULFILLMENT, joined, rng)
        # One seller leaves mid-quarter, one arrives mid-quarter: both count for the quarter.
        leaver, joiner = int(sellers[-2]), int(sellers[-1])
        pop.bindings.add(
            1,
            partner=partner,
            kind=SELLER,
            subject=leaver,
            service=FULFILLMENT,
            started=joined + 20,
            ended=q_start + 50,
        )
        pop.bindings.add(
            1,
            partner=partner,
            kind=SELLER,
            subject=joiner,
            service=FULFILLMENT,
            started=q_start + 24,
            ended=-1,
        )
        # One steady seller is also bound, later, to a background TSP: it counts here only.
        pending.sellers.append(int(steady[0]))
        pending.started.append(int(started[0]) + 30)
    else:
        _bind_planted(pop, partner, sellers, FULFILLMENT, joined, rng)
    if plan.severe_ipr == "revoked":
        _violation(pop, SELLER, int(sellers[0]), IPR, True, 6, q_start + 20, revoked_after=9)
    elif plan.severe_ipr == "stale":
        _violation(pop, SELLER, int(sellers[0]), IPR, True, 6, q_start - 25)
    elif plan.severe_ipr == "window":
        _violation(pop, SELLER, int(sellers[0]), IPR, True, 6, q_start + 40)


def plant_content(pop: Population, plan: ContentPlan, number: int) -> None:
    rng = stream(pop.seed, "plant-content", number)
    joined = _joined(pop, 15 + number, 3 + 2 * number)
    pid = pop.partners.next_id("tsp", "TH")
    partner = pop.partners.add(
        pid,
        partner_name("tsp", 20 + number),
        "tsp",
        "TH",
        joined,
        f"tts-th-tsp-content: {plan.target}",
    )
    n = plan.sellers
    sellers = _planted_sellers(pop, n, rng, 0.001, 0.006, 0.0003, 0.001)
    price = _local_price(pop, plan.order_usd)
    months = len(pop.calendar.months)
    lives = plan.long_lives + plan.short_lives
    long_share = plan.long_lives / lives if lives else 0.0
    official = pop.creators.add(
        n,
        region=TH,
        followers=rng.integers(20_000, 400_000, n),
        seller=sellers,
        account=OFFICIAL,
        live_days=np.full((n, months), lives),
        dur_lo=60,
        dur_hi=110,
        long_share=long_share,
        hour_lo=8,
        hour_hi=14,
        live_views=plan.live_views,
        videos=np.full((n, months), plan.videos),
        video_views=plan.video_views,
        douyin=False,
        reputation=np.nan,
        abnormal_day=-1,
        first_month=0,
        planted=True,
    )
    with_marketing = sellers[: plan.marketing]
    marketing = pop.creators.add(
        len(with_marketing),
        region=TH,
        followers=rng.integers(5_000, 80_000, len(with_marketing)),
        seller=with_marketing,
        account=MARKETING,
        live_days=0,
        dur_lo=60,
        dur_hi=110,
        long_share=0.0,
        hour_lo=8,
        hour_hi=14,
        live_views=plan.live_views,
        videos=np.full((len(with_marketing), months), plan.videos),
        video_views=plan.video_views,
        douyin=False,
        reputation=np.nan,
        abnormal_day=-1,
        first_month=0,
        planted=True,
    )
    # Orders: live orders spread over the official account's livestreams, video orders over
    # both accounts' videos, a little showcase, and the shop's own shop-tab sales.
    live_orders = lives * plan.live_usd / plan.order_usd / COUNTED
    video_orders = plan.video_orders / COUNTED
    has_marketing = np.arange(n) < plan.marketing
    official_video = np.where(has_marketing, 0.6, 1.0) * video_orders
    for creators, live, video, owners in (
        (official, np.full(n, live_orders), official_video, sellers),
        (
            marketing,
            np.zeros(len(marketing)),
            (0.4 * video_orders) * np.ones(len(marketing)),
            with_marketing,
        ),
    ):
        if not len(creators):
            continue
        showcase = 0.05 * (live + video)
        for i in range(len(creators)):
            total = live[i] + video[i] + showcase[i]
            pop.streams.add(
                1,
                seller=owners[i],
                creator=creators[i],
                rate=total,
                profile=RAMP,
                mix=pop.mixes.add(live=live[i], video=video[i], showcase=showcase[i]),
                amount_median=price,
                amount_sigma=PLANTED_SIGMA,
                first_month=0,
            )
    pop.streams.add(
        n,
        seller=sellers,
        creator=-1,
        rate=30.0,
        profile=RAMP,
        mix=pop.mixes.add(shop_tab=0.9, other=0.1),
        amount_median=price,
        amount_sigma=PLANTED_SIGMA,
        first_month=0,
    )
    _bind_planted(pop, partner, sellers, CONTENT, joined, rng)
    q_start, _ = _quarter_days(pop)
    if plan.severe_content == "revoked":
        _violation(
            pop, SELLER, int(sellers[0]), CONTENT_VIOLATION, True, 5, q_start + 30, revoked_after=7
        )
        _violation(pop, SELLER, int(sellers[1]), CONTENT_VIOLATION, False, 0.5, q_start + 45)
    elif plan.severe_content == "one":
        _violation(pop, SELLER, int(sellers[0]), CONTENT_VIOLATION, True, 4, q_start + 35)
    elif plan.severe_content == "two":
        for offset in (15, 50):
            _violation(pop, CREATOR, int(official[0]), CONTENT_VIOLATION, True, 5, q_start + offset)


def _rebind(
    pop: Population,
    partner: np.ndarray,
    joined: np.ndarray,
    sellers: np.ndarray,
    service: np.ndarray,
    started: np.ndarray,
    last: int,
) -> None:
    """Open bindings from `started`, or from the day after the TSP joined if that is later."""
    started = np.maximum(started, joined + 1)
    ok = started <= last
    pop.bindings.add(
        int(ok.sum()),
        partner=partner[ok],
        kind=SELLER,
        subject=sellers[ok],
        service=service[ok],
        started=started[ok],
        ended=-1,
    )


def plant(pop: Population) -> PendingDouble:
    """All planted TSPs; returns the planted sellers still to be double-bound."""
    pending = PendingDouble()
    for i, plan in enumerate(SHOPS):
        plant_shop(pop, plan, i, pending)
    for i, content_plan in enumerate(CONTENTS):
        plant_content(pop, content_plan, i)
    return pending


def add_background(
    pop: Population, scale: Scale, background: Background, pending: PendingDouble
) -> None:
    """Background TSPs with Zipf-sized books of sellers, churn and double bindings."""
    cal = pop.calendar
    first, last = day_number(cal.history_start), cal.last_day
    for code in ("TH", "ID"):
        n_tsp = scale.tsp.get(code, 0)
        if n_tsp == 0:
            continue
        rng = stream(pop.seed, "tsp", code)
        offset = len(pop.partners.ids)
        joined = np.sort(rng.integers(first, last - 20, n_tsp))
        for i in range(n_tsp):
            number = pop.partners.count("tsp", code) + 40
            pop.partners.add(
                pop.partners.next_id("tsp", code),
                partner_name("tsp", number),
                "tsp",
                code,
                int(joined[i]),
                "",
            )
        partners = offset + np.arange(n_tsp)
        sellers = background.sellers[code]
        share = 0.3 if code == "TH" else 0.2
        # Bigger sellers are likelier to hire a TSP.
        bound = sellers[rng.random(len(sellers)) < share * 2.5 * background.seller_pct[code] ** 2]
        zipf = 1.0 / (np.arange(n_tsp) + 1.0) ** 1.1
        tsp = rng.permutation(n_tsp)[rng.choice(n_tsp, len(bound), p=zipf / zipf.sum())]
        with_account = np.isin(bound, background.sellers_with_accounts[code])
        service = np.where(with_account & (rng.random(len(bound)) < 0.6), CONTENT, FULFILLMENT)
        start_lo = joined[tsp]
        started = start_lo + (rng.random(len(bound)) ** 1.5 * (last - start_lo)).astype(int)
        ended = np.full(len(bound), -1)
        churn = rng.random(len(bound)) < 0.12
        span = np.maximum(last + 1 - started, 2)
        ended[churn] = (
            started[churn] + 1 + (rng.random(churn.sum()) * (span[churn] - 1)).astype(int)
        )
        pop.bindings.add(
            len(bound),
            partner=partners[tsp],
            kind=SELLER,
            subject=bound,
            service=service,
            started=started,
            ended=ended,
        )
        # A TSP's service quality shows in its sellers' cancellation, dispatch, return and
        # review propensities: some books are clean, some are not.
        quality = rng.lognormal(0.15, 0.45, n_tsp)[tsp]
        for name in ("p_cancel", "p_late", "p_return", "p_negative"):
            pop.sellers.set(name, bound, pop.sellers[name][bound] * quality)
        # Some content sellers also buy fulfillment from the same TSP.
        both = (service == CONTENT) & (rng.random(len(bound)) < 0.1)
        pop.bindings.add(
            int(both.sum()),
            partner=partners[tsp[both]],
            kind=SELLER,
            subject=bound[both],
            service=FULFILLMENT,
            started=started[both],
            ended=-1,
        )
        if n_tsp < 2:
            continue
        # Half of the churned sellers move to another TSP the day they leave.
        moved = np.flatnonzero(churn & (rng.random(len(bound)) < 0.5) & (ended <= last))
        other = (tsp[moved] + 1 + rng.integers(0, n_tsp - 1, len(moved))) % n_tsp
        _rebind(
            pop, partners[other], joined[other], bound[moved], service[moved], ended[moved], last
        )
        # A few sellers are bound to a second TSP in the same service, overlapping.
        double = np.flatnonzero(~churn & (rng.random(len(bound)) < 0.04) & (started < last))
        other = (tsp[double] + 1 + rng.integers(0, n_tsp - 1, len(double))) % n_tsp
        later = (
            started[double] + 1 + (rng.random(len(double)) * (last - started[double])).astype(int)
        )
        _rebind(pop, partners[other], joined[other], bound[double], service[double], later, last)
        if code == "TH" and pending.sellers:
            # Planted double-bound sellers: the biggest background TSP binds them later.
            biggest = partners[int(np.argmax(np.bincount(tsp, minlength=n_tsp)))]
            pop.bindings.add(
                len(pending.sellers),
                partner=biggest,
                kind=SELLER,
                subject=np.array(pending.sellers),
                service=FULFILLMENT,
                started=np.maximum(np.array(pending.started), joined[biggest - offset] + 1),
                ended=-1,
            )
