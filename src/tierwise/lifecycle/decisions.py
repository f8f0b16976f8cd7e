"""Operator decisions: invite, downgrade, remove, continue an invitation, override a level.

Every decision has an actor, a reason, the day it was decided and an effective date, and is
checked against the program's policy before it is recorded: `check_decision` returns the decision
with its effective date resolved (1 January of the next year for an invitation, at once for
a removal) or raises one `DecisionError` listing every problem. The lifecycle applies a
checked decision when its effective date falls in an evaluated period (on or before the
period's last day), through the transitions table like any other move.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from tierwise.definitions.model import ClassDowngrade, InvitedClassPolicy
from tierwise.lifecycle.errors import DecisionError
from tierwise.lifecycle.policy import REMOVED, Policy

if TYPE_CHECKING:
    from tierwise.lifecycle.state import Standing

DecisionKind = Literal["invite", "downgrade", "remove", "continue_invitation", "override"]
DECISION_KINDS: tuple[DecisionKind, ...] = (
    "invite",
    "downgrade",
    "remove",
    "continue_invitation",
    "override",
)
#: `floor`: the level shown is at least this one; `fixed`: the level shown is this one.
OverrideMode = Literal["floor", "fixed"]
OVERRIDE_MODES: tuple[OverrideMode, ...] = ("floor", "fixed")


@dataclass(frozen=True)
class Decision:
    """One operator decision about one partner, as recorded in the audit log."""

    kind: DecisionKind
    partner_id: str
    actor: str
    reason: str
    decided_on: date
    #: None: as the policy says (`check_decision` fills it in).
    effective: date | None = None
    #: invite / downgrade: the class moved to; continue_invitation(continues=False): the class
    #: held once the invitation ends; override: the level shown.
    level: str | None = None
    #: override only.
    mode: OverrideMode | None = None
    #: override only: the last day it applies (inclusive); None: until lifted.
    until: date | None = None
    #: continue_invitation only: whether the invitation continues next year.
    continues: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "partner_id": self.partner_id,
            "actor": self.actor,
            "reason": self.reason,
            "decided_on": self.decided_on.isoformat(),
            "effective": _iso(self.effective),
            "level": self.level,
            "mode": self.mode,
            "until": _iso(self.until),
            "continues": self.continues,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Decision:
        kind = data["kind"]
        if kind not in DECISION_KINDS:
            raise ValueError(f"unknown decision kind {kind!r}")
        mode = data.get("mode")
        if mode is not None and mode not in OVERRIDE_MODES:
            raise ValueError(f"unknown override mode {mode!r}")
        return cls(
            kind=kind,
            partner_id=str(data["partner_id"]),
            actor=str(data["actor"]),
            reason=str(data["reason"]),
            decided_on=date.fromisoformat(data["decided_on"]),
            effective=_date(data.get("effective")),
            level=data.get("level"),
            mode=mode,
            until=_date(data.get("until")),
            continues=data.get("continues"),
        )

    def applies_on(self, day: date) -> bool:
        """An override applies on a day inside `[effective, until]`."""
        start = self.effective or self.decided_on
        return start <= day and (self.until is None or day <= self.until)


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _date(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


# -- checks -------------------------------------------------------------------------------

Problems = list[str]
_Check = Callable[[Policy, "Standing | None", Decision, Problems], "date | None"]


def check_decision(policy: Policy, standing: Standing | None, decision: Decision) -> Decision:
    """The decision with its effective date resolved, or DecisionError with every problem."""
    problems: Problems = []
    if standing is not None and standing.partner_id != decision.partner_id:
        problems.append(f"the standing given is {standing.partner_id}'s")
    if not decision.actor.strip():
        problems.append("an actor is required")
    if not decision.reason.strip():
        problems.append("a reason is required")
    if decision.level is not None and decision.level not in policy.levels:
        problems.append(f"unknown level {decision.level!r} (levels: {', '.join(policy.levels)})")
    if decision.kind != "override" and (decision.mode is not None or decision.until is not None):
        problems.append("`mode` and `until` belong to an override")
    if decision.kind != "continue_invitation" and decision.continues is not None:
        problems.append("`continues` belongs to continue_invitation")
    effective = _CHECKS[decision.kind](policy, standing, decision, problems)
    evaluated = standing.period if standing is not None else None
    if effective is not None and evaluated is not None and effective <= evaluated.last_day:
        problems.append(
            f"effective {effective.isoformat()} falls in {evaluated} or earlier, already "
            "evaluated: a decision changes periods not yet evaluated"
        )
    if problems:
        raise DecisionError(f"{decision.kind} of {decision.partner_id}", problems)
    return replace(decision, effective=effective)


def _classes(policy: Policy, problems: Problems) -> InvitedClassPolicy | None:
    if isinstance(policy.rule, InvitedClassPolicy):
        return policy.rule
    problems.append(
        f"{policy.program_id} has the {policy.kind!r} lifecycle: only an invited_class "
        "program has classes an operator moves (an override applies to any program)"
    )
    return None


def _held_class(standing: Standing | None, problems: Problems) -> str | None:
    held = standing.held if standing is not None else None
    if held is None:
        problems.append("not classed yet: there is no class to change")
        return None
    if held == REMOVED:
        problems.append("removed from the program: there is no class to change")
        return None
    return held


def _no_pending(standing: Standing | None, problems: Problems) -> None:
    if standing is None:
        return
    for other in standing.pending:
        when = other.effective.isoformat() if other.effective else "?"
        problems.append(
            f"{other.kind} decided {other.decided_on.isoformat()} by {other.actor} is "
            f"pending (effective {when}): one class change at a time"
        )


def _next_year_start(
    decision: Decision,
    standing: Standing | None,
    *,
    review: str | None,
    proposed: str | None,
    problems: Problems,
) -> date:
    """1 January after the review window the decision answers, else after the decision."""
    allowed: list[date] = []
    for item in standing.reviews if standing is not None and review else ():
        if item.kind == review and (proposed is None or item.proposed == proposed):
            allowed.append(date(item.window.last_day.year + 1, 1, 1))
    allowed.append(date(decision.decided_on.year + 1, 1, 1))
    allowed = sorted(set(allowed))
    if decision.effective is None:
        return allowed[0]
    if decision.effective not in allowed:
        options = " or ".join(d.isoformat() for d in allowed)
        problems.append(
            f"takes effect on 1 January of the next year ({options}), "
            f"not {decision.effective.isoformat()}"
        )
    return decision.effective


def _at_once(decision: Decision, problems: Problems) -> date:
    if decision.effective is not None and decision.effective != decision.decided_on:
        problems.append(
            f"takes effect at once, on the day decided ({decision.decided_on.isoformat()}), "
            f"not {decision.effective.isoformat()}"
        )
    return decision.decided_on


def _fixed_class_problem(rule: InvitedClassPolicy, held: str) -> str | None:
    if held in rule.fixed_classes:
        return (
            f"{held} is a fixed class: neither relegated by score nor downgraded; its "
            "invitation is reviewed every half year (continue_invitation)"
        )
    return None


def _moves(rule: InvitedClassPolicy, *, removal: bool) -> str:
    if removal:
        shown = [f"{d.from_} → removed" for d in rule.downgrades if d.to is None]
    else:
        shown = [f"{d.from_} → {d.to}" for d in rule.downgrades if d.to is not None]
    return ", ".join(shown) or "none"


def _check_invite(
    policy: Policy, standing: Standing | None, decision: Decision, problems: Problems
) -> date | None:
    rule = _classes(policy, problems)
    held = _held_class(standing, problems)
    if decision.level is None:
        problems.append("name the class the partner is invited to (`level`)")
    if rule is None or held is None or decision.level is None:
        return decision.effective
    if not any(p.from_ == held and p.to == decision.level for p in rule.promotions):
        allowed = ", ".join(f"{p.from_} → {p.to}" for p in rule.promotions) or "none"
        problems.append(
            f"no invitation from {held} to {decision.level}; the policy invites: {allowed}"
        )
    _no_pending(standing, problems)
    return _next_year_start(
        decision, standing, review="promotion_proposal", proposed=decision.level, problems=problems
    )


def _downgrade_rule(
    rule: InvitedClassPolicy, held: str, to: str | None, problems: Problems, *, removal: bool
) -> ClassDowngrade | None:
    fixed = _fixed_class_problem(rule, held)
    if fixed is not None:
        problems.append(fixed)
        return None
    for downgrade in rule.downgrades:
        if downgrade.from_ == held and downgrade.to == to:
            return downgrade
    target = "removed" if to is None else to
    problems.append(
        f"no {'removal' if removal else 'downgrade'} from {held} to {target}; the policy "
        f"allows: {_moves(rule, removal=removal)}"
    )
    return None


def _effective_of(
    downgrade: ClassDowngrade, decision: Decision, standing: Standing | None, problems: Problems
) -> date:
    if downgrade.effective == "immediately":
        return _at_once(decision, problems)
    return _next_year_start(decision, standing, review=None, proposed=None, problems=problems)


def _check_downgrade(
    policy: Policy, standing: Standing | None, decision: Decision, problems: Problems
) -> date | None:
    rule = _classes(policy, problems)
    held = _held_class(standing, problems)
    if decision.level is None:
        problems.append("name the class to downgrade to (`level`); a removal is `remove`")
    if rule is None or held is None or decision.level is None:
        return decision.effective
    downgrade = _downgrade_rule(rule, held, decision.level, problems, removal=False)
    _no_pending(standing, problems)
    if downgrade is None:
        return decision.effective
    return _effective_of(downgrade, decision, standing, problems)


def _check_remove(
    policy: Policy, standing: Standing | None, decision: Decision, problems: Problems
) -> date | None:
    rule = _classes(policy, problems)
    held = _held_class(standing, problems)
    if decision.level is not None:
        problems.append("a removal names no class (`level` must be empty)")
    if rule is None or held is None:
        return decision.effective
    downgrade = _downgrade_rule(rule, held, None, problems, removal=True)
    # A removal is for a major violation: it cancels a pending class change (reported).
    if downgrade is None:
        return decision.effective
    return _effective_of(downgrade, decision, standing, problems)


def _check_continue(
    policy: Policy, standing: Standing | None, decision: Decision, problems: Problems
) -> date | None:
    rule = _classes(policy, problems)
    held = _held_class(standing, problems)
    if decision.continues is None:
        problems.append("say whether the invitation continues (`continues`)")
    if rule is None or held is None or decision.continues is None:
        return decision.effective
    if held not in rule.fixed_classes:
        fixed = ", ".join(rule.fixed_classes) or "none"
        problems.append(f"only a partner of an invited class ({fixed}) has an invitation; {held}")
        return decision.effective
    if decision.continues:
        if decision.level not in (None, held):
            problems.append(f"a continued invitation keeps {held}: `level` must be empty")
    else:
        lower = policy.levels[: policy.rank(held)]
        if decision.level is None or decision.level not in lower:
            problems.append(
                f"an ended invitation names the class held from next year, one of: "
                f"{', '.join(lower) or 'none'}"
            )
        _no_pending(standing, problems)
    return _next_year_start(
        decision, standing, review="invitation_review", proposed=None, problems=problems
    )


def _check_override(
    policy: Policy, standing: Standing | None, decision: Decision, problems: Problems
) -> date | None:
    if decision.mode is None:
        problems.append("an override says whether it is a `floor` or a `fixed` level (`mode`)")
    if decision.level is None:
        problems.append("an override names its level (`level`)")
    effective = decision.effective or decision.decided_on
    if decision.until is not None and decision.until < effective:
        problems.append(
            f"until {decision.until.isoformat()} is before effective {effective.isoformat()}"
        )
    return effective


_CHECKS: dict[DecisionKind, _Check] = {
    "invite": _check_invite,
    "downgrade": _check_downgrade,
    "remove": _check_remove,
    "continue_invitation": _check_continue,
    "override": _check_override,
}
