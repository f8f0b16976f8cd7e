"""The allowed level moves of each policy, as data, and the one function that makes a move.

A move is `(from_level, to_level, cause)` on the level a partner *holds* under its policy
(`Standing.held`); None is "no level", `REMOVED` an ISV taken out of the program. Levels
are the program's, lowest first (L0 < L1 < …); the table per policy kind:

| policy | from | to | cause |
|---|---|---|---|
| computed | any level or none | any other level or none | computed |
| one_step_up | none | any level (`without_baseline: lowest`: L0 only) | first_assessment |
| one_step_up | Li | Li+1 … Li+max_steps_up | score_up |
| one_step_up | Li | any lower level (`down: one_step`: Li-1 only) | score_down |
| award | any award or none | any other award | award_granted |
| award | any award | none | award_expired |
| invited_class | none | any class | first_class |
| invited_class | each promotion's from | its to | invitation |
| invited_class | each downgrade's from | its to | downgrade |
| invited_class | each downgrade's from with no to | REMOVED | removal |
| invited_class | each fixed class F | any class below F | invitation_ended |

Nothing leaves REMOVED; one_step_up never returns to none (the baseline is kept across
novice and observation), and invited_class has no move by score after the first class.
Overrides change only the level shown, never the level held, so they are not moves.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache

from tierwise.definitions.model import (
    AwardPolicy,
    ComputedLevelPolicy,
    InvitedClassPolicy,
    OneStepUpPolicy,
)
from tierwise.lifecycle.errors import IllegalTransition
from tierwise.lifecycle.policy import REMOVED, Policy, PolicyKind
from tierwise.lifecycle.state import Cause, Standing


@dataclass(frozen=True)
class Transition:
    """One allowed move of the level held under a policy."""

    policy: PolicyKind
    from_level: str | None
    to_level: str | None
    cause: Cause

    def __str__(self) -> str:
        return f"{self.from_level or '—'} → {self.to_level or '—'} ({self.cause})"


@lru_cache(maxsize=64)
def table(policy: Policy) -> frozenset[Transition]:
    """Every move the policy allows."""
    rule, levels, kind = policy.rule, policy.levels, policy.kind
    rows: set[tuple[str | None, str | None, Cause]] = set()
    with_none: tuple[str | None, ...] = (None, *levels)
    if isinstance(rule, ComputedLevelPolicy):
        rows |= {(a, b, "computed") for a in with_none for b in with_none if a != b}
    elif isinstance(rule, OneStepUpPolicy):
        first = levels if rule.without_baseline == "computed" else levels[:1]
        rows |= {(None, b, "first_assessment") for b in first}
        for i, a in enumerate(levels):
            rows |= {(a, b, "score_up") for b in levels[i + 1 : i + 1 + rule.max_steps_up]}
            lower = levels[:i] if rule.down == "to_computed" else levels[max(i - 1, 0) : i]
            rows |= {(a, b, "score_down") for b in lower}
    elif isinstance(rule, AwardPolicy):
        rows |= {(a, b, "award_granted") for a in with_none for b in levels if a != b}
        rows |= {(a, None, "award_expired") for a in levels}
        rows |= {(a, b, "award_forfeited") for a in levels for b in with_none if a != b}
    elif isinstance(rule, InvitedClassPolicy):
        rows |= {(None, b, "first_class") for b in levels}
        rows |= {(p.from_, p.to, "invitation") for p in rule.promotions}
        for d in rule.downgrades:
            if d.to is None:
                rows.add((d.from_, REMOVED, "removal"))
            else:
                rows.add((d.from_, d.to, "downgrade"))
        for fixed in rule.fixed_classes:
            lower = levels[: levels.index(fixed)]
            rows |= {(fixed, b, "invitation_ended") for b in lower}
    return frozenset(Transition(kind, a, b, cause) for a, b, cause in rows)


def allowed_from(policy: Policy, from_level: str | None) -> tuple[Transition, ...]:
    """The moves the policy allows from a level, for error messages and documentation."""
    moves = (t for t in table(policy) if t.from_level == from_level)
    return tuple(sorted(moves, key=lambda t: (t.cause, t.to_level or "")))


def move(
    policy: Policy, standing: Standing, to_level: str | None, cause: Cause, *, on: date
) -> tuple[Standing, Transition]:
    """The one function that changes the level a partner holds; raises IllegalTransition
    for a move the policy's table does not list."""
    transition = Transition(policy.kind, standing.held, to_level, cause)
    if transition not in table(policy):
        options = ", ".join(str(t) for t in allowed_from(policy, standing.held)) or "none"
        raise IllegalTransition(
            f"{policy.program_id}: {standing.partner_id} cannot move {transition} under the "
            f"{policy.kind!r} policy; allowed from {standing.held or 'no level'}: {options}"
        )
    return replace(standing, held=to_level, origin=cause, since=on), transition
