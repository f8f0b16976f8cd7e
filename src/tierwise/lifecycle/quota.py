"""The binding quota of a level (集星): how many high-level creators an agency may hold.

The quota is a right of the level held, not something the score decides: the data show
which creators an agency has bound; the quota says how many of the counted ones (Lv6–7)
its level allows, and which bindings went beyond it. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tierwise.definitions.model import BindingQuota


@dataclass(frozen=True)
class QuotaStanding:
    """An agency's counted creators against the quota of its level."""

    level: str | None
    #: Creators the level allows (None: unlimited).
    limit: int | None
    #: Creators counted against it.
    held: int

    @property
    def over(self) -> int:
        """Creators held beyond the quota."""
        return 0 if self.limit is None else max(0, self.held - self.limit)

    @property
    def free(self) -> int | None:
        """Creators that may still be bound (None: unlimited)."""
        return None if self.limit is None else max(0, self.limit - self.held)

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "limit": self.limit,
            "held": self.held,
            "free": self.free,
            "over": self.over,
        }


def quota_standing(quota: BindingQuota, level: str | None, held: int) -> QuotaStanding:
    """The standing of an agency holding `held` counted creators at `level` (None: no
    level). A level the quota does not list has no limit, as `null` says explicitly."""
    limit = quota.without_level if level is None else quota.per_level.get(level)
    return QuotaStanding(level, limit, held)


def beyond_quota(standing: QuotaStanding, bound_in_order: Sequence[str]) -> tuple[str, ...]:
    """The creators whose binding went beyond the quota: the last `over` ones bound
    (`bound_in_order` oldest binding first), the ones a platform would have refused."""
    if standing.over == 0:
        return ()
    return tuple(bound_in_order[-standing.over :])
