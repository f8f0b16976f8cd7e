"""The lifecycle's errors, one tree so that callers catch what they can act on.

::

    TierwiseError, ValueError (tierwise.core.errors)
    └── LifecycleError       input the lifecycle cannot apply: a period out of order, a level
        │                    the program does not know, a result for another partner
        ├── DecisionError    an operator decision the policy does not allow; `.problems`
        │                    lists every reason, the message joins them
        └── IllegalTransition  a move that is not in the policy's transitions table
"""

from __future__ import annotations

from collections.abc import Sequence

from tierwise.core.errors import LifecycleError


class DecisionError(LifecycleError):
    """An operator decision the program's policy does not allow, with every reason why."""

    def __init__(self, what: str, problems: Sequence[str]) -> None:
        self.what = what
        self.problems = tuple(problems)
        super().__init__(f"{what}: " + "; ".join(self.problems))


class IllegalTransition(LifecycleError):
    """A level move that the policy's transitions table does not list."""


__all__ = ["DecisionError", "IllegalTransition", "LifecycleError"]
