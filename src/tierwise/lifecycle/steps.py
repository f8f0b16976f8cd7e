"""One period of one partner's lifecycle: `advance` takes the standing carried from the
period before, the period's result and the operator decisions known by its generation
date, and returns a `Step`: the new standing and what to report.

Order within a period: decisions are checked and recorded; class decisions whose effective
date falls on or before the period's last day take effect; the policy's rule reads the
result; overrides in force on the period's last day set the level shown; review items,
awards and notices are collected. Every change of the level held goes through
`transitions.move`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from tierwise.core.periods import Period
from tierwise.definitions.model import AwardPolicy
from tierwise.lifecycle.decisions import Decision, check_decision
from tierwise.lifecycle.errors import DecisionError, LifecycleError
from tierwise.lifecycle.notices import Notice, NoticeKind
from tierwise.lifecycle.policies import RULINGS
from tierwise.lifecycle.policy import REMOVED, Policy
from tierwise.lifecycle.state import Award, Cause, PeriodResult, ReviewItem, Standing
from tierwise.lifecycle.transitions import Transition, move
from tierwise.scoring.status import Status

Change = Literal["up", "down", "new", "lost", "unchanged"]


@dataclass(frozen=True)
class Step:
    """One partner's period after the lifecycle: what to report, and the standing to carry."""

    partner_id: str
    period: Period
    status: Status
    score: Decimal | None
    #: What the score alone gives.
    computed_level: str | None
    #: The level held after the rules and overrides (None: none shown).
    level: str | None
    #: The level reported for the partner's previous period.
    previous_level: str | None
    change: Change
    #: The level the policy held before this period (百应: the baseline compared with).
    held_before: str | None
    standing: Standing
    published_on: date
    awards: tuple[Award, ...] = ()
    notices: tuple[Notice, ...] = ()
    reviews: tuple[ReviewItem, ...] = ()
    #: The moves of the level held, in order, each in the policy's transitions table.
    transitions: tuple[Transition, ...] = ()
    #: Decisions checked and recorded in this step (effective date resolved).
    recorded: tuple[Decision, ...] = ()
    #: Class decisions that took effect in this period.
    applied: tuple[Decision, ...] = ()
    #: Pending class decisions a removal cancelled.
    cancelled: tuple[Decision, ...] = ()
    explanation: tuple[str, ...] = ()

    def lifecycle_fields(self) -> dict[str, Any]:
        """The `tierwise run` result fields the lifecycle adds to the evaluation's."""
        return {
            "computed_level": self.computed_level,
            "level": self.level,
            "previous_level": self.previous_level,
            "change": self.change,
        }


def advance(
    policy: Policy,
    standing: Standing | None,
    period: Period,
    result: PeriodResult,
    decisions: Sequence[Decision] = (),
) -> Step:
    """Apply one period's result (and the decisions known by its generation date) to a
    partner's standing; None is a partner never seen before."""
    before = standing if standing is not None else Standing(partner_id=result.partner_id)
    _check_input(policy, before, period, result)
    notes: list[str] = []

    work, recorded, cancelled = _record_all(policy, before, period, decisions, notes)
    work, moves, applied = _apply_due(policy, work, period, notes)
    ruling = RULINGS[policy.kind](policy, work, period, result)
    notes.extend(ruling.explanation)
    if ruling.held != work.held:
        if ruling.cause is None:
            raise LifecycleError(f"{policy.kind}: a change of level without a cause")
        work, transition = move(policy, work, ruling.held, ruling.cause, on=_since(policy, period))
        moves.append(transition)

    level, overrides = _overridden(policy, work, period, ruling.shown, notes)
    previous = before.level
    change = _change(policy, previous, level)
    after = replace(
        work,
        period=period,
        level=level,
        awards=work.awards + ruling.awards,
        standards=ruling.standards if ruling.standards is not None else work.standards,
        reviews=work.reviews + ruling.reviews,
        overrides=overrides,
    )
    step = Step(
        partner_id=result.partner_id,
        period=period,
        status=result.status,
        score=result.score,
        computed_level=result.computed_level,
        level=level,
        previous_level=previous,
        change=change,
        held_before=before.held,
        standing=after,
        published_on=policy.published_on(period),
        awards=ruling.awards,
        reviews=ruling.reviews,
        transitions=tuple(moves),
        recorded=tuple(recorded),
        applied=tuple(applied),
        cancelled=tuple(cancelled),
        explanation=tuple(notes),
    )
    return replace(step, notices=_notices(policy, step, result))


def _record_all(
    policy: Policy,
    standing: Standing,
    period: Period,
    decisions: Sequence[Decision],
    notes: list[str],
) -> tuple[Standing, list[Decision], list[Decision]]:
    """Check each decision against the standing as the previous ones left it, and keep it."""
    recorded: list[Decision] = []
    cancelled: list[Decision] = []
    for decision in decisions:
        if decision.decided_on > period.generation_date:
            raise DecisionError(
                f"{decision.kind} of {decision.partner_id}",
                [
                    f"decided {decision.decided_on.isoformat()}, after {period}'s generation "
                    f"date {period.generation_date.isoformat()}: give it to a later period"
                ],
            )
        checked = check_decision(policy, standing, decision)
        standing, dropped = _record(standing, checked)
        recorded.append(checked)
        cancelled.extend(dropped)
        for gone in dropped:
            notes.append(f"{gone.kind} pending from {_iso(gone.effective)} cancelled by removal")
    return standing, recorded, cancelled


def _apply_due(
    policy: Policy, standing: Standing, period: Period, notes: list[str]
) -> tuple[Standing, list[Transition], list[Decision]]:
    """Class decisions in force on the period's last day take effect, oldest first."""
    due = sorted(
        (d for d in standing.pending if d.effective is not None and d.effective <= period.last_day),
        key=lambda d: (d.effective or d.decided_on, d.decided_on),
    )
    standing = replace(standing, pending=tuple(d for d in standing.pending if d not in due))
    moves: list[Transition] = []
    for decision in due:
        to_level, cause = _target(decision)
        on = decision.effective or period.end
        standing, transition = move(policy, standing, to_level, cause, on=on)
        moves.append(transition)
        notes.append(
            f"{decision.kind} by {decision.actor} ({decision.reason}), effective "
            f"{_iso(decision.effective)}: {transition}"
        )
    return standing, moves, due


def _iso(day: date | None) -> str:
    return day.isoformat() if day is not None else "?"


def _check_input(policy: Policy, before: Standing, period: Period, result: PeriodResult) -> None:
    if before.partner_id != result.partner_id:
        raise LifecycleError(
            f"a result for {result.partner_id} given with {before.partner_id}'s standing"
        )
    if period.kind != policy.period_kind:
        raise LifecycleError(
            f"{policy.program_id} is evaluated by {policy.period_kind}; {period} is a {period.kind}"
        )
    if before.period is not None and period <= before.period:
        raise LifecycleError(
            f"{result.partner_id}: {period} is not after {before.period}, the last period "
            "applied; periods are applied once, in order"
        )
    if result.computed_level is not None:
        policy.rank(result.computed_level)


def _record(standing: Standing, decision: Decision) -> tuple[Standing, tuple[Decision, ...]]:
    """Keep a checked decision in the standing; close the review items it answers."""
    if decision.kind == "override":
        return replace(standing, overrides=(*standing.overrides, decision)), ()
    if decision.kind == "remove":
        return replace(standing, pending=(decision,)), standing.pending
    reviews = standing.reviews
    if decision.kind == "invite":
        reviews = tuple(
            r
            for r in reviews
            if not (r.kind == "promotion_proposal" and r.proposed == decision.level)
        )
    if decision.kind == "continue_invitation":
        reviews = tuple(r for r in reviews if r.kind != "invitation_review")
        if decision.continues:
            return replace(standing, reviews=reviews), ()
    return replace(standing, reviews=reviews, pending=(*standing.pending, decision)), ()


_CAUSES: dict[str, Cause] = {
    "invite": "invitation",
    "downgrade": "downgrade",
    "remove": "removal",
    "continue_invitation": "invitation_ended",
}


def _target(decision: Decision) -> tuple[str | None, Cause]:
    cause = _CAUSES.get(decision.kind)
    if cause is None:
        raise LifecycleError(f"a {decision.kind} decision does not move a class")
    return (REMOVED if decision.kind == "remove" else decision.level), cause


def _since(policy: Policy, period: Period) -> date:
    """A move by the rules holds from the result's publication (an award: its validity)."""
    if isinstance(policy.rule, AwardPolicy):
        return period.end
    return policy.published_on(period)


def _overridden(
    policy: Policy, standing: Standing, period: Period, shown: str | None, notes: list[str]
) -> tuple[str | None, tuple[Decision, ...]]:
    """The level shown after overrides in force on the period's last day (the latest decided
    wins), and the overrides still to keep."""
    day = period.last_day
    active = [o for o in standing.overrides if o.applies_on(day)]
    level = shown
    if active:
        latest = max(enumerate(active), key=lambda pair: (pair[1].decided_on, pair[0]))[1]
        if latest.level is not None and (
            latest.mode == "fixed"
            or level is None
            or policy.rank(latest.level) > policy.rank(level)
        ):
            level = latest.level
        notes.append(
            f"override ({latest.mode} {latest.level}) by {latest.actor} ({latest.reason}), "
            f"until {_iso(latest.until) if latest.until else 'lifted'}: shown {level or 'none'} "
            f"instead of {shown or 'none'}"
        )
    keep_from = period.next.last_day
    kept = tuple(o for o in standing.overrides if o.until is None or o.until >= keep_from)
    return level, kept


def _change(policy: Policy, before: str | None, after: str | None) -> Change:
    if before == after:
        return "unchanged"
    if before is None:
        return "new"
    if after is None:
        return "lost"
    return "up" if policy.rank(after) > policy.rank(before) else "down"


def _notices(policy: Policy, step: Step, result: PeriodResult) -> tuple[Notice, ...]:
    def notice(kind: NoticeKind, period: str, **params: str | None) -> Notice:
        return Notice(kind, policy.program_id, step.partner_id, period, params)

    out: list[Notice] = []
    period = str(step.period)
    if step.status == "observation":
        out.append(
            notice(
                "observation_warning",
                period,
                computed_level=step.computed_level,
                baseline=step.standing.held,
                score=None if step.score is None else str(step.score),
                reasons="; ".join(result.reasons) or None,
            )
        )
    for granted in step.awards:
        out.append(
            notice(
                "award_granted",
                str(granted.for_period),
                award=granted.award,
                for_period=str(granted.for_period),
                valid_from=granted.valid_from.isoformat(),
                valid_to=granted.valid_to.isoformat(),
            )
        )
    if result.withheld is not None and result.status == "assessed" and result.computed_level:
        out.append(
            notice(
                "award_withheld",
                period,
                award=result.computed_level,
                reason=result.withheld,
                note=result.withheld_note,
            )
        )
    told = any(a.award == step.level for a in step.awards)
    if step.change != "unchanged" and not told:
        out.append(
            notice(
                "level_changed",
                period,
                level=step.level,
                previous_level=step.previous_level,
                change=step.change,
                computed_level=step.computed_level,
            )
        )
    for item in step.reviews:
        out.append(
            notice(
                "review_opened",
                str(item.window),
                review=item.kind,
                window=str(item.window),
                level=item.level,
                proposed=item.proposed,
                decides=item.decides,
            )
        )
    return tuple(out)


@dataclass(frozen=True)
class AwardRestatement:
    """What a restated result of a past period means for the award granted for it."""

    partner_id: str
    period: Period
    #: The award granted for the period when it was evaluated (None: none was).
    granted: Award | None
    #: What the restated result would give.
    restated_level: str | None
    #: Whether the restated result would give another award (or none, or one).
    differs: bool
    #: Always True: an award is final, a restatement neither revokes nor grants one.
    stands: bool
    explanation: str


def restate(
    policy: Policy, standing: Standing, period: Period, result: PeriodResult
) -> AwardRestatement:
    """The award granted for a past period against a restated result (an appeal revoked a
    violation): the award stands; the difference is reported for the operator."""
    if not isinstance(policy.rule, AwardPolicy):
        raise LifecycleError(
            f"{policy.program_id}: only an award policy has final awards; re-run the "
            f"{policy.kind!r} lifecycle from {period} to restate levels"
        )
    if result.partner_id != standing.partner_id:
        raise LifecycleError(f"a result for {result.partner_id} with {standing.partner_id}'s")
    granted = next((a for a in standing.awards if a.for_period == period), None)
    restated = result.computed_level if result.status == "assessed" else None
    was = granted.award if granted is not None else None
    differs = was != restated
    if not differs:
        why = f"the restated result gives the same award ({was or 'none'}) for {period}"
    else:
        why = (
            f"the restated result gives {restated or 'no award'} for {period}; "
            f"{'the ' + was + ' award granted' if was else 'no award granted'} then stands: "
            "an award is final, a restatement neither revokes nor grants one "
            "(an operator may act with an override)"
        )
    return AwardRestatement(
        partner_id=standing.partner_id,
        period=period,
        granted=granted,
        restated_level=restated,
        differs=differs,
        stands=True,
        explanation=why,
    )
