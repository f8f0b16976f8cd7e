"""What the lifecycle reads and carries: a partner's result for a period, and its Standing.

`Standing` is the state carried from one period to the next; the state store persists it
as JSON (`to_dict` / `from_dict`), so every field is plain data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Literal, get_args

from tierwise.core.periods import Period
from tierwise.lifecycle.decisions import Decision
from tierwise.lifecycle.policy import REMOVED
from tierwise.scoring.outcome import Outcome
from tierwise.scoring.status import Status

#: Why the level held is what it is: the cause of the last move (see `transitions`).
Cause = Literal[
    "first_assessment",  # one_step_up: no baseline, the computed level is taken
    "score_up",  # one_step_up: computed above the baseline, up at most max_steps_up
    "score_down",  # one_step_up: computed below the baseline
    "computed",  # computed: the level is the computed one
    "award_granted",  # award: a new award is in force
    "award_expired",  # award: no award in force any more
    "award_forfeited",  # award: an operator forfeited the award in force (false declaration)
    "first_class",  # invited_class: the first class is the standard class
    "invitation",  # invited_class: an operator's invitation (A → S, B → A)
    "downgrade",  # invited_class: an operator's downgrade (A → B)
    "removal",  # invited_class: an operator's removal (B → removed)
    "invitation_ended",  # invited_class: a fixed class's invitation not continued
]
CAUSES: tuple[Cause, ...] = get_args(Cause)

ReviewKind = Literal["invitation_review", "promotion_proposal", "downgrade_proposal"]
REVIEW_KINDS: tuple[ReviewKind, ...] = (
    "invitation_review",
    "promotion_proposal",
    "downgrade_proposal",
)


@dataclass(frozen=True)
class PeriodResult:
    """What the evaluation computed for one partner and period, as the lifecycle needs it."""

    partner_id: str
    status: Status
    #: What the score alone gives, whatever the status; None when no level is reached.
    computed_level: str | None
    score: Decimal | None = None
    joined_on: date | None = None
    #: Why the status (the observation conditions that hold), for the warning notice.
    reasons: tuple[str, ...] = ()
    #: award with registration: why no award may be given for the period even if earned
    #: (`not_registered`, `excluded`), and the operator's reason for an exclusion.
    withheld: str | None = None
    withheld_note: str | None = None
    #: award: the periods whose awards an operator forfeited by the generation date.
    forfeited: tuple[Period, ...] = ()
    #: The period's metric values (what opens a downgrade proposal is read from them).
    metrics: Mapping[str, Decimal | None] = field(default_factory=dict, hash=False)

    @classmethod
    def of(cls, outcome: Outcome, *, joined_on: date | None = None) -> PeriodResult:
        reasons = tuple(t.reason for t in outcome.trace if t.kind == "status")
        return cls(
            partner_id=outcome.partner_id,
            status=outcome.status,
            computed_level=outcome.computed_level,
            score=outcome.score,
            joined_on=joined_on,
            reasons=reasons,
            metrics={k: None if v is None else Decimal(str(v)) for k, v in outcome.metrics.items()},
        )


@dataclass(frozen=True)
class Award:
    """An award computed for a period, valid for the following period(s); final."""

    partner_id: str
    award: str
    for_period: Period
    valid_from: date
    #: The last day it is valid (inclusive).
    valid_to: date

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day <= self.valid_to

    def to_dict(self) -> dict[str, Any]:
        """The cli-contract's award record."""
        return {
            "partner_id": self.partner_id,
            "award": self.award,
            "for_period": str(self.for_period),
            "valid_from": self.valid_from.isoformat(),
            "valid_to": self.valid_to.isoformat(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Award:
        return cls(
            partner_id=str(data["partner_id"]),
            award=str(data["award"]),
            for_period=Period.parse(data["for_period"]),
            valid_from=date.fromisoformat(data["valid_from"]),
            valid_to=date.fromisoformat(data["valid_to"]),
        )


@dataclass(frozen=True)
class ReviewItem:
    """An operator's to-do opened by the lifecycle: a half-yearly review of an invited class,
    a proposal to invite a partner that met a higher standard class, or a proposal to
    downgrade or remove one (`proposed` None: removal) with the conditions that held. An
    operator's, never the partner's: the outbox does not send it."""

    kind: ReviewKind
    partner_id: str
    #: The review period it covers (`2024H1`).
    window: Period
    opened_on: date
    #: The class held when opened.
    level: str
    #: promotion_proposal: the class the partner would be invited to.
    proposed: str | None = None
    #: What the operator decides (`invitation_next_year`, `invitation`, `downgrade`,
    #: `removal`).
    decides: str = "invitation_next_year"
    #: downgrade_proposal: the conditions that held (`data_leak_violations > 0`).
    reasons: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "partner_id": self.partner_id,
            "window": str(self.window),
            "opened_on": self.opened_on.isoformat(),
            "level": self.level,
            "proposed": self.proposed,
            "decides": self.decides,
            "reasons": list(self.reasons),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ReviewItem:
        kind = data["kind"]
        if kind not in REVIEW_KINDS:
            raise ValueError(f"unknown review kind {kind!r}")
        return cls(
            kind=kind,
            partner_id=str(data["partner_id"]),
            window=Period.parse(data["window"]),
            opened_on=date.fromisoformat(data["opened_on"]),
            level=str(data["level"]),
            proposed=data.get("proposed"),
            decides=str(data.get("decides", "invitation_next_year")),
            reasons=tuple(str(r) for r in data.get("reasons", ())),
        )


STANDING_VERSION = 1


@dataclass(frozen=True)
class Standing:
    """A partner's lifecycle state after its last evaluated period."""

    partner_id: str
    #: The last period applied; the next must come after it.
    period: Period | None = None
    #: The level reported for that period (after the rules and overrides; None: none shown).
    level: str | None = None
    #: The level the policy carries from period to period. one_step_up: the baseline, the
    #: last level from an assessed period (kept across novice and observation); computed:
    #: the computed level; award: the award in force; invited_class: the class, or REMOVED.
    held: str | None = None
    #: How `held` was reached, and from when.
    origin: Cause | None = None
    since: date | None = None
    #: Every award granted, oldest first (final: never revoked).
    awards: tuple[Award, ...] = ()
    #: invited_class: the standard class of each period of the last year (None: unclassed).
    standards: tuple[tuple[Period, str | None], ...] = ()
    #: Checked class decisions waiting for their effective date.
    pending: tuple[Decision, ...] = ()
    #: Checked overrides that apply now or later.
    overrides: tuple[Decision, ...] = ()
    #: Review items opened and not yet decided.
    reviews: tuple[ReviewItem, ...] = ()

    @property
    def removed(self) -> bool:
        return self.held == REMOVED

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": STANDING_VERSION,
            "partner_id": self.partner_id,
            "period": None if self.period is None else str(self.period),
            "level": self.level,
            "held": self.held,
            "origin": self.origin,
            "since": None if self.since is None else self.since.isoformat(),
            "awards": [a.to_dict() for a in self.awards],
            "standards": [[str(p), c] for p, c in self.standards],
            "pending": [d.to_dict() for d in self.pending],
            "overrides": [d.to_dict() for d in self.overrides],
            "reviews": [r.to_dict() for r in self.reviews],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Standing:
        version = data.get("version")
        if version != STANDING_VERSION:
            raise ValueError(f"standing version {version!r}: expected {STANDING_VERSION}")
        origin = data.get("origin")
        if origin is not None and origin not in CAUSES:
            raise ValueError(f"unknown cause {origin!r}")
        period, since = data.get("period"), data.get("since")
        return cls(
            partner_id=str(data["partner_id"]),
            period=None if period is None else Period.parse(period),
            level=data.get("level"),
            held=data.get("held"),
            origin=origin,
            since=None if since is None else date.fromisoformat(since),
            awards=tuple(Award.from_dict(a) for a in data.get("awards", ())),
            standards=tuple((Period.parse(p), c) for p, c in data.get("standards", ())),
            pending=tuple(Decision.from_dict(d) for d in data.get("pending", ())),
            overrides=tuple(Decision.from_dict(d) for d in data.get("overrides", ())),
            reviews=tuple(ReviewItem.from_dict(r) for r in data.get("reviews", ())),
        )


def award_in_force(awards: tuple[Award, ...], day: date) -> Award | None:
    """The award shown on a day: of those valid that day, the one for the latest period
    (a later period's award replaces an earlier one for its own validity window)."""
    valid = [a for a in awards if a.valid_on(day)]
    return max(valid, key=lambda a: a.for_period.start) if valid else None
