"""MCN agencies (China): planted 集星/百应 archetypes and the background population.

A planted agency's creators are built group by group from its plan: their Douyin facts in
the end month, their live days, their order volume, channel mix and good-goods share.
Planted agencies also lose two creators to a background agency a few months before the end
(churn that must not count). Background agencies bind the bigger background affiliates
with Zipf-sized books, switching and leaving over the year.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from tierwise.synth.archetypes import AGENCIES, AgencyPlan, CreatorGroup
from tierwise.synth.behaviour import PLANTED_SIGMA
from tierwise.synth.clock import day_number
from tierwise.synth.marketplace import Background
from tierwise.synth.markets import CN
from tierwise.synth.naming import partner_name
from tierwise.synth.population import AFFILIATE, CREATOR, FACT, MCN, PARTNER, RAMP, Population
from tierwise.synth.scale import Scale
from tierwise.synth.seeding import stream

_MICRO = 1_000_000
#: Creators a planted agency lost to another agency before the end month.
FORMER_CREATORS = 2


@dataclass
class PendingMoves:
    """Planted creators that leave for a background agency on a given day."""

    creators: list[int] = field(default_factory=list)
    days: list[int] = field(default_factory=list)


def _credit_facts(
    pop: Population, partner: int, joined: int, end_value: int, rng: np.random.Generator
) -> None:
    """Monthly credit scores from the join month; the end month holds `end_value`."""
    months = [m for m in pop.calendar.history_months if day_number(m.end) > joined]
    values = np.clip(np.round(rng.normal(91, 4, len(months))), 80, 100)
    values[-1] = end_value
    if end_value < 80 and len(values) > 1:
        values[-2] = min(end_value + 3, 79)
    pop.facts.add(
        len(months),
        kind=PARTNER,
        subject=partner,
        name=FACT["credit_score"],
        as_of=[max(day_number(m.start), joined) for m in months],
        value=values * _MICRO,
    )


def _add_group(
    pop: Population, group: CreatorGroup, rng: np.random.Generator, sellers: np.ndarray
) -> np.ndarray:
    n = group.count
    months = len(pop.calendar.months)
    level = rng.integers(group.creator_level[0], group.creator_level[1] + 1, n)
    live = rng.integers(group.live_days[0], group.live_days[1] + 1, (n, months))
    abnormal_day = day_number(pop.calendar.end.shift(-3).start) + 9 if group.abnormal else -1
    followers = (10 ** (3.6 + 0.45 * level) * rng.lognormal(0, 0.4, n)).astype(np.int64)
    creators = pop.creators.add(
        n,
        region=CN,
        followers=followers,
        seller=-1,
        account=AFFILIATE,
        live_days=live,
        dur_lo=50,
        dur_hi=115,
        long_share=0.25,
        hour_lo=10,
        hour_hi=20,
        live_views=followers * 0.08 + 500,
        videos=rng.poisson(4, (n, months)),
        video_views=followers * 0.15 + 300,
        douyin=True,
        creator_level=level,
        author_level=rng.integers(group.author_level[0], group.author_level[1] + 1, n),
        reputation=np.round(np.clip(group.reputation + rng.uniform(-0.15, 0.15, n), 0, 5), 2),
        abnormal_day=abnormal_day,
        first_month=0,
        planted=True,
    )
    # Each creator sells for 1-3 sellers, splitting its monthly orders between them.
    k = rng.integers(1, 4, n)
    owner = np.repeat(np.arange(n), k)
    split = rng.exponential(1.0, len(owner))
    share = split / np.bincount(owner, split, n)[owner]
    pop.streams.add(
        len(owner),
        seller=rng.choice(sellers, len(owner)),
        creator=creators[owner],
        rate=group.orders * share,
        profile=RAMP,
        mix=pop.mixes.add(*group.mix),
        amount_median=group.amount,
        amount_sigma=PLANTED_SIGMA,
        good_goods=group.good_goods,
        worry_free=0.3,
        first_month=0,
    )
    return creators


def plant_agency(
    pop: Population, plan: AgencyPlan, number: int, background: Background, pending: PendingMoves
) -> None:
    rng = stream(pop.seed, "plant-mcn", number)
    cal = pop.calendar
    joined = day_number(cal.end.shift(-plan.joined_months_before).start) + plan.joined_day - 1
    end_start = day_number(cal.end.start)
    target = f"douyin-jixing-mcn: {plan.jixing}; buyin-mcn: {plan.buyin}"
    partner = pop.partners.add(
        pop.partners.next_id("mcn", "CN"), partner_name("mcn", number), "mcn", "CN", joined, target
    )
    _credit_facts(pop, partner, joined, plan.credit_score, rng)
    sellers = background.sellers["CN"]
    novice = plan.joined_months_before <= 1
    for group in plan.groups:
        creators = _add_group(pop, group, rng, sellers)
        if novice:
            started = joined + rng.integers(1, 9, group.count)
        else:
            started = joined + rng.integers(1, max(2, end_start - 30 - joined), group.count)
        ended = np.full(group.count, -1)
        if group.leaves_on is not None:
            ended[:] = end_start + group.leaves_on - 1
            pending.creators.extend(int(c) for c in creators)
            pending.days.extend(int(d) for d in ended)
        pop.bindings.add(
            group.count,
            partner=partner,
            kind=CREATOR,
            subject=creators,
            service=MCN,
            started=started,
            ended=ended,
        )
    if not novice:
        # Two creators left for another agency a few months before the end month.
        former_group = replace(
            plan.groups[-1], count=FORMER_CREATORS, leaves_on=None, abnormal=False
        )
        former = _add_group(pop, former_group, rng, sellers)
        left = end_start - rng.integers(60, 150, len(former))
        started = joined + rng.integers(1, max(2, int(left.min()) - joined), len(former))
        pop.bindings.add(
            len(former),
            partner=partner,
            kind=CREATOR,
            subject=former,
            service=MCN,
            started=np.minimum(started, left - 1),
            ended=left,
        )
        pending.creators.extend(int(c) for c in former)
        pending.days.extend(int(d) for d in left)


def plant(pop: Population, background: Background) -> PendingMoves:
    pending = PendingMoves()
    for i, plan in enumerate(AGENCIES):
        plant_agency(pop, plan, i, background, pending)
    return pending


def add_background(
    pop: Population, scale: Scale, background: Background, pending: PendingMoves
) -> None:
    """Background agencies binding the bigger CN affiliates, with churn over the year."""
    n_mcn = scale.mcn
    if n_mcn == 0:
        return
    cal = pop.calendar
    rng = stream(pop.seed, "mcn")
    first, last = day_number(cal.history_start), cal.last_day
    offset = len(pop.partners.ids)
    joined = np.sort(rng.integers(first, last - 20, n_mcn))
    for i in range(n_mcn):
        number = pop.partners.count("mcn", "CN") + 20
        partner = pop.partners.add(
            pop.partners.next_id("mcn", "CN"),
            partner_name("mcn", number),
            "mcn",
            "CN",
            int(joined[i]),
            "",
        )
        credit = int(rng.integers(60, 80)) if rng.random() < 0.1 else int(rng.integers(82, 101))
        _credit_facts(pop, partner, int(joined[i]), credit, rng)
    partners = offset + np.arange(n_mcn)
    affiliates = background.affiliates["CN"]
    pct = background.affiliate_pct["CN"]
    bound = affiliates[rng.random(len(affiliates)) < 0.1 + 0.4 * pct]
    zipf = 1.0 / (np.arange(n_mcn) + 1.0) ** 1.0
    agency = rng.permutation(n_mcn)[rng.choice(n_mcn, len(bound), p=zipf / zipf.sum())]
    start_lo = joined[agency]
    started = start_lo + (rng.random(len(bound)) ** 1.3 * (last - start_lo)).astype(int)
    u = rng.random(len(bound))
    leaves = u < 0.2
    span = np.maximum(last + 1 - started, 2)
    ended = np.full(len(bound), -1)
    ended[leaves] = (
        started[leaves] + 1 + (rng.random(leaves.sum()) * (span[leaves] - 1)).astype(int)
    )
    pop.bindings.add(
        len(bound),
        partner=partners[agency],
        kind=CREATOR,
        subject=bound,
        service=MCN,
        started=started,
        ended=ended,
    )
    if n_mcn > 1:
        # Three quarters of those who leave sign with another agency the same day.
        switch = leaves & (u < 0.15) & (ended <= last)
        other = (agency[switch] + 1 + rng.integers(0, n_mcn - 1, switch.sum())) % n_mcn
        moved = np.maximum(ended[switch], joined[other] + 1)
        ok = moved <= last
        pop.bindings.add(
            int(ok.sum()),
            partner=partners[other][ok],
            kind=CREATOR,
            subject=bound[switch][ok],
            service=MCN,
            started=moved[ok],
            ended=-1,
        )
    if pending.creators:
        # Planted creators that left their agency sign with a background one.
        days = np.array(pending.days)
        target = partners[rng.integers(0, n_mcn, len(days))]
        pop.bindings.add(
            len(days),
            partner=target,
            kind=CREATOR,
            subject=np.array(pending.creators),
            service=MCN,
            started=np.maximum(days, joined[target - offset] + 1),
            ended=-1,
        )
