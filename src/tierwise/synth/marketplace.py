"""The background marketplace: ordinary sellers, creators and their order streams.

Volumes are heavy-tailed (lognormal activity, Pareto-like catalogue sizes), creators have a
style (mostly live, mostly video, mostly showcase) that drives both their content and their
orders' channels, and affiliates promote a few sellers picked by popularity. Rates are raw
shares here; `world.py` scales them so the whole scale lands on its order target.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tierwise.synth.clock import ORDER_MONTHS
from tierwise.synth.markets import CN, MARKET_INDEX, MARKETS
from tierwise.synth.population import AFFILIATE, BACKGROUND, MARKETING, OFFICIAL, Population
from tierwise.synth.scale import Scale
from tierwise.synth.seeding import stream

#: Share of background orders per market, and the share of those through the shop itself.
MARKET_SHARE = {"TH": 0.35, "ID": 0.25, "CN": 0.40}
SHOP_SHARE = {"TH": 0.45, "ID": 0.45, "CN": 0.2}
LIVE_STYLE, VIDEO_STYLE, SHOWCASE_STYLE = 0, 1, 2


@dataclass
class Background:
    """Indices of the background parties per market, for partners to bind."""

    sellers: dict[str, np.ndarray] = field(default_factory=dict)
    #: Sellers that run an official account (candidates for content service).
    sellers_with_accounts: dict[str, np.ndarray] = field(default_factory=dict)
    #: Sellers' shop-volume percentile, aligned with `sellers` (bigger ones hire TSPs).
    seller_pct: dict[str, np.ndarray] = field(default_factory=dict)
    affiliates: dict[str, np.ndarray] = field(default_factory=dict)
    #: Affiliates' activity percentile, aligned with `affiliates` (bigger ones join MCNs).
    affiliate_pct: dict[str, np.ndarray] = field(default_factory=dict)


def rank_pct(values: np.ndarray) -> np.ndarray:
    """Rank percentile in [0, 1) of each value."""
    n = len(values)
    ranks = np.empty(n)
    ranks[np.argsort(values, kind="stable")] = np.arange(n)
    return ranks / max(n, 1)


def add_sellers(pop: Population, market: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """Ordinary sellers with realistic service propensities and catalogue sizes."""
    return pop.sellers.add(
        n,
        market=market,
        p_cancel=np.clip(rng.lognormal(np.log(0.004), 0.6, n), 0, 0.05),
        p_late=np.clip(rng.lognormal(np.log(0.012), 0.6, n), 0, 0.2),
        p_return=np.clip(rng.lognormal(np.log(0.0008), 0.7, n), 0, 0.02),
        p_negative=np.clip(rng.lognormal(np.log(0.003), 0.6, n), 0, 0.05),
        products=1 + np.minimum(rng.pareto(1.5, n) * 3, 300).astype(np.int32),
        planted=False,
    )


def _schedule(
    rng: np.random.Generator, style: np.ndarray, pct: np.ndarray, first_month: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Live days and videos per month for background creators of each style."""
    n = len(style)
    live_mean = np.select(
        [style == LIVE_STYLE, style == VIDEO_STYLE], [0.2 + 8 * pct**3, np.full(n, 0.1)], 0.02
    )
    video_mean = np.select(
        [style == VIDEO_STYLE, style == LIVE_STYLE], [0.4 + 6 * pct**2, np.full(n, 0.3)], 0.2
    )
    live = np.minimum(rng.poisson(live_mean[:, None], (n, ORDER_MONTHS)), 26)
    videos = np.minimum(rng.poisson(video_mean[:, None], (n, ORDER_MONTHS)), 60)
    before = np.arange(ORDER_MONTHS)[None, :] < first_month[:, None]
    live[before] = 0
    videos[before] = 0
    return live.astype(np.int16), videos.astype(np.int16)


def add_creators(
    pop: Population,
    market: int,
    rng: np.random.Generator,
    account: np.ndarray,
    seller: np.ndarray,
    style: np.ndarray,
    pct: np.ndarray,
    first_month: np.ndarray,
) -> np.ndarray:
    """Background creators: schedules and Douyin levels follow their activity percentile."""
    n = len(account)
    live, videos = _schedule(rng, style, pct, first_month)
    followers = rng.lognormal(7.5 + 3.0 * pct, 1.0).astype(np.int64)
    dur_lo = rng.integers(25, 90, n)
    return pop.creators.add(
        n,
        region=market,
        followers=followers,
        seller=seller,
        account=account,
        live_days=live,
        dur_lo=dur_lo,
        dur_hi=np.minimum(dur_lo + rng.integers(10, 90, n), 120),
        long_share=np.where(style == LIVE_STYLE, 0.12, 0.03),
        hour_lo=9,
        hour_hi=22,
        live_views=np.maximum(followers * rng.uniform(0.02, 0.15, n), 50),
        videos=videos,
        video_views=np.maximum(followers * rng.uniform(0.05, 0.4, n), 80),
        douyin=market == CN,
        creator_level=np.clip(np.floor(8 * pct**3 + rng.normal(0, 0.5, n)), 0, 7),
        author_level=np.clip(np.floor(7.5 * pct**2.5 + rng.normal(0, 0.6, n)), 0, 7),
        reputation=np.round(np.clip(rng.normal(4.25, 0.35, n), 2.5, 5.0), 2),
        abnormal_day=-1,
        first_month=first_month,
        planted=False,
    )


def add_background(pop: Population, scale: Scale) -> Background:
    """Sellers, official accounts, affiliates and their order streams in every market."""
    out = Background()
    style_mixes = np.array(
        [
            pop.mixes.add(live=0.6, video=0.15, showcase=0.2, other=0.05),
            pop.mixes.add(live=0.1, video=0.6, showcase=0.25, other=0.05),
            pop.mixes.add(video=0.1, showcase=0.85, other=0.05),
        ]
    )
    shop_mix = pop.mixes.add(shop_tab=0.85, other=0.15)
    own_mix = pop.mixes.add(live=0.45, video=0.35, showcase=0.15, other=0.05)
    for code in ("TH", "ID", "CN"):
        m = MARKET_INDEX[code]
        mk = MARKETS[m]
        rng = stream(pop.seed, "background", code)
        n_sellers = scale.sellers[code]
        sellers = add_sellers(pop, m, n_sellers, rng)
        out.sellers[code] = sellers
        price = rng.lognormal(0, 0.45, n_sellers)
        popularity = rng.lognormal(0, 1.2, n_sellers)
        gg = rng.uniform(0, 0.5, n_sellers) if m == CN else np.zeros(n_sellers)
        wf = rng.uniform(0.1, 0.5, n_sellers) if m == CN else np.zeros(n_sellers)
        budget = MARKET_SHARE[code]

        # Every seller sells through its own shop (shop tab, other).
        shop_rate = rng.lognormal(0, 1.3, n_sellers)
        out.seller_pct[code] = rank_pct(shop_rate)
        pop.streams.add(
            n_sellers,
            seller=sellers,
            creator=-1,
            rate=shop_rate / shop_rate.sum() * SHOP_SHARE[code] * budget,
            profile=BACKGROUND,
            mix=shop_mix,
            amount_median=mk.order_median * price,
            amount_sigma=mk.order_sigma * 0.8,
            good_goods=gg,
            worry_free=wf,
            first_month=0,
        )

        # ~10% of sellers run an official account, a third of those a marketing one too.
        n_creators = scale.creators[code]
        own = np.flatnonzero(rng.random(n_sellers) < 0.10)
        marketing = own[rng.random(len(own)) < 0.3]
        own_local = np.concatenate([own, marketing])[: n_creators // 3]
        own_account = np.concatenate(
            [np.full(len(own), OFFICIAL), np.full(len(marketing), MARKETING)]
        )[: len(own_local)]
        out.sellers_with_accounts[code] = sellers[np.unique(own_local)]
        n_own, n_aff = len(own_local), n_creators - len(own_local)

        activity = rng.lognormal(0, 1.4, n_creators)
        pct = rank_pct(activity)
        style = rng.choice(3, n_creators, p=[0.3, 0.4, 0.3])
        style[:n_own] = LIVE_STYLE
        account = np.concatenate([own_account, np.where(rng.random(n_aff) < 0.85, AFFILIATE, -1)])
        seller_of = np.concatenate([sellers[own_local], np.full(n_aff, -1)])
        first_month = np.where(
            rng.random(n_creators) < 0.7, 0, rng.integers(1, ORDER_MONTHS, n_creators)
        )
        creators = add_creators(pop, m, rng, account, seller_of, style, pct, first_month)
        out.affiliates[code] = creators[n_own:]
        out.affiliate_pct[code] = pct[n_own:]
        weights = activity / activity.sum() * (1.0 - SHOP_SHARE[code]) * budget

        # Official and marketing accounts sell their own seller's products.
        pop.streams.add(
            n_own,
            seller=sellers[own_local],
            creator=creators[:n_own],
            rate=weights[:n_own],
            profile=BACKGROUND,
            mix=own_mix,
            amount_median=mk.order_median * price[own_local],
            amount_sigma=mk.order_sigma * 0.8,
            good_goods=gg[own_local],
            worry_free=wf[own_local],
            first_month=first_month[:n_own],
        )
        # Affiliates promote 1-6 sellers picked by popularity.
        k = np.minimum(1 + rng.poisson(1.2, n_aff), 6)
        owner = np.repeat(np.arange(n_own, n_creators), k)
        picked = rng.choice(n_sellers, len(owner), p=popularity / popularity.sum())
        split = rng.exponential(1.0, len(owner))
        share = split / np.bincount(owner, split, n_creators)[owner]
        pop.streams.add(
            len(owner),
            seller=sellers[picked],
            creator=creators[owner],
            rate=weights[owner] * share,
            profile=BACKGROUND,
            mix=style_mixes[style[owner]],
            amount_median=mk.order_median * price[picked],
            amount_sigma=mk.order_sigma * 0.8,
            good_goods=gg[picked],
            worry_free=wf[picked],
            first_month=first_month[owner],
        )
    return out
