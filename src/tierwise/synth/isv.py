"""ISVs (TikTok Shop SEA): apps, seller subscriptions, daily API calls, operator facts.

The ISV program ranks ISVs per market, so S, A and B are reached by having more than 115
eligible ISVs in Thailand (the small scale has ~140) with heavy-tailed seller counts and
call volumes. Planted ISVs cover the ways to be ineligible (only an unpublished app, no API
calls in the quarter, no active subscription on its last day) and an ISV that joined in the
end month and is already eligible.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from tierwise.synth import columns as col
from tierwise.synth.archetypes import ISVS
from tierwise.synth.clock import day_number
from tierwise.synth.marketplace import Background
from tierwise.synth.naming import APP_ID, SELLER_ID, partner_name, row_ids
from tierwise.synth.population import FACT, PARTNER, Population
from tierwise.synth.scale import Scale
from tierwise.synth.seeding import stream

OPERATOR_FACTS = (
    "key_project",
    "new_capability",
    "compliance",
    "complaint_response",
    "bug_fix",
    "adaptation",
    "activity",
)
_MICRO = 1_000_000


@dataclass
class IsvTables:
    apps: pa.Table
    subscriptions: pa.Table
    api_calls: pa.Table


@dataclass
class _Rows:
    """Growing ISV rows, concatenated once at the end."""

    app_partner: list[int] = field(default_factory=list)
    app_published: list[int] = field(default_factory=list)
    sub_app: list[np.ndarray] = field(default_factory=list)
    sub_seller: list[np.ndarray] = field(default_factory=list)
    sub_started: list[np.ndarray] = field(default_factory=list)
    sub_ended: list[np.ndarray] = field(default_factory=list)
    call_app: list[np.ndarray] = field(default_factory=list)
    call_day: list[np.ndarray] = field(default_factory=list)
    call_count: list[np.ndarray] = field(default_factory=list)


def _cases(scale: Scale, code: str, rng: np.random.Generator) -> list[tuple[str, bool]]:
    """(case, planted) per ISV of the market: planted cases first, then the background."""
    planted = [(p.case, True) for p in ISVS if p.market == code] if scale.plant else []
    n = scale.isv.get(code, 0)
    background = rng.choice(
        ["eligible", "zero_calls", "no_sellers", "unpublished_only"],
        n,
        p=[0.95, 0.02, 0.015, 0.015],
    )
    return planted + [(str(c), False) for c in background]


def _subscriptions(
    rows: _Rows,
    rng: np.random.Generator,
    app: int,
    published: int,
    pool: np.ndarray,
    k: int,
    case: str,
    q_last: int,
    last: int,
    keep_first: bool,
) -> None:
    k = min(k, len(pool))
    sellers = rng.choice(pool, k, replace=False)
    if case == "no_sellers":
        # Every subscription ended on or before the quarter's last day.
        room = max(q_last - published - 10, 2)
        started = published + (rng.random(k) * room).astype(np.int64)
        ended = np.minimum(started + 1 + rng.integers(5, 120, k), q_last)
        ended = np.maximum(ended, started + 1)
    else:
        started = published + (rng.random(k) ** 0.8 * (last - published + 1)).astype(np.int64)
        churn = rng.random(k) < 0.3
        ended = np.where(
            churn, started + 7 + (rng.random(k) * (last - started)).astype(np.int64), -1
        )
        ended[ended > last] = -1
        if keep_first:
            started[0] = min(published + 2, q_last)
            ended[0] = -1
    rows.sub_app.append(np.full(k, app))
    rows.sub_seller.append(sellers)
    rows.sub_started.append(started)
    rows.sub_ended.append(ended)
    # A few churned sellers come back later with a new subscription.
    back = (ended >= 0) & (ended + 31 < last) & (rng.random(k) < 0.1)
    if case != "no_sellers" and back.any():
        rows.sub_app.append(np.full(int(back.sum()), app))
        rows.sub_seller.append(sellers[back])
        rows.sub_started.append(ended[back] + rng.integers(1, 30, int(back.sum())))
        rows.sub_ended.append(np.full(int(back.sum()), -1))


def _calls(
    rows: _Rows,
    rng: np.random.Generator,
    app: int,
    published: int,
    last: int,
    subscribers: int,
    silent_from: int | None,
) -> None:
    days = np.arange(published, last + 1)
    t = (days - published) / max(len(days), 1)
    weekday = (days + 3) % 7  # 1970-01-01 was a Thursday; 5, 6 are Saturday, Sunday
    base = (subscribers + 2) * rng.uniform(20, 250)
    calls = base * (0.6 + 0.4 * t) * np.where(weekday >= 5, 0.65, 1.0)
    calls = np.round(calls * rng.lognormal(0, 0.3, len(days))).astype(np.int64)
    if silent_from is not None:
        calls[days >= silent_from] = 0
    rows.call_app.append(np.full(len(days), app))
    rows.call_day.append(days)
    rows.call_count.append(calls)


def _operator_facts(pop: Population, partner: int, joined: int, rng: np.random.Generator) -> None:
    quarter = pop.calendar.quarter
    quarters = []
    q = quarter
    while day_number(q.last_day) >= joined and day_number(q.start) >= day_number(
        pop.calendar.history_start
    ):
        quarters.append(day_number(q.last_day))
        q = q.previous
    for name in OPERATOR_FACTS:
        values = np.round(rng.beta(5, 2, len(quarters)), 2)
        pop.facts.add(
            len(quarters),
            kind=PARTNER,
            subject=partner,
            name=FACT[name],
            as_of=quarters,
            value=np.round(values * _MICRO),
        )


def build(pop: Population, scale: Scale, background: Background) -> IsvTables:
    cal = pop.calendar
    first, last = day_number(cal.history_start), cal.last_day
    q_start, q_last = day_number(cal.quarter.start), day_number(cal.quarter.last_day)
    rows = _Rows()
    for code in ("TH", "ID"):
        rng = stream(pop.seed, "isv", code)
        pool = background.sellers[code]
        for case, planted in _cases(scale, code, rng):
            number = pop.partners.count("isv", code)
            if case == "joined_late":
                joined = q_last - 27  # in the quarter's last month, published days later
            else:
                joined = int(rng.integers(first, max(first + 1, q_last - 65)))
            target = f"tts-sea-isv: {case.replace('_', ' ')}" if planted else ""
            partner = pop.partners.add(
                pop.partners.next_id("isv", code),
                partner_name("isv", number + 7 * len(code)),
                "isv",
                code,
                joined,
                target,
            )
            _operator_facts(pop, partner, joined, rng)
            subscribers = int(1 + min(rng.pareto(1.1) * 6, 0.35 * len(pool)))
            n_apps = 1 + int(rng.random() < 0.3) + int(rng.random() < 0.08)
            first_pub = min(joined + int(rng.integers(3, 60)), q_last - 3)
            if case == "joined_late":
                first_pub = min(joined + 7, last)
                subscribers = 3
            for j in range(n_apps):
                app = len(rows.app_partner)
                if case == "unpublished_only":
                    published = -1
                elif j == 0:
                    published = first_pub
                else:
                    published = first_pub + int(rng.integers(30, 400))
                    if published > last or rng.random() < 0.25:
                        published = -1
                rows.app_partner.append(partner)
                rows.app_published.append(published)
                if published < 0:
                    continue
                k = max(1, round(subscribers * (0.7 if j == 0 else 0.3 / (n_apps - 1))))
                _subscriptions(
                    rows,
                    rng,
                    app,
                    published,
                    pool,
                    k,
                    case,
                    q_last,
                    last,
                    keep_first=j == 0 and case != "no_sellers",
                )
                silent = q_start if case == "zero_calls" else None
                _calls(rows, rng, app, published, last, k, silent)
    return _tables(pop, rows)


def _cat(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts) if parts else np.empty(0, np.int64)


def _tables(pop: Population, rows: _Rows) -> IsvTables:
    published = np.array(rows.app_published, dtype=np.int64)
    ended = _cat(rows.sub_ended)
    partner_ids = pa.array(pop.partners.ids, pa.string())
    return IsvTables(
        apps=col.build(
            "apps",
            {
                "app_id": row_ids(APP_ID, np.arange(len(published))),
                "partner_id": col.pick(partner_ids, np.array(rows.app_partner, dtype=np.int64)),
                "published_on": col.dates(published, published >= 0),
                "status": col.labels(("published", "unpublished"), np.where(published >= 0, 0, 1)),
            },
        ),
        subscriptions=col.build(
            "subscriptions",
            {
                "app_id": row_ids(APP_ID, _cat(rows.sub_app)),
                "seller_id": row_ids(SELLER_ID, _cat(rows.sub_seller)),
                "started_on": col.dates(_cat(rows.sub_started)),
                "ended_on": col.dates(ended, ended >= 0),
            },
        ),
        api_calls=col.build(
            "api_calls",
            {
                "app_id": row_ids(APP_ID, _cat(rows.call_app)),
                "day": col.dates(_cat(rows.call_day)),
                "calls": col.ints(_cat(rows.call_count)),
            },
        ),
    )
