"""A program's level lifecycle as the lifecycle reads it: the declared rule with the level order.

The rule models (`ComputedLevelPolicy`, `OneStepUpPolicy`, `AwardPolicy`, `InvitedClassPolicy`)
come from the program definition; they do not know the program's levels, which the moves
(one step up, a lower class) need, so `Policy` carries both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final, Literal

from tierwise.core.periods import Period, PeriodKind
from tierwise.definitions.model import (
    AwardPolicy,
    ComputedLevelPolicy,
    InvitedClassPolicy,
    OneStepUpPolicy,
    Program,
)
from tierwise.lifecycle.errors import LifecycleError

Rule = ComputedLevelPolicy | OneStepUpPolicy | AwardPolicy | InvitedClassPolicy
PolicyKind = Literal["computed", "one_step_up", "award", "invited_class"]

#: The state of a partner an operator removed from the program (ISV B → removed); not a level.
REMOVED: Final = "removed"


@dataclass(frozen=True)
class Policy:
    """The lifecycle rule of one program, with its level ids lowest first."""

    program_id: str
    rule: Rule
    levels: tuple[str, ...]
    period_kind: PeriodKind
    #: Day of the month after the period on which results are published (Douyin: 3).
    publication_day: int | None = None

    def __post_init__(self) -> None:
        if not self.levels:
            raise LifecycleError(f"{self.program_id}: a lifecycle needs at least one level")
        if len(set(self.levels)) != len(self.levels):
            raise LifecycleError(f"{self.program_id}: level ids repeat: {self.levels}")
        if REMOVED in self.levels:
            raise LifecycleError(f"{self.program_id}: {REMOVED!r} is reserved, not a level id")
        if isinstance(self.rule, InvitedClassPolicy):
            named = set(self.rule.fixed_classes)
            for review in self.rule.reviews:
                named.update(review.classes)
            for promotion in self.rule.promotions:
                named.update((promotion.from_, promotion.to))
            for downgrade in self.rule.downgrades:
                named.add(downgrade.from_)
                if downgrade.to is not None:
                    named.add(downgrade.to)
            unknown = sorted(named - set(self.levels))
            if unknown:
                raise LifecycleError(
                    f"{self.program_id}: the lifecycle names classes that are not levels: "
                    + ", ".join(unknown)
                )

    @classmethod
    def of(cls, program: Program) -> Policy:
        """The program's declared lifecycle; without one the computed level is the level."""
        rule: Rule = program.lifecycle or ComputedLevelPolicy(policy="computed")
        return cls(
            program_id=program.id,
            rule=rule,
            levels=program.level_ids,
            period_kind=program.period_kind,
            publication_day=program.publication_day,
        )

    @property
    def kind(self) -> PolicyKind:
        return self.rule.policy

    def rank(self, level: str) -> int:
        """0 for the lowest level; raises LifecycleError for a level the program lacks."""
        if level not in self.levels:
            raise LifecycleError(
                f"{self.program_id}: unknown level {level!r} (levels: {', '.join(self.levels)})"
            )
        return self.levels.index(level)

    def published_on(self, period: Period) -> date:
        """When the period's result is shown: the publication day, else the generation date."""
        end = period.end
        if self.publication_day is None:
            return end
        return date(end.year, end.month, self.publication_day)
