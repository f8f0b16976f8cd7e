"""One pure function per policy kind: what the rules make of one period's result.

Each takes the policy, the partner's standing (with due operator decisions already
applied), the period and the result, and returns a `Ruling`: the level held after the
period and the cause of the move, the level shown before overrides, what it grants or opens,
and why. `advance` makes the move through the transitions table; nothing here changes state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from tierwise.core.periods import Period, PeriodKind
from tierwise.definitions.model import (
    AwardPolicy,
    ComputedLevelPolicy,
    InvitedClassPolicy,
    OneStepUpPolicy,
)
from tierwise.lifecycle.errors import LifecycleError
from tierwise.lifecycle.policy import REMOVED, Policy, PolicyKind
from tierwise.lifecycle.state import (
    Award,
    Cause,
    PeriodResult,
    ReviewItem,
    Standing,
    award_in_force,
)
from tierwise.scoring.status import holds
from tierwise.scoring.status import text as condition_text

Standards = tuple[tuple[Period, str | None], ...]


@dataclass(frozen=True)
class Ruling:
    """A policy's verdict for one period, before overrides."""

    #: The level held after the period, and the cause when it differs from the one before.
    held: str | None
    cause: Cause | None
    #: The level shown for the period by the rules (None: none shown).
    shown: str | None
    explanation: tuple[str, ...] = ()
    awards: tuple[Award, ...] = ()
    reviews: tuple[ReviewItem, ...] = ()
    #: invited_class: the standard classes of the last year, this period included.
    standards: Standards | None = None


R = TypeVar("R", ComputedLevelPolicy, OneStepUpPolicy, AwardPolicy, InvitedClassPolicy)


def _rule(policy: Policy, kind: type[R]) -> R:
    if not isinstance(policy.rule, kind):
        raise LifecycleError(f"{policy.program_id}: not a {kind.__name__}")
    return policy.rule


def computed(policy: Policy, standing: Standing, period: Period, result: PeriodResult) -> Ruling:
    """集星: the level is the computed one, from the period the partner joined in (or the
    one after); it is shown on the publication day of the next month."""
    rule = _rule(policy, ComputedLevelPolicy)
    published = policy.published_on(period).isoformat()
    if result.joined_on is not None:
        first = Period.containing(result.joined_on, period.kind)
        if rule.first_period == "after_joining":
            first = first.next
        if period < first:
            why = (
                f"joined {result.joined_on.isoformat()}: the first level shown is for {first}, "
                f"published on {policy.published_on(first).isoformat()}"
            )
            return Ruling(None, "computed" if standing.held else None, None, (why,))
    level = result.computed_level if result.status == "assessed" else None
    if level is None:
        why = f"no level for {period}: status {result.status}, no level reached"
    else:
        why = f"the level is the computed level {level}, shown on {published}"
    return Ruling(level, "computed" if level != standing.held else None, level, (why,))


def one_step_up(policy: Policy, standing: Standing, period: Period, result: PeriodResult) -> Ruling:
    """百应: against the baseline (the last level from an assessed month), up at most
    `max_steps_up` a month and down to the computed level; novice and observation months
    show no level and keep the baseline."""
    rule = _rule(policy, OneStepUpPolicy)
    base, computed_level = standing.held, result.computed_level
    kept = f"the baseline stays {base or 'none'}"
    if result.status == "novice":
        return Ruling(base, None, None, (f"novice: no level shown; {kept}",))
    if result.status == "observation":
        why = f"observation: no level shown, a warning is issued; {kept} for the next assessment"
        return Ruling(base, None, None, (why,))
    if result.status == "ineligible":
        return Ruling(base, None, None, (f"ineligible: no level shown; {kept}",))
    if computed_level is None:
        return Ruling(base, None, None, (f"assessed, no level reached; {kept}",))
    if base is None:
        new = computed_level if rule.without_baseline == "computed" else policy.levels[0]
        why = f"first assessment (no baseline): {new} from the computed {computed_level}"
        return Ruling(new, "first_assessment", new, (why,))
    at, to = policy.rank(base), policy.rank(computed_level)
    if to > at:
        new = policy.levels[min(to, at + rule.max_steps_up)]
        why = (
            f"computed {computed_level} above the baseline {base}: up at most "
            f"{rule.max_steps_up} a period, to {new}"
        )
        return Ruling(new, "score_up", new, (why,))
    if to < at:
        new = computed_level if rule.down == "to_computed" else policy.levels[at - 1]
        how = "straight down" if rule.down == "to_computed" else "down one level"
        why = f"computed {computed_level} below the baseline {base}: {how} to {new}"
        return Ruling(new, "score_down", new, (why,))
    return Ruling(base, None, base, (f"computed {computed_level} equals the baseline: unchanged",))


def award(policy: Policy, standing: Standing, period: Period, result: PeriodResult) -> Ruling:
    """TSP: the award computed for a period is valid for the following period(s), then
    expires; the level held and shown is the award in force once the period is evaluated."""
    rule = _rule(policy, AwardPolicy)
    granted: tuple[Award, ...] = ()
    earned = result.status == "assessed" and result.computed_level is not None
    if earned and result.withheld is not None:
        why = f"{result.computed_level} earned for {period} but not awarded: {result.withheld}" + (
            f" ({result.withheld_note})" if result.withheld_note else ""
        )
    elif earned and result.computed_level is not None:
        valid_to = period.shift(rule.valid_periods).last_day
        new = Award(result.partner_id, result.computed_level, period, period.end, valid_to)
        granted = (new,)
        why = (
            f"{new.award} awarded for {period}: valid {new.valid_from.isoformat()} to "
            f"{valid_to.isoformat()}, then expired; final (no appeal, no restatement revokes it)"
        )
    else:
        why = f"no award for {period} (status {result.status})"
    kept = tuple(a for a in standing.awards if a.for_period not in result.forfeited)
    in_force = award_in_force(kept + granted, period.end)
    held = in_force.award if in_force is not None else None
    notes = [why]
    lost = award_in_force(standing.awards, period.end)
    forfeit = lost is not None and lost.for_period in result.forfeited and not granted
    if forfeit and lost is not None:
        notes.append(f"the {lost.award} award for {lost.for_period} was forfeited")
    elif held is None and standing.held is not None:
        notes.append(f"the {standing.held} award expired; none in force from {period.end}")
    cause: Cause | None = None
    if held != standing.held:
        cause = "award_granted" if granted and held is not None else None
        cause = cause or ("award_forfeited" if forfeit else None)
        cause = cause or ("award_granted" if held is not None else "award_expired")
    return Ruling(held, cause, held, tuple(notes), awards=granted)


def invited_class(
    policy: Policy, standing: Standing, period: Period, result: PeriodResult
) -> Ruling:
    """ISV: the first class is the standard class; afterwards the standard class is only a
    proposal (classes change by invitation or by an operator), and review items open when a
    review window closes."""
    rule = _rule(policy, InvitedClassPolicy)
    held = standing.held
    standard = result.computed_level if result.status == "assessed" else None
    target = held
    cause: Cause | None = None
    notes: list[str] = []
    if held == REMOVED:
        since = standing.since.isoformat() if standing.since else "?"
        notes.append(f"removed from the program on {since}: no class")
    elif held is None:
        if standard is not None:
            target, cause = standard, "first_class"
            notes.append(f"first classed: takes its standard class {standard}")
        else:
            notes.append(f"not classed: status {result.status}, no standard class")
    elif result.status == "ineligible":
        notes.append(
            f"ineligible for {period}: keeps class {held}; a class changes only by an "
            "operator's decision"
        )
    elif standard is not None and standard != held:
        if held in rule.fixed_classes:
            notes.append(
                f"standard class {standard}: {held} is a fixed class, neither promoted nor "
                "relegated by score"
            )
        else:
            notes.append(
                f"standard class {standard} is a proposal: the class stays {held} (up only by "
                "invitation, down only by an operator)"
            )
    standards = _last_year((*standing.standards, (period, standard)), period)
    reviews = _reviews(policy, rule, standing, period, target, standards, result)
    shown = None if target in (None, REMOVED) else target
    return Ruling(target, cause, shown, tuple(notes), reviews=reviews, standards=standards)


def _last_year(standards: Standards, period: Period) -> Standards:
    cutoff = Period(period.end, "month").shift(-12).start
    return tuple((p, c) for p, c in standards if p.start >= cutoff)


def _closing(period: Period, kind: PeriodKind) -> Period | None:
    """The review window that ends with this period, if one does."""
    window = Period.containing(period.last_day, kind)
    return window if window.end == period.end else None


def _downgrade_proposals(
    rule: InvitedClassPolicy,
    standing: Standing,
    period: Period,
    held: str,
    result: PeriodResult,
) -> list[ReviewItem]:
    """A downgrade or removal proposal for each downgrade of the class held whose
    `proposed_when` conditions hold (any) on the closing period of its review window: the
    operator decides; nothing moves by itself."""
    opened: list[ReviewItem] = []
    for down in rule.downgrades:
        window = _closing(period, down.review_period)
        if window is None or held != down.from_ or not down.proposed_when:
            continue
        # A result that carries no value of the metric at all (not computed) proposes
        # nothing; a computed value of None ("no value") counts as 0 like anywhere else.
        met = [
            condition_text(c)
            for c in down.proposed_when
            if c.metric is not None
            and c.metric in result.metrics
            and holds(c, result.metrics[c.metric])
        ]
        if met:
            opened.append(
                ReviewItem(
                    "downgrade_proposal",
                    standing.partner_id,
                    window,
                    period.end,
                    held,
                    proposed=down.to,
                    decides="downgrade" if down.to is not None else "removal",
                    reasons=tuple(met),
                )
            )
    return opened


def _reviews(
    policy: Policy,
    rule: InvitedClassPolicy,
    standing: Standing,
    period: Period,
    held: str | None,
    standards: Standards,
    result: PeriodResult,
) -> tuple[ReviewItem, ...]:
    if held is None or held == REMOVED:
        return ()
    opened: list[ReviewItem] = []
    for review in rule.reviews:
        window = _closing(period, review.every)
        if window is not None and held in review.classes:
            opened.append(
                ReviewItem(
                    "invitation_review",
                    standing.partner_id,
                    window,
                    period.end,
                    held,
                    decides=review.decides,
                )
            )
    for promotion in rule.promotions:
        window = _closing(period, promotion.review_period)
        if window is None or held != promotion.from_:
            continue
        met = [policy.rank(c) for p, c in standards if c is not None and p.start in window]
        if met and max(met) >= policy.rank(promotion.to):
            opened.append(
                ReviewItem(
                    "promotion_proposal",
                    standing.partner_id,
                    window,
                    period.end,
                    held,
                    proposed=promotion.to,
                    decides="invitation",
                )
            )
    opened += _downgrade_proposals(rule, standing, period, held, result)
    known = {(r.kind, r.window, r.proposed) for r in standing.reviews}
    return tuple(r for r in opened if (r.kind, r.window, r.proposed) not in known)


RulingFn = Callable[[Policy, Standing, Period, PeriodResult], Ruling]
RULINGS: dict[PolicyKind, RulingFn] = {
    "computed": computed,
    "one_step_up": one_step_up,
    "award": award,
    "invited_class": invited_class,
}
