"""Notices: what a partner (or an operator) is to be told, as data the outbox renders.

A notice names its kind, program, partner and period and carries its parameters as text;
the notification outbox turns it into a message in the partner's language. The lifecycle
emits them period by period (`advance`); expiring awards depend on the day asked, so
`expiring` and `expiring_notices` compute them for any day.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

from tierwise.lifecycle.policy import Policy
from tierwise.lifecycle.state import Award, Standing, award_in_force

NoticeKind = Literal[
    "level_changed",  # params: level, previous_level, change, computed_level
    "observation_warning",  # params: computed_level, baseline, score, reasons
    "award_granted",  # params: award, for_period, valid_from, valid_to
    "award_expiring",  # params: award, for_period, valid_to, days_left
    "award_withheld",  # params: award, reason (not_registered, excluded), note
    "award_forfeited",  # params: award, for_period, reason (an operator's, to the partner)
    "excluded",  # params: from_period, reason (an operator's, to the partner)
    "review_opened",  # params: review, window, level, proposed, decides (to the operator)
    "binding_quota_exceeded",  # params: level, limit, held, on, creators (集星)
]

#: Notices for operators only: a review item is an operator's to-do (an invitation review,
#: a promotion, downgrade or removal proposal); the partner's outbox and card never get it.
OPERATOR_ONLY: frozenset[str] = frozenset({"review_opened"})

#: Days before an award's validity ends that the "expiring" notice is due (*default*).
EXPIRING_DAYS = 14


@dataclass(frozen=True)
class Notice:
    """One message to send, before rendering."""

    kind: NoticeKind
    program_id: str
    partner_id: str
    #: The evaluated period it is about (an award: the period it was given for).
    period: str
    params: Mapping[str, str | None] = field(default_factory=dict, hash=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "program_id": self.program_id,
            "partner_id": self.partner_id,
            "period": self.period,
            "params": dict(self.params),
        }


def expiring(standing: Standing, on: date, days: int = EXPIRING_DAYS) -> tuple[Award, ...]:
    """The award in force on `on` if its validity ends within `days` days (it expires at the
    end of `valid_to`: on 2024-06-17 an award valid to 2024-06-30 has 14 days left) and no
    later award already granted takes over the day after."""
    award = award_in_force(standing.awards, on)
    if award is None or (award.valid_to - on).days >= days:
        return ()
    successors = [
        a
        for a in standing.awards
        if a.for_period.start > award.for_period.start
        and a.valid_from <= award.valid_to + timedelta(days=1)
    ]
    return () if successors else (award,)


def expiring_notices(
    policy: Policy, standing: Standing, on: date, days: int = EXPIRING_DAYS
) -> tuple[Notice, ...]:
    """The `award_expiring` notices due on a day."""
    return tuple(
        Notice(
            kind="award_expiring",
            program_id=policy.program_id,
            partner_id=standing.partner_id,
            period=str(award.for_period),
            params={
                "award": award.award,
                "for_period": str(award.for_period),
                "valid_to": award.valid_to.isoformat(),
                "days_left": str((award.valid_to - on).days + 1),
            },
        )
        for award in expiring(standing, on, days)
    )
