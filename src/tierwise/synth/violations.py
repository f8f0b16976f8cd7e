"""Background violations of sellers, creators and partners.

Planted partners and their sellers and creators get only the violations their plan names
(see `tsp.py`), so a random severe violation can never move a planted level.
"""

from __future__ import annotations

import numpy as np

from tierwise.synth.clock import DAY_S
from tierwise.synth.population import (
    COMPLAINT,
    CONTENT_VIOLATION,
    CREATOR,
    DATA_LEAK,
    IPR,
    PARTNER,
    SELLER,
    Population,
)
from tierwise.synth.seeding import stream

_MICRO = 1_000_000


def _add(
    pop: Population,
    rng: np.random.Generator,
    kind: int,
    subjects: np.ndarray,
    violation: np.ndarray,
) -> None:
    n = len(subjects)
    if n == 0:
        return
    cal = pop.calendar
    start, end = cal.first_day * DAY_S, (cal.last_day + 1) * DAY_S
    occurred = rng.integers(start, end, n)
    severe = rng.random(n) < np.where(violation == DATA_LEAK, 0.5, 0.12)
    points = np.where(severe, rng.integers(6, 13, n), rng.integers(1, 9, n) / 2)
    revoked = occurred + rng.integers(2 * DAY_S, 40 * DAY_S, n)
    revoked = np.where((rng.random(n) < 0.08) & (revoked < end), revoked, -1)
    pop.violations.add(
        n,
        kind=kind,
        subject=subjects,
        violation=violation,
        severe=severe,
        points=np.round(points * _MICRO),
        occurred=occurred,
        revoked=revoked,
    )


def add_background(pop: Population) -> None:
    rng = stream(pop.seed, "violations")
    sellers = np.flatnonzero(~pop.sellers["planted"])
    n = round(0.1 * len(sellers))
    _add(
        pop,
        rng,
        SELLER,
        rng.choice(sellers, n) if len(sellers) else sellers[:0],
        rng.choice([IPR, COMPLAINT, CONTENT_VIOLATION], n, p=[0.4, 0.4, 0.2]),
    )
    creators = np.flatnonzero(~pop.creators["planted"])
    n = round(0.04 * len(creators))
    _add(
        pop,
        rng,
        CREATOR,
        rng.choice(creators, n) if len(creators) else creators[:0],
        rng.choice([CONTENT_VIOLATION, COMPLAINT], n, p=[0.85, 0.15]),
    )
    kinds = np.array(pop.partners.kinds)
    unplanted = np.array([not t for t in pop.partners.targets], dtype=bool)
    for kind, leak in (("isv", 0.03), ("tsp", 0.0), ("mcn", 0.0)):
        candidates = np.flatnonzero((kinds == kind) & unplanted)
        complaint = candidates[rng.random(len(candidates)) < 0.12]
        leaked = candidates[rng.random(len(candidates)) < leak]
        _add(pop, rng, PARTNER, complaint, np.full(len(complaint), COMPLAINT))
        _add(pop, rng, PARTNER, leaked, np.full(len(leaked), DATA_LEAK))
