"""Planted archetypes: partners built to reach one chosen outcome of each program.

Every level of every program must be reached in the demo data for the latest complete
period (the end month for 集星 and 百应, the latest complete quarter for the ISV and TSP
programs). Instead of hoping a random population covers them, each planted partner gets a
target and its parameters are derived from the thresholds in `docs/programs.md`:

- counts that decide a level are planted exactly (bound Lv6+ creators, bound sellers,
  authors of level >= L5, live days, videos, long livestreams);
- volumes are planted at a comfortable distance from the band edges (GMV, GPM, hours), so
  the randomness of order values, refunds and the ~1% abnormal orders cannot flip a level;
- scores that add components (TSP points, 百应 level score) aim at the middle of their band,
  with the components that vary most sitting on flat parts of their curves.

The expected values are worked out in the comments next to each plan. The ISV program
ranks ISVs, so its S/A/B classes come from having more than 115 eligible ISVs in Thailand;
only the ineligible cases are planted one by one.
"""

from __future__ import annotations

from dataclasses import dataclass

Mix = tuple[float, float, float, float, float]  # live, video, showcase, shop_tab, other


@dataclass(frozen=True)
class CreatorGroup:
    """Creators of a planted MCN agency that share their targets for the end month."""

    count: int
    #: 带货力 creator_level in force on the end month's last day, inclusive range.
    creator_level: tuple[int, int]
    #: 百应 author_level published on the 2nd of the month after the end month.
    author_level: tuple[int, int]
    #: Mean 口碑分 reputation; each creator lies within ±0.15 of it.
    reputation: float
    #: Distinct days with a livestream in each month, inclusive range.
    live_days: tuple[int, int]
    #: Orders per creator per month at full volume.
    orders: float
    #: Median order value in CNY (log-spread 0.6, so the mean is 1.2 × the median).
    amount: float
    mix: Mix
    good_goods: float
    abnormal: bool = False
    #: Day of the end month on which the binding ends (bound during, not at, month end).
    leaves_on: int | None = None


@dataclass(frozen=True)
class AgencyPlan:
    """A planted MCN agency (market CN) with its intended 集星 and 百应 outcomes."""

    jixing: str
    buyin: str
    groups: tuple[CreatorGroup, ...]
    credit_score: int = 92
    #: Joined this many months before the end month, on this day of that month.
    joined_months_before: int = 14
    joined_day: int = 10


@dataclass(frozen=True)
class ShopPlan:
    """A planted TSP (Thailand) for `tts-th-tsp-shop`, managing sellers with fulfillment."""

    target: str
    sellers: int
    #: Shop-tab GMV per seller per month in USD (band [2,400, 30,000) is worth 1 of 2).
    shop_tab_usd: float
    order_usd: float
    #: Seller propensities: seller-fault cancellation, late dispatch, seller-fault return,
    #: negative review (rates per order).
    cancel: float
    late: float
    returns: float
    negative: float
    #: Severe IPR violation on a bound seller: none, in the past 90 days, revoked on appeal
    #: before the generation date, or older than 90 days.
    severe_ipr: str = "none"
    #: Churn during the quarter: one seller unbound mid-quarter, one bound mid-quarter, and
    #: one also bound (later) to a background TSP, so it counts for this TSP only.
    churn: bool = False


@dataclass(frozen=True)
class ContentPlan:
    """A planted TSP (Thailand) for `tts-th-tsp-content`, managing sellers' creator accounts."""

    target: str
    sellers: int
    #: Sellers that also run a marketing account next to the official one.
    marketing: int
    #: Livestreams per seller per month longer than 120 minutes, and shorter ones.
    long_lives: int
    short_lives: int
    #: Videos per creator account per month.
    videos: int
    #: Live GMV per livestream in USD, and the mean order value.
    live_usd: float
    order_usd: float
    #: Median views of a livestream and of a video.
    live_views: float
    video_views: float
    #: Orders per seller per month through its videos.
    video_orders: float
    #: Severe content violations in the past 90 days: none, one on one seller, two on one
    #: seller's official account, or one revoked on appeal.
    severe_content: str = "none"


@dataclass(frozen=True)
class IsvPlan:
    """A planted ISV that is ineligible for a class in a particular way, or joins late."""

    market: str
    case: str  # unpublished_only, zero_calls, no_sellers, joined_late


#: Channel mixes of the 百应 archetypes: showcase share >= 30% puts its growth score flat.
_SHOWCASE_RICH: Mix = (0.35, 0.15, 0.45, 0.0, 0.05)
_SHOWCASE_MID: Mix = (0.35, 0.2, 0.4, 0.0, 0.05)
_NO_SHOWCASE: Mix = (0.6, 0.3, 0.0, 0.0, 0.1)


def _g(
    count: int,
    cl: tuple[int, int],
    al: tuple[int, int],
    rep: float,
    live: tuple[int, int],
    orders: float,
    amount: float,
    mix: Mix,
    gg: float = 0.0,
    abnormal: bool = False,
    leaves_on: int | None = None,
) -> CreatorGroup:
    return CreatorGroup(count, cl, al, rep, live, orders, amount, mix, gg, abnormal, leaves_on)


AGENCIES: tuple[AgencyPlan, ...] = (
    # 集星 L5 by channel 1 (55 bound Lv6+ >= 50). 百应 V5: 60 authors, 26 of level >= 5
    # (operating 100), ~14 live days (50), settled GMV ~1.4M CNY (~102), ~3,000 orders (~47),
    # showcase ~45% (80), every author sells in showcase (60), good goods ~65% (60),
    # reputation 4.8 (192): ~690 >= 600. Two abnormal Lv7 creators and two Lv6+ creators
    # that leave mid-month do not count.
    AgencyPlan(
        "L5",
        "V5",
        (
            _g(26, (6, 7), (5, 7), 4.8, (13, 15), 55, 380, _SHOWCASE_RICH, 0.65),
            _g(29, (6, 7), (2, 4), 4.8, (13, 15), 55, 380, _SHOWCASE_RICH, 0.65),
            _g(5, (1, 3), (1, 3), 4.8, (12, 14), 20, 380, _SHOWCASE_RICH, 0.65),
            _g(2, (7, 7), (6, 6), 4.8, (12, 14), 30, 380, _SHOWCASE_RICH, 0.65, abnormal=True),
            _g(2, (6, 7), (5, 6), 4.8, (8, 10), 40, 380, _SHOWCASE_RICH, 0.65, leaves_on=12),
        ),
        credit_score=96,
        joined_months_before=20,
    ),
    # 集星 L4 (26 Lv6+ in [20, 50); Lv4+ 32 < 40 keeps channel 2 below L3).
    # 百应 V4: 6 authors >= L5 (62.7), 13 live days (50), settled GMV ~340k (63), ~1,000
    # orders (40), showcase 40% (80) by every author (60), good goods 10% (15),
    # reputation 4.4 (176): ~547 in [500, 600).
    AgencyPlan(
        "L4",
        "V4",
        (
            _g(6, (6, 7), (5, 6), 4.4, (12, 14), 28, 300, _SHOWCASE_MID, 0.10),
            _g(20, (6, 7), (1, 4), 4.4, (12, 14), 28, 300, _SHOWCASE_MID, 0.10),
            _g(6, (4, 5), (1, 4), 4.4, (12, 14), 28, 300, _SHOWCASE_MID, 0.10),
            _g(4, (0, 3), (0, 3), 4.4, (12, 14), 28, 300, _SHOWCASE_MID, 0.10),
            _g(1, (7, 7), (5, 5), 4.4, (6, 8), 28, 300, _SHOWCASE_MID, 0.10, leaves_on=15),
        ),
        credit_score=91,
        joined_months_before=18,
    ),
    # 集星 L3 (11 Lv6+ in [8, 20); Lv4+ 14 < 15). 百应 V3: 2 authors >= L5 (37.5), 6 live
    # days (31), settled GMV ~148k (53), ~410 orders (16), showcase 40% (80 + 60), no good
    # goods, reputation 4.1 (164): ~442 in [400, 500).
    AgencyPlan(
        "L3",
        "V3",
        (
            _g(2, (6, 7), (5, 6), 4.1, (5, 7), 24, 310, _SHOWCASE_MID),
            _g(9, (6, 7), (1, 4), 4.1, (5, 7), 24, 310, _SHOWCASE_MID),
            _g(3, (4, 5), (1, 4), 4.1, (5, 7), 24, 310, _SHOWCASE_MID),
            _g(4, (0, 3), (0, 3), 4.1, (5, 7), 24, 310, _SHOWCASE_MID),
        ),
        credit_score=88,
        joined_months_before=16,
    ),
    # 集星 L2 (4 Lv6+ in [3, 8); GMV ~65k < 100k, so channel 2 gives nothing). 百应 V2:
    # no authors >= L5, 3 live days (19), settled GMV ~62k (31), ~180 orders (7),
    # showcase 40% (80 + 60), reputation 3.75 (150): ~347 in [300, 400).
    AgencyPlan(
        "L2",
        "V2",
        (
            _g(4, (6, 7), (0, 4), 3.75, (2, 4), 16, 290, _SHOWCASE_MID),
            _g(4, (4, 5), (0, 4), 3.75, (2, 4), 16, 290, _SHOWCASE_MID),
            _g(4, (0, 3), (0, 3), 3.75, (2, 4), 16, 290, _SHOWCASE_MID),
        ),
        credit_score=85,
        joined_months_before=14,
    ),
    # 集星 L1 (1 Lv6+; Lv4+ 3 < 5). 百应 V1: 2 live days (12.5), GMV ~30k (15), ~90 orders
    # (4), no showcase sales, reputation 3.8 (152): ~183 < 300.
    AgencyPlan(
        "L1",
        "V1",
        (
            _g(1, (6, 6), (0, 3), 3.8, (1, 3), 12, 280, _NO_SHOWCASE),
            _g(2, (4, 5), (0, 3), 3.8, (1, 3), 12, 280, _NO_SHOWCASE),
            _g(5, (0, 3), (0, 3), 3.8, (1, 3), 12, 280, _NO_SHOWCASE),
        ),
        credit_score=90,
        joined_months_before=12,
    ),
    # 集星 L2 by channel 2: no Lv6+, 20 Lv4+ (>= 15, < 40) and paid GMV ~800k CNY (>= 500k,
    # < 2M). 百应 V4: 3 authors >= L5 (45), 7 live days (34), settled GMV ~760k (87), ~700
    # orders (28), showcase 35% (80 + 60), good goods 30% (45), reputation 4.3 (172): ~550.
    AgencyPlan(
        "L2 (channel 2)",
        "V4",
        (
            _g(3, (4, 5), (5, 6), 4.3, (6, 8), 30, 1000, (0.35, 0.2, 0.35, 0.0, 0.1), 0.3),
            _g(17, (4, 5), (1, 4), 4.3, (6, 8), 30, 1000, (0.35, 0.2, 0.35, 0.0, 0.1), 0.3),
            _g(4, (0, 3), (0, 3), 4.3, (6, 8), 30, 1000, (0.35, 0.2, 0.35, 0.0, 0.1), 0.3),
        ),
        credit_score=93,
        joined_months_before=15,
    ),
    # 集星 L1 by channel 2: 7 Lv4+ (>= 5) and paid GMV ~230k (>= 100k). 百应 observation:
    # credit score 72 < 80 although reputation 4.5 keeps the service score at 180.
    AgencyPlan(
        "L1 (channel 2)",
        "observation (credit score 72)",
        (
            _g(7, (4, 5), (1, 4), 4.5, (3, 5), 25, 800, (0.4, 0.2, 0.3, 0.0, 0.1), 0.2),
            _g(3, (0, 3), (0, 3), 4.5, (3, 5), 25, 800, (0.4, 0.2, 0.3, 0.0, 0.1), 0.2),
        ),
        credit_score=72,
        joined_months_before=13,
    ),
    # 集星 no level: 3 Lv4+ < 5, no Lv6+. 百应 observation: reputation 3.1 -> service 124.
    AgencyPlan(
        "none",
        "observation (reputation 3.1)",
        (
            _g(3, (4, 5), (0, 3), 3.1, (1, 3), 14, 250, (0.5, 0.2, 0.2, 0.0, 0.1)),
            _g(3, (0, 3), (0, 3), 3.1, (1, 3), 14, 250, (0.5, 0.2, 0.2, 0.0, 0.1)),
        ),
        credit_score=90,
        joined_months_before=11,
    ),
    # 集星 no level: 12 Lv4+ but paid GMV ~29k < 100k. 百应 V1 (~183).
    AgencyPlan(
        "none (GMV below 100k)",
        "V1",
        (_g(12, (4, 5), (0, 3), 3.9, (1, 2), 8, 250, _NO_SHOWCASE),),
        credit_score=87,
        joined_months_before=9,
    ),
    # 百应 novice: joined in the month before the end month, and in the end month.
    AgencyPlan(
        "any",
        "novice (joined the month before)",
        (_g(6, (2, 5), (1, 4), 4.4, (3, 6), 15, 260, _SHOWCASE_MID, 0.2),),
        credit_score=90,
        joined_months_before=1,
        joined_day=14,
    ),
    AgencyPlan(
        "any",
        "novice (joined in the end month)",
        (_g(5, (2, 5), (1, 4), 4.4, (2, 4), 10, 260, _SHOWCASE_MID, 0.2),),
        credit_score=90,
        joined_months_before=0,
        joined_day=4,
    ),
)

SHOPS: tuple[ShopPlan, ...] = (
    # 18 sellers (20 pts), ~7,000 USD shop-tab GMV per seller (10), clean rates (15+15+10+10),
    # the only severe IPR violation revoked on appeal (10): 90 >= 80.
    ShopPlan("Premier", 18, 7_000, 80, 0.001, 0.004, 0.0002, 0.0008, "revoked", churn=True),
    # 8 sellers (10), ~6,000 USD per seller (10), late dispatch 4% (0), other rates clean
    # (15+10+10), IPR violation older than 90 days (10): 65 in [50, 80).
    ShopPlan("Certified", 8, 6_000, 70, 0.001, 0.04, 0.0002, 0.0008, "stale"),
    # 4 sellers (0), ~500 USD (0), every rate poor (0), a severe IPR violation (0): 0.
    ShopPlan("none", 4, 500, 30, 0.012, 0.035, 0.005, 0.012, "window"),
    # Only 2 sellers with fulfillment: ineligible (a TSP needs >= 3).
    ShopPlan("ineligible", 2, 3_000, 50, 0.002, 0.008, 0.0005, 0.002),
)

CONTENTS: tuple[ContentPlan, ...] = (
    # 12 active sellers (10), 25 lives/month of 150-330 min ~ 3,400 h in 90 days (15),
    # 22 videos per seller-month ~ 700 (10), self-sale GMV ~700k USD (5), 800 USD per long
    # live (10), live GPM ~23 (10), video GPM ~10 (10), the one severe content violation
    # revoked on appeal (20), minor points (5): 95 >= 80.
    ContentPlan("Premier", 12, 12, 25, 0, 11, 800, 140, 25_000, 2_500, 7, "revoked"),
    # 11 active sellers (10), 10 long lives/month ~ 1,300 h (7.5), ~250 videos (5), GMV
    # ~80k USD (0), ~150 USD per live (5), live GPM ~18 (10), video GPM ~11 (10), one
    # seller with one severe violation (10), points 4/11 < 0.5 (5): 62.5 in [50, 80).
    ContentPlan("Certified", 11, 3, 10, 5, 6, 150, 60, 6_000, 2_000, 4, "one"),
    # 4 sellers with short lives and few videos, one with two severe violations: < 20.
    ContentPlan("none", 4, 0, 0, 2, 3, 20, 25, 3_000, 800, 1, "two"),
    # Only 2 sellers with content service: ineligible.
    ContentPlan("ineligible", 2, 0, 4, 2, 4, 200, 60, 5_000, 1_500, 2),
)

ISVS: tuple[IsvPlan, ...] = (
    IsvPlan("TH", "unpublished_only"),
    IsvPlan("TH", "zero_calls"),
    IsvPlan("TH", "no_sellers"),
    IsvPlan("TH", "joined_late"),
    IsvPlan("ID", "zero_calls"),
    IsvPlan("ID", "unpublished_only"),
)
