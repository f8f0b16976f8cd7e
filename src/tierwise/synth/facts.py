"""Douyin creator facts (带货力, 百应 author level, 口碑分) and risk flags.

Levels move month to month: each creator's path is walked backwards from its value in the
end month (the planted target, or a background value from its activity), so the facts in
force on the evaluated days are exactly what the archetypes need. `creator_level` and
`reputation` are published on the 1st of each month, `author_level` on the 2nd, including
the 2nd of the month after the end month (the day 百应 reads for the end month).
"""

from __future__ import annotations

import numpy as np

from tierwise.synth.clock import ORDER_MONTHS, day_number
from tierwise.synth.population import CREATOR, FACT, MCN, Population
from tierwise.synth.seeding import stream

_MICRO = 1_000_000


def select_douyin(pop: Population) -> None:
    """Keep Douyin facts for creators ever bound to an agency and a sample of the others."""
    rng = stream(pop.seed, "douyin")
    c = pop.creators
    b = pop.bindings
    bound = np.zeros(c.size, dtype=bool)
    bound[b["subject"][(b["kind"] == CREATOR) & (b["service"] == MCN)]] = True
    keep = c["douyin"] & (bound | c["planted"] | (rng.random(c.size) < 0.3))
    c.set("douyin", np.arange(c.size), keep)


def flag_abnormal(pop: Population) -> None:
    """Risk-flag ~1.5% of background Douyin creators and ~0.5% of the others."""
    rng = stream(pop.seed, "abnormal")
    c = pop.creators
    cal = pop.calendar
    rate = np.where(c["douyin"], 0.015, 0.005)
    chosen = (~c["planted"]) & (rng.random(c.size) < rate) & (c["abnormal_day"] < 0)
    days = rng.integers(cal.first_day, cal.last_day - 5, int(chosen.sum()))
    c.set("abnormal_day", np.flatnonzero(chosen), days)


def _walk(
    rng: np.random.Generator,
    end: np.ndarray,
    steps: int,
    low: float,
    high: float,
    step: np.ndarray | None = None,
) -> np.ndarray:
    """Paths of `steps` values ending in `end`, drifting backwards."""
    out = np.empty((len(end), steps))
    out[:, -1] = end
    for m in range(steps - 2, -1, -1):
        move = (
            step[:, m]
            if step is not None
            else rng.choice([-1.0, 0.0, 1.0], len(end), p=[0.12, 0.76, 0.12])
        )
        out[:, m] = np.clip(out[:, m + 1] + move, low, high)
    return out


def _emit(
    pop: Population,
    creators: np.ndarray,
    first_month: np.ndarray,
    name: str,
    as_of: np.ndarray,
    values: np.ndarray,
) -> None:
    """Fact rows from each creator's first active month on."""
    months = np.arange(values.shape[1])
    keep = months[None, :] >= np.minimum(first_month, ORDER_MONTHS - 1)[:, None]
    rows, cols = np.nonzero(keep)
    pop.facts.add(
        len(rows),
        kind=CREATOR,
        subject=creators[rows],
        name=FACT[name],
        as_of=as_of[cols],
        value=np.round(values[rows, cols] * _MICRO),
    )


def add_creator_facts(pop: Population) -> None:
    rng = stream(pop.seed, "creator-facts")
    c = pop.creators
    cal = pop.calendar
    creators = np.flatnonzero(c["douyin"])
    first_month = c["first_month"][creators].astype(np.int64)
    firsts = np.array(cal.month_first_days(), dtype=np.int64)
    level = _walk(rng, c["creator_level"][creators].astype(float), ORDER_MONTHS, 0, 7)
    _emit(pop, creators, first_month, "creator_level", firsts, level)

    # Author levels: one more value, on the 2nd of the month after the end month.
    seconds = np.append(firsts, day_number(cal.end.end)) + 1
    author = _walk(rng, c["author_level"][creators].astype(float), ORDER_MONTHS + 1, 0, 7)
    author[:, -2] = author[:, -1]
    _emit(pop, creators, first_month, "author_level", seconds, author)

    drift = np.round(rng.normal(0, 0.08, (len(creators), ORDER_MONTHS)), 2)
    reputation = np.round(
        _walk(rng, c["reputation"][creators].astype(float), ORDER_MONTHS, 0, 5, drift), 2
    )
    _emit(pop, creators, first_month, "reputation", firsts, reputation)


def add_abnormal_facts(pop: Population) -> None:
    """`abnormal` = 1 from the flag day; a third of background flags are cleared later."""
    rng = stream(pop.seed, "abnormal-facts")
    c = pop.creators
    flagged = np.flatnonzero(c["abnormal_day"] >= 0)
    days = c["abnormal_day"][flagged].astype(np.int64)
    pop.facts.add(
        len(flagged), kind=CREATOR, subject=flagged, name=FACT["abnormal"], as_of=days, value=_MICRO
    )
    cleared_day = days + rng.integers(20, 90, len(flagged))
    cleared = (
        (~c["planted"][flagged])
        & (rng.random(len(flagged)) < 0.33)
        & (cleared_day <= pop.calendar.last_day)
    )
    pop.facts.add(
        int(cleared.sum()),
        kind=CREATOR,
        subject=flagged[cleared],
        name=FACT["abnormal"],
        as_of=cleared_day[cleared],
        value=0,
    )
