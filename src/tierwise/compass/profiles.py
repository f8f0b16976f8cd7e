"""The profile rule (compass.md §1): a group's split by age, gender or country is shown
only when the group has more than 1,000 users, so that no small group can be picked out;
otherwise the page says "not enough users" and never shows the split."""

from __future__ import annotations

from collections.abc import Mapping

from tierwise.compass.errors import CompassError

#: A group is shown split when it has more than this many users.
PROFILE_MIN_USERS = 1000


def profile_shown(users: int) -> bool:
    """Whether a group of `users` users may be shown split: strictly more than 1,000."""
    if users < 0:
        raise CompassError(f"a group cannot have {users} users")
    return users > PROFILE_MIN_USERS


def profile_split(buckets: Mapping[str, int]) -> Mapping[str, int] | None:
    """The split of one dimension of a group (bucket → users, the buckets adding up to the
    group), or None when the group is too small to be shown."""
    if any(users < 0 for users in buckets.values()):
        raise CompassError("a profile bucket cannot have fewer than 0 users")
    return dict(buckets) if profile_shown(sum(buckets.values())) else None


__all__ = ["PROFILE_MIN_USERS", "profile_shown", "profile_split"]
