"""The level lifecycle: how a partner's level moves period by period under its program's
declared policy, and the operator decisions that move it. Pure: no I/O; the run
orchestrator calls it and the state store persists `Standing.to_dict()`.

    policy = Policy.of(program)
    step = advance(policy, standing, period, PeriodResult.of(outcome, joined_on=...), decisions)
    step.level, step.previous_level, step.change, step.awards, step.notices, step.standing

    check_decision(policy, standing, decision) -> Decision  # before recording a decision
    expiring(standing, on, days=14) -> (Award, ...)          # awards about to expire
    restate(policy, standing, period, result)                # an award against a restatement
    quota_standing(quota, level, held) -> QuotaStanding      # 集星: creators a level may bind
    table(policy) -> frozenset[Transition]; move(...)        # the allowed moves, the one mutator
    RULINGS[policy.kind](policy, standing, period, result)   # one policy's ruling for a period

Errors (a branch of `tierwise.core.errors`; LifecycleError is also a ValueError)::

    TierwiseError
    └── LifecycleError       input the lifecycle cannot apply (period out of order, …)
        ├── DecisionError    an operator decision the policy does not allow; `.problems`
        └── IllegalTransition  a move not in the policy's transitions table
"""

from tierwise.lifecycle.decisions import (
    DECISION_KINDS,
    OVERRIDE_MODES,
    Decision,
    DecisionKind,
    OverrideMode,
    check_decision,
)
from tierwise.lifecycle.errors import DecisionError, IllegalTransition, LifecycleError
from tierwise.lifecycle.notices import EXPIRING_DAYS, Notice, NoticeKind, expiring, expiring_notices
from tierwise.lifecycle.policies import RULINGS, Ruling
from tierwise.lifecycle.policy import REMOVED, Policy, PolicyKind
from tierwise.lifecycle.quota import QuotaStanding, beyond_quota, quota_standing
from tierwise.lifecycle.state import (
    CAUSES,
    Award,
    Cause,
    PeriodResult,
    ReviewItem,
    ReviewKind,
    Standing,
    award_in_force,
)
from tierwise.lifecycle.steps import AwardRestatement, Change, Step, advance, restate
from tierwise.lifecycle.transitions import Transition, allowed_from, move, table

__all__ = [
    "CAUSES",
    "DECISION_KINDS",
    "EXPIRING_DAYS",
    "OVERRIDE_MODES",
    "REMOVED",
    "RULINGS",
    "Award",
    "AwardRestatement",
    "Cause",
    "Change",
    "Decision",
    "DecisionError",
    "DecisionKind",
    "IllegalTransition",
    "LifecycleError",
    "Notice",
    "NoticeKind",
    "OverrideMode",
    "PeriodResult",
    "Policy",
    "PolicyKind",
    "QuotaStanding",
    "ReviewItem",
    "ReviewKind",
    "Ruling",
    "Standing",
    "Step",
    "Transition",
    "advance",
    "allowed_from",
    "award_in_force",
    "beyond_quota",
    "check_decision",
    "expiring",
    "expiring_notices",
    "move",
    "quota_standing",
    "restate",
    "table",
]
